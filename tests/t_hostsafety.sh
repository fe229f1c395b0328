#!/usr/bin/env bash
# The hook never harms the host: it leaves the host's own namespace alone,
# never replaces a route, mounts bpffs only where that hides nothing, deletes
# only links it can prove are its own, trusts only a root-owned config, and
# gives back the forwarding settings it changed.
# shellcheck disable=SC2317  # functions are found and called by the runner

# What the host namespace looks like: links, addresses, routes.
host_snapshot() {
	in_host ip -o link | sed 's/^[0-9]*: //'
	in_host ip -4 -o addr	# (IPv6 link-local addresses change state on their own)
	in_host ip route
}

# A process in the test world's host namespace (checked: never the machine's).
host_pid() {
	# nsenter itself (not a shell function) so that $! is the process that
	# enters the namespace, never a subshell left in the machine's
	nsenter --net="$HOSTNS" sleep 3600 &
	PIDS+=($!)
	HOSTPID=$!
	wait_for 5 same_netns_path "$HOSTPID" "$HOSTNS"
}
# (a namespace file under /run/netns is a bind mount, not a link: compare inodes)
same_netns_path() { [ "$(stat -L -c %i /proc/"$1"/ns/net)" = "$(stat -L -c %i "$2")" ]; }

test_host_namespace_left_alone() {
	world_up_outside
	host_pid
	assert_eq "$(stat -L -c %i /proc/"$HOSTPID"/ns/net)" "$(stat -L -c %i "$HOSTNS")" "pid is in the test's host namespace"
	local before out
	before=$(host_snapshot)
	out=$(hook_up h1 "$HOSTPID" 2>&1)
	assert_contains "$out" "its network namespace is the hook's own: leaving it alone"
	assert_eq "$(host_snapshot)" "$before" "host namespace after the hook"
	assert_eq "$(in_host ip route show default)" "default via $OUTSIDE_IP dev up0 " "host default route"
	refute "a record for the host-network container" grep -q h1 "$T/state/state.json"
	hook_down h1
	assert_eq "$(host_snapshot)" "$before" "host namespace after teardown"
}

test_namespace_holding_the_bridge_left_alone() {
	world_up
	new_netns; C1=$NEWPID
	in_ns "$C1" ip link add bnbr0 type bridge
	local out
	out=$(hook_up c1 "$C1" 2>&1)
	assert_contains "$out" "holds the bridge bnbr0: leaving it alone"
	refute "eth0 created" in_ns "$C1" ip link show eth0
}

test_namespace_holding_the_uplink_left_alone() {
	world_up_outside
	new_netns; C1=$NEWPID
	# a namespace with a link that is the uplink (name and MAC)
	in_ns "$C1" ip link add up0 address "$(in_host ip -j link show up0 | jq -r '.[0].address')" type veth peer name up0p
	local out
	out=$(hook_up c1 "$C1" 2>&1)
	assert_contains "$out" "holds the uplink up0: leaving it alone"
	refute "eth0 created" in_ns "$C1" ip link show eth0
	assert_eq "$(bn ls -j)" "[]" "records"
}

test_existing_default_route_never_replaced() {
	world_up
	new_netns; C1=$NEWPID
	in_ns "$C1" ip link add d0 type veth peer name d1	# (no dummy driver here)
	in_ns "$C1" ip addr add 10.99.0.2/24 dev d0
	in_ns "$C1" ip link set d1 up
	in_ns "$C1" ip link set d0 up
	in_ns "$C1" ip route add default via 10.99.0.1
	local out rc=0
	out=$(hook_up c1 "$C1" 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit code"
	assert_contains "$out" "File exists"
	assert_eq "$(in_ns "$C1" ip route show default)" "default via 10.99.0.1 dev d0 " "the container's own route"
	assert_eq "$(bn ls -j)" "[]" "records after the refusal"
	refute "eth0 left behind" in_ns "$C1" ip link show eth0
}

test_bpffs_mounted_only_where_safe() {
	world_up
	new_netns; C1=$NEWPID
	local busy=$T/busy empty=$T/empty out rc
	mkdir -p "$busy" "$empty"
	echo keep >"$busy/file"
	for parent in "$busy" "$empty" "$T"; do
		rc=0
		out=$(oci_state c1 creating "$C1" | in_host "$BPFNET" hook --state-dir "$T/state" --pin-dir "$parent/bpfnet" --bridge bnbr0 2>&1) || rc=$?
		assert_eq "$rc" 1 "exit code for a pin dir under $parent"
		assert_contains "$out" "refusing to mount bpffs on $parent"
		refute "bpffs mounted on $parent" sh -c "[ \"\$(stat -f -c %T '$parent')\" = bpf_fs ]"
	done
	assert_eq "$(cat "$busy/file")" keep "the busy directory's file"
	assert_eq "$(bn ls -j)" "[]" "records after the refusals"
}

# A record naming a link bpfnet did not make: teardown, gc and down keep it.
test_planted_records_never_delete_foreign_links() {
	world_up_outside
	new_netns; C1=$NEWPID
	new_netns; C2=$NEWPID
	hook_up c1 "$C1"
	hook_up c2 "$C2"
	local v2
	v2=$(bn ls -j | jq -r '.[] | select(.id=="c2") | .veth')
	# a foreign veth on our bridge, with a name and an alias that look like ours
	in_host ip link add bnvforeign0 type veth peer name bnvforeign1
	in_host ip link set bnvforeign0 master bnbr0 alias x
	# c1's record now names c2's veth, and c2's the foreign one
	jq --arg v2 "$v2" '.containers |= map(if .id == "c1" then .veth = $v2 elif .id == "c2" then .veth = "bnvforeign0" else . end)' \
		"$T/state/state.json" >"$T/planted"
	cp "$T/planted" "$T/state/state.json"
	hook_down c1
	in_host ip link show "$v2" >/dev/null || fail "teardown of c1 deleted c2's veth"
	hook_down c2
	in_host ip link show bnvforeign0 >/dev/null || fail "teardown of c2 deleted a foreign veth"
	bn gc >/dev/null
	in_host ip link show bnvforeign0 >/dev/null || fail "gc deleted a foreign veth"
	bn down
	in_host ip link show bnvforeign0 >/dev/null || fail "down deleted a foreign veth"
	in_host ip link show up0 >/dev/null || fail "the uplink is gone"
}

test_down_keeps_a_bridge_it_did_not_create() {
	world_up
	in_host ip link add bnbr0 type bridge
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	bn down 2>"$T/down.err"
	in_host ip link show bnbr0 >/dev/null || fail "down deleted a bridge bpfnet did not create"
	assert_contains "$(cat "$T/down.err")" "not deleting bridge bnbr0: bpfnet did not create it"
}

test_every_command_checks_the_state_dir() {
	world_up
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	chmod 0777 "$T/state"
	rm -f "$T/state/lock"
	local cmd out rc
	for cmd in ls "port ls" stats down gc "port add c1 8080:80"; do
		rc=0
		# shellcheck disable=SC2086
		out=$(bn $cmd 2>&1 >/dev/null) || rc=$?
		assert_eq "$rc" 1 "exit code of $cmd"
		assert_contains "$out" "writable by others"
		[ ! -e "$T/state/lock" ] || fail "$cmd created a lock in a world-writable dir"
	done
	chmod 0700 "$T/state"
}

test_config_file_trusted_only_if_root_owned() {
	world_up
	local c=$T/config.json out rc
	echo '{"bridge": "bnbr7"}' >"$c"
	chmod 0644 "$c"
	bn ls --config "$c" >/dev/null	# root-owned, 0644: fine
	for bad in mode owner symlink; do
		rm -f "$c"
		echo '{"bridge": "bnbr7"}' >"$T/real.json"
		chmod 0644 "$T/real.json"
		case $bad in
		mode) cp "$T/real.json" "$c"; chmod 0666 "$c" ;;
		owner) cp "$T/real.json" "$c"; chown 65534 "$c" ;;
		symlink) ln -s "$T/real.json" "$c" ;;
		esac
		rc=0
		out=$(bn ls --config "$c" 2>&1) || rc=$?
		assert_eq "$rc" 2 "exit code for a config with a bad $bad"
		assert_contains "$out" "refusing config $c"
	done
}

test_unusable_settings_refused() {
	world_up_outside
	local row flag val why out rc
	for row in "subnet 127.0.0.0/16 loopback" "subnet 224.1.0.0/16 multicast" \
		"subnet 169.254.0.0/16 link-local" "pin-dir /sys/fs/bpf/../x without" \
		"state-dir /run/../etc without"; do
		read -r flag val why <<<"$row"
		rc=0
		out=$(bn ls "--$flag" "$val" 2>&1) || rc=$?
		assert_eq "$rc" 2 "exit code for --$flag $val"
		assert_contains "$out" "$why"
	done
	# the uplink's own network cannot be the container subnet
	new_netns
	FLAGS+=(--subnet 198.51.100.0/24)
	rc=0
	out=$(hook_up c1 "$NEWPID" 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit code for the uplink's subnet"
	assert_contains "$out" "overlaps the uplink's network (198.51.100.1/24)"
	refute "bridge created for a refused subnet" in_host ip link show bnbr0
	# nor any other network of the host: another interface's, another
	# bpfnet network's bridge
	in_host ip link add lan0 type veth peer name lan1
	in_host ip addr add 10.77.0.1/24 dev lan0
	FLAGS+=(--subnet 10.77.0.0/16)
	rc=0
	out=$(hook_up c1 "$NEWPID" 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit code for another interface's subnet"
	assert_eq "$out" "bpfnet: subnet 10.77.0.0/16 overlaps the network of lan0 (10.77.0.1/24): choose another --subnet"
	FLAGS+=(--subnet 172.19.0.0/16)
	hook_up c1 "$NEWPID"
	net2_flags 172.19.128.0/24
	new_netns
	rc=0
	out=$(hook_up2 c2 "$NEWPID" 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit code for a second network inside the first's subnet"
	assert_eq "$out" "bpfnet: subnet 172.19.128.0/24 overlaps the network of bnbr0 (172.19.0.1/16): choose another --subnet"
	refute "bridge created for a refused second network" in_host ip link show bnbr1
}

# The same for --subnet6: the uplink's IPv6 network, another interface's,
# or a prefix inside one, is refused with one line and nothing made; the
# bridge's own gateway address is no conflict.
test_subnet6_overlap_refused() {
	world_up_outside
	in_host ip -6 addr add 2001:db8:1::1/64 dev up0 nodad
	in_host ip link add lan0 type veth peer name lan1
	in_host ip -6 addr add fd77::1/48 dev lan0 nodad
	new_netns
	local row net want rc out
	for row in "2001:db8:1::/64|the uplink's network (2001:db8:1::1/64)" \
		"2001:db8:1::100/120|the uplink's network (2001:db8:1::1/64)" \
		"fd77:0:0:5::/64|the network of lan0 (fd77::1/48): choose another --subnet6"; do
		net=${row%%|*} want=${row#*|}
		rc=0
		out=$(oci_state c1 creating "$NEWPID" | in_host "$BPFNET" hook "${FLAGS[@]}" --subnet6 "$net" 2>&1) || rc=$?
		assert_eq "$rc" 1 "exit code for --subnet6 $net"
		assert_eq "$out" "bpfnet: subnet6 $net overlaps $want"
		refute "bridge created for a refused subnet6" in_host ip link show bnbr0
		assert_eq "$(bn ls -j)" "[]" "records after --subnet6 $net"
	done
	FLAGS+=(--subnet6 fd19::/64)
	hook_up c1 "$NEWPID"
	hook_down c1
	hook_up c1 "$NEWPID"	# its bridge holds fd19::1/64 now: ours, no conflict
	assert_eq "$(bn ls -j | jq -r '.[0].ip6')" fd19::2 "c1's IPv6 address"
}

test_allowed_host_ports_limit_annotations_only() {
	world_up_outside
	local c=$T/config.json out rc=0
	echo '{"allowedHostPorts": ["8000-8100", 9443]}' >"$c"
	FLAGS+=(--config "$c")
	new_netns; C1=$NEWPID
	out=$(hook_up c1 "$C1" '{"bpfnet.ports":"8080:80,9090:90"}' 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit code for a port outside allowedHostPorts"
	assert_contains "$out" "9090:90/tcp: host port not in allowedHostPorts"
	assert_eq "$(bn ls -j)" "[]" "records after the refusal"
	hook_up c1 "$C1" '{"bpfnet.ports":"8080:80,9443:443"}'
	assert_eq "$(dump_map port_maps | jq length)" 2 "maps inside allowedHostPorts"
	bn port add c1 9090:90	# the CLI is not restricted
	assert_eq "$(dump_map port_maps | jq length)" 3 "maps after port add"
	# an empty list allows no annotation at all
	echo '{"allowedHostPorts": []}' >"$c"
	new_netns
	rc=0
	out=$(hook_up c2 "$NEWPID" '{"bpfnet.ports":"8081:80"}' 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit code with an empty allowedHostPorts"
	assert_contains "$out" "not in allowedHostPorts"
}

test_forwarding_scoped_and_restored() {
	world_up_outside
	in_host sysctl -qw net.ipv4.ip_forward=0
	assert_eq "$(in_host sysctl -n net.ipv4.conf.up0.forwarding)" 0 "uplink forwarding before"
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	assert_eq "$(in_host sysctl -n net.ipv4.ip_forward)" 0 "host-wide forwarding"
	assert_eq "$(in_host sysctl -n net.ipv4.conf.up0.forwarding)" 1 "uplink forwarding"
	assert_eq "$(in_host sysctl -n net.ipv4.conf.bnbr0.forwarding)" 1 "bridge forwarding"
	in_ns "$C1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "no way out with forwarding scoped"
	bn down
	assert_eq "$(in_host sysctl -n net.ipv4.conf.up0.forwarding)" 0 "uplink forwarding after down"
	[ ! -e "$T/state/forwarding" ] || fail "forwarding record left after down"
}

test_gc_rebuild_keeps_published_ports() {
	world_up_outside
	new_netns; C1=$NEWPID
	hook_up c1 "$C1" '{"bpfnet.ports":"8080:80,7000-7001:7000-7001/udp"}'
	rm "$T/state/state.json"
	bn gc >/dev/null
	assert_eq "$(bn port ls -j | jq -r '.[] | "\(.host_port)-\(.host_port_end):\(.container_port)/\(.proto)"' | sort | tr '\n' ' ')" \
		"7000-7001:7000/udp 8080-8080:80/tcp " "ports of the rebuilt record"
	in_ns "$C1" sh -c "timeout 5 nc -nl 172.19.0.2 80 >$T/got" &
	PIDS+=($!)
	wait_listen tcp 80 in_ns "$C1"
	echo rebuilt | in_out nc -N -w 3 "$UPLINK_IP" 8080
	assert_file_eq "$T/got" rebuilt
	hook_down c1
	assert_eq "$(dump_map port_maps | jq length)" 0 "port maps after teardown"
}

test_gc_removes_port_maps_without_owner() {
	world_up_outside
	new_netns; C1=$NEWPID
	hook_up c1 "$C1" '{"bpfnet.ports":"8080:80"}'
	# a record lost by hand: its map entry has no owner any more
	jq '.containers = []' "$T/state/state.json" >"$T/s" && cp "$T/s" "$T/state/state.json"
	local out
	out=$(bn gc)
	assert_contains "$out" "1 port maps"
	assert_eq "$(dump_map port_maps | jq length)" 0 "orphan port maps after gc"
}

test_gc_without_maps_deletes_no_link() {
	world_up_outside
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	local v
	v=$(bn ls -j | jq -r '.[0].veth')
	rm "$T/state/state.json"
	rm -f "$T"/bpf/bpfnet/*
	bn gc >/dev/null 2>"$T/gc.err"
	in_host ip link show "$v" >/dev/null || fail "gc deleted a veth it could not prove stray"
	assert_contains "$(cat "$T/gc.err")" "not deleting $v"
	# nor the next gc, which finds a state file again
	bn gc >/dev/null 2>&1
	in_host ip link show "$v" >/dev/null || fail "a second gc deleted the live container's veth"
	in_ns "$C1" ip link show eth0 >/dev/null || fail "the container lost eth0"
	# and no hook hands out an address while their records are lost
	local out rc=0
	new_netns
	out=$(hook_up c2 "$NEWPID" 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit code of a hook while the state is lost"
	assert_contains "$out" "is lost but 1 containers' links are on bnbr0"
}

test_state_numbers_range_checked() {
	world_up
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	cp "$T/state/state.json" "$T/good"
	local bad out rc
	for bad in '.pid = 1e20' '.pid = -1' '.pid = 1.5' '.netns_ino = -3' '.veth = "up0"'; do
		jq ".containers[0] |= ($bad)" "$T/good" >"$T/state/state.json"
		rc=0
		out=$(bn ls 2>&1) || rc=$?
		assert_eq "$rc" 1 "exit code for a state with $bad"
		assert_contains "$out" "is corrupt"
	done
	rc=0
	out=$(jq '.subnet = "172.19.0.0/99"' "$T/good" >"$T/state/state.json"; bn ls 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit code for a bad prefix"
	cp "$T/good" "$T/state/state.json"
}

test_id_limit_matches_the_kernel() {
	world_up
	new_netns; C1=$NEWPID
	local id254 id255 out rc=0
	id254=$(printf 'a%.0s' $(seq 254))
	id255=${id254}b
	hook_up "$id254" "$C1"
	assert_eq "$(in_host ip -j link show "$(bn ls -j | jq -r '.[0].veth')" | jq -r '.[0].ifalias')" "$id254" "alias of a 254-character id"
	new_netns
	out=$(hook_up "$id255" "$NEWPID" 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit code for a 255-character id"
	assert_contains "$out" "container id is invalid"
	assert_eq "$(bn ls -j | jq length)" 1 "records"
}

test_lock_wait_has_a_deadline() {
	use_testing_build
	world_up
	flock "$T/state/lock" sleep 30 &
	PIDS+=($!)
	wait_for 5 sh -c "! flock -n '$T/state/lock' true"
	local out rc=0 t0=$SECONDS
	out=$(BPFNET_LOCK_WAIT_MS=500 bn ls 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit code while the lock is held"
	assert_contains "$out" "giving up"
	[ $((SECONDS - t0)) -lt 5 ] || fail "waited $((SECONDS - t0)) s for a 0.5 s deadline"
}

test_installed_binary_ignores_fault_injection() {
	world_up
	new_netns; C1=$NEWPID
	BPFNET_FAIL_STEP=2 hook_up c1 "$C1"
	assert_eq "$(ip_of c1)" 172.19.0.2 "set up despite BPFNET_FAIL_STEP"
	refute "the product binary knows the variable" grep -q BPFNET_FAIL_STEP "$BPFNET"
}

# The state file is read and replaced through the checked directory: a
# symlink planted in its place is neither followed nor written through.
test_state_file_symlink_not_followed() {
	world_up
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	echo "do not touch" >"$T/victim"
	rm "$T/state/state.json"
	ln -s "$T/victim" "$T/state/state.json"
	local out rc=0
	out=$(bn ls 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit code with a symlinked state file"
	assert_contains "$out" "Too many levels of symbolic links"
	new_netns
	rc=0
	out=$(hook_up c2 "$NEWPID" 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit code of a hook with a symlinked state file"
	assert_eq "$(cat "$T/victim")" "do not touch" "the symlink's target"
}
