// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: JSON config files. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bpfnet_config cfg;

	config_defaults(&cfg);
	if (config_apply_json(&cfg, (const char *)data, size, "fuzz") == 0) {
		if (strlen(cfg.bridge) >= sizeof(cfg.bridge) || cfg.prefix < 0 ||
		    cfg.prefix > 32 || cfg.port_min > cfg.port_max)
			__builtin_trap();
		config_validate(&cfg);
	}
	return 0;
}
