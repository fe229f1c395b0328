#!/usr/bin/env bash
# make profile: where a packet's time goes inside bpfnet's TC programs.
# One container in a private world (tests/lib.sh) sends 64-byte UDP
# payloads to the outside host as fast as it can (iperf3 -u -l 64 -b 0), a
# TCP stream after it; perf samples every CPU meanwhile. For each program,
# the share of its samples by the function they landed in: the program's
# own code, a helper (bpf_fib_lookup's fib_table_lookup...), a map
# operation (lookup_nulls_elem_raw is a hash map's bucket walk).
#
#   tools/bench/profile.sh [SECS]       (default 4 s per workload)
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
export TOP
if [ "$(id -u)" -ne 0 ]; then
	echo "profile: needs root" >&2
	exit 1
fi
command -v perf >/dev/null || { echo "profile: needs perf (Debian: linux-perf)" >&2; exit 1; }
# shellcheck source=../private-world.sh
source "$TOP/tools/private-world.sh"
private_world BPFNET_PROFILE_UNSHARED "$0" "$@"
# shellcheck source=../../tests/lib.sh
source "$TOP/tests/lib.sh"
SECS=${1:-4}
trap world_down EXIT
containers_world 1
in_out iperf3 -s -D -B "$OUTSIDE_IP" --pidfile "$T/iperf3.pid" >/dev/null
wait_listen tcp 5201 in_out

# perf samples of every CPU while kind's traffic runs: perf script's stacks
profile_run() { # udp64|tcp
	local args=(-t $((SECS + 2)))
	[ "$1" = udp64 ] && args+=(-u -l 64 -b 0)
	in_ns "$C1" iperf3 -c "$OUTSIDE_IP" "${args[@]}" >/dev/null &
	local client=$!
	sleep 1
	perf record -a -g -o "$T/perf.data" -- sleep "$SECS" >/dev/null 2>&1
	wait "$client"
	perf script -i "$T/perf.data" -F ip,sym 2>/dev/null
}

# Of the samples whose stack holds program prog: the share of each leaf
# function (the top frame), largest first.
leaf_shares() { # prog < stacks
	awk -v prog="$1" 'BEGIN { RS = "" }
		$0 ~ "bpf_prog_[0-9a-f]+_" prog "\n" {
			n++
			split($0, line, "\n")
			for (i = 1; i in line; i++)
				if (line[i] ~ /[A-Za-z_]/) { split(line[i], f, " "); leaf[f[2]]++; break }
		}
		END {
			if (!n) { print "  (no samples)"; exit }
			printf "  (%d samples)\n", n
			for (k in leaf) if (leaf[k] * 100 >= n) printf "  %5.1f%%  %s\n", leaf[k] * 100 / n, k
		}' | sort -rn
}

for kind in udp64 tcp; do
	profile_run "$kind" >"$T/stacks.$kind"
	for prog in from_container uplink_egress uplink_ingress; do
		echo "$kind, $prog (functions of >= 1% of its samples):"
		leaf_shares "$prog" <"$T/stacks.$kind"
	done
done
kill "$(cat "$T/iperf3.pid")" 2>/dev/null || true
