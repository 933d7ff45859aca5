/* SPDX-License-Identifier: LGPL-2.1 WITH Linux-syscall-note */
/*
 * Proc connector wire format (include/uapi/linux/cn_proc.h) as of Linux 6.6,
 * under names of our own: build hosts such as Debian 12 ship older headers
 * without struct proc_input, PROC_EVENT_NONZERO_EXIT and PROC_EVENT_ALL, and
 * newer hosts define those names, so neither may be assumed. Support is
 * detected at run time. `what` is a plain __u32 here: the kernel's
 * `enum what` relies on 0x80000000 fitting an int-sized enum.
 */
#ifndef PT_CN_PROC_COMPAT_H
#define PT_CN_PROC_COMPAT_H

#include <linux/types.h>

/* Connector id of the process events connector (include/uapi/linux/connector.h). */
#define PT_CN_IDX_PROC 0x1u
#define PT_CN_VAL_PROC 0x1u

/* The legacy subscription payload: one __u32 op (cn_msg.len == 4). */
#define PT_PROC_CN_MCAST_LISTEN 1u
#define PT_PROC_CN_MCAST_IGNORE 2u

#define PT_PROC_EVENT_NONE 0x00000000u /* an ACK of a subscription request */
#define PT_PROC_EVENT_FORK 0x00000001u
#define PT_PROC_EVENT_EXEC 0x00000002u
#define PT_PROC_EVENT_UID 0x00000004u
#define PT_PROC_EVENT_GID 0x00000040u
#define PT_PROC_EVENT_SID 0x00000080u
#define PT_PROC_EVENT_PTRACE 0x00000100u
#define PT_PROC_EVENT_COMM 0x00000200u
/* 6.6+: a filter bit only; such events are delivered with what == EXIT. */
#define PT_PROC_EVENT_NONZERO_EXIT 0x20000000u
#define PT_PROC_EVENT_COREDUMP 0x40000000u
#define PT_PROC_EVENT_EXIT 0x80000000u

#define PT_PROC_EVENT_ALL                                                                  \
	(PT_PROC_EVENT_FORK | PT_PROC_EVENT_EXEC | PT_PROC_EVENT_UID | PT_PROC_EVENT_GID | \
	 PT_PROC_EVENT_SID | PT_PROC_EVENT_PTRACE | PT_PROC_EVENT_COMM |                   \
	 PT_PROC_EVENT_NONZERO_EXIT | PT_PROC_EVENT_COREDUMP | PT_PROC_EVENT_EXIT)

/* 6.6+ subscription payload (cn_msg.len == 8); older kernels ignore it. */
struct pt_proc_input {
	__u32 mcast_op; /* PT_PROC_CN_MCAST_* */
	__u32 event_type; /* PT_PROC_EVENT_* mask; 0 means ALL */
};

/* Layout-compatible with struct proc_event. */
struct pt_proc_event {
	__u32 what;
	__u32 cpu;
	__u64 __attribute__((aligned(8))) timestamp_ns; /* CLOCK_MONOTONIC */
	union {
		struct {
			__u32 err;
		} ack;
		struct {
			__kernel_pid_t parent_pid, parent_tgid;
			__kernel_pid_t child_pid, child_tgid;
		} fork;
		struct {
			__kernel_pid_t process_pid, process_tgid;
		} exec;
		struct {
			__kernel_pid_t process_pid, process_tgid;
			__u32 r; /* ruid or rgid */
			__u32 e; /* euid or egid */
		} id;
		struct {
			__kernel_pid_t process_pid, process_tgid;
		} sid;
		struct {
			__kernel_pid_t process_pid, process_tgid;
			__kernel_pid_t tracer_pid, tracer_tgid;
		} ptrace;
		struct {
			__kernel_pid_t process_pid, process_tgid;
			char comm[16];
		} comm;
		struct {
			__kernel_pid_t process_pid, process_tgid;
			__kernel_pid_t parent_pid, parent_tgid; /* since 4.18 */
		} coredump;
		struct {
			__kernel_pid_t process_pid, process_tgid;
			__u32 exit_code, exit_signal;
			__kernel_pid_t parent_pid, parent_tgid; /* since 4.18 */
		} exit;
	} event_data;
};

/* Bytes of struct pt_proc_event before event_data. */
#define PT_PROC_EVENT_HDRLEN 16u

#endif
