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
#include "cni_ipam.h"
#include "cni_result.h"
#include "endpoint.h"
#include "fsutil.h"
#include "hook.h"
#include "addr6.h"
#include "ipam.h"
#include "ipam6.h"
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

/* ADD's result: the links as the kernel has them, the address as set up. */
static int add_reply(const struct cni_req *r, const struct setup_out *out,
		     const struct cJSON *dns)
{
	struct cni_attachment a = { .sandbox = r->netns, .dns = dns };
	struct link_info li;
	struct nl nl;
	int err;

	err = nl_open(&nl);
	if (!err) {
		err = link_get(&nl, out->veth, 0, &li);
		nl_close(&nl);
	}
	if (err) {
		pr_err("failed to read the host interface %s: %s", out->veth,
		       strerror(-err));
		return CNI_ERR_IO;
	}
	snprintf(a.host_if, sizeof(a.host_if), "%s", out->veth);
	memcpy(a.host_mac, li.mac, sizeof(a.host_mac));
	snprintf(a.ctr_if, sizeof(a.ctr_if), "%s", r->cfg.iface);
	memcpy(a.ctr_mac, out->mac, sizeof(a.ctr_mac));
	a.ip = out->ip;
	a.gateway = out->gateway;
	a.prefix = out->prefix;
	a.ip6 = out->ip6;
	a.gateway6 = out->gateway6;
	a.prefix6 = out->prefix6;
	return cni_print_result(r, &a) ? CNI_ERR_IO : CNI_OK;
}

/*
 * The ipam plugin's address as the container's: inside the subnet, its
 * gateway (if it names one) the network's. Set-up checks it again against
 * the network as recorded, and that no container has it.
 */
static int ipam_request(const struct cni_req *r, const struct ipam_result *res,
			char ip[INET_ADDRSTRLEN], struct setup_req *req)
{
	uint32_t mask = r->cfg.prefix ? htonl(~0u << (32 - r->cfg.prefix)) : 0;
	char gw[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &res->ip, ip, INET_ADDRSTRLEN);
	if ((res->ip.s_addr & mask) != r->cfg.subnet.s_addr) {
		pr_err("the ipam plugin's address %s is outside the subnet %s/%d",
		       ip, inet_ntoa(r->cfg.subnet), r->cfg.prefix);
		return CNI_ERR_CONFIG;
	}
	if (res->has_gateway && res->gateway.s_addr != r->cfg.gateway.s_addr) {
		inet_ntop(AF_INET, &res->gateway, gw, sizeof(gw));
		pr_err("the ipam plugin's gateway %s for %s is not the network's gateway %s",
		       gw, ip, inet_ntoa(r->cfg.gateway));
		return CNI_ERR_CONFIG;
	}
	req->ip = ip;
	req->ip_from = "the ipam plugin's address";
	return CNI_OK;
}

/*
 * The ipam plugin's IPv6 address, if it gave one, as the container's: the
 * network must have a subnet6, and its gateway (if it names one) be the
 * network's. Set-up checks the address against subnet6 and the records.
 */
static int ipam_request6(const struct cni_req *r, const struct ipam_result *res,
			 char ip6[INET6_ADDRSTRLEN], struct setup_req *req)
{
	char gw[INET6_ADDRSTRLEN], want[INET6_ADDRSTRLEN];

	if (!res->has_ip6)
		return CNI_OK;
	inet_ntop(AF_INET6, &res->ip6, ip6, INET6_ADDRSTRLEN);
	if (!r->cfg.prefix6) {
		pr_err("the ipam plugin's address %s is an IPv6 address and the network has no subnet6",
		       ip6);
		return CNI_ERR_CONFIG;
	}
	if (res->has_gateway6 &&
	    memcmp(&res->gateway6, &r->cfg.gateway6, sizeof(res->gateway6))) {
		inet_ntop(AF_INET6, &res->gateway6, gw, sizeof(gw));
		inet_ntop(AF_INET6, &r->cfg.gateway6, want, sizeof(want));
		pr_err("the ipam plugin's gateway %s for %s is not the network's gateway %s",
		       gw, ip6, want);
		return CNI_ERR_CONFIG;
	}
	req->ip6 = ip6;
	req->ip6_from = "the ipam plugin's IPv6 address";
	return CNI_OK;
}

/*
 * The hook's set-up in CNI_NETNS, with the address the ipam plugin gave,
 * or the one asked for, or one of the allocator's. An ipam address that
 * was not set up is given back (DEL) before the error is answered.
 */
static int cni_add(const struct cni_req *r)
{
	struct setup_req req = {
		.id = r->id,
		.netns = r->netns,
		.ip = r->want.ip,
		.ip_from = r->want.ip_from,
		.ip6 = r->want.ip6,
		.ip6_from = r->want.ip6_from,
		.mac = r->want.mac_from ? r->want.mac : NULL,
		.mac_from = r->want.mac_from,
		.ports = r->ports,
		.ports_from = "runtimeConfig.portMappings",
		.strict = true,
	};
	struct ipam_result ipam = { 0 };
	char ip[INET_ADDRSTRLEN], ip6[INET6_ADDRSTRLEN];
	struct setup_out out;
	int code = CNI_OK, err;

	if (access(r->netns, F_OK)) {
		pr_err("CNI_NETNS %s does not exist", r->netns);
		return CNI_ERR_UNKNOWN;
	}
	if (r->ipam) {
		code = cni_ipam_add(r, &ipam);
		if (code) {
			cni_ipam_result_free(&ipam);
			return code;
		}
		code = ipam_request(r, &ipam, ip, &req);
		if (!code)
			code = ipam_request6(r, &ipam, ip6, &req);
	}
	if (!code) {
		err = setup_container(&r->cfg, &req, &out);
		if (err)
			code = out.refused ? CNI_ERR_CONFIG : code_of(err, CNI_ERR_SETUP);
	}
	if (code && r->ipam)
		cni_ipam_run(r, "DEL", true);	/* not set up: give it back */
	if (!code)
		code = add_reply(r, &out, ipam.dns);
	cni_ipam_result_free(&ipam);
	return code;
}

/*
 * Whatever is gone already (the container, its namespace, the network) is
 * fine. The ipam plugin's address goes back after the links are gone.
 */
static int cni_del(const struct cni_req *r)
{
	struct teardown_req req = { .id = r->id, .ifname = r->ifname };
	int err = 0;

	if (access(r->cfg.state_dir, F_OK))
		pr_info("no network state in %s: nothing to remove", r->cfg.state_dir);
	else
		err = teardown_container(&r->cfg, &req);
	if (err)
		return code_of(err, CNI_ERR_TEARDOWN);
	return r->ipam ? cni_ipam_run(r, "DEL", false) : CNI_OK;
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
	char net6[CIDR6_STRLEN];
	struct in6_addr ip6;
	struct in_addr ip;
	int err, up, mtu;
	struct nl nl;

	err = state_begin(&s, net.state_dir, 0);
	if (!err)
		err = netrec_take(&s.st.net, s.st.n, &net, false);
	/* with ipam delegated, the addresses are the ipam plugin's to count */
	if (!err && !r->ipam && ipam_alloc(&s.st, &net, &ip) == -ENOSPC) {
		pr_err("address pool %s/%d is exhausted", inet_ntoa(net.subnet),
		       net.prefix);
		err = -ENOSPC;
	}
	if (!err && !r->ipam && net.prefix6 &&
	    ipam6_alloc(&s.st, &net, &ip6) == -ENOSPC) {
		cidr6_format(&net.subnet6, net.prefix6, net6, sizeof(net6));
		pr_err("IPv6 address pool %s is exhausted", net6);
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
	int code;

	switch (r->cmd) {
	case CNI_ADD:
		return cni_add(r);
	case CNI_DEL:
		return cni_del(r);
	case CNI_CHECK:
		code = cni_check(r);
		return !code && r->ipam ? cni_ipam_run(r, "CHECK", false) : code;
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
	log_verbose = r.cfg.verbose;
	if (!code)
		code = run(&r);
	if (code)
		cni_print_error(r.version, code);
	cni_req_free(&r);
	free(text);
	return code ? 1 : 0;
}
