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
	assert_eq "$(in_host ip -j link show bnbr0 | jq -r '.[0].mtu')" 1400 "bridge MTU with --mtu 1400"
	# bpfnet ls: id, address, MAC, host interface, netns alive
	assert_eq "$(bn ls -j | jq -r '.[0] | "\(.id) \(.ip) \(.mac) \(.veth) \(.alive)"')" "c1 172.19.0.2 02:42:ac:13:00:02 $veth true" "ls -j"
	assert_eq "$(bn ls | awk 'NR == 2 {print $1, $2, $3, $4, $5}')" "c1 172.19.0.2 02:42:ac:13:00:02 $veth alive" "ls"
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
	# no uplink (no default route) and no --mtu: 1500
	assert_eq "$(in_ns "$C1" ip -j link show eth0 | jq -r '.[0].mtu')" 1500 "MTU without an uplink"
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
	use_testing_build
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
	use_testing_build
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

# No --uplink, no --mtu: the default route's interface and its MTU; and the
# hook turns IPv4 forwarding on for the bridge and the uplink only.
test_uplink_mtu_forwarding_defaults() {
	world_up_outside
	flags_without --uplink
	in_host ip link set up0 mtu 1450
	in_out ip link set eth0 mtu 1450
	in_host sysctl -qw net.ipv4.ip_forward=0
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	assert_eq "$(in_host sysctl -n net.ipv4.ip_forward)" 0 "host-wide ip_forward after the hook"
	assert_eq "$(in_host sysctl -n net.ipv4.conf.up0.forwarding)" 1 "uplink forwarding after the hook"
	assert_eq "$(in_host sysctl -n net.ipv4.conf.bnbr0.forwarding)" 1 "bridge forwarding after the hook"
	assert_eq "$(dump_map net_config | jq '.[0].value.uplink_ifindex')" "$(in_host ip -j link show up0 | jq '.[0].ifindex')" "uplink in net_config"
	assert_contains "$(in_host tc filter show dev up0 ingress)" uplink_ingress
	assert_contains "$(in_host tc filter show dev up0 egress)" uplink_egress
	local veth
	veth=$(bn ls -j | jq -r '.[0].veth')
	assert_eq "$(in_ns "$C1" ip -j link show eth0 | jq -r '.[0].mtu')" 1450 "container MTU"
	assert_eq "$(in_host ip -j link show "$veth" | jq -r '.[0].mtu')" 1450 "host veth MTU"
	assert_eq "$(in_host ip -j link show bnbr0 | jq -r '.[0].mtu')" 1450 "bridge MTU"
	in_ns "$C1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "no way out through the default uplink"
}

# /etc/bpfnet/config.json is read when it exists: here for one hook, through
# an overlay on /etc in a mount namespace of its own.
test_default_config_file_read() {
	world_up
	new_netns; C1=$NEWPID
	mkdir -p "$T/etc/upper/bpfnet" "$T/etc/work"
	echo '{"subnet": "10.66.0.0/24", "mtu": 1300}' >"$T/etc/upper/bpfnet/config.json"
	# shellcheck disable=SC2016  # the inner shell expands $0 and $@
	oci_state c1 creating "$C1" | in_host unshare -m --propagation private sh -c \
		'mount -t overlay overlay -o lowerdir=/etc,upperdir="$0/upper",workdir="$0/work" /etc && exec "$@"' \
		"$T/etc" "$BPFNET" hook "${FLAGS[@]}"
	assert_eq "$(ip_of c1)" 10.66.0.2 "address from the config file's subnet"
	assert_eq "$(in_ns "$C1" ip -j link show eth0 | jq -r '.[0].mtu')" 1300 "MTU from the config file"
	refute "/etc/bpfnet was made outside the hook's mount namespace" test -e /etc/bpfnet
}

# -v says what the hook did; twice adds libbpf's messages and debug lines.
test_verbose_says_more() {
	world_up
	local out veth
	new_netns
	out=$(oci_state c1 creating "$NEWPID" | bn hook -v 2>&1)
	veth=$(bn ls -j | jq -r '.[0].veth')
	assert_eq "$out" "bpfnet: loaded and pinned the datapath in $T/bpf/bpfnet
bpfnet: container c1: 172.19.0.2 on $veth" "a first set-up with -v"
	new_netns
	out=$(oci_state c2 creating "$NEWPID" | bn hook 2>&1)
	assert_eq "$out" "" "a set-up without -v"
	bn down
	new_netns
	out=$(oci_state c3 creating "$NEWPID" | bn hook -v -v 2>&1)
	assert_ge "$(count_lines '^libbpf: ' <<<"$out")" 10 "libbpf messages of a first set-up with -v -v"
	assert_contains "$out" "bpfnet: container c3: 172.19.0.2 on "
	new_netns
	use_testing_build	# fault injection lives only in the test build
	out=$(oci_state c4 creating "$NEWPID" | BPFNET_FAULT_STEP=2 bn hook -v 2>&1) && fail "fault injection did not kill the hook"
	assert_not_contains "$out" "debug:"
	out=$(oci_state c4 creating "$NEWPID" | BPFNET_FAULT_STEP=2 bn hook -v -v 2>&1) && fail "fault injection did not kill the hook"
	assert_contains "$out" "bpfnet: debug: fault injection: killed at step 2"
	bn gc >/dev/null
}

# No --cgroup: the socket programs go to the root of the cgroup2 hierarchy
# mounted at /sys/fs/cgroup (or /sys/fs/cgroup/unified). Here that root is
# the test's cgroup: the hook runs in a cgroup namespace made inside it,
# with cgroup2 mounted at /sys/fs/cgroup in a mount namespace of its own.
test_cgroup_default_is_the_mounted_root() {
	world_up_outside
	[ -n "${CG:-}" ] || { echo "no cgroup2 here"; exit 77; }
	local flags_cg=("${FLAGS[@]}")
	flags_without --cgroup
	new_netns
	# shellcheck disable=SC2016  # the inner shell expands $@
	oci_state c1 creating "$NEWPID" '{"bpfnet.ports":"8080:80"}' | in_host_cg unshare -C -m --propagation private sh -c \
		'mount -t cgroup2 none /sys/fs/cgroup && exec "$@"' sh "$BPFNET" hook "${FLAGS[@]}"
	assert_eq "$(bpftool cgroup show "$CG" -j | jq -r '[.[] | "\(.attach_type):\(.name)"] | sort | join(" ")')" \
		"cgroup_inet4_connect:sock_connect4 cgroup_inet4_getpeername:sock_getpeername4 cgroup_inet6_connect:sock_connect6 cgroup_inet6_getpeername:sock_getpeername6 cgroup_udp4_recvmsg:sock_recvmsg4 cgroup_udp4_sendmsg:sock_sendmsg4 cgroup_udp6_recvmsg:sock_recvmsg6 cgroup_udp6_sendmsg:sock_sendmsg6" \
		"programs on the cgroup namespace's root"
	assert_eq "$(bpftool cgroup show "$T/cg" | count_lines 'sock_(connect|sendmsg|recvmsg|getpeername)4')" 0 "bpfnet programs on the machine's cgroup2 root"
	FLAGS=("${flags_cg[@]}")	# world_down's bpfnet down detaches them from $CG
}

# What a refused command must leave as it was: the state, the datapath's
# settings, the links and the bridge's MAC, the uplink filters.
net_snapshot() {
	cat "$T/state/state.json"
	dump_map net_config
	in_host ip -o link | awk '{print $2}'
	in_host ip -j link show bnbr0 | jq -r '.[0].address'
	in_host tc filter show dev up0 ingress 2>/dev/null || true
}

# refused RC LINE CMD...: CMD exits RC printing exactly LINE (one line), and
# net_snapshot is unchanged.
refused() {
	local want_rc=$1 line=$2 before out rc=0
	shift 2
	before=$(net_snapshot)
	out=$("$@" 2>&1) || rc=$?
	assert_eq "$rc" "$want_rc" "exit code of: ${*: -2}"
	assert_eq "$out" "$line" "the one line of: ${*: -2}"
	assert_eq "$(net_snapshot)" "$before" "changed by the refused: ${*: -2}"
}

# max_entries of a pinned map of network 1 (or of the pin dir $2).
map_max() { bpftool map show pinned "$T/bpf/${2:-bpfnet}/$1" -j | jq .max_entries; }

# hook_up_with ID PID FLAGS...: a set-up with more flags.
hook_up_with() { local id=$1 pid=$2; shift 2; oci_state "$id" creating "$pid" | bn hook "$@"; }

# The network's settings are recorded by its first container's hook; a hook
# without the flags keeps them (not the defaults), one given another value
# is refused with one line naming both values and 'bpfnet net set', and
# changes nothing.
test_network_settings_recorded() {
	world_up
	local base=("${FLAGS[@]}")
	FLAGS+=(--isolate --snat-ports 20000-29999)
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	local fts
	fts=$(flow_default)
	assert_eq "$(jq -c .network "$T/state/state.json")" '{"isolate":true,"snat_ports":"20000-29999","uplink":"","flow_table_size":'"$fts"',"no_masquerade":""}' "settings in state.json"
	assert_eq "$(bn net show -j)" '{"subnet":"172.19.0.0/16","gateway":"172.19.0.1","isolate":true,"snat_ports":"20000-29999","uplink":"","flow_table_size":'"$fts"',"no_masquerade":[],"subnet6":"","nat6":true,"recorded":true}' "net show -j"
	assert_eq "$(bn net show | awk '{print $1 "=" $2}' | tr '\n' ' ')" "subnet=172.19.0.0/16 isolate=true snat-ports=20000-29999 uplink=(the flow-table-size=$fts no-masquerade=(none) subnet6=(none) nat6=true recorded=yes " "net show"
	# a hook without the flags: the recorded values, not the defaults
	FLAGS=("${base[@]}")
	new_netns; C2=$NEWPID
	hook_up c2 "$C2"
	assert_eq "$(dump_map net_config | jq -c '.[0].value | [.isolate, .port_min, .port_max]')" "[1,20000,29999]" "net_config after a hook without the flags"
	refute "a container of the isolated network pinged the gateway" in_ns "$C2" ping -c1 -W1 172.19.0.1
	# other values given: refused, nothing changed, no eth0 for c3
	new_netns; C3=$NEWPID
	echo '{"isolate": false}' >"$T/config.json"
	refused 1 "bpfnet: isolate false differs from the network's (true): 'bpfnet net set isolate false' changes it" \
		hook_up_with c3 "$C3" --config "$T/config.json"
	refused 1 "bpfnet: snat-ports 30000-39999 differs from the network's (20000-29999): 'bpfnet net set snat-ports 30000-39999' changes it" \
		hook_up_with c3 "$C3" --snat-ports 30000-39999
	refused 1 "bpfnet: uplink up9 differs from the network's (the default route's): 'bpfnet net set uplink up9' changes it" \
		hook_up_with c3 "$C3" --uplink up9
	refused 1 "bpfnet: subnet 10.9.0.0/16 differs from the one in use (172.19.0.0/16) while containers exist" \
		hook_up_with c3 "$C3" --subnet 10.9.0.0/16
	refused 1 "bpfnet: snat-ports 30000-39999 differs from the network's (20000-29999): 'bpfnet net set snat-ports 30000-39999' changes it" \
		bn gc --snat-ports 30000-39999
	refute "eth0 made for a refused hook" in_ns "$C3" ip link show eth0
	# the recorded values given again are no conflict
	hook_up_with c3 "$C3" --isolate --snat-ports 20000-29999
	assert_eq "$(bn ls -j | jq length)" 3 "containers"
}

# bpfnet net set changes one setting for every running container at once,
# in the record and in the datapath; bad keys and values change nothing.
test_net_set_applies() {
	world_up_outside
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	in_ns "$C1" ping -c1 -W2 172.19.0.1 >/dev/null || fail "c1 cannot ping the gateway before isolation"
	bn net set isolate true
	assert_eq "$(dump_map net_config | jq '.[0].value.isolate')" 1 "net_config.isolate after net set isolate true"
	assert_eq "$(jq .network.isolate "$T/state/state.json")" true "isolate in state.json"
	local iso
	iso=$(stat_of drop_isolated)
	refute "c1 pinged the gateway after net set isolate true" in_ns "$C1" ping -c1 -W1 172.19.0.1
	assert_ge "$(stat_of drop_isolated)" $((iso + 1)) "isolation drops"
	in_ns "$C1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "c1 cannot reach the outside when isolated"
	# a later hook without --isolate keeps it
	new_netns; C2=$NEWPID
	hook_up c2 "$C2"
	assert_eq "$(dump_map net_config | jq '.[0].value.isolate')" 1 "net_config.isolate after a hook without --isolate"
	# bad keys and values: one line, nothing changed
	refused 2 "bpfnet: unknown network setting 'frob': subnet, isolate, snat-ports, uplink, flow-table-size, no-masquerade, subnet6 or nat6" bn net set frob 1
	refused 2 "bpfnet: invalid isolate 'maybe': true or false is needed" bn net set isolate maybe
	refused 2 "bpfnet: invalid port range '9-1': MIN-MAX within 1-65535 is needed" bn net set snat-ports 9-1
	refused 1 "bpfnet: failed to find uplink nosuch0: No such device" bn net set uplink nosuch0
	refused 1 "bpfnet: the subnet cannot change while 2 containers exist (their addresses are in it)" bn net set subnet 10.9.0.0/16
	refused 2 "bpfnet: usage: bpfnet net show [-j] | net set KEY VALUE" bn net set isolate
	# the SNAT range
	bn net set snat-ports 40000-40999
	assert_eq "$(dump_map net_config | jq -c '.[0].value | [.port_min, .port_max]')" "[40000,40999]" "net_config SNAT ports"
	# another uplink: the uplink programs move there, masquerade follows
	in_host ip link add up1 type veth peer name eth1 netns "$OUTNS"
	in_host ip addr add 203.0.113.1/24 dev up1
	in_host ip link set up1 up
	in_out ip addr add 203.0.113.2/24 dev eth1
	in_out ip link set eth1 up
	bn net set uplink up1
	flags_without --uplink	# the hooks' flags follow the network, or they are refused
	assert_eq "$(dump_map net_config | jq '.[0].value.uplink_ifindex')" "$(in_host ip -j link show up1 | jq '.[0].ifindex')" "uplink in net_config"
	assert_contains "$(in_host tc filter show dev up1 ingress)" uplink_ingress
	assert_contains "$(in_host tc filter show dev up1 egress)" uplink_egress
	# (up0 keeps an edge filter: its address may have published ports)
	assert_not_contains "$(in_host tc filter show dev up0 ingress)" "uplink_ingress $T/state"
	# forwarding goes with the uplink: the old one's given back
	assert_eq "$(in_host sysctl -n net.ipv4.conf.up1.forwarding)" 1 "forwarding on the new uplink"
	assert_eq "$(in_host sysctl -n net.ipv4.conf.up0.forwarding)" 0 "forwarding on the old uplink"
	in_ns "$C1" ping -c1 -W2 203.0.113.2 >/dev/null || fail "c1 cannot reach the outside through up1"
	assert_eq "$(bn net show -j | jq -r .uplink)" up1 "uplink in net show"
	# back to the default route's, and isolation off
	bn net set uplink ""
	assert_eq "$(dump_map net_config | jq '.[0].value.uplink_ifindex')" "$(in_host ip -j link show up0 | jq '.[0].ifindex')" "uplink in net_config"
	assert_not_contains "$(in_host tc filter show dev up1 ingress)" "uplink_ingress $T/state"
	assert_eq "$(in_host sysctl -n net.ipv4.conf.up1.forwarding)" 0 "forwarding on up1 once it is no uplink"
	assert_eq "$(in_host sysctl -n net.ipv4.conf.up0.forwarding)" 1 "forwarding on up0, the uplink again"
	bn net set isolate false
	in_ns "$C1" ping -c1 -W2 172.19.0.1 >/dev/null || fail "c1 cannot ping the gateway after net set isolate false"
	assert_eq "$(jq -c .network "$T/state/state.json")" '{"isolate":false,"snat_ports":"40000-40999","uplink":"","flow_table_size":'"$(flow_default)"',"no_masquerade":""}' "settings in state.json"
}

# The bridge bpfnet creates has a MAC of its own, from the gateway: it does
# not follow its ports as containers come and go; net set subnet (with no
# container) moves the gateway address and that MAC.
test_bridge_mac_fixed() {
	world_up
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	assert_eq "$(in_host ip -j link show bnbr0 | jq -r '.[0].address')" 06:42:ac:13:00:01 "bridge MAC"
	assert_eq "$(dump_map net_config | jq -c '.[0].value.bridge_mac')" "[6,66,172,19,0,1]" "bridge MAC in net_config"
	in_ns "$C1" ping -c1 -W2 172.19.0.1 >/dev/null || fail "c1 cannot ping the gateway"
	assert_contains "$(in_ns "$C1" ip neigh show 172.19.0.1)" "lladdr 06:42:ac:13:00:01"
	hook_down c1
	new_netns; C2=$NEWPID
	hook_up c2 "$C2"
	assert_eq "$(in_host ip -j link show bnbr0 | jq -r '.[0].address')" 06:42:ac:13:00:01 "bridge MAC after c1 went and c2 came"
	hook_down c2
	bn net set subnet 10.50.0.0/24
	assert_eq "$(in_host ip -j addr show bnbr0 | jq -r '[.[0].addr_info[] | select(.family=="inet") | "\(.local)/\(.prefixlen)"] | join(" ")')" 10.50.0.1/24 "bridge addresses after net set subnet"
	assert_eq "$(in_host ip -j link show bnbr0 | jq -r '.[0].address')" 06:42:0a:32:00:01 "bridge MAC after net set subnet"
	new_netns; C3=$NEWPID
	hook_up c3 "$C3"
	assert_eq "$(ip_of c3)" 10.50.0.2 "address in the new subnet"
	in_ns "$C3" ping -c1 -W2 10.50.0.1 >/dev/null || fail "c3 cannot ping the new gateway"
}

# --flow-table-size N sizes the flow tables when the datapath is loaded
# (the new-flow tables half); the size is the network's: recorded, shown,
# another one given refused with one line, net set refused while loaded.
test_flow_table_size_set() {
	world_up
	FLAGS+=(--flow-table-size 4096)
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	local m
	for m in conntrack rev_nat dnat_ct dnat_rev; do
		assert_eq "$(map_max $m)" 4096 "max_entries of $m"
	done
	for m in ct_new rev_nat_new dnat_ct_new dnat_rev_new; do
		assert_eq "$(map_max $m)" 2048 "max_entries of $m"
	done
	assert_eq "$(map_max port_maps)" 65536 "max_entries of port_maps (not a flow table)"
	assert_eq "$(bn net show -j | jq .flow_table_size)" 4096 "flow_table_size in net show -j"
	assert_contains "$(bn net show)" "flow-table-size 4096"
	assert_eq "$(jq .network.flow_table_size "$T/state/state.json")" 4096 "flow_table_size in state.json"
	assert_eq "$(bn stats -j | jq .tables.conntrack.max_entries)" 4096 "conntrack's max_entries in stats"
	# a hook without the flag keeps it; another value is refused
	flags_without --flow-table-size
	new_netns; C2=$NEWPID
	hook_up c2 "$C2"
	new_netns; C3=$NEWPID
	refused 1 "bpfnet: flow-table-size 8192 differs from the network's (4096): 'bpfnet net set flow-table-size 8192' changes it" \
		hook_up_with c3 "$C3" --flow-table-size 8192
	echo '{"flow_table_size": 8192}' >"$T/config.json"
	refused 1 "bpfnet: flow-table-size 8192 differs from the network's (4096): 'bpfnet net set flow-table-size 8192' changes it" \
		hook_up_with c3 "$C3" --config "$T/config.json"
	refused 1 "bpfnet: the flow tables' size cannot change while the datapath is loaded (bpfnet down, or before the first container)" \
		bn net set flow-table-size 8192
	refused 2 "bpfnet: invalid flow-table-size '100': a number from 1024 to 16777216 is needed" bn net set flow-table-size 100
	refused 2 "bpfnet: invalid flow-table-size 'abc': a number from 1024 to 16777216 is needed" bn net set flow-table-size abc
	refused 2 "bpfnet: invalid flow-table-size '0': a number from 1024 to 16777216 is needed" hook_up_with c3 "$C3" --flow-table-size 0
	assert_eq "$(map_max conntrack)" 4096 "conntrack after the refusals"
	# with no datapath, net set takes it and the next hook loads that size
	bn down >/dev/null
	bn net set flow-table-size 8192
	new_netns; C4=$NEWPID
	hook_up c4 "$C4"
	assert_eq "$(map_max conntrack)" 8192 "conntrack after net set flow-table-size 8192"
	assert_eq "$(map_max ct_new)" 4096 "ct_new after net set flow-table-size 8192"
	assert_eq "$(bn net show -j | jq .flow_table_size)" 8192 "flow_table_size in net show -j after net set"
}

# Without the flag the size follows the host's memory.
test_flow_table_size_default() {
	world_up
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	local want
	want=$(flow_default)
	assert_eq "$(map_max conntrack)" "$want" "conntrack max_entries (MemTotal $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) kB)"
	assert_eq "$(map_max rev_nat_new)" $((want / 2)) "rev_nat_new max_entries"
	assert_eq "$(bn net show -j | jq .flow_table_size)" "$want" "flow_table_size in net show -j"
}

# peer_id PINDIR TABLE: the id of the map in slot 0 of a peer table (no BTF
# for a map of maps: bpftool prints the id as bytes, little-endian).
peer_id() {
	printf '%d' "0x$(bpftool map dump pinned "$T/bpf/$1/$2" -j | jq -r '.[0].value | reverse | map(ltrimstr("0x")) | join("")')"
}

# Two networks on one uplink with flow tables of different sizes still list
# each other's flow tables in their peer tables (Linux 5.10 and later take
# an inner hash map of any size), and no hook warns.
test_flow_table_sizes_differ_on_one_uplink() {
	world_up_outside
	FLAGS+=(--flow-table-size 4096)
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	net2_flags 172.20.0.0/16
	FLAGS2+=(--flow-table-size 8192)	# the last one wins
	new_netns; C2=$NEWPID
	local out
	out=$(hook_up2 c2 "$C2" 2>&1) || fail "network 2's hook: $out"
	assert_not_contains "$out" "refused"
	assert_eq "$(map_max rev_nat bpfnet2)" 8192 "network 2's rev_nat max_entries"
	assert_eq "$(map_max rev_nat)" 4096 "network 1's rev_nat max_entries"
	local rn1 rn2
	rn1=$(bpftool map show pinned "$T/bpf/bpfnet/rev_nat" -j | jq .id)
	rn2=$(bpftool map show pinned "$T/bpf/bpfnet2/rev_nat" -j | jq .id)
	assert_eq "$(dump_map peer_rev_nat | jq length)" 1 "network 1's peer_rev_nat entries"
	assert_eq "$(peer_id bpfnet peer_rev_nat)" "$rn2" "network 1's peer_rev_nat: network 2's rev_nat"
	assert_eq "$(peer_id bpfnet2 peer_rev_nat)" "$rn1" "network 2's peer_rev_nat: network 1's rev_nat"
	assert_eq "$(dump_map peer_rnat_new | jq length)" 1 "network 1's peer_rnat_new entries"
	in_ns "$C1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "network 1 cannot reach the outside"
	in_ns "$C2" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "network 2 cannot reach the outside"
}

# --- dual stack (--subnet6): the control plane, what the hook configured.
# IPv6 traffic: t_edges/ipv6_*, t_nat/dual_stack_*.

# endpoints6's keys, sorted; the keys ADDR... would make, sorted.
ep6_keys() { dump_map endpoints6 | jq -c '[.[].key.a] | sort'; }
ep6_keys_of() { local a; for a; do in6_words "$a"; done | jq -sc sort; }

# The IPv6 addresses of DEV, one "addr/len flags" line each (global scope).
addrs6() { # nsenter-prefix... DEV
	local dev=${*: -1}
	"${@:1:$#-1}" ip -j -6 addr show dev "$dev" scope global | jq -r '.[0].addr_info[]? | select(.local) |
		"\(.local)/\(.prefixlen) tentative=\(.tentative // false) dadfailed=\(.dadfailed // false)"'
}

test_dual_stack_links_routes_neighbours() {
	world_up_outside
	in_host ip addr add 2001:db8:1::1/64 dev up0 nodad
	in_host sysctl -qw net.ipv6.conf.all.forwarding=0
	in_host sysctl -qw net.ipv6.conf.up0.forwarding=0
	FLAGS+=(--subnet6 fd19::/64)
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	local veth brmac vidx j
	veth=$(bn ls -j | jq -r '.[0].veth')
	brmac=$(in_host ip -j link show bnbr0 | jq -r '.[0].address')
	vidx=$(in_host ip -j link show "$veth" | jq '.[0].ifindex')
	# the bridge: the gateway, no DAD, and IPv6 forwarding on it alone
	assert_eq "$(addrs6 in_host bnbr0)" "fd19::1/64 tentative=false dadfailed=false" "bridge IPv6"
	assert_contains "$(in_host ip -6 addr show dev bnbr0)" "nodad"
	assert_eq "$(in_host sysctl -n net.ipv6.conf.bnbr0.forwarding)" 1 "bridge IPv6 forwarding"
	assert_eq "$(in_host sysctl -n net.ipv6.conf.all.forwarding)" 0 "host-wide IPv6 forwarding untouched"
	assert_eq "$(in_host sysctl -n net.ipv6.conf.up0.forwarding)" 0 "uplink IPv6 forwarding untouched"
	# the container: its address usable at once, the default route, no RAs
	assert_eq "$(addrs6 in_ns "$C1" eth0)" "fd19::2/64 tentative=false dadfailed=false" "container IPv6"
	j=$(in_ns "$C1" ip -j -6 route show default)
	assert_eq "$(jq -r '.[0] | "\(.gateway) \(.dev)"' <<<"$j")" "fd19::1 eth0" "IPv6 default route"
	assert_eq "$(in_ns "$C1" sysctl -n net.ipv6.conf.eth0.accept_ra)" 0 accept_ra
	assert_eq "$(in_ns "$C1" sysctl -n net.ipv6.conf.eth0.accept_dad)" 0 accept_dad
	# neighbour discovery answered before it is asked: static entries both ways
	j=$(in_ns "$C1" ip -j -6 neigh show fd19::1 dev eth0)
	assert_eq "$(jq -r '.[0] | "\(.lladdr) \(.state | join(","))"' <<<"$j")" "$brmac PERMANENT" "gateway neighbour"
	j=$(in_host ip -j -6 neigh show fd19::2 dev bnbr0)
	assert_eq "$(jq -r '.[0] | "\(.lladdr) \(.state | join(","))"' <<<"$j")" "02:42:ac:13:00:02 PERMANENT" "container neighbour"
	# the datapath's maps
	# endpoints6: its address and its link-local one (the EUI-64 of its
	# MAC, which the container's kernel gives eth0 under addr_gen_mode 0)
	assert_eq "$(in_ns "$C1" sysctl -n net.ipv6.conf.eth0.addr_gen_mode)" 0 addr_gen_mode
	assert_contains "$(in_ns "$C1" ip -6 addr show dev eth0 scope link)" "inet6 fe80::42:acff:fe13:2/64"
	assert_eq "$(ep6_keys)" "$(ep6_keys_of fd19::2 fe80::42:acff:fe13:2)" "endpoints6 keys"
	j=$(dump_map endpoints6)
	assert_eq "$(jq -c '[.[].value.mac] | unique' <<<"$j")" "[[2,66,172,19,0,2]]" "endpoints6 MAC"
	assert_eq "$(jq -c '[.[].value.host_ifindex] | unique' <<<"$j")" "[$vidx]" "endpoints6 host veth"
	j=$(dump_map net_config6)
	assert_eq "$(jq -c '.[0].value | [.enabled, .nat6, .prefix_len]' <<<"$j")" "[1,1,64]" "net_config6"
	assert_eq "$(jq -c '.[0].value.subnet.a' <<<"$j")" "$(in6_words fd19::)" "net_config6 subnet"
	assert_eq "$(jq -c '.[0].value.gateway.a' <<<"$j")" "$(in6_words fd19::1)" "net_config6 gateway"
	assert_eq "$(jq -c '.[0].value.uplink_addr.a' <<<"$j")" "$(in6_words 2001:db8:1::1)" "net_config6 uplink address"
	# what ls and the state say
	assert_eq "$(bn ls -j | jq -r '.[0].ip6')" fd19::2 "ls -j"
	assert_eq "$(bn ls | awk 'NR == 1 {print $3} NR == 2 {print $3}' | paste -sd' ')" "ADDRESS6 fd19::2" "ls"
	assert_eq "$(jq -r '.containers[0].ip6' "$T/state/state.json")" fd19::2 "state record"
	assert_eq "$(bn net show -j | jq -r '"\(.subnet6) \(.nat6)"')" "fd19::/64 true" "net show"
}

test_dual_stack_teardown_leaves_nothing() {
	world_up_outside
	FLAGS+=(--subnet6 fd19::/64)
	new_netns; C1=$NEWPID
	new_netns; C2=$NEWPID
	hook_up c1 "$C1"
	hook_up c2 "$C2"
	assert_eq "$(bn ls -j | jq -r '[.[].ip6] | join(" ")')" "fd19::2 fd19::3" "two IPv6 addresses"
	hook_down c1
	assert_eq "$(in_host ip -6 neigh show fd19::2 dev bnbr0)" "" "host neighbour of c1 after teardown"
	assert_eq "$(ep6_keys)" "$(ep6_keys_of fd19::3 fe80::42:acff:fe13:3)" "endpoints6 after teardown"
	# released: the next container takes ::2 again
	new_netns; C3=$NEWPID
	hook_up c3 "$C3"
	assert_eq "$(bn ls -j | jq -r '.[] | select(.id=="c3") | .ip6')" fd19::2 "address reused"
	hook_down c2
	hook_down c3
	assert_eq "$(in_host ip -6 neigh show dev bnbr0 nud permanent)" "" "host neighbours left"
	assert_eq "$(dump_map endpoints6 | jq length)" 0 "endpoints6 entries left"
	bn down
	[ ! -e "$T/state/forwarding6" ] || fail "IPv6 forwarding record left after down"
}

# A bridge bpfnet did not create keeps living after down: its IPv6
# forwarding is given back as it was.
test_dual_stack_bridge_forwarding_restored() {
	world_up_outside
	in_host ip link add bnbr0 type bridge
	in_host sysctl -qw net.ipv6.conf.bnbr0.forwarding=0
	FLAGS+=(--subnet6 fd19::/64)
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	assert_eq "$(in_host sysctl -n net.ipv6.conf.bnbr0.forwarding)" 1 "bridge IPv6 forwarding after the hook"
	assert_eq "$(cat "$T/state/forwarding6")" "bnbr0 0" "the record of what it was"
	hook_down c1
	bn down
	assert_eq "$(in_host sysctl -n net.ipv6.conf.bnbr0.forwarding)" 0 "bridge IPv6 forwarding after down"
}

test_dual_stack_static_annotation() {
	world_up
	FLAGS+=(--subnet6 fd19::/64)
	new_netns; C1=$NEWPID
	new_netns; C2=$NEWPID
	hook_up c1 "$C1" '{"bpfnet.ip6":"fd19::50"}'
	assert_eq "$(bn ls -j | jq -r '.[0].ip6')" fd19::50
	assert_eq "$(addrs6 in_ns "$C1" eth0)" "fd19::50/64 tentative=false dadfailed=false"
	local out rc before ann want
	before=$(cat "$T/state/state.json")
	for ann in 'fd19::50|bpfnet: bpfnet.ip6 fd19::50 is in use by c1' \
		'fd19::1|bpfnet: bpfnet.ip6 fd19::1 is the gateway address of fd19::/64' \
		'fd20::5|bpfnet: bpfnet.ip6 fd20::5 is outside the subnet6 fd19::/64' \
		'172.19.9.9|bpfnet: bpfnet.ip6 '"'"'172.19.9.9'"'"' is not an IPv6 address'; do
		want=${ann#*|}
		rc=0
		out=$(hook_up c2 "$C2" "{\"bpfnet.ip6\":\"${ann%%|*}\"}" 2>&1) || rc=$?
		assert_eq "$rc" 1 "exit code for ${ann%%|*}"
		assert_eq "$out" "$want" "the one line for ${ann%%|*}"
		assert_eq "$(cat "$T/state/state.json")" "$before" "state after ${ann%%|*}"
		refute "eth0 created for a refused container" in_ns "$C2" ip link show eth0
	done
	assert_eq "$(in_host ip -o link show type veth | wc -l)" 1 "veths"
}

# A full IPv6 pool (a /120 whose 254 addresses records hold): one line,
# nothing made, the state as it was.
test_dual_stack_pool_exhausted() {
	world_up
	FLAGS+=(--subnet6 fd19::100/120)
	local recs i
	recs=$(for i in $(seq 2 255); do
		printf '{"id":"held%d","ip":"172.19.1.%d","ip6":"fd19::1%02x","mac":"02:00:00:00:01:%02x","veth":"bnv00000000%04d","pid":0,"netns_ino":0,"ready":false}\n' \
			"$i" "$i" "$i" "$i" "$i"
	done | jq -s .)
	jq -n --argjson c "$recs" '{version: 1, subnet: "172.19.0.0/16",
		network: {isolate: false, snat_ports: "1024-65535", uplink: "", flow_table_size: 16384,
			  no_masquerade: "", subnet6: "fd19::100/120", nat6: true},
		port_addrs: [], containers: $c}' >"$T/state/state.json"
	chmod 600 "$T/state/state.json"
	assert_eq "$(bn ls -j | jq length)" 254 "records held"
	local out rc=0 before
	before=$(cat "$T/state/state.json")
	new_netns; C1=$NEWPID
	out=$(hook_up c1 "$C1" 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit code"
	assert_eq "$out" "bpfnet: IPv6 address pool fd19::100/120 is exhausted" "the one line"
	assert_eq "$(cat "$T/state/state.json")" "$before" "state changed"
	assert_eq "$(in_host ip -o link show type veth | wc -l)" 0 "veths"
	refute "eth0 created" in_ns "$C1" ip link show eth0
}

test_dual_stack_bad_subnet6() {
	world_up
	new_netns; C1=$NEWPID
	local out rc v
	for v in fd19::/63 fd19::/121 fd19::1/64 banana fe80::/64; do
		rc=0
		out=$(oci_state c1 creating "$C1" | in_host "$BPFNET" hook "${FLAGS[@]}" --subnet6 "$v" 2>&1) || rc=$?
		assert_eq "$rc" 2 "exit code for --subnet6 $v"
		assert_eq "$(wc -l <<<"$out")" 1 "one line for --subnet6 $v"
		assert_contains "$out" "bpfnet: invalid subnet6 '$v': "
	done
	hook_down c1
	assert_eq "$(in_host ip -o link show type veth | wc -l)" 0 "veths"
	# a network recorded without IPv6 refuses a hook asking for it
	hook_up c1 "$C1"
	new_netns; C2=$NEWPID
	rc=0
	out=$(oci_state c2 creating "$C2" | in_host "$BPFNET" hook "${FLAGS[@]}" --subnet6 fd19::/64 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit code for a differing subnet6"
	assert_eq "$out" "bpfnet: subnet6 fd19::/64 differs from the one in use (none) while containers exist"
}

# A set-up failing at any step leaves no IPv6 trace either.
test_dual_stack_failure_undoes_this_run() {
	use_testing_build
	world_up
	FLAGS+=(--subnet6 fd19::/64)
	new_netns; C0=$NEWPID
	hook_up c0 "$C0"
	new_netns; C1=$NEWPID
	local step
	for step in 2 3 4 5 6; do
		BPFNET_FAIL_STEP=$step hook_up c1 "$C1" 2>/dev/null && fail "step $step did not fail"
		assert_eq "$(bn ls -j | jq -r '.[].id')" c0 "state after failing step $step"
		assert_eq "$(in_host ip -6 neigh show fd19::3 dev bnbr0)" "" "host neighbour after step $step"
		assert_eq "$(ep6_keys)" "$(ep6_keys_of fd19::2 fe80::42:acff:fe13:2)" "endpoints6 after step $step"
		in_ns "$C1" ip link show eth0 >/dev/null 2>&1 && fail "eth0 left after step $step"
	done
	hook_up c1 "$C1"
	assert_eq "$(bn ls -j | jq -r '.[] | select(.id=="c1") | .ip6')" fd19::3
}

# net set nat6 rewrites net_config6 at once; net set subnet6 moves the
# bridge's IPv6 gateway, only while no container exists; "" takes it away.
test_dual_stack_net_set() {
	world_up
	FLAGS+=(--subnet6 fd19::/64)
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	flags_without --subnet6
	bn net set nat6 false
	assert_eq "$(dump_map net_config6 | jq '.[0].value.nat6')" 0 "net_config6.nat6 after net set"
	assert_eq "$(bn net show -j | jq .nat6)" false "net show"
	local out rc=0
	out=$(bn net set subnet6 fd1a::/64 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit code with a container"
	assert_eq "$out" "bpfnet: the subnet6 cannot change while 1 containers exist (their addresses are in it)"
	rc=0
	out=$(bn net set subnet6 fd1a::/63 2>&1) || rc=$?
	assert_eq "$rc" 2 "exit code for a bad prefix"
	assert_eq "$out" "bpfnet: invalid subnet6 'fd1a::/63': a prefix from /64 to /120 is needed"
	hook_down c1
	bn net set subnet6 fd1a::/64
	assert_eq "$(addrs6 in_host bnbr0)" "fd1a::1/64 tentative=false dadfailed=false" "bridge after net set subnet6"
	assert_eq "$(dump_map net_config6 | jq -c '.[0].value.gateway.a')" "$(in6_words fd1a::1)" "net_config6 gateway"
	bn net set subnet6 ""
	assert_eq "$(addrs6 in_host bnbr0)" "" "bridge after net set subnet6 \"\""
	assert_eq "$(dump_map net_config6 | jq '.[0].value.enabled')" 0 "net_config6 disabled"
	hook_up c1 "$C1"
	assert_eq "$(bn ls -j | jq -r '.[0].ip6 // "none"')" none "a container of an IPv4-only network"
}

# gc releases a dead container's IPv6 address like its IPv4 one (record,
# endpoints6 entry, host neighbour), and a state rebuilt from the kernel
# takes each container's IPv6 address back from endpoints6.
test_dual_stack_gc() {
	world_up
	FLAGS+=(--subnet6 fd19::/64)
	new_netns; C1=$NEWPID
	new_netns; C2=$NEWPID
	hook_up c1 "$C1"
	hook_up c2 "$C2"
	local v1
	v1=$(bn ls -j | jq -r '.[] | select(.id=="c1") | .veth')
	kill "$C1"
	wait_for 5 sh -c "! nsenter --net=$HOSTNS ip link show $v1"
	bn gc >/dev/null
	assert_eq "$(bn ls -j | jq -r '[.[] | "\(.id)=\(.ip6)"] | join(" ")')" "c2=fd19::3" "records after gc"
	assert_eq "$(ep6_keys)" "$(ep6_keys_of fd19::3 fe80::42:acff:fe13:3)" "endpoints6 after gc"
	assert_eq "$(in_host ip -6 neigh show fd19::2 dev bnbr0)" "" "host neighbour of c1 after gc"
	# a corrupt state: rebuilt from the links and the maps, IPv6 included
	head -c 40 "$T/state/state.json" >"$T/state/state.json.tmp"
	mv "$T/state/state.json.tmp" "$T/state/state.json"
	bn gc >/dev/null 2>&1
	assert_eq "$(bn ls -j | jq -r '[.[] | "\(.id)=\(.ip6)"] | join(" ")')" "c2=fd19::3" "records rebuilt by gc"
	assert_eq "$(ep6_keys)" "$(ep6_keys_of fd19::3 fe80::42:acff:fe13:3)" "endpoints6 after the rebuild"
	new_netns; C3=$NEWPID
	hook_up c3 "$C3"
	assert_eq "$(bn ls -j | jq -r '.[] | select(.id=="c3") | .ip6')" fd19::2 "the next address skips the rebuilt one"
}
