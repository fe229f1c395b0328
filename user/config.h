/* SPDX-License-Identifier: GPL-2.0 */
/* Settings shared by every command: defaults, config file, flags. */
#ifndef BPFNET_CONFIG_H
#define BPFNET_CONFIG_H

#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#define BPFNET_DEFAULT_CONFIG "/etc/bpfnet/config.json"
#define BPFNET_MAX_ARGS 16
#define BPFNET_MAX_ALLOWED 64	/* ranges in allowedHostPorts */
#define BPFNET_NO_MASQ_MAX 8	/* prefixes of --no-masquerade (the datapath's too) */

/* --flow-table-size: slots of conntrack, rev_nat, dnat_ct and dnat_rev (the
 * four new-flow tables get half, at least the minimum). The default
 * follows memory (flow_table_default); unreadable memory: the fallback. */
#define BPFNET_FLOW_TABLE_MIN 1024
#define BPFNET_FLOW_TABLE_MAX (1u << 24)
#define BPFNET_FLOW_TABLE_DEFAULT_MIN 16384
#define BPFNET_FLOW_TABLE_DEFAULT_MAX 1048576
#define BPFNET_FLOW_TABLE_FALLBACK 131072

/* An IPv4 network: address and prefix length. */
struct ip_prefix {
	struct in_addr net;
	int prefix;
};

struct bpfnet_config {
	char bridge[IFNAMSIZ];
	struct in_addr subnet;		/* network address */
	int prefix;
	struct in_addr gateway;		/* first host address of the subnet */
	/* --subnet6 (dual stack): prefix6 0 = off; the gateway is its ::1 */
	struct in6_addr subnet6;
	int prefix6;
	struct in6_addr gateway6;
	bool nat6;			/* masquerade IPv6 (false: routed) */
	char uplink[IFNAMSIZ];		/* "" = interface of the default route */
	int mtu;			/* 0 = the uplink's, else 1500 */
	char iface[IFNAMSIZ];		/* name inside the container */
	char state_dir[PATH_MAX];
	char pin_dir[PATH_MAX];
	char cgroup[PATH_MAX];		/* cgroup2 dir for socket programs; "" = root */
	unsigned int port_min, port_max;/* SNAT source port range */
	unsigned int flow_table_size;	/* slots of the main flow tables */
	int verbose;
	bool json;
	bool isolate;			/* containers may not reach the host */
	bool force;			/* publish over a host listener */
	bool man;			/* help --man: print the manual page */
	bool completion;		/* help --completion: the bash completion */
	bool topics;			/* help --topics: the names of the pages */
	bool prometheus;		/* stats in Prometheus' text format */
	char textfile[PATH_MAX];	/* stats: write DIR/bpfnet.prom; "" = no */
	/* bpfnet monitor: event types (1 << enum bpfnet_event_type; 0 = drops),
	 * one container's id ("" = all), events per second per CPU (0 = default) */
	unsigned int monitor_types;
	char monitor_id[256];
	unsigned int monitor_rate;
	/* allowedHostPorts (config file only): host ports annotations may
	 * publish. The CLI is not restricted. */
	struct { unsigned short lo, hi; } allowed[BPFNET_MAX_ALLOWED];
	int n_allowed;
	bool allowed_set;		/* the key was given: [] allows nothing */
	/* --no-masquerade: prefixes reached and reaching in untranslated */
	struct ip_prefix no_masq[BPFNET_NO_MASQ_MAX];
	int n_no_masq;
	/* the options given by a flag or the config file, one bit per entry
	 * of the option table (config_given); the rest are defaults */
	unsigned int given;
};

/* A command line split into its flags (applied to cfg) and positionals. */
struct bpfnet_args {
	int argc;
	char *argv[BPFNET_MAX_ARGS];
};

struct cJSON;

/*
 * One setting: its flag, its config file key and its help line. One table
 * of these (config.c) drives the argv parser, the config file, `bpfnet
 * help` and the man page.
 */
struct option_def {
	const char *name;	/* --NAME, and the config file key */
	const char *alias;	/* another config file key, or NULL */
	const char *camel;	/* its camelCase key, as a CNI network config
				 * spells it (a config file may too), or NULL */
	char short_name;	/* -X, or 0 */
	const char *arg;	/* the value's name in help; NULL: a switch */
	const char *help;	/* a '\n' continues on an indented line */
	int json;		/* JSON types its key takes (cJSON_*); 0: no key */
	bool file_only;		/* a config file key, no flag */
	bool hidden;		/* in neither help nor the man page */
	const char *what;	/* the value, in error messages */
	size_t off;		/* the field that the shared setters fill */
	/* val is NULL for a switch given as a flag, "true" or "false" from
	 * the config file */
	int (*set)(struct bpfnet_config *cfg, const struct option_def *o,
		   const char *val);
	int (*set_list)(struct bpfnet_config *cfg, const struct cJSON *arr,
			const char *origin);	/* a JSON array */
};

/*
 * The option table's setters (config_set.c), for config.c. Each fills the
 * field its option names, or prints one line and returns -EINVAL.
 */
int set_name(struct bpfnet_config *cfg, const struct option_def *o,
	     const char *val);
int set_path(struct bpfnet_config *cfg, const struct option_def *o,
	     const char *val);
int set_bool(struct bpfnet_config *cfg, const struct option_def *o,
	     const char *val);
int set_verbose(struct bpfnet_config *cfg, const struct option_def *o,
		const char *val);
int set_subnet(struct bpfnet_config *cfg, const struct option_def *o,
	       const char *val);
/* --subnet6 fd19::/64 (/64 to /120; "" for none), --nat6 true|false */
int set_subnet6(struct bpfnet_config *cfg, const struct option_def *o,
		const char *val);
int set_nat6(struct bpfnet_config *cfg, const struct option_def *o,
	     const char *val);
int set_port_range(struct bpfnet_config *cfg, const struct option_def *o,
		   const char *val);
int set_mtu(struct bpfnet_config *cfg, const struct option_def *o,
	    const char *val);
int set_flow_table_size(struct bpfnet_config *cfg, const struct option_def *o,
			const char *val);
/* --no-masquerade "10.2.0.0/16,10.3.0.0/16" ("" none); the key as a list too */
int set_no_masq(struct bpfnet_config *cfg, const struct option_def *o,
		const char *val);
int set_no_masq_list(struct bpfnet_config *cfg, const struct cJSON *arr,
		     const char *origin);
/* The prefixes as the flag takes them, canonical ("" for none). */
void no_masq_format(const struct bpfnet_config *cfg, char *buf, size_t len);
int set_monitor_type(struct bpfnet_config *cfg, const struct option_def *o,
		     const char *val);
int set_monitor_id(struct bpfnet_config *cfg, const struct option_def *o,
		   const char *val);
int set_monitor_rate(struct bpfnet_config *cfg, const struct option_def *o,
		     const char *val);
int set_allowed_ports(struct bpfnet_config *cfg, const struct cJSON *arr,
		      const char *origin);

/* The option table, ended by an entry without a name. */
const struct option_def *config_options(void);

void config_defaults(struct bpfnet_config *cfg);

/*
 * Parse argv (flags may stand anywhere) and a config file (--config, or the
 * default one when it exists) into cfg; flags win over the file.
 * Returns 0, or -EINVAL after printing one line saying what is wrong.
 */
int config_parse_args(struct bpfnet_config *cfg, struct bpfnet_args *pos,
		      int argc, char **argv);

/* The option a config file key names (name, alias or camelCase), or NULL. */
const struct option_def *config_find_key(const char *key);

/*
 * Apply one key of a JSON object (it->string names it) as the config file
 * would. Returns 0 or -EINVAL after printing one line.
 */
int config_apply_key(struct bpfnet_config *cfg, const struct cJSON *it,
		     const char *origin);

/* Apply a JSON config document (text, len) to cfg. Returns 0 or -EINVAL. */
int config_apply_json(struct bpfnet_config *cfg, const char *text, size_t len,
		      const char *origin);

/*
 * Was the option NAME given (a flag, or a key of the config file), rather
 * than left at its default?
 */
bool config_given(const struct bpfnet_config *cfg, const char *name);

/*
 * Set the option NAME to val as its flag would (same checks, same message;
 * a switch takes "true" or "false") and count it as given. 0, or -EINVAL
 * after printing one line.
 */
int config_set(struct bpfnet_config *cfg, const char *name, const char *val);

/* Parse "A.B.C.D/N" into a network and prefix (host bits must be zero). */
int parse_cidr(const char *s, struct in_addr *net, int *prefix);

/* Is every host port lo..hi inside one allowedHostPorts range? */
bool config_port_allowed(const struct bpfnet_config *cfg, unsigned int lo,
			 unsigned int hi);

/* The default --flow-table-size for mem_bytes of memory (a pure function). */
unsigned int flow_table_default(unsigned long long mem_bytes);

/* The default for this host: its MemTotal, or the fallback if unreadable. */
unsigned int flow_table_host_default(void);

/* The new-flow tables' size for flow tables of n slots: n/2, at least 1024. */
unsigned int flow_table_new_size(unsigned int n);

/* Do the networks a/alen and b/blen share an address? */
bool cidr_overlap(struct in_addr a, int alen, struct in_addr b, int blen);

/* Check the values together (subnet size, names). Returns 0 or -EINVAL. */
int config_validate(const struct bpfnet_config *cfg);

#endif
