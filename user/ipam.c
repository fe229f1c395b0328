// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipam.h"

static uint32_t host_mask(int prefix)
{
	return prefix >= 32 ? 0 : (~0u >> prefix);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int ipam_alloc(const struct bpfnet_state *st, const struct bpfnet_config *cfg,
	       struct in_addr *out)
{
	uint32_t net = ntohl(cfg->subnet.s_addr);
	uint32_t first = net + 2;	/* net + 1 is the gateway */
	uint32_t last = (net | host_mask(cfg->prefix)) - 1;
	uint32_t *used, cand = first;
	int n = 0;

	used = malloc(sizeof(*used) * (st->n + 1));
	if (!used)
		return -ENOMEM;
	for (int i = 0; i < st->n; i++)
		used[n++] = ntohl(st->eps[i].ip.s_addr);
	qsort(used, n, sizeof(*used), cmp_u32);
	for (int i = 0; i < n && cand <= last; i++) {
		if (used[i] < cand)
			continue;
		if (used[i] > cand)
			break;
		cand++;
	}
	free(used);
	if (cand > last || cand < first)
		return -ENOSPC;
	out->s_addr = htonl(cand);
	return 0;
}

int ipam_static(const struct bpfnet_state *st, const struct bpfnet_config *cfg,
		const char *what, const char *text, struct in_addr *out,
		char *err, size_t errlen)
{
	uint32_t net = ntohl(cfg->subnet.s_addr), hm = host_mask(cfg->prefix);
	uint32_t a;

	if (inet_pton(AF_INET, text, out) != 1) {
		snprintf(err, errlen, "%s '%.40s' is not an IPv4 address", what,
			 text);
		return -EINVAL;
	}
	a = ntohl(out->s_addr);
	if ((a & ~hm) != net) {
		snprintf(err, errlen, "%s %s is outside the subnet %s/%d", what,
			 text, inet_ntoa(cfg->subnet), cfg->prefix);
		return -EINVAL;
	}
	if (a == net || a == (net | hm) || a == net + 1) {
		snprintf(err, errlen,
			 "%s %s is the network, gateway or broadcast address",
			 what, text);
		return -EINVAL;
	}
	for (int i = 0; i < st->n; i++) {
		if (st->eps[i].ip.s_addr == out->s_addr) {
			snprintf(err, errlen, "%s %s is in use by %.64s", what,
				 text, st->eps[i].id);
			return -EADDRINUSE;
		}
	}
	return 0;
}

int ipam_mac_free(const struct bpfnet_state *st, const struct bpfnet_config *cfg,
		  const uint8_t mac[6], char *err, size_t errlen)
{
	uint8_t bridge[6];

	ipam_bridge_mac(cfg->gateway, bridge);
	if (!memcmp(mac, bridge, 6)) {
		snprintf(err, errlen, "is the bridge's MAC");
		return -EADDRINUSE;
	}
	for (int i = 0; i < st->n; i++) {
		if (!memcmp(st->eps[i].mac, mac, 6)) {
			snprintf(err, errlen, "is in use by %.64s", st->eps[i].id);
			return -EADDRINUSE;
		}
	}
	return 0;
}

void ipam_mac(struct in_addr ip, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x42;
	memcpy(mac + 2, &ip.s_addr, 4);
}

void ipam_bridge_mac(struct in_addr gateway, uint8_t mac[6])
{
	ipam_mac(gateway, mac);
	mac[0] = 0x06;
}

void ipam_veth_name_salted(const char *id, unsigned int salt,
			   char out[IFNAMSIZ])
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 */

	for (const char *p = id; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 0x100000001b3ull;
	}
	for (unsigned int i = 0; i < 4; i++) {
		h ^= (salt >> (8 * i)) & 0xff;
		h *= 0x100000001b3ull;
	}
	snprintf(out, IFNAMSIZ, BPFNET_VETH_PREFIX "%012llx",
		 (unsigned long long)(h & 0xffffffffffffull));
}

void ipam_veth_name(const struct bpfnet_state *st, const char *id,
		    char out[IFNAMSIZ])
{
	for (unsigned int salt = 0;; salt++) {
		bool taken = false;

		ipam_veth_name_salted(id, salt, out);
		for (int i = 0; i < st->n; i++)
			if (!strcmp(st->eps[i].veth, out) &&
			    strcmp(st->eps[i].id, id))
				taken = true;
		if (!taken)
			return;
	}
}
