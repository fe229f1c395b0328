/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cgroup socket programs (sock_addr) of published ports, both
 * families: included once, by bpfnet.bpf.c. The logic is sock_lb.h's
 * (IPv4) and sock_lb6.h's (IPv6); these only name the hooks.
 */
#ifndef BPFNET_SOCK_PROGS_H
#define BPFNET_SOCK_PROGS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "sock_lb.h"
#include "sock_lb6.h"

SEC("cgroup/connect4")
int sock_connect4(struct bpf_sock_addr *ctx)
{
	return sock_redirect(ctx);
}

SEC("cgroup/sendmsg4")
int sock_sendmsg4(struct bpf_sock_addr *ctx)
{
	return sock_redirect(ctx);
}

SEC("cgroup/recvmsg4")
int sock_recvmsg4(struct bpf_sock_addr *ctx)
{
	return sock_restore(ctx);
}

SEC("cgroup/getpeername4")
int sock_getpeername4(struct bpf_sock_addr *ctx)
{
	return sock_restore(ctx);
}

SEC("cgroup/connect6")
int sock_connect6(struct bpf_sock_addr *ctx)
{
	return sock_redirect6(ctx);
}

SEC("cgroup/sendmsg6")
int sock_sendmsg6(struct bpf_sock_addr *ctx)
{
	return sock_redirect6(ctx);
}

SEC("cgroup/recvmsg6")
int sock_recvmsg6(struct bpf_sock_addr *ctx)
{
	return sock_restore6(ctx);
}

SEC("cgroup/getpeername6")
int sock_getpeername6(struct bpf_sock_addr *ctx)
{
	return sock_restore6(ctx);
}

#endif
