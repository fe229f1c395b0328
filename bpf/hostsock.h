/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host's own sockets, asked from TC: a tuple the host's stack already
 * owns is never given to a container (neither as a translated source port
 * nor as a published port's new flow).
 */
#ifndef BPFNET_HOSTSOCK_H
#define BPFNET_HOSTSOCK_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "consts.h"

/*
 * Would a host socket take a packet from (raddr, rport) to (laddr, lport)?
 * TCP: any socket (listener, connection, time-wait). UDP: with
 * connected_only, only a socket connected to that peer (a flow of the
 * host's); else a bound one too. Other protocols: no.
 */
static __always_inline int host_socket(struct __sk_buff *skb, __u8 proto,
				       __be32 raddr, __be16 rport,
				       __be32 laddr, __be16 lport,
				       int connected_only)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk;
	int found;

	t.ipv4.saddr = raddr;
	t.ipv4.sport = rport;
	t.ipv4.daddr = laddr;
	t.ipv4.dport = lport;
	if (proto == IPPROTO_TCP)
		sk = bpf_skc_lookup_tcp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
	else if (proto == IPPROTO_UDP)
		sk = bpf_sk_lookup_udp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
	else
		return 0;
	if (!sk)
		return 0;
	found = proto == IPPROTO_TCP || !connected_only ||
		sk->state == BPF_TCP_ESTABLISHED;
	bpf_sk_release(sk);
	return found;
}

#endif
