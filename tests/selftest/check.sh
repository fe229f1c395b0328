#!/usr/bin/env bash
# The runner's self-test: run the throwaway suite beside this file and check
# that every failure in the middle of a test is reported FAIL, with its
# reason, and that the run exits non-zero; that a passing test's FIGURE:
# lines (and nothing else of its output) follow its PASS line; that a
# PATTERN runs only the tests whose name contains it (for the C tests: the
# binary's name).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
out=$(SUITES="$TOP/tests/selftest" bash "$TOP/tests/run.sh" 2>&1)
rc=$?
bad=0
expect() { # what pattern
	if ! grep -qE -- "$2" <<<"$out"; then
		echo "self-test: $1: no line matching '$2'"
		bad=1
	fi
}
expect "a passing test passes" '^PASS t_selftest/a_passes$'
expect "a failed assert mid-test, with both values" \
	"^FAIL t_selftest/b_assert_fails_before_a_passing_line: FAILED t_selftest.sh:[0-9]+: mid-test check: expected 'want-that', got 'got-this'$"
expect "a failing command inside \$(...)" '^FAIL t_selftest/c_command_fails_inside_substitution: FAILED t_selftest.sh:[0-9]+: exit 1 from: x=\$\(false; echo after\)'
expect "a failing pipeline stage" '^FAIL t_selftest/d_pipeline_stage_fails: FAILED t_selftest.sh:[0-9]+: exit 1 from: cat'
expect "an assert inside a helper under ||" "^FAIL t_selftest/e_assert_inside_helper_in_or_list: FAILED t_selftest.sh:[0-9]+: inside a helper: expected '3', got '2'"
expect "a plain failing command" '^FAIL t_selftest/f_plain_command_fails: FAILED t_selftest.sh:[0-9]+: exit 1 from: grep -q needle'
expect "wait_for past its deadline" '^FAIL t_selftest/g_wait_for_times_out: FAILED t_selftest.sh:[0-9]+: timed out after 1s waiting for: false'
expect "a skip says why" '^SKIP t_selftest/h_skips: nothing to do here$'
expect "the run time" '^run time: [0-9]+ min [0-9]+ s$'
expect "the summary, last" '^1 passed, 6 failed, 1 skipped$'
if [ "$(tail -1 <<<"$out")" != "1 passed, 6 failed, 1 skipped" ]; then
	echo "self-test: the summary is not the last line"
	bad=1
fi
if [ "$(grep -A1 '^PASS t_selftest/a_passes$' <<<"$out" | tail -1)" != "    FIGURE: 42 widgets per second" ]; then
	echo "self-test: a passing test's figure does not follow its PASS line"
	bad=1
fi
if grep -q "chatter" <<<"$out"; then
	echo "self-test: a passing test's other output was shown"
	bad=1
fi
if [ "$rc" -eq 0 ]; then
	echo "self-test: the run exited 0 with failures in it"
	bad=1
fi
# PATTERN: only the tests whose name contains it
one=$(SUITES="$TOP/tests/selftest" bash "$TOP/tests/run.sh" pipeline_stage 2>&1)
if [ "$(grep -E '^(PASS|FAIL|SKIP) ' <<<"$one" | cut -d: -f1)" != "FAIL t_selftest/d_pipeline_stage_fails" ] ||
	[ "$(tail -1 <<<"$one")" != "0 passed, 1 failed, 0 skipped" ]; then
	echo "self-test: PATTERN pipeline_stage did not run exactly t_selftest/d_pipeline_stage_fails"
	while IFS= read -r line; do echo "  | $line"; done <<<"$one"
	bad=1
fi
# for the C tests PATTERN matches the binary's name: test_oci runs that
# binary (and its ASan build) only
one=$(bash "$TOP/tests/run.sh" test_oci 2>&1)
if [ "$(grep -E '^(PASS|FAIL|SKIP) ' <<<"$one" | grep -cvE '^PASS (test_oci/|asan/test_oci$)')" -ne 0 ] ||
	! grep -q '^PASS test_oci/' <<<"$one"; then
	echo "self-test: PATTERN test_oci did not run exactly the test_oci binary"
	while IFS= read -r line; do echo "  | $line"; done <<<"$one"
	bad=1
fi
# and a packet test binary takes test names itself
one=$("$TOP/.output/tests/test_datapath" test_fragments 2>&1)
if [ "$one" != "PASS test_fragments" ]; then
	echo "self-test: test_datapath test_fragments did not run that one test"
	while IFS= read -r line; do echo "  | $line"; done <<<"$one"
	bad=1
fi
if [ "$bad" -ne 0 ]; then
	while IFS= read -r line; do echo "  | $line"; done <<<"$out"
	exit 1
fi
echo "FIGURE: runner self-test: 6 failure kinds, a skip and a pass reported as expected (exit $rc); figures shown; PATTERN selects shell tests and C binaries"
