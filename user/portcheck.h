/* SPDX-License-Identifier: GPL-2.0 */
/* What the host lets a container publish: its own addresses, free ports. */
#ifndef BPFNET_PORTCHECK_H
#define BPFNET_PORTCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "nl.h"
#include "portspec.h"

/*
 * Every spec of ps[0..n) names an address of this host (or every address),
 * and, unless force, no host process listens on one of its host ports there.
 * 0, or -errno with a one-line reason in err.
 */
int portcheck_host(struct nl *nl, const struct port_spec *ps, int n,
		   bool force, char *err, size_t errlen);

#endif
