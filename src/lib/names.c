/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "internal.h"

static const char *const tier_names[PT_TIER_COUNT] = {
	[PT_TIER_AUTO] = "auto",       [PT_TIER_BPF] = "bpf",	[PT_TIER_NETLINK] = "netlink",
	[PT_TIER_INOTIFY] = "inotify", [PT_TIER_POLL] = "poll", [PT_TIER_NONE] = "none",
};

static const char *const event_names[PT_EV_COUNT] = {
	[PT_EV_FORK] = "fork",
	[PT_EV_EXEC] = "exec",
	[PT_EV_EXIT] = "exit",
	[PT_EV_UID] = "uid",
	[PT_EV_GID] = "gid",
	[PT_EV_SID] = "sid",
	[PT_EV_COMM] = "comm",
	[PT_EV_PTRACE] = "ptrace",
	[PT_EV_COREDUMP] = "coredump",
	[PT_EV_LOST] = "lost",
	[PT_EV_EXEC_FAILED] = "exec_failed",
};

static const char *const field_names[PT_F_COUNT] = {
	[PT_F_PPID] = "ppid",
	[PT_F_START] = "start",
	[PT_F_COMM] = "comm",
	[PT_F_EXE] = "exe",
	[PT_F_ARGV] = "argv",
	[PT_F_CREDS] = "creds",
	[PT_F_SID] = "sid",
	[PT_F_PGID] = "pgid",
	[PT_F_TTY] = "tty",
	[PT_F_CWD] = "cwd",
	[PT_F_CGROUP] = "cgroup",
	[PT_F_NS] = "ns",
	[PT_F_LOGINUID] = "loginuid",
	[PT_F_CONTAINER] = "container",
	[PT_F_CTR_META] = "container_meta",
	[PT_F_NSPID] = "nspid",
	[PT_F_CAPS] = "caps",
};

static const char *const why_names[PT_WHY_COUNT] = {
	[PT_WHY_NONE] = "known",	  [PT_WHY_NOT_READ] = "not_read",
	[PT_WHY_GONE] = "gone",		  [PT_WHY_ZOMBIE] = "zombie",
	[PT_WHY_PERM] = "permission",	  [PT_WHY_KERNEL] = "unsupported",
	[PT_WHY_ERROR] = "error",	  [PT_WHY_LOST] = "lost",
	[PT_WHY_NOT_FOUND] = "not_found",
};

static const char *const src_names[] = {
	[PT_SRC_NONE] = "none",		  [PT_SRC_PROC] = "proc", [PT_SRC_EVENT] = "event",
	[PT_SRC_INHERITED] = "inherited", [PT_SRC_BPF] = "bpf",
};

/* Names as in /proc/PID/ns/ */
static const char *const ns_names[PT_NS_COUNT] = {
	[PT_NS_CGROUP] = "cgroup", [PT_NS_IPC] = "ipc", [PT_NS_MNT] = "mnt",
	[PT_NS_NET] = "net",	   [PT_NS_PID] = "pid", [PT_NS_TIME] = "time",
	[PT_NS_USER] = "user",	   [PT_NS_UTS] = "uts",
};

#define NAME_OF(tbl, i) ((unsigned)(i) < PT_ARRAY_SIZE(tbl) && tbl[i] ? tbl[i] : "unknown")

PT_EXPORT const char *pt_tier_name(enum pt_tier t)
{
	return NAME_OF(tier_names, t);
}

PT_EXPORT const char *pt_event_name(enum pt_event_type t)
{
	return NAME_OF(event_names, t);
}

PT_EXPORT const char *pt_field_name(enum pt_field f)
{
	return NAME_OF(field_names, f);
}

PT_EXPORT const char *pt_why_name(enum pt_why w)
{
	return NAME_OF(why_names, w);
}

PT_EXPORT const char *pt_src_name(enum pt_src s)
{
	return NAME_OF(src_names, s);
}

PT_EXPORT const char *pt_ns_name(enum pt_ns n)
{
	return NAME_OF(ns_names, n);
}

static int lookup(const char *const *tbl, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (tbl[i] && strcmp(tbl[i], name) == 0)
			return (int)i;
	return -EINVAL;
}

PT_EXPORT int pt_tier_from_name(const char *name, enum pt_tier *out)
{
	int i = lookup(tier_names, PT_ARRAY_SIZE(tier_names), name);

	if (i < 0)
		return i;
	*out = (enum pt_tier)i;
	return 0;
}

PT_EXPORT int pt_event_from_name(const char *name, enum pt_event_type *out)
{
	int i = lookup(event_names, PT_ARRAY_SIZE(event_names), name);

	if (i < 0)
		return i;
	*out = (enum pt_event_type)i;
	return 0;
}

PT_EXPORT const char *pt_args_next(const char *args, size_t args_len, const char *cur)
{
	const char *end = args + args_len;

	if (!args || !args_len)
		return NULL;
	if (!cur)
		return args;
	cur += strnlen(cur, (size_t)(end - cur)) + 1;
	return cur < end ? cur : NULL;
}

/* errno names, for exec_failed's evt.res (as Falco spells them); NULL if unknown. */
const char *pt_errno_name(int err)
{
	static const struct {
		int n;
		const char *name;
	} names[] = {
		{EPERM, "EPERM"},
		{ENOENT, "ENOENT"},
		{ESRCH, "ESRCH"},
		{EINTR, "EINTR"},
		{EIO, "EIO"},
		{ENXIO, "ENXIO"},
		{E2BIG, "E2BIG"},
		{ENOEXEC, "ENOEXEC"},
		{EBADF, "EBADF"},
		{EAGAIN, "EAGAIN"},
		{ENOMEM, "ENOMEM"},
		{EACCES, "EACCES"},
		{EFAULT, "EFAULT"},
		{EBUSY, "EBUSY"},
		{EEXIST, "EEXIST"},
		{EXDEV, "EXDEV"},
		{ENODEV, "ENODEV"},
		{ENOTDIR, "ENOTDIR"},
		{EISDIR, "EISDIR"},
		{EINVAL, "EINVAL"},
		{ENFILE, "ENFILE"},
		{EMFILE, "EMFILE"},
		{ETXTBSY, "ETXTBSY"},
		{EFBIG, "EFBIG"},
		{ENOSPC, "ENOSPC"},
		{EROFS, "EROFS"},
		{ENAMETOOLONG, "ENAMETOOLONG"},
		{ENOSYS, "ENOSYS"},
		{ELOOP, "ELOOP"},
		{ELIBBAD, "ELIBBAD"},
		{ELIBACC, "ELIBACC"},
		{EOVERFLOW, "EOVERFLOW"},
		{ESTALE, "ESTALE"},
		{EKEYREJECTED, "EKEYREJECTED"},
	};

	for (size_t i = 0; i < PT_ARRAY_SIZE(names); i++)
		if (names[i].n == err)
			return names[i].name;
	return NULL;
}
