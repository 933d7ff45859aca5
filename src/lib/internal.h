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
	gid_t gid, egid;
	int tty_nr; /* stat field 7; 0 = no controlling terminal */
	char *cwd;
	char *cgroup; /* the cgroup v2 path, or the first hierarchy's */
	char *container_id; /* NULL when not in a recognised container */
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
/* Append "key":[...] for NUL-separated args, plus "key_b64" when needed. */
void pt_json_kv_args(struct pt_buf *b, const char *key, const char *args, size_t len);
void pt_base64(struct pt_buf *b, const void *p, size_t n);
bool pt_utf8_valid(const char *s, size_t n);
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
struct pt_procfs {
	int root_fd; /* O_PATH|O_DIRECTORY fd of the proc root */
	long clk_tck; /* sysconf(_SC_CLK_TCK) */
	size_t args_max;
	char root[256];
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
	uint64_t start; /* field 22 */
	long nthreads;
};
int pt_parse_stat(const char *buf, size_t len, struct pt_stat *st);
int pt_parse_status_creds(const char *buf, size_t len, uid_t uid[4], gid_t gid[4], pid_t *tgid);
/* cgroup: prefer the v2 "0::" line. Sets *path (malloc) and *container_id. */
int pt_parse_cgroup(const char *buf, size_t len, char **path, char **container_id);
/* Count NUL-separated args; args must end with NUL (fixed up by the reader). */
unsigned pt_args_count(const char *args, size_t len);

/* Read a whole small file relative to dirfd into buf (NUL-terminated);
 * returns bytes read or -errno. Truncates at cap-1 and sets *trunc. */
ssize_t pt_read_file_at(int dirfd, const char *name, char *buf, size_t cap, bool *trunc);
/* Enumerate numeric entries of the proc root (or of a task dir). */
int pt_procfs_list(const struct pt_procfs *fs, pid_t pid, pid_t **out, size_t *n);

/* ---- process record helpers (proc.c) ---- */
void pt_proc_init(struct pt_proc *p);
/* Free owned strings (exe, args, cwd, cgroup, container_id), keep identity.
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
};
struct pt_table;
struct pt_table *pt_table_new(const struct pt_table_opts *o);
void pt_table_free(struct pt_table *t);
/* The live record for pid, else the newest exited one. */
struct pt_proc *pt_table_get(const struct pt_table *t, pid_t pid);
struct pt_proc *pt_table_get_live(const struct pt_table *t, pid_t pid);
struct pt_proc *pt_table_get_at(const struct pt_table *t, pid_t pid, int64_t at_us);
/* Insert a new live record for (pid, start); an older live record for the same
 * pid (pid reuse missed) is closed as exit-unknown first. */
struct pt_proc *pt_table_add(struct pt_table *t, pid_t pid, uint64_t start);
/* Mark exited and start retention. */
void pt_table_exit(struct pt_table *t, struct pt_proc *p, int64_t exit_us, enum pt_state st);
/* Push the current exe/args into history before an exec replaces them. */
void pt_table_push_exec(struct pt_table *t, struct pt_proc *p, int64_t time_us);
/* Recompute the record's memory after its strings changed. */
void pt_table_touch(struct pt_table *t, struct pt_proc *p);
/* Drop exited records past retention or over the cap. */
void pt_table_expire(struct pt_table *t, int64_t now_us);
/* Threads: tid -> tgid. */
int pt_table_thread_add(struct pt_table *t, pid_t tid, pid_t tgid);
void pt_table_thread_del(struct pt_table *t, pid_t tid);
pid_t pt_table_thread_tgid(const struct pt_table *t, pid_t tid);
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
	} u;
	int64_t lo_us, hi_us; /* synthesized: the interval it happened in; 0 = unknown */
};

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
};

extern const struct pt_source_ops pt_source_bpf;
extern const struct pt_source_ops pt_source_netlink;
extern const struct pt_source_ops pt_source_inotify;
extern const struct pt_source_ops pt_source_poll;

/* ---- core (monitor.c), called by sources ---- */
void pt_core_raw(struct pt_monitor *m, struct pt_raw *ev); /* consumes ev->info */
const struct pt_options *pt_core_options(const struct pt_monitor *m);
const struct pt_procfs *pt_core_procfs(const struct pt_monitor *m);
struct pt_table *pt_core_table(struct pt_monitor *m);
/* Rescan /proc: add unknown processes, close vanished ones. */
int pt_core_resync(struct pt_monitor *m, const char *reason);
void pt_core_malformed(struct pt_monitor *m);
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
