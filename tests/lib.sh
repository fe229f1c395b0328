#!/usr/bin/env bash
# Shared helpers for the namespace and container tests. Every world lives in
# namespaces this run made; nothing touches the root namespace's network.
# shellcheck disable=SC2034
# shellcheck source-path=SCRIPTDIR

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
# kill_tree, netns_kill (also when a script sources this file alone)
# shellcheck source=../tools/private-world.sh
source "$TOP/tools/private-world.sh"
BPFNET=${BPFNET:-$TOP/bpfnet}
# The test build (fault injection, BPFNET_LOCK_WAIT_MS): a test that needs it
# calls use_testing_build first; every other test runs the product binary.
BPFNET_TESTING_BIN=$TOP/.output/bpfnet-testing
use_testing_build() { BPFNET=$BPFNET_TESTING_BIN; }

# The world: $T (scratch dir), $P (name prefix), $HOSTNS/$OUTNS (ns paths).
# Uplink: host "up0" 198.51.100.1/24 <-> outside "eth0" 198.51.100.2/24.
UPLINK_IP=198.51.100.1
OUTSIDE_IP=198.51.100.2

world_up() {
	T=$(mktemp -d /tmp/bpfnet-test.XXXXXX)
	P="bnt$RANDOM"
	mkdir -p "$T/bpf" "$T/state"
	mount -t bpf bpf "$T/bpf"
	ip netns add "$P-host"
	HOSTNS=/run/netns/$P-host
	PIDS=()
	# flags a test set before world_up are kept, after the world's own
	FLAGS=(--state-dir "$T/state" --pin-dir "$T/bpf/bpfnet" --bridge bnbr0 ${FLAGS[@]+"${FLAGS[@]}"})
	FLAGS2=()	# a second network's, once net2_flags made them
	in_host ip link set lo up
	# socket programs go to a private cgroup, never the machine's root one
	cgroup_up
}

# world_up plus an outside namespace behind the host's uplink.
world_up_outside() {
	world_up
	ip netns add "$P-out"
	OUTNS=/run/netns/$P-out
	in_host ip link add up0 type veth peer name eth0 netns "$OUTNS"
	in_host ip addr add "$UPLINK_IP/24" dev up0
	in_host ip link set up0 up
	in_host ip route add default via "$OUTSIDE_IP" dev up0
	in_out ip link set lo up
	in_out ip addr add "$OUTSIDE_IP/24" dev eth0
	in_out ip link set eth0 up
	FLAGS+=(--uplink up0)
}

# world_up_outside and n containers c1..cn (pids in CS, the first in C1).
containers_world() { # [n]
	world_up_outside
	add_containers "${1:-1}"
}
add_containers() { # n
	local i
	CS=()
	for i in $(seq "$1"); do
		new_netns
		CS+=("$NEWPID")
		hook_up "c$i" "$NEWPID"
	done
	C1=${CS[0]}
}

# Dual stack: containers_world with --subnet6 fd19::/64 and --nat6 NAT6.
# The uplink has 2001:db8:100::1/64, the outside 2001:db8:100::2/64 (its
# OUTSIDE_IP6); routed (NAT6 false), the outside routes fd19::/64 back
# through the uplink, as a provider routing a prefix to the host would.
OUTSIDE_IP6=2001:db8:100::2
UPLINK_IP6=2001:db8:100::1
dual_stack_world() { # n nat6
	dual_stack_outside "$2"
	add_containers "$1"
}
dual_stack_outside() { # nat6: the world, no container yet
	world_up_outside
	dual_stack_uplink "$1"
	FLAGS+=(--subnet6 fd19::/64 --nat6 "$1")
}
dual_stack_uplink() { # nat6: the IPv6 addresses (and route) of up0 and the outside
	in_host ip -6 addr add "$UPLINK_IP6/64" dev up0 nodad
	in_out ip -6 addr add "$OUTSIDE_IP6/64" dev eth0 nodad
	[ "$1" = true ] || in_out ip -6 route add fd19::/64 via "$UPLINK_IP6"
}

world_down() {
	# runs from EXIT traps, also under set -e: nothing here may stop it
	[ -n "${T:-}" ] || return 0	# no world was made
	local p
	if [ -n "${HOSTNS:-}" ] && [ "${#FLAGS2[@]}" -gt 0 ]; then bn2 down >/dev/null 2>&1 || true; fi
	cgroup_down
	for p in "${PIDS[@]}"; do kill_tree "$p"; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	for p in "${OUTNS:+$P-out}" "${HOSTNS:+$P-host}"; do [ -n "$p" ] && netns_kill "$p"; done
	# namespaces a test named after its world ("ip netns add $P-c1")
	for p in $([ -z "${P:-}" ] || ip netns list 2>/dev/null | awk -v w="$P-" 'index($1, w) == 1 {print $1}'); do
		[ "$p" = "$P-host" ] || [ "$p" = "$P-out" ] || { netns_kill "$p"; ip netns del "$p" 2>/dev/null || true; }
	done
	if [ -n "${RUNC_ROOT:-}" ]; then runtime_cleanup || true; fi
	if [ -n "${HOSTNS:-}" ]; then bn down >/dev/null 2>&1 || true; fi
	if [ -n "${OUTNS:-}" ]; then ip netns del "$P-out" 2>/dev/null || true; fi
	if [ -n "${HOSTNS:-}" ]; then ip netns del "$P-host" 2>/dev/null || true; fi
	# every mount under the world (its bpffs; any a broken build made)
	local mounts
	mounts=$(findmnt -rn -o TARGET 2>/dev/null | grep "^$T/" | sort -r) || true
	for p in $mounts; do umount -l "$p" 2>/dev/null || true; done
	rm -rf "$T"
	HOSTNS="" OUTNS=""
}

in_host() { nsenter --net="$HOSTNS" "$@"; }
in_out() { nsenter --net="$OUTNS" "$@"; }
in_ns() { local pid=$1; shift; nsenter --net=/proc/"$pid"/ns/net "$@"; }

# bpfnet inside the host namespace, pointed at this world's dirs.
bn() { in_host "$BPFNET" "$@" "${FLAGS[@]}"; }

# FLAGS without one flag and its value: flags_without --uplink
flags_without() {
	local i out=()
	for ((i = 0; i < ${#FLAGS[@]}; i++)); do
		if [ "${FLAGS[i]}" = "$1" ]; then i=$((i + 1)); else out+=("${FLAGS[i]}"); fi
	done
	FLAGS=("${out[@]}")
}

# A second network of the host, on the same uplink and cgroup: its own
# state dir, pin dir (under the world's bpffs), bridge bnbr1 and SUBNET.
# bn2 runs bpfnet for it; world_down takes it down too.
net2_flags() { # SUBNET
	local i
	mkdir -p "$T/state2"
	FLAGS2=("${FLAGS[@]}" --subnet "$1")
	for ((i = 0; i + 1 < ${#FLAGS2[@]}; i++)); do
		case ${FLAGS2[i]} in
		--state-dir) FLAGS2[i + 1]=$T/state2 ;;
		--pin-dir) FLAGS2[i + 1]=$T/bpf/bpfnet2 ;;
		--bridge) FLAGS2[i + 1]=bnbr1 ;;
		esac
	done
}
bn2() { in_host "$BPFNET" "$@" "${FLAGS2[@]}"; }
hook_up2() { oci_state "$1" creating "$2" "${3:-}" | bn2 hook; }

# A fresh network namespace held by a sleeping process; prints its pid.
new_netns() {
	unshare -n sleep 3600 &
	PIDS+=($!)
	NEWPID=$!
	# wait until the child has entered its namespace
	local i
	for i in $(seq 50); do
		[ "$(readlink /proc/$NEWPID/ns/net)" != "$(readlink /proc/self/ns/net)" ] && return 0
		sleep 0.02
	done
	return 1
}

oci_state() { # id status [pid] [annotations-json]
	local pid=${3:-} ann=${4:-"{}"}
	if [ -n "$pid" ]; then
		printf '{"ociVersion":"1.0.2","id":"%s","status":"%s","pid":%s,"bundle":"/x","annotations":%s}' "$1" "$2" "$pid" "$ann"
	else
		printf '{"ociVersion":"1.0.2","id":"%s","status":"%s","bundle":"/x","annotations":%s}' "$1" "$2" "$ann"
	fi
}

hook_up() { oci_state "$1" creating "$2" "${3:-}" | bn hook; }
hook_down() { oci_state "$1" stopped | bn hook; }

# A datapath counter by name, from bpfnet stats -j.
stat_of() { bn stats -j | jq -r ".totals.$1"; }
# stat_at_least NAME N: the counter has reached N (for wait_for).
stat_at_least() { [ "$(stat_of "$1")" -ge "$2" ]; }

# Address of a container from bpfnet ls -j.
ip_of() { bn ls -j | jq -r --arg id "$1" '.[] | select(.id==$id) | .ip'; }

# Assertions end the test at once: fail prints where and why, then exits the
# test's subshell (tests/run.sh runs each test in its own). Inside $(...) or a
# background job, exit leaves only that subshell: assert on values there, or
# check the job's status with wait.
fail() {
	local i=1
	# name the test's line, not the helper's
	while :; do
		case ${FUNCNAME[$i]:-} in fail | assert_* | wait_* | refute) i=$((i + 1)) ;; *) break ;; esac
	done
	echo "FAILED ${BASH_SOURCE[$i]##*/}:${BASH_LINENO[$((i - 1))]}: $*" >&2
	exit 1
}
assert_eq() { [ "$1" = "$2" ] || fail "${3:+$3: }expected '$2', got '$1'"; }
assert_ge() { [ "$1" -ge "$2" ] 2>/dev/null || fail "${3:+$3: }expected >= $2, got '$1'"; }
assert_contains() { grep -qF -- "$2" <<<"$1" || fail "expected '$2' in: $1"; }
assert_not_contains() { ! grep -qF -- "$2" <<<"$1" || fail "did not expect '$2' in: $1"; }

# refute WHAT CMD...: CMD must fail (quietly); fail with WHAT if it succeeds.
refute() {
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then fail "$what"; fi
}

# Lines of stdin matching an extended regex ("" counts every non-empty line).
# Unlike grep -c, zero matches are not an error.
# shellcheck disable=SC2120  # callers pass a pattern or none
count_lines() { awk -v re="${1:-.}" '$0 ~ re {n++} END {print n + 0}'; }

# wait_for SECONDS CMD...: poll CMD until it succeeds; fail when the deadline
# passes. Replaces fixed sleeps while servers, links or counters settle.
wait_for() {
	local secs=$1 deadline
	shift
	deadline=$((SECONDS + secs))
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$deadline" ] || fail "timed out after ${secs}s waiting for: $*"
		sleep 0.05
	done
}

# wait_listen tcp|udp PORT CMD-PREFIX...: wait until a socket listens on (or
# is bound to) PORT where CMD-PREFIX runs (in_out, in_host, in_ns PID).
wait_listen() {
	local proto=$1 port=$2
	shift 2
	wait_for 5 listens "$proto" "$port" "$@"
}
listens() {
	local flag=-Hltn proto=$1 port=$2
	shift 2
	[ "$proto" = tcp ] || flag=-Hlun
	[ -n "$("$@" ss "$flag" "sport = :$port")" ]
}

# established_at_least N PORT CMD-PREFIX...: N TCP connections to local PORT.
established_at_least() {
	local n=$1 port=$2
	shift 2
	[ "$("$@" ss -Htn state established "( sport = :$port )" | count_lines .)" -ge "$n" ]
}

same_netns() { [ "$(readlink /proc/"$1"/ns/net)" = "$(readlink /proc/"$2"/ns/net)" ]; }

# assert_same_file EXPECTED GOT: GOT comes to hold EXPECTED's bytes (compared
# by checksum once the writer is done, or after 5 s).
assert_same_file() {
	local deadline=$((SECONDS + 5))
	until cmp -s "$1" "$2" || [ "$SECONDS" -ge "$deadline" ]; do sleep 0.05; done
	assert_eq "$(md5sum <"$2")" "$(md5sum <"$1")" "bytes received in ${2##*/}"
}

# assert_file_eq FILE EXPECTED [WHAT]: FILE comes to hold EXPECTED (a server
# writes it after its client is gone); fail with both if it does not in 5 s.
assert_file_eq() {
	local deadline=$((SECONDS + 5))
	until [ "$(cat "$1" 2>/dev/null)" = "$2" ] || [ "$SECONDS" -ge "$deadline" ]; do
		sleep 0.05
	done
	assert_eq "$(cat "$1" 2>/dev/null)" "$2" "${3:-contents of ${1##*/}}"
}

# --- CNI: the network config the CNI suites (t_cni, t_containerd) hand a runtime ---

# A world with an outside, and the network config of its network.
cni_world() {
	world_up_outside
	[ -n "${CG:-}" ] || { echo "no cgroup2 for the socket programs"; exit 77; }
}

# cni_conf [VERSION] [EXTRA-JSON]: the network config (EXTRA merged in).
cni_conf() {
	jq -cn --arg v "${1:-1.0.0}" --arg st "$T/state" --arg pin "$T/bpf/bpfnet" \
		--arg cg "$CG" --argjson extra "${2:-"{}"}" \
		'{cniVersion: $v, name: "bntest", type: "bpfnet", bridge: "bnbr0",
		  uplink: "up0", stateDir: $st, pinDir: $pin, cgroup: $cg} + $extra'
}

# cni_conflist [EXTRA-JSON]: the same network as a conflist (what runtimes
# read from their config dir), its one plugin bpfnet.
cni_conflist() {
	cni_conf 1.0.0 "${1:-"{}"}" | jq '{cniVersion, name, plugins: [del(.cniVersion, .name)]}'
}

# --- OCI runtimes (runc, crun) with a busybox rootfs ---

ROOTFS_CACHE=${ROOTFS_CACHE:-/tmp/bpfnet-rootfs}

make_rootfs() {
	[ -x "$ROOTFS_CACHE/bin/busybox" ] && return 0
	local tmp
	tmp=$(mktemp -d /tmp/bpfnet-rootfs.XXXXXX)
	mkdir -p "$tmp"/{bin,proc,sys,dev,tmp,etc,www}
	cp /bin/busybox "$tmp/bin/"
	local a
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$tmp/bin/$a"
	done
	echo "root:x:0:0:root:/:/bin/sh" >"$tmp/etc/passwd"
	rm -rf "$ROOTFS_CACHE"
	mv "$tmp" "$ROOTFS_CACHE"
}

# make_bundle DIR ID ARGS-JSON [ANNOTATIONS-JSON] [NETNS-PATH]
make_bundle() {
	local dir=$1 args=$2 ann=${3:-"{}"} nspath=${4:-}
	mkdir -p "$dir"
	(cd "$dir" && runc spec)
	local hook
	hook=$(printf '%s\n' bpfnet hook "${FLAGS[@]}" | jq -R . | jq -s --arg path "$BPFNET" '{path: $path, args: .}')
	jq --argjson args "$args" --argjson ann "$ann" --argjson hook "$hook" --arg ns "$nspath" --arg rootfs "$ROOTFS_CACHE" '
		.process.terminal = false | .process.args = $args |
		.root.path = $rootfs |
		.root.readonly = true | .annotations = $ann |
		.process.capabilities.bounding += ["CAP_NET_RAW"] |
		.process.capabilities.effective += ["CAP_NET_RAW"] |
		.process.capabilities.permitted += ["CAP_NET_RAW"] |
		(if $ns == "" then
			.hooks = {"createRuntime": [$hook], "poststop": [$hook]}
		 else
			.linux.namespaces |= map(if .type == "network" then .path = $ns else . end)
		 end)' "$dir/config.json" >"$dir/c.json"
	mv "$dir/c.json" "$dir/config.json"
}

# Bind-mount a host directory read-only into a bundle: bundle_mount DIR SRC DEST
bundle_mount() {
	jq --arg src "$2" --arg dst "$3" \
		'.mounts += [{"destination":$dst,"type":"bind","source":$src,"options":["rbind","ro"]}]' \
		"$1/config.json" >"$1/c.json" && mv "$1/c.json" "$1/config.json"
}

# Use prestart instead of createRuntime in a bundle.
bundle_use_prestart() {
	jq '.hooks.prestart = .hooks.createRuntime | del(.hooks.createRuntime)' "$1/config.json" >"$1/c.json"
	mv "$1/c.json" "$1/config.json"
}

RUNTIME=runc
rt() { in_host "$RUNTIME" --root "$RUNC_ROOT" "$@"; }

runtime_init() { # runc|crun
	RUNTIME=$1
	RUNC_ROOT=$T/rt-$1
	mkdir -p "$RUNC_ROOT"
	make_rootfs
}

rt_run() { # id bundle: non-zero (and the runtime's words) when it did not start
	(cd "$2" && rt run -d "$1" </dev/null >"$T/$1.log" 2>&1) ||
		{ echo "$RUNTIME run $1 failed: $(cat "$T/$1.log")" >&2; return 1; }
}

rt_pid() { rt state "$1" | jq -r .pid; }

rt_exec() { local id=$1; shift; rt exec "$id" "$@"; }

runtime_cleanup() {
	local id
	for id in $(rt list -q 2>/dev/null); do
		rt delete -f "$id" >/dev/null 2>&1
	done
	RUNC_ROOT=
}

# A private cgroup2 directory for the socket programs and the host-side
# clients of a test (world_up makes it). Sets CG and adds --cgroup to FLAGS.
cgroup_up() {
	[ -z "${CG:-}" ] || return 0
	mkdir -p "$T/cg"
	mount -t cgroup2 none "$T/cg" 2>/dev/null || return 0	# no cgroup2 here
	CG=$T/cg/bpfnet-$P
	mkdir "$CG"
	FLAGS+=(--cgroup "$CG")
}

cgroup_down() {
	[ -n "${CG:-}" ] || return 0
	if [ -n "${HOSTNS:-}" ]; then bn down >/dev/null 2>&1 || true; fi
	rmdir "$CG" 2>/dev/null || true
	umount "$T/cg" 2>/dev/null || true
	CG=
}

# Run a command in the host namespace from inside the test cgroup.
# shellcheck disable=SC2016  # the inner shell expands $$ and $0
in_host_cg() { in_host sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CG" "$@"; }
# The same in the namespace of a process: in_ns_cg PID CMD...
# shellcheck disable=SC2016
in_ns_cg() { local pid=$1; shift; in_ns "$pid" sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CG" "$@"; }

# An IPv4 address as bpftool prints a __be32 field: the number its bytes
# (network order) make on this little-endian machine.
ip_be() { local a b c d; IFS=. read -r a b c d <<<"$1"; echo $(((d << 24) | (c << 16) | (b << 8) | a)); }

# A port as bpftool prints a __be16 field.
port_be() { echo $((($1 >> 8) | (($1 & 255) << 8))); }

# The default --flow-table-size, from this host's memory as bpfnet reads it:
# MemTotal / 16384 down to a power of two, within 16384..1048576.
flow_default() {
	local kb n=16384
	kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
	while ((n < 1048576 && n * 2 <= kb * 1024 / 16384)); do n=$((n * 2)); done
	echo "$n"
}

# A pinned map as JSON, one object per entry with named key and value fields.
dump_map() { bpftool map dump pinned "$T/bpf/bpfnet/$1" -j | jq 'map(.formatted // .)'; }

# value_field MAP FIELD: "OFFSET SIZE" of a member of MAP's value, as the
# map's BTF gives them (so tests follow include/bpfnet_shared.h instead of
# copying its layout); a member's width is up to the next member, or to the
# end of the struct.
value_field() {
	local m
	m=$(bpftool btf dump map pinned "$T/bpf/bpfnet/$1" value -j | jq -r --arg f "$2" '
		.types[0] as $s | ([$s.members[].bits_offset / 8] + [$s.size]) as $ends |
		[$s.members | to_entries[] | select(.value.name == $f) |
			"\(.value.bits_offset / 8) \($ends[.key + 1] - .value.bits_offset / 8)"][0] // empty')
	[ -n "$m" ] || fail "no field $2 in the value of map $1"
	echo "$m"
}

# map_set_field MAP INDEX FIELD NUMBER: set one field of the INDEX-th entry
# of a pinned map (value_field says where).
map_set_field() {
	local off size
	read -r off size <<<"$(value_field "$1" "$3")"
	map_set_bytes "$1" "$2" "$off" "$size" "$4"
}

# map_set_bytes MAP INDEX OFFSET SIZE NUMBER: NUMBER into SIZE bytes at
# OFFSET of the INDEX-th entry's value.
map_set_bytes() {
	local pin=$T/bpf/bpfnet/$1 entry i b
	local -a val
	entry=$(bpftool map dump pinned "$pin" -j | jq -c ".[$2]")
	[ "$entry" != null ] || fail "map $1 has no entry $2"
	mapfile -t val < <(jq -r '.value[] | ltrimstr("0x")' <<<"$entry")
	for ((i = 0; i < $4; i++)); do	# little-endian, as the host stores it
		b=$((($5 >> (8 * i)) & 255))
		val[$3 + i]=$(printf '%02x' "$b")
	done
	# shellcheck disable=SC2046
	bpftool map update pinned "$pin" key hex $(jq -r '.key[] | ltrimstr("0x")' <<<"$entry") value hex "${val[@]}"
}

# An IPv6 address as bpftool prints a struct bpfnet_in6 (four __be32 words,
# each shown as this little-endian host's u32): in6_words fd19::2
in6_words() {
	python3 -c 'import ipaddress, struct, sys
print(list(struct.unpack("<4I", ipaddress.IPv6Address(sys.argv[1]).packed)))' "$1" | tr -d ' '
}
