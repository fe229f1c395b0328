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
	world_up_outside
	local i
	CS=()
	for i in $(seq "$1"); do
		new_netns
		CS+=("$NEWPID")
		hook_up "c$i" "$NEWPID"
	done
	C1=${CS[0]}
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
