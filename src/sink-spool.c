/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SQL layer's spool (sink-db.h): batches kept on disk while the database
 * is away, replayed in the order they were appended, across restarts.
 *
 * One file per batch, in one directory:
 *   NNNNNNNNNNNNNNNNNNNN.batch   a whole batch; N (20 digits, so that the
 *                                names sort as numbers) is the append order
 *   tmp-N                        a batch being written; one left by a crash
 *                                is removed at open, never read
 *   N.batch.bad                  a damaged batch set aside by peek
 *   lock                         flock()ed while open: one writer per spool
 * A batch is written to tmp-N, fdatasync'ed, renamed to N.batch and the
 * directory fsync'ed: a crash leaves whole batches only. Removing a written
 * batch does not wait for the disk: a batch that comes back after a crash is
 * written again and skipped by its id (sink-db.h: exactly once).
 *
 * A batch file: a header line, then each record as a line "LEN REPORT FLAG"
 * followed by its LEN bytes (any bytes):
 *   PTSPOOL1 SESSION SEQ N PAYLOAD_BYTES CRC32\n
 * CRC32 (zlib) covers the payload, everything after the header line.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include "sink-db.h"

#define SPOOL_MAGIC "PTSPOOL1"
#define SPOOL_HDR_MAX 128 /* the header line, with its '\n' */
#define SPOOL_REC_HDR_MAX 64 /* a record's line */
#define SPOOL_FILE_MAX (1ull << 30) /* larger is damage, not a batch */

struct spool_file {
	uint64_t num;
	uint64_t bytes; /* the file's size */
	uint64_t records; /* from its header; 0 when the header is damaged */
};

struct pt_spool {
	int dirfd, lockfd;
	uint64_t max_bytes;
	uint64_t next_num;
	/* the batches, oldest first: files[head..count) */
	struct spool_file *files;
	size_t head, count, cap;
	/* counters, read racily by status */
	uint64_t n_batches, n_records, n_bytes;
	/* the head batch once peeked */
	bool loaded;
	char *buf;
	size_t buf_cap;
	struct pt_outq_rec *recs;
	size_t recs_cap, n_recs;
	int64_t session;
	uint64_t seq;
};

static void set_counters(struct pt_spool *s, uint64_t batches, uint64_t records, uint64_t bytes)
{
	__atomic_store_n(&s->n_batches, batches, __ATOMIC_RELAXED);
	__atomic_store_n(&s->n_records, records, __ATOMIC_RELAXED);
	__atomic_store_n(&s->n_bytes, bytes, __ATOMIC_RELAXED);
}

static void count_add(struct pt_spool *s, const struct spool_file *f, int sign)
{
	uint64_t b = s->n_batches, r = s->n_records, y = s->n_bytes;

	if (sign > 0)
		set_counters(s, b + 1, r + f->records, y + f->bytes);
	else
		set_counters(s, b - 1, r - f->records, y - f->bytes);
}

/* mkdir -p, each missing component 0700 */
static int mkdir_p(const char *dir)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int parse_u64(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (x > (UINT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	*p = s;
	return 0;
}

static int parse_i64(const char **p, int64_t *v)
{
	uint64_t u;
	bool neg = **p == '-';

	if (neg)
		(*p)++;
	if (parse_u64(p, &u) < 0 || u > (uint64_t)INT64_MAX)
		return -1;
	*v = neg ? -(int64_t)u : (int64_t)u;
	return 0;
}

static int expect(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

struct spool_hdr {
	int64_t session;
	uint64_t seq, n, payload, crc;
	size_t len; /* the header line's length, with its '\n' */
};

/* Parse the header line at the start of buf (len bytes). 0 or -EBADMSG. */
static int parse_hdr(const char *buf, size_t len, struct spool_hdr *h)
{
	const char *nl = memchr(buf, '\n', len < SPOOL_HDR_MAX ? len : SPOOL_HDR_MAX);
	char line[SPOOL_HDR_MAX + 1];
	const char *p = line;

	if (!nl)
		return -EBADMSG;
	memcpy(line, buf, (size_t)(nl - buf));
	line[nl - buf] = '\0';
	if (strncmp(p, SPOOL_MAGIC " ", sizeof(SPOOL_MAGIC)) != 0)
		return -EBADMSG;
	p += sizeof(SPOOL_MAGIC);
	if (parse_i64(&p, &h->session) < 0 || expect(&p, ' ') < 0 || parse_u64(&p, &h->seq) < 0 ||
	    expect(&p, ' ') < 0 || parse_u64(&p, &h->n) < 0 || expect(&p, ' ') < 0 ||
	    parse_u64(&p, &h->payload) < 0 || expect(&p, ' ') < 0 || parse_u64(&p, &h->crc) < 0 ||
	    *p != '\0')
		return -EBADMSG;
	h->len = (size_t)(nl - buf) + 1;
	return 0;
}

static void batch_name(char *buf, size_t len, uint64_t num)
{
	snprintf(buf, len, "%020" PRIu64 ".batch", num);
}

/* "NNN.batch" -> num; -1 when the name is not a batch's. */
static int batch_num(const char *name, uint64_t *num)
{
	const char *p = name;

	if (parse_u64(&p, num) < 0 || p - name != 20 || strcmp(p, ".batch") != 0)
		return -1;
	return 0;
}

static int push_file(struct pt_spool *s, const struct spool_file *f)
{
	if (s->count == s->cap) {
		if (s->head > 0) {
			memmove(s->files, s->files + s->head,
				(s->count - s->head) * sizeof(*s->files));
			s->count -= s->head;
			s->head = 0;
		} else {
			size_t cap = s->cap ? s->cap * 2 : 64;
			struct spool_file *n = realloc(s->files, cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			s->files = n;
			s->cap = cap;
		}
	}
	s->files[s->count++] = *f;
	return 0;
}

static int cmp_file(const void *a, const void *b)
{
	const struct spool_file *x = a, *y = b;

	return x->num < y->num ? -1 : x->num > y->num;
}

/* A batch file found at open: its size and, from its header, its records. */
static int scan_file(struct pt_spool *s, const char *name, struct spool_file *f)
{
	char buf[SPOOL_HDR_MAX];
	struct spool_hdr h;
	struct stat st;
	ssize_t r;
	int fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int e = S_ISREG(st.st_mode) ? -errno : -EBADMSG;

		close(fd);
		return e;
	}
	f->bytes = (uint64_t)st.st_size;
	f->records = 0;
	r = pread(fd, buf, sizeof(buf), 0);
	close(fd);
	if (r > 0 && parse_hdr(buf, (size_t)r, &h) == 0)
		f->records = h.n;
	return 0;
}

static int scan_dir(struct pt_spool *s, char *err, size_t errlen)
{
	int fd = dup(s->dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	uint64_t batches = 0, records = 0, bytes = 0;
	struct dirent *de;
	int ret = 0;

	if (!d) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "spool: %s", strerror(-ret));
		return ret;
	}
	while ((de = readdir(d))) {
		struct spool_file f;

		if (strncmp(de->d_name, "tmp-", 4) == 0) {
			/* a batch a crash interrupted: never whole, never read */
			unlinkat(s->dirfd, de->d_name, 0);
			continue;
		}
		if (batch_num(de->d_name, &f.num) < 0)
			continue;
		ret = scan_file(s, de->d_name, &f);
		if (ret == -ENOENT) {
			ret = 0;
			continue;
		}
		if (ret < 0) {
			snprintf(err, errlen, "spool: %s: %s", de->d_name, strerror(-ret));
			break;
		}
		ret = push_file(s, &f);
		if (ret < 0) {
			snprintf(err, errlen, "spool: %s", strerror(-ret));
			break;
		}
		batches++;
		records += f.records;
		bytes += f.bytes;
		if (f.num >= s->next_num)
			s->next_num = f.num + 1;
	}
	closedir(d);
	if (ret < 0)
		return ret;
	if (s->count > 1)
		qsort(s->files, s->count, sizeof(*s->files), cmp_file);
	set_counters(s, batches, records, bytes);
	return 0;
}

int pt_spool_open(struct pt_spool **out, const char *dir, uint64_t max_bytes, char *err,
		  size_t errlen)
{
	struct pt_spool *s;
	struct stat st;
	int ret;

	*out = NULL;
	ret = mkdir_p(dir);
	if (ret < 0) {
		snprintf(err, errlen, "spool %s: %s", dir, strerror(-ret));
		return ret;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "spool: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	s->lockfd = -1;
	s->max_bytes = max_bytes;
	s->next_num = 1;
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0 || fstat(s->dirfd, &st) < 0) {
		ret = -errno;
		snprintf(err, errlen, "spool %s: %s", dir, strerror(-ret));
		goto out_free;
	}
	s->lockfd = openat(s->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->lockfd < 0) {
		ret = -errno;
		snprintf(err, errlen, "spool %s/lock: %s", dir, strerror(-ret));
		goto out_free;
	}
	if (flock(s->lockfd, LOCK_EX | LOCK_NB) < 0) {
		ret = errno == EWOULDBLOCK ? -EBUSY : -errno;
		snprintf(err, errlen, "spool %s: %s", dir,
			 ret == -EBUSY ? "in use by another sink or process" : strerror(-ret));
		goto out_free;
	}
	ret = scan_dir(s, err, errlen);
	if (ret < 0)
		goto out_free;
	*out = s;
	return 0;

out_free:
	pt_spool_close(s);
	return ret;
}

void pt_spool_close(struct pt_spool *s)
{
	if (!s)
		return;
	if (s->lockfd >= 0)
		close(s->lockfd);
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->files);
	free(s->buf);
	free(s->recs);
	free(s);
}

static int write_all(int fd, struct iovec *iov, int iovcnt)
{
	while (iovcnt > 0) {
		ssize_t w = writev(fd, iov, iovcnt);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		while (iovcnt > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* Each record's line, and the payload's length and CRC. */
static int rec_lines(const struct pt_outq_rec *recs, size_t n, char **lines, uint64_t *payload,
		     uint64_t *crc)
{
	char *l = malloc(n * SPOOL_REC_HDR_MAX + 1);
	uLong c = crc32(0L, Z_NULL, 0);
	uint64_t total = 0;

	if (!l)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char *p = l + i * SPOOL_REC_HDR_MAX;
		int len = snprintf(p, SPOOL_REC_HDR_MAX, "%zu %" PRIu64 " %d\n", recs[i].len,
				   recs[i].report, recs[i].is_report ? 1 : 0);

		c = crc32(c, (const Bytef *)p, (uInt)len);
		for (size_t off = 0; off < recs[i].len;) {
			size_t chunk =
				recs[i].len - off > (1u << 30) ? (1u << 30) : recs[i].len - off;

			c = crc32(c, (const Bytef *)recs[i].p + off, (uInt)chunk);
			off += chunk;
		}
		total += (uint64_t)len + recs[i].len;
	}
	*lines = l;
	*payload = total;
	*crc = c;
	return 0;
}

int pt_spool_append(struct pt_spool *s, int64_t session, uint64_t seq,
		    const struct pt_outq_rec *recs, size_t n)
{
	char hdr[SPOOL_HDR_MAX], tmp[64], name[64], *lines;
	struct spool_file f = {.records = n};
	uint64_t payload, crc;
	struct iovec *iov;
	int hlen, fd, ret;
	size_t k = 0;

	if (n == 0)
		return -EINVAL;
	ret = rec_lines(recs, n, &lines, &payload, &crc);
	if (ret < 0)
		return ret;
	hlen = snprintf(hdr, sizeof(hdr),
			SPOOL_MAGIC " %" PRId64 " %" PRIu64 " %zu %" PRIu64 " %" PRIu64 "\n",
			session, seq, n, payload, crc);
	f.bytes = (uint64_t)hlen + payload;
	if (f.bytes > SPOOL_FILE_MAX || s->n_bytes + f.bytes > s->max_bytes) {
		free(lines);
		return -ENOSPC;
	}
	iov = malloc((2 * n + 1) * sizeof(*iov));
	if (!iov) {
		free(lines);
		return -ENOMEM;
	}
	iov[k++] = (struct iovec){hdr, (size_t)hlen};
	for (size_t i = 0; i < n; i++) {
		char *l = lines + i * SPOOL_REC_HDR_MAX;

		iov[k++] = (struct iovec){l, strlen(l)};
		if (recs[i].len)
			iov[k++] = (struct iovec){(void *)recs[i].p, recs[i].len};
	}

	f.num = s->next_num;
	snprintf(tmp, sizeof(tmp), "tmp-%" PRIu64, f.num);
	batch_name(name, sizeof(name), f.num);
	fd = openat(s->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	/* writev takes at most IOV_MAX vectors */
	for (size_t off = 0; off < k && ret == 0; off += IOV_MAX)
		ret = write_all(fd, iov + off, (int)(k - off < IOV_MAX ? k - off : IOV_MAX));
	if (ret == 0 && fdatasync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && renameat(s->dirfd, tmp, s->dirfd, name) < 0)
		ret = -errno;
	if (ret < 0) {
		unlinkat(s->dirfd, tmp, 0);
		if (ret == -EDQUOT)
			ret = -ENOSPC;
		goto out;
	}
	s->next_num++;
	/* the rename is durable once the directory is */
	if (fsync(s->dirfd) < 0) {
		ret = -errno;
		unlinkat(s->dirfd, name, 0);
		goto out;
	}
	ret = push_file(s, &f);
	if (ret < 0) {
		unlinkat(s->dirfd, name, 0);
		goto out;
	}
	count_add(s, &f, 1);
out:
	free(iov);
	free(lines);
	return ret;
}

static int grow(void **p, size_t *cap, size_t want, size_t size)
{
	void *n;

	if (want <= *cap)
		return 0;
	n = realloc(*p, want * size);
	if (!n)
		return -ENOMEM;
	*p = n;
	*cap = want;
	return 0;
}

/* Parse the loaded file (len bytes in s->buf) into s->recs. 0 or -EBADMSG / -ENOMEM. */
static int parse_batch(struct pt_spool *s, size_t len)
{
	const char *b = s->buf;
	struct spool_hdr h;
	size_t off;
	int ret = parse_hdr(b, len, &h);

	if (ret < 0)
		return ret;
	if (h.payload != len - h.len || h.n == 0 || h.n > h.payload / 6)
		return -EBADMSG; /* a record takes at least "0 0 0\n" */
	if (crc32(crc32(0L, Z_NULL, 0), (const Bytef *)b + h.len, (uInt)(len - h.len)) != h.crc)
		return -EBADMSG;
	ret = grow((void **)&s->recs, &s->recs_cap, h.n, sizeof(*s->recs));
	if (ret < 0)
		return ret;
	off = h.len;
	for (uint64_t i = 0; i < h.n; i++) {
		const char *p = b + off, *end = memchr(p, '\n', len - off);
		uint64_t rlen, report, flag;

		if (!end || end - p >= SPOOL_REC_HDR_MAX || parse_u64(&p, &rlen) < 0 ||
		    expect(&p, ' ') < 0 || parse_u64(&p, &report) < 0 || expect(&p, ' ') < 0 ||
		    parse_u64(&p, &flag) < 0 || p != end || flag > 1)
			return -EBADMSG;
		off = (size_t)(end - b) + 1;
		if (rlen > len - off)
			return -EBADMSG;
		s->recs[i] = (struct pt_outq_rec){
			.p = b + off, .len = rlen, .report = report, .is_report = flag != 0};
		off += rlen;
	}
	if (off != len)
		return -EBADMSG;
	s->n_recs = h.n;
	s->session = h.session;
	s->seq = h.seq;
	return 0;
}

/* Read the head file into s->buf. 0, or -errno (-EBADMSG: damaged). */
static int load_head(struct pt_spool *s, const char *name)
{
	struct stat st;
	size_t len, got = 0;
	int ret = 0, fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > SPOOL_FILE_MAX) {
		ret = -EBADMSG;
		goto out;
	}
	len = (size_t)st.st_size;
	ret = grow((void **)&s->buf, &s->buf_cap, len + 1, 1);
	if (ret < 0)
		goto out;
	while (got < len) {
		ssize_t r = pread(fd, s->buf + got, len - got, (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	ret = got == len ? parse_batch(s, len) : -EBADMSG;
out:
	close(fd);
	return ret;
}

static void drop_head(struct pt_spool *s)
{
	count_add(s, &s->files[s->head], -1);
	s->head++;
	s->loaded = false;
	if (s->head == s->count)
		s->head = s->count = 0;
}

int pt_spool_peek(struct pt_spool *s, int64_t *session, uint64_t *seq,
		  const struct pt_outq_rec **recs, size_t *n)
{
	char name[64], bad[80];
	int ret;

	while (!s->loaded) {
		struct spool_file *f;

		if (s->head == s->count)
			return 1;
		f = &s->files[s->head];
		batch_name(name, sizeof(name), f->num);
		ret = load_head(s, name);
		if (ret == -ENOENT) {
			/* removed behind our back: nothing to replay */
			drop_head(s);
			continue;
		}
		if (ret == -EBADMSG) {
			snprintf(bad, sizeof(bad), "%s.bad", name);
			if (renameat(s->dirfd, name, s->dirfd, bad) < 0)
				unlinkat(s->dirfd, name, 0);
			drop_head(s);
			return -EBADMSG;
		}
		if (ret < 0)
			return ret;
		/* the header read at open may have been damaged: count what is there */
		if (f->records != s->n_recs) {
			set_counters(s, s->n_batches, s->n_records - f->records + s->n_recs,
				     s->n_bytes);
			f->records = s->n_recs;
		}
		s->loaded = true;
	}
	*session = s->session;
	*seq = s->seq;
	*recs = s->recs;
	*n = s->n_recs;
	return 0;
}

int pt_spool_pop(struct pt_spool *s)
{
	char name[64];

	if (s->head == s->count)
		return -ENOENT;
	batch_name(name, sizeof(name), s->files[s->head].num);
	if (unlinkat(s->dirfd, name, 0) < 0 && errno != ENOENT)
		return -errno;
	drop_head(s);
	return 0;
}

uint64_t pt_spool_batches(const struct pt_spool *s)
{
	return s ? __atomic_load_n(&s->n_batches, __ATOMIC_RELAXED) : 0;
}

uint64_t pt_spool_records(const struct pt_spool *s)
{
	return s ? __atomic_load_n(&s->n_records, __ATOMIC_RELAXED) : 0;
}

uint64_t pt_spool_bytes(const struct pt_spool *s)
{
	return s ? __atomic_load_n(&s->n_bytes, __ATOMIC_RELAXED) : 0;
}
