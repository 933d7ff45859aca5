/* sleepers: keep N processes alive, cheaply, until told to stop; then reap every one.
 *
 *   sleepers [-n N] [-p PIDFILE]
 *
 * Forks N children that pause() (each dies with SIGKILL if sleepers dies: PR_SET_PDEATHSIG),
 * then prints one JSON line, {"n":N,"elapsed_s":S}, and waits for SIGINT or SIGTERM (also sent
 * to it when its own parent dies). It then kills and reaps every child and prints
 * {"reaped":N}. Exit status 0; 1 when not all N could be started (the ones started are
 * reaped); 2 on usage errors.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	unsigned long n = 10000, started = 0, reaped = 0;
	const char *pidfile = NULL;
	pid_t parent = getpid(), *pids;
	sigset_t block, old;
	double t0;
	int c, rc = 0;

	while ((c = getopt(argc, argv, "n:p:h")) != -1) {
		char *end;

		switch (c) {
		case 'n':
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || n < 1 || n > 1000000) {
				fprintf(stderr, "sleepers: bad -n '%s'\n", optarg);
				return 2;
			}
			break;
		case 'p':
			pidfile = optarg;
			break;
		default:
			fprintf(c == 'h' ? stdout : stderr, "usage: %s [-n N] [-p PIDFILE]\n",
				argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	pids = calloc(n, sizeof(*pids));
	if (!pids) {
		fprintf(stderr, "sleepers: out of memory\n");
		return 1;
	}
	/* the signals are only taken in sigsuspend, so none is missed between test and wait */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* a benchmark killed with SIGKILL leaves no sleepers behind */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		stop_flag = 1;
	t0 = now_s();
	for (; started < n && !stop_flag; started++) {
		pid_t pid = fork();

		if (pid < 0) {
			fprintf(stderr, "sleepers: fork %lu of %lu: %s\n", started + 1, n,
				strerror(errno));
			rc = 1;
			break;
		}
		if (pid == 0) {
			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			sigprocmask(SIG_SETMASK, &old, NULL);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			/* the parent may have died before prctl */
			if (getppid() != parent)
				_exit(0);
			for (;;)
				pause();
		}
		pids[started] = pid;
	}
	if (pidfile) {
		FILE *f = fopen(pidfile, "w");

		if (f) {
			for (unsigned long i = 0; i < started; i++)
				fprintf(f, "%d\n", (int)pids[i]);
			fclose(f);
		} else {
			fprintf(stderr, "sleepers: %s: %s\n", pidfile, strerror(errno));
		}
	}
	printf("{\"n\":%lu,\"elapsed_s\":%.3f}\n", started, now_s() - t0);
	fflush(stdout);
	while (!stop_flag && rc == 0)
		sigsuspend(&old);
	for (unsigned long i = 0; i < started; i++)
		kill(pids[i], SIGKILL);
	for (unsigned long i = 0; i < started; i++) {
		while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
			;
		reaped++;
	}
	printf("{\"reaped\":%lu}\n", reaped);
	free(pids);
	return rc;
}
