/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host's own sockets, asked from TC: a tuple the host's stack already
 * owns is never given to a container (neither as a translated source port
 * nor as a published port's new flow), for IPv4 and NAT66 alike.
 */
#ifndef BPFNET_HOSTSOCK_H
#define BPFNET_HOSTSOCK_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpfnet_shared.h"
#include "consts.h"

/*
 * Would a host socket take packet t (from t->saddr:sport to t->daddr:dport)?
 * TCP: any socket (listener, connection, time-wait). UDP: any socket that
 * would receive it, connected to that peer or bound to the port (a client on
 * an ephemeral port looks just like a listener). Other protocols: no. A
 * subprogram: its tuple stays out of its callers' stack frames.
 */
static __noinline int host_socket(struct __sk_buff *skb, const struct bpfnet_flow *t)
{
	struct bpf_sock_tuple st = {};
	struct bpf_sock *sk;

	st.ipv4.saddr = t->saddr;
	st.ipv4.sport = t->sport;
	st.ipv4.daddr = t->daddr;
	st.ipv4.dport = t->dport;
	if (t->proto == IPPROTO_TCP)
		sk = bpf_skc_lookup_tcp(skb, &st, sizeof(st.ipv4), BPF_F_CURRENT_NETNS, 0);
	else if (t->proto == IPPROTO_UDP)
		sk = bpf_sk_lookup_udp(skb, &st, sizeof(st.ipv4), BPF_F_CURRENT_NETNS, 0);
	else
		return 0;
	if (!sk)
		return 0;
	bpf_sk_release(sk);
	return 1;
}

/* host_socket for an IPv6 tuple (NAT66's claims, nat6.h). */
static __noinline int host_socket6(struct __sk_buff *skb, const struct bpfnet_flow6 *t)
{
	struct bpf_sock_tuple st = {};
	struct bpf_sock *sk;

	__builtin_memcpy(st.ipv6.saddr, &t->saddr, sizeof(st.ipv6.saddr));
	__builtin_memcpy(st.ipv6.daddr, &t->daddr, sizeof(st.ipv6.daddr));
	st.ipv6.sport = t->sport;
	st.ipv6.dport = t->dport;
	if (t->proto == IPPROTO_TCP)
		sk = bpf_skc_lookup_tcp(skb, &st, sizeof(st.ipv6), BPF_F_CURRENT_NETNS, 0);
	else if (t->proto == IPPROTO_UDP)
		sk = bpf_sk_lookup_udp(skb, &st, sizeof(st.ipv6), BPF_F_CURRENT_NETNS, 0);
	else
		return 0;
	if (!sk)
		return 0;
	bpf_sk_release(sk);
	return 1;
}

#endif
