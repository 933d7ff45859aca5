/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The record proctrail.bpf.c writes to the ring buffer, shared with user
 * space. Fixed-width __u32/__u64 fields only, so both compilers agree on the
 * layout.
 *
 * Layout of one ring buffer record:
 *   struct pt_bpf_event
 *   path_len bytes: the executable (exec only, see PT_BPF_F_EXE_*); exec_failed:
 *                   the path execve was given, NUL-terminated
 *   argv_len bytes: argv as in /proc/PID/cmdline (exec and exec_failed)
 * The other records are the bare header.
 */
#ifndef PROCTRAIL_EVENT_H
#define PROCTRAIL_EVENT_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define PT_BPF_ARGV_CAP (128 * 1024) /* most argv bytes one record carries; power of 2 */
#define PT_BPF_PATH_CAP 4096 /* bytes of exe path (PATH_MAX); power of 2 */
#define PT_BPF_NAME_SZ 256 /* one path component with its NUL (NAME_MAX + 1) */
#define PT_BPF_WALK_STEPS 48 /* exe walk: path components + mount crossings */
#define PT_BPF_USER_HZ 100 /* /proc/PID/stat clock ticks */

enum pt_bpf_type {
	PT_BPF_FORK = 1,
	PT_BPF_EXEC = 2,
	PT_BPF_EXIT = 3,
	/*
	 * The connector's other events. Only PT_BPF_COMM is written today (by
	 * task_rename; comm is the new name); uid, gid, sid, ptrace and coredump
	 * come from the proc connector beside the ring buffer, as fentry on
	 * proc_*_connector is refused on some kernels. The decoder knows the
	 * record types for programs on those hooks where a kernel allows them.
	 */
	PT_BPF_UID = 4, /* uid/euid after the change */
	PT_BPF_GID = 5, /* gid/egid after the change */
	PT_BPF_SID = 6, /* setsid() */
	PT_BPF_COMM = 7, /* prctl(PR_SET_NAME), /proc/PID/comm; comm is the new name */
	PT_BPF_PTRACE = 8, /* tracer_pid/tid, 0 on detach */
	PT_BPF_COREDUMP = 9,
	/* execve/execveat returned an error: err, the path and argv asked for */
	PT_BPF_EXEC_FAILED = 10,
};

/* fork: clone(CLONE_THREAD); exit: not the last thread of its process */
#define PT_BPF_F_THREAD (1u << 0)
/* exec: a thread other than the leader called exec (old_tid != tid) */
#define PT_BPF_F_THREAD_EXEC (1u << 1)
/* exec: argv was longer than the configured size and was cut */
#define PT_BPF_F_ARGV_TRUNC (1u << 2)
/* exec: reading argv faulted; argv_len is 0 */
#define PT_BPF_F_ARGV_FAULT (1u << 3)
/* exec: path holds path_depth NUL-terminated dentry names, leaf first, from
 * a walk up to the root of the mount namespace (what /proc/PID/exe shows) */
#define PT_BPF_F_EXE_WALK (1u << 4)
/* exec: the walk failed; path holds bprm->filename as passed to execve */
#define PT_BPF_F_EXE_FILENAME (1u << 5)
/* exec: the walk was cut (too deep or too long), hence EXE_FILENAME */
#define PT_BPF_F_EXE_CUT (1u << 6)
/* exec: the file is unlinked or has no parent (memfd): d_path adds " (deleted)" */
#define PT_BPF_F_EXE_DELETED (1u << 7)
/* exec_failed: reading the path faulted; path_len is 0 */
#define PT_BPF_F_PATH_FAULT (1u << 8)
/* exec_failed: execveat(), the path is relative to a directory fd (or empty) */
#define PT_BPF_F_EXECVEAT (1u << 9)

/* exec_failed: at most this many args are read, each at most PT_BPF_ARG_CAP bytes */
#define PT_BPF_ARGS_MAX 64
#define PT_BPF_ARG_CAP 4096

/* Namespaces, in the order of enum pt_ns. */
enum pt_bpf_ns {
	PT_BPF_NS_CGROUP = 0,
	PT_BPF_NS_IPC,
	PT_BPF_NS_MNT,
	PT_BPF_NS_NET,
	PT_BPF_NS_PID,
	PT_BPF_NS_TIME,
	PT_BPF_NS_USER,
	PT_BPF_NS_UTS,
	PT_BPF_NS_COUNT,
};

struct pt_bpf_event {
	__u32 type; /* enum pt_bpf_type */
	__u32 flags; /* PT_BPF_F_* */
	__u64 time_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 start; /* group leader's start_boottime in USER_HZ ticks (stat field 22) */
	__u64 cgroup_id; /* cgroup v2 id (kernfs node id); 0 for exit records */
	__u64 ns[PT_BPF_NS_COUNT]; /* inode numbers; 0 when not read */
	__u32 pid, tid; /* tgid and thread id */
	__u32 ppid, ptid; /* real parent's tgid and thread id */
	__u32 old_tid; /* exec: the caller's tid before exec */
	__u32 exit_code; /* exit: task->exit_code, wait-status encoded */
	__u32 uid, euid, gid, egid; /* real_cred, as /proc/PID/status */
	__u32 path_len; /* bytes after the header */
	__u32 path_depth; /* components in path (PT_BPF_F_EXE_WALK) */
	__u32 argv_len; /* bytes after the path */
	__u32 argv_full; /* arg_end - arg_start, before truncation */
	__u8 comm[16];
	/* appended for the connector hooks and exec_failed */
	__u32 tracer_pid, tracer_tid; /* ptrace: the tracer (current), 0 on detach */
	__s32 err; /* exec_failed: the errno execve returned (positive) */
	__u32 vpid; /* PT_BPF_K_NSPID: the tgid in the process's own pid namespace */
	/* fork of a process and exec, as /proc/PID/stat and loginuid show them */
	__u32 known; /* PT_BPF_K_*: which of these were read */
	__u32 sid, pgid; /* session and process group leaders (initial pid namespace) */
	__u32 tty_nr; /* stat field 7: controlling terminal, 0 for none */
	__u32 loginuid; /* audit login uid, (__u32)-1 when unset */
	/* PT_BPF_K_NSPID: the process group in the process's own pid namespace,
	 * 0 when its leader is outside that namespace (as NSpgid shows it) */
	__u32 vpgid;
	/* PT_BPF_K_CAPS: real_cred's capability sets, as CapPrm/CapEff/CapInh */
	__u64 cap_prm, cap_eff, cap_inh;
};

/* struct pt_bpf_event.known */
#define PT_BPF_K_SESSION (1u << 0) /* sid, pgid, tty_nr */
#define PT_BPF_K_LOGINUID (1u << 1) /* loginuid (kernels with CONFIG_AUDIT) */
#define PT_BPF_K_NSPID (1u << 2) /* vpid, vpgid (fork of a process, exec, exec_failed) */
#define PT_BPF_K_CAPS (1u << 3) /* cap_prm, cap_eff, cap_inh (little-endian kernels) */

#ifndef __bpf__
/* User-space decoding (src/lib/bpf-decode.c). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pt_raw;

/* What a record says beyond struct pt_raw. */
struct pt_bpf_meta {
	uint64_t time_ns; /* CLOCK_MONOTONIC */
	uint64_t cgroup_id;
	uint32_t flags; /* PT_BPF_F_* */
	uint32_t tid; /* the thread the record is about */
	uint32_t old_tid; /* exec: the caller's tid before exec */
};

/*
 * Decode one ring buffer record into raw (raw->info malloc'd for fork of a
 * process, exec, exit and exec_failed; for exec_failed also
 * raw->u.failed.path and .args: pt_bpf_raw_free() frees all). raw->time_us is left 0 for the caller to convert
 * meta->time_ns. Conventions, as the core reads them:
 *  - fork: tid != pid for a thread;
 *  - exec: tid is the thread that called exec (meta->old_tid);
 *  - exit: tid == pid for the exit of the process (its last thread, which
 *    may be another thread: meta->tid), tid != pid for a thread.
 * Returns 0, 1 when the record carries nothing to report (the exit of a
 * leader thread whose process lives on), -EINVAL for a malformed record,
 * -ENOMEM.
 */
int pt_bpf_decode(const void *data, size_t len, struct pt_raw *raw, struct pt_bpf_meta *meta);

/*
 * The cgroup path and container of a fork or exec record's process p, from
 * the v2 path its cgroup id resolved to (pt_cgid_path(); NULL when it did
 * not). Sets p->cgroup (PT_F_CGROUP) and p->ctr (PT_F_CONTAINER: NULL is the
 * host) from PT_SRC_BPF. On a hybrid host (hybrid: the v2 hierarchy beside v1
 * ones) only a v2 path that names a container is taken: otherwise both are
 * left to the core's /proc read. 0 or -ENOMEM.
 */
struct pt_proc;
int pt_bpf_attribute(struct pt_proc *p, const char *path, bool hybrid);

/* Free what pt_bpf_decode() allocated in raw. */
void pt_bpf_raw_free(struct pt_raw *raw);

/* Sum the per-CPU ring buffer drop counters; when they grew past *total,
 * fill raw with a PT_EV_LOST for the difference, update *total, return true. */
bool pt_bpf_lost(uint64_t *total, const uint64_t *percpu, unsigned ncpu, struct pt_raw *raw);

/*
 * Before 6.16 the exit tracepoint has no group_dead, and two threads exiting
 * together can both see signal->live == 0: remember recent process exits so
 * the second one is dropped.
 */
#define PT_BPF_EXITS_KEPT 64
struct pt_bpf_exits {
	struct {
		uint32_t pid;
		uint64_t start;
	} e[PT_BPF_EXITS_KEPT];
	unsigned next;
};
/* True when (pid, start) exited already; else remembers it. */
bool pt_bpf_exit_seen(struct pt_bpf_exits *x, uint32_t pid, uint64_t start);

/* From libbpf's log of a failed load, the line that says why: the
 * verifier's complaint when there is a verifier log, else the last line. */
void pt_bpf_log_reason(const char *log, char *out, size_t len);
#endif

#endif
