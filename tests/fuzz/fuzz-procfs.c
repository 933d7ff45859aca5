/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parsers of /proc files. A process controls what its stat (comm), cgroup
 * (cgroup names) and cmdline show, so each parser takes arbitrary bytes. The
 * first input byte picks the parser; the rest is the file, NUL-terminated as
 * the reader hands it over.
 */
#include <string.h>

#include "fuzz.h"
#include "container.h"
#include "internal.h"

static void stat_file(const char *buf, size_t len)
{
	struct pt_stat st;

	if (pt_parse_stat(buf, len, &st) == 0) {
		FUZZ_CHECK(memchr(st.comm, '\0', sizeof(st.comm)) != NULL);
		FUZZ_CHECK(st.nthreads >= 0);
	}
}

static void status_file(const char *buf, size_t len)
{
	uid_t uid[4];
	gid_t gid[4];
	pid_t tgid = -1;

	pid_t vpid = -1, vpgid = -1;

	pt_parse_status_creds(buf, len, uid, gid, &tgid);
	pt_parse_status_creds(buf, len, uid, gid, NULL);
	if (pt_parse_status_nspid(buf, len, &vpid, &vpgid) == 0)
		FUZZ_CHECK(vpid >= 0 && vpgid >= 0);
}

static void cgroup_file(const char *buf, size_t len)
{
	struct pt_cgroup_info ci;

	if (pt_cgroup_parse(buf, len, &ci) == 0)
		FUZZ_CHECK(ci.path == NULL || strlen(ci.path) <= len);
	pt_cgroup_info_free(&ci);
}

static void cmdline_file(char *buf, size_t len)
{
	const char *a = NULL;
	unsigned n, seen = 0;

	/* the reader always ends args with a NUL */
	if (len == 0)
		return;
	buf[len - 1] = '\0';
	n = pt_args_count(buf, len);
	while ((a = pt_args_next(buf, len, a)) != NULL) {
		FUZZ_CHECK(a >= buf && a < buf + len);
		seen++;
	}
	FUZZ_CHECK(seen == n);
}

static void last_pid_file(const char *buf)
{
	pid_t last;

	if (pt_parse_last_pid(buf, &last) == 0)
		FUZZ_CHECK(last >= 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf;
	size_t len;

	if (size < 1)
		return 0;
	len = size - 1;
	buf = malloc(len + 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);
	buf[len] = '\0';
	switch (data[0] % 5) {
	case 0:
		stat_file(buf, len);
		break;
	case 1:
		status_file(buf, len);
		break;
	case 2:
		cgroup_file(buf, len);
		break;
	case 3:
		cmdline_file(buf, len);
		break;
	case 4:
		last_pid_file(buf);
		break;
	}
	free(buf);
	return 0;
}
