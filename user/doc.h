/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `bpfnet help`, the man pages and the bash completion, written from the
 * command table (main.c), the option table (config.c) and the prose of
 * each command (doc_text.c).
 */
#ifndef BPFNET_DOC_H
#define BPFNET_DOC_H

#include <stdio.h>

#include "cmd.h"

/* The help text: cmds (with their sub-commands), then every flag. */
void doc_usage(FILE *f, const struct cmd *cmds);

/* The same as the man page bpfnet(8) (roff), with the config file keys. */
void doc_man(FILE *f, const struct cmd *cmds, const char *version);

/*
 * Topic i (0, 1, ...): the top-level commands of cmds in their order, then
 * the topics that are no command (cni); NULL past the last. Each has a
 * page, bpfnet-NAME(8).
 */
const char *doc_topic_name(const struct cmd *cmds, int i);

/* `bpfnet help NAME`: -ENOENT when NAME is no topic. */
int doc_topic_usage(FILE *f, const struct cmd *cmds, const char *name);

/* The page bpfnet-NAME(8): -ENOENT when NAME is no topic. */
int doc_topic_man(FILE *f, const struct cmd *cmds, const char *name,
		  const char *version);

/* The bash completion script (share/bash-completion/completions/bpfnet). */
void doc_completion(FILE *f, const struct cmd *cmds);

#endif
