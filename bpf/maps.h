/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every map of the datapath, in one place. All are pinned by name under the
 * pin directory (LIBBPF_PIN_BY_NAME is set by the loader through pin paths)
 * and carry BTF, so `bpftool map dump pinned` prints named fields.
 */
#ifndef BPFNET_MAPS_H
#define BPFNET_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpfnet_shared.h"

/* The network's settings; one slot. Written by the hook. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpfnet_cfg);
} net_config SEC(".maps");

/* The network's IPv6 settings (--subnet6); one slot. Written by the hook. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpfnet_cfg6);
} net_config6 SEC(".maps");

/* Container IPv6 address -> MAC and host veth, as endpoints. Hook. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFNET_MAX_ENDPOINTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct bpfnet_in6);
	__type(value, struct bpfnet_endpoint);
} endpoints6 SEC(".maps");

/*
 * IPv6 flow a container opened and that was answered -> its state (ct6.h).
 * Made in ct6_new by from_container (or uplink_egress, for the stack's),
 * moved here by its first reply (uplink_ingress, to_container), as IPv4's
 * tiers (floods, below); --flow-table-size slots (pins.c).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFNET_MAX_FLOWS);
	__type(key, struct bpfnet_flow6);
	__type(value, struct bpfnet_ct6);
} conntrack6 SEC(".maps");

/*
 * IPv6 datagram from outside whose first fragment answered a flow -> until
 * when its later fragments may follow it in (ct6.h). Datapath only.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFNET_MAX_FRAGS);
	__type(key, struct bpfnet_frag6_key);
	__type(value, __u64);
} frag6_in SEC(".maps");

/*
 * NAT66: a container's IPv6 datagram whose first fragment was translated ->
 * the source its later fragments take (frag6.h). Datapath only.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFNET_MAX_FRAGS);
	__type(key, struct bpfnet_frag6_key);
	__type(value, struct bpfnet_frag6_val);
} frag6_out SEC(".maps");

/*
 * NAT66: a reply datagram to the uplink's address whose first fragment was
 * translated back -> the container its later fragments go to (frag6.h).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFNET_MAX_FRAGS);
	__type(key, struct bpfnet_frag6_key);
	__type(value, struct bpfnet_frag6_val);
} frag6_rnat SEC(".maps");

/* NAT66: reply tuple on the uplink -> the container's flow (nat6.h). Datapath. */
struct rev_nat6_map {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFNET_MAX_FLOWS);
	__type(key, struct bpfnet_flow6);
	__type(value, struct bpfnet_flow6);
};
struct rev_nat6_map rev_nat6 SEC(".maps");

/*
 * IPv6 flows not answered yet, as conntrack6's and rev_nat6's (the tiers:
 * floods, below): a container opening flows nobody answers churns only
 * these. BPFNET_MAX_NEW_FLOWS slots, as ct_new's.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFNET_MAX_NEW_FLOWS);
	__type(key, struct bpfnet_flow6);
	__type(value, struct bpfnet_ct6);
} ct6_new SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFNET_MAX_NEW_FLOWS);
	__type(key, struct bpfnet_flow6);
	__type(value, struct bpfnet_flow6);
} rev_nat6_new SEC(".maps");

/*
 * A connection from outside to a published IPv6 port, proven two-way (as
 * dnat_ct's), the client's tuple (key) -> its state, the container's
 * address (nat_addr6) and port (ct.nat_port) it goes to (portmap6.h).
 * Datapath; port del flushes, gc expires.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFNET_MAX_FLOWS);
	__type(key, struct bpfnet_flow6);
	__type(value, struct bpfnet_ct6);
} dnat6_ct SEC(".maps");

/* The container's replies' tuple -> the client's flow (a key of dnat6_ct). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFNET_MAX_FLOWS);
	__type(key, struct bpfnet_flow6);
	__type(value, struct bpfnet_flow6);
} dnat6_rev SEC(".maps");

/* Connections to published IPv6 ports not proven yet, as dnat_ct_new's. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFNET_MAX_NEW_FLOWS);
	__type(key, struct bpfnet_flow6);
	__type(value, struct bpfnet_ct6);
} dnat6_ct_new SEC(".maps");

/* Their reverse halves, as dnat6_rev's. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFNET_MAX_NEW_FLOWS);
	__type(key, struct bpfnet_flow6);
	__type(value, struct bpfnet_flow6);
} dnat6_rev_new SEC(".maps");

/*
 * NAT46: a connection over IPv6 to a port published for an IPv4-only
 * container, the client's tuple (key) -> its IPv4 translation (nat46.h).
 * Datapath; port del flushes.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFNET_MAX_FLOWS);
	__type(key, struct bpfnet_flow6);
	__type(value, struct bpfnet_nat46);
} nat46_ct SEC(".maps");

/* The container's IPv4 replies' tuple (to the gateway) -> the client's flow
 * (a key of nat46_ct). Claimed with BPF_NOEXIST. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFNET_MAX_FLOWS);
	__type(key, struct bpfnet_flow);
	__type(value, struct bpfnet_flow6);
} nat46_rev SEC(".maps");

/* Container address -> MAC and host veth: anti-spoofing and delivery. Hook. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFNET_MAX_ENDPOINTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __be32);
	__type(value, struct bpfnet_endpoint);
} endpoints SEC(".maps");

/* Flow from a container -> its translation and state. Datapath; gc/teardown delete. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFNET_MAX_FLOWS);
	__type(key, struct bpfnet_flow);
	__type(value, struct bpfnet_ct);
} conntrack SEC(".maps");

/* Reply flow on the uplink -> the container flow. Datapath; gc/teardown delete. */
struct rev_nat_map {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFNET_MAX_FLOWS);
	__type(key, struct bpfnet_flow);
	__type(value, struct bpfnet_rnat);
};
struct rev_nat_map rev_nat SEC(".maps");

/* Global counters, per CPU (enum bpfnet_stat). Datapath; read by `stats`. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BPFNET_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* Container address -> its counters, per CPU. Datapath; hook deletes. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, BPFNET_MAX_ENDPOINTS);
	__type(key, __be32);
	__type(value, struct bpfnet_ep_stats);
} endpoint_stats SEC(".maps");

/* Published host port -> container port. Written by the hook and `bpfnet port`. */
struct port_maps_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFNET_MAX_PORTMAPS);
	__type(key, struct bpfnet_pm_key);
	__type(value, struct bpfnet_pm_val);
};
struct port_maps_map port_maps SEC(".maps");

/* Host port published on IPv6 -> container's IPv6 address and port. Written as port_maps. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFNET_MAX_PORTMAPS);
	__type(key, struct bpfnet_pm6_key);
	__type(value, struct bpfnet_pm6_val);
} port_maps6 SEC(".maps");

/* Connection to a published port, client's view -> container. Datapath; port del flushes. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFNET_MAX_FLOWS);
	__type(key, struct bpfnet_flow);
	__type(value, struct bpfnet_ct);
} dnat_ct SEC(".maps");

/* Published container's reply tuple -> the client's view. Datapath; port del flushes. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFNET_MAX_FLOWS);
	__type(key, struct bpfnet_flow);
	__type(value, struct bpfnet_dnat_rev);
} dnat_rev SEC(".maps");

/*
 * Flood resistance (issue 12, point 6): a flow that got no answer yet lives
 * in the new-flow tables below, both halves, and moves to the main tables
 * above (conntrack/rev_nat, dnat_ct/dnat_rev) once it proved two-way:
 *  - a masqueraded flow on its first reply: a remote the container chose
 *    answered it (spoofed replies must guess the translated port of a flow
 *    the container opened, and only promote that flow);
 *  - a flow to a published port when its client speaks after the
 *    container's answer: for TCP the ACK completing the handshake, which
 *    must acknowledge the container's SYN-ACK (a blind SYN or ACK flood
 *    from spoofed addresses never gets there); for UDP the client's next
 *    datagram (no handshake to check: a spoofer sending each tuple twice
 *    to a container that answers every datagram still promotes).
 * So the main tables only ever take flows that got a reply, and a flood of
 * unanswered packets (~130,000 spoofed SYNs or datagrams to a published
 * port, a container opening flows nobody answers) churns only these LRU
 * tables, never evicting an idle established connection. Why separate
 * maps and not a state bit: an LRU map evicts by recency alone, so one
 * map cannot protect old entries from new ones. Both halves are here, so
 * a reply to a flow not promoted yet is found. A translated tuple is still
 * claimed once: with BPF_NOEXIST in the table of the flow's tier, then
 * checked against the other tier (ct.h, portmap.h). Sizes:
 * BPFNET_MAX_NEW_FLOWS, and the main ones BPFNET_MAX_FLOWS; both set
 * before load by user space (pins.c).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFNET_MAX_NEW_FLOWS);
	__type(key, struct bpfnet_flow);
	__type(value, struct bpfnet_ct);
} ct_new SEC(".maps");

/* The reverse halves of ct_new, as rev_nat's (a peer network looks here too). */
struct rev_nat_new_map {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFNET_MAX_NEW_FLOWS);
	__type(key, struct bpfnet_flow);
	__type(value, struct bpfnet_rnat);
};
struct rev_nat_new_map rev_nat_new SEC(".maps");

/* Connections to published ports not yet proven two-way, as dnat_ct's. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFNET_MAX_NEW_FLOWS);
	__type(key, struct bpfnet_flow);
	__type(value, struct bpfnet_ct);
} dnat_ct_new SEC(".maps");

/* Their reverse halves, as dnat_rev's. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFNET_MAX_NEW_FLOWS);
	__type(key, struct bpfnet_flow);
	__type(value, struct bpfnet_dnat_rev);
} dnat_rev_new SEC(".maps");

/* Host socket sent to a container -> the address it dialled. Socket programs. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct bpfnet_sock_key);
	__type(value, struct bpfnet_sock_val);
} sock_rev SEC(".maps");

/* Host IPv6 socket sent to a container -> the address it dialled. Socket programs. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct bpfnet_sock6_key);
	__type(value, struct bpfnet_sock6_val);
} sock_rev6 SEC(".maps");

/* Every IPv4 address of the host -> its ifindex. Written by user space
 * (hook, gc, port add); read by the socket programs, which have no FIB. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFNET_MAX_HOST_ADDRS);
	__type(key, __be32);
	__type(value, __u32);
} host_addrs SEC(".maps");

/* Every global IPv6 address of the host -> its ifindex (link-local ones
 * are not: they name no host, only a link). Written with host_addrs; read
 * where a port on every IPv6 address answers (sock_lb6.h, portmap6.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFNET_MAX_HOST_ADDRS);
	__type(key, struct bpfnet_in6);
	__type(value, __u32);
} host_addrs6 SEC(".maps");

/*
 * The other networks on the same uplink: their rev_nat and port_maps, so a
 * translated port is never one another network's flow or published port
 * holds (its filter could run first). Written by user space (peers.c)
 * whenever a network comes to or leaves the uplink.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, BPFNET_MAX_PEERS);
	__type(key, __u32);
	__array(values, struct rev_nat_map);
} peer_rev_nat SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, BPFNET_MAX_PEERS);
	__type(key, __u32);
	__array(values, struct port_maps_map);
} peer_port_maps SEC(".maps");

/* Their rev_nat_new maps: flows not answered yet hold tuples too. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, BPFNET_MAX_PEERS);
	__type(key, __u32);
	__array(values, struct rev_nat_new_map);
} peer_rnat_new SEC(".maps");

/*
 * The same for IPv6: their rev_nat6 and port_maps6 (NAT66, nat6.h). The
 * port_maps6 template by sizes: as a type named only here, clang would
 * leave its key and value to BTF as bare declarations, of no size.
 */
struct port_maps6_tmpl {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFNET_MAX_PORTMAPS);
	__uint(key_size, sizeof(struct bpfnet_pm6_key));
	__uint(value_size, sizeof(struct bpfnet_pm6_val));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, BPFNET_MAX_PEERS);
	__type(key, __u32);
	__array(values, struct rev_nat6_map);
} peer_rev_nat6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, BPFNET_MAX_PEERS);
	__type(key, __u32);
	__array(values, struct port_maps6_tmpl);
} peer_port_maps6 SEC(".maps");

/* A datagram's later fragments -> the address its first got. Datapath only. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFNET_MAX_FRAGS);
	__type(key, struct bpfnet_frag_key);
	__type(value, struct bpfnet_frag_val);
} frag_nat SEC(".maps");

/* GRE, ESP... to a remote -> the container masqueraded to it. Datapath only. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BPFNET_MAX_PROTO_NAT);
	__type(key, struct bpfnet_proto_key);
	__type(value, struct bpfnet_proto_val);
} proto_nat SEC(".maps");

/* bpfnet monitor's events (struct bpfnet_event). Datapath; the monitor reads. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, BPFNET_MONITOR_RING_BYTES);
} monitor_ring SEC(".maps");

/* Which events a monitor wants, until when. Written by `bpfnet monitor`. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpfnet_monitor_ctl);
} monitor_ctl SEC(".maps");

/* Events made and lost this second, per CPU: the rate limit. Datapath. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpfnet_monitor_budget);
} monitor_budget SEC(".maps");

#endif
