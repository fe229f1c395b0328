// SPDX-License-Identifier: GPL-2.0
/*
 * Packet tests of flood resistance (issue 12, point 6): a flow that got no
 * answer lives in the new-flow tables (ct_new/rev_nat_new,
 * dnat_ct_new/dnat_rev_new) and is promoted to the main ones once proven
 * two-way, so a flood of unanswered flows larger than every table never
 * evicts an established one. Same harness as test_flows (dp.h), but each
 * test loads the object with small tables, so the floods stay short:
 *
 *   main tables (conntrack, rev_nat, dnat_ct, dnat_rev)       MAIN entries
 *   new-flow tables (ct_new, rev_nat_new, dnat_ct_new, ...)   NEW entries
 *   a flood                                                    FLOOD flows
 *
 *   172.19.0.2:40000 --SNAT--> 198.51.100.1:40000 ---- 198.51.100.2:80
 *   172.19.0.2:80   <--DNAT--  198.51.100.1:8080  <--- 198.51.100.2:33333
 *   container -> 203.0.113-126.x:53, or 203.0.x.y -> 8080: the flood
 */
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

#include "dp.h"
#include "tables.h"

#define MAIN 1024
#define NEW 4096
#define FLOOD 6000	/* more than MAIN + NEW */

/* Runs prog on the frame s describes: its verdict, or -1000 if it did not run. */
static struct pkt_spec seg(struct pkt_spec s, uint8_t flags, uint32_t seq,
			   uint32_t ack, const char *data)
{
	s.tcp_flags = flags;
	s.tcp_seq = seq;
	s.tcp_ack = ack;
	s.payload = data;
	s.plen = data ? strlen(data) : 0;
	return s;
}

/* The object with MAIN-entry main tables and NEW-entry new-flow tables. */
static void setup_small(void)
{
	int err;

	skel = bpfnet_bpf__open();
	if (!skel) {
		check_fail(__FILE__, __LINE__, "bpfnet_bpf__open()", "got NULL (%s)",
			   strerror(errno));
		return;
	}
	err = bpf_map__set_max_entries(skel->maps.conntrack, MAIN) ||
	      bpf_map__set_max_entries(skel->maps.rev_nat, MAIN) ||
	      bpf_map__set_max_entries(skel->maps.dnat_ct, MAIN) ||
	      bpf_map__set_max_entries(skel->maps.dnat_rev, MAIN) ||
	      bpf_map__set_max_entries(skel->maps.ct_new, NEW) ||
	      bpf_map__set_max_entries(skel->maps.rev_nat_new, NEW) ||
	      bpf_map__set_max_entries(skel->maps.dnat_ct_new, NEW) ||
	      bpf_map__set_max_entries(skel->maps.dnat_rev_new, NEW);
	CHECK_EQ(err, 0, "bpf_map__set_max_entries");
	CHECK_EQ(bpfnet_bpf__load(skel), 0, "bpfnet_bpf__load");
	setup_net();
}

static void teardown(void)
{
	bpfnet_bpf__destroy(skel);
	skel = NULL;
}

static int count_entries(struct bpf_map *map)
{
	struct bpfnet_flow k, next;
	void *prev = NULL;
	int n = 0;

	while (!bpf_map_get_next_key(bpf_map__fd(map), prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

/* Is there an entry for src:sport -> dst:dport in map? */
static int has_flow(struct bpf_map *map, const char *src, const char *dst,
		    uint16_t sport, uint16_t dport, uint8_t proto)
{
	struct bpfnet_flow k = { .saddr = ip4(src), .daddr = ip4(dst),
				 .sport = htons(sport), .dport = htons(dport),
				 .proto = proto };
	struct bpfnet_ct ct;

	return !bpf_map_lookup_elem(bpf_map__fd(map), &k, &ct);
}

/* The n-th flooding address, 203.0.113.1 on. */
static const char *flood_addr(int i, char *buf, size_t size)
{
	snprintf(buf, size, "203.0.%d.%d", 113 + i / 250, 1 + i % 250);
	return buf;
}

/* FLOOD datagrams from the container to as many remotes, never answered:
 * the ones not translated. */
static int flood_out(void)
{
	struct pkt_spec s = out_spec(IPPROTO_UDP, 0, 53);
	uint8_t out[2048];
	int fails = 0;
	char dst[32];
	size_t len;

	for (int i = 0; i < FLOOD; i++) {
		s.dst = flood_addr(i, dst, sizeof(dst));
		s.sport = (uint16_t)(1024 + i % 240);
		if (run_spec(skel->progs.uplink_egress, &s, out, &len) != TC_ACT_OK ||
		    ip_of(out)->saddr != ip4("198.51.100.1"))
			fails++;
	}
	return fails;
}

/*
 * FLOOD spoofed connections to 8080 (published as 172.19.0.2:80): each a
 * SYN, the container's SYN-ACK to it, and a blind ACK (it never saw the
 * SYN-ACK, so it acknowledges the wrong number). The SYNs not delivered.
 */
static int flood_syn(void)
{
	struct pkt_spec c = out_spec(IPPROTO_TCP, 80, 0), s = in_spec(IPPROTO_TCP, 0, 8080);
	uint8_t out[2048];
	int fails = 0;
	char src[32];
	size_t len;

	for (int i = 0; i < FLOOD; i++) {
		s.src = flood_addr(i, src, sizeof(src));
		s.sport = (uint16_t)(10000 + i);
		c.dst = s.src;
		c.dport = s.sport;
		s = seg(s, 0x02, 7000, 0, NULL);
		if (run_spec(skel->progs.uplink_ingress, &s, out, &len) != TC_ACT_REDIRECT)
			fails++;
		c = seg(c, 0x12, 3000, 7001, NULL);
		/* no route here: the stack takes it, the uplink egress answers */
		run_spec(skel->progs.from_container, &c, out, &len);
		run_spec(skel->progs.uplink_egress, &c, out, &len);
		s = seg(s, 0x10, 7001, 123456, NULL);
		run_spec(skel->progs.uplink_ingress, &s, out, &len);
	}
	return fails;
}

/* 172.19.0.2:sport -> 198.51.100.2:80 through its handshake: the port it got. */
static int snat_handshake(uint16_t sport)
{
	struct pkt_spec o = out_spec(IPPROTO_TCP, sport, 80), s;
	uint8_t out[2048];
	size_t len;
	int port;

	s = seg(o, 0x02, 1000, 0, NULL);
	if (run_spec(skel->progs.uplink_egress, &s, out, &len) != TC_ACT_OK)
		return -1;
	port = ntohs(((struct tcphdr *)l4_of(out))->source);
	s = seg(in_spec(IPPROTO_TCP, 80, (uint16_t)port), 0x12, 5000, 1001, NULL);
	if (run_spec(skel->progs.uplink_ingress, &s, out, &len) != TC_ACT_REDIRECT)
		return -2;
	s = seg(o, 0x10, 1001, 5001, NULL);
	if (run_spec(skel->progs.uplink_egress, &s, out, &len) != TC_ACT_OK)
		return -3;
	return port;
}

/*
 * An established masqueraded connection, idle through a flood of FLOOD
 * new flows (more than conntrack and ct_new together): the server's next
 * segment still reaches the container, and the container's answer still
 * leaves with the same port, exact bytes both ways.
 */
static void test_snat_established_survives_flood(void)
{
	uint8_t out[2048], want[512];
	struct pkt_spec s;
	size_t len, wlen;

	CHECK_EQ(snat_handshake(40000), 40000, "the connection's translated port");
	CHECK_EQ(has_flow(skel->maps.conntrack, "172.19.0.2", "198.51.100.2", 40000, 80,
			  IPPROTO_TCP), 1, "conntrack entry of the answered connection");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_PROMOTED), 1u, "flows promoted");
	CHECK_EQ(flood_out(), 0, "flood flows not translated");
	CHECK_EQ(has_flow(skel->maps.ct_new, "172.19.0.2", "203.0.113.1", 1024, 53,
			  IPPROTO_UDP), 0, "the first flood flow, evicted from ct_new");
	CHECK_EQ(count_entries(skel->maps.conntrack), 1, "conntrack entries (the connection)");
	CHECK_EQ(count_entries(skel->maps.rev_nat), 1, "rev_nat entries (the connection)");

	s = seg(in_spec(IPPROTO_TCP, 80, 40000), 0x18, 5001, 1001, "pushed");
	CHECK_EQ(run_spec(skel->progs.uplink_ingress, &s, out, &len), TC_ACT_REDIRECT,
		 "verdict of uplink_ingress for the server's segment");
	wlen = want_in(want, s, "172.19.0.2", 40000, mac_c1);
	CHECK_EQ(len, wlen, "frame length");
	CHECK_MEM(out, want, wlen, "the server's segment, delivered to 172.19.0.2:40000");
	s = seg(out_spec(IPPROTO_TCP, 40000, 80), 0x18, 1001, 5007, "ok");
	CHECK_EQ(run_spec(skel->progs.uplink_egress, &s, out, &len), TC_ACT_OK,
		 "verdict of uplink_egress for the container's answer");
	wlen = want_out(want, s, "198.51.100.1", 40000);
	CHECK_MEM(out, want, wlen, "the answer, from 198.51.100.1:40000");
}

/* 198.51.100.2:33333 -> 198.51.100.1:8080, flags and acknowledgement: the verdict. */
static int client_seg(uint8_t flags, uint32_t ack, const char *data, uint8_t *out,
		      size_t *len, struct pkt_spec *sp)
{
	*sp = seg(in_spec(IPPROTO_TCP, 33333, 8080), flags, 1000, ack, data);
	return run_spec(skel->progs.uplink_ingress, sp, out, len);
}

/*
 * 172.19.0.2:80 -> 198.51.100.2:33333: the verdict of from_container; a
 * reply it leaves to the stack (no fast route here) then meets the uplink
 * egress, as it would, which translates it.
 */
static int container_seg(uint8_t flags, uint32_t ack, const char *data, uint8_t *out,
			 size_t *len, struct pkt_spec *sp)
{
	int rc;

	*sp = seg(out_spec(IPPROTO_TCP, 80, 33333), flags, 3000, ack, data);
	rc = run_spec(skel->progs.from_container, sp, out, len);
	if (rc == TC_ACT_OK && run_spec(skel->progs.uplink_egress, sp, out, len) != TC_ACT_OK)
		return -1;
	return rc;
}

/*
 * An established connection to a published port, idle through a flood of
 * FLOOD spoofed connections to that port, which the container answers
 * (SYN-ACK) and whose spoofed source sends blind ACKs: none is promoted,
 * the connection stays, exact bytes both ways after the flood.
 */
static void test_dnat_established_survives_flood(void)
{
	uint8_t out[2048], want[512];
	struct pkt_spec s;
	size_t len, wlen;

	CHECK_EQ(publish(8080, 80, IPPROTO_TCP), 0, "publish 8080:80/tcp");
	CHECK_EQ(client_seg(0x02, 0, NULL, out, &len, &s), TC_ACT_REDIRECT, "client SYN");
	CHECK_EQ(container_seg(0x12, 1001, NULL, out, &len, &s), TC_ACT_OK, "SYN-ACK");
	CHECK_EQ(has_flow(skel->maps.dnat_ct, "198.51.100.2", "198.51.100.1", 33333, 8080,
			  IPPROTO_TCP), 0, "dnat_ct entry before the client's ACK");
	CHECK_EQ(client_seg(0x10, 3001, NULL, out, &len, &s), TC_ACT_REDIRECT, "client ACK");
	CHECK_EQ(has_flow(skel->maps.dnat_ct, "198.51.100.2", "198.51.100.1", 33333, 8080,
			  IPPROTO_TCP), 1, "dnat_ct entry of the established connection");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_PROMOTED), 1u, "flows promoted");

	CHECK_EQ(flood_syn(), 0, "spoofed SYNs not delivered");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_PROMOTED), 1u, "flows promoted after the flood");
	CHECK_EQ(count_entries(skel->maps.dnat_ct), 1, "dnat_ct entries (the connection)");
	CHECK_EQ(count_entries(skel->maps.dnat_rev), 1, "dnat_rev entries (the connection)");

	CHECK_EQ(container_seg(0x18, 1001, "hello", out, &len, &s), TC_ACT_OK,
		 "the container's segment");
	wlen = want_out(want, s, "198.51.100.1", 8080);
	CHECK_MEM(out, want, wlen, "the container's segment, from 198.51.100.1:8080");
	CHECK_EQ(client_seg(0x18, 3006, "GET /", out, &len, &s), TC_ACT_REDIRECT,
		 "client data");
	wlen = want_in(want, s, "172.19.0.2", 80, mac_c1);
	CHECK_MEM(out, want, wlen, "the client's data, delivered to 172.19.0.2:80");
}

/*
 * A datagram flow from the container is new until its first reply, then
 * promoted; one nobody answers stays new. After a flood, the unanswered
 * one is gone and the answered one is kept, exact bytes both ways.
 */
static void test_snat_answered_flow_promoted(void)
{
	struct pkt_spec o = out_spec(IPPROTO_UDP, 5000, 53), s;
	uint8_t out[2048], want[512];
	size_t len, wlen;

	CHECK_EQ(run_spec(skel->progs.uplink_egress, &o, out, &len), TC_ACT_OK, "query");
	CHECK_EQ(has_flow(skel->maps.ct_new, "172.19.0.2", "198.51.100.2", 5000, 53,
			  IPPROTO_UDP), 1, "ct_new entry of the query");
	o.sport = 6000;
	CHECK_EQ(run_spec(skel->progs.uplink_egress, &o, out, &len), TC_ACT_OK,
		 "a query nobody answers");
	s = in_spec(IPPROTO_UDP, 53, 5000);
	CHECK_EQ(run_spec(skel->progs.uplink_ingress, &s, out, &len), TC_ACT_REDIRECT,
		 "the answer");
	CHECK_EQ(has_flow(skel->maps.conntrack, "172.19.0.2", "198.51.100.2", 5000, 53,
			  IPPROTO_UDP), 1, "conntrack entry, promoted");
	CHECK_EQ(has_flow(skel->maps.ct_new, "172.19.0.2", "198.51.100.2", 5000, 53,
			  IPPROTO_UDP), 0, "ct_new entry, gone");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_PROMOTED), 1u, "flows promoted");

	CHECK_EQ(flood_out(), 0, "flood flows not translated");
	CHECK_EQ(has_flow(skel->maps.ct_new, "172.19.0.2", "198.51.100.2", 6000, 53,
			  IPPROTO_UDP), 0, "the unanswered flow, evicted");
	s.payload = "again";
	s.plen = 5;
	CHECK_EQ(run_spec(skel->progs.uplink_ingress, &s, out, &len), TC_ACT_REDIRECT,
		 "a second answer");
	wlen = want_in(want, s, "172.19.0.2", 5000, mac_c1);
	CHECK_MEM(out, want, wlen, "the second answer, delivered to 172.19.0.2:5000");
	o.sport = 5000;
	CHECK_EQ(run_spec(skel->progs.uplink_egress, &o, out, &len), TC_ACT_OK, "next query");
	wlen = want_out(want, o, "198.51.100.1", 5000);
	CHECK_MEM(out, want, wlen, "the next query, from 198.51.100.1:5000");
}

/*
 * A datagram flow to a published port is promoted when its client speaks
 * after the container's answer, not before; it then survives a flood of
 * spoofed connections, exact bytes both ways.
 */
static void test_dnat_answered_flow_promoted(void)
{
	struct pkt_spec c = in_spec(IPPROTO_UDP, 33333, 5353);
	struct pkt_spec r = out_spec(IPPROTO_UDP, 53, 33333);
	uint8_t out[2048], want[512];
	size_t len, wlen;

	CHECK_EQ(publish(5353, 53, IPPROTO_UDP), 0, "publish 5353:53/udp");
	CHECK_EQ(publish(8080, 80, IPPROTO_TCP), 0, "publish 8080:80/tcp (flooded)");
	CHECK_EQ(run_spec(skel->progs.uplink_ingress, &c, out, &len), TC_ACT_REDIRECT,
		 "the client's first datagram");
	CHECK_EQ(run_spec(skel->progs.from_container, &r, out, &len), TC_ACT_OK,
		 "the container's answer (to the stack: no fast route here)");
	CHECK_EQ(run_spec(skel->progs.uplink_egress, &r, out, &len), TC_ACT_OK,
		 "the container's answer at the uplink egress");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_PROMOTED), 0u, "flows promoted by the answer alone");
	CHECK_EQ(run_spec(skel->progs.uplink_ingress, &c, out, &len), TC_ACT_REDIRECT,
		 "the client's second datagram");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_PROMOTED), 1u, "flows promoted");
	CHECK_EQ(has_flow(skel->maps.dnat_ct, "198.51.100.2", "198.51.100.1", 33333, 5353,
			  IPPROTO_UDP), 1, "dnat_ct entry, promoted");

	CHECK_EQ(flood_syn(), 0, "spoofed SYNs not delivered");
	r.payload = "answer";
	r.plen = 6;
	CHECK_EQ(run_spec(skel->progs.from_container, &r, out, &len), TC_ACT_OK,
		 "the container's next answer (to the stack)");
	CHECK_EQ(run_spec(skel->progs.uplink_egress, &r, out, &len), TC_ACT_OK,
		 "the container's next answer at the uplink egress");
	wlen = want_out(want, r, "198.51.100.1", 5353);
	CHECK_MEM(out, want, wlen, "the answer, from 198.51.100.1:5353");
	CHECK_EQ(run_spec(skel->progs.uplink_ingress, &c, out, &len), TC_ACT_REDIRECT,
		 "the client's next datagram");
	wlen = want_in(want, c, "172.19.0.2", 53, mac_c1);
	CHECK_MEM(out, want, wlen, "the datagram, delivered to 172.19.0.2:53");
}

/*
 * A new flow never takes the translated tuple of an established one: the
 * neighbour's SYN from the same port to the same server gets another port,
 * and the server's segments to 40000 still reach 172.19.0.2.
 */
static void test_new_flow_never_takes_established_tuple(void)
{
	struct pkt_spec s = seg(out_spec(IPPROTO_TCP, 40000, 80), 0x02, 1000, 0, NULL);
	uint8_t out[2048], want[512];
	size_t len, wlen;
	int port;

	CHECK_EQ(add_neighbour(), 0, "add 172.19.0.3");
	CHECK_EQ(snat_handshake(40000), 40000, "172.19.0.2's connection");
	s.src = "172.19.0.3";
	memcpy(s.smac, mac_c3, 6);
	CHECK_EQ(run_spec(skel->progs.uplink_egress, &s, out, &len), TC_ACT_OK,
		 "172.19.0.3's SYN");
	port = ntohs(((struct tcphdr *)l4_of(out))->source);
	CHECK_NE(port, 40000, "172.19.0.3's translated port");
	s = seg(in_spec(IPPROTO_TCP, 80, 40000), 0x18, 5001, 1001, "to .2");
	CHECK_EQ(run_spec(skel->progs.uplink_ingress, &s, out, &len), TC_ACT_REDIRECT,
		 "the server's segment to 40000");
	wlen = want_in(want, s, "172.19.0.2", 40000, mac_c1);
	CHECK_MEM(out, want, wlen, "the segment, delivered to 172.19.0.2:40000");
}

/*
 * How full each table is, as `bpfnet stats` reports it: after a flood,
 * ct_new and rev_nat_new are full (and said to be), the main tables hold
 * the one answered flow and are not.
 */
static void test_table_fill_reported(void)
{
	struct table_fill t[NTABLES];
	int fds[NTABLES];

	CHECK_EQ(snat_handshake(40000), 40000, "an answered connection");
	CHECK_EQ(flood_out(), 0, "flood flows not translated");
	fds[0] = bpf_map__fd(skel->maps.conntrack);
	fds[1] = bpf_map__fd(skel->maps.rev_nat);
	fds[2] = bpf_map__fd(skel->maps.dnat_ct);
	fds[3] = bpf_map__fd(skel->maps.dnat_rev);
	fds[4] = bpf_map__fd(skel->maps.ct_new);
	fds[5] = bpf_map__fd(skel->maps.rev_nat_new);
	fds[6] = bpf_map__fd(skel->maps.dnat_ct_new);
	fds[7] = bpf_map__fd(skel->maps.dnat_rev_new);
	table_fill(fds, t);
	printf("FIGURE: after %d unanswered flows: %s %d/%u, %s %d/%u\n", FLOOD,
	       t[0].name, t[0].entries, t[0].max, t[4].name, t[4].entries, t[4].max);
	CHECK_STR(t[0].name, "conntrack", "table 0");
	CHECK_EQ(t[0].entries, 1, "conntrack entries");
	CHECK_EQ(t[0].max, (__u32)MAIN, "conntrack size");
	CHECK_EQ(table_full(&t[0]), false, "conntrack said full");
	CHECK_STR(t[4].name, "ct_new", "table 4");
	CHECK_EQ(t[4].max, (__u32)NEW, "ct_new size");
	CHECK_EQ(t[4].entries, count_entries(skel->maps.ct_new), "ct_new entries");
	CHECK_EQ(table_full(&t[4]), true, "ct_new said full");
	CHECK_EQ(table_full(&t[5]), true, "rev_nat_new said full");
	CHECK_EQ(table_full(&t[2]), false, "dnat_ct said full");
}

static const struct check_test tests[] = {
	CHECK_TEST(test_snat_established_survives_flood),
	CHECK_TEST(test_dnat_established_survives_flood),
	CHECK_TEST(test_snat_answered_flow_promoted),
	CHECK_TEST(test_dnat_answered_flow_promoted),
	CHECK_TEST(test_new_flow_never_takes_established_tuple),
	CHECK_TEST(test_table_fill_reported),
};

int main(int argc, char **argv)
{
	static const struct check_fixture fx = { setup_small, teardown };

	return dp_main(argc, argv, "flood", tests, CHECK_NTESTS(tests), &fx);
}
