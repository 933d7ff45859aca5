/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The BPF tier: bpf/proctrail.bpf.c at sched_process_{fork,exec,exit}, read
 * in kernel (argv, exe, creds, namespaces) and sent through a ring buffer.
 *
 * The skeleton holds each program twice, tp_btf and raw_tp; we autoload the
 * tp_btf set when the kernel has BTF in sysfs, else the raw_tp set (which
 * still needs BTF from somewhere for CO-RE: libbpf looks in /boot and
 * /usr/lib/debug, or PROCTRAIL_BPF_BTF names a file).
 *
 * Beyond fork, exec and exit (the netlink tier's other events, and failed
 * execs):
 *  - comm: task_rename (tp_btf or raw_tp), in the ring buffer, so a rename
 *    is always handled before the exit that follows it;
 *  - uid, gid, sid, ptrace, coredump: no tracepoint exists, and fentry or
 *    kprobes on the connector's hooks are not available on every kernel (not
 *    on the one this was built on), so a proc connector socket filtered to
 *    these five runs beside the ring buffer (bpf-connector.c): the very
 *    events the netlink tier gets, and nothing on fork/exec/exit storms;
 *  - exec_failed: syscalls/sys_exit_execve{,at} tracepoints (need tracefs and
 *    kernel BTF), loaded only when asked for: enabling a syscall tracepoint
 *    sends every syscall of every task through the tracing slow path.
 * Whatever could not be set up is reported per event type
 * (pt_monitor_event_gaps()), never silently absent.
 *
 * For testing: PROCTRAIL_BPF_ATTACH=tp_btf|raw_tp forces the attach type;
 * PROCTRAIL_BPF_GROUP_DEAD=0 ignores sched_process_exit's group_dead (6.16+)
 * and uses the signal->live test of older kernels.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#if HAVE_BPF

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <sys/epoll.h>

#include "../../bpf/proctrail-event.h"
#include "container.h"
#include "linux/cn_proc_compat.h"
#include "netlink-decode.h"
#include "bpf-connector.h"
#include "proctrail.skel.h"
#include "caps-compat.h"

#define DEFAULT_RING (8u << 20)
#define MAX_RING (1u << 30)
#define PROBE_RING (64u << 10)
#define DISPATCH_BUDGET 4096 /* records per dispatch call */
#define LOG_KEEP 16384 /* bytes of libbpf log kept to explain a failure */
#define BTF_SYSFS "/sys/kernel/btf/vmlinux"
#define STOP_BUDGET (-ECANCELED)
/*
 * A ring buffer wakeup costs the traced task ~10 us on this KVM guest (an
 * irq_work self-IPI) and us a context switch. While records flow we look at
 * the ring every LOOK_MS on a timer and tell the programs (reader_idle = 0)
 * they need not wake us; after a look that finds nothing we say we are idle
 * and sleep until the next record wakes us. Events are seen within ~LOOK_MS.
 */
#define LOOK_MS 10

#define GAP_WHY 200
/* the events the proc connector side channel gives */
#define CN_EVENTS                                                             \
	(PT_EVMASK(PT_EV_UID) | PT_EVMASK(PT_EV_GID) | PT_EVMASK(PT_EV_SID) | \
	 PT_EVMASK(PT_EV_PTRACE) | PT_EVMASK(PT_EV_COREDUMP))
#define CN_MASK                                                                             \
	(PT_PROC_EVENT_UID | PT_PROC_EVENT_GID | PT_PROC_EVENT_SID | PT_PROC_EVENT_PTRACE | \
	 PT_PROC_EVENT_COREDUMP)
#define TRACEFS_EXEC "events/syscalls/sys_exit_execve"
#define SIDE_Q 64

struct bpf_source {
	struct pt_monitor *m;
	struct proctrail_bpf *skel;
	struct bpf_link *links[16];
	unsigned nlinks;
	struct pt_cn_side cn;
	uint64_t cn_lost, cn_lost_told;
	/* side channel events waiting for the ring buffer's older records */
	struct side_q {
		struct pt_raw raw;
		uint64_t ns;
	} q[SIDE_Q];
	unsigned q_head, q_n;
	int epfd; /* the ring buffer's epoll fd and the side channel's socket */
	struct pt_event_gaps gaps;
	char why[PT_EV_MAX][GAP_WHY]; /* storage for gaps.why */
	struct ring_buffer *rb;
	uint64_t lost_total;
	unsigned handled;
	int64_t tick_at_us; /* CLOCK_MONOTONIC; 0: nothing can be waiting unannounced */
	int64_t boot_us; /* wall clock of the boot, for start ticks */
	struct pt_bpf_exits exits;
	/* cgroup ids -> v2 paths; NULL without a cgroup2 mount */
	struct pt_cgid *cgid;
	uint64_t cgid_scans; /* walks already looked at for unmapped cgroups */
	bool cgid_warned;
};

struct load_cfg {
	bool tp_btf;
	uint32_t ring;
	uint32_t argv_max;
	bool group_dead;
	unsigned extras; /* bit i: load extra program i */
};

/* The programs beyond fork/exec/exit. */
enum { X_RENAME_BTF, X_RENAME_RAW, X_EXEC, X_EXECAT, NEXTRA };
static const unsigned extra_ev[NEXTRA] = {
	PT_EVMASK(PT_EV_COMM),
	PT_EVMASK(PT_EV_COMM),
	PT_EVMASK(PT_EV_EXEC_FAILED),
	PT_EVMASK(PT_EV_EXEC_FAILED),
};

static struct bpf_program *extra_prog(struct proctrail_bpf *skel, unsigned i)
{
	struct bpf_program *progs[NEXTRA] = {
		[X_RENAME_BTF] = skel->progs.btf_rename,
		[X_RENAME_RAW] = skel->progs.raw_rename,
		[X_EXEC] = skel->progs.tp_exec_ret,
		[X_EXECAT] = skel->progs.tp_execat_ret,
	};

	return progs[i];
}

/*
 * ---- libbpf's log ----
 * libbpf_set_print() is process-wide and its function gets no user data, while
 * monitors may run on several threads. We install ours once, and around the
 * libbpf calls made for a monitor a thread-local context says where that
 * thread's messages go. Messages of libbpf calls that are not ours (the
 * embedder's own) go to the function that was installed before ours.
 */
struct lb_ctx {
	const struct pt_monitor *m; /* where messages go as debug lines; NULL: nowhere */
	char *keep; /* the tail of the log while loading, to explain a failure */
	size_t keep_len;
};

static pthread_once_t lb_once = PTHREAD_ONCE_INIT;
static libbpf_print_fn_t lb_prev; /* written once, under lb_once */
static _Thread_local struct lb_ctx *lb_cur;

static void keep_add(struct lb_ctx *c, const char *s, size_t n)
{
	if (n >= LOG_KEEP) {
		s += n - (LOG_KEEP - 1);
		n = LOG_KEEP - 1;
	}
	if (c->keep_len + n >= LOG_KEEP) {
		size_t drop = c->keep_len + n - (LOG_KEEP - 1);

		memmove(c->keep, c->keep + drop, c->keep_len - drop);
		c->keep_len -= drop;
	}
	memcpy(c->keep + c->keep_len, s, n);
	c->keep_len += n;
	c->keep[c->keep_len] = '\0';
}

static int lb_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	struct lb_ctx *c = lb_cur;
	char small[512], *msg = small;
	va_list aq;
	int n;

	if (!c)
		return lb_prev ? lb_prev(level, fmt, ap) : 0;
	if (level == LIBBPF_DEBUG && !c->keep)
		return 0;
	va_copy(aq, ap);
	n = vsnprintf(small, sizeof(small), fmt, aq);
	va_end(aq);
	if (n < 0)
		return 0;
	/* a verifier log arrives as one message; its last lines matter */
	if ((size_t)n >= sizeof(small) && c->keep) {
		msg = malloc((size_t)n + 1);
		if (msg)
			vsnprintf(msg, (size_t)n + 1, fmt, ap);
		else
			msg = small;
	}
	if (c->keep)
		keep_add(c, msg, strlen(msg));
	if (c->m && level != LIBBPF_DEBUG) {
		const char *l = strncmp(msg, "libbpf: ", 8) == 0 ? msg + 8 : msg;

		pt_log(c->m, PT_LOG_DEBUG, "libbpf: %.*s", (int)strcspn(l, "\n"), l);
	}
	if (msg != small)
		free(msg);
	return 0;
}

static void lb_install(void)
{
	lb_prev = libbpf_set_print(lb_print);
}

/* Route this thread's libbpf messages to c until lb_leave() with the result. */
static struct lb_ctx *lb_enter(struct lb_ctx *c)
{
	struct lb_ctx *prev = lb_cur;

	pthread_once(&lb_once, lb_install);
	lb_cur = c;
	return prev;
}

static void lb_leave(struct lb_ctx *prev)
{
	lb_cur = prev;
}

int pt_bpf_log_to(const struct pt_monitor *m, int (*fn)(void *arg), void *arg)
{
	struct lb_ctx lc = {.m = m}, *prev = lb_enter(&lc);
	int r = fn(arg);

	lb_leave(prev);
	return r;
}

/* Unloaded by dlclose(): give libbpf back its function if ours is still there. */
__attribute__((destructor)) static void lb_uninstall(void)
{
	libbpf_print_fn_t cur;

	if (!lb_prev)
		return;
	cur = libbpf_set_print(lb_prev);
	if (cur != lb_print)
		libbpf_set_print(cur);
}

/* ---- what this host allows ---- */

static int read_sysctl(const char *name)
{
	long v;

	return pt_procfs_sysctl(NULL, name, &v) == 0 && v >= INT_MIN && v <= INT_MAX ? (int)v : -1;
}

/* Tracing programs need CAP_BPF + CAP_PERFMON (5.8+), or CAP_SYS_ADMIN. */
static int check_caps(char *why, size_t len)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {0};
	bool bpf, perfmon;

	if (syscall(SYS_capget, &h, d) < 0)
		return 0; /* cannot tell: let the load decide */
#define HAS(c) ((d[(c) >> 5].effective & (1u << ((c)&31))) != 0)
	if (HAS(CAP_SYS_ADMIN))
		return 0;
	bpf = HAS(CAP_BPF);
	perfmon = HAS(CAP_PERFMON);
#undef HAS
	if (bpf && perfmon)
		return 0;
	snprintf(why, len,
		 "missing %s%s%s in the effective set (needs CAP_BPF and CAP_PERFMON, or "
		 "CAP_SYS_ADMIN; kernel.unprivileged_bpf_disabled=%d)",
		 bpf ? "" : "CAP_BPF", !bpf && !perfmon ? " and " : "",
		 perfmon ? "" : "CAP_PERFMON", read_sysctl("kernel/unprivileged_bpf_disabled"));
	return -EPERM;
}

static bool use_tp_btf(void)
{
	const char *force = getenv("PROCTRAIL_BPF_ATTACH");

	if (force && strcmp(force, "raw_tp") == 0)
		return false;
	if (force && strcmp(force, "tp_btf") == 0)
		return true;
	return access(BTF_SYSFS, R_OK) == 0;
}

/* sched_process_exit(p, group_dead) since 6.16; before, (p) only. */
static bool exit_has_group_dead(void)
{
	const char *force = getenv("PROCTRAIL_BPF_GROUP_DEAD");
	const struct btf_type *t;
	struct btf *btf;
	bool r = false;
	int id;

	if (force && strcmp(force, "0") == 0)
		return false;
	btf = btf__load_vmlinux_btf();
	if (!btf)
		return false;
	id = btf__find_by_name_kind(btf, "btf_trace_sched_process_exit", BTF_KIND_TYPEDEF);
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	if (t)
		t = btf__type_by_id(btf, t->type);
	if (t && btf_is_ptr(t))
		t = btf__type_by_id(btf, t->type);
	if (t && btf_is_func_proto(t))
		r = btf_vlen(t) >= 3;
	btf__free(btf);
	return r;
}

/*
 * 1 when the kernel has BPF_MAP_TYPE_RINGBUF (5.8+), 0 when not, -errno when
 * it cannot tell (libbpf_probe_bpf_map_type() reads EPERM as "no").
 */
static int ringbuf_supported(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, NULL, 0, 0, 4096, NULL);

	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return errno == EINVAL ? 0 : -errno;
}

static uint32_t ring_bytes(size_t want)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t r = page > 0 ? page : 4096;

	if (!want)
		want = DEFAULT_RING;
	if (want > MAX_RING)
		want = MAX_RING;
	while (r < want)
		r <<= 1;
	return (uint32_t)r;
}

static uint32_t argv_bytes(size_t want)
{
	if (!want || want > PT_BPF_ARGV_CAP)
		return PT_BPF_ARGV_CAP;
	return (uint32_t)want;
}

/* ---- what the tier cannot deliver ---- */

static void gap(struct pt_event_gaps *g, unsigned mask, const char *why)
{
	for (unsigned t = 0; t < PT_EV_COUNT; t++)
		if ((mask & PT_EVMASK(t)) && !(g->missing & PT_EVMASK(t))) {
			g->missing |= PT_EVMASK(t);
			g->why[t] = why;
		}
}

/* A reason of our own for the events of mask, kept in s. */
static void gapf(struct bpf_source *s, unsigned mask, const char *fmt, ...) PT_PRINTF(3, 4);
static void gapf(struct bpf_source *s, unsigned mask, const char *fmt, ...)
{
	unsigned t;
	va_list ap;

	for (t = 0; t < PT_EV_COUNT; t++)
		if ((mask & PT_EVMASK(t)) && !(s->gaps.missing & PT_EVMASK(t)))
			break;
	if (t == PT_EV_COUNT)
		return;
	va_start(ap, fmt);
	vsnprintf(s->why[t], GAP_WHY, fmt, ap);
	va_end(ap);
	gap(&s->gaps, mask, s->why[t]);
}

static const char no_btf_why[] =
	"needs kernel BTF (" BTF_SYSFS ") for bpf_task_pt_regs(): the tier runs raw_tp";
static const char no_rename_why[] = "the kernel's BTF has no task_rename tracepoint";
static const char no_tracefs_why[] =
	"no syscalls/sys_exit_execve tracepoint: tracefs not mounted (mount -t tracefs nodev "
	"/sys/kernel/tracing) or a kernel without CONFIG_FTRACE_SYSCALLS";
#if defined(__x86_64__) || defined(__aarch64__)
static const char *const no_arch_why = NULL;
#else
static const char *const no_arch_why =
	"the tier does not know this architecture's syscall registers";
#endif

static bool btf_has(const struct btf *btf, const char *name, int kind)
{
	return btf && btf__find_by_name_kind(btf, name, kind) > 0;
}

/* Where libbpf finds tracepoints, as it looks. */
static bool tracefs_has(const char *event)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/kernel/tracing/%s", event);
	if (access(path, F_OK) == 0)
		return true;
	snprintf(path, sizeof(path), "/sys/kernel/debug/tracing/%s", event);
	return access(path, F_OK) == 0;
}

/* Which extra programs to load (bits of X_*); what cannot be is added to g. */
static unsigned choose_extras(const struct pt_options *o, bool tp_btf, struct pt_event_gaps *g)
{
	unsigned want = 0;
	struct btf *btf = tp_btf ? btf__load_vmlinux_btf() : NULL;

	if (!tp_btf)
		want |= 1u << X_RENAME_RAW; /* attaching it tells */
	else if (btf_has(btf, "btf_trace_task_rename", BTF_KIND_TYPEDEF))
		want |= 1u << X_RENAME_BTF;
	else
		gap(g, PT_EVMASK(PT_EV_COMM), no_rename_why);
	if (o->events & PT_EVMASK(PT_EV_EXEC_FAILED)) {
		if (!tp_btf)
			gap(g, PT_EVMASK(PT_EV_EXEC_FAILED), no_btf_why);
		else if (no_arch_why)
			gap(g, PT_EVMASK(PT_EV_EXEC_FAILED), no_arch_why);
		else if (!tracefs_has(TRACEFS_EXEC))
			gap(g, PT_EVMASK(PT_EV_EXEC_FAILED), no_tracefs_why);
		else
			want |= 1u << X_EXEC |
				(tracefs_has(TRACEFS_EXEC "at") ? 1u << X_EXECAT : 0);
	}
	btf__free(btf);
	return want;
}

static void bpf_gaps(const struct pt_options *o, void *priv, struct pt_event_gaps *g)
{
	static _Thread_local char cn_why[GAP_WHY];
	struct bpf_source *s = priv;
	struct pt_cn_side cn;

	if (s) {
		*g = s->gaps;
		return;
	}
	choose_extras(o, use_tp_btf(), g);
	/* the side channel: try it (a socket and one ACK) */
	if (pt_cn_side_open(&cn, CN_MASK, cn_why, sizeof(cn_why)) < 0)
		gap(g, CN_EVENTS, cn_why);
	else
		pt_cn_side_close(&cn);
}

/* After a failed load: the reason a person can act on. */
static void explain(int err, const char *log, bool tp_btf, char *why, size_t len)
{
	char line[256];

	pt_bpf_log_reason(log, line, sizeof(line));
	if (strstr(log, "-- END PROG LOAD LOG --")) {
		snprintf(why, len, "verifier rejected the program: %s", line);
		return;
	}
	if (ringbuf_supported() == 0) {
		snprintf(why, len, "BPF ring buffer unsupported (kernel < 5.8)");
		return;
	}
	if (strstr(log, "failed to parse target BTF") && getenv("PROCTRAIL_BPF_BTF")) {
		snprintf(why, len, "cannot use PROCTRAIL_BPF_BTF=%s: %s",
			 getenv("PROCTRAIL_BPF_BTF"), line);
		return;
	}
	if (strstr(log, "failed to find valid kernel BTF") ||
	    strstr(log, "Error loading vmlinux BTF") || strstr(log, "vmlinux BTF is not found")) {
		snprintf(why, len,
			 "no kernel BTF (%s %s, none in /boot or /usr/lib/debug; "
			 "PROCTRAIL_BPF_BTF may name one): CO-RE cannot relocate: %s",
			 BTF_SYSFS, access(BTF_SYSFS, F_OK) == 0 ? "unreadable" : "absent", line);
		return;
	}
	if (err == -EPERM || err == -EACCES) {
		snprintf(why, len,
			 "bpf() denied (%s): CAP_BPF and CAP_PERFMON must be held in the "
			 "initial user namespace%s%s",
			 strerror(-err), line[0] ? ": " : "", line);
		return;
	}
	snprintf(why, len, "loading the %s programs failed (%s)%s%s", tp_btf ? "tp_btf" : "raw_tp",
		 strerror(-err), line[0] ? ": " : "", line);
}

static int skel_load(struct proctrail_bpf **out, const struct load_cfg *c, char *why, size_t len)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = getenv("PROCTRAIL_BPF_BTF"));
	struct proctrail_bpf *skel;
	char *log = malloc(LOG_KEEP);
	struct lb_ctx lc = {.m = lb_cur ? lb_cur->m : NULL, .keep = log}, *lprev;
	int ncpu, r;

	*out = NULL;
	if (!log)
		return -ENOMEM;
	log[0] = '\0';
	lprev = lb_enter(&lc);
	skel = proctrail_bpf__open_opts(&opts);
	if (!skel) {
		r = -errno;
		snprintf(why, len, "cannot open the BPF object: %s", strerror(-r));
		goto out;
	}
	bpf_program__set_autoload(skel->progs.btf_fork, c->tp_btf);
	bpf_program__set_autoload(skel->progs.btf_exec, c->tp_btf);
	bpf_program__set_autoload(skel->progs.btf_exit, c->tp_btf);
	bpf_program__set_autoload(skel->progs.raw_fork, !c->tp_btf);
	bpf_program__set_autoload(skel->progs.raw_exec, !c->tp_btf);
	bpf_program__set_autoload(skel->progs.raw_exit, !c->tp_btf);
	for (unsigned i = 0; i < NEXTRA; i++)
		bpf_program__set_autoload(extra_prog(skel, i), (c->extras >> i) & 1);
	skel->rodata->ignore_tgid = (__u32)getpid();
	skel->rodata->argv_max = c->argv_max;
	skel->rodata->has_group_dead = c->group_dead;
	skel->rodata->wake_bytes = c->ring / 4;
	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0) {
		r = ncpu < 0 ? ncpu : -EINVAL;
		snprintf(why, len, "cannot count the possible CPUs: %s", strerror(-r));
		goto out_destroy;
	}
	if ((r = bpf_map__set_max_entries(skel->maps.events, c->ring)) < 0 ||
	    (r = bpf_map__set_max_entries(skel->maps.scratch, (__u32)ncpu)) < 0) {
		snprintf(why, len, "cannot size the BPF maps: %s", strerror(-r));
		goto out_destroy;
	}
	r = proctrail_bpf__load(skel);
	if (r < 0) {
		explain(r, log, c->tp_btf, why, len);
		goto out_destroy;
	}
	*out = skel;
	goto out;
out_destroy:
	proctrail_bpf__destroy(skel);
out:
	lb_leave(lprev);
	free(log);
	return r < 0 ? r : 0;
}

static int bpf_probe(const struct pt_options *o, char *why, size_t len)
{
	struct load_cfg c = {.ring = PROBE_RING, .argv_max = argv_bytes(o->args_max)};
	struct proctrail_bpf *skel;
	bool btf = access(BTF_SYSFS, R_OK) == 0;
	struct lb_ctx lc = {0}, *lprev;
	int r;

	r = check_caps(why, len);
	if (r < 0)
		return r;
	lprev = lb_enter(&lc); /* no monitor: messages only explain a failure */
	r = ringbuf_supported();
	if (r == 0) {
		snprintf(why, len, "BPF ring buffer unsupported (kernel < 5.8)");
		r = -EOPNOTSUPP;
		goto out;
	}
	if (r == -EPERM || r == -EACCES) {
		snprintf(why, len,
			 "bpf() denied (%s): CAP_BPF and CAP_PERFMON must be held in the initial "
			 "user namespace",
			 strerror(-r));
		goto out;
	}
	c.tp_btf = use_tp_btf();
	r = skel_load(&skel, &c, why, len);
	if (r < 0)
		goto out;
	proctrail_bpf__destroy(skel);
	if (c.tp_btf)
		snprintf(why, len, "tp_btf");
	else
		snprintf(why, len, "raw_tp (%s)", btf ? "forced" : "no " BTF_SYSFS);
out:
	lb_leave(lprev);
	return r;
}

/* ---- events ---- */

/* The walk failed (rare: > PT_BPF_WALK_STEPS steps or > 4 KiB): prefer
 * the process's exe link while it exists, else the filename execve was
 * given, made absolute against its cwd link when relative. */
static void exe_fallback(struct bpf_source *s, struct pt_proc *info)
{
	const struct pt_procfs *fs = pt_core_procfs(s->m);
	char path[PATH_MAX], *abs;
	ssize_t n;

	n = pt_procfs_readlink(fs, info->pid, "exe", path, sizeof(path));
	if (n > 0) {
		abs = strdup(path);
		if (abs) {
			free(info->exe);
			info->exe = abs;
			pt_proc_set_known(info, PT_F_EXE, PT_SRC_PROC);
			return;
		}
	}
	if (!info->exe || info->exe[0] == '/')
		return;
	n = pt_procfs_readlink(fs, info->pid, "cwd", path, sizeof(path));
	if (n > 0) {
		const char *rel = info->exe;

		while (rel[0] == '.' && rel[1] == '/')
			rel += 2;
		if (asprintf(&abs, "%s%s%s", path, n > 1 ? "/" : "", rel) >= 0) {
			free(info->exe);
			info->exe = abs;
			return;
		}
	}
	free(info->exe);
	info->exe = NULL;
	pt_proc_set_missing(info, PT_F_EXE, PT_WHY_GONE);
}

/*
 * The cgroup and container of a fork or exec record, from the cgroup id the
 * program read: what makes a process that lived a few ms in a container
 * attributed after /proc forgot it. What cannot be resolved here (an id no
 * walk saw, a hybrid host's v2 path that names no container) stays unknown
 * and the core reads /proc.
 */
static void attribute(struct bpf_source *s, struct pt_proc *info, uint64_t id)
{
	struct pt_cgid_stats st;
	const char *path;

	if (!s->cgid || !id)
		return;
	path = pt_cgid_path(s->cgid, id);
	if (!path)
		pt_log(s->m, PT_LOG_DEBUG, "bpf: pid %d: cgroup id %llu: %s", info->pid,
		       (unsigned long long)id, strerror(errno));
	if (pt_bpf_attribute(info, path, pt_cgid_hybrid(s->cgid)) < 0)
		pt_log(s->m, PT_LOG_WARNING, "bpf: pid %d: container: %s", info->pid,
		       strerror(ENOMEM));
	pt_cgid_stats(s->cgid, &st);
	if (st.scans != s->cgid_scans) {
		s->cgid_scans = st.scans;
		if (st.unmapped && !s->cgid_warned) {
			s->cgid_warned = true;
			pt_log(s->m, PT_LOG_WARNING,
			       "bpf: %u cgroups left unmapped (%u mapped, at most %u): their "
			       "processes' containers are read from /proc",
			       st.unmapped, st.entries, PT_CGID_MAX_ENTRIES);
		}
	}
}

static void deliver(struct bpf_source *s, struct pt_raw *raw, const struct pt_bpf_meta *meta)
{
	if (raw->info && (raw->type == PT_EV_FORK || raw->type == PT_EV_EXEC))
		attribute(s, raw->info, meta->cgroup_id);
	raw->time_us = pt_mono_ns_to_us(s->m, meta->time_ns);
	/* start_us travels with start: the fork time is finer than start ticks */
	if (raw->info)
		raw->info->start_us = raw->type == PT_EV_FORK
			? raw->time_us
			: pt_ticks_to_us(raw->info->start, PT_BPF_USER_HZ, s->boot_us);
	if (raw->type == PT_EV_EXEC) {
		if (meta->flags & PT_BPF_F_EXE_FILENAME)
			pt_log(s->m, PT_LOG_DEBUG, "bpf: pid %d: exe walk %s, using the filename",
			       raw->pid, meta->flags & PT_BPF_F_EXE_CUT ? "cut" : "failed");
		if (raw->info && raw->info->src[PT_F_EXE] != PT_SRC_BPF)
			exe_fallback(s, raw->info);
		if (meta->flags & PT_BPF_F_THREAD_EXEC)
			pt_log(s->m, PT_LOG_DEBUG, "bpf: pid %d: exec by thread %u", raw->pid,
			       meta->old_tid);
	}
	if (raw->type == PT_EV_EXIT && raw->tid == raw->pid) {
		/* the process ended with a thread other than the leader: that
		 * thread's exit first, so the core's thread count drops */
		if (meta->tid != (uint32_t)raw->pid) {
			struct pt_raw t = *raw;

			t.tid = (pid_t)meta->tid;
			t.info = NULL;
			pt_core_raw(s->m, &t);
		}
		if (pt_bpf_exit_seen(&s->exits, (uint32_t)raw->pid, raw->start)) {
			if (raw->info)
				pt_proc_clear(raw->info);
			free(raw->info);
			return;
		}
	}
	pt_core_raw(s->m, raw);
}

static void side_flush(struct bpf_source *s, uint64_t upto_ns);

static int on_record(void *ctx, void *data, size_t size)
{
	struct bpf_source *s = ctx;
	struct pt_bpf_meta meta;
	struct pt_raw raw;
	int r = pt_bpf_decode(data, size, &raw, &meta);

	if (r == -EINVAL)
		pt_core_malformed(s->m);
	else if (r < 0)
		pt_log(s->m, PT_LOG_WARNING, "bpf: dropping a record: %s", strerror(-r));
	else if (r == 0) {
		if (s->q_n)
			side_flush(s, meta.time_ns);
		deliver(s, &raw, &meta);
	}
	return ++s->handled >= DISPATCH_BUDGET ? STOP_BUDGET : 0;
}

static void check_lost(struct bpf_source *s)
{
	uint64_t n = __atomic_load_n(&s->skel->bss->lost_count, __ATOMIC_RELAXED);
	struct pt_raw raw;

	if (!pt_bpf_lost(&s->lost_total, &n, 1, &raw))
		return;
	raw.time_us = pt_now_us();
	pt_log(s->m, PT_LOG_WARNING, "bpf: %llu events lost: ring buffer full",
	       (unsigned long long)raw.u.lost.count);
	pt_core_raw(s->m, &raw); /* the core resynchronises */
}

static void bpf_free(struct bpf_source *s)
{
	if (s->epfd >= 0)
		close(s->epfd);
	pt_cn_side_close(&s->cn);
	pt_cgid_close(s->cgid);
	ring_buffer__free(s->rb);
	for (unsigned i = 0; i < s->nlinks; i++)
		bpf_link__destroy(s->links[i]);
	proctrail_bpf__destroy(s->skel);
	free(s);
}

/* Attach what was loaded: the sched_process_* programs must attach; an extra
 * one that does not is a gap. */
static int attach_all(struct bpf_source *s, const struct load_cfg *c, char *why, size_t len)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, s->skel->obj)
	{
		struct bpf_link *l;
		unsigned i;

		if (!bpf_program__autoload(p))
			continue;
		for (i = 0; i < NEXTRA; i++)
			if (extra_prog(s->skel, i) == p)
				break;
		l = bpf_program__attach(p);
		if (l && s->nlinks < PT_ARRAY_SIZE(s->links)) {
			s->links[s->nlinks++] = l;
			continue;
		}
		bpf_link__destroy(l);
		if (i == NEXTRA) {
			snprintf(why, len, "attaching %s (%s) failed: %s",
				 bpf_program__section_name(p), c->tp_btf ? "tp_btf" : "raw_tp",
				 l ? "too many links" : strerror(errno));
			return l ? -E2BIG : -errno;
		}
		if (i != X_EXECAT)
			gapf(s, extra_ev[i], "attaching %s failed: %s",
			     bpf_program__section_name(p), l ? "too many links" : strerror(errno));
	}
	return 0;
}

/*
 * The proc connector beside the ring buffer, for uid, gid, sid, ptrace and
 * coredump; when it cannot run, those are gaps, not a failure of the tier.
 * One epoll fd holds both, for the monitor's loop. The ring's map fd is
 * edge-triggered: readable on a wakeup only (libbpf's own epoll fd is
 * level-triggered, and while records wait each look at it would report the
 * ring again, wakeup or not).
 */
static int open_side(struct bpf_source *s, char *why, size_t len)
{
	struct epoll_event ev = {.events = EPOLLIN};
	int r;

	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		goto fail;
	ev.data.fd = bpf_map__fd(s->skel->maps.events);
	ev.events = EPOLLIN | EPOLLET;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev) < 0)
		goto fail;
	ev.events = EPOLLIN;
	if (pt_cn_side_open(&s->cn, CN_MASK, s->why[PT_EV_UID], GAP_WHY) < 0) {
		gap(&s->gaps, CN_EVENTS, s->why[PT_EV_UID]);
		pt_log(s->m, PT_LOG_INFO, "bpf: no uid, gid, sid, ptrace or coredump events: %s",
		       s->why[PT_EV_UID]);
		return 0;
	}
	ev.data.fd = s->cn.fd;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->cn.fd, &ev) < 0)
		goto fail;
	return 0;
fail:
	r = -errno;
	snprintf(why, len, "epoll: %s", strerror(-r));
	return r;
}

/*
 * Side channel events and ring buffer records are merged by time (both are
 * CLOCK_MONOTONIC): a process's fork record is committed before it can call
 * setsid(), but the socket's message is read at once while the ring buffer's
 * wakeups are batched. Events read from the socket wait here; each ring
 * record first lets out those older than itself; what remains goes once the
 * ring buffer is drained (everything older is in it by then).
 */
static void side_flush(struct bpf_source *s, uint64_t upto_ns)
{
	while (s->q_n && s->q[s->q_head].ns <= upto_ns) {
		struct pt_raw *raw = &s->q[s->q_head].raw;

		s->q_head = (s->q_head + 1) % SIDE_Q;
		s->q_n--;
		pt_core_raw(s->m, raw);
	}
}

static void side_msg(void *arg, struct pt_nl_msg *msg, int kind)
{
	struct bpf_source *s = arg;
	struct side_q *e;

	if (kind != PT_NL_EVENT || !(CN_EVENTS & PT_EVMASK(msg->raw.type)))
		return; /* ACKs, and what came before the filter took hold */
	if (s->q_n == SIDE_Q)
		side_flush(s, s->q[s->q_head].ns); /* full: the oldest goes now */
	e = &s->q[(s->q_head + s->q_n++) % SIDE_Q];
	e->raw = msg->raw;
	e->raw.time_us = pt_mono_ns_to_us(s->m, msg->timestamp_ns);
	e->ns = msg->timestamp_ns;
	s->handled++;
}

static void read_side(struct bpf_source *s)
{
	struct pt_raw raw;
	int r = pt_cn_side_read(&s->cn, side_msg, s, &s->cn_lost);

	if (r < 0)
		pt_log(s->m, PT_LOG_WARNING, "bpf: proc connector: %s", strerror(-r));
	if (s->cn_lost == s->cn_lost_told)
		return;
	memset(&raw, 0, sizeof(raw));
	raw.type = PT_EV_LOST;
	raw.time_us = pt_now_us();
	raw.u.lost.count = s->cn_lost - s->cn_lost_told;
	raw.u.lost.reason = "proc connector receive buffer full (bpf tier)";
	s->cn_lost_told = s->cn_lost;
	pt_core_raw(s->m, &raw);
}

static int bpf_open(struct pt_monitor *m, void **priv, char *why, size_t len)
{
	const struct pt_options *o = pt_core_options(m);
	struct load_cfg c = {.ring = ring_bytes(o->ring_size), .argv_max = argv_bytes(o->args_max)};
	struct lb_ctx lc = {.m = m}, *lprev;
	struct bpf_source *s;
	int r;

	r = check_caps(why, len);
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	pt_cn_side_init(&s->cn);
	s->epfd = -1;
	lprev = lb_enter(&lc);
	s->m = m;
	s->boot_us = pt_boot_epoch_us();
	c.tp_btf = use_tp_btf();
	c.group_dead = exit_has_group_dead();
	c.extras = choose_extras(o, c.tp_btf, &s->gaps);
	r = skel_load(&s->skel, &c, why, len);
	if (r < 0 && c.extras) {
		/* the tier runs without them, and says why */
		unsigned ev = 0;

		for (unsigned i = 0; i < NEXTRA; i++)
			if ((c.extras >> i) & 1)
				ev |= extra_ev[i];
		gapf(s, ev, "loading the task_rename or sys_exit_execve programs failed: %s", why);
		pt_log(m, PT_LOG_WARNING, "bpf: %s; loading without them", why);
		c.extras = 0;
		r = skel_load(&s->skel, &c, why, len);
	}
	if (r < 0)
		goto fail;
	r = attach_all(s, &c, why, len);
	if (r < 0)
		goto fail;

	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.events), on_record, s, NULL);
	if (!s->rb) {
		r = -errno;
		snprintf(why, len, "cannot map the ring buffer: %s", strerror(-r));
		goto fail;
	}
	r = open_side(s, why, len);
	if (r < 0)
		goto fail;
	r = pt_cgid_open(&s->cgid, NULL);
	if (r < 0)
		pt_log(m, PT_LOG_INFO,
		       "bpf: cgroup ids not resolved (%s): cgroups and containers "
		       "are read from /proc",
		       r == -ENOENT ? "no cgroup2 mount" : strerror(-r));
	else if (pt_cgid_hybrid(s->cgid))
		pt_log(m, PT_LOG_INFO,
		       "bpf: hybrid cgroups: containers are attributed from the "
		       "cgroup id only where the v2 path names them, else from /proc");
	pt_log(m, PT_LOG_INFO, "bpf: %s, ring buffer %u KiB, argv up to %u bytes%s, %u programs",
	       c.tp_btf ? "tp_btf" : "raw_tp", c.ring >> 10, c.argv_max,
	       c.group_dead ? ", exit group_dead" : "", s->nlinks);
	*priv = s;
	lb_leave(lprev);
	return 0;
fail:
	bpf_free(s);
	lb_leave(lprev);
	return r;
}

static int bpf_fd(void *priv)
{
	struct bpf_source *s = priv;

	return s->epfd;
}

/*
 * Look at the ring (and the side channel). After a look that found records,
 * or a wakeup, look again LOOK_MS later: the programs do not wake us
 * meanwhile. After a look that found nothing, say we are idle, then look once
 * more: a record committed before a program could see reader_idle is found
 * now; any later one wakes us (wake_if_idle() in the program). Idle, no
 * timer runs.
 */
static int consume(struct bpf_source *s, bool tick)
{
	struct lb_ctx lc = {.m = s->m}, *lprev;
	unsigned handled;
	int r;

	s->handled = 0;
	lprev = lb_enter(&lc);
	read_side(s);
	r = ring_buffer__consume(s->rb);
	if (r >= 0 && !s->handled && tick) {
		__atomic_store_n(&s->skel->data->reader_idle, 1, __ATOMIC_SEQ_CST);
		r = ring_buffer__consume(s->rb);
		if (s->handled)
			__atomic_store_n(&s->skel->data->reader_idle, 0, __ATOMIC_RELAXED);
	}
	if (r != STOP_BUDGET)
		side_flush(s, UINT64_MAX);
	check_lost(s);
	lb_leave(lprev);
	handled = s->handled;
	if (handled >= DISPATCH_BUDGET)
		s->tick_at_us = pt_mono_us(); /* more waiting: as soon as the loop allows */
	else if (handled || !tick)
		s->tick_at_us = pt_mono_us() + LOOK_MS * 1000;
	else
		s->tick_at_us = 0;
	if (r < 0 && r != STOP_BUDGET)
		return r;
	return (int)handled;
}

static int bpf_dispatch(struct pt_monitor *m, void *priv)
{
	struct bpf_source *s = priv;
	struct epoll_event ev[2];

	/* the ring is edge-triggered: take its wakeup, so the next one is reported */
	if (epoll_wait(s->epfd, ev, PT_ARRAY_SIZE(ev), 0) < 0 && errno != EINTR)
		return -errno;
	return consume(s, false);
}

static int bpf_tick(struct pt_monitor *m, void *priv, int64_t now_us)
{
	return consume(priv, true);
}

static int bpf_next_tick_ms(void *priv)
{
	struct bpf_source *s = priv;
	int64_t left;

	if (!s->tick_at_us)
		return -1;
	left = s->tick_at_us - pt_mono_us();
	return left <= 0 ? 0 : (int)((left + 999) / 1000);
}

static void bpf_close(struct pt_monitor *m, void *priv)
{
	struct bpf_source *s = priv;
	struct lb_ctx lc = {.m = m}, *lprev;

	if (!s)
		return;
	lprev = lb_enter(&lc);
	bpf_free(s);
	lb_leave(lprev);
}

const struct pt_source_ops pt_source_bpf = {
	.name = "bpf",
	.tier = PT_TIER_BPF,
	.probe = bpf_probe,
	.open = bpf_open,
	.fd = bpf_fd,
	.dispatch = bpf_dispatch,
	.tick = bpf_tick,
	.next_tick_ms = bpf_next_tick_ms,
	.close = bpf_close,
	.gaps = bpf_gaps,
};

#else /* !HAVE_BPF */

static const char not_built[] = "not built (configured without clang, bpftool and libbpf)";

static int bpf_probe(const struct pt_options *o, char *why, size_t len)
{
	snprintf(why, len, "%s", not_built);
	return -ENOSYS;
}

static int bpf_open(struct pt_monitor *m, void **priv, char *why, size_t len)
{
	snprintf(why, len, "%s", not_built);
	return -ENOSYS;
}

static void bpf_close(struct pt_monitor *m, void *priv)
{
}

int pt_bpf_log_to(const struct pt_monitor *m, int (*fn)(void *arg), void *arg)
{
	return -ENOSYS;
}

const struct pt_source_ops pt_source_bpf = {
	.name = "bpf",
	.tier = PT_TIER_BPF,
	.probe = bpf_probe,
	.open = bpf_open,
	.close = bpf_close,
};

#endif
