// SPDX-License-Identifier: GPL-2.0
#include <bpf/bpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"
#include "bpfnet_shared.h"
#include "mapiter.h"
#include "peers.h"

static __u32 fd_prog_id(int fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* The port_maps of the program prog_id uses; -errno when it has none. */
static int prog_port_maps(__u32 prog_id)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info), ids[64];
	int pfd = bpf_prog_get_fd_by_id(prog_id), fd = -ENOENT;

	if (pfd < 0)
		return -errno;
	info.nr_map_ids = 64;
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(pfd, &info, &len))
		info.nr_map_ids = 0;
	for (__u32 i = 0; i < info.nr_map_ids && i < 64 && fd < 0; i++) {
		struct bpf_map_info mi = { 0 };
		__u32 mlen = sizeof(mi);
		int mfd = bpf_map_get_fd_by_id(ids[i]);

		if (mfd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(mfd, &mi, &mlen) &&
		    !strcmp(mi.name, "port_maps") &&
		    mi.key_size == sizeof(struct bpfnet_pm_key) &&
		    mi.value_size == sizeof(struct bpfnet_pm_val))
			fd = mfd;
		else
			close(mfd);
	}
	close(pfd);
	return fd;
}

struct port_hit {
	const struct port_spec *ps;
	int n;
	const struct bpfnet_pm_key *hit;	/* the first entry that matches */
	struct bpfnet_pm_key key;
};

static void find_port(const void *key, const void *value, void *ctx)
{
	const struct bpfnet_pm_key *k = key;
	struct port_hit *h = ctx;
	unsigned int port = ntohs(k->host_port);

	(void)value;
	for (int i = 0; i < h->n && !h->hit; i++) {
		if (k->proto == h->ps[i].proto && port >= h->ps[i].host_lo &&
		    port <= h->ps[i].host_hi) {
			h->key = *k;
			h->hit = &h->key;
		}
	}
}

int peers_port_conflict(int uplink_ifindex, int own_prog_fd,
			const struct port_spec *ps, int n, char *err,
			size_t errlen)
{
	struct port_hit h = { .ps = ps, .n = n };
	__u32 own = fd_prog_id(own_prog_fd);
	struct tc_filter_vec fv;

	if (uplink_ifindex <= 0 || tc_list(uplink_ifindex, TC_INGRESS, &fv))
		return 0;
	for (int i = 0; i < fv.n && !h.hit; i++) {
		const char *net = uplink_filter_net(&fv.v[i]);
		int fd;

		if (!net || fv.v[i].prog_id == own)
			continue;
		fd = prog_port_maps(fv.v[i].prog_id);
		if (fd < 0)
			continue;
		map_for_each(fd, sizeof(struct bpfnet_pm_key),
			     sizeof(struct bpfnet_pm_val), find_port, &h);
		close(fd);
		if (h.hit)
			snprintf(err, errlen,
				 "host port %u/%s is published by another network on the uplink (%s)",
				 ntohs(h.key.host_port),
				 h.key.proto == IPPROTO_UDP ? "udp" : "tcp",
				 net[0] ? net : "an older bpfnet");
	}
	tc_filter_vec_free(&fv);
	return h.hit ? -EEXIST : 0;
}
