/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * probe: what the capabilities this process holds buy on each tier, and the
 * one command that would give full fidelity. See proctrail(1), PRIVILEGES.
 *
 * What buys what (the same list is in daemon-caps.c, which keeps them):
 * - CAP_NET_ADMIN: binding the proc connector. Linux 6.6 and later may let
 *   anyone listen, but a kernel can refuse (6.18 here): the netlink probe's
 *   EPERM says which. The bpf tier's uid, gid, sid, ptrace and coredump
 *   events come from the same connector.
 * - CAP_SYS_NICE: the netlink tier's SCHED_FIFO reader, which preempts a
 *   short-lived process on any CPU (so does an RLIMIT_RTPRIO of at least 10).
 * - CAP_SYS_PTRACE: /proc/PID/exe and cwd of other users' processes, on every tier.
 * - CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN): loading and attaching the bpf tier.
 *
 * File capabilities replace the file's whole set: the command always names
 * every capability full fidelity needs, not only the missing ones.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "cli.h"
#include "caps-compat.h"

#define BIT(c) (UINT64_C(1) << (c))
#define RT_PRIORITY 10 /* the netlink reader's (source-netlink.c) */

static const struct {
	int cap;
	const char *name, *tiers, *buys;
} caps[] = {
	{CAP_NET_ADMIN, "cap_net_admin", "netlink,bpf",
	 "binding the proc connector (Linux < 6.6, and kernels that refuse unprivileged "
	 "listeners); bpf: uid, gid, sid, ptrace and coredump events"},
	{CAP_SYS_PTRACE, "cap_sys_ptrace", "all", "exe and cwd of other users' processes"},
	{CAP_SYS_NICE, "cap_sys_nice", "netlink",
	 "a SCHED_FIFO reader: the best argv capture of short-lived processes"},
	{CAP_BPF, "cap_bpf", "bpf", "loading the programs (with cap_perfmon)"},
	{CAP_PERFMON, "cap_perfmon", "bpf", "attaching to the tracepoints (with cap_bpf)"},
};

#define NCAPS (sizeof(caps) / sizeof(caps[0]))

size_t cli_privs_ncaps(void)
{
	return NCAPS;
}

bool cli_privs_cap(const struct cli_privs *p, size_t i, const char **name, const char **tiers,
		   const char **buys)
{
	*name = caps[i].name;
	*tiers = caps[i].tiers;
	*buys = caps[i].buys;
	return (p->eff & BIT(caps[i].cap)) != 0;
}

/* s as one shell word a terminal cannot be driven by (cli_quote_arg), in out. */
static void shell_word(char *out, size_t len, const char *s)
{
	FILE *f = fmemopen(out, len, "w");

	out[0] = '\0';
	if (!f)
		return;
	setbuf(f, NULL);
	cli_quote_arg(f, s, strlen(s));
	fclose(f);
}

/* The capabilities of the one command, in its order, and their names. */
static void cap_list(uint64_t set, bool upper, const char *sep, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < NCAPS; i++) {
		if (!(set & BIT(caps[i].cap)))
			continue;
		for (const char *c = n ? sep : ""; *c && n + 1 < len; c++)
			out[n++] = *c;
		for (const char *c = caps[i].name; *c && n + 1 < len; c++)
			out[n++] =
				upper ? (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c) : *c;
		out[n] = '\0';
	}
}

static void setcap_line(const struct cli_privs *p, uint64_t set, char *out, size_t len)
{
	char list[128];

	cap_list(set, false, ",", list, sizeof(list));
	snprintf(out, len, "%ssetcap %s+ep %s", p->sudo ? "sudo " : "", list, p->path);
}

void cli_privs_init(struct cli_privs *p, const struct cli_privs_in *in)
{
	const char *exe = in->exe;
	const char *slash = exe ? strrchr(exe, '/') : NULL;
	char installed[4096];
	bool ptrace;

	memset(p, 0, sizeof(*p));
	memcpy(p->probe, in->probe, sizeof(p->probe));
	memcpy(p->missing, in->missing, sizeof(p->missing));
	p->eff = in->eff;
	p->fifo = in->fifo || (in->eff & BIT(CAP_SYS_NICE));
	p->sudo = in->euid != 0;
	/* a libtool build tree runs .libs/lt-proctrail or .libs/proctrail */
	p->build_tree = slash && slash - exe >= 6 && strncmp(slash - 6, "/.libs", 6) == 0;
	if (!exe || !*exe || p->build_tree) {
		snprintf(installed, sizeof(installed), "%s/proctrail", in->bindir);
		exe = installed;
	}
	shell_word(p->path, sizeof(p->path), exe);

	/* CAP_NET_ADMIN unless the connector let this process in without it */
	p->full_caps = BIT(CAP_SYS_PTRACE) | BIT(CAP_SYS_NICE);
	if ((in->eff & BIT(CAP_NET_ADMIN)) || p->probe[PT_TIER_NETLINK] != 0)
		p->full_caps |= BIT(CAP_NET_ADMIN);
	ptrace = in->eff & BIT(CAP_SYS_PTRACE);
	p->full = (p->probe[PT_TIER_NETLINK] == 0 && p->fifo && ptrace) ||
		(p->probe[PT_TIER_BPF] == 0 && ptrace &&
		 !(p->missing[PT_TIER_BPF] & PT_EVMASK(PT_EV_UID)));
	/* a capability opens the netlink tier only when it failed for want of one */
	p->fixable =
		!p->full && (p->probe[PT_TIER_NETLINK] == 0 || p->probe[PT_TIER_NETLINK] == -EPERM);
	setcap_line(p, p->full_caps, p->setcap, sizeof(p->setcap));
	snprintf(p->unit, sizeof(p->unit), "AmbientCapabilities=");
	cap_list(p->full_caps, true, " ", p->unit + strlen(p->unit),
		 sizeof(p->unit) - strlen(p->unit));
}

int cli_privs_read(struct cli_privs *p, const int probe[PT_TIER_COUNT],
		   const unsigned missing[PT_TIER_COUNT])
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {0};
	struct cli_privs_in in = {.bindir = BINDIR, .euid = geteuid()};
	char exe[4096];
	struct rlimit rl;
	ssize_t n;
	int r = 0;

	if (syscall(SYS_capget, &h, d) == 0)
		in.eff = (uint64_t)d[1].effective << 32 | d[0].effective;
	else
		r = -errno;
	in.fifo = getrlimit(RLIMIT_RTPRIO, &rl) == 0 &&
		(rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= RT_PRIORITY);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	in.exe = exe;
	memcpy(in.probe, probe, sizeof(in.probe));
	memcpy(in.missing, missing, sizeof(in.missing));
	cli_privs_init(p, &in);
	return r;
}

const char *cli_fid_name(enum cli_fid f)
{
	return f == CLI_FID_FULL ? "full" : f == CLI_FID_PARTIAL ? "partial" : "none";
}

void cli_privs_tier(const struct cli_privs *p, enum pt_tier t, struct cli_fidelity *f)
{
	bool ptrace = p->eff & BIT(CAP_SYS_PTRACE);
	bool runs = p->probe[t] == 0;
	const char *exe = ptrace ? "exe and cwd of every process"
				 : "exe and cwd of this user's processes only (no cap_sys_ptrace)";
	uint64_t want = p->full_caps;

	memset(f, 0, sizeof(*f));
	f->level = CLI_FID_PARTIAL;
	switch (t) {
	case PT_TIER_BPF: {
		bool side = !(p->missing[t] & PT_EVMASK(PT_EV_UID));

		want |= BIT(CAP_BPF) | BIT(CAP_PERFMON);
		snprintf(f->detail, sizeof(f->detail),
			 "argv read in the kernel, however short-lived; %s%s", exe,
			 side ? "" : "; no uid, gid, sid, ptrace or coredump events");
		if (ptrace && side)
			f->level = CLI_FID_FULL;
		/* not for a kernel or build that cannot: only for want of a capability */
		if (runs ? f->level != CLI_FID_FULL : p->probe[t] == -EPERM)
			setcap_line(p, want, f->raise, sizeof(f->raise));
		break;
	}
	case PT_TIER_NETLINK:
		snprintf(f->detail, sizeof(f->detail), "%s; %s",
			 p->fifo ? "argv by a SCHED_FIFO reader, the best capture of short-lived "
				   "processes"
				 : "argv by pinned readers at normal priority (no cap_sys_nice): "
				   "some "
				   "short-lived processes' argv is lost on a busy host",
			 exe);
		if (p->fifo && ptrace)
			f->level = CLI_FID_FULL;
		if (runs ? f->level != CLI_FID_FULL : p->probe[t] == -EPERM)
			setcap_line(p, want, f->raise, sizeof(f->raise));
		break;
	case PT_TIER_INOTIFY:
	case PT_TIER_POLL:
	default:
		snprintf(f->detail, sizeof(f->detail), "%s; %s",
			 t == PT_TIER_INOTIFY
				 ? "misses processes that neither load a file from a "
				   "watched directory nor live until a scan"
				 : "misses processes that live shorter than the interval",
			 exe);
		/* no capability catches short-lived processes on these tiers */
		if (p->fixable)
			snprintf(
				f->raise, sizeof(f->raise),
				"the netlink tier catches short-lived processes; full fidelity: %s",
				p->setcap);
		else if (!ptrace)
			setcap_line(p, BIT(CAP_SYS_PTRACE), f->raise, sizeof(f->raise));
		break;
	}
	if (!runs) {
		f->level = CLI_FID_NONE;
		snprintf(f->detail, sizeof(f->detail), "cannot run");
	}
}
