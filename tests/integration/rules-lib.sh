# Helpers for the rules tests (issue 14), sourced after lib.sh (POSIX sh).

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
FIND_RULES=$top_srcdir/contrib/rules/find.yaml
# The stock Falco files, read in place and never copied into the project
CORPUS=$top_srcdir/../shared/corpus/falco
STOCK_FILES="falco_rules.yaml falco-incubating_rules.yaml falco-sandbox_rules.yaml"

need_corpus() {
	for f in $STOCK_FILES; do
		[ -r "$CORPUS/$f" ] || skip "the Falco corpus is not there: $CORPUS/$f"
	done
}

# alerts FILE: the alert lines of a watch/replay JSON output, compact
alerts() {
	jq -c 'select(type == "object" and .event == "alert")' "$1"
}

# alerts_for FILE PIDFILE: the alerts whose pid is one of PIDFILE's (one a line)
alerts_for() {
	jq -c --slurpfile p "$2" 'select(type == "object" and .event == "alert" and
		(.pid as $x | $p | index($x) != null))' "$1"
}

# count_rule FILE RULE: alerts of one rule in FILE (already alert lines)
count_rule() {
	jq -c --arg r "$2" 'select(.rule == $r)' "$1" | wc -l
}

# rules_line OUT RULE: the line of a `rules check` output that gives RULE's
# state: "STATE   RULE (FILE:LINE)[: why]", STATE loaded, skipped, disabled or
# broken
rules_line() {
	awk -v r="$2" '($1 == "loaded" || $1 == "skipped" || $1 == "disabled" || $1 == "broken") &&
		index($0, " " r " (") { print; exit }' "$1"
}

# rules_state OUT RULE: loaded, skipped, disabled, broken or nothing
rules_state() {
	rules_line "$1" "$2" | awk '{ print $1 }'
}

# check_alert_shape FILE: every alert line of FILE has Falco's JSON output
# shape (falco.org/docs/outputs, json_output: true): the keys hostname, output,
# priority, rule, source, tags, time and output_fields with Falco's types,
# "time" an RFC 3339 UTC time with nanoseconds and Z, "output" starting with
# the time of day to the nanosecond and the priority; proctrail adds "event",
# "key" and "pid". Fails naming the first alert that differs.
check_alert_shape() {
	bad=$(jq -c 'select(type == "object" and .event == "alert") |
		((.time // "") | tostring | .[11:29]) as $tod | ((.pid // "") | tostring) as $pid | ((.priority // "") | tostring) as $pri | select(
		((.hostname | type) != "string") or (.hostname == "") or
		((.output | type) != "string") or
		((.priority | type) != "string") or
		((.priority | IN("Emergency", "Alert", "Critical", "Error", "Warning",
			"Notice", "Informational", "Debug")) | not) or
		((.rule | type) != "string") or
		(.source != "syscall") or
		((.tags | type) != "array") or
		((.tags | map(type == "string") | all) | not) or
		((.time | type) != "string") or
		((.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z$")) | not) or
		((.output | startswith($tod + ": " + $pri + " ")) | not) or
		((.output_fields | type) != "object") or
		((.output_fields | to_entries | map(.value | type | IN("string", "number", "boolean", "null")) | all) | not) or
		((.key | type) != "string") or
		((.pid | type) != "number") or
		((.key | endswith(":" + $pid)) | not))' "$1" | head -1)
	[ -z "$bad" ] || fail "an alert without Falco's JSON shape: $bad"
}
