/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `bpfnet stats --prometheus`: the counters in Prometheus' text exposition
 * format (version 0.0.4), as a scrape or node_exporter's textfile collector
 * reads it. Every metric family has its # HELP and # TYPE lines; counters
 * end in _total; drop reasons, flow tables and containers are labels.
 */
#ifndef BPFNET_PROM_H
#define BPFNET_PROM_H

#include <stdio.h>

#include "counters.h"

/* Write the exposition of c to f. 0, or -EIO when f failed. */
int prom_write(FILE *f, const struct counters *c);

/* A label value as the format carries it: \ " and newline escaped. */
void prom_label_value(FILE *f, const char *s);

#endif
