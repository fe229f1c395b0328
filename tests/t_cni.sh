#!/usr/bin/env bash
# bpfnet as a CNI plugin, run as libcni runs it: CNI_* variables, the
# network config on stdin, the reply on stdout. Container namespaces are
# made with "ip netns add $P-NAME" inside the world (world_down deletes them).

# cni COMMAND [ID] [NETNS] [IFNAME] < CONFIG: the plugin in the host
# namespace with only the variables libcni sets (an empty one is unset;
# CNI_ARGS passed on when the caller sets it).
cni() {
	local -a env=(PATH="$PATH" CNI_COMMAND="$1" CNI_PATH=/usr/lib/cni)
	[ -z "${CNI_ARGS:-}" ] || env+=(CNI_ARGS="$CNI_ARGS")
	[ -z "${2:-}" ] || env+=(CNI_CONTAINERID="$2")
	[ -z "${3:-}" ] || env+=(CNI_NETNS="$3")
	[ -z "${4:-}" ] || env+=(CNI_IFNAME="$4")
	in_host env -i "${env[@]}" "$BPFNET"
}

# A container namespace: ctr_ns NAME makes /run/netns/$P-NAME.
ctr_ns() { ip netns add "$P-$1"; ip -n "$P-$1" link set lo up; }
ns_path() { echo "/run/netns/$P-$1"; }
in_ctr() { local n=$1; shift; ip netns exec "$P-$n" "$@"; }

# cni_add NAME [VERSION] [EXTRA] [IFNAME]: ADD for container NAME in its
# namespace; the result in $T/NAME.json. Fails the test when ADD fails.
cni_add() {
	local n=$1 rc=0
	ctr_ns "$n"
	cni_conf "${2:-1.0.0}" "${3:-"{}"}" | cni ADD "$n" "$(ns_path "$n")" "${4:-eth0}" >"$T/$n.json" || rc=$?
	assert_eq "$rc" 0 "ADD $n exit code (reply: $(cat "$T/$n.json"))"
}

# The error reply's shape (SPEC.md "Error"): typed fields, the given code.
assert_cni_error() { # FILE CODE VERSION
	local j
	j=$(cat "$1")
	assert_eq "$(jq -c '[.cniVersion, .code, .msg, .details] | map(type)' <<<"$j")" '["string","number","string","string"]' "error field types in $j"
	assert_eq "$(jq .code <<<"$j")" "$2" "error code in $j"
	assert_eq "$(jq -r .cniVersion <<<"$j")" "$3" "error cniVersion"
	assert_eq "$(jq -r '.details | length > 0' <<<"$j")" true "error details say why"
}

# Every field of an ADD result, against the kernel's view of the links.
check_result() { # NAME VERSION IFNAME
	local r=$T/$1.json ns veth ip hostmac ctrmac
	ns=$(ns_path "$1")
	veth=$(bn ls -j | jq -r --arg id "$1" '.[] | select(.id == $id) | .veth')
	ip=$(ip_of "$1")
	hostmac=$(in_host ip -j link show "$veth" | jq -r '.[0].address')
	ctrmac=$(in_ctr "$1" ip -j link show "$3" | jq -r '.[0].address')
	assert_eq "$(jq -r .cniVersion "$r")" "$2" "cniVersion"
	assert_eq "$(jq -c '.interfaces | length' "$r")" 2 "interfaces"
	assert_eq "$(jq -c '.interfaces[0]' "$r")" "{\"name\":\"$veth\",\"mac\":\"$hostmac\"}" "host interface"
	assert_eq "$(jq -c '.interfaces[1]' "$r")" "{\"name\":\"$3\",\"mac\":\"$ctrmac\",\"sandbox\":\"$ns\"}" "container interface"
	assert_eq "$(jq -c '.ips | length' "$r")" 1 "ips"
	assert_eq "$(jq -r '.ips[0].address' "$r")" "$ip/16" "address"
	assert_eq "$(in_ctr "$1" ip -j addr show dev "$3" | jq -r '.[0].addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"')" "$ip/16" "address on $3"
	assert_eq "$(jq -r '.ips[0].gateway' "$r")" 172.19.0.1 "gateway"
	assert_eq "$(jq -c '.ips[0].interface' "$r")" 1 "ips[0].interface (a number: the index of $3)"
	if [ "$2" = 0.3.1 ] || [ "$2" = 0.4.0 ]; then
		assert_eq "$(jq -c '.ips[0].version' "$r")" '"4"' "ips[0].version before 1.0.0"
	else
		assert_eq "$(jq -c '.ips[0] | has("version")' "$r")" false "ips[0].version from 1.0.0 on"
	fi
	assert_eq "$(jq -c .routes "$r")" '[{"dst":"0.0.0.0/0","gw":"172.19.0.1"}]' "routes"
	assert_eq "$(jq -c .dns "$r")" '{}' "dns"
	assert_eq "$(in_ctr "$1" ip -4 route show default)" "default via 172.19.0.1 dev $3 " "default route inside"
}

test_add_result_fields_each_version() {
	cni_world
	local v i=0
	for v in 0.3.1 0.4.0 1.0.0 1.1.0; do
		i=$((i + 1))
		cni_add "c$i" "$v" '{}' "net$i"
		check_result "c$i" "$v" "net$i"
		assert_eq "$(bn ls -j | jq -c --arg id "c$i" '.[] | select(.id == $id) | [.netns, .alive, .pid]')" "[\"$(ns_path "c$i")\",true,0]" "ls of c$i"
	done
	# the allocator handed out distinct addresses, in order
	assert_eq "$(bn ls -j | jq -r '[.[].ip] | join(" ")')" "172.19.0.2 172.19.0.3 172.19.0.4 172.19.0.5" "addresses"
	in_ctr c4 ping -c 1 -W 2 "$OUTSIDE_IP" >/dev/null || fail "c4 cannot ping the outside"
	in_ctr c1 ping -c 1 -W 2 172.19.0.5 >/dev/null || fail "c1 cannot ping c4"
}

test_published_port_reached_from_outside_then_deleted() {
	cni_world
	cni_add web 1.0.0 '{"runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp","hostIP":""},{"hostPort":5353,"containerPort":53,"protocol":"udp"}]}}'
	assert_eq "$(bn port ls -j | jq -c '[.[] | "\(.id) \(.host_ip):\(.host_port):\(.container_port)/\(.proto)"] | sort')" '["web 0.0.0.0:5353:53/udp","web 0.0.0.0:8080:80/tcp"]' "published ports"
	in_ctr web timeout 10 nc -nl 172.19.0.2 80 >"$T/got" &
	PIDS+=($!)
	wait_for 5 sh -c "ip netns exec $P-web ss -Hltn 'sport = :80' | grep -q ."
	echo "over cni" | in_out nc -N -w 3 "$UPLINK_IP" 8080 || fail "the outside could not connect to $UPLINK_IP:8080"
	assert_file_eq "$T/got" "over cni"
	local veth
	veth=$(bn ls -j | jq -r '.[0].veth')
	assert_eq "$(dump_map port_maps | jq length)" 2 "port map entries after ADD"
	cni_conf | cni DEL web "$(ns_path web)" eth0 >"$T/del.out" || fail "DEL failed: $(cat "$T/del.out")"
	assert_eq "$(cat "$T/del.out")" "" "DEL prints nothing"
	assert_eq "$(dump_map port_maps | jq length)" 0 "port map entries after DEL"
	assert_eq "$(bn ls -j)" "[]" "records after DEL"
	refute "veth $veth left after DEL" in_host ip link show "$veth"
	refute "eth0 left in the namespace after DEL" in_ctr web ip link show eth0
	refute "the port still answers after DEL" in_out nc -z -w 1 "$UPLINK_IP" 8080
}

test_check_passes_then_fails_without_address() {
	cni_world
	cni_add c1 0.4.0 '{"runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp","hostIP":""}]}}'
	local prev rc=0
	prev=$(cat "$T/c1.json")
	cni_conf 0.4.0 "{\"prevResult\": $prev}" | cni CHECK c1 "$(ns_path c1)" eth0 >"$T/check.out" || rc=$?
	assert_eq "$rc" 0 "CHECK of an intact container (reply: $(cat "$T/check.out"))"
	assert_eq "$(cat "$T/check.out")" "" "CHECK prints nothing when it passes"
	in_ctr c1 ip addr flush dev eth0
	rc=0
	cni_conf 0.4.0 "{\"prevResult\": $prev}" | cni CHECK c1 "$(ns_path c1)" eth0 >"$T/check.out" || rc=$?
	assert_eq "$rc" 1 "CHECK exit code once the address is gone"
	assert_cni_error "$T/check.out" 101 0.4.0
	assert_contains "$(jq -r .details "$T/check.out")" "does not have its address 172.19.0.2/16"
	# an unknown container: code 3
	rc=0
	cni_conf 0.4.0 | cni CHECK nosuch "$(ns_path c1)" eth0 >"$T/check.out" || rc=$?
	assert_eq "$rc" 1 "CHECK of an unknown container"
	assert_cni_error "$T/check.out" 3 0.4.0
}

test_check_fails_without_port_map() {
	cni_world
	cni_add c1 1.0.0 '{"runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp","hostIP":""}]}}'
	# shellcheck disable=SC2046  # the key's bytes, one word each
	bpftool map delete pinned "$T/bpf/bpfnet/port_maps" key hex $(bpftool map dump pinned "$T/bpf/bpfnet/port_maps" -j | jq -r '.[0].key[] | ltrimstr("0x")')
	local rc=0
	cni_conf 1.0.0 | cni CHECK c1 "$(ns_path c1)" eth0 >"$T/check.out" || rc=$?
	assert_eq "$rc" 1 "CHECK exit code without the port map entry"
	assert_cni_error "$T/check.out" 101 1.0.0
	assert_contains "$(jq -r .details "$T/check.out")" "has no entry for host port 8080"
}

test_del_twice_and_after_netns_gone() {
	cni_world
	cni_add c1
	cni_conf | cni DEL c1 "$(ns_path c1)" eth0 || fail "first DEL failed"
	cni_conf | cni DEL c1 "$(ns_path c1)" eth0 >"$T/del.out" || fail "second DEL failed: $(cat "$T/del.out")"
	assert_eq "$(cat "$T/del.out")" "" "second DEL prints nothing"
	cni_add c2
	local veth
	veth=$(bn ls -j | jq -r '.[0].veth')
	ip netns del "$P-c2"
	cni_conf | cni DEL c2 "$(ns_path c2)" eth0 >"$T/del.out" || fail "DEL after the netns is gone failed: $(cat "$T/del.out")"
	cni_conf | cni DEL c2 "" eth0 || fail "DEL without CNI_NETNS failed"
	assert_eq "$(bn ls -j)" "[]" "records after DEL"
	refute "veth $veth left" in_host ip link show "$veth"
	# a network that is gone, or never was: DEL succeeds, makes nothing
	cni_conf 1.0.0 "{\"stateDir\": \"$T/nonet\"}" | cni DEL c3 /run/netns/none eth0 || fail "DEL on a missing network failed"
	[ ! -e "$T/nonet" ] || fail "DEL made the state dir of a missing network"
}

test_version_needs_no_network() {
	T=$(mktemp -d /tmp/bpfnet-test.XXXXXX)
	local out
	out=$(echo '{"cniVersion":"0.4.0"}' | env -i CNI_COMMAND=VERSION "$BPFNET")
	assert_eq "$out" '{"cniVersion":"0.4.0","supportedVersions":["0.3.1","0.4.0","1.0.0","1.1.0"]}' "VERSION reply"
	out=$(env -i CNI_COMMAND=VERSION "$BPFNET" </dev/null)
	assert_eq "$(jq -r .cniVersion <<<"$out")" 1.1.0 "VERSION with no config"
}

# Bad input: one error object on stdout, exit 1, nothing set up.
test_error_shapes() {
	cni_world
	ctr_ns c1
	local ns rc
	ns=$(ns_path c1)
	rc=0; echo '{"cniVersion": "1.0.0", "name": ' | cni ADD c1 "$ns" eth0 >"$T/e" || rc=$?
	assert_eq "$rc" 1 "exit code on bad JSON"; assert_cni_error "$T/e" 6 1.1.0
	rc=0; cni_conf | cni ADD "" "$ns" eth0 >"$T/e" || rc=$?
	assert_eq "$rc" 1 "exit code without CNI_CONTAINERID"; assert_cni_error "$T/e" 4 1.0.0
	rc=0; cni_conf | cni ADD "bad/id" "$ns" eth0 >"$T/e" || rc=$?
	assert_eq "$rc" 1 "exit code on a bad CNI_CONTAINERID"; assert_cni_error "$T/e" 4 1.0.0
	rc=0; cni_conf | cni ADD c1 "$ns" >"$T/e" || rc=$?
	assert_eq "$rc" 1 "exit code without CNI_IFNAME"; assert_cni_error "$T/e" 4 1.0.0
	rc=0; cni_conf 0.2.0 | cni ADD c1 "$ns" eth0 >"$T/e" || rc=$?
	assert_eq "$rc" 1 "exit code on cniVersion 0.2.0"; assert_cni_error "$T/e" 1 0.2.0
	rc=0; cni_conf 0.3.1 | cni CHECK c1 "$ns" eth0 >"$T/e" || rc=$?
	assert_eq "$rc" 1 "exit code of CHECK at 0.3.1"; assert_cni_error "$T/e" 1 0.3.1
	rc=0; cni_conf 1.0.0 '{"subnt": "10.0.0.0/8"}' | cni ADD c1 "$ns" eth0 >"$T/e" || rc=$?
	assert_eq "$rc" 1 "exit code on an unknown key"; assert_cni_error "$T/e" 2 1.0.0
	assert_contains "$(jq -r .details "$T/e")" "unknown key 'subnt'"
	rc=0; cni_conf 1.0.0 '{"ipam": {"type": "nosuch"}}' | cni ADD c1 "$ns" eth0 >"$T/e" || rc=$?
	assert_eq "$rc" 1 "exit code with an ipam plugin missing"; assert_cni_error "$T/e" 4 1.0.0
	assert_contains "$(jq -r .details "$T/e")" "the ipam plugin nosuch is in no directory of CNI_PATH"
	rc=0; cni_conf 1.0.0 '{"ipam": {"type": "../bin/true"}}' | cni ADD c1 "$ns" eth0 >"$T/e" || rc=$?
	assert_eq "$rc" 1 "exit code with an ipam type that is a path"; assert_cni_error "$T/e" 7 1.0.0
	rc=0; cni_conf 1.0.0 '{"subnet": "10.1.2.3/8"}' | cni ADD c1 "$ns" eth0 >"$T/e" || rc=$?
	assert_eq "$rc" 1 "exit code on a bad subnet"; assert_cni_error "$T/e" 7 1.0.0
	rc=0; cni_conf | cni ADD c1 /run/netns/nosuch eth0 >"$T/e" || rc=$?
	assert_eq "$rc" 1 "exit code with a missing netns"; assert_cni_error "$T/e" 3 1.0.0
	rc=0; cni_conf | cni FROB c1 "$ns" eth0 >"$T/e" || rc=$?
	assert_eq "$rc" 1 "exit code of an unknown command"; assert_cni_error "$T/e" 4 1.0.0
	# none of them set anything up
	assert_eq "$(in_ctr c1 ip -o link show | count_lines)" 1 "links in the container namespace"
	[ ! -e "$T/state/state.json" ] || assert_eq "$(bn ls -j)" "[]" "records"
}

test_cni_and_hook_containers_share_the_network() {
	cni_world
	new_netns
	hook_up h1 "$NEWPID"
	cni_add c1
	assert_eq "$(ip_of h1) $(ip_of c1)" "172.19.0.2 172.19.0.3" "one allocator for both"
	in_ctr c1 ping -c 1 -W 2 "$(ip_of h1)" >/dev/null || fail "the CNI container cannot reach the hook's"
	in_ns "$NEWPID" ping -c 1 -W 2 "$(ip_of c1)" >/dev/null || fail "the hook's container cannot reach the CNI one"
	# and a hook container's teardown leaves the CNI one alone
	hook_down h1
	assert_eq "$(bn ls -j | jq -r '[.[].id] | join(" ")')" c1 "records after the hook's teardown"
}

test_gc_removes_unlisted_attachments_only() {
	cni_world
	new_netns
	hook_up h1 "$NEWPID"
	cni_add keep 1.1.0
	cni_add drop 1.1.0 '{"runtimeConfig":{"portMappings":[{"hostPort":9090,"containerPort":90,"protocol":"tcp","hostIP":""}]}}'
	local veth out
	veth=$(bn ls -j | jq -r '.[] | select(.id == "drop") | .veth')
	out=$(cni_conf 1.1.0 '{"cni.dev/valid-attachments": [{"containerID": "keep", "ifname": "eth0"}]}' | cni GC) ||
		fail "GC failed: $out"
	assert_eq "$out" "" "GC prints nothing"
	assert_eq "$(bn ls -j | jq -r '[.[].id] | sort | join(" ")')" "h1 keep" "records after GC"
	refute "the unlisted attachment's veth $veth is left" in_host ip link show "$veth"
	assert_eq "$(dump_map port_maps | jq length)" 0 "port map entries after GC"
	in_ctr keep ping -c 1 -W 2 "$OUTSIDE_IP" >/dev/null || fail "the listed attachment lost its network"
}

test_status_says_whether_add_can_be_served() {
	cni_world
	local rc=0
	cni_conf 1.1.0 | cni STATUS >"$T/s" || rc=$?
	assert_eq "$rc" 0 "STATUS of a usable network (reply: $(cat "$T/s"))"
	assert_eq "$(cat "$T/s")" "" "STATUS prints nothing"
	rc=0; cni_conf 1.1.0 '{"uplink": "nosuch0"}' | cni STATUS >"$T/s" || rc=$?
	assert_eq "$rc" 1 "STATUS with a missing uplink"
	assert_cni_error "$T/s" 50 1.1.0
	rc=0; cni_conf 1.0.0 | cni STATUS >"$T/s" || rc=$?
	assert_eq "$rc" 1 "STATUS at 1.0.0"
	assert_cni_error "$T/s" 1 1.0.0
}

# A plugin chained after another: prevResult's content comes back with ours after it.
test_prev_result_kept() {
	cni_world
	local prev='{"cniVersion":"1.0.0","interfaces":[{"name":"dummy0","mac":"00:11:22:33:44:55"}],"ips":[{"address":"10.9.0.5/24","interface":0}],"dns":{"nameservers":["10.9.0.1"]}}'
	cni_add c1 1.0.0 "{\"prevResult\": $prev}"
	local r=$T/c1.json
	assert_eq "$(jq -c '[.interfaces[].name]' "$r")" "[\"dummy0\",\"$(bn ls -j | jq -r '.[0].veth')\",\"eth0\"]" "interfaces"
	assert_eq "$(jq -c '[.ips[] | [.address, .interface]]' "$r")" '[["10.9.0.5/24",0],["172.19.0.2/16",2]]' "ips"
	assert_eq "$(jq -c .dns "$r")" '{"nameservers":["10.9.0.1"]}' "dns"
}

# --- ipam delegated (Debian's host-local), CNI_ARGS, the ips and mac capabilities ---

# ipam_conf SUBNET [START END]: host-local for the network, its state in
# $T/ipam (never /var/lib/cni), as an extra for cni_conf.
ipam_conf() {
	jq -cn --arg d "$T/ipam" --arg sub "$1" --arg s "${2:-}" --arg e "${3:-}" \
		'{ipam: {type: "host-local", dataDir: $d, ranges: [[{subnet: $sub} +
		  (if $s == "" then {} else {rangeStart: $s, rangeEnd: $e} end)]]}}'
}

# The addresses host-local holds for the network bntest.
ipam_held() { find "$T/ipam/bntest" -mindepth 1 -name '[0-9a-f]*' -printf '%f\n' 2>/dev/null | sort | tr '\n' ' '; }

# Nothing set up in container NAME's namespace, and no record of it.
assert_nothing_set_up() { # NAME
	assert_eq "$(in_ctr "$1" ip -o link show | count_lines)" 1 "links in the namespace of $1"
	[ ! -e "$T/state/state.json" ] || assert_eq "$(bn ls -j | jq --arg id "$1" '[.[] | select(.id == $id)] | length')" 0 "records of $1"
}

test_ipam_host_local() {
	cni_world
	local ipam prev rc=0
	echo "nameserver 192.0.2.53" >"$T/resolv.conf"
	ipam=$(ipam_conf 172.19.0.0/16 172.19.0.3 172.19.0.4 | jq -c --arg r "$T/resolv.conf" '.ipam.resolvConf = $r')
	cni_add c1 1.0.0 "$ipam"
	cni_add c2 0.4.0 "$ipam"
	assert_eq "$(ip_of c1) $(ip_of c2)" "172.19.0.3 172.19.0.4" "addresses from host-local's range"
	assert_eq "$(jq -c '.ips[0] | [.address, .gateway]' "$T/c1.json")" '["172.19.0.3/16","172.19.0.1"]' "c1's result"
	assert_eq "$(jq -c '.ips[0] | [.address, .version]' "$T/c2.json")" '["172.19.0.4/16","4"]' "c2's result (0.4.0)"
	assert_eq "$(jq -c .dns "$T/c1.json")" '{"nameservers":["192.0.2.53"]}' "host-local's dns in the result"
	assert_eq "$(in_ctr c1 ip -j addr show dev eth0 | jq -r '.[0].addr_info[] | select(.family == "inet") | .local')" 172.19.0.3 "the address on c1's eth0"
	assert_eq "$(ipam_held)" "172.19.0.3 172.19.0.4 " "host-local's files"
	assert_eq "$(head -1 "$T/ipam/bntest/172.19.0.3" | tr -d '\r')" c1 "host-local's file names c1"
	in_ctr c1 ping -c 1 -W 2 "$OUTSIDE_IP" >/dev/null || fail "c1 cannot ping the outside"
	in_ctr c2 ping -c 1 -W 2 "$OUTSIDE_IP" >/dev/null || fail "c2 cannot ping the outside"
	# the built-in allocator (hook containers) skips the addresses host-local handed out
	new_netns
	hook_up h1 "$NEWPID"
	new_netns
	hook_up h2 "$NEWPID"
	assert_eq "$(ip_of h1) $(ip_of h2)" "172.19.0.2 172.19.0.5" "the hook's containers' addresses"
	# CHECK runs host-local's CHECK too: it fails once host-local lost c1
	prev=$(cat "$T/c1.json")
	cni_conf 1.0.0 "$(jq -c --argjson p "$prev" '. + {prevResult: $p}' <<<"$ipam")" | cni CHECK c1 "$(ns_path c1)" eth0 >"$T/check.out" || rc=$?
	assert_eq "$rc" 0 "CHECK (reply: $(cat "$T/check.out"))"
	mv "$T/ipam/bntest/172.19.0.3" "$T/held"
	rc=0
	cni_conf 1.0.0 "$(jq -c --argjson p "$prev" '. + {prevResult: $p}' <<<"$ipam")" | cni CHECK c1 "$(ns_path c1)" eth0 >"$T/check.out" || rc=$?
	assert_eq "$rc" 1 "CHECK once host-local has no address for c1"
	assert_contains "$(jq -r .msg "$T/check.out")" "c1"
	mv "$T/held" "$T/ipam/bntest/172.19.0.3"
	# DEL gives the address back (twice, and after the namespace is gone)
	cni_conf 1.0.0 "$ipam" | cni DEL c1 "$(ns_path c1)" eth0 >"$T/del.out" || fail "DEL failed: $(cat "$T/del.out")"
	assert_eq "$(ipam_held)" "172.19.0.4 " "host-local's files after DEL of c1"
	cni_conf 1.0.0 "$ipam" | cni DEL c1 "$(ns_path c1)" eth0 >"$T/del.out" || fail "second DEL failed: $(cat "$T/del.out")"
	ip netns del "$P-c2"
	cni_conf 0.4.0 "$ipam" | cni DEL c2 "" eth0 >"$T/del.out" || fail "DEL of c2 after its namespace went failed: $(cat "$T/del.out")"
	assert_eq "$(ipam_held)" "" "host-local's files after DEL of c2"
	assert_eq "$(bn ls -j | jq -r '[.[].id] | sort | join(" ")')" "h1 h2" "records"
	# and host-local hands it out again
	cni_add c3 1.0.0 "$ipam"
	assert_eq "$(ip_of c3)" 172.19.0.3 "c3's address"
}

# A bad address from the ipam plugin: code 7, host-local has it back, nothing set up.
test_ipam_address_outside_subnet_refused() {
	cni_world
	ctr_ns c1
	local rc=0
	cni_conf 1.0.0 "$(ipam_conf 10.99.0.0/24)" | cni ADD c1 "$(ns_path c1)" eth0 >"$T/e" || rc=$?
	assert_eq "$rc" 1 "ADD exit code with an address outside the subnet"
	assert_cni_error "$T/e" 7 1.0.0
	assert_contains "$(jq -r .details "$T/e")" "the ipam plugin's address 10.99.0.2 is outside the subnet 172.19.0.0/16"
	assert_eq "$(ipam_held)" "" "host-local's files after the refusal"
	assert_nothing_set_up c1
	# a gateway that is not the network's
	rc=0
	cni_conf 1.0.0 "$(ipam_conf 172.19.0.0/16 172.19.0.20 172.19.0.30 | jq -c '.ipam.ranges[0][0].gateway = "172.19.0.254"')" | cni ADD c1 "$(ns_path c1)" eth0 >"$T/e" || rc=$?
	assert_eq "$rc" 1 "ADD exit code with another gateway"
	assert_cni_error "$T/e" 7 1.0.0
	assert_contains "$(jq -r .details "$T/e")" "gateway 172.19.0.254 for 172.19.0.20 is not the network's gateway 172.19.0.1"
	assert_eq "$(ipam_held)" "" "host-local's files after the second refusal"
	# an address a hook container has: refused, given back
	new_netns
	hook_up h1 "$NEWPID"
	rc=0
	cni_conf 1.0.0 "$(ipam_conf 172.19.0.0/16 172.19.0.2 172.19.0.2)" | cni ADD c1 "$(ns_path c1)" eth0 >"$T/e" || rc=$?
	assert_eq "$rc" 1 "ADD exit code with an address in use"
	assert_cni_error "$T/e" 7 1.0.0
	assert_contains "$(jq -r .details "$T/e")" "the ipam plugin's address 172.19.0.2 is in use by h1"
	assert_eq "$(ipam_held)" "" "host-local's files after the third refusal"
	assert_nothing_set_up c1
	# host-local's own error comes through as it gave it
	rc=0
	cni_conf 1.0.0 "$(ipam_conf 172.19.0.0/16 172.19.0.9 172.19.0.9)" | cni ADD c1 "$(ns_path c1)" eth0 >/dev/null || rc=$?
	assert_eq "$rc" 0 "ADD of c1 from a range of one"
	ctr_ns c2
	rc=0
	cni_conf 1.0.0 "$(ipam_conf 172.19.0.0/16 172.19.0.9 172.19.0.9)" | cni ADD c2 "$(ns_path c2)" eth0 >"$T/e" || rc=$?
	assert_eq "$rc" 1 "ADD exit code with host-local's range exhausted"
	assert_eq "$(jq -c '[.code, (.msg | contains("no IP addresses available"))]' "$T/e")" '[999,true]' "host-local's code and msg passed on"
	assert_nothing_set_up c2
	assert_eq "$(ipam_held)" "172.19.0.9 " "host-local's files: c1's alone"
}

# With ipam, STATUS leaves the addresses to the plugin, and GC does not call it.
test_ipam_status_and_gc() {
	cni_world
	local net='{"subnet": "172.19.0.0/30"}' ipam rc=0
	ipam=$(ipam_conf 172.19.0.0/30 | jq -c '. + {subnet: "172.19.0.0/30"}')
	cni_add c1 1.0.0 "$net"	# the pool's one address
	cni_conf 1.1.0 "$net" | cni STATUS >"$T/s" || rc=$?
	assert_eq "$rc" 1 "STATUS with the pool full"
	assert_cni_error "$T/s" 50 1.1.0
	rc=0
	cni_conf 1.1.0 "$ipam" | cni STATUS >"$T/s" || rc=$?
	assert_eq "$rc" 0 "STATUS with ipam and the pool full (reply: $(cat "$T/s"))"
	cni_conf 1.0.0 "$net" | cni DEL c1 "$(ns_path c1)" eth0 || fail "DEL of c1 failed"
	cni_add c2 1.0.0 "$ipam"
	assert_eq "$(ipam_held)" "172.19.0.2 " "host-local's files"
	cni_conf 1.1.0 "$(jq -c '. + {"cni.dev/valid-attachments": []}' <<<"$ipam")" | cni GC >"$T/gc" || fail "GC failed: $(cat "$T/gc")"
	assert_eq "$(bn ls -j)" "[]" "records after GC"
	assert_eq "$(ipam_held)" "172.19.0.2 " "host-local's files after GC (not called)"
}

test_cni_args_ip() {
	cni_world
	ctr_ns c1
	cni_conf | CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;IP=172.19.0.50" cni ADD c1 "$(ns_path c1)" eth0 >"$T/c1.json" ||
		fail "ADD with CNI_ARGS IP failed: $(cat "$T/c1.json")"
	assert_eq "$(ip_of c1)" 172.19.0.50 "c1's address"
	assert_eq "$(jq -r '.ips[0].address' "$T/c1.json")" 172.19.0.50/16 "the result's address"
	in_ctr c1 ping -c 1 -W 2 "$OUTSIDE_IP" >/dev/null || fail "c1 cannot ping the outside"
	local state ip why rc
	state=$(md5sum <"$T/state/state.json")
	ctr_ns c2
	for ip in "172.19.0.50|is in use by c1" "10.0.0.5|is outside the subnet 172.19.0.0/16" \
		"172.19.0.1|is the network, gateway or broadcast address" "172.19.0.300|is not an IPv4 address"; do
		why=${ip#*|}
		ip=${ip%%|*}
		rc=0
		cni_conf | CNI_ARGS="IP=$ip" cni ADD c2 "$(ns_path c2)" eth0 >"$T/e" || rc=$?
		assert_eq "$rc" 1 "ADD exit code with CNI_ARGS IP=$ip"
		assert_cni_error "$T/e" 7 1.0.0
		assert_contains "$(jq -r .details "$T/e")" "$why"
		assert_nothing_set_up c2
		assert_eq "$(md5sum <"$T/state/state.json")" "$state" "the state after IP=$ip"
	done
	# the allocator's next address is still the lowest free one
	cni_conf | cni ADD c2 "$(ns_path c2)" eth0 >/dev/null || fail "ADD of c2 without CNI_ARGS failed"
	assert_eq "$(ip_of c2)" 172.19.0.2 "c2's address"
}

test_cni_args_unknown_key() {
	cni_world
	ctr_ns c1
	local a rc
	for a in "FOO=bar" "IP=172.19.0.9;FOO=bar;IgnoreUnknown=0" "IP" "IP=172.19.0.9;" "IgnoreUnknown=maybe"; do
		rc=0
		cni_conf | CNI_ARGS="$a" cni ADD c1 "$(ns_path c1)" eth0 >"$T/e" || rc=$?
		assert_eq "$rc" 1 "ADD exit code with CNI_ARGS '$a'"
		assert_cni_error "$T/e" 4 1.0.0
		assert_contains "$(jq -r .details "$T/e")" "CNI_ARGS"
		assert_nothing_set_up c1
	done
	assert_contains "$(cni_conf | CNI_ARGS="FOO=bar" cni ADD c1 "$(ns_path c1)" eth0 | jq -r .details)" "unknown key 'FOO'"
	cni_conf | CNI_ARGS="FOO=bar;IgnoreUnknown=true;IP=172.19.0.9" cni ADD c1 "$(ns_path c1)" eth0 >"$T/c1.json" ||
		fail "ADD with IgnoreUnknown failed: $(cat "$T/c1.json")"
	assert_eq "$(ip_of c1)" 172.19.0.9 "c1's address"
}

test_capability_ips_and_mac() {
	cni_world
	local caps='{"capabilities": {"ips": true, "mac": true}, "runtimeConfig": {"ips": ["172.19.0.77/16"], "mac": "02:aa:bb:cc:dd:ee"}}'
	cni_add c1 1.0.0 "$caps"
	assert_eq "$(in_ctr c1 ip -j link show eth0 | jq -r '.[0].address')" 02:aa:bb:cc:dd:ee "c1's eth0 MAC"
	assert_eq "$(jq -c '[.interfaces[1].mac, .ips[0].address]' "$T/c1.json")" '["02:aa:bb:cc:dd:ee","172.19.0.77/16"]' "the result"
	assert_eq "$(bn ls -j | jq -c '.[0] | [.ip, .mac]')" '["172.19.0.77","02:aa:bb:cc:dd:ee"]' "c1's record"
	# traffic flows from the requested MAC: the datapath admits it, and only it
	in_ctr c1 ping -c 1 -W 2 "$OUTSIDE_IP" >/dev/null || fail "c1 cannot ping the outside"
	local rc=0 prev drops
	prev=$(cat "$T/c1.json")
	cni_conf 1.0.0 "{\"prevResult\": $prev}" | cni CHECK c1 "$(ns_path c1)" eth0 >"$T/check.out" || rc=$?
	assert_eq "$rc" 0 "CHECK (reply: $(cat "$T/check.out"))"
	# the MAC bpfnet would have derived from the address is another one: dropped
	drops=$(stat_of drop_spoofed_mac)
	in_ctr c1 ip link set eth0 address 02:42:ac:13:00:4d
	in_ctr c1 ip neigh replace 172.19.0.1 lladdr "$(in_host ip -j link show bnbr0 | jq -r '.[0].address')" dev eth0 nud permanent
	refute "a frame from another MAC got through" in_ctr c1 ping -c 2 -W 1 "$OUTSIDE_IP"
	assert_ge "$(stat_of drop_spoofed_mac)" "$((drops + 2))" "drops of frames from another MAC"
	in_ctr c1 ip link set eth0 address 02:aa:bb:cc:dd:ee
	in_ctr c1 ping -c 1 -W 2 "$OUTSIDE_IP" >/dev/null || fail "c1 cannot ping the outside with its MAC back"
	# args.cni (the conventions' args) too
	cni_add c2 1.0.0 '{"args": {"cni": {"ips": ["172.19.0.78"], "mac": "02:aa:bb:cc:dd:ef"}}}'
	assert_eq "$(bn ls -j | jq -c '.[] | select(.id == "c2") | [.ip, .mac]')" '["172.19.0.78","02:aa:bb:cc:dd:ef"]' "c2's record"
	# refused: IPv6 without subnet6, a MAC in use, a group MAC, a prefix not the subnet's
	ctr_ns c3
	local bad
	for bad in '{"runtimeConfig": {"ips": ["fd00::5/64"]}}|2|fd00::5 is an IPv6 address and the network has no subnet6' \
		'{"runtimeConfig": {"mac": "02:aa:bb:cc:dd:ee"}}|7|runtimeConfig.mac 02:aa:bb:cc:dd:ee is in use by c1' \
		'{"runtimeConfig": {"mac": "03:aa:bb:cc:dd:ee"}}|7|not a unicast MAC' \
		'{"runtimeConfig": {"ips": ["172.19.0.79/24"]}}|7|prefix is /16'; do
		rc=0
		cni_conf 1.0.0 "${bad%%|*}" | cni ADD c3 "$(ns_path c3)" eth0 >"$T/e" || rc=$?
		assert_eq "$rc" 1 "ADD exit code with ${bad%%|*}"
		bad=${bad#*|}
		assert_cni_error "$T/e" "${bad%%|*}" 1.0.0
		assert_contains "$(jq -r .details "$T/e")" "${bad#*|}"
		assert_nothing_set_up c3
	done
}

# With subnet6, runtimeConfig.ips (and CNI_ARGS IP) may ask for the IPv6
# address too: the container gets both, the result lists both; an IPv6
# address outside subnet6, with another prefix, or two different ones, is
# refused and nothing is set up.
test_dual_stack_ips_asked_for() {
	cni_world
	local rc bad six='"subnet6": "fd19::/64"'
	cni_add c1 1.0.0 "{$six, \"runtimeConfig\": {\"ips\": [\"172.19.0.70/16\", \"fd19::70/64\"]}}"
	assert_eq "$(jq -c '[.ips[].address]' "$T/c1.json")" '["172.19.0.70/16","fd19::70/64"]' "the result"
	assert_eq "$(bn ls -j | jq -c '.[0] | [.ip, .ip6]')" '["172.19.0.70","fd19::70"]' "c1's record"
	assert_contains "$(in_ctr c1 ip -6 addr show dev eth0 scope global)" "inet6 fd19::70/64"
	ctr_ns c2
	cni_conf 1.0.0 "{$six}" | CNI_ARGS="IP=fd19::71" cni ADD c2 "$(ns_path c2)" eth0 >"$T/c2.json" ||
		fail "ADD with CNI_ARGS IP=fd19::71: $(cat "$T/c2.json")"
	assert_eq "$(bn ls -j | jq -r '.[] | select(.id == "c2") | .ip6')" fd19::71 "c2's IPv6 address from CNI_ARGS"
	ctr_ns c3
	for bad in '["fd20::5"]|outside the subnet6 fd19::/64' '["fd19::5/80"]|the network'"'"'s subnet6 prefix is /64' \
		'["fd19::5", "fd19::6"]|a container has one IPv6 address' '["fd19::70"]|in use by c1'; do
		rc=0
		cni_conf 1.0.0 "{$six, \"runtimeConfig\": {\"ips\": ${bad%%|*}}}" | cni ADD c3 "$(ns_path c3)" eth0 >"$T/e" || rc=$?
		assert_eq "$rc" 1 "ADD exit code with ips ${bad%%|*}"
		assert_contains "$(jq -r .details "$T/e")" "${bad#*|}"
		assert_nothing_set_up c3
	done
}

# --- podman 4.3 with its CNI backend, bpfnet as the network's plugin ---

# pm ARGS...: podman in the world's host namespace, its storage, config
# and CNI dirs under $T (nothing of the machine's podman is used).
pm() {
	in_host env CONTAINERS_CONF="$T/pm/containers.conf" podman \
		--root "$T/pm/root" --runroot "$T/pm/run" --storage-driver vfs \
		--network-backend cni --network-config-dir "$T/pm/net" \
		--cgroup-manager cgroupfs --events-backend none "$@"
}

# podman 4.3 keeps libcni's cache in /var/lib/cni and a lock in
# /etc/cni/net.d whatever its flags say. The runner has a mount namespace of
# its own (private_world): a directory of $T goes over each that exists, and
# one that did not exist (nor its parents) is removed again afterwards.
PM_OVER=(/etc/cni/net.d /var/lib/cni)
PM_MOUNTED=() PM_MADE=()
podman_private_dirs() {
	local d top
	for d in "${PM_OVER[@]}"; do
		if [ -d "$d" ]; then
			mkdir -p "$T/pm/over$d"
			mount --bind "$T/pm/over$d" "$d"
			PM_MOUNTED+=("$d")
		else
			top=$d	# the highest missing directory: what podman will make
			while [ ! -e "$(dirname "$top")" ]; do top=$(dirname "$top"); done
			PM_MADE+=("$top")
		fi
	done
}

# A failed test's containers go before the world does (their conmon and
# namespace would outlive it); then the machine's directories come back.
podman_down() {
	local d
	pm rm -a -f -t 0 >/dev/null 2>&1 || true
	for d in "${PM_MOUNTED[@]}"; do umount "$d" 2>/dev/null || true; done
	for d in "${PM_MADE[@]}"; do rm -rf "$d"; done
	PM_MOUNTED=() PM_MADE=()
}

podman_world() {
	command -v podman >/dev/null || { echo "podman is not installed"; exit 77; }
	cni_world
	trap 'podman_down; trap - ERR; set +e; world_down' EXIT
	podman_private_dirs
	make_rootfs
	# podman writes /etc/hosts and the like into the rootfs: a copy of its own
	cp -a "$ROOTFS_CACHE" "$T/rootfs"
	mkdir -p "$T/pm/net" "$T/pm/bin" "$T/pm/root" "$T/pm/run"
	ln -s "$BPFNET" "$T/pm/bin/bpfnet"
	printf '[network]\ncni_plugin_dirs = ["%s"]\n' "$T/pm/bin" >"$T/pm/containers.conf"
	cni_conflist '{"capabilities": {"portMappings": true}}' >"$T/pm/net/bntest.conflist"
}

test_podman_published_port_and_rm() {
	podman_world
	mkdir -p "$T/www"
	echo "hello from podman" >"$T/www/index.html"
	# podman 4.3 asks for nofile and nproc limits (1048576) above this
	# machine's hard ones, which crun may not raise: lower ones. --rootfs:
	# the first word after the flags is a directory, not an image.
	pm run -d --name web --network bntest -p 8080:80 \
		--ulimit nofile=1024:1024 --ulimit nproc=4096:4096 -v "$T/www:/www:ro" --rootfs "$T/rootfs" /bin/httpd -f -p 80 -h /www >"$T/pm.out" 2>&1 ||
		fail "podman run failed: $(cat "$T/pm.out")"
	assert_eq "$(bn ls -j | jq -r '.[0].netns | startswith("/run/netns/")')" true "the record names podman's namespace file"
	assert_eq "$(bn ls -j | jq -c '[.[0].ip, .[0].alive]')" '["172.19.0.2",true]' "the container's record"
	# libcni's cache went to the world's directory, not the machine's
	if [ -d "$T/pm/over/var/lib/cni" ]; then
		assert_ge "$(find "$T/pm/over/var/lib/cni" -type f | count_lines)" 1 "libcni cache files under \$T"
	fi
	local veth got
	veth=$(bn ls -j | jq -r '.[0].veth')
	wait_for 5 sh -c "nsenter --net=$OUTNS wget -q -T 1 -O - http://$UPLINK_IP:8080/ | grep -q podman"
	got=$(in_out wget -q -T 2 -O - "http://$UPLINK_IP:8080/")
	assert_eq "$got" "hello from podman" "page fetched from the outside through the published port"
	pm rm -f web >/dev/null
	assert_eq "$(bn ls -j)" "[]" "records after podman rm -f"
	refute "veth $veth left after podman rm -f" in_host ip link show "$veth"
	assert_eq "$(dump_map port_maps | jq length)" 0 "port map entries after podman rm -f"
	assert_eq "$(dump_map endpoints | jq length)" 0 "endpoint entries after podman rm -f"
}

# podman with a dual-stack network: the container has both addresses (as
# podman inspect reports them) and speaks IPv6 to the outside; podman rm
# takes its IPv6 entries and flows away.
test_podman_dual_stack() {
	podman_world
	dual_stack_uplink true
	cni_conflist '{"subnet6": "fd19::/64"}' >"$T/pm/net/bntest.conflist"
	pm run -d --name c6 --network bntest --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 \
		--rootfs "$T/rootfs" /bin/sleep 3600 >"$T/pm.out" 2>&1 || fail "podman run failed: $(cat "$T/pm.out")"
	assert_eq "$(pm inspect c6 | jq -r '.[0].NetworkSettings.Networks.bntest | "\(.IPAddress) \(.GlobalIPv6Address) \(.IPv6Gateway)"')" \
		"172.19.0.2 fd19::2 fd19::1" "podman inspect"
	pm exec c6 ping6 -c1 -W2 "$OUTSIDE_IP6" >/dev/null || fail "the podman container cannot ping the outside over IPv6"
	assert_eq "$(dump_map conntrack6 | jq length)" 1 "its IPv6 flow"
	pm rm -f c6 >/dev/null
	assert_eq "$(dump_map endpoints6 | jq length)" 0 "endpoints6 entries after podman rm -f"
	assert_eq "$(dump_map conntrack6 | jq length)" 0 "IPv6 flows after podman rm -f"
}

# The installed hooks.d file, read by podman through a private --hooks-dir:
# an annotated container gets its network from the hook (createRuntime) and
# loses it at poststop; one without the annotation is left alone. The file
# is the one `make install` lays out, pointed at this world's dirs.
test_podman_hooks_d_file() {
	podman_world
	make -C "$TOP" -s install DESTDIR="$T/inst" PREFIX=/usr >/dev/null
	mkdir -p "$T/hooks"
	jq --arg bin "$BPFNET" --argjson flags "$(printf '%s\n' "${FLAGS[@]}" | jq -R . | jq -sc .)" \
		'.hook.path = $bin | .hook.args += $flags' \
		"$T/inst/usr/share/containers/oci/hooks.d/bpfnet.json" >"$T/hooks/bpfnet.json"
	in_out sh -c "timeout 20 nc -nlv $OUTSIDE_IP 9300 >$T/got 2>$T/got.peer" &
	PIDS+=($!)
	wait_listen tcp 9300 in_out
	pm --hooks-dir "$T/hooks" run -d --name h1 --network none --annotation bpfnet.network=true \
		--ulimit nofile=1024:1024 --ulimit nproc=4096:4096 --rootfs "$T/rootfs" /bin/sleep 300 >"$T/pm.out" 2>&1 ||
		fail "podman run failed: $(cat "$T/pm.out")"
	local id
	id=$(pm inspect h1 --format '{{.Id}}')
	assert_eq "$(bn ls -j | jq -c '[.[] | [.id, .ip, .alive]]')" "[[\"$id\",\"172.19.0.2\",true]]" "the hook's record"
	pm exec h1 sh -c "echo from-podman | nc $OUTSIDE_IP 9300" || fail "the container could not reach the outside"
	wait_for 5 grep -q from-podman "$T/got"
	assert_contains "$(cat "$T/got.peer")" "Connection received on $UPLINK_IP"
	pm --hooks-dir "$T/hooks" run -d --name h2 --network none \
		--ulimit nofile=1024:1024 --ulimit nproc=4096:4096 --rootfs "$T/rootfs" /bin/sleep 300 >/dev/null
	assert_eq "$(bn ls -j | jq length)" 1 "records with an unannotated container too"
	pm --hooks-dir "$T/hooks" rm -f -t 0 h1 h2 >/dev/null
	assert_eq "$(bn ls -j)" "[]" "records after podman rm -f (poststop)"
	assert_eq "$(dump_map endpoints | jq length)" 0 "endpoint entries after podman rm -f"
}

# Dual stack (subnet6): ADD's result gives both families in every version,
# as the kernel has them; CHECK verifies the IPv6 address and route too; DEL
# removes the IPv6 entries. (IPv6 traffic waits for the datapath.)
test_dual_stack_add_check_del() {
	cni_world
	dual_stack_uplink true
	local v i=0 r prev rc
	for v in 0.3.1 0.4.0 1.0.0 1.1.0; do
		i=$((i + 1))
		cni_add "c$i" "$v" '{"subnet6": "fd19::/64", "nat6": true}'
		r=$T/c$i.json
		assert_eq "$(jq -c '.ips | length' "$r")" 2 "ips in $v"
		assert_eq "$(jq -c '[.ips[] | {address, gateway, interface}]' "$r")" \
			"[{\"address\":\"172.19.0.$((i + 1))/16\",\"gateway\":\"172.19.0.1\",\"interface\":1},{\"address\":\"fd19::$((i + 1))/64\",\"gateway\":\"fd19::1\",\"interface\":1}]" "ips in $v"
		if [ "$v" = 0.3.1 ] || [ "$v" = 0.4.0 ]; then
			assert_eq "$(jq -c '[.ips[].version]' "$r")" '["4","6"]' "versions before 1.0.0"
		else
			assert_eq "$(jq -c '[.ips[] | has("version")]' "$r")" '[false,false]' "no version from 1.0.0 on"
		fi
		assert_eq "$(jq -c .routes "$r")" '[{"dst":"0.0.0.0/0","gw":"172.19.0.1"},{"dst":"::/0","gw":"fd19::1"}]' "routes in $v"
		assert_eq "$(in_ctr "c$i" ip -j -6 addr show dev eth0 scope global | jq -r '.[0].addr_info[] | select(.local) | "\(.local)/\(.prefixlen) \(.tentative // false)"')" "fd19::$((i + 1))/64 false" "IPv6 address on eth0 of c$i"
		assert_eq "$(in_ctr "c$i" ip -j -6 route show default | jq -r '.[0] | "\(.gateway) \(.dev)"')" "fd19::1 eth0" "IPv6 default route in c$i"
	done
	assert_eq "$(dump_map endpoints6 | jq length)" 8 "endpoints6 entries (address and link-local of each)"
	# IPv6 traffic: to another container, and to the outside through NAT66
	in_ctr c1 ping -6 -c1 -W2 fd19::3 >/dev/null || fail "c1 cannot ping c2 over IPv6"
	in_ctr c1 ping -6 -c1 -W2 "$OUTSIDE_IP6" >/dev/null || fail "c1 cannot ping the outside over IPv6"
	assert_ge "$(stat_of snat_packets)" 1 "IPv6 packets masqueraded"
	# CHECK: passes intact, fails once the IPv6 address or route is gone
	prev=$(cat "$T/c2.json")
	rc=0
	cni_conf 0.4.0 "{\"subnet6\": \"fd19::/64\", \"prevResult\": $prev}" | cni CHECK c2 "$(ns_path c2)" eth0 >"$T/check.out" || rc=$?
	assert_eq "$rc" 0 "CHECK of an intact dual-stack container (reply: $(cat "$T/check.out"))"
	in_ctr c2 ip -6 route del default
	rc=0
	cni_conf 0.4.0 "{\"subnet6\": \"fd19::/64\", \"prevResult\": $prev}" | cni CHECK c2 "$(ns_path c2)" eth0 >"$T/check.out" || rc=$?
	assert_eq "$rc" 1 "CHECK without the IPv6 default route"
	assert_cni_error "$T/check.out" 101 0.4.0
	assert_eq "$(jq -r .details "$T/check.out")" "container c2 has no IPv6 default route via fd19::1 dev eth0"
	prev=$(cat "$T/c3.json")
	in_ctr c3 ip -6 addr del fd19::4/64 dev eth0
	rc=0
	cni_conf 1.0.0 "{\"subnet6\": \"fd19::/64\", \"prevResult\": $prev}" | cni CHECK c3 "$(ns_path c3)" eth0 >"$T/check.out" || rc=$?
	assert_eq "$rc" 1 "CHECK without the IPv6 address"
	assert_eq "$(jq -r .details "$T/check.out")" "eth0 of container c3 does not have its address fd19::4/64"
	# DEL: the endpoint and the host's neighbour entry go
	cni_conf 1.0.0 '{"subnet6": "fd19::/64"}' | cni DEL c1 "$(ns_path c1)" eth0 || fail "DEL failed"
	assert_eq "$(in_host ip -6 neigh show fd19::2 dev bnbr0)" "" "host neighbour after DEL"
	assert_eq "$(dump_map endpoints6 | jq length)" 6 "endpoints6 entries after DEL"
	assert_eq "$(bn ls -j | jq -r '[.[].ip6] | join(" ")')" "fd19::3 fd19::4 fd19::5" "records after DEL"
}

# portMappings with an IPv6 hostIP (as podman and containerd send them)
# publish as the CLI's bracketed specs: "::" on every IPv6 address and no
# IPv4 one, "::1" for host processes alone, a global address on that
# address; real traffic over IPv6 reaches the container, DEL takes it back.
test_ipv6_host_ip_port_mappings() {
	cni_world
	dual_stack_uplink false
	local pm
	pm='{"subnet6": "fd19::/64", "runtimeConfig": {"portMappings": [
		{"hostPort": 8080, "containerPort": 80, "protocol": "tcp", "hostIP": "::"},
		{"hostPort": 9000, "containerPort": 90, "protocol": "tcp", "hostIP": "::1"},
		{"hostPort": 8443, "containerPort": 443, "protocol": "tcp", "hostIP": "2001:DB8:100:0::1"}]}}'
	cni_add web 1.0.0 "$pm"
	assert_eq "$(bn port ls -j | jq -c '[.[] | "\(.host_ip) \(.host_port):\(.container_port)/\(.proto) \(.family)"]')" \
		'[":: 8080:80/tcp ipv6","::1 9000:90/tcp ipv6","2001:db8:100::1 8443:443/tcp ipv6"]' "published ports"
	assert_eq "$(dump_map port_maps | jq length) $(dump_map port_maps6 | jq length)" "0 3" "port_maps, port_maps6 entries"
	in_ctr web timeout 10 nc -6 -nl fd19::2 80 >"$T/any" &
	PIDS+=($!)
	wait_listen tcp 80 in_ctr web
	echo "to [::]:8080" | in_out nc -6 -N -w 3 "$UPLINK_IP6" 8080 || fail "the outside could not connect to [$UPLINK_IP6]:8080"
	assert_file_eq "$T/any" "to [::]:8080"
	in_ctr web timeout 10 nc -6 -nl fd19::2 443 >"$T/one" &
	PIDS+=($!)
	wait_listen tcp 443 in_ctr web
	echo "to the address" | in_out nc -6 -N -w 3 "$UPLINK_IP6" 8443 || fail "the outside could not connect to [$UPLINK_IP6]:8443"
	assert_file_eq "$T/one" "to the address"
	in_ctr web timeout 10 nc -6 -nl fd19::2 90 >"$T/lo" &
	PIDS+=($!)
	wait_listen tcp 90 in_ctr web
	echo "to [::1]:9000" | in_host_cg nc -6 -N -w 3 ::1 9000 || fail "a host process could not connect to [::1]:9000"
	assert_file_eq "$T/lo" "to [::1]:9000"
	# "::" is IPv6 alone: the IPv4 address of the uplink has no port 8080
	in_ctr web timeout 5 nc -nl 172.19.0.2 80 >/dev/null &
	PIDS+=($!)
	wait_listen tcp 80 in_ctr web
	refute "[::]:8080 answered on IPv4" in_out nc -z -w 1 "$UPLINK_IP" 8080
	cni_conf 1.0.0 "$pm" | cni DEL web "$(ns_path web)" eth0 >"$T/del.out" || fail "DEL failed: $(cat "$T/del.out")"
	assert_eq "$(dump_map port_maps6 | jq length)" 0 "port_maps6 entries after DEL"
	refute "[$UPLINK_IP6]:8080 answers after DEL" in_out nc -6 -z -w 1 "$UPLINK_IP6" 8080
}

# ipam_conf6: host-local with a range of two of each family (IPv4 .3-.4,
# IPv6 fd19::30-31), as an extra for cni_conf on a dual-stack network.
ipam_conf6() {
	ipam_conf 172.19.0.0/16 172.19.0.3 172.19.0.4 |
		jq -c '(.ipam.ranges += [[{subnet: "fd19::/64", rangeStart: "fd19::30", rangeEnd: "fd19::31"}]]) +
			{subnet6: "fd19::/64", nat6: true}'
}

# host-local with IPv4 and IPv6 ranges: the container has the IPv6 address
# host-local gave (not the built-in allocator's), the result lists it,
# IPv6 traffic flows, DEL gives both back; an IPv6 address the network
# cannot take (no subnet6, another gateway, in use) is refused, given back.
test_ipam_host_local_dual_stack() {
	cni_world
	dual_stack_uplink true
	local ipam rc
	ipam=$(ipam_conf6)
	cni_add c1 1.0.0 "$ipam"
	cni_add c2 0.4.0 "$ipam"
	assert_eq "$(bn ls -j | jq -c '[.[] | [.id, .ip, .ip6]]')" '[["c1","172.19.0.3","fd19::30"],["c2","172.19.0.4","fd19::31"]]' "records"
	assert_eq "$(jq -c '[.ips[] | [.address, .gateway]]' "$T/c1.json")" '[["172.19.0.3/16","172.19.0.1"],["fd19::30/64","fd19::1"]]' "c1's result"
	assert_eq "$(jq -c '[.ips[] | [.address, .version]]' "$T/c2.json")" '[["172.19.0.4/16","4"],["fd19::31/64","6"]]' "c2's result (0.4.0)"
	assert_eq "$(in_ctr c1 ip -j -6 addr show dev eth0 scope global | jq -r '.[0].addr_info[] | select(.local) | "\(.local)/\(.prefixlen)"')" fd19::30/64 "the IPv6 address on c1's eth0"
	assert_eq "$(ipam_held)" "172.19.0.3 172.19.0.4 fd19::30 fd19::31 " "host-local's files"
	in_ctr c1 ping -6 -c1 -W2 "$OUTSIDE_IP6" >/dev/null || fail "c1 cannot ping the outside over IPv6"
	in_ctr c1 ping -6 -c1 -W2 fd19::31 >/dev/null || fail "c1 cannot ping c2 over IPv6"
	# a hook container's IPv6 address comes from the built-in allocator
	new_netns
	hook_up h1 "$NEWPID"
	assert_eq "$(bn ls -j | jq -r '.[] | select(.id == "h1") | .ip6')" fd19::2 "h1's IPv6 address"
	cni_conf 1.0.0 "$ipam" | cni DEL c1 "$(ns_path c1)" eth0 >"$T/del.out" || fail "DEL failed: $(cat "$T/del.out")"
	assert_eq "$(ipam_held)" "172.19.0.4 fd19::31 " "host-local's files after DEL of c1"
	assert_eq "$(bn ls -j | jq -r '[.[].ip6] | join(" ")')" "fd19::31 fd19::2" "IPv6 addresses after DEL of c1"
	cni_conf 0.4.0 "$ipam" | cni DEL c2 "" eth0 >"$T/del.out" || fail "DEL of c2 failed: $(cat "$T/del.out")"
	assert_eq "$(ipam_held)" "" "host-local's files after DEL of c2"
	# refused: code 7, host-local has both back, nothing set up
	ctr_ns c3
	local bad
	# (each a range of one, as host-local hands out the next address each time)
	local one='.ipam.ranges[1][0] += {rangeStart: "fd19::40", rangeEnd: "fd19::40"}'
	for bad in "del(.subnet6, .nat6) | $one@the ipam plugin's address fd19::40 is an IPv6 address and the network has no subnet6" \
		"$one | .ipam.ranges[1][0].gateway = \"fd19::fe\"@the ipam plugin's gateway fd19::fe for fd19::40 is not the network's gateway fd19::1" \
		'.ipam.ranges[1][0] += {rangeStart: "fd19::2", rangeEnd: "fd19::2"}@the ipam plugin'"'"'s IPv6 address fd19::2 is in use by h1'; do
		rc=0
		cni_conf 1.0.0 "$(jq -c "${bad%%@*}" <<<"$ipam")" | cni ADD c3 "$(ns_path c3)" eth0 >"$T/e" || rc=$?
		assert_eq "$rc" 1 "ADD exit code with ${bad%%@*}"
		assert_cni_error "$T/e" 7 1.0.0
		assert_contains "$(jq -r .details "$T/e")" "${bad#*@}"
		assert_eq "$(ipam_held)" "" "host-local's files after the refusal with ${bad%%@*}"
		assert_nothing_set_up c3
	done
}
