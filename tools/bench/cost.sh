# shellcheck shell=bash
# make bench: where the time goes. Sourced by run.sh (its in_netns, rec,
# SECS, RUNS, out_addr, SYSTEMS, B, log).
#
# For every system, alternated: CPU time of the whole machine per GB of TCP
# container -> outside, and per packet of 64-byte UDP payloads, from
# /proc/stat's busy ticks around the run (the bench runs alone; client,
# server and every softirq are on this machine, so all of it counts). Then,
# for bpfnet alone, the run time of each of its TC programs per run
# (kernel.bpf_stats_enabled for that run only, so the figures above carry no
# stats overhead).

COST_PROGS="from_container to_container uplink_egress uplink_ingress"

# busy CPU time, all CPUs, in ns: user nice system irq softirq steal
cpu_busy_ns() {
	awk -v hz="$(getconf CLK_TCK)" '$1 == "cpu" {printf "%.0f\n", ($2 + $3 + $4 + $7 + $8 + $9) * 1e9 / hz}' /proc/stat
}

udp64() { # sys -> iperf3 JSON of 64-byte UDP payloads, as fast as it sends
	in_netns "$1-c1" timeout 30 iperf3 -c "$(out_addr "$1")" -p 5201 -u -l 64 -b 0 -t "$SECS" -J 2>/dev/null
}
tcp1() { # sys -> iperf3 JSON of one TCP stream
	in_netns "$1-c1" timeout 30 iperf3 -c "$(out_addr "$1")" -p 5201 -t "$SECS" -J 2>/dev/null
}

measure_cost_run() { # sys
	local s=$1 c0 c1 j
	c0=$(cpu_busy_ns)
	j=$(tcp1 "$s")
	c1=$(cpu_busy_ns)
	# CPU ms per GB received
	rec cost_tcp_ms_per_gb "$s" "$(jq -r --argjson ns $((c1 - c0)) \
		'.end.sum_received.bytes as $b | if $b > 0 then ($ns / 1e6) / ($b / 1e9) | . * 10 | round / 10 else empty end' <<<"$j" 2>/dev/null)"
	c0=$(cpu_busy_ns)
	j=$(udp64 "$s")
	c1=$(cpu_busy_ns)
	# received packets per second, and CPU ns per packet sent (every sent
	# packet crossed the path or was dropped at the receiver's socket)
	rec udp64_kpps "$s" "$(jq -r '.end.sum_received | (.bytes / 64 / .seconds / 1000) | round' <<<"$j" 2>/dev/null)"
	rec cost_udp64_ns_per_pkt "$s" "$(jq -r --argjson ns $((c1 - c0)) \
		'.end.sum_sent.packets as $p | if $p > 0 then $ns / $p | round else empty end' <<<"$j" 2>/dev/null)"
}

# run_cnt and run_time_ns of bpfnet's TC programs: "name cnt ns" lines
prog_counters() {
	local p
	for p in $COST_PROGS; do
		bpftool prog show pinned "$B/bpf/bpfnet/prog_$p" -j |
			jq -r --arg p "$p" '"\($p) \(.run_cnt // 0) \(.run_time_ns // 0)"'
	done
}

# ns per run of each program over one run of kind (tcp1|udp64)
measure_prog_ns() { # kind
	local kind=$1 before after old
	old=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1
	before=$(prog_counters)
	"$kind" bpfnet >/dev/null
	after=$(prog_counters)
	sysctl -qw kernel.bpf_stats_enabled="$old"
	join <(sort <<<"$before") <(sort <<<"$after") |
		while read -r p c0 t0 c1 t1; do
			[ $((c1 - c0)) -gt 0 ] || continue
			rec "prog_${kind}_${p}_ns" bpfnet "$(((t1 - t0) / (c1 - c0)))"
			rec "prog_${kind}_${p}_runs" bpfnet "$((c1 - c0))"
		done
}

measure_cost() {
	local r s
	for r in $(seq "$RUNS"); do
		for s in $SYSTEMS; do
			log "run $r/$RUNS: CPU cost through $s"
			measure_cost_run "$s"
		done
		measure_prog_ns tcp1
		measure_prog_ns udp64
	done
}

report_cost() {
	local m p
	echo "## Where the time goes"
	echo
	echo "CPU time of the whole machine (client, server, softirqs; /proc/stat busy ticks) per unit of traffic, container → outside, and the packet rate of 64-byte UDP payloads (\`iperf3 -u -l 64 -b 0\`, one sender)."
	echo
	echo "| | floor | bpfnet | iptables | cni | bpfnet/floor | iptables/floor | bpfnet/iptables |"
	echo "|---|---|---|---|---|---|---|---|"
	for m in cost_tcp_ms_per_gb udp64_kpps cost_udp64_ns_per_pkt; do
		echo "| $m | $(cell $m floor) | $(cell $m bpfnet) | $(cell $m iptables) | $(cell $m cni) | $(ratio $m bpfnet floor) | $(ratio $m iptables floor) | $(ratio $m bpfnet iptables) |"
	done
	echo
	echo "cost_tcp_ms_per_gb: CPU ms per GB received over one TCP stream; udp64_kpps: thousands of packets per second received; cost_udp64_ns_per_pkt: CPU ns per packet sent."
	echo
	echo "bpfnet's TC programs, ns per run (kernel.bpf_stats_enabled, in separate runs): a packet to the outside runs from_container (host veth, ingress) then uplink_egress; its reply uplink_ingress then to_container. A TCP run's packets are GSO super-packets, so a run there carries up to 64 KB."
	echo
	echo "| program | TCP ns/run | TCP runs | UDP 64 B ns/run | UDP 64 B runs |"
	echo "|---|---|---|---|---|"
	for p in $COST_PROGS; do
		echo "| $p | $(cell "prog_tcp1_${p}_ns" bpfnet) | $(med "prog_tcp1_${p}_runs" bpfnet) | $(cell "prog_udp64_${p}_ns" bpfnet) | $(med "prog_udp64_${p}_runs" bpfnet) |"
	done
	echo
}
