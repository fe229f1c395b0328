# shellcheck shell=bash
# make bench BENCH=ipv6: one container's IPv6 next to its IPv4, both
# masqueraded to the outside (NAT66 and NAT44), in bpfnet's world with
# --subnet6 fd19::/64. Sourced by run.sh (its in_netns, rec, cell, med,
# pratio, bg, log, outside_world, bpfnet_c1, SECS, RUNS, CONNS, QUICK, B, OUT,
# RAW, CONNBENCH, FLAGS; lib.sh's bn, wait_for, in6_words, UPLINK_IP6,
# OUTSIDE_IP6; cost.sh's cpu_busy_ns, rec_udp64).
#
# The uplink has 2001:db8:100::1/64 and the outside 2001:db8:100::2/64 (as
# the tests' dual-stack world); the outside has no route back to fd19::/64,
# so an IPv6 packet of the container is answered only once the datapath has
# given it the uplink's address. Every IPv6 measurement checks that the
# datapath translated it (bpfnet stats: snat_packets and
# reverse_nat_packets grew during it; nothing else runs meanwhile) and
# every run that conntrack6 holds the container's flows behind the uplink's
# address and none untranslated: a figure of another path fails the section.
#
# In every run, for each family in turn (the order swapped every other run),
# container -> outside: one TCP stream (iperf3 -4/-6), 64-byte UDP payloads
# (cost.sh's rec_udp64, as "Where the time goes" measures them), TCP
# request/response and connect latency (connbench rr and client: sockperf
# 3.7, which the other sections use, has no IPv6).
C1_IP6=fd19::2
IPV6_TITLE="IPv6 next to IPv4: container → outside, masqueraded"
IPV6_METRICS="fam_tcp_gbps fam_udp64_kpps fam_udp64_ns_per_pkt fam_rr_p50 fam_rr_p99 fam_conn_p50 fam_conn_p99 fam_conn_rate"
NAT_OUT=0 NAT_BACK=0

fam_dst() { if [ "$1" = 6 ]; then echo "$OUTSIDE_IP6"; else echo "$OUTSIDE_IP"; fi; }

setup_ipv6() {
	outside_world bpfnet
	in_netns bpfnet-host ip -6 addr add "$UPLINK_IP6/64" dev up0 nodad
	in_netns bpfnet-out ip -6 addr add "$OUTSIDE_IP6/64" dev eth0 nodad
	FLAGS+=(--subnet6 fd19::/64 --nat6 true)
	bpfnet_c1
	[ "$(bn ls -j | jq -r '.[] | select(.id == "c1") | .ip6')" = "$C1_IP6" ] ||
		{ log "c1 has no IPv6 address $C1_IP6: $(bn ls -j)"; exit 1; }
	if in_netns bpfnet-out ip -6 route get "$C1_IP6" >/dev/null 2>&1; then
		log "the outside has a route to $C1_IP6: IPv6 would not need NAT66"
		exit 1
	fi
}

# a TCP listener on ADDR:PORT in the outside namespace
listens_on() { [ -n "$(in_netns bpfnet-out ss -Hltn "src $1:$2")" ]; }

ipv6_servers() {
	local f a
	for f in 4 6; do
		a=$(fam_dst "$f")
		bg in_netns bpfnet-out iperf3 -s -B "$a" -p 5201
		bg in_netns bpfnet-out "$CONNBENCH" server "$a" 7000
		bg in_netns bpfnet-out "$CONNBENCH" echo "$a" 7001
	done
	for a in "$OUTSIDE_IP" "[$OUTSIDE_IP6]"; do
		wait_for 5 listens_on "$a" 5201
		wait_for 5 listens_on "$a" 7000
		wait_for 5 listens_on "$a" 7001
	done
	# both families answer (neighbours resolved before anything is timed)
	in_netns bpfnet-c1 ping -q -c 2 -i 0.2 -W 2 "$OUTSIDE_IP" >/dev/null ||
		{ log "c1 cannot ping the outside over IPv4"; exit 1; }
	in_netns bpfnet-c1 ping -6 -q -c 2 -i 0.2 -W 2 "$OUTSIDE_IP6" >/dev/null ||
		{ log "c1 cannot ping the outside over IPv6 (NAT66)"; exit 1; }
}

# The datapath's translation counters (both families share them).
nat_counts() { bn stats -j | jq -r '"\(.totals.snat_packets) \(.totals.reverse_nat_packets)"'; }
nat_mark() { read -r NAT_OUT NAT_BACK <<<"$(nat_counts)"; }
# nat_check family what label: packets translated since nat_mark, recorded
# (fam_nat_out, fam_nat_back); for IPv6, none or few fails the section
nat_check() {
	local out back
	read -r out back <<<"$(nat_counts)"
	out=$((out - NAT_OUT)) back=$((back - NAT_BACK))
	rec "fam_nat_out_$2" "$3" "$out"
	rec "fam_nat_back_$2" "$3" "$back"
	if [ "$1" = 6 ] && { [ "$out" -lt 100 ] || [ "$back" -lt 1 ]; }; then
		log "IPv6 $2: the datapath translated $out packets out and $back back: NAT66 did not carry it"
		exit 1
	fi
}

# conntrack6 after a run: the container's flows, each masqueraded behind
# the uplink's address; one without it (routed, untranslated) fails.
conntrack6_check() { # label
	local j c u n bad
	c=$(in6_words "$C1_IP6")
	u=$(in6_words "$UPLINK_IP6")
	j=$(bpftool map dump pinned "$B/bpf/bpfnet/conntrack6" -j | jq -c 'map(.formatted // .)')
	n=$(jq --argjson c "$c" --argjson u "$u" '[.[] | select(.key.saddr.a == $c and .value.nat_addr6.a == $u)] | length' <<<"$j")
	bad=$(jq --argjson c "$c" --argjson u "$u" '[.[] | select(.key.saddr.a == $c and .value.nat_addr6.a != $u)] | length' <<<"$j")
	rec fam_ct6_flows "$1" "$n"
	if [ "$n" -lt 1 ] || [ "$bad" -ne 0 ]; then
		log "conntrack6: $n of c1's flows behind $UPLINK_IP6, $bad not: NAT66 did not carry the IPv6 runs"
		exit 1
	fi
}

fam_measure() { # family 4|6
	local f=$1 l=v$1 a j o
	a=$(fam_dst "$f")
	nat_mark
	j=$(in_netns bpfnet-c1 timeout 30 iperf3 -"$f" -c "$a" -p 5201 -t "$SECS" -J 2>/dev/null) || true
	rec fam_tcp_gbps "$l" "$(jq -r '.end.sum_received.bits_per_second / 1e9 | . * 1000 | round / 1000' <<<"$j" 2>/dev/null)"
	nat_check "$f" tcp "$l"
	nat_mark
	rec_udp64 bpfnet "$l" fam_udp64_kpps fam_udp64_ns_per_pkt "$a"
	nat_check "$f" udp64 "$l"
	nat_mark
	o=$(in_netns bpfnet-c1 timeout 30 "$CONNBENCH" rr "$a" 7001 "$SECS") || true
	rec fam_rr_p50 "$l" "$(cut -d' ' -f1 <<<"$o")"
	rec fam_rr_p99 "$l" "$(cut -d' ' -f2 <<<"$o")"
	nat_check "$f" rr "$l"
	nat_mark
	o=$(in_netns bpfnet-c1 timeout 60 "$CONNBENCH" client "$a" 7000 "$CONNS") || true
	rec fam_conn_p50 "$l" "$(cut -d' ' -f1 <<<"$o")"
	rec fam_conn_p99 "$l" "$(cut -d' ' -f2 <<<"$o")"
	rec fam_conn_rate "$l" "$(cut -d' ' -f3 <<<"$o")"
	nat_check "$f" conn "$l"
}

measure_ipv6() {
	local r f order
	# as the hop experiments: twice the other sections' runs, as the
	# paired ratios need many runs to see through this machine's drift
	IPV6_RUNS=${IPV6_RUNS:-$((RUNS * 2))}
	for r in $(seq "$IPV6_RUNS"); do
		order="4 6"
		[ $((r % 2)) = 1 ] || order="6 4"
		for f in $order; do
			log "run $r/$IPV6_RUNS: IPv$f"
			fam_measure "$f"
		done
		conntrack6_check v6
	done
}

report_ipv6() {
	local m
	echo "## $IPV6_TITLE"
	echo
	echo "Measured by \`make bench$([ "$QUICK" = 1 ] && echo ' QUICK=1') BENCH=ipv6\` on $(date -u +%Y-%m-%d), $(nproc) CPUs, $(uname -r)."
	echo "bpfnet's world with \`--subnet6 fd19::/64\` (NAT66, the default): one container (172.19.0.2 and $C1_IP6) to the outside host ($OUTSIDE_IP and $OUTSIDE_IP6), masqueraded behind the uplink's $UPLINK_IP and $UPLINK_IP6; the outside has no route to fd19::/64."
	echo "Medians with min–max over $IPV6_RUNS run(s) of ${SECS}s each; in every run the same container measured over IPv4 and over IPv6, one after the other (the order swapped every other run)."
	echo
	echo "| figure | IPv4 | IPv6 | IPv6/IPv4 (paired) |"
	echo "|---|---|---|---|"
	for m in $IPV6_METRICS; do
		echo "| $m | $(cell "$m" v4) | $(cell "$m" v6) | $(pratio "$m" v6 v4) |"
	done
	echo
	echo "fam_tcp_gbps: one TCP stream (\`iperf3 -4\`/\`-6\`), Gbit/s; fam_udp64_kpps: 64-byte UDP payloads received (\`iperf3 -u -l 64 -b 0\`), thousands per second; fam_udp64_ns_per_pkt: CPU ns of the whole machine per packet sent; fam_rr_p50/p99: TCP request/response, one connection, 14-byte messages each way (\`connbench rr\`; sockperf 3.7 has no IPv6), µs; fam_conn_p50/p99: $CONNS connections (connect, 1 byte each way, close; \`connbench client\`), µs; fam_conn_rate: connections/s."
	echo "The ratio is each run's IPv6 figure over its IPv4 one, median and min–max of the runs' ratios; above 1 is more of it (for ns and µs, worse)."
	echo
	echo "Translated by the datapath: in every IPv6 measurement bpfnet's \`snat_packets\` and \`reverse_nat_packets\` grew (checked; the section fails otherwise). Per run, medians: the TCP stream $(med fam_nat_out_tcp v6) packets out, $(med fam_nat_back_tcp v6) back (IPv4: $(med fam_nat_out_tcp v4), $(med fam_nat_back_tcp v4)); 64-byte UDP $(med fam_nat_out_udp64 v6) out (IPv4 $(med fam_nat_out_udp64 v4)); connect $(med fam_nat_out_conn v6) out (IPv4 $(med fam_nat_out_conn v4)). After each run \`conntrack6\` held $(cell fam_ct6_flows v6) of the container's flows, each behind $UPLINK_IP6, none untranslated (checked)."
	echo
	echo "Raw figures: \`${RAW#"$TOP"/}\` of the run that wrote this section."
}
