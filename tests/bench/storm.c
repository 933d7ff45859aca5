/* storm: start N short-lived processes (or threads), K at a time, as fast as possible.
 *
 * Each child runs BINARY with argv = [BINARY, "TAG-i"], i = 0..N-1, so a monitor's capture can
 * be counted by tag. One JSON line goes to stdout at the end:
 *   {"n":N,"k":K,"elapsed_s":S,"rate":R,"failed":F}
 * Exit status: 0 when every child ran and exited 0, 1 when some failed, 2 on usage errors.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum method { M_VFORK, M_FORK, M_SPAWN };

static const char *const method_names[] = {
	[M_VFORK] = "vfork",
	[M_FORK] = "fork",
	[M_SPAWN] = "spawn",
};

struct storm {
	unsigned long n;
	unsigned long k;
	const char *binary;
	const char *tag;
	enum method method;
	bool threads;
	bool quiet;
	const char *pidfile;
	pid_t *pids;
	unsigned long failed;
	double elapsed_s;
};

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [-n N] [-k K] [-b BINARY] [-t TAG] [-m vfork|fork|spawn] [-p FILE] [-T] "
		"[-q]\n"
		"  -n N       processes (or threads with -T) to start (default 1000)\n"
		"  -k K       children in flight at once (default 1)\n"
		"  -b BINARY  program each child runs (default: true-static next to storm)\n"
		"  -t TAG     argv[1] of child i is TAG-i (default ptstorm)\n"
		"  -m METHOD  how children start: vfork (default, fastest here), fork, "
		"posix_spawn\n"
		"  -p FILE    write the child pids (thread ids with -T) to FILE after the storm\n"
		"  -T         thread storm: pthread_create/join, no exec\n"
		"  -q         quiet: only the JSON line on stdout\n",
		prog);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* The static child sits next to the storm binary in the build tree. */
static char *default_binary(void)
{
	char self[PATH_MAX];
	char *slash, *path;
	ssize_t len;

	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		return NULL;
	self[len] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	if (asprintf(&path, "%s/true-static", self) < 0)
		return NULL;
	return path;
}

/* Start child i; returns its pid, 0 when it failed before exec (counted), or -errno. */
static pid_t start_child(struct storm *s, unsigned long i)
{
	char tag[256];
	char *argv[3] = {(char *)s->binary, tag, NULL};
	pid_t pid;
	int r;

	snprintf(tag, sizeof(tag), "%s-%lu", s->tag, i);

	switch (s->method) {
	case M_SPAWN:
		/* glibc's posix_spawn uses CLONE_VFORK and returns the exec error itself. */
		r = posix_spawn(&pid, s->binary, NULL, NULL, argv, environ);
		if (r == EAGAIN || r == ENOMEM)
			return -r;
		if (r) {
			s->failed++;
			return 0;
		}
		return pid;
	case M_VFORK:
		pid = vfork();
		if (pid == 0) {
			execve(s->binary, argv, environ);
			_exit(127);
		}
		return pid < 0 ? -errno : pid;
	case M_FORK:
		pid = fork();
		if (pid == 0) {
			execve(s->binary, argv, environ);
			_exit(127);
		}
		return pid < 0 ? -errno : pid;
	}
	return -EINVAL;
}

static int reap_one(struct storm *s)
{
	int status;
	pid_t pid;

	do
		pid = waitpid(-1, &status, 0);
	while (pid < 0 && errno == EINTR);
	if (pid < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		s->failed++;
	return 0;
}

static int run_processes(struct storm *s)
{
	unsigned long started = 0, inflight = 0;
	double t0;
	pid_t pid;
	int r;

	t0 = now_s();
	while (started < s->n || inflight > 0) {
		if (started < s->n && inflight < s->k) {
			pid = start_child(s, started);
			if (pid < 0) {
				/* out of pids or memory: wait for one to finish, then retry */
				if (inflight == 0) {
					fprintf(stderr, "storm: cannot start child %lu: %s\n",
						started, strerror((int)-pid));
					return (int)pid;
				}
			} else {
				if (s->pids)
					s->pids[started] = pid;
				started++;
				if (pid > 0)
					inflight++;
				continue;
			}
		}
		r = reap_one(s);
		if (r < 0) {
			fprintf(stderr, "storm: waitpid: %s\n", strerror(-r));
			return r;
		}
		inflight--;
	}
	s->elapsed_s = now_s() - t0;
	return 0;
}

static void *thread_main(void *arg)
{
	pid_t *slot = arg;

	if (slot)
		*slot = gettid();
	return NULL;
}

/* K threads alive at once: join the oldest before creating the next. */
static int run_threads(struct storm *s)
{
	pthread_t *ring;
	unsigned long created = 0, joined = 0;
	double t0;
	int r;

	ring = calloc(s->k, sizeof(*ring));
	if (!ring)
		return -ENOMEM;

	t0 = now_s();
	while (joined < s->n) {
		if (created < s->n && created - joined < s->k) {
			r = pthread_create(&ring[created % s->k], NULL, thread_main,
					   s->pids ? &s->pids[created] : NULL);
			if (r == 0) {
				created++;
				continue;
			}
			if (created == joined) {
				fprintf(stderr, "storm: pthread_create: %s\n", strerror(r));
				free(ring);
				return -r;
			}
		}
		r = pthread_join(ring[joined % s->k], NULL);
		if (r)
			s->failed++;
		joined++;
	}
	s->elapsed_s = now_s() - t0;
	free(ring);
	return 0;
}

static int parse_args(struct storm *s, int argc, char **argv)
{
	unsigned long v;
	int opt, m;

	while ((opt = getopt(argc, argv, "n:k:b:t:m:p:Tqh")) != -1) {
		switch (opt) {
		case 'n':
			if (parse_ulong(optarg, 1, 100000000, &s->n) < 0)
				goto bad;
			break;
		case 'k':
			if (parse_ulong(optarg, 1, 4096, &v) < 0)
				goto bad;
			s->k = v;
			break;
		case 'b':
			s->binary = optarg;
			break;
		case 't':
			if (!optarg[0] || strlen(optarg) > 200)
				goto bad;
			s->tag = optarg;
			break;
		case 'm':
			for (m = 0; m <= M_SPAWN; m++)
				if (strcmp(optarg, method_names[m]) == 0)
					break;
			if (m > M_SPAWN)
				goto bad;
			s->method = (enum method)m;
			break;
		case 'p':
			s->pidfile = optarg;
			break;
		case 'T':
			s->threads = true;
			break;
		case 'q':
			s->quiet = true;
			break;
		case 'h':
			usage(stdout, argv[0]);
			exit(0);
		default:
			usage(stderr, argv[0]);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		usage(stderr, argv[0]);
		return -EINVAL;
	}
	return 0;
bad:
	fprintf(stderr, "storm: bad value for -%c: '%s'\n", opt, optarg);
	return -EINVAL;
}

static int write_pids(const struct storm *s)
{
	FILE *f;
	unsigned long i;

	f = fopen(s->pidfile, "we");
	if (!f)
		return -errno;
	for (i = 0; i < s->n; i++)
		if (s->pids[i] > 0)
			fprintf(f, "%d\n", (int)s->pids[i]);
	if (fclose(f) != 0)
		return -errno;
	return 0;
}

static int resolve_binary(struct storm *s, char **def)
{
	if (s->threads)
		return 0;
	if (!s->binary) {
		*def = default_binary();
		if (!*def || access(*def, X_OK) < 0) {
			fprintf(stderr, "storm: no true-static next to storm (%s); use -b BINARY\n",
				*def ? *def : "?");
			return -ENOENT;
		}
		s->binary = *def;
	}
	if (access(s->binary, X_OK) < 0) {
		fprintf(stderr, "storm: %s: %s\n", s->binary, strerror(errno));
		return -errno;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct storm s = {.n = 1000, .k = 1, .tag = "ptstorm", .method = M_VFORK};
	char *def = NULL;
	int r, ret = 2;

	if (parse_args(&s, argc, argv) < 0)
		return 2;

	/* an inherited SIG_IGN for SIGCHLD would make waitpid() fail with ECHILD */
	signal(SIGCHLD, SIG_DFL);

	if (resolve_binary(&s, &def) < 0)
		goto out_free;
	if (s.pidfile) {
		s.pids = calloc(s.n, sizeof(*s.pids));
		if (!s.pids) {
			fprintf(stderr, "storm: out of memory\n");
			goto out_free;
		}
	}

	r = s.threads ? run_threads(&s) : run_processes(&s);
	if (r < 0) {
		ret = 1;
		goto out_free;
	}
	if (s.pidfile) {
		r = write_pids(&s);
		if (r < 0) {
			fprintf(stderr, "storm: %s: %s\n", s.pidfile, strerror(-r));
			ret = 1;
			goto out_free;
		}
	}

	printf("{\"n\":%lu,\"k\":%lu,\"elapsed_s\":%.6f,\"rate\":%.1f,\"failed\":%lu}\n", s.n, s.k,
	       s.elapsed_s, s.elapsed_s > 0 ? (double)s.n / s.elapsed_s : 0.0, s.failed);
	if (!s.quiet)
		fprintf(stderr, "storm: %lu %s (%s, %lu in flight) in %.3f s, %lu failed\n", s.n,
			s.threads ? "threads" : "processes",
			s.threads ? "pthread" : method_names[s.method], s.k, s.elapsed_s, s.failed);
	ret = s.failed ? 1 : 0;
out_free:
	free(s.pids);
	free(def);
	return ret;
}
