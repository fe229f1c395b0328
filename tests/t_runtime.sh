#!/usr/bin/env bash
# Real containers: busybox run by runc and by crun, with bpfnet as their
# createRuntime/prestart and poststop hook, inside a private host namespace.

runtime_two_containers() { # runc|crun [prestart]
	command -v "$1" >/dev/null || { echo "$1 is not installed"; exit 77; }
	world_up
	runtime_init "$1"
	make_bundle "$T/b1" '["sleep","3600"]'
	make_bundle "$T/b2" '["sleep","3600"]'
	if [ "${2:-}" = prestart ]; then
		bundle_use_prestart "$T/b1"
		bundle_use_prestart "$T/b2"
	fi
	rt_run c1 "$T/b1"
	rt_run c2 "$T/b2"
	local ip1 ip2 out
	ip1=$(ip_of c1)
	ip2=$(ip_of c2)
	if [ -z "$ip1" ] || [ -z "$ip2" ]; then fail "containers not recorded: $(bn ls)"; fi
	out=$(rt_exec c1 ip -o -4 addr show eth0)
	assert_contains "$out" "$ip1/16"
	assert_contains "$(rt_exec c1 ip route)" "default via 172.19.0.1 dev eth0"
	rt_exec c1 ping -c1 -W2 "$ip2" >/dev/null || fail "c1 cannot ping c2"
	rt_exec c2 ping -c1 -W2 "$ip1" >/dev/null || fail "c2 cannot ping c1"
	rt_exec c1 ping -c1 -W2 172.19.0.1 >/dev/null || fail "c1 cannot ping the gateway"

	# a third container joining c1's network namespace by path
	make_bundle "$T/b3" '["sleep","3600"]' '{}' "/proc/$(rt_pid c1)/ns/net"
	rt_run c3 "$T/b3"
	assert_eq "$(rt_exec c3 ip -o -4 addr show eth0 | awk '{print $4}')" "$ip1/16"

	# deleting the containers runs poststop: addresses free, veths gone
	rt delete -f c3
	rt delete -f c2
	rt delete -f c1
	assert_eq "$(bn ls -j)" "[]"
	assert_eq "$(in_host ip -o link show type veth | wc -l)" 0 "veths left"
}

test_runc_createruntime() { runtime_two_containers runc; }
test_runc_prestart() { runtime_two_containers runc prestart; }
test_crun_createruntime() { runtime_two_containers crun; }

test_runc_hook_refuses_bad_annotation() {
	world_up
	runtime_init runc
	make_bundle "$T/b1" '["sleep","3600"]' '{"bpfnet.ip":"10.10.10.10"}'
	rt_run c1 "$T/b1" 2>/dev/null && fail "container started with a bad bpfnet.ip"
	assert_contains "$(cat "$T/c1.log")" "outside the subnet"
	assert_eq "$(bn ls -j)" "[]"
	assert_eq "$(in_host ip -o link show type veth | wc -l)" 0
}

# http_get6 ID ADDR PORT PATH: the body of an HTTP/1.0 GET container ID
# sends with busybox nc.
http_get6() {
	printf 'GET %s HTTP/1.0\r\n\r\n' "$4" | rt_exec "$1" nc -w 5 "$2" "$3" | tr -d '\r' | sed '1,/^$/d'
}

# Dual stack with runc: an allocated and an annotated (bpfnet.ip6) IPv6
# address as the container itself sees them, usable at once, with real
# IPv6 traffic: c1 pings the outside and fetches a page from it through
# NAT66 (the outside has no route back), and fetches c2's page by its IPv6
# address; poststop takes everything away.
test_runc_dual_stack_traffic() {
	command -v runc >/dev/null || { echo "runc is not installed"; exit 77; }
	dual_stack_outside true
	runtime_init runc
	mkdir -p "$T/www"
	echo "page from c2" >"$T/www/index.html"
	mkdir -p "$T/out"
	echo "page from the outside" >"$T/out/outside.html"
	make_bundle "$T/b1" '["sleep","3600"]'
	make_bundle "$T/b2" '["httpd","-f","-p","80","-h","/www"]' '{"bpfnet.ip6":"fd19::50"}'
	bundle_mount "$T/b2" "$T/www" /www
	rt_run c1 "$T/b1"
	rt_run c2 "$T/b2"
	assert_eq "$(bn ls -j | jq -r '[.[] | "\(.id)=\(.ip6)"] | join(" ")')" "c1=fd19::2 c2=fd19::50" "ls"
	# busybox ip prints the address; iproute2 (from outside) its flags
	assert_contains "$(rt_exec c1 ip -o -6 addr show dev eth0 scope global)" "inet6 fd19::2/64 scope global"
	assert_contains "$(rt_exec c2 ip -o -6 addr show dev eth0 scope global)" "inet6 fd19::50/64 scope global"
	assert_eq "$(in_ns "$(rt_pid c1)" ip -j -6 addr show dev eth0 scope global | jq -r '.[0].addr_info[] | select(.local) | "\(.local) \(.nodad // false) \(.tentative // false)"')" "fd19::2 true false" "c1's address: no DAD, not tentative"
	assert_contains "$(rt_exec c1 ip -6 route show default)" "default via fd19::1 dev eth0"
	assert_contains "$(rt_exec c2 ip -6 neigh show fd19::1)" "PERMANENT"
	# traffic
	rt_exec c1 ping6 -c1 -W2 "$OUTSIDE_IP6" >/dev/null || fail "c1 cannot ping the outside over IPv6"
	in_out python3 -m http.server --bind "$OUTSIDE_IP6" --directory "$T/out" 8000 >/dev/null 2>&1 &
	PIDS+=($!)
	wait_listen tcp 8000 in_out
	# (busybox 1.35's wget crashes on an IPv6 literal: its nc speaks HTTP)
	assert_eq "$(http_get6 c1 "$OUTSIDE_IP6" 8000 /outside.html)" "page from the outside" "c1's page from the outside"
	wait_listen tcp 80 in_ns "$(rt_pid c2)"
	assert_eq "$(http_get6 c1 fd19::50 80 /)" "page from c2" "c1's page from c2 over IPv6"
	assert_ge "$(stat_of snat_packets)" 4 "IPv6 packets masqueraded"
	rt delete -f c2
	rt delete -f c1
	assert_eq "$(bn ls -j)" "[]"
	assert_eq "$(in_host ip -6 neigh show dev bnbr0 nud permanent)" "" "host neighbours left"
	assert_eq "$(dump_map endpoints6 | jq length)" 0 "endpoints6 entries left"
	assert_eq "$(dump_map conntrack6 | jq length)" 0 "IPv6 flows left"
}

test_runc_container_masqueraded() {
	world_up_outside
	runtime_init runc
	in_out timeout 20 nc -nlv "$OUTSIDE_IP" 8000 >"$T/got" 2>"$T/peer" &
	PIDS+=($!)
	make_bundle "$T/b1" '["sleep","3600"]'
	rt_run c1 "$T/b1"
	rt_exec c1 ping -c2 -W2 "$OUTSIDE_IP" >/dev/null || fail "container cannot ping the outside host"
	echo "from the container" | rt_exec c1 nc -w 3 "$OUTSIDE_IP" 8000 || fail "tcp from the container failed"
	assert_file_eq "$T/got" "from the container"
	assert_contains "$(cat "$T/peer")" "Connection received on $UPLINK_IP"
	assert_eq "$(bn stats -j | jq '.containers[0].tx_packets > 0')" true
	rt delete -f c1
	assert_eq "$(dump_map conntrack | jq length)" 0 "flows after delete"
}

test_runc_published_httpd() {
	world_up_outside
	cgroup_up
	runtime_init runc
	mkdir -p "$T/www"
	echo "page from the container" >"$T/www/index.html"
	make_bundle "$T/web" '["httpd","-f","-p","80","-h","/www"]' '{"bpfnet.ports":"8080:80/tcp"}'
	bundle_mount "$T/web" "$T/www" /www
	make_bundle "$T/client" '["sleep","3600"]'
	rt_run web "$T/web"
	rt_run client "$T/client"
	wait_listen tcp 80 in_ns "$(rt_pid web)"
	assert_eq "$(in_out wget -q -O - "http://$UPLINK_IP:8080/")" "page from the container" "from outside"
	assert_eq "$(rt_exec client wget -q -O - "http://$UPLINK_IP:8080/")" "page from the container" "hairpin"
	assert_eq "$(in_host_cg wget -q -O - "http://127.0.0.1:8080/")" "page from the container" "from the host"
	rt delete -f web
	assert_eq "$(dump_map port_maps | jq length)" 0 "maps after delete"
	refute "port still published" in_out wget -q -T 2 -O - "http://$UPLINK_IP:8080/"
}

# runc fails the container after createRuntime succeeded: its poststop hook
# must take the network down again.
test_runc_start_failure_after_hook() {
	world_up_outside
	runtime_init runc
	make_bundle "$T/b1" '["/bin/no-such-program"]'
	rt_run c1 "$T/b1" 2>/dev/null && fail "a container without its program started"
	assert_contains "$(cat "$T/c1.log")" "no-such-program"
	# runc may have removed the failed container itself; if not, delete runs poststop
	if rt state c1 >/dev/null 2>&1; then rt delete -f c1; fi
	assert_eq "$(bn ls -j)" "[]" "records after the failed start"
	assert_eq "$(in_host ip -o link show type veth | count_lines bnv)" 0 "veths after the failed start"
	assert_eq "$(dump_map endpoints | jq length)" 0 "endpoint entries after the failed start"
}
