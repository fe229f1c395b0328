/* SPDX-License-Identifier: GPL-2.0 */
/* Network namespaces: open a process's, and run netlink inside it. */
#ifndef BPFNET_NETNS_H
#define BPFNET_NETNS_H

#include <stdint.h>

#include "nl.h"

/* Open /proc/PID/ns/net; *ino gets its inode. fd or -errno (-ESRCH: no such process). */
int netns_open_pid(int pid, uint64_t *ino);

/* Inode of /proc/PID/ns/net, 0 if the process is gone. */
uint64_t netns_ino_of_pid(int pid);

/* Open a netlink socket that lives in the namespace of fd (we come back). */
int nl_open_in(struct nl *nl, int netns_fd);

#endif
