#!/bin/sh
# The find case of issue 14, on the netlink and the BPF tiers: with
# contrib/rules/find.yaml, `find /etc -perm -4000 -type f` and
# `find /home -user root -type f`, each run N times inside a storm of other
# short-lived processes, raise exactly one alert each, of the right rule:
# the alerts' pids are exactly the finds' pids, each once, with the command
# line in the output and in output_fields. Nothing else the test runs alerts.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/rules-lib.sh"
need_cmd jq
need_root "the netlink and bpf tiers"
need_tier netlink
[ -x "$STORM" ] && [ -x "$TRUE_STATIC" ] || skip "tests/bench/storm and true-static are not built"
N=${RULES_FIND_N:-20}
SETUID_RULE="Setuid binary search"
OTHERS_RULE="Search of other users' files"
SETUID_CMD="find /etc -perm -4000 -type f"
OTHERS_CMD="find /home -user root -type f"

"$PROCTRAIL" rules check "$FIND_RULES" >"$T/check.out" 2>&1 ||
	fail "rules check $FIND_RULES: $(cat "$T/check.out")"

STORMING=$T/storming
STORM_LOOP=""
stop_storm() {
	rm -f "$STORMING"
	[ -n "$STORM_LOOP" ] && wait "$STORM_LOOP"
	STORM_LOOP=""
}

# run_case TIER: one watch, a storm, N of each find; checks everything
run_case() {
	tier=$1
	J=$T/$tier.json E=$T/$tier.err
	: >"$T/$tier.setuid.pids"
	: >"$T/$tier.others.pids"
	start_watch "$J" "$E" --tier="$tier" --rules "$FIND_RULES" --rules-only --json
	grep -q "ready (tier $tier)" "$E" || fail "$tier: not the $tier tier: $(cat "$E")"

	# the storm: static and dynamic binaries alternating, 2 in flight, until
	# the finds are done (bounded: at most 200 storms)
	: >"$STORMING"
	(
		i=0
		while [ -e "$STORMING" ] && [ $i -lt 200 ]; do
			b=$TRUE_STATIC
			[ $((i % 2)) = 1 ] && b=/bin/true
			"$STORM" -q -n 300 -k 2 -b "$b" -t "ptrf$i" >/dev/null 2>&1
			printf '%s\n' "$i" >>"$T/$tier.storms"
			i=$((i + 1))
		done
	) &
	STORM_LOOP=$!
	PIDS="$PIDS $STORM_LOOP"
	sleep 0.2

	i=0
	while [ $i -lt "$N" ]; do
		# each find exec'd by the forked child itself: its pid is $!
		$SETUID_CMD >/dev/null 2>&1 &
		printf '%s\n' $! >>"$T/$tier.setuid.pids"
		wait $!
		$OTHERS_CMD >/dev/null 2>&1 &
		printf '%s\n' $! >>"$T/$tier.others.pids"
		wait $!
		i=$((i + 1))
	done
	# the storm ran all along: still running when the last find ended
	running=0
	kill -0 "$STORM_LOOP" 2>/dev/null && [ -e "$STORMING" ] && running=1
	stop_storm
	nstorms=$(wc -l <"$T/$tier.storms" 2>/dev/null || echo 0)
	[ "$running" = 1 ] || fail "$tier: the storm had stopped before the last find"
	[ "$nstorms" -ge 1 ] || fail "$tier: no storm of 300 processes completed during the finds"
	sleep 0.5
	stop_watch
	[ "$WATCH_RC" = 0 ] || fail "$tier: watch exited $WATCH_RC: $(tail -5 "$E")"

	lost=$(summary_field "$E" lost)
	jq -e . "$J" >/dev/null 2>&1 || [ ! -s "$J" ] || fail "$tier: output is not JSON lines"
	# --rules-only: nothing but alerts on stdout
	other=$(jq -c 'select(.event != "alert")' "$J" | head -1)
	[ -z "$other" ] || fail "$tier: --rules-only printed a non-alert line: $other"
	check_alert_shape "$J"

	alerts_for "$J" "$T/$tier.setuid.pids" >"$T/$tier.setuid.alerts"
	alerts_for "$J" "$T/$tier.others.pids" >"$T/$tier.others.alerts"
	ns=$(count_rule "$T/$tier.setuid.alerts" "$SETUID_RULE")
	no=$(count_rule "$T/$tier.others.alerts" "$OTHERS_RULE")
	nall=$(alerts "$J" | wc -l)
	echo "$tier: $nstorms storms of 300 processes; $ns alerts '$SETUID_RULE' for $N x '$SETUID_CMD', $no '$OTHERS_RULE' for $N x '$OTHERS_CMD'; $nall alerts in all; lost $lost"

	# exactly one alert per find, of the right rule, and nothing else for them
	for kind in setuid others; do
		case $kind in
		setuid) rule=$SETUID_RULE cmd=$SETUID_CMD ;;
		others) rule=$OTHERS_RULE cmd=$OTHERS_CMD ;;
		esac
		A=$T/$tier.$kind.alerts P=$T/$tier.$kind.pids
		wrong=$(jq -c --arg r "$rule" 'select(.rule != $r)' "$A" | head -1)
		[ -z "$wrong" ] || fail "$tier: '$cmd' raised another rule's alert: $wrong"
		n=$(wc -l <"$A")
		jq -r .pid "$A" | sort >"$A.pids"
		sort "$P" >"$P.sorted"
		[ "$n" = "$N" ] || fail "$tier: $n alerts for $N runs of '$cmd' (lost $lost; pids without an alert: $(comm -23 "$P.sorted" "$A.pids" | head -5 | tr '\n' ' '))"
		cmp -s "$P.sorted" "$A.pids" || fail "$tier: the alerts' pids are not the pids of the $N '$cmd' runs"
		# the command in the output and in output_fields, the key the process's
		n=$(jq -c --arg c "$cmd" --arg r "$rule" '(.pid | tostring) as $pid | select(
			(.output | contains("command=" + $c)) and
			(.output | contains($r)) and
			.output_fields["proc.cmdline"] == $c and
			.output_fields["proc.name"] == "find" and
			.output_fields["user.name"] == "root" and
			(.output_fields["user.uid"] | tostring) == "0" and
			.output_fields["proc.exepath"] == "'"$(readlink -f "$(command -v find)")"'" and
			(.output_fields["proc.pid"] | tostring) == (.pid | tostring) and
			.output_fields["container.id"] == "host" and
			(.key | endswith(":" + $pid)))' "$A" | wc -l)
		[ "$n" = "$N" ] || fail "$tier: only $n of $N '$rule' alerts carry the command and fields: $(head -1 "$A")"
	done
	# the storm's own processes never alert
	n=$(jq -c 'select((.output_fields["proc.cmdline"] // "") | test("ptrf[0-9]+-"))' "$J" | wc -l)
	[ "$n" = 0 ] || fail "$tier: $n alerts for the storm's processes"
	ok "$tier: $N + $N finds in a storm, $N + $N alerts, one each, right rule, pids and fields"
}

run_case netlink

# The rules' variants, as find.yaml documents them: which finds alert, which
# do not (netlink tier, no storm). VARIANT RULE|- ARGS...: a find run by root
# (or by nobody: "nobody" first) that raises RULE, or nothing (-)
start_watch "$T/var.json" "$T/var.err" --tier=netlink --rules "$FIND_RULES" --rules-only --json
: >"$T/var.tsv"
variant() {
	want=$1
	shift
	as=""
	[ "$1" = nobody ] && { as=nobody; shift; }
	if [ -n "$as" ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups find "$@" >/dev/null 2>&1 &
	else
		find "$@" >/dev/null 2>&1 &
	fi
	printf '%s\t%s\t%s\n' $! "$want" "$as find $*" >>"$T/var.tsv"
	wait $!
}
S=$SETUID_RULE O=$OTHERS_RULE
variant "$S" /usr/bin -perm -u=s -type f
variant "$S" /usr/bin -perm /4000
variant "$S" /usr/bin -perm /6000 -type f
variant "$S" /usr/bin -perm -2000
variant "$S" /usr/bin -perm -g=s
variant "$S" /usr/bin -perm 4755
variant "$S" /usr/bin -perm -04000
variant "$S" /usr/bin -perm /u=s,g=s
variant "$S" -L /usr/bin -maxdepth 1 -perm -4000
variant - /usr/bin -perm -0755 -name ls
variant - /usr/bin -perm /111 -name ls
variant - /usr/bin -perm 644 -name x.so
variant "$O" / -maxdepth 1 -user root
variant "$O" /root -uid 0
variant "$O" /home /tmp -group root
variant "$O" /var/spool -nouser
variant "$O" /etc /home/nobody -user nobody
variant - /tmp -maxdepth 1 -user root
variant - /usr/share/doc -maxdepth 1 -group root
variant - "$T" -name x
variant "$O" nobody /tmp -maxdepth 1 -user root
variant "$O" nobody /tmp -maxdepth 1 -uid 0
variant - nobody /tmp -maxdepth 1 -user nobody
sleep 0.3
stop_watch
nv=0
while IFS='	' read -r pid want what; do
	got=$(jq -r --argjson p "$pid" 'select(.pid == $p) | .rule' "$T/var.json" | sort | tr '\n' '+')
	exp=$want+
	[ "$want" = - ] && exp=""
	[ "$got" = "$exp" ] || fail "'$what': alerts '${got%+}', expected '${exp%+}'"
	nv=$((nv + 1))
done <"$T/var.tsv"
ok "$nv find variants alert as find.yaml documents (setuid modes, owner tests, where, who)"

# The tuning find.yaml documents: an exception value appended by a later file
# (a user searching their own files) and a user_known_* macro redefined
cat >"$T/tune.yaml" <<'EOF'
- rule: Search of other users' files
  exceptions:
    - name: own_files
      values:
        - [nobody, "-user nobody"]
  override:
    exceptions: append

- macro: user_known_setuid_search_activities
  condition: (proc.args contains "-name ptknown")
EOF
"$PROCTRAIL" rules check "$FIND_RULES" "$T/tune.yaml" >"$T/tune.out" 2>&1 ||
	fail "rules check find.yaml tune.yaml: $(cat "$T/tune.out")"
start_watch "$T/tune.json" "$T/tune.err" --tier=netlink --rules "$FIND_RULES" --rules "$T/tune.yaml" \
	--rules-only --json
: >"$T/var.tsv"
variant - nobody /home -user nobody
variant "$O" nobody /home -user root
variant "$O" /home -user nobody
variant - /usr/bin -perm -4000 -name ptknown
variant "$S" /usr/bin -perm -4000 -name ptother
sleep 0.3
stop_watch
while IFS='	' read -r pid want what; do
	got=$(jq -r --argjson p "$pid" 'select(.pid == $p) | .rule' "$T/tune.json" | sort | tr '\n' '+')
	exp=$want+
	[ "$want" = - ] && exp=""
	[ "$got" = "$exp" ] || fail "tuned: '$what': alerts '${got%+}', expected '${exp%+}'"
done <"$T/var.tsv"
ok "tuned by a later file: an appended exception and a redefined user_known_ macro hold"
line=$("$PROCTRAIL" probe | awk '$1 == "bpf"')
case "$line" in
*" yes "* | *" yes") run_case bpf ;;
*) echo "note: the bpf part is not run: the bpf tier cannot run here: ${line:-not in probe}" ;;
esac
exit 0
