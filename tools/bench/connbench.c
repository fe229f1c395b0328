// SPDX-License-Identifier: GPL-2.0
/*
 * connbench: connection set-up latency for the benchmark.
 *   connbench server ADDR PORT          accept, answer one byte, close; forever
 *   connbench client ADDR PORT COUNT    COUNT x (connect, 1 byte each way, close)
 * The client prints: p50_us p99_us conns_per_sec
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

static int server(struct sockaddr_in *sa)
{
	int one = 1, ls = socket(AF_INET, SOCK_STREAM, 0);

	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)sa, sizeof(*sa)) || listen(ls, 1024)) {
		perror("connbench: bind/listen");
		return 1;
	}
	for (;;) {
		char c;
		int s = accept(ls, NULL, NULL);

		if (s < 0)
			continue;
		if (read(s, &c, 1) == 1 && write(s, &c, 1) != 1)
			perror("connbench: write");
		close(s);
	}
}

static int client(struct sockaddr_in *sa, int count)
{
	double *lat = calloc((size_t)count, sizeof(*lat)), t0 = now_us();
	int fails = 0;

	for (int i = 0; i < count; i++) {
		double t = now_us();
		int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
		struct linger lg = { 1, 0 };
		char c = 'x';

		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		/* reset on close: no TIME_WAIT, so ports do not run out */
		setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		if (connect(s, (struct sockaddr *)sa, sizeof(*sa)) ||
		    write(s, &c, 1) != 1 || read(s, &c, 1) != 1)
			fails++;
		close(s);
		lat[i] = now_us() - t;
	}
	double total = now_us() - t0;

	qsort(lat, (size_t)count, sizeof(*lat), cmp);
	printf("%.1f %.1f %.0f\n", lat[count / 2], lat[(int)(count * 0.99)],
	       count / (total / 1e6));
	free(lat);
	if (fails)
		fprintf(stderr, "connbench: %d of %d connections failed\n", fails, count);
	return fails ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };

	if (argc < 4 || inet_pton(AF_INET, argv[2], &sa.sin_addr) != 1) {
		fprintf(stderr, "usage: connbench server|client ADDR PORT [COUNT]\n");
		return 2;
	}
	sa.sin_port = htons((unsigned short)atoi(argv[3]));
	if (!strcmp(argv[1], "server"))
		return server(&sa);
	return client(&sa, argc > 4 ? atoi(argv[4]) : 1000);
}
