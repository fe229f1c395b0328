/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CNI plugin (containernetworking/cni SPEC.md 1.1.0, and the 0.3.1,
 * 0.4.0 and 1.0.0 results): the bpfnet binary run with CNI_COMMAND set.
 */
#ifndef BPFNET_CNI_H
#define BPFNET_CNI_H

#include "cni_req.h"

/* Read the request (environment, stdin), run it, reply on stdout: the exit code. */
int cni_main(void);

/* CHECK (cni_check.c): CNI_OK, or a code after saying what differs. */
int cni_check(const struct cni_req *r);

#endif
