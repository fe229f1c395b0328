# shellcheck shell=bash
# make bench BENCH=hops: what this kernel offers to make the container ->
# outside path cheaper, each tried alone on bpfnet's world, against the
# plain-veth floor and bpfnet as it is. Sourced by run.sh (its in_netns, rec,
# cell, pratio, SECS, RUNS, QUICK, B, OUT, RAW, HOSTNS, BGPIDS, log, sockperf_pp; cost.sh's
# tcp1, udp64, rec_udp64, bpf_stats_on, bpf_stats_restore, prog_stats, ns_per_run).
#
# The cases, alternated in every run:
#   floor	plain veth pair, container namespace to outside namespace
#   routed	the two hops a bridged container's packet makes (its veth to
#		the bridge, the host routing it to the uplink), with no
#		program, translation or filter: the kernel's own cost of that
#		path, which no datapath on it can go below
#   bpfnet	as the hook sets it up: clsact filters, veth defaults
#   tcx		the same programs through TCX links (hopctl tcx) on the host
#		veth and the uplink, ahead of the clsact filters (which then no
#		longer run)
#   gro		GRO on the host end of the container's veth (veth then
#		receives through NAPI, and merges segments)
#   rps		RPS on that device: its packets processed on every CPU, not
#		only the sender's
#   unpublished	bpfnet with the container's endpoint flags cleared, as
#		for a container no port map names: its packets skip the
#		published-reply lookups (its published ports' answers would
#		leave untranslated meanwhile; nothing here sends any)
#   xdp		an XDP program that passes everything (xdp.frags, so GSO
#		stays) on that device: the cost of receiving through XDP at
#		all, before any redirect could save a hop
HOP_CASES="floor routed bpfnet unpublished tcx gro rps xdp"
HOPCTL=$TOP/.output/hopctl
XDP_PASS=$TOP/.output/xdp_pass.bpf.o
HOPPID=

hop_host_veth() { # the host end of bpfnet-c1's veth, on the bridge
	in_netns bpfnet-host ip -o link show master bnbr0 | awk -F': ' '{sub(/@.*/, "", $2); print $2; exit}'
}
hop_prog_id() { bpftool prog show pinned "$B/bpf/bpfnet/prog_$1" -j | jq -r .id; }

# bpfnet-c1's endpoint entry with its flags set to $1 (bytes 6-7, host order)
hop_ep_flags() {
	local v
	v=$(bpftool map lookup pinned "$B/bpf/bpfnet/endpoints" key 172 19 0 2 -j | jq -r '.value | map(ltrimstr("0x")) | .[]' | tr '\n' ' ')
	read -ra v <<<"$v"
	v[6]=$(printf '%02x' "$1")
	v[7]=00
	bpftool map update pinned "$B/bpf/bpfnet/endpoints" key 172 19 0 2 value hex "${v[@]}"
}

hop_hold() { # hopctl arguments: run it in bpfnet's host namespace until hop_undo
	nsenter --net="$HOSTNS" "$HOPCTL" "$@" >"$B/hopctl.out" 2>"$B/hopctl.err" &
	HOPPID=$!
	BGPIDS+=("$HOPPID")
	wait_for 5 grep -q ready "$B/hopctl.out" ||
		{ log "hopctl $1 failed: $(cat "$B/hopctl.err")"; exit 1; }
}

hop_apply() { # case
	local hv mask
	hv=$(hop_host_veth)
	case $1 in
	tcx)
		hop_hold tcx "$hv" ingress "$(hop_prog_id from_container)" \
			"$hv" egress "$(hop_prog_id to_container)" \
			up0 ingress "$(hop_prog_id uplink_ingress)" \
			up0 egress "$(hop_prog_id uplink_egress)" ;;
	gro) in_netns bpfnet-host ethtool -K "$hv" gro on ;;
	unpublished) hop_ep_flags 0 ;;
	rps)
		mask=$(printf '%x' $(( (1 << $(nproc)) - 1 )))
		# ip netns exec mounts the namespace's own /sys
		ip netns exec bpfnet-host sh -c "echo $mask >/sys/class/net/$hv/queues/rx-0/rps_cpus" ;;
	xdp) hop_hold xdp "$hv" "$XDP_PASS" xdp_pass ;;
	esac
}

hop_undo() { # case
	local hv
	hv=$(hop_host_veth)
	case $1 in
	tcx | xdp)
		kill -TERM "$HOPPID"
		wait "$HOPPID" || { log "hopctl $1 exited $?: $(cat "$B/hopctl.err")"; exit 1; }
		HOPPID= ;;
	gro) in_netns bpfnet-host ethtool -K "$hv" gro off ;;
	unpublished) hop_ep_flags 1 ;;
	rps) ip netns exec bpfnet-host sh -c "echo 0 >/sys/class/net/$hv/queues/rx-0/rps_cpus" ;;
	esac
}

# One case's figures (the programs' own time only where the case changes it).
hop_measure() { # case
	local c=$1 s=bpfnet j c0 c1 o
	case $c in floor | routed) s=$c ;; esac
	j=$(tcp1 "$s")
	rec hop_tcp_gbps "$c" "$(jq -r '.end.sum_received.bits_per_second / 1e9 | . * 1000 | round / 1000' <<<"$j" 2>/dev/null)"
	rec_udp64 "$s" "$c" hop_udp64_kpps hop_udp64_ns_per_pkt
	o=$(sockperf_pp "$s" out udp)
	rec hop_rr_udp_p50 "$c" "${o% *}"
	o=$(sockperf_pp "$s" out tcp)
	rec hop_rr_tcp_p50 "$c" "${o% *}"
	# the programs' own time, for the cases that change it, in a run of
	# its own (bpf_stats_enabled costs time too)
	case $c in bpfnet | unpublished | tcx)
		bpf_stats_on
		c0=$(prog_stats from_container)
		udp64 bpfnet >/dev/null
		c1=$(prog_stats from_container)
		bpf_stats_restore
		rec hop_fc_ns "$c" "$(ns_per_run "$c0" "$c1")" ;;
	esac
}

# TCX ahead of clsact: a verdict other than TCX_NEXT ends the hook, so each
# packet runs from_container once, not once per attachment. Ten pings out
# must count 10 to 14 runs (ARP may add a few), not 20.
hop_check_tcx() {
	local b a n
	bpf_stats_on
	hop_apply tcx
	b=$(prog_stats from_container)
	in_netns bpfnet-c1 ping -q -c 10 -i 0.01 "$OUTSIDE_IP" >/dev/null
	a=$(prog_stats from_container)
	hop_undo tcx
	bpf_stats_restore
	n=$(( ${a#* } - ${b#* } ))
	if [ "$n" -lt 10 ] || [ "$n" -ge 15 ]; then
		log "with TCX, ten pings ran from_container $n times (10 to 14 expected)"
		exit 1
	fi
	log "TCX check: ten pings ran from_container $n times"
}

measure_hops() {
	local r c
	# twice the other sections' runs: the cases differ by less than this
	# machine's drift, which the paired ratios need many runs to see through
	HOP_RUNS=${HOP_RUNS:-$((RUNS * 2))}
	hop_check_tcx
	[ "$(in_netns bpfnet-host ethtool -k "$(hop_host_veth)" | awk '$1 == "generic-receive-offload:" {print $2}')" = off ] ||
		{ log "the host veth has GRO on already: the gro case would measure nothing"; exit 1; }
	for r in $(seq "$HOP_RUNS"); do
		for c in $HOP_CASES; do
			log "run $r/$HOP_RUNS: hop case $c"
			hop_apply "$c"
			hop_measure "$c"
			hop_undo "$c"
		done
	done
}

report_hops() {
	local m c row
	echo "## Hops: what this kernel offers, tried one by one"
	echo
	echo "Measured by \`make bench$([ "$QUICK" = 1 ] && echo ' QUICK=1') BENCH=hops\` on $(date -u +%Y-%m-%d), $(nproc) CPUs, $(uname -r)."
	echo "Container → outside on bpfnet's world, each case applied to the running container and taken off again; medians with min–max over $HOP_RUNS run(s) of ${SECS}s each, the cases alternated in every run."
	echo "floor: plain veth pair; routed: a bridged container and the host routing its packets to the uplink, no program, translation or filter (the outside routes the subnet back); bpfnet: as set up (clsact); unpublished: bpfnet with the container's endpoint flags cleared, as for a container no port map names (its packets skip the published-reply lookups); tcx: the same programs through TCX links on the host veth and the uplink; gro: GRO on the host veth (NAPI receive);"
	echo "rps: RPS over every CPU on the host veth; xdp: an XDP program that passes everything (multi-buffer, GSO kept) on the host veth."
	echo
	row="| figure |"
	for c in $HOP_CASES; do row="$row $c |"; done
	echo "$row"
	row="|---|"
	for c in $HOP_CASES; do row="$row---|"; done
	echo "$row"
	for m in hop_tcp_gbps hop_udp64_kpps hop_udp64_ns_per_pkt hop_rr_udp_p50 hop_rr_tcp_p50 hop_fc_ns; do
		row="| $m |"
		for c in $HOP_CASES; do row="$row $(cell "$m" "$c") |"; done
		echo "$row"
	done
	echo
	echo "Each case over bpfnet as set up, paired within each run (the two measured next to each other), median and min–max of the runs' ratios; above 1 is more of it (for ns and µs, worse):"
	echo
	row="| figure |"
	for c in $HOP_CASES; do [ "$c" = bpfnet ] || row="$row $c |"; done
	echo "$row"
	row="|---|"
	for c in $HOP_CASES; do [ "$c" = bpfnet ] || row="$row---|"; done
	echo "$row"
	for m in hop_tcp_gbps hop_udp64_kpps hop_udp64_ns_per_pkt hop_rr_udp_p50 hop_rr_tcp_p50 hop_fc_ns; do
		row="| $m |"
		for c in $HOP_CASES; do [ "$c" = bpfnet ] || row="$row $(pratio "$m" "$c" bpfnet) |"; done
		echo "$row"
	done
	echo
	echo "hop_tcp_gbps: one TCP stream, Gbit/s; hop_udp64_kpps: 64-byte UDP payloads received, thousands per second; hop_udp64_ns_per_pkt: CPU ns of the whole machine per packet sent; hop_rr_*_p50: sockperf ping-pong p50, µs; hop_fc_ns: from_container's own ns per packet of the 64-byte UDP run (\`kernel.bpf_stats_enabled\`, in a run of its own; TCX runs the same program, so a gain of TCX is outside it)."
	echo
	echo "Raw figures: \`${RAW#"$TOP"/}\` of the run that wrote this section."
}
