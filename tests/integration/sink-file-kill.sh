#!/bin/sh
# kill -9 of a `watch --output` writer in the middle of a storm, with rotation
# and compression under way: every complete line of every file is valid JSON;
# the next writer cuts a partial last line and cleans up an unfinished
# compression, after which every file ends with a newline and every .gz is whole.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_root "runs the monitor during a storm"
need_cmd jq
"$PROCTRAIL" watch --help 2>&1 | grep -q -- "--output=" || skip "this proctrail has no watch --output"
need_cmd gzip

F=$T/out/events.jsonl
mkdir "$T/out" || exit 99
OPTS="--json --output=$F --output-max-size-mb=1 --output-max-backups=20 --output-compress
	--batch-size=7 --flush-interval=0.01 --output-fsync=no"

# check_files STRICT: every line valid; STRICT: also every file ends with '\n'
check_files() {
	for f in "$F" "$F".[0-9]*; do
		[ -e "$f" ] || continue
		case $f in
		*.tmp) [ "$1" = strict ] && fail "$f left after a restart"
			continue ;;
		*.gz) gzip -t "$f" 2>/dev/null || fail "$f is not a complete gzip file"
			gzip -dc "$f" >"$T/plain" ;;
		*) cp "$f" "$T/plain" ;;
		esac
		if [ "$1" = strict ]; then
			[ ! -s "$T/plain" ] ||
				[ "$(tail -c 1 "$T/plain" | od -An -c | tr -d ' ')" = '\n' ] ||
				fail "$f does not end with a newline"
		else
			# a killed writer may leave a partial last line: the next open cuts it
			[ "$(tail -c 1 "$T/plain" | od -An -c | tr -d ' ')" = '\n' ] ||
				sed -i '$d' "$T/plain"
		fi
		bad=$(jq -R -c 'fromjson? // "BAD" | select(type != "object")' "$T/plain" | head -3)
		[ -z "$bad" ] || fail "$f has lines that are not JSON objects: $bad"
	done
}

for round in 1 2 3; do
	# shellcheck disable=SC2086
	start_watch /dev/null "$T/err$round" $OPTS
	"$STORM" -n 3000 -k 4 -b /bin/true -t "pt-kill-$round" >/dev/null &
	spid=$!
	sleep 0.$((round * 3))
	kill -9 "$WATCH_PID"
	wait "$WATCH_PID" 2>/dev/null
	wait "$spid"
	check_files loose
done
ok "3 writers killed mid-storm: every complete line valid"

# shellcheck disable=SC2086
start_watch /dev/null "$T/err-last" $OPTS
stop_watch
[ "$WATCH_RC" = 0 ] || { cat "$T/err-last"; fail "watch exited $WATCH_RC"; }
check_files strict
n=$(ls "$F".[0-9]* 2>/dev/null | wc -l)
cuts=$(grep -h "partial last line\|unfinished compression" "$T"/err* | wc -l)
ok "after a restart: every file whole ($n rotated; $cuts partial lines or compressions cleaned up)"
