// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "datapath.h"
#include "dplinks.h"
#include "fsutil.h"
#include "hook.h"
#include "ipam.h"
#include "link.h"
#include "log.h"
#include "netns.h"
#include "portmap.h"

#ifdef BPFNET_TESTING
int fault_point(int step, const char *what)
{
	const char *kill_at = getenv("BPFNET_FAULT_STEP");
	const char *fail_at = getenv("BPFNET_FAIL_STEP");

	if (kill_at && atoi(kill_at) == step) {
		pr_debug("fault injection: killed at step %d (%s)", step, what);
		kill(getpid(), SIGKILL);
	}
	if (fail_at && atoi(fail_at) == step) {
		pr_err("fault injection: failing at step %d (%s)", step, what);
		return -EIO;
	}
	return 0;
}
#else
/* the installed binary honours no fault-injection variable */
int fault_point(int step, const char *what)
{
	(void)step;
	(void)what;
	return 0;
}
#endif

/* Resolved uplink, MTU and bridge for one run. */
struct net_plan {
	int uplink_ifindex;	/* 0 when the host has no uplink */
	int mtu;
	int bridge_ifindex;
	bool bridge_created;
};

static int resolve_uplink(const struct bpfnet_config *cfg, struct nl *nl,
			  struct net_plan *plan)
{
	struct in_addr up;
	int err, mtu, plen;

	err = uplink_resolve(nl, cfg->uplink, &plan->uplink_ifindex, &mtu);
	if (err) {
		pr_err("failed to find uplink %s: %s", cfg->uplink, strerror(-err));
		return err;
	}
	plan->mtu = cfg->mtu ? cfg->mtu : mtu > 0 ? mtu : 1500;
	if (plan->uplink_ifindex &&
	    !addr_first_net(nl, plan->uplink_ifindex, &up, &plen) &&
	    cidr_overlap(cfg->subnet, cfg->prefix, up, plen)) {
		char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &cfg->subnet, a, sizeof(a));
		inet_ntop(AF_INET, &up, b, sizeof(b));
		pr_err("subnet %s/%d overlaps the uplink's network (%s/%d)", a,
		       cfg->prefix, b, plen);
		return -EINVAL;
	}
	return 0;
}

static int ensure_bridge(const struct bpfnet_config *cfg, struct nl *nl,
			 struct net_plan *plan)
{
	struct link_info li;
	int err;

	err = link_get(nl, cfg->bridge, 0, &li);
	if (err == -ENODEV) {
		err = bridge_create(nl, cfg->bridge, plan->mtu);
		if (err) {
			pr_err("failed to create bridge %s: %s%s%s", cfg->bridge,
			       strerror(-err), nl->extack[0] ? ": " : "",
			       nl->extack);
			return err;
		}
		plan->bridge_created = true;
		err = link_get(nl, cfg->bridge, 0, &li);
		/* the mark that lets bpfnet down delete it, and nothing else */
		if (!err && link_set_alias(nl, li.ifindex, BPFNET_BRIDGE_ALIAS)) {
			pr_err("failed to mark bridge %s as bpfnet's", cfg->bridge);
			link_del(nl, li.ifindex);
			return -EIO;
		}
	}
	if (err) {
		pr_err("failed to look up bridge %s: %s", cfg->bridge,
		       strerror(-err));
		return err;
	}
	if (strcmp(li.kind, "bridge")) {
		pr_err("%s exists and is not a bridge", cfg->bridge);
		return -EEXIST;
	}
	plan->bridge_ifindex = li.ifindex;
	err = addr_add(nl, li.ifindex, cfg->gateway, cfg->prefix);
	if (!err && !li.up)
		err = link_set(nl, li.ifindex, true, -1);
	if (err)
		pr_err("failed to configure bridge %s: %s", cfg->bridge,
		       strerror(-err));
	return err;
}

/* Inside the container: lo and iface up, address, default route. */
static int configure_container(const struct bpfnet_config *cfg, struct nl *cnl,
			       const struct endpoint_rec *rec)
{
	struct link_info lo, eth;
	int err;

	err = link_get(cnl, "lo", 0, &lo);
	if (!err && !lo.up)
		err = link_set(cnl, lo.ifindex, true, -1);
	if (err)
		goto fail;
	err = link_get(cnl, cfg->iface, 0, &eth);
	if (!err)
		err = addr_add(cnl, eth.ifindex, rec->ip, cfg->prefix);
	if (!err)
		err = link_set(cnl, eth.ifindex, true, -1);
	if (!err)
		err = route_add_default(cnl, cfg->gateway, eth.ifindex);
	if (!err)
		return 0;
fail:
	pr_err("failed to configure %s in container %s: %s%s%s", cfg->iface,
	       rec->id, strerror(-err), cnl->extack[0] ? ": " : "", cnl->extack);
	return err;
}

/* Could bpfnet have named a veth for id so? (salts as ipam_veth_name tries) */
static bool name_derived_from(const char *name, const char *id)
{
	char want[IFNAMSIZ];

	for (unsigned int salt = 0; salt < 64; salt++) {
		ipam_veth_name_salted(id, salt, want);
		if (!strcmp(want, name))
			return true;
	}
	return false;
}

bool endpoint_link_ours(const struct bpfnet_config *cfg, struct nl *nl,
			const struct link_info *li, const char *id)
{
	struct link_info br;
	int bridge = link_get(nl, cfg->bridge, 0, &br) ? 0 : br.ifindex;

	if (strcmp(li->kind, "veth"))
		return false;
	/* set up: our alias and a name we derive from it, on our bridge (or
	 * on none, if the bridge is gone) */
	if (!strcmp(li->alias, id))
		return (!li->master || li->master == bridge) &&
		       name_derived_from(li->name, id);
	/* created by a run that died before it set the alias and master */
	return !li->alias[0] && !li->master && name_derived_from(li->name, id);
}

void endpoint_release(const struct bpfnet_config *cfg, struct nl *nl,
		      const struct endpoint_rec *rec)
{
	struct link_info li;
	bool present = !link_get(nl, rec->veth, 0, &li);

	if (present && !endpoint_link_ours(cfg, nl, &li, rec->id)) {
		/* a damaged record: touch neither the link nor the maps */
		pr_warn("not deleting %s: it is not the veth bpfnet made for %.64s (kind %s)",
			li.name, rec->id, li.kind[0] ? li.kind : "?");
		return;
	}
	datapath_endpoint_del(cfg, rec);
	if (present)
		link_del(nl, li.ifindex);
}

static int pick_address(const struct bpfnet_config *cfg,
			const struct bpfnet_state *st, const struct oci_state *oci,
			struct in_addr *ip)
{
	char why[160];
	int err;

	if (oci->ip[0]) {
		err = ipam_static(st, cfg, oci->ip, ip, why, sizeof(why));
		if (err)
			pr_err("%s", why);
		return err;
	}
	err = ipam_alloc(st, cfg, ip);
	if (err == -ENOSPC)
		pr_err("address pool %s/%d is exhausted", inet_ntoa(cfg->subnet),
		       cfg->prefix);
	return err;
}

/* The bpfnet.ports annotation: valid, free, stored in canonical form. */
static int check_ports(const struct bpfnet_config *cfg,
		       struct bpfnet_state *st, const struct oci_state *oci,
		       struct endpoint_rec *rec)
{
	char why[200];
	struct dp dp;
	int n, err;

	if (!oci->ports[0])
		return 0;
	n = portlist_parse(oci->ports, &rec->ports, true, why, sizeof(why));
	if (n < 0) {
		pr_err("bpfnet.ports: %s", why);
		return n;
	}
	for (int i = 0; i < n; i++) {
		const struct port_spec *ps = &rec->ports.v[i];

		if (!config_port_allowed(cfg, ps->host_lo, ps->host_hi)) {
			portspec_format(ps, why, sizeof(why));
			pr_err("bpfnet.ports: %s: host port not in allowedHostPorts of the config",
			       why);
			return -EPERM;
		}
	}
	state_note_port_addrs(st, rec->ports.v, n);
	/* no datapath yet: nothing is published */
	if (dp_open(cfg, &dp, false))
		return 0;
	err = portmap_check_conflicts(&dp, st, rec->ports.v, n, why, sizeof(why));
	dp_close(&dp);
	if (err)
		pr_err("bpfnet.ports: %s", why);
	return err;
}

/* Is this record's network already in place for the same namespace? */
static bool endpoint_intact(struct nl *nl, const struct endpoint_rec *rec,
			    uint64_t ino)
{
	struct link_info li;

	return rec->ready && rec->netns_ino == ino &&
	       !link_get(nl, rec->veth, 0, &li);
}

static int check_state_subnet(const struct bpfnet_config *cfg,
			      struct bpfnet_state *st)
{
	char want[INET_ADDRSTRLEN], used[INET_ADDRSTRLEN];

	if (st->n && (st->subnet.s_addr != cfg->subnet.s_addr ||
		      st->prefix != cfg->prefix)) {
		/* not inet_ntoa twice: both would print its one static buffer */
		inet_ntop(AF_INET, &cfg->subnet, want, sizeof(want));
		inet_ntop(AF_INET, &st->subnet, used, sizeof(used));
		pr_err("subnet %s/%d differs from the one in use (%s/%d) while containers exist",
		       want, cfg->prefix, used, st->prefix);
		return -EINVAL;
	}
	st->subnet = cfg->subnet;
	st->prefix = cfg->prefix;
	return 0;
}

/* Create the links for rec; undo what this call created on failure. */
static int build_endpoint(const struct bpfnet_config *cfg, struct nl *nl,
			  struct nl *cnl, int netns_fd,
			  const struct bpfnet_state *st,
			  const struct endpoint_rec *rec, struct net_plan *plan)
{
	struct dp_links links;
	struct link_info li;
	int err;

	err = ensure_bridge(cfg, nl, plan);
	if (err)
		return err;
	err = fault_point(3, "bridge ready");
	if (err)
		goto undo_bridge;
	err = veth_create(nl, rec->veth, cfg->iface, netns_fd, rec->mac,
			  plan->mtu);
	if (err) {
		pr_err("failed to create veth %s: %s%s%s", rec->veth,
		       strerror(-err), nl->extack[0] ? ": " : "", nl->extack);
		goto undo_bridge;
	}
	err = fault_point(4, "veth created");
	if (err)
		goto undo_veth;
	err = link_get(nl, rec->veth, 0, &li);
	if (!err)
		err = link_set_alias(nl, li.ifindex, rec->id);
	if (!err)
		err = link_set(nl, li.ifindex, true, plan->bridge_ifindex);
	if (err) {
		pr_err("failed to attach %s to %s: %s", rec->veth, cfg->bridge,
		       strerror(-err));
		goto undo_veth;
	}
	err = configure_container(cfg, cnl, rec);
	if (err)
		goto undo_veth;
	err = fault_point(5, "container configured");
	if (err)
		goto undo_veth;
	err = dp_links_get(nl, plan->bridge_ifindex, plan->uplink_ifindex,
			   &links);
	if (!err)
		err = datapath_endpoint_add(cfg, st, rec, li.ifindex, &links);
	if (err)
		goto undo_veth;
	err = fault_point(6, "datapath attached");
	if (err)
		goto undo_veth;
	return 0;

undo_veth:
	endpoint_release(cfg, nl, rec);
undo_bridge:
	if (plan->bridge_created && !link_get(nl, cfg->bridge, 0, &li))
		link_del(nl, li.ifindex);
	return err;
}

/*
 * No records, yet veths of containers on the bridge: the state was lost while
 * they live. Handing out addresses now could give one of theirs away.
 */
static int check_state_not_lost(const struct bpfnet_config *cfg, struct nl *nl,
				const struct bpfnet_state *st)
{
	struct link_vec lv = { 0 };
	struct link_info br;
	int live = 0;

	if (st->n || link_get(nl, cfg->bridge, 0, &br))
		return 0;
	link_list_veths(nl, br.ifindex, BPFNET_VETH_PREFIX, &lv);
	for (int i = 0; i < lv.n; i++)
		live += oci_id_valid(lv.v[i].alias);
	link_vec_free(&lv);
	if (!live)
		return 0;
	pr_err("the state in %s is lost but %d containers' links are on %s: run 'bpfnet gc' to rebuild it first",
	       cfg->state_dir, live, cfg->bridge);
	return -ESTALE;
}

/*
 * Is the namespace (inode ino, netlink cnl) one bpfnet must never configure:
 * the hook's own, pid 1's, or one holding this network's bridge or the
 * uplink? Then why says which (a container run with the host's network).
 */
static bool not_a_container_netns(const struct bpfnet_config *cfg,
				  struct nl *nl, struct nl *cnl, uint64_t ino,
				  char *why, size_t size)
{
	struct link_info up, there;
	int upidx = 0, mtu;

	if (ino == netns_ino_of_pid(getpid())) {
		snprintf(why, size, "its network namespace is the hook's own");
		return true;
	}
	if (ino == netns_ino_of_pid(1)) {
		snprintf(why, size, "its network namespace is the host's (pid 1's)");
		return true;
	}
	if (!link_get(cnl, cfg->bridge, 0, &there) && !strcmp(there.kind, "bridge")) {
		snprintf(why, size, "its network namespace holds the bridge %s",
			 cfg->bridge);
		return true;
	}
	if (!uplink_resolve(nl, cfg->uplink, &upidx, &mtu) && upidx &&
	    !link_get(nl, NULL, upidx, &up) &&
	    !link_get(cnl, up.name, 0, &there) &&
	    !memcmp(up.mac, there.mac, sizeof(up.mac))) {
		snprintf(why, size, "its network namespace holds the uplink %s",
			 up.name);
		return true;
	}
	return false;
}

static int setup_locked(const struct bpfnet_config *cfg,
			const struct oci_state *oci, struct nl *nl,
			struct bpfnet_state *st)
{
	struct net_plan plan = { 0 };
	struct endpoint_rec *rec;
	struct in_addr ip;
	struct link_info li;
	char why[160];
	struct nl cnl;
	uint64_t ino;
	int fd, err;

	fd = netns_open_pid(oci->pid, &ino);
	if (fd < 0) {
		pr_err("container process %d does not exist: %s", oci->pid,
		       strerror(-fd));
		return fd;
	}
	err = nl_open_in(&cnl, fd);
	if (err) {
		pr_err("failed to open netlink in the container: %s",
		       strerror(-err));
		goto out_fd;
	}
	if (not_a_container_netns(cfg, nl, &cnl, ino, why, sizeof(why))) {
		/* host-network containers keep running: change nothing, exit 0 */
		pr_warn("container %s: %s: leaving it alone", oci->id, why);
		goto out_cnl;
	}
	err = check_state_subnet(cfg, st);
	if (err)
		goto out_cnl;
	err = check_state_not_lost(cfg, nl, st);
	if (err)
		goto out_cnl;
	rec = state_find(st, oci->id);
	if (rec && endpoint_intact(nl, rec, ino)) {
		pr_info("container %s is already set up", oci->id);
		goto out_cnl;
	}
	if (rec && rec->ready && rec->netns_ino &&
	    netns_ino_of_pid(rec->pid) == rec->netns_ino) {
		/* 5: the same id, another namespace, the first one still alive */
		pr_err("container id %s is in use by a running container (pid %d)",
		       oci->id, rec->pid);
		err = -EEXIST;
		goto out_cnl;
	}
	if (rec) {	/* stale or half-built: start over */
		endpoint_release(cfg, nl, rec);
		state_remove(st, rec);
	}
	if (!link_get(&cnl, cfg->iface, 0, &li)) {
		/* a shared namespace: another container's eth0 is here */
		pr_info("%s already exists in the namespace of %d: leaving it alone",
			cfg->iface, oci->pid);
		err = state_save(cfg->state_dir, st);
		goto out_cnl;
	}
	err = resolve_uplink(cfg, nl, &plan);
	if (err)
		goto out_cnl;

	/* pick before adding the record: the new record must not count as a user */
	err = pick_address(cfg, st, oci, &ip);
	if (err)
		goto out_cnl;
	rec = state_add(st);
	if (!rec) {
		err = -ENOMEM;
		goto out_cnl;
	}
	rec->ip = ip;
	snprintf(rec->id, sizeof(rec->id), "%s", oci->id);
	ipam_mac(rec->ip, rec->mac);
	ipam_veth_name(st, oci->id, rec->veth);
	rec->pid = oci->pid;
	rec->netns_ino = ino;
	err = check_ports(cfg, st, oci, rec);
	if (err) {
		state_remove(st, rec);
		goto out_cnl;
	}
	/* Record the reservation first: a killed hook leaves a trace for gc. */
	err = state_save(cfg->state_dir, st);
	if (err)
		goto out_cnl;
	err = fault_point(2, "address reserved");
	if (err) {
		state_remove(st, rec);
		state_save(cfg->state_dir, st);
		goto out_cnl;
	}

	err = build_endpoint(cfg, nl, &cnl, fd, st, rec, &plan);
	if (err) {
		state_remove(st, rec);
		state_save(cfg->state_dir, st);
		goto out_cnl;
	}
	rec->ready = true;
	err = state_save(cfg->state_dir, st);
	pr_info("container %s: %s on %s", rec->id, inet_ntoa(rec->ip), rec->veth);
out_cnl:
	nl_close(&cnl);
out_fd:
	close(fd);
	return err;
}

/* Run fn with the state locked and loaded and a netlink socket open. */
static int with_state(const struct bpfnet_config *cfg,
		      int (*fn)(const struct bpfnet_config *, struct nl *,
				struct bpfnet_state *, const void *),
		      const void *arg)
{
	struct bpfnet_state st;
	struct nl nl;
	int lock, err;

	err = ensure_private_dir(cfg->state_dir, 0700);
	if (err)
		return err;
	lock = state_lock(cfg->state_dir);
	if (lock < 0)
		return lock;
	if (fault_point(1, "locked")) {
		err = -EIO;
		goto out_unlock;
	}
	err = state_load(cfg->state_dir, &st);
	if (err)
		goto out_unlock;
	err = nl_open(&nl);
	if (err) {
		pr_err("failed to open netlink: %s", strerror(-err));
		goto out_state;
	}
	err = fn(cfg, &nl, &st, arg);
	nl_close(&nl);
out_state:
	state_free(&st);
out_unlock:
	state_unlock(lock);
	return err;
}

static int setup_cb(const struct bpfnet_config *cfg, struct nl *nl,
		    struct bpfnet_state *st, const void *arg)
{
	return setup_locked(cfg, arg, nl, st);
}

int hook_setup(const struct bpfnet_config *cfg, const struct oci_state *oci)
{
	return with_state(cfg, setup_cb, oci);
}

static int teardown_locked(const struct bpfnet_config *cfg, struct nl *nl,
			   struct bpfnet_state *st, const void *arg)
{
	const char *id = arg;
	struct endpoint_rec *rec = state_find(st, id), tmp = { 0 };

	if (!rec) {
		/* unknown or never recorded: remove a veth named after it */
		snprintf(tmp.id, sizeof(tmp.id), "%s", id);
		ipam_veth_name_salted(id, 0, tmp.veth);
		endpoint_release(cfg, nl, &tmp);
		pr_info("container %s was not set up by bpfnet", id);
		return 0;
	}
	fault_point(7, "teardown started");
	endpoint_release(cfg, nl, rec);
	fault_point(8, "links removed");
	state_remove(st, rec);
	return state_save(cfg->state_dir, st);
}

int hook_teardown(const struct bpfnet_config *cfg, const char *id)
{
	return with_state(cfg, teardown_locked, id);
}

int cmd_hook(struct bpfnet_config *cfg, struct bpfnet_args *args)
{
	struct oci_state oci;
	char why[200], *text;
	size_t len;
	int err;

	if (args->argc > 1) {
		pr_err("hook takes no arguments besides flags; the state comes on stdin");
		return EXIT_USAGE;
	}
	err = read_fd(STDIN_FILENO, OCI_STATE_MAX, &text, &len);
	if (err == -EFBIG) {
		pr_err("OCI state is larger than %d bytes", OCI_STATE_MAX);
		return 1;
	}
	if (err) {
		pr_err("failed to read the OCI state on stdin: %s", strerror(-err));
		return 1;
	}
	err = oci_parse_state(text, len, &oci, why, sizeof(why));
	free(text);
	if (err) {
		pr_err("%s", why);
		return 1;
	}
	if (oci.status == OCI_STOPPED)
		err = hook_teardown(cfg, oci.id);
	else
		err = hook_setup(cfg, &oci);
	return err ? 1 : 0;
}
