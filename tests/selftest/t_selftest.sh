#!/usr/bin/env bash
# A throwaway suite for the runner's self-test (tests/selftest/check.sh):
# each test but the first must be reported as it says, never as PASS.
# shellcheck disable=SC2317  # functions are found and called by the runner

test_a_passes() {
	echo "chatter that only a failure would show"
	echo "FIGURE: 42 widgets per second"
	assert_eq 1 1 "one is one"
	true
}

test_b_assert_fails_before_a_passing_line() {
	assert_eq "got-this" "want-that" "mid-test check"
	true
}

test_c_command_fails_inside_substitution() {
	local x
	x=$(false; echo after)
	echo "not reached: $x"
}

test_d_pipeline_stage_fails() {
	false | cat
	true
}

test_e_assert_inside_helper_in_or_list() {
	helper() { assert_eq 2 3 "inside a helper"; return 0; }
	helper || true	# fail exits: an || cannot swallow it
	true
}

test_f_plain_command_fails() {
	grep -q needle <<<"haystack"
	true
}

test_g_wait_for_times_out() {
	wait_for 1 false
	true
}

test_h_skips() {
	echo "nothing to do here"
	exit 77
}
