/* SPDX-License-Identifier: GPL-2.0 */
/* Network namespaces: open a process's or a file's, and run netlink inside. */
#ifndef BPFNET_NETNS_H
#define BPFNET_NETNS_H

#include <stdint.h>

#include "nl.h"

/* Open /proc/PID/ns/net; *ino gets its inode. fd or -errno (-ESRCH: no such process). */
int netns_open_pid(int pid, uint64_t *ino);

/*
 * Open a network namespace file (/run/netns/NAME, /proc/PID/ns/net); *ino
 * gets its inode. fd or -errno (-ENOENT: no such file; -EINVAL: the file is
 * no network namespace).
 */
int netns_open_path(const char *path, uint64_t *ino);

/* Inode of a namespace file, 0 if it is gone (a bind mount undone). */
uint64_t netns_ino_of_path(const char *path);

/* Inode of /proc/PID/ns/net, 0 if the process is gone. */
uint64_t netns_ino_of_pid(int pid);

/* Open a netlink socket that lives in the namespace of fd (we come back). */
int nl_open_in(struct nl *nl, int netns_fd);

/*
 * Write val to the /proc/sys file path as seen from the namespace of fd
 * (/proc/sys/net follows the namespace of whoever opens it; we come back).
 * 0 or -errno.
 */
int netns_sysctl_set(int netns_fd, const char *path, const char *val);

#endif
