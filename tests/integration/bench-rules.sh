#!/bin/sh
# tests/bench/rules.sh on a tiny scale: what it measures that is correctness
# rather than speed. Every triggering find among the storm raises its alert
# with every rule set (find.yaml alone, with the stock files, with the
# synthetic rules), the synthetic rules all load and never match, watch's
# summary has the rules' figures, the storm's execs are all seen, and nothing
# is left running.
# serial: a benchmark: other tests' processes would be in its figures (contrib/quickstart.sh)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_root "the netlink tier"
need_cmd jq
need_cmd bash
need_tier netlink
[ -x "$STORM" ] && [ -x "$TRUE_STATIC" ] || skip "tests/bench/storm and true-static are not built"
SETS=none,find,synth
[ -r "$top_srcdir/../shared/corpus/falco/falco_rules.yaml" ] && SETS=none,find,stock,synth
bash "$top_srcdir/tests/bench/rules.sh" -B "$top_builddir" -n 300 -r 1 -K 4 -S 100 -m netlink \
	-c static1 -R "$SETS" -d 0 -o "$T/out.md" >"$T/stdout" 2>"$T/stderr" || {
	cat "$T/stderr"
	fail "rules.sh exited $?"
}
cat "$T/stdout"
left=$(pgrep -f "ptr[0-9]+r[0-9]+-|ptrwarm-" 2>/dev/null | head -3)
[ -z "$left" ] || fail "processes left running: $left"
# raw runs: cfg tier set rep rate execs tags cpu loaded evaluated eval_ns alerts talerts ntrig lost
runs=$(sed -n '/^```$/,/^```$/p' "$T/out.md" | grep -v '^```')
nsets=$(printf '%s\n' "$SETS" | tr ',' '\n' | wc -l)
[ "$(printf '%s\n' "$runs" | wc -l)" = "$nsets" ] || fail "expected $nsets runs: $runs"
printf '%s\n' "$runs" | while IFS='	' read -r cfg tier set rep rate execs tags cpu loaded evaluated evalns alerts talerts ntrig lost; do
	[ "$execs" = 300 ] || fail "$set: $execs of 300 storm execs seen"
	[ "$ntrig" = 4 ] || fail "$set: $ntrig triggers started, expected 4"
	[ "$lost" = 0 ] || fail "$set: $lost events lost"
	case $set in
	none)
		[ "$alerts" = 0 ] && [ "$loaded" = 0 ] || fail "none: $alerts alerts, $loaded rules without rules"
		;;
	*)
		[ "$talerts" = 4 ] || fail "$set: $talerts alerts for 4 triggers"
		[ "$evaluated" -ge 304 ] || fail "$set: only $evaluated execs evaluated (storm 300 + 4 finds)"
		[ "$evalns" -gt 0 ] || fail "$set: no evaluation time in the summary"
		;;
	esac
	case $set in
	find) [ "$loaded" = 2 ] || fail "find: $loaded rules loaded, expected 2" ;;
	synth)
		[ "$loaded" = 102 ] || fail "synth: $loaded rules loaded, expected 100 synthetic + 2"
		[ "$alerts" -le $((talerts + 2)) ] || fail "synth: $alerts alerts: a synthetic rule matched?"
		;;
	stock) [ "$loaded" -gt 2 ] || fail "stock: only $loaded rules loaded" ;;
	esac
done || exit 1
ok "every trigger alerted with every rule set ($SETS); the synthetic rules loaded and never matched"
grep -q '^| static1 | netlink | synth |' "$T/out.md" || fail "no synth row in the table"
