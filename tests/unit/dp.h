/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The harness of the BPF packet tests (test_datapath, test_flows): the
 * object loaded once per binary and emptied before each test, programs run through
 * BPF_PROG_TEST_RUN with the verdict and length checked, addresses and
 * checksums compared, and the network every test starts from:
 *
 *   172.19.0.2 (container, MAC 02:42:ac:13:00:02)
 *        |  from_container / uplink_egress: source NAT
 *   198.51.100.1 (uplink)  ---- 198.51.100.2 (remote)
 *        |  uplink_ingress: reverse NAT, published ports
 *
 * Helpers are static inline: a test binary uses only some of them.
 */
#ifndef BPFNET_TEST_DP_H
#define BPFNET_TEST_DP_H

#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <time.h>

#include "bpfnet_shared.h"
#include "bpfnet.skel.h"
#include "check.h"
#include "pkt.h"

#define TC_ACT_UNSPEC (-1)	/* no verdict: TC runs the next filter */
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7

static struct bpfnet_bpf *skel;
static const uint8_t mac_c1[6] = { 0x02, 0x42, 172, 19, 0, 2 };

static inline __be32 ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* Feeds pkt to prog: 0 or the error of the run itself; *verdict is what prog returned. */
static inline int prog_run(struct bpf_program *prog, uint8_t *pkt, size_t len,
		    uint8_t *out, __u32 *out_len, int *verdict)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt,
		    .data_size_in = (__u32)len, .data_out = out,
		    .data_size_out = 2048, .repeat = 1);
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);

	*out_len = opts.data_size_out;
	*verdict = (int)opts.retval;
	return err;
}

static inline const char *tc_act_name(int v)
{
	switch (v) {
	case TC_ACT_UNSPEC:
		return "TC_ACT_UNSPEC";
	case TC_ACT_OK:
		return "TC_ACT_OK";
	case TC_ACT_SHOT:
		return "TC_ACT_SHOT";
	case TC_ACT_REDIRECT:
		return "TC_ACT_REDIRECT";
	default:
		return "?";
	}
}

static inline int run_is(const char *file, int line, const char *prog, int err,
		  int verdict, int want)
{
	char what[64];

	snprintf(what, sizeof(what), "bpf_prog_test_run_opts(%s)", prog);
	if (err) {
		check_fail(file, line, what, "got %d (%s), want 0", err, strerror(-err));
		return 0;
	}
	snprintf(what, sizeof(what), "verdict of %s", prog);
	if (verdict != want) {
		check_fail(file, line, what, "got %s (%d), want %s (%d)",
			   tc_act_name(verdict), verdict, tc_act_name(want), want);
		return 0;
	}
	return 1;
}

/*
 * Runs skel's program prog on in (len bytes), out of which come *olen
 * bytes at out: the run must work, the verdict be want, and the length
 * be kept (the programs rewrite in place, they never grow or cut a frame).
 */
#define CHECK_RUN(prog, in, len, out, olen, want)                            \
	do {                                                                 \
		int ___verdict = -1;                                         \
		int ___err = prog_run(skel->progs.prog, (in), (len), (out),  \
				      (olen), &___verdict);                  \
		if (!run_is(__FILE__, __LINE__, #prog, ___err, ___verdict,   \
			    (want)))                                         \
			return;                                              \
		CHECK_EQ((size_t)*(olen), (size_t)(len),                     \
			 "output length of " #prog);                         \
	} while (0)

static inline int ip4_is(const char *file, int line, const char *what,
		  const char *expr, __be32 got, const char *want)
{
	char g[INET_ADDRSTRLEN];

	if (got == ip4(want))
		return 1;
	inet_ntop(AF_INET, &got, g, sizeof(g));
	check_fail(file, line, what, "got %s, want %s", g, want);
	printf("  check: %s == ip4(\"%s\")\n", expr, want);
	return 0;
}

/* An address in network order against its dotted form. */
#define CHECK_IP4(got, want, what)                                           \
	do {                                                                 \
		if (!ip4_is(__FILE__, __LINE__, (what), #got, (got), (want))) \
			return;                                              \
	} while (0)

/* Checksums, each as carried and as recomputed here from scratch. */
#define CHECK_IP_CSUM(ip)                                                    \
	CHECK_EQ(ntohs((ip)->check), ip_csum_want(ip), "IP header checksum")

#define CHECK_CSUMS(ip, l4, l4len)                                           \
	do {                                                                 \
		CHECK_IP_CSUM(ip);                                           \
		CHECK_EQ(l4_csum_got((ip), (l4)),                            \
			 l4_csum_want((ip), (l4), (l4len)), "L4 checksum");  \
	} while (0)

/* A counter of the stats map, summed over the CPUs (~0 if unreadable). */
static inline __u64 stat(enum bpfnet_stat k)
{
	int n = libbpf_num_possible_cpus();
	__u64 v[256] = { 0 }, sum = 0;
	__u32 key = k;

	if (n < 1 || n > 256 ||
	    bpf_map_lookup_elem(bpf_map__fd(skel->maps.stats), &key, v))
		return ~0ULL;
	for (int i = 0; i < n; i++)
		sum += v[i];
	return sum;
}

/* An IPv6 address from its text. */
static inline struct bpfnet_in6 in6(const char *s)
{
	struct bpfnet_in6 a;

	inet_pton(AF_INET6, s, &a);
	return a;
}

/* Every counter is what want[] says (0 where it says nothing). */
#define CHECK_ALL_STATS(...)                                                  \
	do {                                                                 \
		static const __u64 ___w[BPFNET_STAT_MAX] = { __VA_ARGS__ };  \
		for (__u32 ___k = 0; ___k < BPFNET_STAT_MAX; ___k++) {       \
			char ___what[48];                                    \
			snprintf(___what, sizeof(___what), "counter %u", ___k); \
			CHECK_EQ(stat((enum bpfnet_stat)___k), ___w[___k], ___what); \
		}                                                            \
	} while (0)

static inline struct iphdr *ip_of(uint8_t *frame)
{
	return (struct iphdr *)(frame + ETH_HLEN);
}

static inline void *l4_of(uint8_t *frame)
{
	return frame + ETH_HLEN + ip_of(frame)->ihl * 4;
}

static inline size_t l4_len(uint8_t *frame)
{
	return ntohs(ip_of(frame)->tot_len) - ip_of(frame)->ihl * 4u;
}

/*
 * Every test starts from empty maps and zeroed counters, with only the
 * network config and the one container: no test sees what another left
 * behind, so they pass alone, in any order (-r) and together. Loading the
 * object (the verifier, every program) costs over a second, so a binary
 * loads it once and empties it before each test (dp_empty) rather than
 * loading it again: the same starting state, about 1.5 s less per test.
 */
static struct bpfnet_bpf *dp_obj;

static inline void setup_net(void);

static inline int dp_noop_event(void *ctx, void *data, size_t size)
{
	(void)ctx, (void)data, (void)size;
	return 0;
}

/* Every key of a hash-like map, deleted (collected first: deleting while
 * walking would restart the walk at each key). 0 or -errno. */
static inline int dp_empty_hash(int fd, __u32 ksize, __u32 max)
{
	char *keys = calloc(max + 1, ksize);
	__u32 n = 0;
	int err = 0;

	if (!keys)
		return -ENOMEM;
	while (n < max && !bpf_map_get_next_key(fd, n ? keys + (n - 1) * ksize : NULL,
						 keys + n * ksize))
		n++;
	for (__u32 i = 0; i < n && !err; i++)
		if (bpf_map_delete_elem(fd, keys + i * ksize) && errno != ENOENT)
			err = -errno;
	free(keys);
	return err;
}

/* One map back to its state after loading. 0 or -errno. */
static inline int dp_empty_map(const struct bpf_map *m)
{
	int fd = bpf_map__fd(m), ncpu = libbpf_num_possible_cpus();
	__u32 vsize = bpf_map__value_size(m), max = bpf_map__max_entries(m);
	struct ring_buffer *rb;
	void *zero;
	int err = 0;

	switch (bpf_map__type(m)) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		return dp_empty_hash(fd, bpf_map__key_size(m), max);
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
		for (__u32 k = 0; k < max; k++)
			if (bpf_map_delete_elem(fd, &k) && errno != ENOENT)
				return -errno;
		return 0;
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		if (bpf_map__type(m) == BPF_MAP_TYPE_PERCPU_ARRAY)
			vsize = ((vsize + 7) & ~7u) * (__u32)ncpu;
		zero = calloc(1, vsize);
		if (!zero)
			return -ENOMEM;
		for (__u32 k = 0; k < max && !err; k++)
			if (bpf_map_update_elem(fd, &k, zero, 0))
				err = -errno;
		free(zero);
		return err;
	case BPF_MAP_TYPE_RINGBUF:	/* events a test left unread */
		rb = ring_buffer__new(fd, dp_noop_event, NULL, NULL);
		if (!rb)
			return -errno;
		err = ring_buffer__consume(rb);
		ring_buffer__free(rb);
		return err < 0 ? err : 0;
	default:	/* a new kind of map: taught here before it is used */
		return -EOPNOTSUPP;
	}
}

static inline void dp_unload(void)
{
	bpfnet_bpf__destroy(dp_obj);
	dp_obj = NULL;
}

static inline void setup(void)
{
	const struct bpf_map *m;
	int err;

	if (!dp_obj) {
		dp_obj = bpfnet_bpf__open_and_load();
		if (!dp_obj) {
			check_fail(__FILE__, __LINE__, "bpfnet_bpf__open_and_load()",
				   "got NULL (%s), want the loaded object", strerror(errno));
			return;
		}
		atexit(dp_unload);
	}
	bpf_object__for_each_map(m, dp_obj->obj) {
		if (bpf_map__is_internal(m))	/* .rodata: frozen at load */
			continue;
		err = dp_empty_map(m);
		if (err) {
			check_fail(__FILE__, __LINE__, bpf_map__name(m),
				   "emptying it: %s", strerror(-err));
			return;
		}
	}
	skel = dp_obj;
	setup_net();
}

/*
 * After a test: the shared object stays loaded for the next one (setup
 * empties it); one a test loaded for itself (other table sizes) goes.
 */
static inline void dp_release(void)
{
	if (skel != dp_obj)
		bpfnet_bpf__destroy(skel);
	skel = NULL;
}

/* The network config and the one container, in the loaded skel. */
static inline void setup_net(void)
{
	struct bpfnet_cfg c = { 0 };
	struct bpfnet_endpoint ep = { .host_ifindex = 1 };	/* lo */
	__u32 zero = 0;
	__be32 a = ip4("172.19.0.2");

	c.subnet = ip4("172.19.0.0");
	c.netmask = ip4("255.255.0.0");
	c.gateway = ip4("172.19.0.1");
	c.uplink_addr = ip4("198.51.100.1");
	c.uplink_ifindex = 1;
	c.bridge_ifindex = 1;
	c.port_min = 1024;	/* the default --snat-ports */
	c.port_max = 65535;
	memcpy(c.bridge_mac, mac_bridge, 6);
	c.enabled = 1;
	memcpy(ep.mac, mac_c1, 6);
	CHECK_EQ(bpf_map_update_elem(bpf_map__fd(skel->maps.net_config), &zero, &c, 0), 0,
		 "write net_config");
	CHECK_EQ(bpf_map_update_elem(bpf_map__fd(skel->maps.endpoints), &a, &ep, 0), 0,
		 "write endpoint 172.19.0.2");
}

static inline struct pkt_spec out_spec(uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct pkt_spec s = { .src = "172.19.0.2", .dst = "198.51.100.2",
			      .proto = proto, .sport = sport, .dport = dport };

	memcpy(s.smac, mac_c1, 6);
	return s;
}

static inline struct pkt_spec in_spec(uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct pkt_spec s = { .src = "198.51.100.2", .dst = "198.51.100.1",
			      .proto = proto, .sport = sport, .dport = dport };

	return s;
}

/*
 * A masqueraded flow's entry: in conntrack once answered, in ct_new before
 * (maps.h); test_flood tells the two apart.
 */
static inline int lookup_ct(const char *src, const char *dst, uint16_t sport,
		     uint16_t dport, uint8_t proto, struct bpfnet_ct *ct)
{
	struct bpfnet_flow k = { .saddr = ip4(src), .daddr = ip4(dst),
				 .sport = htons(sport), .dport = htons(dport),
				 .proto = proto };

	if (!bpf_map_lookup_elem(bpf_map__fd(skel->maps.conntrack), &k, ct))
		return 0;
	return bpf_map_lookup_elem(bpf_map__fd(skel->maps.ct_new), &k, ct);
}

/* CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns() and so of expires_ns. */
static inline __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/*
 * The flow's conntrack entry expires secs after the packet that refreshed
 * it, which was run between t0 and t1.
 */
#define CHECK_EXPIRES(src, dst, sport, dport, proto, t0, t1, secs, what)      \
	do {                                                                 \
		struct bpfnet_ct ___ct;                                      \
		CHECK_EQ(lookup_ct(src, dst, sport, dport, proto, &___ct), 0, \
			 "conntrack entry: " what);                           \
		CHECK_GE(___ct.expires_ns, (t0) + (secs) * 1000000000ULL,    \
			 "expires_ns, " #secs " s after the packet: " what);  \
		CHECK_LE(___ct.expires_ns, (t1) + (secs) * 1000000000ULL,    \
			 "expires_ns, " #secs " s after the packet: " what);  \
	} while (0)

/* The endpoint's flags (BPFNET_EP_*), as user space sets them. */
static inline int set_ep_flags(const char *addr, __u16 flags)
{
	struct bpfnet_endpoint ep;
	__be32 a = ip4(addr);
	int fd = bpf_map__fd(skel->maps.endpoints);

	if (bpf_map_lookup_elem(fd, &a, &ep))
		return -errno;
	ep.flags = flags;
	return bpf_map_update_elem(fd, &a, &ep, BPF_EXIST) ? -errno : 0;
}

/* Publish hport on every address for 172.19.0.2:cport, as user space does:
 * the endpoint marked published first (portmap_apply). */
static inline int publish(uint16_t hport, uint16_t cport, uint8_t proto)
{
	struct bpfnet_pm_key k = { .host_addr = 0, .host_port = htons(hport),
				   .proto = proto };
	struct bpfnet_pm_val v = { .caddr = ip4("172.19.0.2"), .cport = htons(cport) };

	if (set_ep_flags("172.19.0.2", BPFNET_EP_PUBLISHED))
		return -1;
	return bpf_map_update_elem(bpf_map__fd(skel->maps.port_maps), &k, &v, 0);
}

/* --snat-ports MIN-MAX in net_config. */
static inline int set_snat_range(uint16_t lo, uint16_t hi)
{
	struct bpfnet_cfg c;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.net_config), &zero, &c))
		return -errno;
	c.port_min = lo;
	c.port_max = hi;
	return bpf_map_update_elem(bpf_map__fd(skel->maps.net_config), &zero, &c, 0) ? -errno : 0;
}

static const uint8_t mac_c3[6] = { 0x02, 0x42, 172, 19, 0, 3 };

/* 172.19.0.3, the neighbour, behind host veth ifindex 7. */
static inline int add_neighbour(void)
{
	struct bpfnet_endpoint ep = { .host_ifindex = 7 };
	__be32 a = ip4("172.19.0.3");

	memcpy(ep.mac, mac_c3, 6);
	return bpf_map_update_elem(bpf_map__fd(skel->maps.endpoints), &a, &ep, 0);
}

/* Run prog on the frame s describes: its verdict, out and *len the frame
 * that came out (-1000 when the run failed or changed the length). */
static inline int run_spec(struct bpf_program *prog, const struct pkt_spec *s,
		    uint8_t *out, size_t *len)
{
	uint8_t in[512];
	__u32 olen;
	int verdict;

	*len = build_pkt(in, s);
	if (prog_run(prog, in, *len, out, &olen, &verdict) || olen != *len)
		return -1000;
	return verdict;
}

/* The frame s describes, as the uplink must see it: source src:sport. */
static inline size_t want_out(uint8_t *buf, struct pkt_spec s, const char *src, uint16_t sport)
{
	s.src = src;
	s.sport = sport;
	return build_pkt(buf, &s);
}

/* The frame s describes, delivered to dst:dport (MAC mac): TTL one less. */
static inline size_t want_in(uint8_t *buf, struct pkt_spec s, const char *dst,
		      uint16_t dport, const uint8_t *mac)
{
	struct iphdr *ip;
	size_t len;

	s.dst = dst;
	s.dport = dport;
	memcpy(s.smac, mac_bridge, 6);
	len = build_pkt(buf, &s);
	memcpy(buf, mac, 6);
	ip = ip_of(buf);
	ip->ttl--;
	ip->check = 0;
	ip->check = htons(fold(sum16(ip, sizeof(*ip), 0)));
	return len;
}

/*
 * The main of a packet test: root for BPF_PROG_TEST_RUN (else it skips,
 * saying why), and a network namespace of its own, so the programs' FIB
 * lookups see only lo, down.
 */
static inline int dp_main(int argc, char **argv, const char *suite,
			  const struct check_test *tests, size_t n,
			  const struct check_fixture *fx)
{
	if (geteuid() != 0) {
		printf("SKIP %s: needs root for BPF_PROG_TEST_RUN\n", suite);
		return 0;
	}
	if (unshare(CLONE_NEWNET)) {
		printf("FAIL setup: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 1;
	}
	return check_main(argc, argv, tests, n, fx);
}

#endif
