// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr6.h"
#include "cmd.h"
#include "datapath.h"
#include "endpoint.h"
#include "fault.h"
#include "fsutil.h"
#include "hook.h"
#include "ipam.h"
#include "ipam6.h"
#include "link.h"
#include "link6.h"
#include "log.h"
#include "netrec.h"
#include "netns.h"
#include "portcheck.h"
#include "portmap.h"
#include "portmap6.h"

static int pick_address(const struct bpfnet_config *cfg,
			const struct bpfnet_state *st, const struct setup_req *req,
			struct in_addr *ip)
{
	char why[160];
	int err;

	if (req->ip && req->ip[0]) {
		err = ipam_static(st, cfg, req->ip_from ? req->ip_from : "bpfnet.ip",
				  req->ip, ip, why, sizeof(why));
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

/* The IPv6 address (--subnet6): the one asked for, or the lowest free. */
static int pick_address6(const struct bpfnet_config *cfg,
			 const struct bpfnet_state *st,
			 const struct setup_req *req, struct in6_addr *ip6)
{
	const char *from = req->ip6_from ? req->ip6_from : "bpfnet.ip6";
	char why[200], net[CIDR6_STRLEN];
	int err;

	memset(ip6, 0, sizeof(*ip6));
	if (req->ip6 && req->ip6[0]) {
		err = ipam6_static(st, cfg, from, req->ip6, ip6, why, sizeof(why));
		if (err)
			pr_err("%s", why);
		return err;
	}
	if (!cfg->prefix6)
		return 0;
	err = ipam6_alloc(st, cfg, ip6);
	cidr6_format(&cfg->subnet6, cfg->prefix6, net, sizeof(net));
	if (err == -ENOSPC)
		pr_err("IPv6 address pool %s is exhausted", net);
	return err;
}

/* Has the uplink an IPv6 address, to publish an IPv4-only container on
 * IPv6 from (NAT46)? As write_config6 will note it in net_config6. */
static bool uplink_has_ipv6(const struct bpfnet_config *cfg, struct nl *nl)
{
	struct in6_addr a;
	int upidx = 0, mtu;

	return !uplink_resolve(nl, cfg->uplink, &upidx, &mtu) && upidx &&
	       !addr6_first_global(nl, upidx, &a);
}

/* The ports to publish: valid, free, stored in canonical form. */
static int check_ports(const struct bpfnet_config *cfg, struct nl *nl,
		       struct bpfnet_state *st, const struct setup_req *req,
		       struct endpoint_rec *rec)
{
	const char *from = req->ports_from ? req->ports_from : "bpfnet.ports";
	char why[200];
	struct dp dp;
	int n, err;

	if (!req->ports || !req->ports[0])
		return 0;
	n = portlist_parse(req->ports, &rec->ports, true, why, sizeof(why));
	if (n < 0) {
		pr_err("%s: %s", from, why);
		return n;
	}
	for (int i = 0; i < n; i++) {
		const struct port_spec *ps = &rec->ports.v[i];

		if (!config_port_allowed(cfg, ps->host_lo, ps->host_hi)) {
			portspec_format(ps, why, sizeof(why));
			pr_err("%s: %s: host port not in allowedHostPorts of the config",
			       from, why);
			return -EPERM;
		}
	}
	err = portmap6_family_check(rec, rec->ports.v, n, uplink_has_ipv6(cfg, nl),
				    why, sizeof(why));
	if (!err)
		err = portcheck_host(nl, rec->ports.v, n, cfg->force, why, sizeof(why));
	if (err) {
		pr_err("%s: %s", from, why);
		return err;
	}
	state_note_port_addrs(st, rec->ports.v, n);
	/* no datapath yet: nothing is published */
	if (dp_open(cfg, &dp, false))
		return 0;
	err = portmap_check_conflicts(&dp, st, rec, rec->ports.v, n, why, sizeof(why));
	dp_close(&dp);
	if (err)
		pr_err("%s: %s", from, why);
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

/* The container's namespace, open for one set-up. */
struct ctr_netns {
	int fd;
	uint64_t ino;
	struct nl nl;
};

/* By path (CNI_NETNS) when the request names one, else by pid. */
static int ctr_netns_open(const struct setup_req *req, struct ctr_netns *c)
{
	int err;

	if (req->netns && req->netns[0]) {
		c->fd = netns_open_path(req->netns, &c->ino);
		if (c->fd == -EINVAL)
			pr_err("%s is not a network namespace", req->netns);
		else if (c->fd < 0)
			pr_err("network namespace %s does not exist: %s",
			       req->netns, strerror(-c->fd));
	} else {
		c->fd = netns_open_pid(req->pid, &c->ino);
		if (c->fd < 0)
			pr_err("container process %d does not exist: %s",
			       req->pid, strerror(-c->fd));
	}
	if (c->fd < 0)
		return c->fd;
	err = nl_open_in(&c->nl, c->fd);
	if (err) {
		pr_err("failed to open netlink in the container: %s",
		       strerror(-err));
		close(c->fd);
	}
	return err;
}

static void ctr_netns_close(struct ctr_netns *c)
{
	nl_close(&c->nl);
	close(c->fd);
}

/* What set-up made, or found made: the record's facts. */
static void setup_note(const struct bpfnet_config *cfg,
		       const struct endpoint_rec *rec, struct setup_out *out)
{
	if (!out)
		return;
	out->ip = rec->ip;
	out->gateway = cfg->gateway;
	out->prefix = cfg->prefix;
	out->ip6 = rec->ip6;
	out->gateway6 = cfg->gateway6;
	out->prefix6 = cfg->prefix6;
	memcpy(out->mac, rec->mac, sizeof(out->mac));
	snprintf(out->veth, sizeof(out->veth), "%s", rec->veth);
}

/*
 * A namespace the hook leaves alone (the host's, one shared with another
 * container): 0 for the hook, which must let such a container run; an
 * error for a strict request (CNI), which asked for an interface.
 */
static int leave_alone(const struct setup_req *req, int err, const char *why)
{
	if (req->strict) {
		pr_err("container %s: %s", req->id, why);
		return err;
	}
	pr_warn("container %s: %s: leaving it alone", req->id, why);
	return 0;
}

/* Is rec another container's, alive in another namespace? */
static bool id_in_use(const struct endpoint_rec *rec)
{
	if (!rec->ready || !state_rec_alive(rec))
		return false;
	if (rec->netns[0])
		pr_err("container id %s is in use by a running container (netns %s)",
		       rec->id, rec->netns);
	else
		pr_err("container id %s is in use by a running container (pid %d)",
		       rec->id, rec->pid);
	return true;
}

/*
 * Is there anything to set up? 0 with *go set when there is; 0 without it
 * when the container is left alone (set up already, the host's namespace,
 * a shared one); else -errno. A stale record of the same id is dropped.
 */
static int setup_wanted(const struct bpfnet_config *cfg,
			const struct setup_req *req, struct nl *nl,
			struct ctr_netns *c, struct bpfnet_state *st,
			struct setup_out *out, bool *go)
{
	struct endpoint_rec *rec;
	struct link_info li;
	char why[160];
	int err;

	*go = false;
	if (not_a_container_netns(cfg, nl, &c->nl, c->ino, why, sizeof(why)))
		/* host-network containers keep running: change nothing, exit 0 */
		return leave_alone(req, -EPERM, why);
	err = check_state_not_lost(cfg, nl, st);
	if (err)
		return err;
	rec = state_find(st, req->id);
	if (rec && endpoint_intact(nl, rec, c->ino)) {
		pr_info("container %s is already set up", req->id);
		setup_note(cfg, rec, out);
		return 0;
	}
	if (rec && id_in_use(rec))	/* the same id, another namespace */
		return -EEXIST;
	if (rec) {	/* stale or half-built: start over */
		endpoint_release(cfg, nl, rec);
		state_remove(st, rec);
	}
	if (!link_get(&c->nl, cfg->iface, 0, &li)) {
		/* a shared namespace: another container's eth0 is here */
		if (req->strict) {
			pr_err("container %s: %s already exists in its network namespace",
			       req->id, cfg->iface);
			return -EEXIST;
		}
		pr_info("%s already exists in the namespace of %d: leaving it alone",
			cfg->iface, req->pid);
		return 0;
	}
	*go = true;
	return 0;
}

/* One set-up: the request, and where to say what was made. */
struct setup_call {
	const struct setup_req *req;
	struct setup_out *out;
};

/* The addresses and MAC asked for or picked; refused set when one asked for is refused. */
static int pick_ids(const struct bpfnet_config *cfg,
		    const struct bpfnet_state *st, const struct setup_req *req,
		    struct in_addr *ip, struct in6_addr *ip6, uint8_t mac[6],
		    bool *refused)
{
	char why[160];
	int err;

	err = pick_address(cfg, st, req, ip);
	if (err) {
		*refused = req->ip && req->ip[0];
		return err;
	}
	err = pick_address6(cfg, st, req, ip6);
	if (err) {
		*refused = req->ip6 && req->ip6[0];
		return err;
	}
	if (!req->mac) {
		ipam_mac(*ip, mac);
		return 0;
	}
	err = ipam_mac_free(st, cfg, req->mac, why, sizeof(why));
	if (err) {
		pr_err("%s %02x:%02x:%02x:%02x:%02x:%02x %s", req->mac_from,
		       req->mac[0], req->mac[1], req->mac[2], req->mac[3],
		       req->mac[4], req->mac[5], why);
		*refused = true;
		return err;
	}
	memcpy(mac, req->mac, 6);
	return 0;
}

/* Add the container's record: address, MAC, veth name, ports. */
static int reserve(const struct bpfnet_config *cfg, struct nl *nl,
		   const struct setup_call *call, const struct ctr_netns *c,
		   struct bpfnet_state *st, struct endpoint_rec **out)
{
	const struct setup_req *req = call->req;
	struct endpoint_rec *rec;
	bool refused = false;
	struct in6_addr ip6;
	struct in_addr ip;
	uint8_t mac[6];
	int err;

	/* pick before adding the record: the new record must not count as a user */
	err = pick_ids(cfg, st, req, &ip, &ip6, mac, &refused);
	if (err) {
		if (call->out)
			call->out->refused = refused;
		return err;
	}
	rec = state_add(st);
	if (!rec)
		return -ENOMEM;
	rec->ip = ip;
	rec->ip6 = ip6;
	snprintf(rec->id, sizeof(rec->id), "%s", req->id);
	memcpy(rec->mac, mac, sizeof(rec->mac));
	ipam_veth_name(st, req->id, rec->veth);
	rec->pid = req->pid;
	if (req->netns)
		snprintf(rec->netns, sizeof(rec->netns), "%s", req->netns);
	snprintf(rec->ifname, sizeof(rec->ifname), "%s", cfg->iface);
	rec->netns_ino = c->ino;
	err = check_ports(cfg, nl, st, req, rec);
	if (err) {
		state_remove(st, rec);
		return err;
	}
	*out = rec;
	return 0;
}

/*
 * Set-up is reserve -> build -> commit. The reservation is saved before any
 * link exists, so a killed hook leaves a trace for gc; any later failure
 * takes the record out again (the one undo path: endpoint_build undoes its
 * own links), and the network's settings too when this run recorded them
 * (new_net) and no container is left.
 */
static int setup_locked(const struct bpfnet_config *cfg,
			const struct setup_call *call, struct nl *nl,
			struct state_session *s, bool new_net)
{
	const struct setup_req *req = call->req;
	struct net_plan plan = { 0 };
	struct endpoint_rec *rec;
	struct ctr_netns c;
	bool go;
	int err;

	err = ctr_netns_open(req, &c);
	if (err)
		return err;
	err = setup_wanted(cfg, req, nl, &c, &s->st, call->out, &go);
	if (!err && !go && s->st.n_gone)	/* a stale record was dropped */
		err = state_commit(s);
	if (err || !go)
		goto out;
	err = endpoint_plan(cfg, nl, &plan);
	if (!err)
		err = reserve(cfg, nl, call, &c, &s->st, &rec);
	if (!err)
		err = state_commit(s);
	if (err)
		goto out;
	err = fault_point(2, "address reserved");
	if (!err)
		err = endpoint_build(cfg, nl, &c.nl, c.fd, &s->st, rec, &plan);
	if (err) {
		state_remove(&s->st, rec);
		if (new_net && !s->st.n)
			s->st.net.recorded = false;
		state_commit(s);
		goto out;
	}
	rec->ready = true;
	err = state_commit(s);
	setup_note(cfg, rec, call->out);
	pr_info("container %s: %s on %s", rec->id, inet_ntoa(rec->ip), rec->veth);
out:
	ctr_netns_close(&c);
	return err;
}

/* Run fn with the state locked and loaded and a netlink socket open. */
static int with_state(const struct bpfnet_config *cfg,
		      int (*fn)(const struct bpfnet_config *, struct nl *,
				struct state_session *, const void *),
		      const void *arg)
{
	struct state_session s;
	struct nl nl;
	int err;

	err = state_begin(&s, cfg->state_dir, STATE_WRITE);
	if (err)
		goto out;
	err = nl_open(&nl);
	if (err) {
		pr_err("failed to open netlink: %s", strerror(-err));
		goto out;
	}
	err = fn(cfg, &nl, &s, arg);
	nl_close(&nl);
out:
	state_end(&s);
	return err;
}

/* The network's recorded settings, not this hook's defaults, are used. */
static int setup_cb(const struct bpfnet_config *cfg, struct nl *nl,
		    struct state_session *s, const void *arg)
{
	struct bpfnet_config net = *cfg;
	bool new_net = !s->st.net.recorded;
	int err = netrec_take(&s->st.net, s->st.n, &net, true);

	return err ? err : setup_locked(&net, arg, nl, s, new_net);
}

int setup_container(const struct bpfnet_config *cfg,
		    const struct setup_req *req, struct setup_out *out)
{
	struct setup_call call = { .req = req, .out = out };

	if (out)
		memset(out, 0, sizeof(*out));
	return with_state(cfg, setup_cb, &call);
}

int hook_setup(const struct bpfnet_config *cfg, const struct oci_state *oci)
{
	struct setup_req req = {
		.id = oci->id,
		.pid = oci->pid,
		.ip = oci->ip,
		.ip6 = oci->ip6,
		.ports = oci->ports,
		.ports_from = "bpfnet.ports",
	};

	return setup_container(cfg, &req, NULL);
}

static int teardown_locked(const struct bpfnet_config *cfg, struct nl *nl,
			   struct state_session *s, const void *arg)
{
	const struct teardown_req *req = arg;
	struct endpoint_rec *rec = state_find(&s->st, req->id), tmp = { 0 };

	if (!rec) {
		/* unknown or never recorded: remove a veth named after it */
		snprintf(tmp.id, sizeof(tmp.id), "%s", req->id);
		ipam_veth_name_salted(req->id, 0, tmp.veth);
		endpoint_release(cfg, nl, &tmp);
		pr_info("container %s was not set up by bpfnet", req->id);
		return 0;
	}
	if (req->ifname && rec->ifname[0] && strcmp(req->ifname, rec->ifname)) {
		pr_info("container %s has %s here, not %s: leaving it", req->id,
			rec->ifname, req->ifname);
		return 0;
	}
	fault_point(7, "teardown started");
	endpoint_release(cfg, nl, rec);
	fault_point(8, "links removed");
	state_remove(&s->st, rec);
	return state_commit(s);
}

int teardown_container(const struct bpfnet_config *cfg,
		       const struct teardown_req *req)
{
	return with_state(cfg, teardown_locked, req);
}

int hook_teardown(const struct bpfnet_config *cfg, const char *id)
{
	struct teardown_req req = { .id = id };

	return teardown_container(cfg, &req);
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
