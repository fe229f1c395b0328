// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "fault.h"
#include "log.h"

#ifdef BPFNET_TESTING
int fault_point(int step, const char *what)
{
	const char *kill_at = getenv("BPFNET_FAULT_STEP");
	const char *fail_at = getenv("BPFNET_FAIL_STEP");

	if (kill_at && atoi(kill_at) == step) {
		pr_debug("fault injection: killed at step %d (%s)", step, what);
		kill(getpid(), SIGKILL);
	}
	if (fail_at && atoi(fail_at) == step) {
		pr_err("fault injection: failing at step %d (%s)", step, what);
		return -EIO;
	}
	return 0;
}
#else
/* the installed binary honours no fault-injection variable */
int fault_point(int step, const char *what)
{
	(void)step;
	(void)what;
	return 0;
}
#endif
