# shellcheck shell=bash
# make bench: the datapath's cost of bpfnet monitor. Sourced by run.sh (its
# in_netns, rec, med, cell, ratio, SECS, RUNS, B, OUT, RAW, FLAGS, HOSTNS,
# BGPIDS, log; cost.sh's bpf_stats_on/bpf_stats_restore, prog_stats,
# ns_per_run).
#
# The datapath's own time per packet, as the kernel counts it while
# kernel.bpf_stats_enabled is 1 (run_time_ns and run_cnt of each program,
# bpftool prog show): with no monitor, with one of drops (the default:
# translations test a lease nobody holds) and with one of every event
# (--type all: each translation makes a trace, up to 1000 a second per CPU,
# the rest counted lost). The sysctl is machine-wide: its value before is
# put back when the bench ends, however it ends.
MONPID=
monitor_start() { # mode: off, drop or all; its events go to $B/monitor.out
	: >"$B/monitor.out"
	[ "$1" = off ] && return 0
	# nsenter itself in the background ($! the monitor, not a subshell)
	nsenter --net="$HOSTNS" "$BPFNET" monitor -j --type "$1" "${FLAGS[@]}" \
		>"$B/monitor.out" 2>"$B/monitor.err" &
	MONPID=$!
	BGPIDS+=("$MONPID")
	wait_for 5 monitor_leased
}
monitor_leased() { bpftool map dump pinned "$B/bpf/bpfnet/monitor_ctl" -j | jq -e '.[0].formatted.value.until_ns | any(. != 0)' >/dev/null; }
monitor_stop() { # the monitor must have run to the end: else its figures are not its
	local rc=0
	[ -n "$MONPID" ] || return 0
	kill -TERM "$MONPID" 2>/dev/null || { log "the monitor had stopped: $(cat "$B/monitor.err")"; exit 1; }
	wait "$MONPID" || rc=$?
	MONPID=
	[ "$rc" = 0 ] || { log "the monitor exited $rc: $(cat "$B/monitor.err")"; exit 1; }
}

# One workload under one mode: iperf3 (tcp out, tcp in, or udp out at a
# fixed rate, the same packets in every mode), with the programs' time.
monitor_run() { # mode workload
	local mode=$1 w=$2 fc0 ui0 fc1 ui1 j
	monitor_start "$mode"
	fc0=$(prog_stats from_container) ui0=$(prog_stats uplink_ingress)
	case $w in
	tcp_out) j=$(in_netns bpfnet-c1 timeout 30 iperf3 -c "$OUTSIDE_IP" -p 5201 -t "$SECS" -J 2>/dev/null) ;;
	tcp_in) j=$(in_netns bpfnet-out timeout 30 iperf3 -c "$UPLINK_IP" -p 8080 -t "$SECS" -J 2>/dev/null) ;;
	udp_out) j=$(in_netns bpfnet-c1 timeout 30 iperf3 -c "$OUTSIDE_IP" -p 5201 -u -b 100M -l 512 -t "$SECS" -J 2>/dev/null) ;;
	esac
	fc1=$(prog_stats from_container) ui1=$(prog_stats uplink_ingress)
	monitor_stop
	rec "mon_${w}_fc_ns" "$mode" "$(ns_per_run "$fc0" "$fc1")"
	rec "mon_${w}_fc_pkts" "$mode" "$(( ${fc1#* } - ${fc0#* } ))"
	rec "mon_${w}_ui_ns" "$mode" "$(ns_per_run "$ui0" "$ui1")"
	rec "mon_${w}_gbps" "$mode" "$(jq -r '.end.sum_received.bits_per_second / 1e9 | . * 1000 | round / 1000' <<<"$j" 2>/dev/null)"
	rec "mon_${w}_events" "$mode" "$(wc -l <"$B/monitor.out")"
}

measure_monitor() {
	local r mode w
	bpf_stats_on
	for r in $(seq "$RUNS"); do
		for mode in off drop all; do
			log "run $r/$RUNS: datapath cost, monitor $mode"
			for w in tcp_out tcp_in udp_out; do
				monitor_run "$mode" "$w"
			done
		done
	done
	bpf_stats_restore
	# a monitor of every event saw them: the figures are of one that worked
	case $(med mon_tcp_out_events all) in
	- | 0) log "the monitor of every event printed none"; exit 1 ;;
	esac
}

# The section on the monitor's cost, as markdown.
report_monitor() {
	local w m label fig figs
	echo "## Datapath cost of bpfnet monitor"
	echo
	echo "Measured by \`make bench$([ "$QUICK" = 1 ] && echo ' QUICK=1') BENCH=monitor\` on $(date -u +%Y-%m-%d), $(nproc) CPUs, $(uname -r)."
	echo "bpfnet's world alone; medians with min–max over $RUNS run(s) of ${SECS}s each, the three cases alternated in every run."
	echo "ns/packet: the programs' own time, run_time_ns / run_cnt of \`bpftool prog show\` with \`kernel.bpf_stats_enabled=1\` (set back afterwards);"
	echo "a packet is an skb (TCP: GSO segments of up to 64 KiB). Cases: no monitor; \`bpfnet monitor\` (drops only: translations test a lease no one holds);"
	echo "\`bpfnet monitor --type all\` (every translation makes a trace event, at most 1000 a second per CPU, the rest counted as lost)."
	echo
	echo "| workload | figure | no monitor | monitor (drops) | monitor (all) | drops/none | all/none |"
	echo "|---|---|---|---|---|---|---|"
	for w in tcp_out tcp_in udp_out; do
		case $w in
		tcp_out) label="TCP container → outside (masquerade, its ACKs reverse-NATed)" figs="fc_ns ui_ns gbps events" ;;
		tcp_in) label="TCP outside → published port (DNAT, the answers' ACKs dnat-reply)" figs="ui_ns fc_ns gbps events" ;;
		# (uplink_ingress sees only iperf3's control connection here)
		udp_out) label="UDP container → outside, 512-byte datagrams at 100 Mbit/s" figs="fc_ns fc_pkts events" ;;
		esac
		for m in $figs; do
			case $m in
			fc_ns) fig="from_container ns/packet" ;;
			ui_ns) fig="uplink_ingress ns/packet" ;;
			gbps) fig="throughput Gbit/s" ;;
			fc_pkts) fig="from_container packets (run_cnt)" ;;
			events) fig="events the monitor printed" ;;
			esac
			if [ "$m" = events ]; then	# none without a monitor of traces: no ratio
				echo "| $label | $fig | $(cell "mon_${w}_$m" off) | $(cell "mon_${w}_$m" drop) | $(cell "mon_${w}_$m" all) | – | – |"
			else
				echo "| $label | $fig | $(cell "mon_${w}_$m" off) | $(cell "mon_${w}_$m" drop) | $(cell "mon_${w}_$m" all) | $(ratio "mon_${w}_$m" drop off) | $(ratio "mon_${w}_$m" all off) |"
			fi
		done
	done
	echo
	echo "Raw figures: \`${RAW#"$TOP"/}\` of the run that wrote this section."
}
