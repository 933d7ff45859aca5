/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The inotify tier: an exec opens the binary and then the dynamic loader's
 * files (ld.so.cache, libraries), and each open in a watched directory
 * triggers a fast /proc scan that reads the new processes at once. A periodic
 * full scan catches exits and whatever touched no watched file (a static
 * binary in an unwatched directory).
 *
 * A /bin/true lives about a millisecond, and the open that wakes us comes
 * from it: the wakeup goes to the CPU it runs on, and an idle CPU next door
 * is not looked for on a small machine (SIS_UTIL), so a single watcher waits
 * for the process to end before it runs. Reader threads, each kept on a CPU
 * of its own, wait on the inotify fd together: whichever CPU is free runs
 * its reader at once. A reader only reads the new processes, argv first, and
 * again until their exec is done, and hands the core what it saw (a ring per
 * reader: readers share nothing, as a lock held by a reader stuck behind the
 * process would stall the others). The core does the rest on its own thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "scan.h"

#define LDCONF_DEPTH_MAX 8
#define LDCONF_LINE_MAX 4096
#define DRAIN_READS_MAX 64 /* x sizeof(buf): bounded work per dispatch */
#define WATCH_MASK (IN_OPEN | IN_ONLYDIR)
#define READERS_AUTO_MAX 2
#define READERS_MAX 64
#define RING_SLOTS 1024 /* captures a reader can hand over before the core takes them */
#define WAITING_MAX 256 /* processes a reader reads again until their exec */
#define WAITING_US 1000000 /* for this long at most */
#define NEW_PER_WAKE 256 /* new processes a reader reads per wakeup */
#define NEW_SPAN_MAX 65536 /* more pids handed out than this since the last look: skip */
#define SHORT_SLICE_NS 100000 /* a reader's EEVDF slice (Linux >= 6.12) */
#define RECENT_SLOTS 64 /* execs captured lately, by pid: one reader's is enough */
#define RECENT_US 1000000 /* lately */
#define HANDLED_SLOTS 256 /* new pids a reader looked at lately: not looked at again */
#define PID_BITS 22 /* PID_MAX_LIMIT is 2^22 */

/* ---- the directories to watch ---- */

void pt_watch_dirs_init(struct pt_watch_dirs *d)
{
	memset(d, 0, sizeof(*d));
}

void pt_watch_dirs_free(struct pt_watch_dirs *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->path[i]);
	free(d->path);
	free(d->dev);
	free(d->ino);
	pt_watch_dirs_init(d);
}

static int dirs_grow(struct pt_watch_dirs *d)
{
	size_t cap = d->cap ? d->cap * 2 : 32;
	char **path;
	dev_t *dev;
	ino_t *ino;

	if (d->n < d->cap)
		return 0;
	path = realloc(d->path, cap * sizeof(*path));
	if (!path)
		return -ENOMEM;
	d->path = path;
	dev = realloc(d->dev, cap * sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	d->dev = dev;
	ino = realloc(d->ino, cap * sizeof(*ino));
	if (!ino)
		return -ENOMEM;
	d->ino = ino;
	d->cap = cap;
	return 0;
}

int pt_watch_dirs_add(struct pt_watch_dirs *d, const char *path)
{
	struct stat st;
	char *copy;
	int r;

	if (!path || path[0] != '/')
		return 0;
	/* follows symlinks: /bin -> usr/bin on a merged /usr is one directory */
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	for (size_t i = 0; i < d->n; i++) {
		if (d->dev[i] == st.st_dev && d->ino[i] == st.st_ino) {
			d->dups++;
			return 0;
		}
	}
	r = dirs_grow(d);
	if (r < 0)
		return r;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	d->path[d->n] = copy;
	d->dev[d->n] = st.st_dev;
	d->ino[d->n] = st.st_ino;
	d->n++;
	return 1;
}

int pt_watch_dirs_add_list(struct pt_watch_dirs *d, const char *list)
{
	const char *p = list;

	while (p && *p) {
		size_t n = strcspn(p, ":");
		char dir[PATH_MAX];

		/* empty and relative entries mean the current directory: skip them */
		if (n > 0 && n < sizeof(dir) && p[0] == '/') {
			int r;

			memcpy(dir, p, n);
			dir[n] = '\0';
			r = pt_watch_dirs_add(d, dir);
			if (r < 0)
				return r;
		}
		p += n;
		if (*p == ':')
			p++;
	}
	return 0;
}

static int ldconf_file(struct pt_watch_dirs *d, const char *conf, unsigned depth);

static int ldconf_include(struct pt_watch_dirs *d, const char *conf, const char *pattern,
			  unsigned depth)
{
	char pat[PATH_MAX];
	glob_t g;
	int r = 0;

	/* ldconfig: a relative include is relative to the including file */
	if (pattern[0] != '/') {
		const char *slash = strrchr(conf, '/');
		int dl = slash ? (int)(slash - conf) : 0;

		if (snprintf(pat, sizeof(pat), "%.*s/%s", dl, conf, pattern) >= (int)sizeof(pat))
			return 0;
	} else if (snprintf(pat, sizeof(pat), "%s", pattern) >= (int)sizeof(pat)) {
		return 0;
	}
	if (glob(pat, 0, NULL, &g) != 0)
		return 0;
	for (size_t i = 0; i < g.gl_pathc && r >= 0; i++)
		r = ldconf_file(d, g.gl_pathv[i], depth + 1);
	globfree(&g);
	return r;
}

static int ldconf_line(struct pt_watch_dirs *d, const char *conf, char *line, unsigned depth)
{
	char *save = NULL, *tok;
	int r = 0;

	line[strcspn(line, "#\n")] = '\0';
	tok = strtok_r(line, " \t", &save);
	if (!tok)
		return 0;
	if (strcmp(tok, "include") == 0) {
		while (r >= 0 && (tok = strtok_r(NULL, " \t", &save)))
			r = ldconf_include(d, conf, tok, depth);
		return r;
	}
	if (strcmp(tok, "hwcap") == 0)
		return 0;
	/* directories, separated by blanks, commas or colons; "dir=TYPE" is old */
	do {
		char *save2 = NULL, *dir;

		for (dir = strtok_r(tok, ",:", &save2); dir && r >= 0;
		     dir = strtok_r(NULL, ",:", &save2)) {
			dir[strcspn(dir, "=")] = '\0';
			r = pt_watch_dirs_add(d, dir);
		}
	} while (r >= 0 && (tok = strtok_r(NULL, " \t", &save)));
	return r < 0 ? r : 0;
}

static int ldconf_file(struct pt_watch_dirs *d, const char *conf, unsigned depth)
{
	char line[LDCONF_LINE_MAX];
	FILE *f;
	int r = 0;

	if (depth > LDCONF_DEPTH_MAX)
		return 0;
	f = fopen(conf, "re");
	if (!f)
		return 0;
	while (r >= 0 && fgets(line, sizeof(line), f))
		r = ldconf_line(d, conf, line, depth);
	fclose(f);
	return r;
}

int pt_watch_dirs_add_ldconf(struct pt_watch_dirs *d, const char *conf)
{
	return ldconf_file(d, conf, 0);
}

static int add_glob(struct pt_watch_dirs *d, const char *pattern)
{
	glob_t g;
	int r = 0;

	if (glob(pattern, GLOB_ONLYDIR, NULL, &g) != 0)
		return 0;
	for (size_t i = 0; i < g.gl_pathc && r >= 0; i++)
		r = pt_watch_dirs_add(d, g.gl_pathv[i]);
	globfree(&g);
	return r < 0 ? r : 0;
}

int pt_watch_dirs_default(struct pt_watch_dirs *d, const char *path_env, const char *const *extra)
{
	static const char *const fixed[] = {
		"/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin",
	};
	static const char *const libs[] = {
		"/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib",
	};
	static const char *const multiarch[] = {
		"/lib/*-linux-*",
		"/usr/lib/*-linux-*",
	};
	int r;

	if ((r = pt_watch_dirs_add_list(d, path_env)) < 0)
		return r;
	for (size_t i = 0; i < PT_ARRAY_SIZE(fixed); i++)
		if ((r = pt_watch_dirs_add(d, fixed[i])) < 0)
			return r;
	if ((r = pt_watch_dirs_add_ldconf(d, "/etc/ld.so.conf")) < 0)
		return r;
	for (size_t i = 0; i < PT_ARRAY_SIZE(libs); i++)
		if ((r = pt_watch_dirs_add(d, libs[i])) < 0)
			return r;
	for (size_t i = 0; i < PT_ARRAY_SIZE(multiarch); i++)
		if ((r = add_glob(d, multiarch[i])) < 0)
			return r;
	/* ld.so.cache: every dynamic exec opens it */
	if ((r = pt_watch_dirs_add(d, "/etc")) < 0)
		return r;
	for (size_t i = 0; extra && extra[i]; i++)
		if ((r = pt_watch_dirs_add(d, extra[i])) < 0)
			return r;
	return 0;
}

/* ---- the source ---- */

struct waiting {
	pid_t pid;
	uint64_t start;
	int64_t since_us; /* CLOCK_MONOTONIC */
};

struct inotify_src;

struct reader {
	struct inotify_src *src;
	pthread_t thread;
	bool started;
	int cpu; /* -1: not kept on one */
	struct pt_pidseek seek;
	int loadavg_fd; /* kept open: read at every wakeup */
	pid_t seen, prev_seen; /* the pid counter at the last look, and the one before */
	struct waiting wait[WAITING_MAX];
	size_t nwait;
	pid_t handled[HANDLED_SLOTS]; /* a ring */
	size_t nhandled;
	pid_t cand[NEW_PER_WAKE]; /* a ring: the newest ones listed */
	size_t ncand;
	/* single producer (this reader), single consumer (the core) */
	struct pt_proc *ring[RING_SLOTS];
	int64_t ring_us[RING_SLOTS];
	_Atomic size_t head, tail;
	_Atomic uint64_t full; /* captures dropped: the ring was full */
	_Atomic uint64_t wakes, captured, wake_errors;
	_Atomic int slice_err;
	_Alignas(8) char buf[4096];
};

struct inotify_src {
	int fd;
	struct pt_scanner *scan;
	const struct pt_procfs *fs;
	int64_t interval_us;
	int64_t next_full_us; /* CLOCK_MONOTONIC */
	size_t nwatch;
	uint64_t events, overflows;
	/* with readers: they drain fd and wake the core through wake_fd */
	struct reader *rd;
	unsigned nreaders;
	int wake_fd, stop_fd;
	_Atomic uint64_t r_events, r_overflows, r_ignored;
	/* start << PID_BITS | pid of the execs captured lately, in slot pid % RECENT_SLOTS */
	_Atomic uint64_t recent[RECENT_SLOTS];
	_Atomic int64_t recent_us[RECENT_SLOTS]; /* when, CLOCK_MONOTONIC */
	uint64_t ignored_seen;
	union {
		struct inotify_event ev;
		char buf[16384];
	} u;
};

static long read_sysctl(const char *proc_root, const char *name)
{
	char path[64];
	long v;

	snprintf(path, sizeof(path), "fs/inotify/%s", name);
	return pt_procfs_sysctl(proc_root, path, &v) == 0 ? v : -1;
}

static int init_error(int err, char *why, size_t len)
{
	if (err == -EMFILE)
		snprintf(why, len,
			 "inotify instance limit reached (fs.inotify.max_user_instances); raise "
			 "it with sysctl");
	else if (err == -ENOSYS)
		snprintf(why, len, "the kernel has no inotify");
	else
		snprintf(why, len, "inotify_init1: %s", strerror(-err));
	return err;
}

static int probe(const struct pt_options *o, char *why, size_t len)
{
	const char *root = o ? o->proc_root : NULL; /* NULL: /proc */
	char note[256];
	long quota;
	int fd, r;

	r = pt_scan_probe(root, note, sizeof(note));
	if (r < 0) {
		snprintf(why, len, "%s", note);
		return r;
	}
	fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (fd < 0)
		return init_error(-errno, why, len);
	quota = read_sysctl(root, "max_user_watches");
	if (quota == 0) {
		close(fd);
		snprintf(why, len, "fs.inotify.max_user_watches is 0");
		return -ENOSPC;
	}
	if (inotify_add_watch(fd, "/", WATCH_MASK) < 0) {
		r = -errno;
		close(fd);
		if (r == -ENOSPC)
			snprintf(
				why, len,
				"the inotify watch quota is used up (fs.inotify.max_user_watches)");
		else
			snprintf(why, len, "inotify_add_watch: %s", strerror(-r));
		return r;
	}
	close(fd);
	snprintf(why, len,
		 "opens in exec and library directories trigger /proc scans "
		 "(fs.inotify.max_user_watches %ld)%s%s",
		 quota, note[0] ? "; note: " : "", note);
	return 0;
}

static void add_watches(struct pt_monitor *m, struct inotify_src *src,
			const struct pt_watch_dirs *d)
{
	const struct pt_options *o = pt_core_options(m);

	for (size_t i = 0; i < d->n; i++) {
		if (inotify_add_watch(src->fd, d->path[i], WATCH_MASK) >= 0) {
			src->nwatch++;
			pt_log(m, PT_LOG_DEBUG, "inotify: watching %s", d->path[i]);
			continue;
		}
		if (errno == ENOSPC) {
			long q = read_sysctl(o->proc_root, "max_user_watches");

			pt_log(m, PT_LOG_WARNING,
			       "inotify: watch quota reached after %zu of %zu directories "
			       "(fs.inotify.max_user_watches = %ld, shared by all of this "
			       "user's programs); raise it with `sysctl -w "
			       "fs.inotify.max_user_watches=N`; going on with %zu watches",
			       src->nwatch, d->n, q, src->nwatch);
			return;
		}
		pt_log(m, PT_LOG_DEBUG, "inotify: cannot watch %s: %s", d->path[i],
		       strerror(errno));
	}
}

/* A read returns whole events: room left for the largest one means the queue
 * was empty, and another read would only say EAGAIN. */
static bool read_was_full(ssize_t n, size_t cap)
{
	return (size_t)n + sizeof(struct inotify_event) + NAME_MAX + 1 > cap;
}

struct ev_count {
	uint64_t events, overflows, ignored;
};

/* Read what is queued on an inotify fd, counting it: 0 or -errno. Only the
 * kinds of events matter here, never which file. */
static int read_events(int fd, char *buf, size_t cap, struct ev_count *c)
{
	for (int i = 0; i < DRAIN_READS_MAX; i++) {
		ssize_t n = read(fd, buf, cap);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -errno;
		}
		for (ssize_t off = 0; off + (ssize_t)sizeof(struct inotify_event) <= n;) {
			const struct inotify_event *ev = (const void *)(buf + off);

			if (ev->mask & IN_Q_OVERFLOW)
				c->overflows++;
			if (ev->mask & IN_IGNORED)
				c->ignored++;
			c->events++;
			off += (ssize_t)sizeof(*ev) + ev->len;
		}
		if (!read_was_full(n, cap))
			return 0;
	}
	return 0;
}

/* n watched directories went away (IN_IGNORED). */
static void watches_gone(struct pt_monitor *m, struct inotify_src *src, uint64_t n)
{
	for (; n && src->nwatch; n--) {
		src->nwatch--;
		pt_log(m, PT_LOG_NOTICE,
		       "inotify: a watched directory went away (%zu watches left)", src->nwatch);
	}
}

/* ---- reader threads ---- */

struct slice_attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
};

/* SCHED_OTHER with a short slice (Linux >= 6.12, no privilege needed): a
 * reader woken next to a running process may then take the CPU from it. */
static int set_short_slice(void)
{
	struct slice_attr a = {.size = sizeof(a), .runtime = SHORT_SLICE_NS};

	/* sched_setattr sets the nice value too: keep the one inherited */
	errno = 0;
	a.nice = getpriority(PRIO_PROCESS, 0);
	if (errno)
		return errno;
	if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
		return errno;
	return 0;
}

static void ring_push(struct reader *r, struct pt_proc *info)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	if (head - tail >= RING_SLOTS) {
		atomic_fetch_add_explicit(&r->full, 1, memory_order_relaxed);
		pt_proc_clear(info);
		free(info);
		return;
	}
	r->ring[head % RING_SLOTS] = info;
	r->ring_us[head % RING_SLOTS] = pt_now_us();
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	atomic_fetch_add_explicit(&r->captured, 1, memory_order_relaxed);
}

/* Whether another reader captured pid's exec lately: the readers all wake for
 * the same opens, and the first one there is enough. A race between two ends
 * in a capture twice, which the core drops. */
static bool recent_has(struct inotify_src *src, pid_t pid, int64_t now)
{
	unsigned slot = (unsigned)pid % RECENT_SLOTS;
	uint64_t key = atomic_load_explicit(&src->recent[slot], memory_order_relaxed);

	/* not a stale one: the pid may have been handed out again since */
	return key && (key & ((1u << PID_BITS) - 1)) == (uint64_t)pid &&
		now - atomic_load_explicit(&src->recent_us[slot], memory_order_relaxed) < RECENT_US;
}

/* Read pid for its exec; true when it is worth reading again. */
static bool reader_look(struct reader *r, pid_t pid, uint64_t *start, bool *pushed)
{
	struct inotify_src *src = r->src;
	struct pt_proc *info;

	if (recent_has(src, pid, pt_mono_us()))
		return false;
	switch (pt_scan_capture(src->fs, pid, start, &info)) {
	case PT_CAPTURE_EXEC:
		atomic_store_explicit(&src->recent_us[(unsigned)pid % RECENT_SLOTS], pt_mono_us(),
				      memory_order_relaxed);
		atomic_store_explicit(&src->recent[(unsigned)pid % RECENT_SLOTS],
				      info->start << PID_BITS | (uint64_t)pid,
				      memory_order_relaxed);
		ring_push(r, info);
		*pushed = true;
		return false;
	case PT_CAPTURE_WAIT:
		return true;
	case PT_CAPTURE_GONE:
	case PT_CAPTURE_SKIP:
		break;
	}
	return false;
}

static bool handled_has(const struct reader *r, pid_t pid)
{
	size_t n = r->nhandled < HANDLED_SLOTS ? r->nhandled : HANDLED_SLOTS;

	for (size_t i = 0; i < n; i++)
		if (r->handled[i] == pid)
			return true;
	return false;
}

/* Listed in pid order: the ring keeps the newest, the likeliest to exec. */
static int cand_add(pid_t pid, void *data)
{
	struct reader *r = data;

	if (!handled_has(r, pid))
		r->cand[r->ncand++ % NEW_PER_WAKE] = pid;
	return 0;
}

static int reader_last_pid(struct reader *r, pid_t *last)
{
	if (r->loadavg_fd >= 0 && pt_procfs_last_pid_fd(r->loadavg_fd, last) == 0)
		return 0;
	return pt_procfs_last_pid(r->src->fs, last);
}

/*
 * The processes born since the look before the last one: the pids the counter
 * handed out in (prev_seen, last]. The counter moves when a pid is handed out,
 * and the process shows in /proc a moment later: a pid the last look missed
 * is in this window still. Pids looked at already are skipped. Only these: a
 * process above the counter is older than its last wrap (or born after the
 * reading, and next time's).
 */
static void reader_list_new(struct reader *r)
{
	pid_t last, lo = r->prev_seen;

	r->ncand = 0;
	if (reader_last_pid(r, &last) < 0 || (last == r->seen && lo == r->seen))
		return;
	if (last >= lo) {
		if (last - lo > NEW_SPAN_MAX)
			lo = last - NEW_SPAN_MAX;
		pt_pidseek_each(&r->seek, lo + 1, last, cand_add, r);
	} else {
		/* the counter went round */
		pt_pidseek_each(&r->seek, lo + 1, INT_MAX, cand_add, r);
		pt_pidseek_each(&r->seek, 1, last, cand_add, r);
	}
	r->prev_seen = r->seen;
	r->seen = last;
}

/* One look: first the processes waiting for their exec (it is under way),
 * then the new ones. Returns whether it handed the core an exec. */
static bool reader_scan(struct reader *r)
{
	int64_t now = pt_mono_us();
	bool pushed = false;
	size_t keep = 0, n;

	for (size_t i = 0; i < r->nwait; i++) {
		struct waiting w = r->wait[i];

		if (now - w.since_us <= WAITING_US && reader_look(r, w.pid, &w.start, &pushed))
			r->wait[keep++] = w;
	}
	r->nwait = keep;
	reader_list_new(r);
	n = r->ncand < NEW_PER_WAKE ? r->ncand : NEW_PER_WAKE;
	for (size_t i = 0; i < n; i++) {
		size_t at = (r->ncand - n + i) % NEW_PER_WAKE;
		struct waiting w = {.pid = r->cand[at], .since_us = now};

		r->handled[r->nhandled++ % HANDLED_SLOTS] = w.pid;
		if (!reader_look(r, w.pid, &w.start, &pushed))
			continue;
		if (r->nwait == WAITING_MAX) {
			memmove(r->wait, r->wait + 1, (WAITING_MAX - 1) * sizeof(r->wait[0]));
			r->nwait--;
		}
		r->wait[r->nwait++] = w;
	}
	return pushed;
}

/* Drain the inotify fd (the other readers may have); returns events read.
 * *notice: an overflow or a watch gone, which the core must hear of. */
static uint64_t reader_drain(struct reader *r, bool *notice)
{
	struct inotify_src *src = r->src;
	struct ev_count c = {0};

	read_events(src->fd, r->buf, sizeof(r->buf), &c);
	if (c.overflows)
		atomic_fetch_add(&src->r_overflows, c.overflows);
	if (c.ignored)
		atomic_fetch_add(&src->r_ignored, c.ignored);
	if (c.events)
		atomic_fetch_add(&src->r_events, c.events);
	*notice = c.overflows || c.ignored;
	return c.events;
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct inotify_src *src = r->src;
	struct pollfd pfd[2] = {
		{.fd = src->fd, .events = POLLIN},
		{.fd = src->stop_fd, .events = POLLIN},
	};
	uint64_t one = 1;

	r->slice_err = set_short_slice();
	for (;;) {
		bool notice = false;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		atomic_fetch_add_explicit(&r->wakes, 1, memory_order_relaxed);
		/* a wakeup is a reason to look, even if another reader took the events */
		reader_drain(r, &notice);
		/* an exec: the core reads the rest, and looks for exits. Processes that
		 * never exec wait for its periodic scan: waking it for every new pid
		 * cost the storms more than it found. */
		if ((reader_scan(r) || notice) && write(src->wake_fd, &one, sizeof(one)) < 0 &&
		    errno != EAGAIN)
			atomic_fetch_add_explicit(&r->wake_errors, 1, memory_order_relaxed);
	}
	return NULL;
}

/* How many readers, on which CPUs: the ones this thread may run on. */
static unsigned readers_plan(const struct pt_options *o, int *cpus, unsigned max)
{
	unsigned n, want;

	if (o->readers == 0)
		return 0;
	n = pt_usable_cpus(cpus, max);
	want = o->readers > 0 ? (unsigned)o->readers : n < READERS_AUTO_MAX ? n : READERS_AUTO_MAX;
	if (want == 0)
		want = 1;
	if (want > READERS_MAX)
		want = READERS_MAX;
	/* one CPU (or none known): no use keeping a reader on it */
	for (unsigned i = 0; i < want; i++)
		cpus[i] = n > 1 ? cpus[i % n] : -1;
	return want;
}

static void readers_stop(struct inotify_src *src)
{
	uint64_t one = 1;

	if (!src->rd)
		return;
	/* a counter at 0 takes a 1: this write cannot fail */
	if (src->stop_fd >= 0 && write(src->stop_fd, &one, sizeof(one)) != sizeof(one))
		return;
	for (unsigned i = 0; i < src->nreaders; i++) {
		struct reader *r = &src->rd[i];

		if (r->started)
			pthread_join(r->thread, NULL);
		pt_pidseek_close(&r->seek);
		if (r->loadavg_fd >= 0)
			close(r->loadavg_fd);
		while (atomic_load(&r->tail) != atomic_load(&r->head)) {
			size_t t = atomic_load(&r->tail);

			pt_proc_clear(r->ring[t % RING_SLOTS]);
			free(r->ring[t % RING_SLOTS]);
			atomic_store(&r->tail, t + 1);
		}
	}
	free(src->rd);
	src->rd = NULL;
}

static int reader_create(struct reader *rd)
{
	pthread_attr_t attr;
	int r;

	pthread_attr_init(&attr);
	if (rd->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(rd->cpu, &set);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	}
	r = -pthread_create(&rd->thread, &attr, reader_main, rd);
	pthread_attr_destroy(&attr);
	if (r == 0) {
		rd->started = true;
		pthread_setname_np(rd->thread, "proctrail-ino");
	}
	return r;
}

/* Start the readers; 0 without them (the core drains the fd), or -errno. */
static int readers_start(struct pt_monitor *m, struct inotify_src *src)
{
	const struct pt_options *o = pt_core_options(m);
	int cpus[READERS_MAX];
	unsigned n = readers_plan(o, cpus, READERS_MAX);
	unsigned started = 0;
	pid_t last;
	sigset_t all, old;
	int r = 0;

	if (n == 0)
		return 0;
	if (pt_procfs_last_pid(src->fs, &last) < 0) {
		pt_log(m, PT_LOG_NOTICE, "inotify: no pid counter to read; no reader threads");
		return 0;
	}
	src->rd = calloc(n, sizeof(*src->rd));
	if (!src->rd)
		return -ENOMEM;
	src->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (src->wake_fd < 0)
		return -errno;
	src->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (src->stop_fd < 0)
		return -errno;
	for (unsigned i = 0; i < n; i++) {
		struct reader *rd = &src->rd[i];

		rd->src = src;
		rd->cpu = cpus[i];
		rd->seen = rd->prev_seen = last;
		rd->seek.dir_fd = -1;
		rd->loadavg_fd = pt_procfs_loadavg_open(src->fs);
		if (pt_pidseek_open(&rd->seek, src->fs->root_fd) < 0) {
			pt_log(m, PT_LOG_NOTICE,
			       "inotify: cannot list %s by pid (not a procfs?); no reader threads",
			       o->proc_root);
			src->nreaders = i + 1;
			readers_stop(src);
			src->nreaders = 0;
			return 0;
		}
	}
	src->nreaders = n;
	/* the readers take no signals: they are the caller's */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned i = 0; i < n; i++) {
		struct reader *rd = &src->rd[i];

		r = reader_create(rd);
		if (r == -EINVAL && rd->cpu >= 0) {
			/* its CPU went offline since: run it anywhere */
			rd->cpu = -1;
			r = reader_create(rd);
		}
		if (r < 0)
			break;
		started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (started == 0) {
		pt_log(m, PT_LOG_WARNING, "inotify: cannot start a reader thread (%s); no readers",
		       strerror(-r));
		readers_stop(src);
		src->nreaders = 0;
		return 0;
	}
	if (started < n)
		pt_log(m, PT_LOG_WARNING, "inotify: %u of %u reader threads started (%s)", started,
		       n, strerror(-r));
	n = started;
	pt_log(m, PT_LOG_INFO, "inotify: %u reader threads%s", n,
	       src->rd[0].cpu >= 0 ? ", one per CPU" : "");
	return 0;
}

/* Hand the scanner what the readers saw. */
static void readers_take(struct inotify_src *src)
{
	for (unsigned i = 0; i < src->nreaders; i++) {
		struct reader *r = &src->rd[i];
		size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
		size_t head = atomic_load_explicit(&r->head, memory_order_acquire);

		for (; tail != head; tail++)
			pt_scanner_add_capture(src->scan, r->ring[tail % RING_SLOTS],
					       r->ring_us[tail % RING_SLOTS]);
		atomic_store_explicit(&r->tail, tail, memory_order_release);
	}
}

static void src_free(struct inotify_src *src)
{
	readers_stop(src);
	if (src->wake_fd >= 0)
		close(src->wake_fd);
	if (src->stop_fd >= 0)
		close(src->stop_fd);
	if (src->fd >= 0)
		close(src->fd);
	pt_scanner_free(src->scan);
	free(src);
}

static int src_open(struct pt_monitor *m, void **priv, char *why, size_t len)
{
	const struct pt_options *o = pt_core_options(m);
	struct pt_watch_dirs dirs;
	struct inotify_src *src;
	int r;

	r = pt_scan_probe(o->proc_root, why, len);
	if (r < 0)
		return r;
	if (why[0])
		pt_log(m, PT_LOG_WARNING, "inotify: %s", why);
	why[0] = '\0';

	src = calloc(1, sizeof(*src));
	if (!src)
		return -ENOMEM;
	src->wake_fd = src->stop_fd = -1;
	src->fs = pt_core_procfs(m);
	src->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (src->fd < 0) {
		r = init_error(-errno, why, len);
		goto out_free;
	}
	/* the scanner's window starts before the watches: nothing falls between */
	src->scan = pt_scanner_new(pt_core_procfs(m), pt_core_scan_hooks());
	if (!src->scan) {
		r = -ENOMEM;
		goto out_free;
	}
	pt_watch_dirs_init(&dirs);
	r = pt_watch_dirs_default(&dirs, getenv("PATH"), o->watch_dirs);
	if (r < 0) {
		pt_watch_dirs_free(&dirs);
		goto out_free;
	}
	add_watches(m, src, &dirs);
	if (src->nwatch == 0) {
		snprintf(why, len, "no directory could be watched (of %zu found)", dirs.n);
		pt_watch_dirs_free(&dirs);
		r = -ENOENT;
		goto out_free;
	}
	pt_log(m, PT_LOG_INFO, "inotify: watching %zu directories (%u duplicates skipped)",
	       src->nwatch, dirs.dups);
	pt_watch_dirs_free(&dirs);

	src->interval_us = (int64_t)(o->poll_interval_ms ? o->poll_interval_ms : 100) * 1000;
	src->next_full_us = pt_mono_us() + src->interval_us;
	r = readers_start(m, src);
	if (r < 0) {
		snprintf(why, len, "cannot start the reader threads: %s", strerror(-r));
		goto out_free;
	}
	*priv = src;
	return 0;

out_free:
	src_free(src);
	return r;
}

static int src_fd(void *priv)
{
	const struct inotify_src *src = priv;

	return src->rd ? src->wake_fd : src->fd;
}

/* Read everything queued; returns the events read (an overflow counts). */
static int drain(struct pt_monitor *m, struct inotify_src *src, bool *overflow)
{
	struct ev_count c = {0};
	int r = read_events(src->fd, src->u.buf, sizeof(src->u.buf), &c);

	if (r < 0)
		return r;
	if (c.overflows) {
		*overflow = true;
		src->overflows += c.overflows;
	}
	watches_gone(m, src, c.ignored);
	src->events += c.events;
	return (int)c.events;
}

static int full_scan(struct pt_monitor *m, struct inotify_src *src)
{
	int64_t now = pt_mono_us();

	src->next_full_us = now + src->interval_us;
	return pt_scan(m, src->scan, PT_SCAN_SYNTH);
}

/* With readers: what they drained, the same way drain() counts it. */
static int readers_news(struct pt_monitor *m, struct inotify_src *src, bool *overflow)
{
	uint64_t v, ignored;

	if (read(src->wake_fd, &v, sizeof(v)) < 0)
		return errno == EAGAIN ? 0 : -errno;
	v = atomic_exchange(&src->r_overflows, 0);
	if (v) {
		*overflow = true;
		src->overflows += v;
	}
	ignored = atomic_load(&src->r_ignored);
	watches_gone(m, src, ignored - src->ignored_seen);
	src->ignored_seen = ignored;
	src->events = atomic_load(&src->r_events);
	readers_take(src);
	return 1;
}

static int src_dispatch(struct pt_monitor *m, void *priv)
{
	struct inotify_src *src = priv;
	bool overflow = false;
	int n;

	n = src->rd ? readers_news(m, src, &overflow) : drain(m, src, &overflow);
	if (n <= 0)
		return n;
	/* a burst of opens is one scan; an overflow means a big burst */
	if (overflow || pt_mono_us() >= src->next_full_us)
		return full_scan(m, src);
	return pt_scan_new(m, src->scan);
}

static int src_tick(struct pt_monitor *m, void *priv, int64_t now_us)
{
	struct inotify_src *src = priv;

	(void)now_us;
	return full_scan(m, src);
}

static int src_next_tick_ms(void *priv)
{
	const struct inotify_src *src = priv;
	int64_t left = src->next_full_us - pt_mono_us();

	return left <= 0 ? 0 : (int)(left / 1000);
}

static void src_close(struct pt_monitor *m, void *priv)
{
	struct inotify_src *src = priv;
	struct pt_scan_stats st;

	uint64_t wakes = 0, captured = 0, full = 0, wake_errors = 0;
	int slice_err = 0;

	if (!src)
		return;
	for (unsigned i = 0; i < src->nreaders; i++) {
		struct reader *r = &src->rd[i];

		wakes += atomic_load(&r->wakes);
		captured += atomic_load(&r->captured);
		full += atomic_load(&r->full);
		wake_errors += atomic_load(&r->wake_errors);
		if (atomic_load(&r->slice_err))
			slice_err = atomic_load(&r->slice_err);
	}
	if (src->nreaders)
		pt_log(m, PT_LOG_INFO,
		       "inotify: %u readers: %" PRIu64 " wakeups, %" PRIu64
		       " execs captured, %" PRIu64 " dropped (ring full), %" PRIu64
		       " failed core wakeups; slice %s",
		       src->nreaders, wakes, captured, full, wake_errors,
		       slice_err ? strerror(slice_err) : "0.1 ms");
	pt_scanner_stats(src->scan, &st);
	pt_log(m, PT_LOG_INFO,
	       "inotify: %" PRIu64 " events (%" PRIu64 " overflows), %" PRIu64 " scans, %" PRIu64
	       " found (%" PRIu64 " gone, known from a capture; %" PRIu64
	       " found after a child), %" PRIu64 " vanished, %" PRIu64 " unreadable, %" PRIu64
	       " missed (estimated)",
	       src->events, src->overflows, st.scans, st.added, st.captured, st.parents_first,
	       st.vanished, st.unreadable, st.missed_est);
	src_free(src);
}

const struct pt_source_ops pt_source_inotify = {
	.name = "inotify",
	.tier = PT_TIER_INOTIFY,
	.probe = probe,
	.open = src_open,
	.fd = src_fd,
	.dispatch = src_dispatch,
	.tick = src_tick,
	.next_tick_ms = src_next_tick_ms,
	.close = src_close,
	.gaps = pt_scan_gaps,
};
