// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "datapath.h"
#include "forwarding.h"
#include "endpoint.h"
#include "ipam.h"
#include "link.h"
#include "log.h"
#include "portstore.h"
#include "state.h"

int cmd_down(struct bpfnet_config *cfg, struct bpfnet_args *args)
{
	struct state_session s;
	struct bpfnet_state *st = &s.st;
	struct link_vec stray = { 0 };
	struct link_info br;
	char path[PATH_MAX];
	struct nl nl;
	int err;

	(void)args;	/* no words: main.c's table says so */
	if (state_begin(&s, cfg->state_dir, 0)) {
		if (s.lock < 0) {	/* not even locked: leave it all */
			state_end(&s);
			return 1;
		}
		pr_warn("ignoring the unreadable state; removing links by name");
	}
	err = nl_open(&nl);
	if (err) {
		pr_err("failed to open netlink: %s", strerror(-err));
		state_end(&s);
		return 1;
	}
	for (int i = 0; i < st->n; i++)
		endpoint_release(cfg, &nl, &st->eps[i]);
	if (!link_get(&nl, cfg->bridge, 0, &br) && !strcmp(br.kind, "bridge")) {
		/* veths of ours still on the bridge, recorded or not */
		link_list_veths(&nl, br.ifindex, BPFNET_VETH_PREFIX, &stray);
		for (int i = 0; i < stray.n; i++)
			if (oci_id_valid(stray.v[i].alias) &&
			    endpoint_link_ours(cfg, &nl, &stray.v[i], stray.v[i].alias))
				link_del(&nl, stray.v[i].ifindex);
		link_vec_free(&stray);
		if (strcmp(br.alias, BPFNET_BRIDGE_ALIAS)) {
			pr_warn("not deleting bridge %s: bpfnet did not create it",
				cfg->bridge);
		} else {
			err = link_del(&nl, br.ifindex);
			if (err)
				pr_err("failed to delete bridge %s: %s", cfg->bridge,
				       strerror(-err));
		}
	}
	nl_close(&nl);
	if (datapath_down(cfg))
		err = -EIO;
	forwarding_restore(cfg->state_dir);
	portstore_clear(cfg->state_dir);
	snprintf(path, sizeof(path), "%s/state.json", cfg->state_dir);
	unlink(path);
	state_end(&s);
	return err ? 1 : 0;
}
