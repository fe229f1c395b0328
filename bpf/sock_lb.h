/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Published ports for processes on the host itself. Their packets to a
 * local address never cross a TC hook, so the socket's destination is
 * rewritten at connect()/sendmsg() time instead (cgroup sock_addr
 * programs), and the container's address is turned back into the dialled
 * one for recvmsg() and getpeername(). Only sockets of the host network
 * namespace bpfnet manages are touched.
 */
#ifndef BPFNET_SOCK_LB_H
#define BPFNET_SOCK_LB_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bpfnet_shared.h"
#include "config.h"
#include "maps.h"
#include "portmap.h"
#include "stats.h"

/* An address of the host: loopback, the uplink, the gateway, or any other
 * one the host had when user space last looked (host_addrs). */
static __always_inline int host_local(const struct bpfnet_cfg *cfg, __be32 a)
{
	return (a & bpf_htonl(0xff000000)) == bpf_htonl(0x7f000000) ||
	       a == cfg->uplink_addr || a == cfg->gateway ||
	       bpf_map_lookup_elem(&host_addrs, &a);
}

static __always_inline const struct bpfnet_cfg *sock_cfg(struct bpf_sock_addr *ctx)
{
	const struct bpfnet_cfg *cfg = get_cfg();

	if (!cfg || bpf_get_netns_cookie(ctx) != cfg->netns_cookie)
		return NULL;
	return cfg;
}

static __always_inline int sock_redirect(struct bpf_sock_addr *ctx)
{
	const struct bpfnet_cfg *cfg = sock_cfg(ctx);
	struct bpfnet_sock_key k = {};
	struct bpfnet_sock_val v = {};
	struct bpfnet_pm_val *pm;
	__be32 daddr;
	__be16 dport;

	if (!cfg)
		return 1;
	daddr = ctx->user_ip4;
	dport = (__be16)ctx->user_port;
	/* a port on one address wherever that is; on every address, at
	 * every address of the host */
	pm = pm_find(daddr, dport, (__u8)ctx->protocol, host_local(cfg, daddr));
	if (!pm)
		return 1;
	ctx->user_ip4 = pm->caddr;
	ctx->user_port = (__u32)pm->cport;
	k.cookie = bpf_get_socket_cookie(ctx);
	k.addr = pm->caddr;
	k.port = pm->cport;
	v.addr = daddr;
	v.port = dport;
	bpf_map_update_elem(&sock_rev, &k, &v, BPF_ANY);
	stat_inc(BPFNET_STAT_SOCK_LB);
	return 1;
}

static __always_inline int sock_restore(struct bpf_sock_addr *ctx)
{
	struct bpfnet_sock_key k = {};
	struct bpfnet_sock_val *v;

	if (!sock_cfg(ctx))
		return 1;
	k.cookie = bpf_get_socket_cookie(ctx);
	k.addr = ctx->user_ip4;
	k.port = (__be16)ctx->user_port;
	v = bpf_map_lookup_elem(&sock_rev, &k);
	if (v) {
		ctx->user_ip4 = v->addr;
		ctx->user_port = (__u32)v->port;
	}
	return 1;
}

#endif
