/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup ids <-> paths in the cgroup v2 hierarchy, for the BPF tier.
 *
 * The BPF programs report task->cgroups->dfl_cgrp->kn->id. On a 64-bit
 * kernel that is the cgroup directory's inode number: kernfs gives every node
 * kernfs_ino(kn) == kn->id as st_ino and as readdir's d_ino. Verified on 6.18
 * (x86_64): for the root, the control files and the directories of
 * /sys/fs/cgroup/unified, the FILEID_KERNFS handle (type 0xfe, 8 bytes) that
 * name_to_handle_at() returns holds st_ino, and the ids in the BPF tier's
 * records equal `stat -c %i` of the cgroups tests/integration/bpf-containers.sh
 * creates. A 32-bit kernel's inode is only the low half of the id (the high
 * half is a generation): there the id comes from name_to_handle_at().
 *
 * id -> path: a table built by walking the hierarchy. On a miss, the id is
 * first opened as a file handle (open_by_handle_at() with the FILEID_KERNFS
 * handle name_to_handle_at() gives: one call, needs CAP_DAC_READ_SEARCH) and
 * its path read from /proc/self/fd; failing that the table is rebuilt, at
 * most once per PT_CGID_RESCAN_US (a cgroup made since the last walk is found
 * by the next; one made and removed in between is not). A walk costs ~4 ms
 * per 1000 cgroups here, one handle ~10 us. The table is bounded (entries and
 * path bytes): what did not fit is counted in unmapped. Paths are
 * written as /proc/PID/cgroup's 0:: line writes them for a reader in the
 * hierarchy's root namespace: "/" for the root, "/a/b" below.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "container.h"
#include "internal.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#define FILEID_KERNFS 0xfe
#define WALK_DEPTH 32 /* deeper directories are counted as unmapped */

struct ent {
	uint64_t id;
	uint32_t off, len; /* in paths */
};

/* One walk's result: replaced whole by the next walk. */
struct table {
	struct ent *ents;
	unsigned n, cap;
	char *paths;
	size_t plen, pcap;
	uint32_t *slots; /* index + 1 into ents, 0 free; nslots a power of 2 */
	unsigned nslots;
	unsigned unmapped;
};

struct pt_cgid {
	int mfd; /* the mount's root directory */
	bool hybrid;
	char *mpath; /* the mount as /proc/self/fd shows it; NULL: no handles (a fixture) */
	struct table t;
	int64_t scan_us; /* CLOCK_MONOTONIC of the last walk; 0 none */
	unsigned max_entries;
	size_t max_bytes;
	uint64_t scans, misses, handles;
};

static void table_free(struct table *t)
{
	free(t->ents);
	free(t->paths);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static unsigned slot_of(uint64_t id, unsigned nslots)
{
	return (unsigned)((id * 0x9e3779b97f4a7c15ull) >> 32) & (nslots - 1);
}

static const struct ent *table_get(const struct table *t, uint64_t id)
{
	if (!t->nslots)
		return NULL;
	for (unsigned i = slot_of(id, t->nslots);; i = (i + 1) & (t->nslots - 1)) {
		uint32_t s = t->slots[i];

		if (!s)
			return NULL;
		if (t->ents[s - 1].id == id)
			return &t->ents[s - 1];
	}
}

/* The index over ents: twice as many slots as entries, so probes stay short. */
static int table_index(struct table *t)
{
	unsigned nslots = 16;

	while (nslots < 2 * t->n)
		nslots <<= 1;
	t->slots = calloc(nslots, sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	t->nslots = nslots;
	for (unsigned e = 0; e < t->n; e++) {
		unsigned i = slot_of(t->ents[e].id, nslots);

		while (t->slots[i] && t->ents[t->slots[i] - 1].id != t->ents[e].id)
			i = (i + 1) & (nslots - 1);
		if (!t->slots[i])
			t->slots[i] = e + 1; /* the same id twice (a rename mid-walk): first wins */
	}
	return 0;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

/* Add id -> path[0, len); over a limit, count it as unmapped. */
static int table_add(struct pt_cgid *g, struct table *t, uint64_t id, const char *path, size_t len)
{
	size_t cap = t->cap;
	int r;

	if (t->n >= g->max_entries || t->plen + len + 1 > g->max_bytes) {
		t->unmapped++;
		return 0;
	}
	r = grow((void **)&t->ents, &cap, t->n + 1, sizeof(*t->ents));
	t->cap = (unsigned)cap;
	if (r == 0)
		r = grow((void **)&t->paths, &t->pcap, t->plen + len + 1, 1);
	if (r < 0)
		return r;
	memcpy(t->paths + t->plen, path, len);
	t->paths[t->plen + len] = '\0';
	t->ents[t->n].id = id;
	t->ents[t->n].off = (uint32_t)t->plen;
	t->ents[t->n].len = (uint32_t)len;
	t->n++;
	t->plen += len + 1;
	return 0;
}

/* Add one entry to the indexed table (a lookup by handle found it). */
static int table_put(struct pt_cgid *g, uint64_t id, const char *path, size_t len)
{
	struct table *t = &g->t;
	unsigned n = t->n;
	int r = table_add(g, t, id, path, len);

	if (r < 0 || t->n == n)
		return r < 0 ? r : -ENOSPC;
	if (2 * t->n > t->nslots) {
		free(t->slots);
		t->slots = NULL;
		t->nslots = 0;
		return table_index(t);
	}
	for (unsigned i = slot_of(id, t->nslots);; i = (i + 1) & (t->nslots - 1))
		if (!t->slots[i]) {
			t->slots[i] = n + 1;
			return 0;
		}
}

/*
 * The cgroup of id opened by its handle, its path read back: the mount's
 * path, then the cgroup's. -errno: EPERM without CAP_DAC_READ_SEARCH,
 * ESTALE when no such cgroup (any more).
 */
static int by_handle(struct pt_cgid *g, uint64_t id)
{
	struct {
		struct file_handle h;
		unsigned char b[8];
	} fh;
	char link[64], *path = NULL;
	size_t mlen = strlen(g->mpath);
	ssize_t n;
	int fd, r;

	fh.h.handle_bytes = 8;
	fh.h.handle_type = FILEID_KERNFS;
	memcpy(fh.h.f_handle, &id, 8);
	fd = open_by_handle_at(g->mfd, &fh.h, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	path = malloc(PATH_MAX);
	if (!path) {
		close(fd);
		return -ENOMEM;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, PATH_MAX);
	r = n < 0 ? -errno : 0;
	close(fd);
	/* the mount, or below it */
	if (r == 0 &&
	    ((size_t)n < mlen || (size_t)n >= PATH_MAX || memcmp(path, g->mpath, mlen) ||
	     ((size_t)n != mlen && path[mlen] != '/')))
		r = -ENOENT;
	if (r == 0 && (size_t)n == mlen)
		r = table_put(g, id, "/", 1);
	else if (r == 0)
		r = table_put(g, id, path + mlen, (size_t)n - mlen);
	free(path);
	return r;
}

/* The id of name in dfd (a directory), whose readdir gave ino. */
static int id_at(int dfd, const char *name, uint64_t ino, uint64_t *id)
{
#if ULONG_MAX > 0xffffffffUL
	(void)dfd;
	(void)name;
	*id = ino;
	return 0;
#else
	struct {
		struct file_handle h;
		unsigned char b[16];
	} fh;
	int mnt;

	(void)ino;
	fh.h.handle_bytes = sizeof(fh.b);
	if (name_to_handle_at(dfd, name, &fh.h, &mnt, name[0] ? 0 : AT_EMPTY_PATH) < 0)
		return -errno;
	if (fh.h.handle_type != FILEID_KERNFS || fh.h.handle_bytes != 8)
		return -EOPNOTSUPP;
	memcpy(id, fh.h.f_handle, 8);
	return 0;
#endif
}

/* Directories under dfd (path[0, len) names it; path has PATH_MAX bytes). */
static int walk(struct pt_cgid *g, struct table *t, int dfd, char *path, size_t len, unsigned depth)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	int r = 0;

	if (!d) {
		close(dfd);
		return errno == ENOENT ? 0 : -errno;
	}
	while (r == 0 && (errno = 0, de = readdir(d))) {
		size_t n = strlen(de->d_name);
		uint64_t id;
		int fd;

		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (len + 1 + n >= PATH_MAX || depth >= WALK_DEPTH) {
			t->unmapped++;
			continue;
		}
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			if (errno != ENOENT && errno != ENOTDIR) /* removed meanwhile; a file */
				t->unmapped++;
			continue;
		}
		if (de->d_type == DT_UNKNOWN) {
			struct stat st;

			if (fstat(fd, &st) < 0) {
				close(fd);
				continue;
			}
			de->d_ino = st.st_ino;
		}
		path[len] = '/';
		memcpy(path + len + 1, de->d_name, n + 1);
		if (id_at(dirfd(d), de->d_name, de->d_ino, &id) < 0) {
			t->unmapped++;
			close(fd);
			continue;
		}
		r = table_add(g, t, id, path, len + 1 + n);
		if (r == 0)
			r = walk(g, t, fd, path, len + 1 + n, depth + 1);
		else
			close(fd);
	}
	if (r == 0 && errno && errno != ENOENT)
		r = -errno;
	closedir(d);
	return r;
}

/* Walk the hierarchy into a new table; the old one stays on failure. */
static int rescan(struct pt_cgid *g, int64_t now_us)
{
	struct table t = {0};
	char *path = malloc(PATH_MAX);
	struct stat st;
	uint64_t id;
	int fd, r;

	g->scan_us = now_us ? now_us : 1;
	g->scans++;
	if (!path)
		return -ENOMEM;
	fd = openat(g->mfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	r = id_at(fd, "", st.st_ino, &id);
	if (r == 0)
		r = table_add(g, &t, id, "/", 1);
	if (r == 0) {
		r = walk(g, &t, fd, path, 0, 0);
		fd = -1;
	}
	if (r == 0)
		r = table_index(&t);
	if (r == 0) {
		table_free(&g->t);
		g->t = t;
		memset(&t, 0, sizeof(t));
	}
out:
	if (fd >= 0)
		close(fd);
	table_free(&t);
	free(path);
	return r;
}

/*
 * A cgroup2 mount: the filesystem says so; for a fixture tree (sys_root
 * given), a directory with cgroup.controllers stands in for one.
 */
static int open_v2(const char *dir, bool fixture, bool *real)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct statfs sf;

	if (fd < 0)
		return -errno;
	*real = fstatfs(fd, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
	if (*real || (fixture && faccessat(fd, "cgroup.controllers", F_OK, 0) == 0))
		return fd;
	close(fd);
	return -ENOENT;
}

int pt_cgid_open(struct pt_cgid **out, const char *sys_root)
{
	bool fixture = sys_root && sys_root[0];
	const char *root = fixture ? sys_root : "";
	struct pt_cgid *g;
	char dir[PATH_MAX];
	bool hybrid = false, real = false;
	int fd, r;

	*out = NULL;
	snprintf(dir, sizeof(dir), "%s/sys/fs/cgroup", root);
	fd = open_v2(dir, fixture, &real);
	if (fd < 0) {
		snprintf(dir, sizeof(dir), "%s/sys/fs/cgroup/unified", root);
		fd = open_v2(dir, fixture, &real);
		hybrid = true;
	}
	if (fd < 0)
		return -ENOENT;
	g = calloc(1, sizeof(*g));
	if (!g) {
		close(fd);
		return -ENOMEM;
	}
	g->mfd = fd;
	g->hybrid = hybrid;
	if (real)
		g->mpath = realpath(dir, NULL); /* NULL: no lookups by handle */
	if (g->mpath && strcmp(g->mpath, "/") == 0) {
		free(g->mpath); /* a container's own root: paths would not start with it */
		g->mpath = NULL;
	}
	g->max_entries = PT_CGID_MAX_ENTRIES;
	g->max_bytes = PT_CGID_MAX_BYTES;
	r = rescan(g, pt_mono_us());
	if (r < 0) {
		pt_cgid_close(g);
		return r;
	}
	*out = g;
	return 0;
}

void pt_cgid_close(struct pt_cgid *g)
{
	if (!g)
		return;
	close(g->mfd);
	free(g->mpath);
	table_free(&g->t);
	free(g);
}

bool pt_cgid_hybrid(const struct pt_cgid *g)
{
	return g->hybrid;
}

void pt_cgid_limits(struct pt_cgid *g, unsigned max_entries, size_t max_bytes)
{
	g->max_entries = max_entries;
	g->max_bytes = max_bytes;
}

const char *pt_cgid_path_at(struct pt_cgid *g, uint64_t id, int64_t now_us)
{
	const struct ent *e = table_get(&g->t, id);
	int r;

	if (!e && g->mpath && by_handle(g, id) == 0) {
		g->handles++;
		e = table_get(&g->t, id);
	}
	if (!e && g->scan_us && now_us - g->scan_us >= 0 && now_us - g->scan_us < PT_CGID_RESCAN_US)
		goto miss;
	if (!e) {
		r = rescan(g, now_us);
		if (r < 0) {
			errno = -r;
			g->misses++;
			return NULL;
		}
		e = table_get(&g->t, id);
	}
	if (e)
		return g->t.paths + e->off;
miss:
	g->misses++;
	errno = ENOENT;
	return NULL;
}

const char *pt_cgid_path(struct pt_cgid *g, uint64_t id)
{
	return pt_cgid_path_at(g, id, pt_mono_us());
}

/* "/" or "/a/b" without empty, "." or ".." components. */
static bool path_ok(const char *path)
{
	const char *c = path;

	if (path[0] != '/')
		return false;
	if (path[1] == '\0')
		return true;
	while (*c == '/') {
		size_t n = strcspn(c + 1, "/");

		if (n == 0 || (n == 1 && c[1] == '.') || (n == 2 && c[1] == '.' && c[2] == '.'))
			return false;
		c += 1 + n;
	}
	return *c == '\0';
}

int pt_cgid_of_path(struct pt_cgid *g, const char *path, uint64_t *id)
{
	struct stat st;
	const char *rel;

	if (!path_ok(path))
		return -EINVAL;
	rel = path[1] ? path + 1 : ".";
	if (fstatat(g->mfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return id_at(g->mfd, path[1] ? rel : "", st.st_ino, id);
}

void pt_cgid_stats(const struct pt_cgid *g, struct pt_cgid_stats *st)
{
	st->entries = g->t.n;
	st->unmapped = g->t.unmapped;
	st->scans = g->scans;
	st->misses = g->misses;
	st->handles = g->handles;
	st->mem = sizeof(*g) + g->t.cap * sizeof(*g->t.ents) + g->t.pcap +
		g->t.nslots * sizeof(*g->t.slots);
}
