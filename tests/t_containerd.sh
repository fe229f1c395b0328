#!/usr/bin/env bash
# containerd 1.6 (Debian 12) and its ctr, bpfnet as the CNI plugin of
# `ctr run --cni`. The daemon is the test's own: its root, state, socket and
# config under $T, run in the world's host namespace and in a mount
# namespace of its own, where the fixed paths containerd 1.6 and ctr use are
# directories of $T mounted over the machine's:
#   /etc/cni/net.d, /opt  ctr reads its CNI config and plugins from
#                         /etc/cni/net.d and /opt/cni/bin (go-cni's
#                         WithDefaultConf; no flag moves them)
#   /var/lib              libcni keeps its result cache in /var/lib/cni
#   /run                  the shim's socket (/run/containerd/s/, a constant
#                         in 1.6), runc's root and ctr's FIFOs
# Nothing of a system containerd is used: ctr always names our socket.

# The machine's own dirs that containerd, ctr and libcni use by default:
# their files, to be compared before and after a test.
machine_dirs() {
	local d
	for d in /etc/cni /opt/cni /var/lib/cni /var/lib/containerd /run/containerd; do
		[ ! -e "$d" ] || find "$d" -printf '%p %y %s %T@\n'
	done | sort
}

# ctrd_up: a world with an outside, the network's conflist, and a private
# containerd answering on $SOCK. Sets D (its dir) and CTRD_PID.
ctrd_up() {
	command -v containerd >/dev/null || { echo "containerd is not installed"; exit 77; }
	[ -d /etc/cni/net.d ] || { echo "no /etc/cni/net.d to mount over"; exit 77; }
	MACHINE_BEFORE=$(machine_dirs)
	cni_world
	trap 'trap - ERR; set +e; ctrd_down; world_down' EXIT
	make_rootfs
	D=$T/ctrd
	SOCK=$D/containerd.sock
	# the tasks' cgroups, under a parent of this world's (ctr's default,
	# /default/ID, would leave "default" on the machine); ctrd_down removes it
	CGPARENT=bnt-ctrd-$P
	mkdir -p "$D"/{root,state,run,opt/cni/bin,lib/cni,net.d,io/www}
	ln -s "$BPFNET" "$D/opt/cni/bin/bpfnet"
	cni_conflist >"$D/net.d/10-bntest.conflist"
	cat >"$D/config.toml" <<-EOF
		version = 2
		root = "$D/root"
		state = "$D/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri",
		  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
		  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
		  "io.containerd.snapshotter.v1.overlayfs", "io.containerd.tracing.processor.v1.otlp",
		  "io.containerd.internal.v1.tracing"]
		[grpc]
		  address = "$SOCK"
		[ttrpc]
		  address = "$SOCK.ttrpc"
		[plugins."io.containerd.internal.v1.opt"]
		  path = "$D/opt/containerd"
	EOF
	# nsenter, unshare and sh each exec the next: $! is containerd
	# shellcheck disable=SC2016  # the inner shell expands $0
	nsenter --net="$HOSTNS" unshare -m --propagation private sh -c '
		mount --bind "$0/run" /run && mount --bind "$0/opt" /opt &&
		mount --bind "$0/lib" /var/lib && mount --bind "$0/net.d" /etc/cni/net.d &&
		exec containerd --config "$0/config.toml"' "$D" >"$D/containerd.log" 2>&1 &
	CTRD_PID=$!
	wait_up 20 "$CTRD_PID" "$D/containerd.log" ctrc version
	CTRD_MNT=$(readlink "/proc/$CTRD_PID/ns/mnt")
}

# ctr on our daemon, in its mount namespace and the world's host namespace
# (the CNI plugin it runs sets up the host side there).
# --root: the daemon's root too; entering a mount namespace alone puts a
# process at the namespace's root, outside any chroot the tests run in.
in_ctrd() { nsenter --net="$HOSTNS" --mount="/proc/$CTRD_PID/ns/mnt" --root="/proc/$CTRD_PID/root" "$@"; }
ctrc() { in_ctrd ctr --address "$SOCK" "$@"; }
# The same, killed after SECONDS: ctrc_within SECONDS ARGS...
ctrc_within() {
	local secs=$1
	shift
	timeout "$secs" nsenter --net="$HOSTNS" --mount="/proc/$CTRD_PID/ns/mnt" --root="/proc/$CTRD_PID/root" ctr --address "$SOCK" "$@"
}

# Processes living in the daemon's mount namespace (it, its shims).
ctrd_procs() {
	local p
	[ -n "${CTRD_MNT:-}" ] || return 0
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/mnt" 2>/dev/null)" != "$CTRD_MNT" ] || echo "${p#/proc/}"
	done
}

# Tasks, containers, shims and the daemon go, in that order; what does not
# go by itself within a few seconds is killed. Runs from the EXIT trap too.
ctrd_down() {
	[ -n "${CTRD_PID:-}" ] || return 0
	local id p deadline
	if [ -n "${CTRD_MNT:-}" ] && kill -0 "$CTRD_PID" 2>/dev/null; then
		for id in $(ctrc_within 5 task ls -q 2>/dev/null); do
			ctrc_within 5 task kill -s KILL "$id" >/dev/null 2>&1 || true
			ctrc_within 5 task rm -f "$id" >/dev/null 2>&1 || true
		done
		for id in $(ctrc_within 5 container ls -q 2>/dev/null); do
			ctrc_within 5 container rm "$id" >/dev/null 2>&1 || true
		done
	fi
	kill "$CTRD_PID" 2>/dev/null || true
	deadline=$((SECONDS + 5))
	while { ! gone "$CTRD_PID" || [ -n "$(ctrd_procs)" ]; } && [ "$SECONDS" -lt "$deadline" ]; do
		sleep 0.05
	done
	for p in "$CTRD_PID" $(ctrd_procs); do kill_tree "$p"; done
	wait "$CTRD_PID" 2>/dev/null || true
	CTRD_PID=
	for p in $(task_cgroups "$CGPARENT" | sort -r); do rmdir "$p" 2>/dev/null || true; done
}

# The cgroup directories of that name, in every hierarchy mounted here.
task_cgroups() { find /sys/fs/cgroup -maxdepth 3 -type d -path "*/$1*" 2>/dev/null || true; }

task_status() { ctrc task ls | awk -v id="$1" '$1 == id {print $3}'; }
task_pid() { ctrc task ls | awk -v id="$1" '$1 == id {print $2}'; }
task_running() { [ "$(task_status "$1")" = RUNNING ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }

# wait_up SECONDS PID LOG CMD...: poll CMD until it succeeds, while PID (a
# daemon, a ctr run) lives; fail with the last lines of its LOG if it exits.
wait_up() {
	local secs=$1 pid=$2 log=$3 deadline=$((SECONDS + $1))
	shift 3
	until "$@" >/dev/null 2>&1; do
		! gone "$pid" || fail "it exited: $(tail -3 "$log" | tr '\n' ' ')"
		[ "$SECONDS" -lt "$deadline" ] ||
			fail "timed out after ${secs}s waiting for: $* (its log: $(tail -5 "$log" | tr '\n' ' '); the last try: $("$@" 2>&1 | tail -2 | tr '\n' ' '))"
		sleep 0.05
	done
}

# A container from `ctr run --cni` (waited for in the foreground, as ctr 1.6
# runs CNI DEL only then): an address from the subnet, a veth, a page served
# to the host, bytes to the outside masqueraded behind the uplink's address;
# `ctr task kill` ends the task, ctr's DEL leaves no veth, record, endpoint
# or libcni cache entry, and nothing was written to the machine's own dirs.
test_containerd_cni_run() {
	ctrd_up
	echo "hello from containerd" >"$D/io/www/index.html"
	head -c 65536 /dev/urandom >"$D/io/payload"
	in_out sh -c "timeout 20 nc -nlv $OUTSIDE_IP 9300 >$T/got 2>$T/got.peer" &
	PIDS+=($!)
	wait_listen tcp 9300 in_out
	# the task serves a page and sends the payload to the outside itself
	# (no `ctr task exec`: under a chroot, runc's exec does not land in the
	# task's root)
	ctrc run --cni --cgroup "/$CGPARENT/web" --rootfs --read-only --mount "type=bind,src=$D/io,dst=/io,options=rbind:ro" \
		"$ROOTFS_CACHE" web /bin/sh -c "httpd -p 80 -h /io/www; until nc -w 5 $OUTSIDE_IP 9300 </io/payload; do sleep 0.2; done; exec sleep 1000" \
		</dev/null >"$D/run.log" 2>&1 &
	local run=$! pid veth
	PIDS+=("$run")
	wait_up 20 "$run" "$D/run.log" task_running web
	pid=$(task_pid web)
	assert_eq "$(bn ls -j | jq -c '[.[] | [.id, .ip, .netns, .alive]]')" \
		"[[\"default-web\",\"172.19.0.2\",\"/proc/$pid/ns/net\",true]]" "the record (id: ctr's namespace-id)"
	veth=$(bn ls -j | jq -r '.[0].veth')
	in_host ip link show "$veth" >/dev/null || fail "no veth $veth in the host namespace"
	assert_eq "$(in_ns "$pid" ip -4 -o addr show dev eth0 | awk '{print $4}')" 172.19.0.2/16 "eth0 in the task's namespace"
	assert_eq "$(dump_map endpoints | jq length)" 1 "endpoint entries"
	[ -s "$D/lib/cni/results/bntest-default-web-eth0" ] || fail "no libcni cache entry in the private /var/lib/cni"
	wait_for 5 sh -c "nsenter --net=$HOSTNS wget -q -T 1 -O - http://172.19.0.2/ | grep -q containerd"
	# to the outside: the server sees the uplink's address, and every byte
	wait_for 15 sh -c "[ \"\$(stat -c %s $T/got)\" = 65536 ]"
	assert_same_file "$D/io/payload" "$T/got"
	assert_contains "$(cat "$T/got.peer")" "Connection received on $UPLINK_IP"
	# the task ends: ctr run runs CNI DEL, then deletes the task
	ctrc task kill -s KILL web
	wait_for 15 gone "$run"
	ctrc container rm web
	assert_eq "$(task_cgroups "$CGPARENT/web")" "" "the task's cgroups after rm"
	assert_eq "$(bn ls -j)" "[]" "records after the task ended"
	refute "veth $veth left" in_host ip link show "$veth"
	assert_eq "$(dump_map endpoints | jq length)" 0 "endpoint entries after DEL"
	[ ! -e "$D/lib/cni/results/bntest-default-web-eth0" ] || fail "libcni's cache entry left after DEL"
	ctrd_down
	assert_eq "$(ctrd_procs)" "" "processes left in the daemon's mount namespace"
	assert_eq "$(task_cgroups "$CGPARENT")" "" "the tasks' cgroups"
	assert_eq "$(machine_dirs)" "$MACHINE_BEFORE" "the machine's CNI and containerd dirs"
}

# `ctr run -d --cni`: ctr 1.6.20 returns once the task runs and never runs
# CNI DEL for it (not at `ctr task kill`, `task rm` or `container rm`; its
# binary has no trace of containerd#6670, which made `task kill` run it).
# The veth goes with the task's namespace; the record, its endpoint and
# libcni's cache entry stay, until `bpfnet gc` finds the namespace gone.
test_containerd_detached_left_to_gc() {
	ctrd_up
	local t0 t1 pid veth
	t0=$(date +%s%N)
	ctrc run -d --cni --cgroup "/$CGPARENT/bg" --rootfs --read-only "$ROOTFS_CACHE" bg /bin/sleep 300 >"$D/run.log" 2>&1 ||
		fail "ctr run -d --cni failed: $(cat "$D/run.log")"
	t1=$(date +%s%N)
	assert_eq "$(task_status bg)" RUNNING "the task once ctr run -d returned"
	pid=$(task_pid bg)
	assert_eq "$(bn ls -j | jq -c '[.[] | [.id, .ip, .netns, .alive]]')" \
		"[[\"default-bg\",\"172.19.0.2\",\"/proc/$pid/ns/net\",true]]" "the record"
	veth=$(bn ls -j | jq -r '.[0].veth')
	in_ns "$pid" ping -c 1 -W 2 "$OUTSIDE_IP" >/dev/null || fail "the task's namespace cannot ping the outside"
	echo "FIGURE: ctr run -d --cni to a running task with its address, the network's first (its programs loaded): $(((t1 - t0) / 1000000)) ms"
	ctrc task kill -s KILL bg
	wait_for 10 sh -c "! kill -0 $pid"
	ctrc task rm bg >/dev/null
	ctrc container rm bg
	assert_eq "$(bn ls -j | jq -c '[.[] | [.id, .alive]]')" '[["default-bg",false]]' "the record after container rm (no DEL ran)"
	[ -s "$D/lib/cni/results/bntest-default-bg-eth0" ] || fail "libcni's cache entry is gone: ctr ran DEL after all"
	refute "veth $veth left with the namespace gone" in_host ip link show "$veth"
	assert_eq "$(dump_map endpoints | jq length)" 1 "endpoint entries before gc"
	bn gc >/dev/null
	assert_eq "$(bn ls -j)" "[]" "records after gc"
	assert_eq "$(dump_map endpoints | jq length)" 0 "endpoint entries after gc"
	ctrd_down
	assert_eq "$(ctrd_procs)" "" "processes left in the daemon's mount namespace"
	assert_eq "$(machine_dirs)" "$MACHINE_BEFORE" "the machine's CNI and containerd dirs"
}
