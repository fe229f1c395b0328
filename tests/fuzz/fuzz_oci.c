// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the OCI state parser must never crash, leak or overrun. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_state st;
	char err[200];

	if (oci_parse_state((const char *)data, size, &st, err, sizeof(err)) == 0) {
		/* what was accepted must hold the parser's promises */
		if (!oci_id_valid(st.id) || (st.pid <= 0 && st.status != OCI_STOPPED))
			__builtin_trap();
	}
	return 0;
}
