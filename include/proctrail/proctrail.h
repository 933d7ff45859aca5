/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libproctrail: a live, queryable table of every process on a Linux host.
 *
 * Threading: a monitor is not thread-safe; call every function of one monitor
 * from one thread. Records returned by lookups stay valid until the next call
 * of pt_monitor_dispatch(), pt_monitor_run() or pt_monitor_close() on the same
 * monitor. Functions return 0 or a negative errno value unless said otherwise.
 */
#ifndef PROCTRAIL_H
#define PROCTRAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PT_JSON_SCHEMA_VERSION 1

/* Event sources, best first. PT_TIER_NONE: snapshot only, no stream. */
enum pt_tier {
	PT_TIER_AUTO = 0,
	PT_TIER_BPF,
	PT_TIER_NETLINK,
	PT_TIER_INOTIFY,
	PT_TIER_POLL,
	PT_TIER_NONE,
	PT_TIER_COUNT,
};

enum pt_event_type {
	PT_EV_FORK = 0,
	PT_EV_EXEC,
	PT_EV_EXIT,
	PT_EV_UID,
	PT_EV_GID,
	PT_EV_SID,
	PT_EV_COMM,
	PT_EV_PTRACE,
	PT_EV_COREDUMP,
	PT_EV_LOST,
	PT_EV_EXEC_FAILED, /* execve/execveat returned an error (bpf tier) */
	PT_EV_COUNT,
};

/* Room for event types: PT_EVMASK is 32 bits, and pt_status.events has this many slots,
 * so adding an event type moves no member. */
#define PT_EV_MAX 32
#define PT_EVMASK(t) (1u << (t))
#define PT_EVMASK_ALL (~0u >> (32 - PT_EV_COUNT))

/* The fields of a record that can be known, unknown or inherited. */
enum pt_field {
	PT_F_PPID = 0,
	PT_F_START,
	PT_F_COMM,
	PT_F_EXE,
	PT_F_ARGV,
	PT_F_CREDS,
	PT_F_SID,
	PT_F_PGID,
	PT_F_TTY,
	PT_F_CWD,
	PT_F_CGROUP,
	PT_F_NS,
	PT_F_LOGINUID,
	PT_F_CONTAINER, /* attribution: container id, runtime, pod uid (or the host) */
	PT_F_CTR_META, /* the container's name, image, pod name: the runtime's state */
	PT_F_NSPID, /* pid and pgid in the process's own pid namespace */
	PT_F_CAPS, /* capability sets: permitted, effective, inheritable (status, at exec) */
	PT_F_COUNT,
};

#define PT_FMASK(f) (1u << (f))
#define PT_FMASK_ALL ((1u << PT_F_COUNT) - 1)

/* Where a field's value came from. PT_SRC_NONE means the field is unknown. */
enum pt_src {
	PT_SRC_NONE = 0,
	PT_SRC_PROC, /* read from /proc */
	PT_SRC_EVENT, /* carried by a kernel event */
	PT_SRC_INHERITED, /* copied from the parent at fork, not yet confirmed */
	PT_SRC_BPF, /* read in kernel by the BPF tier */
};

/* Why an unknown field is unknown. */
enum pt_why {
	PT_WHY_NONE = 0, /* known */
	PT_WHY_NOT_READ, /* nobody tried (not requested, or not yet) */
	PT_WHY_GONE, /* the process had exited and been reaped */
	PT_WHY_ZOMBIE, /* the process had exited; the kernel freed the field */
	PT_WHY_PERM, /* permission denied (other user, hidepid, ptrace) */
	PT_WHY_KERNEL, /* this kernel or tier does not provide it */
	PT_WHY_ERROR, /* read failed or the content was malformed */
	PT_WHY_LOST, /* events for this process were lost */
	PT_WHY_NOT_FOUND, /* nothing to read it from (no runtime state for the container) */
	PT_WHY_COUNT,
};

enum pt_state {
	PT_STATE_ALIVE = 0,
	PT_STATE_EXITED, /* exit observed, code and signal known */
	PT_STATE_EXIT_UNKNOWN, /* vanished while we were not looking (loss, scan) */
};

enum pt_ns {
	PT_NS_CGROUP = 0,
	PT_NS_IPC,
	PT_NS_MNT,
	PT_NS_NET,
	PT_NS_PID,
	PT_NS_TIME,
	PT_NS_USER,
	PT_NS_UTS,
	PT_NS_COUNT,
};

#define PT_COMM_LEN 16
/* A boot id as /proc/sys/kernel/random/boot_id gives it: 8-4-4-4-12 hex digits. */
#define PT_BOOT_ID_LEN 36
/* The longest process key, with its NUL: BOOT_ID:START:PID. */
#define PT_KEY_MAX (PT_BOOT_ID_LEN + 1 + 20 + 1 + 10 + 1)

enum pt_proc_flags {
	PT_PROC_SNAPSHOT = 1 << 0, /* already running when the monitor started */
	PT_PROC_RESYNC = 1 << 1, /* found or closed by a resync after a loss */
	PT_PROC_SYNTH = 1 << 2, /* found or closed by a scanning tier: times are bounds */
};

/* One earlier exec of a process (opaque; see pt_proc_exec() and pt_exec_*()). */
struct pt_exec;

/*
 * A process record (opaque). Read it through the pt_proc_*() getters below or
 * through the field registry (pt_field_value()). Strings are NUL-terminated
 * and may hold any bytes the process chose, except NUL.
 */
struct pt_proc;

/*
 * An event as delivered to subscribers. The library allocates it and passes it
 * by pointer: members are only ever appended; the union is last, so a later
 * member or a larger union member moves nothing.
 */
struct pt_event {
	enum pt_event_type type;
	int64_t time_us; /* wall clock, microseconds since the epoch */
	pid_t pid; /* tgid */
	pid_t tid; /* thread id (== pid for the main thread) */
	pid_t ppid;
	const struct pt_proc *proc; /* the record after the event; NULL for lost */
	bool thread; /* fork/exit of a thread, not of a process */
	bool synthesized; /* inferred by a scanning tier, not seen directly */
	enum pt_tier tier;
	/* synthesized events: the interval in which the event happened; 0 = unknown */
	int64_t window_lo_us, window_hi_us;
	union {
		struct {
			int exit_code, signal;
			int64_t duration_us;
			bool core_dumped;
		} exit;
		struct {
			uid_t ruid, euid;
		} uid;
		struct {
			gid_t rgid, egid;
		} gid;
		struct {
			pid_t tracer_pid, tracer_tid;
		} ptrace; /* 0 on detach */
		struct {
			char comm[PT_COMM_LEN];
			char old[PT_COMM_LEN];
		} comm;
		struct {
			uint64_t count;
			bool estimated;
			const char *reason;
		} lost;
		struct {
			int err; /* the errno execve returned (ENOENT, E2BIG...) */
			const char *path; /* the path asked for, as given; NULL if unknown */
			/* argv asked for: NUL-separated, NUL-ended, args_len bytes; NULL
			 * if unknown (the record's own argv is the caller's) */
			const char *args;
			size_t args_len;
			unsigned argc;
			bool args_truncated;
			bool execveat; /* path is relative to a directory fd */
		} exec_failed;
	} u;
	/* members appended after the union: */
	/* the event's number, 1-based, counted per monitor in delivery order (Falco's
	 * evt.num); 0 for an event the library did not deliver */
	uint64_t num;
};

typedef void (*pt_event_fn)(const struct pt_event *ev, void *data);

enum pt_log_level {
	PT_LOG_ERR = 3,
	PT_LOG_WARNING = 4,
	PT_LOG_NOTICE = 5,
	PT_LOG_INFO = 6,
	PT_LOG_DEBUG = 7
};
typedef void (*pt_log_fn)(int level, const char *msg, void *data);

/*
 * Options and status grow the way the kernel's extensible structs do
 * (copy_struct_from_user): members are only ever appended, and the caller
 * passes the size it was compiled with. pt_options_init() and
 * pt_monitor_status() are macros that pass sizeof(*(o)), so a caller built
 * against an older header keeps working with a newer library (the library
 * uses defaults for what the caller does not know), and a caller built
 * against a newer header gets -E2BIG from an older library only when it sets
 * a member that library does not have. A member appended later treats 0 as
 * its default.
 */
struct pt_options {
	size_t size; /* the caller's sizeof(struct pt_options), set by pt_options_init */
	enum pt_tier tier; /* PT_TIER_AUTO picks the best that runs */
	const char *proc_root; /* default "/proc" */
	unsigned events; /* PT_EVMASK of events delivered; default all */
	bool threads; /* deliver thread fork/exit events; default false */
	int64_t retention_ms; /* how long exited records stay; default 60000 */
	size_t mem_max; /* cap on the table's memory in bytes; default 64 MiB */
	size_t args_max; /* bytes of argv kept per exec; default 128 KiB */
	unsigned exec_history; /* earlier execs kept per record; default 4 */
	int realtime; /* reader priority: -1 auto (when permitted), 0 off, 1 on */
	unsigned poll_interval_ms; /* poll tier period; default 100 */
	size_t rcvbuf; /* netlink receive buffer; default 32 MiB */
	size_t ring_size; /* BPF ring buffer bytes; default 8 MiB */
	const char *const *watch_dirs; /* extra inotify directories, NULL-ended */
	pt_log_fn log;
	void *log_data;
	int log_level; /* default PT_LOG_NOTICE */
	/* inotify tier: threads that read new processes the moment a watched open
	 * wakes them, each kept on a CPU of its own: -1 auto (one per usable CPU, at
	 * most 2), 0 none (the caller's thread does it all), else that many (<= 64) */
	int readers;
	/* PT_OPEN_* flags; default 0 */
	unsigned flags;
	/* containers: prefixed to the runtimes' state paths (/var/lib/docker...);
	 * NULL: the real root */
	const char *runtime_root;
	/* a container stays listed this long after its last process; 0: 30000 */
	int64_t container_linger_ms;
	/* members are appended here */
};

/* pt_options.flags */
enum pt_open_flags {
	/* Open no source and scan nothing: an empty table (tier PT_TIER_NONE) that
	 * pt_import_proc() and pt_import_event() fill. Nothing is read from the proc
	 * root; the boot id is that of the first key imported. */
	PT_OPEN_EMPTY = 1 << 0,
};

/* The smallest struct pt_options the library accepts: size and tier. */
#define PT_OPTIONS_SIZE_VER0 (offsetof(struct pt_options, tier) + sizeof(enum pt_tier))

/* Members are only ever appended; the library fills as many bytes as the caller's
 * struct has and zeroes any it does not know. */
struct pt_status {
	enum pt_tier tier;
	uint64_t alive, exited, threads;
	uint64_t lost; /* events lost, as counted or estimated */
	uint64_t lost_estimated; /* of which estimated by a scanning tier */
	uint64_t resyncs;
	uint64_t evicted; /* exited records dropped for the memory cap */
	uint64_t expired; /* exited records dropped after retention */
	uint64_t malformed; /* kernel messages rejected */
	size_t mem; /* table bytes */
	uint64_t exec_total; /* exec events */
	uint64_t exec_args_ok; /* of which argv was captured */
	uint64_t exec_exe_ok; /* of which exe was captured */
	uint64_t events[PT_EV_MAX]; /* delivered, by enum pt_event_type */
	unsigned events_missing; /* PT_EVMASK of the types the tier cannot deliver */
	/* members are appended here */
};

struct pt_monitor;

/* Clear the first size bytes of o, set the defaults of the members that fit, and
 * set o->size = size. Use the macro: it passes the size the caller was built with. */
void pt_options_init_size(struct pt_options *o, size_t size);
#define pt_options_init(o) pt_options_init_size((o), sizeof(*(o)))

/*
 * Open a monitor: subscribe to the tier, then fill the table from /proc.
 * -EINVAL if o->size < PT_OPTIONS_SIZE_VER0; -E2BIG if o->size is larger than
 * this library's struct and a member it does not know is not zero.
 */
int pt_monitor_open(struct pt_monitor **out, const struct pt_options *o);
void pt_monitor_close(struct pt_monitor *m);

/* Subscribe; up to 8 callbacks per monitor. */
int pt_monitor_subscribe(struct pt_monitor *m, pt_event_fn fn, void *data);

/* For the caller's loop: poll this fd for POLLIN, then call dispatch. */
int pt_monitor_fd(const struct pt_monitor *m);
/* Handle what is pending without blocking. Returns events handled or -errno. */
int pt_monitor_dispatch(struct pt_monitor *m);
/* Block and dispatch until pt_monitor_stop() or timeout_ms (< 0: forever). */
int pt_monitor_run(struct pt_monitor *m, int timeout_ms);
/* Safe to call from a signal handler. */
void pt_monitor_stop(struct pt_monitor *m);

/* Rescan /proc and merge (what a tier does after a loss). */
int pt_monitor_resync(struct pt_monitor *m);

/* Fill the first size bytes of st (zeroes past this library's struct). Use the macro. */
int pt_monitor_status_size(const struct pt_monitor *m, struct pt_status *st, size_t size);
#define pt_monitor_status(m, st) pt_monitor_status_size((m), (st), sizeof(*(st)))
enum pt_tier pt_monitor_tier(const struct pt_monitor *m);
/* Change the retention window and the memory cap of a running monitor (what
 * pt_options set at open): exited records past the new limits go at once.
 * -EINVAL for a negative retention or a zero cap. */
int pt_monitor_set_limits(struct pt_monitor *m, int64_t retention_ms, size_t mem_max);

/* Lookups. Return NULL (errno set) when unknown. */
const struct pt_proc *pt_lookup(const struct pt_monitor *m, pid_t pid);
/* The process that had this pid at wall-clock time at_us. */
const struct pt_proc *pt_lookup_at(const struct pt_monitor *m, pid_t pid, int64_t at_us);
/* The process a thread id belongs to. */
const struct pt_proc *pt_lookup_tid(const struct pt_monitor *m, pid_t tid);
/* The parent of p: a record of p->ppid that was alive when p started (never a
 * younger process that reused the pid). After the parent exits, the kernel
 * moves p to a subreaper or init, and the answer follows. NULL at the root. */
const struct pt_proc *pt_parent(const struct pt_monitor *m, const struct pt_proc *p);
/* The parent at fork time (what parent_key names), alive or exited, while the
 * table retains it; after a reparenting it is still the original parent. Falls
 * back to pt_parent() when the fork-time parent was never seen. NULL at the root. */
const struct pt_proc *pt_parent_orig(const struct pt_monitor *m, const struct pt_proc *p);

/*
 * Containers. A record is attributed to a container from its cgroup (and, in a
 * private cgroup namespace, its mountinfo); the container's name, image and
 * pod come from the runtime's on-disk state, read once per container. See the
 * container.* and k8s.* fields. The container of a record stays valid as long
 * as the record.
 */
struct pt_container;
/* NULL on the host, or when the attribution is unknown (pt_proc_src(p, PT_F_CONTAINER)). */
const struct pt_container *pt_proc_container(const struct pt_proc *p);
typedef int (*pt_container_fn)(const struct pt_container *c, void *data);
/* The containers the monitor lists (live ones, and those whose last process
 * exited less than container_linger_ms ago), until fn returns non-zero. */
int pt_foreach_container(const struct pt_monitor *m, pt_container_fn fn, void *data);
/* c as one JSON object (malloc'd, no newline): id, runtime, name, image,
 * image_repository, image_id, pod_name, ns_name, pod_uid, qos, cgroup,
 * cgroup_id, outer_ids, created, first_seen, live (processes), missing. */
char *pt_json_container(const struct pt_container *c);
/* The first n ancestors of p (fork-time parents, see pt_parent_orig), nearest
 * first, as a JSON array (malloc'd) of {"key","pid","comm","exe"}; "[]" for none. */
char *pt_json_ancestors(const struct pt_monitor *m, const struct pt_proc *p, unsigned n);

/*
 * Process keys. A key names one process across pid reuse and reboots:
 * BOOT_ID:START:PID, the kernel's boot id (lowercase, 8-4-4-4-12 hex digits),
 * the start time in clock ticks since boot (stat field 22) and the pid, both
 * decimal, e.g. 0d4f3c1e-7b2a-4c5d-9e8f-1a2b3c4d5e6f:123456:4242.
 */
/* The monitor's boot id (read once from the proc root), or NULL (errno set). */
const char *pt_monitor_boot_id(const struct pt_monitor *m);
/* The key of p, or of its parent at fork time (kept after reparenting), into buf
 * (PT_KEY_MAX bytes always fit): its length, -ENODATA when unknown (no boot id,
 * no start, or the parent's record was not seen), -ENOENT when p has no parent
 * (ppid 0), -ERANGE when len is too small. */
int pt_proc_key(const struct pt_proc *p, char *buf, size_t len);
int pt_proc_parent_key(const struct pt_proc *p, char *buf, size_t len);

/* What a query names: a process by pid (now), by pid at a time, or by key. */
enum pt_ref_kind {
	PT_REF_PID = 1, /* "4242" */
	PT_REF_PID_AT, /* "4242@TIME" */
	PT_REF_KEY, /* "BOOT_ID:START:PID" */
};
struct pt_ref {
	enum pt_ref_kind kind;
	pid_t pid;
	int64_t at_us; /* PT_REF_PID_AT: wall clock, microseconds since the epoch */
	uint64_t start; /* PT_REF_KEY: start ticks */
	char boot_id[PT_BOOT_ID_LEN + 1]; /* PT_REF_KEY, lowercase */
	uint64_t reserved[4];
};
/*
 * Parse a pid, pid@TIME or a key. TIME is seconds since the epoch with an
 * optional fraction (1764662400.25), RFC 3339 / ISO 8601 with a zone
 * (2026-12-02T07:00:00.25Z, 2026-12-02T08:00:00+01:00), or -SECS: that many
 * seconds before now (4242@-10). 0, or -EINVAL with one line saying what is
 * wrong in why (when why is not NULL); the input is not quoted in it.
 */
int pt_ref_parse(const char *s, struct pt_ref *out, char *why, size_t len);
/* The record a reference names: PT_REF_PID as pt_lookup(), PT_REF_PID_AT as
 * pt_lookup_at() (exited records still retained included), PT_REF_KEY the
 * record of that pid and start (within a tick). NULL with errno: ESRCH none,
 * EXDEV a key of another boot, EINVAL a bad reference. */
const struct pt_proc *pt_lookup_ref(const struct pt_monitor *m, const struct pt_ref *r);

/* Iteration: fn returns non-zero to stop; that value is returned. */
typedef int (*pt_proc_fn)(const struct pt_proc *p, void *data);
enum pt_select {
	PT_SEL_ALIVE = 1 << 0,
	PT_SEL_EXITED = 1 << 1,
	PT_SEL_ALL = PT_SEL_ALIVE | PT_SEL_EXITED,
};
int pt_foreach(const struct pt_monitor *m, unsigned select, pt_proc_fn fn, void *data);
int pt_foreach_child(const struct pt_monitor *m, const struct pt_proc *p, unsigned select,
		     pt_proc_fn fn, void *data);
/* Ancestors of p, nearest first, up to the root. */
int pt_foreach_ancestor(const struct pt_monitor *m, const struct pt_proc *p, pt_proc_fn fn,
			void *data);
/* Thread ids of a live process, read from the table. */
int pt_foreach_thread(const struct pt_monitor *m, const struct pt_proc *p,
		      int (*fn)(pid_t tid, void *data), void *data);
/* Exited records, most recent first, that exited at or after since_us. */
int pt_foreach_exited(const struct pt_monitor *m, int64_t since_us, pt_proc_fn fn, void *data);
/* Exited records that lived less than max_ms, most recent first. */
int pt_foreach_short(const struct pt_monitor *m, int64_t max_ms, pt_proc_fn fn, void *data);

/* Probing: can this tier run here, and if not why. Returns 0 if it can.
 * o may be NULL (defaults); it is checked as pt_monitor_open() checks it. */
int pt_probe(enum pt_tier tier, const struct pt_options *o, char *why, size_t len);

/*
 * The event types a tier cannot deliver here, and why: the netlink tier sees
 * no failed exec, the scanning tiers no credential, session, ptrace or core
 * dump change, the bpf tier what its kernel lacks hooks for. why[t] is set for
 * each type t in missing; the strings stay valid as long as the library is
 * loaded (pt_tier_event_gaps) or the monitor is open (pt_monitor_event_gaps).
 */
struct pt_event_gaps {
	unsigned missing; /* PT_EVMASK */
	const char *why[PT_EV_MAX];
};
/* Without opening the tier (what pt_probe() would load is not tried). */
int pt_tier_event_gaps(enum pt_tier tier, const struct pt_options *o, struct pt_event_gaps *out);
/* What the monitor's running tier could not set up. */
int pt_monitor_event_gaps(const struct pt_monitor *m, struct pt_event_gaps *out);

/* Names */
const char *pt_tier_name(enum pt_tier t);
int pt_tier_from_name(const char *name, enum pt_tier *out);
const char *pt_event_name(enum pt_event_type t);
int pt_event_from_name(const char *name, enum pt_event_type *out);
const char *pt_field_name(enum pt_field f);
const char *pt_why_name(enum pt_why w);
const char *pt_src_name(enum pt_src s);
const char *pt_ns_name(enum pt_ns n);

/*
 * Record getters. A getter of a field that has a provenance slot (enum
 * pt_field) returns what the record holds even when the slot is unknown; check
 * pt_proc_src() (PT_SRC_NONE: unknown, pt_proc_why() says why) or read the
 * field through the registry, which does. Strings are NULL when absent.
 */
pid_t pt_proc_pid(const struct pt_proc *p); /* tgid */
pid_t pt_proc_ppid(const struct pt_proc *p);
pid_t pt_proc_sid(const struct pt_proc *p);
pid_t pt_proc_pgid(const struct pt_proc *p);
uint64_t pt_proc_start(const struct pt_proc *p); /* ticks since boot, stat field 22 */
enum pt_state pt_proc_state(const struct pt_proc *p);
enum pt_tier pt_proc_tier(const struct pt_proc *p); /* the tier that first reported it */
unsigned pt_proc_flags(const struct pt_proc *p); /* enum pt_proc_flags */
const char *pt_proc_comm(const struct pt_proc *p);
const char *pt_proc_exe(const struct pt_proc *p);
/* argv as in /proc/PID/cmdline: NUL-separated and NUL-ended, *len bytes. */
const char *pt_proc_args(const struct pt_proc *p, size_t *len);
unsigned pt_proc_argc(const struct pt_proc *p);
bool pt_proc_args_truncated(const struct pt_proc *p);
uid_t pt_proc_uid(const struct pt_proc *p);
uid_t pt_proc_euid(const struct pt_proc *p);
gid_t pt_proc_gid(const struct pt_proc *p);
gid_t pt_proc_egid(const struct pt_proc *p);
int pt_proc_tty(const struct pt_proc *p); /* stat field 7; 0 = none */
const char *pt_proc_cwd(const struct pt_proc *p);
const char *pt_proc_cgroup(const struct pt_proc *p);
const char *pt_proc_container_id(const struct pt_proc *p); /* NULL: not in a container */
uint64_t pt_proc_ns(const struct pt_proc *p, enum pt_ns ns); /* inode; 0 = unknown */
int64_t pt_proc_start_us(const struct pt_proc *p); /* wall clock; 0 = unknown */
int64_t pt_proc_exit_us(const struct pt_proc *p); /* 0 while alive or unknown */
int pt_proc_exit_code(const struct pt_proc *p); /* 0-255, else -1 */
int pt_proc_exit_signal(const struct pt_proc *p); /* terminating signal, else 0 */
bool pt_proc_core_dumped(const struct pt_proc *p);
unsigned pt_proc_nthreads(const struct pt_proc *p);
enum pt_src pt_proc_src(const struct pt_proc *p, enum pt_field f);
enum pt_why pt_proc_why(const struct pt_proc *p, enum pt_field f); /* PT_WHY_NONE: known */
/* Earlier execs, oldest first: i < pt_proc_nexecs(p); the current image is the
 * record's own exe and args. */
unsigned pt_proc_nexecs(const struct pt_proc *p);
const struct pt_exec *pt_proc_exec(const struct pt_proc *p, unsigned i);
int64_t pt_exec_time_us(const struct pt_exec *e); /* 0 = unknown */
const char *pt_exec_exe(const struct pt_exec *e); /* NULL = unknown */
const char *pt_exec_args(const struct pt_exec *e, size_t *len); /* NULL = unknown */
bool pt_exec_args_truncated(const struct pt_exec *e);

/*
 * The field registry: every field of a process record and of an event, once,
 * with its condition-language name (Falco's where a Falco field means the same
 * thing: proc.name, proc.exepath, user.uid...), its JSON name, its type and a
 * line of documentation. Indexes are stable: fields are only ever appended.
 */
enum pt_type {
	PT_TYPE_INT = 1, /* signed integer: v.i */
	PT_TYPE_UINT, /* unsigned integer: v.u */
	PT_TYPE_BOOL, /* v.b */
	PT_TYPE_STR, /* bytes a process controls (maybe not UTF-8): v.s, v.len */
	PT_TYPE_ARGS, /* NUL-separated list (argv), v.len bytes at v.s, NUL-ended */
	PT_TYPE_TIME, /* wall clock, microseconds since the epoch: v.i */
	PT_TYPE_DURATION, /* microseconds: v.i */
	PT_TYPE_NAME, /* a name from proctrail's own tables (ASCII): v.s, v.len */
	PT_TYPE_EXECS, /* the exec history: pt_proc_exec(v.proc, 0 .. v.u - 1) */
	PT_TYPE_COUNT,
};

enum pt_field_flags {
	PT_FIELD_PROC = 1 << 0, /* a field of a process record */
	PT_FIELD_EVENT = 1 << 1, /* a field of an event (it may also read the record) */
	PT_FIELD_ARG = 1 << 2, /* takes an argument: NAME[N] */
	PT_FIELD_MONITOR = 1 << 3, /* reads other records (parent, ancestors): needs the monitor */
	PT_FIELD_JSON = 1 << 4, /* written by pt_json_proc() or pt_json_event() */
};

struct pt_field_def; /* one row of the registry; opaque */

/* A field chosen by name, with its argument. */
struct pt_field_ref {
	const struct pt_field_def *def;
	int arg; /* NAME[N]: N; -1 when none */
	int reserved[2];
};

/* A field's value. Strings point into the record, the event or v->owned, and
 * stay valid while those do and until pt_value_free(). */
struct pt_value {
	enum pt_type type;
	bool known; /* false: unknown, see why */
	bool null; /* known to have no value (no executable, no container...) */
	enum pt_why why; /* PT_WHY_NONE when known */
	enum pt_src src; /* where the value came from; PT_SRC_NONE when unknown */
	int64_t i;
	uint64_t u;
	bool b;
	const char *s;
	size_t len;
	bool truncated; /* PT_TYPE_ARGS, PT_TYPE_STR: cut at the args limit */
	const struct pt_proc *proc; /* PT_TYPE_EXECS: the record */
	char *owned; /* freed by pt_value_free() */
	char buf[32]; /* storage for short values (comm) */
	uint64_t reserved[4];
};

unsigned pt_fields_count(void);
const struct pt_field_def *pt_fields_at(unsigned i); /* NULL when i >= count */
/* Accepts the condition name (proc.name) or the JSON name (comm), with an
 * argument where the field takes one (proc.aname[2]). 0, -ENOENT for an
 * unknown name, -EINVAL for a bad or unexpected argument. */
int pt_field_lookup(const char *name, struct pt_field_ref *out);
const char *pt_field_def_name(const struct pt_field_def *d); /* proc.name */
const char *pt_field_def_json(const struct pt_field_def *d); /* comm */
enum pt_type pt_field_def_type(const struct pt_field_def *d);
const char *pt_field_def_doc(const struct pt_field_def *d);
unsigned pt_field_def_flags(const struct pt_field_def *d); /* enum pt_field_flags */
/* The provenance slot of the field, or -1 when it has none. */
int pt_field_def_slot(const struct pt_field_def *d);
unsigned pt_field_def_index(const struct pt_field_def *d);
const char *pt_type_name(enum pt_type t);

/*
 * Read a field. p is the record, ev the event (either may be NULL; with ev
 * and no p, ev->proc is used); m is needed by PT_FIELD_MONITOR fields. An
 * event's own data (the new comm of a comm event, an exit's status) takes
 * precedence over the record's. Returns 0 with out->known false and
 * out->why set when the value is unknown; -EINVAL on bad arguments; -ENOMEM.
 * Call pt_value_free() afterwards.
 */
int pt_field_value(const struct pt_field_ref *f, const struct pt_monitor *m,
		   const struct pt_proc *p, const struct pt_event *ev, struct pt_value *out);
void pt_value_free(struct pt_value *v);
/*
 * Plain text of a value, snprintf-style (returns the length it needs, writes
 * at most len bytes with a NUL): decimal numbers, RFC 3339 times, durations in
 * milliseconds, "true"/"false", ARGS joined by spaces, "-" when null or
 * unknown. Strings are copied raw: the caller escapes bytes for a terminal.
 */
int pt_value_text(const struct pt_value *v, char *buf, size_t len);
/* The JSON member "key":value (with "key_b64" when the string is not UTF-8;
 * a bare value when key is NULL), malloc'd, NUL-terminated; NULL with errno. */
char *pt_value_json(const struct pt_value *v, const char *key, size_t *len);
/* A JSON object holding the n chosen fields under their JSON names (NAME[N]
 * for a field with an argument). */
char *pt_json_fields(const struct pt_field_ref *f, size_t n, const struct pt_monitor *m,
		     const struct pt_proc *p, const struct pt_event *ev, size_t *len);
/* The FIELDS section of proctrail(1) as roff lines, malloc'd. */
char *pt_fields_man(size_t *len);

/*
 * Conditions: Falco's filter language over the field registry (proctrail(1),
 * CONDITIONS; src/lib/cond.c). `proc.name = find and user.uid = 0`,
 * `proc.aname[2] in (nginx, httpd)`, `not proc.args contains "-x"`...
 * Operators: = == != < <= > >= contains icontains bcontains startswith
 * bstartswith endswith glob iglob pmatch in intersects exists regex; and, or,
 * not (Falco's precedence), parentheses, lists, quoted strings with Falco's
 * escapes, and bare identifiers for macros.
 *
 * Fields are the registry's (pt_field_lookup()). evt.type compares against
 * proctrail's event names and Falco's syscall names for them (execve and
 * execveat are exec; clone, clone3, fork and vfork are fork; procexit is
 * exit...). A check whose field is unknown for the event or record (unread,
 * gone, not in a container) is false, so `not` of it is true; `exists` is
 * true when the field has a value. A field without [N] that lists values
 * (proc.aname, proc.apid) matches when any value does.
 *
 * A parsed condition is immutable: it may be evaluated from several threads.
 */
struct pt_cond;

/* Why parsing failed: one line, and the byte offset in the text it points at
 * (-1 when the error has no place, such as a macro cycle). */
struct pt_cond_error {
	char msg[256];
	int pos;
};

/*
 * Macros: a bare identifier in the text is looked up through this callback,
 * which returns a parsed condition to put in its place (the parser copies
 * it; the caller keeps its own), or NULL when there is no such macro (an
 * error naming it). A NULL callback: every identifier is an error.
 */
typedef const struct pt_cond *(*pt_cond_macro_fn)(const char *name, void *data);

enum pt_cond_flags {
	/* Unknown fields and evt.type values proctrail has no events for are not
	 * errors: pt_cond_missing() lists them and checks on them are false.
	 * For rule files, whose rules may need what proctrail lacks. */
	PT_COND_LAX = 1 << 0,
};

/*
 * Parse (and type-check: `user.uid = abc` is an error) a condition.
 * 0 with *out set; -EINVAL with err filled (syntax, unknown macro, unknown
 * field or event type without PT_COND_LAX, a bad value or argument);
 * -ENOMEM. err may be NULL.
 */
int pt_cond_parse(const char *text, unsigned flags, pt_cond_macro_fn macro, void *data,
		  struct pt_cond **out, struct pt_cond_error *err);
void pt_cond_free(struct pt_cond *c);
/* The i-th thing the condition names that proctrail lacks (PT_COND_LAX), in
 * text order, each once: a field name ("fd.name") or an event type
 * ("evt.type=open"); NULL past the end. */
const char *pt_cond_missing(const struct pt_cond *c, unsigned i);
/* The event types (PT_EVMASK bits) on which the condition can be true, judged
 * by its evt.type checks alone: PT_EVMASK_ALL when it has none. */
unsigned pt_cond_evmask(const struct pt_cond *c);
/* The condition back as text, normalised (macros expanded, lists inline),
 * malloc'd; NULL with errno. */
char *pt_cond_text(const struct pt_cond *c);

/*
 * Evaluation. A context reads each field once per event, however many
 * conditions ask for it: set it to an event (ev; its record is ev->proc) or a
 * record (p, ev NULL), then evaluate any number of conditions. m is needed
 * by PT_FIELD_MONITOR fields (proc.pname, proc.aname...): NULL makes them
 * unknown. A context is for one thread.
 */
struct pt_cond_ctx;
struct pt_cond_ctx *pt_cond_ctx_new(void); /* NULL with errno */
void pt_cond_ctx_free(struct pt_cond_ctx *x);
void pt_cond_ctx_set(struct pt_cond_ctx *x, const struct pt_monitor *m, const struct pt_proc *p,
		     const struct pt_event *ev);
bool pt_cond_eval(const struct pt_cond *c, struct pt_cond_ctx *x);
/* One condition on one event or record, without a context. */
bool pt_cond_match(const struct pt_cond *c, const struct pt_monitor *m, const struct pt_proc *p,
		   const struct pt_event *ev);

/* argv helpers: iterate the NUL-separated args of a record or exec. */
const char *pt_args_next(const char *args, size_t args_len, const char *cur);

/*
 * JSON. Output is valid JSON and valid UTF-8. Strings that are not valid
 * UTF-8 are written with each invalid byte replaced by U+FFFD, and the exact
 * bytes are given in a sibling field named NAME_b64 (standard base64); see
 * libproctrail(3). Return a malloc'd, NUL-terminated object without a
 * newline (length in *len when len is not NULL), or NULL with errno set.
 */
char *pt_json_proc(const struct pt_proc *p, size_t *len);
char *pt_json_event(const struct pt_event *ev, size_t *len);
/* root and its descendants (PT_SEL_* select which) as one nested object: each
 * node is root's pt_json_proc() members plus "children", an array of nodes
 * sorted by pid. Nodes PT_JSON_TREE_DEPTH levels down carry
 * "children_truncated": true instead. */
#define PT_JSON_TREE_DEPTH 1024
char *pt_json_tree(const struct pt_monitor *m, const struct pt_proc *root, unsigned select,
		   size_t *len);
/* The monitor's status (pt_monitor_status(), the tier, the boot id, capture rates
 * and the event counts by name) as one object; see libproctrail(3). */
char *pt_json_status(const struct pt_monitor *m, size_t *len);

/*
 * Reading JSON back (for a client of proctraild, and for replay), into a monitor
 * opened with PT_OPEN_EMPTY (any monitor works, but a source's own records would
 * mix with the imported ones). json is one line (len bytes, no NUL needed; a
 * trailing newline is accepted). On a malformed line: -EINVAL, with one line in
 * why (when why is not NULL) naming the member; the table is left unchanged.
 * -ENOMEM when out of memory.
 *
 * pt_import_proc: one pt_json_proc() object into the table: a record with the
 * same pid and start is replaced. *out (when out is not NULL) is the record,
 * valid as the records of lookups are. pt_json_proc() of it gives the line back
 * byte for byte. Objects of pt_json_fields() (ps -o) are not records: -EINVAL.
 */
int pt_import_proc(struct pt_monitor *m, const char *json, size_t len, const struct pt_proc **out,
		   char *why, size_t whylen);
/*
 * pt_import_event: one pt_json_event() object, applied to the table as a
 * source's event is (fork creates the record, exec pushes the image it
 * replaces into the history, exit closes it...) and delivered to the monitor's
 * subscribers as the struct pt_event that was encoded (pt_json_event() of it
 * gives the line back), lost events included. The events and threads options
 * filter as they do for a source.
 */
int pt_import_event(struct pt_monitor *m, const char *json, size_t len, char *why, size_t whylen);

const char *pt_version(void);
/* The version of the JSON schema pt_json_proc() and pt_json_event() write: the
 * PT_JSON_SCHEMA_VERSION of the library that runs, not of the caller's header. */
int pt_json_schema_version(void);

#ifdef __cplusplus
}
#endif
#endif
