// SPDX-License-Identifier: GPL-2.0
/* How full the flow tables are (bpfnet stats). */
#include <bpf/bpf.h>

#include "bpfnet_shared.h"
#include "mapiter.h"
#include "pins.h"
#include "tables.h"

static void count_one(const void *key, const void *val, void *ctx)
{
	(void)key;
	(void)val;
	(*(int *)ctx)++;
}

void table_fill(const int fds[NTABLES], struct table_fill *t)
{
	static const struct {
		const char *name;
		__u32 vsz;
		bool flows, fresh;
	} maps[NTABLES] = {
		{ BPFNET_PIN_CT, sizeof(struct bpfnet_ct), true, false },
		{ BPFNET_PIN_RNAT, sizeof(struct bpfnet_rnat), false, false },
		{ BPFNET_PIN_DNAT_CT, sizeof(struct bpfnet_ct), true, false },
		{ BPFNET_PIN_DNAT_REV, sizeof(struct bpfnet_dnat_rev), false, false },
		{ BPFNET_PIN_CT_NEW, sizeof(struct bpfnet_ct), true, true },
		{ BPFNET_PIN_RNAT_NEW, sizeof(struct bpfnet_rnat), false, true },
		{ BPFNET_PIN_DNAT_CT_NEW, sizeof(struct bpfnet_ct), true, true },
		{ BPFNET_PIN_DNAT_REV_NEW, sizeof(struct bpfnet_dnat_rev), false, true },
	};

	for (int i = 0; i < NTABLES; i++) {
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);

		t[i] = (struct table_fill){ .name = maps[i].name, .flows = maps[i].flows,
					    .fresh = maps[i].fresh };
		if (!bpf_obj_get_info_by_fd(fds[i], &info, &len))
			t[i].max = info.max_entries;
		map_for_each(fds[i], sizeof(struct bpfnet_flow), maps[i].vsz,
			     count_one, &t[i].entries);
	}
}

void dp_table_fill(struct dp *dp, struct table_fill *t)
{
	const int fds[NTABLES] = {
		dp->ct_fd, dp->rnat_fd, dp->dnat_ct_fd, dp->dnat_rev_fd,
		dp->ct_new_fd, dp->rnat_new_fd, dp->dnat_ct_new_fd, dp->dnat_rev_new_fd,
	};

	table_fill(fds, t);
}

/* At or over TABLE_FULL_PCT of its size. */
bool table_full(const struct table_fill *t)
{
	return t->max && (__u64)t->entries * 100 >= (__u64)t->max * TABLE_FULL_PCT;
}
