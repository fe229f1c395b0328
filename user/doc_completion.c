// SPDX-License-Identifier: GPL-2.0
/*
 * The bash completion script, `bpfnet help --completion`: written from the
 * command table (main.c), the option table (config.c) and the network's
 * keys (netrec.c), so it offers every command, sub-command and flag.
 */
#include <stdbool.h>
#include <string.h>

#include "doc.h"
#include "netrec.h"

/* The values the script offers names for: the flag's argument in help. */
static const char *const known_kinds[] = { "FILE", "DIR", "IFNAME", NULL };
#define OTHER_KINDS ""

/* kind: a flag's argument, NULL for any, OTHER_KINDS for none known. */
static bool kind_matches(const char *arg, const char *kind)
{
	if (!kind)
		return true;
	if (*kind)
		return !strcmp(arg, kind);
	for (const char *const *k = known_kinds; *k; k++)
		if (!strcmp(arg, *k))
			return false;
	return true;
}

/*
 * The flags that take a value of a kind (kind_matches) as a case pattern,
 * "--a | -b | --c"; f NULL: only count them.
 */
static int put_value_flags(FILE *f, const char *kind)
{
	int n = 0;

	for (const struct option_def *o = config_options(); o->name; o++) {
		if (o->hidden || o->file_only || !o->arg || !kind_matches(o->arg, kind))
			continue;
		if (f) {
			fprintf(f, "%s--%s", n ? " | " : "", o->name);
			if (o->short_name)
				fprintf(f, " | -%c", o->short_name);
		}
		n++;
	}
	return n;
}

/* One arm of the case on $prev: the flags of a kind, then what to do. */
static void put_value_arm(FILE *f, const char *kind, const char *action)
{
	if (!put_value_flags(NULL, kind))
		return;
	fputs("	", f);
	put_value_flags(f, kind);
	fprintf(f, ")\n%s\t\treturn ;;\n", action);
}

static void put_all_flags(FILE *f)
{
	const char *sep = "";

	for (const struct option_def *o = config_options(); o->name; o++) {
		if (o->hidden || o->file_only)
			continue;
		fprintf(f, "%s--%s", sep, o->name);
		if (o->short_name)
			fprintf(f, " -%c", o->short_name);
		sep = " ";
	}
}

/* A flag's value: file names, directories, interfaces, or nothing known. */
static void put_values(FILE *f)
{
	fputs("\tcase $prev in\n", f);
	put_value_arm(f, "FILE", "\t\tmapfile -t COMPREPLY < <(compgen -f -- \"$cur\")\n");
	put_value_arm(f, "DIR", "\t\tmapfile -t COMPREPLY < <(compgen -d -- \"$cur\")\n");
	put_value_arm(f, "IFNAME", "\t\tmapfile -t COMPREPLY < <(compgen -W "
		      "\"$(cd /sys/class/net 2>/dev/null && echo *)\" -- \"$cur\")\n");
	put_value_arm(f, OTHER_KINDS, "");
	fputs("\tesac\n", f);
}

/* The words that may follow the command words typed so far. */
static void put_words(FILE *f, const struct cmd *cmds)
{
	const char *name;

	fputs("\tcase ${#words[@]}:${words[0]:-} in\n\t0:)\n\t\topts=\"", f);
	for (const struct cmd *c = cmds; c->name; c++)
		fprintf(f, "%s%s", c == cmds ? "" : " ", c->name);
	fputs("\" ;;\n", f);
	for (const struct cmd *c = cmds; c->name; c++) {
		if (!c->sub)
			continue;
		fprintf(f, "\t1:%s)\n\t\topts=\"", c->name);
		for (const struct cmd *s = c->sub; s->name; s++)
			fprintf(f, "%s%s", s == c->sub ? "" : " ", s->name);
		fputs("\" ;;\n", f);
	}
	fputs("\t1:help)\n\t\topts=\"", f);
	for (int i = 0; (name = doc_topic_name(cmds, i)); i++)
		fprintf(f, "%s%s", i ? " " : "", name);
	fputs("\" ;;\n\t2:net)\n\t\t[ \"${words[1]}\" != set ] || opts=\"", f);
	for (int i = 0; i < NETREC_NKEYS; i++)
		fprintf(f, "%s%s", i ? " " : "", netrec_keys[i]);
	fputs("\" ;;\n\tesac\n", f);
}

void doc_completion(FILE *f, const struct cmd *cmds)
{
	fputs("# bash completion for bpfnet(8). Written by `bpfnet help --completion`\n"
	      "# from the tables in user/: do not edit.\n"
	      "_bpfnet()\n{\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=\"\" opts=\"\" i words=()\n"
	      "\t[ \"$COMP_CWORD\" -eq 0 ] || prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
	      "\tCOMPREPLY=()\n", f);
	put_values(f);
	fputs("\tif [[ $cur == -* ]]; then\n\t\topts=\"", f);
	put_all_flags(f);
	fputs("\"\n\t\tmapfile -t COMPREPLY < <(compgen -W \"$opts\" -- \"$cur\")\n"
	      "\t\treturn\n\tfi\n"
	      "\t# the command words so far: not flags, nor the values of flags\n"
	      "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	      "\t\tcase ${COMP_WORDS[i]} in\n\t\t", f);
	put_value_flags(f, NULL);
	fputs(") i=$((i + 1)) ;;\n"
	      "\t\t-*) ;;\n"
	      "\t\t*) words+=(\"${COMP_WORDS[i]}\") ;;\n"
	      "\t\tesac\n\tdone\n", f);
	put_words(f, cmds);
	fputs("\tmapfile -t COMPREPLY < <(compgen -W \"$opts\" -- \"$cur\")\n}\n"
	      "complete -F _bpfnet bpfnet\n", f);
}
