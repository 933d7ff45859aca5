/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sink options of watch and replay (cli-sink.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli-sink.h"
#include "cli.h"

#define CLI_SINKS_MAX 64

struct cli_sinks {
	struct pt_sink_conf def; /* the defaults every target gets a copy of */
	struct {
		enum pt_sink_type type;
		char *target;
	} tg[CLI_SINKS_MAX];
	unsigned n;
	/* --db-*: one more PostgreSQL sink */
	char *db_host, *db_port, *db_name, *db_user;
	bool db_conv, have_pg_opt;
	struct pt_sink *s[CLI_SINKS_MAX];
	char *shown[CLI_SINKS_MAX];
	struct pt_sink_status fin[CLI_SINKS_MAX];
	unsigned open;
	bool closed;
	struct cli_filter *filter; /* --sink-filter (its text in def.filter) */
};

struct cli_sinks *cli_sinks_new(void)
{
	struct cli_sinks *cs = calloc(1, sizeof(*cs));

	if (cs)
		pt_sink_conf_init(&cs->def);
	return cs;
}

void cli_sinks_free(struct cli_sinks *cs)
{
	if (!cs)
		return;
	cli_sinks_close(cs, 0, NULL);
	for (unsigned i = 0; i < cs->n; i++)
		free(cs->tg[i].target);
	for (unsigned i = 0; i < CLI_SINKS_MAX; i++)
		free(cs->shown[i]);
	free(cs->db_host);
	free(cs->db_port);
	free(cs->db_name);
	free(cs->db_user);
	cli_filter_free(cs->filter);
	pt_sink_conf_free(&cs->def);
	free(cs);
}

/* N[.N] with a unit: ms, s (the default), m, h, d, w. More than 0. */
int cli_parse_duration_ms(const char *s, int64_t *ms)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = {{"", 1000},     {"ms", 1},	      {"s", 1000},     {"m", 60000},
		     {"h", 3600000}, {"d", 86400000}, {"w", 604800000}};
	char *end;
	double v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v != v || v <= 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		double t;

		if (strcmp(end, units[i].unit) != 0)
			continue;
		t = v * units[i].ms;
		/* at least 1 ms, at most 100 years */
		if (t < 1 || t > 100.0 * 366 * 86400000)
			return -EINVAL;
		*ms = (int64_t)(t + 0.5);
		return 0;
	}
	return -EINVAL;
}

/* N with an optional K, M, G or T (binary; a trailing B or iB is fine). */
int cli_parse_bytes(const char *s, uint64_t *v)
{
	unsigned shift = 0;
	unsigned long long n;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	case 't':
	case 'T':
		shift = 40;
		break;
	}
	if (shift) {
		end++;
		if (*end == 'i')
			end++;
	}
	if (*end == 'B' || (*end == 'b' && shift))
		end++;
	if (*end || n > (UINT64_MAX >> shift))
		return -EINVAL;
	*v = (uint64_t)n << shift;
	return 0;
}

/* A libpq conninfo value: single-quoted, with \ and ' escaped by a backslash. */
char *cli_conninfo_quote(const char *v)
{
	size_t n = strlen(v);
	char *out = malloc(2 * n + 3), *o = out;

	if (!out)
		return NULL;
	*o++ = '\'';
	for (; *v; v++) {
		if (*v == '\\' || *v == '\'')
			*o++ = '\\';
		*o++ = *v;
	}
	*o++ = '\'';
	*o = '\0';
	return out;
}

__attribute__((format(printf, 3, 4))) static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int add_target(struct cli_sinks *cs, enum pt_sink_type t, const char *opt,
		      const char *target, char *err, size_t errlen)
{
	char *shown;
	bool pw;

	if (!*target)
		return bad(err, errlen, "%s needs a value", opt);
	if (cs->n >= CLI_SINKS_MAX)
		return bad(err, errlen, "at most %d sinks", CLI_SINKS_MAX);
	if (t == PT_SINK_PG) {
		shown = pt_sink_target_shown(t, target);
		if (!shown)
			return -ENOMEM;
		pw = strcmp(shown, target) != 0;
		free(shown);
		if (pw)
			return bad(err, errlen,
				   "--pg: a password on the command line shows in ps; use "
				   "--db-password-file, PGPASSFILE or PGPASSWORD");
	}
	cs->tg[cs->n].target = strdup(target);
	if (!cs->tg[cs->n].target)
		return -ENOMEM;
	cs->tg[cs->n++].type = t;
	return 0;
}

static int set_str(char **dst, const char *opt, const char *v, char *err, size_t errlen)
{
	if (!*v)
		return bad(err, errlen, "%s needs a value", opt);
	free(*dst);
	*dst = strdup(v);
	return *dst ? 0 : -ENOMEM;
}

static int num(const char *opt, const char *v, unsigned long long min, unsigned long long max,
	       unsigned long long *out, char *err, size_t errlen)
{
	char *end;

	errno = 0;
	*out = strtoull(v, &end, 10);
	if (errno || end == v || *end || *v < '0' || *v > '9' || *out < min || *out > max)
		return bad(err, errlen, "invalid value for %s: '%s' (%llu to %llu)", opt, v, min,
			   max);
	return 0;
}

static int duration(const char *opt, const char *v, int64_t *ms, char *err, size_t errlen)
{
	if (cli_parse_duration_ms(v, ms) < 0)
		return bad(err, errlen,
			   "invalid value for %s: '%s' (a duration: a number with ms, s, m, h, "
			   "d or w)",
			   opt, v);
	return 0;
}

static int bytes(const char *opt, const char *v, uint64_t min, uint64_t max, uint64_t *out,
		 char *err, size_t errlen)
{
	if (cli_parse_bytes(v, out) < 0 || *out < min || *out > max)
		return bad(err, errlen,
			   "invalid value for %s: '%s' (%" PRIu64 " to %" PRIu64
			   " bytes; suffixes K, M, G, T)",
			   opt, v, min, max);
	return 0;
}

static int sink_filter(struct cli_sinks *cs, const char *v, char *err, size_t errlen)
{
	char why[512] = "";
	int r;

	if (cs->filter)
		return bad(err, errlen, "--sink-filter given twice; join the conditions with and");
	r = cli_filter_parse(v, &cs->filter, why, sizeof(why));
	if (r == -EINVAL)
		return bad(err, errlen, "invalid --sink-filter: %s", why);
	if (r < 0)
		return r;
	return set_str(&cs->def.filter, "--sink-filter", cli_filter_text(cs->filter), err, errlen);
}

const struct cli_filter *cli_sinks_filter(const struct cli_sinks *cs)
{
	return cs ? cs->filter : NULL;
}

bool cli_sinks_want(struct cli_sinks *cs, struct cli_filter_ev *fe)
{
	if (cli_filter_eval(cs->filter, fe))
		return true;
	for (unsigned i = 0; i < cs->open; i++)
		pt_sink_skip(cs->s[i]);
	return false;
}

int cli_sinks_option(struct cli_sinks *cs, int c, const char *v, char *err, size_t errlen)
{
	struct pt_sink_conf *d = &cs->def;
	unsigned long long n;
	uint64_t b;
	int r;

	switch (c) {
	case CLI_SINK_OUTPUT:
		return add_target(cs, PT_SINK_FILE, "--output", v, err, errlen);
	case CLI_SINK_SQLITE:
		return add_target(cs, PT_SINK_SQLITE, "--sqlite", v, err, errlen);
	case CLI_SINK_PG:
		cs->have_pg_opt = true;
		return add_target(cs, PT_SINK_PG, "--pg", v, err, errlen);
	case CLI_SINK_DB_HOST:
		cs->db_conv = true;
		return set_str(&cs->db_host, "--db-host", v, err, errlen);
	case CLI_SINK_DB_PORT:
		cs->db_conv = true;
		r = num("--db-port", v, 1, 65535, &n, err, errlen);
		return r < 0 ? r : set_str(&cs->db_port, "--db-port", v, err, errlen);
	case CLI_SINK_DB_NAME:
		cs->db_conv = true;
		return set_str(&cs->db_name, "--db-name", v, err, errlen);
	case CLI_SINK_DB_USER:
		cs->db_conv = true;
		return set_str(&cs->db_user, "--db-user", v, err, errlen);
	case CLI_SINK_DB_PASSWORD:
		return bad(err, errlen,
			   "--db-password is refused: a password on the command line shows in "
			   "ps; use --db-password-file, PGPASSFILE or PGPASSWORD");
	case CLI_SINK_DB_PASSWORD_FILE:
		return set_str(&d->password_file, "--db-password-file", v, err, errlen);
	case CLI_SINK_BATCH:
		r = num("--batch-size", v, 1, 100000, &n, err, errlen);
		d->batch_size = (unsigned)n;
		return r;
	case CLI_SINK_FLUSH: {
		char *end;
		double s;

		errno = 0;
		s = strtod(v, &end);
		if (errno || end == v || *end || s != s || s < 0.001 || s > 3600 || *v == ' ')
			return bad(err, errlen,
				   "invalid value for --flush-interval: '%s' (seconds, 0.001 to "
				   "3600)",
				   v);
		d->flush_ms = (int64_t)(s * 1000 + 0.5);
		return 0;
	}
	case CLI_SINK_QUEUE:
		r = bytes("--sink-queue", v, PT_OUTQ_MIN, PT_OUTQ_MAX, &b, err, errlen);
		d->queue = (size_t)b;
		return r;
	case CLI_SINK_MAX_SIZE:
		r = num("--output-max-size-mb", v, 0, 1u << 24, &n, err, errlen);
		d->max_size = (uint64_t)n << 20;
		return r;
	case CLI_SINK_MAX_BACKUPS:
		r = num("--output-max-backups", v, 0, 100000, &n, err, errlen);
		d->max_backups = (unsigned)n;
		return r;
	case CLI_SINK_MAX_AGE:
		return duration("--output-max-age", v, &d->max_age_ms, err, errlen);
	case CLI_SINK_COMPRESS:
		d->compress = true;
		return 0;
	case CLI_SINK_FSYNC:
		if (strcmp(v, "no") == 0) {
			d->fsync = PT_FSYNC_NO;
			return 0;
		}
		if (strcmp(v, "batch") == 0) {
			d->fsync = PT_FSYNC_BATCH;
			return 0;
		}
		if (cli_parse_duration_ms(v, &d->fsync_interval_ms) < 0)
			return bad(err, errlen,
				   "invalid value for --output-fsync: '%s' (no, batch, or a "
				   "duration such as 1s)",
				   v);
		d->fsync = PT_FSYNC_INTERVAL;
		return 0;
	case CLI_SINK_RETENTION:
		return duration("--db-retention", v, &d->retention_ms, err, errlen);
	case CLI_SINK_DB_MAX_SIZE:
		return bytes("--db-max-size", v, 0, UINT64_MAX, &d->db_max_size, err, errlen);
	case CLI_SINK_NO_SCHEMA:
		d->create_schema = false;
		return 0;
	case CLI_SINK_SPOOL_DIR:
		return set_str(&d->spool_dir, "--spool-dir", v, err, errlen);
	case CLI_SINK_SPOOL_MAX:
		return bytes("--spool-max", v, 0, UINT64_MAX, &d->spool_max, err, errlen);
	case CLI_SINK_PG_WRITE:
		if (strcmp(v, "copy") != 0 && strcmp(v, "insert") != 0)
			return bad(err, errlen, "invalid value for --pg-write: '%s' (copy, insert)",
				   v);
		d->pg_copy = strcmp(v, "copy") == 0;
		return 0;
	case CLI_SINK_HOST_NAME:
		if (*v && !pt_sink_name_ok(v, strlen(v), PT_SINK_HOST_NAME_MAX))
			return bad(err, errlen,
				   "invalid value for --host-name: '%s' (letters, digits, '-', '_' "
				   "and '.', at most 253)",
				   v);
		return set_str(&d->host, "--host-name", v, err, errlen);
	case CLI_SINK_FILTER:
		return sink_filter(cs, v, err, errlen);
	}
	return bad(err, errlen, "not a sink option");
}

/* --db-*: "host='H' port='P' dbname='N' user='U'", defaults as the issue says. */
static char *db_conninfo(const struct cli_sinks *cs)
{
	const char *keys[] = {"host", "port", "dbname", "user"};
	const char *vals[] = {
		cs->db_host ? cs->db_host : "localhost", cs->db_port ? cs->db_port : "5432",
		cs->db_name ? cs->db_name : "monitor_db", cs->db_user ? cs->db_user : "postgres"};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < 4; i++) {
		char *q = cli_conninfo_quote(vals[i]);

		if (!q) {
			fclose(f);
			free(buf);
			return NULL;
		}
		fprintf(f, "%s%s=%s", i ? " " : "", keys[i], q);
		free(q);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

const char *cli_sinks_host(const struct cli_sinks *cs)
{
	return cs ? cs->def.host : NULL;
}

unsigned cli_sinks_count(const struct cli_sinks *cs)
{
	/* --db-password-file alone adds the sink too, unless a --pg takes it */
	bool conv = cs->db_conv || (cs->def.password_file && !cs->have_pg_opt);

	return cs->n + (conv ? 1 : 0);
}

/* watch's spool: ${XDG_STATE_HOME:-~/.local/state}/proctrail/spool */
static char *default_spool(void)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char *p = NULL;

	if (xdg && *xdg == '/')
		return asprintf(&p, "%s/proctrail/spool", xdg) < 0 ? NULL : p;
	if (!home || !*home)
		home = "/";
	return asprintf(&p, "%s/.local/state/proctrail/spool", home) < 0 ? NULL : p;
}

static const char *opt_name(enum pt_sink_type t)
{
	return t == PT_SINK_FILE ? "--output" : t == PT_SINK_SQLITE ? "--sqlite" : "--pg";
}

int cli_sinks_open(struct cli_sinks *cs, pt_log_fn log, void *logdata, char *err, size_t errlen)
{
	int r;

	if (cli_sinks_count(cs) > cs->n) {
		char *ci = db_conninfo(cs);

		if (!ci)
			return -ENOMEM;
		r = cs->n < CLI_SINKS_MAX ? 0 : -EINVAL;
		if (r == 0) {
			cs->tg[cs->n].type = PT_SINK_PG;
			cs->tg[cs->n++].target = ci;
		} else {
			free(ci);
			return bad(err, errlen, "at most %d sinks", CLI_SINKS_MAX);
		}
		cs->db_conv = false;
		cs->have_pg_opt = true;
	}
	for (unsigned i = 0; i < cs->n; i++) {
		struct pt_sink_conf c;
		char why[512] = "";

		r = pt_sink_conf_copy(&c, &cs->def, cs->tg[i].type, cs->tg[i].target);
		if (r == 0 && c.type == PT_SINK_PG && !c.spool_dir &&
		    !(c.spool_dir = default_spool()))
			r = -ENOMEM;
		cs->shown[i] = r == 0 ? pt_sink_target_shown(c.type, c.target) : NULL;
		if (r == 0 && !cs->shown[i])
			r = -ENOMEM;
		if (r == 0)
			r = pt_sink_open(&cs->s[i], &c, log, logdata, why, sizeof(why));
		pt_sink_conf_free(&c);
		if (r < 0) {
			/* the sink's own reason names the option; else say it here */
			if (why[0] &&
			    strncmp(why, opt_name(cs->tg[i].type),
				    strlen(opt_name(cs->tg[i].type))) == 0)
				snprintf(err, errlen, "%s", why);
			else if (why[0])
				snprintf(err, errlen, "%s %s: %s", opt_name(cs->tg[i].type),
					 cs->shown[i] ? cs->shown[i] : "", why);
			else
				snprintf(err, errlen, "%s %s: %s", opt_name(cs->tg[i].type),
					 cs->shown[i] ? cs->shown[i] : "", strerror(-r));
			/* one line, whatever the sink said */
			for (char *p = err; *p; p++)
				if (*p == '\n' || *p == '\r')
					*p = ' ';
			cs->open = i;
			cli_sinks_close(cs, 0, NULL);
			return r;
		}
	}
	cs->open = cs->n;
	return 0;
}

void cli_sinks_push(struct cli_sinks *cs, const char *line, size_t len, bool wait)
{
	for (unsigned i = 0; i < cs->open; i++)
		if (wait)
			pt_sink_push_wait(cs->s[i], line, len);
		else
			pt_sink_push(cs->s[i], line, len);
}

void cli_sinks_reopen(struct cli_sinks *cs)
{
	for (unsigned i = 0; cs && i < cs->open; i++)
		pt_sink_reopen(cs->s[i]);
}

void cli_sinks_close(struct cli_sinks *cs, int drain_ms, const volatile sig_atomic_t *cancel)
{
	if (!cs || cs->closed || !cs->open)
		return;
	/* all drain at once, each within what is left of the time */
	for (unsigned i = 0; i < cs->open; i++)
		pt_sink_drain(cs->s[i], 0, NULL);
	if (drain_ms != 0) {
		struct timespec t0, t;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (unsigned i = 0; i < cs->open; i++) {
			int left = -1;

			if (drain_ms > 0) {
				clock_gettime(CLOCK_MONOTONIC, &t);
				left = drain_ms -
					(int)((t.tv_sec - t0.tv_sec) * 1000 +
					      (t.tv_nsec - t0.tv_nsec) / 1000000);
				if (left < 0)
					left = 0;
			}
			if (pt_sink_drain(cs->s[i], left, cancel) == -ECANCELED)
				break;
		}
	}
	for (unsigned i = 0; i < cs->open; i++) {
		pt_sink_close(cs->s[i], 0, &cs->fin[i]);
		cs->s[i] = NULL;
		cs->fin[i].target = cs->shown[i];
	}
	cs->closed = true;
}

uint64_t cli_sinks_dropped(const struct cli_sinks *cs)
{
	uint64_t n = 0;

	for (unsigned i = 0; cs && cs->closed && i < cs->open; i++)
		n += cs->fin[i].dropped;
	return n;
}

void cli_sinks_summary_text(const struct cli_sinks *cs, FILE *f, const char *prog)
{
	for (unsigned i = 0; cs && cs->closed && i < cs->open; i++) {
		const struct pt_sink_status *st = &cs->fin[i];

		fprintf(f, "%s: sink %s ", prog, pt_sink_type_name(st->type));
		cli_escape_str(f, st->target ? st->target : "");
		fprintf(f,
			": %" PRIu64 " written in %" PRIu64 " batches, %" PRIu64
			" dropped (%" PRIu64 " told by lost events), %" PRIu64 " errors",
			st->written, st->batches, st->dropped, st->reported, st->errors);
		if (cs->filter)
			fprintf(f, ", %" PRIu64 " left out by --sink-filter", st->filtered);
		if (st->backlog)
			fprintf(f, ", %" PRIu64 " left in the spool", st->backlog);
		if (st->last_error[0]) {
			char e[sizeof(st->last_error) + 1];

			snprintf(e, sizeof(e), "%.*s", (int)sizeof(st->last_error), st->last_error);
			fputs("; last error: ", f);
			cli_escape_str(f, e);
		}
		fputc('\n', f);
	}
}

void cli_sinks_summary_json(const struct cli_sinks *cs, FILE *f)
{
	fputc('[', f);
	for (unsigned i = 0; cs && cs->closed && i < cs->open; i++) {
		char *j = pt_sink_status_json_of(&cs->fin[i], NULL);

		fprintf(f, "%s%s", i ? "," : "", j ? j : "null");
		free(j);
	}
	fputc(']', f);
}
