/* SPDX-License-Identifier: GPL-2.0 */
/* The commands of the bpfnet CLI; each returns an exit code (0, 1, 2). */
#ifndef BPFNET_CMD_H
#define BPFNET_CMD_H

#include <stddef.h>

#include "config.h"

#define EXIT_USAGE 2

/*
 * One command of a table: `bpfnet NAME ARGS` and its help line. A table
 * ends with { NULL }; an entry with sub-commands has a table instead of fn.
 */
struct cmd {
	const char *name;
	int (*fn)(struct bpfnet_config *cfg, struct bpfnet_args *args);
	const char *args;	/* the words after the name, in help; or NULL */
	const char *help;	/* one line */
	int min_args, max_args;	/* words after the name; max -1: fn checks */
	const struct cmd *sub;
};

/*
 * Run the entry of cmds named by args->argv[depth] (or its sub-command):
 * its exit code, or EXIT_USAGE after saying why when no entry has that name
 * or it is given too few or too many words. parent: the name of the command
 * whose sub-commands cmds are, NULL at the top.
 */
int cmd_select(const struct cmd *cmds, const char *parent,
	       struct bpfnet_config *cfg, struct bpfnet_args *args, int depth);

/* "port add ID SPEC": the words that call c after "bpfnet". */
int cmd_words(char *buf, size_t len, const char *parent, const struct cmd *c);

int cmd_hook(struct bpfnet_config *cfg, struct bpfnet_args *args);
int cmd_ls(struct bpfnet_config *cfg, struct bpfnet_args *args);
int cmd_down(struct bpfnet_config *cfg, struct bpfnet_args *args);
int cmd_stats(struct bpfnet_config *cfg, struct bpfnet_args *args);
int cmd_flows(struct bpfnet_config *cfg, struct bpfnet_args *args);
int cmd_gc(struct bpfnet_config *cfg, struct bpfnet_args *args);
int cmd_resync(struct bpfnet_config *cfg, struct bpfnet_args *args);
int cmd_watch(struct bpfnet_config *cfg, struct bpfnet_args *args);
int cmd_monitor(struct bpfnet_config *cfg, struct bpfnet_args *args);

extern const struct cmd port_cmds[];	/* port add|del|ls */
extern const struct cmd net_cmds[];	/* net show|set */

struct cJSON;

/* Print a JSON document as one line on stdout (-j), then free it. */
void cmd_put_json(struct cJSON *doc);

#endif
