#!/usr/bin/env bash
# Run every test: C unit tests, BPF packet tests, namespace and container
# suites. Ends with "N passed, N failed, N skipped".
#   tests/run.sh [PATTERN]   only tests whose name contains PATTERN (for the
#                            C unit tests: the binary's name)
#   SUITES=DIR tests/run.sh  only the shell suites DIR/t_*.sh (the runner's
#                            self-test uses this)
# A test's output is kept only when it fails, except its figures: lines it
# prints that start with "FIGURE:" are shown, indented, after its PASS line.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP

if [ "$(id -u)" -ne 0 ]; then
	echo "tests need root (namespaces, netlink, BPF)" >&2
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
# shellcheck source-path=SCRIPTDIR
# shellcheck source=../tools/private-world.sh
source "$TOP/tools/private-world.sh"
private_world BPFNET_TEST_UNSHARED "$0" "$@"

PATTERN=${1:-}
# A failing test's whole log is kept in .output/failures/ (not for the
# runner's self-test, whose failures are deliberate).
FAILURES=$TOP/.output/failures
keep_failure_log() { # log name
	[ -z "${SUITES:-}" ] || return 0
	mkdir -p "$FAILURES"
	cp "$1" "$FAILURES/${2//\//-}.log"
}
passed=0 failed=0 skipped=0
failures=()
started=$SECONDS
# Each test's wall time, "SECONDS NAME" (make test's budget is ~30 min:
# the slowest are listed at the end).
TIMES=$TOP/.output/test-times
[ -z "${SUITES:-}" ] || TIMES=/dev/null
mkdir -p "$TOP/.output"
: >"$TIMES"
took() { echo "$((SECONDS - $1)) $2" >>"$TIMES"; } # start name

record() { # result name [why]
	case $1 in
	PASS) passed=$((passed + 1)); echo "PASS $2" ;;
	FAIL) failed=$((failed + 1)); failures+=("$2"); echo "FAIL $2${3:+: $3}" ;;
	SKIP) skipped=$((skipped + 1)); echo "SKIP $2${3:+: $3}" ;;
	esac
}

# figures < OUTPUT: the FIGURE: lines a test printed, indented.
figures() { sed -n 's/^[[:space:]]*\(FIGURE: \)/    \1/p'; }

# The root namespace's own network, as far as tests could change it:
# links, addresses (lifetimes left out), routes, rules, qdiscs, firewall,
# forwarding. Compared at the end of the run ("host-untouched").
host_snapshot() {
	ip -o link
	ip -o addr | sed -E 's/(valid|preferred)_lft [^ ]+//g'
	ip route
	ip rule
	tc qdisc show
	nft list ruleset
	sysctl net.ipv4.ip_forward
}
[ -n "${SUITES:-}" ] || host_before=$(host_snapshot 2>&1)

SUITES=${SUITES:-}
[ -z "$SUITES" ] || BPFNET_SKIP_BENCH=1

# C unit tests print PASS/FAIL/SKIP lines themselves.
for bin in "$TOP"/.output/tests/test_*; do
	[ -z "$SUITES" ] || break
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	[ -n "$PATTERN" ] && [[ $name != *$PATTERN* ]] && continue
	t0=$SECONDS
	out=$("$bin" 2>&1)
	rc=$?
	took "$t0" "$name"
	figs=""	# a test prints its figures before its PASS line
	while read -r res rest; do
		case $res in
		FIGURE:) figs+="    $res $rest"$'\n' ;;
		PASS | FAIL | SKIP)
			record "$res" "$name/${rest%%:*}" "$(sed -n 's/^[^:]*: //p' <<<"$rest")"
			[ "$res" != PASS ] || printf '%s' "$figs"
			figs="" ;;
		esac
	done <<<"$out"
	if [ $rc -ne 0 ] && ! grep -q '^FAIL' <<<"$out"; then
		record FAIL "$name" "exited $rc: $(tail -3 <<<"$out")"
	fi
done

# Shell suites: tests/t_*.sh define test_* functions; each runs in a subshell
# with its own world, torn down by world_down even when it fails.
for suite in "${SUITES:-$TOP/tests}"/t_*.sh; do
	for fn in $(bash -c "source '$TOP/tests/lib.sh'; source '$suite'; declare -F" | awk '{print $3}' | grep '^test_'); do
		name="$(basename "$suite" .sh)/${fn#test_}"
		[ -n "$PATTERN" ] && [[ $name != *$PATTERN* ]] && continue
		log=$(mktemp)
		t0=$SECONDS
		(
			# shellcheck source=/dev/null
			source "$TOP/tests/lib.sh"
			# shellcheck source=/dev/null
			source "$suite"
			trap 'trap - ERR; set +e; world_down' EXIT
			# any failing command ends the test, and says which one
			set -eE -o pipefail
			shopt -s inherit_errexit
			test_pid=$BASHPID
			trap '[ "$BASHPID" != "$test_pid" ] || echo "FAILED ${BASH_SOURCE[0]##*/}:$LINENO: exit $? from: $BASH_COMMAND" >&2' ERR
			"$fn"
		) >"$log" 2>&1
		rc=$?
		took "$t0" "$name"
		if [ $rc -eq 0 ]; then
			record PASS "$name"
			figures <"$log"
		elif [ $rc -eq 77 ]; then
			record SKIP "$name" "$(tail -1 "$log")"
		else
			record FAIL "$name" "$(grep -m1 '^FAILED' "$log" || tail -1 "$log")"
			[ -n "${VERBOSE:-}" ] && sed 's/^/    /' "$log"
			keep_failure_log "$log" "$name"
		fi
		rm -f "$log"
	done
done

# Whole-program checks: sanitizers, fuzzing, the benchmark's smoke run.
run_check() { # name command...
	local name=$1 log t0=$SECONDS rc=0
	shift
	[ -n "$PATTERN" ] && [[ $name != *$PATTERN* ]] && return 0
	log=$(mktemp)
	"$@" >"$log" 2>&1 || rc=$?
	took "$t0" "$name"
	if [ "$rc" -eq 0 ]; then
		record PASS "$name"
		figures <"$log"
	else
		record FAIL "$name" "$(tail -1 "$log")"
		keep_failure_log "$log" "$name"
	fi
	rm -f "$log"
}
[ -n "$SUITES" ] || run_check "runner/selftest" bash "$TOP/tests/selftest/check.sh"
[ -n "$SUITES" ] || run_check "shellcheck" shellcheck -x "$TOP"/tests/*.sh "$TOP"/tests/selftest/*.sh \
	"$TOP"/tools/*.sh "$TOP"/tools/bench/*.sh "$TOP"/.ci/run
for bin in "$TOP"/.output/asan/tests/test_*; do
	[ -z "$SUITES" ] || break
	[ -x "$bin" ] || continue
	run_check "asan/$(basename "$bin")" "$bin"
done
# fuzz TARGET ARGS...: libFuzzer, then its "Done N runs in S second(s)" as a figure
fuzz() {
	local log rc=0
	log=$(mktemp)
	"$@" >"$log" 2>&1 || rc=$?
	cat "$log"
	[ "$rc" -ne 0 ] || echo "FIGURE: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$log" || echo "no run count printed")"
	rm -f "$log"
	return "$rc"
}
for f in "$TOP"/.output/fuzz/fuzz_*; do
	[ -z "$SUITES" ] || break
	[ -x "$f" ] || continue
	name=${f##*/fuzz_}
	work=$(mktemp -d)
	cp -r "$TOP/tests/fuzz/corpus/$name/." "$work/"
	run_check "fuzz/$name" fuzz "$f" -max_total_time="${FUZZ_SECS:-10}" -max_len=4096 \
		-artifact_prefix="$TOP/.output/fuzz/" "$work"
	rm -rf "$work"
done
if [ -z "$SUITES" ] && [ -z "${BPFNET_SKIP_MUTANTS:-}" ]; then
	run_check "mutants/subset" bash "$TOP/tools/mutants.sh" --subset
fi
# make demo's script end to end: each path it shows must have worked
demo() {
	local out
	out=$(bash "$TOP/tools/demo.sh" 2>&1) || { echo "$out"; echo "the demo exited non-zero"; return 1; }
	echo "$out"
	grep -q '^64 bytes from 172.19.0.2' <<<"$out" || { echo "the demo's containers did not reach each other"; return 1; }
	grep -q '^64 bytes from 198.51.100.2' <<<"$out" || { echo "the demo's container did not ping the outside"; return 1; }
	grep -q '^hello from the outside world$' <<<"$out" || { echo "the demo's container did not fetch from the outside"; return 1; }
	[ "$(grep -c '^hello from the web container$' <<<"$out")" -eq 4 ] ||
		{ echo "the published page was not fetched 4 times (outside, hairpin, host, live port)"; return 1; }
	[ "$(tail -4 <<<"$out" | head -2)" = '$ bn ls'$'\n''ID                   ADDRESS         MAC               HOST-IF         NETNS  PORTS' ] ||
		{ echo "containers left after the demo's deletes"; return 1; }
}
[ -n "$SUITES" ] || run_check "demo" demo
# the benchmark's smoke run; it keeps its raw figures
bench_quick() {
	rm -f "$TOP/.output/bench-quick.results"
	env BPFNET_BENCH_UNSHARED= bash "$TOP/tools/bench/run.sh" --quick || return 1
	[ -s "$TOP/.output/bench-quick.results" ] || { echo "no raw figures in .output/bench-quick.results"; return 1; }
}
if [ -x "$TOP/.output/connbench" ] && [ -z "${BPFNET_SKIP_BENCH:-}" ]; then
	run_check "bench/quick" bench_quick
fi

leftover=$(ip netns list 2>/dev/null | grep -c '^bnt' || true)
if [ "$leftover" -ne 0 ]; then
	record FAIL "cleanup" "$leftover test namespaces left behind"
fi
if [ -z "$SUITES" ]; then
	host_after=$(host_snapshot 2>&1)
	if [ "$host_after" = "$host_before" ]; then
		# a run of a few tests counts only theirs; a change fails any run
		if [ -z "$PATTERN" ] || [[ host-untouched == *$PATTERN* ]]; then
			record PASS "host-untouched"
		fi
	else
		record FAIL "host-untouched" "the root namespace's network changed: $(diff <(echo "$host_before") <(echo "$host_after") | grep '^[<>]' | head -3 | tr '\n' ' ')"
	fi
fi
[ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[*]}"
elapsed=$((SECONDS - started))
[ ! -s "$TIMES" ] || echo "slowest: $(sort -rn "$TIMES" | head -8 | awk '{printf "%s%s %d s", (NR > 1 ? ", " : ""), $2, $1}')"
echo "run time: $((elapsed / 60)) min $((elapsed % 60)) s"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
