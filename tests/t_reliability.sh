#!/usr/bin/env bash
# Reliability and security: concurrency, injected faults, restarts, bad
# input, isolation, file permissions, load.

# Everything bpfnet knows must agree: state, endpoint map, links, addresses.
assert_consistent() {
	local st_ips map_n links st_veths
	st_ips=$(bn ls -j | jq -r '.[].ip' | sort)
	assert_eq "$(sort -u <<<"$st_ips" | count_lines)" "$(count_lines <<<"$st_ips")" "duplicate addresses"
	map_n=$(dump_map endpoints | jq length)
	assert_eq "$map_n" "$(count_lines <<<"$st_ips")" "endpoint map vs state"
	st_veths=$(bn ls -j | jq -r '.[].veth' | sort)
	links=$(in_host ip -j link show type veth | jq -r '.[] | select(.ifname | startswith("bnv")) | .ifname' | sort)
	assert_eq "$links" "$st_veths" "links vs state"
	local pm_state pm_map
	pm_state=$(bn port ls -j | jq '[.[] | (.host_port_end - .host_port + 1)] | add // 0')
	pm_map=$(dump_map port_maps | jq length)
	assert_eq "$pm_map" "$pm_state" "port maps vs state"
}

test_64_hooks_mixed_with_port_commands() {
	world_up_outside
	local i pids=() jobs=()
	for i in $(seq 64); do new_netns; pids+=("$NEWPID"); done
	# 32 up first, then 32 more up, the first 16 down, port add/del alongside
	for i in $(seq 32); do hook_up "c$i" "${pids[$((i - 1))]}" & jobs+=($!); done
	for i in "${jobs[@]}"; do wait "$i" || fail "a hook failed"; done
	jobs=()
	for i in $(seq 33 64); do hook_up "c$i" "${pids[$((i - 1))]}" & jobs+=($!); done
	for i in $(seq 16); do hook_down "c$i" & jobs+=($!); done
	for i in $(seq 17 32); do bn port add "c$i" "$((10000 + i)):80" & jobs+=($!); done
	local -A racer=() rc_of=()
	local p winner="" lost=0
	for i in $(seq 17 24); do bn port add "c$i" "10000:81" 2>"$T/race$i" & racer[$!]=$i; done
	for i in "${jobs[@]}"; do wait "$i" || fail "a hook or an uncontested port add failed"; done
	for p in "${!racer[@]}"; do
		i=${racer[$p]}
		rc_of[$i]=0
		wait "$p" || rc_of[$i]=$?
	done
	for i in $(seq 17 24); do
		if [ "${rc_of[$i]}" -eq 0 ]; then winner="$winner c$i"; fi
	done
	assert_eq "$winner" " $(bn port ls -j | jq -r '.[] | select(.host_port == 10000) | .id')" "port adds that won the contested port 10000"
	# the others are told who has it, in one line, with exit code 1
	for i in $(seq 17 24); do
		[ "${rc_of[$i]}" -ne 0 ] || continue
		assert_eq "${rc_of[$i]}" 1 "exit code of c$i's losing port add"
		assert_eq "$(cat "$T/race$i")" "bpfnet: port map 10000:81/tcp conflicts with 10000:81/tcp of container${winner}" "c$i's losing port add"
		lost=$((lost + 1))
	done
	assert_eq "$lost" 7 "port adds that lost"
	assert_eq "$(bn ls -j | jq length)" 48 "containers"
	assert_consistent
	jobs=()
	for i in $(seq 17 24); do bn port del "c$i" "$((10000 + i)):80" & jobs+=($!); done
	for i in $(seq 33 40); do hook_down "c$i" & jobs+=($!); done
	for i in "${jobs[@]}"; do wait "$i" || fail "a del or teardown failed"; done
	assert_consistent
	echo "FIGURE: 64 set-ups and 24 teardowns with 24 port adds and 8 port dels, 0 duplicate addresses; contested port: 1 of 8 wins, $lost told 'conflicts with'"
}

test_sigkill_at_every_step_then_gc() {
	use_testing_build
	world_up_outside
	new_netns; C0=$NEWPID
	hook_up c0 "$C0" '{"bpfnet.ports":"8080:80"}'
	local step
	for step in 1 2 3 4 5 6; do
		new_netns
		BPFNET_FAULT_STEP=$step hook_up "k$step" "$NEWPID" '{"bpfnet.ports":"9090:90"}' 2>/dev/null &&
			fail "hook survived SIGKILL at step $step"
		bn gc >/dev/null || fail "gc failed after a kill at step $step"
		assert_eq "$(bn ls -j | jq -r '.[].id' | tr '\n' ' ')" "c0 " "records after step $step"
		assert_consistent
		# the same id comes up cleanly afterwards
		hook_up "k$step" "$NEWPID" '{"bpfnet.ports":"9090:90"}' || fail "set-up after a kill at step $step"
		hook_down "k$step"
	done
	# teardown killed half way: gc finishes it
	new_netns
	hook_up k7 "$NEWPID"
	kill -9 "$NEWPID"
	BPFNET_FAULT_STEP=7 hook_down k7 2>/dev/null && fail "teardown survived SIGKILL"
	bn gc >/dev/null
	assert_eq "$(bn ls -j | jq -r '.[].id' | tr '\n' ' ')" "c0 "
	assert_consistent
	in_ns "$C0" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "the surviving container lost its network"
	echo "FIGURE: 7 kill points, each repaired by gc"
}

test_corrupt_state_detected_and_rebuilt() {
	world_up_outside
	new_netns; C1=$NEWPID
	new_netns; C2=$NEWPID
	hook_up c1 "$C1"
	hook_up c2 "$C2"
	head -c 100 "$T/state/state.json" >"$T/state/state.json.tmp"
	mv "$T/state/state.json.tmp" "$T/state/state.json"
	local out rc=0
	new_netns
	out=$(hook_up c3 "$NEWPID" 2>&1) || rc=$?
	assert_eq "$rc" 1 "hook with a corrupt state"
	assert_contains "$out" "is corrupt"
	rc=0; bn ls >/dev/null 2>&1 || rc=$?
	assert_eq "$rc" 1 "ls with a corrupt state"
	bn gc >/dev/null 2>&1 || fail "gc could not rebuild"
	assert_eq "$(bn ls -j | jq -r '.[].id' | sort | tr '\n' ' ')" "c1 c2 " "rebuilt records"
	assert_eq "$(bn ls -j | jq -r '.[] | select(.id=="c2") | .ip')" 172.19.0.3
	[ -e "$T/state/state.json.corrupt" ] || fail "corrupt file not kept"
	hook_up c3 "$NEWPID" || fail "set-up after rebuild"
	assert_eq "$(ip_of c3)" 172.19.0.4 "rebuilt state keeps the addresses in use"
	assert_consistent
}

test_state_lost_links_adopted() {
	world_up_outside
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	rm "$T/state/state.json"
	bn gc >/dev/null 2>&1
	assert_eq "$(bn ls -j | jq -r '.[].id')" c1 "adopted"
	in_ns "$C1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "network lost"
}

test_pins_lost_reloaded() {
	world_up_outside
	new_netns; C1=$NEWPID
	new_netns; C2=$NEWPID
	hook_up c1 "$C1" '{"bpfnet.ports":"8080:80"}'
	# someone removed the pins: the next hook reloads and re-attaches c1
	rm -f "$T"/bpf/bpfnet/*
	hook_up c2 "$C2" || fail "hook after pins were removed"
	in_ns "$C1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "c1 lost its network"
	assert_eq "$(dump_map port_maps | jq length)" 1 "c1's port map restored"
	assert_consistent
	rm -f "$T"/bpf/bpfnet/*
	bn gc >/dev/null 2>&1
	in_ns "$C2" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "gc did not reload"
}

test_stale_layout_replaced() {
	world_up_outside
	[ -n "${CG:-}" ] || fail "no cgroup2 for the socket programs"
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	local old_progs new_progs id
	old_progs=$(bpftool cgroup show "$CG" -j | jq -r '[.[].id] | sort | join(" ")')
	assert_eq "$(wc -w <<<"$old_progs")" 8 "socket programs attached (connect, sendmsg, recvmsg, getpeername; IPv4 and IPv6)"
	# an "older version": conntrack pinned with another value size
	rm "$T/bpf/bpfnet/conntrack"
	bpftool map create "$T/bpf/bpfnet/conntrack" type lru_hash key 16 value 32 entries 16 name conntrack
	new_netns; C2=$NEWPID
	hook_up c2 "$C2" 2>/dev/null || fail "hook with a stale layout"
	assert_eq "$(bpftool map show pinned "$T/bpf/bpfnet/conntrack" -j | jq .bytes_value)" 56 "conntrack's value size (struct bpfnet_ct)"
	in_ns "$C1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "c1 not re-attached"
	in_ns "$C2" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "c2 has no network"
	assert_eq "$(in_host tc filter show dev up0 ingress | grep -c uplink_ingress)" 1 "one uplink filter"
	# the old socket programs were detached, the new ones attached once
	new_progs=$(bpftool cgroup show "$CG" -j | jq -r '[.[].id] | sort | join(" ")')
	assert_eq "$(wc -w <<<"$new_progs")" 8 "socket programs attached after the replacement"
	for id in $old_progs; do
		assert_not_contains " $new_progs " " $id "
	done
	assert_consistent
}

# Pins loaded by another build of bpfnet (an upgrade) are replaced, never
# reused: the programs of the old build would run with the new user space.
test_other_build_replaced() {
	world_up_outside
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	local old new out rc=0
	old=$(bpftool prog show pinned "$T/bpf/bpfnet/prog_from_container" -j | jq .id)
	map_set_field net_config 0 obj_id 1	# "built from other sources"
	out=$(bn stats 2>&1) || rc=$?
	assert_eq "$rc" 1 "stats over another build's pins"
	assert_contains "$out" "is stale (another bpfnet version"
	new_netns; C2=$NEWPID
	out=$(hook_up c2 "$C2" 2>&1)
	assert_contains "$out" "replacing the stale datapath"
	new=$(bpftool prog show pinned "$T/bpf/bpfnet/prog_from_container" -j | jq .id)
	[ "$new" != "$old" ] || fail "from_container still program $old"
	assert_ge "$(dump_map net_config | jq '.[0].value.obj_id')" 2 "the build recorded"
	in_ns "$C1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "c1 not re-attached"
	in_ns "$C2" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "c2 has no network"
	assert_consistent
}

test_down_then_new_containers() {
	world_up_outside
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	bn down
	assert_eq "$(in_host ip -o link show type veth | count_lines bnv)" 0
	new_netns; C2=$NEWPID
	hook_up c2 "$C2"
	in_ns "$C2" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "after down"
	assert_eq "$(ip_of c2)" 172.19.0.2
}

# Each row: what | stdin | extra args | exit code | message part
bad_inputs() {
	cat <<'ROWS'
malformed JSON|{"id":|hook|1|not valid JSON
truncated JSON|{"id":"c1","status":"creat|hook|1|not valid JSON
not an object|[1,2,3]|hook|1|not a JSON object
no id|{"status":"creating","pid":1}|hook|1|no string 'id'
id wrong type|{"id":7,"status":"creating","pid":1}|hook|1|no string 'id'
no status|{"id":"c1","pid":1}|hook|1|no string 'status'
unknown status|{"id":"c1","status":"paused","pid":1}|hook|1|unknown container status
status wrong type|{"id":"c1","status":1,"pid":1}|hook|1|no string 'status'
no pid|{"id":"c1","status":"creating"}|hook|1|no 'pid'
pid wrong type|{"id":"c1","status":"creating","pid":"1"}|hook|1|not a valid pid
negative pid|{"id":"c1","status":"creating","pid":-5}|hook|1|not a valid pid
dead pid|{"id":"c1","status":"creating","pid":999999}|hook|1|does not exist
id with slash|{"id":"a/b","status":"creating","pid":1}|hook|1|container id is invalid
id with dotdot|{"id":"..","status":"creating","pid":1}|hook|1|container id is invalid
id with space|{"id":"a b","status":"creating","pid":1}|hook|1|container id is invalid
bad bpfnet.ip|{"id":"c1","status":"creating","pid":SELF,"annotations":{"bpfnet.ip":"1.2.3"}}|hook|1|not an IPv4 address
bpfnet.ip outside|{"id":"c1","status":"creating","pid":SELF,"annotations":{"bpfnet.ip":"10.0.0.9"}}|hook|1|outside the subnet
bad bpfnet.ports|{"id":"c1","status":"creating","pid":SELF,"annotations":{"bpfnet.ports":"80:0"}}|hook|1|ports must be 1-65535
ports wrong type|{"id":"c1","status":"creating","pid":SELF,"annotations":{"bpfnet.ports":80}}|hook|1|not a string
empty stdin||hook|1|no OCI state
subnet too small|{}|ls --subnet 10.0.0.0/31|2|unusable
subnet not a network|{}|ls --subnet 10.0.0.1/24|2|invalid subnet
bridge name too long|{}|ls --bridge averyveryverylongname|2|invalid bridge name
unknown flag|{}|ls --frob|2|unknown flag
mtu too small|{}|ls --mtu 10|2|invalid mtu
relative state dir|{}|ls --state-dir rel|2|invalid state dir
unknown command|{}|frob|2|unknown command
bad port range flag|{}|ls --snat-ports 9-1|2|invalid port range
missing config file|{}|ls --config /nonexistent.json|2|failed to read config
ROWS
}

test_bad_input_table() {
	world_up_outside
	new_netns; C1=$NEWPID
	hook_up keep "$C1"
	new_netns; SELF=$NEWPID
	local before after what input args code msg out rc n=0
	before=$(cat "$T/state/state.json"; in_host ip -o link | awk '{print $2}'; dump_map endpoints)
	while IFS='|' read -r what input args code msg; do
		input=${input//SELF/$SELF}
		rc=0
		# shellcheck disable=SC2086
		out=$(printf '%s' "$input" | bn $args 2>&1 >/dev/null) || rc=$?
		assert_eq "$rc" "$code" "exit code for: $what"
		assert_eq "$(grep -c . <<<"$out")" 1 "one line for: $what ($out)"
		assert_contains "$out" "$msg"
		n=$((n + 1))
	done < <(bad_inputs)
	# a huge state (over 1 MiB) and one that is not UTF-8
	rc=0; out=$( { printf '{"id":"c1","status":"creating","pid":1,"x":"'; head -c 1100000 /dev/zero | tr '\0' a; printf '"}'; } | bn hook 2>&1) || rc=$?
	assert_eq "$rc" 1; assert_contains "$out" "larger than"
	rc=0; out=$(printf '{"id":"c\xff","status":"creating","pid":1}' | bn hook 2>&1) || rc=$?
	assert_eq "$rc" 1; assert_contains "$out" "UTF-8"
	rc=0; out=$(printf '{"id":"%s","status":"creating","pid":1}' "$(head -c 1000 /dev/zero | tr '\0' a)" | bn hook 2>&1) || rc=$?
	assert_eq "$rc" 1; assert_contains "$out" "container id is invalid"
	after=$(cat "$T/state/state.json"; in_host ip -o link | awk '{print $2}'; dump_map endpoints)
	assert_eq "$after" "$before" "something changed after bad input"
	echo "FIGURE: bad inputs tried: $((n + 3)), each one line, nothing changed"
}

test_isolation_between_networks_and_from_host() {
	world_up_outside
	new_netns; C1=$NEWPID
	hook_up c1 "$C1" '{"bpfnet.ports":"8080:80"}'
	# a second network on the same host: its own bridge, subnet, state, pins
	local FLAGS_A=("${FLAGS[@]}")
	FLAGS=(--state-dir "$T/state2" --pin-dir "$T/bpf/bpfnet2" --bridge bnbr1 --subnet 172.20.0.0/16 --uplink up0 --isolate ${CG:+--cgroup "$CG"})
	new_netns; C2=$NEWPID
	hook_up c2 "$C2" '{"bpfnet.ports":"8081:80"}'
	in_ns "$C2" ping -c1 -W1 172.19.0.2 >/dev/null 2>&1 && fail "network 2 reaches network 1"
	in_ns "$C1" ping -c1 -W1 172.20.0.2 >/dev/null 2>&1 && fail "network 1 reaches network 2"
	assert_ge "$(bn stats -j | jq .totals.drop_other_network)" 1 "cross-network drop not counted"
	# --isolate: no host services on the gateway or uplink address...
	in_host sh -c "timeout 5 nc -nl 172.20.0.1 2222 >/dev/null" &
	PIDS+=($!)
	wait_listen tcp 2222 in_host
	in_ns "$C2" nc -z -w 2 172.20.0.1 2222 && fail "isolated container reached a host service"
	in_ns "$C2" ping -c1 -W1 "$UPLINK_IP" >/dev/null 2>&1 && fail "isolated container pinged the host"
	assert_ge "$(bn stats -j | jq .totals.drop_isolated)" 2 "isolation drops not counted"
	# ...and no UDP to the host's own sockets, on the gateway or the uplink address
	local iso a
	for a in 172.20.0.1:3333 "$UPLINK_IP:3334"; do
		in_host sh -c "timeout 5 nc -u -nl ${a%:*} ${a#*:} >$T/udp-${a#*:}" &
		PIDS+=($!)
		wait_listen udp "${a#*:}" in_host
		iso=$(stat_of drop_isolated)
		echo "to the host" | in_ns "$C2" nc -u -w 1 "${a%:*}" "${a#*:}"
		wait_for 5 stat_at_least drop_isolated $((iso + 1))
		assert_eq "$(cat "$T/udp-${a#*:}")" "" "UDP received by the host at $a"
	done
	# ...but the outside and its own published port still work
	in_ns "$C2" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "isolated container cannot reach the outside"
	in_ns "$C2" sh -c "timeout 5 nc -nl 172.20.0.2 80 >$T/iso" &
	PIDS+=($!)
	wait_listen tcp 80 in_ns "$C2"
	echo published | in_out nc -N -w 2 "$UPLINK_IP" 8081 || fail "published port of the isolated network"
	assert_file_eq "$T/iso" published
	# the non-isolated network may reach the host
	in_ns "$C1" ping -c1 -W2 172.19.0.1 >/dev/null || fail "network 1 cannot reach its gateway"
	bn down
	FLAGS=("${FLAGS_A[@]}")
}

# Another interface of the host, to a network that routes back to the
# containers: the host reaches it, its containers do not.
test_no_forwarding_to_other_interfaces() {
	world_up_outside
	ip netns add "$P-lan"
	local lan=/run/netns/$P-lan
	trap 'trap - ERR; set +e; ip netns del "$P-lan" 2>/dev/null; world_down' EXIT
	in_host ip link add lan0 type veth peer name eth0 netns "$lan"
	in_host ip addr add 10.99.0.1/24 dev lan0
	in_host ip link set lan0 up
	nsenter --net="$lan" ip link set lo up
	nsenter --net="$lan" ip addr add 10.99.0.2/24 dev eth0
	nsenter --net="$lan" ip link set eth0 up
	nsenter --net="$lan" ip route add 172.19.0.0/16 via 10.99.0.1
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	in_host ping -c1 -W2 10.99.0.2 >/dev/null || fail "the host cannot reach its other network"
	in_ns "$C1" ping -c1 -W1 10.99.0.2 >/dev/null 2>&1 && fail "a container reached another interface's network"
	assert_ge "$(stat_of drop_other_network)" 1 "drops to another network"
	in_ns "$C1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "the outside, by the uplink"
}

test_files_and_dirs_private() {
	world_up
	new_netns; C1=$NEWPID
	hook_up c1 "$C1" '{"bpfnet.ports":"8080:80"}'
	bn port add c1 9090:90
	assert_eq "$(stat -c %a "$T/state")" 700 "state dir mode"
	assert_eq "$(stat -c %a "$T/state/state.json")" 600 "state file mode"
	assert_eq "$(stat -c %a "$T/state/lock")" 600 "lock mode"
	assert_eq "$(stat -c %a "$T/state/ports")" 700 "ports dir mode"
	assert_eq "$(stat -c %a "$T/state/ports/c1")" 600 "ports file mode"
	assert_eq "$(stat -c %a "$T/bpf/bpfnet")" 700 "pin dir mode"
	# dirs that existed with looser modes are made private too
	mkdir -m 0755 "$T/loose-state" "$T/bpf/loose-pins"
	new_netns
	oci_state c9 creating "$NEWPID" | in_host "$BPFNET" hook --state-dir "$T/loose-state" --pin-dir "$T/bpf/loose-pins" --bridge bnbr9 --subnet 172.29.0.0/16 ${CG:+--cgroup "$CG"}
	assert_eq "$(stat -c %a "$T/loose-state")" 700 "existing state dir mode"
	assert_eq "$(stat -c %a "$T/bpf/loose-pins")" 700 "existing pin dir mode"
	in_host "$BPFNET" down --state-dir "$T/loose-state" --pin-dir "$T/bpf/loose-pins" --bridge bnbr9 ${CG:+--cgroup "$CG"}
	# a state dir that is a symlink, or writable by others, is refused
	mkdir -p "$T/real"
	ln -s "$T/real" "$T/link"
	local out rc=0
	new_netns
	out=$(oci_state c2 creating "$NEWPID" | in_host "$BPFNET" hook --state-dir "$T/link" --pin-dir "$T/bpf/bpfnet" --bridge bnbr0 2>&1) || rc=$?
	assert_eq "$rc" 1; assert_contains "$out" "symlink"
	mkdir -m 0777 "$T/open"
	rc=0; out=$(oci_state c2 creating "$NEWPID" | in_host "$BPFNET" hook --state-dir "$T/open" --pin-dir "$T/bpf/bpfnet" --bridge bnbr0 2>&1) || rc=$?
	assert_eq "$rc" 1; assert_contains "$out" "writable by others"
	# no shell, no system(), no popen() in bpfnet
	! grep -rnE '\b(system|popen|execl|execv|execvp|execlp)\s*\(' "$TOP/user" "$TOP/include" || fail "bpfnet runs programs"
}

test_mounts_bpffs_when_missing() {
	world_up
	local d=$T/fresh-bpf	# does not exist: bpfnet creates it and mounts there
	FLAGS=(--state-dir "$T/state" --pin-dir "$d/bpfnet" --bridge bnbr0 ${CG:+--cgroup "$CG"})
	new_netns
	hook_up c1 "$NEWPID"
	assert_eq "$(stat -f -c %T "$d")" bpf_fs "bpffs mounted at the pin dir's parent"
	bn down
	umount "$d"
}

test_500_containers() {
	world_up_outside
	local i pids=() t0 t1
	for i in $(seq 500); do new_netns; pids+=("$NEWPID"); done
	t0=$(date +%s%N)
	for i in $(seq 500); do hook_up "c$i" "${pids[$((i - 1))]}" || fail "set-up $i"; done
	t1=$(date +%s%N)
	echo "FIGURE: 500 sequential set-ups: $(((t1 - t0) / 1000000)) ms"
	assert_eq "$(bn ls -j | jq length)" 500
	assert_consistent
	t0=$(date +%s%N); bn ls >/dev/null; bn stats >/dev/null; t1=$(date +%s%N)
	echo "FIGURE: ls + stats with 500 containers: $(((t1 - t0) / 1000000)) ms"
	[ $(((t1 - t0) / 1000000)) -lt 2000 ] || fail "ls and stats slow with 500 containers"
	in_ns "${pids[499]}" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "the 500th container has no network"
	for i in $(seq 500); do hook_down "c$i"; done
	assert_eq "$(bn ls -j)" "[]"
	assert_eq "$(in_host ip -o link show type veth | count_lines bnv)" 0
}

test_valgrind_clean() {
	command -v valgrind >/dev/null || { echo "valgrind is not installed"; exit 77; }
	world_up_outside
	FLAGS+=(--subnet6 fd19::/64)	# the dual-stack paths too
	new_netns; C1=$NEWPID
	# shellcheck disable=SC2054  # the commas are valgrind's list syntax
	local vg=(valgrind -q --error-exitcode=99 --suppressions="$TOP/tests/valgrind.supp" --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect)
	vgbn() { in_host "${vg[@]}" "$BPFNET" "$@" "${FLAGS[@]}"; }
	oci_state c1 creating "$C1" '{"bpfnet.ports":"8080:80"}' | vgbn hook || fail "valgrind: hook set-up"
	vgbn ls >/dev/null || fail "valgrind: ls"
	vgbn ls -j >/dev/null || fail "valgrind: ls -j"
	vgbn net show -j >/dev/null || fail "valgrind: net show"
	vgbn stats -j >/dev/null || fail "valgrind: stats"
	vgbn port add c1 9090:90 || fail "valgrind: port add"
	vgbn port ls >/dev/null || fail "valgrind: port ls"
	vgbn port del c1 9090:90 || fail "valgrind: port del"
	vgbn gc >/dev/null || fail "valgrind: gc"
	local rc=0
	echo '{"id":' | vgbn hook 2>/dev/null || rc=$?
	assert_eq "$rc" 1 "valgrind: exit code for bad input"
	oci_state c1 stopped | vgbn hook || fail "valgrind: teardown"
	vgbn down || fail "valgrind: down"
}
