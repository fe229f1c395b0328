// SPDX-License-Identifier: GPL-2.0
/*
 * The setters of the option table (config.c): each checks one value and
 * fills its field of struct bpfnet_config, or prints one line saying why
 * not. And the flow tables' default size, from the host's memory.
 */
#include <arpa/inet.h>
#include <linux/types.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr6.h"
#include "bpfnet_shared.h"
#include "config.h"
#include "log.h"
#include "oci.h"

/* The shared setters fill the field at o->off and name it o->what. */
int set_name(struct bpfnet_config *cfg, const struct option_def *o,
	     const char *val)
{
	if (!*val || strlen(val) >= IFNAMSIZ || strchr(val, '/') ||
	    strpbrk(val, " \t\n:")) {
		pr_err("invalid %s '%s': an interface name is 1 to %d characters without '/', ':' or spaces",
		       o->what, val, IFNAMSIZ - 1);
		return -EINVAL;
	}
	strcpy((char *)cfg + o->off, val);
	return 0;
}

static bool has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '/' || !p[2]))
			return true;
	return false;
}

int set_path(struct bpfnet_config *cfg, const struct option_def *o,
	     const char *val)
{
	if (val[0] != '/' || strlen(val) >= 200 || has_dotdot(val)) {
		pr_err("invalid %s '%s': an absolute path under 200 characters, without '..', is needed",
		       o->what, val);
		return -EINVAL;
	}
	strcpy((char *)cfg + o->off, val);
	return 0;
}

/* A switch: on as a flag, true or false in the config file. */
int set_bool(struct bpfnet_config *cfg, const struct option_def *o,
	     const char *val)
{
	*(bool *)((char *)cfg + o->off) = !val || !strcmp(val, "true");
	return 0;
}

/* Each -v adds one; the config file says true (1) or false (0). */
int set_verbose(struct bpfnet_config *cfg, const struct option_def *o,
		const char *val)
{
	(void)o;
	cfg->verbose = val ? !strcmp(val, "true") : cfg->verbose + 1;
	return 0;
}

static int set_uint(unsigned int *dst, const char *val, unsigned int min,
		    unsigned int max, const char *what)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(val, &end, 10);
	if (errno || !*val || *end || v < min || v > max || val[0] == '-') {
		pr_err("invalid %s '%s': a number from %u to %u is needed", what,
		       val, min, max);
		return -EINVAL;
	}
	*dst = (unsigned int)v;
	return 0;
}

/* Ranges a container subnet may not touch: they cannot work as one. */
static const struct {
	uint32_t net;
	int prefix;
	const char *what;
} unusable_nets[] = {
	{ 0x00000000, 8, "'this network' (0.0.0.0/8)" },
	{ 0x7f000000, 8, "loopback (127.0.0.0/8)" },
	{ 0xa9fe0000, 16, "link-local (169.254.0.0/16)" },
	{ 0xe0000000, 4, "multicast (224.0.0.0/4)" },
	{ 0xf0000000, 4, "reserved (240.0.0.0/4)" },
};

bool cidr_overlap(struct in_addr a, int alen, struct in_addr b, int blen)
{
	int len = alen < blen ? alen : blen;
	uint32_t mask = len ? ~0u << (32 - len) : 0;

	return ((ntohl(a.s_addr) ^ ntohl(b.s_addr)) & mask) == 0;
}

int set_subnet(struct bpfnet_config *cfg, const struct option_def *o,
	       const char *val)
{
	(void)o;
	if (parse_cidr(val, &cfg->subnet, &cfg->prefix)) {
		pr_err("invalid subnet '%s': a network like 172.19.0.0/16 is needed",
		       val);
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(unusable_nets) / sizeof(unusable_nets[0]); i++) {
		struct in_addr n = { htonl(unusable_nets[i].net) };

		if (cidr_overlap(cfg->subnet, cfg->prefix, n, unusable_nets[i].prefix)) {
			pr_err("invalid subnet '%s': it overlaps %s", val,
			       unusable_nets[i].what);
			return -EINVAL;
		}
	}
	cfg->gateway.s_addr = htonl(ntohl(cfg->subnet.s_addr) + 1);
	return 0;
}

/* IPv6 ranges a container prefix may not touch. */
static const struct {
	const char *net;
	int prefix;
	const char *what;
} unusable_nets6[] = {
	{ "::", 96, "the unspecified and IPv4-compatible range (::/96)" },
	{ "::ffff:0:0", 96, "IPv4-mapped addresses (::ffff:0:0/96)" },
	{ "fe80::", 10, "link-local (fe80::/10)" },
	{ "ff00::", 8, "multicast (ff00::/8)" },
};

int set_subnet6(struct bpfnet_config *cfg, const struct option_def *o,
		const char *val)
{
	struct in6_addr net;
	int prefix;

	(void)o;
	if (!*val) {	/* "": IPv4 only */
		memset(&cfg->subnet6, 0, sizeof(cfg->subnet6));
		memset(&cfg->gateway6, 0, sizeof(cfg->gateway6));
		cfg->prefix6 = 0;
		return 0;
	}
	if (parse_cidr6(val, &net, &prefix)) {
		pr_err("invalid subnet6 '%s': an IPv6 network like fd19::/64 (host bits clear) is needed",
		       val);
		return -EINVAL;
	}
	if (prefix < SUBNET6_PREFIX_MIN || prefix > SUBNET6_PREFIX_MAX) {
		pr_err("invalid subnet6 '%s': a prefix from /%d to /%d is needed",
		       val, SUBNET6_PREFIX_MIN, SUBNET6_PREFIX_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(unusable_nets6) / sizeof(unusable_nets6[0]); i++) {
		const int plen = unusable_nets6[i].prefix;
		struct in6_addr n;

		inet_pton(AF_INET6, unusable_nets6[i].net, &n);
		if (in6_in_prefix(&net, &n, plen)) {
			pr_err("invalid subnet6 '%s': it overlaps %s", val,
			       unusable_nets6[i].what);
			return -EINVAL;
		}
	}
	cfg->subnet6 = net;
	cfg->prefix6 = prefix;
	cfg->gateway6 = in6_with_low64(&net, in6_low64(&net) + 1);
	return 0;
}

int set_nat6(struct bpfnet_config *cfg, const struct option_def *o,
	     const char *val)
{
	(void)o;
	if (!val || (strcmp(val, "true") && strcmp(val, "false"))) {
		pr_err("invalid nat6 '%s': true or false is needed", val ? val : "");
		return -EINVAL;
	}
	cfg->nat6 = !strcmp(val, "true");
	return 0;
}

int set_port_range(struct bpfnet_config *cfg,
		   const struct option_def *o, const char *val)
{
	unsigned int lo, hi;
	char tail;

	(void)o;
	if (sscanf(val, "%u-%u%c", &lo, &hi, &tail) != 2 || lo < 1 ||
	    hi > 65535 || lo > hi) {
		pr_err("invalid port range '%s': MIN-MAX within 1-65535 is needed",
		       val);
		return -EINVAL;
	}
	cfg->port_min = lo;
	cfg->port_max = hi;
	return 0;
}

int set_mtu(struct bpfnet_config *cfg, const struct option_def *o,
	    const char *val)
{
	unsigned int u;
	int err = set_uint(&u, val, 576, 65535, o->what);

	if (!err)
		cfg->mtu = (int)u;
	return err;
}

/* One prefix of --no-masquerade into cfg: 0 or -EINVAL (printed). */
static int add_no_masq(struct bpfnet_config *cfg, const char *cidr)
{
	struct in_addr net;
	int prefix;

	if (parse_cidr(cidr, &net, &prefix)) {
		pr_err("no-masquerade: '%s' is not a network like 10.2.0.0/16 (host bits clear)",
		       cidr);
		return -EINVAL;
	}
	if (cfg->n_no_masq == BPFNET_NO_MASQ_MAX) {
		pr_err("no-masquerade: at most %d prefixes", BPFNET_NO_MASQ_MAX);
		return -EINVAL;
	}
	cfg->no_masq[cfg->n_no_masq].net = net;
	cfg->no_masq[cfg->n_no_masq++].prefix = prefix;
	return 0;
}

int set_no_masq(struct bpfnet_config *cfg, const struct option_def *o,
		const char *val)
{
	char buf[512], *tok, *save = NULL;

	(void)o;
	cfg->n_no_masq = 0;
	if (strlen(val) >= sizeof(buf)) {
		pr_err("no-masquerade: too long");
		return -EINVAL;
	}
	strcpy(buf, val);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (add_no_masq(cfg, tok))
			return -EINVAL;
	return 0;
}

/* "noMasquerade": ["10.2.0.0/16", ...] */
int set_no_masq_list(struct bpfnet_config *cfg, const struct cJSON *arr,
		     const char *origin)
{
	const cJSON *it;

	cfg->n_no_masq = 0;
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it)) {
			pr_err("config %s: noMasquerade takes strings like \"10.2.0.0/16\"",
			       origin);
			return -EINVAL;
		}
		if (add_no_masq(cfg, it->valuestring))
			return -EINVAL;
	}
	return 0;
}

void no_masq_format(const struct bpfnet_config *cfg, char *buf, size_t len)
{
	char net[INET_ADDRSTRLEN];
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < cfg->n_no_masq && n < len; i++) {
		inet_ntop(AF_INET, &cfg->no_masq[i].net, net, sizeof(net));
		n += snprintf(buf + n, len - n, "%s%s/%d", i ? "," : "", net,
			      cfg->no_masq[i].prefix);
	}
}

/* --type drop|trace|all: the events bpfnet monitor shows */
int set_monitor_type(struct bpfnet_config *cfg, const struct option_def *o,
		     const char *val)
{
	(void)o;
	if (!strcmp(val, "drop"))
		cfg->monitor_types = 1u << BPFNET_EV_DROP;
	else if (!strcmp(val, "trace"))
		cfg->monitor_types = 1u << BPFNET_EV_TRACE;
	else if (!strcmp(val, "all"))
		cfg->monitor_types = (1u << BPFNET_EV_TYPES) - 1;
	else {
		pr_err("invalid type '%s': drop, trace or all is needed", val);
		return -EINVAL;
	}
	return 0;
}

int set_monitor_id(struct bpfnet_config *cfg, const struct option_def *o,
		   const char *val)
{
	(void)o;
	if (!oci_id_valid(val)) {
		pr_err("invalid id '%s': a container id is 1 to %d of [A-Za-z0-9_.+-]",
		       val, OCI_ID_MAX);
		return -EINVAL;
	}
	strcpy(cfg->monitor_id, val);
	return 0;
}

int set_monitor_rate(struct bpfnet_config *cfg, const struct option_def *o,
		     const char *val)
{
	return set_uint(&cfg->monitor_rate, val, 1, 1000000, o->what);
}

/* "allowedHostPorts": ["80", "8000-8999", 443, ...] */
int set_allowed_ports(struct bpfnet_config *cfg,
		      const struct cJSON *arr, const char *origin)
{
	const cJSON *it;
	unsigned int lo, hi;
	char tail;

	cfg->n_allowed = 0;
	cfg->allowed_set = true;
	cJSON_ArrayForEach(it, arr) {
		bool ok = false;

		if (cJSON_IsNumber(it) && it->valuedouble >= 1 &&
		    it->valuedouble <= 65535 &&
		    it->valuedouble == (double)(int)it->valuedouble) {
			lo = hi = (unsigned int)it->valuedouble;
			ok = true;
		} else if (cJSON_IsString(it)) {
			const char *s = it->valuestring;
			int n = sscanf(s, "%u-%u%c", &lo, &hi, &tail);

			if (n == 1)
				hi = lo;
			/* digits and at most one dash, nothing else */
			ok = (n == 1 || n == 2) && lo >= 1 && hi <= 65535 &&
			     lo <= hi && strspn(s, "0123456789-") == strlen(s) &&
			     s[strlen(s) - 1] != '-';
		}
		if (!ok || cfg->n_allowed == BPFNET_MAX_ALLOWED) {
			pr_err("config %s: allowedHostPorts needs at most %d ports or ranges like \"8000-8999\"",
			       origin, BPFNET_MAX_ALLOWED);
			return -EINVAL;
		}
		cfg->allowed[cfg->n_allowed].lo = (unsigned short)lo;
		cfg->allowed[cfg->n_allowed++].hi = (unsigned short)hi;
	}
	return 0;
}


/*
 * The flow tables' default size, from the host's memory: MemTotal / 16384
 * rounded down to a power of two, within 16,384..1,048,576 (131,072 at
 * 2 GiB, the size every network had before it was a setting). Why 1/16384:
 * LRU hash maps are preallocated, and an entry costs its key (16 bytes),
 * its value and the kernel's element overhead: measured (memlock), 136
 * bytes in conntrack and dnat_ct, 96 in rev_nat and dnat_rev. Those four
 * have N slots and the four new-flow tables N/2, so a slot of N costs
 * about 4 x 116 x 1.5 = 696 bytes: about 4% of RAM per network at this
 * ratio (91 MB at 2 GiB), bounded so a small VM still holds a busy
 * container's flows and a large host does not give up gigabytes unasked.
 */
unsigned int flow_table_default(unsigned long long mem_bytes)
{
	unsigned long long want = mem_bytes / 16384;
	unsigned int n = BPFNET_FLOW_TABLE_DEFAULT_MIN;

	while (n < BPFNET_FLOW_TABLE_DEFAULT_MAX && (unsigned long long)n * 2 <= want)
		n *= 2;
	return n;
}

/* MemTotal of /proc/meminfo in bytes; 0 when unreadable. */
static unsigned long long mem_total(void)
{
	unsigned long long kb = 0;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

unsigned int flow_table_host_default(void)
{
	unsigned long long mem = mem_total();

	/* unreadable: the size bpfnet always had */
	return mem ? flow_table_default(mem) : BPFNET_FLOW_TABLE_FALLBACK;
}

unsigned int flow_table_new_size(unsigned int n)
{
	return n / 2 < BPFNET_FLOW_TABLE_MIN ? BPFNET_FLOW_TABLE_MIN : n / 2;
}

int set_flow_table_size(struct bpfnet_config *cfg, const struct option_def *o,
			const char *val)
{
	return set_uint(&cfg->flow_table_size, val, BPFNET_FLOW_TABLE_MIN,
			BPFNET_FLOW_TABLE_MAX, o->what);
}
