#!/usr/bin/env bash
# Published ports with real traffic: outside -> host port, hairpin from
# containers, host processes (cgroup socket programs), live add/del.

pm_world() { # annotations for c1 (PM_SUBNET6: the network's --subnet6)
	world_up_outside
	[ -z "${PM_SUBNET6:-}" ] || FLAGS+=(--subnet6 "$PM_SUBNET6")
	cgroup_up
	new_netns; C1=$NEWPID
	new_netns; C2=$NEWPID
	hook_up c1 "$C1" "${1:-"{}"}"
	hook_up c2 "$C2"
}

# A one-shot TCP server in a namespace: srv_tcp PID ADDR PORT OUTFILE
srv_tcp() {
	in_ns "$1" timeout 10 nc -nlv "$2" "$3" >"$4" 2>"$4.peer" &
	PIDS+=($!)
	wait_listen tcp "$3" in_ns "$1"
}

# A UDP echo-once server: srv_udp PID ADDR PORT OUTFILE REPLY
srv_udp() {
	(sleep 1; echo "$5") | in_ns "$1" timeout 6 nc -n -u -lv "$2" "$3" >"$4" 2>"$4.peer" &
	PIDS+=($!)
	wait_listen udp "$3" in_ns "$1"
}

test_outside_to_published_tcp_and_udp() {
	pm_world '{"bpfnet.ports":"8080:80/tcp,5353:53/udp"}'
	srv_tcp "$C1" 172.19.0.2 80 "$T/tcp"
	echo "over tcp" | in_out nc -N -w 3 "$UPLINK_IP" 8080 || fail "tcp connect to the published port failed"
	assert_file_eq "$T/tcp" "over tcp"
	assert_contains "$(cat "$T/tcp.peer")" "Connection received on $OUTSIDE_IP"
	srv_udp "$C1" 172.19.0.2 53 "$T/udp" "answer"
	# the reply must come from the host address and port, or nc would not take it
	assert_eq "$(echo question | in_out timeout 5 nc -u -w 2 "$UPLINK_IP" 5353)" answer
	assert_eq "$(cat "$T/udp")" question
}

test_replies_come_from_host_port() {
	pm_world '{"bpfnet.ports":"8080:80"}'
	in_ns "$C1" sh -c "timeout 10 nc -nl 172.19.0.2 80 </dev/null >/dev/null" &
	PIDS+=($!)
	wait_listen tcp 80 in_ns "$C1"
	(sleep 1.5) | in_out nc -w 3 "$UPLINK_IP" 8080 &
	local client=$!
	wait_for 5 sh -c "nsenter --net=$OUTNS ss -Htn state established '( dport = :8080 )' | grep -q ."
	local conn
	conn=$(in_out ss -tn state established "( dport = :8080 )" | awk 'NR>1 {print $4}')
	assert_eq "$conn" "$UPLINK_IP:8080" "peer seen by the outside client"
	wait "$client"
}

test_hairpin_from_other_and_same_container() {
	pm_world '{"bpfnet.ports":"8080:80,5353:53/udp"}'
	srv_tcp "$C1" 172.19.0.2 80 "$T/a"
	echo "from c2" | in_ns "$C2" nc -N -w 3 "$UPLINK_IP" 8080 || fail "c2 -> uplink:8080 failed"
	assert_file_eq "$T/a" "from c2"
	assert_contains "$(cat "$T/a.peer")" "Connection received on 172.19.0.3"
	srv_tcp "$C1" 172.19.0.2 80 "$T/b"
	echo "via gateway" | in_ns "$C2" nc -N -w 3 172.19.0.1 8080 || fail "c2 -> gateway:8080 failed"
	assert_file_eq "$T/b" "via gateway"
	srv_tcp "$C1" 172.19.0.2 80 "$T/c"
	echo "to myself" | in_ns "$C1" nc -N -w 3 "$UPLINK_IP" 8080 || fail "c1 -> its own published port failed"
	assert_file_eq "$T/c" "to myself"
	srv_udp "$C1" 172.19.0.2 53 "$T/u" "udp-answer"
	assert_eq "$(echo q | in_ns "$C2" timeout 5 nc -u -w 2 "$UPLINK_IP" 5353)" udp-answer
	assert_ge "$(stat_of hairpin)" 3 "hairpin not counted"
}

test_host_processes_reach_published_ports() {
	pm_world '{"bpfnet.ports":"8080:80,127.0.0.1:9000:90/tcp,5353:53/udp"}'
	srv_tcp "$C1" 172.19.0.2 80 "$T/a"
	echo "host via uplink" | in_host_cg nc -N -w 3 "$UPLINK_IP" 8080 || fail "host -> uplink:8080 failed"
	assert_file_eq "$T/a" "host via uplink"
	srv_tcp "$C1" 172.19.0.2 80 "$T/b"
	echo "host via localhost" | in_host_cg nc -N -w 3 127.0.0.1 8080 || fail "host -> 127.0.0.1:8080 failed"
	assert_file_eq "$T/b" "host via localhost"
	srv_tcp "$C1" 172.19.0.2 90 "$T/c"
	echo "loopback-only map" | in_host_cg nc -N -w 3 127.0.0.1 9000 || fail "host -> 127.0.0.1:9000 failed"
	assert_file_eq "$T/c" "loopback-only map"
	# the loopback-only map is not reachable from outside
	in_out nc -z -w 2 "$UPLINK_IP" 9000 2>/dev/null && fail "127.0.0.1-only map reachable from outside"
	srv_udp "$C1" 172.19.0.2 53 "$T/u" "udp-to-host"
	# recvmsg must report the address that was dialled, or nc drops the reply
	assert_eq "$(echo q | in_host_cg timeout 5 nc -u -w 2 127.0.0.1 5353)" udp-to-host
	assert_ge "$(stat_of host_socket_redirects)" 3 "socket redirects not counted"
	# getpeername reports the address that was dialled too
	srv_tcp "$C1" 172.19.0.2 80 "$T/d"
	# shellcheck disable=SC2016  # perl's variables
	assert_eq "$(in_host_cg perl -MSocket -e '
		socket(my $s, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
		connect($s, pack_sockaddr_in(8080, inet_aton("127.0.0.1"))) or die "connect: $!";
		my ($port, $addr) = unpack_sockaddr_in(getpeername($s));
		print inet_ntoa($addr), ":", $port, "\n";
		send($s, "getpeername asked\n", 0);')" "127.0.0.1:8080" "getpeername of a socket connected to 127.0.0.1:8080"
	assert_file_eq "$T/d" "getpeername asked"
	# the programs act only on sockets of bpfnet's host namespace: in a
	# container's namespace (same cgroup), 127.0.0.1:8080 is its own
	local redirects
	redirects=$(stat_of host_socket_redirects)
	srv_tcp "$C1" 172.19.0.2 80 "$T/e"
	in_ns "$C2" timeout 10 nc -nl 127.0.0.1 8080 >"$T/own" &
	PIDS+=($!)
	wait_listen tcp 8080 in_ns "$C2"
	echo "to its own loopback" | in_ns_cg "$C2" nc -N -w 3 127.0.0.1 8080 || fail "c2 -> its own 127.0.0.1:8080 failed"
	assert_file_eq "$T/own" "to its own loopback"
	assert_eq "$(stat_of host_socket_redirects)" "$redirects" "socket redirects in another namespace"
}

# an endpoint's flags (BPFNET_EP_PUBLISHED is 1); bpftool prints the __be32
# key as the number its bytes make on this (little-endian) machine
ep_flags() { # ADDR
	local a b c d
	IFS=. read -r a b c d <<<"$1"
	dump_map endpoints | jq -r --argjson k $(( (d << 24) | (c << 16) | (b << 8) | a )) '.[] | select(.key == $k) | .value.flags'
}

test_live_add_and_del() {
	pm_world
	srv_tcp "$C2" 172.19.0.3 80 "$T/keep"
	# a container no port map names is no published port's replier: the
	# datapath skips that lookup for its packets until its first map
	assert_eq "$(ep_flags 172.19.0.2)" 0 "c1's endpoint flags, no port published"
	bn port add c2 7070:80
	bn port add c1 6060:60
	assert_eq "$(ep_flags 172.19.0.2)" 1 "c1's endpoint flags, a port published (BPFNET_EP_PUBLISHED)"
	srv_tcp "$C1" 172.19.0.2 60 "$T/new"
	echo "added live" | in_out nc -N -w 3 "$UPLINK_IP" 6060 || fail "new map not live"
	assert_file_eq "$T/new" "added live"
	bn port del c1 6060:60
	in_out nc -z -w 2 "$UPLINK_IP" 6060 2>/dev/null && fail "removed map still answers"
	# the other container's map kept working all along
	echo "still here" | in_out nc -N -w 3 "$UPLINK_IP" 7070 || fail "other map disturbed"
	assert_file_eq "$T/keep" "still here"
	assert_eq "$(bn port ls -j | jq -r '.[] | "\(.id) \(.host_port)"')" "c2 7070"
}

test_ranges() {
	pm_world '{"bpfnet.ports":"7000-7002:8000-8002,127.0.0.1:9000:90/udp"}'
	local i
	for i in 0 2; do
		srv_tcp "$C1" 172.19.0.2 $((8000 + i)) "$T/r$i"
		echo "port $i" | in_out nc -N -w 3 "$UPLINK_IP" $((7000 + i)) || fail "range port $i"
		assert_file_eq "$T/r$i" "port $i"
	done
	# port ls: host address and port(s), container address and port(s), protocol
	assert_eq "$(bn port ls -j | jq -c '[.[] | [.id, .host_ip, .host_port, .host_port_end, .container_ip, .container_port, .container_port_end, .proto]]')" \
		'[["c1","0.0.0.0",7000,7002,"172.19.0.2",8000,8002,"tcp"],["c1","127.0.0.1",9000,9000,"172.19.0.2",90,90,"udp"]]' "port ls -j"
	assert_eq "$(bn port ls c1 | awk 'NR > 1 {print $1, $2, $3, $4, $5, $6}')" "c1 * 7000-7002 172.19.0.2 8000-8002 tcp
c1 127.0.0.1 9000 172.19.0.2 90 udp" "port ls"
	assert_eq "$(dump_map port_maps | jq length)" 4
	bn port del c1 7000-7002:8000-8002
	assert_eq "$(dump_map port_maps | jq length)" 1
}

# The recorded state (records, ports files) and the port map, as text.
state_and_port_maps() {
	cat "$T/state/state.json"
	find "$T/state" -path '*/ports/*' -type f -exec grep -H . {} + | sort
	bpftool map dump pinned "$T/bpf/bpfnet/port_maps"
}

test_conflicts_and_bad_input() {
	pm_world '{"bpfnet.ports":"8080:80"}'
	local out rc before
	before=$(state_and_port_maps)
	rc=0; out=$(bn port add c2 8080:81 2>&1) || rc=$?
	assert_eq "$rc" 1 "conflicting add"
	assert_eq "$out" "bpfnet: port map 8080:81/tcp conflicts with 8080:80/tcp of container c1"
	rc=0; out=$(bn port add c2 127.0.0.1:8080:81 2>&1) || rc=$?
	assert_eq "$rc" 1 "conflict with a wildcard map"
	rc=0; out=$(bn port add c2 8080:81/udp 2>&1) || rc=$?
	assert_eq "$rc" 0 "same port, other protocol: $out"
	bn port del c2 8080:81/udp
	rc=0; out=$(bn port add nosuch 9090:90 2>&1) || rc=$?
	assert_eq "$rc" 1
	assert_eq "$out" "bpfnet: container nosuch is not running"
	for bad in 0:80 80:0 65536:80 80:70000 abc 80:80/sctp 1-5:1-3; do
		rc=0; out=$(bn port add c2 "$bad" 2>&1) || rc=$?
		assert_eq "$rc" 1 "spec $bad"
		assert_eq "$(wc -l <<<"$out")" 1 "one line for $bad"
	done
	rc=0; bn port frob 2>/dev/null || rc=$?
	assert_eq "$rc" 2 "usage"
	rc=0; out=$(bn port del c2 1234:1 2>&1) || rc=$?
	assert_eq "$rc" 1 "del of an unpublished port"
	assert_eq "$(state_and_port_maps)" "$before" "state changed by refused commands"
	# one address first, then every address: the later one is refused
	bn port add c2 127.0.0.1:9090:90
	rc=0; out=$(bn port add c1 9090:91 2>&1) || rc=$?
	assert_eq "$rc" 1 "every address over one address"
	assert_eq "$out" "bpfnet: port map 9090:91/tcp conflicts with 127.0.0.1:9090:90/tcp of container c2"
	rc=0; out=$(bn port add c1 127.0.0.1:9090:91 2>&1) || rc=$?
	assert_eq "$rc" 1 "the same address and port twice"
	bn port add c1 127.0.0.2:9090:91
	bn port del c2 127.0.0.1:9090:90
	bn port del c1 127.0.0.2:9090:91
	# a container started with a taken port fails cleanly
	new_netns
	rc=0; out=$(hook_up c3 "$NEWPID" '{"bpfnet.ports":"8080:80"}' 2>&1) || rc=$?
	assert_eq "$rc" 1
	assert_contains "$out" "conflicts with 8080:80/tcp of container c1"
	assert_eq "$(bn ls -j | jq length)" 2
}

test_del_cuts_established_flows() {
	pm_world '{"bpfnet.ports":"8080:80"}'
	in_ns "$C1" sh -c "timeout 10 nc -nl 172.19.0.2 80 >$T/got" &
	PIDS+=($!)
	wait_listen tcp 80 in_ns "$C1"
	# "second" goes out only after port del has returned (the file appears);
	# 10 s at most, so a test that failed before does not leave it waiting
	(echo first; for _ in $(seq 200); do [ -e "$T/deleted" ] && break; sleep 0.05; done; echo second; sleep 1) |
		in_out nc -w 4 "$UPLINK_IP" 8080 &
	local client=$!
	PIDS+=("$client")
	wait_for 5 grep -q first "$T/got"
	assert_eq "$(dump_map dnat_ct | jq length)" 1 "flow before del"
	bn port del c1 8080:80
	touch "$T/deleted"
	assert_eq "$(dump_map dnat_ct | jq length)" 0 "flows after del"
	assert_eq "$(dump_map dnat_rev | jq length)" 0 "reverse entries after del"
	# wait for the client to have sent "second" into the cut connection
	local client_rc=0
	wait "$client" || client_rc=$?	# not a check: a cut connection may make nc say so
	echo "FIGURE: the cut client exited $client_rc"
	assert_eq "$(cat "$T/got")" first "data after the map was removed"
	# a host process's connection, made through the socket programs
	[ -n "${CG:-}" ] || fail "no cgroup2 for the socket programs"
	bn port add c1 8081:81
	in_ns "$C1" sh -c "timeout 10 nc -nl 172.19.0.2 81 >$T/got81" &
	PIDS+=($!)
	wait_listen tcp 81 in_ns "$C1"
	(echo host; sleep 8) | in_host_cg nc 127.0.0.1 8081 &
	local hostc=$!
	PIDS+=("$hostc")
	wait_for 5 grep -q host "$T/got81"
	assert_eq "$(dump_map sock_rev | jq length)" 1 "the host socket's entry before del"
	assert_eq "$(in_host ss -Htn state established dst 172.19.0.2:81 | wc -l)" 1 "host connections before del"
	bn port del c1 8081:81
	assert_eq "$(in_host ss -Htn state established dst 172.19.0.2:81 | wc -l)" 0 "host connections after del"
	assert_eq "$(dump_map sock_rev | jq length)" 0 "socket entries after del"
	wait_for 3 sh -c "! kill -0 $hostc 2>/dev/null"
}

test_teardown_removes_maps() {
	pm_world '{"bpfnet.ports":"8080:80,5353:53/udp"}'
	assert_eq "$(dump_map port_maps | jq length)" 2
	hook_down c1
	assert_eq "$(dump_map port_maps | jq length)" 0
	bn port add c2 8080:80 || fail "port freed by teardown not reusable"
}

test_bpftool_port_maps_named() {
	pm_world '{"bpfnet.ports":"8080:80"}'
	local d
	d=$(dump_map port_maps)
	assert_eq "$(jq '.[0].key.proto' <<<"$d")" 6
	assert_eq "$(jq '.[0].key.host_port' <<<"$d")" "$((0x901f))" "host_port 8080 in network order"
	assert_eq "$(jq '.[0].value.cport' <<<"$d")" "$((0x5000))" "cport 80 in network order"
	assert_contains "$(jq -c '.[0].value' <<<"$d")" '"caddr"'
}

# Publishing asks the host first: the address must be one of its own, and
# no host process may listen on the port there (--force overrides that).
test_publish_checks_host_addresses_and_listeners() {
	pm_world
	local out rc before
	before=$(state_and_port_maps)
	rc=0; out=$(bn port add c1 198.51.100.9:8080:80 2>&1) || rc=$?
	assert_eq "$rc" 1 "an address the host does not have"
	assert_eq "$out" "bpfnet: port map 198.51.100.9:8080:80/tcp: 198.51.100.9 is not an address of this host"
	# host listeners: TCP on 127.0.0.1, UDP on every address, TCP on [::]
	in_host timeout 30 nc -l 127.0.0.1 2222 >/dev/null &
	PIDS+=($!)
	in_host timeout 30 nc -u -l 5353 >/dev/null &
	PIDS+=($!)
	in_host timeout 30 nc -6 -l 2223 >/dev/null &
	PIDS+=($!)
	wait_listen tcp 2222 in_host
	wait_listen udp 5353 in_host
	wait_listen tcp 2223 in_host
	rc=0; out=$(bn port add c1 2222:22 2>&1) || rc=$?
	assert_eq "$rc" 1 "a port sshd-like listens on"
	assert_eq "$out" "bpfnet: port map 2222:22/tcp: a host process listens on 127.0.0.1:2222/tcp (--force publishes it anyway)"
	rc=0; out=$(bn port add c1 5300-5400:5300-5400/udp 2>&1) || rc=$?
	assert_eq "$rc" 1 "a range over a UDP listener"
	assert_eq "$out" "bpfnet: port map 5300-5400:5300-5400/udp: a host process listens on 0.0.0.0:5353/udp (--force publishes it anyway)"
	rc=0; out=$(bn port add c1 "$UPLINK_IP:2223:23" 2>&1) || rc=$?
	assert_eq "$rc" 1 "an IPv6 listener on :: takes IPv4 too"
	assert_contains "$out" "a host process listens on 0.0.0.0:2223/tcp"
	new_netns
	rc=0; out=$(hook_up c3 "$NEWPID" '{"bpfnet.ports":"2222:22"}' 2>&1) || rc=$?
	assert_eq "$rc" 1 "an annotation over a host listener"
	assert_contains "$out" "bpfnet.ports: port map 2222:22/tcp: a host process listens on 127.0.0.1:2222/tcp"
	assert_eq "$(state_and_port_maps)" "$before" "state changed by refused commands"
	# the listener holds 127.0.0.1 only: the uplink's address is free
	bn port add c1 "$UPLINK_IP:2222:22"
	bn port add c1 2222:22/udp
	bn port add --force c2 5353:53/udp
	# a secondary address is the host's too
	in_host ip addr add 198.51.100.7/24 dev up0
	bn port add c1 198.51.100.7:8081:80
	assert_eq "$(bn port ls -j | jq -c 'map("\(.id) \(.host_ip):\(.host_port)/\(.proto)")')" \
		'["c1 198.51.100.1:2222/tcp","c1 0.0.0.0:2222/udp","c1 198.51.100.7:8081/tcp","c2 0.0.0.0:5353/udp"]'
}

# A port published on a secondary address of the uplink (by name, or on
# every address) is reached there from outside, from another container and
# from a host process.
test_published_on_a_secondary_address() {
	pm_world
	in_host ip addr add 198.51.100.7/24 dev up0
	bn port add c1 198.51.100.7:8081:81
	bn port add c1 8082:82
	local port n=0
	for port in 8081 8082; do
		srv_tcp "$C1" 172.19.0.2 $((port - 8000)) "$T/out$port"
		echo "outside $port" | in_out nc -N -w 3 198.51.100.7 "$port" || fail "from outside to 198.51.100.7:$port"
		assert_file_eq "$T/out$port" "outside $port"
		srv_tcp "$C1" 172.19.0.2 $((port - 8000)) "$T/ctr$port"
		echo "container $port" | in_ns "$C2" nc -N -w 3 198.51.100.7 "$port" || fail "from c2 to 198.51.100.7:$port"
		assert_file_eq "$T/ctr$port" "container $port"
		n=$((n + 2))
	done
	[ -n "${CG:-}" ] || fail "no cgroup2 for the socket programs"
	srv_tcp "$C1" 172.19.0.2 81 "$T/host"
	echo "host" | in_host_cg nc -N -w 3 198.51.100.7 8081 || fail "from the host to 198.51.100.7:8081"
	assert_file_eq "$T/host" "host"
	echo "FIGURE: $((n + 1)) connections to ports published on a secondary address, each delivered"
}

# Another interface of the host (lan0, to a LAN namespace): a port
# published on its address, or on every address, is reached from that LAN,
# and by a host process at that address; bpfnet down takes the filter away.
test_published_on_another_interface() {
	world_up_outside
	new_netns; local lan=$NEWPID
	in_host ip link add lan0 type veth peer name eth0 netns "/proc/$lan/ns/net"
	in_host ip addr add 203.0.113.1/24 dev lan0
	in_host ip link set lan0 up
	in_ns "$lan" ip addr add 203.0.113.2/24 dev eth0
	in_ns "$lan" ip link set eth0 up
	new_netns; C1=$NEWPID
	hook_up c1 "$C1" '{"bpfnet.ports":"8082:82"}'
	assert_contains "$(in_host tc filter show dev lan0 ingress)" "edge_ingress $T/state"
	bn port add c1 203.0.113.1:8081:81
	local port
	for port in 8081 8082; do
		srv_tcp "$C1" 172.19.0.2 $((port - 8000)) "$T/lan$port"
		echo "lan $port" | in_ns "$lan" nc -N -w 3 203.0.113.1 "$port" || fail "from the LAN to 203.0.113.1:$port"
		assert_file_eq "$T/lan$port" "lan $port"
		assert_contains "$(cat "$T/lan$port.peer")" "Connection received on 203.0.113.2"
	done
	[ -n "${CG:-}" ] || fail "no cgroup2 for the socket programs"
	srv_tcp "$C1" 172.19.0.2 82 "$T/host"
	echo "host" | in_host_cg nc -N -w 3 203.0.113.1 8082 || fail "from the host to 203.0.113.1:8082 (every address)"
	assert_file_eq "$T/host" "host"
	# keys are __be32, printed as the host-order number of their bytes
	assert_eq "$(dump_map host_addrs | jq -r '.[].key | [., ./256, ./65536, ./16777216] | map(floor % 256) | join(".")' | sort | tr '\n' ' ')" \
		"127.0.0.1 172.19.0.1 198.51.100.1 203.0.113.1 " "host addresses the socket programs know"
	bn down >/dev/null
	refute "an edge filter left on lan0 after down" sh -c "nsenter --net=$HOSTNS tc filter show dev lan0 ingress | grep -q edge_ingress"
}

# Published ports live in <state-dir>/ports/<id>, one spec per line; a torn
# file is reported, never half-read, and gc takes the ports back from the map.
test_ports_file_torn_then_rebuilt() {
	pm_world '{"bpfnet.ports":"8080:80"}'
	bn port add c1 9090:90/udp
	assert_file_eq "$T/state/ports/c1" "8080:80/tcp
9090:90/udp"
	refute "a ports file for c2, which publishes nothing" test -e "$T/state/ports/c2"
	printf '8080:80/tcp\n9090:9' >"$T/state/ports/c1"
	local out rc=0
	out=$(bn ls 2>&1) || rc=$?
	assert_eq "$rc" 1 "ls over a torn ports file"
	assert_eq "$out" "bpfnet: ports file $T/state/ports/c1 is corrupt: its last line is not complete (run 'bpfnet gc' to rebuild it)"
	bn gc >/dev/null
	assert_eq "$(bn port ls c1 -j | jq -c 'map([.host_port, .proto])')" '[[8080,"tcp"],[9090,"udp"]]' "ports after gc"
	assert_file_eq "$T/state/ports/c1" "8080:80/tcp
9090:90/udp"
	hook_down c1
	refute "c1's ports file after teardown" test -e "$T/state/ports/c1"
}

test_ten_thousand_maps() {
	pm_world
	# 10,000 single-port specs on c2 (no per-container cap), 100 per command
	local i list
	for i in $(seq 0 99); do
		list=$(seq "$((20000 + i * 100))" "$((20000 + i * 100 + 99))" | awk '{printf "%s%d:%d", (NR > 1 ? "," : ""), $1, $1}')
		bn port add c2 "$list"
	done
	assert_eq "$(dump_map port_maps | jq length)" 10000
	assert_eq "$(bn port ls c2 -j | jq length)" 10000 "specs recorded for c2"
	# one more and one less on top of 10,000
	bn port add c2 31000:80
	bn port del c2 20000:20000
	assert_eq "$(bn port ls c2 -j | jq '[.[] | select(.host_port == 31000 or .host_port == 20000)] | map(.host_port)')" "$(jq -n '[31000]')"
	assert_eq "$(dump_map port_maps | jq length)" 10000
	bn port add c1 8080:80
	srv_tcp "$C1" 172.19.0.2 80 "$T/a"
	echo "among 10001" | in_out nc -N -w 3 "$UPLINK_IP" 8080 || fail "connect with 10,000 maps"
	assert_file_eq "$T/a" "among 10001"
	echo "FIGURE: $(dump_map port_maps | jq length) port maps, 10,000 of them single-port specs of one container"
}

# The README's bpftool listing: every pinned map is there, and each key and
# value field it names is printed by bpftool, from the map's BTF; the types
# are those of include/bpfnet_shared.h, the one header the BPF programs and
# user space share.
test_bpftool_fields_as_in_readme() {
	# dual stack, for entries in endpoints6 and net_config6
	PM_SUBNET6=fd19::/64 pm_world '{"bpfnet.ports":"8080:80"}'
	# an entry in every map: a flow out, a connection from outside to the
	# published port, a host socket sent to it
	in_ns "$C1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null
	srv_tcp "$C1" 172.19.0.2 80 "$T/a"
	echo "from outside" | in_out nc -N -w 3 "$UPLINK_IP" 8080
	assert_file_eq "$T/a" "from outside"
	srv_tcp "$C1" 172.19.0.2 80 "$T/b"
	echo "from the host" | in_host_cg nc -N -w 3 127.0.0.1 8080
	assert_file_eq "$T/b" "from the host"
	# IPv6, the port being published on both families (port_maps6): a
	# connection from outside (dnat6_ct, dnat6_rev), one of a host socket (sock_rev6)
	in_host ip -6 addr add 2001:db8:100::1/64 dev up0 nodad
	in_out ip -6 addr add "$OUTSIDE_IP6/64" dev eth0 nodad
	bn resync >/dev/null	# net_config6 learns the uplink's address
	srv_tcp "$C1" fd19::2 80 "$T/c"
	echo "from outside, IPv6" | in_out nc -6 -N -w 3 2001:db8:100::1 8080
	assert_file_eq "$T/c" "from outside, IPv6"
	srv_tcp "$C1" fd19::2 80 "$T/d"
	echo "from the host, IPv6" | in_host_cg nc -6 -N -w 3 ::1 8080
	assert_file_eq "$T/d" "from the host, IPv6"
	# an IPv6 flow out: conntrack6, rev_nat6
	in_ns "$C1" ping -6 -c1 -W2 "$OUTSIDE_IP6" >/dev/null || fail "a ping -6 from c1"
	# fragments both ways through NAT66: frag6_out, frag6_rnat
	in_ns "$C1" ping -6 -c1 -W2 -s 3000 "$OUTSIDE_IP6" >/dev/null || fail "a fragmented ping -6 from c1"
	# a fragmented datagram: frag_nat
	in_ns "$C1" ping -c1 -W2 -s 3000 "$OUTSIDE_IP" >/dev/null || fail "a fragmented ping from c1"
	# flows not answered yet: a datagram to a closed port outside, a
	# connection to the published port that the container refuses
	echo unanswered | in_ns "$C1" timeout 2 nc -u -w 1 "$OUTSIDE_IP" 9999 || true
	in_out nc -w 2 "$UPLINK_IP" 8080 </dev/null || true
	# and over IPv6: ct6_new, rev_nat6_new, dnat6_ct_new, dnat6_rev_new
	echo unanswered | in_ns "$C1" timeout 2 nc -6 -u -w 1 "$OUTSIDE_IP6" 9999 || true
	in_out nc -6 -w 2 2001:db8:100::1 8080 </dev/null || true
	# a second network on the uplink: each lists the other's maps
	local rn2 le i
	net2_flags 172.20.0.0/16
	for ((i = 0; i < ${#FLAGS2[@]}; i++)); do
		[ "${FLAGS2[i]}" != --subnet6 ] || FLAGS2[i + 1]=fd1a::/64
	done
	new_netns
	hook_up2 d1 "$NEWPID"
	rn2=$(bpftool map show pinned "$T/bpf/bpfnet2/rev_nat" -j | jq .id)
	# (no BTF for a map of maps: bpftool prints bytes, the id little-endian)
	le=$(printf '"0x%02x","0x%02x","0x%02x","0x%02x"' $((rn2 & 255)) $((rn2 >> 8 & 255)) $((rn2 >> 16 & 255)) $((rn2 >> 24)))
	assert_eq "$(dump_map peer_rev_nat | jq -c 'map([.key, .value])')" "[[[\"0x00\",\"0x00\",\"0x00\",\"0x00\"],[$le]]]" \
		"network 1's peer_rev_nat: slot 0 -> network 2's rev_nat ($rn2)"
	local lines map comment d groups part fields f listed=() n=0 type
	lines=$(sed -n 's|^bpftool map dump pinned /sys/fs/bpf/bpfnet/\([a-z0-9_]*\) *# \(.*\)$|\1 \2|p' "$TOP/README.md")
	while read -r map comment; do
		listed+=("$map")
		# (a ring buffer has no entries to dump: t_monitor reads it)
		[ "$map" = monitor_ring ] && continue
		d=$(dump_map "$map")
		# (nothing here sends GRE or ESP: proto_nat stays empty, its
		# fields are checked by test_frag's packet tests)
		[ "$map" = proto_nat ] && continue
		# (frag6_in fills in routed mode only, with a fragmented reply:
		# this world masquerades; test_ipv6's packet tests check it)
		[ "$map" = frag6_in ] && continue
		# (NAT46 is for an IPv4-only container, on a network without
		# --subnet6: t_portmap6/ipv6_to_ipv4_only_container reads them)
		[ "$map" = nat46_ct ] || [ "$map" = nat46_rev ] && continue
		assert_ge "$(jq length <<<"$d")" 1 "entries in $map"
		mapfile -t groups < <(grep -o '{[^}]*}' <<<"$comment" | tr -d '{}')
		for ((i = 0; i < ${#groups[@]}; i++)); do
			part=value
			[ "${#groups[@]}" -eq 1 ] || [ "$i" -eq 1 ] || part=key
			fields=$(jq -r --arg p "$part" '.[0] | (if $p == "key" then .key else (.value // .values[0].value) end) | keys[]' <<<"$d")
			for f in ${groups[i]//,/ }; do
				[ "$f" = "..." ] && continue
				grep -qx -- "$f" <<<"$fields" || fail "README names $f in the $part of $map; bpftool prints: $(tr '\n' ' ' <<<"$fields")"
				n=$((n + 1))
			done
		done
		# a struct value is a type of include/bpfnet_shared.h, defined nowhere else
		# (a map of maps has no BTF of its own: its inner maps' is checked)
		type=$(bpftool btf dump map pinned "$T/bpf/bpfnet/$map" value -j 2>/dev/null | jq -r '.types[0] | select(.kind == "STRUCT") | .name') || type=""
		if [ -n "$type" ]; then
			assert_eq "$(grep -rlE "^struct $type \{" "$TOP/include" "$TOP/bpf" "$TOP/user")" "$TOP/include/bpfnet_shared.h" "where struct $type is defined"
		fi
	done <<<"$lines"
	assert_eq "$(printf '%s\n' "${listed[@]}" | sort | tr '\n' ' ')" "$(find "$T/bpf/bpfnet" -maxdepth 1 ! -name 'prog_*' -type f -printf '%f\n' | sort | tr '\n' ' ')" "maps listed in the README vs pinned"
	grep -q '^#include "bpfnet_shared.h"' "$TOP/bpf/bpfnet.bpf.c" || fail "the BPF programs do not include bpfnet_shared.h"
	grep -q '^#include "bpfnet_shared.h"' "$TOP/user/datapath.h" || fail "user space does not include bpfnet_shared.h"
	echo "FIGURE: $n fields of ${#listed[@]} maps, as the README names them"
}

# The outside namespace's count of "destination unreachable" received.
out_unreach_in() {
	# shellcheck disable=SC2016
	in_out awk '/^Icmp:/ { if (!h) { for (i = 1; i <= NF; i++) col[$i] = i; h = 1 }
		else print $col["InDestUnreachs"] }' /proc/net/snmp
}

# Two datagrams from a connected UDP socket (bash's /dev/udp connects) to
# ADDR PORT, a second apart, in the namespace the command prefix enters:
# the second write fails with "Connection refused" when a port unreachable
# about the first came back matching the socket (quoting ADDR:PORT).
udp_twice() { # ADDR PORT CMD...
	local addr=$1 port=$2
	shift 2
	"$@" bash -c "exec 3<>/dev/udp/$addr/$port && echo one >&3 && sleep 1 && echo two >&3" 2>&1
}

# Issue 12 point 3 (b), (c): a published UDP port with no listener. The
# container's port unreachable leaves translated (from the host address,
# quoting the client's datagram as sent), so the client's socket sees
# "Connection refused"; the same for a hairpin client (c2).
test_published_udp_port_unreachable() {
	pm_world '{"bpfnet.ports":"5353:53/udp"}'
	local before out
	before=$(out_unreach_in)
	out=$(udp_twice "$UPLINK_IP" 5353 in_out) && fail "the second datagram to a port with no listener went out: $out"
	assert_contains "$out" "Connection refused"
	assert_ge "$(out_unreach_in)" "$((before + 1))" "unreachables received outside"
	assert_ge "$(stat_of icmp_errors_translated)" 1 "icmp errors translated"
	out=$(udp_twice "$UPLINK_IP" 5353 in_ns "$C2") && fail "c2's second datagram went out: $out"
	assert_contains "$out" "Connection refused"
	assert_ge "$(stat_of icmp_errors_translated)" 2 "icmp errors translated"
}

# Issue 12 point 3 (a): a client of a published port behind a hop with a
# smaller MTU (1280) that advertises a larger MSS (its own link is 1500):
# the hop's "fragmentation needed" about the container's segments reaches
# the container, which learns the path MTU; 300 kB arrive intact.
test_published_port_path_mtu() {
	pm_world '{"bpfnet.ports":"8080:80"}'
	ip netns add "$P-far"
	FARNS=/run/netns/$P-far
	trap 'ip netns del "$P-far" 2>/dev/null; world_down' EXIT
	in_out ip link add far0 mtu 1280 type veth peer name eth0 netns "$FARNS"
	in_out ip addr add 203.0.113.1/24 dev far0
	in_out ip link set far0 up
	in_out sysctl -qw net.ipv4.ip_forward=1
	nsenter --net="$FARNS" ip addr add 203.0.113.10/24 dev eth0
	nsenter --net="$FARNS" ip link set eth0 mtu 1500 up
	nsenter --net="$FARNS" ip route add default via 203.0.113.1
	head -c 300000 /dev/urandom >"$T/blob"
	in_ns "$C1" timeout 20 nc -N -nl 172.19.0.2 80 <"$T/blob" >/dev/null &
	PIDS+=($!)
	wait_listen tcp 80 in_ns "$C1"
	nsenter --net="$FARNS" timeout 15 nc -n -w 10 "$UPLINK_IP" 8080 </dev/null >"$T/got" ||
		fail "the far client's download failed"
	assert_same_file "$T/blob" "$T/got"
	assert_ge "$(stat_of icmp_errors_translated)" 1 "icmp errors translated"
	assert_contains "$(in_ns "$C1" ip route get 203.0.113.10)" "mtu 1280"
}
