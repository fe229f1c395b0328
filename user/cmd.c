// SPDX-License-Identifier: GPL-2.0
/* Command tables: run the command argv names, after checking its words. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"

int cmd_words(char *buf, size_t len, const char *parent, const struct cmd *c)
{
	return snprintf(buf, len, "%s%s%s%s%s", parent ? parent : "",
			parent ? " " : "", c->name, c->args ? " " : "",
			c->args ? c->args : "");
}

/* "usage: bpfnet port add ID SPEC | port del ID SPEC | ...", from c to end */
static void print_usage(const struct cmd *c, const struct cmd *end,
			const char *parent)
{
	char line[512];
	size_t len = 0;

	for (; c != end && c->name && len < sizeof(line); c++) {
		if (len)
			len += snprintf(line + len, sizeof(line) - len, " | ");
		if (len < sizeof(line))
			len += cmd_words(line + len, sizeof(line) - len, parent, c);
	}
	pr_err("usage: bpfnet %s", len ? line : "");
}

int cmd_select(const struct cmd *cmds, const char *parent,
	       struct bpfnet_config *cfg, struct bpfnet_args *args, int depth)
{
	const char *name = depth < args->argc ? args->argv[depth] : "";
	int words = args->argc - depth - 1;
	const struct cmd *c = cmds;

	while (c->name && strcmp(c->name, name))
		c++;
	if (c->name && c->sub)
		return cmd_select(c->sub, c->name, cfg, args, depth + 1);
	if (c->name && (c->max_args < 0 ||
			(words >= c->min_args && words <= c->max_args)))
		return c->fn(cfg, args);

	if (!c->name && !parent)
		pr_err("unknown command '%s' (see 'bpfnet help')", name);
	else if (c->name && !c->max_args)
		pr_err("%s takes no arguments", c->name);
	else if (parent)	/* every form of the parent command */
		print_usage(cmds, NULL, parent);
	else
		print_usage(c, c + 1, NULL);
	return EXIT_USAGE;
}

void cmd_put_json(struct cJSON *doc)
{
	char *out = cJSON_PrintUnformatted(doc);

	if (out)
		puts(out);
	free(out);
	cJSON_Delete(doc);
}
