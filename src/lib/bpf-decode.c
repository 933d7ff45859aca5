/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Decoding of the BPF tier's ring buffer records: pure, so tests need no kernel. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "internal.h"
#include "../../bpf/proctrail-event.h"

static const enum pt_ns ns_of[PT_BPF_NS_COUNT] = {
	[PT_BPF_NS_CGROUP] = PT_NS_CGROUP, [PT_BPF_NS_IPC] = PT_NS_IPC,
	[PT_BPF_NS_MNT] = PT_NS_MNT,	   [PT_BPF_NS_NET] = PT_NS_NET,
	[PT_BPF_NS_PID] = PT_NS_PID,	   [PT_BPF_NS_TIME] = PT_NS_TIME,
	[PT_BPF_NS_USER] = PT_NS_USER,	   [PT_BPF_NS_UTS] = PT_NS_UTS,
};
_Static_assert(PT_COMM_LEN == sizeof(((struct pt_bpf_event *)0)->comm), "comm size differs");
/* the record's layout is shared with the programs: members only append */
_Static_assert(sizeof(struct pt_bpf_event) == 232, "struct pt_bpf_event changed size");

#define DELETED_SUFFIX " (deleted)"

/*
 * The walked path: depth NUL-terminated names, leaf first. Returns the
 * absolute path, "/" + names root first, or NULL (errno EINVAL or ENOMEM).
 */
static char *exe_from_walk(const char *p, size_t len, unsigned depth, bool deleted)
{
	const char *names[PT_BPF_WALK_STEPS];
	size_t lens[PT_BPF_WALK_STEPS];
	size_t off = 0, total = 1;
	unsigned n = 0;
	char *out, *w;

	if (depth == 0 || depth > PT_BPF_WALK_STEPS)
		goto invalid;
	while (off < len) {
		const char *nul = memchr(p + off, '\0', len - off);

		if (!nul || nul == p + off || n == depth)
			goto invalid;
		/* a memfd's name may hold '/': d_path() shows it as is */
		names[n] = p + off;
		lens[n] = nul - (p + off);
		total += lens[n] + 1;
		off += lens[n] + 1;
		n++;
	}
	if (n != depth)
		goto invalid;
	if (deleted)
		total += strlen(DELETED_SUFFIX);
	out = malloc(total);
	if (!out)
		return NULL;
	w = out;
	while (n--) {
		*w++ = '/';
		memcpy(w, names[n], lens[n]);
		w += lens[n];
	}
	if (deleted) {
		memcpy(w, DELETED_SUFFIX, strlen(DELETED_SUFFIX));
		w += strlen(DELETED_SUFFIX);
	}
	*w = '\0';
	return out;
invalid:
	errno = EINVAL;
	return NULL;
}

/* bprm->filename: one NUL-terminated string filling the path area. */
static char *exe_from_filename(const char *p, size_t len)
{
	const char *nul = memchr(p, '\0', len);
	char *out;

	if (!nul || nul == p || (size_t)(nul - p) != len - 1) {
		errno = EINVAL;
		return NULL;
	}
	out = malloc(len);
	if (out)
		memcpy(out, p, len);
	return out;
}

static int decode_exe(const struct pt_bpf_event *e, const char *p, struct pt_proc *info)
{
	char *exe;

	if (e->path_len == 0)
		return 0;
	if (e->flags & PT_BPF_F_EXE_WALK) {
		exe = exe_from_walk(p, e->path_len, e->path_depth, e->flags & PT_BPF_F_EXE_DELETED);
		if (!exe)
			return -errno;
		info->exe = exe;
		pt_proc_set_known(info, PT_F_EXE, PT_SRC_BPF);
		return 0;
	}
	if (e->flags & PT_BPF_F_EXE_FILENAME) {
		exe = exe_from_filename(p, e->path_len);
		if (!exe)
			return -errno;
		info->exe = exe;
		/* as passed to execve, not resolved: marked as the event's word */
		pt_proc_set_known(info, PT_F_EXE, PT_SRC_EVENT);
		return 0;
	}
	return -EINVAL;
}

/* len bytes of NUL-separated args, copied with a final NUL: *out, *out_len, *argc. */
static int copy_args(const char *p, size_t len, char **out, size_t *out_len, unsigned *argc)
{
	bool add_nul = p[len - 1] != '\0';
	char *args = malloc(len + add_nul);

	if (!args)
		return -ENOMEM;
	memcpy(args, p, len);
	if (add_nul)
		args[len++] = '\0';
	*argc = 0;
	for (size_t i = 0; i < len; i++)
		*argc += args[i] == '\0';
	*out = args;
	*out_len = len;
	return 0;
}

static int decode_argv(const struct pt_bpf_event *e, const char *p, struct pt_proc *info)
{
	int r;

	if (e->argv_len == 0)
		return 0;
	r = copy_args(p, e->argv_len, &info->args, &info->args_len, &info->argc);
	if (r < 0)
		return r;
	info->args_truncated = (e->flags & PT_BPF_F_ARGV_TRUNC) != 0;
	pt_proc_set_known(info, PT_F_ARGV, PT_SRC_BPF);
	return 0;
}

static struct pt_proc *info_new(const struct pt_bpf_event *e)
{
	struct pt_proc *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	pt_proc_init(p);
	p->pid = e->pid;
	p->ppid = e->ppid;
	p->start = e->start;
	p->tier = PT_TIER_BPF;
	memcpy(p->comm, e->comm, PT_COMM_LEN);
	p->comm[PT_COMM_LEN - 1] = '\0';
	pt_proc_set_known(p, PT_F_PPID, PT_SRC_BPF);
	pt_proc_set_known(p, PT_F_START, PT_SRC_BPF);
	pt_proc_set_known(p, PT_F_COMM, PT_SRC_BPF);
	return p;
}

/* Credentials, namespaces, session and login uid: read at process fork and exec. */
static void info_identity(struct pt_proc *p, const struct pt_bpf_event *e)
{
	p->uid = e->uid;
	p->euid = e->euid;
	p->gid = e->gid;
	p->egid = e->egid;
	pt_proc_set_known(p, PT_F_CREDS, PT_SRC_BPF);
	for (unsigned i = 0; i < PT_BPF_NS_COUNT; i++)
		p->ns[ns_of[i]] = e->ns[i];
	pt_proc_set_known(p, PT_F_NS, PT_SRC_BPF);
	if (e->known & PT_BPF_K_SESSION) {
		p->sid = (pid_t)e->sid;
		p->pgid = (pid_t)e->pgid;
		p->tty_nr = (int)e->tty_nr;
		pt_proc_set_known(p, PT_F_SID, PT_SRC_BPF);
		pt_proc_set_known(p, PT_F_PGID, PT_SRC_BPF);
		pt_proc_set_known(p, PT_F_TTY, PT_SRC_BPF);
	}
	if (e->known & PT_BPF_K_LOGINUID) {
		p->loginuid = e->loginuid;
		pt_proc_set_known(p, PT_F_LOGINUID, PT_SRC_BPF);
	}
	/* a process has a number in its own namespace; its group may not (0) */
	if ((e->known & PT_BPF_K_NSPID) && e->vpid) {
		p->vpid = (pid_t)e->vpid;
		p->vpgid = (pid_t)e->vpgid;
		pt_proc_set_known(p, PT_F_NSPID, PT_SRC_BPF);
	}
	if (e->known & PT_BPF_K_CAPS) {
		p->cap_prm = e->cap_prm;
		p->cap_eff = e->cap_eff;
		p->cap_inh = e->cap_inh;
		pt_proc_set_known(p, PT_F_CAPS, PT_SRC_BPF);
	}
	/* the path, and the container, come from pt_bpf_attribute() */
	p->cgroup_id = e->cgroup_id;
}

static void info_free(struct pt_proc *p)
{
	if (!p)
		return;
	pt_proc_clear(p);
	free(p);
}

static int decode_exec(const struct pt_bpf_event *e, const char *tail, struct pt_raw *raw)
{
	struct pt_proc *info;
	int r;

	raw->type = PT_EV_EXEC;
	/* the thread that called exec; != pid when it was not the leader (its
	 * old tid, now gone: the kernel gave it the leader's) */
	raw->tid = e->old_tid;
	info = info_new(e);
	if (!info)
		return -ENOMEM;
	info_identity(info, e);
	r = decode_exe(e, tail, info);
	if (r == 0)
		r = decode_argv(e, tail + e->path_len, info);
	if (r < 0) {
		info_free(info);
		return r;
	}
	raw->info = info;
	return 0;
}

static int decode_exit(const struct pt_bpf_event *e, struct pt_raw *raw)
{
	int status = (int)e->exit_code;

	raw->type = PT_EV_EXIT;
	if (e->flags & PT_BPF_F_THREAD) {
		/*
		 * A leader thread ending while others live (pthread_exit in
		 * main, or the old leader killed by a thread's exec): tid == pid
		 * would read as the process exit, and the process is not over.
		 */
		if (e->tid == e->pid)
			return 1;
	} else {
		/* the last thread ends the process, whichever thread it was */
		raw->tid = e->pid;
	}
	raw->u.exit.status = status;
	if ((status & 0x7f) != 0 && (status & 0x7f) != 0x7f) {
		raw->u.exit.signal = status & 0x7f;
		raw->u.exit.core = (status & 0x80) != 0;
	}
	if (e->flags & PT_BPF_F_THREAD)
		return 0;
	raw->info = info_new(e);
	return raw->info ? 0 : -ENOMEM;
}

/* The args area of an exec_failed record: NUL-separated, given a final NUL. */
static int failed_argv(const struct pt_bpf_event *e, const char *p, struct pt_raw *raw)
{
	size_t len = e->argv_len;
	int r;

	if (len == 0) {
		/* an empty argv (execve(path, NULL, ...)) is known to be empty
		 * unless reading it faulted */
		if (e->flags & PT_BPF_F_ARGV_FAULT)
			return 0;
		raw->u.failed.args = calloc(1, 1);
		return raw->u.failed.args ? 0 : -ENOMEM;
	}
	r = copy_args(p, len, &raw->u.failed.args, &raw->u.failed.args_len, &raw->u.failed.argc);
	if (r < 0)
		return r;
	raw->u.failed.args_truncated = (e->flags & PT_BPF_F_ARGV_TRUNC) != 0;
	return 0;
}

/* execve()/execveat() failed: the caller's identity in raw->info, what it
 * asked for in raw->u.failed. */
static int decode_exec_failed(const struct pt_bpf_event *e, const char *tail, struct pt_raw *raw)
{
	int r;

	raw->type = PT_EV_EXEC_FAILED;
	if (e->err <= 0 || e->err > 4095)
		return -EINVAL;
	raw->u.failed.err = e->err;
	raw->u.failed.execveat = (e->flags & PT_BPF_F_EXECVEAT) != 0;
	if (e->path_len) {
		/* the path as passed: "" is possible (execveat AT_EMPTY_PATH) */
		if (tail[e->path_len - 1] != '\0' ||
		    memchr(tail, '\0', e->path_len) != tail + e->path_len - 1)
			return -EINVAL;
		raw->u.failed.path = strdup(tail);
		if (!raw->u.failed.path)
			return -ENOMEM;
	}
	r = failed_argv(e, tail + e->path_len, raw);
	if (r == 0) {
		raw->info = info_new(e);
		if (raw->info)
			info_identity(raw->info, e);
		else
			r = -ENOMEM;
	}
	if (r < 0) {
		free(raw->u.failed.path);
		free(raw->u.failed.args);
		memset(&raw->u.failed, 0, sizeof(raw->u.failed));
	}
	return r;
}

/* The connector hooks' records: header only, about e->tid of process e->pid. */
static int decode_connector(const struct pt_bpf_event *e, struct pt_raw *raw)
{
	switch (e->type) {
	case PT_BPF_UID:
		raw->type = PT_EV_UID;
		raw->u.id.r = e->uid;
		raw->u.id.e = e->euid;
		return 0;
	case PT_BPF_GID:
		raw->type = PT_EV_GID;
		raw->u.id.r = e->gid;
		raw->u.id.e = e->egid;
		return 0;
	case PT_BPF_SID:
		raw->type = PT_EV_SID;
		return 0;
	case PT_BPF_COMM:
		/* as the netlink tier: the new name, cut at 15 bytes */
		raw->type = PT_EV_COMM;
		memcpy(raw->u.comm, e->comm, strnlen((const char *)e->comm, PT_COMM_LEN - 1));
		return 0;
	case PT_BPF_PTRACE:
		raw->type = PT_EV_PTRACE;
		raw->u.tracer.pid = (pid_t)e->tracer_pid;
		raw->u.tracer.tid = (pid_t)e->tracer_tid;
		return 0;
	case PT_BPF_COREDUMP:
		raw->type = PT_EV_COREDUMP;
		raw->ptid = (pid_t)e->ptid;
		return 0;
	default:
		return -EINVAL;
	}
}

int pt_bpf_decode(const void *data, size_t len, struct pt_raw *raw, struct pt_bpf_meta *meta)
{
	struct pt_bpf_event e;
	const char *tail = (const char *)data + sizeof(e);

	memset(raw, 0, sizeof(*raw));
	memset(meta, 0, sizeof(*meta));
	if (!data || len < sizeof(e))
		return -EINVAL;
	memcpy(&e, data, sizeof(e));
	if ((uint64_t)e.path_len + e.argv_len > len - sizeof(e))
		return -EINVAL;
	if (e.type != PT_BPF_EXEC && e.type != PT_BPF_EXEC_FAILED && (e.path_len || e.argv_len))
		return -EINVAL;
	if (e.pid == 0 || e.tid == 0)
		return -EINVAL;

	meta->time_ns = e.time_ns;
	meta->cgroup_id = e.cgroup_id;
	meta->flags = e.flags;
	meta->tid = e.tid;
	meta->old_tid = e.old_tid;
	raw->pid = (pid_t)e.pid;
	raw->tid = (pid_t)e.tid;
	raw->ppid = (pid_t)e.ppid;
	raw->start = e.start;

	switch (e.type) {
	case PT_BPF_FORK:
		raw->type = PT_EV_FORK;
		raw->ptid = (pid_t)e.ptid;
		if (e.flags & PT_BPF_F_THREAD)
			return 0;
		if (e.tid != e.pid)
			return -EINVAL;
		raw->info = info_new(&e);
		if (!raw->info)
			return -ENOMEM;
		info_identity(raw->info, &e);
		return 0;
	case PT_BPF_EXEC:
		return decode_exec(&e, tail, raw);
	case PT_BPF_EXIT:
		return decode_exit(&e, raw);
	case PT_BPF_EXEC_FAILED:
		return decode_exec_failed(&e, tail, raw);
	case PT_BPF_UID:
	case PT_BPF_GID:
	case PT_BPF_SID:
	case PT_BPF_COMM:
	case PT_BPF_PTRACE:
	case PT_BPF_COREDUMP:
		return decode_connector(&e, raw);
	default:
		return -EINVAL;
	}
}

void pt_bpf_raw_free(struct pt_raw *raw)
{
	info_free(raw->info);
	raw->info = NULL;
	if (raw->type == PT_EV_EXEC_FAILED) {
		free(raw->u.failed.path);
		free(raw->u.failed.args);
		raw->u.failed.path = raw->u.failed.args = NULL;
	}
}

int pt_bpf_attribute(struct pt_proc *p, const char *path, bool hybrid)
{
	struct pt_cgroup_attr a;
	char *dup;
	int r;

	if (!path)
		return 0; /* an id the hierarchy no longer (or not yet) shows */
	r = pt_cgroup_attr_path(path, strlen(path), &a);
	/*
	 * On a hybrid host a container may show on the v1 lines only (docker's
	 * cgroupfs driver, v1 runtimes): a v2 path naming none says nothing, and
	 * the path /proc shows is then a v1 line's. The core reads /proc.
	 */
	if (hybrid && r != 1)
		return 0;
	dup = strdup(path);
	if (!dup)
		return -ENOMEM;
	free(p->cgroup);
	p->cgroup = dup;
	pt_proc_set_known(p, PT_F_CGROUP, PT_SRC_BPF);
	if (r < 0)
		return 0; /* not parsed: the container is left to the core */
	pt_ctr_unref(p->ctr);
	p->ctr = NULL;
	if (r == 1) {
		p->ctr = pt_ctr_new(&a, path);
		if (!p->ctr)
			return errno == ENOMEM ? -ENOMEM : 0; /* unknown, to the core */
		/* the process is in the container's own cgroup, not a sub-cgroup */
		if (a.dir_len == strlen(path))
			p->ctr->cgroup_id = p->cgroup_id;
	}
	pt_proc_set_known(p, PT_F_CONTAINER, PT_SRC_BPF);
	return 0;
}

bool pt_bpf_lost(uint64_t *total, const uint64_t *percpu, unsigned ncpu, struct pt_raw *raw)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < ncpu; i++)
		sum += percpu[i];
	if (sum <= *total) {
		/* a smaller sum means the map was recreated: a new baseline */
		*total = sum;
		return false;
	}
	memset(raw, 0, sizeof(*raw));
	raw->type = PT_EV_LOST;
	raw->u.lost.count = sum - *total;
	raw->u.lost.estimated = false;
	raw->u.lost.reason = "bpf ring buffer full";
	*total = sum;
	return true;
}

bool pt_bpf_exit_seen(struct pt_bpf_exits *x, uint32_t pid, uint64_t start)
{
	for (unsigned i = 0; i < PT_BPF_EXITS_KEPT; i++)
		if (x->e[i].pid == pid && x->e[i].start == start)
			return true;
	x->e[x->next].pid = pid;
	x->e[x->next].start = start;
	x->next = (x->next + 1) % PT_BPF_EXITS_KEPT;
	return false;
}

/* Lines that do not say why: libbpf's summaries of the failure, then (for a
 * verifier log) the statistics and source annotations. */
#define NOISE_SUMMARIES 3
static const char *const noise[] = {
	"libbpf: failed to load object",
	"libbpf: failed to load BPF skeleton",
	"libbpf: failed to perform CO-RE relocations",
	"processed ",
	"verification time",
	"stack depth",
	"-- ",
	";",
	"libbpf: prog '",
	"Live regs",
};

static bool skip_line(const char *l, size_t n, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (n >= strlen(noise[i]) && memcmp(l, noise[i], strlen(noise[i])) == 0)
			return true;
	return false;
}

/* The last non-empty line of log[0, end) that skip_line() lets through. */
static const char *last_line(const char *log, const char *end, size_t skip, size_t *n)
{
	while (end > log) {
		const char *e = end, *b;

		while (e > log && (e[-1] == '\n' || e[-1] == ' '))
			e--;
		b = e;
		while (b > log && b[-1] != '\n')
			b--;
		if (e > b && !skip_line(b, e - b, skip)) {
			*n = e - b;
			return b;
		}
		end = b;
	}
	return NULL;
}

void pt_bpf_log_reason(const char *log, char *out, size_t len)
{
	const char *end = NULL, *l = NULL, *p;
	size_t n = 0;

	if (len == 0)
		return;
	out[0] = '\0';
	if (!log)
		return;
	/* the verifier's complaint comes last in its log, before the statistics */
	for (p = strstr(log, "-- END PROG LOAD LOG --"); p;
	     p = strstr(p + 1, "-- END PROG LOAD LOG --"))
		end = p;
	if (end)
		l = last_line(log, end, PT_ARRAY_SIZE(noise), &n);
	if (!l)
		l = last_line(log, log + strlen(log), NOISE_SUMMARIES, &n);
	if (!l)
		l = last_line(log, log + strlen(log), 0, &n);
	if (!l)
		return;
	if (n > 8 && memcmp(l, "libbpf: ", 8) == 0) {
		l += 8;
		n -= 8;
	}
	if (n >= len)
		n = len - 1;
	memcpy(out, l, n);
	out[n] = '\0';
}
