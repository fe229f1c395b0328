// SPDX-License-Identifier: GPL-2.0
/*
 * Packet tests: the BPF programs, loaded for real, fed crafted packets
 * through BPF_PROG_TEST_RUN. Each checks the verdict, the bytes that came
 * out (addresses, ports, every checksum recomputed here from scratch) and
 * the map entries. Runs in a private network namespace.
 *
 *   172.19.0.2 (container, MAC 02:42:ac:13:00:02)
 *        |  from_container / uplink_egress: source NAT
 *   198.51.100.1 (uplink)  ---- 198.51.100.2 (remote)
 *        |  uplink_ingress: reverse NAT, ICMP errors
 */
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bpfnet_shared.h"
#include "bpfnet.skel.h"
#include "check.h"
#include "pkt.h"

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7

static struct bpfnet_bpf *skel;
static const uint8_t mac_c1[6] = { 0x02, 0x42, 172, 19, 0, 2 };

static __be32 ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static int run(struct bpf_program *prog, uint8_t *pkt, size_t len,
	       uint8_t *out, __u32 *out_len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt,
		    .data_size_in = (__u32)len, .data_out = out,
		    .data_size_out = 2048, .repeat = 1);
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);

	*out_len = opts.data_size_out;
	return err ? -1000 : (int)opts.retval;
}

static __u64 stat(enum bpfnet_stat k)
{
	int n = libbpf_num_possible_cpus();
	__u64 v[256] = { 0 }, sum = 0;
	__u32 key = k;

	bpf_map_lookup_elem(bpf_map__fd(skel->maps.stats), &key, v);
	for (int i = 0; i < n && i < 256; i++)
		sum += v[i];
	return sum;
}

static struct iphdr *ip_of(uint8_t *frame)
{
	return (struct iphdr *)(frame + ETH_HLEN);
}

static void *l4_of(uint8_t *frame)
{
	return frame + ETH_HLEN + ip_of(frame)->ihl * 4;
}

static size_t l4_len(uint8_t *frame)
{
	return ntohs(ip_of(frame)->tot_len) - ip_of(frame)->ihl * 4u;
}

static int setup(void)
{
	struct bpfnet_cfg c = { 0 };
	struct bpfnet_endpoint ep = { .host_ifindex = 1 };	/* lo */
	__u32 zero = 0;
	__be32 a = ip4("172.19.0.2");

	skel = bpfnet_bpf__open_and_load();
	if (!skel)
		return -1;
	c.subnet = ip4("172.19.0.0");
	c.netmask = ip4("255.255.0.0");
	c.gateway = ip4("172.19.0.1");
	c.uplink_addr = ip4("198.51.100.1");
	c.uplink_ifindex = 1;
	c.bridge_ifindex = 1;
	c.port_min = 20000;
	c.port_max = 20100;
	memcpy(c.bridge_mac, mac_bridge, 6);
	c.enabled = 1;
	memcpy(ep.mac, mac_c1, 6);
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.net_config), &zero, &c, 0) ||
	    bpf_map_update_elem(bpf_map__fd(skel->maps.endpoints), &a, &ep, 0))
		return -1;
	return 0;
}

static struct pkt_spec out_spec(uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct pkt_spec s = { .src = "172.19.0.2", .dst = "198.51.100.2",
			      .proto = proto, .sport = sport, .dport = dport };

	memcpy(s.smac, mac_c1, 6);
	return s;
}

static struct pkt_spec in_spec(uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct pkt_spec s = { .src = "198.51.100.2", .dst = "198.51.100.1",
			      .proto = proto, .sport = sport, .dport = dport };

	return s;
}

static int lookup_ct(const char *src, const char *dst, uint16_t sport,
		     uint16_t dport, uint8_t proto, struct bpfnet_ct *ct)
{
	struct bpfnet_flow k = { .saddr = ip4(src), .daddr = ip4(dst),
				 .sport = htons(sport), .dport = htons(dport),
				 .proto = proto };

	return bpf_map_lookup_elem(bpf_map__fd(skel->maps.conntrack), &k, ct);
}

static void test_tcp_snat_and_reverse(void)
{
	uint8_t in[256], out[2048];
	struct pkt_spec s = out_spec(IPPROTO_TCP, 40000, 80);
	struct bpfnet_ct ct;
	struct tcphdr *t;
	__u32 olen;
	size_t len;

	s.tcp_flags = 0x02;	/* SYN */
	s.payload = "hello";
	s.plen = 5;
	len = build_pkt(in, &s);
	CHECK(run(skel->progs.uplink_egress, in, len, out, &olen) == TC_ACT_OK);
	CHECK(olen == len);
	CHECK(ip_of(out)->saddr == ip4("198.51.100.1"));
	CHECK(ip_of(out)->daddr == ip4("198.51.100.2"));
	t = l4_of(out);
	CHECK(ntohs(t->source) == 40000);	/* a free port is kept */
	CHECK(ntohs(t->dest) == 80);
	CHECK(ip_csum_ok(ip_of(out)));
	CHECK(l4_csum_ok(ip_of(out), t, l4_len(out)));
	CHECK(memcmp(out + olen - 5, "hello", 5) == 0);
	CHECK(lookup_ct("172.19.0.2", "198.51.100.2", 40000, 80, IPPROTO_TCP, &ct) == 0);
	CHECK(ct.state == BPFNET_CT_NEW && ct.nat_port == htons(40000));

	/* SYN-ACK back: to the container, TTL one less, MACs set */
	s = in_spec(IPPROTO_TCP, 80, 40000);
	s.tcp_flags = 0x12;
	len = build_pkt(in, &s);
	CHECK(run(skel->progs.uplink_ingress, in, len, out, &olen) == TC_ACT_REDIRECT);
	CHECK(ip_of(out)->daddr == ip4("172.19.0.2"));
	CHECK(ip_of(out)->saddr == ip4("198.51.100.2"));
	CHECK(ntohs(((struct tcphdr *)l4_of(out))->dest) == 40000);
	CHECK(ip_of(out)->ttl == 63);
	CHECK(ip_csum_ok(ip_of(out)));
	CHECK(l4_csum_ok(ip_of(out), l4_of(out), l4_len(out)));
	CHECK(memcmp(out, mac_c1, 6) == 0 && memcmp(out + 6, mac_bridge, 6) == 0);

	/* ACK from the container: established; FIN: closing */
	s = out_spec(IPPROTO_TCP, 40000, 80);
	s.tcp_flags = 0x10;
	len = build_pkt(in, &s);
	CHECK(run(skel->progs.uplink_egress, in, len, out, &olen) == TC_ACT_OK);
	CHECK(lookup_ct("172.19.0.2", "198.51.100.2", 40000, 80, IPPROTO_TCP, &ct) == 0);
	CHECK(ct.state == BPFNET_CT_ESTABLISHED && ct.seen_reply);
	s.tcp_flags = 0x11;
	len = build_pkt(in, &s);
	CHECK(run(skel->progs.uplink_egress, in, len, out, &olen) == TC_ACT_OK);
	CHECK(lookup_ct("172.19.0.2", "198.51.100.2", 40000, 80, IPPROTO_TCP, &ct) == 0);
	CHECK(ct.state == BPFNET_CT_CLOSING);
	CHECK(ct.packets == 4);
}

static void test_udp_checksum_and_zero(void)
{
	uint8_t in[256], out[2048];
	struct pkt_spec s = out_spec(IPPROTO_UDP, 5000, 53);
	struct udphdr *u;
	__u32 olen;
	size_t len;

	s.payload = "query";
	s.plen = 5;
	len = build_pkt(in, &s);
	CHECK(run(skel->progs.uplink_egress, in, len, out, &olen) == TC_ACT_OK);
	u = l4_of(out);
	CHECK(ip_of(out)->saddr == ip4("198.51.100.1"));
	CHECK(u->check != 0);
	CHECK(l4_csum_ok(ip_of(out), u, l4_len(out)));
	CHECK(ip_csum_ok(ip_of(out)));

	/* a zero UDP checksum means "none" and must stay zero */
	s = out_spec(IPPROTO_UDP, 5001, 53);
	s.udp_zero_csum = 1;
	s.payload = "x";
	s.plen = 1;
	len = build_pkt(in, &s);
	CHECK(run(skel->progs.uplink_egress, in, len, out, &olen) == TC_ACT_OK);
	u = l4_of(out);
	CHECK(ip_of(out)->saddr == ip4("198.51.100.1"));
	CHECK(u->check == 0);
	CHECK(ip_csum_ok(ip_of(out)));

	/* its reply, also without a checksum */
	s = in_spec(IPPROTO_UDP, 53, 5001);
	s.udp_zero_csum = 1;
	len = build_pkt(in, &s);
	CHECK(run(skel->progs.uplink_ingress, in, len, out, &olen) == TC_ACT_REDIRECT);
	CHECK(ip_of(out)->daddr == ip4("172.19.0.2"));
	CHECK(((struct udphdr *)l4_of(out))->check == 0);
	CHECK(ip_csum_ok(ip_of(out)));
}

static void test_icmp_echo(void)
{
	uint8_t in[256], out[2048];
	struct pkt_spec s = out_spec(IPPROTO_ICMP, 0x4242, 0);
	struct icmphdr *ic;
	__u32 olen;
	size_t len;

	s.icmp_type = ICMP_ECHO;
	s.payload = "ping-data";
	s.plen = 9;
	len = build_pkt(in, &s);
	CHECK(run(skel->progs.uplink_egress, in, len, out, &olen) == TC_ACT_OK);
	ic = l4_of(out);
	CHECK(ip_of(out)->saddr == ip4("198.51.100.1"));
	CHECK(ntohs(ic->un.echo.id) == 0x4242);
	CHECK(l4_csum_ok(ip_of(out), ic, l4_len(out)));
	CHECK(ip_csum_ok(ip_of(out)));

	s = in_spec(IPPROTO_ICMP, 0x4242, 0);
	s.icmp_type = ICMP_ECHOREPLY;
	s.payload = "ping-data";
	s.plen = 9;
	len = build_pkt(in, &s);
	CHECK(run(skel->progs.uplink_ingress, in, len, out, &olen) == TC_ACT_REDIRECT);
	ic = l4_of(out);
	CHECK(ip_of(out)->daddr == ip4("172.19.0.2"));
	CHECK(ic->type == ICMP_ECHOREPLY && ntohs(ic->un.echo.id) == 0x4242);
	CHECK(l4_csum_ok(ip_of(out), ic, l4_len(out)));
	CHECK(ip_csum_ok(ip_of(out)));
}

/* Someone holds 198.51.100.1:6000 towards 198.51.100.2:53 already. */
static void claim_port(uint16_t port)
{
	struct bpfnet_flow r = { .saddr = ip4("198.51.100.2"),
				 .daddr = ip4("198.51.100.1"), .sport = htons(53),
				 .dport = htons(port), .proto = IPPROTO_UDP };
	struct bpfnet_rnat v = { .caddr = ip4("172.19.0.77"), .cport = htons(port),
				 .raddr = ip4("198.51.100.2"), .rport = htons(53) };

	bpf_map_update_elem(bpf_map__fd(skel->maps.rev_nat), &r, &v, 0);
}

static uint16_t collided_port;

static void test_port_collision(void)
{
	uint8_t in[256], out[2048];
	struct pkt_spec s = out_spec(IPPROTO_UDP, 6000, 53);
	__u64 retries = stat(BPFNET_STAT_PORT_RETRIES);
	struct udphdr *u;
	__u32 olen;
	size_t len;

	claim_port(6000);
	s.payload = "abcdefgh";
	s.plen = 8;
	len = build_pkt(in, &s);
	CHECK(run(skel->progs.uplink_egress, in, len, out, &olen) == TC_ACT_OK);
	u = l4_of(out);
	collided_port = ntohs(u->source);
	CHECK(collided_port != 6000);
	CHECK(collided_port >= 20000 && collided_port <= 20100);
	CHECK(l4_csum_ok(ip_of(out), u, l4_len(out)));
	CHECK(stat(BPFNET_STAT_PORT_RETRIES) >= retries + 1);
	/* the reply to the new port finds the container's port again */
	s = in_spec(IPPROTO_UDP, 53, collided_port);
	s.payload = "reply!";
	s.plen = 6;
	len = build_pkt(in, &s);
	CHECK(run(skel->progs.uplink_ingress, in, len, out, &olen) == TC_ACT_REDIRECT);
	u = l4_of(out);
	CHECK(ntohs(u->dest) == 6000);
	CHECK(l4_csum_ok(ip_of(out), u, l4_len(out)));
}

/* ICMP port unreachable quoting the translated UDP datagram of the collision test. */
static void test_icmp_error_inner_translated(void)
{
	uint8_t in[512], out[2048], inner[128];
	struct pkt_spec q = { .src = "198.51.100.1", .dst = "198.51.100.2",
			      .proto = IPPROTO_UDP, .sport = collided_port,
			      .dport = 53, .payload = "abcdefgh", .plen = 8 };
	struct pkt_spec s = in_spec(IPPROTO_ICMP, 0, 0);
	__u64 before = stat(BPFNET_STAT_ICMP_ERR_XLATED);
	struct iphdr *iip;
	struct udphdr *iu;
	size_t qlen, len;
	__u32 olen;

	qlen = build_ip(inner, &q);
	s.icmp_type = ICMP_DEST_UNREACH;
	s.payload = inner;
	s.plen = qlen;
	len = build_pkt(in, &s);
	((struct icmphdr *)l4_of(in))->code = ICMP_PORT_UNREACH;
	((struct icmphdr *)l4_of(in))->checksum = 0;
	((struct icmphdr *)l4_of(in))->checksum =
		htons(fold(sum16(l4_of(in), l4_len(in), 0)));
	CHECK(run(skel->progs.uplink_ingress, in, len, out, &olen) == TC_ACT_REDIRECT);
	CHECK(ip_of(out)->daddr == ip4("172.19.0.2"));
	CHECK(ip_csum_ok(ip_of(out)));
	CHECK(l4_csum_ok(ip_of(out), l4_of(out), l4_len(out)));	/* ICMP */
	iip = (struct iphdr *)((uint8_t *)l4_of(out) + 8);
	iu = (struct udphdr *)((uint8_t *)iip + 20);
	CHECK(iip->saddr == ip4("172.19.0.2"));
	CHECK(iip->daddr == ip4("198.51.100.2"));
	CHECK(ntohs(iu->source) == 6000);
	CHECK(ip_csum_ok(iip));
	CHECK(l4_csum_ok(iip, iu, ntohs(iu->len)));	/* the quoted UDP */
	CHECK(stat(BPFNET_STAT_ICMP_ERR_XLATED) == before + 1);
}

static void test_spoofing_dropped(void)
{
	uint8_t in[256], out[2048];
	struct pkt_spec s = out_spec(IPPROTO_UDP, 7000, 53);
	__u64 ip_drops = stat(BPFNET_STAT_DROP_SPOOF_IP);
	__u64 mac_drops = stat(BPFNET_STAT_DROP_SPOOF_MAC);
	__u32 olen;
	size_t len;

	s.src = "172.19.0.9";	/* not this container's address */
	len = build_pkt(in, &s);
	CHECK(run(skel->progs.from_container, in, len, out, &olen) == TC_ACT_SHOT);
	CHECK(stat(BPFNET_STAT_DROP_SPOOF_IP) == ip_drops + 1);
	s = out_spec(IPPROTO_UDP, 7000, 53);
	s.smac[5] = 0x99;	/* right address, wrong MAC */
	len = build_pkt(in, &s);
	CHECK(run(skel->progs.from_container, in, len, out, &olen) == TC_ACT_SHOT);
	CHECK(stat(BPFNET_STAT_DROP_SPOOF_MAC) == mac_drops + 1);
	/* the genuine packet passes (no route here: to the stack, unchanged) */
	s = out_spec(IPPROTO_UDP, 7000, 53);
	len = build_pkt(in, &s);
	CHECK(run(skel->progs.from_container, in, len, out, &olen) == TC_ACT_OK);
	CHECK(memcmp(in, out, len) == 0);
}

static void test_arp_spoof_dropped(void)
{
	uint8_t arp[42] = { 0 }, out[2048];
	__u64 before = stat(BPFNET_STAT_DROP_SPOOF_ARP);
	__be32 spa = ip4("172.19.0.1");	/* claims to be the gateway */
	__u32 olen;

	memset(arp, 0xff, 6);
	memcpy(arp + 6, mac_c1, 6);
	arp[12] = 0x08;
	arp[13] = 0x06;
	arp[15] = 1;		/* Ethernet */
	arp[16] = 0x08;		/* IPv4 */
	arp[18] = 6;
	arp[19] = 4;
	arp[21] = 2;		/* reply */
	memcpy(arp + 22, mac_c1, 6);
	memcpy(arp + 28, &spa, 4);
	CHECK(run(skel->progs.from_container, arp, sizeof(arp), out, &olen) == TC_ACT_SHOT);
	CHECK(stat(BPFNET_STAT_DROP_SPOOF_ARP) == before + 1);
	spa = ip4("172.19.0.2");	/* its own: fine */
	memcpy(arp + 28, &spa, 4);
	CHECK(run(skel->progs.from_container, arp, sizeof(arp), out, &olen) == TC_ACT_OK);
}

static void test_fragments(void)
{
	uint8_t in[256], out[2048];
	struct pkt_spec s = out_spec(IPPROTO_UDP, 8000, 53);
	__u32 olen;
	size_t len;

	s.frag = 0x2000;	/* MF: the first of several */
	len = build_pkt(in, &s);
	/* the fast path leaves it to the stack, untouched */
	CHECK(run(skel->progs.from_container, in, len, out, &olen) == TC_ACT_OK);
	CHECK(memcmp(in, out, len) == 0);
	/* and the uplink never lets a private source out */
	CHECK(run(skel->progs.uplink_egress, in, len, out, &olen) == TC_ACT_SHOT);
}

static void test_unrelated_traffic_untouched(void)
{
	uint8_t in[256], out[2048];
	struct pkt_spec s = in_spec(IPPROTO_TCP, 1234, 22);	/* host's own ssh */
	__u32 olen;
	size_t len;

	s.tcp_flags = 0x02;
	len = build_pkt(in, &s);
	CHECK(run(skel->progs.uplink_ingress, in, len, out, &olen) == TC_ACT_OK);
	CHECK(memcmp(in, out, len) == 0);
	s = in_spec(IPPROTO_TCP, 22, 1234);
	s.src = "198.51.100.1";	/* host's own traffic leaving */
	s.dst = "198.51.100.2";
	len = build_pkt(in, &s);
	CHECK(run(skel->progs.uplink_egress, in, len, out, &olen) == TC_ACT_OK);
	CHECK(memcmp(in, out, len) == 0);
}

static void publish(uint16_t hport, uint16_t cport, uint8_t proto)
{
	struct bpfnet_pm_key k = { .host_addr = 0, .host_port = htons(hport),
				   .proto = proto };
	struct bpfnet_pm_val v = { .caddr = ip4("172.19.0.2"), .cport = htons(cport) };

	bpf_map_update_elem(bpf_map__fd(skel->maps.port_maps), &k, &v, 0);
}

/* outside -> 198.51.100.1:8080 -> 172.19.0.2:80, and the reply back */
static void test_dnat_and_reverse(void)
{
	uint8_t in[256], out[2048];
	struct pkt_spec s = in_spec(IPPROTO_TCP, 33333, 8080);
	struct tcphdr *t;
	__u32 olen;
	size_t len;

	publish(8080, 80, IPPROTO_TCP);
	s.tcp_flags = 0x02;
	s.payload = "GET /";
	s.plen = 5;
	len = build_pkt(in, &s);
	CHECK(run(skel->progs.uplink_ingress, in, len, out, &olen) == TC_ACT_REDIRECT);
	t = l4_of(out);
	CHECK(ip_of(out)->daddr == ip4("172.19.0.2"));
	CHECK(ip_of(out)->saddr == ip4("198.51.100.2"));	/* client kept */
	CHECK(ntohs(t->dest) == 80 && ntohs(t->source) == 33333);
	CHECK(ip_csum_ok(ip_of(out)));
	CHECK(l4_csum_ok(ip_of(out), t, l4_len(out)));
	CHECK(memcmp(out, mac_c1, 6) == 0);

	/* the container answers from :80; the client must see :8080 */
	s = out_spec(IPPROTO_TCP, 80, 33333);
	s.tcp_flags = 0x12;
	s.payload = "200 OK";
	s.plen = 6;
	len = build_pkt(in, &s);
	run(skel->progs.from_container, in, len, out, &olen);
	t = l4_of(out);
	CHECK(ip_of(out)->saddr == ip4("198.51.100.1"));
	CHECK(ntohs(t->source) == 8080);
	CHECK(ip_of(out)->daddr == ip4("198.51.100.2") && ntohs(t->dest) == 33333);
	CHECK(ip_csum_ok(ip_of(out)));
	CHECK(l4_csum_ok(ip_of(out), t, l4_len(out)));
	CHECK(memcmp(out + olen - 6, "200 OK", 6) == 0);

	/* a packet to an unpublished port is left alone */
	s = in_spec(IPPROTO_TCP, 33333, 8081);
	s.tcp_flags = 0x02;
	len = build_pkt(in, &s);
	CHECK(run(skel->progs.uplink_ingress, in, len, out, &olen) == TC_ACT_OK);
	CHECK(memcmp(in, out, len) == 0);
}

/* the container reaches its own published port through the gateway */
static void test_hairpin_self(void)
{
	uint8_t in[256], out[2048];
	struct pkt_spec s = out_spec(IPPROTO_UDP, 44444, 5353);
	struct udphdr *u;
	__u32 olen;
	size_t len;

	publish(5353, 53, IPPROTO_UDP);
	s.dst = "172.19.0.1";
	s.payload = "q";
	s.plen = 1;
	len = build_pkt(in, &s);
	CHECK(run(skel->progs.from_container, in, len, out, &olen) == TC_ACT_REDIRECT);
	u = l4_of(out);
	CHECK(ip_of(out)->daddr == ip4("172.19.0.2") && ntohs(u->dest) == 53);
	CHECK(ip_of(out)->saddr == ip4("172.19.0.1"));	/* hairpin source */
	CHECK(ntohs(u->source) == 44444);
	CHECK(l4_csum_ok(ip_of(out), u, l4_len(out)));
	CHECK(ip_csum_ok(ip_of(out)));
	/* its answer goes back to itself as from the gateway's published port */
	s = out_spec(IPPROTO_UDP, 53, 44444);
	s.dst = "172.19.0.1";
	s.payload = "a";
	s.plen = 1;
	len = build_pkt(in, &s);
	CHECK(run(skel->progs.from_container, in, len, out, &olen) == TC_ACT_REDIRECT);
	u = l4_of(out);
	CHECK(ip_of(out)->saddr == ip4("172.19.0.1") && ntohs(u->source) == 5353);
	CHECK(ip_of(out)->daddr == ip4("172.19.0.2") && ntohs(u->dest) == 44444);
	CHECK(l4_csum_ok(ip_of(out), u, l4_len(out)));
	CHECK(ip_csum_ok(ip_of(out)));
}

static int count_entries(int fd)
{
	struct bpfnet_flow k, next;
	void *prev = NULL;
	int n = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

/*
 * 150,000 concurrent flows through a 131,072-entry conntrack: the oldest
 * are evicted, every new flow is still translated, and the count is kept.
 */
static void test_conntrack_full(void)
{
	uint8_t in[128], out[2048];
	__u64 created = stat(BPFNET_STAT_FLOWS_CREATED);
	int total = 150000, fails = 0, live;
	struct pkt_spec s = out_spec(IPPROTO_UDP, 0, 53);
	struct bpfnet_ct ct;
	char dst[32];
	__u32 olen;
	size_t len;

	for (int i = 0; i < total; i++) {
		snprintf(dst, sizeof(dst), "203.0.%d.%d", 113 + i / 60000, 1 + (i / 240) % 250);
		s.dst = dst;
		s.sport = (uint16_t)(1024 + i % 240);
		len = build_pkt(in, &s);
		if (run(skel->progs.uplink_egress, in, len, out, &olen) != TC_ACT_OK ||
		    ip_of(out)->saddr != ip4("198.51.100.1"))
			fails++;
	}
	live = count_entries(bpf_map__fd(skel->maps.conntrack));
	printf("  %d flows offered, %d live in conntrack, %llu created, %d failed\n",
	       total, live, (unsigned long long)(stat(BPFNET_STAT_FLOWS_CREATED) - created), fails);
	CHECK(fails == 0);
	CHECK(stat(BPFNET_STAT_FLOWS_CREATED) - created == (__u64)total);
	CHECK(live <= BPFNET_MAX_FLOWS && live > BPFNET_MAX_FLOWS / 2);
	/* the newest flow is there, the first one was evicted */
	CHECK(lookup_ct("172.19.0.2", dst, s.sport, 53, IPPROTO_UDP, &ct) == 0);
	CHECK(lookup_ct("172.19.0.2", "203.0.113.1", 1024, 53, IPPROTO_UDP, &ct) != 0);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("SKIP datapath: needs root for BPF_PROG_TEST_RUN\n");
		return 0;
	}
	if (unshare(CLONE_NEWNET) || setup()) {
		printf("FAIL setup: cannot load the BPF object\n");
		return 1;
	}
	RUN(test_tcp_snat_and_reverse);
	RUN(test_udp_checksum_and_zero);
	RUN(test_icmp_echo);
	RUN(test_port_collision);
	RUN(test_icmp_error_inner_translated);
	RUN(test_spoofing_dropped);
	RUN(test_arp_spoof_dropped);
	RUN(test_fragments);
	RUN(test_unrelated_traffic_untouched);
	RUN(test_dnat_and_reverse);
	RUN(test_hairpin_self);
	RUN(test_conntrack_full);
	bpfnet_bpf__destroy(skel);
	CHECK_EXIT();
}
