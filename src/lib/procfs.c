/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The /proc reader. Everything of one process is read through one directory
 * fd of /proc/PID: once the process is reaped, reads through that fd fail
 * with ESRCH, so a reused pid can never mix two processes into one record.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "internal.h"

#define ARGS_MAX_DEFAULT (128 * 1024)
#define ARGS_CHUNK 4096
#define LINK_MAX_BYTES (64 * 1024)
#define STAT_BUF 2048
#define STATUS_BUF 8192
#define CGROUP_BUF (64 * 1024)
#define LIST_MAX (4 * 1024 * 1024) /* PID_MAX_LIMIT */
#define MOUNTINFO_BUF (256 * 1024)
#define CGID_SLOTS 64
#define CGID_PATH_MAX 256 /* longer cgroup paths are not cached */
#define CGID_TTL_US 1000000

/* task->flags bits, as printed in stat field 9; stable since 2.6 */
#define PF_EXITING 0x00000004u
#define PF_KTHREAD 0x00200000u

/* /proc/PID/ns link names, in enum pt_ns order. */
static const char *const ns_links[PT_NS_COUNT] = {
	[PT_NS_CGROUP] = "cgroup", [PT_NS_IPC] = "ipc", [PT_NS_MNT] = "mnt",
	[PT_NS_NET] = "net",	   [PT_NS_PID] = "pid", [PT_NS_TIME] = "time",
	[PT_NS_USER] = "user",	   [PT_NS_UTS] = "uts",
};

static uint64_t cgns_at(int dirfd, const char *name);

int pt_procfs_open(struct pt_procfs *fs, const char *root, size_t args_max)
{
	long hz;

	fs->root_fd = -1;
	if (!root)
		root = PT_PROC_ROOT;
	if (strlen(root) >= sizeof(fs->root))
		return -ENAMETOOLONG;
	strcpy(fs->root, root);
	fs->args_max = args_max ? args_max : ARGS_MAX_DEFAULT;
	hz = sysconf(_SC_CLK_TCK);
	fs->clk_tck = hz > 0 ? hz : 100;
	fs->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fs->root_fd < 0)
		return -errno;
	/* the reader's own cgroup namespace: a process in another one sees
	 * only "/" in its cgroup file, and mountinfo tells its container */
	fs->self_cgns = cgns_at(fs->root_fd, "self/ns/cgroup");
	return 0;
}

void pt_procfs_close(struct pt_procfs *fs)
{
	if (fs->root_fd >= 0)
		close(fs->root_fd);
	fs->root_fd = -1;
}

int pt_procfs_pid_open(const struct pt_procfs *fs, pid_t pid)
{
	char name[16];
	int fd;

	if (pid <= 0)
		return -EINVAL;
	snprintf(name, sizeof(name), "%d", (int)pid);
	fd = openat(fs->root_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static ssize_t read_retry(int fd, void *buf, size_t n)
{
	ssize_t r;

	do {
		r = read(fd, buf, n);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

ssize_t pt_read_file_at(int dirfd, const char *name, char *buf, size_t cap, bool *trunc)
{
	size_t len = 0;
	ssize_t r = 0;
	int fd;

	if (trunc)
		*trunc = false;
	if (cap == 0)
		return -EINVAL;
	buf[0] = '\0';
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	while (len < cap - 1) {
		r = read_retry(fd, buf + len, cap - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	if (r >= 0 && len == cap - 1) {
		char c;

		r = read_retry(fd, &c, 1);
		if (r > 0 && trunc)
			*trunc = true;
	}
	close(fd);
	if (r < 0) {
		buf[0] = '\0';
		return r;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

enum pt_why pt_procfs_why(int err)
{
	switch (-err) {
	case ENOENT:
	case ESRCH:
		return PT_WHY_GONE;
	case EACCES:
	case EPERM:
		return PT_WHY_PERM;
	default:
		return PT_WHY_ERROR;
	}
}

/* ---- parsers ---- */

/* A cursor over space-separated fields of a length-bounded buffer. */
struct fields {
	const char *p, *end;
};

static bool next_field(struct fields *f, const char **s, size_t *n)
{
	while (f->p < f->end && *f->p == ' ')
		f->p++;
	*s = f->p;
	while (f->p < f->end && *f->p != ' ' && *f->p != '\n')
		f->p++;
	*n = (size_t)(f->p - *s);
	return *n > 0;
}

static int parse_u64(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (n == 0 || n > 20)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = (unsigned)(s[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -EINVAL;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

static int parse_i64(const char *s, size_t n, int64_t *v)
{
	uint64_t x;
	bool neg = n > 0 && s[0] == '-';

	if (parse_u64(s + neg, n - neg, &x) < 0)
		return -EINVAL;
	if (x > (uint64_t)INT64_MAX)
		return -EINVAL;
	*v = neg ? -(int64_t)x : (int64_t)x;
	return 0;
}

static int parse_int(const char *s, size_t n, int *v)
{
	int64_t x;

	if (parse_i64(s, n, &x) < 0 || x < INT_MIN || x > INT_MAX)
		return -EINVAL;
	*v = (int)x;
	return 0;
}

static int parse_stat_flags(const char *buf, size_t len, struct pt_stat *st, uint64_t *flags)
{
	const char *open, *close, *s;
	struct fields f;
	size_t n, clen;
	int v = 0;

	if (!buf)
		return -EINVAL;
	/* comm may hold spaces, parentheses and newlines: it runs from the first
	 * '(' to the last ')'; nothing after it can contain ')'. */
	open = memchr(buf, '(', len);
	close = memrchr(buf, ')', len);
	if (!open || !close || close < open)
		return -EINVAL;
	if (open - buf < 2 || open[-1] != ' ')
		return -EINVAL;
	for (s = buf; s < open - 1; s++)
		if (*s < '0' || *s > '9')
			return -EINVAL;

	memset(st, 0, sizeof(*st));
	clen = (size_t)(close - open - 1);
	if (clen > PT_COMM_LEN - 1)
		clen = PT_COMM_LEN - 1;
	memcpy(st->comm, open + 1, clen);
	st->comm[clen] = '\0';
	*flags = 0;

	f.p = close + 1;
	f.end = buf + len;
	if (f.p >= f.end || *f.p != ' ')
		return -EINVAL;
	for (int field = 3; field <= 22; field++) {
		uint64_t u = 0;
		int64_t l = 0;
		int r = 0;

		if (!next_field(&f, &s, &n))
			return -EINVAL;
		switch (field) {
		case 3:
			if (n != 1 || !isalpha((unsigned char)s[0]))
				return -EINVAL;
			st->state = s[0];
			break;
		case 4:
			r = parse_int(s, n, &v);
			st->ppid = v;
			break;
		case 5:
			r = parse_int(s, n, &v);
			st->pgid = v;
			break;
		case 6:
			r = parse_int(s, n, &v);
			st->sid = v;
			break;
		case 7:
			r = parse_int(s, n, &st->tty_nr);
			break;
		case 9:
			r = parse_u64(s, n, flags);
			break;
		case 20:
			r = parse_i64(s, n, &l);
			st->nthreads = (long)l;
			break;
		case 22:
			r = parse_u64(s, n, &u);
			st->start = u;
			break;
		default:
			r = parse_i64(s, n, &l);
			break;
		}
		if (r < 0)
			return -EINVAL;
	}
	/* a field cut short by truncation would parse as a wrong number */
	if (f.p >= f.end || st->ppid < 0 || st->nthreads < 0)
		return -EINVAL;
	return 0;
}

int pt_parse_stat(const char *buf, size_t len, struct pt_stat *st)
{
	return parse_stat_flags(buf, len, st, &st->flags);
}

int pt_procfs_stat_at(int dirfd, struct pt_stat *st)
{
	char buf[STAT_BUF];
	ssize_t n;

	n = pt_read_file_at(dirfd, "stat", buf, sizeof(buf), NULL);
	if (n < 0)
		return (int)n;
	return pt_parse_stat(buf, (size_t)n, st);
}

static const char *pid_file(char *buf, size_t len, pid_t pid, const char *file)
{
	snprintf(buf, len, "%d/%s", (int)pid, file);
	return buf;
}

int pt_procfs_stat(const struct pt_procfs *fs, pid_t pid, struct pt_stat *st)
{
	char buf[STAT_BUF], name[32];
	ssize_t n;

	n = pt_read_file_at(fs->root_fd, pid_file(name, sizeof(name), pid, "stat"), buf,
			    sizeof(buf), NULL);
	if (n < 0)
		return (int)n;
	return pt_parse_stat(buf, (size_t)n, st);
}

int pt_procfs_exists(const struct pt_procfs *fs, pid_t pid)
{
	char name[32];

	return faccessat(fs->root_fd, pid_file(name, sizeof(name), pid, "stat"), F_OK, 0) < 0
		? -errno
		: 0;
}

bool pt_procfs_has_args(const struct pt_procfs *fs, pid_t pid)
{
	char name[32], c[2];

	return pt_read_file_at(fs->root_fd, pid_file(name, sizeof(name), pid, "cmdline"), c,
			       sizeof(c), NULL) > 0;
}

ssize_t pt_procfs_readlink(const struct pt_procfs *fs, pid_t pid, const char *name, char *buf,
			   size_t cap)
{
	char path[64];
	ssize_t n;

	if (cap < 2)
		return -EINVAL;
	n = readlinkat(fs->root_fd, pid_file(path, sizeof(path), pid, name), buf, cap - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= cap - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return n;
}

/* The line that starts with key, or NULL; *n is its length without '\n'. */
static const char *find_line(const char *buf, size_t len, const char *key, size_t *n)
{
	size_t klen = strlen(key);
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if ((size_t)(eol - p) >= klen && memcmp(p, key, klen) == 0) {
			*n = (size_t)(eol - p - klen);
			return p + klen;
		}
		p = eol + 1;
	}
	return NULL;
}

/* "\tA\tB\tC\tD" of Uid:/Gid: into v[4]. */
static int parse_ids(const char *s, size_t n, uint32_t v[4])
{
	const char *end = s + n;

	for (int i = 0; i < 4; i++) {
		const char *t;
		uint64_t x;

		while (s < end && (*s == '\t' || *s == ' '))
			s++;
		t = s;
		while (s < end && *s != '\t' && *s != ' ')
			s++;
		if (parse_u64(t, (size_t)(s - t), &x) < 0 || x > UINT32_MAX)
			return -EINVAL;
		v[i] = (uint32_t)x;
	}
	return 0;
}

int pt_parse_status_creds(const char *buf, size_t len, uid_t uid[4], gid_t gid[4], pid_t *tgid)
{
	uint32_t u[4], g[4];
	const char *s;
	size_t n;

	if (!buf)
		return -EINVAL;
	s = find_line(buf, len, "Uid:", &n);
	if (!s || parse_ids(s, n, u) < 0)
		return -EINVAL;
	s = find_line(buf, len, "Gid:", &n);
	if (!s || parse_ids(s, n, g) < 0)
		return -EINVAL;
	if (tgid) {
		int t;

		s = find_line(buf, len, "Tgid:", &n);
		if (!s)
			return -EINVAL;
		while (n > 0 && (*s == '\t' || *s == ' ')) {
			s++;
			n--;
		}
		if (parse_int(s, n, &t) < 0 || t < 0)
			return -EINVAL;
		*tgid = t;
	}
	for (int i = 0; i < 4; i++) {
		uid[i] = u[i];
		gid[i] = g[i];
	}
	return 0;
}

/*
 * Start time and comm come from the task itself; ppid, pgid, sid and tty need
 * its signal struct. Read while the process is being reaped, stat shows 0
 * threads and 0 for those four (do_task_stat() finds no sighand): not values,
 * but absence.
 */
bool pt_stat_apply(const struct pt_stat *st, unsigned want, struct pt_proc *p)
{
	static const enum pt_field group[] = {PT_F_PPID, PT_F_SID, PT_F_PGID, PT_F_TTY};
	bool reaped = st->nthreads == 0;

	if (want & PT_FMASK(PT_F_START)) {
		p->start = st->start;
		pt_proc_set_known(p, PT_F_START, PT_SRC_PROC);
	}
	if (want & PT_FMASK(PT_F_COMM)) {
		memcpy(p->comm, st->comm, sizeof(p->comm));
		p->comm[sizeof(p->comm) - 1] = '\0';
		pt_proc_set_known(p, PT_F_COMM, PT_SRC_PROC);
	}
	for (size_t i = 0; i < PT_ARRAY_SIZE(group); i++) {
		if (!(want & PT_FMASK(group[i])))
			continue;
		if (reaped) {
			pt_proc_set_missing(p, group[i], PT_WHY_GONE);
			continue;
		}
		switch (group[i]) {
		case PT_F_PPID:
			p->ppid = st->ppid;
			break;
		case PT_F_SID:
			p->sid = st->sid;
			break;
		case PT_F_PGID:
			p->pgid = st->pgid;
			break;
		default:
			p->tty_nr = st->tty_nr;
			break;
		}
		pt_proc_set_known(p, group[i], PT_SRC_PROC);
	}
	return reaped;
}

int pt_status_apply(const char *buf, size_t len, struct pt_proc *p)
{
	uid_t uid[4];
	gid_t gid[4];
	pid_t tgid;

	if (pt_parse_status_creds(buf, len, uid, gid, &tgid) < 0)
		return -EINVAL;
	p->uid = uid[0];
	p->euid = uid[1];
	p->gid = gid[0];
	p->egid = gid[1];
	pt_proc_set_known(p, PT_F_CREDS, PT_SRC_PROC);
	return 0;
}

/* ---- readers ---- */

/* cmdline into a malloc'd buffer: at most args_max bytes of it, then a NUL if
 * it does not end with one (as the netlink and bpf tiers keep it). */
static int read_args(int dirfd, size_t args_max, char **out, size_t *out_len, bool *trunc)
{
	size_t cap = args_max < ARGS_CHUNK ? args_max : ARGS_CHUNK, len = 0;
	char *buf;
	ssize_t r = 0;
	int fd;

	*out = NULL;
	*out_len = 0;
	*trunc = false;
	fd = openat(dirfd, "cmdline", O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (len == cap) {
			char *n, c;

			if (cap >= args_max) {
				r = read_retry(fd, &c, 1);
				if (r > 0)
					*trunc = true;
				break;
			}
			cap = cap > args_max / 2 ? args_max : cap * 2;
			n = realloc(buf, cap);
			if (!n) {
				r = -ENOMEM;
				break;
			}
			buf = n;
		}
		r = read_retry(fd, buf + len, cap - len);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return (int)r;
	}
	if (len == 0) {
		free(buf);
		return 0;
	}
	if (buf[len - 1] != '\0') {
		if (len == cap) {
			char *n = realloc(buf, len + 1);

			if (!n) {
				free(buf);
				return -ENOMEM;
			}
			buf = n;
		}
		buf[len++] = '\0';
	}
	*out = buf;
	*out_len = len;
	return 0;
}

/* readlinkat into a malloc'd string; PATH_MAX is no limit, 64 KiB is ours. */
static int read_link(int dirfd, const char *name, char **out)
{
	size_t cap = 256;
	char *buf = NULL;

	*out = NULL;
	for (;;) {
		char *n = realloc(buf, cap);
		ssize_t r;

		if (!n) {
			free(buf);
			return -ENOMEM;
		}
		buf = n;
		r = readlinkat(dirfd, name, buf, cap);
		if (r < 0) {
			int e = -errno;

			free(buf);
			return e;
		}
		if ((size_t)r < cap) {
			buf[r] = '\0';
			*out = buf;
			return 0;
		}
		if (cap >= LINK_MAX_BYTES) {
			free(buf);
			return -ENAMETOOLONG;
		}
		cap *= 2;
	}
}

/* "mnt:[4026531840]" -> 4026531840 */
static int parse_ns_link(const char *link, const char *name, uint64_t *ino)
{
	size_t nl = strlen(name), l = strlen(link);

	if (l < nl + 4 || memcmp(link, name, nl) != 0 || link[nl] != ':' || link[nl + 1] != '[' ||
	    link[l - 1] != ']')
		return -EINVAL;
	if (parse_u64(link + nl + 2, l - nl - 3, ino) < 0 || *ino == 0)
		return -EINVAL;
	return 0;
}

/* The last of the tab-separated ids of an NSpid:/NSpgid: line: the id in the
 * process's own (innermost) pid namespace. */
static int last_id(const char *s, size_t n, pid_t *v)
{
	const char *end = s + n, *t = NULL;
	int x;

	while (s < end) {
		while (s < end && (*s == '\t' || *s == ' '))
			s++;
		if (s < end)
			t = s;
		while (s < end && *s != '\t' && *s != ' ')
			s++;
		if (t && s > t && parse_int(t, (size_t)(s - t), &x) == 0 && x >= 0)
			*v = x;
		else if (t)
			return -EINVAL;
	}
	return t ? 0 : -EINVAL;
}

int pt_parse_status_nspid(const char *buf, size_t len, pid_t *vpid, pid_t *vpgid)
{
	const char *s;
	size_t n;

	if (!buf)
		return -EINVAL;
	s = find_line(buf, len, "NSpid:", &n);
	if (!s)
		return -ENOENT; /* before Linux 4.1 */
	if (last_id(s, n, vpid) < 0)
		return -EINVAL;
	s = find_line(buf, len, "NSpgid:", &n);
	if (!s)
		return -ENOENT;
	return last_id(s, n, vpgid);
}

void pt_status_apply_nspid(const char *buf, size_t len, struct pt_proc *p)
{
	pid_t vpid = 0, vpgid = 0;
	int r = pt_parse_status_nspid(buf, len, &vpid, &vpgid);

	if (r < 0) {
		pt_proc_set_missing(p, PT_F_NSPID, r == -ENOENT ? PT_WHY_KERNEL : PT_WHY_ERROR);
		return;
	}
	p->vpid = vpid;
	p->vpgid = vpgid;
	pt_proc_set_known(p, PT_F_NSPID, PT_SRC_PROC);
}

/* "\t000001ffffffffff" (n bytes): a capability set as status shows it. */
static int cap_value(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	while (n > 0 && (*s == '\t' || *s == ' ')) {
		s++;
		n--;
	}
	if (n == 0 || n > 16)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int d = pt_hexval(s[i]);

		if (d < 0)
			return -EINVAL;
		x = x << 4 | (uint64_t)d;
	}
	*v = x;
	return 0;
}

/*
 * The kernel writes CapInh, CapPrm and CapEff on consecutive lines (task_cap()
 * in fs/proc/array.c, since 2.6), near the end: one memmem finds the first,
 * the other two follow. Scanning line by line for each of the three cost
 * 1.0 us per exec on the netlink reader; this costs 0.3 us (a 1.4 KB status).
 */
int pt_parse_status_caps(const char *buf, size_t len, uint64_t *prm, uint64_t *eff, uint64_t *inh)
{
	static const char *const keys[] = {"CapInh:", "CapPrm:", "CapEff:"};
	uint64_t *out[] = {inh, prm, eff};
	const char *p, *end;

	if (!buf)
		return -EINVAL;
	end = buf + len;
	if (len >= 7 && memcmp(buf, keys[0], 7) == 0)
		p = buf;
	else if ((p = memmem(buf, len, "\nCapInh:", 8)))
		p++;
	else
		return -EINVAL;
	for (size_t i = 0; i < PT_ARRAY_SIZE(keys); i++) {
		const char *nl;

		if ((size_t)(end - p) < 7 || memcmp(p, keys[i], 7) != 0)
			return -EINVAL;
		p += 7;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (cap_value(p, (size_t)((nl ? nl : end) - p), out[i]) < 0)
			return -EINVAL;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

void pt_status_apply_caps(const char *buf, size_t len, struct pt_proc *p)
{
	uint64_t prm, eff, inh;

	if (pt_parse_status_caps(buf, len, &prm, &eff, &inh) < 0) {
		pt_proc_set_missing(p, PT_F_CAPS, PT_WHY_ERROR);
		return;
	}
	p->cap_prm = prm;
	p->cap_eff = eff;
	p->cap_inh = inh;
	pt_proc_set_known(p, PT_F_CAPS, PT_SRC_PROC);
}

/* ---- the environment, read when a condition asks for it ---- */

/* Whether the process behind dirfd still runs the image its record describes:
 * the same start, not a zombie, and (comm given) the same name. */
static int environ_same(int dirfd, uint64_t start, const char *comm)
{
	struct pt_stat st;
	int r = pt_procfs_stat_at(dirfd, &st);

	if (r == 0 && (!start || !pt_same_start(st.start, start)))
		r = -ESRCH;
	else if (r == 0 && (st.state == 'Z' || st.state == 'X'))
		r = -ECHILD;
	else if (r == 0 && comm && strncmp(st.comm, comm, PT_COMM_LEN) != 0)
		r = -ESRCH; /* it exec'd again: the environment is the next image's */
	return r;
}

int pt_procfs_environ(const struct pt_procfs *fs, pid_t pid, uint64_t start, const char *comm,
		      size_t max, char **out, size_t *len, bool *trunc, enum pt_why *why)
{
	ssize_t n;
	char *buf;
	int dirfd, r;

	*out = NULL;
	*len = 0;
	*trunc = false;
	*why = PT_WHY_NONE;
	dirfd = pt_procfs_pid_open(fs, pid);
	if (dirfd < 0) {
		*why = pt_procfs_why(dirfd);
		return dirfd;
	}
	/* The fd stays bound to the process it was opened for (reads fail with
	 * ESRCH once it is reaped): a pid handed out again is another directory,
	 * and its start says so. An exec keeps pid and start but replaces the
	 * environment (`env VAR=x cmd`): the name, read before and after, tells
	 * most such images apart (not an exec of a program of the same name). */
	r = environ_same(dirfd, start, comm);
	buf = r == 0 ? malloc(max + 1) : NULL;
	if (r == 0 && !buf)
		r = -ENOMEM;
	n = r == 0 ? pt_read_file_at(dirfd, "environ", buf, max + 1, trunc) : r;
	if (n >= 0) {
		r = environ_same(dirfd, start, comm);
		n = r < 0 ? r : n;
	}
	close(dirfd);
	if (n < 0) {
		free(buf);
		*why = n == -ECHILD    ? PT_WHY_ZOMBIE
			: n == -EINVAL ? PT_WHY_ERROR
				       : pt_procfs_why((int)n);
		return n == -ECHILD ? -ESRCH : (int)n;
	}
	*out = buf;
	*len = (size_t)n;
	return 0;
}

/* ---- cgroup ids ---- */

/*
 * The id of a cgroup v2 directory is its inode: one fstatat under the v2
 * mount. The monitor's thread and the netlink reader thread both read
 * cgroups, so the cache is the process's, under a lock (uncontended but for
 * those two): a storm of processes in one cgroup costs one stat a second, not
 * one per process. Ids are the host's: only the real proc root uses them.
 */
struct cgid_slot {
	char path[CGID_PATH_MAX];
	uint64_t id;
	int64_t at_us;
};
static struct cgid_slot cgid_cache[CGID_SLOTS];
static pthread_mutex_t cgid_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t cgid_once = PTHREAD_ONCE_INIT;
static int cgid_mnt = -1; /* the v2 mount, O_PATH; -1: no v2 hierarchy */

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* /sys/fs/cgroup when it is cgroup2 (unified), else /sys/fs/cgroup/unified (hybrid). */
static void cgid_mount(void)
{
	static const char *const mounts[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};

	for (size_t i = 0; i < PT_ARRAY_SIZE(mounts); i++) {
		struct statfs sf;
		int fd = open(mounts[i], O_PATH | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0)
			continue;
		if (fstatfs(fd, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC) {
			cgid_mnt = fd;
			return;
		}
		close(fd);
	}
}

static uint32_t hash_str(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static int64_t coarse_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The id of v2 path (n bytes, from '/'), 0 when unknown. */
static uint64_t cgid_of(const struct pt_procfs *fs, const char *path, size_t n)
{
	struct cgid_slot *e;
	char name[CGID_PATH_MAX + 1];
	struct stat st;
	uint64_t id = 0;
	int64_t now;

	if (!path || strcmp(fs->root, PT_PROC_ROOT) != 0 || n == 0 || n >= CGID_PATH_MAX ||
	    path[0] != '/' || memmem(path, n, "/..", 3) || memchr(path, '\0', n))
		return 0;
	pthread_once(&cgid_once, cgid_mount);
	if (cgid_mnt < 0)
		return 0;
	now = coarse_us();
	e = &cgid_cache[hash_str(path, n) % CGID_SLOTS];
	pthread_mutex_lock(&cgid_lock);
	if (strncmp(e->path, path, n) == 0 && e->path[n] == '\0' && now - e->at_us < CGID_TTL_US)
		id = e->id;
	pthread_mutex_unlock(&cgid_lock);
	if (id)
		return id;
	name[0] = '.';
	memcpy(name + 1, path, n);
	name[n + 1] = '\0';
	if (fstatat(cgid_mnt, name, &st, 0) < 0)
		return 0; /* gone already, or not this host's */
	pthread_mutex_lock(&cgid_lock);
	memcpy(e->path, path, n);
	e->path[n] = '\0';
	e->id = st.st_ino;
	e->at_us = now;
	pthread_mutex_unlock(&cgid_lock);
	return st.st_ino;
}

/* The "0::" line's path in a /proc/PID/cgroup buffer. */
static const char *v2_line(const char *buf, size_t len, size_t *n)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if (eol - p >= 4 && memcmp(p, "0::/", 4) == 0) {
			*n = (size_t)(eol - p - 3);
			return p + 3;
		}
		p = eol + 1;
	}
	return NULL;
}

/* "cgroup:[4026531835]" of dirfd's ns/cgroup (dirfd: /proc/PID or the root
 * with "self/"); 0 when unreadable. */
static uint64_t cgns_at(int dirfd, const char *name)
{
	char link[64];
	uint64_t ino = 0;
	ssize_t n = readlinkat(dirfd, name, link, sizeof(link) - 1);

	if (n < 0)
		return 0;
	link[n] = '\0';
	if (parse_ns_link(link, "cgroup", &ino) < 0)
		return 0;
	return ino;
}

/* In a private cgroup namespace every path reads "/": mountinfo may tell. */
static int ctr_from_mountinfo(int dirfd, struct pt_proc *p, enum pt_why *why)
{
	struct pt_cgroup_attr a;
	char *buf = malloc(MOUNTINFO_BUF);
	ssize_t n;
	int r;

	if (!buf)
		return -ENOMEM;
	n = pt_read_file_at(dirfd, "mountinfo", buf, MOUNTINFO_BUF, NULL);
	if (n < 0) {
		free(buf);
		*why = pt_procfs_why((int)n);
		return 0;
	}
	r = pt_mountinfo_attr(buf, (size_t)n, &a);
	free(buf);
	if (r <= 0) {
		*why = r == 0 ? PT_WHY_NOT_FOUND : PT_WHY_ERROR;
		return 0;
	}
	p->ctr = pt_ctr_new(&a, NULL);
	return p->ctr ? 1 : -ENOMEM;
}

/* The host has no runtime state to read: its metadata is known (empty). A
 * container's is the monitor's to read, once per container (pt_ctr_intern). */
static void ctr_meta(struct pt_proc *p)
{
	if (pt_proc_has(p, PT_F_CONTAINER) && !p->ctr)
		pt_proc_set_known(p, PT_F_CTR_META, p->src[PT_F_CONTAINER]);
	else
		pt_proc_set_missing(p, PT_F_CTR_META,
				    p->ctr ? PT_WHY_NOT_READ : p->why[PT_F_CONTAINER]);
}

int pt_procfs_cgroup_apply(const struct pt_procfs *fs, int dirfd, const char *buf, size_t len,
			   struct pt_proc *p)
{
	struct pt_cgroup_info ci;
	enum pt_why why = PT_WHY_NONE;
	const char *v2;
	size_t v2n = 0;
	int r;

	r = pt_cgroup_parse(buf, len, &ci);
	if (r < 0) {
		pt_cgroup_info_free(&ci);
		pt_proc_set_missing(p, PT_F_CGROUP, PT_WHY_ERROR);
		pt_proc_set_missing(p, PT_F_CONTAINER, PT_WHY_ERROR);
		ctr_meta(p);
		return r == -ENOMEM ? r : 0;
	}
	free(p->cgroup);
	p->cgroup = ci.path;
	ci.path = NULL;
	v2 = v2_line(buf, len, &v2n);
	p->cgroup_id = v2 ? cgid_of(fs, v2, v2n) : 0;
	pt_proc_set_known(p, PT_F_CGROUP, PT_SRC_PROC);

	pt_ctr_unref(p->ctr);
	p->ctr = NULL;
	if (ci.a.runtime != PT_RT_NONE) {
		p->ctr = pt_ctr_new(&ci.a, p->cgroup);
		if (!p->ctr)
			r = -ENOMEM;
		else if (ci.v2 && p->ctr->cgroup) /* the container's own directory */
			p->ctr->cgroup_id = cgid_of(fs, p->ctr->cgroup, strlen(p->ctr->cgroup));
	} else if (ci.ns_root && fs->self_cgns) {
		/* rare (a cgroup namespace of its own): worth opening /proc/PID for */
		int dfd = dirfd >= 0 ? dirfd : pt_procfs_pid_open(fs, p->pid);
		uint64_t ns = dfd >= 0 ? cgns_at(dfd, "ns/cgroup") : 0;

		if (ns && ns != fs->self_cgns)
			r = ctr_from_mountinfo(dfd, p, &why);
		if (dfd >= 0 && dfd != dirfd)
			close(dfd);
	}
	if (r < 0)
		why = PT_WHY_ERROR;
	if (why != PT_WHY_NONE)
		pt_proc_set_missing(p, PT_F_CONTAINER, why);
	else
		pt_proc_set_known(p, PT_F_CONTAINER, PT_SRC_PROC);
	ctr_meta(p);
	return r < 0 ? r : 0;
}

/* What we learnt about the process while reading it. */
struct reader {
	const struct pt_procfs *fs;
	int dirfd;
	unsigned want;
	struct pt_proc *p;
	bool gone; /* reaped: reads fail with ESRCH, or the directory is gone */
	bool stat_ok;
	enum pt_why stat_why;
	bool exiting; /* zombie, or PF_EXITING: the kernel freed or is freeing mm */
	bool kthread;
	bool oom;
	/* the exe link was refused: cwd and the ns links pass the same ptrace
	 * check (PTRACE_MODE_READ_FSCREDS), so they are not tried */
	bool ptrace_denied;
	unsigned marked; /* fields marked missing by this read */
};

static bool wants(const struct reader *rd, enum pt_field f)
{
	return rd->want & PT_FMASK(f);
}

static void clear_value(struct pt_proc *p, enum pt_field f)
{
	switch (f) {
	case PT_F_EXE:
		free(p->exe);
		p->exe = NULL;
		break;
	case PT_F_ARGV:
		pt_proc_set_args(p, NULL, 0, false);
		break;
	case PT_F_CWD:
		free(p->cwd);
		p->cwd = NULL;
		break;
	case PT_F_CGROUP:
		free(p->cgroup);
		p->cgroup = NULL;
		p->cgroup_id = 0;
		break;
	case PT_F_CONTAINER:
		pt_ctr_unref(p->ctr);
		p->ctr = NULL;
		break;
	case PT_F_NSPID:
		p->vpid = p->vpgid = 0;
		break;
	case PT_F_NS:
		memset(p->ns, 0, sizeof(p->ns));
		break;
	default:
		break;
	}
}

static void missing(struct reader *rd, enum pt_field f, enum pt_why why)
{
	clear_value(rd->p, f);
	pt_proc_set_missing(rd->p, f, why);
	rd->marked |= PT_FMASK(f);
}

/* The directory of a reaped process: reads give ESRCH (real /proc), or the
 * directory was removed under us (a fixture) and its files are gone. */
static bool probe_gone(struct reader *rd)
{
	if (!rd->gone && faccessat(rd->dirfd, "stat", F_OK, 0) < 0 &&
	    (errno == ESRCH || errno == ENOENT))
		rd->gone = true;
	return rd->gone;
}

/* Why a read of field f failed with err; ENOENT means different things. */
static enum pt_why why_of(struct reader *rd, enum pt_field f, int err)
{
	switch (-err) {
	case ESRCH:
		rd->gone = true;
		return PT_WHY_GONE;
	case ENOENT:
		if (probe_gone(rd))
			return PT_WHY_GONE;
		if (rd->exiting && (f == PT_F_EXE || f == PT_F_CWD || f == PT_F_NS))
			return PT_WHY_ZOMBIE;
		if (f == PT_F_EXE && rd->kthread)
			return PT_WHY_KERNEL;
		/* a tree without the file: no cgroups or namespaces built in */
		if (f == PT_F_CGROUP || f == PT_F_NS || f == PT_F_LOGINUID)
			return PT_WHY_KERNEL;
		return PT_WHY_ERROR;
	case EACCES:
	case EPERM:
		return PT_WHY_PERM;
	case ENOMEM:
		rd->oom = true;
		return PT_WHY_ERROR;
	default:
		return PT_WHY_ERROR;
	}
}

static void read_stat(struct reader *rd)
{
	char buf[STAT_BUF];
	struct pt_stat st;
	uint64_t flags;
	ssize_t n;

	n = pt_read_file_at(rd->dirfd, "stat", buf, sizeof(buf), NULL);
	if (n < 0) {
		rd->stat_why = why_of(rd, PT_F_PPID, (int)n);
		return;
	}
	if (parse_stat_flags(buf, (size_t)n, &st, &flags) < 0) {
		rd->stat_why = PT_WHY_ERROR;
		return;
	}
	rd->stat_ok = true;
	rd->exiting = st.state == 'Z' || st.state == 'X' || (flags & PF_EXITING);
	rd->kthread = flags & PF_KTHREAD;
	if (st.nthreads > 0)
		rd->p->nthreads = (unsigned)st.nthreads;
	/* Read while being reaped: see pt_stat_apply() */
	if (pt_stat_apply(&st, rd->want, rd->p))
		rd->exiting = true;
	if (wants(rd, PT_F_START))
		rd->p->start_us = pt_ticks_to_us(st.start, rd->fs->clk_tck, pt_boot_epoch_us());
}

static void stat_missing(struct reader *rd)
{
	for (unsigned f = 0; f < PT_F_COUNT; f++)
		if ((PT_FMASK_STAT & PT_FMASK(f)) && wants(rd, f))
			missing(rd, f, rd->gone ? PT_WHY_GONE : rd->stat_why);
}

/*
 * An empty cmdline is a kernel thread (known, empty), or a process whose mm is
 * gone: a zombie, or one in do_exit before it became one.
 */
static void resolve_args(struct reader *rd, int err, char *args, size_t len, bool trunc,
			 int exe_err)
{
	if (err < 0) {
		missing(rd, PT_F_ARGV, why_of(rd, PT_F_ARGV, err));
		return;
	}
	if (len > 0) {
		pt_proc_set_args(rd->p, args, len, trunc);
		pt_proc_set_known(rd->p, PT_F_ARGV, PT_SRC_PROC);
		return;
	}
	if (!rd->stat_ok) {
		missing(rd, PT_F_ARGV, rd->gone ? PT_WHY_GONE : rd->stat_why);
		return;
	}
	if (!rd->kthread && !rd->exiting && exe_err == 1) {
		char c;

		exe_err = readlinkat(rd->dirfd, "exe", &c, 1) < 0 ? -errno : 0;
	}
	if (rd->kthread || (!rd->exiting && exe_err == 0)) {
		pt_proc_set_args(rd->p, NULL, 0, false);
		pt_proc_set_known(rd->p, PT_F_ARGV, PT_SRC_PROC);
		return;
	}
	if (exe_err == -ESRCH || probe_gone(rd)) {
		rd->gone = true;
		missing(rd, PT_F_ARGV, PT_WHY_GONE);
		return;
	}
	rd->exiting = true;
	missing(rd, PT_F_ARGV, PT_WHY_ZOMBIE);
}

static void read_link_field(struct reader *rd, enum pt_field f, const char *name, char **dst,
			    int err, char *val)
{
	if (err == 1 && rd->ptrace_denied)
		err = -EACCES;
	else if (err == 1)
		err = read_link(rd->dirfd, name, &val);
	if (err < 0) {
		missing(rd, f, why_of(rd, f, err));
		return;
	}
	free(*dst);
	*dst = val;
	pt_proc_set_known(rd->p, f, PT_SRC_PROC);
}

/* status: the credentials, NSpid/NSpgid and the capabilities, one read for all. */
static void read_status(struct reader *rd)
{
	char buf[STATUS_BUF];
	ssize_t n;

	n = pt_read_file_at(rd->dirfd, "status", buf, sizeof(buf), NULL);
	if (n < 0) {
		enum pt_why why = why_of(rd, PT_F_CREDS, (int)n);

		if (wants(rd, PT_F_CREDS))
			missing(rd, PT_F_CREDS, why);
		if (wants(rd, PT_F_NSPID))
			missing(rd, PT_F_NSPID, why);
		if (wants(rd, PT_F_CAPS))
			missing(rd, PT_F_CAPS, why);
		return;
	}
	if (wants(rd, PT_F_CREDS) && pt_status_apply(buf, (size_t)n, rd->p) < 0)
		missing(rd, PT_F_CREDS, PT_WHY_ERROR);
	if (wants(rd, PT_F_NSPID)) {
		pt_status_apply_nspid(buf, (size_t)n, rd->p);
		if (!pt_proc_has(rd->p, PT_F_NSPID))
			rd->marked |= PT_FMASK(PT_F_NSPID);
	}
	if (wants(rd, PT_F_CAPS)) {
		pt_status_apply_caps(buf, (size_t)n, rd->p);
		if (!pt_proc_has(rd->p, PT_F_CAPS))
			rd->marked |= PT_FMASK(PT_F_CAPS);
	}
}

/* Set by pam_loginuid at login and inherited; the file exists with CONFIG_AUDIT. */
static void read_loginuid(struct reader *rd)
{
	char buf[32], *end;
	unsigned long v;
	ssize_t n;

	n = pt_read_file_at(rd->dirfd, "loginuid", buf, sizeof(buf), NULL);
	if (n < 0) {
		missing(rd, PT_F_LOGINUID, why_of(rd, PT_F_LOGINUID, (int)n));
		return;
	}
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (end == buf || (*end && *end != '\n') || errno || v > UINT32_MAX) {
		missing(rd, PT_F_LOGINUID, PT_WHY_ERROR);
		return;
	}
	rd->p->loginuid = (uid_t)v;
	pt_proc_set_known(rd->p, PT_F_LOGINUID, PT_SRC_PROC);
}

/* cgroup, cgroup id and container together (PT_F_CGROUP, PT_F_CONTAINER). */
static void read_cgroup(struct reader *rd)
{
	char *buf;
	ssize_t n;
	int r;

	buf = malloc(CGROUP_BUF);
	if (!buf) {
		rd->oom = true;
		missing(rd, PT_F_CGROUP, PT_WHY_ERROR);
		missing(rd, PT_F_CONTAINER, PT_WHY_ERROR);
		missing(rd, PT_F_CTR_META, PT_WHY_ERROR);
		return;
	}
	n = pt_read_file_at(rd->dirfd, "cgroup", buf, CGROUP_BUF, NULL);
	if (n < 0) {
		enum pt_why why = why_of(rd, PT_F_CGROUP, (int)n);

		free(buf);
		missing(rd, PT_F_CGROUP, why);
		missing(rd, PT_F_CONTAINER, why);
		missing(rd, PT_F_CTR_META, why);
		return;
	}
	r = pt_procfs_cgroup_apply(rd->fs, rd->dirfd, buf, (size_t)n, rd->p);
	free(buf);
	if (r == -ENOMEM)
		rd->oom = true;
	if (!pt_proc_has(rd->p, PT_F_CGROUP))
		rd->marked |= PT_FMASK(PT_F_CGROUP);
	if (!pt_proc_has(rd->p, PT_F_CONTAINER)) {
		rd->marked |= PT_FMASK(PT_F_CONTAINER);
		if (rd->p->why[PT_F_CONTAINER] == PT_WHY_GONE)
			probe_gone(rd);
	}
	if (!pt_proc_has(rd->p, PT_F_CTR_META))
		rd->marked |= PT_FMASK(PT_F_CTR_META);
}

static void read_ns(struct reader *rd)
{
	uint64_t ns[PT_NS_COUNT] = {0};
	unsigned found = 0;
	int err = 0;

	if (rd->ptrace_denied) {
		missing(rd, PT_F_NS, PT_WHY_PERM);
		return;
	}

	for (unsigned i = 0; i < PT_NS_COUNT && !rd->gone; i++) {
		char path[32], link[64];
		ssize_t n;

		snprintf(path, sizeof(path), "ns/%s", ns_links[i]);
		n = readlinkat(rd->dirfd, path, link, sizeof(link) - 1);
		if (n < 0) {
			if (!err || err == -ENOENT)
				err = -errno;
			if (errno == ESRCH)
				rd->gone = true;
			continue;
		}
		link[n] = '\0';
		if (parse_ns_link(link, ns_links[i], &ns[i]) < 0) {
			err = -EINVAL;
			continue;
		}
		found++;
	}
	if (rd->gone) {
		missing(rd, PT_F_NS, PT_WHY_GONE);
		return;
	}
	if (found == 0) {
		missing(rd, PT_F_NS, err == -EINVAL ? PT_WHY_ERROR : why_of(rd, PT_F_NS, err));
		return;
	}
	memcpy(rd->p->ns, ns, sizeof(ns));
	pt_proc_set_known(rd->p, PT_F_NS, PT_SRC_PROC);
}

/*
 * Every requested field ends up known or marked missing with its reason (its
 * old value freed). Returns 0 when the process was there, even if some fields
 * could not be read; -ESRCH when it was reaped during the read (what was read
 * before, argv first, stays known); -ENOMEM.
 */
int pt_procfs_read_at(const struct pt_procfs *fs, int dirfd, unsigned fields, struct pt_proc *p)
{
	struct reader rd = {
		.fs = fs,
		.dirfd = dirfd,
		.want = fields & PT_FMASK_ALL,
		.p = p,
		.stat_why = PT_WHY_ERROR,
	};
	char *args = NULL, *exe = NULL;
	size_t args_len = 0;
	bool trunc = false;
	int args_err = 0, exe_err = 1; /* 1: not read */

	/* Processes die fast: argv and exe first, they go when the mm goes. */
	if (wants(&rd, PT_F_ARGV)) {
		args_err = read_args(dirfd, fs->args_max, &args, &args_len, &trunc);
		if (args_err == -ESRCH)
			rd.gone = true;
	}
	if (wants(&rd, PT_F_EXE) && !rd.gone) {
		exe_err = read_link(dirfd, "exe", &exe);
		if (exe_err == -ESRCH)
			rd.gone = true;
		rd.ptrace_denied = exe_err == -EACCES || exe_err == -EPERM;
	}
	if (!rd.gone)
		read_stat(&rd);
	if (!rd.stat_ok)
		stat_missing(&rd);

	if (wants(&rd, PT_F_ARGV))
		resolve_args(&rd, args_err, args, args_len, trunc, exe_err);
	else
		free(args);
	if (wants(&rd, PT_F_EXE) && (exe_err != 1 || !rd.gone))
		read_link_field(&rd, PT_F_EXE, "exe", &p->exe, exe_err, exe);

	if ((wants(&rd, PT_F_CREDS) || wants(&rd, PT_F_NSPID) || wants(&rd, PT_F_CAPS)) && !rd.gone)
		read_status(&rd);
	if (wants(&rd, PT_F_CWD) && !rd.gone)
		read_link_field(&rd, PT_F_CWD, "cwd", &p->cwd, 1, NULL);
	if ((wants(&rd, PT_F_CGROUP) || wants(&rd, PT_F_CONTAINER) || wants(&rd, PT_F_CTR_META)) &&
	    !rd.gone)
		read_cgroup(&rd);
	if (wants(&rd, PT_F_NS) && !rd.gone)
		read_ns(&rd);
	if (wants(&rd, PT_F_LOGINUID) && !rd.gone)
		read_loginuid(&rd);

	if (rd.gone) {
		for (unsigned f = 0; f < PT_F_COUNT; f++)
			if (wants(&rd, f) && !pt_proc_has(p, f) && !(rd.marked & PT_FMASK(f)))
				missing(&rd, f, PT_WHY_GONE);
		return -ESRCH;
	}
	return rd.oom ? -ENOMEM : 0;
}

int pt_procfs_read(const struct pt_procfs *fs, pid_t pid, unsigned fields, struct pt_proc *p)
{
	enum pt_why why;
	int fd, r;

	p->pid = pid;
	fd = pt_procfs_pid_open(fs, pid);
	if (fd >= 0) {
		r = pt_procfs_read_at(fs, fd, fields, p);
		close(fd);
		return r;
	}
	why = pt_procfs_why(fd);
	r = why == PT_WHY_GONE ? -ESRCH : fd;
	for (unsigned f = 0; f < PT_F_COUNT; f++) {
		if (!(fields & PT_FMASK(f)))
			continue;
		clear_value(p, f);
		pt_proc_set_missing(p, f, why);
	}
	return r;
}

/* ---- listing ---- */

static bool parse_pid_name(const char *s, pid_t *pid)
{
	uint64_t v;
	size_t n = strlen(s);

	if (n == 0 || n > 10 || s[0] == '0')
		return false;
	if (parse_u64(s, n, &v) < 0 || v > INT_MAX)
		return false;
	*pid = (pid_t)v;
	return true;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int pt_procfs_list(const struct pt_procfs *fs, pid_t pid, pid_t **out, size_t *n)
{
	char name[32];
	pid_t *v = NULL;
	size_t len = 0, cap = 0;
	struct dirent *e;
	DIR *d;
	int fd, r = 0;

	*out = NULL;
	*n = 0;
	if (pid > 0)
		snprintf(name, sizeof(name), "%d/task", (int)pid);
	else
		strcpy(name, ".");
	/* the root fd is O_PATH; getdents needs a real open */
	fd = openat(fs->root_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	for (;;) {
		pid_t x;

		errno = 0;
		e = readdir(d);
		if (!e) {
			if (errno)
				r = -errno;
			break;
		}
		if (!parse_pid_name(e->d_name, &x))
			continue;
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			pid_t *nv;

			if (ncap > LIST_MAX) {
				r = -EOVERFLOW;
				break;
			}
			nv = realloc(v, ncap * sizeof(*v));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		v[len++] = x;
	}
	closedir(d);
	if (r < 0) {
		free(v);
		return r;
	}
	if (len > 1)
		qsort(v, len, sizeof(*v), cmp_pid);
	*out = v;
	*n = len;
	return 0;
}
