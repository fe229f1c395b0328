/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A container's set-up and teardown: the OCI hook's (from the runtime's
 * state) and the CNI plugin's (from its request) are the same.
 */
#ifndef BPFNET_HOOK_H
#define BPFNET_HOOK_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "oci.h"

/* One container to set up; cfg->iface names its interface. */
struct setup_req {
	const char *id;
	int pid;		/* its namespace is this process's, */
	const char *netns;	/* or this file's (NULL or "": by pid) */
	const char *ip;		/* a static address; NULL or "": allocated */
	const char *ip_from;	/* where it was asked for (NULL: bpfnet.ip) */
	const char *ip6;	/* a static IPv6 one (--subnet6); NULL or "": allocated */
	const char *ip6_from;	/* where it was asked for (NULL: bpfnet.ip6) */
	const uint8_t *mac;	/* the interface's MAC; NULL: from the address */
	const char *mac_from;	/* where it was asked for, for messages */
	const char *ports;	/* to publish, as bpfnet.ports; NULL: none */
	const char *ports_from;	/* where they were given, for messages */
	bool strict;		/* refuse a namespace the hook leaves alone */
};

/* The endpoint set up, or found set up already (ip 0: none, left alone). */
struct setup_out {
	struct in_addr ip;
	struct in_addr gateway;	/* the network's, as recorded */
	int prefix;
	struct in6_addr ip6;	/* :: when the network has no --subnet6 */
	struct in6_addr gateway6;
	int prefix6;
	uint8_t mac[6];		/* the container interface's */
	char veth[IFNAMSIZ];	/* the host end */
	bool refused;		/* the address or MAC asked for was refused */
};

/* 0 (out filled when not NULL), or -errno after printing one line. */
int setup_container(const struct bpfnet_config *cfg,
		    const struct setup_req *req, struct setup_out *out);

/* One container to tear down: its id, and (CNI) the interface to remove. */
struct teardown_req {
	const char *id;
	const char *ifname;	/* NULL: whatever it has */
};

int teardown_container(const struct bpfnet_config *cfg,
		       const struct teardown_req *req);

int hook_setup(const struct bpfnet_config *cfg, const struct oci_state *oci);
int hook_teardown(const struct bpfnet_config *cfg, const char *id);

#endif
