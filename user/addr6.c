// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr6.h"

int parse_cidr6(const char *s, struct in6_addr *net, int *prefix)
{
	char buf[CIDR6_STRLEN + 1], *slash, *end;
	unsigned long n;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	if (inet_pton(AF_INET6, buf, net) != 1)
		return -EINVAL;
	errno = 0;
	n = strtoul(slash + 1, &end, 10);
	if (errno || *end || end == slash + 1 || n > 128 || slash[1] == '-' ||
	    slash[1] == '+')
		return -EINVAL;
	for (int bit = (int)n; bit < 128; bit++)
		if (net->s6_addr[bit / 8] & (0x80 >> (bit % 8)))
			return -EINVAL;	/* host bits set */
	*prefix = (int)n;
	return 0;
}

bool in6_in_prefix(const struct in6_addr *a, const struct in6_addr *net,
		   int prefix)
{
	int whole = prefix / 8, rest = prefix % 8;

	if (memcmp(a->s6_addr, net->s6_addr, (size_t)whole))
		return false;
	if (!rest)
		return true;
	return ((a->s6_addr[whole] ^ net->s6_addr[whole]) &
		(0xff << (8 - rest)) & 0xff) == 0;
}

uint64_t in6_low64(const struct in6_addr *a)
{
	uint64_t v = 0;

	for (int i = 8; i < 16; i++)
		v = (v << 8) | a->s6_addr[i];
	return v;
}

struct in6_addr in6_with_low64(const struct in6_addr *net, uint64_t host)
{
	struct in6_addr a = *net;

	for (int i = 15; i >= 8; i--) {
		a.s6_addr[i] = (uint8_t)(host & 0xff);
		host >>= 8;
	}
	return a;
}

uint64_t in6_host_max(int prefix)
{
	return prefix <= 64 ? ~0ull : prefix >= 128 ? 0 : ~0ull >> (prefix - 64);
}

bool in6_is_zero(const struct in6_addr *a)
{
	static const struct in6_addr zero;

	return !memcmp(a, &zero, sizeof(zero));
}

void cidr6_format(const struct in6_addr *net, int prefix, char *buf,
		  size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, net, a, sizeof(a));
	snprintf(buf, len, "%s/%d", a, prefix);
}

struct in6_addr in6_linklocal_of_mac(const uint8_t mac[6])
{
	struct in6_addr a = { .s6_addr = { 0xfe, 0x80 } };

	a.s6_addr[8] = mac[0] ^ 2;	/* the universal/local bit inverted */
	a.s6_addr[9] = mac[1];
	a.s6_addr[10] = mac[2];
	a.s6_addr[11] = 0xff;
	a.s6_addr[12] = 0xfe;
	memcpy(&a.s6_addr[13], &mac[3], 3);
	return a;
}
