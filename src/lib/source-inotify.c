/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The inotify tier: an exec opens the binary and then the dynamic loader's
 * files (ld.so.cache, libraries), and each open in a watched directory
 * triggers a fast /proc scan that reads the new processes at once. A periodic
 * full scan catches exits and whatever touched no watched file (a static
 * binary in an unwatched directory).
 */
#include <errno.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scan.h"

#define LDCONF_DEPTH_MAX 8
#define LDCONF_LINE_MAX 4096
#define DRAIN_READS_MAX 64 /* x sizeof(buf): bounded work per dispatch */
#define WATCH_MASK (IN_OPEN | IN_ONLYDIR)

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

struct inotify_src {
	int fd;
	struct pt_scanner *scan;
	int64_t interval_us;
	int64_t next_full_us; /* CLOCK_MONOTONIC */
	size_t nwatch;
	uint64_t events, overflows;
	union {
		struct inotify_event ev;
		char buf[16384];
	} u;
};

static long read_sysctl(const char *proc_root, const char *name)
{
	char path[PATH_MAX];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys/fs/inotify/%s", proc_root, name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
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
	const char *root = o && o->proc_root ? o->proc_root : "/proc";
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
			long q = read_sysctl(o->proc_root ? o->proc_root : "/proc",
					     "max_user_watches");

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

static void src_free(struct inotify_src *src)
{
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
	src->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (src->fd < 0) {
		r = init_error(-errno, why, len);
		goto out_free;
	}
	/* the scanner's window starts before the watches: nothing falls between */
	src->scan = pt_scanner_new(pt_core_procfs(m));
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
	*priv = src;
	return 0;

out_free:
	src_free(src);
	return r;
}

static int src_fd(void *priv)
{
	const struct inotify_src *src = priv;

	return src->fd;
}

/* Read everything queued; returns the events read (an overflow counts). */
static int drain(struct pt_monitor *m, struct inotify_src *src, bool *overflow)
{
	int events = 0;

	for (int i = 0; i < DRAIN_READS_MAX; i++) {
		ssize_t n = read(src->fd, src->u.buf, sizeof(src->u.buf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		if (n == 0)
			break;
		for (ssize_t off = 0; off + (ssize_t)sizeof(struct inotify_event) <= n;) {
			const struct inotify_event *ev = (const void *)(src->u.buf + off);

			if (ev->mask & IN_Q_OVERFLOW) {
				*overflow = true;
				src->overflows++;
			}
			if ((ev->mask & IN_IGNORED) && src->nwatch) {
				src->nwatch--;
				pt_log(m, PT_LOG_NOTICE,
				       "inotify: a watched directory went away (%zu watches left)",
				       src->nwatch);
			}
			events++;
			off += (ssize_t)sizeof(*ev) + ev->len;
		}
	}
	src->events += (uint64_t)events;
	return events;
}

static int full_scan(struct pt_monitor *m, struct inotify_src *src)
{
	int64_t now = pt_mono_us();

	src->next_full_us = now + src->interval_us;
	return pt_scan(m, src->scan, PT_SCAN_SYNTH);
}

static int src_dispatch(struct pt_monitor *m, void *priv)
{
	struct inotify_src *src = priv;
	bool overflow = false;
	int n;

	n = drain(m, src, &overflow);
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

	if (!src)
		return;
	pt_scanner_stats(src->scan, &st);
	pt_log(m, PT_LOG_INFO,
	       "inotify: %" PRIu64 " events (%" PRIu64 " overflows), %" PRIu64 " scans, %" PRIu64
	       " found, %" PRIu64 " vanished, %" PRIu64 " unreadable, %" PRIu64
	       " missed (estimated)",
	       src->events, src->overflows, st.scans, st.added, st.vanished, st.unreadable,
	       st.missed_est);
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
};
