// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "addr6.h"
#include "ctrid.h"
#include "log.h"
#include "state.h"

static void mac_text(const uint8_t *m, char *buf)
{
	sprintf(buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
		m[4], m[5]);
}

static void print_json(const struct bpfnet_state *st)
{
	cJSON *arr = cJSON_CreateArray();
	char mac[18], ip6[INET6_ADDRSTRLEN], *ports;

	for (int i = 0; i < st->n; i++) {
		const struct endpoint_rec *e = &st->eps[i];
		cJSON *o = cJSON_CreateObject();

		mac_text(e->mac, mac);
		cJSON_AddStringToObject(o, "id", e->id);
		cJSON_AddStringToObject(o, "ip", inet_ntoa(e->ip));
		if (!in6_is_zero(&e->ip6)) {
			inet_ntop(AF_INET6, &e->ip6, ip6, sizeof(ip6));
			cJSON_AddStringToObject(o, "ip6", ip6);
		}
		cJSON_AddStringToObject(o, "mac", mac);
		cJSON_AddStringToObject(o, "veth", e->veth);
		cJSON_AddNumberToObject(o, "pid", e->pid);
		if (e->netns[0])
			cJSON_AddStringToObject(o, "netns", e->netns);
		cJSON_AddBoolToObject(o, "alive", state_rec_alive(e));
		cJSON_AddBoolToObject(o, "ready", e->ready);
		ports = portlist_format(&e->ports);
		cJSON_AddStringToObject(o, "ports", ports ? ports : "");
		free(ports);
		cJSON_AddItemToArray(arr, o);
	}
	cmd_put_json(arr);
}

/* Does any container have an IPv6 address (then ls shows the column)? */
static bool any_ip6(const struct bpfnet_state *st)
{
	for (int i = 0; i < st->n; i++)
		if (!in6_is_zero(&st->eps[i].ip6))
			return true;
	return false;
}

/* "ADDRESS": the IPv4 address, then ADDRESS6 when a network has IPv6. */
static void print_addrs(const struct endpoint_rec *e, bool six)
{
	char ip6[INET6_ADDRSTRLEN] = "-";

	printf("%-15s ", inet_ntoa(e->ip));
	if (!six)
		return;
	if (!in6_is_zero(&e->ip6))
		inet_ntop(AF_INET6, &e->ip6, ip6, sizeof(ip6));
	printf("%-24s ", ip6);
}

static void print_table(const struct bpfnet_state *st)
{
	bool six = any_ip6(st);
	char mac[18], *ports;

	printf("%-20s %-15s ", "ID", "ADDRESS");
	if (six)
		printf("%-24s ", "ADDRESS6");
	printf("%-17s %-15s %-6s %s\n", "MAC", "HOST-IF", "NETNS", "PORTS");
	for (int i = 0; i < st->n; i++) {
		const struct endpoint_rec *e = &st->eps[i];

		mac_text(e->mac, mac);
		ports = portlist_format(&e->ports);
		printf("%-20.*s ", ctrid_short_len(e->id), e->id);
		print_addrs(e, six);
		printf("%-17s %-15s %-6s %s\n", mac, e->veth,
		       !e->ready ? "setup" : !e->netns_ino ? "?" :
		       state_rec_alive(e) ? "alive" : "dead",
		       ports && ports[0] ? ports : "-");
		free(ports);
	}
}

int cmd_ls(struct bpfnet_config *cfg, struct bpfnet_args *args)
{
	struct state_session s;
	int err;

	(void)args;	/* no words: main.c's table says so */
	err = state_begin(&s, cfg->state_dir, 0);
	if (!err && cfg->json)
		print_json(&s.st);
	else if (!err)
		print_table(&s.st);
	state_end(&s);
	return err ? 1 : 0;
}
