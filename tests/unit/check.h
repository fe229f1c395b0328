/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny test harness, in the style of the kernel selftests' ASSERT_*().
 *
 * A test is a void function. The first check that fails prints one line
 *
 *   FAIL test_name: file:line: what: got ACTUAL, want EXPECTED
 *
 * (details, such as the checked expression, follow on indented lines) and
 * returns from the function: the test ends at once, since what a later
 * check would see is only a consequence of the first failure. A test that
 * ends with no failed check prints "PASS test_name". tests/run.sh reads
 * these lines (the FAIL line alone must say enough), and a binary exits
 * non-zero when any test failed.
 *
 * Because a check returns from the function it is written in, checks
 * belong in test functions and in a fixture's setup, not in helpers whose
 * callers would carry on after a failure. The rest of a failed test does
 * not run, its cleanup included: what must not outlive a test (files, BPF
 * objects) is released before the checks or by the fixture's teardown.
 *
 * Every binary takes [-l] [-r] [PATTERN...]: -l lists the tests, -r runs
 * them in reverse order, and PATTERNs run only the tests whose name
 * contains one of them. Tests must pass alone and in any order.
 */
#ifndef BPFNET_CHECK_H
#define BPFNET_CHECK_H

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int check_failed;
static const char *check_name;

/* The FAIL line: where, what, then the caller's "got ..., want ...". */
static inline void __attribute__((format(printf, 4, 5)))
check_fail(const char *file, int line, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (check_failed)
		return;
	check_failed = 1;
	printf("FAIL %s: %s:%d: %s: ", check_name ? check_name : "?", file, line, what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* A plain condition: all there is to show is the expression itself. */
#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			check_fail(__FILE__, __LINE__, #cond,                \
				   "got false, want true");                  \
			return;                                              \
		}                                                            \
	} while (0)

/*
 * An integer as the reader needs it: in its own signedness, in hex, and
 * read with the other signedness too when that differs (-1 vs 0xffffffff
 * is the usual way an error code hides in an unsigned field).
 */
static inline void check_fmt_int(char *buf, size_t n, unsigned long long v,
				 size_t size, int is_signed)
{
	unsigned int bits = (unsigned int)size * 8;
	unsigned long long u = bits < 64 ? v & ((1ULL << bits) - 1) : v;
	long long s = (long long)u;

	if (bits < 64 && u >> (bits - 1))
		s = (long long)(u | ~((1ULL << bits) - 1));	/* sign-extend */
	if (s >= 0)
		snprintf(buf, n, "%llu (0x%llx)", u, u);
	else if (is_signed)
		snprintf(buf, n, "%lld (0x%llx, unsigned %llu)", s, u, u);
	else
		snprintf(buf, n, "%llu (0x%llx, signed %lld)", u, u, s);
}

static inline void check_fail_int(const char *file, int line, const char *what,
				  const char *op, const char *expr_got,
				  const char *expr_want,
				  unsigned long long got, size_t got_size,
				  int got_signed, unsigned long long want,
				  size_t want_size, int want_signed)
{
	char g[96], w[96];

	check_fmt_int(g, sizeof(g), got, got_size, got_signed);
	check_fmt_int(w, sizeof(w), want, want_size, want_signed);
	check_fail(file, line, what, "got %s, want %s%s%s", g,
		   strcmp(op, "==") ? op : "", strcmp(op, "==") ? " " : "", w);
	printf("  check: %s %s %s\n", expr_got, op, expr_want);
}

/* "+ 0": typeof refuses bit-fields (ip->ihl), and small types print better promoted. */
#define CHECK_TYPEOF(x) __typeof__((x) + 0)
#define CHECK_IS_SIGNED(x) ((CHECK_TYPEOF(x))-1 < (CHECK_TYPEOF(x))1)

/*
 * got OP want, each evaluated once. Both operands keep their types, so
 * -Wsign-compare still flags a comparison between a signed and an
 * unsigned value; say which one is meant with a cast. The expressions
 * are passed as text by each CHECK_xx itself: one macro further in, their
 * macros (ntohs) would already be expanded.
 */
#define CHECK_CMP(got, op, want, what, got_text, want_text)                  \
	do {                                                                 \
		CHECK_TYPEOF(got) ___got = (got);                            \
		CHECK_TYPEOF(want) ___want = (want);                         \
		if (!(___got op ___want)) {                                  \
			check_fail_int(__FILE__, __LINE__, (what), #op,      \
				       got_text, want_text,                  \
				       (unsigned long long)___got,           \
				       sizeof(___got),                       \
				       CHECK_IS_SIGNED(___got),              \
				       (unsigned long long)___want,          \
				       sizeof(___want),                      \
				       CHECK_IS_SIGNED(___want));             \
			return;                                              \
		}                                                            \
	} while (0)

#define CHECK_EQ(got, want, what) CHECK_CMP(got, ==, want, what, #got, #want)
#define CHECK_NE(got, want, what) CHECK_CMP(got, !=, want, what, #got, #want)
#define CHECK_LT(got, want, what) CHECK_CMP(got, <, want, what, #got, #want)
#define CHECK_LE(got, want, what) CHECK_CMP(got, <=, want, what, #got, #want)
#define CHECK_GT(got, want, what) CHECK_CMP(got, >, want, what, #got, #want)
#define CHECK_GE(got, want, what) CHECK_CMP(got, >=, want, what, #got, #want)

/* A string quoted, with what is not printable escaped, NULL as NULL. */
static inline void check_fmt_str(char *buf, size_t n, const char *s)
{
	size_t o = 0;

	if (!s) {
		snprintf(buf, n, "NULL");
		return;
	}
	buf[o++] = '"';
	for (; *s && o + 8 < n; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			o += (size_t)snprintf(buf + o, n - o, "\\%c", c);
		else if (isprint(c))
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, n - o, "\\x%02x", c);
	}
	if (*s)
		o += (size_t)snprintf(buf + o, n - o, "...");
	snprintf(buf + o, n - o, "\"");
}

static inline int check_str(const char *file, int line, const char *what,
			    const char *expr, const char *got,
			    const char *want)
{
	char g[256], w[256];

	if (got && want && !strcmp(got, want))
		return 1;
	check_fmt_str(g, sizeof(g), got);
	check_fmt_str(w, sizeof(w), want);
	check_fail(file, line, what, "got %s, want %s", g, w);
	printf("  check: %s\n", expr);
	return 0;
}

/* Strings equal (a NULL never equals anything). */
#define CHECK_STR(got, want, what)                                           \
	do {                                                                 \
		if (!check_str(__FILE__, __LINE__, (what),                   \
			       "strcmp(" #got ", " #want ") == 0", (got),    \
			       (want)))                                      \
			return;                                              \
	} while (0)

static inline int check_contains(const char *file, int line, const char *what,
				 const char *expr, const char *got,
				 const char *needle)
{
	char g[256], w[256];

	if (got && strstr(got, needle))
		return 1;
	check_fmt_str(g, sizeof(g), got);
	check_fmt_str(w, sizeof(w), needle);
	check_fail(file, line, what, "got %s, want it to contain %s", g, w);
	printf("  check: %s\n", expr);
	return 0;
}

/* needle occurs in got: for error messages, whose wording may grow. */
#define CHECK_CONTAINS(got, needle, what)                                    \
	do {                                                                 \
		if (!check_contains(__FILE__, __LINE__, (what),              \
				    "strstr(" #got ", " #needle ")", (got),  \
				    (needle)))                               \
			return;                                              \
	} while (0)

static inline void check_hex_line(const char *label, const unsigned char *p,
				  size_t from, size_t to, size_t mark)
{
	printf("  %s @%zu:", label, from);
	for (size_t i = from; i < to; i++)
		printf(i == mark ? " [%02x]" : " %02x", p[i]);
	putchar('\n');
}

static inline int check_mem(const char *file, int line, const char *what,
			    const char *expr, const void *got,
			    const void *want, size_t len)
{
	const unsigned char *g = got, *w = want;
	size_t i, from, to;

	for (i = 0; i < len && g[i] == w[i]; i++)
		;
	if (i == len)
		return 1;
	check_fail(file, line, what,
		   "first difference at offset %zu of %zu: got 0x%02x, want 0x%02x",
		   i, len, g[i], w[i]);
	printf("  check: %s\n", expr);
	/* up to 16 bytes around it, the differing one in brackets */
	from = i & ~(size_t)7;
	to = from + 16 < len ? from + 16 : len;
	check_hex_line("got ", g, from, to, i);
	check_hex_line("want", w, from, to, i);
	return 0;
}

/* len bytes at got equal those at want. */
#define CHECK_MEM(got, want, len, what)                                      \
	do {                                                                 \
		if (!check_mem(__FILE__, __LINE__, (what),                   \
			       "memcmp(" #got ", " #want ", " #len ") == 0", \
			       (got), (want), (len)))                        \
			return;                                              \
	} while (0)

struct check_test {
	const char *name;
	void (*fn)(void);
};

#define CHECK_TEST(fn) { #fn, fn }
#define CHECK_NTESTS(t) (sizeof(t) / sizeof((t)[0]))

/*
 * Around every test: setup may fail with checks like a test (the test is
 * then reported FAIL and not run); teardown always runs, even after a
 * failed setup, so that no state leaks into the next test.
 */
struct check_fixture {
	void (*setup)(void);
	void (*teardown)(void);
};

static inline int check_selected(const char *name, int npat, char **pat)
{
	if (!npat)
		return 1;
	for (int i = 0; i < npat; i++)
		if (strstr(name, pat[i]))
			return 1;
	return 0;
}

/* Runs the selected tests; the exit code of the binary. */
static inline int check_main(int argc, char **argv,
			     const struct check_test *tests, size_t n,
			     const struct check_fixture *fx)
{
	int list = 0, reverse = 0, ran = 0, failed = 0, npat;
	char **pat;
	int a;

	/* a crash must not swallow the lines already printed */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (a = 1; a < argc && argv[a][0] == '-'; a++) {
		if (!strcmp(argv[a], "-l")) {
			list = 1;
		} else if (!strcmp(argv[a], "-r")) {
			reverse = 1;
		} else if (!strcmp(argv[a], "--")) {
			a++;
			break;
		} else {
			fprintf(stderr, "usage: %s [-l] [-r] [PATTERN...]\n"
				"  -l  list the tests\n"
				"  -r  run them in reverse order\n"
				"  PATTERN  run only tests whose name contains it\n",
				argv[0]);
			return 2;
		}
	}
	pat = argv + a;
	npat = argc - a;
	for (size_t k = 0; k < n; k++) {
		const struct check_test *t = &tests[reverse ? n - 1 - k : k];

		if (!check_selected(t->name, npat, pat))
			continue;
		ran++;
		if (list) {
			printf("%s\n", t->name);
			continue;
		}
		check_name = t->name;
		check_failed = 0;
		if (fx && fx->setup)
			fx->setup();
		if (!check_failed)
			t->fn();
		if (fx && fx->teardown)
			fx->teardown();
		if (!check_failed)
			printf("PASS %s\n", t->name);
		failed += check_failed;
	}
	if (!ran) {
		/* a mistyped pattern must not look like a clean run */
		fprintf(stderr, "%s: no test matches\n", argv[0]);
		return 2;
	}
	return failed ? 1 : 0;
}

#endif
