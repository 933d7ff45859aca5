/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Process record helpers and clocks. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "container.h"
#include "internal.h"

static int64_t clock_us(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t pt_now_us(void)
{
	return clock_us(CLOCK_REALTIME);
}

int64_t pt_mono_us(void)
{
	return clock_us(CLOCK_MONOTONIC);
}

int64_t pt_boot_us(void)
{
	return clock_us(CLOCK_BOOTTIME);
}

static int64_t boot_epoch;

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * REALTIME - BOOTTIME is a constant in the kernel (it moves only when the
 * clock is set), but a process can only sample it: BOOTTIME bracketed between
 * two REALTIME reads, the tightest of a few brackets, is within tens of
 * nanoseconds. Rounded to the millisecond, every process gets the same value
 * (unless the constant lies within that error of a millisecond boundary), so
 * a start time derived from ticks prints the same in every run: `show PID@T`
 * with T from another run, and records compared across runs, agree. A start
 * read from /proc is known to a 10 ms tick, so the rounding loses nothing.
 */
static void boot_epoch_init(void)
{
	int64_t best = 0, span = INT64_MAX;

	for (int i = 0; i < 5; i++) {
		int64_t r1 = clock_ns(CLOCK_REALTIME);
		int64_t b = clock_ns(CLOCK_BOOTTIME);
		int64_t r2 = clock_ns(CLOCK_REALTIME);

		if (r2 - r1 < span) {
			span = r2 - r1;
			best = r1 + (r2 - r1) / 2 - b;
		}
	}
	boot_epoch = (best + 500000) / 1000000 * 1000;
}

/* Computed once: recomputing jitters by microseconds, and processes started in
 * the same tick must get the same start_us, or a parent may look younger than
 * its child. */
int64_t pt_boot_epoch_us(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, boot_epoch_init);
	return boot_epoch;
}

unsigned pt_args_count(const char *args, size_t len)
{
	unsigned n = 0;

	if (!args)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (args[i] == '\0')
			n++;
	if (len > 0 && args[len - 1] != '\0')
		n++;
	return n;
}

int64_t pt_ticks_to_us(uint64_t ticks, long clk_tck, int64_t boot_us)
{
	uint64_t hz = clk_tck > 0 ? (uint64_t)clk_tck : 100;

	/* Split to avoid overflowing ticks * 10^6. */
	return boot_us + (int64_t)(ticks / hz * 1000000 + ticks % hz * 1000000 / hz);
}

void pt_proc_init(struct pt_proc *p)
{
	memset(p, 0, sizeof(*p));
	p->exit_code = -1;
	for (unsigned f = 0; f < PT_F_COUNT; f++) {
		p->src[f] = PT_SRC_NONE;
		p->why[f] = PT_WHY_NOT_READ;
	}
}

void pt_proc_set_known(struct pt_proc *p, enum pt_field f, enum pt_src src)
{
	if ((unsigned)f >= PT_F_COUNT)
		return;
	if (src == PT_SRC_NONE) {
		pt_proc_set_missing(p, f, PT_WHY_NOT_READ);
		return;
	}
	p->src[f] = src;
	p->why[f] = PT_WHY_NONE;
}

void pt_proc_set_missing(struct pt_proc *p, enum pt_field f, enum pt_why why)
{
	if ((unsigned)f >= PT_F_COUNT)
		return;
	p->src[f] = PT_SRC_NONE;
	p->why[f] = why == PT_WHY_NONE ? PT_WHY_NOT_READ : why;
}

/* Drop p's reference to its container (and its live count, if it held one). */
static void drop_ctr(struct pt_proc *p)
{
	if (p->ctr && (p->ctr_flags & PT_CTR_LIVE))
		pt_ctr_live(p->ctr, -1, pt_now_us());
	pt_ctr_unref(p->ctr);
	p->ctr = NULL;
	p->ctr_flags = 0;
}

/*
 * Frees the strings the record owns: exe, args, cwd, cgroup, and drops its
 * reference to the container.
 * The exec history (execs/nexecs, the array and its strings) belongs to the
 * table and is left alone. Fields whose value was freed become NOT_READ.
 */
void pt_proc_clear(struct pt_proc *p)
{
	free(p->exe);
	p->exe = NULL;
	free(p->args);
	p->args = NULL;
	p->args_len = 0;
	p->argc = 0;
	p->args_truncated = false;
	free(p->cwd);
	p->cwd = NULL;
	free(p->cgroup);
	p->cgroup = NULL;
	p->cgroup_id = 0;
	drop_ctr(p);

	pt_proc_set_missing(p, PT_F_EXE, PT_WHY_NOT_READ);
	pt_proc_set_missing(p, PT_F_ARGV, PT_WHY_NOT_READ);
	pt_proc_set_missing(p, PT_F_CWD, PT_WHY_NOT_READ);
	pt_proc_set_missing(p, PT_F_CGROUP, PT_WHY_NOT_READ);
	pt_proc_set_missing(p, PT_F_CONTAINER, PT_WHY_NOT_READ);
	pt_proc_set_missing(p, PT_F_CTR_META, PT_WHY_NOT_READ);
}

static int dup_str(const char *s, char **out)
{
	*out = NULL;
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

static int replace_str(char **dst, const char *s)
{
	char *n;
	int r = dup_str(s, &n);

	if (r < 0)
		return r;
	free(*dst);
	*dst = n;
	return 0;
}

static int merge_args(struct pt_proc *dst, const struct pt_proc *src)
{
	char *a = NULL;

	if (src->args && src->args_len > 0) {
		a = malloc(src->args_len);
		if (!a)
			return -ENOMEM;
		memcpy(a, src->args, src->args_len);
	}
	free(dst->args);
	dst->args = a;
	dst->args_len = a ? src->args_len : 0;
	dst->argc = a ? src->argc : 0;
	if (a && dst->argc == 0)
		dst->argc = pt_args_count(a, dst->args_len);
	dst->args_truncated = src->args_truncated;
	return 0;
}

static int merge_cgroup(struct pt_proc *dst, const struct pt_proc *src)
{
	int r = replace_str(&dst->cgroup, src->cgroup);

	if (r < 0)
		return r;
	dst->cgroup_id = src->cgroup_id;
	return 0;
}

/* The same container object keeps dst's live count; another one drops it.
 * Whether it is the cache's entry (interned) goes with the object. */
static void merge_container(struct pt_proc *dst, const struct pt_proc *src)
{
	struct pt_container *c;

	if (dst->ctr == src->ctr)
		return;
	c = src->ctr ? pt_ctr_ref(src->ctr) : NULL;
	drop_ctr(dst);
	dst->ctr = c;
	dst->ctr_flags = src->ctr_flags & PT_CTR_INTERNED;
}

static int merge_field(struct pt_proc *dst, const struct pt_proc *src, enum pt_field f)
{
	switch (f) {
	case PT_F_PPID:
		dst->ppid = src->ppid;
		return 0;
	case PT_F_START:
		dst->start = src->start;
		dst->start_us = src->start_us;
		return 0;
	case PT_F_COMM:
		memcpy(dst->comm, src->comm, PT_COMM_LEN);
		dst->comm[PT_COMM_LEN - 1] = '\0';
		return 0;
	case PT_F_EXE:
		return replace_str(&dst->exe, src->exe);
	case PT_F_ARGV:
		return merge_args(dst, src);
	case PT_F_CREDS:
		dst->uid = src->uid;
		dst->euid = src->euid;
		dst->gid = src->gid;
		dst->egid = src->egid;
		return 0;
	case PT_F_SID:
		dst->sid = src->sid;
		return 0;
	case PT_F_PGID:
		dst->pgid = src->pgid;
		return 0;
	case PT_F_TTY:
		dst->tty_nr = src->tty_nr;
		return 0;
	case PT_F_CWD:
		return replace_str(&dst->cwd, src->cwd);
	case PT_F_CGROUP:
		return merge_cgroup(dst, src);
	case PT_F_NS:
		memcpy(dst->ns, src->ns, sizeof(dst->ns));
		return 0;
	case PT_F_LOGINUID:
		dst->loginuid = src->loginuid;
		return 0;
	case PT_F_CONTAINER:
		merge_container(dst, src);
		return 0;
	case PT_F_CTR_META: /* held by the container */
		return 0;
	case PT_F_NSPID:
		dst->vpid = src->vpid;
		dst->vpgid = src->vpgid;
		return 0;
	case PT_F_CAPS:
		dst->cap_prm = src->cap_prm;
		dst->cap_eff = src->cap_eff;
		dst->cap_inh = src->cap_inh;
		return 0;
	case PT_F_COUNT:
		break;
	}
	return 0;
}

int pt_proc_merge(struct pt_proc *dst, const struct pt_proc *src, unsigned fields)
{
	if (dst == src)
		return 0;
	for (unsigned f = 0; f < PT_F_COUNT; f++) {
		int r;

		if (!(fields & PT_FMASK(f)) || src->src[f] == PT_SRC_NONE)
			continue;
		r = merge_field(dst, src, f);
		if (r < 0)
			return r;
		dst->src[f] = src->src[f];
		dst->why[f] = PT_WHY_NONE;
	}
	return 0;
}

void pt_proc_set_args(struct pt_proc *p, char *args, size_t len, bool truncated)
{
	free(p->args);
	if (!args || len == 0) {
		free(args);
		p->args = NULL;
		p->args_len = 0;
		p->argc = 0;
		p->args_truncated = truncated;
		return;
	}
	if (args[len - 1] != '\0') {
		char *n = realloc(args, len + 1);

		if (n) {
			args = n;
			args[len++] = '\0';
		} else {
			args[len - 1] = '\0';
			truncated = true;
		}
	}
	p->args = args;
	p->args_len = len;
	p->argc = pt_args_count(args, len);
	p->args_truncated = truncated;
}

size_t pt_proc_mem(const struct pt_proc *p)
{
	size_t n = 0;

	if (p->exe)
		n += strlen(p->exe) + 1;
	if (p->args)
		n += p->args_len;
	if (p->cwd)
		n += strlen(p->cwd) + 1;
	if (p->cgroup)
		n += strlen(p->cgroup) + 1;
	return n;
}

/* ---- public getters: the record's layout is not part of the ABI ---- */

#define GET(type, name, expr, dflt)                            \
	PT_EXPORT type pt_proc_##name(const struct pt_proc *p) \
	{                                                      \
		return p ? (expr) : (dflt);                    \
	}

GET(pid_t, pid, p->pid, 0)
GET(pid_t, ppid, p->ppid, 0)
GET(pid_t, sid, p->sid, 0)
GET(pid_t, pgid, p->pgid, 0)
GET(uint64_t, start, p->start, 0)
GET(enum pt_state, state, p->state, PT_STATE_EXIT_UNKNOWN)
GET(enum pt_tier, tier, p->tier, PT_TIER_NONE)
GET(unsigned, flags, p->flags, 0)
GET(const char *, comm, p->comm, NULL)
GET(const char *, exe, p->exe, NULL)
GET(unsigned, argc, p->argc, 0)
GET(bool, args_truncated, p->args_truncated, false)
GET(uid_t, uid, p->uid, (uid_t)-1)
GET(uid_t, euid, p->euid, (uid_t)-1)
GET(gid_t, gid, p->gid, (gid_t)-1)
GET(gid_t, egid, p->egid, (gid_t)-1)
GET(int, tty, p->tty_nr, 0)
GET(const char *, cwd, p->cwd, NULL)
GET(const char *, cgroup, p->cgroup, NULL)
GET(const char *, container_id, p->ctr ? p->ctr->id : NULL, NULL)
GET(int64_t, start_us, p->start_us, 0)
GET(int64_t, exit_us, p->exit_us, 0)
GET(int, exit_code, p->exit_code, -1)
GET(int, exit_signal, p->exit_signal, 0)
GET(bool, core_dumped, p->core_dumped, false)
GET(unsigned, nthreads, p->nthreads, 0)
GET(unsigned, nexecs, p->execs ? p->nexecs : 0, 0)

PT_EXPORT const struct pt_container *pt_proc_container(const struct pt_proc *p)
{
	return p && p->src[PT_F_CONTAINER] != PT_SRC_NONE ? p->ctr : NULL;
}

PT_EXPORT const char *pt_proc_args(const struct pt_proc *p, size_t *len)
{
	if (len)
		*len = p && p->args ? p->args_len : 0;
	return p ? p->args : NULL;
}

PT_EXPORT uint64_t pt_proc_ns(const struct pt_proc *p, enum pt_ns ns)
{
	return p && (unsigned)ns < PT_NS_COUNT ? p->ns[ns] : 0;
}

PT_EXPORT enum pt_src pt_proc_src(const struct pt_proc *p, enum pt_field f)
{
	return p && (unsigned)f < PT_F_COUNT ? (enum pt_src)p->src[f] : PT_SRC_NONE;
}

PT_EXPORT enum pt_why pt_proc_why(const struct pt_proc *p, enum pt_field f)
{
	if (!p || (unsigned)f >= PT_F_COUNT)
		return PT_WHY_NOT_READ;
	if (p->src[f] != PT_SRC_NONE)
		return PT_WHY_NONE;
	return p->why[f] == PT_WHY_NONE ? PT_WHY_NOT_READ : (enum pt_why)p->why[f];
}

PT_EXPORT const struct pt_exec *pt_proc_exec(const struct pt_proc *p, unsigned i)
{
	return p && p->execs && i < p->nexecs ? &p->execs[i] : NULL;
}

PT_EXPORT int64_t pt_exec_time_us(const struct pt_exec *e)
{
	return e ? e->time_us : 0;
}

PT_EXPORT const char *pt_exec_exe(const struct pt_exec *e)
{
	return e ? e->exe : NULL;
}

PT_EXPORT const char *pt_exec_args(const struct pt_exec *e, size_t *len)
{
	if (len)
		*len = e && e->args ? e->args_len : 0;
	return e && e->args_len ? e->args : NULL;
}

PT_EXPORT bool pt_exec_args_truncated(const struct pt_exec *e)
{
	return e && e->args_truncated;
}
