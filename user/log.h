/* SPDX-License-Identifier: GPL-2.0 */
/* Messages: one line each on stderr, "bpfnet: ..." for errors. */
#ifndef BPFNET_LOG_H
#define BPFNET_LOG_H

#include <stddef.h>

extern int log_verbose;

void pr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pr_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The text of the last pr_err since the start ("" if none). */
const char *log_last_error(void);

/* Format a parse error into err (size len); returns -EINVAL. */
int fmt_err(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Route libbpf's own messages through pr_* (only shown with -v). */
void log_setup_libbpf(void);

#endif
