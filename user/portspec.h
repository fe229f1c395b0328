/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Port map specs: "[HOSTIP:]HOSTPORT[-END]:CONTAINERPORT[-END][/tcp|udp]",
 * several joined by commas, as in the bpfnet.ports annotation and
 * `bpfnet port add`. HOSTIP is an IPv4 address or a bracketed IPv6 one
 * ("[2001:db8::1]", "[::1]"). Without it, a spec publishes on every
 * address of both families (IPv6 when the container has an address of it),
 * as Docker does; "0.0.0.0" or "[::]" restricts it to one family.
 */
#ifndef BPFNET_PORTSPEC_H
#define BPFNET_PORTSPEC_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define PORTSPEC_MAX 64		/* specs in one bounded list (portspec_parse_list) */

struct port_spec {
	struct in_addr host;	/* INADDR_ANY: every host address (IPv4) */
	struct in6_addr host6;	/* family AF_INET6: the address, :: for every one */
	uint16_t host_lo, host_hi;
	uint16_t ctr_lo, ctr_hi;
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t family;		/* PORTSPEC_BOTH (no address given), AF_INET, AF_INET6 */
};

#define PORTSPEC_BOTH 0

/* Does the spec publish on IPv4 addresses? On IPv6 ones? */
static inline bool portspec_v4(const struct port_spec *ps)
{
	return ps->family != AF_INET6;
}

static inline bool portspec_v6(const struct port_spec *ps)
{
	return ps->family != AF_INET;
}

/* Parse one spec. -EINVAL with a reason in err. */
int portspec_parse(const char *text, struct port_spec *ps, char *err,
		   size_t errlen);

/* Parse a comma-separated list into out (at most max). Count or -EINVAL. */
int portspec_parse_list(const char *text, struct port_spec *out, int max,
			char *err, size_t errlen);

/* Canonical text of one spec ("127.0.0.1:9000:9000/tcp", "8080-8081:80-81/udp",
 * "[::1]:8080:80/tcp", "0.0.0.0:8080:80/tcp"). */
void portspec_format(const struct port_spec *ps, char *buf, size_t size);


/* A list of specs of any length (a container's published ports). */
struct port_list {
	struct port_spec *v;
	int n;
	size_t cap;
};

/*
 * Append the comma-separated specs of text to l. With distinct, specs of text
 * may not overlap each other (user input; a stored list was checked when it
 * was added). Count appended, or -errno with a reason in err and l unchanged.
 */
int portlist_parse(const char *text, struct port_list *l, bool distinct,
		   char *err, size_t errlen);
int portlist_push(struct port_list *l, const struct port_spec *ps);
/* Index of a spec equal to ps, or -1. */
int portlist_find(const struct port_list *l, const struct port_spec *ps);
void portlist_remove(struct port_list *l, int i);
/* Canonical comma-separated text ("" for none), malloc'd; NULL on ENOMEM. */
char *portlist_format(const struct port_list *l);
void portlist_free(struct port_list *l);

/* Do two specs claim a common host port (same protocol, a family in common,
 * overlapping address)? */
int portspec_overlap(const struct port_spec *a, const struct port_spec *b);

/* Same host ports, container ports, family, address and protocol? */
int portspec_equal(const struct port_spec *a, const struct port_spec *b);

#endif
