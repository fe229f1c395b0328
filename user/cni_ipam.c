// SPDX-License-Identifier: GPL-2.0
/*
 * IPAM delegation, as libcni's invoke package delegates: the plugin the
 * ipam object names is found in CNI_PATH and run with this process's
 * environment, CNI_COMMAND set to the command, and the network config, as
 * bpfnet read it, on its stdin. Its stdout is its result or its error.
 */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cni_ipam.h"
#include "cni_result.h"
#include "fsutil.h"
#include "log.h"

#define IPAM_OUT_MAX (1 << 20)	/* bytes of a plugin's reply read */

extern char **environ;

/* One line, an error or (quiet: an ADD's undo) a warning. */
static void __attribute__((format(printf, 2, 3)))
say(bool quiet, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (quiet)
		pr_warn("%s", buf);
	else
		pr_err("%s", buf);
}

/* The first directory of CNI_PATH holding an executable file named type. */
static int find_plugin(const char *type, char *path, size_t size, bool quiet)
{
	const char *dirs = getenv("CNI_PATH");
	char *copy, *rest, *dir;
	bool found = false;
	struct stat st;

	if (!dirs || !dirs[0]) {
		say(quiet, "CNI_PATH is not set: the ipam plugin %s cannot be found",
		    type);
		return CNI_ERR_ENV;
	}
	copy = strdup(dirs);
	if (!copy)
		return CNI_ERR_IO;
	rest = copy;
	while (!found && (dir = strsep(&rest, ":"))) {
		if (!dir[0] || (size_t)snprintf(path, size, "%s/%s", dir, type) >= size)
			continue;
		found = !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
	}
	free(copy);
	if (!found) {
		say(quiet, "the ipam plugin %s is in no directory of CNI_PATH (%.200s)",
		    type, dirs);
		return CNI_ERR_ENV;
	}
	return CNI_OK;
}

/* This process's environment with CNI_COMMAND=command (cmd holds it). */
static char **plugin_env(char *cmd, size_t size, const char *command)
{
	size_t n = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	snprintf(cmd, size, "CNI_COMMAND=%s", command);
	n = 0;
	env[n++] = cmd;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "CNI_COMMAND=", 12))
			env[n++] = *e;
	return env;
}

/* The config as a file to read from the start: a memfd, or -errno. */
static int config_fd(const struct cni_req *r)
{
	int fd = memfd_create("bpfnet-cni-config", MFD_CLOEXEC);
	size_t off = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (off < r->len) {
		n = write(fd, r->text + off, r->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (off < r->len || lseek(fd, 0, SEEK_SET)) {
		close(fd);
		return -EIO;
	}
	return fd;
}

/* Run path with the config on stdin: its stdout in *out, its wait status. */
static int spawn_plugin(const struct cni_req *r, const char *path,
			const char *command, char **out, size_t *len, int *status)
{
	char cmd[64], *argv[] = { (char *)r->ipam_type, NULL }, **env;
	posix_spawn_file_actions_t fa;
	int in, p[2], err;
	pid_t pid;

	in = config_fd(r);
	if (in < 0)
		return in;
	if (pipe2(p, O_CLOEXEC)) {
		close(in);
		return -errno;
	}
	env = plugin_env(cmd, sizeof(cmd), command);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	err = env ? -posix_spawn(&pid, path, &fa, NULL, argv, env) : -ENOMEM;
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	close(in);
	close(p[1]);
	if (!err) {
		err = read_fd(p[0], IPAM_OUT_MAX, out, len);
		close(p[0]);	/* a plugin still writing gets SIGPIPE */
		while (waitpid(pid, status, 0) < 0 && errno == EINTR)
			;
	} else {
		close(p[0]);
	}
	return err;
}

/* A plugin that failed: its error object passed on, or fallback. */
static int plugin_failed(const struct cni_req *r, const char *command,
			 const char *out, size_t len, int status, int fallback,
			 bool quiet)
{
	cJSON *o = json_parse_strict(out, len);
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "code");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "msg");
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "details");
	const char *msg = cJSON_IsString(m) ? m->valuestring : "";
	const char *details = cJSON_IsString(d) ? d->valuestring : "";
	int code = fallback;

	if (cJSON_IsNumber(c) && c->valuedouble >= 1 && c->valuedouble < 1000 &&
	    c->valuedouble == (double)(int)c->valuedouble) {
		code = (int)c->valuedouble;
		say(quiet, "ipam plugin %s %s: %s%s%s", r->ipam_type, command,
		    msg, details[0] ? ": " : "", details);
		if (!quiet)
			cni_error_pass(code, msg, details);
	} else {
		say(quiet, "ipam plugin %s %s failed (%s %d) with no error object",
		    r->ipam_type, command,
		    WIFEXITED(status) ? "exit status" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	}
	cJSON_Delete(o);
	return code;
}

/* Run the plugin for command: CNI_OK with its stdout in *out, or a code. */
static int invoke(const struct cni_req *r, const char *command, char **out,
		  size_t *len, int fallback, bool quiet)
{
	char path[4096];
	int status = 0, code, err;

	*out = NULL;
	code = find_plugin(r->ipam_type, path, sizeof(path), quiet);
	if (code)
		return code;
	pr_info("ipam: %s %s", command, path);
	err = spawn_plugin(r, path, command, out, len, &status);
	if (err) {
		say(quiet, "failed to run the ipam plugin %s: %s", path,
		    strerror(-err));
		return fallback;
	}
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return CNI_OK;
	code = plugin_failed(r, command, *out, *len, status, fallback, quiet);
	free(*out);
	*out = NULL;
	return code;
}

int cni_ipam_run(const struct cni_req *r, const char *command, bool quiet)
{
	int fallback = strcmp(command, "CHECK") ? CNI_ERR_TEARDOWN : CNI_ERR_CHECK;
	size_t len = 0;
	char *out;
	int code;

	code = invoke(r, command, &out, &len, fallback, quiet);
	free(out);
	return code;
}

int cni_ipam_add(const struct cni_req *r, struct ipam_result *res)
{
	size_t len = 0;
	char *out;
	int code;

	memset(res, 0, sizeof(*res));
	code = invoke(r, "ADD", &out, &len, CNI_ERR_SETUP, false);
	if (code)
		return code;
	code = cni_ipam_result_parse(out, len, res);
	free(out);
	if (code)	/* it gave an address bpfnet cannot use: give it back */
		cni_ipam_run(r, "DEL", true);
	return code;
}

/* "ADDR/N" of one ips entry: 4 or 6 (the address in ip or ip6), 0 if neither. */
static int entry_address(const cJSON *e, struct in_addr *ip,
			 struct in6_addr *ip6, int *prefix)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, "address");
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long n;

	if (!cJSON_IsString(a) ||
	    (size_t)snprintf(buf, sizeof(buf), "%s", a->valuestring) >= sizeof(buf))
		return 0;
	slash = strchr(buf, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	n = strtol(slash + 1, &end, 10);
	if (*end || end == slash + 1 || n < 0)
		return 0;
	*prefix = (int)n;
	if (inet_pton(AF_INET6, buf, ip6) == 1)
		return n <= 128 ? 6 : 0;
	return inet_pton(AF_INET, buf, ip) == 1 && n <= 32 ? 4 : 0;
}

/* The entry's gateway, of its family, into gw: CNI_OK or CNI_ERR_DECODE. */
static int entry_gateway(const cJSON *e, int family, void *gw, bool *has)
{
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(e, "gateway");

	if (g && (!cJSON_IsString(g) ||
		  inet_pton(family == 6 ? AF_INET6 : AF_INET, g->valuestring,
			    gw) != 1)) {
		pr_err("the ipam plugin's result has a gateway that is no IPv%d address",
		       family);
		return CNI_ERR_DECODE;
	}
	*has = g != NULL;
	return CNI_OK;
}

/* Its first IPv4 entry and its first IPv6 one (with their gateways). */
static int first_of_each(const cJSON *ips, struct ipam_result *res)
{
	bool has_ip = false;
	struct in6_addr a6;
	struct in_addr a;
	const cJSON *e;
	int family, prefix = 0, code = CNI_OK;

	cJSON_ArrayForEach(e, ips) {
		family = entry_address(e, &a, &a6, &prefix);
		if (!family) {
			pr_err("the ipam plugin's result has an address that is no a.b.c.d/N or IPv6 prefix");
			return CNI_ERR_DECODE;
		}
		if (family == 4 && !has_ip) {
			has_ip = true;
			res->ip = a;
			res->prefix = prefix;
			code = entry_gateway(e, 4, &res->gateway, &res->has_gateway);
		} else if (family == 6 && !res->has_ip6) {
			res->has_ip6 = true;
			res->ip6 = a6;
			res->prefix6 = prefix;
			code = entry_gateway(e, 6, &res->gateway6, &res->has_gateway6);
		}
		if (code)
			return code;
	}
	if (!has_ip) {
		pr_err("the ipam plugin's result has no IPv4 address");
		return CNI_ERR_CONFIG;
	}
	return CNI_OK;
}

int cni_ipam_result_parse(const char *text, size_t len, struct ipam_result *res)
{
	const cJSON *v, *ips, *dns;
	int n;

	memset(res, 0, sizeof(*res));
	res->doc = json_parse_strict(text, len);
	v = cJSON_GetObjectItemCaseSensitive(res->doc, "cniVersion");
	n = cJSON_IsString(v) ? cni_version_num(v->valuestring) : -1;
	if (!cJSON_IsObject(res->doc) || n < 0) {
		pr_err("the ipam plugin's result is no JSON object with a cniVersion");
		return CNI_ERR_DECODE;
	}
	ips = cJSON_GetObjectItemCaseSensitive(res->doc, "ips");
	if (n < cni_version_num("0.3.0") || n > cni_version_num("1.1.0") ||
	    (ips && !cJSON_IsArray(ips))) {
		pr_err("the ipam plugin's result (cniVersion %.16s) is not of 0.3.0 to 1.1.0, with an ips list",
		       v->valuestring);
		return CNI_ERR_DECODE;
	}
	dns = cJSON_GetObjectItemCaseSensitive(res->doc, "dns");
	res->dns = cJSON_IsObject(dns) ? dns : NULL;
	return first_of_each(ips, res);
}

void cni_ipam_result_free(struct ipam_result *res)
{
	cJSON_Delete(res->doc);
	res->doc = NULL;
	res->dns = NULL;
}
