/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fake /proc trees for unit tests; see fixture.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"

/* task->flags bits as the kernel prints them in stat field 9 */
#define FX_PF_EXITING 0x00000004u
#define FX_PF_FORKNOEXEC 0x00000040u
#define FX_PF_SIGNALED 0x00000400u
#define FX_PF_NOFREEZE 0x00008000u
#define FX_PF_KTHREAD 0x00200000u
#define FX_PF_RANDOMIZE 0x00400000u

#define FX_DEPTH_MAX 16

char *fx_root_new(void)
{
	const char *tmp = getenv("TMPDIR");
	char *path;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (asprintf(&path, "%s/pt-fixture-XXXXXX", tmp) < 0)
		return NULL;
	if (!mkdtemp(path)) {
		free(path);
		return NULL;
	}
	/* mkdtemp makes it 0700; let a test that drops privileges still look in. */
	chmod(path, 0755);
	return path;
}

static int mkdir_p(char *path)
{
	for (char *s = path + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			int r = -errno;

			*s = '/';
			return r;
		}
		*s = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write path atomically (temp file + rename), creating parent directories. */
static int write_path(const char *path, const void *data, size_t len)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	char *slash;
	int fd, r;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		r = mkdir_p(dir);
		if (r < 0)
			return r;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.fx-tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

static int write_str(const char *path, const char *s)
{
	return write_path(path, s, strlen(s));
}

static int symlink_path(const char *target, const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	if (symlink(target, path) < 0)
		return -errno;
	return 0;
}

static int remove_at(int atfd, const char *name, int depth);

/* Drop a file or tree left by an earlier fx_add_proc of the same pid. */
static int remove_stale(const char *dir, const char *name)
{
	char path[PATH_MAX + 64];
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	r = remove_at(AT_FDCWD, path, 0);
	return r == -ENOENT ? 0 : r;
}

static char fx_state(const struct fx_proc *p)
{
	return p->state ? p->state : 'S';
}

static const char *state_name(char s)
{
	switch (s) {
	case 'R':
		return "R (running)";
	case 'D':
		return "D (disk sleep)";
	case 'T':
		return "T (stopped)";
	case 't':
		return "t (tracing stop)";
	case 'X':
		return "X (dead)";
	case 'Z':
		return "Z (zombie)";
	case 'P':
		return "P (parked)";
	case 'I':
		return "I (idle)";
	default:
		return "S (sleeping)";
	}
}

/* A live process without cmdline and exe is what a kernel thread looks like. */
static int is_kthread(const struct fx_proc *p)
{
	return fx_state(p) != 'Z' && !p->cmdline && !p->exe;
}

static unsigned nthreads_of(const struct fx_proc *p)
{
	return p->nthreads ? p->nthreads : 1;
}

/* All 52 fields of stat(5) for task tid of p, the way the kernel prints them. */
static int format_stat(char *buf, size_t cap, const struct fx_proc *p, pid_t tid)
{
	char st = fx_state(p);
	int zombie = st == 'Z';
	int kthread = is_kthread(p);
	unsigned flags;
	unsigned long long vsize = 0, rss = 0, code = 0, stack = 0, data = 0, args = 0;
	int n;

	if (zombie)
		flags = FX_PF_RANDOMIZE | FX_PF_SIGNALED | FX_PF_FORKNOEXEC | FX_PF_EXITING;
	else if (kthread)
		flags = FX_PF_KTHREAD | FX_PF_NOFREEZE | FX_PF_FORKNOEXEC;
	else
		flags = FX_PF_RANDOMIZE;
	if (!zombie && !kthread) {
		vsize = 8568832;
		rss = 1320;
		code = 94085617532928ULL;
		stack = 140731489547536ULL;
		data = 94085617568816ULL;
		args = 140731489553033ULL;
	}
	n = snprintf(buf, cap,
		     "%d (%s) %c %d %d %d %d -1 %u 101 0 0 0 3 1 0 0 20 0 %u 0 %llu %llu %llu "
		     "18446744073709551615 %llu %llu %llu 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 "
		     "%llu %llu %llu %llu %llu %llu %llu %d\n",
		     (int)tid, p->comm ? p->comm : "", st, (int)p->ppid, (int)p->pgid, (int)p->sid,
		     p->tty_nr, flags, nthreads_of(p), (unsigned long long)p->start, vsize, rss,
		     code, code ? code + 19881 : 0, stack, data, data ? data + 1616 : 0,
		     data ? data + 89658320 : 0, args, args ? args + 20 : 0, args ? args + 20 : 0,
		     args ? args + 1378 : 0, zombie ? 9 : 0);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}

/* status escapes '\n' and '\\' in Name:, like the kernel. */
static void escape_name(char *out, size_t cap, const char *comm)
{
	size_t o = 0;

	for (const char *c = comm ? comm : ""; *c && o + 3 < cap; c++) {
		if (*c == '\n' || *c == '\\') {
			out[o++] = '\\';
			out[o++] = *c == '\n' ? 'n' : '\\';
		} else {
			out[o++] = *c;
		}
	}
	out[o] = '\0';
}

static int format_status(char *buf, size_t cap, const struct fx_proc *p, pid_t tid)
{
	char name[128];
	int zombie = fx_state(p) == 'Z';
	int n;

	escape_name(name, sizeof(name), p->comm);
	n = snprintf(buf, cap,
		     "Name:\t%s\n"
		     "%s"
		     "State:\t%s\n"
		     "Tgid:\t%d\n"
		     "Ngid:\t0\n"
		     "Pid:\t%d\n"
		     "PPid:\t%d\n"
		     "TracerPid:\t0\n"
		     "Uid:\t%u\t%u\t%u\t%u\n"
		     "Gid:\t%u\t%u\t%u\t%u\n"
		     "FDSize:\t%d\n"
		     "Groups:\t \n"
		     "NStgid:\t%d\n"
		     "NSpid:\t%d\n"
		     "NSpgid:\t%d\n"
		     "NSsid:\t%d\n"
		     "Kthread:\t%d\n"
		     "%s"
		     "Threads:\t%u\n"
		     "SigQ:\t0/96365\n"
		     "SigPnd:\t0000000000000000\n"
		     "ShdPnd:\t0000000000000000\n"
		     "SigBlk:\t0000000000000000\n"
		     "SigIgn:\t0000000000000000\n"
		     "SigCgt:\t0000000000000000\n"
		     "CapInh:\t0000000000000000\n"
		     "CapPrm:\t%s\n"
		     "CapEff:\t%s\n"
		     "CapBnd:\t000001ffffffffff\n"
		     "CapAmb:\t0000000000000000\n"
		     "NoNewPrivs:\t0\n"
		     "Seccomp:\t0\n"
		     "Cpus_allowed:\t3\n"
		     "Cpus_allowed_list:\t0-1\n"
		     "voluntary_ctxt_switches:\t2\n"
		     "nonvoluntary_ctxt_switches:\t0\n",
		     name, zombie ? "" : "Umask:\t0022\n", state_name(fx_state(p)), (int)p->pid,
		     (int)tid, (int)p->ppid, (unsigned)p->uid, (unsigned)p->euid, (unsigned)p->euid,
		     (unsigned)p->euid, (unsigned)p->gid, (unsigned)p->egid, (unsigned)p->egid,
		     (unsigned)p->egid, zombie ? 0 : 64, (int)p->pid, (int)tid, (int)p->pgid,
		     (int)p->sid, is_kthread(p),
		     zombie || is_kthread(p)
			     ? ""
			     : "VmPeak:\t    8368 kB\nVmSize:\t    8368 kB\nVmRSS:\t    5280 kB\n",
		     nthreads_of(p), p->euid == 0 ? "000001ffffffffff" : "0000000000000000",
		     p->euid == 0 ? "000001ffffffffff" : "0000000000000000");
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}

/* The files a task has: stat, status, comm. */
static int write_task_files(const char *dir, const struct fx_proc *p, pid_t tid)
{
	char path[PATH_MAX], buf[4096];
	int n, r;

	n = format_stat(buf, sizeof(buf), p, tid);
	if (n < 0)
		return n;
	snprintf(path, sizeof(path), "%s/stat", dir);
	r = write_path(path, buf, (size_t)n);
	if (r < 0)
		return r;

	n = format_status(buf, sizeof(buf), p, tid);
	if (n < 0)
		return n;
	snprintf(path, sizeof(path), "%s/status", dir);
	r = write_path(path, buf, (size_t)n);
	if (r < 0)
		return r;

	snprintf(buf, sizeof(buf), "%.15s\n", p->comm ? p->comm : "");
	snprintf(path, sizeof(path), "%s/comm", dir);
	return write_str(path, buf);
}

int fx_add_proc(const char *root, const struct fx_proc *p)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], buf[64];
	int zombie = fx_state(p) == 'Z';
	int r;

	if (!root || !p || p->pid <= 0)
		return -EINVAL;
	if (snprintf(dir, sizeof(dir), "%s/%d", root, (int)p->pid) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	r = mkdir_p(dir);
	if (r < 0)
		return r;

	for (const char *const *n =
		     (const char *const[]){"exe", "cwd", "ns", "task", "loginuid", NULL};
	     *n; n++) {
		r = remove_stale(dir, *n);
		if (r < 0)
			return r;
	}
	r = write_task_files(dir, p, p->pid);
	if (r < 0)
		return r;

	snprintf(path, sizeof(path), "%s/cmdline", dir);
	if (zombie || !p->cmdline)
		r = write_path(path, "", 0);
	else
		r = write_path(path, p->cmdline, p->cmdline_len);
	if (r < 0)
		return r;

	snprintf(path, sizeof(path), "%s/cgroup", dir);
	r = write_str(path, p->cgroup ? p->cgroup : "0::/\n");
	if (r < 0)
		return r;

	if (p->loginuid) {
		snprintf(path, sizeof(path), "%s/loginuid", dir);
		r = write_str(path, p->loginuid);
		if (r < 0)
			return r;
	}

	if (p->exe && !zombie) {
		snprintf(path, sizeof(path), "%s/exe", dir);
		r = symlink_path(p->exe, path);
		if (r < 0)
			return r;
	}
	if (p->cwd && !zombie) {
		snprintf(path, sizeof(path), "%s/cwd", dir);
		r = symlink_path(p->cwd, path);
		if (r < 0)
			return r;
	}

	if (p->mnt_ns && !zombie) {
		snprintf(path, sizeof(path), "%s/ns", dir);
		r = mkdir_p(path);
		if (r < 0)
			return r;
		snprintf(path, sizeof(path), "%s/ns/mnt", dir);
		snprintf(buf, sizeof(buf), "mnt:[%llu]", (unsigned long long)p->mnt_ns);
		r = symlink_path(buf, path);
		if (r < 0)
			return r;
	}

	for (unsigned i = 0; i < nthreads_of(p); i++) {
		pid_t tid = p->pid + (pid_t)(i * 1000000u);

		snprintf(path, sizeof(path), "%s/task/%d", dir, (int)tid);
		r = mkdir_p(path);
		if (r < 0)
			return r;
		r = write_task_files(path, p, tid);
		if (r < 0)
			return r;
	}
	return 0;
}

int fx_write(const char *root, pid_t pid, const char *name, const void *data, size_t len)
{
	char path[PATH_MAX];

	if (!root || !name || pid <= 0)
		return -EINVAL;
	if (snprintf(path, sizeof(path), "%s/%d/%s", root, (int)pid, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return write_path(path, data, len);
}

int fx_put(const char *root, const char *rel, const void *data, size_t len)
{
	char path[PATH_MAX];

	if (!root || !rel || rel[0] != '/')
		return -EINVAL;
	if (snprintf(path, sizeof(path), "%s%s", root, rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return write_path(path, data, len);
}

/* rm -rf name under dirfd; makes directories searchable first so that a test
 * that chmod'ed something to 000 can still clean up without root. */
static int remove_at(int atfd, const char *name, int depth)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int fd, r = 0;

	if (depth > FX_DEPTH_MAX)
		return -ELOOP;
	if (fstatat(atfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(atfd, name, 0) < 0 ? -errno : 0;

	if (fchmodat(atfd, name, 0700, 0) < 0) {
		/* a test's unreadable directory: the open below says whether it matters */
	}
	fd = openat(atfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	while ((e = readdir(d))) {
		int q;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		q = remove_at(dirfd(d), e->d_name, depth + 1);
		if (q < 0 && r == 0)
			r = q;
	}
	closedir(d);
	if (unlinkat(atfd, name, AT_REMOVEDIR) < 0 && r == 0)
		r = -errno;
	return r;
}

int fx_remove(const char *root, pid_t pid, const char *name)
{
	char path[PATH_MAX];

	if (!root || pid <= 0)
		return -EINVAL;
	if (name)
		snprintf(path, sizeof(path), "%s/%d/%s", root, (int)pid, name);
	else
		snprintf(path, sizeof(path), "%s/%d", root, (int)pid);
	return remove_at(AT_FDCWD, path, 0);
}

int fx_set_last_pid(const char *root, pid_t last)
{
	char path[PATH_MAX], buf[128];
	int r;

	if (!root || last < 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/loadavg", root);
	snprintf(buf, sizeof(buf), "0.08 0.03 0.01 1/123 %d\n", (int)last);
	r = write_str(path, buf);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/sys/kernel/ns_last_pid", root);
	snprintf(buf, sizeof(buf), "%d\n", (int)last);
	return write_str(path, buf);
}

int fx_add_simple(const char *root, pid_t pid, pid_t ppid, const char *comm, uint64_t start,
		  const char *cmdline, size_t cmdline_len)
{
	struct fx_proc p = {
		.pid = pid,
		.ppid = ppid,
		.comm = comm,
		.start = start,
		.cmdline = cmdline ? cmdline : comm,
		.cmdline_len = cmdline ? cmdline_len : strlen(comm) + 1,
		.exe = "/usr/bin/x",
		.cwd = "/",
		.sid = pid,
		.pgid = pid,
	};

	return fx_add_proc(root, &p);
}

int fx_set_boot_id(const char *root, const char *content)
{
	char path[PATH_MAX];

	if (!root || !content)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/sys/kernel/random/boot_id", root);
	return write_str(path, content);
}

void fx_root_free(char *root)
{
	if (!root)
		return;
	remove_at(AT_FDCWD, root, 0);
	free(root);
}

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_LSAN 1
#endif
#endif

#ifdef HAVE_LSAN
#include <sanitizer/lsan_interface.h>

int fx_leaks(void)
{
	return __lsan_do_recoverable_leak_check();
}
#else
int fx_leaks(void)
{
	return 0;
}
#endif
