/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The names bpfnet pins its maps and programs under, in the pin directory
 * (user space only: the BPF programs know their maps by name). Part of the
 * contract bpfnet_shared.h includes; `bpftool map dump pinned DIR/NAME`
 * reads each map.
 */
#ifndef BPFNET_PINS_SHARED_H
#define BPFNET_PINS_SHARED_H

#define BPFNET_PIN_CONFIG "net_config"
#define BPFNET_PIN_ENDPOINTS "endpoints"
#define BPFNET_PIN_CT "conntrack"
#define BPFNET_PIN_RNAT "rev_nat"
#define BPFNET_PIN_STATS "stats"
#define BPFNET_PIN_EP_STATS "endpoint_stats"
#define BPFNET_PIN_PROG_FROM_CT "prog_from_container"
#define BPFNET_PIN_PROG_TO_CT "prog_to_container"
#define BPFNET_PIN_PROG_UP_IN "prog_uplink_ingress"
#define BPFNET_PIN_PROG_UP_OUT "prog_uplink_egress"
#define BPFNET_PIN_PORTMAPS "port_maps"
#define BPFNET_PIN_DNAT_CT "dnat_ct"
#define BPFNET_PIN_DNAT_REV "dnat_rev"
#define BPFNET_PIN_CT_NEW "ct_new"
#define BPFNET_PIN_RNAT_NEW "rev_nat_new"
#define BPFNET_PIN_DNAT_CT_NEW "dnat_ct_new"
#define BPFNET_PIN_DNAT_REV_NEW "dnat_rev_new"
#define BPFNET_PIN_PEER_RNAT_NEW "peer_rnat_new"
#define BPFNET_PIN_SOCK_REV "sock_rev"
#define BPFNET_PIN_HOST_ADDRS "host_addrs"
#define BPFNET_PIN_HOST_ADDRS6 "host_addrs6"
#define BPFNET_PIN_PEER_RNAT6 "peer_rev_nat6"
#define BPFNET_PIN_PEER_PORTMAPS6 "peer_port_maps6"
#define BPFNET_PIN_PEER_RNAT "peer_rev_nat"
#define BPFNET_PIN_PEER_PORTMAPS "peer_port_maps"
#define BPFNET_PIN_FRAG_NAT "frag_nat"
#define BPFNET_PIN_PROTO_NAT "proto_nat"
#define BPFNET_PIN_MONITOR_RING "monitor_ring"
#define BPFNET_PIN_MONITOR_CTL "monitor_ctl"
#define BPFNET_PIN_MONITOR_BUDGET "monitor_budget"
#define BPFNET_PIN_PROG_CONNECT4 "prog_sock_connect4"
#define BPFNET_PIN_PROG_SENDMSG4 "prog_sock_sendmsg4"
#define BPFNET_PIN_PROG_RECVMSG4 "prog_sock_recvmsg4"
#define BPFNET_PIN_PROG_PEERNAME4 "prog_sock_getpeername4"
#define BPFNET_PIN_CONFIG6 "net_config6"
#define BPFNET_PIN_ENDPOINTS6 "endpoints6"
#define BPFNET_PIN_CT6 "conntrack6"
#define BPFNET_PIN_FRAG6_IN "frag6_in"
#define BPFNET_PIN_FRAG6_OUT "frag6_out"
#define BPFNET_PIN_FRAG6_RNAT "frag6_rnat"
#define BPFNET_PIN_RNAT6 "rev_nat6"
#define BPFNET_PIN_PORTMAPS6 "port_maps6"
#define BPFNET_PIN_SOCK_REV6 "sock_rev6"
#define BPFNET_PIN_DNAT6_CT "dnat6_ct"
#define BPFNET_PIN_DNAT6_REV "dnat6_rev"
#define BPFNET_PIN_CT6_NEW "ct6_new"	/* IPv6 flows not answered yet, as IPv4's */
#define BPFNET_PIN_RNAT6_NEW "rev_nat6_new"
#define BPFNET_PIN_DNAT6_CT_NEW "dnat6_ct_new"
#define BPFNET_PIN_DNAT6_REV_NEW "dnat6_rev_new"
#define BPFNET_PIN_NAT46_CT "nat46_ct"
#define BPFNET_PIN_NAT46_REV "nat46_rev"
#define BPFNET_PIN_PROG_CONNECT6 "prog_sock_connect6"
#define BPFNET_PIN_PROG_SENDMSG6 "prog_sock_sendmsg6"
#define BPFNET_PIN_PROG_RECVMSG6 "prog_sock_recvmsg6"
#define BPFNET_PIN_PROG_PEERNAME6 "prog_sock_getpeername6"

#endif
