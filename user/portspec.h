/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Port map specs: "[HOSTIP:]HOSTPORT[-END]:CONTAINERPORT[-END][/tcp|udp]",
 * several joined by commas, as in the bpfnet.ports annotation and
 * `bpfnet port add`.
 */
#ifndef BPFNET_PORTSPEC_H
#define BPFNET_PORTSPEC_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PORTSPEC_MAX 64		/* specs in one bounded list (portspec_parse_list) */

struct port_spec {
	struct in_addr host;	/* INADDR_ANY: every host address */
	uint16_t host_lo, host_hi;
	uint16_t ctr_lo, ctr_hi;
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
};

/* Parse one spec. -EINVAL with a reason in err. */
int portspec_parse(const char *text, struct port_spec *ps, char *err,
		   size_t errlen);

/* Parse a comma-separated list into out (at most max). Count or -EINVAL. */
int portspec_parse_list(const char *text, struct port_spec *out, int max,
			char *err, size_t errlen);

/* Canonical text of one spec ("127.0.0.1:9000:9000/tcp", "8080-8081:80-81/udp"). */
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

/* Do two specs claim a common host port (same protocol, overlapping address)? */
int portspec_overlap(const struct port_spec *a, const struct port_spec *b);

/* Same host ports, container ports, address and protocol? */
int portspec_equal(const struct port_spec *a, const struct port_spec *b);

#endif
