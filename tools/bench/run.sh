#!/usr/bin/env bash
# make bench: bpfnet side by side with the iptables MASQUERADE/DNAT set-up
# and the CNI bridge (ipMasq) + portmap plugins, on the same topology, in
# one run, runs alternated so machine drift hits all alike. The floor is a
# plain veth pair between two namespaces. Results: docs/benchmarks.md and
# docs/connect-latency.png.
#
#   tools/bench/run.sh [--quick] [monitor|hops|ipv6]
#	--quick: a smoke run (under 2 minutes); monitor: only the section on
#	bpfnet monitor's datapath cost (bpfnet's world alone); hops: only the
#	hop experiments (bpfnet's world and the floor); ipv6: only IPv6 next
#	to IPv4 (bpfnet's world with --subnet6 and NAT66). A section alone is
#	written into the existing docs/benchmarks.md in place of its former
#	figures
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
export TOP
if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root" >&2
	exit 1
fi
# shellcheck source=../private-world.sh
source "$TOP/tools/private-world.sh"
private_world BPFNET_BENCH_UNSHARED "$0" "$@"
# the tests' world helpers: in_host, bn, FLAGS, hook_up/hook_down,
# cgroup_up/cgroup_down, wait_for, wait_listen (lib.sh sets no shell options)
# shellcheck source=../../tests/lib.sh
source "$TOP/tests/lib.sh"
# measure_cost, report_cost: CPU per GB and per packet, program run times
# shellcheck source=cost.sh
source "$TOP/tools/bench/cost.sh"
# measure_monitor, report_monitor: bpfnet monitor's cost
# shellcheck source=monitor.sh
source "$TOP/tools/bench/monitor.sh"
# measure_hops, report_hops: veth GRO, RPS, TCX, XDP, one by one
# shellcheck source=hops.sh
source "$TOP/tools/bench/hops.sh"
# measure_ipv6, report_ipv6: one container's IPv6 next to its IPv4 (NAT66)
# shellcheck source=ipv6.sh
source "$TOP/tools/bench/ipv6.sh"

QUICK=0 SECTION=all
for a in "$@"; do
	case $a in
	--quick) QUICK=1 ;;
	monitor | hops | ipv6) SECTION=$a ;;
	all | "") ;;
	*) echo "bench: unknown argument '$a' (--quick, monitor, hops, ipv6)" >&2; exit 2 ;;
	esac
done
if [ $QUICK = 1 ]; then
	RUNS=1 SECS=1 STREAMS=1 CONNS=300 MAPS="1 100" ADDMAPS="1 100" REPS=5 MANY=10 MEMC="1 10"
	OUT=$TOP/.output/bench-quick.md
	RAW=$TOP/.output/bench-quick.results
else
	RUNS=5 SECS=2 STREAMS="1 2" CONNS=3000 MAPS="1 100 1000 10000" ADDMAPS="1 10000" REPS=21 MANY=50 MEMC="1 1000"
	OUT=$TOP/docs/benchmarks.md
	RAW=$TOP/.output/bench.results	# kept after the run; not committed
fi
[ "$SECTION" = all ] || RAW=${RAW%.results}-$SECTION.results
PLOT=$TOP/docs/connect-latency.png
BPFNET=$TOP/bpfnet
CONNBENCH=$TOP/.output/connbench
CNI_PATH=/usr/lib/cni
B=$(mktemp -d /tmp/bpfnet-bench.XXXXXX)
# state on a tmpfs, as /run (the default state dir) is on most hosts
mount -t tmpfs -o mode=0700 bpfnet-bench "$B"
RES=$B/results		# lines: metric system value
: >"$RES"
SYSTEMS="floor bpfnet iptables cni"
BGPIDS=()
# lib.sh's world, laid out in $B: bpfnet's host namespace and its flags
# (cgroup_up adds --cgroup)
T=$B P=bench CG=
HOSTNS=/run/netns/bpfnet-host
FLAGS=(--state-dir "$B/state" --pin-dir "$B/bpf/bpfnet" --bridge bnbr0 --uplink up0)

cleanup() {
	local p n
	bpf_stats_restore
	for p in "${BGPIDS[@]}"; do kill_tree "$p"; done
	for p in "${BGPIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	# bpfnet down (when its cgroup was made), then the cgroup goes
	cgroup_down
	# every namespace here is the bench's (a private /run/netns): empty each
	# of its processes (servers, held namespaces), then delete it
	for n in $(ip netns list | awk '{print $1}'); do
		netns_kill "$n"
		ip netns del "$n" 2>/dev/null || true
	done
	umount "$B/bpf" 2>/dev/null || true
	umount "$B" 2>/dev/null || true
	rm -rf "$B"
}
trap cleanup EXIT

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
now_ns() { date +%s%N; }
rec() { echo "$1 $2 $3" >>"$RES"; }
# in_netns NAME CMD...: CMD in the named namespace (lib.sh's in_ns takes a pid)
in_netns() { local n=$1; shift; nsenter --net=/run/netns/"$n" "$@"; }
bg() { "$@" >/dev/null 2>&1 & BGPIDS+=($!); }

# --- worlds -------------------------------------------------------------
# Every system: "<sys>-host" with uplink up0 to "<sys>-out" (the outside
# host) and a container "<sys>-c1" at 172.19.0.2 behind a bridge.
outside_world() { # sys
	local s=$1
	ip netns add "$s-host"
	ip netns add "$s-out"
	in_netns "$s-host" ip link set lo up
	in_netns "$s-out" ip link set lo up
	in_netns "$s-host" ip link add up0 type veth peer name eth0 netns /run/netns/"$s-out"
	in_netns "$s-host" ip addr add "$UPLINK_IP/24" dev up0
	in_netns "$s-host" ip link set up0 up
	in_netns "$s-host" ip route add default via "$OUTSIDE_IP"
	in_netns "$s-out" ip addr add "$OUTSIDE_IP/24" dev eth0
	in_netns "$s-out" ip link set eth0 up
	in_netns "$s-host" sysctl -qw net.ipv4.ip_forward=1
}

# A namespace held by a process, for hooks that want a pid. nsenter runs
# here, not in_netns: $! must be the process that enters the namespace.
held_ns() { # name -> prints pid
	local pid
	ip netns add "$1"
	nsenter --net=/run/netns/"$1" sleep 100000 >/dev/null 2>&1 &
	pid=$!
	BGPIDS+=("$pid")
	in_netns "$1" ip link set lo up
	# a hook given the pid before nsenter has entered would act on our own
	# namespace (lo up above gives it the time; wait_for makes it certain)
	wait_for 5 in_named_ns "$pid" "$1"
	echo "$pid"
}
in_named_ns() { # pid name: the process is in the named namespace
	[ "$(stat -L -c %d:%i /proc/"$1"/ns/net)" = "$(stat -L -c %d:%i /run/netns/"$2")" ]
}

setup_floor() {
	ip netns add floor-c1
	ip netns add floor-out
	in_netns floor-c1 ip link set lo up
	in_netns floor-out ip link set lo up
	in_netns floor-c1 ip link add eth0 type veth peer name eth0 netns /run/netns/floor-out
	in_netns floor-c1 ip addr add 10.99.0.2/24 dev eth0
	in_netns floor-out ip addr add 10.99.0.1/24 dev eth0
	in_netns floor-c1 ip link set eth0 up
	in_netns floor-out ip link set eth0 up
}

setup_bpfnet() {
	outside_world bpfnet
	bpfnet_c1
}
# bpfnet's container c1 on an outside world already made (FLAGS as they are)
bpfnet_c1() {
	mkdir -p "$B/bpf" "$B/state"
	mount -t bpf bpf "$B/bpf"
	cgroup_up
	[ -n "${CG:-}" ] || { log "cannot mount a cgroup2 hierarchy"; exit 1; }
	local pid
	pid=$(held_ns bpfnet-c1)
	hook_up c1 "$pid" '{"bpfnet.ports":"8080:5201/tcp,11111:11111/tcp,11111:11111/udp,17000:7000/tcp"}'
}

# The outside world, a bridge and one container on it, the kernel routing
# between them: no translation, no filter.
bridged_world() { # sys
	local s=$1 h="in_netns $1-host"
	outside_world "$s"
	$h ip link add br0 type bridge
	$h ip addr add 172.19.0.1/16 dev br0
	$h ip link set br0 up
	ip netns add "$s-c1"
	in_netns "$s-c1" ip link set lo up
	$h ip link add vc1 type veth peer name eth0 netns /run/netns/"$s-c1"
	$h ip link set vc1 master br0 up
	in_netns "$s-c1" ip addr add 172.19.0.2/16 dev eth0
	in_netns "$s-c1" ip link set eth0 up
	in_netns "$s-c1" ip route add default via 172.19.0.1
}

setup_iptables() {
	bridged_world iptables
	in_netns iptables-host iptables -t nat -A POSTROUTING -s 172.19.0.0/16 ! -o br0 -j MASQUERADE
	ipt_maps 1
}

# The same, routed: the outside reaches the containers' subnet through the
# uplink (make bench BENCH=hops: the two-hop path's own cost).
setup_routed() {
	bridged_world routed
	in_netns routed-out ip route add 172.19.0.0/16 via "$UPLINK_IP"
}

# Replace the DNAT rules: N-1 unrelated maps first, the measured ones last.
ipt_maps() { # n
	local n=$1 i
	{
		echo "*nat"
		echo ":PREROUTING ACCEPT [0:0]"
		echo ":BENCH-DNAT - [0:0]"
		echo "-A PREROUTING -d $UPLINK_IP/32 -j BENCH-DNAT"
		for ((i = 0; i < n - 1; i++)); do
			echo "-A BENCH-DNAT -p tcp -m tcp --dport $((20000 + i)) -j DNAT --to-destination 172.19.0.2:$((20000 + i))"
		done
		echo "-A BENCH-DNAT -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.19.0.2:5201"
		echo "-A BENCH-DNAT -p tcp -m tcp --dport 11111 -j DNAT --to-destination 172.19.0.2:11111"
		echo "-A BENCH-DNAT -p udp -m udp --dport 11111 -j DNAT --to-destination 172.19.0.2:11111"
		echo "-A BENCH-DNAT -p tcp -m tcp --dport 17000 -j DNAT --to-destination 172.19.0.2:7000"
		echo "COMMIT"
	} | in_netns iptables-host iptables-restore --noflush -T nat 2>/dev/null ||
		{
			in_netns iptables-host iptables -t nat -F BENCH-DNAT 2>/dev/null || true
			in_netns iptables-host iptables -t nat -F PREROUTING
			in_netns iptables-host iptables -t nat -X BENCH-DNAT 2>/dev/null || true
			ipt_maps "$n"
		}
}

# CNI: bridge (ipMasq) then portmap, as a runtime would call the chain.
cni_conf() { # plugin-json
	printf '{"cniVersion":"0.4.0","name":"bench",%s}' "$1"
}
BRIDGE_CONF='"type":"bridge","bridge":"cni0","isGateway":true,"isDefaultGateway":true,"ipMasq":true,"ipam":{"type":"host-local","subnet":"172.19.0.0/16","dataDir":"'$B'/cni-ipam"}'
cni_call() { # cmd id netns-path conf
	local plugin
	plugin=$CNI_PATH/$(jq -r .type <<<"$4")
	# the assignments are exported to in_netns's nsenter and so to the plugin
	CNI_COMMAND=$1 CNI_CONTAINERID=$2 CNI_NETNS=$3 CNI_IFNAME=eth0 CNI_PATH=$CNI_PATH \
		in_netns cni-host "$plugin" <<<"$4"
}
portmap_conf() { # prevResult mappings-json
	jq -c --argjson prev "$1" --argjson pm "$2" \
		'. + {prevResult: $prev, runtimeConfig: {portMappings: $pm}}' \
		<<<"$(cni_conf '"type":"portmap","capabilities":{"portMappings":true},"snat":true')"
}
cni_maps_json() { # n -> mappings: N-1 unrelated + the measured ones
	local n=$1
	jq -nc --argjson n "$n" '[range(0; $n - 1) | {hostPort: (20000 + .), containerPort: (20000 + .), protocol: "tcp"}] +
		[{hostPort: 8080, containerPort: 5201, protocol: "tcp"},
		 {hostPort: 11111, containerPort: 11111, protocol: "tcp"},
		 {hostPort: 11111, containerPort: 11111, protocol: "udp"},
		 {hostPort: 17000, containerPort: 7000, protocol: "tcp"}]'
}
CNI_PREV=
setup_cni() {
	outside_world cni
	ip netns add cni-c1
	CNI_PREV=$(cni_call ADD c1 /run/netns/cni-c1 "$(cni_conf "$BRIDGE_CONF")")
	cni_call ADD c1 /run/netns/cni-c1 "$(portmap_conf "$CNI_PREV" "$(cni_maps_json 1)")" >/dev/null
	in_netns cni-c1 ip -4 -o addr show eth0 | grep -q 172.19.0.2/16 || { log "CNI gave an unexpected address"; exit 1; }
}
cni_maps() { # n
	cni_call DEL c1 /run/netns/cni-c1 "$(portmap_conf "$CNI_PREV" "$(cni_maps_json 1)")" >/dev/null 2>&1 || true
	cni_call ADD c1 /run/netns/cni-c1 "$(portmap_conf "$CNI_PREV" "$(cni_maps_json "$1")")" >/dev/null
}

# The unrelated specs published now, one port add's worth (at most 1000
# specs, as argv is limited) per element; port del takes them back likewise.
BPFNET_EXTRA=()
bpfnet_maps() { # n: N-1 unrelated single-port maps, on the same container
	local n=$1 chunk first last
	for chunk in "${BPFNET_EXTRA[@]}"; do
		bn port del c1 "$chunk"
	done
	BPFNET_EXTRA=()
	for ((first = 20000; first <= 20000 + n - 2; first += 1000)); do
		last=$((first + 999))
		[ "$last" -le $((20000 + n - 2)) ] || last=$((20000 + n - 2))
		chunk=$(seq "$first" "$last" | awk '{printf "%s%d:%d", (NR > 1 ? "," : ""), $1, $1}')
		bn port add c1 "$chunk"
		BPFNET_EXTRA+=("$chunk")
	done
}

set_maps() { # sys n
	case $1 in
	bpfnet) bpfnet_maps "$2" ;;
	iptables) ipt_maps "$2" ;;
	cni) cni_maps "$2" ;;
	esac
}

# Where each system's client and server live, and what address to use.
client_ns() { echo "$1-c1"; }
server_ns() { echo "$1-out"; }
out_addr() { if [ "$1" = floor ]; then echo 10.99.0.1; else echo "$OUTSIDE_IP"; fi; }
ctr_addr() { if [ "$1" = floor ]; then echo 10.99.0.2; else echo 172.19.0.2; fi; }
pub_addr() { if [ "$1" = floor ]; then echo 10.99.0.2; else echo "$UPLINK_IP"; fi; }
pub_port() {
	if [ "$1" = floor ]; then
		echo "$2"
	else
		case $2 in 5201) echo 8080 ;; 7000) echo 17000 ;; *) echo "$2" ;; esac
	fi
}

start_servers() {
	local s
	for s in $SYSTEMS; do
		bg in_netns "$s-out" iperf3 -s -B "$(out_addr "$s")" -p 5201
		bg in_netns "$s-c1" iperf3 -s -B "$(ctr_addr "$s")" -p 5201
		bg in_netns "$s-out" sockperf server -i "$(out_addr "$s")" -p 11111
		bg in_netns "$s-out" sockperf server -i "$(out_addr "$s")" -p 11111 --tcp
		bg in_netns "$s-c1" sockperf server -i "$(ctr_addr "$s")" -p 11111
		bg in_netns "$s-c1" sockperf server -i "$(ctr_addr "$s")" -p 11111 --tcp
		bg in_netns "$s-c1" "$CONNBENCH" server "$(ctr_addr "$s")" 7000
	done
	for s in $SYSTEMS; do
		wait_listen tcp 5201 in_netns "$s-out"
		wait_listen tcp 5201 in_netns "$s-c1"
		wait_listen udp 11111 in_netns "$s-out"
		wait_listen tcp 11111 in_netns "$s-out"
		wait_listen udp 11111 in_netns "$s-c1"
		wait_listen tcp 11111 in_netns "$s-c1"
		wait_listen tcp 7000 in_netns "$s-c1"
	done
}

# --- measurements -------------------------------------------------------
iperf() { # sys dir streams -> Gbit/s
	local s=$1 dir=$2 n=$3 j
	if [ "$dir" = out ]; then
		j=$(in_netns "$s-c1" timeout 30 iperf3 -c "$(out_addr "$s")" -p 5201 -t "$SECS" -P "$n" -J 2>/dev/null)
	else
		j=$(in_netns "$s-out" timeout 30 iperf3 -c "$(pub_addr "$s")" -p "$(pub_port "$s" 5201)" -t "$SECS" -P "$n" -J 2>/dev/null)
	fi
	jq -r '.end.sum_received.bits_per_second / 1e9 | . * 1000 | round / 1000' <<<"$j" 2>/dev/null || true
}

sockperf_pp() { # sys dir tcp|udp -> "p50 p99" in microseconds
	local s=$1 dir=$2 proto=$3 o flag=""
	[ "$proto" = tcp ] && flag=--tcp
	if [ "$dir" = out ]; then
		o=$(in_netns "$s-c1" timeout 30 sockperf ping-pong -i "$(out_addr "$s")" -p 11111 $flag -t "$SECS" 2>&1)
	else
		o=$(in_netns "$s-out" timeout 30 sockperf ping-pong -i "$(pub_addr "$s")" -p 11111 $flag -t "$SECS" 2>&1)
	fi
	echo "$(sed -n 's/.*percentile 50.000 = *\([0-9.]*\).*/\1/p' <<<"$o") $(sed -n 's/.*percentile 99.000 = *\([0-9.]*\).*/\1/p' <<<"$o")"
}

connb() { # sys -> "p50_us p99_us conn/s"
	local s=$1
	in_netns "$s-out" timeout 60 "$CONNBENCH" client "$(pub_addr "$s")" "$(pub_port "$s" 7000)" "$CONNS" || true
}

measure_traffic() {
	local r s v
	for r in $(seq "$RUNS"); do
		for s in $SYSTEMS; do
			log "run $r/$RUNS: traffic through $s"
			for n in $STREAMS; do
				rec "tput_out_$n" "$s" "$(iperf "$s" out "$n")"
				rec "tput_in_$n" "$s" "$(iperf "$s" in "$n")"
			done
			for p in tcp udp; do
				v=$(sockperf_pp "$s" out $p)
				rec "rr_out_${p}_p50" "$s" "${v% *}"
				rec "rr_out_${p}_p99" "$s" "${v#* }"
				v=$(sockperf_pp "$s" in $p)
				rec "rr_in_${p}_p50" "$s" "${v% *}"
				rec "rr_in_${p}_p99" "$s" "${v#* }"
			done
		done
	done
}

measure_connect_vs_maps() {
	local n r s v
	for n in $MAPS; do
		for s in bpfnet iptables cni; do
			[ "$s" = cni ] && [ "$n" -gt 1000 ] && continue	# portmap ADD of 10,000 takes minutes
			log "connect latency: $s with $n port maps"
			set_maps "$s" "$n"
			for r in $(seq "$RUNS"); do
				v=$(connb "$s")
				rec "conn_p50_$n" "$s" "$(cut -d' ' -f1 <<<"$v")"
				rec "conn_p99_$n" "$s" "$(cut -d' ' -f2 <<<"$v")"
				rec "conn_rate_$n" "$s" "$(cut -d' ' -f3 <<<"$v")"
			done
		done
		for r in $(seq "$RUNS"); do
			v=$(connb floor)
			rec "conn_p50_$n" floor "$(cut -d' ' -f1 <<<"$v")"
			rec "conn_rate_$n" floor "$(cut -d' ' -f3 <<<"$v")"
		done
	done
	set_maps bpfnet 1
	set_maps iptables 1
	set_maps cni 1
}

# Whole-process time of one command, in ms.
time_ms() {
	local t0 t1
	t0=$(now_ns)
	"$@" >/dev/null 2>&1 || true
	t1=$(now_ns)
	echo "scale=3; ($t1 - $t0) / 1000000" | bc
}

measure_map_add_del() {
	local n r
	for n in $ADDMAPS; do
		log "add/remove one map with $n present"
		set_maps bpfnet "$n"
		set_maps iptables "$n"
		[ "$n" -le 1000 ] && set_maps cni "$n"
		for r in $(seq "$REPS"); do
			rec "spawn" floor "$(time_ms in_host true)"
			# the same binary doing nothing: what "beyond process start" subtracts
			rec "spawn_self" bpfnet "$(time_ms bn version)"
			rec "add_$n" bpfnet "$(time_ms bn port add c1 31000:31000)"
			rec "del_$n" bpfnet "$(time_ms bn port del c1 31000:31000)"
			rec "add_$n" iptables "$(time_ms in_netns iptables-host iptables -t nat -A BENCH-DNAT -p tcp --dport 31000 -j DNAT --to-destination 172.19.0.2:31000)"
			rec "del_$n" iptables "$(time_ms in_netns iptables-host iptables -t nat -D BENCH-DNAT -p tcp --dport 31000 -j DNAT --to-destination 172.19.0.2:31000)"
			if [ "$n" -le 1000 ]; then
				local conf
				conf=$(portmap_conf "$CNI_PREV" '[{"hostPort":31000,"containerPort":31000,"protocol":"tcp"}]')
				rec "add_$n" cni "$(time_ms cni_call ADD extra /run/netns/cni-c1 "$conf")"
				rec "del_$n" cni "$(time_ms cni_call DEL extra /run/netns/cni-c1 "$conf")"
			fi
		done
	done
	set_maps bpfnet 1
	set_maps iptables 1
	set_maps cni 1
}

# The timed hook call of a runtime: sh, the state on the hook's stdin.
sh_hook() { # state-json
	# shellcheck disable=SC2016 # expanded by that sh, from its arguments
	sh -c 'j=$1; shift; printf %s "$j" | nsenter "$@"' sh "$1" --net="$HOSTNS" "$BPFNET" hook "${FLAGS[@]}"
}

# The same chain of processes, the binary doing nothing.
sh_hook_spawn() {
	# shellcheck disable=SC2016 # expanded by that sh, from its arguments
	sh -c 'printf %s "{}" | nsenter "$@"' sh --net="$HOSTNS" "$BPFNET" version "${FLAGS[@]}"
}

measure_setup_teardown() {
	local r pid conf_b
	log "container set-up and teardown"
	for r in $(seq "$REPS"); do
		pid=$(held_ns "st-$r")
		rec hook_spawn bpfnet "$(time_ms sh_hook_spawn)"
		rec setup bpfnet "$(time_ms sh_hook "$(printf '{"id":"st%s","status":"creating","pid":%s,"annotations":{"bpfnet.ports":"%s:80"}}' "$r" "$pid" "$((40000 + r))")")"
		rec teardown bpfnet "$(time_ms sh_hook "$(printf '{"id":"st%s","status":"stopped"}' "$r")")"
		conf_b=$(cni_conf "$BRIDGE_CONF")
		local t0 t1 prev
		t0=$(now_ns)
		prev=$(cni_call ADD "st$r" "/run/netns/st-$r" "$conf_b")
		cni_call ADD "st$r" "/run/netns/st-$r" "$(portmap_conf "$prev" "[{\"hostPort\":$((40000 + r)),\"containerPort\":80,\"protocol\":\"tcp\"}]")" >/dev/null
		t1=$(now_ns)
		rec setup cni "$(echo "scale=3; ($t1 - $t0) / 1000000" | bc)"
		t0=$(now_ns)
		cni_call DEL "st$r" "/run/netns/st-$r" "$(portmap_conf "$prev" "[{\"hostPort\":$((40000 + r)),\"containerPort\":80,\"protocol\":\"tcp\"}]")" >/dev/null
		cni_call DEL "st$r" "/run/netns/st-$r" "$conf_b" >/dev/null
		t1=$(now_ns)
		rec teardown cni "$(echo "scale=3; ($t1 - $t0) / 1000000" | bc)"
	done
	log "$MANY containers at once"
	local pids=() i t0 t1 jobs=()
	for i in $(seq "$MANY"); do pids+=("$(held_ns "m-$i")"); done
	t0=$(now_ns)
	for i in $(seq "$MANY"); do
		printf '{"id":"m%s","status":"creating","pid":%s}' "$i" "${pids[$((i - 1))]}" |
			nsenter --net="$HOSTNS" "$BPFNET" hook "${FLAGS[@]}" &
		jobs+=($!)
	done
	for i in "${jobs[@]}"; do wait "$i"; done
	t1=$(now_ns)
	rec "setup_many" bpfnet "$(echo "scale=1; ($t1 - $t0) / 1000000" | bc)"
	for i in $(seq "$MANY"); do hook_down "m$i"; done
	jobs=()
	t0=$(now_ns)
	for i in $(seq "$MANY"); do
		cni_call ADD "m$i" "/run/netns/m-$i" "$(cni_conf "$BRIDGE_CONF")" >/dev/null &
		jobs+=($!)
	done
	for i in "${jobs[@]}"; do wait "$i"; done
	t1=$(now_ns)
	rec "setup_many" cni "$(echo "scale=1; ($t1 - $t0) / 1000000" | bc)"
	for i in $(seq "$MANY"); do cni_call DEL "m$i" "/run/netns/m-$i" "$(cni_conf "$BRIDGE_CONF")" >/dev/null 2>&1 || true; done
}

measure_memory() {
	local n i pid kb
	for n in $MEMC; do
		log "memory with $n containers"
		for ((i = 1; i < n; i++)); do
			pid=$(held_ns "mem-$i")
			hook_up "mem$i" "$pid"
		done
		pid=$(held_ns "memx-$n")
		kb=$( { printf '{"id":"memx%s","status":"creating","pid":%s}' "$n" "$pid" |
			in_host /usr/bin/time -f '%M' "$BPFNET" hook "${FLAGS[@]}"; } 2>&1 | tail -1)
		rec "hook_rss_kb_$n" bpfnet "$kb"
		rec "maps_kb_$n" bpfnet "$(bpftool map show -j | jq '[.[] | select(.name as $n | ["net_config","endpoints","conntrack","rev_nat","stats","endpoint_stats","port_maps","dnat_ct","dnat_rev","sock_rev"] | index($n)) | .bytes_memlock] | add / 1024 | round')"
		hook_down "memx$n"
		for ((i = 1; i < n; i++)); do
			hook_down "mem$i"
			netns_kill "mem-$i"
			ip netns del "mem-$i"
		done
	done
}

# --- report -------------------------------------------------------------
# median, min and max of a metric for a system: "med min max" (or "-")
stats_of() {
	awk -v m="$1" -v s="$2" '$1 == m && $2 == s && $3 != "" {print $3}' "$RES" | sort -g |
		awk '{v[NR] = $1} END {if (NR == 0) {print "-"; exit} med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%g %g %g\n", med, v[1], v[NR]}'
}
med() { local v; v=$(stats_of "$1" "$2"); echo "${v%% *}"; }
cell() {
	local v
	v=$(stats_of "$1" "$2")
	if [ "$v" = - ]; then echo "–"; else awk '{printf "%g (%g–%g)", $1, $2, $3}' <<<"$v"; fi
}
# median of bpfnet's metric a minus median of its metric b, in ms
med_diff() { local a b; a=$(med "$1" bpfnet); b=$(med "$2" bpfnet); [ "$a" = - ] || [ "$b" = - ] && { echo "–"; return; }; echo "scale=2; ($a - $b) / 1" | bc; }
ratio() { local a b; a=$(med "$1" "$2"); b=$(med "$1" "$3"); [ "$a" = - ] || [ "$b" = - ] && { echo "–"; return; }; echo "scale=2; $a / $b" | bc; }
# Paired ratio: the n-th figure of a over the n-th of b (one each per run,
# taken next to each other), median and min-max over the runs. Drift of a
# shared machine cancels within a pair.
pratio() { # metric a b
	awk -v m="$1" -v a="$2" -v b="$3" '
		$1 == m && $2 == a { x[++na] = $3 }
		$1 == m && $2 == b { y[++nb] = $3 }
		END { for (i = 1; i <= na && i <= nb; i++) if (x[i] != "" && y[i] > 0) r[++n] = x[i] / y[i]
		      if (!n) { print "–"; exit }
		      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
		      printf "%.2f (%.2f–%.2f)\n", (n % 2) ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2, r[1], r[n] }' "$RES"
}

report() {
	mkdir -p "$(dirname "$OUT")"
	{
		echo "# Benchmarks: bpfnet, iptables, CNI bridge+portmap"
		echo
		echo "Generated by \`make bench$([ $QUICK = 1 ] && echo ' QUICK=1')\` on $(date -u +%Y-%m-%d), $(nproc) CPUs, $(uname -r), $(lscpu | sed -n 's/^Model name: *//p' | head -1)."
		echo "Medians with min–max over $RUNS run(s) each (set-up/map timings: $REPS repetitions); runs alternate between the systems."
		echo "floor = a plain veth pair between two namespaces; iptables = same bridge topology with MASQUERADE + DNAT rules;"
		echo "cni = containernetworking-plugins bridge (ipMasq) + portmap, called through their CNI interface."
		echo
		echo "## Throughput (Gbit/s, iperf3 ${SECS}s)"
		echo
		echo "| path | floor | bpfnet | iptables | cni | bpfnet/floor | iptables/floor | cni/floor | bpfnet/iptables |"
		echo "|---|---|---|---|---|---|---|---|---|"
		for m in tput_out_1 tput_out_2 tput_in_1 tput_in_2; do
			echo "| $m | $(cell $m floor) | $(cell $m bpfnet) | $(cell $m iptables) | $(cell $m cni) | $(ratio $m bpfnet floor) | $(ratio $m iptables floor) | $(ratio $m cni floor) | $(ratio $m bpfnet iptables) |"
		done
		echo
		echo "tput_out = container → outside host (masquerade); tput_in = outside host → published port (DNAT); _1/_2 = streams."
		echo
		report_cost
		echo "## Request/response latency (µs, sockperf ping-pong)"
		echo
		echo "| path | floor | bpfnet | iptables | cni | bpfnet/floor | iptables/floor | cni/floor |"
		echo "|---|---|---|---|---|---|---|---|"
		for m in rr_out_tcp_p50 rr_out_tcp_p99 rr_out_udp_p50 rr_out_udp_p99 rr_in_tcp_p50 rr_in_tcp_p99 rr_in_udp_p50 rr_in_udp_p99; do
			echo "| $m | $(cell $m floor) | $(cell $m bpfnet) | $(cell $m iptables) | $(cell $m cni) | $(ratio $m bpfnet floor) | $(ratio $m iptables floor) | $(ratio $m cni floor) |"
		done
		echo
		echo "## Connecting to a published port with N port maps installed"
		echo
		echo "connbench: $CONNS connections (connect, 1 byte each way, close) from the outside host; p50/p99 in µs, rate in connections/s."
		echo
		echo "| maps | floor p50 | bpfnet p50 | iptables p50 | cni p50 | bpfnet p99 | iptables p99 | cni p99 | bpfnet conn/s | iptables conn/s | cni conn/s |"
		echo "|---|---|---|---|---|---|---|---|---|---|---|"
		for n in $MAPS; do
			echo "| $n | $(med "conn_p50_$n" floor) | $(cell "conn_p50_$n" bpfnet) | $(cell "conn_p50_$n" iptables) | $(cell "conn_p50_$n" cni) | $(med "conn_p99_$n" bpfnet) | $(med "conn_p99_$n" iptables) | $(med "conn_p99_$n" cni) | $(med "conn_rate_$n" bpfnet) | $(med "conn_rate_$n" iptables) | $(med "conn_rate_$n" cni) |"
		done
		local first last
		first=$(awk '{print $1}' <<<"$MAPS")
		last=$(awk '{print $NF}' <<<"$MAPS")
		echo
		echo "Growth of p50 from $first to $last maps: bpfnet ×$(echo "scale=2; $(med "conn_p50_$last" bpfnet) / $(med "conn_p50_$first" bpfnet)" | bc), iptables ×$(echo "scale=2; $(med "conn_p50_$last" iptables) / $(med "conn_p50_$first" iptables)" | bc)$( [ "$(med conn_p50_1000 cni)" != - ] && echo ", cni (to 1000) ×$(echo "scale=2; $(med conn_p50_1000 cni) / $(med "conn_p50_$first" cni)" | bc)")."
		echo
		echo "![connect latency vs port maps](connect-latency.png)"
		echo
		echo "## Adding and removing one port map (ms, whole process)"
		echo
		echo "Each figure is a whole command started through nsenter; starting \`nsenter … true\` alone takes $(cell spawn floor) ms, included in every figure below."
		echo
		echo "| present | bpfnet add | bpfnet del | iptables add | iptables del | cni portmap ADD | cni portmap DEL |"
		echo "|---|---|---|---|---|---|---|"
		for n in $ADDMAPS; do
			echo "| $n | $(cell "add_$n" bpfnet) | $(cell "del_$n" bpfnet) | $(cell "add_$n" iptables) | $(cell "del_$n" iptables) | $(cell "add_$n" cni) | $(cell "del_$n" cni) |"
		done
		echo
		echo "## Container network set-up and teardown (ms, whole process)"
		echo
		echo "| | bpfnet hook | CNI bridge+portmap |"
		echo "|---|---|---|"
		echo "| set-up (with one published port) | $(cell setup bpfnet) | $(cell setup cni) |"
		echo "| teardown | $(cell teardown bpfnet) | $(cell teardown cni) |"
		echo "| $MANY set-ups at once (wall time) | $(cell setup_many bpfnet) | $(cell setup_many cni) |"
		echo
		echo "Beyond process start (medians): the same chain of processes with the binary doing nothing (\`bpfnet version\`) takes $(cell hook_spawn bpfnet) ms for the hook and $(cell spawn_self bpfnet) ms for \`port add\`; what bpfnet itself spends is set-up $(med_diff setup hook_spawn) ms, teardown $(med_diff teardown hook_spawn) ms, port add $(med_diff add_1 spawn_self) ms, port del $(med_diff del_1 spawn_self) ms (one map present)."
		echo
		echo "## Memory"
		echo
		echo "| containers | hook peak RSS (KiB) | pinned maps (KiB, bpftool memlock) |"
		echo "|---|---|---|"
		for n in $MEMC; do
			echo "| $n | $(med "hook_rss_kb_$n" bpfnet) | $(med "maps_kb_$n" bpfnet) |"
		done
		echo
		echo "Raw figures: one line per measurement, \`metric system value\`, in \`${RAW#"$TOP"/}\` of the run that wrote this file."
		echo
		report_monitor
	} >"$OUT.new"
	# the hop experiments and IPv6 run only alone (make bench BENCH=hops,
	# BENCH=ipv6): their last sections stay
	local alone=""
	[ ! -f "$OUT" ] ||
		alone=$(awk '/^## / { keep = /^## (Hops: |IPv6 )/ } keep' "$OUT")
	[ -z "$alone" ] || printf '\n%s\n' "$alone" >>"$OUT.new"
	mv "$OUT.new" "$OUT"
	log "wrote $OUT"
}

plot() {
	command -v gnuplot >/dev/null || return 0
	local s
	for s in bpfnet iptables cni; do
		for n in $MAPS; do
			v=$(med "conn_p50_$n" "$s")
			[ "$v" != - ] && echo "$n $v"
		done >"$B/plot-$s.dat"
	done
	gnuplot <<EOF
set terminal png size 800,500
set output "$PLOT"
set title "Connect latency to a published port vs number of port maps (p50)"
set xlabel "port maps installed"
set ylabel "connect + 1-byte exchange, µs"
set logscale x
set key top left
set grid
plot "$B/plot-bpfnet.dat" with linespoints lw 2 title "bpfnet (BPF hash)", \
     "$B/plot-iptables.dat" with linespoints lw 2 title "iptables DNAT", \
     "$B/plot-cni.dat" with linespoints lw 2 title "CNI portmap"
EOF
	log "wrote $PLOT"
}

# Only one section (a bench run of BENCH=monitor, hops or ipv6): put in place of
# its former figures in $OUT (added at the end when it has none); the rest
# of the file stays as it is.
report_section() { # its "## " title, the function that writes it
	local title=$1 new=$B/section.md
	"$2" >"$new"
	mkdir -p "$(dirname "$OUT")"
	touch "$OUT"
	awk -v new="$new" -v title="$title" '
		function put() { while ((getline l < new) > 0) print l; print ""; done = 1 }
		$0 == "## " title { put(); skip = 1; next }
		skip && /^## / { skip = 0 }
		!skip { print }
		END { if (!done) { print ""; put() } }' "$OUT" >"$OUT.tmp"
	# no blank line doubled, none left at the end
	cat -s "$OUT.tmp" | awk '{ l[NR] = $0 } END { n = NR; while (n > 0 && l[n] == "") n--
		for (i = 1; i <= n; i++) print l[i] }' >"$OUT"
	rm -f "$OUT.tmp"
	log "wrote the section \"$title\" of $OUT"
}

if [ "$SECTION" = monitor ]; then
	log "building bpfnet's world"
	setup_bpfnet
	bg in_netns bpfnet-out iperf3 -s -B "$OUTSIDE_IP" -p 5201
	bg in_netns bpfnet-c1 iperf3 -s -B 172.19.0.2 -p 5201
	wait_listen tcp 5201 in_netns bpfnet-out
	wait_listen tcp 5201 in_netns bpfnet-c1
	measure_monitor
	report_section "Datapath cost of bpfnet monitor" report_monitor
	mkdir -p "$(dirname "$RAW")"
	cp "$RES" "$RAW"
	log "kept the raw figures in $RAW"
	report_monitor
	exit 0
fi
if [ "$SECTION" = hops ]; then
	log "building the floor, the routed world and bpfnet's"
	SYSTEMS="floor routed bpfnet"
	setup_floor
	setup_routed
	setup_bpfnet
	start_servers
	measure_hops
	report_section "Hops: what this kernel offers, tried one by one" report_hops
	mkdir -p "$(dirname "$RAW")"
	cp "$RES" "$RAW"
	log "kept the raw figures in $RAW"
	report_hops
	exit 0
fi
if [ "$SECTION" = ipv6 ]; then
	log "building bpfnet's world with IPv6 (--subnet6, NAT66)"
	setup_ipv6
	ipv6_servers
	measure_ipv6
	report_section "$IPV6_TITLE" report_ipv6
	mkdir -p "$(dirname "$RAW")"
	cp "$RES" "$RAW"
	log "kept the raw figures in $RAW"
	report_ipv6
	exit 0
fi
log "building worlds"
setup_floor
setup_bpfnet
setup_iptables
setup_cni
start_servers
measure_traffic
measure_cost
measure_monitor
measure_connect_vs_maps
measure_map_add_del
measure_setup_teardown
measure_memory
report
mkdir -p "$(dirname "$RAW")"
cp "$RES" "$RAW"
log "kept the raw figures in $RAW"
[ $QUICK = 1 ] || plot
cat "$OUT"
# a smoke run must have measured every system
for s in floor bpfnet iptables cni; do
	[ "$(med tput_out_1 "$s")" != - ] || { log "no throughput figure for $s"; exit 1; }
done
[ "$(med add_1 bpfnet)" != - ] || exit 1
