// SPDX-License-Identifier: GPL-2.0
/* Address allocation, static addresses, names, and the state file format. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "check.h"
#include "ipam.h"
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
	CHECK(ipam_alloc(&st, &cfg, &a) == 0);
	CHECK_STR(inet_ntoa(a), "10.1.0.2");
	add(&st, "a", "10.1.0.2");
	add(&st, "b", "10.1.0.3");
	add(&st, "c", "10.1.0.4");
	CHECK(ipam_alloc(&st, &cfg, &a) == 0);
	CHECK_STR(inet_ntoa(a), "10.1.0.5");
	state_remove(&st, state_find(&st, "b"));	/* release */
	CHECK(ipam_alloc(&st, &cfg, &a) == 0);
	CHECK_STR(inet_ntoa(a), "10.1.0.3");	/* reused */
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

		CHECK(ipam_alloc(&st, &cfg, &a) == 0);
		snprintf(id, sizeof(id), "c%d", i);
		add(&st, id, inet_ntoa(a));
	}
	CHECK_STR(inet_ntoa(st.eps[4].ip), "10.1.0.6");
	CHECK(ipam_alloc(&st, &cfg, &a) == -ENOSPC);
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
	CHECK(ipam_static(&st, &cfg, "10.1.0.9", &a, err, sizeof(err)) == 0);
	CHECK(ipam_static(&st, &cfg, "10.1.0.7", &a, err, sizeof(err)) == -EADDRINUSE);
	CHECK(strstr(err, "in use by a") != NULL);
	CHECK(ipam_static(&st, &cfg, "10.1.0.1", &a, err, sizeof(err)) == -EINVAL);
	CHECK(ipam_static(&st, &cfg, "10.1.0.0", &a, err, sizeof(err)) == -EINVAL);
	CHECK(ipam_static(&st, &cfg, "10.1.0.255", &a, err, sizeof(err)) == -EINVAL);
	CHECK(ipam_static(&st, &cfg, "10.2.0.5", &a, err, sizeof(err)) == -EINVAL);
	CHECK(ipam_static(&st, &cfg, "10.1.0", &a, err, sizeof(err)) == -EINVAL);
	CHECK(ipam_static(&st, &cfg, "x", &a, err, sizeof(err)) == -EINVAL);
	/* a static address in the middle is skipped by dynamic allocation */
	add(&st, "s", "10.1.0.2");
	CHECK(ipam_alloc(&st, &cfg, &a) == 0);
	CHECK_STR(inet_ntoa(a), "10.1.0.3");
	state_free(&st);
}

static void test_mac(void)
{
	struct in_addr a;
	uint8_t m[6];

	inet_pton(AF_INET, "172.19.1.2", &a);
	ipam_mac(a, m);
	CHECK(m[0] == 0x02 && m[1] == 0x42 && m[2] == 172 && m[3] == 19 &&
	      m[4] == 1 && m[5] == 2);
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
	CHECK(strlen(n1) == 15 && strlen(n2) == 15);
	CHECK(strncmp(n1, "bnv", 3) == 0);
	CHECK(strcmp(n1, n2) != 0);
	ipam_veth_name(&st, "c1", n3);
	CHECK_STR(n1, n3);	/* stable */
	/* a collision (another id holding the name) moves to the next salt */
	add(&st, "other", "10.0.0.2");
	snprintf(st.eps[0].veth, IFNAMSIZ, "%s", n1);
	ipam_veth_name(&st, "c1", n3);
	CHECK(strcmp(n1, n3) != 0 && strlen(n3) == 15);
	state_free(&st);
}

static void test_state_roundtrip(void)
{
	struct bpfnet_state st = { 0 }, back;
	char err[100], *json;

	inet_pton(AF_INET, "172.19.0.0", &st.subnet);
	st.prefix = 16;
	add(&st, "c1", "172.19.0.2");
	st.eps[0].pid = 77;
	st.eps[0].netns_ino = 4026532000ull;
	st.eps[0].ready = true;
	snprintf(st.eps[0].ports, sizeof(st.eps[0].ports), "8080:80/tcp");
	json = state_to_json(&st);
	CHECK(state_from_json(json, strlen(json), &back, err, sizeof(err)) == 0);
	CHECK(back.n == 1 && back.prefix == 16);
	CHECK_STR(back.eps[0].id, "c1");
	CHECK(back.eps[0].pid == 77 && back.eps[0].ready);
	CHECK(back.eps[0].netns_ino == 4026532000ull);
	CHECK_STR(back.eps[0].ports, "8080:80/tcp");
	CHECK_STR(back.eps[0].veth, st.eps[0].veth);
	state_free(&back);
	/* truncation and corruption are detected, not read as empty */
	CHECK(state_from_json(json, strlen(json) / 2, &back, err, sizeof(err)) == -EBADMSG);
	json[strlen(json) / 3] = '#';
	CHECK(state_from_json(json, strlen(json), &back, err, sizeof(err)) == -EBADMSG);
	CHECK(state_from_json("{\"version\":1}", 13, &back, err, sizeof(err)) == -EBADMSG);
	free(json);
	state_free(&st);
	state_free(&back);
}

int main(void)
{
	RUN(test_alloc_lowest_free_and_reuse);
	RUN(test_exhaustion);
	RUN(test_static);
	RUN(test_mac);
	RUN(test_names);
	RUN(test_state_roundtrip);
	CHECK_EXIT();
}
