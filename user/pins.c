// SPDX-License-Identifier: GPL-2.0
/*
 * Pins: load and pin the BPF object once, open the pins every later time,
 * and tell a pinned datapath of another layout (stale) from a current one.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "bpfnet.objid.h"
#include "bpfnet.skel.h"
#include "bpfnet_shared.h"
#include "fsutil.h"
#include "log.h"
#include "pins.h"

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
	{ BPFNET_PIN_CONFIG6, offsetof(struct dp, cfg6_fd) },
	{ BPFNET_PIN_ENDPOINTS6, offsetof(struct dp, ep6_fd) },
	{ BPFNET_PIN_CT6, offsetof(struct dp, ct6_fd) },
	{ BPFNET_PIN_FRAG6_IN, offsetof(struct dp, frag6_in_fd) },
	{ BPFNET_PIN_FRAG6_OUT, offsetof(struct dp, frag6_out_fd) },
	{ BPFNET_PIN_FRAG6_RNAT, offsetof(struct dp, frag6_rnat_fd) },
	{ BPFNET_PIN_RNAT6, offsetof(struct dp, rnat6_fd) },
	{ BPFNET_PIN_CT, offsetof(struct dp, ct_fd) },
	{ BPFNET_PIN_RNAT, offsetof(struct dp, rnat_fd) },
	{ BPFNET_PIN_STATS, offsetof(struct dp, stats_fd) },
	{ BPFNET_PIN_EP_STATS, offsetof(struct dp, ep_stats_fd) },
	{ BPFNET_PIN_PORTMAPS, offsetof(struct dp, pm_fd) },
	{ BPFNET_PIN_PORTMAPS6, offsetof(struct dp, pm6_fd) },
	{ BPFNET_PIN_DNAT_CT, offsetof(struct dp, dnat_ct_fd) },
	{ BPFNET_PIN_DNAT_REV, offsetof(struct dp, dnat_rev_fd) },
	{ BPFNET_PIN_SOCK_REV, offsetof(struct dp, sock_rev_fd) },
	{ BPFNET_PIN_SOCK_REV6, offsetof(struct dp, sock_rev6_fd) },
	{ BPFNET_PIN_DNAT6_CT, offsetof(struct dp, dnat6_ct_fd) },
	{ BPFNET_PIN_DNAT6_REV, offsetof(struct dp, dnat6_rev_fd) },
	{ BPFNET_PIN_CT6_NEW, offsetof(struct dp, ct6_new_fd) },
	{ BPFNET_PIN_RNAT6_NEW, offsetof(struct dp, rnat6_new_fd) },
	{ BPFNET_PIN_DNAT6_CT_NEW, offsetof(struct dp, dnat6_ct_new_fd) },
	{ BPFNET_PIN_DNAT6_REV_NEW, offsetof(struct dp, dnat6_rev_new_fd) },
	{ BPFNET_PIN_NAT46_CT, offsetof(struct dp, nat46_ct_fd) },
	{ BPFNET_PIN_NAT46_REV, offsetof(struct dp, nat46_rev_fd) },
	{ BPFNET_PIN_HOST_ADDRS, offsetof(struct dp, host_addrs_fd) },
	{ BPFNET_PIN_FRAG_NAT, offsetof(struct dp, frag_nat_fd) },
	{ BPFNET_PIN_PROTO_NAT, offsetof(struct dp, proto_nat_fd) },
	{ BPFNET_PIN_MONITOR_RING, offsetof(struct dp, mon_ring_fd) },
	{ BPFNET_PIN_MONITOR_CTL, offsetof(struct dp, mon_ctl_fd) },
	{ BPFNET_PIN_MONITOR_BUDGET, offsetof(struct dp, mon_budget_fd) },
	{ BPFNET_PIN_PEER_RNAT, offsetof(struct dp, peer_rnat_fd) },
	{ BPFNET_PIN_PEER_PORTMAPS, offsetof(struct dp, peer_pm_fd) },
	{ BPFNET_PIN_PEER_RNAT_NEW, offsetof(struct dp, peer_rnat_new_fd) },
	{ BPFNET_PIN_HOST_ADDRS6, offsetof(struct dp, host_addrs6_fd) },
	{ BPFNET_PIN_PEER_RNAT6, offsetof(struct dp, peer_rnat6_fd) },
	{ BPFNET_PIN_PEER_PORTMAPS6, offsetof(struct dp, peer_pm6_fd) },
	{ BPFNET_PIN_CT_NEW, offsetof(struct dp, ct_new_fd) },
	{ BPFNET_PIN_RNAT_NEW, offsetof(struct dp, rnat_new_fd) },
	{ BPFNET_PIN_DNAT_CT_NEW, offsetof(struct dp, dnat_ct_new_fd) },
	{ BPFNET_PIN_DNAT_REV_NEW, offsetof(struct dp, dnat_rev_new_fd) },
	{ BPFNET_PIN_PROG_FROM_CT, offsetof(struct dp, prog_from_ct) },
	{ BPFNET_PIN_PROG_TO_CT, offsetof(struct dp, prog_to_ct) },
	{ BPFNET_PIN_PROG_UP_IN, offsetof(struct dp, prog_up_in) },
	{ BPFNET_PIN_PROG_UP_OUT, offsetof(struct dp, prog_up_out) },
	{ BPFNET_PIN_PROG_CONNECT4, offsetof(struct dp, sock.connect4) },
	{ BPFNET_PIN_PROG_SENDMSG4, offsetof(struct dp, sock.sendmsg4) },
	{ BPFNET_PIN_PROG_RECVMSG4, offsetof(struct dp, sock.recvmsg4) },
	{ BPFNET_PIN_PROG_PEERNAME4, offsetof(struct dp, sock.peername4) },
	{ BPFNET_PIN_PROG_CONNECT6, offsetof(struct dp, sock.connect6) },
	{ BPFNET_PIN_PROG_SENDMSG6, offsetof(struct dp, sock.sendmsg6) },
	{ BPFNET_PIN_PROG_RECVMSG6, offsetof(struct dp, sock.recvmsg6) },
	{ BPFNET_PIN_PROG_PEERNAME6, offsetof(struct dp, sock.peername6) },
};
#define NPINS (sizeof(pins) / sizeof(pins[0]))

/* The map layouts this binary was built with: a pin that differs is stale. */
static const struct {
	size_t off;
	__u32 key, value;
} layouts[] = {
	{ offsetof(struct dp, cfg_fd), 4, sizeof(struct bpfnet_cfg) },
	{ offsetof(struct dp, ep_fd), 4, sizeof(struct bpfnet_endpoint) },
	{ offsetof(struct dp, cfg6_fd), 4, sizeof(struct bpfnet_cfg6) },
	{ offsetof(struct dp, ep6_fd), sizeof(struct bpfnet_in6), sizeof(struct bpfnet_endpoint) },
	{ offsetof(struct dp, ct6_fd), sizeof(struct bpfnet_flow6), sizeof(struct bpfnet_ct6) },
	{ offsetof(struct dp, frag6_in_fd), sizeof(struct bpfnet_frag6_key), 8 },
	{ offsetof(struct dp, frag6_out_fd), sizeof(struct bpfnet_frag6_key),
	  sizeof(struct bpfnet_frag6_val) },
	{ offsetof(struct dp, frag6_rnat_fd), sizeof(struct bpfnet_frag6_key),
	  sizeof(struct bpfnet_frag6_val) },
	{ offsetof(struct dp, rnat6_fd), sizeof(struct bpfnet_flow6), sizeof(struct bpfnet_flow6) },
	{ offsetof(struct dp, ct_fd), sizeof(struct bpfnet_flow), sizeof(struct bpfnet_ct) },
	{ offsetof(struct dp, rnat_fd), sizeof(struct bpfnet_flow), sizeof(struct bpfnet_rnat) },
	{ offsetof(struct dp, stats_fd), 4, 8 },
	{ offsetof(struct dp, ep_stats_fd), 4, sizeof(struct bpfnet_ep_stats) },
	{ offsetof(struct dp, pm_fd), sizeof(struct bpfnet_pm_key), sizeof(struct bpfnet_pm_val) },
	{ offsetof(struct dp, pm6_fd), sizeof(struct bpfnet_pm6_key), sizeof(struct bpfnet_pm6_val) },
	{ offsetof(struct dp, dnat_ct_fd), sizeof(struct bpfnet_flow), sizeof(struct bpfnet_ct) },
	{ offsetof(struct dp, dnat_rev_fd), sizeof(struct bpfnet_flow), sizeof(struct bpfnet_dnat_rev) },
	{ offsetof(struct dp, sock_rev_fd), sizeof(struct bpfnet_sock_key), sizeof(struct bpfnet_sock_val) },
	{ offsetof(struct dp, sock_rev6_fd), sizeof(struct bpfnet_sock6_key), sizeof(struct bpfnet_sock6_val) },
	{ offsetof(struct dp, dnat6_ct_fd), sizeof(struct bpfnet_flow6), sizeof(struct bpfnet_ct6) },
	{ offsetof(struct dp, dnat6_rev_fd), sizeof(struct bpfnet_flow6), sizeof(struct bpfnet_flow6) },
	{ offsetof(struct dp, ct6_new_fd), sizeof(struct bpfnet_flow6), sizeof(struct bpfnet_ct6) },
	{ offsetof(struct dp, rnat6_new_fd), sizeof(struct bpfnet_flow6), sizeof(struct bpfnet_flow6) },
	{ offsetof(struct dp, dnat6_ct_new_fd), sizeof(struct bpfnet_flow6), sizeof(struct bpfnet_ct6) },
	{ offsetof(struct dp, dnat6_rev_new_fd), sizeof(struct bpfnet_flow6),
	  sizeof(struct bpfnet_flow6) },
	{ offsetof(struct dp, nat46_ct_fd), sizeof(struct bpfnet_flow6), sizeof(struct bpfnet_nat46) },
	{ offsetof(struct dp, nat46_rev_fd), sizeof(struct bpfnet_flow), sizeof(struct bpfnet_flow6) },
	{ offsetof(struct dp, host_addrs_fd), 4, 4 },
	{ offsetof(struct dp, frag_nat_fd), sizeof(struct bpfnet_frag_key), sizeof(struct bpfnet_frag_val) },
	{ offsetof(struct dp, proto_nat_fd), sizeof(struct bpfnet_proto_key), sizeof(struct bpfnet_proto_val) },
	{ offsetof(struct dp, mon_ring_fd), 0, 0 },
	{ offsetof(struct dp, mon_ctl_fd), 4, sizeof(struct bpfnet_monitor_ctl) },
	{ offsetof(struct dp, mon_budget_fd), 4, sizeof(struct bpfnet_monitor_budget) },
	{ offsetof(struct dp, peer_rnat_fd), 4, 4 },
	{ offsetof(struct dp, peer_pm_fd), 4, 4 },
	{ offsetof(struct dp, peer_rnat_new_fd), 4, 4 },
	{ offsetof(struct dp, host_addrs6_fd), sizeof(struct bpfnet_in6), 4 },
	{ offsetof(struct dp, peer_rnat6_fd), 4, 4 },
	{ offsetof(struct dp, peer_pm6_fd), 4, 4 },
	{ offsetof(struct dp, ct_new_fd), sizeof(struct bpfnet_flow), sizeof(struct bpfnet_ct) },
	{ offsetof(struct dp, rnat_new_fd), sizeof(struct bpfnet_flow), sizeof(struct bpfnet_rnat) },
	{ offsetof(struct dp, dnat_ct_new_fd), sizeof(struct bpfnet_flow), sizeof(struct bpfnet_ct) },
	{ offsetof(struct dp, dnat_rev_new_fd), sizeof(struct bpfnet_flow), sizeof(struct bpfnet_dnat_rev) },
};

/* The build of the programs that loaded the pinned maps (0: unknown). */
static __u32 pinned_build(const struct dp *dp)
{
	struct bpfnet_cfg c;
	__u32 zero = 0;

	return bpf_map_lookup_elem(dp->cfg_fd, &zero, &c) ? 0 : c.obj_id;
}

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
	return pinned_build(dp) == BPFNET_OBJ_ID;
}

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

/* Say which build loaded these maps (net_config is filled in later). */
static int mark_build(struct bpfnet_bpf *skel)
{
	struct bpfnet_cfg c = { .obj_id = BPFNET_OBJ_ID };
	__u32 zero = 0;

	if (!bpf_map__update_elem(skel->maps.net_config, &zero, sizeof(zero),
				  &c, sizeof(c), BPF_ANY))
		return 0;
	pr_err("failed to write net_config: %s", strerror(errno));
	return -errno;
}

/*
 * A template for the inner maps of a peer table: a map like `like`, of n
 * slots. (libbpf 1.1 crashes on bpf_map__set_max_entries of the template
 * it keeps, bpf_map__inner_map(): its obj is NULL; so we make our own.)
 */
static int inner_template(struct bpf_map *outer, struct bpf_map *like,
			  unsigned int n, int *fd)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts,
		    .map_flags = bpf_map__map_flags(like));

	*fd = bpf_map_create(bpf_map__type(like), "peer_inner",
			     bpf_map__key_size(like), bpf_map__value_size(like),
			     n, &opts);
	if (*fd < 0)
		return -errno;
	return bpf_map__set_inner_map_fd(outer, *fd);
}

/*
 * The flow tables get the network's --flow-table-size (the new-flow tables
 * half), before load. The peer tables' inner map templates follow, so the
 * kernel's inner map check compares like with like even where it still
 * compares max_entries for hash maps (before Linux 5.10; peers.c says what
 * a mismatch costs there). port_maps keeps its size, and so its template.
 * The templates' fds go in tmpl[2], to close once loaded.
 */
static int size_flow_tables(struct bpfnet_bpf *skel, unsigned int n, int *tmpl)
{
	struct bpf_map *full[] = {
		skel->maps.conntrack, skel->maps.rev_nat, skel->maps.dnat_ct,
		skel->maps.dnat_rev, skel->maps.conntrack6, skel->maps.rev_nat6,
		skel->maps.dnat6_ct, skel->maps.dnat6_rev, skel->maps.nat46_ct,
		skel->maps.nat46_rev,
	};
	struct bpf_map *half[] = {
		skel->maps.ct_new, skel->maps.rev_nat_new, skel->maps.dnat_ct_new,
		skel->maps.dnat_rev_new, skel->maps.ct6_new, skel->maps.rev_nat6_new,
		skel->maps.dnat6_ct_new, skel->maps.dnat6_rev_new,
	};
	unsigned int n_new;
	int err = 0;

	if (!n)
		n = BPFNET_FLOW_TABLE_FALLBACK;
	n_new = flow_table_new_size(n);
	for (size_t i = 0; i < sizeof(full) / sizeof(full[0]) && !err; i++)
		err = bpf_map__set_max_entries(full[i], n);
	for (size_t i = 0; i < sizeof(half) / sizeof(half[0]) && !err; i++)
		err = bpf_map__set_max_entries(half[i], n_new);
	if (!err)
		err = inner_template(skel->maps.peer_rev_nat, skel->maps.rev_nat,
				     n, &tmpl[0]);
	if (!err)
		err = inner_template(skel->maps.peer_rnat_new,
				     skel->maps.rev_nat_new, n_new, &tmpl[1]);
	if (err)
		pr_err("failed to size the flow tables to %u: %s", n, strerror(-err));
	return err;
}

static int load_and_pin(const struct bpfnet_config *cfg)
{
	struct bpfnet_bpf *skel;
	struct bpf_map *map;
	char path[PATH_MAX];
	int err, tmpl[2] = { -1, -1 };

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
	err = size_flow_tables(skel, cfg->flow_table_size, tmpl);
	if (err)
		goto out;
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
		{ skel->progs.to_container, BPFNET_PIN_PROG_TO_CT },
		{ skel->progs.uplink_ingress, BPFNET_PIN_PROG_UP_IN },
		{ skel->progs.uplink_egress, BPFNET_PIN_PROG_UP_OUT },
		{ skel->progs.sock_connect4, BPFNET_PIN_PROG_CONNECT4 },
		{ skel->progs.sock_sendmsg4, BPFNET_PIN_PROG_SENDMSG4 },
		{ skel->progs.sock_recvmsg4, BPFNET_PIN_PROG_RECVMSG4 },
		{ skel->progs.sock_getpeername4, BPFNET_PIN_PROG_PEERNAME4 },
		{ skel->progs.sock_connect6, BPFNET_PIN_PROG_CONNECT6 },
		{ skel->progs.sock_sendmsg6, BPFNET_PIN_PROG_SENDMSG6 },
		{ skel->progs.sock_recvmsg6, BPFNET_PIN_PROG_RECVMSG6 },
		{ skel->progs.sock_getpeername6, BPFNET_PIN_PROG_PEERNAME6 },
	};
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]) && !err; i++) {
		pin_path(cfg, progs[i].pin, path, sizeof(path));
		err = bpf_program__pin(progs[i].prog, path);
	}
	if (err)
		pr_err("failed to pin the BPF programs in %s: %s", cfg->pin_dir,
		       strerror(-err));
	else
		err = mark_build(skel);
	if (!err)
		pr_info("loaded and pinned the datapath in %s", cfg->pin_dir);
out:
	bpfnet_bpf__destroy(skel);
	for (int i = 0; i < 2; i++)
		if (tmpl[i] >= 0)
			close(tmpl[i]);
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
				detach_filters((int)c.uplink_ifindex, cfg->state_dir);
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
		old.sock.connect6 = obj_get(cfg, BPFNET_PIN_PROG_CONNECT6);
		old.sock.sendmsg6 = obj_get(cfg, BPFNET_PIN_PROG_SENDMSG6);
		old.sock.recvmsg6 = obj_get(cfg, BPFNET_PIN_PROG_RECVMSG6);
		old.sock.peername6 = obj_get(cfg, BPFNET_PIN_PROG_PEERNAME6);
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

void dp_remove_pins(const struct bpfnet_config *cfg)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < NPINS; i++) {
		pin_path(cfg, pins[i].name, path, sizeof(path));
		unlink(path);
	}
	rmdir(cfg->pin_dir);
}
