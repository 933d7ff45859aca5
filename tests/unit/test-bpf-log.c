/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libbpf has one print function per process; the BPF tier must still send
 * each monitor's libbpf messages to that monitor's log, with monitors on
 * several threads, and leave messages of libbpf calls that are not its own
 * to the function installed before. No privilege needed: opening a garbage
 * object makes libbpf warn.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "fixture.h"
#include "internal.h"

#if HAVE_BPF
#include <bpf/libbpf.h>
#endif

#define ROUNDS 200

struct logbook {
	const char *mine, *other; /* object names that must / must not appear */
	atomic_uint mine_n, other_n;
};

static char *root;

static void on_log(int level, const char *msg, void *data)
{
	struct logbook *b = data;

	if (strstr(msg, b->mine))
		atomic_fetch_add(&b->mine_n, 1);
	if (strstr(msg, b->other))
		atomic_fetch_add(&b->other_n, 1);
}

#if HAVE_BPF
static atomic_uint foreign_n;

static int foreign_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (strstr(fmt, "elf") || level == LIBBPF_WARN)
		atomic_fetch_add(&foreign_n, 1);
	return 0;
}

/* libbpf warns that the object is not ELF, naming it */
static int open_garbage(void *arg)
{
	static const char junk[64] = "not an ELF object";
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = arg);
	struct bpf_object *o = bpf_object__open_mem(junk, sizeof(junk), &opts);

	/* NULL since libbpf 1.0; an error pointer before it */
	if (o && (uintptr_t)o < (uintptr_t)-4095)
		bpf_object__close(o);
	return 0;
}

struct worker {
	struct pt_monitor *m;
	const char *name;
};

static void *work(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < ROUNDS; i++)
		pt_bpf_log_to(w->m, open_garbage, (void *)w->name);
	return NULL;
}
#endif

static struct pt_monitor *open_logged(struct logbook *b)
{
	struct pt_options o;
	struct pt_monitor *m;

	pt_options_init(&o);
	o.tier = PT_TIER_NONE;
	o.proc_root = root;
	o.log = on_log;
	o.log_data = b;
	o.log_level = PT_LOG_DEBUG;
	cr_assert_eq(pt_monitor_open(&m, &o), 0);
	return m;
}

static void setup(void)
{
	struct fx_proc init = {.pid = 1, .comm = "init", .start = 10, .sid = 1, .pgid = 1};

	root = fx_root_new();
	cr_assert_not_null(root);
	cr_assert_eq(fx_add_proc(root, &init), 0);
}

static void teardown(void)
{
	fx_root_free(root);
}

TestSuite(bpf_log, .init = setup, .fini = teardown);

Test(bpf_log, each_thread_logs_to_its_own_monitor)
{
#if !HAVE_BPF
	cr_skip_test("built without the BPF tier");
#else
	struct logbook a = {.mine = "pt-obj-a", .other = "pt-obj-b"};
	struct logbook b = {.mine = "pt-obj-b", .other = "pt-obj-a"};
	struct worker wa = {open_logged(&a), "pt-obj-a"}, wb = {open_logged(&b), "pt-obj-b"};
	pthread_t ta, tb;

	cr_assert_eq(pthread_create(&ta, NULL, work, &wa), 0);
	cr_assert_eq(pthread_create(&tb, NULL, work, &wb), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	cr_expect_geq(atomic_load(&a.mine_n), ROUNDS, "monitor a got %u of its messages",
		      atomic_load(&a.mine_n));
	cr_expect_geq(atomic_load(&b.mine_n), ROUNDS, "monitor b got %u of its messages",
		      atomic_load(&b.mine_n));
	cr_expect_eq(atomic_load(&a.other_n), 0, "monitor a got %u of b's messages",
		     atomic_load(&a.other_n));
	cr_expect_eq(atomic_load(&b.other_n), 0, "monitor b got %u of a's messages",
		     atomic_load(&b.other_n));
	pt_monitor_close(wa.m);
	pt_monitor_close(wb.m);
#endif
}

Test(bpf_log, calls_that_are_not_ours_reach_the_previous_print_function)
{
#if !HAVE_BPF
	cr_skip_test("built without the BPF tier");
#else
	struct logbook a = {.mine = "pt-obj-a", .other = "pt-obj-x"};
	struct pt_monitor *m = open_logged(&a);

	libbpf_set_print(foreign_print); /* the embedder's, before the tier's first use */
	pt_bpf_log_to(m, open_garbage, (void *)"pt-obj-a");
	cr_assert_geq(atomic_load(&a.mine_n), 1);
	cr_assert_eq(atomic_load(&foreign_n), 0, "the monitor's message went to the embedder");
	open_garbage((void *)"pt-obj-x"); /* the embedder's own libbpf call */
	cr_assert_geq(atomic_load(&foreign_n), 1, "the embedder's message was swallowed");
	cr_assert_eq(atomic_load(&a.other_n), 0, "the embedder's message went to the monitor");
	pt_monitor_close(m);
#endif
}
