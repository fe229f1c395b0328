/* SPDX-License-Identifier: GPL-2.0 */
/* The OCI hook: set a container's network up, or tear it down. */
#ifndef BPFNET_HOOK_H
#define BPFNET_HOOK_H

#include "config.h"
#include "oci.h"

int hook_setup(const struct bpfnet_config *cfg, const struct oci_state *oci);
int hook_teardown(const struct bpfnet_config *cfg, const char *id);

#endif
