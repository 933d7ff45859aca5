/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Process keys and references: the key's format, the parser's answers and
 * errors, and lookups that stay right across pid reuse and reparenting, on a
 * fixture proc root with a boot id.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "internal.h"

#define BOOT "0d4f3c1e-7b2a-4c5d-9e8f-1a2b3c4d5e6f"
#define OTHER_BOOT "11111111-2222-3333-4444-555555555555"
/* 2025-12-02T08:00:00Z */
#define T0 1764662400000000LL

static char *root;
static struct pt_monitor *m;

static void add_fx(pid_t pid, pid_t ppid, const char *comm, uint64_t start)
{
	cr_assert_eq(fx_add_simple(root, pid, ppid, comm, start, "x", 2), 0);
}

static void open_monitor(const char *boot_id)
{
	struct pt_options o;

	if (boot_id)
		cr_assert_eq(fx_set_boot_id(root, boot_id), 0);
	pt_options_init(&o);
	o.tier = PT_TIER_NONE;
	o.proc_root = root;
	o.log_level = 0;
	cr_assert_eq(pt_monitor_open(&m, &o), 0);
}

static void setup(void)
{
	root = fx_root_new();
	cr_assert_not_null(root);
	add_fx(1, 0, "init", 10);
	/* pid order puts a child before its parent: a wrapped pid */
	add_fx(60, 100, "child", 600);
	add_fx(70, 999, "orphan", 700); /* its parent is not in /proc */
	add_fx(100, 1, "bash", 500);
}

static void teardown(void)
{
	pt_monitor_close(m);
	m = NULL;
	fx_root_free(root);
	cr_assert_eq(fx_leaks(), 0);
}

static void fork_at(pid_t pid, pid_t ppid, uint64_t start, int64_t t)
{
	struct pt_raw r = {.type = PT_EV_FORK, .pid = pid, .tid = pid, .ppid = ppid};

	r.start = start;
	r.time_us = t;
	pt_core_raw(m, &r);
}

static void exit_at(pid_t pid, int64_t t)
{
	struct pt_raw r = {.type = PT_EV_EXIT, .pid = pid, .tid = pid, .time_us = t};

	pt_core_raw(m, &r);
}

static const char *key_of(const struct pt_proc *p)
{
	static char buf[PT_KEY_MAX];

	cr_assert_not_null(p);
	cr_assert_gt(pt_proc_key(p, buf, sizeof(buf)), 0);
	return buf;
}

static const char *pkey_of(const struct pt_proc *p)
{
	static char buf[PT_KEY_MAX];
	int n;

	cr_assert_not_null(p);
	n = pt_proc_parent_key(p, buf, sizeof(buf));
	if (n == -ENOENT)
		return "none";
	if (n == -ENODATA)
		return "unknown";
	cr_assert_gt(n, 0);
	return buf;
}

static const struct pt_proc *lookup(const char *s)
{
	struct pt_ref r;
	char why[256];

	cr_assert_eq(pt_ref_parse(s, &r, why, sizeof(why)), 0, "%s: %s", s, why);
	return pt_lookup_ref(m, &r);
}

/* ---- format ---- */

Test(key, format)
{
	char buf[PT_KEY_MAX];

	cr_assert_eq(pt_key_fmt(buf, sizeof(buf), BOOT, 123456, 4242),
		     (int)strlen(BOOT ":123456:4242"));
	cr_assert_str_eq(buf, BOOT ":123456:4242");
	/* the longest key fits PT_KEY_MAX */
	cr_assert_eq(pt_key_fmt(buf, sizeof(buf), BOOT, UINT64_MAX, INT32_MAX), PT_KEY_MAX - 1);
	cr_assert_eq(pt_key_fmt(buf, 10, BOOT, 1, 1), -ERANGE);
	cr_assert_eq(pt_key_fmt(buf, sizeof(buf), NULL, 1, 1), -ENODATA, "no boot id");
	cr_assert_eq(pt_key_fmt(buf, sizeof(buf), BOOT, 0, 1), -ENODATA, "no start");
}

Test(key, boot_id_as_the_kernel_writes_it)
{
	char out[PT_BOOT_ID_LEN + 1];

	cr_assert_eq(pt_parse_boot_id(BOOT "\n", strlen(BOOT) + 1, out), 0);
	cr_assert_str_eq(out, BOOT);
	cr_assert_eq(pt_parse_boot_id("0D4F3C1E-7B2A-4C5D-9E8F-1A2B3C4D5E6F", 36, out), 0);
	cr_assert_str_eq(out, BOOT, "lowercased");
	cr_assert_eq(pt_parse_boot_id(BOOT "x", strlen(BOOT) + 1, out), -EINVAL);
	cr_assert_eq(pt_parse_boot_id("0d4f3c1e-7b2a-4c5d-9e8f-1a2b3c4d5e6", 35, out), -EINVAL);
	cr_assert_eq(pt_parse_boot_id("0d4f3c1e+7b2a-4c5d-9e8f-1a2b3c4d5e6f", 36, out), -EINVAL);
	cr_assert_eq(pt_parse_boot_id("0d4f3c1e-7b2a-4c5d-9e8f-1a2b3c4d5e6g", 36, out), -EINVAL);
}

/* ---- parsing ---- */

Test(key, parse_what_each_form_means)
{
	struct pt_ref r;
	int64_t now;

	cr_assert_eq(pt_ref_parse("4242", &r, NULL, 0), 0);
	cr_assert_eq(r.kind, PT_REF_PID);
	cr_assert_eq(r.pid, 4242);

	cr_assert_eq(pt_ref_parse("4242@1764662400.25", &r, NULL, 0), 0);
	cr_assert_eq(r.kind, PT_REF_PID_AT);
	cr_assert_eq(r.pid, 4242);
	cr_assert_eq(r.at_us, T0 + 250000);
	cr_assert_eq(pt_ref_parse("7@1764662400", &r, NULL, 0), 0);
	cr_assert_eq(r.at_us, T0);
	cr_assert_eq(pt_ref_parse("7@1764662400.123456789", &r, NULL, 0), 0);
	cr_assert_eq(r.at_us, T0 + 123456, "nanoseconds are cut to microseconds");

	/* RFC 3339: the time of an event, pasted; offsets; leap days */
	cr_assert_eq(pt_ref_parse("7@2025-12-02T08:00:00Z", &r, NULL, 0), 0);
	cr_assert_eq(r.at_us, T0);
	cr_assert_eq(pt_ref_parse("7@2025-12-02T08:00:00.123456Z", &r, NULL, 0), 0);
	cr_assert_eq(r.at_us, T0 + 123456);
	cr_assert_eq(pt_ref_parse("7@2025-12-02T09:30:00+01:30", &r, NULL, 0), 0);
	cr_assert_eq(r.at_us, T0);
	cr_assert_eq(pt_ref_parse("7@2025-12-02t03:00:00-05:00", &r, NULL, 0), 0);
	cr_assert_eq(r.at_us, T0);
	cr_assert_eq(pt_ref_parse("7@2025-12-02 08:00:00z", &r, NULL, 0), 0);
	cr_assert_eq(r.at_us, T0);
	cr_assert_eq(pt_ref_parse("7@1970-01-01T00:00:00Z", &r, NULL, 0), 0);
	cr_assert_eq(r.at_us, 0);
	cr_assert_eq(pt_ref_parse("7@2024-02-29T00:00:00Z", &r, NULL, 0), 0);
	cr_assert_eq(r.at_us, 1709164800LL * 1000000);

	/* -SECS: before now (no exact time: the clock runs) */
	now = pt_now_us();
	cr_assert_eq(pt_ref_parse("7@-10", &r, NULL, 0), 0);
	cr_assert_leq(r.at_us, pt_now_us() - 10000000);
	cr_assert_geq(r.at_us, now - 10000000);

	cr_assert_eq(pt_ref_parse(BOOT ":123456:4242", &r, NULL, 0), 0);
	cr_assert_eq(r.kind, PT_REF_KEY);
	cr_assert_eq(r.pid, 4242);
	cr_assert_eq(r.start, 123456);
	cr_assert_str_eq(r.boot_id, BOOT);
	cr_assert_eq(pt_ref_parse("0D4F3C1E-7B2A-4C5D-9E8F-1A2B3C4D5E6F:1:1", &r, NULL, 0), 0);
	cr_assert_str_eq(r.boot_id, BOOT, "a key's boot id is compared lowercase");
}

Test(key, parse_errors_are_one_line)
{
	static const char *const bad[] = {
		"",
		"0",
		"-1",
		"+5",
		" 5",
		"5 ",
		"4242x",
		"2147483648",
		"99999999999999999999",
		"@1764662400",
		"5@",
		"5@@1",
		"5@abc",
		"5@1764662400.",
		"5@1764662400.1234567891",
		"5@1e9",
		"5@999999999999999",
		"5@2025-12-02T08:00:00",
		"5@2025-12-02T08:00:00+0100",
		"5@2025-13-02T08:00:00Z",
		"5@2025-02-29T08:00:00Z",
		"5@2025-12-00T08:00:00Z",
		"5@2025-12-02T24:00:00Z",
		"5@2025-12-02T08:60:00Z",
		"5@1969-12-31T23:59:59Z",
		"5@2025-12-02T08:00:00Zjunk",
		"5@--10",
		"5@-",
		":1:1",
		BOOT,
		BOOT ":",
		BOOT ":1",
		BOOT ":1:",
		BOOT ":0:5",
		BOOT ":1:0",
		BOOT ":-1:5",
		BOOT ":1:5:6",
		BOOT ":1:5 ",
		BOOT "0:1:5",
		"0d4f3c1e-7b2a-4c5d-9e8f-1a2b3c4d5e6:1:5",
		"0d4f3c1e_7b2a-4c5d-9e8f-1a2b3c4d5e6f:1:5",
		"zd4f3c1e-7b2a-4c5d-9e8f-1a2b3c4d5e6f:1:5",
		BOOT ":18446744073709551616:5",
		BOOT ":1:2147483648",
		"5@" BOOT,
	};
	struct pt_ref r;
	char why[256];

	for (size_t i = 0; i < PT_ARRAY_SIZE(bad); i++) {
		why[0] = '\0';
		cr_assert_eq(pt_ref_parse(bad[i], &r, why, sizeof(why)), -EINVAL, "'%s' accepted",
			     bad[i]);
		cr_assert_gt(strlen(why), 10, "'%s': no reason", bad[i]);
		cr_assert_null(strchr(why, '\n'), "'%s': more than one line", bad[i]);
	}
	cr_assert_eq(pt_ref_parse(NULL, &r, why, sizeof(why)), -EINVAL);
	/* a small why buffer is cut, never overrun */
	cr_assert_eq(pt_ref_parse("x", &r, why, 4), -EINVAL);
	cr_assert_eq(strlen(why), 3);
	cr_assert_eq(pt_ref_parse("x", &r, NULL, 0), -EINVAL);
}

/* ---- keys on records ---- */

Test(key, records_carry_key_and_parent_key, .init = setup, .fini = teardown)
{
	const struct pt_proc *init, *bash, *child, *orphan;
	struct pt_field_ref f;
	struct pt_value v;
	char *json;

	open_monitor(BOOT "\n");
	cr_assert_str_eq(pt_monitor_boot_id(m), BOOT);
	init = pt_lookup(m, 1);
	bash = pt_lookup(m, 100);
	child = pt_lookup(m, 60);
	orphan = pt_lookup(m, 70);
	cr_assert_str_eq(key_of(init), BOOT ":10:1");
	cr_assert_str_eq(pkey_of(init), "none");
	cr_assert_str_eq(pkey_of(bash), BOOT ":10:1");
	/* scanned before its parent (pid order): bound after the snapshot */
	cr_assert_str_eq(pkey_of(child), BOOT ":500:100");
	cr_assert_str_eq(pkey_of(orphan), "unknown");
	cr_assert_eq(pt_field_lookup("parent_key", &f), 0);
	cr_assert_eq(pt_field_value(&f, m, orphan, NULL, &v), 0);
	cr_assert(!v.known);
	cr_assert_eq(v.why, PT_WHY_GONE);
	pt_value_free(&v);

	json = pt_json_proc(child, NULL);
	cr_assert_not_null(json);
	cr_assert_not_null(strstr(json, "\"key\":\"" BOOT ":600:60\""), "%s", json);
	cr_assert_not_null(strstr(json, "\"parent_key\":\"" BOOT ":500:100\""), "%s", json);
	free(json);
	json = pt_json_proc(init, NULL);
	cr_assert_not_null(strstr(json, "\"parent_key\":null"), "%s", json);
	free(json);
	/* unknown: left out, and not listed as missing */
	json = pt_json_proc(orphan, NULL);
	cr_assert_null(strstr(json, "parent_key"), "%s", json);
	free(json);
}

Test(key, no_boot_id_no_key, .init = setup, .fini = teardown)
{
	char buf[PT_KEY_MAX], *json;

	open_monitor(NULL);
	cr_assert_null(pt_monitor_boot_id(m));
	cr_assert_eq(pt_proc_key(pt_lookup(m, 100), buf, sizeof(buf)), -ENODATA);
	json = pt_json_proc(pt_lookup(m, 100), NULL);
	cr_assert_null(strstr(json, "\"key\""), "%s", json);
	free(json);
}

Test(key, malformed_boot_id_no_key, .init = setup, .fini = teardown)
{
	open_monitor("not a boot id\n");
	cr_assert_null(pt_monitor_boot_id(m));
}

/*
 * Pid reuse: pid 710 is two processes one after the other. pid@TIME names
 * the one alive then (exited and retained, or live), a key names its own
 * generation, and a child's parent_key keeps the parent that forked it after
 * it is reparented.
 */
Test(key, pid_reuse_and_reparenting, .init = setup, .fini = teardown)
{
	const struct pt_proc *a, *b, *kid;
	char key_a[PT_KEY_MAX], key_b[PT_KEY_MAX], ref[128];
	struct pt_ref r;

	open_monitor(BOOT "\n");
	fork_at(710, 100, 1100, T0);
	fork_at(720, 710, 1150, T0 + 500000);
	add_fx(720, 1, "kid", 1150); /* /proc: moved to init once 710 exits */
	exit_at(710, T0 + 1000000);
	pt_core_reparent(m);
	fork_at(710, 100, 1300, T0 + 2000000);

	a = pt_lookup_at(m, 710, T0 + 100000);
	b = pt_lookup(m, 710);
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	cr_assert_neq(a, b);
	cr_assert_neq(pt_proc_state(a), PT_STATE_ALIVE);
	cr_assert_eq(pt_proc_state(b), PT_STATE_ALIVE);
	snprintf(key_a, sizeof(key_a), "%s", key_of(a));
	snprintf(key_b, sizeof(key_b), "%s", key_of(b));
	cr_assert_str_eq(key_a, BOOT ":1100:710");
	cr_assert_str_eq(key_b, BOOT ":1300:710");

	/* pid@TIME, in both notations */
	cr_assert_eq(lookup("710@1764662400.5"), a);
	cr_assert_eq(lookup("710@2025-12-02T08:00:00.999999Z"), a);
	cr_assert_eq(lookup("710@1764662402.5"), b);
	cr_assert_eq(lookup("710@2025-12-02T08:00:03Z"), b);
	cr_assert_null(lookup("710@1764662399"), "before either");
	cr_assert_eq(errno, ESRCH);
	cr_assert_null(lookup("710@1764662401.5"), "between the two");
	cr_assert_eq(errno, ESRCH);
	/* a pid alone: the live one */
	cr_assert_eq(lookup("710"), b);

	/* keys: each its own generation, a tick off still the same process */
	cr_assert_eq(lookup(key_a), a);
	cr_assert_eq(lookup(key_b), b);
	cr_assert_eq(lookup(BOOT ":1101:710"), a);
	cr_assert_null(lookup(BOOT ":1200:710"));
	cr_assert_eq(errno, ESRCH);
	cr_assert_null(lookup(OTHER_BOOT ":1100:710"));
	cr_assert_eq(errno, EXDEV);
	cr_assert_eq(pt_ref_parse(key_a, &r, NULL, 0), 0);
	r.kind = (enum pt_ref_kind)99;
	cr_assert_null(pt_lookup_ref(m, &r));
	cr_assert_eq(errno, EINVAL);

	/* the child moved to init, its parent_key did not */
	kid = pt_lookup(m, 720);
	cr_assert_eq(pt_proc_ppid(kid), 1);
	cr_assert_str_eq(pkey_of(kid), key_a);
	snprintf(ref, sizeof(ref), "%s", pkey_of(kid));
	cr_assert_eq(lookup(ref), a, "a parent_key looks up the parent, exited or not");
	cr_assert_str_eq(pkey_of(b), BOOT ":500:100");
}

/* Events carry the key of their process; fork, exec and exit its parent_key. */
Test(key, events_carry_keys, .init = setup, .fini = teardown)
{
	struct pt_event ev = {.type = PT_EV_FORK, .pid = 100, .tid = 100, .ppid = 1};
	char *json;

	open_monitor(BOOT "\n");
	ev.proc = pt_lookup(m, 100);
	json = pt_json_event(&ev, NULL);
	cr_assert_not_null(strstr(json, "\"key\":\"" BOOT ":500:100\""), "%s", json);
	cr_assert_not_null(strstr(json, "\"parent_key\":\"" BOOT ":10:1\""), "%s", json);
	free(json);
	ev.type = PT_EV_UID;
	json = pt_json_event(&ev, NULL);
	cr_assert_not_null(strstr(json, "\"key\":"), "%s", json);
	cr_assert_null(strstr(json, "parent_key"), "%s", json);
	free(json);
	ev.type = PT_EV_LOST;
	ev.u.lost.reason = "slow-reader";
	json = pt_json_event(&ev, NULL);
	cr_assert_null(strstr(json, "key"), "%s", json);
	free(json);
}
