// SPDX-License-Identifier: GPL-2.0
/* The Prometheus text exposition format of bpfnet's counters. */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "prom.h"

#define DROP_PREFIX "drop_"

void prom_label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* HELP text escapes only backslash and newline. */
static void help_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* The # HELP and # TYPE lines of a family: name is "bpfnet_" + suffix. */
static void family(FILE *f, const char *suffix, const char *type, const char *help)
{
	fprintf(f, "# HELP bpfnet_%s ", suffix);
	help_text(f, help);
	fprintf(f, "\n# TYPE bpfnet_%s %s\n", suffix, type);
}

static void global_counters(FILE *f, const struct counters *c)
{
	char name[96];

	for (int k = 0; k < BPFNET_STAT_MAX; k++) {
		if (stat_is_drop(k))
			continue;
		snprintf(name, sizeof(name), "%s_total", stat_name(k));
		family(f, name, "counter", stat_help(k));
		fprintf(f, "bpfnet_%s %llu\n", name, (unsigned long long)c->totals[k]);
	}
	family(f, "drops_total", "counter", "Packets the datapath dropped, by reason.");
	for (int k = 0; k < BPFNET_STAT_MAX; k++) {
		if (!stat_is_drop(k))
			continue;
		fputs("bpfnet_drops_total{reason=\"", f);
		prom_label_value(f, stat_name(k) + strlen(DROP_PREFIX));
		fprintf(f, "\"} %llu\n", (unsigned long long)c->totals[k]);
	}
}

static void table_gauges(FILE *f, const struct counters *c)
{
	family(f, "flows", "gauge",
	       "Flows tracked: masqueraded ones and connections to published ports.");
	fprintf(f, "bpfnet_flows %d\n", c->flows);
	family(f, "flow_table_entries", "gauge", "Entries in each flow table.");
	for (int i = 0; i < NTABLES; i++) {
		fputs("bpfnet_flow_table_entries{table=\"", f);
		prom_label_value(f, c->tables[i].name);
		fprintf(f, "\"} %d\n", c->tables[i].entries);
	}
	family(f, "flow_table_max_entries", "gauge", "Size of each flow table.");
	for (int i = 0; i < NTABLES; i++) {
		fputs("bpfnet_flow_table_max_entries{table=\"", f);
		prom_label_value(f, c->tables[i].name);
		fprintf(f, "\"} %u\n", c->tables[i].max);
	}
}

/* One family of per-container counters: field at offset off of each. */
static void container_family(FILE *f, const struct counters *c, const char *suffix,
			     const char *help, size_t off)
{
	family(f, suffix, "counter", help);
	for (int i = 0; i < c->n; i++) {
		const struct ctr_endpoint *e = &c->eps[i];
		__u64 v;

		memcpy(&v, (const char *)&e->s + off, sizeof(v));
		fprintf(f, "bpfnet_%s{container=\"", suffix);
		prom_label_value(f, e->id);
		fprintf(f, "\",ip=\"%s\"} %llu\n", inet_ntoa(e->ip), (unsigned long long)v);
	}
}

static void container_counters(FILE *f, const struct counters *c)
{
	family(f, "containers", "gauge", "Containers on the network.");
	fprintf(f, "bpfnet_containers %d\n", c->n);
	container_family(f, c, "container_tx_packets_total",
			 "Packets a container sent that the datapath translated.",
			 offsetof(struct bpfnet_ep_stats, tx_packets));
	container_family(f, c, "container_tx_bytes_total",
			 "Bytes (IP length) a container sent that the datapath translated.",
			 offsetof(struct bpfnet_ep_stats, tx_bytes));
	container_family(f, c, "container_rx_packets_total",
			 "Packets the datapath translated to a container.",
			 offsetof(struct bpfnet_ep_stats, rx_packets));
	container_family(f, c, "container_rx_bytes_total",
			 "Bytes (IP length) the datapath translated to a container.",
			 offsetof(struct bpfnet_ep_stats, rx_bytes));
	container_family(f, c, "container_drops_total",
			 "A container's packets the datapath dropped.",
			 offsetof(struct bpfnet_ep_stats, drops));
}

int prom_write(FILE *f, const struct counters *c)
{
	global_counters(f, c);
	table_gauges(f, c);
	container_counters(f, c);
	return fflush(f) || ferror(f) ? -EIO : 0;
}
