// SPDX-License-Identifier: GPL-2.0
/*
 * connbench: connection set-up and request/response latency for the benchmark.
 *   connbench server ADDR PORT          accept, answer one byte, close; forever
 *   connbench client ADDR PORT COUNT    COUNT x (connect, 1 byte each way, close)
 *   connbench echo ADDR PORT            accept, echo until the peer closes; forever
 *   connbench rr ADDR PORT SECONDS      one connection: RR_BYTES out, the same
 *                                       back, over and over for SECONDS
 * The client prints: p50_us p99_us conns_per_sec; rr: p50_us p99_us rtt_per_sec
 * ADDR is IPv4, or IPv6 when it contains ':'.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* a request/response message, as sockperf's default (14 bytes) */
#define RR_BYTES 14

union addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

static socklen_t addr_len(const union addr *a)
{
	return a->sa.sa_family == AF_INET6 ? sizeof(a->in6) : sizeof(a->in);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int listener(union addr *a)
{
	int one = 1, ls = socket(a->sa.sa_family, SOCK_STREAM, 0);

	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, &a->sa, addr_len(a)) || listen(ls, 1024)) {
		perror("connbench: bind/listen");
		return -1;
	}
	return ls;
}

static int server(union addr *a, int echo)
{
	int ls = listener(a);

	if (ls < 0)
		return 1;
	for (;;) {
		char c[RR_BYTES];
		int one = 1, s = accept(ls, NULL, NULL);
		ssize_t n;

		if (s < 0)
			continue;
		if (!echo) {
			if (read(s, c, 1) == 1 && write(s, c, 1) != 1)
				perror("connbench: write");
			close(s);
			continue;
		}
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		while ((n = read(s, c, sizeof(c))) > 0)
			if (write(s, c, (size_t)n) != n)
				break;
		close(s);
	}
}

/* the sorted latencies' p50 and p99, and how many per second of total */
static void print_lat(double *lat, int count, double total_us)
{
	qsort(lat, (size_t)count, sizeof(*lat), cmp);
	printf("%.1f %.1f %.0f\n", lat[count / 2], lat[(int)(count * 0.99)],
	       count / (total_us / 1e6));
}

static int client(union addr *a, int count)
{
	double *lat = calloc((size_t)count, sizeof(*lat)), t0 = now_us();
	int fails = 0;

	for (int i = 0; i < count; i++) {
		double t = now_us();
		int s = socket(a->sa.sa_family, SOCK_STREAM, 0), one = 1;
		struct linger lg = { 1, 0 };
		char c = 'x';

		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		/* reset on close: no TIME_WAIT, so ports do not run out */
		setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		if (connect(s, &a->sa, addr_len(a)) ||
		    write(s, &c, 1) != 1 || read(s, &c, 1) != 1)
			fails++;
		close(s);
		lat[i] = now_us() - t;
	}
	print_lat(lat, count, now_us() - t0);
	free(lat);
	if (fails)
		fprintf(stderr, "connbench: %d of %d connections failed\n", fails, count);
	return fails ? 1 : 0;
}

/* one whole message of RR_BYTES in buf, read however it arrives */
static int read_full(int s, char *buf)
{
	for (size_t got = 0; got < RR_BYTES;) {
		ssize_t n = read(s, buf + got, RR_BYTES - got);

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static int rr(union addr *a, double secs)
{
	int s = socket(a->sa.sa_family, SOCK_STREAM, 0), one = 1, n = 0, cap = 65536;
	double *lat = malloc((size_t)cap * sizeof(*lat)), t0, end;
	char buf[RR_BYTES] = "connbench rr.";

	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (!lat || connect(s, &a->sa, addr_len(a))) {
		perror("connbench: rr connect");
		return 1;
	}
	t0 = now_us();
	end = t0 + secs * 1e6;
	for (double t = t0; t < end; t = now_us()) {
		if (write(s, buf, RR_BYTES) != RR_BYTES || read_full(s, buf)) {
			perror("connbench: rr");
			return 1;
		}
		if (n == cap && !(lat = realloc(lat, (size_t)(cap *= 2) * sizeof(*lat))))
			return 1;
		lat[n++] = now_us() - t;
	}
	close(s);
	if (!n)
		return 1;
	print_lat(lat, n, now_us() - t0);
	free(lat);
	return 0;
}

int main(int argc, char **argv)
{
	union addr a = { 0 };
	int ok;

	if (argc >= 4 && strchr(argv[2], ':')) {
		a.in6.sin6_family = AF_INET6;
		a.in6.sin6_port = htons((unsigned short)atoi(argv[3]));
		ok = inet_pton(AF_INET6, argv[2], &a.in6.sin6_addr) == 1;
	} else if (argc >= 4) {
		a.in.sin_family = AF_INET;
		a.in.sin_port = htons((unsigned short)atoi(argv[3]));
		ok = inet_pton(AF_INET, argv[2], &a.in.sin_addr) == 1;
	} else {
		ok = 0;
	}
	if (!ok) {
		fprintf(stderr, "usage: connbench server|client|echo|rr ADDR PORT [COUNT|SECONDS]\n");
		return 2;
	}
	if (!strcmp(argv[1], "server"))
		return server(&a, 0);
	if (!strcmp(argv[1], "echo"))
		return server(&a, 1);
	if (!strcmp(argv[1], "rr"))
		return rr(&a, argc > 4 ? atof(argv[4]) : 2);
	return client(&a, argc > 4 ? atoi(argv[4]) : 1000);
}
