/* SPDX-License-Identifier: GPL-2.0 */
/* Published ports on IPv6: the port_maps6 entries of a container. */
#ifndef BPFNET_PORTMAP6_H
#define BPFNET_PORTMAP6_H

#include <stdbool.h>
#include <stddef.h>

#include "pins.h"
#include "portspec.h"
#include "state.h"

/* A spec naming an IPv6 address ("[::]", "[::1]") for a container without
 * one, unless nat46 (the uplink has an IPv6 address to translate from):
 * -EAFNOSUPPORT with why in err. */
int portmap6_family_check(const struct endpoint_rec *rec,
			  const struct port_spec *ps, int n, bool nat46,
			  char *err, size_t errlen);

/* Does the network's uplink have an IPv6 address (net_config6), so that an
 * IPv4-only container can be published on IPv6 (NAT46)? */
bool portmap6_nat46(const struct dp *dp);
/* The address rec's port_maps6 entries name: its IPv6 one; without one,
 * with nat46, its IPv4 one IPv4-mapped (::ffff:a.b.c.d); else :: (none). */
void portmap6_target(const struct endpoint_rec *rec, bool nat46, struct in6_addr *t);

/* Is a host port of ps[0..n) published on IPv6 already, where rec's would
 * be? -EEXIST with why in err. */
int portmap6_check_conflicts(const struct dp *dp, const struct bpfnet_state *st,
			     const struct endpoint_rec *rec,
			     const struct port_spec *ps, int n, char *err,
			     size_t errlen);

/* Insert every IPv6 entry of ps for caddr6 (:: : none), or none. */
int portmap6_apply(struct dp *dp, const struct in6_addr *caddr6,
		   const struct port_spec *ps, int n);
/* Remove caddr6's IPv6 entries of ps and the flows made through them
 * (dnat6_ct, dnat6_rev; dnat6_ct_new, dnat6_rev_new). */
void portmap6_unapply(struct dp *dp, const struct in6_addr *caddr6,
		      const struct port_spec *ps, int n);
/* Is every IPv6 entry of ps there, for caddr6? 0 or -ENOENT with why. */
int portmap6_missing(const struct dp *dp, const struct in6_addr *caddr6,
		     const struct port_spec *ps, int n, char *err, size_t errlen);
/* portmap6_missing for rec's entries (portmap6_target). */
int portmap6_missing_of(const struct dp *dp, const struct endpoint_rec *rec,
			const struct port_spec *ps, int n, char *err, size_t errlen);
/*
 * Remove the entries of no recorded container; how many. With adopt, the
 * records i with adopt[i] get the IPv6 specs of their entries appended
 * (those a spec of both families in their list holds already left out).
 */
int portmap6_sync_state(struct dp *dp, struct bpfnet_state *st,
			const bool *adopt);

#endif
