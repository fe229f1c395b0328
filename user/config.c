// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
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

static int set_name(char *dst, const char *val, const char *what)
{
	if (!*val || strlen(val) >= IFNAMSIZ || strchr(val, '/') ||
	    strpbrk(val, " \t\n:")) {
		pr_err("invalid %s '%s': an interface name is 1 to %d characters without '/', ':' or spaces",
		       what, val, IFNAMSIZ - 1);
		return -EINVAL;
	}
	strcpy(dst, val);
	return 0;
}

static bool has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '/' || !p[2]))
			return true;
	return false;
}

static int set_path(char *dst, const char *val, const char *what)
{
	if (val[0] != '/' || strlen(val) >= 200 || has_dotdot(val)) {
		pr_err("invalid %s '%s': an absolute path under 200 characters, without '..', is needed", what, val);
		return -EINVAL;
	}
	strcpy(dst, val);
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

static int set_subnet(struct bpfnet_config *cfg, const char *val)
{
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

static int set_port_range(struct bpfnet_config *cfg, const char *val)
{
	unsigned int lo, hi;
	char tail;

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

/* One setting by its name, as used in the config file and as --NAME. */
static int config_set(struct bpfnet_config *cfg, const char *key,
		      const char *val)
{
	unsigned int u;
	int err;

	if (!strcmp(key, "bridge"))
		return set_name(cfg->bridge, val, "bridge name");
	if (!strcmp(key, "subnet"))
		return set_subnet(cfg, val);
	if (!strcmp(key, "uplink"))
		return set_name(cfg->uplink, val, "uplink name");
	if (!strcmp(key, "iface"))
		return set_name(cfg->iface, val, "interface name");
	if (!strcmp(key, "state-dir") || !strcmp(key, "state_dir"))
		return set_path(cfg->state_dir, val, "state dir");
	if (!strcmp(key, "pin-dir") || !strcmp(key, "pin_dir"))
		return set_path(cfg->pin_dir, val, "pin dir");
	if (!strcmp(key, "cgroup"))
		return set_path(cfg->cgroup, val, "cgroup");
	if (!strcmp(key, "snat-ports") || !strcmp(key, "snat_ports"))
		return set_port_range(cfg, val);
	if (!strcmp(key, "mtu")) {
		err = set_uint(&u, val, 576, 65535, "mtu");
		if (!err)
			cfg->mtu = (int)u;
		return err;
	}
	pr_err("unknown setting '%s'", key);
	return -EINVAL;
}

/* "allowedHostPorts": ["80", "8000-8999", 443, ...] */
static int set_allowed_ports(struct bpfnet_config *cfg, const cJSON *arr,
			     const char *origin)
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

int config_apply_json(struct bpfnet_config *cfg, const char *text, size_t len,
		      const char *origin)
{
	cJSON *root, *it;
	char num[32];
	int err = 0;

	root = json_parse_strict(text, len);
	if (!root || !cJSON_IsObject(root)) {
		pr_err("config %s: not a JSON object", origin);
		cJSON_Delete(root);
		return -EINVAL;
	}
	cJSON_ArrayForEach(it, root) {
		const char *val;

		if (!strcmp(it->string, "verbose") && cJSON_IsBool(it)) {
			cfg->verbose = cJSON_IsTrue(it);
			continue;
		}
		if (!strcmp(it->string, "isolate") && cJSON_IsBool(it)) {
			cfg->isolate = cJSON_IsTrue(it);
			continue;
		}
		if (!strcmp(it->string, "allowedHostPorts") && cJSON_IsArray(it)) {
			err = set_allowed_ports(cfg, it, origin);
			if (err)
				break;
			continue;
		}
		if (cJSON_IsString(it)) {
			val = it->valuestring;
		} else if (cJSON_IsNumber(it) && !strcmp(it->string, "mtu") &&
			   it->valuedouble >= 0 &&
			   it->valuedouble <= 1e9 &&
			   it->valuedouble == (double)(long)it->valuedouble) {
			snprintf(num, sizeof(num), "%ld", (long)it->valuedouble);
			val = num;
		} else {
			pr_err("config %s: '%s' has the wrong type", origin,
			       it->string);
			err = -EINVAL;
			break;
		}
		err = config_set(cfg, it->string, val);
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

/* Flags that take a value; their names match config_set() keys. */
static const char *const value_flags[] = {
	"bridge", "subnet", "uplink", "mtu", "iface", "state-dir", "pin-dir",
	"snat-ports", "cgroup", "config", NULL,
};

static bool is_value_flag(const char *name)
{
	for (int i = 0; value_flags[i]; i++)
		if (!strcmp(name, value_flags[i]))
			return true;
	return false;
}

int config_parse_args(struct bpfnet_config *cfg, struct bpfnet_args *pos,
		      int argc, char **argv)
{
	const char *names[BPFNET_MAX_ARGS * 2], *vals[BPFNET_MAX_ARGS * 2];
	const char *config_path = NULL;
	int nset = 0, verbose = 0, err;
	bool json = false, isolate = false, only_pos = false;

	pos->argc = 0;
	for (int i = 0; i < argc; i++) {
		char *a = argv[i];
		char name[32];
		const char *val = NULL, *eq;

		if (only_pos || a[0] != '-' || !a[1]) {
			if (pos->argc >= BPFNET_MAX_ARGS) {
				pr_err("too many arguments");
				return -EINVAL;
			}
			pos->argv[pos->argc++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_pos = true;
			continue;
		}
		if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			verbose++;
			continue;
		}
		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			json = true;
			continue;
		}
		if (!strcmp(a, "--isolate")) {
			isolate = true;
			continue;
		}
		if (a[1] != '-') {
			pr_err("unknown flag '%s' (see 'bpfnet help')", a);
			return -EINVAL;
		}
		eq = strchr(a + 2, '=');
		snprintf(name, sizeof(name), "%.*s",
			 (int)(eq ? (size_t)(eq - a - 2) : strlen(a + 2)), a + 2);
		if (!is_value_flag(name)) {
			pr_err("unknown flag '%s' (see 'bpfnet help')", a);
			return -EINVAL;
		}
		if (eq) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			pr_err("flag '--%s' needs a value", name);
			return -EINVAL;
		}
		if (!strcmp(name, "config")) {
			config_path = val;
			continue;
		}
		if (nset >= (int)(sizeof(names) / sizeof(names[0]))) {
			pr_err("too many flags");
			return -EINVAL;
		}
		names[nset] = value_flags[0];
		for (int k = 0; value_flags[k]; k++)
			if (!strcmp(name, value_flags[k]))
				names[nset] = value_flags[k];
		vals[nset++] = val;
	}

	err = config_load_file(cfg, config_path ? config_path : BPFNET_DEFAULT_CONFIG,
			       config_path != NULL);
	if (err)
		return err;
	for (int i = 0; i < nset; i++) {
		err = config_set(cfg, names[i], vals[i]);
		if (err)
			return err;
	}
	cfg->verbose += verbose;
	cfg->json = cfg->json || json;
	cfg->isolate = cfg->isolate || isolate;
	return config_validate(cfg);
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
