/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Two monitors of one tier in one process, each opened, run and closed on a
 * thread of its own, must each see every child this process starts: the
 * library keeps no process-wide state that one monitor could take from the
 * other.
 *
 *   helper-two-monitors TIER [N]
 *
 * starts N children (default 5) whose argv holds a tag, each living CHILD_MS,
 * and checks that both monitors delivered an event whose record has that argv:
 * the exec for bpf and netlink, the fork of the already exec'd child for the
 * scanning tiers (inotify and poll find the child after its exec). Exit 0 when
 * both saw all, 77 when the tier cannot run here, 1 otherwise.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <proctrail/proctrail.h>

#define MAXCHILD 32
#define CHILD_MS 400 /* several poll periods: a scanning tier must find the child */
#define WAIT_MS 15000 /* for the events after the children are done; not a measurement */

struct mon {
	int idx;
	enum pt_tier tier;
	struct pt_monitor *m;
	int open_rc;
	atomic_uint seen[MAXCHILD]; /* PT_EVMASK of the events that showed the child's argv */
};

static char tags[MAXCHILD][64];
static int nchild;
static unsigned want; /* the events that count as seeing a child's exec */
static pthread_barrier_t opened, stopped;

static void on_log(int level, const char *msg, void *data)
{
	const struct mon *mo = data;

	fprintf(stderr, "monitor %d: <%d> %s\n", mo->idx, level, msg);
}

static void on_event(const struct pt_event *ev, void *data)
{
	struct mon *mo = data;
	char *j;

	if (ev->type != PT_EV_EXEC && ev->type != PT_EV_FORK)
		return;
	j = pt_json_event(ev, NULL);
	if (!j)
		return;
	for (int i = 0; i < nchild; i++)
		if (strstr(j, tags[i]))
			atomic_fetch_or(&mo->seen[i], PT_EVMASK(ev->type));
	free(j);
}

static void *run(void *arg)
{
	struct mon *mo = arg;
	struct pt_options o;
	int r;

	pt_options_init(&o);
	o.tier = mo->tier;
	o.log = on_log;
	o.log_data = mo;
	o.log_level = PT_LOG_WARNING;
	o.readers = 0; /* the inotify tier: no pinned threads, both monitors share 2 CPUs */
	mo->open_rc = pt_monitor_open(&mo->m, &o);
	if (mo->open_rc == 0)
		mo->open_rc = pt_monitor_subscribe(mo->m, on_event, mo);
	pthread_barrier_wait(&opened);
	if (mo->open_rc == 0) {
		r = pt_monitor_run(mo->m, -1);
		if (r < 0)
			fprintf(stderr, "monitor %d: run: %s\n", mo->idx, strerror(-r));
	}
	/* main stops both monitors, then both close at once */
	pthread_barrier_wait(&stopped);
	if (mo->open_rc == 0)
		pt_monitor_close(mo->m);
	return NULL;
}

static int child(const char *ms)
{
	struct timespec ts = {0, 0};
	long v = atol(ms);

	ts.tv_sec = v / 1000;
	ts.tv_nsec = (v % 1000) * 1000000;
	nanosleep(&ts, NULL);
	return 0;
}

static bool all_seen(struct mon *mons)
{
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < nchild; i++)
			if (!(atomic_load(&mons[k].seen[i]) & want))
				return false;
	return true;
}

int main(int argc, char **argv)
{
	static struct mon mons[2];
	pthread_t th[2];
	enum pt_tier tier;
	char why[512], ms[16];
	pid_t pids[MAXCHILD];
	int r, fails = 0;

	if (argc == 4 && strcmp(argv[1], "--child") == 0)
		return child(argv[3]);
	if (argc < 2 || pt_tier_from_name(argv[1], &tier) < 0) {
		fprintf(stderr, "usage: %s TIER [N]\n", argv[0]);
		return 2;
	}
	nchild = argc > 2 ? atoi(argv[2]) : 5;
	if (nchild < 1 || nchild > MAXCHILD)
		return 2;
	/* the event tiers report the exec itself; the scanning tiers find the child
	 * after its exec and report it as a new process */
	want = PT_EVMASK(PT_EV_EXEC);
	if (tier == PT_TIER_INOTIFY || tier == PT_TIER_POLL)
		want |= PT_EVMASK(PT_EV_FORK);
	r = pt_probe(tier, NULL, why, sizeof(why));
	if (r < 0) {
		printf("SKIP: tier %s cannot run here: %s\n", argv[1], why);
		return 77;
	}
	pthread_barrier_init(&opened, NULL, 3);
	pthread_barrier_init(&stopped, NULL, 3);
	for (int k = 0; k < 2; k++) {
		mons[k].idx = k;
		mons[k].tier = tier;
		if (pthread_create(&th[k], NULL, run, &mons[k]) != 0)
			return 99;
	}
	pthread_barrier_wait(&opened);
	for (int k = 0; k < 2; k++) {
		if (mons[k].open_rc < 0) {
			printf("FAIL: monitor %d did not open the %s tier: %s\n", k, argv[1],
			       strerror(-mons[k].open_rc));
			fails++;
		} else if (pt_monitor_tier(mons[k].m) != tier) {
			printf("FAIL: monitor %d runs %s, not %s\n", k,
			       pt_tier_name(pt_monitor_tier(mons[k].m)), argv[1]);
			fails++;
		}
	}

	snprintf(ms, sizeof(ms), "%d", CHILD_MS);
	for (int i = 0; i < nchild && !fails; i++) {
		snprintf(tags[i], sizeof(tags[i]), "pt2m-%d-%d", (int)getpid(), i);
		pids[i] = fork();
		if (pids[i] == 0) {
			execl("/proc/self/exe", argv[0], "--child", tags[i], ms, (char *)NULL);
			_exit(127);
		}
		if (pids[i] < 0)
			return 99;
	}
	for (int i = 0; i < nchild && !fails; i++)
		waitpid(pids[i], NULL, 0);
	for (int waited = 0; !fails && waited < WAIT_MS && !all_seen(mons); waited += 10)
		usleep(10000);

	for (int k = 0; k < 2; k++)
		if (mons[k].open_rc == 0)
			pt_monitor_stop(mons[k].m);
	pthread_barrier_wait(&stopped);
	for (int k = 0; k < 2; k++)
		pthread_join(th[k], NULL);
	for (int k = 0; k < 2 && !fails; k++)
		for (int i = 0; i < nchild; i++) {
			unsigned got = atomic_load(&mons[k].seen[i]);

			if (got & want) {
				printf("ok: monitor %d saw %s (%s%s)\n", k, tags[i],
				       got & PT_EVMASK(PT_EV_EXEC) ? "exec" : "",
				       got & PT_EVMASK(PT_EV_FORK) ? " fork" : "");
				continue;
			}
			printf("FAIL: monitor %d did not see the exec of %s (events %#x)\n", k,
			       tags[i], got);
			fails++;
		}
	pthread_barrier_destroy(&opened);
	pthread_barrier_destroy(&stopped);
	return fails ? 1 : 0;
}
