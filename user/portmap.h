/* SPDX-License-Identifier: GPL-2.0 */
/* Published ports: the port_maps entries of a container, and their flows. */
#ifndef BPFNET_PORTMAP_H
#define BPFNET_PORTMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "pins.h"
#include "portspec.h"
#include "state.h"

/*
 * Is a host port of ps[0..n) published already (by any container, on the
 * same address or on every address), in port_maps or, where rec's would
 * be, port_maps6? Asked of the port map itself, so the cost does not grow
 * with what is published. -EEXIST with why in err; -EAFNOSUPPORT for an
 * IPv6 address when rec has none.
 */
int portmap_check_conflicts(const struct dp *dp, const struct bpfnet_state *st,
			    const struct endpoint_rec *rec,
			    const struct port_spec *ps, int n, char *err,
			    size_t errlen);

/*
 * Is every host port of ps[0..n) in the port maps (port_maps6 too when
 * rec has an IPv6 address), sending to rec's container port? 0, or -ENOENT with the first one missing in err.
 */
int portmap_missing(const struct dp *dp, const struct endpoint_rec *rec,
		    const struct port_spec *ps, int n, char *err, size_t errlen);

/*
 * Insert every entry for rec (port_maps6's too), or none: -EEXIST when one is taken, here
 * or by another network on the uplink (peers.h, which says which).
 */
int portmap_apply(struct dp *dp, const struct endpoint_rec *rec,
		  const struct port_spec *ps, int n);

/*
 * Make the port maps and the records agree after gc: with adopt, records
 * without ports get theirs back from the map (rebuilt records); entries of
 * no recorded container are removed. Returns how many were removed.
 */
int portmap_sync_state(struct dp *dp, struct bpfnet_state *st, bool adopt);

/* Remove rec's entries of ps (both families) and flush the connections made
 * through them. */
void portmap_unapply(struct dp *dp, const struct endpoint_rec *rec,
		     const struct port_spec *ps, int n);

#endif
