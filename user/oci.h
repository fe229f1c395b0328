/* SPDX-License-Identifier: GPL-2.0 */
/* The OCI runtime state a hook receives on stdin (runtime-spec state.md). */
#ifndef BPFNET_OCI_H
#define BPFNET_OCI_H

#include <stdbool.h>
#include <stddef.h>

/* longer container ids are refused: the id is the veth alias, and the kernel
 * takes at most 254 characters there (IFALIASZ 256 with the NUL) */
#define OCI_ID_MAX 254
#define OCI_STATE_MAX (1 << 20) /* bytes of state JSON accepted */
#define OCI_ANNOTATION_MAX 4096

enum oci_status {
	OCI_CREATING,
	OCI_CREATED,
	OCI_RUNNING,
	OCI_STOPPED,
};

struct oci_state {
	char id[OCI_ID_MAX + 1];
	enum oci_status status;
	int pid;			/* 0 when absent (allowed when stopped) */
	char ip[64];			/* annotation bpfnet.ip, "" if none */
	char ip6[64];			/* annotation bpfnet.ip6, "" if none */
	char ports[OCI_ANNOTATION_MAX];	/* annotation bpfnet.ports, "" if none */
};

/*
 * Parse the state document. On error returns -EINVAL and writes a one-line
 * reason into err (size errlen).
 */
int oci_parse_state(const char *text, size_t len, struct oci_state *st,
		    char *err, size_t errlen);

/* A container id usable in names and files: [A-Za-z0-9_.+-], not "." or "..". */
bool oci_id_valid(const char *id);

const char *oci_status_name(enum oci_status s);

#endif
