// SPDX-License-Identifier: GPL-2.0
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fsutil.h"
#include "log.h"
#include "oci.h"

static const char *const status_names[] = {
	[OCI_CREATING] = "creating",
	[OCI_CREATED] = "created",
	[OCI_RUNNING] = "running",
	[OCI_STOPPED] = "stopped",
};

const char *oci_status_name(enum oci_status s)
{
	return status_names[s];
}

bool oci_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > OCI_ID_MAX || !strcmp(id, ".") || !strcmp(id, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.' || c == '+'))
			return false;
	}
	return true;
}


static int copy_annotation(const cJSON *ann, const char *key, char *dst,
			   size_t size, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ann, key);

	if (!v)
		return 0;
	if (!cJSON_IsString(v))
		return fmt_err(err, errlen, "annotation '%s' is not a string", key);
	if (strlen(v->valuestring) >= size)
		return fmt_err(err, errlen, "annotation '%s' is too long", key);
	strcpy(dst, v->valuestring);
	return 0;
}

static int parse_root(const cJSON *root, struct oci_state *st, char *err,
		      size_t errlen)
{
	const cJSON *id, *status, *pid, *ann;
	size_t i;
	int ret;

	if (!cJSON_IsObject(root))
		return fmt_err(err, errlen, "state is not a JSON object");

	id = cJSON_GetObjectItemCaseSensitive(root, "id");
	if (!cJSON_IsString(id))
		return fmt_err(err, errlen, "state has no string 'id'");
	if (!oci_id_valid(id->valuestring))
		return fmt_err(err, errlen,
			    "container id is invalid: 1 to %d characters of [A-Za-z0-9_.+-] are needed",
			    OCI_ID_MAX);
	strcpy(st->id, id->valuestring);

	status = cJSON_GetObjectItemCaseSensitive(root, "status");
	if (!cJSON_IsString(status))
		return fmt_err(err, errlen, "state has no string 'status'");
	for (i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (!strcmp(status->valuestring, status_names[i]))
			break;
	if (i == sizeof(status_names) / sizeof(status_names[0]))
		return fmt_err(err, errlen, "unknown container status '%.32s'",
			    status->valuestring);
	st->status = (enum oci_status)i;

	pid = cJSON_GetObjectItemCaseSensitive(root, "pid");
	if (pid && !cJSON_IsNull(pid)) {
		double d = cJSON_IsNumber(pid) ? pid->valuedouble : -1;

		if (d < 0 || d > 4194304 || d != (double)(int)d)
			return fmt_err(err, errlen, "state 'pid' is not a valid pid");
		st->pid = (int)d;
	}
	if (st->pid <= 0 && st->status != OCI_STOPPED)
		return fmt_err(err, errlen, "state has no 'pid' for a %s container",
			    status->valuestring);

	ann = cJSON_GetObjectItemCaseSensitive(root, "annotations");
	if (ann && !cJSON_IsObject(ann) && !cJSON_IsNull(ann))
		return fmt_err(err, errlen, "state 'annotations' is not an object");
	if (!ann)
		return 0;
	ret = copy_annotation(ann, "bpfnet.ip", st->ip, sizeof(st->ip), err,
			      errlen);
	if (!ret)
		ret = copy_annotation(ann, "bpfnet.ip6", st->ip6, sizeof(st->ip6),
				      err, errlen);
	if (ret)
		return ret;
	return copy_annotation(ann, "bpfnet.ports", st->ports, sizeof(st->ports),
			       err, errlen);
}

/* Strict UTF-8 check: cJSON passes bytes through unchecked. */
static bool utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3;
		else
			return false;
		if (i + n >= len)
			return false;
		for (size_t k = 1; k <= n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += n + 1;
	}
	return true;
}

int oci_parse_state(const char *text, size_t len, struct oci_state *st,
		    char *err, size_t errlen)
{
	cJSON *root;
	int ret;

	memset(st, 0, sizeof(*st));
	if (len == 0)
		return fmt_err(err, errlen, "no OCI state on stdin");
	if (len > OCI_STATE_MAX)
		return fmt_err(err, errlen, "OCI state is larger than %d bytes",
			    OCI_STATE_MAX);
	if (!utf8_valid((const unsigned char *)text, len))
		return fmt_err(err, errlen, "OCI state is not valid UTF-8");
	root = json_parse_strict(text, len);
	if (!root)
		return fmt_err(err, errlen,
			    "OCI state is not valid JSON (near byte %ld)",
			    (long)(cJSON_GetErrorPtr() ?
					   cJSON_GetErrorPtr() - text : 0));
	ret = parse_root(root, st, err, errlen);
	cJSON_Delete(root);
	return ret;
}
