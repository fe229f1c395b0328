/* SPDX-License-Identifier: GPL-2.0 */
/* Constants that vmlinux.h lacks (they are #defines in the UAPI headers). */
#ifndef BPFNET_CONSTS_H
#define BPFNET_CONSTS_H

#define TC_ACT_UNSPEC (-1)
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7

/*
 * The uplink programs' verdict for a packet that is not their network's
 * (no reply to one of its flows, none of its published ports, not from its
 * subnet): several bpfnet networks may share one uplink, each with its own
 * filter there, and TC_ACT_UNSPEC makes TC run the next filter, then, once
 * none is left, pass the packet as TC_ACT_OK would. Their own packets still
 * end the chain (TC_ACT_OK after a rewrite, a redirect, a drop).
 */
#define TC_ACT_NEXT_FILTER TC_ACT_UNSPEC

/*
 * What inline helpers return besides 0 (done) and TC verdicts (all >= 0
 * here, but TC_ACT_NEXT_FILTER). Neither is ever returned to TC;
 * BPFNET_CONTINUE in particular is not TC_ACT_UNSPEC. A helper that may
 * answer TC_ACT_NEXT_FILTER (-1, as BPFNET_ERR) returns only verdicts, and
 * its caller hands them to TC as they are (rnat_icmp_error, uplink_dnat).
 */
#define BPFNET_ERR (-1)		/* parse or rewrite failed: the caller drops or passes */
#define BPFNET_CONTINUE (-2)	/* not this helper's packet: the caller goes on */
#define BPFNET_PUBLISHED6 (-3)	/* from_container6: ask published6 first */
#define BPFNET_HAIRPIN6_ERR (-4)	/* from_container6: ask hairpin6_error first */

#define ETH_HLEN 14
#define ETH_ALEN 6
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100	/* VLAN tag */
#define ETH_P_8021AD 0x88A8	/* outer (service) VLAN tag of QinQ */
#define ARPHRD_ETHER 1
#define ARPOP_REQUEST 1
#define ARPOP_REPLY 2

#define IP_MF 0x2000
#define IP_OFFSET 0x1fff

#define ICMP_ECHOREPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_ECHO 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10

#define BPF_F_PSEUDO_HDR (1ULL << 4)
#define BPF_F_MARK_MANGLED_0 (1ULL << 5)

#define AF_INET 2
#define PACKET_HOST 0		/* skb->pkt_type: addressed to this host */
#define NSEC_PER_SEC 1000000000ULL

/* Header offsets inside the IPv4 header. */
#define IP_CSUM_OFF 10
#define IP_SADDR_OFF 12
#define IP_DADDR_OFF 16
#define IP_TTL_OFF 8

#endif
