// SPDX-License-Identifier: GPL-2.0
/*
 * Packet tests of NAT46 (nat46.h): an IPv4-only container published on
 * IPv6 ("[::]:8080:80"), reached from outside over IPv6. Exact frames
 * both ways, each checksum computed here from scratch (pkt.h, pkt6.h).
 *
 *   172.19.0.2 (container, MAC 02:42:ac:13:00:02, no IPv6 address)
 *        |  from_container: its replies to the gateway made IPv6
 *   [bridge 172.19.0.1]  (no --subnet6: net_config6 disabled)
 *        |
 *   up0 2001:db8:100::1 (uplink) ---- 2001:db8:100::2 (client)
 *        |  uplink_ingress: IPv6 to [::]:8080 made IPv4, to 172.19.0.2:80,
 *        |  from 172.19.0.1 and a port of the gateway's
 */
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpfnet_shared.h"
#include "bpfnet.skel.h"
#include "check.h"
#include "dp.h"
#include "pkt.h"
#include "pkt6.h"

#define CLIENT "2001:db8:100::2"
#define UPLINK6 "2001:db8:100::1"

static int outer_netns = -1;

/*
 * A namespace of the test's own with the uplink up0 (2001:db8:100::1/64,
 * a veth), named in net_config; net_config6 disabled (no --subnet6) but
 * holding the uplink's IPv6 address, as the hook writes it.
 */
static int nat46_world(void)
{
	struct bpfnet_cfg6 c6 = { .uplink_addr = in6(UPLINK6) };
	struct bpfnet_cfg c;
	__u32 zero = 0;
	int st;

	outer_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (outer_netns < 0 || unshare(CLONE_NEWNET))
		return -errno;
	st = system("set -e\n"
		    "ip link add up0 type veth peer name up1\n"
		    "ip link set up0 up; ip link set up1 up\n"
		    "ip -6 addr add " UPLINK6 "/64 dev up0 nodad\n");
	if (st)
		return -EIO;
	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.net_config), &zero, &c))
		return -errno;
	c.uplink_ifindex = if_nametoindex("up0");
	if (!c.uplink_ifindex ||
	    bpf_map_update_elem(bpf_map__fd(skel->maps.net_config), &zero, &c, 0) ||
	    bpf_map_update_elem(bpf_map__fd(skel->maps.net_config6), &zero, &c6, 0))
		return -errno;
	return set_ep_flags("172.19.0.2", BPFNET_EP_PUBLISHED);
}

static void teardown46(void)
{
	dp_release();
	if (outer_netns < 0)
		return;
	if (setns(outer_netns, CLONE_NEWNET))
		printf("  setns back to the tests' namespace: %s\n", strerror(errno));
	close(outer_netns);
	outer_netns = -1;
}

/* [host]:hport/proto published for 172.19.0.2:cport (::ffff:172.19.0.2). */
static int add_pm46(const char *host, uint16_t hport, uint8_t proto, uint16_t cport)
{
	struct bpfnet_pm6_key k = { .host_addr = in6(host), .host_port = htons(hport),
				    .proto = proto };
	struct bpfnet_pm6_val v = { .caddr = in6("::ffff:172.19.0.2"),
				    .cport = htons(cport) };

	return bpf_map_update_elem(bpf_map__fd(skel->maps.port_maps6), &k, &v, 0);
}

/* The nat46_ct entry of the client's flow from sport to dport. */
static int lookup_nat46(uint16_t sport, uint16_t dport, uint8_t proto,
			struct bpfnet_nat46 *v)
{
	struct bpfnet_flow6 k = { .saddr = in6(CLIENT), .daddr = in6(UPLINK6),
				  .sport = htons(sport), .dport = htons(dport),
				  .proto = proto };

	return bpf_map_lookup_elem(bpf_map__fd(skel->maps.nat46_ct), &k, v);
}

/*
 * The IPv4 frame the container must get for s: built from scratch, then
 * the header as the translation writes it (identification 0, DF, TTL the
 * hop limit less one) and its checksum computed again.
 */
static size_t want_ip4(uint8_t *buf, const struct pkt_spec *s, uint8_t ttl)
{
	size_t len = build_pkt(buf, s);
	struct iphdr *ip = (struct iphdr *)(buf + ETH_HLEN);

	memcpy(buf, mac_c1, 6);
	ip->id = 0;
	ip->frag_off = htons(0x4000);
	ip->ttl = ttl;
	ip->check = 0;
	ip->check = htons(fold(sum16(ip, sizeof(*ip), 0)));
	return len;
}

/* Runs prog on in: the run works and its verdict is want; *olen set. */
#define RUN46(prog, in, len, out, olen, want)                                \
	do {                                                                 \
		int ___v = -1;                                               \
		int ___e = prog_run(skel->progs.prog, (in), (len), (out),    \
				    (olen), &___v);                          \
		if (!run_is(__FILE__, __LINE__, #prog, ___e, ___v, (want)))  \
			return;                                              \
	} while (0)

/*
 * One exchange: the client's IPv6 packet c in, the container's IPv4 answer
 * back with payload body; both exact. The gateway port the flow got: *gw.
 */
static void exchange46(struct pkt6_spec c, uint16_t cport, const char *body,
		       uint16_t *gw, const char *what)
{
	uint8_t in[512], out[2048], want[512];
	struct pkt_spec s = { .src = "172.19.0.1", .dst = "172.19.0.2",
			      .proto = c.proto, .dport = cport,
			      .tcp_flags = c.tcp_flags, .payload = c.body,
			      .plen = c.blen };
	struct bpfnet_nat46 v;
	size_t len, wlen;
	__u32 olen;

	*gw = 0;
	len = build_pkt6(in, &c);
	RUN46(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_EQ(lookup_nat46(c.sport, c.dport, c.proto, &v), 0, "nat46_ct entry");
	CHECK_EQ(v.ct.nat_addr, ip4("172.19.0.2"), "its container address");
	CHECK_EQ(ntohs(v.ct.nat_port), cport, "its container port");
	CHECK_EQ(v.ct.hairpin_addr, ip4("172.19.0.1"), "the source it is given");
	CHECK_GE(ntohs(v.gw_port), 1024, "gateway port within --snat-ports");
	*gw = ntohs(v.gw_port);
	s.sport = *gw;
	memcpy(s.smac, mac_bridge, 6);
	wlen = want_ip4(want, &s, 63);
	CHECK_EQ(olen, (__u32)wlen, "IPv4 length (20 bytes less)");
	CHECK_MEM(out, want, wlen, what);

	/* the answer: IPv4 from 172.19.0.2:cport to the gateway's port */
	s = (struct pkt_spec){ .src = "172.19.0.2", .dst = "172.19.0.1",
			       .proto = c.proto, .sport = cport, .dport = *gw,
			       .tcp_flags = c.proto == IPPROTO_TCP ? 0x12 : 0,
			       .payload = body, .plen = strlen(body) };
	memcpy(s.smac, mac_c1, 6);
	len = build_pkt(in, &s);
	RUN46(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	c = (struct pkt6_spec){ .src = UPLINK6, .dst = CLIENT, .proto = c.proto,
				.sport = c.dport, .dport = c.sport, .hop_limit = 63,
				.tcp_flags = s.tcp_flags, .body = body,
				.blen = strlen(body) };
	wlen = build_pkt6(want, &c);
	CHECK_EQ(olen, (__u32)wlen, "IPv6 length (20 bytes more)");
	CHECK_MEM(out + 12, want + 12, wlen - 12,
		  "ethertype, IPv6 header, L4 header and checksum, payload (answer)");
}

/*
 * TCP: a SYN over IPv6 to [2001:db8:100::1]:8080 (a port of every address)
 * reaches 172.19.0.2:80 as an IPv4 SYN from the gateway, byte for byte;
 * the SYN-ACK leaves as IPv6 from [2001:db8:100::1]:8080. A later segment
 * of the flow takes the same gateway port. A SYN to a port published
 * nowhere, and the container's packet to another gateway port, are left
 * as they are.
 */
static void test_nat46_tcp(void)
{
	struct pkt6_spec c = { .src = CLIENT, .dst = UPLINK6, .proto = IPPROTO_TCP,
			       .sport = 40000, .dport = 8080, .tcp_flags = 0x02,
			       .body = "hello", .blen = 5 };
	uint8_t in[256], out[2048];
	uint16_t gw, gw2;
	size_t len;
	__u32 olen;

	CHECK_EQ(nat46_world(), 0, "the uplink, net_config and net_config6");
	CHECK_EQ(add_pm46("::", 8080, IPPROTO_TCP, 80), 0, "write port_maps6 (every address)");
	exchange46(c, 80, "world", &gw, "the SYN in, as IPv4");
	c.tcp_flags = 0x10;	/* the client's ACK: the same flow */
	exchange46(c, 80, "more", &gw2, "a segment in, as IPv4");
	CHECK_EQ(gw2, gw, "the flow keeps its gateway port");

	c.dport = 8081;
	c.tcp_flags = 0x02;
	len = build_pkt6(in, &c);
	RUN46(uplink_ingress, in, len, out, &olen, TC_ACT_UNSPEC);
	CHECK_EQ(olen, (__u32)len, "length of a SYN to a port published nowhere");
	CHECK_MEM(out, in, len, "a SYN to a port published nowhere, unchanged");
	CHECK_ALL_STATS([BPFNET_STAT_DNAT_FLOWS] = 1, [BPFNET_STAT_DNAT_PKTS] = 2,
		       [BPFNET_STAT_DNAT_REPLIES] = 2, [BPFNET_STAT_FAST_IN] = 2,
		       [BPFNET_STAT_FAST_OUT] = 2);
}

/*
 * UDP: a datagram to [2001:db8:100::1]:5353 (a port of that one address)
 * reaches 172.19.0.2:53 with its checksum moved to the IPv4 pseudo header;
 * the answer leaves as IPv6, its checksum moved back. A hop limit of 9
 * becomes TTL 8, and the answer's TTL 64 hop limit 63.
 */
static void test_nat46_udp(void)
{
	struct pkt6_spec c = { .src = CLIENT, .dst = UPLINK6, .proto = IPPROTO_UDP,
			       .sport = 5000, .dport = 5353, .body = "question",
			       .blen = 8 };
	uint8_t in[256], out[2048], want[256];
	struct pkt_spec s = { .src = "172.19.0.1", .dst = "172.19.0.2",
			      .proto = IPPROTO_UDP, .dport = 53, .payload = "question",
			      .plen = 8 };
	uint16_t gw;
	size_t len, wlen;
	__u32 olen;

	CHECK_EQ(nat46_world(), 0, "the uplink, net_config and net_config6");
	CHECK_EQ(add_pm46(UPLINK6, 5353, IPPROTO_UDP, 53), 0, "write port_maps6 (one address)");
	exchange46(c, 53, "answer", &gw, "the datagram in, as IPv4");

	c.sport = 5001;
	c.hop_limit = 9;
	len = build_pkt6(in, &c);
	RUN46(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	memcpy(s.smac, mac_bridge, 6);
	s.sport = ntohs(*(__be16 *)(out + ETH_HLEN + 20));
	wlen = want_ip4(want, &s, 8);
	CHECK_EQ(olen, (__u32)wlen, "IPv4 length");
	CHECK_MEM(out, want, wlen, "a datagram with hop limit 9: TTL 8");
	CHECK_NE(s.sport, gw, "another client port, another gateway port");
	CHECK_ALL_STATS([BPFNET_STAT_DNAT_FLOWS] = 2, [BPFNET_STAT_DNAT_PKTS] = 2,
		       [BPFNET_STAT_DNAT_REPLIES] = 1, [BPFNET_STAT_FAST_IN] = 2,
		       [BPFNET_STAT_FAST_OUT] = 1);
}

/*
 * What is not a NAT46 flow's stays as it is: the container's packet to
 * a gateway port no flow holds goes to the stack, and with an entry for
 * an IPv6 container (no IPv4-mapped address) nothing is translated here.
 */
static void test_nat46_others_untouched(void)
{
	struct pkt_spec s = { .src = "172.19.0.2", .dst = "172.19.0.1",
			      .proto = IPPROTO_TCP, .sport = 80, .dport = 33333,
			      .tcp_flags = 0x12 };
	struct pkt6_spec c = { .src = CLIENT, .dst = UPLINK6, .proto = IPPROTO_TCP,
			       .sport = 40000, .dport = 8080, .tcp_flags = 0x02 };
	struct bpfnet_pm6_key k = { .host_port = htons(8080), .proto = IPPROTO_TCP };
	struct bpfnet_pm6_val v = { .caddr = in6("fd19::2"), .cport = htons(80) };
	uint8_t in[256], out[2048];
	size_t len;
	__u32 olen;

	CHECK_EQ(nat46_world(), 0, "the uplink, net_config and net_config6");
	memcpy(s.smac, mac_c1, 6);
	len = build_pkt(in, &s);
	RUN46(from_container, in, len, out, &olen, TC_ACT_OK);
	CHECK_MEM(out, in, len, "a packet to a gateway port of no flow, unchanged");
	CHECK_EQ(bpf_map_update_elem(bpf_map__fd(skel->maps.port_maps6), &k, &v, 0), 0,
		 "write port_maps6 for an IPv6 address");
	len = build_pkt6(in, &c);
	RUN46(uplink_ingress, in, len, out, &olen, TC_ACT_UNSPEC);
	CHECK_MEM(out, in, len, "a SYN to an IPv6 container's port, not NAT46's");
	CHECK_ALL_STATS([BPFNET_STAT_PASS] = 1);
}

/*
 * The gateway's port is never one a host socket holds: with --snat-ports
 * 40000-40001 and a host listener on 40000, the flow gets 40001; with
 * 40000 alone, none: the SYN is left to the host, untranslated.
 */
static void test_nat46_skips_host_ports(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(40000) };
	struct pkt6_spec c = { .src = CLIENT, .dst = UPLINK6, .proto = IPPROTO_TCP,
			       .sport = 41000, .dport = 8080, .tcp_flags = 0x02 };
	uint8_t in[256], out[2048];
	struct bpfnet_nat46 v;
	size_t len;
	__u32 olen;
	int fd;

	CHECK_EQ(nat46_world(), 0, "the uplink, net_config and net_config6");
	CHECK_EQ(add_pm46("::", 8080, IPPROTO_TCP, 80), 0, "write port_maps6 (every address)");
	CHECK_EQ(set_snat_range(40000, 40001), 0, "--snat-ports 40000-40001");
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK_GE(fd, 0, "a host socket");
	CHECK_EQ(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "bound to port 40000");
	CHECK_EQ(listen(fd, 1), 0, "listening");
	len = build_pkt6(in, &c);
	RUN46(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_EQ(lookup_nat46(41000, 8080, IPPROTO_TCP, &v), 0, "nat46_ct entry");
	CHECK_EQ(ntohs(v.gw_port), 40001, "the gateway port: not the host's 40000");
	CHECK_EQ(set_snat_range(40000, 40000), 0, "--snat-ports 40000");
	c.sport = 41001;
	len = build_pkt6(in, &c);
	RUN46(uplink_ingress, in, len, out, &olen, TC_ACT_UNSPEC);
	close(fd);
	CHECK_MEM(out, in, len, "no port left: the SYN unchanged");
	CHECK_NE(lookup_nat46(41001, 8080, IPPROTO_TCP, &v), 0, "no nat46_ct entry");
}

static const struct check_test tests[] = {
	CHECK_TEST(test_nat46_tcp),
	CHECK_TEST(test_nat46_udp),
	CHECK_TEST(test_nat46_others_untouched),
	CHECK_TEST(test_nat46_skips_host_ports),
};

int main(int argc, char **argv)
{
	static const struct check_fixture fx = { setup, teardown46 };

	return dp_main(argc, argv, "nat46", tests, CHECK_NTESTS(tests), &fx);
}
