// SPDX-License-Identifier: GPL-2.0
/*
 * bpfnet: bridged container networking for OCI runtimes, with an eBPF
 * datapath instead of iptables. One binary: the OCI hook and the CLI.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd.h"
#include "cni.h"
#include "config.h"
#include "doc.h"
#include "log.h"

#ifndef BPFNET_VERSION
#define BPFNET_VERSION "0.1.0"
#endif

static int cmd_help(struct bpfnet_config *cfg, struct bpfnet_args *args);

static int cmd_version(struct bpfnet_config *cfg, struct bpfnet_args *args)
{
	(void)cfg;
	(void)args;
	printf("bpfnet %s\n", BPFNET_VERSION);
	return 0;
}

/* In the order of `bpfnet help`. */
static const struct cmd cmds[] = {
	{ .name = "hook", .fn = cmd_hook, .args = "< state.json", .max_args = -1,
	  .help = "OCI hook: set up (creating/created) or tear down (stopped)" },
	{ .name = "ls", .fn = cmd_ls, .args = "[-j]",
	  .help = "list containers: id, address, MAC, host interface, netns" },
	{ .name = "port", .sub = port_cmds,
	  .help = "publish a running container's ports, or unpublish them" },
	{ .name = "net", .sub = net_cmds,
	  .help = "the network's settings, shown or changed for every container" },
	{ .name = "stats", .fn = cmd_stats, .args = "[-j]",
	  .help = "datapath counters: totals, drops, tables, per container (also --prometheus)" },
	{ .name = "monitor", .fn = cmd_monitor, .args = "[-j]",
	  .help = "drops as they happen, until stopped (--type trace: every translation; --id ID)" },
	{ .name = "flows", .fn = cmd_flows, .args = "[ID] [-j]", .max_args = 1,
	  .help = "live flows as conntrack -L: tuples sent and translated, state, age, expiry, counters" },
	{ .name = "gc", .fn = cmd_gc,
	  .help = "remove expired flows and what dead or half-built containers left" },
	{ .name = "resync", .fn = cmd_resync,
	  .help = "follow the uplink now: its address, interface and default route" },
	{ .name = "watch", .fn = cmd_watch,
	  .help = "resync after every link, address or route change (runs until stopped)" },
	{ .name = "down", .fn = cmd_down,
	  .help = "remove everything bpfnet created" },
	{ .name = "help", .fn = cmd_help, .args = "[COMMAND]", .max_args = 1,
	  .help = "this text, or what COMMAND does (as its page bpfnet-COMMAND(8))" },
	{ .name = "version", .fn = cmd_version, .max_args = -1,
	  .help = "print the version" },
	{ NULL }
};

/*
 * help [COMMAND]; --man: as a man page (make man writes docs/bpfnet.8 and
 * docs/man/bpfnet-COMMAND.8), --topics: the COMMANDs that have one,
 * --completion: the bash completion script.
 */
static int cmd_help(struct bpfnet_config *cfg, struct bpfnet_args *args)
{
	const char *topic = args->argc > 1 ? args->argv[1] : NULL;
	const char *name;
	int err;

	if (cfg->completion) {
		doc_completion(stdout, cmds);
		return 0;
	}
	if (cfg->topics) {
		for (int i = 0; (name = doc_topic_name(cmds, i)); i++)
			puts(name);
		return 0;
	}
	if (!topic) {
		if (cfg->man)
			doc_man(stdout, cmds, BPFNET_VERSION);
		else
			doc_usage(stdout, cmds);
		return 0;
	}
	err = cfg->man ? doc_topic_man(stdout, cmds, topic, BPFNET_VERSION) :
			 doc_topic_usage(stdout, cmds, topic);
	if (err) {
		pr_err("no help for '%s': not a command (see 'bpfnet help')", topic);
		return EXIT_USAGE;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bpfnet_config cfg;
	struct bpfnet_args args;

	/* a container runtime runs CNI plugins with no arguments */
	if (argc == 1 && getenv("CNI_COMMAND"))
		return cni_main();
	config_defaults(&cfg);
	if (config_parse_args(&cfg, &args, argc - 1, argv + 1))
		return EXIT_USAGE;
	log_verbose = cfg.verbose;
	log_setup_libbpf();

	if (args.argc == 0) {
		if (isatty(STDIN_FILENO)) {
			doc_usage(stderr, cmds);
			return EXIT_USAGE;
		}
		/* drop-in: a runtime config naming only the path */
		return cmd_hook(&cfg, &args);
	}
	return cmd_select(cmds, NULL, &cfg, &args, 0);
}
