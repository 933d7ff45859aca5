#!/bin/sh
# follow-tree.sh DEPTH FILE [CODE]: a process tree for the follow tests. Appends
# "PID PPID" to FILE, starts two copies one level deeper and waits for them; a
# leaf becomes `sleep ${LEAF_S:-0.3}` (same pid). Exits CODE (default 0).
echo "$$ $PPID" >>"$2"
if [ "$1" -gt 0 ]; then
	"$0" $(($1 - 1)) "$2" &
	"$0" $(($1 - 1)) "$2" &
	wait
else
	exec sleep "${LEAF_S:-0.3}"
fi
exit "${3:-0}"
