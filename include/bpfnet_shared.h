/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The contract between the BPF datapath and user space: map keys and values,
 * counters and pin names. Included by the BPF programs (after vmlinux.h) and by
 * user space (after <linux/types.h>). Only fixed-width types, explicit padding,
 * and the byte order of every field is stated (be = network order).
 */
#ifndef BPFNET_SHARED_H
#define BPFNET_SHARED_H

/* Map sizes: each is a documented upper bound, overridable at build time. */
#ifndef BPFNET_MAX_ENDPOINTS
#define BPFNET_MAX_ENDPOINTS 4096
#endif
#ifndef BPFNET_MAX_FLOWS
#define BPFNET_MAX_FLOWS 131072
#endif
/* Flows not answered yet (ct_new, rev_nat_new, dnat_ct_new, dnat_rev_new):
 * maps.h says why they live apart. */
#ifndef BPFNET_MAX_NEW_FLOWS
#define BPFNET_MAX_NEW_FLOWS 65536
#endif
/* Other networks on one uplink whose flows and ports a network avoids. */
#define BPFNET_MAX_PEERS 8

/* Addresses of the host the socket programs know (host_addrs). */
#define BPFNET_MAX_HOST_ADDRS 256

#ifndef BPFNET_MAX_PORTMAPS
#define BPFNET_MAX_PORTMAPS 65536
#endif

/* Datagrams whose later fragments are being translated (frag_nat). */
#ifndef BPFNET_MAX_FRAGS
#define BPFNET_MAX_FRAGS 16384
#endif
/* Remotes of other IP protocols (GRE, ESP...) masqueraded at once (proto_nat). */
#ifndef BPFNET_MAX_PROTO_NAT
#define BPFNET_MAX_PROTO_NAT 4096
#endif

/* How many random ports the datapath tries before giving up on a flow. */
#define BPFNET_PORT_RETRIES 32

#include "bpfnet_pins.h"	/* pin names under the pin directory */

/* Connection lifetimes, in seconds. */
#define BPFNET_CT_TCP_SYN_SECS 60
#define BPFNET_CT_TCP_EST_SECS 21600
#define BPFNET_CT_TCP_CLOSE_SECS 10	/* after a FIN each way, or a valid RST */
#define BPFNET_CT_TCP_HALF_CLOSED_SECS 300	/* established, a FIN one way only */
#define BPFNET_CT_UDP_SECS 60
#define BPFNET_CT_ICMP_SECS 30
#define BPFNET_FRAG_SECS 30	/* a datagram's fragments, as the kernel's ipfrag_time */
#define BPFNET_PROTO_NAT_SECS 120	/* GRE, ESP...: a remote held by one container */

/* One entry of the single-slot "config" array map, written by user space. */
/* An IPv4 prefix: addr & mask == addr, both be. */
struct bpfnet_prefix {
	__be32 addr;
	__be32 mask;
};

/* Prefixes of --no-masquerade a network holds. */
#define BPFNET_MAX_NO_MASQ 8

struct bpfnet_cfg {
	__be32 subnet;		/* container subnet, be */
	__be32 netmask;		/* its mask, be */
	__be32 gateway;		/* bridge address, be */
	__be32 uplink_addr;	/* address used for masquerade, be */
	__u32 uplink_ifindex;	/* host order */
	__u32 bridge_ifindex;	/* host order */
	__u16 port_min;		/* SNAT port range, host order */
	__u16 port_max;
	__u8 bridge_mac[6];	/* source MAC of packets redirected to a container */
	__u8 enabled;		/* 0 until user space filled the entry */
	__u8 isolate;		/* 1: containers may not reach the host itself */
	__u32 obj_id;		/* the build of the programs (user space checks it) */
	__u64 netns_cookie;	/* the host namespace: socket programs act only there */
	/*
	 * --no-masquerade: destinations that see containers' own addresses
	 * (other nodes' pod subnets), and the only sources routed in from
	 * outside that may reach containers directly. n_no_masq entries.
	 */
	__u32 n_no_masq;
	__u32 pad;
	struct bpfnet_prefix no_masq[BPFNET_MAX_NO_MASQ];
};
_Static_assert(sizeof(struct bpfnet_cfg) == 120, "bpfnet_cfg layout");

/*
 * IPv6 (dual stack, --subnet6). An address as four network-order words:
 * the bytes on the wire, in order.
 */
struct bpfnet_in6 {
	__be32 a[4];
};
_Static_assert(sizeof(struct bpfnet_in6) == 16, "bpfnet_in6 layout");

/* One entry of the single-slot "net_config6" array map, written by user space. */
struct bpfnet_cfg6 {
	struct bpfnet_in6 subnet;	/* container prefix (--subnet6), host bits zero */
	struct bpfnet_in6 gateway;	/* the bridge's address in it */
	struct bpfnet_in6 uplink_addr;	/* source of masqueraded traffic (nat6), or zero */
	__u8 prefix_len;	/* of subnet, 64 to 120 */
	__u8 enabled;		/* 0: no --subnet6: IPv6 from containers is dropped (drop_ipv6) */
	__u8 nat6;		/* 1: masquerade through uplink_addr; 0: routed, no translation */
	__u8 pad[5];
};
_Static_assert(sizeof(struct bpfnet_cfg6) == 56, "bpfnet_cfg6 layout");

/*
 * "endpoints": container address (be) -> what the container is allowed to be.
 * "endpoints6": its IPv6 address (struct bpfnet_in6) -> the same. A
 * container has two keys there: its address in the subnet, and its
 * link-local address (fe80::/64; the EUI-64 of its MAC, as the kernel makes
 * it, unless user space gives it another), both -> the same endpoint. The
 * link-local key is what lets the datapath admit its neighbour discovery
 * and MLD from fe80:: and, for the unspecified source ::, check the frame's
 * MAC: from :: it looks up the EUI-64 link-local of the frame's source MAC.
 * Without it, IPv6 from the container's global address still works, but
 * every packet from its link-local address is dropped (drop_spoofed_ip).
 */
struct bpfnet_endpoint {
	__u8 mac[6];		/* the container's eth0 MAC */
	__u16 flags;		/* BPFNET_EP_*, host order */
	__u32 host_ifindex;	/* host end of the veth, host order */
	__be32 ip4;		/* its IPv4 address: the key of its counters
				 * (endpoint_stats), which its IPv6 packets
				 * count under too */
};
/* A port map names the container (set before its first one is written, never
 * cleared): only then can its packets be a published port's replies, and the
 * datapath looks them up in dnat_rev. */
#define BPFNET_EP_PUBLISHED 1
_Static_assert(sizeof(struct bpfnet_endpoint) == 16, "bpfnet_endpoint layout");

/*
 * A flow as seen in one direction. For ICMP echo, the identifier is the
 * "port": sport in the request direction, dport in the reply direction.
 */
struct bpfnet_flow {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;		/* IPPROTO_* */
	__u8 pad[3];
};
_Static_assert(sizeof(struct bpfnet_flow) == 16, "bpfnet_flow layout");

/*
 * An IPv6 flow as seen in one direction (the key of "conntrack6"): as the
 * bpfnet_flow above, addresses as on the wire. Protocols without ports
 * (GRE, ESP...) have sport = dport = 0; ICMPv6 echo has its identifier as
 * the port of the side that chose it, as IPv4's.
 */
struct bpfnet_flow6 {
	struct bpfnet_in6 saddr;
	struct bpfnet_in6 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;		/* IPPROTO_* (ICMPv6: 58) */
	__u8 pad[3];
};
_Static_assert(sizeof(struct bpfnet_flow6) == 40, "bpfnet_flow6 layout");

enum bpfnet_ct_state {
	BPFNET_CT_NEW = 0,	/* TCP SYN seen, or first UDP/ICMP packet */
	BPFNET_CT_ESTABLISHED = 1,
	BPFNET_CT_CLOSING = 2,	/* a FIN each way, or an RST in window */
};

/*
 * "conntrack": flow from the container (key) -> its source translation.
 * "dnat_ct": flow to a published port, as the client sent it (key) -> the
 * container it goes to (nat_addr/nat_port) and, when a container reaches
 * its own published port, the source it is given (hairpin_addr).
 *
 * TCP is followed per direction: "orig" is the direction of the key (the
 * container's for conntrack, the client's for dnat_ct), "reply" the other.
 * Each direction writes only its own fin_ and ack_ fields. ack_orig is the
 * last acknowledgement number seen from the orig side (kept within
 * BPFNET_CT_ACK_SLACK of the newest, so it is not written on every packet):
 * what that side expects next from the reply side, against which an RST
 * from the reply side is judged.
 */
struct bpfnet_ct {
	__be32 nat_addr;	/* SNAT: new source; DNAT: container address, be */
	__be16 nat_port;	/* SNAT: new source port / ICMP id; DNAT: container port, be */
	__u8 state;		/* enum bpfnet_ct_state */
	__u8 seen_reply;	/* 1 once a reply was translated back */
	__be32 hairpin_addr;	/* DNAT only: source rewritten to this (the gateway), or 0;
				 * dnat6_ct: nonzero, to the IPv6 gateway */
	__u8 fin_orig;		/* TCP: 1 once a FIN came from the orig side */
	__u8 fin_reply;		/* TCP: 1 once a FIN came from the reply side */
	__u8 acked_orig;	/* TCP: 1 when ack_orig holds a number */
	__u8 acked_reply;	/* TCP: 1 when ack_reply holds a number */
	__u64 expires_ns;	/* bpf_ktime_get_ns() deadline, refreshed at most once a second */
	__u64 packets;		/* both directions */
	__u64 bytes;
	__u32 ack_orig;		/* TCP: acknowledgement number from the orig side, host order */
	__u32 ack_reply;	/* TCP: acknowledgement number from the reply side, host order */
	__u64 created_ns;	/* bpf_ktime_get_ns() when the entry was made (a lost half
				 * re-made: then); kept when promoted. Never rewritten. */
};
_Static_assert(sizeof(struct bpfnet_ct) == 56, "bpfnet_ct layout");

/*
 * "conntrack6": an IPv6 flow a container opened, its own tuple (key) -> its
 * state. ct holds state, expiry, TCP FINs and acknowledgements, counters and
 * start time exactly as for IPv4 (ct.h's logic runs on it); ct.nat_addr is
 * unused (0). Routed mode (nat6 0): nat_addr6 is zero and ct.nat_port 0;
 * packets from outside reach a container only as replies to these flows.
 * NAT66 (nat6 1): the source the flow is given, nat_addr6 and ct.nat_port
 * (network order), claimed in "rev_nat6".
 */
struct bpfnet_ct6 {
	struct bpfnet_ct ct;
	struct bpfnet_in6 nat_addr6;	/* NAT66: the translated source, as on the wire */
};
_Static_assert(sizeof(struct bpfnet_ct6) == 72, "bpfnet_ct6 layout");

/*
 * "frag6_in": an IPv6 datagram from outside whose first fragment was let
 * into a container as a reply of its flow (key) -> until when its later
 * fragments, which carry no ports, are let in too (value: a
 * bpf_ktime_get_ns() deadline, BPFNET_FRAG_SECS after the first).
 */
struct bpfnet_frag6_key {
	struct bpfnet_in6 saddr;	/* as on the wire */
	struct bpfnet_in6 daddr;
	__be32 id;		/* the fragment header's identification, be */
	__u8 proto;		/* the fragment header's next header */
	__u8 pad[3];
};
_Static_assert(sizeof(struct bpfnet_frag6_key) == 40, "bpfnet_frag6_key layout");

/*
 * "frag6_out": NAT66, a container's IPv6 datagram whose first fragment was
 * translated (key: struct bpfnet_frag6_key as the container sent it) -> the
 * source its later fragments leave with, until expires_ns. "frag6_rnat":
 * a reply datagram to the uplink's address whose first fragment was
 * translated back (key as it arrived) -> the container its later fragments
 * go to (addr: their new destination).
 */
struct bpfnet_frag6_val {
	struct bpfnet_in6 addr;	/* the translated source, as on the wire */
	__u64 expires_ns;	/* bpf_ktime_get_ns() deadline */
};
_Static_assert(sizeof(struct bpfnet_frag6_val) == 24, "bpfnet_frag6_val layout");

/*
 * "rev_nat6": NAT66, a reply tuple on the uplink (struct bpfnet_flow6, its
 * destination the uplink's address and the translated port) -> the
 * container's flow (struct bpfnet_flow6, the key of "conntrack6"). Claimed
 * with BPF_NOEXIST: two flows never share a translated tuple.
 */

/* "rev_nat": reply flow arriving on the uplink (key) -> the original flow. */
struct bpfnet_rnat {
	__be32 caddr;		/* container address, be */
	__be16 cport;		/* container port / ICMP id, be */
	__be16 rport;		/* the remote port of the original flow, be */
	__be32 raddr;		/* the remote address of the original flow, be */
	__u32 pad;
};
_Static_assert(sizeof(struct bpfnet_rnat) == 16, "bpfnet_rnat layout");

/*
 * "frag_nat": one IPv4 datagram, as it came (key) -> the address its first
 * fragment was given (that one has the ports, and met the flow tables);
 * its later fragments, which have no L4 header, get the same.
 */
struct bpfnet_frag_key {
	__be32 saddr;		/* before translation, be */
	__be32 daddr;		/* be */
	__be16 id;		/* the IP identification, be */
	__u8 proto;		/* IPPROTO_* */
	__u8 pad;
};
_Static_assert(sizeof(struct bpfnet_frag_key) == 12, "bpfnet_frag_key layout");

struct bpfnet_frag_val {
	__be32 addr;		/* the new source (src = 1) or destination, be */
	__u8 src;		/* 1: leaving (source rewritten), 0: arriving */
	__u8 pad[3];
	__u64 expires_ns;	/* bpf_ktime_get_ns() deadline */
};
_Static_assert(sizeof(struct bpfnet_frag_val) == 16, "bpfnet_frag_val layout");

/*
 * "proto_nat": address-only masquerade of IP protocols without ports (GRE,
 * ESP, SCTP...): one container per remote and protocol at a time.
 */
struct bpfnet_proto_key {
	__be32 uplink_addr;	/* the masquerading address, be */
	__be32 raddr;		/* the remote, be */
	__u8 proto;		/* IPPROTO_* */
	__u8 pad[3];
};
_Static_assert(sizeof(struct bpfnet_proto_key) == 12, "bpfnet_proto_key layout");

struct bpfnet_proto_val {
	__be32 caddr;		/* the container holding it, be */
	__u32 pad;
	__u64 expires_ns;	/* bpf_ktime_get_ns() deadline, refreshed at most once a second */
};
_Static_assert(sizeof(struct bpfnet_proto_val) == 16, "bpfnet_proto_val layout");

/* "port_maps": a published host port -> the container port behind it. */
struct bpfnet_pm_key {
	__be32 host_addr;	/* 0 = every host address, be */
	__be16 host_port;	/* be */
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;
};
_Static_assert(sizeof(struct bpfnet_pm_key) == 8, "bpfnet_pm_key layout");

struct bpfnet_pm_val {
	__be32 caddr;		/* container address, be */
	__be16 cport;		/* container port, be */
	__u16 flags;		/* BPFNET_PM_*: the spec's form (user space's alone) */
};

/*
 * The entry of a spec that named 0.0.0.0 (IPv4 alone); without it, an entry
 * of host address 0 is a spec's that named no address (both families). gc
 * rebuilds a torn ports file from the maps: this tells the two apart.
 */
#define BPFNET_PM_V4ONLY 1
_Static_assert(sizeof(struct bpfnet_pm_val) == 8, "bpfnet_pm_val layout");

/*
 * "port_maps6": a host port published on IPv6 -> the container's IPv6
 * address and port behind it. A spec without an address ("8080:80")
 * writes one entry here (host_addr all zero: every IPv6 address of the
 * host) and one in port_maps, when the container has an IPv6 address (or,
 * NAT46, its IPv4 one IPv4-mapped: bpfnet_nat46.h).
 */
struct bpfnet_pm6_key {
	struct bpfnet_in6 host_addr;	/* all zero = every host address; as on the wire */
	__be16 host_port;	/* be */
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;
};
_Static_assert(sizeof(struct bpfnet_pm6_key) == 20, "bpfnet_pm6_key layout");

struct bpfnet_pm6_val {
	struct bpfnet_in6 caddr;	/* the container's IPv6 address, as on the wire */
	__be16 cport;		/* container port, be */
	__u16 pad;
};
_Static_assert(sizeof(struct bpfnet_pm6_val) == 20, "bpfnet_pm6_val layout");

/*
 * "dnat6_ct": a connection from outside to a published IPv6 port, the
 * client's tuple (struct bpfnet_flow6: its destination the address and
 * port dialled) -> struct bpfnet_ct6, whose nat_addr6 and ct.nat_port are
 * the container's address and port. "dnat6_rev": the container's replies'
 * tuple (struct bpfnet_flow6) -> the client's tuple, a key of dnat6_ct.
 */

/* "dnat_rev": a published container's reply (key) -> what the client dialled. */
struct bpfnet_dnat_rev {
	__be32 host_addr;	/* the address the client connected to, be */
	__be16 host_port;	/* the published port, be */
	__be16 client_port;	/* be */
	__be32 client_addr;	/* be */
	__u32 pad;
};
_Static_assert(sizeof(struct bpfnet_dnat_rev) == 16, "bpfnet_dnat_rev layout");

/* "sock_rev": a host socket redirected to a container -> the address it asked for. */
struct bpfnet_sock_key {
	__u64 cookie;		/* socket cookie */
	__be32 addr;		/* the container address it now talks to, be */
	__be16 port;		/* be */
	__u16 pad;
};
_Static_assert(sizeof(struct bpfnet_sock_key) == 16, "bpfnet_sock_key layout");

struct bpfnet_sock_val {
	__be32 addr;		/* the host address and port dialled, be */
	__be16 port;
	__u16 pad;
};
_Static_assert(sizeof(struct bpfnet_sock_val) == 8, "bpfnet_sock_val layout");

/* "sock_rev6": the same for a host IPv6 socket (sock_lb6.h). */
struct bpfnet_sock6_key {
	__u64 cookie;		/* socket cookie */
	struct bpfnet_in6 addr;	/* the container address it now talks to, as on the wire */
	__be16 port;		/* be */
	__u16 pad;
	__u32 pad2;
};
_Static_assert(sizeof(struct bpfnet_sock6_key) == 32, "bpfnet_sock6_key layout");

struct bpfnet_sock6_val {
	struct bpfnet_in6 addr;	/* the host address dialled, as on the wire */
	__be16 port;		/* the port dialled, be */
	__u16 pad;
};
_Static_assert(sizeof(struct bpfnet_sock6_val) == 20, "bpfnet_sock6_val layout");

/* Counters of the per-CPU "stats" array, one slot each. */
enum bpfnet_stat {
	BPFNET_STAT_SNAT_PKTS = 0,	/* packets translated on the way out */
	BPFNET_STAT_SNAT_BYTES,
	BPFNET_STAT_RNAT_PKTS,		/* replies translated back */
	BPFNET_STAT_RNAT_BYTES,
	BPFNET_STAT_FAST_OUT,		/* redirected straight to the uplink */
	BPFNET_STAT_FAST_IN,		/* redirected straight into a container */
	BPFNET_STAT_SLOW_PATH,		/* handed to the kernel stack */
	BPFNET_STAT_PORT_RETRIES,	/* extra ports tried for SNAT */
	BPFNET_STAT_FLOWS_CREATED,
	BPFNET_STAT_FLOWS_EXPIRED,	/* stale entries replaced in the datapath */
	BPFNET_STAT_ICMP_ERR_XLATED,	/* ICMP errors translated (outer+inner) */
	BPFNET_STAT_PASS,		/* untranslated traffic passed on */
	BPFNET_STAT_DNAT_PKTS,		/* packets to a published port translated */
	BPFNET_STAT_DNAT_FLOWS,		/* connections to published ports */
	BPFNET_STAT_DNAT_REPLIES,	/* replies of published containers translated */
	BPFNET_STAT_HAIRPIN,		/* container to a published port, delivered directly */
	BPFNET_STAT_SOCK_LB,		/* host sockets sent straight to a container */
	BPFNET_STAT_FAST_L2,		/* container to container, straight to its veth peer */
	BPFNET_STAT_HOST_PORT_SKIPPED,	/* SNAT ports passed over: a host socket uses them */
	BPFNET_STAT_HOST_FLOW_KEPT,	/* packets of the host's own flows kept from a container */
	BPFNET_STAT_PEER_PORT_SKIPPED,	/* SNAT ports passed over: another network on the uplink holds them */
	BPFNET_STAT_FLOWS_HEALED,	/* a flow's lost half re-created from the other, same tuple */
	BPFNET_STAT_FLOWS_REMAPPED,	/* SNAT flows given a new port: their tuple was another's */
	BPFNET_STAT_DNAT_TAKEN,		/* published-port flows refused or cut: tuple another's */
	BPFNET_STAT_FLOWS_PROMOTED,	/* flows moved from the new-flow tables to the main ones */
	BPFNET_STAT_FRAG_XLATED,	/* later fragments translated as their first was */
	BPFNET_STAT_PROTO_NAT_PKTS,	/* GRE, ESP...: address-only masquerade, both ways */
	BPFNET_STAT_DROP_SPOOF_IP,	/* drop reasons from here on */
	BPFNET_STAT_DROP_SPOOF_MAC,
	BPFNET_STAT_DROP_SPOOF_ARP,
	BPFNET_STAT_DROP_NO_PORT,
	BPFNET_STAT_DROP_MALFORMED,
	BPFNET_STAT_DROP_CSUM,
	BPFNET_STAT_DROP_ISOLATED,	/* to the host, with --isolate */
	BPFNET_STAT_DROP_OTHER_NET,	/* to another network of the host */
	BPFNET_STAT_DROP_IPV6,		/* IPv6 from a container (router advertisements...) */
	BPFNET_STAT_DROP_VLAN,		/* 802.1Q or 802.1ad tagged, in the frame or in skb metadata */
	BPFNET_STAT_DROP_ETHERTYPE,	/* any other ethertype from a container */
	BPFNET_STAT_DROP_UNSOLICITED,	/* to a container: no reply, published port or neighbour */
	BPFNET_STAT_DROP_NO_UPLINK_ADDR,	/* to be masqueraded, but the uplink has no IPv4 address yet */
	BPFNET_STAT_DROP_FRAG_UNKNOWN,	/* a later fragment leaving, its first not translated (yet) */
	BPFNET_STAT_DROP_PROTO_TAKEN,	/* GRE, ESP...: another container holds that remote */
	BPFNET_STAT_NO_MASQ_OUT,	/* left untranslated: to a --no-masquerade prefix */
	BPFNET_STAT_NO_MASQ_IN,	/* let in from a --no-masquerade prefix, routed */
	BPFNET_STAT_DROP_SPOOF_ND,	/* neighbour discovery for an address or MAC not the
					 * container's (admit6.h) */
	BPFNET_STAT_DROP_RA,		/* router advertisement, redirect or other router-only
					 * ICMPv6 from a container */
	BPFNET_STAT_DROP_NAT66_UNSUPPORTED,	/* NAT66: what it cannot translate (a container's ICMPv6
						 * error about none of its flows, ICMPv6 but echo) */
	BPFNET_STAT_MAX,
};

/*
 * "endpoint_stats": container address (be) -> its traffic, per CPU. A packet
 * is counted where the datapath translates or forwards it itself, once,
 * with its IP total length as bytes: masqueraded flows (other IP protocols
 * too), its published ports (clients from outside, and neighbours or
 * itself through the host, hairpin), neighbours reached past the bridge.
 */
struct bpfnet_ep_stats {
	__u64 tx_packets;	/* sent: masqueraded, published-port answers, to a published port or neighbour */
	__u64 tx_bytes;
	__u64 rx_packets;	/* received: replies, to its published ports, from neighbours */
	__u64 rx_bytes;
	__u64 drops;		/* its packets dropped (anti-spoofing, no free port...) */
};

/*
 * bpfnet monitor: the datapath's events, through the "monitor_ring" ring
 * buffer. The datapath makes an event only while a monitor holds a lease
 * of that type in "monitor_ctl" (a bpf_ktime_get_ns() deadline the monitor
 * renews every BPFNET_MONITOR_RENEW_MS): with no monitor, the cost is one
 * array lookup and a zero test where an event could be made. A monitor
 * killed with SIGKILL stops renewing; its lease runs out, and the first
 * packet to see it expired sets it to 0 again.
 */
#ifndef BPFNET_MONITOR_RING_BYTES
#define BPFNET_MONITOR_RING_BYTES (256 * 1024)	/* a power of two, pages */
#endif
#define BPFNET_MONITOR_LEASE_NS 2000000000ULL
#define BPFNET_MONITOR_RENEW_MS 500
/* Events per second and CPU when monitor_ctl.rate is 0; the rest are lost. */
#define BPFNET_MONITOR_RATE 1000

enum bpfnet_event_type {
	BPFNET_EV_DROP = 0,	/* a packet dropped: reason is its drop counter */
	BPFNET_EV_TRACE = 1,	/* a packet translated: kind says which, reason its counter */
	BPFNET_EV_TYPES,
};

/* What a trace event's translation was (its reason: the counter in brackets). */
enum bpfnet_trace_kind {
	BPFNET_TRACE_NONE = 0,		/* a drop */
	BPFNET_TRACE_SNAT,		/* masqueraded: new source (snat_packets) */
	BPFNET_TRACE_RNAT,		/* a reply to it: the container as destination (reverse_nat_packets) */
	BPFNET_TRACE_DNAT,		/* to a published port from outside: the container as
					 * destination (dnat_packets) */
	BPFNET_TRACE_DNAT_REPLY,	/* the published container's answer to outside: the
					 * published address and port as source (dnat_replies) */
	BPFNET_TRACE_HAIRPIN,		/* a container to a published port: the container as
					 * destination, the gateway as source when it dialled
					 * itself (hairpin) */
	BPFNET_TRACE_HAIRPIN_REPLY,	/* the published container's answer to it: the published
					 * address and port as source (hairpin) */
	BPFNET_TRACE_KINDS,
};

/* "monitor_ctl": one slot. Written by `bpfnet monitor`; the datapath clears
 * a lease it finds expired. */
struct bpfnet_monitor_ctl {
	__u64 until_ns[BPFNET_EV_TYPES];	/* per event type: lease deadline, 0 off */
	__u32 rate;		/* events per second per CPU; 0: BPFNET_MONITOR_RATE */
	__u32 pad;
};
_Static_assert(sizeof(struct bpfnet_monitor_ctl) == 24, "bpfnet_monitor_ctl layout");

/* "monitor_budget": per CPU, the events of the current second (a bucket of
 * rate tokens refilled once a second) and those lost. Datapath only. */
struct bpfnet_monitor_budget {
	__u64 second_ns;	/* bpf_ktime_get_ns() when this second began */
	__u64 used;		/* events made in it */
	__u64 lost;		/* events not made: over the rate, or the ring full */
};
_Static_assert(sizeof(struct bpfnet_monitor_budget) == 24, "bpfnet_monitor_budget layout");

/* One record of "monitor_ring". */
struct bpfnet_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns() */
	__u8 type;		/* enum bpfnet_event_type */
	__u8 kind;		/* trace: enum bpfnet_trace_kind; drop: 0 */
	__u16 eth_proto;	/* the frame's ethertype, host order */
	__u32 reason;		/* enum bpfnet_stat */
	__u32 ifindex;		/* the interface the program ran on, host order */
	__be32 ep_addr;		/* the container, when the datapath knows it (a published
				 * port's trace: the published one); else 0 */
	struct bpfnet_flow tuple;	/* as the packet came: IPv4's addresses, protocol and
					 * ports (TCP, UDP); IPv6 (eth_proto 0x86dd): its
					 * addresses are saddr6/daddr6 (these zero), proto
					 * the fixed header's next header, ports TCP's, UDP's */
	struct bpfnet_flow after;	/* trace: as it left (IPv6: its addresses are
					 * after_saddr6/after_daddr6); drop: zero */
	struct bpfnet_in6 saddr6;	/* IPv6: the tuple's source; IPv4: zero */
	struct bpfnet_in6 daddr6;	/* IPv6: the tuple's destination; IPv4: zero */
	struct bpfnet_in6 after_saddr6;	/* IPv6 trace: the source as it left; else zero */
	struct bpfnet_in6 after_daddr6;	/* IPv6 trace: the destination as it left; else zero */
};
_Static_assert(sizeof(struct bpfnet_event) == 120, "bpfnet_event layout");

#include "bpfnet_nat46.h"	/* needs struct bpfnet_ct */

#endif /* BPFNET_SHARED_H */
