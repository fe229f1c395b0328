// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fsutil.h"
#include "log.h"

void config_defaults(struct bpfnet_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->bridge, "bpfnet0");
	parse_cidr("172.19.0.0/16", &cfg->subnet, &cfg->prefix);
	cfg->gateway.s_addr = htonl(ntohl(cfg->subnet.s_addr) + 1);
	strcpy(cfg->iface, "eth0");
	strcpy(cfg->state_dir, "/run/bpfnet");
	strcpy(cfg->pin_dir, "/sys/fs/bpf/bpfnet");
	cfg->port_min = 1024;
	cfg->port_max = 65535;
	cfg->nat6 = true;
	cfg->flow_table_size = flow_table_host_default();
}

int parse_cidr(const char *s, struct in_addr *net, int *prefix)
{
	char buf[32], *slash, *end;
	unsigned long n;
	uint32_t mask;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	if (inet_pton(AF_INET, buf, net) != 1)
		return -EINVAL;
	errno = 0;
	n = strtoul(slash + 1, &end, 10);
	if (errno || *end || end == slash + 1 || n > 32)
		return -EINVAL;
	mask = n ? htonl(~0u << (32 - n)) : 0;
	if (net->s_addr & ~mask)
		return -EINVAL;
	*prefix = (int)n;
	return 0;
}

/* The JSON types a config file key takes. */
#define KEY_STR cJSON_String
#define KEY_BOOL (cJSON_True | cJSON_False)
#define FIELD(f) offsetof(struct bpfnet_config, f)

/* Every setting, in the order of `bpfnet help`. */
static const struct option_def options[] = {
	{ .name = "config", .arg = "FILE",	/* read first, by config_parse_args */
	  .help = "settings file (default " BPFNET_DEFAULT_CONFIG " if present)" },
	{ .name = "bridge", .arg = "NAME", .json = KEY_STR,
	  .help = "bridge to create/use (default bpfnet0)",
	  .set = set_name, .off = FIELD(bridge), .what = "bridge name" },
	{ .name = "subnet", .arg = "CIDR", .json = KEY_STR,
	  .help = "container subnet (default 172.19.0.0/16, gateway = first address)",
	  .set = set_subnet },
	{ .name = "subnet6", .arg = "CIDR", .json = KEY_STR,
	  .help = "IPv6 container prefix, /64 to /120, e.g. fd19::/64 (default: none,\n"
		  "IPv4 only); the gateway is its ::1, containers get ::2 up",
	  .set = set_subnet6 },
	{ .name = "nat6", .arg = "true|false", .json = KEY_BOOL | KEY_STR,
	  .help = "masquerade IPv6 behind the uplink's address (default true);\n"
		  "false: routed, the prefix must be routed to the host",
	  .set = set_nat6 },
	{ .name = "uplink", .arg = "IFNAME", .json = KEY_STR,
	  .help = "interface to masquerade behind (default: the default route's)",
	  .set = set_name, .off = FIELD(uplink), .what = "uplink name" },
	{ .name = "mtu", .arg = "N", .json = KEY_STR | cJSON_Number,
	  .help = "MTU of the veths (default: the uplink's, else 1500)",
	  .set = set_mtu, .what = "mtu" },
	{ .name = "iface", .arg = "NAME", .json = KEY_STR,
	  .help = "interface name inside the container (default eth0)",
	  .set = set_name, .off = FIELD(iface), .what = "interface name" },
	{ .name = "state-dir", .alias = "state_dir", .camel = "stateDir",
	  .arg = "DIR", .json = KEY_STR,
	  .help = "persistent state (default /run/bpfnet)",
	  .set = set_path, .off = FIELD(state_dir), .what = "state dir" },
	{ .name = "pin-dir", .alias = "pin_dir", .camel = "pinDir",
	  .arg = "DIR", .json = KEY_STR,
	  .help = "BPF pins (default /sys/fs/bpf/bpfnet)",
	  .set = set_path, .off = FIELD(pin_dir), .what = "pin dir" },
	{ .name = "snat-ports", .alias = "snat_ports", .camel = "snatPorts",
	  .arg = "MIN-MAX", .json = KEY_STR,
	  .help = "source ports for masquerade (default 1024-65535)",
	  .set = set_port_range },
	{ .name = "flow-table-size", .alias = "flow_table_size",
	  .camel = "flowTableSize", .arg = "N",
	  .json = KEY_STR | cJSON_Number,
	  .help = "flows per flow table (the new-flow tables: half), 1024 or more;\n"
		  "default: memory / 16 KiB as a power of two, 16384 to 1048576",
	  .set = set_flow_table_size, .what = "flow-table-size" },
	{ .name = "cgroup", .arg = "DIR", .json = KEY_STR,
	  .help = "cgroup2 dir whose processes reach published ports through\n"
		  "the socket programs (default: the cgroup2 root)",
	  .set = set_path, .off = FIELD(cgroup), .what = "cgroup" },
	{ .name = "no-masquerade", .alias = "no_masquerade",
	  .camel = "noMasquerade", .arg = "CIDR,...",
	  .json = KEY_STR | cJSON_Array,
	  .help = "destinations reached with the container's own address (other\n"
		  "nodes' pod subnets), and the only routed sources that reach\n"
		  "containers directly; up to 8, \"\" for none",
	  .set = set_no_masq, .set_list = set_no_masq_list, .what = "no-masquerade" },
	{ .name = "isolate", .json = KEY_BOOL,
	  .help = "containers may not reach the host itself (published ports still work)",
	  .set = set_bool, .off = FIELD(isolate) },
	{ .name = "force",
	  .help = "publish a port even where a host process listens on it",
	  .set = set_bool, .off = FIELD(force) },
	{ .name = "type", .arg = "drop|trace|all",
	  .help = "monitor: the events shown (default drop)",
	  .set = set_monitor_type },
	{ .name = "id", .arg = "ID",
	  .help = "monitor: only this container's events",
	  .set = set_monitor_id },
	{ .name = "rate", .arg = "N",
	  .help = "monitor: events per second and CPU the datapath makes, the rest\n"
		  "counted as lost (default 1000)",
	  .set = set_monitor_rate, .what = "rate" },
	{ .name = "json", .short_name = 'j', .help = "JSON output",
	  .set = set_bool, .off = FIELD(json) },
	{ .name = "prometheus", .help = "stats: Prometheus text exposition format",
	  .set = set_bool, .off = FIELD(prometheus) },
	{ .name = "textfile", .arg = "DIR",
	  .help = "stats: write the Prometheus format to DIR/bpfnet.prom, replaced\n"
		  "atomically (node_exporter's textfile collector), nothing on stdout",
	  .set = set_path, .off = FIELD(textfile), .what = "textfile dir" },
	{ .name = "verbose", .short_name = 'v', .json = KEY_BOOL,
	  .help = "say more (twice: debug)", .set = set_verbose },
	{ .name = "allowedHostPorts", .file_only = true, .json = cJSON_Array,
	  .arg = "[PORT or \"MIN-MAX\", ...]",
	  .help = "host ports that bpfnet.ports annotations may publish (default: any; [] allows none); the CLI is not restricted",
	  .set_list = set_allowed_ports },
	{ .name = "man", .hidden = true, .set = set_bool, .off = FIELD(man) },
	{ .name = "completion", .hidden = true, .set = set_bool, .off = FIELD(completion) },
	{ .name = "topics", .hidden = true, .set = set_bool, .off = FIELD(topics) },
	{ 0 }
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]) - 1)
_Static_assert(NOPTIONS <= sizeof(((struct bpfnet_config *)0)->given) * 8,
	       "one bit of bpfnet_config.given per option");

/* o was given: its value is no longer the default. */
static void mark_given(struct bpfnet_config *cfg, const struct option_def *o)
{
	cfg->given |= 1u << (o - options);
}

static const struct option_def *find_option(const char *name)
{
	for (const struct option_def *o = options; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

bool config_given(const struct bpfnet_config *cfg, const char *name)
{
	const struct option_def *o = find_option(name);

	return o && (cfg->given & (1u << (o - options)));
}

int config_set(struct bpfnet_config *cfg, const char *name, const char *val)
{
	const struct option_def *o = find_option(name);

	if (!o || !o->set)
		return -EINVAL;	/* the caller names options, not users */
	if (!o->arg && strcmp(val, "true") && strcmp(val, "false")) {
		pr_err("invalid %s '%s': true or false is needed", o->name, val);
		return -EINVAL;
	}
	mark_given(cfg, o);
	return o->set(cfg, o, val);
}

const struct option_def *config_options(void)
{
	return options;
}

bool config_port_allowed(const struct bpfnet_config *cfg, unsigned int lo,
			 unsigned int hi)
{
	if (!cfg->allowed_set)
		return true;
	for (int i = 0; i < cfg->n_allowed; i++)
		if (lo >= cfg->allowed[i].lo && hi <= cfg->allowed[i].hi)
			return true;
	return false;
}

const struct option_def *config_find_key(const char *key)
{
	for (const struct option_def *o = options; o->name; o++)
		if (o->json && (!strcmp(key, o->name) ||
				(o->alias && !strcmp(key, o->alias)) ||
				(o->camel && !strcmp(key, o->camel))))
			return o;
	return NULL;
}

/* One key of the config file, as its table entry says. */
int config_apply_key(struct bpfnet_config *cfg, const cJSON *it,
		     const char *origin)
{
	const struct option_def *o = config_find_key(it->string);
	char num[32];

	if (o && (it->type & o->json)) {
		mark_given(cfg, o);
		if (cJSON_IsArray(it))
			return o->set_list(cfg, it, origin);
		if (cJSON_IsBool(it))
			return o->set(cfg, o, cJSON_IsTrue(it) ? "true" : "false");
		if (cJSON_IsString(it))
			return o->set(cfg, o, it->valuestring);
		/* a number: only a whole one, in the same words as a string */
		if (it->valuedouble >= 0 && it->valuedouble <= 1e9 &&
		    it->valuedouble == (double)(long)it->valuedouble) {
			snprintf(num, sizeof(num), "%ld", (long)it->valuedouble);
			return o->set(cfg, o, num);
		}
	} else if (cJSON_IsString(it)) {
		pr_err("unknown setting '%s'", it->string);
		return -EINVAL;
	}
	pr_err("config %s: '%s' has the wrong type", origin, it->string);
	return -EINVAL;
}

int config_apply_json(struct bpfnet_config *cfg, const char *text, size_t len,
		      const char *origin)
{
	cJSON *root, *it;
	int err = 0;

	root = json_parse_strict(text, len);
	if (!root || !cJSON_IsObject(root)) {
		pr_err("config %s: not a JSON object", origin);
		cJSON_Delete(root);
		return -EINVAL;
	}
	cJSON_ArrayForEach(it, root) {
		err = config_apply_key(cfg, it, origin);
		if (err)
			break;
	}
	cJSON_Delete(root);
	return err;
}

/*
 * The config file names directories bpfnet mounts on and writes to: read it
 * only if root owns it, nobody else can write it, and it is not a symlink.
 */
static int open_trusted(const char *path, int *fdp)
{
	struct stat st;
	/* O_NONBLOCK: a FIFO planted there must not hang every hook */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return errno == ELOOP ? -EPERM : -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 0022)) {
		close(fd);
		return -EPERM;
	}
	*fdp = fd;
	return 0;
}

static int config_load_file(struct bpfnet_config *cfg, const char *path,
			    bool must_exist)
{
	char *text;
	size_t len;
	int fd = -1, err;

	err = open_trusted(path, &fd);
	if (err == -ENOENT && !must_exist)
		return 0;
	if (err == -EPERM) {
		pr_err("refusing config %s: it must be a regular file (not a symlink) owned by root and writable by no one else",
		       path);
		return err;
	}
	if (!err) {
		err = read_fd(fd, 1 << 20, &text, &len);
		close(fd);
	}
	if (err) {
		pr_err("failed to read config %s: %s", path, strerror(-err));
		return err;
	}
	err = config_apply_json(cfg, text, len, path);
	free(text);
	return err;
}

/* What argv asked for, applied once the config file it names is read. */
struct flag_list {
	const struct option_def *opt[BPFNET_MAX_ARGS * 2];
	const char *val[BPFNET_MAX_ARGS * 2];
	int n;
	int times[NOPTIONS];	/* how often each switch was given */
	const char *config;	/* --config FILE */
};

static const struct option_def *find_flag(const char *name, size_t len,
					  char short_name)
{
	for (const struct option_def *o = options; o->name; o++) {
		if (o->file_only)
			continue;
		if (short_name ? o->short_name == short_name :
		    strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
	}
	return NULL;
}

/* argv[*i] is a flag: -X, --NAME, --NAME=VALUE or --NAME VALUE. */
static int take_flag(struct flag_list *fl, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *eq = NULL, *val = NULL;
	const struct option_def *o;

	if (a[1] != '-') {
		o = a[2] ? NULL : find_flag(NULL, 0, a[1]);
	} else {
		eq = strchr(a + 2, '=');
		o = find_flag(a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2), 0);
	}
	if (!o || (eq && !o->arg)) {
		pr_err("unknown flag '%s' (see 'bpfnet help')", a);
		return -EINVAL;
	}
	if (eq) {
		val = eq + 1;
	} else if (o->arg && *i + 1 < argc) {
		val = argv[++*i];
	} else if (o->arg) {
		pr_err("flag '--%s' needs a value", o->name);
		return -EINVAL;
	}
	if (!strcmp(o->name, "config")) {
		fl->config = val;
	} else if (!o->arg) {
		fl->times[o - options]++;
	} else if (fl->n >= BPFNET_MAX_ARGS * 2) {
		pr_err("too many flags");
		return -EINVAL;
	} else {
		fl->opt[fl->n] = o;
		fl->val[fl->n++] = val;
	}
	return 0;
}

/* Flags win over the file: values in their order, then the switches. */
static int apply_flags(struct bpfnet_config *cfg, const struct flag_list *fl)
{
	int err;

	for (int i = 0; i < fl->n; i++) {
		mark_given(cfg, fl->opt[i]);
		err = fl->opt[i]->set(cfg, fl->opt[i], fl->val[i]);
		if (err)
			return err;
	}
	for (size_t k = 0; k < NOPTIONS; k++) {
		if (fl->times[k])
			mark_given(cfg, &options[k]);
		for (int t = 0; t < fl->times[k]; t++)
			options[k].set(cfg, &options[k], NULL);
	}
	return 0;
}

int config_parse_args(struct bpfnet_config *cfg, struct bpfnet_args *pos,
		      int argc, char **argv)
{
	struct flag_list fl = { 0 };
	bool only_pos = false;
	int err;

	pos->argc = 0;
	for (int i = 0; i < argc; i++) {
		char *a = argv[i];

		if (only_pos || a[0] != '-' || !a[1]) {
			if (pos->argc >= BPFNET_MAX_ARGS) {
				pr_err("too many arguments");
				return -EINVAL;
			}
			pos->argv[pos->argc++] = a;
		} else if (!strcmp(a, "--")) {
			only_pos = true;
		} else {
			err = take_flag(&fl, argc, argv, &i);
			if (err)
				return err;
		}
	}
	err = config_load_file(cfg, fl.config ? fl.config : BPFNET_DEFAULT_CONFIG,
			       fl.config != NULL);
	if (!err)
		err = apply_flags(cfg, &fl);
	return err ? err : config_validate(cfg);
}

int config_validate(const struct bpfnet_config *cfg)
{
	if (cfg->prefix > 30 || cfg->prefix < 8) {
		pr_err("subnet /%d is unusable: a prefix from /8 to /30 is needed",
		       cfg->prefix);
		return -EINVAL;
	}
	if (cfg->uplink[0] && !strcmp(cfg->uplink, cfg->bridge)) {
		pr_err("uplink and bridge cannot both be '%s'", cfg->bridge);
		return -EINVAL;
	}
	if (!strcmp(cfg->state_dir, "/") || !strcmp(cfg->pin_dir, "/")) {
		pr_err("state dir and pin dir cannot be '/'");
		return -EINVAL;
	}
	return 0;
}
