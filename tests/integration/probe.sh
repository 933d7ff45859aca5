#!/bin/sh
# `proctrail probe` explains every tier, as root and as an unprivileged user.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq

"$PROCTRAIL" probe >"$T/probe.txt"
rc=$?
cat "$T/probe.txt"
for t in bpf netlink inotify poll; do
	grep -q "^$t " "$T/probe.txt" || fail "probe does not list tier $t"
done
# every tier that cannot run says why
awk '$2 == "no" && NF < 3 {print}' "$T/probe.txt" | grep -q . && fail "a tier says no without a reason"
"$PROCTRAIL" probe --json >"$T/probe.json"
jq -e '.tiers | length == 4' "$T/probe.json" >/dev/null || fail "probe --json does not list 4 tiers"
jq -e '[.tiers[] | select(.available == false and (.reason | length == 0))] | length == 0' "$T/probe.json" >/dev/null ||
	fail "an unavailable tier has no reason in JSON"
auto=$(jq -r .auto "$T/probe.json")
[ "$rc" = 0 ] || [ "$auto" = null ] || fail "probe exit $rc with auto=$auto"
ok "probe lists all tiers (auto: $auto)"

# poll needs nothing but /proc
jq -e '[.tiers[] | select(.tier == "poll")][0].available' "$T/probe.json" >/dev/null ||
	fail "poll tier unavailable: $(jq -r '.tiers[] | select(.tier == "poll") | .reason' "$T/probe.json")"

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$PROCTRAIL" probe --json >"$T/nobody.json"
	cat "$T/nobody.json"
	bpf=$(jq -r '.tiers[] | select(.tier == "bpf") | .available' "$T/nobody.json")
	[ "$bpf" = false ] || fail "bpf tier claims to run as nobody"
	jq -r '.tiers[] | select(.tier == "bpf") | .reason' "$T/nobody.json" |
		grep -qiE "CAP_BPF|not built|permission" || fail "bpf reason as nobody does not name the capability"
	# Linux >= 6.6 lets anyone listen to the proc connector
	major=$(uname -r | cut -d. -f1)
	minor=$(uname -r | cut -d. -f2)
	if [ "$major" -gt 6 ] || { [ "$major" = 6 ] && [ "$minor" -ge 6 ]; }; then
		# unless the kernel was built to refuse (seen on 6.18): then the reason says so
		jq -e '[.tiers[] | select(.tier == "netlink")][0].available' "$T/nobody.json" >/dev/null ||
			jq -r '.tiers[] | select(.tier == "netlink") | .reason' "$T/nobody.json" |
			grep -q "not built\|this kernel lets no unprivileged user listen" ||
			fail "netlink should run unprivileged on Linux >= 6.6, or say why not"
	fi
	ok "probe as nobody explains bpf and netlink"
fi

"$PROCTRAIL" probe --bogus >/dev/null 2>&1
[ $? = 2 ] || fail "bad option does not exit 2"
