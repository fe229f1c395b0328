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
	umount /sys/fs/cgroup/unified 2>/dev/null || true
	mkdir -p /run/netns
	mount -t tmpfs -o mode=0755 bpfnet-netns /run/netns
}
