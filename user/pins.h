/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pinned datapath: the first hook loads the BPF object and pins its
 * programs and maps under the pin dir; every later one only opens the pins
 * (no verifier run). Pins of another layout are stale and get replaced.
 */
#ifndef BPFNET_PINS_H
#define BPFNET_PINS_H

#include <stdbool.h>

#include "attach.h"
#include "config.h"

/* File descriptors of the pinned maps and programs. */
struct dp {
	int cfg_fd, ep_fd, cfg6_fd, ep6_fd, ct6_fd, frag6_in_fd, frag6_out_fd, frag6_rnat_fd,
	    rnat6_fd,
	    ct_fd, rnat_fd, stats_fd, ep_stats_fd;
	int pm_fd, pm6_fd, dnat6_ct_fd, dnat6_rev_fd, nat46_ct_fd, nat46_rev_fd, dnat_ct_fd, dnat_rev_fd, sock_rev_fd, sock_rev6_fd, host_addrs_fd;
	int peer_rnat_fd, peer_pm_fd, peer_rnat_new_fd;
	int host_addrs6_fd, peer_rnat6_fd, peer_pm6_fd;
	int ct_new_fd, rnat_new_fd, dnat_ct_new_fd, dnat_rev_new_fd;
	int ct6_new_fd, rnat6_new_fd, dnat6_ct_new_fd, dnat6_rev_new_fd;
	int frag_nat_fd, proto_nat_fd;
	int mon_ring_fd, mon_ctl_fd, mon_budget_fd;	/* bpfnet monitor */
	int prog_from_ct, prog_to_ct, prog_up_in, prog_up_out;
	struct sock_progs sock;	/* the cgroup socket programs */
	bool fresh;	/* loaded by this dp_open: maps are empty */
};

/*
 * Open the pinned datapath; with create, load and pin it first if it is not
 * there (a stale one is detached and removed first). -ENOENT when absent
 * and !create, -ESTALE when of another layout.
 */
int dp_open(const struct bpfnet_config *cfg, struct dp *dp, bool create);
void dp_close(struct dp *dp);
void dp_remove_pins(const struct bpfnet_config *cfg);

#endif
