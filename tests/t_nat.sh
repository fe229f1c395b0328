#!/usr/bin/env bash
# The eBPF datapath with real traffic: a host namespace whose uplink leads
# to an "outside" namespace (198.51.100.0/24) that has no route back to the
# containers, so nothing works unless bpfnet translates it.

nat_world() { containers_world "$@"; }

# A TCP server outside that stores what it got and who sent it.
tcp_server() { # port outfile
	in_out timeout 20 nc -nlv "$OUTSIDE_IP" "$1" >"$2" 2>"$2.peer" &
	PIDS+=($!)
	wait_listen tcp "$1" in_out
}

test_ping_outside() {
	nat_world
	in_ns "$C1" ping -c2 -W2 "$OUTSIDE_IP" >/dev/null || fail "container cannot ping the outside host"
	assert_eq "$(dump_map conntrack | jq '[.[] | select(.key.proto==1)] | length')" 1 "icmp flows"
	assert_ge "$(stat_of snat_packets)" 2 "snat counter did not move"
	assert_ge "$(stat_of reverse_nat_packets)" 2 "reverse counter did not move"
	assert_ge "$(stat_of fast_path_in)" 1 "replies did not take the fast path"
}

test_tcp_masqueraded_bytes_intact() {
	nat_world
	head -c 3000000 /dev/urandom >"$T/blob"
	tcp_server 8000 "$T/got"
	in_ns "$C1" nc -N -w 5 "$OUTSIDE_IP" 8000 <"$T/blob" || fail "tcp client failed"
	assert_same_file "$T/blob" "$T/got" "bytes received"
	assert_contains "$(cat "$T/got.peer")" "Connection received on $UPLINK_IP"
	assert_ge "$(stat_of fast_path_out)" 10 "no fast-path packets"
}

test_udp_both_ways_seen_as_host() {
	nat_world
	(sleep 1; echo pong) | in_out timeout 5 nc -n -u -lv "$OUTSIDE_IP" 9000 >"$T/got" 2>"$T/peer" &
	PIDS+=($!)
	wait_listen udp 9000 in_out
	local reply
	reply=$(echo ping | in_ns "$C1" timeout 5 nc -u -w 2 "$OUTSIDE_IP" 9000)
	assert_eq "$reply" pong "reply in the container"
	assert_eq "$(cat "$T/got")" ping "datagram outside"
	assert_contains "$(cat "$T/peer")" "$UPLINK_IP"
	assert_not_contains "$(cat "$T/peer")" "172.19."
}

test_wget_http() {
	nat_world
	mkdir -p "$T/www"
	head -c 200000 /dev/urandom >"$T/www/file"
	in_out busybox httpd -f -p 8080 -h "$T/www" &
	PIDS+=($!)
	wait_listen tcp 8080 in_out
	in_ns "$C1" busybox wget -q -O "$T/fetched" "http://$OUTSIDE_IP:8080/file" || fail "wget failed"
	assert_eq "$(md5sum <"$T/fetched")" "$(md5sum <"$T/www/file")"
}

test_iperf3_both_directions() {
	nat_world
	in_out iperf3 -s -B "$OUTSIDE_IP" -1 >/dev/null 2>&1 &
	PIDS+=($!)
	wait_listen tcp 5201 in_out
	local up down
	up=$(in_ns "$C1" iperf3 -c "$OUTSIDE_IP" -t 2 -J | jq '.end.sum_received.bytes')
	in_out iperf3 -s -B "$OUTSIDE_IP" -1 >/dev/null 2>&1 &
	PIDS+=($!)
	wait_listen tcp 5201 in_out
	down=$(in_ns "$C1" iperf3 -c "$OUTSIDE_IP" -t 2 -R -J | jq '.end.sum_received.bytes')
	[ "${up:-0}" -gt 1000000 ] || fail "container->outside moved only ${up:-0} bytes"
	[ "${down:-0}" -gt 1000000 ] || fail "outside->container moved only ${down:-0} bytes"
}

test_same_source_port_two_containers() {
	nat_world 2
	local C2=${CS[1]}
	in_out sh -c "timeout 10 nc -nlk $OUTSIDE_IP 7000 > $T/peer7000" &
	PIDS+=($!)
	wait_listen tcp 7000 in_out
	# both containers hold a connection from source port 40000 at once
	(echo one; sleep 2) | in_ns "$C1" nc -p 40000 -w 4 "$OUTSIDE_IP" 7000 &
	local a=$!
	wait_for 5 established_at_least 1 7000 in_out
	(echo two; sleep 2) | in_ns "$C2" nc -p 40000 -w 4 "$OUTSIDE_IP" 7000 &
	local b=$!
	wait_for 5 established_at_least 2 7000 in_out
	local ports
	ports=$(in_out ss -tn state established "( sport = :7000 )" | awk 'NR>1 {print $4}' | sort -u)
	wait "$a" || fail "client one failed"
	wait "$b" || fail "client two failed"
	assert_eq "$(wc -l <<<"$ports")" 2 "two distinct translated tuples: $ports"
	assert_contains "$ports" "$UPLINK_IP:40000"
	assert_eq "$(sort "$T/peer7000" | tr '\n' ' ')" "one two "
	assert_ge "$(stat_of port_retries)" 1 "no port retry counted"
}

test_checksums_with_tx_offload_off() {
	nat_world
	local veth
	veth=$(bn ls -j | jq -r '.[0].veth')
	in_ns "$C1" ethtool -K eth0 tx off >/dev/null
	in_host ethtool -K "$veth" tx off >/dev/null
	in_host ethtool -K up0 tx off >/dev/null
	in_out ethtool -K eth0 tx off >/dev/null
	head -c 1000000 /dev/urandom >"$T/blob"
	tcp_server 8001 "$T/got"
	in_ns "$C1" nc -N -w 5 "$OUTSIDE_IP" 8001 <"$T/blob" || fail "tcp client failed"
	assert_same_file "$T/blob" "$T/got" "bytes with tx off"
	(sleep 1; echo pong) | in_out timeout 5 nc -u -l "$OUTSIDE_IP" 9001 >/dev/null &
	PIDS+=($!)
	wait_listen udp 9001 in_out
	assert_eq "$(echo ping | in_ns "$C1" timeout 5 nc -u -w 2 "$OUTSIDE_IP" 9001)" pong "udp with tx off"
	in_ns "$C1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "ping with tx off"
	# the receiving stacks count bad checksums: none may appear
	assert_eq "$(in_out nstat -az TcpInCsumErrors UdpInCsumErrors | awk 'NR>1 {s+=$2} END {print s+0}')" 0 "checksum errors outside"
	assert_eq "$(in_ns "$C1" nstat -az TcpInCsumErrors UdpInCsumErrors | awk 'NR>1 {s+=$2} END {print s+0}')" 0 "checksum errors inside"
}

test_no_iptables_or_nft_rules() {
	nat_world
	in_ns "$C1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "ping failed"
	assert_eq "$(in_host iptables-save | count_lines '^-A')" 0 "iptables rules"
	assert_eq "$(in_host nft list ruleset | count_lines 'rule|masquerade|dnat|snat')" 0 "nft rules"
}

test_works_with_forward_policy_drop() {
	nat_world
	in_host iptables -P FORWARD DROP
	head -c 500000 /dev/urandom >"$T/blob"
	tcp_server 8002 "$T/got"
	in_ns "$C1" nc -N -w 5 "$OUTSIDE_IP" 8002 <"$T/blob" || fail "tcp client failed with FORWARD DROP"
	assert_same_file "$T/blob" "$T/got"
	in_ns "$C1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "ping failed with FORWARD DROP"
}

test_untranslated_paths() {
	nat_world 2
	local C2=${CS[1]}
	# container to container and host to container keep their addresses
	in_ns "${CS[1]}" sh -c "timeout 5 nc -nlv 172.19.0.3 7100 >/dev/null 2>$T/peer" &
	PIDS+=($!)
	wait_listen tcp 7100 in_ns "$C2"
	echo hi | in_ns "$C1" nc -N -w 2 172.19.0.3 7100
	wait_for 5 grep -q "Connection received" "$T/peer"
	assert_contains "$(cat "$T/peer")" "Connection received on 172.19.0.2"
	in_host ping -c1 -W2 172.19.0.3 >/dev/null || fail "host cannot reach a container"
	in_ns "$C2" ping -c1 -W2 "$UPLINK_IP" >/dev/null || fail "container cannot reach the host's uplink address"
	in_ns "$C2" ping -c1 -W2 172.19.0.1 >/dev/null || fail "container cannot reach the gateway"
	assert_ge "$(stat_of passed_untranslated)" 1 "untranslated traffic not counted"
}

test_anti_spoofing() {
	nat_world 2
	local C2=${CS[1]}
	in_ns "$C1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "baseline ping failed"
	# c1 takes c2's address: its packets must die at its veth
	in_ns "$C1" ip addr add 172.19.0.3/32 dev eth0
	in_ns "$C1" ping -c2 -W1 -I 172.19.0.3 "$OUTSIDE_IP" >/dev/null 2>&1 && fail "spoofed ping got through"
	assert_ge "$(stat_of drop_spoofed_ip)" 1 "spoofed IP not counted"
	in_ns "$C1" ip addr del 172.19.0.3/32 dev eth0
	# c1 takes another MAC
	in_ns "$C1" ip link set eth0 address 02:42:de:ad:be:ef
	# a new MAC flushes the neighbour table: first only ARP leaves, and dies
	local arp0
	arp0=$(stat_of drop_spoofed_arp)
	in_ns "$C1" ping -c1 -W1 "$OUTSIDE_IP" >/dev/null 2>&1 && fail "ARP with a spoofed MAC got through"
	assert_ge "$(stat_of drop_spoofed_arp)" "$((arp0 + 1))" "ARP drops with a spoofed MAC"
	# then IP frames from the spoofed MAC (the gateway's MAC set by hand)
	in_ns "$C1" ip neigh replace 172.19.0.1 lladdr "$(in_host ip -j link show bnbr0 | jq -r ".[0].address")" dev eth0 nud permanent
	in_ns "$C1" ping -c2 -W1 "$OUTSIDE_IP" >/dev/null 2>&1 && fail "ping with a spoofed MAC got through"
	assert_ge "$(stat_of drop_spoofed_mac)" 2 "IP drops with a spoofed MAC"
	assert_eq "$(bn stats -j | jq '.containers[] | select(.id=="c1") | .drops > 0')" true
	in_ns "$C2" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "the other container was disturbed"
}

# outside routes on to a "far" namespace (203.0.113.0/24) over a link with a
# smaller MTU, so it sends real ICMP errors back about translated packets.
far_world() {
	nat_world
	ip netns add "$P-far"
	FARNS=/run/netns/$P-far
	in_out ip link add far0 mtu 1280 type veth peer name eth0 netns "$FARNS"
	in_out ip addr add 203.0.113.1/24 dev far0
	in_out ip link set far0 up
	in_out sysctl -qw net.ipv4.ip_forward=1
	nsenter --net="$FARNS" ip addr add 203.0.113.10/24 dev eth0
	nsenter --net="$FARNS" ip link set eth0 mtu 1280 up
	nsenter --net="$FARNS" ip route add default via 203.0.113.1
	in_out ip route replace 198.51.100.0/24 dev eth0
	in_out ip neigh flush all
	# the far side is torn down with the world
	trap 'ip netns del "$P-far" 2>/dev/null; world_down' EXIT
}

test_icmp_errors_translated() {
	far_world
	in_ns "$C1" ping -c1 -W2 203.0.113.10 >/dev/null || fail "far host unreachable"
	local out
	# TTL 2: the host takes one, the outside router answers "time exceeded"
	out=$(in_ns "$C1" ping -c1 -W2 -t 2 203.0.113.10 2>&1) && fail "a TTL 2 ping was answered"
	assert_contains "$out" "From $OUTSIDE_IP"
	assert_contains "$out" "Time to live exceeded"
	# DF packets larger than the far link: "fragmentation needed", and the
	# container's stack learns the path MTU from the translated error
	out=$(in_ns "$C1" ping -c2 -W2 -M "do" -s 1400 203.0.113.10 2>&1) && fail "a DF ping over the far MTU was answered"
	assert_contains "$out" "mtu = 1280"
	assert_contains "$(in_ns "$C1" ip route get 203.0.113.10)" "mtu 1280"
	# a UDP datagram to a closed port: "port unreachable" reaches the sender
	# (two sends: nc's exit status says nothing; the counter below does)
	echo x | in_ns "$C1" timeout 3 nc -u -w 1 203.0.113.10 9999
	echo x | in_ns "$C1" timeout 3 nc -u -w 1 203.0.113.10 9999
	assert_ge "$(stat_of icmp_errors_translated)" 3 "icmp errors translated"
	# and TCP works across the smaller MTU thanks to PMTU discovery
	nsenter --net="$FARNS" timeout 10 nc -n -l 203.0.113.10 8000 >"$T/got" &
	PIDS+=($!)
	wait_listen tcp 8000 nsenter --net="$FARNS"
	head -c 300000 /dev/urandom >"$T/blob"
	in_ns "$C1" nc -N -w 5 203.0.113.10 8000 <"$T/blob" || fail "tcp over the small-MTU path failed"
	assert_same_file "$T/blob" "$T/got"
}

test_teardown_flushes_flows() {
	nat_world 2
	in_ns "$C1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null
	in_ns "${CS[1]}" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null
	assert_eq "$(dump_map conntrack | jq length)" 2
	hook_down c1
	assert_eq "$(dump_map conntrack | jq length)" 1 "flows after teardown"
	assert_eq "$(dump_map rev_nat | jq length)" 1 "reverse entries after teardown"
	assert_eq "$(dump_map endpoints | jq length)" 1 "endpoints after teardown"
}

test_load_once_attach_many() {
	nat_world 3
	# one filter each, bpfnet's: priority 1, handle 0xb9f, all one program
	# (its id: other runs on the machine may load programs of that name)
	local v ids=""
	for v in $(bn ls -j | jq -r '.[].veth'); do
		assert_eq "$(in_host tc filter show dev "$v" ingress | count_lines handle)" 1 "filters on $v"
		assert_contains "$(in_host tc filter show dev "$v" ingress)" "pref 1 bpf chain 0 handle 0xb9f from_container "
		ids+="$(in_host tc filter show dev "$v" ingress | sed -n 's/.* id \([0-9]*\) .*/\1/p') "
	done
	assert_eq "$(tr ' ' '\n' <<<"$ids" | sort -u | count_lines)" 1 "programs loaded (ids $ids)"
	assert_contains "$(in_host tc filter show dev up0 ingress)" "pref 1 bpf chain 0 handle 0xb9f uplink_ingress "
	assert_contains "$(in_host tc filter show dev up0 egress)" "pref 1 bpf chain 0 handle 0xb9f uplink_egress "
	# someone else's filter on the uplink survives bpfnet down
	in_host tc filter add dev up0 ingress pref 7 u32 match u32 0 0
	bn down
	assert_contains "$(in_host tc filter show dev up0 ingress)" "pref 7 u32"
	assert_not_contains "$(in_host tc filter show dev up0 ingress)" "uplink_ingress"
	[ ! -e "$T/bpf/bpfnet" ] || fail "pins left after down"
	refute "program ${ids%% *} left after down" bpftool prog show id "${ids%% *}"
}

test_bpftool_shows_named_fields() {
	nat_world
	in_ns "$C1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null
	local m
	for m in net_config endpoints conntrack rev_nat stats endpoint_stats; do
		bpftool map dump pinned "$T/bpf/bpfnet/$m" >/dev/null || fail "cannot dump $m"
	done
	assert_contains "$(bpftool map dump pinned "$T/bpf/bpfnet/conntrack")" '"nat_port"'
	assert_contains "$(bpftool map dump pinned "$T/bpf/bpfnet/endpoints")" '"host_ifindex"'
	assert_contains "$(bpftool map dump pinned "$T/bpf/bpfnet/net_config")" '"uplink_addr"'
	assert_contains "$(bpftool map dump pinned "$T/bpf/bpfnet/stats")" '"cpu"'
	assert_contains "$(bpftool map dump pinned "$T/bpf/bpfnet/rev_nat")" '"caddr"'
	# the default --snat-ports, as the datapath got it
	assert_eq "$(dump_map net_config | jq -c '.[0].value | [.port_min, .port_max]')" "[1024,65535]" "SNAT port range"
	# map sizes: the flow tables' default from memory (new-flow tables half),
	# 65,536 port maps, 4,096 containers
	local f
	f=$(flow_default)
	for m in conntrack:$f rev_nat:$f dnat_ct:$f dnat_rev:$f ct_new:$((f / 2)) dnat_rev_new:$((f / 2)) \
		port_maps:65536 endpoints:4096 endpoint_stats:4096; do
		assert_eq "$(bpftool map show pinned "$T/bpf/bpfnet/${m%%:*}" -j | jq .max_entries)" "${m#*:}" "max_entries of ${m%%:*}"
	done
}

# little-endian hex bytes of a number: le_hex VALUE BYTES
le_hex() {
	local v=$1 n=$2 i out=""
	for ((i = 0; i < n; i++)); do
		out+=$(printf '%02x ' $(((v >> (8 * i)) & 255)))
	done
	echo "$out"
}

test_gc_removes_expired_flows() {
	nat_world
	in_ns "$C1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null
	local out
	out=$(bn gc)
	assert_contains "$out" "0 flows"
	assert_eq "$(dump_map conntrack | jq length)" 1
	expire_first_flow	# as time would
	out=$(bn gc)
	assert_contains "$out" "1 flows"
	assert_eq "$(dump_map conntrack | jq length)" 0 "flows after gc"
	assert_eq "$(dump_map rev_nat | jq length)" 0 "reverse entries after gc"
	# the container still gets out: a new flow is made
	in_ns "$C1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "ping after gc"
}

expire_first_flow() { # [MAP]: conntrack, or ct_new for a flow not answered yet
	map_set_field "${1:-conntrack}" 0 expires_ns 1
}

# A one-shot TCP server in c1 on port 80.
gc_srv() {
	in_ns "$C1" sh -c "timeout 10 nc -nl 172.19.0.2 80 >/dev/null" &
	PIDS+=($!)
	wait_listen tcp 80 in_ns "$C1"
}

# The index in ct_new of the flow from source port PORT (the UDP flows of
# gc_exact are never answered: they stay in the new-flow tables).
flow_index() { dump_map ct_new | jq "map(.key.sport) | index($(port_be "$1"))"; }

# gc is exact: a flow the datapath renewed after gc's walk stays (each entry
# is read again just before it goes); a reply entry another flow holds stays;
# published-port flows, socket entries of closed sockets and counters of
# containers gone are collected too.
test_gc_exact() {
	use_testing_build
	containers_world 1
	bn port add c1 8080:80
	in_out sh -c "timeout 20 nc -u -lk $OUTSIDE_IP 9100 >/dev/null" &
	PIDS+=($!)
	wait_listen udp 9100 in_out
	echo a | in_ns "$C1" timeout 2 nc -u -w 1 -p 41000 "$OUTSIDE_IP" 9100
	echo b | in_ns "$C1" timeout 2 nc -u -w 1 -p 41001 "$OUTSIDE_IP" 9100
	assert_eq "$(dump_map ct_new | jq length)" 2 "flows"
	# renewed between gc's walk and its delete: kept
	map_set_field ct_new "$(flow_index 41000)" expires_ns 1
	BPFNET_HOLD_STEP=10 BPFNET_HOLD_FILE=$T/hold bn gc >"$T/gc1" &
	local gc=$!
	wait_for 5 test -e "$T/hold"
	echo again | in_ns "$C1" timeout 2 nc -u -w 1 -p 41000 "$OUTSIDE_IP" 9100
	rm "$T/hold"
	wait "$gc" || fail "gc failed"
	assert_contains "$(cat "$T/gc1")" " 0 flows,"
	assert_eq "$(dump_map ct_new | jq length)" 2 "flows after gc (one renewed meanwhile)"
	# flow 41000 expired, its translation pointing at 41001's reply entry
	# (another flow holds that tuple by now): the flow goes, that entry stays
	map_set_field ct_new "$(flow_index 41000)" nat_port "$(port_be 41001)"
	map_set_field ct_new "$(flow_index 41000)" expires_ns 1
	bn gc >/dev/null
	assert_eq "$(dump_map ct_new | jq -c 'map(.key.sport)')" "[$(port_be 41001)]" "flows left"
	assert_eq "$(dump_map rev_nat_new | jq -c 'map(.value.cport)')" "[$(port_be 41001)]" "reply entries left"
	echo c | in_ns "$C1" timeout 2 nc -u -w 1 -p 41001 "$OUTSIDE_IP" 9100
	assert_eq "$(dump_map ct_new | jq -c 'map(.value.nat_port)')" "[$(port_be 41001)]" "41001's flow, its reply entry kept"
	# a published port's flow, expired
	gc_srv
	echo hello | in_out nc -N -w 3 "$UPLINK_IP" 8080 || fail "connect to the published port"
	assert_eq "$(dump_map dnat_ct | jq length)" 1 "published-port flows"
	map_set_field dnat_ct 0 expires_ns 1
	# a host socket sent to the container, closed since (UDP: a TCP socket
	# lives on in TIME-WAIT, with its cookie, and so does its entry)
	bn port add c1 5353:53/udp
	echo host | in_host_cg timeout 3 nc -u -w 1 127.0.0.1 5353 || true
	assert_eq "$(dump_map sock_rev | jq length)" 1 "socket entries"
	local out
	out=$(bn gc)
	assert_contains "$out" "1 socket entries"
	assert_eq "$(dump_map dnat_ct | jq length)" 0 "published-port flows after gc"
	assert_eq "$(dump_map dnat_rev | jq length)" 0 "their reply entries after gc"
	assert_eq "$(dump_map sock_rev | jq length)" 0 "socket entries after gc"
	# counters of a container gone while bpfnet was not looking
	bpftool map update pinned "$T/bpf/bpfnet/endpoint_stats" key 172 19 9 9 value hex 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
	out=$(bn gc)
	assert_contains "$out" "1 counters"
	assert_eq "$(dump_map endpoint_stats | jq "[.[] | select(.key == $(ip_be 172.19.9.9))] | length")" 0 "counters of 172.19.9.9"
}

test_expired_flow_replaced_in_datapath() {
	nat_world
	in_out sh -c "timeout 8 nc -u -lk $OUTSIDE_IP 9100 > $T/got" &
	PIDS+=($!)
	wait_listen udp 9100 in_out
	echo one | in_ns "$C1" timeout 2 nc -u -w 1 -p 41000 "$OUTSIDE_IP" 9100
	expire_first_flow ct_new	# the server never answers
	# the same tuple again: the stale entry is replaced by a new flow
	echo two | in_ns "$C1" timeout 2 nc -u -w 1 -p 41000 "$OUTSIDE_IP" 9100
	assert_eq "$(stat_of flows_expired)" 1 "stale flows replaced"
	assert_eq "$(stat_of flows_created)" 2
	assert_file_eq "$T/got" "one
two"
}

# What the fast path leaves to the kernel: a TTL that would expire here and
# a destination without a route are answered by the host's stack; a
# fragmented datagram for the outside is translated, fragment by fragment
# (frag_nat), both ways: the outside reassembles it from the uplink's
# address and its fragmented answer reaches the container.
test_stack_answers_fragments_translated() {
	nat_world
	local out drops0
	out=$(in_ns "$C1" ping -c1 -W2 -t 1 "$OUTSIDE_IP" 2>&1) && fail "a TTL 1 ping was answered from outside"
	assert_contains "$out" "From 172.19.0.1 icmp_seq=1 Time to live exceeded"
	in_host ip route add unreachable 203.0.113.0/24
	out=$(in_ns "$C1" ping -c1 -W2 203.0.113.5 2>&1) && fail "a ping without a route was answered"
	assert_contains "$out" "From 172.19.0.1 icmp_seq=1 Destination Host Unreachable"
	assert_eq "$(stat_of slow_path)" 2 "packets handed to the stack"
	# 3,028 bytes over MTU 1500: three fragments each way, the later two translated
	drops0=$(stat_of drop_malformed)
	in_ns "$C1" ping -c1 -W2 -s 3000 "$OUTSIDE_IP" >/dev/null || fail "a fragmented ping was not answered"
	assert_ge "$(stat_of fragments_translated)" 4 "later fragments translated, both ways"
	assert_eq "$(stat_of drop_malformed)" "$drops0" "packets dropped as malformed"
	assert_eq "$(stat_of drop_fragment_unknown)" 0 "fragments dropped, their first unseen"
	assert_ge "$(in_out nstat -az IpReasmOKs | awk 'NR > 1 {s += $2} END {print s + 0}')" 1 "datagrams the outside reassembled"
	in_ns "$C1" ping -c1 -W2 -s 1400 "$OUTSIDE_IP" >/dev/null || fail "an unfragmented ping after them"
}

# A fragmented UDP answer (an EDNS0/DNSSEC-sized one): the outside answers a
# container's query with one 3,000-byte datagram, three fragments on the
# wire; the container gets all of it.
test_fragmented_udp_answer_translated() {
	nat_world
	head -c 3000 /dev/urandom >"$T/answer"
	# nc answers the first datagram's sender with what it reads: one datagram
	in_out sh -c "timeout 8 nc -n -u -l $OUTSIDE_IP 9053 < $T/answer > $T/query" &
	PIDS+=($!)
	wait_listen udp 9053 in_out
	echo query | in_ns "$C1" timeout 5 nc -u -w 3 "$OUTSIDE_IP" 9053 >"$T/got"
	assert_eq "$(md5sum <"$T/got")" "$(md5sum <"$T/answer")" "the answer in the container"
	assert_eq "$(cat "$T/query")" query "the query outside"
	assert_ge "$(stat_of fragments_translated)" 2 "later fragments of the answer translated"
}

# A container's 3,000-byte datagram without DF: its own kernel fragments it
# (MTU 1500), the outside reassembles it whole, from the uplink's address.
test_container_fragmented_datagram_out() {
	nat_world
	head -c 3000 /dev/urandom >"$T/dg"
	in_out sh -c "timeout 8 nc -n -u -lv $OUTSIDE_IP 9054 > $T/got 2> $T/peer" &
	PIDS+=($!)
	wait_listen udp 9054 in_out
	in_ns "$C1" ip route get "$OUTSIDE_IP" | grep -q "mtu" && fail "the container's route has an MTU of its own"
	in_ns "$C1" timeout 3 nc -u -w 1 "$OUTSIDE_IP" 9054 <"$T/dg"
	wait_for 5 test "$(stat -c %s "$T/got")" -ge 3000
	assert_same_file "$T/dg" "$T/got" "the datagram outside"
	assert_contains "$(cat "$T/peer")" "$UPLINK_IP"
	assert_ge "$(stat_of fragments_translated)" 2 "later fragments translated"
	assert_eq "$(stat_of drop_fragment_unknown)" 0 "fragments dropped"
}

# The uplink's MTU below the containers' (1400 < 1500): a DF ping over it
# gets the kernel's "fragmentation needed" with the next-hop MTU (from the
# gateway: the fast path leaves it to the stack untranslated), and one
# without DF is fragmented by the host, translated and answered.
test_uplink_mtu_frag_needed_or_fragmented() {
	nat_world
	local out
	in_host ip link set up0 mtu 1400
	in_out ip link set eth0 mtu 1400
	out=$(in_ns "$C1" ping -c1 -W2 -M "do" -s 1472 "$OUTSIDE_IP" 2>&1) && fail "a DF ping over the uplink's MTU was answered"
	grep -Eq "mtu ?= ?1400" <<<"$out" || fail "no 'fragmentation needed' with mtu 1400: $out"
	assert_ge "$(stat_of slow_path)" 1 "packets left to the stack"
	assert_eq "$(dump_map conntrack | jq '[.[] | select(.key.proto==1)] | length')" 0 "flows of the DF ping"
	# once learnt, the container's own stack says so before sending
	out=$(in_ns "$C1" ping -c1 -W2 -M "do" -s 1472 "$OUTSIDE_IP" 2>&1) && fail "a DF ping over the learnt MTU was answered"
	grep -Eiq "mtu ?= ?1400|message too long" <<<"$out" || fail "no local 'message too long': $out"
	in_ns "$C1" ping -c1 -W2 -M dont -s 3000 "$OUTSIDE_IP" >/dev/null || fail "a ping without DF over the uplink's MTU was not answered"
	assert_ge "$(stat_of fragments_translated)" 2 "fragments translated"
	assert_eq "$(stat_of drop_fragment_unknown)" 0 "fragments dropped"
}

# net_works PID ADDR HOSTPORT: the container at ADDR reaches the outside,
# which sees the uplink's address (masquerade), and the outside reaches its
# port 80 published as HOSTPORT. Servers on fresh ports each call.
net_works() {
	local pid=$1 addr=$2 port=$3
	NW=$((${NW:-7000} + 1))
	tcp_server "$NW" "$T/out$NW"
	echo "from $addr" | in_ns "$pid" nc -N -w 3 "$OUTSIDE_IP" "$NW" || fail "$addr cannot reach the outside"
	assert_file_eq "$T/out$NW" "from $addr"
	assert_contains "$(cat "$T/out$NW.peer")" "Connection received on $UPLINK_IP "
	in_ns "$pid" timeout 10 nc -nl "$addr" 80 >"$T/in$NW" &
	PIDS+=($!)
	wait_listen tcp 80 in_ns "$pid"
	echo "to $port" | in_out nc -N -w 3 "$UPLINK_IP" "$port" || fail "published port $port unreachable"
	assert_file_eq "$T/in$NW" "to $port"
}

fwd_up0() { in_host sysctl -n net.ipv4.conf.up0.forwarding; }

# Two networks on one uplink, the second with its own state dir, pin dir,
# bridge and subnet: each has its own filter on up0 (the second after the
# first), masquerades and publishes (never the other's port); the second's
# slow path leaks no private source through the first's filter; either goes
# down without the other, and the last one gives the uplink's forwarding back.
test_two_networks_share_uplink() {
	world_up_outside
	net2_flags 172.20.0.0/16
	local C2 s1 s2 frags1 out
	s1=$(realpath "$T/state")
	s2=$(realpath "$T/state2")
	assert_eq "$(fwd_up0)" 0 "uplink forwarding before"
	new_netns; C1=$NEWPID
	new_netns; C2=$NEWPID
	hook_up c1 "$C1" '{"bpfnet.ports":"8080:80,5353:53/udp"}'
	# a host port belongs to one network of the uplink, checked from the first container on
	out=$(hook_up2 c2 "$C2" '{"bpfnet.ports":"8080:80"}' 2>&1) && fail "network 2 published network 1's port"
	assert_contains "$out" "host port 8080/tcp is published by another network on the uplink ($s1)"
	hook_up2 c2 "$C2" '{"bpfnet.ports":"8081:80"}'
	assert_contains "$(in_host tc filter show dev up0 ingress)" "pref 1 bpf chain 0 handle 0xb9f uplink_ingress $s1 "
	assert_contains "$(in_host tc filter show dev up0 ingress)" "pref 2 bpf chain 0 handle 0xb9f uplink_ingress $s2 "
	assert_contains "$(in_host tc filter show dev up0 egress)" "pref 2 bpf chain 0 handle 0xb9f uplink_egress $s2 "
	net_works "$C1" 172.19.0.2 8080
	net_works "$C2" 172.20.0.2 8081
	# one source port in both networks at once: never one translated tuple
	# (network 1's filter runs first and would take network 2's replies)
	in_out sh -c "timeout 10 nc -nlk $OUTSIDE_IP 7000 > $T/peer7000" &
	PIDS+=($!)
	wait_listen tcp 7000 in_out
	(echo one; sleep 2) | in_ns "$C1" nc -p 40000 -w 4 "$OUTSIDE_IP" 7000 &
	local a=$!
	wait_for 5 established_at_least 1 7000 in_out
	(echo two; sleep 2) | in_ns "$C2" nc -p 40000 -w 4 "$OUTSIDE_IP" 7000 &
	local b=$!
	wait_for 5 established_at_least 2 7000 in_out
	wait "$a" || fail "network 1's client failed"
	wait "$b" || fail "network 2's client failed"
	assert_eq "$(sort "$T/peer7000" | tr '\n' ' ')" "one two " "what the outside received"
	assert_ge "$(bn2 stats -j | jq .totals.snat_ports_other_network_holds)" 1 "ports network 2 passed over"
	# nor a port network 1 publishes (its filter would take the replies in)
	(sleep 1; echo answer) | in_out timeout 6 nc -n -u -l "$OUTSIDE_IP" 7001 >"$T/peer7001" &
	PIDS+=($!)
	wait_listen udp 7001 in_out
	assert_eq "$(echo question | in_ns "$C2" timeout 5 nc -u -p 5353 -w 2 "$OUTSIDE_IP" 7001)" answer \
		"network 2's client from port 5353 (network 1 publishes 5353/udp)"
	assert_eq "$(cat "$T/peer7001")" question
	assert_ge "$(bn2 stats -j | jq .totals.snat_ports_other_network_holds)" 2 "ports network 2 passed over"
	# fragments over the uplink's MTU take the slow path: the stack cuts
	# them again, past network 1's filter, and network 2's translates them
	# (a private source would get no answer: the outside has no route back)
	in_host ip link set up0 mtu 1400
	in_out ip link set eth0 mtu 1400
	frags1=$(bn stats -j | jq .totals.fragments_translated)
	in_ns "$C2" ping -c1 -W2 -s 3000 "$OUTSIDE_IP" >/dev/null || fail "network 2's fragmented ping was not answered"
	assert_ge "$(bn2 stats -j | jq .totals.fragments_translated)" 2 "network 2's fragments translated"
	assert_ge "$(bn2 stats -j | jq .totals.slow_path)" 1 "network 2's packets left to the stack"
	assert_eq "$(bn stats -j | jq .totals.fragments_translated)" "$frags1" "network 1's filter translated none"
	in_host ip link set up0 mtu 1500
	in_out ip link set eth0 mtu 1500

	bn2 down >/dev/null
	assert_not_contains "$(in_host tc filter show dev up0 ingress; in_host tc filter show dev up0 egress)" "$s2 "
	assert_eq "$(fwd_up0)" 1 "uplink forwarding with network 1 left"
	net_works "$C1" 172.19.0.2 8080

	# and the other way round: network 2 back, network 1 down
	hook_up2 c2 "$C2" '{"bpfnet.ports":"8081:80"}'
	net_works "$C2" 172.20.0.2 8081
	bn down >/dev/null
	assert_not_contains "$(in_host tc filter show dev up0 ingress; in_host tc filter show dev up0 egress)" "$s1 "
	assert_eq "$(fwd_up0)" 1 "uplink forwarding with network 2 left"
	net_works "$C2" 172.20.0.2 8081
	bn2 down >/dev/null
	assert_eq "$(in_host tc filter show dev up0 ingress | count_lines 0xb9f)" 0 "bpfnet filters left on up0"
	assert_eq "$(fwd_up0)" 0 "uplink forwarding after the last network"
}

# Two networks on one uplink publish the same host port at the same moment
# (each under its own lock): the later to check gives way, never both keep it.
# Network 2 is held between its check and its write while network 1 publishes.
test_shared_uplink_publish_race() {
	use_testing_build
	world_up_outside
	net2_flags 172.20.0.0/16
	local C2 out rc=0
	new_netns; C1=$NEWPID
	new_netns; C2=$NEWPID
	hook_up c1 "$C1"
	hook_up2 c2 "$C2"
	BPFNET_HOLD_STEP=9 BPFNET_HOLD_FILE=$T/hold bn2 port add c2 9000:80 >"$T/out2" 2>&1 &
	local held=$!
	wait_for 5 test -e "$T/hold"
	bn port add c1 9000:80
	rm "$T/hold"
	wait "$held" || rc=$?
	assert_eq "$rc" 1 "network 2's port add, which checked before network 1 published"
	assert_contains "$(cat "$T/out2")" "host port 9000/tcp is published by another network on the uplink"
	assert_eq "$(dump_map port_maps | jq -c 'map(.key.host_port)')" "[$(( (9000 >> 8) | (9000 & 255) << 8 ))]" "network 1's port map (port in network order)"
	assert_eq "$(bpftool map dump pinned "$T/bpf/bpfnet2/port_maps" -j | jq length)" 0 "network 2's port maps"
	assert_eq "$(bn2 port ls -j | jq length)" 0 "network 2's published ports"
}

# Two dual-stack networks on one uplink, both masquerading IPv6 (NAT66):
# a --subnet6 over the other network's is refused; an IPv6 host port is
# published by one network only; both reach one outside host at once from
# the same container source port, and each gets its own replies (network
# 2's flow passes over the tuple network 1 holds, whose filter runs first
# and would take the replies); nor does network 2 translate to a port
# network 1 publishes on IPv6 (its filter would send the replies to c1).
test_two_networks_share_uplink_ipv6() {
	[ -d /proc/sys/net/ipv6 ] || { echo "no IPv6 in this kernel"; exit 77; }
	dual_stack_outside true
	net2_flags 172.20.0.0/16
	local C2 s1 out
	s1=$(realpath "$T/state")
	new_netns; C1=$NEWPID
	new_netns; C2=$NEWPID
	hook_up c1 "$C1" '{"bpfnet.ports":"8080:80,5353:53/udp"}'
	out=$(hook_up2 c2 "$C2" 2>&1) && fail "network 2 took network 1's --subnet6"
	assert_eq "$out" "bpfnet: subnet6 fd19::/64 overlaps the network of bnbr0 (fd19::1/64): choose another --subnet6"
	FLAGS2+=(--subnet6 fd20::/64)
	out=$(hook_up2 c2 "$C2" '{"bpfnet.ports":"[::]:8080:80"}' 2>&1) && fail "network 2 published network 1's IPv6 port"
	assert_contains "$out" "host port 8080/tcp (IPv6) is published by another network on the uplink ($s1)"
	hook_up2 c2 "$C2" '{"bpfnet.ports":"8081:80"}'
	# the outside answers each connection once both are open, with the
	# source port it saw
	# shellcheck disable=SC2016 # python, not shell
	in_out timeout 15 python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 7000)); s.listen()
conns = [s.accept() for _ in range(2)]
for c, a in conns:
    c.sendall(c.recv(100).strip().upper() + b" from port %d\n" % a[1]); c.close()' "$OUTSIDE_IP6" &
	PIDS+=($!)
	wait_listen tcp 7000 in_out
	echo one | in_ns "$C1" timeout 10 nc -6 -p 40000 -w 8 "$OUTSIDE_IP6" 7000 >"$T/one" &
	local a=$!
	wait_for 5 established_at_least 1 7000 in_out
	echo two | in_ns "$C2" timeout 10 nc -6 -p 40000 -w 8 "$OUTSIDE_IP6" 7000 >"$T/two" &
	local b=$!
	wait "$a" || fail "network 1's client failed"
	wait "$b" || fail "network 2's client failed"
	assert_eq "$(cat "$T/one")" "ONE from port 40000" "network 1's reply (its own port)"
	assert_contains "$(cat "$T/two")" "TWO from port " "network 2's reply"
	[ "$(cat "$T/two")" != "TWO from port 40000" ] || fail "network 2 took network 1's tuple"
	assert_ge "$(bn2 stats -j | jq .totals.snat_ports_other_network_holds)" 1 "ports network 2 passed over"
	# a port network 1 publishes on IPv6 (5353/udp): never network 2's
	(sleep 1; echo answer) | in_out timeout 6 nc -6 -n -u -l "$OUTSIDE_IP6" 7001 >"$T/peer7001" &
	PIDS+=($!)
	wait_listen udp 7001 in_out
	assert_eq "$(echo question | in_ns "$C2" timeout 5 nc -6 -u -p 5353 -w 2 "$OUTSIDE_IP6" 7001)" answer \
		"network 2's client from port 5353 (network 1 publishes 5353/udp)"
	assert_eq "$(cat "$T/peer7001")" question
	assert_ge "$(bn2 stats -j | jq .totals.snat_ports_other_network_holds)" 2 "ports network 2 passed over"
}
