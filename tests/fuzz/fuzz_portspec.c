// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: port map specs; whatever parses must format and parse back the same. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct port_spec ps[PORTSPEC_MAX], back[PORTSPEC_MAX];
	char err[200], text[PORTSPEC_MAX * 64];
	char *s = malloc(size + 1);
	int n;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	n = portspec_parse_list(s, ps, PORTSPEC_MAX, err, sizeof(err));
	if (n > 0) {
		portspec_format_list(ps, n, text, sizeof(text));
		if (portspec_parse_list(text, back, PORTSPEC_MAX, err, sizeof(err)) != n)
			__builtin_trap();
		for (int i = 0; i < n; i++)
			if (!portspec_equal(&ps[i], &back[i]) || ps[i].host_lo == 0 ||
			    ps[i].host_lo > ps[i].host_hi)
				__builtin_trap();
	}
	free(s);
	return 0;
}
