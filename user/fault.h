/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection, compiled only into the test build (BPFNET_TESTING,
 * .output/bpfnet-testing): BPFNET_FAULT_STEP=N kills the process with
 * SIGKILL at step N, BPFNET_FAIL_STEP=N makes step N fail (-EIO), and
 * BPFNET_HOLD_STEP=N with BPFNET_HOLD_FILE=F creates F at step N and waits
 * until it is removed (a race made to order).
 */
#ifndef BPFNET_FAULT_H
#define BPFNET_FAULT_H

int fault_point(int step, const char *what);

#endif
