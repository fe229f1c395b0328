/* SPDX-License-Identifier: GPL-2.0 */
/* What the CNI plugin prints on stdout: a result, an error, its versions. */
#ifndef BPFNET_CNI_RESULT_H
#define BPFNET_CNI_RESULT_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>

#include "cni_req.h"

struct cJSON;

/* One attachment as ADD made it. */
struct cni_attachment {
	char host_if[IFNAMSIZ];		/* the host end of the veth pair */
	uint8_t host_mac[6];
	char ctr_if[IFNAMSIZ];		/* CNI_IFNAME */
	uint8_t ctr_mac[6];
	const char *sandbox;		/* CNI_NETNS */
	struct in_addr ip, gateway;
	int prefix;
	struct in6_addr ip6, gateway6;	/* ip6 :: : IPv4 only */
	int prefix6;
	const struct cJSON *dns;	/* the ipam plugin's dns, or NULL */
};

/*
 * ADD's result in r's cniVersion: prevResult's interfaces, ips, routes and
 * dns kept, ours added after them. 0, or -ENOMEM after saying so.
 */
int cni_print_result(const struct cni_req *r, const struct cni_attachment *a);

/*
 * An error: {cniVersion, code, msg, details}, details being the last error
 * line printed. version "" answers in the newest version.
 */
void cni_print_error(const char *version, int code);

/*
 * An error another plugin (the delegated ipam one) returned: the next
 * cni_print_error with the same code prints its msg and details as they
 * came, not bpfnet's.
 */
void cni_error_pass(int code, const char *msg, const char *details);

/* VERSION's answer: the versions bpfnet speaks. */
void cni_print_versions(const char *version);

#endif
