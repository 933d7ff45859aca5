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
 *   tests/unit/test-rules-corpus [DIR]
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

static bool is_allowed(const char *f)
{
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (strcmp(f, allowed[i]) == 0)
			return true;
	return false;
}

struct tally {
	unsigned a_loaded, a_skipped, b_skipped, bad;
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

int main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	char dir[4096], path[4200], line[8192], cur[256] = "";
	struct rules *rs = NULL;
	struct tally t = {0};
	FILE *f;

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
			rules_free(rs);
			snprintf(cur, sizeof(cur), "%s", cols[0]);
			rs = load_file(dir, cur, &t);
		}
		check_row(rs, cur, cols[1], cols[3], &t);
	}
	fclose(f);
	rules_free(rs);
	printf("class a: %u loaded, %u skipped for an allowed field; class b and mixed: %u "
	       "skipped; %u failures\n",
	       t.a_loaded, t.a_skipped, t.b_skipped, t.bad);
	return t.bad ? 1 : 0;
}
