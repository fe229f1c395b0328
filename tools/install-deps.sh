#!/usr/bin/env bash
# Install what bpfnet needs to build, test and demo, from Debian's packages.
# Idempotent: packages already present are skipped, apt runs only if one is missing.
# --bench adds what `make bench` needs besides (sockperf, gnuplot); the CNI
# plugins it compares against are a test dependency (t_cni runs host-local).
set -euo pipefail

BUILD_PKGS="make gcc clang llvm pkg-config libbpf-dev libelf-dev zlib1g-dev
libmnl-dev libcjson-dev bpftool"
RUN_PKGS="iproute2 runc crun busybox-static iperf3 netcat-openbsd tcpdump
ethtool iptables nftables util-linux procps jq iputils-ping wget
libclang-rt-14-dev valgrind shellcheck groff-base podman containernetworking-plugins
containerd"

BENCH_PKGS="sockperf gnuplot-nox time bc linux-perf"
WANT="$BUILD_PKGS $RUN_PKGS"
[ "${1:-}" = --bench ] && WANT="$WANT $BENCH_PKGS"

missing=()
for p in $WANT; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: need root to install: ${missing[*]}" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
