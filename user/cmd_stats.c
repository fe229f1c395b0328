// SPDX-License-Identifier: GPL-2.0
/* bpfnet stats: the datapath's counters, in total and per container. */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "datapath.h"
#include "log.h"
#include "mapiter.h"
#include "state.h"
#include "tables.h"

static const char *const stat_names[BPFNET_STAT_MAX] = {
	[BPFNET_STAT_SNAT_PKTS] = "snat_packets",
	[BPFNET_STAT_SNAT_BYTES] = "snat_bytes",
	[BPFNET_STAT_RNAT_PKTS] = "reverse_nat_packets",
	[BPFNET_STAT_RNAT_BYTES] = "reverse_nat_bytes",
	[BPFNET_STAT_FAST_OUT] = "fast_path_out",
	[BPFNET_STAT_FAST_IN] = "fast_path_in",
	[BPFNET_STAT_SLOW_PATH] = "slow_path",
	[BPFNET_STAT_PORT_RETRIES] = "port_retries",
	[BPFNET_STAT_FLOWS_CREATED] = "flows_created",
	[BPFNET_STAT_FLOWS_EXPIRED] = "flows_expired",
	[BPFNET_STAT_ICMP_ERR_XLATED] = "icmp_errors_translated",
	[BPFNET_STAT_PASS] = "passed_untranslated",
	[BPFNET_STAT_DNAT_PKTS] = "dnat_packets",
	[BPFNET_STAT_DNAT_FLOWS] = "dnat_flows",
	[BPFNET_STAT_DNAT_REPLIES] = "dnat_replies",
	[BPFNET_STAT_HAIRPIN] = "hairpin",
	[BPFNET_STAT_SOCK_LB] = "host_socket_redirects",
	[BPFNET_STAT_FAST_L2] = "fast_path_neighbour",
	[BPFNET_STAT_HOST_PORT_SKIPPED] = "snat_ports_host_uses",
	[BPFNET_STAT_HOST_FLOW_KEPT] = "host_flow_packets_kept",
	[BPFNET_STAT_PEER_PORT_SKIPPED] = "snat_ports_other_network_holds",
	[BPFNET_STAT_FLOWS_HEALED] = "flows_healed",
	[BPFNET_STAT_FLOWS_REMAPPED] = "flows_remapped",
	[BPFNET_STAT_DNAT_TAKEN] = "dnat_tuple_taken",
	[BPFNET_STAT_FLOWS_PROMOTED] = "flows_promoted",
	[BPFNET_STAT_FRAG_XLATED] = "fragments_translated",
	[BPFNET_STAT_PROTO_NAT_PKTS] = "other_protocol_packets",
	[BPFNET_STAT_DROP_SPOOF_IP] = "drop_spoofed_ip",
	[BPFNET_STAT_DROP_SPOOF_MAC] = "drop_spoofed_mac",
	[BPFNET_STAT_DROP_SPOOF_ARP] = "drop_spoofed_arp",
	[BPFNET_STAT_DROP_NO_PORT] = "drop_no_free_port",
	[BPFNET_STAT_DROP_MALFORMED] = "drop_malformed",
	[BPFNET_STAT_DROP_CSUM] = "drop_rewrite_failed",
	[BPFNET_STAT_DROP_ISOLATED] = "drop_isolated",
	[BPFNET_STAT_DROP_OTHER_NET] = "drop_other_network",
	[BPFNET_STAT_DROP_IPV6] = "drop_ipv6",
	[BPFNET_STAT_DROP_VLAN] = "drop_vlan",
	[BPFNET_STAT_DROP_ETHERTYPE] = "drop_ethertype",
	[BPFNET_STAT_DROP_UNSOLICITED] = "drop_unsolicited",
	[BPFNET_STAT_DROP_NO_UPLINK_ADDR] = "drop_no_uplink_address",
	[BPFNET_STAT_DROP_FRAG_UNKNOWN] = "drop_fragment_unknown",
	[BPFNET_STAT_DROP_PROTO_TAKEN] = "drop_protocol_remote_taken",
};

const char *stats_name(unsigned int k)
{
	return k < BPFNET_STAT_MAX ? stat_names[k] : NULL;
}

static int read_totals(struct dp *dp, __u64 *totals)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;

	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (__u32 k = 0; k < BPFNET_STAT_MAX; k++) {
		totals[k] = 0;
		if (bpf_map_lookup_elem(dp->stats_fd, &k, vals))
			continue;
		for (int c = 0; c < ncpu; c++)
			totals[k] += vals[c];
	}
	free(vals);
	return 0;
}

static int read_endpoint(struct dp *dp, __be32 addr, struct bpfnet_ep_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct bpfnet_ep_stats *vals = calloc((size_t)ncpu, sizeof(*vals));

	memset(sum, 0, sizeof(*sum));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(dp->ep_stats_fd, &addr, vals)) {
		free(vals);
		return -ENOENT;
	}
	for (int c = 0; c < ncpu; c++) {
		sum->tx_packets += vals[c].tx_packets;
		sum->tx_bytes += vals[c].tx_bytes;
		sum->rx_packets += vals[c].rx_packets;
		sum->rx_bytes += vals[c].rx_bytes;
		sum->drops += vals[c].drops;
	}
	free(vals);
	return 0;
}

/* Flows tracked: masqueraded ones and connections to published ports. */
static int count_flows(const struct table_fill *t)
{
	int n = 0;

	for (int i = 0; i < NTABLES; i++)
		n += t[i].flows ? t[i].entries : 0;
	return n;
}

/* One line per full table, on stderr, whatever the output format. */
static void warn_full(const struct table_fill *t)
{
	for (int i = 0; i < NTABLES; i++)
		if (table_full(&t[i]))
			pr_warn("table %s is full (%d/%u): %s", t[i].name, t[i].entries,
				t[i].max, t[i].fresh ?
				"new flows nobody answered yet are evicted (a flood?)" :
				"established flows may be evicted");
}

static void print_json(const __u64 *totals, const struct table_fill *tables,
		       struct dp *dp, const struct bpfnet_state *st)
{
	cJSON *root = cJSON_CreateObject(), *t, *arr;
	char *out;

	t = cJSON_AddObjectToObject(root, "totals");
	for (int k = 0; k < BPFNET_STAT_MAX; k++)
		cJSON_AddNumberToObject(t, stat_names[k], (double)totals[k]);
	cJSON_AddNumberToObject(root, "flows", count_flows(tables));
	t = cJSON_AddObjectToObject(root, "tables");
	for (int i = 0; i < NTABLES; i++) {
		cJSON *o = cJSON_AddObjectToObject(t, tables[i].name);

		cJSON_AddNumberToObject(o, "entries", tables[i].entries);
		cJSON_AddNumberToObject(o, "max_entries", tables[i].max);
		cJSON_AddBoolToObject(o, "full", table_full(&tables[i]));
	}
	arr = cJSON_AddArrayToObject(root, "containers");
	for (int i = 0; i < st->n; i++) {
		struct bpfnet_ep_stats s;
		cJSON *o = cJSON_CreateObject();

		read_endpoint(dp, st->eps[i].ip.s_addr, &s);
		cJSON_AddStringToObject(o, "id", st->eps[i].id);
		cJSON_AddStringToObject(o, "ip", inet_ntoa(st->eps[i].ip));
		cJSON_AddNumberToObject(o, "tx_packets", (double)s.tx_packets);
		cJSON_AddNumberToObject(o, "tx_bytes", (double)s.tx_bytes);
		cJSON_AddNumberToObject(o, "rx_packets", (double)s.rx_packets);
		cJSON_AddNumberToObject(o, "rx_bytes", (double)s.rx_bytes);
		cJSON_AddNumberToObject(o, "drops", (double)s.drops);
		cJSON_AddItemToArray(arr, o);
	}
	out = cJSON_PrintUnformatted(root);
	puts(out);
	free(out);
	cJSON_Delete(root);
}

static void print_text(const __u64 *totals, const struct table_fill *tables,
		       struct dp *dp, const struct bpfnet_state *st)
{
	for (int k = 0; k < BPFNET_STAT_MAX; k++)
		printf("%-24s %llu\n", stat_names[k], (unsigned long long)totals[k]);
	printf("%-24s %d\n", "flows", count_flows(tables));
	printf("\n%-24s %10s %10s\n", "TABLE", "ENTRIES", "MAX");
	for (int i = 0; i < NTABLES; i++)
		printf("%-24s %10d %10u\n", tables[i].name, tables[i].entries,
		       tables[i].max);
	if (!st->n)
		return;
	printf("\n%-20s %-15s %10s %12s %10s %12s %8s\n", "ID", "ADDRESS",
	       "TX-PKTS", "TX-BYTES", "RX-PKTS", "RX-BYTES", "DROPS");
	for (int i = 0; i < st->n; i++) {
		struct bpfnet_ep_stats s;

		read_endpoint(dp, st->eps[i].ip.s_addr, &s);
		printf("%-20.64s %-15s %10llu %12llu %10llu %12llu %8llu\n",
		       st->eps[i].id, inet_ntoa(st->eps[i].ip),
		       (unsigned long long)s.tx_packets,
		       (unsigned long long)s.tx_bytes,
		       (unsigned long long)s.rx_packets,
		       (unsigned long long)s.rx_bytes,
		       (unsigned long long)s.drops);
	}
}

int cmd_stats(struct bpfnet_config *cfg, struct bpfnet_args *args)
{
	struct table_fill tables[NTABLES];
	__u64 totals[BPFNET_STAT_MAX];
	struct state_session s;
	struct dp dp;
	int err;

	(void)args;	/* no words: main.c's table says so */
	err = dp_open(cfg, &dp, false);
	if (err) {
		pr_err("no datapath is loaded in %s", cfg->pin_dir);
		return 1;
	}
	/* counters and records read under the lock: no half-made container */
	err = state_begin(&s, cfg->state_dir, 0);
	if (!err)
		err = read_totals(&dp, totals);
	if (!err)
		dp_table_fill(&dp, tables);
	if (!err && cfg->json)
		print_json(totals, tables, &dp, &s.st);
	else if (!err)
		print_text(totals, tables, &dp, &s.st);
	if (!err)
		warn_full(tables);
	state_end(&s);
	dp_close(&dp);
	return err ? 1 : 0;
}
