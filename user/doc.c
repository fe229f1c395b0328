// SPDX-License-Identifier: GPL-2.0
/*
 * `bpfnet help` and the man page bpfnet(8): both walk the command table
 * (main.c) and the option table (config.c), so neither can miss a command
 * or a flag. One command at a time: doc_page.c.
 */
#include <cjson/cJSON.h>
#include <stdio.h>

#include "doc.h"
#include "roff.h"

enum doc_fmt { DOC_TEXT, DOC_MAN };

/* After the flags: which of them belong to the network (netrec.h). */
#define NETWORK_NOTE                                                          \
	"--subnet, --isolate, --snat-ports, --uplink, --flow-table-size and\n" \
	"--no-masquerade are the\n" \
	"network's: its first container's hook records them, later commands take them\n" \
	"unless given, and one given another value is refused; 'bpfnet net set'\n" \
	"changes them (flow-table-size only while no datapath is loaded)."

static void put_cmd(FILE *f, enum doc_fmt fmt, const char *parent,
		    const struct cmd *c)
{
	char words[128];

	cmd_words(words, sizeof(words), parent, c);
	if (fmt == DOC_TEXT)
		fprintf(f, "  bpfnet %-23s %s\n", words, c->help);
	else
		roff_item(f, words, "", c->help);
}

static void put_cmds(FILE *f, enum doc_fmt fmt, const struct cmd *cmds)
{
	for (const struct cmd *c = cmds; c->name; c++) {
		if (!c->sub)
			put_cmd(f, fmt, NULL, c);
		for (const struct cmd *s = c->sub; s && s->name; s++)
			put_cmd(f, fmt, c->name, s);
	}
}

/* "-j, --json" or "--config FILE" */
static void flag_words(char *buf, size_t len, const struct option_def *o)
{
	int n = 0;

	if (o->short_name)
		n = snprintf(buf, len, "-%c, ", o->short_name);
	snprintf(buf + n, len - n, "--%s%s%s", o->name, o->arg ? " " : "",
		 o->arg ? o->arg : "");
}

static void put_flags(FILE *f, enum doc_fmt fmt)
{
	char words[64];

	for (const struct option_def *o = config_options(); o->name; o++) {
		if (o->hidden || o->file_only)
			continue;
		flag_words(words, sizeof(words), o);
		if (fmt == DOC_MAN) {
			roff_item(f, words, "", o->help);
			continue;
		}
		fprintf(f, "  %-18s  ", words);
		for (const char *s = o->help; *s; s++) {
			if (*s == '\n')
				fprintf(f, "\n%22s", "");	/* under the help column */
			else
				fputc(*s, f);
		}
		fputc('\n', f);
	}
}

/* The config file keys: "state-dir, state_dir, stateDir" and what they take. */
static void put_keys(FILE *f)
{
	char key[96], pre[128];

	for (const struct option_def *o = config_options(); o->name; o++) {
		if (o->hidden || !o->json)
			continue;
		snprintf(key, sizeof(key), "%s%s%s%s%s", o->name,
			 o->alias ? ", " : "", o->alias ? o->alias : "",
			 o->camel ? ", " : "", o->camel ? o->camel : "");
		if (o->file_only)
			snprintf(pre, sizeof(pre), "%s: ", o->arg);
		else
			snprintf(pre, sizeof(pre), "%s, as --%s: ",
				 o->json & cJSON_Number ? "a string or a number" :
				 o->json & cJSON_True ? "true or false" : "a string",
				 o->name);
		roff_item(f, key, pre, o->help);
	}
}

void doc_usage(FILE *f, const struct cmd *cmds)
{
	fprintf(f, "Usage: bpfnet [FLAGS] COMMAND [ARGS] [FLAGS]\n"
		   "       bpfnet < state.json   (no command: same as 'hook')\n\n"
		   "Commands:\n");
	put_cmds(f, DOC_TEXT, cmds);
	fprintf(f, "\nFlags (every command; also keys of the JSON --config file, flags win):\n");
	put_flags(f, DOC_TEXT);
	fprintf(f, "\n%s\n", NETWORK_NOTE);
}

/* SEE ALSO: the page of every topic, then the tools bpfnet works with. */
static void put_see_also(FILE *f, const struct cmd *cmds)
{
	const char *name;

	fputs(".SH SEE ALSO\n", f);
	for (int i = 0; (name = doc_topic_name(cmds, i)); i++)
		fprintf(f, ".BR bpfnet\\-%s (8),\n", name);
	fputs(".BR oci\\-hooks (5),\n.BR bpftool (8),\n.BR tc (8)\n", f);
}

void doc_man(FILE *f, const struct cmd *cmds, const char *version)
{
	fprintf(f, ".\\\" Written by `bpfnet help --man` from the tables in user/: do not edit.\n"
		   ".TH BPFNET 8 \"\" \"bpfnet %s\" \"System Administration\"\n"
		   ".SH NAME\nbpfnet \\- bridged container networking with an eBPF datapath\n"
		   ".SH SYNOPSIS\n.B bpfnet\n[\\fIFLAGS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR] [\\fIFLAGS\\fR]\n"
		   ".br\n.B bpfnet\n< \\fIstate.json\\fR\n"
		   ".SH DESCRIPTION\n"
		   "bpfnet gives containers a bridged network whose datapath is eBPF: TC programs and BPF maps do the translation and filtering. "
		   "It is one binary: an OCI hook, which reads the container's state on stdin "
		   "(no command and stdin not a terminal: the same as \\fBhook\\fR), and the CLI below.\n"
		   ".SH COMMANDS\n", version);
	put_cmds(f, DOC_MAN, cmds);
	fprintf(f, ".SH OPTIONS\nEvery command takes every flag, before or after its arguments.\n");
	put_flags(f, DOC_MAN);
	fprintf(f, ".PP\n");
	roff(f, NETWORK_NOTE);
	fputc('\n', f);
	fprintf(f, ".SH CONFIGURATION FILE\n"
		   "The file named by \\fB\\-\\-config\\fR (default %s when it exists) is one JSON object, "
		   "e.g. {\"bridge\": \"br1\", \"mtu\": 1450}. "
		   "It must be a regular file owned by root and writable by no one else. "
		   "Flags win over it. Its keys:\n", BPFNET_DEFAULT_CONFIG);
	put_keys(f);
	fprintf(f, ".SH EXIT STATUS\n0 on success, 1 when something failed, %d for a usage error. "
		   "Errors are one line on stderr, starting with \"bpfnet: \".\n", EXIT_USAGE);
	put_see_also(f, cmds);
}
