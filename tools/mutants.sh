#!/usr/bin/env bash
# Mutation tests: each tests/mutants/*.patch breaks one published guarantee
# and names the test that must catch it ("Test: NAME" in its header). Each is
# applied to a scratch copy of the tree, built, and the named test run there:
# "killed" when the test fails, "SURVIVED" when it passes.
#   tools/mutants.sh            every mutant (make mutants)
#   tools/mutants.sh --subset   the fixed subset that make test runs
#   tools/mutants.sh FILE...    the given patches
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
# the subset: one BPF mutant and three user-space ones, quick to build and run
SUBSET="01-spoofed-mac-passes 04-port-conflict-not-checked 09-state-dir-not-private 12-static-address-not-checked"

patches=()
if [ "${1:-}" = --subset ]; then
	for m in $SUBSET; do patches+=("$TOP/tests/mutants/$m.patch"); done
elif [ $# -gt 0 ]; then
	patches=("$@")
else
	patches=("$TOP"/tests/mutants/*.patch)
fi

scratch=$(mktemp -d /tmp/bpfnet-mutant.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
killed=0 survived=0 broken=0
for patch in "${patches[@]}"; do
	name=$(basename "$patch" .patch)
	test=$(sed -n 's/^Test: //p' "$patch" | head -1)
	if [ -z "$test" ]; then
		echo "BROKEN   $name: no 'Test:' line"
		broken=$((broken + 1))
		continue
	fi
	# a copy with the current build output, so only what the patch touches rebuilds
	rm -rf "$scratch/tree"
	mkdir -p "$scratch/tree"
	tar -C "$TOP" --exclude=./.git -cf - . | tar -C "$scratch/tree" -xf -
	if ! (cd "$scratch/tree" && git apply -p1 "$patch") 2>"$scratch/apply.log"; then
		echo "BROKEN   $name: does not apply: $(head -1 "$scratch/apply.log")"
		broken=$((broken + 1))
		continue
	fi
	targets="all .output/bpfnet-testing"
	[[ $test != test_* ]] || targets="$targets unit"	# a C unit test
	# shellcheck disable=SC2086
	if ! make -s -C "$scratch/tree" $targets >"$scratch/build.log" 2>&1; then
		echo "BROKEN   $name: does not build: $(grep -m1 error "$scratch/build.log")"
		broken=$((broken + 1))
		continue
	fi
	out=$(cd "$scratch/tree" && BPFNET_SKIP_BENCH=1 bash tests/run.sh "$test" 2>&1)
	summary=$(tail -1 <<<"$out")
	if [[ $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed ]] && [ "${BASH_REMATCH[2]}" -gt 0 ]; then
		echo "killed   $name by $test: $(grep -m1 '^FAIL' <<<"$out" | cut -c1-160)"
		killed=$((killed + 1))
	elif [[ $summary =~ ^([0-9]+)\ passed ]] && [ "${BASH_REMATCH[1]}" -gt 0 ]; then
		echo "SURVIVED $name: $test passed with it applied"
		survived=$((survived + 1))
	else
		echo "BROKEN   $name: $test ran no test ($summary)"
		broken=$((broken + 1))
	fi
done
echo "FIGURE: mutants: $killed killed, $survived survived, $broken broken"
[ "$survived" -eq 0 ] && [ "$broken" -eq 0 ]
