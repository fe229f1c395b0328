#!/usr/bin/env bash
# Published ports on IPv6 (dual stack, --subnet6): which specs publish on
# which family (port_maps, port_maps6), the errors that change nothing,
# and real traffic to them; ICMPv6 errors inside a hairpin flow.

# pm6_world ANNOTATIONS: dual stack (2001:db8:100::1 on the uplink, the
# outside at $OUTSIDE_IP6), the test's cgroup, c1 (fd19::2, 172.19.0.2)
# published as ANNOTATIONS say, c2 (fd19::3) with none.
pm6_world() {
	[ -d /proc/sys/net/ipv6 ] || { echo "no IPv6 in this kernel"; exit 77; }
	world_up_outside
	in_host ip -6 addr add 2001:db8:100::1/64 dev up0 nodad
	in_out ip -6 addr add "$OUTSIDE_IP6/64" dev eth0 nodad
	FLAGS+=(--subnet6 fd19::/64)
	cgroup_up
	new_netns; C1=$NEWPID
	new_netns; C2=$NEWPID
	hook_up c1 "$C1" "${1:-"{}"}"
	hook_up c2 "$C2"
}

# port_maps6 as "[HOST]:PORT/PROTO>[CONTAINER]:PORT" words, sorted.
pm6_entries() {
	dump_map port_maps6 | python3 -c 'import ipaddress, json, struct, sys
def a(w): return str(ipaddress.IPv6Address(struct.pack("<4I", *w)))
def p(n): return struct.unpack(">H", struct.pack("<H", n))[0]
for e in json.load(sys.stdin):
    k, v = e["key"], e["value"]
    print("[%s]:%d/%s>[%s]:%d" % (a(k["host_addr"]["a"]), p(k["host_port"]),
          {6: "tcp", 17: "udp"}[k["proto"]], a(v["caddr"]["a"]), p(v["cport"])))' | sort | paste -sd' '
}

# port_maps as "HOST:PORT/PROTO" words, sorted.
pm4_entries() {
	dump_map port_maps | python3 -c 'import ipaddress, json, struct, sys
def p(n): return struct.unpack(">H", struct.pack("<H", n))[0]
for e in json.load(sys.stdin):
    k = e["key"]
    print("%s:%d/%s" % (ipaddress.IPv4Address(struct.pack("<I", k["host_addr"])),
          p(k["host_port"]), {6: "tcp", 17: "udp"}[k["proto"]]))' | sort | paste -sd' '
}

# Everything a refused command must leave as it was.
state_and_maps() {
	cat "$T/state/state.json"
	find "$T/state" -path '*/ports/*' -type f -exec grep -H . {} + | sort
	pm4_entries
	pm6_entries
}

# gc expires flows to published IPv6 ports in both tiers, as IPv4's: a TCP
# connection (dnat6_ct, proven) and a UDP exchange (dnat6_ct_new), both
# listed by bpfnet flows as published, both expired, gone with their
# reverse halves after gc.
test_ipv6_gc_expires_published_flows() {
	pm6_world '{"bpfnet.ports":"8080:80,5353:53/udp"}'
	in_out ip -6 route add fd19::/64 via 2001:db8:100::1
	srv_tcp6 "$C1" fd19::2 80 "$T/tcp"
	echo "over tcp6" | in_out nc -6 -N -w 3 2001:db8:100::1 8080 || fail "TCP to [2001:db8:100::1]:8080 failed"
	srv_udp6 "$C1" fd19::2 53 "$T/udp" "answer6"
	assert_eq "$(echo question | in_out timeout 5 nc -6 -u -w 2 2001:db8:100::1 5353)" answer6 "the UDP answer"
	assert_eq "$(bn flows -j | jq -c '[.[] | select(.kind == "published") | [.proto, .answered]] | sort')" \
		'[["tcp",true],["udp",false]]' "published IPv6 flows listed, by tier"
	local off size m
	read -r off size <<<"$(value_field conntrack expires_ns)"	# ct6's ct comes first
	for m in dnat6_ct dnat6_ct_new; do
		assert_eq "$(dump_map $m | jq length)" 1 "entries in $m"
		map_set_bytes $m 0 "$off" "$size" 1
	done
	bn gc >/dev/null
	for m in dnat6_ct dnat6_rev dnat6_ct_new dnat6_rev_new; do
		assert_eq "$(dump_map $m | jq length)" 0 "entries in $m after gc"
	done
}

# A spec without an address publishes on both families; 0.0.0.0 on IPv4
# only, [::] on IPv6 only, [::1] on that address; port del and teardown
# take them back from both maps.
test_ipv6_specs_publish_by_family() {
	pm6_world '{"bpfnet.ports":"8080:80,0.0.0.0:8081:81/udp,[::]:8082:82/udp,[::1]:8083:83"}'
	assert_eq "$(pm4_entries)" "0.0.0.0:8080/tcp 0.0.0.0:8081/udp" "port_maps"
	assert_eq "$(pm6_entries)" "[::1]:8083/tcp>[fd19::2]:83 [::]:8080/tcp>[fd19::2]:80 [::]:8082/udp>[fd19::2]:82" "port_maps6"
	assert_eq "$(bn port ls -j | jq -c '[.[] | [.host_ip, .host_port, .family, .container_ip6]]')" \
		'[["0.0.0.0",8080,"both","fd19::2"],["0.0.0.0",8081,"ipv4",null],["::",8082,"ipv6","fd19::2"],["::1",8083,"ipv6","fd19::2"]]' "port ls -j"
	bn port add c2 "[2001:db8:100::1]:9090-9091:90-91/tcp"
	assert_contains "$(pm6_entries)" "[2001:db8:100::1]:9091/tcp>[fd19::3]:91" "a range on a named IPv6 address"
	assert_eq "$(find "$T/state" -path '*/ports/*' -type f -exec cat {} + | sort | paste -sd' ')" \
		"0.0.0.0:8081:81/udp 8080:80/tcp [2001:db8:100::1]:9090-9091:90-91/tcp [::1]:8083:83/tcp [::]:8082:82/udp" \
		"the specs stored, in canonical form"
	bn port del c1 8080:80
	assert_eq "$(pm4_entries)" "0.0.0.0:8081/udp" "port_maps after port del"
	assert_eq "$(pm6_entries)" "[2001:db8:100::1]:9090/tcp>[fd19::3]:90 [2001:db8:100::1]:9091/tcp>[fd19::3]:91 [::1]:8083/tcp>[fd19::2]:83 [::]:8082/udp>[fd19::2]:82" "port_maps6 after port del"
	hook_down c1
	assert_eq "$(pm4_entries)" "" "port_maps after teardown"
	assert_eq "$(pm6_entries)" "[2001:db8:100::1]:9090/tcp>[fd19::3]:90 [2001:db8:100::1]:9091/tcp>[fd19::3]:91" "port_maps6 after teardown"
}

# Refused: one line, exit 1, nothing changed (records, ports files, both maps).
refused() { # WHAT EXPECTED-LINE CMD...
	local what=$1 want=$2 out rc=0
	shift 2
	out=$("$@" 2>&1) || rc=$?
	assert_eq "$rc" 1 "$what: exit status"
	assert_eq "$out" "$want" "$what: the error"
	assert_eq "$(state_and_maps)" "$before" "$what: state changed"
}

test_ipv6_port_errors_change_nothing() {
	pm6_world '{"bpfnet.ports":"[::]:8080:80"}'
	local before
	in_host timeout 30 python3 -c 'import socket, time
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.bind(("::", 2222)); s.listen(); time.sleep(30)' &
	PIDS+=($!)
	wait_listen tcp 2222 in_host
	before=$(state_and_maps)
	refused "a bracket not closed" "bpfnet: port map '[::1:8080:80': an IPv6 address goes in brackets, then ':' ([ADDR]:HOSTPORT:CONTAINERPORT)" \
		bn port add c2 "[::1:8080:80"
	refused "an address that is not IPv6" "bpfnet: port map '[10.0.0.1]:8080:80': '10.0.0.1' is not an IPv6 address" \
		bn port add c2 "[10.0.0.1]:8080:80"
	refused "a port c1 publishes on IPv6" "bpfnet: port map 8080:81/tcp conflicts with [::]:8080:80/tcp of container c1" \
		bn port add c2 8080:81
	refused "an IPv6 address not the host's" "bpfnet: port map [2001:db8::9]:7070:70/tcp: 2001:db8::9 is not an address of this host" \
		bn port add c2 "[2001:db8::9]:7070:70"
	refused "an IPv6-only host listener" "bpfnet: port map 2222:22/tcp: a host process listens on [::]:2222/tcp (--force publishes it anyway)" \
		bn port add c2 2222:22
	# IPv4 only does not meet the IPv6 listener, nor c1's IPv6 port
	bn port add c2 0.0.0.0:2222:22
	bn port add c2 0.0.0.0:8080:81
	assert_eq "$(pm4_entries)" "0.0.0.0:2222/tcp 0.0.0.0:8080/tcp" "IPv4-only specs beside IPv6 ones"
}

# A network without --subnet6 whose uplink has no IPv6 address: [::]
# names a family its containers lack, with nothing to translate from.
test_ipv6_spec_for_ipv4_only_container() {
	world_up_outside
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	local before out rc=0
	before=$(state_and_maps)
	refused "[::] for an IPv4-only container" "bpfnet: port map [::]:8080:80/tcp: container c1 has no IPv6 address (the network has no --subnet6), nor the uplink one to translate from" \
		bn port add c1 "[::]:8080:80"
	new_netns
	out=$(hook_up c2 "$NEWPID" '{"bpfnet.ports":"[::1]:8080:80"}' 2>&1) || rc=$?
	assert_eq "$rc" 1 "an annotation of [::1] for an IPv4-only container"
	assert_eq "$out" "bpfnet: bpfnet.ports: port map [::1]:8080:80/tcp: container c2 has no IPv6 address (the network has no --subnet6), nor the uplink one to translate from"
	# without an address: IPv4 only, as the container has
	bn port add c1 8080:80
	assert_eq "$(pm4_entries)" "0.0.0.0:8080/tcp" "port_maps"
	assert_eq "$(pm6_entries)" "" "port_maps6"
}

# A one-shot TCP server on an IPv4 address that answers REPLY and keeps
# what it is sent (its peer in OUTFILE.peer).
srv_pong4() { # PID ADDR PORT OUTFILE REPLY
	# shellcheck disable=SC2016 # expanded by the inner sh
	in_ns "$1" timeout 10 sh -c 'echo "$0" | nc -4 -N -nlv "$1" "$2"' "$5" "$2" "$3" >"$4" 2>"$4.peer" &
	PIDS+=($!)
	wait_listen tcp "$3" in_ns "$1"
}

# NAT46: a network without --subnet6 (c1 IPv4 only) whose uplink has an
# IPv6 address. [::]:8080 and the addressless 9090 and 5353/udp are
# reached over IPv6 from outside, translated to c1's IPv4 address; c1
# sees the gateway (172.19.0.1) as its peer; bytes checked both ways.
# port del and teardown forget the entries and the flows (nat46_ct).
test_ipv6_to_ipv4_only_container() {
	[ -d /proc/sys/net/ipv6 ] || { echo "no IPv6 in this kernel"; exit 77; }
	world_up_outside
	in_host ip -6 addr add "$UPLINK_IP6/64" dev up0 nodad
	in_out ip -6 addr add "$OUTSIDE_IP6/64" dev eth0 nodad
	new_netns; C1=$NEWPID
	hook_up c1 "$C1" '{"bpfnet.ports":"[::]:8080:80,9090:90,5353:53/udp"}'
	local m	# ::ffff:172.19.0.2 as pm6_entries' Python writes it
	m=$(python3 -c 'import ipaddress; print(ipaddress.IPv6Address("::ffff:172.19.0.2"))')
	assert_eq "$(pm6_entries)" "[::]:5353/udp>[$m]:53 [::]:8080/tcp>[$m]:80 [::]:9090/tcp>[$m]:90" "port_maps6: c1's IPv4 address, IPv4-mapped"
	assert_eq "$(pm4_entries)" "0.0.0.0:5353/udp 0.0.0.0:9090/tcp" "port_maps: the addressless specs"
	srv_pong4 "$C1" 172.19.0.2 80 "$T/tcp" "pong over IPv4"
	assert_eq "$(echo "ping over IPv6" | in_out timeout 5 nc -6 -N -w 3 "$UPLINK_IP6" 8080)" "pong over IPv4" "[::]:8080: the answer"
	assert_file_eq "$T/tcp" "ping over IPv6" "[::]:8080: what c1 got"
	assert_contains "$(cat "$T/tcp.peer")" "Connection received on 172.19.0.1 " "[::]:8080: the peer c1 sees, the gateway"
	srv_pong4 "$C1" 172.19.0.2 90 "$T/any" "pong addressless"
	assert_eq "$(echo "ping addressless" | in_out timeout 5 nc -6 -N -w 3 "$UPLINK_IP6" 9090)" "pong addressless" "9090 over IPv6: the answer"
	assert_file_eq "$T/any" "ping addressless" "9090 over IPv6: what c1 got"
	(sleep 1; echo answer46) | in_ns "$C1" timeout 6 nc -4 -n -u -lv 172.19.0.2 53 >"$T/udp" 2>"$T/udp.peer" &
	PIDS+=($!)
	wait_listen udp 53 in_ns "$C1"
	assert_eq "$(echo question46 | in_out timeout 5 nc -6 -u -w 2 "$UPLINK_IP6" 5353)" answer46 "the UDP answer, from [$UPLINK_IP6]:5353"
	assert_eq "$(cat "$T/udp")" question46 "the UDP question"
	assert_contains "$(cat "$T/udp.peer")" "172.19.0.1" "the UDP peer c1 sees, the gateway"
	assert_eq "$(dump_map nat46_ct | jq -c '[.[].key.proto] | sort')" "[6,6,17]" "flows in nat46_ct"
	assert_ge "$(stat_of dnat_replies)" 3 "replies translated"
	bn port del c1 "[::]:8080:80"
	assert_eq "$(dump_map nat46_ct | jq -c '[.[].key.proto] | sort')" "[6,17]" "nat46_ct after port del: the others stay"
	assert_eq "$(dump_map nat46_rev | jq length)" 2 "nat46_rev after port del"
	srv_pong4 "$C1" 172.19.0.2 80 "$T/gone" "gone"
	in_out nc -6 -z -w 2 "$UPLINK_IP6" 8080 && fail "[::]:8080 reached after port del"
	hook_down c1
	assert_eq "$(pm6_entries)" "" "port_maps6 after teardown"
	assert_eq "$(dump_map nat46_ct | jq length)" 0 "nat46_ct after teardown"
}

# One-shot servers on an IPv6 address in a namespace, as t_portmap's.
srv_tcp6() { # PID ADDR PORT OUTFILE
	in_ns "$1" timeout 10 nc -6 -nlv "$2" "$3" >"$4" 2>"$4.peer" &
	PIDS+=($!)
	wait_listen tcp "$3" in_ns "$1"
}
srv_udp6() { # PID ADDR PORT OUTFILE REPLY
	(sleep 1; echo "$5") | in_ns "$1" timeout 6 nc -6 -n -u -lv "$2" "$3" >"$4" 2>"$4.peer" &
	PIDS+=($!)
	wait_listen udp "$3" in_ns "$1"
}

# Host processes (the cgroup's connect6, sendmsg6, recvmsg6, getpeername6):
# [::1] and the uplink's address reach a port of every address, [::1] one
# published on it alone; a UDP answer comes from the address dialled, and
# getpeername says what was dialled.
test_ipv6_host_processes_reach_published_ports() {
	pm6_world '{"bpfnet.ports":"8080:80,[::1]:9000:90/tcp,5353:53/udp"}'
	local redirects
	redirects=$(stat_of host_socket_redirects)
	srv_tcp6 "$C1" fd19::2 80 "$T/a"
	echo "host via ::1" | in_host_cg nc -6 -N -w 3 ::1 8080 || fail "host -> [::1]:8080 failed"
	assert_file_eq "$T/a" "host via ::1"
	srv_tcp6 "$C1" fd19::2 80 "$T/b"
	echo "host via the uplink" | in_host_cg nc -6 -N -w 3 2001:db8:100::1 8080 ||
		fail "host -> [2001:db8:100::1]:8080 failed"
	assert_file_eq "$T/b" "host via the uplink"
	srv_tcp6 "$C1" fd19::2 90 "$T/c"
	echo "loopback-only map" | in_host_cg nc -6 -N -w 3 ::1 9000 || fail "host -> [::1]:9000 failed"
	assert_file_eq "$T/c" "loopback-only map"
	srv_udp6 "$C1" fd19::2 53 "$T/u" "udp-to-host"
	assert_eq "$(echo q | in_host_cg timeout 5 nc -6 -u -w 2 ::1 5353)" udp-to-host "the UDP answer, from [::1]:5353"
	assert_eq "$(cat "$T/u")" q "the UDP question"
	srv_tcp6 "$C1" fd19::2 80 "$T/d"
	assert_eq "$(in_host_cg python3 -c 'import socket
s = socket.create_connection(("::1", 8080))
print("[%s]:%d" % s.getpeername()[:2])
s.sendall(b"getpeername asked\n")')" "[::1]:8080" "getpeername of a socket connected to [::1]:8080"
	assert_file_eq "$T/d" "getpeername asked"
	assert_ge "$(stat_of host_socket_redirects)" $((redirects + 5)) "IPv6 socket redirects counted"
	# a host port not published on IPv6 is the host's own
	in_host_cg nc -6 -z -w 2 ::1 8081 && fail "[::1]:8081 answered, published nowhere"
	return 0
}

# From outside: [2001:db8:100::1]:8080 (a port of every address) and a
# UDP port reach c1's, the replies come from the address and port dialled
# (nc takes no other), the TCP flow in dnat6_ct (proven: its client
# acknowledged the answer), the UDP one in dnat6_ct_new (its client said
# nothing after the answer); nothing else of c1 is reachable: not its own
# port 80, nor a port published on [::1] only.
test_ipv6_published_from_outside() {
	pm6_world '{"bpfnet.ports":"8080:80,5353:53/udp,[::1]:9000:90"}'
	in_out ip -6 route add fd19::/64 via 2001:db8:100::1
	srv_tcp6 "$C1" fd19::2 80 "$T/tcp"
	echo "over tcp6" | in_out nc -6 -N -w 3 2001:db8:100::1 8080 || fail "TCP to [2001:db8:100::1]:8080 failed"
	assert_file_eq "$T/tcp" "over tcp6"
	assert_contains "$(cat "$T/tcp.peer")" "Connection received on $OUTSIDE_IP6"
	srv_udp6 "$C1" fd19::2 53 "$T/udp" "answer6"
	assert_eq "$(echo question | in_out timeout 5 nc -6 -u -w 2 2001:db8:100::1 5353)" answer6 "the UDP answer"
	assert_eq "$(cat "$T/udp")" question "the UDP question"
	assert_eq "$(dump_map dnat6_ct | jq -c '[.[].key.proto]')" "[6]" "flows in dnat6_ct"
	assert_eq "$(dump_map dnat6_ct_new | jq -c '[.[].key.proto]')" "[17]" "flows in dnat6_ct_new"
	assert_ge "$(stat_of dnat_replies)" 2 "replies translated"
	# port del forgets the flows made through its ports, and the port
	bn port del c1 8080:80
	assert_eq "$(dump_map dnat6_ct | jq length)" 0 "dnat6_ct after port del"
	assert_eq "$(dump_map dnat6_ct_new | jq -c '[.[].key.proto]')" "[17]" "dnat6_ct_new after port del: the UDP flow stays"
	srv_tcp6 "$C1" fd19::2 80 "$T/gone"
	in_out nc -6 -z -w 2 2001:db8:100::1 8080 && fail "[2001:db8:100::1]:8080 reached after port del"
	srv_tcp6 "$C1" fd19::2 90 "$T/lo"
	in_out nc -6 -z -w 2 2001:db8:100::1 9000 && fail "a port of [::1] only, reached from outside"
	srv_tcp6 "$C1" fd19::2 80 "$T/direct"
	in_out nc -6 -z -w 2 fd19::2 80 && fail "c1's port 80 reached from outside directly"
	return 0
}

# A one-shot TCP server on an IPv6 address that answers REPLY and keeps
# what it is sent (its peer in OUTFILE.peer).
srv_pong6() { # PID ADDR PORT OUTFILE REPLY
	# shellcheck disable=SC2016 # expanded by the inner sh
	in_ns "$1" timeout 10 sh -c 'echo "$0" | nc -6 -N -nlv "$1" "$2"' "$5" "$2" "$3" >"$4" 2>"$4.peer" &
	PIDS+=($!)
	wait_listen tcp "$3" in_ns "$1"
}

# CLIENT-PID dials [DIALLED]:8080, c1's published port 80: both ways,
# c1 seeing PEER as the client.
hairpin6_check() { # CLIENT-PID DIALLED PEER WHAT
	srv_pong6 "$C1" fd19::2 80 "$T/hp" "pong $4"
	assert_eq "$(echo "ping $4" | in_ns "$1" timeout 5 nc -6 -N -w 3 "$2" 8080)" "pong $4" "$4: the answer"
	assert_file_eq "$T/hp" "ping $4" "$4: what c1 got"
	assert_contains "$(cat "$T/hp.peer")" "Connection received on $3 " "$4: the client c1 sees"
}

# Hairpin: c2 reaches c1's published port by the uplink's address and by
# the gateway's, from its own address; c1 reaches its own port by either,
# given the gateway as source; bytes checked both ways.
test_ipv6_hairpin() {
	pm6_world '{"bpfnet.ports":"8080:80"}'
	local hp
	hp=$(stat_of hairpin)
	hairpin6_check "$C2" 2001:db8:100::1 fd19::3 "c2 by the uplink"
	hairpin6_check "$C2" fd19::1 fd19::3 "c2 by the gateway"
	hairpin6_check "$C1" fd19::1 fd19::1 "c1 its own port by the gateway"
	hairpin6_check "$C1" 2001:db8:100::1 fd19::1 "c1 its own port by the uplink"
	assert_ge "$(stat_of hairpin)" $((hp + 16)) "hairpin packets counted"
}

# port del closes the IPv6 connections host processes made through the
# socket programs to the ports it removes (SOCK_DESTROY, as for IPv4), and
# only those: one through a port that stays is kept, its entry too.
test_ipv6_del_cuts_host_connections() {
	pm6_world '{"bpfnet.ports":"8080:80,[::1]:9000:90"}'
	srv_tcp6 "$C1" fd19::2 80 "$T/a"
	srv_tcp6 "$C1" fd19::2 90 "$T/b"
	(echo cut; sleep 8) | in_host_cg nc -6 ::1 8080 &
	local cut=$!
	PIDS+=("$cut")
	(echo kept; sleep 8) | in_host_cg nc -6 ::1 9000 &
	PIDS+=($!)
	wait_for 5 grep -q cut "$T/a"
	wait_for 5 grep -q kept "$T/b"
	assert_eq "$(dump_map sock_rev6 | jq length)" 2 "the host sockets' entries before del"
	assert_eq "$(in_host ss -Htn state established dst '[fd19::2]:80' | wc -l) $(in_host ss -Htn state established dst '[fd19::2]:90' | wc -l)" "1 1" \
		"host connections to ports 80 and 90 before del"
	bn port del c1 8080:80
	assert_eq "$(in_host ss -Htn state established dst '[fd19::2]:80' | wc -l) $(in_host ss -Htn state established dst '[fd19::2]:90' | wc -l)" "0 1" \
		"host connections to ports 80 and 90 after del"
	assert_eq "$(dump_map sock_rev6 | python3 -c 'import json, struct, sys
print(" ".join(str(struct.unpack(">H", struct.pack("<H", e["value"]["port"]))[0]) for e in json.load(sys.stdin)))')" 9000 \
		"sock_rev6 after del: the entry of the socket dialled to port 9000"
	wait_for 3 sh -c "! kill -0 $cut 2>/dev/null"
}

# tear_and_gc ID: c1's ports file torn, gc rebuilds it from port_maps and
# port_maps6; port ls, the ports file and both maps are as before.
tear_and_gc() {
	local ls file maps
	ls=$(bn port ls)
	file=$(cat "$T/state/ports/$1")
	maps="$(pm4_entries) | $(pm6_entries)"
	printf '%s\n8080:8' "$(head -1 "$T/state/ports/$1")" >"$T/state/ports/$1"
	refute "ls over a torn ports file" bn ls
	bn gc >/dev/null 2>&1
	assert_eq "$(bn port ls)" "$ls" "port ls after gc rebuilt the ports file"
	assert_eq "$(cat "$T/state/ports/$1")" "$file" "the ports file gc wrote"
	assert_eq "$(pm4_entries) | $(pm6_entries)" "$maps" "port_maps | port_maps6 after gc"
}

# gc rebuilds every form of spec as it was: no address (both families),
# 0.0.0.0 (IPv4 alone), [::] (IPv6 alone), one address of either family.
test_ipv6_gc_rebuild_keeps_spec_forms() {
	pm6_world '{"bpfnet.ports":"8080:80,0.0.0.0:8081:81,127.0.0.1:9000-9001:90-91,5353:53/udp,[::]:8082:82,[::1]:8083:83,[2001:db8:100::1]:7000:70/udp"}'
	assert_eq "$(bn port ls -j | jq -r '.[] | "\(.host_ip) \(.family)"' | paste -sd,)" \
		"0.0.0.0 both,0.0.0.0 ipv4,127.0.0.1 ipv4,0.0.0.0 both,:: ipv6,::1 ipv6,2001:db8:100::1 ipv6" "the forms published"
	tear_and_gc c1
	# and they act as before: 0.0.0.0:8081 is not on IPv6, 8080 is
	srv_tcp6 "$C1" fd19::2 80 "$T/a"
	echo "both, rebuilt" | in_host_cg nc -6 -N -w 3 ::1 8080 || fail "[::1]:8080 after the rebuild"
	assert_file_eq "$T/a" "both, rebuilt"
	srv_tcp6 "$C1" fd19::2 81 "$T/b"
	in_host_cg nc -6 -z -w 2 ::1 8081 && fail "0.0.0.0:8081 answered on [::1] after the rebuild"
	return 0
}

# Without --subnet6, the maps alone cannot tell 0.0.0.0:H:C from H:C (both
# write port_maps only): the entry's flag does.
test_gc_rebuild_keeps_spec_forms_ipv4_only() {
	world_up_outside
	new_netns; C1=$NEWPID
	hook_up c1 "$C1" '{"bpfnet.ports":"8080:80,0.0.0.0:8081:81,127.0.0.1:9000:90,0.0.0.0:8082-8083:82-83/udp"}'
	tear_and_gc c1
	assert_eq "$(bn port ls -j | jq -r '.[] | "\(.host_port) \(.family)"' | paste -sd,)" "8080 both,8081 ipv4,9000 ipv4,8082 ipv4" "the forms rebuilt"
}

# host_addrs6's addresses, one word each, sorted.
host_addrs6() {
	dump_map host_addrs6 | python3 -c 'import ipaddress, json, struct, sys
for e in json.load(sys.stdin):
    print(ipaddress.IPv6Address(struct.pack("<4I", *e["key"]["a"])))' | sort | paste -sd' '
}

# A port on every IPv6 address answers at every global address of the
# host: a secondary address of the uplink (2001:db8:100::7) and another
# interface's (lan0, 2001:db8:300::1), from outside (by the uplink, and
# from lan0's own network: its edge filter), from a container (hairpin)
# and from a host process. Link-local addresses are none of them. A host
# listener on the secondary address keeps a port published on the
# uplink's address alone; the set follows the host's addresses (resync).
test_ipv6_published_at_every_host_address() {
	[ -d /proc/sys/net/ipv6 ] || { echo "no IPv6 in this kernel"; exit 77; }
	world_up_outside
	in_host ip -6 addr add 2001:db8:100::1/64 dev up0 nodad
	in_host ip -6 addr add 2001:db8:100::7/64 dev up0 nodad
	in_out ip -6 addr add "$OUTSIDE_IP6/64" dev eth0 nodad
	in_out ip -6 route add fd19::/64 via 2001:db8:100::1
	in_out ip -6 route add 2001:db8:300::/64 via 2001:db8:100::1
	new_netns; local lan=$NEWPID
	in_host ip link add lan0 type veth peer name eth0 netns "/proc/$lan/ns/net"
	in_host ip -6 addr add 2001:db8:300::1/64 dev lan0 nodad
	in_host ip link set lan0 up
	in_ns "$lan" ip -6 addr add 2001:db8:300::2/64 dev eth0 nodad
	in_ns "$lan" ip link set eth0 up
	FLAGS+=(--subnet6 fd19::/64)
	cgroup_up
	new_netns; C1=$NEWPID
	new_netns; C2=$NEWPID
	hook_up c1 "$C1" '{"bpfnet.ports":"8080:80,[2001:db8:100::1]:8090:90"}'
	hook_up c2 "$C2"
	assert_eq "$(host_addrs6)" "2001:db8:100::1 2001:db8:100::7 2001:db8:300::1 fd19::1" "host_addrs6 (no link-local, no ::1)"
	assert_contains "$(in_host tc filter show dev lan0 ingress)" "edge_ingress $T/state" "lan0's edge filter (IPv6 addresses only)"
	local at
	for at in 2001:db8:100::7 2001:db8:300::1; do
		srv_tcp6 "$C1" fd19::2 80 "$T/out$at"
		echo "outside to $at" | in_out nc -6 -N -w 3 "$at" 8080 || fail "outside -> [$at]:8080"
		assert_file_eq "$T/out$at" "outside to $at"
		assert_contains "$(cat "$T/out$at.peer")" "Connection received on $OUTSIDE_IP6 "
		hairpin6_check "$C2" "$at" fd19::3 "c2 by $at"
		srv_tcp6 "$C1" fd19::2 80 "$T/host$at"
		echo "host to $at" | in_host_cg nc -6 -N -w 3 "$at" 8080 || fail "host -> [$at]:8080"
		assert_file_eq "$T/host$at" "host to $at"
	done
	srv_tcp6 "$C1" fd19::2 80 "$T/lan"
	echo "lan" | in_ns "$lan" nc -6 -N -w 3 2001:db8:300::1 8080 || fail "the LAN -> [2001:db8:300::1]:8080"
	assert_file_eq "$T/lan" "lan"
	assert_contains "$(cat "$T/lan.peer")" "Connection received on 2001:db8:300::2 "
	# the host's own listener at the secondary address, on a port c1
	# publishes at the uplink's address only: the host's still
	in_host timeout 10 nc -6 -nl 2001:db8:100::7 8090 >"$T/hostl" &
	PIDS+=($!)
	wait_listen tcp 8090 in_host
	echo "to the host" | in_out nc -6 -N -w 3 2001:db8:100::7 8090 || fail "outside -> the host's [2001:db8:100::7]:8090"
	assert_file_eq "$T/hostl" "to the host"
	# a link-local address of the uplink is no published address
	local ll
	ll=$(in_host ip -6 -o addr show dev up0 scope link | awk '{print $4}' | cut -d/ -f1)
	[ -n "$ll" ] || fail "up0 has no link-local address"
	srv_tcp6 "$C1" fd19::2 80 "$T/ll"
	local llsrv=$!
	in_out nc -6 -z -w 2 "$ll%eth0" 8080 && fail "[$ll]:8080 reached from outside"
	# (its listener gone, or it would take the next check's connection)
	kill_tree "$llsrv"
	wait "$llsrv" 2>/dev/null || true
	# addresses come and go: resync (as watch does) follows them
	in_host ip -6 addr add 2001:db8:100::8/64 dev up0 nodad
	in_host ip -6 addr del 2001:db8:100::7/64 dev up0
	bn resync >/dev/null
	assert_eq "$(host_addrs6)" "2001:db8:100::1 2001:db8:100::8 2001:db8:300::1 fd19::1" "host_addrs6 after resync"
	hairpin6_check "$C2" 2001:db8:100::8 fd19::3 "c2 by a new address"
	return 0
}

# Two datagrams from a connected UDP socket to [ADDR]:PORT, a second
# apart, in the namespace the command prefix enters: the second fails
# with "Connection refused" when a port unreachable about the first came
# back matching the socket (quoting [ADDR]:PORT).
udp6_twice() { # ADDR PORT CMD...
	local addr=$1 port=$2
	shift 2
	# shellcheck disable=SC2016 # python's own
	"$@" python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.connect((sys.argv[1], int(sys.argv[2])))
s.send(b"one")
time.sleep(1)
try:
    s.send(b"two")
    print("sent twice")
except OSError as e:
    print(e.strerror)' "$addr" "$port" 2>&1
}

# A published UDP port with no listener, reached by containers (hairpin):
# c1's port unreachable reaches c2 translated (from the address c2
# dialled, quoting its datagram as sent), so c2's socket sees "Connection
# refused"; so does c1's, dialling its own port by the gateway.
test_ipv6_hairpin_port_unreachable() {
	pm6_world '{"bpfnet.ports":"[::]:5353:53/udp"}'
	local x
	x=$(stat_of icmp_errors_translated)
	assert_eq "$(udp6_twice 2001:db8:100::1 5353 in_ns "$C2")" "Connection refused" \
		"c2's socket, by the uplink's address"
	assert_eq "$(udp6_twice fd19::1 5353 in_ns "$C2")" "Connection refused" \
		"c2's socket, by the gateway's"
	assert_eq "$(udp6_twice fd19::1 5353 in_ns "$C1")" "Connection refused" \
		"c1's socket, its own port by the gateway"
	assert_ge "$(stat_of icmp_errors_translated)" $((x + 3)) "ICMPv6 errors translated"
}
