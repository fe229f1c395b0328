/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a CNI request asks for its one container besides the network's
 * settings: an address and a MAC. They come from CNI_ARGS ("IP=a.b.c.d",
 * "MAC=..."), from the conventions' args (args.cni.ips, args.cni.mac) and
 * from the capabilities a runtime fills in (runtimeConfig.ips and .mac).
 */
#ifndef BPFNET_CNI_ARGS_H
#define BPFNET_CNI_ARGS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

/* CNI_ARGS as libcni's LoadArgs reads it, for the keys bpfnet knows. */
struct cni_env_args {
	char ip[INET_ADDRSTRLEN + 4];	/* IP=, as given ("" none) */
	char mac[24];			/* MAC=, as given ("" none) */
	bool ignore_unknown;		/* IgnoreUnknown=1|true */
};

/*
 * Parse "K=V;K2=V2": every pair one "=", the keys IP, MAC, IgnoreUnknown
 * and the K8S_POD_* ones kubelet sends (ignored); another key fails unless
 * IgnoreUnknown is 1 or true (wherever it stands). NULL or "": none.
 * CNI_OK, or CNI_ERR_ENV after printing why.
 */
int cni_args_parse(const char *text, struct cni_env_args *a);

/* The address and MAC asked for, checked as far as no state is needed. */
struct cni_want {
	char ip[INET_ADDRSTRLEN];	/* an IPv4 address ("" none) */
	int prefix;			/* its "/N" if given, else -1 */
	const char *ip_from;		/* where it was asked for */
	char ip6[INET6_ADDRSTRLEN];	/* an IPv6 address ("" none) */
	int prefix6;			/* its "/N" if given, else -1 */
	const char *ip6_from;		/* where it was asked for */
	uint8_t mac[6];
	const char *mac_from;		/* NULL: no MAC asked for */
};

struct cJSON;

/*
 * Read the wants of conf (runtimeConfig.ips/mac, args.cni.ips/mac) and of
 * env_args (CNI_ARGS). With ipam (delegated) the addresses asked for are
 * the ipam plugin's to honour, not bpfnet's: only the MAC is read. Every
 * IPv4 address asked for must be the same one, and every IPv6 one (the
 * network's --subnet6 decides whether it may have one). CNI_OK, or a code
 * after printing why.
 */
int cni_want_read(struct cni_want *w, const struct cJSON *conf,
		  const char *env_args, bool ipam);

/* "aa:bb:cc:dd:ee:ff" (or with "-"): 0 for a unicast MAC that is not zero. */
int cni_mac_parse(const char *text, uint8_t mac[6]);

#endif
