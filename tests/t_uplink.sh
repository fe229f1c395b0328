#!/usr/bin/env bash
# The uplink is followed: a new address (a DHCP renew), a default route
# moved to another interface, an ECMP default route, an uplink that had no
# address when the containers came; `bpfnet resync` and `bpfnet watch`
# bring the datapath to the host as it is now, and the containers' traffic
# leaves behind the new address. An uplink with no Ethernet header is
# refused at set-up with one line.

# A TCP server in the outside namespace on ADDR:PORT; what it received in
# FILE, who connected in FILE.peer.
out_server() { # ADDR PORT FILE
	in_out sh -c "timeout 10 nc -nlv $1 $2 >$3 2>$3.peer" &
	PIDS+=($!)
	wait_listen tcp "$2" in_out
}

# A second link from the host to the outside namespace: up1 203.0.113.1,
# the outside's end 203.0.113.2.
second_uplink() {
	in_host ip link add up1 type veth peer name eth1 netns "$OUTNS"
	in_host ip addr add 203.0.113.1/24 dev up1
	in_host ip link set up1 up
	in_out ip addr add 203.0.113.2/24 dev eth1
	in_out ip link set eth1 up
}

cfg_field() { dump_map net_config | jq -r ".[0].value.$1"; }
ifindex_of() { in_host ip -j link show "$1" | jq '.[0].ifindex'; }

# DHCP gave the uplink a new address: after a resync the containers' flows
# leave behind the new one, and the flows bound to the old one are gone.
test_resync_follows_a_new_address() {
	containers_world 1
	in_ns "$C1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "c1 cannot reach the outside"
	assert_ge "$(dump_map conntrack | jq length)" 1 "flows before the change"
	in_host ip addr del "$UPLINK_IP/24" dev up0
	in_host ip addr add 198.51.100.5/24 dev up0
	in_host ip route replace default via "$OUTSIDE_IP" dev up0
	local out
	out=$(bn resync)
	assert_eq "$out" "resync: uplink up0, address 198.51.100.5 (was ifindex $(ifindex_of up0), address $UPLINK_IP)"
	assert_eq "$(cfg_field uplink_addr)" "$(ip_be 198.51.100.5)" "net_config.uplink_addr"
	assert_eq "$(dump_map conntrack | jq "[.[] | select(.value.nat_addr == $(ip_be "$UPLINK_IP"))] | length")" 0 "flows behind the old address"
	out_server "$OUTSIDE_IP" 7100 "$T/srv"
	echo "after dhcp" | in_ns "$C1" nc -N -w 3 "$OUTSIDE_IP" 7100 || fail "c1 cannot reach the outside after resync"
	assert_file_eq "$T/srv" "after dhcp"
	assert_contains "$(cat "$T/srv.peer")" "Connection received on 198.51.100.5 "
	# nothing changed: a resync says nothing
	assert_eq "$(bn resync)" "" "a resync with nothing to do"
}

# bpfnet watch follows the default route to another interface (the network
# takes the default route's uplink), and an ECMP default route's first hop,
# within about a second, with no command run; SIGTERM stops it.
test_watch_follows_the_default_route() {
	world_up_outside
	flags_without --uplink
	second_uplink
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	assert_eq "$(cfg_field uplink_ifindex)" "$(ifindex_of up0)" "the uplink at first"
	bn watch >"$T/watch" 2>&1 &
	local watch=$!
	PIDS+=("$watch")
	wait_for 5 grep -q "^watch: following" "$T/watch"
	in_host ip route replace default via 203.0.113.2 dev up1
	local t0=$SECONDS
	wait_for 5 sh -c "[ \"\$(nsenter --net=$HOSTNS bpftool map dump pinned $T/bpf/bpfnet/net_config -j | jq '.[0].formatted.value.uplink_ifindex')\" = $(ifindex_of up1) ]"
	echo "FIGURE: watch moved the uplink within $((SECONDS - t0)) s"
	assert_eq "$(cfg_field uplink_addr)" "$(ip_be 203.0.113.1)" "net_config.uplink_addr on up1"
	assert_contains "$(in_host tc filter show dev up1 egress)" "uplink_egress $T/state"
	out_server 203.0.113.2 7101 "$T/srv"
	echo "by up1" | in_ns "$C1" nc -N -w 3 203.0.113.2 7101 || fail "c1 cannot reach the outside by up1"
	assert_file_eq "$T/srv" "by up1"
	assert_contains "$(cat "$T/srv.peer")" "Connection received on 203.0.113.1 "
	# an ECMP default route: its first next hop's device
	in_host ip route replace default nexthop via "$OUTSIDE_IP" dev up0 nexthop via 203.0.113.2 dev up1
	wait_for 5 sh -c "[ \"\$(nsenter --net=$HOSTNS bpftool map dump pinned $T/bpf/bpfnet/net_config -j | jq '.[0].formatted.value.uplink_ifindex')\" = $(ifindex_of up0) ]"
	assert_contains "$(cat "$T/watch")" "resync: uplink up1, address 203.0.113.1"
	assert_contains "$(cat "$T/watch")" "resync: uplink up0, address $UPLINK_IP"
	pkill -TERM -f -- "watch --state-dir $T/state"
	local rc=0
	wait "$watch" || rc=$?
	assert_eq "$rc" 0 "watch's exit code on SIGTERM"
}

# Containers that came before the uplink had an address: their packets to
# the outside are dropped (never sent with a private or empty source) and
# counted, and they get egress once it has one.
test_containers_before_the_uplink_address() {
	world_up_outside
	in_host ip addr del "$UPLINK_IP/24" dev up0
	in_host ip route add default dev up0	# a route, no address yet
	new_netns; C1=$NEWPID
	local out
	out=$(hook_up c1 "$C1" 2>&1) || fail "the hook refused an uplink with no address: $out"
	assert_eq "$out" "bpfnet: warning: uplink up0 has no IPv4 address yet: containers reach the outside once it has one ('bpfnet resync', or 'bpfnet watch' running)"
	refute "c1 reached the outside with no uplink address" in_ns "$C1" ping -c1 -W1 "$OUTSIDE_IP"
	assert_ge "$(stat_of drop_no_uplink_address)" 1 "drops for want of an uplink address"
	assert_eq "$(in_out nstat -az IpInReceives | awk 'NR > 1 {s += $2} END {print s + 0}')" 0 "packets the outside received"
	in_host ip addr add "$UPLINK_IP/24" dev up0
	in_host ip route replace default via "$OUTSIDE_IP" dev up0
	bn resync >/dev/null
	in_ns "$C1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "c1 has no egress once the uplink has an address"
}

# WireGuard, tun and PPP have no Ethernet header: such an uplink is refused
# at set-up with one line, and nothing is created.
test_uplink_without_ethernet_refused() {
	[ -c /dev/net/tun ] || { echo "no /dev/net/tun here"; exit 77; }
	world_up_outside
	in_host ip tuntap add mode tun name tun0
	in_host ip link set tun0 up
	flags_without --uplink
	FLAGS+=(--uplink tun0)
	new_netns
	local out rc=0
	out=$(hook_up c1 "$NEWPID" 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit code for a tun uplink"
	assert_eq "$out" "bpfnet: uplink tun0 is not an Ethernet device (WireGuard, tun and PPP carry no Ethernet header): name an Ethernet one with --uplink"
	refute "bridge created for a refused uplink" in_host ip link show bnbr0
	assert_eq "$(bn ls -j)" "[]" "records"
}

# With --subnet6, net_config6 holds the uplink's first global IPv6 address
# (none: zero), followed as the IPv4 one is: by resync, and by watch.
test_dual_stack_uplink_address_followed() {
	world_up_outside
	FLAGS+=(--subnet6 fd19::/64)
	new_netns; C1=$NEWPID
	hook_up c1 "$C1"
	local zero
	zero=$(in6_words ::)
	assert_eq "$(dump_map net_config6 | jq -c '.[0].value.uplink_addr.a')" "$zero" "no IPv6 address on the uplink yet"
	in_host ip addr add 2001:db8:1::1/64 dev up0 nodad
	bn resync >/dev/null
	assert_eq "$(dump_map net_config6 | jq -c '.[0].value.uplink_addr.a')" "$(in6_words 2001:db8:1::1)" "after resync"
	bn watch >"$T/watch" 2>&1 &
	PIDS+=($!)
	wait_for 5 grep -q "^watch: following" "$T/watch"
	in_host ip addr del 2001:db8:1::1/64 dev up0
	in_host ip addr add 2001:db8:1::7/64 dev up0 nodad
	wait_for 5 sh -c "[ \"\$(nsenter --net=$HOSTNS bpftool map dump pinned $T/bpf/bpfnet/net_config6 -j | jq -c '.[0].formatted.value.uplink_addr.a')\" = '$(in6_words 2001:db8:1::7)' ]"
	assert_eq "$(dump_map net_config6 | jq -c '.[0].value | [.enabled, .nat6, .prefix_len]')" "[1,1,64]" "the rest of net_config6"
}
