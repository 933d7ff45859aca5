#!/bin/sh
# contrib/check-dist-files.sh, which CI runs on distcheck's tarball: a tarball
# of every tracked file passes; one without a tracked file fails and names
# it; the repository-only files (.ci/, .gitignore, m4/.gitkeep) may be left
# out; usage errors exit 2.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd git
need_cmd tar
CHECK=$top_srcdir/contrib/check-dist-files.sh
git -C "$top_srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
	skip "$top_srcdir is not a git checkout (a tarball's tree)"

# pack TARBALL [FILE-TO-LEAVE-OUT...]: the tracked files under p-1/
pack() {
	out=$1
	shift
	git -C "$top_srcdir" ls-files >"$T/list"
	for f in "$@"; do grep -vxF "$f" "$T/list" >"$T/list.new" && mv "$T/list.new" "$T/list"; done
	tar -C "$top_srcdir" --transform 's,^,p-1/,' -T "$T/list" -cf "$out" || exit 99
}

pack "$T/all.tar"
"$CHECK" "$T/all.tar" >"$T/out" 2>&1 || fail "every tracked file, yet: $(cat "$T/out")"
grep -q "all in all.tar" "$T/out" || fail "no verdict: $(cat "$T/out")"
ok "a tarball of every tracked file passes"

pack "$T/lacks.tar" README.md tests/integration/dist-files.sh
rc=0
"$CHECK" "$T/lacks.tar" >"$T/out" 2>"$T/err" || rc=$?
[ $rc = 1 ] || fail "two tracked files missing, exit $rc: $(cat "$T/err")"
grep -qx "  README.md" "$T/err" && grep -qx "  tests/integration/dist-files.sh" "$T/err" ||
	fail "the missing files are not named: $(cat "$T/err")"
[ "$(grep -c '^  ' "$T/err")" = 2 ] || fail "more than the two missing named: $(cat "$T/err")"
ok "a tarball without two tracked files fails and names both"

pack "$T/repo-only.tar" .ci/run .gitignore m4/.gitkeep
"$CHECK" "$T/repo-only.tar" >"$T/out" 2>&1 || fail "the repository-only files are asked for: $(cat "$T/out")"
ok "the repository-only files (.ci/, .gitignore, m4/.gitkeep) may be left out"

rc=0
"$CHECK" >/dev/null 2>"$T/err" || rc=$?
[ $rc = 2 ] && grep -q usage "$T/err" || fail "no argument: exit $rc, $(cat "$T/err")"
rc=0
"$CHECK" "$T/nonesuch.tar" >/dev/null 2>"$T/err" || rc=$?
[ $rc = 2 ] && grep -q "no such file" "$T/err" || fail "a missing tarball: exit $rc, $(cat "$T/err")"
ok "usage errors exit 2 with a message"
