/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Port map specs: "[HOSTIP:]HOSTPORT[-END]:CONTAINERPORT[-END][/tcp|udp]",
 * several joined by commas, as in the bpfnet.ports annotation and
 * `bpfnet port add`.
 */
#ifndef BPFNET_PORTSPEC_H
#define BPFNET_PORTSPEC_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define PORTSPEC_MAX 64		/* specs in one list */

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

/* Canonical comma-separated list of n specs. */
void portspec_format_list(const struct port_spec *ps, int n, char *buf,
			  size_t size);

/* Do two specs claim a common host port (same protocol, overlapping address)? */
int portspec_overlap(const struct port_spec *a, const struct port_spec *b);

/* Same host ports, container ports, address and protocol? */
int portspec_equal(const struct port_spec *a, const struct port_spec *b);

#endif
