/* SPDX-License-Identifier: GPL-2.0 */
/* The commands of the bpfnet CLI; each returns an exit code (0, 1, 2). */
#ifndef BPFNET_CMD_H
#define BPFNET_CMD_H

#include "config.h"

#define EXIT_USAGE 2

int cmd_hook(struct bpfnet_config *cfg, struct bpfnet_args *args);
int cmd_ls(struct bpfnet_config *cfg, struct bpfnet_args *args);
int cmd_down(struct bpfnet_config *cfg, struct bpfnet_args *args);
int cmd_stats(struct bpfnet_config *cfg, struct bpfnet_args *args);
int cmd_port(struct bpfnet_config *cfg, struct bpfnet_args *args);
int cmd_gc(struct bpfnet_config *cfg, struct bpfnet_args *args);

#endif
