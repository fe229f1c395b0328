/* SPDX-License-Identifier: GPL-2.0 */
/* The persistent record of containers: <state-dir>/state.json, under a lock. */
#ifndef BPFNET_STATE_H
#define BPFNET_STATE_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "netrec.h"
#include "oci.h"
#include "portspec.h"

/* Host ends of container veths are named so (ipam_veth_name). */
#define BPFNET_VETH_PREFIX "bnv"

/* The longest namespace path a record keeps (CNI_NETNS). */
#define NETNS_PATH_MAX 256

struct endpoint_rec {
	char id[OCI_ID_MAX + 1];
	struct in_addr ip;
	struct in6_addr ip6;		/* its IPv6 address (--subnet6); :: for none */
	uint8_t mac[6];
	char veth[IFNAMSIZ];		/* host end of the veth pair */
	int pid;			/* 0 when set up by path (CNI) */
	char netns[NETNS_PATH_MAX];	/* the netns file set up (CNI), or "" */
	char ifname[IFNAMSIZ];		/* the container's interface; "": eth0 */
	uint64_t netns_ino;		/* inode of the container's netns */
	bool ready;			/* false while set-up is under way */
	struct port_list ports;		/* published ports, any number */
	bool ports_dirty;		/* ports differ from its ports file */
};

struct bpfnet_state {
	struct net_rec net;		/* the network's settings */
	int n;
	size_t cap;
	struct endpoint_rec *eps;
	/*
	 * The host addresses that published ports name (besides "every
	 * address"): where a port published on every address may clash.
	 */
	struct in_addr *port_addrs;
	int n_port_addrs;
	size_t cap_port_addrs;
	/* ids removed since the load, whose ports files go at the next save */
	char (*gone)[OCI_ID_MAX + 1];
	int n_gone;
	size_t cap_gone;
};

/*
 * A command's hold on the state: state_begin checks the dir, takes the lock
 * and loads; state_commit saves; state_end frees and unlocks. Every command
 * goes through one session, readers too (they see no half-made change).
 */
struct state_session {
	const char *dir;
	int lock;			/* -1 while not held */
	struct bpfnet_state st;
};

#define STATE_WRITE	0x1	/* make the dir (private) if it is missing */
#define STATE_RECORDS	0x2	/* records only: the ports files stay unread */

/*
 * Without STATE_WRITE a missing dir is an empty state, nothing locked. On a
 * load error the lock is still held (gc rebuilds under it) and st is empty.
 * state_end must follow whatever this returns. 0 or -errno (printed).
 */
int state_begin(struct state_session *s, const char *dir, unsigned int flags);
int state_commit(struct state_session *s);
void state_end(struct state_session *s);

/*
 * Load state.json and every container's ports file; a missing file is an
 * empty state. A file that does not parse is an error (-EBADMSG) with its
 * reason printed: never reset silently.
 */
int state_load(const char *dir, struct bpfnet_state *st);
/*
 * Load state.json only: records with empty port lists, for a command that
 * keeps one container's ports file itself (port add, port del).
 */
int state_load_records(const char *dir, struct bpfnet_state *st);
/* Read the ports files of records loaded so (-EBADMSG: one is corrupt). */
int state_load_ports(const char *dir, struct bpfnet_state *st);
/*
 * Write the ports files of records whose ports changed, then state.json,
 * then remove the ports files of removed records.
 */
int state_save(const char *dir, struct bpfnet_state *st);
void state_free(struct bpfnet_state *st);

/* Serialise/deserialise (exposed for unit tests). */
char *state_to_json(const struct bpfnet_state *st);
int state_from_json(const char *text, size_t len, struct bpfnet_state *st,
		    char *err, size_t errlen);

struct endpoint_rec *state_find(const struct bpfnet_state *st, const char *id);
struct endpoint_rec *state_find_ip(const struct bpfnet_state *st,
				   struct in_addr ip);
/* The record holding IPv6 address ip6 (never matches ::). */
struct endpoint_rec *state_find_ip6(const struct bpfnet_state *st,
				    const struct in6_addr *ip6);
/* A new empty record (its ports file, if any is left, is replaced at save). */
struct endpoint_rec *state_add(struct bpfnet_state *st);
/* Note the host addresses ps[0..n) name: true when one was new. */
bool state_note_port_addrs(struct bpfnet_state *st,
			   const struct port_spec *ps, int n);
/*
 * Is rec's container alive: does its namespace file (or its process's
 * namespace, for a record without one) still hold the inode recorded?
 */
bool state_rec_alive(const struct endpoint_rec *rec);

/* Remove rec (and free what it holds); pointers into st move. */
void state_remove(struct bpfnet_state *st, struct endpoint_rec *rec);

#endif
