// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"
#include "forwarding.h"
#include "fsutil.h"
#include "log.h"

/* One family's per-interface sysctl and the record of what bpfnet changed. */
struct fwd_family {
	const char *proc;	/* net.ipvN.conf */
	const char *file;	/* the record, in the state dir */
	const char *name;	/* in messages */
};

static const struct fwd_family fwd4 = { "ipv4", "forwarding", "IPv4" };
/* IPv6: the bridge only (--subnet6). Never conf.all: on a host that takes
 * its address from router advertisements, that would stop it taking them */
static const struct fwd_family fwd6 = { "ipv6", "forwarding6", "IPv6" };
static const struct fwd_family *fam = &fwd4;	/* this call's */

#define FORWARDING_FILE (fam->file)

static int conf_path(const char *ifname, char *buf, size_t size)
{
	if (!ifname[0] || strchr(ifname, '/') || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	snprintf(buf, size, "/proc/sys/net/%s/conf/%s/forwarding", fam->proc,
		 ifname);
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

/*
 * The value another network sharing ifname (an uplink) recorded for it, as
 * '0' or '1'; 0 when none did. Its record is written before the sysctl, and
 * its filter attached before both: a network that finds forwarding on, put
 * there by another, also finds that network's filter and its record.
 */
static char peer_value(const char *state_dir, const char *ifname)
{
	char **nets, val = 0;
	int n = uplink_other_nets((int)if_nametoindex(ifname), state_dir, &nets);

	for (int i = 0; i < n && !val; i++) {
		char *text = record_read(nets[i]), *p = text;
		size_t len = strlen(ifname);

		for (; p && *p && !val; p = strchr(p, '\n'), p = p ? p + 1 : p)
			if (!strncmp(p, ifname, len) && p[len] == ' ' &&
			    (p[len + 1] == '0' || p[len + 1] == '1'))
				val = p[len + 1];
		free(text);
	}
	if (n > 0)
		nets_free(nets, n);
	return val;
}

/* Add "IFNAME VAL" to the record unless IFNAME is in it already. */
static int record_add(const char *state_dir, const char *ifname, char val)
{
	char path[PATH_MAX], *text = record_read(state_dir), *out;
	int err = 0;

	if (!recorded(text, ifname)) {
		if (asprintf(&out, "%s%s %c\n", text ? text : "", ifname, val) < 0) {
			free(text);
			return -ENOMEM;
		}
		snprintf(path, sizeof(path), "%s/%s", state_dir, FORWARDING_FILE);
		err = write_file_atomic(path, out, strlen(out));
		free(out);
	}
	free(text);
	return err;
}

static int enable(const char *state_dir, const char *ifname)
{
	char cur, was;
	int err = conf_read(ifname, &cur);

	if (err) {
		pr_err("failed to read %s forwarding of %s: %s", fam->name,
		       ifname, strerror(-err));
		return err;
	}
	if (cur == '1') {
		/* on as the host had it, or as another network sharing the
		 * uplink left it: then its value is ours to give back too,
		 * should we be the last network to leave */
		was = peer_value(state_dir, ifname);
		return was == '0' ? record_add(state_dir, ifname, was) : 0;
	}
	/* remember first, so a crash after the write still restores */
	err = record_add(state_dir, ifname, cur);
	if (!err)
		err = conf_write(ifname, '1');
	if (err)
		pr_err("failed to enable %s forwarding on %s: %s", fam->name,
		       ifname, strerror(-err));
	else
		pr_info("enabled %s forwarding on %s", fam->name, ifname);
	return err;
}

int forwarding_enable(const char *state_dir, const char *ifname)
{
	fam = &fwd4;
	return enable(state_dir, ifname);
}

int forwarding6_enable(const char *state_dir, const char *ifname)
{
	int err;

	fam = &fwd6;
	err = enable(state_dir, ifname);
	fam = &fwd4;
	return err;
}

/* Give back one recorded value (the line of ifname, or any with NULL);
 * false when the line is to be kept (another network uses the uplink). */
static bool restore_line(const char *state_dir, const char *line,
			 const char *only)
{
	char ifname[IFNAMSIZ], val, **nets;
	int others;

	if (sscanf(line, "%15s %c", ifname, &val) != 2 ||
	    (val != '0' && val != '1'))
		return true;	/* not a record: dropped */
	if (only && strcmp(only, ifname))
		return false;
	/* an uplink another network still uses: that one gives it back */
	others = uplink_other_nets((int)if_nametoindex(ifname), state_dir, &nets);
	if (others > 0) {
		nets_free(nets, others);
		pr_info("leaving %s forwarding on %s: %d other bpfnet network(s) use it",
			fam->name, ifname, others);
		return true;
	}
	if (!conf_write(ifname, val))
		pr_info("restored %s forwarding %c on %s", fam->name, val, ifname);
	return true;
}

static void restore_if(const char *state_dir, const char *only)
{
	char path[PATH_MAX], *text = record_read(state_dir), *save = NULL;
	char *keep;
	size_t klen = 0;

	if (!text)
		return;
	keep = calloc(1, strlen(text) + 1);
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (restore_line(state_dir, line, only) || !keep)
			continue;
		klen += (size_t)sprintf(keep + klen, "%s\n", line);
	}
	free(text);
	snprintf(path, sizeof(path), "%s/%s", state_dir, FORWARDING_FILE);
	if (klen)
		write_file_atomic(path, keep, klen);
	else
		unlink(path);
	free(keep);
}

void forwarding_restore_if(const char *state_dir, const char *only)
{
	fam = &fwd4;
	restore_if(state_dir, only);
}

void forwarding_restore(const char *state_dir)
{
	fam = &fwd6;
	restore_if(state_dir, NULL);
	fam = &fwd4;
	restore_if(state_dir, NULL);
}
