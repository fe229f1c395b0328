/* SPDX-License-Identifier: GPL-2.0 */
/* Published ports on IPv6: the port_maps6 entries of a container. */
#ifndef BPFNET_PORTMAP6_H
#define BPFNET_PORTMAP6_H

#include <stddef.h>

#include "pins.h"
#include "portspec.h"
#include "state.h"

/* A spec naming an IPv6 address ("[::]", "[::1]") for a container without
 * one: -EAFNOSUPPORT with why in err. */
int portmap6_family_check(const struct endpoint_rec *rec,
			  const struct port_spec *ps, int n, char *err,
			  size_t errlen);

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
/*
 * Remove the entries of no recorded container; how many. With adopt, the
 * records i with adopt[i] get the IPv6 specs of their entries appended
 * (those a spec of both families in their list holds already left out).
 */
int portmap6_sync_state(struct dp *dp, struct bpfnet_state *st,
			const bool *adopt);

#endif
