/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The core's rules for applying events, without a kernel: a monitor over a
 * fixture /proc with no tier, fed synthetic raw events as a source would.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container.h"
#include "fixture.h"
#include "internal.h"
#include "scan.h"

#define MAXEV 64

static char *root;
static struct pt_monitor *m;
static struct pt_event got[MAXEV];
static unsigned ngot;

static void on_event(const struct pt_event *ev, void *data)
{
	(void)data;
	if (ngot < MAXEV)
		got[ngot++] = *ev;
}

static void add_fx(pid_t pid, pid_t ppid, const char *comm, uint64_t start, const char *cmd,
		   size_t len)
{
	cr_assert_eq(fx_add_simple(root, pid, ppid, comm, start, cmd, len), 0);
}

static void setup(void)
{
	struct pt_options o;

	root = fx_root_new();
	cr_assert_not_null(root);
	add_fx(1, 0, "init", 10, "/sbin/init", 11);
	add_fx(100, 1, "bash", 500, "bash", 5);
	pt_options_init(&o);
	o.tier = PT_TIER_NONE;
	o.proc_root = root;
	o.threads = true;
	o.runtime_root = root; /* no runtime state there */
	cr_assert_eq(pt_monitor_open(&m, &o), 0);
	cr_assert_eq(pt_monitor_subscribe(m, on_event, NULL), 0);
	ngot = 0;
}

static void teardown(void)
{
	pt_monitor_close(m);
	fx_root_free(root);
}

static void raw(enum pt_event_type type, pid_t pid, pid_t tid, pid_t ppid, uint64_t start)
{
	struct pt_raw r = {.type = type, .pid = pid, .tid = tid, .ppid = ppid, .start = start};

	r.time_us = pt_now_us();
	pt_core_raw(m, &r);
}

static void raw_exit(pid_t pid, pid_t tid, int status)
{
	struct pt_raw r = {.type = PT_EV_EXIT, .pid = pid, .tid = tid, .time_us = pt_now_us()};

	r.u.exit.status = status;
	pt_core_raw(m, &r);
}

/* What the netlink reader reports of an exec: argv and start read at once. */
static struct pt_proc *exec_info(pid_t pid, uint64_t start, const char *args, size_t len)
{
	struct pt_proc *info = malloc(sizeof(*info));
	char *a = malloc(len);

	cr_assert(info && a);
	pt_proc_init(info);
	info->pid = pid;
	info->start = start;
	pt_proc_set_known(info, PT_F_START, PT_SRC_PROC);
	memcpy(a, args, len);
	pt_proc_set_args(info, a, len, false);
	pt_proc_set_known(info, PT_F_ARGV, PT_SRC_PROC);
	return info;
}

static void send_exec(struct pt_proc *info)
{
	struct pt_raw r = {.type = PT_EV_EXEC, .pid = info->pid, .tid = info->pid};

	r.time_us = pt_now_us();
	r.info = info;
	pt_core_raw(m, &r);
	cr_assert_null(r.info, "the core consumes info");
}

static void raw_exec(pid_t pid, uint64_t start, const char *args, size_t len)
{
	send_exec(exec_info(pid, start, args, len));
}

static unsigned count(enum pt_event_type type, pid_t pid, bool thread)
{
	unsigned n = 0;

	for (unsigned i = 0; i < ngot; i++)
		if (got[i].type == type && got[i].pid == pid && got[i].thread == thread)
			n++;
	return n;
}

/* The last process (not thread) event of a type for pid; fails the test if none. */
static const struct pt_event *last(enum pt_event_type type, pid_t pid)
{
	for (unsigned i = ngot; i-- > 0;)
		if (got[i].type == type && got[i].pid == pid && !got[i].thread)
			return &got[i];
	cr_assert_fail("no %s event for pid %d", pt_event_name(type), (int)pid);
	abort();
}

static const struct pt_proc *get(pid_t pid)
{
	const struct pt_proc *p = pt_lookup(m, pid);

	if (!p) {
		cr_assert_fail("pid %d not in the table", (int)pid);
		abort();
	}
	return p;
}

TestSuite(monitor, .init = setup, .fini = teardown);

Test(monitor, snapshot_lookups_and_lineage)
{
	const struct pt_proc *b = get(100);

	cr_assert_not_null(b);
	cr_assert_str_eq(b->comm, "bash");
	cr_assert(b->flags & PT_PROC_SNAPSHOT);
	cr_assert_eq(pt_parent(m, b), get(1));
	cr_assert_null(pt_parent(m, get(1)));
	cr_assert_null(pt_lookup(m, 4242));
}

Test(monitor, fork_inherits_exec_replaces_exit_decodes)
{
	const struct pt_proc *p;
	const struct pt_event *ev;

	raw(PT_EV_FORK, 200, 200, 100, 600);
	p = get(200);
	cr_assert_eq(p->src[PT_F_ARGV], PT_SRC_INHERITED, "a child runs its parent's image");
	cr_assert_str_eq(p->args, "bash");
	cr_assert_eq(count(PT_EV_FORK, 200, false), 1);

	raw_exec(200, 600, "find\0.\0", 7);
	p = get(200);
	cr_assert_eq(p->src[PT_F_ARGV], PT_SRC_PROC);
	cr_assert_str_eq(p->args, "find");
	cr_assert_eq(p->nexecs, 0, "the inherited image is not an exec of this process");
	cr_assert_eq(p->src[PT_F_CWD], PT_SRC_INHERITED, "exec keeps the cwd");

	raw_exit(200, 200, 3 << 8);
	ev = last(PT_EV_EXIT, 200);
	cr_assert_eq(ev->u.exit.exit_code, 3);
	cr_assert_eq(ev->u.exit.signal, 0);
	cr_assert_geq(ev->u.exit.duration_us, 0);
	cr_assert_eq(get(200)->state, PT_STATE_EXITED);

	raw(PT_EV_FORK, 201, 201, 100, 601);
	raw_exit(201, 201, 9 | 0x80);
	ev = last(PT_EV_EXIT, 201);
	cr_assert_eq(ev->u.exit.exit_code, -1);
	cr_assert_eq(ev->u.exit.signal, 9);
	cr_assert(ev->u.exit.core_dumped);
}

Test(monitor, second_exec_goes_to_history)
{
	const struct pt_proc *p;

	raw(PT_EV_FORK, 300, 300, 100, 700);
	raw_exec(300, 700, "sh\0-c\0x\0", 8);
	raw_exec(300, 700, "x\0", 2);
	p = get(300);
	cr_assert_str_eq(p->args, "x");
	cr_assert_eq(p->nexecs, 1);
	cr_assert_str_eq(p->execs[0].args, "sh");
	cr_assert_eq(count(PT_EV_EXEC, 300, false), 2);
}

/*
 * A non-leader thread execs: the kernel reports EXIT for the old leader (tid ==
 * pid) before the EXEC, and never an exit for the exec'ing thread. The process
 * must not be closed by that first EXIT.
 */
Test(monitor, thread_exec_trap)
{
	const struct pt_proc *p;

	raw(PT_EV_FORK, 400, 400, 100, 800);
	raw_exec(400, 800, "helper\0", 7);
	raw(PT_EV_FORK, 400, 401, 100, 800); /* a thread */
	cr_assert_eq(get(400)->nthreads, 2);
	raw_exit(400, 400, 0); /* the old leader, killed by the exec */
	cr_assert_eq(count(PT_EV_EXIT, 400, false), 0, "held while a thread is known");
	raw_exec(400, 800, "echo\0", 5);
	p = get(400);
	cr_assert_eq(p->state, PT_STATE_ALIVE);
	cr_assert_eq(p->nthreads, 1, "an exec ends every other thread");
	raw_exit(400, 400, 0);
	cr_assert_eq(count(PT_EV_EXIT, 400, false), 1);
	cr_assert_eq(get(400)->state, PT_STATE_EXITED);
}

/* The leader exits first, the last thread later: one process exit, then. */
Test(monitor, leader_exits_before_threads)
{
	raw(PT_EV_FORK, 500, 500, 100, 900);
	raw(PT_EV_FORK, 500, 501, 100, 900);
	raw(PT_EV_FORK, 500, 502, 100, 900);
	raw_exit(500, 500, 7 << 8);
	raw_exit(500, 501, 7 << 8);
	cr_assert_eq(count(PT_EV_EXIT, 500, false), 0);
	raw_exit(500, 502, 7 << 8);
	cr_assert_eq(count(PT_EV_EXIT, 500, false), 1);
	cr_assert_eq(count(PT_EV_EXIT, 500, true), 2, "thread exits are delivered too");
	cr_assert_eq(last(PT_EV_EXIT, 500)->u.exit.exit_code, 7, "the leader's status");
}

/* A held leader exit stays out of the public record while the process lives. */
Test(monitor, held_leader_exit_is_not_in_the_record)
{
	const struct pt_proc *p;

	raw(PT_EV_FORK, 510, 510, 100, 900);
	raw(PT_EV_FORK, 510, 511, 100, 900);
	raw_exit(510, 510, 3 << 8);
	p = get(510);
	cr_assert_eq(p->state, PT_STATE_ALIVE);
	cr_assert_eq(p->exit_code, -1, "no raw wait status in a live record");
	cr_assert_eq(p->exit_us, 0, "no exit time on a live record");
	raw_exit(510, 511, 3 << 8);
	p = get(510);
	cr_assert_eq(p->state, PT_STATE_EXITED);
	cr_assert_eq(p->exit_code, 3);
	cr_assert_neq(p->exit_us, 0);
}

/*
 * pt_parent is a lookup: after the parent exits it names the parent that
 * started the child, until the core reads the new ppid (reparenting) from
 * /proc; the lookup itself never changes the record.
 */
Test(monitor, parent_is_a_lookup_reparenting_is_the_cores)
{
	const struct pt_proc *child, *parent;

	add_fx(720, 1, "orphan", 1200, "orphan", 7); /* /proc: already moved to init */
	raw(PT_EV_FORK, 710, 710, 100, 1100);
	raw(PT_EV_FORK, 720, 720, 710, 1200);
	raw_exit(710, 710, 0);
	child = get(720);
	parent = pt_parent(m, child);
	cr_assert_not_null(parent);
	cr_assert_eq(parent->pid, 710);
	cr_assert_neq(parent->state, PT_STATE_ALIVE);
	cr_assert_eq(child->ppid, 710, "a lookup does not read /proc");

	pt_core_reparent(m);
	cr_assert_eq(child->ppid, 1);
	cr_assert_eq(pt_parent(m, child), get(1));
	cr_assert_eq(get(100)->ppid, 1, "a child of a live parent is left alone");
}

/*
 * A parent that exits while a scan runs, after the scan read its child but
 * before it reached the parent (a higher pid, after the pids wrapped), leaves
 * the child naming a pid the table never held: outside the tree under pid 1.
 * After each scan the core reads such a child's ppid again from /proc.
 */
Test(monitor, scan_reads_again_the_ppid_of_a_child_whose_parent_it_never_saw)
{
	add_fx(730, 725, "orphan", 1300, "orphan", 7); /* 725: gone before the scan */
	cr_assert_geq(pt_monitor_resync(m), 0);
	cr_assert_eq(get(730)->ppid, 725, "what /proc says stands");
	cr_assert_null(pt_parent(m, get(730)));

	/* /proc now shows the kernel's reparenting to init */
	cr_assert_eq(fx_remove(root, 730, NULL), 0);
	add_fx(730, 1, "orphan", 1300, "orphan", 7);
	cr_assert_geq(pt_monitor_resync(m), 0);
	cr_assert_eq(get(730)->ppid, 1);
	cr_assert_eq(pt_parent(m, get(730)), get(1));
	cr_assert_eq(get(100)->ppid, 1, "a child of a known parent is left alone");
}

/*
 * The same race in a periodic scan (the poll and inotify tiers): the child a
 * scan found naming a parent the table does not hold has its ppid read again
 * once the source hands over (pt_core_flush); a child whose parent the same
 * scan found later is left alone.
 */
Test(monitor, periodic_scan_reads_again_the_ppid_of_a_child_whose_parent_it_never_saw)
{
	struct pt_scanner *s = pt_scanner_new(pt_core_procfs(m), pt_core_scan_hooks());

	cr_assert_not_null(s);
	cr_assert_geq(pt_scan(m, s, PT_SCAN_SYNTH), 0, "the first scan learns the fixture");
	add_fx(730, 725, "orphan", 1300, "orphan", 7); /* 725: gone before the scan */
	add_fx(740, 745, "child", 1310, "child", 6); /* 745: found after its child */
	add_fx(745, 100, "parent", 1305, "parent", 7);
	cr_assert_geq(pt_scan(m, s, PT_SCAN_SYNTH), 0);
	cr_assert_eq(get(730)->ppid, 725, "what /proc said stands until the flush");
	cr_assert_eq(count(PT_EV_FORK, 730, false), 1);
	cr_assert_eq(pt_parent(m, get(740)), get(745));

	/* by now the kernel has reparented both (740's change would be a fault) */
	cr_assert_eq(fx_remove(root, 730, NULL), 0);
	add_fx(730, 1, "orphan", 1300, "orphan", 7);
	cr_assert_eq(fx_remove(root, 740, NULL), 0);
	add_fx(740, 1, "child", 1310, "child", 6);
	pt_core_flush(m);
	cr_assert_eq(get(730)->ppid, 1);
	cr_assert_eq(pt_parent(m, get(730)), get(1));
	cr_assert_eq(get(740)->ppid, 745, "a child whose parent the scan found is not read again");
	cr_assert_eq(count(PT_EV_FORK, 730, false), 1, "the fork event is not sent again");
	pt_scanner_free(s);
}

Test(monitor, unknown_process_exit_is_reported_with_reasons)
{
	const struct pt_event *ev;

	raw_exit(600, 600, 0);
	ev = last(PT_EV_EXIT, 600); /* an exit of an unknown process is not dropped */
	if (!ev->proc)
		cr_assert_fail("the exit carries a record");
	cr_assert_eq(ev->proc->src[PT_F_ARGV], PT_SRC_NONE);
	cr_assert_eq(ev->proc->why[PT_F_ARGV], PT_WHY_LOST);
}

/* A loss: the resync closes what vanished; the late real exit fills it in. */
Test(monitor, resync_after_loss_then_late_exit)
{
	struct pt_raw r = {.type = PT_EV_LOST, .time_us = pt_now_us()};
	struct pt_status st;
	const struct pt_proc *p;

	raw(PT_EV_FORK, 700, 700, 100, 1000);
	cr_assert_eq(get(700)->state, PT_STATE_ALIVE);
	/* not in the fixture /proc: the resync finds it gone */
	r.u.lost.count = 5;
	r.u.lost.reason = "test";
	pt_core_raw(m, &r);
	pt_monitor_status(m, &st);
	cr_assert_eq(st.resyncs, 0, "a loss arms the resync; the dispatch runs it");
	cr_assert_geq(pt_monitor_dispatch(m), 0);
	pt_monitor_status(m, &st);
	cr_assert_eq(st.lost, 5);
	cr_assert_eq(st.resyncs, 1);
	cr_assert_eq(count(PT_EV_LOST, 0, false), 1);
	p = get(700);
	cr_assert_eq(p->state, PT_STATE_EXIT_UNKNOWN);
	cr_assert(p->flags & PT_PROC_RESYNC);
	cr_assert_eq(count(PT_EV_EXIT, 700, false), 1, "the vanished process gets an exit");
	cr_assert(last(PT_EV_EXIT, 700)->synthesized);
	cr_assert_eq(get(100)->state, PT_STATE_ALIVE, "a process still there stays");

	raw_exit(700, 700, 2 << 8);
	p = get(700);
	cr_assert_eq(p->state, PT_STATE_EXITED);
	cr_assert_eq(p->exit_code, 2);
	cr_assert_eq(count(PT_EV_EXIT, 700, false), 1, "no second exit event");
}

/*
 * A burst of ENOBUFS in one receive loop, as the netlink source reports it: a
 * counted loss per error (the socket's drop counter since the last one), and
 * a sequence gap the drops do not explain. One resync runs, after the
 * dispatch; the losses come as one lost event per reason with the sum.
 */
Test(monitor, loss_burst_gives_one_resync_and_summed_lost_events)
{
	static const char overrun[] = "netlink receive buffer overrun";
	static const uint64_t drops[] = {5, 7, 11, 1};
	struct pt_raw r = {.type = PT_EV_LOST, .time_us = pt_now_us()};
	const struct pt_event *ev;
	struct pt_status st;

	raw(PT_EV_FORK, 700, 700, 100, 1000); /* not in /proc: the resync closes it */
	for (size_t i = 0; i < PT_ARRAY_SIZE(drops); i++) {
		r.u.lost.count = drops[i];
		r.u.lost.reason = overrun;
		pt_core_raw(m, &r);
		if (i == 1) {
			r.u.lost.count = 2;
			r.u.lost.reason = "proc connector sequence gap";
			pt_core_raw(m, &r);
		}
	}
	/* events after the losses in the same receive loop are applied first */
	raw(PT_EV_FORK, 701, 701, 100, 1001);
	pt_monitor_status(m, &st);
	cr_assert_eq(st.resyncs, 0);
	cr_assert_eq(count(PT_EV_LOST, 0, false), 0, "reported once summed");

	cr_assert_geq(pt_monitor_dispatch(m), 0);
	pt_monitor_status(m, &st);
	cr_assert_eq(st.resyncs, 1, "one resync for the burst, not %llu",
		     (unsigned long long)st.resyncs);
	cr_assert_eq(st.lost, 5 + 7 + 11 + 1 + 2);
	cr_assert_eq(count(PT_EV_LOST, 0, false), 2, "one lost event per reason");
	ev = last(PT_EV_LOST, 0);
	cr_assert_str_eq(ev->u.lost.reason, "proc connector sequence gap");
	cr_assert_eq(ev->u.lost.count, 2);
	for (unsigned i = 0; i < ngot; i++)
		if (got[i].type == PT_EV_LOST && got[i].u.lost.reason == overrun)
			cr_assert_eq(got[i].u.lost.count, 5 + 7 + 11 + 1);
	cr_assert_eq(get(700)->state, PT_STATE_EXIT_UNKNOWN);
	cr_assert_eq(get(701)->state, PT_STATE_EXIT_UNKNOWN);

	/* nothing armed: the next dispatch scans nothing */
	cr_assert_geq(pt_monitor_dispatch(m), 0);
	pt_monitor_status(m, &st);
	cr_assert_eq(st.resyncs, 1);
}

/* An estimated loss (a scanning tier's guess) is reported at once, no resync. */
Test(monitor, estimated_loss_does_not_resync)
{
	struct pt_raw r = {.type = PT_EV_LOST, .time_us = pt_now_us()};
	struct pt_status st;

	r.u.lost.count = 3;
	r.u.lost.estimated = true;
	r.u.lost.reason = "estimate";
	pt_core_raw(m, &r);
	cr_assert_eq(count(PT_EV_LOST, 0, false), 1);
	cr_assert_geq(pt_monitor_dispatch(m), 0);
	pt_monitor_status(m, &st);
	cr_assert_eq(st.resyncs, 0);
	cr_assert_eq(st.lost_estimated, 3);
}

Test(monitor, uid_event_updates_creds)
{
	struct pt_raw r = {.type = PT_EV_UID, .pid = 100, .tid = 100, .time_us = pt_now_us()};
	const struct pt_proc *p;

	r.u.id.r = 1000;
	r.u.id.e = 0;
	pt_core_raw(m, &r);
	p = get(100);
	cr_assert_eq(p->uid, 1000);
	cr_assert_eq(p->euid, 0);
	cr_assert_eq(last(PT_EV_UID, 100)->u.uid.euid, 0);
}

Test(monitor, events_mask_filters_delivery_not_the_table)
{
	struct pt_options o;
	struct pt_monitor *m2;
	unsigned before = ngot;

	pt_options_init(&o);
	o.tier = PT_TIER_NONE;
	o.proc_root = root;
	o.events = PT_EVMASK(PT_EV_EXIT);
	cr_assert_eq(pt_monitor_open(&m2, &o), 0);
	cr_assert_eq(pt_monitor_subscribe(m2, on_event, NULL), 0);
	{
		struct pt_raw r = {.type = PT_EV_FORK, .pid = 800, .tid = 800, .ppid = 100};

		r.start = 1100;
		pt_core_raw(m2, &r);
	}
	cr_assert_eq(ngot, before, "fork not delivered");
	cr_assert_not_null(pt_lookup(m2, 800), "but the table has it");
	pt_monitor_close(m2);
}

/* ---- exec_failed and the tiers' gaps ---- */

static char failed_path[64], failed_comm[PT_COMM_LEN];
static size_t failed_args_len;
static const struct pt_proc *failed_proc;

static void on_failed(const struct pt_event *ev, void *data)
{
	(void)data;
	if (ev->type != PT_EV_EXEC_FAILED)
		return;
	snprintf(failed_path, sizeof(failed_path), "%s", ev->u.exec_failed.path);
	failed_args_len = ev->u.exec_failed.args_len;
	failed_proc = ev->proc;
	snprintf(failed_comm, sizeof(failed_comm), "%s", ev->proc ? pt_proc_comm(ev->proc) : "");
}

/* The caller's identity as the BPF record gives it. */
static void raw_failed(pid_t pid, uint64_t start, const char *comm, uid_t uid)
{
	struct pt_raw r = {.type = PT_EV_EXEC_FAILED, .pid = pid, .tid = pid, .start = start};
	struct pt_proc *info = malloc(sizeof(*info));

	cr_assert_not_null(info);
	r.time_us = pt_now_us();
	pt_proc_init(info);
	info->pid = pid;
	info->ppid = 1;
	info->start = start;
	info->uid = info->euid = uid;
	snprintf(info->comm, sizeof(info->comm), "%s", comm);
	pt_proc_set_known(info, PT_F_START, PT_SRC_BPF);
	pt_proc_set_known(info, PT_F_COMM, PT_SRC_BPF);
	pt_proc_set_known(info, PT_F_CREDS, PT_SRC_BPF);
	r.info = info;
	r.u.failed.err = ENOENT;
	r.u.failed.path = strdup("/no/such");
	r.u.failed.args = malloc(5);
	cr_assert(r.u.failed.path && r.u.failed.args);
	memcpy(r.u.failed.args, "such\0", 5);
	r.u.failed.args_len = 5;
	r.u.failed.argc = 1;
	pt_core_raw(m, &r);
	cr_assert_null(r.info, "the core consumes info");
	cr_assert_null(r.u.failed.path, "and what was asked for");
}

Test(monitor, exec_failed_is_about_the_callers_record)
{
	const struct pt_event *ev;

	cr_assert_eq(pt_monitor_subscribe(m, on_failed, NULL), 0);
	raw_failed(100, 500, "bash", 1000);
	ev = last(PT_EV_EXEC_FAILED, 100);
	cr_assert_eq(ev->u.exec_failed.err, ENOENT);
	cr_assert_str_eq(failed_path, "/no/such");
	cr_assert_eq(failed_args_len, 5);
	cr_assert_eq(failed_proc, get(100), "the table's record of the caller");
	cr_assert_eq(get(100)->euid, 1000, "with the credentials it had as it failed");
	cr_assert_eq(pt_proc_state(get(100)), PT_STATE_ALIVE, "a failed exec changes nothing else");
}

Test(monitor, exec_failed_of_an_unknown_caller)
{
	cr_assert_eq(pt_monitor_subscribe(m, on_failed, NULL), 0);
	raw_failed(900, 7000, "ghost", 0);
	cr_assert_not_null(failed_proc, "the caller's identity from the record");
	cr_assert_str_eq(failed_comm, "ghost");
	cr_assert_null(pt_lookup(m, 900), "not added to the table");
	/* another pid's record with another start is not the caller */
	raw_failed(100, 400, "other", 0);
	cr_assert_str_eq(failed_comm, "other");
	cr_assert_str_eq(pt_proc_comm(get(100)), "bash");
}

Test(monitor, rename_then_exit_shows_the_new_name)
{
	struct pt_raw r = {.type = PT_EV_COMM, .pid = 100, .tid = 100, .time_us = pt_now_us()};

	memcpy(r.u.comm, "renamed", 8);
	pt_core_raw(m, &r);
	raw_exit(100, 100, 0);
	cr_assert_str_eq(pt_proc_comm(last(PT_EV_EXIT, 100)->proc), "renamed");
}

/* The exec's /proc read lost the race (nothing under /proc/400): the name the
 * exec gave is unknown, so a rename has no old name, not the parent's. */
Test(monitor, rename_after_an_unread_exec_has_no_old_name)
{
	struct pt_raw e = {.type = PT_EV_EXEC, .pid = 400, .tid = 400, .time_us = pt_now_us()};
	struct pt_raw r = {.type = PT_EV_COMM, .pid = 400, .tid = 400, .time_us = pt_now_us()};
	const struct pt_event *ev;
	struct pt_field_ref f;
	struct pt_value v;

	raw(PT_EV_FORK, 400, 400, 100, 800);
	pt_core_raw(m, &e);
	memcpy(r.u.comm, "renamed", 8);
	pt_core_raw(m, &r);
	ev = last(PT_EV_COMM, 400);
	cr_assert_not_null(ev);
	cr_assert_eq(ev->u.comm.old[0], 0, "old name: '%s'", ev->u.comm.old);
	cr_assert_eq(pt_field_lookup("evt.old_comm", &f), 0);
	cr_assert_eq(pt_field_value(&f, m, ev->proc, ev, &v), 0);
	cr_assert(!v.known || v.null, "old_comm is null");
	pt_value_free(&v);
	cr_assert_str_eq(pt_proc_comm(ev->proc), "renamed");
}

Test(monitor, tiers_say_what_they_cannot_deliver)
{
	struct pt_event_gaps g;
	struct pt_options o;
	struct pt_status st;

	cr_assert_eq(pt_tier_event_gaps(PT_TIER_NETLINK, NULL, &g), 0);
	cr_assert_eq(g.missing, PT_EVMASK(PT_EV_EXEC_FAILED));
	cr_assert_not_null(g.why[PT_EV_EXEC_FAILED]);
	cr_assert_null(g.why[PT_EV_UID]);

	cr_assert_eq(pt_tier_event_gaps(PT_TIER_POLL, NULL, &g), 0);
	cr_assert_eq(g.missing,
		     PT_EVMASK(PT_EV_UID) | PT_EVMASK(PT_EV_GID) | PT_EVMASK(PT_EV_SID) |
			     PT_EVMASK(PT_EV_PTRACE) | PT_EVMASK(PT_EV_COREDUMP) |
			     PT_EVMASK(PT_EV_EXEC_FAILED));
	for (unsigned e = 0; e < PT_EV_COUNT; e++)
		cr_assert_eq(g.why[e] != NULL, (g.missing & PT_EVMASK(e)) != 0, "%s",
			     pt_event_name((enum pt_event_type)e));
	cr_assert_eq(pt_tier_event_gaps(PT_TIER_INOTIFY, NULL, &g), 0);
	cr_assert(g.missing & PT_EVMASK(PT_EV_SID));

	/* only what was asked for counts */
	pt_options_init(&o);
	o.events = PT_EVMASK(PT_EV_FORK) | PT_EVMASK(PT_EV_UID);
	cr_assert_eq(pt_tier_event_gaps(PT_TIER_POLL, &o, &g), 0);
	cr_assert_eq(g.missing, PT_EVMASK(PT_EV_UID));
	cr_assert_null(g.why[PT_EV_EXEC_FAILED]);

	cr_assert_eq(pt_tier_event_gaps(PT_TIER_NONE, NULL, &g), -EINVAL);
	cr_assert_eq(pt_monitor_event_gaps(NULL, &g), -EINVAL);
	/* a monitor without a tier misses nothing it could have had */
	cr_assert_eq(pt_monitor_event_gaps(m, &g), 0);
	cr_assert_eq(g.missing, 0);
	cr_assert_eq(pt_monitor_status(m, &st), 0);
	cr_assert_eq(st.events_missing, 0);
}

/* ---- containers and lineage ---- */

#define CTR_ID "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b"

static int count_ctr(const struct pt_container *c, void *data)
{
	const struct pt_container **last = data;

	*last = c;
	return 0;
}

static const struct pt_container *only_container(void)
{
	const struct pt_container *c = NULL;

	cr_assert_eq(pt_ctr_cache_count(pt_core_ctrs(m)), 1);
	cr_assert_eq(pt_foreach_container(m, count_ctr, &c), 0);
	return c;
}

Test(monitor, fork_then_move_then_exec_reads_the_cgroup_again)
{
	static const char moved[] = "0::/system.slice/docker-" CTR_ID ".scope\n";
	const struct pt_proc *p;
	const struct pt_container *c;

	raw(PT_EV_FORK, 300, 300, 100, 700);
	p = get(300);
	/* the parent's attribution: the host, inherited */
	cr_assert_eq(p->src[PT_F_CONTAINER], PT_SRC_INHERITED);
	cr_assert_null(pt_proc_container(p));
	cr_assert_eq(pt_ctr_cache_count(pt_core_ctrs(m)), 0);

	/* the runtime moves it into the container's cgroup, then it execs */
	add_fx(300, 100, "bash", 700, "bash", 5);
	cr_assert_eq(fx_write(root, 300, "cgroup", moved, strlen(moved)), 0);
	raw_exec(300, 700, "nginx\0", 6);
	p = get(300);
	cr_assert_eq(p->src[PT_F_CONTAINER], PT_SRC_PROC, "an inherited cgroup is read at exec");
	cr_assert_not_null(pt_proc_container(p));
	cr_assert_str_eq(pt_proc_container_id(p), CTR_ID);
	cr_assert_str_eq(p->cgroup, "/system.slice/docker-" CTR_ID ".scope");
	/* listed, enriched once: the fixture's runtime root has no state for it */
	c = only_container();
	cr_assert_eq(c, pt_proc_container(p), "the record holds the cache's entry");
	cr_assert_eq(c->live, 1);
	cr_assert_eq(p->src[PT_F_CTR_META], PT_SRC_NONE);
	cr_assert_eq(p->why[PT_F_CTR_META], PT_WHY_NOT_FOUND);

	/* a child inherits the container and counts in it */
	raw(PT_EV_FORK, 301, 301, 300, 710);
	cr_assert_eq(pt_proc_container(get(301)), c);
	cr_assert_eq(get(301)->src[PT_F_CONTAINER], PT_SRC_INHERITED);
	cr_assert_eq(get(301)->src[PT_F_NSPID], PT_SRC_NONE, "NSpid is not inherited");
	cr_assert_eq(c->live, 2);

	raw_exit(301, 301, 0);
	raw_exit(300, 300, 0);
	cr_assert_eq(c->live, 0);
	cr_assert_neq(c->idle_us, 0);
	/* the exited records keep it; the cache lists it until the linger ends */
	pt_ctr_cache_expire(pt_core_ctrs(m), pt_now_us());
	cr_assert_eq(pt_ctr_cache_count(pt_core_ctrs(m)), 1);
	pt_ctr_cache_expire(pt_core_ctrs(m), pt_now_us() + 31 * 1000000LL);
	cr_assert_eq(pt_ctr_cache_count(pt_core_ctrs(m)), 0);
	cr_assert_str_eq(pt_proc_container_id(get(300)), CTR_ID);
}

Test(monitor, exec_of_a_process_already_gone_keeps_the_inherited_cgroup)
{
	const struct pt_proc *p;

	raw(PT_EV_FORK, 310, 310, 100, 720);
	raw_exec(310, 720, "true\0", 5); /* not in the fixture: reaped before the read */
	p = get(310);
	cr_assert_eq(p->src[PT_F_CONTAINER], PT_SRC_INHERITED);
	cr_assert_eq(p->src[PT_F_CGROUP], PT_SRC_INHERITED);
	cr_assert_null(pt_proc_container(p));
}

Test(monitor, lineage_through_exited_ancestors)
{
	const struct pt_proc *p;
	struct pt_field_ref f;
	struct pt_value v;
	char *json;

	raw(PT_EV_FORK, 400, 400, 100, 800);
	raw(PT_EV_FORK, 401, 401, 400, 810);
	raw(PT_EV_FORK, 402, 402, 401, 820);
	raw_exec(402, 820, "leaf\0", 5);
	/* parent and grandparent exit; the kernel moves the leaf to init */
	raw_exit(401, 401, 0);
	raw_exit(400, 400, 0);
	add_fx(402, 1, "leaf", 820, "leaf", 5);
	pt_core_reparent(m);
	p = get(402);
	cr_assert_eq(p->ppid, 1);
	cr_assert_eq(pt_parent(m, p), get(1), "the current parent");
	cr_assert_not_null(pt_parent_orig(m, p));
	cr_assert_eq(pt_parent_orig(m, p)->pid, 401, "the parent at fork time, exited");
	cr_assert_neq(pt_parent_orig(m, p)->state, PT_STATE_ALIVE);
	cr_assert_eq(pt_parent_orig(m, pt_parent_orig(m, p))->pid, 400);

	cr_assert_eq(pt_field_lookup("proc.apid", &f), 0);
	cr_assert_eq(pt_field_value(&f, m, p, NULL, &v), 0);
	cr_assert_eq(v.type, PT_TYPE_ARGS);
	cr_assert_eq(v.len,
		     sizeof("401\0"
			    "400\0"
			    "100\0"
			    "1") +
			     0);
	cr_assert_eq(memcmp(v.s,
			    "401\0"
			    "400\0"
			    "100\0"
			    "1",
			    v.len),
		     0);
	pt_value_free(&v);
	cr_assert_eq(pt_field_lookup("proc.ppid_orig", &f), 0);
	cr_assert_eq(pt_field_value(&f, m, p, NULL, &v), 0);
	cr_assert(v.known);
	cr_assert_eq(v.i, 401);
	cr_assert_eq(pt_field_lookup("proc.pname", &f), 0);
	cr_assert_eq(pt_field_value(&f, m, p, NULL, &v), 0);
	cr_assert_str_eq(v.s, "bash", "the exited parent's name, not init's");

	json = pt_json_ancestors(m, p, 2);
	cr_assert_not_null(json);
	cr_assert_not_null(strstr(json, "\"pid\":401"), "%s", json);
	cr_assert_not_null(strstr(json, "\"pid\":400"), "%s", json);
	cr_assert_null(strstr(json, "\"pid\":100"), "n bounds the list: %s", json);
	cr_assert_eq(json[0], '[');
	free(json);
	json = pt_json_ancestors(m, get(1), 5);
	cr_assert_str_eq(json, "[]");
	free(json);
}

Test(monitor, fork_time_parent_kept_after_reparenting)
{
	const struct pt_proc *p;

	raw(PT_EV_FORK, 500, 500, 100, 900);
	raw(PT_EV_FORK, 501, 501, 500, 910);
	raw_exit(500, 500, 0);
	add_fx(501, 100, "bash", 910, "bash", 5); /* a subreaper: bash */
	pt_core_reparent(m);
	p = get(501);
	cr_assert_eq(p->ppid, 100);
	cr_assert_eq(pt_parent(m, p)->pid, 100);
	cr_assert_eq(pt_parent_orig(m, p)->pid, 500);
	/* the root, and a record whose parent was never seen */
	cr_assert_null(pt_parent_orig(m, get(1)));
	cr_assert_null(pt_parent_orig(NULL, p));
}

/* An exec as raw_exec() reports it, with the credentials the reader read. */
static void raw_exec_as(pid_t pid, uint64_t start, uid_t uid)
{
	struct pt_proc *info = exec_info(pid, start, "x", 2);

	info->uid = info->euid = uid;
	info->gid = info->egid = 0;
	pt_proc_set_known(info, PT_F_CREDS, PT_SRC_PROC);
	send_exec(info);
}

/*
 * What the kernel refused a parent (the ptrace check on cwd, ns, exe) it
 * refuses its children with the same credentials: not asked again at their
 * exec, asked again once their credentials change. The fixture would answer
 * every read, so a field still refused was not asked for.
 */
Test(monitor, refused_reads_are_inherited_and_asked_again_after_a_cred_change)
{
	uid_t other = geteuid() + 4242;
	struct pt_proc *parent = (struct pt_proc *)get(100);
	struct pt_raw uid = {.type = PT_EV_UID, .pid = 330, .tid = 330};

	/* another user's shell whose cwd the kernel refused us */
	parent->uid = parent->euid = other;
	pt_proc_set_known(parent, PT_F_CREDS, PT_SRC_PROC);
	free(parent->cwd);
	parent->cwd = NULL;
	pt_proc_set_missing(parent, PT_F_CWD, PT_WHY_PERM);

	add_fx(330, 100, "bash", 730, "bash", 5);
	add_fx(331, 100, "bash", 740, "bash", 5);
	raw(PT_EV_FORK, 330, 330, 100, 730);
	raw(PT_EV_FORK, 331, 331, 100, 740);
	cr_assert_eq(get(330)->why[PT_F_CWD], PT_WHY_PERM, "inherited with the credentials");
	cr_assert_null(get(330)->cwd);

	/* an exec as the same other user: not asked */
	raw_exec_as(330, 730, other);
	cr_assert_eq(get(330)->why[PT_F_CWD], PT_WHY_PERM, "asked again at an exec");
	cr_assert_not(pt_proc_has(get(330), PT_F_CWD));

	/* a uid change: asked at the next exec */
	uid.time_us = pt_now_us();
	uid.u.id.r = uid.u.id.e = other + 1;
	pt_core_raw(m, &uid);
	raw_exec_as(330, 730, other + 1);
	cr_assert(pt_proc_has(get(330), PT_F_CWD), "why %d", get(330)->why[PT_F_CWD]);
	cr_assert_str_eq(get(330)->cwd, "/");

	/* an exec into our own uid (a setuid binary): asked */
	raw_exec_as(331, 740, geteuid());
	cr_assert(pt_proc_has(get(331), PT_F_CWD), "why %d", get(331)->why[PT_F_CWD]);
	cr_assert_str_eq(get(331)->cwd, "/");
}
