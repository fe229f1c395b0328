/* SPDX-License-Identifier: GPL-2.0 */
/* Constants that vmlinux.h lacks (they are #defines in the UAPI headers). */
#ifndef BPFNET_CONSTS_H
#define BPFNET_CONSTS_H

#define TC_ACT_UNSPEC (-1)
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7

/*
 * What inline helpers return besides 0 (done) and TC verdicts (all >= 0
 * here). Neither is ever returned to TC; BPFNET_CONTINUE in particular is
 * not TC_ACT_UNSPEC.
 */
#define BPFNET_ERR (-1)		/* parse or rewrite failed: the caller drops or passes */
#define BPFNET_CONTINUE (-2)	/* not this helper's packet: the caller goes on */

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
