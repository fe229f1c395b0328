// SPDX-License-Identifier: GPL-2.0
/*
 * Packet tests of the monitor's events (monitor.h): a drop makes one event
 * in monitor_ring while a monitor holds the lease, none without one or
 * after it ran out, at most `rate` a second per CPU (the rest counted
 * lost); every translation (masquerade, a published port from outside and
 * its answer, hairpin both ways) makes a trace event of its kind with both
 * tuples, and none without a trace lease. The events are read from the
 * ring here as `bpfnet monitor` reads them.
 *
 *   172.19.0.2 (container, MAC 02:42:ac:13:00:02), or 172.19.0.9 (spoofed)
 *        |  from_container: admission, hairpin     uplink_egress: source NAT,
 *        |                                         published ports' answers
 *   198.51.100.1 (uplink)  ---- 198.51.100.2 (remote)
 *        |  uplink_ingress: published ports (8080 -> 172.19.0.2:80)
 *
 * IPv6 (test_ipv6_drop_has_its_tuple): fd19::/64, the container fd19::2
 * (same MAC), sending from fd19::99, not its own. Its translations
 * (test_nat66_traces ...): the uplink's 2001:db8:100::1 (nat6), the remote
 * 2001:db8:100::2, [::]:8080 published on [fd19::2]:80, a neighbour fd19::4.
 */
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

#include "dp.h"
#include "pkt6.h"

#define MAX_SEEN 64
#define NSEC 1000000000ULL

/* What the ring held, in order. */
static struct bpfnet_event seen[MAX_SEEN];
static int n_seen;

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (size == sizeof(struct bpfnet_event) && n_seen < MAX_SEEN)
		memcpy(&seen[n_seen], data, size);
	n_seen++;	/* counted even when too many or of another size */
	return 0;
}

/* Every event in the ring now: their number (seen[] holds them), or -1. */
static int drain_ring(void)
{
	struct ring_buffer *rb;
	int n;

	n_seen = 0;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.monitor_ring), on_event, NULL, NULL);
	if (!rb)
		return -1;
	n = ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return n < 0 ? -1 : n_seen;
}

/* A monitor's lease of one type, running out at until (0: off). */
static int set_lease(__u32 type, __u64 until, __u32 rate)
{
	struct bpfnet_monitor_ctl c = { .rate = rate };
	__u32 zero = 0;

	c.until_ns[type] = until;
	return bpf_map_update_elem(bpf_map__fd(skel->maps.monitor_ctl), &zero, &c, 0);
}

static __u64 lease_of(__u32 type)
{
	struct bpfnet_monitor_ctl c;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.monitor_ctl), &zero, &c))
		return ~0ULL;
	return c.until_ns[type];
}

/* Events lost on every CPU. */
static __u64 lost(void)
{
	int n = libbpf_num_possible_cpus();
	struct bpfnet_monitor_budget b[256];
	__u64 sum = 0;
	__u32 zero = 0;

	if (n < 1 || n > 256 ||
	    bpf_map_lookup_elem(bpf_map__fd(skel->maps.monitor_budget), &zero, b))
		return ~0ULL;
	for (int i = 0; i < n; i++)
		sum += b[i].lost;
	return sum;
}

/* A UDP datagram from c1's veth with another container's address. */
static size_t spoofed(uint8_t *buf)
{
	struct pkt_spec s = out_spec(IPPROTO_UDP, 7000, 53);

	s.src = "172.19.0.9";
	return build_pkt(buf, &s);
}

static void teardown(void)
{
	dp_release();
}

static void test_spoofed_drop_makes_one_event(void)
{
	uint8_t in[256], out[2048];
	struct bpfnet_event *e = &seen[0];
	__u32 olen;
	size_t len = spoofed(in);

	CHECK_EQ(set_lease(BPFNET_EV_DROP, mono_ns() + 60 * NSEC, 0), 0, "write monitor_ctl");
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_EQ(drain_ring(), 1, "events in the ring after one spoofed datagram");
	CHECK_EQ(e->type, (__u8)BPFNET_EV_DROP, "event type");
	CHECK_EQ(e->reason, (__u32)BPFNET_STAT_DROP_SPOOF_IP, "drop reason");
	CHECK_EQ(e->eth_proto, 0x0800, "ethertype");
	CHECK_EQ(e->ifindex, 1u, "interface (BPF_PROG_TEST_RUN runs on lo)");
	CHECK_EQ(e->ep_addr, 0u, "container address (unknown: the source is spoofed)");
	CHECK_IP4(e->tuple.saddr, "172.19.0.9", "source");
	CHECK_IP4(e->tuple.daddr, "198.51.100.2", "destination");
	CHECK_EQ(ntohs(e->tuple.sport), 7000, "source port");
	CHECK_EQ(ntohs(e->tuple.dport), 53, "destination port");
	CHECK_EQ(e->tuple.proto, IPPROTO_UDP, "protocol");
	CHECK_EQ(e->after.saddr, 0u, "no translation for a drop");
	CHECK_EQ(e->saddr6.a[0] | e->daddr6.a[3], 0u, "no IPv6 addresses for IPv4");
	CHECK_EQ(stat(BPFNET_STAT_DROP_SPOOF_IP), 1u, "spoofed address drops");
	CHECK_EQ(lost(), 0u, "events lost");
}

static void test_no_event_without_lease(void)
{
	uint8_t in[256], out[2048];
	__u32 olen;
	size_t len = spoofed(in);

	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_EQ(drain_ring(), 0, "events with no monitor");
	/* a monitor that was killed: its lease ran out a moment ago */
	CHECK_EQ(set_lease(BPFNET_EV_DROP, mono_ns() - 1, 0), 0, "write monitor_ctl");
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_EQ(drain_ring(), 0, "events after the lease ran out");
	CHECK_EQ(lease_of(BPFNET_EV_DROP), 0u, "the expired lease, cleared by the datapath");
	/* a lease of traces only makes no drop event */
	CHECK_EQ(set_lease(BPFNET_EV_TRACE, mono_ns() + 60 * NSEC, 0), 0, "write monitor_ctl");
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_EQ(drain_ring(), 0, "drop events under a trace lease");
	CHECK_EQ(stat(BPFNET_STAT_DROP_SPOOF_IP), 3u, "spoofed address drops, all counted");
}

static void test_rate_caps_a_burst(void)
{
	uint8_t in[256], out[2048];
	__u32 olen;
	size_t len = spoofed(in);

	/* one CPU runs the whole burst: the budget is per CPU */
	CHECK_EQ(set_lease(BPFNET_EV_DROP, mono_ns() + 60 * NSEC, 5), 0, "write monitor_ctl");
	for (int i = 0; i < 20; i++)
		CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_EQ(drain_ring(), 5, "events of a burst of 20 at 5 a second");
	CHECK_EQ(lost(), 15u, "events lost");
	CHECK_EQ(stat(BPFNET_STAT_DROP_SPOOF_IP), 20u, "spoofed address drops, all counted");
}

static void test_snat_trace_has_both_tuples(void)
{
	uint8_t in[256], out[2048];
	struct pkt_spec s = out_spec(IPPROTO_UDP, 7000, 53);
	struct bpfnet_event *e = &seen[0];
	struct udphdr *u;
	__u32 olen;
	size_t len = build_pkt(in, &s);

	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	CHECK_EQ(drain_ring(), 0, "trace events with no monitor");
	CHECK_EQ(set_lease(BPFNET_EV_TRACE, mono_ns() + 60 * NSEC, 0), 0, "write monitor_ctl");
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	u = l4_of(out);
	CHECK_EQ(drain_ring(), 1, "events after one translated datagram");
	CHECK_EQ(e->type, (__u8)BPFNET_EV_TRACE, "event type");
	CHECK_EQ(e->kind, (__u8)BPFNET_TRACE_SNAT, "kind");
	CHECK_EQ(e->reason, (__u32)BPFNET_STAT_SNAT_PKTS, "translation");
	CHECK_IP4(e->ep_addr, "172.19.0.2", "container");
	CHECK_IP4(e->tuple.saddr, "172.19.0.2", "source before");
	CHECK_EQ(ntohs(e->tuple.sport), 7000, "source port before");
	CHECK_IP4(e->after.saddr, "198.51.100.1", "source after");
	CHECK_EQ(e->after.sport, u->source, "source port after, as the frame has it");
	CHECK_IP4(e->after.daddr, "198.51.100.2", "destination after");
	CHECK_EQ(ntohs(e->after.dport), 53, "destination port after");
	CHECK_EQ(e->after.proto, IPPROTO_UDP, "protocol");
}

/* A tuple of an event, field by field. */
#define CHECK_TUPLE(f, src, sp, dst, dp, pr, what)                           \
	do {                                                                 \
		CHECK_IP4((f).saddr, src, what ": source");                  \
		CHECK_EQ(ntohs((f).sport), sp, what ": source port");        \
		CHECK_IP4((f).daddr, dst, what ": destination");             \
		CHECK_EQ(ntohs((f).dport), dp, what ": destination port");   \
		CHECK_EQ((f).proto, pr, what ": protocol");                  \
	} while (0)

/* The header of a trace event of kind k (reason: its counter). */
#define CHECK_TRACE(e, k, r, ep, what)                                       \
	do {                                                                 \
		CHECK_EQ((e)->type, (__u8)BPFNET_EV_TRACE, what ": type");   \
		CHECK_EQ((e)->kind, (__u8)(k), what ": kind");               \
		CHECK_EQ((e)->reason, (__u32)(r), what ": reason");          \
		CHECK_IP4((e)->ep_addr, ep, what ": container");             \
		CHECK_EQ((e)->ifindex, 1u, what ": interface (lo)");         \
		CHECK_EQ((e)->eth_proto, 0x0800, what ": ethertype");        \
	} while (0)

/* A TCP SYN from the remote to the published 198.51.100.1:8080. */
static size_t syn_to_published(uint8_t *buf)
{
	struct pkt_spec s = in_spec(IPPROTO_TCP, 33333, 8080);

	s.tcp_flags = 0x02;
	return build_pkt(buf, &s);
}

/* The container's SYN-ACK from :80 to that client. */
static size_t synack_of_published(uint8_t *buf)
{
	struct pkt_spec s = out_spec(IPPROTO_TCP, 80, 33333);

	s.tcp_flags = 0x12;
	return build_pkt(buf, &s);
}

/* A datagram of the container to a published port on the gateway. */
static size_t to_gateway(uint8_t *buf, uint16_t sport, uint16_t dport)
{
	struct pkt_spec s = out_spec(IPPROTO_UDP, sport, dport);

	s.dst = "172.19.0.1";
	s.payload = "q";
	s.plen = 1;
	return build_pkt(buf, &s);
}

static void test_dnat_and_reply_traces(void)
{
	uint8_t in[256], out[2048];
	__u32 olen;
	size_t len;

	CHECK_EQ(publish(8080, 80, IPPROTO_TCP), 0, "publish 8080:80/tcp");
	CHECK_EQ(set_lease(BPFNET_EV_TRACE, mono_ns() + 60 * NSEC, 0), 0, "write monitor_ctl");
	len = syn_to_published(in);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_EQ(drain_ring(), 1, "events after a SYN to a published port");
	CHECK_TRACE(&seen[0], BPFNET_TRACE_DNAT, BPFNET_STAT_DNAT_PKTS, "172.19.0.2", "dnat");
	CHECK_TUPLE(seen[0].tuple, "198.51.100.2", 33333, "198.51.100.1", 8080, IPPROTO_TCP,
		    "dnat before");
	CHECK_TUPLE(seen[0].after, "198.51.100.2", 33333, "172.19.0.2", 80, IPPROTO_TCP,
		    "dnat after");
	/* the answer: left to the stack by from_container (no route here),
	 * translated by the uplink egress, traced once, there */
	len = synack_of_published(in);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	CHECK_EQ(drain_ring(), 0, "events of an answer from_container did not translate");
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	CHECK_EQ(drain_ring(), 1, "events after the answer left");
	CHECK_TRACE(&seen[0], BPFNET_TRACE_DNAT_REPLY, BPFNET_STAT_DNAT_REPLIES, "172.19.0.2",
		    "dnat-reply");
	CHECK_TUPLE(seen[0].tuple, "172.19.0.2", 80, "198.51.100.2", 33333, IPPROTO_TCP,
		    "dnat-reply before");
	CHECK_TUPLE(seen[0].after, "198.51.100.1", 8080, "198.51.100.2", 33333, IPPROTO_TCP,
		    "dnat-reply after");
	CHECK_IP4(ip_of(out)->saddr, "198.51.100.1", "the frame's source, as the event says");
}

/* c1 dials its own published port on the gateway: both ends rewritten */
static void test_hairpin_self_traces(void)
{
	uint8_t in[256], out[2048];
	__u32 olen;
	size_t len;

	CHECK_EQ(publish(5353, 53, IPPROTO_UDP), 0, "publish 5353:53/udp");
	CHECK_EQ(set_lease(BPFNET_EV_TRACE, mono_ns() + 60 * NSEC, 0), 0, "write monitor_ctl");
	len = to_gateway(in, 44444, 5353);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_EQ(drain_ring(), 1, "events after a datagram to its own published port");
	CHECK_TRACE(&seen[0], BPFNET_TRACE_HAIRPIN, BPFNET_STAT_HAIRPIN, "172.19.0.2", "hairpin");
	CHECK_TUPLE(seen[0].tuple, "172.19.0.2", 44444, "172.19.0.1", 5353, IPPROTO_UDP,
		    "hairpin before");
	CHECK_TUPLE(seen[0].after, "172.19.0.1", 44444, "172.19.0.2", 53, IPPROTO_UDP,
		    "hairpin after (the gateway as source)");
	/* its answer, to the gateway standing in for it */
	len = to_gateway(in, 53, 44444);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_EQ(drain_ring(), 1, "events after the answer");
	CHECK_TRACE(&seen[0], BPFNET_TRACE_HAIRPIN_REPLY, BPFNET_STAT_HAIRPIN, "172.19.0.2",
		    "hairpin-reply");
	CHECK_TUPLE(seen[0].tuple, "172.19.0.2", 53, "172.19.0.1", 44444, IPPROTO_UDP,
		    "hairpin-reply before");
	CHECK_TUPLE(seen[0].after, "172.19.0.1", 5353, "172.19.0.2", 44444, IPPROTO_UDP,
		    "hairpin-reply after");
}

/* c1 dials a port published by its neighbour 172.19.0.3: the destination only */
static void test_hairpin_neighbour_trace(void)
{
	struct bpfnet_pm_key k = { .host_port = htons(7000), .proto = IPPROTO_UDP };
	struct bpfnet_pm_val v = { .caddr = ip4("172.19.0.3"), .cport = htons(70) };
	uint8_t in[256], out[2048];
	__u32 olen;
	size_t len;

	CHECK_EQ(add_neighbour(), 0, "add the neighbour 172.19.0.3");
	CHECK_EQ(set_ep_flags("172.19.0.3", BPFNET_EP_PUBLISHED), 0, "mark 172.19.0.3 published");
	CHECK_EQ(bpf_map_update_elem(bpf_map__fd(skel->maps.port_maps), &k, &v, 0), 0,
		 "publish 7000:70/udp on 172.19.0.3");
	CHECK_EQ(set_lease(BPFNET_EV_TRACE, mono_ns() + 60 * NSEC, 0), 0, "write monitor_ctl");
	len = to_gateway(in, 40000, 7000);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_EQ(drain_ring(), 1, "events after a datagram to a neighbour's published port");
	CHECK_TRACE(&seen[0], BPFNET_TRACE_HAIRPIN, BPFNET_STAT_HAIRPIN, "172.19.0.3", "hairpin");
	CHECK_TUPLE(seen[0].tuple, "172.19.0.2", 40000, "172.19.0.1", 7000, IPPROTO_UDP,
		    "hairpin before");
	CHECK_TUPLE(seen[0].after, "172.19.0.2", 40000, "172.19.0.3", 70, IPPROTO_UDP,
		    "hairpin after (its own source kept)");
}

/* Every translation of the published ports, with no trace lease: no event. */
static void test_no_trace_without_lease(void)
{
	uint8_t in[256], out[2048];
	__u32 olen;
	size_t len;

	CHECK_EQ(publish(8080, 80, IPPROTO_TCP), 0, "publish 8080:80/tcp");
	CHECK_EQ(publish(5353, 53, IPPROTO_UDP), 0, "publish 5353:53/udp");
	/* a monitor of drops only: its lease makes no trace */
	CHECK_EQ(set_lease(BPFNET_EV_DROP, mono_ns() + 60 * NSEC, 0), 0, "write monitor_ctl");
	len = syn_to_published(in);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	len = synack_of_published(in);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	len = to_gateway(in, 44444, 5353);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	len = to_gateway(in, 53, 44444);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_EQ(drain_ring(), 0, "trace events under a drop lease");
	/* a tracing monitor that was killed: its lease ran out */
	CHECK_EQ(set_lease(BPFNET_EV_TRACE, mono_ns() - 1, 0), 0, "write monitor_ctl");
	len = to_gateway(in, 44444, 5353);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_EQ(drain_ring(), 0, "trace events after the lease ran out");
	CHECK_EQ(lease_of(BPFNET_EV_TRACE), 0u, "the expired lease, cleared by the datapath");
	CHECK_EQ(stat(BPFNET_STAT_DNAT_PKTS), 3u, "packets to published ports, all translated");
	CHECK_EQ(stat(BPFNET_STAT_DNAT_REPLIES), 2u, "answers, all translated");
	CHECK_EQ(lost(), 0u, "events lost (none was wanted)");
}

/* Published-port traces share the drops' budget: rate a second per CPU. */
static void test_rate_caps_dnat_traces(void)
{
	uint8_t in[256], out[2048];
	struct pkt_spec s = in_spec(IPPROTO_UDP, 5000, 8080);
	__u32 olen;
	size_t len;

	CHECK_EQ(publish(8080, 80, IPPROTO_UDP), 0, "publish 8080:80/udp");
	CHECK_EQ(set_lease(BPFNET_EV_TRACE, mono_ns() + 60 * NSEC, 4), 0, "write monitor_ctl");
	len = build_pkt(in, &s);
	for (int i = 0; i < 12; i++)
		CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_EQ(drain_ring(), 4, "trace events of 12 datagrams at 4 a second");
	CHECK_EQ(lost(), 8u, "events lost");
	CHECK_EQ(stat(BPFNET_STAT_DNAT_PKTS), 12u, "datagrams translated");
}

/* --subnet6 fd19::/64 (gateway fd19::1, routed) and c1 as fd19::2 (172.19.0.2). */
static int dual_stack(void)
{
	struct bpfnet_cfg6 c = { .prefix_len = 64, .enabled = 1 };
	struct bpfnet_endpoint ep = { .host_ifindex = 1, .ip4 = ip4("172.19.0.2") };
	struct bpfnet_in6 a = in6("fd19::2");
	__u32 zero = 0;

	c.subnet = in6("fd19::");
	c.gateway = in6("fd19::1");
	memcpy(ep.mac, mac_c1, 6);
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.net_config6), &zero, &c, 0))
		return -errno;
	return bpf_map_update_elem(bpf_map__fd(skel->maps.endpoints6), &a, &ep, 0) ? -errno : 0;
}

/* An IPv6 event's addresses, exactly, and its IPv4 fields zero. */
#define CHECK_ADDRS6(e, src, dst, what)                                      \
	do {                                                                 \
		struct bpfnet_in6 ___s = in6(src), ___d = in6(dst);          \
		CHECK_MEM(&(e)->saddr6, &___s, 16, what ": source");         \
		CHECK_MEM(&(e)->daddr6, &___d, 16, what ": destination");    \
		CHECK_EQ((e)->tuple.saddr, 0u, what ": no IPv4 source");     \
		CHECK_EQ((e)->tuple.daddr, 0u, what ": no IPv4 destination"); \
		CHECK_EQ((e)->eth_proto, 0x86dd, what ": ethertype");        \
		CHECK_EQ((e)->reason, (__u32)BPFNET_STAT_DROP_SPOOF_IP, what ": reason"); \
	} while (0)

/*
 * c1 sends from fd19::99: a TCP SYN, an echo request and a UDP datagram
 * behind a fragment header. Each drop's event has the IPv6 addresses; the
 * SYN its ports; the echo none (as IPv4's ICMP); the fragment the first
 * next header (44) as protocol and no ports.
 */
static void test_ipv6_drop_has_its_tuple(void)
{
	struct pkt6_spec s = { .src = "fd19::99", .dst = "fd19::1", .proto = IPPROTO_TCP,
			       .sport = 1234, .dport = 80, .tcp_flags = 0x02 };
	uint8_t in[256], out[2048];
	__u32 olen;
	size_t len;

	memcpy(s.smac, mac_c1, 6);
	CHECK_EQ(dual_stack(), 0, "write net_config6 and endpoints6");
	CHECK_EQ(set_lease(BPFNET_EV_DROP, mono_ns() + 60 * NSEC, 0), 0, "write monitor_ctl");
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	s.proto = IPPROTO_ICMPV6;
	s.icmp_type = 128;	/* echo request, id 1234 */
	s.dst = "2001:db8:100::2";
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	s.proto = IPPROTO_UDP;
	s.ext[0] = IPPROTO_FRAGMENT;
	s.n_ext = 1;
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_EQ(drain_ring(), 3, "events after three spoofed IPv6 packets");
	CHECK_ADDRS6(&seen[0], "fd19::99", "fd19::1", "tcp");
	CHECK_EQ(seen[0].tuple.proto, IPPROTO_TCP, "tcp: protocol");
	CHECK_EQ(ntohs(seen[0].tuple.sport), 1234, "tcp: source port");
	CHECK_EQ(ntohs(seen[0].tuple.dport), 80, "tcp: destination port");
	CHECK_ADDRS6(&seen[1], "fd19::99", "2001:db8:100::2", "icmpv6");
	CHECK_EQ(seen[1].tuple.proto, IPPROTO_ICMPV6, "icmpv6: protocol");
	CHECK_EQ(seen[1].tuple.sport | seen[1].tuple.dport, 0, "icmpv6: no ports");
	CHECK_ADDRS6(&seen[2], "fd19::99", "2001:db8:100::2", "fragment");
	CHECK_EQ(seen[2].tuple.proto, IPPROTO_FRAGMENT, "fragment: the first next header");
	CHECK_EQ(seen[2].tuple.sport | seen[2].tuple.dport, 0, "fragment: no ports");
	CHECK_EQ(stat(BPFNET_STAT_DROP_SPOOF_IP), 3u, "spoofed address drops");
}

/* --nat6 on, the uplink's IPv6 address 2001:db8:100::1 with it. */
static int nat6_on(void)
{
	struct bpfnet_cfg6 c;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.net_config6), &zero, &c))
		return -errno;
	c.nat6 = 1;
	c.uplink_addr = in6("2001:db8:100::1");
	return bpf_map_update_elem(bpf_map__fd(skel->maps.net_config6), &zero, &c, 0) ? -errno : 0;
}

/* An IPv6 tuple of an event: addresses s6, d6 and the rest in f, exactly;
 * f's IPv4 addresses zero. */
#define CHECK_TUPLE6(s6, d6, f, src, sp, dst, dp, pr, what)                  \
	do {                                                                 \
		struct bpfnet_in6 ___s = in6(src), ___d = in6(dst);          \
		CHECK_MEM(&(s6), &___s, 16, what ": source");                \
		CHECK_EQ(ntohs((f).sport), sp, what ": source port");        \
		CHECK_MEM(&(d6), &___d, 16, what ": destination");           \
		CHECK_EQ(ntohs((f).dport), dp, what ": destination port");   \
		CHECK_EQ((f).proto, pr, what ": protocol");                  \
		CHECK_EQ((f).saddr | (f).daddr, 0u, what ": no IPv4 addresses"); \
	} while (0)
#define CHECK_BEFORE6(e, ...) CHECK_TUPLE6((e)->saddr6, (e)->daddr6, (e)->tuple, __VA_ARGS__)
#define CHECK_AFTER6(e, ...)                                                 \
	CHECK_TUPLE6((e)->after_saddr6, (e)->after_daddr6, (e)->after, __VA_ARGS__)

/* The header of an IPv6 trace event of kind k (reason: its counter). */
#define CHECK_TRACE6(e, k, r, ep, what)                                      \
	do {                                                                 \
		CHECK_EQ((e)->type, (__u8)BPFNET_EV_TRACE, what ": type");   \
		CHECK_EQ((e)->kind, (__u8)(k), what ": kind");               \
		CHECK_EQ((e)->reason, (__u32)(r), what ": reason");          \
		CHECK_IP4((e)->ep_addr, ep, what ": container (its IPv4 address)"); \
		CHECK_EQ((e)->ifindex, 1u, what ": interface (lo)");         \
		CHECK_EQ((e)->eth_proto, 0x86dd, what ": ethertype");        \
	} while (0)

/* A packet of c1 (fd19::2, its MAC): proto from [fd19::2]:sport to [dst]:dport. */
static size_t c1_pkt6(uint8_t *buf, uint8_t proto, const char *dst, uint16_t sport,
		      uint16_t dport, uint8_t tcp_flags)
{
	struct pkt6_spec s = { .src = "fd19::2", .dst = dst, .proto = proto,
			       .sport = sport, .dport = dport, .tcp_flags = tcp_flags };

	memcpy(s.smac, mac_c1, 6);
	if (proto == IPPROTO_ICMPV6)
		s.icmp_type = 128;	/* an echo request, its id sport */
	return build_pkt6(buf, &s);
}

/* A packet of the remote [2001:db8:100::2]:sport to the uplink's :dport. */
static size_t remote_pkt6(uint8_t *buf, uint8_t proto, uint16_t sport, uint16_t dport,
			  uint8_t tcp_flags)
{
	struct pkt6_spec s = { .src = "2001:db8:100::2", .dst = "2001:db8:100::1",
			       .proto = proto, .sport = sport, .dport = dport,
			       .tcp_flags = tcp_flags };

	if (proto == IPPROTO_ICMPV6)
		s.icmp_type = 129;	/* an echo reply, its id sport */
	return build_pkt6(buf, &s);
}

/*
 * NAT66: c1's datagram leaves from the uplink's address (snat), its answer
 * comes back to it (reverse-nat), each traced with both IPv6 tuples and
 * c1 by its IPv4 address; an echo request and its reply without ports.
 * None under a drop lease.
 */
static void test_nat66_traces(void)
{
	uint8_t in[256], out[2048];
	__u32 olen;
	size_t len;

	CHECK_EQ(dual_stack(), 0, "write net_config6 and endpoints6");
	CHECK_EQ(nat6_on(), 0, "write net_config6 with nat6");
	CHECK_EQ(set_lease(BPFNET_EV_DROP, mono_ns() + 60 * NSEC, 0), 0, "write monitor_ctl");
	len = c1_pkt6(in, IPPROTO_UDP, "2001:db8:100::2", 5000, 53, 0);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	CHECK_EQ(drain_ring(), 0, "trace events under a drop lease");
	CHECK_EQ(set_lease(BPFNET_EV_TRACE, mono_ns() + 60 * NSEC, 0), 0, "write monitor_ctl");
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	CHECK_EQ(drain_ring(), 1, "events after one translated datagram");
	CHECK_TRACE6(&seen[0], BPFNET_TRACE_SNAT, BPFNET_STAT_SNAT_PKTS, "172.19.0.2", "snat");
	CHECK_BEFORE6(&seen[0], "fd19::2", 5000, "2001:db8:100::2", 53, IPPROTO_UDP,
		      "snat before");
	CHECK_AFTER6(&seen[0], "2001:db8:100::1", 5000, "2001:db8:100::2", 53, IPPROTO_UDP,
		     "snat after");
	CHECK_MEM(&seen[0].after_saddr6, out + ETH_HLEN + 8, 16, "the frame's source, as the event says");

	len = remote_pkt6(in, IPPROTO_UDP, 53, 5000, 0);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_EQ(drain_ring(), 1, "events after the answer came back");
	CHECK_TRACE6(&seen[0], BPFNET_TRACE_RNAT, BPFNET_STAT_RNAT_PKTS, "172.19.0.2",
		     "reverse-nat");
	CHECK_BEFORE6(&seen[0], "2001:db8:100::2", 53, "2001:db8:100::1", 5000, IPPROTO_UDP,
		      "reverse-nat before");
	CHECK_AFTER6(&seen[0], "2001:db8:100::2", 53, "fd19::2", 5000, IPPROTO_UDP,
		     "reverse-nat after");

	len = c1_pkt6(in, IPPROTO_ICMPV6, "2001:db8:100::2", 0x4242, 0, 0);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	len = remote_pkt6(in, IPPROTO_ICMPV6, 0x4242, 0, 0);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_EQ(drain_ring(), 2, "events after a ping and its reply");
	CHECK_TRACE6(&seen[0], BPFNET_TRACE_SNAT, BPFNET_STAT_SNAT_PKTS, "172.19.0.2",
		     "snat (echo)");
	CHECK_BEFORE6(&seen[0], "fd19::2", 0, "2001:db8:100::2", 0, IPPROTO_ICMPV6,
		      "snat before (echo: no ports)");
	CHECK_AFTER6(&seen[0], "2001:db8:100::1", 0, "2001:db8:100::2", 0, IPPROTO_ICMPV6,
		     "snat after (echo)");
	CHECK_TRACE6(&seen[1], BPFNET_TRACE_RNAT, BPFNET_STAT_RNAT_PKTS, "172.19.0.2",
		     "reverse-nat (echo)");
	CHECK_BEFORE6(&seen[1], "2001:db8:100::2", 0, "2001:db8:100::1", 0, IPPROTO_ICMPV6,
		      "reverse-nat before (echo)");
	CHECK_AFTER6(&seen[1], "2001:db8:100::2", 0, "fd19::2", 0, IPPROTO_ICMPV6,
		     "reverse-nat after (echo)");
	CHECK_EQ(stat(BPFNET_STAT_SNAT_PKTS), 3u, "packets masqueraded");
	CHECK_EQ(lost(), 0u, "events lost");
}

/* [::]:8080/tcp published on c1's [fd19::2]:80 (port_maps6), c1 marked
 * published (its answers are looked up). */
static int publish6(void)
{
	struct bpfnet_pm6_key k = { .host_port = htons(8080), .proto = IPPROTO_TCP };
	struct bpfnet_pm6_val v = { .caddr = in6("fd19::2"), .cport = htons(80) };
	struct bpfnet_endpoint ep = { .host_ifindex = 1, .ip4 = ip4("172.19.0.2"),
				      .flags = BPFNET_EP_PUBLISHED };
	struct bpfnet_in6 a = in6("fd19::2");

	memcpy(ep.mac, mac_c1, 6);
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.endpoints6), &a, &ep, 0))
		return -errno;
	return bpf_map_update_elem(bpf_map__fd(skel->maps.port_maps6), &k, &v, 0) ? -errno : 0;
}

/* A SYN from outside to the published IPv6 port, and c1's answer. */
static void test_dnat6_and_reply_traces(void)
{
	uint8_t in[256], out[2048];
	__u32 olen;
	size_t len;

	CHECK_EQ(dual_stack(), 0, "write net_config6 and endpoints6");
	CHECK_EQ(nat6_on(), 0, "write net_config6 with nat6");
	CHECK_EQ(publish6(), 0, "publish [::]:8080 -> [fd19::2]:80");
	CHECK_EQ(set_lease(BPFNET_EV_TRACE, mono_ns() + 60 * NSEC, 0), 0, "write monitor_ctl");
	len = remote_pkt6(in, IPPROTO_TCP, 40000, 8080, 0x02);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_EQ(drain_ring(), 1, "events after a SYN to a published port");
	CHECK_TRACE6(&seen[0], BPFNET_TRACE_DNAT, BPFNET_STAT_DNAT_PKTS, "172.19.0.2", "dnat");
	CHECK_BEFORE6(&seen[0], "2001:db8:100::2", 40000, "2001:db8:100::1", 8080, IPPROTO_TCP,
		      "dnat before");
	CHECK_AFTER6(&seen[0], "2001:db8:100::2", 40000, "fd19::2", 80, IPPROTO_TCP,
		     "dnat after");
	/* its answer: translated by from_container, left to the stack (no route) */
	len = c1_pkt6(in, IPPROTO_TCP, "2001:db8:100::2", 80, 40000, 0x12);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	CHECK_EQ(drain_ring(), 1, "events after the answer");
	CHECK_TRACE6(&seen[0], BPFNET_TRACE_DNAT_REPLY, BPFNET_STAT_DNAT_REPLIES, "172.19.0.2",
		     "dnat-reply");
	CHECK_BEFORE6(&seen[0], "fd19::2", 80, "2001:db8:100::2", 40000, IPPROTO_TCP,
		      "dnat-reply before");
	CHECK_AFTER6(&seen[0], "2001:db8:100::1", 8080, "2001:db8:100::2", 40000, IPPROTO_TCP,
		     "dnat-reply after");
	CHECK_MEM(&seen[0].after_saddr6, out + ETH_HLEN + 8, 16, "the frame's source, as the event says");
}

/* The neighbour fd19::4 (MAC mac_c3) dials [2001:db8:100::1]:8080 from 41001. */
static size_t neighbour_syn6(uint8_t *buf)
{
	struct pkt6_spec s = { .src = "fd19::4", .dst = "2001:db8:100::1",
			       .proto = IPPROTO_TCP, .sport = 41001, .dport = 8080,
			       .tcp_flags = 0x02 };

	memcpy(s.smac, mac_c3, 6);
	return build_pkt6(buf, &s);
}

/*
 * Hairpin on IPv6: c1 dials its own published port on the gateway (the
 * gateway its source), the neighbour fd19::4 (172.19.0.4) the uplink's
 * address (its own source kept); both answers back. Every trace names the
 * published container, c1.
 */
static void test_hairpin6_traces(void)
{
	struct bpfnet_endpoint ep = { .host_ifindex = 1, .ip4 = ip4("172.19.0.4") };
	struct bpfnet_in6 a4 = in6("fd19::4");
	uint8_t in[256], out[2048];
	__u32 olen;
	size_t len;

	memcpy(ep.mac, mac_c3, 6);

	CHECK_EQ(dual_stack(), 0, "write net_config6 and endpoints6");
	CHECK_EQ(nat6_on(), 0, "write net_config6 with nat6");
	CHECK_EQ(publish6(), 0, "publish [::]:8080 -> [fd19::2]:80");
	CHECK_EQ(bpf_map_update_elem(bpf_map__fd(skel->maps.endpoints6), &a4, &ep, 0), 0,
		 "write endpoint fd19::4");
	CHECK_EQ(set_lease(BPFNET_EV_TRACE, mono_ns() + 60 * NSEC, 0), 0, "write monitor_ctl");
	len = c1_pkt6(in, IPPROTO_TCP, "fd19::1", 41000, 8080, 0x02);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	len = c1_pkt6(in, IPPROTO_TCP, "fd19::1", 80, 41000, 0x12);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_EQ(drain_ring(), 2, "events after a SYN to its own port and the answer");
	CHECK_TRACE6(&seen[0], BPFNET_TRACE_HAIRPIN, BPFNET_STAT_HAIRPIN, "172.19.0.2", "hairpin");
	CHECK_BEFORE6(&seen[0], "fd19::2", 41000, "fd19::1", 8080, IPPROTO_TCP,
		      "hairpin before");
	CHECK_AFTER6(&seen[0], "fd19::1", 41000, "fd19::2", 80, IPPROTO_TCP,
		     "hairpin after (the gateway as source)");
	CHECK_TRACE6(&seen[1], BPFNET_TRACE_HAIRPIN_REPLY, BPFNET_STAT_HAIRPIN, "172.19.0.2",
		     "hairpin-reply");
	CHECK_BEFORE6(&seen[1], "fd19::2", 80, "fd19::1", 41000, IPPROTO_TCP,
		      "hairpin-reply before");
	CHECK_AFTER6(&seen[1], "fd19::1", 8080, "fd19::2", 41000, IPPROTO_TCP,
		     "hairpin-reply after");

	/* the neighbour, at the uplink's address */
	len = neighbour_syn6(in);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	len = c1_pkt6(in, IPPROTO_TCP, "fd19::4", 80, 41001, 0x12);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_EQ(drain_ring(), 2, "events after the neighbour's SYN and the answer");
	CHECK_TRACE6(&seen[0], BPFNET_TRACE_HAIRPIN, BPFNET_STAT_HAIRPIN, "172.19.0.2",
		     "hairpin (a neighbour's)");
	CHECK_BEFORE6(&seen[0], "fd19::4", 41001, "2001:db8:100::1", 8080, IPPROTO_TCP,
		      "hairpin before (a neighbour's)");
	CHECK_AFTER6(&seen[0], "fd19::4", 41001, "fd19::2", 80, IPPROTO_TCP,
		     "hairpin after (its own source kept)");
	CHECK_TRACE6(&seen[1], BPFNET_TRACE_HAIRPIN_REPLY, BPFNET_STAT_HAIRPIN, "172.19.0.2",
		     "hairpin-reply (to the neighbour)");
	CHECK_BEFORE6(&seen[1], "fd19::2", 80, "fd19::4", 41001, IPPROTO_TCP,
		      "hairpin-reply before (to the neighbour)");
	CHECK_AFTER6(&seen[1], "2001:db8:100::1", 8080, "fd19::4", 41001, IPPROTO_TCP,
		     "hairpin-reply after (to the neighbour)");
}

static const struct check_test tests[] = {
	CHECK_TEST(test_spoofed_drop_makes_one_event),
	CHECK_TEST(test_no_event_without_lease),
	CHECK_TEST(test_rate_caps_a_burst),
	CHECK_TEST(test_snat_trace_has_both_tuples),
	CHECK_TEST(test_dnat_and_reply_traces),
	CHECK_TEST(test_hairpin_self_traces),
	CHECK_TEST(test_hairpin_neighbour_trace),
	CHECK_TEST(test_no_trace_without_lease),
	CHECK_TEST(test_rate_caps_dnat_traces),
	CHECK_TEST(test_ipv6_drop_has_its_tuple),
	CHECK_TEST(test_nat66_traces),
	CHECK_TEST(test_dnat6_and_reply_traces),
	CHECK_TEST(test_hairpin6_traces),
};

int main(int argc, char **argv)
{
	static const struct check_fixture fx = { setup, teardown };
	cpu_set_t one;

	if (geteuid() != 0) {
		printf("SKIP monitor: needs root for BPF_PROG_TEST_RUN\n");
		return 0;
	}
	/* the programs' FIB lookups see only this namespace: lo, down */
	if (unshare(CLONE_NEWNET)) {
		printf("FAIL setup: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 1;
	}
	/* the rate is per CPU: every run on the same one */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
	if (sched_setaffinity(0, sizeof(one), &one)) {
		printf("FAIL setup: sched_setaffinity: %s\n", strerror(errno));
		return 1;
	}
	return check_main(argc, argv, tests, CHECK_NTESTS(tests), &fx);
}
