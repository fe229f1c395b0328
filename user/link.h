/* SPDX-License-Identifier: GPL-2.0 */
/* Links, addresses and routes over rtnetlink (what `ip` would do). */
#ifndef BPFNET_LINK_H
#define BPFNET_LINK_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "nl.h"

/* The alias of a bridge bpfnet created (and so may delete). */
#define BPFNET_BRIDGE_ALIAS "bpfnet"

struct link_info {
	int ifindex;
	int mtu;
	int master;		/* ifindex of the bridge it is enslaved to, 0 */
	bool up;
	unsigned short type;	/* ARPHRD_*: ARPHRD_ETHER, ARPHRD_NONE (tun, WireGuard)... */
	uint8_t mac[6];
	char name[IFNAMSIZ];
	char kind[16];		/* "veth", "bridge", ... ("" if unknown) */
	char alias[256];	/* IFLA_IFALIAS: bpfnet stores the container id */
};

/* Look a link up by name (ifindex 0) or index. -ENODEV if absent. */
int link_get(struct nl *nl, const char *name, int ifindex, struct link_info *li);

/* Call fn for every link of the namespace. */
int link_list(struct nl *nl, void (*fn)(const struct link_info *, void *),
	      void *data);

/* A list of links, as link_list_veths fills it. */
struct link_vec {
	struct link_info *v;
	int n;
	size_t cap;
};

/* The veths whose name starts with prefix and that are enslaved to master. */
int link_list_veths(struct nl *nl, int master, const char *prefix,
		    struct link_vec *out);
void link_vec_free(struct link_vec *lv);

/* A bridge with this MAC (NULL: the kernel's), which it then keeps. */
int bridge_create(struct nl *nl, const char *name, int mtu,
		  const uint8_t mac[6]);

/* Set a link's MAC address. */
int link_set_mac(struct nl *nl, int ifindex, const uint8_t mac[6]);

/*
 * Create a veth pair: host end `name` here, peer `peer` created directly in
 * the namespace of netns_fd with the given MAC; both with mtu.
 */
int veth_create(struct nl *nl, const char *name, const char *peer,
		int netns_fd, const uint8_t peer_mac[6], int mtu);

/* Set a link's alias (IFLA_IFALIAS): bpfnet keeps the container id there. */
int link_set_alias(struct nl *nl, int ifindex, const char *alias);

/* Set state: up, master (-1 keeps, 0 releases). */
int link_set(struct nl *nl, int ifindex, bool up, int master);
int link_del(struct nl *nl, int ifindex);

int addr_add(struct nl *nl, int ifindex, struct in_addr addr, int prefix);
int addr_del(struct nl *nl, int ifindex, struct in_addr addr, int prefix);

/* First IPv4 address of a link. -ENOENT if none. */
int addr_first(struct nl *nl, int ifindex, struct in_addr *addr);
/* The same, with the address's prefix length. */
int addr_first_net(struct nl *nl, int ifindex, struct in_addr *addr,
		   int *prefix);

/* An IPv4 address of the host and the interface that holds it. */
struct host_addr {
	int ifindex;
	struct in_addr addr;
	int prefix;
};

/*
 * Every IPv4 address of the namespace, the first max of them into out.
 * How many there are (may exceed max), or -errno.
 */
int addr_list(struct nl *nl, struct host_addr *out, int max);

/* Is a an address of this host (the local table routes it here)? 1, 0, -errno. */
int addr_is_local(struct nl *nl, struct in_addr a);
/* The same for an IPv6 address. */
int addr6_is_local(struct nl *nl, const struct in6_addr *a);

int route_add_default(struct nl *nl, struct in_addr gw, int oif);

/*
 * The main table's IPv4 default route: its device and gateway (0.0.0.0 for
 * none). -ENOENT if there is no default route.
 */
int route_default_via(struct nl *nl, int *oif, struct in_addr *gw);

/* Interface of the main table's IPv4 default route. -ENOENT if none. */
int route_default_oif(struct nl *nl, int *oif);

/*
 * The uplink: the named interface (must exist), or the default route's
 * ("" name; *ifindex 0 when there is none). *mtu gets its MTU (0 if none).
 * -EPFNOSUPPORT when it is no Ethernet device (the datapath needs one).
 */
int uplink_resolve(struct nl *nl, const char *name, int *ifindex, int *mtu);

#endif
