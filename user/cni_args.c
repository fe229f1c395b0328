// SPDX-License-Identifier: GPL-2.0
/*
 * The address and MAC a CNI request asks for: CNI_ARGS read as libcni's
 * LoadArgs reads it (pairs split at ";", each exactly one "=", unknown keys
 * an error unless IgnoreUnknown), then the conventions' ips and mac.
 */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cni_args.h"
#include "cni_code.h"
#include "log.h"

/* Keys kubelet and other runtimes send, with IgnoreUnknown=1, to every plugin. */
static const char *const ignored_keys[] = {
	"K8S_POD_NAME", "K8S_POD_NAMESPACE", "K8S_POD_INFRA_CONTAINER_ID",
	"K8S_POD_UID", NULL
};

static bool ignored_key(const char *key)
{
	for (int i = 0; ignored_keys[i]; i++)
		if (!strcmp(key, ignored_keys[i]))
			return true;
	return false;
}

/* A value into a fixed buffer: CNI_OK, or CNI_ERR_CONFIG when it is too long. */
static int copy_value(char *dst, size_t size, const char *key, const char *val)
{
	if (strlen(val) >= size) {
		pr_err("CNI_ARGS %s '%.40s...' is too long to be an address", key,
		       val);
		return CNI_ERR_CONFIG;
	}
	strcpy(dst, val);
	return CNI_OK;
}

/* One "K=V"; an unknown key is counted (the first kept for the message). */
static int one_pair(char *pair, struct cni_env_args *a, int *unknown,
		    char *first, size_t size)
{
	char *eq = strchr(pair, '='), *val;

	if (!eq || strchr(eq + 1, '=')) {
		pr_err("CNI_ARGS: '%.64s' is not one KEY=VALUE pair (pairs are separated by ';')",
		       pair);
		return CNI_ERR_ENV;
	}
	*eq = '\0';
	val = eq + 1;
	if (!strcmp(pair, "IP"))
		return copy_value(a->ip, sizeof(a->ip), pair, val);
	if (!strcmp(pair, "MAC"))
		return copy_value(a->mac, sizeof(a->mac), pair, val);
	if (!strcmp(pair, "IgnoreUnknown")) {
		if (!strcasecmp(val, "1") || !strcasecmp(val, "true"))
			a->ignore_unknown = true;
		else if (!strcasecmp(val, "0") || !strcasecmp(val, "false"))
			a->ignore_unknown = false;
		else {
			pr_err("CNI_ARGS: IgnoreUnknown '%.16s' is none of 1, true, 0, false",
			       val);
			return CNI_ERR_ENV;
		}
		return CNI_OK;
	}
	if (!ignored_key(pair) && !(*unknown)++)
		snprintf(first, size, "%s", pair);
	return CNI_OK;
}

int cni_args_parse(const char *text, struct cni_env_args *a)
{
	char *copy, *rest, *pair, first[64] = "";
	int code = CNI_OK, unknown = 0;

	memset(a, 0, sizeof(*a));
	if (!text || !text[0])
		return CNI_OK;
	copy = strdup(text);
	if (!copy) {
		pr_err("out of memory reading CNI_ARGS");
		return CNI_ERR_IO;
	}
	rest = copy;
	while (!code && (pair = strsep(&rest, ";")))
		code = one_pair(pair, a, &unknown, first, sizeof(first));
	free(copy);
	if (!code && unknown && !a->ignore_unknown) {
		pr_err("CNI_ARGS: unknown key '%s' (IgnoreUnknown=1 in CNI_ARGS lets bpfnet ignore it)",
		       first);
		code = CNI_ERR_ENV;
	}
	return code;
}

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

int cni_mac_parse(const char *text, uint8_t mac[6])
{
	const char *p = text;
	char sep = 0;

	for (int i = 0; i < 6; i++, p += 2) {
		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]))
			return -1;
		mac[i] = (uint8_t)(hexval((unsigned char)p[0]) << 4 |
				   hexval((unsigned char)p[1]));
		if (i == 5)
			break;
		if (!sep && (p[2] == ':' || p[2] == '-'))
			sep = p[2];
		if (!sep || p[2] != sep)
			return -1;
		p++;
	}
	if (p[2])
		return -1;
	/* unicast (the group bit clear) and not 00:00:00:00:00:00 */
	if (mac[0] & 1 || !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return -1;
	return 0;
}

/* "/N" of an address as asked for: N from 0 to max, else -1. */
static int prefix_of(const char *slash, long max)
{
	char *end;
	long n;

	if (!isdigit((unsigned char)slash[1]))
		return -1;
	n = strtol(slash + 1, &end, 10);
	return *end || n > max ? -1 : (int)n;
}

/* One IPv6 address asked for (addr is its text without "/N"). */
static int want_ip6(struct cni_want *w, const char *text, const char *addr,
		    const char *slash, const char *from)
{
	int prefix = slash ? prefix_of(slash, 128) : -1;
	char canon[INET6_ADDRSTRLEN];
	struct in6_addr a6;

	if (inet_pton(AF_INET6, addr, &a6) != 1 || (slash && prefix < 0)) {
		pr_err("%s: '%.64s' is not an IPv6 address (addr or addr/N)", from, text);
		return CNI_ERR_CONFIG;
	}
	inet_ntop(AF_INET6, &a6, canon, sizeof(canon));
	if (w->ip6[0] && strcmp(w->ip6, canon)) {
		pr_err("%s asks for %s and %s for %s: a container has one IPv6 address",
		       w->ip6_from, w->ip6, from, canon);
		return CNI_ERR_CONFIG;
	}
	if (!w->ip6[0])
		w->ip6_from = from;
	strcpy(w->ip6, canon);
	if (prefix >= 0)
		w->prefix6 = prefix;
	return CNI_OK;
}

/* One address asked for ("a.b.c.d" or "a.b.c.d/N"), the same as any before. */
static int want_ip(struct cni_want *w, const char *text, const char *from)
{
	const char *slash = strchr(text, '/');
	size_t n = slash ? (size_t)(slash - text) : strlen(text);
	char addr[INET6_ADDRSTRLEN], canon[INET_ADDRSTRLEN];
	int prefix = slash ? prefix_of(slash, 32) : -1;
	struct in_addr a;

	snprintf(addr, sizeof(addr), "%.*s", (int)n, text);
	if (n < sizeof(addr) && strchr(addr, ':'))
		return want_ip6(w, text, addr, slash, from);
	if (n >= sizeof(addr) || inet_pton(AF_INET, addr, &a) != 1 ||
	    (slash && prefix < 0)) {
		pr_err("%s: '%.64s' is not an IPv4 address (a.b.c.d or a.b.c.d/N)",
		       from, text);
		return CNI_ERR_CONFIG;
	}
	inet_ntop(AF_INET, &a, canon, sizeof(canon));
	if (w->ip[0] && strcmp(w->ip, canon)) {
		pr_err("%s asks for %s and %s for %s: a container has one IPv4 address",
		       w->ip_from, w->ip, from, canon);
		return CNI_ERR_CONFIG;
	}
	if (!w->ip[0])
		w->ip_from = from;
	strcpy(w->ip, canon);
	if (prefix >= 0)
		w->prefix = prefix;
	return CNI_OK;
}

/* A list of addresses (runtimeConfig.ips, args.cni.ips). */
static int want_ips(struct cni_want *w, const cJSON *arr, const char *from)
{
	const cJSON *it;
	int code;

	if (!arr)
		return CNI_OK;
	if (!cJSON_IsArray(arr)) {
		pr_err("%s is not a list of addresses", from);
		return CNI_ERR_CONFIG;
	}
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it)) {
			pr_err("%s: an entry is not a string", from);
			return CNI_ERR_CONFIG;
		}
		code = want_ip(w, it->valuestring, from);
		if (code)
			return code;
	}
	return CNI_OK;
}

static int want_mac(struct cni_want *w, const cJSON *m, const char *text,
		    const char *from)
{
	uint8_t mac[6];

	if (m && !cJSON_IsString(m)) {
		pr_err("%s is not a string", from);
		return CNI_ERR_CONFIG;
	}
	if (m)
		text = m->valuestring;
	if (!text || !text[0])
		return CNI_OK;
	if (cni_mac_parse(text, mac)) {
		pr_err("%s: '%.32s' is not a unicast MAC address (aa:bb:cc:dd:ee:ff, not a group address, not zero)",
		       from, text);
		return CNI_ERR_CONFIG;
	}
	if (w->mac_from && memcmp(w->mac, mac, sizeof(mac))) {
		pr_err("%s and %s ask for different MACs", w->mac_from, from);
		return CNI_ERR_CONFIG;
	}
	if (!w->mac_from)
		w->mac_from = from;
	memcpy(w->mac, mac, sizeof(mac));
	return CNI_OK;
}

static const cJSON *member(const cJSON *o, const char *key)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

int cni_want_read(struct cni_want *w, const cJSON *conf, const char *env_args,
		  bool ipam)
{
	const cJSON *rc = member(conf, "runtimeConfig");
	const cJSON *args = member(member(conf, "args"), "cni");
	struct cni_env_args ea;
	int code;

	memset(w, 0, sizeof(*w));
	w->prefix = -1;
	w->prefix6 = -1;
	code = cni_args_parse(env_args, &ea);
	if (!code && !ipam)
		code = want_ips(w, member(rc, "ips"), "runtimeConfig.ips");
	if (!code && !ipam)
		code = want_ips(w, member(args, "ips"), "args.cni.ips");
	if (!code && !ipam && ea.ip[0])
		code = want_ip(w, ea.ip, "CNI_ARGS IP");
	if (!code)
		code = want_mac(w, member(rc, "mac"), NULL, "runtimeConfig.mac");
	if (!code)
		code = want_mac(w, member(args, "mac"), NULL, "args.cni.mac");
	if (!code)
		code = want_mac(w, NULL, ea.mac, "CNI_ARGS MAC");
	return code;
}
