// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: port map specs; whatever parses must format and parse back the same. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct port_list ps = { 0 }, back = { 0 };
	char err[200], *text;
	char *s = malloc(size + 1);
	int n;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	n = portlist_parse(s, &ps, true, err, sizeof(err));
	if (n > 0) {
		text = portlist_format(&ps);
		if (!text || portlist_parse(text, &back, true, err, sizeof(err)) != n)
			__builtin_trap();
		for (int i = 0; i < n; i++)
			if (!portspec_equal(&ps.v[i], &back.v[i]) || ps.v[i].host_lo == 0 ||
			    ps.v[i].host_lo > ps.v[i].host_hi)
				__builtin_trap();
		free(text);
	} else if (ps.n != 0) {
		__builtin_trap();	/* a failed parse leaves the list as it was */
	}
	portlist_free(&ps);
	portlist_free(&back);
	free(s);
	return 0;
}
