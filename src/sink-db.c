/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SQL layer (sink-db.h): event lines decoded into rows, batches with ids,
 * connect and reconnect with backoff, and the spool while the database is away.
 *
 * Order: once a batch has gone to the spool, every later batch goes there too
 * until the spool is empty again, so that the database sees the batches in the
 * order the monitor produced them. On reconnect the spool is written first,
 * oldest batch first; a batch the database already has (its commit was lost
 * with the connection) is skipped by the backend (returns 1) and popped.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sink-db.h"

#define DB_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 30000
#define WARN_EVERY_MS 60000
#define HOUSEKEEP_EVERY_MS 60000
/* A tick or a write spends at most this long writing the spool back. */
#define REPLAY_BUDGET_MS 250

/* ---- decoding ---- */

struct pt_db_decoder {
	json_t *root;
	char *line; /* a NUL-terminated copy of the line */
	size_t line_cap;
	char *argv, *cmdline; /* malloc'ed per decode */
};

int pt_db_decoder_new(struct pt_db_decoder **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

static void decoder_reset(struct pt_db_decoder *d)
{
	json_decref(d->root);
	d->root = NULL;
	free(d->argv);
	free(d->cmdline);
	d->argv = d->cmdline = NULL;
}

void pt_db_decoder_free(struct pt_db_decoder *d)
{
	if (!d)
		return;
	decoder_reset(d);
	free(d->line);
	free(d);
}

static int DB_PRINTF(3, 4) why_set(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int64_t days_from_civil(int y, unsigned m, unsigned d)
{
	unsigned yoe, doy, doe;
	int era;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t)era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* The writer's form: 2026-11-21T20:36:26.123456Z; an alert's (Falco's) has nine
 * fractional digits, 2026-11-21T20:36:26.123456789Z: the last three are dropped. */
static int parse_time(const char *s, size_t n, int64_t *us)
{
	int y, mo, d, h, mi, sec, frac;

	if ((n != 27 && n != 30) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != '.' || s[n - 1] != 'Z' || (n == 30 && digits(s + 26, 3) < 0))
		return -EINVAL;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	frac = digits(s + 20, 6);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || sec < 0 || sec > 60 || frac < 0)
		return -EINVAL;
	*us = ((days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec) *
	       1000000) +
		frac;
	return 0;
}

static const char *get_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* An integer member, or -1 when absent or null; -EINVAL for another type or a
 * negative value. */
static int get_num(json_t *o, const char *key, int64_t *v)
{
	json_t *j = json_object_get(o, key);

	*v = -1;
	if (!j || json_is_null(j))
		return 0;
	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return -EINVAL;
	*v = json_integer_value(j);
	return 0;
}

static bool get_flag(json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

/* One past the end of the JSON value that starts at p[i] (valid JSON: the
 * parser accepted the line). */
static size_t value_end(const char *p, size_t n, size_t i)
{
	bool str = false;
	int depth = 0;

	for (; i < n; i++) {
		char c = p[i];

		if (str) {
			if (c == '\\') {
				i++;
			} else if (c == '"') {
				str = false;
				if (!depth)
					return i + 1;
			}
		} else if (c == '"') {
			str = true;
		} else if (c == '[' || c == '{') {
			depth++;
		} else if (c == ']' || c == '}') {
			if (!depth)
				return i; /* the end of the enclosing object */
			if (!--depth)
				return i + 1;
		} else if (!depth &&
			   (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
			return i;
		}
	}
	return n;
}

static size_t skip_ws(const char *p, size_t n, size_t i)
{
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	return i;
}

/*
 * The bytes of a top-level member's value in a line the parser accepted: the
 * argv column keeps the writer's own bytes (pt_json_kv_args: compact), as
 * --json prints them, instead of a second rendering. false when not there.
 */
static bool raw_member(const char *p, size_t n, const char *name, const char **v, size_t *vlen)
{
	size_t i = skip_ws(p, n, 0), ks, ke, nlen = strlen(name);

	if (i >= n || p[i] != '{')
		return false;
	for (i = skip_ws(p, n, i + 1); i < n && p[i] == '"';) {
		ks = i;
		ke = value_end(p, n, ks);
		i = skip_ws(p, n, ke);
		if (i >= n || p[i] != ':')
			return false;
		i = skip_ws(p, n, i + 1);
		if (ke - ks - 2 == nlen && memcmp(p + ks + 1, name, nlen) == 0) {
			*v = p + i;
			*vlen = value_end(p, n, i) - i;
			return true;
		}
		i = skip_ws(p, n, value_end(p, n, i));
		if (i >= n || p[i] != ',')
			return false;
		i = skip_ws(p, n, i + 1);
	}
	return false;
}

/* argv as compact JSON text and as its arguments joined by spaces. */
static int decode_argv(struct pt_db_decoder *d, json_t *a, const char *line, size_t n,
		       struct pt_db_row *row)
{
	size_t i, len = 0, off = 0, rlen;
	const char *raw;
	json_t *v;

	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return -EINVAL;
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v))
			return -EINVAL;
		len += json_string_length(v) + 1;
	}
	if (raw_member(line, n, "argv", &raw, &rlen) && rlen && raw[0] == '[') {
		d->argv = malloc(rlen + 1);
		if (d->argv) {
			memcpy(d->argv, raw, rlen);
			d->argv[rlen] = '\0';
		}
	} else {
		d->argv = json_dumps(a, JSON_COMPACT | JSON_ENSURE_ASCII);
	}
	d->cmdline = malloc(len + 1);
	if (!d->argv || !d->cmdline)
		return -ENOMEM;
	json_array_foreach(a, i, v)
	{
		if (i)
			d->cmdline[off++] = ' ';
		/* an argument with a NUL (from a \u0000) ends there in cmdline */
		memcpy(d->cmdline + off, json_string_value(v), json_string_length(v));
		off += strnlen(d->cmdline + off, json_string_length(v));
	}
	d->cmdline[off] = '\0';
	row->argv = d->argv;
	row->cmdline = d->cmdline;
	return 0;
}

/* An alert line: its rule, priority and output; the rest is in data. */
static int decode_alert(json_t *o, struct pt_db_row *row, char *why, size_t whylen)
{
	const char *s = get_str(o, "time");

	row->alert = true;
	row->type = PT_EV_COUNT;
	row->pid = row->tid = row->ppid = -1;
	row->uid = row->euid = row->gid = row->egid = -1;
	row->exit_code = row->signal = -1;
	row->duration_ms = -1;
	if (!s || parse_time(s, strlen(s), &row->time_us) < 0)
		return why_set(why, whylen, "no valid \"time\"");
	row->rule = get_str(o, "rule");
	if (!row->rule)
		return why_set(why, whylen, "an alert without \"rule\"");
	row->priority = get_str(o, "priority");
	row->output = get_str(o, "output");
	row->key = get_str(o, "key");
	if (get_num(o, "pid", &row->pid))
		return why_set(why, whylen, "an id member is not a non-negative integer");
	return 0;
}

int pt_db_row_decode(struct pt_db_decoder *d, const char *line, size_t len, struct pt_db_row *row,
		     char *why, size_t whylen)
{
	json_error_t jerr;
	const char *s;
	json_t *o, *j;
	int r;

	decoder_reset(d);
	memset(row, 0, sizeof(*row));
	if (len && line[len - 1] == '\n')
		len--;
	if (len + 1 > d->line_cap) {
		char *p = realloc(d->line, len + 1);

		if (!p)
			return -ENOMEM;
		d->line = p;
		d->line_cap = len + 1;
	}
	memcpy(d->line, line, len);
	d->line[len] = '\0';
	row->json = d->line;
	row->json_len = len;

	o = d->root = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (!o)
		return why_set(why, whylen, "not JSON: %s", jerr.text);
	if (!json_is_object(o))
		return why_set(why, whylen, "not a JSON object");
	row->event = get_str(o, "event");
	if (!row->event)
		return why_set(why, whylen, "no \"event\"");
	if (strcmp(row->event, "alert") == 0)
		return decode_alert(o, row, why, whylen);
	if (pt_event_from_name(row->event, &row->type) < 0)
		return why_set(why, whylen, "unknown event \"%.32s\"", row->event);
	s = get_str(o, "time");
	if (!s || parse_time(s, strlen(s), &row->time_us) < 0)
		return why_set(why, whylen, "no valid \"time\"");
	row->key = get_str(o, "key");
	row->parent_key = get_str(o, "parent_key");
	row->comm = get_str(o, "comm");
	row->exe = get_str(o, "exe");
	row->container_id = get_str(o, "container_id");
	row->container_name = get_str(o, "container_name");
	row->container_image = get_str(o, "container_image");
	row->k8s_pod_name = get_str(o, "k8s_pod_name");
	row->k8s_ns_name = get_str(o, "k8s_ns_name");
	row->argv_truncated = get_flag(o, "argv_truncated");
	row->thread = get_flag(o, "thread");
	row->core_dumped = get_flag(o, "core_dumped");
	if (get_num(o, "pid", &row->pid) || get_num(o, "tid", &row->tid) ||
	    get_num(o, "ppid", &row->ppid) || get_num(o, "uid", &row->uid) ||
	    get_num(o, "euid", &row->euid) || get_num(o, "gid", &row->gid) ||
	    get_num(o, "egid", &row->egid) || get_num(o, "signal", &row->signal))
		return why_set(why, whylen, "an id member is not a non-negative integer");
	j = json_object_get(o, "exit_code");
	row->exit_code = json_is_integer(j) ? json_integer_value(j) : -1;
	j = json_object_get(o, "duration_ms");
	row->duration_ms = json_is_number(j) ? json_number_value(j) : -1;
	if (row->type == PT_EV_LOST) {
		j = json_object_get(o, "count");
		if (!json_is_integer(j) || json_integer_value(j) < 0)
			return why_set(why, whylen, "lost without a \"count\"");
		row->lost_count = (uint64_t)json_integer_value(j);
		row->lost_reason = get_str(o, "reason");
		row->lost_estimated = get_flag(o, "estimated");
	} else if (row->pid < 1) {
		return why_set(why, whylen, "no \"pid\"");
	}
	r = decode_argv(d, json_object_get(o, "argv"), d->line, len, row);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return why_set(why, whylen, "\"argv\" is not an array of strings");
	return 0;
}

/* ---- the sink ---- */

struct db {
	const struct pt_db_backend *be;
	void *bs;
	char name[64]; /* "sqlite /path" for messages */
	struct pt_sink_env env;
	char *host;
	struct pt_db_decoder **decs; /* rows_cap of them, NULL until used */
	struct pt_db_row *rows;
	size_t rows_cap;
	uint64_t seq;

	bool connected;
	int64_t next_try_ms, backoff_ms;
	int64_t next_housekeep_ms;

	struct pt_spool *spool;
	bool spooling; /* batches go to the spool until it is empty */
	bool failing; /* the last batch was dropped */
	int64_t malformed_warned_ms;

	pthread_mutex_t lock; /* what status reads */
	uint64_t written, batches, errors, malformed;
	uint64_t dropped; /* spooled records the database then refused */
	uint64_t backlog, backlog_bytes;
	enum pt_sink_state state;
	char last_error[256];
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void DB_PRINTF(3, 4) db_log(struct db *db, int level, const char *fmt, ...)
{
	char msg[512];
	int n;
	va_list ap;

	n = snprintf(msg, sizeof(msg), "%s: ", db->name);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	db->env.log(level, msg, db->env.log_data);
}

static void set_error(struct db *db, const char *msg)
{
	pthread_mutex_lock(&db->lock);
	db->errors++;
	snprintf(db->last_error, sizeof(db->last_error), "%s", msg);
	pthread_mutex_unlock(&db->lock);
}

/* The state and backlog, after anything changed them. */
static void update_state(struct db *db)
{
	enum pt_sink_state st;

	if (db->failing)
		st = PT_SINK_FAILING;
	else if (db->spooling)
		st = PT_SINK_SPOOLING;
	else if (!db->connected)
		st = PT_SINK_CONNECTING;
	else
		st = PT_SINK_OK;
	pthread_mutex_lock(&db->lock);
	db->state = st;
	db->backlog = db->spool ? pt_spool_records(db->spool) : 0;
	db->backlog_bytes = db->spool ? pt_spool_bytes(db->spool) : 0;
	pthread_mutex_unlock(&db->lock);
}

static bool transient(int r)
{
	return r == -ECONNREFUSED || r == -EAGAIN || r == -ENOTCONN || r == -ETIMEDOUT ||
		r == -EIO || r == -ECONNRESET || r == -EBUSY;
}

static void disconnected(struct db *db, int64_t now)
{
	if (db->connected)
		db->be->disconnect(db->bs);
	db->connected = false;
	db->backoff_ms = BACKOFF_MIN_MS;
	db->next_try_ms = now + db->backoff_ms;
}

/* Connect when due. 0 connected, or -errno. */
static int try_connect(struct db *db, int64_t now, bool force)
{
	char err[256] = "";
	int r;

	if (db->connected)
		return 0;
	if (!force && now < db->next_try_ms)
		return -ENOTCONN;
	r = db->be->connect(db->bs, err, sizeof(err));
	if (r == 0) {
		db->connected = true;
		if (db->backoff_ms > BACKOFF_MIN_MS || db->spooling)
			db_log(db, PT_LOG_NOTICE, "connected again");
		else
			db_log(db, PT_LOG_DEBUG, "connected");
		db->backoff_ms = BACKOFF_MIN_MS;
		update_state(db);
		return 0;
	}
	set_error(db, err[0] ? err : strerror(-r));
	if (db->backoff_ms == BACKOFF_MIN_MS || !transient(r))
		db_log(db, PT_LOG_WARNING, "%s; retrying every %d s at most",
		       err[0] ? err : strerror(-r), BACKOFF_MAX_MS / 1000);
	db->next_try_ms = now + db->backoff_ms;
	db->backoff_ms = db->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : db->backoff_ms * 2;
	update_state(db);
	return r;
}

/* Decode the records into db->rows, one decoder per row (a row's strings live
 * in its decoder); malformed lines are counted and skipped. */
static int decode_batch(struct db *db, const struct pt_outq_rec *recs, size_t n, size_t *nrows)
{
	char why[160];
	size_t k = 0;
	int r;

	*nrows = 0;
	if (n > db->rows_cap) {
		struct pt_db_row *p = realloc(db->rows, n * sizeof(*p));
		struct pt_db_decoder **d;

		if (!p)
			return -ENOMEM;
		db->rows = p;
		d = realloc(db->decs, n * sizeof(*d));
		if (!d)
			return -ENOMEM;
		db->decs = d;
		for (size_t i = db->rows_cap; i < n; i++)
			db->decs[i] = NULL;
		db->rows_cap = n;
	}
	for (size_t i = 0; i < n; i++) {
		if (!db->decs[k] && pt_db_decoder_new(&db->decs[k]) < 0)
			return -ENOMEM;
		r = pt_db_row_decode(db->decs[k], recs[i].p, recs[i].len, &db->rows[k], why,
				     sizeof(why));
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			int64_t now = mono_ms();

			pthread_mutex_lock(&db->lock);
			db->malformed++;
			pthread_mutex_unlock(&db->lock);
			if (!db->malformed_warned_ms ||
			    now - db->malformed_warned_ms >= WARN_EVERY_MS) {
				db->malformed_warned_ms = now;
				db_log(db, PT_LOG_WARNING,
				       "malformed line skipped (%s); %" PRIu64 " so far", why,
				       db->malformed);
			}
			continue;
		}
		k++;
	}
	*nrows = k;
	return 0;
}

/* Write one batch to the database: 0 (written or already there), 1 transient
 * (disconnected: spool it), -errno dropped. */
static int write_db(struct db *db, int64_t session, uint64_t seq, const struct pt_outq_rec *recs,
		    size_t n)
{
	char err[256] = "";
	size_t nrows = 0;
	int r;

	r = decode_batch(db, recs, n, &nrows);
	if (r < 0) {
		set_error(db, strerror(-r));
		return r;
	}
	r = nrows ? db->be->write(db->bs, session, seq, db->rows, nrows, err, sizeof(err)) : 0;
	if (r == 0 || r == 1) {
		pthread_mutex_lock(&db->lock);
		if (r == 0)
			db->written += nrows;
		db->batches++;
		pthread_mutex_unlock(&db->lock);
		return 0;
	}
	set_error(db, err[0] ? err : strerror(-r));
	if (transient(r)) {
		db_log(db, PT_LOG_WARNING, "%s: disconnected", err[0] ? err : strerror(-r));
		disconnected(db, mono_ms());
		return 1;
	}
	db_log(db, PT_LOG_ERR, "batch of %zu dropped: %s", nrows, err[0] ? err : strerror(-r));
	return r;
}

/* Write the spool back, oldest first, for at most budget_ms. */
static void replay_spool(struct db *db, int64_t budget_ms)
{
	const struct pt_outq_rec *recs;
	int64_t end = mono_ms() + budget_ms, session;
	uint64_t seq;
	size_t n;
	int r;

	while (db->spool && db->spooling && db->connected && mono_ms() < end) {
		r = pt_spool_peek(db->spool, &session, &seq, &recs, &n);
		if (r == 1) {
			db->spooling = false;
			db_log(db, PT_LOG_NOTICE, "spool written back");
			break;
		}
		if (r < 0) {
			db_log(db, PT_LOG_ERR, "spool: %s", strerror(-r));
			if (r == -EBADMSG)
				continue; /* set aside as *.bad by the spool: the next one */
			break;
		}
		r = write_db(db, session, seq, recs, n);
		if (r == 1)
			break; /* away again: it stays first */
		db->failing = r < 0;
		if (r < 0) {
			/* the runner counted these as taken: count the loss here */
			pthread_mutex_lock(&db->lock);
			db->dropped += n;
			pthread_mutex_unlock(&db->lock);
		}
		pt_spool_pop(db->spool);
	}
	update_state(db);
}

static int spool_batch(struct db *db, uint64_t seq, const struct pt_outq_rec *recs, size_t n)
{
	int r = -ENOSPC;

	if (db->spool)
		r = pt_spool_append(db->spool, db->env.session_us, seq, recs, n);
	if (r < 0) {
		char msg[128];

		snprintf(msg, sizeof(msg), "database away and %s: batch of %zu dropped",
			 db->spool ? strerror(-r) : "no spool", n);
		set_error(db, msg);
		db->failing = true;
		update_state(db);
		return r == -ENOSYS ? -ENOTCONN : r;
	}
	db->spooling = true;
	db->failing = false;
	update_state(db);
	return 0;
}

int pt_db_write(void *state, const struct pt_outq_rec *recs, size_t n)
{
	struct db *db = state;
	uint64_t seq;
	int r;

	if (!n)
		return 0;
	seq = ++db->seq;
	try_connect(db, mono_ms(), false);
	if (db->spooling && db->connected)
		replay_spool(db, REPLAY_BUDGET_MS);
	if (!db->connected || db->spooling)
		return spool_batch(db, seq, recs, n);
	r = write_db(db, db->env.session_us, seq, recs, n);
	if (r == 1)
		return spool_batch(db, seq, recs, n);
	db->failing = r < 0;
	update_state(db);
	return r;
}

int pt_db_flush(void *state)
{
	(void)state; /* each batch is one committed transaction */
	return 0;
}

int pt_db_reopen(void *state)
{
	struct db *db = state;

	disconnected(db, mono_ms());
	update_state(db);
	try_connect(db, mono_ms(), true); /* a failure retries with backoff */
	return 0;
}

int pt_db_tick(void *state, int64_t now_ms)
{
	struct db *db = state;
	char err[256] = "";
	int64_t now = mono_ms();
	int r;

	(void)now_ms;
	try_connect(db, now, false);
	if (!db->connected)
		return 0;
	if (db->spooling)
		replay_spool(db, REPLAY_BUDGET_MS);
	if (db->be->housekeep && now >= db->next_housekeep_ms) {
		db->next_housekeep_ms = now + HOUSEKEEP_EVERY_MS;
		r = db->be->housekeep(db->bs, wall_ms(), err, sizeof(err));
		if (r < 0) {
			set_error(db, err[0] ? err : strerror(-r));
			db_log(db, PT_LOG_WARNING, "housekeeping: %s", err[0] ? err : strerror(-r));
			if (transient(r))
				disconnected(db, now);
			return r;
		}
	}
	return 0;
}

void pt_db_status(void *state, struct pt_sink_status *st)
{
	struct db *db = state;

	pthread_mutex_lock(&db->lock);
	st->state = db->state;
	st->backlog = db->backlog;
	st->backlog_bytes = db->backlog_bytes;
	st->written = db->written;
	st->batches = db->batches;
	st->errors = db->errors;
	st->dropped += db->dropped; /* the runner's own, plus these */
	snprintf(st->last_error, sizeof(st->last_error), "%s", db->last_error);
	pthread_mutex_unlock(&db->lock);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static void open_spool(struct db *db, const struct pt_sink_conf *c)
{
	char *dir, err[256] = "";
	int r;

	if (!c->spool_max || !c->spool_dir || !c->spool_dir[0])
		return;
	if (asprintf(&dir, "%s/%s-%012" PRIx64, c->spool_dir, db->be->name,
		     fnv1a(c->target ? c->target : "") >> 16) < 0)
		return;
	r = pt_spool_open(&db->spool, dir, c->spool_max, err, sizeof(err));
	if (r < 0) {
		db->spool = NULL;
		if (r != -ENOSYS)
			db_log(db, PT_LOG_WARNING,
			       "no spool (%s): batches are dropped while the "
			       "database is away",
			       err[0] ? err : strerror(-r));
	} else if (pt_spool_batches(db->spool)) {
		db->spooling = true; /* left by an earlier run: written first */
		db_log(db, PT_LOG_NOTICE, "spool %s holds %" PRIu64 " batches", dir,
		       pt_spool_batches(db->spool));
	}
	free(dir);
}

static void db_free(struct db *db)
{
	if (db->bs) {
		if (db->connected)
			db->be->disconnect(db->bs);
		db->be->destroy(db->bs);
	}
	pt_spool_close(db->spool);
	for (size_t i = 0; i < db->rows_cap; i++)
		pt_db_decoder_free(db->decs[i]);
	free(db->decs);
	free(db->rows);
	free(db->host);
	pthread_mutex_destroy(&db->lock);
	free(db);
}

static void no_log(int level, const char *msg, void *data)
{
	(void)level, (void)msg, (void)data;
}

int pt_db_open(const struct pt_db_backend *be, void **state, const struct pt_sink_conf *c,
	       const struct pt_sink_env *env, char *err, size_t errlen)
{
	struct db *db;
	int r;

	*state = NULL;
	if (!be->create || !be->connect || !be->write || !be->disconnect || !be->destroy) {
		snprintf(err, errlen, "%s: not built", be->name);
		return -ENOTSUP;
	}
	db = calloc(1, sizeof(*db));
	if (!db)
		return -ENOMEM;
	pthread_mutex_init(&db->lock, NULL);
	db->be = be;
	db->env = *env;
	if (!db->env.log)
		db->env.log = no_log;
	db->host = strdup(env->host ? env->host : "");
	if (!db->host) {
		db_free(db);
		return -ENOMEM;
	}
	db->env.host = db->host;
	snprintf(db->name, sizeof(db->name), "%s", be->name);
	db->state = PT_SINK_CONNECTING;
	db->backoff_ms = BACKOFF_MIN_MS;
	r = be->create(&db->bs, c, &db->env, err, errlen);
	if (r < 0) {
		db->bs = NULL;
		db_free(db);
		return r;
	}
	open_spool(db, c);
	r = try_connect(db, mono_ms(), true);
	if (r < 0 && !transient(r)) {
		snprintf(err, errlen, "%s", db->last_error);
		db_free(db);
		return r;
	}
	update_state(db);
	*state = db;
	return 0;
}

void pt_db_close(void *state)
{
	struct db *db = state;

	if (!db)
		return;
	if (db->spooling && db->connected)
		replay_spool(db, 2000);
	db_free(db);
}
