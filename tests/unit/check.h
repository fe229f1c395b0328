/* SPDX-License-Identifier: GPL-2.0 */
/* A tiny test harness: each TEST prints PASS/FAIL lines the runner counts. */
#ifndef BPFNET_CHECK_H
#define BPFNET_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int check_failed, check_total_failed;
static const char *check_name;

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			if (!check_failed)                                   \
				printf("FAIL %s: %s:%d: %s\n", check_name,   \
				       __FILE__, __LINE__, #cond);           \
			check_failed = 1;                                    \
		}                                                            \
	} while (0)

#define CHECK_STR(a, b) CHECK(strcmp((a), (b)) == 0)

#define RUN(fn)                                                              \
	do {                                                                 \
		check_name = #fn;                                            \
		check_failed = 0;                                            \
		fn();                                                        \
		if (!check_failed)                                           \
			printf("PASS %s\n", #fn);                            \
		check_total_failed += check_failed;                          \
	} while (0)

#define CHECK_EXIT() return check_total_failed ? 1 : 0

#endif
