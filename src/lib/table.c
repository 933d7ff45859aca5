/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The process table: every generation of every pid, keyed by (pid, start
 * ticks), with exited records kept for a retention window under a memory cap,
 * and a tid -> tgid map for threads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define HASH_BITS_MIN 8
#define HASH_BITS_MAX 30

#define DEFAULT_RETENTION_US (60 * 1000000LL)
#define DEFAULT_MEM_MAX ((size_t)64 << 20)
#define DEFAULT_EXEC_HISTORY 4

struct hnode {
	struct hnode *next;
	pid_t key;
};

/* Chained, power-of-two buckets, grown at load factor 1. */
struct hash {
	struct hnode **b;
	unsigned bits;
	size_t n;
};

struct rec;

struct thr {
	struct hnode h; /* key: tid */
	struct rec *owner;
	struct thr *prev, *next; /* the owner's threads */
};

struct rec {
	struct pt_proc p;
	struct hnode h; /* key: pid; a chain holds every generation */
	struct rec *xprev, *xnext; /* exited list, by exit time, oldest first */
	struct thr *threads; /* non-leader threads, while alive */
	struct pt_exec *hist; /* p.nexecs entries, oldest first */
	int64_t image_us; /* when the current image began; 0 = at start */
	size_t mem; /* bytes accounted to this record */
	/* a leader exit the core holds while other threads live: never in p */
	bool exit_held;
	int exit_status; /* wait-encoded, or -1 */
	int64_t exit_held_us;
};

/* A boot id other than the table's, seen in an imported key. */
struct boot_node {
	struct boot_node *next;
	char id[PT_BOOT_ID_LEN + 1];
};
#define BOOT_IDS_MAX 64

struct pt_table {
	struct pt_table_opts o;
	struct boot_node *boots;
	unsigned nboots;
	struct hash procs, tids;
	struct rec *xhead, *xtail;
	uint64_t alive, exited, nthr, evicted, expired;
	size_t rec_mem; /* sum of rec->mem */
};

/* ---- hash ---- */

static size_t hash_size(const struct hash *h)
{
	return (size_t)1 << h->bits;
}

static size_t hash_slot(unsigned bits, pid_t key)
{
	return (uint32_t)((uint32_t)key * 0x9e3779b1u) >> (32 - bits);
}

static int hash_init(struct hash *h)
{
	h->bits = HASH_BITS_MIN;
	h->n = 0;
	h->b = calloc(hash_size(h), sizeof(*h->b));
	return h->b ? 0 : -ENOMEM;
}

/* On allocation failure the chains just get longer. */
static void hash_grow(struct hash *h)
{
	unsigned bits = h->bits + 1;
	struct hnode **nb;

	if (bits > HASH_BITS_MAX)
		return;
	nb = calloc((size_t)1 << bits, sizeof(*nb));
	if (!nb)
		return;
	for (size_t i = 0; i < hash_size(h); i++) {
		struct hnode *n = h->b[i], *next;

		for (; n; n = next) {
			size_t s = hash_slot(bits, n->key);

			next = n->next;
			n->next = nb[s];
			nb[s] = n;
		}
	}
	free(h->b);
	h->b = nb;
	h->bits = bits;
}

static void hash_insert(struct hash *h, struct hnode *n)
{
	size_t s;

	if (h->n + 1 > hash_size(h))
		hash_grow(h);
	s = hash_slot(h->bits, n->key);
	n->next = h->b[s];
	h->b[s] = n;
	h->n++;
}

static void hash_remove(struct hash *h, struct hnode *n)
{
	struct hnode **pp = &h->b[hash_slot(h->bits, n->key)];

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			n->next = NULL;
			h->n--;
			return;
		}
	}
}

static struct hnode *hash_first(const struct hash *h, pid_t key)
{
	struct hnode *n = h->b[hash_slot(h->bits, key)];

	while (n && n->key != key)
		n = n->next;
	return n;
}

static struct hnode *hash_next(const struct hnode *n)
{
	pid_t key = n->key;

	for (n = n->next; n && n->key != key; n = n->next)
		;
	return (struct hnode *)n;
}

static struct rec *rec_of(const struct pt_proc *p)
{
	return container_of(p, struct rec, p);
}

static struct rec *hrec(const struct hnode *n)
{
	return container_of(n, struct rec, h);
}

static struct thr *hthr(const struct hnode *n)
{
	return container_of(n, struct thr, h);
}

/* ---- ordering helpers ---- */

/* Compare start times; unknown on either side compares equal. */
static int cmp_start(const struct pt_proc *a, const struct pt_proc *b)
{
	if (a->start_us && b->start_us)
		return (a->start_us > b->start_us) - (a->start_us < b->start_us);
	if (a->start && b->start)
		return (a->start > b->start) - (a->start < b->start);
	return 0;
}

/*
 * Did a start after b, so that it cannot be b's parent? Start ticks are exact
 * when read from /proc but may be one tick early when derived from a fork
 * timestamp, and a parent and its child often start in the same tick: allow
 * one tick. Microseconds only when ticks are unknown.
 */
static bool started_after(const struct pt_proc *a, const struct pt_proc *b)
{
	if (a->start && b->start)
		return a->start > b->start + 1;
	return a->start_us && b->start_us && a->start_us > b->start_us;
}

/* Of two generations of one pid, is c the more recent? */
static bool newer(const struct pt_proc *c, const struct pt_proc *best)
{
	int d = cmp_start(c, best);

	if (d)
		return d > 0;
	if (c->state == PT_STATE_ALIVE || best->state == PT_STATE_ALIVE)
		return c->state == PT_STATE_ALIVE;
	return c->exit_us > best->exit_us;
}

/* ---- memory ---- */

static size_t table_mem(const struct pt_table *t)
{
	return sizeof(*t) + (hash_size(&t->procs) + hash_size(&t->tids)) * sizeof(struct hnode *) +
		t->rec_mem + t->nthr * sizeof(struct thr);
}

static size_t exec_mem(const struct pt_exec *e)
{
	return sizeof(*e) + (e->exe ? strlen(e->exe) + 1 : 0) + e->args_len;
}

void pt_table_touch(struct pt_table *t, struct pt_proc *p)
{
	struct rec *r = rec_of(p);
	size_t mem = sizeof(*r) + pt_proc_mem(p);

	pt_table_bind_parent(t, p, false);

	for (unsigned i = 0; i < p->nexecs; i++)
		mem += exec_mem(&r->hist[i]);
	t->rec_mem = t->rec_mem - r->mem + mem;
	r->mem = mem;
}

/* ---- records ---- */

static void exec_clear(struct pt_exec *e)
{
	free(e->exe);
	free(e->args);
	memset(e, 0, sizeof(*e));
}

static void rec_free(struct rec *r)
{
	pt_proc_clear(&r->p);
	for (unsigned i = 0; i < r->p.nexecs; i++)
		exec_clear(&r->hist[i]);
	free(r->hist);
	free(r);
}

static void xlist_unlink(struct pt_table *t, struct rec *r)
{
	if (r->xprev)
		r->xprev->xnext = r->xnext;
	else
		t->xhead = r->xnext;
	if (r->xnext)
		r->xnext->xprev = r->xprev;
	else
		t->xtail = r->xprev;
	r->xprev = r->xnext = NULL;
}

/* Exits mostly arrive in order: search from the newest end. */
static void xlist_insert(struct pt_table *t, struct rec *r)
{
	struct rec *after = t->xtail;

	while (after && after->p.exit_us > r->p.exit_us)
		after = after->xprev;
	r->xprev = after;
	r->xnext = after ? after->xnext : t->xhead;
	if (r->xnext)
		r->xnext->xprev = r;
	else
		t->xtail = r;
	if (after)
		after->xnext = r;
	else
		t->xhead = r;
}

static void thr_unlink(struct pt_table *t, struct thr *th)
{
	struct rec *r = th->owner;

	hash_remove(&t->tids, &th->h);
	if (th->prev)
		th->prev->next = th->next;
	else
		r->threads = th->next;
	if (th->next)
		th->next->prev = th->prev;
	if (r->p.nthreads > 1)
		r->p.nthreads--;
	t->nthr--;
	free(th);
}

static void drop_exited(struct pt_table *t, struct rec *r)
{
	xlist_unlink(t, r);
	hash_remove(&t->procs, &r->h);
	t->exited--;
	t->rec_mem -= r->mem;
	rec_free(r);
}

struct pt_table *pt_table_new(const struct pt_table_opts *o)
{
	struct pt_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (o) {
		t->o = *o;
	} else {
		t->o.retention_us = DEFAULT_RETENTION_US;
		t->o.mem_max = DEFAULT_MEM_MAX;
		t->o.exec_history = DEFAULT_EXEC_HISTORY;
	}
	if (hash_init(&t->procs) < 0)
		goto out_free_table;
	if (hash_init(&t->tids) < 0)
		goto out_free_procs;
	return t;

out_free_procs:
	free(t->procs.b);
out_free_table:
	free(t);
	errno = ENOMEM;
	return NULL;
}

void pt_table_free(struct pt_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < hash_size(&t->tids); i++) {
		struct hnode *n = t->tids.b[i], *next;

		for (; n; n = next) {
			next = n->next;
			free(hthr(n));
		}
	}
	for (size_t i = 0; i < hash_size(&t->procs); i++) {
		struct hnode *n = t->procs.b[i], *next;

		for (; n; n = next) {
			next = n->next;
			rec_free(hrec(n));
		}
	}
	while (t->boots) {
		struct boot_node *b = t->boots;

		t->boots = b->next;
		free(b);
	}
	free(t->tids.b);
	free(t->procs.b);
	free(t);
}

struct pt_proc *pt_table_get_live(const struct pt_table *t, pid_t pid)
{
	struct hnode *n;

	for (n = hash_first(&t->procs, pid); n; n = hash_next(n)) {
		if (hrec(n)->p.state == PT_STATE_ALIVE)
			return &hrec(n)->p;
	}
	errno = ENOENT;
	return NULL;
}

struct pt_proc *pt_table_get(const struct pt_table *t, pid_t pid)
{
	struct pt_proc *best = NULL;
	struct hnode *n;

	for (n = hash_first(&t->procs, pid); n; n = hash_next(n)) {
		struct pt_proc *p = &hrec(n)->p;

		if (p->state == PT_STATE_ALIVE)
			return p;
		if (!best || p->exit_us > best->exit_us ||
		    (p->exit_us == best->exit_us && cmp_start(p, best) > 0))
			best = p;
	}
	if (!best)
		errno = ENOENT;
	return best;
}

/*
 * A start read from /proc is known to a clock tick (1/USER_HZ: 10 ms), and each
 * process derives it from its own reading of the boot time, which differs by
 * microseconds from another's: the start_time one run prints can fall just
 * before the start_us the next run computes. A time that close before a start
 * still names that process when no generation lived at it exactly.
 */
#define START_SLACK_US 10000

static bool lived_at(const struct pt_proc *p, int64_t at_us)
{
	return p->start_us <= at_us && (p->state == PT_STATE_ALIVE || at_us < p->exit_us);
}

struct pt_proc *pt_table_get_at(const struct pt_table *t, pid_t pid, int64_t at_us)
{
	struct pt_proc *best = NULL;
	struct hnode *n;

	/* Estimated exit times can overlap the next generation: the latest start wins. */
	for (n = hash_first(&t->procs, pid); n; n = hash_next(n)) {
		struct pt_proc *p = &hrec(n)->p;

		if (lived_at(p, at_us) && (!best || newer(p, best)))
			best = p;
	}
	/* none: the generation that starts soonest after at_us, within a tick */
	for (n = best ? NULL : hash_first(&t->procs, pid); n; n = hash_next(n)) {
		struct pt_proc *p = &hrec(n)->p;

		if (p->start_us > at_us && p->start_us - at_us <= START_SLACK_US &&
		    (!best || p->start_us < best->start_us))
			best = p;
	}
	if (!best)
		errno = ENOENT;
	return best;
}

static void exit_rec(struct pt_table *t, struct rec *r, int64_t exit_us, enum pt_state st)
{
	if (st == PT_STATE_ALIVE)
		st = PT_STATE_EXIT_UNKNOWN;
	if (r->p.state == PT_STATE_ALIVE) {
		while (r->threads)
			thr_unlink(t, r->threads);
		r->p.nthreads = 1;
		t->alive--;
		t->exited++;
	} else {
		xlist_unlink(t, r);
	}
	r->exit_held = false;
	r->p.state = st;
	r->p.exit_us = exit_us ? exit_us : pt_now_us();
	xlist_insert(t, r);
}

void pt_table_hold_exit(struct pt_table *t, struct pt_proc *p, int status, int64_t time_us)
{
	struct rec *r = rec_of(p);

	(void)t;
	if (p->state != PT_STATE_ALIVE)
		return;
	r->exit_held = true;
	r->exit_status = status;
	r->exit_held_us = time_us;
}

bool pt_table_held_exit(const struct pt_table *t, const struct pt_proc *p, int *status,
			int64_t *time_us)
{
	const struct rec *r = rec_of(p);

	(void)t;
	if (!r->exit_held)
		return false;
	*status = r->exit_status;
	*time_us = r->exit_held_us;
	return true;
}

void pt_table_release_exit(struct pt_table *t, struct pt_proc *p)
{
	(void)t;
	rec_of(p)->exit_held = false;
}

void pt_table_exit(struct pt_table *t, struct pt_proc *p, int64_t exit_us, enum pt_state st)
{
	if (!t || !p)
		return;
	exit_rec(t, rec_of(p), exit_us, st);
}

/* A record for a pid we already saw exit (a zombie found by a scan, say). */
static struct rec *find_exited(const struct pt_table *t, pid_t pid, uint64_t start)
{
	struct hnode *n;

	if (!start)
		return NULL;
	for (n = hash_first(&t->procs, pid); n; n = hash_next(n)) {
		struct rec *r = hrec(n);

		if (r->p.state != PT_STATE_ALIVE && r->p.start && pt_same_start(r->p.start, start))
			return r;
	}
	return NULL;
}

struct pt_proc *pt_table_get_start(const struct pt_table *t, pid_t pid, uint64_t start)
{
	struct pt_proc *near = NULL;
	struct hnode *n;

	for (n = hash_first(&t->procs, pid); start && n; n = hash_next(n)) {
		struct pt_proc *p = &hrec(n)->p;

		if (p->start == start)
			return p;
		if (p->start && pt_same_start(p->start, start) && !near)
			near = p;
	}
	if (!near)
		errno = ESRCH;
	return near;
}

static int64_t start_us_of(const struct pt_table *t, uint64_t start)
{
	if (!start || t->o.clk_tck <= 0 || !t->o.boot_us)
		return 0;
	return pt_ticks_to_us(start, t->o.clk_tck, t->o.boot_us);
}

/* Its id was reused: it exited while we were not looking. */
static void close_vanished(struct pt_table *t, struct rec *old, int64_t new_start_us)
{
	int64_t exit_us = new_start_us ? new_start_us : pt_now_us();

	if (old->p.start_us && exit_us < old->p.start_us)
		exit_us = old->p.start_us;
	old->p.exit_code = -1;
	old->p.exit_signal = 0;
	exit_rec(t, old, exit_us, PT_STATE_EXIT_UNKNOWN);
}

struct pt_proc *pt_table_add(struct pt_table *t, pid_t pid, uint64_t start)
{
	struct pt_proc *live = pt_table_get_live(t, pid);
	struct rec *r = find_exited(t, pid, start);

	if (live && (!start || !live->start || pt_same_start(live->start, start)))
		return live;
	if (r)
		return &r->p;
	/* Data about an older generation than the live one: it is gone. */
	if (live && start < live->start) {
		errno = ESTALE;
		return NULL;
	}

	r = calloc(1, sizeof(*r));
	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	pt_proc_init(&r->p);
	r->p.pid = pid;
	r->p.start = start;
	r->p.start_us = start_us_of(t, start);
	r->p.state = PT_STATE_ALIVE;
	r->p.nthreads = 1;
	r->p.boot_id = t->o.boot_id[0] ? t->o.boot_id : NULL;
	r->h.key = pid;

	if (live)
		close_vanished(t, rec_of(live), r->p.start_us);
	/* pids and tids share one number space: a thread with this id is gone */
	pt_table_thread_del(t, pid);
	hash_insert(&t->procs, &r->h);
	t->alive++;
	pt_table_touch(t, &r->p);
	return &r->p;
}

/* ---- importing ---- */

struct pt_proc *pt_table_insert(struct pt_table *t, pid_t pid, uint64_t start)
{
	struct rec *r = calloc(1, sizeof(*r));

	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	pt_proc_init(&r->p);
	r->p.pid = pid;
	r->p.start = start;
	r->p.start_us = start_us_of(t, start);
	r->p.state = PT_STATE_ALIVE;
	r->p.nthreads = 1;
	r->p.boot_id = t->o.boot_id[0] ? t->o.boot_id : NULL;
	r->h.key = pid;
	pt_table_thread_del(t, pid);
	hash_insert(&t->procs, &r->h);
	t->alive++;
	return &r->p;
}

void pt_table_remove(struct pt_table *t, struct pt_proc *p)
{
	struct rec *r = rec_of(p);

	if (p->state != PT_STATE_ALIVE) {
		drop_exited(t, r);
		return;
	}
	while (r->threads)
		thr_unlink(t, r->threads);
	hash_remove(&t->procs, &r->h);
	t->alive--;
	t->rec_mem -= r->mem;
	rec_free(r);
}

void pt_table_set_exit(struct pt_table *t, struct pt_proc *p, int64_t exit_us, enum pt_state st)
{
	struct rec *r = rec_of(p);

	exit_rec(t, r, exit_us, st);
	if (!exit_us) {
		/* unknown: kept as 0, oldest in the exited list */
		xlist_unlink(t, r);
		r->p.exit_us = 0;
		xlist_insert(t, r);
	}
}

void pt_table_set_execs(struct pt_table *t, struct pt_proc *p, struct pt_exec *execs, unsigned n)
{
	struct rec *r = rec_of(p);

	for (unsigned i = 0; i < p->nexecs; i++)
		exec_clear(&r->hist[i]);
	free(r->hist);
	r->hist = n ? execs : NULL;
	if (!n)
		free(execs);
	p->execs = r->hist;
	p->nexecs = n;
	pt_table_touch(t, p);
}

struct pt_proc *pt_table_get_exact(const struct pt_table *t, pid_t pid, uint64_t start)
{
	struct hnode *n;

	for (n = hash_first(&t->procs, pid); n; n = hash_next(n))
		if (hrec(n)->p.start == start)
			return &hrec(n)->p;
	return NULL;
}

const char *pt_table_boot_id(struct pt_table *t, const char *boot_id)
{
	struct boot_node *b;

	if (!t->o.boot_id[0]) {
		snprintf(t->o.boot_id, sizeof(t->o.boot_id), "%s", boot_id);
		return t->o.boot_id;
	}
	if (strcmp(t->o.boot_id, boot_id) == 0)
		return t->o.boot_id;
	for (b = t->boots; b; b = b->next)
		if (strcmp(b->id, boot_id) == 0)
			return b->id;
	if (t->nboots >= BOOT_IDS_MAX)
		return NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	snprintf(b->id, sizeof(b->id), "%s", boot_id);
	b->next = t->boots;
	t->boots = b;
	t->nboots++;
	return b->id;
}

void pt_table_push_exec(struct pt_table *t, struct pt_proc *p, int64_t time_us)
{
	struct rec *r = rec_of(p);
	struct pt_exec e = {
		.time_us = r->image_us ? r->image_us : p->start_us,
		.exe = p->exe,
		.args = p->args,
		.args_len = p->args_len,
		.args_truncated = p->args_truncated,
	};

	p->exe = NULL;
	p->args = NULL;
	p->args_len = 0;
	p->argc = 0;
	p->args_truncated = false;
	pt_proc_set_missing(p, PT_F_EXE, PT_WHY_NOT_READ);
	pt_proc_set_missing(p, PT_F_ARGV, PT_WHY_NOT_READ);
	r->image_us = time_us;

	if (!t->o.exec_history) {
		exec_clear(&e);
		goto out_touch;
	}
	if (p->nexecs == t->o.exec_history) {
		exec_clear(&r->hist[0]);
		memmove(&r->hist[0], &r->hist[1], (p->nexecs - 1) * sizeof(*r->hist));
		p->nexecs--;
	} else {
		struct pt_exec *h = realloc(r->hist, (p->nexecs + 1) * sizeof(*h));

		if (!h) {
			exec_clear(&e);
			goto out_touch;
		}
		r->hist = h;
	}
	r->hist[p->nexecs++] = e;
	p->execs = r->hist;

out_touch:
	pt_table_touch(t, p);
}

void pt_table_expire(struct pt_table *t, int64_t now_us)
{
	while (t->xhead && t->xhead->p.exit_us + t->o.retention_us < now_us) {
		drop_exited(t, t->xhead);
		t->expired++;
	}
	while (t->xhead && table_mem(t) > t->o.mem_max) {
		drop_exited(t, t->xhead);
		t->evicted++;
	}
}

void pt_table_set_limits(struct pt_table *t, int64_t retention_us, size_t mem_max)
{
	t->o.retention_us = retention_us;
	t->o.mem_max = mem_max;
}

/* ---- threads ---- */

static struct thr *thr_find(const struct pt_table *t, pid_t tid)
{
	struct hnode *n = hash_first(&t->tids, tid);

	return n ? hthr(n) : NULL;
}

int pt_table_thread_add(struct pt_table *t, pid_t tid, pid_t tgid)
{
	struct pt_proc *p = pt_table_get_live(t, tgid), *other;
	struct thr *th;
	struct rec *r;

	if (!p)
		return -ESRCH;
	if (tid == tgid)
		return 0;
	other = pt_table_get_live(t, tid);
	if (other)
		close_vanished(t, rec_of(other), 0);
	r = rec_of(p);
	th = thr_find(t, tid);
	if (th) {
		if (th->owner == r)
			return 0;
		/* The tid was reused and we missed the old thread's exit. */
		thr_unlink(t, th);
	}
	th = calloc(1, sizeof(*th));
	if (!th)
		return -ENOMEM;
	th->h.key = tid;
	th->owner = r;
	th->next = r->threads;
	if (th->next)
		th->next->prev = th;
	r->threads = th;
	hash_insert(&t->tids, &th->h);
	p->nthreads++;
	t->nthr++;
	return 0;
}

void pt_table_thread_del(struct pt_table *t, pid_t tid)
{
	struct thr *th = thr_find(t, tid);

	if (th)
		thr_unlink(t, th);
}

static bool has_tid(const pid_t *tids, size_t n, pid_t tid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tids[mid] == tid)
			return true;
		if (tids[mid] < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

int pt_table_set_threads(struct pt_table *t, pid_t tgid, const pid_t *tids, size_t n)
{
	struct pt_proc *p = pt_table_get_live(t, tgid);
	struct thr *th, *next;
	int r = 0;

	if (!p)
		return -ESRCH;
	for (size_t i = 0; i < n; i++)
		if (tids[i] != tgid && pt_table_thread_add(t, tids[i], tgid) == -ENOMEM)
			r = -ENOMEM;
	for (th = rec_of(p)->threads; th; th = next) {
		next = th->next;
		if (!has_tid(tids, n, (pid_t)th->h.key))
			thr_unlink(t, th);
	}
	return r;
}

pid_t pt_table_thread_tgid(const struct pt_table *t, pid_t tid)
{
	struct thr *th = thr_find(t, tid);

	if (th)
		return th->owner->p.pid;
	return pt_table_get_live(t, tid) ? tid : 0;
}

int pt_table_foreach_thread(const struct pt_table *t, pid_t tgid, int (*fn)(pid_t, void *),
			    void *data)
{
	struct pt_proc *p = pt_table_get_live(t, tgid);
	struct thr *th, *next;
	int ret;

	if (!p)
		return -ESRCH;
	ret = fn(tgid, data);
	if (ret)
		return ret;
	/* fn may delete the tid it is given. */
	for (th = rec_of(p)->threads; th; th = next) {
		next = th->next;
		ret = fn(th->h.key, data);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- iteration ---- */

static bool selected(const struct pt_proc *p, unsigned select)
{
	return select & (p->state == PT_STATE_ALIVE ? PT_SEL_ALIVE : PT_SEL_EXITED);
}

int pt_table_foreach(const struct pt_table *t, unsigned select, pt_proc_fn fn, void *data)
{
	for (size_t i = 0; i < hash_size(&t->procs); i++) {
		struct hnode *n = t->procs.b[i], *next;

		for (; n; n = next) {
			struct pt_proc *p = &hrec(n)->p;
			int ret;

			next = n->next;
			if (!selected(p, select))
				continue;
			ret = fn(p, data);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int pt_table_foreach_exited(const struct pt_table *t, pt_proc_fn fn, void *data)
{
	struct rec *r, *prev;

	for (r = t->xtail; r; r = prev) {
		int ret;

		prev = r->xprev;
		ret = fn(&r->p, data);
		if (ret)
			return ret;
	}
	return 0;
}

struct pt_proc *pt_table_parent(const struct pt_table *t, const struct pt_proc *p)
{
	struct pt_proc *best = NULL;
	struct hnode *n;

	if (!p || p->ppid <= 0)
		return NULL;
	for (n = hash_first(&t->procs, p->ppid); n; n = hash_next(n)) {
		struct pt_proc *c = &hrec(n)->p;

		if (c == p || started_after(c, p))
			continue;
		if (c->state != PT_STATE_ALIVE && p->start_us && c->exit_us < p->start_us)
			continue;
		if (!best || newer(c, best))
			best = c;
	}
	return best;
}

void pt_table_bind_parent(struct pt_table *t, struct pt_proc *p, bool final)
{
	const struct pt_proc *pp;

	if (p->pkey != PT_PKEY_UNBOUND || !pt_proc_has(p, PT_F_PPID))
		return;
	if (p->ppid <= 0) {
		p->pkey = PT_PKEY_NONE;
		return;
	}
	pp = pt_table_parent(t, p);
	if (pp && pt_proc_has(pp, PT_F_START)) {
		p->pkey = PT_PKEY_BOUND;
		p->pkey_pid = pp->pid;
		p->pkey_start = pp->start;
	} else if (final) {
		p->pkey = PT_PKEY_GONE;
	}
}

static int bind_cb(const struct pt_proc *p, void *data)
{
	pt_table_bind_parent(data, (struct pt_proc *)p, true);
	return 0;
}

void pt_table_bind_parents(struct pt_table *t)
{
	pt_table_foreach(t, PT_SEL_ALL, bind_cb, t);
}

struct child_ctx {
	const struct pt_table *t;
	const struct pt_proc *parent;
	pt_proc_fn fn;
	void *data;
};

static int child_cb(const struct pt_proc *p, void *data)
{
	struct child_ctx *c = data;

	if (p->ppid != c->parent->pid || pt_table_parent(c->t, p) != c->parent)
		return 0;
	return c->fn(p, c->data);
}

int pt_table_foreach_child(const struct pt_table *t, const struct pt_proc *p, unsigned select,
			   pt_proc_fn fn, void *data)
{
	struct child_ctx c = {.t = t, .parent = p, .fn = fn, .data = data};

	if (!p)
		return 0;
	return pt_table_foreach(t, select, child_cb, &c);
}

void pt_table_stats(const struct pt_table *t, struct pt_table_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!t)
		return;
	st->alive = t->alive;
	st->exited = t->exited;
	st->threads = t->nthr;
	st->evicted = t->evicted;
	st->expired = t->expired;
	st->mem = table_mem(t);
}
