/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A container's published ports on disk: <state-dir>/ports/<id>, one
 * canonical spec per line. One file per container, so that publishing one
 * more port appends a line, whatever the container already publishes.
 */
#ifndef BPFNET_PORTSTORE_H
#define BPFNET_PORTSTORE_H

#include "portspec.h"

#define PORTSTORE_DIR "ports"

/* Append id's stored specs to l (none stored: none). 0 or -errno, printed;
 * on error l holds what was read so far, for the caller to free. */
int portstore_read(const char *state_dir, const char *id, struct port_list *l);

/*
 * Read every stored file into the list slot() gives for its id (NULL: skip
 * it). 0 or the first -errno, printed.
 */
int portstore_read_all(const char *state_dir,
		       struct port_list *(*slot)(const char *id, void *ctx),
		       void *ctx);

/* Add ps[0..n) to id's file in one write, synced. 0 or -errno, printed. */
int portstore_append(const char *state_dir, const char *id,
		     const struct port_spec *ps, int n);

/* Replace id's file with l (atomically; an empty list removes it). */
int portstore_write(const char *state_dir, const char *id,
		    const struct port_list *l);

/*
 * Take ps[0..n) out of id's file, all or none: -ENOENT with *missing the
 * index of a spec it does not hold.
 */
int portstore_remove_specs(const char *state_dir, const char *id,
			   const struct port_spec *ps, int n, int *missing);

/* Remove id's file. */
int portstore_remove(const char *state_dir, const char *id);

/* Remove every file whose id keep() refuses (no keep: all); how many. */
int portstore_sweep(const char *state_dir,
		    bool (*keep)(const char *id, void *ctx), void *ctx);

/* Remove every file and the dir itself (bpfnet down). */
void portstore_clear(const char *state_dir);

#endif
