// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"

int read_fd(int fd, size_t max, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb;

			if (cap > max) {
				free(buf);
				return -EFBIG;
			}
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = -errno;

			free(buf);
			return err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		free(buf);
		return -EFBIG;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int read_private_file(const char *dir, const char *name, size_t max,
		      char **out, size_t *len)
{
	int dfd = open_private_dir(dir), fd, err;

	if (dfd < 0)
		return dfd;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	err = fd < 0 ? -errno : read_fd(fd, max, out, len);
	if (fd >= 0)
		close(fd);
	close(dfd);
	return err;
}

int read_file(const char *path, size_t max, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return -errno;
	err = read_fd(fd, max, out, len);
	close(fd);
	return err;
}

int open_private_dir(const char *dir)
{
	struct stat st;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		int err = -errno;

		if (err == -ELOOP || err == -ENOTDIR)
			pr_err("refusing %s: it is a symlink or not a directory", dir);
		else if (err != -ENOENT)	/* absent: the caller decides */
			pr_err("failed to open %s: %s", dir, strerror(-err));
		return err;
	}
	if (fstat(fd, &st) || st.st_uid != geteuid() || (st.st_mode & 0022)) {
		pr_err("refusing %s: it is owned by another user or writable by others",
		       dir);
		close(fd);
		return -EPERM;
	}
	return fd;
}

/* write(2) until all of data is out. */
static int write_all(int fd, const char *data, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		off += (size_t)w;
	}
	return 0;
}

/*
 * dfd/tmp (replacing a leftover of ours) takes data, is synced, then
 * renamed over dfd/name: a reader sees the old file or the new one, whole.
 */
static int replace_via_temp(int dfd, const char *tmp, const char *name,
			    const char *data, size_t len, mode_t mode)
{
	int fd, err;

	/* a leftover of a killed writer with our pid is ours to replace */
	unlinkat(dfd, tmp, 0);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		    mode);
	if (fd < 0)
		return -errno;
	err = write_all(fd, data, len);
	if (!err && fchmod(fd, mode))	/* whatever the umask */
		err = -errno;
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && renameat(dfd, tmp, dfd, name))
		err = -errno;
	if (err)
		unlinkat(dfd, tmp, 0);
	else
		fsync(dfd);
	return err;
}

int write_file_atomic(const char *path, const char *data, size_t len)
{
	char tmp[NAME_MAX + 1], dir[PATH_MAX], base[PATH_MAX], *name;
	int dfd, err;

	/* one directory handle for create, rename and sync: no path is
	 * looked up twice */
	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(base, sizeof(base), "%s", path);
	dfd = open_private_dir(dirname(dir));	/* checked, then used for all */
	if (dfd < 0)
		return dfd;
	name = basename(base);
	/* pid first: a long name is cut, never the part that makes it unique */
	snprintf(tmp, sizeof(tmp), ".tmp.%d.%s", getpid(), name);
	err = replace_via_temp(dfd, tmp, name, data, len, 0600);
	close(dfd);
	return err;
}

int write_public_file_atomic(const char *dir, const char *name, const char *data,
			     size_t len)
{
	char tmp[NAME_MAX + 1];
	struct stat st;
	int dfd, err;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (fstat(dfd, &st) || (st.st_mode & S_IWOTH)) {
		close(dfd);
		return -EPERM;
	}
	/* not ending in the name's suffix: a collector reading *.prom skips it */
	snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", name, getpid());
	err = replace_via_temp(dfd, tmp, name, data, len, 0644);
	close(dfd);
	return err;
}

int append_private_file(const char *dir, const char *name, const char *data,
			size_t len)
{
	int dfd = open_private_dir(dir), fd, err;
	struct stat st;

	if (dfd < 0)
		return dfd;
	fd = openat(dfd, name, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
			       O_NONBLOCK | O_CLOEXEC, 0600);
	err = fd < 0 ? -errno : 0;
	close(dfd);
	if (err)
		return err;
	if (fstat(fd, &st))
		err = -errno;
	else if (!S_ISREG(st.st_mode) || st.st_uid != geteuid())
		err = -EPERM;
	if (!err)
		err = write_all(fd, data, len);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int unlink_private_file(const char *dir, const char *name)
{
	int dfd = open_private_dir(dir), err = 0;

	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	if (unlinkat(dfd, name, 0) && errno != ENOENT)
		err = -errno;
	close(dfd);
	return err;
}

int ensure_private_dir(const char *dir, mode_t mode)
{
	char buf[PATH_MAX];
	struct stat st;
	int fd, err = 0;

	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST) {
			int err = -errno;

			pr_err("failed to create directory %s: %s", buf,
			       strerror(-err));
			return err;
		}
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST) {
		int err = -errno;

		pr_err("failed to create directory %s: %s", buf, strerror(-err));
		return err;
	}
	/* checked and tightened through one handle: no swap between the two */
	fd = open_private_dir(buf);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st)) {
		err = -errno;
		pr_err("failed to stat %s: %s", buf, strerror(-err));
	} else if ((st.st_mode & 07777) != mode && fchmod(fd, mode)) {
		err = -errno;
		pr_err("failed to make %s private: %s", buf, strerror(-err));
	}
	close(fd);
	return err;
}

cJSON *json_parse_strict(const char *text, size_t len)
{
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);

	if (!root)
		return NULL;
	for (; end && end < text + len; end++) {
		if (*end != ' ' && *end != '\n' && *end != '\r' && *end != '\t' &&
		    *end != '\0') {
			cJSON_Delete(root);
			return NULL;
		}
	}
	return root;
}
