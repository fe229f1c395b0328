// SPDX-License-Identifier: GPL-2.0
#include "datapath.h"

int datapath_endpoint_add(const struct bpfnet_config *cfg,
			  const struct endpoint_rec *rec, int veth_ifindex,
			  int uplink_ifindex, int bridge_ifindex)
{
	(void)cfg; (void)rec; (void)veth_ifindex; (void)uplink_ifindex; (void)bridge_ifindex;
	return 0;
}

void datapath_endpoint_del(const struct bpfnet_config *cfg,
			   const struct endpoint_rec *rec)
{
	(void)cfg; (void)rec;
}

int datapath_down(const struct bpfnet_config *cfg)
{
	(void)cfg;
	return 0;
}
