// SPDX-License-Identifier: GPL-2.0
/*
 * A CNI request: which command, for which container, with which settings.
 * The network config's keys are bpfnet's config file keys (camelCase, as
 * CNI configs spell them: stateDir, pinDir, snatPorts) plus the spec's own.
 */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni_req.h"
#include "fsutil.h"
#include "log.h"
#include "oci.h"
#include "state.h"

const char *const cni_versions[CNI_NVERSIONS] = { "0.3.1", "0.4.0", "1.0.0",
						  "1.1.0" };

static const struct {
	const char *name;
	enum cni_cmd cmd;
	const char *since;	/* the first spec version that has it */
} commands[] = {
	{ "ADD", CNI_ADD, "0.3.1" },
	{ "DEL", CNI_DEL, "0.3.1" },
	{ "CHECK", CNI_CHECK, "0.4.0" },
	{ "VERSION", CNI_VERSION, "0.3.1" },
	{ "GC", CNI_GC, "1.1.0" },
	{ "STATUS", CNI_STATUS, "1.1.0" },
};

/* Keys of the spec (or runtimes) that bpfnet reads elsewhere or ignores. */
static const char *const spec_keys[] = {
	"cniVersion", "cniVersions", "name", "type", "args", "dns",
	"capabilities", "runtimeConfig", "prevResult", "disableCheck",
	"disableGC", "cni.dev/valid-attachments", "cni.dev/attachments", NULL
};

int cni_version_num(const char *v)
{
	unsigned int a, b, c;
	int end = 0;

	if (sscanf(v, "%3u.%3u.%3u%n", &a, &b, &c, &end) != 3 || v[end] ||
	    !isdigit((unsigned char)v[0]) || b > 99 || c > 99)
		return -1;
	return (int)(a * 10000 + b * 100 + c);
}

static bool version_supported(const char *v)
{
	for (int i = 0; i < CNI_NVERSIONS; i++)
		if (!strcmp(v, cni_versions[i]))
			return true;
	return false;
}

static int parse_command(struct cni_req *r)
{
	r->command = getenv("CNI_COMMAND");
	for (size_t i = 0; r->command && i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(r->command, commands[i].name)) {
			r->cmd = commands[i].cmd;
			return CNI_OK;
		}
	pr_err("CNI_COMMAND '%s' is none of ADD, DEL, CHECK, VERSION, GC, STATUS",
	       r->command ? r->command : "");
	return CNI_ERR_ENV;
}

/* cniVersion: present, answered, and new enough for the command. */
static int check_version(struct cni_req *r)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->conf, "cniVersion");
	const char *since = commands[r->cmd].since;

	if (!cJSON_IsString(v)) {
		pr_err("the network config has no cniVersion string");
		return CNI_ERR_CONFIG;
	}
	snprintf(r->version, sizeof(r->version), "%s", v->valuestring);
	if (strlen(v->valuestring) >= sizeof(r->version) ||
	    !version_supported(r->version)) {
		pr_err("cniVersion '%.32s' is not supported: bpfnet answers 0.3.1, 0.4.0, 1.0.0 and 1.1.0",
		       v->valuestring);
		return CNI_ERR_VERSION;
	}
	if (cni_version_num(r->version) < cni_version_num(since)) {
		pr_err("%s needs cniVersion %s or later, not %s", r->command,
		       since, r->version);
		return CNI_ERR_VERSION;
	}
	return CNI_OK;
}

/* One CNI_* variable: set, not empty, NULL otherwise (after saying so). */
static const char *need_env(const char *name, const struct cni_req *r)
{
	const char *v = getenv(name);

	if (!v || !v[0]) {
		pr_err("%s is not set (needed by %s)", name, r->command);
		return NULL;
	}
	return v;
}

static int check_env(struct cni_req *r)
{
	bool attach = r->cmd == CNI_ADD || r->cmd == CNI_DEL ||
		      r->cmd == CNI_CHECK;

	r->netns = getenv("CNI_NETNS") ? getenv("CNI_NETNS") : "";
	if (!attach)
		return CNI_OK;
	r->id = need_env("CNI_CONTAINERID", r);
	if (!r->id)
		return CNI_ERR_ENV;
	r->ifname = need_env("CNI_IFNAME", r);
	if (!r->ifname)
		return CNI_ERR_ENV;
	if (!oci_id_valid(r->id)) {
		pr_err("CNI_CONTAINERID '%.64s' is not a valid id: up to %d of [A-Za-z0-9_.+-]",
		       r->id, OCI_ID_MAX);
		return CNI_ERR_ENV;
	}
	if (r->cmd != CNI_DEL && !need_env("CNI_NETNS", r))
		return CNI_ERR_ENV;
	if (r->netns[0] && (r->netns[0] != '/' ||
			    strlen(r->netns) >= NETNS_PATH_MAX)) {
		pr_err("CNI_NETNS '%.64s' is not an absolute path of fewer than %d bytes",
		       r->netns, NETNS_PATH_MAX);
		return CNI_ERR_ENV;
	}
	/* a valid interface name, as the --iface flag checks it */
	return config_set(&r->cfg, "iface", r->ifname) ? CNI_ERR_ENV : CNI_OK;
}

/* The spec's network name: [A-Za-z0-9][A-Za-z0-9_.-]*. */
static int check_name(const struct cni_req *r)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(r->conf, "name");
	const char *s = cJSON_IsString(n) ? n->valuestring : "";
	bool ok = isalnum((unsigned char)s[0]);

	for (const char *c = s; ok && *c; c++)
		ok = isalnum((unsigned char)*c) || strchr("_.-", *c);
	if (!ok)
		pr_err("the network config's name '%.64s' is missing or not [A-Za-z0-9][A-Za-z0-9_.-]*",
		       s);
	return ok ? CNI_OK : CNI_ERR_CONFIG;
}

static bool port_number(double v)
{
	return v >= 1 && v <= 65535 && v == (double)(int)v;
}

/*
 * A hostIP as the address part of a spec, its colon included: "" for none
 * or 0.0.0.0 (every address, as no hostIP is), "A.B.C.D:" for IPv4,
 * "[ADDR]:" for IPv6 ("[::]:" for every IPv6 address, as the reference
 * portmap plugin reads "::"). CNI_OK or CNI_ERR_FIELD.
 */
static int host_text(const char *host, char *buf, size_t size)
{
	char canon[INET6_ADDRSTRLEN];
	struct in6_addr a6;
	struct in_addr a;

	buf[0] = '\0';
	if (!host[0])
		return CNI_OK;
	if (inet_pton(AF_INET, host, &a) == 1) {
		if (a.s_addr)
			snprintf(buf, size, "%s:", host);
		return CNI_OK;
	}
	/* an IPv4-mapped address would name IPv4 through the IPv6 map */
	if (inet_pton(AF_INET6, host, &a6) != 1 || IN6_IS_ADDR_V4MAPPED(&a6)) {
		pr_err("runtimeConfig.portMappings: hostIP '%.64s' is not an IPv4 or IPv6 address",
		       host);
		return CNI_ERR_FIELD;
	}
	inet_ntop(AF_INET6, &a6, canon, sizeof(canon));
	snprintf(buf, size, "[%s]:", canon);
	return CNI_OK;
}

/* One portMappings entry as a bpfnet.ports spec: "[IP:]HOST:CTR/PROTO". */
static int mapping_text(const cJSON *m, char *buf, size_t size)
{
	const cJSON *hp = cJSON_GetObjectItemCaseSensitive(m, "hostPort");
	const cJSON *cp = cJSON_GetObjectItemCaseSensitive(m, "containerPort");
	const cJSON *pr = cJSON_GetObjectItemCaseSensitive(m, "protocol");
	const cJSON *ip = cJSON_GetObjectItemCaseSensitive(m, "hostIP");
	const char *proto = cJSON_IsString(pr) ? pr->valuestring : "tcp";
	const char *host = cJSON_IsString(ip) ? ip->valuestring : "";
	char addr[INET6_ADDRSTRLEN + 3];
	int code;

	if (!cJSON_IsNumber(hp) || !cJSON_IsNumber(cp) ||
	    (pr && !cJSON_IsString(pr)) || (ip && !cJSON_IsString(ip)) ||
	    !port_number(hp->valuedouble) || !port_number(cp->valuedouble)) {
		pr_err("runtimeConfig.portMappings: an entry needs hostPort and containerPort from 1 to 65535, and strings protocol and hostIP");
		return CNI_ERR_CONFIG;
	}
	if (strcmp(proto, "tcp") && strcmp(proto, "udp")) {
		pr_err("runtimeConfig.portMappings: protocol '%.16s' is not supported (tcp or udp)",
		       proto);
		return CNI_ERR_FIELD;
	}
	code = host_text(host, addr, sizeof(addr));
	if (code)
		return code;
	snprintf(buf, size, "%s%d:%d/%s", addr, (int)hp->valuedouble,
		 (int)cp->valuedouble, proto);
	return CNI_OK;
}

/* runtimeConfig.portMappings, joined as the bpfnet.ports annotation is. */
static int read_mappings(struct cni_req *r, const cJSON *rc)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(rc, "portMappings"), *m;
	size_t len = 0, cap;
	char one[96];
	int code;

	if (!arr)
		return CNI_OK;
	if (!cJSON_IsArray(arr)) {
		pr_err("runtimeConfig.portMappings is not a list");
		return CNI_ERR_CONFIG;
	}
	cap = (size_t)cJSON_GetArraySize(arr) * sizeof(one) + 1;
	r->ports = calloc(1, cap);
	if (!r->ports)
		return CNI_ERR_IO;
	cJSON_ArrayForEach(m, arr) {
		code = mapping_text(m, one, sizeof(one));
		if (code)
			return code;
		len += snprintf(r->ports + len, cap - len, "%s%s", len ? "," : "", one);
	}
	return CNI_OK;
}

static bool spec_key(const char *key)
{
	for (int i = 0; spec_keys[i]; i++)
		if (!strcmp(key, spec_keys[i]))
			return true;
	return false;
}

/*
 * ipam: {"type": PLUGIN, ...}, delegated to PLUGIN in CNI_PATH. The name is
 * a file name, never a path.
 */
static int read_ipam(struct cni_req *r, const cJSON *it)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(it, "type");
	const char *s = cJSON_IsString(t) ? t->valuestring : "";
	bool ok = s[0] && strcmp(s, ".") && strcmp(s, "..");

	for (const char *c = s; ok && *c; c++)
		ok = isalnum((unsigned char)*c) || strchr("_.-", *c);
	if (!cJSON_IsObject(it) || !ok) {
		pr_err("ipam must be an object whose type names a plugin ([A-Za-z0-9_.-]+), not '%.64s'",
		       s);
		return CNI_ERR_CONFIG;
	}
	r->ipam = it;
	r->ipam_type = s;
	return CNI_OK;
}

/* A key that is not the spec's: bpfnet's setting, or refused. */
static int apply_setting(struct cni_req *r, const cJSON *it)
{
	if (!strcmp(it->string, "ipam"))
		return read_ipam(r, it);
	if (!strcmp(it->string, "ipMasq")) {
		if (cJSON_IsTrue(it))
			return CNI_OK;
		pr_err("'ipMasq' must be true: bpfnet always masquerades behind the uplink");
		return CNI_ERR_FIELD;
	}
	if (!strcmp(it->string, "iface")) {
		pr_err("'iface' is not a network config key: the interface's name comes from CNI_IFNAME");
		return CNI_ERR_FIELD;
	}
	if (!config_find_key(it->string)) {
		pr_err("unknown key '%.64s' in the network config", it->string);
		return CNI_ERR_FIELD;
	}
	return config_apply_key(&r->cfg, it, "from stdin") ? CNI_ERR_CONFIG : CNI_OK;
}

/* A spec key bpfnet reads must have its type: CNI_OK, or why not. */
static int typed(const cJSON *it, int type, const char *what)
{
	if (it->type & type)
		return CNI_OK;
	pr_err("%s is not %s", it->string, what);
	return CNI_ERR_CONFIG;
}

/* Every key of the config, in its order. */
static int read_keys(struct cni_req *r)
{
	const cJSON *it;
	int code;

	cJSON_ArrayForEach(it, r->conf) {
		if (!strcmp(it->string, "runtimeConfig")) {
			code = typed(it, cJSON_Object, "an object");
			if (!code)
				code = read_mappings(r, it);
		} else if (!strcmp(it->string, "prevResult")) {
			r->prev = it;
			code = typed(it, cJSON_Object, "an object");
		} else if (!strcmp(it->string, "cni.dev/valid-attachments")) {
			r->valid = it;
			code = typed(it, cJSON_Array, "a list");
		} else {
			code = spec_key(it->string) ? CNI_OK : apply_setting(r, it);
		}
		if (code)
			return code;
	}
	return CNI_OK;
}

/* ADD: the address and MAC asked for; an address's "/N" is the subnet's. */
static int read_wants(struct cni_req *r)
{
	int code = cni_want_read(&r->want, r->conf, getenv("CNI_ARGS"),
				 r->ipam != NULL);

	if (!code && r->want.prefix >= 0 && r->want.prefix != r->cfg.prefix) {
		pr_err("%s: %s/%d: the network's prefix is /%d", r->want.ip_from,
		       r->want.ip, r->want.prefix, r->cfg.prefix);
		code = CNI_ERR_CONFIG;
	}
	if (!code && r->want.ip6[0] && !r->cfg.prefix6) {
		pr_err("%s: %s is an IPv6 address and the network has no subnet6",
		       r->want.ip6_from, r->want.ip6);
		code = CNI_ERR_FIELD;
	}
	if (!code && r->want.prefix6 >= 0 && r->want.prefix6 != r->cfg.prefix6) {
		pr_err("%s: %s/%d: the network's subnet6 prefix is /%d",
		       r->want.ip6_from, r->want.ip6, r->want.prefix6, r->cfg.prefix6);
		code = CNI_ERR_CONFIG;
	}
	return code;
}

/* The config on stdin: one JSON object (VERSION may come with none). */
static int decode(struct cni_req *r, const char *text, size_t len)
{
	if (!len && r->cmd == CNI_VERSION)
		return CNI_OK;
	r->conf = json_parse_strict(text, len);
	if (!cJSON_IsObject(r->conf)) {
		pr_err("the network config on stdin is not a JSON object");
		return CNI_ERR_DECODE;
	}
	return CNI_OK;
}

int cni_req_parse(struct cni_req *r, const char *text, size_t len)
{
	struct bpfnet_args args;
	int code;

	memset(r, 0, sizeof(*r));
	config_defaults(&r->cfg);
	code = parse_command(r);
	if (!code)
		code = decode(r, text, len);
	if (!r->conf && len)	/* for the version of the error's reply */
		r->conf = json_parse_strict(text, len);
	if (code || r->cmd == CNI_VERSION) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->conf, "cniVersion");

		if (cJSON_IsString(v) && strlen(v->valuestring) < sizeof(r->version))
			strcpy(r->version, v->valuestring);
		return code;
	}
	code = check_version(r);
	/* the defaults and /etc/bpfnet/config.json, as for every command */
	if (!code && config_parse_args(&r->cfg, &args, 0, NULL))
		code = CNI_ERR_CONFIG;
	if (!code)
		code = check_env(r);
	if (!code)
		code = check_name(r);
	if (!code)
		code = read_keys(r);
	if (!code && config_validate(&r->cfg))
		code = CNI_ERR_CONFIG;
	r->text = text;
	r->len = len;
	if (!code && r->cmd == CNI_ADD)
		code = read_wants(r);
	return code;
}

void cni_req_free(struct cni_req *r)
{
	cJSON_Delete(r->conf);
	free(r->ports);
	r->conf = NULL;
	r->ports = NULL;
}
