// SPDX-License-Identifier: GPL-2.0
/*
 * hopctl: the benchmark's hop experiments (make bench BENCH=hops). Each
 * mode holds what it attached until it is sent SIGTERM, then exits and the
 * kernel takes it off again (links die with their last fd):
 *   hopctl tcx IFNAME ingress|egress PROG_ID [IFNAME DIR PROG_ID ...]
 *	the loaded program PROG_ID through a TCX link (BPF_TCX_INGRESS or
 *	_EGRESS, Linux 6.6), ahead of the device's clsact filters: a TCX
 *	program's verdict other than TCX_NEXT ends the hook, so the clsact
 *	copy of the same program no longer runs
 *   hopctl xdp IFNAME OBJ PROG
 *	program PROG of the object file OBJ as the device's XDP program
 * It prints "ready" once everything is attached.
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

/* enum bpf_attach_type of Linux 6.6; Debian 12's headers predate them */
#define HOP_TCX_INGRESS 46
#define HOP_TCX_EGRESS 47

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int ifindex_of(const char *name)
{
	int ifindex = (int)if_nametoindex(name);

	if (!ifindex)
		fprintf(stderr, "hopctl: no device %s\n", name);
	return ifindex;
}

static int tcx(int argc, char **argv)
{
	int i;

	if (argc < 3 || argc % 3) {
		fprintf(stderr, "hopctl tcx: IFNAME ingress|egress PROG_ID, repeated\n");
		return 2;
	}
	for (i = 0; i < argc; i += 3) {
		int ifindex = ifindex_of(argv[i]), prog, link;
		int type = !strcmp(argv[i + 1], "ingress") ? HOP_TCX_INGRESS :
			   !strcmp(argv[i + 1], "egress") ? HOP_TCX_EGRESS : -1;

		if (!ifindex || type < 0)
			return 2;
		prog = bpf_prog_get_fd_by_id((__u32)strtoul(argv[i + 2], NULL, 10));
		if (prog < 0) {
			fprintf(stderr, "hopctl: program %s: %s\n", argv[i + 2], strerror(errno));
			return 1;
		}
		link = bpf_link_create(prog, ifindex, (enum bpf_attach_type)type, NULL);
		if (link < 0) {
			fprintf(stderr, "hopctl: TCX %s %s: %s\n", argv[i], argv[i + 1], strerror(errno));
			return 1;
		}
	}
	return 0;
}

static int xdp(int argc, char **argv)
{
	struct bpf_program *prog;
	struct bpf_object *obj;
	int ifindex;

	if (argc != 3) {
		fprintf(stderr, "hopctl xdp: IFNAME OBJ PROG\n");
		return 2;
	}
	ifindex = ifindex_of(argv[0]);
	if (!ifindex)
		return 2;
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "hopctl: cannot load %s\n", argv[1]);
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, argv[2]);
	if (!prog || !bpf_program__attach_xdp(prog, ifindex)) {
		fprintf(stderr, "hopctl: cannot attach %s to %s: %s\n", argv[2], argv[0], strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: hopctl tcx|xdp ...\n");
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (!strcmp(argv[1], "tcx"))
		rc = tcx(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "xdp"))
		rc = xdp(argc - 2, argv + 2);
	else
		rc = 2;
	if (rc)
		return rc;
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		pause();
	return 0;
}
