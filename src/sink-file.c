/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON-lines file sink (sink.h): --output=FILE, output = FILE.
 *
 * Every line of every file is complete:
 * - a batch is one writev(2) per IOV_MAX records on an O_APPEND fd; when it
 *   fails (ENOSPC, EDQUOT, EIO...), even after part of it went, the file is cut back to its
 *   size before the batch and the batch is reported dropped to the runner;
 * - a writer killed mid-line leaves a partial last line: the next open cuts
 *   the file back to its last '\n' and says how many bytes went.
 *
 * Rotation (by size before a batch would pass max_size, by age in tick):
 * FILE.N is removed, FILE.i becomes FILE.i+1 from the top down, FILE becomes
 * FILE.1 and a new FILE is created. Each rename is atomic and never replaces
 * a kept file, so a crash at any point loses no line: at worst the sequence
 * has a gap, and a missing member is simply skipped at the next rotation.
 *
 * Compression (gzip, FILE.1.gz) runs in one background thread per rotation
 * so that batches keep flowing: it writes FILE.1.gz.tmp, syncs it, renames it
 * to FILE.1.gz and only then removes FILE.1. If it fails, FILE.1 stays as it
 * is (logged). The next rotation waits for a compression still running before
 * it renames the sequence (writes wait only when files rotate faster than they
 * compress). A crash mid-compression leaves FILE.1 and maybe a .tmp, or both
 * FILE.1 and a complete FILE.1.gz: open cleans both cases up.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "sink.h"

#define FILE_MODE_DEFAULT 0640
#define SCAN_CHUNK (64u << 10)
/*
 * The longest partial line open cuts. A JSON line is at most a few MiB (argv is
 * capped); a longer tail without a newline is not a line of ours, but perhaps
 * a file given by mistake: refuse it rather than cut it.
 */
#define TAIL_MAX (16u << 20)

struct file_sink {
	char *path;
	int fd; /* -1 when the file could not be (re)opened: write tries again */
	uint64_t size; /* of the current file, as far as this sink wrote it */
	bool tail_dirty; /* a failed write may have left a partial line */
	bool regular; /* a regular file: only those are rotated (not /dev/stdout, a FIFO) */

	uint64_t max_size;
	unsigned max_backups;
	int64_t max_age_ms;
	bool compress;
	enum pt_sink_fsync fsync;
	int64_t fsync_interval_ms;
	mode_t mode;

	int64_t age_base_ms; /* tick's clock when the current file was started */
	bool age_base_set;
	bool unsynced; /* written since the last fdatasync */
	int64_t last_sync_ms; /* CLOCK_MONOTONIC */
	bool rotate_failing; /* log a failing rotation once, not every batch */

	pt_log_fn log;
	void *log_data;

	/* the compressor thread */
	pthread_t comp_thread;
	bool comp_running;
	atomic_bool comp_done;
	char comp_msg[512]; /* its outcome, logged from the sink's thread */
	int comp_level;
	char *comp_src, *comp_dst;

	/* status, read from any thread */
	pthread_mutex_t lock;
	enum pt_sink_state state;
	uint64_t bytes, rotations;
	char last_error[256];
};

static void file_log(struct file_sink *f, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void file_log(struct file_sink *f, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->log(level, msg, f->log_data);
}

/* Record the error for status (one line) and log it. */
static void set_error(struct file_sink *f, bool failing, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_error(struct file_sink *f, bool failing, const char *fmt, ...)
{
	char msg[256];
	bool was_failing;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	pthread_mutex_lock(&f->lock);
	snprintf(f->last_error, sizeof(f->last_error), "%s", msg);
	was_failing = f->state == PT_SINK_FAILING;
	if (failing)
		f->state = PT_SINK_FAILING;
	pthread_mutex_unlock(&f->lock);
	/* once per failing spell: the runner logs each dropped batch itself */
	if (!failing || !was_failing)
		f->log(PT_LOG_ERR, msg, f->log_data);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "PATH.i" or "PATH.i.gz" (or "PATH.i.gz.tmp"); NULL on ENOMEM. */
static char *member_name(const char *path, unsigned i, const char *suffix)
{
	char *s;

	if (asprintf(&s, "%s.%u%s", path, i, suffix) < 0)
		return NULL;
	return s;
}

/*
 * Cut a partial last line: truncate fd to just after its last '\n' (to 0 when
 * there is none). *cut gets the bytes removed; *size the new size.
 */
static int repair_tail(int fd, uint64_t *size, uint64_t *cut)
{
	char buf[SCAN_CHUNK];
	struct stat st;
	off_t end, pos;

	*cut = 0;
	if (fstat(fd, &st) < 0)
		return -errno;
	end = st.st_size;
	*size = (uint64_t)end;
	if (!S_ISREG(st.st_mode) || end == 0)
		return 0;
	pos = end;
	while (pos > 0) {
		if (end - pos >= (off_t)TAIL_MAX)
			return -EILSEQ;
		size_t n = pos > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)pos;
		ssize_t r = pread(fd, buf, n, pos - (off_t)n);

		if (r < 0)
			return -errno;
		if ((size_t)r != n)
			return -EIO;
		for (size_t k = n; k > 0; k--) {
			if (buf[k - 1] != '\n')
				continue;
			pos = pos - (off_t)n + (off_t)k;
			goto found;
		}
		pos -= (off_t)n;
	}
found:
	if (pos == end)
		return 0;
	if (ftruncate(fd, pos) < 0)
		return -errno;
	*cut = (uint64_t)(end - pos);
	*size = (uint64_t)pos;
	return 0;
}

/* Open (create) the current file and make sure it ends with a whole line. */
static int open_current(struct file_sink *f)
{
	uint64_t cut = 0;
	struct stat st;
	int fd, r;

	fd = open(f->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, f->mode);
	if (fd < 0)
		return -errno;
	r = repair_tail(fd, &f->size, &cut);
	if (r < 0) {
		close(fd);
		return r;
	}
	if (cut)
		file_log(f, PT_LOG_WARNING,
			 "%s: cut %llu bytes of a partial last line (a writer was killed mid-line)",
			 f->path, (unsigned long long)cut);
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	f->regular = S_ISREG(st.st_mode);
	f->fd = fd;
	f->tail_dirty = false;
	f->age_base_set = false;
	return 0;
}

static void sync_dir(const char *path)
{
	char *dir = strdup(path), *slash;
	int fd;

	if (!dir)
		return;
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

static int do_sync(struct file_sink *f)
{
	if (f->fd < 0 || !f->unsynced)
		return 0;
	if (fdatasync(f->fd) < 0) {
		int e = errno;

		set_error(f, false, "%s: fdatasync: %s", f->path, strerror(e));
		return -e;
	}
	f->unsynced = false;
	f->last_sync_ms = mono_ms();
	return 0;
}

/* ---- compression ---- */

static int gzip_file(const char *src, const char *dst, mode_t mode, int level, char *msg,
		     size_t msglen)
{
	char *tmp = NULL, buf[SCAN_CHUNK];
	int in = -1, out = -1, r = 0;
	gzFile gz = NULL;
	char mstr[8];
	ssize_t n;

	if (asprintf(&tmp, "%s.tmp", dst) < 0)
		return snprintf(msg, msglen, "%s: out of memory", src), -ENOMEM;
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		r = -errno;
		snprintf(msg, msglen, "%s: %s", src, strerror(-r));
		goto out;
	}
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		r = -errno;
		snprintf(msg, msglen, "%s: %s", tmp, strerror(-r));
		goto out;
	}
	snprintf(mstr, sizeof(mstr), "wb%d", level);
	gz = gzdopen(dup(out), mstr);
	if (!gz) {
		r = -ENOMEM;
		snprintf(msg, msglen, "%s: gzdopen failed", tmp);
		goto out;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (gzwrite(gz, buf, (unsigned)n) != (int)n) {
			int ze;
			const char *zs = gzerror(gz, &ze);

			r = ze == Z_ERRNO && errno ? -errno : -EIO;
			snprintf(msg, msglen, "%s: %s", tmp, ze == Z_ERRNO ? strerror(-r) : zs);
			goto out;
		}
	}
	if (n < 0) {
		r = -errno;
		snprintf(msg, msglen, "%s: %s", src, strerror(-r));
		goto out;
	}
	r = gzclose(gz);
	gz = NULL;
	if (r != Z_OK) {
		r = -EIO;
		snprintf(msg, msglen, "%s: could not finish the gzip stream (disk full?)", tmp);
		goto out;
	}
	if (fsync(out) < 0) {
		r = -errno;
		snprintf(msg, msglen, "%s: fsync: %s", tmp, strerror(-r));
		goto out;
	}
	if (rename(tmp, dst) < 0) {
		r = -errno;
		snprintf(msg, msglen, "%s: rename: %s", tmp, strerror(-r));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	/* dst is complete: only now does the uncompressed copy go */
	if (unlink(src) < 0) {
		r = -errno;
		snprintf(msg, msglen, "%s: unlink after compression: %s", src, strerror(-r));
	}
out:
	if (gz)
		gzclose(gz);
	if (out >= 0)
		close(out);
	if (in >= 0)
		close(in);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	return r;
}

static void *comp_main(void *arg)
{
	struct file_sink *f = arg;
	char err[400] = "";
	int r;

	r = gzip_file(f->comp_src, f->comp_dst, f->mode, f->comp_level, err, sizeof(err));
	if (r < 0)
		snprintf(f->comp_msg, sizeof(f->comp_msg),
			 "compression failed, %s kept uncompressed: %s", f->comp_src, err);
	else
		f->comp_msg[0] = '\0';
	atomic_store(&f->comp_done, true);
	return NULL;
}

/* Wait for the compressor (when running) and log its outcome. */
static void comp_join(struct file_sink *f)
{
	if (!f->comp_running)
		return;
	pthread_join(f->comp_thread, NULL);
	f->comp_running = false;
	if (f->comp_msg[0])
		set_error(f, false, "%s", f->comp_msg);
	free(f->comp_src);
	free(f->comp_dst);
	f->comp_src = f->comp_dst = NULL;
}

static void comp_start(struct file_sink *f)
{
	sigset_t all, old;
	int r;

	f->comp_src = member_name(f->path, 1, "");
	f->comp_dst = member_name(f->path, 1, ".gz");
	if (!f->comp_src || !f->comp_dst) {
		set_error(f, false, "%s.1: out of memory, kept uncompressed", f->path);
		goto fail;
	}
	atomic_store(&f->comp_done, false);
	f->comp_msg[0] = '\0';
	/* the compressor takes no signals: they belong to the program's own threads */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&f->comp_thread, NULL, comp_main, f);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		set_error(f, false, "%s: compressor thread: %s, kept uncompressed", f->comp_src,
			  strerror(r));
		goto fail;
	}
	f->comp_running = true;
	return;
fail:
	free(f->comp_src);
	free(f->comp_dst);
	f->comp_src = f->comp_dst = NULL;
}

/* ---- rotation ---- */

static int rename_if_exists(const char *from, const char *to)
{
	if (rename(from, to) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static int unlink_if_exists(const char *p)
{
	if (unlink(p) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* Shift FILE.i[.gz] to FILE.i+1[.gz], N-1 down to 1, after removing FILE.N[.gz]. */
static int shift_members(struct file_sink *f, char *what, size_t whatlen)
{
	static const char *const sfx[] = {"", ".gz"};
	unsigned n = f->max_backups;
	int r = 0;

	for (unsigned s = 0; s < 2; s++) {
		char *last = member_name(f->path, n, sfx[s]);

		if (!last)
			return -ENOMEM;
		r = unlink_if_exists(last);
		if (r < 0)
			snprintf(what, whatlen, "unlink %s", last);
		free(last);
		if (r < 0)
			return r;
	}
	for (unsigned i = n - 1; i >= 1; i--) {
		for (unsigned s = 0; s < 2; s++) {
			char *from = member_name(f->path, i, sfx[s]);
			char *to = member_name(f->path, i + 1, sfx[s]);

			r = from && to ? rename_if_exists(from, to) : -ENOMEM;
			if (r < 0)
				snprintf(what, whatlen, "rename %s", from ? from : f->path);
			free(from);
			free(to);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/*
 * Rotate: the current file becomes FILE.1 (or is removed when no backups are
 * kept) and a new FILE is started. 0 or -errno; on failure before the current
 * file moved, writing goes on into it.
 */
static int rotate(struct file_sink *f)
{
	char what[PATH_MAX + 32] = "";
	char *first = NULL;
	int r, fd_old = f->fd;

	if (f->fsync != PT_FSYNC_NO)
		do_sync(f);
	comp_join(f);
	if (f->max_backups == 0) {
		r = unlink_if_exists(f->path);
		if (r < 0)
			snprintf(what, sizeof(what), "unlink %s", f->path);
	} else {
		r = shift_members(f, what, sizeof(what));
		if (r == 0) {
			first = member_name(f->path, 1, "");
			r = first ? rename_if_exists(f->path, first) : -ENOMEM;
			if (r < 0)
				snprintf(what, sizeof(what), "rename %s", f->path);
		}
	}
	free(first);
	if (r < 0) {
		if (!f->rotate_failing)
			set_error(f, false, "%s: rotation failed (%s: %s), writing on", f->path,
				  what, strerror(-r));
		f->rotate_failing = true;
		return r;
	}
	f->rotate_failing = false;
	f->fd = -1;
	r = open_current(f);
	close(fd_old);
	if (f->fsync != PT_FSYNC_NO)
		sync_dir(f->path);
	pthread_mutex_lock(&f->lock);
	f->rotations++;
	pthread_mutex_unlock(&f->lock);
	if (r < 0) {
		set_error(f, true, "%s: %s", f->path, strerror(-r));
		return r;
	}
	file_log(f, PT_LOG_INFO, "%s: rotated", f->path);
	if (f->compress && f->max_backups > 0)
		comp_start(f);
	return 0;
}

/*
 * A crash mid-compression leaves FILE.i.gz.tmp (incomplete: remove it), or
 * both FILE.i and FILE.i.gz (the .gz was renamed complete: remove FILE.i).
 */
static void cleanup_members(struct file_sink *f)
{
	for (unsigned i = 1; i <= f->max_backups + 1; i++) {
		char *plain = member_name(f->path, i, "");
		char *gz = member_name(f->path, i, ".gz");
		char *tmp = member_name(f->path, i, ".gz.tmp");
		struct stat st;

		if (plain && gz && tmp) {
			if (unlink(tmp) == 0)
				file_log(f, PT_LOG_WARNING,
					 "%s: removed an unfinished compression (a writer was "
					 "killed)",
					 tmp);
			if (stat(gz, &st) == 0 && unlink(plain) == 0)
				file_log(f, PT_LOG_WARNING,
					 "%s: removed, %s has its lines (a writer was killed)",
					 plain, gz);
		}
		free(plain);
		free(gz);
		free(tmp);
	}
}

/* ---- ops ---- */

static void file_free(struct file_sink *f)
{
	comp_join(f);
	if (f->fd >= 0)
		close(f->fd);
	pthread_mutex_destroy(&f->lock);
	free(f->path);
	free(f);
}

static int file_open(void **state, const struct pt_sink_conf *c, const struct pt_sink_env *env,
		     char *err, size_t errlen)
{
	struct file_sink *f;
	int r;

	if (!c->target || !*c->target) {
		snprintf(err, errlen, "--output: an empty file name");
		return -EINVAL;
	}
	f = calloc(1, sizeof(*f));
	if (!f || !(f->path = strdup(c->target))) {
		free(f);
		snprintf(err, errlen, "--output %s: %s", c->target, strerror(ENOMEM));
		return -ENOMEM;
	}
	pthread_mutex_init(&f->lock, NULL);
	f->fd = -1;
	f->max_size = c->max_size;
	f->max_backups = c->max_backups;
	f->max_age_ms = c->max_age_ms;
	f->compress = c->compress;
	f->fsync = c->fsync;
	f->fsync_interval_ms = c->fsync_interval_ms;
	f->mode = c->file_mode ? (mode_t)c->file_mode : FILE_MODE_DEFAULT;
	f->comp_level = 6;
	f->log = env->log;
	f->log_data = env->log_data;
	f->last_sync_ms = mono_ms();
	f->state = PT_SINK_OK;

	r = open_current(f);
	if (r == -EILSEQ) {
		snprintf(err, errlen,
			 "--output %s: its last %u MiB hold no newline: not a JSON-lines file?",
			 c->target, TAIL_MAX >> 20);
		file_free(f);
		return r;
	}
	if (r < 0) {
		snprintf(err, errlen, "--output %s: %s", c->target, strerror(-r));
		file_free(f);
		return r;
	}
	cleanup_members(f);
	*state = f;
	return 0;
}

/* Cut the file back to before a failed batch of len bytes (of which some may be written). */
static void undo_batch(struct file_sink *f, uint64_t len)
{
	struct stat st;
	uint64_t cut;

	if (!f->regular) /* a pipe or a device (/dev/full): nothing to cut */
		return;
	/* fstat, not f->size: an external truncation (copytruncate) moves the end */
	if (fstat(f->fd, &st) == 0 && (uint64_t)st.st_size >= len &&
	    ftruncate(f->fd, (off_t)((uint64_t)st.st_size - len)) == 0) {
		f->size = (uint64_t)st.st_size - len;
		return;
	}
	f->tail_dirty = true;
	if (repair_tail(f->fd, &f->size, &cut) == 0)
		f->tail_dirty = false;
}

static int file_write(void *state, const struct pt_outq_rec *recs, size_t n)
{
	struct file_sink *f = state;
	uint64_t total = 0, done = 0;
	int r;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		total += recs[i].len;
	if (f->fd < 0) {
		r = open_current(f);
		if (r < 0) {
			set_error(f, true, "%s: %s (batch of %zu lines dropped)", f->path,
				  strerror(-r), n);
			return r;
		}
	}
	if (f->tail_dirty) {
		uint64_t cut;

		r = repair_tail(f->fd, &f->size, &cut);
		if (r < 0) {
			set_error(f, true, "%s: cannot cut a partial line: %s (batch dropped)",
				  f->path, strerror(-r));
			return r;
		}
		f->tail_dirty = false;
	}
	if (f->max_size && f->regular && f->size > 0 && f->size + total > f->max_size) {
		struct stat st;

		/* only near the limit: the real size, in case someone truncated the file */
		if (fstat(f->fd, &st) == 0)
			f->size = (uint64_t)st.st_size;
		if (f->size > 0 && f->size + total > f->max_size) {
			r = rotate(f);
			if (r < 0 && f->fd < 0)
				return r;
		}
	}

	/* a short write goes on from where it stopped: the next call says why it stopped */
	for (size_t i = 0, off = 0; i < n;) {
		struct iovec iov[IOV_MAX];
		size_t k = 0, adv;
		ssize_t w;

		for (; k < IOV_MAX && i + k < n; k++) {
			size_t skip = k == 0 ? off : 0;

			iov[k].iov_base = (void *)(recs[i + k].p + skip);
			iov[k].iov_len = recs[i + k].len - skip;
		}
		w = writev(f->fd, iov, (int)k);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : ENOSPC;

			undo_batch(f, done);
			set_error(f, true, "%s: %s (batch of %zu lines dropped)", f->path,
				  strerror(e), n);
			return -e;
		}
		done += (uint64_t)w;
		for (adv = (size_t)w; adv > 0;) {
			size_t rem = recs[i].len - off;

			if (adv < rem) {
				off += adv;
				break;
			}
			adv -= rem;
			i++;
			off = 0;
		}
	}
	f->size += total;
	f->unsynced = true;
	pthread_mutex_lock(&f->lock);
	f->bytes += total;
	if (f->state == PT_SINK_FAILING) {
		f->state = PT_SINK_OK;
		pthread_mutex_unlock(&f->lock);
		file_log(f, PT_LOG_NOTICE, "%s: writing again", f->path);
	} else {
		pthread_mutex_unlock(&f->lock);
	}
	return 0;
}

static int file_flush(void *state)
{
	struct file_sink *f = state;

	switch (f->fsync) {
	case PT_FSYNC_BATCH:
		return do_sync(f);
	case PT_FSYNC_INTERVAL:
		if (mono_ms() - f->last_sync_ms >= f->fsync_interval_ms)
			return do_sync(f);
		return 0;
	default:
		return 0;
	}
}

static int file_reopen(void *state)
{
	struct file_sink *f = state;
	int r;

	if (f->fsync != PT_FSYNC_NO)
		do_sync(f);
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	f->unsynced = false;
	r = open_current(f);
	if (r < 0) {
		set_error(f, true, "%s: reopen: %s", f->path, strerror(-r));
		return r;
	}
	file_log(f, PT_LOG_INFO, "%s: reopened", f->path);
	return 0;
}

static int file_tick(void *state, int64_t now_ms)
{
	struct file_sink *f = state;
	int r = 0;

	if (f->comp_running && atomic_load(&f->comp_done))
		comp_join(f);
	if (f->fsync == PT_FSYNC_INTERVAL && f->unsynced &&
	    mono_ms() - f->last_sync_ms >= f->fsync_interval_ms)
		do_sync(f);
	if (f->max_age_ms <= 0 || f->fd < 0 || !f->regular)
		return 0;
	/*
	 * The age counts from the first tick that saw the file, or from its first
	 * line. now_ms is the wall clock: a step back restarts the count.
	 */
	if (!f->age_base_set || f->size == 0 || now_ms < f->age_base_ms) {
		f->age_base_ms = now_ms;
		f->age_base_set = true;
		return 0;
	}
	if (now_ms - f->age_base_ms >= f->max_age_ms) {
		r = rotate(f);
		f->age_base_ms = now_ms;
		f->age_base_set = true;
	}
	return r;
}

static void file_close(void *state)
{
	struct file_sink *f = state;

	if (!f)
		return;
	if (f->fsync != PT_FSYNC_NO)
		do_sync(f);
	file_free(f);
}

static void file_status(void *state, struct pt_sink_status *st)
{
	struct file_sink *f = state;

	pthread_mutex_lock(&f->lock);
	st->state = f->state;
	st->bytes = f->bytes;
	st->rotations = f->rotations;
	st->backlog = 0;
	st->backlog_bytes = 0;
	snprintf(st->last_error, sizeof(st->last_error), "%s", f->last_error);
	pthread_mutex_unlock(&f->lock);
}

const struct pt_sink_ops pt_sink_file_ops = {
	.type = PT_SINK_FILE,
	.open = file_open,
	.write = file_write,
	.flush = file_flush,
	.reopen = file_reopen,
	.tick = file_tick,
	.close = file_close,
	.status = file_status,
};
