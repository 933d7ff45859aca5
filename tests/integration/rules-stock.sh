#!/bin/sh
# Falco's stock process rules (../shared/corpus/falco, read in place) on the
# live stream: the commands the rules describe, run here without containers,
# raise the right rule of the right file, once, with Falco's alert for that
# rule: priority and tags as the file says, the output as the rule's output
# format renders it (the command line in it), every %field of the format in
# output_fields, the process fields right, and Falco's JSON output shape.
# Harmless commands raise nothing. Nothing is destroyed: every file touched is
# a temporary one, the "servers" and "tools" are copies of timeout(1) and
# true(1) under a web server's, a database's or a miner's name.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/rules-lib.sh"
need_cmd jq
need_root "the netlink tier, setpriv, files in /dev/shm"
need_tier netlink
need_corpus
TIER=${RULES_STOCK_TIER:-netlink}
# the environment some rules read must not trigger them by accident
unset HTTP_PROXY http_proxy HTTPS_PROXY https_proxy GLIBC_TUNABLES
ME=$$
# the name of this shell (sh, or bash when the test driver runs it so): the
# parent of the commands run directly
PSH=$(cat /proc/$$/comm)

for f in $STOCK_FILES; do
	"$PROCTRAIL" rules check "$CORPUS/$f" >"$T/check.$f" 2>&1 ||
		fail "rules check $f: $(tail -5 "$T/check.$f")"
done

# ---- the stage: helpers, files --------------------------------------------------------
B=$T/bin
mkdir -p "$B" "$T/keys" "$T/home/.aws"
TIMEOUT=$(command -v timeout) || skip "needs timeout(1)"
for n in nginx postgres sshd; do cp "$TIMEOUT" "$B/$n"; done
for n in sudoedit pkexec xmrig wget usermod; do cp /bin/true "$B/$n"; done
# a sleep named wget, in a directory of its own (its name is the file's)
mkdir -p "$B/slow" && cp "$(command -v sleep)" "$B/slow/wget"
printf 'not a key\n' >"$T/keys/id_rsa"
printf '[default]\naws_secret_access_key = not-a-secret\n' >"$T/home/.aws/credentials"
printf 'scratch\n' >"$T/junk"
SHM=/dev/shm/pt-true-$$
cp /bin/true "$SHM" || skip "cannot write to /dev/shm"
chmod -R a+rX "$T"
trap 'rm -f "$SHM"; cleanup' EXIT
LOGINUID=$(cat /proc/self/loginuid 2>/dev/null || echo 0)

# ---- the watches: one per stock file, every event (to trace each alert to the
# command that caused it) and the alerts ---------------------------------------------------
WPIDS=""
for f in $STOCK_FILES; do
	start_watch "$T/w.$f.json" "$T/w.$f.err" --tier="$TIER" --json --rules "$CORPUS/$f"
	WPIDS="$WPIDS $WATCH_PID"
done

# trig ID CMD...: run CMD as a child of this shell (its pid is $!, the root of
# everything it starts), remember ID for that pid
: >"$T/trig.tsv"
trig() {
	id=$1
	shift
	"$@" >/dev/null 2>&1 </dev/null &
	printf '%s\t%s\n' $! "$id" >>"$T/trig.tsv"
	wait $!
}

# Expected alerts, one line per (trigger, file, rule): ID, file, rule,
# proc.name, proc.pname, proc.cmdline, user.name, whether the rule must load
# (T1: only argv, names, users, ancestry; the others need container, environment
# or loginuid data and may be skipped with a reason)
EXP=$T/expected.tsv
: >"$EXP"
expect() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$EXP"
}

# falco_rules.yaml
trig keys-find find "$T/keys" -name id_rsa
expect keys-find falco_rules.yaml "Search Private Keys or Passwords" find "$PSH" "find $T/keys -name id_rsa" root must
trig keys-grep grep -r "BEGIN RSA PRIVATE" "$T/keys"
expect keys-grep falco_rules.yaml "Search Private Keys or Passwords" grep "$PSH" "grep -r BEGIN RSA PRIVATE $T/keys" root must
trig aws-find find "$T/home/.aws/credentials"
expect aws-find falco_rules.yaml "Find AWS Credentials" find "$PSH" "find $T/home/.aws/credentials" root must
trig aws-grep grep -r aws_secret_access_key "$T/home"
expect aws-grep falco_rules.yaml "Find AWS Credentials" grep "$PSH" "grep -r aws_secret_access_key $T/home" root must
if command -v shred >/dev/null; then
	trig shred shred -u "$T/junk"
	expect shred falco_rules.yaml "Remove Bulk Data from Disk" shred "$PSH" "shred -u $T/junk" root must
fi
trig devshm "$SHM"
expect devshm falco_rules.yaml "Execution from /dev/shm" "pt-true-$$" "$PSH" "pt-true-$$" root must
if [ -x /usr/bin/python3 ]; then
	# true(1) copied into a memfd and exec'd from it, as fd 7: its name is "7"
	trig memfd /usr/bin/python3 -c 'import os
fd = os.memfd_create("ptmemfd")
with open("/bin/true", "rb") as f:
    os.write(fd, f.read())
os.dup2(fd, 7)
os.execv("/proc/self/fd/7", ["ptmemfd", "pt-memfd"])'
	expect memfd falco_rules.yaml "Fileless execution via memfd_create" 7 "$PSH" "7 pt-memfd" root may
fi
# a shell below a web server: "Run shell untrusted" here, "Web Server Spawned
# Shell" in the sandbox file
trig nginx-sh "$B/nginx" 10 sh -c true
expect nginx-sh falco_rules.yaml "Run shell untrusted" sh nginx "sh -c true" root must
expect nginx-sh falco-sandbox_rules.yaml "Web Server Spawned Shell" sh nginx "sh -c true" root must
# a system user's command below sshd
trig sysuser "$B/sshd" 10 setpriv --reuid=65534 --regid=65534 --clear-groups /bin/true
expect sysuser falco_rules.yaml "System user interactive" true sshd "true" nobody must

# falco-incubating_rules.yaml
trig pg-child "$B/postgres" 10 /bin/true pt-db-child
expect pg-child falco-incubating_rules.yaml "DB program spawned process" true postgres "true pt-db-child" root must
trig usermgmt "$B/usermod" -L pt-nobody
expect usermgmt falco-incubating_rules.yaml "User mgmt binaries" usermod "$PSH" "usermod -L pt-nobody" root must
# proc.env is read from /proc/PID/environ when a rule asks for it, not at exec
# (proctrail(1)): the processes live 0.3 s so that it can be read, and get
# their environment from a subshell that execs them (one exec, not env's two)
trig_env() { # ID NAME=VALUE CMD...
	id=$1 var=$2
	shift 2
	(
		export "$var"
		exec "$@"
	) >/dev/null 2>&1 </dev/null &
	printf '%s\t%s\n' $! "$id" >>"$T/trig.tsv"
	wait $!
}
trig_env proxy HTTP_PROXY=http://127.0.0.1:9 "$B/slow/wget" 0.3
expect proxy falco-incubating_rules.yaml "Program run with disallowed http proxy env" wget "$PSH" "wget 0.3" root may
trig_env tunables GLIBC_TUNABLES=glibc.malloc.check=0 sleep 0.31
expect tunables falco-incubating_rules.yaml "Potential Local Privilege Escalation via Environment Variables Misuse" sleep "$PSH" "sleep 0.31" root may
# env(1) setting the variable, then exec'ing: only the second image has it (a
# rule that fires on env itself read the environment of the next image)
trig env-tunables env GLIBC_TUNABLES=glibc.malloc.check=0 sleep 0.32
if command -v socat >/dev/null; then
	# socat copies nothing to a true(1) it starts: a network tool on the host and,
	# in the sandbox file, socat with EXEC
	trig socat socat -u /dev/null EXEC:/bin/true
	expect socat falco-incubating_rules.yaml "Launch Suspicious Network Tool on Host" socat "$PSH" "socat -u /dev/null EXEC:/bin/true" root must
	expect socat falco-sandbox_rules.yaml "Netcat/Socat Remote Code Execution on Host" socat "$PSH" "socat -u /dev/null EXEC:/bin/true" root must
fi

# falco-sandbox_rules.yaml
trig stratum /bin/true "stratum+tcp://pool.invalid:3333"
expect stratum falco-sandbox_rules.yaml "Detect crypto miners using the Stratum protocol" true "$PSH" "true stratum+tcp://pool.invalid:3333" root must
trig miner "$B/xmrig" --donate-level 1
expect miner falco-sandbox_rules.yaml "Known Cryptominer Process Executed" xmrig "$PSH" "xmrig --donate-level 1" root must
trig web-child "$B/nginx" 10 "$B/wget" -q http://127.0.0.1:9/
expect web-child falco-sandbox_rules.yaml "Web Server Spawned Suspicious Child Process" wget nginx "wget -q http://127.0.0.1:9/" root must
trig revshell "$B/nginx" 10 /bin/true /dev/tcp/127.0.0.1/9
expect revshell falco-sandbox_rules.yaml "Reverse Shell from Web Server" true nginx "true /dev/tcp/127.0.0.1/9" root must
if [ "$LOGINUID" != 0 ]; then
	# user.loginuid != 0: this session has no login uid (-1) or a user's
	trig sudoedit "$B/sudoedit" -s '\'
	expect sudoedit falco-sandbox_rules.yaml "Sudo Potential Privilege Escalation" sudoedit "$PSH" 'sudoedit -s \' root must
	trig pkexec "$B/pkexec"
	expect pkexec falco-sandbox_rules.yaml "Polkit Local Privilege Escalation Vulnerability (CVE-2021-4034)" pkexec "$PSH" "pkexec" root must
else
	echo "note: loginuid is 0 here: the sudoedit and pkexec rules (loginuid != 0) are not triggered"
fi
if command -v script >/dev/null; then
	# a command typed at a terminal: whoami leads its process group on script's pty
	trig recon env SHELL=/bin/sh script -qec "exec whoami" /dev/null
	expect recon falco-sandbox_rules.yaml "Basic Interactive Reconnaissance" whoami script "whoami" root must
fi

# harmless commands: nothing at all
trig harmless-ls ls "$T"
trig harmless-true true
trig harmless-cat cat /etc/hostname
trig harmless-sh sh -c 'echo hi'
trig harmless-find find /tmp -name x
trig harmless-grep grep -q root /etc/passwd
trig harmless-date date
trig harmless-nginx-ls "$B/nginx" 10 ls "$T"

sleep 0.5
for p in $WPIDS; do
	WATCH_PID=$p
	stop_watch
	[ "$WATCH_RC" = 0 ] || fail "a watch exited $WATCH_RC"
done

# ---- what fired, traced to the trigger -----------------------------------------------
# observed.FILE: trigger id, rule, the alert; an alert whose process descends
# from one of ours is traced up the parent keys to this shell's child
jq -R -s 'split("\n") | map(select(length > 0) | split("\t") | {key: .[0], value: .[1]}) |
	from_entries' "$T/trig.tsv" >"$T/trig.json"
for f in $STOCK_FILES; do
	lost=$(summary_field "$T/w.$f.err" lost)
	[ "$lost" = 0 ] || echo "note: $f: the watch lost $lost events"
	check_alert_shape "$T/w.$f.json"
	jq -c -s --argjson me "$ME" --slurpfile trig "$T/trig.json" '
		(map(select((.event == "fork" or .event == "exec") and .key != null)) |
		 map({key: .key, value: {p: .parent_key, pid: .pid, ppid: .ppid}}) | from_entries) as $m |
		def up(k; d): if d > 64 or k == null or $m[k] == null then null
			elif $m[k].ppid == $me then $m[k].pid else up($m[k].p; d + 1) end;
		.[] | select(.event == "alert") | (up(.key; 0) | tostring) as $root |
		select($trig[0][$root] != null) | {id: $trig[0][$root], alert: .}' \
		"$T/w.$f.json" >"$T/observed.$f" || fail "$f: cannot trace the alerts to the triggers"
	# the triggers with an exec whose argv this watch missed (a lost race, which
	# the capture benchmarks measure): no alert from them is a miss, not a rule's
	jq -r -s --argjson me "$ME" --slurpfile trig "$T/trig.json" '
		(map(select((.event == "fork" or .event == "exec") and .key != null)) |
		 map({key: .key, value: {p: .parent_key, pid: .pid, ppid: .ppid}}) | from_entries) as $m |
		def up(k; d): if d > 64 or k == null or $m[k] == null then null
			elif $m[k].ppid == $me then $m[k].pid else up($m[k].p; d + 1) end;
		.[] | select(.event == "exec" and (.missing // {} | has("argv"))) |
		$trig[0][up(.key; 0) | tostring] // empty' "$T/w.$f.json" >"$T/missed.$f" ||
		fail "$f: cannot trace the execs to the triggers"
done

# check_fields FILE RULE ALERT NAME PNAME CMDLINE USER: one alert as Falco shows it
check_fields() {
	f=$1 rule=$2 a=$3
	# the rule's block in the file: its priority and tags
	block=$(awk -v r="- rule: $rule" '$0 == r { p = 1; print; next } p && /^- / { exit } p' "$CORPUS/$f")
	prio=$(printf '%s\n' "$block" | awk '/^  priority:/ { v = $2; if (v == "") { getline; v = $1 }; print v; exit }')
	case $(printf '%s' "$prio" | tr '[:lower:]' '[:upper:]') in
	EMERGENCY) prio=Emergency ;; ALERT) prio=Alert ;; CRITICAL) prio=Critical ;; ERROR) prio=Error ;;
	WARNING) prio=Warning ;; NOTICE) prio=Notice ;; INFO | INFORMATIONAL) prio=Informational ;;
	DEBUG) prio=Debug ;; *) fail "$f: no priority for '$rule'" ;;
	esac
	tags=$(printf '%s\n' "$block" | sed -n 's/^  tags: *\[\(.*\)\] *$/\1/p' | tr -d ' ' | tr ',' '\n' |
		jq -R . | jq -s -c .)
	format=$(printf '%s\n' "$block" | sed -n 's/^  output: *//p')
	prefix=${format%%%*}
	fields=$(printf '%s\n' "$format" | grep -o '%[a-z][a-z0-9_.]*\(\[[0-9]*\]\)\{0,1\}' | cut -c2- | sort -u |
		jq -R . | jq -s -c .)
	printf '%s\n' "$a" | jq -e --arg prio "$prio" --argjson tags "$tags" --arg prefix "$prefix" \
		--argjson fields "$fields" --arg name "$4" --arg pname "$5" --arg cmd "$6" --arg user "$7" '
		.priority == $prio and .tags == $tags and
		(.output | contains(": " + $prio + " " + $prefix)) and
		(.output | contains("command=" + $cmd + " ")) and
		((.output_fields | keys) - $fields - ["evt.time"] == []) and ($fields - (.output_fields | keys) == []) and
		.output_fields["proc.name"] == $name and .output_fields["proc.pname"] == $pname and
		.output_fields["proc.cmdline"] == $cmd and .output_fields["user.name"] == $user and
		(.output_fields["evt.type"] | IN("execve", "exec"))' >/dev/null || {
		printf '%s\n' "$a" | jq .
		fail "$f: the '$rule' alert is not Falco's (priority $prio, tags $tags, output '$prefix...', fields $fields, proc.name $4, proc.pname $5, cmdline '$6', user $7)"
	}
}

# Falco's output_fields also carry evt.time (the format it renders is
# "%evt.time: %priority " + the rule's): told, not required
for f in $STOCK_FILES; do
	n=$(jq -c 'select(.alert.output_fields["evt.time"] == null)' "$T/observed.$f" | wc -l)
	[ "$n" = 0 ] || { echo "note: $n alerts of $f without evt.time in output_fields (Falco has it)"; break; }
done

# every expected alert, once, with its fields; a rule that may be skipped and is
# is reported, not failed
nok=0 nskip=0 nmiss=0
while IFS='	' read -r id f rule name pname cmd user must; do
	n=$(jq -c --arg id "$id" --arg r "$rule" 'select(.id == $id and .alert.rule == $r)' "$T/observed.$f" | wc -l)
	state=$(rules_line "$T/check.$f" "$rule")
	if [ "$n" = 0 ] && printf '%s\n' "$state" | grep -qi skip; then
		[ "$must" = may ] || fail "$f: '$rule' is skipped, but needs only process fields: $state"
		echo "not checked ($id): '$rule' is skipped: $state"
		nskip=$((nskip + 1))
		continue
	fi
	if [ "$n" = 0 ] && grep -qx "$id" "$T/missed.$f"; then
		echo "not checked ($id): the watch for $f missed the argv of its exec"
		nmiss=$((nmiss + 1))
		continue
	fi
	[ "$n" = 1 ] || fail "$id: $n alerts '$rule' from $f, expected 1 (rules check: ${state:-not listed})"
	a=$(jq -c --arg id "$id" --arg r "$rule" 'select(.id == $id and .alert.rule == $r) | .alert' "$T/observed.$f")
	check_fields "$f" "$rule" "$a" "$name" "$pname" "$cmd" "$user"
	ok "$id: '$rule' ($f): $(printf '%s\n' "$a" | jq -r .output | cut -c1-150)"
	nok=$((nok + 1))
done <"$EXP"

# env-tunables: the alert is sleep's; one on env itself is told (proc.env read late)
n=$(jq -c 'select(.id == "env-tunables" and .alert.output_fields["proc.name"] == "env")' \
	"$T/observed.falco-incubating_rules.yaml" | wc -l)
[ "$n" = 0 ] || echo "note: env(1) itself alerted on GLIBC_TUNABLES, which only its next image has: proc.env was read after the re-exec"
if [ "$(rules_state "$T/check.falco-incubating_rules.yaml" "Potential Local Privilege Escalation via Environment Variables Misuse")" = loaded ]; then
	expect env-tunables falco-incubating_rules.yaml "Potential Local Privilege Escalation via Environment Variables Misuse" sleep "$PSH" "sleep 0.32" root may
	jq -c 'select(.id != "env-tunables" or .alert.output_fields["proc.name"] != "env")' \
		"$T/observed.falco-incubating_rules.yaml" >"$T/obs.tmp"
	mv "$T/obs.tmp" "$T/observed.falco-incubating_rules.yaml"
	n=$(jq -c 'select(.id == "env-tunables")' "$T/observed.falco-incubating_rules.yaml" | wc -l)
	[ "$n" = 1 ] || fail "env GLIBC_TUNABLES=... sleep: $n alerts for sleep, expected 1"
fi

# nothing else fired for any trigger, nothing at all for the harmless ones
for f in $STOCK_FILES; do
	jq -r '[.id, .alert.rule] | @tsv' "$T/observed.$f" | sort >"$T/got.$f"
	awk -F'\t' -v f="$f" '$2 == f { print $1 "\t" $3 }' "$EXP" | sort >"$T/want.$f"
	extra=$(comm -23 "$T/got.$f" "$T/want.$f")
	[ -z "$extra" ] || fail "$f: unexpected alerts (trigger, rule): $(printf '%s\n' "$extra" | tr '\t\n' ': ')"
done
ok "harmless commands (ls, true, cat, sh -c 'echo hi', find /tmp -name x, grep, date, ls below nginx): no alert"
# one lost race is luck; more is a capture that does not work
[ "$nmiss" -le 1 ] || fail "the watches missed the argv of $nmiss triggers"
ok "$nok stock-rule alerts as Falco shows them; $nskip not checked (rule skipped), $nmiss (argv missed)"
