// SPDX-License-Identifier: GPL-2.0
/*
 * make bench BENCH=hops: the cost of XDP itself on the host end of a
 * container's veth (the device then receives through NAPI, and each
 * packet becomes an xdp_buff first), with nothing done: every frame passes.
 * xdp.frags: multi-buffer aware, so the container keeps GSO/TSO.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp.frags")
int xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
