/* helper-subreaper: a child subreaper whose descendant outlives its parents.
 *
 *   helper-subreaper DEPTH CMD [ARGS...]
 *
 * Becomes a child subreaper (prctl PR_SET_CHILD_SUBREAPER), then starts a chain
 * of DEPTH intermediate processes: intermediate i (1..DEPTH) names itself
 * "pt-anc-i" (PR_SET_NAME), forks the next one and exits at once; the last
 * forks the leaf. The leaf waits until every intermediate has exited and been
 * reaped here (a byte on a pipe, written once DEPTH children were reaped), so it
 * has been reparented to us and its parent and grandparent are gone; it checks
 * that its parent is now us, then execs CMD.
 *
 * stdout, one line per process, written before it forks or execs:
 *   sub PID / anc I PID / leaf PID
 * Exit status: the leaf's (128 + signal when killed), 98 when the leaf was not
 * reparented to us, 99 on errors, 2 on usage errors.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static int leaf(pid_t sub, int rfd, char **cmd)
{
	char c;
	ssize_t n;

	do
		n = read(rfd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		return 99;
	if (getppid() != sub) {
		dprintf(2, "helper-subreaper: leaf %d: parent %d, not the subreaper %d\n",
			(int)getpid(), (int)getppid(), (int)sub);
		return 98;
	}
	dprintf(1, "leaf %d\n", (int)getpid());
	close(rfd);
	execvp(cmd[0], cmd);
	dprintf(2, "helper-subreaper: exec %s: %s\n", cmd[0], strerror(errno));
	return 127;
}

/* Intermediate i of depth: fork the next (or the leaf) and return at once. */
static int chain(unsigned char i, int depth, pid_t sub, int rfd, char **cmd)
{
	char name[16];
	pid_t p;

	snprintf(name, sizeof(name), "pt-anc-%u", (unsigned)i);
	prctl(PR_SET_NAME, name, 0, 0, 0);
	dprintf(1, "anc %u %d\n", (unsigned)i, (int)getpid());
	p = fork();
	if (p < 0)
		return 99;
	if (p > 0)
		return 0;
	if (i < depth)
		return chain((unsigned char)(i + 1), depth, sub, rfd, cmd);
	return leaf(sub, rfd, cmd);
}

/* Any child, its status in *st: its pid, or -1 (reported). */
static pid_t reap(int *st)
{
	pid_t p;

	do
		p = waitpid(-1, st, 0);
	while (p < 0 && errno == EINTR);
	if (p < 0)
		perror("waitpid");
	return p;
}

int main(int argc, char **argv)
{
	int depth, fds[2], st, reaped = 0;
	pid_t sub = getpid(), p;
	char *end;

	if (argc < 3) {
		fprintf(stderr, "usage: %s DEPTH CMD [ARGS...]\n", argv[0]);
		return 2;
	}
	depth = (int)strtol(argv[1], &end, 10);
	if (*end || depth < 1 || depth > 8) {
		fprintf(stderr, "%s: DEPTH must be 1..8\n", argv[0]);
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		perror("PR_SET_CHILD_SUBREAPER");
		return 99;
	}
	if (pipe(fds) < 0) {
		perror("pipe");
		return 99;
	}
	dprintf(1, "sub %d\n", (int)sub);
	p = fork();
	if (p < 0) {
		perror("fork");
		return 99;
	}
	if (p == 0) {
		close(fds[1]); /* only the subreaper can release the leaf */
		_exit(chain(1, depth, sub, fds[0], argv + 2));
	}
	close(fds[0]);
	/* the leaf cannot exit before it is released: the first DEPTH children
	 * reaped are the intermediates */
	while (reaped < depth) {
		if ((p = reap(&st)) < 0)
			return 99;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "helper-subreaper: intermediate %d failed (status %#x)\n",
				(int)p, st);
			return 99;
		}
		reaped++;
	}
	if (write(fds[1], "x", 1) != 1) {
		perror("write");
		return 99;
	}
	close(fds[1]);
	if (reap(&st) < 0)
		return 99;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}
