/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One kernel event each, for the parity tests. Each mode writes the pid the
 * event is about on stdout, then exits 0 (segv dies of SIGSEGV):
 *   setuid UID     setresuid(UID, UID, UID) (a uid event)
 *   setsid         a child calls setsid() (a sid event about the child)
 *   rename NAME    prctl(PR_SET_NAME, NAME) (a comm event), then exits
 *   ptrace         attaches to a child and detaches (two ptrace events)
 *   segv           dumps core (ulimit -c and core_pattern are the caller's)
 *   exec ERR       an exec that fails with E2BIG, ENOENT or EACCES; ERR names
 *                  it, the path comes from argv[3] (EACCES: a file that is not
 *                  executable), and the exec's argv is "pt-failed" ERR
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>

static int die(const char *what)
{
	fprintf(stderr, "helper-parity: %s: %s\n", what, strerror(errno));
	return 1;
}

static int child_then(int (*fn)(void))
{
	pid_t c = fork();
	int st;

	if (c < 0)
		return die("fork");
	if (c == 0)
		_exit(fn());
	if (waitpid(c, &st, 0) < 0)
		return die("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

static int do_setsid(void)
{
	printf("%d\n", (int)getpid());
	fflush(stdout);
	return setsid() < 0 ? die("setsid") : 0;
}

static int do_ptrace(void)
{
	pid_t c = fork();
	int st;

	if (c < 0)
		return die("fork");
	if (c == 0) {
		pause();
		_exit(0);
	}
	printf("%d %d\n", (int)c, (int)getpid());
	fflush(stdout);
	if (ptrace(PTRACE_ATTACH, c, NULL, NULL) < 0)
		return die("PTRACE_ATTACH");
	if (waitpid(c, &st, 0) < 0)
		return die("waitpid");
	if (ptrace(PTRACE_DETACH, c, NULL, NULL) < 0)
		return die("PTRACE_DETACH");
	kill(c, SIGKILL);
	waitpid(c, &st, 0);
	return 0;
}

static int do_exec(const char *err, const char *path)
{
	char name[] = "pt-failed";
	char *argv[] = {name, (char *)err, NULL, NULL};
	char *big = NULL;

	if (strcmp(err, "E2BIG") == 0) {
		/* one string longer than MAX_ARG_STRLEN (32 pages) */
		size_t n = 33 * 4096;

		big = malloc(n + 1);
		if (!big)
			return die("malloc");
		memset(big, 'x', n);
		big[n] = '\0';
		argv[2] = big;
	}
	printf("%d\n", (int)getpid());
	fflush(stdout);
	execv(path, argv);
	/* the failure is the point */
	free(big);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "setuid") == 0) {
		uid_t u = (uid_t)atoi(argv[2]);

		printf("%d\n", (int)getpid());
		fflush(stdout);
		return setresuid(u, u, u) < 0 ? die("setresuid") : 0;
	}
	if (argc >= 2 && strcmp(argv[1], "setsid") == 0)
		return child_then(do_setsid);
	if (argc >= 3 && strcmp(argv[1], "rename") == 0) {
		printf("%d\n", (int)getpid());
		fflush(stdout);
		return prctl(PR_SET_NAME, argv[2], 0, 0, 0) < 0 ? die("prctl") : 0;
	}
	if (argc >= 2 && strcmp(argv[1], "ptrace") == 0)
		return do_ptrace();
	if (argc >= 2 && strcmp(argv[1], "segv") == 0) {
		printf("%d\n", (int)getpid());
		fflush(stdout);
		raise(SIGSEGV);
		return 1;
	}
	if (argc >= 4 && strcmp(argv[1], "exec") == 0)
		return do_exec(argv[2], argv[3]);
	fprintf(stderr,
		"usage: helper-parity setuid UID | setsid | rename NAME | ptrace | segv | "
		"exec ERR PATH\n");
	return 2;
}
