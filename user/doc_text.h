/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The prose of `bpfnet help COMMAND` and of each bpfnet-COMMAND(8) page:
 * what a command does, beyond its help line. A command without prose is
 * documented from its table entries alone.
 */
#ifndef BPFNET_DOC_TEXT_H
#define BPFNET_DOC_TEXT_H

/* A key of a JSON configuration and what it means. */
struct doc_key {
	const char *key;
	const char *help;
};

struct doc_text {
	const char *name;	/* the command, or a topic that is none */
	const char *summary;	/* a topic's one line (commands: their help) */
	const char *synopsis;	/* a topic's usage line (commands: their words) */
	const char *text;	/* paragraphs, '\n' between lines, "\n\n" between them */
	const struct doc_key *keys;	/* { NULL } ended, or NULL */
};

/* The prose of a command or topic, or NULL. */
const struct doc_text *doc_text(const char *name);

/* Topics that are no command, e.g. "cni"; ends with { NULL }. */
extern const struct doc_text doc_extra_topics[];

#endif
