/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SQL layer's spool: batches come back whole and in the order they were
 * appended, across a close and a reopen; the spool is bounded; a damaged
 * batch is set aside as *.bad and the next one is returned; what a crash left
 * half-written is never read.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/sink-db.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/pt-spool-test.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(spool, .init = setup, .fini = teardown);

/* Batch b: n records; record i is "b<b> r<i> " plus hostile bytes and '\n'. */
static size_t make_batch(unsigned b, size_t n, struct pt_outq_rec *recs, char bufs[][64])
{
	for (size_t i = 0; i < n; i++) {
		int len = snprintf(bufs[i], 64, "{\"b\":%u,\"r\":%zu}\t\\\r\n\n", b, i);

		recs[i] = (struct pt_outq_rec){.p = bufs[i], .len = (size_t)len};
	}
	/* a report record, and one of length 0 with a byte 0xff around it */
	if (n > 2) {
		recs[1].is_report = true;
		recs[1].report = 1000 + b;
		bufs[2][0] = (char)0xff;
	}
	return n;
}

static void check_batch(struct pt_spool *s, unsigned b, size_t want_n)
{
	struct pt_outq_rec want[16];
	char bufs[16][64];
	const struct pt_outq_rec *recs;
	int64_t session;
	uint64_t seq;
	size_t n;

	make_batch(b, want_n, want, bufs);
	cr_assert_eq(pt_spool_peek(s, &session, &seq, &recs, &n), 0, "batch %u", b);
	cr_assert_eq(session, -(int64_t)b * 1000000007LL, "batch %u session %lld", b,
		     (long long)session);
	cr_assert_eq(seq, b + 1ull);
	cr_assert_eq(n, want_n);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(recs[i].len, want[i].len);
		cr_assert_eq(memcmp(recs[i].p, want[i].p, want[i].len), 0);
		cr_assert_eq(recs[i].is_report, want[i].is_report);
		cr_assert_eq(recs[i].report, want[i].report);
	}
}

static int append(struct pt_spool *s, unsigned b, size_t n)
{
	struct pt_outq_rec recs[16];
	char bufs[16][64];

	make_batch(b, n, recs, bufs);
	return pt_spool_append(s, -(int64_t)b * 1000000007LL, b + 1ull, recs, n);
}

static struct pt_spool *open_spool(uint64_t max)
{
	struct pt_spool *s;
	char err[256] = "";

	cr_assert_eq(pt_spool_open(&s, dir, max, err, sizeof(err)), 0, "%s", err);
	return s;
}

/* How many names in dir end in suffix (or start with it when prefix). */
static int count_names(const char *affix, bool prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	cr_assert_not_null(d);
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name), a = strlen(affix);

		if (prefix ? strncmp(de->d_name, affix, a) == 0
			   : l >= a && strcmp(de->d_name + l - a, affix) == 0)
			n++;
	}
	closedir(d);
	return n;
}

Test(spool, order_across_reopen)
{
	struct pt_spool *s = open_spool(1 << 20);
	const struct pt_outq_rec *recs;
	int64_t session;
	uint64_t seq, bytes;
	size_t n;

	cr_assert_eq(pt_spool_peek(s, &session, &seq, &recs, &n), 1, "empty");
	for (unsigned b = 0; b < 5; b++)
		cr_assert_eq(append(s, b, 1 + b % 4), 0);
	cr_assert_eq(pt_spool_batches(s), 5);
	cr_assert_eq(pt_spool_records(s), 1 + 2 + 3 + 4 + 1);
	bytes = pt_spool_bytes(s);
	cr_assert_gt(bytes, 0);

	check_batch(s, 0, 1);
	check_batch(s, 0, 1); /* peek again: the same */
	cr_assert_eq(pt_spool_pop(s), 0);
	check_batch(s, 1, 2);
	pt_spool_close(s);

	/* batch 1 was peeked, not popped: it comes back first */
	s = open_spool(1 << 20);
	cr_assert_eq(pt_spool_batches(s), 4);
	cr_assert_eq(pt_spool_records(s), 2 + 3 + 4 + 1);
	cr_assert_lt(pt_spool_bytes(s), bytes);
	cr_assert_eq(append(s, 5, 2), 0); /* appended after what was there */
	for (unsigned b = 1; b < 6; b++) {
		check_batch(s, b, b == 5 ? 2 : 1 + b % 4);
		cr_assert_eq(pt_spool_pop(s), 0);
	}
	cr_assert_eq(pt_spool_peek(s, &session, &seq, &recs, &n), 1);
	cr_assert_eq(pt_spool_batches(s), 0);
	cr_assert_eq(pt_spool_records(s), 0);
	cr_assert_eq(pt_spool_bytes(s), 0);
	cr_assert_eq(pt_spool_pop(s), -ENOENT);
	cr_assert_eq(count_names(".batch", false), 0);
	pt_spool_close(s);

	/* and numbering goes on after a reopen of an emptied spool */
	s = open_spool(1 << 20);
	cr_assert_eq(append(s, 7, 3), 0);
	check_batch(s, 7, 3);
	pt_spool_close(s);
}

Test(spool, bounded)
{
	struct pt_spool *s = open_spool(1000);
	unsigned b = 0;
	int ret;

	while ((ret = append(s, b, 4)) == 0)
		b++;
	cr_assert_eq(ret, -ENOSPC);
	cr_assert_gt(b, 2);
	cr_assert_leq(pt_spool_bytes(s), 1000);
	cr_assert_eq(pt_spool_batches(s), b);
	cr_assert_eq(count_names("tmp-", true), 0, "no temporary file left");
	/* room again once one is written */
	check_batch(s, 0, 4);
	cr_assert_eq(pt_spool_pop(s), 0);
	cr_assert_eq(append(s, b, 4), 0);
	for (unsigned i = 1; i <= b; i++) {
		check_batch(s, i, 4);
		cr_assert_eq(pt_spool_pop(s), 0);
	}
	pt_spool_close(s);

	/* a spool of 0 bytes takes nothing */
	s = open_spool(0);
	cr_assert_eq(append(s, 0, 1), -ENOSPC);
	pt_spool_close(s);
}

static void damage(const char *name, off_t at, const char *with, bool truncate_there)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY);
	cr_assert_geq(fd, 0, "%s", path);
	if (truncate_there)
		cr_assert_eq(ftruncate(fd, at), 0);
	else
		cr_assert_eq(pwrite(fd, with, strlen(with), at), (ssize_t)strlen(with));
	close(fd);
}

Test(spool, damaged_set_aside)
{
	struct pt_spool *s = open_spool(1 << 20);
	const struct pt_outq_rec *recs;
	int64_t session;
	uint64_t seq;
	size_t n;

	for (unsigned b = 0; b < 5; b++)
		cr_assert_eq(append(s, b, 3), 0);
	pt_spool_close(s);
	/* batch 1: a flipped payload byte (the CRC); 2: cut short; 3: a bad header */
	damage("00000000000000000002.batch", 60, "X", false);
	damage("00000000000000000003.batch", 50, NULL, true);
	damage("00000000000000000004.batch", 0, "PTSPOOL9", false);

	s = open_spool(1 << 20);
	cr_assert_eq(pt_spool_batches(s), 5);
	check_batch(s, 0, 3);
	cr_assert_eq(pt_spool_pop(s), 0);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(pt_spool_peek(s, &session, &seq, &recs, &n), -EBADMSG, "damage %d", i);
	check_batch(s, 4, 3);
	cr_assert_eq(pt_spool_batches(s), 1);
	cr_assert_eq(pt_spool_records(s), 3);
	cr_assert_eq(count_names(".bad", false), 3);
	cr_assert_eq(pt_spool_pop(s), 0);
	cr_assert_eq(pt_spool_peek(s, &session, &seq, &recs, &n), 1);
	pt_spool_close(s);

	/* set aside for good: a reopen does not see them */
	s = open_spool(1 << 20);
	cr_assert_eq(pt_spool_batches(s), 0);
	cr_assert_eq(pt_spool_peek(s, &session, &seq, &recs, &n), 1);
	pt_spool_close(s);
}

Test(spool, crash_leftovers)
{
	struct pt_spool *s = open_spool(1 << 20);
	const struct pt_outq_rec *recs;
	char path[128];
	int64_t session;
	uint64_t seq;
	size_t n;
	FILE *f;

	cr_assert_eq(append(s, 0, 2), 0);
	pt_spool_close(s);
	/* a batch a crash cut while it was written: its temporary file, half there */
	snprintf(path, sizeof(path), "%s/tmp-2", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("PTSPOOL1 1 2 3 400 12345\n12 0 0\n{\"half", f);
	fclose(f);
	/* and files that are not batches are left alone */
	snprintf(path, sizeof(path), "%s/README", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fclose(f);

	s = open_spool(1 << 20);
	cr_assert_eq(count_names("tmp-", true), 0, "the temporary file is removed");
	cr_assert_eq(count_names("README", true), 1);
	cr_assert_eq(pt_spool_batches(s), 1);
	check_batch(s, 0, 2);
	cr_assert_eq(pt_spool_pop(s), 0);
	/* the next batch does not reuse a number it could confuse */
	cr_assert_eq(append(s, 1, 3), 0);
	check_batch(s, 1, 3);
	cr_assert_eq(pt_spool_pop(s), 0);
	cr_assert_eq(pt_spool_peek(s, &session, &seq, &recs, &n), 1);
	pt_spool_close(s);
}

Test(spool, one_writer)
{
	struct pt_spool *s = open_spool(1 << 20), *t;
	char err[256] = "";

	cr_assert_eq(pt_spool_open(&t, dir, 1 << 20, err, sizeof(err)), -EBUSY);
	cr_assert_neq(err[0], '\0');
	cr_assert_null(t);
	pt_spool_close(s);
	t = open_spool(1 << 20);
	pt_spool_close(t);
}

Test(spool, creates_dir)
{
	char sub[128], err[256] = "";
	struct pt_spool *s;
	struct stat st;

	snprintf(sub, sizeof(sub), "%s/a/b/spool", dir);
	cr_assert_eq(pt_spool_open(&s, sub, 1 << 20, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(stat(sub, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0700);
	pt_spool_close(s);

	/* a path that cannot be a directory is an error with a reason */
	snprintf(sub, sizeof(sub), "%s/a/b/spool/lock/x", dir);
	cr_assert_lt(pt_spool_open(&s, sub, 1 << 20, err, sizeof(err)), 0);
	cr_assert_neq(err[0], '\0');
}
