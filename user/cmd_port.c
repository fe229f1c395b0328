// SPDX-License-Identifier: GPL-2.0
/* bpfnet port add|del|ls: publish container ports at run time. */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr6.h"
#include "cmd.h"
#include "ctrid.h"
#include "datapath.h"
#include "dplinks.h"
#include "fsutil.h"
#include "log.h"
#include "nl.h"
#include "portcheck.h"
#include "portmap.h"
#include "portstore.h"
#include "state.h"

/* The state session and the container id's record (must be running). */
struct port_ctx {
	struct state_session s;
	struct endpoint_rec *rec;
	struct dp dp;
};

static int port_open(struct bpfnet_config *cfg, const char *id,
		     struct port_ctx *pc)
{
	int err;

	/* the records only: this container's ports file is its own business */
	err = state_begin(&pc->s, cfg->state_dir, STATE_WRITE | STATE_RECORDS);
	if (err)
		return err;
	pc->rec = ctrid_find(&pc->s.st, id);
	if (!pc->rec)
		return -ESRCH;
	if (!pc->rec->ready ||
	    (pc->rec->netns_ino && !state_rec_alive(pc->rec))) {
		pr_err("container %s is not running", id);
		return -ESRCH;
	}
	if (dp_open(cfg, &pc->dp, false)) {
		pr_err("no datapath is loaded in %s", cfg->pin_dir);
		return -ENOENT;
	}
	return 0;
}

static void port_close(struct port_ctx *pc)
{
	dp_close(&pc->dp);
	state_end(&pc->s);
}

/* Parse spec into ps, then open the container's state: count or -errno. */
static int port_begin(struct bpfnet_config *cfg, const char *id,
		      const char *spec, struct port_list *ps,
		      struct port_ctx *pc)
{
	char why[200];
	int n, err;

	memset(pc, 0, sizeof(*pc));	/* a zeroed dp closes nothing */
	pc->s.lock = -1;
	n = portlist_parse(spec, ps, true, why, sizeof(why));
	if (n < 0) {
		pr_err("%s", why);
		return n;
	}
	err = port_open(cfg, id, pc);
	return err ? err : n;
}

/* The host's side: its own addresses only, no port a host process holds. */
static int check_host(const struct bpfnet_config *cfg,
		      const struct port_spec *ps, int n, char *why, size_t size)
{
	struct nl nl;
	int err = nl_open(&nl);

	if (err) {
		snprintf(why, size, "failed to open netlink: %s", strerror(-err));
		return err;
	}
	err = portcheck_host(&nl, ps, n, cfg->force, why, size);
	nl_close(&nl);
	return err;
}

/*
 * A port on a named address: its interface gets the ingress filter and the
 * socket programs learn the address, should either be new since the last
 * hook (a port on every address waits for the next hook or gc).
 */
static void refresh_edges(const struct bpfnet_config *cfg, struct dp *dp,
			  const struct port_spec *ps, int n)
{
	struct dp_links links;
	struct nl nl;
	int i = 0;

	while (i < n && !ps[i].host.s_addr)
		i++;
	if (i == n || nl_open(&nl))
		return;
	if (!dp_links_lookup(&nl, cfg, &links))
		datapath_edges(cfg, dp, &links);
	nl_close(&nl);
}

static int port_add(struct bpfnet_config *cfg, const char *id, const char *spec)
{
	struct port_list ps = { 0 };
	struct port_ctx pc;
	char why[200];
	int n, err = 0;

	n = port_begin(cfg, id, spec, &ps, &pc);
	if (n < 0) {
		err = n;
		goto out;
	}
	err = portmap_check_conflicts(&pc.dp, &pc.s.st, pc.rec, ps.v, n, why, sizeof(why));
	if (!err)
		err = check_host(cfg, ps.v, n, why, sizeof(why));
	if (err) {
		pr_err("%s", why);
		goto out;
	}
	err = portmap_apply(&pc.dp, pc.rec, ps.v, n);
	if (err) {
		pr_err("failed to publish %s: %s", spec,
		       err == -EEXIST ? "a host port is already published" :
					strerror(-err));
		goto out;
	}
	/* one appended line per spec, whatever the container publishes */
	err = portstore_append(cfg->state_dir, pc.rec->id, ps.v, n);
	if (!err && state_note_port_addrs(&pc.s.st, ps.v, n))
		err = state_commit(&pc.s);
	if (err)
		portmap_unapply(&pc.dp, pc.rec, ps.v, n);
	else
		refresh_edges(cfg, &pc.dp, ps.v, n);
out:
	portlist_free(&ps);
	port_close(&pc);
	return err ? 1 : 0;
}

static int port_del(struct bpfnet_config *cfg, const char *id, const char *spec)
{
	struct port_list ps = { 0 };
	struct port_ctx pc;
	char why[200];
	int n, missing, err = 0;

	n = port_begin(cfg, id, spec, &ps, &pc);
	if (n < 0) {
		err = n;
		goto out;
	}
	/* all or nothing: every spec must be this container's */
	err = portstore_remove_specs(cfg->state_dir, pc.rec->id, ps.v, n, &missing);
	if (err == -ENOENT) {
		portspec_format(&ps.v[missing], why, sizeof(why));
		pr_err("%s is not published by container %.*s", why,
		       ctrid_short_len(pc.rec->id), pc.rec->id);
	}
	if (!err)
		portmap_unapply(&pc.dp, pc.rec, ps.v, n);
out:
	portlist_free(&ps);
	port_close(&pc);
	return err ? 1 : 0;
}

/* The host address of a spec as ls shows it: 0.0.0.0 and :: for every one. */
static void host_text(const struct port_spec *ps, char *buf, size_t size)
{
	if (ps->family == AF_INET6)
		inet_ntop(AF_INET6, &ps->host6, buf, (socklen_t)size);
	else if (ps->family == AF_INET)
		inet_ntop(AF_INET, &ps->host, buf, (socklen_t)size);
	else
		snprintf(buf, size, "*");	/* both families, every address */
}

static void ls_json(const struct endpoint_rec *e, const struct port_spec *ps,
		    const char *host, cJSON *arr)
{
	cJSON *o = cJSON_CreateObject();
	char c6[INET6_ADDRSTRLEN];

	cJSON_AddStringToObject(o, "id", e->id);
	cJSON_AddStringToObject(o, "host_ip", host);
	cJSON_AddNumberToObject(o, "host_port", ps->host_lo);
	cJSON_AddNumberToObject(o, "host_port_end", ps->host_hi);
	cJSON_AddStringToObject(o, "container_ip", inet_ntoa(e->ip));
	if (!in6_is_zero(&e->ip6) && portspec_v6(ps)) {
		inet_ntop(AF_INET6, &e->ip6, c6, sizeof(c6));
		cJSON_AddStringToObject(o, "container_ip6", c6);
	}
	cJSON_AddNumberToObject(o, "container_port", ps->ctr_lo);
	cJSON_AddNumberToObject(o, "container_port_end", ps->ctr_hi);
	cJSON_AddStringToObject(o, "proto", ps->proto == IPPROTO_UDP ? "udp" : "tcp");
	cJSON_AddStringToObject(o, "family", ps->family == AF_INET ? "ipv4" :
				ps->family == AF_INET6 ? "ipv6" : "both");
	cJSON_AddItemToArray(arr, o);
}

static void ls_one(const struct endpoint_rec *e, cJSON *arr)
{
	const struct port_spec *ps = e->ports.v;

	for (int i = 0; i < e->ports.n; i++) {
		char host[INET6_ADDRSTRLEN], hp[16], cp[16];

		host_text(&ps[i], host, sizeof(host));
		if (arr) {
			/* JSON keeps its IPv4 form for a spec of both families */
			ls_json(e, &ps[i], ps[i].family ? host : "0.0.0.0", arr);
			continue;
		}
		snprintf(hp, sizeof(hp), ps[i].host_lo == ps[i].host_hi ? "%u" : "%u-%u",
			 ps[i].host_lo, ps[i].host_hi);
		snprintf(cp, sizeof(cp), ps[i].ctr_lo == ps[i].ctr_hi ? "%u" : "%u-%u",
			 ps[i].ctr_lo, ps[i].ctr_hi);
		printf("%-20.*s %-15s %-11s %-15s %-11s %s\n", ctrid_short_len(e->id),
		       e->id, host, hp, inet_ntoa(e->ip), cp,
		       ps[i].proto == IPPROTO_UDP ? "udp" : "tcp");
	}
}

static int port_ls(struct bpfnet_config *cfg, const char *id)
{
	cJSON *arr = cfg->json ? cJSON_CreateArray() : NULL;
	struct state_session s;
	const struct bpfnet_state *st = &s.st;
	const struct endpoint_rec *only = NULL;
	int err = state_begin(&s, cfg->state_dir, 0);

	if (!err && id && !(only = ctrid_find(st, id)))
		err = -ESRCH;
	if (err)
		goto out;
	if (!arr)
		printf("%-20s %-15s %-11s %-15s %-11s %s\n", "ID", "HOST-IP",
		       "HOST-PORT", "CONTAINER-IP", "CTR-PORT", "PROTO");
	for (int i = 0; i < st->n; i++)
		if (!only || &st->eps[i] == only)
			ls_one(&st->eps[i], arr);
	if (arr) {
		char *text = cJSON_PrintUnformatted(arr);

		puts(text);
		free(text);
	}
out:
	cJSON_Delete(arr);
	state_end(&s);
	return err ? 1 : 0;
}

/* bpfnet port add|del ID SPEC, port ls [ID]: the words after "port". */
static int do_add(struct bpfnet_config *cfg, struct bpfnet_args *args)
{
	return port_add(cfg, args->argv[2], args->argv[3]);
}

static int do_del(struct bpfnet_config *cfg, struct bpfnet_args *args)
{
	return port_del(cfg, args->argv[2], args->argv[3]);
}

static int do_ls(struct bpfnet_config *cfg, struct bpfnet_args *args)
{
	return port_ls(cfg, args->argc == 3 ? args->argv[2] : NULL);
}

const struct cmd port_cmds[] = {
	{ "add", do_add, "ID SPEC",
	  "publish [HOSTIP:]HOSTPORT[-END]:CPORT[-END][/tcp|udp] now", 2, 2 },
	{ "del", do_del, "ID SPEC", "unpublish it; its connections are cut", 2, 2 },
	{ "ls", do_ls, "[ID] [-j]", "list published ports", 0, 1 },
	{ NULL }
};
