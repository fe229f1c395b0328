#!/usr/bin/env bash
# The project around the binary: its help and version, make install, the
# make targets, the README's package list, and the documents' references to
# tests (docs/claims.md, docs/reliability.md, README.md) and the ledger's
# counts. No namespaces: only a scratch directory ($T, removed by world_down).

# The README's command lines ("bpfnet ls [-j] ...") and flags ("| `--bridge NAME` |").
readme_commands() { sed -n '/^## Commands/,/^## Flags/p' "$TOP/README.md" | sed -n 's/^bpfnet \([a-z]*\( add\| del\| ls\| show\| set\)\?\).*/\1/p' | grep -v '^help$'; }
readme_flags() { sed -n '/^## Flags/,/^## How it works/p' "$TOP/README.md" | grep '^| `-' | cut -d'|' -f2 | grep -oE -- '-(-[a-z0-9-]+|[a-z])'; }

test_help_and_version() {
	local help
	help=$("$BPFNET" help)
	assert_contains "$help" "Usage: bpfnet [FLAGS] COMMAND [ARGS] [FLAGS]"
	local c f n=0
	for c in $(readme_commands | tr ' ' '_') help version; do
		grep -qE "^  bpfnet ${c//_/ }( |$)" <<<"$help" || fail "bpfnet help does not list '${c//_/ }'"
		n=$((n + 1))
	done
	assert_ge "$n" 10 "commands in the README"
	for f in $(readme_flags); do
		grep -qE -- "(^| )$f( |,|$)" <<<"$help" || fail "bpfnet help does not list $f"
		n=$((n + 1))
	done
	assert_ge "$n" 24 "commands and flags in the README"
	assert_eq "$("$BPFNET" help 2>&1 >/dev/null)" "" "bpfnet help on stderr"
	# version: one line on stdout, exit 0
	"$BPFNET" version | grep -qxE 'bpfnet [0-9]+\.[0-9]+\.[0-9]+' || fail "bpfnet version printed: $("$BPFNET" version 2>&1)"
}

# The shape of the code (issue "shape before growth"): no product file over
# 600 lines, no function over 80, and no cycle among user/ modules (a module
# is a .c and its .h; an arrow for each #include of another module's header).
test_code_shape() {
	local f n long=0 files=0
	T=$(mktemp -d /tmp/bpfnet-test.XXXXXX)
	for f in "$TOP"/user/*.[ch] "$TOP"/bpf/*.[ch] "$TOP"/include/*.h; do
		n=$(wc -l <"$f")
		[ "$n" -le 600 ] || fail "${f#"$TOP"/} has $n lines (over 600)"
		files=$((files + 1))
	done
	# kernel style: a definition starts in column 0 and ends at "}" there
	long=$(awk 'FNR == 1 { start = 0 }
		/^[a-z_][^;]*\(/ && !/;$/ { start = FNR; name = FILENAME ": " $0 }
		/^}/ && start { if (FNR - start > 80) print name " (" FNR - start " lines)"; start = 0 }' \
		"$TOP"/user/*.c "$TOP"/bpf/*.c "$TOP"/bpf/*.h)
	assert_eq "$long" "" "functions over 80 lines"
	local edges
	edges=$(cd "$TOP/user" && for f in *.[ch]; do
		sed -n 's/^#include "\(.*\)\.h"/\1/p' "$f" | while read -r to; do
			if [ -e "$to.h" ] && [ "$to" != "${f%.[ch]}" ]; then echo "${f%.[ch]} $to"; fi
		done
	done)
	assert_ge "$(wc -l <<<"$edges")" 40 "include arrows found"
	tsort <<<"$edges" >/dev/null 2>"$T/tsort" || fail "a cycle among user/ modules: $(cat "$T/tsort")"
	echo "FIGURE: $files files of at most 600 lines, no function over 80 lines, $(wc -l <<<"$edges") include arrows without a cycle"
}

# Every mutant still applies to the code it breaks (make test runs only
# four of them; a patch that code moved away from would go unnoticed).
test_mutants_apply() {
	local p n=0
	for p in "$TOP"/tests/mutants/*.patch; do
		git -C "$TOP" apply --check -p1 "$p" 2>/dev/null || fail "${p##*/} no longer applies"
		grep -q '^Test: ' "$p" || fail "${p##*/} names no test"
		n=$((n + 1))
	done
	assert_ge "$n" 30 "mutants"
	echo "FIGURE: $n mutants, each applying to the tree and naming its test"
}

# The files the README's "Install" lists, under PREFIX=/usr.
readme_install_list() { sed -n '/^## Install/,/^## Using/p' "$TOP/README.md" | grep -E '^/usr/' | sort; }

# make install lays out the README's list under PREFIX (and DESTDIR), with
# its modes: the built binary, the committed man pages and completion, a
# systemd unit running the installed binary.
test_make_install_prefix_destdir() {
	local listed f
	T=$(mktemp -d /tmp/bpfnet-test.XXXXXX)
	listed=$(readme_install_list)
	assert_ge "$(count_lines <<<"$listed")" 10 "files in the README's install list"
	make -s -C "$TOP" install DESTDIR="$T/pkgroot" PREFIX=/usr >/dev/null
	make -s -C "$TOP" install DESTDIR="$T/default" >/dev/null
	assert_eq "$(cd "$T/pkgroot" && find . -type f | sed 's/^\.//' | sort)" "$listed" "files installed with PREFIX=/usr"
	assert_eq "$(cd "$T/default" && find . -type f | sed 's/^\.//' | sort)" "${listed//\/usr\//\/usr\/local\/}" "files installed by default"
	while read -r f; do
		case $f in
		*/bin/bpfnet) assert_eq "$(stat -c %a "$T/pkgroot$f")" 755 "mode of $f" ;;
		*) assert_eq "$(stat -c %a "$T/pkgroot$f")" 644 "mode of $f" ;;
		esac
	done <<<"$listed"
	assert_eq "$(grep ^ExecStart= "$T/pkgroot/usr/lib/systemd/system/bpfnet-watch.service")" "ExecStart=/usr/bin/bpfnet watch" "the watch unit runs the installed binary"
	cmp "$TOP/bpfnet" "$T/pkgroot/usr/bin/bpfnet" || fail "PREFIX=/usr: not the built binary"
	cmp "$TOP/bpfnet" "$T/default/usr/local/bin/bpfnet" || fail "default prefix: not the built binary"
	for f in "$TOP"/docs/bpfnet.8 "$TOP"/docs/man/*.8; do
		cmp "$f" "$T/pkgroot/usr/share/man/man8/${f##*/}" || fail "PREFIX=/usr: not ${f#"$TOP"/}"
	done
	cmp "$TOP/docs/bash-completion/bpfnet" "$T/pkgroot/usr/share/bash-completion/completions/bpfnet" ||
		fail "PREFIX=/usr: not docs/bash-completion/bpfnet"
	echo "FIGURE: make install lays out the README's $(count_lines <<<"$listed") files, with their modes"
}

# docs/bpfnet.8 and docs/man/bpfnet-*.8 are what the binary writes from its
# tables (make man): one page per top-level command and per extra topic
# (cni), no page more; the main page names every command and flag of
# bpfnet help and every other page; groff reads each cleanly.
test_man_page_matches_tables() {
	local man diffs line t topics n=0
	man=$("$BPFNET" help --man)
	diffs=$(diff <("$BPFNET" help --man) "$TOP/docs/bpfnet.8") ||
		fail "docs/bpfnet.8 is not what 'bpfnet help --man' writes (run make man): $(head -5 <<<"$diffs")"
	# help's "  bpfnet port add ID SPEC   ..." and "  -j, --json   ..." lines
	while read -r line; do
		grep -qxF ".B ${line//-/\\-}" <<<"$man" || fail "the man page does not list '$line'"
		n=$((n + 1))
	done < <("$BPFNET" help | sed -n 's/^  \(bpfnet \)\?\([a-z-][^ ].*\)/\2/p' | sed 's/  .*//')
	assert_ge "$n" 23 "commands and flags of bpfnet help in the man page"
	for line in "snat\\-ports, snat_ports, snatPorts" "state\\-dir, state_dir, stateDir" "pin\\-dir, pin_dir, pinDir" allowedHostPorts; do
		grep -qxF ".B $line" <<<"$man" || fail "the man page does not list the config key '$line'"
	done
	assert_eq "$(groff -man -Tutf8 -ww -z "$TOP/docs/bpfnet.8" 2>&1)" "" "groff's warnings"
	# a page per topic: every command of bpfnet help, and cni
	topics=$("$BPFNET" help --topics)
	for t in $("$BPFNET" help | sed -n 's/^  bpfnet \([a-z-]*\).*/\1/p' | sort -u) cni; do
		grep -qxF "$t" <<<"$topics" || fail "'$t' has no page (bpfnet help --topics: $(tr '\n' ' ' <<<"$topics"))"
	done
	assert_eq "$(find "$TOP/docs/man" -type f -printf '%f\n' | sort | tr '\n' ' ')" \
		"$(while read -r t; do echo "bpfnet-$t.8"; done <<<"$topics" | sort | tr '\n' ' ')" "pages in docs/man"
	for t in $topics; do
		diffs=$(diff <("$BPFNET" help --man "$t") "$TOP/docs/man/bpfnet-$t.8") ||
			fail "docs/man/bpfnet-$t.8 is not what 'bpfnet help --man $t' writes (run make man): $(head -5 <<<"$diffs")"
		assert_eq "$(groff -man -Tutf8 -ww -z "$TOP/docs/man/bpfnet-$t.8" 2>&1)" "" "groff's warnings on bpfnet-$t.8"
		grep -qxF ".BR bpfnet\\-$t (8)," <<<"$man" || fail "bpfnet(8) does not name bpfnet-$t(8) in SEE ALSO"
		n=$((n + 1))
	done
	echo "FIGURE: bpfnet(8) and $(count_lines <<<"$topics") command pages match the tables and read cleanly"
}

# make test, demo, mutants and test-long install what is missing first,
# then build and run (test-long: every mutant after the tests).
test_make_targets_install_deps_first() {
	local t plan deps run
	for t in test:tests/run.sh demo:tools/demo.sh mutants:tools/mutants.sh test-long:tests/run.sh test-long:tools/mutants.sh; do
		plan=$(make -n -C "$TOP" "${t%%:*}")
		deps=$(awk '/tools\/install-deps\.sh/ {print NR; exit}' <<<"$plan")
		run=$(awk -v r="bash ${t#*:}" 'index($0, r) {print NR; exit}' <<<"$plan")
		[ -n "$deps" ] || fail "make ${t%%:*} does not run tools/install-deps.sh"
		[ -n "$run" ] || fail "make ${t%%:*} does not run ${t#*:}"
		[ "$deps" -lt "$run" ] || fail "make ${t%%:*} runs ${t#*:} before tools/install-deps.sh"
	done
}

# The README's build dependencies are what tools/install-deps.sh installs
# for the build, and they are installed Debian packages.
test_readme_build_dependencies() {
	local readme script p
	readme=$(sed -n '/^Build dependencies, all Debian 12 packages:/,/\.$/p' "$TOP/README.md" |
		sed 's/^Build dependencies, all Debian 12 packages://; s/\.$//' | tr ',' '\n' | tr -d ' ' | grep . | sort)
	script=$(sed -n '/^BUILD_PKGS="/,/"$/p' "$TOP/tools/install-deps.sh" | sed 's/BUILD_PKGS=//' | tr -d '"' | tr ' ' '\n' | grep . | sort)
	assert_eq "$(tr '\n' ' ' <<<"$readme")" "$(tr '\n' ' ' <<<"$script")" "README's build packages vs install-deps.sh"
	for p in $readme; do
		assert_eq "$(dpkg-query -W -f='${Status}' "$p" 2>&1)" "install ok installed" "package $p"
	done
}

# names_a_test NAME: does the test a document names exist? t_SUITE/NAME, test_BIN/test_NAME,
# asan/test_BIN, fuzz/TARGET, a bare test_NAME, or a check of tests/run.sh.
names_a_test() {
	local n=$1 suite
	case $n in
	t_*/\*) [ -f "$TOP/tests/${n%%/*}.sh" ] ;;
	t_*/*) suite=${n%%/*}; suite=${suite%.sh}
		grep -qs "^test_${n#*/}() {" "$TOP/tests/$suite.sh" "$TOP/tests/selftest/$suite.sh" ;;
	test_*/\* | test_*/test_\*) [ -f "$TOP/tests/unit/${n%%/*}.c" ] ;;
	test_*/test_*) grep -q "CHECK_TEST(${n#*/})" "$TOP/tests/unit/${n%%/*}.c" ;;
	asan/test_\*) true ;;
	asan/test_*) [ -f "$TOP/tests/unit/${n#asan/}.c" ] ;;
	fuzz/*) [ -f "$TOP/tests/fuzz/fuzz_${n#fuzz/}.c" ] ;;
	test_*) grep -q "^$n() {" "$TOP"/tests/t_*.sh || grep -q "CHECK_TEST($n)" "$TOP"/tests/unit/*.c ||
		[ -f "$TOP/tests/unit/$n.c" ] ;;
	*) grep -q "\"$n\"" "$TOP/tests/run.sh" ;;
	esac
}

test_docs_name_existing_tests() {
	local doc n checked=0
	for doc in README.md docs/reliability.md docs/claims.md; do
		# shellcheck disable=SC2016  # backticks of Markdown
		for n in $(grep -oE '`[^`]+`' "$TOP/$doc" | tr -d '`' | sort -u |
			grep -E '^(t_[a-z0-9]+(\.sh)?/[a-z0-9_*]+|test_[a-z0-9_]+(/[a-z0-9_*]+)?|asan/test_[a-z*]+|fuzz/[a-z]+|runner/selftest|mutants/subset|bench/quick|cleanup|host-untouched|demo|shellcheck)$'); do
			names_a_test "$n" || fail "$doc names $n, which is no test"
			checked=$((checked + 1))
		done
	done
	assert_ge "$checked" 100 "test names checked"
	echo "FIGURE: $checked test names in README.md, docs/reliability.md and docs/claims.md, each an existing test"
}

# docs/claims.md: every row's status is tested, measured or removed, and
# the counts at its top are those of its rows.
test_claims_ledger_counts() {
	local rows statuses line
	rows=$(grep -E '^\| ' "$TOP/docs/claims.md" | grep -vE '^\| claim \| where' | grep -vE '^\|---')
	statuses=$(awk -F'|' '{gsub(/ /, "", $(NF - 1)); print $(NF - 1)}' <<<"$rows")
	assert_eq "$(awk '!/^(tested|measured|removed)$/' <<<"$statuses" | sort | uniq -c | tr -s ' \n' ' ')" "" "statuses other than tested, measured, removed"
	line="$(count_lines . <<<"$statuses") rows: $(count_lines '^tested$' <<<"$statuses") tested, $(count_lines '^measured$' <<<"$statuses") measured, $(count_lines '^removed$' <<<"$statuses") removed."
	grep -qxF "$line" "$TOP/docs/claims.md" || fail "docs/claims.md does not say: $line"
	echo "FIGURE: claims ledger: $line"
}
