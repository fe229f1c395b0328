/* SPDX-License-Identifier: GPL-2.0 */
/* The CNI plugin's error codes (containernetworking/cni SPEC.md "Error"). */
#ifndef BPFNET_CNI_CODE_H
#define BPFNET_CNI_CODE_H

/*
 * Error codes: the spec's well-known ones (0-99), then bpfnet's own. A
 * function that fails returns one of them after printing the reason with
 * pr_err (it becomes the error's "details").
 */
enum cni_code {
	CNI_OK = 0,
	CNI_ERR_VERSION = 1,		/* incompatible CNI version */
	CNI_ERR_FIELD = 2,		/* unsupported field in the config */
	CNI_ERR_UNKNOWN = 3,		/* container unknown or does not exist */
	CNI_ERR_ENV = 4,		/* invalid necessary environment variables */
	CNI_ERR_IO = 5,			/* I/O failure */
	CNI_ERR_DECODE = 6,		/* failed to decode content */
	CNI_ERR_CONFIG = 7,		/* invalid network config */
	CNI_ERR_AGAIN = 11,		/* try again later */
	CNI_ERR_UNAVAILABLE = 50,	/* STATUS: ADD cannot be served */
	CNI_ERR_SETUP = 100,		/* set-up failed (details say why) */
	CNI_ERR_CHECK = 101,		/* CHECK: not as it was set up */
	CNI_ERR_TEARDOWN = 102,		/* DEL or GC could not finish */
};

#endif
