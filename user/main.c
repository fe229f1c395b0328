// SPDX-License-Identifier: GPL-2.0
/*
 * bpfnet: bridged container networking for OCI runtimes, with an eBPF
 * datapath instead of iptables. One binary: the OCI hook and the CLI.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
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

static const struct cmd {
	const char *name;
	int (*fn)(struct bpfnet_config *, struct bpfnet_args *);
	const char *usage;
} cmds[] = {
	{ "hook", cmd_hook, "hook < state.json      OCI hook: set up (creating/created) or tear down (stopped)" },
	{ "ls", cmd_ls, "ls [-j]                 list containers: id, address, MAC, host interface, netns" },
	{ "port", cmd_port, "port add ID SPEC        publish [HOSTIP:]HOSTPORT[-END]:CPORT[-END][/tcp|udp] now\n"
			     "  bpfnet port del ID SPEC        unpublish it; its connections are cut\n"
			     "  bpfnet port ls [ID] [-j]       list published ports" },
	{ "stats", cmd_stats, "stats [-j]              datapath counters: totals and per container" },
	{ "gc", cmd_gc, "gc                      remove expired flows and what dead or half-built containers left" },
	{ "down", cmd_down, "down                    remove everything bpfnet created" },
	{ "help", cmd_help, "help                    this text" },
	{ "version", cmd_version, "version                 print the version" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: bpfnet [FLAGS] COMMAND [ARGS] [FLAGS]\n"
		   "       bpfnet < state.json   (no command: same as 'hook')\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  bpfnet %s\n", cmds[i].usage);
	fprintf(f,
		"\nFlags (every command; also keys of the JSON --config file, flags win):\n"
		"  --config FILE       settings file (default /etc/bpfnet/config.json if present)\n"
		"  --bridge NAME       bridge to create/use (default bpfnet0)\n"
		"  --subnet CIDR       container subnet (default 172.19.0.0/16, gateway = first address)\n"
		"  --uplink IFNAME     interface to masquerade behind (default: the default route's)\n"
		"  --mtu N             MTU of the veths (default: the uplink's, else 1500)\n"
		"  --iface NAME        interface name inside the container (default eth0)\n"
		"  --state-dir DIR     persistent state (default /run/bpfnet)\n"
		"  --pin-dir DIR       BPF pins (default /sys/fs/bpf/bpfnet)\n"
		"  --snat-ports MIN-MAX  source ports for masquerade (default 1024-65535)\n"
		"  --cgroup DIR        cgroup2 dir whose processes reach published ports through\n"
		"                      the socket programs (default: the cgroup2 root)\n"
		"  --isolate           containers may not reach the host itself (published ports still work)\n"
		"  -j, --json          JSON output\n"
		"  -v, --verbose       say more (twice: debug)\n");
}

static int cmd_help(struct bpfnet_config *cfg, struct bpfnet_args *args)
{
	(void)cfg;
	(void)args;
	usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct bpfnet_config cfg;
	struct bpfnet_args args;
	const char *name;

	config_defaults(&cfg);
	if (config_parse_args(&cfg, &args, argc - 1, argv + 1))
		return EXIT_USAGE;
	log_verbose = cfg.verbose;
	log_setup_libbpf();

	if (args.argc == 0) {
		if (isatty(STDIN_FILENO)) {
			usage(stderr);
			return EXIT_USAGE;
		}
		name = "hook";	/* drop-in: a runtime config naming only the path */
	} else {
		name = args.argv[0];
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(name, cmds[i].name))
			return cmds[i].fn(&cfg, &args);
	pr_err("unknown command '%s' (see 'bpfnet help')", name);
	return EXIT_USAGE;
}
