// SPDX-License-Identifier: GPL-2.0
/* CNI requests: the environment and the network config become settings, or a code. */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cni_ipam.h"
#include "cni_req.h"
#include "cni_result.h"

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

/* An IPv6 hostIP (podman, containerd) becomes the CLI's bracketed form. */
static void test_ipv6_host_ip(void)
{
	struct cni_req r;

	env_attach("ADD");
	CHECK_EQ(parse(&r, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"portMappings\":["
			   "{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\",\"hostIP\":\"::1\"},"
			   "{\"hostPort\":8081,\"containerPort\":81,\"protocol\":\"udp\",\"hostIP\":\"::\"},"
			   "{\"hostPort\":8082,\"containerPort\":82,\"hostIP\":\"2001:DB8:0:0::7\"},"
			   "{\"hostPort\":8083,\"containerPort\":83,\"hostIP\":\"0.0.0.0\"},"
			   "{\"hostPort\":8084,\"containerPort\":84,\"hostIP\":\"10.1.2.3\"}]}}"),
		 CNI_OK, "portMappings with IPv6 hostIPs");
	CHECK_STR(r.ports, "[::1]:8080:80/tcp,[::]:8081:81/udp,[2001:db8::7]:8082:82/tcp,"
		  "8083:83/tcp,10.1.2.3:8084:84/tcp",
		  "IPv6 hostIPs bracketed and canonical, :: as [::]");
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
		{ "ADD", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"ipam\":{}}", CNI_ERR_CONFIG },
		{ "ADD", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"ipam\":{\"type\":\"../x\"}}", CNI_ERR_CONFIG },
		{ "ADD", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"ipam\":\"host-local\"}", CNI_ERR_CONFIG },
		{ "ADD", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"iface\":\"x\"}", CNI_ERR_FIELD },
		{ "ADD", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"mtu\":true}", CNI_ERR_CONFIG },
		{ "ADD", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"subnet\":\"10.0.0.1/8\"}", CNI_ERR_CONFIG },
		{ "ADD", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"portMappings\":"
			 "[{\"hostPort\":70000,\"containerPort\":80}]}}", CNI_ERR_CONFIG },
		{ "ADD", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"portMappings\":"
			 "[{\"hostPort\":80,\"containerPort\":80,\"protocol\":\"sctp\"}]}}", CNI_ERR_FIELD },
		{ "ADD", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"portMappings\":"
			 "[{\"hostPort\":80,\"containerPort\":80,\"hostIP\":\"::ffff:10.0.0.1\"}]}}", CNI_ERR_FIELD },
		{ "ADD", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"portMappings\":"
			 "[{\"hostPort\":80,\"containerPort\":80,\"hostIP\":\"fe80::1%eth0\"}]}}", CNI_ERR_FIELD },
		{ "ADD", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"portMappings\":"
			 "[{\"hostPort\":80,\"containerPort\":80,\"hostIP\":\"[::1]\"}]}}", CNI_ERR_FIELD },
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

/* CNI_ARGS as libcni's LoadArgs reads it. */
static void test_cni_args_parser(void)
{
	static const struct {
		const char *text;
		int code;
		const char *ip;
		bool ignore;
	} cases[] = {
		{ NULL, CNI_OK, "", false },
		{ "", CNI_OK, "", false },
		{ "IP=172.19.0.9", CNI_OK, "172.19.0.9", false },
		{ "IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;"
		  "K8S_POD_INFRA_CONTAINER_ID=abc;K8S_POD_UID=u;IP=10.0.0.2", CNI_OK, "10.0.0.2", true },
		/* kubelet's keys need no IgnoreUnknown */
		{ "K8S_POD_NAME=p;K8S_POD_NAMESPACE=ns", CNI_OK, "", false },
		{ "FOO=bar", CNI_ERR_ENV, "", false },
		/* IgnoreUnknown counts wherever it stands */
		{ "FOO=bar;IgnoreUnknown=true", CNI_OK, "", true },
		{ "FOO=bar;IgnoreUnknown=TRUE", CNI_OK, "", true },
		{ "FOO=bar;IgnoreUnknown=0", CNI_ERR_ENV, "", false },
		{ "IgnoreUnknown=yes", CNI_ERR_ENV, "", false },
		{ "IP", CNI_ERR_ENV, "", false },
		{ "IP=1=2", CNI_ERR_ENV, "", false },
		{ "IP=10.0.0.2;", CNI_ERR_ENV, "", false },	/* an empty pair */
		{ "ip=10.0.0.2", CNI_ERR_ENV, "", false },	/* keys are case-sensitive */
		{ "IP=", CNI_OK, "", false },
	};
	struct cni_env_args a;
	char what[160];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(what, sizeof(what), "CNI_ARGS '%s'", cases[i].text ? cases[i].text : "(unset)");
		CHECK_EQ(cni_args_parse(cases[i].text, &a), cases[i].code, what);
		if (cases[i].code)
			continue;
		CHECK_STR(a.ip, cases[i].ip, what);
		CHECK_EQ(a.ignore_unknown, cases[i].ignore, what);
	}
	CHECK_EQ(cni_args_parse("MAC=02:00:00:00:00:07", &a), CNI_OK, "MAC=");
	CHECK_STR(a.mac, "02:00:00:00:00:07", "MAC= as given");
}

static void test_mac_parse(void)
{
	uint8_t m[6];

	CHECK_EQ(cni_mac_parse("02:aB:00:11:22:33", m), 0, "a locally administered MAC");
	CHECK_EQ(m[1], 0xab, "second octet");
	CHECK_EQ(m[5], 0x33, "last octet");
	CHECK_EQ(cni_mac_parse("02-ab-00-11-22-34", m), 0, "dashes");
	CHECK_EQ(cni_mac_parse("01:00:5e:00:00:01", m), -1, "a group (multicast) MAC");
	CHECK_EQ(cni_mac_parse("ff:ff:ff:ff:ff:ff", m), -1, "broadcast");
	CHECK_EQ(cni_mac_parse("00:00:00:00:00:00", m), -1, "zero");
	CHECK_EQ(cni_mac_parse("02:ab:00:11:22", m), -1, "five octets");
	CHECK_EQ(cni_mac_parse("02:ab:00:11:22:33:44", m), -1, "seven octets");
	CHECK_EQ(cni_mac_parse("02:ab-00:11:22:33", m), -1, "mixed separators");
	CHECK_EQ(cni_mac_parse("02ab00112233", m), -1, "no separators");
	CHECK_EQ(cni_mac_parse("2:ab:00:11:22:33", m), -1, "one digit");
}

static int want(struct cni_want *w, const char *conf, const char *env, bool ipam)
{
	cJSON *o = cJSON_Parse(conf);
	int code = cni_want_read(w, o, env, ipam);

	cJSON_Delete(o);
	return code;
}

/* The address and MAC asked for, from every source, agreeing. */
static void test_wants(void)
{
	struct cni_want w;

	CHECK_EQ(want(&w, "{\"runtimeConfig\":{\"ips\":[\"172.19.0.9/16\"],\"mac\":\"02:11:22:33:44:55\"}}",
		      NULL, false), CNI_OK, "runtimeConfig.ips and .mac");
	CHECK_STR(w.ip, "172.19.0.9", "the address");
	CHECK_EQ(w.prefix, 16, "its prefix");
	CHECK_STR(w.ip_from, "runtimeConfig.ips", "where");
	CHECK_STR(w.mac_from, "runtimeConfig.mac", "the MAC's source");
	CHECK_EQ(w.mac[5], 0x55, "the MAC");
	CHECK_EQ(want(&w, "{\"args\":{\"cni\":{\"ips\":[\"172.19.0.9\"],\"mac\":\"02:11:22:33:44:56\"}}}",
		      "IP=172.19.0.9", false), CNI_OK, "args.cni and CNI_ARGS agreeing");
	CHECK_EQ(w.prefix, -1, "no prefix");
	CHECK_STR(w.mac_from, "args.cni.mac", "the MAC's source");
	CHECK_EQ(want(&w, "{}", "IP=172.19.0.9;MAC=02:11:22:33:44:57", false), CNI_OK, "CNI_ARGS alone");
	CHECK_STR(w.ip_from, "CNI_ARGS IP", "where");
	CHECK_STR(w.mac_from, "CNI_ARGS MAC", "the MAC's source");
	CHECK_EQ(want(&w, "{\"runtimeConfig\":{\"ips\":[\"172.19.0.9\"]}}", "IP=172.19.0.10", false),
		 CNI_ERR_CONFIG, "two different addresses");
	CHECK_EQ(want(&w, "{\"runtimeConfig\":{\"ips\":[\"fd00::5/64\"]}}", NULL, false),
		 CNI_OK, "IPv6 alone");
	CHECK_STR(w.ip6, "fd00::5", "the IPv6 address");
	CHECK_EQ(w.prefix6, 64, "its prefix");
	CHECK_STR(w.ip, "", "no IPv4 address");
	CHECK_EQ(want(&w, "{\"runtimeConfig\":{\"ips\":[\"172.19.0.9\",\"fd00:0::5\"]}}", "IP=fd00::5", false),
		 CNI_OK, "IPv6 beside IPv4, the same from CNI_ARGS");
	CHECK_STR(w.ip, "172.19.0.9", "the IPv4 address");
	CHECK_STR(w.ip6, "fd00::5", "the IPv6 address, canonical");
	CHECK_STR(w.ip6_from, "runtimeConfig.ips", "where");
	CHECK_EQ(want(&w, "{\"runtimeConfig\":{\"ips\":[\"fd00::5\",\"fd00::6\"]}}", NULL, false),
		 CNI_ERR_CONFIG, "two different IPv6 addresses");
	CHECK_EQ(want(&w, "{\"runtimeConfig\":{\"ips\":[\"fd00::5/129\"]}}", NULL, false),
		 CNI_ERR_CONFIG, "an IPv6 prefix over 128");
	CHECK_EQ(want(&w, "{\"runtimeConfig\":{\"ips\":[\"172.19.0.300\"]}}", NULL, false),
		 CNI_ERR_CONFIG, "no address");
	CHECK_EQ(want(&w, "{\"runtimeConfig\":{\"ips\":[\"172.19.0.9/33\"]}}", NULL, false),
		 CNI_ERR_CONFIG, "a prefix over 32");
	CHECK_EQ(want(&w, "{\"runtimeConfig\":{\"ips\":\"172.19.0.9\"}}", NULL, false),
		 CNI_ERR_CONFIG, "ips not a list");
	CHECK_EQ(want(&w, "{\"runtimeConfig\":{\"mac\":\"03:11:22:33:44:55\"}}", NULL, false),
		 CNI_ERR_CONFIG, "a group MAC");
	CHECK_EQ(want(&w, "{\"runtimeConfig\":{\"mac\":\"02:11:22:33:44:55\"}}", "MAC=02:11:22:33:44:56",
		      false), CNI_ERR_CONFIG, "two different MACs");
	CHECK_EQ(want(&w, "{}", "IP=172.19.0.9;FOO=1", false), CNI_ERR_ENV, "an unknown CNI_ARGS key");
	/* with ipam delegated, addresses are the ipam plugin's business */
	CHECK_EQ(want(&w, "{\"runtimeConfig\":{\"ips\":[\"fd00::5\"],\"mac\":\"02:11:22:33:44:55\"}}",
		      "IP=172.19.0.9", true), CNI_OK, "ips left to ipam");
	CHECK_STR(w.ip, "", "no address of bpfnet's own");
	CHECK_STR(w.mac_from, "runtimeConfig.mac", "the MAC still bpfnet's");
}

/* An ADD request reads the wants, and a prefix must be the subnet's. */
static void test_wants_in_request(void)
{
	struct cni_req r;

	env_attach("ADD");
	setenv("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAME=p;IP=172.19.0.40", 1);
	CHECK_EQ(parse(&r, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}"), CNI_OK, "CNI_ARGS IP");
	CHECK_STR(r.want.ip, "172.19.0.40", "the address asked for");
	cni_req_free(&r);
	setenv("CNI_ARGS", "FOO=1", 1);
	CHECK_EQ(parse(&r, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}"), CNI_ERR_ENV, "unknown key on ADD");
	cni_req_free(&r);
	env_attach("DEL");
	CHECK_EQ(parse(&r, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}"), CNI_OK, "DEL does not read them");
	cni_req_free(&r);
	unsetenv("CNI_ARGS");
	env_attach("ADD");
	CHECK_EQ(parse(&r, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"ips\":[\"172.19.0.9/24\"]}}"),
		 CNI_ERR_CONFIG, "a prefix not the subnet's");
	cni_req_free(&r);
	CHECK_EQ(parse(&r, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"ipam\":{\"type\":\"host-local\"}}"),
		 CNI_OK, "an ipam object");
	CHECK_STR(r.ipam_type, "host-local", "its plugin");
	CHECK_EQ(r.len > 0 && r.text != NULL, true, "the config kept for the plugin");
	cni_req_free(&r);
}

static int result(struct ipam_result *res, const char *text)
{
	return cni_ipam_result_parse(text, strlen(text), res);
}

/* host-local's results, as each version shapes them. */
static void test_ipam_result_each_version(void)
{
	static const char *const ok[] = {
		"{\"cniVersion\":\"0.3.1\",\"ips\":[{\"version\":\"4\",\"address\":\"172.19.3.4/16\","
		"\"gateway\":\"172.19.0.1\"}],\"dns\":{}}",
		"{\"cniVersion\":\"0.4.0\",\"ips\":[{\"version\":\"6\",\"address\":\"fd00::4/64\"},"
		"{\"version\":\"4\",\"address\":\"172.19.3.4/16\",\"gateway\":\"172.19.0.1\"}]}",
		"{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"172.19.3.4/16\",\"gateway\":\"172.19.0.1\","
		"\"interface\":0}],\"routes\":[{\"dst\":\"0.0.0.0/0\"}],\"dns\":{\"nameservers\":[\"10.0.0.53\"]}}",
	};
	struct ipam_result res;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CHECK_EQ(result(&res, ok[i]), CNI_OK, ok[i]);
		CHECK_STR(inet_ntoa(res.ip), "172.19.3.4", ok[i]);
		CHECK_EQ(res.prefix, 16, ok[i]);
		CHECK_EQ(res.has_gateway, true, ok[i]);
		CHECK_STR(inet_ntoa(res.gateway), "172.19.0.1", ok[i]);
		cni_ipam_result_free(&res);
	}
	CHECK_EQ(result(&res, ok[2]), CNI_OK, "1.0.0 with dns");
	CHECK_EQ(res.dns != NULL, true, "its dns kept");
	cni_ipam_result_free(&res);
	CHECK_EQ(result(&res, "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.2.3/8\"}]}"), CNI_OK,
		 "no gateway");
	CHECK_EQ(res.has_gateway, false, "no gateway named");
	cni_ipam_result_free(&res);
	CHECK_EQ(result(&res, "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"fd00::4/64\"}]}"),
		 CNI_ERR_CONFIG, "IPv6 only");
	cni_ipam_result_free(&res);
	CHECK_EQ(result(&res, "{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"10.1.2.3/8\"}}"), CNI_ERR_DECODE,
		 "a 0.2.0 result");
	cni_ipam_result_free(&res);
	CHECK_EQ(result(&res, "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.2.3\"}]}"),
		 CNI_ERR_DECODE, "an address without its prefix");
	cni_ipam_result_free(&res);
	CHECK_EQ(result(&res, "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.2.3/8\",\"gateway\":7}]}"),
		 CNI_ERR_DECODE, "a gateway that is no string");
	cni_ipam_result_free(&res);
	CHECK_EQ(result(&res, "not json"), CNI_ERR_DECODE, "no JSON");
	cni_ipam_result_free(&res);
}

static const char *ntop6(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

/* host-local with an IPv4 and an IPv6 range: the first address of each. */
static void test_ipam_result_dual_stack(void)
{
	char b[INET6_ADDRSTRLEN];
	struct ipam_result res;

	CHECK_EQ(result(&res, "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"fd19::9/64\","
			 "\"gateway\":\"fd19::1\"},{\"address\":\"172.19.0.9/16\",\"gateway\":\"172.19.0.1\"},"
			 "{\"address\":\"fd20::5/80\"}]}"), CNI_OK, "both families");
	CHECK_STR(inet_ntoa(res.ip), "172.19.0.9", "the IPv4 address");
	CHECK_EQ(res.has_ip6, true, "an IPv6 address taken");
	CHECK_STR(ntop6(&res.ip6, b), "fd19::9", "the first IPv6 address");
	CHECK_EQ(res.prefix6, 64, "its prefix");
	CHECK_EQ(res.has_gateway6, true, "its gateway named");
	CHECK_STR(ntop6(&res.gateway6, b), "fd19::1", "its gateway");
	CHECK_EQ(res.prefix, 16, "the IPv4 prefix, not the IPv6 one's");
	cni_ipam_result_free(&res);
	CHECK_EQ(result(&res, "{\"cniVersion\":\"0.4.0\",\"ips\":[{\"version\":\"4\",\"address\":\"10.1.2.3/8\"},"
			 "{\"version\":\"6\",\"address\":\"fd19::7/64\"}]}"), CNI_OK, "IPv6 without a gateway");
	CHECK_EQ(res.has_ip6 && !res.has_gateway6, true, "an address, no gateway");
	CHECK_STR(ntop6(&res.ip6, b), "fd19::7", "the IPv6 address after the IPv4 one");
	cni_ipam_result_free(&res);
	CHECK_EQ(result(&res, "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.2.3/8\"}]}"), CNI_OK,
		 "IPv4 alone");
	CHECK_EQ(res.has_ip6, false, "no IPv6 address");
	cni_ipam_result_free(&res);
	CHECK_EQ(result(&res, "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.2.3/8\"},"
			 "{\"address\":\"fd19::7/64\",\"gateway\":\"172.19.0.1\"}]}"),
		 CNI_ERR_DECODE, "an IPv4 gateway for an IPv6 address");
	cni_ipam_result_free(&res);
	CHECK_EQ(result(&res, "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.2.3/8\"},"
			 "{\"address\":\"fd19::7/129\"}]}"), CNI_ERR_DECODE, "an IPv6 prefix over 128");
	cni_ipam_result_free(&res);
}

/* What cni_print_result printed for a, in version (stdout captured). */
static char *result_text(const char *version, const struct cni_attachment *a)
{
	struct cni_req r = { 0 };
	char *text = calloc(1, 4096);
	FILE *tmp = tmpfile();
	int saved = dup(STDOUT_FILENO);

	snprintf(r.version, sizeof(r.version), "%s", version);
	fflush(stdout);
	dup2(fileno(tmp), STDOUT_FILENO);
	cni_print_result(&r, a);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(tmp);
	if (!fgets(text, 4096, tmp))
		text[0] = '\0';
	fclose(tmp);
	text[strcspn(text, "\n")] = '\0';
	return text;
}

/* ADD's result with --subnet6, exactly: both families, in every version. */
static void test_result_dual_stack_each_version(void)
{
	static const char ifs[] =
		"\"interfaces\":[{\"name\":\"bnv0123456789ab\",\"mac\":\"aa:bb:cc:dd:ee:01\"},"
		"{\"name\":\"eth0\",\"mac\":\"02:42:ac:13:00:02\",\"sandbox\":\"/run/netns/c1\"}],";
	static const char routes[] =
		"\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"172.19.0.1\"},"
		"{\"dst\":\"::/0\",\"gw\":\"fd19::1\"}],\"dns\":{}}";
	struct cni_attachment a = {
		.host_if = "bnv0123456789ab",
		.host_mac = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x01 },
		.ctr_if = "eth0",
		.ctr_mac = { 0x02, 0x42, 0xac, 0x13, 0x00, 0x02 },
		.sandbox = "/run/netns/c1",
		.prefix = 16,
		.prefix6 = 64,
	};
	char want[1024], *got;

	inet_pton(AF_INET, "172.19.0.2", &a.ip);
	inet_pton(AF_INET, "172.19.0.1", &a.gateway);
	inet_pton(AF_INET6, "fd19::2", &a.ip6);
	inet_pton(AF_INET6, "fd19::1", &a.gateway6);
	for (int i = 0; i < CNI_NVERSIONS; i++) {
		bool old = strcmp(cni_versions[i], "1.0.0") < 0;

		snprintf(want, sizeof(want),
			 "{\"cniVersion\":\"%s\",%s\"ips\":["
			 "{%s\"address\":\"172.19.0.2/16\",\"gateway\":\"172.19.0.1\",\"interface\":1},"
			 "{%s\"address\":\"fd19::2/64\",\"gateway\":\"fd19::1\",\"interface\":1}],%s",
			 cni_versions[i], ifs, old ? "\"version\":\"4\"," : "",
			 old ? "\"version\":\"6\"," : "", routes);
		got = result_text(cni_versions[i], &a);
		CHECK_STR(got, want, cni_versions[i]);
		free(got);
	}
	/* without --subnet6: IPv4 only, as before */
	memset(&a.ip6, 0, sizeof(a.ip6));
	got = result_text("1.1.0", &a);
	CHECK_CONTAINS(got, "\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"172.19.0.1\"}],",
		       "IPv4 only: one route");
	CHECK(strstr(got, "fd19") == NULL);
	free(got);
}

static const struct check_test tests[] = {
	CHECK_TEST(test_keys_become_settings),
	CHECK_TEST(test_codes),
	CHECK_TEST(test_ipv6_host_ip),
	CHECK_TEST(test_what_each_command_needs),
	CHECK_TEST(test_cni_args_parser),
	CHECK_TEST(test_mac_parse),
	CHECK_TEST(test_wants),
	CHECK_TEST(test_wants_in_request),
	CHECK_TEST(test_ipam_result_each_version),
	CHECK_TEST(test_ipam_result_dual_stack),
	CHECK_TEST(test_result_dual_stack_each_version),
};

int main(int argc, char **argv)
{
	return check_main(argc, argv, tests, CHECK_NTESTS(tests), NULL);
}
