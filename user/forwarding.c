// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forwarding.h"
#include "fsutil.h"
#include "log.h"

#define FORWARDING_FILE "forwarding"

static int conf_path(const char *ifname, char *buf, size_t size)
{
	if (!ifname[0] || strchr(ifname, '/') || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	snprintf(buf, size, "/proc/sys/net/ipv4/conf/%s/forwarding", ifname);
	return 0;
}

static int conf_read(const char *ifname, char *val)
{
	char path[PATH_MAX];
	int fd, err = conf_path(ifname, path, sizeof(path));

	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = read(fd, val, 1) == 1 ? 0 : -EIO;
	close(fd);
	return err;
}

static int conf_write(const char *ifname, char val)
{
	char path[PATH_MAX], line[2] = { val, '\n' };
	int fd, err = conf_path(ifname, path, sizeof(path));

	if (err)
		return err;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = write(fd, line, 2) == 2 ? 0 : -errno;
	close(fd);
	return err;
}

/* The record: one "IFNAME VALUE" line per interface bpfnet turned on. */
static char *record_read(const char *state_dir)
{
	char *text = NULL;
	size_t len;

	if (read_private_file(state_dir, FORWARDING_FILE, 1 << 16, &text, &len))
		return NULL;
	return text;
}

static bool recorded(const char *text, const char *ifname)
{
	size_t n = strlen(ifname);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (!strncmp(p, ifname, n) && p[n] == ' ')
			return true;
	return false;
}

int forwarding_enable(const char *state_dir, const char *ifname)
{
	char cur, path[PATH_MAX], *text, *out;
	int err = conf_read(ifname, &cur);

	if (err) {
		pr_err("failed to read IPv4 forwarding of %s: %s", ifname,
		       strerror(-err));
		return err;
	}
	if (cur == '1')
		return 0;
	text = record_read(state_dir);
	if (!recorded(text, ifname)) {
		/* remember first, so a crash after the write still restores */
		if (asprintf(&out, "%s%s %c\n", text ? text : "", ifname, cur) < 0) {
			free(text);
			return -ENOMEM;
		}
		snprintf(path, sizeof(path), "%s/%s", state_dir, FORWARDING_FILE);
		err = write_file_atomic(path, out, strlen(out));
		free(out);
	}
	free(text);
	if (!err)
		err = conf_write(ifname, '1');
	if (err)
		pr_err("failed to enable IPv4 forwarding on %s: %s", ifname,
		       strerror(-err));
	else
		pr_info("enabled IPv4 forwarding on %s", ifname);
	return err;
}

void forwarding_restore(const char *state_dir)
{
	char path[PATH_MAX], *text = record_read(state_dir), *save = NULL;

	if (!text)
		return;
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char ifname[IFNAMSIZ], val;

		if (sscanf(line, "%15s %c", ifname, &val) != 2 ||
		    (val != '0' && val != '1'))
			continue;
		if (!conf_write(ifname, val))
			pr_info("restored IPv4 forwarding %c on %s", val, ifname);
	}
	free(text);
	snprintf(path, sizeof(path), "%s/%s", state_dir, FORWARDING_FILE);
	unlink(path);
}
