/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The monitor: owns the table, the active source and the event loop, and
 * applies what sources report to the table in order. Sources never touch the
 * table; everything that decides what an event means is here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "internal.h"
#include "scan.h"

#define MAX_SUBSCRIBERS 8
#define EXPIRE_PERIOD_MS 1000
#define LOST_SLOTS 4 /* distinct loss reasons summed per dispatch */

struct subscriber {
	pt_event_fn fn;
	void *data;
};

/* Losses reported during one dispatch, per reason, summed: one lost event each. */
struct lost_sum {
	const char *reason;
	uint64_t count;
	int64_t time_us; /* of the first loss of the burst */
};

struct pt_monitor {
	struct pt_options opt;
	char proc_root[256];
	struct pt_procfs fs;
	struct pt_table *table;
	struct pt_scanner *scanner;
	struct pt_ctr_cache *ctrs; /* every record's container is this cache's entry */

	const struct pt_source_ops *src;
	void *src_priv;
	enum pt_tier tier;

	int epfd, stopfd, timerfd;
	atomic_bool stop;

	struct subscriber subs[MAX_SUBSCRIBERS];
	unsigned nsubs;

	int64_t mono_to_real_ns; /* REALTIME - MONOTONIC, captured at open */
	int64_t boot_epoch_us;
	char boot_id[PT_BOOT_ID_LEN + 1]; /* "" when unreadable */
	int64_t next_expire_us;

	/*
	 * A loss arms one resync, run once the dispatch that reported it is
	 * done (as conntrackd schedules one): a burst of ENOBUFS inside one
	 * receive loop gives one /proc scan, not one per error.
	 */
	struct lost_sum lost[LOST_SLOTS];
	unsigned nlost;
	bool resync_armed;

	uint64_t exits_unswept; /* processes closed since the last reparenting sweep */
	pid_t *orphans;
	size_t norphans, orphans_cap;
	/* found by a periodic scan, naming a parent the table did not hold then */
	pid_t *unbound;
	size_t nunbound, unbound_cap;
	bool unbound_full; /* more than UNBOUND_MAX: sweep them all */

	struct pt_status st;
	struct pt_event_gaps gaps; /* of the running tier, within opt.events */

	bool empty; /* PT_OPEN_EMPTY: no source, no /proc; filled by pt_import_* */
	uid_t euid; /* ours: whose processes the kernel may let us read after all */
	const struct pt_core_import *imp; /* the event being imported, if any */
	bool imp_done; /* it was delivered */
	uint64_t evnum; /* events delivered: the last evt.num */
};

static const struct pt_source_ops *const sources[] = {
	&pt_source_bpf,
	&pt_source_netlink,
	&pt_source_inotify,
	&pt_source_poll,
};

static const struct pt_source_ops *source_for(enum pt_tier t)
{
	for (size_t i = 0; i < PT_ARRAY_SIZE(sources); i++)
		if (sources[i]->tier == t)
			return sources[i];
	return NULL;
}

/* ---- options, logging, clocks ---- */

void pt_log(const struct pt_monitor *m, int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!m || !m->opt.log || level > m->opt.log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	m->opt.log(level, msg, m->opt.log_data);
}

static int64_t ts_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t pt_mono_ns_to_us(const struct pt_monitor *m, uint64_t ns)
{
	return ((int64_t)ns + m->mono_to_real_ns) / 1000;
}

const struct pt_options *pt_core_options(const struct pt_monitor *m)
{
	return &m->opt;
}

const struct pt_procfs *pt_core_procfs(const struct pt_monitor *m)
{
	return &m->fs;
}

struct pt_table *pt_core_table(struct pt_monitor *m)
{
	return m->table;
}

void pt_core_malformed(struct pt_monitor *m)
{
	m->st.malformed++;
}

/* ---- delivering events ---- */

static void deliver(struct pt_monitor *m, struct pt_event *ev)
{
	if (!(m->opt.events & PT_EVMASK(ev->type)))
		return;
	if (ev->thread && !m->opt.threads)
		return;
	m->st.events[ev->type]++;
	ev->num = ++m->evnum; /* what subscribers see, numbered from 1 */
	for (unsigned i = 0; i < m->nsubs; i++)
		m->subs[i].fn(ev, m->subs[i].data);
}

/* An imported event is delivered once, as it was encoded, with the record the
 * table now holds (made to agree with what the event says of it). */
static void deliver_imported(struct pt_monitor *m, const struct pt_proc *p)
{
	struct pt_event ev = *m->imp->ev;

	m->imp_done = true;
	if (m->imp->own_proc) {
		ev.proc = m->imp->proc;
		deliver(m, &ev);
		return;
	}
	/* the path found no record (it looks for live ones): the one made sure of */
	ev.proc = m->imp->no_proc ? NULL : p ? p : m->imp->proc;
	if (ev.proc && m->imp->fix)
		m->imp->fix(m, (struct pt_proc *)ev.proc, m->imp->data);
	deliver(m, &ev);
}

static void emit(struct pt_monitor *m, struct pt_event *ev)
{
	if (m->imp) {
		/* what the source path would emit is the imported event; once */
		if (!m->imp_done)
			deliver_imported(m, ev->proc);
		return;
	}
	if (!ev->time_us)
		ev->time_us = pt_now_us();
	ev->tier = m->tier;
	deliver(m, ev);
}

static void event_init(struct pt_event *ev, enum pt_event_type type, const struct pt_raw *raw,
		       const struct pt_proc *p)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->time_us = raw ? raw->time_us : 0;
	ev->pid = p ? p->pid : raw->pid;
	ev->tid = raw && raw->tid ? raw->tid : ev->pid;
	ev->ppid = p ? p->ppid : raw->ppid;
	ev->proc = p;
	ev->synthesized = raw && raw->synthesized;
	ev->window_lo_us = raw ? raw->lo_us : 0;
	ev->window_hi_us = raw ? raw->hi_us : 0;
}

/* ---- applying raw events ---- */

/* Take what info knows, and for what it does not know and p does not either,
 * the reason it gave. */
static void adopt(struct pt_proc *p, const struct pt_proc *info, unsigned fields)
{
	pt_proc_merge(p, info, fields);
	for (unsigned f = 0; f < PT_F_COUNT; f++)
		if ((fields & PT_FMASK(f)) && !pt_proc_has(p, (enum pt_field)f) &&
		    !pt_proc_has(info, (enum pt_field)f) && info->why[f] != PT_WHY_NONE &&
		    info->why[f] != PT_WHY_NOT_READ)
			p->why[f] = info->why[f];
}

#define CGROUP_FIELDS (PT_FMASK(PT_F_CGROUP) | PT_FMASK(PT_F_CONTAINER) | PT_FMASK(PT_F_CTR_META))

/*
 * The record's container becomes the cache's entry (its runtime state read
 * once per container), counts p while p is alive, and gives PT_F_CTR_META:
 * known when the container was enriched (or p is on the host), else missing
 * with the container's reason.
 */
static void settle_ctr(struct pt_monitor *m, struct pt_proc *p)
{
	int64_t now = pt_now_us();
	bool alive = p->state == PT_STATE_ALIVE;

	if (!m->ctrs || !pt_proc_has(p, PT_F_CONTAINER))
		return;
	if (p->ctr && !(p->ctr_flags & PT_CTR_INTERNED)) {
		p->ctr = pt_ctr_intern(m->ctrs, p->ctr, now);
		p->ctr_flags = PT_CTR_INTERNED;
	}
	if (p->ctr && alive && !(p->ctr_flags & PT_CTR_LIVE)) {
		pt_ctr_live(p->ctr, 1, now);
		p->ctr_flags |= PT_CTR_LIVE;
	} else if (p->ctr && !alive && (p->ctr_flags & PT_CTR_LIVE)) {
		pt_ctr_live(p->ctr, -1, now);
		p->ctr_flags &= (uint8_t)~PT_CTR_LIVE;
	}
	if (!p->ctr || p->ctr->why == PT_WHY_NONE)
		pt_proc_set_known(p, PT_F_CTR_META, (enum pt_src)p->src[PT_F_CONTAINER]);
	else
		pt_proc_set_missing(p, PT_F_CTR_META, (enum pt_why)p->ctr->why);
}

/* Read need from /proc into p, whether p knows them or not. */
static void reread(struct pt_monitor *m, struct pt_proc *p, unsigned need)
{
	struct pt_proc tmp;

	if (m->empty || !need)
		return; /* an imported table: the proc root is not the records' */
	pt_proc_init(&tmp);
	tmp.pid = p->pid;
	pt_procfs_read(&m->fs, p->pid, need, &tmp);
	/* The pid may have been reused since: only take what belongs to p. */
	if (pt_proc_has(&tmp, PT_F_START) && !pt_same_start(tmp.start, p->start)) {
		pt_proc_clear(&tmp);
		return;
	}
	adopt(p, &tmp, need);
	pt_proc_clear(&tmp);
	settle_ctr(m, p);
	pt_table_touch(m->table, p);
}

/*
 * Read from /proc what the record does not know yet (cheap fields first),
 * except what the kernel refused for these credentials: the ptrace access
 * check (cwd, ns, exe) fails the same way until they change. Asking anyway
 * cost a monitor without CAP_SYS_PTRACE nine failed readlinkat calls per exec
 * of another user's process (eight namespaces and cwd), on the core thread.
 */
static void enrich(struct pt_monitor *m, struct pt_proc *p, unsigned want)
{
	unsigned need = 0;

	for (unsigned f = 0; f < PT_F_COUNT; f++)
		if ((want & PT_FMASK(f)) && !pt_proc_has(p, (enum pt_field)f) &&
		    p->why[f] != PT_WHY_PERM)
			need |= PT_FMASK(f);
	reread(m, p, need);
}

/* Its credentials changed (a uid or gid event, an exec into ours): what the
 * kernel refused may be allowed now. */
static void forget_refusals(struct pt_proc *p)
{
	for (unsigned f = 0; f < PT_F_COUNT; f++)
		if (!pt_proc_has(p, (enum pt_field)f) && p->why[f] == PT_WHY_PERM)
			p->why[f] = PT_WHY_NOT_READ;
}

/* Fill what the child does not know yet (a BPF fork record may know its own
 * credentials and namespaces) from the parent, marked inherited. */
static void inherit(struct pt_proc *child, const struct pt_proc *parent)
{
	unsigned want = 0;

	for (unsigned f = 0; f < PT_F_COUNT; f++)
		if ((PT_FMASK_INHERIT & PT_FMASK(f)) && !pt_proc_has(child, (enum pt_field)f) &&
		    pt_proc_has(parent, (enum pt_field)f))
			want |= PT_FMASK(f);
	pt_proc_merge(child, parent, want);
	for (unsigned f = 0; f < PT_F_COUNT; f++) {
		if (want & PT_FMASK(f))
			child->src[f] = PT_SRC_INHERITED;
		/* the same credentials: the kernel refuses the child what it
		 * refused the parent (see enrich()) */
		else if ((PT_FMASK_INHERIT & PT_FMASK(f)) &&
			 !pt_proc_has(child, (enum pt_field)f) &&
			 !pt_proc_has(parent, (enum pt_field)f) && parent->why[f] == PT_WHY_PERM)
			pt_proc_set_missing(child, (enum pt_field)f, PT_WHY_PERM);
	}
}

static struct pt_proc *new_record(struct pt_monitor *m, pid_t pid, uint64_t start, int64_t start_us)
{
	struct pt_proc *p = pt_table_add(m->table, pid, start);

	if (!p)
		return NULL;
	if (!p->tier)
		p->tier = m->tier;
	if (start && !pt_proc_has(p, PT_F_START)) {
		p->start = start;
		p->start_us = start_us ? start_us
				       : pt_ticks_to_us(start, m->fs.clk_tck, m->boot_epoch_us);
		pt_proc_set_known(p, PT_F_START, PT_SRC_EVENT);
	}
	return p;
}

static void apply_fork(struct pt_monitor *m, struct pt_raw *raw)
{
	struct pt_proc *parent, *p;
	struct pt_event ev;

	if (raw->tid && raw->tid != raw->pid) {
		pt_table_thread_add(m->table, raw->tid, raw->pid);
		event_init(&ev, PT_EV_FORK, raw, pt_table_get_live(m->table, raw->pid));
		ev.thread = true;
		emit(m, &ev);
		return;
	}
	parent = pt_table_get_live(m->table, raw->ppid);
	p = new_record(m, raw->pid, raw->start, raw->time_us);
	if (!p)
		return;
	if (!pt_proc_has(p, PT_F_PPID)) {
		p->ppid = raw->ppid;
		pt_proc_set_known(p, PT_F_PPID, PT_SRC_EVENT);
	}
	if (raw->time_us)
		p->start_us = raw->time_us; /* the fork time is finer than start ticks */
	if (raw->info)
		adopt(p, raw->info, PT_FMASK_ALL);
	if (parent)
		inherit(p, parent);
	else
		enrich(m, p, PT_FMASK_INHERIT);
	settle_ctr(m, p);
	pt_table_touch(m->table, p);
	event_init(&ev, PT_EV_FORK, raw, p);
	emit(m, &ev);
}

static int drop_thread(pid_t tid, void *data)
{
	pt_table_thread_del(data, tid);
	return 0;
}

static void apply_exec(struct pt_monitor *m, struct pt_raw *raw)
{
	struct pt_proc *p = pt_table_get_live(m->table, raw->pid);
	uint64_t start = raw->info && pt_proc_has(raw->info, PT_F_START) ? raw->info->start : 0;
	struct pt_event ev;

	if (!p || !pt_same_start(p->start, start))
		p = new_record(m, raw->pid, start, 0);
	if (!p)
		return;
	/* An exec ends every other thread; a held leader exit was the
	 * thread-exec trap, not the end of the process. */
	pt_table_release_exit(m->table, p);
	pt_table_foreach_thread(m->table, p->pid, drop_thread, m->table);
	if (p->src[PT_F_ARGV] == PT_SRC_PROC || p->src[PT_F_ARGV] == PT_SRC_BPF) {
		pt_table_push_exec(m->table, p, raw->time_us ? raw->time_us : pt_now_us());
	} else {
		/* the parent's image, inherited at fork: not an exec of this process */
		free(p->exe);
		free(p->args);
		p->exe = p->args = NULL;
		p->args_len = p->argc = 0;
	}
	for (unsigned f = 0; f < PT_F_COUNT; f++)
		if (PT_FMASK_EXEC_IMAGE & PT_FMASK(f))
			pt_proc_set_missing(p, (enum pt_field)f, PT_WHY_GONE);
	/* exec computes the capabilities anew (setuid, file capabilities): those
	 * inherited at fork or read at an earlier exec are not this image's */
	pt_proc_set_missing(p, PT_F_CAPS, PT_WHY_NOT_READ);
	if (raw->info) {
		int64_t fork_us = p->start_us;

		adopt(p, raw->info, PT_FMASK_ALL);
		if (fork_us)
			p->start_us = fork_us; /* finer than start ticks */
	} else {
		enrich(m, p, PT_FMASK_EXEC_IMAGE | PT_FMASK(PT_F_CREDS) | PT_FMASK(PT_F_CAPS));
	}
	/* Runtimes move a process into the container's cgroup between its fork
	 * and its exec: a cgroup only inherited from the parent is read again
	 * (the old value stays if the process is already gone). */
	if (p->src[PT_F_CGROUP] == PT_SRC_INHERITED || p->src[PT_F_CONTAINER] == PT_SRC_INHERITED)
		reread(m, p, CGROUP_FIELDS);
	/* An exec that left it our uid (a setuid one, or the end of one's
	 * non-dumpable state) may let us read what we were refused. */
	if (!pt_proc_has(p, PT_F_CREDS) || p->uid == m->euid || p->euid == m->euid)
		forget_refusals(p);
	/* cwd and namespaces do not change at exec: keep what was inherited. */
	enrich(m, p, PT_FMASK_ALL & ~PT_FMASK_EXEC_IMAGE);
	settle_ctr(m, p);
	pt_table_touch(m->table, p);
	m->st.exec_total++;
	if (pt_proc_has(p, PT_F_ARGV))
		m->st.exec_args_ok++;
	if (pt_proc_has(p, PT_F_EXE))
		m->st.exec_exe_ok++;
	event_init(&ev, PT_EV_EXEC, raw, p);
	emit(m, &ev);
}

static void decode_status(int status, int *code, int *sig, bool *core)
{
	if (status < 0) {
		*code = -1;
		*sig = 0;
		*core = false;
	} else if ((status & 0x7f) == 0) {
		*code = (status >> 8) & 0xff;
		*sig = 0;
		*core = false;
	} else {
		*code = -1;
		*sig = status & 0x7f;
		*core = status & 0x80;
	}
}

static void close_process(struct pt_monitor *m, struct pt_proc *p, const struct pt_raw *raw,
			  int status, int64_t time_us)
{
	struct pt_event ev;
	bool core;

	decode_status(status, &p->exit_code, &p->exit_signal, &core);
	p->core_dumped |= core;
	pt_table_exit(m->table, p, time_us, status < 0 ? PT_STATE_EXIT_UNKNOWN : PT_STATE_EXITED);
	settle_ctr(m, p);
	m->exits_unswept++;
	event_init(&ev, PT_EV_EXIT, raw, p);
	ev.time_us = time_us;
	ev.tid = p->pid;
	ev.u.exit.exit_code = p->exit_code;
	ev.u.exit.signal = p->exit_signal;
	ev.u.exit.core_dumped = p->core_dumped;
	ev.u.exit.duration_us = p->start_us ? time_us - p->start_us : -1;
	emit(m, &ev);
}

static void apply_exit(struct pt_monitor *m, struct pt_raw *raw)
{
	struct pt_proc *p = pt_table_get_live(m->table, raw->pid);
	int64_t now = raw->time_us ? raw->time_us : pt_now_us();
	struct pt_event ev;

	if (raw->tid && raw->tid != raw->pid) {
		pt_table_thread_del(m->table, raw->tid);
		if (p) {
			event_init(&ev, PT_EV_EXIT, raw, p);
			ev.thread = true;
			ev.u.exit.duration_us = -1;
			decode_status(raw->u.exit.status, &ev.u.exit.exit_code, &ev.u.exit.signal,
				      &ev.u.exit.core_dumped);
			emit(m, &ev);
			int status;
			int64_t t;

			if (p->nthreads <= 1 && pt_table_held_exit(m->table, p, &status, &t))
				close_process(m, p, raw, status, t);
		}
		return;
	}
	if (!p) {
		/* Already closed by a resync after a loss: fill in the real exit. */
		p = pt_table_get(m->table, raw->pid);
		if (p && p->state == PT_STATE_EXIT_UNKNOWN && p->exit_us >= now - 5000000) {
			bool core;

			decode_status(raw->u.exit.status, &p->exit_code, &p->exit_signal, &core);
			p->core_dumped |= core;
			p->state = PT_STATE_EXITED;
			return;
		}
		/* Born and gone while we were not looking. */
		p = new_record(m, raw->pid, 0, 0);
		if (!p)
			return;
		p->ppid = raw->ppid;
		if (raw->ppid)
			pt_proc_set_known(p, PT_F_PPID, PT_SRC_EVENT);
		for (unsigned f = 0; f < PT_F_COUNT; f++)
			if (!pt_proc_has(p, (enum pt_field)f))
				pt_proc_set_missing(p, (enum pt_field)f, PT_WHY_LOST);
	}
	/* an imported process exit is the last thread's: the source held it already */
	if (p->nthreads > 1 && !m->imp) {
		pt_table_hold_exit(m->table, p, raw->u.exit.status, now);
		return;
	}
	close_process(m, p, raw, raw->u.exit.status, now);
}

static void apply_ids(struct pt_monitor *m, struct pt_raw *raw)
{
	struct pt_proc *p = pt_table_get_live(m->table, raw->pid);
	struct pt_event ev;

	if (p) {
		if (raw->type == PT_EV_UID) {
			p->uid = raw->u.id.r;
			p->euid = raw->u.id.e;
		} else {
			p->gid = raw->u.id.r;
			p->egid = raw->u.id.e;
		}
		forget_refusals(p);
		if (!pt_proc_has(p, PT_F_CREDS))
			enrich(m, p, PT_FMASK(PT_F_CREDS));
		else
			p->src[PT_F_CREDS] = PT_SRC_EVENT;
	}
	event_init(&ev, raw->type, raw, p);
	ev.tid = raw->tid;
	if (raw->type == PT_EV_UID) {
		ev.u.uid.ruid = raw->u.id.r;
		ev.u.uid.euid = raw->u.id.e;
	} else {
		ev.u.gid.rgid = raw->u.id.r;
		ev.u.gid.egid = raw->u.id.e;
	}
	emit(m, &ev);
}

static void apply_other(struct pt_monitor *m, struct pt_raw *raw)
{
	struct pt_proc *p = pt_table_get_live(m->table, raw->pid);
	struct pt_event ev;

	event_init(&ev, raw->type, raw, p);
	ev.tid = raw->tid ? raw->tid : raw->pid;
	switch (raw->type) {
	case PT_EV_SID:
		if (p) {
			p->sid = p->pgid = p->pid;
			pt_proc_set_known(p, PT_F_SID, PT_SRC_EVENT);
			pt_proc_set_known(p, PT_F_PGID, PT_SRC_EVENT);
		}
		break;
	case PT_EV_COMM:
		memcpy(ev.u.comm.comm, raw->u.comm, PT_COMM_LEN);
		ev.u.comm.comm[PT_COMM_LEN - 1] = 0;
		/* Only the main thread's name is the process name. */
		if (p && ev.tid == p->pid) {
			/* the name an exec set is unknown when its /proc read lost the
			 * race: then no old name (null), not the parent's stale one */
			if (pt_proc_has(p, PT_F_COMM))
				memcpy(ev.u.comm.old, p->comm, PT_COMM_LEN);
			memcpy(p->comm, ev.u.comm.comm, PT_COMM_LEN);
			pt_proc_set_known(p, PT_F_COMM, PT_SRC_EVENT);
		}
		break;
	case PT_EV_PTRACE:
		ev.u.ptrace.tracer_pid = raw->u.tracer.pid;
		ev.u.ptrace.tracer_tid = raw->u.tracer.tid;
		break;
	case PT_EV_COREDUMP:
		if (p)
			p->core_dumped = true;
		break;
	default:
		break;
	}
	emit(m, &ev);
}

/*
 * A failed exec: the event's record is the caller's (its identity: pid,
 * ppid, creds, comm, exe and argv of what it runs now); the path and argv it
 * asked for travel in the event. When the table does not know the caller,
 * the source's snapshot of it stands in for the callback's duration.
 */
static void apply_exec_failed(struct pt_monitor *m, struct pt_raw *raw)
{
	struct pt_proc *p = pt_table_get_live(m->table, raw->pid);
	struct pt_proc tmp;
	struct pt_event ev;
	bool use_tmp = false;

	if (p && raw->start && !pt_same_start(p->start, raw->start))
		p = NULL;
	/* the source read the caller's credentials as it failed: the freshest */
	if (p && raw->info && pt_proc_has(raw->info, PT_F_CREDS)) {
		pt_proc_merge(p, raw->info, PT_FMASK(PT_F_CREDS));
		p->src[PT_F_CREDS] = raw->info->src[PT_F_CREDS];
	}
	if (!p && raw->info) {
		tmp = *raw->info;
		tmp.tier = m->tier;
		use_tmp = true;
	}
	event_init(&ev, PT_EV_EXEC_FAILED, raw, use_tmp ? &tmp : p);
	ev.tid = raw->tid ? raw->tid : raw->pid;
	ev.u.exec_failed.err = raw->u.failed.err;
	ev.u.exec_failed.path = raw->u.failed.path;
	ev.u.exec_failed.args = raw->u.failed.args;
	ev.u.exec_failed.args_len = raw->u.failed.args_len;
	ev.u.exec_failed.argc = raw->u.failed.argc;
	ev.u.exec_failed.args_truncated = raw->u.failed.args_truncated;
	ev.u.exec_failed.execveat = raw->u.failed.execveat;
	emit(m, &ev);
}

static void emit_lost(struct pt_monitor *m, uint64_t count, bool estimated, const char *reason,
		      int64_t time_us)
{
	struct pt_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = PT_EV_LOST;
	ev.time_us = time_us;
	ev.u.lost.count = count;
	ev.u.lost.estimated = estimated;
	ev.u.lost.reason = reason;
	m->st.lost += count;
	if (estimated)
		m->st.lost_estimated += count;
	emit(m, &ev);
}

/* Report the summed losses of the burst, oldest reason first. */
static void flush_lost(struct pt_monitor *m)
{
	for (unsigned i = 0; i < m->nlost; i++)
		emit_lost(m, m->lost[i].count, false, m->lost[i].reason, m->lost[i].time_us);
	m->nlost = 0;
}

static bool same_reason(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* A counted loss: add it to its reason's sum and arm the resync. */
static void arm_loss(struct pt_monitor *m, uint64_t count, const char *reason, int64_t time_us)
{
	unsigned i;

	m->resync_armed = true;
	for (i = 0; i < m->nlost; i++)
		if (same_reason(m->lost[i].reason, reason))
			break;
	if (i == LOST_SLOTS) {
		/* more distinct reasons than slots: report these now, keep the resync armed */
		flush_lost(m);
		i = 0;
	}
	if (i == m->nlost)
		m->lost[m->nlost++] = (struct lost_sum){reason, 0, time_us ? time_us : pt_now_us()};
	m->lost[i].count += count;
}

static void settle_unbound(struct pt_monitor *m);

void pt_core_flush(struct pt_monitor *m)
{
	const char *reason;
	int r;

	if (m->nunbound || m->unbound_full)
		settle_unbound(m);
	if (!m->resync_armed && !m->nlost)
		return;
	reason = m->nlost ? m->lost[0].reason : NULL;
	flush_lost(m);
	if (!m->resync_armed)
		return;
	m->resync_armed = false;
	r = pt_core_resync(m, reason ? reason : "events lost");
	if (r < 0)
		pt_log(m, PT_LOG_WARNING, "resync: %s", strerror(-r));
}

/* The path and argv a failed exec's record owns. */
static void free_failed(struct pt_raw *raw)
{
	free(raw->u.failed.path);
	free(raw->u.failed.args);
	raw->u.failed.path = raw->u.failed.args = NULL;
}

void pt_core_raw(struct pt_monitor *m, struct pt_raw *raw)
{
	switch (raw->type) {
	case PT_EV_FORK:
		apply_fork(m, raw);
		break;
	case PT_EV_EXEC:
		apply_exec(m, raw);
		break;
	case PT_EV_EXIT:
		apply_exit(m, raw);
		break;
	case PT_EV_UID:
	case PT_EV_GID:
		apply_ids(m, raw);
		break;
	case PT_EV_LOST:
		if (raw->u.lost.estimated)
			emit_lost(m, raw->u.lost.count, true, raw->u.lost.reason, raw->time_us);
		else
			arm_loss(m, raw->u.lost.count, raw->u.lost.reason, raw->time_us);
		break;
	case PT_EV_SID:
	case PT_EV_COMM:
	case PT_EV_PTRACE:
	case PT_EV_COREDUMP:
		apply_other(m, raw);
		break;
	case PT_EV_EXEC_FAILED:
		apply_exec_failed(m, raw);
		free_failed(raw);
		break;
	default:
		pt_core_malformed(m);
		break;
	}
	if (raw->info) {
		pt_proc_clear(raw->info);
		free(raw->info);
		raw->info = NULL;
	}
}

/* ---- importing (import.c) ---- */

bool pt_core_empty(const struct pt_monitor *m)
{
	return m->empty;
}

struct pt_proc *pt_core_record(struct pt_monitor *m, pid_t pid, uint64_t start, int64_t start_us)
{
	return new_record(m, pid, start, start_us);
}

const char *pt_core_boot_id(struct pt_monitor *m, const char *boot_id)
{
	const char *id = pt_table_boot_id(m->table, boot_id);

	if (id && !m->boot_id[0])
		snprintf(m->boot_id, sizeof(m->boot_id), "%s", id);
	return id;
}

/*
 * An imported event goes the way a source's raw event goes (pt_core_raw), so
 * the table changes as it did where it was recorded; what reaches the
 * subscribers is the event as encoded, once, whether or not the source path
 * emitted it (an exit the table already closed, a type the path has no record
 * for). A lost event is already the sum of its burst: reported at once, with
 * no resync (there is no proc root to resynchronise from).
 */
void pt_core_import_event(struct pt_monitor *m, struct pt_raw *raw,
			  const struct pt_core_import *imp)
{
	m->imp = imp;
	m->imp_done = false;
	if (imp->deliver_only) {
		deliver_imported(m, imp->proc);
		/* not applied: what pt_core_raw would have freed */
		if (raw->type == PT_EV_EXEC_FAILED)
			free_failed(raw);
	} else if (raw->type == PT_EV_LOST)
		emit_lost(m, raw->u.lost.count, raw->u.lost.estimated, raw->u.lost.reason,
			  raw->time_us);
	else
		pt_core_raw(m, raw);
	if (!m->imp_done)
		deliver_imported(m, imp->proc ? imp->proc : pt_table_get(m->table, raw->pid));
	m->imp = NULL;
}

/* ---- what the scanner reports ---- */

void pt_core_inherit_image(const struct pt_table *t, struct pt_proc *info, enum pt_scan_image img)
{
	static const enum pt_field image[] = {PT_F_COMM, PT_F_EXE, PT_F_ARGV};
	const struct pt_proc *parent = NULL;
	bool mid_exec = img == PT_IMAGE_MID_EXEC;

	if (img == PT_IMAGE_OWN)
		return;
	if (pt_proc_has(info, PT_F_PPID))
		parent = pt_table_get_live(t, info->ppid);
	for (size_t i = 0; i < PT_ARRAY_SIZE(image); i++) {
		enum pt_field f = image[i];

		if (parent && pt_proc_has(parent, f) && (mid_exec || !pt_proc_has(info, f)))
			pt_proc_merge(info, parent, PT_FMASK(f));
		if (pt_proc_has(info, f))
			info->src[f] = PT_SRC_INHERITED;
	}
	if (!pt_proc_has(info, PT_F_ARGV)) {
		/* not from the parent: known to be its, empty, and not an exec */
		pt_proc_set_args(info, NULL, 0, false);
		pt_proc_set_known(info, PT_F_ARGV, PT_SRC_INHERITED);
	}
}

static void note_unbound(struct pt_monitor *m, pid_t pid);

static void core_discovered(struct pt_monitor *m, struct pt_proc *info, enum pt_scan_image img,
			    enum pt_scan_kind kind, int64_t lo_us, int64_t hi_us)
{
	struct pt_proc *p;
	struct pt_raw raw;
	struct pt_event ev;

	pt_core_inherit_image(m->table, info, img);
	p = new_record(m, info->pid, info->start, 0);
	if (!p)
		goto out;
	adopt(p, info, PT_FMASK_ALL);
	p->flags |= kind == PT_SCAN_SNAPSHOT ? PT_PROC_SNAPSHOT
		: kind == PT_SCAN_RESYNC     ? PT_PROC_RESYNC
					     : PT_PROC_SYNTH;
	if (!p->start_us && p->start)
		p->start_us = pt_ticks_to_us(p->start, m->fs.clk_tck, m->boot_epoch_us);
	settle_ctr(m, p);
	pt_table_touch(m->table, p);
	if (kind != PT_SCAN_SYNTH)
		goto out;
	if (p->ppid > 0 && !pt_table_parent(m->table, p))
		note_unbound(m, p->pid);
	memset(&raw, 0, sizeof(raw));
	raw.pid = raw.tid = p->pid;
	raw.ppid = p->ppid;
	raw.synthesized = true;
	raw.time_us = hi_us;
	raw.lo_us = lo_us;
	raw.hi_us = hi_us;
	event_init(&ev, PT_EV_FORK, &raw, p);
	emit(m, &ev);
	/* seen before its exec: the image is the parent's, the exec comes later */
	if (p->src[PT_F_ARGV] == PT_SRC_INHERITED)
		goto out;
	m->st.exec_total++;
	if (pt_proc_has(p, PT_F_ARGV))
		m->st.exec_args_ok++;
	if (pt_proc_has(p, PT_F_EXE))
		m->st.exec_exe_ok++;
	event_init(&ev, PT_EV_EXEC, &raw, p);
	emit(m, &ev);
out:
	pt_proc_clear(info);
	free(info);
}

static void core_vanished(struct pt_monitor *m, struct pt_proc *p, enum pt_scan_kind kind,
			  int64_t lo_us, int64_t hi_us)
{
	struct pt_raw raw;

	memset(&raw, 0, sizeof(raw));
	raw.pid = raw.tid = p->pid;
	raw.ppid = p->ppid;
	raw.synthesized = true;
	raw.lo_us = lo_us;
	raw.hi_us = hi_us;
	if (kind == PT_SCAN_SNAPSHOT) {
		pt_table_exit(m->table, p, hi_us, PT_STATE_EXIT_UNKNOWN);
		settle_ctr(m, p);
		return;
	}
	p->flags |= kind == PT_SCAN_RESYNC ? PT_PROC_RESYNC : PT_PROC_SYNTH;
	close_process(m, p, &raw, -1, hi_us);
}

static void core_missed(struct pt_monitor *m, uint64_t count, const char *reason)
{
	if (count)
		emit_lost(m, count, true, reason, 0);
}

static void core_threads(struct pt_monitor *m, pid_t pid, const pid_t *tids, size_t n)
{
	pt_table_set_threads(m->table, pid, tids, n);
}

static const struct pt_scan_hooks core_hooks = {
	.discovered = core_discovered,
	.vanished = core_vanished,
	.missed = core_missed,
	.raw = pt_core_raw,
	.threads = core_threads,
	.table = pt_core_table,
};

const struct pt_scan_hooks *pt_core_scan_hooks(void)
{
	return &core_hooks;
}

static void bind_after_scan(struct pt_monitor *m);

int pt_core_resync(struct pt_monitor *m, const char *reason)
{
	int r;

	if (m->empty)
		return -EOPNOTSUPP;
	pt_log(m, PT_LOG_INFO, "resynchronising from %s: %s", m->fs.root, reason);
	m->st.resyncs++;
	r = pt_scan(m, m->scanner, PT_SCAN_RESYNC);
	bind_after_scan(m);
	return r;
}

PT_EXPORT int pt_monitor_resync(struct pt_monitor *m)
{
	return pt_core_resync(m, "requested");
}

/* ---- reparenting ---- */

struct orphan_ctx {
	struct pt_monitor *m;
	bool unknown; /* after a scan: parents it never saw, not closed ones */
};

static int collect_orphan(const struct pt_proc *p, void *data)
{
	struct orphan_ctx *c = data;
	struct pt_monitor *m = c->m;
	const struct pt_proc *parent = pt_table_parent(m->table, p);
	pid_t *v;

	if (c->unknown) {
		/* a ppid the table has no record of: that parent exited before the
		 * scan reached it (its pid above the child's, after a wrap) */
		if (parent || p->ppid <= 0)
			return 0;
	} else if (!parent || parent->state == PT_STATE_ALIVE) {
		/* a parent that is alive, or one the table never knew */
		return 0;
	}
	if (m->norphans == m->orphans_cap) {
		size_t cap = m->orphans_cap ? m->orphans_cap * 2 : 64;

		v = realloc(m->orphans, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		m->orphans = v;
		m->orphans_cap = cap;
	}
	m->orphans[m->norphans++] = p->pid;
	return 0;
}

/* Read p's ppid again from /proc, where the kernel has reparented it. */
static void reread_ppid(struct pt_monitor *m, struct pt_proc *p)
{
	struct pt_proc tmp;

	pt_proc_init(&tmp);
	if (pt_procfs_read(&m->fs, p->pid, PT_FMASK(PT_F_PPID) | PT_FMASK(PT_F_START), &tmp) == 0 &&
	    pt_same_start(tmp.start, p->start) && pt_proc_has(&tmp, PT_F_PPID)) {
		/* the parent at fork time is the one the key keeps */
		pt_table_bind_parent(m->table, p, true);
		p->ppid = tmp.ppid;
		pt_proc_set_known(p, PT_F_PPID, PT_SRC_PROC);
	}
	pt_proc_clear(&tmp);
}

/* Read the ppid of the live records whose parent record is closed (unknown:
 * or absent) again from /proc, where the kernel has reparented them. */
static void reparent_sweep(struct pt_monitor *m, bool unknown)
{
	struct orphan_ctx c = {.m = m, .unknown = unknown};

	m->norphans = 0;
	pt_table_foreach(m->table, PT_SEL_ALIVE, collect_orphan, &c);
	for (size_t i = 0; i < m->norphans; i++) {
		struct pt_proc *p = pt_table_get_live(m->table, m->orphans[i]);

		if (p)
			reread_ppid(m, p);
	}
	m->norphans = 0;
}

/*
 * The kernel reports no reparenting: when a parent exits, its children move to
 * a subreaper or init silently. After processes have exited, the live records
 * whose parent record is closed read their ppid again from /proc, so that
 * queries (pt_parent) stay table lookups. Until then they name the parent
 * that started them.
 */
void pt_core_reparent(struct pt_monitor *m)
{
	if (!m->exits_unswept || m->empty)
		return;
	m->exits_unswept = 0;
	reparent_sweep(m, false);
}

/*
 * After a scan of /proc: a parent that exited while the scan ran, after it
 * read the child but before it reached the parent, left the child naming a
 * pid the table never held, outside the tree under pid 1. Its ppid is read
 * again; the kernel has moved it by then.
 */
static void bind_after_scan(struct pt_monitor *m)
{
	pt_table_bind_parents(m->table);
	reparent_sweep(m, true);
}

/*
 * The same race in the periodic scans of the poll and inotify tiers: a process
 * found naming a parent the table does not hold is noted, and once the source
 * has handed over what it found (pt_core_flush), its ppid is read again if that
 * parent is still unknown. Only the processes a scan found are looked at.
 */
#define UNBOUND_MAX 4096

static void note_unbound(struct pt_monitor *m, pid_t pid)
{
	if (m->nunbound == m->unbound_cap) {
		size_t cap = m->unbound_cap ? m->unbound_cap * 2 : 64;
		pid_t *v;

		if (cap > UNBOUND_MAX || !(v = realloc(m->unbound, cap * sizeof(*v)))) {
			m->unbound_full = true;
			return;
		}
		m->unbound = v;
		m->unbound_cap = cap;
	}
	m->unbound[m->nunbound++] = pid;
}

static void settle_unbound(struct pt_monitor *m)
{
	if (m->unbound_full) {
		reparent_sweep(m, true);
	} else {
		for (size_t i = 0; i < m->nunbound; i++) {
			struct pt_proc *p = pt_table_get_live(m->table, m->unbound[i]);

			if (p && p->ppid > 0 && !pt_table_parent(m->table, p))
				reread_ppid(m, p);
		}
	}
	m->nunbound = 0;
	m->unbound_full = false;
}

/* ---- open, loop, close ---- */

static int open_tier(struct pt_monitor *m, enum pt_tier t)
{
	const struct pt_source_ops *ops = source_for(t);
	char why[512] = "";
	int r;

	if (!ops || !ops->open) {
		pt_log(m, PT_LOG_NOTICE, "tier %s: not built", pt_tier_name(t));
		return -ENOSYS;
	}
	r = ops->open(m, &m->src_priv, why, sizeof(why));
	if (r < 0) {
		pt_log(m, m->opt.tier == PT_TIER_AUTO ? PT_LOG_NOTICE : PT_LOG_ERR,
		       "tier %s unavailable: %s", pt_tier_name(t), why[0] ? why : strerror(-r));
		return r;
	}
	m->src = ops;
	m->tier = t;
	pt_log(m, PT_LOG_INFO, "using tier %s", pt_tier_name(t));
	memset(&m->gaps, 0, sizeof(m->gaps));
	if (ops->gaps)
		ops->gaps(&m->opt, m->src_priv, &m->gaps);
	m->gaps.missing &= m->opt.events;
	for (unsigned e = 0; e < PT_EV_COUNT; e++)
		if (m->gaps.missing & PT_EVMASK(e))
			pt_log(m, PT_LOG_INFO, "tier %s cannot deliver %s events: %s",
			       pt_tier_name(t), pt_event_name((enum pt_event_type)e),
			       m->gaps.why[e]);
		else
			m->gaps.why[e] = NULL;
	return 0;
}

static int epoll_add(struct pt_monitor *m, int fd)
{
	struct epoll_event e = {.events = EPOLLIN, .data.fd = fd};

	if (fd < 0)
		return 0;
	return epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &e) < 0 ? -errno : 0;
}

/* Arm the timer for the next expiry or source tick, whichever comes first. */
static void arm_timer(struct pt_monitor *m)
{
	int64_t ms = m->next_expire_us - pt_mono_us();
	struct itimerspec its = {0};

	ms = ms < 0 ? 0 : ms / 1000;
	if (m->src && m->src->next_tick_ms) {
		int t = m->src->next_tick_ms(m->src_priv);

		if (t >= 0 && t < ms)
			ms = t;
	}
	if (ms <= 0)
		ms = 1;
	its.it_value.tv_sec = ms / 1000;
	its.it_value.tv_nsec = (ms % 1000) * 1000000;
	timerfd_settime(m->timerfd, 0, &its, NULL);
}

PT_EXPORT int pt_monitor_open(struct pt_monitor **out, const struct pt_options *o)
{
	struct pt_table_opts to;
	struct pt_monitor *m;
	int r;

	if (!out || !o)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	r = pt_options_import(&m->opt, o);
	if (r < 0) {
		free(m);
		return r;
	}
	o = &m->opt; /* the caller's struct may be older (smaller) or newer than ours */
	m->epfd = m->stopfd = m->timerfd = -1;
	m->fs.root_fd = -1;
	if (o->flags & ~(unsigned)PT_OPEN_EMPTY) {
		free(m);
		return -EINVAL;
	}
	m->empty = o->flags & PT_OPEN_EMPTY;
	m->euid = geteuid();
	snprintf(m->proc_root, sizeof(m->proc_root), "%s",
		 o->proc_root ? o->proc_root : PT_PROC_ROOT);
	m->opt.proc_root = m->proc_root;
	if (!m->opt.args_max)
		m->opt.args_max = 128u << 10;
	m->mono_to_real_ns = ts_ns(CLOCK_REALTIME) - ts_ns(CLOCK_MONOTONIC);
	m->boot_epoch_us = pt_boot_epoch_us();

	if (m->empty) {
		/* nothing is read from the proc root: only its clock rate is needed */
		long hz = sysconf(_SC_CLK_TCK);

		m->fs.clk_tck = hz > 0 ? hz : 100;
		m->fs.args_max = m->opt.args_max;
		snprintf(m->fs.root, sizeof(m->fs.root), "%s", m->proc_root);
	} else {
		r = pt_procfs_open(&m->fs, m->proc_root, m->opt.args_max);
		if (r < 0) {
			pt_log(m, PT_LOG_ERR, "cannot open %s: %s", m->proc_root, strerror(-r));
			goto fail;
		}
	}
	to = (struct pt_table_opts){
		.retention_us = o->retention_ms * 1000,
		.mem_max = o->mem_max,
		.exec_history = o->exec_history,
		.clk_tck = m->fs.clk_tck,
		.boot_us = m->boot_epoch_us,
	};
	/* once per monitor: the boot id makes keys unique across reboots (an empty
	 * monitor takes the first one imported) */
	r = m->empty ? 0 : pt_procfs_boot_id(&m->fs, m->boot_id);
	if (r < 0) {
		m->boot_id[0] = '\0';
		pt_log(m, PT_LOG_WARNING, "no boot id under %s (%s): records carry no key",
		       m->proc_root, strerror(-r));
	}
	memcpy(to.boot_id, m->boot_id, sizeof(to.boot_id));
	{
		struct pt_ctr_cache_opts co = {
			.root = o->runtime_root,
			.no_enrich =
				m->empty, /* imported records: this host's state is not theirs */
			.linger_us = (o->container_linger_ms > 0 ? o->container_linger_ms : 30000) *
				1000,
		};

		m->ctrs = pt_ctr_cache_new(&co);
	}
	m->table = pt_table_new(&to);
	if (!m->empty)
		m->scanner = pt_scanner_new(&m->fs, &core_hooks);
	if (!m->table || !m->ctrs || (!m->empty && !m->scanner)) {
		r = -ENOMEM;
		goto fail;
	}
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	m->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	m->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (m->epfd < 0 || m->stopfd < 0 || m->timerfd < 0) {
		r = -errno;
		goto fail;
	}

	/* Subscribe first, then scan: nothing falls between snapshot and stream. */
	if (m->empty) {
		m->tier = PT_TIER_NONE;
	} else if (o->tier == PT_TIER_AUTO) {
		r = -ENODEV;
		for (size_t i = 0; i < PT_ARRAY_SIZE(sources) && r < 0; i++)
			r = open_tier(m, sources[i]->tier);
		if (r < 0) {
			pt_log(m, PT_LOG_ERR, "no tier can run here; see `proctrail probe`");
			goto fail;
		}
	} else if (o->tier != PT_TIER_NONE) {
		r = open_tier(m, o->tier);
		if (r < 0)
			goto fail;
	} else {
		m->tier = PT_TIER_NONE;
	}

	r = m->empty ? 0 : pt_scan(m, m->scanner, PT_SCAN_SNAPSHOT);
	if (r < 0) {
		pt_log(m, PT_LOG_ERR, "scanning %s: %s", m->proc_root, strerror(-r));
		goto fail;
	}
	if (!m->empty)
		bind_after_scan(m);
	if ((r = epoll_add(m, m->stopfd)) < 0 || (r = epoll_add(m, m->timerfd)) < 0)
		goto fail;
	if (m->src && m->src->fd && (r = epoll_add(m, m->src->fd(m->src_priv))) < 0)
		goto fail;
	m->next_expire_us = pt_mono_us() + EXPIRE_PERIOD_MS * 1000;
	arm_timer(m);
	*out = m;
	return 0;
fail:
	pt_monitor_close(m);
	return r;
}

PT_EXPORT void pt_monitor_close(struct pt_monitor *m)
{
	if (!m)
		return;
	flush_lost(m); /* the losses still owed; no point in a resync now */
	if (m->src && m->src->close)
		m->src->close(m, m->src_priv);
	pt_scanner_free(m->scanner);
	pt_table_free(m->table); /* first: records hold references to the cache's entries */
	pt_ctr_cache_free(m->ctrs);
	free(m->orphans);
	free(m->unbound);
	pt_procfs_close(&m->fs);
	if (m->epfd >= 0)
		close(m->epfd);
	if (m->stopfd >= 0)
		close(m->stopfd);
	if (m->timerfd >= 0)
		close(m->timerfd);
	free(m);
}

PT_EXPORT int pt_monitor_subscribe(struct pt_monitor *m, pt_event_fn fn, void *data)
{
	if (!m || !fn)
		return -EINVAL;
	if (m->nsubs >= MAX_SUBSCRIBERS)
		return -ENOSPC;
	m->subs[m->nsubs++] = (struct subscriber){fn, data};
	return 0;
}

PT_EXPORT int pt_monitor_fd(const struct pt_monitor *m)
{
	return m ? m->epfd : -EINVAL;
}

static int handle_timer(struct pt_monitor *m)
{
	uint64_t ticks;
	int64_t now = pt_mono_us();
	int r = 0;

	if (read(m->timerfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return -errno;
	if (now >= m->next_expire_us) {
		pt_core_reparent(m); /* first: the closed parents are still there */
		pt_table_expire(m->table, pt_now_us());
		pt_ctr_cache_expire(m->ctrs, pt_now_us());
		m->next_expire_us = now + EXPIRE_PERIOD_MS * 1000;
	}
	if (m->src && m->src->tick &&
	    (!m->src->next_tick_ms || m->src->next_tick_ms(m->src_priv) == 0))
		r = m->src->tick(m, m->src_priv, pt_now_us());
	return r;
}

static int dispatch_fd(struct pt_monitor *m, int fd)
{
	uint64_t v;

	if (fd == m->stopfd) {
		if (read(m->stopfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			return -errno;
		atomic_store(&m->stop, true);
		return 0;
	}
	if (fd == m->timerfd)
		return handle_timer(m);
	return m->src->dispatch(m, m->src_priv);
}

static int wait_and_dispatch(struct pt_monitor *m, int timeout_ms)
{
	struct epoll_event evs[4];
	int n, total = 0;

	n = epoll_wait(m->epfd, evs, PT_ARRAY_SIZE(evs), timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		int r = dispatch_fd(m, evs[i].data.fd);

		if (r < 0) {
			pt_core_flush(m);
			return r;
		}
		total += r;
	}
	pt_core_flush(m);
	arm_timer(m);
	return total;
}

PT_EXPORT int pt_monitor_dispatch(struct pt_monitor *m)
{
	if (!m)
		return -EINVAL;
	return wait_and_dispatch(m, 0);
}

PT_EXPORT int pt_monitor_run(struct pt_monitor *m, int timeout_ms)
{
	int64_t deadline = timeout_ms >= 0 ? pt_mono_us() + (int64_t)timeout_ms * 1000 : 0;

	if (!m)
		return -EINVAL;
	while (!atomic_load(&m->stop)) {
		int wait = -1, r;

		if (deadline) {
			int64_t left = deadline - pt_mono_us();

			if (left <= 0)
				break;
			wait = (int)((left + 999) / 1000);
		}
		r = wait_and_dispatch(m, wait);
		if (r < 0)
			return r;
	}
	/* Hand over what the source already holds before returning. */
	if (m->src)
		m->src->dispatch(m, m->src_priv);
	pt_core_flush(m);
	return 0;
}

PT_EXPORT void pt_monitor_stop(struct pt_monitor *m)
{
	uint64_t one = 1;

	if (!m)
		return;
	atomic_store(&m->stop, true);
	/* async-signal-safe: wake a blocked epoll_wait */
	if (write(m->stopfd, &one, sizeof(one)) < 0) {
		/* the flag alone still stops the loop at its next wake-up */
	}
}

/* ---- status and queries ---- */

PT_EXPORT int pt_monitor_status_size(const struct pt_monitor *m, struct pt_status *out, size_t size)
{
	struct pt_table_stats ts;
	struct pt_status st;

	if (!m || !out)
		return -EINVAL;
	st = m->st;
	st.tier = m->tier;
	pt_table_stats(m->table, &ts);
	st.alive = ts.alive;
	st.exited = ts.exited;
	st.threads = ts.threads;
	st.evicted = ts.evicted;
	st.expired = ts.expired;
	st.mem = ts.mem;
	st.events_missing = m->gaps.missing;
	pt_status_export(out, size, &st);
	return 0;
}

PT_EXPORT int pt_monitor_set_limits(struct pt_monitor *m, int64_t retention_ms, size_t mem_max)
{
	if (!m || retention_ms < 0 || retention_ms > INT64_MAX / 1000 || !mem_max)
		return -EINVAL;
	m->opt.retention_ms = retention_ms;
	m->opt.mem_max = mem_max;
	pt_table_set_limits(m->table, retention_ms * 1000, mem_max);
	pt_table_expire(m->table, pt_now_us());
	return 0;
}

PT_EXPORT enum pt_tier pt_monitor_tier(const struct pt_monitor *m)
{
	return m ? m->tier : PT_TIER_NONE;
}

static const struct pt_proc *found(const struct pt_proc *p)
{
	if (!p)
		errno = ESRCH;
	return p;
}

PT_EXPORT const struct pt_proc *pt_lookup(const struct pt_monitor *m, pid_t pid)
{
	return found(m ? pt_table_get(m->table, pid) : NULL);
}

PT_EXPORT const struct pt_proc *pt_lookup_at(const struct pt_monitor *m, pid_t pid, int64_t at_us)
{
	return found(m ? pt_table_get_at(m->table, pid, at_us) : NULL);
}

PT_EXPORT const char *pt_monitor_boot_id(const struct pt_monitor *m)
{
	if (!m || !m->boot_id[0]) {
		errno = m ? ENODATA : EINVAL;
		return NULL;
	}
	return m->boot_id;
}

PT_EXPORT const struct pt_proc *pt_lookup_ref(const struct pt_monitor *m, const struct pt_ref *r)
{
	const struct pt_proc *p;

	if (!m || !r) {
		errno = EINVAL;
		return NULL;
	}
	switch (r->kind) {
	case PT_REF_PID:
		p = pt_table_get(m->table, r->pid);
		break;
	case PT_REF_PID_AT:
		p = pt_table_get_at(m->table, r->pid, r->at_us);
		break;
	case PT_REF_KEY:
		if (!m->boot_id[0] || strncmp(m->boot_id, r->boot_id, sizeof(r->boot_id)) != 0) {
			errno = EXDEV;
			return NULL;
		}
		p = pt_table_get_start(m->table, r->pid, r->start);
		break;
	default:
		errno = EINVAL;
		return NULL;
	}
	if (!p)
		errno = ESRCH;
	return p;
}

PT_EXPORT const struct pt_proc *pt_lookup_tid(const struct pt_monitor *m, pid_t tid)
{
	pid_t tgid;

	if (!m)
		return found(NULL);
	tgid = pt_table_thread_tgid(m->table, tid);
	return found(pt_table_get_live(m->table, tgid > 0 ? tgid : tid));
}

/* The record p's ppid names, alive when p started: a table lookup, no /proc
 * read (the core refreshes ppids after reparenting, pt_core_reparent). */
PT_EXPORT const struct pt_proc *pt_parent(const struct pt_monitor *m, const struct pt_proc *p)
{
	if (!m || !p)
		return found(NULL);
	return found(pt_table_parent(m->table, p));
}

/* The parent at fork time: the record parent_key names, alive or exited,
 * while the table retains it; pt_parent() when it was never bound. */
PT_EXPORT const struct pt_proc *pt_parent_orig(const struct pt_monitor *m, const struct pt_proc *p)
{
	const struct pt_proc *pp;

	if (!m || !p)
		return found(NULL);
	if (p->pkey == PT_PKEY_NONE)
		return found(NULL);
	if (p->pkey == PT_PKEY_BOUND) {
		pp = pt_table_get_start(m->table, p->pkey_pid, p->pkey_start);
		return found(pp && pp != p ? pp : NULL);
	}
	return pt_parent(m, p);
}

PT_EXPORT int pt_foreach_container(const struct pt_monitor *m, pt_container_fn fn, void *data)
{
	if (!m || !fn)
		return -EINVAL;
	return pt_ctr_cache_foreach(m->ctrs, fn, data);
}

struct pt_ctr_cache *pt_core_ctrs(struct pt_monitor *m)
{
	return m->ctrs;
}

void pt_core_settle_ctr(struct pt_monitor *m, struct pt_proc *p)
{
	settle_ctr(m, p);
}

PT_EXPORT int pt_foreach(const struct pt_monitor *m, unsigned select, pt_proc_fn fn, void *data)
{
	return m ? pt_table_foreach(m->table, select, fn, data) : -EINVAL;
}

PT_EXPORT int pt_foreach_child(const struct pt_monitor *m, const struct pt_proc *p, unsigned select,
			       pt_proc_fn fn, void *data)
{
	return m && p ? pt_table_foreach_child(m->table, p, select, fn, data) : -EINVAL;
}

PT_EXPORT int pt_foreach_ancestor(const struct pt_monitor *m, const struct pt_proc *p,
				  pt_proc_fn fn, void *data)
{
	unsigned depth = 0;
	int r;

	if (!m || !p)
		return -EINVAL;
	/* bounded: a corrupt ppid chain must not loop forever */
	while ((p = pt_parent(m, p)) && depth++ < 4096)
		if ((r = fn(p, data)))
			return r;
	return 0;
}

PT_EXPORT int pt_foreach_thread(const struct pt_monitor *m, const struct pt_proc *p,
				int (*fn)(pid_t tid, void *data), void *data)
{
	return m && p ? pt_table_foreach_thread(m->table, p->pid, fn, data) : -EINVAL;
}

struct exited_filter {
	int64_t since_us, max_us;
	pt_proc_fn fn;
	void *data;
};

static int exited_cb(const struct pt_proc *p, void *data)
{
	struct exited_filter *f = data;

	if (p->exit_us < f->since_us)
		return 0;
	if (f->max_us >= 0 && (!p->start_us || p->exit_us - p->start_us >= f->max_us))
		return 0;
	return f->fn(p, f->data);
}

PT_EXPORT int pt_foreach_exited(const struct pt_monitor *m, int64_t since_us, pt_proc_fn fn,
				void *data)
{
	struct exited_filter f = {since_us, -1, fn, data};

	return m ? pt_table_foreach_exited(m->table, exited_cb, &f) : -EINVAL;
}

PT_EXPORT int pt_foreach_short(const struct pt_monitor *m, int64_t max_ms, pt_proc_fn fn,
			       void *data)
{
	struct exited_filter f = {0, max_ms * 1000, fn, data};

	return m ? pt_table_foreach_exited(m->table, exited_cb, &f) : -EINVAL;
}

PT_EXPORT int pt_probe(enum pt_tier tier, const struct pt_options *o, char *why, size_t len)
{
	const struct pt_source_ops *ops = source_for(tier);
	struct pt_options opt;
	int r;

	if (!ops || !ops->probe) {
		snprintf(why, len, "no such tier");
		return -EINVAL;
	}
	r = pt_options_import(&opt, o);
	if (r < 0) {
		snprintf(why, len, "%s",
			 r == -E2BIG ? "options newer than this library"
				     : "options not initialised");
		return r;
	}
	why[0] = 0;
	return ops->probe(&opt, why, len);
}

PT_EXPORT int pt_tier_event_gaps(enum pt_tier tier, const struct pt_options *o,
				 struct pt_event_gaps *out)
{
	const struct pt_source_ops *ops = source_for(tier);
	struct pt_options opt;
	int r;

	if (!out || !ops)
		return -EINVAL;
	r = pt_options_import(&opt, o);
	if (r < 0)
		return r;
	memset(out, 0, sizeof(*out));
	if (ops->gaps)
		ops->gaps(&opt, NULL, out);
	out->missing &= opt.events;
	for (unsigned e = 0; e < PT_EV_MAX; e++)
		if (!(out->missing & PT_EVMASK(e)))
			out->why[e] = NULL;
	return 0;
}

PT_EXPORT int pt_monitor_event_gaps(const struct pt_monitor *m, struct pt_event_gaps *out)
{
	if (!m || !out)
		return -EINVAL;
	*out = m->gaps;
	return 0;
}

PT_EXPORT const char *pt_version(void)
{
	return PACKAGE_VERSION;
}
