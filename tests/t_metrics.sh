#!/usr/bin/env bash
# Metrics and readable listings (issue 15), with real traffic: the
# per-container counters count published-port traffic; `bpfnet stats
# --prometheus` and `--textfile DIR` say what `bpfnet stats -j` says, in
# Prometheus' text format; text listings print docker's 12-character ids
# and commands take an unambiguous id prefix.

# Two docker-style ids sharing their first 16 characters (so their short
# forms are equal).
ID1=3f4e5d6c7b8a1234aaaa000000000000000000000000000000000000000000a1
ID2=3f4e5d6c7b8a1234bbbb000000000000000000000000000000000000000000b2
SHORT=3f4e5d6c7b8a

# A container namespace that sends no IPv6 (its router solicitations would
# move drop counters while a test compares two reads).
metrics_netns() {
	new_netns
	in_ns "$NEWPID" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	in_ns "$NEWPID" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
}

# c1 ($ID1, 172.19.0.2) publishes 8080:80/tcp and 5353:53/udp; c2 ($ID2,
# 172.19.0.3) publishes nothing.
metrics_world() {
	world_up_outside
	in_host sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	metrics_netns; C1=$NEWPID
	metrics_netns; C2=$NEWPID
	hook_up "$ID1" "$C1" '{"bpfnet.ports":"8080:80/tcp,5353:53/udp"}'
	hook_up "$ID2" "$C2"
}

# A container's counter from bpfnet stats -j: ep_stat ID FIELD
ep_stat() { bn stats -j | jq -r --arg id "$1" ".containers[] | select(.id == \$id) | .$2"; }

# One datagram to c1's 53/udp from a client (a command prefix), and c1's
# one datagram back: udp_exchange QUESTION ANSWER HOST CLIENT-PREFIX...
udp_exchange() {
	local q=$1 a=$2 host=$3
	shift 3
	(sleep 1; echo "$a") | in_ns "$C1" timeout 6 nc -n -u -l 172.19.0.2 53 >"$T/udp" &
	PIDS+=($!)
	wait_listen udp 53 in_ns "$C1"
	assert_eq "$(echo "$q" | "$@" timeout 5 nc -u -w 2 "$host" 5353)" "$a" "the answer"
	assert_file_eq "$T/udp" "$q" "the question c1 got"
}

test_published_port_traffic_counted() {
	metrics_world
	# one datagram each way, counted to the byte (IP length: 20 + 8 + data)
	udp_exchange question answer "$UPLINK_IP" in_out
	assert_eq "$(ep_stat "$ID1" rx_packets)" 1 "c1's rx_packets after one datagram in"
	assert_eq "$(ep_stat "$ID1" rx_bytes)" $((20 + 8 + 9)) "c1's rx_bytes"
	assert_eq "$(ep_stat "$ID1" tx_packets)" 1 "c1's tx_packets after its answer"
	assert_eq "$(ep_stat "$ID1" tx_bytes)" $((20 + 8 + 7)) "c1's tx_bytes"
	# a web request: 20,000 bytes in over TCP
	in_ns "$C1" timeout 10 nc -nl 172.19.0.2 80 >"$T/tcp" &
	PIDS+=($!)
	local srv=$!
	wait_listen tcp 80 in_ns "$C1"
	head -c 20000 /dev/zero | in_out nc -N -w 3 "$UPLINK_IP" 8080 || fail "tcp to the published port failed"
	wait "$srv" || true
	assert_eq "$(stat -c %s "$T/tcp")" 20000 "bytes the web container got"
	local s
	s=$(bn stats -j)
	assert_ge "$(jq -r ".containers[] | select(.id == \"$ID1\") | .rx_bytes" <<<"$s")" $((37 + 20000 + 40 * 3)) "c1's rx_bytes after the request"
	assert_ge "$(jq -r ".containers[] | select(.id == \"$ID1\") | .tx_packets" <<<"$s")" 3 "c1's tx_packets: SYN-ACK, ACKs, FIN"
	# every packet of a published port is c1's: its counters are the totals'
	assert_eq "$(jq -r ".containers[] | select(.id == \"$ID1\") | .rx_packets" <<<"$s")" \
		"$(jq -r .totals.dnat_packets <<<"$s")" "c1's rx_packets against dnat_packets"
	assert_eq "$(jq -r ".containers[] | select(.id == \"$ID1\") | .tx_packets" <<<"$s")" \
		"$(jq -r .totals.dnat_replies <<<"$s")" "c1's tx_packets against dnat_replies"
	assert_eq "$(jq -r ".containers[] | select(.id == \"$ID2\") | .rx_packets" <<<"$s")" 0 "c2's rx_packets"
	echo "FIGURE: web container counted $(jq -r ".containers[] | select(.id == \"$ID1\") | \"\(.rx_packets) packets in, \(.tx_packets) out\"" <<<"$s") for one datagram each way and a 20,000-byte request"
}

test_hairpin_counted_for_both() {
	metrics_world
	# c2 -> the host's published port -> c1, and c1's answer back
	udp_exchange from-c2 to-c2 "$UPLINK_IP" in_ns "$C2"
	assert_eq "$(ep_stat "$ID2" tx_packets)/$(ep_stat "$ID2" tx_bytes)" "1/$((28 + 8))" "c2's question sent"
	assert_eq "$(ep_stat "$ID1" rx_packets)/$(ep_stat "$ID1" rx_bytes)" "1/$((28 + 8))" "c1's question received"
	assert_eq "$(ep_stat "$ID1" tx_packets)/$(ep_stat "$ID1" tx_bytes)" "1/$((28 + 6))" "c1's answer sent"
	assert_eq "$(ep_stat "$ID2" rx_packets)/$(ep_stat "$ID2" rx_bytes)" "1/$((28 + 6))" "c2's answer received"
}

test_neighbours_counted() {
	metrics_world
	# c2 pings c1 straight through its veth peer: 84-byte echoes each way
	in_ns "$C2" ping -c 2 -i 0.2 -W 2 172.19.0.2 >/dev/null || fail "c2 cannot ping c1"
	assert_eq "$(ep_stat "$ID2" tx_packets)/$(ep_stat "$ID2" tx_bytes)" "2/168" "c2's echo requests"
	assert_eq "$(ep_stat "$ID1" rx_packets)/$(ep_stat "$ID1" rx_bytes)" "2/168" "c1's echo requests"
	assert_eq "$(ep_stat "$ID1" tx_packets)/$(ep_stat "$ID1" tx_bytes)" "2/168" "c1's echo replies"
	assert_eq "$(ep_stat "$ID2" rx_packets)/$(ep_stat "$ID2" rx_bytes)" "2/168" "c2's echo replies"
	assert_eq "$(bn stats -j | jq .totals.fast_path_neighbour)" 4 "packets past the bridge"
}

# IPv6 counts under the container's counters as IPv4 does: c2 pings c1's
# IPv6 address straight through its veth peer, and c1 pings the outside
# through NAT66; 104-byte echoes each way. (Each container knows the other's
# MAC already, so no neighbour solicitation is counted between them.)
test_ipv6_counted() {
	dual_stack_outside true
	new_netns; C1=$NEWPID
	new_netns; C2=$NEWPID
	hook_up "$ID1" "$C1"
	hook_up "$ID2" "$C2"
	in_ns "$C1" ip -6 neigh replace fd19::3 lladdr 02:42:ac:13:00:03 dev eth0 nud permanent
	in_ns "$C2" ip -6 neigh replace fd19::2 lladdr 02:42:ac:13:00:02 dev eth0 nud permanent
	in_ns "$C2" ping -6 -c 2 -i 0.2 -W 2 fd19::2 >/dev/null || fail "c2 cannot ping c1 over IPv6"
	assert_eq "$(ep_stat "$ID2" tx_packets)/$(ep_stat "$ID2" tx_bytes)" "2/208" "c2's echo requests"
	assert_eq "$(ep_stat "$ID1" rx_packets)/$(ep_stat "$ID1" rx_bytes)" "2/208" "c1's echo requests"
	assert_eq "$(ep_stat "$ID1" tx_packets)/$(ep_stat "$ID1" tx_bytes)" "2/208" "c1's echo replies"
	assert_eq "$(ep_stat "$ID2" rx_packets)/$(ep_stat "$ID2" rx_bytes)" "2/208" "c2's echo replies"
	in_ns "$C1" ping -6 -c 3 -i 0.2 -W 2 "$OUTSIDE_IP6" >/dev/null || fail "c1 cannot ping the outside over IPv6"
	assert_eq "$(ep_stat "$ID1" tx_packets)/$(ep_stat "$ID1" tx_bytes)" "5/520" "c1's packets out, with 3 to the outside"
	assert_eq "$(ep_stat "$ID1" rx_packets)/$(ep_stat "$ID1" rx_bytes)" "5/520" "c1's packets in, with 3 replies from the outside"
}

# prom_and_json: $T/prom and $T/json read while no counter moved (the
# JSON read before and after the exposition is the same).
prom_and_json() {
	for _ in 1 2 3 4 5; do
		bn stats -j >"$T/json"
		bn stats --prometheus >"$T/prom"
		[ "$(bn stats -j)" != "$(cat "$T/json")" ] || return 0
	done
	fail "the counters kept moving"
}

test_prometheus_matches_json() {
	metrics_world
	udp_exchange question answer "$UPLINK_IP" in_out
	in_ns "$C1" ping -c 2 -i 0.2 -W 2 "$OUTSIDE_IP" >/dev/null || fail "c1 cannot ping the outside"
	prom_and_json
	local bad
	# every line: a HELP, a TYPE (counter or gauge), or a sample whose label
	# values are quoted with \ " and newline escaped, and a whole number
	bad=$(grep -Ev '^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+$|^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge)$|^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\[\\"n])*")*\})? [0-9]+$' "$T/prom") || true
	assert_eq "$bad" "" "lines out of the format"
	# every family: one HELP, then one TYPE, before its samples; counters end in _total
	bad=$(awk '/^# HELP / { if (help[$3]++) print "second HELP " $3; next }
		/^# TYPE / { if (!help[$3] || type[$3]) print "TYPE out of place " $3; type[$3] = $4
			if ($4 == "counter" && $3 !~ /_total$/) print "counter without _total " $3; next }
		{ n = $1; sub(/\{.*/, "", n); if (!type[n]) print "sample without HELP and TYPE " n }' "$T/prom")
	assert_eq "$bad" "" "families"
	# the samples, as bpfnet stats -j says them: the same set, the same values
	jq -r '(.totals | to_entries[] | if (.key | startswith("drop_"))
			then "bpfnet_drops_total{reason=\"\(.key[5:])\"} \(.value)"
			else "bpfnet_\(.key)_total \(.value)" end),
		"bpfnet_flows \(.flows)",
		(.tables | to_entries[] | "bpfnet_flow_table_entries{table=\"\(.key)\"} \(.value.entries)",
			"bpfnet_flow_table_max_entries{table=\"\(.key)\"} \(.value.max_entries)"),
		"bpfnet_containers \(.containers | length)",
		(.containers[] as $c | ("tx_packets", "tx_bytes", "rx_packets", "rx_bytes", "drops") |
			"bpfnet_container_\(.)_total{container=\"\($c.id)\",ip=\"\($c.ip)\"} \($c[.])")' \
		"$T/json" | sort >"$T/want"
	grep -v '^#' "$T/prom" | sort >"$T/got"
	assert_eq "$(diff "$T/want" "$T/got")" "" "samples against bpfnet stats -j"
	assert_ge "$(jq .totals.snat_packets "$T/json")" 2 "pings masqueraded"
	# c1: the datagram and 2 echo replies in, its answer and 2 echo requests out
	assert_eq "$(grep -F "bpfnet_container_rx_packets_total{container=\"$ID1\"" "$T/prom" | awk '{print $2}')" 3 "c1's rx_packets"
	assert_eq "$(grep -F "bpfnet_container_tx_packets_total{container=\"$ID1\"" "$T/prom" | awk '{print $2}')" 3 "c1's tx_packets"
	echo "FIGURE: $(grep -vc '^#' "$T/prom") samples in $(grep -c '^# TYPE' "$T/prom") families, all equal to bpfnet stats -j"
}

test_textfile_replaced_atomically() {
	metrics_world
	udp_exchange question answer "$UPLINK_IP" in_out
	mkdir -m 755 "$T/tf"
	local out rc=0 ino1 ino2
	out=$(bn stats --textfile "$T/tf") || rc=$?
	assert_eq "$rc/$out" "0/" "exit code and stdout of --textfile"
	assert_eq "$(ls -A "$T/tf")" bpfnet.prom "files in the textfile dir"
	assert_eq "$(stat -c %a "$T/tf/bpfnet.prom")" 644 "mode (node_exporter may run as another user)"
	assert_eq "$(cat "$T/tf/bpfnet.prom")" "$(bn stats --prometheus)" "the file against --prometheus"
	# replaced by another file (a reader holding the old one reads it whole)
	ino1=$(stat -c %i "$T/tf/bpfnet.prom")
	exec 3<"$T/tf/bpfnet.prom"
	bn stats --textfile "$T/tf"
	ino2=$(stat -c %i "$T/tf/bpfnet.prom")
	[ "$ino1" != "$ino2" ] || fail "the file was rewritten in place (inode $ino1)"
	assert_eq "$(cat <&3)" "$(cat "$T/tf/bpfnet.prom")" "the old file, read through its open fd"
	exec 3<&-
	# readers while it is rewritten: never a missing, short or torn file
	local lines reads=0 torn=0
	lines=$(wc -l <"$T/tf/bpfnet.prom")
	(for _ in $(seq 60); do bn stats --textfile "$T/tf"; done) &
	local writer=$!
	while kill -0 "$writer" 2>/dev/null; do
		out=$(cat "$T/tf/bpfnet.prom" 2>&1) || true
		reads=$((reads + 1))
		[ "$(wc -l <<<"$out")" = "$lines" ] && [[ $out == *"bpfnet_container_drops_total{container=\"$ID2\""* ]] ||
			torn=$((torn + 1))
	done
	wait "$writer" || fail "a textfile write failed"
	assert_eq "$torn" 0 "reads of a missing or partial file, of $reads"
	assert_eq "$(ls -A "$T/tf")" bpfnet.prom "files left in the textfile dir"
	echo "FIGURE: $reads reads during 60 rewrites of bpfnet.prom, none partial"
}

test_textfile_bad_input() {
	metrics_world
	local out rc
	mkdir -m 777 "$T/open"
	rc=0; out=$(bn stats --textfile "$T/open" 2>&1) || rc=$?
	assert_eq "$rc" 1 "a world-writable dir"
	assert_eq "$out" "bpfnet: refusing textfile dir $T/open: anyone may write to it"
	assert_eq "$(ls -A "$T/open")" "" "files written there"
	rc=0; out=$(bn stats --textfile "$T/none" 2>&1) || rc=$?
	assert_eq "$rc" 1 "a missing dir"
	assert_eq "$out" "bpfnet: failed to write $T/none/bpfnet.prom: No such file or directory"
	rc=0; out=$(bn stats --textfile rel/dir 2>&1) || rc=$?
	assert_eq "$rc" 2 "a relative dir"
	assert_eq "$(wc -l <<<"$out")" 1 "one line for a relative dir: $out"
	rc=0; out=$(bn stats -j --prometheus 2>&1) || rc=$?
	assert_eq "$rc/$out" "2/bpfnet: --json and --prometheus are two formats: give one" "-j with --prometheus"
}

# The ID column of a text listing (its first word), header left out.
id_column() { awk 'NR > 1 && NF {print $1}' | sort -u; }

test_short_ids_and_prefixes() {
	metrics_world
	local out rc before cmd words
	# text listings print 12 characters, JSON the whole id
	out=$(bn ls)
	assert_eq "$(id_column <<<"$out")" "$SHORT" "ids in bpfnet ls"
	assert_not_contains "$out" "${SHORT}1234"
	assert_eq "$(bn ls -j | jq -r '.[].id' | sort | tr '\n' ' ')" "$ID1 $ID2 " "ids in bpfnet ls -j"
	out=$(bn stats | sed -n '/^ID /,$p')
	assert_eq "$(id_column <<<"$out")" "$SHORT" "ids in bpfnet stats"
	assert_eq "$(wc -l <<<"$out")" 3 "container lines of bpfnet stats"
	assert_eq "$(bn stats -j | jq -r '.containers[].id' | sort | tr '\n' ' ')" "$ID1 $ID2 " "ids in bpfnet stats -j"
	# a prefix that names one container
	bn port add "${SHORT}1234b" 7070:70 || fail "port add by an unambiguous prefix of c2's id"
	out=$(bn port ls)
	assert_eq "$(id_column <<<"$out")" "$SHORT" "ids in bpfnet port ls"
	assert_eq "$(bn port ls "${SHORT}1234b" -j | jq -r '.[] | "\(.id) \(.host_port)"')" "$ID2 7070" "c2's ports by prefix"
	assert_eq "$(bn port ls "${SHORT}1234a" -j | jq -r '.[].host_port' | sort -n | tr '\n' ' ')" "5353 8080 " "c1's ports by prefix"
	# ambiguous and unknown prefixes: one line, exit 1, nothing changed
	before=$(cat "$T/state/state.json"; find "$T/state" -path '*/ports/*' -type f -exec cat {} +; bpftool map dump pinned "$T/bpf/bpfnet/port_maps")
	for cmd in "port add $SHORT 9090:90" "port del $SHORT 7070:70" "port ls $SHORT"; do
		read -ra words <<<"$cmd"
		rc=0; out=$(bn "${words[@]}" 2>&1) || rc=$?
		assert_eq "$rc" 1 "bpfnet $cmd"
		assert_eq "$out" "bpfnet: container id $SHORT is ambiguous: 2 containers' ids start with it; give more of it"
	done
	for cmd in "port add 0123 9090:90" "port del 0123 7070:70" "port ls 0123" "port add ${ID1}0 9090:90"; do
		read -ra words <<<"$cmd"
		rc=0; out=$(bn "${words[@]}" 2>&1) || rc=$?
		assert_eq "$rc" 1 "bpfnet $cmd"
		assert_eq "$(wc -l <<<"$out")" 1 "one line for bpfnet $cmd"
		assert_contains "$out" "is not running"
	done
	assert_eq "$(cat "$T/state/state.json"; find "$T/state" -path '*/ports/*' -type f -exec cat {} +; bpftool map dump pinned "$T/bpf/bpfnet/port_maps")" \
		"$before" "state and port maps after refused commands"
	bn port del "${SHORT}1234b" 7070:70 || fail "port del by prefix"
	assert_eq "$(bn port ls "$ID2" -j | jq length)" 0 "c2's ports after the del"
}
