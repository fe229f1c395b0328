// SPDX-License-Identifier: GPL-2.0
/* CNI requests: the environment and the network config become settings, or a code. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cni_req.h"

/* The variables libcni sets for an attachment command. */
static void env_attach(const char *cmd)
{
	setenv("CNI_COMMAND", cmd, 1);
	setenv("CNI_CONTAINERID", "c1", 1);
	setenv("CNI_NETNS", "/run/netns/c1", 1);
	setenv("CNI_IFNAME", "net1", 1);
}

static int parse(struct cni_req *r, const char *conf)
{
	return cni_req_parse(r, conf, strlen(conf));
}

static void test_keys_become_settings(void)
{
	struct cni_req r;

	env_attach("ADD");
	CHECK_EQ(parse(&r, "{\"cniVersion\":\"1.0.0\",\"name\":\"n1\",\"type\":\"bpfnet\","
			   "\"bridge\":\"br7\",\"subnet\":\"10.7.0.0/24\",\"stateDir\":\"/tmp/st7\","
			   "\"pinDir\":\"/sys/fs/bpf/p7\",\"snatPorts\":\"2000-3000\",\"isolate\":true,"
			   "\"mtu\":1400,\"capabilities\":{\"portMappings\":true},"
			   "\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":8080,\"containerPort\":80,"
			   "\"protocol\":\"tcp\",\"hostIP\":\"\"},{\"hostPort\":53,\"containerPort\":5353,"
			   "\"protocol\":\"udp\",\"hostIP\":\"127.0.0.1\"}]}}"),
		 CNI_OK, "a full ADD request");
	CHECK_EQ((int)r.cmd, (int)CNI_ADD, "command");
	CHECK_STR(r.version, "1.0.0", "cniVersion");
	CHECK_STR(r.id, "c1", "CNI_CONTAINERID");
	CHECK_STR(r.netns, "/run/netns/c1", "CNI_NETNS");
	CHECK_STR(r.cfg.iface, "net1", "CNI_IFNAME is the container interface");
	CHECK_STR(r.cfg.bridge, "br7", "bridge");
	CHECK_STR(inet_ntoa(r.cfg.gateway), "10.7.0.1", "gateway of subnet");
	CHECK_STR(r.cfg.state_dir, "/tmp/st7", "stateDir");
	CHECK_STR(r.cfg.pin_dir, "/sys/fs/bpf/p7", "pinDir");
	CHECK_EQ(r.cfg.port_min, 2000u, "snatPorts, lowest");
	CHECK_EQ(r.cfg.port_max, 3000u, "snatPorts, highest");
	CHECK_EQ(r.cfg.isolate, true, "isolate");
	CHECK_EQ(r.cfg.mtu, 1400, "mtu");
	CHECK_EQ(config_given(&r.cfg, "subnet"), true, "subnet counts as given");
	CHECK_STR(r.ports, "8080:80/tcp,127.0.0.1:53:5353/udp", "portMappings as bpfnet.ports");
	cni_req_free(&r);
}

static void test_codes(void)
{
	static const struct {
		const char *cmd, *conf;
		int code;
	} cases[] = {
		{ "ADD", "{\"cniVersion\":\"1.0.0\",\"name\":", CNI_ERR_DECODE },
		{ "ADD", "[1]", CNI_ERR_DECODE },
		{ "ADD", "{\"cniVersion\":\"0.2.0\",\"name\":\"n\"}", CNI_ERR_VERSION },
		{ "ADD", "{\"name\":\"n\"}", CNI_ERR_CONFIG },
		{ "CHECK", "{\"cniVersion\":\"0.3.1\",\"name\":\"n\"}", CNI_ERR_VERSION },
		{ "GC", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}", CNI_ERR_VERSION },
		{ "ADD", "{\"cniVersion\":\"1.0.0\",\"name\":\"-n\"}", CNI_ERR_CONFIG },
		{ "ADD", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"subnt\":\"x\"}", CNI_ERR_FIELD },
		{ "ADD", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"ipam\":{}}", CNI_ERR_FIELD },
		{ "ADD", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"iface\":\"x\"}", CNI_ERR_FIELD },
		{ "ADD", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"mtu\":true}", CNI_ERR_CONFIG },
		{ "ADD", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"subnet\":\"10.0.0.1/8\"}", CNI_ERR_CONFIG },
		{ "ADD", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"portMappings\":"
			 "[{\"hostPort\":70000,\"containerPort\":80}]}}", CNI_ERR_CONFIG },
		{ "ADD", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"portMappings\":"
			 "[{\"hostPort\":80,\"containerPort\":80,\"protocol\":\"sctp\"}]}}", CNI_ERR_FIELD },
		{ "ADD", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"portMappings\":"
			 "[{\"hostPort\":80,\"containerPort\":80,\"hostIP\":\"::1\"}]}}", CNI_ERR_FIELD },
		{ "FROB", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}", CNI_ERR_ENV },
	};
	struct cni_req r;
	char what[160];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		env_attach(cases[i].cmd);
		snprintf(what, sizeof(what), "%s %s", cases[i].cmd, cases[i].conf);
		CHECK_EQ(parse(&r, cases[i].conf), cases[i].code, what);
		cni_req_free(&r);
	}
	env_attach("ADD");
	unsetenv("CNI_CONTAINERID");
	CHECK_EQ(parse(&r, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}"), CNI_ERR_ENV,
		 "ADD without CNI_CONTAINERID");
	cni_req_free(&r);
	env_attach("ADD");
	setenv("CNI_CONTAINERID", "a/b", 1);
	CHECK_EQ(parse(&r, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}"), CNI_ERR_ENV,
		 "a CNI_CONTAINERID with a slash");
	cni_req_free(&r);
	env_attach("ADD");
	setenv("CNI_NETNS", "relative", 1);
	CHECK_EQ(parse(&r, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}"), CNI_ERR_ENV,
		 "a relative CNI_NETNS");
	cni_req_free(&r);
}

/* DEL needs no namespace; VERSION and STATUS no container at all. */
static void test_what_each_command_needs(void)
{
	struct cni_req r;

	env_attach("DEL");
	unsetenv("CNI_NETNS");
	CHECK_EQ(parse(&r, "{\"cniVersion\":\"0.4.0\",\"name\":\"n\"}"), CNI_OK, "DEL without CNI_NETNS");
	cni_req_free(&r);
	unsetenv("CNI_CONTAINERID");
	unsetenv("CNI_IFNAME");
	setenv("CNI_COMMAND", "VERSION", 1);
	CHECK_EQ(cni_req_parse(&r, "", 0), CNI_OK, "VERSION with no config");
	CHECK_STR(r.version, "", "no cniVersion given");
	cni_req_free(&r);
	setenv("CNI_COMMAND", "STATUS", 1);
	CHECK_EQ(parse(&r, "{\"cniVersion\":\"1.1.0\",\"name\":\"n\"}"), CNI_OK, "STATUS");
	cni_req_free(&r);
	CHECK_EQ(cni_version_num("1.1.0"), 10100, "1.1.0 as a number");
	CHECK_EQ(cni_version_num("0.4.0") < cni_version_num("1.0.0"), 1, "versions compare");
	CHECK_EQ(cni_version_num("1.0"), -1, "a version of two parts");
}

static const struct check_test tests[] = {
	CHECK_TEST(test_keys_become_settings),
	CHECK_TEST(test_codes),
	CHECK_TEST(test_what_each_command_needs),
};

int main(int argc, char **argv)
{
	return check_main(argc, argv, tests, CHECK_NTESTS(tests), NULL);
}
