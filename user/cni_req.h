/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A CNI request (containernetworking/cni SPEC.md): the CNI_* environment
 * variables and the network configuration on stdin, checked and turned
 * into bpfnet's settings.
 */
#ifndef BPFNET_CNI_REQ_H
#define BPFNET_CNI_REQ_H

#include <stdbool.h>
#include <stddef.h>

#include "cni_args.h"
#include "cni_code.h"
#include "config.h"

enum cni_cmd {
	CNI_ADD,
	CNI_DEL,
	CNI_CHECK,
	CNI_VERSION,
	CNI_GC,
	CNI_STATUS,
};

/* The spec versions answered, oldest first, as VERSION lists them. */
extern const char *const cni_versions[];
#define CNI_NVERSIONS 4
#define CNI_LATEST "1.1.0"

struct cJSON;

struct cni_req {
	enum cni_cmd cmd;
	const char *command;		/* CNI_COMMAND as given */
	char version[16];		/* the config's cniVersion ("" if none) */
	const char *id;			/* CNI_CONTAINERID */
	const char *netns;		/* CNI_NETNS ("" if unset) */
	const char *ifname;		/* CNI_IFNAME */
	struct bpfnet_config cfg;	/* defaults, config file, then stdin */
	char *ports;			/* portMappings as bpfnet.ports text, or NULL */
	struct cJSON *conf;		/* the config on stdin (NULL: none) */
	const struct cJSON *prev;	/* its prevResult, or NULL */
	const struct cJSON *valid;	/* its cni.dev/valid-attachments, or NULL */
	const char *text;		/* the config as read, for a delegated plugin */
	size_t len;
	const struct cJSON *ipam;	/* its ipam object (delegated), or NULL */
	const char *ipam_type;		/* the ipam plugin's name */
	struct cni_want want;		/* the address and MAC asked for */
};

/*
 * Read the request: the environment, then text (the config on stdin, len
 * bytes, possibly none for VERSION). CNI_OK, or a code after printing why;
 * r->version is filled as far as it could be read, for the error's reply.
 * cni_req_free must follow either way.
 */
int cni_req_parse(struct cni_req *r, const char *text, size_t len);
void cni_req_free(struct cni_req *r);

/* "1.0.0" as a number to compare (10000 per major, 100 per minor); -1 if bad. */
int cni_version_num(const char *v);

#endif
