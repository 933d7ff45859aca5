/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Listing only the pids from some pid on. Listing all of /proc costs the
 * kernel a dentry lookup per process; the new pids are a handful. procfs
 * positions its pid entries at a fixed offset plus the pid (TGID_OFFSET in
 * fs/proc/base.c), so a seek skips the old ones. The offset is learnt from the
 * d_off of consecutive entries and checked with a seek; where that fails (a
 * fixture tree) callers list everything.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "internal.h"

static bool dent_pid(const char *name, pid_t *pid)
{
	long v = 0;

	if (*name < '1' || *name > '9')
		return false;
	for (; *name; name++) {
		if (*name < '0' || *name > '9' || v > INT_MAX / 10)
			return false;
		v = v * 10 + (*name - '0');
	}
	*pid = (pid_t)v;
	return true;
}

/* The first pid at or after position off: 0 at the end, or -errno. */
static int seek_first(struct pt_pidseek *ps, off_t off, pid_t *first)
{
	ssize_t n;

	if (lseek(ps->dir_fd, off, SEEK_SET) != off)
		return -errno;
	n = getdents64(ps->dir_fd, ps->dents, sizeof(ps->dents));
	if (n < 0)
		return -errno;
	*first = 0;
	for (ssize_t o = 0; o < n;) {
		const struct dirent64 *d = (const void *)(ps->dents + o);

		if (dent_pid(d->d_name, first))
			return 0;
		o += d->d_reclen;
	}
	return 0;
}

int pt_pidseek_open(struct pt_pidseek *ps, int root_fd)
{
	pid_t prev = 0, pid, first = 0, probe = 0;
	off_t prev_off = 0, off = -1;
	unsigned pairs = 0;
	ssize_t n;

	ps->dir_fd = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ps->dir_fd < 0)
		return -errno;
	for (int reads = 0; reads < 64; reads++) {
		n = getdents64(ps->dir_fd, ps->dents, sizeof(ps->dents));
		if (n <= 0)
			break;
		for (ssize_t o = 0; o < n;) {
			const struct dirent64 *d = (const void *)(ps->dents + o);

			o += d->d_reclen;
			if (!dent_pid(d->d_name, &pid)) {
				prev = 0;
				continue;
			}
			if (prev) {
				/* an entry's d_off is the position of the next one */
				if (off >= 0 && prev_off - pid != off)
					goto fail;
				off = prev_off - pid;
				pairs++;
				probe = pid;
			}
			prev = pid;
			prev_off = d->d_off;
		}
	}
	if (pairs < 2 || off < 0)
		goto fail;
	if (seek_first(ps, off + probe, &first) < 0 || first != probe)
		goto fail;
	ps->off = off;
	return 0;
fail:
	pt_pidseek_close(ps);
	return -EOPNOTSUPP;
}

void pt_pidseek_close(struct pt_pidseek *ps)
{
	if (ps->dir_fd >= 0)
		close(ps->dir_fd);
	ps->dir_fd = -1;
}

int pt_pidseek_each(struct pt_pidseek *ps, pid_t from, pid_t to, int (*fn)(pid_t, void *),
		    void *data)
{
	if (lseek(ps->dir_fd, ps->off + from, SEEK_SET) < 0)
		return -errno;
	for (int reads = 0; reads < 16; reads++) {
		ssize_t n = getdents64(ps->dir_fd, ps->dents, sizeof(ps->dents));

		if (n <= 0)
			return n < 0 ? -errno : 0;
		for (ssize_t o = 0; o < n;) {
			const struct dirent64 *d = (const void *)(ps->dents + o);
			pid_t pid;
			int r;

			o += d->d_reclen;
			if (!dent_pid(d->d_name, &pid))
				continue;
			if (pid > to)
				return 0;
			if ((r = fn(pid, data)) != 0)
				return r < 0 ? r : 0;
		}
	}
	return 0;
}
