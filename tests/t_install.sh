#!/usr/bin/env bash
# bpfnet installed as a system tool: the oci-hooks(5) file and the CNI
# example that make install lays out, make uninstall, one page per command
# that says what `bpfnet help COMMAND` says, and the bash completion. No
# namespaces: only a scratch directory ($T, removed by world_down).

# Text of stdin on one line, blanks squeezed, none at either end.
one_line() { tr '\n' ' ' | tr -s ' ' | sed 's/^ //; s/ $//'; }

# A man page's text without its requests and font changes, on one line.
deroff() {
	sed -e '/^\.\\"/d' -e 's/^\.\(B\|BR\|I\) //' -e '/^\./d' |
		sed -e 's/\\f[BIR]//g' -e 's/\\&//g' -e 's/\\-/-/g' -e 's/\\e/\\/g' | one_line
}

# install_into DIR PREFIX: make install there, quietly.
install_into() { make -s -C "$TOP" install DESTDIR="$1" PREFIX="$2" >/dev/null; }

# The hooks.d file is valid oci-hooks(5) 1.0.0 JSON whose hook is the
# installed binary (under another PREFIX too) run as `bpfnet hook`, with a
# timeout, at a set-up stage and at poststop, for containers annotated
# bpfnet.network=true, the annotation the README documents.
test_hooks_d_file_runs_installed_binary() {
	local f path key value
	T=$(mktemp -d /tmp/bpfnet-test.XXXXXX)
	install_into "$T/root" /opt/bn
	f=$T/root/opt/bn/share/containers/oci/hooks.d/bpfnet.json
	jq -e . "$f" >/dev/null || fail "hooks.d/bpfnet.json is not JSON: $(head -3 "$f")"
	assert_eq "$(jq -r .version "$f")" 1.0.0 "hooks.d format version"
	path=$(jq -r .hook.path "$f")
	assert_eq "$path" /opt/bn/bin/bpfnet "the hook's path"
	[ -x "$T/root$path" ] || fail "the hook's path $path is no installed executable"
	cmp "$TOP/bpfnet" "$T/root$path" || fail "the hook's path is not the built binary"
	assert_eq "$(jq -c .hook.args "$f")" '["bpfnet","hook"]' "the hook's args"
	assert_eq "$(jq -r '.hook.timeout | type' "$f")" number "type of the hook's timeout"
	assert_ge "$(jq -r .hook.timeout "$f")" 5 "the hook's timeout (s)"
	assert_eq "$(jq -c '.stages | sort' "$f")" '["createRuntime","poststop"]' "the hook's stages"
	assert_eq "$(jq -r '.when.annotations | length' "$f")" 1 "annotations the hook matches"
	key=$(jq -r '.when.annotations | keys[0]' "$f")
	grep -qE "$key" <<<bpfnet.network || fail "the annotation regex '$key' does not match bpfnet.network"
	refute "the annotation regex '$key' matches bpfnet.networks" grep -qE "$key" <<<bpfnet.networks
	value=$(jq -r '.when.annotations[]' "$f")
	grep -qE "$value" <<<true || fail "the value regex '$value' does not match true"
	refute "the value regex '$value' matches false" grep -qE "$value" <<<false
	# shellcheck disable=SC2016  # backticks of Markdown
	grep -q '^| `bpfnet.network` | `"true"`' "$TOP/README.md" || fail "the README does not document the annotation bpfnet.network"
}

# The example CNI configuration list is JSON, names the plugin "bpfnet", and
# has exactly the keys bpfnet-cni(8) documents, with portMappings.
test_cni_example_conflist() {
	local f keys k help
	T=$(mktemp -d /tmp/bpfnet-test.XXXXXX)
	install_into "$T/root" /usr
	f=$T/root/usr/share/doc/bpfnet/examples/bpfnet.conflist
	jq -e . "$f" >/dev/null || fail "bpfnet.conflist is not JSON"
	assert_eq "$(jq -r '.plugins | length' "$f")" 1 "plugins in the example"
	assert_eq "$(jq -r '.plugins[0].type' "$f")" bpfnet "the plugin's type"
	assert_eq "$(jq -r '.plugins[0].capabilities.portMappings' "$f")" true "the portMappings capability"
	keys=$(jq -r '.plugins[0] | keys[]' "$f" | sort | one_line)
	assert_eq "$keys" "bridge capabilities isolate mtu pinDir snatPorts stateDir subnet type uplink" "the plugin's keys"
	help=$("$BPFNET" help cni)
	for k in $keys; do
		grep -qE "^  $k( |$)" <<<"$help" || fail "bpfnet help cni does not describe the key $k"
	done
	for k in ADD DEL CHECK VERSION GC STATUS; do
		assert_contains "$help" "$k"
	done
}

# make uninstall removes what make install laid out and leaves other files,
# also in the folders they share.
test_uninstall_removes_only_its_files() {
	local others d
	T=$(mktemp -d /tmp/bpfnet-test.XXXXXX)
	for d in bin share/man/man8 share/bash-completion/completions share/containers/oci/hooks.d \
		share/doc/other lib/systemd/system; do
		mkdir -p "$T/root/usr/$d"
		echo other >"$T/root/usr/$d/other"
	done
	others=$(cd "$T/root" && find . | sort)
	install_into "$T/root" /usr
	assert_ge "$(cd "$T/root" && find . -name '*bpfnet*' -type f | count_lines)" 10 "files installed"
	make -s -C "$TOP" uninstall DESTDIR="$T/root" PREFIX=/usr >/dev/null
	assert_eq "$(cd "$T/root" && find . | sort)" "$others" "what is left after make uninstall"
}

# check_block TOPIC PAGE BLOCK: the page (as deroff gives it) says what a
# block of `bpfnet help TOPIC` (lines up to a blank one) says.
check_block() {
	local t=$1 page=$2 para=$3 lines line
	case $para in
	Usage:*) lines=$(sed 's/^Usage: *//; s/^ *//' <<<"$para") ;;	# a form a line
	Commands:*) lines=$(sed '1d; s/^  bpfnet //' <<<"$para" | one_line) ;;
	"Configuration keys:"*) lines=$(sed 1d <<<"$para" | one_line) ;;
	"Every flag"* | "Manual page"*) assert_contains "$para" "Manual page: bpfnet-$t(8)."; return 0 ;;
	*) lines=$(one_line <<<"$para"); desc+=${desc:+ }$lines ;;	# prose
	esac
	while read -r line; do
		[[ $page == *"$line"* ]] || fail "bpfnet-$t(8) does not say: $line"
	done <<<"$lines"
}

# bpfnet help TOPIC says what the page bpfnet-TOPIC(8) says, for every
# topic: the summary, each form, each paragraph, each sub-command and key;
# the page's DESCRIPTION is help's prose (or its summary), no more.
test_help_command_agrees_with_page() {
	local t out page line block checked=0 err desc summary
	T=$(mktemp -d /tmp/bpfnet-test.XXXXXX)
	for t in $("$BPFNET" help --topics); do
		desc=""
		out=$("$BPFNET" help "$t" 2>"$T/err")
		assert_eq "$(cat "$T/err")" "" "bpfnet help $t on stderr"
		page=$("$BPFNET" help --man "$t" | deroff)
		assert_contains "$(head -1 <<<"$out")" "bpfnet $t: "
		[[ $page == *"bpfnet-$t - $(head -1 <<<"$out" | sed "s/^bpfnet $t: //")"* ]] ||
			fail "bpfnet-$t(8)'s NAME is not '$(head -1 <<<"$out")'"
		block=""
		while IFS= read -r line; do
			if [ -n "$line" ]; then
				block+=${block:+$'\n'}$line
				continue
			fi
			[ -z "$block" ] || { check_block "$t" "$page" "$block"; checked=$((checked + 1)); }
			block=""
		done < <(tail -n +3 <<<"$out"; echo)
		summary=$(head -1 <<<"$out" | sed "s/^bpfnet $t: //")
		assert_eq "$("$BPFNET" help --man "$t" | sed -n '/^\.SH DESCRIPTION/,/^\.SH/p' | sed '1d; $d' | deroff)" \
			"${desc:-$summary.}" "bpfnet-$t(8)'s DESCRIPTION"
	done
	assert_ge "$checked" 40 "blocks of help text found in the pages"
	err=$("$BPFNET" help nosuch 2>&1 >/dev/null) && fail "bpfnet help nosuch succeeded"
	assert_eq "$err" "bpfnet: no help for 'nosuch': not a command (see 'bpfnet help')" "bpfnet help nosuch"
	echo "FIGURE: $checked blocks of bpfnet help TOPIC found in the pages, for $("$BPFNET" help --topics | count_lines) topics"
}

# complete SCRIPT WORD...: what the completion function in SCRIPT offers on
# the command line "bpfnet WORD..." with the cursor on the last word, sorted.
complete() {
	local script=$1
	shift
	# shellcheck disable=SC2016  # expanded by the inner bash
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _bpfnet
		[ "${#COMPREPLY[@]}" -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' _ "$script" bpfnet "$@" | sort | one_line
}

# The completion the binary writes offers every command of bpfnet help, every
# flag, the sub-commands of each group, the topics of help, the keys of net
# set; command words after flags and their values; names for a flag's value.
test_completion_offers_every_command_and_flag() {
	local help c cmds flags subs
	T=$(mktemp -d /tmp/bpfnet-test.XXXXXX)
	"$BPFNET" help --completion >"$T/completion"
	help=$("$BPFNET" help)
	cmds=$(sed -n 's/^  bpfnet \([a-z-]*\).*/\1/p' <<<"$help" | sort -u | one_line)
	assert_ge "$(wc -w <<<"$cmds")" 11 "commands in bpfnet help"
	assert_eq "$(complete "$T/completion" "")" "$cmds" "bpfnet <TAB>"
	flags=$(grep -oE -- '^  (-[a-z], )?--[a-z0-9-]+' <<<"$help" | grep -oE -- '-(-[a-z0-9-]+|[a-z])' | sort | one_line)
	assert_ge "$(wc -w <<<"$flags")" 17 "flags in bpfnet help"
	assert_eq "$(complete "$T/completion" -)" "$flags" "bpfnet -<TAB>"
	assert_eq "$(complete "$T/completion" port add ID --)" "$(tr ' ' '\n' <<<"$flags" | grep -- '^--' | one_line)" \
		"bpfnet port add ID --<TAB>"
	# the groups: commands with sub-commands, "  bpfnet port add ID SPEC ..."
	for c in $(sed -n 's/^  bpfnet \([a-z-]*\) [a-z-]\+\( .*\)\?$/\1/p' <<<"$help" | sort -u | one_line); do
		subs=$(sed -n "s/^  bpfnet $c \\([a-z-]*\\)\\( .*\\)\\?$/\\1/p" <<<"$help" | sort | one_line)
		assert_eq "$(complete "$T/completion" "$c" "")" "$subs" "bpfnet $c <TAB>"
		assert_eq "$(complete "$T/completion" --bridge br1 -j "$c" "")" "$subs" "bpfnet --bridge br1 -j $c <TAB>"
	done
	assert_eq "$(complete "$T/completion" port "")" "add del ls" "bpfnet port <TAB>"
	assert_eq "$(complete "$T/completion" net set "")" "flow-table-size isolate nat6 no-masquerade snat-ports subnet subnet6 uplink" "bpfnet net set <TAB>"
	assert_eq "$(complete "$T/completion" help "")" "$("$BPFNET" help --topics | sort | one_line)" "bpfnet help <TAB>"
	assert_eq "$(complete "$T/completion" ls "")" "" "bpfnet ls <TAB>"
	mkdir "$T/dir1"
	touch "$T/file1"
	assert_eq "$(complete "$T/completion" --state-dir "$T/")" "$T/dir1" "bpfnet --state-dir $T/<TAB>"
	assert_eq "$(complete "$T/completion" ls --config "$T/f")" "$T/file1" "bpfnet ls --config $T/f<TAB>"
	assert_contains "$(complete "$T/completion" --uplink l)" lo
	assert_eq "$(complete "$T/completion" --mtu "")" "" "bpfnet --mtu <TAB>"
	echo "FIGURE: the completion offers $(wc -w <<<"$cmds") commands and $(wc -w <<<"$flags") flags"
}

# docs/bash-completion/bpfnet (what make install lays out) is what the
# binary writes (make man); bash reads it, shellcheck finds nothing.
test_completion_matches_tables() {
	local diffs
	diffs=$(diff <("$BPFNET" help --completion) "$TOP/docs/bash-completion/bpfnet") ||
		fail "docs/bash-completion/bpfnet is not what 'bpfnet help --completion' writes (run make man): $(head -5 <<<"$diffs")"
	bash -n "$TOP/docs/bash-completion/bpfnet" || fail "bash cannot read docs/bash-completion/bpfnet"
	shellcheck -s bash "$TOP/docs/bash-completion/bpfnet" || fail "shellcheck finds fault with docs/bash-completion/bpfnet"
}
