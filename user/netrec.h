/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The network's own settings: subnet, isolation, SNAT port range, uplink,
 * flow tables' size, prefixes not masqueraded, the IPv6 prefix and nat6.
 * They belong to the network, not to one hook: the first container's hook
 * records them in state.json, every later command takes them from there,
 * and one given a different value is refused (`bpfnet net set` changes
 * them explicitly).
 */
#ifndef BPFNET_NETREC_H
#define BPFNET_NETREC_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

struct net_rec {
	bool recorded;			/* all are (older files: the subnet only) */
	struct in_addr subnet;		/* known when recorded or containers exist */
	int prefix;
	bool isolate;
	unsigned int port_min, port_max;/* SNAT source ports */
	char uplink[IFNAMSIZ];		/* "" = the default route's interface */
	unsigned int flow_table_size;	/* records before it: the fallback */
	struct ip_prefix no_masq[BPFNET_NO_MASQ_MAX];	/* records before it: none */
	int n_no_masq;
	struct in6_addr subnet6;	/* prefix6 0: none (records before it too) */
	int prefix6;
	bool nat6;			/* records before it: true */
};

/* The settings' names: flags, config file keys and `net set` keys. */
extern const char *const netrec_keys[];
#define NETREC_NKEYS 8

/* One setting's value as cfg holds it ("true", "1024-65535", ...). */
void netrec_value(const struct bpfnet_config *cfg, const char *key, char *buf,
		  size_t len);

/* Record cfg's settings as the network's. */
void netrec_record(struct net_rec *r, const struct bpfnet_config *cfg);

/* Put the recorded settings (the subnet alone if only it is known) into cfg. */
void netrec_to_config(const struct net_rec *r, struct bpfnet_config *cfg);

/*
 * Make cfg use the network's settings (n: containers recorded). A setting
 * given explicitly (config_given) with another value is refused: -EINVAL
 * after one line naming it, both values and how to change it. Settings not
 * given take the recorded values. Nothing recorded yet: with record, cfg's
 * settings become the network's.
 */
int netrec_take(struct net_rec *r, int n, struct bpfnet_config *cfg,
		bool record);

struct cJSON;

/* Add "subnet" (when known) and "network" (when recorded) to a state object. */
void netrec_to_json(const struct net_rec *r, int n, struct cJSON *root);
/*
 * Read them back (have_containers: the subnet must be there). 0, or
 * -EINVAL with the reason in err.
 */
int netrec_from_json(const struct cJSON *root, bool have_containers,
		     struct net_rec *r, char *err, size_t errlen);

#endif
