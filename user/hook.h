/* SPDX-License-Identifier: GPL-2.0 */
/* The OCI hook: set a container's network up, or tear it down. */
#ifndef BPFNET_HOOK_H
#define BPFNET_HOOK_H

#include "config.h"
#include "oci.h"
#include "state.h"
#include "nl.h"

int hook_setup(const struct bpfnet_config *cfg, const struct oci_state *oci);
int hook_teardown(const struct bpfnet_config *cfg, const char *id);

/* Remove a recorded endpoint's links and datapath entries (not its record). */
void endpoint_release(const struct bpfnet_config *cfg, struct nl *nl,
		      const struct endpoint_rec *rec);

/*
 * Fault injection for tests: BPFNET_FAULT_STEP=N kills the process with
 * SIGKILL at step N, BPFNET_FAIL_STEP=N makes step N fail (-EIO).
 */
int fault_point(int step, const char *what);

#endif
