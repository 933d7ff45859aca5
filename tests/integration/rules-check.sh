#!/bin/sh
# `proctrail rules check` (proctrail(1), RULES), unprivileged:
# - the example contrib/rules/find.yaml loads (exit 0, its two rules loaded);
# - the three stock Falco files (../shared/corpus/falco, skip when absent)
#   load, each on its own and together: exit 0, the counts loaded and skipped
#   printed, every class-b rule of classification.tsv skipped with a reason
#   that names what it needs, no process-only (T1) rule skipped;
# - broken files exit 1 with FILE:LINE:COL (a condition's syntax error, an
#   unknown field, an unknown macro, a YAML error, a newer engine version, a
#   file that is not there); a rule needing what proctrail lacks is a skip,
#   not an error;
# - usage errors exit 2.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/rules-lib.sh"

# check OUT RC ARGS...: run `rules check`, output (stdout and stderr) to OUT
check() {
	out=$1 want=$2
	shift 2
	"$PROCTRAIL" rules check "$@" >"$out" 2>&1
	rc=$?
	[ "$rc" = "$want" ] || {
		cat "$out"
		fail "rules check $*: exit $rc, expected $want"
	}
}

# ---- the example -----------------------------------------------------------------
check "$T/find.out" 0 "$FIND_RULES"
cat "$T/find.out"
for r in "Setuid binary search" "Search of other users' files"; do
	[ "$(rules_state "$T/find.out" "$r")" = loaded ] ||
		fail "find.yaml: rule '$r' not loaded: $(cat "$T/find.out")"
done
grep -Eqi '(^|[^0-9])2 (rules? )?loaded|loaded:? *2([^0-9]|$)' "$T/find.out" ||
	fail "find.yaml: no count of 2 rules loaded in: $(cat "$T/find.out")"
ok "contrib/rules/find.yaml: both rules loaded"

# ---- usage errors: exit 2 -----------------------------------------------------------
"$PROCTRAIL" rules >"$T/u1" 2>&1
[ $? = 2 ] || fail "'rules' without a subcommand: not exit 2: $(cat "$T/u1")"
"$PROCTRAIL" rules check >"$T/u2" 2>&1
[ $? = 2 ] || fail "'rules check' without a file: not exit 2: $(cat "$T/u2")"
"$PROCTRAIL" rules frobnicate "$FIND_RULES" >"$T/u3" 2>&1
[ $? = 2 ] || fail "'rules frobnicate': not exit 2: $(cat "$T/u3")"
"$PROCTRAIL" rules check --no-such-option "$FIND_RULES" >"$T/u4" 2>&1
[ $? = 2 ] || fail "'rules check --no-such-option': not exit 2: $(cat "$T/u4")"
"$PROCTRAIL" rules check --help >"$T/u5" 2>&1
[ $? = 0 ] || fail "'rules check --help': not exit 0: $(cat "$T/u5")"
grep -qi usage "$T/u5" || fail "'rules check --help' prints no usage: $(cat "$T/u5")"
ok "usage errors exit 2, --help 0"

# ---- broken files: exit 1 with FILE:LINE:COL -------------------------------------------
# broken NAME LINE PATTERN: the file $T/NAME.yaml (written by the caller) fails
# with NAME.yaml:LINE:COL and a message matching PATTERN (grep -Ei)
broken() {
	check "$T/$1.out" 1 "$T/$1.yaml"
	grep -Eq "$1\.yaml:$2:[0-9]+" "$T/$1.out" ||
		fail "$1: no '$1.yaml:$2:COL' in: $(cat "$T/$1.out")"
	grep -Eqi "$3" "$T/$1.out" || fail "$1: the message does not say '$3': $(cat "$T/$1.out")"
	ok "$1: exit 1, $(grep -E "$1\.yaml:$2:" "$T/$1.out" | head -1)"
}

# a syntax error in a condition (line 4: the condition's own line)
cat >"$T/syntax.yaml" <<'EOF'
- rule: Broken syntax
  desc: an operator without its value
  priority: WARNING
  condition: evt.type = execve and proc.name =
  output: "broken %proc.name"
EOF
broken syntax 4 'condition|syntax|expect|value'

# a field nobody has: an error naming it, or (proctrail cannot tell a typo from
# a Falco field it lacks) a skipped rule naming it; never a silent load
cat >"$T/field.yaml" <<'EOF'
- macro: m1
  condition: proc.name = sh

- rule: Unknown field
  desc: proc.nosuchfield is nobody's field
  condition: evt.type = execve and proc.nosuchfield = x
  output: "broken %proc.name"
  priority: WARNING
EOF
"$PROCTRAIL" rules check "$T/field.yaml" >"$T/field.out" 2>&1
rc=$?
case $rc in
1) grep -Eq 'field\.yaml:6:[0-9]+' "$T/field.out" || fail "field: no 'field.yaml:6:COL' in: $(cat "$T/field.out")" ;;
0) [ "$(rules_state "$T/field.out" "Unknown field")" = skipped ] ||
	fail "field: exit 0 but the rule is not skipped: $(cat "$T/field.out")" ;;
*) fail "field: exit $rc: $(cat "$T/field.out")" ;;
esac
grep -F "Unknown field" "$T/field.out" | grep -q 'proc\.nosuchfield' ||
	fail "field: proc.nosuchfield not named: $(cat "$T/field.out")"
ok "field: exit $rc, $(grep -m1 'nosuchfield' "$T/field.out")"

# a macro nobody defined
cat >"$T/macro.yaml" <<'EOF'
- rule: Unknown macro
  desc: spawned_process is not defined in this file
  condition: spawned_process and no_such_macro_here
  output: "broken %proc.name"
  priority: WARNING
EOF
broken macro 3 'no_such_macro_here|spawned_process'

# YAML that does not parse (an unclosed flow sequence)
cat >"$T/yaml.yaml" <<'EOF'
- list: l1
  items: [a, b
- rule: After the error
  desc: x
EOF
check "$T/yaml.out" 1 "$T/yaml.yaml"
grep -Eq 'yaml\.yaml:[0-9]+:[0-9]+' "$T/yaml.out" || fail "yaml: no FILE:LINE:COL in: $(cat "$T/yaml.out")"
ok "yaml: exit 1, $(grep -E 'yaml\.yaml:[0-9]+:' "$T/yaml.out" | head -1)"

# a newer engine than this one
cat >"$T/engine.yaml" <<'EOF'
- required_engine_version: 99.0.0

- rule: Needs the future
  desc: x
  condition: evt.type = execve
  output: "x %proc.name"
  priority: WARNING
EOF
broken engine 1 'engine|version'

# a file that is not there
check "$T/missing.out" 1 "$T/no-such-file.yaml"
grep -q 'no-such-file.yaml' "$T/missing.out" || fail "missing file not named: $(cat "$T/missing.out")"
ok "a missing file: exit 1"

# a rule that needs what proctrail lacks is skipped, with one warning naming the
# field, and the file loads (exit 0); its macros and lists still load, and a rule
# using them loads
cat >"$T/skip.yaml" <<'EOF'
- list: shells
  items: [sh, bash]

- macro: opened
  condition: evt.type in (open, openat)

- rule: Needs file events
  desc: fd.name is not a process field
  condition: opened and fd.name startswith /etc and proc.name in (shells)
  output: "x %fd.name"
  priority: WARNING

- rule: Process only
  desc: loads
  condition: evt.type = execve and proc.name in (shells)
  output: "shell %proc.cmdline"
  priority: NOTICE
EOF
check "$T/skip.out" 0 "$T/skip.yaml"
[ "$(rules_state "$T/skip.out" "Needs file events")" = skipped ] ||
	fail "skip: 'Needs file events' not skipped: $(cat "$T/skip.out")"
rules_line "$T/skip.out" "Needs file events" | grep -Eq 'fd\.name|evt\.type|open' ||
	fail "skip: the reason does not name fd.name or evt.type=open: $(cat "$T/skip.out")"
[ "$(rules_state "$T/skip.out" "Process only")" = loaded ] ||
	fail "skip: 'Process only' not loaded: $(cat "$T/skip.out")"
n=$(grep -c 'Needs file events' "$T/skip.out")
[ "$n" -le 2 ] || fail "skip: more than one warning for the skipped rule: $(cat "$T/skip.out")"
ok "skip: a rule that needs fd.name is skipped with its reason, exit 0"

# an error in one file of several: exit 1, the good file's rules still listed
check "$T/mixed.out" 1 "$FIND_RULES" "$T/syntax.yaml"
grep -q 'Setuid binary search' "$T/mixed.out" || fail "mixed: find.yaml's rules not listed: $(cat "$T/mixed.out")"
ok "a good and a broken file: exit 1"

# ---- the stock files ----------------------------------------------------------------
need_corpus
TSV=$CORPUS/classification.tsv
[ -r "$TSV" ] || skip "no $TSV"
for f in $STOCK_FILES all; do
	if [ "$f" = all ]; then
		set --
		for g in $STOCK_FILES; do set -- "$@" "$CORPUS/$g"; done
	else
		set -- "$CORPUS/$f"
	fi
	check "$T/stock-$f.out" 0 "$@"
	echo "--- rules check $f:"
	grep -Ei 'loaded|skipped|error' "$T/stock-$f.out" | grep -vF -- '- rule' | tail -n 3
	grep -Eqi '[0-9]+ (rules? )?loaded|loaded:? *[0-9]+' "$T/stock-$f.out" ||
		fail "$f: no count of rules loaded in the output"
	grep -Eqi '[0-9]+ (rules? )?skipped|skipped:? *[0-9]+' "$T/stock-$f.out" ||
		fail "$f: no count of rules skipped in the output"
	if grep -Ei '^[^ ]*:[0-9]+:[0-9]+: *error' "$T/stock-$f.out" | head -3 | grep .; then
		fail "$f: errors in a stock file"
	fi
	# every class-b (and mixed) rule is skipped, with a reason naming a field or an
	# event type; no T1 process-only rule is skipped
	nb=0 nt1=0
	while IFS='	' read -r file rule enabled class tier rest; do
		[ "$f" = all ] || [ "$file" = "$f" ] || continue
		line=$(rules_line "$T/stock-$f.out" "$rule")
		case $class in
		b | mixed)
			[ "$enabled" = true ] || continue
			case $line in skipped*) ;; *) false ;; esac ||
				fail "$f: class-$class rule '$rule' not skipped: '${line:-not listed}'"
			printf '%s\n' "${line#*): }" | grep -Eq '[a-z]+\.[a-z_]+|evt\.type|open|connect' ||
				fail "$f: class-$class rule '$rule' skipped without a reason naming what it needs: '$line'"
			nb=$((nb + 1))
			;;
		a)
			[ "$tier" = T1 ] || continue
			case $line in loaded* | disabled*) ;; *) false ;; esac ||
				fail "$f: process-only rule '$rule' ($tier) not loaded: '$line'"
			[ "$enabled" = true ] && nt1=$((nt1 + 1))
			;;
		esac
	done <"$TSV"
	ok "$f: exit 0; $nb class-b rules skipped with reasons; $nt1 enabled T1 rules not skipped"
done
# the three files' class-a rules other than T1: loaded, or the reason printed
echo "--- class-a rules beyond T1 (containers, environment, memfd, overlayfs):"
while IFS='	' read -r file rule enabled class tier rest; do
	[ "$class" = a ] && [ "$tier" != T1 ] || continue
	printf '%s (%s, %s): %s\n' "$rule" "$file" "$tier" \
		"$(rules_line "$T/stock-$file.out" "$rule" | sed 's/^[[:space:]]*//')"
done <"$TSV"
exit 0
