/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * watch -p PID[,PID...] and watch -- CMD [ARGS...]: follow some processes and
 * every descendant they start, and nothing else. See proctrail(1), FOLLOW.
 *
 * Who is followed is decided from the stream itself, at each process's fork
 * event: a child is followed when the parent the fork event names is. The
 * table's current lineage (pt_parent) is not enough: when a followed process
 * exits, the kernel moves its children to init or a subreaper, and the table
 * follows, so a grandchild would drop out. Fork events come in order on every
 * tier (a parent's fork is reported before its child can run), and the scanning
 * tiers report each new process with the parent /proc gave it, after that
 * parent (a scan that finds the child first reads the parent out of turn).
 *
 * A command is started after the monitor has subscribed: the child waits on a
 * pipe until the monitor has seen it (its fork event), then execs, so nothing it
 * does can come before the subscription.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "cli.h"

#define GRACE_MS 2000 /* after CMD was reaped, how long its exit event may take */
#define STILL_SHOWN 8 /* processes named in "still running" */

struct fent {
	pid_t pid; /* 0: a free slot */
	bool followed; /* false: the pid was reused by a process not followed */
	bool exited, root;
	uint64_t start; /* start ticks; 0 unknown */
	int64_t exit_us;
};

struct cli_follow {
	const char *prog;
	bool verbose;
	unsigned user_events; /* what to print; fork and exit are always asked for */

	pid_t *pids; /* -p */
	size_t npids;

	char **argv; /* the command */
	char *path; /* argv[0] found in PATH */
	char **sh_argv; /* sh PATH ARGS...: a script without #! (ENOEXEC), as shells do */
	pid_t child;
	int go_fd, err_fd; /* the child waits on go_fd; err_fd tells why its exec failed */
	int pidfd;
	unsigned ignored; /* signals ignored when proctrail started: still so for CMD */
	bool started, released, fork_seen, exit_seen, reaped;
	int wstatus;
	int64_t grace_until_ms;
	unsigned interval_ms;

	struct fent *v; /* open addressing by pid */
	size_t cap, n;
	unsigned roots_alive;
	uint64_t followed, left_out;
};

/* What proctrail handles (or ignores, SIGPIPE) and CMD gets as proctrail got it. */
static const int fwd_signals[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE};

/* The command's pidfd (or pid) for the signal handlers. */
static volatile sig_atomic_t fwd_pidfd = -1;
static volatile sig_atomic_t fwd_pid;

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct cli_follow *cli_follow_new(const char *prog, bool verbose)
{
	struct cli_follow *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->prog = prog;
	f->verbose = verbose;
	f->go_fd = f->err_fd = f->pidfd = -1;
	f->user_events = PT_EVMASK_ALL;
	return f;
}

void cli_follow_free(struct cli_follow *f)
{
	if (!f)
		return;
	if (f->go_fd >= 0)
		close(f->go_fd);
	if (f->err_fd >= 0)
		close(f->err_fd);
	if (f->pidfd >= 0) {
		fwd_pidfd = -1;
		close(f->pidfd);
	}
	free(f->pids);
	free(f->path);
	free(f->sh_argv);
	free(f->v);
	free(f);
}

/* ---- the set of processes, by pid ---- */

static size_t slot(const struct cli_follow *f, pid_t pid)
{
	size_t i = ((size_t)pid * 2654435761u) & (f->cap - 1);

	while (f->v[i].pid && f->v[i].pid != pid)
		i = (i + 1) & (f->cap - 1);
	return i;
}

static struct fent *find(const struct cli_follow *f, pid_t pid)
{
	size_t i;

	if (!f->cap || pid <= 0)
		return NULL;
	i = slot(f, pid);
	return f->v[i].pid ? &f->v[i] : NULL;
}

static int grow(struct cli_follow *f)
{
	size_t cap = f->cap ? f->cap * 2 : 64;
	struct fent *old = f->v, *v = calloc(cap, sizeof(*v));

	if (!v)
		return -ENOMEM;
	f->v = v;
	f->cap = cap;
	for (size_t i = 0; old && i < cap / 2; i++)
		if (old[i].pid)
			f->v[slot(f, old[i].pid)] = old[i];
	free(old);
	return 0;
}

/* The entry of pid, created (not followed) if new; NULL without memory. */
static struct fent *get(struct cli_follow *f, pid_t pid)
{
	struct fent *e = find(f, pid);

	if (e)
		return e;
	if ((f->n + 1) * 2 > f->cap && grow(f) < 0)
		return NULL;
	e = &f->v[slot(f, pid)];
	*e = (struct fent){.pid = pid};
	f->n++;
	return e;
}

static uint64_t start_of(const struct pt_proc *p)
{
	return p && pt_proc_src(p, PT_F_START) != PT_SRC_NONE ? pt_proc_start(p) : 0;
}

/* Is the process of ev the one e was made for? Start ticks can be one tick early
 * when derived from a fork timestamp. */
static bool same_process(const struct fent *e, const struct pt_event *ev)
{
	uint64_t s = start_of(ev->proc);

	return !e->start || !s || (s + 1 >= e->start && e->start + 1 >= s);
}

static void follow_entry(struct cli_follow *f, struct fent *e, uint64_t start, bool root)
{
	if (!e->followed || e->exited)
		f->followed++;
	e->followed = true;
	e->exited = false;
	e->root = root;
	e->start = start;
	if (root)
		f->roots_alive++;
}

/*
 * Is ppid a followed process that could be the parent of ev's process? An
 * exited one only when the child started before that exit (a scan may report
 * the child after the parent's exit), so that a reused pid adopts nobody.
 */
static bool parent_followed(const struct cli_follow *f, const struct pt_event *ev)
{
	const struct fent *e = find(f, ev->ppid);
	int64_t born = ev->proc ? pt_proc_start_us(ev->proc) : 0;

	if (!e || !e->followed)
		return false;
	return !e->exited || (born && e->exit_us && born <= e->exit_us);
}

/* ---- -p ---- */

int cli_follow_add_pids(struct cli_follow *f, const char *list, char *err, size_t errlen)
{
	const char *s = list;

	do {
		char *end;
		long v;
		pid_t *np;

		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || end == s || (*end && *end != ',') || v < 1 || v > INT_MAX ||
		    *s == '+' || *s == ' ') {
			snprintf(err, errlen, "invalid -p '%s' (PID[,PID...], each 1 to %d)", list,
				 INT_MAX);
			return -EINVAL;
		}
		np = realloc(f->pids, (f->npids + 1) * sizeof(*np));
		if (!np)
			return -ENOMEM;
		f->pids = np;
		f->pids[f->npids++] = (pid_t)v;
		s = *end ? end + 1 : end;
	} while (*s);
	if (s > list && s[-1] == ',') {
		snprintf(err, errlen, "invalid -p '%s' (PID[,PID...])", list);
		return -EINVAL;
	}
	return 0;
}

bool cli_follow_has_pids(const struct cli_follow *f)
{
	return f && f->npids;
}

struct below_ctx {
	struct cli_follow *f;
	const struct pt_monitor *m;
	int err;
};

/* A live process already running under a root when watching began. */
static int add_if_below(const struct pt_proc *p, void *data)
{
	struct below_ctx *c = data;
	const struct pt_proc *a = p;

	if (find(c->f, pt_proc_pid(p)))
		return 0;
	for (unsigned depth = 0; depth < 4096 && (a = pt_parent(c->m, a)); depth++) {
		const struct fent *e = find(c->f, pt_proc_pid(a));
		struct fent *n;

		if (!e || !e->root || e->start != start_of(a))
			continue;
		n = get(c->f, pt_proc_pid(p));
		if (!n) {
			c->err = -ENOMEM;
			return 1;
		}
		follow_entry(c->f, n, start_of(p), false);
		return 0;
	}
	return 0;
}

static int start_pids(struct cli_follow *f, const struct pt_monitor *m)
{
	struct below_ctx c = {f, m, 0};

	for (size_t i = 0; i < f->npids; i++) {
		const struct pt_proc *p = pt_lookup(m, f->pids[i]);
		struct fent *e;

		if (!p) {
			p = pt_lookup_tid(m, f->pids[i]);
			if (p && pt_proc_state(p) == PT_STATE_ALIVE)
				fprintf(stderr,
					"%s: watch: %d is a thread of process %d; following the "
					"process\n",
					f->prog, f->pids[i], pt_proc_pid(p));
		}
		if (!p || pt_proc_state(p) != PT_STATE_ALIVE) {
			fprintf(stderr, "%s: watch: -p: no process or thread %d\n", f->prog,
				f->pids[i]);
			return -ESRCH;
		}
		e = get(f, pt_proc_pid(p));
		if (!e)
			return -ENOMEM;
		if (!e->root)
			follow_entry(f, e, start_of(p), true);
	}
	/* what they had started already: the table's lineage at the snapshot */
	pt_foreach(m, PT_SEL_ALIVE, add_if_below, &c);
	if (c.err)
		return c.err;
	if (f->verbose)
		fprintf(stderr,
			"%s: following %zu process%s and their descendants (%" PRIu64
			" processes now)\n",
			f->prog, f->npids, f->npids > 1 ? "es" : "", f->followed);
	return 0;
}

/* ---- the command ---- */

/*
 * argv[0] as execvp() would find it, looked up before the fork: the child of a
 * process with threads may call only async-signal-safe functions. Returns 0 or
 * the shell's exit status for the failure, after saying why on stderr.
 */
static int find_command(struct cli_follow *f, const char *name)
{
	const char *path = getenv("PATH");
	bool denied = false;
	size_t nlen = strlen(name);

	if (!*name) {
		fprintf(stderr, "%s: watch: '': command not found\n", f->prog);
		return 127;
	}
	if (strchr(name, '/')) {
		struct stat st;

		if (stat(name, &st) < 0) {
			fprintf(stderr, "%s: watch: %s: %s\n", f->prog, name, strerror(errno));
			return errno == ENOENT || errno == ENOTDIR ? 127 : 126;
		}
		f->path = strdup(name);
		return f->path ? 0 : 1;
	}
	if (!path)
		path = "/bin:/usr/bin";
	for (const char *d = path;; d++) {
		const char *e = strchrnul(d, ':');
		size_t dlen = (size_t)(e - d);
		char *cand = malloc(dlen + nlen + 3);
		struct stat st;

		if (!cand)
			return 1;
		if (dlen)
			snprintf(cand, dlen + nlen + 2, "%.*s/%s", (int)dlen, d, name);
		else
			snprintf(cand, nlen + 3, "./%s", name);
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(cand, X_OK) == 0) {
				f->path = cand;
				return 0;
			}
			denied = true;
		}
		free(cand);
		if (!*e)
			break;
		d = e;
	}
	fprintf(stderr, "%s: watch: %s: %s\n", f->prog, name,
		denied ? strerror(EACCES) : "command not found");
	return denied ? 126 : 127;
}

int cli_follow_cmd(struct cli_follow *f, char **argv, int argc)
{
	int r;

	f->argv = argv;
	/* before proctrail sets its own: a command started in the background by a
	 * shell ignores SIGINT and SIGQUIT, and CMD should as well */
	for (size_t i = 0; i < sizeof(fwd_signals) / sizeof(fwd_signals[0]); i++) {
		struct sigaction old;

		if (sigaction(fwd_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			f->ignored |= 1u << i;
	}
	r = find_command(f, argv[0]);
	if (r)
		return r;
	f->sh_argv = calloc((size_t)argc + 2, sizeof(char *));
	if (!f->sh_argv)
		return 1;
	f->sh_argv[0] = (char *)"sh";
	f->sh_argv[1] = f->path;
	for (int i = 1; i < argc; i++)
		f->sh_argv[i + 1] = argv[i];
	return 0;
}

bool cli_follow_has_cmd(const struct cli_follow *f)
{
	return f && f->argv;
}

unsigned cli_follow_events(struct cli_follow *f, unsigned events)
{
	f->user_events = events;
	/* lineage comes from fork events, the end of a root from its exit */
	return events | PT_EVMASK(PT_EV_FORK) | PT_EVMASK(PT_EV_EXIT);
}

/*
 * SIGINT, SIGQUIT, SIGTERM and SIGHUP while the command runs: a terminal sends
 * them to its foreground process group, the command's too, so those (SI_KERNEL)
 * need nothing from us; one sent to proctrail alone (kill) is passed on. Either
 * way proctrail goes on until the command exits.
 */
static void forward(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;

	(void)uc;
	if (si->si_code != SI_KERNEL) {
		if (fwd_pidfd >= 0)
			syscall(SYS_pidfd_send_signal, (int)fwd_pidfd, sig, NULL, 0);
		else if (fwd_pid > 0)
			kill((pid_t)fwd_pid, sig);
	}
	errno = saved;
}

static void install_forward(void)
{
	struct sigaction sa = {.sa_sigaction = forward, .sa_flags = SA_SIGINFO | SA_RESTART};

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fwd_signals) / sizeof(fwd_signals[0]); i++)
		if (fwd_signals[i] != SIGPIPE)
			sigaction(fwd_signals[i], &sa, NULL);
}

/* In the child: only async-signal-safe calls from here on. */
static void child_main(struct cli_follow *f, int go, int err)
{
	sigset_t none;
	char c;
	int e;

	/* proctrail ignores SIGPIPE; an ignored signal would stay ignored across exec */
	for (size_t i = 0; i < sizeof(fwd_signals) / sizeof(fwd_signals[0]); i++) {
		struct sigaction sa = {.sa_handler = f->ignored & (1u << i) ? SIG_IGN : SIG_DFL};

		sigemptyset(&sa.sa_mask);
		sigaction(fwd_signals[i], &sa, NULL);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* no byte: proctrail gave up before it was watching; never run unwatched */
	if (read(go, &c, 1) != 1)
		_exit(1);
	execv(f->path, f->argv);
	if (errno == ENOEXEC)
		execv("/bin/sh", f->sh_argv);
	e = errno;
	if (write(err, &e, sizeof(e)) < 0)
		_exit(126);
	_exit(e == ENOENT ? 127 : 126);
}

static int start_cmd(struct cli_follow *f)
{
	int go[2], err[2];
	struct fent *e;
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(err, O_CLOEXEC) < 0) {
		int r = -errno;

		close(go[0]);
		close(go[1]);
		return r;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int r = -errno;

		close(go[0]);
		close(go[1]);
		close(err[0]);
		close(err[1]);
		return r;
	}
	if (pid == 0) {
		/* only the parent may hold the write end: its death must read as EOF */
		close(go[1]);
		close(err[0]);
		child_main(f, go[0], err[1]);
	}
	close(go[0]);
	close(err[1]);
	f->go_fd = go[1];
	f->err_fd = err[0];
	f->child = pid;
	fwd_pid = pid;
	f->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	fwd_pidfd = f->pidfd;
	install_forward();
	e = get(f, pid);
	if (!e)
		return -ENOMEM;
	follow_entry(f, e, 0, true);
	if (f->verbose)
		fprintf(stderr, "%s: started %s as pid %d\n", f->prog, f->argv[0], pid);
	return 0;
}

int cli_follow_start(struct cli_follow *f, const struct pt_monitor *m, unsigned interval_ms)
{
	int r;

	if (!f)
		return 0;
	f->interval_ms = interval_ms;
	r = f->npids ? start_pids(f, m) : 0;
	if (r == 0 && f->argv)
		r = start_cmd(f);
	if (r < 0 && r != -ESRCH)
		fprintf(stderr, "%s: watch: cannot start following: %s\n", f->prog, strerror(-r));
	f->started = r == 0;
	return r;
}

/* Let the child exec; after that, err_fd closes (exec) or brings its errno. */
static void release(struct cli_follow *f)
{
	char c = 1;
	int e;

	f->released = true;
	if (write(f->go_fd, &c, 1) != 1) {
		fprintf(stderr, "%s: watch: cannot start %s: %s\n", f->prog, f->argv[0],
			strerror(errno));
		kill(f->child, SIGKILL);
	}
	close(f->go_fd);
	f->go_fd = -1;
	while (read(f->err_fd, &e, sizeof(e)) == (ssize_t)sizeof(e)) {
		fprintf(stderr, "%s: watch: %s: %s\n", f->prog, f->argv[0], strerror(e));
		break;
	}
	close(f->err_fd);
	f->err_fd = -1;
}

int cli_follow_release(struct cli_follow *f, struct pt_monitor *m)
{
	int64_t until;

	if (!f || !f->argv || f->released)
		return 0;
	until = mono_ms() + GRACE_MS + 2 * (int64_t)f->interval_ms;
	/* a scanning tier learns of the child at its next scan: give it that */
	while (!f->fork_seen) {
		struct pollfd pfd = {.fd = pt_monitor_fd(m), .events = POLLIN};
		int64_t left = until - mono_ms();
		int r;

		if (left <= 0) {
			if (f->verbose)
				fprintf(stderr, "%s: the fork of pid %d was not reported yet\n",
					f->prog, f->child);
			break;
		}
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
		r = pt_monitor_dispatch(m);
		if (r < 0)
			return r;
	}
	release(f);
	return 0;
}

/* ---- the stream ---- */

/* --tree's roots: the processes named by -p, or CMD (struct cli_out's tree_root). */
bool cli_follow_is_root(const struct pt_proc *p, void *data)
{
	const struct cli_follow *f = data;
	const struct fent *e = find(f, pt_proc_pid(p));

	return e && e->followed && e->root && (!e->start || e->start == pt_proc_start(p));
}

bool cli_follow_event(struct cli_follow *f, const struct pt_event *ev)
{
	struct fent *e;

	if (!f || ev->type == PT_EV_LOST)
		return true;
	e = find(f, ev->pid);
	if (ev->type == PT_EV_FORK && !ev->thread) {
		if (e && e->followed && !e->exited && same_process(e, ev)) {
			/* a root (the command) reported after we added it */
			if (!e->start)
				e->start = start_of(ev->proc);
			if (ev->pid == f->child)
				f->fork_seen = true;
		} else if (parent_followed(f, ev)) {
			e = get(f, ev->pid);
			if (e)
				follow_entry(f, e, start_of(ev->proc), false);
		} else if (e) {
			/* the pid of a followed process that exited, now someone else's */
			e->followed = e->root = false;
		}
	} else if (!e && ev->proc && parent_followed(f, ev)) {
		/* found by a resync after a loss: no fork event, the table knows the parent */
		e = get(f, ev->pid);
		if (e)
			follow_entry(f, e, start_of(ev->proc), false);
	} else if (e && e->followed && !same_process(e, ev)) {
		e->followed = e->root = false;
	}
	if (!e || !e->followed) {
		f->left_out++;
		return false;
	}
	if (ev->type == PT_EV_EXIT && !ev->thread && !e->exited) {
		e->exited = true;
		e->exit_us = ev->time_us;
		if (e->root && f->roots_alive)
			f->roots_alive--;
		if (ev->pid == f->child)
			f->exit_seen = true;
	}
	return (f->user_events & PT_EVMASK(ev->type)) != 0;
}

static void try_reap(struct cli_follow *f, bool block)
{
	int st;
	pid_t r;

	if (!f->child || f->reaped)
		return;
	do
		r = waitpid(f->child, &st, block ? 0 : WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r != f->child)
		return;
	f->reaped = true;
	f->wstatus = st;
	fwd_pid = 0;
	f->grace_until_ms = mono_ms() + GRACE_MS + 2 * (int64_t)f->interval_ms;
}

int cli_follow_fd(const struct cli_follow *f)
{
	/* readable when the command has exited; not once reaped (it stays readable) */
	return f && f->child && !f->reaped ? f->pidfd : -1;
}

int cli_follow_timeout(const struct cli_follow *f, int wait_ms)
{
	int64_t t = -1;

	if (!f || !f->child)
		return wait_ms;
	if (f->reaped && !f->exit_seen)
		t = f->grace_until_ms - mono_ms();
	else if (!f->reaped && f->pidfd < 0)
		t = 100; /* no pidfd (Linux < 5.3): look now and then */
	if (t < 0)
		return wait_ms;
	if (t == 0)
		t = 1;
	return wait_ms < 0 || t < wait_ms ? (int)t : wait_ms;
}

bool cli_follow_done(struct cli_follow *f)
{
	if (!f)
		return false;
	if (!f->child)
		return f->npids && !f->roots_alive;
	try_reap(f, false);
	return f->reaped && (f->exit_seen || mono_ms() >= f->grace_until_ms);
}

static int still_running(const struct cli_follow *f, pid_t *shown, size_t *nshown)
{
	int n = 0;

	*nshown = 0;
	for (size_t i = 0; i < f->cap; i++) {
		const struct fent *e = &f->v[i];

		if (!e->pid || !e->followed || e->exited)
			continue;
		if (*nshown < STILL_SHOWN)
			shown[(*nshown)++] = e->pid;
		n++;
	}
	return n;
}

int cli_follow_end(struct cli_follow *f, int rc, bool quiet)
{
	pid_t shown[STILL_SHOWN];
	size_t nshown;
	int n, status = rc < 0 ? 1 : 0;

	if (!f)
		return status;
	if (f->child) {
		if (!f->released && f->go_fd >= 0) {
			/* stopped before the command ran: it exits without running */
			close(f->go_fd);
			f->go_fd = -1;
		}
		try_reap(f, true);
	}
	n = still_running(f, shown, &nshown);
	if (!quiet && f->started) {
		fprintf(stderr, "%s: followed %" PRIu64 " process%s", f->prog, f->followed,
			f->followed == 1 ? "" : "es");
		if (n) {
			fprintf(stderr, "; %d still running, no longer followed:", n);
			for (size_t i = 0; i < nshown; i++)
				fprintf(stderr, " %d", shown[i]);
			if ((size_t)n > nshown)
				fputs(" ...", stderr);
		}
		fprintf(stderr, "; %" PRIu64 " events of other processes left out\n", f->left_out);
	}
	if (!f->child || !f->released)
		return f->child ? 1 : status;
	if (WIFSIGNALED(f->wstatus)) {
		int sig = WTERMSIG(f->wstatus);

		if (!quiet || rc < 0)
			fprintf(stderr, "%s: %s (pid %d) was killed by signal %d (%s)\n", f->prog,
				f->argv[0], f->child, sig, cli_signame(sig) ?: "?");
		status = rc < 0 ? 1 : 128 + sig;
	} else {
		if (!quiet || rc < 0)
			fprintf(stderr, "%s: %s (pid %d) exited with status %d\n", f->prog,
				f->argv[0], f->child, WEXITSTATUS(f->wstatus));
		status = rc < 0 ? 1 : WEXITSTATUS(f->wstatus);
	}
	return status;
}
