/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON-lines file sink, driven through pt_sink_file_ops with synthetic
 * lines: rotation by size and count, by age (a fake clock), compression, the
 * repair of a partial last line, reopen after a rename, a failed write cut
 * back whole (RLIMIT_FSIZE stands in for a full disk), and every line of every
 * file valid JSON.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../../src/sink.h"

static char dir[64];
static char path[128];
static char logbuf[8192];

static void test_log(int level, const char *msg, void *data)
{
	(void)data;
	size_t n = strlen(logbuf);

	snprintf(logbuf + n, sizeof(logbuf) - n, "%d %s\n", level, msg);
}

static const struct pt_sink_env env = {.log = test_log, .host = "h", .session_us = 1};

static void setup(void)
{
	strcpy(dir, "/tmp/pt-sink-file-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.jsonl", dir);
	logbuf[0] = '\0';
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(sink_file, .init = setup, .fini = teardown);

static void conf_defaults(struct pt_sink_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->type = PT_SINK_FILE;
	c->target = path;
	c->max_size = 0;
	c->max_backups = 5;
	c->fsync = PT_FSYNC_BATCH;
	c->file_mode = 0640;
}

static void *open_sink(const struct pt_sink_conf *c)
{
	char err[256] = "";
	void *st = NULL;
	int r = pt_sink_file_ops.open(&st, c, &env, err, sizeof(err));

	cr_assert_eq(r, 0, "open: %d %s", r, err);
	return st;
}

/* Line seq: a JSON object of exactly 100 bytes with its '\n'. */
static size_t make_line(char *buf, unsigned seq)
{
	int n = snprintf(buf, 128, "{\"event\":\"exec\",\"seq\":%u,\"pad\":\"", seq);

	while (n < 97)
		buf[n++] = 'a' + seq % 26;
	memcpy(buf + n, "\"}\n", 3);
	return (size_t)n + 3;
}

/* Write lines first..first+count-1 in one batch. */
static int write_batch(void *st, unsigned first, unsigned count)
{
	struct pt_outq_rec *recs = calloc(count, sizeof(*recs));
	char *bufs = malloc((size_t)count * 128);
	int r;

	cr_assert(recs && bufs);
	for (unsigned i = 0; i < count; i++) {
		recs[i].p = bufs + (size_t)i * 128;
		recs[i].len = make_line(bufs + (size_t)i * 128, first + i);
	}
	r = pt_sink_file_ops.write(st, recs, count);
	if (r == 0)
		pt_sink_file_ops.flush(st);
	free(recs);
	free(bufs);
	return r;
}

static char *slurp_file(const char *p, size_t *len)
{
	FILE *fp = fopen(p, "r");
	char *b = NULL;
	long n;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	b = malloc((size_t)n + 1);
	cr_assert_not_null(b);
	cr_assert_eq(fread(b, 1, (size_t)n, fp), (size_t)n);
	b[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return b;
}

static char *slurp_gz(const char *p, size_t *len)
{
	gzFile gz = gzopen(p, "rb");
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap + 1);
	int r, err;

	cr_assert_not_null(gz, "gzopen %s", p);
	while ((r = gzread(gz, b + n, (unsigned)(cap - n))) > 0) {
		n += (size_t)r;
		if (n == cap) {
			cap *= 2;
			b = realloc(b, cap + 1);
			cr_assert_not_null(b);
		}
	}
	cr_assert_geq(r, 0, "gzread %s: %s", p, gzerror(gz, &err));
	/* the whole stream, with its trailer: a truncated file fails here */
	cr_assert(gzeof(gz), "%s: incomplete gzip stream", p);
	cr_assert_eq(gzclose(gz), Z_OK, "%s: gzip trailer", p);
	b[n] = '\0';
	*len = n;
	return b;
}

/*
 * Check that every line of buf is complete valid JSON with a "seq" member, and
 * that seqs follow *next (-1: any start); *next becomes the one after the last.
 * Returns the lines.
 */
static unsigned check_lines(const char *name, const char *buf, size_t len, long *next)
{
	unsigned lines = 0;
	size_t off = 0;

	cr_assert(len == 0 || buf[len - 1] == '\n', "%s: the last line is not complete", name);
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		json_error_t jerr;
		json_t *o;
		long seq;

		cr_assert_not_null(nl);
		o = json_loadb(buf + off, (size_t)(nl - buf - off), 0, &jerr);
		cr_assert_not_null(o, "%s line %u: invalid JSON: %s", name, lines + 1, jerr.text);
		seq = (long)json_integer_value(json_object_get(o, "seq"));
		if (*next >= 0)
			cr_assert_eq(seq, *next, "%s line %u: seq %ld, expected %ld", name,
				     lines + 1, seq, *next);
		*next = seq + 1;
		json_decref(o);
		lines++;
		off = (size_t)(nl - buf) + 1;
	}
	return lines;
}

static bool exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

static char *member(unsigned i, const char *sfx)
{
	static char b[4][160];
	static int k;

	k = (k + 1) % 4;
	if (i == 0)
		snprintf(b[k], sizeof(b[k]), "%s%s", path, sfx);
	else
		snprintf(b[k], sizeof(b[k]), "%s.%u%s", path, i, sfx);
	return b[k];
}

/*
 * Read FILE.maxn .. FILE.1, FILE (each plain or .gz) in order; every line valid
 * and in sequence from first (-1: any). Returns the lines; *last the next seq.
 */
static unsigned check_sequence(unsigned maxn, long first, long *last, unsigned *files)
{
	long next = first;
	unsigned lines = 0;

	*files = 0;
	for (unsigned i = maxn + 1; i-- > 0;) {
		size_t len;
		char *b = NULL;
		const char *name = member(i, "");

		if (exists(name)) {
			b = slurp_file(name, &len);
			cr_assert(!exists(member(i, ".gz")), "both %s and its .gz", name);
		} else if (i && exists(member(i, ".gz"))) {
			name = member(i, ".gz");
			b = slurp_gz(name, &len);
		}
		if (!b)
			continue;
		(*files)++;
		lines += check_lines(name, b, len, &next);
		free(b);
	}
	*last = next;
	return lines;
}

Test(sink_file, bad_path_names_it)
{
	struct pt_sink_conf c;
	char err[256] = "";
	void *st = NULL;

	conf_defaults(&c);
	char bad[] = "/nonexistent-pt-dir/x.jsonl";

	c.target = bad;
	cr_assert_eq(pt_sink_file_ops.open(&st, &c, &env, err, sizeof(err)), -ENOENT);
	cr_assert_str_eq(err, "--output /nonexistent-pt-dir/x.jsonl: No such file or directory");
	cr_assert_null(strchr(err, '\n'));
	c.target = dir; /* a directory */
	cr_assert_eq(pt_sink_file_ops.open(&st, &c, &env, err, sizeof(err)), -EISDIR);
}

Test(sink_file, creates_with_mode_and_appends)
{
	struct pt_sink_conf c;
	struct stat sb;
	unsigned files;
	long last;
	void *st;

	conf_defaults(&c);
	c.file_mode = 0600;
	st = open_sink(&c);
	cr_assert_eq(write_batch(st, 0, 10), 0);
	pt_sink_file_ops.close(st);
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0600);
	st = open_sink(&c);
	cr_assert_eq(write_batch(st, 10, 5), 0);
	pt_sink_file_ops.close(st);
	cr_assert_eq(check_sequence(0, 0, &last, &files), 15);
	cr_assert_eq(files, 1);
}

Test(sink_file, rotation_by_size_keeps_everything_in_order)
{
	struct pt_sink_conf c;
	struct pt_sink_status s = {0};
	unsigned files;
	struct stat sb;
	long last;
	void *st;

	conf_defaults(&c);
	c.max_size = 4000; /* 40 lines */
	c.max_backups = 10;
	st = open_sink(&c);
	for (unsigned b = 0; b < 20; b++) /* 20 batches of 7 lines: 14000 bytes */
		cr_assert_eq(write_batch(st, b * 7, 7), 0);
	pt_sink_file_ops.status(st, &s);
	pt_sink_file_ops.close(st);
	/* 35 lines (5 batches) per file: 4 files */
	cr_assert_eq(s.rotations, 3);
	cr_assert_eq(s.bytes, 14000);
	cr_assert_eq(s.state, PT_SINK_OK);
	for (unsigned i = 0; i <= 3; i++) {
		cr_assert_eq(stat(member(i, ""), &sb), 0, "%s", member(i, ""));
		cr_assert_leq(sb.st_size, 4000);
	}
	cr_assert(!exists(member(4, "")));
	cr_assert_eq(check_sequence(10, 0, &last, &files), 140);
	cr_assert_eq(files, 4);
	cr_assert_eq(last, 140);
}

Test(sink_file, rotation_keeps_max_backups)
{
	struct pt_sink_conf c;
	unsigned files;
	long last;
	void *st;

	conf_defaults(&c);
	c.max_size = 1000; /* 10 lines */
	c.max_backups = 3;
	st = open_sink(&c);
	for (unsigned b = 0; b < 20; b++) /* 20 batches of 5: 10 files' worth */
		cr_assert_eq(write_batch(st, b * 5, 5), 0);
	pt_sink_file_ops.close(st);
	for (unsigned i = 0; i <= 3; i++)
		cr_assert(exists(member(i, "")), "%s", member(i, ""));
	cr_assert(!exists(member(4, "")));
	/* the newest 4 files: the last 40 lines, in order, none missing */
	cr_assert_eq(check_sequence(3, 60, &last, &files), 40);
	cr_assert_eq(files, 4);
	cr_assert_eq(last, 100);
}

Test(sink_file, no_backups_removes_the_old_file)
{
	struct pt_sink_conf c;
	unsigned files;
	long last;
	void *st;

	conf_defaults(&c);
	c.max_size = 1000;
	c.max_backups = 0;
	st = open_sink(&c);
	for (unsigned b = 0; b < 5; b++)
		cr_assert_eq(write_batch(st, b * 6, 6), 0);
	pt_sink_file_ops.close(st);
	cr_assert(!exists(member(1, "")));
	cr_assert_eq(check_sequence(2, 24, &last, &files), 6);
	cr_assert_eq(files, 1);
}

Test(sink_file, rotation_with_missing_members)
{
	struct pt_sink_conf c;
	unsigned files;
	long last;
	void *st;

	conf_defaults(&c);
	c.max_size = 1000;
	c.max_backups = 4;
	st = open_sink(&c);
	for (unsigned b = 0; b < 3; b++)
		cr_assert_eq(write_batch(st, b * 10, 10), 0);
	/* FILE.1 and FILE.2 exist; someone removes FILE.1 */
	cr_assert_eq(unlink(member(1, "")), 0);
	for (unsigned b = 3; b < 5; b++)
		cr_assert_eq(write_batch(st, b * 10, 10), 0);
	pt_sink_file_ops.close(st);
	/* FILE.4 = 0..9, FILE.3 gone (was FILE.1: 10..19), FILE.2 = 20..29, ... */
	cr_assert(!exists(member(3, "")));
	{
		size_t len;
		char *b = slurp_file(member(4, ""), &len);
		long n = 0;

		cr_assert_not_null(b);
		cr_assert_eq(check_lines("FILE.4", b, len, &n), 10);
		free(b);
	}
	cr_assert_eq(unlink(member(4, "")), 0);
	cr_assert_eq(check_sequence(4, 20, &last, &files), 30);
	cr_assert_eq(files, 3);
}

Test(sink_file, compression_is_complete_and_valid)
{
	struct pt_sink_conf c;
	unsigned files;
	long last;
	void *st;

	conf_defaults(&c);
	c.max_size = 2000;
	c.max_backups = 10;
	c.compress = true;
	st = open_sink(&c);
	for (unsigned b = 0; b < 30; b++) /* 300 lines: 15 files' worth, 10 kept */
		cr_assert_eq(write_batch(st, b * 10, 10), 0);
	pt_sink_file_ops.close(st); /* waits for the compressor */
	for (unsigned i = 1; i <= 10; i++) {
		cr_assert(exists(member(i, ".gz")), "%s", member(i, ".gz"));
		cr_assert(!exists(member(i, "")), "%s left uncompressed", member(i, ""));
		cr_assert(!exists(member(i, ".gz.tmp")));
	}
	cr_assert(!exists(member(11, ".gz")));
	cr_assert_eq(check_sequence(12, 80, &last, &files), 220);
	cr_assert_eq(files, 11);
	cr_assert_eq(last, 300);
}

Test(sink_file, compression_failure_keeps_the_file)
{
	struct pt_sink_conf c;
	struct pt_sink_status s = {0};
	unsigned files;
	long last;
	void *st;

	conf_defaults(&c);
	c.max_size = 1000;
	c.max_backups = 3;
	c.compress = true;
	st = open_sink(&c);
	/* the compressor's temporary file cannot be created */
	cr_assert_eq(mkdir(member(1, ".gz.tmp"), 0700), 0);
	cr_assert_eq(write_batch(st, 0, 10), 0);
	cr_assert_eq(write_batch(st, 10, 10), 0); /* rotates: FILE.1 = 0..9 */
	for (int i = 0; i < 1000 && !strstr(logbuf, "uncompressed"); i++) {
		pt_sink_file_ops.tick(st, 0);
		usleep(5000);
	}
	pt_sink_file_ops.status(st, &s);
	cr_assert_not_null(strstr(s.last_error, "kept uncompressed"), "%s", s.last_error);
	cr_assert_eq(s.state, PT_SINK_OK);
	cr_assert(exists(member(1, "")));
	cr_assert(!exists(member(1, ".gz")));
	/* later rotations compress again, and shift the uncompressed one along */
	cr_assert_eq(rmdir(member(1, ".gz.tmp")), 0);
	cr_assert_eq(write_batch(st, 20, 10), 0);
	pt_sink_file_ops.close(st);
	cr_assert(exists(member(2, "")));
	cr_assert(exists(member(1, ".gz")));
	cr_assert_eq(check_sequence(3, 0, &last, &files), 30);
	cr_assert_eq(files, 3);
}

Test(sink_file, leftovers_of_a_killed_compression)
{
	struct pt_sink_conf c;
	unsigned files;
	long last;
	void *st;
	gzFile gz;
	char line[128];
	size_t n;
	FILE *fp;

	conf_defaults(&c);
	c.compress = true;
	c.max_backups = 3;
	/* FILE.1 and a complete FILE.1.gz of the same lines; a partial FILE.2.gz.tmp */
	fp = fopen(member(1, ""), "w");
	gz = gzopen(member(1, ".gz"), "wb");
	cr_assert(fp && gz);
	for (unsigned i = 0; i < 5; i++) {
		n = make_line(line, i);
		fwrite(line, 1, n, fp);
		gzwrite(gz, line, (unsigned)n);
	}
	fclose(fp);
	gzclose(gz);
	fp = fopen(member(2, ".gz.tmp"), "w");
	fputs("garbage", fp);
	fclose(fp);
	st = open_sink(&c);
	cr_assert(!exists(member(1, "")));
	cr_assert(!exists(member(2, ".gz.tmp")));
	cr_assert_eq(write_batch(st, 5, 5), 0);
	pt_sink_file_ops.close(st);
	cr_assert_eq(check_sequence(3, 0, &last, &files), 10);
	cr_assert_eq(files, 2);
}

Test(sink_file, age_rotation_by_tick)
{
	struct pt_sink_conf c;
	struct pt_sink_status s = {0};
	unsigned files;
	long last;
	void *st;

	conf_defaults(&c);
	c.max_age_ms = 60000;
	st = open_sink(&c);
	cr_assert_eq(pt_sink_file_ops.tick(st, 2000000), 0);
	cr_assert_eq(write_batch(st, 0, 3), 0);
	/* the wall clock steps back: the count starts again from here */
	cr_assert_eq(pt_sink_file_ops.tick(st, 1000000), 0);
	cr_assert_eq(pt_sink_file_ops.tick(st, 1059999), 0);
	pt_sink_file_ops.status(st, &s);
	cr_assert_eq(s.rotations, 0);
	cr_assert_eq(pt_sink_file_ops.tick(st, 1060000), 0);
	pt_sink_file_ops.status(st, &s);
	cr_assert_eq(s.rotations, 1);
	cr_assert(exists(member(1, "")));
	/* an empty file is not rotated, however old */
	cr_assert_eq(pt_sink_file_ops.tick(st, 9000000), 0);
	pt_sink_file_ops.status(st, &s);
	cr_assert_eq(s.rotations, 1);
	cr_assert_eq(write_batch(st, 3, 3), 0);
	cr_assert_eq(pt_sink_file_ops.tick(st, 9059999), 0);
	pt_sink_file_ops.status(st, &s);
	cr_assert_eq(s.rotations, 1);
	cr_assert_eq(pt_sink_file_ops.tick(st, 9060000), 0);
	pt_sink_file_ops.status(st, &s);
	cr_assert_eq(s.rotations, 2);
	pt_sink_file_ops.close(st);
	cr_assert_eq(check_sequence(5, 0, &last, &files), 6);
	cr_assert_eq(files, 3);
}

static void write_raw(const char *p, const char *s)
{
	FILE *fp = fopen(p, "w");

	cr_assert_not_null(fp);
	fputs(s, fp);
	fclose(fp);
}

Test(sink_file, repairs_a_partial_last_line)
{
	struct pt_sink_conf c;
	size_t len;
	char *b;
	void *st;

	conf_defaults(&c);
	write_raw(path, "{\"seq\":0}\n{\"seq\":1}\n{\"seq\":2,\"pa");
	st = open_sink(&c);
	cr_assert_not_null(strstr(logbuf, "cut 12 bytes"), "%s", logbuf);
	cr_assert_eq(write_batch(st, 2, 2), 0);
	pt_sink_file_ops.close(st);
	b = slurp_file(path, &len);
	long next = 0;
	cr_assert_eq(check_lines("FILE", b, len, &next), 4);
	free(b);

	/* no newline at all: nothing of it stays */
	write_raw(path, "{\"seq\":0,\"argv\":[\"a");
	logbuf[0] = '\0';
	st = open_sink(&c);
	cr_assert_not_null(strstr(logbuf, "cut 19 bytes"), "%s", logbuf);
	pt_sink_file_ops.close(st);
	b = slurp_file(path, &len);
	cr_assert_eq(len, 0);
	free(b);

	/* a complete file is left alone, quietly; a partial line longer than the scan chunk */
	write_raw(path, "{\"seq\":0}\n");
	logbuf[0] = '\0';
	st = open_sink(&c);
	pt_sink_file_ops.close(st);
	cr_assert_eq(logbuf[0], '\0');
	{
		FILE *fp = fopen(path, "a");

		for (int i = 0; i < 200000; i++)
			fputc('x', fp);
		fclose(fp);
	}
	st = open_sink(&c);
	cr_assert_not_null(strstr(logbuf, "cut 200000 bytes"), "%s", logbuf);
	pt_sink_file_ops.close(st);
	b = slurp_file(path, &len);
	cr_assert_eq(len, 10);
	free(b);
}

Test(sink_file, reopen_after_rename)
{
	struct pt_sink_conf c;
	char old[160];
	size_t len;
	char *b;
	long next;
	void *st;

	conf_defaults(&c);
	st = open_sink(&c);
	cr_assert_eq(write_batch(st, 0, 5), 0);
	snprintf(old, sizeof(old), "%s.old", path);
	cr_assert_eq(rename(path, old), 0); /* logrotate's move */
	cr_assert_eq(write_batch(st, 5, 5), 0); /* still the moved file */
	cr_assert(!exists(path));
	cr_assert_eq(pt_sink_file_ops.reopen(st), 0);
	cr_assert_eq(write_batch(st, 10, 5), 0);
	pt_sink_file_ops.close(st);
	b = slurp_file(old, &len);
	next = 0;
	cr_assert_eq(check_lines("old", b, len, &next), 10);
	free(b);
	b = slurp_file(path, &len);
	next = 10;
	cr_assert_eq(check_lines("new", b, len, &next), 5);
	free(b);
}

Test(sink_file, reopen_failure_is_reported_and_retried)
{
	struct pt_sink_conf c;
	struct pt_sink_status s = {0};
	char sub[160], p2[200];
	long next = 0;
	size_t len;
	char *b;
	void *st;

	conf_defaults(&c);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	cr_assert_eq(mkdir(sub, 0700), 0);
	snprintf(p2, sizeof(p2), "%s/x.jsonl", sub);
	c.target = p2;
	st = open_sink(&c);
	cr_assert_eq(write_batch(st, 0, 2), 0);
	cr_assert_eq(unlink(p2), 0);
	cr_assert_eq(rmdir(sub), 0);
	cr_assert_eq(pt_sink_file_ops.reopen(st), -ENOENT);
	pt_sink_file_ops.status(st, &s);
	cr_assert_eq(s.state, PT_SINK_FAILING);
	cr_assert_not_null(strstr(s.last_error, p2), "%s", s.last_error);
	cr_assert_eq(write_batch(st, 2, 2), -ENOENT);
	cr_assert_eq(mkdir(sub, 0700), 0);
	cr_assert_eq(write_batch(st, 4, 2), 0);
	pt_sink_file_ops.status(st, &s);
	cr_assert_eq(s.state, PT_SINK_OK);
	pt_sink_file_ops.close(st);
	b = slurp_file(p2, &len);
	next = 4;
	cr_assert_eq(check_lines("x", b, len, &next), 2);
	free(b);
}

/* RLIMIT_FSIZE makes a batch that crosses it a short write, then EFBIG: a full disk. */
Test(sink_file, failed_write_leaves_whole_lines_and_resumes)
{
	struct pt_sink_conf c;
	struct pt_sink_status s = {0};
	struct rlimit rl = {.rlim_cur = 1050, .rlim_max = RLIM_INFINITY};
	struct stat sb;
	long next = 0;
	size_t len;
	char *b;
	void *st;

	signal(SIGXFSZ, SIG_IGN);
	conf_defaults(&c);
	st = open_sink(&c);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	cr_assert_eq(write_batch(st, 0, 10), 0); /* 1000 bytes */
	/* 1050 of 1500 would fit: the kernel writes 50 bytes, the sink cuts them */
	cr_assert_eq(write_batch(st, 10, 5), -EFBIG);
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_size, 1000);
	pt_sink_file_ops.status(st, &s);
	cr_assert_eq(s.state, PT_SINK_FAILING);
	cr_assert_not_null(strstr(s.last_error, "File too large"), "%s", s.last_error);
	cr_assert_eq(s.bytes, 1000);
	/* a second failing batch: cut back too, logged once per failing spell */
	cr_assert_eq(write_batch(st, 10, 5), -EFBIG);
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_size, 1000);
	{
		const char *p = strstr(logbuf, "File too large");

		cr_assert_not_null(p);
		cr_assert_null(strstr(p + 1, "File too large"), "%s", logbuf);
	}
	/* space returns: the next batch just goes */
	rl.rlim_cur = RLIM_INFINITY;
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	cr_assert_eq(write_batch(st, 15, 5), 0);
	pt_sink_file_ops.status(st, &s);
	cr_assert_eq(s.state, PT_SINK_OK);
	cr_assert_eq(s.bytes, 1500);
	pt_sink_file_ops.close(st);
	b = slurp_file(path, &len);
	cr_assert_eq(len, 1500);
	cr_assert_eq(check_lines("FILE", b, 1000, &next), 10);
	next = 15; /* the dropped batch is the runner's to report */
	cr_assert_eq(check_lines("FILE", b + 1000, 500, &next), 5);
	free(b);
}

Test(sink_file, a_batch_larger_than_iov_max)
{
	struct pt_sink_conf c;
	long next = 0;
	size_t len;
	char *b;
	void *st;

	conf_defaults(&c);
	c.fsync = PT_FSYNC_INTERVAL;
	c.fsync_interval_ms = 10;
	st = open_sink(&c);
	cr_assert_eq(write_batch(st, 0, 3000), 0);
	cr_assert_eq(pt_sink_file_ops.tick(st, 0), 0);
	pt_sink_file_ops.close(st);
	b = slurp_file(path, &len);
	cr_assert_eq(check_lines("FILE", b, len, &next), 3000);
	free(b);
}

/* Only regular files rotate: never rename a FIFO (or /dev/stdout) away. */
Test(sink_file, a_fifo_is_not_rotated)
{
	struct pt_sink_conf c;
	struct pt_sink_status s = {0};
	char fifo[160];
	struct stat sb;
	void *st;

	conf_defaults(&c);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	c.target = fifo;
	c.max_size = 1000;
	c.max_age_ms = 1000;
	st = open_sink(&c); /* O_RDWR: a FIFO opens without a reader */
	for (unsigned b = 0; b < 3; b++)
		cr_assert_eq(write_batch(st, b * 5, 5), 0); /* 1500 bytes: fits the pipe */
	cr_assert_eq(pt_sink_file_ops.tick(st, 0), 0);
	cr_assert_eq(pt_sink_file_ops.tick(st, 100000), 0);
	pt_sink_file_ops.status(st, &s);
	pt_sink_file_ops.close(st);
	cr_assert_eq(s.rotations, 0);
	cr_assert_eq(stat(fifo, &sb), 0);
	cr_assert(S_ISFIFO(sb.st_mode));
	snprintf(fifo + strlen(fifo), sizeof(fifo) - strlen(fifo), ".1");
	cr_assert(!exists(fifo));
}

/* A long tail without a newline is no line of ours: refused, never cut. */
Test(sink_file, refuses_a_file_that_is_not_json_lines)
{
	struct pt_sink_conf c;
	char err[256] = "";
	void *st = NULL;
	struct stat sb;
	FILE *fp;

	conf_defaults(&c);
	fp = fopen(path, "w");
	cr_assert_not_null(fp);
	fputs("{\"seq\":0}\n", fp);
	for (int i = 0; i < (17 << 20); i++)
		fputc('x', fp);
	fclose(fp);
	cr_assert_eq(pt_sink_file_ops.open(&st, &c, &env, err, sizeof(err)), -EILSEQ);
	cr_assert_not_null(strstr(err, path), "%s", err);
	cr_assert_not_null(strstr(err, "no newline"), "%s", err);
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_size, 10 + (17 << 20));
}
