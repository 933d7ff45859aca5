/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proctrail.conf(5): `key = value` lines, `#` comment lines, blank lines,
 * optional double quotes around a value, a `#` after a blank ending a value. A bad line is an error naming the
 * file and the line; nothing of the file is applied then (the parse works on a
 * copy). The text is untrusted: any length, any bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "cli.h"
#include "daemon.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* a configuration file is small; this bounds what a mistaken path (a log, a
 * device) can make us read */
#define FILE_MAX (16u << 20)
/* bytes of an offending key or value quoted in a message */
#define QUOTE_MAX 64

#define KIB ((uint64_t)1 << 10)
#define MIB ((uint64_t)1 << 20)
#define GIB ((uint64_t)1 << 30)
#define TIB ((uint64_t)1 << 40)
#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

enum ktype {
	K_TIER,
	K_EVENTS,
	K_DURATION, /* int64_t ms */
	K_DURATION_U, /* unsigned ms */
	K_SIZE, /* size_t bytes */
	K_UINT, /* unsigned */
	K_TRISTATE, /* int: -1 auto, 1 yes, 0 no */
	K_AUTO_UINT, /* int: -1 auto, else N */
	K_MODE, /* unsigned, octal */
	K_PATH, /* char *, absolute */
	K_SOCKET, /* char *, absolute, fits sun_path */
	K_NAME, /* char *, a user or group name; "" allowed */
	K_LOGLEVEL, /* int, PT_LOG_* */
	/* the sinks' keys (issue 12) */
	K_BOOL, /* bool: yes or no */
	K_SIZE64, /* uint64_t bytes */
	K_MIB, /* uint64_t bytes, given in MiB */
	K_FSYNC, /* enum pt_sink_fsync at off, and fsync_interval_ms */
	K_PGWRITE, /* bool pg_copy: copy or insert */
	K_OPT_PATH, /* char *, absolute; empty: NULL */
	K_HOST, /* char *, a host name; empty: NULL (gethostname) */
	K_OUTPUT, /* the list of output files: repeatable */
	K_SQLITE, /* the list of SQLite paths, or none: repeatable */
	K_PG, /* the list of conninfos: repeatable */
	K_RULES, /* the list of rules files and directories: repeatable */
	K_FILTER, /* char *, a condition (cli-filter.c); empty: NULL */
};

struct key {
	const char *name;
	enum ktype type;
	size_t off;
	bool reloadable;
	int64_t min, max; /* for numbers, in the stored unit */
	const char *range; /* min..max as a user writes them */
};

#define OFF(m) offsetof(struct pd_conf, m)
#define SOFF(m) offsetof(struct pd_conf, sink.m)

/* In the order of struct pd_conf and of proctrail.conf(5). */
static const struct key keys[] = {
	{"tier", K_TIER, OFF(tier), false, 0, 0, NULL},
	{"events", K_EVENTS, OFF(events), false, 0, 0, NULL},
	{"retention", K_DURATION, OFF(retention_ms), true, 0, 30 * DAY, "0..30d"},
	{"memory_max", K_SIZE, OFF(mem_max), true, MIB, TIB, "1M..1T"},
	{"args_max", K_SIZE, OFF(args_max), false, KIB, 16 * MIB, "1K..16M"},
	{"exec_history", K_UINT, OFF(exec_history), false, 0, 64, "0..64"},
	{"realtime", K_TRISTATE, OFF(realtime), false, 0, 0, NULL},
	{"readers", K_AUTO_UINT, OFF(readers), false, 0, 64, "0..64"},
	{"poll_interval", K_DURATION_U, OFF(poll_interval_ms), false, 10, HOUR, "10ms..1h"},
	{"netlink_rcvbuf", K_SIZE, OFF(rcvbuf), false, 64 * KIB, GIB, "64K..1G"},
	{"ring_size", K_SIZE, OFF(ring_size), false, 64 * KIB, GIB, "64K..1G"},
	{"runtime_root", K_OPT_PATH, OFF(runtime_root), false, 0, 0, NULL},
	{"container_linger", K_DURATION, OFF(container_linger_ms), false, 0, DAY, "0..1d"},
	{"socket", K_SOCKET, OFF(socket_path), false, 0, 0, NULL},
	{"socket_group", K_NAME, OFF(socket_group), false, 0, 0, NULL},
	{"socket_mode", K_MODE, OFF(socket_mode), false, 0, 0777, "0..0777"},
	{"state_dir", K_PATH, OFF(state_dir), false, 0, 0, NULL},
	{"user", K_NAME, OFF(user), false, 0, 0, NULL},
	{"max_clients", K_UINT, OFF(max_clients), true, 1, 65536, "1..65536"},
	{"max_request", K_SIZE, OFF(max_request), true, 256, 16 * MIB, "256..16M"},
	{"client_idle_timeout", K_DURATION, OFF(client_idle_ms), true, 0, 7 * DAY, "0..7d"},
	{"subscriber_queue", K_SIZE, OFF(subscriber_queue), true, 64 * KIB, GIB, "64K..1G"},
	{"reply_max", K_SIZE, OFF(reply_max), true, 64 * KIB, 16 * GIB, "64K..16G"},
	{"log_level", K_LOGLEVEL, OFF(log_level), true, 0, 0, NULL},
	/* sinks: none reloadable but sink_filter (SIGHUP reopens them, for logrotate) */
	{"output", K_OUTPUT, OFF(outputs), false, 0, 0, NULL},
	{"sqlite", K_SQLITE, OFF(sqlites), false, 0, 0, NULL},
	{"pg", K_PG, OFF(pgs), false, 0, 0, NULL},
	{"sink_batch_size", K_UINT, SOFF(batch_size), false, 1, 100000, "1..100000"},
	{"sink_flush_interval", K_DURATION, SOFF(flush_ms), false, 1, HOUR, "1ms..1h"},
	{"sink_queue", K_SIZE, SOFF(queue), false, PT_OUTQ_MIN, PT_OUTQ_MAX, "64K..1G"},
	{"host_name", K_HOST, SOFF(host), false, 0, 0, NULL},
	/* the one sink key a reload applies: the sinks stay open, the filter changes */
	{"sink_filter", K_FILTER, SOFF(filter), true, 0, 0, NULL},
	{"output_max_size_mb", K_MIB, SOFF(max_size), false, 0, 1 << 20, "0..1048576"},
	{"output_max_backups", K_UINT, SOFF(max_backups), false, 0, 1000, "0..1000"},
	{"output_max_age", K_DURATION, SOFF(max_age_ms), false, 0, 365 * DAY, "0..365d"},
	{"output_compress", K_BOOL, SOFF(compress), false, 0, 0, NULL},
	{"output_fsync", K_FSYNC, SOFF(fsync), false, 1, HOUR, "1ms..1h"},
	{"output_mode", K_MODE, SOFF(file_mode), false, 0, 0777, "0..0777"},
	{"db_retention", K_DURATION, SOFF(retention_ms), false, 0, 3650 * DAY, "0..3650d"},
	{"db_max_size", K_SIZE64, SOFF(db_max_size), false, 0, (int64_t)(16 * TIB), "0..16T"},
	{"db_create_schema", K_BOOL, SOFF(create_schema), false, 0, 0, NULL},
	{"pg_password_file", K_OPT_PATH, SOFF(password_file), false, 0, 0, NULL},
	{"pg_write", K_PGWRITE, SOFF(pg_copy), false, 0, 0, NULL},
	{"spool_dir", K_OPT_PATH, SOFF(spool_dir), false, 0, 0, NULL},
	{"spool_max", K_SIZE64, SOFF(spool_max), false, 0, (int64_t)(16 * TIB), "0..16T"},
	/* rules (issue 14): SIGHUP loads them again */
	{"rules", K_RULES, OFF(rules), true, 0, 0, NULL},
};

static bool is_string(enum ktype t)
{
	return t == K_PATH || t == K_SOCKET || t == K_NAME || t == K_OPT_PATH || t == K_HOST ||
		t == K_FILTER;
}

static bool is_list(enum ktype t)
{
	return t == K_OUTPUT || t == K_SQLITE || t == K_PG || t == K_RULES;
}

static const struct {
	const char *name;
	int level;
} log_levels[] = {
	{"err", PT_LOG_ERR},	  {"error", PT_LOG_ERR},     {"warning", PT_LOG_WARNING},
	{"warn", PT_LOG_WARNING}, {"notice", PT_LOG_NOTICE}, {"info", PT_LOG_INFO},
	{"debug", PT_LOG_DEBUG},
};

void pd_conf_init(struct pd_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->tier = PT_TIER_AUTO;
	c->events = PT_EVMASK_ALL;
	c->retention_ms = 10 * MIN;
	c->mem_max = 256 * MIB;
	c->args_max = 128 * KIB;
	c->exec_history = 4;
	c->realtime = -1;
	c->readers = -1;
	c->poll_interval_ms = 100;
	c->rcvbuf = 32 * MIB;
	c->ring_size = 8 * MIB;
	c->container_linger_ms = 30 * SEC;
	/* strings stay NULL when out of memory: users read NULL as the default */
	c->socket_path = strdup(PD_SOCKET_PATH);
	c->socket_group = strdup("proctrail");
	c->socket_mode = 0660;
	c->state_dir = strdup(PD_STATE_DIR);
	c->user = NULL;
	c->max_clients = 256;
	c->max_request = 64 * KIB;
	c->client_idle_ms = 5 * MIN;
	c->subscriber_queue = 4 * MIB;
	c->reply_max = 256 * MIB;
	c->log_level = PT_LOG_NOTICE;
	pt_sink_conf_init(&c->sink);
}

static char **str_member(struct pd_conf *c, const struct key *k)
{
	return (char **)(void *)((char *)c + k->off);
}

/* A repeatable key's list: its array and its count. */
static void list_member(struct pd_conf *c, enum ktype t, char ****arr, size_t **n)
{
	switch (t) {
	case K_OUTPUT:
		*arr = &c->outputs;
		*n = &c->n_outputs;
		return;
	case K_SQLITE:
		*arr = &c->sqlites;
		*n = &c->n_sqlites;
		return;
	case K_RULES:
		*arr = &c->rules;
		*n = &c->n_rules;
		return;
	default:
		*arr = &c->pgs;
		*n = &c->n_pgs;
		return;
	}
}

static void list_clear(struct pd_conf *c, enum ktype t)
{
	char ***arr;
	size_t *n;

	list_member(c, t, &arr, &n);
	for (size_t i = 0; i < *n; i++)
		free((*arr)[i]);
	free(*arr);
	*arr = NULL;
	*n = 0;
	if (t == K_SQLITE)
		c->sqlite_none = false;
}

void pd_conf_free(struct pd_conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (is_string(keys[i].type)) {
			free(*str_member(c, &keys[i]));
			*str_member(c, &keys[i]) = NULL;
		} else if (is_list(keys[i].type)) {
			list_clear(c, keys[i].type);
		}
	}
	/* what the keys do not name (the type and target stay unset here) */
	pt_sink_conf_free(&c->sink);
}

/* ---- messages ---------------------------------------------------------------- */

/* s[0..n) as printable ASCII for a message: bytes a file holds may be anything. */
static void quote(char *out, size_t len, const char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 8 < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (i == QUOTE_MAX) {
			o += (size_t)snprintf(out + o, len - o, "...");
			break;
		}
		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", ch);
	}
	out[o] = '\0';
}

struct ctx {
	const char *name;
	unsigned line;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int fail(struct ctx *x, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!x->err || !x->errlen)
		return -EINVAL;
	n = snprintf(x->err, x->errlen, "%s:%u: ", x->name, x->line);
	if (n >= 0 && (size_t)n < x->errlen) {
		va_start(ap, fmt);
		vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static const char *type_hint(enum ktype t, char *buf, size_t len)
{
	size_t o;

	switch (t) {
	case K_TIER:
		return "auto, bpf, netlink, inotify, poll or none";
	case K_EVENTS:
		o = (size_t)snprintf(buf, len, "all, or a comma-separated list of");
		for (int i = 0; i < PT_EV_COUNT && o < len; i++)
			o += (size_t)snprintf(buf + o, len - o, "%s %s", i ? "," : "",
					      pt_event_name((enum pt_event_type)i));
		return buf;
	case K_DURATION:
	case K_DURATION_U:
		return "a duration: 500ms, 30s, 10m, 1h; a bare number is seconds";
	case K_SIZE:
		return "a size: 4096, 64K, 256M, 1G";
	case K_UINT:
		return "a number";
	case K_TRISTATE:
		return "auto, yes or no";
	case K_AUTO_UINT:
		return "auto or a number";
	case K_MODE:
		return "an octal mode such as 0660";
	case K_PATH:
		return "an absolute path";
	case K_SOCKET:
		return "an absolute path of at most 107 bytes";
	case K_NAME:
		return "a user or group name, or empty";
	case K_LOGLEVEL:
		return "err, warning, notice, info or debug";
	case K_BOOL:
		return "yes or no";
	case K_SIZE64:
		return "a size: 4096, 64K, 256M, 1G";
	case K_MIB:
		return "a number of MiB";
	case K_FSYNC:
		return "no, batch, or a duration: 500ms, 1s";
	case K_PGWRITE:
		return "copy or insert";
	case K_OPT_PATH:
	case K_OUTPUT:
		return "an absolute path";
	case K_HOST:
		return "a host name, or empty";
	case K_SQLITE:
		return "an absolute path, or none";
	case K_PG:
		return "a libpq conninfo or URI";
	case K_RULES:
		return "an absolute path of a rules file or directory";
	case K_FILTER:
		return "a condition, or empty";
	}
	return "?";
}

static int bad_value(struct ctx *x, const struct key *k, const char *v, size_t n)
{
	char q[QUOTE_MAX * 4 + 8], hint[256];

	quote(q, sizeof(q), v, n);
	return fail(x, "bad value '%s' for %s (%s)", q, k->name,
		    type_hint(k->type, hint, sizeof(hint)));
}

static int out_of_range(struct ctx *x, const struct key *k, const char *v, size_t n)
{
	char q[QUOTE_MAX * 4 + 8];

	quote(q, sizeof(q), v, n);
	return fail(x, "value '%s' out of range for %s (%s)", q, k->name, k->range);
}

/* ---- values ------------------------------------------------------------------- */

/* Digits only, no sign, no overflow: the number and the bytes after it. */
static int parse_digits(const char *s, const char *end, int base, uint64_t *out, const char **rest)
{
	uint64_t v = 0;
	const char *p = s;

	for (; p < end; p++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else
			break;
		if (d >= (unsigned)base)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / (unsigned)base)
			return -ERANGE;
		v = v * (unsigned)base + d;
	}
	if (p == s)
		return -EINVAL;
	*out = v;
	*rest = p;
	return 0;
}

static bool word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(s, w, n) == 0;
}

/* 500ms, 30s, 10m, 1h, 2d; bare = seconds. -ERANGE on overflow. */
static int parse_duration(const char *s, size_t n, int64_t *ms)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = {{"ms", 1},	   {"s", SEC},	{"", SEC}, {"m", MIN},
		     {"min", MIN}, {"h", HOUR}, {"d", DAY}};
	const char *rest;
	uint64_t v;
	int r = parse_digits(s, s + n, 10, &v, &rest);

	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (!word_is(rest, (size_t)(s + n - rest), units[i].unit))
			continue;
		if (v > (uint64_t)INT64_MAX / units[i].ms)
			return -ERANGE;
		*ms = (int64_t)(v * units[i].ms);
		return 0;
	}
	return -EINVAL;
}

/* 4096, 64K, 256M, 1G, 1T (powers of 1024; K or k; an optional B or iB). */
static int parse_size(const char *s, size_t n, uint64_t *bytes)
{
	const char *rest, *end = s + n;
	uint64_t v, mul = 1;
	int r = parse_digits(s, end, 10, &v, &rest);

	if (r < 0)
		return r;
	if (rest < end) {
		switch (*rest) {
		case 'k':
		case 'K':
			mul = KIB;
			break;
		case 'M':
			mul = MIB;
			break;
		case 'G':
			mul = GIB;
			break;
		case 'T':
			mul = TIB;
			break;
		case 'B':
			break;
		default:
			return -EINVAL;
		}
		if (*rest != 'B') {
			rest++;
			if (word_is(rest, (size_t)(end - rest), "iB"))
				rest += 2;
		}
		if (word_is(rest, (size_t)(end - rest), "B"))
			rest++;
		if (rest != end)
			return -EINVAL;
	}
	if (v > UINT64_MAX / mul || v * mul > SIZE_MAX)
		return -ERANGE;
	*bytes = v * mul;
	return 0;
}

static int parse_bool_word(const char *s, size_t n)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (word_is(s, n, yes[i]))
			return 1;
		if (word_is(s, n, no[i]))
			return 0;
	}
	return -1;
}

static int parse_events(struct ctx *x, const struct key *k, const char *v, size_t n, unsigned *out)
{
	const char *p = v, *end = v + n;
	unsigned mask = 0;

	if (word_is(v, n, "all")) {
		*out = PT_EVMASK_ALL;
		return 0;
	}
	while (p <= end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end, *b = p;
		enum pt_event_type t;
		char name[32];

		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e == b || (size_t)(e - b) >= sizeof(name))
			return bad_value(x, k, v, n);
		memcpy(name, b, (size_t)(e - b));
		name[e - b] = '\0';
		if (pt_event_from_name(name, &t) < 0)
			return bad_value(x, k, v, n);
		mask |= PT_EVMASK(t);
		if (!comma)
			break;
		p = comma + 1;
	}
	*out = mask;
	return 0;
}

static int set_string(struct pd_conf *c, const struct key *k, const char *v, size_t n)
{
	char *s = NULL, **m = str_member(c, k);

	/* user, host_name, pg_password_file, spool_dir = (empty): none */
	if (n || (k->type == K_NAME && k->off != OFF(user))) {
		s = malloc(n + 1);
		if (!s)
			return -ENOMEM;
		memcpy(s, v, n);
		s[n] = '\0';
	}
	free(*m);
	*m = s;
	return 0;
}

/* sink_filter: checked now, so that a bad one stops the start with its line. */
static int set_filter(struct ctx *x, struct pd_conf *c, const struct key *k, const char *v,
		      size_t n)
{
	struct cli_filter *f = NULL;
	char why[512], *text = strndup(v, n);
	int r;

	if (!text)
		return -ENOMEM;
	r = cli_filter_parse(text, &f, why, sizeof(why));
	cli_filter_free(f);
	free(text);
	if (r == -EINVAL)
		return fail(x, "bad value for %s: %s", k->name, why);
	return r < 0 ? r : set_string(c, k, v, n);
}

static bool has_control(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return true;
	return false;
}

/* output, sqlite, pg, rules: each line adds one; the first line of a file replaces
 * what an earlier file (c's) had. */
static int add_target(struct ctx *x, struct pd_conf *c, const struct key *k, bool first,
		      const char *v, size_t n)
{
	char ***arr, **na, *t;
	size_t *cnt;

	if (first)
		list_clear(c, k->type);
	if (!n || has_control(v, n) || n > 4096)
		return bad_value(x, k, v, n);
	if (k->type != K_PG && v[0] != '/' && !(k->type == K_SQLITE && word_is(v, n, "none")))
		return bad_value(x, k, v, n);
	if (k->type == K_SQLITE && (c->sqlite_none || (c->n_sqlites && word_is(v, n, "none"))))
		return fail(x, "sqlite = none and a sqlite path: one or the other");
	if (k->type == K_SQLITE && word_is(v, n, "none")) {
		c->sqlite_none = true;
		return 0;
	}
	list_member(c, k->type, &arr, &cnt);
	t = malloc(n + 1);
	if (!t)
		return -ENOMEM;
	memcpy(t, v, n);
	t[n] = '\0';
	na = realloc(*arr, (*cnt + 1) * sizeof(*na));
	if (!na) {
		free(t);
		return -ENOMEM;
	}
	na[(*cnt)++] = t;
	*arr = na;
	return 0;
}

/* K_UINT, K_AUTO_UINT (decimal), K_MODE (octal), within the key's range */
static int parse_number(struct ctx *x, const struct key *k, const char *v, size_t n, uint64_t *u)
{
	const char *rest;
	int r = parse_digits(v, v + n, k->type == K_MODE ? 8 : 10, u, &rest);

	if (r == -EINVAL || (r == 0 && rest != v + n))
		return bad_value(x, k, v, n);
	if (r < 0 || *u < (uint64_t)k->min || *u > (uint64_t)k->max)
		return out_of_range(x, k, v, n);
	return 0;
}

static int set_path(struct ctx *x, struct pd_conf *c, const struct key *k, const char *v, size_t n)
{
	if (!n || v[0] != '/' || has_control(v, n))
		return bad_value(x, k, v, n);
	return set_string(c, k, v, n);
}

static int set_value(struct ctx *x, struct pd_conf *c, const struct key *k, const char *v, size_t n,
		     bool first)
{
	void *m = (char *)c + k->off;
	char word[32];
	uint64_t u;
	int64_t d;
	int r;

	switch (k->type) {
	case K_TIER: {
		enum pt_tier t;

		if (n >= sizeof(word))
			return bad_value(x, k, v, n);
		memcpy(word, v, n);
		word[n] = '\0';
		if (pt_tier_from_name(word, &t) < 0)
			return bad_value(x, k, v, n);
		*(enum pt_tier *)m = t;
		return 0;
	}
	case K_EVENTS:
		return parse_events(x, k, v, n, m);
	case K_DURATION:
	case K_DURATION_U:
		r = parse_duration(v, n, &d);
		if (r == -EINVAL)
			return bad_value(x, k, v, n);
		if (r < 0 || d < k->min || d > k->max)
			return out_of_range(x, k, v, n);
		if (k->type == K_DURATION)
			*(int64_t *)m = d;
		else
			*(unsigned *)m = (unsigned)d;
		return 0;
	case K_SIZE:
		r = parse_size(v, n, &u);
		if (r == -EINVAL)
			return bad_value(x, k, v, n);
		if (r < 0 || u < (uint64_t)k->min || u > (uint64_t)k->max)
			return out_of_range(x, k, v, n);
		*(size_t *)m = (size_t)u;
		return 0;
	case K_AUTO_UINT:
		if (word_is(v, n, "auto")) {
			*(int *)m = -1;
			return 0;
		}
		r = parse_number(x, k, v, n, &u);
		if (r == 0)
			*(int *)m = (int)u;
		return r;
	case K_UINT:
	case K_MODE:
		r = parse_number(x, k, v, n, &u);
		if (r == 0)
			*(unsigned *)m = (unsigned)u;
		return r;
	case K_TRISTATE:
		r = word_is(v, n, "auto") ? -1 : parse_bool_word(v, n);
		if (r == -1 && !word_is(v, n, "auto"))
			return bad_value(x, k, v, n);
		*(int *)m = r;
		return 0;
	case K_LOGLEVEL:
		for (size_t i = 0; i < ARRAY_SIZE(log_levels); i++) {
			if (word_is(v, n, log_levels[i].name)) {
				*(int *)m = log_levels[i].level;
				return 0;
			}
		}
		return bad_value(x, k, v, n);
	case K_SOCKET:
		/* sun_path has room for 107 bytes and the NUL */
		if (n >= sizeof(((struct sockaddr_un *)0)->sun_path))
			return bad_value(x, k, v, n);
		return set_path(x, c, k, v, n);
	case K_PATH:
		return set_path(x, c, k, v, n);
	case K_NAME:
	case K_HOST:
		if (n && !pt_sink_name_ok(v, n, k->type == K_HOST ? PT_SINK_HOST_NAME_MAX : 256))
			return bad_value(x, k, v, n);
		return set_string(c, k, v, n);
	case K_OPT_PATH:
		if (!n)
			return set_string(c, k, v, n);
		return set_path(x, c, k, v, n);
	case K_BOOL:
		r = parse_bool_word(v, n);
		if (r < 0)
			return bad_value(x, k, v, n);
		*(bool *)m = r;
		return 0;
	case K_PGWRITE:
		if (!word_is(v, n, "copy") && !word_is(v, n, "insert"))
			return bad_value(x, k, v, n);
		*(bool *)m = word_is(v, n, "copy");
		return 0;
	case K_SIZE64:
		r = parse_size(v, n, &u);
		if (r == -EINVAL)
			return bad_value(x, k, v, n);
		if (r < 0 || u < (uint64_t)k->min || u > (uint64_t)k->max)
			return out_of_range(x, k, v, n);
		*(uint64_t *)m = u;
		return 0;
	case K_MIB:
		r = parse_number(x, k, v, n, &u);
		if (r == 0)
			*(uint64_t *)m = u * MIB;
		return r;
	case K_FSYNC:
		if (word_is(v, n, "no") || word_is(v, n, "batch")) {
			c->sink.fsync = word_is(v, n, "no") ? PT_FSYNC_NO : PT_FSYNC_BATCH;
			c->sink.fsync_interval_ms = 0;
			return 0;
		}
		r = parse_duration(v, n, &d);
		if (r == -EINVAL)
			return bad_value(x, k, v, n);
		if (r < 0 || d < k->min || d > k->max)
			return out_of_range(x, k, v, n);
		c->sink.fsync = PT_FSYNC_INTERVAL;
		c->sink.fsync_interval_ms = d;
		return 0;
	case K_OUTPUT:
	case K_SQLITE:
	case K_PG:
	case K_RULES:
		return add_target(x, c, k, first, v, n);
	case K_FILTER:
		return set_filter(x, c, k, v, n);
	}
	return bad_value(x, k, v, n);
}

/* ---- lines -------------------------------------------------------------------- */

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static const struct key *find_key(const char *s, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (word_is(s, n, keys[i].name))
			return &keys[i];
	return NULL;
}

static int parse_line(struct ctx *x, struct pd_conf *c, unsigned *seen, const char *s, size_t n)
{
	const char *end = s + n, *eq, *k, *ke, *v;
	const struct key *key;
	char q[QUOTE_MAX * 4 + 8];
	bool first;
	size_t idx;

	if (n && end[-1] == '\r') /* CRLF */
		end--;
	while (s < end && is_blank(*s))
		s++;
	while (end > s && is_blank(end[-1]))
		end--;
	if (s == end || *s == '#')
		return 0;
	if (memchr(s, '\0', (size_t)(end - s)))
		return fail(x, "a NUL byte in the line (not a text file?)");
	eq = memchr(s, '=', (size_t)(end - s));
	if (!eq)
		return fail(x, "expected 'key = value'");
	k = s;
	ke = eq;
	while (ke > k && is_blank(ke[-1]))
		ke--;
	if (ke == k)
		return fail(x, "expected 'key = value': no key before '='");
	key = find_key(k, (size_t)(ke - k));
	if (!key) {
		quote(q, sizeof(q), k, (size_t)(ke - k));
		return fail(x, "unknown key '%s'", q);
	}
	idx = (size_t)(key - keys);
	first = !seen[idx];
	if (seen[idx] && !is_list(key->type))
		return fail(x, "duplicate key '%s' (first set on line %u)", key->name, seen[idx]);
	if (first)
		seen[idx] = x->line;
	v = eq + 1;
	while (v < end && is_blank(*v))
		v++;
	if (v < end && *v == '"') {
		const char *close = memchr(v + 1, '"', (size_t)(end - v - 1)), *t;

		if (!close)
			return fail(x, "unterminated quote in the value of %s", key->name);
		for (t = close + 1; t < end && is_blank(*t); t++)
			;
		if (t < end && (*t != '#' || t == close + 1))
			return fail(x, "text after the closing quote of %s's value", key->name);
		v++;
		end = close;
	} else {
		/* a comment after the value: `#` after a blank */
		for (const char *h = v; h < end; h++) {
			if (*h == '#' && h > eq + 1 && is_blank(h[-1])) {
				end = h;
				break;
			}
		}
		while (end > v && is_blank(end[-1]))
			end--;
	}
	return set_value(x, c, key, v, (size_t)(end - v), first);
}

static int list_dup(struct pd_conf *dst, const struct pd_conf *src, enum ktype t)
{
	char ***da, ***sa;
	size_t *dn, *sn;

	list_member(dst, t, &da, &dn);
	list_member((struct pd_conf *)src, t, &sa, &sn);
	if (!*sn)
		return 0;
	*da = calloc(*sn, sizeof(**da));
	if (!*da)
		return -ENOMEM;
	for (; *dn < *sn; (*dn)++)
		if (!((*da)[*dn] = strdup((*sa)[*dn])))
			return -ENOMEM;
	return 0;
}

/* A copy whose strings are its own, so that a failed parse leaves c as it was. */
static int conf_dup(struct pd_conf *dst, const struct pd_conf *src)
{
	*dst = *src;
	/* nothing shared: what is not copied yet is NULL, so that a failure frees only copies */
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (is_string(keys[i].type))
			*str_member(dst, &keys[i]) = NULL;
	}
	dst->outputs = dst->sqlites = dst->pgs = dst->rules = NULL;
	dst->n_outputs = dst->n_sqlites = dst->n_pgs = dst->n_rules = 0;
	dst->sink.target = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *v;

		if (is_list(keys[i].type) && list_dup(dst, src, keys[i].type) < 0)
			goto oom;
		if (!is_string(keys[i].type))
			continue;
		v = *str_member((struct pd_conf *)src, &keys[i]);
		if (v && !(*str_member(dst, &keys[i]) = strdup(v)))
			goto oom;
	}
	return 0;
oom:
	pd_conf_free(dst);
	return -ENOMEM;
}

int pd_conf_parse(struct pd_conf *c, const char *text, size_t len, const char *name, char *err,
		  size_t errlen)
{
	unsigned seen[ARRAY_SIZE(keys)] = {0};
	struct ctx x = {.name = name ? name : "proctrail.conf", .err = err, .errlen = errlen};
	const char *p = text, *end = text + len;
	struct pd_conf next;
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!c || (!text && len))
		return -EINVAL;
	r = conf_dup(&next, c);
	if (r < 0) {
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", x.name);
		return r;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		x.line = x.line == UINT_MAX ? UINT_MAX : x.line + 1;
		r = parse_line(&x, &next, seen, p, (size_t)(le - p));
		if (r < 0) {
			if (r == -ENOMEM)
				fail(&x, "out of memory");
			pd_conf_free(&next);
			return r;
		}
		p = nl ? nl + 1 : end;
	}
	pd_conf_free(c);
	*c = next;
	return 0;
}

int pd_conf_load(struct pd_conf *c, const char *path, char *err, size_t errlen)
{
	size_t cap = 4096, len = 0;
	char *buf = NULL;
	int fd, r = 0;

	if (err && errlen)
		err[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		goto out_err;
	}
	buf = malloc(cap);
	if (!buf) {
		r = -ENOMEM;
		goto out_close;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap >= FILE_MAX) {
				r = -EFBIG;
				goto out_close;
			}
			cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				r = -ENOMEM;
				goto out_close;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out_close;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	r = pd_conf_parse(c, buf, len, path, err, errlen);
	free(buf);
	return r;

out_close:
	close(fd);
out_err:
	free(buf);
	if (err && errlen) {
		if (r == -EFBIG)
			snprintf(err, errlen, "%s: larger than %u MiB, not a configuration file",
				 path, FILE_MAX >> 20);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(-r));
	}
	return r;
}

static bool key_differs(const struct pd_conf *a, const struct pd_conf *b, const struct key *k)
{
	/* through void *: the offsets are of members, so aligned for them */
	const void *pa = (const char *)a + k->off, *pb = (const char *)b + k->off;

	switch (k->type) {
	case K_PATH:
	case K_SOCKET:
	case K_NAME:
	case K_OPT_PATH:
	case K_HOST:
	case K_FILTER: {
		const char *sa = *(const char *const *)pa, *sb = *(const char *const *)pb;

		if (!sa || !sb)
			return sa != sb;
		return strcmp(sa, sb) != 0;
	}
	case K_OUTPUT:
	case K_SQLITE:
	case K_PG:
	case K_RULES: {
		char ***la, ***lb;
		size_t *na, *nb;

		list_member((struct pd_conf *)a, k->type, &la, &na);
		list_member((struct pd_conf *)b, k->type, &lb, &nb);
		if (*na != *nb || (k->type == K_SQLITE && a->sqlite_none != b->sqlite_none))
			return true;
		for (size_t i = 0; i < *na; i++)
			if (strcmp((*la)[i], (*lb)[i]) != 0)
				return true;
		return false;
	}
	case K_BOOL:
	case K_PGWRITE:
		return *(const bool *)pa != *(const bool *)pb;
	case K_SIZE64:
	case K_MIB:
		return *(const uint64_t *)pa != *(const uint64_t *)pb;
	case K_FSYNC:
		return a->sink.fsync != b->sink.fsync ||
			a->sink.fsync_interval_ms != b->sink.fsync_interval_ms;
	case K_DURATION:
		return *(const int64_t *)pa != *(const int64_t *)pb;
	case K_SIZE:
		return *(const size_t *)pa != *(const size_t *)pb;
	case K_TIER:
		return *(const enum pt_tier *)pa != *(const enum pt_tier *)pb;
	case K_EVENTS:
	case K_DURATION_U:
	case K_UINT:
	case K_MODE:
		return *(const unsigned *)pa != *(const unsigned *)pb;
	case K_TRISTATE:
	case K_AUTO_UINT:
	case K_LOGLEVEL:
		return *(const int *)pa != *(const int *)pb;
	}
	return true;
}

unsigned pd_conf_restart_keys(const struct pd_conf *running, const struct pd_conf *next, char *buf,
			      size_t len)
{
	unsigned count = 0;
	size_t o = 0;

	if (buf && len)
		buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (keys[i].reloadable || !key_differs(running, next, &keys[i]))
			continue;
		if (buf && o < len) {
			int n = snprintf(buf + o, len - o, "%s%s", count ? ", " : "", keys[i].name);

			o = n < 0 ? len : o + (size_t)n;
		}
		count++;
	}
	return count;
}

/* next's key k = running's, copied */
static int keep_key(const struct pd_conf *run, struct pd_conf *next, const struct key *k)
{
	const void *src = (const char *)run + k->off;
	void *dst = (char *)next + k->off;

	if (is_string(k->type)) {
		const char *v = *(const char *const *)src;
		char *n = v ? strdup(v) : NULL;

		if (v && !n)
			return -ENOMEM;
		free(*str_member(next, k));
		*str_member(next, k) = n;
		return 0;
	}
	if (is_list(k->type)) {
		list_clear(next, k->type);
		if (k->type == K_SQLITE)
			next->sqlite_none = run->sqlite_none;
		return list_dup(next, run, k->type);
	}
	switch (k->type) {
	case K_DURATION:
		*(int64_t *)dst = *(const int64_t *)src;
		break;
	case K_SIZE:
		*(size_t *)dst = *(const size_t *)src;
		break;
	case K_TIER:
		*(enum pt_tier *)dst = *(const enum pt_tier *)src;
		break;
	case K_EVENTS:
	case K_DURATION_U:
	case K_UINT:
	case K_MODE:
		*(unsigned *)dst = *(const unsigned *)src;
		break;
	case K_TRISTATE:
	case K_AUTO_UINT:
	case K_LOGLEVEL:
		*(int *)dst = *(const int *)src;
		break;
	case K_BOOL:
	case K_PGWRITE:
		*(bool *)dst = *(const bool *)src;
		break;
	case K_SIZE64:
	case K_MIB:
		*(uint64_t *)dst = *(const uint64_t *)src;
		break;
	case K_FSYNC:
		next->sink.fsync = run->sink.fsync;
		next->sink.fsync_interval_ms = run->sink.fsync_interval_ms;
		break;
	default:
		break;
	}
	return 0;
}

int pd_conf_keep_running(const struct pd_conf *running, struct pd_conf *next)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (keys[i].reloadable)
			continue;
		if (keep_key(running, next, &keys[i]) < 0)
			return -ENOMEM;
	}
	return 0;
}

const char *pd_conf_sink_key(enum pt_sink_type t)
{
	switch (t) {
	case PT_SINK_FILE:
		return "output";
	case PT_SINK_SQLITE:
		return "sqlite";
	case PT_SINK_PG:
		return "pg";
	default:
		return "?";
	}
}

/* dir/name, malloc'ed */
static char *path_in(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	char *p = malloc(n + strlen(name) + 2);

	if (p)
		sprintf(p, "%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
	return p;
}

static int add_sink(struct pt_sink_conf *v, size_t *k, const struct pt_sink_conf *base,
		    enum pt_sink_type t, const char *target)
{
	int r = pt_sink_conf_copy(&v[*k], base, t, target);

	if (r == 0)
		(*k)++;
	return r;
}

int pd_conf_sinks(const struct pd_conf *c, bool no_db, struct pt_sink_conf **out, size_t *n)
{
	const char *state = c->state_dir && *c->state_dir ? c->state_dir : PD_STATE_DIR;
	struct pt_sink_conf base = c->sink, *v;
	char *def_db = NULL, *spool = NULL;
	size_t cap, k = 0;
	int r = -ENOMEM;

	*out = NULL;
	*n = 0;
	cap = c->n_outputs + c->n_sqlites + c->n_pgs + 1;
	v = calloc(cap, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (!base.spool_dir) {
		spool = path_in(state, PD_SPOOL_DIR);
		if (!spool)
			goto fail;
		base.spool_dir = spool;
	}
	for (size_t i = 0; i < c->n_outputs; i++)
		if ((r = add_sink(v, &k, &base, PT_SINK_FILE, c->outputs[i])) < 0)
			goto fail;
	if (!no_db && !c->sqlite_none && !c->n_sqlites) {
		def_db = path_in(state, PD_HISTORY_DB);
		if (!def_db || (r = add_sink(v, &k, &base, PT_SINK_SQLITE, def_db)) < 0)
			goto fail;
	}
	for (size_t i = 0; !no_db && i < c->n_sqlites; i++)
		if ((r = add_sink(v, &k, &base, PT_SINK_SQLITE, c->sqlites[i])) < 0)
			goto fail;
	for (size_t i = 0; !no_db && i < c->n_pgs; i++)
		if ((r = add_sink(v, &k, &base, PT_SINK_PG, c->pgs[i])) < 0)
			goto fail;
	free(def_db);
	free(spool);
	if (!k) {
		free(v);
		v = NULL;
	}
	*out = v;
	*n = k;
	return 0;
fail:
	for (size_t i = 0; i < k; i++)
		pt_sink_conf_free(&v[i]);
	free(v);
	free(def_db);
	free(spool);
	return r < 0 ? r : -ENOMEM;
}
