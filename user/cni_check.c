// SPDX-License-Identifier: GPL-2.0
/*
 * CNI CHECK: is a container's network still as ADD made it? Its record,
 * both ends of its veth, its address and default route inside its
 * namespace, its published ports in the port map, and prevResult's address.
 */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_addr.h>

#include "addr6.h"
#include "cni.h"
#include "datapath.h"
#include "endpoint.h"
#include "link.h"
#include "link6.h"
#include "log.h"
#include "netns.h"
#include "netrec.h"
#include "portmap.h"
#include "state.h"

/* The record of r's attachment, alive in CNI_NETNS. */
static int check_record(const struct cni_req *r, const struct bpfnet_state *st,
			const struct endpoint_rec **out)
{
	const struct endpoint_rec *rec = state_find(st, r->id);

	if (!rec || (rec->ifname[0] && strcmp(rec->ifname, r->ifname))) {
		pr_err("container %s has no interface %s on this network", r->id,
		       r->ifname);
		return CNI_ERR_UNKNOWN;
	}
	if (!rec->ready) {
		pr_err("the set-up of container %s did not finish", r->id);
		return CNI_ERR_CHECK;
	}
	if (strcmp(rec->netns, r->netns)) {
		pr_err("container %s was set up in %s, not in %s", r->id,
		       rec->netns[0] ? rec->netns : "a process's namespace",
		       r->netns);
		return CNI_ERR_CHECK;
	}
	if (!state_rec_alive(rec)) {
		pr_err("the network namespace %s of container %s is gone", r->netns,
		       r->id);
		return CNI_ERR_CHECK;
	}
	*out = rec;
	return CNI_OK;
}

/* The host end: there, bpfnet's, up. */
static int check_host_end(const struct bpfnet_config *cfg, struct nl *nl,
			  const struct endpoint_rec *rec)
{
	struct link_info li;

	if (link_get(nl, rec->veth, 0, &li)) {
		pr_err("the host interface %s of container %s is missing", rec->veth,
		       rec->id);
		return CNI_ERR_CHECK;
	}
	if (!endpoint_link_ours(cfg, nl, &li, rec->id) || !li.master) {
		pr_err("%s is not the veth bpfnet made for %s on %s", rec->veth,
		       rec->id, cfg->bridge);
		return CNI_ERR_CHECK;
	}
	if (!li.up) {
		pr_err("the host interface %s of container %s is down", rec->veth,
		       rec->id);
		return CNI_ERR_CHECK;
	}
	return CNI_OK;
}

static bool has_address(struct nl *cnl, int ifindex, struct in_addr ip,
			int prefix)
{
	struct host_addr addrs[BPFNET_MAX_HOST_ADDRS];
	int n = addr_list(cnl, addrs, BPFNET_MAX_HOST_ADDRS);

	for (int i = 0; i < n && i < BPFNET_MAX_HOST_ADDRS; i++)
		if (addrs[i].ifindex == ifindex && addrs[i].addr.s_addr == ip.s_addr &&
		    addrs[i].prefix == prefix)
			return true;
	return false;
}

/* With --subnet6: the IPv6 address (usable: not tentative) and default route. */
static int check_inside6(const struct bpfnet_config *cfg, struct nl *cnl,
			 const struct endpoint_rec *rec, int ifindex)
{
	char ip[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN];
	struct in6_addr via;
	uint32_t flags;
	int prefix, oif;

	if (in6_is_zero(&rec->ip6))
		return CNI_OK;
	inet_ntop(AF_INET6, &rec->ip6, ip, sizeof(ip));
	inet_ntop(AF_INET6, &cfg->gateway6, gw, sizeof(gw));
	if (addr6_find(cnl, ifindex, &rec->ip6, &prefix, &flags) ||
	    prefix != cfg->prefix6 ||
	    (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED))) {
		pr_err("%s of container %s does not have its address %s/%d",
		       cfg->iface, rec->id, ip, cfg->prefix6);
		return CNI_ERR_CHECK;
	}
	if (route6_default_via(cnl, &oif, &via) || oif != ifindex ||
	    memcmp(&via, &cfg->gateway6, sizeof(via))) {
		pr_err("container %s has no IPv6 default route via %s dev %s",
		       rec->id, gw, cfg->iface);
		return CNI_ERR_CHECK;
	}
	return CNI_OK;
}

/* Inside the namespace: the interface, its MAC, address and default route. */
static int check_inside(const struct bpfnet_config *cfg, struct nl *cnl,
			const struct endpoint_rec *rec)
{
	char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];
	struct link_info eth;
	struct in_addr via;
	int oif;

	inet_ntop(AF_INET, &rec->ip, ip, sizeof(ip));
	inet_ntop(AF_INET, &cfg->gateway, gw, sizeof(gw));
	if (link_get(cnl, cfg->iface, 0, &eth) || strcmp(eth.kind, "veth") ||
	    memcmp(eth.mac, rec->mac, sizeof(eth.mac))) {
		pr_err("container %s has no veth %s with the MAC bpfnet gave it",
		       rec->id, cfg->iface);
		return CNI_ERR_CHECK;
	}
	if (!eth.up) {
		pr_err("%s of container %s is down", cfg->iface, rec->id);
		return CNI_ERR_CHECK;
	}
	if (!has_address(cnl, eth.ifindex, rec->ip, cfg->prefix)) {
		pr_err("%s of container %s does not have its address %s/%d",
		       cfg->iface, rec->id, ip, cfg->prefix);
		return CNI_ERR_CHECK;
	}
	if (route_default_via(cnl, &oif, &via) || oif != eth.ifindex ||
	    via.s_addr != cfg->gateway.s_addr) {
		pr_err("container %s has no default route via %s dev %s", rec->id,
		       gw, cfg->iface);
		return CNI_ERR_CHECK;
	}
	return check_inside6(cfg, cnl, rec, eth.ifindex);
}

static int check_netns(const struct bpfnet_config *cfg,
		       const struct endpoint_rec *rec)
{
	uint64_t ino;
	struct nl cnl;
	int fd, code;

	fd = netns_open_path(rec->netns, &ino);
	if (fd < 0 || ino != rec->netns_ino) {
		pr_err("cannot open the network namespace %s of container %s",
		       rec->netns, rec->id);
		if (fd >= 0)
			close(fd);
		return CNI_ERR_CHECK;
	}
	code = nl_open_in(&cnl, fd) ? CNI_ERR_IO : CNI_OK;
	close(fd);
	if (code) {
		pr_err("failed to open netlink in the namespace of container %s",
		       rec->id);
		return code;
	}
	code = check_inside(cfg, &cnl, rec);
	nl_close(&cnl);
	return code;
}

static int check_ports(const struct bpfnet_config *cfg,
		       const struct endpoint_rec *rec)
{
	char why[200];
	struct dp dp;
	int err;

	if (!rec->ports.n)
		return CNI_OK;
	if (dp_open(cfg, &dp, false)) {
		pr_err("no datapath is loaded in %s: the ports of %s are not published",
		       cfg->pin_dir, rec->id);
		return CNI_ERR_CHECK;
	}
	err = portmap_missing(&dp, rec, rec->ports.v, rec->ports.n, why,
			      sizeof(why));
	dp_close(&dp);
	if (err)
		pr_err("container %s: %s", rec->id, why);
	return err ? CNI_ERR_CHECK : CNI_OK;
}

/* Does prevResult's "ips" list want? */
static bool prev_lists(const struct cni_req *r, const char *want)
{
	const cJSON *ips = cJSON_GetObjectItemCaseSensitive(r->prev, "ips"), *it;

	cJSON_ArrayForEach(it, ips) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(it, "address");

		if (cJSON_IsString(a) && !strcmp(a->valuestring, want))
			return true;
	}
	return false;
}

/* prevResult (ADD's result) lists the addresses the record holds. */
static int check_prev(const struct cni_req *r, const struct bpfnet_config *cfg,
		      const struct endpoint_rec *rec)
{
	char want[CIDR6_STRLEN];

	if (!r->prev)
		return CNI_OK;
	inet_ntop(AF_INET, &rec->ip, want, INET_ADDRSTRLEN);
	snprintf(want + strlen(want), 4, "/%d", cfg->prefix);
	if (prev_lists(r, want) && !in6_is_zero(&rec->ip6))
		cidr6_format(&rec->ip6, cfg->prefix6, want, sizeof(want));
	if (prev_lists(r, want))
		return CNI_OK;
	pr_err("prevResult does not list the address of container %s (%s)",
	       rec->id, want);
	return CNI_ERR_CHECK;
}

int cni_check(const struct cni_req *r)
{
	struct bpfnet_config net = r->cfg;
	const struct endpoint_rec *rec;
	struct state_session s;
	struct nl nl;
	int code;

	if (access(net.state_dir, F_OK)) {
		pr_err("container %s is unknown: no network state in %s", r->id,
		       net.state_dir);
		return CNI_ERR_UNKNOWN;
	}
	if (state_begin(&s, net.state_dir, 0)) {
		state_end(&s);
		return CNI_ERR_IO;
	}
	/* the network's subnet and gateway, as recorded */
	code = netrec_take(&s.st.net, s.st.n, &net, false) ? CNI_ERR_CONFIG : CNI_OK;
	if (!code)
		code = check_record(r, &s.st, &rec);
	if (!code && nl_open(&nl)) {
		pr_err("failed to open netlink");
		code = CNI_ERR_IO;
	} else if (!code) {
		code = check_host_end(&net, &nl, rec);
		nl_close(&nl);
	}
	if (!code)
		code = check_netns(&net, rec);
	if (!code)
		code = check_ports(&net, rec);
	if (!code)
		code = check_prev(r, &net, rec);
	state_end(&s);
	return code;
}
