// SPDX-License-Identifier: GPL-2.0
/*
 * Packet tests of fragments, other IP protocols and the MTU on the fast
 * path: the BPF programs fed crafted frames through BPF_PROG_TEST_RUN,
 * the bytes that come out checked (addresses, every checksum recomputed
 * here from scratch, the reassembled datagram's UDP checksum) and the map
 * entries. Each test loads its own copy of the object (dp.h).
 *
 *   172.19.0.2 (container)  --- from_container / uplink_egress ---
 *   198.51.100.1 (uplink)   ---- 198.51.100.2 (remote)
 *                            --- uplink_ingress ---
 *
 * A datagram of 8 + 200 bytes of UDP is cut in two fragments of 104 bytes
 * of IP payload: the first carries the UDP header (its checksum covers the
 * whole datagram), the second (offset 104) none.
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

#define DG_PAYLOAD 200
#define FRAG1 104		/* IP payload bytes in the first fragment */
#define IPPROTO_GRE_ 47
#define IPPROTO_ESP_ 50

static int outer_netns = -1;

static void leave_own_netns(void)
{
	if (outer_netns < 0)
		return;
	if (setns(outer_netns, CLONE_NEWNET))
		printf("  setns back to the tests' namespace: %s\n", strerror(errno));
	close(outer_netns);
	outer_netns = -1;
}

static void teardown(void)
{
	dp_release();
	leave_own_netns();
}

static int sh(const char *cmd)
{
	int st = system(cmd);

	return st == -1 ? -errno : WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/*
 * A namespace of the test's own with the host's links (as test_datapath's
 * host_links): br0 172.19.0.1/16 forwarding, up0 198.51.100.1/24 MTU 1280;
 * net_config names them.
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
		 "ip link add up0 mtu 1280 type veth peer name up1 mtu 1280\n"
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

/* The whole UDP datagram src:sport -> dst:dport (IP header at dg); its IP length. */
static size_t datagram(uint8_t *dg, const char *src, const char *dst,
		       uint16_t sport, uint16_t dport)
{
	static uint8_t payload[DG_PAYLOAD];
	struct pkt_spec s = { .src = src, .dst = dst, .proto = IPPROTO_UDP,
			      .sport = sport, .dport = dport,
			      .payload = payload, .plen = sizeof(payload) };

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 1);
	return build_ip(dg, &s);
}

/*
 * One fragment of the datagram at dg, as a frame from smac: n bytes of its
 * IP payload from off, MF unless it is the last. Its frame length.
 */
static size_t frag_frame(uint8_t *f, const uint8_t *dg, size_t off, size_t n,
			 int more, const uint8_t *smac)
{
	struct iphdr *ip = (struct iphdr *)(f + ETH_HLEN);

	memcpy(f, mac_bridge, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memcpy(ip, dg, sizeof(*ip));
	ip->frag_off = htons((uint16_t)((more ? 0x2000 : 0) | off / 8));
	ip->tot_len = htons((uint16_t)(sizeof(*ip) + n));
	ip->check = 0;
	ip->check = htons(fold(sum16(ip, sizeof(*ip), 0)));
	memcpy(f + ETH_HLEN + sizeof(*ip), dg + sizeof(*ip) + off, n);
	return ETH_HLEN + sizeof(*ip) + n;
}

/* The datagram the two fragments (frames) make, IP header at dg. */
static void reassemble(uint8_t *dg, const uint8_t *f1, const uint8_t *f2, size_t n2)
{
	struct iphdr *ip = (struct iphdr *)dg;

	memcpy(dg, f1 + ETH_HLEN, sizeof(*ip) + FRAG1);
	memcpy(dg + sizeof(*ip) + FRAG1, f2 + ETH_HLEN + sizeof(*ip), n2);
	ip->frag_off = 0;
	ip->tot_len = htons((uint16_t)(sizeof(*ip) + FRAG1 + n2));
}

static const uint8_t no_mac[6];

/*
 * A container's datagram, fragmented by its kernel, routed by the stack to
 * the uplink: the first fragment makes the SNAT flow (port kept, the UDP
 * checksum fixed for the whole datagram), the second gets the same source
 * from frag_nat, its payload untouched (no L4 rewrite), and the datagram
 * they make verifies.
 */
static void test_fragments_out_translated(void)
{
	uint8_t dg[512], f1[512], f2[512], o1[2048], o2[2048], re[512];
	size_t dlen, l1, l2, n2;
	struct bpfnet_frag_key k = { .id = htons(0x1234), .proto = IPPROTO_UDP };
	struct bpfnet_frag_val v;
	__u32 olen;

	dlen = datagram(dg, "172.19.0.2", "198.51.100.2", 8000, 53);
	n2 = dlen - 20 - FRAG1;
	l1 = frag_frame(f1, dg, 0, FRAG1, 1, mac_c1);
	l2 = frag_frame(f2, dg, FRAG1, n2, 0, mac_c1);
	CHECK_RUN(uplink_egress, f1, l1, o1, &olen, TC_ACT_OK);
	CHECK_IP4(ip_of(o1)->saddr, "198.51.100.1", "first fragment's source");
	CHECK_EQ(ntohs(((struct udphdr *)l4_of(o1))->source), 8000, "its source port (kept)");
	CHECK_IP_CSUM(ip_of(o1));
	k.saddr = ip4("172.19.0.2");
	k.daddr = ip4("198.51.100.2");
	CHECK_EQ(bpf_map_lookup_elem(bpf_map__fd(skel->maps.frag_nat), &k, &v), 0,
		 "frag_nat entry of the datagram");
	CHECK_IP4(v.addr, "198.51.100.1", "frag_nat: the new source");
	CHECK_EQ(v.src, 1, "frag_nat: a source rewrite");

	CHECK_RUN(uplink_egress, f2, l2, o2, &olen, TC_ACT_OK);
	CHECK_IP4(ip_of(o2)->saddr, "198.51.100.1", "second fragment's source");
	CHECK_IP4(ip_of(o2)->daddr, "198.51.100.2", "second fragment's destination");
	CHECK_IP_CSUM(ip_of(o2));
	CHECK_MEM(o2 + ETH_HLEN + 20, f2 + ETH_HLEN + 20, n2, "second fragment's payload (no L4 rewrite)");
	CHECK_EQ(ntohs(ip_of(o2)->frag_off), FRAG1 / 8, "second fragment's offset");
	CHECK_EQ(stat(BPFNET_STAT_FRAG_XLATED), 1u, "later fragments translated");

	reassemble(re, o1, o2, n2);
	CHECK_EQ(l4_csum_got((struct iphdr *)re, re + 20),
		 l4_csum_want((struct iphdr *)re, re + 20, dlen - 20),
		 "UDP checksum of the reassembled datagram");
	CHECK_MEM(re + 28, dg + 28, DG_PAYLOAD, "the datagram's payload");
}

/*
 * The same on the fast path (from_container, routes of a real namespace):
 * both fragments redirected to the uplink, translated, one hop less.
 */
static void test_fragments_out_fast_path(void)
{
	uint8_t dg[512], f1[512], f2[512], o1[2048], o2[2048], re[512];
	size_t dlen, l1, l2, n2;
	__u32 olen;

	CHECK_EQ(host_links(), 0, "links, addresses and net_config of the host");
	dlen = datagram(dg, "172.19.0.2", "198.51.100.2", 8000, 53);
	n2 = dlen - 20 - FRAG1;
	l1 = frag_frame(f1, dg, 0, FRAG1, 1, mac_c1);
	l2 = frag_frame(f2, dg, FRAG1, n2, 0, mac_c1);
	CHECK_RUN(from_container, f1, l1, o1, &olen, TC_ACT_REDIRECT);
	CHECK_RUN(from_container, f2, l2, o2, &olen, TC_ACT_REDIRECT);
	CHECK_IP4(ip_of(o1)->saddr, "198.51.100.1", "first fragment's source");
	CHECK_IP4(ip_of(o2)->saddr, "198.51.100.1", "second fragment's source");
	CHECK_EQ(ip_of(o2)->ttl, 63, "second fragment's TTL (forwarded once)");
	CHECK_IP_CSUM(ip_of(o1));
	CHECK_IP_CSUM(ip_of(o2));
	CHECK_EQ(stat(BPFNET_STAT_FAST_OUT), 2u, "fragments redirected to the uplink");
	reassemble(re, o1, o2, n2);
	CHECK_EQ(l4_csum_got((struct iphdr *)re, re + 20),
		 l4_csum_want((struct iphdr *)re, re + 20, dlen - 20),
		 "UDP checksum of the reassembled datagram");
}

/* A masqueraded flow's fragmented answer (EDNS0): both to the container. */
static void test_fragmented_reply_in(void)
{
	uint8_t dg[512], f1[512], f2[512], o1[2048], o2[2048], re[512], in[256];
	struct pkt_spec s = out_spec(IPPROTO_UDP, 8000, 53);
	size_t dlen, l1, l2, n2, len;
	__u32 olen;

	len = build_pkt(in, &s);
	CHECK_RUN(uplink_egress, in, len, o1, &olen, TC_ACT_OK);	/* the query */
	dlen = datagram(dg, "198.51.100.2", "198.51.100.1", 53, 8000);
	n2 = dlen - 20 - FRAG1;
	l1 = frag_frame(f1, dg, 0, FRAG1, 1, no_mac);
	l2 = frag_frame(f2, dg, FRAG1, n2, 0, no_mac);
	CHECK_RUN(uplink_ingress, f1, l1, o1, &olen, TC_ACT_REDIRECT);
	CHECK_IP4(ip_of(o1)->daddr, "172.19.0.2", "first fragment's destination");
	CHECK_EQ(ntohs(((struct udphdr *)l4_of(o1))->dest), 8000, "its destination port");
	CHECK_RUN(uplink_ingress, f2, l2, o2, &olen, TC_ACT_REDIRECT);
	CHECK_IP4(ip_of(o2)->daddr, "172.19.0.2", "second fragment's destination");
	CHECK_IP4(ip_of(o2)->saddr, "198.51.100.2", "second fragment's source");
	CHECK_EQ(ip_of(o2)->ttl, 63, "second fragment's TTL (forwarded once)");
	CHECK_MEM(o2, mac_c1, 6, "second fragment's destination MAC (the container)");
	CHECK_IP_CSUM(ip_of(o2));
	CHECK_MEM(o2 + ETH_HLEN + 20, f2 + ETH_HLEN + 20, n2, "second fragment's payload");
	CHECK_EQ(stat(BPFNET_STAT_FRAG_XLATED), 1u, "later fragments translated");
	reassemble(re, o1, o2, n2);
	CHECK_EQ(l4_csum_got((struct iphdr *)re, re + 20),
		 l4_csum_want((struct iphdr *)re, re + 20, dlen - 20),
		 "UDP checksum of the reassembled answer");
}

/* A fragmented datagram to a published UDP port: both to the container's port. */
static void test_fragments_to_published_port(void)
{
	uint8_t dg[512], f1[512], f2[512], o1[2048], o2[2048], re[512];
	size_t dlen, l1, l2, n2;
	__u32 olen;

	CHECK_EQ(publish(5353, 53, IPPROTO_UDP), 0, "publish 5353:53/udp");
	dlen = datagram(dg, "198.51.100.2", "198.51.100.1", 40000, 5353);
	n2 = dlen - 20 - FRAG1;
	l1 = frag_frame(f1, dg, 0, FRAG1, 1, no_mac);
	l2 = frag_frame(f2, dg, FRAG1, n2, 0, no_mac);
	CHECK_RUN(uplink_ingress, f1, l1, o1, &olen, TC_ACT_REDIRECT);
	CHECK_IP4(ip_of(o1)->daddr, "172.19.0.2", "first fragment's destination");
	CHECK_EQ(ntohs(((struct udphdr *)l4_of(o1))->dest), 53, "its destination port");
	CHECK_RUN(uplink_ingress, f2, l2, o2, &olen, TC_ACT_REDIRECT);
	CHECK_IP4(ip_of(o2)->daddr, "172.19.0.2", "second fragment's destination");
	CHECK_IP_CSUM(ip_of(o2));
	reassemble(re, o1, o2, n2);
	CHECK_EQ(l4_csum_got((struct iphdr *)re, re + 20),
		 l4_csum_want((struct iphdr *)re, re + 20, dlen - 20),
		 "UDP checksum of the reassembled datagram");
}

/*
 * Later fragments whose first was never translated: leaving, dropped and
 * counted (never a private source outside); arriving, not ours to judge
 * (the next filter, the stack), unchanged.
 */
static void test_unknown_fragments(void)
{
	uint8_t dg[512], f2[512], o2[2048];
	size_t dlen, l2;
	__u32 olen;

	dlen = datagram(dg, "172.19.0.2", "198.51.100.2", 8000, 53);
	l2 = frag_frame(f2, dg, FRAG1, dlen - 20 - FRAG1, 0, mac_c1);
	CHECK_RUN(from_container, f2, l2, o2, &olen, TC_ACT_OK);
	CHECK_MEM(o2, f2, l2, "to the stack, unchanged");
	CHECK_RUN(uplink_egress, f2, l2, o2, &olen, TC_ACT_SHOT);
	CHECK_EQ(stat(BPFNET_STAT_DROP_FRAG_UNKNOWN), 1u, "unknown fragments dropped");
	CHECK_EQ(stat(BPFNET_STAT_FRAG_XLATED), 0u, "fragments translated");

	dlen = datagram(dg, "198.51.100.2", "198.51.100.1", 53, 8000);
	l2 = frag_frame(f2, dg, FRAG1, dlen - 20 - FRAG1, 0, no_mac);
	CHECK_RUN(uplink_ingress, f2, l2, o2, &olen, TC_ACT_UNSPEC);
	CHECK_MEM(o2, f2, l2, "arriving, unchanged");
}

/* An IP packet of protocol proto with 16 bytes of payload. */
static size_t raw_frame(uint8_t *f, const char *src, const char *dst, uint8_t proto,
			const uint8_t *smac)
{
	uint8_t dg[64];
	struct iphdr *ip = (struct iphdr *)dg;

	memset(dg, 0, sizeof(dg));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = proto;
	ip->id = htons(0x77);
	ip->frag_off = htons(0x4000);	/* DF */
	inet_pton(AF_INET, src, &ip->saddr);
	inet_pton(AF_INET, dst, &ip->daddr);
	for (int i = 0; i < 16; i++)
		dg[20 + i] = (uint8_t)(0xa0 + i);
	return frag_frame(f, dg, 0, 16, 0, smac);
}

/*
 * GRE and ESP from a container: the source becomes the uplink's (IP
 * checksum fixed, payload as it was), the remote's answers come back to
 * it; another container's packets to the same remote and protocol are
 * dropped while the first holds it, not to another remote.
 */
static void test_other_protocols_masqueraded(void)
{
	const uint8_t protos[] = { IPPROTO_GRE_, IPPROTO_ESP_ };
	uint8_t f[128], o[2048];
	size_t len;
	__u32 olen;

	CHECK_EQ(add_neighbour(), 0, "the neighbour 172.19.0.3");
	for (size_t i = 0; i < sizeof(protos); i++) {
		len = raw_frame(f, "172.19.0.2", "198.51.100.2", protos[i], mac_c1);
		CHECK_RUN(uplink_egress, f, len, o, &olen, TC_ACT_OK);
		CHECK_IP4(ip_of(o)->saddr, "198.51.100.1", "source (masqueraded)");
		CHECK_IP_CSUM(ip_of(o));
		CHECK_MEM(o + ETH_HLEN + 20, f + ETH_HLEN + 20, 16, "payload");

		len = raw_frame(f, "198.51.100.2", "198.51.100.1", protos[i], no_mac);
		CHECK_RUN(uplink_ingress, f, len, o, &olen, TC_ACT_REDIRECT);
		CHECK_IP4(ip_of(o)->daddr, "172.19.0.2", "reply's destination");
		CHECK_IP4(ip_of(o)->saddr, "198.51.100.2", "reply's source");
		CHECK_EQ(ip_of(o)->ttl, 63, "reply's TTL (forwarded once)");
		CHECK_MEM(o, mac_c1, 6, "reply's destination MAC (the container)");
		CHECK_IP_CSUM(ip_of(o));
		CHECK_MEM(o + ETH_HLEN + 20, f + ETH_HLEN + 20, 16, "reply's payload");

		len = raw_frame(f, "172.19.0.3", "198.51.100.2", protos[i], mac_c3);
		CHECK_RUN(uplink_egress, f, len, o, &olen, TC_ACT_SHOT);
		len = raw_frame(f, "172.19.0.3", "198.51.100.7", protos[i], mac_c3);
		CHECK_RUN(uplink_egress, f, len, o, &olen, TC_ACT_OK);
		CHECK_IP4(ip_of(o)->saddr, "198.51.100.1", "the neighbour's to another remote");
	}
	CHECK_EQ(stat(BPFNET_STAT_DROP_PROTO_TAKEN), 2u, "drops: the remote is another's");
	CHECK_EQ(stat(BPFNET_STAT_PROTO_NAT_PKTS), 6u, "packets masqueraded by address");
	/* an unknown remote's GRE is the host's own (an IPsec or GRE tunnel) */
	len = raw_frame(f, "198.51.100.9", "198.51.100.1", IPPROTO_GRE_, no_mac);
	CHECK_RUN(uplink_ingress, f, len, o, &olen, TC_ACT_UNSPEC);
	CHECK_MEM(o, f, len, "the host's own GRE, unchanged");
}

/* Runs prog on a GSO packet of segs segments of size bytes. */
static int run_gso(struct bpf_program *prog, uint8_t *in, size_t len, uint8_t *out,
		   __u32 segs, __u32 size, int *verdict)
{
	struct __sk_buff ctx = { .gso_segs = segs, .gso_size = size };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = 4096, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);

	*verdict = (int)opts.retval;
	return err;
}

/*
 * Over the MTU on the fast path, decided before anything is translated:
 * a DF datagram over the uplink's 1280 goes to the stack as it came (the
 * stack answers "fragmentation needed" from the gateway; t_nat shows it),
 * no flow made; a GSO packet whose segments exceed a route's MTU (locked
 * at 1000 towards the remote) too, while one whose segments fit leaves
 * on the fast path translated.
 */
static void test_over_mtu_left_to_stack_untranslated(void)
{
	static uint8_t big[1300 - 28], data[1840];
	uint8_t in[2200], out[4096];
	struct pkt_spec s = out_spec(IPPROTO_UDP, 7000, 53);
	struct bpfnet_ct ct;
	size_t len;
	__u32 olen;
	int v;

	CHECK_EQ(host_links(), 0, "links, addresses and net_config of the host");
	CHECK_EQ(sh("ip route replace 198.51.100.2/32 dev up0 mtu lock 1000"), 0,
		 "a route with MTU 1000");
	s.frag = 0x4000;	/* DF */
	s.payload = big;
	s.plen = sizeof(big);
	len = build_pkt(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	CHECK_MEM(out, in, len, "the DF datagram over the MTU, untranslated");
	CHECK_EQ(lookup_ct("172.19.0.2", "198.51.100.2", 7000, 53, IPPROTO_UDP, &ct), -ENOENT,
		 "no flow for it");
	CHECK_EQ(stat(BPFNET_STAT_SLOW_PATH), 1u, "packets left to the stack");

	/* TCP, 1840 bytes of data: 2 segments of 920 (960 each) or of 1100 (1140) */
	s = out_spec(IPPROTO_TCP, 7001, 80);
	s.tcp_flags = 0x10;
	s.payload = data;
	s.plen = sizeof(data);
	len = build_pkt(in, &s);
	CHECK_EQ(run_gso(skel->progs.from_container, in, len, out, 2, 1100, &v), 0, "run (GSO 1100)");
	CHECK_EQ(v, TC_ACT_OK, "verdict: segments of 1140 over the route's 1000");
	CHECK_MEM(out, in, len, "the GSO packet, untranslated");
	CHECK_EQ(run_gso(skel->progs.from_container, in, len, out, 2, 920, &v), 0, "run (GSO 920)");
	CHECK_EQ(v, TC_ACT_REDIRECT, "verdict: segments of 960 fit");
	CHECK_IP4(ip_of(out)->saddr, "198.51.100.1", "source of the one that fits");
	CHECK_EQ(stat(BPFNET_STAT_SLOW_PATH), 2u, "packets left to the stack, in the end");
}

/*
 * A published container's reply over the MTU: to the stack untranslated
 * (it used to be translated first, then punted with the host's address as
 * source, a martian there); the uplink egress translates what the stack
 * sends on (here: the reply as it came).
 */
static void test_published_reply_over_mtu_untranslated(void)
{
	static uint8_t big[1300 - 40];
	uint8_t in[1500], out[2048];
	struct pkt_spec s = in_spec(IPPROTO_TCP, 33333, 8080);
	size_t len;
	__u32 olen;

	CHECK_EQ(host_links(), 0, "links, addresses and net_config of the host");
	CHECK_EQ(publish(8080, 80, IPPROTO_TCP), 0, "publish 8080:80/tcp");
	s.tcp_flags = 0x02;
	len = build_pkt(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	s = out_spec(IPPROTO_TCP, 80, 33333);
	s.tcp_flags = 0x12;
	len = build_pkt(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_IP4(ip_of(out)->saddr, "198.51.100.1", "the small reply, translated");
	CHECK_EQ(ntohs(((struct tcphdr *)l4_of(out))->source), 8080, "from the published port");

	s.tcp_flags = 0x10;
	s.payload = big;
	s.plen = sizeof(big);
	len = build_pkt(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	CHECK_MEM(out, in, len, "the big reply, to the stack untranslated");
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	CHECK_IP4(ip_of(out)->saddr, "198.51.100.1", "translated on the uplink");
	CHECK_EQ(ntohs(((struct tcphdr *)l4_of(out))->source), 8080, "from the published port");
	CHECK_CSUMS(ip_of(out), l4_of(out), l4_len(out));
}

static const struct check_test tests[] = {
	CHECK_TEST(test_fragments_out_translated),
	CHECK_TEST(test_fragments_out_fast_path),
	CHECK_TEST(test_fragmented_reply_in),
	CHECK_TEST(test_fragments_to_published_port),
	CHECK_TEST(test_unknown_fragments),
	CHECK_TEST(test_other_protocols_masqueraded),
	CHECK_TEST(test_over_mtu_left_to_stack_untranslated),
	CHECK_TEST(test_published_reply_over_mtu_untranslated),
};

int main(int argc, char **argv)
{
	static const struct check_fixture fx = { setup, teardown };

	return dp_main(argc, argv, "frag", tests, CHECK_NTESTS(tests), &fx);
}
