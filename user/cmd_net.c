// SPDX-License-Identifier: GPL-2.0
/*
 * bpfnet net show|set: the network's settings (netrec.h), shown, and
 * changed one at a time for every container at once.
 */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "datapath.h"
#include "dplinks.h"
#include "endpoint.h"
#include "ipam.h"
#include "link.h"
#include "link6.h"
#include "log.h"
#include "netrec.h"
#include "state.h"

static void show_json(const struct bpfnet_config *net, bool recorded)
{
	cJSON *o = cJSON_CreateObject(), *list;
	char v[64];

	netrec_value(net, "subnet", v, sizeof(v));
	cJSON_AddStringToObject(o, "subnet", v);
	cJSON_AddStringToObject(o, "gateway", inet_ntoa(net->gateway));
	cJSON_AddBoolToObject(o, "isolate", net->isolate);
	netrec_value(net, "snat-ports", v, sizeof(v));
	cJSON_AddStringToObject(o, "snat_ports", v);
	cJSON_AddStringToObject(o, "uplink", net->uplink);
	cJSON_AddNumberToObject(o, "flow_table_size", net->flow_table_size);
	list = cJSON_AddArrayToObject(o, "no_masquerade");
	for (int i = 0; i < net->n_no_masq; i++) {
		snprintf(v, sizeof(v), "%s/%d", inet_ntoa(net->no_masq[i].net),
			 net->no_masq[i].prefix);
		cJSON_AddItemToArray(list, cJSON_CreateString(v));
	}
	netrec_value(net, "subnet6", v, sizeof(v));
	cJSON_AddStringToObject(o, "subnet6", v);
	cJSON_AddBoolToObject(o, "nat6", net->nat6);
	cJSON_AddBoolToObject(o, "recorded", recorded);
	cmd_put_json(o);
}

static void show_text(const struct bpfnet_config *net, bool recorded)
{
	char v[192];

	for (int i = 0; i < NETREC_NKEYS; i++) {
		const char *key = netrec_keys[i];

		netrec_value(net, key, v, sizeof(v));
		printf("%-15s %s\n", key,
		       v[0] ? v : strcmp(key, "uplink") ? "(none)" : "(the default route's)");
	}
	printf("%-15s %s\n", "recorded", recorded ? "yes" :
	       "no: the first container's hook records these, from its flags");
}

/* The record, or before there is one, what the flags would record. */
static int net_show(struct bpfnet_config *cfg)
{
	struct bpfnet_config net = *cfg;
	struct state_session s;
	int err = state_begin(&s, cfg->state_dir, STATE_RECORDS);

	if (!err && (s.st.net.recorded || s.st.n))
		netrec_to_config(&s.st.net, &net);
	if (!err && cfg->json)
		show_json(&net, s.st.net.recorded);
	else if (!err)
		show_text(&net, s.st.net.recorded);
	state_end(&s);
	return err ? 1 : 0;
}

/* The new value of key, checked as its flag is. 0 or -EINVAL (said). */
static int set_value(struct bpfnet_config *want, const char *key,
		     const char *val)
{
	int err;

	if (!strcmp(key, "uplink") && !val[0]) {
		want->uplink[0] = '\0';	/* "": the default route's again */
		return 0;
	}
	err = config_set(want, key, val);
	return err ? err : config_validate(want);
}

/* The bridge's gateway address and MAC follow a new subnet. */
static int move_bridge(struct nl *nl, const struct bpfnet_config *from,
		       const struct bpfnet_config *to)
{
	struct link_info br;
	uint8_t mac[6];
	int err;

	if (link_get(nl, to->bridge, 0, &br) || strcmp(br.kind, "bridge"))
		return 0;	/* none yet: the next hook makes it */
	/* the old one first: a new address inside the old subnet would be its
	 * secondary, and go with it */
	addr_del(nl, br.ifindex, from->gateway, from->prefix);
	err = addr_add(nl, br.ifindex, to->gateway, to->prefix);
	if (!err && !strcmp(br.alias, BPFNET_BRIDGE_ALIAS)) {
		ipam_bridge_mac(to->gateway, mac);
		err = link_set_mac(nl, br.ifindex, mac);
		if (err)
			addr_del(nl, br.ifindex, to->gateway, to->prefix);
	}
	if (err) {
		addr_add(nl, br.ifindex, from->gateway, from->prefix);
		pr_err("failed to move bridge %s to the new subnet: %s", to->bridge,
		       strerror(-err));
	}
	return err;
}

/* The bridge's IPv6 gateway follows a new --subnet6 (or goes with none). */
static int move_bridge6(struct nl *nl, const struct bpfnet_config *from,
			const struct bpfnet_config *to)
{
	struct link_info br;
	int err = 0;

	if (link_get(nl, to->bridge, 0, &br) || strcmp(br.kind, "bridge"))
		return 0;	/* none yet: the next hook makes it */
	if (from->prefix6)
		addr6_del(nl, br.ifindex, &from->gateway6, from->prefix6);
	if (to->prefix6)
		err = addr6_add(nl, br.ifindex, &to->gateway6, to->prefix6);
	if (err) {
		if (from->prefix6)
			addr6_add(nl, br.ifindex, &from->gateway6, from->prefix6);
		pr_err("failed to move bridge %s to the new subnet6: %s",
		       to->bridge, strerror(-err));
	}
	return err;
}

static bool subnet6_differs(const struct bpfnet_config *a,
			    const struct bpfnet_config *b)
{
	return a->prefix6 != b->prefix6 ||
	       memcmp(&a->subnet6, &b->subnet6, sizeof(a->subnet6));
}

/* Is a datapath loaded? 0 with *loaded, or -errno (a stale one: said). */
static int datapath_loaded(const struct bpfnet_config *cfg, bool *loaded)
{
	struct dp dp;
	int err = dp_open(cfg, &dp, false);

	*loaded = !err;
	if (!err)
		dp_close(&dp);
	return err == -ENOENT ? 0 : err;
}

/*
 * The flow tables' size is fixed when the datapath is loaded (max_entries
 * cannot change, and a reload would lose every flow): true while one is
 * loaded (said in one line), or a stale one is pinned (said by dp_open).
 */
static bool flow_tables_fixed(const struct bpfnet_config *cfg)
{
	bool loaded;

	if (datapath_loaded(cfg, &loaded))
		return true;
	if (loaded)
		pr_err("the flow tables' size cannot change while the datapath is loaded (bpfnet down, or before the first container)");
	return loaded;
}

/* Write cfg's settings to the loaded datapath. */
static int reconfigure(struct nl *nl, const struct bpfnet_config *cfg)
{
	struct dp_links links;
	int err = dp_links_lookup(nl, cfg, &links);

	if (err) {
		pr_err("failed to look up bridge %s and uplink: %s", cfg->bridge,
		       strerror(-err));
		return err;
	}
	return datapath_reconfigure(cfg, &links);
}

/*
 * Move the host and the datapath (if one is loaded: else the next hook
 * writes it) from old to want: the uplink must exist and not overlap the
 * subnet, as a hook checks. On failure, what was changed is put back.
 */
static int net_apply(const struct bpfnet_config *old,
		     const struct bpfnet_config *want)
{
	bool moved = false, moved6 = false, loaded;
	struct net_plan plan = { 0 };
	struct nl nl;
	int err = datapath_loaded(want, &loaded);

	if (err)
		return err;
	err = nl_open(&nl);
	if (err) {
		pr_err("failed to open netlink: %s", strerror(-err));
		return err;
	}
	err = endpoint_plan(want, &nl, &plan);
	if (!err && (old->subnet.s_addr != want->subnet.s_addr ||
		     old->prefix != want->prefix)) {
		err = move_bridge(&nl, old, want);
		moved = !err;
	}
	if (!err && subnet6_differs(old, want)) {
		err = move_bridge6(&nl, old, want);
		moved6 = !err;
	}
	if (!err && loaded) {
		err = reconfigure(&nl, want);
		if (err)
			reconfigure(&nl, old);
	}
	if (err && moved6)
		move_bridge6(&nl, want, old);
	if (err && moved)
		move_bridge(&nl, want, old);
	nl_close(&nl);
	return err;
}

/* bpfnet net set KEY VALUE: 0, 1 (failed, nothing changed) or 2 (usage). */
static int net_set(struct bpfnet_config *cfg, const char *key, const char *val)
{
	struct bpfnet_config old = *cfg, want;
	struct state_session s;
	int i, err, rc = 1;

	for (i = 0; i < NETREC_NKEYS && strcmp(key, netrec_keys[i]); i++)
		;
	if (i == NETREC_NKEYS) {
		pr_err("unknown network setting '%s': subnet, isolate, snat-ports, uplink, flow-table-size, no-masquerade, subnet6 or nat6",
		       key);
		return EXIT_USAGE;
	}
	/* nothing recorded yet: this command's flags are, with the change */
	err = state_begin(&s, cfg->state_dir, STATE_WRITE | STATE_RECORDS);
	if (!err)
		err = netrec_take(&s.st.net, s.st.n, &old, true);
	if (err)
		goto out;
	want = old;
	if (set_value(&want, key, val)) {
		rc = EXIT_USAGE;
		goto out;
	}
	if ((!strcmp(key, "subnet") || !strcmp(key, "subnet6")) && s.st.n) {
		pr_err("the %s cannot change while %d containers exist (their addresses are in it)",
		       key, s.st.n);
		goto out;
	}
	if (!strcmp(key, "flow-table-size") && flow_tables_fixed(&want))
		goto out;
	if (net_apply(&old, &want))
		goto out;
	netrec_record(&s.st.net, &want);
	if (state_commit(&s)) {
		net_apply(&want, &old);
		goto out;
	}
	pr_info("network %s: %s", key, val[0] ? val : "(the default route's)");
	rc = 0;
out:
	state_end(&s);
	return rc;
}

/* bpfnet net show, net set KEY VALUE: the words after "net". */
static int do_show(struct bpfnet_config *cfg, struct bpfnet_args *args)
{
	(void)args;
	return net_show(cfg);
}

static int do_set(struct bpfnet_config *cfg, struct bpfnet_args *args)
{
	return net_set(cfg, args->argv[2], args->argv[3]);
}

const struct cmd net_cmds[] = {
	{ "show", do_show, "[-j]",
	  "the network's settings: subnet, isolate, snat-ports, uplink, flow-table-size,"
	  " no-masquerade, subnet6, nat6", 0, 0 },
	{ "set", do_set, "KEY VALUE",
	  "change one now: isolate true|false, snat-ports MIN-MAX, uplink NAME|\"\", subnet CIDR,"
	  " flow-table-size N (no datapath loaded), no-masquerade CIDR,...|\"\","
	  " subnet6 CIDR|\"\" (no container), nat6 true|false",
	  2, 2 },
	{ NULL }
};
