/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libproctrail internals: shared by the library's files and its unit tests. */
#ifndef PT_INTERNAL_H
#define PT_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proctrail/proctrail.h"

#define PT_EXPORT __attribute__((visibility("default")))
#define PT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define PT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PT_UNUSED __attribute__((unused))

/* ---- records: opaque in the public header ---- */
/* One exec of a process; records keep the last few. */
struct pt_exec {
	int64_t time_us; /* wall clock, microseconds since the epoch; 0 if unknown */
	char *exe; /* NULL if unknown */
	char *args; /* argv as in /proc/PID/cmdline: NUL-separated, NUL-ended */
	size_t args_len; /* bytes in args, including the final NUL; 0 if unknown */
	bool args_truncated;
};

/*
 * A process record. Read-only for callers. Strings are NUL-terminated and
 * may hold any bytes the process chose, except NUL.
 */
struct pt_proc {
	pid_t pid; /* tgid */
	pid_t ppid; /* parent tgid */
	pid_t sid, pgid;
	uint64_t start; /* start time in clock ticks since boot: /proc/PID/stat field 22 */
	enum pt_state state;
	enum pt_tier tier; /* the tier that first reported the process */
	unsigned flags; /* enum pt_proc_flags */

	char comm[PT_COMM_LEN];
	char *exe;
	char *args; /* see struct pt_exec */
	size_t args_len;
	unsigned argc;
	bool args_truncated;

	uid_t uid, euid;
	uid_t loginuid; /* audit login uid; (uid_t)-1 when unset */
	gid_t gid, egid;
	int tty_nr; /* stat field 7; 0 = no controlling terminal */
	char *cwd;
	char *cgroup; /* the cgroup v2 path, or the first hierarchy's */
	uint64_t cgroup_id; /* the cgroup v2 directory's inode (what BPF reports); 0 unknown */
	pid_t vpid, vpgid; /* in the process's own pid namespace (NSpid, NSpgid): PT_F_NSPID */
	/* capability sets (CapPrm, CapEff, CapInh of status) as read at exec or fork: PT_F_CAPS */
	uint64_t cap_prm, cap_eff, cap_inh;
	/* a reference (container.h); NULL on the host or when unknown: PT_F_CONTAINER
	 * and PT_F_CTR_META */
	struct pt_container *ctr;
	uint8_t ctr_flags; /* enum pt_ctr_flags */
	uint64_t ns[PT_NS_COUNT]; /* namespace inode numbers; 0 = unknown */

	int64_t start_us; /* wall clock of the start, microseconds; precise when seen */
	int64_t exit_us; /* wall clock of the exit; 0 while alive */
	int exit_code; /* 0-255 when exited normally, else -1 */
	int exit_signal; /* terminating signal, else 0 */
	bool core_dumped;
	unsigned nthreads; /* threads known to the table, the leader included */

	uint8_t src[PT_F_COUNT]; /* enum pt_src per field */
	uint8_t why[PT_F_COUNT]; /* enum pt_why per field, PT_WHY_NONE when known */

	/* earlier execs, oldest first; the current image is in exe/args */
	const struct pt_exec *execs;
	unsigned nexecs;

	/* identity across reboots (key.c): the boot id of the table that holds the
	 * record (NULL outside a table, or when unreadable), and the parent at
	 * fork time, kept after reparenting */
	const char *boot_id;
	uint8_t pkey; /* enum pt_pkey */
	pid_t pkey_pid;
	uint64_t pkey_start;
};

/* What the monitor did with a record's container. */
enum pt_ctr_flags {
	PT_CTR_INTERNED = 1 << 0, /* ctr is the monitor cache's entry (pt_ctr_intern) */
	PT_CTR_LIVE = 1 << 1, /* the record counts in ctr->live (pt_ctr_live) */
};

/* What a record knows of its parent at fork time. */
enum pt_pkey {
	PT_PKEY_UNBOUND = 0, /* not yet looked up */
	PT_PKEY_BOUND, /* pkey_pid and pkey_start name it */
	PT_PKEY_NONE, /* no parent (ppid 0: the kernel's own) */
	PT_PKEY_GONE, /* the parent's record was not in the table */
};

/* ---- growable byte buffer (buf.c) ---- */
struct pt_buf {
	char *p;
	size_t len, cap;
	bool oom; /* an append failed; content is incomplete */
};
void pt_buf_init(struct pt_buf *b);
void pt_buf_free(struct pt_buf *b);
int pt_buf_reserve(struct pt_buf *b, size_t extra);
void pt_buf_add(struct pt_buf *b, const void *p, size_t n);
void pt_buf_addc(struct pt_buf *b, char c);
void pt_buf_adds(struct pt_buf *b, const char *s);
void pt_buf_printf(struct pt_buf *b, const char *fmt, ...) PT_PRINTF(2, 3);
/* Hand over the NUL-terminated content; the buffer is reset. NULL on oom. */
char *pt_buf_steal(struct pt_buf *b, size_t *len);

/* ---- JSON writer (json.c) ---- */
/* Append a JSON string literal (with quotes) for n bytes of s. Returns true
 * when s was valid UTF-8, false when invalid bytes were replaced by U+FFFD. */
bool pt_json_str(struct pt_buf *b, const char *s, size_t n);
/* Append "key":"value" and, if value is not valid UTF-8, ,"key_b64":"..." */
void pt_json_kv_str(struct pt_buf *b, const char *key, const char *s, size_t n);
/* pt_json_container() and pt_json_ancestors() into b. */
void pt_json_container_buf(struct pt_buf *b, const struct pt_container *c);
void pt_json_ancestors_buf(struct pt_buf *b, const struct pt_monitor *m, const struct pt_proc *p,
			   unsigned n);
/* Append "key":[...] for NUL-separated args, plus "key_b64" when needed. */
void pt_json_kv_args(struct pt_buf *b, const char *key, const char *args, size_t len);
void pt_base64(struct pt_buf *b, const void *p, size_t n);
bool pt_utf8_valid(const char *s, size_t n);
/* Length of the valid UTF-8 sequence at s (n > 0 bytes), or 0. */
size_t pt_utf8_seq(const char *s, size_t n);
/* Whole objects, used by the public pt_json_* and the CLI. */
void pt_json_proc_buf(struct pt_buf *b, const struct pt_proc *p);
void pt_json_event_buf(struct pt_buf *b, const struct pt_event *ev);
/* Append a value: "key":value (plus "key_b64"), or the bare value when key is
 * NULL. Unknown and null values are written as null. */
void pt_json_value(struct pt_buf *b, const char *key, const struct pt_value *v);
/* RFC 3339 UTC with microseconds, e.g. 2026-11-21T20:36:26.123456Z */
void pt_fmt_time(char out[32], int64_t us);

/* ---- field registry (fields.c) ---- */
/* What a field is read from. p is the record (ev->proc when NULL), arg N of NAME[N]. */
struct pt_field_ctx {
	const struct pt_monitor *m;
	const struct pt_proc *p;
	const struct pt_event *ev;
	int arg;
};

/* Where a field appears in pt_json_proc() output. */
enum pt_json_flags {
	PT_J_REC = 1 << 0, /* a member of process objects */
	PT_J_EXITED = 1 << 1, /* ... once the process has exited */
	PT_J_OMIT_UNKNOWN = 1 << 2, /* leave the member out when unknown (else null) */
	PT_J_OMIT_NULL = 1 << 3, /* leave the member out when it has no value */
	PT_J_OMIT_FALSE = 1 << 4, /* leave the member out unless true */
	PT_J_MEMBER = 1 << 5, /* a member of an object: the JSON name is "object.member" */
	PT_J_OMIT_HOST = 1 << 6, /* leave the member out unless the record is in a container */
};

/* One row of the registry. A JSON name "a.b" is member b of an object a; the
 * rows of one object are consecutive. */
struct pt_field_def {
	const char *name; /* condition language: proc.name */
	const char *json; /* JSON and -o name: comm */
	const char *doc; /* one line for the man page */
	const char *miss; /* key in "missing" when unknown; NULL: the slot's name, else json */
	enum pt_type type;
	unsigned flags; /* enum pt_field_flags */
	unsigned slot; /* enum pt_field + 1; 0 = no provenance slot */
	unsigned jflags; /* enum pt_json_flags */
	unsigned evmask; /* PT_EVMASK of the events whose JSON carries it */
	/* From the event: 1 when it set v, 0 to read the record instead. */
	int (*ev_read)(const struct pt_field_ctx *c, struct pt_value *v);
	/* From the record, once its slot (if any) is known. 0 or -errno. */
	int (*read)(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v);
};

extern const struct pt_field_def pt_field_table[];
extern const unsigned pt_field_table_len;
/* Like pt_field_value(), but -ENODATA when neither the event nor a record
 * can supply the field (the JSON writers leave such members out). */
int pt_field_read(const struct pt_field_def *d, const struct pt_field_ctx *c, struct pt_value *v);
/* The "missing" reason of a vanished process's exit status (LOST, KERNEL). */
enum pt_why pt_exit_why(const struct pt_proc *p, const struct pt_event *ev);

/* ---- /proc reader (procfs.c) ---- */
/* The proc root when the options name none. Only the procfs*.c files read
 * anything under it. */
#define PT_PROC_ROOT "/proc"
struct pt_procfs {
	int root_fd; /* O_PATH|O_DIRECTORY fd of the proc root */
	long clk_tck; /* sysconf(_SC_CLK_TCK) */
	size_t args_max;
	char root[256];
	uint64_t self_cgns; /* the reader's cgroup namespace (root/self/ns/cgroup); 0 unknown */
};
int pt_procfs_open(struct pt_procfs *fs, const char *root, size_t args_max);
void pt_procfs_close(struct pt_procfs *fs);
/* Open /proc/PID (or /proc/PID/task/TID when tid > 0) as a directory fd. */
int pt_procfs_pid_open(const struct pt_procfs *fs, pid_t pid);

/* What pt_procfs_read fills, as PT_FMASK bits; PT_F_START and PT_F_PPID come
 * with stat (also sid, pgid, tty, comm), PT_F_CREDS from status. */
int pt_procfs_read(const struct pt_procfs *fs, pid_t pid, unsigned fields, struct pt_proc *p);
int pt_procfs_read_at(const struct pt_procfs *fs, int dirfd, unsigned fields, struct pt_proc *p);

/* Parsers, exposed for tests. Return 0 or -errno (-EINVAL for malformed). */
struct pt_stat {
	char comm[PT_COMM_LEN];
	char state;
	pid_t ppid, pgid, sid;
	int tty_nr;
	uint64_t flags; /* field 9: task->flags (PF_*) */
	uint64_t start; /* field 22 */
	long nthreads;
};
int pt_parse_stat(const char *buf, size_t len, struct pt_stat *st);
int pt_parse_status_creds(const char *buf, size_t len, uid_t uid[4], gid_t gid[4], pid_t *tgid);
/* Set the want fields (PT_FMASK_STAT bits) of a parsed stat into p: known, or
 * missing PT_WHY_GONE where a process being reaped shows zeros. Returns whether
 * it was being reaped (0 threads). */
bool pt_stat_apply(const struct pt_stat *st, unsigned want, struct pt_proc *p);
/* Parse status and set p's credentials known: 0 or -EINVAL. */
int pt_status_apply(const char *buf, size_t len, struct pt_proc *p);
/* The reason for a failed read of a process: gone, permission, or error. */
enum pt_why pt_procfs_why(int err);
/* NSpid:/NSpgid: of status, their last values (the process's own pid
 * namespace): 0, -ENOENT (no such lines: before Linux 4.1), -EINVAL. */
int pt_parse_status_nspid(const char *buf, size_t len, pid_t *vpid, pid_t *vpgid);
/* Set PT_F_NSPID known from status, or missing (KERNEL, ERROR). */
void pt_status_apply_nspid(const char *buf, size_t len, struct pt_proc *p);
/* CapPrm:, CapEff:, CapInh: of status (hex): 0, -EINVAL. */
int pt_parse_status_caps(const char *buf, size_t len, uint64_t *prm, uint64_t *eff, uint64_t *inh);
/* Set PT_F_CAPS known from status, or missing (ERROR). */
void pt_status_apply_caps(const char *buf, size_t len, struct pt_proc *p);
/*
 * The content of /proc/PID/cgroup: p's cgroup path and id (PT_F_CGROUP) and
 * its container (PT_F_CONTAINER: a pt_ctr_new() reference, or NULL for the
 * host), known or missing with the reason. In a private cgroup namespace
 * (every path "/", ns/cgroup not the reader's) mountinfo is read too, through
 * dirfd (/proc/PID), or when dirfd is -1 through /proc/p->pid opened then.
 * 0, or -ENOMEM.
 */
int pt_procfs_cgroup_apply(const struct pt_procfs *fs, int dirfd, const char *buf, size_t len,
			   struct pt_proc *p);

/* Read a whole small file relative to dirfd into buf (NUL-terminated);
 * returns bytes read or -errno. Truncates at cap-1 and sets *trunc. */
ssize_t pt_read_file_at(int dirfd, const char *name, char *buf, size_t cap, bool *trunc);
/* stat of dirfd (a /proc/PID fd), or of PID under the proc root: 0 or -errno,
 * -EINVAL when malformed. */
int pt_procfs_stat_at(int dirfd, struct pt_stat *st);
int pt_procfs_stat(const struct pt_procfs *fs, pid_t pid, struct pt_stat *st);
/* 0 while PID has an entry under the proc root, else -errno (-ENOENT, -ESRCH: gone). */
int pt_procfs_exists(const struct pt_procfs *fs, pid_t pid);
/* The environment of PID (NUL-separated, as environ shows it), at most max
 * bytes (*trunc when cut), only while PID is still the process that started
 * at start ticks (not 0): 0 with *out malloc'd and NUL-ended (*len bytes
 * before that NUL, maybe 0), or -errno with *why (GONE when reaped or the pid
 * is another process's, ZOMBIE, PERM: another user's without ptrace access). */
int pt_procfs_environ(const struct pt_procfs *fs, pid_t pid, uint64_t start, const char *comm,
		      size_t max, char **out, size_t *len, bool *trunc, enum pt_why *why);
/* Whether PID's cmdline reads non-empty (its exec has set up the new argv). */
bool pt_procfs_has_args(const struct pt_procfs *fs, pid_t pid);
/* readlink of PID's link name ("exe", "cwd") into buf, NUL-terminated:
 * its length, or -errno (-ENAMETOOLONG when it does not fit). */
ssize_t pt_procfs_readlink(const struct pt_procfs *fs, pid_t pid, const char *name, char *buf,
			   size_t cap);
/* Enumerate numeric entries of the proc root (or of a task dir). */
int pt_procfs_list(const struct pt_procfs *fs, pid_t pid, pid_t **out, size_t *n);

/* ---- keys (key.c) ---- */
/* Write BOOT_ID:START:PID into buf: the length, or -ERANGE when len is too small
 * (PT_KEY_MAX always fits), -ENODATA without a boot id or start. */
int pt_key_fmt(char *buf, size_t len, const char *boot_id, uint64_t start, pid_t pid);
/* A boot id as the kernel writes it (8-4-4-4-12 hex digits, maybe a newline after):
 * lowercased into out. 0 or -EINVAL. */
int pt_parse_boot_id(const char *buf, size_t len, char out[PT_BOOT_ID_LEN + 1]);
/* The value of a hex digit, -1 when c is not one. */
int pt_hexval(char c);
/* YYYY-MM-DDTHH:MM:SS[.F](Z|+HH:MM|-HH:MM), 1 to 9 fraction digits, from 1970 on. */
bool pt_parse_rfc3339(const char *s, int64_t *us);

/* ---- identity and field masks ---- */

/*
 * Whether two start times (stat field 22, in ticks) are those of the same
 * process: the pid-reuse test. A fork's time converted to ticks and the value
 * /proc shows may differ by one tick; 0 is unknown and matches anything.
 */
static inline bool pt_same_start(uint64_t a, uint64_t b)
{
	return !a || !b || (a > b ? a - b : b - a) <= 1;
}

/* What /proc/PID/stat gives. */
#define PT_FMASK_STAT                                                                            \
	(PT_FMASK(PT_F_PPID) | PT_FMASK(PT_F_START) | PT_FMASK(PT_F_COMM) | PT_FMASK(PT_F_SID) | \
	 PT_FMASK(PT_F_PGID) | PT_FMASK(PT_F_TTY))
/* The image an exec replaces: a value inherited from the parent must not
 * survive it (cwd, cgroup and namespaces do not change at exec). */
#define PT_FMASK_EXEC_IMAGE (PT_FMASK(PT_F_COMM) | PT_FMASK(PT_F_EXE) | PT_FMASK(PT_F_ARGV))
/* What a scan reads again to report an exec it noticed: the image, the creds
 * a setuid exec changes, and start and ppid, which say it is the same process. */
#define PT_FMASK_EXEC_READ                                                                         \
	(PT_FMASK_EXEC_IMAGE | PT_FMASK(PT_F_CREDS) | PT_FMASK(PT_F_CAPS) | PT_FMASK(PT_F_START) | \
	 PT_FMASK(PT_F_PPID))
/* What a reader racing the exec'd process must get first (inotify captures):
 * argv, exe and comm, then start and ppid. The core reads the rest later. */
#define PT_FMASK_EXEC_CAPTURE (PT_FMASK_EXEC_IMAGE | PT_FMASK(PT_F_START) | PT_FMASK(PT_F_PPID))
/* What a child shares with its parent until it execs. */
#define PT_FMASK_INHERIT                                                                         \
	(PT_FMASK_EXEC_IMAGE | PT_FMASK(PT_F_CREDS) | PT_FMASK(PT_F_SID) | PT_FMASK(PT_F_PGID) | \
	 PT_FMASK(PT_F_TTY) | PT_FMASK(PT_F_CWD) | PT_FMASK(PT_F_CGROUP) | PT_FMASK(PT_F_NS) |   \
	 PT_FMASK(PT_F_LOGINUID) | PT_FMASK(PT_F_CONTAINER) | PT_FMASK(PT_F_CTR_META) |          \
	 PT_FMASK(PT_F_CAPS))

/* ---- system-wide files (procfs-sys.c) ---- */
/* The "last pid" counter (loadavg field 5, else sys/kernel/ns_last_pid) and
 * sys/kernel/pid_max under the proc root. */
int pt_procfs_last_pid(const struct pt_procfs *fs, pid_t *last);
unsigned pt_usable_cpus(int *cpus, unsigned max);
bool pt_kernel_at_least(int major, int minor);
/* The last pid in a /proc/loadavg line: 0 or -EINVAL. */
int pt_parse_last_pid(const char *buf, pid_t *last);
int pt_procfs_pid_max(const struct pt_procfs *fs, pid_t *max);
/* sys/kernel/random/boot_id under the proc root, lowercased: 0 or -errno. */
int pt_procfs_boot_id(const struct pt_procfs *fs, char out[PT_BOOT_ID_LEN + 1]);

/* Can a scanning tier work on this proc root? 0, or -errno with the reason in
 * why. On success why holds a note ("" if none), e.g. about hidepid. */
int pt_scan_probe(const char *proc_root, char *why, size_t len);
/* hidepid of the proc mount at proc_root per a mountinfo file: 0 (off),
 * 1 (noaccess), 2 (invisible), 4 (ptraceable), or -errno (no such mount). */
int pt_proc_hidepid(const char *mountinfo, const char *proc_root);

/* The last pid from a loadavg fd kept open (pread at 0): 0 or -errno. */
int pt_procfs_last_pid_fd(int fd, pid_t *last);
/* Open loadavg under the proc root: an fd or -errno. */
int pt_procfs_loadavg_open(const struct pt_procfs *fs);
/* A number from proc_root/sys/name (NULL root: /proc), e.g. "fs/inotify/max_user_watches". */
int pt_procfs_sysctl(const char *proc_root, const char *name, long *v);
/* Whether /proc/net/connector lists cn_proc: 1 yes (or no /proc to tell),
 * 0 no (no CONFIG_PROC_EVENTS), -ENOENT no connector at all. */
int pt_procfs_cn_proc(void);

/* ---- listing pids from some pid on (procfs-seek.c) ----
 * Listing only the pids from some pid on: procfs places a process's entry at
 * a fixed offset plus its pid (TGID_OFFSET in fs/proc/base.c), so a seek skips
 * the others. pt_pidseek_open learns the offset from the d_off of consecutive
 * entries and checks it with a seek: -EOPNOTSUPP where that fails (a fixture
 * tree). Each user needs its own: the directory offset is its state.
 */
struct pt_pidseek {
	int dir_fd;
	off_t off;
	/* getdents64 records hold 64-bit fields: keep the buffer 8-aligned */
	_Alignas(8) char dents[4096];
};
int pt_pidseek_open(struct pt_pidseek *ps, int root_fd);
void pt_pidseek_close(struct pt_pidseek *ps);
/* Call fn for every process (not thread) from..to, in order, until it returns
 * non-zero; a negative return is returned. 0 or -errno. */
int pt_pidseek_each(struct pt_pidseek *ps, pid_t from, pid_t to, int (*fn)(pid_t, void *),
		    void *data);

/* ---- the image of an exec, read at the race (procfs-exec.c) ---- */
/* One read() of up to cap bytes of dirfd/name: bytes read or -errno. */
ssize_t pt_procfs_read_once(int dirfd, const char *name, char *buf, size_t cap);
struct pt_exec_read {
	const struct pt_procfs *fs;
	uint64_t exec_ticks; /* when the exec happened: a later start is a reused pid */
	char path[32]; /* "PID/" and the file being read */
	size_t dirlen; /* of "PID/" */
	bool gone; /* no /proc/PID at step one: step two reads nothing */
	int r_args, r_exe;
	struct pt_proc *p; /* NULL when out of memory */
};
/* Step one: read what goes when /proc/PID exits (cmdline into argbuf of
 * args_max + 1 bytes, exe). Set x->exec_ticks first. */
void pt_procfs_exec_begin(const struct pt_procfs *fs, char *argbuf, size_t args_max, pid_t pid,
			  struct pt_exec_read *x);
/* Step two: what lasts until it is reaped (status, cgroup, stat); every field read is
 * known or missing with its reason. The record is the caller's. */
struct pt_proc *pt_procfs_exec_finish(struct pt_exec_read *x);

/* ---- process record helpers (proc.c) ---- */
void pt_proc_init(struct pt_proc *p);
/* Free owned strings (exe, args, cwd, cgroup) and the container, keep identity.
 * The exec history (execs/nexecs) is owned by the table and not touched. */
void pt_proc_clear(struct pt_proc *p);
void pt_proc_set_known(struct pt_proc *p, enum pt_field f, enum pt_src src);
void pt_proc_set_missing(struct pt_proc *p, enum pt_field f, enum pt_why why);
static inline bool pt_proc_has(const struct pt_proc *p, enum pt_field f)
{
	return p->src[f] != PT_SRC_NONE;
}
/* Copy the fields src knows into dst (strings duplicated). */
int pt_proc_merge(struct pt_proc *dst, const struct pt_proc *src, unsigned fields);
/* Count NUL-separated args; args must end with NUL (fixed up by the reader). */
unsigned pt_args_count(const char *args, size_t len);
/* Replace the args of p; takes ownership of args. */
void pt_proc_set_args(struct pt_proc *p, char *args, size_t len, bool truncated);
size_t pt_proc_mem(const struct pt_proc *p);
int64_t pt_ticks_to_us(uint64_t ticks, long clk_tck, int64_t boot_us);

/* ---- process table (table.c) ---- */
struct pt_table_opts {
	int64_t retention_us;
	size_t mem_max;
	unsigned exec_history;
	/* start ticks -> wall clock for new records (pt_ticks_to_us); 0 = unknown */
	long clk_tck;
	int64_t boot_us;
	/* the boot id every record points to; "" = unknown (records have no key) */
	char boot_id[PT_BOOT_ID_LEN + 1];
};
struct pt_table;
struct pt_table *pt_table_new(const struct pt_table_opts *o);
void pt_table_free(struct pt_table *t);
/* The live record for pid, else the newest exited one. */
struct pt_proc *pt_table_get(const struct pt_table *t, pid_t pid);
struct pt_proc *pt_table_get_live(const struct pt_table *t, pid_t pid);
struct pt_proc *pt_table_get_at(const struct pt_table *t, pid_t pid, int64_t at_us);
/* The record of (pid, start), live or exited: the exact start first, else one
 * within a tick (pt_same_start). NULL with errno ESRCH. */
struct pt_proc *pt_table_get_start(const struct pt_table *t, pid_t pid, uint64_t start);
/* Remember p's parent at fork time for its parent_key, once p's ppid is known
 * and the parent's record is found (pt_table_touch tries). final: give up
 * (PT_PKEY_GONE) when it is not found, before a reparenting or after a scan. */
void pt_table_bind_parent(struct pt_table *t, struct pt_proc *p, bool final);
/* pt_table_bind_parent(final) for every record not bound yet: after a scan,
 * whose order (pid order) may put a child before its parent. */
void pt_table_bind_parents(struct pt_table *t);
/* Insert a new live record for (pid, start); an older live record for the same
 * pid (pid reuse missed) is closed as exit-unknown first. */
struct pt_proc *pt_table_add(struct pt_table *t, pid_t pid, uint64_t start);
/*
 * A leader EXIT seen while other threads are known: the process is dying
 * thread by thread, or a non-leader thread is exec'ing (the kernel then reports
 * EXIT tgid/tgid for the old leader, then EXEC). The core holds the exit here,
 * outside the public record, until the last thread ends (held_exit) or an exec
 * cancels it (release_exit). pt_table_exit drops it.
 */
void pt_table_hold_exit(struct pt_table *t, struct pt_proc *p, int status, int64_t time_us);
bool pt_table_held_exit(const struct pt_table *t, const struct pt_proc *p, int *status,
			int64_t *time_us);
void pt_table_release_exit(struct pt_table *t, struct pt_proc *p);
/* Mark exited and start retention. */
void pt_table_exit(struct pt_table *t, struct pt_proc *p, int64_t exit_us, enum pt_state st);
/* Importing: a new live record for (pid, start) whatever the table holds for
 * the pid; remove a record; close one with exactly this exit time (0: unknown);
 * give a record an exec history (n entries, taken over: the array and its
 * strings); and the table's stable copy of a boot id (see pt_core_boot_id). */
struct pt_proc *pt_table_insert(struct pt_table *t, pid_t pid, uint64_t start);
void pt_table_remove(struct pt_table *t, struct pt_proc *p);
void pt_table_set_exit(struct pt_table *t, struct pt_proc *p, int64_t exit_us, enum pt_state st);
void pt_table_set_execs(struct pt_table *t, struct pt_proc *p, struct pt_exec *execs, unsigned n);
/* The record of exactly (pid, start), 0 being a start like any other; NULL if none. */
struct pt_proc *pt_table_get_exact(const struct pt_table *t, pid_t pid, uint64_t start);
const char *pt_table_boot_id(struct pt_table *t, const char *boot_id);
/* Push the current exe/args into history before an exec replaces them. */
void pt_table_push_exec(struct pt_table *t, struct pt_proc *p, int64_t time_us);
/* Recompute the record's memory after its strings changed. */
void pt_table_touch(struct pt_table *t, struct pt_proc *p);
/* Drop exited records past retention or over the cap. */
void pt_table_expire(struct pt_table *t, int64_t now_us);
/* New retention and cap; the next pt_table_expire() applies them. */
void pt_table_set_limits(struct pt_table *t, int64_t retention_us, size_t mem_max);
/* Threads: tid -> tgid. */
int pt_table_thread_add(struct pt_table *t, pid_t tid, pid_t tgid);
void pt_table_thread_del(struct pt_table *t, pid_t tid);
pid_t pt_table_thread_tgid(const struct pt_table *t, pid_t tid);
/* The threads of tgid are tids (sorted, as listed in its task dir): add the
 * new ones, drop the ones that ended. */
int pt_table_set_threads(struct pt_table *t, pid_t tgid, const pid_t *tids, size_t n);
int pt_table_foreach_thread(const struct pt_table *t, pid_t tgid, int (*fn)(pid_t, void *),
			    void *data);
int pt_table_foreach(const struct pt_table *t, unsigned select, pt_proc_fn fn, void *data);
/* Exited records, newest exit first. */
int pt_table_foreach_exited(const struct pt_table *t, pt_proc_fn fn, void *data);
struct pt_table_stats {
	uint64_t alive, exited, threads, evicted, expired;
	size_t mem;
};
void pt_table_stats(const struct pt_table *t, struct pt_table_stats *st);
/* The record of p->ppid alive when p started; NULL if unknown or ppid 0. */
struct pt_proc *pt_table_parent(const struct pt_table *t, const struct pt_proc *p);
/* Records whose parent (per pt_table_parent) is p. */
int pt_table_foreach_child(const struct pt_table *t, const struct pt_proc *p, unsigned select,
			   pt_proc_fn fn, void *data);

/* ---- sources ---- */
struct pt_monitor;

/*
 * What a source hands to the core. Sources never touch the table; the core
 * applies raw events in order. info, when set, holds fields the source read
 * (an exec's argv read by the race-winning reader, or everything the BPF tier
 * read in kernel) and is owned by the event.
 */
struct pt_raw {
	enum pt_event_type type;
	int64_t time_us; /* wall clock; 0 = now */
	pid_t pid, tid; /* tgid, thread id */
	pid_t ppid, ptid; /* fork: parent tgid and pid; exit: parent tgid */
	uint64_t start; /* start ticks if known, else 0 */
	bool synthesized;
	struct pt_proc *info; /* optional, owned */
	union {
		struct {
			int status;
			int signal;
			bool core;
		} exit; /* status wait-encoded, or -1 */
		struct {
			uint32_t r, e;
		} id;
		struct {
			pid_t pid, tid;
		} tracer;
		char comm[PT_COMM_LEN];
		struct {
			uint64_t count;
			bool estimated;
			const char *reason;
		} lost;
		struct {
			int err;
			char *path; /* owned, like args; NULL if unknown */
			char *args;
			size_t args_len;
			unsigned argc;
			bool args_truncated, execveat;
		} failed;
	} u;
	int64_t lo_us, hi_us; /* synthesized: the interval it happened in; 0 = unknown */
};

/* names.c: "ENOENT" for ENOENT; NULL when the table has no name for err. */
const char *pt_errno_name(int err);

struct pt_source_ops {
	const char *name;
	enum pt_tier tier;
	/* 0 if the tier can run, else -errno with the reason written to why. */
	int (*probe)(const struct pt_options *o, char *why, size_t len);
	int (*open)(struct pt_monitor *m, void **priv, char *why, size_t len);
	int (*fd)(void *priv);
	/* Handle what is ready; call pt_core_raw() per event. Returns count or -errno. */
	int (*dispatch)(struct pt_monitor *m, void *priv);
	/* Periodic work (poll tier scan); may be NULL. */
	int (*tick)(struct pt_monitor *m, void *priv, int64_t now_us);
	/* Milliseconds until tick should run, or -1. May be NULL. */
	int (*next_tick_ms)(void *priv);
	void (*close)(struct pt_monitor *m, void *priv);
	/* The event types the tier cannot deliver (added to g): of the open source
	 * when priv is set, else as far as can be told without opening. May be NULL. */
	void (*gaps)(const struct pt_options *o, void *priv, struct pt_event_gaps *g);
};

extern const struct pt_source_ops pt_source_bpf;
/* source-bpf.c: run fn(arg) with the libbpf messages of this thread going to m's
 * log (at PT_LOG_DEBUG), as the tier does around its own libbpf calls. For tests;
 * -ENOSYS without the BPF tier. */
int pt_bpf_log_to(const struct pt_monitor *m, int (*fn)(void *arg), void *arg);
extern const struct pt_source_ops pt_source_netlink;
extern const struct pt_source_ops pt_source_inotify;
extern const struct pt_source_ops pt_source_poll;

/* ---- core (monitor.c), called by sources ---- */
void pt_core_raw(struct pt_monitor *m, struct pt_raw *ev); /* consumes ev->info */
const struct pt_options *pt_core_options(const struct pt_monitor *m);

/* abi.c. Copy the caller's options (NULL: defaults) into dst, a whole struct with
 * defaults for what the caller's size leaves out: 0, -EINVAL or -E2BIG. */
int pt_options_import(struct pt_options *dst, const struct pt_options *src);
/* Write src into the caller's size bytes at dst, zeroing what we do not know. */
void pt_status_export(struct pt_status *dst, size_t size, const struct pt_status *src);
const struct pt_procfs *pt_core_procfs(const struct pt_monitor *m);
/* The monitor's container cache (the importer interns into it). */
struct pt_ctr_cache *pt_core_ctrs(struct pt_monitor *m);
/* p's container becomes the cache's entry, counted while p lives (monitor.c). */
void pt_core_settle_ctr(struct pt_monitor *m, struct pt_proc *p);
struct pt_table *pt_core_table(struct pt_monitor *m);
/* Rescan /proc: add unknown processes, close vanished ones. */
int pt_core_resync(struct pt_monitor *m, const char *reason);
/* After a dispatch: report the losses it saw (summed per reason) and run the one
 * resync they armed. pt_monitor_dispatch and pt_monitor_run call it. */
void pt_core_flush(struct pt_monitor *m);
/* Read the ppid again of live processes whose parent has exited since the last
 * call (the kernel reports no reparenting). Run by the monitor's timer. */
void pt_core_reparent(struct pt_monitor *m);
void pt_core_malformed(struct pt_monitor *m);

/* Importing (import.c). An imported event: what is delivered (ev, its proc
 * replaced by the table's record, or NULL when no_proc, or proc when
 * own_proc), the record it is about when import.c made sure of it first, and
 * fix, run on that record before delivery to make it say what the event says. */
struct pt_core_import {
	const struct pt_event *ev;
	bool no_proc;
	bool own_proc; /* deliver proc (outside the table), whatever the path finds */
	bool deliver_only; /* about a process the table holds as exited: no change */
	struct pt_proc *proc;
	void (*fix)(struct pt_monitor *m, struct pt_proc *p, void *data);
	void *data;
};
void pt_core_import_event(struct pt_monitor *m, struct pt_raw *raw,
			  const struct pt_core_import *imp);
/* Whether m was opened with PT_OPEN_EMPTY. */
bool pt_core_empty(const struct pt_monitor *m);
/* A live record for (pid, start), as a source's event creates it. */
struct pt_proc *pt_core_record(struct pt_monitor *m, pid_t pid, uint64_t start, int64_t start_us);
/* The table's copy of a boot id (the monitor's own when it has none yet); NULL
 * when out of memory or when too many distinct ones were seen. */
const char *pt_core_boot_id(struct pt_monitor *m, const char *boot_id);
void pt_log(const struct pt_monitor *m, int level, const char *fmt, ...) PT_PRINTF(3, 4);

/* Clocks */
int64_t pt_now_us(void); /* CLOCK_REALTIME */
int64_t pt_mono_us(void); /* CLOCK_MONOTONIC */
int64_t pt_boot_us(void); /* CLOCK_BOOTTIME */
/* Wall-clock time of the boot, from REALTIME - BOOTTIME. */
int64_t pt_boot_epoch_us(void);
/* Convert a CLOCK_MONOTONIC ns timestamp (proc connector) to wall clock. */
int64_t pt_mono_ns_to_us(const struct pt_monitor *m, uint64_t ns);

#endif
