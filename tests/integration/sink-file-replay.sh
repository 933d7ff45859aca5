#!/bin/sh
# The file sink end to end through `proctrail replay` of a recorded storm:
# rotation at the configured size (MiB) and count, names FILE.1 (newest) to
# FILE.N, compressed (FILE.N.gz) or not, and the files read oldest first are
# byte for byte the recorded stream (or its newest part when backups ran out).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_root "records a storm with watch"
need_cmd gzip
"$PROCTRAIL" watch --help 2>&1 | grep -q -- "--output=" || skip "this proctrail has no watch --output"

# a recording of about 4 MB
start_watch "$T/rec.jsonl" "$T/err" --json
"$STORM" -n 3000 -k 2 -b /bin/true -t pt-replay >/dev/null || fail "storm"
wait_for_line "$T/rec.jsonl" pt-replay-2999 20 || fail "the storm was not recorded"
stop_watch
size=$(wc -c <"$T/rec.jsonl")
[ "$size" -gt 3000000 ] || fail "a recording of $size bytes only"

# cat_all BASE: FILE.N .. FILE.1, FILE, decompressed, to stdout
cat_all() {
	for f in $(ls -rv "$1".[0-9]* 2>/dev/null) "$1"; do
		gzip -dcf "$f"
	done
}

# everything kept: the files are the recording, and none is over 1 MiB. The
# recording holds the whole host's processes besides the storm's (a parallel
# make check adds megabytes): room for every MiB of it, whatever its size.
all=$((size / 1048576 + 2))
mkdir "$T/a"
"$PROCTRAIL" replay -q --output="$T/a/e.jsonl" --output-max-size-mb=1 --output-max-backups=$all \
	"$T/rec.jsonl" 2>"$T/a.err" || { cat "$T/a.err"; fail "replay"; }
n=$(ls "$T/a" | wc -l)
[ "$n" -ge 4 ] || fail "$n files for $size bytes at 1 MiB each"
for i in $(seq 1 $((n - 1))); do
	[ -f "$T/a/e.jsonl.$i" ] || fail "e.jsonl.$i missing of $((n - 1)) rotated"
done
for f in "$T"/a/*; do
	[ "$(wc -c <"$f")" -le 1048576 ] || fail "$f is over 1 MiB"
done
cat_all "$T/a/e.jsonl" | cmp - "$T/rec.jsonl" || fail "the files are not the recording"
ok "size rotation: $n files of at most 1 MiB, together the recording byte for byte"

# two backups: FILE.1, FILE.2 and FILE, the newest part of the recording
mkdir "$T/b"
"$PROCTRAIL" replay -q --output="$T/b/e.jsonl" --output-max-size-mb=1 --output-max-backups=2 \
	"$T/rec.jsonl" 2>"$T/b.err" || { cat "$T/b.err"; fail "replay"; }
[ "$(ls "$T/b")" = "$(printf 'e.jsonl\ne.jsonl.1\ne.jsonl.2')" ] || fail "kept: $(ls "$T/b")"
kept=$(cat_all "$T/b/e.jsonl" | wc -c)
tail -c "$kept" "$T/rec.jsonl" >"$T/tail"
head -c 1 "$T/tail" | grep -q '{' || fail "the kept files do not start with a line"
cat_all "$T/b/e.jsonl" | cmp - "$T/tail" || fail "the kept files are not the recording's end"
[ "$kept" -lt "$size" ] || fail "nothing was removed"
ok "--output-max-backups=2: 3 files, the last $kept bytes of the recording"

# compressed: FILE.i.gz, whole, and together the recording
mkdir "$T/c"
"$PROCTRAIL" replay -q --output="$T/c/e.jsonl" --output-max-size-mb=1 --output-max-backups=$all \
	--output-compress "$T/rec.jsonl" 2>"$T/c.err" || { cat "$T/c.err"; fail "replay"; }
[ "$(ls "$T/c" | grep -c '\.gz$')" = $((n - 1)) ] || fail "compressed: $(ls "$T/c")"
ls "$T/c" | grep -q 'tmp' && fail "a temporary file left: $(ls "$T/c")"
for f in "$T"/c/*.gz; do
	gzip -t "$f" || fail "$f is not whole"
done
cat_all "$T/c/e.jsonl" | cmp - "$T/rec.jsonl" || fail "the compressed files are not the recording"
ok "--output-compress: $((n - 1)) whole .gz files, together the recording byte for byte"
