// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr6.h"
#include "ipam6.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int ipam6_alloc(const struct bpfnet_state *st, const struct bpfnet_config *cfg,
		struct in6_addr *out)
{
	uint64_t net = in6_low64(&cfg->subnet6), last = in6_host_max(cfg->prefix6);
	uint64_t *used, cand = 2;	/* ::1 is the gateway */
	int n = 0;

	if (!cfg->prefix6)
		return -EINVAL;
	used = malloc(sizeof(*used) * (st->n + 1));
	if (!used)
		return -ENOMEM;
	for (int i = 0; i < st->n; i++)
		if (!in6_is_zero(&st->eps[i].ip6) &&
		    in6_in_prefix(&st->eps[i].ip6, &cfg->subnet6, cfg->prefix6))
			used[n++] = in6_low64(&st->eps[i].ip6) - net;
	qsort(used, n, sizeof(*used), cmp_u64);
	for (int i = 0; i < n && cand <= last; i++) {
		if (used[i] < cand)
			continue;
		if (used[i] > cand)
			break;
		cand++;
	}
	free(used);
	if (cand > last || cand < 2)
		return -ENOSPC;
	*out = in6_with_low64(&cfg->subnet6, net + cand);
	return 0;
}

int ipam6_static(const struct bpfnet_state *st, const struct bpfnet_config *cfg,
		 const char *what, const char *text, struct in6_addr *out,
		 char *err, size_t errlen)
{
	char net[CIDR6_STRLEN];
	const struct endpoint_rec *user;
	uint64_t host;

	cidr6_format(&cfg->subnet6, cfg->prefix6, net, sizeof(net));
	if (!cfg->prefix6) {
		snprintf(err, errlen, "%s '%.50s' needs a network with --subnet6",
			 what, text);
		return -EINVAL;
	}
	if (inet_pton(AF_INET6, text, out) != 1) {
		snprintf(err, errlen, "%s '%.50s' is not an IPv6 address", what,
			 text);
		return -EINVAL;
	}
	if (!in6_in_prefix(out, &cfg->subnet6, cfg->prefix6)) {
		snprintf(err, errlen, "%s %s is outside the subnet6 %s", what,
			 text, net);
		return -EINVAL;
	}
	host = in6_low64(out) - in6_low64(&cfg->subnet6);
	if (host < 2) {
		snprintf(err, errlen, "%s %s is the %s address of %s", what, text,
			 host ? "gateway" : "network", net);
		return -EINVAL;
	}
	user = state_find_ip6(st, out);
	if (user) {
		snprintf(err, errlen, "%s %s is in use by %.64s", what, text,
			 user->id);
		return -EADDRINUSE;
	}
	return 0;
}
