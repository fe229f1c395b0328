// SPDX-License-Identifier: GPL-2.0
/* The port map spec parser: good, bad and edge values, ranges, lists. */
#include <arpa/inet.h>

#include "check.h"
#include "portspec.h"

static int parse(const char *s, struct port_spec *ps)
{
	char err[160];

	return portspec_parse(s, ps, err, sizeof(err));
}

static void test_simple_defaults_to_tcp(void)
{
	struct port_spec ps;

	CHECK_EQ(parse("8080:80", &ps), 0, "8080:80");
	CHECK_EQ(ps.host.s_addr, INADDR_ANY, "host address (every one)");
	CHECK_EQ(ps.host_lo, 8080, "first host port");
	CHECK_EQ(ps.host_hi, 8080, "last host port");
	CHECK_EQ(ps.ctr_lo, 80, "first container port");
	CHECK_EQ(ps.ctr_hi, 80, "last container port");
	CHECK_EQ(ps.proto, IPPROTO_TCP, "protocol (TCP by default)");
	CHECK_EQ(parse("5353:53/udp", &ps), 0, "5353:53/udp");
	CHECK_EQ(ps.proto, IPPROTO_UDP, "protocol of /udp");
	CHECK_EQ(parse("1:1/tcp", &ps), 0, "the lowest port");
	CHECK_EQ(parse("65535:65535", &ps), 0, "the highest port");
	CHECK_EQ(ps.host_hi, 65535, "last host port of 65535:65535");
}

static void test_host_address_and_ranges(void)
{
	struct port_spec ps;
	char buf[64];

	CHECK_EQ(parse("127.0.0.1:9000:9000/tcp", &ps), 0, "with a host address");
	CHECK_STR(inet_ntoa(ps.host), "127.0.0.1", "host address");
	portspec_format(&ps, buf, sizeof(buf));
	CHECK_STR(buf, "127.0.0.1:9000:9000/tcp", "formatted with a host address");
	CHECK_EQ(parse("7000-7009:8000-8009/udp", &ps), 0, "ranges");
	CHECK_EQ(ps.host_lo, 7000, "first host port");
	CHECK_EQ(ps.host_hi, 7009, "last host port");
	CHECK_EQ(ps.ctr_lo, 8000, "first container port");
	CHECK_EQ(ps.ctr_hi, 8009, "last container port");
	portspec_format(&ps, buf, sizeof(buf));
	CHECK_STR(buf, "7000-7009:8000-8009/udp", "formatted ranges");
	CHECK_EQ(parse("8080:80", &ps), 0, "8080:80");
	portspec_format(&ps, buf, sizeof(buf));
	CHECK_STR(buf, "8080:80/tcp", "formatted with the default protocol");
}

static void test_bad_specs(void)
{
	static const char *const bad[] = {
		"", "80", ":80", "80:", "0:80", "80:0", "65536:80", "80:70000",
		"-1:80", "80:80/sctp", "80:80/", "a:b", "80-70:80-70",
		"7000-7009:8000-8001", "1.2.3:80:80", "300.1.1.1:80:80",
		"1.2.3.4:80:80:80", "80 :80", "80:80/tcp/udp", "99999999999:80",
		"8080:80x", NULL,
	};
	struct port_spec ps;
	char what[64];

	for (int i = 0; bad[i]; i++) {
		snprintf(what, sizeof(what), "refusing '%s'", bad[i]);
		CHECK_EQ(parse(bad[i], &ps), -EINVAL, what);
	}
}

static void test_lists(void)
{
	struct port_spec ps[8];
	char err[160];

	CHECK_EQ(portspec_parse_list("8080:80/tcp,5353:53/udp,127.0.0.1:9000:9000/tcp",
				     ps, 8, err, sizeof(err)), 3, "specs in a list of three");
	CHECK_EQ(ps[1].proto, IPPROTO_UDP, "protocol of the second");
	CHECK_STR(inet_ntoa(ps[2].host), "127.0.0.1", "host address of the third");
	/* the same host port twice in one list */
	CHECK_EQ(portspec_parse_list("8080:80,8080:81", ps, 8, err, sizeof(err)), -EINVAL,
		 "a host port twice");
	CHECK_CONTAINS(err, "overlaps", "the reason");
	CHECK_EQ(portspec_parse_list("8080:80/tcp,8080:80/udp", ps, 8, err, sizeof(err)), 2,
		 "a host port once per protocol");
	CHECK_EQ(portspec_parse_list("8080:80,", ps, 8, err, sizeof(err)), 1,
		 "a trailing comma");
	CHECK_EQ(portspec_parse_list("8080:80,bad", ps, 8, err, sizeof(err)), -EINVAL,
		 "a bad spec in a list");
	CHECK_EQ(portspec_parse_list("1:1,2:2,3:3", ps, 2, err, sizeof(err)), -EINVAL,
		 "more specs than room");
}

static void test_overlap_rules(void)
{
	struct port_spec a, b;

	CHECK_EQ(parse("8080:80", &a), 0, "8080:80");
	CHECK_EQ(parse("127.0.0.1:8080:90", &b), 0, "127.0.0.1:8080:90");
	CHECK(portspec_overlap(&a, &b));	/* wildcard covers every address */
	CHECK_EQ(parse("8000-8100:8000-8100", &a), 0, "8000-8100:8000-8100");
	CHECK_EQ(parse("8100:1", &b), 0, "8100:1");
	CHECK(portspec_overlap(&a, &b));
	CHECK_EQ(parse("8101:1", &b), 0, "8101:1");
	CHECK(!portspec_overlap(&a, &b));
	CHECK_EQ(parse("10.0.0.1:80:80", &a), 0, "10.0.0.1:80:80");
	CHECK_EQ(parse("10.0.0.2:80:80", &b), 0, "10.0.0.2:80:80");
	CHECK(!portspec_overlap(&a, &b));
	CHECK_EQ(parse("80:80/udp", &b), 0, "80:80/udp");
	CHECK(!portspec_overlap(&a, &b));
}

static void test_ipv6_addresses_and_families(void)
{
	struct port_spec ps;
	char buf[96], a6[INET6_ADDRSTRLEN];

	CHECK_EQ(parse("8080:80", &ps), 0, "8080:80");
	CHECK_EQ(ps.family, PORTSPEC_BOTH, "no address: both families");
	CHECK(portspec_v4(&ps) && portspec_v6(&ps));
	CHECK_EQ(parse("[2001:db8::1]:8080:80/udp", &ps), 0, "a bracketed IPv6 address");
	CHECK_EQ(ps.family, AF_INET6, "its family");
	CHECK(!portspec_v4(&ps) && portspec_v6(&ps));
	inet_ntop(AF_INET6, &ps.host6, a6, sizeof(a6));
	CHECK_STR(a6, "2001:db8::1", "its address");
	CHECK_EQ(ps.host_lo, 8080, "its host port");
	CHECK_EQ(ps.proto, IPPROTO_UDP, "its protocol");
	portspec_format(&ps, buf, sizeof(buf));
	CHECK_STR(buf, "[2001:db8::1]:8080:80/udp", "formatted");
	CHECK_EQ(parse("[::]:7000-7001:70-71", &ps), 0, "[::]: every IPv6 address");
	CHECK_EQ(ps.family, AF_INET6, "[::] is IPv6 only");
	portspec_format(&ps, buf, sizeof(buf));
	CHECK_STR(buf, "[::]:7000-7001:70-71/tcp", "[::] formatted");
	CHECK_EQ(parse("0.0.0.0:8080:80", &ps), 0, "0.0.0.0: every IPv4 address");
	CHECK_EQ(ps.family, AF_INET, "0.0.0.0 is IPv4 only");
	CHECK(portspec_v4(&ps) && !portspec_v6(&ps));
	portspec_format(&ps, buf, sizeof(buf));
	CHECK_STR(buf, "0.0.0.0:8080:80/tcp", "0.0.0.0 formatted");
	CHECK_EQ(parse("[0123:4567:89ab:cdef:0123:4567:89ab:cdef]:65535-65535:65535/udp", &ps),
		 0, "the longest IPv6 spec");
	portspec_format(&ps, buf, sizeof(buf));
	CHECK_STR(buf, "[123:4567:89ab:cdef:123:4567:89ab:cdef]:65535:65535/udp",
		  "the longest formatted");
}

static void test_bad_ipv6_specs(void)
{
	static const char *const bad[] = {
		"[::1:8080:80", "::1]:8080:80", "[::1]8080:80", "[::1]:8080",
		"[::1]:1.2.3.4:8080:80", "[1.2.3.4]:80:80", "[::ffff:1.2.3.4]:80:80",
		"[]:80:80", "[::g]:80:80", "::1:8080:80", "[::1]:80:80:80", NULL,
	};
	struct port_spec ps;
	char what[64];

	for (int i = 0; bad[i]; i++) {
		snprintf(what, sizeof(what), "refusing '%s'", bad[i]);
		CHECK_EQ(parse(bad[i], &ps), -EINVAL, what);
	}
}

static void test_overlap_across_families(void)
{
	struct port_spec a, b;

	CHECK_EQ(parse("8080:80", &a), 0, "8080:80");
	CHECK_EQ(parse("[::1]:8080:90", &b), 0, "[::1]:8080:90");
	CHECK(portspec_overlap(&a, &b));	/* both families cover every IPv6 address */
	CHECK_EQ(parse("0.0.0.0:8080:80", &a), 0, "0.0.0.0:8080:80");
	CHECK(!portspec_overlap(&a, &b));	/* IPv4 only: no IPv6 address in common */
	CHECK_EQ(parse("[::]:8080:80", &a), 0, "[::]:8080:80");
	CHECK(portspec_overlap(&a, &b));
	CHECK_EQ(parse("[::2]:8080:80", &a), 0, "[::2]:8080:80");
	CHECK(!portspec_overlap(&a, &b));
	CHECK_EQ(parse("[::1]:8080:80", &a), 0, "[::1]:8080:80");
	CHECK(!portspec_equal(&a, &b));	/* container ports differ */
	CHECK_EQ(parse("[::1]:8080:90", &a), 0, "[::1]:8080:90 again");
	CHECK(portspec_equal(&a, &b));
	CHECK_EQ(parse("8080:90", &a), 0, "8080:90");
	CHECK(!portspec_equal(&a, &b));	/* both families is not IPv6 only */
}

static const struct check_test tests[] = {
	CHECK_TEST(test_ipv6_addresses_and_families),
	CHECK_TEST(test_bad_ipv6_specs),
	CHECK_TEST(test_overlap_across_families),
	CHECK_TEST(test_simple_defaults_to_tcp),
	CHECK_TEST(test_host_address_and_ranges),
	CHECK_TEST(test_bad_specs),
	CHECK_TEST(test_lists),
	CHECK_TEST(test_overlap_rules),
};

int main(int argc, char **argv)
{
	return check_main(argc, argv, tests, CHECK_NTESTS(tests), NULL);
}
