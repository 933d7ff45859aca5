/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The image of a process that has just exec'd, read from /proc in two steps:
 * the netlink tier's reader thread races the process (a static binary lives
 * ~0.1 ms), so this is its hot path. The first step reads what vanishes when
 * the process exits (cmdline, exe); the second what lasts until it is reaped
 * (status, cgroup, stat). One read() per file: they hand over everything that
 * fits in the first call, and the usual read() returning 0 would be one more
 * syscall per exec.
 *
 * Each file is opened by its path under the proc root ("PID/cmdline"), not
 * through an open /proc/PID directory: that open and its close were 2 of the
 * 16 system calls per exec, and a system call is what costs most here. What
 * the directory fd guaranteed (every read is of one process) comes from
 * reading stat last: a pid is not handed out again while its process lives,
 * so a stat whose start is not after the exec proves every read before it was
 * of the process that exec'd. A stat that says otherwise discards them all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define STAT_MAX 1024
#define STATUS_MAX 4096
#define CGROUP_MAX 4096
#define EXE_MAX 4096

/* Read up to cap bytes of dirfd/name with one read(). Bytes read or -errno. */
ssize_t pt_procfs_read_once(int dirfd, const char *name, char *buf, size_t cap)
{
	ssize_t n;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

/* "PID/name" of x's process, relative to the proc root */
static const char *path_of(struct pt_exec_read *x, const char *name)
{
	size_t n = strlen(name);

	if (x->dirlen + n >= sizeof(x->path))
		return "";
	memcpy(x->path + x->dirlen, name, n + 1);
	return x->path;
}

static ssize_t read_once(struct pt_exec_read *x, const char *name, char *buf, size_t cap)
{
	return pt_procfs_read_once(x->fs->root_fd, path_of(x, name), buf, cap);
}

/* cmdline first: it reads empty once the process has released its memory. */
static int read_args(struct pt_exec_read *x, char *argbuf, size_t args_max)
{
	struct pt_proc *p = x->p;
	ssize_t n = read_once(x, "cmdline", argbuf, args_max + 1);
	bool trunc = false;
	size_t len;
	char *args;

	if (n <= 0)
		return n < 0 ? (int)n : -ENODATA;
	len = (size_t)n;
	if (len > args_max) {
		len = args_max;
		trunc = true;
	}
	args = malloc(len + 1);
	if (!args)
		return -ENOMEM;
	memcpy(args, argbuf, len);
	if (args[len - 1] != '\0')
		args[len++] = '\0';
	pt_proc_set_args(p, args, len, trunc);
	pt_proc_set_known(p, PT_F_ARGV, PT_SRC_PROC);
	return 0;
}

static int read_exe(struct pt_exec_read *x)
{
	struct pt_proc *p = x->p;
	char buf[EXE_MAX];
	ssize_t n = readlinkat(x->fs->root_fd, path_of(x, "exe"), buf, sizeof(buf));

	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(buf))
		return -ENAMETOOLONG;
	p->exe = strndup(buf, (size_t)n);
	if (!p->exe)
		return -ENOMEM;
	pt_proc_set_known(p, PT_F_EXE, PT_SRC_PROC);
	return 0;
}

static int read_stat(struct pt_exec_read *x)
{
	struct pt_proc *p = x->p;
	char buf[STAT_MAX];
	struct pt_stat st;
	ssize_t n = read_once(x, "stat", buf, sizeof(buf) - 1);

	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	if (pt_parse_stat(buf, (size_t)n, &st) < 0)
		return -EINVAL;
	pt_stat_apply(&st, PT_FMASK_STAT, p);
	return 0;
}

/* status: the credentials, and NSpid/NSpgid and the capabilities from the same read
 * (parsed from the buffer: no syscall more) */
static int read_creds(struct pt_exec_read *x)
{
	struct pt_proc *p = x->p;
	char buf[STATUS_MAX];
	ssize_t n = read_once(x, "status", buf, sizeof(buf) - 1);

	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	pt_status_apply_nspid(buf, (size_t)n, p);
	pt_status_apply_caps(buf, (size_t)n, p);
	return pt_status_apply(buf, (size_t)n, p);
}

/*
 * cgroup lasts until the process is reaped, like stat: a process that lived
 * 2 ms in a container is still attributed. A runtime moves it into the
 * container's cgroup before its exec, so what is read here is the container's.
 * A file longer than the buffer (many v1 hierarchies with long paths) is left
 * to the core's read.
 */
static int read_cgroup(struct pt_exec_read *x)
{
	char buf[CGROUP_MAX];
	ssize_t n = read_once(x, "cgroup", buf, sizeof(buf) - 1);

	if (n < 0)
		return (int)n;
	if ((size_t)n == sizeof(buf) - 1)
		return -EFBIG;
	buf[n] = '\0';
	return pt_procfs_cgroup_apply(x->fs, -1, buf, (size_t)n, x->p);
}

static void set_missing(struct pt_proc *p, unsigned fields, enum pt_why why)
{
	for (unsigned f = 0; f < PT_F_COUNT; f++)
		if (fields & PT_FMASK(f))
			pt_proc_set_missing(p, (enum pt_field)f, why);
}

#define CGROUP_FIELDS (PT_FMASK(PT_F_CGROUP) | PT_FMASK(PT_F_CONTAINER) | PT_FMASK(PT_F_CTR_META))
#define EXEC_READ_FIELDS                                                                   \
	(PT_FMASK(PT_F_ARGV) | PT_FMASK(PT_F_EXE) | PT_FMASK(PT_F_CREDS) | PT_FMASK_STAT | \
	 PT_FMASK(PT_F_NSPID) | PT_FMASK(PT_F_CAPS) | CGROUP_FIELDS)

void pt_procfs_exec_begin(const struct pt_procfs *fs, char *argbuf, size_t args_max, pid_t pid,
			  struct pt_exec_read *x)
{
	int n;

	x->fs = fs;
	x->gone = false;
	x->p = malloc(sizeof(*x->p));
	if (!x->p)
		return;
	pt_proc_init(x->p);
	x->p->pid = pid;
	n = pid > 0 ? snprintf(x->path, sizeof(x->path), "%d/", (int)pid) : -1;
	/* never a path without "PID/": "stat" alone is the proc root's /proc/stat */
	if (n <= 0 || (size_t)n >= sizeof(x->path)) {
		x->gone = true;
		set_missing(x->p, EXEC_READ_FIELDS, PT_WHY_ERROR);
		return;
	}
	x->dirlen = (size_t)n;
	x->r_args = read_args(x, argbuf, args_max);
	/* every /proc/PID has a cmdline: without it, there is no /proc/PID */
	if (x->r_args == -ENOENT) {
		x->gone = true;
		set_missing(x->p, EXEC_READ_FIELDS, PT_WHY_GONE);
		return;
	}
	x->r_exe = read_exe(x);
}

struct pt_proc *pt_procfs_exec_finish(struct pt_exec_read *x)
{
	struct pt_proc *p = x->p;
	int r_stat, r_creds, r_cgroup;
	enum pt_why gone;

	if (!p || x->gone)
		return p;
	r_creds = read_creds(x);
	r_cgroup = read_cgroup(x);
	/* last: it vouches for every read before it (see the top of the file) */
	r_stat = read_stat(x);

	/* started after the exec: the pid was handed out again before the reads */
	if (r_stat == 0 && p->start > x->exec_ticks + 1) {
		pid_t pid = p->pid;

		pt_proc_clear(p);
		pt_proc_init(p);
		p->pid = pid;
		set_missing(p, EXEC_READ_FIELDS, PT_WHY_GONE);
		return p;
	}
	/* no argv or exe while stat is still there: it has exited, a zombie or nearly */
	gone = r_stat == 0 || r_stat == -EINVAL ? PT_WHY_ZOMBIE : pt_procfs_why(r_stat);
	if (x->r_args == -ENODATA)
		pt_proc_set_missing(p, PT_F_ARGV, gone);
	else if (x->r_args < 0)
		pt_proc_set_missing(p, PT_F_ARGV, pt_procfs_why(x->r_args));
	if (x->r_exe == -ENOENT)
		pt_proc_set_missing(p, PT_F_EXE, gone);
	else if (x->r_exe < 0)
		pt_proc_set_missing(p, PT_F_EXE, pt_procfs_why(x->r_exe));
	if (r_stat < 0)
		set_missing(p, PT_FMASK_STAT, pt_procfs_why(r_stat));
	if (r_creds < 0) {
		pt_proc_set_missing(p, PT_F_CREDS, pt_procfs_why(r_creds));
		pt_proc_set_missing(p, PT_F_NSPID, pt_procfs_why(r_creds));
		pt_proc_set_missing(p, PT_F_CAPS, pt_procfs_why(r_creds));
	}
	/* too long for one read: NOT_READ, the core reads it whole */
	if (r_cgroup < 0 && r_cgroup != -ENOMEM)
		set_missing(p, CGROUP_FIELDS,
			    r_cgroup == -EFBIG ? PT_WHY_NOT_READ : pt_procfs_why(r_cgroup));
	return p;
}
