// SPDX-License-Identifier: GPL-2.0
/*
 * bpfnet stats: the datapath's counters, in total and per container; as
 * text, JSON (-j), Prometheus' exposition format (--prometheus), or that
 * written for node_exporter's textfile collector (--textfile DIR).
 */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "counters.h"
#include "ctrid.h"
#include "datapath.h"
#include "fsutil.h"
#include "log.h"
#include "prom.h"
#include "state.h"

/* The file node_exporter's textfile collector reads in --textfile DIR. */
#define TEXTFILE_NAME "bpfnet.prom"

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

static void print_json(const struct counters *c)
{
	cJSON *root = cJSON_CreateObject(), *t, *arr;

	t = cJSON_AddObjectToObject(root, "totals");
	for (int k = 0; k < BPFNET_STAT_MAX; k++)
		cJSON_AddNumberToObject(t, stat_name(k), (double)c->totals[k]);
	cJSON_AddNumberToObject(root, "flows", c->flows);
	t = cJSON_AddObjectToObject(root, "tables");
	for (int i = 0; i < NTABLES; i++) {
		cJSON *o = cJSON_AddObjectToObject(t, c->tables[i].name);

		cJSON_AddNumberToObject(o, "entries", c->tables[i].entries);
		cJSON_AddNumberToObject(o, "max_entries", c->tables[i].max);
		cJSON_AddBoolToObject(o, "full", table_full(&c->tables[i]));
	}
	arr = cJSON_AddArrayToObject(root, "containers");
	for (int i = 0; i < c->n; i++) {
		const struct ctr_endpoint *e = &c->eps[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "id", e->id);
		cJSON_AddStringToObject(o, "ip", inet_ntoa(e->ip));
		cJSON_AddNumberToObject(o, "tx_packets", (double)e->s.tx_packets);
		cJSON_AddNumberToObject(o, "tx_bytes", (double)e->s.tx_bytes);
		cJSON_AddNumberToObject(o, "rx_packets", (double)e->s.rx_packets);
		cJSON_AddNumberToObject(o, "rx_bytes", (double)e->s.rx_bytes);
		cJSON_AddNumberToObject(o, "drops", (double)e->s.drops);
		cJSON_AddItemToArray(arr, o);
	}
	cmd_put_json(root);
}

static void print_text(const struct counters *c)
{
	for (int k = 0; k < BPFNET_STAT_MAX; k++)
		printf("%-24s %llu\n", stat_name(k), (unsigned long long)c->totals[k]);
	printf("%-24s %d\n", "flows", c->flows);
	printf("\n%-24s %10s %10s\n", "TABLE", "ENTRIES", "MAX");
	for (int i = 0; i < NTABLES; i++)
		printf("%-24s %10d %10u\n", c->tables[i].name, c->tables[i].entries,
		       c->tables[i].max);
	if (!c->n)
		return;
	printf("\n%-20s %-15s %10s %12s %10s %12s %8s\n", "ID", "ADDRESS",
	       "TX-PKTS", "TX-BYTES", "RX-PKTS", "RX-BYTES", "DROPS");
	for (int i = 0; i < c->n; i++) {
		const struct ctr_endpoint *e = &c->eps[i];

		printf("%-20.*s %-15s %10llu %12llu %10llu %12llu %8llu\n",
		       ctrid_short_len(e->id), e->id, inet_ntoa(e->ip),
		       (unsigned long long)e->s.tx_packets,
		       (unsigned long long)e->s.tx_bytes,
		       (unsigned long long)e->s.rx_packets,
		       (unsigned long long)e->s.rx_bytes,
		       (unsigned long long)e->s.drops);
	}
}

/* --textfile DIR: DIR/bpfnet.prom replaced whole, never seen half-written. */
static int write_textfile(const char *dir, const struct counters *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int err;

	if (!f)
		return -ENOMEM;
	err = prom_write(f, c);
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (!err)
		err = write_public_file_atomic(dir, TEXTFILE_NAME, text, len);
	if (err == -EPERM)
		pr_err("refusing textfile dir %s: anyone may write to it", dir);
	else if (err)
		pr_err("failed to write %s/%s: %s", dir, TEXTFILE_NAME, strerror(-err));
	free(text);
	return err;
}

static int print_counters(const struct bpfnet_config *cfg, const struct counters *c)
{
	if (cfg->textfile[0])
		return write_textfile(cfg->textfile, c);
	if (cfg->prometheus)
		return prom_write(stdout, c);
	if (cfg->json)
		print_json(c);
	else
		print_text(c);
	return 0;
}

int cmd_stats(struct bpfnet_config *cfg, struct bpfnet_args *args)
{
	struct counters c = { 0 };
	struct state_session s;
	struct dp dp;
	int err;

	(void)args;	/* no words: main.c's table says so */
	if (cfg->json && (cfg->prometheus || cfg->textfile[0])) {
		pr_err("--json and --%s are two formats: give one",
		       cfg->textfile[0] ? "textfile" : "prometheus");
		return EXIT_USAGE;
	}
	err = dp_open(cfg, &dp, false);
	if (err) {
		pr_err("no datapath is loaded in %s", cfg->pin_dir);
		return 1;
	}
	/* counters and records read under the lock: no half-made container */
	err = state_begin(&s, cfg->state_dir, 0);
	if (!err)
		err = counters_read(&dp, &s.st, &c);
	if (!err)
		err = print_counters(cfg, &c);
	if (!err)
		warn_full(c.tables);
	counters_free(&c);
	state_end(&s);
	dp_close(&dp);
	return err ? 1 : 0;
}
