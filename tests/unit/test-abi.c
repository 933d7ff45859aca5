/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ABI promises of proctrail.h: callers built against an older (smaller) or
 * a newer (larger) struct pt_options or struct pt_status keep working or get a
 * clear error, and the members published today never move.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "internal.h"

#define CANARY 0xa5a5a5a5a5a5a5a5ull
#define NCANARY 8

/* A caller built against an older header: the first members of today's layout. */
struct old_options {
	size_t size;
	enum pt_tier tier;
	const char *proc_root;
	unsigned events;
	bool threads;
};

struct old_status {
	enum pt_tier tier;
	uint64_t alive, exited, threads;
};

/* A caller built against a newer header: today's struct and members we lack. */
struct new_options {
	struct pt_options o;
	uint64_t later[4];
};

struct new_status {
	struct pt_status st;
	uint64_t later[4];
};

static char *root;

static void setup(void)
{
	struct fx_proc init = {.pid = 1, .comm = "init", .start = 10, .sid = 1, .pgid = 1};
	struct fx_proc sh = {.pid = 100, .ppid = 1, .comm = "sh", .start = 50, .sid = 100};

	root = fx_root_new();
	cr_assert_not_null(root);
	cr_assert_eq(fx_add_proc(root, &init), 0);
	cr_assert_eq(fx_add_proc(root, &sh), 0);
}

static void teardown(void)
{
	fx_root_free(root);
	cr_assert_eq(fx_leaks(), 0);
}

static void assert_canary(const uint64_t *c)
{
	for (unsigned i = 0; i < NCANARY; i++)
		cr_assert_eq(c[i], CANARY, "word %u after the caller's struct was written", i);
}

TestSuite(abi, .init = setup, .fini = teardown);

Test(abi, init_writes_only_the_callers_size)
{
	struct {
		struct old_options o;
		uint64_t canary[NCANARY];
	} w;

	memset(&w, 0xa5, sizeof(w));
	pt_options_init_size((struct pt_options *)&w.o, sizeof(w.o));
	assert_canary(w.canary);
	cr_assert_eq(w.o.size, sizeof(w.o));
	cr_assert_eq(w.o.tier, PT_TIER_AUTO);
	cr_assert_str_eq(w.o.proc_root, "/proc");
	cr_assert_eq(w.o.events, PT_EVMASK_ALL);
	cr_assert_eq(w.o.threads, false);
}

Test(abi, init_leaves_a_member_cut_by_the_size_zero)
{
	size_t size = offsetof(struct pt_options, events) + 2;
	unsigned char buf[sizeof(struct pt_options)];
	struct pt_options *o = (struct pt_options *)buf;

	memset(buf, 0xa5, sizeof(buf));
	pt_options_init_size(o, size);
	cr_assert_eq(o->size, size);
	cr_assert_str_eq(o->proc_root, "/proc");
	for (size_t i = offsetof(struct pt_options, events); i < size; i++)
		cr_assert_eq(buf[i], 0, "byte %zu of a member that does not fit", i);
	for (size_t i = size; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], 0xa5, "byte %zu past the size was written", i);
}

Test(abi, init_macro_passes_the_callers_sizeof)
{
	struct pt_options o;

	memset(&o, 0xff, sizeof(o));
	pt_options_init(&o);
	cr_assert_eq(o.size, sizeof(o));
	cr_assert_eq(o.readers, -1, "the last member gets its default");
	cr_assert_eq(o.log, NULL);
}

Test(abi, older_caller_opens_with_defaults_for_the_rest)
{
	/* on the heap at its exact size, so a read past it is caught by ASan */
	struct old_options *o = malloc(sizeof(*o));
	const struct pt_options *in;
	struct pt_monitor *m;

	cr_assert_not_null(o);
	pt_options_init_size((struct pt_options *)o, sizeof(*o));
	o->tier = PT_TIER_NONE;
	o->proc_root = root;
	o->threads = true;
	cr_assert_eq(pt_monitor_open(&m, (const struct pt_options *)o), 0);
	free(o);
	cr_assert_eq(pt_monitor_tier(m), PT_TIER_NONE);
	cr_assert_not_null(pt_lookup(m, 100), "the fixture was scanned");
	in = pt_core_options(m);
	cr_assert_eq(in->size, sizeof(struct pt_options));
	cr_assert_eq(in->threads, true, "the caller's members are used");
	cr_assert_eq(in->retention_ms, 60000, "the others have their defaults");
	cr_assert_eq(in->exec_history, 4);
	cr_assert_eq(in->log_level, PT_LOG_NOTICE);
	cr_assert_eq(in->readers, -1);
	pt_monitor_close(m);
}

Test(abi, smallest_accepted_options)
{
	struct {
		size_t size;
		enum pt_tier tier;
	} *o = malloc(sizeof(*o));
	struct pt_monitor *m;
	char why[128];

	cr_assert_not_null(o);
	cr_assert_geq(sizeof(*o), PT_OPTIONS_SIZE_VER0);
	o->size = PT_OPTIONS_SIZE_VER0;
	o->tier = PT_TIER_POLL;
	/* proc_root is not the caller's: the default /proc is probed */
	cr_assert_eq(pt_probe(PT_TIER_POLL, (const struct pt_options *)o, why, sizeof(why)), 0,
		     "%s", why);
	o->size = PT_OPTIONS_SIZE_VER0 - 1;
	cr_assert_eq(pt_monitor_open(&m, (const struct pt_options *)o), -EINVAL);
	cr_assert_eq(pt_probe(PT_TIER_POLL, (const struct pt_options *)o, why, sizeof(why)),
		     -EINVAL);
	o->size = 0; /* not initialised */
	cr_assert_eq(pt_monitor_open(&m, (const struct pt_options *)o), -EINVAL);
	free(o);
}

Test(abi, newer_caller_with_zero_tail_opens)
{
	struct new_options n;
	struct pt_monitor *m;

	memset(&n, 0xff, sizeof(n));
	pt_options_init_size(&n.o, sizeof(n));
	cr_assert_eq(n.o.size, sizeof(n));
	for (unsigned i = 0; i < 4; i++)
		cr_assert_eq(n.later[i], 0, "init clears what it does not know");
	n.o.tier = PT_TIER_NONE;
	n.o.proc_root = root;
	cr_assert_eq(pt_monitor_open(&m, &n.o), 0);
	cr_assert_eq(pt_core_options(m)->size, sizeof(struct pt_options));
	pt_monitor_close(m);
}

Test(abi, newer_caller_using_a_member_we_lack_gets_e2big)
{
	struct new_options n;
	struct pt_monitor *m = NULL;
	char why[128];

	pt_options_init_size(&n.o, sizeof(n));
	n.o.tier = PT_TIER_NONE;
	n.o.proc_root = root;
	n.later[3] = 1;
	cr_assert_eq(pt_monitor_open(&m, &n.o), -E2BIG);
	cr_assert_null(m);
	cr_assert_eq(pt_probe(PT_TIER_POLL, &n.o, why, sizeof(why)), -E2BIG);
	cr_assert_str_eq(why, "options newer than this library");
	n.later[3] = 0;
	((unsigned char *)&n)[sizeof(struct pt_options)] = 1; /* the first byte we lack */
	cr_assert_eq(pt_monitor_open(&m, &n.o), -E2BIG);
}

Test(abi, absurd_size_is_e2big)
{
	struct pt_options o;
	struct pt_monitor *m;

	pt_options_init(&o);
	o.size = 1u << 20; /* garbage, not a struct: nothing past ours is read */
	cr_assert_eq(pt_monitor_open(&m, &o), -E2BIG);
}

static struct pt_monitor *open_fixture(void)
{
	struct pt_options o;
	struct pt_monitor *m;

	pt_options_init(&o);
	o.tier = PT_TIER_NONE;
	o.proc_root = root;
	cr_assert_eq(pt_monitor_open(&m, &o), 0);
	return m;
}

Test(abi, older_status_is_filled_without_writing_past_it)
{
	struct pt_monitor *m = open_fixture();
	struct {
		struct old_status st;
		uint64_t canary[NCANARY];
	} w;

	memset(&w, 0xa5, sizeof(w));
	cr_assert_eq(pt_monitor_status_size(m, (struct pt_status *)&w.st, sizeof(w.st)), 0);
	assert_canary(w.canary);
	cr_assert_eq(w.st.tier, PT_TIER_NONE);
	cr_assert_eq(w.st.alive, 2);
	cr_assert_eq(w.st.exited, 0);
	pt_monitor_close(m);
}

Test(abi, newer_status_gets_zeroes_for_what_we_lack)
{
	struct pt_monitor *m = open_fixture();
	struct pt_raw r = {.type = PT_EV_FORK, .pid = 200, .tid = 200, .ppid = 100, .start = 60};
	struct new_status n;
	struct pt_status st;

	r.time_us = pt_now_us();
	pt_core_raw(m, &r);
	memset(&n, 0xff, sizeof(n));
	cr_assert_eq(pt_monitor_status_size(m, &n.st, sizeof(n)), 0);
	for (unsigned i = 0; i < 4; i++)
		cr_assert_eq(n.later[i], 0);
	cr_assert_eq(n.st.alive, 3);
	cr_assert_eq(n.st.events[PT_EV_FORK], 1, "counts by type sit in the last member");
	for (unsigned t = PT_EV_COUNT; t < PT_EV_MAX; t++)
		cr_assert_eq(n.st.events[t], 0, "slot %u of a type we lack", t);
	cr_assert_eq(pt_monitor_status(m, &st), 0);
	cr_assert_eq(memcmp(&st, &n.st, sizeof(st)), 0);
	pt_monitor_close(m);
}

Test(abi, json_schema_version)
{
	cr_assert_eq(pt_json_schema_version(), PT_JSON_SCHEMA_VERSION);
}

Test(abi, event_mask_fits_the_status_slots)
{
	cr_assert_leq(PT_EV_COUNT, PT_EV_MAX);
	cr_assert_eq(PT_EV_MAX, 8 * sizeof(unsigned));
	cr_assert_eq(PT_EVMASK_ALL, (1u << PT_EV_COUNT) - 1);
	cr_assert_eq(PT_ARRAY_SIZE(((struct pt_status *)0)->events), PT_EV_MAX);
}

/*
 * Golden offsets of the members published in LIBPROCTRAIL_1 (LP64). A reorder,
 * or a member inserted before the end, fails here; appending does not.
 */
#define O(type, member, off)                                                                       \
	cr_expect_eq(offsetof(struct type, member), (size_t)(off), #type "." #member " is at %zu", \
		     offsetof(struct type, member))

Test(abi, golden_offsets)
{
#if __SIZEOF_POINTER__ != 8 || __SIZEOF_LONG__ != 8 || __SIZEOF_INT__ != 4
	cr_skip_test("golden offsets are written for LP64");
#else
	O(pt_options, size, 0);
	O(pt_options, tier, 8);
	O(pt_options, proc_root, 16);
	O(pt_options, events, 24);
	O(pt_options, threads, 28);
	O(pt_options, retention_ms, 32);
	O(pt_options, mem_max, 40);
	O(pt_options, args_max, 48);
	O(pt_options, exec_history, 56);
	O(pt_options, realtime, 60);
	O(pt_options, poll_interval_ms, 64);
	O(pt_options, rcvbuf, 72);
	O(pt_options, ring_size, 80);
	O(pt_options, watch_dirs, 88);
	O(pt_options, log, 96);
	O(pt_options, log_data, 104);
	O(pt_options, log_level, 112);
	O(pt_options, readers, 116);
	O(pt_options, flags, 120);
	cr_expect_geq(sizeof(struct pt_options), 124);

	O(pt_status, tier, 0);
	O(pt_status, alive, 8);
	O(pt_status, exited, 16);
	O(pt_status, threads, 24);
	O(pt_status, lost, 32);
	O(pt_status, lost_estimated, 40);
	O(pt_status, resyncs, 48);
	O(pt_status, evicted, 56);
	O(pt_status, expired, 64);
	O(pt_status, malformed, 72);
	O(pt_status, mem, 80);
	O(pt_status, exec_total, 88);
	O(pt_status, exec_args_ok, 96);
	O(pt_status, exec_exe_ok, 104);
	O(pt_status, events, 112);
	cr_expect_geq(sizeof(struct pt_status), 112 + 32 * 8);

	O(pt_event, type, 0);
	O(pt_event, time_us, 8);
	O(pt_event, pid, 16);
	O(pt_event, tid, 20);
	O(pt_event, ppid, 24);
	O(pt_event, proc, 32);
	O(pt_event, thread, 40);
	O(pt_event, synthesized, 41);
	O(pt_event, tier, 44);
	O(pt_event, window_lo_us, 48);
	O(pt_event, window_hi_us, 56);
	O(pt_event, u, 64);
	O(pt_event, u.exit.exit_code, 64);
	O(pt_event, u.exit.signal, 68);
	O(pt_event, u.exit.duration_us, 72);
	O(pt_event, u.exit.core_dumped, 80);
	O(pt_event, u.uid.ruid, 64);
	O(pt_event, u.uid.euid, 68);
	O(pt_event, u.gid.rgid, 64);
	O(pt_event, u.gid.egid, 68);
	O(pt_event, u.ptrace.tracer_pid, 64);
	O(pt_event, u.ptrace.tracer_tid, 68);
	O(pt_event, u.comm.comm, 64);
	O(pt_event, u.comm.old, 80);
	O(pt_event, u.lost.count, 64);
	O(pt_event, u.lost.estimated, 72);
	O(pt_event, u.lost.reason, 80);
	O(pt_event, u.exec_failed.execveat, 101);
	/* appended after the union, which exec_failed makes 40 bytes */
	O(pt_event, num, 104);
#endif
}
