/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd_caps_drop in a process of its own, for tests/integration/daemon-caps.sh:
 *   pd-caps-test TIER[+TIER] [USER [REALTIME]] [--thread|--reader]
 * prints the log lines on stderr, then the kernel's view of this thread on
 * stdout (CapEff, CapPrm, CapInh, CapBnd, CapAmb, NoNewPrivs, Uid, Gid,
 * Groups from /proc/thread-self/status) and `ret: N`.
 * --thread starts a thread before the drop, as a monitor's reader would be.
 * TIER+TIER calls pd_caps_drop twice, as proctraild does around opening the
 * monitor (auto+netlink); --reader starts a thread between the two calls,
 * --open opens a monitor of the second tier there (`open: ERR TIER`) and
 * runs it for a moment after the second call (`run: N`).
 * With PD_CAPS_READLINK=PID, also `exe: ok` or `exe: ERROR` for readlink of
 * /proc/PID/exe after the drop (ptrace read access kept or not).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

static void log_stderr(int level, const char *msg, void *data)
{
	fprintf(stderr, "<%d>%s\n", level, msg);
}

static void *idle(void *arg)
{
	/* pause() returns after glibc's setxid signal, which the user switch sends */
	for (;;)
		pause();
	return arg;
}

int main(int argc, char **argv)
{
	static const char *const fields[] = {"CapEff",	   "CapPrm", "CapInh", "CapBnd", "CapAmb",
					     "NoNewPrivs", "Uid",    "Gid",    "Groups"};
	struct pt_monitor *m = NULL;
	struct pd_conf c;
	enum pt_tier tier;
	pthread_t t;
	char line[512];
	FILE *f;
	int ret;

	char *second = argc > 1 ? strchr(argv[1], '+') : NULL;
	const char *flag = argv[argc - 1];
	enum pt_tier tier2 = PT_TIER_AUTO;

	if (second)
		*second++ = '\0';
	if (argc < 2 || pt_tier_from_name(argv[1], &tier) < 0 ||
	    (second && pt_tier_from_name(second, &tier2) < 0)) {
		fprintf(stderr, "usage: %s TIER[+TIER] [USER [REALTIME]] [--thread|--reader]\n",
			argv[0]);
		return 2;
	}
	pd_conf_init(&c);
	if (argc > 2 && strncmp(argv[2], "--", 2) && argv[2][0])
		c.user = strdup(argv[2]);
	if (argc > 3 && strncmp(argv[3], "--", 2))
		c.realtime = atoi(argv[3]);
	if (!strcmp(flag, "--thread") && pthread_create(&t, NULL, idle, NULL))
		return 2;
	ret = pd_caps_drop(&c, tier, log_stderr, NULL);
	if (second && ret == 0) {
		if (!strcmp(flag, "--reader") && pthread_create(&t, NULL, idle, NULL))
			return 2;
		if (!strcmp(flag, "--open")) {
			struct pt_options o;
			int r;

			pt_options_init(&o);
			o.tier = tier2;
			o.realtime = c.realtime;
			o.log = log_stderr;
			o.log_level = PT_LOG_INFO;
			r = pt_monitor_open(&m, &o);
			printf("open: %d %s\n", r, m ? pt_tier_name(pt_monitor_tier(m)) : "-");
		}
		ret = pd_caps_drop(&c, tier2, log_stderr, NULL);
	}
	f = fopen("/proc/thread-self/status", "re");
	while (f && fgets(line, sizeof(line), f))
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (!strncmp(line, fields[i], strlen(fields[i])) &&
			    line[strlen(fields[i])] == ':')
				fputs(line, stdout);
	if (f)
		fclose(f);
	printf("ret: %d\n", ret);
	if (m) {
		printf("run: %d\n", pt_monitor_run(m, 200));
		pt_monitor_close(m);
	}
	if (getenv("PD_CAPS_READLINK")) {
		char path[64], target[4096];

		snprintf(path, sizeof(path), "/proc/%s/exe", getenv("PD_CAPS_READLINK"));
		printf("exe: %s\n",
		       readlink(path, target, sizeof(target)) < 0 ? strerror(errno) : "ok");
	}
	pd_conf_free(&c);
	return 0;
}
