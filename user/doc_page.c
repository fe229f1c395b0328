// SPDX-License-Identifier: GPL-2.0
/*
 * One topic at a time: `bpfnet help COMMAND` and the page bpfnet-COMMAND(8),
 * both from the command's table entries (main.c) and its prose (doc_text.c).
 * Every top-level command is a topic, and so is each extra topic (cni).
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "doc.h"
#include "doc_text.h"
#include "roff.h"

/* A command of the table, its prose, or both. */
struct topic {
	const char *name;
	const struct cmd *cmd;
	const struct doc_text *text;
};

static bool is_command(const struct cmd *cmds, const char *name)
{
	for (const struct cmd *c = cmds; c->name; c++)
		if (!strcmp(c->name, name))
			return true;
	return false;
}

const char *doc_topic_name(const struct cmd *cmds, int i)
{
	for (const struct cmd *c = cmds; c->name; c++)
		if (i-- == 0)
			return c->name;
	/* an extra topic that became a command has its page once */
	for (const struct doc_text *t = doc_extra_topics; t->name; t++)
		if (!is_command(cmds, t->name) && i-- == 0)
			return t->name;
	return NULL;
}

static int find_topic(const struct cmd *cmds, const char *name, struct topic *t)
{
	t->name = name;
	t->cmd = NULL;
	for (const struct cmd *c = cmds; c->name; c++)
		if (!strcmp(c->name, name))
			t->cmd = c;
	t->text = doc_text(name);
	if (!t->cmd && (!t->text || !t->text->synopsis))
		return -ENOENT;
	return 0;
}

static const char *summary(const struct topic *t)
{
	if (t->cmd && t->cmd->help)
		return t->cmd->help;
	if (t->text && t->text->summary)
		return t->text->summary;
	return "a command of bpfnet";
}

/*
 * Form i of the topic into buf, e.g. "port add ID SPEC" (the words after
 * "bpfnet"): a sub-command of a group (also in *sub), the command itself,
 * or the prose's synopsis (a whole line). 0 when there is no form i.
 */
static int form(const struct topic *t, int i, char *buf, size_t len,
		const struct cmd **sub)
{
	*sub = NULL;
	if (t->cmd && t->cmd->sub) {
		if (!t->cmd->sub[i].name)
			return 0;
		*sub = &t->cmd->sub[i];
		cmd_words(buf, len, t->cmd->name, *sub);
		return 1;
	}
	if (i > 0)
		return 0;
	if (t->cmd)
		cmd_words(buf, len, NULL, t->cmd);
	else
		snprintf(buf, len, "%s", t->text->synopsis);
	return 1;
}

/* Text with its '\n's indented to column `indent`. */
static void put_indented(FILE *f, const char *s, int indent)
{
	for (; *s; s++) {
		if (*s == '\n')
			fprintf(f, "\n%*s", indent, "");
		else
			fputc(*s, f);
	}
	fputc('\n', f);
}

int doc_topic_usage(FILE *f, const struct cmd *cmds, const char *name)
{
	const struct doc_key *k;
	const struct cmd *sub;
	struct topic t;
	char words[160];

	if (find_topic(cmds, name, &t))
		return -ENOENT;
	fprintf(f, "bpfnet %s: %s\n\n", name, summary(&t));
	for (int i = 0; form(&t, i, words, sizeof(words), &sub); i++)
		fprintf(f, "%s %s%s\n", i ? "      " : "Usage:",
			t.cmd ? "bpfnet " : "", words);
	if (t.text && t.text->text)
		fprintf(f, "\n%s\n", t.text->text);
	if (t.cmd && t.cmd->sub) {
		fprintf(f, "\nCommands:\n");
		for (int i = 0; form(&t, i, words, sizeof(words), &sub); i++)
			fprintf(f, "  bpfnet %-23s %s\n", words, sub->help);
	}
	if (t.text && t.text->keys) {
		fprintf(f, "\nConfiguration keys:\n");
		for (k = t.text->keys; k->key; k++) {
			fprintf(f, "  %-14s ", k->key);
			put_indented(f, k->help, 17);
		}
	}
	fprintf(f, "\n%sManual page: bpfnet-%s(8).\n",
		t.cmd ? "Every flag of 'bpfnet help' applies.\n" : "", name);
	return 0;
}

static void man_head(FILE *f, const struct topic *t, const char *version)
{
	char title[64];
	size_t i;

	snprintf(title, sizeof(title), "bpfnet-%s", t->name);
	for (i = 0; title[i]; i++)
		title[i] = toupper((unsigned char)title[i]);
	fprintf(f, ".\\\" Written by `bpfnet help --man %s` from the tables in user/: do not edit.\n"
		   ".TH ", t->name);
	roff(f, title);
	fprintf(f, " 8 \"\" \"bpfnet %s\" \"System Administration\"\n.SH NAME\nbpfnet\\-", version);
	roff(f, t->name);
	fputs(" \\- ", f);
	roff(f, summary(t));
	fputs("\n.SH SYNOPSIS\n", f);
}

static void man_synopsis(FILE *f, const struct topic *t)
{
	const struct cmd *sub;
	char words[160];

	for (int i = 0; form(t, i, words, sizeof(words), &sub); i++) {
		if (i)
			fputs(".br\n", f);
		if (t->cmd) {
			fputs(".B bpfnet\n", f);
			roff(f, words);
			fputs(" [\\fIFLAGS\\fR]\n", f);
		} else {
			roff(f, words);
			fputc('\n', f);
		}
	}
}

int doc_topic_man(FILE *f, const struct cmd *cmds, const char *name,
		  const char *version)
{
	const struct cmd *sub;
	struct topic t;
	char words[160];

	if (find_topic(cmds, name, &t))
		return -ENOENT;
	man_head(f, &t, version);
	man_synopsis(f, &t);
	fputs(".SH DESCRIPTION\n", f);
	if (t.text && t.text->text) {
		roff_paras(f, t.text->text);
	} else {
		roff(f, summary(&t));
		fputs(".\n", f);
	}
	if (t.cmd && t.cmd->sub) {
		fputs(".SH COMMANDS\n", f);
		for (int i = 0; form(&t, i, words, sizeof(words), &sub); i++)
			roff_item(f, words, "", sub->help);
	}
	if (t.text && t.text->keys) {
		fputs(".SH CONFIGURATION KEYS\n", f);
		for (const struct doc_key *k = t.text->keys; k->key; k++)
			roff_item(f, k->key, "", k->help);
	}
	if (t.cmd)
		fprintf(f, ".SH OPTIONS\nEvery flag of\n.BR bpfnet (8)\n"
			   "applies, before or after the arguments.\n"
			   ".SH EXIT STATUS\n0 on success, 1 when something failed, %d for a usage error.\n",
			EXIT_USAGE);
	fputs(".SH SEE ALSO\n.BR bpfnet (8)\n", f);
	return 0;
}
