/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sink runner (sink.h): one bounded queue and one thread per sink. The
 * monitor's thread pushes event lines and never waits; the sink's thread takes
 * them in batches (by count, or by time since the first record of the batch
 * arrived), hands each batch to the sink's ops, and counts what the sink did
 * not take as dropped, so that a later `lost` line (reason "sink") tells it.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "sink.h"

#define SINK_TICK_MS 1000
#define SINK_DEFAULT_QUEUE (16u << 20)

bool pt_sink_name_ok(const char *v, size_t n, size_t max)
{
	if (n == 0 || n > max || v[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
		      (v[i] >= '0' && v[i] <= '9') || v[i] == '_' || v[i] == '-' || v[i] == '.'))
			return false;
	return true;
}

void pt_sink_conf_init(struct pt_sink_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->type = PT_SINK_FILE;
	c->batch_size = 100;
	c->flush_ms = 1000;
	c->queue = SINK_DEFAULT_QUEUE;
	c->max_size = 100ull << 20;
	c->max_backups = 5;
	c->fsync = PT_FSYNC_BATCH;
	c->file_mode = 0640;
	c->create_schema = true;
	c->spool_max = 256ull << 20;
	c->pg_copy = true;
}

void pt_sink_conf_free(struct pt_sink_conf *c)
{
	if (!c)
		return;
	free(c->target);
	free(c->host);
	free(c->password_file);
	free(c->spool_dir);
	free(c->filter);
	c->target = c->host = c->password_file = c->spool_dir = c->filter = NULL;
}

static int dup_str(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

int pt_sink_conf_copy(struct pt_sink_conf *dst, const struct pt_sink_conf *src,
		      enum pt_sink_type type, const char *target)
{
	*dst = *src;
	dst->type = type;
	if (dup_str(&dst->target, target) < 0 || dup_str(&dst->host, src->host) < 0 ||
	    dup_str(&dst->password_file, src->password_file) < 0 ||
	    dup_str(&dst->spool_dir, src->spool_dir) < 0 ||
	    dup_str(&dst->filter, src->filter) < 0) {
		/* free only what this copy allocated: the rest still points into src */
		char *mine[] = {dst->target, dst->host, dst->password_file, dst->spool_dir,
				dst->filter};
		const char *theirs[] = {target, src->host, src->password_file, src->spool_dir,
					src->filter};

		for (size_t i = 0; i < 5; i++)
			if (mine[i] != theirs[i])
				free(mine[i]);
		memset(dst, 0, sizeof(*dst));
		return -ENOMEM;
	}
	return 0;
}

const char *pt_sink_type_name(enum pt_sink_type t)
{
	static const char *const names[] = {"file", "sqlite", "pg"};

	return (unsigned)t < PT_SINK_TYPES ? names[t] : "?";
}

const char *pt_sink_state_name(enum pt_sink_state s)
{
	static const char *const names[] = {"ok", "connecting", "spooling", "failing", "stopped"};

	return (unsigned)s <= PT_SINK_STOPPED ? names[s] : "?";
}

struct pt_sink {
	const struct pt_sink_ops *ops;
	void *state;
	struct pt_sink_conf conf;
	struct pt_outq *q;
	struct pt_outq_rec *recs;
	char *shown; /* the target for display */
	char host[256];
	struct pt_sink_env env;
	pt_log_fn log;
	void *log_data;
	pthread_t thread;
	bool started;

	atomic_bool reopen, closing;
	atomic_int_fast64_t drain_until; /* monotonic ms: stop writing after this */
	atomic_uint_fast64_t filtered; /* pt_sink_skip */

	pthread_mutex_t lock; /* the runner's counters below */
	uint64_t batches, errors;
	int last_err; /* -errno of the last failed write; 0 after a good one */
	bool failing; /* the last batch failed (the sink's thread only logs changes) */
	/* the sink's own status, taken by its thread just before ops->close */
	bool ops_closed;
	struct pt_sink_status ops_final;
	uint64_t errors_at_close;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void no_log(int level, const char *msg, void *data)
{
	(void)level, (void)msg, (void)data;
}

static void sink_log(struct pt_sink *s, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void sink_log(struct pt_sink *s, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->env.log(level, msg, s->env.log_data);
}

/* Mask a password in a libpq conninfo ("password=..." keyword/value pairs) or
 * URI ("postgresql://user:secret@host/db", "?password=..."). */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static char *mask_uri(const char *t)
{
	size_t n = strlen(t);
	char *out = malloc(n + 8);
	const char *auth, *end, *at, *colon;
	size_t o = 0;

	if (!out)
		return NULL;
	auth = strstr(t, "://");
	auth = auth ? auth + 3 : t;
	end = auth + strcspn(auth, "/?#");
	at = NULL;
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p; /* the last '@' ends the user info */
	memcpy(out, t, (size_t)(auth - t));
	o = (size_t)(auth - t);
	colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (colon) {
		memcpy(out + o, auth, (size_t)(colon - auth) + 1);
		o += (size_t)(colon - auth) + 1;
		memcpy(out + o, "***", 3);
		o += 3;
		auth = at;
	}
	/* the rest, with any password=VALUE parameter masked */
	for (const char *p = auth; *p;) {
		if (p > end && (p[-1] == '?' || p[-1] == '&') &&
		    strncasecmp(p, "password=", 9) == 0) {
			memcpy(out + o, p, 9);
			o += 9;
			p += 9;
			memcpy(out + o, "***", 3);
			o += 3;
			p += strcspn(p, "&#");
			continue;
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
	return out;
}

static char *mask_conninfo(const char *t)
{
	size_t n = strlen(t);
	char *out;
	size_t o = 0;
	const char *p = t;

	if (strncmp(t, "postgresql://", 13) == 0 || strncmp(t, "postgres://", 11) == 0)
		return mask_uri(t);
	out = malloc(n + 4);
	if (!out)
		return NULL;
	while (*p) {
		const char *key = p, *eq;
		bool pw;

		if (is_space(*p)) {
			out[o++] = *p++;
			continue;
		}
		/* keyword [space] = [space] value */
		while (*p && *p != '=' && !is_space(*p))
			p++;
		pw = (size_t)(p - key) == 8 && strncmp(key, "password", 8) == 0;
		memcpy(out + o, key, (size_t)(p - key));
		o += (size_t)(p - key);
		while (is_space(*p))
			out[o++] = *p++;
		if (*p != '=')
			continue;
		out[o++] = *p++;
		while (is_space(*p))
			out[o++] = *p++;
		eq = p;
		if (*p == '\'') {
			for (p++; *p && *p != '\''; p++)
				if (*p == '\\' && p[1])
					p++;
			if (*p)
				p++;
		} else {
			while (*p && !is_space(*p)) {
				if (*p == '\\' && p[1])
					p++;
				p++;
			}
		}
		if (pw) {
			memcpy(out + o, "***", 3);
			o += 3;
		} else {
			memcpy(out + o, eq, (size_t)(p - eq));
			o += (size_t)(p - eq);
		}
	}
	out[o] = '\0';
	return out;
}

char *pt_sink_target_shown(enum pt_sink_type type, const char *target)
{
	if (!target)
		return strdup("");
	return type == PT_SINK_PG ? mask_conninfo(target) : strdup(target);
}

static const struct pt_sink_ops *ops_of(enum pt_sink_type t)
{
	switch (t) {
	case PT_SINK_FILE:
		return &pt_sink_file_ops;
	case PT_SINK_SQLITE:
		return &pt_sink_sqlite_ops;
	case PT_SINK_PG:
		return &pt_sink_pg_ops;
	default:
		return NULL;
	}
}

static const char *option_of(enum pt_sink_type t)
{
	switch (t) {
	case PT_SINK_FILE:
		return "--output";
	case PT_SINK_SQLITE:
		return "--sqlite";
	default:
		return "--pg";
	}
}

/* ---- the sink's thread ---- */

static void sink_set_error(struct pt_sink *s, int r)
{
	pthread_mutex_lock(&s->lock);
	s->last_err = r;
	if (r < 0)
		s->errors++;
	pthread_mutex_unlock(&s->lock);
}

/* Write n described records as one batch; release them written or dropped. */
static void write_batch(struct pt_sink *s, size_t n)
{
	int r = s->ops->write(s->state, s->recs, n);
	bool was_failing;

	pt_outq_release(s->q, n, r == 0);
	pthread_mutex_lock(&s->lock);
	was_failing = s->failing;
	s->failing = r < 0;
	if (r == 0) {
		s->batches++;
		s->last_err = 0;
	} else {
		s->errors++;
		s->last_err = r;
	}
	pthread_mutex_unlock(&s->lock);
	/* one message per failing spell, not one per batch */
	if (r < 0 && !was_failing)
		sink_log(s, PT_LOG_WARNING, "sink %s %s: writes fail, batches are dropped: %s",
			 pt_sink_type_name(s->conf.type), s->shown, strerror(-r));
	else if (r == 0 && was_failing)
		sink_log(s, PT_LOG_NOTICE, "sink %s %s: writing again",
			 pt_sink_type_name(s->conf.type), s->shown);
	if (s->ops->flush) {
		int f = s->ops->flush(s->state);

		if (f < 0)
			sink_set_error(s, f);
	}
}

static void do_tick(struct pt_sink *s, int64_t *next_tick)
{
	int64_t now = mono_ms();

	if (now < *next_tick)
		return;
	*next_tick = now + SINK_TICK_MS;
	if (s->ops->tick) {
		/* now_ms: the wall clock, as rotation by age and retention are */
		int r = s->ops->tick(s->state, wall_us() / 1000);

		if (r < 0)
			sink_set_error(s, r);
	}
}

static void do_reopen(struct pt_sink *s)
{
	int r;

	if (!atomic_exchange(&s->reopen, false) || !s->ops->reopen)
		return;
	r = s->ops->reopen(s->state);
	if (r < 0) {
		sink_set_error(s, r);
		sink_log(s, PT_LOG_WARNING, "sink %s %s: reopen: %s",
			 pt_sink_type_name(s->conf.type), s->shown, strerror(-r));
	}
}

static bool queue_pressed(struct pt_sink *s)
{
	struct pt_outq_stats st;

	pt_outq_stats(s->q, &st);
	return st.used > st.cap / 2;
}

static void status_locked(struct pt_sink *s, struct pt_sink_status *st);

static void *sink_thread(void *arg)
{
	struct pt_sink *s = arg;
	size_t batch = s->conf.batch_size;
	int64_t next_tick = mono_ms() + SINK_TICK_MS, pending_since = -1;

	for (;;) {
		int64_t now, wait;
		bool closing;
		int n;

		do_reopen(s);
		do_tick(s, &next_tick);
		closing = atomic_load(&s->closing);
		now = mono_ms();
		if (closing && now >= atomic_load(&s->drain_until))
			break;
		if (closing)
			wait = 0;
		else if (pending_since < 0)
			wait = next_tick - now; /* wake on the first record */
		else
			wait = pending_since + s->conf.flush_ms - now;
		if (!closing && wait > next_tick - now)
			wait = next_tick - now;
		if (wait < 0)
			wait = 0;
		n = pt_outq_peek(s->q, s->recs, batch, pending_since < 0 ? 1 : batch, (int)wait);
		if (n == -ECANCELED)
			break;
		if (n <= 0) {
			if (closing)
				break; /* drained */
			continue;
		}
		now = mono_ms();
		if (pending_since < 0)
			pending_since = now;
		if ((size_t)n >= batch || closing || now - pending_since >= s->conf.flush_ms ||
		    queue_pressed(s)) {
			write_batch(s, (size_t)n);
			pending_since = -1;
		}
	}
	/* flush and close here: every callback but open and status runs on this thread */
	if (s->ops->flush) {
		int r = s->ops->flush(s->state);

		if (r < 0)
			sink_set_error(s, r);
	}
	pthread_mutex_lock(&s->lock);
	status_locked(s, &s->ops_final);
	s->errors_at_close = s->errors;
	s->ops_closed = true;
	s->ops->close(s->state);
	s->state = NULL;
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* ---- the caller's side ---- */

int pt_sink_open_ops(struct pt_sink **out, const struct pt_sink_ops *ops,
		     const struct pt_sink_conf *c, pt_log_fn log, void *logdata, char *err,
		     size_t errlen)
{
	struct pt_sink *s;
	sigset_t all, old;
	int r;

	if (err && errlen)
		err[0] = '\0';
	*out = NULL;
	if (!ops || !c || !c->target || c->batch_size < 1 || c->batch_size > 100000 ||
	    c->flush_ms < 1 || c->flush_ms > 3600000 || c->queue < PT_OUTQ_MIN ||
	    c->queue > PT_OUTQ_MAX) {
		if (err && errlen)
			snprintf(err, errlen, "%s: invalid sink configuration",
				 c ? option_of(c->type) : "sink");
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	s->ops = ops;
	r = pt_sink_conf_copy(&s->conf, c, c->type, c->target);
	if (r < 0)
		goto out_free;
	s->shown = pt_sink_target_shown(c->type, c->target);
	s->recs = calloc(c->batch_size, sizeof(*s->recs));
	r = -ENOMEM;
	if (!s->shown || !s->recs)
		goto out_free;
	r = pt_outq_new(&s->q, c->queue);
	if (r < 0)
		goto out_free;
	if (c->host)
		snprintf(s->host, sizeof(s->host), "%s", c->host);
	else if (gethostname(s->host, sizeof(s->host) - 1) < 0)
		snprintf(s->host, sizeof(s->host), "localhost");
	s->env = (struct pt_sink_env){
		.log = log ? log : no_log,
		.log_data = logdata,
		.host = s->host,
		.session_us = wall_us(),
	};
	r = ops->open(&s->state, &s->conf, &s->env, err, errlen);
	if (r < 0) {
		if (err && errlen && !err[0])
			snprintf(err, errlen, "%s %s: %s", option_of(c->type), s->shown,
				 strerror(-r));
		goto out_free;
	}
	/* signals stay with the caller's threads */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&s->thread, NULL, sink_thread, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		ops->close(s->state);
		if (err && errlen)
			snprintf(err, errlen, "%s %s: thread: %s", option_of(c->type), s->shown,
				 strerror(-r));
		goto out_free;
	}
	s->started = true;
	*out = s;
	return 0;

out_free:
	pt_outq_free(s->q);
	free(s->recs);
	free(s->shown);
	pt_sink_conf_free(&s->conf);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return r;
}

int pt_sink_open(struct pt_sink **out, const struct pt_sink_conf *c, pt_log_fn log, void *logdata,
		 char *err, size_t errlen)
{
	const struct pt_sink_ops *ops = c ? ops_of(c->type) : NULL;

	if (!ops) {
		*out = NULL;
		if (err && errlen)
			snprintf(err, errlen, "sink: unknown type");
		return -EINVAL;
	}
	return pt_sink_open_ops(out, ops, c, log, logdata, err, errlen);
}

/* Drops not told yet: a lost line with reason "sink", when the queue has room
 * (always: at stop, whatever is unreported). */
static void sink_report(struct pt_sink *s, bool always)
{
	uint64_t n = always ? pt_outq_unreported(s->q) : pt_outq_report_due(s->q);
	struct pt_event ev = {.type = PT_EV_LOST};
	size_t len;
	char *json;

	if (!n)
		return;
	ev.time_us = wall_us();
	ev.pid = ev.tid = -1;
	ev.tier = PT_TIER_NONE;
	ev.u.lost.count = n;
	ev.u.lost.reason = "sink";
	json = pt_json_event(&ev, &len);
	if (!json)
		return; /* stays unreported: the next event tries again */
	json[len] = '\n'; /* over the NUL: the length says where it ends */
	pt_outq_push_report(s->q, json, len + 1, n);
	free(json);
}

int pt_sink_push(struct pt_sink *s, const char *line, size_t len)
{
	sink_report(s, false);
	return pt_outq_push(s->q, line, len);
}

int pt_sink_push_wait(struct pt_sink *s, const char *line, size_t len)
{
	sink_report(s, false);
	return pt_outq_push_wait(s->q, line, len, -1);
}

void pt_sink_skip(struct pt_sink *s)
{
	atomic_fetch_add_explicit(&s->filtered, 1, memory_order_relaxed);
}

void pt_sink_reopen(struct pt_sink *s)
{
	if (!s)
		return;
	atomic_store(&s->reopen, true);
	pt_outq_kick(s->q);
}

/* The runner's counts, then the sink's (called with s->lock held). */
static void status_locked(struct pt_sink *s, struct pt_sink_status *st)
{
	struct pt_outq_stats qs;

	memset(st, 0, sizeof(*st));
	pt_outq_stats(s->q, &qs);
	st->type = s->conf.type;
	st->target = s->shown;
	st->state = s->last_err < 0 ? PT_SINK_FAILING : PT_SINK_OK;
	st->queued = qs.queued;
	st->written = qs.written;
	st->dropped = qs.dropped;
	st->filtered = atomic_load_explicit(&s->filtered, memory_order_relaxed);
	st->reported = qs.reported;
	st->batches = s->batches;
	st->errors = s->errors;
	if (s->ops_closed) {
		const struct pt_sink_status *f = &s->ops_final;

		st->state = f->state;
		st->backlog = f->backlog;
		st->backlog_bytes = f->backlog_bytes;
		st->bytes = f->bytes;
		st->rotations = f->rotations;
		st->errors += f->errors - s->errors_at_close;
		memcpy(st->last_error, f->last_error, sizeof(st->last_error));
	} else if (s->ops->status) {
		s->ops->status(s->state, st);
	}
	st->type = s->conf.type;
	st->target = s->shown;
	st->last_error[sizeof(st->last_error) - 1] = '\0';
	if (!st->last_error[0] && s->last_err < 0)
		snprintf(st->last_error, sizeof(st->last_error), "%s", strerror(-s->last_err));
}

void pt_sink_status(struct pt_sink *s, struct pt_sink_status *st)
{
	if (!s) {
		memset(st, 0, sizeof(*st));
		return;
	}
	/* under the lock: the sink's thread closes its state under it */
	pthread_mutex_lock(&s->lock);
	status_locked(s, st);
	pthread_mutex_unlock(&s->lock);
}

/* A JSON string: quote, escape '"', '\\' and control bytes; bytes >= 0x80 that
 * are not valid UTF-8 become U+FFFD (the target is a path, so any byte). */
static size_t utf8_len(const unsigned char *p, size_t left)
{
	unsigned char c = p[0];
	size_t n;
	uint32_t cp;

	if (c < 0xc2 || c > 0xf4)
		return 0;
	n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (left < n)
		return 0;
	cp = c & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s);

	fputc('"', f);
	while (left) {
		size_t n;

		if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p);
		} else if (*p < 0x80) {
			fputc(*p, f);
		} else if ((n = utf8_len(p, left)) != 0) {
			fwrite(p, 1, n, f);
			p += n;
			left -= n;
			continue;
		} else {
			fputs("\\ufffd", f);
		}
		p++;
		left--;
	}
	fputc('"', f);
}

char *pt_sink_status_json_of(const struct pt_sink_status *in, size_t *len)
{
	struct pt_sink_status st = *in;
	char *buf = NULL;
	size_t n = 0;
	FILE *f;

	f = open_memstream(&buf, &n);
	if (!f)
		return NULL;
	fputs("{\"type\":", f);
	json_str(f, pt_sink_type_name(st.type));
	fputs(",\"target\":", f);
	json_str(f, st.target ? st.target : "");
	fputs(",\"state\":", f);
	json_str(f, pt_sink_state_name(st.state));
	fprintf(f,
		",\"queued\":%llu,\"backlog\":%llu,\"backlog_bytes\":%llu,\"written\":%llu,"
		"\"batches\":%llu,\"dropped\":%llu,\"filtered\":%llu,\"reported\":%llu,"
		"\"errors\":%llu,\"bytes\":%llu,\"rotations\":%llu,\"last_error\":",
		(unsigned long long)st.queued, (unsigned long long)st.backlog,
		(unsigned long long)st.backlog_bytes, (unsigned long long)st.written,
		(unsigned long long)st.batches, (unsigned long long)st.dropped,
		(unsigned long long)st.filtered, (unsigned long long)st.reported,
		(unsigned long long)st.errors, (unsigned long long)st.bytes,
		(unsigned long long)st.rotations);
	st.last_error[sizeof(st.last_error) - 1] = '\0';
	json_str(f, st.last_error);
	fputc('}', f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	if (len)
		*len = n;
	return buf;
}

char *pt_sink_status_json(struct pt_sink *s, size_t *len)
{
	struct pt_sink_status st;

	pt_sink_status(s, &st);
	return pt_sink_status_json_of(&st, len);
}

int pt_sink_drain(struct pt_sink *s, int drain_ms, const volatile sig_atomic_t *cancel)
{
	int64_t until = drain_ms < 0 ? INT64_MAX : mono_ms() + drain_ms;
	struct pt_outq_stats qs;

	if (!s || !s->started)
		return 0;
	if (!atomic_load(&s->closing)) {
		sink_report(s, true);
		atomic_store(&s->drain_until, INT64_MAX);
		atomic_store(&s->closing, true);
		pt_outq_kick(s->q);
	}
	for (;;) {
		struct timespec ts = {0, 10 * 1000000};

		pt_outq_stats(s->q, &qs);
		if (!qs.queued)
			return 0;
		if (cancel && *cancel)
			return -ECANCELED;
		if (mono_ms() >= until)
			return -ETIMEDOUT;
		nanosleep(&ts, NULL);
	}
}

void pt_sink_close(struct pt_sink *s, int drain_ms, struct pt_sink_status *st)
{
	struct pt_sink_status fin;

	if (!s) {
		if (st)
			memset(st, 0, sizeof(*st));
		return;
	}
	if (s->started) {
		if (drain_ms != 0 && !atomic_load(&s->closing))
			sink_report(s, true);
		/* after pt_sink_drain too: this drain_ms is the limit now */
		atomic_store(&s->drain_until,
			     drain_ms < 0 ? INT64_MAX : mono_ms() + (int64_t)drain_ms);
		atomic_store(&s->closing, true);
		pt_outq_kick(s->q);
		pthread_join(s->thread, NULL);
		s->started = false;
	}
	pt_outq_stop(s->q); /* what is left is counted dropped */
	/* the state it stopped in (ok, failing, spooling...): more telling than "stopped" */
	pt_sink_status(s, &fin);
	fin.queued = 0;
	if (st) {
		*st = fin;
		st->target = NULL; /* freed below */
	}
	pt_outq_free(s->q);
	free(s->recs);
	free(s->shown);
	pt_sink_conf_free(&s->conf);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
