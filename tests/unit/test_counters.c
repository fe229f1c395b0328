// SPDX-License-Identifier: GPL-2.0
/*
 * Packet tests of the per-container counters (endpoint_stats, issue 15):
 * every packet the datapath translates or forwards itself for a container
 * is counted once against it (its published ports' traffic, neighbours,
 * other IP protocols included), with the packet's IP length as bytes. Same harness as test_datapath (dp.h): a fresh object
 * per test, so every counter starts at zero and its exact value is known.
 *
 *   172.19.0.2:40000  --SNAT-->  198.51.100.1   ----  198.51.100.2:80
 *   172.19.0.2:80    <--DNAT--   198.51.100.1:8080 <-- 198.51.100.2:33333
 *   172.19.0.2:44444  --hairpin, 172.19.0.1:5353-->  172.19.0.2:53
 */
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

#include "dp.h"

/* The container's counters, summed over the CPUs; -errno when it has none. */
static int ep_counters(const char *addr, struct bpfnet_ep_stats *sum)
{
	int n = libbpf_num_possible_cpus();
	struct bpfnet_ep_stats v[256];
	__be32 key = ip4(addr);

	memset(sum, 0, sizeof(*sum));
	if (n < 1 || n > 256)
		return -EINVAL;
	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.endpoint_stats), &key, v))
		return -errno;
	for (int i = 0; i < n; i++) {
		sum->tx_packets += v[i].tx_packets;
		sum->tx_bytes += v[i].tx_bytes;
		sum->rx_packets += v[i].rx_packets;
		sum->rx_bytes += v[i].rx_bytes;
		sum->drops += v[i].drops;
	}
	return 0;
}

/* The counters of 172.19.0.2 are exactly these. */
#define CHECK_COUNTERS(txp, txb, rxp, rxb, what)                              \
	CHECK_COUNTERS_OF("172.19.0.2", txp, txb, rxp, rxb, what)

/* The counters of the container at addr are exactly these. */
#define CHECK_COUNTERS_OF(addr, txp, txb, rxp, rxb, what)                     \
	do {                                                                  \
		struct bpfnet_ep_stats ___s;                                  \
		CHECK_EQ(ep_counters(addr, &___s), 0,                         \
			 "counters of " addr ": " what);                      \
		CHECK_EQ(___s.tx_packets, (__u64)(txp), "tx_packets: " what); \
		CHECK_EQ(___s.tx_bytes, (__u64)(txb), "tx_bytes: " what);     \
		CHECK_EQ(___s.rx_packets, (__u64)(rxp), "rx_packets: " what); \
		CHECK_EQ(___s.rx_bytes, (__u64)(rxb), "rx_bytes: " what);     \
		CHECK_EQ(___s.drops, 0u, "drops: " what);                     \
	} while (0)

/*
 * A client's request to 198.51.100.1:8080 and the container's answer: one
 * packet received, one sent. The answer is routed by the stack in this
 * namespace (no route), so from_container leaves it untranslated and
 * uncounted, and uplink_egress translates and counts it: once.
 */
static void test_published_port_counted(void)
{
	uint8_t in[256], out[2048];
	struct pkt_spec s = in_spec(IPPROTO_TCP, 33333, 8080);
	__u32 olen;
	size_t len;

	CHECK_EQ(publish(8080, 80, IPPROTO_TCP), 0, "publish 8080:80/tcp");
	s.tcp_flags = 0x02;
	s.payload = "GET /";
	s.plen = 5;
	len = build_pkt(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_IP4(ip_of(out)->daddr, "172.19.0.2", "destination (DNAT)");
	CHECK_COUNTERS(0, 0, 1, 20 + 20 + 5, "after the client's SYN");

	s = out_spec(IPPROTO_TCP, 80, 33333);
	s.tcp_flags = 0x12;
	s.payload = "200 OK";
	s.plen = 6;
	len = build_pkt(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	CHECK_COUNTERS(0, 0, 1, 45, "the answer left to the stack, not counted yet");
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	CHECK_IP4(ip_of(out)->saddr, "198.51.100.1", "source (the published address)");
	CHECK_COUNTERS(1, 20 + 20 + 6, 1, 45, "after the container's answer");

	/* the client's ACK: a second packet in, nothing more out */
	s = in_spec(IPPROTO_TCP, 33333, 8080);
	s.tcp_flags = 0x10;
	s.tcp_seq = 1001;
	len = build_pkt(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_COUNTERS(1, 46, 2, 45 + 40, "after the client's ACK");
	CHECK_EQ(stat(BPFNET_STAT_DNAT_PKTS), 2u, "packets to the published port");
	CHECK_EQ(stat(BPFNET_STAT_DNAT_REPLIES), 1u, "answers of the published container");
}

/*
 * The container reaches its own published port through the gateway: its
 * question is sent and received by it, and so is its answer. Each packet
 * is counted once each way: 2 sent, 2 received.
 */
static void test_hairpin_counted(void)
{
	uint8_t in[256], out[2048];
	struct pkt_spec s = out_spec(IPPROTO_UDP, 44444, 5353);
	__u32 olen;
	size_t len;

	CHECK_EQ(publish(5353, 53, IPPROTO_UDP), 0, "publish 5353:53/udp");
	s.dst = "172.19.0.1";
	s.payload = "q";
	s.plen = 1;
	len = build_pkt(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_IP4(ip_of(out)->daddr, "172.19.0.2", "destination (the container itself)");
	CHECK_COUNTERS(1, 20 + 8 + 1, 1, 29, "after the question");

	s = out_spec(IPPROTO_UDP, 53, 44444);
	s.dst = "172.19.0.1";
	s.payload = "an";
	s.plen = 2;
	len = build_pkt(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_EQ(ntohs(((struct udphdr *)l4_of(out))->source), 5353,
		 "source port of the answer (the published one)");
	CHECK_COUNTERS(2, 29 + 30, 2, 29 + 30, "after the answer");
	CHECK_EQ(stat(BPFNET_STAT_HAIRPIN), 2u, "hairpin packets");
}

/* A masqueraded flow, as before: the SYN out and the SYN-ACK back. */
static void test_masquerade_counted(void)
{
	uint8_t in[256], out[2048];
	struct pkt_spec s = out_spec(IPPROTO_TCP, 40000, 80);
	__u32 olen;
	size_t len;

	s.tcp_flags = 0x02;
	len = build_pkt(in, &s);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	CHECK_COUNTERS(1, 40, 0, 0, "after the SYN");
	s = in_spec(IPPROTO_TCP, 80, 40000);
	s.tcp_flags = 0x12;
	s.payload = "hi";
	s.plen = 2;
	len = build_pkt(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_COUNTERS(1, 40, 1, 42, "after the SYN-ACK");
}

/* A neighbour, reached straight through its veth peer: sent and received. */
static void test_neighbour_counted(void)
{
	uint8_t in[256], out[2048];
	struct pkt_spec s = out_spec(IPPROTO_UDP, 40000, 53);
	__u32 olen;
	size_t len;

	CHECK_EQ(add_neighbour(), 0, "write endpoint 172.19.0.3");
	s.dst = "172.19.0.3";
	s.payload = "abc";
	s.plen = 3;
	len = build_pkt(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_EQ(stat(BPFNET_STAT_FAST_L2), 1u, "neighbour deliveries");
	CHECK_COUNTERS(1, 20 + 8 + 3, 0, 0, "the sender");
	CHECK_COUNTERS_OF("172.19.0.3", 0, 0, 1, 31, "the neighbour");
}

/* GRE, masqueraded by address: the packet out and the remote's answer. */
static void test_other_protocol_counted(void)
{
	uint8_t in[256], out[2048];
	struct pkt_spec s = out_spec(47, 0, 0);	/* GRE: 8 bytes after IP */
	__u32 olen;
	size_t len;

	len = build_pkt(in, &s);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	CHECK_IP4(ip_of(out)->saddr, "198.51.100.1", "source (masqueraded)");
	CHECK_COUNTERS(1, 28, 0, 0, "after the GRE packet out");
	s = in_spec(47, 0, 0);
	s.payload = "xy";
	s.plen = 2;
	len = build_pkt(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_IP4(ip_of(out)->daddr, "172.19.0.2", "the answer's destination");
	CHECK_COUNTERS(1, 28, 1, 30, "after the remote's answer");
}

/* Nobody's published port: no container is counted. */
static void test_unpublished_not_counted(void)
{
	uint8_t in[256], out[2048];
	struct pkt_spec s = in_spec(IPPROTO_TCP, 33333, 8081);
	struct bpfnet_ep_stats sum;
	__u32 olen;
	size_t len;

	CHECK_EQ(publish(8080, 80, IPPROTO_TCP), 0, "publish 8080:80/tcp");
	s.tcp_flags = 0x02;
	len = build_pkt(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_UNSPEC);
	CHECK_EQ(ep_counters("172.19.0.2", &sum), -ENOENT,
		 "counters of 172.19.0.2 (none made)");
}

static void teardown(void)
{
	dp_release();
}

static const struct check_test tests[] = {
	CHECK_TEST(test_published_port_counted),
	CHECK_TEST(test_hairpin_counted),
	CHECK_TEST(test_masquerade_counted),
	CHECK_TEST(test_neighbour_counted),
	CHECK_TEST(test_other_protocol_counted),
	CHECK_TEST(test_unpublished_not_counted),
};

int main(int argc, char **argv)
{
	static const struct check_fixture fx = { setup, teardown };

	return dp_main(argc, argv, "counters", tests, CHECK_NTESTS(tests), &fx);
}
