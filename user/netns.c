// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "netns.h"

int netns_open_pid(int pid, uint64_t *ino)
{
	char path[64];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	if (fstat(fd, &st)) {
		int err = -errno;

		close(fd);
		return err;
	}
	*ino = (uint64_t)st.st_ino;
	return fd;
}

int netns_open_path(const char *path, uint64_t *ino)
{
	struct stat st;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* a file bind-mounted from a network namespace, nothing else */
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		close(fd);
		return -EINVAL;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	*ino = (uint64_t)st.st_ino;
	return fd;
}

uint64_t netns_ino_of_path(const char *path)
{
	struct stat st;

	if (!path[0] || stat(path, &st))
		return 0;
	return (uint64_t)st.st_ino;
}

uint64_t netns_ino_of_pid(int pid)
{
	char path[64];
	struct stat st;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	if (stat(path, &st))
		return 0;
	return (uint64_t)st.st_ino;
}

/* Run fn(arg) inside the namespace of netns_fd, then come back. */
static int in_netns(int netns_fd, int (*fn)(void *), void *arg)
{
	int self, err, rerr;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	if (setns(netns_fd, CLONE_NEWNET)) {
		err = -errno;
		close(self);
		return err;
	}
	err = fn(arg);
	rerr = setns(self, CLONE_NEWNET) ? -errno : 0;
	close(self);
	if (rerr) {
		/* cannot come back: nothing else may run in the wrong netns */
		pr_err("failed to return to the host network namespace: %s",
		       "setns failed");
		_exit(1);
	}
	return err;
}

struct sysctl_write {
	const char *path, *val;
};

static int sysctl_write(void *arg)
{
	const struct sysctl_write *w = arg;
	size_t len = strlen(w->val);
	int fd = open(w->path, O_WRONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = write(fd, w->val, len) == (ssize_t)len ? 0 : -errno;
	close(fd);
	return err;
}

int netns_sysctl_set(int netns_fd, const char *path, const char *val)
{
	struct sysctl_write w = { path, val };

	return in_netns(netns_fd, sysctl_write, &w);
}

static int open_nl(void *nl)
{
	return nl_open(nl);
}

int nl_open_in(struct nl *nl, int netns_fd)
{
	return in_netns(netns_fd, open_nl, nl);
}
