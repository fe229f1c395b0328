// SPDX-License-Identifier: GPL-2.0
/* Address allocation, static addresses, names, and the state file format. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ipam.h"
#include "ipam6.h"
#include "netrec.h"
#include "portstore.h"
#include "state.h"

static void add(struct bpfnet_state *st, const char *id, const char *ip)
{
	struct endpoint_rec *e = state_add(st);

	snprintf(e->id, sizeof(e->id), "%s", id);
	inet_pton(AF_INET, ip, &e->ip);
	ipam_veth_name(st, id, e->veth);
}

static void cfg_subnet(struct bpfnet_config *cfg, const char *cidr)
{
	config_defaults(cfg);
	parse_cidr(cidr, &cfg->subnet, &cfg->prefix);
	cfg->gateway.s_addr = htonl(ntohl(cfg->subnet.s_addr) + 1);
}

static void test_alloc_lowest_free_and_reuse(void)
{
	struct bpfnet_state st = { 0 };
	struct bpfnet_config cfg;
	struct in_addr a;

	cfg_subnet(&cfg, "10.1.0.0/24");
	CHECK_EQ(ipam_alloc(&st, &cfg, &a), 0, "first allocation");
	CHECK_STR(inet_ntoa(a), "10.1.0.2", "first address (after the gateway)");
	add(&st, "a", "10.1.0.2");
	add(&st, "b", "10.1.0.3");
	add(&st, "c", "10.1.0.4");
	CHECK_EQ(ipam_alloc(&st, &cfg, &a), 0, "allocation after three");
	CHECK_STR(inet_ntoa(a), "10.1.0.5", "address after three");
	state_remove(&st, state_find(&st, "b"));	/* release */
	CHECK_EQ(ipam_alloc(&st, &cfg, &a), 0, "allocation after a release");
	CHECK_STR(inet_ntoa(a), "10.1.0.3", "address after a release (reused)");
	state_free(&st);
}

static void test_exhaustion(void)
{
	struct bpfnet_state st = { 0 };
	struct bpfnet_config cfg;
	struct in_addr a;

	cfg_subnet(&cfg, "10.1.0.0/29");	/* .2 .. .6 usable */
	for (int i = 0; i < 5; i++) {
		char id[8];

		CHECK_EQ(ipam_alloc(&st, &cfg, &a), 0, "allocation while addresses are left");
		snprintf(id, sizeof(id), "c%d", i);
		add(&st, id, inet_ntoa(a));
	}
	CHECK_STR(inet_ntoa(st.eps[4].ip), "10.1.0.6", "last address (before broadcast)");
	CHECK_EQ(ipam_alloc(&st, &cfg, &a), -ENOSPC, "allocation in a full subnet");
	state_free(&st);
}

static void test_static(void)
{
	struct bpfnet_state st = { 0 };
	struct bpfnet_config cfg;
	struct in_addr a;
	char err[160];

	cfg_subnet(&cfg, "10.1.0.0/24");
	add(&st, "a", "10.1.0.7");
	CHECK_EQ(ipam_static(&st, &cfg, "bpfnet.ip", "10.1.0.9", &a, err, sizeof(err)), 0, "a free address");
	CHECK_STR(inet_ntoa(a), "10.1.0.9", "the static address given");
	CHECK_EQ(ipam_static(&st, &cfg, "bpfnet.ip", "10.1.0.7", &a, err, sizeof(err)), -EADDRINUSE,
		 "an address in use");
	CHECK_CONTAINS(err, "in use by a", "message naming the holder");
	CHECK_EQ(ipam_static(&st, &cfg, "bpfnet.ip", "10.1.0.1", &a, err, sizeof(err)), -EINVAL,
		 "the gateway");
	CHECK_EQ(ipam_static(&st, &cfg, "bpfnet.ip", "10.1.0.0", &a, err, sizeof(err)), -EINVAL,
		 "the network address");
	CHECK_EQ(ipam_static(&st, &cfg, "bpfnet.ip", "10.1.0.255", &a, err, sizeof(err)), -EINVAL,
		 "the broadcast address");
	CHECK_EQ(ipam_static(&st, &cfg, "bpfnet.ip", "10.2.0.5", &a, err, sizeof(err)), -EINVAL,
		 "outside the subnet");
	CHECK_EQ(ipam_static(&st, &cfg, "bpfnet.ip", "10.1.0", &a, err, sizeof(err)), -EINVAL,
		 "three octets");
	CHECK_EQ(ipam_static(&st, &cfg, "bpfnet.ip", "x", &a, err, sizeof(err)), -EINVAL, "not an address");
	/* a static address in the middle is skipped by dynamic allocation */
	add(&st, "s", "10.1.0.2");
	CHECK_EQ(ipam_alloc(&st, &cfg, &a), 0, "allocation next to a static address");
	CHECK_STR(inet_ntoa(a), "10.1.0.3", "address next to a static one");
	state_free(&st);
}

static void test_mac(void)
{
	struct in_addr a;
	/* locally administered unicast, 0x42, then the address */
	static const uint8_t want[6] = { 0x02, 0x42, 172, 19, 1, 2 };
	uint8_t m[6];

	static const uint8_t bridge[6] = { 0x06, 0x42, 172, 19, 0, 1 };
	uint8_t c[6];

	inet_pton(AF_INET, "172.19.1.2", &a);
	ipam_mac(a, m);
	CHECK_MEM(m, want, 6, "MAC of 172.19.1.2");
	/* the bridge's, from the gateway: never a container's, even its own */
	inet_pton(AF_INET, "172.19.0.1", &a);
	ipam_bridge_mac(a, m);
	CHECK_MEM(m, bridge, 6, "bridge MAC of the gateway 172.19.0.1");
	ipam_mac(a, c);
	CHECK(memcmp(m, c, 6) != 0);
	CHECK_EQ(m[0] & 1, 0, "bridge MAC is unicast");
	CHECK_EQ(m[0] & 2, 2, "bridge MAC is locally administered");
}

static void test_names(void)
{
	struct bpfnet_state st = { 0 };
	char n1[IFNAMSIZ], n2[IFNAMSIZ], n3[IFNAMSIZ];
	char longid[300];

	memset(longid, 'f', 256);
	longid[256] = '\0';
	ipam_veth_name(&st, "c1", n1);
	ipam_veth_name(&st, longid, n2);
	CHECK_EQ(strlen(n1), 15u, "name length (IFNAMSIZ - 1)");
	CHECK_EQ(strlen(n2), 15u, "name length of a 256-character id");
	CHECK_MEM(n1, "bnv", 3, "name prefix");
	CHECK(strcmp(n1, n2) != 0);
	ipam_veth_name(&st, "c1", n3);
	CHECK_STR(n3, n1, "name of the same id again (stable)");
	/* a collision (another id holding the name) moves to the next salt */
	add(&st, "other", "10.0.0.2");
	snprintf(st.eps[0].veth, IFNAMSIZ, "%s", n1);
	ipam_veth_name(&st, "c1", n3);
	CHECK(strcmp(n1, n3) != 0);
	CHECK_EQ(strlen(n3), 15u, "name length after a collision");
	state_free(&st);
}

static void test_state_roundtrip(void)
{
	struct bpfnet_state st = { 0 }, back;
	char err[160], *json;

	inet_pton(AF_INET, "172.19.0.0", &st.net.subnet);
	st.net.prefix = 16;
	add(&st, "c1", "172.19.0.2");
	st.eps[0].pid = 77;
	st.eps[0].netns_ino = 4026532000ull;
	st.eps[0].ready = true;
	st.net.recorded = true;
	st.net.isolate = true;
	st.net.port_min = 2000;
	st.net.port_max = 2999;
	strcpy(st.net.uplink, "up0");
	st.net.flow_table_size = 4096;
	json = state_to_json(&st);
	CHECK(json != NULL);
	CHECK_EQ(state_from_json(json, strlen(json), &back, err, sizeof(err)), 0,
		 "reading back what was written");
	CHECK_EQ(back.net.flow_table_size, 4096u, "the flow tables' size read back");
	CHECK_EQ(back.n, 1, "endpoints read back");
	CHECK_EQ(back.net.prefix, 16, "prefix read back");
	CHECK_STR(inet_ntoa(back.net.subnet), "172.19.0.0", "subnet read back");
	CHECK_STR(back.eps[0].id, "c1", "id read back");
	CHECK_EQ(back.eps[0].pid, 77, "pid read back");
	CHECK_EQ(back.eps[0].ready, 1, "ready read back");
	CHECK_EQ(back.eps[0].netns_ino, 4026532000ull, "netns inode read back");
	CHECK_STR(inet_ntoa(back.eps[0].ip), "172.19.0.2", "address read back");
	CHECK_STR(back.eps[0].veth, st.eps[0].veth, "veth name read back");
	CHECK_EQ(back.net.recorded, 1, "network settings recorded, read back");
	CHECK_EQ(back.net.isolate, 1, "isolate read back");
	CHECK_EQ(back.net.port_min, 2000u, "lowest SNAT port read back");
	CHECK_EQ(back.net.port_max, 2999u, "highest SNAT port read back");
	CHECK_STR(back.net.uplink, "up0", "uplink read back");
	state_free(&back);
	/* truncation and corruption are detected, not read as empty */
	CHECK_EQ(state_from_json(json, strlen(json) / 2, &back, err, sizeof(err)), -EBADMSG,
		 "a truncated state file");
	/* a structural character: a byte inside a key would only rename it */
	*strchr(json + strlen(json) / 3, ':') = '#';
	CHECK_EQ(state_from_json(json, strlen(json), &back, err, sizeof(err)), -EBADMSG,
		 "a corrupted state file");
	CHECK_EQ(state_from_json("{\"version\":1}", 13, &back, err, sizeof(err)), -EBADMSG,
		 "a state file without its fields");
	free(json);
	state_free(&st);
	state_free(&back);
}

/* state_from_json of text: its return value, st filled on success. */
static int load_text(const char *text, struct bpfnet_state *st)
{
	char err[160];

	return state_from_json(text, strlen(text), st, err, sizeof(err));
}

#define C1 "{\"id\":\"c1\",\"ip\":\"172.19.0.2\",\"mac\":\"02:42:ac:13:00:02\"," \
	   "\"veth\":\"bnv1\",\"pid\":7,\"netns_ino\":9,\"ready\":true}"

/*
 * The network's settings are optional in the file: one written before they
 * were recorded keeps its subnet, and one with nothing recorded and no
 * container has no subnet at all (gc before the first hook wrote 0.0.0.0/0,
 * which no later command could read).
 */
static void test_state_network_optional(void)
{
	struct bpfnet_state st = { 0 }, back;
	char *json;

	CHECK_EQ(load_text("{\"version\":1,\"subnet\":\"10.5.0.0/16\",\"containers\":[]}", &back),
		 0, "a file without the network's settings");
	CHECK_EQ(back.net.recorded, 0, "settings of a file without them");
	CHECK_STR(inet_ntoa(back.net.subnet), "10.5.0.0", "its subnet, kept");
	state_free(&back);
	CHECK_EQ(load_text("{\"version\":1,\"containers\":[]}", &back), 0,
		 "an empty state without a subnet");
	state_free(&back);
	CHECK_EQ(load_text("{\"version\":1,\"containers\":[" C1 "]}", &back), -EBADMSG,
		 "containers without a subnet");
	CHECK_EQ(load_text("{\"version\":1,\"network\":{\"isolate\":true,\"snat_ports\":\"1-2\","
			   "\"uplink\":\"\"},\"containers\":[]}", &back), -EBADMSG,
		 "settings without a subnet");
	/* nothing known: nothing written, and what is written reads back */
	json = state_to_json(&st);
	CHECK(json != NULL);
	CHECK(strstr(json, "subnet") == NULL);
	CHECK_EQ(load_text(json, &back), 0, "an empty state, written and read back");
	free(json);
	state_free(&back);
}

static void test_state_network_bad_values(void)
{
	struct bpfnet_state back;
	char doc[512], what[300];
	const char *bad[] = {
		"\"isolate\":1,\"snat_ports\":\"1024-65535\",\"uplink\":\"\"",
		"\"isolate\":true,\"snat_ports\":\"9-1\",\"uplink\":\"\"",
		"\"isolate\":true,\"snat_ports\":\"0-100\",\"uplink\":\"\"",
		"\"isolate\":true,\"snat_ports\":\"1-65536\",\"uplink\":\"\"",
		"\"isolate\":true,\"snat_ports\":\"100\",\"uplink\":\"\"",
		"\"isolate\":true,\"snat_ports\":\"1024-65535\",\"uplink\":\"a/b\"",
		"\"isolate\":true,\"snat_ports\":\"1024-65535\",\"uplink\":\"sixteen-chars-xx\"",
		"\"isolate\":true,\"snat_ports\":\"1024-65535\"",
		NULL };

	for (int i = 0; bad[i]; i++) {
		snprintf(doc, sizeof(doc), "{\"version\":1,\"subnet\":\"172.19.0.0/16\","
			 "\"network\":{%s},\"containers\":[" C1 "]}", bad[i]);
		snprintf(what, sizeof(what), "refusing network {%s}", bad[i]);
		CHECK_EQ(load_text(doc, &back), -EBADMSG, what);
	}
	snprintf(doc, sizeof(doc), "{\"version\":1,\"subnet\":\"172.19.0.0/16\","
		 "\"network\":{\"isolate\":false,\"snat_ports\":\"1-65535\","
		 "\"uplink\":\"eth0\"},\"containers\":[" C1 "]}");
	CHECK_EQ(load_text(doc, &back), 0, "the widest range, a named uplink");
	CHECK_EQ(back.net.port_min, 1u, "lowest port of the widest range");
	state_free(&back);
}

/* A command's settings against the network's: taken, recorded, refused. */
static void test_network_settings_taken(void)
{
	struct bpfnet_config cfg;
	struct net_rec r = { 0 };

	/* the first hook records its own (flags and defaults alike) */
	config_defaults(&cfg);
	config_set(&cfg, "isolate", "true");
	config_set(&cfg, "snat-ports", "2000-2999");
	CHECK_EQ(netrec_take(&r, 0, &cfg, false), 0, "gc before the first hook");
	CHECK_EQ(r.recorded, 0, "recorded by a command that does not record");
	CHECK_EQ(netrec_take(&r, 0, &cfg, true), 0, "the first hook");
	CHECK_EQ(r.recorded, 1, "recorded by the first hook");
	CHECK_EQ(r.isolate, 1, "isolate recorded");
	CHECK_EQ(r.port_min, 2000u, "SNAT ports recorded");
	/* a later one without the flags takes them */
	config_defaults(&cfg);
	CHECK_EQ(netrec_take(&r, 1, &cfg, true), 0, "a hook without the flags");
	CHECK_EQ(cfg.isolate, 1, "isolate taken from the record");
	CHECK_EQ(cfg.port_max, 2999u, "SNAT ports taken from the record");
	/* the same value given is no conflict; another one is refused */
	config_defaults(&cfg);
	config_set(&cfg, "isolate", "true");
	CHECK_EQ(netrec_take(&r, 1, &cfg, true), 0, "--isolate as recorded");
	config_defaults(&cfg);
	config_set(&cfg, "isolate", "false");
	CHECK_EQ(netrec_take(&r, 1, &cfg, true), -EINVAL, "isolate false given");
	CHECK_EQ(r.isolate, 1, "the record after a refusal");
	config_defaults(&cfg);
	config_set(&cfg, "uplink", "up9");
	CHECK_EQ(netrec_take(&r, 1, &cfg, true), -EINVAL, "another uplink given");
	config_defaults(&cfg);
	config_set(&cfg, "subnet", "10.2.0.0/16");
	CHECK_EQ(netrec_take(&r, 0, &cfg, true), -EINVAL, "another subnet, no containers");
	CHECK_STR(inet_ntoa(r.subnet), "172.19.0.0", "the recorded subnet after a refusal");
}

/* A file from before the record: its subnet holds, the rest is recorded. */
static void test_network_settings_of_old_file(void)
{
	struct bpfnet_config cfg;
	struct net_rec r = { 0 };

	inet_pton(AF_INET, "10.6.0.0", &r.subnet);
	r.prefix = 24;
	config_defaults(&cfg);
	config_set(&cfg, "subnet", "10.7.0.0/24");
	CHECK_EQ(netrec_take(&r, 2, &cfg, true), -EINVAL, "another subnet given, containers exist");
	CHECK_EQ(r.recorded, 0, "recorded after a refusal");
	config_defaults(&cfg);
	config_set(&cfg, "snat-ports", "5000-5999");
	CHECK_EQ(netrec_take(&r, 2, &cfg, true), 0, "a hook without --subnet");
	CHECK_STR(inet_ntoa(cfg.subnet), "10.6.0.0", "subnet taken from the file");
	CHECK_STR(inet_ntoa(cfg.gateway), "10.6.0.1", "gateway of the file's subnet");
	CHECK_EQ(r.recorded, 1, "recorded by the first hook");
	CHECK_EQ(r.port_min, 5000u, "SNAT ports recorded from the hook");
	CHECK_EQ(r.prefix, 24, "prefix recorded from the file");
}

/* The text of dir/name, or "" when there is none. */
static const char *file_text(const char *dir, const char *name)
{
	static char buf[4096];
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return "";
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static char *ports_of(const struct bpfnet_state *st, const char *id)
{
	return portlist_format(&state_find(st, id)->ports);
}

static char scratch[] = "/tmp/bpfnet-unit.XXXXXX";

/* A failed check exits: the scratch dir goes then too. */
static void remove_scratch(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", scratch);
	if (system(cmd))
		fprintf(stderr, "failed to remove %s\n", scratch);
}

/* Ports live in one file per container; state.json names only addresses. */
static void test_ports_files(void)
{
	char *dir = scratch, pdir[64], err[160], *got;
	struct bpfnet_state st = { 0 }, back;
	struct port_spec more;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	atexit(remove_scratch);
	snprintf(pdir, sizeof(pdir), "%s/ports", dir);
	inet_pton(AF_INET, "172.19.0.0", &st.net.subnet);
	st.net.prefix = 16;
	add(&st, "c1", "172.19.0.2");
	add(&st, "c2", "172.19.0.3");
	CHECK_EQ(portlist_parse("8080:80/tcp,127.0.0.1:5353:53/udp", &st.eps[0].ports,
				true, err, sizeof(err)), 2, "ports to store");
	CHECK_EQ(state_save(dir, &st), 0, "save");
	CHECK_STR(file_text(pdir, "c1"), "8080:80/tcp\n127.0.0.1:5353:53/udp\n",
		  "c1's ports file");
	CHECK_STR(file_text(pdir, "c2"), "", "no file for c2, which has no ports");
	CHECK(strstr(file_text(dir, "state.json"), "\"ports\"") == NULL);
	CHECK_EQ(state_load(dir, &back), 0, "load");
	got = ports_of(&back, "c1");
	CHECK_STR(got, "8080:80/tcp,127.0.0.1:5353:53/udp", "ports read back");
	free(got);
	CHECK_EQ(back.n_port_addrs, 1, "one address named by a port");
	CHECK_STR(inet_ntoa(back.port_addrs[0]), "127.0.0.1", "the address named");
	state_free(&back);

	/* an append shows in the next load; a records-only load has none */
	CHECK_EQ(portspec_parse("9000-9001:90-91/udp", &more, err, sizeof(err)), 0,
		 "one more spec");
	CHECK_EQ(portstore_append(dir, "c1", &more, 1), 0, "append");
	CHECK_EQ(state_load_records(dir, &back), 0, "records only");
	CHECK_EQ(back.eps[0].ports.n, 0, "ports not read by a records-only load");
	state_free(&back);
	CHECK_EQ(state_load(dir, &back), 0, "load after the append");
	got = ports_of(&back, "c1");
	CHECK_STR(got, "8080:80/tcp,127.0.0.1:5353:53/udp,9000-9001:90-91/udp",
		  "ports after the append");
	free(got);

	/* a removed record takes its file with it at the next save */
	state_remove(&back, state_find(&back, "c1"));
	CHECK_EQ(state_save(dir, &back), 0, "save without c1");
	CHECK_STR(file_text(pdir, "c1"), "", "c1's file after c1 went");
	state_free(&back);

	/* a torn last line is corrupt, not half-read */
	f = fopen(strcat(pdir, "/c2"), "w");
	CHECK(f != NULL);
	fputs("8080:80/tcp\n80", f);
	fclose(f);
	CHECK_EQ(state_load(dir, &back), -EBADMSG, "a torn ports file");
	state_free(&st);
}

/* A record written with its ports inline (bpfnet 0.1) keeps them. */
static void test_ports_inline_taken_over(void)
{
	const char *old = "{\"version\":1,\"subnet\":\"172.19.0.0/16\",\"containers\":["
		"{\"id\":\"c1\",\"ip\":\"172.19.0.2\",\"mac\":\"02:42:ac:13:00:02\","
		"\"veth\":\"bnv1\",\"pid\":7,\"netns_ino\":9,\"ready\":true,"
		"\"ports\":\"10.0.0.1:80:80/tcp\"}]}";
	struct bpfnet_state st;
	char err[160], *got;

	CHECK_EQ(state_from_json(old, strlen(old), &st, err, sizeof(err)), 0,
		 "a bpfnet 0.1 state file");
	got = ports_of(&st, "c1");
	CHECK_STR(got, "10.0.0.1:80:80/tcp", "inline ports");
	free(got);
	CHECK_EQ(st.eps[0].ports_dirty, 1, "moved to a file at the next save");
	CHECK_EQ(st.n_port_addrs, 1, "address named, though not written");
	state_free(&st);
}

static void add6(struct bpfnet_state *st, const char *id, const char *ip,
		 const char *ip6)
{
	add(st, id, ip);
	inet_pton(AF_INET6, ip6, &st->eps[st->n - 1].ip6);
}

static const char *text6(const struct in6_addr *a)
{
	static char buf[INET6_ADDRSTRLEN];

	return inet_ntop(AF_INET6, a, buf, sizeof(buf));
}

/* IPv6 from the same records: ::2 upwards, the lowest free, reused. */
static void test_alloc6_lowest_free_and_reuse(void)
{
	struct bpfnet_state st = { 0 };
	struct bpfnet_config cfg;
	struct in6_addr a;

	cfg_subnet(&cfg, "10.1.0.0/24");
	CHECK_EQ(config_set(&cfg, "subnet6", "fd19::/64"), 0, "subnet6");
	CHECK_EQ(ipam6_alloc(&st, &cfg, &a), 0, "first allocation");
	CHECK_STR(text6(&a), "fd19::2", "first address (after the gateway ::1)");
	add6(&st, "a", "10.1.0.2", "fd19::2");
	add6(&st, "b", "10.1.0.3", "fd19::3");
	add(&st, "v4only", "10.1.0.4");	/* a record without IPv6 */
	add6(&st, "c", "10.1.0.5", "fd19::5");
	CHECK_EQ(ipam6_alloc(&st, &cfg, &a), 0, "allocation after three");
	CHECK_STR(text6(&a), "fd19::4", "the gap before ::5");
	state_remove(&st, state_find(&st, "b"));	/* release */
	CHECK_EQ(ipam6_alloc(&st, &cfg, &a), 0, "allocation after a release");
	CHECK_STR(text6(&a), "fd19::3", "address after a release (reused)");
	state_free(&st);
}

static void test_exhaustion6(void)
{
	struct bpfnet_state st = { 0 };
	struct bpfnet_config cfg;
	struct in6_addr a;

	cfg_subnet(&cfg, "10.1.0.0/16");
	CHECK_EQ(config_set(&cfg, "subnet6", "fd19:0:0:7::100/120"), 0, "a /120");
	for (int i = 0; i < 254; i++) {	/* ::102 .. ::1ff */
		char id[8], ip[16];

		CHECK_EQ(ipam6_alloc(&st, &cfg, &a), 0, "allocation within the pool");
		snprintf(id, sizeof(id), "c%d", i);
		snprintf(ip, sizeof(ip), "10.1.%d.%d", i / 200, 2 + i % 200);
		add(&st, id, ip);
		st.eps[st.n - 1].ip6 = a;
	}
	CHECK_STR(text6(&st.eps[253].ip6), "fd19:0:0:7::1ff", "the last address");
	CHECK_EQ(ipam6_alloc(&st, &cfg, &a), -ENOSPC, "a full /120");
	state_free(&st);
}

static void test_static6(void)
{
	struct bpfnet_state st = { 0 };
	struct bpfnet_config cfg;
	struct in6_addr a;
	char err[200];

	cfg_subnet(&cfg, "10.1.0.0/24");
	CHECK_EQ(ipam6_static(&st, &cfg, "bpfnet.ip6", "fd19::9", &a, err, sizeof(err)),
		 -EINVAL, "no --subnet6");
	CHECK_STR(err, "bpfnet.ip6 'fd19::9' needs a network with --subnet6", "why");
	CHECK_EQ(config_set(&cfg, "subnet6", "fd19::/64"), 0, "subnet6");
	add6(&st, "a", "10.1.0.2", "fd19::2");
	CHECK_EQ(ipam6_static(&st, &cfg, "bpfnet.ip6", "fd19::50", &a, err, sizeof(err)),
		 0, "a free address");
	CHECK_STR(text6(&a), "fd19::50", "the address asked for");
	CHECK_EQ(ipam6_static(&st, &cfg, "bpfnet.ip6", "fd19::2", &a, err, sizeof(err)),
		 -EADDRINUSE, "an address in use");
	CHECK_STR(err, "bpfnet.ip6 fd19::2 is in use by a", "in use: by whom");
	CHECK_EQ(ipam6_static(&st, &cfg, "bpfnet.ip6", "fd19::1", &a, err, sizeof(err)),
		 -EINVAL, "the gateway");
	CHECK_STR(err, "bpfnet.ip6 fd19::1 is the gateway address of fd19::/64", "gateway");
	CHECK_EQ(ipam6_static(&st, &cfg, "bpfnet.ip6", "fd19::", &a, err, sizeof(err)),
		 -EINVAL, "the network address");
	CHECK_STR(err, "bpfnet.ip6 fd19:: is the network address of fd19::/64", "network");
	CHECK_EQ(ipam6_static(&st, &cfg, "bpfnet.ip6", "fd20::5", &a, err, sizeof(err)),
		 -EINVAL, "outside the prefix");
	CHECK_STR(err, "bpfnet.ip6 fd20::5 is outside the subnet6 fd19::/64", "outside");
	CHECK_EQ(ipam6_static(&st, &cfg, "bpfnet.ip6", "10.1.0.9", &a, err, sizeof(err)),
		 -EINVAL, "an IPv4 address");
	CHECK_STR(err, "bpfnet.ip6 '10.1.0.9' is not an IPv6 address", "not IPv6");
	state_free(&st);
}

/* ip6 and the network's IPv6 settings survive the state file; bad ones are refused. */
static void test_state_ip6_roundtrip(void)
{
	struct bpfnet_state st = { 0 }, back;
	char err[160], *json, *dup;

	inet_pton(AF_INET, "172.19.0.0", &st.net.subnet);
	st.net.prefix = 16;
	st.net.recorded = true;
	st.net.port_min = 1024;
	st.net.port_max = 65535;
	st.net.flow_table_size = 4096;
	inet_pton(AF_INET6, "fd19::", &st.net.subnet6);
	st.net.prefix6 = 64;
	st.net.nat6 = false;
	add6(&st, "c1", "172.19.0.2", "fd19::2");
	add(&st, "c2", "172.19.0.3");
	json = state_to_json(&st);
	CHECK(json != NULL);
	CHECK_EQ(state_from_json(json, strlen(json), &back, err, sizeof(err)), 0,
		 "reading back what was written");
	CHECK_EQ(back.net.prefix6, 64, "subnet6 prefix read back");
	CHECK_STR(text6(&back.net.subnet6), "fd19::", "subnet6 read back");
	CHECK_EQ(back.net.nat6, false, "nat6 read back");
	CHECK_STR(text6(&back.eps[0].ip6), "fd19::2", "ip6 read back");
	CHECK_STR(text6(&back.eps[1].ip6), "::", "a record without ip6");
	state_free(&back);
	/* two records with one IPv6 address, or one outside the prefix: corrupt */
	st.eps[1].ip6 = st.eps[0].ip6;
	dup = state_to_json(&st);
	CHECK_EQ(state_from_json(dup, strlen(dup), &back, err, sizeof(err)), -EBADMSG,
		 "an IPv6 address twice");
	free(dup);
	inet_pton(AF_INET6, "fd20::3", &st.eps[1].ip6);
	dup = state_to_json(&st);
	CHECK_EQ(state_from_json(dup, strlen(dup), &back, err, sizeof(err)), -EBADMSG,
		 "an IPv6 address outside subnet6");
	free(dup);
	free(json);
	state_free(&st);
}

static const struct check_test tests[] = {
	CHECK_TEST(test_alloc_lowest_free_and_reuse),
	CHECK_TEST(test_alloc6_lowest_free_and_reuse),
	CHECK_TEST(test_exhaustion6),
	CHECK_TEST(test_static6),
	CHECK_TEST(test_state_ip6_roundtrip),
	CHECK_TEST(test_exhaustion),
	CHECK_TEST(test_static),
	CHECK_TEST(test_mac),
	CHECK_TEST(test_names),
	CHECK_TEST(test_state_roundtrip),
	CHECK_TEST(test_state_network_optional),
	CHECK_TEST(test_state_network_bad_values),
	CHECK_TEST(test_network_settings_taken),
	CHECK_TEST(test_network_settings_of_old_file),
	CHECK_TEST(test_ports_files),
	CHECK_TEST(test_ports_inline_taken_over),
};

int main(int argc, char **argv)
{
	return check_main(argc, argv, tests, CHECK_NTESTS(tests), NULL);
}
