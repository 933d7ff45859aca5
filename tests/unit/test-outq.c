/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bounded output queue: records leave whole and in order, a full queue
 * drops whole records and counts them, drops are reported once, and a writer
 * thread on a pipe nobody reads never blocks the producer.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/outq.h"

/* Record i: "rec NNNNNN " padded with letters to len bytes, ending in '\n'. */
static size_t make_rec(char *buf, unsigned i, size_t len)
{
	int n = snprintf(buf, len, "rec %06u ", i);

	for (size_t k = (size_t)n; k + 1 < len; k++)
		buf[k] = (char)('a' + (i + k) % 26);
	buf[len - 1] = '\n';
	return len;
}

/* Read everything from fd (non-blocking) into a malloc'd buffer. */
static char *slurp(int fd, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	ssize_t r;

	cr_assert_not_null(b);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			b = realloc(b, cap);
			cr_assert_not_null(b);
		}
		r = read(fd, b + n, cap - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return b;
}

/* Check that buf holds whole records, with increasing numbers; returns how many. */
static unsigned check_records(const char *buf, size_t len, const size_t *lens, unsigned max_i)
{
	char want[70000];
	unsigned count = 0;
	long last = -1;
	size_t off = 0;

	while (off < len) {
		unsigned i = 0;

		/* not sscanf: it runs strlen over the whole rest of the buffer */
		cr_assert(len - off > 11 && memcmp(buf + off, "rec ", 4) == 0, "garbage at %zu",
			  off);
		for (int d = 4; d < 10; d++) {
			cr_assert(buf[off + d] >= '0' && buf[off + d] <= '9', "garbage at %zu",
				  off);
			i = i * 10 + (unsigned)(buf[off + d] - '0');
		}
		cr_assert_lt(i, max_i);
		cr_assert_gt((long)i, last, "record %u after %ld: out of order", i, last);
		cr_assert_leq(off + lens[i], len, "record %u cut", i);
		make_rec(want, i, lens[i]);
		cr_assert(memcmp(buf + off, want, lens[i]) == 0, "record %u damaged", i);
		off += lens[i];
		last = i;
		count++;
	}
	return count;
}

static void nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

Test(outq, bounds_of_the_size)
{
	struct pt_outq *q;

	cr_assert_eq(pt_outq_new(&q, PT_OUTQ_MIN - 1), -EINVAL);
	cr_assert_eq(pt_outq_new(&q, (size_t)PT_OUTQ_MAX + 1), -EINVAL);
	cr_assert_eq(pt_outq_new(&q, PT_OUTQ_MIN), 0);
	cr_assert_eq(pt_outq_push(q, "x", 0), -EINVAL, "an empty record");
	pt_outq_free(q);
	pt_outq_free(NULL);
}

/* Many records of varied sizes through a small ring, written as they come:
 * the ring wraps hundreds of times, every record arrives whole and in order. */
Test(outq, order_across_wraps)
{
	static size_t lens[20000];
	struct pt_outq *q;
	struct pt_outq_stats st;
	size_t got_len = 0, total = 0;
	char rec[8192], *got;
	int p[2];
	unsigned n = 20000, seen;

	cr_assert_eq(pipe(p), 0);
	nonblock(p[0]);
	nonblock(p[1]);
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	cr_assert_eq(pt_outq_new(&q, PT_OUTQ_MIN), 0);
	got = malloc(64u << 20);
	cr_assert_not_null(got);
	srand(7);
	for (unsigned i = 0; i < n; i++) {
		lens[i] = 12 + (size_t)rand() % 3000;
		make_rec(rec, i, lens[i]);
		while (pt_outq_push(q, rec, lens[i]) == -ENOBUFS) {
			/* full: the reader takes some; this drop was counted */
			cr_assert_gt(pt_outq_write(q, p[1], 0), 0);
			got_len += (size_t)read(p[0], got + got_len, 1 << 20);
			lens[i] = 0; /* dropped; the next push is another record */
			break;
		}
		if (lens[i])
			total += lens[i];
		if (i % 7 == 0 && pt_outq_write(q, p[1], 0) > 0) {
			ssize_t r = read(p[0], got + got_len, 1 << 20);

			if (r > 0)
				got_len += (size_t)r;
		}
	}
	while (pt_outq_write(q, p[1], 0) > 0) {
		ssize_t r = read(p[0], got + got_len, 1 << 20);

		if (r > 0)
			got_len += (size_t)r;
	}
	for (ssize_t r; (r = read(p[0], got + got_len, 1 << 20)) > 0;)
		got_len += (size_t)r;
	pt_outq_stats(q, &st);
	cr_assert_eq(st.queued, 0);
	cr_assert_eq(st.used, 0);
	cr_assert_eq(st.pushed + st.dropped, n, "every record pushed or dropped");
	cr_assert_eq(st.written, st.pushed);
	cr_assert_eq(got_len, total, "bytes out %zu, in %zu", got_len, total);
	/* the dropped ones have lens 0 and never appear */
	for (unsigned i = 0; i < n; i++)
		if (!lens[i])
			lens[i] = 1;
	seen = check_records(got, got_len, lens, n);
	cr_assert_eq(seen, st.written);
	free(got);
	pt_outq_free(q);
	close(p[0]);
	close(p[1]);
}

Test(outq, overflow_drops_whole_records_and_counts_them)
{
	static size_t lens[1000];
	struct pt_outq *q;
	struct pt_outq_stats st;
	char rec[1000], *got;
	size_t got_len;
	unsigned accepted = 0, dropped = 0, seen;
	int p[2];

	cr_assert_eq(pipe(p), 0);
	nonblock(p[0]);
	nonblock(p[1]);
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	cr_assert_eq(pt_outq_new(&q, PT_OUTQ_MIN), 0);
	for (unsigned i = 0; i < 1000; i++) {
		int r;

		lens[i] = make_rec(rec, i, 100 + i % 700);
		r = pt_outq_push(q, rec, lens[i]);
		cr_assert(r == 0 || r == -ENOBUFS);
		accepted += r == 0;
		dropped += r == -ENOBUFS;
		/* a drop once full, but a small record may still fit after a big one fails */
	}
	pt_outq_stats(q, &st);
	cr_assert_gt(dropped, 0);
	cr_assert_eq(st.pushed, accepted);
	cr_assert_eq(st.dropped, dropped);
	cr_assert_leq(st.used, st.cap);
	cr_assert_eq(st.queued, accepted);
	cr_assert_eq(pt_outq_unreported(q), dropped);
	while (pt_outq_write(q, p[1], 0) > 0)
		;
	got = slurp(p[0], &got_len);
	seen = check_records(got, got_len, lens, 1000);
	cr_assert_eq(seen, accepted, "%u records read, %u accepted", seen, accepted);
	free(got);
	/* a record larger than the whole ring is dropped, never cut */
	{
		size_t big = PT_OUTQ_MIN + 1;
		char *b = calloc(1, big);

		cr_assert_eq(pt_outq_push(q, b, big), -ENOBUFS);
		free(b);
	}
	pt_outq_stats(q, &st);
	cr_assert_eq(st.dropped, dropped + 1UL);
	pt_outq_free(q);
	close(p[0]);
	close(p[1]);
}

Test(outq, reports_count_once)
{
	struct pt_outq *q;
	struct pt_outq_stats st;
	char rec[4000];
	unsigned dropped = 0;

	cr_assert_eq(pt_outq_new(&q, PT_OUTQ_MIN), 0);
	for (unsigned i = 0; i < 40; i++)
		dropped += pt_outq_push(q, rec, make_rec(rec, i, sizeof(rec))) == -ENOBUFS;
	cr_assert_gt(dropped, 0);
	cr_assert_eq(pt_outq_unreported(q), dropped);
	/* no room for the report either: nothing is counted as told */
	cr_assert_eq(pt_outq_push_report(q, rec, sizeof(rec), dropped), -ENOBUFS);
	cr_assert_eq(pt_outq_unreported(q), dropped);
	/* stop without a writer: all still queued is dropped, and unreported */
	pt_outq_stop(q);
	pt_outq_stats(q, &st);
	cr_assert_eq(st.queued, 0);
	cr_assert_eq(st.written, 0);
	cr_assert_eq(st.dropped, 40);
	cr_assert_eq(pt_outq_unreported(q), 40);
	cr_assert_eq(pt_outq_push_report(q, "lost 40\n", 8, 40), 0);
	cr_assert_eq(pt_outq_unreported(q), 0);
	pt_outq_stats(q, &st);
	cr_assert_eq(st.reported, 40);
	/* a report that is never written reports nothing */
	pt_outq_stop(q);
	cr_assert_eq(pt_outq_unreported(q), 40);
	pt_outq_free(q);
}

/* A report is due only once the reader has caught up (half the queue free). */
Test(outq, report_due_after_catching_up)
{
	struct pt_outq *q;
	char rec[4000];
	unsigned dropped = 0;
	int p[2];

	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(pt_outq_new(&q, PT_OUTQ_MIN), 0);
	cr_assert_eq(pt_outq_report_due(q), 0);
	for (unsigned i = 0; i < 40; i++)
		dropped += pt_outq_push(q, rec, make_rec(rec, i, sizeof(rec))) == -ENOBUFS;
	cr_assert_gt(dropped, 0);
	/* full: not yet, whatever was dropped */
	cr_assert_eq(pt_outq_report_due(q), 0);
	while (pt_outq_write(q, p[1], 0) > 0)
		;
	cr_assert_eq(pt_outq_report_due(q), dropped);
	cr_assert_eq(pt_outq_push_report(q, "lost\n", 5, dropped), 0);
	cr_assert_eq(pt_outq_report_due(q), 0);
	pt_outq_free(q);
	close(p[0]);
	close(p[1]);
}

/* A writer thread on a pipe nobody reads: pushing never blocks, drain gives up
 * after the idle time, and every record is written whole or counted. */
Test(outq, stalled_reader_never_blocks_the_producer)
{
	static size_t lens[5000];
	struct pt_outq *q;
	struct pt_outq_stats st;
	char rec[2000], *got;
	size_t got_len;
	unsigned seen;
	int p[2];

	signal(SIGPIPE, SIG_IGN);
	cr_assert_eq(pipe(p), 0);
	/* a pipe of one page: what stays queued (the queue is full or nearly when
	 * the producer outruns the writer) can never all fit in it, however the
	 * writer thread was scheduled */
	cr_assert_geq(fcntl(p[1], F_SETPIPE_SZ, 4096), 4096);
	cr_assert_eq(pt_outq_new(&q, PT_OUTQ_MIN), 0);
	cr_assert_eq(pt_outq_start(q, p[1]), 0);
	for (unsigned i = 0; i < 5000; i++) {
		lens[i] = make_rec(rec, i, 50 + i % 1900);
		pt_outq_push(q, rec, lens[i]); /* must return: the test would hang */
	}
	cr_assert_eq(pt_outq_drain(q, 200, NULL), -ETIMEDOUT);
	{
		volatile sig_atomic_t cancel = 1;

		cr_assert_eq(pt_outq_drain(q, 60000, &cancel), -ECANCELED, "a second signal");
	}
	pt_outq_stop(q);
	pt_outq_stats(q, &st);
	cr_assert_eq(st.written + st.dropped, 5000, "written %lu dropped %lu",
		     (unsigned long)st.written, (unsigned long)st.dropped);
	cr_assert_gt(st.dropped, 0);
	nonblock(p[0]);
	got = slurp(p[0], &got_len);
	/* writes to a pipe are whole records of at most PIPE_BUF: no half line */
	seen = check_records(got, got_len, lens, 5000);
	cr_assert_eq(seen, st.written);
	free(got);
	pt_outq_free(q);
	close(p[0]);
	close(p[1]);
}

Test(outq, writer_thread_delivers_everything_to_a_reader)
{
	static size_t lens[3000];
	struct pt_outq *q;
	struct pt_outq_stats st;
	char rec[3000], *got;
	size_t got_len;
	int p[2];

	cr_assert_eq(pipe(p), 0);
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	cr_assert_eq(pt_outq_new(&q, 8u << 20), 0);
	cr_assert_eq(pt_outq_start(q, p[1]), 0);
	for (unsigned i = 0; i < 3000; i++) {
		lens[i] = make_rec(rec, i, 20 + i % 300);
		cr_assert_eq(pt_outq_push(q, rec, lens[i]), 0);
	}
	cr_assert_eq(pt_outq_drain(q, 5000, NULL), 0);
	pt_outq_stop(q);
	pt_outq_stats(q, &st);
	cr_assert_eq(st.written, 3000);
	cr_assert_eq(st.dropped, 0);
	nonblock(p[0]);
	got = slurp(p[0], &got_len);
	cr_assert_eq(check_records(got, got_len, lens, 3000), 3000);
	free(got);
	pt_outq_free(q);
	close(p[0]);
	close(p[1]);
}

/* Batched: the writer sleeps through pushes until pt_outq_wake(), or until the
 * queue is over half full; everything is delivered either way. */
Test(outq, batched_writer_wakes_on_wake_or_half_full)
{
	static size_t lens[2000];
	struct pt_outq *q;
	struct pt_outq_stats st;
	char rec[600], *got;
	struct pollfd pfd;
	size_t got_len;
	unsigned i;
	int p[2];

	cr_assert_eq(pipe(p), 0);
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	cr_assert_eq(pt_outq_new(&q, 256u << 10), 0);
	cr_assert_eq(pt_outq_start(q, p[1]), 0);
	pt_outq_set_batched(q, true);
	for (i = 0; i < 10; i++) {
		lens[i] = make_rec(rec, i, 100);
		cr_assert_eq(pt_outq_push(q, rec, lens[i]), 0);
	}
	pt_outq_wake(q);
	pfd = (struct pollfd){.fd = p[0], .events = POLLIN};
	cr_assert_eq(poll(&pfd, 1, 10000), 1, "pt_outq_wake() woke the writer");
	/* three times the queue without a wake: each push past half full wakes
	 * the writer, so waiting for room ends (a sleeping writer never makes any) */
	for (; i < 2000; i++) {
		lens[i] = make_rec(rec, i, 400);
		cr_assert_eq(pt_outq_push_wait(q, rec, lens[i], 10000), 0, "record %u", i);
	}
	pt_outq_set_batched(q, false);
	cr_assert_eq(pt_outq_drain(q, 5000, NULL), 0);
	pt_outq_stop(q);
	pt_outq_stats(q, &st);
	cr_assert_eq(st.written, 2000);
	cr_assert_eq(st.dropped, 0);
	nonblock(p[0]);
	got = slurp(p[0], &got_len);
	cr_assert_eq(check_records(got, got_len, lens, 2000), 2000);
	free(got);
	pt_outq_free(q);
	close(p[0]);
	close(p[1]);
}

Test(outq, reader_gone_is_an_error_and_counts)
{
	struct pt_outq *q;
	struct pt_outq_stats st;
	int p[2];

	signal(SIGPIPE, SIG_IGN);
	cr_assert_eq(pipe(p), 0);
	close(p[0]);
	cr_assert_eq(pt_outq_new(&q, PT_OUTQ_MIN), 0);
	cr_assert_eq(pt_outq_start(q, p[1]), 0);
	cr_assert_eq(pt_outq_push(q, "a\n", 2), 0);
	cr_assert_eq(pt_outq_drain(q, 2000, NULL), -EPIPE);
	cr_assert_eq(pt_outq_push(q, "b\n", 2), -EPIPE);
	pt_outq_stop(q);
	pt_outq_stats(q, &st);
	cr_assert_eq(st.error, -EPIPE);
	cr_assert_eq(st.written, 0);
	cr_assert_eq(st.dropped, 2);
	pt_outq_free(q);
	close(p[1]);
}

/* ---- the batch consumer: pt_outq_peek / pt_outq_release ---- */

Test(outq, peek_describes_in_order_and_release_removes)
{
	struct pt_outq *q;
	struct pt_outq_rec recs[8];
	struct pt_outq_stats st;
	char buf[300];
	unsigned next = 0;

	cr_assert_eq(pt_outq_new(&q, PT_OUTQ_MIN), 0);
	cr_assert_eq(pt_outq_peek(q, recs, 8, 1, 0), 0, "empty, no wait");
	/* many rounds across the ring's end: contents and order survive wraps */
	for (unsigned round = 0, i = 0; round < 2000; round++) {
		int n;

		for (unsigned k = 0; k < 5; k++, i++) {
			size_t len = make_rec(buf, i, 20 + (i * 37) % 250);

			cr_assert_eq(pt_outq_push(q, buf, len), 0);
		}
		n = pt_outq_peek(q, recs, 8, 1, 0);
		cr_assert_eq(n, next + 8 <= i ? 8 : (int)(i - next));
		/* peek again: the same records, nothing taken */
		cr_assert_eq(pt_outq_peek(q, recs, 8, 1, 0), n);
		for (int k = 0; k < n; k++) {
			size_t len =
				make_rec(buf, next + (unsigned)k, 20 + ((next + k) * 37) % 250);

			cr_assert_eq(recs[k].len, len);
			cr_assert_eq(memcmp(recs[k].p, buf, len), 0);
			cr_assert(!recs[k].is_report);
		}
		/* release fewer than pushed for a while, then more: the queue
		 * grows and shrinks, its head and tail pass the ring's end */
		{
			unsigned take = (unsigned)n < ((round / 50) % 2 ? 8u : 3u)
				? (unsigned)n
				: ((round / 50) % 2 ? 8u : 3u);

			pt_outq_release(q, take, true);
			next += take;
		}
	}
	pt_outq_stats(q, &st);
	cr_assert_eq(st.written, next);
	cr_assert_eq(st.dropped, 0);
	cr_assert_eq(st.queued, st.pushed - next);
	pt_outq_free(q);
}

Test(outq, release_unwritten_counts_dropped_and_untells_reports)
{
	struct pt_outq *q;
	struct pt_outq_rec recs[8];
	struct pt_outq_stats st;
	char big[40000];

	cr_assert_eq(pt_outq_new(&q, PT_OUTQ_MIN), 0);
	memset(big, 'b', sizeof(big));
	cr_assert_eq(pt_outq_push(q, big, sizeof(big)), 0);
	cr_assert_eq(pt_outq_push(q, big, sizeof(big)), -ENOBUFS);
	pt_outq_release(q, 1, true);
	cr_assert_eq(pt_outq_unreported(q), 1);
	cr_assert_eq(pt_outq_push_report(q, "lost 1\n", 7, 1), 0);
	cr_assert_eq(pt_outq_unreported(q), 0);
	cr_assert_eq(pt_outq_push(q, "ev\n", 3), 0);
	cr_assert_eq(pt_outq_peek(q, recs, 8, 1, 0), 2);
	cr_assert(recs[0].is_report);
	cr_assert_eq(recs[0].report, 1);
	cr_assert(!recs[1].is_report);
	/* the batch failed: the event is dropped, the report told nothing */
	pt_outq_release(q, 2, false);
	pt_outq_stats(q, &st);
	cr_assert_eq(st.written, 1);
	cr_assert_eq(st.dropped, 2);
	cr_assert_eq(st.reported, 0);
	cr_assert_eq(st.queued, 0);
	cr_assert_eq(st.used, 0);
	cr_assert_eq(pt_outq_unreported(q), 2);
	pt_outq_free(q);
}

static void *kick_later(void *arg)
{
	usleep(20000);
	pt_outq_kick(arg);
	return NULL;
}

static void *stop_later(void *arg)
{
	usleep(20000);
	pt_outq_stop(arg);
	return NULL;
}

Test(outq, peek_waits_for_min_or_kick_or_stop)
{
	struct pt_outq *q;
	struct pt_outq_rec recs[8];
	pthread_t t;

	cr_assert_eq(pt_outq_new(&q, PT_OUTQ_MIN), 0);
	cr_assert_eq(pt_outq_push(q, "a\n", 2), 0);
	/* fewer than min: what is there once the wait ends */
	cr_assert_eq(pt_outq_peek(q, recs, 8, 5, 10), 1);
	/* a kick ends an unlimited wait */
	cr_assert_eq(pthread_create(&t, NULL, kick_later, q), 0);
	cr_assert_eq(pt_outq_peek(q, recs, 8, 5, -1), 1);
	pthread_join(t, NULL);
	pt_outq_release(q, 1, true);
	/* stop ends it too, and an empty stopped queue says so */
	cr_assert_eq(pthread_create(&t, NULL, stop_later, q), 0);
	cr_assert_eq(pt_outq_peek(q, recs, 8, 1, -1), -ECANCELED);
	pthread_join(t, NULL);
	pt_outq_free(q);
}

Test(outq, peek_returns_a_queue_over_half_full)
{
	struct pt_outq *q;
	struct pt_outq_rec recs[4];
	char rec[1000];

	cr_assert_eq(pt_outq_new(&q, PT_OUTQ_MIN), 0);
	memset(rec, 'r', sizeof(rec));
	for (int i = 0; i < 40; i++)
		cr_assert_eq(pt_outq_push(q, rec, sizeof(rec)), 0);
	/* min not reached, but waiting longer would only drop */
	cr_assert_eq(pt_outq_peek(q, recs, 4, 1000, -1), 4);
	pt_outq_free(q);
}

struct waiter {
	struct pt_outq *q;
	int r;
};

static void *push_wait_thread(void *arg)
{
	struct waiter *w = arg;
	char rec[1000];

	memset(rec, 'w', sizeof(rec));
	w->r = pt_outq_push_wait(w->q, rec, sizeof(rec), -1);
	return NULL;
}

Test(outq, push_wait_waits_for_room)
{
	struct pt_outq *q;
	struct pt_outq_rec recs[1];
	struct pt_outq_stats st;
	struct waiter w;
	pthread_t t;
	char rec[1000];
	int pushed = 0;

	cr_assert_eq(pt_outq_new(&q, PT_OUTQ_MIN), 0);
	memset(rec, 'f', sizeof(rec));
	while (pt_outq_push_wait(q, rec, sizeof(rec), 0) == 0)
		pushed++;
	pt_outq_stats(q, &st);
	cr_assert_eq(st.dropped, 1, "no wait: dropped as pt_outq_push does");
	w.q = q;
	w.r = 1;
	cr_assert_eq(pthread_create(&t, NULL, push_wait_thread, &w), 0);
	usleep(20000);
	cr_assert_eq(w.r, 1, "still waiting");
	cr_assert_eq(pt_outq_peek(q, recs, 1, 1, 0), 1);
	pt_outq_release(q, 1, true);
	pthread_join(t, NULL);
	cr_assert_eq(w.r, 0);
	pt_outq_stats(q, &st);
	cr_assert_eq(st.queued, (uint64_t)pushed);
	cr_assert_eq(st.dropped, 1);
	/* larger than the queue: never waits */
	{
		char *huge = calloc(1, PT_OUTQ_MIN + 8);

		cr_assert_eq(pt_outq_push_wait(q, huge, PT_OUTQ_MIN + 8, -1), -ENOBUFS);
		free(huge);
	}
	pt_outq_free(q);
}
