/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A process whose every text field is hostile, for hostile-text.sh.
 *
 *   helper-hostile DIR SECONDS
 *
 * renames itself to ESC[31mEVIL, copies its own binary into DIR under a name
 * holding a newline, ESC and U+202E, and execs that copy with an argv of
 * invalid UTF-8, C1 controls, bidi controls, ESC and newlines. The copy
 * chdirs into a directory with a hostile name, renames itself once more,
 * forks a child (for tree), prints "ready PID" on stdout and lives SECONDS.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define STAGE2 "pt-hostile-stage2"
#define HOSTILE_NAME "pt-h\nFAKE\x1b[2J\xe2\x80\xae"
#define HOSTILE_DIR "cwd\x1b[1m\nFAKE\xc2\x9b"

static int copy_self(const char *to)
{
	struct stat st;
	int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	if (in < 0 || fstat(in, &st) < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0)
		return -1;
	for (off_t left = st.st_size; left > 0; left -= n) {
		n = sendfile(out, in, NULL, (size_t)left);
		if (n <= 0)
			return -1;
	}
	close(in);
	return close(out);
}

static int stage2(const char *dir, int secs)
{
	char path[4096];
	pid_t child;

	snprintf(path, sizeof(path), "%s/%s", dir, HOSTILE_DIR);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return perror("mkdir"), 99;
	if (chdir(path) < 0)
		return perror("chdir"), 99;
	prctl(PR_SET_NAME, "\x1b]0;T\x07\xc2\x9b", 0, 0, 0);
	child = fork();
	if (child == 0) {
		prctl(PR_SET_NAME,
		      "\xe2\x80\xae"
		      "child\n\x1b",
		      0, 0, 0);
		sleep((unsigned)secs);
		_exit(0);
	}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	sleep((unsigned)secs);
	waitpid(child, NULL, 0);
	return 0;
}

static const char *const hostile_args[] = {
	"inv\xff\xfe",
	"c1\xc2\x9b"
	"31m",
	"rlo\xe2\x80\xae"
	"txt.exe",
	"esc\x1b[2J",
	"nl\nFAKE LINE",
	"iso\xe2\x81\xa6x\xe2\x81\xa9",
	"alm\xd8\x9c",
	"del\x7f",
	"overlong\xc0\xaf",
	"surrogate\xed\xa0\x80",
	"lrm\xe2\x80\x8e",
	"cr\rFAKE",
	"bs\\x1b",
};

int main(int argc, char **argv)
{
	enum { NH = sizeof(hostile_args) / sizeof(hostile_args[0]) };
	char path[4096], *args[4 + NH + 1];

	if (argc > 3 && strcmp(argv[1], STAGE2) == 0)
		return stage2(argv[2], atoi(argv[3]));
	if (argc != 3) {
		fprintf(stderr, "usage: %s DIR SECONDS\n", argv[0]);
		return 99;
	}
	prctl(PR_SET_NAME, "\x1b[31mEVIL", 0, 0, 0);
	snprintf(path, sizeof(path), "%s/%s", argv[1], HOSTILE_NAME);
	if (copy_self(path) < 0)
		return perror("copy"), 99;
	args[0] = path;
	args[1] = strdup(STAGE2);
	args[2] = argv[1];
	args[3] = argv[2];
	for (int i = 0; i < NH; i++)
		args[4 + i] = strdup(hostile_args[i]);
	args[4 + NH] = NULL;
	execv(path, args);
	perror("execv");
	return 99;
}
