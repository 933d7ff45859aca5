/* SPDX-License-Identifier: LGPL-2.1-or-later OR GPL-2.0-only */
/*
 * proctrail's BPF tier: one record per fork, exec and exit, read in kernel
 * at the sched_process_* tracepoints and sent through a ring buffer.
 *
 * Each handler exists twice, as tp_btf (typed arguments, needs kernel BTF)
 * and as raw_tp; user space autoloads one set. See READ() for how the two
 * differ.
 *
 * task_rename gives comm events (in both sets); with kernel BTF, programs on
 * syscalls/sys_exit_execve{,at} report failed execs. The uid, gid, sid,
 * ptrace and coredump events come from the proc connector beside the ring
 * buffer (source-bpf.c says why).
 */
#include "vmlinux-min.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "proctrail-event.h"

#define NSEC_PER_TICK (1000000000ULL / PT_BPF_USER_HZ)

/*
 * READ(btf, p, a, b) is p->a->b. tp_btf arguments are typed pointers the
 * verifier lets us load from directly (a few ns a load); raw_tp arguments are
 * plain numbers and need bpf_probe_read_kernel (~25 ns a call). btf is a
 * constant in every inlined copy, so each program keeps one of the two.
 */
#define ___direct1(s, a) ((s)->a)
#define ___direct2(s, a, b) ((s)->a->b)
#define ___direct3(s, a, b, c) ((s)->a->b->c)
#define ___direct4(s, a, b, c, d) ((s)->a->b->c->d)
#define READ(btf, s, ...)                                                          \
	((btf) ? ___bpf_apply(___direct, ___bpf_narg(__VA_ARGS__))(s, __VA_ARGS__) \
	       : BPF_CORE_READ(s, __VA_ARGS__))
#define HDR sizeof(struct pt_bpf_event)
/* path may end up to PT_BPF_PATH_CAP bytes long; masks use twice that */
#define PATH_MASK (2 * PT_BPF_PATH_CAP - 1)
#define SCRATCH_SIZE (HDR + 2 * PT_BPF_PATH_CAP + PT_BPF_ARGV_CAP)
/* exec_failed: argv bytes kept, and the record reserved (one more arg of slack) */
#define FAILED_ARGV_CAP (16 * 1024)
#define FAILED_SIZE (HDR + PT_BPF_PATH_CAP + FAILED_ARGV_CAP + PT_BPF_ARG_CAP)

/* Tunables, set by user space before load. */
const volatile __u32 ignore_tgid = 0;
const volatile __u32 argv_max = 32 * 1024;
/* sched_process_exit(p, group_dead): 6.16+ */
const volatile bool has_group_dead = false;
/* wake the reader at once when this many bytes are waiting, whatever it said */
const volatile __u64 wake_bytes = 2 << 20;

/*
 * Written by user space through the mmap'ed .data: 1 when it sleeps without a
 * timer, so the next record must wake it; 0 while it looks at the ring on its
 * own, every few ms, and wakeups would only cost (see wake_flags()).
 */
__u32 reader_idle = 1;
/* Records that did not fit in the ring buffer; user space reads it mmap'ed. */
__u64 lost_count;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* set from pt_options.ring_size */
} events SEC(".maps");

/*
 * An exec record is assembled here, then copied to the ring buffer with its
 * real size. One slot per CPU (max_entries = possible CPUs, set before load):
 * a per-CPU array cannot hold values over 32 KiB, and a tracepoint program
 * runs with preemption off and is not re-entered on the same CPU.
 */
struct walk {
	struct dentry *dentry;
	struct mount *mnt;
	struct dentry *mnt_root;
	__u32 off, depth, flags;
};
struct scratch {
	__u8 b[SCRATCH_SIZE];
	struct walk w;
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

static __always_inline void count_lost(void)
{
	__sync_fetch_and_add(&lost_count, 1);
}

/*
 * A wakeup is an irq_work, a self-IPI: ~10 us in a VM (measured on KVM),
 * 5-20 times the rest of a handler, and a context switch for the reader.
 * While records flow, the reader looks at the ring every few ms on its own
 * timer and says so in reader_idle: wake it only when it sleeps without one,
 * or when the ring fills up.
 */
static __always_inline __u64 wake_flags(void)
{
	if (*(volatile __u32 *)&reader_idle) {
		reader_idle = 0;
		return BPF_RB_FORCE_WAKEUP;
	}
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wake_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/*
 * After a commit without wakeup: the reader may have gone idle meanwhile,
 * after finding the ring empty. The commit (an xchg) is a full barrier and the
 * reader sets reader_idle before its last look: either that look saw our
 * record, or we see reader_idle here and wake it with an empty record.
 */
static __always_inline void wake_if_idle(void)
{
	void *nudge;

	if (!*(volatile __u32 *)&reader_idle)
		return;
	reader_idle = 0;
	nudge = bpf_ringbuf_reserve(&events, 8, 0);
	if (nudge)
		bpf_ringbuf_discard(nudge, BPF_RB_FORCE_WAKEUP);
}

/* A zeroed record of size bytes (the header at least) and type in the ring
 * buffer, or NULL, counted as lost, when the buffer is full. */
static __always_inline struct pt_bpf_event *reserve(__u64 size, __u32 type)
{
	struct pt_bpf_event *e = bpf_ringbuf_reserve(&events, size, 0);

	if (!e) {
		count_lost();
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->type = type;
	return e;
}

/* Send a reserved record / copy one in: every record leaves through these. */
static __always_inline void submit(void *e)
{
	bpf_ringbuf_submit(e, wake_flags());
	wake_if_idle();
}

static __always_inline long output(void *data, __u64 size)
{
	long r = bpf_ringbuf_output(&events, data, size, wake_flags());

	wake_if_idle();
	return r;
}

/* /proc/PID/stat field 22: the group leader's start, in USER_HZ ticks. */
static __always_inline __u64 start_ticks(struct task_struct *p, bool btf)
{
	struct task_struct *leader = READ(btf, p, group_leader);
	__u64 ns;

	if (bpf_core_field_exists(leader->start_boottime))
		ns = READ(btf, leader, start_boottime);
	else
		ns = READ(btf, (struct task_struct___old *)leader, real_start_time);
	return ns / NSEC_PER_TICK;
}

/* Identity, parent, start and comm. */
static __always_inline void fill_task(struct pt_bpf_event *e, struct task_struct *p, bool btf)
{
	struct task_struct *parent = READ(btf, p, real_parent);

	e->time_ns = bpf_ktime_get_ns();
	e->pid = READ(btf, p, tgid);
	e->tid = READ(btf, p, pid);
	e->ppid = READ(btf, parent, tgid);
	e->ptid = READ(btf, parent, pid);
	e->start = start_ticks(p, btf);
	bpf_core_read_str(e->comm, sizeof(e->comm), &p->comm);
}

/* A leader's pid in the initial namespace: pid->numbers[0].nr, read by probe
 * in both variants (numbers[] is a flexible array to the verifier). */
static __always_inline __u32 leader_nr(struct pid *pid)
{
	return BPF_CORE_READ(pid, numbers[0].nr);
}

/*
 * Session, process group and controlling terminal, as /proc/PID/stat shows
 * them (fields 6, 5 and 7), and the audit login uid: so user space need not
 * read /proc for a process whose fork it did not see. tty_nr is
 * new_encode_dev(tty_devnum(tty)).
 */
static __always_inline void fill_session(struct pt_bpf_event *e, struct task_struct *p, bool btf)
{
	struct signal_struct *sig = READ(btf, p, signal);
	struct tty_struct *tty;
	__u32 major, minor;

	e->loginuid = (__u32)-1;
	if (bpf_core_field_exists(p->loginuid)) {
		e->loginuid = READ(btf, p, loginuid.val);
		e->known |= PT_BPF_K_LOGINUID;
	}
	if (!sig)
		return;
	e->sid = leader_nr(READ(btf, sig, pids[PIDTYPE_SID]));
	e->pgid = leader_nr(READ(btf, sig, pids[PIDTYPE_PGID]));
	tty = READ(btf, sig, tty);
	if (tty) {
		major = READ(btf, tty, driver, major);
		minor = READ(btf, tty, driver, minor_start) + READ(btf, tty, index);
		e->tty_nr = (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
	}
	e->known |= PT_BPF_K_SESSION;
}

/* real_cred: the objective credentials, what /proc/PID/status shows. */
static __always_inline void fill_creds(struct pt_bpf_event *e, struct task_struct *p, bool btf)
{
	const struct cred *cred = READ(btf, p, real_cred);

	e->uid = READ(btf, cred, uid.val);
	e->euid = READ(btf, cred, euid.val);
	e->gid = READ(btf, cred, gid.val);
	e->egid = READ(btf, cred, egid.val);
	e->ns[PT_BPF_NS_USER] = READ(btf, cred, user_ns, ns.inum);
	/* the 8 bytes whole: the same on both layouts of kernel_cap_t (vmlinux-min.h) */
	if (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ &&
	    !bpf_core_read(&e->cap_prm, sizeof(e->cap_prm), &cred->cap_permitted) &&
	    !bpf_core_read(&e->cap_eff, sizeof(e->cap_eff), &cred->cap_effective) &&
	    !bpf_core_read(&e->cap_inh, sizeof(e->cap_inh), &cred->cap_inheritable))
		e->known |= PT_BPF_K_CAPS;
	fill_session(e, p, btf);
}

/*
 * Not bpf_core_type_exists(union kernfs_node_id): a type missing from vmlinux
 * makes libbpf search module BTFs, which needs CAP_SYS_ADMIN. The field test
 * resolves within struct kernfs_node (a union does not match a u64).
 */
static __always_inline __u64 cgroup_id(struct task_struct *p, bool btf)
{
	struct kernfs_node *kn = READ(btf, p, cgroups, dfl_cgrp, kn);

	if (bpf_core_field_exists(struct kernfs_node___old, id))
		return READ(btf, (struct kernfs_node___old *)kn, id.id);
	return READ(btf, kn, id);
}

/* pid->numbers[level]; the caller bounds level. */
static __always_inline struct upid *upid_at(struct pid *pid, unsigned int level)
{
	return (void *)pid + bpf_core_field_offset(struct pid, numbers) +
		(__u64)(level & 63) * bpf_core_type_size(struct upid);
}

/*
 * The process's own pid namespace: its leader's thread_pid->numbers[level].ns
 * (not the nsproxy's pid_ns_for_children), and the tgid and the process
 * group as that namespace numbers them (the last values of NSpid and
 * NSpgid): the group's leader may live in an outer namespace (pgrp->level
 * below ours, or another namespace at our level), and then it is 0 there.
 * Probe reads in both variants: the verifier allows no variable offset on a
 * typed pointer.
 */
static __always_inline void fill_pidns(struct pt_bpf_event *e, struct task_struct *p)
{
	struct pid *pid = BPF_CORE_READ(p, group_leader, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid *upid = upid_at(pid, level);
	struct pid_namespace *ns = BPF_CORE_READ(upid, ns);
	struct pid *pgrp;

	e->ns[PT_BPF_NS_PID] = BPF_CORE_READ(ns, ns.inum);
	if (!ns)
		return;
	e->vpid = BPF_CORE_READ(upid, nr);
	pgrp = BPF_CORE_READ(p, signal, pids[PIDTYPE_PGID]);
	if (pgrp && BPF_CORE_READ(pgrp, level) >= level) {
		upid = upid_at(pgrp, level);
		if (BPF_CORE_READ(upid, ns) == ns)
			e->vpgid = BPF_CORE_READ(upid, nr);
	}
	e->known |= PT_BPF_K_NSPID;
}

static __always_inline void fill_ns(struct pt_bpf_event *e, struct task_struct *p, bool btf)
{
	struct nsproxy *nsp = READ(btf, p, nsproxy);

	e->cgroup_id = cgroup_id(p, btf);
	fill_pidns(e, p);
	if (!nsp)
		return;
	e->ns[PT_BPF_NS_CGROUP] = READ(btf, nsp, cgroup_ns, ns.inum);
	e->ns[PT_BPF_NS_IPC] = READ(btf, nsp, ipc_ns, ns.inum);
	e->ns[PT_BPF_NS_MNT] = READ(btf, nsp, mnt_ns, ns.inum);
	e->ns[PT_BPF_NS_NET] = READ(btf, nsp, net_ns, ns.inum);
	e->ns[PT_BPF_NS_UTS] = READ(btf, nsp, uts_ns, ns.inum);
	if (bpf_core_field_exists(nsp->time_ns))
		e->ns[PT_BPF_NS_TIME] = READ(btf, nsp, time_ns, ns.inum);
}

/*
 * Walk from the executed file's dentry to the root of its mount namespace,
 * crossing mount points (struct mount around each vfsmount), as d_path() does
 * for /proc/PID/exe. Names are stored leaf first; user space reverses them.
 * Returns the bytes written after the header; sets e->flags and path_depth.
 *
 * The walk state lives in the map value, not in registers: each step either
 * crosses a mount or adds a name, and with the cursor in registers the two
 * paths reach the next step in different verifier states, which doubles the
 * states per step (verification hit the 1M instruction limit). Map memory is
 * not tracked, so every step ends in the same state: ~10k instructions.
 * The mask keeps each write in bounds; a path that outgrew PT_BPF_PATH_CAP
 * (and wrapped) is rejected after the loop.
 */
static __always_inline __u32 exe_walk(struct pt_bpf_event *e, struct scratch *s,
				      struct linux_binprm *bprm)
{
	volatile struct walk *w = &s->w;
	struct file *file = BPF_CORE_READ(bprm, file);
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	struct vfsmount *vfsmnt = BPF_CORE_READ(file, f_path.mnt);
	__u32 off;
	int i;

	if (!dentry || !vfsmnt)
		return 0;
	w->dentry = dentry;
	w->mnt = (void *)vfsmnt - bpf_core_field_offset(struct mount, mnt);
	w->mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	w->off = 0;
	w->depth = 0;
	w->flags = 0;
	/* d_unlinked(): unhashed and not its own parent */
	if (!BPF_CORE_READ(dentry, d_hash.pprev) && BPF_CORE_READ(dentry, d_parent) != dentry)
		w->flags = PT_BPF_F_EXE_DELETED;

	for (i = 0; i < PT_BPF_WALK_STEPS; i++) {
		struct dentry *parent;
		const unsigned char *name;
		long n;

		if (w->dentry == w->mnt_root) {
			struct mount *mnt = w->mnt;
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

			if (up == mnt)
				goto done;
			w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			w->mnt = up;
			w->mnt_root = BPF_CORE_READ(up, mnt.mnt_root);
			continue;
		}
		dentry = w->dentry;
		parent = BPF_CORE_READ(dentry, d_parent);
		name = BPF_CORE_READ(dentry, d_name.name);
		off = w->off;
		n = bpf_probe_read_kernel_str(s->b + HDR + (off & (PT_BPF_PATH_CAP - 1)),
					      PT_BPF_NAME_SZ, name);
		if (n <= 1)
			return 0;
		w->off = off + n;
		w->depth += 1;
		if (parent == dentry) {
			/* a root that is no mount's root: memfd, anonymous files */
			w->flags |= PT_BPF_F_EXE_DELETED;
			goto done;
		}
		w->dentry = parent;
	}
	e->flags |= PT_BPF_F_EXE_CUT;
	return 0;
done:
	off = w->off;
	if (off > PT_BPF_PATH_CAP) {
		e->flags |= PT_BPF_F_EXE_CUT;
		return 0;
	}
	e->flags |= w->flags | PT_BPF_F_EXE_WALK;
	e->path_depth = w->depth;
	return off;
}

static __always_inline __u32 read_exe(struct pt_bpf_event *e, struct scratch *s,
				      struct linux_binprm *bprm)
{
	const char *filename;
	long n;
	__u32 len = exe_walk(e, s, bprm);

	if (e->flags & PT_BPF_F_EXE_WALK)
		return len;
	filename = BPF_CORE_READ(bprm, filename);
	n = bpf_probe_read_kernel_str(s->b + HDR, PT_BPF_PATH_CAP, filename);
	if (n <= 1)
		return 0;
	e->flags |= PT_BPF_F_EXE_FILENAME;
	return n;
}

static __always_inline int handle_fork(struct task_struct *child, bool btf)
{
	struct pt_bpf_event *e;

	if (READ(btf, child, tgid) == ignore_tgid)
		return 0;
	e = reserve(sizeof(*e), PT_BPF_FORK);
	if (!e)
		return 0;
	fill_task(e, child, btf);
	if (e->tid != e->pid) {
		e->flags |= PT_BPF_F_THREAD;
	} else {
		fill_creds(e, child, btf);
		fill_ns(e, child, btf);
	}
	submit(e);
	return 0;
}

static __always_inline int handle_exec(struct task_struct *p, pid_t old_pid,
				       struct linux_binprm *bprm, bool btf)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct pt_bpf_event *e;
	struct mm_struct *mm;
	unsigned long arg_start, arg_end;
	__u64 len, size;
	__u32 path_len, off;
	struct scratch *s;

	if (READ(btf, p, tgid) == ignore_tgid)
		return 0;
	s = bpf_map_lookup_elem(&scratch, &cpu);
	if (!s)
		return 0;
	e = (void *)s->b;
	__builtin_memset(e, 0, sizeof(*e));
	e->type = PT_BPF_EXEC;
	fill_task(e, p, btf);
	fill_creds(e, p, btf);
	fill_ns(e, p, btf);
	e->old_tid = old_pid;
	if (e->old_tid != e->tid)
		e->flags |= PT_BPF_F_THREAD_EXEC;

	path_len = read_exe(e, s, bprm);
	e->path_len = path_len;

	mm = READ(btf, p, mm);
	arg_start = READ(btf, mm, arg_start);
	arg_end = READ(btf, mm, arg_end);
	len = arg_end > arg_start ? arg_end - arg_start : 0;
	e->argv_full = len > 0xffffffffULL ? 0xffffffffU : len;
	if (len > argv_max) {
		len = argv_max;
		e->flags |= PT_BPF_F_ARGV_TRUNC;
	}
	off = HDR + (path_len & PATH_MASK);
	/* clang 14 otherwise loses the bound of len on the way to the helper */
	asm volatile("" : "+r"(len));
	if (len > PT_BPF_ARGV_CAP)
		len = 0;
	if (len && bpf_probe_read_user(s->b + off, len, (void *)arg_start)) {
		e->flags |= PT_BPF_F_ARGV_FAULT;
		len = 0;
	}
	e->argv_len = len;

	size = off + len;
	asm volatile("" : "+r"(size));
	if (size > SCRATCH_SIZE)
		return 0;
	if (output(s->b, size))
		count_lost();
	return 0;
}

static __always_inline int handle_exit(struct task_struct *p, bool group_dead, bool btf)
{
	struct pt_bpf_event *e;

	if (READ(btf, p, tgid) == ignore_tgid)
		return 0;
	e = reserve(sizeof(*e), PT_BPF_EXIT);
	if (!e)
		return 0;
	fill_task(e, p, btf);
	e->exit_code = READ(btf, p, exit_code);
	if (!has_group_dead)
		group_dead = READ(btf, p, signal, live.counter) == 0;
	if (!group_dead)
		e->flags |= PT_BPF_F_THREAD;
	submit(e);
	return 0;
}

/* Read ctx[1] only when the tracepoint has it: the load must stay behind the
 * branch the verifier prunes on older kernels. */
static __always_inline bool exit_group_dead(unsigned long long *ctx)
{
	if (has_group_dead)
		return *(volatile unsigned long long *)&ctx[1] & 1;
	return false;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(btf_fork, struct task_struct *parent, struct task_struct *child)
{
	return handle_fork(child, true);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(btf_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return handle_exec(p, old_pid, bprm, true);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(btf_exit, struct task_struct *p)
{
	return handle_exit(p, exit_group_dead(ctx), true);
}

/* ---- renames: task_rename, as the connector's comm event ---- */

#define PF_IO_WORKER 0x00000010
#define PF_KTHREAD 0x00200000

/* An exec renames its task too (to the file's name): not a comm event. */
static __always_inline bool in_exec(struct task_struct *p)
{
	long owner;

	if (bpf_core_field_exists(p->in_execve))
		return BPF_CORE_READ_BITFIELD_PROBED(p, in_execve);
	/* kernels without in_execve: the exec holds cred_guard_mutex throughout */
	owner = BPF_CORE_READ(p, signal, cred_guard_mutex.owner.counter);
	return (owner & ~7L) == (long)p;
}

/*
 * task_rename fires before the new name is copied: it comes from the
 * argument. prctl(PR_SET_NAME) and writes to /proc/PID/comm are what the
 * proc connector reports; kernel threads and io_uring workers name
 * themselves without it, and an exec's rename is the exec's.
 */
static __always_inline int handle_rename(struct task_struct *p, const char *comm, bool btf)
{
	struct pt_bpf_event *e;

	if (READ(btf, p, tgid) == ignore_tgid ||
	    (READ(btf, p, flags) & (PF_KTHREAD | PF_IO_WORKER)))
		return 0;
	if (in_exec(p))
		return 0;
	e = reserve(sizeof(*e), PT_BPF_COMM);
	if (!e)
		return 0;
	fill_task(e, p, btf);
	bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), comm);
	submit(e);
	return 0;
}

SEC("tp_btf/task_rename")
int BPF_PROG(btf_rename, struct task_struct *p, const char *comm)
{
	return handle_rename(p, comm, true);
}

SEC("raw_tp/task_rename")
int BPF_PROG(raw_rename, struct task_struct *p, const char *comm)
{
	return handle_rename(p, comm, false);
}

/* ---- failed execs: syscalls/sys_exit_execve{,at} (tp_btf variant only) ---- */

/*
 * The arguments are still in the caller's user registers, and its memory
 * intact (the exec failed before its point of no return, or the process
 * dies anyway). A success returns at once: no map, no read. The record is
 * assembled in the ring buffer itself: syscall tracepoints may run
 * preemptible, and a per-CPU slot could be taken by another task meanwhile.
 */
#if defined(__TARGET_ARCH_x86)
#define PT_SYSCALL_ARG(regs, n)           \
	((n) == 0	    ? (regs)->di  \
		 : (n) == 1 ? (regs)->si  \
		 : (n) == 2 ? (regs)->dx  \
		 : (n) == 3 ? (regs)->r10 \
			    : (regs)->r8)
#define PT_SYSCALL_ARGS 1
#elif defined(__TARGET_ARCH_arm64)
#define PT_SYSCALL_ARG(regs, n) ((n) == 0 ? (regs)->orig_x0 : (regs)->regs[(n)])
#define PT_SYSCALL_ARGS 1
#else
#define PT_SYSCALL_ARG(regs, n) 0
#define PT_SYSCALL_ARGS 0
#endif
/* user space reads it: 0 when this architecture's registers are unknown here */
const volatile bool syscall_args_known = PT_SYSCALL_ARGS;

/* syscalls/sys_exit_*: the tracefs format's fields after the common header */
struct sys_exit_ctx {
	__u64 common;
	long nr;
	long ret;
};

static __always_inline int exec_failed(long ret, int path_arg, __u32 flags)
{
	struct task_struct *p;
	struct pt_regs *regs;
	const char *filename;
	const char *const *argv;
	struct pt_bpf_event *e;
	__u32 path_len, len, max = argv_max < FAILED_ARGV_CAP ? argv_max : FAILED_ARGV_CAP;
	long n;
	int i;

	if (ret >= 0 || !PT_SYSCALL_ARGS)
		return 0;
	p = bpf_get_current_task_btf();
	if (p->tgid == ignore_tgid)
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(p);
	filename = (const char *)PT_SYSCALL_ARG(regs, path_arg);
	argv = (const char *const *)PT_SYSCALL_ARG(regs, path_arg + 1);
	e = reserve(FAILED_SIZE, PT_BPF_EXEC_FAILED);
	if (!e)
		return 0;
	e->flags = flags;
	e->err = -ret;
	fill_task(e, p, true);
	fill_creds(e, p, true);
	fill_ns(e, p, true);

	n = bpf_probe_read_user_str((char *)e + HDR, PT_BPF_PATH_CAP, filename);
	if (n < 0) {
		e->flags |= PT_BPF_F_PATH_FAULT;
		n = 0;
	}
	path_len = n & (2 * PT_BPF_PATH_CAP - 1);
	if (path_len > PT_BPF_PATH_CAP)
		path_len = 0;
	e->path_len = path_len;

	/*
	 * The cursor lives in the record (memory the verifier does not track),
	 * as exe_walk's does in the map: every iteration then ends in the same
	 * verifier state. With it in a register, each bound of len was a state
	 * of its own and verification did not end.
	 */
	for (i = 0; i < PT_BPF_ARGS_MAX; i++) {
		const char *arg = NULL;
		volatile __u32 *cur = &e->argv_len;
		__u32 off = *cur;

		if (bpf_probe_read_user(&arg, sizeof(arg), &argv[i])) {
			e->flags |= PT_BPF_F_ARGV_FAULT;
			break;
		}
		if (!arg)
			break;
		if (off >= max || off >= FAILED_ARGV_CAP) {
			e->flags |= PT_BPF_F_ARGV_TRUNC;
			break;
		}
		n = bpf_probe_read_user_str((char *)e + HDR + path_len + off, PT_BPF_ARG_CAP, arg);
		if (n <= 0) {
			e->flags |= PT_BPF_F_ARGV_FAULT;
			break;
		}
		if (n == PT_BPF_ARG_CAP)
			e->flags |= PT_BPF_F_ARGV_TRUNC; /* maybe cut */
		*cur = off + n;
	}
	if (i == PT_BPF_ARGS_MAX)
		e->flags |= PT_BPF_F_ARGV_TRUNC;
	len = e->argv_len;
	if (len > max) {
		len = max;
		e->flags |= PT_BPF_F_ARGV_TRUNC;
	}
	e->argv_len = len;
	e->argv_full = len;
	submit(e);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_execve")
int tp_exec_ret(struct sys_exit_ctx *ctx)
{
	return exec_failed(ctx->ret, 0, 0);
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int tp_execat_ret(struct sys_exit_ctx *ctx)
{
	return exec_failed(ctx->ret, 1, PT_BPF_F_EXECVEAT);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(raw_fork, struct task_struct *parent, struct task_struct *child)
{
	return handle_fork(child, false);
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(raw_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return handle_exec(p, old_pid, bprm, false);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(raw_exit, struct task_struct *p)
{
	return handle_exit(p, exit_group_dead(ctx), false);
}

char LICENSE[] SEC("license") = "GPL";
