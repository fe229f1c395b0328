// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "oci.h"
#include "portstore.h"

/* The longest canonical spec, with its newline. */
#define SPEC_LINE_MAX 96	/* a spec with an IPv6 address, "\n" and NUL */

static void ports_dir(const char *state_dir, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", state_dir, PORTSTORE_DIR);
}

/* Lines "spec\n" only: a torn or edited file is corrupt, never half-read. */
static int parse_lines(char *text, size_t len, struct port_list *l,
		       char *why, size_t whylen)
{
	char *line = text, *end = text + len;
	int lineno = 1;

	if (len && text[len - 1] != '\n') {
		snprintf(why, whylen, "its last line is not complete");
		return -EBADMSG;
	}
	for (; line < end; lineno++) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		struct port_spec ps;
		char err[160];

		*nl = '\0';
		if (portspec_parse(line, &ps, err, sizeof(err)) ||
		    portlist_push(l, &ps)) {
			snprintf(why, whylen, "line %d: %s", lineno, err);
			return -EBADMSG;
		}
		line = nl + 1;
	}
	return 0;
}

/* Read dir/id through dfd (a checked handle on dir) into l. */
static int read_at(int dfd, const char *dir, const char *id,
		   struct port_list *l)
{
	char why[200];
	size_t len;
	char *text;
	int fd, err;

	fd = openat(dfd, id, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	err = fd < 0 ? -errno : read_fd(fd, 64 << 20, &text, &len);
	if (fd >= 0)
		close(fd);
	if (err) {
		pr_err("failed to read %s/%s: %s", dir, id, strerror(-err));
		return err;
	}
	err = parse_lines(text, len, l, why, sizeof(why));
	free(text);
	if (err)
		pr_err("ports file %s/%s is corrupt: %s (run 'bpfnet gc' to rebuild it)",
		       dir, id, why);
	return err;
}

int portstore_read(const char *state_dir, const char *id, struct port_list *l)
{
	char dir[PATH_MAX];
	int dfd, err;

	ports_dir(state_dir, dir, sizeof(dir));
	dfd = open_private_dir(dir);
	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	err = read_at(dfd, dir, id, l);
	close(dfd);
	return err;
}

/* Open the ports dir for a walk: a DIR, or NULL (none yet: *err is 0). */
static DIR *walk_open(const char *state_dir, char *dir, size_t size, int *err)
{
	int dfd;
	DIR *d;

	ports_dir(state_dir, dir, size);
	dfd = open_private_dir(dir);
	*err = dfd < 0 && dfd != -ENOENT ? dfd : 0;
	if (dfd < 0)
		return NULL;
	d = fdopendir(dfd);
	if (!d) {
		*err = -errno;
		close(dfd);
	}
	return d;
}

/*
 * The next entry that could name a container (not . or ..). A temporary of a
 * killed writer is unrecorded: skipped by a read, removed by a sweep.
 */
static const char *walk_next(DIR *d)
{
	struct dirent *de;

	while ((de = readdir(d)))
		if (oci_id_valid(de->d_name))
			return de->d_name;
	return NULL;
}

int portstore_read_all(const char *state_dir,
		       struct port_list *(*slot)(const char *id, void *ctx),
		       void *ctx)
{
	char dir[PATH_MAX];
	const char *id;
	int err;
	DIR *d = walk_open(state_dir, dir, sizeof(dir), &err);

	if (!d)
		return err;
	while (!err && (id = walk_next(d))) {
		struct port_list *l = slot(id, ctx);

		if (l)
			err = read_at(dirfd(d), dir, id, l);
	}
	closedir(d);
	return err;
}

/* "spec\n" for each of ps[0..n), malloc'd. */
static char *format_lines(const struct port_spec *ps, int n, size_t *len)
{
	char *buf = malloc((size_t)n * SPEC_LINE_MAX + 1), *p = buf;

	if (!buf)
		return NULL;
	for (int i = 0; i < n; i++) {
		portspec_format(&ps[i], p, SPEC_LINE_MAX);
		p += strlen(p);
		*p++ = '\n';
	}
	*p = '\0';
	*len = (size_t)(p - buf);
	return buf;
}

/* The ports dir, made private on first use. */
static int ports_dir_ready(const char *state_dir, char *dir, size_t size)
{
	ports_dir(state_dir, dir, size);
	return ensure_private_dir(dir, 0700);
}

int portstore_append(const char *state_dir, const char *id,
		     const struct port_spec *ps, int n)
{
	char dir[PATH_MAX], *text;
	size_t len;
	int err;

	err = ports_dir_ready(state_dir, dir, sizeof(dir));
	if (err)
		return err;
	text = format_lines(ps, n, &len);
	if (!text)
		return -ENOMEM;
	err = append_private_file(dir, id, text, len);
	free(text);
	if (err)
		pr_err("failed to write %s/%s: %s", dir, id, strerror(-err));
	return err;
}

int portstore_write(const char *state_dir, const char *id,
		    const struct port_list *l)
{
	char dir[PATH_MAX], path[PATH_MAX + NAME_MAX], *text;
	size_t len;
	int err;

	if (!l->n)
		return portstore_remove(state_dir, id);
	err = ports_dir_ready(state_dir, dir, sizeof(dir));
	if (err)
		return err;
	text = format_lines(l->v, l->n, &len);
	if (!text)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/%s", dir, id);
	err = write_file_atomic(path, text, len);
	free(text);
	if (err)
		pr_err("failed to write %s: %s", path, strerror(-err));
	return err;
}

/* The line "spec\n" in text[0..len), or NULL. */
static char *find_line(char *text, size_t len, const char *line, size_t n)
{
	char *p = text, *end = text + len;

	while ((p = memmem(p, (size_t)(end - p), line, n))) {
		if (p == text || p[-1] == '\n')
			return p;
		p++;
	}
	return NULL;
}

int portstore_remove_specs(const char *state_dir, const char *id,
			   const struct port_spec *ps, int n, int *missing)
{
	char dir[PATH_MAX], path[PATH_MAX + NAME_MAX], line[SPEC_LINE_MAX];
	size_t len;
	char *text;
	int err;

	/* canonical lines match canonical lines: no need to parse the file */
	ports_dir(state_dir, dir, sizeof(dir));
	err = read_private_file(dir, id, 64 << 20, &text, &len);
	if (err == -ENOENT) {
		*missing = 0;
		return -ENOENT;
	}
	if (err)
		return err;
	for (int i = 0; i < n; i++) {
		char *at;
		size_t ll;

		portspec_format(&ps[i], line, sizeof(line) - 1);
		ll = strlen(line);
		line[ll++] = '\n';
		at = find_line(text, len, line, ll);
		if (!at) {
			*missing = i;
			free(text);
			return -ENOENT;
		}
		memmove(at, at + ll, len - (size_t)(at - text) - ll);
		len -= ll;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, id);
	err = len ? write_file_atomic(path, text, len) : portstore_remove(state_dir, id);
	free(text);
	if (err)
		pr_err("failed to write %s: %s", path, strerror(-err));
	return err;
}

int portstore_remove(const char *state_dir, const char *id)
{
	char dir[PATH_MAX];
	int err;

	ports_dir(state_dir, dir, sizeof(dir));
	err = unlink_private_file(dir, id);
	if (err)
		pr_err("failed to remove %s/%s: %s", dir, id, strerror(-err));
	return err;
}

int portstore_sweep(const char *state_dir,
		    bool (*keep)(const char *id, void *ctx), void *ctx)
{
	char dir[PATH_MAX];
	const char *id;
	int err, removed = 0;
	DIR *d = walk_open(state_dir, dir, sizeof(dir), &err);

	if (!d)
		return 0;
	while ((id = walk_next(d)))
		if ((!keep || !keep(id, ctx)) && !unlinkat(dirfd(d), id, 0))
			removed++;
	closedir(d);
	return removed;
}

void portstore_clear(const char *state_dir)
{
	char dir[PATH_MAX];

	portstore_sweep(state_dir, NULL, NULL);
	ports_dir(state_dir, dir, sizeof(dir));
	rmdir(dir);
}
