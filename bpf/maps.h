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

/* Host socket sent to a container -> the address it dialled. Socket programs. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct bpfnet_sock_key);
	__type(value, struct bpfnet_sock_val);
} sock_rev SEC(".maps");

/* Every IPv4 address of the host -> its ifindex. Written by user space
 * (hook, gc, port add); read by the socket programs, which have no FIB. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BPFNET_MAX_HOST_ADDRS);
	__type(key, __be32);
	__type(value, __u32);
} host_addrs SEC(".maps");

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

#endif
