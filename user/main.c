// SPDX-License-Identifier: GPL-2.0
/*
 * bpfnet: bridged container networking for OCI runtimes, with an eBPF
 * datapath instead of iptables. One binary: the OCI hook and the CLI.
 */
#include <stdio.h>
#include <unistd.h>

#include "cmd.h"
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
	{ .name = "port", .sub = port_cmds },
	{ .name = "net", .sub = net_cmds },
	{ .name = "stats", .fn = cmd_stats, .args = "[-j]",
	  .help = "datapath counters: totals and per container" },
	{ .name = "flows", .fn = cmd_flows, .args = "[ID] [-j]", .max_args = 1,
	  .help = "live flows as conntrack -L: tuples sent and translated, state, expiry, counters" },
	{ .name = "gc", .fn = cmd_gc,
	  .help = "remove expired flows and what dead or half-built containers left" },
	{ .name = "resync", .fn = cmd_resync,
	  .help = "follow the uplink now: its address, interface and default route" },
	{ .name = "watch", .fn = cmd_watch,
	  .help = "resync after every link, address or route change (runs until stopped)" },
	{ .name = "down", .fn = cmd_down,
	  .help = "remove everything bpfnet created" },
	{ .name = "help", .fn = cmd_help, .max_args = -1, .help = "this text" },
	{ .name = "version", .fn = cmd_version, .max_args = -1,
	  .help = "print the version" },
	{ NULL }
};

/* help --man: the man page, docs/bpfnet.8 (make man) */
static int cmd_help(struct bpfnet_config *cfg, struct bpfnet_args *args)
{
	(void)args;
	if (cfg->man)
		doc_man(stdout, cmds, BPFNET_VERSION);
	else
		doc_usage(stdout, cmds);
	return 0;
}

int main(int argc, char **argv)
{
	struct bpfnet_config cfg;
	struct bpfnet_args args;

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
