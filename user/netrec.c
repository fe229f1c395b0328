// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr6.h"
#include "log.h"
#include "netrec.h"

/* In the order of `bpfnet net show`. */
const char *const netrec_keys[NETREC_NKEYS] = {
	"subnet", "isolate", "snat-ports", "uplink", "flow-table-size",
	"no-masquerade", "subnet6", "nat6",
};

void netrec_value(const struct bpfnet_config *cfg, const char *key, char *buf,
		  size_t len)
{
	char net[INET_ADDRSTRLEN];

	if (!strcmp(key, "subnet")) {
		inet_ntop(AF_INET, &cfg->subnet, net, sizeof(net));
		snprintf(buf, len, "%s/%d", net, cfg->prefix);
	} else if (!strcmp(key, "isolate")) {
		snprintf(buf, len, "%s", cfg->isolate ? "true" : "false");
	} else if (!strcmp(key, "snat-ports")) {
		snprintf(buf, len, "%u-%u", cfg->port_min, cfg->port_max);
	} else if (!strcmp(key, "flow-table-size")) {
		snprintf(buf, len, "%u", cfg->flow_table_size);
	} else if (!strcmp(key, "no-masquerade")) {
		no_masq_format(cfg, buf, len);
	} else if (!strcmp(key, "subnet6")) {
		if (cfg->prefix6)
			cidr6_format(&cfg->subnet6, cfg->prefix6, buf, len);
		else
			snprintf(buf, len, "%s", "");
	} else if (!strcmp(key, "nat6")) {
		snprintf(buf, len, "%s", cfg->nat6 ? "true" : "false");
	} else {
		snprintf(buf, len, "%s", cfg->uplink);
	}
}

void netrec_record(struct net_rec *r, const struct bpfnet_config *cfg)
{
	r->recorded = true;
	r->subnet = cfg->subnet;
	r->prefix = cfg->prefix;
	r->isolate = cfg->isolate;
	r->port_min = cfg->port_min;
	r->port_max = cfg->port_max;
	r->flow_table_size = cfg->flow_table_size;
	memcpy(r->no_masq, cfg->no_masq, sizeof(r->no_masq));
	r->n_no_masq = cfg->n_no_masq;
	r->subnet6 = cfg->subnet6;
	r->prefix6 = cfg->prefix6;
	r->nat6 = cfg->nat6;
	snprintf(r->uplink, sizeof(r->uplink), "%s", cfg->uplink);
}

/* The recorded IPv6 prefix, and its gateway, into cfg. */
static void netrec_subnet6_to_config(const struct net_rec *r,
				     struct bpfnet_config *cfg)
{
	char buf[CIDR6_STRLEN];

	if (r->prefix6) {
		cidr6_format(&r->subnet6, r->prefix6, buf, sizeof(buf));
		set_subnet6(cfg, NULL, buf);	/* recorded: valid */
	} else {
		set_subnet6(cfg, NULL, "");
	}
}

void netrec_to_config(const struct net_rec *r, struct bpfnet_config *cfg)
{
	cfg->subnet = r->subnet;
	cfg->prefix = r->prefix;
	cfg->gateway.s_addr = htonl(ntohl(r->subnet.s_addr) + 1);
	if (!r->recorded)
		return;
	cfg->isolate = r->isolate;
	cfg->port_min = r->port_min;
	cfg->port_max = r->port_max;
	cfg->flow_table_size = r->flow_table_size;
	memcpy(cfg->no_masq, r->no_masq, sizeof(cfg->no_masq));
	cfg->n_no_masq = r->n_no_masq;
	netrec_subnet6_to_config(r, cfg);
	cfg->nat6 = r->nat6;
	snprintf(cfg->uplink, sizeof(cfg->uplink), "%s", r->uplink);
}

/* An empty uplink, in words. */
static const char *shown(const char *v)
{
	return *v ? v : "the default route's";
}

/* An empty value, in words: no IPv6 prefix, or the default route's uplink. */
static const char *shown6(const char *key, const char *v)
{
	if (!strcmp(key, "subnet6") && !*v)
		return "none";
	return shown(v);
}

/* The first setting given explicitly with a value other than the record's. */
static int check_given(const struct bpfnet_config *rec, int n,
		       const struct bpfnet_config *cfg)
{
	char want[192], have[192];

	for (int i = 0; i < NETREC_NKEYS; i++) {
		const char *key = netrec_keys[i];

		netrec_value(cfg, key, want, sizeof(want));
		netrec_value(rec, key, have, sizeof(have));
		if (!strcmp(want, have) || !config_given(cfg, key))
			continue;
		if ((!strcmp(key, "subnet") || !strcmp(key, "subnet6")) && n)
			/* no net set with containers */
			pr_err("%s %s differs from the one in use (%s) while containers exist",
			       key, shown6(key, want), shown6(key, have));
		else
			pr_err("%s %s differs from the network's (%s): 'bpfnet net set %s %s' changes it",
			       key, shown6(key, want), shown6(key, have), key,
			       want[0] ? want : "\"\"");
		return -EINVAL;
	}
	return 0;
}

int netrec_take(struct net_rec *r, int n, struct bpfnet_config *cfg,
		bool record)
{
	struct bpfnet_config rec = *cfg;
	int err;

	if (r->recorded || n) {	/* a file from before the record: its subnet */
		netrec_to_config(r, &rec);
		err = check_given(&rec, n, cfg);
		if (err)
			return err;
		netrec_to_config(r, cfg);
	}
	if (record && !r->recorded)
		netrec_record(r, cfg);
	return 0;
}

void netrec_to_json(const struct net_rec *r, int n, cJSON *root)
{
	char buf[64], net[INET_ADDRSTRLEN], list[BPFNET_NO_MASQ_MAX * 20];
	struct bpfnet_config tmp;
	cJSON *o;

	if (!r->recorded && !n)
		return;	/* nothing known yet */
	inet_ntop(AF_INET, &r->subnet, net, sizeof(net));
	snprintf(buf, sizeof(buf), "%s/%d", net, r->prefix);
	cJSON_AddStringToObject(root, "subnet", buf);
	if (!r->recorded)
		return;
	o = cJSON_AddObjectToObject(root, "network");
	cJSON_AddBoolToObject(o, "isolate", r->isolate);
	snprintf(buf, sizeof(buf), "%u-%u", r->port_min, r->port_max);
	cJSON_AddStringToObject(o, "snat_ports", buf);
	cJSON_AddStringToObject(o, "uplink", r->uplink);
	cJSON_AddNumberToObject(o, "flow_table_size", r->flow_table_size);
	tmp.n_no_masq = r->n_no_masq;
	memcpy(tmp.no_masq, r->no_masq, sizeof(tmp.no_masq));
	no_masq_format(&tmp, list, sizeof(list));
	cJSON_AddStringToObject(o, "no_masquerade", list);
	/* IPv4 only, the default: the record reads as before dual stack */
	if (r->prefix6) {
		cidr6_format(&r->subnet6, r->prefix6, list, sizeof(list));
		cJSON_AddStringToObject(o, "subnet6", list);
	}
	if (r->prefix6 || !r->nat6)
		cJSON_AddBoolToObject(o, "nat6", r->nat6);
}

static int subnet_from_json(const cJSON *subnet, struct net_rec *r, char *err,
			    size_t errlen)
{
	char buf[32], *slash;

	if (!cJSON_IsString(subnet) || strlen(subnet->valuestring) >= sizeof(buf))
		return fmt_err(err, errlen, "missing 'subnet' or 'containers'");
	strcpy(buf, subnet->valuestring);
	slash = strchr(buf, '/');
	if (!slash || (*slash = '\0', inet_pton(AF_INET, buf, &r->subnet) != 1))
		return fmt_err(err, errlen, "bad 'subnet'");
	r->prefix = atoi(slash + 1);
	if (strspn(slash + 1, "0123456789") != strlen(slash + 1) ||
	    r->prefix < 8 || r->prefix > 30)
		return fmt_err(err, errlen, "bad 'subnet' prefix");
	return 0;
}

/*
 * "flow_table_size": 131072, within the flag's bounds. A record written
 * before the setting has none: its datapath was loaded with the size every
 * network had then, the fallback, which stays its size.
 */
static int flow_size_from_json(const cJSON *size, struct net_rec *r)
{
	if (!size) {
		r->flow_table_size = BPFNET_FLOW_TABLE_FALLBACK;
		return 0;
	}
	if (!cJSON_IsNumber(size) || size->valuedouble < BPFNET_FLOW_TABLE_MIN ||
	    size->valuedouble > BPFNET_FLOW_TABLE_MAX ||
	    size->valuedouble != (double)(unsigned int)size->valuedouble)
		return -EINVAL;
	r->flow_table_size = (unsigned int)size->valuedouble;
	return 0;
}

/* "no_masquerade": "10.2.0.0/16,10.3.0.0/16"; none in records before it. */
static int no_masq_from_json(const cJSON *list, struct net_rec *r)
{
	struct bpfnet_config tmp;
	int err;

	r->n_no_masq = 0;
	if (!list)
		return 0;
	if (!cJSON_IsString(list))
		return -EINVAL;
	tmp.n_no_masq = 0;
	err = set_no_masq(&tmp, NULL, list->valuestring);
	if (err)
		return err;
	memcpy(r->no_masq, tmp.no_masq, sizeof(r->no_masq));
	r->n_no_masq = tmp.n_no_masq;
	return 0;
}

/* "subnet6": "fd19::/64" or "", "nat6": true; records before them: none, true. */
static int v6_from_json(const cJSON *o, struct net_rec *r)
{
	const cJSON *sub = cJSON_GetObjectItemCaseSensitive(o, "subnet6");
	const cJSON *nat = cJSON_GetObjectItemCaseSensitive(o, "nat6");

	if ((sub && !cJSON_IsString(sub)) || (nat && !cJSON_IsBool(nat)))
		return -EINVAL;
	r->prefix6 = 0;
	if (sub && sub->valuestring[0] &&
	    (parse_cidr6(sub->valuestring, &r->subnet6, &r->prefix6) ||
	     r->prefix6 < SUBNET6_PREFIX_MIN || r->prefix6 > SUBNET6_PREFIX_MAX))
		return -EINVAL;
	r->nat6 = !nat || cJSON_IsTrue(nat);
	return 0;
}

/* "network": {"isolate": false, "snat_ports": "1024-65535", "uplink": "",
 * "flow_table_size": 131072} */
static int network_from_json(const cJSON *o, struct net_rec *r)
{
	const cJSON *iso = cJSON_GetObjectItemCaseSensitive(o, "isolate");
	const cJSON *ports = cJSON_GetObjectItemCaseSensitive(o, "snat_ports");
	const cJSON *up = cJSON_GetObjectItemCaseSensitive(o, "uplink");
	unsigned int lo, hi;
	char tail;

	if (!cJSON_IsObject(o) || !cJSON_IsBool(iso) || !cJSON_IsString(ports) ||
	    !cJSON_IsString(up))
		return -EINVAL;
	if (sscanf(ports->valuestring, "%u-%u%c", &lo, &hi, &tail) != 2 ||
	    lo < 1 || hi > 65535 || lo > hi || ports->valuestring[0] == '-')
		return -EINVAL;
	if (strlen(up->valuestring) >= sizeof(r->uplink) ||
	    strpbrk(up->valuestring, "/ \t\n:"))
		return -EINVAL;
	if (flow_size_from_json(cJSON_GetObjectItemCaseSensitive(o, "flow_table_size"), r))
		return -EINVAL;
	if (no_masq_from_json(cJSON_GetObjectItemCaseSensitive(o, "no_masquerade"), r))
		return -EINVAL;
	if (v6_from_json(o, r))
		return -EINVAL;
	r->isolate = cJSON_IsTrue(iso);
	r->port_min = lo;
	r->port_max = hi;
	strcpy(r->uplink, up->valuestring);
	r->recorded = true;
	return 0;
}

int netrec_from_json(const cJSON *root, bool have_containers,
		     struct net_rec *r, char *err, size_t errlen)
{
	const cJSON *subnet = cJSON_GetObjectItemCaseSensitive(root, "subnet");
	const cJSON *net = cJSON_GetObjectItemCaseSensitive(root, "network");

	memset(r, 0, sizeof(*r));
	/* no subnet: nothing recorded yet, and no container either */
	if (!subnet && !net && !have_containers)
		return 0;
	if (subnet_from_json(subnet, r, err, errlen))
		return -EINVAL;
	if (net && network_from_json(net, r))
		return fmt_err(err, errlen, "bad 'network'");
	return 0;
}
