// SPDX-License-Identifier: GPL-2.0
/* Flags and the JSON config file: defaults, precedence, bad values. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "cmd.h"
#include "config.h"
#include "doc.h"
#include "doc_text.h"
#include "log.h"
#include "netrec.h"

static int parse(struct bpfnet_config *cfg, struct bpfnet_args *pos, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	va_start(ap, pos);
	for (char *a; (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	config_defaults(cfg);
	return config_parse_args(cfg, pos, argc, argv);
}

static void test_defaults(void)
{
	struct bpfnet_config cfg;

	config_defaults(&cfg);
	CHECK_STR(cfg.bridge, "bpfnet0", "default bridge");
	CHECK_STR(inet_ntoa(cfg.subnet), "172.19.0.0", "default subnet");
	CHECK_EQ(cfg.prefix, 16, "default prefix");
	CHECK_STR(inet_ntoa(cfg.gateway), "172.19.0.1", "default gateway");
	CHECK_STR(cfg.iface, "eth0", "default container interface");
	CHECK_STR(cfg.state_dir, "/run/bpfnet", "default state dir");
	CHECK_STR(cfg.pin_dir, "/sys/fs/bpf/bpfnet", "default pin dir");
	CHECK_EQ(cfg.mtu, 0, "default mtu (0: the uplink's)");
	CHECK_EQ(cfg.port_min, 1024u, "default --snat-ports, lowest");
	CHECK_EQ(cfg.port_max, 65535u, "default --snat-ports, highest");
	CHECK_STR(cfg.cgroup, "", "default cgroup (\"\": the cgroup2 mount's root)");
	CHECK_EQ(cfg.flow_table_size, flow_table_host_default(),
		 "default --flow-table-size (from this host's memory)");
}

static void test_flags_anywhere(void)
{
	struct bpfnet_config cfg;
	struct bpfnet_args pos;

	CHECK_NE(parse(&cfg, &pos, "--bridge", "br9", "port", "add", "--subnet=10.8.0.0/24",
		       "c1", "-j", "--mtu", "1400", "-v", "--config", "/nonexistent-ok?", NULL),
		 0, "flags with a missing --config file");
	CHECK_EQ(parse(&cfg, &pos, "--bridge", "br9", "port", "add", "--subnet=10.8.0.0/24",
		       "c1", "-j", "--mtu", "1400", "-v", NULL),
		 0, "flags before, between and after the words");
	CHECK_STR(cfg.bridge, "br9", "--bridge");
	CHECK_STR(inet_ntoa(cfg.gateway), "10.8.0.1", "gateway of --subnet");
	CHECK_EQ(cfg.prefix, 24, "prefix of --subnet");
	CHECK_EQ(cfg.mtu, 1400, "--mtu");
	CHECK_EQ(cfg.json, 1, "-j");
	CHECK_EQ(cfg.verbose, 1, "-v");
	CHECK_EQ(pos.argc, 3, "words left");
	CHECK_STR(pos.argv[0], "port", "first word");
	CHECK_STR(pos.argv[2], "c1", "last word");
}

static void test_bad_flags(void)
{
	struct bpfnet_config cfg;
	struct bpfnet_args pos;

	CHECK_NE(parse(&cfg, &pos, "--nope", NULL), 0, "unknown long flag");
	CHECK_NE(parse(&cfg, &pos, "-x", NULL), 0, "unknown short flag");
	CHECK_NE(parse(&cfg, &pos, "--bridge", NULL), 0, "flag without its value");
	CHECK_NE(parse(&cfg, &pos, "--bridge", "averyveryverylongname", NULL), 0,
		 "bridge name over 15 characters");
	CHECK_NE(parse(&cfg, &pos, "--subnet", "10.0.0.1/24", NULL), 0,
		 "subnet with host bits set");
	CHECK_NE(parse(&cfg, &pos, "--subnet", "10.0.0.0/31", NULL), 0, "subnet too small");
	CHECK_NE(parse(&cfg, &pos, "--subnet", "banana", NULL), 0, "subnet not a network");
	CHECK_NE(parse(&cfg, &pos, "--mtu", "99", NULL), 0, "mtu too small");
	CHECK_NE(parse(&cfg, &pos, "--mtu", "15x", NULL), 0, "mtu not a number");
	CHECK_NE(parse(&cfg, &pos, "--state-dir", "relative", NULL), 0, "relative state dir");
	CHECK_NE(parse(&cfg, &pos, "--snat-ports", "5000-100", NULL), 0, "port range backwards");
	CHECK_NE(parse(&cfg, &pos, "--uplink", "bpfnet0", NULL), 0, "uplink named as the bridge");
}

static void test_config_file(void)
{
	char path[] = "/tmp/bpfnet-cfg-XXXXXX";
	const char *doc = "{\"bridge\":\"brfile\",\"subnet\":\"10.9.0.0/16\",\"mtu\":1450,"
			  "\"iface\":\"net0\",\"verbose\":true}";
	struct bpfnet_config cfg;
	struct bpfnet_args pos;
	int fd = mkstemp(path), rc;
	ssize_t n;

	CHECK_GE(fd, 0, "mkstemp");
	n = write(fd, doc, strlen(doc));
	close(fd);
	rc = parse(&cfg, &pos, "--config", path, "--bridge", "brflag", NULL);
	/* gone before the first check that could end the test */
	unlink(path);
	CHECK_EQ(n, (ssize_t)strlen(doc), "write the config file");
	CHECK_EQ(rc, 0, "--config FILE --bridge");
	CHECK_STR(cfg.bridge, "brflag", "bridge (the flag wins over the file)");
	CHECK_STR(inet_ntoa(cfg.subnet), "10.9.0.0", "subnet from the file");
	CHECK_EQ(cfg.mtu, 1450, "mtu from the file");
	CHECK_STR(cfg.iface, "net0", "iface from the file");
	CHECK_EQ(cfg.verbose, 1, "verbose from the file");
}

/* Which settings were given (flag or file) and which are defaults. */
static void test_given_flags_and_file(void)
{
	char path[] = "/tmp/bpfnet-cfg-XXXXXX";
	const char *doc = "{\"isolate\":false,\"snat_ports\":\"2000-2999\"}";
	struct bpfnet_config cfg;
	struct bpfnet_args pos;
	int fd, rc;
	ssize_t n;

	CHECK_EQ(parse(&cfg, &pos, "ls", NULL), 0, "no flags");
	CHECK_EQ(cfg.given, 0u, "options given without a flag or file");
	CHECK_EQ(config_given(&cfg, "isolate"), 0, "--isolate, left out");
	CHECK_EQ(parse(&cfg, &pos, "--isolate", "--uplink", "up0", "-v", NULL), 0,
		 "--isolate --uplink up0 -v");
	CHECK_EQ(config_given(&cfg, "isolate"), 1, "--isolate, a switch");
	CHECK_EQ(config_given(&cfg, "uplink"), 1, "--uplink, a value");
	CHECK_EQ(config_given(&cfg, "verbose"), 1, "-v, a short switch");
	CHECK_EQ(config_given(&cfg, "subnet"), 0, "--subnet, left out");
	CHECK_EQ(config_given(&cfg, "snat-ports"), 0, "--snat-ports, left out");
	CHECK_EQ(config_given(&cfg, "nosuch"), 0, "an option that does not exist");
	/* a key of the file is given too, even when it says the default */
	fd = mkstemp(path);
	CHECK_GE(fd, 0, "mkstemp");
	n = write(fd, doc, strlen(doc));
	close(fd);
	rc = parse(&cfg, &pos, "--config", path, "--subnet=10.3.0.0/16", NULL);
	unlink(path);
	CHECK_EQ(n, (ssize_t)strlen(doc), "write the config file");
	CHECK_EQ(rc, 0, "--config FILE --subnet");
	CHECK_EQ(config_given(&cfg, "isolate"), 1, "\"isolate\": false in the file");
	CHECK_EQ(cfg.isolate, 0, "isolate from the file");
	CHECK_EQ(config_given(&cfg, "snat-ports"), 1, "snat_ports (the alias) in the file");
	CHECK_EQ(config_given(&cfg, "subnet"), 1, "--subnet=");
	CHECK_EQ(config_given(&cfg, "uplink"), 0, "--uplink, left out");
	CHECK_EQ(config_given(&cfg, "config"), 0, "--config (no setting of its own)");
}

/* config_set: as the flag would, and counted as given. */
static void test_set_one(void)
{
	struct bpfnet_config cfg;

	config_defaults(&cfg);
	CHECK_EQ(config_set(&cfg, "snat-ports", "3000-3999"), 0, "snat-ports 3000-3999");
	CHECK_EQ(cfg.port_min, 3000u, "lowest SNAT port");
	CHECK_EQ(cfg.port_max, 3999u, "highest SNAT port");
	CHECK_EQ(config_given(&cfg, "snat-ports"), 1, "given after config_set");
	CHECK_EQ(config_set(&cfg, "isolate", "true"), 0, "isolate true");
	CHECK_EQ(cfg.isolate, 1, "isolate after true");
	CHECK_EQ(config_set(&cfg, "isolate", "false"), 0, "isolate false");
	CHECK_EQ(cfg.isolate, 0, "isolate after false");
	CHECK_NE(config_set(&cfg, "isolate", "yes"), 0, "isolate yes");
	CHECK_NE(config_set(&cfg, "snat-ports", "9-1"), 0, "snat-ports backwards");
	CHECK_NE(config_set(&cfg, "subnet", "127.0.0.0/16"), 0, "a loopback subnet");
	CHECK_NE(config_set(&cfg, "uplink", "a/b"), 0, "an uplink name with '/'");
	CHECK_NE(config_set(&cfg, "nosuch", "1"), 0, "an option that does not exist");
	CHECK_EQ(config_set(&cfg, "subnet", "10.4.0.0/24"), 0, "subnet 10.4.0.0/24");
	CHECK_STR(inet_ntoa(cfg.gateway), "10.4.0.1", "gateway of the new subnet");
}

static void test_bad_config_json(void)
{
	struct bpfnet_config cfg;
	char what[96];
	const char *bad[] = { "{", "[]", "{\"bridge\":5}", "{\"mtu\":\"x\"}",
			      "{\"unknown\":\"x\"}", "{\"subnet\":\"1.2.3.0/33\"}",
			      "{\"mtu\":-1}", NULL };

	for (int i = 0; bad[i]; i++) {
		config_defaults(&cfg);
		snprintf(what, sizeof(what), "refusing %s", bad[i]);
		CHECK_NE(config_apply_json(&cfg, bad[i], strlen(bad[i]), "test"), 0, what);
	}
}

static void test_cidr(void)
{
	struct in_addr net;
	int prefix;

	CHECK_EQ(parse_cidr("10.0.0.0/8", &net, &prefix), 0, "10.0.0.0/8");
	CHECK_EQ(prefix, 8, "prefix of 10.0.0.0/8");
	CHECK_STR(inet_ntoa(net), "10.0.0.0", "network of 10.0.0.0/8");
	CHECK_NE(parse_cidr("10.0.0.0", &net, &prefix), 0, "no prefix");
	CHECK_NE(parse_cidr("10.0.0.0/", &net, &prefix), 0, "empty prefix");
	CHECK_NE(parse_cidr("10.0.0.0/-1", &net, &prefix), 0, "negative prefix");
	CHECK_NE(parse_cidr("300.0.0.0/8", &net, &prefix), 0, "octet over 255");
}

/* What fn(arg) printed on stderr, into said (one line has one '\n'). */
static int stderr_of(int (*fn)(const char *), const char *arg, char *said,
		     size_t len)
{
	FILE *tmp = tmpfile();
	int saved = dup(2), rc;
	size_t n;

	fflush(stderr);
	dup2(fileno(tmp), 2);
	rc = fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(said, 1, len - 1, tmp);
	said[n] = '\0';
	fclose(tmp);
	return rc;
}

static int lines_in(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static int parse_flow_size(const char *val)
{
	struct bpfnet_config cfg;
	struct bpfnet_args pos;

	return parse(&cfg, &pos, "--flow-table-size", val, NULL);
}

/* --flow-table-size N and its key: from 1024; bad values get one line. */
static void test_flow_table_size(void)
{
	const char *bad[] = { "0", "abc", "100", "1023", "-4096", "", "4096x",
			      "99999999999", NULL };
	struct bpfnet_config cfg;
	struct bpfnet_args pos;
	char said[512], what[96];
	const char *doc = "{\"flow_table_size\": 2048}";

	CHECK_EQ(parse(&cfg, &pos, "--flow-table-size", "4096", NULL), 0, "--flow-table-size 4096");
	CHECK_EQ(cfg.flow_table_size, 4096u, "flow table size from the flag");
	CHECK_EQ(config_given(&cfg, "flow-table-size"), 1, "--flow-table-size, given");
	CHECK_EQ(parse(&cfg, &pos, "--flow-table-size=1024", NULL), 0, "the minimum, 1024");
	CHECK_EQ(cfg.flow_table_size, 1024u, "flow table size 1024");
	CHECK_EQ(parse(&cfg, &pos, "ls", NULL), 0, "no flag");
	CHECK_EQ(config_given(&cfg, "flow-table-size"), 0, "--flow-table-size, left out");
	config_defaults(&cfg);
	CHECK_EQ(config_apply_json(&cfg, doc, strlen(doc), "test"), 0, "flow_table_size: 2048 in the file");
	CHECK_EQ(cfg.flow_table_size, 2048u, "flow table size from the file");
	CHECK_EQ(config_given(&cfg, "flow-table-size"), 1, "flow_table_size (the alias) in the file");
	for (int i = 0; bad[i]; i++) {
		snprintf(what, sizeof(what), "--flow-table-size '%s' refused", bad[i]);
		CHECK_NE(stderr_of(parse_flow_size, bad[i], said, sizeof(said)), 0, what);
		snprintf(what, sizeof(what), "the line for --flow-table-size '%s'", bad[i]);
		CHECK_CONTAINS(said, "invalid flow-table-size", what);
		CHECK_CONTAINS(said, "a number from 1024 to 16777216 is needed", what);
		CHECK_EQ(lines_in(said), 1, what);
	}
}

/* The default follows memory: MemTotal / 16384 down to a power of two,
 * within 16384..1048576; the new-flow tables get half, at least 1024. */
static void test_flow_table_default(void)
{
	const unsigned long long GiB = 1ull << 30, MiB = 1ull << 20;

	CHECK_EQ(flow_table_default(2 * GiB), 131072u, "2 GiB");
	CHECK_EQ(flow_table_default(2 * GiB - 1), 65536u, "just under 2 GiB");
	CHECK_EQ(flow_table_default(3 * GiB), 131072u, "3 GiB (down to a power of two)");
	CHECK_EQ(flow_table_default(4 * GiB), 262144u, "4 GiB");
	CHECK_EQ(flow_table_default(16 * GiB), 1048576u, "16 GiB");
	CHECK_EQ(flow_table_default(512 * GiB), 1048576u, "512 GiB (the ceiling)");
	CHECK_EQ(flow_table_default(256 * MiB), 16384u, "256 MiB");
	CHECK_EQ(flow_table_default(64 * MiB), 16384u, "64 MiB (the floor)");
	CHECK_EQ(flow_table_default(0), 16384u, "nothing");
	/* this host: its MemTotal, as the tests in t_hook compute it */
	CHECK_GE(flow_table_host_default(), 16384u, "this host's default, floor");
	CHECK_LE(flow_table_host_default(), 1048576u, "this host's default, ceiling");
	CHECK_EQ(flow_table_new_size(131072), 65536u, "new-flow tables: half");
	CHECK_EQ(flow_table_new_size(1024), 1024u, "new-flow tables: at least 1024");
	CHECK_EQ(flow_table_new_size(2048), 1024u, "new-flow tables of 2048");
}

static int take_flow_size(const char *val)
{
	struct bpfnet_config cfg;
	struct net_rec r = { 0 };

	config_defaults(&cfg);
	cfg.flow_table_size = 4096;
	netrec_record(&r, &cfg);
	config_defaults(&cfg);
	if (config_set(&cfg, "flow-table-size", val))
		return -1;
	return netrec_take(&r, 1, &cfg, true);
}

/* The size is the network's: recorded, kept, refused when given otherwise. */
static void test_flow_table_size_recorded(void)
{
	struct bpfnet_config cfg;
	struct net_rec r = { 0 }, back;
	char said[512], err[128];
	cJSON *root;

	CHECK_EQ(stderr_of(take_flow_size, "4096", said, sizeof(said)), 0, "the recorded size given again");
	CHECK_NE(stderr_of(take_flow_size, "8192", said, sizeof(said)), 0, "another size given");
	CHECK_STR(said, "bpfnet: flow-table-size 8192 differs from the network's (4096): 'bpfnet net set flow-table-size 8192' changes it\n",
		  "the line refusing it");
	config_defaults(&cfg);
	cfg.flow_table_size = 4096;
	netrec_record(&r, &cfg);
	config_defaults(&cfg);
	CHECK_EQ(netrec_take(&r, 1, &cfg, true), 0, "no flag");
	CHECK_EQ(cfg.flow_table_size, 4096u, "the recorded size, not the default");
	/* state.json: written, read back; a record from before has the fallback */
	root = cJSON_CreateObject();
	netrec_to_json(&r, 1, root);
	CHECK_EQ(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "network"), "flow_table_size")->valueint,
		 4096, "flow_table_size in state.json");
	CHECK_EQ(netrec_from_json(root, true, &back, err, sizeof(err)), 0, "read back");
	CHECK_EQ(back.flow_table_size, 4096u, "flow table size read back");
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(root, "network"), "flow_table_size");
	CHECK_EQ(netrec_from_json(root, true, &back, err, sizeof(err)), 0, "a record without it");
	CHECK_EQ(back.flow_table_size, 131072u, "an older record: the size it was loaded with");
	cJSON_AddNumberToObject(cJSON_GetObjectItem(root, "network"), "flow_table_size", 100);
	CHECK_NE(netrec_from_json(root, true, &back, err, sizeof(err)), 0, "a size under 1024 in state.json");
	cJSON_Delete(root);
}

/*
 * A CNI network config spells the flags in camelCase (stateDir): every such
 * key is in bpfnet(8)'s config file keys and in bpfnet-cni(8)'s key list.
 */
static void test_camel_keys_documented(void)
{
	static const struct cmd no_cmds[] = { { NULL } };
	const struct doc_key *cni_keys = NULL;
	char *man = NULL, word[80];
	size_t len = 0;
	FILE *f = open_memstream(&man, &len);
	int n = 0;

	CHECK(f != NULL);
	doc_man(f, no_cmds, "test");
	fclose(f);
	for (const struct doc_text *t = doc_extra_topics; t->name; t++)
		if (!strcmp(t->name, "cni"))
			cni_keys = t->keys;
	CHECK(cni_keys != NULL);
	for (const struct option_def *o = config_options(); o->name; o++) {
		bool in_cni = false;

		if (!o->camel)
			continue;
		n++;
		snprintf(word, sizeof(word), ", %s\n", o->camel);
		CHECK_CONTAINS(man, word, "bpfnet(8) lists the camelCase key");
		for (const struct doc_key *k = cni_keys; k->key; k++)
			in_cni |= !strcmp(k->key, o->camel);
		CHECK_EQ(in_cni, true, o->camel);
	}
	CHECK_GE(n, 5, "options with a camelCase key");
	free(man);
}

/* --subnet6 and --nat6: off and true by default, /64 to /120, one line each refusal. */
static void test_subnet6(void)
{
	struct bpfnet_config cfg;
	struct bpfnet_args pos;
	char a[INET6_ADDRSTRLEN];
	static const struct {
		const char *val, *why;
	} bad[] = {
		{ "fd19::/63", "invalid subnet6 'fd19::/63': a prefix from /64 to /120 is needed" },
		{ "fd19::/121", "invalid subnet6 'fd19::/121': a prefix from /64 to /120 is needed" },
		{ "fd19::1/64", "invalid subnet6 'fd19::1/64': an IPv6 network like fd19::/64 (host bits clear) is needed" },
		{ "172.19.0.0/16", "an IPv6 network like fd19::/64" },
		{ "fd19::", "an IPv6 network like fd19::/64" },
		{ "fd19::/x", "an IPv6 network like fd19::/64" },
		{ "fe80::/64", "it overlaps link-local (fe80::/10)" },
		{ "ff02::/64", "it overlaps multicast (ff00::/8)" },
		{ "::ffff:0:0/96", "it overlaps IPv4-mapped addresses" },
	};

	config_defaults(&cfg);
	CHECK_EQ(cfg.prefix6, 0, "no IPv6 by default");
	CHECK_EQ(cfg.nat6, true, "nat6 by default");
	CHECK_EQ(parse(&cfg, &pos, "--subnet6", "fd19::/64", NULL), 0, "--subnet6 fd19::/64");
	CHECK_EQ(cfg.prefix6, 64, "prefix of --subnet6");
	CHECK_STR(inet_ntop(AF_INET6, &cfg.gateway6, a, sizeof(a)), "fd19::1",
		  "gateway of --subnet6");
	CHECK_STR(inet_ntop(AF_INET6, &cfg.subnet6, a, sizeof(a)), "fd19::", "--subnet6");
	CHECK_EQ(parse(&cfg, &pos, "--subnet6=fd19:0:0:7::100/120", "--nat6=false", NULL), 0,
		 "--subnet6=/120 and --nat6=false");
	CHECK_EQ(cfg.prefix6, 120, "a /120");
	CHECK_STR(inet_ntop(AF_INET6, &cfg.gateway6, a, sizeof(a)), "fd19:0:0:7::101",
		  "gateway of a /120");
	CHECK_EQ(cfg.nat6, false, "--nat6=false: routed");
	CHECK_EQ(parse(&cfg, &pos, "--nat6", "true", NULL), 0, "--nat6 true");
	CHECK_EQ(cfg.nat6, true, "--nat6 true");
	CHECK_EQ(config_given(&cfg, "nat6"), true, "nat6 counts as given");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_NE(parse(&cfg, &pos, "--subnet6", bad[i].val, NULL), 0, bad[i].val);
		CHECK_CONTAINS(log_last_error(), bad[i].why, bad[i].val);
	}
	CHECK_NE(parse(&cfg, &pos, "--nat6", "maybe", NULL), 0, "--nat6 maybe");
	CHECK_STR(log_last_error(), "invalid nat6 'maybe': true or false is needed",
		  "--nat6 maybe, in one line");
	/* the config file and a CNI config spell them the same */
	config_defaults(&cfg);
	CHECK_EQ(config_apply_json(&cfg, "{\"subnet6\":\"fd19::/64\",\"nat6\":false}", 36,
				   "test"), 0, "subnet6 and nat6 as keys");
	CHECK_EQ(cfg.prefix6, 64, "subnet6 key");
	CHECK_EQ(cfg.nat6, false, "nat6 key");
	CHECK_NE(config_apply_json(&cfg, "{\"nat6\":1}", 10, "test"), 0,
		 "nat6 as a number");
	CHECK_EQ(parse(&cfg, &pos, "--subnet6", "", NULL), 0, "--subnet6 \"\": none");
	CHECK_EQ(cfg.prefix6, 0, "--subnet6 \"\"");
}

static const struct check_test tests[] = {
	CHECK_TEST(test_defaults),
	CHECK_TEST(test_flags_anywhere),
	CHECK_TEST(test_bad_flags),
	CHECK_TEST(test_config_file),
	CHECK_TEST(test_given_flags_and_file),
	CHECK_TEST(test_set_one),
	CHECK_TEST(test_bad_config_json),
	CHECK_TEST(test_cidr),
	CHECK_TEST(test_flow_table_size),
	CHECK_TEST(test_flow_table_default),
	CHECK_TEST(test_flow_table_size_recorded),
	CHECK_TEST(test_camel_keys_documented),
	CHECK_TEST(test_subnet6),
};

int main(int argc, char **argv)
{
	return check_main(argc, argv, tests, CHECK_NTESTS(tests), NULL);
}
