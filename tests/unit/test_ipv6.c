// SPDX-License-Identifier: GPL-2.0
/*
 * Packet tests of the IPv6 datapath (--subnet6, routed mode): admission,
 * neighbour discovery checks, RA guard, routing to the outside by the
 * uplink, and what may come back in. Exact frames built here, transport
 * checksums computed from scratch (pkt6.h); every counter checked.
 *
 *   fd19::2 (container, MAC 02:42:ac:13:00:02, host veth 1)
 *   fe80::42:acff:fe13:2 (its link-local: the EUI-64 of its MAC)
 *        |  from_container: admission, bpf_fib_lookup AF_INET6
 *   [bridge fd19::1]
 *        |
 *   2001:db8:100::1 (uplink) ---- 2001:db8:100::2 (remote)
 *        |  uplink_ingress / to_container: replies of its flows only
 *
 * fd19::3 (MAC 02:42:ac:13:00:03) is a neighbour behind host veth 7.
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

#define LL_C1 "fe80::42:acff:fe13:2"
#define LL_C3 "fe80::42:acff:fe13:3"

static int outer_netns = -1;

/* --isolate on (1) or off (0) in net_config. */
static int set_isolate(int isolate)
{
	struct bpfnet_cfg c;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.net_config), &zero, &c))
		return -errno;
	c.isolate = (__u8)isolate;
	return bpf_map_update_elem(bpf_map__fd(skel->maps.net_config), &zero, &c, 0) ? -errno : 0;
}

static int add_ep6(const char *addr, const uint8_t *mac, __u32 ifindex)
{
	struct bpfnet_endpoint ep = { .host_ifindex = ifindex };
	struct bpfnet_in6 a = in6(addr);

	memcpy(ep.mac, mac, 6);
	return bpf_map_update_elem(bpf_map__fd(skel->maps.endpoints6), &a, &ep, 0);
}

/* An endpoints6 entry counted under ip4, with flags (BPFNET_EP_PUBLISHED). */
static int add_ep6_as(const char *addr, const uint8_t *mac, __u32 ifindex,
		      const char *ip4s, __u32 flags)
{
	struct bpfnet_endpoint ep = { .host_ifindex = ifindex, .ip4 = ip4(ip4s),
				      .flags = flags };
	struct bpfnet_in6 a = in6(addr);

	memcpy(ep.mac, mac, 6);
	return bpf_map_update_elem(bpf_map__fd(skel->maps.endpoints6), &a, &ep, 0);
}

/* net_config6: fd19::/64, gateway fd19::1, routed (nat6 0). */
static int set_cfg6(int enabled)
{
	struct bpfnet_cfg6 c = { .prefix_len = 64, .enabled = (__u8)enabled };
	__u32 zero = 0;

	c.subnet = in6("fd19::");
	c.gateway = in6("fd19::1");
	return bpf_map_update_elem(bpf_map__fd(skel->maps.net_config6), &zero, &c, 0);
}

/* nat6 in net_config6, and the uplink's address 2001:db8:100::1 with it. */
static int set_nat6(int nat6)
{
	struct bpfnet_cfg6 c;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.net_config6), &zero, &c))
		return -errno;
	c.nat6 = (__u8)nat6;
	c.uplink_addr = in6(nat6 ? "2001:db8:100::1" : "::");
	return bpf_map_update_elem(bpf_map__fd(skel->maps.net_config6), &zero, &c, 0) ? -errno : 0;
}

static void setup6(void)
{
	setup();
	if (!skel)
		return;
	CHECK_EQ(set_cfg6(1), 0, "write net_config6");
	CHECK_EQ(add_ep6("fd19::2", mac_c1, 1), 0, "write endpoint fd19::2");
	CHECK_EQ(add_ep6(LL_C1, mac_c1, 1), 0, "write endpoint " LL_C1);
	CHECK_EQ(add_ep6("fd19::3", mac_c3, 7), 0, "write endpoint fd19::3");
	CHECK_EQ(add_ep6(LL_C3, mac_c3, 7), 0, "write endpoint " LL_C3);
}

static void leave_own_netns(void)
{
	if (outer_netns < 0)
		return;
	if (setns(outer_netns, CLONE_NEWNET))
		printf("  setns back to the tests' namespace: %s\n", strerror(errno));
	close(outer_netns);
	outer_netns = -1;
}

static void teardown6(void)
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
 * A namespace of the test's own with the host's links as veth pairs:
 *   br0  fd19::1/64          the bridge (IPv6 forwarding on, as the hook sets it)
 *   up0  2001:db8:100::1/64  the uplink
 *   oth0 2001:db8:200::1/64  another network of the host
 * net_config names br0 and up0.
 */
static int host_links6(int isolate)
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
		 "ip link add oth0 type veth peer name oth1\n"
		 "for l in br0 br1 up0 up1 oth0 oth1; do ip link set $l up; done\n"
		 "ip -6 addr add fd19::1/64 dev br0 nodad\n"
		 "ip -6 addr add 2001:db8:100::1/64 dev up0 nodad\n"
		 "ip -6 addr add 2001:db8:200::1/64 dev oth0 nodad\n"
		 "echo 1 > /proc/sys/net/ipv6/conf/br0/forwarding\n");
	if (err)
		return err;
	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.net_config), &zero, &c))
		return -errno;
	c.bridge_ifindex = if_nametoindex("br0");
	c.uplink_ifindex = if_nametoindex("up0");
	c.isolate = (__u8)isolate;
	if (!c.bridge_ifindex || !c.uplink_ifindex)
		return -ENODEV;
	return bpf_map_update_elem(bpf_map__fd(skel->maps.net_config), &zero, &c, 0) ? -errno : 0;
}

/* prog on a frame that came in on ifindex from (to_container: 0 the host). */
static int run_from(struct bpf_program *prog, uint8_t *pkt, size_t len,
		    uint8_t *out, int from)
{
	struct __sk_buff ctx = { .ingress_ifindex = (__u32)from };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt,
		    .data_size_in = (__u32)len, .data_out = out,
		    .data_size_out = 2048, .repeat = 1,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

	return bpf_prog_test_run_opts(bpf_program__fd(prog), &opts) ?
	       -errno : (int)opts.retval;
}

/* The container's packet: from fd19::2 and its MAC. */
static struct pkt6_spec c_spec(uint8_t proto, const char *dst, uint16_t sport, uint16_t dport)
{
	struct pkt6_spec s = { .src = "fd19::2", .dst = dst, .proto = proto,
			       .sport = sport, .dport = dport };

	memcpy(s.smac, mac_c1, 6);
	return s;
}

/* An ND message (type 135 or 136) from src to dst about target. */
static size_t build_nd(uint8_t *f, uint8_t type, const char *src, const char *dst,
		       const char *target, uint8_t opt, const uint8_t *opt_mac)
{
	uint8_t body[64];
	struct pkt6_spec s = { .src = src, .dst = dst, .proto = IPPROTO_ICMPV6,
			       .icmp_type = type, .hop_limit = 255, .body = body };

	memcpy(s.smac, mac_c1, 6);
	s.blen = nd_body(body, type, target, opt, opt_mac);
	return build_pkt6(f, &s);
}

/* A UDP datagram from the container's own address and MAC: admitted. */
static void test_own_address_admitted(void)
{
	uint8_t in[256], out[2048];
	struct pkt6_spec s = c_spec(IPPROTO_UDP, "fd19::1", 5000, 53);
	__u32 olen;
	size_t len;

	s.body = "query";
	s.blen = 5;
	len = build_pkt6(in, &s);
	CHECK_EQ(l6_csum_check(in, len), 0, "the UDP checksum verifies");
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	CHECK_MEM(out, in, len, "the datagram to the gateway, unchanged");
	CHECK_ALL_STATS([BPFNET_STAT_PASS] = 1);
}

/* From an address not its own: another's, one outside, its neighbour's. */
static void test_wrong_source_dropped(void)
{
	static const char *const src[] = { "fd19::9", "2001:db8:100::2", "fd19::3",
					   "fe80::1" };
	uint8_t in[256], out[2048];
	struct pkt6_spec s = c_spec(IPPROTO_UDP, "fd19::1", 5000, 53);
	__u32 olen;
	size_t len;

	for (int i = 0; i < 4; i++) {
		s.src = src[i];
		len = build_pkt6(in, &s);
		CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	}
	CHECK_ALL_STATS([BPFNET_STAT_DROP_SPOOF_IP] = 4);
}

/* Its own address from another MAC (its neighbour's, or made up). */
static void test_wrong_mac_dropped(void)
{
	uint8_t in[256], out[2048];
	struct pkt6_spec s = c_spec(IPPROTO_UDP, "fd19::1", 5000, 53);
	__u32 olen;
	size_t len;

	memcpy(s.smac, mac_c3, 6);
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	s.smac[5] = 0x99;
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	s.src = LL_C1;	/* its link-local address too */
	s.dst = "ff02::fb";
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_ALL_STATS([BPFNET_STAT_DROP_SPOOF_MAC] = 3);
}

/* A router advertisement: from its own link-local address and MAC, still dropped. */
static void test_router_advert_dropped(void)
{
	uint8_t in[256], out[2048], body[48] = {
		0x40, 0x00, 0x07, 0x08,	/* hop limit 64, router lifetime 1800 s */
		0, 0, 0, 0, 0, 0, 0, 0,	/* reachable, retransmit */
		0x01, 0x01, 0x02, 0x42, 0xac, 0x13, 0x00, 0x02,	/* its own MAC */
	};
	struct pkt6_spec s = { .src = LL_C1, .dst = "ff02::1", .proto = IPPROTO_ICMPV6,
			       .icmp_type = 134, .hop_limit = 255, .body = body, .blen = 20 };
	__u32 olen;
	size_t len;

	memcpy(s.smac, mac_c1, 6);
	len = build_pkt6(in, &s);
	CHECK_EQ(l6_csum_check(in, len), 0, "the RA's ICMPv6 checksum verifies");
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_ALL_STATS([BPFNET_STAT_DROP_RA] = 1);
	s.src = "fd19::2";	/* from its global address, to the gateway */
	s.dst = "fd19::1";
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_ALL_STATS([BPFNET_STAT_DROP_RA] = 2);
}

/* A redirect (137) sending the host's traffic for fd19::3 to the container. */
static void test_redirect_dropped(void)
{
	uint8_t in[256], out[2048], body[36] = { 0 };
	struct pkt6_spec s = { .src = LL_C1, .dst = "fd19::1", .proto = IPPROTO_ICMPV6,
			       .icmp_type = 137, .hop_limit = 255, .body = body, .blen = 36 };
	__u32 olen;
	size_t len;

	inet_pton(AF_INET6, LL_C1, body + 4);	/* target: go by me */
	inet_pton(AF_INET6, "fd19::3", body + 20);	/* destination */
	memcpy(s.smac, mac_c1, 6);
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_ALL_STATS([BPFNET_STAT_DROP_RA] = 1);
}

/*
 * A neighbour advertisement for another address (its neighbour's, the
 * gateway's): dropped. For its own address, global and link-local: admitted.
 */
static void test_na_for_other_address_dropped(void)
{
	uint8_t in[256], out[2048];
	__u32 olen;
	size_t len;

	len = build_nd(in, 136, "fd19::2", "ff02::1", "fd19::3", 2, mac_c1);
	CHECK_EQ(l6_csum_check(in, len), 0, "the NA's ICMPv6 checksum verifies");
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	len = build_nd(in, 136, LL_C1, "fe80::1", "fd19::1", 2, mac_c1);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	len = build_nd(in, 136, LL_C1, "ff02::1", LL_C3, 0, NULL);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_ALL_STATS([BPFNET_STAT_DROP_SPOOF_ND] = 3);
	len = build_nd(in, 136, "fd19::2", "fd19::1", "fd19::2", 2, mac_c1);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	CHECK_MEM(out, in, len, "its own NA, unchanged");
	len = build_nd(in, 136, LL_C1, "ff02::1", LL_C1, 0, NULL);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	CHECK_ALL_STATS([BPFNET_STAT_DROP_SPOOF_ND] = 3, [BPFNET_STAT_PASS] = 2);
}

/* Its own target, but a target (or source) link-layer option of another MAC. */
static void test_na_foreign_lladdr_dropped(void)
{
	uint8_t in[256], out[2048];
	__u32 olen;
	size_t len;

	len = build_nd(in, 136, "fd19::2", "fd19::1", "fd19::2", 2, mac_c3);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_ALL_STATS([BPFNET_STAT_DROP_SPOOF_ND] = 1);
	len = build_nd(in, 135, "fd19::2", "ff02::1:ff00:1", "fd19::1", 1, mac_c3);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_ALL_STATS([BPFNET_STAT_DROP_SPOOF_ND] = 2);
}

/* Who has the gateway? From its address and its link-local one, its MAC as option. */
static void test_ns_for_gateway_admitted(void)
{
	uint8_t in[256], out[2048];
	__u32 olen;
	size_t len;

	len = build_nd(in, 135, "fd19::2", "ff02::1:ff00:1", "fd19::1", 1, mac_c1);
	CHECK_EQ(l6_csum_check(in, len), 0, "the NS's ICMPv6 checksum verifies");
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	CHECK_MEM(out, in, len, "the NS, unchanged");
	len = build_nd(in, 135, LL_C1, "ff02::1:ff00:1", "fe80::1", 1, mac_c1);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	len = build_nd(in, 135, "fd19::2", "fd19::1", "fd19::1", 1, mac_c1);	/* unicast */
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	CHECK_ALL_STATS([BPFNET_STAT_PASS] = 3);
	CHECK_EQ(set_isolate(1), 0, "write net_config with --isolate");
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	CHECK_ALL_STATS([BPFNET_STAT_PASS] = 4);
}

/*
 * Duplicate address detection: an NS from :: to the solicited-node group
 * of its own address, no source option, from its MAC: admitted. For its
 * neighbour's address, with a source option, from another MAC, or any
 * other packet from ::: dropped.
 */
static void test_dad_ns_admitted(void)
{
	uint8_t in[256], out[2048];
	struct pkt6_spec s = c_spec(IPPROTO_UDP, "fd19::1", 5000, 53);
	__u32 olen;
	size_t len;

	len = build_nd(in, 135, "::", "ff02::1:ff00:2", "fd19::2", 0, NULL);
	CHECK_EQ(l6_csum_check(in, len), 0, "the DAD probe's checksum verifies");
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	CHECK_MEM(out, in, len, "the DAD probe, unchanged");
	len = build_nd(in, 135, "::", "ff02::1:ff13:2", LL_C1, 0, NULL);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	CHECK_ALL_STATS([BPFNET_STAT_PASS] = 2);
	len = build_nd(in, 135, "::", "ff02::1:ff00:3", "fd19::3", 0, NULL);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	len = build_nd(in, 135, "::", "ff02::1:ff00:2", "fd19::2", 1, mac_c1);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_ALL_STATS([BPFNET_STAT_PASS] = 2, [BPFNET_STAT_DROP_SPOOF_ND] = 2);
	len = build_nd(in, 135, "::", "ff02::1:ff00:2", "fd19::2", 0, NULL);
	memcpy(in + 6, mac_c3, 6);	/* its neighbour's MAC */
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_ALL_STATS([BPFNET_STAT_PASS] = 2, [BPFNET_STAT_DROP_SPOOF_ND] = 2,
		       [BPFNET_STAT_DROP_SPOOF_MAC] = 1);
	s.src = "::";
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	len = build_nd(in, 135, "::", "fd19::1", "fd19::2", 0, NULL);	/* not DAD's group */
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_ALL_STATS([BPFNET_STAT_PASS] = 2, [BPFNET_STAT_DROP_SPOOF_ND] = 2,
		       [BPFNET_STAT_DROP_SPOOF_MAC] = 1, [BPFNET_STAT_DROP_SPOOF_IP] = 2);
}

/*
 * From its link-local address: ND, MLD and traffic to link-local or
 * multicast destinations; a link-local source towards a global address
 * cannot be its (dropped).
 */
static void test_link_local_nd_admitted(void)
{
	uint8_t in[256], out[2048], mld[24] = { 0 };
	struct pkt6_spec s = { .src = LL_C1, .dst = "ff02::16", .proto = IPPROTO_ICMPV6,
			       .icmp_type = 143, .hop_limit = 1, .body = mld, .blen = 24 };
	__u32 olen;
	size_t len;

	len = build_nd(in, 135, LL_C1, "ff02::1:ff00:1", "fd19::1", 1, mac_c1);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	len = build_nd(in, 136, LL_C1, "fe80::1", LL_C1, 2, mac_c1);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	mld[2] = 0;
	mld[3] = 1;	/* one record: include mode, ff02::1:ff13:2 */
	mld[4] = 4;
	inet_pton(AF_INET6, "ff02::1:ff13:2", mld + 8);
	memcpy(s.smac, mac_c1, 6);
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	s.src = "::";	/* the same report before it has an address */
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	s = c_spec(IPPROTO_UDP, "ff02::fb", 5353, 5353);	/* mDNS */
	s.src = LL_C1;
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	CHECK_ALL_STATS([BPFNET_STAT_PASS] = 5);
	s.dst = "2001:db8:100::2";
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_ALL_STATS([BPFNET_STAT_PASS] = 5, [BPFNET_STAT_DROP_SPOOF_IP] = 1);
}

/*
 * Extension headers: hop-by-hop and destination options are walked to the
 * L4 header; hop-by-hop anywhere but first, a chain longer than 6 and a
 * routing header of type 0 with segments left are malformed.
 */
static void test_extension_headers(void)
{
	uint8_t in[256], out[2048];
	struct pkt6_spec s = c_spec(IPPROTO_UDP, "fd19::1", 5000, 53);
	__u32 olen;
	size_t len;

	s.ext[0] = IPPROTO_HOPOPTS;
	s.ext[1] = IPPROTO_DSTOPTS;
	s.n_ext = 2;
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	CHECK_ALL_STATS([BPFNET_STAT_PASS] = 1);
	s.ext[0] = IPPROTO_DSTOPTS;
	s.ext[1] = IPPROTO_HOPOPTS;
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	for (int i = 0; i < 7; i++)
		s.ext[i] = IPPROTO_DSTOPTS;
	s.n_ext = 6;
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	s.n_ext = 7;
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_ALL_STATS([BPFNET_STAT_PASS] = 2, [BPFNET_STAT_DROP_MALFORMED] = 2);
	s.ext[0] = IPPROTO_ROUTING;	/* PadN bytes read as type 1, 4 left: fine */
	s.n_ext = 1;
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	in[ETH_HLEN + IP6_HLEN + 2] = 0;	/* type 0, segments left 4 */
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	/* truncated: the payload length says more than the frame holds */
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len - 4, out, &olen, TC_ACT_SHOT);
	CHECK_ALL_STATS([BPFNET_STAT_PASS] = 3, [BPFNET_STAT_DROP_MALFORMED] = 4);
}

/*
 * Without --subnet6 (net_config6 not enabled) every IPv6 frame from a
 * container is dropped as before, its own good datagram too.
 */
static void test_subnet6_disabled_drops_ipv6(void)
{
	uint8_t in[256], out[2048];
	struct pkt6_spec s = c_spec(IPPROTO_UDP, "fd19::1", 5000, 53);
	__u32 olen;
	size_t len;

	CHECK_EQ(set_cfg6(0), 0, "write net_config6, not enabled");
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	len = build_nd(in, 135, "fd19::2", "ff02::1:ff00:1", "fd19::1", 1, mac_c1);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_ALL_STATS([BPFNET_STAT_DROP_IPV6] = 2);
	/* into the container: the host's own passes, anything routed does not */
	len = build_pkt6(in, &s);
	CHECK_EQ(run_from(skel->progs.to_container, in, len, out, 0), TC_ACT_OK,
		 "the host's IPv6, into the container");
	CHECK_EQ(run_from(skel->progs.to_container, in, len, out, 5), TC_ACT_SHOT,
		 "routed IPv6, into the container");
	CHECK_ALL_STATS([BPFNET_STAT_DROP_IPV6] = 2, [BPFNET_STAT_DROP_UNSOLICITED] = 1);
}

/* The entry in fd (conntrack6, ct6_new) of a flow the container opened, as it sent it. */
static int lookup_ct6_in(int fd, const char *src, const char *dst, uint16_t sport,
			 uint16_t dport, uint8_t proto, struct bpfnet_ct6 *ct)
{
	struct bpfnet_flow6 k = { .saddr = in6(src), .daddr = in6(dst),
				  .sport = htons(sport), .dport = htons(dport), .proto = proto };

	return bpf_map_lookup_elem(fd, &k, ct);
}

/* Its answered entry (conntrack6). */
static int lookup_ct6(const char *src, const char *dst, uint16_t sport, uint16_t dport,
		      uint8_t proto, struct bpfnet_ct6 *ct)
{
	return lookup_ct6_in(bpf_map__fd(skel->maps.conntrack6), src, dst, sport, dport,
			     proto, ct);
}

/* Its entry while not answered yet (ct6_new). */
static int lookup_ct6_new(const char *src, const char *dst, uint16_t sport, uint16_t dport,
			  uint8_t proto, struct bpfnet_ct6 *ct)
{
	return lookup_ct6_in(bpf_map__fd(skel->maps.ct6_new), src, dst, sport, dport,
			     proto, ct);
}

/*
 * Routed: to the outside by the uplink, one hop less, nothing else
 * changed, the flow noted; to another network of the host dropped; to
 * the host's own uplink address passed, under --isolate dropped.
 */
static void test_routed_forward_to_outside(void)
{
	uint8_t in[256], out[2048];
	struct pkt6_spec s = c_spec(IPPROTO_TCP, "2001:db8:100::2", 40000, 80);
	struct bpfnet_ct6 ct;
	__u32 olen;
	size_t len;

	CHECK_EQ(host_links6(0), 0, "links, addresses and net_config of the host");
	s.tcp_flags = 0x02;
	s.body = "hello";
	s.blen = 5;
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_EQ(out[ETH_HLEN + 7], 63, "hop limit (forwarded once)");
	CHECK_MEM(out, in, ETH_HLEN + 7, "Ethernet and IPv6 header before the hop limit");
	CHECK_MEM(out + ETH_HLEN + 8, in + ETH_HLEN + 8, len - ETH_HLEN - 8,
		  "addresses, TCP header and payload, unchanged");
	CHECK_EQ(l6_csum_check(out, olen), 0, "TCP checksum");
	CHECK_ALL_STATS([BPFNET_STAT_FAST_OUT] = 1, [BPFNET_STAT_FLOWS_CREATED] = 1);
	CHECK_EQ(lookup_ct6_new("fd19::2", "2001:db8:100::2", 40000, 80, IPPROTO_TCP, &ct), 0,
		 "ct6_new entry of the SYN (not answered yet)");
	CHECK_EQ(ct.ct.state, BPFNET_CT_NEW, "its state");
	CHECK_EQ(ct.ct.packets, 1u, "its packets");
	CHECK_EQ(ct.ct.bytes, 40u + 20 + 5, "its bytes (IPv6 length)");

	s.dst = "2001:db8:200::9";	/* another network of the host */
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_ALL_STATS([BPFNET_STAT_FAST_OUT] = 1, [BPFNET_STAT_FLOWS_CREATED] = 1,
		       [BPFNET_STAT_DROP_OTHER_NET] = 1);
	s.dst = "2001:db8:100::1";	/* the host's own uplink address */
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	CHECK_MEM(out, in, len, "the SYN to the host, unchanged");
	CHECK_EQ(set_isolate(1), 0, "write net_config with --isolate");
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	s.dst = "fd19::1";	/* the gateway */
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_ALL_STATS([BPFNET_STAT_FAST_OUT] = 1, [BPFNET_STAT_FLOWS_CREATED] = 1,
		       [BPFNET_STAT_DROP_OTHER_NET] = 1, [BPFNET_STAT_PASS] = 1,
		       [BPFNET_STAT_DROP_ISOLATED] = 2);
	/* a hop limit that runs out here: the stack's, flow noted all the same */
	s = c_spec(IPPROTO_UDP, "2001:db8:100::2", 5000, 53);
	s.hop_limit = 1;
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	CHECK_MEM(out, in, len, "the datagram with hop limit 1, unchanged");
	CHECK_EQ(lookup_ct6_new("fd19::2", "2001:db8:100::2", 5000, 53, IPPROTO_UDP, &ct), 0,
		 "ct6_new entry of the datagram");
	CHECK_ALL_STATS([BPFNET_STAT_FAST_OUT] = 1, [BPFNET_STAT_FLOWS_CREATED] = 2,
		       [BPFNET_STAT_DROP_OTHER_NET] = 1, [BPFNET_STAT_PASS] = 1,
		       [BPFNET_STAT_DROP_ISOLATED] = 2, [BPFNET_STAT_SLOW_PATH] = 1);
}

/* A frame as the uplink's egress or ingress must see it, checksum verified. */
#define CHECK_L6(f, len, src, dst, sport_off, sport, what)                   \
	do {                                                                 \
		struct bpfnet_in6 ___s = in6(src), ___d = in6(dst);          \
		CHECK_MEM((f) + ETH_HLEN + 8, &___s, 16, "source address: " what); \
		CHECK_MEM((f) + ETH_HLEN + 24, &___d, 16, "destination address: " what); \
		CHECK_EQ(ntohs(*(uint16_t *)((f) + ETH_HLEN + IP6_HLEN + (sport_off))), \
			 (sport), "port: " what);                            \
		CHECK_EQ(l6_csum_check((f), (len)), 0, "transport checksum: " what); \
	} while (0)

/*
 * NAT66: the container's TCP, UDP and echo leave from the uplink's
 * address (the TCP and UDP source port kept while free, the echo id
 * kept), routed untranslated by from_container and translated at the
 * uplink's egress; replies come back to the container. A second flow on
 * the same tuple from its neighbour gets another port, and its replies
 * reach the neighbour. An ICMPv6 error from a container quoting none of
 * its flows is dropped. Nothing else to the uplink's address is the
 * network's.
 */
static void test_nat66_masquerade(void)
{
	uint8_t in[256], out[2048], mid[2048];
	struct pkt6_spec s = c_spec(IPPROTO_TCP, "2001:db8:100::2", 40000, 80);
	struct bpfnet_ct6 ct;
	uint16_t port3;
	__u32 olen, mlen;
	size_t len;

	CHECK_EQ(host_links6(0), 0, "links, addresses and net_config of the host");
	CHECK_EQ(set_nat6(1), 0, "write net_config6 with nat6 and the uplink's address");
	s.tcp_flags = 0x02;
	s.body = "hello";
	s.blen = 5;
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, mid, &mlen, TC_ACT_REDIRECT);
	CHECK_MEM(mid + ETH_HLEN + 8, in + ETH_HLEN + 8, len - ETH_HLEN - 8,
		  "routed untranslated: uplink_egress translates");
	CHECK_RUN(uplink_egress, mid, mlen, out, &olen, TC_ACT_OK);
	CHECK_L6(out, olen, "2001:db8:100::1", "2001:db8:100::2", 0, 40000, "the SYN out");
	CHECK_MEM(out + olen - 5, "hello", 5, "payload");
	CHECK_EQ(lookup_ct6_new("fd19::2", "2001:db8:100::2", 40000, 80, IPPROTO_TCP, &ct), 0,
		 "ct6_new entry (not answered yet)");
	CHECK_EQ(ntohs(ct.ct.nat_port), 40000, "its translated port");
	CHECK_MEM(&ct.nat_addr6, out + ETH_HLEN + 8, 16, "its translated address");

	s = (struct pkt6_spec){ .src = "2001:db8:100::2", .dst = "2001:db8:100::1",
				.proto = IPPROTO_TCP, .sport = 80, .dport = 40000,
				.tcp_flags = 0x12 };
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_L6(out, olen, "2001:db8:100::2", "fd19::2", 2, 40000, "the SYN-ACK in");
	CHECK_MEM(out, mac_c1, 6, "destination MAC (the container)");
	CHECK_EQ(out[ETH_HLEN + 7], 63, "hop limit (forwarded once)");

	/* its neighbour, same port, same remote: another port */
	s = c_spec(IPPROTO_TCP, "2001:db8:100::2", 40000, 80);
	s.src = "fd19::3";
	s.tcp_flags = 0x02;
	memcpy(s.smac, mac_c3, 6);
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	port3 = ntohs(*(uint16_t *)(out + ETH_HLEN + IP6_HLEN));
	CHECK_NE(port3, 40000, "the neighbour's translated port");
	CHECK_GE(port3, 1024, "within --snat-ports");
	CHECK_L6(out, olen, "2001:db8:100::1", "2001:db8:100::2", 0, port3, "the neighbour's SYN");
	s = (struct pkt6_spec){ .src = "2001:db8:100::2", .dst = "2001:db8:100::1",
				.proto = IPPROTO_TCP, .sport = 80, .dport = port3,
				.tcp_flags = 0x12 };
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_L6(out, olen, "2001:db8:100::2", "fd19::3", 2, 40000, "the neighbour's SYN-ACK");
	CHECK_MEM(out, mac_c3, 6, "destination MAC (the neighbour)");

	s = c_spec(IPPROTO_UDP, "2001:db8:100::2", 5000, 53);
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	CHECK_L6(out, olen, "2001:db8:100::1", "2001:db8:100::2", 0, 5000, "the datagram");
	s = c_spec(IPPROTO_ICMPV6, "2001:db8:100::2", 0x4242, 0);
	s.icmp_type = 128;
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	CHECK_L6(out, olen, "2001:db8:100::1", "2001:db8:100::2", 4, 0x4242, "the echo request");
	s = (struct pkt6_spec){ .src = "2001:db8:100::2", .dst = "2001:db8:100::1",
				.proto = IPPROTO_ICMPV6, .icmp_type = 129, .sport = 0x4242 };
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_L6(out, olen, "2001:db8:100::2", "fd19::2", 4, 0x4242, "the echo reply");
	CHECK_ALL_STATS([BPFNET_STAT_FLOWS_CREATED] = 4, [BPFNET_STAT_FAST_OUT] = 1,
		       [BPFNET_STAT_SNAT_PKTS] = 4, [BPFNET_STAT_SNAT_BYTES] = 65 + 60 + 48 + 48,
		       [BPFNET_STAT_RNAT_PKTS] = 3, [BPFNET_STAT_RNAT_BYTES] = 60 + 60 + 48,
		       [BPFNET_STAT_FAST_IN] = 3, [BPFNET_STAT_PORT_RETRIES] = 1,
		       [BPFNET_STAT_FLOWS_PROMOTED] = 3);

	s = (struct pkt6_spec){ .src = "fd19::2", .dst = "2001:db8:100::2",
				.proto = IPPROTO_ICMPV6, .icmp_type = 1, .icmp_code = 4,
				.body = "\0\0\0\0", .blen = 4 };
	memcpy(s.smac, mac_c1, 6);
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_SHOT);
	s = (struct pkt6_spec){ .src = "2001:db8:100::2", .dst = "2001:db8:100::1",
				.proto = IPPROTO_TCP, .sport = 1234, .dport = 22, .tcp_flags = 0x02 };
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_UNSPEC);
	CHECK_MEM(out, in, len, "the host's own SYN, unchanged");
	CHECK_EQ(stat(BPFNET_STAT_DROP_NAT66_UNSUPPORTED), 1u,
		 "an ICMPv6 error quoting no flow (test_nat66_icmp_error_out translates)");
	CHECK_EQ(stat(BPFNET_STAT_RNAT_PKTS), 3u, "replies translated, in the end");
}

/* To a neighbour: straight to its veth peer, no hop; by link-local too. */
static void test_neighbour_delivered_directly(void)
{
	uint8_t in[256], out[2048];
	struct pkt6_spec s = c_spec(IPPROTO_TCP, "fd19::3", 40000, 80);
	__u32 olen;
	size_t len;

	s.tcp_flags = 0x02;
	len = build_pkt6(in, &s);
	memset(in, 0xee, 6);	/* a destination MAC that is nobody's */
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_MEM(out, mac_c3, 6, "destination MAC (the neighbour)");
	CHECK_MEM(out + 6, in + 6, len - 6, "the rest of the frame, hop limit included");
	s.src = LL_C1;
	s.dst = LL_C3;
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_MEM(out, mac_c3, 6, "destination MAC (the neighbour, link-local)");
	CHECK_ALL_STATS([BPFNET_STAT_FAST_L2] = 2);
}

/*
 * From outside, nothing the container did not ask for: a SYN, a datagram,
 * an echo request to its address are dropped on the uplink and at its veth.
 */
static void test_unsolicited_inbound_dropped(void)
{
	uint8_t in[256], out[2048];
	struct pkt6_spec s = { .src = "2001:db8:100::2", .dst = "fd19::2",
			       .proto = IPPROTO_TCP, .sport = 5555, .dport = 22,
			       .tcp_flags = 0x02 };
	__u32 olen;
	size_t len;

	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_EQ(run_from(skel->progs.to_container, in, len, out, 1), TC_ACT_SHOT,
		 "the SYN routed in by the stack");
	s.proto = IPPROTO_UDP;
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_SHOT);
	s.proto = IPPROTO_ICMPV6;
	s.icmp_type = 128;
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_ALL_STATS([BPFNET_STAT_DROP_UNSOLICITED] = 4);
	/* not the network's: the host's own address, for the next filter */
	s.dst = "2001:db8:100::1";
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_UNSPEC);
	CHECK_MEM(out, in, len, "the host's echo request, unchanged");
	CHECK_ALL_STATS([BPFNET_STAT_DROP_UNSOLICITED] = 4);
}

/*
 * The replies of a flow the container opened come in: on the uplink
 * straight into it (one hop less, its MAC, from the bridge's), by the
 * stack through its veth; and an ICMPv6 error quoting the flow. Another
 * port of the same peer does not.
 */
static void test_reply_to_tracked_flow_let_in(void)
{
	uint8_t in[256], out[2048], err[128];
	struct pkt6_spec s = c_spec(IPPROTO_UDP, "2001:db8:100::2", 5000, 53);
	struct bpfnet_ct6 ct;
	size_t len, qlen;
	__u32 olen;

	CHECK_EQ(host_links6(0), 0, "links, addresses and net_config of the host");
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	/* the error will quote the datagram as it left */
	qlen = olen - ETH_HLEN;
	memset(err, 0, 4);
	memcpy(err + 4, out + ETH_HLEN, qlen);

	s = (struct pkt6_spec){ .src = "2001:db8:100::2", .dst = "fd19::2",
				.proto = IPPROTO_UDP, .sport = 53, .dport = 5000,
				.body = "answer", .blen = 6 };
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_MEM(out, mac_c1, 6, "destination MAC (the container)");
	CHECK_MEM(out + 6, mac_bridge, 6, "source MAC (the bridge)");
	CHECK_EQ(out[ETH_HLEN + 7], 63, "hop limit (forwarded once)");
	CHECK_MEM(out + ETH_HLEN + 8, in + ETH_HLEN + 8, len - ETH_HLEN - 8,
		  "addresses, UDP header and payload, unchanged");
	CHECK_EQ(l6_csum_check(out, olen), 0, "UDP checksum");
	CHECK_EQ(lookup_ct6("fd19::2", "2001:db8:100::2", 5000, 53, IPPROTO_UDP, &ct), 0,
		 "conntrack6 entry");
	CHECK_EQ(ct.ct.seen_reply, 1, "the flow saw its reply");
	CHECK_EQ(ct.ct.state, BPFNET_CT_ESTABLISHED, "its state");
	CHECK_EQ(ct.ct.packets, 2u, "its packets, both ways");
	CHECK_EQ(run_from(skel->progs.to_container, in, len, out, 1), TC_ACT_OK,
		 "the reply routed in by the stack");
	CHECK_ALL_STATS([BPFNET_STAT_FAST_OUT] = 1, [BPFNET_STAT_FLOWS_CREATED] = 1,
		       [BPFNET_STAT_FAST_IN] = 1, [BPFNET_STAT_FLOWS_PROMOTED] = 1);

	s.sport = 54;	/* the same peer, another port */
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_EQ(run_from(skel->progs.to_container, in, len, out, 1), TC_ACT_SHOT,
		 "another port of the peer, routed in");

	/* destination unreachable (port), quoting the datagram */
	s = (struct pkt6_spec){ .src = "2001:db8:100::2", .dst = "fd19::2",
				.proto = IPPROTO_ICMPV6, .icmp_type = 1, .icmp_code = 4,
				.body = err, .blen = 4 + qlen };
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_EQ(l6_csum_check(out, olen), 0, "ICMPv6 checksum");
	err[4 + 8 + 15] ^= 1;	/* quoting another source: not its flow */
	s.body = err;
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_ALL_STATS([BPFNET_STAT_FAST_OUT] = 1, [BPFNET_STAT_FLOWS_CREATED] = 1,
		       [BPFNET_STAT_FAST_IN] = 2, [BPFNET_STAT_DROP_UNSOLICITED] = 3,
		       [BPFNET_STAT_FLOWS_PROMOTED] = 1);
}

/*
 * A fragmented reply: its first fragment (the ports) answers the flow and
 * goes in; its later fragments, which carry no ports, follow it in (on the
 * uplink and through the veth). A later fragment of another datagram, whose
 * first was never let in, does not.
 */
static void test_reply_fragments_follow_their_first(void)
{
	static const uint8_t big[64] = { 1, 2, 3 };
	uint8_t in[256], out[2048];
	struct pkt6_spec s = c_spec(IPPROTO_UDP, "2001:db8:100::2", 5000, 53);
	__u32 olen;
	size_t len;

	CHECK_EQ(host_links6(0), 0, "links, addresses and net_config of the host");
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	s = (struct pkt6_spec){ .src = "2001:db8:100::2", .dst = "fd19::2",
				.proto = IPPROTO_UDP, .sport = 53, .dport = 5000,
				.ext = { IPPROTO_FRAGMENT }, .n_ext = 1, .frag = 0x0001,
				.body = big, .blen = sizeof(big) };
	len = build_pkt6(in, &s);	/* the first: offset 0, more to come */
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_EQ(out[ETH_HLEN + 7], 63, "hop limit of the first fragment");
	s.frag = 72 << 3;	/* the last: offset 72 bytes */
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_MEM(out, mac_c1, 6, "destination MAC of the later fragment (the container)");
	CHECK_MEM(out + ETH_HLEN + 8, in + ETH_HLEN + 8, len - ETH_HLEN - 8,
		  "the later fragment past its hop limit, unchanged");
	CHECK_EQ(run_from(skel->progs.to_container, in, len, out, 1), TC_ACT_OK,
		 "the later fragment routed in by the stack");
	in[ETH_HLEN + IP6_HLEN + 7] ^= 1;	/* another datagram's */
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_ALL_STATS([BPFNET_STAT_FAST_OUT] = 1, [BPFNET_STAT_FLOWS_CREATED] = 1,
		       [BPFNET_STAT_FAST_IN] = 2, [BPFNET_STAT_DROP_UNSOLICITED] = 1,
		       [BPFNET_STAT_FLOWS_PROMOTED] = 1);
}

/*
 * Into a container through its veth: ND from anyone of the link, a
 * neighbour by its own veth, the host (under --isolate what opens nothing);
 * a router advertisement only from the host itself.
 */
static void test_to_container_admits_only_allowed(void)
{
	uint8_t in[256], out[2048];
	struct pkt6_spec s = { .src = "fd19::3", .dst = "fd19::2", .proto = IPPROTO_TCP,
			       .sport = 5555, .dport = 80, .tcp_flags = 0x02 };
	size_t len;

	len = build_pkt6(in, &s);
	CHECK_EQ(run_from(skel->progs.to_container, in, len, out, 7), TC_ACT_OK,
		 "a neighbour's SYN, by its own veth");
	CHECK_EQ(run_from(skel->progs.to_container, in, len, out, 1), TC_ACT_SHOT,
		 "the neighbour's address, routed in from elsewhere");
	s.src = "fd19::1";
	len = build_pkt6(in, &s);
	CHECK_EQ(run_from(skel->progs.to_container, in, len, out, 0), TC_ACT_OK,
		 "the host's SYN");
	len = build_nd(in, 135, "fd19::1", "ff02::1:ff00:2", "fd19::2", 1, mac_bridge);
	CHECK_EQ(run_from(skel->progs.to_container, in, len, out, 0), TC_ACT_OK,
		 "the host's NS");
	CHECK_EQ(run_from(skel->progs.to_container, in, len, out, 7), TC_ACT_OK,
		 "an NS through the bridge");
	CHECK_EQ(set_isolate(1), 0, "write net_config with --isolate");
	len = build_pkt6(in, &s);
	CHECK_EQ(run_from(skel->progs.to_container, in, len, out, 0), TC_ACT_SHOT,
		 "the host's SYN under --isolate");
	s.tcp_flags = 0x10;
	len = build_pkt6(in, &s);
	CHECK_EQ(run_from(skel->progs.to_container, in, len, out, 0), TC_ACT_OK,
		 "the host's ACK under --isolate");
	s = (struct pkt6_spec){ .src = "fe80::1", .dst = "ff02::1", .proto = IPPROTO_ICMPV6,
				.icmp_type = 134, .hop_limit = 255, .body = "\0\0\0\0\0\0\0\0\0\0\0\0",
				.blen = 12 };
	len = build_pkt6(in, &s);
	CHECK_EQ(run_from(skel->progs.to_container, in, len, out, 0), TC_ACT_OK,
		 "the host's router advertisement");
	CHECK_EQ(run_from(skel->progs.to_container, in, len, out, 7), TC_ACT_SHOT,
		 "a router advertisement through the bridge");
	CHECK_ALL_STATS([BPFNET_STAT_DROP_UNSOLICITED] = 2, [BPFNET_STAT_DROP_ISOLATED] = 1);
}

/*
 * NAT66, ICMPv6 errors coming back: a Packet Too Big from a router about
 * the neighbour's flow (translated to another port) reaches the neighbour
 * with its own address as destination and as the quoted source, its own
 * port quoted, the ICMPv6 checksum right; one quoting a tuple no flow
 * holds is the host's.
 */
static void test_nat66_icmp_error_in(void)
{
	uint8_t in[512], out[2048], err[160];
	struct pkt6_spec s = c_spec(IPPROTO_TCP, "2001:db8:100::2", 40000, 80);
	struct bpfnet_in6 want;
	uint16_t port3;
	__u32 olen;
	size_t len, qlen;

	CHECK_EQ(set_nat6(1), 0, "write net_config6 with nat6 and the uplink's address");
	s.tcp_flags = 0x02;
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);	/* c1 keeps 40000 */
	s.src = "fd19::3";
	memcpy(s.smac, mac_c3, 6);
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	port3 = ntohs(*(uint16_t *)(out + ETH_HLEN + IP6_HLEN));
	CHECK_NE(port3, 40000, "the neighbour's translated port");
	qlen = olen - ETH_HLEN;
	memset(err, 0, 4);
	err[2] = 0x05;	/* MTU 1280 */
	memcpy(err + 4, out + ETH_HLEN, qlen);
	s = (struct pkt6_spec){ .src = "2001:db8:100::9", .dst = "2001:db8:100::1",
				.proto = IPPROTO_ICMPV6, .icmp_type = 2, .body = err,
				.blen = 4 + qlen };
	len = build_pkt6(in, &s);
	CHECK_EQ(l6_csum_check(in, len), 0, "the Packet Too Big's checksum verifies");
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	want = in6("fd19::3");
	CHECK_MEM(out + ETH_HLEN + 24, &want, 16, "destination: the neighbour");
	CHECK_MEM(out + ETH_HLEN + IP6_HLEN + 8 + 8, &want, 16, "quoted source: the neighbour");
	CHECK_EQ(ntohs(*(uint16_t *)(out + ETH_HLEN + IP6_HLEN + 8 + IP6_HLEN)), 40000,
		 "quoted source port: its own");
	CHECK_EQ(l6_csum_check(out, olen), 0, "ICMPv6 checksum");
	CHECK_MEM(out, mac_c3, 6, "destination MAC (the neighbour)");
	CHECK_EQ(stat(BPFNET_STAT_ICMP_ERR_XLATED), 1u, "ICMP errors translated");
	err[4 + 40 + 1] ^= 1;	/* another quoted port: nobody's flow */
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_UNSPEC);
	CHECK_EQ(stat(BPFNET_STAT_ICMP_ERR_XLATED), 1u, "ICMP errors translated, in the end");
}

/*
 * NAT66, ICMPv6 errors a container sends: a port unreachable from the
 * neighbour about the reply of its flow (translated to another port)
 * leaves from the uplink's address, quoting the reply as the remote sent
 * it (to the uplink's address and the translated port): the whole frame
 * compared with one built from scratch, its ICMPv6 checksum computed here.
 * An error quoting no flow, or another container's, is dropped.
 */
static void test_nat66_icmp_error_out(void)
{
	uint8_t in[512], out[2048], q[256], want[512], err[300];
	struct pkt6_spec s = c_spec(IPPROTO_UDP, "2001:db8:100::2", 40000, 53);
	struct pkt6_spec e;
	struct bpfnet_in6 up = in6("2001:db8:100::1");
	uint16_t port3;
	__u32 olen;
	size_t len, qlen;

	CHECK_EQ(set_nat6(1), 0, "write net_config6 with nat6 and the uplink's address");
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);	/* c1 keeps 40000 */
	s.src = "fd19::3";
	memcpy(s.smac, mac_c3, 6);
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	port3 = ntohs(*(uint16_t *)(out + ETH_HLEN + IP6_HLEN));
	CHECK_NE(port3, 40000, "the neighbour's translated port");

	/* the reply as the neighbour received it, quoted in its error */
	s = (struct pkt6_spec){ .src = "2001:db8:100::2", .dst = "fd19::3",
				.proto = IPPROTO_UDP, .sport = 53, .dport = 40000,
				.body = "answer", .blen = 6 };
	qlen = build_pkt6(q, &s) - ETH_HLEN;
	memset(err, 0, 4);	/* unused */
	memcpy(err + 4, q + ETH_HLEN, qlen);
	e = (struct pkt6_spec){ .src = "fd19::3", .dst = "2001:db8:100::2",
				.proto = IPPROTO_ICMPV6, .icmp_type = 1, .icmp_code = 4,
				.body = err, .blen = 4 + qlen };
	memcpy(e.smac, mac_c3, 6);
	len = build_pkt6(in, &e);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	/* what the remote must see: from the uplink, about what it sent */
	memcpy(err + 4 + 24, &up, 16);
	err[4 + IP6_HLEN + 2] = (uint8_t)(port3 >> 8);
	err[4 + IP6_HLEN + 3] = (uint8_t)port3;
	e.src = "2001:db8:100::1";
	CHECK_EQ(build_pkt6(want, &e), len, "the expected frame's length");
	CHECK_MEM(out, want, len, "the error as it leaves, byte for byte");
	CHECK_EQ(l6_csum_check(out, olen), 0, "ICMPv6 checksum");
	CHECK_EQ(stat(BPFNET_STAT_ICMP_ERR_XLATED), 1u, "ICMP errors translated");

	/* quoting a port no flow holds: dropped, its address never leaves */
	e.src = "fd19::3";
	err[4 + IP6_HLEN + 3] = 0x01;
	memcpy(err + 4 + 24, q + ETH_HLEN + 24, 16);
	len = build_pkt6(in, &e);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_SHOT);
	/* c1 quoting its neighbour's packet: not its flow */
	memcpy(err + 4, q + ETH_HLEN, qlen);
	e.src = "fd19::2";
	memcpy(e.smac, mac_c1, 6);
	len = build_pkt6(in, &e);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_EQ(stat(BPFNET_STAT_DROP_NAT66_UNSUPPORTED), 2u, "errors about no flow of theirs");
	CHECK_EQ(stat(BPFNET_STAT_ICMP_ERR_XLATED), 1u, "ICMP errors translated, in the end");
}

/*
 * NAT66, a container's fragments leaving: the first (its UDP header
 * there) translated to another port than its own, as its flow; the later
 * one, no ports, leaves with the same source; both byte for byte as built
 * from scratch. A later fragment of a datagram whose first was never seen
 * is dropped (drop_fragment_unknown), its address never leaves.
 */
static void test_nat66_fragments_out(void)
{
	uint8_t in[512], out[2048], want[512], body[64];
	struct pkt6_spec s = c_spec(IPPROTO_UDP, "2001:db8:100::2", 40000, 53);
	struct bpfnet_in6 up = in6("2001:db8:100::1");
	uint16_t port3;
	__u32 olen;
	size_t len;

	CHECK_EQ(set_nat6(1), 0, "write net_config6 with nat6 and the uplink's address");
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);	/* c1 keeps 40000 */
	memset(body, 0xab, sizeof(body));
	s.src = "fd19::3";
	memcpy(s.smac, mac_c3, 6);
	s.ext[0] = IPPROTO_FRAGMENT;
	s.n_ext = 1;
	s.frag = 0x0001;	/* offset 0, more fragments */
	s.body = body;
	s.blen = 56;
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	port3 = ntohs(*(uint16_t *)(out + ETH_HLEN + IP6_HLEN + 8));
	CHECK_NE(port3, 40000, "the first fragment's translated port (the neighbour's)");
	s.src = "2001:db8:100::1";
	s.sport = port3;
	CHECK_EQ(build_pkt6(want, &s), len, "the expected first fragment's length");
	CHECK_MEM(out, want, len, "the first fragment, byte for byte (UDP checksum too)");

	s.src = "fd19::3";
	s.sport = 40000;
	s.frag = 8 << 3;	/* offset 64, the last */
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	memcpy(want, in, len);
	memcpy(want + ETH_HLEN + 8, &up, 16);
	CHECK_MEM(out, want, len, "the later fragment: only its source changed");
	CHECK_EQ(stat(BPFNET_STAT_FRAG_XLATED), 1u, "later fragments translated");

	in[ETH_HLEN + IP6_HLEN + 7] ^= 1;	/* another datagram's identification */
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_EQ(stat(BPFNET_STAT_DROP_FRAG_UNKNOWN), 1u, "a later fragment with no first");
	CHECK_EQ(stat(BPFNET_STAT_DROP_NAT66_UNSUPPORTED), 0u, "nothing left untranslated");
}

/* A GRE packet (no ports) from src to dst, built as pkt6.h builds any other. */
static size_t build_gre6(uint8_t *f, const char *src, const char *dst, const uint8_t *smac)
{
	static const uint8_t gre[8] = { 0, 0, 0x86, 0xdd, 1, 2, 3, 4 };
	struct pkt6_spec s = { .src = src, .dst = dst, .proto = 47, .body = gre,
			       .blen = sizeof(gre) };

	if (smac)
		memcpy(s.smac, smac, 6);
	return build_pkt6(f, &s);
}

/*
 * NAT66 of a protocol without ports (GRE): c1's packet leaves from the
 * uplink's address, nothing else changed; its neighbour's to the same
 * remote is dropped while c1's flow lives (drop_protocol_remote_taken),
 * to another remote it leaves; the remote's reply reaches c1; a packet
 * from a remote nobody holds is the host's; once c1's flow expired the
 * neighbour takes the remote over and its replies.
 */
static void test_nat66_other_protocols(void)
{
	uint8_t in[256], out[2048], want[256];
	struct bpfnet_in6 up = in6("2001:db8:100::1"), c1 = in6("fd19::2"), c3 = in6("fd19::3");
	struct bpfnet_flow6 k = { .saddr = c1, .daddr = in6("2001:db8:100::2"), .proto = 47 };
	struct bpfnet_ct6 ct;
	__u32 olen;
	size_t len;

	CHECK_EQ(set_nat6(1), 0, "write net_config6 with nat6 and the uplink's address");
	len = build_gre6(in, "fd19::2", "2001:db8:100::2", mac_c1);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	memcpy(want, in, len);
	memcpy(want + ETH_HLEN + 8, &up, 16);
	CHECK_MEM(out, want, len, "c1's GRE: only its source changed");
	len = build_gre6(in, "fd19::3", "2001:db8:100::2", mac_c3);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_SHOT);
	CHECK_EQ(stat(BPFNET_STAT_DROP_PROTO_TAKEN), 1u, "the neighbour, to c1's remote");
	len = build_gre6(in, "fd19::3", "2001:db8:100::3", mac_c3);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	CHECK_MEM(out + ETH_HLEN + 8, &up, 16, "the neighbour's GRE to another remote");

	len = build_gre6(in, "2001:db8:100::2", "2001:db8:100::1", NULL);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_MEM(out, mac_c1, 6, "the reply's destination MAC: c1");
	CHECK_MEM(out + ETH_HLEN + 24, &c1, 16, "the reply's destination: c1");
	CHECK_MEM(out + ETH_HLEN + 40, in + ETH_HLEN + 40, len - ETH_HLEN - 40, "its GRE, unchanged");
	len = build_gre6(in, "2001:db8:100::4", "2001:db8:100::1", NULL);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_UNSPEC);

	/* c1's flow expired: the neighbour takes the remote over */
	CHECK_EQ(bpf_map_lookup_elem(bpf_map__fd(skel->maps.conntrack6), &k, &ct), 0, "c1's flow");
	ct.ct.expires_ns = 1;
	CHECK_EQ(bpf_map_update_elem(bpf_map__fd(skel->maps.conntrack6), &k, &ct, BPF_EXIST), 0,
		 "c1's flow, expired");
	len = build_gre6(in, "fd19::3", "2001:db8:100::2", mac_c3);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	len = build_gre6(in, "2001:db8:100::2", "2001:db8:100::1", NULL);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_MEM(out + ETH_HLEN + 24, &c3, 16, "the reply's destination: the neighbour now");
	CHECK_EQ(stat(BPFNET_STAT_PROTO_NAT_PKTS), 5u, "packets translated by address");
	CHECK_EQ(stat(BPFNET_STAT_DROP_PROTO_TAKEN), 1u, "remotes taken, in the end");
	CHECK_EQ(stat(BPFNET_STAT_DROP_NAT66_UNSUPPORTED), 0u, "nothing left untranslated");
}

/* The reply tuple of a masqueraded TCP flow to 2001:db8:100::2:80 (rev_nat6's key). */
static struct bpfnet_flow6 rnat6_key(uint16_t port)
{
	return (struct bpfnet_flow6){ .saddr = in6("2001:db8:100::2"),
				      .daddr = in6("2001:db8:100::1"), .sport = htons(80),
				      .dport = htons(port), .proto = IPPROTO_TCP };
}

/*
 * NAT66 flows heal and keep off the host's ports: the neighbour's flow
 * (translated to another port, not answered yet: ct6_new, rev_nat6_new)
 * loses its reply half and its next packet leaves from the same port, the
 * half re-made in its tier; it loses its forward half and a reply re-makes
 * it, reaching the neighbour, the flow promoted to conntrack6 and rev_nat6
 * (healed across tiers); each counted flows_healed. A container's flow from a port a host TCP listener holds
 * on the uplink's address gets another (host_ports_skipped).
 */
static void test_nat66_flows_heal_and_skip_host_ports(void)
{
	uint8_t in[256], out[2048];
	struct pkt6_spec s = c_spec(IPPROTO_TCP, "2001:db8:100::2", 40000, 80);
	struct sockaddr_in6 me = { .sin6_family = AF_INET6, .sin6_port = htons(40001) };
	struct bpfnet_flow6 k3 = { .saddr = in6("fd19::3"), .daddr = in6("2001:db8:100::2"),
				   .sport = htons(40000), .dport = htons(80),
				   .proto = IPPROTO_TCP }, r, owner;
	int rnat = bpf_map__fd(skel->maps.rev_nat6_new), ct6 = bpf_map__fd(skel->maps.ct6_new);
	struct bpfnet_ct6 ct;
	uint16_t port3;
	__u32 olen;
	size_t len;
	int lfd;

	CHECK_EQ(host_links6(0), 0, "links, addresses and net_config of the host");
	CHECK_EQ(set_nat6(1), 0, "write net_config6 with nat6 and the uplink's address");
	s.tcp_flags = 0x02;
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);	/* c1 keeps 40000 */
	s.src = "fd19::3";
	memcpy(s.smac, mac_c3, 6);
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	port3 = ntohs(*(uint16_t *)(out + ETH_HLEN + IP6_HLEN));
	CHECK_NE(port3, 40000, "the neighbour's translated port");

	/* its reply half lost: its next packet claims the same port again */
	r = rnat6_key(port3);
	CHECK_EQ(bpf_map_delete_elem(rnat, &r), 0, "the neighbour's rev_nat6_new entry, lost");
	s.tcp_flags = 0x10;
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	CHECK_L6(out, olen, "2001:db8:100::1", "2001:db8:100::2", 0, port3, "the next packet");
	CHECK_EQ(bpf_map_lookup_elem(rnat, &r, &owner), 0, "the reply half, re-made");
	CHECK_MEM(&owner, &k3, sizeof(k3), "... for the neighbour's flow");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_HEALED), 1u, "flows healed (reply half)");

	/* its forward half lost: a reply re-makes it */
	CHECK_EQ(bpf_map_delete_elem(ct6, &k3), 0, "the neighbour's ct6_new entry, lost");
	s = (struct pkt6_spec){ .src = "2001:db8:100::2", .dst = "2001:db8:100::1",
				.proto = IPPROTO_TCP, .sport = 80, .dport = port3,
				.tcp_flags = 0x10 };
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_L6(out, olen, "2001:db8:100::2", "fd19::3", 2, 40000, "the reply, to the neighbour");
	CHECK_EQ(lookup_ct6("fd19::3", "2001:db8:100::2", 40000, 80, IPPROTO_TCP, &ct), 0,
		 "the forward half, re-made");
	CHECK_EQ(ntohs(ct.ct.nat_port), port3, "... with its translated port");
	CHECK_EQ(bpf_map_lookup_elem(bpf_map__fd(skel->maps.rev_nat6), &r, &owner), 0,
		 "its reply half, promoted to rev_nat6");
	CHECK_MEM(&owner, &k3, sizeof(k3), "... for the neighbour's flow");
	CHECK_EQ(bpf_map_lookup_elem(rnat, &r, &owner), -ENOENT, "... and gone from rev_nat6_new");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_HEALED), 2u, "flows healed (both halves)");

	/* a host listener on [2001:db8:100::1]:40001: its port is not given */
	lfd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memcpy(&me.sin6_addr, &r.daddr, sizeof(me.sin6_addr));
	CHECK_EQ(bind(lfd, (struct sockaddr *)&me, sizeof(me)) || listen(lfd, 1), 0,
		 "a host TCP listener on the uplink's address, port 40001");
	s = c_spec(IPPROTO_TCP, "2001:db8:100::2", 40001, 80);
	s.tcp_flags = 0x02;
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	CHECK_NE(ntohs(*(uint16_t *)(out + ETH_HLEN + IP6_HLEN)), 40001, "c1's port 40001: another");
	CHECK_EQ(stat(BPFNET_STAT_HOST_PORT_SKIPPED), 1u, "ports passed over for the host");
	close(lfd);
}

/*
 * Another network on the uplink (peers.h): its rev_nat6 holds the reply
 * tuple of port 40000, its port_maps6 publishes 40002/tcp on every
 * address. NAT66 passes both over (snat_ports_other_network_holds), and a
 * reply to the tuple it holds is left to the next filter, as it came.
 */
static void test_nat66_avoids_other_networks_tuples(void)
{
	uint8_t in[256], out[2048];
	struct pkt6_spec s = c_spec(IPPROTO_TCP, "2001:db8:100::2", 40000, 80);
	struct bpfnet_flow6 held = rnat6_key(40000), theirs = { .proto = IPPROTO_TCP };
	struct bpfnet_pm6_key pk = { .host_port = htons(40002), .proto = IPPROTO_TCP };
	struct bpfnet_pm6_val pv = { 0 };
	__u32 slot = 0, olen;
	int rn, pm;
	size_t len;

	CHECK_EQ(host_links6(0), 0, "links, addresses and net_config of the host");
	CHECK_EQ(set_nat6(1), 0, "write net_config6 with nat6 and the uplink's address");
	rn = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "rev_nat6", sizeof(held), sizeof(theirs),
			    bpf_map__max_entries(skel->maps.rev_nat6), NULL);
	pm = bpf_map_create(BPF_MAP_TYPE_HASH, "port_maps6", sizeof(pk), sizeof(pv),
			    bpf_map__max_entries(skel->maps.port_maps6), NULL);
	CHECK_EQ(rn >= 0 && pm >= 0, 1, "the other network's rev_nat6 and port_maps6");
	CHECK_EQ(bpf_map_update_elem(rn, &held, &theirs, BPF_ANY), 0, "its flow on port 40000");
	CHECK_EQ(bpf_map_update_elem(pm, &pk, &pv, BPF_ANY), 0, "its port [::]:40002/tcp");
	CHECK_EQ(bpf_map_update_elem(bpf_map__fd(skel->maps.peer_rev_nat6), &slot, &rn, BPF_ANY),
		 0, "peer_rev_nat6 slot 0");
	CHECK_EQ(bpf_map_update_elem(bpf_map__fd(skel->maps.peer_port_maps6), &slot, &pm, BPF_ANY),
		 0, "peer_port_maps6 slot 0");
	s.tcp_flags = 0x02;
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	CHECK_NE(ntohs(*(uint16_t *)(out + ETH_HLEN + IP6_HLEN)), 40000, "c1's port 40000: another");
	CHECK_EQ(stat(BPFNET_STAT_PEER_PORT_SKIPPED), 1u, "ports passed over for the other network");
	s = c_spec(IPPROTO_TCP, "2001:db8:100::2", 40002, 80);
	s.tcp_flags = 0x02;
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);
	CHECK_NE(ntohs(*(uint16_t *)(out + ETH_HLEN + IP6_HLEN)), 40002, "c1's port 40002: another");
	CHECK_EQ(stat(BPFNET_STAT_PEER_PORT_SKIPPED), 2u, "... and the port it publishes");
	/* the other network's reply: not this filter's, untouched */
	s = (struct pkt6_spec){ .src = "2001:db8:100::2", .dst = "2001:db8:100::1",
				.proto = IPPROTO_TCP, .sport = 80, .dport = 40000,
				.tcp_flags = 0x12 };
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_UNSPEC);
	CHECK_MEM(out, in, len, "the other network's reply, as it came");
	CHECK_EQ(stat(BPFNET_STAT_RNAT_PKTS), 0u, "replies translated");
	close(rn);
	close(pm);
}

/*
 * NAT66, a reply's fragments coming in: the first translated back as its
 * flow's reply, the later one to the same container (only its destination
 * and hop limit changed); a later fragment of another datagram is the
 * host's.
 */
static void test_nat66_reply_fragments_in(void)
{
	uint8_t in[512], out[2048], want[512], body[64];
	struct pkt6_spec s = c_spec(IPPROTO_UDP, "2001:db8:100::2", 40000, 53);
	struct bpfnet_in6 c1 = in6("fd19::2");
	__u32 olen;
	size_t len;

	CHECK_EQ(set_nat6(1), 0, "write net_config6 with nat6 and the uplink's address");
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_egress, in, len, out, &olen, TC_ACT_OK);	/* c1 keeps 40000 */
	memset(body, 0xcd, sizeof(body));
	s = (struct pkt6_spec){ .src = "2001:db8:100::2", .dst = "2001:db8:100::1",
				.proto = IPPROTO_UDP, .sport = 53, .dport = 40000,
				.ext = { IPPROTO_FRAGMENT }, .n_ext = 1, .frag = 0x0001,
				.body = body, .blen = 56 };
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_MEM(out + ETH_HLEN + 24, &c1, 16, "the first fragment's destination: c1");
	s.frag = 8 << 3;	/* offset 64, the last */
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	memcpy(want, in, len);
	memcpy(want, mac_c1, 6);
	want[ETH_HLEN + 7] = 63;	/* one hop less */
	memcpy(want + ETH_HLEN + 24, &c1, 16);
	CHECK_MEM(out, mac_c1, 6, "the later fragment's destination MAC: c1");
	CHECK_MEM(out + ETH_HLEN, want + ETH_HLEN, len - ETH_HLEN,
		  "the later fragment: its destination and hop limit changed, nothing else");
	CHECK_EQ(stat(BPFNET_STAT_FRAG_XLATED), 1u, "later fragments translated");
	in[ETH_HLEN + IP6_HLEN + 7] ^= 1;	/* another datagram's identification */
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_UNSPEC);
	CHECK_EQ(stat(BPFNET_STAT_FRAG_XLATED), 1u, "later fragments translated, in the end");
}

/* A port map of port_maps6: [host]:hport/proto -> [fd19::2]:cport. */
static int add_pm6(const char *host, uint16_t hport, uint8_t proto, uint16_t cport)
{
	struct bpfnet_pm6_key k = { .host_addr = in6(host), .host_port = htons(hport),
				    .proto = proto };
	struct bpfnet_pm6_val v = { .caddr = in6("fd19::2"), .cport = htons(cport) };

	return bpf_map_update_elem(bpf_map__fd(skel->maps.port_maps6), &k, &v, 0);
}

/* out is want from its addresses on (L4 header, checksum, payload). */
#define CHECK_FRAME6(out, olen, want, wlen, what)                           \
	do {                                                                 \
		CHECK_EQ((olen), (__u32)(wlen), "length: " what);            \
		CHECK_MEM((out) + ETH_HLEN + 8, (want) + ETH_HLEN + 8,       \
			  (wlen) - ETH_HLEN - 8, "addresses, ports, checksum, payload: " what); \
		CHECK_EQ((out)[ETH_HLEN + 7], 63, "hop limit (forwarded once): " what); \
	} while (0)

/*
 * A port on every IPv6 address at another address of the host (a
 * secondary one, 2001:db8:100::7): the host's own traffic while
 * host_addrs6 does not know the address (TC_ACT_UNSPEC, unchanged), the
 * published container's once it does (the SYN in, byte for byte).
 */
static void test_dnat6_at_other_host_address(void)
{
	uint8_t in[256], out[2048], want[256];
	struct pkt6_spec s = { .src = "2001:db8:100::2", .dst = "2001:db8:100::7",
			       .proto = IPPROTO_TCP, .sport = 40000, .dport = 8080,
			       .tcp_flags = 0x02 };
	struct bpfnet_in6 a = in6("2001:db8:100::7");
	__u32 ifx = 1, olen;
	size_t len, wlen;

	CHECK_EQ(host_links6(0), 0, "links, addresses and net_config of the host");
	CHECK_EQ(set_nat6(1), 0, "write net_config6 with nat6 and the uplink's address");
	CHECK_EQ(add_pm6("::", 8080, IPPROTO_TCP, 80), 0, "write port_maps6 (every address)");
	CHECK_EQ(add_ep6_as("fd19::2", mac_c1, 1, "172.19.0.2", BPFNET_EP_PUBLISHED), 0,
		 "endpoint fd19::2 published");
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_UNSPEC);
	CHECK_MEM(out, in, len, "an address host_addrs6 does not know: the host's, as it came");
	CHECK_EQ(bpf_map_update_elem(bpf_map__fd(skel->maps.host_addrs6), &a, &ifx, BPF_ANY), 0,
		 "host_addrs6 learns 2001:db8:100::7");
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	s.dst = "fd19::2";
	s.dport = 80;
	wlen = build_pkt6(want, &s);
	CHECK_FRAME6(out, olen, want, wlen, "the SYN in, to the container");
	CHECK_EQ(stat(BPFNET_STAT_DNAT_FLOWS), 1u, "published-port flows made");
}

/*
 * A published IPv6 port from outside (port_maps6): a SYN to
 * [2001:db8:100::1]:8080, a port of every address, goes into
 * [fd19::2]:80 byte for byte as a frame built so from scratch (its TCP
 * checksum through the pseudo header), its flow in dnat6_ct_new; the
 * container's SYN-ACK leaves by the uplink from [2001:db8:100::1]:8080,
 * exact too. A datagram to a port of that one address alike. A port not
 * published, or published on another address, is the host's own.
 */
static void test_dnat6_published_port(void)
{
	uint8_t in[256], out[2048], want[256];
	struct pkt6_spec s = { .src = "2001:db8:100::2", .dst = "2001:db8:100::1",
			       .proto = IPPROTO_TCP, .sport = 40000, .dport = 8080,
			       .tcp_flags = 0x02, .body = "hello", .blen = 5 };
	struct bpfnet_flow6 k = { .saddr = in6("2001:db8:100::2"),
				  .daddr = in6("2001:db8:100::1"), .sport = htons(40000),
				  .dport = htons(8080), .proto = IPPROTO_TCP };
	struct bpfnet_ct6 ct;
	size_t len, wlen;
	__u32 olen;

	CHECK_EQ(host_links6(0), 0, "links, addresses and net_config of the host");
	CHECK_EQ(set_nat6(1), 0, "write net_config6 with nat6 and the uplink's address");
	CHECK_EQ(add_pm6("::", 8080, IPPROTO_TCP, 80), 0, "write port_maps6 (every address)");
	CHECK_EQ(add_pm6("2001:db8:100::1", 5353, IPPROTO_UDP, 53), 0,
		 "write port_maps6 (one address)");
	CHECK_EQ(add_pm6("2001:db8:100::9", 7070, IPPROTO_TCP, 70), 0,
		 "write port_maps6 (another address)");
	CHECK_EQ(add_ep6_as("fd19::2", mac_c1, 1, "172.19.0.2", BPFNET_EP_PUBLISHED), 0,
		 "endpoint fd19::2 published (as portmap6.c marks it)");
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	s.dst = "fd19::2";
	s.dport = 80;
	wlen = build_pkt6(want, &s);
	CHECK_FRAME6(out, olen, want, wlen, "the SYN in");
	CHECK_MEM(out, mac_c1, 6, "destination MAC (the container)");
	CHECK_EQ(bpf_map_lookup_elem(bpf_map__fd(skel->maps.dnat6_ct_new), &k, &ct), 0,
		 "dnat6_ct_new entry of the client's flow (not proven yet)");
	CHECK_MEM(&ct.nat_addr6, want + ETH_HLEN + 24, 16, "its container address");
	CHECK_EQ(ntohs(ct.ct.nat_port), 80, "its container port");

	s = c_spec(IPPROTO_TCP, "2001:db8:100::2", 80, 40000);
	s.tcp_flags = 0x12;
	s.body = "world";
	s.blen = 5;
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	s.src = "2001:db8:100::1";
	s.sport = 8080;
	wlen = build_pkt6(want, &s);
	CHECK_FRAME6(out, olen, want, wlen, "the SYN-ACK out");

	s = (struct pkt6_spec){ .src = "2001:db8:100::2", .dst = "2001:db8:100::1",
				.proto = IPPROTO_UDP, .sport = 5000, .dport = 5353,
				.body = "question", .blen = 8 };
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_REDIRECT);
	s.dst = "fd19::2";
	s.dport = 53;
	wlen = build_pkt6(want, &s);
	CHECK_FRAME6(out, olen, want, wlen, "the datagram in");
	s = c_spec(IPPROTO_UDP, "2001:db8:100::2", 53, 5000);
	s.body = "answer";
	s.blen = 6;
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	s.src = "2001:db8:100::1";
	s.sport = 5353;
	wlen = build_pkt6(want, &s);
	CHECK_FRAME6(out, olen, want, wlen, "the answer out");

	/* not published here: the host's, unchanged */
	s = (struct pkt6_spec){ .src = "2001:db8:100::2", .dst = "2001:db8:100::1",
				.proto = IPPROTO_TCP, .sport = 40001, .dport = 7070,
				.tcp_flags = 0x02 };
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_UNSPEC);
	CHECK_MEM(out, in, len, "a SYN to a port of another address, unchanged");
	s.dport = 8081;
	len = build_pkt6(in, &s);
	CHECK_RUN(uplink_ingress, in, len, out, &olen, TC_ACT_UNSPEC);
	CHECK_MEM(out, in, len, "a SYN to a port published nowhere, unchanged");
	CHECK_ALL_STATS([BPFNET_STAT_DNAT_FLOWS] = 2, [BPFNET_STAT_DNAT_PKTS] = 2,
		       [BPFNET_STAT_DNAT_REPLIES] = 2, [BPFNET_STAT_FAST_IN] = 2,
		       [BPFNET_STAT_FAST_OUT] = 2);
}

static const uint8_t mac_c4[6] = { 0x02, 0x42, 172, 19, 0, 4 };

/* The packets the container counted under ip4s: tx (tx 1) or rx. */
static __u64 ep_packets(const char *ip4s, int tx)
{
	struct bpfnet_ep_stats v[256];
	int n = libbpf_num_possible_cpus();
	__be32 key = ip4(ip4s);
	__u64 sum = 0;

	if (n < 1 || n > 256 ||
	    bpf_map_lookup_elem(bpf_map__fd(skel->maps.endpoint_stats), &key, v))
		return ~0ULL;
	for (int i = 0; i < n; i++)
		sum += tx ? v[i].tx_packets : v[i].rx_packets;
	return sum;
}

/*
 * One TCP exchange through a published port from a container: its SYN
 * from [src]:sport to [dialled]:8080 reaches [fd19::2]:80 as a frame built
 * so from scratch, from [seen]:sport; fd19::2's SYN-ACK to [seen]:sport
 * goes back to [src]:sport from [dialled]:8080, exact too. Both delivered
 * at once (one hop less).
 */
static void hairpin6_exchange(const char *src, const uint8_t *smac, const char *dialled,
			      const char *seen, uint16_t sport)
{
	uint8_t in[256], out[2048], want[256];
	struct pkt6_spec s = { .src = src, .dst = dialled, .proto = IPPROTO_TCP,
			       .sport = sport, .dport = 8080, .tcp_flags = 0x02,
			       .body = "hello", .blen = 5 };
	size_t len, wlen;
	__u32 olen;

	memcpy(s.smac, smac, 6);
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	s.src = seen;
	s.dst = "fd19::2";
	s.dport = 80;
	wlen = build_pkt6(want, &s);
	CHECK_FRAME6(out, olen, want, wlen, "the SYN, hairpinned");
	CHECK_MEM(out, mac_c1, 6, "destination MAC (the published container)");

	s = c_spec(IPPROTO_TCP, seen, 80, sport);
	s.tcp_flags = 0x12;
	s.body = "world";
	s.blen = 5;
	len = build_pkt6(in, &s);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	s.src = dialled;
	s.sport = 8080;
	s.dst = src;
	wlen = build_pkt6(want, &s);
	CHECK_FRAME6(out, olen, want, wlen, "the SYN-ACK, back to the client");
	CHECK_MEM(out, smac, 6, "destination MAC (the client)");
}

/*
 * Hairpin: containers reaching a port published on every address
 * ([::]:8080 -> [fd19::2]:80) by the host's addresses. fd19::4 by the
 * uplink's [2001:db8:100::1]:8080 and the gateway's [fd19::1]:8080;
 * fd19::2 its own port, given the gateway as source (or its answer would
 * never leave it). Counted: the sender's tx, the receiver's rx.
 */
static void test_hairpin6_published_port(void)
{
	CHECK_EQ(host_links6(0), 0, "links, addresses and net_config of the host");
	CHECK_EQ(set_nat6(1), 0, "write net_config6 with nat6 and the uplink's address");
	CHECK_EQ(add_pm6("::", 8080, IPPROTO_TCP, 80), 0, "write port_maps6 (every address)");
	CHECK_EQ(add_ep6_as("fd19::2", mac_c1, 1, "172.19.0.2", BPFNET_EP_PUBLISHED), 0,
		 "endpoint fd19::2 published (as portmap6.c marks it)");
	CHECK_EQ(add_ep6_as("fd19::4", mac_c4, 1, "172.19.0.4", 0), 0, "endpoint fd19::4");
	hairpin6_exchange("fd19::4", mac_c4, "2001:db8:100::1", "fd19::4", 40000);
	hairpin6_exchange("fd19::4", mac_c4, "fd19::1", "fd19::4", 40001);
	hairpin6_exchange("fd19::2", mac_c1, "fd19::1", "fd19::1", 40002);
	hairpin6_exchange("fd19::2", mac_c1, "2001:db8:100::1", "fd19::1", 40003);
	CHECK_EQ(ep_packets("172.19.0.4", 1), 2u, "fd19::4's tx: its SYNs");
	CHECK_EQ(ep_packets("172.19.0.4", 0), 2u, "fd19::4's rx: the SYN-ACKs");
	CHECK_EQ(ep_packets("172.19.0.2", 1), 6u, "fd19::2's tx: 4 SYN-ACKs, 2 SYNs");
	CHECK_EQ(ep_packets("172.19.0.2", 0), 6u, "fd19::2's rx: 4 SYNs, 2 SYN-ACKs");
	CHECK_ALL_STATS([BPFNET_STAT_DNAT_FLOWS] = 4, [BPFNET_STAT_DNAT_PKTS] = 4,
		       [BPFNET_STAT_DNAT_REPLIES] = 4, [BPFNET_STAT_HAIRPIN] = 8,
		       [BPFNET_STAT_FAST_IN] = 8);
}

/*
 * Flood resistance, as test_flood.c's for IPv4: the object loaded again
 * with small IPv6 tables (MAIN6 entries in conntrack6, rev_nat6, dnat6_ct,
 * dnat6_rev; NEW6 in ct6_new, rev_nat6_new, dnat6_ct_new, dnat6_rev_new),
 * so that a flood of FLOOD6 flows, more than both together, stays short.
 */
#define MAIN6 1024
#define NEW6 4096
#define FLOOD6 6000

static void reload_small6(void)
{
	struct bpf_map *m[8];
	int err = 0;

	skel = bpfnet_bpf__open();	/* its own (dp_release destroys it) */
	CHECK_NE(skel, NULL, "bpfnet_bpf__open()");
	m[0] = skel->maps.conntrack6, m[1] = skel->maps.rev_nat6;
	m[2] = skel->maps.dnat6_ct, m[3] = skel->maps.dnat6_rev;
	m[4] = skel->maps.ct6_new, m[5] = skel->maps.rev_nat6_new;
	m[6] = skel->maps.dnat6_ct_new, m[7] = skel->maps.dnat6_rev_new;
	for (int i = 0; i < 8 && !err; i++)
		err = bpf_map__set_max_entries(m[i], i < 4 ? MAIN6 : NEW6);
	CHECK_EQ(err, 0, "bpf_map__set_max_entries");
	CHECK_EQ(bpfnet_bpf__load(skel), 0, "bpfnet_bpf__load");
	setup_net();
	CHECK_EQ(set_cfg6(1), 0, "write net_config6");
	CHECK_EQ(add_ep6_as("fd19::2", mac_c1, 1, "172.19.0.2", BPFNET_EP_PUBLISHED), 0,
		 "write endpoint fd19::2, published");
	CHECK_EQ(host_links6(0), 0, "links, addresses and net_config of the host");
	CHECK_EQ(set_nat6(1), 0, "write net_config6 with nat6 and the uplink's address");
}

static int count6(struct bpf_map *map)
{
	struct bpfnet_flow6 k, next;
	void *prev = NULL;
	int n = 0;

	while (!bpf_map_get_next_key(bpf_map__fd(map), prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

/* Is flow [src]:sport -> [dst]:dport in map? */
static int has_flow6(struct bpf_map *map, const char *src, const char *dst,
		     uint16_t sport, uint16_t dport, uint8_t proto)
{
	struct bpfnet_ct6 ct;

	return !lookup_ct6_in(bpf_map__fd(map), src, dst, sport, dport, proto, &ct);
}

/* The n-th flooding address, 2001:db8:100::1:1 on (on the uplink's link). */
static const char *flood6_addr(int i, char *buf, size_t size)
{
	snprintf(buf, size, "2001:db8:100::%x:%x", 1 + i / 60000, 1 + i % 60000);
	return buf;
}

/* prog on the frame s describes, into out: the verdict. */
static int run6(struct bpf_program *prog, const struct pkt6_spec *s, uint8_t *out,
		__u32 *olen)
{
	uint8_t in[512];
	size_t len = build_pkt6(in, s);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = 2048, .repeat = 1);

	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts))
		return -errno;
	*olen = opts.data_size_out;
	return (int)opts.retval;
}

/* FLOOD6 datagrams from fd19::2 to as many remotes, never answered: those not translated. */
static int flood6_out(void)
{
	struct pkt6_spec s = c_spec(IPPROTO_UDP, NULL, 0, 53);
	struct bpfnet_in6 up = in6("2001:db8:100::1");
	uint8_t out[2048];
	int fails = 0;
	char dst[48];
	__u32 olen;

	for (int i = 0; i < FLOOD6; i++) {
		s.dst = flood6_addr(i, dst, sizeof(dst));
		s.sport = (uint16_t)(1024 + i % 240);
		if (run6(skel->progs.uplink_egress, &s, out, &olen) != TC_ACT_OK ||
		    memcmp(out + ETH_HLEN + 8, &up, 16))
			fails++;
	}
	return fails;
}

/*
 * FLOOD6 spoofed connections to [2001:db8:100::1]:8080 (published as
 * [fd19::2]:80): each a SYN, the container's SYN-ACK and a blind ACK (it
 * acknowledges the wrong number). The SYNs not delivered.
 */
static int flood6_syn(void)
{
	struct pkt6_spec s = { .dst = "2001:db8:100::1", .proto = IPPROTO_TCP, .dport = 8080 };
	struct pkt6_spec c = c_spec(IPPROTO_TCP, NULL, 80, 0);
	uint8_t out[2048];
	int fails = 0;
	char src[48];
	__u32 olen;

	for (int i = 0; i < FLOOD6; i++) {
		s.src = c.dst = flood6_addr(i, src, sizeof(src));
		s.sport = c.dport = (uint16_t)(10000 + i);
		s.tcp_flags = 0x02, s.tcp_seq = 7000, s.tcp_ack = 0;
		if (run6(skel->progs.uplink_ingress, &s, out, &olen) != TC_ACT_REDIRECT)
			fails++;
		c.tcp_flags = 0x12, c.tcp_seq = 3000, c.tcp_ack = 7001;
		run6(skel->progs.from_container, &c, out, &olen);
		s.tcp_flags = 0x10, s.tcp_seq = 7001, s.tcp_ack = 123456;
		run6(skel->progs.uplink_ingress, &s, out, &olen);
	}
	return fails;
}

/*
 * prog on s: the verdict, and the frame out byte for byte from the hop
 * limit on as s rewritten says (src or dst NULL: kept), built from
 * scratch; the hop limit one less when forwarded (verdict TC_ACT_REDIRECT).
 */
static void exact6(struct bpf_program *prog, struct pkt6_spec s, int verdict,
		   const char *src, uint16_t sport, const char *dst, uint16_t dport,
		   const char *what)
{
	uint8_t out[2048], want[512];
	size_t wlen;
	__u32 olen;

	CHECK_EQ(run6(prog, &s, out, &olen), verdict, what);
	if (src)
		s.src = src, s.sport = sport;
	if (dst)
		s.dst = dst, s.dport = dport;
	if (verdict == TC_ACT_REDIRECT)
		s.hop_limit = 63;
	wlen = build_pkt6(want, &s);
	CHECK_EQ(olen, (__u32)wlen, what);
	CHECK_MEM(out + ETH_HLEN + 7, want + ETH_HLEN + 7, wlen - ETH_HLEN - 7, what);
}

/* fd19::2:40000 -> [2001:db8:100::2]:80 through its handshake, masqueraded. */
static void nat66_handshake(void)
{
	struct pkt6_spec o = c_spec(IPPROTO_TCP, "2001:db8:100::2", 40000, 80);
	struct pkt6_spec r = { .src = "2001:db8:100::2", .dst = "2001:db8:100::1",
			       .proto = IPPROTO_TCP, .sport = 80, .dport = 40000 };
	uint8_t out[2048];
	__u32 olen;

	o.tcp_flags = 0x02;
	CHECK_EQ(run6(skel->progs.uplink_egress, &o, out, &olen), TC_ACT_OK, "the SYN out");
	r.tcp_flags = 0x12, r.tcp_seq = 5000, r.tcp_ack = 1001;
	CHECK_EQ(run6(skel->progs.uplink_ingress, &r, out, &olen), TC_ACT_REDIRECT,
		 "the SYN-ACK in");
	o.tcp_flags = 0x10, o.tcp_seq = 1001, o.tcp_ack = 5001;
	CHECK_EQ(run6(skel->progs.uplink_egress, &o, out, &olen), TC_ACT_OK, "the ACK out");
}

/*
 * NAT66: an established connection, idle through a flood of FLOOD6 new
 * flows from its container (more than conntrack6 and ct6_new together):
 * it stays in conntrack6 and rev_nat6, the server's next segment still
 * reaches the container and its answer still leaves from the same port,
 * exact bytes both ways; every counter exact.
 */
static void test_nat66_established_survives_flood(void)
{
	struct pkt6_spec s = { .src = "2001:db8:100::2", .dst = "2001:db8:100::1",
			       .proto = IPPROTO_TCP, .sport = 80, .dport = 40000,
			       .tcp_flags = 0x18, .tcp_seq = 5001, .tcp_ack = 1001,
			       .body = "pushed", .blen = 6 };

	reload_small6();
	nat66_handshake();
	CHECK_EQ(has_flow6(skel->maps.conntrack6, "fd19::2", "2001:db8:100::2", 40000, 80,
			   IPPROTO_TCP), 1, "conntrack6 entry of the answered connection");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_PROMOTED), 1u, "flows promoted");
	CHECK_EQ(flood6_out(), 0, "flood flows not translated");
	CHECK_EQ(has_flow6(skel->maps.ct6_new, "fd19::2", "2001:db8:100::1:1", 1024, 53,
			   IPPROTO_UDP), 0, "the first flood flow, evicted from ct6_new");
	CHECK_EQ(count6(skel->maps.conntrack6), 1, "conntrack6 entries (the connection)");
	CHECK_EQ(count6(skel->maps.rev_nat6), 1, "rev_nat6 entries (the connection)");

	exact6(skel->progs.uplink_ingress, s, TC_ACT_REDIRECT, NULL, 0, "fd19::2", 40000,
	       "the server's segment, delivered to [fd19::2]:40000");
	s = c_spec(IPPROTO_TCP, "2001:db8:100::2", 40000, 80);
	s.tcp_flags = 0x18, s.tcp_seq = 1001, s.tcp_ack = 5007, s.body = "ok", s.blen = 2;
	exact6(skel->progs.uplink_egress, s, TC_ACT_OK, "2001:db8:100::1", 40000, NULL, 0,
	       "the answer, from [2001:db8:100::1]:40000");
	/* exact bytes out, but the uplink's egress forwards nothing: hop limit kept */
	CHECK_ALL_STATS([BPFNET_STAT_FLOWS_CREATED] = 1 + FLOOD6,
		       [BPFNET_STAT_FLOWS_PROMOTED] = 1,
		       [BPFNET_STAT_SNAT_PKTS] = 3 + FLOOD6,
		       [BPFNET_STAT_SNAT_BYTES] = 60 + 60 + 48 * FLOOD6 + 62,
		       [BPFNET_STAT_RNAT_PKTS] = 2, [BPFNET_STAT_RNAT_BYTES] = 60 + 66,
		       [BPFNET_STAT_FAST_IN] = 2);
}

/* [2001:db8:100::2]:33333 -> [2001:db8:100::1]:8080 (published as [fd19::2]:80). */
static struct pkt6_spec client6(uint8_t flags, uint32_t ack, const char *data)
{
	return (struct pkt6_spec){ .src = "2001:db8:100::2", .dst = "2001:db8:100::1",
				   .proto = IPPROTO_TCP, .sport = 33333, .dport = 8080,
				   .tcp_flags = flags, .tcp_seq = 1000, .tcp_ack = ack,
				   .body = data, .blen = data ? strlen(data) : 0 };
}

/* [fd19::2]:80 -> [2001:db8:100::2]:33333, its answer. */
static struct pkt6_spec server6(uint8_t flags, uint32_t ack, const char *data)
{
	struct pkt6_spec s = c_spec(IPPROTO_TCP, "2001:db8:100::2", 80, 33333);

	s.tcp_flags = flags, s.tcp_seq = 3000, s.tcp_ack = ack;
	s.body = data, s.blen = data ? strlen(data) : 0;
	return s;
}

/* The client's connection to 8080 through its handshake: proven, promoted. */
static void dnat6_handshake(void)
{
	uint8_t out[2048];
	struct pkt6_spec s;
	__u32 olen;

	CHECK_EQ(add_pm6("::", 8080, IPPROTO_TCP, 80), 0, "publish [::]:8080 -> [fd19::2]:80");
	s = client6(0x02, 0, NULL);
	CHECK_EQ(run6(skel->progs.uplink_ingress, &s, out, &olen), TC_ACT_REDIRECT, "client SYN");
	s = server6(0x12, 1001, NULL);
	CHECK_EQ(run6(skel->progs.from_container, &s, out, &olen), TC_ACT_REDIRECT, "SYN-ACK");
	CHECK_EQ(has_flow6(skel->maps.dnat6_ct, "2001:db8:100::2", "2001:db8:100::1", 33333,
			   8080, IPPROTO_TCP), 0, "dnat6_ct entry before the client's ACK");
	CHECK_EQ(has_flow6(skel->maps.dnat6_ct_new, "2001:db8:100::2", "2001:db8:100::1",
			   33333, 8080, IPPROTO_TCP), 1, "dnat6_ct_new entry before it");
	s = client6(0x10, 3001, NULL);
	CHECK_EQ(run6(skel->progs.uplink_ingress, &s, out, &olen), TC_ACT_REDIRECT, "client ACK");
	CHECK_EQ(has_flow6(skel->maps.dnat6_ct, "2001:db8:100::2", "2001:db8:100::1", 33333,
			   8080, IPPROTO_TCP), 1, "dnat6_ct entry of the established connection");
	CHECK_EQ(has_flow6(skel->maps.dnat6_ct_new, "2001:db8:100::2", "2001:db8:100::1",
			   33333, 8080, IPPROTO_TCP), 0, "dnat6_ct_new entry, gone");
	CHECK_EQ(count6(skel->maps.dnat6_rev), 1, "dnat6_rev entries (promoted)");
	CHECK_EQ(count6(skel->maps.dnat6_rev_new), 0, "dnat6_rev_new entries (promoted)");
}

/*
 * DNAT6: an established connection to a published IPv6 port, idle through
 * a flood of FLOOD6 spoofed connections to that port which the container
 * answers and whose spoofed sources send blind ACKs: none is promoted, the
 * connection stays in dnat6_ct and dnat6_rev, exact bytes both ways after
 * the flood; every counter exact.
 */
static void test_dnat6_established_survives_flood(void)
{
	reload_small6();
	dnat6_handshake();
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_PROMOTED), 1u, "flows promoted");
	CHECK_EQ(flood6_syn(), 0, "spoofed SYNs not delivered");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_PROMOTED), 1u, "flows promoted after the flood");
	CHECK_EQ(count6(skel->maps.dnat6_ct), 1, "dnat6_ct entries (the connection)");
	CHECK_EQ(count6(skel->maps.dnat6_rev), 1, "dnat6_rev entries (the connection)");
	CHECK_GE(count6(skel->maps.dnat6_ct_new), NEW6 * 9 / 10,
		 "dnat6_ct_new entries (near full, LRU: the flood)");

	exact6(skel->progs.from_container, server6(0x18, 1001, "hello"), TC_ACT_REDIRECT,
	       "2001:db8:100::1", 8080, NULL, 0,
	       "the container's segment, from [2001:db8:100::1]:8080");
	exact6(skel->progs.uplink_ingress, client6(0x18, 3006, "GET /"), TC_ACT_REDIRECT,
	       NULL, 0, "fd19::2", 80, "the client's data, delivered to [fd19::2]:80");
	CHECK_ALL_STATS([BPFNET_STAT_DNAT_FLOWS] = 1 + FLOOD6,
		       [BPFNET_STAT_FLOWS_PROMOTED] = 1,
		       [BPFNET_STAT_DNAT_PKTS] = 3 + 2 * FLOOD6,
		       [BPFNET_STAT_DNAT_REPLIES] = 2 + FLOOD6,
		       [BPFNET_STAT_FAST_IN] = 3 + 2 * FLOOD6,
		       [BPFNET_STAT_FAST_OUT] = 2 + FLOOD6);
}

/*
 * Promotion: a NAT66 datagram flow lives in ct6_new and rev_nat6_new until
 * its first answer, then in conntrack6 and rev_nat6 (same port); one
 * nobody answers stays new. A DNAT6 datagram flow is promoted when its
 * client speaks after the container's answer, not by the answer alone.
 */
static void test_flows6_promoted_when_proven(void)
{
	struct pkt6_spec o = c_spec(IPPROTO_UDP, "2001:db8:100::2", 5000, 53);
	struct pkt6_spec a = { .src = "2001:db8:100::2", .dst = "2001:db8:100::1",
			       .proto = IPPROTO_UDP, .sport = 53, .dport = 5000,
			       .body = "answer", .blen = 6 };
	struct pkt6_spec c = { .src = "2001:db8:100::2", .dst = "2001:db8:100::1",
			       .proto = IPPROTO_UDP, .sport = 33333, .dport = 5353 };
	struct pkt6_spec r = c_spec(IPPROTO_UDP, "2001:db8:100::2", 53, 33333);
	struct bpfnet_flow6 rk = { .saddr = in6("2001:db8:100::2"),
				   .daddr = in6("2001:db8:100::1"), .sport = htons(53),
				   .dport = htons(5000), .proto = IPPROTO_UDP }, owner;
	uint8_t out[2048];
	__u32 olen;

	reload_small6();
	CHECK_EQ(run6(skel->progs.uplink_egress, &o, out, &olen), TC_ACT_OK, "query");
	CHECK_EQ(has_flow6(skel->maps.ct6_new, "fd19::2", "2001:db8:100::2", 5000, 53,
			   IPPROTO_UDP), 1, "ct6_new entry of the query");
	CHECK_EQ(bpf_map_lookup_elem(bpf_map__fd(skel->maps.rev_nat6_new), &rk, &owner), 0,
		 "rev_nat6_new entry of the query");
	o.sport = 6000;
	CHECK_EQ(run6(skel->progs.uplink_egress, &o, out, &olen), TC_ACT_OK,
		 "a query nobody answers");
	exact6(skel->progs.uplink_ingress, a, TC_ACT_REDIRECT, NULL, 0, "fd19::2", 5000,
	       "the answer, delivered to [fd19::2]:5000");
	CHECK_EQ(has_flow6(skel->maps.conntrack6, "fd19::2", "2001:db8:100::2", 5000, 53,
			   IPPROTO_UDP), 1, "conntrack6 entry, promoted");
	CHECK_EQ(has_flow6(skel->maps.ct6_new, "fd19::2", "2001:db8:100::2", 5000, 53,
			   IPPROTO_UDP), 0, "ct6_new entry, gone");
	CHECK_EQ(bpf_map_lookup_elem(bpf_map__fd(skel->maps.rev_nat6), &rk, &owner), 0,
		 "rev_nat6 entry, promoted");
	CHECK_EQ(bpf_map_lookup_elem(bpf_map__fd(skel->maps.rev_nat6_new), &rk, &owner),
		 -ENOENT, "rev_nat6_new entry, gone");
	CHECK_EQ(has_flow6(skel->maps.ct6_new, "fd19::2", "2001:db8:100::2", 6000, 53,
			   IPPROTO_UDP), 1, "the unanswered flow, still new");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_PROMOTED), 1u, "flows promoted (NAT66)");

	CHECK_EQ(add_pm6("::", 5353, IPPROTO_UDP, 53), 0, "publish [::]:5353 -> [fd19::2]:53");
	CHECK_EQ(run6(skel->progs.uplink_ingress, &c, out, &olen), TC_ACT_REDIRECT,
		 "the client's first datagram");
	CHECK_EQ(run6(skel->progs.from_container, &r, out, &olen), TC_ACT_REDIRECT,
		 "the container's answer");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_PROMOTED), 1u, "flows promoted by the answer alone");
	exact6(skel->progs.uplink_ingress, c, TC_ACT_REDIRECT, NULL, 0, "fd19::2", 53,
	       "the client's second datagram, delivered to [fd19::2]:53");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_PROMOTED), 2u, "flows promoted (DNAT6)");
	CHECK_EQ(has_flow6(skel->maps.dnat6_ct, "2001:db8:100::2", "2001:db8:100::1", 33333,
			   5353, IPPROTO_UDP), 1, "dnat6_ct entry, promoted");
	CHECK_EQ(count6(skel->maps.dnat6_ct_new) + count6(skel->maps.dnat6_rev_new), 0,
		 "dnat6_ct_new and dnat6_rev_new entries, gone");
}

/*
 * DNAT6 heals a lost half as IPv4's DNAT does: the established
 * connection's dnat6_rev entry lost, the client's next segment re-makes
 * it; its dnat6_ct entry lost, the container's next answer re-makes it;
 * lost again, the client's next segment re-makes it from the port map.
 * Each packet exact, each healing counted.
 */
static void test_dnat6_lost_half_healed(void)
{
	struct bpfnet_flow6 k = { .saddr = in6("2001:db8:100::2"),
				  .daddr = in6("2001:db8:100::1"), .sport = htons(33333),
				  .dport = htons(8080), .proto = IPPROTO_TCP };
	struct bpfnet_flow6 rk = { .saddr = in6("fd19::2"), .daddr = in6("2001:db8:100::2"),
				   .sport = htons(80), .dport = htons(33333),
				   .proto = IPPROTO_TCP }, owner;
	int ct_fd, rev_fd;

	reload_small6();
	dnat6_handshake();
	ct_fd = bpf_map__fd(skel->maps.dnat6_ct);
	rev_fd = bpf_map__fd(skel->maps.dnat6_rev);
	CHECK_EQ(bpf_map_delete_elem(rev_fd, &rk), 0, "the dnat6_rev entry, lost");
	exact6(skel->progs.uplink_ingress, client6(0x18, 3001, "one"), TC_ACT_REDIRECT,
	       NULL, 0, "fd19::2", 80, "the client's segment, delivered to [fd19::2]:80");
	CHECK_EQ(bpf_map_lookup_elem(rev_fd, &rk, &owner), 0, "the dnat6_rev entry, re-made");
	CHECK_MEM(&owner, &k, sizeof(k), "... for the client's flow");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_HEALED), 1u, "flows healed (reverse half)");

	CHECK_EQ(bpf_map_delete_elem(ct_fd, &k), 0, "the dnat6_ct entry, lost");
	exact6(skel->progs.from_container, server6(0x18, 1004, "two"), TC_ACT_REDIRECT,
	       "2001:db8:100::1", 8080, NULL, 0,
	       "the container's answer, from [2001:db8:100::1]:8080");
	CHECK_EQ(has_flow6(skel->maps.dnat6_ct, "2001:db8:100::2", "2001:db8:100::1", 33333,
			   8080, IPPROTO_TCP), 1, "the dnat6_ct entry, re-made by the answer");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_HEALED), 2u, "flows healed (forward half)");

	CHECK_EQ(bpf_map_delete_elem(ct_fd, &k), 0, "the dnat6_ct entry, lost again");
	exact6(skel->progs.uplink_ingress, client6(0x18, 3004, "three"), TC_ACT_REDIRECT,
	       NULL, 0, "fd19::2", 80, "the client's next segment, delivered to [fd19::2]:80");
	CHECK_EQ(has_flow6(skel->maps.dnat6_ct, "2001:db8:100::2", "2001:db8:100::1", 33333,
			   8080, IPPROTO_TCP), 1, "the dnat6_ct entry, re-made from the port map");
	CHECK_EQ(stat(BPFNET_STAT_FLOWS_HEALED), 3u, "flows healed (forward half, client side)");
	CHECK_EQ(stat(BPFNET_STAT_DNAT_TAKEN), 0u, "flows cut");
}

/* An ICMPv6 error (type, code; 4 bytes 0 then q's IPv6 packet) from src to dst, sent with smac. */
static size_t build_err6(uint8_t *f, const char *src, const char *dst, const uint8_t *smac,
			 uint8_t type, uint8_t code, const struct pkt6_spec *q)
{
	uint8_t qf[256], body[300];
	struct pkt6_spec e = { .src = src, .dst = dst, .proto = IPPROTO_ICMPV6,
			       .icmp_type = type, .icmp_code = code, .body = body };
	size_t qlen = build_pkt6(qf, q) - ETH_HLEN;

	memset(body, 0, 4);
	memcpy(body + 4, qf + ETH_HLEN, qlen);
	e.blen = 4 + qlen;
	memcpy(e.smac, smac, 6);
	return build_pkt6(f, &e);
}

/* A packet of the container with MAC smac: proto from [src]:sport to [dst]:dport. */
static struct pkt6_spec spec_from(const char *src, const uint8_t *smac, uint8_t proto,
				  const char *dst, uint16_t sport, uint16_t dport)
{
	struct pkt6_spec s = { .src = src, .dst = dst, .proto = proto, .sport = sport,
			       .dport = dport, .body = "a question", .blen = 10 };

	memcpy(s.smac, smac, 6);
	if (proto == IPPROTO_TCP)
		s.tcp_flags = 0x02;
	return s;
}

/*
 * A published container's error about a client container's packet it got
 * (c, hairpin), as IPv4's (test_icmp): [fd19::4]:40000 sends to
 * [2001:db8:100::1]:5353, published on [fd19::2]:53 with no listener.
 * fd19::2's port unreachable (to fd19::4, quoting the datagram to
 * [fd19::2]:53) reaches fd19::4 from 2001:db8:100::1, quoting its datagram
 * as it sent it: every byte as built from scratch, the quoted UDP checksum
 * and the ICMPv6 checksum with them. fd19::2 to its own TCP port 8080 by
 * the gateway: its parameter problem (to the gateway, quoting the SYN from
 * [fd19::1]:40002 to :80) comes back from fd19::1 quoting its SYN as sent.
 * An error quoting no flow goes on untranslated.
 */
static void test_hairpin6_icmp_error(void)
{
	uint8_t in[512], out[2048], want[512];
	struct pkt6_spec d = spec_from("fd19::4", mac_c4, IPPROTO_UDP, "2001:db8:100::1",
				       40000, 5353);
	struct pkt6_spec qd = spec_from("fd19::4", mac_c4, IPPROTO_UDP, "fd19::2", 40000, 53);
	struct pkt6_spec t = spec_from("fd19::2", mac_c1, IPPROTO_TCP, "fd19::1", 40002, 8080);
	struct pkt6_spec qt = spec_from("fd19::1", mac_c1, IPPROTO_TCP, "fd19::2", 40002, 80);
	struct bpfnet_in6 c1 = in6("fd19::2");
	size_t len, wlen;
	__u32 olen;

	CHECK_EQ(host_links6(0), 0, "links, addresses and net_config of the host");
	CHECK_EQ(set_nat6(1), 0, "write net_config6 with nat6 and the uplink's address");
	CHECK_EQ(add_pm6("::", 5353, IPPROTO_UDP, 53), 0, "write port_maps6 (5353/udp)");
	CHECK_EQ(add_pm6("::", 8080, IPPROTO_TCP, 80), 0, "write port_maps6 (8080/tcp)");
	CHECK_EQ(add_ep6_as("fd19::2", mac_c1, 1, "172.19.0.2", BPFNET_EP_PUBLISHED), 0,
		 "endpoint fd19::2 published (as portmap6.c marks it)");
	CHECK_EQ(add_ep6_as("fd19::4", mac_c4, 1, "172.19.0.4", 0), 0, "endpoint fd19::4");
	len = build_pkt6(in, &d);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	CHECK_MEM(out + ETH_HLEN + 24, &c1, 16, "the datagram, hairpinned to fd19::2");
	len = build_err6(in, "fd19::2", "fd19::4", mac_c1, 1, 4, &qd);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	wlen = build_err6(want, "2001:db8:100::1", "fd19::4", mac_c1, 1, 4, &d);
	CHECK_FRAME6(out, olen, want, wlen, "the port unreachable, as fd19::4 must get it");
	CHECK_EQ(l6_csum_check(out, olen), 0, "its ICMPv6 checksum");
	CHECK_MEM(out, mac_c4, 6, "destination MAC (the client)");

	len = build_pkt6(in, &t);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	len = build_err6(in, "fd19::2", "fd19::1", mac_c1, 4, 0, &qt);
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_REDIRECT);
	wlen = build_err6(want, "fd19::1", "fd19::2", mac_c1, 4, 0, &t);
	CHECK_FRAME6(out, olen, want, wlen, "the parameter problem, as fd19::2 must get it");
	CHECK_MEM(out, mac_c1, 6, "destination MAC (itself, the client)");
	CHECK_EQ(stat(BPFNET_STAT_ICMP_ERR_XLATED), 2u, "ICMP errors translated");

	qd.sport = 40009;	/* no flow's */
	len = build_err6(in, "fd19::2", "fd19::4", mac_c1, 1, 4, &qd);
	/* (its veth is c1's here: the bridge's to forward) */
	CHECK_RUN(from_container, in, len, out, &olen, TC_ACT_OK);
	CHECK_MEM(out, in, len, "an error quoting no flow: on its way untranslated");
	CHECK_EQ(stat(BPFNET_STAT_ICMP_ERR_XLATED), 2u, "ICMP errors translated, in the end");
}

static const struct check_test tests[] = {
	CHECK_TEST(test_dnat6_published_port),
	CHECK_TEST(test_hairpin6_published_port),
	CHECK_TEST(test_hairpin6_icmp_error),
	CHECK_TEST(test_own_address_admitted),
	CHECK_TEST(test_wrong_source_dropped),
	CHECK_TEST(test_wrong_mac_dropped),
	CHECK_TEST(test_router_advert_dropped),
	CHECK_TEST(test_redirect_dropped),
	CHECK_TEST(test_na_for_other_address_dropped),
	CHECK_TEST(test_na_foreign_lladdr_dropped),
	CHECK_TEST(test_ns_for_gateway_admitted),
	CHECK_TEST(test_dad_ns_admitted),
	CHECK_TEST(test_link_local_nd_admitted),
	CHECK_TEST(test_extension_headers),
	CHECK_TEST(test_subnet6_disabled_drops_ipv6),
	CHECK_TEST(test_routed_forward_to_outside),
	CHECK_TEST(test_neighbour_delivered_directly),
	CHECK_TEST(test_unsolicited_inbound_dropped),
	CHECK_TEST(test_reply_to_tracked_flow_let_in),
	CHECK_TEST(test_reply_fragments_follow_their_first),
	CHECK_TEST(test_nat66_masquerade),
	CHECK_TEST(test_nat66_icmp_error_in),
	CHECK_TEST(test_nat66_icmp_error_out),
	CHECK_TEST(test_nat66_fragments_out),
	CHECK_TEST(test_nat66_reply_fragments_in),
	CHECK_TEST(test_nat66_other_protocols),
	CHECK_TEST(test_nat66_flows_heal_and_skip_host_ports),
	CHECK_TEST(test_nat66_avoids_other_networks_tuples),
	CHECK_TEST(test_dnat6_at_other_host_address),
	CHECK_TEST(test_to_container_admits_only_allowed),
	CHECK_TEST(test_nat66_established_survives_flood),
	CHECK_TEST(test_dnat6_established_survives_flood),
	CHECK_TEST(test_flows6_promoted_when_proven),
	CHECK_TEST(test_dnat6_lost_half_healed),
};

int main(int argc, char **argv)
{
	static const struct check_fixture fx = { setup6, teardown6 };

	return dp_main(argc, argv, "ipv6", tests, CHECK_NTESTS(tests), &fx);
}
