/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proctraild's service: one single-threaded epoll loop over the monitor's fd,
 * the listening socket, the clients, a signalfd and a timer. Clients are
 * non-blocking; their replies wait in a buffer per client, their events in a
 * bounded queue per subscriber (outq.h), so nothing a client does (or does
 * not do) ever makes the loop wait: the monitor is never slowed by a reader.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon-serve.h"
#include "outq.h"
#include "rules.h"
#include "sink.h"

#define TICK_MS 1000 /* the timer: idle clients, listening again after EMFILE */
#define NOTIFY_EVERY_S 10 /* sd_notify STATUS */
#define CLOSE_LINGER_MS 5000 /* a client closed on an error: time to read its reply */
#define STOP_FLUSH_MS 2000 /* at stop: time for subscribers to take their final lines */
#define SINK_DRAIN_MS 5000 /* at stop, after the subscribers: time for each sink to write */
#define READ_CHUNK (64u << 10)

struct pd_client {
	int fd;
	uint64_t id;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	char *in; /* a request line being read: at most max_request bytes */
	size_t in_len, in_cap;
	struct pd_buf out; /* replies waiting */
	/* a subscriber: its queue, what it asked for, whether its final line is queued */
	struct pt_outq *q;
	struct pd_req sub;
	bool sub_done;
	bool flush; /* events were queued since the last write */
	bool closing; /* after too_large or idle: close once the reply is out */
	bool shut; /* closing, reply written, write side shut: reading until EOF */
	bool eof; /* the client shut its side: close once the replies are out */
	bool want_out; /* EPOLLOUT is set */
	bool dead;
	int64_t last_ms; /* monotonic: the last request or byte read */
	int64_t close_ms; /* closing: when it started */
	uint64_t requests;
	struct pd_client *prev, *next;
};

struct pd_server {
	const struct pd_conf *c;
	struct pd_conf *owned; /* a reloaded configuration */
	struct pt_monitor *m;
	struct pd_hooks hooks;
	int ep, lfd, sfd, tfd;
	bool listening, bound, stop;
	char *path; /* the socket file we created */
	struct pd_client *clients, *graveyard;
	unsigned nclients, nsubs;
	uint64_t next_id;
	int64_t start_ms, last_notify_ms;
	/* counters for status */
	uint64_t requests, errors, refused, dropped_clients;
	uint64_t sub_lost_closed; /* drops of subscribers that have gone */
	uint64_t events_rendered;
	/* the sinks: every event the monitor delivers that sink_filter keeps */
	struct pt_sink **sinks;
	size_t nsinks;
	struct cli_filter *sink_filter;
	struct pt_cond_ctx *cx; /* the filters' (monitor thread): each field read once */
	uint64_t sink_render_failed; /* events no sink got: rendering failed */
	/* the rules (pd_server_set_rules): their alerts go where events go */
	struct rules *rules;
	struct rules_stats rules_before; /* the counts of the sets SIGHUP replaced */
	uint64_t alert_render_failed; /* alerts nobody got: out of memory */
	int fatal;
};

/* epoll tags for the fds that are not clients */
static char tag_listen, tag_signal, tag_timer, tag_monitor;

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t real_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int ep_set(struct pd_server *s, int op, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = {.events = events, .data.ptr = ptr};

	return epoll_ctl(s->ep, op, fd, &ev) < 0 ? -errno : 0;
}

/* ---- clients: lifetime ---- */

static void client_close(struct pd_server *s, struct pd_client *c, const char *why)
{
	struct pt_outq_stats st;

	if (c->dead)
		return;
	c->dead = true;
	epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	if (c->q) {
		pt_outq_stats(c->q, &st);
		s->sub_lost_closed += st.dropped;
		s->nsubs--;
		pd_log(PT_LOG_INFO,
		       "client %" PRIu64 ": subscriber gone (%s): %" PRIu64 " events, %" PRIu64
		       " lost",
		       c->id, why, st.pushed, st.dropped);
	} else {
		pd_log(PT_LOG_INFO, "client %" PRIu64 ": closed (%s) after %" PRIu64 " requests",
		       c->id, why, c->requests);
	}
	s->nclients--;
	/* unlinked now, freed after the batch of epoll events that may name it */
	if (c->prev)
		c->prev->next = c->next;
	else
		s->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = NULL;
	c->next = s->graveyard;
	s->graveyard = c;
}

static void client_free(struct pd_client *c)
{
	pt_outq_free(c->q);
	pd_req_free(&c->sub);
	pd_buf_free(&c->out);
	free(c->in);
	free(c);
}

static void bury(struct pd_server *s)
{
	while (s->graveyard) {
		struct pd_client *c = s->graveyard;

		s->graveyard = c->next;
		client_free(c);
	}
}

static bool client_pending(const struct pd_client *c)
{
	struct pt_outq_stats st;

	if (pd_buf_pending(&c->out))
		return true;
	if (!c->q)
		return false;
	pt_outq_stats(c->q, &st);
	return st.queued > 0;
}

static void want_out(struct pd_server *s, struct pd_client *c, bool on)
{
	if (c->dead || c->want_out == on)
		return;
	c->want_out = on;
	ep_set(s, EPOLL_CTL_MOD, c->fd, (c->eof ? 0 : EPOLLIN | EPOLLRDHUP) | (on ? EPOLLOUT : 0),
	       c);
}

/* ---- subscribers ---- */

/* Drops not told yet, once it has caught up: a lost event, as watch writes it. */
static void sub_report(struct pd_server *s, struct pd_client *c)
{
	uint64_t n = pt_outq_report_due(c->q);
	struct pt_event ev = {.type = PT_EV_LOST};
	size_t len;
	char *line;

	if (!n)
		return;
	ev.time_us = real_us();
	ev.pid = ev.tid = -1;
	ev.tier = pt_monitor_tier(s->m);
	ev.u.lost.count = n;
	ev.u.lost.reason = "slow-reader";
	line = pt_json_event(&ev, &len);
	if (!line)
		return;
	line[len] = '\n'; /* over the NUL: the record is the line */
	pt_outq_push_report(c->q, line, len + 1, n);
	free(line);
}

/* {"done":"subscribe",...}: queued once, at stop. */
static void sub_done(struct pd_client *c)
{
	struct pt_outq_stats st;
	struct pd_buf b = {0};

	if (c->sub_done)
		return;
	pt_outq_stats(c->q, &st);
	pd_buf_printf(&b, "{\"done\":\"subscribe\",\"count\":%" PRIu64 ",\"lost\":%" PRIu64,
		      st.pushed, st.dropped);
	if (c->sub.id)
		pd_buf_printf(&b, ",\"id\":%s", c->sub.id);
	pd_buf_adds(&b, "}\n");
	if (!b.oom && pt_outq_push_report(c->q, b.p, b.len, 0) == 0)
		c->sub_done = true;
	pd_buf_free(&b);
}

/* The event's line, with its '\n', rendered once; NULL (logged) when it cannot be. */
static char *render(struct pd_server *s, const struct pt_event *ev, size_t *len)
{
	char *line = pt_json_event(ev, len);

	if (!line) {
		pd_log(PT_LOG_WARNING, "cannot render a %s event: %s", pt_event_name(ev->type),
		       strerror(errno));
		return NULL;
	}
	line[(*len)++] = '\n'; /* over the NUL: the record is the line */
	s->events_rendered++;
	return line;
}

/*
 * An alert: its line (with '\n') rendered once, to every sink and to each
 * subscriber whose events include "alert" (its filter selects events, not
 * alerts); a full queue drops it whole and counts it, as an event.
 */
static void on_alert(const struct rules_alert *a, void *data)
{
	struct pd_server *s = data;
	size_t len = a->json_len + 1;
	char *line = malloc(len);

	if (!line) {
		s->alert_render_failed++;
		pd_log(PT_LOG_WARNING, "cannot render an alert of rule %s: %s", a->rule,
		       strerror(errno));
		return;
	}
	memcpy(line, a->json, a->json_len);
	line[a->json_len] = '\n';
	for (size_t i = 0; i < s->nsinks; i++)
		pt_sink_push(s->sinks[i], line, len);
	for (struct pd_client *c = s->clients; c; c = c->next) {
		if (!c->q || c->dead || !(c->sub.events & PD_SUB_ALERT))
			continue;
		sub_report(s, c);
		pt_outq_push(c->q, line, len);
		c->flush = true;
	}
	free(line);
}

static void on_event(const struct pt_event *ev, void *data)
{
	struct pd_server *s = data;
	struct cli_filter_ev fe = {.x = s->cx, .m = s->m, .ev = ev};
	char *line = NULL;
	size_t len = 0;

	/* on the thread that dispatches (this one), never a reader's; each alert
	 * goes out before its exec, as Falco's come with the syscall */
	if (s->rules)
		rules_eval(s->rules, s->m, ev, on_alert, s);
	/* sink_filter, once for all the sinks: what it leaves out is counted as
	 * filtered, not lost (alert lines come by their own way and always go) */
	if (s->nsinks && !cli_filter_eval(s->sink_filter, &fe)) {
		for (size_t i = 0; i < s->nsinks; i++)
			pt_sink_skip(s->sinks[i]);
	} else if (s->nsinks) {
		/* each sink queues the event or counts its drop */
		line = render(s, ev, &len);
		if (!line) {
			s->sink_render_failed++;
			return;
		}
		for (size_t i = 0; i < s->nsinks; i++)
			pt_sink_push(s->sinks[i], line, len);
	}
	for (struct pd_client *c = s->clients; c; c = c->next) {
		if (!c->q || c->dead || !(c->sub.events & PT_EVMASK(ev->type)))
			continue;
		if (!cli_filter_eval(c->sub.filter, &fe))
			continue;
		if (c->sub.ancestors && cli_event_has_ancestors(ev)) {
			/* this subscriber's own line: the table's lineage, now */
			size_t alen = 0;
			char *a = cli_json_event_ancestors(s->m, ev, c->sub.ancestors, NULL, &alen);

			if (!a)
				continue;
			a[alen++] = '\n'; /* over the NUL */
			sub_report(s, c);
			pt_outq_push(c->q, a, alen);
			free(a);
			c->flush = true;
			continue;
		}
		/* rendered once, for every sink and subscriber that takes it */
		if (!line && !(line = render(s, ev, &len)))
			return;
		sub_report(s, c);
		/* a full queue drops the event whole and counts it: never waited for */
		pt_outq_push(c->q, line, len);
		c->flush = true;
	}
	free(line);
}

/* ---- clients: output ---- */

/* Write what is waiting, replies first, then queued events: until the socket
 * is full (EPOLLOUT then) or all is out. */
static void client_write(struct pd_server *s, struct pd_client *c)
{
	while (!c->dead && pd_buf_pending(&c->out)) {
		ssize_t n = send(c->fd, c->out.p + c->out.off, pd_buf_pending(&c->out),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			want_out(s, c, true);
			return;
		}
		if (n < 0) {
			client_close(s, c, errno == EPIPE ? "reader gone" : strerror(errno));
			return;
		}
		pd_buf_consumed(&c->out, (size_t)n);
	}
	while (!c->dead && c->q) {
		ssize_t n = pt_outq_write(c->q, c->fd, 0);

		if (n == -EAGAIN) {
			want_out(s, c, true);
			return;
		}
		if (n < 0) {
			client_close(s, c, n == -EPIPE ? "reader gone" : strerror((int)-n));
			return;
		}
		if (n == 0)
			break;
		/* room again: the drops are told as soon as there is */
		sub_report(s, c);
	}
	c->flush = false;
	if (c->dead)
		return;
	if (c->eof) {
		client_close(s, c, "end of input");
		return;
	}
	want_out(s, c, false);
	if (c->closing && !c->shut) {
		/* the error reply is out: no more from us; read until the client closes */
		shutdown(c->fd, SHUT_WR);
		c->shut = true;
	}
}

/* A reply was appended: send it, and drop a client that lets too much pile up. */
static void client_replied(struct pd_server *s, struct pd_client *c)
{
	if (c->out.oom || pd_buf_pending(&c->out) > s->c->reply_max) {
		s->dropped_clients++;
		pd_log(PT_LOG_WARNING,
		       "client %" PRIu64 " (pid %d): dropped, %zu bytes of replies unread "
		       "(reply_max %zu)",
		       c->id, (int)c->pid, pd_buf_pending(&c->out), s->c->reply_max);
		client_close(s, c, "reply_max");
		return;
	}
	client_write(s, c);
}

/* ---- clients: requests ---- */

static void status_daemon(struct pd_buf *out, void *data);

static void start_subscriber(struct pd_server *s, struct pd_client *c, struct pd_req *r)
{
	size_t cap = s->c->subscriber_queue;
	struct pd_buf b = {0};
	int rc;

	if (r->queue && r->queue < cap)
		cap = r->queue;
	if (cap < PT_OUTQ_MIN)
		cap = PT_OUTQ_MIN;
	rc = pt_outq_new(&c->q, cap);
	if (rc < 0) {
		pd_reply_error(&c->out, PD_E_INTERNAL, "cannot make a queue", r->id);
		s->errors++;
		client_replied(s, c);
		return;
	}
	c->sub = *r;
	*r = (struct pd_req){0};
	s->nsubs++;
	pd_subscribed_line(&b, &c->sub, cap);
	/* behind any reply still waiting in c->out: those go first */
	if (b.oom || pt_outq_push_report(c->q, b.p, b.len, 0) < 0)
		pd_log(PT_LOG_WARNING, "client %" PRIu64 ": cannot queue the subscribed line",
		       c->id);
	pd_buf_free(&b);
	pd_log(PT_LOG_INFO, "client %" PRIu64 " (pid %d uid %u): subscribed, queue %zu bytes",
	       c->id, (int)c->pid, (unsigned)c->uid, cap);
	client_write(s, c);
}

static void client_line(struct pd_server *s, struct pd_client *c, const char *line, size_t len)
{
	struct pd_ctx ctx = {.m = s->m, .status_daemon = status_daemon, .data = s};
	struct pd_req r;
	enum pd_err e;

	c->requests++;
	s->requests++;
	e = pd_handle_line(&ctx, line, len, &c->out, &r);
	if (e) {
		s->errors++;
		pd_log(PT_LOG_DEBUG, "client %" PRIu64 ": request answered with %s", c->id,
		       pd_err_code(e));
	} else if (r.cmd == PD_CMD_SUBSCRIBE) {
		start_subscriber(s, c, &r);
		pd_req_free(&r);
		return;
	}
	pd_req_free(&r);
	client_replied(s, c);
}

static void client_error_close(struct pd_server *s, struct pd_client *c, enum pd_err e,
			       const char *msg)
{
	s->errors++;
	pd_reply_error(&c->out, e, msg, NULL);
	c->closing = true;
	c->close_ms = mono_ms();
	pd_log(PT_LOG_INFO, "client %" PRIu64 " (pid %d): %s, closing", c->id, (int)c->pid, msg);
	client_write(s, c);
}

/* Take the complete lines from the input buffer. */
static void client_lines(struct pd_server *s, struct pd_client *c)
{
	size_t start = 0;

	while (!c->dead && !c->q && !c->closing && start < c->in_len) {
		char *nl = memchr(c->in + start, '\n', c->in_len - start);

		if (!nl)
			break;
		client_line(s, c, c->in + start, (size_t)(nl - (c->in + start)));
		start = (size_t)(nl - c->in) + 1;
	}
	if (c->dead)
		return;
	if (c->q || c->closing) {
		/* a subscriber's input, or what follows an error that closes: discarded */
		c->in_len = 0;
		return;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	if (c->in_len == c->in_cap) {
		char msg[96];

		snprintf(msg, sizeof(msg), "a request line longer than max_request (%zu bytes)",
			 c->in_cap);
		c->in_len = 0;
		client_error_close(s, c, PD_E_TOO_LARGE, msg);
	}
}

static void client_read(struct pd_server *s, struct pd_client *c)
{
	char sink[4096];

	for (int rounds = 0; !c->dead && rounds < 16; rounds++) {
		bool discard = c->q || c->closing;
		char *dst = discard ? sink : c->in + c->in_len;
		size_t room = discard ? sizeof(sink) : c->in_cap - c->in_len;
		ssize_t n;

		if (room > READ_CHUNK)
			room = READ_CHUNK;
		n = recv(c->fd, dst, room, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n == 0 && !c->q && !c->closing && pd_buf_pending(&c->out)) {
			/* shut for writing only (socat does): its replies go out first */
			c->eof = true;
			c->want_out = false;
			want_out(s, c, true);
			if (c->in_len)
				pd_log(PT_LOG_INFO,
				       "client %" PRIu64 ": closed in the middle of a request "
				       "(%zu bytes without a newline)",
				       c->id, c->in_len);
			return;
		}
		if (n <= 0) {
			if (n == 0 && c->in_len)
				pd_log(PT_LOG_INFO,
				       "client %" PRIu64 ": closed in the middle of a request "
				       "(%zu bytes without a newline)",
				       c->id, c->in_len);
			client_close(s, c, n == 0 ? "end of input" : strerror(errno));
			return;
		}
		c->last_ms = mono_ms();
		if (discard)
			continue;
		c->in_len += (size_t)n;
		client_lines(s, c);
	}
}

/* ---- accepting ---- */

static void refuse(struct pd_server *s, int fd, const char *why)
{
	struct pd_buf b = {0};

	s->refused++;
	pd_reply_error(&b, PD_E_BUSY, why, NULL);
	if (!b.oom && send(fd, b.p, b.len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		pd_log(PT_LOG_DEBUG, "busy reply not sent: %s", strerror(errno));
	pd_buf_free(&b);
	shutdown(fd, SHUT_WR);
	close(fd);
}

static void accept_clients(struct pd_server *s)
{
	for (;;) {
		struct ucred cred = {.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
		socklen_t clen = sizeof(cred);
		struct pd_client *c;
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOMEM ||
			    errno == ENOBUFS) {
				/* listen again at the next tick, not in a busy loop */
				pd_log(PT_LOG_WARNING, "cannot accept a client: %s",
				       strerror(errno));
				epoll_ctl(s->ep, EPOLL_CTL_DEL, s->lfd, NULL);
				s->listening = false;
			}
			return;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0)
			pd_log(PT_LOG_WARNING, "SO_PEERCRED: %s", strerror(errno));
		if (s->nclients >= s->c->max_clients) {
			char why[64];

			snprintf(why, sizeof(why), "max_clients (%u) reached", s->c->max_clients);
			pd_log(PT_LOG_WARNING, "client refused (pid %d uid %u gid %u): %s",
			       (int)cred.pid, (unsigned)cred.uid, (unsigned)cred.gid, why);
			refuse(s, fd, why);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c) {
			c->in_cap = s->c->max_request;
			c->in = malloc(c->in_cap);
		}
		if (!c || !c->in) {
			if (c)
				free(c);
			refuse(s, fd, "out of memory");
			continue;
		}
		c->fd = fd;
		c->id = ++s->next_id;
		c->pid = cred.pid;
		c->uid = cred.uid;
		c->gid = cred.gid;
		c->last_ms = mono_ms();
		if (ep_set(s, EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLRDHUP, c) < 0) {
			refuse(s, fd, "internal error");
			client_free(c);
			continue;
		}
		c->next = s->clients;
		if (s->clients)
			s->clients->prev = c;
		s->clients = c;
		s->nclients++;
		pd_log(PT_LOG_NOTICE, "client %" PRIu64 " connected: pid %d uid %u gid %u", c->id,
		       (int)cred.pid, (unsigned)cred.uid, (unsigned)cred.gid);
	}
}

/* ---- status ---- */

static void kv_str(struct pd_buf *b, const char *key, const char *v)
{
	pd_buf_printf(b, ",\"%s\":", key);
	if (v)
		pd_buf_json_str(b, v, strlen(v));
	else
		pd_buf_adds(b, "null");
}

/* The rules: what is loaded, and what evaluating them did and cost (since the start). */
static void status_rules(const struct pd_server *s, struct pd_buf *out)
{
	struct rules_stats st = {0};
	size_t loaded = 0, skipped = 0;

	if (s->rules) {
		rules_get_stats(s->rules, &st);
		loaded = rules_loaded(s->rules);
		for (size_t i = 0; i < rules_count(s->rules); i++) {
			struct rules_info info;

			if (rules_info(s->rules, i, &info) == 0 && info.state == RULES_SKIPPED)
				skipped++;
		}
	}
	pd_buf_printf(out,
		      ",\"rules\":{\"loaded\":%zu,\"skipped\":%zu,\"evaluated\":%" PRIu64
		      ",\"alerts\":%" PRIu64 ",\"eval_ns\":%" PRIu64 ",\"alerts_lost\":%" PRIu64
		      "}",
		      loaded, skipped, st.evaluated + s->rules_before.evaluated,
		      st.alerts + s->rules_before.alerts, st.eval_ns + s->rules_before.eval_ns,
		      s->alert_render_failed);
}

static void status_daemon(struct pd_buf *out, void *data)
{
	struct pd_server *s = data;
	const struct pd_conf *c = s->c;
	uint64_t lost = s->sub_lost_closed;
	bool first = true;

	pd_buf_printf(out,
		      ",\"daemon\":{\"pid\":%d,\"version\":\"%s\",\"protocol\":%d,"
		      "\"uptime_s\":%" PRId64 ",\"clients\":%u,\"subscribers\":%u,"
		      "\"max_clients\":%u",
		      (int)getpid(), pt_version(), PD_PROTOCOL_VERSION,
		      (mono_ms() - s->start_ms) / 1000, s->nclients, s->nsubs, c->max_clients);
	pd_buf_adds(out, ",\"subscriber_list\":[");
	for (struct pd_client *k = s->clients; k; k = k->next) {
		struct pt_outq_stats st;

		if (!k->q)
			continue;
		pt_outq_stats(k->q, &st);
		lost += st.dropped;
		pd_buf_printf(out,
			      "%s{\"client\":%" PRIu64 ",\"pid\":%d,\"uid\":%u,\"queue\":%zu,"
			      "\"queued_bytes\":%zu,\"events\":%" PRIu64 ",\"written\":%" PRIu64
			      ",\"lost_slow_reader\":%" PRIu64 ",\"reported\":%" PRIu64 "}",
			      first ? "" : ",", k->id, (int)k->pid, (unsigned)k->uid, st.cap,
			      st.used, st.pushed, st.written, st.dropped, st.reported);
		first = false;
	}
	pd_buf_printf(out,
		      "],\"lost_slow_reader\":%" PRIu64 ",\"requests\":%" PRIu64
		      ",\"errors\":%" PRIu64 ",\"refused\":%" PRIu64
		      ",\"dropped_clients\":%" PRIu64,
		      lost, s->requests, s->errors, s->refused, s->dropped_clients);
	pd_buf_adds(out, ",\"config\":{\"tier\":");
	pd_buf_printf(out, "\"%s\"", pt_tier_name(c->tier));
	kv_str(out, "socket", c->socket_path);
	kv_str(out, "socket_group", c->socket_group);
	pd_buf_printf(out, ",\"socket_mode\":\"%04o\"", c->socket_mode);
	kv_str(out, "state_dir", c->state_dir);
	kv_str(out, "user", c->user);
	pd_buf_printf(out,
		      ",\"retention_ms\":%" PRId64 ",\"memory_max\":%zu,\"max_request\":%zu,"
		      "\"client_idle_timeout_ms\":%" PRId64
		      ",\"subscriber_queue\":%zu,\"reply_max\":%zu}}",
		      c->retention_ms, c->mem_max, c->max_request, c->client_idle_ms,
		      c->subscriber_queue, c->reply_max);
	/* each sink's state, backlog, rows written, drops and last error */
	pd_buf_adds(out, ",\"sinks\":[");
	for (size_t i = 0; i < s->nsinks; i++) {
		size_t len = 0;
		char *j = pt_sink_status_json(s->sinks[i], &len);

		if (i)
			pd_buf_adds(out, ",");
		if (j)
			pd_buf_add(out, j, len);
		else
			pd_buf_adds(out, "null");
		free(j);
	}
	pd_buf_adds(out, "]");
	status_rules(s, out);
}

/* Every sink's drops: queue full, failed writes, a full spool. */
static uint64_t sink_drops(const struct pd_server *s)
{
	uint64_t n = s->sink_render_failed;

	for (size_t i = 0; i < s->nsinks; i++) {
		struct pt_sink_status st;

		pt_sink_status(s->sinks[i], &st);
		n += st.dropped;
	}
	return n;
}

static void notify_status(struct pd_server *s)
{
	struct pt_status st;

	if (pt_monitor_status(s->m, &st) < 0)
		return;
	pd_notify("STATUS=tier %s, %" PRIu64 " alive, %" PRIu64 " exited, %u clients, %u "
		  "subscribers, %" PRIu64 " lost, %zu sinks, %" PRIu64 " sink drops",
		  pt_tier_name(st.tier), st.alive, st.exited, s->nclients, s->nsubs, st.lost,
		  s->nsinks, sink_drops(s));
	s->last_notify_ms = mono_ms();
}

/* ---- the timer ---- */

static void tick(struct pd_server *s)
{
	uint64_t n;
	int64_t now = mono_ms();

	if (read(s->tfd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		pd_log(PT_LOG_DEBUG, "timerfd: %s", strerror(errno));
	if (!s->listening && s->lfd >= 0 &&
	    ep_set(s, EPOLL_CTL_ADD, s->lfd, EPOLLIN, &tag_listen) == 0)
		s->listening = true;
	for (struct pd_client *c = s->clients, *next; c; c = next) {
		next = c->next;
		if (c->closing) {
			if (now - c->close_ms >= CLOSE_LINGER_MS)
				client_close(s, c, "closing");
			continue;
		}
		if (c->q || s->c->client_idle_ms <= 0 || now - c->last_ms < s->c->client_idle_ms)
			continue;
		if (pd_buf_pending(&c->out)) {
			/* not reading its replies either: no error line can reach it */
			client_close(s, c, "idle with replies unread");
			continue;
		}
		client_error_close(s, c, PD_E_IDLE, "closed after client_idle_timeout");
	}
	if (now - s->last_notify_ms >= NOTIFY_EVERY_S * 1000)
		notify_status(s);
}

/* ---- signals ---- */

static void reload(struct pd_server *s)
{
	struct pd_conf *next;

	pd_notify("RELOADING=1");
	pd_log(PT_LOG_NOTICE, "SIGHUP: reloading the configuration");
	next = calloc(1, sizeof(*next));
	if (next && s->hooks.reload && s->hooks.reload(s->c, next, s->hooks.data) == 0)
		pd_server_reconf(s, next);
	else
		free(next);
	/* whatever the file said: an external logrotate moved the files away */
	for (size_t i = 0; i < s->nsinks; i++)
		pt_sink_reopen(s->sinks[i]);
	if (s->nsinks)
		pd_log(PT_LOG_NOTICE, "SIGHUP: reopening %zu sink(s)", s->nsinks);
	notify_status(s);
	pd_notify("READY=1");
}

static void on_signal(struct pd_server *s)
{
	struct signalfd_siginfo si;

	while (read(s->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload(s);
		} else {
			pd_log(PT_LOG_NOTICE, "%s from pid %u: stopping",
			       si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT", si.ssi_pid);
			s->stop = true;
		}
	}
}

/* ---- the server ---- */

int pd_server_attach(struct pd_server *s, struct pt_monitor *m)
{
	int r;

	if (s->m)
		return -EBUSY;
	if (pt_monitor_fd(m) >= 0 &&
	    (r = ep_set(s, EPOLL_CTL_ADD, pt_monitor_fd(m), EPOLLIN, &tag_monitor)) < 0)
		return r;
	r = pt_monitor_subscribe(m, on_event, s);
	if (r < 0) {
		if (pt_monitor_fd(m) >= 0)
			epoll_ctl(s->ep, EPOLL_CTL_DEL, pt_monitor_fd(m), NULL);
		return r;
	}
	s->m = m;
	return 0;
}

int pd_server_new(struct pd_server **out, const struct pd_conf *c, struct pt_monitor *m,
		  const struct pd_hooks *hooks)
{
	struct itimerspec its = {.it_interval = {TICK_MS / 1000, (TICK_MS % 1000) * 1000000},
				 .it_value = {TICK_MS / 1000, (TICK_MS % 1000) * 1000000}};
	struct pd_server *s = calloc(1, sizeof(*s));
	sigset_t mask;
	int r;

	if (!s)
		return -ENOMEM;
	s->c = c;
	if (hooks)
		s->hooks = *hooks;
	s->lfd = s->sfd = s->tfd = -1;
	s->start_ms = s->last_notify_ms = mono_ms();
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (s->ep < 0)
		goto fail;
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		goto fail;
	/* a client that went away is an error of one write, never a signal */
	signal(SIGPIPE, SIG_IGN);
	s->sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sfd < 0)
		goto fail;
	s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->tfd < 0 || timerfd_settime(s->tfd, 0, &its, NULL) < 0)
		goto fail;
	if ((r = ep_set(s, EPOLL_CTL_ADD, s->sfd, EPOLLIN, &tag_signal)) < 0 ||
	    (r = ep_set(s, EPOLL_CTL_ADD, s->tfd, EPOLLIN, &tag_timer)) < 0)
		goto fail_r;
	if (m && (r = pd_server_attach(s, m)) < 0)
		goto fail_r;
	/* NULL (out of memory) is fine: each filter then reads its own fields */
	s->cx = pt_cond_ctx_new();
	*out = s;
	return 0;
fail:
	r = -errno;
fail_r:
	pd_log(PT_LOG_ERR, "cannot set up the event loop: %s", strerror(-r));
	pd_server_free(s);
	return r;
}

/* Make the socket's directory, 0755, and its parents. */
static int make_dirs(const char *path)
{
	char *d = strdup(path), *slash;
	int r = 0;

	if (!d)
		return -ENOMEM;
	slash = strrchr(d, '/');
	if (!slash || slash == d)
		goto out;
	*slash = '\0';
	for (char *p = d + 1; r == 0; p++) {
		bool end = *p == '\0';

		if (*p != '/' && !end)
			continue;
		*p = '\0';
		if (mkdir(d, 0755) < 0 && errno != EEXIST)
			r = -errno;
		if (end)
			break;
		*p = '/';
	}
out:
	free(d);
	return r;
}

/* An existing file at the path: another daemon (refuse), a stale socket
 * (removed), or something else (refuse: never remove what is not ours). */
static int check_existing(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		pd_log(PT_LOG_ERR, "%s exists and is not a socket", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (r == 0) {
		pd_log(PT_LOG_ERR, "another proctraild answers on %s", path);
		return -EADDRINUSE;
	}
	if (errno != ECONNREFUSED) {
		pd_log(PT_LOG_ERR, "cannot tell whether a daemon answers on %s: %s", path,
		       strerror(errno));
		return -errno;
	}
	pd_log(PT_LOG_NOTICE, "removing the stale socket %s", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static gid_t socket_gid(const char *name)
{
	struct group gr, *res = NULL;
	char buf[4096];
	int r;

	if (!name || !*name)
		return (gid_t)-1;
	r = getgrnam_r(name, &gr, buf, sizeof(buf), &res);
	if (r != 0 || !res) {
		pd_log(PT_LOG_WARNING,
		       "socket_group %s: %s; the socket keeps the daemon's group (gid %u)", name,
		       r ? strerror(r) : "no such group", (unsigned)getegid());
		return (gid_t)-1;
	}
	return res->gr_gid;
}

int pd_server_listen(struct pd_server *s)
{
	const char *path = s->c->socket_path;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	mode_t old;
	gid_t gid;
	int r;

	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path)) {
		pd_log(PT_LOG_ERR, "socket path %s", path && *path ? "too long" : "empty");
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path));
	r = make_dirs(path);
	if (r < 0) {
		pd_log(PT_LOG_ERR, "cannot make the directory of %s: %s", path, strerror(-r));
		return r;
	}
	r = check_existing(path, &sa);
	if (r < 0)
		return r;
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		goto fail;
	/* created private, opened to the group only once it has its group */
	old = umask(0177);
	r = bind(s->lfd, (const struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		goto fail;
	s->bound = true;
	s->path = strdup(path);
	if (!s->path)
		goto fail;
	gid = socket_gid(s->c->socket_group);
	if (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) < 0)
		pd_log(PT_LOG_WARNING, "cannot give %s to group %s: %s", path, s->c->socket_group,
		       strerror(errno));
	if (chmod(path, s->c->socket_mode & 07777) < 0)
		goto fail;
	if (listen(s->lfd, SOMAXCONN) < 0)
		goto fail;
	r = ep_set(s, EPOLL_CTL_ADD, s->lfd, EPOLLIN, &tag_listen);
	if (r < 0)
		return r;
	s->listening = true;
	pd_log(PT_LOG_NOTICE, "listening on %s (mode %04o, group %s)", path, s->c->socket_mode,
	       gid != (gid_t)-1 ? s->c->socket_group : "the daemon's");
	return 0;
fail:
	r = -errno;
	pd_log(PT_LOG_ERR, "cannot listen on %s: %s", path, strerror(-r));
	return r;
}

static void dispatch_monitor(struct pd_server *s)
{
	int r = pt_monitor_dispatch(s->m);

	if (r < 0 && r != -EAGAIN && r != -EINTR) {
		pd_log(PT_LOG_ERR, "monitor: %s", strerror(-r));
		s->fatal = r;
		s->stop = true;
	}
	/* what the events queued goes out now, to every subscriber that can take it */
	for (struct pd_client *c = s->clients, *next; c; c = next) {
		next = c->next;
		if (c->flush && !c->want_out)
			client_write(s, c);
	}
}

int pd_server_run(struct pd_server *s)
{
	struct epoll_event evs[64];

	if (!s->m)
		return -EINVAL;
	notify_status(s);
	while (!s->stop) {
		int n = epoll_wait(s->ep, evs, 64, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pd_log(PT_LOG_ERR, "epoll_wait: %s", strerror(errno));
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			void *tag = evs[i].data.ptr;
			struct pd_client *c = tag;

			if (tag == &tag_monitor) {
				dispatch_monitor(s);
			} else if (tag == &tag_listen) {
				accept_clients(s);
			} else if (tag == &tag_signal) {
				on_signal(s);
			} else if (tag == &tag_timer) {
				tick(s);
			} else if (!c->dead) {
				if (evs[i].events & EPOLLOUT)
					client_write(s, c);
				if (!c->dead &&
				    evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP | EPOLLERR))
					client_read(s, c);
			}
		}
		bury(s);
	}
	return s->fatal;
}

void pd_server_reconf(struct pd_server *s, const struct pd_conf *c)
{
	int r = pt_monitor_set_limits(s->m, c->retention_ms, c->mem_max);

	if (r < 0)
		pd_log(PT_LOG_WARNING, "retention and memory_max not applied: %s", strerror(-r));
	s->c = c;
	if (s->owned && s->owned != c) {
		pd_conf_free(s->owned);
		free(s->owned);
	}
	s->owned = (struct pd_conf *)c;
	pd_log(PT_LOG_NOTICE,
	       "configuration reloaded: retention %" PRId64 " ms, memory_max %zu, max_clients "
	       "%u, max_request %zu, client_idle_timeout %" PRId64 " ms, subscriber_queue "
	       "%zu, reply_max %zu",
	       c->retention_ms, c->mem_max, c->max_clients, c->max_request, c->client_idle_ms,
	       c->subscriber_queue, c->reply_max);
}

/* At stop: the final line to every subscriber, and a bounded wait for them to take it. */
static void stop_subscribers(struct pd_server *s)
{
	int64_t deadline = mono_ms() + STOP_FLUSH_MS;

	for (;;) {
		bool waiting = false;
		int64_t left;

		for (struct pd_client *c = s->clients, *next; c; c = next) {
			next = c->next;
			if (!c->q)
				continue;
			sub_report(s, c);
			sub_done(c);
			client_write(s, c);
			if (!c->dead && (client_pending(c) || !c->sub_done))
				waiting = true;
		}
		bury(s);
		left = deadline - mono_ms();
		if (!waiting || left <= 0)
			break;
		{
			struct epoll_event evs[64];
			int n = epoll_wait(s->ep, evs, 64, (int)(left > 100 ? 100 : left));

			for (int i = 0; i < n; i++) {
				struct pd_client *c = evs[i].data.ptr;

				if (c == (void *)&tag_monitor || c == (void *)&tag_listen ||
				    c == (void *)&tag_signal || c == (void *)&tag_timer || c->dead)
					continue;
				if (evs[i].events & (EPOLLHUP | EPOLLERR))
					client_close(s, c, "gone at stop");
			}
			bury(s);
		}
	}
}

void pd_server_set_rules(struct pd_server *s, struct rules *rs)
{
	struct rules_stats st;

	if (s->rules) {
		rules_get_stats(s->rules, &st);
		s->rules_before.evaluated += st.evaluated;
		s->rules_before.alerts += st.alerts;
		s->rules_before.eval_ns += st.eval_ns;
		rules_free(s->rules);
	}
	s->rules = rs;
}

void pd_server_set_sink_filter(struct pd_server *s, struct cli_filter *filter)
{
	if (!s->nsinks) {
		cli_filter_free(filter);
		filter = NULL;
	}
	cli_filter_free(s->sink_filter);
	s->sink_filter = filter;
}

void pd_server_set_sinks(struct pd_server *s, struct pt_sink **sinks, size_t n,
			 struct cli_filter *filter)
{
	s->sinks = sinks;
	s->nsinks = n;
	s->sink_filter = filter;
}

/*
 * At stop, after the subscribers: every sink writes what is queued, all at once
 * and within one bound (SINK_DRAIN_MS), then closes; what is left is counted.
 */
static void close_sinks(struct pd_server *s)
{
	int64_t deadline = mono_ms() + SINK_DRAIN_MS;

	for (size_t i = 0; i < s->nsinks; i++)
		pt_sink_drain(s->sinks[i], 0, NULL);
	for (size_t i = 0; i < s->nsinks; i++) {
		int64_t left = deadline - mono_ms();
		struct pt_sink_status st;
		char *target;

		if (pt_sink_drain(s->sinks[i], left > 0 ? (int)left : 0, NULL) == -ETIMEDOUT)
			pd_log(PT_LOG_WARNING, "a sink did not write its queue within %d ms",
			       SINK_DRAIN_MS);
		/* the status's target is the sink's memory: copied before it goes */
		pt_sink_status(s->sinks[i], &st);
		target = strdup(st.target ? st.target : "?");
		left = deadline - mono_ms();
		pt_sink_close(s->sinks[i], left > 0 ? (int)left : 0, &st);
		pd_log(st.dropped ? PT_LOG_WARNING : PT_LOG_NOTICE,
		       "sink %s %s closed: %" PRIu64 " written, %" PRIu64 " dropped (%" PRIu64
		       " reported), %" PRIu64 " errors%s%s",
		       pt_sink_type_name(st.type), target ? target : "?", st.written, st.dropped,
		       st.reported, st.errors, st.last_error[0] ? "; last: " : "", st.last_error);
		free(target);
	}
	free(s->sinks);
	s->sinks = NULL;
	s->nsinks = 0;
	cli_filter_free(s->sink_filter);
	s->sink_filter = NULL;
}

void pd_server_free(struct pd_server *s)
{
	if (!s)
		return;
	if (s->ep >= 0 && s->m) {
		/* no more events, no more clients: they are told, then closed */
		if (pt_monitor_fd(s->m) >= 0)
			epoll_ctl(s->ep, EPOLL_CTL_DEL, pt_monitor_fd(s->m), NULL);
		if (s->lfd >= 0)
			epoll_ctl(s->ep, EPOLL_CTL_DEL, s->lfd, NULL);
		stop_subscribers(s);
	}
	while (s->clients)
		client_close(s, s->clients, "daemon stopping");
	bury(s);
	close_sinks(s);
	rules_free(s->rules);
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->bound && s->path && unlink(s->path) < 0)
		pd_log(PT_LOG_WARNING, "cannot remove %s: %s", s->path, strerror(errno));
	free(s->path);
	if (s->sfd >= 0)
		close(s->sfd);
	if (s->tfd >= 0)
		close(s->tfd);
	if (s->ep >= 0)
		close(s->ep);
	if (s->owned) {
		pd_conf_free(s->owned);
		free(s->owned);
	}
	pt_cond_ctx_free(s->cx);
	free(s);
}
