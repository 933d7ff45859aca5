/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bounded output queue (outq.h): a ring of whole records, each behind a
 * header. The producer copies into free space and the consumer writes from
 * the head outside the lock: neither touches the other's bytes.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "outq.h"

enum { REC_EVENT = 1, REC_REPORT, REC_WRAP };

struct hdr {
	uint32_t len; /* payload bytes */
	uint32_t kind;
	uint64_t count; /* REC_REPORT: the drops it reports */
};

#define HDR sizeof(struct hdr)
#define ROUND8(n) (((n) + 7) & ~(size_t)7)
#define IOV_MAX_BATCH 64
#define WRITE_MAX (64u << 10)

struct pt_outq {
	pthread_mutex_t lock;
	pthread_cond_t data, space;
	char *buf;
	size_t cap;
	size_t head, tail, used; /* used counts headers and the unused ends */
	size_t head_off; /* payload bytes of the head record already written */
	uint64_t nrec;
	uint64_t pushed, written, dropped, reported, written_bytes;
	int error;
	pthread_t thread;
	bool started, running, stopping, kicked;
	bool batched; /* pushes do not wake the writer: pt_outq_wake() does */
	int fd;
	size_t batch;
};

int pt_outq_new(struct pt_outq **out, size_t cap)
{
	struct pt_outq *q;
	pthread_condattr_t ca;

	if (!out || cap < PT_OUTQ_MIN || cap > PT_OUTQ_MAX)
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->cap = ROUND8(cap);
	q->buf = malloc(q->cap);
	if (!q->buf) {
		free(q);
		return -ENOMEM;
	}
	pthread_mutex_init(&q->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->data, &ca);
	pthread_cond_init(&q->space, &ca);
	pthread_condattr_destroy(&ca);
	q->fd = -1;
	*out = q;
	return 0;
}

void pt_outq_free(struct pt_outq *q)
{
	if (!q)
		return;
	pt_outq_stop(q);
	pthread_cond_destroy(&q->data);
	pthread_cond_destroy(&q->space);
	pthread_mutex_destroy(&q->lock);
	free(q->buf);
	free(q);
}

/* ---- the ring (called locked) ---- */

/* The offset of the record at pos, past an unused end of the ring. */
static size_t rec_at(const struct pt_outq *q, size_t pos)
{
	const struct hdr *h;

	if (q->cap - pos < HDR)
		return 0;
	h = (const struct hdr *)(const void *)(q->buf + pos);
	return h->kind == REC_WRAP ? 0 : pos;
}

/* Where a record of need bytes goes, or cap when it does not fit now. */
static size_t place(const struct pt_outq *q, size_t need)
{
	if (!q->used)
		return need <= q->cap ? 0 : q->cap;
	if (q->tail == q->head) /* full */
		return q->cap;
	if (q->tail > q->head) {
		if (need <= q->cap - q->tail)
			return q->tail;
		return need <= q->head ? 0 : q->cap;
	}
	return need <= q->head - q->tail ? q->tail : q->cap;
}

static int put(struct pt_outq *q, const void *rec, size_t len, uint32_t kind, uint64_t count)
{
	size_t need = HDR + ROUND8(len), at;
	struct hdr h = {.len = (uint32_t)len, .kind = kind, .count = count};

	if (!len || len > UINT32_MAX - HDR)
		return -EINVAL;
	if (!q->used)
		q->head = q->tail = 0;
	at = place(q, need);
	if (at == q->cap)
		return -ENOBUFS;
	if (at != q->tail) {
		/* wrap: the end of the ring stays unused until the head passes it */
		if (q->cap - q->tail >= HDR) {
			struct hdr w = {.kind = REC_WRAP};

			memcpy(q->buf + q->tail, &w, HDR);
		}
		q->used += q->cap - q->tail;
	}
	memcpy(q->buf + at, &h, HDR);
	memcpy(q->buf + at + HDR, rec, len);
	q->tail = at + need;
	if (q->tail == q->cap)
		q->tail = 0;
	q->used += need;
	q->nrec++;
	/* batched: half full wakes it anyway, so no batch overflows a sleeping writer */
	if (!q->batched || q->used > q->cap / 2)
		pthread_cond_signal(&q->data);
	return 0;
}

/* Drop the head record, written or not. */
static void pop(struct pt_outq *q, bool written)
{
	size_t at = rec_at(q, q->head);
	struct hdr h;

	if (at != q->head) {
		q->used -= q->cap - q->head;
		q->head = 0;
	}
	memcpy(&h, q->buf + q->head, HDR);
	if (h.kind == REC_EVENT && written)
		q->written++;
	else if (h.kind == REC_EVENT)
		q->dropped++;
	else if (!written)
		q->reported -= h.count; /* a report never written reports nothing */
	q->head += HDR + ROUND8(h.len);
	q->used -= HDR + ROUND8(h.len);
	if (q->head == q->cap)
		q->head = 0;
	q->head_off = 0;
	q->nrec--;
	if (!q->used)
		q->head = q->tail = 0;
}

/* The head's records as iovecs, at most max bytes: whole records, or a piece of
 * the first one when it alone is larger. */
static int gather(const struct pt_outq *q, struct iovec *iov, size_t max)
{
	size_t pos = q->head, total = 0;
	int n = 0;

	for (uint64_t i = 0; i < q->nrec && n < IOV_MAX_BATCH; i++) {
		const struct hdr *h;
		size_t off = i ? 0 : q->head_off, len;

		pos = rec_at(q, pos);
		h = (const struct hdr *)(const void *)(q->buf + pos);
		len = h->len - off;
		if (total + len > max) {
			if (!n) {
				iov[n].iov_base = q->buf + pos + HDR + off;
				iov[n++].iov_len = max;
			}
			break;
		}
		iov[n].iov_base = q->buf + pos + HDR + off;
		iov[n++].iov_len = len;
		total += len;
		pos += HDR + ROUND8(h->len);
		if (pos == q->cap)
			pos = 0;
	}
	return n;
}

static void advance(struct pt_outq *q, size_t n)
{
	q->written_bytes += n;
	while (n && q->nrec) {
		const struct hdr *h =
			(const struct hdr *)(const void *)(q->buf + rec_at(q, q->head));
		size_t left = h->len - q->head_off;

		if (n < left) {
			q->head_off += n;
			break;
		}
		n -= left;
		pop(q, true);
	}
	pthread_cond_broadcast(&q->space);
}

/* ---- producer ---- */

int pt_outq_push(struct pt_outq *q, const void *rec, size_t len)
{
	int r;

	pthread_mutex_lock(&q->lock);
	r = q->error ? q->error : put(q, rec, len, REC_EVENT, 0);
	if (r < 0)
		q->dropped++;
	else
		q->pushed++;
	pthread_mutex_unlock(&q->lock);
	return r;
}

int pt_outq_push_wait(struct pt_outq *q, const void *rec, size_t len, int wait_ms)
{
	struct timespec until;
	int r;

	if (wait_ms > 0) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += wait_ms / 1000;
		until.tv_nsec += (long)(wait_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
	}
	pthread_mutex_lock(&q->lock);
	for (;;) {
		r = q->error ? q->error : put(q, rec, len, REC_EVENT, 0);
		/* a record larger than the whole queue never fits: no wait for it */
		if (r != -ENOBUFS || q->stopping || wait_ms == 0 || HDR + ROUND8(len) > q->cap)
			break;
		if (wait_ms < 0)
			pthread_cond_wait(&q->space, &q->lock);
		else if (pthread_cond_timedwait(&q->space, &q->lock, &until) == ETIMEDOUT)
			wait_ms = 0; /* one last try */
	}
	if (r < 0)
		q->dropped++;
	else
		q->pushed++;
	pthread_mutex_unlock(&q->lock);
	return r;
}

uint64_t pt_outq_unreported(const struct pt_outq *q)
{
	uint64_t n;

	pthread_mutex_lock((pthread_mutex_t *)&q->lock);
	n = q->dropped - q->reported;
	pthread_mutex_unlock((pthread_mutex_t *)&q->lock);
	return n;
}

uint64_t pt_outq_report_due(const struct pt_outq *q)
{
	uint64_t n;

	pthread_mutex_lock((pthread_mutex_t *)&q->lock);
	/* caught up: half the queue free, so one report covers a whole stall */
	n = q->used > q->cap / 2 ? 0 : q->dropped - q->reported;
	pthread_mutex_unlock((pthread_mutex_t *)&q->lock);
	return n;
}

int pt_outq_push_report(struct pt_outq *q, const void *rec, size_t len, uint64_t count)
{
	int r;

	pthread_mutex_lock(&q->lock);
	r = q->error ? q->error : put(q, rec, len, REC_REPORT, count);
	if (r == 0)
		q->reported += count;
	pthread_mutex_unlock(&q->lock);
	return r;
}

/* ---- consumer ---- */

ssize_t pt_outq_write(struct pt_outq *q, int fd, size_t max)
{
	struct iovec iov[IOV_MAX_BATCH];
	ssize_t w;
	int n;

	pthread_mutex_lock(&q->lock);
	n = gather(q, iov, max ? max : WRITE_MAX);
	pthread_mutex_unlock(&q->lock);
	if (!n)
		return 0;
	/* the head's bytes are the consumer's: the producer writes only free space */
	w = writev(fd, iov, n);
	pthread_mutex_lock(&q->lock);
	if (w > 0)
		advance(q, (size_t)w);
	else if (w < 0 && errno != EAGAIN && errno != EINTR)
		q->error = -errno;
	pthread_mutex_unlock(&q->lock);
	return w < 0 ? -errno : w;
}

static void *writer(void *arg)
{
	struct pt_outq *q = arg;

	pthread_mutex_lock(&q->lock);
	while (!q->error) {
		struct pollfd pfd = {.fd = q->fd, .events = POLLOUT};
		ssize_t w;
		int pr;

		while (!q->nrec && !q->stopping)
			pthread_cond_wait(&q->data, &q->lock);
		if (q->stopping)
			break;
		pthread_mutex_unlock(&q->lock);
		/* a bounded wait: pt_outq_stop is seen between records */
		pr = poll(&pfd, 1, 100);
		if (pr > 0 && (pfd.revents & POLLNVAL)) {
			pthread_mutex_lock(&q->lock);
			q->error = -EBADF;
			break;
		}
		w = pr > 0 ? pt_outq_write(q, q->fd, q->batch) : 0;
		pthread_mutex_lock(&q->lock);
		if (pr < 0 && errno != EINTR)
			q->error = -errno;
		(void)w; /* pt_outq_write kept the error */
	}
	q->running = false;
	pthread_cond_broadcast(&q->space);
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

int pt_outq_start(struct pt_outq *q, int fd)
{
	sigset_t all, old;
	struct stat st;
	int r;

	if (q->started)
		return -EBUSY;
	/* to a pipe, PIPE_BUF bytes at most: such a write is atomic, and after
	 * POLLOUT it does not block */
	q->batch = fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) ? PIPE_BUF : WRITE_MAX;
	q->fd = fd;
	q->stopping = false;
	/* signals are the main thread's; SIGPIPE of a write stays with this one */
	sigfillset(&all);
	q->running = true; /* before the thread can clear it */
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&q->thread, NULL, writer, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		q->fd = -1;
		q->running = false;
		return -r;
	}
	q->started = true;
	return 0;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int pt_outq_drain(struct pt_outq *q, int idle_ms, const volatile sig_atomic_t *cancel)
{
	uint64_t last;
	int64_t since;
	int r;

	pthread_mutex_lock(&q->lock);
	pthread_cond_signal(&q->data);
	last = q->written_bytes;
	since = mono_ms();
	while (q->nrec && q->running && !q->error) {
		struct timespec ts;

		if (cancel && *cancel) {
			pthread_mutex_unlock(&q->lock);
			return -ECANCELED;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 50 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&q->space, &q->lock, &ts);
		if (q->written_bytes != last) {
			last = q->written_bytes;
			since = mono_ms();
		} else if (mono_ms() - since >= idle_ms) {
			break;
		}
	}
	r = !q->nrec ? 0 : q->error ? q->error : -ETIMEDOUT;
	pthread_mutex_unlock(&q->lock);
	return r;
}

void pt_outq_stop(struct pt_outq *q)
{
	pthread_mutex_lock(&q->lock);
	q->stopping = true;
	pthread_cond_broadcast(&q->data);
	pthread_cond_broadcast(&q->space);
	pthread_mutex_unlock(&q->lock);
	if (q->started) {
		pthread_join(q->thread, NULL);
		q->started = false;
		q->fd = -1;
	}
	pthread_mutex_lock(&q->lock);
	while (q->nrec)
		pop(q, false);
	pthread_mutex_unlock(&q->lock);
}

/* ---- the batch consumer ---- */

int pt_outq_peek(struct pt_outq *q, struct pt_outq_rec *recs, size_t max, size_t min, int wait_ms)
{
	struct timespec until;
	size_t pos, n = 0;

	if (min < 1)
		min = 1;
	if (wait_ms > 0) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += wait_ms / 1000;
		until.tv_nsec += (long)(wait_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
	}
	pthread_mutex_lock(&q->lock);
	/* a queue over half full is a batch: waiting for more would only drop */
	while (q->nrec < min && q->used <= q->cap / 2 && !q->stopping && !q->kicked &&
	       wait_ms != 0) {
		if (wait_ms < 0)
			pthread_cond_wait(&q->data, &q->lock);
		else if (pthread_cond_timedwait(&q->data, &q->lock, &until) == ETIMEDOUT)
			break;
	}
	q->kicked = false;
	if (!q->nrec && q->stopping) {
		pthread_mutex_unlock(&q->lock);
		return -ECANCELED;
	}
	pos = q->head;
	for (uint64_t i = 0; i < q->nrec && n < max; i++, n++) {
		const struct hdr *h;

		pos = rec_at(q, pos);
		h = (const struct hdr *)(const void *)(q->buf + pos);
		recs[n] = (struct pt_outq_rec){
			.p = q->buf + pos + HDR,
			.len = h->len,
			.report = h->kind == REC_REPORT ? h->count : 0,
			.is_report = h->kind == REC_REPORT,
		};
		pos += HDR + ROUND8(h->len);
		if (pos == q->cap)
			pos = 0;
	}
	pthread_mutex_unlock(&q->lock);
	return (int)n;
}

void pt_outq_release(struct pt_outq *q, size_t n, bool written)
{
	pthread_mutex_lock(&q->lock);
	for (; n && q->nrec; n--) {
		const struct hdr *h =
			(const struct hdr *)(const void *)(q->buf + rec_at(q, q->head));

		q->written_bytes += written ? h->len : 0;
		pop(q, written);
	}
	pthread_cond_broadcast(&q->space);
	pthread_mutex_unlock(&q->lock);
}

void pt_outq_set_batched(struct pt_outq *q, bool on)
{
	pthread_mutex_lock(&q->lock);
	q->batched = on;
	if (!on && q->nrec)
		pthread_cond_signal(&q->data);
	pthread_mutex_unlock(&q->lock);
}

void pt_outq_wake(struct pt_outq *q)
{
	pthread_mutex_lock(&q->lock);
	if (q->nrec)
		pthread_cond_signal(&q->data);
	pthread_mutex_unlock(&q->lock);
}

void pt_outq_kick(struct pt_outq *q)
{
	pthread_mutex_lock(&q->lock);
	q->kicked = true;
	pthread_cond_broadcast(&q->data);
	pthread_mutex_unlock(&q->lock);
}

void pt_outq_stats(const struct pt_outq *q, struct pt_outq_stats *st)
{
	pthread_mutex_lock((pthread_mutex_t *)&q->lock);
	*st = (struct pt_outq_stats){
		.cap = q->cap,
		.used = q->used,
		.pushed = q->pushed,
		.written = q->written,
		.dropped = q->dropped,
		.reported = q->reported,
		.queued = q->nrec,
		.error = q->error,
	};
	pthread_mutex_unlock((pthread_mutex_t *)&q->lock);
}
