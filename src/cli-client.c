/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The proctrail command as proctraild's client: one connection, requests as
 * JSON lines, replies read up to their final line (done or error), records
 * imported into an empty monitor so that the command renders them with the
 * same code as a snapshot. The protocol is in proctraild(8).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "daemon.h"

const char *const cli_qcmd_names[] = {
	[CLI_Q_PS] = "ps",
	[CLI_Q_SHOW] = "show",
	[CLI_Q_TREE] = "tree",
	[CLI_Q_LINEAGE] = "lineage",
	[CLI_Q_CHILDREN] = "children",
	[CLI_Q_RECENT] = "recent",
	[CLI_Q_SHORT] = "short",
	[CLI_Q_STATUS] = "status",
	[CLI_Q_CONTAINERS] = "containers",
};

const char *cli_socket_path(const char *opt)
{
	const char *env = getenv(PD_SOCKET_ENV);

	if (opt)
		return opt;
	return env && *env ? env : PD_SOCKET_PATH;
}

/* ---- requests ---- */

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void cli_json_string(FILE *f, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s);

	fputc('"', f);
	for (size_t i = 0; i < n;) {
		size_t l;

		if (u[i] == '"' || u[i] == '\\') {
			fprintf(f, "\\%c", u[i++]);
			continue;
		}
		if (u[i] < 0x20 || u[i] == 0x7f) {
			fprintf(f, "\\u%04x", u[i++]);
			continue;
		}
		l = utf8_len(u + i, n - i);
		if (!l) {
			/* not UTF-8: the byte as a code point, so the line stays valid */
			fprintf(f, "\\u%04x", u[i++]);
			continue;
		}
		fwrite(u + i, 1, l, f);
		i += l;
	}
	fputc('"', f);
}

int cli_req_begin(struct cli_req *r, const char *cmd)
{
	*r = (struct cli_req){0};
	r->f = open_memstream(&r->buf, &r->len);
	if (!r->f)
		return -errno;
	fputs("{\"cmd\":", r->f);
	cli_json_string(r->f, cmd);
	return 0;
}

void cli_req_str(struct cli_req *r, const char *name, const char *value)
{
	fprintf(r->f, ",\"%s\":", name);
	cli_json_string(r->f, value);
}

void cli_req_num(struct cli_req *r, const char *name, double value)
{
	fprintf(r->f, ",\"%s\":%.17g", name, value);
}

void cli_req_raw(struct cli_req *r, const char *name, const char *json)
{
	fprintf(r->f, ",\"%s\":%s", name, json);
}

char *cli_req_end(struct cli_req *r)
{
	fputs("}\n", r->f);
	if (fclose(r->f) == EOF) {
		free(r->buf);
		r->buf = NULL;
	}
	r->f = NULL;
	return r->buf;
}

/* ---- replies ---- */

static bool starts(const char *line, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(line, prefix, n) == 0;
}

static void copy_str(char *dst, size_t len, json_t *v)
{
	snprintf(dst, len, "%s", json_is_string(v) ? json_string_value(v) : "");
}

/*
 * Records are pt_json_proc() lines, which never begin with a member named
 * done, error or subscribed; those final and first lines are parsed in full.
 * A record is left to the importer to parse, once.
 */
int cli_reply_parse(const char *line, size_t len, struct cli_reply *out, char *why, size_t whylen)
{
	json_error_t jerr;
	json_t *o, *v;

	*out = (struct cli_reply){.kind = CLI_REPLY_RECORD};
	if (!len || line[0] != '{') {
		snprintf(why, whylen, "a reply line that is not a JSON object");
		return -EBADMSG;
	}
	if (!starts(line, len, "{\"done\":") && !starts(line, len, "{\"error\":") &&
	    !starts(line, len, "{\"subscribed\":"))
		return 0;
	o = json_loadb(line, len, 0, &jerr);
	if (!json_is_object(o)) {
		snprintf(why, whylen, "a final line that is not JSON: %s", jerr.text);
		json_decref(o);
		return -EBADMSG;
	}
	if ((v = json_object_get(o, "done"))) {
		json_t *c = json_object_get(o, "count"), *l = json_object_get(o, "lost");

		out->kind = CLI_REPLY_DONE;
		copy_str(out->done, sizeof(out->done), v);
		if (!json_is_string(v) || !json_is_integer(c) || json_integer_value(c) < 0) {
			snprintf(why, whylen, "a done line without a command or a count");
			json_decref(o);
			return -EBADMSG;
		}
		out->count = (uint64_t)json_integer_value(c);
		if (json_is_integer(l) && json_integer_value(l) > 0)
			out->lost = (uint64_t)json_integer_value(l);
	} else if ((v = json_object_get(o, "error"))) {
		out->kind = CLI_REPLY_ERROR;
		copy_str(out->err.code, sizeof(out->err.code), json_object_get(v, "code"));
		copy_str(out->err.message, sizeof(out->err.message), json_object_get(v, "message"));
		if (!json_is_object(v) || !out->err.code[0]) {
			snprintf(why, whylen, "an error line without a code");
			json_decref(o);
			return -EBADMSG;
		}
	} else {
		out->kind = CLI_REPLY_SUBSCRIBED;
	}
	json_decref(o);
	return 0;
}

/* ---- the connection ---- */

struct cli_conn {
	int fd;
	int timeout_ms;
	char *buf;
	size_t off, len, cap; /* unread bytes: buf[off, len) */
	size_t scanned; /* of those, bytes already searched for a newline */
	uint64_t lines; /* lines read: none means the daemon never answered */
};

int cli_conn_open(const char *path, int timeout_ms, struct cli_conn **out)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = timeout_ms % 1000 * 1000};
	struct cli_conn *c;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->timeout_ms = timeout_ms;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		r = -errno;
		free(c);
		return r;
	}
	/* a daemon whose backlog is full, or that stopped reading, must not hang us */
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = errno == EINPROGRESS || errno == EAGAIN ? -ETIMEDOUT : -errno;
		close(c->fd);
		free(c);
		return r;
	}
	*out = c;
	return 0;
}

void cli_conn_close(struct cli_conn *c)
{
	if (!c)
		return;
	close(c->fd);
	free(c->buf);
	free(c);
}

int cli_conn_fd(const struct cli_conn *c)
{
	return c->fd;
}

int cli_conn_send(struct cli_conn *c, const char *line, size_t len)
{
	while (len) {
		ssize_t n = send(c->fd, line, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		line += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One read into the buffer: bytes read, 0 at end of stream, or -errno. */
static ssize_t fill(struct cli_conn *c, bool wait)
{
	ssize_t n;

	if (c->off && c->off == c->len) {
		c->off = c->len = c->scanned = 0;
	} else if (c->off > c->cap / 2) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->scanned -= c->off;
		c->off = 0;
	}
	if (c->cap - c->len < 65536) {
		size_t cap = c->cap ? c->cap * 2 : 1 << 17;
		char *b;

		if (cap > CLI_LINE_MAX + (1u << 17))
			return -EMSGSIZE;
		b = realloc(c->buf, cap);
		if (!b)
			return -ENOMEM;
		c->buf = b;
		c->cap = cap;
	}
	if (wait) {
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		int r;

		do
			r = poll(&pfd, 1, c->timeout_ms);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
	}
	do
		n = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, wait ? 0 : MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	c->len += (size_t)n;
	return n;
}

ssize_t cli_conn_line(struct cli_conn *c, bool wait, char **line)
{
	for (;;) {
		char *nl = c->len > c->scanned
			? memchr(c->buf + c->scanned, '\n', c->len - c->scanned)
			: NULL;
		ssize_t n;

		if (nl) {
			size_t start = c->off, len = (size_t)(nl - (c->buf + c->off));

			*nl = 0;
			c->off = c->scanned = (size_t)(nl - c->buf) + 1;
			c->lines++;
			*line = c->buf + start;
			return (ssize_t)len;
		}
		c->scanned = c->len;
		if (c->len - c->off > CLI_LINE_MAX)
			return -EMSGSIZE;
		n = fill(c, wait);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0)
			return n;
	}
}

/* ---- a query ---- */

/* The selection of one process: a key, or a pid (a number, or PID@TIME as given). */
static void add_selection(struct cli_req *r, const struct cli_query *q)
{
	if (q->ref.kind == PT_REF_KEY)
		cli_req_str(r, "key", q->arg);
	else if (q->ref.kind == PT_REF_PID_AT)
		cli_req_str(r, "pid", q->arg);
	else
		cli_req_num(r, "pid", q->ref.pid);
}

/*
 * The requests for q, in order, and which reply holds the records shown.
 * show asks for the lineage, so that the process's parents are in the table
 * and its lineage line is the one a snapshot prints; children asks for the
 * lineage of the parent too, for fields that read the parent (-o pcomm).
 */
static int build_requests(const struct cli_query *q, char **reqs, size_t *n, size_t *primary)
{
	struct cli_req r;
	const char *cmd = cli_qcmd_names[q->cmd];
	int e;

	*n = 0;
	*primary = 0;
	if (q->cmd == CLI_Q_SHOW || q->cmd == CLI_Q_CHILDREN) {
		if ((e = cli_req_begin(&r, "lineage")) < 0)
			return e;
		add_selection(&r, q);
		if (!(reqs[(*n)++] = cli_req_end(&r)))
			return -ENOMEM;
		if (q->cmd == CLI_Q_SHOW)
			return 0;
		*primary = 1;
	}
	if ((e = cli_req_begin(&r, cmd)) < 0)
		return e;
	switch (q->cmd) {
	case CLI_Q_TREE:
	case CLI_Q_LINEAGE:
	case CLI_Q_CHILDREN:
		add_selection(&r, q);
		break;
	case CLI_Q_RECENT:
		cli_req_num(&r, "seconds", q->secs);
		break;
	case CLI_Q_SHORT:
		cli_req_num(&r, "ms", (double)q->ms);
		break;
	case CLI_Q_PS:
		if (q->filter)
			cli_req_str(&r, "filter", q->filter);
		break;
	default:
		break;
	}
	if (!(reqs[(*n)++] = cli_req_end(&r)))
		return -ENOMEM;
	return 0;
}

int cli_result_add_ctr(struct cli_result *res, const char *json, size_t len)
{
	char **v = realloc(res->ctrs, (res->nctrs + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	res->ctrs = v;
	if (!(v[res->nctrs] = strndup(json, len)))
		return -ENOMEM;
	res->nctrs++;
	return 0;
}

int cli_open_empty(const struct pt_options *base, struct pt_monitor **m)
{
	struct pt_options o = *base;

	o.tier = PT_TIER_NONE;
	o.flags |= PT_OPEN_EMPTY;
	return pt_monitor_open(m, &o);
}

int cli_import_event(struct pt_monitor *m, const char *line, size_t len, char *why, size_t whylen)
{
	return pt_import_event(m, line, len, why, whylen);
}

int cli_import_proc(struct pt_monitor *m, const char *line, size_t len, const struct pt_proc **p,
		    char *why, size_t whylen)
{
	return pt_import_proc(m, line, len, p, why, whylen);
}

/* Why a read from the daemon failed, in words. */
static void read_failed(char *why, size_t whylen, ssize_t n)
{
	snprintf(why, whylen, "the daemon %s",
		 n == -ECONNRESET	   ? "closed the connection"
			 : n == -ETIMEDOUT ? "did not answer in time"
					   : strerror((int)-n));
}

enum cli_client_rc cli_conn_call(struct cli_conn *c, const char *req, cli_record_fn fn, void *data,
				 struct cli_error *err, char *why, size_t whylen)
{
	uint64_t records = 0;
	int r = cli_conn_send(c, req, strlen(req));

	if (r < 0) {
		snprintf(why, whylen, "cannot send to the daemon: %s", strerror(-r));
		return c->lines ? CLI_CLIENT_FAILED : CLI_CLIENT_UNREACHABLE;
	}
	for (;;) {
		struct cli_reply rep;
		char *line;
		ssize_t n = cli_conn_line(c, true, &line);

		if (n < 0) {
			read_failed(why, whylen, n);
			/* nothing answered yet: as good as no daemon */
			return c->lines ? CLI_CLIENT_FAILED : CLI_CLIENT_UNREACHABLE;
		}
		if (cli_reply_parse(line, (size_t)n, &rep, why, whylen) < 0)
			return CLI_CLIENT_FAILED;
		if (rep.kind == CLI_REPLY_ERROR) {
			*err = rep.err;
			/* the daemon is full: as if it were not there */
			if (strcmp(err->code, "busy") == 0) {
				snprintf(why, whylen, "the daemon is busy: %s", err->message);
				return CLI_CLIENT_UNREACHABLE;
			}
			return CLI_CLIENT_REFUSED;
		}
		if (rep.kind == CLI_REPLY_DONE) {
			if (rep.count == records)
				return CLI_CLIENT_OK;
			snprintf(why, whylen, "the daemon said %llu records and sent %llu",
				 (unsigned long long)rep.count, (unsigned long long)records);
			return CLI_CLIENT_FAILED;
		}
		if (rep.kind != CLI_REPLY_RECORD) {
			snprintf(why, whylen, "an unexpected reply line from the daemon");
			return CLI_CLIENT_FAILED;
		}
		r = fn ? fn(line, (size_t)n, data, why, whylen) : 0;
		if (r < 0)
			return CLI_CLIENT_FAILED;
		records++;
	}
}

enum cli_client_rc cli_conn_subscribe(struct cli_conn *c, const char *req, struct cli_error *err,
				      char *why, size_t whylen)
{
	struct cli_reply rep;
	char *line;
	ssize_t n;
	int r = cli_conn_send(c, req, strlen(req));

	if (r < 0) {
		snprintf(why, whylen, "cannot send to the daemon: %s", strerror(-r));
		return c->lines ? CLI_CLIENT_FAILED : CLI_CLIENT_UNREACHABLE;
	}
	n = cli_conn_line(c, true, &line);
	if (n < 0) {
		read_failed(why, whylen, n);
		return c->lines > 0 ? CLI_CLIENT_FAILED : CLI_CLIENT_UNREACHABLE;
	}
	if (cli_reply_parse(line, (size_t)n, &rep, why, whylen) < 0)
		return CLI_CLIENT_FAILED;
	if (rep.kind == CLI_REPLY_ERROR) {
		*err = rep.err;
		if (strcmp(err->code, "busy") == 0) {
			snprintf(why, whylen, "the daemon is busy: %s", err->message);
			return CLI_CLIENT_UNREACHABLE;
		}
		return CLI_CLIENT_REFUSED;
	}
	if (rep.kind != CLI_REPLY_SUBSCRIBED) {
		snprintf(why, whylen, "the daemon did not confirm the subscription");
		return CLI_CLIENT_FAILED;
	}
	return CLI_CLIENT_OK;
}

struct import_ctx {
	const struct pt_options *base;
	struct cli_result *res;
	const struct cli_query *q;
	bool shown; /* the reply whose records are shown */
	uint64_t n; /* records of this reply so far */
};

/* One record line into the table; kept in res when it is one shown. */
static int import_record(const char *line, size_t len, void *data, char *why, size_t whylen)
{
	struct import_ctx *x = data;
	struct cli_result *res = x->res;
	const struct pt_proc *p = NULL;
	char w[256] = "";
	bool first = x->n++ == 0;
	int r;

	if (x->q->cmd == CLI_Q_STATUS) {
		free(res->status);
		res->status = strndup(line, len);
		res->status_len = len;
		return res->status ? 0 : -ENOMEM;
	}
	if (x->q->cmd == CLI_Q_CONTAINERS)
		return cli_result_add_ctr(res, line, len);
	/* the table, at the first record: an error reply needs none */
	if (!res->m && (r = cli_open_empty(x->base, &res->m)) < 0) {
		snprintf(why, whylen, "cannot open a table: %s", strerror(-r));
		return r;
	}
	r = cli_import_proc(res->m, line, len, &p, w, sizeof(w));
	if (r < 0) {
		snprintf(why, whylen, "a record from the daemon does not read back: %s", w);
		return r;
	}
	/* the process named: the first record of show's, lineage's and tree's reply,
	 * and of the lineage children asks for first */
	if (first && !res->one)
		res->one = p;
	if (!x->shown || x->q->cmd == CLI_Q_SHOW || x->q->cmd == CLI_Q_TREE)
		return 0;
	return cli_procs_add(p, &res->k);
}

enum cli_client_rc cli_client_query(const char *path, int timeout_ms, const struct pt_options *base,
				    const struct cli_query *q, struct cli_result *res,
				    struct cli_error *err, char *why, size_t whylen)
{
	char *reqs[2] = {0};
	size_t nreq = 0, primary = 0;
	enum cli_client_rc rc = CLI_CLIENT_FAILED;
	struct cli_conn *c = NULL;
	int r;

	r = cli_conn_open(path, timeout_ms, &c);
	if (r < 0) {
		snprintf(why, whylen, "no daemon answers at %s: %s", path, strerror(-r));
		return CLI_CLIENT_UNREACHABLE;
	}
	r = build_requests(q, reqs, &nreq, &primary);
	if (r < 0) {
		snprintf(why, whylen, "%s", strerror(-r));
		goto out;
	}
	for (size_t i = 0; i < nreq; i++) {
		struct import_ctx x = {.base = base, .res = res, .q = q, .shown = i == primary};
		char w[384];

		rc = cli_conn_call(c, reqs[i], import_record, &x, err, w, sizeof(w));
		if (rc != CLI_CLIENT_OK) {
			snprintf(why, whylen, "%s (at %s)", w, path);
			goto out;
		}
	}
	rc = CLI_CLIENT_FAILED;
	if (q->cmd == CLI_Q_STATUS && !res->status) {
		snprintf(why, whylen, "the daemon sent no status");
		goto out;
	}
	if ((q->cmd == CLI_Q_SHOW || q->cmd == CLI_Q_TREE || q->cmd == CLI_Q_LINEAGE ||
	     q->cmd == CLI_Q_CHILDREN) &&
	    !res->one) {
		/* an answer without the process: as the daemon's not_found */
		snprintf(err->code, sizeof(err->code), "not_found");
		snprintf(err->message, sizeof(err->message), "no such process");
		rc = CLI_CLIENT_REFUSED;
		goto out;
	}
	rc = CLI_CLIENT_OK;
out:
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
		free(reqs[i]);
	cli_conn_close(c);
	return rc;
}
