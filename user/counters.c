// SPDX-License-Identifier: GPL-2.0
/* The datapath's counters, named and read (bpfnet stats). */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "pins.h"

static const struct {
	const char *name, *help;
} stats[BPFNET_STAT_MAX] = {
	[BPFNET_STAT_SNAT_PKTS] = { "snat_packets", "Packets of containers masqueraded on their way out." },
	[BPFNET_STAT_SNAT_BYTES] = { "snat_bytes", "Bytes (IP length) of packets masqueraded on their way out." },
	[BPFNET_STAT_RNAT_PKTS] = { "reverse_nat_packets", "Replies to masqueraded flows translated back." },
	[BPFNET_STAT_RNAT_BYTES] = { "reverse_nat_bytes", "Bytes (IP length) of replies translated back." },
	[BPFNET_STAT_FAST_OUT] = { "fast_path_out", "Packets redirected straight to the uplink." },
	[BPFNET_STAT_FAST_IN] = { "fast_path_in", "Packets redirected straight into a container." },
	[BPFNET_STAT_SLOW_PATH] = { "slow_path", "Packets handed to the kernel stack to route." },
	[BPFNET_STAT_PORT_RETRIES] = { "port_retries", "Extra source ports tried for masquerade." },
	[BPFNET_STAT_FLOWS_CREATED] = { "flows_created", "Masqueraded flows created." },
	[BPFNET_STAT_FLOWS_EXPIRED] = { "flows_expired", "Expired flow entries replaced in the datapath." },
	[BPFNET_STAT_ICMP_ERR_XLATED] = { "icmp_errors_translated", "ICMP errors translated, outer and quoted headers." },
	[BPFNET_STAT_PASS] = { "passed_untranslated", "Packets passed on untranslated." },
	[BPFNET_STAT_DNAT_PKTS] = { "dnat_packets", "Packets to published ports translated." },
	[BPFNET_STAT_DNAT_FLOWS] = { "dnat_flows", "Connections to published ports." },
	[BPFNET_STAT_DNAT_REPLIES] = { "dnat_replies", "Answers of published containers translated." },
	[BPFNET_STAT_HAIRPIN] = { "hairpin", "Packets between containers through a published port." },
	[BPFNET_STAT_SOCK_LB] = { "host_socket_redirects", "Host sockets sent straight to a published container." },
	[BPFNET_STAT_FAST_L2] = { "fast_path_neighbour", "Packets sent straight to a neighbour container." },
	[BPFNET_STAT_HOST_PORT_SKIPPED] = { "snat_ports_host_uses", "Source ports passed over: a host socket uses them." },
	[BPFNET_STAT_HOST_FLOW_KEPT] = { "host_flow_packets_kept", "Packets of the host's own flows kept from a published range." },
	[BPFNET_STAT_PEER_PORT_SKIPPED] = { "snat_ports_other_network_holds", "Source ports passed over: another network on the uplink holds them." },
	[BPFNET_STAT_FLOWS_HEALED] = { "flows_healed", "Lost halves of flows re-created from the other half." },
	[BPFNET_STAT_FLOWS_REMAPPED] = { "flows_remapped", "Masqueraded flows given a new port: their tuple was taken." },
	[BPFNET_STAT_DNAT_TAKEN] = { "dnat_tuple_taken", "Published-port flows refused or cut: their tuple was taken." },
	[BPFNET_STAT_FLOWS_PROMOTED] = { "flows_promoted", "Flows moved from the new-flow tables to the main ones." },
	[BPFNET_STAT_FRAG_XLATED] = { "fragments_translated", "Later fragments translated as their first was." },
	[BPFNET_STAT_PROTO_NAT_PKTS] = { "other_protocol_packets", "GRE, ESP and other protocols masqueraded by address, both ways." },
	[BPFNET_STAT_DROP_SPOOF_IP] = { "drop_spoofed_ip", "A container's packet from an address not its own (IPv6: also its link-local one off the link, or :: but for DAD and MLD)." },
	[BPFNET_STAT_DROP_SPOOF_MAC] = { "drop_spoofed_mac", "A container's packet from a MAC not its own." },
	[BPFNET_STAT_DROP_SPOOF_ARP] = { "drop_spoofed_arp", "ARP speaking for another address or MAC." },
	[BPFNET_STAT_DROP_NO_PORT] = { "drop_no_free_port", "No free source port to masquerade with." },
	[BPFNET_STAT_DROP_MALFORMED] = { "drop_malformed", "Packets that do not parse." },
	[BPFNET_STAT_DROP_CSUM] = { "drop_rewrite_failed", "Packets whose rewrite failed." },
	[BPFNET_STAT_DROP_ISOLATED] = { "drop_isolated", "Packets to the host under --isolate." },
	[BPFNET_STAT_DROP_OTHER_NET] = { "drop_other_network", "Packets to another network of the host." },
	[BPFNET_STAT_DROP_IPV6] = { "drop_ipv6", "IPv6 from a container of a network without --subnet6." },
	[BPFNET_STAT_DROP_VLAN] = { "drop_vlan", "VLAN-tagged frames from a container." },
	[BPFNET_STAT_DROP_ETHERTYPE] = { "drop_ethertype", "Frames of any other ethertype from a container." },
	[BPFNET_STAT_DROP_UNSOLICITED] = { "drop_unsolicited", "Packets to a container that nothing invited." },
	[BPFNET_STAT_DROP_NO_UPLINK_ADDR] = { "drop_no_uplink_address", "Packets to masquerade while the uplink has no address." },
	[BPFNET_STAT_DROP_FRAG_UNKNOWN] = { "drop_fragment_unknown", "Later fragments leaving whose first was not translated." },
	[BPFNET_STAT_DROP_PROTO_TAKEN] = { "drop_protocol_remote_taken", "Other-protocol packets to a remote another container holds." },
	[BPFNET_STAT_NO_MASQ_OUT] = { "no_masquerade_out", "Packets from containers left untranslated: to a --no-masquerade prefix." },
	[BPFNET_STAT_NO_MASQ_IN] = { "no_masquerade_in", "Packets routed in from a --no-masquerade prefix, let into containers." },
	[BPFNET_STAT_DROP_SPOOF_ND] = { "drop_spoofed_nd", "Neighbour discovery from a container for an address or MAC not its own (an advertisement's target, a link-layer option), in fragments, or not checked (inverse ND, SEND)." },
	[BPFNET_STAT_DROP_RA] = { "drop_router_advert", "Router advertisements, redirects and other router-only ICMPv6 (MLD queries, router renumbering) from a container." },
	[BPFNET_STAT_DROP_NAT66_UNSUPPORTED] = { "drop_nat66_unsupported", "IPv6 to masquerade that NAT66 cannot translate: a container's ICMPv6 error about none of its flows, ICMPv6 other than echo and errors." },
};

const char *stat_name(int k)
{
	return stats[k].name;
}

const char *stat_help(int k)
{
	return stats[k].help;
}

bool stat_is_drop(int k)
{
	return !strncmp(stats[k].name, "drop_", 5);
}

static int read_totals(struct dp *dp, __u64 *totals)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;

	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (__u32 k = 0; k < BPFNET_STAT_MAX; k++) {
		totals[k] = 0;
		if (bpf_map_lookup_elem(dp->stats_fd, &k, vals))
			continue;
		for (int c = 0; c < ncpu; c++)
			totals[k] += vals[c];
	}
	free(vals);
	return 0;
}

/* A container's counters summed over the CPUs; zero when it has none yet. */
static int read_endpoint(struct dp *dp, __be32 addr, struct bpfnet_ep_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct bpfnet_ep_stats *vals;

	memset(sum, 0, sizeof(*sum));
	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (!bpf_map_lookup_elem(dp->ep_stats_fd, &addr, vals)) {
		for (int c = 0; c < ncpu; c++) {
			sum->tx_packets += vals[c].tx_packets;
			sum->tx_bytes += vals[c].tx_bytes;
			sum->rx_packets += vals[c].rx_packets;
			sum->rx_bytes += vals[c].rx_bytes;
			sum->drops += vals[c].drops;
		}
	}
	free(vals);
	return 0;
}

int counters_read(struct dp *dp, const struct bpfnet_state *st, struct counters *c)
{
	int err;

	memset(c, 0, sizeof(*c));
	err = read_totals(dp, c->totals);
	if (err)
		return err;
	dp_table_fill(dp, c->tables);
	for (int i = 0; i < NTABLES; i++)
		c->flows += c->tables[i].flows ? c->tables[i].entries : 0;
	c->eps = calloc(st->n ? (size_t)st->n : 1, sizeof(*c->eps));
	if (!c->eps)
		return -ENOMEM;
	for (int i = 0; i < st->n; i++) {
		c->eps[i].id = st->eps[i].id;
		c->eps[i].ip = st->eps[i].ip;
		err = read_endpoint(dp, st->eps[i].ip.s_addr, &c->eps[i].s);
		if (err)
			return err;
		c->n++;
	}
	return 0;
}

void counters_free(struct counters *c)
{
	free(c->eps);
	c->eps = NULL;
	c->n = 0;
}
