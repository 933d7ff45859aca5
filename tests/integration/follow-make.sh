#!/bin/sh
# watch -- make -j2: a small build of two C files shows every compiler process
# under its parent (cc under make, cc1 and as under their cc, ld under collect2
# under cc) and exits with make's status, 0 and then 2 for a broken file.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq
need_cmd make
need_cmd cc

tiers=""
for t in bpf netlink; do
	"$PROCTRAIL" probe | awk -v t=$t '$1 == t && / yes/ { f = 1 } END { exit !f }' &&
		tiers="$tiers $t"
done
[ -n "$tiers" ] || skip "neither the bpf nor the netlink tier can run here"

B=$T/build
mkdir "$B"
printf 'int a(void) { return 1; }\n' >"$B/a.c"
printf 'int a(void);\nint main(void) { return a() - 1; }\n' >"$B/b.c"
printf 'prog: a.o b.o\n\tcc -o $@ a.o b.o\n%%.o: %%.c\n\tcc -c -o $@ $<\n' >"$B/Makefile"

# the parent's comm of each exec'd comm, from the events (the parent's last exec)
parent_of() {
	jq -rs --arg c "$2" '
		(map(select(.event == "exec")) | map({key: (.pid | tostring), value: .comm}) |
			from_entries) as $comm |
		.[] | select(.event == "exec" and .comm == $c) | $comm[.ppid | tostring] // "?"' "$1" |
		sort | uniq -c | sed 's/^ *//'
}

for t in $tiers; do
	rm -f "$B"/*.o "$B/prog"
	"$PROCTRAIL" watch -q --tier="$t" --json --events=exec,exit -- make -s -j2 -C "$B" \
		>"$T/$t.json" 2>"$T/$t.err"
	rc=$?
	[ $rc = 0 ] || fail "$t: watch -- make exited $rc: $(cat "$T/$t.err")"
	[ -x "$B/prog" ] || fail "$t: the build did not build"
	make=$(jq -r 'select(.event == "exec" and .comm == "make") | .pid' "$T/$t.json")
	[ -n "$make" ] || fail "$t: no exec of make"
	[ "$(parent_of "$T/$t.json" cc)" = "3 make" ] ||
		fail "$t: cc under make: $(parent_of "$T/$t.json" cc)"
	[ "$(parent_of "$T/$t.json" cc1)" = "2 cc" ] ||
		fail "$t: cc1 under cc: $(parent_of "$T/$t.json" cc1)"
	[ "$(parent_of "$T/$t.json" as)" = "2 cc" ] ||
		fail "$t: as under cc: $(parent_of "$T/$t.json" as)"
	[ "$(parent_of "$T/$t.json" collect2)" = "1 cc" ] ||
		fail "$t: collect2 under cc: $(parent_of "$T/$t.json" collect2)"
	[ "$(parent_of "$T/$t.json" ld)" = "1 collect2" ] ||
		fail "$t: ld under collect2: $(parent_of "$T/$t.json" ld)"
	# nothing else: every process shown has its parent shown, but make
	orphans=$(jq -rs --argjson m "$make" '(map(.pid) | unique) as $p |
		.[] | select(.pid != $m and (.ppid as $pp | $p | index($pp) | not)) | .pid' \
		"$T/$t.json" | sort -u | tr '\n' ' ')
	[ -z "$orphans" ] || fail "$t: processes shown whose parent is not: $orphans"
	json_has "$T/$t.json" ".event == \"exit\" and .pid == $make and .exit_code == 0" ||
		fail "$t: the exit of make not shown"

	printf 'int a(void) { return }\n' >"$B/a.c"
	"$PROCTRAIL" watch -q --tier="$t" --json --events=exec,exit -- make -s -j2 -C "$B" \
		>"$T/$t-bad.json" 2>"$T/$t-bad.err"
	rc=$?
	[ $rc = 2 ] || fail "$t: a broken build: watch exited $rc, make exits 2"
	json_has "$T/$t-bad.json" '.event == "exit" and .comm == "cc1" and .exit_code == 1' ||
		fail "$t: the failing cc1 not shown"
	printf 'int a(void) { return 1; }\n' >"$B/a.c"
	ok "$t: watch -- make -j2 shows every compiler under its parent, exits 0 and 2 as make"
done
exit 0
