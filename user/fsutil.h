/* SPDX-License-Identifier: GPL-2.0 */
/* Small file helpers: bounded reads, atomic writes, private directories. */
#ifndef BPFNET_FSUTIL_H
#define BPFNET_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Read a whole file of at most max bytes (NUL-terminated). -EFBIG if larger. */
int read_file(const char *path, size_t max, char **out, size_t *len);

/*
 * Read dir/name through a handle on dir checked as open_private_dir does, not
 * following a symlink at name. -ENOENT when there is no such file.
 */
int read_private_file(const char *dir, const char *name, size_t max,
		      char **out, size_t *len);

/* Read all of fd (stdin) up to max bytes. -EFBIG if larger. */
int read_fd(int fd, size_t max, char **out, size_t *len);

/*
 * Open dir (not following a symlink) if this user owns it and nobody else may
 * write to it: an fd, or -errno after printing why (-ENOENT: silently).
 */
int open_private_dir(const char *dir);

/* Write data to path through a temporary file, fsync and rename (mode 0600). */
int write_file_atomic(const char *path, const char *data, size_t len);

/*
 * Write data to dir/name as write_file_atomic does, but readable by all
 * (0644: for another program, node_exporter's textfile collector), through
 * ".NAME.PID.tmp". dir must be a directory, not a symlink, that not everyone
 * may write to (-EPERM); nothing is printed.
 */
int write_public_file_atomic(const char *dir, const char *name, const char *data,
			     size_t len);

/*
 * Append data to dir/name (created 0600; a symlink or non-regular file is
 * refused) in one write, and fsync it. dir is checked as open_private_dir does.
 */
int append_private_file(const char *dir, const char *name, const char *data,
			size_t len);

/* Remove dir/name through a checked handle on dir; absent is not an error. */
int unlink_private_file(const char *dir, const char *name);

/*
 * Create dir (and parents) with mode; refuse one that is a symlink or that
 * others can write to. Returns 0 or -errno after printing why.
 */
int ensure_private_dir(const char *dir, mode_t mode);

#include <cjson/cJSON.h>

/* Parse exactly one JSON document of len bytes (trailing bytes refused). */
cJSON *json_parse_strict(const char *text, size_t len);

#endif
