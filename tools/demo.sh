#!/usr/bin/env bash
# The main job, end to end, in a private world: a "host" namespace with an
# uplink to an "outside" namespace, busybox containers run by runc with
# bpfnet as their OCI hook. Prints what it does; cleans up after itself.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (namespaces, netlink, BPF)" >&2
	exit 1
fi
# shellcheck source=private-world.sh
source "$TOP/tools/private-world.sh"
private_world BPFNET_DEMO_UNSHARED "$0" "$@"
# shellcheck source=../tests/lib.sh
source "$TOP/tests/lib.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

trap world_down EXIT
world_up_outside
runtime_init runc

say "World: host namespace (uplink up0 $UPLINK_IP) <-> outside namespace ($OUTSIDE_IP)"
mkdir -p "$T/outside-www"
echo "hello from the outside world" >"$T/outside-www/index.html"
in_out busybox httpd -f -p 8000 -h "$T/outside-www" &
PIDS+=($!)

say "Two busybox containers started by runc; bpfnet runs as createRuntime/poststop hook"
mkdir -p "$T/www"
echo "hello from the web container" >"$T/www/index.html"
make_bundle "$T/web" '["httpd","-f","-p","80","-h","/www"]' '{"bpfnet.ports":"8080:80/tcp"}'
bundle_mount "$T/web" "$T/www" /www
make_bundle "$T/client" '["sleep","3600"]'
show rt_run web "$T/web"
show rt_run client "$T/client"
show bn ls

say "Inside the client container"
show rt_exec client ip addr show eth0
show rt_exec client ip route

say "Container to container over the bridge"
show rt_exec client ping -c2 "$(ip_of web)"

if [ -n "$(ls "$T/bpf/bpfnet" 2>/dev/null)" ]; then
	say "Container to the outside: masqueraded by the eBPF datapath"
	show rt_exec client ping -c2 "$OUTSIDE_IP"
	show rt_exec client wget -q -O - "http://$OUTSIDE_IP:8000/"
	in_out tcpdump -c1 -nn -i eth0 'tcp port 8000 and tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack == 0' 2>/dev/null >"$T/seen" &
	TD=$!
	sleep 0.5
	rt_exec client wget -q -O /dev/null "http://$OUTSIDE_IP:8000/" || true
	wait $TD || true
	echo "the outside server saw:"
	sed 's/^/    /' "$T/seen"

	say "Published port 8080 -> web:80 (annotation bpfnet.ports), DNAT from a BPF map"
	show bn port ls
	echo "from the outside namespace:"
	show in_out wget -q -O - "http://$UPLINK_IP:8080/"
	echo "from the client container (hairpin):"
	show rt_exec client wget -q -O - "http://$UPLINK_IP:8080/"
	echo "from a process on the host, to 127.0.0.1 (cgroup socket program):"
	show in_host_cg wget -q -O - "http://127.0.0.1:8080/"
	echo "published live with 'bpfnet port add', then removed:"
	show bn port add web 9090:80
	show in_out wget -q -O - "http://$UPLINK_IP:9090/"
	show bn port del web 9090:80

	say "Pinned maps, readable with bpftool"
	show ls "$T/bpf/bpfnet"
	show bpftool map dump pinned "$T/bpf/bpfnet/port_maps"
	show bn stats
fi

say "Deleting the containers (poststop tears their network down)"
rt delete -f web
rt delete -f client
show bn ls
say "Done: everything is removed when this script exits"
