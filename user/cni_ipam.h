/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPAM delegation: a network config with an ipam object has its addresses
 * from the plugin that object names (host-local, ...), run as libcni's
 * invoke package runs a delegated plugin.
 */
#ifndef BPFNET_CNI_IPAM_H
#define BPFNET_CNI_IPAM_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "cni_req.h"

struct cJSON;

/* What bpfnet takes from an ipam plugin's result. */
struct ipam_result {
	struct in_addr ip;		/* its first IPv4 address */
	int prefix;
	struct in_addr gateway;		/* that address's gateway, */
	bool has_gateway;		/* if it names one */
	struct in6_addr ip6;		/* its first IPv6 address, */
	bool has_ip6;			/* if it gave one */
	int prefix6;
	struct in6_addr gateway6;	/* that address's gateway, */
	bool has_gateway6;		/* if it names one */
	const struct cJSON *dns;	/* its dns object, or NULL */
	struct cJSON *doc;		/* the whole result (owned) */
};

/*
 * A result of cniVersion 0.3.0 to 1.1.0 (ips[] of address/gateway, each
 * with "version" before 1.0.0): its first address of each family. CNI_OK;
 * CNI_ERR_DECODE when it is no such result, CNI_ERR_CONFIG when it holds
 * no IPv4 address (after saying so).
 * cni_ipam_result_free must follow either way.
 */
int cni_ipam_result_parse(const char *text, size_t len, struct ipam_result *res);
void cni_ipam_result_free(struct ipam_result *res);

/*
 * ADD through r's ipam plugin: its address in res. CNI_OK or a code (the
 * plugin's own, passed on); a result bpfnet cannot read is given back (DEL).
 */
int cni_ipam_add(const struct cni_req *r, struct ipam_result *res);

/*
 * DEL or CHECK (command) through r's ipam plugin. Its error is passed on
 * as it came (cni_error_pass); quiet (an ADD's undo) only warns, keeping
 * the error that made ADD fail.
 */
int cni_ipam_run(const struct cni_req *r, const char *command, bool quiet);

#endif
