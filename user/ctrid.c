// SPDX-License-Identifier: GPL-2.0
/* Container ids: the short form listings print, prefixes commands take. */
#include <ctype.h>
#include <string.h>

#include "ctrid.h"
#include "log.h"

bool ctrid_is_hex64(const char *id)
{
	int i;

	for (i = 0; i < CTRID_HEX_LEN; i++)
		if (!isxdigit((unsigned char)id[i]))
			return false;
	return id[i] == '\0';
}

int ctrid_short_len(const char *id)
{
	return ctrid_is_hex64(id) ? CTRID_SHORT_LEN : (int)strlen(id);
}

struct endpoint_rec *ctrid_match(const struct bpfnet_state *st, const char *id,
				 bool *ambiguous)
{
	struct endpoint_rec *found = NULL;
	size_t len = strlen(id);
	int n = 0;

	*ambiguous = false;
	if (!len)
		return NULL;
	for (int i = 0; i < st->n; i++) {
		if (!strcmp(st->eps[i].id, id))
			return &st->eps[i];	/* a whole id wins over prefixes */
		if (!strncmp(st->eps[i].id, id, len)) {
			found = &st->eps[i];
			n++;
		}
	}
	if (n > 1) {
		*ambiguous = true;
		return NULL;
	}
	return found;
}

struct endpoint_rec *ctrid_find(const struct bpfnet_state *st, const char *id)
{
	struct endpoint_rec *rec;
	bool ambiguous;
	int n = 0;

	rec = ctrid_match(st, id, &ambiguous);
	if (rec)
		return rec;
	if (!ambiguous) {
		pr_err("container %s is not running", id);
		return NULL;
	}
	for (int i = 0; i < st->n; i++)
		n += !strncmp(st->eps[i].id, id, strlen(id));
	pr_err("container id %s is ambiguous: %d containers' ids start with it; give more of it",
	       id, n);
	return NULL;
}
