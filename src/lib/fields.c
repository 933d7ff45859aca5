/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The field registry: every field of a process record and of an event, one
 * row each. JSON output, text output, -o columns and (later) conditions and
 * SQL columns iterate this table, so adding a field is one row here plus the
 * code that fills it.
 *
 * Rows are only ever appended: an index, once published, keeps its meaning
 * (tests/unit/test-fields.c holds the frozen list). Where Falco has a field
 * with the same meaning the condition name is Falco's (proc.name is comm,
 * proc.exepath the executable, proc.exe argv[0], user.uid the effective uid).
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "internal.h"

/* ---- value setters ---- */

static void v_int(struct pt_value *v, int64_t i)
{
	v->known = true;
	v->i = i;
}

static void v_uint(struct pt_value *v, uint64_t u)
{
	v->known = true;
	v->u = u;
}

static void v_bool(struct pt_value *v, bool b)
{
	v->known = true;
	v->b = b;
}

/* s may be NULL: known, no value. */
static void v_str(struct pt_value *v, const char *s, size_t len)
{
	v->known = true;
	v->null = !s;
	v->s = s;
	v->len = s ? len : 0;
}

static void v_cstr(struct pt_value *v, const char *s)
{
	v_str(v, s, s ? strlen(s) : 0);
}

static void v_null(struct pt_value *v)
{
	v->known = true;
	v->null = true;
}

static void v_unknown(struct pt_value *v, enum pt_why why)
{
	v->known = false;
	v->null = false;
	v->why = why == PT_WHY_NONE ? PT_WHY_NOT_READ : why;
	v->src = PT_SRC_NONE;
}

static const char *const state_names[] = {
	[PT_STATE_ALIVE] = "alive",
	[PT_STATE_EXITED] = "exited",
	[PT_STATE_EXIT_UNKNOWN] = "exit_unknown",
};

static const char *const type_names[PT_TYPE_COUNT] = {
	[PT_TYPE_INT] = "int",		 [PT_TYPE_UINT] = "uint", [PT_TYPE_BOOL] = "bool",
	[PT_TYPE_STR] = "string",	 [PT_TYPE_ARGS] = "list", [PT_TYPE_TIME] = "time",
	[PT_TYPE_DURATION] = "duration", [PT_TYPE_NAME] = "name", [PT_TYPE_EXECS] = "execs",
};

/* ---- readers: the event ---- */

#define EV_ONLY(fn, expr)                                               \
	static int fn(const struct pt_field_ctx *c, struct pt_value *v) \
	{                                                               \
		const struct pt_event *ev = c->ev;                      \
		expr;                                                   \
		return 1;                                               \
	}

EV_ONLY(ev_type, v_cstr(v, pt_event_name(ev->type)))
EV_ONLY(ev_time, v_int(v, ev->time_us))
EV_ONLY(ev_pid, v_int(v, ev->pid))
EV_ONLY(ev_tid, v_int(v, ev->tid))
EV_ONLY(ev_ppid, v_int(v, ev->ppid))
EV_ONLY(ev_tier, v_cstr(v, pt_tier_name(ev->tier)))
EV_ONLY(ev_thread, v_bool(v, ev->thread))
EV_ONLY(ev_synthesized, v_bool(v, ev->synthesized))

static int ev_comm(const struct pt_field_ctx *c, struct pt_value *v)
{
	if (c->ev->type != PT_EV_COMM)
		return 0;
	v_str(v, c->ev->u.comm.comm, strnlen(c->ev->u.comm.comm, PT_COMM_LEN));
	return 1;
}

static int ev_old_comm(const struct pt_field_ctx *c, struct pt_value *v)
{
	if (c->ev->type != PT_EV_COMM)
		return -ENODATA;
	if (!c->ev->u.comm.old[0])
		return 0; /* not known: the record's name was not */
	v_str(v, c->ev->u.comm.old, strnlen(c->ev->u.comm.old, PT_COMM_LEN));
	return 1;
}

#define EV_OF(fn, type_, expr)                                          \
	static int fn(const struct pt_field_ctx *c, struct pt_value *v) \
	{                                                               \
		const struct pt_event *ev = c->ev;                      \
		if (ev->type != (type_))                                \
			return 0;                                       \
		expr;                                                   \
		return 1;                                               \
	}

EV_OF(ev_ruid, PT_EV_UID, v_uint(v, ev->u.uid.ruid))
EV_OF(ev_euid, PT_EV_UID, v_uint(v, ev->u.uid.euid))
EV_OF(ev_rgid, PT_EV_GID, v_uint(v, ev->u.gid.rgid))
EV_OF(ev_egid, PT_EV_GID, v_uint(v, ev->u.gid.egid))

/* Fields only some events have: -ENODATA on the others. */
#define EV_ONLY_OF(fn, type_, expr)                                     \
	static int fn(const struct pt_field_ctx *c, struct pt_value *v) \
	{                                                               \
		const struct pt_event *ev = c->ev;                      \
		if (ev->type != (type_))                                \
			return -ENODATA;                                \
		expr;                                                   \
		return 1;                                               \
	}

EV_ONLY_OF(ev_tracer_pid, PT_EV_PTRACE, v_int(v, ev->u.ptrace.tracer_pid))
EV_ONLY_OF(ev_tracer_tid, PT_EV_PTRACE, v_int(v, ev->u.ptrace.tracer_tid))
EV_ONLY_OF(ev_count, PT_EV_LOST, v_uint(v, ev->u.lost.count))
EV_ONLY_OF(ev_estimated, PT_EV_LOST, v_bool(v, ev->u.lost.estimated))
EV_ONLY_OF(ev_reason, PT_EV_LOST, v_cstr(v, ev->u.lost.reason))

#define FAILED PT_EV_EXEC_FAILED
EV_ONLY_OF(ev_errno, FAILED, v_int(v, ev->u.exec_failed.err))
EV_ONLY_OF(ev_execveat, FAILED, v_bool(v, ev->u.exec_failed.execveat))

static int ev_res(const struct pt_field_ctx *c, struct pt_value *v)
{
	const char *name;

	if (c->ev->type != FAILED)
		return -ENODATA;
	name = pt_errno_name(c->ev->u.exec_failed.err);
	if (!name) {
		snprintf(v->buf, sizeof(v->buf), "E%d", c->ev->u.exec_failed.err);
		name = v->buf;
	}
	v_cstr(v, name);
	return 1;
}

static int ev_filename(const struct pt_field_ctx *c, struct pt_value *v)
{
	if (c->ev->type != FAILED)
		return -ENODATA;
	if (c->ev->u.exec_failed.path)
		v_cstr(v, c->ev->u.exec_failed.path);
	else
		v_unknown(v, PT_WHY_ERROR);
	return 1;
}

static int ev_exec_argv(const struct pt_field_ctx *c, struct pt_value *v)
{
	const struct pt_event *ev = c->ev;

	if (ev->type != FAILED)
		return -ENODATA;
	if (!ev->u.exec_failed.args) {
		v_unknown(v, PT_WHY_ERROR);
		return 1;
	}
	v_str(v, ev->u.exec_failed.args, ev->u.exec_failed.args_len);
	v->truncated = ev->u.exec_failed.args_truncated;
	return 1;
}

static int ev_exec_argv_truncated(const struct pt_field_ctx *c, struct pt_value *v)
{
	if (c->ev->type != FAILED)
		return -ENODATA;
	if (c->ev->u.exec_failed.args)
		v_bool(v, c->ev->u.exec_failed.args_truncated);
	else
		v_unknown(v, PT_WHY_ERROR);
	return 1;
}

/* The interval of a synthesized event; 0 = unknown end. */
static int ev_window(const struct pt_field_ctx *c, struct pt_value *v, int64_t us)
{
	if (!c->ev->synthesized)
		return -ENODATA;
	if (us)
		v_int(v, us);
	else
		v_null(v);
	return 1;
}

static int ev_window_from(const struct pt_field_ctx *c, struct pt_value *v)
{
	return ev_window(c, v, c->ev->window_lo_us);
}

static int ev_window_to(const struct pt_field_ctx *c, struct pt_value *v)
{
	return ev_window(c, v, c->ev->window_hi_us);
}

/* ---- exit status, from an exit event or a record ---- */

enum pt_why pt_exit_why(const struct pt_proc *p, const struct pt_event *ev)
{
	if (p && (p->flags & PT_PROC_RESYNC))
		return PT_WHY_LOST;
	if ((ev && ev->synthesized) || (p && (p->flags & PT_PROC_SYNTH)))
		return PT_WHY_KERNEL; /* a scanning tier cannot see exit statuses */
	return PT_WHY_LOST;
}

struct exit_status {
	bool seen; /* code or signal known */
	int code, signal;
	bool core;
};

static int exit_of(const struct pt_field_ctx *c, const struct pt_proc *p, struct exit_status *x)
{
	const struct pt_event *ev = c->ev;

	if (ev && ev->type == PT_EV_EXIT) {
		x->code = ev->u.exit.exit_code;
		x->signal = ev->u.exit.signal;
		x->core = ev->u.exit.core_dumped;
	} else if (p && p->state == PT_STATE_EXITED) {
		x->code = p->exit_code;
		x->signal = p->exit_signal;
		x->core = p->core_dumped;
	} else {
		return -ENODATA;
	}
	x->seen = x->signal > 0 || x->code >= 0;
	return 0;
}

/* Reads the status; 1 when the value was set (alive, or status unknown). */
static int exit_prologue(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v,
			 struct exit_status *x)
{
	if (exit_of(c, p, x) < 0) {
		if (p && p->state == PT_STATE_EXIT_UNKNOWN)
			v_unknown(v, pt_exit_why(p, c->ev));
		else
			v_null(v); /* alive: no exit yet */
		return 1;
	}
	if (!x->seen) {
		v_unknown(v, pt_exit_why(p, c->ev));
		return 1;
	}
	return 0;
}

static int rd_exit_code(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	struct exit_status x;

	if (exit_prologue(c, p, v, &x))
		return 0;
	if (x.signal <= 0 && x.code >= 0)
		v_int(v, x.code);
	else
		v_null(v);
	return 0;
}

static int rd_exit_signal(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	struct exit_status x;

	if (exit_prologue(c, p, v, &x))
		return 0;
	if (x.signal > 0)
		v_int(v, x.signal);
	else
		v_null(v);
	return 0;
}

static int rd_core_dumped(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	struct exit_status x;

	if (exit_prologue(c, p, v, &x))
		return 0;
	v_bool(v, x.core);
	return 0;
}

static int rd_duration(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	const struct pt_event *ev = c->ev;

	if (ev && ev->type == PT_EV_EXIT) {
		if (ev->u.exit.duration_us >= 0)
			v_int(v, ev->u.exit.duration_us);
		else
			v_null(v);
		return 0;
	}
	if (!p)
		return -ENODATA;
	if (p->state == PT_STATE_EXIT_UNKNOWN && !p->exit_us)
		v_unknown(v, pt_exit_why(p, NULL));
	else if (p->exit_us && p->start_us && p->exit_us >= p->start_us)
		v_int(v, p->exit_us - p->start_us);
	else
		v_null(v);
	return 0;
}

static int rd_exit_time(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	if (p->exit_us)
		v_int(v, p->exit_us);
	else if (p->state == PT_STATE_EXIT_UNKNOWN)
		v_unknown(v, pt_exit_why(p, c->ev));
	else
		v_null(v);
	return 0;
}

/* The exit rows read the event first; these adapters give them the record too. */
static int ev_exit_code(const struct pt_field_ctx *c, struct pt_value *v)
{
	if (c->ev->type != PT_EV_EXIT)
		return 0;
	return rd_exit_code(c, c->ev->proc, v) < 0 ? 0 : 1;
}

static int ev_exit_signal(const struct pt_field_ctx *c, struct pt_value *v)
{
	if (c->ev->type != PT_EV_EXIT)
		return 0;
	return rd_exit_signal(c, c->ev->proc, v) < 0 ? 0 : 1;
}

static int ev_core_dumped(const struct pt_field_ctx *c, struct pt_value *v)
{
	if (c->ev->type != PT_EV_EXIT)
		return 0;
	return rd_core_dumped(c, c->ev->proc, v) < 0 ? 0 : 1;
}

static int ev_duration(const struct pt_field_ctx *c, struct pt_value *v)
{
	if (c->ev->type != PT_EV_EXIT)
		return 0;
	return rd_duration(c, c->ev->proc, v) < 0 ? 0 : 1;
}

/* ---- readers: the record ---- */

#define RD(fn, expr)                                                                             \
	static int fn(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v) \
	{                                                                                        \
		expr;                                                                            \
		return 0;                                                                        \
	}

RD(rd_pid, v_int(v, p->pid))
RD(rd_ppid, v_int(v, p->ppid))
RD(rd_start, v_uint(v, p->start))
RD(rd_state,
   v_cstr(v, (unsigned)p->state < PT_ARRAY_SIZE(state_names) ? state_names[p->state] : "unknown"))
RD(rd_comm, v_str(v, p->comm, strnlen(p->comm, PT_COMM_LEN)))
RD(rd_exepath, v_cstr(v, p->exe))
RD(rd_argv_truncated, v_bool(v, p->args_truncated))
RD(rd_ruid, v_uint(v, p->uid))
RD(rd_euid, v_uint(v, p->euid))
RD(rd_rgid, v_uint(v, p->gid))
RD(rd_egid, v_uint(v, p->egid))
RD(rd_loginuid, v_int(v, p->loginuid == (uid_t)-1 ? -1 : (int64_t)p->loginuid))

/* A key in v->owned; unknown (left out of JSON) without a boot id. */
static int key_value(struct pt_value *v, int n, const char *buf)
{
	if (n == -ENOENT) {
		v_null(v);
		return 0;
	}
	if (n < 0) {
		v_unknown(v, n == -ENODATA ? PT_WHY_NOT_READ : PT_WHY_ERROR);
		return 0;
	}
	v->owned = strdup(buf);
	if (!v->owned)
		return -ENOMEM;
	v_str(v, v->owned, (size_t)n);
	return 0;
}

static int rd_key(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	char buf[PT_KEY_MAX];

	(void)c;
	return key_value(v, pt_proc_key(p, buf, sizeof(buf)), buf);
}

static int rd_parent_key(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	char buf[PT_KEY_MAX];
	int n = pt_proc_parent_key(p, buf, sizeof(buf));

	(void)c;
	if (n == -ENODATA && p->pkey == PT_PKEY_GONE && p->boot_id) {
		v_unknown(v, PT_WHY_GONE);
		return 0;
	}
	return key_value(v, n, buf);
}
RD(rd_sid, v_int(v, p->sid))
RD(rd_pgid, v_int(v, p->pgid))
RD(rd_tty, v_int(v, p->tty_nr))
RD(rd_cwd, v_cstr(v, p->cwd))
RD(rd_cgroup, v_cstr(v, p->cgroup))
RD(rd_container_id, v_cstr(v, p->ctr ? p->ctr->id : "host"))
RD(rd_tier, v_cstr(v, pt_tier_name(p->tier)))
RD(rd_threads, v_uint(v, p->nthreads))

static int rd_start_time(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	if (p->start_us)
		v_int(v, p->start_us);
	else
		v_null(v);
	return 0;
}

static int rd_argv(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	/* known with no args (a kernel thread): an empty list, not null */
	v_str(v, p->args && p->args_len ? p->args : "", p->args ? p->args_len : 0);
	v->truncated = p->args_truncated;
	return 0;
}

static int rd_execs(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	v->proc = p;
	if (p->execs && p->nexecs)
		v_uint(v, p->nexecs);
	else
		v_null(v);
	return 0;
}

static int rd_ns(const struct pt_proc *p, enum pt_ns ns, struct pt_value *v)
{
	if (p->ns[ns])
		v_uint(v, p->ns[ns]);
	else
		v_unknown(v, PT_WHY_KERNEL); /* the kernel has no such namespace */
	return 0;
}

#define RD_NS(fn, ns) RD(fn, return rd_ns(p, ns, v))
RD_NS(rd_ns_mnt, PT_NS_MNT)
RD_NS(rd_ns_pid, PT_NS_PID)
RD_NS(rd_ns_net, PT_NS_NET)
RD_NS(rd_ns_user, PT_NS_USER)
RD_NS(rd_ns_uts, PT_NS_UTS)
RD_NS(rd_ns_ipc, PT_NS_IPC)
RD_NS(rd_ns_cgroup, PT_NS_CGROUP)
RD_NS(rd_ns_time, PT_NS_TIME)

/* A NUL-separated list built in b as the value (b's memory moves to v). */
static int list_value(struct pt_value *v, struct pt_buf *b)
{
	if (b->oom) {
		pt_buf_free(b);
		return -ENOMEM;
	}
	if (!b->len) {
		pt_buf_free(b);
		v_str(v, "", 0);
		return 0;
	}
	v->owned = b->p;
	v_str(v, b->p, b->len);
	return 0;
}

/* ---- containers (slots PT_F_CONTAINER and PT_F_CTR_META) ---- */

static int rd_ctr_short_id(const struct pt_field_ctx *c, const struct pt_proc *p,
			   struct pt_value *v)
{
	size_t n;

	(void)c;
	if (!p->ctr || !p->ctr->id) {
		v_cstr(v, "host");
		return 0;
	}
	n = strnlen(p->ctr->id, PT_CTR_SHORT_ID);
	memcpy(v->buf, p->ctr->id, n);
	v->buf[n] = '\0';
	v_str(v, v->buf, n);
	return 0;
}

RD(rd_ctr_runtime, v_cstr(v, p->ctr ? pt_runtime_name(p->ctr->runtime) : NULL))
RD(rd_ctr_type, v_cstr(v, p->ctr ? pt_runtime_name(p->ctr->runtime) : "host"))
RD(rd_ctr_name, v_cstr(v, p->ctr ? p->ctr->name : "host"))
RD(rd_ctr_image, v_cstr(v, p->ctr ? p->ctr->image : NULL))
RD(rd_ctr_image_repo, v_cstr(v, p->ctr ? p->ctr->image_repo : NULL))
RD(rd_ctr_image_tag, v_cstr(v, p->ctr ? p->ctr->image_tag : NULL))
RD(rd_ctr_image_id, v_cstr(v, p->ctr ? p->ctr->image_id : NULL))
RD(rd_k8s_pod_name, v_cstr(v, p->ctr ? p->ctr->pod_name : NULL))
RD(rd_k8s_ns_name, v_cstr(v, p->ctr ? p->ctr->pod_ns : NULL))
RD(rd_k8s_pod_uid,
   v_cstr(v, p->ctr && p->ctr->pod_uid && *p->ctr->pod_uid ? p->ctr->pod_uid : NULL))
RD(rd_k8s_pod_qos, v_cstr(v, p->ctr ? pt_qos_name(p->ctr->qos) : NULL))

static int rd_ctr_start(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	(void)c;
	if (p->ctr && p->ctr->created_us)
		v_int(v, p->ctr->created_us);
	else
		v_null(v);
	return 0;
}

static int rd_ctr_privileged(const struct pt_field_ctx *c, const struct pt_proc *p,
			     struct pt_value *v)
{
	(void)c;
	if (p->ctr)
		v_bool(v, p->ctr->privileged);
	else
		v_null(v);
	return 0;
}

/* The outer containers' ids, outermost first, as a list; null when none. */
static int rd_ctr_outer(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	struct pt_buf b;

	(void)c;
	if (!p->ctr || !p->ctr->nouter) {
		v_null(v);
		return 0;
	}
	pt_buf_init(&b);
	for (unsigned i = 0; i < p->ctr->nouter; i++) {
		pt_buf_adds(&b, p->ctr->outer[i] ? p->ctr->outer[i] : "");
		pt_buf_addc(&b, '\0');
	}
	return list_value(v, &b);
}

static int rd_cgroup_id(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	(void)c;
	if (p->cgroup_id)
		v_uint(v, p->cgroup_id);
	else /* no v2 hierarchy, or the directory was gone before its stat */
		v_unknown(v, PT_WHY_NOT_FOUND);
	return 0;
}

RD(rd_vpid, v_int(v, p->vpid))
RD(rd_vpgid, v_int(v, p->vpgid))

/* The pid of the parent at fork time (what parent_key names). */
static int rd_ppid_orig(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	(void)c;
	if (p->pkey == PT_PKEY_BOUND)
		v_int(v, p->pkey_pid);
	else if (p->pkey == PT_PKEY_NONE)
		v_null(v);
	else
		v_unknown(v, p->pkey == PT_PKEY_GONE ? PT_WHY_GONE : PT_WHY_NOT_READ);
	return 0;
}

/* Length of the first argument of args (without its NUL). */
static size_t first_arg_len(const char *args, size_t len)
{
	const char *z = memchr(args, '\0', len);

	return z ? (size_t)(z - args) : len;
}

static int rd_argv0(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	if (!p->args || !p->args_len)
		v_null(v);
	else
		v_str(v, p->args, first_arg_len(p->args, p->args_len));
	return 0;
}

/* Join NUL-separated args with spaces into a new string (prefix first, if any). */
static int join_args(struct pt_value *v, const char *prefix, size_t plen, const char *args,
		     size_t len)
{
	size_t n;
	char *s;

	while (len && args[len - 1] == '\0')
		len--;
	n = plen + (plen && len ? 1 : 0) + len;
	s = malloc(n + 1);
	if (!s)
		return -ENOMEM;
	if (plen)
		memcpy(s, prefix, plen);
	if (plen && len)
		s[plen] = ' ';
	for (size_t i = 0; i < len; i++)
		s[n - len + i] = args[i] ? args[i] : ' ';
	s[n] = '\0';
	v->owned = s;
	v_str(v, s, n);
	return 0;
}

/* argv[1..] as Falco's proc.args: joined by spaces. */
static int args_tail(const struct pt_proc *p, const char **s, size_t *len)
{
	size_t n;

	*s = "";
	*len = 0;
	if (!p->args || !p->args_len)
		return 0;
	n = first_arg_len(p->args, p->args_len);
	if (n + 1 >= p->args_len)
		return 0;
	*s = p->args + n + 1;
	*len = p->args_len - n - 1;
	return 0;
}

static int rd_args(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	const char *s;
	size_t len;

	args_tail(p, &s, &len);
	v->truncated = p->args_truncated;
	return join_args(v, NULL, 0, s, len);
}

static int rd_command(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	v->truncated = p->args_truncated;
	return join_args(v, NULL, 0, p->args ? p->args : "", p->args ? p->args_len : 0);
}

/* proc.name + ' ' + proc.args; needs both comm and argv known. */
static int cmdline_of(const struct pt_proc *p, struct pt_value *v)
{
	const char *s;
	size_t len;

	if (!pt_proc_has(p, PT_F_COMM) || !pt_proc_has(p, PT_F_ARGV)) {
		v_unknown(v, p->why[pt_proc_has(p, PT_F_COMM) ? PT_F_ARGV : PT_F_COMM]);
		return 0;
	}
	args_tail(p, &s, &len);
	v->truncated = p->args_truncated;
	return join_args(v, p->comm, strnlen(p->comm, PT_COMM_LEN), s, len);
}

static int rd_cmdline(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	return cmdline_of(p, v);
}

static int name_of_uid(struct pt_value *v, uid_t uid)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || !res) {
		v_null(v); /* no such user in the passwd database */
		return 0;
	}
	v->owned = strdup(res->pw_name);
	if (!v->owned)
		return -ENOMEM;
	v_cstr(v, v->owned);
	return 0;
}

static int rd_user_name(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	if (c->ev && c->ev->type == PT_EV_UID)
		return name_of_uid(v, c->ev->u.uid.euid);
	return name_of_uid(v, p->euid);
}

static int rd_group_name(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	struct group gr, *res = NULL;
	gid_t gid = c->ev && c->ev->type == PT_EV_GID ? c->ev->u.gid.egid : p->egid;
	char buf[4096];

	if (getgrgid_r(gid, &gr, buf, sizeof(buf), &res) != 0 || !res) {
		v_null(v);
		return 0;
	}
	v->owned = strdup(res->gr_name);
	if (!v->owned)
		return -ENOMEM;
	v_cstr(v, v->owned);
	return 0;
}

/* ---- readers through the monitor: parent and ancestors ---- */

static const struct pt_proc *parent_of(const struct pt_field_ctx *c, const struct pt_proc *p,
				       struct pt_value *v)
{
	const struct pt_proc *pp;

	if (!c->m) {
		v_unknown(v, PT_WHY_NOT_READ);
		return NULL;
	}
	pp = pt_parent_orig(c->m, p);
	if (!pp)
		v_null(v); /* the root, or a parent the table does not hold */
	return pp;
}

static int rd_pname(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	const struct pt_proc *pp = parent_of(c, p, v);

	if (!pp)
		return 0;
	if (!pt_proc_has(pp, PT_F_COMM)) {
		v_unknown(v, pp->why[PT_F_COMM]);
		return 0;
	}
	/* the parent's record outlives the value only as long as the table; copy */
	memcpy(v->buf, pp->comm, PT_COMM_LEN);
	v->buf[PT_COMM_LEN] = '\0';
	v_cstr(v, v->buf);
	return 0;
}

static int rd_pcmdline(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	const struct pt_proc *pp = parent_of(c, p, v);

	return pp ? cmdline_of(pp, v) : 0;
}

#define ANAME_MAX 4096

/* Every fork-time ancestor of p (not p), nearest first, as a list of names or pids. */
static int ancestors_list(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v,
			  bool pids)
{
	const struct pt_proc *a = p;
	struct pt_buf b;

	if (!c->m) {
		v_unknown(v, PT_WHY_NOT_READ);
		return 0;
	}
	pt_buf_init(&b);
	for (unsigned i = 0; (a = pt_parent_orig(c->m, a)) && i < ANAME_MAX; i++) {
		if (pids)
			pt_buf_printf(&b, "%d", (int)a->pid);
		else
			pt_buf_add(&b, a->comm, strnlen(a->comm, PT_COMM_LEN));
		pt_buf_addc(&b, '\0');
	}
	return list_value(v, &b);
}

/* The Nth fork-time ancestor (0: p itself); NULL and v set when there is none
 * or it cannot be told. */
static const struct pt_proc *ancestor(const struct pt_field_ctx *c, const struct pt_proc *p,
				      struct pt_value *v)
{
	const struct pt_proc *a = p;

	if (!c->m && c->arg != 0) {
		v_unknown(v, PT_WHY_NOT_READ);
		return NULL;
	}
	for (int i = 0; a && i < c->arg; i++)
		a = pt_parent_orig(c->m, a);
	if (!a)
		v_null(v);
	return a;
}

/* proc.aname[N]: N = 0 the process itself, 1 its parent...; without N the
 * names of all ancestors (not the process), nearest first, as a list. The
 * parents are those at fork time (pt_parent_orig): exited ones the table
 * still retains answer too. */
static int rd_aname(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	const struct pt_proc *a;

	if (c->arg >= 0) {
		a = ancestor(c, p, v);
		if (!a)
			return 0;
		if (!pt_proc_has(a, PT_F_COMM)) {
			v_unknown(v, a->why[PT_F_COMM]);
			return 0;
		}
		memcpy(v->buf, a->comm, PT_COMM_LEN);
		v->buf[PT_COMM_LEN] = '\0';
		v_cstr(v, v->buf);
		return 0;
	}
	return ancestors_list(c, p, v, false);
}

/* proc.apid[N]: the pid of the Nth fork-time ancestor; without N every
 * ancestor's pid, nearest first, as a list. */
static int rd_apid(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	const struct pt_proc *a;

	if (c->arg >= 0) {
		a = ancestor(c, p, v);
		if (a)
			v_int(v, a->pid);
		return 0;
	}
	return ancestors_list(c, p, v, true);
}

/* proc.sname: the name of the session leader (the record whose pid is the sid). */
static int rd_sname(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	const struct pt_proc *l;

	if (!c->m) {
		v_unknown(v, PT_WHY_NOT_READ);
		return 0;
	}
	l = p->sid > 0 ? (p->sid == p->pid ? p : pt_lookup(c->m, p->sid)) : NULL;
	if (!l) {
		v_null(v); /* no session, or a leader the table does not hold */
		return 0;
	}
	if (!pt_proc_has(l, PT_F_COMM)) {
		v_unknown(v, l->why[PT_F_COMM]);
		return 0;
	}
	memcpy(v->buf, l->comm, PT_COMM_LEN);
	v->buf[PT_COMM_LEN] = '\0';
	v_cstr(v, v->buf);
	return 0;
}

/* ---- Falco's parent and ancestor image fields ---- */

/* What of a record proc.pexe, proc.aexe[N]... read. */
enum image_kind {
	IMG_ARGV0, /* argv[0]: Falco's proc.exe */
	IMG_EXE, /* the exe path: proc.exepath */
	IMG_CMDLINE, /* proc.cmdline */
};

/* One of a (maybe other) record's image fields, copied: the record outlives the
 * value only as long as the table. Unknown when the record's slot is. */
static int image_of(const struct pt_proc *a, enum image_kind k, struct pt_value *v)
{
	enum pt_field f = k == IMG_EXE ? PT_F_EXE : PT_F_ARGV;
	const char *s;
	size_t n;

	if (k == IMG_CMDLINE)
		return cmdline_of(a, v);
	if (!pt_proc_has(a, f)) {
		v_unknown(v, a->why[f]);
		return 0;
	}
	if (k == IMG_EXE) {
		s = a->exe;
		n = s ? strlen(s) : 0;
	} else {
		s = a->args && a->args_len ? a->args : NULL;
		n = s ? first_arg_len(a->args, a->args_len) : 0;
	}
	if (!s) {
		v_null(v);
		return 0;
	}
	v->owned = strndup(s, n);
	if (!v->owned)
		return -ENOMEM;
	v_str(v, v->owned, n);
	return 0;
}

static int parent_image(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v,
			enum image_kind k)
{
	const struct pt_proc *pp = parent_of(c, p, v);

	return pp ? image_of(pp, k, v) : 0;
}

static int rd_pexe(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	return parent_image(c, p, v, IMG_ARGV0);
}

static int rd_pexepath(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	return parent_image(c, p, v, IMG_EXE);
}

/* [N]: the Nth fork-time ancestor's field (0: the process); without N the
 * list of every ancestor's, nearest first, leaving out those whose field is
 * unknown or absent (as a list it is matched by any of its values). */
static int ancestor_image(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v,
			  enum image_kind k)
{
	const struct pt_proc *a = p;
	struct pt_buf b;

	if (c->arg >= 0) {
		a = ancestor(c, p, v);
		return a ? image_of(a, k, v) : 0;
	}
	if (!c->m) {
		v_unknown(v, PT_WHY_NOT_READ);
		return 0;
	}
	pt_buf_init(&b);
	for (unsigned i = 0; (a = pt_parent_orig(c->m, a)) && i < ANAME_MAX; i++) {
		struct pt_value x;
		int r;

		memset(&x, 0, sizeof(x));
		r = image_of(a, k, &x);
		if (r < 0) {
			pt_buf_free(&b);
			return r;
		}
		if (x.known && !x.null) {
			pt_buf_add(&b, x.s, x.len);
			pt_buf_addc(&b, '\0');
		}
		pt_value_free(&x);
	}
	return list_value(v, &b);
}

static int rd_aexe(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	return ancestor_image(c, p, v, IMG_ARGV0);
}

static int rd_aexepath(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	return ancestor_image(c, p, v, IMG_EXE);
}

static int rd_acmdline(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	return ancestor_image(c, p, v, IMG_CMDLINE);
}

/* The exe link of a memfd_create() file: "/memfd:NAME (deleted)". */
#define MEMFD_PREFIX "/memfd:"

static int rd_exe_from_memfd(const struct pt_field_ctx *c, const struct pt_proc *p,
			     struct pt_value *v)
{
	(void)c;
	v_bool(v, p->exe && strncmp(p->exe, MEMFD_PREFIX, sizeof(MEMFD_PREFIX) - 1) == 0);
	return 0;
}

/* Falco's vpid == vpgid; without NSpid (before Linux 4.1), pid == pgid, which
 * is the same question: a group's leader leads it in every namespace. */
static int rd_vpgid_leader(const struct pt_field_ctx *c, const struct pt_proc *p,
			   struct pt_value *v)
{
	(void)c;
	if (pt_proc_has(p, PT_F_NSPID))
		v_bool(v, p->vpid == p->vpgid);
	else if (pt_proc_has(p, PT_F_PGID))
		v_bool(v, p->pid == p->pgid);
	else
		v_unknown(v, p->why[PT_F_NSPID]);
	return 0;
}

RD(rd_sid_leader, v_bool(v, p->sid == p->pid))

/* The name of the login uid; null when unset (-1) or not in the passwd database. */
static int rd_loginname(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	(void)c;
	if (p->loginuid == (uid_t)-1) {
		v_null(v);
		return 0;
	}
	return name_of_uid(v, p->loginuid);
}

/* ---- capabilities (slot PT_F_CAPS) ---- */

/* The kernel's names (include/uapi/linux/capability.h, Linux 5.9 on). */
static const char *const cap_names[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

/* A set as Falco renders it: the names, lowest bit first, joined by spaces;
 * a bit this list has no name for as CAP_N; "" for the empty set. */
static int cap_set_names(struct pt_value *v, uint64_t set)
{
	struct pt_buf b;
	size_t n;

	if (!set) {
		v_str(v, "", 0);
		return 0;
	}
	pt_buf_init(&b);
	for (unsigned i = 0; i < 64; i++) {
		if (!(set & (UINT64_C(1) << i)))
			continue;
		if (b.len)
			pt_buf_addc(&b, ' ');
		if (i < PT_ARRAY_SIZE(cap_names))
			pt_buf_adds(&b, cap_names[i]);
		else
			pt_buf_printf(&b, "CAP_%u", i);
	}
	/* NUL-terminated: string operators read it as a C string */
	v->owned = pt_buf_steal(&b, &n);
	if (!v->owned)
		return -ENOMEM;
	v_str(v, v->owned, n);
	return 0;
}

/* A set as status shows it: 16 hex digits. */
static int cap_set_hex(struct pt_value *v, uint64_t set)
{
	int n = snprintf(v->buf, sizeof(v->buf), "%016" PRIx64, set);

	v_str(v, v->buf, (size_t)n);
	return 0;
}

RD(rd_cap_prm, return cap_set_names(v, p->cap_prm))
RD(rd_cap_eff, return cap_set_names(v, p->cap_eff))
RD(rd_cap_inh, return cap_set_names(v, p->cap_inh))
RD(rd_cap_prm_hex, return cap_set_hex(v, p->cap_prm))
RD(rd_cap_eff_hex, return cap_set_hex(v, p->cap_eff))
RD(rd_cap_inh_hex, return cap_set_hex(v, p->cap_inh))

/* ---- the environment, read from /proc when asked for ---- */

#define ENV_MAX (64 * 1024)

/*
 * proc.env: read at evaluation time, not at exec (the netlink reader cannot
 * afford it, and another user's environ needs ptrace access), so only while
 * the record's process is alive and still has its pid (the start must match):
 * a short-lived process is usually gone by the time a rule looks. Not in an
 * imported table, whose records are not of this host's /proc.
 */
static int rd_env(const struct pt_field_ctx *c, const struct pt_proc *p, struct pt_value *v)
{
	enum pt_why why;
	size_t len;
	bool trunc;
	char *s;
	int r;

	if (!c->m || pt_core_empty(c->m)) {
		v_unknown(v, PT_WHY_NOT_READ);
		return 0;
	}
	if (p->state != PT_STATE_ALIVE || !pt_proc_has(p, PT_F_START)) {
		v_unknown(v, p->state != PT_STATE_ALIVE ? PT_WHY_GONE : p->why[PT_F_START]);
		return 0;
	}
	r = pt_procfs_environ(pt_core_procfs(c->m), p->pid, p->start,
			      pt_proc_has(p, PT_F_COMM) ? p->comm : NULL, ENV_MAX, &s, &len, &trunc,
			      &why);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		v_unknown(v, why);
		return 0;
	}
	/* NUL-separated, as Falco's proc.env: joined by spaces */
	while (len && s[len - 1] == '\0')
		len--;
	for (size_t i = 0; i < len; i++)
		if (!s[i])
			s[i] = ' ';
	s[len] = '\0';
	v->owned = s;
	v_str(v, s, len);
	v->truncated = trunc;
	return 0;
}

static int ev_num(const struct pt_field_ctx *c, struct pt_value *v)
{
	if (c->ev->num)
		v_uint(v, c->ev->num);
	else
		v_unknown(v, PT_WHY_NOT_READ); /* not delivered by a monitor */
	return 1;
}

/* ---- the table ---- */

#define S(f) ((f) + 1)
#define P PT_FIELD_PROC
#define E PT_FIELD_EVENT
#define PE (PT_FIELD_PROC | PT_FIELD_EVENT)
#define EV_ALL PT_EVMASK_ALL
#define EV_PROC (PT_EVMASK_ALL & ~PT_EVMASK(PT_EV_LOST))
#define REC PT_J_REC
#define EXITED (PT_J_REC | PT_J_EXITED)
#define HOSTLESS PT_J_OMIT_HOST
/* the events about a process's life: the record's container goes with them */
#define EV_LIFE (PT_EVMASK(PT_EV_FORK) | PT_EVMASK(PT_EV_EXEC) | PT_EVMASK(PT_EV_EXIT))
/* the runtime's state: left out on the host, when unread, and when absent */
#define META_J (PT_J_OMIT_HOST | PT_J_OMIT_UNKNOWN | PT_J_OMIT_NULL)

const struct pt_field_def pt_field_table[] = {
	/* 0 */
	{"evt.type", "event",
	 "Event type: fork, exec, exit, uid, gid, sid, comm, ptrace, coredump, lost, exec_failed.",
	 .type = PT_TYPE_NAME, .flags = E, .evmask = EV_ALL, .ev_read = ev_type},
	{"evt.time", "time", "Wall-clock time of the event.", .type = PT_TYPE_TIME, .flags = E,
	 .evmask = EV_ALL, .ev_read = ev_time},
	{"proc.pid", "pid", "Process id (thread group id).", .type = PT_TYPE_INT, .flags = PE,
	 .jflags = REC, .evmask = EV_PROC, .ev_read = ev_pid, .read = rd_pid},
	{"thread.tid", "tid", "Thread id of the event (the pid for the main thread).",
	 .type = PT_TYPE_INT, .flags = E, .evmask = EV_PROC, .ev_read = ev_tid},
	{"proc.ppid", "ppid", "Parent process id.", .type = PT_TYPE_INT, .flags = PE,
	 .slot = S(PT_F_PPID), .jflags = REC, .evmask = EV_PROC, .ev_read = ev_ppid,
	 .read = rd_ppid},
	/* 5 */
	{"proc.start", "start",
	 "Start time in clock ticks since boot (field 22 of /proc/PID/stat); with the pid it "
	 "identifies a process across pid reuse.",
	 .type = PT_TYPE_UINT, .flags = PE, .slot = S(PT_F_START), .jflags = REC, .evmask = EV_PROC,
	 .read = rd_start},
	{"proc.state", "state", "alive, exited, or exit_unknown (vanished while not watched).",
	 .type = PT_TYPE_NAME, .flags = P, .jflags = REC, .read = rd_state},
	{"proc.name", "comm",
	 "Command name (the kernel's comm, at most 15 bytes); on comm events the new name.",
	 .type = PT_TYPE_STR, .flags = PE, .slot = S(PT_F_COMM), .jflags = REC, .evmask = EV_PROC,
	 .ev_read = ev_comm, .read = rd_comm},
	{"proc.exepath", "exe", "Absolute path of the executable (/proc/PID/exe); null if none.",
	 .type = PT_TYPE_STR, .flags = PE, .slot = S(PT_F_EXE), .jflags = REC, .evmask = EV_PROC,
	 .read = rd_exepath},
	{"proc.argv", "argv", "Arguments, argv[0] first, as a list.", .type = PT_TYPE_ARGS,
	 .flags = PE, .slot = S(PT_F_ARGV), .jflags = REC, .evmask = EV_PROC, .read = rd_argv},
	/* 10 */
	{"proc.argv_truncated", "argv_truncated", "True when argv was cut at the args limit.",
	 .type = PT_TYPE_BOOL, .flags = PE, .slot = S(PT_F_ARGV), .jflags = REC, .evmask = EV_PROC,
	 .read = rd_argv_truncated},
	{"user.ruid", "uid", "Real user id; on uid events the new one.", .type = PT_TYPE_UINT,
	 .flags = PE, .slot = S(PT_F_CREDS), .jflags = REC, .evmask = EV_PROC, .ev_read = ev_ruid,
	 .read = rd_ruid},
	{"user.uid", "euid", "Effective user id (Falco's user.uid); on uid events the new one.",
	 .type = PT_TYPE_UINT, .flags = PE, .slot = S(PT_F_CREDS), .jflags = REC, .evmask = EV_PROC,
	 .ev_read = ev_euid, .read = rd_euid},
	{"group.rgid", "gid", "Real group id; on gid events the new one.", .type = PT_TYPE_UINT,
	 .flags = PE, .slot = S(PT_F_CREDS), .jflags = REC, .evmask = EV_PROC, .ev_read = ev_rgid,
	 .read = rd_rgid},
	{"group.gid", "egid", "Effective group id (Falco's group.gid); on gid events the new one.",
	 .type = PT_TYPE_UINT, .flags = PE, .slot = S(PT_F_CREDS), .jflags = REC, .evmask = EV_PROC,
	 .ev_read = ev_egid, .read = rd_egid},
	/* 15 */
	{"proc.sid", "sid", "Session id.", .type = PT_TYPE_INT, .flags = PE, .slot = S(PT_F_SID),
	 .jflags = REC, .evmask = PT_EVMASK(PT_EV_SID), .read = rd_sid},
	{"proc.pgid", "pgid", "Process group id, as the proc root shows it.", .type = PT_TYPE_INT,
	 .flags = P, .slot = S(PT_F_PGID), .jflags = REC, .read = rd_pgid},
	{"proc.tty", "tty", "Controlling terminal device number (field 7 of stat); 0: none.",
	 .type = PT_TYPE_INT, .flags = P, .slot = S(PT_F_TTY), .jflags = REC, .read = rd_tty},
	{"proc.cwd", "cwd", "Working directory.", .type = PT_TYPE_STR, .flags = P,
	 .slot = S(PT_F_CWD), .jflags = REC, .read = rd_cwd},
	{"proc.cgroup", "cgroup", "Cgroup path (v2, else the first hierarchy's).",
	 .type = PT_TYPE_STR, .flags = P, .slot = S(PT_F_CGROUP), .jflags = REC, .read = rd_cgroup},
	/* 20 */
	{"container.full_id", "container_id",
	 "The full id of the container (see CONTAINERS), \"host\" when the process is "
	 "attributed to the host.",
	 .type = PT_TYPE_STR, .flags = PE, .slot = S(PT_F_CONTAINER), .jflags = REC,
	 .evmask = EV_LIFE, .read = rd_container_id},
	{"proc.ns.mnt", "ns.mnt", "Mount namespace inode number.", .type = PT_TYPE_UINT, .flags = P,
	 .slot = S(PT_F_NS), .jflags = REC | PT_J_OMIT_UNKNOWN | PT_J_MEMBER, .read = rd_ns_mnt},
	{"proc.ns.pid", "ns.pid", "Pid namespace inode number.", .type = PT_TYPE_UINT, .flags = P,
	 .slot = S(PT_F_NS), .jflags = REC | PT_J_OMIT_UNKNOWN | PT_J_MEMBER, .read = rd_ns_pid},
	{"proc.ns.net", "ns.net", "Network namespace inode number.", .type = PT_TYPE_UINT,
	 .flags = P, .slot = S(PT_F_NS), .jflags = REC | PT_J_OMIT_UNKNOWN | PT_J_MEMBER,
	 .read = rd_ns_net},
	{"proc.ns.user", "ns.user", "User namespace inode number.", .type = PT_TYPE_UINT,
	 .flags = P, .slot = S(PT_F_NS), .jflags = REC | PT_J_OMIT_UNKNOWN | PT_J_MEMBER,
	 .read = rd_ns_user},
	/* 25 */
	{"proc.ns.uts", "ns.uts", "UTS namespace inode number.", .type = PT_TYPE_UINT, .flags = P,
	 .slot = S(PT_F_NS), .jflags = REC | PT_J_OMIT_UNKNOWN | PT_J_MEMBER, .read = rd_ns_uts},
	{"proc.ns.ipc", "ns.ipc", "IPC namespace inode number.", .type = PT_TYPE_UINT, .flags = P,
	 .slot = S(PT_F_NS), .jflags = REC | PT_J_OMIT_UNKNOWN | PT_J_MEMBER, .read = rd_ns_ipc},
	{"proc.ns.cgroup", "ns.cgroup", "Cgroup namespace inode number.", .type = PT_TYPE_UINT,
	 .flags = P, .slot = S(PT_F_NS), .jflags = REC | PT_J_OMIT_UNKNOWN | PT_J_MEMBER,
	 .read = rd_ns_cgroup},
	{"proc.ns.time", "ns.time", "Time namespace inode number.", .type = PT_TYPE_UINT,
	 .flags = P, .slot = S(PT_F_NS), .jflags = REC | PT_J_OMIT_UNKNOWN | PT_J_MEMBER,
	 .read = rd_ns_time},
	{"proc.tier", "tier", "The tier that first reported the process.", .type = PT_TYPE_NAME,
	 .flags = P, .jflags = REC, .read = rd_tier},
	/* 30 */
	{"proc.start_time", "start_time", "Wall-clock start time; null if unknown.",
	 .type = PT_TYPE_TIME, .flags = P, .jflags = REC, .read = rd_start_time},
	{"proc.exit_time", "exit_time", "Wall-clock exit time.", .miss = "exit",
	 .type = PT_TYPE_TIME, .flags = P, .jflags = EXITED, .read = rd_exit_time},
	{"proc.exit_code", "exit_code", "Exit status (0-255); null when killed by a signal.",
	 .miss = "exit", .type = PT_TYPE_INT, .flags = PE, .jflags = EXITED,
	 .evmask = PT_EVMASK(PT_EV_EXIT), .ev_read = ev_exit_code, .read = rd_exit_code},
	{"proc.exit_signal", "signal", "Terminating signal number; null when it exited.",
	 .miss = "exit", .type = PT_TYPE_INT, .flags = PE, .jflags = EXITED,
	 .evmask = PT_EVMASK(PT_EV_EXIT), .ev_read = ev_exit_signal, .read = rd_exit_signal},
	{"proc.core_dumped", "core_dumped", "Whether the exit dumped a core.", .miss = "exit",
	 .type = PT_TYPE_BOOL, .flags = PE, .jflags = EXITED, .evmask = PT_EVMASK(PT_EV_EXIT),
	 .ev_read = ev_core_dumped, .read = rd_core_dumped},
	/* 35 */
	{"proc.duration", "duration_ms", "Lifetime, in milliseconds in JSON.", .miss = "exit",
	 .type = PT_TYPE_DURATION, .flags = PE, .jflags = EXITED, .evmask = PT_EVMASK(PT_EV_EXIT),
	 .ev_read = ev_duration, .read = rd_duration},
	{"proc.threads", "threads", "Number of threads known, the leader included.",
	 .type = PT_TYPE_UINT, .flags = P, .jflags = REC, .read = rd_threads},
	{"proc.execs", "execs",
	 "Earlier images, oldest first, each with time, exe, argv, argv_truncated.",
	 .type = PT_TYPE_EXECS, .flags = P, .jflags = REC | PT_J_OMIT_NULL, .read = rd_execs},
	{"evt.old_comm", "old_comm",
	 "On comm events: the previous name; null when it was not known (the exec before was "
	 "not read in time).",
	 .type = PT_TYPE_STR, .flags = E, .evmask = PT_EVMASK(PT_EV_COMM), .ev_read = ev_old_comm},
	{"evt.tracer_pid", "tracer_pid", "On ptrace events: the tracer's pid, 0 on detach.",
	 .type = PT_TYPE_INT, .flags = E, .evmask = PT_EVMASK(PT_EV_PTRACE),
	 .ev_read = ev_tracer_pid},
	/* 40 */
	{"evt.tracer_tid", "tracer_tid", "On ptrace events: the tracer's thread id, 0 on detach.",
	 .type = PT_TYPE_INT, .flags = E, .evmask = PT_EVMASK(PT_EV_PTRACE),
	 .ev_read = ev_tracer_tid},
	{"evt.count", "count", "On lost events: how many events were lost.", .type = PT_TYPE_UINT,
	 .flags = E, .evmask = PT_EVMASK(PT_EV_LOST), .ev_read = ev_count},
	{"evt.estimated", "estimated", "On lost events: whether the count is an estimate.",
	 .type = PT_TYPE_BOOL, .flags = E, .evmask = PT_EVMASK(PT_EV_LOST),
	 .ev_read = ev_estimated},
	{"evt.reason", "reason", "On lost events: why.", .type = PT_TYPE_STR, .flags = E,
	 .evmask = PT_EVMASK(PT_EV_LOST), .ev_read = ev_reason},
	{"evt.thread", "thread", "True on fork and exit of a thread.", .type = PT_TYPE_BOOL,
	 .flags = E, .jflags = PT_J_OMIT_FALSE, .evmask = EV_ALL, .ev_read = ev_thread},
	/* 45 */
	{"evt.synthesized", "synthesized",
	 "True when the event was inferred by a scan or a resynchronisation.", .type = PT_TYPE_BOOL,
	 .flags = E, .jflags = PT_J_OMIT_FALSE, .evmask = EV_ALL, .ev_read = ev_synthesized},
	{"evt.window.from", "window.from", "Synthesized events: the earliest time it happened.",
	 .type = PT_TYPE_TIME, .flags = E, .jflags = PT_J_MEMBER, .evmask = EV_ALL,
	 .ev_read = ev_window_from},
	{"evt.window.to", "window.to", "Synthesized events: the latest time it happened.",
	 .type = PT_TYPE_TIME, .flags = E, .jflags = PT_J_MEMBER, .evmask = EV_ALL,
	 .ev_read = ev_window_to},
	{"evt.tier", "tier", "The tier that produced the event.", .type = PT_TYPE_NAME, .flags = E,
	 .evmask = EV_ALL, .ev_read = ev_tier},
	{"proc.exe", "argv0", "argv[0] (Falco's proc.exe).", .type = PT_TYPE_STR, .flags = PE,
	 .slot = S(PT_F_ARGV), .read = rd_argv0},
	/* 50 */
	{"proc.args", "arguments", "Arguments after argv[0], joined by spaces (Falco's proc.args).",
	 .type = PT_TYPE_STR, .flags = PE, .slot = S(PT_F_ARGV), .read = rd_args},
	{"proc.cmdline", "cmdline", "proc.name, a space, and proc.args (Falco's proc.cmdline).",
	 .type = PT_TYPE_STR, .flags = PE, .read = rd_cmdline},
	{"proc.command", "args", "argv joined by spaces, as ps shows args.", .type = PT_TYPE_STR,
	 .flags = PE, .slot = S(PT_F_ARGV), .read = rd_command},
	{"user.name", "user", "Name of the effective user; null when the passwd database has none.",
	 .type = PT_TYPE_STR, .flags = PE, .slot = S(PT_F_CREDS), .read = rd_user_name},
	{"group.name", "group",
	 "Name of the effective group; null when the group database has none.", .type = PT_TYPE_STR,
	 .flags = PE, .slot = S(PT_F_CREDS), .read = rd_group_name},
	/* 55 */
	{"proc.pname", "pname", "The parent's proc.name.", .type = PT_TYPE_STR,
	 .flags = PE | PT_FIELD_MONITOR, .read = rd_pname},
	{"proc.pcmdline", "pcmdline", "The parent's proc.cmdline.", .type = PT_TYPE_STR,
	 .flags = PE | PT_FIELD_MONITOR, .read = rd_pcmdline},
	{"proc.aname", "aname",
	 "proc.aname[N]: the name of the Nth ancestor (0: the process, 1: its parent); without N "
	 "the list of all ancestors' names, nearest first.",
	 .type = PT_TYPE_STR, .flags = PE | PT_FIELD_MONITOR | PT_FIELD_ARG, .read = rd_aname},
	{"user.loginuid", "loginuid",
	 "Audit login uid (/proc/PID/loginuid), kept across su and sudo; -1 when unset.",
	 .type = PT_TYPE_INT, .flags = P, .slot = S(PT_F_LOGINUID), .jflags = REC,
	 .read = rd_loginuid},
	{"evt.res", "res",
	 "On exec_failed events: the error execve returned, by name (ENOENT, E2BIG, EACCES...), "
	 "as Falco's evt.res.",
	 .type = PT_TYPE_NAME, .flags = E, .evmask = PT_EVMASK(FAILED), .ev_read = ev_res},
	/* 60 */
	{"evt.errno", "errno", "On exec_failed events: the error execve returned, as a number.",
	 .type = PT_TYPE_INT, .flags = E, .evmask = PT_EVMASK(FAILED), .ev_read = ev_errno},
	{"evt.arg.filename", "filename",
	 "On exec_failed events: the path asked for, as given to execve (maybe relative).",
	 .type = PT_TYPE_STR, .flags = E, .evmask = PT_EVMASK(FAILED), .ev_read = ev_filename},
	{"evt.arg.args", "exec_argv",
	 "On exec_failed events: the argv asked for, as a list (the record's argv is the "
	 "caller's).",
	 .type = PT_TYPE_ARGS, .flags = E, .evmask = PT_EVMASK(FAILED), .ev_read = ev_exec_argv},
	{"evt.arg.args_truncated", "exec_argv_truncated",
	 "On exec_failed events: true when exec_argv was cut (64 args or 16 KiB are kept).",
	 .type = PT_TYPE_BOOL, .flags = E, .evmask = PT_EVMASK(FAILED),
	 .ev_read = ev_exec_argv_truncated},
	{"evt.execveat", "execveat",
	 "On exec_failed events: true for execveat(), whose path is relative to a directory fd.",
	 .type = PT_TYPE_BOOL, .flags = E, .jflags = PT_J_OMIT_FALSE, .evmask = PT_EVMASK(FAILED),
	 .ev_read = ev_execveat},
	/* 65 */
	{"proc.key", "key",
	 "The process key BOOT_ID:START:PID (the kernel's boot id, proc.start, proc.pid): "
	 "unique across pid reuse and reboots; left out of JSON when unknown.",
	 .type = PT_TYPE_STR, .flags = PE, .slot = S(PT_F_START), .jflags = REC | PT_J_OMIT_UNKNOWN,
	 .evmask = EV_PROC, .read = rd_key},
	{"proc.pkey", "parent_key",
	 "The key of the parent at fork time, kept after reparenting; null without a parent "
	 "(ppid 0); left out of JSON when unknown.",
	 .type = PT_TYPE_STR, .flags = PE, .jflags = REC | PT_J_OMIT_UNKNOWN,
	 .evmask = PT_EVMASK(PT_EV_FORK) | PT_EVMASK(PT_EV_EXEC) | PT_EVMASK(PT_EV_EXIT),
	 .read = rd_parent_key},
	/* 67 */
	{"container.id", "container_short_id",
	 "Falco's container.id: the first 12 characters of the id, \"host\" on the host.",
	 .type = PT_TYPE_STR, .flags = P, .slot = S(PT_F_CONTAINER), .read = rd_ctr_short_id},
	{"container.runtime", "container_runtime",
	 "The runtime that made the container: docker, containerd, cri-o, podman, lxc, "
	 "systemd-nspawn, libvirt-lxc, garden, ecs, buildkit, bpm, runc or unknown; left out of "
	 "JSON on the host.",
	 .type = PT_TYPE_NAME, .flags = PE, .slot = S(PT_F_CONTAINER), .jflags = REC | HOSTLESS,
	 .evmask = EV_LIFE, .read = rd_ctr_runtime},
	{"container.type", "container_type", "Falco's container.type: the runtime, or \"host\".",
	 .type = PT_TYPE_NAME, .flags = P, .slot = S(PT_F_CONTAINER), .read = rd_ctr_type},
	/* 70 */
	{"container.name", "container_name",
	 "The container's name from the runtime's state (\"host\" on the host; left out of JSON "
	 "there).",
	 .type = PT_TYPE_STR, .flags = PE, .slot = S(PT_F_CTR_META),
	 .jflags = REC | HOSTLESS | PT_J_OMIT_NULL, .evmask = EV_LIFE, .read = rd_ctr_name},
	{"container.image", "container_image", "The image as the container was created with it.",
	 .type = PT_TYPE_STR, .flags = PE, .slot = S(PT_F_CTR_META), .jflags = REC | META_J,
	 .evmask = EV_LIFE, .read = rd_ctr_image},
	{"container.image.repository", "container_image_repository",
	 "The image without its tag and digest.", .type = PT_TYPE_STR, .flags = PE,
	 .slot = S(PT_F_CTR_META), .jflags = REC | META_J, .evmask = EV_LIFE,
	 .read = rd_ctr_image_repo},
	{"container.image.tag", "container_image_tag", "The image's tag.", .type = PT_TYPE_STR,
	 .flags = PE, .slot = S(PT_F_CTR_META), .jflags = REC | META_J, .evmask = EV_LIFE,
	 .read = rd_ctr_image_tag},
	{"container.image.id", "container_image_id", "The image's id (sha256:...).",
	 .type = PT_TYPE_STR, .flags = PE, .slot = S(PT_F_CTR_META), .jflags = REC | META_J,
	 .evmask = EV_LIFE, .read = rd_ctr_image_id},
	/* 75 */
	{"container.start_ts", "container_start_time", "When the container was created.",
	 .type = PT_TYPE_TIME, .flags = PE, .slot = S(PT_F_CTR_META), .jflags = REC | META_J,
	 .evmask = EV_LIFE, .read = rd_ctr_start},
	{"container.privileged", "container_privileged",
	 "Whether the container runs privileged (all capabilities).", .type = PT_TYPE_BOOL,
	 .flags = PE, .slot = S(PT_F_CTR_META), .jflags = REC | META_J, .evmask = EV_LIFE,
	 .read = rd_ctr_privileged},
	{"container.outer_ids", "container_outer_ids",
	 "For a nested container (docker-in-docker, kind): the ids of the containers around it, "
	 "outermost first.",
	 .type = PT_TYPE_ARGS, .flags = PE, .slot = S(PT_F_CONTAINER),
	 .jflags = REC | HOSTLESS | PT_J_OMIT_NULL, .evmask = EV_LIFE, .read = rd_ctr_outer},
	{"k8s.pod.name", "k8s_pod_name", "The Kubernetes pod's name (io.kubernetes.pod.name).",
	 .type = PT_TYPE_STR, .flags = PE, .slot = S(PT_F_CTR_META), .jflags = REC | META_J,
	 .evmask = EV_LIFE, .read = rd_k8s_pod_name},
	{"k8s.ns.name", "k8s_ns_name", "The Kubernetes pod's namespace.", .type = PT_TYPE_STR,
	 .flags = PE, .slot = S(PT_F_CTR_META), .jflags = REC | META_J, .evmask = EV_LIFE,
	 .read = rd_k8s_ns_name},
	/* 80 */
	{"k8s.pod.uid", "k8s_pod_uid",
	 "The Kubernetes pod's uid, from the cgroup path (with dashes; 32 hex digits for static "
	 "pods).",
	 .type = PT_TYPE_STR, .flags = PE, .slot = S(PT_F_CONTAINER),
	 .jflags = REC | HOSTLESS | PT_J_OMIT_NULL, .evmask = EV_LIFE, .read = rd_k8s_pod_uid},
	{"k8s.pod.qos", "k8s_pod_qos", "The pod's QoS class: guaranteed, burstable or besteffort.",
	 .type = PT_TYPE_NAME, .flags = PE, .slot = S(PT_F_CONTAINER),
	 .jflags = REC | HOSTLESS | PT_J_OMIT_NULL, .evmask = EV_LIFE, .read = rd_k8s_pod_qos},
	{"cgroup.id", "cgroup_id",
	 "The cgroup v2 directory's inode number (what BPF's bpf_get_current_cgroup_id() gives); "
	 "left out of JSON when unknown.",
	 .type = PT_TYPE_UINT, .flags = P, .slot = S(PT_F_CGROUP),
	 .jflags = REC | PT_J_OMIT_UNKNOWN, .read = rd_cgroup_id},
	{"proc.vpid", "vpid", "The pid in the process's own pid namespace (the last of NSpid).",
	 .type = PT_TYPE_INT, .flags = P, .slot = S(PT_F_NSPID), .jflags = REC, .read = rd_vpid},
	{"proc.vpgid", "vpgid", "The process group id in the process's own pid namespace (NSpgid).",
	 .type = PT_TYPE_INT, .flags = P, .slot = S(PT_F_NSPID), .jflags = REC, .read = rd_vpgid},
	/* 85 */
	{"proc.ppid_orig", "ppid_orig",
	 "The pid of the parent at fork time (proc.ppid follows reparenting); null without a "
	 "parent.",
	 .type = PT_TYPE_INT, .flags = P, .jflags = REC | PT_J_OMIT_UNKNOWN, .read = rd_ppid_orig},
	{"proc.apid", "apid",
	 "proc.apid[N]: the pid of the Nth ancestor at fork time (0: the process); without N the "
	 "list of all ancestors' pids, nearest first.",
	 .type = PT_TYPE_INT, .flags = PE | PT_FIELD_MONITOR | PT_FIELD_ARG, .read = rd_apid},
	{"proc.sname", "sname", "The name of the session leader; null when not in the table.",
	 .type = PT_TYPE_STR, .flags = PE | PT_FIELD_MONITOR, .slot = S(PT_F_SID),
	 .read = rd_sname},
	/* 88 */
	{"evt.num", "num",
	 "The event's number: 1 for the first event a monitor delivers, counting every event "
	 "it delivers (Falco's evt.num; never 0, so evt.num=0 is never true); not in JSON, "
	 "replay numbers the events it delivers anew.",
	 .type = PT_TYPE_UINT, .flags = E, .ev_read = ev_num},
	{"proc.pexe", "pargv0", "The parent's proc.exe (argv[0]), the parent at fork time.",
	 .type = PT_TYPE_STR, .flags = PE | PT_FIELD_MONITOR, .read = rd_pexe},
	{"proc.pexepath", "pexe", "The parent's proc.exepath, the parent at fork time.",
	 .type = PT_TYPE_STR, .flags = PE | PT_FIELD_MONITOR, .read = rd_pexepath},
	{"proc.aexe", "aargv0",
	 "proc.aexe[N]: the proc.exe (argv[0]) of the Nth ancestor (0: the process); without N "
	 "the list of all ancestors' (nearest first, unknown ones left out).",
	 .type = PT_TYPE_STR, .flags = PE | PT_FIELD_MONITOR | PT_FIELD_ARG, .read = rd_aexe},
	{"proc.aexepath", "aexe",
	 "proc.aexepath[N]: the proc.exepath of the Nth ancestor (0: the process); without N the "
	 "list of all ancestors' (nearest first, unknown ones left out).",
	 .type = PT_TYPE_STR, .flags = PE | PT_FIELD_MONITOR | PT_FIELD_ARG, .read = rd_aexepath},
	/* 93 */
	{"proc.acmdline", "acmdline",
	 "proc.acmdline[N]: the proc.cmdline of the Nth ancestor (0: the process); without N "
	 "the list of all ancestors' (nearest first, unknown ones left out).",
	 .type = PT_TYPE_STR, .flags = PE | PT_FIELD_MONITOR | PT_FIELD_ARG, .read = rd_acmdline},
	{"proc.is_exe_from_memfd", "is_exe_from_memfd",
	 "True when the executable is a memfd_create() file (its path starts with /memfd:).",
	 .type = PT_TYPE_BOOL, .flags = PE, .slot = S(PT_F_EXE), .read = rd_exe_from_memfd},
	{"proc.is_vpgid_leader", "is_vpgid_leader",
	 "True when the process leads its process group (proc.vpid = proc.vpgid; pid = pgid "
	 "where the kernel shows no NSpid).",
	 .type = PT_TYPE_BOOL, .flags = PE, .read = rd_vpgid_leader},
	{"proc.is_sid_leader", "is_sid_leader",
	 "True when the process leads its session (proc.sid = proc.pid).", .type = PT_TYPE_BOOL,
	 .flags = PE, .slot = S(PT_F_SID), .read = rd_sid_leader},
	{"user.loginname", "loginname",
	 "Name of user.loginuid; null when the login uid is unset (-1) or the passwd database "
	 "has none.",
	 .type = PT_TYPE_STR, .flags = PE, .slot = S(PT_F_LOGINUID), .read = rd_loginname},
	/* 98 */
	{"thread.cap_permitted", "cap_permitted",
	 "The permitted capabilities as read at exec (or fork), by name, joined by spaces, as "
	 "Falco renders them (CAP_CHOWN CAP_DAC_OVERRIDE ...; a bit without a name as CAP_N).",
	 .type = PT_TYPE_STR, .flags = PE, .slot = S(PT_F_CAPS), .read = rd_cap_prm},
	{"thread.cap_effective", "cap_effective",
	 "The effective capabilities as read at exec (or fork), by name, as thread.cap_permitted.",
	 .type = PT_TYPE_STR, .flags = PE, .slot = S(PT_F_CAPS), .read = rd_cap_eff},
	{"thread.cap_inheritable", "cap_inheritable",
	 "The inheritable capabilities as read at exec (or fork), by name, as "
	 "thread.cap_permitted.",
	 .type = PT_TYPE_STR, .flags = PE, .slot = S(PT_F_CAPS), .read = rd_cap_inh},
	{"proc.caps.permitted", "caps.permitted",
	 "The permitted set as /proc/PID/status shows it (CapPrm: 16 hex digits), read at exec "
	 "(or fork); a setuid() or capset() later is not seen.",
	 .type = PT_TYPE_STR, .flags = PE, .slot = S(PT_F_CAPS),
	 .jflags = REC | PT_J_MEMBER | PT_J_OMIT_UNKNOWN, .evmask = EV_LIFE,
	 .read = rd_cap_prm_hex},
	{"proc.caps.effective", "caps.effective", "The effective set (CapEff:), as caps.permitted.",
	 .type = PT_TYPE_STR, .flags = PE, .slot = S(PT_F_CAPS),
	 .jflags = REC | PT_J_MEMBER | PT_J_OMIT_UNKNOWN, .evmask = EV_LIFE,
	 .read = rd_cap_eff_hex},
	/* 103 */
	{"proc.caps.inheritable", "caps.inheritable",
	 "The inheritable set (CapInh:), as caps.permitted.", .type = PT_TYPE_STR, .flags = PE,
	 .slot = S(PT_F_CAPS), .jflags = REC | PT_J_MEMBER | PT_J_OMIT_UNKNOWN, .evmask = EV_LIFE,
	 .read = rd_cap_inh_hex},
	{"proc.env", "env",
	 "The environment (NAME=VALUE, joined by spaces, as Falco's proc.env; at most 64 KiB), "
	 "read from /proc/PID/environ when asked for, not at exec: unknown once the process has "
	 "exited (so usually for a short-lived one), for another user's process without ptrace "
	 "access, and in a replay. Not in JSON; no proc.env[NAME].",
	 .type = PT_TYPE_STR, .flags = PE | PT_FIELD_MONITOR, .read = rd_env},
};

const unsigned pt_field_table_len = PT_ARRAY_SIZE(pt_field_table);

/* ---- reading ---- */

int pt_field_read(const struct pt_field_def *d, const struct pt_field_ctx *c, struct pt_value *v)
{
	const struct pt_proc *p = c->p ? c->p : c->ev ? c->ev->proc : NULL;
	struct pt_field_ctx cc = *c;
	int r;

	/* the JSON writers read every field of every event: set only what the
	 * setters do not (pt_field_value() clears the whole value) */
	v->type = d->type;
	v->known = false;
	v->null = false;
	v->truncated = false;
	v->why = PT_WHY_NOT_READ;
	v->src = PT_SRC_NONE;
	v->s = NULL;
	v->len = 0;
	v->proc = NULL;
	v->owned = NULL;
	if ((d->flags & PT_FIELD_ARG) && c->arg < 0)
		v->type = PT_TYPE_ARGS; /* proc.aname without [N]: every ancestor */
	if (c->ev && d->ev_read) {
		r = d->ev_read(c, v);
		if (r < 0)
			return r;
		if (r > 0) {
			v->src = PT_SRC_EVENT;
			if (v->known)
				v->why = PT_WHY_NONE;
			return 0;
		}
	}
	if (!d->read || !p)
		return -ENODATA;
	cc.p = p;
	if (d->slot && p->src[d->slot - 1] == PT_SRC_NONE) {
		v_unknown(v, (enum pt_why)p->why[d->slot - 1]);
		return 0;
	}
	r = d->read(&cc, p, v);
	if (r < 0) {
		pt_value_free(v);
		return r;
	}
	if (v->known) {
		v->why = PT_WHY_NONE;
		v->src = d->slot ? (enum pt_src)p->src[d->slot - 1] : PT_SRC_PROC;
	}
	return 0;
}

PT_EXPORT int pt_field_value(const struct pt_field_ref *f, const struct pt_monitor *m,
			     const struct pt_proc *p, const struct pt_event *ev,
			     struct pt_value *out)
{
	struct pt_field_ctx c = {.m = m, .p = p, .ev = ev};
	int r;

	if (!f || !f->def || !out || (!p && !ev))
		return -EINVAL;
	c.arg = f->arg;
	memset(out, 0, sizeof(*out));
	r = pt_field_read(f->def, &c, out);
	if (r == -ENODATA) {
		v_unknown(out, PT_WHY_NOT_READ);
		return 0;
	}
	return r;
}

PT_EXPORT void pt_value_free(struct pt_value *v)
{
	if (!v)
		return;
	free(v->owned);
	v->owned = NULL;
}

/* ---- the list ---- */

PT_EXPORT unsigned pt_fields_count(void)
{
	return pt_field_table_len;
}

PT_EXPORT const struct pt_field_def *pt_fields_at(unsigned i)
{
	return i < pt_field_table_len ? &pt_field_table[i] : NULL;
}

PT_EXPORT const char *pt_field_def_name(const struct pt_field_def *d)
{
	return d ? d->name : NULL;
}

PT_EXPORT const char *pt_field_def_json(const struct pt_field_def *d)
{
	return d ? d->json : NULL;
}

PT_EXPORT enum pt_type pt_field_def_type(const struct pt_field_def *d)
{
	return d ? d->type : (enum pt_type)0;
}

PT_EXPORT const char *pt_field_def_doc(const struct pt_field_def *d)
{
	return d ? d->doc : NULL;
}

PT_EXPORT unsigned pt_field_def_flags(const struct pt_field_def *d)
{
	if (!d)
		return 0;
	return d->flags | ((d->jflags & PT_J_REC) || d->evmask ? PT_FIELD_JSON : 0);
}

PT_EXPORT int pt_field_def_slot(const struct pt_field_def *d)
{
	return d && d->slot ? (int)d->slot - 1 : -1;
}

PT_EXPORT unsigned pt_field_def_index(const struct pt_field_def *d)
{
	return d ? (unsigned)(d - pt_field_table) : UINT_MAX;
}

PT_EXPORT const char *pt_type_name(enum pt_type t)
{
	return (unsigned)t < PT_TYPE_COUNT && type_names[t] ? type_names[t] : "unknown";
}

/* NAME or NAME[N]: the base's length in *n, N in *arg (-1 if none). */
static int split_arg(const char *name, size_t *n, int *arg)
{
	const char *lb = strchr(name, '[');
	char *end;
	long a;

	*arg = -1;
	if (!lb) {
		*n = strlen(name);
		return 0;
	}
	*n = (size_t)(lb - name);
	if (lb[1] < '0' || lb[1] > '9')
		return -EINVAL;
	errno = 0;
	a = strtol(lb + 1, &end, 10);
	if (errno || a > ANAME_MAX || end[0] != ']' || end[1])
		return -EINVAL;
	*arg = (int)a;
	return 0;
}

static bool name_is(const char *s, const char *name, size_t n)
{
	return strncmp(s, name, n) == 0 && s[n] == '\0';
}

/* Other names of a field: Falco's, or the issue's. */
static const struct {
	const char *alias, *name;
} aliases[] = {
	{"cgroup.path", "proc.cgroup"},
	{"proc.loginuid", "user.loginuid"},
};

PT_EXPORT int pt_field_lookup(const char *name, struct pt_field_ref *out)
{
	size_t n;
	int arg, r;

	if (!name || !out)
		return -EINVAL;
	r = split_arg(name, &n, &arg);
	for (size_t i = 0; i < PT_ARRAY_SIZE(aliases); i++)
		if (name_is(aliases[i].alias, name, n)) {
			name = aliases[i].name;
			n = strlen(name);
			break;
		}
	for (unsigned i = 0; i < pt_field_table_len; i++) {
		const struct pt_field_def *d = &pt_field_table[i];

		if (!name_is(d->name, name, n) && !name_is(d->json, name, n))
			continue;
		if (r < 0 || (arg >= 0 && !(d->flags & PT_FIELD_ARG)))
			return -EINVAL;
		memset(out, 0, sizeof(*out));
		out->def = d;
		out->arg = arg;
		return 0;
	}
	return -ENOENT;
}

/* ---- man page ---- */

/* roff text: a backslash is \e, a hyphen \-, and a line never starts with . or '. */
static void roff(struct pt_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			pt_buf_adds(b, "\\e");
		else if (*s == '-')
			pt_buf_adds(b, "\\-");
		else
			pt_buf_addc(b, *s);
	}
}

PT_EXPORT char *pt_fields_man(size_t *len)
{
	struct pt_buf b;

	pt_buf_init(&b);
	for (unsigned i = 0; i < pt_field_table_len; i++) {
		const struct pt_field_def *d = &pt_field_table[i];

		pt_buf_adds(&b, ".TP\n\\fB");
		roff(&b, d->name);
		if (d->flags & PT_FIELD_ARG)
			pt_buf_adds(&b, "\\fR[\\fIN\\fR]");
		pt_buf_adds(&b, "\\fR, \\fB");
		roff(&b, d->json);
		pt_buf_printf(&b, "\\fR (%s%s%s%s)\n", pt_type_name(d->type),
			      d->flags & PT_FIELD_PROC ? ", process" : "",
			      d->flags & PT_FIELD_EVENT ? ", event" : "",
			      pt_field_def_flags(d) & PT_FIELD_JSON ? ", JSON" : "");
		if (d->doc[0] == '.' || d->doc[0] == '\'')
			pt_buf_adds(&b, "\\&");
		roff(&b, d->doc);
		pt_buf_addc(&b, '\n');
	}
	return pt_buf_steal(&b, len);
}

/* ---- plain text ---- */

PT_EXPORT int pt_value_text(const struct pt_value *v, char *buf, size_t len)
{
	char t[32];
	size_t n;

	if (!v || (!buf && len))
		return -EINVAL;
	if (!v->known || v->null)
		return snprintf(buf, len, "-");
	switch (v->type) {
	case PT_TYPE_INT:
		return snprintf(buf, len, "%" PRId64, v->i);
	case PT_TYPE_UINT:
	case PT_TYPE_EXECS:
		return snprintf(buf, len, "%" PRIu64, v->u);
	case PT_TYPE_BOOL:
		return snprintf(buf, len, "%s", v->b ? "true" : "false");
	case PT_TYPE_TIME:
		pt_fmt_time(t, v->i);
		return snprintf(buf, len, "%s", t);
	case PT_TYPE_DURATION:
		if (v->i < 0)
			return snprintf(buf, len, "-");
		return snprintf(buf, len, "%" PRId64 ".%03" PRId64, v->i / 1000, v->i % 1000);
	default:
		break;
	}
	/* STR, NAME, ARGS: raw bytes; an ARGS list joined by spaces */
	n = v->len;
	while (v->type == PT_TYPE_ARGS && n && v->s[n - 1] == '\0')
		n--;
	if (n > INT_MAX)
		return -EOVERFLOW;
	if (len) {
		size_t k = n < len - 1 ? n : len - 1;

		for (size_t i = 0; i < k; i++)
			buf[i] = v->s[i] ? v->s[i] : ' ';
		buf[k] = '\0';
	}
	return (int)n;
}
