#!/usr/bin/env bash
# Cluster routing: two "nodes" on one LAN, each with its own bpfnet network
# and pod subnet and a route to the other's (as flannel host-gw or Calico's
# BGP mode install), both with --no-masquerade 172.16.0.0/12. Pod to pod
# across nodes keeps its source address both ways; pods still reach the
# outside masqueraded; published ports still work; a LAN host outside the
# list reaches nothing unpublished.
#
#   node1 ($HOSTNS)  up0 198.51.100.1  pods 172.19.0.0/16
#   node2 ($N2NS)    up0 198.51.100.3  pods 172.20.0.0/16
#   LAN ($OUTNS)     bridge lan0 198.51.100.2: the outsider, not in the list

NOMASQ=172.16.0.0/12

in_n2() { nsenter --net="$N2NS" "$@"; }
bn_n2() { in_n2 "$BPFNET" "$@" "${N2FLAGS[@]}"; }

node2_down() {
	[ -n "${N2NS:-}" ] || return 0
	bn_n2 down >/dev/null 2>&1 || true
	netns_kill "$P-n2"
	ip netns del "$P-n2" 2>/dev/null || true
	[ -z "${N2CG:-}" ] || rmdir "$N2CG" 2>/dev/null || true
	N2NS=""
}

# The two nodes, a pod on each (P1 on node1, P2 on node2), routes between.
cluster_up() {
	world_up_outside
	trap 'trap - ERR; set +e; node2_down; world_down' EXIT
	# the LAN: the outside namespace's eth0 and node2's link on one bridge
	in_out ip addr flush dev eth0
	in_out ip link add lan0 type bridge
	in_out ip link set eth0 master lan0
	in_out ip addr add "$OUTSIDE_IP/24" dev lan0
	in_out ip link set lan0 up
	ip netns add "$P-n2"
	N2NS=/run/netns/$P-n2
	in_n2 ip link set lo up
	in_out ip link add lan-n2 type veth peer name up0 netns "$N2NS"
	in_out ip link set lan-n2 master lan0
	in_out ip link set lan-n2 up
	in_n2 ip addr add 198.51.100.3/24 dev up0
	in_n2 ip link set up0 up
	in_n2 ip route add default via "$OUTSIDE_IP" dev up0
	# each node routes the other's pod subnet to it, untranslated
	in_host ip route add 172.20.0.0/16 via 198.51.100.3 dev up0
	in_n2 ip route add 172.19.0.0/16 via "$UPLINK_IP" dev up0
	mkdir -p "$T/state2"
	N2FLAGS=(--state-dir "$T/state2" --pin-dir "$T/bpf/bpfnet2" --bridge bnbr0
		--uplink up0 --subnet 172.20.0.0/16 --no-masquerade "$NOMASQ")
	if [ -n "${CG:-}" ]; then
		N2CG=$T/cg/bpfnet-$P-n2
		mkdir "$N2CG"
		N2FLAGS+=(--cgroup "$N2CG")
	fi
	FLAGS+=(--no-masquerade "$NOMASQ")
	new_netns; P1=$NEWPID
	hook_up p1 "$P1"
	new_netns; P2=$NEWPID
	oci_state p2 creating "$P2" | bn_n2 hook
	P1_IP=$(ip_of p1)
	P2_IP=$(bn_n2 ls -j | jq -r '.[] | select(.id=="p2") | .ip')
	assert_eq "$P1_IP" 172.19.0.2 "pod on node1"
	assert_eq "$P2_IP" 172.20.0.2 "pod on node2"
}

# A one-shot TCP server in a pod: what it got in FILE, who sent it in FILE.peer.
pod_server() { # PID ADDR PORT FILE
	in_ns "$1" timeout 10 nc -nlv "$2" "$3" >"$4" 2>"$4.peer" &
	PIDS+=($!)
	wait_listen tcp "$3" in_ns "$1"
}

test_pod_to_pod_across_nodes_keeps_addresses() {
	cluster_up
	pod_server "$P2" "$P2_IP" 9000 "$T/n2"
	assert_eq "$(echo "from p1" | in_ns "$P1" nc -N -w 3 "$P2_IP" 9000 && echo sent)" sent \
		"p1 -> p2 across nodes"
	assert_file_eq "$T/n2" "from p1"
	assert_contains "$(cat "$T/n2.peer")" "Connection received on $P1_IP "
	# the other way, and an answer back over the same connection
	in_ns "$P1" sh -c "echo answer | timeout 10 nc -nlv $P1_IP 9001" >"$T/n1" 2>"$T/n1.peer" &
	PIDS+=($!)
	wait_listen tcp 9001 in_ns "$P1"
	assert_eq "$(echo "from p2" | in_ns "$P2" nc -w 3 "$P1_IP" 9001)" answer \
		"p2 -> p1 across nodes, and p1's answer"
	assert_file_eq "$T/n1" "from p2"
	assert_contains "$(cat "$T/n1.peer")" "Connection received on $P2_IP "
	assert_ge "$(stat_of no_masquerade_out)" 1 "node1's packets left untranslated"
	assert_ge "$(stat_of no_masquerade_in)" 1 "node1's packets let in from node2's pods"
	assert_eq "$(stat_of drop_unsolicited)" 0 "node1's unsolicited drops"
}

test_pods_still_masqueraded_to_the_outside() {
	cluster_up
	in_out sh -c "timeout 10 nc -nlv $OUTSIDE_IP 9100 >$T/out 2>$T/out.peer" &
	PIDS+=($!)
	wait_listen tcp 9100 in_out
	echo "from p1" | in_ns "$P1" nc -N -w 3 "$OUTSIDE_IP" 9100
	assert_file_eq "$T/out" "from p1"
	assert_contains "$(cat "$T/out.peer")" "Connection received on $UPLINK_IP "
}

test_lan_host_outside_the_list_reaches_nothing_unpublished() {
	cluster_up
	in_out ip route add 172.19.0.0/16 via "$UPLINK_IP"
	bn port add p1 8080:80/tcp
	pod_server "$P1" "$P1_IP" 80 "$T/pub"
	echo "published" | in_out nc -N -w 3 "$UPLINK_IP" 8080
	assert_file_eq "$T/pub" "published"
	# straight to the pod's address, routed through node1: dropped, counted
	pod_server "$P1" "$P1_IP" 9200 "$T/direct"
	refute "the outsider reached the pod directly" in_out nc -N -w 2 "$P1_IP" 9200 </dev/null
	assert_ge "$(stat_of drop_unsolicited)" 1 "unsolicited drops"
	assert_eq "$(stat_of no_masquerade_in)" 0 "packets let in from the list"
}

test_no_masquerade_recorded_and_checked() {
	world_up_outside
	FLAGS+=(--no-masquerade "10.2.0.0/16,10.3.0.0/16")
	new_netns
	hook_up c1 "$NEWPID"
	assert_eq "$(bn net show -j | jq -c .no_masquerade)" '["10.2.0.0/16","10.3.0.0/16"]'
	assert_eq "$(dump_map net_config | jq -c '.[0].value | [.n_no_masq, .no_masq[0].mask]')" \
		"[2,$(ip_be 255.255.0.0)]" "net_config's prefixes"
	# another value on a later command is refused, the record kept
	flags_without --no-masquerade
	refute "another no-masquerade accepted" bn gc --no-masquerade 10.9.0.0/16
	assert_contains "$(bn gc --no-masquerade 10.9.0.0/16 2>&1)" \
		"no-masquerade 10.9.0.0/16 differs from the network's (10.2.0.0/16,10.3.0.0/16)"
	assert_eq "$(bn net show -j | jq -c .no_masquerade)" '["10.2.0.0/16","10.3.0.0/16"]' "after the refusal"
	# a bad prefix: one line, nothing changed
	refute "a prefix with host bits accepted" bn net set no-masquerade 10.2.0.1/16
	assert_contains "$(bn net set no-masquerade 10.2.0.1/16 2>&1)" "'10.2.0.1/16' is not a network"
	bn net set no-masquerade ""
	assert_eq "$(bn net show -j | jq -c .no_masquerade)" '[]'
	assert_eq "$(dump_map net_config | jq -r '.[0].value.n_no_masq')" 0
}
