/* SPDX-License-Identifier: GPL-2.0 */
/* `bpfnet help` and the bpfnet(8) man page, written from the tables. */
#ifndef BPFNET_DOC_H
#define BPFNET_DOC_H

#include <stdio.h>

#include "cmd.h"

/* The help text: cmds (with their sub-commands), then every flag. */
void doc_usage(FILE *f, const struct cmd *cmds);

/* The same as a man page (roff), with the config file keys. */
void doc_man(FILE *f, const struct cmd *cmds, const char *version);

#endif
