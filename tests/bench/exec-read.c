/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cost of the netlink tier's exec read (pt_procfs_exec_begin + finish,
 * what its reader thread does for every exec) on a live sleeping child, in
 * the cgroup whose cgroup.procs is given (a container's), else the caller's.
 *
 *   tests/bench/exec-read [READS [CGROUP.PROCS]]
 *
 * Prints ns per read for 5 rounds of READS reads (default 20000) and the best.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20000;
	const char *procs = argc > 2 ? argv[2] : NULL; /* cgroup.procs to move the child into */
	struct pt_procfs fs;
	char *argbuf = malloc(128 * 1024 + 1);
	long long best = -1;
	pid_t pid;

	if (pt_procfs_open(&fs, NULL, 0) < 0)
		return 1;
	pid = fork();
	if (!pid) {
		pause();
		_exit(0);
	}
	if (procs) {
		FILE *f = fopen(procs, "w");
		if (!f || fprintf(f, "%d\n", (int)pid) < 0 || fclose(f) != 0) {
			perror(procs);
			kill(pid, SIGKILL);
			return 1;
		}
	}
	for (int round = 0; round < 5; round++) {
		long long t0 = now_ns(), dt;
		for (int i = 0; i < n; i++) {
			struct pt_exec_read x;
			struct pt_proc *p;

			memset(&x, 0, sizeof(x));
			x.exec_ticks = ~0ULL >> 2;
			pt_procfs_exec_begin(&fs, argbuf, 128 * 1024, pid, &x);
			p = pt_procfs_exec_finish(&x);
			if (i == 0 && round == 0)
				fprintf(stderr, "cgroup %s container %s\n",
					p->cgroup ? p->cgroup : "(not read)",
					pt_proc_container_id(p) ? pt_proc_container_id(p)
								: "(none)");
			pt_proc_clear(p);
			free(p);
		}
		dt = (now_ns() - t0) / n;
		if (best < 0 || dt < best)
			best = dt;
		printf("round %d: %lld ns per exec read\n", round, dt);
	}
	printf("best: %lld ns per exec read (%d reads x 5 rounds)\n", best, n);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 0;
}
