/* SPDX-License-Identifier: GPL-2.0 */
/* The OCI hook: set a container's network up, or tear it down. */
#ifndef BPFNET_HOOK_H
#define BPFNET_HOOK_H

#include <stdbool.h>

#include "config.h"
#include "link.h"
#include "oci.h"
#include "state.h"
#include "nl.h"

int hook_setup(const struct bpfnet_config *cfg, const struct oci_state *oci);
int hook_teardown(const struct bpfnet_config *cfg, const char *id);

/* Is li the veth bpfnet made for container id (kind, alias, master, name)? */
bool endpoint_link_ours(const struct bpfnet_config *cfg, struct nl *nl,
			const struct link_info *li, const char *id);

/*
 * Remove a recorded endpoint's datapath entries and its veth, if the veth is
 * provably bpfnet's (endpoint_link_ours); never another link. Not the record.
 */
void endpoint_release(const struct bpfnet_config *cfg, struct nl *nl,
		      const struct endpoint_rec *rec);

/*
 * Fault injection, compiled only into the test build (BPFNET_TESTING,
 * .output/bpfnet-testing): BPFNET_FAULT_STEP=N kills the process with
 * SIGKILL at step N, BPFNET_FAIL_STEP=N makes step N fail (-EIO).
 */
int fault_point(int step, const char *what);

#endif
