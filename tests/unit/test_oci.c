// SPDX-License-Identifier: GPL-2.0
/* OCI state parsing: good documents, and every way a bad one is refused. */
#include <stdlib.h>

#include "check.h"
#include "oci.h"

/* Statuses by name, so that a failure reads "stopped", not 3. */
static const char *status_name(enum oci_status s)
{
	return s <= OCI_STOPPED ? oci_status_name(s) : "(out of range)";
}

#define CHECK_STATUS(got, want) CHECK_STR(status_name(got), status_name(want), "status")

static int parse(const char *json, struct oci_state *st)
{
	char err[200];

	return oci_parse_state(json, strlen(json), st, err, sizeof(err));
}

static void test_good_creating(void)
{
	struct oci_state st;

	CHECK_EQ(parse("{\"ociVersion\":\"1.0.2\",\"id\":\"abc-1\",\"status\":\"creating\","
		       "\"pid\":42,\"bundle\":\"/b\",\"annotations\":{\"bpfnet.ip\":\"172.19.0.9\","
		       "\"bpfnet.ports\":\"8080:80\",\"other\":\"x\"}}", &st),
		 0, "a full creating state");
	CHECK_STR(st.id, "abc-1", "id");
	CHECK_STATUS(st.status, OCI_CREATING);
	CHECK_EQ(st.pid, 42, "pid");
	CHECK_STR(st.ip, "172.19.0.9", "bpfnet.ip annotation");
	CHECK_STR(st.ports, "8080:80", "bpfnet.ports annotation");
}

static void test_stopped_without_pid(void)
{
	struct oci_state st;

	CHECK_EQ(parse("{\"id\":\"c\",\"status\":\"stopped\"}", &st), 0,
		 "a stopped state without pid");
	CHECK_STATUS(st.status, OCI_STOPPED);
	CHECK_EQ(st.pid, 0, "pid of a stopped container");
	CHECK_STR(st.ip, "", "bpfnet.ip when not annotated");
	CHECK_STR(st.ports, "", "bpfnet.ports when not annotated");
}

static void test_created_and_running(void)
{
	struct oci_state st;

	CHECK_EQ(parse("{\"id\":\"c\",\"status\":\"created\",\"pid\":1}", &st), 0,
		 "a created state");
	CHECK_STATUS(st.status, OCI_CREATED);
	CHECK_EQ(parse("{\"id\":\"c\",\"status\":\"running\",\"pid\":1}", &st), 0,
		 "a running state");
	CHECK_STATUS(st.status, OCI_RUNNING);
}

static void test_malformed(void)
{
	static const char *const bad[] = {
		"",
		"{",
		"[1,2]",
		"{\"id\":\"c\",\"status\":\"creating\",\"pid\":1",	/* truncated */
		"{\"status\":\"creating\",\"pid\":1}",			/* no id */
		"{\"id\":5,\"status\":\"creating\",\"pid\":1}",		/* id type */
		"{\"id\":\"c\",\"pid\":1}",				/* no status */
		"{\"id\":\"c\",\"status\":\"paused\",\"pid\":1}",	/* unknown */
		"{\"id\":\"c\",\"status\":\"creating\"}",		/* no pid */
		"{\"id\":\"c\",\"status\":\"creating\",\"pid\":\"1\"}",
		"{\"id\":\"c\",\"status\":\"creating\",\"pid\":-3}",
		"{\"id\":\"c\",\"status\":\"creating\",\"pid\":1.5}",
		"{\"id\":\"c\",\"status\":\"creating\",\"pid\":1e12}",
		"{\"id\":\"a/b\",\"status\":\"creating\",\"pid\":1}",
		"{\"id\":\"..\",\"status\":\"creating\",\"pid\":1}",
		"{\"id\":\"a b\",\"status\":\"creating\",\"pid\":1}",
		"{\"id\":\"\",\"status\":\"creating\",\"pid\":1}",
		"{\"id\":\"c\",\"status\":\"creating\",\"pid\":1,\"annotations\":[]}",
		"{\"id\":\"c\",\"status\":\"creating\",\"pid\":1,\"annotations\":{\"bpfnet.ip\":7}}",
		"{\"id\":\"c\",\"status\":\"creating\",\"pid\":1}garbage",
		NULL,
	};
	struct oci_state st;
	char what[160];

	for (int i = 0; bad[i]; i++) {
		snprintf(what, sizeof(what), "refusing '%s'", bad[i]);
		CHECK_EQ(parse(bad[i], &st), -EINVAL, what);
	}
}

static void test_long_id_and_utf8(void)
{
	char buf[2048], id[1001];
	struct oci_state st;

	memset(id, 'a', 1000);
	id[1000] = '\0';
	snprintf(buf, sizeof(buf),
		 "{\"id\":\"%s\",\"status\":\"creating\",\"pid\":1}", id);
	CHECK_EQ(parse(buf, &st), -EINVAL, "an id of 1000 characters");
	CHECK_EQ(parse("{\"id\":\"c\xff\",\"status\":\"creating\",\"pid\":1}", &st),
		 -EINVAL, "an id that is not UTF-8");
	CHECK_EQ(parse("{\"id\":\"c\",\"status\":\"creating\",\"pid\":1,\"x\":\"\xc3\xa9\"}",
		       &st), 0, "UTF-8 in another field");
}

static void test_huge(void)
{
	size_t n = (1 << 20) + 10;
	char *buf = malloc(n + 1), err[100];
	struct oci_state st;

	memset(buf, ' ', n);
	buf[n] = '\0';
	buf[0] = '{';
	buf[n - 1] = '}';
	CHECK_EQ(oci_parse_state(buf, n, &st, err, sizeof(err)), -EINVAL, "a state over 1 MiB");
	CHECK_CONTAINS(err, "larger", "the reason");
	free(buf);
}

static void test_id_rules(void)
{
	CHECK(oci_id_valid("3f2a9c0d1e"));
	CHECK(oci_id_valid("my_container.v1-2"));
	CHECK(!oci_id_valid("."));
	CHECK(!oci_id_valid("a\nb"));
}

static const struct check_test tests[] = {
	CHECK_TEST(test_good_creating),
	CHECK_TEST(test_stopped_without_pid),
	CHECK_TEST(test_created_and_running),
	CHECK_TEST(test_malformed),
	CHECK_TEST(test_long_id_and_utf8),
	CHECK_TEST(test_huge),
	CHECK_TEST(test_id_rules),
};

int main(int argc, char **argv)
{
	return check_main(argc, argv, tests, CHECK_NTESTS(tests), NULL);
}
