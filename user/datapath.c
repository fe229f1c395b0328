// SPDX-License-Identifier: GPL-2.0
/*
 * The datapath from user space. The first hook loads the BPF object and
 * pins its programs and maps under the pin dir; every later one only opens
 * the pins (no verifier run) and attaches to its new veth (attach.c).
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <linux/magic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "attach.h"
#include "bpfnet.skel.h"
#include "datapath.h"
#include "forwarding.h"
#include "fsutil.h"
#include "link.h"
#include "log.h"
#include "mapiter.h"
#include "portmap.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

/* Every pin, and where its fd goes in struct dp. */
static const struct {
	const char *name;
	size_t off;
} pins[] = {
	{ BPFNET_PIN_CONFIG, offsetof(struct dp, cfg_fd) },
	{ BPFNET_PIN_ENDPOINTS, offsetof(struct dp, ep_fd) },
	{ BPFNET_PIN_CT, offsetof(struct dp, ct_fd) },
	{ BPFNET_PIN_RNAT, offsetof(struct dp, rnat_fd) },
	{ BPFNET_PIN_STATS, offsetof(struct dp, stats_fd) },
	{ BPFNET_PIN_EP_STATS, offsetof(struct dp, ep_stats_fd) },
	{ BPFNET_PIN_PORTMAPS, offsetof(struct dp, pm_fd) },
	{ BPFNET_PIN_DNAT_CT, offsetof(struct dp, dnat_ct_fd) },
	{ BPFNET_PIN_DNAT_REV, offsetof(struct dp, dnat_rev_fd) },
	{ BPFNET_PIN_SOCK_REV, offsetof(struct dp, sock_rev_fd) },
	{ BPFNET_PIN_PROG_FROM_CT, offsetof(struct dp, prog_from_ct) },
	{ BPFNET_PIN_PROG_UP_IN, offsetof(struct dp, prog_up_in) },
	{ BPFNET_PIN_PROG_UP_OUT, offsetof(struct dp, prog_up_out) },
	{ BPFNET_PIN_PROG_CONNECT4, offsetof(struct dp, sock.connect4) },
	{ BPFNET_PIN_PROG_SENDMSG4, offsetof(struct dp, sock.sendmsg4) },
	{ BPFNET_PIN_PROG_RECVMSG4, offsetof(struct dp, sock.recvmsg4) },
	{ BPFNET_PIN_PROG_PEERNAME4, offsetof(struct dp, sock.peername4) },
};
#define NPINS (sizeof(pins) / sizeof(pins[0]))

/* The map layouts this binary was built with: a pin that differs is stale. */
static const struct {
	size_t off;
	__u32 key, value;
} layouts[] = {
	{ offsetof(struct dp, cfg_fd), 4, sizeof(struct bpfnet_cfg) },
	{ offsetof(struct dp, ep_fd), 4, sizeof(struct bpfnet_endpoint) },
	{ offsetof(struct dp, ct_fd), sizeof(struct bpfnet_flow), sizeof(struct bpfnet_ct) },
	{ offsetof(struct dp, rnat_fd), sizeof(struct bpfnet_flow), sizeof(struct bpfnet_rnat) },
	{ offsetof(struct dp, stats_fd), 4, 8 },
	{ offsetof(struct dp, ep_stats_fd), 4, sizeof(struct bpfnet_ep_stats) },
	{ offsetof(struct dp, pm_fd), sizeof(struct bpfnet_pm_key), sizeof(struct bpfnet_pm_val) },
	{ offsetof(struct dp, dnat_ct_fd), sizeof(struct bpfnet_flow), sizeof(struct bpfnet_ct) },
	{ offsetof(struct dp, dnat_rev_fd), sizeof(struct bpfnet_flow), sizeof(struct bpfnet_dnat_rev) },
	{ offsetof(struct dp, sock_rev_fd), sizeof(struct bpfnet_sock_key), sizeof(struct bpfnet_sock_val) },
};

static bool layout_current(struct dp *dp)
{
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = *(int *)((char *)dp + layouts[i].off);

		if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
		    info.key_size != layouts[i].key ||
		    info.value_size != layouts[i].value)
			return false;
	}
	/* the map count also changes with the layout: all pins must exist */
	return true;
}

static bool any_pin(const struct bpfnet_config *cfg);

static int *pin_fd(struct dp *dp, size_t i)
{
	return (int *)((char *)dp + pins[i].off);
}

static void pin_path(const struct bpfnet_config *cfg, const char *name,
		     char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", cfg->pin_dir, name);
}

static int obj_get(const struct bpfnet_config *cfg, const char *name)
{
	char path[PATH_MAX];

	pin_path(cfg, name, path, sizeof(path));
	return bpf_obj_get(path);
}

void dp_close(struct dp *dp)
{
	for (size_t i = 0; i < NPINS; i++) {
		if (*pin_fd(dp, i) > 0)
			close(*pin_fd(dp, i));
		*pin_fd(dp, i) = -1;
	}
}

static int open_pins(const struct bpfnet_config *cfg, struct dp *dp)
{
	bool ok = true;

	for (size_t i = 0; i < NPINS; i++) {
		*pin_fd(dp, i) = obj_get(cfg, pins[i].name);
		ok = ok && *pin_fd(dp, i) >= 0;
	}
	if (!ok) {
		dp_close(dp);
		return -ENOENT;
	}
	return 0;
}

static bool dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool empty = true;

	if (!d)
		return false;
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

/*
 * The pin dir's parent must be a bpffs. Mount one there only where that
 * hides nothing: a directory this run creates, or the kernel's own empty
 * /sys/fs/bpf. Anything else (/, /tmp, /sys/fs, a directory with files)
 * is refused with the reason.
 */
static int ensure_bpffs(const struct bpfnet_config *cfg)
{
	char parent[PATH_MAX];
	struct statfs sfs;
	struct stat st;
	int err;

	snprintf(parent, sizeof(parent), "%s", cfg->pin_dir);
	dirname(parent);
	if (!statfs(parent, &sfs) && sfs.f_type == BPF_FS_MAGIC)
		return 0;
	if (!lstat(parent, &st)) {
		/* the kernel's own mount point, or one bpfnet made (0700, ours)
		 * whose mount is gone, e.g. after a reboot: empty either way */
		bool ours = S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
			    (st.st_mode & 07777) == 0700;

		if (!S_ISDIR(st.st_mode) || !dir_is_empty(parent) ||
		    (strcmp(parent, "/sys/fs/bpf") && !ours)) {
			pr_err("refusing to mount bpffs on %s: it exists and is not bpffs "
			       "(mount one there yourself, or use a --pin-dir whose parent is bpffs or does not exist yet)",
			       parent);
			return -EEXIST;
		}
	} else {
		err = ensure_private_dir(parent, 0700);	/* ours: created now */
		if (err)
			return err;
	}
	if (mount("bpf", parent, "bpf", 0, "mode=0700")) {
		int err = -errno;

		pr_err("failed to mount bpffs at %s: %s", parent, strerror(-err));
		return err;
	}
	pr_info("mounted bpffs at %s", parent);
	return 0;
}

static int load_and_pin(const struct bpfnet_config *cfg)
{
	struct bpfnet_bpf *skel;
	struct bpf_map *map;
	char path[PATH_MAX];
	int err;

	err = ensure_bpffs(cfg);
	if (err)
		return err;
	err = ensure_private_dir(cfg->pin_dir, 0700);
	if (err)
		return err;
	skel = bpfnet_bpf__open();
	if (!skel) {
		pr_err("failed to open the BPF object: %s", strerror(errno));
		return -errno;
	}
	bpf_object__for_each_map(map, skel->obj) {
		if (bpf_map__is_internal(map))
			continue;
		pin_path(cfg, bpf_map__name(map), path, sizeof(path));
		bpf_map__set_pin_path(map, path);
	}
	err = bpfnet_bpf__load(skel);
	if (err) {
		pr_err("failed to load the BPF programs: %s (run with -vv for the verifier log)",
		       strerror(-err));
		goto out;
	}
	struct {
		struct bpf_program *prog;
		const char *pin;
	} progs[] = {
		{ skel->progs.from_container, BPFNET_PIN_PROG_FROM_CT },
		{ skel->progs.uplink_ingress, BPFNET_PIN_PROG_UP_IN },
		{ skel->progs.uplink_egress, BPFNET_PIN_PROG_UP_OUT },
		{ skel->progs.sock_connect4, BPFNET_PIN_PROG_CONNECT4 },
		{ skel->progs.sock_sendmsg4, BPFNET_PIN_PROG_SENDMSG4 },
		{ skel->progs.sock_recvmsg4, BPFNET_PIN_PROG_RECVMSG4 },
		{ skel->progs.sock_getpeername4, BPFNET_PIN_PROG_PEERNAME4 },
	};
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]) && !err; i++) {
		pin_path(cfg, progs[i].pin, path, sizeof(path));
		err = bpf_program__pin(progs[i].prog, path);
	}
	if (err)
		pr_err("failed to pin the BPF programs in %s: %s", cfg->pin_dir,
		       strerror(-err));
	else
		pr_info("loaded and pinned the datapath in %s", cfg->pin_dir);
out:
	bpfnet_bpf__destroy(skel);
	return err;
}

static bool any_pin(const struct bpfnet_config *cfg)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < NPINS; i++) {
		pin_path(cfg, pins[i].name, path, sizeof(path));
		if (!access(path, F_OK))
			return true;
	}
	return false;
}

/* Take a stale datapath (an older layout, or pins half gone) out of service. */
static void retire_stale(const struct bpfnet_config *cfg)
{
	struct bpfnet_cfg c;
	__u32 zero = 0;
	int fd = obj_get(cfg, BPFNET_PIN_CONFIG);

	pr_warn("replacing the stale datapath pinned in %s", cfg->pin_dir);
	/* read the old uplink without assuming the old value layout */
	if (fd >= 0) {
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);
		char buf[256] = { 0 };

		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    info.value_size <= sizeof(buf) &&
		    info.value_size >= offsetof(struct bpfnet_cfg, uplink_ifindex) + 4 &&
		    !bpf_map_lookup_elem(fd, &zero, buf)) {
			memcpy(&c, buf, sizeof(c) < info.value_size ? sizeof(c) : info.value_size);
			if (c.uplink_ifindex)
				detach_uplink((int)c.uplink_ifindex);
		}
		close(fd);
	}
	/* old socket programs stay attached to the cgroup until detached */
	{
		struct dp old = { 0 };

		old.sock.connect4 = obj_get(cfg, BPFNET_PIN_PROG_CONNECT4);
		old.sock.sendmsg4 = obj_get(cfg, BPFNET_PIN_PROG_SENDMSG4);
		old.sock.recvmsg4 = obj_get(cfg, BPFNET_PIN_PROG_RECVMSG4);
		old.sock.peername4 = obj_get(cfg, BPFNET_PIN_PROG_PEERNAME4);
		detach_sock_progs(cfg, &old.sock);
		dp_close(&old);
	}
	dp_remove_pins(cfg);
}

int dp_open(const struct bpfnet_config *cfg, struct dp *dp, bool create)
{
	int err;

	memset(dp, 0, sizeof(*dp));
	err = open_pins(cfg, dp);
	if (!err && layout_current(dp))
		return 0;
	if (!err) {
		dp_close(dp);
		err = -ESTALE;
	}
	if (!create) {
		if (err == -ESTALE || any_pin(cfg))
			pr_err("the datapath pinned in %s is stale (another bpfnet version, or pins removed): run 'bpfnet gc'",
			       cfg->pin_dir);
		return err;
	}
	if (any_pin(cfg))
		retire_stale(cfg);
	err = load_and_pin(cfg);
	if (err) {
		dp_remove_pins(cfg);
		return err;
	}
	err = open_pins(cfg, dp);
	if (!err)
		dp->fresh = true;
	return err;
}

/* Forwarding on the interfaces bpfnet routes between, not host-wide. */
static int enable_forwarding(const struct bpfnet_config *cfg, int uplink_ifindex,
			     int bridge_ifindex)
{
	char up[IF_NAMESIZE], br[IF_NAMESIZE];
	int err;

	if (!if_indextoname((unsigned int)uplink_ifindex, up) ||
	    !if_indextoname((unsigned int)bridge_ifindex, br))
		return -errno;
	err = forwarding_enable(cfg->state_dir, br);
	return err ? err : forwarding_enable(cfg->state_dir, up);
}

static __u64 netns_cookie(void)
{
	__u64 cookie = 0;
	socklen_t len = sizeof(cookie);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd >= 0) {
		getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len);
		close(fd);
	}
	return cookie;
}

/* Write the network's settings into the config map. */
static int write_config(const struct bpfnet_config *bcfg, struct dp *dp,
			int uplink_ifindex, int bridge_ifindex)
{
	struct bpfnet_cfg c = { 0 };
	struct link_info br;
	struct in_addr up = { 0 };
	struct nl nl;
	__u32 zero = 0;
	int err;

	err = nl_open(&nl);
	if (err)
		return err;
	err = link_get(&nl, NULL, bridge_ifindex, &br);
	if (!err && uplink_ifindex && addr_first(&nl, uplink_ifindex, &up)) {
		pr_err("uplink has no IPv4 address to masquerade behind");
		err = -EADDRNOTAVAIL;
	}
	nl_close(&nl);
	if (err)
		return err;
	c.subnet = bcfg->subnet.s_addr;
	c.netmask = htonl(~0u << (32 - bcfg->prefix));
	c.gateway = bcfg->gateway.s_addr;
	c.uplink_addr = up.s_addr;
	c.uplink_ifindex = (__u32)uplink_ifindex;
	c.bridge_ifindex = (__u32)bridge_ifindex;
	c.port_min = (__u16)bcfg->port_min;
	c.port_max = (__u16)bcfg->port_max;
	memcpy(c.bridge_mac, br.mac, 6);
	c.enabled = 1;
	c.isolate = bcfg->isolate;
	c.netns_cookie = netns_cookie();
	return bpf_map_update_elem(dp->cfg_fd, &zero, &c, BPF_ANY) ? -errno : 0;
}

static int attach_uplink(const struct bpfnet_config *cfg, struct dp *dp,
			 int uplink_ifindex, int bridge_ifindex)
{
	int err;

	if (!uplink_ifindex)
		return 0;
	err = enable_forwarding(cfg, uplink_ifindex, bridge_ifindex);
	if (!err)
		err = attach_tc(uplink_ifindex, TC_INGRESS, dp->prog_up_in,
				"uplink_ingress");
	if (!err)
		err = attach_tc(uplink_ifindex, TC_EGRESS, dp->prog_up_out,
				"uplink_egress");
	if (err)
		pr_err("failed to attach to the uplink: %s", strerror(-err));
	return err;
}

static int publish_ports(struct dp *dp, const struct endpoint_rec *rec)
{
	int err;

	if (!rec->ports.n)
		return 0;
	err = portmap_apply(dp, rec->ip, rec->ports.v, rec->ports.n);
	if (err)
		pr_err("failed to publish %d port maps for %s: %s",
		       rec->ports.n, rec->id,
		       err == -EEXIST ? "a host port is already published" :
					strerror(-err));
	return err;
}

/* Publish one recorded endpoint in the maps and attach to its veth. */
static int endpoint_publish(struct dp *dp, const struct endpoint_rec *rec,
			    int veth_ifindex)
{
	struct bpfnet_endpoint ep = { .host_ifindex = (__u32)veth_ifindex };
	int err;

	memcpy(ep.mac, rec->mac, 6);
	if (bpf_map_update_elem(dp->ep_fd, &rec->ip.s_addr, &ep, BPF_ANY)) {
		err = -errno;
		pr_err("failed to add %s to the endpoint map: %s",
		       inet_ntoa(rec->ip), strerror(-err));
		return err;
	}
	err = attach_tc(veth_ifindex, TC_INGRESS, dp->prog_from_ct,
			"from_container");
	if (err) {
		pr_err("failed to attach to %s: %s", rec->veth, strerror(-err));
		return err;
	}
	return publish_ports(dp, rec);
}

/* After a fresh load: put every other recorded container back in the maps. */
static void resync(struct dp *dp, const struct bpfnet_state *st,
		   const struct endpoint_rec *skip)
{
	struct link_info li;
	struct nl nl;

	if (!st || nl_open(&nl))
		return;
	for (int i = 0; i < st->n; i++) {
		const struct endpoint_rec *e = &st->eps[i];

		if (e == skip || !e->ready || link_get(&nl, e->veth, 0, &li))
			continue;
		if (!endpoint_publish(dp, e, li.ifindex))
			pr_info("re-attached %s (%s)", e->id, inet_ntoa(e->ip));
	}
	nl_close(&nl);
}

int datapath_endpoint_add(const struct bpfnet_config *cfg,
			  const struct bpfnet_state *st,
			  const struct endpoint_rec *rec, int veth_ifindex,
			  int uplink_ifindex, int bridge_ifindex)
{
	struct dp dp;
	int err;

	err = dp_open(cfg, &dp, true);
	if (err)
		return err;
	err = write_config(cfg, &dp, uplink_ifindex, bridge_ifindex);
	if (err)
		goto out;
	err = attach_uplink(cfg, &dp, uplink_ifindex, bridge_ifindex);
	if (!err)
		err = attach_sock_progs(cfg, &dp.sock);
	if (err)
		goto out;
	if (dp.fresh)
		resync(&dp, st, rec);
	err = endpoint_publish(&dp, rec, veth_ifindex);
out:
	dp_close(&dp);
	return err;
}

int datapath_repair(const struct bpfnet_config *cfg,
		    const struct bpfnet_state *st)
{
	struct link_info br;
	int uplink = 0, mtu, err;
	struct nl nl;
	struct dp dp;

	err = nl_open(&nl);
	if (err)
		return err;
	err = link_get(&nl, cfg->bridge, 0, &br);
	if (!err)
		err = uplink_resolve(&nl, cfg->uplink, &uplink, &mtu);
	nl_close(&nl);
	if (err)
		return err;
	err = dp_open(cfg, &dp, true);
	if (err)
		return err;
	err = write_config(cfg, &dp, uplink, br.ifindex);
	if (!err)
		err = attach_uplink(cfg, &dp, uplink, br.ifindex);
	if (!err)
		err = attach_sock_progs(cfg, &dp.sock);
	if (!err)
		resync(&dp, st, NULL);
	dp_close(&dp);
	return err;
}

void flow_vec_push(struct flow_vec *v, const struct bpfnet_flow *k,
		   const struct bpfnet_ct *ct)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		struct bpfnet_flow *nk = realloc(v->keys, cap * sizeof(*nk));
		struct bpfnet_ct *nv;

		if (!nk)
			return;
		v->keys = nk;
		nv = realloc(v->vals, cap * sizeof(*nv));
		if (!nv)
			return;
		v->vals = nv;
		v->cap = cap;
	}
	v->keys[v->n] = *k;
	v->vals[v->n++] = *ct;
}

void flow_vec_free(struct flow_vec *v)
{
	free(v->keys);
	free(v->vals);
	memset(v, 0, sizeof(*v));
}

/* The flows of one container (all when caddr is 0), with their translation. */
struct flow_list {
	__be32 caddr;
	struct flow_vec v;
};

static void collect_flow(const void *key, const void *val, void *ctx)
{
	const struct bpfnet_flow *k = key;
	struct flow_list *l = ctx;

	if (!l->caddr || k->saddr == l->caddr)
		flow_vec_push(&l->v, k, val);
}

int dp_flush_flows(struct dp *dp, __be32 caddr)
{
	struct flow_list l = { .caddr = caddr };
	int removed = 0;

	map_for_each(dp->ct_fd, sizeof(struct bpfnet_flow), sizeof(struct bpfnet_ct),
		     collect_flow, &l);
	for (size_t i = 0; i < l.v.n; i++) {
		const struct bpfnet_flow *k = &l.v.keys[i];
		struct bpfnet_flow r = {
			.saddr = k->daddr, .daddr = l.v.vals[i].nat_addr,
			.sport = k->dport, .dport = l.v.vals[i].nat_port,
			.proto = k->proto,
		};

		bpf_map_delete_elem(dp->rnat_fd, &r);
		if (!bpf_map_delete_elem(dp->ct_fd, k))
			removed++;
	}
	flow_vec_free(&l.v);
	return removed;
}

void datapath_endpoint_del(const struct bpfnet_config *cfg,
			   const struct endpoint_rec *rec)
{
	struct dp dp;

	if (!rec->ip.s_addr || dp_open(cfg, &dp, false))
		return;
	if (rec->ports.n)
		portmap_unapply(&dp, rec->ip, rec->ports.v, rec->ports.n);
	bpf_map_delete_elem(dp.ep_fd, &rec->ip.s_addr);
	bpf_map_delete_elem(dp.ep_stats_fd, &rec->ip.s_addr);
	dp_flush_flows(&dp, rec->ip.s_addr);
	dp_close(&dp);
}

void dp_remove_pins(const struct bpfnet_config *cfg)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < NPINS; i++) {
		pin_path(cfg, pins[i].name, path, sizeof(path));
		unlink(path);
	}
	rmdir(cfg->pin_dir);
}

int datapath_down(const struct bpfnet_config *cfg)
{
	struct bpfnet_cfg c;
	struct dp dp;
	__u32 zero = 0;

	if (dp_open(cfg, &dp, false) == 0) {
		if (!bpf_map_lookup_elem(dp.cfg_fd, &zero, &c) && c.uplink_ifindex)
			detach_uplink((int)c.uplink_ifindex);
		detach_sock_progs(cfg, &dp.sock);
		dp_close(&dp);
	}
	dp_remove_pins(cfg);
	if (!access(cfg->pin_dir, F_OK)) {
		pr_err("failed to remove %s", cfg->pin_dir);
		return -EBUSY;
	}
	return 0;
}
