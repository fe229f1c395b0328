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

	CHECK(parse("8080:80", &ps) == 0);
	CHECK(ps.host.s_addr == 0 && ps.host_lo == 8080 && ps.host_hi == 8080);
	CHECK(ps.ctr_lo == 80 && ps.ctr_hi == 80 && ps.proto == IPPROTO_TCP);
	CHECK(parse("5353:53/udp", &ps) == 0 && ps.proto == IPPROTO_UDP);
	CHECK(parse("1:1/tcp", &ps) == 0);
	CHECK(parse("65535:65535", &ps) == 0 && ps.host_hi == 65535);
}

static void test_host_address_and_ranges(void)
{
	struct port_spec ps;
	char buf[64];

	CHECK(parse("127.0.0.1:9000:9000/tcp", &ps) == 0);
	CHECK(ps.host.s_addr == htonl(0x7f000001));
	portspec_format(&ps, buf, sizeof(buf));
	CHECK_STR(buf, "127.0.0.1:9000:9000/tcp");
	CHECK(parse("7000-7009:8000-8009/udp", &ps) == 0);
	CHECK(ps.host_lo == 7000 && ps.host_hi == 7009 && ps.ctr_lo == 8000 &&
	      ps.ctr_hi == 8009);
	portspec_format(&ps, buf, sizeof(buf));
	CHECK_STR(buf, "7000-7009:8000-8009/udp");
	CHECK(parse("8080:80", &ps) == 0);
	portspec_format(&ps, buf, sizeof(buf));
	CHECK_STR(buf, "8080:80/tcp");
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

	for (int i = 0; bad[i]; i++) {
		if (parse(bad[i], &ps) != -EINVAL)
			printf("  accepted: '%s'\n", bad[i]);
		CHECK(parse(bad[i], &ps) == -EINVAL);
	}
}

static void test_lists(void)
{
	struct port_spec ps[8];
	char err[160];

	CHECK(portspec_parse_list("8080:80/tcp,5353:53/udp,127.0.0.1:9000:9000/tcp",
				  ps, 8, err, sizeof(err)) == 3);
	CHECK(ps[1].proto == IPPROTO_UDP && ps[2].host.s_addr == htonl(0x7f000001));
	/* the same host port twice in one list */
	CHECK(portspec_parse_list("8080:80,8080:81", ps, 8, err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "overlaps") != NULL);
	CHECK(portspec_parse_list("8080:80/tcp,8080:80/udp", ps, 8, err, sizeof(err)) == 2);
	CHECK(portspec_parse_list("8080:80,", ps, 8, err, sizeof(err)) == 1);
	CHECK(portspec_parse_list("8080:80,bad", ps, 8, err, sizeof(err)) == -EINVAL);
	CHECK(portspec_parse_list("1:1,2:2,3:3", ps, 2, err, sizeof(err)) == -EINVAL);
}

static void test_overlap_rules(void)
{
	struct port_spec a, b;

	parse("8080:80", &a);
	parse("127.0.0.1:8080:90", &b);
	CHECK(portspec_overlap(&a, &b));	/* wildcard covers every address */
	parse("8000-8100:8000-8100", &a);
	parse("8100:1", &b);
	CHECK(portspec_overlap(&a, &b));
	parse("8101:1", &b);
	CHECK(!portspec_overlap(&a, &b));
	parse("10.0.0.1:80:80", &a);
	parse("10.0.0.2:80:80", &b);
	CHECK(!portspec_overlap(&a, &b));
	parse("80:80/udp", &b);
	CHECK(!portspec_overlap(&a, &b));
}

int main(void)
{
	RUN(test_simple_defaults_to_tcp);
	RUN(test_host_address_and_ranges);
	RUN(test_bad_specs);
	RUN(test_lists);
	RUN(test_overlap_rules);
	CHECK_EXIT();
}
