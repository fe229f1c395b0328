/* SPDX-License-Identifier: GPL-2.0 */
/* The host's own sockets, over NETLINK_SOCK_DIAG (what `ss -ltun` shows). */
#ifndef BPFNET_SOCKDIAG_H
#define BPFNET_SOCKDIAG_H

#include <linux/inet_diag.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A socket that takes IPv4 (family AF_INET) or IPv6 (AF_INET6) connections
 * or datagrams on a port. An IPv6 socket that takes IPv4 too is listed once
 * per family. */
struct listener {
	struct in_addr bound;	/* AF_INET: INADDR_ANY is every address */
	struct in6_addr bound6;	/* AF_INET6: :: is every address */
	uint16_t port;
	uint8_t family;
};

struct listener_list {
	struct listener *v;
	int n;
	size_t cap;
};

/*
 * The sockets of this namespace listening (TCP) or bound unconnected (UDP)
 * for proto: IPv4 ones, and IPv6 ones as IPv6 listeners and, when they
 * take IPv4 too (:: without IPV6_V6ONLY, or a v4-mapped address), as IPv4
 * ones. 0 or -errno.
 */
int host_listeners(uint8_t proto, struct listener_list *out);
void listener_list_free(struct listener_list *l);

/* A connected socket of the host: enough to name it again. */
struct host_conn {
	struct inet_diag_sockid id;
	uint8_t proto;
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint64_t cookie;
};

struct conn_list {
	struct host_conn *v;
	int n;
	size_t cap;
	struct in_addr peer;	/* the dump keeps sockets connected to it */
	struct in6_addr peer6;	/* (an IPv6 dump: to this one) */
	bool any_peer;		/* or every one */
	uint8_t family;		/* of the dump under way */
};

/* The host's IPv4 sockets of proto connected to peer (any port). 0 or -errno. */
int host_conns(uint8_t proto, struct in_addr peer, struct conn_list *out);
/* The host's IPv6 sockets of proto connected to peer (any port). 0 or -errno. */
int host_conns6(uint8_t proto, const struct in6_addr *peer,
		struct conn_list *out);
/* Every IPv4 socket of proto, in any state (their cookies say which live). */
int host_sockets(uint8_t proto, struct conn_list *out);
void conn_list_free(struct conn_list *l);

/* Close one (SOCK_DESTROY, as `ss -K`): TCP peers see a reset. 0 or -errno. */
int host_conn_destroy(const struct host_conn *c);

#endif
