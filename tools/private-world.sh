#!/usr/bin/env bash
# Sourced by tests/run.sh, tools/demo.sh and tools/bench/run.sh.
#
# private_world FLAGVAR SCRIPT [ARGS...]: re-run SCRIPT in a private mount
# namespace (once: FLAGVAR marks the second run), so our bpffs and cgroup2
# mounts and the namespace files under /run/netns live and die with it;
# there, unmount the cgroup2 hierarchy of the hybrid layout (crun refuses
# it) and give /run/netns a private tmpfs.
private_world() {
	local var=$1
	shift
	if [ -z "${!var:-}" ]; then
		export "$var=1"
		exec unshare -m --propagation private bash "$@"
	fi
	[ -z "${BPFNET_WORLD_READY:-}" ] || return 0	# a nested run: already private
	export BPFNET_WORLD_READY=1
	umount /sys/fs/cgroup/unified 2>/dev/null || true
	mkdir -p /run/netns
	mount -t tmpfs -o mode=0755 bpfnet-netns /run/netns
}

# kill_tree PID: SIGKILL a process and everything below it. A background
# shell function (`in_ns ... &`) is a subshell whose child does the work;
# killing the subshell alone would leave the child running.
kill_tree() {
	local child
	for child in $(pgrep -P "$1" 2>/dev/null); do
		kill_tree "$child"
	done
	kill -9 "$1" 2>/dev/null || true
}

# netns_kill NAME: SIGKILL every process living in the named namespace.
netns_kill() {
	local p
	for p in $(ip netns pids "$1" 2>/dev/null); do
		kill -9 "$p" 2>/dev/null || true
	done
}
