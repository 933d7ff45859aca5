/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proctraild's requests: one JSON object per line in, record lines and one
 * final line out (PROTOCOL.md, proctraild(8)). No I/O here: the server feeds
 * lines and writes what lands in the buffer; the fuzz target does the same.
 * Records are written by the library (pt_json_proc, pt_json_fields), so they
 * are byte for byte what the local command's --json prints.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "daemon-serve.h"
#include "outq.h"

/* ---- output buffer ---- */

static bool buf_room(struct pd_buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return false;
	if (b->off && b->off == b->len)
		b->off = b->len = 0;
	if (n <= b->cap - b->len)
		return true;
	if (b->off) {
		/* move what is pending to the front before growing */
		memmove(b->p, b->p + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
		if (n <= b->cap - b->len)
			return true;
	}
	cap = b->cap ? b->cap : 4096;
	while (cap - b->len < n) {
		if (cap > SIZE_MAX / 2)
			goto oom;
		cap *= 2;
	}
	p = realloc(b->p, cap);
	if (!p)
		goto oom;
	b->p = p;
	b->cap = cap;
	return true;
oom:
	b->oom = true;
	return false;
}

void pd_buf_add(struct pd_buf *b, const void *s, size_t n)
{
	if (!n || !buf_room(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void pd_buf_adds(struct pd_buf *b, const char *s)
{
	pd_buf_add(b, s, strlen(s));
}

void pd_buf_printf(struct pd_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		pd_buf_add(b, small, (size_t)n);
		return;
	}
	if (!buf_room(b, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void pd_buf_json_str(struct pd_buf *b, const char *s, size_t n)
{
	pd_buf_add(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			pd_buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			pd_buf_printf(b, "\\u%04x", c);
		else
			pd_buf_add(b, &s[i], 1);
	}
	pd_buf_add(b, "\"", 1);
}

void pd_buf_consumed(struct pd_buf *b, size_t n)
{
	b->off += n;
	if (b->off < b->len)
		return;
	b->off = b->len = 0;
	if (b->cap > (1u << 20)) {
		free(b->p);
		b->p = NULL;
		b->cap = 0;
	}
}

void pd_buf_free(struct pd_buf *b)
{
	free(b->p);
	*b = (struct pd_buf){0};
}

/* ---- names ---- */

static const char *const cmd_names[PD_CMD_COUNT] = {
	[PD_CMD_PS] = "ps",
	[PD_CMD_SHOW] = "show",
	[PD_CMD_TREE] = "tree",
	[PD_CMD_LINEAGE] = "lineage",
	[PD_CMD_CHILDREN] = "children",
	[PD_CMD_RECENT] = "recent",
	[PD_CMD_SHORT] = "short",
	[PD_CMD_STATUS] = "status",
	[PD_CMD_SUBSCRIBE] = "subscribe",
	[PD_CMD_VERSION] = "version",
	[PD_CMD_CONTAINERS] = "containers",
};

const char *pd_cmd_name(enum pd_cmd c)
{
	return (unsigned)c < PD_CMD_COUNT ? cmd_names[c] : "?";
}

static const char *const err_codes[PD_E_COUNT] = {
	[PD_OK] = "ok",
	[PD_E_BAD_JSON] = "bad_json",
	[PD_E_BAD_REQUEST] = "bad_request",
	[PD_E_UNKNOWN_CMD] = "unknown_cmd",
	[PD_E_TOO_LARGE] = "too_large",
	[PD_E_NOT_FOUND] = "not_found",
	[PD_E_OTHER_BOOT] = "other_boot",
	[PD_E_BUSY] = "busy",
	[PD_E_IDLE] = "idle",
	[PD_E_INTERNAL] = "internal",
};

const char *pd_err_code(enum pd_err e)
{
	return (unsigned)e < PD_E_COUNT ? err_codes[e] : "internal";
}

/* ---- parsing ---- */

/* The members each command takes, besides cmd and id. */
enum {
	M_PID = 1 << 0,
	M_KEY = 1 << 1,
	M_FIELDS = 1 << 2,
	M_FILTER = 1 << 3,
	M_STATE = 1 << 4,
	M_SECONDS = 1 << 5,
	M_MS = 1 << 6,
	M_EVENTS = 1 << 7,
	M_QUEUE = 1 << 8,
	M_ANCESTORS = 1 << 9,
};

static const struct {
	const char *name;
	unsigned bit;
} members[] = {
	{"pid", M_PID},	      {"key", M_KEY},
	{"fields", M_FIELDS}, {"filter", M_FILTER},
	{"state", M_STATE},   {"seconds", M_SECONDS},
	{"ms", M_MS},	      {"events", M_EVENTS},
	{"queue", M_QUEUE},   {"ancestors", M_ANCESTORS},
};

static const unsigned cmd_members[PD_CMD_COUNT] = {
	[PD_CMD_PS] = M_FIELDS | M_FILTER | M_STATE,
	[PD_CMD_SHOW] = M_PID | M_KEY,
	[PD_CMD_TREE] = M_PID | M_KEY,
	[PD_CMD_LINEAGE] = M_PID | M_KEY,
	[PD_CMD_CHILDREN] = M_PID | M_KEY | M_STATE,
	[PD_CMD_RECENT] = M_SECONDS,
	[PD_CMD_SHORT] = M_MS,
	[PD_CMD_STATUS] = 0,
	[PD_CMD_SUBSCRIBE] = M_EVENTS | M_FILTER | M_QUEUE | M_ANCESTORS,
	[PD_CMD_VERSION] = 0,
	[PD_CMD_CONTAINERS] = 0,
};

void pd_req_free(struct pd_req *r)
{
	free(r->id);
	free(r->fields);
	cli_filter_free(r->filter);
	free(r->filter_text);
	*r = (struct pd_req){0};
}

static enum pd_err bad(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static enum pd_err bad(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return PD_E_BAD_REQUEST;
}

/* The id member: a JSON scalar, kept as JSON text. */
static int id_text(json_t *v, char **out)
{
	struct pd_buf b = {0};
	const char *s;

	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v);
		pd_buf_json_str(&b, s, json_string_length(v));
		break;
	case JSON_INTEGER:
		pd_buf_printf(&b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		pd_buf_printf(&b, "%.17g", json_real_value(v));
		break;
	case JSON_TRUE:
		pd_buf_adds(&b, "true");
		break;
	case JSON_FALSE:
		pd_buf_adds(&b, "false");
		break;
	case JSON_NULL:
		pd_buf_adds(&b, "null");
		break;
	default:
		return -EINVAL;
	}
	pd_buf_add(&b, "", 1);
	if (b.oom) {
		pd_buf_free(&b);
		return -ENOMEM;
	}
	*out = b.p;
	return 0;
}

/* pid: an integer, or a string pt_ref_parse() takes; key: a key string. */
static enum pd_err parse_ref(json_t *pid, json_t *key, struct pd_req *r, char *why, size_t len)
{
	char rwhy[128];

	if (pid && key)
		return bad(why, len, "give pid or key, not both");
	if (pid && json_is_integer(pid)) {
		json_int_t v = json_integer_value(pid);

		if (v <= 0 || v > INT_MAX)
			return bad(why, len, "pid out of range");
		r->ref = (struct pt_ref){.kind = PT_REF_PID, .pid = (pid_t)v};
	} else if (pid && json_is_string(pid)) {
		if (strlen(json_string_value(pid)) != json_string_length(pid) ||
		    pt_ref_parse(json_string_value(pid), &r->ref, rwhy, sizeof(rwhy)) < 0)
			return bad(why, len, "bad pid: %s",
				   strlen(json_string_value(pid)) != json_string_length(pid)
					   ? "a NUL byte"
					   : rwhy);
	} else if (pid) {
		return bad(why, len, "pid must be an integer or a string");
	} else if (key && json_is_string(key)) {
		if (strlen(json_string_value(key)) != json_string_length(key) ||
		    pt_ref_parse(json_string_value(key), &r->ref, rwhy, sizeof(rwhy)) < 0 ||
		    r->ref.kind != PT_REF_KEY)
			return bad(why, len, "bad key: not BOOT_ID:START:PID");
	} else if (key) {
		return bad(why, len, "key must be a string");
	} else {
		return PD_OK;
	}
	r->has_ref = true;
	return PD_OK;
}

/* A list of names: an array of strings, or one string with commas. Calls fn
 * for each; an error message lands in why. */
static enum pd_err each_name(json_t *v, const char *what, char *why, size_t len,
			     enum pd_err (*fn)(const char *name, struct pd_req *r, char *why,
					       size_t len),
			     struct pd_req *r)
{
	enum pd_err e = PD_OK;

	if (json_is_array(v)) {
		size_t i;
		json_t *it;

		if (!json_array_size(v))
			return bad(why, len, "%s is empty", what);
		json_array_foreach(v, i, it)
		{
			if (!json_is_string(it) ||
			    strlen(json_string_value(it)) != json_string_length(it))
				return bad(why, len, "%s must hold strings", what);
			e = fn(json_string_value(it), r, why, len);
			if (e)
				return e;
		}
		return PD_OK;
	}
	if (json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v)) {
		char *copy = strdup(json_string_value(v)), *save = NULL;
		unsigned n = 0;

		if (!copy)
			return PD_E_INTERNAL;
		for (char *t = strtok_r(copy, ", ", &save); t && !e;
		     t = strtok_r(NULL, ", ", &save), n++)
			e = fn(t, r, why, len);
		free(copy);
		if (!e && !n)
			return bad(why, len, "%s is empty", what);
		return e;
	}
	return bad(why, len, "%s must be an array of strings or a string", what);
}

static enum pd_err add_field(const char *name, struct pd_req *r, char *why, size_t len)
{
	struct pt_field_ref ref, *nv;
	int rc = pt_field_lookup(name, &ref);

	if (rc == -ENOENT)
		return bad(why, len, "unknown field (proctrail --fields lists them)");
	if (rc < 0)
		return bad(why, len, "bad field argument");
	if (!(pt_field_def_flags(ref.def) & PT_FIELD_PROC))
		return bad(why, len, "field %s is not a field of a process",
			   pt_field_def_name(ref.def));
	if (r->nfields >= 256)
		return bad(why, len, "too many fields");
	nv = realloc(r->fields, (r->nfields + 1) * sizeof(*nv));
	if (!nv)
		return PD_E_INTERNAL;
	r->fields = nv;
	r->fields[r->nfields++] = ref;
	return PD_OK;
}

static enum pd_err add_event(const char *name, struct pd_req *r, char *why, size_t len)
{
	enum pt_event_type t;

	if (strcmp(name, "all") == 0) {
		r->events |= PT_EVMASK_ALL | PD_SUB_ALERT;
		return PD_OK;
	}
	if (strcmp(name, "alert") == 0) {
		r->events |= PD_SUB_ALERT;
		return PD_OK;
	}
	if (pt_event_from_name(name, &t) < 0)
		return bad(why, len,
			   "unknown event (fork, exec, exit, uid, gid, sid, comm, ptrace, "
			   "coredump, lost, exec_failed, alert, all)");
	r->events |= PT_EVMASK(t);
	return PD_OK;
}

/* A number > 0 (and finite). */
static bool positive(json_t *v, double *out)
{
	double d;

	if (!json_is_number(v))
		return false;
	d = json_number_value(v);
	if (!(d > 0) || !isfinite(d))
		return false;
	*out = d;
	return true;
}

/* A member name short and plain enough to quote in a message. */
static bool printable(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (n >= 32 || s[n] < 0x20 || s[n] > 0x7e || s[n] == '\'' || s[n] == '\\')
			return false;
	return n > 0;
}

static enum pd_err parse_members(json_t *o, struct pd_req *r, char *why, size_t len)
{
	json_t *pid = NULL, *key = NULL, *v;
	const char *name;
	enum pd_err e;

	json_object_foreach(o, name, v)
	{
		unsigned bit = 0;

		if (strcmp(name, "cmd") == 0 || strcmp(name, "id") == 0)
			continue;
		for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++)
			if (strcmp(name, members[i].name) == 0)
				bit = members[i].bit;
		if (!bit)
			return bad(why, len, "unknown member%s%s%s", printable(name) ? " '" : "",
				   printable(name) ? name : "", printable(name) ? "'" : "");
		if (!(cmd_members[r->cmd] & bit))
			return bad(why, len, "member %s does not apply to %s", name,
				   pd_cmd_name(r->cmd));
		switch (bit) {
		case M_PID:
			pid = v;
			break;
		case M_KEY:
			key = v;
			break;
		case M_FIELDS:
			e = each_name(v, "fields", why, len, add_field, r);
			if (e)
				return e;
			break;
		case M_FILTER: {
			char ferr[512];
			int fr;

			if (!json_is_string(v) ||
			    strlen(json_string_value(v)) != json_string_length(v))
				return bad(why, len, "filter must be a string");
			/* old KEY=PATTERN terms too, translated without a word: the
			 * client's user sees the notice, not the daemon's log */
			fr = cli_filter_parse(json_string_value(v), &r->filter, ferr, sizeof(ferr));
			if (fr == -ENOMEM)
				return PD_E_INTERNAL;
			if (fr < 0)
				return bad(why, len, "bad filter: %s", ferr);
			r->filter_text = strdup(cli_filter_text(r->filter));
			if (!r->filter_text)
				return PD_E_INTERNAL;
			break;
		}
		case M_STATE: {
			const char *s = json_string_value(v);

			if (!s)
				return bad(why, len, "state must be a string");
			if (strcmp(s, "alive") == 0)
				r->select = PT_SEL_ALIVE;
			else if (strcmp(s, "exited") == 0)
				r->select = PT_SEL_EXITED;
			else if (strcmp(s, "all") == 0)
				r->select = PT_SEL_ALL;
			else
				return bad(why, len, "state is alive, exited or all");
			break;
		}
		case M_SECONDS:
			if (!positive(v, &r->seconds) || r->seconds > 1e9)
				return bad(why, len, "seconds must be a number > 0");
			break;
		case M_MS:
			if (!positive(v, &r->ms) || r->ms > 1e12)
				return bad(why, len, "ms must be a number > 0");
			break;
		case M_EVENTS:
			e = each_name(v, "events", why, len, add_event, r);
			if (e)
				return e;
			break;
		case M_QUEUE:
			if (!json_is_integer(v) || json_integer_value(v) <= 0)
				return bad(why, len, "queue must be an integer > 0");
			r->queue = json_integer_value(v) > (json_int_t)PT_OUTQ_MAX
				? PT_OUTQ_MAX
				: (size_t)json_integer_value(v);
			break;
		case M_ANCESTORS:
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > CLI_ANCESTORS_MAX)
				return bad(why, len, "ancestors must be an integer from 0 to %d",
					   CLI_ANCESTORS_MAX);
			r->ancestors = (unsigned)json_integer_value(v);
			break;
		}
	}
	e = parse_ref(pid, key, r, why, len);
	if (e)
		return e;
	if (!r->has_ref &&
	    (r->cmd == PD_CMD_SHOW || r->cmd == PD_CMD_LINEAGE || r->cmd == PD_CMD_CHILDREN))
		return bad(why, len, "%s needs pid or key", pd_cmd_name(r->cmd));
	return PD_OK;
}

enum pd_err pd_req_parse(const char *line, size_t len, struct pd_req *r, char *why, size_t whylen)
{
	json_error_t jerr;
	json_t *o, *v;
	const char *cmd;
	enum pd_err e = PD_OK;
	unsigned c;

	*r = (struct pd_req){0};
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o) {
		snprintf(why, whylen, "not JSON: %s at byte %d", jerr.text, jerr.position);
		return PD_E_BAD_JSON;
	}
	if (!json_is_object(o)) {
		snprintf(why, whylen, "a request is a JSON object");
		e = PD_E_BAD_JSON;
		goto out;
	}
	v = json_object_get(o, "id");
	if (v && id_text(v, &r->id) < 0) {
		e = bad(why, whylen, "id must be a string, number, boolean or null");
		goto out;
	}
	v = json_object_get(o, "cmd");
	cmd = json_string_value(v);
	if (!v) {
		e = bad(why, whylen, "no cmd member");
		goto out;
	}
	if (!cmd) {
		e = bad(why, whylen, "cmd must be a string");
		goto out;
	}
	for (c = 0; c < PD_CMD_COUNT; c++)
		if (strcmp(cmd, cmd_names[c]) == 0)
			break;
	if (c == PD_CMD_COUNT) {
		snprintf(why, whylen,
			 "unknown command (ps, show, tree, lineage, children, recent, short, "
			 "status, subscribe, version, containers)");
		e = PD_E_UNKNOWN_CMD;
		goto out;
	}
	r->cmd = (enum pd_cmd)c;
	r->select = r->cmd == PD_CMD_PS ? PT_SEL_ALIVE : PT_SEL_ALL;
	r->seconds = 60;
	r->ms = 100;
	e = parse_members(o, r, why, whylen);
	if (!e && r->cmd == PD_CMD_SUBSCRIBE)
		/* a loss is never silent, whatever was asked for */
		r->events = (r->events ? r->events : PT_EVMASK_ALL | PD_SUB_ALERT) |
			PT_EVMASK(PT_EV_LOST);
	if (!e && r->cmd == PD_CMD_TREE && !r->has_ref) {
		r->ref = (struct pt_ref){.kind = PT_REF_PID, .pid = 1};
		r->has_ref = true;
	}
out:
	json_decref(o);
	return e;
}

/* ---- answers ---- */

static void final_id(struct pd_buf *out, const char *id)
{
	if (id) {
		pd_buf_adds(out, ",\"id\":");
		pd_buf_adds(out, id);
	}
	pd_buf_adds(out, "}\n");
}

void pd_reply_error(struct pd_buf *out, enum pd_err e, const char *msg, const char *id)
{
	char ascii[512];
	size_t n = 0;

	/* messages may quote the request (jansson's do) and be cut anywhere: ASCII only */
	for (; msg[n] && n < sizeof(ascii) - 1; n++)
		ascii[n] = (unsigned char)msg[n] < 0x80 ? msg[n] : '?';
	ascii[n] = '\0';
	pd_buf_printf(out, "{\"error\":{\"code\":\"%s\",\"message\":", pd_err_code(e));
	pd_buf_json_str(out, ascii, n);
	pd_buf_adds(out, "}");
	final_id(out, id);
}

static void reply_done(struct pd_buf *out, const struct pd_req *r, uint64_t count)
{
	pd_buf_printf(out, "{\"done\":\"%s\",\"count\":%" PRIu64, pd_cmd_name(r->cmd), count);
	final_id(out, r->id);
}

/* A line the library wrote (freed here). */
static int put_line(struct pd_buf *out, char *s, size_t len)
{
	if (!s)
		return -errno;
	pd_buf_add(out, s, len);
	pd_buf_add(out, "\n", 1);
	free(s);
	return out->oom ? -ENOMEM : 0;
}

struct procs {
	const struct pt_proc **v;
	size_t n, cap;
	const struct cli_filter *filter;
	const struct pt_monitor *m;
};

static int procs_add(const struct pt_proc *p, void *data)
{
	struct procs *k = data;

	/* a record, not an event: evt.* checks are false, as ps's own are */
	if (!cli_filter_match_proc(k->filter, k->m, p))
		return 0;
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 256;
		const struct pt_proc **v = realloc(k->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		k->v = v;
		k->cap = cap;
	}
	k->v[k->n++] = p;
	return 0;
}

static int proc_cmp(const void *a, const void *b)
{
	const struct pt_proc *x = *(const struct pt_proc *const *)a;
	const struct pt_proc *y = *(const struct pt_proc *const *)b;

	if (pt_proc_pid(x) != pt_proc_pid(y))
		return pt_proc_pid(x) < pt_proc_pid(y) ? -1 : 1;
	if (pt_proc_start(x) != pt_proc_start(y))
		return pt_proc_start(x) < pt_proc_start(y) ? -1 : 1;
	return 0;
}

static int put_proc(struct pd_buf *out, const struct pd_ctx *ctx, const struct pd_req *r,
		    const struct pt_proc *p)
{
	size_t len = 0;
	char *s = r->nfields ? pt_json_fields(r->fields, r->nfields, ctx->m, p, NULL, &len)
			     : pt_json_proc(p, &len);

	return put_line(out, s, len);
}

static int put_procs(struct pd_buf *out, const struct pd_ctx *ctx, const struct pd_req *r,
		     struct procs *k, bool sort, uint64_t *count)
{
	int rc = 0;

	if (sort && k->n)
		qsort(k->v, k->n, sizeof(*k->v), proc_cmp);
	for (size_t i = 0; i < k->n && rc == 0; i++) {
		rc = put_proc(out, ctx, r, k->v[i]);
		if (rc == 0)
			(*count)++;
	}
	return rc;
}

static enum pd_err lookup(const struct pd_ctx *ctx, const struct pd_req *r,
			  const struct pt_proc **out, char *why, size_t len)
{
	*out = pt_lookup_ref(ctx->m, &r->ref);
	if (*out)
		return PD_OK;
	switch (errno) {
	case EXDEV:
		snprintf(why, len, "a key of another boot");
		return PD_E_OTHER_BOOT;
	case EINVAL:
		snprintf(why, len, "a bad reference");
		return PD_E_BAD_REQUEST;
	default:
		if (r->ref.kind == PT_REF_PID)
			snprintf(why, len, "no process %d", (int)r->ref.pid);
		else if (r->ref.kind == PT_REF_PID_AT)
			snprintf(why, len, "no process %d at that time", (int)r->ref.pid);
		else
			snprintf(why, len, "no process %s:%" PRIu64 ":%d", r->ref.boot_id,
				 r->ref.start, (int)r->ref.pid);
		return PD_E_NOT_FOUND;
	}
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The subtree of root, flat: root first, each parent before its children,
 * depth first, children by pid. An explicit stack: chains can be long. */
static int put_tree(struct pd_buf *out, const struct pd_ctx *ctx, const struct pd_req *r,
		    const struct pt_proc *root, uint64_t *count)
{
	struct procs stack = {0}, kids = {0};
	struct pt_status st;
	uint64_t limit;
	int rc;

	/* a table cannot hold a cycle, but a bound costs nothing */
	pt_monitor_status(ctx->m, &st);
	limit = st.alive + st.exited + 1;
	rc = procs_add(root, &stack);
	while (rc == 0 && stack.n && *count < limit) {
		const struct pt_proc *p = stack.v[--stack.n];

		rc = put_proc(out, ctx, r, p);
		if (rc < 0)
			break;
		(*count)++;
		kids.n = 0;
		rc = pt_foreach_child(ctx->m, p, PT_SEL_ALIVE, procs_add, &kids);
		if (rc < 0)
			break;
		if (kids.n)
			qsort(kids.v, kids.n, sizeof(*kids.v), proc_cmp);
		/* pushed in reverse: the lowest pid comes off first */
		for (size_t i = kids.n; i-- > 0 && rc == 0;)
			rc = procs_add(kids.v[i], &stack);
	}
	free(stack.v);
	free(kids.v);
	return rc;
}

struct lineage {
	struct pd_buf *out;
	const struct pd_ctx *ctx;
	const struct pd_req *r;
	uint64_t *count;
};

static int lineage_one(const struct pt_proc *p, void *data)
{
	struct lineage *l = data;
	int rc = put_proc(l->out, l->ctx, l->r, p);

	if (rc == 0)
		(*l->count)++;
	return rc;
}

struct ctr_put {
	struct pd_buf *out;
	uint64_t *count;
};

/* containers: one line per listed container, as pt_json_container writes it */
static int put_container(const struct pt_container *c, void *data)
{
	struct ctr_put *cp = data;
	char *s = pt_json_container(c);
	int rc = put_line(cp->out, s, s ? strlen(s) : 0);

	if (rc == 0)
		(*cp->count)++;
	return rc;
}

static void put_version(struct pd_buf *out)
{
	pd_buf_printf(out, "{\"version\":\"%s\",\"json_schema\":%d,\"protocol\":%d}\n",
		      pt_version(), pt_json_schema_version(), PD_PROTOCOL_VERSION);
}

static int put_status(struct pd_buf *out, const struct pd_ctx *ctx)
{
	size_t len;
	char *s = pt_json_status(ctx->m, &len);

	if (!s)
		return -errno;
	/* the library's object, then the daemon's member before its brace */
	pd_buf_add(out, s, len - 1);
	free(s);
	if (ctx->status_daemon)
		ctx->status_daemon(out, ctx->data);
	pd_buf_adds(out, "}\n");
	return 0;
}

enum pd_err pd_answer(const struct pd_ctx *ctx, const struct pd_req *r, struct pd_buf *out)
{
	const struct pt_proc *p = NULL;
	struct procs k = {.filter = r->filter, .m = ctx->m};
	size_t mark = out->len;
	uint64_t count = 0;
	enum pd_err e = PD_OK;
	char why[160];
	int rc = 0;

	if (r->has_ref) {
		e = lookup(ctx, r, &p, why, sizeof(why));
		if (e) {
			pd_reply_error(out, e, why, r->id);
			return e;
		}
	}
	switch (r->cmd) {
	case PD_CMD_PS:
		rc = pt_foreach(ctx->m, r->select, procs_add, &k);
		if (rc == 0)
			rc = put_procs(out, ctx, r, &k, true, &count);
		break;
	case PD_CMD_SHOW:
		rc = put_proc(out, ctx, r, p);
		count = rc == 0;
		break;
	case PD_CMD_TREE:
		rc = put_tree(out, ctx, r, p, &count);
		break;
	case PD_CMD_LINEAGE: {
		struct lineage l = {out, ctx, r, &count};

		/* the fork-time parents: exited ancestors the table retains too */
		rc = lineage_one(p, &l);
		if (rc == 0)
			rc = cli_foreach_lineage(ctx->m, p, lineage_one, &l);
		break;
	}
	case PD_CMD_CONTAINERS: {
		struct ctr_put cp = {out, &count};

		rc = pt_foreach_container(ctx->m, put_container, &cp);
		break;
	}
	case PD_CMD_CHILDREN:
		rc = pt_foreach_child(ctx->m, p, r->select, procs_add, &k);
		if (rc == 0)
			rc = put_procs(out, ctx, r, &k, true, &count);
		break;
	case PD_CMD_RECENT:
		rc = pt_foreach_exited(ctx->m, now_us() - (int64_t)(r->seconds * 1e6), procs_add,
				       &k);
		if (rc == 0)
			rc = put_procs(out, ctx, r, &k, true, &count);
		break;
	case PD_CMD_SHORT:
		/* lived less than ms, in the library's whole milliseconds: rounded
		 * down, so that no record that lived longer is ever in the answer */
		rc = pt_foreach_short(ctx->m, (int64_t)floor(r->ms), procs_add, &k);
		if (rc == 0)
			rc = put_procs(out, ctx, r, &k, true, &count);
		break;
	case PD_CMD_STATUS:
		rc = put_status(out, ctx);
		count = rc == 0;
		break;
	case PD_CMD_VERSION:
		put_version(out);
		count = 1;
		break;
	case PD_CMD_SUBSCRIBE:
	case PD_CMD_COUNT:
		rc = -EINVAL;
		break;
	}
	free(k.v);
	if (rc < 0 || out->oom) {
		/* what was written of a failed answer is taken back */
		if (!out->oom)
			out->len = mark;
		snprintf(why, sizeof(why), "%s failed: %s", pd_cmd_name(r->cmd),
			 strerror(rc < 0 ? -rc : ENOMEM));
		pd_reply_error(out, PD_E_INTERNAL, why, r->id);
		return PD_E_INTERNAL;
	}
	reply_done(out, r, count);
	return PD_OK;
}

enum pd_err pd_handle_line(const struct pd_ctx *ctx, const char *line, size_t len,
			   struct pd_buf *out, struct pd_req *r)
{
	char why[320];
	enum pd_err e = pd_req_parse(line, len, r, why, sizeof(why));

	if (e) {
		pd_reply_error(out, e, why, r->id);
		return e;
	}
	if (r->cmd == PD_CMD_SUBSCRIBE)
		return PD_OK;
	return pd_answer(ctx, r, out);
}

void pd_subscribed_line(struct pd_buf *out, const struct pd_req *r, size_t queue)
{
	bool first = true;

	pd_buf_adds(out, "{\"subscribed\":{\"events\":[");
	for (unsigned t = 0; t < PT_EV_COUNT; t++) {
		if (!(r->events & PT_EVMASK(t)))
			continue;
		pd_buf_printf(out, "%s\"%s\"", first ? "" : ",",
			      pt_event_name((enum pt_event_type)t));
		first = false;
	}
	if (r->events & PD_SUB_ALERT)
		pd_buf_printf(out, "%s\"alert\"", first ? "" : ",");
	pd_buf_printf(out, "],\"queue\":%zu,", queue);
	if (r->ancestors)
		pd_buf_printf(out, "\"ancestors\":%u,", r->ancestors);
	pd_buf_adds(out, "\"filter\":");
	if (r->filter_text)
		pd_buf_json_str(out, r->filter_text, strlen(r->filter_text));
	else
		pd_buf_adds(out, "null");
	pd_buf_adds(out, "}");
	final_id(out, r->id);
}
