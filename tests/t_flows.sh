#!/usr/bin/env bash
# bpfnet flows with real connections: what it lists is checked against what
# the peers see (ss on each side), for masqueraded flows, published-port
# flows and flows nobody answered yet; each flow's age counts from its
# first packet.

# A container id as runc makes them: 64 hex digits (shown as 12 in text).
CID=3f9a6c21d0b84e57a1c2d3e4f5061728394a5b6c7d8e9f00112233445566778f

# c1 (id $CID) publishes 8080 -> 80 and 8081 -> 81; c2 is plain. SNAT ports are narrowed to
# a range the containers' own ports are outside of, so the translated port
# is one the datapath chose, not the container's kept.
flows_world() {
	world_up_outside
	FLAGS+=(--snat-ports 20000-20999)
	new_netns; C1=$NEWPID
	new_netns; C2=$NEWPID
	hook_up "$CID" "$C1" '{"bpfnet.ports":"8080:80,8081:81"}'
	hook_up c2 "$C2"
}

# start_held NAME CMD...: CMD runs in the background, its stdin the fifo
# $T/NAME.in and its stdout $T/NAME.out. The caller opens the fifo's write
# end (exec N>"$T/NAME.in", N from 3 to 9), writes to it to send, closes it
# to end what CMD sends (an nc -N then sends its FIN). CMD does not keep the
# write ends of the others' fifos (their EOF would never come).
start_held() {
	local name=$1
	shift
	mkfifo "$T/$name.in"
	"$@" <"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err" 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
	PIDS+=($!)
}

# One flow of bpfnet flows -j, as compact JSON: flow_where JQ-CONDITION.
flow_where() { bn flows -j | jq -c "[.[] | select($1)]"; }

# The only flow matching a condition; fails unless there is exactly one.
one_flow() {
	local f
	f=$(flow_where "$1")
	assert_eq "$(jq length <<<"$f")" 1 "flows where $1 in: $(bn flows -j)"
	jq -c '.[0]' <<<"$f"
}

# A tuple as the JSON output writes it.
tuple() { printf '{"src":"%s","sport":%s,"dst":"%s","dport":%s}' "$1" "$2" "$3" "$4"; }

# The address:port at column COL of the one established TCP socket that
# matches FILTER, where CMD-PREFIX runs: sock_end COL FILTER CMD-PREFIX...
sock_end() {
	local col=$1 filter=$2 out
	shift 2
	out=$("$@" ss -Htn state established "$filter")
	assert_eq "$(count_lines . <<<"$out")" 1 "sockets matching $filter: $out"
	awk -v c="$col" '{print $c}' <<<"$out"
}

# A TCP server for one client (python3 $T/half_close.py ADDR PORT) that,
# unlike nc, keeps its end open after the client's FIN: it sends its stdin,
# then its FIN.
write_half_close_server() {
	cat >"$T/half_close.py" <<'PY'
import socket, sys, threading
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
c, _ = s.accept()
def copy_in():
    while True:
        d = c.recv(4096)
        if not d:
            return
        sys.stdout.buffer.write(d)
        sys.stdout.flush()
t = threading.Thread(target=copy_in)
t.start()
for line in sys.stdin.buffer:
    c.sendall(line)
c.shutdown(socket.SHUT_WR)
t.join()
PY
}

# A masqueraded connection from c1 to outside:5000 and one from outside to
# c1's published port, both held open (fds 3-6). The servers are nc, or
# what SERVER names (called with ADDR PORT).
two_connections() {
	local server=${SERVER:-nc -N -nl}
	# shellcheck disable=SC2086  # a command and its words
	start_held srv in_out $server "$OUTSIDE_IP" 5000
	exec 3>"$T/srv.in"
	wait_listen tcp 5000 in_out
	start_held cli in_ns "$C1" nc -N -n "$OUTSIDE_IP" 5000
	exec 4>"$T/cli.in"
	echo "to the outside" >&4
	assert_file_eq "$T/srv.out" "to the outside"

	# shellcheck disable=SC2086
	start_held psrv in_ns "$C1" $server 172.19.0.2 80
	exec 5>"$T/psrv.in"
	wait_listen tcp 80 in_ns "$C1"
	start_held pcli in_out nc -N -n "$UPLINK_IP" 8080
	exec 6>"$T/pcli.in"
	echo "to the published port" >&6
	assert_file_eq "$T/psrv.out" "to the published port"
}

test_tcp_tuples_are_what_the_peers_see() {
	flows_world
	two_connections
	local own seen client f p1
	# masqueraded: the container's own end, and the peer the server sees
	own=$(sock_end 3 "( dport = :5000 )" in_ns "$C1")
	seen=$(sock_end 4 "( sport = :5000 )" in_out)
	assert_eq "${seen%:*}" "$UPLINK_IP" "the server's peer address"
	f=$(one_flow '.kind == "masquerade" and .proto == "tcp"')
	assert_eq "$(jq -c .original <<<"$f")" "$(tuple 172.19.0.2 "${own#*:}" "$OUTSIDE_IP" 5000)" "original tuple"
	assert_eq "$(jq -c .translated <<<"$f")" "$(tuple "$UPLINK_IP" "${seen#*:}" "$OUTSIDE_IP" 5000)" "translated tuple"
	assert_eq "$(jq -r '[.id, .ip, .state, .answered] | join(" ")' <<<"$f")" "$CID 172.19.0.2 ESTABLISHED true"
	assert_ge "$(jq .packets <<<"$f")" 3 "packets of the masqueraded flow"
	assert_ge "$(jq .expires_in <<<"$f")" 21000 "seconds left of an established flow"

	# published: the client's end outside, and the peer the container sees
	client=$(sock_end 3 "( dport = :8080 )" in_out)
	assert_eq "$(sock_end 4 "( sport = :80 )" in_ns "$C1")" "$client" "the container's peer"
	f=$(one_flow '.kind == "published"')
	assert_eq "$(jq -c .original <<<"$f")" "$(tuple "$OUTSIDE_IP" "${client#*:}" "$UPLINK_IP" 8080)" "original tuple"
	assert_eq "$(jq -c .translated <<<"$f")" "$(tuple "$OUTSIDE_IP" "${client#*:}" 172.19.0.2 80)" "translated tuple"
	assert_eq "$(jq -r '[.id, .proto, .state, .answered] | join(" ")' <<<"$f")" "$CID tcp ESTABLISHED true"

	# more data: both flows' counters grow
	p1=$(jq .packets <<<"$f")
	echo "more" >&6
	assert_file_eq "$T/psrv.out" "to the published port
more"
	f=$(one_flow '.kind == "published"')
	assert_ge "$(jq .packets <<<"$f")" $((p1 + 1)) "packets after more data"
	f=$(one_flow '.kind == "masquerade" and .proto == "tcp"')
	p1=$(jq .packets <<<"$f")
	echo "more" >&4
	assert_file_eq "$T/srv.out" "to the outside
more"
	assert_ge "$(jq .packets <<<"$(one_flow '.kind == "masquerade" and .proto == "tcp"')")" $((p1 + 1)) \
		"masqueraded packets after more data"
	exec 3>&- 4>&- 5>&- 6>&-
}

# state_is KIND STATE HALF: the one TCP flow of KIND has that state.
state_is() {
	[ "$(flow_where ".kind == \"$1\" and .proto == \"tcp\"" | jq -r '.[0] | "\(.state) \(.half_closed)"')" = "$2 $3" ]
}

test_closing_flows_show_half_closed_then_closing() {
	flows_world
	write_half_close_server
	SERVER="python3 -u $T/half_close.py" two_connections
	# the container says FIN: half-closed, the server may still speak
	exec 4>&-
	wait_for 5 state_is masquerade ESTABLISHED true
	assert_contains "$(bn flows)" "HALF-CLOSED"
	echo "still answering" >&3
	assert_file_eq "$T/cli.out" "still answering"
	assert_eq "$(flow_where '.kind == "masquerade"' | jq -r '.[0].state')" ESTABLISHED "after an answer"
	# then the server: closing, with the short timeout
	exec 3>&-
	wait_for 5 state_is masquerade CLOSING false
	assert_ge 10 "$(flow_where '.kind == "masquerade"' | jq -r '.[0].expires_in')" "seconds left of a closing flow"
	# the published one: the client first, then the container
	exec 6>&-
	wait_for 5 state_is published ESTABLISHED true
	exec 5>&-
	wait_for 5 state_is published CLOSING false
}

# c2 sends one datagram to an outside socket that never answers.
unanswered_datagram() {
	start_held usrv in_out nc -n -u -l "$OUTSIDE_IP" 6000
	exec 7>"$T/usrv.in"
	wait_listen udp 6000 in_out
	echo probe | in_ns "$C2" timeout 5 nc -n -u -w 1 "$OUTSIDE_IP" 6000 || true
	assert_file_eq "$T/usrv.out" probe "datagram outside"
}

test_unanswered_udp_is_new_and_expired_ones_are_gone() {
	flows_world
	unanswered_datagram
	local f peer
	# nc -l connects its socket to the first sender: the peer it saw
	peer=$(in_out ss -Hun state established "( sport = :6000 )" | awk '{print $4}')
	f=$(one_flow '.proto == "udp"')
	assert_eq "$(jq -r '[.id, .kind, .state, .answered] | join(" ")' <<<"$f")" "c2 masquerade NEW false"
	assert_eq "$(jq -c .translated <<<"$f")" "$(tuple "$UPLINK_IP" "${peer#*:}" "$OUTSIDE_IP" 6000)" "translated tuple"
	assert_eq "$(jq .packets <<<"$f")" 1 "packets"
	assert_ge 60 "$(jq .expires_in <<<"$f")" "seconds left of a UDP flow"
	# the same entry, expired (the datapath's clock is CLOCK_MONOTONIC)
	assert_eq "$(dump_map ct_new | jq length)" 1 "entries in ct_new"
	map_set_field ct_new 0 expires_ns 1
	assert_eq "$(bn flows -j)" "[]" "flows once the only one expired"
	exec 7>&-
}

test_id_filter_and_text_output() {
	flows_world
	two_connections
	unanswered_datagram
	# hairpin: c2 dials c1's published port 8081 at the uplink address
	start_held hsrv in_ns "$C1" nc -N -nl 172.19.0.2 81
	exec 8>"$T/hsrv.in"
	wait_listen tcp 81 in_ns "$C1"
	start_held hcli in_ns "$C2" nc -N -n "$UPLINK_IP" 8081
	exec 9>"$T/hcli.in"
	echo "from c2" >&9
	assert_file_eq "$T/hsrv.out" "from c2"
	local rc out f
	assert_eq "$(bn flows -j | jq length)" 4 "every flow"
	f=$(one_flow '.kind == "hairpin"')
	assert_eq "$(jq -r '[.id, .client_id, .original.src, .original.dst, .original.dport, .translated.dst, .translated.dport] | join(" ")' <<<"$f")" \
		"$CID c2 172.19.0.3 $UPLINK_IP 8081 172.19.0.2 81" "hairpin flow"
	assert_eq "$(bn flows "$CID" -j | jq -r '[.[].kind] | sort | join(" ")')" "hairpin masquerade published" "flows of c1"
	assert_eq "$(bn flows c2 -j | jq -r '[.[] | "\(.kind) \(.proto)"] | sort | join(",")')" "hairpin tcp,masquerade udp" "flows of c2"
	rc=0
	out=$(bn flows nosuch 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit code for an unknown id"
	assert_eq "$out" "bpfnet: no container nosuch (see 'bpfnet ls')"
	# text: a header and one line per flow, the long id shortened to 12
	out=$(bn flows)
	assert_eq "$(count_lines . <<<"$out")" 5 "lines of text output: $out"
	assert_eq "$(head -1 <<<"$out" | tr -s ' ')" "ID PROTO KIND STATE ORIGINAL TRANSLATED AGE EXPIRES PACKETS BYTES"
	assert_eq "$(awk '$1 == "'"${CID:0:12}"'"' <<<"$out" | count_lines .)" 3 "lines of c1: $out"
	assert_not_contains "$out" "$CID"
	assert_contains "$out" "172.19.0.2:80"
	# columns line up: each line's ORIGINAL starts where the header's does
	local col
	col=$(head -1 <<<"$out" | grep -bo ORIGINAL | cut -d: -f1)
	assert_eq "$(tail -n +2 <<<"$out" | cut -c$((col + 1)) | sort -u | tr -d '\n')" "1" "ORIGINAL column start: $out"
	exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
}

# Whole seconds since a date +%s%N stamp.
secs_since() { echo $((($(date +%s%N) - $1) / 1000000000)); }

test_age_grows_from_the_first_packet() {
	local t0 f a0 a1 out
	t0=$(date +%s%N)
	flows_world
	unanswered_datagram
	a0=$(jq .age <<<"$(one_flow '.proto == "udp"')")
	two_connections
	sleep 1.2
	# each flow, masqueraded or published, answered or not: at least the
	# 1.2 s slept, never more than this test has run
	f=$(one_flow '.proto == "udp"')
	a1=$(jq .age <<<"$f")
	assert_ge "$a1" $((a0 + 1)) "age of the unanswered datagram's flow, 1.2 s later (first $a0)"
	assert_ge "$(secs_since "$t0")" "$a1" "age of the datagram's flow, within the test's $(secs_since "$t0") s"
	for k in masquerade published; do
		f=$(one_flow ".kind == \"$k\" and .proto == \"tcp\"")
		assert_ge "$(jq .age <<<"$f")" 1 "age of the $k connection after 1.2 s"
		assert_ge "$(secs_since "$t0")" "$(jq .age <<<"$f")" "age of the $k connection, within the test's time"
	done
	# text: the AGE column, between the tuples and EXPIRES
	out=$(bn flows)
	f=$(awk '$2 == "udp" {print $7}' <<<"$out")
	assert_ge "$f" "$a1" "AGE of the datagram's flow in text: $out"
	assert_ge "$((a1 + 1))" "$f" "AGE of the datagram's flow in text: $out"
	exec 3>&- 4>&- 5>&- 6>&- 7>&-
}

# IPv6 flows are listed as IPv4's are: c1's TCP connection to the outside
# through NAT66, with the tuples its peers see (its own end inside, the
# translated one outside), ESTABLISHED and answered; its ping as icmp6; in
# text with the addresses in brackets; `flows ID` lists one container's.
test_ipv6_flows_listed() {
	dual_stack_outside true
	new_netns; C1=$NEWPID
	new_netns; C2=$NEWPID
	hook_up "$CID" "$C1"
	hook_up c2 "$C2"
	start_held srv in_out nc -N -nl "$OUTSIDE_IP6" 5000
	exec 3>"$T/srv.in"
	wait_listen tcp 5000 in_out
	start_held cli in_ns "$C1" nc -N -n "$OUTSIDE_IP6" 5000
	exec 4>"$T/cli.in"
	echo "to the outside" >&4
	assert_file_eq "$T/srv.out" "to the outside"
	in_ns "$C2" ping -6 -c1 -W2 "$OUTSIDE_IP6" >/dev/null || fail "c2 cannot ping the outside"
	local own seen f
	own=$(sock_end 3 "( dport = :5000 )" in_ns "$C1")
	seen=$(sock_end 4 "( sport = :5000 )" in_out)
	assert_eq "${seen%]:*}" "[$UPLINK_IP6" "the server's peer address"
	f=$(one_flow '.proto == "tcp"')
	assert_eq "$(jq -c .original <<<"$f")" "$(tuple fd19::2 "${own##*:}" "$OUTSIDE_IP6" 5000)" "original tuple"
	assert_eq "$(jq -c .translated <<<"$f")" "$(tuple "$UPLINK_IP6" "${seen##*:}" "$OUTSIDE_IP6" 5000)" "translated tuple"
	assert_eq "$(jq -r '[.id, .ip, .kind, .state, .answered] | join(" ")' <<<"$f")" "$CID fd19::2 masquerade ESTABLISHED true"
	assert_ge "$(jq .packets <<<"$f")" 3 "packets of the flow"
	f=$(one_flow '.proto == "icmp6"')
	assert_eq "$(jq -r '[.id, .ip, .kind, .original.dst, .translated.src] | join(" ")' <<<"$f")" "c2 fd19::3 masquerade $OUTSIDE_IP6 $UPLINK_IP6"
	assert_contains "$(bn flows)" "[fd19::2]:${own##*:}->[$OUTSIDE_IP6]:5000"
	assert_eq "$(bn flows -j c2 | jq -r '[.[].proto] | join(" ")')" "icmp6" "flows of c2"
	exec 3>&- 4>&-
}
