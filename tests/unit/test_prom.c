// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus text format of the counters: label values escaped as the
 * format requires (backslash, double quote, newline), counters as _total
 * samples with their HELP and TYPE lines, drop reasons as labels.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "prom.h"

/* text holds s, or does not. */
#define CHECK_HAS(text, s, what) CHECK_EQ(strstr((text), (s)) != NULL, 1, (what))
#define CHECK_HAS_NOT(text, s, what) CHECK_EQ(strstr((text), (s)) != NULL, 0, (what))

/* The exposition of c, as text (freed by the caller). */
static char *expose(const struct counters *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	if (prom_write(f, c)) {
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	return text;
}

static void test_label_values_escaped(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	CHECK_EQ(f != NULL, 1, "open_memstream");
	prom_label_value(f, "a\"b\\c\nd");
	fclose(f);
	CHECK_STR(text, "a\\\"b\\\\c\\nd", "escaped label value");
	free(text);
}

static void test_samples_help_and_type(void)
{
	struct ctr_endpoint ep = { .id = "we\"b", .ip = { htonl(0xac130002) },
				   .s = { .tx_packets = 3, .rx_bytes = 1500 } };
	struct counters c = { .n = 1, .eps = &ep, .flows = 2 };
	char *text;

	c.totals[BPFNET_STAT_DNAT_PKTS] = 7;
	c.totals[BPFNET_STAT_DROP_IPV6] = 5;
	for (int i = 0; i < NTABLES; i++)
		c.tables[i] = (struct table_fill){ .name = "conntrack", .entries = i, .max = 1024 };
	text = expose(&c);
	CHECK_EQ(text != NULL, 1, "the exposition");
	CHECK_HAS(text, "# HELP bpfnet_dnat_packets_total ", "HELP of dnat_packets");
	CHECK_HAS(text, "\n# TYPE bpfnet_dnat_packets_total counter\nbpfnet_dnat_packets_total 7\n", "TYPE and sample of dnat_packets");
	CHECK_HAS(text, "\nbpfnet_drops_total{reason=\"ipv6\"} 5\n",
		 "the IPv6 drops, by reason");
	CHECK_HAS_NOT(text, "bpfnet_drop_ipv6", "no family per drop reason");
	CHECK_HAS(text, "\nbpfnet_container_tx_packets_total{container=\"we\\\"b\",ip=\"172.19.0.2\"} 3\n", "a container's tx packets, its id escaped");
	CHECK_HAS(text, "\nbpfnet_container_rx_bytes_total{container=\"we\\\"b\",ip=\"172.19.0.2\"} 1500\n", "a container's rx bytes");
	CHECK_HAS(text, "\n# TYPE bpfnet_flows gauge\nbpfnet_flows 2\n", "flows gauge");
	CHECK_HAS(text, "\nbpfnet_flow_table_max_entries{table=\"conntrack\"} 1024\n",
		 "a table's size");
	free(text);
}

static const struct check_test tests[] = {
	CHECK_TEST(test_label_values_escaped),
	CHECK_TEST(test_samples_help_and_type),
};

int main(int argc, char **argv)
{
	return check_main(argc, argv, tests, CHECK_NTESTS(tests), NULL);
}
