/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Container ids as people type and read them: text listings print a 64-hex
 * id shortened to its first 12 characters, as docker and podman do (JSON
 * keeps the whole id), and commands take any unambiguous prefix of an id.
 */
#ifndef BPFNET_CTRID_H
#define BPFNET_CTRID_H

#include <stdbool.h>
#include <stddef.h>

#include "state.h"

#define CTRID_SHORT_LEN 12
#define CTRID_HEX_LEN 64

/* Is id 64 hexadecimal digits (a docker, podman or containerd id)? */
bool ctrid_is_hex64(const char *id);

/*
 * How much of id a text listing prints ("%.*s"): the first 12 characters
 * of a 64-hex id, any other id whole.
 */
int ctrid_short_len(const char *id);

/*
 * The record that id names: the one whose id it is, else the one record
 * whose id starts with it. NULL when none does (*ambiguous false) or when
 * several do (*ambiguous true). An empty id names nothing.
 */
struct endpoint_rec *ctrid_match(const struct bpfnet_state *st, const char *id,
				 bool *ambiguous);

/*
 * ctrid_match for a command: NULL after printing one line, "container X is
 * not running" (no such id) or "container id X is ambiguous: ...".
 */
struct endpoint_rec *ctrid_find(const struct bpfnet_state *st, const char *id);

#endif
