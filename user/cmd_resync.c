// SPDX-License-Identifier: GPL-2.0
/*
 * Following the uplink. Its address, its ifindex and the default route are
 * read when something asks: every hook, gc, `bpfnet resync`, and `bpfnet
 * watch`, which listens to netlink's link, address and route events and
 * resyncs after each burst of them. A resync writes the datapath's settings
 * from what the host has now (flows behind an address the uplink lost are
 * flushed), moves the uplink filters when the uplink is another interface,
 * and refreshes the edges and the host's addresses. The datapath never
 * needs `watch` to keep working: it only closes the gap until the next hook.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "datapath.h"
#include "dplinks.h"
#include "log.h"
#include "netrec.h"
#include "state.h"

/* What the datapath used before, for the line a resync prints. */
struct uplink_view {
	int ifindex;
	__be32 addr;
};

/* -ENOENT when no datapath is loaded (or -ESTALE, said by dp_open). */
static int view_of(const struct bpfnet_config *cfg, struct uplink_view *v)
{
	struct bpfnet_cfg c;
	struct dp dp;
	__u32 zero = 0;
	int err = dp_open(cfg, &dp, false);

	memset(v, 0, sizeof(*v));
	if (err)
		return err;
	if (!bpf_map_lookup_elem(dp.cfg_fd, &zero, &c)) {
		v->ifindex = (int)c.uplink_ifindex;
		v->addr = c.uplink_addr;
	}
	dp_close(&dp);
	return 0;
}

static void say_change(const struct uplink_view *was, const struct dp_links *now)
{
	char a[INET_ADDRSTRLEN] = "none", b[INET_ADDRSTRLEN] = "none";

	if (was->ifindex == now->uplink_ifindex &&
	    was->addr == now->uplink_addr.s_addr)
		return;
	if (was->addr)
		inet_ntop(AF_INET, &was->addr, a, sizeof(a));
	if (now->uplink_addr.s_addr)
		inet_ntop(AF_INET, &now->uplink_addr, b, sizeof(b));
	printf("resync: uplink %s, address %s (was ifindex %d, address %s)\n",
	       now->uplink_ifindex ? now->uplink_name : "none", b, was->ifindex, a);
	fflush(stdout);
}

/*
 * Bring the datapath to the host as it is now, under the state lock (a
 * hook may be running). 0, or -errno; -ENOENT quietly when nothing is
 * loaded (the first hook loads it).
 */
static int resync_once(const struct bpfnet_config *flags)
{
	struct bpfnet_config cfg = *flags;
	struct uplink_view was;
	struct state_session s;
	struct dp_links links;
	struct nl nl;
	int err;

	err = state_begin(&s, cfg.state_dir, STATE_WRITE | STATE_RECORDS);
	if (!err)	/* the network's recorded settings, not the flags' */
		err = netrec_take(&s.st.net, s.st.n, &cfg, false);
	if (!err)
		err = view_of(&cfg, &was);
	if (err)
		goto out;
	err = nl_open(&nl);
	if (err) {
		pr_err("failed to open netlink: %s", strerror(-err));
		goto out;
	}
	err = dp_links_lookup(&nl, &cfg, &links);
	if (err)
		pr_err("failed to look up bridge %s and uplink: %s", cfg.bridge,
		       strerror(-err));
	else
		err = datapath_reconfigure(&cfg, &links);
	if (!err)
		say_change(&was, &links);
	nl_close(&nl);
out:
	state_end(&s);
	return err;
}

int cmd_resync(struct bpfnet_config *cfg, struct bpfnet_args *args)
{
	int err = resync_once(cfg);

	(void)args;
	if (err == -ENOENT) {
		printf("resync: no datapath is loaded in %s\n", cfg->pin_dir);
		return 0;
	}
	return err ? 1 : 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Read every pending event; 1 when there was one, 0 when none, -errno. */
static int drain(struct mnl_socket *ev)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int any = 0;

	for (;;) {
		struct pollfd p = { .fd = mnl_socket_get_fd(ev), .events = POLLIN };
		int n = poll(&p, 1, 0);

		if (n <= 0)
			return n < 0 && errno != EINTR ? -errno : any;
		if (mnl_socket_recvfrom(ev, buf, sizeof(buf)) < 0 && errno != ENOBUFS)
			return -errno;
		any = 1;	/* ENOBUFS: events were lost; a resync covers them */
	}
}

/* Wait for the first event of a burst, then for the burst to end. */
static int wait_burst(struct mnl_socket *ev)
{
	struct timespec quiet = { 0, 100 * 1000 * 1000 };
	struct pollfd p = { .fd = mnl_socket_get_fd(ev), .events = POLLIN };
	int err;

	while (!stop && poll(&p, 1, 500) == 0)
		;
	if (stop)
		return 0;
	do {
		nanosleep(&quiet, NULL);
		err = drain(ev);
	} while (err > 0 && !stop);
	return err;
}

int cmd_watch(struct bpfnet_config *cfg, struct bpfnet_args *args)
{
	struct mnl_socket *ev = mnl_socket_open(NETLINK_ROUTE);
	struct sigaction sa = { .sa_handler = on_signal };
	int err;

	(void)args;
	/* IPv6 addresses too: net_config6 holds the uplink's (--subnet6) */
	if (!ev || mnl_socket_bind(ev, RTMGRP_LINK | RTMGRP_IPV4_IFADDR |
					  RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE,
				   MNL_SOCKET_AUTOPID)) {
		pr_err("failed to listen to netlink events: %s", strerror(errno));
		if (ev)
			mnl_socket_close(ev);
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("watch: following the uplink of %s\n", cfg->state_dir);
	fflush(stdout);
	/* a failed resync said why; the next event tries again */
	resync_once(cfg);
	err = 0;
	while (!stop && !err) {
		err = wait_burst(ev);
		if (!err && !stop)
			resync_once(cfg);
	}
	mnl_socket_close(ev);
	if (!err)
		return 0;
	pr_err("watch stopped: failed to read netlink events: %s", strerror(-err));
	return 1;
}
