// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "log.h"

#ifdef BPFNET_TESTING
/* Create file, then wait (10 s at most) until the test removes it. */
static void hold(const char *file)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	if (fd >= 0)
		close(fd);
	for (int i = 0; i < 1000 && !access(file, F_OK); i++)
		nanosleep(&tick, NULL);
}

int fault_point(int step, const char *what)
{
	const char *kill_at = getenv("BPFNET_FAULT_STEP");
	const char *fail_at = getenv("BPFNET_FAIL_STEP");
	const char *hold_at = getenv("BPFNET_HOLD_STEP");
	const char *hold_file = getenv("BPFNET_HOLD_FILE");

	if (hold_at && hold_file && atoi(hold_at) == step) {
		pr_debug("fault injection: held at step %d (%s)", step, what);
		hold(hold_file);
	}

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
