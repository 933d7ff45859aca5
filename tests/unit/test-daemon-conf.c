/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proctrail.conf(5): the defaults, every key and every form of value, the
 * messages of every error with the file and line, and which changed keys a
 * SIGHUP cannot apply.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

static struct pd_conf c;
static char err[512];

static void setup(void)
{
	pd_conf_init(&c);
	err[0] = '\0';
}

static void teardown(void)
{
	pd_conf_free(&c);
}

TestSuite(conf, .init = setup, .fini = teardown);

static int parse(const char *text)
{
	return pd_conf_parse(&c, text, strlen(text), "proctrail.conf", err, sizeof(err));
}

static void parse_ok(const char *text)
{
	int r = parse(text);

	cr_assert_eq(r, 0, "'%s': %d (%s)", text, r, err);
	cr_assert_str_empty(err);
}

static void parse_err(const char *text, const char *want)
{
	int r = parse(text);

	cr_assert_eq(r, -EINVAL, "'%s': %d, want -EINVAL", text, r);
	cr_assert_str_eq(err, want, "'%s'", text);
}

Test(conf, defaults)
{
	cr_assert_eq(c.tier, PT_TIER_AUTO);
	cr_assert_eq(c.events, PT_EVMASK_ALL);
	cr_assert_eq(c.retention_ms, 600000);
	cr_assert_eq(c.mem_max, 256u << 20);
	cr_assert_eq(c.args_max, 128u << 10);
	cr_assert_eq(c.exec_history, 4);
	cr_assert_eq(c.realtime, -1);
	cr_assert_eq(c.readers, -1);
	cr_assert_eq(c.poll_interval_ms, 100);
	cr_assert_eq(c.rcvbuf, 32u << 20);
	cr_assert_eq(c.ring_size, 8u << 20);
	cr_assert_null(c.runtime_root);
	cr_assert_eq(c.container_linger_ms, 30000);
	cr_assert_str_eq(c.socket_path, PD_SOCKET_PATH);
	cr_assert_str_eq(c.socket_group, "proctrail");
	cr_assert_eq(c.socket_mode, 0660);
	cr_assert_str_eq(c.state_dir, PD_STATE_DIR);
	cr_assert_null(c.user);
	cr_assert_eq(c.max_clients, 256);
	cr_assert_eq(c.max_request, 64u << 10);
	cr_assert_eq(c.client_idle_ms, 300000);
	cr_assert_eq(c.subscriber_queue, 4u << 20);
	cr_assert_eq(c.reply_max, 256u << 20);
	cr_assert_eq(c.log_level, PT_LOG_NOTICE);
}

Test(conf, empty_and_comments)
{
	parse_ok("");
	parse_ok("\n\n   \n\t\n# a comment = with an equals sign\n  # indented comment\n");
	cr_assert_eq(c.retention_ms, 600000);
}

Test(conf, every_key)
{
	parse_ok("tier = netlink\n"
		 "events = fork, exec,exit\n"
		 "retention = 30s\n"
		 "memory_max = 1G\n"
		 "args_max = 64K\n"
		 "exec_history = 0\n"
		 "realtime = no\n"
		 "readers = 2\n"
		 "poll_interval = 250ms\n"
		 "netlink_rcvbuf = 64M\n"
		 "ring_size = 16M\n"
		 "socket = /tmp/pt/sock\n"
		 "socket_group = wheel\n"
		 "socket_mode = 0600\n"
		 "state_dir = /var/tmp/pt\n"
		 "user = nobody\n"
		 "max_clients = 65536\n"
		 "max_request = 1M\n"
		 "client_idle_timeout = 0\n"
		 "subscriber_queue = 128K\n"
		 "reply_max = 1G\n"
		 "log_level = debug\n");
	cr_assert_eq(c.tier, PT_TIER_NETLINK);
	cr_assert_eq(c.events,
		     PT_EVMASK(PT_EV_FORK) | PT_EVMASK(PT_EV_EXEC) | PT_EVMASK(PT_EV_EXIT));
	cr_assert_eq(c.retention_ms, 30000);
	cr_assert_eq(c.mem_max, 1u << 30);
	cr_assert_eq(c.args_max, 64u << 10);
	cr_assert_eq(c.exec_history, 0);
	cr_assert_eq(c.realtime, 0);
	cr_assert_eq(c.readers, 2);
	cr_assert_eq(c.poll_interval_ms, 250);
	cr_assert_eq(c.rcvbuf, 64u << 20);
	cr_assert_eq(c.ring_size, 16u << 20);
	cr_assert_str_eq(c.socket_path, "/tmp/pt/sock");
	cr_assert_str_eq(c.socket_group, "wheel");
	cr_assert_eq(c.socket_mode, 0600);
	cr_assert_str_eq(c.state_dir, "/var/tmp/pt");
	cr_assert_str_eq(c.user, "nobody");
	cr_assert_eq(c.max_clients, 65536);
	cr_assert_eq(c.max_request, 1u << 20);
	cr_assert_eq(c.client_idle_ms, 0);
	cr_assert_eq(c.subscriber_queue, 128u << 10);
	cr_assert_eq(c.reply_max, 1u << 30);
	cr_assert_eq(c.log_level, PT_LOG_DEBUG);
}

Test(conf, tiers)
{
	static const struct {
		const char *name;
		enum pt_tier t;
	} t[] = {{"auto", PT_TIER_AUTO},       {"bpf", PT_TIER_BPF},   {"netlink", PT_TIER_NETLINK},
		 {"inotify", PT_TIER_INOTIFY}, {"poll", PT_TIER_POLL}, {"none", PT_TIER_NONE}};
	char line[64];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(line, sizeof(line), "tier = %s", t[i].name);
		parse_ok(line);
		cr_assert_eq(c.tier, t[i].t, "%s", t[i].name);
	}
	parse_err("tier = ebpf",
		  "proctrail.conf:1: bad value 'ebpf' for tier (auto, bpf, netlink, inotify, poll "
		  "or none)");
	parse_err("tier = Netlink",
		  "proctrail.conf:1: bad value 'Netlink' for tier (auto, bpf, "
		  "netlink, inotify, poll or none)");
}

Test(conf, events)
{
	parse_ok("events = exec");
	cr_assert_eq(c.events, PT_EVMASK(PT_EV_EXEC));
	parse_ok("events = all");
	cr_assert_eq(c.events, PT_EVMASK_ALL);
	parse_ok("events = \"exec_failed , coredump,ptrace\"");
	cr_assert_eq(c.events,
		     PT_EVMASK(PT_EV_EXEC_FAILED) | PT_EVMASK(PT_EV_COREDUMP) |
			     PT_EVMASK(PT_EV_PTRACE));
	for (int i = 0; i < PT_EV_COUNT; i++) {
		char line[64];

		snprintf(line, sizeof(line), "events = %s", pt_event_name((enum pt_event_type)i));
		parse_ok(line);
		cr_assert_eq(c.events, PT_EVMASK(i));
	}
	parse_err("events = exec,bogus",
		  "proctrail.conf:1: bad value 'exec,bogus' for events (all, or a comma-separated "
		  "list of fork, exec, exit, uid, gid, sid, comm, ptrace, coredump, lost, "
		  "exec_failed)");
	cr_assert_eq(parse("events = exec,"), -EINVAL);
	cr_assert_eq(parse("events = ,exec"), -EINVAL);
	cr_assert_eq(parse("events = exec,,fork"), -EINVAL);
	cr_assert_eq(parse("events ="), -EINVAL);
	cr_assert_eq(parse("events = all,exec"), -EINVAL);
}

Test(conf, durations)
{
	static const struct {
		const char *v;
		int64_t ms;
	} d[] = {{"0", 0},
		 {"500ms", 500},
		 {"30s", 30000},
		 {"10m", 600000},
		 {"10min", 600000},
		 {"1h", 3600000},
		 {"2d", 172800000},
		 {"45", 45000},
		 {"\"15m\"", 900000},
		 {"30d", 2592000000LL}};
	char line[64];

	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		snprintf(line, sizeof(line), "retention = %s", d[i].v);
		parse_ok(line);
		cr_assert_eq(c.retention_ms, d[i].ms, "%s", d[i].v);
	}
	parse_ok("client_idle_timeout = 90s\npoll_interval = 10ms\n");
	cr_assert_eq(c.client_idle_ms, 90000);
	cr_assert_eq(c.poll_interval_ms, 10);
	/* a bare number is seconds for every duration */
	parse_ok("poll_interval = 1");
	cr_assert_eq(c.poll_interval_ms, 1000);
}

Test(conf, duration_errors)
{
	const char *hint = "(a duration: 500ms, 30s, 10m, 1h; a bare number is seconds)";
	const char *bad[] = {"5x", "-5s", "+5s", "5 s", "s", "1.5h", "10M", "0x10", "5sec", ""};
	char line[64], want[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "retention = %s", bad[i]);
		snprintf(want, sizeof(want), "proctrail.conf:1: bad value '%s' for retention %s",
			 bad[i], hint);
		parse_err(line, want);
	}
	parse_err("retention = 31d",
		  "proctrail.conf:1: value '31d' out of range for retention (0..30d)");
	parse_err("retention = 99999999999999999999h",
		  "proctrail.conf:1: value '99999999999999999999h' out of range for retention "
		  "(0..30d)");
	parse_err(
		"retention = 9999999999999999d",
		"proctrail.conf:1: value '9999999999999999d' out of range for retention (0..30d)");
	parse_err("poll_interval = 5ms",
		  "proctrail.conf:1: value '5ms' out of range for poll_interval (10ms..1h)");
	parse_err("poll_interval = 2h",
		  "proctrail.conf:1: value '2h' out of range for poll_interval (10ms..1h)");
	parse_err("client_idle_timeout = 8d",
		  "proctrail.conf:1: value '8d' out of range for client_idle_timeout (0..7d)");
}

Test(conf, sizes)
{
	static const struct {
		const char *v;
		size_t n;
	} s[] = {{"1048576", 1u << 20}, {"1024K", 1u << 20}, {"1024k", 1u << 20},
		 {"1M", 1u << 20},	{"1MB", 1u << 20},   {"1MiB", 1u << 20},
		 {"2G", 2ull << 30},	{"1T", 1ull << 40},  {"3145728B", 3u << 20}};
	char line[64];

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		snprintf(line, sizeof(line), "memory_max = %s", s[i].v);
		parse_ok(line);
		cr_assert_eq(c.mem_max, s[i].n, "%s", s[i].v);
	}
	parse_err("memory_max = 64x",
		  "proctrail.conf:1: bad value '64x' for memory_max (a size: 4096, 64K, 256M, 1G)");
	cr_assert_eq(parse("memory_max = 1m"), -EINVAL);
	cr_assert_eq(parse("memory_max = 1.5G"), -EINVAL);
	cr_assert_eq(parse("memory_max = M"), -EINVAL);
	cr_assert_eq(parse("memory_max = 1Mi"), -EINVAL);
	cr_assert_eq(parse("memory_max = 1 M"), -EINVAL);
	parse_err("memory_max = 512K",
		  "proctrail.conf:1: value '512K' out of range for memory_max (1M..1T)");
	parse_err("memory_max = 99999999999T",
		  "proctrail.conf:1: value '99999999999T' out of range for memory_max (1M..1T)");
	parse_err("args_max = 512",
		  "proctrail.conf:1: value '512' out of range for args_max (1K..16M)");
	parse_err("args_max = 17M",
		  "proctrail.conf:1: value '17M' out of range for args_max (1K..16M)");
	parse_err("netlink_rcvbuf = 2G",
		  "proctrail.conf:1: value '2G' out of range for netlink_rcvbuf (64K..1G)");
	parse_err("ring_size = 4K",
		  "proctrail.conf:1: value '4K' out of range for ring_size (64K..1G)");
	parse_err("max_request = 255",
		  "proctrail.conf:1: value '255' out of range for max_request (256..16M)");
	parse_err("subscriber_queue = 2G",
		  "proctrail.conf:1: value '2G' out of range for subscriber_queue (64K..1G)");
	parse_err("reply_max = 17G",
		  "proctrail.conf:1: value '17G' out of range for reply_max (64K..16G)");
}

Test(conf, numbers)
{
	parse_ok("max_clients = 1");
	cr_assert_eq(c.max_clients, 1);
	parse_ok("exec_history = 64");
	cr_assert_eq(c.exec_history, 64);
	parse_err("max_clients = 0",
		  "proctrail.conf:1: value '0' out of range for max_clients (1..65536)");
	parse_err("max_clients = 65537",
		  "proctrail.conf:1: value '65537' out of range for max_clients (1..65536)");
	parse_err("max_clients = 18446744073709551616",
		  "proctrail.conf:1: value '18446744073709551616' out of range for max_clients "
		  "(1..65536)");
	parse_err("max_clients = -1",
		  "proctrail.conf:1: bad value '-1' for max_clients (a number)");
	parse_err("max_clients = 10k",
		  "proctrail.conf:1: bad value '10k' for max_clients (a number)");
	parse_err("exec_history = 65",
		  "proctrail.conf:1: value '65' out of range for exec_history (0..64)");
}

Test(conf, tristate_and_readers)
{
	static const struct {
		const char *v;
		int want;
	} t[] = {{"auto", -1}, {"yes", 1}, {"no", 0}, {"true", 1}, {"false", 0},
		 {"on", 1},    {"off", 0}, {"1", 1},  {"0", 0}};
	char line[64];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(line, sizeof(line), "realtime = %s", t[i].v);
		parse_ok(line);
		cr_assert_eq(c.realtime, t[i].want, "%s", t[i].v);
	}
	parse_err("realtime = maybe",
		  "proctrail.conf:1: bad value 'maybe' for realtime (auto, yes or no)");
	parse_err("realtime = YES",
		  "proctrail.conf:1: bad value 'YES' for realtime (auto, yes or no)");
	parse_ok("readers = auto");
	cr_assert_eq(c.readers, -1);
	parse_ok("readers = 0");
	cr_assert_eq(c.readers, 0);
	parse_err("readers = 65", "proctrail.conf:1: value '65' out of range for readers (0..64)");
	parse_err("readers = many",
		  "proctrail.conf:1: bad value 'many' for readers (auto or a number)");
}

Test(conf, modes)
{
	parse_ok("socket_mode = 0666");
	cr_assert_eq(c.socket_mode, 0666);
	parse_ok("socket_mode = 660");
	cr_assert_eq(c.socket_mode, 0660);
	parse_ok("socket_mode = 0");
	cr_assert_eq(c.socket_mode, 0);
	parse_err(
		"socket_mode = 0680",
		"proctrail.conf:1: bad value '0680' for socket_mode (an octal mode such as 0660)");
	parse_err("socket_mode = rw",
		  "proctrail.conf:1: bad value 'rw' for socket_mode (an octal mode such as 0660)");
	parse_err("socket_mode = 01777",
		  "proctrail.conf:1: value '01777' out of range for socket_mode (0..0777)");
}

Test(conf, log_levels)
{
	static const struct {
		const char *v;
		int want;
	} l[] = {{"err", PT_LOG_ERR},	   {"error", PT_LOG_ERR},     {"warning", PT_LOG_WARNING},
		 {"warn", PT_LOG_WARNING}, {"notice", PT_LOG_NOTICE}, {"info", PT_LOG_INFO},
		 {"debug", PT_LOG_DEBUG}};
	char line[64];

	for (size_t i = 0; i < sizeof(l) / sizeof(l[0]); i++) {
		snprintf(line, sizeof(line), "log_level = %s", l[i].v);
		parse_ok(line);
		cr_assert_eq(c.log_level, l[i].want, "%s", l[i].v);
	}
	parse_err("log_level = 7",
		  "proctrail.conf:1: bad value '7' for log_level (err, warning, "
		  "notice, info or debug)");
}

Test(conf, strings)
{
	parse_ok("socket = \"/run/my proctrail/s.sock\"\nsocket_group =\nuser = \"\"\n");
	cr_assert_str_eq(c.socket_path, "/run/my proctrail/s.sock");
	cr_assert_str_eq(c.socket_group, "");
	cr_assert_null(c.user);
	parse_ok("state_dir=/srv/x\nuser=pt-daemon.1\nsocket_group=_proctrail");
	cr_assert_str_eq(c.state_dir, "/srv/x");
	cr_assert_str_eq(c.user, "pt-daemon.1");
	cr_assert_str_eq(c.socket_group, "_proctrail");
	parse_err("socket = run/x.sock",
		  "proctrail.conf:1: bad value 'run/x.sock' for socket (an "
		  "absolute path of at most 107 bytes)");
	parse_err("state_dir = relative",
		  "proctrail.conf:1: bad value 'relative' for state_dir (an absolute path)");
	parse_err("state_dir =", "proctrail.conf:1: bad value '' for state_dir (an absolute path)");
	parse_err("user = root:root",
		  "proctrail.conf:1: bad value 'root:root' for user (a user or group name, or "
		  "empty)");
	parse_err("user = -x",
		  "proctrail.conf:1: bad value '-x' for user (a user or group name, or "
		  "empty)");
	parse_err("socket_group = a b",
		  "proctrail.conf:1: bad value 'a b' for socket_group (a user or group name, or "
		  "empty)");
	parse_err("state_dir = \"/a\tb\"",
		  "proctrail.conf:1: bad value '/a\\x09b' for state_dir (an absolute path)");
}

Test(conf, socket_path_length)
{
	char line[256], path[128];

	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[107] = '\0'; /* 107 bytes: fits sun_path with its NUL */
	snprintf(line, sizeof(line), "socket = %s", path);
	parse_ok(line);
	cr_assert_eq(strlen(c.socket_path), 107);
	path[107] = 'a';
	path[108] = '\0';
	snprintf(line, sizeof(line), "socket = %s", path);
	cr_assert_eq(parse(line), -EINVAL);
	cr_assert(strstr(err, "for socket (an absolute path of at most 107 bytes)"), "%s", err);
}

Test(conf, syntax)
{
	parse_ok("  retention\t=\t20s  \n");
	cr_assert_eq(c.retention_ms, 20000);
	parse_ok("retention=21s");
	cr_assert_eq(c.retention_ms, 21000);
	parse_ok("retention = \"22s\"   ");
	cr_assert_eq(c.retention_ms, 22000);
	parse_err("retention", "proctrail.conf:1: expected 'key = value'");
	parse_err("\n\n= 5s", "proctrail.conf:3: expected 'key = value': no key before '='");
	parse_err("retention = \"22s",
		  "proctrail.conf:1: unterminated quote in the value of retention");
	parse_err("retention = \"22s\" x",
		  "proctrail.conf:1: text after the closing quote of retention's value");
	/* a comment after the value: `#` after a blank, or after a closing quote */
	parse_ok("retention = 23s # trailing comment");
	cr_assert_eq(c.retention_ms, 23000);
	parse_ok("retention = 24s\t#");
	cr_assert_eq(c.retention_ms, 24000);
	parse_ok("socket = \"/run/a #b\"  # the quotes keep the #");
	cr_assert_str_eq(c.socket_path, "/run/a #b");
	parse_ok("socket = /run/a#b");
	cr_assert_str_eq(c.socket_path, "/run/a#b");
	parse_err("retention = \"22s\"# x",
		  "proctrail.conf:1: text after the closing quote of retention's value");
	parse_err(
		"retention = # nothing",
		"proctrail.conf:1: bad value '' for retention (a duration: 500ms, 30s, 10m, 1h; a "
		"bare number is seconds)");
	/* keys are case-sensitive */
	parse_err("Retention = 1s", "proctrail.conf:1: unknown key 'Retention'");
}

Test(conf, unknown_key_line_number)
{
	parse_err("# proctrail.conf\n\ntier = auto\n\n\n\n\n\n\n\n\nretenion = 10m\n",
		  "proctrail.conf:12: unknown key 'retenion'");
	/* the name given is the one in the message */
	cr_assert_eq(
		pd_conf_parse(&c, "x = 1", 5, "/etc/proctrail/proctrail.conf", err, sizeof(err)),
		-EINVAL);
	cr_assert_str_eq(err, "/etc/proctrail/proctrail.conf:1: unknown key 'x'");
}

Test(conf, unknown_key_is_quoted_safely)
{
	char text[300];

	parse_err("\x1b[31mred\x7f = 1", "proctrail.conf:1: unknown key '\\x1b[31mred\\x7f'");
	memset(text, 'k', sizeof(text));
	memcpy(text + 200, " = 1", 5);
	cr_assert_eq(parse(text), -EINVAL);
	cr_assert(strstr(err, "unknown key 'kkkk"), "%s", err);
	cr_assert(strstr(err, "...'"), "%s", err);
	cr_assert_lt(strlen(err), 120);
}

Test(conf, duplicates)
{
	parse_err("retention = 1m\ntier = auto\nretention = 1m\n",
		  "proctrail.conf:3: duplicate key 'retention' (first set on line 1)");
	/* a second parse (a reload) may set the key again */
	parse_ok("retention = 1m");
	parse_ok("retention = 2m");
	cr_assert_eq(c.retention_ms, 120000);
}

Test(conf, failed_parse_changes_nothing)
{
	parse_ok("retention = 1m\nuser = nobody\n");
	parse_err("retention = 2m\nuser = daemon\nsocket = /x\nbogus = 1\n",
		  "proctrail.conf:4: unknown key 'bogus'");
	cr_assert_eq(c.retention_ms, 60000);
	cr_assert_str_eq(c.user, "nobody");
	cr_assert_str_eq(c.socket_path, PD_SOCKET_PATH);
}

Test(conf, crlf_and_no_trailing_newline)
{
	parse_ok("retention = 5s\r\n# c\r\n\r\nmax_clients = 9\r\nuser = \"nobody\"\r\n");
	cr_assert_eq(c.retention_ms, 5000);
	cr_assert_eq(c.max_clients, 9);
	cr_assert_str_eq(c.user, "nobody");
	pd_conf_free(&c);
	pd_conf_init(&c);
	parse_ok("retention = 6s\nmax_clients = 10");
	cr_assert_eq(c.max_clients, 10);
	pd_conf_free(&c);
	pd_conf_init(&c);
	parse_ok("max_clients = 11\r");
	cr_assert_eq(c.max_clients, 11);
	parse_err("\r\n\r\nbad\r\n", "proctrail.conf:3: expected 'key = value'");
}

Test(conf, nul_bytes)
{
	static const char text[] = "retention = 5s\nmax_clients = 1\0002\n";

	cr_assert_eq(pd_conf_parse(&c, text, sizeof(text) - 1, "proctrail.conf", err, sizeof(err)),
		     -EINVAL);
	cr_assert_str_eq(err, "proctrail.conf:2: a NUL byte in the line (not a text file?)");
}

Test(conf, huge_lines)
{
	size_t n = 8u << 20;
	char *text = malloc(n + 64);

	cr_assert_not_null(text);
	/* a comment of 8 MiB, then a key: no line is cut into two */
	text[0] = '#';
	memset(text + 1, 'x', n - 1);
	strcpy(text + n, "\nmax_clients = 12\n");
	cr_assert_eq(pd_conf_parse(&c, text, strlen(text), "big.conf", err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(c.max_clients, 12);
	/* a value of 8 MiB: rejected, quoted short */
	memcpy(text, "state_dir = /", 13);
	memset(text + 13, 'y', n - 13);
	strcpy(text + n, "\n");
	cr_assert_eq(pd_conf_parse(&c, text, strlen(text), "big.conf", err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(strlen(c.state_dir), n - 12);
	memcpy(text, "max_clients = 1", 15);
	memset(text + 15, '0', n - 15);
	cr_assert_eq(pd_conf_parse(&c, text, strlen(text), "big.conf", err, sizeof(err)), -EINVAL);
	cr_assert(strncmp(err, "big.conf:1: value '10000000000", 29) == 0, "%s", err);
	cr_assert_lt(strlen(err), 200);
	free(text);
}

Test(conf, small_error_buffer)
{
	char small[12];

	memset(small, 'z', sizeof(small));
	cr_assert_eq(pd_conf_parse(&c, "nope = 1", 8, "proctrail.conf", small, sizeof(small)),
		     -EINVAL);
	cr_assert_str_eq(small, "proctrail.c");
	cr_assert_eq(pd_conf_parse(&c, "nope = 1", 8, "proctrail.conf", NULL, 0), -EINVAL);
}

Test(conf, restart_keys)
{
	struct pd_conf next;
	char buf[512];

	pd_conf_init(&next);
	cr_assert_eq(pd_conf_restart_keys(&c, &next, buf, sizeof(buf)), 0);
	cr_assert_str_empty(buf);
	/* the reloadable keys */
	cr_assert_eq(pd_conf_parse(&next,
				   "retention = 1m\nmemory_max = 1G\nmax_clients = 3\n"
				   "max_request = 1M\nclient_idle_timeout = 1s\n"
				   "subscriber_queue = 1M\nreply_max = 1M\nlog_level = debug\n",
				   strlen("retention = 1m\nmemory_max = 1G\nmax_clients = 3\n"
					  "max_request = 1M\nclient_idle_timeout = 1s\n"
					  "subscriber_queue = 1M\nreply_max = 1M\nlog_level = "
					  "debug\n"),
				   "n", err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(pd_conf_restart_keys(&c, &next, buf, sizeof(buf)), 0, "%s", buf);
	pd_conf_free(&next);

	/* every other key needs a restart */
	pd_conf_init(&next);
	{
		const char *text = "tier = bpf\nevents = exec\nargs_max = 4K\nexec_history = 1\n"
				   "realtime = yes\nreaders = 1\npoll_interval = 1s\n"
				   "netlink_rcvbuf = 1M\nring_size = 1M\nsocket = /x\n"
				   "socket_group = g\nsocket_mode = 0600\nstate_dir = /y\n"
				   "user = u\n";

		cr_assert_eq(pd_conf_parse(&next, text, strlen(text), "n", err, sizeof(err)), 0,
			     "%s", err);
	}
	cr_assert_eq(pd_conf_restart_keys(&c, &next, buf, sizeof(buf)), 14);
	cr_assert_str_eq(buf,
			 "tier, events, args_max, exec_history, realtime, readers, "
			 "poll_interval, netlink_rcvbuf, ring_size, socket, socket_group, "
			 "socket_mode, state_dir, user");
	/* a short buffer is cut, the count stays right */
	cr_assert_eq(pd_conf_restart_keys(&c, &next, buf, 8), 14);
	cr_assert_str_eq(buf, "tier, e");
	cr_assert_eq(pd_conf_restart_keys(&c, &next, NULL, 0), 14);
	/* user set back to none */
	cr_assert_eq(pd_conf_restart_keys(&next, &c, buf, sizeof(buf)), 14);
	pd_conf_free(&next);
}

Test(conf, load)
{
	char path[] = "/tmp/pt-conf-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "# test\nretention = 42s\n\nbogus = 1\n";

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	cr_assert_eq(pd_conf_load(&c, path, err, sizeof(err)), -EINVAL);
	{
		char want[128];

		snprintf(want, sizeof(want), "%s:4: unknown key 'bogus'", path);
		cr_assert_str_eq(err, want);
	}
	fd = open(path, O_WRONLY | O_TRUNC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "retention = 42s", 15), 15);
	close(fd);
	cr_assert_eq(pd_conf_load(&c, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c.retention_ms, 42000);
	unlink(path);
	cr_assert_eq(pd_conf_load(&c, path, err, sizeof(err)), -ENOENT);
	{
		char want[128];

		snprintf(want, sizeof(want), "%s: No such file or directory", path);
		cr_assert_str_eq(err, want);
	}
	cr_assert_eq(pd_conf_load(&c, "/tmp", err, sizeof(err)), -EISDIR);
}

Test(conf, load_refuses_endless_files)
{
	cr_assert_eq(pd_conf_load(&c, "/dev/zero", err, sizeof(err)), -EFBIG);
	cr_assert_str_eq(err, "/dev/zero: larger than 16 MiB, not a configuration file");
}

/* contrib/proctrail.conf.example: every key, at its default, once uncommented */
Test(conf, example_file_holds_the_defaults)
{
	const char *top = getenv("top_srcdir");
	char path[4096], *text, *out;
	struct pd_conf def;
	size_t n = 0, o = 0, keys = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/contrib/proctrail.conf.example", top ? top : "..");
	cr_assert_eq(pd_conf_load(&c, path, err, sizeof(err)), 0, "%s", err);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	text = malloc(1 << 16);
	out = malloc(1 << 16);
	n = fread(text, 1, (1 << 16) - 1, f);
	fclose(f);
	text[n] = '\0';
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#' && line[1] >= 'a' && line[1] <= 'z') {
			line++;
			keys++;
		}
		o += (size_t)snprintf(out + o, (1 << 16) - o, "%s\n", line);
	}
	cr_assert_eq(keys, 42, "keys in the example: %zu", keys);
	pd_conf_init(&def);
	cr_assert_eq(pd_conf_parse(&c, out, o, "example", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(pd_conf_restart_keys(&def, &c, NULL, 0), 0);
	cr_assert_eq(c.retention_ms, def.retention_ms);
	cr_assert_eq(c.mem_max, def.mem_max);
	cr_assert_eq(c.max_clients, def.max_clients);
	cr_assert_eq(c.max_request, def.max_request);
	cr_assert_eq(c.client_idle_ms, def.client_idle_ms);
	cr_assert_eq(c.subscriber_queue, def.subscriber_queue);
	cr_assert_eq(c.reply_max, def.reply_max);
	cr_assert_eq(c.log_level, def.log_level);
	cr_assert_null(c.user);
	cr_assert_eq(c.sink.batch_size, def.sink.batch_size);
	cr_assert_eq(c.sink.spool_max, def.sink.spool_max);
	cr_assert_null(c.sink.spool_dir);
	cr_assert_eq(c.n_outputs + c.n_sqlites + c.n_pgs, 0);
	pd_conf_free(&def);
	free(text);
	free(out);
}

/* proctrail.conf(5) documents every key the parser takes, with its default */
Test(conf, man_page_has_every_key)
{
	static const char *const keys[] = {
		"tier = \" auto",
		"events = \" all",
		"retention = \" 10m",
		"memory_max = \" 256M",
		"args_max = \" 128K",
		"exec_history = \" 4",
		"realtime = \" auto",
		"readers = \" auto",
		"poll_interval = \" 100ms",
		"netlink_rcvbuf = \" 32M",
		"ring_size = \" 8M",
		"socket = \" " PD_SOCKET_PATH,
		"socket_group = \" proctrail",
		"socket_mode = \" 0660",
		"state_dir = \" " PD_STATE_DIR,
		"user = \" \"\"",
		"max_clients = \" 256",
		"max_request = \" 64K",
		"client_idle_timeout = \" 5m",
		"subscriber_queue = \" 4M",
		"reply_max = \" 256M",
		"log_level = \" notice",
		"sink_batch_size = \" 100",
		"sink_flush_interval = \" 1s",
		"sink_queue = \" 16M",
		"host_name = \" \"\"",
		"sink_filter = \" \"\"",
		"output_max_size_mb = \" 100",
		"output_max_backups = \" 5",
		"output_max_age = \" 0",
		"output_compress = \" no",
		"output_fsync = \" batch",
		"output_mode = \" 0640",
		"db_retention = \" 0",
		"db_max_size = \" 0",
		"db_create_schema = \" yes",
		"pg_password_file = \" \"\"",
		"pg_write = \" copy",
		"spool_dir = \" \"\"",
		"spool_max = \" 256M",
	};
	const char *top = getenv("top_srcdir");
	char path[4096], *text, line[256];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/man/proctrail.conf.5", top ? top : "..");
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	text = malloc(1 << 17);
	n = fread(text, 1, (1 << 17) - 1, f);
	fclose(f);
	text[n] = '\0';
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *sp = strchr(keys[i], ' ');

		snprintf(line, sizeof(line), "\n.BR %.*s \"%s", (int)(sp - keys[i]), keys[i], sp);
		cr_assert(strstr(text, line), "proctrail.conf(5) lacks '%s'", line + 1);
		/* and the parser takes the documented default */
		snprintf(line, sizeof(line), "%.*s = %s", (int)(sp - keys[i]), keys[i],
			 strrchr(keys[i], ' ') + 1);
		pd_conf_free(&c);
		pd_conf_init(&c);
		cr_assert_eq(parse(line), 0, "'%s': %s", line, err);
	}
	free(text);
}

/* ---- the sinks' keys (issue 12) ---- */

Test(conf, sink_defaults)
{
	cr_assert_eq(c.sink.batch_size, 100);
	cr_assert_eq(c.sink.flush_ms, 1000);
	cr_assert_eq(c.sink.queue, 16u << 20);
	cr_assert_null(c.sink.host);
	cr_assert_eq(c.sink.max_size, 100u << 20);
	cr_assert_eq(c.sink.max_backups, 5);
	cr_assert_eq(c.sink.max_age_ms, 0);
	cr_assert_eq(c.sink.compress, false);
	cr_assert_eq(c.sink.fsync, PT_FSYNC_BATCH);
	cr_assert_eq(c.sink.file_mode, 0640);
	cr_assert_eq(c.sink.retention_ms, 0);
	cr_assert_eq(c.sink.db_max_size, 0);
	cr_assert_eq(c.sink.create_schema, true);
	cr_assert_null(c.sink.password_file);
	cr_assert_null(c.sink.spool_dir);
	cr_assert_eq(c.sink.spool_max, 256u << 20);
	cr_assert_eq(c.sink.pg_copy, true);
	cr_assert_eq(c.n_outputs + c.n_sqlites + c.n_pgs, 0);
	cr_assert_eq(c.sqlite_none, false);
}

Test(conf, sink_every_key)
{
	parse_ok("sink_batch_size = 5000\n"
		 "sink_flush_interval = 500ms\n"
		 "sink_queue = 64M\n"
		 "host_name = web-1.example.org\n"
		 "sink_filter = proc.name in (sh, \"a b\") and not container.id = host # why\n"
		 "output_max_size_mb = 10\n"
		 "output_max_backups = 0\n"
		 "output_max_age = 1d\n"
		 "output_compress = yes\n"
		 "output_fsync = 2s\n"
		 "output_mode = 0600\n"
		 "db_retention = 90d\n"
		 "db_max_size = 10G\n"
		 "db_create_schema = no\n"
		 "pg_password_file = /etc/proctrail/pg.pass\n"
		 "pg_write = insert\n"
		 "spool_dir = /var/spool/proctrail\n"
		 "spool_max = 1G\n");
	cr_assert_eq(c.sink.batch_size, 5000);
	cr_assert_eq(c.sink.flush_ms, 500);
	cr_assert_eq(c.sink.queue, 64u << 20);
	cr_assert_str_eq(c.sink.host, "web-1.example.org");
	cr_assert_str_eq(c.sink.filter, "proc.name in (sh, \"a b\") and not container.id = host");
	cr_assert_eq(c.sink.max_size, 10u << 20);
	cr_assert_eq(c.sink.max_backups, 0);
	cr_assert_eq(c.sink.max_age_ms, 86400000);
	cr_assert_eq(c.sink.compress, true);
	cr_assert_eq(c.sink.fsync, PT_FSYNC_INTERVAL);
	cr_assert_eq(c.sink.fsync_interval_ms, 2000);
	cr_assert_eq(c.sink.file_mode, 0600);
	cr_assert_eq(c.sink.retention_ms, 90LL * 86400000);
	cr_assert_eq(c.sink.db_max_size, 10ull << 30);
	cr_assert_eq(c.sink.create_schema, false);
	cr_assert_str_eq(c.sink.password_file, "/etc/proctrail/pg.pass");
	cr_assert_eq(c.sink.pg_copy, false);
	cr_assert_str_eq(c.sink.spool_dir, "/var/spool/proctrail");
	cr_assert_eq(c.sink.spool_max, 1u << 30);
	parse_ok("output_fsync = no\npg_write = copy\nhost_name =\npg_password_file = \"\"\n"
		 "sink_filter =\n");
	cr_assert_null(c.sink.filter);
	cr_assert_eq(c.sink.fsync, PT_FSYNC_NO);
	cr_assert_eq(c.sink.pg_copy, true);
	cr_assert_null(c.sink.host);
	cr_assert_null(c.sink.password_file);
	parse_ok("output_fsync = batch\nspool_max = 0\ndb_max_size = 0\noutput_max_size_mb = 0\n");
	cr_assert_eq(c.sink.fsync, PT_FSYNC_BATCH);
	cr_assert_eq(c.sink.spool_max, 0);
	cr_assert_eq(c.sink.max_size, 0);
}

Test(conf, sink_bad_values)
{
	parse_err("sink_batch_size = 0",
		  "proctrail.conf:1: value '0' out of range for sink_batch_size (1..100000)");
	parse_err("sink_batch_size = 100001",
		  "proctrail.conf:1: value '100001' out of range for sink_batch_size (1..100000)");
	parse_err("sink_flush_interval = 0",
		  "proctrail.conf:1: value '0' out of range for sink_flush_interval (1ms..1h)");
	parse_err("\nsink_flush_interval = 0.5",
		  "proctrail.conf:2: bad value '0.5' for sink_flush_interval (a duration: 500ms, "
		  "30s, 10m, 1h; a bare number is seconds)");
	parse_err("sink_queue = 32K",
		  "proctrail.conf:1: value '32K' out of range for sink_queue (64K..1G)");
	parse_err("\n\nsink_filter = proc.name = sh and proc.nam = sh",
		  "proctrail.conf:3: bad value for sink_filter: unknown field 'proc.nam' at 19");
	parse_err("host_name = a/b",
		  "proctrail.conf:1: bad value 'a/b' for host_name (a host name, or empty)");
	parse_err("output_max_size_mb = 10M",
		  "proctrail.conf:1: bad value '10M' for output_max_size_mb (a number of MiB)");
	parse_err("output_max_size_mb = 1048577",
		  "proctrail.conf:1: value '1048577' out of range for output_max_size_mb "
		  "(0..1048576)");
	parse_err("output_max_backups = 1001",
		  "proctrail.conf:1: value '1001' out of range for output_max_backups (0..1000)");
	parse_err("output_max_age = 366d",
		  "proctrail.conf:1: value '366d' out of range for output_max_age (0..365d)");
	parse_err("output_compress = gzip",
		  "proctrail.conf:1: bad value 'gzip' for output_compress (yes or no)");
	parse_err(
		"output_fsync = always",
		"proctrail.conf:1: bad value 'always' for output_fsync (no, batch, or a duration: "
		"500ms, 1s)");
	parse_err("output_fsync = 0",
		  "proctrail.conf:1: value '0' out of range for output_fsync (1ms..1h)");
	parse_err(
		"output_mode = 0640x",
		"proctrail.conf:1: bad value '0640x' for output_mode (an octal mode such as 0660)");
	parse_err("db_retention = 3651d",
		  "proctrail.conf:1: value '3651d' out of range for db_retention (0..3650d)");
	parse_err("db_max_size = 17T",
		  "proctrail.conf:1: value '17T' out of range for db_max_size (0..16T)");
	parse_err("db_create_schema = maybe",
		  "proctrail.conf:1: bad value 'maybe' for db_create_schema (yes or no)");
	parse_err("pg_password_file = pass.txt",
		  "proctrail.conf:1: bad value 'pass.txt' for pg_password_file (an absolute path)");
	parse_err("pg_write = COPY",
		  "proctrail.conf:1: bad value 'COPY' for pg_write (copy or insert)");
	parse_err("spool_dir = spool",
		  "proctrail.conf:1: bad value 'spool' for spool_dir (an absolute path)");
	parse_err("spool_max = 1x",
		  "proctrail.conf:1: bad value '1x' for spool_max (a size: 4096, 64K, 256M, 1G)");
	parse_err("output = events.jsonl",
		  "proctrail.conf:1: bad value 'events.jsonl' for output (an absolute path)");
	parse_err("output =", "proctrail.conf:1: bad value '' for output (an absolute path)");
	parse_err(
		"sqlite = history.db",
		"proctrail.conf:1: bad value 'history.db' for sqlite (an absolute path, or none)");
	parse_err("pg =", "proctrail.conf:1: bad value '' for pg (a libpq conninfo or URI)");
	parse_err("pg = \"host=a\x01\"",
		  "proctrail.conf:1: bad value 'host=a\\x01' for pg (a libpq conninfo or URI)");
	/* the single keys stay single */
	parse_err("sink_batch_size = 10\nsink_batch_size = 20",
		  "proctrail.conf:2: duplicate key 'sink_batch_size' (first set on line 1)");
}

Test(conf, sink_targets_repeat)
{
	parse_ok("output = /var/log/a.jsonl\n"
		 "pg = host=db1 dbname=monitor_db\n"
		 "output = \"/var/log/b c.jsonl\"\n"
		 "sqlite = /srv/one.db\n"
		 "pg = postgresql://u@db2/monitor_db\n"
		 "sqlite = /srv/two.db\n");
	cr_assert_eq(c.n_outputs, 2);
	cr_assert_str_eq(c.outputs[0], "/var/log/a.jsonl");
	cr_assert_str_eq(c.outputs[1], "/var/log/b c.jsonl");
	cr_assert_eq(c.n_sqlites, 2);
	cr_assert_str_eq(c.sqlites[0], "/srv/one.db");
	cr_assert_str_eq(c.sqlites[1], "/srv/two.db");
	cr_assert_eq(c.n_pgs, 2);
	cr_assert_str_eq(c.pgs[0], "host=db1 dbname=monitor_db");
	cr_assert_str_eq(c.pgs[1], "postgresql://u@db2/monitor_db");
	/* another file (a reload) replaces a list it names, keeps the others */
	parse_ok("output = /var/log/c.jsonl\n");
	cr_assert_eq(c.n_outputs, 1);
	cr_assert_str_eq(c.outputs[0], "/var/log/c.jsonl");
	cr_assert_eq(c.n_sqlites, 2);
	cr_assert_eq(c.n_pgs, 2);
	/* a failed parse changes none of them */
	parse_err("output = /x\noutput = /y\nbogus = 1\n", "proctrail.conf:3: unknown key 'bogus'");
	cr_assert_eq(c.n_outputs, 1);
	cr_assert_str_eq(c.outputs[0], "/var/log/c.jsonl");
}

Test(conf, sqlite_none)
{
	parse_ok("sqlite = none");
	cr_assert(c.sqlite_none);
	cr_assert_eq(c.n_sqlites, 0);
	parse_err("sqlite = none\nsqlite = /a.db",
		  "proctrail.conf:2: sqlite = none and a sqlite path: one or the other");
	parse_err("sqlite = /a.db\nsqlite = none",
		  "proctrail.conf:2: sqlite = none and a sqlite path: one or the other");
	cr_assert(c.sqlite_none);
	/* a later file that names a path replaces none */
	parse_ok("sqlite = /a.db");
	cr_assert(!c.sqlite_none);
	cr_assert_eq(c.n_sqlites, 1);
}

static void sinks(bool no_db, struct pt_sink_conf **v, size_t *n)
{
	cr_assert_eq(pd_conf_sinks(&c, no_db, v, n), 0);
	cr_assert((*n == 0) == (*v == NULL));
}

static void sinks_free(struct pt_sink_conf *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pt_sink_conf_free(&v[i]);
	free(v);
}

Test(conf, sinks_to_open)
{
	struct pt_sink_conf *v;
	size_t n;

	/* the default: one SQLite sink in the state directory */
	sinks(false, &v, &n);
	cr_assert_eq(n, 1);
	cr_assert_eq(v[0].type, PT_SINK_SQLITE);
	cr_assert_str_eq(v[0].target, PD_STATE_DIR "/history.db");
	cr_assert_str_eq(v[0].spool_dir, PD_STATE_DIR "/spool");
	cr_assert_eq(v[0].batch_size, 100);
	sinks_free(v, n);
	/* --no-db: none */
	sinks(true, &v, &n);
	cr_assert_eq(n, 0);
	/* state_dir, wherever in the file, applies to the default */
	parse_ok("sink_batch_size = 7\nstate_dir = /srv/pt/\nspool_max = 1M\n");
	sinks(false, &v, &n);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(v[0].target, "/srv/pt/history.db");
	cr_assert_str_eq(v[0].spool_dir, "/srv/pt/spool");
	cr_assert_eq(v[0].batch_size, 7);
	cr_assert_eq(v[0].spool_max, 1u << 20);
	sinks_free(v, n);
	/* outputs, then SQLite, then PostgreSQL, each with the defaults of the file */
	parse_ok("pg = dbname=x\noutput = /o1\nsqlite = /s1\noutput = /o2\nspool_dir = /sp\n");
	sinks(false, &v, &n);
	cr_assert_eq(n, 4);
	cr_assert_eq(v[0].type, PT_SINK_FILE);
	cr_assert_str_eq(v[0].target, "/o1");
	cr_assert_eq(v[1].type, PT_SINK_FILE);
	cr_assert_str_eq(v[1].target, "/o2");
	cr_assert_eq(v[2].type, PT_SINK_SQLITE);
	cr_assert_str_eq(v[2].target, "/s1");
	cr_assert_eq(v[3].type, PT_SINK_PG);
	cr_assert_str_eq(v[3].target, "dbname=x");
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(v[i].batch_size, 7);
		cr_assert_str_eq(v[i].spool_dir, "/sp");
	}
	sinks_free(v, n);
	/* --no-db keeps the files only */
	sinks(true, &v, &n);
	cr_assert_eq(n, 2);
	cr_assert_eq(v[0].type, PT_SINK_FILE);
	cr_assert_eq(v[1].type, PT_SINK_FILE);
	sinks_free(v, n);
	/* sqlite = none: no default database */
	pd_conf_free(&c);
	pd_conf_init(&c);
	parse_ok("sqlite = none\n");
	sinks(false, &v, &n);
	cr_assert_eq(n, 0);
	cr_assert_eq(pd_conf_sink_key(PT_SINK_FILE)[0], 'o');
	cr_assert_str_eq(pd_conf_sink_key(PT_SINK_SQLITE), "sqlite");
	cr_assert_str_eq(pd_conf_sink_key(PT_SINK_PG), "pg");
}

Test(conf, sink_keys_need_a_restart)
{
	struct pd_conf next;
	char buf[1024];
	const char *text = "output = /o\nsqlite = none\npg = dbname=x\nsink_batch_size = 1\n"
			   "sink_flush_interval = 2s\nsink_queue = 1M\nhost_name = h\n"
			   "output_max_size_mb = 1\noutput_max_backups = 1\noutput_max_age = 1h\n"
			   "output_compress = yes\noutput_fsync = no\noutput_mode = 0600\n"
			   "db_retention = 1d\ndb_max_size = 1G\ndb_create_schema = no\n"
			   "pg_password_file = /p\npg_write = insert\nspool_dir = /s\n"
			   "spool_max = 1M\nretention = 1m\nsink_filter = proc.name = x\n";

	pd_conf_init(&next);
	cr_assert_eq(pd_conf_parse(&next, text, strlen(text), "n", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(pd_conf_restart_keys(&c, &next, buf, sizeof(buf)), 20);
	cr_assert_str_eq(buf,
			 "output, sqlite, pg, sink_batch_size, sink_flush_interval, "
			 "sink_queue, host_name, output_max_size_mb, output_max_backups, "
			 "output_max_age, output_compress, output_fsync, output_mode, "
			 "db_retention, db_max_size, db_create_schema, pg_password_file, "
			 "pg_write, spool_dir, spool_max");
	/* SIGHUP keeps what runs for them, and applies the reloadable one */
	cr_assert_eq(pd_conf_keep_running(&c, &next), 0);
	cr_assert_eq(pd_conf_restart_keys(&c, &next, buf, sizeof(buf)), 0, "%s", buf);
	cr_assert_eq(next.n_outputs + next.n_pgs, 0);
	cr_assert(!next.sqlite_none);
	cr_assert_null(next.sink.host);
	cr_assert_eq(next.sink.fsync, PT_FSYNC_BATCH);
	cr_assert_eq(next.retention_ms, 60000);
	cr_assert_str_eq(next.sink.filter, "proc.name = x", "sink_filter is reloaded, not kept");
	/* and back: the lists are copied */
	pd_conf_free(&c);
	pd_conf_init(&c);
	parse_ok(text);
	cr_assert_eq(pd_conf_keep_running(&c, &next), 0);
	cr_assert_eq(pd_conf_restart_keys(&c, &next, buf, sizeof(buf)), 0, "%s", buf);
	cr_assert_str_eq(next.outputs[0], "/o");
	cr_assert(next.outputs[0] != c.outputs[0]);
	cr_assert(next.sqlite_none);
	cr_assert_str_eq(next.sink.spool_dir, "/s");
	pd_conf_free(&next);
}

/* issue 13: where the runtimes' state is read, and how long a container stays listed */
Test(conf, container_keys)
{
	parse_ok("runtime_root = /tmp/fixture\ncontainer_linger = 5\n");
	cr_assert_str_eq(c.runtime_root, "/tmp/fixture");
	cr_assert_eq(c.container_linger_ms, 5000);
	pd_conf_free(&c);
	pd_conf_init(&c);
	parse_ok("container_linger = 0\nruntime_root =\n");
	cr_assert_eq(c.container_linger_ms, 0);
	cr_assert_null(c.runtime_root);
	pd_conf_free(&c);
	pd_conf_init(&c);
	parse_ok("container_linger = 2m");
	cr_assert_eq(c.container_linger_ms, 120000);
	parse_err("container_linger = 2d",
		  "proctrail.conf:1: value '2d' out of range for container_linger (0..1d)");
	cr_assert_eq(parse("runtime_root = relative/dir"), -EINVAL);
	cr_assert_eq(parse("container_linger = soon"), -EINVAL);
}

/* neither applies to a running monitor: a reload says they need a restart */
Test(conf, container_keys_need_a_restart)
{
	struct pd_conf next;
	char buf[256];
	int r;

	pd_conf_init(&next);
	r = pd_conf_parse(&next, "runtime_root = /x\ncontainer_linger = 1s\n", 40, NULL, err,
			  sizeof(err));
	cr_assert_eq(r, 0, "%s", err);
	cr_assert_eq(pd_conf_restart_keys(&c, &next, buf, sizeof(buf)), 2);
	cr_assert_str_eq(buf, "runtime_root, container_linger");
	pd_conf_free(&next);
}

/* issue 14: rules = PATH repeats, each an absolute path, in order; SIGHUP applies it */
Test(conf, rules_key)
{
	struct pd_conf next;
	char buf[256];

	cr_assert_eq(c.n_rules, 0);
	parse_ok("rules = /etc/proctrail/rules.d\n"
		 "rules = \"/opt/my rules.yaml\"   \n"
		 "rules = /x.yaml # a comment\n");
	cr_assert_eq(c.n_rules, 3);
	cr_assert_str_eq(c.rules[0], "/etc/proctrail/rules.d");
	cr_assert_str_eq(c.rules[1], "/opt/my rules.yaml");
	cr_assert_str_eq(c.rules[2], "/x.yaml");
	/* a later file replaces the list; a failed parse keeps it */
	parse_err("rules = /a\nrules = b.yaml\n",
		  "proctrail.conf:2: bad value 'b.yaml' for rules (an absolute path of a rules "
		  "file or directory)");
	cr_assert_eq(c.n_rules, 3);
	parse_err("rules =\n",
		  "proctrail.conf:1: bad value '' for rules (an absolute path of a "
		  "rules file or directory)");
	parse_err("rules = /a\x1b[2J\n",
		  "proctrail.conf:1: bad value '/a\\x1b[2J' for rules (an "
		  "absolute path of a rules file or directory)");
	parse_ok("rules = /new.yaml\n");
	cr_assert_eq(c.n_rules, 1);
	cr_assert_str_eq(c.rules[0], "/new.yaml");
	/* reloadable: no restart asked for, and keep_running leaves the new list */
	pd_conf_init(&next);
	cr_assert_eq(pd_conf_parse(&next, "rules = /other\n", 15, "n", err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(pd_conf_restart_keys(&c, &next, buf, sizeof(buf)), 0, "%s", buf);
	cr_assert_eq(pd_conf_keep_running(&c, &next), 0);
	cr_assert_eq(next.n_rules, 1);
	cr_assert_str_eq(next.rules[0], "/other");
	pd_conf_free(&next);
}
