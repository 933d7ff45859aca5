/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Least privilege for proctraild: keep the capabilities the tier and its /proc
 * reads need from now on, switch to the configured user keeping them, clear
 * the bounding and ambient sets, set no_new_privs, and say what was kept and
 * why, and what was dropped.
 *
 * What the library needs, verified on this project's kernels (KERNEL-NOTES):
 * - every tier reads /proc/PID/exe, cwd and ns/ links of other users' processes,
 *   which takes ptrace read access: CAP_SYS_PTRACE. stat, status, cmdline,
 *   cgroup and loginuid are world-readable; the library never reads environ,
 *   so CAP_DAC_READ_SEARCH is not needed.
 * - netlink: opening binds the proc connector (CAP_NET_ADMIN before Linux
 *   6.6), forces the receive buffer (SO_RCVBUFFORCE) and starts the SCHED_FIFO
 *   reader (CAP_SYS_NICE). Once open, CAP_NET_ADMIN is still used: the IGNORE
 *   sent on close (before 6.6 the kernel's listener count leaks without it)
 *   and the datagram that wakes the reader at stop. CAP_SYS_NICE is not: the
 *   reader's priority is set when it starts.
 * - bpf: loading and attaching take CAP_BPF + CAP_PERFMON; reading the ring
 *   buffer and its loss counter (mmap'ed) take none, and the side channel for
 *   uid/gid/sid/ptrace/coredump runs only on 6.6+, where no capability is
 *   needed. Once open: only the /proc reads.
 * - inotify, poll: only the /proc reads.
 *
 * Called with PT_TIER_AUTO (the monitor not yet open), the kept set is what
 * opening any tier needs, so that threads the monitor starts inherit no more
 * than that: capabilities belong to each thread, and a drop made after the
 * readers started does not reach them (pd_caps_drop warns about it). A
 * second call with the tier that opened narrows the set; the user switch,
 * done by the first, is not repeated.
 */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>

#if HAVE_LIBCAPNG
#include <cap-ng.h>
#endif
#include <linux/capability.h>

#include "daemon.h"
#include "caps-compat.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

__attribute__((format(printf, 4, 5))) static void say(pt_log_fn log, void *data, int level,
						      const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log(level, msg, data);
}

struct need {
	int cap;
	const char *why;
};

static const struct need proc_read = {
	CAP_SYS_PTRACE, "other users' /proc/PID/exe, cwd and ns/ links (ptrace read access)"};
static const struct need netlink_run = {
	CAP_NET_ADMIN,
	"proc connector: IGNORE on close (Linux < 6.6) and waking the reader at stop"};
static const struct need open_needs[] = {
	{CAP_NET_ADMIN, "netlink: bind the proc connector (Linux < 6.6), SO_RCVBUFFORCE"},
	{CAP_SYS_NICE, "netlink: the SCHED_FIFO exec reader"},
	{CAP_BPF, "bpf: load the programs and create the ring buffer"},
	{CAP_PERFMON, "bpf: attach to the sched tracepoints"},
};

/* What the tier needs from now on (PT_TIER_AUTO: to open any tier). */
static size_t needs(const struct pd_conf *c, enum pt_tier tier, struct need *out)
{
	size_t n = 0;

	out[n++] = proc_read;
	switch (tier) {
	case PT_TIER_AUTO:
		for (size_t i = 0; i < ARRAY_SIZE(open_needs); i++)
			if (open_needs[i].cap != CAP_SYS_NICE || c->realtime != 0)
				out[n++] = open_needs[i];
		break;
	case PT_TIER_NETLINK:
		out[n++] = netlink_run;
		break;
	default:
		break;
	}
	return n;
}

#if HAVE_LIBCAPNG

/* the highest capability the running kernel knows */
static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v >= 0 && v < 64 ? v : CAP_LAST_CAP;
}

static const char *cap_name(int cap, char *buf, size_t len)
{
	const char *n = capng_capability_to_name((unsigned)cap);

	if (n) {
		snprintf(buf, len, "cap_%s", n);
	} else {
		snprintf(buf, len, "cap_%d", cap);
	}
	return buf;
}

static int lookup_user(const char *user, uid_t *uid, gid_t *gid, pt_log_fn log, void *data)
{
	struct passwd pw, *res = NULL;
	char *buf;
	long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
	int r;

	if (sz < 16384)
		sz = 16384;
	buf = malloc((size_t)sz);
	if (!buf)
		return -ENOMEM;
	r = getpwnam_r(user, &pw, buf, (size_t)sz, &res);
	if (r == 0 && !res)
		r = ENOENT;
	if (r) {
		say(log, data, PT_LOG_ERR, "caps: user '%s': %s", user,
		    r == ENOENT ? "no such user" : strerror(r));
		free(buf);
		return -r;
	}
	*uid = pw.pw_uid;
	*gid = pw.pw_gid;
	free(buf);
	return 0;
}

static uint64_t status_field(const char *path, const char *field, int base)
{
	char line[256];
	size_t flen = strlen(field);
	uint64_t v = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			v = strtoull(line + flen + 1, NULL, base);
			break;
		}
	}
	fclose(f);
	return v;
}

/*
 * Capabilities are per thread: a thread started before the drop keeps what it
 * had, or after the user switch lost all of it (setresuid reaches every
 * thread, PR_SET_KEEPCAPS only the caller). Say so for each one. After a user
 * switch the kernel lists only the caller in /proc/self/task: count them from
 * Threads.
 */
static void check_threads(uint64_t kept, uint64_t open_set, bool switched, pt_log_fn log,
			  void *data)
{
	pid_t self = (pid_t)syscall(SYS_gettid);
	uint64_t threads = status_field("/proc/self/status", "Threads", 10);
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	uint64_t seen = 1;

	while (d && (e = readdir(d))) {
		char path[64];
		uint64_t eff;
		long tid = strtol(e->d_name, NULL, 10);

		if (tid <= 0 || tid == self)
			continue;
		seen++;
		snprintf(path, sizeof(path), "/proc/self/task/%ld/status", tid);
		eff = status_field(path, "CapEff", 16);
		/* a reader started after a drop with PT_TIER_AUTO holds the open set */
		if (eff & ~open_set)
			say(log, data, PT_LOG_WARNING,
			    "caps: thread %ld started before the drop and keeps CapEff %016" PRIx64
			    " (capabilities are per thread: drop before the monitor starts)",
			    tid, eff);
		else if (eff & ~kept)
			say(log, data, PT_LOG_NOTICE,
			    "caps: thread %ld keeps CapEff %016" PRIx64
			    " from before the monitor opened (at most what opening it needed)",
			    tid, eff);
		else if ((eff & kept) != kept)
			say(log, data, PT_LOG_WARNING,
			    "caps: thread %ld started before the drop and holds only CapEff "
			    "%016" PRIx64 " of %016" PRIx64,
			    tid, eff, kept);
	}
	if (d)
		closedir(d);
	if (threads > seen)
		say(log, data, PT_LOG_WARNING,
		    "caps: %" PRIu64 " thread(s) started before the drop %s (capabilities are per "
		    "thread: drop before the monitor starts)",
		    threads - seen,
		    switched ? "lost every capability in the user switch" : "were not checked");
}

int pd_caps_drop(const struct pd_conf *c, enum pt_tier tier, pt_log_fn log, void *data)
{
	struct need want[8];
	size_t nwant = needs(c, tier, want);
	struct need open_want[8];
	size_t nopen;
	uint64_t held = 0, kept = 0, eff, bnd, open_set = 0;
	bool bounds, switch_user = false;
	uid_t uid = 0;
	gid_t gid = 0;
	char name[64], dropped[2048];
	const char *bwhat;
	int top = last_cap(), r;
	size_t o = 0;

	if (c->user && c->user[0]) {
		r = lookup_user(c->user, &uid, &gid, log, data);
		if (r < 0)
			return r;
		switch_user = getuid() != uid || geteuid() != uid || getgid() != gid;
	}
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_get_caps_process() < 0) {
		say(log, data, PT_LOG_ERR, "caps: reading this process's capabilities failed");
		return -EIO;
	}
	for (int cap = 0; cap <= top; cap++)
		if (capng_have_capability(CAPNG_PERMITTED, (unsigned)cap))
			held |= 1ull << cap;
	if (switch_user && (!(held & (1ull << CAP_SETUID)) || !(held & (1ull << CAP_SETGID)))) {
		say(log, data, PT_LOG_ERR,
		    "caps: switching to user '%s' needs CAP_SETUID and CAP_SETGID (start as root)",
		    c->user);
		return -EPERM;
	}
	bounds = held & (1ull << CAP_SETPCAP);
	bnd = status_field("/proc/thread-self/status", "CapBnd", 16);

	capng_clear(CAPNG_SELECT_ALL);
	for (size_t i = 0; i < nwant; i++) {
		if (!(held & (1ull << want[i].cap))) {
			say(log, data, PT_LOG_WARNING, "caps: %s not held, not kept: %s",
			    cap_name(want[i].cap, name, sizeof(name)), want[i].why);
			continue;
		}
		kept |= 1ull << want[i].cap;
		capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, want[i].cap, -1);
	}
	if (switch_user) {
		/* keeps the capabilities across setresuid, drops supplementary groups */
		r = capng_change_id((int)uid, (int)gid,
				    CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING |
					    CAPNG_CLEAR_AMBIENT);
		if (r < 0) {
			say(log, data, PT_LOG_ERR,
			    "caps: switching to user '%s' (%u:%u) failed (%d)", c->user,
			    (unsigned)uid, (unsigned)gid, r);
			return -EPERM;
		}
	} else {
		/* clearing the bounding set takes CAP_SETPCAP, which is then dropped */
		r = capng_apply(bounds ? CAPNG_SELECT_ALL : CAPNG_SELECT_CAPS);
		if (r == 0 && !bounds)
			r = capng_apply(CAPNG_SELECT_AMBIENT);
		if (r < 0) {
			say(log, data, PT_LOG_ERR, "caps: applying the capability sets failed (%d)",
			    r);
			return -EPERM;
		}
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		r = -errno;
		say(log, data, PT_LOG_ERR, "caps: no_new_privs: %s", strerror(-r));
		return r;
	}

	/* what the kernel now says, not what we asked for */
	eff = status_field("/proc/thread-self/status", "CapEff", 16);
	for (size_t i = 0; i < nwant; i++)
		if (kept & (1ull << want[i].cap))
			say(log, data, PT_LOG_NOTICE, "caps: kept %s: %s",
			    cap_name(want[i].cap, name, sizeof(name)), want[i].why);
	dropped[0] = '\0';
	for (int cap = 0; cap <= top; cap++) {
		if (!(held & (1ull << cap)) || (kept & (1ull << cap)))
			continue;
		if (o < sizeof(dropped))
			o += (size_t)snprintf(dropped + o, sizeof(dropped) - o, "%s%s",
					      o ? " " : "", cap_name(cap, name, sizeof(name)));
	}
	if (switch_user || bounds)
		bwhat = "cleared";
	else if ((bnd & ~kept) == 0)
		bwhat = "already within the kept set";
	else
		bwhat = "left (needs CAP_SETPCAP)";
	say(log, data, PT_LOG_NOTICE, "caps: dropped %s; bounding set %s, no_new_privs set%s%s",
	    dropped[0] ? dropped : "nothing (none held beyond those kept)", bwhat,
	    switch_user ? ", running as user " : "", switch_user ? c->user : "");
	if (eff != kept) {
		say(log, data, PT_LOG_ERR, "caps: CapEff is %016" PRIx64 ", expected %016" PRIx64,
		    eff, kept);
		return -EPERM;
	}
	nopen = needs(c, PT_TIER_AUTO, open_want);
	for (size_t i = 0; i < nopen; i++)
		open_set |= 1ull << open_want[i].cap;
	check_threads(kept, open_set | kept, switch_user, log, data);
	return 0;
}

#else

int pd_caps_drop(const struct pd_conf *c, enum pt_tier tier, pt_log_fn log, void *data)
{
	struct need want[8];
	size_t n = needs(c, tier, want);

	if (c->user && c->user[0]) {
		say(log, data, PT_LOG_ERR,
		    "caps: user = %s needs proctraild built with libcap-ng (to keep the %zu "
		    "capabilities the %s tier needs across the switch)",
		    c->user, n, pt_tier_name(tier));
		return -ENOTSUP;
	}
	say(log, data, PT_LOG_NOTICE,
	    "caps: built without libcap-ng: no capability dropped, the process keeps all it "
	    "was started with");
	return 0;
}

#endif
