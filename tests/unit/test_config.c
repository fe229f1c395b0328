// SPDX-License-Identifier: GPL-2.0
/* Flags and the JSON config file: defaults, precedence, bad values. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "config.h"

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
	CHECK_STR(cfg.bridge, "bpfnet0");
	CHECK_STR(inet_ntoa(cfg.subnet), "172.19.0.0");
	CHECK(cfg.prefix == 16);
	CHECK_STR(inet_ntoa(cfg.gateway), "172.19.0.1");
	CHECK_STR(cfg.iface, "eth0");
	CHECK_STR(cfg.state_dir, "/run/bpfnet");
	CHECK_STR(cfg.pin_dir, "/sys/fs/bpf/bpfnet");
	CHECK(cfg.mtu == 0);
}

static void test_flags_anywhere(void)
{
	struct bpfnet_config cfg;
	struct bpfnet_args pos;

	CHECK(parse(&cfg, &pos, "--bridge", "br9", "port", "add", "--subnet=10.8.0.0/24",
		    "c1", "-j", "--mtu", "1400", "-v", "--config", "/nonexistent-ok?", NULL) != 0);
	CHECK(parse(&cfg, &pos, "--bridge", "br9", "port", "add", "--subnet=10.8.0.0/24",
		    "c1", "-j", "--mtu", "1400", "-v", NULL) == 0);
	CHECK_STR(cfg.bridge, "br9");
	CHECK_STR(inet_ntoa(cfg.gateway), "10.8.0.1");
	CHECK(cfg.prefix == 24);
	CHECK(cfg.mtu == 1400);
	CHECK(cfg.json);
	CHECK(cfg.verbose == 1);
	CHECK(pos.argc == 3);
	CHECK_STR(pos.argv[0], "port");
	CHECK_STR(pos.argv[2], "c1");
}

static void test_bad_flags(void)
{
	struct bpfnet_config cfg;
	struct bpfnet_args pos;

	CHECK(parse(&cfg, &pos, "--nope", NULL) != 0);
	CHECK(parse(&cfg, &pos, "-x", NULL) != 0);
	CHECK(parse(&cfg, &pos, "--bridge", NULL) != 0);
	CHECK(parse(&cfg, &pos, "--bridge", "averyveryverylongname", NULL) != 0);
	CHECK(parse(&cfg, &pos, "--subnet", "10.0.0.1/24", NULL) != 0);
	CHECK(parse(&cfg, &pos, "--subnet", "10.0.0.0/31", NULL) != 0);
	CHECK(parse(&cfg, &pos, "--subnet", "banana", NULL) != 0);
	CHECK(parse(&cfg, &pos, "--mtu", "99", NULL) != 0);
	CHECK(parse(&cfg, &pos, "--mtu", "15x", NULL) != 0);
	CHECK(parse(&cfg, &pos, "--state-dir", "relative", NULL) != 0);
	CHECK(parse(&cfg, &pos, "--snat-ports", "5000-100", NULL) != 0);
	CHECK(parse(&cfg, &pos, "--uplink", "bpfnet0", NULL) != 0);
}

static void test_config_file(void)
{
	char path[] = "/tmp/bpfnet-cfg-XXXXXX";
	const char *doc = "{\"bridge\":\"brfile\",\"subnet\":\"10.9.0.0/16\",\"mtu\":1450,"
			  "\"iface\":\"net0\",\"verbose\":true}";
	struct bpfnet_config cfg;
	struct bpfnet_args pos;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK(write(fd, doc, strlen(doc)) == (ssize_t)strlen(doc));
	close(fd);
	CHECK(parse(&cfg, &pos, "--config", path, "--bridge", "brflag", NULL) == 0);
	CHECK_STR(cfg.bridge, "brflag");	/* the flag wins */
	CHECK_STR(inet_ntoa(cfg.subnet), "10.9.0.0");
	CHECK(cfg.mtu == 1450);
	CHECK_STR(cfg.iface, "net0");
	CHECK(cfg.verbose == 1);
	unlink(path);
}

static void test_bad_config_json(void)
{
	struct bpfnet_config cfg;
	const char *bad[] = { "{", "[]", "{\"bridge\":5}", "{\"mtu\":\"x\"}",
			      "{\"unknown\":\"x\"}", "{\"subnet\":\"1.2.3.0/33\"}",
			      "{\"mtu\":-1}", NULL };

	for (int i = 0; bad[i]; i++) {
		config_defaults(&cfg);
		CHECK(config_apply_json(&cfg, bad[i], strlen(bad[i]), "test") != 0);
	}
}

static void test_cidr(void)
{
	struct in_addr net;
	int prefix;

	CHECK(parse_cidr("10.0.0.0/8", &net, &prefix) == 0 && prefix == 8);
	CHECK(parse_cidr("10.0.0.0", &net, &prefix) != 0);
	CHECK(parse_cidr("10.0.0.0/", &net, &prefix) != 0);
	CHECK(parse_cidr("10.0.0.0/-1", &net, &prefix) != 0);
	CHECK(parse_cidr("300.0.0.0/8", &net, &prefix) != 0);
}

int main(void)
{
	RUN(test_defaults);
	RUN(test_flags_anywhere);
	RUN(test_bad_flags);
	RUN(test_config_file);
	RUN(test_bad_config_json);
	RUN(test_cidr);
	CHECK_EXIT();
}
