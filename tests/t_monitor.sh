#!/usr/bin/env bash
# bpfnet monitor with real traffic: a container sends from an address that
# is not its own, and the monitor, running in the background, prints the
# drop as it happens (reason, container, interface, tuple); --type and --id
# choose the events; --type trace shows every translation of a real
# connection to a published port (from outside, from a neighbour, from the
# container itself) with both tuples; the lease it holds in monitor_ctl is
# given back when it stops, and runs out when it is killed; one monitor per
# network at a time; an IPv6 drop shows its IPv6 tuple, and NAT66's
# translations (a TCP connection, a ping) both IPv6 tuples.

# The monitor in the background, as a user runs it: start_monitor NAME ARGS...
# Its output goes to $T/NAME, its pid to MON; it returns once its lease is on.
start_monitor() {
	local name=$1
	shift
	nsenter --net="$HOSTNS" "$BPFNET" monitor "$@" "${FLAGS[@]}" >"$T/$name" 2>"$T/$name.err" &
	MON=$!
	PIDS+=("$MON")
	wait_for 5 lease_on
}

# A monitor that should refuse to start; one that does not stops after 3 s.
monitor_once() { in_host timeout 3 "$BPFNET" monitor "$@" "${FLAGS[@]}"; }

# The lease of drops (type 0) or traces (type 1), as a deadline in ns (0: off).
lease_of() { dump_map monitor_ctl | jq -r ".[0].value.until_ns[${1:-0}]"; }
lease_on() { [ "$(lease_of 0)" != 0 ] || [ "$(lease_of 1)" != 0 ]; }

# stop_monitor: SIGTERM, as systemd or Ctrl-C would; it must exit 0.
stop_monitor() {
	local rc=0
	kill -TERM "$MON"
	wait "$MON" || rc=$?
	assert_eq "$rc" 0 "monitor exit code after SIGTERM ($(cat "$T"/*.err 2>/dev/null))"
}

# c1 (172.19.0.2) sends one UDP datagram from 172.19.0.99, an address that is
# not its own: spoof C1-PID PORT. The gateway's MAC is learnt first with its
# own address, or the ARP request would carry the spoofed one.
spoof() {
	in_ns "$1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "baseline ping failed"
	in_ns "$1" ip addr add 172.19.0.99/32 dev eth0
	echo spoofed | in_ns "$1" nc -u -w1 -s 172.19.0.99 -p "$2" "$OUTSIDE_IP" 7 || true
	in_ns "$1" ip addr del 172.19.0.99/32 dev eth0
}

# The JSON events of a monitor's output with that reason.
events() { jq -c --arg r "$2" 'select(.reason == $r)' "$T/$1"; }
has_event() { [ -n "$(events "$1" "$2")" ]; }

test_spoofed_drop_shown_with_container_and_tuple() {
	containers_world 1
	start_monitor mon -j
	spoof "$C1" 5555
	wait_for 5 has_event mon drop_spoofed_ip
	local ev veth
	ev=$(events mon drop_spoofed_ip | head -1)
	veth=$(bn ls -j | jq -r '.[] | select(.id=="c1") | .veth')
	assert_eq "$(jq -r .type <<<"$ev")" drop "event type"
	assert_eq "$(jq -r .id <<<"$ev")" c1 "container"
	assert_eq "$(jq -r .iface <<<"$ev")" "$veth" "interface"
	assert_eq "$(jq -r .proto <<<"$ev")" udp "protocol"
	assert_eq "$(jq -r .src <<<"$ev")" 172.19.0.99 "source"
	assert_eq "$(jq -r .sport <<<"$ev")" 5555 "source port"
	assert_eq "$(jq -r .dst <<<"$ev")" "$OUTSIDE_IP" "destination"
	assert_eq "$(jq -r .dport <<<"$ev")" 7 "destination port"
	# every line is one JSON object (jq reads the whole output)
	jq -e . "$T/mon" >/dev/null || fail "not one JSON object per line: $(cat "$T/mon")"
	stop_monitor
	assert_eq "$(lease_of 0)" 0 "drop lease after the monitor stopped"
	# the text form: one line, the same facts
	start_monitor text
	spoof "$C1" 5556
	wait_for 5 grep -q drop_spoofed_ip "$T/text"
	assert_contains "$(cat "$T/text")" "udp 172.19.0.99:5556 -> $OUTSIDE_IP:7"
	assert_contains "$(grep drop_spoofed_ip "$T/text")" " c1 "
	stop_monitor
}

# c1 sends one UDP datagram from fd19::99, not its own IPv6 address:
# spoof6 C1-PID PORT. The gateway's MAC is learnt first from its own address.
spoof6() {
	in_ns "$1" ping -6 -c1 -W2 fd19::1 >/dev/null || fail "baseline IPv6 ping failed"
	in_ns "$1" ip -6 addr add fd19::99/128 dev eth0 nodad
	echo spoofed | in_ns "$1" nc -6 -u -w1 -s fd19::99 -p "$2" "$OUTSIDE_IP6" 7 || true
	in_ns "$1" ip -6 addr del fd19::99/128 dev eth0
}

# The JSON drop of that source port: the datagram of spoof6, not the
# neighbour discovery around it.
drop6() { jq -c --argjson p "$2" 'select(.type == "drop" and .sport == $p)' "$T/$1"; }
has_drop6() { [ -n "$(drop6 "$@")" ]; }

test_ipv6_drop_shows_tuple() {
	dual_stack_world 1 true
	start_monitor mon6 -j
	spoof6 "$C1" 5557
	wait_for 5 has_drop6 mon6 5557
	local ev
	ev=$(drop6 mon6 5557 | head -1)
	assert_eq "$(jq -r '"\(.reason) \(.id) \(.ethertype) \(.proto) \(.src) \(.sport) \(.dst) \(.dport)"' <<<"$ev")" \
		"drop_spoofed_ip c1 34525 udp fd19::99 5557 $OUTSIDE_IP6 7" "the IPv6 drop's fields"
	stop_monitor
	# the text form: addresses in brackets
	start_monitor text6
	spoof6 "$C1" 5558
	wait_for 5 grep -q "\]:5558 " "$T/text6"
	stop_monitor
	assert_contains "$(grep -m1 ']:5558 ' "$T/text6")" "drop_spoofed_ip"
	assert_contains "$(grep -m1 ']:5558 ' "$T/text6")" "udp [fd19::99]:5558 -> [$OUTSIDE_IP6]:7"
}

test_type_and_id_choose_events() {
	containers_world 2
	local C2=${CS[1]}
	# --id c2: c1's drop is not shown, c2's is
	start_monitor id2 -j --id c2
	local out rc=0
	out=$(monitor_once -j 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit code of a second monitor of the network"
	assert_contains "$out" "another bpfnet monitor is running"
	spoof "$C1" 6001
	spoof "$C2" 6002
	wait_for 5 has_event id2 drop_spoofed_ip
	stop_monitor
	assert_eq "$(events id2 drop_spoofed_ip | jq -r .id | sort -u)" c2 "containers shown with --id c2"
	assert_eq "$(events id2 drop_spoofed_ip | jq -r .sport)" 6002 "the datagram shown with --id c2"
	# --type trace: translations with both tuples, no drops
	start_monitor trace -j --type trace
	assert_eq "$(lease_of 0)" 0 "drop lease of a trace monitor"
	spoof "$C1" 6003
	wait_for 5 has_event trace snat_packets
	stop_monitor
	assert_eq "$(jq -r .type "$T/trace" | sort -u)" trace "event types with --type trace"
	local ev
	ev=$(events trace snat_packets | head -1)
	assert_eq "$(jq -r .id <<<"$ev")" c1 "container of the translation"
	assert_eq "$(jq -r .src <<<"$ev")" 172.19.0.2 "source before"
	assert_eq "$(jq -r .after.src <<<"$ev")" "$UPLINK_IP" "source after"
	assert_eq "$(jq -r .after.dst <<<"$ev")" "$OUTSIDE_IP" "destination after"
}

test_bad_input_refused() {
	containers_world 1
	local out rc=0
	out=$(monitor_once --type loss 2>&1) || rc=$?
	assert_eq "$rc" 2 "exit code for --type loss"
	assert_eq "$out" "bpfnet: invalid type 'loss': drop, trace or all is needed"
	rc=0
	out=$(monitor_once --id nosuch 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit code for an unknown container"
	assert_eq "$out" "bpfnet: no container 'nosuch' (see 'bpfnet ls')"
	assert_eq "$(lease_of 0)" 0 "drop lease after refused monitors"
}

test_killed_monitor_lease_runs_out() {
	containers_world 1
	start_monitor mon -j
	# stopped, then killed: its last event stays unread in the ring
	kill -STOP "$MON"
	spoof "$C1" 6010
	kill -KILL "$MON"
	wait "$MON" 2>/dev/null || true
	[ "$(lease_of 0)" != 0 ] || fail "the lease was cleared without a packet"
	# the lease runs out within BPFNET_MONITOR_LEASE_NS (2 s); the next drop clears it
	sleep 2.2
	spoof "$C1" 6004
	assert_eq "$(lease_of 0)" 0 "drop lease after a killed monitor's ran out"
	# a new monitor starts (the lock went with the killed one) and shows
	# what happens from now on, not what the killed one left unread
	start_monitor again -j
	spoof "$C1" 6011
	wait_for 5 has_event again drop_spoofed_ip
	stop_monitor
	assert_eq "$(events again drop_spoofed_ip | jq -r .sport)" 6011 "events shown by the new monitor"
}

# The JSON trace events of a monitor's output of that kind whose tuple
# (before) has that source or destination port: kind_events NAME KIND PORT.
kind_events() {
	jq -c --arg k "$2" --argjson p "$3" \
		'select(.type == "trace" and .kind == $k and (.sport == $p or .dport == $p))' "$T/$1"
}
has_kind() { [ -n "$(kind_events "$@")" ]; }

# The first such event's fields: kind_fields NAME KIND PORT, as
# "id iface | before | after" (tuples as proto src:sport>dst:dport).
kind_fields() {
	kind_events "$@" | head -1 | jq -r '"\(.id) \(.iface) \(.reason) | \(.proto) \(.src):\(.sport)>\(.dst):\(.dport) | \(.after.proto) \(.after.src):\(.after.sport)>\(.after.dst):\(.after.dport)"'
}

# One request and its answer through c1's published port 8080 (-> 80):
# published_request CLIENT-PREFIX... DEST SPORT; c1 answers "pong".
published_request() {
	local sport=${*: -1} dest=${*: -2:1} out
	set -- "${@:1:$(($# - 2))}"
	echo pong | in_ns "$C1" timeout 5 nc -N -nl 172.19.0.2 80 >/dev/null &
	PIDS+=($!)
	wait_listen tcp 80 in_ns "$C1"
	out=$(echo ping | "$@" timeout 5 nc -N -n -p "$sport" "$dest" 8080) || true
	assert_eq "$out" pong "answer through the published port (from $* port $sport)"
}

test_published_port_traces() {
	world_up_outside
	new_netns; C1=$NEWPID
	new_netns; C2=$NEWPID
	hook_up c1 "$C1" '{"bpfnet.ports":"8080:80"}'
	hook_up c2 "$C2"
	local v1 v2
	v1=$(bn ls -j | jq -r '.[] | select(.id=="c1") | .veth')
	v2=$(bn ls -j | jq -r '.[] | select(.id=="c2") | .veth')
	start_monitor pub -j --type trace
	# from outside: the client's packets to the container, its answers back
	published_request in_out "$UPLINK_IP" 41000
	# from the neighbour c2, at the uplink address; from c1 itself, at the gateway
	published_request in_ns "$C2" "$UPLINK_IP" 41001
	published_request in_ns "$C1" 172.19.0.1 41002
	wait_for 5 has_kind pub hairpin-reply 41002
	stop_monitor
	assert_eq "$(kind_fields pub dnat 41000)" \
		"c1 up0 dnat_packets | tcp $OUTSIDE_IP:41000>$UPLINK_IP:8080 | tcp $OUTSIDE_IP:41000>172.19.0.2:80" \
		"dnat trace"
	assert_eq "$(kind_fields pub dnat-reply 41000)" \
		"c1 $v1 dnat_replies | tcp 172.19.0.2:80>$OUTSIDE_IP:41000 | tcp $UPLINK_IP:8080>$OUTSIDE_IP:41000" \
		"dnat-reply trace"
	assert_eq "$(kind_fields pub hairpin 41001)" \
		"c1 $v2 hairpin | tcp 172.19.0.3:41001>$UPLINK_IP:8080 | tcp 172.19.0.3:41001>172.19.0.2:80" \
		"hairpin trace (a neighbour's)"
	assert_eq "$(kind_fields pub hairpin-reply 41001)" \
		"c1 $v1 hairpin | tcp 172.19.0.2:80>172.19.0.3:41001 | tcp $UPLINK_IP:8080>172.19.0.3:41001" \
		"hairpin-reply trace (to the neighbour)"
	assert_eq "$(kind_fields pub hairpin 41002)" \
		"c1 $v1 hairpin | tcp 172.19.0.2:41002>172.19.0.1:8080 | tcp 172.19.0.1:41002>172.19.0.2:80" \
		"hairpin trace (its own port: the gateway as source)"
	assert_eq "$(kind_fields pub hairpin-reply 41002)" \
		"c1 $v1 hairpin | tcp 172.19.0.2:80>172.19.0.1:41002 | tcp 172.19.0.1:8080>172.19.0.2:41002" \
		"hairpin-reply trace (to itself)"
	# no other translation was made of these connections
	assert_eq "$(jq -r '.kind' "$T/pub" | sort -u | tr '\n' ' ')" "dnat dnat-reply hairpin hairpin-reply " \
		"kinds of the traces"
	# the text form names the kind, both tuples on one line
	start_monitor text --type trace
	published_request in_out "$UPLINK_IP" 41003
	wait_for 5 grep -q "dnat-reply .*:41003" "$T/text"
	stop_monitor
	assert_contains "$(grep -m1 ' dnat ' "$T/text")" \
		"trace dnat"
	assert_contains "$(grep -m1 ' dnat ' "$T/text")" \
		"tcp $OUTSIDE_IP:41003 -> $UPLINK_IP:8080 => tcp $OUTSIDE_IP:41003 -> 172.19.0.2:80"
	assert_contains "$(grep -m1 ' dnat-reply ' "$T/text")" \
		"tcp 172.19.0.2:80 -> $OUTSIDE_IP:41003 => tcp $UPLINK_IP:8080 -> $OUTSIDE_IP:41003"
}

# The first JSON trace of that kind and protocol: trace6 NAME KIND PROTO, as
# "id iface reason | before | after" (tuples as src sport dst dport).
trace6() {
	jq -r --arg k "$2" --arg p "$3" 'select(.type == "trace" and .kind == $k and .proto == $p) |
		"\(.id) \(.iface) \(.reason) | \(.src) \(.sport) \(.dst) \(.dport) | \(.after.proto) \(.after.src) \(.after.sport) \(.after.dst) \(.after.dport)"' \
		"$T/$1" | head -1
}
has_trace6() { [ -n "$(trace6 "$@")" ]; }

# c1's TCP connection from port SPORT to [OUTSIDE_IP6]:5001, answered "pong".
nat66_request() {
	local out
	echo pong | in_out timeout 5 nc -6 -N -nl "$OUTSIDE_IP6" 5001 >/dev/null &
	PIDS+=($!)
	wait_listen tcp 5001 in_out
	out=$(echo ping | in_ns "$C1" timeout 5 nc -6 -N -n -p "$1" "$OUTSIDE_IP6" 5001) || true
	assert_eq "$out" pong "answer of the outside over NAT66 (port $1)"
}

test_ipv6_nat66_traces() {
	dual_stack_world 1 true
	start_monitor nat6 -j --type trace
	nat66_request 42000
	in_ns "$C1" ping -6 -c1 -W2 "$OUTSIDE_IP6" >/dev/null || fail "ping over NAT66 failed"
	wait_for 5 has_trace6 nat6 reverse-nat icmpv6
	stop_monitor
	assert_eq "$(trace6 nat6 snat tcp)" \
		"c1 up0 snat_packets | fd19::2 42000 $OUTSIDE_IP6 5001 | tcp $UPLINK_IP6 42000 $OUTSIDE_IP6 5001" \
		"snat trace of the TCP connection"
	assert_eq "$(trace6 nat6 reverse-nat tcp)" \
		"c1 up0 reverse_nat_packets | $OUTSIDE_IP6 5001 $UPLINK_IP6 42000 | tcp $OUTSIDE_IP6 5001 fd19::2 42000" \
		"reverse-nat trace of its answer"
	assert_eq "$(trace6 nat6 snat icmpv6)" \
		"c1 up0 snat_packets | fd19::2 0 $OUTSIDE_IP6 0 | icmpv6 $UPLINK_IP6 0 $OUTSIDE_IP6 0" \
		"snat trace of the ping"
	assert_eq "$(trace6 nat6 reverse-nat icmpv6)" \
		"c1 up0 reverse_nat_packets | $OUTSIDE_IP6 0 $UPLINK_IP6 0 | icmpv6 $OUTSIDE_IP6 0 fd19::2 0" \
		"reverse-nat trace of its reply"
	assert_eq "$(jq -r .ethertype "$T/nat6" | sort -u)" 34525 "ethertype of the traces"
	# the text form: both tuples, addresses in brackets
	start_monitor text6 --type trace
	nat66_request 42001
	wait_for 5 grep -q "reverse-nat .*:42001" "$T/text6"
	stop_monitor
	assert_contains "$(grep -m1 ' snat ' "$T/text6")" \
		"tcp [fd19::2]:42001 -> [$OUTSIDE_IP6]:5001 => tcp [$UPLINK_IP6]:42001 -> [$OUTSIDE_IP6]:5001"
	assert_contains "$(grep -m1 ' reverse-nat ' "$T/text6")" \
		"tcp [$OUTSIDE_IP6]:5001 -> [$UPLINK_IP6]:42001 => tcp [$OUTSIDE_IP6]:5001 -> [fd19::2]:42001"
}
