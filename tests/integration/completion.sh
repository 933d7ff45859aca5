#!/bin/sh
# Shell completion (contrib/completion/proctrail.bash) and the --list-options
# it reads: every option listed is one the parser takes and the man page
# documents, every option a query command refuses is left out, and the script
# completes commands, options and values from the binary's own lists.
. "$top_srcdir/tests/integration/lib.sh"
: "${PROCTRAILD:=$top_builddir/proctraild}"
need_cmd bash
need_cmd timeout

SCRIPT=$top_srcdir/contrib/completion/proctrail.bash
MAN1=$top_srcdir/man/proctrail.1
MAN8=$top_srcdir/man/proctraild.8

# The long options a man page documents: the --NAME on the tag line of each
# .TP entry (roff's \- unescaped).
man_opts() {
	awk '/^\.TP/ { tag = 1; next } tag { print; tag = 0 }' "$1" |
		sed 's/\\-/-/g' | grep -o -- '--[a-z][a-z0-9-]*' | sort -u
}
man_opts "$MAN1" >"$T/man1"
man_opts "$MAN8" >"$T/man8"

"$PROCTRAIL" --list-options >"$T/top" || fail "--list-options exits $?"
grep -v '^-' "$T/top" >"$T/cmds"
grep -qx watch "$T/cmds" && grep -qx ps "$T/cmds" && grep -qx history "$T/cmds" ||
	fail "--list-options lists no watch, ps or history: $(tr '\n' ' ' <"$T/cmds")"
# the hidden option itself is for the scripts, not a choice offered to users
grep -qx -- '--list-options' "$T/top" && fail "--list-options lists itself"
"$PROCTRAIL" --help | grep -q -- '--list-options' && fail "--help shows --list-options"
grep -q 'list\\-options' "$MAN1" || fail "proctrail(1) has no --list-options entry"
grep -q 'list\\-options' "$MAN8" || fail "proctraild(8) has no --list-options entry"

# check_opt CMD OPTION MAN: the parser takes OPTION (with a value when it
# needs one) and the man page MAN documents it.
check_opt() {
	cmd=$1 opt=$2 man=$3
	name=${opt%=}
	grep -qx -- "$name" "$man" || fail "$cmd: $name is listed but not in the man page"
	arg=$opt
	[ "$opt" != "$name" ] && arg=${opt}x
	case $cmd in
	proctraild) set -- "$PROCTRAILD" "$arg" --help ;;
	-) set -- "$PROCTRAIL" "$arg" --help ;;
	rules) set -- "$PROCTRAIL" rules check "$arg" --help ;;
	*) set -- "$PROCTRAIL" "$cmd" "$arg" --help ;;
	esac
	timeout 20 "$@" </dev/null >/dev/null 2>"$T/err"
	grep -Eq 'unknown option|unrecognized option' "$T/err" &&
		fail "$cmd: $arg is listed, the parser refuses it: $(cat "$T/err")"
	n=$((n + 1))
}

n=0
for opt in $(grep '^-' "$T/top"); do
	check_opt - "$opt" "$T/man1"
done
for cmd in $(cat "$T/cmds"); do
	"$PROCTRAIL" --list-options "$cmd" >"$T/opts.$cmd" || fail "--list-options $cmd exits $?"
	grep -qx -- --help "$T/opts.$cmd" || fail "$cmd: --list-options has no --help"
	for opt in $(grep '^-' "$T/opts.$cmd"); do
		check_opt "$cmd" "$opt" "$T/man1"
	done
	# the control: an option it does not have is refused, as check_opt expects
	case $cmd in
	rules) set -- rules check ;;
	*) set -- "$cmd" ;;
	esac
	"$PROCTRAIL" "$@" --no-such-option </dev/null >/dev/null 2>"$T/err"
	grep -q 'unknown option' "$T/err" || fail "$cmd: --no-such-option is not refused"
done
"$PROCTRAILD" --list-options >"$T/opts.proctraild" || fail "proctraild --list-options exits $?"
grep -qx -- --config= "$T/opts.proctraild" || fail "proctraild: no --config= listed"
for opt in $(cat "$T/opts.proctraild"); do
	check_opt proctraild "$opt" "$T/man8"
done
ok "$n listed options are taken by their parser and documented"

# The query commands share one table; each lists only what it takes.
QUERIES="ps tree show lineage children recent short status containers"
cat $(for c in $QUERIES; do echo "$T/opts.$c"; done) | sort -u >"$T/qall"
for cmd in $QUERIES; do
	for opt in $(grep -vxF -f "$T/opts.$cmd" "$T/qall"); do
		arg=$opt
		[ "${opt%=}" != "$opt" ] && arg=${opt}x
		"$PROCTRAIL" "$cmd" "$arg" </dev/null >/dev/null 2>"$T/err"
		rc=$?
		[ $rc = 2 ] && grep -q 'is an option of\|are options of' "$T/err" ||
			fail "$cmd: $arg is not listed, yet exits $rc: $(cat "$T/err")"
	done
done
grep -qx -- --ascii "$T/opts.tree" || fail "tree: --ascii not listed"
grep -qx -- --ascii "$T/opts.ps" && fail "ps: --ascii listed"
grep -qx -- --filter= "$T/opts.ps" || fail "ps: --filter= not listed"
ok "the query commands list the options they take and no other"

# Every option of the man page's sections of options is listed (but the
# hidden --list-options).
section_opts() {
	awk -v s="$2" '/^\.S[SH] / { on = index($0, s) == 5 } on' "$1" >"$T/sect"
	man_opts "$T/sect" | grep -vx -- --list-options
}
# check_section MAN SECTION LIST LABEL
check_section() {
	section_opts "$1" "$2" >"$T/sopts"
	[ -s "$T/sopts" ] || fail "no options found in $1's section '$2'"
	for o in $(cat "$T/sopts"); do
		grep -q -- "^$o=\{0,1\}\$" "$3" || fail "$4: $o is in the man page, not listed"
	done
}
check_section "$MAN1" "Global options" "$T/top" global
check_section "$MAN1" "watch options" "$T/opts.watch" watch
check_section "$MAN1" "Query options" "$T/qall" queries
check_section "$MAN1" "Sink options" "$T/opts.replay" replay
check_section "$MAN8" "OPTIONS" "$T/opts.proctraild" proctraild
ok "the man page's global, watch, query, sink and proctraild options are listed"

# The values the script offers are ones the parser takes (replay of an empty
# stream parses them and prints nothing).
for v in local utc iso relative epoch; do
	"$PROCTRAIL" replay --time=$v /dev/null >/dev/null 2>"$T/err" ||
		fail "--time=$v refused: $(cat "$T/err")"
done
for v in auto always never; do
	"$PROCTRAIL" replay --color=$v /dev/null >/dev/null 2>"$T/err" ||
		fail "--color=$v refused: $(cat "$T/err")"
done
for v in fork exec exit uid gid sid comm ptrace coredump lost exec_failed all; do
	"$PROCTRAIL" replay --events=$v /dev/null >/dev/null 2>"$T/err" ||
		fail "--events=$v refused: $(cat "$T/err")"
done
ok "the script's --time, --color and --events values are taken"

# complete WORD...: what the script offers for the last word, one a line
# (the words split at '=' as bash's COMP_WORDBREAKS splits them).
cat >"$T/complete.bash" <<'EOF'
. "$1" || exit 99
shift
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
if [[ ${1##*/} == proctraild ]]; then _proctraild; else _proctrail; fi
printf '%s\n' "${COMPREPLY[@]}"
EOF
complete() { bash "$T/complete.bash" "$SCRIPT" "$@"; }
# expect WANT WORD...: WANT is exactly one of the offers
expect() {
	want=$1
	shift
	complete "$@" >"$T/got" || fail "completing '$*' exits $?"
	grep -qxF -- "$want" "$T/got" ||
		fail "completing '$*': no '$want' in: $(tr '\n' ' ' <"$T/got")"
}
# only WANT WORD...: WANT is the only offer
only() {
	expect "$@"
	[ "$(wc -l <"$T/got")" = 1 ] || fail "completing '$*': more than '$1': $(tr '\n' ' ' <"$T/got")"
}
# complete_none WORD...: nothing offered
complete_none() {
	complete "$@" >"$T/got"
	[ -s "$T/got" ] && [ -n "$(tr -d '\n' <"$T/got")" ] &&
		fail "completing '$*' offers: $(tr '\n' ' ' <"$T/got")"
	:
}

only watch "$PROCTRAIL" wa
only --events= "$PROCTRAIL" watch --ev
only --verbose "$PROCTRAIL" --verb
expect --tier= "$PROCTRAIL" -v watch --ti
expect exec "$PROCTRAIL" watch --events = e
expect exec_failed "$PROCTRAIL" watch --events = e
expect fork,exec "$PROCTRAIL" watch --events = fork,e
only utc "$PROCTRAIL" watch --time = u
expect never "$PROCTRAIL" replay --color = ""
only --ascii "$PROCTRAIL" tree --as
complete_none "$PROCTRAIL" ps --as
expect pid "$PROCTRAIL" ps -o pi
expect "$$" "$PROCTRAIL" show "$$"
expect "$$" "$PROCTRAIL" watch -p "$$"
# a value in the next word: --NAME VALUE
expect exec "$PROCTRAIL" watch --events e
expect "$$" "$PROCTRAIL" show --socket "$T/sock" "$$"
complete_none "$PROCTRAIL" show "$$" ""
only check "$PROCTRAIL" rules ch
expect --json "$PROCTRAIL" rules check --j
mkdir "$T/dir" && : >"$T/dir/rules.yaml"
only "$T/dir/rules.yaml" "$PROCTRAIL" watch --rules = "$T/dir/ru"
only "$T/dir" "$PROCTRAIL" watch --proc-root = "$T/di"
expect bash "$PROCTRAIL" watch --json -- bas
expect --config= "$PROCTRAILD" --con
only none "$PROCTRAILD" --tier = no
only poll "$PROCTRAILD" -t po
ok "bash completes commands, options and values"
