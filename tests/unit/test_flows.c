// SPDX-License-Identifier: GPL-2.0
/*
 * Packet tests of flows that last (issue 12, points 1, 2 and 9): NAT pairs
 * whose halves the LRU maps lost one at a time heal with the same
 * translated tuple, two flows never share one, TCP closes per direction
 * and only on an RST in window, and the flow entry is not rewritten by
 * every packet. Same harness as test_datapath (dp.h): a fresh object per
 * test, exact bytes out, every checksum computed here from scratch.
 *
 *   172.19.0.2:1000  --SNAT-->  198.51.100.1:P  ----  198.51.100.2:80
 *   172.19.0.2:80   <--DNAT--   198.51.100.1:8080 <-- 198.51.100.2:33333
 */
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

#include "dp.h"

/* Runs prog on the frame s describes: its verdict, or -1000 if it did not run. */
static struct pkt_spec tcp_out(uint16_t sport, uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct pkt_spec s = out_spec(IPPROTO_TCP, sport, 80);

	s.tcp_flags = flags;
	s.tcp_seq = seq;
	s.tcp_ack = ack;
	return s;
}

static struct pkt_spec tcp_in(uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct pkt_spec s = in_spec(IPPROTO_TCP, 80, dport);

	s.tcp_flags = flags;
	s.tcp_seq = seq;
	s.tcp_ack = ack;
	return s;
}

/*
 * SYN (seq 1000), SYN-ACK (seq 5000), ACK from 172.19.0.2:sport to
 * 198.51.100.2:80: the translated port, or -1.
 */
static int handshake(uint16_t sport)
{
	struct pkt_spec s = tcp_out(sport, 0x02, 1000, 0);
	uint8_t out[2048];
	size_t len;
	int port;

	if (run_spec(skel->progs.uplink_egress, &s, out, &len) != TC_ACT_OK)
		return -1;
	port = ntohs(((struct tcphdr *)l4_of(out))->source);
	s = tcp_in((uint16_t)port, 0x12, 5000, 1001);
	if (run_spec(skel->progs.uplink_ingress, &s, out, &len) != TC_ACT_REDIRECT)
		return -1;
	s = tcp_out(sport, 0x10, 1001, 5001);
	if (run_spec(skel->progs.uplink_egress, &s, out, &len) != TC_ACT_OK)
		return -1;
	return port;
}

/* Deletes the entry of map at the flow src:sport -> dst:dport. */
static int del_flow(struct bpf_map *map, const char *src, const char *dst,
		    uint16_t sport, uint16_t dport, uint8_t proto)
{
	struct bpfnet_flow k = { .saddr = ip4(src), .daddr = ip4(dst),
				 .sport = htons(sport), .dport = htons(dport),
				 .proto = proto };

	return bpf_map_delete_elem(bpf_map__fd(map), &k) ? -errno : 0;
}

static int lookup_rnat(uint16_t nat_port, struct bpfnet_rnat *rv)
{
	struct bpfnet_flow r = { .saddr = ip4("198.51.100.2"), .daddr = ip4("198.51.100.1"),
				 .sport = htons(80), .dport = htons(nat_port),
				 .proto = IPPROTO_TCP };

	return bpf_map_lookup_elem(bpf_map__fd(skel->maps.rev_nat), &r, rv) ? -errno : 0;
}

/*
 * The LRU lost the reply half (rev_nat) of an established flow that was
 * given another port than its own (1000 is below --snat-ports): the
 * container's next segment leaves with the same port, exact bytes, the
 * reply half is there again and the remote's answer gets in.
 */
static void test_snat_reply_half_lost_same_port(void)
{
	uint8_t out[2048], want[512];
	struct pkt_spec s = tcp_out(1000, 0x18, 1001, 5001);
	struct bpfnet_rnat rv;
	size_t len, wlen;
	int port;

	s.payload = "GET /x";
	s.plen = 6;
	port = handshake(1000);
	CHECK_GE(port, 1024, "translated port of 172.19.0.2:1000 (inside --snat-ports)");
	CHECK_EQ(del_flow(skel->maps.rev_nat, "198.51.100.2", "198.51.100.1", 80,
			  (uint16_t)port, IPPROTO_TCP), 0, "evict the rev_nat half");
	CHECK_EQ(run_spec(skel->progs.uplink_egress, &s, out, &len), TC_ACT_OK,
		 "verdict of uplink_egress");
	wlen = want_out(want, s, "198.51.100.1", (uint16_t)port);
	CHECK_EQ(len, wlen, "frame length");
	CHECK_MEM(out, want, wlen, "the segment, with the same port as before");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_HEALED), 1u, "flows healed");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_REMAPPED), 0u, "flows remapped");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_EXPIRED), 0u, "flows expired");
	CHECK_EQ(lookup_rnat((uint16_t)port, &rv), 0, "rev_nat half, re-created");
	CHECK_EQ(ntohs(rv.cport), 1000, "rev_nat: the container's port");

	s = tcp_in((uint16_t)port, 0x18, 5001, 1007);
	s.payload = "200 OK";
	s.plen = 6;
	CHECK_EQ(run_spec(skel->progs.uplink_ingress, &s, out, &len), TC_ACT_REDIRECT,
		 "verdict of uplink_ingress for the answer");
	wlen = want_in(want, s, "172.19.0.2", 1000, mac_c1);
	CHECK_MEM(out, want, wlen, "the answer, delivered to 172.19.0.2:1000");
}

/*
 * The LRU lost the forward half (conntrack): the remote's next segment
 * re-creates it from rev_nat and is delivered, exact bytes; the
 * container's next one leaves with the same port.
 */
static void test_snat_forward_half_lost_reply_heals(void)
{
	uint8_t out[2048], want[512];
	struct pkt_spec s;
	struct bpfnet_ct ct;
	size_t len, wlen;
	int port;

	port = handshake(1000);
	CHECK_GE(port, 1024, "translated port of 172.19.0.2:1000");
	CHECK_EQ(del_flow(skel->maps.conntrack, "172.19.0.2", "198.51.100.2", 1000, 80,
			  IPPROTO_TCP), 0, "evict the conntrack half");
	s = tcp_in((uint16_t)port, 0x18, 5001, 1001);
	s.payload = "hello";
	s.plen = 5;
	CHECK_EQ(run_spec(skel->progs.uplink_ingress, &s, out, &len), TC_ACT_REDIRECT,
		 "verdict of uplink_ingress");
	wlen = want_in(want, s, "172.19.0.2", 1000, mac_c1);
	CHECK_EQ(len, wlen, "frame length");
	CHECK_MEM(out, want, wlen, "the segment, delivered to 172.19.0.2:1000");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_HEALED), 1u, "flows healed");
	CHECK_EQ(lookup_ct("172.19.0.2", "198.51.100.2", 1000, 80, IPPROTO_TCP, &ct), 0,
		 "conntrack half, re-created");
	CHECK_EQ(ntohs(ct.nat_port), port, "conntrack: the same translated port");
	CHECK_EQ(ct.state, BPFNET_CT_ESTABLISHED, "conntrack state");

	s = tcp_out(1000, 0x10, 1001, 5006);
	CHECK_EQ(run_spec(skel->progs.uplink_egress, &s, out, &len), TC_ACT_OK,
		 "verdict of uplink_egress");
	wlen = want_out(want, s, "198.51.100.1", (uint16_t)port);
	CHECK_MEM(out, want, wlen, "the container's ACK, with the same port");
	CHECK_EQ(stat(BPFNET_STAT_PORT_RETRIES), 0u, "ports tried");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_CREATED), 1u, "flows created");
}

/*
 * Forward half lost, and the container speaks first: a flow that kept its
 * own port finds its reverse entry there and takes it back.
 */
static void test_snat_forward_half_lost_own_port(void)
{
	uint8_t out[2048], want[512];
	struct pkt_spec s = tcp_out(40000, 0x18, 1001, 5001);
	size_t len, wlen;

	s.payload = "more";
	s.plen = 4;
	CHECK_EQ(handshake(40000), 40000, "translated port (its own, kept)");
	CHECK_EQ(del_flow(skel->maps.conntrack, "172.19.0.2", "198.51.100.2", 40000, 80,
			  IPPROTO_TCP), 0, "evict the conntrack half");
	CHECK_EQ(run_spec(skel->progs.uplink_egress, &s, out, &len), TC_ACT_OK,
		 "verdict of uplink_egress");
	wlen = want_out(want, s, "198.51.100.1", 40000);
	CHECK_MEM(out, want, wlen, "the segment, from port 40000 still");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_HEALED), 1u, "flows healed");
	CHECK_EQ(stat(BPFNET_STAT_PORT_RETRIES), 0u, "ports tried");
}

/*
 * The same for a flow nobody answered yet (its halves in ct_new and
 * rev_nat_new): its retransmitted SYN finds its reverse entry and keeps
 * the port.
 */
static void test_snat_new_flow_forward_half_lost(void)
{
	uint8_t out[2048], want[512];
	struct pkt_spec s = tcp_out(40000, 0x02, 1000, 0);
	size_t len, wlen;

	CHECK_EQ(run_spec(skel->progs.uplink_egress, &s, out, &len), TC_ACT_OK, "SYN");
	CHECK_EQ(del_flow(skel->maps.ct_new, "172.19.0.2", "198.51.100.2", 40000, 80,
			  IPPROTO_TCP), 0, "evict the ct_new half");
	CHECK_EQ(run_spec(skel->progs.uplink_egress, &s, out, &len), TC_ACT_OK,
		 "the SYN again");
	wlen = want_out(want, s, "198.51.100.1", 40000);
	CHECK_MEM(out, want, wlen, "the SYN, from port 40000 still");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_HEALED), 1u, "flows healed");
	CHECK_EQ(stat(BPFNET_STAT_PORT_RETRIES), 0u, "ports tried");
}

/*
 * Flow A (172.19.0.2:40000) lost its reply half; flow B (172.19.0.3:40000,
 * to the same remote) claimed the tuple 198.51.100.1:40000 and got its
 * answer (so B's reverse entry is in rev_nat, where A's was). A's next
 * segment must not use it: A is remapped, and the replies to 40000 still
 * go to B, those to A's new port to A.
 */
static void test_snat_tuple_never_shared(void)
{
	uint8_t out[2048], want[512];
	struct pkt_spec s;
	size_t len, wlen;
	uint16_t port;

	CHECK_EQ(handshake(40000), 40000, "A's translated port");
	CHECK_EQ(del_flow(skel->maps.rev_nat, "198.51.100.2", "198.51.100.1", 80, 40000,
			  IPPROTO_TCP), 0, "evict A's rev_nat half");
	CHECK_EQ(add_neighbour(), 0, "endpoint 172.19.0.3");
	s = tcp_out(40000, 0x02, 7000, 0);
	s.src = "172.19.0.3";
	CHECK_EQ(run_spec(skel->progs.uplink_egress, &s, out, &len), TC_ACT_OK,
		 "verdict of uplink_egress for B's SYN");
	CHECK_EQ(ntohs(((struct tcphdr *)l4_of(out))->source), 40000, "B's port (its own)");

	s = tcp_in(40000, 0x12, 9000, 7001);
	CHECK_EQ(run_spec(skel->progs.uplink_ingress, &s, out, &len), TC_ACT_REDIRECT,
		 "verdict of uplink_ingress for B's SYN-ACK");
	wlen = want_in(want, s, "172.19.0.3", 40000, mac_c3);
	CHECK_MEM(out, want, wlen, "the SYN-ACK to 40000, delivered to B");

	s = tcp_out(40000, 0x10, 1001, 5001);
	CHECK_EQ(run_spec(skel->progs.uplink_egress, &s, out, &len), TC_ACT_OK,
		 "verdict of uplink_egress for A's ACK");
	port = ntohs(((struct tcphdr *)l4_of(out))->source);
	CHECK_NE(port, 40000, "A's port (40000 is B's now)");
	wlen = want_out(want, s, "198.51.100.1", port);
	CHECK_MEM(out, want, wlen, "A's ACK, remapped");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_REMAPPED), 1u, "flows remapped");
	s = tcp_in(40000, 0x10, 9001, 7001);
	CHECK_EQ(run_spec(skel->progs.uplink_ingress, &s, out, &len), TC_ACT_REDIRECT,
		 "verdict of uplink_ingress for B's next segment");
	wlen = want_in(want, s, "172.19.0.3", 40000, mac_c3);
	CHECK_MEM(out, want, wlen, "the segment to 40000, delivered to B");
	s = tcp_in(port, 0x10, 5001, 1001);
	CHECK_EQ(run_spec(skel->progs.uplink_ingress, &s, out, &len), TC_ACT_REDIRECT,
		 "verdict of uplink_ingress for A's answer");
	wlen = want_in(want, s, "172.19.0.2", 40000, mac_c1);
	CHECK_MEM(out, want, wlen, "the answer to A's new port, delivered to A");
}

/*
 * A reverse entry whose flow now points at another tuple (left behind by
 * a remap) is not used: the reply to it is passed on, untouched.
 */
static void test_stale_reverse_entry_not_used(void)
{
	uint8_t in[512], out[2048];
	struct bpfnet_flow r = { .saddr = ip4("198.51.100.2"), .daddr = ip4("198.51.100.1"),
				 .sport = htons(80), .dport = htons(50000),
				 .proto = IPPROTO_TCP };
	struct bpfnet_rnat rv = { .caddr = ip4("172.19.0.2"), .cport = htons(40000),
				  .raddr = ip4("198.51.100.2"), .rport = htons(80) };
	struct pkt_spec s = tcp_in(50000, 0x10, 5001, 1001);
	struct bpfnet_ct ct;
	__u32 olen;
	size_t len;

	CHECK_EQ(handshake(40000), 40000, "the flow's translated port");
	CHECK_EQ(bpf_map_update_elem(bpf_map__fd(skel->maps.rev_nat), &r, &rv, 0), 0,
		 "a stale rev_nat entry at 50000 naming the flow");
	len = build_pkt(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_UNSPEC);
	CHECK_MEM(out, in, len, "the reply to 50000, untouched");
	CHECK_EQ(lookup_ct("172.19.0.2", "198.51.100.2", 40000, 80, IPPROTO_TCP, &ct), 0,
		 "the flow's conntrack entry");
	CHECK_EQ(ntohs(ct.nat_port), 40000, "its port, unchanged");
}

/*
 * 198.51.100.2:33333 -> 198.51.100.1:hport -> 172.19.0.2:80: the verdict.
 * Its ACKs acknowledge the container's SYN-ACK (sequence number 1000), as a
 * real client's do: what promotes the flow to the main tables (maps.h).
 */
static int client_seg(uint16_t hport, uint8_t flags, const char *data,
		      uint8_t *out, size_t *len, struct pkt_spec *sp)
{
	struct pkt_spec s = in_spec(IPPROTO_TCP, 33333, hport);

	s.tcp_flags = flags;
	s.tcp_ack = flags & 0x10 ? 1001 : 0;
	s.payload = data;
	s.plen = data ? strlen(data) : 0;
	*sp = s;
	return run_spec(skel->progs.uplink_ingress, &s, out, len);
}

/*
 * 172.19.0.2:80 -> 198.51.100.2:33333: the source port it leaves with, or
 * -1. No route in the test's namespace: from_container leaves it to the
 * stack untranslated (never with the host's address as source), and the
 * uplink egress translates it.
 */
static int container_seg(uint8_t flags, const char *data, uint8_t *out,
			 size_t *len, struct pkt_spec *sp)
{
	struct pkt_spec s = out_spec(IPPROTO_TCP, 80, 33333);
	uint8_t in[512];

	s.tcp_flags = flags;
	s.payload = data;
	s.plen = data ? strlen(data) : 0;
	*sp = s;
	if (run_spec(skel->progs.from_container, &s, out, len) != TC_ACT_OK ||
	    *len != build_pkt(in, &s) || memcmp(out, in, *len))
		return -1;
	if (run_spec(skel->progs.uplink_egress, &s, out, len) != TC_ACT_OK)
		return -1;
	return ntohs(((struct tcphdr *)l4_of(out))->source);
}

/* Evict the dnat_rev half, from the tier the flow is in (answered or not). */
static int del_dnat_rev(void)
{
	if (!del_flow(skel->maps.dnat_rev, "172.19.0.2", "198.51.100.2", 80, 33333,
		      IPPROTO_TCP))
		return 0;
	return del_flow(skel->maps.dnat_rev_new, "172.19.0.2", "198.51.100.2", 80, 33333,
			IPPROTO_TCP);
}

/*
 * A published-port flow lost its dnat_rev half: the client's next segment
 * claims it again (delivered, exact bytes), and the container's answer
 * leaves from the published port, exact bytes.
 */
static void test_dnat_reverse_half_lost(void)
{
	uint8_t out[2048], want[512];
	struct pkt_spec s;
	size_t len, wlen;

	CHECK_EQ(publish(8080, 80, IPPROTO_TCP), 0, "publish 8080:80/tcp");
	CHECK_EQ(client_seg(8080, 0x02, NULL, out, &len, &s), TC_ACT_REDIRECT, "client SYN");
	CHECK_EQ(container_seg(0x12, NULL, out, &len, &s), 8080, "SYN-ACK source port");
	CHECK_EQ(client_seg(8080, 0x10, NULL, out, &len, &s), TC_ACT_REDIRECT, "client ACK");
	CHECK_EQ(del_dnat_rev(), 0, "evict the dnat_rev half");
	CHECK_EQ(client_seg(8080, 0x18, "GET /", out, &len, &s), TC_ACT_REDIRECT,
		 "client data");
	wlen = want_in(want, s, "172.19.0.2", 80, mac_c1);
	CHECK_MEM(out, want, wlen, "the client's data, delivered to 172.19.0.2:80");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_HEALED), 1u, "flows healed");
	CHECK_EQ(container_seg(0x18, "200 OK", out, &len, &s), 8080, "answer source port");
	wlen = want_out(want, s, "198.51.100.1", 8080);
	CHECK_MEM(out, want, wlen, "the answer, from 198.51.100.1:8080");
}

/*
 * A published-port flow lost its dnat_ct half: the container's answer
 * re-creates it from dnat_rev (exact bytes out); lost again, the client's
 * next segment re-creates it from the port map and dnat_rev.
 */
static void test_dnat_forward_half_lost(void)
{
	uint8_t out[2048], want[512];
	struct pkt_spec s;
	size_t len, wlen;

	CHECK_EQ(publish(8080, 80, IPPROTO_TCP), 0, "publish 8080:80/tcp");
	CHECK_EQ(client_seg(8080, 0x02, NULL, out, &len, &s), TC_ACT_REDIRECT, "client SYN");
	CHECK_EQ(container_seg(0x12, NULL, out, &len, &s), 8080, "SYN-ACK source port");
	CHECK_EQ(client_seg(8080, 0x10, NULL, out, &len, &s), TC_ACT_REDIRECT, "client ACK");
	CHECK_EQ(del_flow(skel->maps.dnat_ct, "198.51.100.2", "198.51.100.1", 33333, 8080,
			  IPPROTO_TCP), 0, "evict the dnat_ct half");
	CHECK_EQ(container_seg(0x18, "hello", out, &len, &s), 8080, "answer source port");
	wlen = want_out(want, s, "198.51.100.1", 8080);
	CHECK_MEM(out, want, wlen, "the container's segment, from 198.51.100.1:8080");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_HEALED), 1u, "flows healed by the container");

	CHECK_EQ(del_flow(skel->maps.dnat_ct, "198.51.100.2", "198.51.100.1", 33333, 8080,
			  IPPROTO_TCP), 0, "evict the dnat_ct half again");
	CHECK_EQ(client_seg(8080, 0x18, "more", out, &len, &s), TC_ACT_REDIRECT,
		 "client data");
	wlen = want_in(want, s, "172.19.0.2", 80, mac_c1);
	CHECK_MEM(out, want, wlen, "the client's data, delivered to 172.19.0.2:80");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_HEALED), 2u, "flows healed by the client");
}

/*
 * 8080 and 8081 both publish 172.19.0.2:80. One client port to both is one
 * container tuple: the second connection is refused while the first lives;
 * once the first lost its dnat_rev half, the second takes the tuple and
 * the first is cut, never answered as the second.
 */
static void test_dnat_tuple_never_shared(void)
{
	uint8_t out[2048];
	struct pkt_spec s;
	size_t len;

	CHECK_EQ(publish(8080, 80, IPPROTO_TCP), 0, "publish 8080:80/tcp");
	CHECK_EQ(publish(8081, 80, IPPROTO_TCP), 0, "publish 8081:80/tcp");
	CHECK_EQ(client_seg(8080, 0x02, NULL, out, &len, &s), TC_ACT_REDIRECT, "SYN to 8080");
	CHECK_EQ(client_seg(8081, 0x02, NULL, out, &len, &s), TC_ACT_UNSPEC,
		 "SYN to 8081 from the same client port, refused");
	CHECK_EQ(stat(BPFNET_STAT_DNAT_TAKEN), 1u, "published-port flows refused");
	CHECK_EQ(container_seg(0x12, NULL, out, &len, &s), 8080, "SYN-ACK source port");

	CHECK_EQ(del_dnat_rev(), 0, "evict the 8080 flow's dnat_rev half");
	CHECK_EQ(client_seg(8081, 0x02, NULL, out, &len, &s), TC_ACT_REDIRECT,
		 "SYN to 8081, the tuple free");
	CHECK_EQ(client_seg(8080, 0x10, NULL, out, &len, &s), TC_ACT_UNSPEC,
		 "the 8080 flow's ACK, cut");
	CHECK_EQ(stat(BPFNET_STAT_DNAT_TAKEN), 2u, "published-port flows refused or cut");
	CHECK_EQ(container_seg(0x12, NULL, out, &len, &s), 8081,
		 "SYN-ACK source port (the 8081 flow's)");
}

/* Age the published-port flow's dnat_ct entry past its expiry. */
static int expire_dnat_ct(void)
{
	struct bpfnet_flow k = { .saddr = ip4("198.51.100.2"), .daddr = ip4("198.51.100.1"),
				 .sport = htons(33333), .dport = htons(8080),
				 .proto = IPPROTO_TCP };
	int fd = bpf_map__fd(skel->maps.dnat_ct);
	struct bpfnet_ct ct;

	if (bpf_map_lookup_elem(fd, &k, &ct))
		return -errno;
	ct.expires_ns = 1;
	return bpf_map_update_elem(fd, &k, &ct, BPF_EXIST) ? -errno : 0;
}

/*
 * A client that reuses the tuple of a published-port connection whose
 * dnat_ct entry expired (still in the table: entries go only when the LRU
 * or gc takes them) connects: its handshake is a new flow, and its ACK and
 * data reach the container, exact bytes (a client closing with RST and
 * reconnecting fast reuses its ports so).
 */
static void test_dnat_tuple_reused_after_expiry(void)
{
	uint8_t out[2048], want[512];
	struct pkt_spec s;
	size_t len, wlen;

	CHECK_EQ(publish(8080, 80, IPPROTO_TCP), 0, "publish 8080:80/tcp");
	CHECK_EQ(client_seg(8080, 0x02, NULL, out, &len, &s), TC_ACT_REDIRECT, "client SYN");
	CHECK_EQ(container_seg(0x12, NULL, out, &len, &s), 8080, "SYN-ACK source port");
	CHECK_EQ(client_seg(8080, 0x10, NULL, out, &len, &s), TC_ACT_REDIRECT, "client ACK");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_PROMOTED), 1u, "flows promoted");
	CHECK_EQ(expire_dnat_ct(), 0, "expire the dnat_ct entry");

	CHECK_EQ(client_seg(8080, 0x02, NULL, out, &len, &s), TC_ACT_REDIRECT,
		 "client SYN on the reused tuple");
	CHECK_EQ(container_seg(0x12, NULL, out, &len, &s), 8080, "SYN-ACK source port");
	CHECK_EQ(client_seg(8080, 0x10, NULL, out, &len, &s), TC_ACT_REDIRECT,
		 "client ACK on the reused tuple");
	CHECK_EQ(client_seg(8080, 0x18, "GET /", out, &len, &s), TC_ACT_REDIRECT,
		 "client data on the reused tuple");
	wlen = want_in(want, s, "172.19.0.2", 80, mac_c1);
	CHECK_MEM(out, want, wlen, "the client's data, delivered to 172.19.0.2:80");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_PROMOTED), 2u, "flows promoted");
}

/*
 * One FIN leaves the flow established with the half-closed lifetime
 * (5 min, not 10 s), from either side; the second FIN starts the 10 s.
 */
static void test_tcp_half_close(void)
{
	uint8_t out[2048];
	struct pkt_spec s;
	struct bpfnet_ct ct;
	size_t len;
	__u64 t0, t1;

	CHECK_EQ(handshake(40000), 40000, "first flow");
	s = tcp_out(40000, 0x11, 1001, 5001);
	t0 = mono_ns();
	CHECK_EQ(run_spec(skel->progs.uplink_egress, &s, out, &len), TC_ACT_OK, "container FIN");
	t1 = mono_ns();
	CHECK_EXPIRES("172.19.0.2", "198.51.100.2", 40000, 80, IPPROTO_TCP, t0, t1, 300,
		      "after the container's FIN");
	CHECK_EQ(lookup_ct("172.19.0.2", "198.51.100.2", 40000, 80, IPPROTO_TCP, &ct), 0,
		 "conntrack entry");
	CHECK_EQ(ct.state, BPFNET_CT_ESTABLISHED, "state, half closed");
	s = tcp_in(40000, 0x11, 5001, 1002);
	t0 = mono_ns();
	CHECK_EQ(run_spec(skel->progs.uplink_ingress, &s, out, &len), TC_ACT_REDIRECT,
		 "remote FIN");
	t1 = mono_ns();
	CHECK_EXPIRES("172.19.0.2", "198.51.100.2", 40000, 80, IPPROTO_TCP, t0, t1, 10,
		      "after both FINs");

	CHECK_EQ(handshake(40001), 40001, "second flow");
	s = tcp_in(40001, 0x11, 5001, 1001);
	t0 = mono_ns();
	CHECK_EQ(run_spec(skel->progs.uplink_ingress, &s, out, &len), TC_ACT_REDIRECT,
		 "remote FIN first");
	t1 = mono_ns();
	CHECK_EXPIRES("172.19.0.2", "198.51.100.2", 40001, 80, IPPROTO_TCP, t0, t1, 300,
		      "after the remote's FIN");
	s = tcp_out(40001, 0x11, 1001, 5002);
	t0 = mono_ns();
	CHECK_EQ(run_spec(skel->progs.uplink_egress, &s, out, &len), TC_ACT_OK, "container FIN");
	t1 = mono_ns();
	CHECK_EXPIRES("172.19.0.2", "198.51.100.2", 40001, 80, IPPROTO_TCP, t0, t1, 10,
		      "after both FINs, the other order");
}

/*
 * An RST far from what the other side acknowledged (a blind one) leaves
 * the established flow as it was, from either side; one at the
 * acknowledged sequence number closes it (10 s). The RSTs are delivered
 * all the same: the endpoints judge them.
 */
static void test_tcp_rst_window(void)
{
	uint8_t out[2048];
	struct pkt_spec s;
	struct bpfnet_ct ct;
	size_t len;
	__u64 t0, t1;

	CHECK_EQ(handshake(40000), 40000, "the flow");
	s = tcp_in(40000, 0x04, 5001 + 50000000, 0);
	CHECK_EQ(run_spec(skel->progs.uplink_ingress, &s, out, &len), TC_ACT_REDIRECT,
		 "remote RST, out of window");
	s = tcp_out(40000, 0x04, 1001 + 50000000, 0);
	CHECK_EQ(run_spec(skel->progs.uplink_egress, &s, out, &len), TC_ACT_OK,
		 "container RST, out of window");
	CHECK_EQ(lookup_ct("172.19.0.2", "198.51.100.2", 40000, 80, IPPROTO_TCP, &ct), 0,
		 "conntrack entry");
	CHECK_EQ(ct.state, BPFNET_CT_ESTABLISHED, "state after RSTs out of window");
	CHECK_GT(ct.expires_ns, mono_ns() + 21000 * 1000000000ULL,
		 "expires_ns after RSTs out of window (hours away still)");
	s = tcp_in(40000, 0x04, 5001 + 1000, 0);
	t0 = mono_ns();
	CHECK_EQ(run_spec(skel->progs.uplink_ingress, &s, out, &len), TC_ACT_REDIRECT,
		 "remote RST, in window");
	t1 = mono_ns();
	CHECK_EQ(lookup_ct("172.19.0.2", "198.51.100.2", 40000, 80, IPPROTO_TCP, &ct), 0,
		 "conntrack entry");
	CHECK_EQ(ct.state, BPFNET_CT_CLOSING, "state after an RST in window");
	CHECK_EXPIRES("172.19.0.2", "198.51.100.2", 40000, 80, IPPROTO_TCP, t0, t1, 10,
		      "after an RST in window");
}

static int write_ct(const struct bpfnet_ct *ct)
{
	struct bpfnet_flow k = { .saddr = ip4("172.19.0.2"), .daddr = ip4("198.51.100.2"),
				 .sport = htons(40000), .dport = htons(80),
				 .proto = IPPROTO_TCP };

	return bpf_map_update_elem(bpf_map__fd(skel->maps.conntrack), &k, ct, BPF_EXIST) ?
	       -errno : 0;
}

/*
 * Point 9: a packet that changes nothing leaves the entry's expiry alone
 * when it would gain less than a second, and the acknowledgement number
 * alone when it moved less than 64 KiB; more, and both are refreshed.
 */
static void test_expiry_refreshed_once_a_second(void)
{
	const __u64 est = 21600 * 1000000000ULL;
	uint8_t out[2048];
	struct pkt_spec s = tcp_out(40000, 0x10, 1001, 5001 + 1000);
	struct bpfnet_ct ct;
	__u64 t0, t1, set;
	size_t len;

	CHECK_EQ(handshake(40000), 40000, "the flow");
	CHECK_EQ(lookup_ct("172.19.0.2", "198.51.100.2", 40000, 80, IPPROTO_TCP, &ct), 0,
		 "conntrack entry");
	set = mono_ns() + est - 200000000ULL;	/* as if refreshed 200 ms ago */
	ct.expires_ns = set;
	CHECK_EQ(write_ct(&ct), 0, "write the entry back");
	CHECK_EQ(run_spec(skel->progs.uplink_egress, &s, out, &len), TC_ACT_OK, "an ACK");
	CHECK_EQ(lookup_ct("172.19.0.2", "198.51.100.2", 40000, 80, IPPROTO_TCP, &ct), 0,
		 "conntrack entry");
	CHECK_EQ(ct.expires_ns, set, "expires_ns, not rewritten");
	CHECK_EQ(ct.ack_orig, 5001u, "ack_orig, not rewritten for 1000 bytes");
	CHECK_EQ(ct.packets, 4u, "packets, counted");

	ct.expires_ns = mono_ns() + est - 5000000000ULL;	/* 5 s ago */
	CHECK_EQ(write_ct(&ct), 0, "write the entry back");
	s.tcp_ack = 5001 + 100000;
	t0 = mono_ns();
	CHECK_EQ(run_spec(skel->progs.uplink_egress, &s, out, &len), TC_ACT_OK, "an ACK");
	t1 = mono_ns();
	CHECK_EXPIRES("172.19.0.2", "198.51.100.2", 40000, 80, IPPROTO_TCP, t0, t1, 21600,
		      "refreshed after 5 s");
	CHECK_EQ(lookup_ct("172.19.0.2", "198.51.100.2", 40000, 80, IPPROTO_TCP, &ct), 0,
		 "conntrack entry");
	CHECK_EQ(ct.ack_orig, 5001u + 100000, "ack_orig, rewritten for 100,000 bytes");
}

/* A flow's entry in one table (map), by its original tuple. */
static int lookup_in(struct bpf_map *map, const char *src, const char *dst,
		     uint16_t sport, uint16_t dport, struct bpfnet_ct *ct)
{
	struct bpfnet_flow k = { .saddr = ip4(src), .daddr = ip4(dst),
				 .sport = htons(sport), .dport = htons(dport),
				 .proto = IPPROTO_TCP };

	return bpf_map_lookup_elem(bpf_map__fd(map), &k, ct) ? -errno : 0;
}

/*
 * bpfnet flows' age: a flow's entry records when its first packet made it
 * (created_ns, the clock of bpf_ktime_get_ns), and keeps it through its
 * promotion to the main tables and every later packet; masqueraded and
 * published alike.
 */
static void test_created_ns_kept(void)
{
	struct pkt_spec s = tcp_out(40000, 0x02, 1000, 0), sp;
	uint8_t out[2048];
	struct bpfnet_ct ct;
	__u64 t0, t1, made;
	size_t len;
	int port;

	t0 = mono_ns();
	CHECK_EQ(run_spec(skel->progs.uplink_egress, &s, out, &len), TC_ACT_OK, "a SYN");
	t1 = mono_ns();
	port = ntohs(((struct tcphdr *)l4_of(out))->source);
	CHECK_EQ(lookup_in(skel->maps.ct_new, "172.19.0.2", "198.51.100.2", 40000, 80, &ct), 0,
		 "ct_new entry of the SYN");
	CHECK_GE(ct.created_ns, t0, "created_ns of the masqueraded flow, at its SYN");
	CHECK_LE(ct.created_ns, t1, "created_ns of the masqueraded flow, at its SYN");
	made = ct.created_ns;
	usleep(20000);
	s = tcp_in((uint16_t)port, 0x12, 5000, 1001);
	CHECK_EQ(run_spec(skel->progs.uplink_ingress, &s, out, &len), TC_ACT_REDIRECT, "SYN-ACK");
	s = tcp_out(40000, 0x10, 1001, 5001);
	CHECK_EQ(run_spec(skel->progs.uplink_egress, &s, out, &len), TC_ACT_OK, "ACK");
	CHECK_EQ(lookup_in(skel->maps.conntrack, "172.19.0.2", "198.51.100.2", 40000, 80, &ct),
		 0, "conntrack entry, promoted");
	CHECK_EQ(ct.created_ns, made, "created_ns, kept by the promotion and later packets");
	CHECK_EQ(ct.packets, 3u, "packets of the flow");

	CHECK_EQ(publish(8080, 80, IPPROTO_TCP), 0, "publish 8080:80/tcp");
	t0 = mono_ns();
	CHECK_EQ(client_seg(8080, 0x02, NULL, out, &len, &sp), TC_ACT_REDIRECT, "client's SYN");
	t1 = mono_ns();
	CHECK_EQ(lookup_in(skel->maps.dnat_ct_new, "198.51.100.2", "198.51.100.1", 33333, 8080,
			   &ct), 0, "dnat_ct_new entry of the SYN");
	CHECK_GE(ct.created_ns, t0, "created_ns of the published-port flow, at its SYN");
	CHECK_LE(ct.created_ns, t1, "created_ns of the published-port flow, at its SYN");
	made = ct.created_ns;
	usleep(20000);
	CHECK_EQ(container_seg(0x12, NULL, out, &len, &sp), 8080, "container's SYN-ACK");
	CHECK_EQ(client_seg(8080, 0x10, NULL, out, &len, &sp), TC_ACT_REDIRECT, "client's ACK");
	CHECK_EQ(lookup_in(skel->maps.dnat_ct, "198.51.100.2", "198.51.100.1", 33333, 8080, &ct),
		 0, "dnat_ct entry, promoted");
	CHECK_EQ(ct.created_ns, made, "created_ns, kept by the promotion and later packets");
}

static void teardown(void)
{
	dp_release();
}

static const struct check_test tests[] = {
	CHECK_TEST(test_snat_reply_half_lost_same_port),
	CHECK_TEST(test_snat_forward_half_lost_reply_heals),
	CHECK_TEST(test_snat_forward_half_lost_own_port),
	CHECK_TEST(test_snat_new_flow_forward_half_lost),
	CHECK_TEST(test_snat_tuple_never_shared),
	CHECK_TEST(test_stale_reverse_entry_not_used),
	CHECK_TEST(test_dnat_reverse_half_lost),
	CHECK_TEST(test_dnat_forward_half_lost),
	CHECK_TEST(test_dnat_tuple_never_shared),
	CHECK_TEST(test_dnat_tuple_reused_after_expiry),
	CHECK_TEST(test_tcp_half_close),
	CHECK_TEST(test_tcp_rst_window),
	CHECK_TEST(test_expiry_refreshed_once_a_second),
	CHECK_TEST(test_created_ns_kept),
};

int main(int argc, char **argv)
{
	static const struct check_fixture fx = { setup, teardown };

	return dp_main(argc, argv, "flows", tests, CHECK_NTESTS(tests), &fx);
}
