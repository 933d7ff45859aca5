#!/bin/sh
# The netlink tier's batching follows the event socket's receive buffer: the
# core takes flowing events every 25 ms from 2M of --rcvbuf up (the default is
# 32M), every 10 ms below, where the buffer holds fewer events (proctrail(1),
# TIERS). The log (-v) says which; the events of a command are all there.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq
need_root "SO_RCVBUFFORCE for a chosen buffer"
need_tier netlink

# batch RCVBUF|default EXPECTED_MS
batch() {
	set -- "$1" "$2" "$T/b-$1" ""
	[ "$1" = default ] || set -- "$1" "$2" "$3" "--rcvbuf=$1"
	"$PROCTRAIL" -v watch --tier=netlink --json --events=exec ${4:+"$4"} \
		-- sh -c '/bin/true; /bin/true' >"$3.json" 2>"$3.err" ||
		{ cat "$3.err"; fail "$1: watch failed"; }
	grep -q "^proctrail: netlink: while events flow, the core takes them every $2 ms\$" "$3.err" ||
		{ cat "$3.err"; fail "--rcvbuf=$1: the log does not say every $2 ms"; }
	n=$(jq -s 'map(select(.event == "exec")) | length' "$3.json")
	[ "$n" = 3 ] || fail "--rcvbuf=$1: $n exec events of sh and its two trues"
}
batch default 25
batch 2M 25
batch 2047K 10
batch 256K 10
ok "batches of 25 ms from 2M of receive buffer, 10 ms below; every exec there"
