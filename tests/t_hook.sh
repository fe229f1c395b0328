#!/usr/bin/env bash
# The hook in a private host namespace, fed synthetic OCI states for
# processes in fresh namespaces.

two_containers() {
	world_up
	new_netns; C1=$NEWPID
	new_netns; C2=$NEWPID
	hook_up c1 "$C1"
	hook_up c2 "$C2"
}

test_links_addresses_routes() {
	world_up
	new_netns; C1=$NEWPID
	FLAGS+=(--mtu 1400)
	hook_up c1 "$C1"
	local veth
	veth=$(bn ls -j | jq -r '.[0].veth')
	assert_eq "${#veth}" 15 "host-side name length"
	# host side: bridge with the gateway, veth enslaved and up
	assert_eq "$(in_host ip -j addr show bnbr0 | jq -r '.[0].addr_info[] | select(.family=="inet") | "\(.local)/\(.prefixlen)"')" 172.19.0.1/16
	assert_eq "$(in_host ip -j link show "$veth" | jq -r '.[0].master')" bnbr0
	assert_eq "$(in_host ip -j link show "$veth" | jq -r '.[0].operstate')" UP
	assert_eq "$(in_host ip -j link show "$veth" | jq -r '.[0].mtu')" 1400
	# container side: eth0 with address, MAC, MTU, default route; lo up
	local j
	j=$(in_ns "$C1" ip -j addr show eth0)
	assert_eq "$(jq -r '.[0].addr_info[] | select(.family=="inet") | "\(.local)/\(.prefixlen)"' <<<"$j")" 172.19.0.2/16
	assert_eq "$(jq -r '.[0].address' <<<"$j")" 02:42:ac:13:00:02
	assert_eq "$(jq -r '.[0].mtu' <<<"$j")" 1400
	assert_eq "$(in_ns "$C1" ip -j route show default | jq -r '.[0].gateway')" 172.19.0.1
	assert_contains "$(in_ns "$C1" ip -j link show lo | jq -r '.[0].flags[]')" UP
}

test_ping_between_containers_and_gateway() {
	two_containers
	in_ns "$C1" ping -c1 -W2 172.19.0.3 >/dev/null || fail "c1 cannot ping c2"
	in_ns "$C2" ping -c1 -W2 172.19.0.2 >/dev/null || fail "c2 cannot ping c1"
	in_ns "$C1" ping -c1 -W2 172.19.0.1 >/dev/null || fail "c1 cannot ping the gateway"
	in_host ping -c1 -W2 172.19.0.3 >/dev/null || fail "host cannot ping c2"
}

test_teardown_leaves_nothing() {
	two_containers
	local v1
	v1=$(bn ls -j | jq -r '.[] | select(.id=="c1") | .veth')
	hook_down c1
	in_host ip link show "$v1" >/dev/null 2>&1 && fail "veth $v1 still there"
	assert_eq "$(bn ls -j | jq -r '.[].id')" c2
	in_ns "$C1" ip link show eth0 >/dev/null 2>&1 && fail "eth0 still in c1"
	# the address is free again and reused
	new_netns; C3=$NEWPID
	hook_up c3 "$C3"
	assert_eq "$(ip_of c3)" 172.19.0.2
	hook_down c2
	hook_down c3
	assert_eq "$(bn ls -j)" "[]"
	assert_eq "$(in_host ip -o link show type veth | wc -l)" 0 "veths left"
	bn down
	in_host ip link show bnbr0 >/dev/null 2>&1 && fail "bridge left after down"
	[ ! -e "$T/state/state.json" ] || fail "state left after down"
}

test_setup_is_idempotent() {
	two_containers
	local before after
	before=$(bn ls -j; in_host ip -o link; in_ns "$C1" ip -o addr)
	hook_up c1 "$C1"
	after=$(bn ls -j; in_host ip -o link; in_ns "$C1" ip -o addr)
	assert_eq "$after" "$before"
}

test_teardown_unknown_succeeds() {
	world_up
	hook_down never-seen || fail "teardown of an unknown id failed"
	oci_state ghost stopped 999999 | bn hook || fail "teardown with a dead pid failed"
}

test_static_address_annotation() {
	world_up
	new_netns; C1=$NEWPID
	new_netns; C2=$NEWPID
	hook_up c1 "$C1" '{"bpfnet.ip":"172.19.5.5"}'
	assert_eq "$(ip_of c1)" 172.19.5.5
	assert_contains "$(in_ns "$C1" ip -o addr show eth0)" 172.19.5.5/16
	local out
	out=$(hook_up c2 "$C2" '{"bpfnet.ip":"172.19.5.5"}' 2>&1) && fail "duplicate static address accepted"
	assert_contains "$out" "in use by c1"
	out=$(hook_up c2 "$C2" '{"bpfnet.ip":"10.0.0.5"}' 2>&1) && fail "outside address accepted"
	assert_contains "$out" "outside the subnet"
	out=$(hook_up c2 "$C2" '{"bpfnet.ip":"172.19.0.1"}' 2>&1) && fail "gateway accepted"
	assert_eq "$(bn ls -j | jq length)" 1
	refute "eth0 created for a refused container" in_ns "$C2" ip link show eth0
}

test_pool_exhaustion_is_clear() {
	world_up
	FLAGS+=(--subnet 10.77.0.0/30)	# one usable address
	new_netns; C1=$NEWPID
	new_netns; C2=$NEWPID
	hook_up c1 "$C1"
	local out rc=0 before
	before=$(cat "$T/state/state.json")
	out=$(hook_up c2 "$C2" 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit code"
	assert_eq "$(wc -l <<<"$out")" 1 "one line"
	assert_contains "$out" "bpfnet: address pool 10.77.0.0/30 is exhausted"
	assert_eq "$(cat "$T/state/state.json")" "$before" "state changed"
	assert_eq "$(in_host ip -o link show type veth | wc -l)" 1
}

test_dead_pid_is_clear() {
	world_up
	local out rc=0
	out=$(hook_up c1 999999 2>&1) || rc=$?
	assert_eq "$rc" 1
	assert_contains "$out" "container process 999999 does not exist"
	[ ! -s "$T/state/state.json" ] || assert_eq "$(bn ls -j)" "[]"
}

test_failure_undoes_this_run() {
	world_up
	new_netns; C0=$NEWPID
	hook_up c0 "$C0"
	new_netns; C1=$NEWPID
	local step
	for step in 2 3 4 5 6; do
		BPFNET_FAIL_STEP=$step hook_up c1 "$C1" 2>/dev/null && fail "step $step did not fail"
		assert_eq "$(bn ls -j | jq -r '.[].id')" c0 "state after failing step $step"
		assert_eq "$(in_host ip -o link show type veth | wc -l)" 1 "veths after failing step $step"
		in_ns "$C1" ip link show eth0 >/dev/null 2>&1 && fail "eth0 left after step $step"
		in_host ip link show bnbr0 >/dev/null || fail "existing bridge removed at step $step"
	done
	hook_up c1 "$C1"
	assert_eq "$(ip_of c1)" 172.19.0.3
	echo "FIGURE: 5 failure points, each undone"
}

test_failure_removes_bridge_it_created() {
	world_up
	new_netns; C1=$NEWPID
	BPFNET_FAIL_STEP=4 hook_up c1 "$C1" 2>/dev/null && fail "did not fail"
	refute "bridge created by the failed run is left" in_host ip link show bnbr0
}

test_shared_netns_left_alone() {
	world_up
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	# a second "container" whose process lives in c1's namespace
	nsenter --net=/proc/"$C1"/ns/net sleep 3600 &
	local joined=$!
	PIDS+=("$joined")
	# nsenter has joined once the pid's namespace is c1's
	wait_for 5 same_netns "$joined" "$C1"
	hook_up c1-joined "$joined" || fail "hook failed for a shared namespace"
	assert_eq "$(bn ls -j | jq -r '.[].id')" c1
	assert_eq "$(in_ns "$C1" ip -o -4 addr show eth0 | wc -l)" 1
	hook_down c1-joined
	in_ns "$C1" ip link show eth0 >/dev/null || fail "joined teardown removed eth0"
}

test_twenty_hooks_at_once() {
	world_up
	local i pids=()
	for i in $(seq 20); do new_netns; pids+=("$NEWPID"); done
	local jobs=()
	for i in $(seq 20); do hook_up "c$i" "${pids[$((i - 1))]}" & jobs+=($!); done
	for i in "${jobs[@]}"; do wait "$i" || fail "a hook failed"; done
	assert_eq "$(bn ls -j | jq length)" 20 "containers recorded"
	assert_eq "$(bn ls -j | jq -r '.[].ip' | sort -u | wc -l)" 20 "distinct addresses"
	assert_eq "$(in_host ip -o link show master bnbr0 | wc -l)" 20 "veths on the bridge"
	for i in 1 20; do
		local ip
		ip=$(ip_of "c$i")
		assert_contains "$(in_ns "${pids[$((i - 1))]}" ip -o -4 addr show eth0)" "$ip/16"
	done
	in_ns "${pids[0]}" ping -c1 -W2 "$(ip_of c20)" >/dev/null || fail "c1 cannot reach c20"
	jobs=()
	for i in $(seq 20); do hook_down "c$i" & jobs+=($!); done
	for i in "${jobs[@]}"; do wait "$i" || fail "a teardown failed"; done
	assert_eq "$(bn ls -j)" "[]"
	assert_eq "$(in_host ip -o link show type veth | wc -l)" 0
}

test_no_command_means_hook() {
	world_up
	new_netns; C1=$NEWPID
	oci_state c1 created "$C1" | in_host "$BPFNET" "${FLAGS[@]}"
	assert_eq "$(ip_of c1)" 172.19.0.2
}

c2_dead() { [ "$(bn ls -j | jq -r '.[] | select(.id=="c2") | .alive')" = false ]; }

test_ls_shows_liveness() {
	two_containers
	assert_contains "$(bn ls)" "alive"
	kill -9 "$C2"
	wait_for 5 c2_dead
	assert_eq "$(bn ls -j | jq -r '.[] | select(.id=="c2") | .alive')" false
	assert_eq "$(bn ls -j | jq -r '.[] | select(.id=="c1") | .alive')" true
}

test_usage_errors() {
	world_up
	local rc=0
	bn frobnicate 2>/dev/null || rc=$?
	assert_eq "$rc" 2 "unknown command"
	rc=0; bn ls --subnet 1.2.3.4/99 2>/dev/null || rc=$?
	assert_eq "$rc" 2 "bad flag value"
	rc=0; echo '{"id":' | bn hook 2>/dev/null || rc=$?
	assert_eq "$rc" 1 "malformed state"
	assert_eq "$(echo '{"id":' | bn hook 2>&1)" "bpfnet: OCI state is not valid JSON (near byte 6)"
}
