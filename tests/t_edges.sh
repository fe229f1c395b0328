#!/usr/bin/env bash
# The edges a hostile container pushes at, with real frames: admission on
# the host veth is an allow-list (IPv4 and ARP from the container's own
# address and MAC), so its router advertisements, VLAN-tagged frames and
# other ethertypes are dropped and counted, and the host and the other
# containers take nothing from them. The frames are written here byte for
# byte and sent with .output/rawsend (an AF_PACKET socket, as a container
# with CAP_NET_RAW would).

RAWSEND=$TOP/.output/rawsend

edges_world() { # n containers
	[ -x "$RAWSEND" ] || fail "$RAWSEND is missing: make unit builds it"
	[ -d /proc/sys/net/ipv6 ] || { echo "no IPv6 in this kernel"; exit 77; }
	containers_world "$1"
}

# --- frames, as hex ---

# The Internet checksum of HEX (whole 16-bit words), as 4 hex digits.
csum16() {
	local h=$1 s=0 i
	for ((i = 0; i < ${#h}; i += 4)); do s=$((s + 16#${h:i:4})); done
	while ((s >> 16)); do s=$(((s & 0xffff) + (s >> 16))); done
	printf '%04x' $((~s & 0xffff))
}
mac_hex() { printf '%s' "${1//:/}"; }
ip4_hex() { local -a o; IFS=. read -ra o <<<"$1"; printf '%02x%02x%02x%02x' "${o[@]}"; }

# ipv4_udp SRC DST SPORT DPORT TEXT: IPv4 (DF, TTL 64) and UDP without a
# checksum (0, which IPv4 allows), TEXT as the payload.
ipv4_udp() {
	local data ulen hdr
	data=$(printf '%s' "$5" | od -An -tx1 | tr -d ' \n')
	ulen=$((8 + ${#data} / 2))
	hdr=$(printf '4500%04x000040004011' $((20 + ulen)))
	hdr+="0000$(ip4_hex "$1")$(ip4_hex "$2")"
	printf '%s%s%s%s' "${hdr:0:20}" "$(csum16 "$hdr")" "${hdr:24}" \
		"$(printf '%04x%04x%04x0000' "$3" "$4" "$ulen")$data"
}

# A router advertisement to all nodes from fe80::42: a default route for
# 30 minutes and the prefix 2001:db8:1::/64 to take an address from (on-link,
# autonomous; valid 1 day, preferred 4 hours). Its ICMPv6 checksum (3986)
# covers the IPv6 addresses, not the MACs, so it is fixed: ra_frame SRCMAC.
RA_IP6="6000000000303afffe800000000000000000000000000042ff020000000000000000000000000001"
RA_ICMP6="86003986400007080000000000000000030440c000015180000038400000000020010db8000100000000000000000000"
ra_frame() { printf '333300000001%s86dd%s%s' "$(mac_hex "$1")" "$RA_IP6" "$RA_ICMP6"; }

# --- what a namespace has taken from router advertisements ---

# ra_taken DEV CMD-PREFIX...: DEV has a default route or a global address.
ra_taken() {
	local dev=$1
	shift
	[ -n "$("$@" ip -6 route show default dev "$dev")$("$@" ip -6 addr show dev "$dev" scope global)" ]
}
# ipv6_ready DEV CMD-PREFIX...: DEV has a link-local address that passed DAD.
ipv6_ready() {
	local dev=$1
	shift
	"$@" ip -6 addr show dev "$dev" scope link | grep -q 'inet6 fe80' &&
		! "$@" ip -6 addr show dev "$dev" scope link | grep -q tentative
}

mac_of() { "${@:2}" ip -j link show "$1" | jq -r '.[0].address'; } # DEV CMD-PREFIX...

# A container advertises itself as a router. The frame is a good RA: over a
# plain veth a namespace takes a default route and an address from it. From
# eth0 it dies at the host veth (drop_ipv6): the host's bridge and the other
# container, both set to take advertisements even as routers (accept_ra 2),
# get neither route nor address; IPv4 still works.
test_router_advert_dropped() {
	edges_world 2
	local C2=${CS[1]} ctl mac v6
	mac=$(mac_of eth0 in_ns "$C1")
	in_host sysctl -qw net.ipv6.conf.bnbr0.accept_ra=2
	in_ns "$C2" sysctl -qw net.ipv6.conf.eth0.accept_ra=2
	# the control: the same bytes to a namespace behind a plain veth
	new_netns
	ctl=$NEWPID
	in_ns "$C1" ip link add ra0 type veth peer name ra1 netns "$ctl"
	in_ns "$ctl" sysctl -qw net.ipv6.conf.ra1.accept_ra=2
	in_ns "$C1" ip link set ra0 up
	in_ns "$ctl" ip link set ra1 up
	wait_for 10 ipv6_ready ra1 in_ns "$ctl"
	in_ns "$C1" "$RAWSEND" ra0 "$(ra_frame "$mac")"
	wait_for 5 ra_taken ra1 in_ns "$ctl"
	assert_contains "$(in_ns "$ctl" ip -6 route show default dev ra1)" "via fe80::42"
	# the host and the other container are ready to take it
	wait_for 10 ipv6_ready bnbr0 in_host
	wait_for 10 ipv6_ready eth0 in_ns "$C2"
	refute "the host took a route or address before any RA" ra_taken bnbr0 in_host
	refute "c2 took a route or address before any RA" ra_taken eth0 in_ns "$C2"
	# at least one more: the containers' own neighbour discovery counts here too
	v6=$(stat_of drop_ipv6)
	in_ns "$C1" "$RAWSEND" eth0 "$(ra_frame "$mac")"
	wait_for 5 stat_at_least drop_ipv6 $((v6 + 1))
	# through the bridge to c2 and up to the host: behind the RA, had it passed
	in_ns "$C1" ping -c1 -W2 "$(ip_of c2)" >/dev/null || fail "c1 cannot ping c2 after the RA"
	in_ns "$C1" ping -c1 -W2 172.19.0.1 >/dev/null || fail "c1 cannot ping the gateway after the RA"
	in_ns "$C1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "c1 cannot ping the outside after the RA"
	refute "the host's bridge took a route or address from the container's RA" ra_taken bnbr0 in_host
	refute "c2 took a route or address from c1's RA" ra_taken eth0 in_ns "$C2"
	assert_eq "$(stat_of drop_spoofed_mac)" 0 "MAC spoofing drops (the RA is from c1's own MAC)"
}

# VLAN-tagged frames from the container's own MAC and address (tag 5, and a
# priority tag, VLAN 0, which the host would take as plain IPv4), a QinQ frame
# (802.1ad and 802.1Q, both VLAN 0) from an address not its own, and a frame
# of another ethertype: the kernel takes the outer tag into the packet's
# metadata before the host veth's TC program sees it, which drops and counts
# each. A listener on the gateway gets only the plain datagram sent after
# them; IPv4 still works.
test_vlan_and_other_frames_dropped() {
	edges_world 1
	local mac br own spoofed
	mac=$(mac_hex "$(mac_of eth0 in_ns "$C1")")
	br=$(mac_hex "$(mac_of bnbr0 in_host)")
	in_host timeout 15 nc -n -u -l 172.19.0.1 9999 >"$T/got" 2>/dev/null &
	PIDS+=($!)
	wait_listen udp 9999 in_host
	assert_eq "$(ip_of c1)" 172.19.0.2 "c1's address (the frames below carry it)"
	own=$(ipv4_udp 172.19.0.2 172.19.0.1 40000 9999 tagged)
	spoofed=$(ipv4_udp 172.19.0.77 172.19.0.1 40000 9999 qinq)
	assert_eq "${own:0:40}" "45000022000040004011e2a1ac130002ac130001" "IPv4 header of the tagged datagram"
	# 802.1Q tag 5; priority 3 on VLAN 0; 802.1ad VLAN 0 outside 802.1Q VLAN 0;
	# ethertype 0x88b5 (local experimental) with "hello"
	in_ns "$C1" "$RAWSEND" eth0 \
		"$br${mac}810000050800$own" \
		"$br${mac}810060000800$own" \
		"$br${mac}88a80000810000000800$spoofed" \
		"$br${mac}88b568656c6c6f"
	wait_for 5 stat_at_least drop_vlan 3
	wait_for 5 stat_at_least drop_ethertype 1
	echo plain | in_ns "$C1" nc -n -u -w1 172.19.0.1 9999
	assert_file_eq "$T/got" plain "what the gateway's listener received"
	assert_eq "$(stat_of drop_vlan)" 3 "VLAN drops"
	assert_eq "$(stat_of drop_ethertype)" 1 "other-ethertype drops"
	assert_eq "$(stat_of drop_spoofed_ip)" 0 "spoofed-address drops (the QinQ frame died as VLAN first)"
	in_ns "$C1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "c1 cannot ping the outside after the frames"
}

# --- what reaches a container ---

# A host on the uplink's LAN that routes the container subnet through this
# host reaches nothing in a container: not an unpublished UDP or TCP port,
# not ping. The first datagram to arrive holds nc's one peer: the host's
# own, sent after the routed one, shows the routed one never came.
test_routed_access_dropped() {
	containers_world 1
	in_out ip route add 172.19.0.0/16 via "$UPLINK_IP"
	in_ns "$C1" sh -c "timeout 10 nc -u -nl 172.19.0.2 7777 >$T/udp" &
	PIDS+=($!)
	wait_listen udp 7777 in_ns "$C1"
	echo "routed in" | in_out nc -u -w 1 172.19.0.2 7777
	wait_for 5 stat_at_least drop_unsolicited 1
	echo "from the host" | in_host nc -u -w 1 172.19.0.2 7777
	assert_file_eq "$T/udp" "from the host"
	in_ns "$C1" sh -c "timeout 10 nc -nl 172.19.0.2 7778 >/dev/null" &
	PIDS+=($!)
	wait_listen tcp 7778 in_ns "$C1"
	refute "a routed TCP connection to an unpublished port" in_out nc -z -w 2 172.19.0.2 7778
	refute "a routed ping" in_out ping -c1 -W1 172.19.0.2
	assert_ge "$(stat_of drop_unsolicited)" 3 "unsolicited packets dropped"
	# what is allowed still works: the container's own flows, its published port
	in_ns "$C1" ping -c1 -W2 "$OUTSIDE_IP" >/dev/null || fail "the container's own ping out"
	bn port add c1 8080:80
	in_ns "$C1" sh -c "timeout 10 nc -nl 172.19.0.2 80 >$T/pub" &
	PIDS+=($!)
	wait_listen tcp 80 in_ns "$C1"
	echo published | in_out nc -N -w 3 "$UPLINK_IP" 8080 || fail "the published port from the LAN"
	assert_file_eq "$T/pub" published
	echo "FIGURE: routed UDP, TCP and ping to a container: $(stat_of drop_unsolicited) dropped as unsolicited"
}

# Containers of one network reach each other even where br_netfilter sends
# bridged frames through an iptables FORWARD chain that drops everything
# (a Docker host): from_container hands them to the neighbour's veth peer,
# past the bridge.
test_neighbours_under_br_netfilter_forward_drop() {
	[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] ||
		{ echo "br_netfilter is not loaded on this machine (bpfnet never loads it)"; exit 77; }
	containers_world 2
	in_host sysctl -qw net.bridge.bridge-nf-call-iptables=1
	in_host iptables -P FORWARD DROP
	in_ns "${CS[1]}" sh -c "timeout 10 nc -nl 172.19.0.3 7100 >$T/got" &
	PIDS+=($!)
	wait_listen tcp 7100 in_ns "${CS[1]}"
	echo neighbour | in_ns "$C1" nc -N -w 3 172.19.0.3 7100 || fail "TCP to the neighbour"
	assert_file_eq "$T/got" neighbour
	in_ns "$C1" ping -c1 -W2 172.19.0.3 >/dev/null || fail "ping to the neighbour"
	in_ns "${CS[1]}" ping -c1 -W2 172.19.0.2 >/dev/null || fail "ping back"
	assert_ge "$(stat_of fast_path_neighbour)" 4 "packets handed to the neighbour"
}

# A connected UDP socket of the host on local port PORT (ss lists those
# as not listening).
host_udp_connected() { [ -n "$(in_host ss -Hun state established "( sport = :$1 )")" ]; }

# The host's own flows keep their ports: a reply to the host's UDP socket
# on an ephemeral port inside a published range stays the host's, and a
# container sending from a port the host uses towards the same server is
# given another one (both conversations work).
test_host_flows_keep_their_ports() {
	containers_world 1
	bn port add c1 40000-40100:40000-40100/udp
	# a server outside that answers the first peer it hears from
	in_out sh -c "(sleep 1; echo reply) | timeout 10 nc -u -nl $OUTSIDE_IP 5353 >$T/srv" &
	PIDS+=($!)
	wait_listen udp 5353 in_out
	local rc=0
	(echo hello; sleep 3) | in_host timeout 8 nc -u -w 3 -s "$UPLINK_IP" -p 40050 "$OUTSIDE_IP" 5353 >"$T/host" || rc=$?
	# the server leaves after its reply: the client may hear "refused" for its last word
	echo "FIGURE: the host's UDP client exited $rc"
	assert_file_eq "$T/srv" hello
	assert_file_eq "$T/host" reply "the host's client got its reply"
	assert_ge "$(stat_of host_flow_packets_kept)" 1 "host flow packets kept"
	assert_eq "$(stat_of dnat_flows)" 0 "flows into the published range"
	# an unconnected host socket bound inside the range (opened after the
	# port was published): what it would receive is its own
	in_host timeout 10 nc -u -l 40060 >"$T/unconnected" &
	PIDS+=($!)
	wait_listen udp 40060 in_host
	echo "to the host" | in_out nc -u -w 1 -p 5355 "$UPLINK_IP" 40060
	wait_for 5 test -s "$T/unconnected"
	assert_file_eq "$T/unconnected" "to the host" "what the host's unconnected socket received"
	assert_eq "$(stat_of dnat_flows)" 0 "flows into the published range"
	# the host holds 40200 towards the server's 5354; the container asks for it too
	in_out sh -c "timeout 10 nc -u -nl $OUTSIDE_IP 5354 >/dev/null" &
	PIDS+=($!)
	wait_listen udp 5354 in_out
	sleep 6 | in_host timeout 6 nc -u -s "$UPLINK_IP" -p 40200 "$OUTSIDE_IP" 5354 &
	PIDS+=($!)
	wait_for 5 host_udp_connected 40200
	echo container | in_ns "$C1" nc -u -w 1 -p 40200 "$OUTSIDE_IP" 5354
	local nat
	# (not answered: a flow of ct_new, or of conntrack once it is)
	nat=$({ dump_map conntrack; dump_map ct_new; } | jq -rs 'add | .[] | select(.key.dport == 59924 and .key.sport == 2205) | .value.nat_port')
	[ -n "$nat" ] || fail "no conntrack entry for the container's flow from 40200"
	[ "$nat" != 2205 ] || fail "the container was given port 40200, which the host uses"
	assert_ge "$(stat_of snat_ports_host_uses)" 1 "ports passed over for the host"
}

# Under --isolate the host opens nothing in a container (it still reaches
# a published port through the socket programs).
test_isolated_host_opens_nothing() {
	world_up_outside
	FLAGS+=(--isolate)
	new_netns; C1=$NEWPID
	hook_up c1 "$C1" '{"bpfnet.ports":"8080:80"}'
	refute "the host pinged an isolated container" in_host ping -c1 -W1 172.19.0.2
	assert_ge "$(stat_of drop_isolated)" 1 "isolated drops"
	[ -n "${CG:-}" ] || fail "no cgroup2 for the socket programs"
	in_ns "$C1" sh -c "timeout 10 nc -nl 172.19.0.2 80 >$T/got" &
	PIDS+=($!)
	wait_listen tcp 80 in_ns "$C1"
	echo "to the published port" | in_host_cg nc -N -w 3 127.0.0.1 8080 || fail "the host's client of the published port"
	assert_file_eq "$T/got" "to the published port"
}

# --- IPv6, routed (the datapath half of dual stack) ---

# The EUI-64 link-local address of MAC, as the container's kernel makes it
# and endpoints6 has it.
ll_of_mac() {
	local -a m
	IFS=: read -ra m <<<"$1"
	printf 'fe80::%x:%x:%x:%x' $(((16#${m[0]} ^ 2) << 8 | 16#${m[1]})) \
		$((16#${m[2]} << 8 | 255)) $((0xfe00 | 16#${m[3]})) $((16#${m[4]} << 8 | 16#${m[5]}))
}

# What to know when IPv6 between containers fails: c1's and PID's addresses
# and neighbours, the counters that moved.
ipv6_state() {
	in_ns "$C1" ip -6 -o addr show dev eth0
	in_ns "$C1" ip -6 neigh
	in_ns "$1" ip -6 -o addr show dev eth0
	in_ns "$1" ip -6 neigh
	bn stats -j | jq -c '.totals | with_entries(select(.value != 0))'
}

# Routed IPv6 (--subnet6, --nat6 false) as the hook set it up: the
# containers' kernels' own neighbour discovery and MLD pass admission (no
# spoofing or router drop counted), so c1 reaches the gateway, c2 (by its
# address) and the outside (bpf_fib_lookup, its replies straight in from
# the uplink) with ping -6; the outside reaches nothing of c1 it did not
# ask for; an address c1 gives itself is not its own to use.
test_ipv6_routed_admission_and_replies() {
	edges_world_v6 2 false
	local C2=${CS[1]} sip smac snd sra
	sip=$(stat_of drop_spoofed_ip)
	smac=$(stat_of drop_spoofed_mac)
	snd=$(stat_of drop_spoofed_nd)
	sra=$(stat_of drop_router_advert)
	in_ns "$C1" ping -6 -c1 -W2 fd19::1 >/dev/null || fail "c1 cannot ping the gateway over IPv6"
	in_ns "$C1" ping -6 -c1 -W2 fd19::3 >/dev/null ||
		fail "c1 cannot ping c2 over IPv6: $(ipv6_state "$C2" | tr '\n' ' ')"
	in_ns "$C1" ping -6 -c1 -W2 "$OUTSIDE_IP6" >/dev/null || fail "c1 cannot ping the outside over IPv6"
	assert_ge "$(stat_of fast_path_out)" 1 "IPv6 packets routed to the uplink by the datapath"
	assert_ge "$(stat_of fast_path_in)" 1 "IPv6 replies sent into the container by the datapath"
	assert_ge "$(stat_of fast_path_neighbour)" 1 "IPv6 packets sent straight to a neighbour"
	assert_eq "$(stat_of drop_spoofed_ip)" "$sip" "spoofed address drops (real ND, MLD, RS)"
	assert_eq "$(stat_of drop_spoofed_mac)" "$smac" "spoofed MAC drops"
	assert_eq "$(stat_of drop_spoofed_nd)" "$snd" "spoofed ND drops"
	assert_eq "$(stat_of drop_router_advert)" "$sra" "router message drops"
	# from outside: nothing c1 did not open
	local un
	un=$(stat_of drop_unsolicited)
	refute "the outside reached c1 over IPv6 unasked" in_out ping -6 -c1 -W1 fd19::2
	assert_ge "$(stat_of drop_unsolicited)" $((un + 1)) "unsolicited IPv6 dropped"
	# an address c1 takes that is not its own
	in_ns "$C1" ip -6 addr add fd19::99/64 dev eth0 nodad
	refute "c1 reached the gateway from an address not its own" \
		in_ns "$C1" ping -6 -c1 -W1 -I fd19::99 fd19::1
	assert_ge "$(stat_of drop_spoofed_ip)" $((sip + 1)) "spoofed address drops"
	in_ns "$C1" ping -6 -c1 -W2 -I fd19::2 "$OUTSIDE_IP6" >/dev/null ||
		fail "c1 cannot ping the outside from its own address"
}

# edges_world_v6 N NAT6: edges_world's checks, then dual_stack_world.
edges_world_v6() {
	[ -x "$RAWSEND" ] || fail "$RAWSEND is missing: make unit builds it"
	[ -d /proc/sys/net/ipv6 ] || { echo "no IPv6 in this kernel"; exit 77; }
	dual_stack_world "$1" "$2"
}

size_is() { [ "$(wc -c <"$1")" -eq "$2" ]; } # FILE BYTES

# c1 reaches c2 by its link-local address (the EUI-64 of its MAC, which
# the hook writes into endpoints6 next to its address), straight to its
# veth peer.
test_ipv6_link_local_between_containers() {
	edges_world_v6 2 false
	local C2=${CS[1]} c2ll
	c2ll=$(ll_of_mac "$(mac_of eth0 in_ns "$C2")")
	assert_contains "$(in_ns "$C2" ip -6 addr show dev eth0 scope link)" "inet6 $c2ll/64"
	in_ns "$C1" ping -6 -c1 -W2 "$c2ll%eth0" >/dev/null ||
		fail "c1 cannot ping c2's link-local $c2ll: $(ipv6_state "$C2" | tr '\n' ' ')"
	assert_ge "$(stat_of fast_path_neighbour)" 2 "packets sent straight to a neighbour"
}

# NAT66 (--nat6 true, the default): the outside has no route to
# fd19::/64, so only packets masqueraded behind the uplink's 2001:db8:100::1
# can be answered: c1's ping -6 and a TCP stream to the outside arrive and
# are answered (the datapath redirects them to the uplink, whose egress
# translates them, and translates the replies back at its ingress).
test_ipv6_nat66_to_the_outside() {
	edges_world_v6 1 true
	local got
	refute "the outside has a route back to the containers" in_out ip -6 route get fd19::2
	in_ns "$C1" ping -6 -c1 -W2 "$OUTSIDE_IP6" >/dev/null || fail "c1 cannot ping the outside through NAT66"
	in_out timeout 10 nc -6 -n -l "$OUTSIDE_IP6" 8080 >"$T/got" 2>/dev/null &
	PIDS+=($!)
	wait_listen tcp 8080 in_out
	head -c 65536 /dev/zero | tr '\0' x | in_ns "$C1" nc -6 -N -w 5 "$OUTSIDE_IP6" 8080 ||
		fail "c1's TCP stream to the outside through NAT66"
	wait_for 5 size_is "$T/got" 65536
	assert_ge "$(stat_of snat_packets)" 2 "packets masqueraded"
	assert_ge "$(stat_of reverse_nat_packets)" 2 "replies translated back"
	got=$(bn stats -j | jq -r '.totals.drop_nat66_unsupported')
	assert_eq "$got" 0 "packets NAT66 could not translate"
}

# A far host behind a 1280-byte hop: the outside routes 2001:db8:200::/64
# to the namespace $P-far over a link it sends on with MTU 1280 (the far
# end keeps 1500, so its TCP offers a 1440-byte MSS and only the outside's
# Packet Too Big tells a sender); the host routes it by the outside.
# Nothing routes back to fd19::/64: only NAT66 can be answered.
FAR_IP6=2001:db8:200::2
far_host_behind_1280() {
	ip netns add "$P-far"
	in_out ip link add far0 mtu 1280 type veth peer name eth0 netns "$P-far"
	in_out ip -6 addr add 2001:db8:200::1/64 dev far0 nodad
	in_out ip link set far0 up
	in_out sysctl -qw net.ipv6.conf.all.forwarding=1
	ip netns exec "$P-far" ip link set lo up
	ip netns exec "$P-far" ip -6 addr add "$FAR_IP6/64" dev eth0 nodad
	ip netns exec "$P-far" ip link set eth0 up
	ip netns exec "$P-far" ip -6 route add default via 2001:db8:200::1
	in_host ip -6 route add 2001:db8:200::/64 via "$OUTSIDE_IP6"
}

# NAT66 and a real Packet Too Big: c1's 256 KiB TCP stream to a far host
# behind a 1280-byte hop leaves in 1500-byte packets; the outside answers
# the uplink's address with Packet Too Big, which reaches c1 translated
# (nat6_in_error), c1's TCP sends smaller segments and the stream arrives
# whole.
test_ipv6_far_host_packet_too_big() {
	edges_world_v6 1 true
	far_host_behind_1280
	local xl
	xl=$(stat_of icmp_errors_translated)
	ip netns exec "$P-far" timeout 15 nc -6 -n -l "$FAR_IP6" 8080 >"$T/got" 2>/dev/null &
	PIDS+=($!)
	wait_listen tcp 8080 ip netns exec "$P-far"
	head -c 262144 /dev/zero | tr '\0' x | in_ns "$C1" nc -6 -N -w 10 "$FAR_IP6" 8080 ||
		fail "c1's TCP stream to the far host through NAT66"
	wait_for 10 size_is "$T/got" 262144
	assert_ge "$(stat_of icmp_errors_translated)" $((xl + 1)) "Packet Too Big translated in"
	assert_contains "$(in_ns "$C1" ip -6 route get "$FAR_IP6")" "mtu 1280"
}

# NAT66 and fragments both ways: c1's 3000-byte UDP datagrams leave its
# 1500-byte link in fragments, the first translated as its flow, the later
# ones with the source it left with (frag6_out); the outside receives each
# datagram whole, from the uplink's address, and echoes it: the reply's
# first fragment is translated back as the flow's reply, its later ones
# follow it to c1 (frag6_rnat), and c1 receives each whole.
test_ipv6_nat66_fragments_out() {
	edges_world_v6 1 true
	local fr py
	fr=$(stat_of fragments_translated)
	in_out timeout 10 python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("2001:db8:100::2", 9000))
for _ in range(2):
    d, a = s.recvfrom(65536)
    print(len(d), a[0], d == bytes(range(250)) * 12)
    s.sendto(d, a)
sys.stdout.flush()' >"$T/got" &
	PIDS+=($!)
	py=$!
	wait_listen udp 9000 in_out
	in_ns "$C1" timeout 10 python3 -c 'import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(3)
for _ in range(2):
    s.sendto(bytes(range(250)) * 12, ("2001:db8:100::2", 9000))
    d = s.recv(65536)
    print(len(d), d == bytes(range(250)) * 12)' >"$T/back" || fail "c1 got $(wc -l <"$T/back") of 2 echoes back"
	wait "$py" || fail "the outside received $(wc -l <"$T/got") of 2 datagrams"
	assert_eq "$(cat "$T/got")" "3000 2001:db8:100::1 True
3000 2001:db8:100::1 True" "the datagrams, whole, from the uplink"
	assert_eq "$(cat "$T/back")" "3000 True
3000 True" "the echoes, whole, back in c1"
	assert_ge "$(stat_of fragments_translated)" $((fr + 4)) "later fragments translated, both ways"
	assert_eq "$(stat_of drop_fragment_unknown)" 0 "later fragments with no first"
}

# NAT66 and a container's own ICMPv6 error: the outside answers c1's
# datagram after c1 closed its socket; c1's port unreachable leaves from
# the uplink's address, quoting what the outside sent (to the uplink and
# the translated port), so the outside's connected socket is refused.
test_ipv6_nat66_port_unreachable_out() {
	edges_world_v6 1 true
	local py
	in_out timeout 10 python3 -c 'import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("2001:db8:100::2", 9001))
d, a = s.recvfrom(100)
s.connect(a[:2])
s.send(b"answer")
s.settimeout(3)
try:
    s.recv(100)
    print("answered")
except ConnectionRefusedError:
    print("refused by", a[0])
except socket.timeout:
    print("no error came")' >"$T/got" &
	PIDS+=($!)
	py=$!
	wait_listen udp 9001 in_out
	in_ns "$C1" python3 -c 'import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.sendto(b"ask", ("2001:db8:100::2", 9001))
s.close()'
	wait "$py" || fail "the outside got no datagram from c1"
	assert_eq "$(cat "$T/got")" "refused by 2001:db8:100::1" "the outside's socket, told by c1's error"
	assert_ge "$(stat_of icmp_errors_translated)" 1 "c1's error translated"
	assert_eq "$(stat_of drop_nat66_unsupported)" 0 "packets NAT66 could not translate"
}

# The IPv6 flows of conntrack6 as "SOURCE>TRANSLATED-SOURCE" words, sorted,
# and rev_nat6's entries as the flows' sources they name.
in6_text() { python3 -c 'import ipaddress, struct, sys
for w in sys.argv[1:]:
    print(ipaddress.IPv6Address(struct.pack("<4I", *map(int, w.split(",")))))' "$@"; }
flows6() {
	local j
	j=$(dump_map conntrack6)
	# shellcheck disable=SC2046  # one word per address
	paste -d'>' <(in6_text $(jq -r '.[].key.saddr.a | join(",")' <<<"$j")) \
		<(in6_text $(jq -r '.[].value.nat_addr6.a | join(",")' <<<"$j")) | sort | paste -sd' '
}
rnat6_owners() {
	# shellcheck disable=SC2046
	in6_text $(dump_map rev_nat6 | jq -r '.[].value.saddr.a | join(",")') | sort | paste -sd' '
}

# A container's IPv6 flows go with it, as its IPv4 ones do: gc removes an
# expired flow (and its rev_nat6 entry) and keeps a live one; a new uplink
# address (resync) flushes the flows masqueraded behind the old one, and
# the container's next packet leaves from the new one; teardown removes the
# container's flows and leaves the other's.
test_ipv6_flows_go_with_their_container() {
	edges_world_v6 2 true
	local C2=${CS[1]} up=2001:db8:100::1 off size
	in_ns "$C1" ping -6 -c1 -W2 "$OUTSIDE_IP6" >/dev/null || fail "c1 cannot ping the outside"
	in_ns "$C2" ping -6 -c1 -W2 "$OUTSIDE_IP6" >/dev/null || fail "c2 cannot ping the outside"
	assert_eq "$(flows6)" "fd19::2>$up fd19::3>$up" "flows, translated"
	assert_eq "$(rnat6_owners)" "fd19::2 fd19::3" "rev_nat6 entries"
	# c2's flow expired: gc takes it and its reply entry
	read -r off size <<<"$(value_field conntrack "expires_ns")"	# ct6's ct comes first
	local i
	i=$(dump_map conntrack6 | jq '[.[].key.saddr.a] | index(['"$(in6_words fd19::3)"'])')
	map_set_bytes conntrack6 "$i" "$off" "$size" 1
	bn gc >/dev/null
	assert_eq "$(flows6)" "fd19::2>$up" "flows after gc"
	assert_eq "$(rnat6_owners)" "fd19::2" "rev_nat6 after gc"
	# the uplink's address changes
	in_host ip -6 addr del "$up/64" dev up0
	in_host ip -6 addr add 2001:db8:100::7/64 dev up0 nodad
	bn resync >/dev/null
	assert_eq "$(flows6)" "" "flows after the uplink's address changed"
	assert_eq "$(rnat6_owners)" "" "rev_nat6 after the uplink's address changed"
	in_ns "$C1" ping -6 -c1 -W2 "$OUTSIDE_IP6" >/dev/null || fail "c1 cannot ping the outside from the new address"
	in_ns "$C2" ping -6 -c1 -W2 "$OUTSIDE_IP6" >/dev/null || fail "c2 cannot ping the outside from the new address"
	assert_eq "$(flows6)" "fd19::2>2001:db8:100::7 fd19::3>2001:db8:100::7" "flows from the new address"
	hook_down c1
	assert_eq "$(flows6)" "fd19::3>2001:db8:100::7" "flows after c1's teardown"
	assert_eq "$(rnat6_owners)" "fd19::3" "rev_nat6 after c1's teardown"
}

# --isolate holds for IPv6 as for IPv4: the container opens no connection
# to the host (its gateway fd19::1 or the uplink's IPv6 address: TCP to a
# host listener, ping), and the host opens none to it; the outside is
# still reached (NAT66), and the host's own IPv6 stays the host's.
test_ipv6_isolated() {
	dual_stack_outside true
	FLAGS+=(--isolate)
	add_containers 1
	local iso
	in_host sh -c "timeout 20 nc -6 -lk 7000 >$T/host.got" &
	PIDS+=($!)
	wait_listen tcp 7000 in_host
	iso=$(stat_of drop_isolated)
	refute "c1 connected to the host's gateway address" in_ns "$C1" nc -6 -z -w 2 fd19::1 7000
	refute "c1 connected to the uplink's IPv6 address" in_ns "$C1" nc -6 -z -w 2 "$UPLINK_IP6" 7000
	refute "c1 pinged the gateway" in_ns "$C1" ping -6 -c1 -W1 fd19::1
	refute "the host pinged c1" in_host ping -6 -c1 -W1 fd19::2
	assert_ge "$(stat_of drop_isolated)" $((iso + 4)) "isolated drops"
	in_ns "$C1" ping -6 -c1 -W2 "$OUTSIDE_IP6" >/dev/null || fail "c1 cannot ping the outside when isolated"
	in_out ping -6 -c1 -W2 "$UPLINK_IP6" >/dev/null || fail "the outside cannot ping the host's own IPv6 address"
}

# Isolation between networks holds for IPv6 as for IPv4
# (t_reliability/isolation_between_networks_and_from_host): two dual-stack
# networks on one host, fd19::/64 and fd20::/64; neither container reaches
# the other's over IPv6, either way, and each network counts its drops; a
# LAN on another interface that routes both prefixes back is reached by the
# host, never by a container. Both still reach the outside (NAT66).
test_ipv6_isolation_between_networks() {
	dual_stack_world 1 true
	net2_flags 172.20.0.0/16
	FLAGS2+=(--subnet6 fd20::/64)
	local C2 d1 d2 lan=/run/netns/$P-lan
	new_netns; C2=$NEWPID
	hook_up2 c2 "$C2"
	assert_eq "$(bn2 ls -j | jq -r '.[0].ip6')" fd20::2 "network 2's container"
	in_ns "$C1" ping -6 -c1 -W2 "$OUTSIDE_IP6" >/dev/null || fail "network 1 cannot reach the outside"
	in_ns "$C2" ping -6 -c1 -W2 "$OUTSIDE_IP6" >/dev/null || fail "network 2 cannot reach the outside"
	d1=$(stat_of drop_other_network)
	d2=$(bn2 stats -j | jq .totals.drop_other_network)
	refute "network 1 reached network 2" in_ns "$C1" ping -6 -c1 -W1 fd20::2
	refute "network 2 reached network 1" in_ns "$C2" ping -6 -c1 -W1 fd19::2
	in_ns "$C2" sh -c "timeout 5 nc -6 -l -p 8000 >$T/c2.got" &
	PIDS+=($!)
	wait_listen tcp 8000 in_ns "$C2"
	refute "network 1 connected to network 2" in_ns "$C1" nc -6 -z -w 2 fd20::2 8000
	assert_ge "$(stat_of drop_other_network)" $((d1 + 2)) "network 1's drops"
	assert_ge "$(bn2 stats -j | jq .totals.drop_other_network)" $((d2 + 1)) "network 2's drops"
	# another interface's IPv6 network, which routes both prefixes back
	ip netns add "$P-lan"
	in_host ip link add lan0 type veth peer name eth0 netns "$lan"
	in_host ip -6 addr add 2001:db8:300::1/64 dev lan0 nodad
	in_host ip link set lan0 up
	nsenter --net="$lan" ip link set lo up
	nsenter --net="$lan" ip -6 addr add 2001:db8:300::2/64 dev eth0 nodad
	nsenter --net="$lan" ip link set eth0 up
	nsenter --net="$lan" ip -6 route add fd19::/64 via 2001:db8:300::1
	nsenter --net="$lan" ip -6 route add fd20::/64 via 2001:db8:300::1
	in_host ping -6 -c1 -W2 2001:db8:300::2 >/dev/null || fail "the host cannot reach its other IPv6 network"
	d1=$(stat_of drop_other_network)
	refute "network 1 reached another interface's network" in_ns "$C1" ping -6 -c1 -W1 2001:db8:300::2
	refute "network 2 reached another interface's network" in_ns "$C2" ping -6 -c1 -W1 2001:db8:300::2
	assert_ge "$(stat_of drop_other_network)" $((d1 + 1)) "network 1's drops to the LAN"
}
