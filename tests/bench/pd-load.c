/* pd-load: load and latency probes for proctraild's query socket (protocol 1, proctraild(8)).
 *
 *   pd-load [-s SOCKET] sub  [-n N] [-S M] [-e EVENTS] [-Q BYTES] [-t TAG -x N] [-d SECS]
 *   pd-load [-s SOCKET] show [-d SECS] [-i USEC] [-P PIDFILE]
 *   pd-load [-s SOCKET] ps   [-r R] [-f FIELDS] [-a STATE] [-t TAG -x N]
 *   pd-load [-s SOCKET] req  JSON
 *
 * sub:  N subscribers that read, M that subscribe and never read; per subscriber the events,
 *       bytes, exec events, distinct TAG-i tags in exec argv, and the lost events and their
 *       counts. Stops on SIGINT/SIGTERM, after -d SECS, or once every reader saw the N tags
 *       of -x. The stalled ones are then read for up to 2 s, to see their `lost` event.
 * show: one show request at a time for a random live pid (from /proc, refreshed every 100 ms,
 *       or from PIDFILE), for -d SECS; latency from the write to the final line, p50/p99/max.
 * ps:   R ps requests, each on a new connection as a client makes it: time, records, bytes.
 * req:  send one request line and copy the reply lines to stdout (for status, version).
 *
 * Everything but req prints one JSON line on stdout at the end. Readiness (sub: every
 * subscription acknowledged) is "pd-load: ready" on stderr. Exit status 0, 1 on a failure
 * (connect, an error reply, a closed stream), 2 on usage errors.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_SOCKET "/run/proctrail/proctraild.sock"
#define LINE_MAX_BYTES (64u << 20)

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pd-load: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (!q)
		die("%s", "out of memory");
	return q;
}

static int parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int connect_socket(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		die("socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "pd-load: connect %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("write to the daemon: %s", n < 0 ? strerror(errno) : "short write");
		buf += n;
		len -= (size_t)n;
	}
}

/* ---- line reader ------------------------------------------------------------------------ */

struct reader {
	int fd;
	char *buf;
	size_t len, cap;
	bool eof;
};

static void reader_init(struct reader *r, int fd)
{
	r->fd = fd;
	r->cap = 256 * 1024;
	r->buf = xrealloc(NULL, r->cap + 1);
	r->len = 0;
	r->eof = false;
}

/* One read(); -EAGAIN when nothing is there, 0 on EOF, else bytes read. */
static ssize_t reader_fill(struct reader *r)
{
	ssize_t n;

	if (r->len == r->cap) {
		if (r->cap >= LINE_MAX_BYTES)
			die("%s", "a reply line longer than 64 MiB");
		r->cap *= 2;
		r->buf = xrealloc(r->buf, r->cap + 1);
	}
	do
		n = read(r->fd, r->buf + r->len, r->cap - r->len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? -EAGAIN : -errno;
	if (n == 0)
		r->eof = true;
	r->len += (size_t)n;
	return n;
}

/* Call fn for every complete line (NUL-terminated in place, without its newline). */
static void reader_lines(struct reader *r, void (*fn)(void *data, char *line, size_t len),
			 void *data)
{
	size_t off = 0;
	char *nl;

	while ((nl = memchr(r->buf + off, '\n', r->len - off))) {
		*nl = '\0';
		fn(data, r->buf + off, (size_t)(nl - (r->buf + off)));
		off = (size_t)(nl - r->buf) + 1;
	}
	memmove(r->buf, r->buf + off, r->len - off);
	r->len -= off;
}

static bool starts(const char *line, const char *prefix)
{
	return strncmp(line, prefix, strlen(prefix)) == 0;
}

/* A final line: {"done":...} or {"error":...}. */
static bool is_final(const char *line)
{
	return starts(line, "{\"done\"") || starts(line, "{\"error\"");
}

/* ---- tags --------------------------------------------------------------------------------- */

struct tags {
	const char *tag; /* NULL: not counted */
	size_t taglen;
	unsigned long n, seen;
	unsigned char *bits;
};

static void tags_init(struct tags *t, const char *tag, unsigned long n)
{
	memset(t, 0, sizeof(*t));
	if (!tag || !n)
		return;
	t->tag = tag;
	t->taglen = strlen(tag);
	t->n = n;
	t->bits = xrealloc(NULL, n / 8 + 1);
	memset(t->bits, 0, n / 8 + 1);
}

/* Count every distinct "TAG-i" JSON string (i < n) in line. */
static void tags_scan(struct tags *t, const char *line)
{
	const char *p = line;

	if (!t->tag)
		return;
	while ((p = strchr(p, '"'))) {
		unsigned long i = 0;
		const char *q = p + 1;

		p++;
		if (strncmp(q, t->tag, t->taglen) || q[t->taglen] != '-')
			continue;
		q += t->taglen + 1;
		if (*q < '0' || *q > '9')
			continue;
		while (*q >= '0' && *q <= '9' && i < t->n)
			i = i * 10 + (unsigned long)(*q++ - '0');
		if (*q != '"' || i >= t->n)
			continue;
		if (!(t->bits[i / 8] & (1u << (i % 8)))) {
			t->bits[i / 8] |= (unsigned char)(1u << (i % 8));
			t->seen++;
		}
	}
}

/* ---- sub ---------------------------------------------------------------------------------- */

struct sub {
	struct reader r;
	bool stalled, subscribed, failed, done;
	uint64_t events, bytes, execs, lost_events, lost_count;
	double first, last;
	struct tags tags;
	char error[160];
};

static uint64_t json_u64_after(const char *line, const char *member)
{
	const char *p = strstr(line, member);

	return p ? strtoull(p + strlen(member), NULL, 10) : 0;
}

static void sub_line(void *data, char *line, size_t len)
{
	struct sub *s = data;
	double t = now_s();

	s->bytes += len + 1;
	if (starts(line, "{\"event\":\"")) {
		const char *name = line + strlen("{\"event\":\"");

		if (!s->events)
			s->first = t;
		s->last = t;
		s->events++;
		if (starts(name, "exec\"")) {
			s->execs++;
			tags_scan(&s->tags, line);
		} else if (starts(name, "lost\"")) {
			s->lost_events++;
			s->lost_count += json_u64_after(line, "\"count\":");
		}
	} else if (starts(line, "{\"subscribed\"")) {
		s->subscribed = true;
	} else if (starts(line, "{\"done\"")) {
		s->done = true;
	} else if (starts(line, "{\"error\"")) {
		s->failed = true;
		snprintf(s->error, sizeof(s->error), "%.150s", line);
	}
}

/* Read a stalled subscriber's acknowledgement, and nothing after it (MSG_PEEK). */
static void sub_read_ack(struct sub *s)
{
	char buf[4096];
	double deadline = now_s() + 10;

	for (;;) {
		struct pollfd p = {.fd = s->r.fd, .events = POLLIN};
		ssize_t n;
		char *nl;

		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (stop_flag || now_s() > deadline)
			die("%s", "no reply to subscribe");
		n = recv(s->r.fd, buf, sizeof(buf) - 1, MSG_PEEK | MSG_DONTWAIT);
		if (n == 0)
			die("%s", "the daemon closed a stalled subscriber's connection");
		if (n < 0)
			continue;
		buf[n] = '\0';
		nl = memchr(buf, '\n', (size_t)n);
		if (!nl)
			continue;
		n = recv(s->r.fd, buf, (size_t)(nl - buf) + 1, 0);
		if (n <= 0)
			die("%s", "recv failed");
		buf[n - 1] = '\0';
		sub_line(s, buf, (size_t)n - 1);
		if (!s->subscribed)
			die("subscribe refused: %s", buf);
		return;
	}
}

static void print_sub(const struct sub *s, unsigned i, bool last)
{
	double span = s->last - s->first;

	printf("{\"i\":%u,\"stalled\":%s,\"events\":%" PRIu64 ",\"bytes\":%" PRIu64
	       ",\"execs\":%" PRIu64 ",\"tags\":%lu,\"lost_events\":%" PRIu64
	       ",\"lost_count\":%" PRIu64 ",\"span_s\":%.3f,\"events_per_s\":%.0f"
	       ",\"bytes_per_s\":%.0f,\"closed\":%s,\"error\":%s%s%s}%s",
	       i, s->stalled ? "true" : "false", s->events, s->bytes, s->execs, s->tags.seen,
	       s->lost_events, s->lost_count, span > 0 ? span : 0,
	       span > 0 ? (double)s->events / span : 0, span > 0 ? (double)s->bytes / span : 0,
	       s->r.eof ? "true" : "false", s->failed ? "\"" : "",
	       s->failed ? "see stderr" : "null", s->failed ? "\"" : "", last ? "" : ",");
}

struct opts {
	const char *socket;
	unsigned long readers, stalled, duration_s, tag_n, interval_us, reps, queue;
	const char *events, *tag, *pidfile, *fields, *state;
};

static int run_sub(const struct opts *o)
{
	unsigned long total = o->readers + o->stalled;
	struct sub *subs = xrealloc(NULL, total * sizeof(*subs));
	char req[512];
	int ep, rc = 0;
	double t0, deadline, span_first = 0, span_last = 0;
	uint64_t all_events = 0;
	unsigned i, pending;

	memset(subs, 0, total * sizeof(*subs));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll: %s", strerror(errno));
	for (i = 0; i < total; i++) {
		struct sub *s = &subs[i];
		int fd = connect_socket(o->socket);
		int len;

		s->stalled = i >= o->readers;
		reader_init(&s->r, fd);
		tags_init(&s->tags, o->tag, o->tag_n);
		if (s->stalled && o->queue)
			len = snprintf(req, sizeof(req),
				       "{\"cmd\":\"subscribe\",\"events\":\"%s\",\"queue\":%lu}\n",
				       o->events, o->queue);
		else
			len = snprintf(req, sizeof(req),
				       "{\"cmd\":\"subscribe\",\"events\":\"%s\"}\n", o->events);
		if (len < 0 || (size_t)len >= sizeof(req))
			die("%s", "events list too long");
		write_all(fd, req, (size_t)len);
		if (s->stalled) {
			sub_read_ack(s);
			continue;
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd,
			      &(struct epoll_event){.events = EPOLLIN, .data.u32 = i}) < 0)
			die("epoll_ctl: %s", strerror(errno));
	}

	/* wait for every reader's acknowledgement, then say so */
	t0 = now_s();
	deadline = o->duration_s ? t0 + (double)o->duration_s : 0;
	for (bool ready = false;;) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, 100);

		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (int k = 0; k < n; k++) {
			struct sub *s = &subs[evs[k].data.u32];
			ssize_t got;

			while ((got = reader_fill(&s->r)) > 0)
				reader_lines(&s->r, sub_line, s);
			if (got == 0 || (got < 0 && got != -EAGAIN)) {
				epoll_ctl(ep, EPOLL_CTL_DEL, s->r.fd, NULL);
				if (!s->done)
					s->failed = true;
			}
			if (s->failed && s->error[0]) {
				fprintf(stderr, "pd-load: subscriber %u: %s\n", evs[k].data.u32,
					s->error);
				s->error[0] = '\0';
			}
		}
		pending = 0;
		for (i = 0; i < o->readers; i++) {
			if (!subs[i].subscribed && !subs[i].failed)
				pending++;
		}
		if (!ready && !pending) {
			ready = true;
			fprintf(stderr, "pd-load: ready\n");
		}
		if (stop_flag || (deadline && now_s() > deadline))
			break;
		if (!ready && now_s() > t0 + 10)
			die("%s", "no acknowledgement of subscribe within 10 s");
		if (o->tag && ready) {
			bool all = true;

			for (i = 0; i < o->readers; i++)
				all = all && (subs[i].tags.seen == o->tag_n || subs[i].failed);
			if (all)
				break;
		}
		for (i = 0; i < o->readers; i++) {
			if (subs[i].failed)
				break;
		}
		if (o->readers && i < o->readers && !o->tag)
			break;
	}

	/* the stalled ones: read what is queued for up to 2 s, to see their lost events */
	for (i = (unsigned)o->readers; i < total; i++) {
		struct sub *s = &subs[i];
		double end = now_s() + 2;

		fcntl(s->r.fd, F_SETFL, fcntl(s->r.fd, F_GETFL) | O_NONBLOCK);
		while (now_s() < end && !s->r.eof && !s->lost_events) {
			struct pollfd p = {.fd = s->r.fd, .events = POLLIN};
			ssize_t got;

			if (poll(&p, 1, 100) <= 0)
				continue;
			while ((got = reader_fill(&s->r)) > 0)
				reader_lines(&s->r, sub_line, s);
		}
	}

	for (i = 0; i < o->readers; i++) {
		struct sub *s = &subs[i];

		if (s->failed)
			rc = 1;
		all_events += s->events;
		if (s->events && (!span_first || s->first < span_first))
			span_first = s->first;
		if (s->events && s->last > span_last)
			span_last = s->last;
	}
	printf("{\"mode\":\"sub\",\"readers\":%lu,\"stalled\":%lu,\"events\":\"%s\","
	       "\"elapsed_s\":%.3f,\"events_delivered\":%" PRIu64
	       ",\"events_per_s\":%.0f,\"subs\":[",
	       o->readers, o->stalled, o->events, now_s() - t0, all_events,
	       span_last > span_first ? (double)all_events / (span_last - span_first) : 0);
	for (i = 0; i < total; i++)
		print_sub(&subs[i], i, i + 1 == total);
	printf("]}\n");
	for (i = 0; i < total; i++) {
		close(subs[i].r.fd);
		free(subs[i].r.buf);
		free(subs[i].tags.bits);
	}
	free(subs);
	close(ep);
	return rc;
}

/* ---- one request, blocking ---------------------------------------------------------------- */

struct reply {
	uint64_t records, bytes;
	bool final, error;
	char error_code[64];
	struct tags *tags;
	FILE *copy;
};

static void reply_line(void *data, char *line, size_t len)
{
	struct reply *r = data;

	if (r->copy)
		fprintf(r->copy, "%s\n", line);
	r->bytes += len + 1;
	if (is_final(line)) {
		r->final = true;
		if (starts(line, "{\"error\"")) {
			const char *c = strstr(line, "\"code\":\"");

			r->error = true;
			snprintf(r->error_code, sizeof(r->error_code), "%s",
				 c ? c + strlen("\"code\":\"") : "?");
			r->error_code[strcspn(r->error_code, "\"")] = '\0';
		}
		return;
	}
	r->records++;
	if (r->tags)
		tags_scan(r->tags, line);
}

/* Send req (with its newline) and read the reply up to its final line: 0, or -errno. */
static int request(struct reader *rd, const char *req, struct reply *rep)
{
	write_all(rd->fd, req, strlen(req));
	while (!rep->final) {
		ssize_t n = reader_fill(rd);

		if (n == 0)
			return -ECONNRESET;
		if (n < 0)
			return (int)n;
		reader_lines(rd, reply_line, rep);
	}
	return 0;
}

/* ---- show --------------------------------------------------------------------------------- */

struct pids {
	int *v;
	size_t n, cap;
};

static void pids_add(struct pids *p, int pid)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 4096;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	p->v[p->n++] = pid;
}

static void pids_from_proc(struct pids *p)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	p->n = 0;
	if (!d)
		die("/proc: %s", strerror(errno));
	while ((e = readdir(d))) {
		unsigned long v;

		if (parse_ulong(e->d_name, 1, INT32_MAX, &v) == 0)
			pids_add(p, (int)v);
	}
	closedir(d);
}

static void pids_from_file(struct pids *p, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[64];

	if (!f)
		die("cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		unsigned long v;

		line[strcspn(line, "\n")] = '\0';
		if (parse_ulong(line, 1, INT32_MAX, &v) == 0)
			pids_add(p, (int)v);
	}
	fclose(f);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t percentile(const uint32_t *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	/* nearest rank */
	i = (size_t)(p * (double)n + 0.999999);
	return v[i ? (i > n ? n - 1 : i - 1) : 0];
}

static int run_show(const struct opts *o)
{
	struct reader rd;
	struct pids pids = {0};
	uint32_t *lat = NULL;
	size_t n = 0, cap = 0;
	uint64_t found = 0, not_found = 0, other = 0, seed;
	double t0 = now_s(), refreshed = 0, end = t0 + (double)(o->duration_s ? o->duration_s : 5);
	char req[96];
	bool warned = false;

	reader_init(&rd, connect_socket(o->socket));
	seed = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull ^ (uint64_t)(t0 * 1e6);
	if (o->pidfile)
		pids_from_file(&pids, o->pidfile);
	fprintf(stderr, "pd-load: ready\n");
	while (!stop_flag && now_s() < end) {
		struct reply rep = {0};
		double a, b;
		int pid, err;

		if (!o->pidfile && now_s() - refreshed > 0.1) {
			pids_from_proc(&pids);
			refreshed = now_s();
		}
		if (!pids.n)
			die("%s", "no pid to ask about");
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		pid = pids.v[seed % pids.n];
		snprintf(req, sizeof(req), "{\"cmd\":\"show\",\"pid\":%d}\n", pid);
		a = now_s();
		err = request(&rd, req, &rep);
		b = now_s();
		if (err < 0)
			die("show: the daemon closed the connection (%s)", strerror(-err));
		if (!rep.error)
			found++;
		else if (strcmp(rep.error_code, "not_found") == 0)
			not_found++;
		else
			other++;
		if (other == 1 && !warned) {
			fprintf(stderr, "pd-load: show %d: error %s\n", pid, rep.error_code);
			warned = true;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			lat = xrealloc(lat, cap * sizeof(*lat));
		}
		lat[n++] = (uint32_t)((b - a) * 1e6 + 0.5);
		if (o->interval_us)
			usleep((useconds_t)o->interval_us);
	}
	qsort(lat, n, sizeof(*lat), cmp_u32);
	printf("{\"mode\":\"show\",\"requests\":%zu,\"found\":%" PRIu64 ",\"not_found\":%" PRIu64
	       ",\"errors\":%" PRIu64 ",\"elapsed_s\":%.3f,\"p50_us\":%" PRIu32
	       ",\"p90_us\":%" PRIu32 ",\"p99_us\":%" PRIu32 ",\"max_us\":%" PRIu32 "}\n",
	       n, found, not_found, other, now_s() - t0, percentile(lat, n, 0.50),
	       percentile(lat, n, 0.90), percentile(lat, n, 0.99), n ? lat[n - 1] : 0);
	free(lat);
	free(pids.v);
	free(rd.buf);
	close(rd.fd);
	return other ? 1 : 0;
}

/* ---- ps ----------------------------------------------------------------------------------- */

static int run_ps(const struct opts *o)
{
	char req[1024];
	size_t len = 0;
	double *times;
	uint64_t records = 0, bytes = 0;
	struct tags tags;
	int rc = 0;

	if ((o->fields && strlen(o->fields) > 400) || (o->state && strlen(o->state) > 400))
		die("%s", "fields or state too long");
	len += (size_t)snprintf(req + len, sizeof(req) - len, "{\"cmd\":\"ps\"");
	if (o->fields)
		len += (size_t)snprintf(req + len, sizeof(req) - len, ",\"fields\":\"%s\"",
					o->fields);
	if (o->state)
		len += (size_t)snprintf(req + len, sizeof(req) - len, ",\"state\":\"%s\"",
					o->state);
	if (len + 3 > sizeof(req))
		die("%s", "fields too long");
	snprintf(req + len, sizeof(req) - len, "}\n");
	times = xrealloc(NULL, o->reps * sizeof(*times));
	tags_init(&tags, o->tag, o->tag_n);
	for (unsigned long r = 0; r < o->reps; r++) {
		struct reply rep = {.tags = &tags};
		struct reader rd;
		double a = now_s();
		int err;

		reader_init(&rd, connect_socket(o->socket));
		err = request(&rd, req, &rep);
		times[r] = now_s() - a;
		close(rd.fd);
		free(rd.buf);
		if (err < 0)
			die("ps: the daemon closed the connection (%s)", strerror(-err));
		if (rep.error) {
			fprintf(stderr, "pd-load: ps: error %s\n", rep.error_code);
			rc = 1;
		}
		records = rep.records;
		bytes = rep.bytes;
	}
	printf("{\"mode\":\"ps\",\"records\":%" PRIu64 ",\"bytes\":%" PRIu64
	       ",\"tags\":%lu,\"seconds\":[",
	       records, bytes, tags.seen);
	for (unsigned long r = 0; r < o->reps; r++)
		printf("%s%.6f", r ? "," : "", times[r]);
	printf("]}\n");
	free(times);
	free(tags.bits);
	return rc;
}

static int run_req(const struct opts *o, const char *json)
{
	struct reader rd;
	struct reply rep = {.copy = stdout};
	char *req = xrealloc(NULL, strlen(json) + 2);
	int err;

	sprintf(req, "%s\n", json);
	reader_init(&rd, connect_socket(o->socket));
	err = request(&rd, req, &rep);
	free(req);
	free(rd.buf);
	close(rd.fd);
	if (err < 0)
		die("the daemon closed the connection (%s)", strerror(-err));
	return rep.error ? 1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pd-load [-s SOCKET] sub  [-n N] [-S M] [-e EVENTS] [-Q BYTES] [-t TAG -x "
		"N] "
		"[-d SECS]\n"
		"       pd-load [-s SOCKET] show [-d SECS] [-i USEC] [-P PIDFILE]\n"
		"       pd-load [-s SOCKET] ps   [-r R] [-f FIELDS] [-a STATE] [-t TAG -x N]\n"
		"       pd-load [-s SOCKET] req  JSON\n"
		"  -s SOCKET  the daemon's socket (default $PROCTRAIL_SOCKET, else %s)\n"
		"  -n N       subscribers that read (default 1)\n"
		"  -S M       subscribers that subscribe and never read (default 0)\n"
		"  -e EVENTS  subscribe's events (default exec,exit)\n"
		"  -Q BYTES   the queue the stalled subscribers ask for (default: the daemon's)\n"
		"  -t TAG     count distinct TAG-i strings (i < N of -x) in exec events / records\n"
		"  -x N       ... and, for sub, stop once every reader saw all N\n"
		"  -d SECS    sub: stop after SECS (default: on SIGINT); show: run SECS (default "
		"5)\n"
		"  -i USEC    show: pause between requests (default 0)\n"
		"  -P FILE    show: pick pids from FILE instead of /proc\n"
		"  -r R       ps: requests, each on a new connection (default 3)\n"
		"  -f FIELDS  ps: fields member; -a STATE: state member (alive, exited, all)\n",
		DEFAULT_SOCKET);
}

int main(int argc, char **argv)
{
	struct opts o = {.readers = 1, .reps = 3, .events = "exec,exit"};
	struct sigaction sa = {.sa_handler = on_signal};
	const char *mode;
	int c;

	o.socket = getenv("PROCTRAIL_SOCKET");
	if (!o.socket || !*o.socket)
		o.socket = DEFAULT_SOCKET;
	while ((c = getopt(argc, argv, "s:n:S:e:Q:t:x:d:i:P:r:f:a:h")) != -1) {
		unsigned long *num = NULL, min = 0, max = 1000000000;

		switch (c) {
		case 's':
			o.socket = optarg;
			break;
		case 'n':
			num = &o.readers;
			max = 10000;
			break;
		case 'S':
			num = &o.stalled;
			max = 10000;
			break;
		case 'e':
			o.events = optarg;
			break;
		case 'Q':
			num = &o.queue;
			min = 1;
			max = ULONG_MAX >> 1;
			break;
		case 't':
			o.tag = optarg;
			break;
		case 'x':
			num = &o.tag_n;
			min = 1;
			break;
		case 'd':
			num = &o.duration_s;
			break;
		case 'i':
			num = &o.interval_us;
			break;
		case 'P':
			o.pidfile = optarg;
			break;
		case 'r':
			num = &o.reps;
			min = 1;
			max = 100000;
			break;
		case 'f':
			o.fields = optarg;
			break;
		case 'a':
			o.state = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
		if (num && parse_ulong(optarg, min, max, num) < 0) {
			fprintf(stderr, "pd-load: -%c: bad number '%s'\n", c, optarg);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (!!o.tag != !!o.tag_n) {
		fprintf(stderr, "pd-load: -t and -x go together\n");
		return 2;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	mode = argv[optind];
	if (strcmp(mode, "sub") == 0 && optind + 1 == argc)
		return run_sub(&o);
	if (strcmp(mode, "show") == 0 && optind + 1 == argc)
		return run_show(&o);
	if (strcmp(mode, "ps") == 0 && optind + 1 == argc)
		return run_ps(&o);
	if (strcmp(mode, "req") == 0 && optind + 2 == argc)
		return run_req(&o, argv[optind + 1]);
	usage(stderr);
	return 2;
}
