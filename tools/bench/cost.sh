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

COST_PROGS="from_container uplink_egress uplink_ingress"

# busy CPU time, all CPUs, in ns: user nice system irq softirq steal
cpu_busy_ns() {
	awk -v hz="$(getconf CLK_TCK)" '$1 == "cpu" {printf "%.0f\n", ($2 + $3 + $4 + $7 + $8 + $9) * 1e9 / hz}' /proc/stat
}

udp64() { # sys [addr] -> iperf3 JSON of 64-byte UDP payloads, as fast as it sends
	in_netns "$1-c1" timeout 30 iperf3 -c "${2:-$(out_addr "$1")}" -p 5201 -u -l 64 -b 0 -t "$SECS" -J 2>/dev/null
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
	rec_udp64 "$s" "$s" udp64_kpps cost_udp64_ns_per_pkt
}

# One run of 64-byte UDP payloads through sys, recorded as label: thousands
# of packets received per second, and CPU ns per packet sent (every sent
# packet crossed the path or was dropped at the receiver's socket). The
# outside's address is out_addr's unless given (BENCH=ipv6: its IPv6 one).
rec_udp64() { # sys label kpps-metric ns-metric [addr]
	local c0 c1 j
	c0=$(cpu_busy_ns)
	j=$(udp64 "$1" "${5:-}")
	c1=$(cpu_busy_ns)
	rec "$3" "$2" "$(jq -r '.end.sum_received | (.bytes / 64 / .seconds / 1000) | round' <<<"$j" 2>/dev/null)"
	rec "$4" "$2" "$(jq -r --argjson ns $((c1 - c0)) \
		'.end.sum_sent.packets as $p | if $p > 0 then $ns / $p | round else empty end' <<<"$j" 2>/dev/null)"
}

# kernel.bpf_stats_enabled is machine-wide: its value before is put back
# when the bench ends, however it ends (run.sh's cleanup).
BPF_STATS_BEFORE=
bpf_stats_on() {
	BPF_STATS_BEFORE=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1
}
bpf_stats_restore() {
	[ -z "$BPF_STATS_BEFORE" ] || sysctl -qw kernel.bpf_stats_enabled="$BPF_STATS_BEFORE"
	BPF_STATS_BEFORE=
}

# "run_time_ns run_cnt" of a pinned program of bpfnet's world
prog_stats() {
	bpftool prog show pinned "$B/bpf/bpfnet/prog_$1" -j | jq -r '"\(.run_time_ns // 0) \(.run_cnt // 0)"'
}
# ns per run of a program between two "run_time_ns run_cnt" snapshots (0: it did not run)
ns_per_run() { # before after
	awk -v b="$1" -v a="$2" 'BEGIN {split(b, x, " "); split(a, y, " "); n = y[2] - x[2];
		print (n > 0 ? sprintf("%.1f", (y[1] - x[1]) / n) : 0)}'
}

# ns per run of each of bpfnet's TC programs over one run of kind (tcp1|udp64)
measure_prog_ns() { # kind
	local kind=$1 p before=() after=() i=0
	bpf_stats_on
	for p in $COST_PROGS; do before+=("$(prog_stats "$p")"); done
	"$kind" bpfnet >/dev/null
	for p in $COST_PROGS; do after+=("$(prog_stats "$p")"); done
	bpf_stats_restore
	for p in $COST_PROGS; do
		if [ "${after[$i]#* }" -gt "${before[$i]#* }" ]; then
			rec "prog_${kind}_${p}_ns" bpfnet "$(ns_per_run "${before[$i]}" "${after[$i]}")"
			rec "prog_${kind}_${p}_runs" bpfnet "$(( ${after[$i]#* } - ${before[$i]#* } ))"
		fi
		i=$((i + 1))
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
	echo "bpfnet's TC programs, ns per run (kernel.bpf_stats_enabled, in separate runs): a packet to the outside runs from_container (host veth, ingress) then uplink_egress; its reply uplink_ingress, which hands it to the container itself (to_container does not run on these paths). A TCP run's packets are GSO super-packets, so a run there carries up to 64 KB."
	echo
	echo "| program | TCP ns/run | TCP runs | UDP 64 B ns/run | UDP 64 B runs |"
	echo "|---|---|---|---|---|"
	for p in $COST_PROGS; do
		echo "| $p | $(cell "prog_tcp1_${p}_ns" bpfnet) | $(med "prog_tcp1_${p}_runs" bpfnet) | $(cell "prog_udp64_${p}_ns" bpfnet) | $(med "prog_udp64_${p}_runs" bpfnet) |"
	done
	echo
}
