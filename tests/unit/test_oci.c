// SPDX-License-Identifier: GPL-2.0
/* OCI state parsing: good documents, and every way a bad one is refused. */
#include <stdlib.h>

#include "check.h"
#include "oci.h"

static int parse(const char *json, struct oci_state *st)
{
	char err[200];

	return oci_parse_state(json, strlen(json), st, err, sizeof(err));
}

static void test_good_creating(void)
{
	struct oci_state st;

	CHECK(parse("{\"ociVersion\":\"1.0.2\",\"id\":\"abc-1\",\"status\":\"creating\","
		    "\"pid\":42,\"bundle\":\"/b\",\"annotations\":{\"bpfnet.ip\":\"172.19.0.9\","
		    "\"bpfnet.ports\":\"8080:80\",\"other\":\"x\"}}", &st) == 0);
	CHECK_STR(st.id, "abc-1");
	CHECK(st.status == OCI_CREATING);
	CHECK(st.pid == 42);
	CHECK_STR(st.ip, "172.19.0.9");
	CHECK_STR(st.ports, "8080:80");
}

static void test_stopped_without_pid(void)
{
	struct oci_state st;

	CHECK(parse("{\"id\":\"c\",\"status\":\"stopped\"}", &st) == 0);
	CHECK(st.status == OCI_STOPPED);
	CHECK(st.pid == 0);
	CHECK(st.ip[0] == '\0');
}

static void test_created_and_running(void)
{
	struct oci_state st;

	CHECK(parse("{\"id\":\"c\",\"status\":\"created\",\"pid\":1}", &st) == 0);
	CHECK(st.status == OCI_CREATED);
	CHECK(parse("{\"id\":\"c\",\"status\":\"running\",\"pid\":1}", &st) == 0);
	CHECK(st.status == OCI_RUNNING);
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

	for (int i = 0; bad[i]; i++) {
		if (parse(bad[i], &st) != -EINVAL)
			printf("  accepted: %s\n", bad[i]);
		CHECK(parse(bad[i], &st) == -EINVAL);
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
	CHECK(parse(buf, &st) == -EINVAL);
	CHECK(parse("{\"id\":\"c\xff\",\"status\":\"creating\",\"pid\":1}", &st) ==
	      -EINVAL);
	CHECK(parse("{\"id\":\"c\",\"status\":\"creating\",\"pid\":1,\"x\":\"\xc3\xa9\"}",
		    &st) == 0);
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
	CHECK(oci_parse_state(buf, n, &st, err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "larger") != NULL);
	free(buf);
}

static void test_id_rules(void)
{
	CHECK(oci_id_valid("3f2a9c0d1e"));
	CHECK(oci_id_valid("my_container.v1-2"));
	CHECK(!oci_id_valid("."));
	CHECK(!oci_id_valid("a\nb"));
}

int main(void)
{
	RUN(test_good_creating);
	RUN(test_stopped_without_pid);
	RUN(test_created_and_running);
	RUN(test_malformed);
	RUN(test_long_id_and_utf8);
	RUN(test_huge);
	RUN(test_id_rules);
	CHECK_EXIT();
}
