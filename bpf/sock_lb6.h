/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Published IPv6 ports for processes on the host itself, as sock_lb.h
 * does for IPv4: connect()/sendmsg() to a published [address]:port is
 * sent to the container's IPv6 address and port (port_maps6), and
 * recvmsg()/getpeername() show the address and port dialled again
 * (sock_rev6). Only sockets of the host namespace bpfnet manages.
 * An IPv4-mapped destination (::ffff:a.b.c.d on a dual-stack socket) is
 * left alone: port_maps6 has no such address.
 */
#ifndef BPFNET_SOCK_LB6_H
#define BPFNET_SOCK_LB6_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bpfnet_shared.h"
#include "maps.h"
#include "portmap6.h"
#include "route6.h"
#include "sock_lb.h"
#include "stats.h"

/*
 * An address of the host a port on every IPv6 address answers at:
 * loopback (::1), or one of host_addr6's (the uplink's, the bridge's, the
 * host's other global ones: the socket programs have no FIB to ask).
 */
static __always_inline int host_local6(const struct bpfnet_cfg6 *c6,
				       const struct bpfnet_in6 *a)
{
	if (!a->a[0] && !a->a[1] && !a->a[2] && a->a[3] == bpf_htonl(1))
		return 1;
	if ((a->a[0] | a->a[1] | a->a[2] | a->a[3]) == 0)
		return 0;
	return host_addr6(c6, a);
}

/* The socket's IPv6 destination, read a word at a time (the ctx's rule). */
static __always_inline void ctx_ip6(const struct bpf_sock_addr *ctx,
				    struct bpfnet_in6 *a)
{
	a->a[0] = ctx->user_ip6[0];
	a->a[1] = ctx->user_ip6[1];
	a->a[2] = ctx->user_ip6[2];
	a->a[3] = ctx->user_ip6[3];
}

static __always_inline void ctx_set_ip6(struct bpf_sock_addr *ctx,
					const struct bpfnet_in6 *a)
{
	ctx->user_ip6[0] = a->a[0];
	ctx->user_ip6[1] = a->a[1];
	ctx->user_ip6[2] = a->a[2];
	ctx->user_ip6[3] = a->a[3];
}

static __always_inline int sock_redirect6(struct bpf_sock_addr *ctx)
{
	const struct bpfnet_cfg6 *c6 = get_cfg6();
	struct bpfnet_sock6_key k = {};
	struct bpfnet_sock6_val v = {};
	struct bpfnet_pm6_val *pm;

	if (!c6 || !sock_cfg(ctx))
		return 1;
	ctx_ip6(ctx, &v.addr);
	v.port = (__be16)ctx->user_port;
	pm = pm6_find(&v.addr, v.port, (__u8)ctx->protocol, host_local6(c6, &v.addr));
	if (!pm)
		return 1;
	ctx_set_ip6(ctx, &pm->caddr);
	ctx->user_port = (__u32)pm->cport;
	k.cookie = bpf_get_socket_cookie(ctx);
	k.addr = pm->caddr;
	k.port = pm->cport;
	bpf_map_update_elem(&sock_rev6, &k, &v, BPF_ANY);
	stat_inc(BPFNET_STAT_SOCK_LB);
	return 1;
}

static __always_inline int sock_restore6(struct bpf_sock_addr *ctx)
{
	struct bpfnet_sock6_key k = {};
	struct bpfnet_sock6_val *v;

	if (!sock_cfg(ctx))
		return 1;
	k.cookie = bpf_get_socket_cookie(ctx);
	ctx_ip6(ctx, &k.addr);
	k.port = (__be16)ctx->user_port;
	v = bpf_map_lookup_elem(&sock_rev6, &k);
	if (v) {
		ctx_set_ip6(ctx, &v->addr);
		ctx->user_port = (__u32)v->port;
	}
	return 1;
}

#endif
