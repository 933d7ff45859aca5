/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * System-wide files under the proc root: the last pid handed out (loadavg),
 * pid_max and other sysctls, the connector list, the mount's hidepid option,
 * and whether a scanning tier can read processes at all.
 */
#include <dirent.h>
#include <sched.h>
#include <sys/utsname.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static int read_long_at(int dirfd, const char *name, long *v)
{
	char buf[64], *end;
	ssize_t n;

	n = pt_read_file_at(dirfd, name, buf, sizeof(buf), NULL);
	if (n < 0)
		return (int)n;
	errno = 0;
	*v = strtol(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

int pt_parse_last_pid(const char *buf, pid_t *last)
{
	const char *p = strrchr(buf, ' ');
	char *end;
	long v;

	/* "0.00 0.01 0.05 1/123 4567": the last field is the last pid */
	if (!p)
		return -EINVAL;
	errno = 0;
	v = strtol(p + 1, &end, 10);
	if (errno || end == p + 1 || v < 0 || v >= INT_MAX)
		return -EINVAL;
	*last = (pid_t)v;
	return 0;
}

int pt_procfs_last_pid(const struct pt_procfs *fs, pid_t *last)
{
	char buf[128];
	long v;
	ssize_t n;
	int r;

	n = pt_read_file_at(fs->root_fd, "loadavg", buf, sizeof(buf), NULL);
	if (n > 0 && pt_parse_last_pid(buf, last) == 0)
		return 0;
	r = read_long_at(fs->root_fd, "sys/kernel/ns_last_pid", &v);
	if (r < 0)
		return r;
	if (v < 0 || v >= INT_MAX)
		return -EINVAL;
	*last = (pid_t)v;
	return 0;
}

int pt_procfs_boot_id(const struct pt_procfs *fs, char out[PT_BOOT_ID_LEN + 1])
{
	char buf[64];
	ssize_t n;

	n = pt_read_file_at(fs->root_fd, "sys/kernel/random/boot_id", buf, sizeof(buf), NULL);
	if (n < 0)
		return (int)n;
	return pt_parse_boot_id(buf, (size_t)n, out);
}

int pt_procfs_pid_max(const struct pt_procfs *fs, pid_t *max)
{
	long v;
	int r;

	r = read_long_at(fs->root_fd, "sys/kernel/pid_max", &v);
	if (r < 0)
		return r;
	if (v < 2 || v > INT_MAX)
		return -EINVAL;
	*max = (pid_t)v;
	return 0;
}

int pt_procfs_last_pid_fd(int fd, pid_t *last)
{
	char buf[128];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n < 0)
		return -errno;
	if (n == 0)
		return -EINVAL;
	buf[n] = '\0';
	return pt_parse_last_pid(buf, last);
}

int pt_procfs_loadavg_open(const struct pt_procfs *fs)
{
	int fd = openat(fs->root_fd, "loadavg", O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int pt_procfs_sysctl(const char *proc_root, const char *name, long *v)
{
	char path[PATH_MAX], buf[64], *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/sys/%s", proc_root ? proc_root : PT_PROC_ROOT, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n <= 0)
		return n < 0 ? (int)n : -EINVAL;
	buf[n] = '\0';
	errno = 0;
	*v = strtol(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

/* The connector list is the host's, whatever proc root the monitor reads. */
int pt_procfs_cn_proc(void)
{
	char buf[1024];
	ssize_t n =
		pt_procfs_read_once(AT_FDCWD, PT_PROC_ROOT "/net/connector", buf, sizeof(buf) - 1);

	if (n == -ENOENT && access(PT_PROC_ROOT "/self", F_OK) == 0)
		return -ENOENT;
	if (n < 0)
		return 1; /* no /proc: cannot tell */
	buf[n] = '\0';
	return strstr(buf, "cn_proc") ? 1 : 0;
}

/* ---- can a scanning tier work here ---- */

/* mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE SOURCE SUPEROPTS */
static int hidepid_of(const char *superopts)
{
	static const struct {
		const char *name;
		int level;
	} names[] = {
		{"0", 0}, {"off", 0},	    {"1", 1}, {"noaccess", 1},
		{"2", 2}, {"invisible", 2}, {"4", 4}, {"ptraceable", 4},
	};
	const char *p = strstr(superopts, "hidepid=");
	size_t n;

	if (!p)
		return 0;
	p += strlen("hidepid=");
	n = strcspn(p, ", \n");
	for (size_t i = 0; i < PT_ARRAY_SIZE(names); i++)
		if (strlen(names[i].name) == n && strncmp(p, names[i].name, n) == 0)
			return names[i].level;
	return 0;
}

int pt_proc_hidepid(const char *mountinfo, const char *proc_root)
{
	char line[4096];
	int found = -ENOENT;
	FILE *f;

	f = fopen(mountinfo, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *tok, *mnt = NULL, *fstype = NULL, *opts = NULL;
		int field = 0;
		bool dash = false;

		for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
			field++;
			if (field == 5)
				mnt = tok;
			else if (field > 6 && !dash && strcmp(tok, "-") == 0) {
				dash = true;
				field = 100;
			} else if (field == 101)
				fstype = tok;
			else if (field == 103)
				opts = tok;
		}
		/* the last mount on the path is the one in effect */
		if (mnt && fstype && opts && strcmp(mnt, proc_root) == 0 &&
		    strcmp(fstype, "proc") == 0)
			found = hidepid_of(opts);
	}
	fclose(f);
	return found;
}

static bool is_pid_name(const char *s)
{
	if (!*s || *s == '0')
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int pt_scan_probe(const char *proc_root, char *why, size_t len)
{
	char real[PATH_MAX], path[PATH_MAX + 16];
	unsigned readable = 0, listed = 0;
	struct dirent *e;
	DIR *d;
	int hp;

	if (!proc_root)
		proc_root = PT_PROC_ROOT;
	if (why && len)
		why[0] = '\0';
	d = opendir(proc_root);
	if (!d) {
		int r = -errno;

		snprintf(why, len, "cannot open %s: %s", proc_root, strerror(-r));
		return r;
	}
	while ((e = readdir(d)) && readable == 0 && listed < 4096) {
		if (!is_pid_name(e->d_name))
			continue;
		listed++;
		if (faccessat(dirfd(d), e->d_name, R_OK | X_OK, 0) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/stat", e->d_name);
		if (faccessat(dirfd(d), path, R_OK, 0) == 0)
			readable++;
	}
	closedir(d);
	if (!listed) {
		snprintf(why, len, "%s lists no processes: not a mounted /proc?", proc_root);
		return -ENOENT;
	}
	if (!readable) {
		snprintf(why, len, "no process under %s is readable (hidepid?)", proc_root);
		return -EACCES;
	}
	if (!realpath(proc_root, real))
		return 0;
	hp = pt_proc_hidepid(PT_PROC_ROOT "/self/mountinfo", real);
	if (hp == 1)
		snprintf(why, len,
			 "%s is mounted with hidepid=1: other users' processes are listed but "
			 "unreadable",
			 real);
	else if (hp == 2)
		snprintf(why, len, "%s is mounted with hidepid=2: only own processes are visible",
			 real);
	else if (hp == 4)
		snprintf(why, len,
			 "%s is mounted with hidepid=4: only processes we may ptrace are visible",
			 real);
	return 0;
}

/* The CPUs this thread may run on, up to max of them, in cpus; how many. */
unsigned pt_usable_cpus(int *cpus, unsigned max)
{
	cpu_set_t set;
	unsigned n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (int c = 0; c < CPU_SETSIZE && n < max; c++)
			if (CPU_ISSET(c, &set))
				cpus[n++] = c;
	}
	return n;
}

/* Whether the running kernel's release is at least major.minor. */
bool pt_kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &ma, &mi) < 1)
		return false;
	return ma > major || (ma == major && mi >= minor);
}
