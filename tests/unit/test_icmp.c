// SPDX-License-Identifier: GPL-2.0
/*
 * Packet tests of ICMP errors in every direction (issue 12, point 3):
 * errors from outside about a published port's reply reach the container,
 * errors a container sends about a published port's client datagram or a
 * masqueraded flow's reply leave translated, and errors between the two
 * containers of a hairpin flow are translated both ways. Same harness as
 * test_datapath (dp.h): a fresh object per test, every byte of the frame
 * that comes out compared with one built here from scratch, with all four
 * checksums (outer IP, ICMP, quoted IP, quoted L4) computed independently.
 *
 *                 203.0.113.1 (a router on the way)
 *                        |
 *   198.51.100.2 ---- 198.51.100.1 (uplink) ---- 172.19.0.1 (bridge)
 *   (client, remote)      8080 -> 172.19.0.2:80/tcp      |
 *                         5353 -> 172.19.0.2:53/udp   172.19.0.2 (c1), 172.19.0.3 (c2)
 */
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dp.h"

#ifndef ICMP_FRAG_NEEDED
#define ICMP_FRAG_NEEDED 4
#endif

static const uint8_t mac_c2[6] = { 0x02, 0x42, 172, 19, 0, 3 };

/* Runs prog on in (len bytes): its verdict, or -1000 if it did not run or changed the length. */
static int run(struct bpf_program *prog, uint8_t *in, size_t len, uint8_t *out)
{
	__u32 olen;
	int verdict;

	if (prog_run(prog, in, len, out, &olen, &verdict) || olen != len)
		return -1000;
	return verdict;
}

/*
 * An ICMP error (type/code, rest of header: the MTU for "fragmentation
 * needed") from src to dst, source MAC smac, quoting the first quote bytes
 * (0: all) of the packet q describes. The frame's length.
 */
static size_t build_err(uint8_t *buf, const char *src, const char *dst,
			const uint8_t *smac, uint8_t type, uint8_t code, uint16_t mtu,
			const struct pkt_spec *q, size_t quote)
{
	struct pkt_spec s = { .src = src, .dst = dst, .proto = IPPROTO_ICMP,
			      .icmp_type = type };
	uint8_t inner[600];
	struct icmphdr *ic;
	size_t qlen = build_ip(inner, q);

	memcpy(s.smac, smac, 6);
	s.payload = inner;
	s.plen = quote && quote < qlen ? quote : qlen;
	build_pkt(buf, &s);
	ic = l4_of(buf);
	ic->code = code;
	ic->un.gateway = 0;
	ic->un.frag.mtu = htons(mtu);
	ic->checksum = 0;
	ic->checksum = htons(fold(sum16(ic, l4_len(buf), 0)));
	return ETH_HLEN + ntohs(ip_of(buf)->tot_len);
}

/* The frame as bpf_redirect_peer hands it to container mac: TTL one less. */
static void as_delivered(uint8_t *f, const uint8_t *mac)
{
	struct iphdr *ip = ip_of(f);

	memcpy(f, mac, 6);
	memcpy(f + 6, mac_bridge, 6);
	ip->ttl--;
	ip->check = 0;
	ip->check = htons(fold(sum16(ip, sizeof(*ip), 0)));
}

/* The frame as the datapath forwards it out (MACs are bpf_redirect_neigh's): TTL one less. */
static void as_forwarded(uint8_t *f)
{
	struct iphdr *ip = ip_of(f);

	ip->ttl--;
	ip->check = 0;
	ip->check = htons(fold(sum16(ip, sizeof(*ip), 0)));
}

/*
 * All four checksums of an ICMP error frame, each against its value
 * computed here (the quoted L4 one only when quoted whole).
 */
#define CHECK_ERR_CSUMS(f)                                                   \
	do {                                                                 \
		struct iphdr *___q = (struct iphdr *)((uint8_t *)l4_of(f) + 8); \
		size_t ___ql = l4_len(f) - 8 - 20;                           \
		CHECK_CSUMS(ip_of(f), l4_of(f), l4_len(f));                  \
		CHECK_IP_CSUM(___q);                                         \
		if (___ql >= ntohs(___q->tot_len) - 20u)                     \
			CHECK_EQ(l4_csum_got(___q, (uint8_t *)___q + 20),    \
				 l4_csum_want(___q, (uint8_t *)___q + 20,    \
					      ntohs(___q->tot_len) - 20u),   \
				 "quoted L4 checksum");                      \
	} while (0)

/* The container's TCP segment to a client of 8080:80, as it left the host. */
static struct pkt_spec published_tcp(const char *src, uint16_t sport)
{
	static const char data[100] = "a segment too big for a hop on the way";
	struct pkt_spec s = { .src = src, .dst = "198.51.100.2", .proto = IPPROTO_TCP,
			      .sport = sport, .dport = 33333, .tcp_flags = 0x18,
			      .tcp_seq = 5001, .tcp_ack = 1001,
			      .payload = data, .plen = sizeof(data) };

	return s;
}

/*
 * (a) A client of 8080:80/tcp behind a hop with a smaller MTU: the router
 * answers the container's segment (as it left: 198.51.100.1:8080 ->
 * client) with "fragmentation needed", MTU 1280. The error reaches the
 * container, addressed to it and quoting the segment as the container
 * sent it (172.19.0.2:80); every byte and checksum as built here. Quoted
 * whole (as Linux quotes), then as a router quoting only 8 bytes of TCP
 * (no TCP checksum quoted).
 */
static void test_published_frag_needed_reaches_container(void)
{
	uint8_t in[1024], out[2048], want[1024];
	struct pkt_spec syn = in_spec(IPPROTO_TCP, 33333, 8080);
	struct pkt_spec q = published_tcp("198.51.100.1", 8080);
	struct pkt_spec qc = published_tcp("172.19.0.2", 80);
	size_t len, wlen;

	CHECK_EQ(publish(8080, 80, IPPROTO_TCP), 0, "publish 8080:80/tcp");
	syn.tcp_flags = 0x02;
	len = build_pkt(in, &syn);
	CHECK_EQ(run(skel->progs.uplink_ingress, in, len, out), TC_ACT_REDIRECT,
		 "verdict of uplink_ingress for the client's SYN");

	len = build_err(in, "203.0.113.1", "198.51.100.1", mac_bridge, ICMP_DEST_UNREACH,
			ICMP_FRAG_NEEDED, 1280, &q, 0);
	CHECK_EQ(run(skel->progs.uplink_ingress, in, len, out), TC_ACT_REDIRECT,
		 "verdict of uplink_ingress for the error");
	wlen = build_err(want, "203.0.113.1", "172.19.0.2", mac_bridge, ICMP_DEST_UNREACH,
			 ICMP_FRAG_NEEDED, 1280, &qc, 0);
	as_delivered(want, mac_c1);
	CHECK_EQ(len, wlen, "frame length");
	CHECK_ERR_CSUMS(out);
	CHECK_MEM(out, want, wlen, "the error, as the container must get it");
	CHECK_EQ(stat(BPFNET_STAT_ICMP_ERR_XLATED), 1u, "ICMP errors translated");

	len = build_err(in, "203.0.113.1", "198.51.100.1", mac_bridge, ICMP_DEST_UNREACH,
			ICMP_FRAG_NEEDED, 1280, &q, 28);
	CHECK_EQ(run(skel->progs.uplink_ingress, in, len, out), TC_ACT_REDIRECT,
		 "verdict of uplink_ingress for the error quoting 8 bytes of TCP");
	wlen = build_err(want, "203.0.113.1", "172.19.0.2", mac_bridge, ICMP_DEST_UNREACH,
			 ICMP_FRAG_NEEDED, 1280, &qc, 28);
	as_delivered(want, mac_c1);
	CHECK_ERR_CSUMS(out);
	CHECK_MEM(out, want, wlen, "the error quoting 8 bytes of TCP, as the container must get it");
	CHECK_EQ(stat(BPFNET_STAT_ICMP_ERR_XLATED), 2u, "ICMP errors translated");

	/* about no flow (another client): not this network's */
	q.dport = 44444;
	len = build_err(in, "203.0.113.1", "198.51.100.1", mac_bridge, ICMP_DEST_UNREACH,
			ICMP_FRAG_NEEDED, 1280, &q, 0);
	CHECK_EQ(run(skel->progs.uplink_ingress, in, len, out), TC_ACT_UNSPEC,
		 "verdict of uplink_ingress for an error about no flow");
	CHECK_MEM(out, in, len, "the error about no flow, unchanged");
}

/* The namespace the tests run in, while a test runs in one of its own. */
static int outer_netns = -1;

static int sh(const char *cmd)
{
	int st = system(cmd);

	return st == -1 ? -errno : WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/*
 * A namespace of the test's own with the host's links as veth pairs, so
 * that the FIB lookups find the uplink: br0 172.19.0.1/16 (the bridge,
 * forwarding), up0 198.51.100.1/24 (the uplink). net_config names both.
 */
static int host_links(void)
{
	struct bpfnet_cfg c;
	__u32 zero = 0;
	int err;

	outer_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (outer_netns < 0 || unshare(CLONE_NEWNET))
		return -errno;
	err = sh("set -e\n"
		 "ip link add br0 type veth peer name br1\n"
		 "ip link add up0 type veth peer name up1\n"
		 "for l in br0 br1 up0 up1; do ip link set $l up; done\n"
		 "ip addr add 172.19.0.1/16 dev br0\n"
		 "ip addr add 198.51.100.1/24 dev up0\n"
		 "echo 1 > /proc/sys/net/ipv4/conf/br0/forwarding\n");
	if (err)
		return err;
	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.net_config), &zero, &c))
		return -errno;
	c.bridge_ifindex = if_nametoindex("br0");
	c.uplink_ifindex = if_nametoindex("up0");
	if (!c.bridge_ifindex || !c.uplink_ifindex)
		return -ENODEV;
	return bpf_map_update_elem(bpf_map__fd(skel->maps.net_config), &zero, &c, 0) ? -errno : 0;
}

/* The client's datagram to 5353:53/udp, as the container got it (dst) or it was sent. */
static struct pkt_spec client_udp(const char *dst, uint16_t dport)
{
	struct pkt_spec s = { .src = "198.51.100.2", .dst = dst, .proto = IPPROTO_UDP,
			      .sport = 40000, .dport = dport,
			      .payload = "a question", .plen = 10 };

	return s;
}

/*
 * (b) A client's datagram to 5353:53/udp, published with no listener: the
 * container answers "port unreachable" quoting 198.51.100.2:40000 ->
 * 172.19.0.2:53. It leaves as the client must see it: from 198.51.100.1,
 * quoting its datagram as sent (to 198.51.100.1:5353). Through
 * from_container straight to the uplink (TTL one less), and, as the stack
 * would route it, through uplink_egress.
 */
static void test_published_port_unreachable_leaves_translated(void)
{
	uint8_t in[1024], out[2048], want[1024];
	struct pkt_spec d = client_udp("198.51.100.1", 5353);
	struct pkt_spec qc = client_udp("172.19.0.2", 53);
	size_t len, wlen;

	CHECK_EQ(host_links(), 0, "links, addresses and net_config of the host");
	CHECK_EQ(publish(5353, 53, IPPROTO_UDP), 0, "publish 5353:53/udp");
	len = build_pkt(in, &d);
	CHECK_EQ(run(skel->progs.uplink_ingress, in, len, out), TC_ACT_REDIRECT,
		 "verdict of uplink_ingress for the client's datagram");

	len = build_err(in, "172.19.0.2", "198.51.100.2", mac_c1, ICMP_DEST_UNREACH,
			ICMP_PORT_UNREACH, 0, &qc, 0);
	wlen = build_err(want, "198.51.100.1", "198.51.100.2", mac_c1, ICMP_DEST_UNREACH,
			 ICMP_PORT_UNREACH, 0, &d, 0);
	CHECK_EQ(run(skel->progs.uplink_egress, in, len, out), TC_ACT_OK,
		 "verdict of uplink_egress");
	CHECK_ERR_CSUMS(out);
	CHECK_MEM(out, want, wlen, "the error, as the client must get it (by the stack)");
	CHECK_EQ(stat(BPFNET_STAT_ICMP_ERR_XLATED), 1u, "ICMP errors translated");

	CHECK_EQ(run(skel->progs.from_container, in, len, out), TC_ACT_REDIRECT,
		 "verdict of from_container");
	as_forwarded(want);
	CHECK_ERR_CSUMS(out);
	CHECK_MEM(out, want, wlen, "the error, as the client must get it (redirected)");
	CHECK_EQ(stat(BPFNET_STAT_ICMP_ERR_XLATED), 2u, "ICMP errors translated");
	CHECK_EQ(stat(BPFNET_STAT_FAST_OUT), 1u, "packets redirected to the uplink");

	/* about no flow: never out with the container's address */
	qc.sport = 40001;
	len = build_err(in, "172.19.0.2", "198.51.100.2", mac_c1, ICMP_DEST_UNREACH,
			ICMP_PORT_UNREACH, 0, &qc, 0);
	CHECK_EQ(run(skel->progs.uplink_egress, in, len, out), TC_ACT_SHOT,
		 "verdict of uplink_egress for an error about no flow");
}

/*
 * (b) A masqueraded flow 172.19.0.2:6000 -> 198.51.100.2:53 (given port
 * 20000 by --snat-ports 20000-20000): the remote's answer comes back, and
 * the container answers it with "time exceeded" quoting 198.51.100.2:53 ->
 * 172.19.0.2:6000. It leaves as the remote must see it: from 198.51.100.1,
 * quoting its answer as sent (to 198.51.100.1:20000).
 */
static void test_masqueraded_flow_error_leaves_translated(void)
{
	uint8_t in[1024], out[2048], want[1024];
	struct pkt_spec s = out_spec(IPPROTO_UDP, 6000, 53);
	struct pkt_spec r = { .src = "198.51.100.2", .dst = "198.51.100.1",
			      .proto = IPPROTO_UDP, .sport = 53, .dport = 20000,
			      .payload = "an answer", .plen = 9 };
	struct pkt_spec rc = r;
	size_t len, wlen;

	CHECK_EQ(host_links(), 0, "links, addresses and net_config of the host");
	CHECK_EQ(set_snat_range(20000, 20000), 0, "--snat-ports 20000-20000");
	len = build_pkt(in, &s);
	CHECK_EQ(run(skel->progs.uplink_egress, in, len, out), TC_ACT_OK,
		 "verdict of uplink_egress for the container's datagram");
	CHECK_EQ(ntohs(((struct udphdr *)l4_of(out))->source), 20000, "translated port");
	len = build_pkt(in, &r);
	CHECK_EQ(run(skel->progs.uplink_ingress, in, len, out), TC_ACT_REDIRECT,
		 "verdict of uplink_ingress for the answer");

	rc.dst = "172.19.0.2";
	rc.dport = 6000;
	len = build_err(in, "172.19.0.2", "198.51.100.2", mac_c1, ICMP_TIME_EXCEEDED,
			0, 0, &rc, 0);
	wlen = build_err(want, "198.51.100.1", "198.51.100.2", mac_c1, ICMP_TIME_EXCEEDED,
			 0, 0, &r, 0);
	CHECK_EQ(run(skel->progs.uplink_egress, in, len, out), TC_ACT_OK,
		 "verdict of uplink_egress");
	CHECK_ERR_CSUMS(out);
	CHECK_MEM(out, want, wlen, "the error, as the remote must get it (by the stack)");
	CHECK_EQ(run(skel->progs.from_container, in, len, out), TC_ACT_REDIRECT,
		 "verdict of from_container");
	as_forwarded(want);
	CHECK_ERR_CSUMS(out);
	CHECK_MEM(out, want, wlen, "the error, as the remote must get it (redirected)");
	CHECK_EQ(stat(BPFNET_STAT_ICMP_ERR_XLATED), 2u, "ICMP errors translated");
}

/* c2 (172.19.0.3), on the same host veth as c1 here (test runs come in on lo). */
static int add_c2(void)
{
	struct bpfnet_endpoint ep = { .host_ifindex = 1 };
	__be32 a = ip4("172.19.0.3");

	memcpy(ep.mac, mac_c2, 6);
	return bpf_map_update_elem(bpf_map__fd(skel->maps.endpoints), &a, &ep, 0);
}

/* A datagram from src:40000 to dst:dport, sent by the container with MAC smac. */
static struct pkt_spec udp_from(const char *src, const char *dst, uint16_t sport,
				uint16_t dport, const uint8_t *smac)
{
	struct pkt_spec s = { .src = src, .dst = dst, .proto = IPPROTO_UDP,
			      .sport = sport, .dport = dport,
			      .payload = "a question", .plen = 10 };

	memcpy(s.smac, smac, 6);
	return s;
}

/*
 * (c) Hairpin: c2 sends to 198.51.100.1:5353, published by c1 with no
 * listener. c1's "port unreachable" (172.19.0.2 -> 172.19.0.3, quoting
 * 172.19.0.3:40000 -> 172.19.0.2:53) reaches c2 as from 198.51.100.1,
 * quoting c2's datagram as sent. And the other way: c2's "port
 * unreachable" about a datagram from the published port (198.51.100.1:5353
 * -> 172.19.0.3:40000) reaches c1 from c2, quoting 172.19.0.2:53.
 */
static void test_hairpin_port_unreachable(void)
{
	uint8_t in[1024], out[2048], want[1024];
	struct pkt_spec d = udp_from("172.19.0.3", "198.51.100.1", 40000, 5353, mac_c2);
	struct pkt_spec qc = udp_from("172.19.0.3", "172.19.0.2", 40000, 53, mac_c2);
	struct pkt_spec a = udp_from("198.51.100.1", "172.19.0.3", 5353, 40000, mac_c1);
	struct pkt_spec ac = udp_from("172.19.0.2", "172.19.0.3", 53, 40000, mac_c1);
	size_t len, wlen;

	CHECK_EQ(publish(5353, 53, IPPROTO_UDP), 0, "publish 5353:53/udp");
	CHECK_EQ(add_c2(), 0, "endpoint 172.19.0.3");
	len = build_pkt(in, &d);
	CHECK_EQ(run(skel->progs.from_container, in, len, out), TC_ACT_REDIRECT,
		 "verdict of from_container for c2's datagram (hairpin)");
	CHECK_IP4(ip_of(out)->daddr, "172.19.0.2", "c2's datagram, to c1");

	len = build_err(in, "172.19.0.2", "172.19.0.3", mac_c1, ICMP_DEST_UNREACH,
			ICMP_PORT_UNREACH, 0, &qc, 0);
	CHECK_EQ(run(skel->progs.from_container, in, len, out), TC_ACT_REDIRECT,
		 "verdict of from_container for c1's error");
	wlen = build_err(want, "198.51.100.1", "172.19.0.3", mac_c1, ICMP_DEST_UNREACH,
			 ICMP_PORT_UNREACH, 0, &d, 0);
	as_delivered(want, mac_c2);
	CHECK_ERR_CSUMS(out);
	CHECK_MEM(out, want, wlen, "c1's error, as c2 must get it");

	len = build_err(in, "172.19.0.3", "198.51.100.1", mac_c2, ICMP_DEST_UNREACH,
			ICMP_PORT_UNREACH, 0, &a, 0);
	CHECK_EQ(run(skel->progs.from_container, in, len, out), TC_ACT_REDIRECT,
		 "verdict of from_container for c2's error");
	wlen = build_err(want, "172.19.0.3", "172.19.0.2", mac_c2, ICMP_DEST_UNREACH,
			 ICMP_PORT_UNREACH, 0, &ac, 0);
	as_delivered(want, mac_c1);
	CHECK_ERR_CSUMS(out);
	CHECK_MEM(out, want, wlen, "c2's error, as c1 must get it");
	CHECK_EQ(stat(BPFNET_STAT_ICMP_ERR_XLATED), 2u, "ICMP errors translated");
}

/*
 * (c) c1 to its own published port: it reaches itself from the gateway
 * (172.19.0.1:40000 -> 172.19.0.2:53). Its "port unreachable" to the
 * gateway comes back to it from 198.51.100.1, quoting its datagram as it
 * sent it (172.19.0.2:40000 -> 198.51.100.1:5353).
 */
static void test_hairpin_self_port_unreachable(void)
{
	uint8_t in[1024], out[2048], want[1024];
	struct pkt_spec d = udp_from("172.19.0.2", "198.51.100.1", 40000, 5353, mac_c1);
	struct pkt_spec qc = udp_from("172.19.0.1", "172.19.0.2", 40000, 53, mac_c1);
	size_t len, wlen;

	CHECK_EQ(publish(5353, 53, IPPROTO_UDP), 0, "publish 5353:53/udp");
	len = build_pkt(in, &d);
	CHECK_EQ(run(skel->progs.from_container, in, len, out), TC_ACT_REDIRECT,
		 "verdict of from_container for c1's datagram (hairpin)");
	CHECK_IP4(ip_of(out)->saddr, "172.19.0.1", "c1's datagram, from the gateway");

	len = build_err(in, "172.19.0.2", "172.19.0.1", mac_c1, ICMP_DEST_UNREACH,
			ICMP_PORT_UNREACH, 0, &qc, 0);
	CHECK_EQ(run(skel->progs.from_container, in, len, out), TC_ACT_REDIRECT,
		 "verdict of from_container for the error");
	wlen = build_err(want, "198.51.100.1", "172.19.0.2", mac_c1, ICMP_DEST_UNREACH,
			 ICMP_PORT_UNREACH, 0, &d, 0);
	as_delivered(want, mac_c1);
	CHECK_ERR_CSUMS(out);
	CHECK_MEM(out, want, wlen, "the error, as c1 must get it");
	CHECK_EQ(stat(BPFNET_STAT_ICMP_ERR_XLATED), 1u, "ICMP errors translated");
}

static void teardown(void)
{
	dp_release();
	if (outer_netns < 0)
		return;
	if (setns(outer_netns, CLONE_NEWNET))
		printf("  setns back to the tests' namespace: %s\n", strerror(errno));
	close(outer_netns);
	outer_netns = -1;
}

static const struct check_test tests[] = {
	CHECK_TEST(test_published_frag_needed_reaches_container),
	CHECK_TEST(test_published_port_unreachable_leaves_translated),
	CHECK_TEST(test_masqueraded_flow_error_leaves_translated),
	CHECK_TEST(test_hairpin_port_unreachable),
	CHECK_TEST(test_hairpin_self_port_unreachable),
};

int main(int argc, char **argv)
{
	static const struct check_fixture fx = { setup, teardown };

	return dp_main(argc, argv, "icmp", tests, CHECK_NTESTS(tests), &fx);
}
