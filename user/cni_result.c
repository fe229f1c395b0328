// SPDX-License-Identifier: GPL-2.0
/* The CNI plugin's replies, as the spec's "Result" and "Error" sections shape them. */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr6.h"
#include "cni_result.h"
#include "log.h"

static const struct {
	int code;
	const char *msg;
} messages[] = {
	{ CNI_ERR_VERSION, "incompatible CNI version" },
	{ CNI_ERR_FIELD, "unsupported field in network configuration" },
	{ CNI_ERR_UNKNOWN, "container unknown or does not exist" },
	{ CNI_ERR_ENV, "invalid necessary environment variables" },
	{ CNI_ERR_IO, "I/O failure" },
	{ CNI_ERR_DECODE, "failed to decode content" },
	{ CNI_ERR_CONFIG, "invalid network configuration" },
	{ CNI_ERR_AGAIN, "try again later" },
	{ CNI_ERR_UNAVAILABLE, "the plugin cannot serve ADD now" },
	{ CNI_ERR_SETUP, "failed to set up the container's network" },
	{ CNI_ERR_CHECK, "the container's network is not as it was set up" },
	{ CNI_ERR_TEARDOWN, "failed to remove the container's network" },
};

static const char *message(int code)
{
	for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++)
		if (messages[i].code == code)
			return messages[i].msg;
	return "failed";
}

/* Print o compactly on one line and free it. */
static int print_json(cJSON *o)
{
	char *out = o ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	if (!out) {
		pr_err("out of memory writing the reply");
		return -ENOMEM;
	}
	puts(out);
	fflush(stdout);
	free(out);
	return 0;
}

/* The error a delegated plugin returned, passed on as it came. */
static struct {
	int code;
	char msg[256];
	char details[1024];
} passed;

void cni_error_pass(int code, const char *msg, const char *details)
{
	passed.code = code;
	snprintf(passed.msg, sizeof(passed.msg), "%s", msg);
	snprintf(passed.details, sizeof(passed.details), "%s", details);
}

void cni_print_error(const char *version, int code)
{
	cJSON *o = cJSON_CreateObject();
	bool pass = passed.code && passed.code == code;
	const char *details = pass ? passed.details : log_last_error();

	cJSON_AddStringToObject(o, "cniVersion", version[0] ? version : CNI_LATEST);
	cJSON_AddNumberToObject(o, "code", code);
	cJSON_AddStringToObject(o, "msg", pass ? passed.msg : message(code));
	if (details[0])
		cJSON_AddStringToObject(o, "details", details);
	print_json(o);
}

void cni_print_versions(const char *version)
{
	cJSON *o = cJSON_CreateObject(), *arr;

	cJSON_AddStringToObject(o, "cniVersion", version[0] ? version : CNI_LATEST);
	arr = cJSON_AddArrayToObject(o, "supportedVersions");
	for (int i = 0; i < CNI_NVERSIONS; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(cni_versions[i]));
	print_json(o);
}

static void mac_text(const uint8_t *m, char *buf)
{
	sprintf(buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
		m[4], m[5]);
}

static cJSON *interface(const char *name, const uint8_t *mac, const char *sandbox)
{
	cJSON *o = cJSON_CreateObject();
	char buf[18];

	mac_text(mac, buf);
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "mac", buf);
	if (sandbox)
		cJSON_AddStringToObject(o, "sandbox", sandbox);
	return o;
}

/* The array key of res, made when prevResult had none. */
static cJSON *array_of(cJSON *res, const char *key)
{
	cJSON *a = cJSON_GetObjectItemCaseSensitive(res, key);

	if (cJSON_IsArray(a))
		return a;
	cJSON_DeleteItemFromObjectCaseSensitive(res, key);
	return cJSON_AddArrayToObject(res, key);
}

/* One "ips" entry: the address (with its prefix), the gateway, the interface. */
static cJSON *ip_entry(const struct cni_req *r, int family, const void *addr,
		       int prefix, const void *gateway, int ctr_index)
{
	char text[CIDR6_STRLEN], gw[INET6_ADDRSTRLEN];
	cJSON *ip = cJSON_CreateObject();

	inet_ntop(family, addr, text, INET6_ADDRSTRLEN);
	snprintf(text + strlen(text), 5, "/%d", prefix);
	inet_ntop(family, gateway, gw, sizeof(gw));
	/* before 1.0.0, each address said its IP version */
	if (cni_version_num(r->version) < cni_version_num("1.0.0"))
		cJSON_AddStringToObject(ip, "version", family == AF_INET ? "4" : "6");
	cJSON_AddStringToObject(ip, "address", text);
	cJSON_AddStringToObject(ip, "gateway", gw);
	cJSON_AddNumberToObject(ip, "interface", ctr_index);
	return ip;
}

/* The default route of one family: dst 0.0.0.0/0 or ::/0 via the gateway. */
static cJSON *default_route(int family, const void *gateway)
{
	char gw[INET6_ADDRSTRLEN];
	cJSON *rt = cJSON_CreateObject();

	inet_ntop(family, gateway, gw, sizeof(gw));
	cJSON_AddStringToObject(rt, "dst", family == AF_INET ? "0.0.0.0/0" : "::/0");
	cJSON_AddStringToObject(rt, "gw", gw);
	return rt;
}

/* Our interfaces, addresses and routes, after whatever res holds. */
static void add_ours(cJSON *res, const struct cni_req *r,
		     const struct cni_attachment *a)
{
	cJSON *ifs = array_of(res, "interfaces"), *ips = array_of(res, "ips");
	cJSON *routes = array_of(res, "routes");
	bool six = !in6_is_zero(&a->ip6);
	int ctr_index;

	cJSON_AddItemToArray(ifs, interface(a->host_if, a->host_mac, NULL));
	ctr_index = cJSON_GetArraySize(ifs);
	cJSON_AddItemToArray(ifs, interface(a->ctr_if, a->ctr_mac, a->sandbox));

	cJSON_AddItemToArray(ips, ip_entry(r, AF_INET, &a->ip, a->prefix,
					   &a->gateway, ctr_index));
	if (six)
		cJSON_AddItemToArray(ips, ip_entry(r, AF_INET6, &a->ip6, a->prefix6,
						   &a->gateway6, ctr_index));
	cJSON_AddItemToArray(routes, default_route(AF_INET, &a->gateway));
	if (six)
		cJSON_AddItemToArray(routes, default_route(AF_INET6, &a->gateway6));
}

int cni_print_result(const struct cni_req *r, const struct cni_attachment *a)
{
	cJSON *res = r->prev ? cJSON_Duplicate(r->prev, true) : cJSON_CreateObject();

	if (!res) {
		pr_err("out of memory writing the result");
		return -ENOMEM;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(res, "cniVersion");
	cJSON_AddStringToObject(res, "cniVersion", r->version);
	add_ours(res, r, a);
	if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(res, "dns"))) {
		cJSON_DeleteItemFromObjectCaseSensitive(res, "dns");
		if (cJSON_IsObject(a->dns))
			cJSON_AddItemToObject(res, "dns", cJSON_Duplicate(a->dns, true));
		else
			cJSON_AddObjectToObject(res, "dns");
	}
	return print_json(res);
}
