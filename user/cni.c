// SPDX-License-Identifier: GPL-2.0
/*
 * The CNI plugin's commands. ADD and DEL are the hook's set-up and teardown
 * (hook.c) with the namespace named by CNI_NETNS; GC releases the CNI
 * attachments the runtime no longer lists; STATUS says whether ADD could
 * be served; CHECK lives in cni_check.c.
 */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni.h"
#include "cni_result.h"
#include "endpoint.h"
#include "fsutil.h"
#include "hook.h"
#include "ipam.h"
#include "link.h"
#include "log.h"
#include "netrec.h"
#include "state.h"

#define CNI_CONF_MAX (1 << 20)	/* bytes of network config accepted */

/* A set-up or teardown error as a CNI code: a held lock is worth a retry. */
static int code_of(int err, int code)
{
	return err == -ETIMEDOUT ? CNI_ERR_AGAIN : code;
}

static int cni_add(const struct cni_req *r)
{
	struct setup_req req = {
		.id = r->id,
		.netns = r->netns,
		.ports = r->ports,
		.ports_from = "runtimeConfig.portMappings",
		.strict = true,
	};
	struct cni_attachment a = { .sandbox = r->netns };
	struct setup_out out;
	struct link_info li;
	struct nl nl;
	int err;

	if (access(r->netns, F_OK)) {
		pr_err("CNI_NETNS %s does not exist", r->netns);
		return CNI_ERR_UNKNOWN;
	}
	err = setup_container(&r->cfg, &req, &out);
	if (err)
		return code_of(err, CNI_ERR_SETUP);
	err = nl_open(&nl);
	if (!err) {
		err = link_get(&nl, out.veth, 0, &li);
		nl_close(&nl);
	}
	if (err) {
		pr_err("failed to read the host interface %s: %s", out.veth,
		       strerror(-err));
		return CNI_ERR_IO;
	}
	snprintf(a.host_if, sizeof(a.host_if), "%s", out.veth);
	memcpy(a.host_mac, li.mac, sizeof(a.host_mac));
	snprintf(a.ctr_if, sizeof(a.ctr_if), "%s", r->cfg.iface);
	memcpy(a.ctr_mac, out.mac, sizeof(a.ctr_mac));
	a.ip = out.ip;
	a.gateway = out.gateway;
	a.prefix = out.prefix;
	return cni_print_result(r, &a) ? CNI_ERR_IO : CNI_OK;
}

/* Whatever is gone already (the container, its namespace, the network) is fine. */
static int cni_del(const struct cni_req *r)
{
	struct teardown_req req = { .id = r->id, .ifname = r->ifname };
	int err;

	if (access(r->cfg.state_dir, F_OK)) {
		pr_info("no network state in %s: nothing to remove", r->cfg.state_dir);
		return CNI_OK;
	}
	err = teardown_container(&r->cfg, &req);
	return err ? code_of(err, CNI_ERR_TEARDOWN) : CNI_OK;
}

/* Does cni.dev/valid-attachments list rec's container and interface? */
static bool listed(const cJSON *valid, const struct endpoint_rec *rec)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, valid) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "containerID");
		const cJSON *ifn = cJSON_GetObjectItemCaseSensitive(it, "ifname");

		if (cJSON_IsString(id) && !strcmp(id->valuestring, rec->id) &&
		    (!cJSON_IsString(ifn) || !rec->ifname[0] ||
		     !strcmp(ifn->valuestring, rec->ifname)))
			return true;
	}
	return false;
}

/*
 * Release every CNI attachment (a record with a namespace path) that the
 * runtime does not list. The OCI hook's containers are not the runtime's
 * to collect: they stay.
 */
static int gc_locked(const struct cni_req *r, struct state_session *s)
{
	struct bpfnet_state *st = &s->st;
	int n = 0, err;
	struct nl nl;

	err = nl_open(&nl);
	if (err) {
		pr_err("failed to open netlink: %s", strerror(-err));
		return CNI_ERR_IO;
	}
	for (int i = st->n - 1; i >= 0; i--) {
		if (!st->eps[i].netns[0] || listed(r->valid, &st->eps[i]))
			continue;
		pr_info("gc: releasing container %s", st->eps[i].id);
		endpoint_release(&r->cfg, &nl, &st->eps[i]);
		state_remove(st, &st->eps[i]);
		n++;
	}
	nl_close(&nl);
	if (n && state_commit(s))
		return CNI_ERR_TEARDOWN;
	return CNI_OK;
}

static int cni_gc(const struct cni_req *r)
{
	struct state_session s;
	int err, code;

	if (!r->valid) {
		pr_err("GC needs cni.dev/valid-attachments in the network config");
		return CNI_ERR_CONFIG;
	}
	if (access(r->cfg.state_dir, F_OK))
		return CNI_OK;	/* no network: nothing to collect */
	err = state_begin(&s, r->cfg.state_dir, STATE_WRITE);
	code = err ? code_of(err, CNI_ERR_TEARDOWN) : gc_locked(r, &s);
	state_end(&s);
	return code;
}

/* Could ADD be served: the state readable, the settings agreed, an address free, the uplink there? */
static int cni_status(const struct cni_req *r)
{
	struct bpfnet_config net = r->cfg;
	struct state_session s;
	struct in_addr ip;
	int err, up, mtu;
	struct nl nl;

	err = state_begin(&s, net.state_dir, 0);
	if (!err)
		err = netrec_take(&s.st.net, s.st.n, &net, false);
	if (!err && ipam_alloc(&s.st, &net, &ip) == -ENOSPC) {
		pr_err("address pool %s/%d is exhausted", inet_ntoa(net.subnet),
		       net.prefix);
		err = -ENOSPC;
	}
	state_end(&s);
	if (!err)
		err = nl_open(&nl);
	if (!err) {
		err = uplink_resolve(&nl, net.uplink, &up, &mtu);
		if (err)
			pr_err("uplink %s cannot be used: %s",
			       net.uplink[0] ? net.uplink : "(the default route's)",
			       strerror(-err));
		nl_close(&nl);
	}
	return err ? CNI_ERR_UNAVAILABLE : CNI_OK;
}

static int run(const struct cni_req *r)
{
	switch (r->cmd) {
	case CNI_ADD:
		return cni_add(r);
	case CNI_DEL:
		return cni_del(r);
	case CNI_CHECK:
		return cni_check(r);
	case CNI_GC:
		return cni_gc(r);
	case CNI_STATUS:
		return cni_status(r);
	case CNI_VERSION:
		cni_print_versions(r->version);
		return CNI_OK;
	}
	return CNI_ERR_ENV;
}

int cni_main(void)
{
	struct cni_req r;
	char *text = NULL;
	size_t len = 0;
	int err, code;

	log_setup_libbpf();
	err = read_fd(STDIN_FILENO, CNI_CONF_MAX, &text, &len);
	if (err) {
		pr_err("failed to read the network config on stdin: %s",
		       err == -EFBIG ? "larger than 1 MiB" : strerror(-err));
		cni_print_error("", err == -EFBIG ? CNI_ERR_DECODE : CNI_ERR_IO);
		return 1;
	}
	code = cni_req_parse(&r, text, len);
	free(text);
	log_verbose = r.cfg.verbose;
	if (!code)
		code = run(&r);
	if (code)
		cni_print_error(r.version, code);
	cni_req_free(&r);
	return code ? 1 : 0;
}
