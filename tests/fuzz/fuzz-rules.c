/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rules files (src/rules*.c): whoever may write a rules directory chooses its
 * bytes. Each input is loaded as one file, compiled, and matched against one
 * exec (imported into an empty monitor once per input), so the YAML reader,
 * lists, macros, exceptions, the condition parser and the output format all
 * see it.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "rules.h"

#define EXEC_LINE                                                                               \
	"{\"event\":\"exec\",\"time\":\"2026-12-03T08:01:02.123456Z\",\"pid\":300,\"tid\":300," \
	"\"ppid\":1,\"start\":1300,\"key\":\"0d4f3c1e-7b2a-4c5d-9e8f-1a2b3c4d5e6f:1300:300\","  \
	"\"comm\":\"find\",\"exe\":\"/usr/bin/find\",\"argv\":[\"find\",\"/etc\",\"-perm\"],"   \
	"\"argv_truncated\":false,\"uid\":0,\"euid\":0,\"gid\":0,\"egid\":0,\"cwd\":\"/root\"," \
	"\"container_id\":\"host\",\"tier\":\"netlink\"}"

static struct pt_monitor *mon;
static struct rules *cur;

static void on_alert(const struct rules_alert *a, void *data)
{
	(void)data;
	FUZZ_CHECK(a->json && strlen(a->json) == a->json_len);
	FUZZ_CHECK(a->json[0] == '{' && a->json[a->json_len - 1] == '}');
	FUZZ_CHECK(a->output && a->rule && a->priority);
}

static void on_event(const struct pt_event *ev, void *data)
{
	(void)data;
	if (cur)
		rules_eval(cur, mon, ev, on_alert, NULL);
}

static void open_monitor(void)
{
	struct pt_options o;

	pt_options_init(&o);
	o.flags = PT_OPEN_EMPTY;
	o.proc_root = "/nonexistent-proc-root";
	if (pt_monitor_open(&mon, &o) < 0 || pt_monitor_subscribe(mon, on_event, NULL) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules_info ri;
	int r;

	if (!mon)
		open_monitor();
	cur = rules_new();
	FUZZ_CHECK(cur != NULL);
	r = rules_load_string(cur, "fuzz.yaml", (const char *)data, size);
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOMEM);
	r = rules_compile(cur);
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOMEM);
	for (size_t i = 0; i < rules_count(cur); i++) {
		FUZZ_CHECK(rules_info(cur, i, &ri) == 0);
		FUZZ_CHECK(ri.name && ri.file);
		FUZZ_CHECK((ri.state == RULES_SKIPPED || ri.state == RULES_BROKEN) ==
			   (ri.why != NULL));
	}
	for (size_t i = 0; i < rules_ndiag(cur); i++)
		FUZZ_CHECK(rules_diag(cur, i)->msg && !strchr(rules_diag(cur, i)->msg, '\n') &&
			   (!rules_diag(cur, i)->item || !strchr(rules_diag(cur, i)->item, '\n')));
	FUZZ_CHECK(pt_import_event(mon, EXEC_LINE, sizeof(EXEC_LINE) - 1, NULL, 0) == 0);
	rules_free(cur);
	cur = NULL;
	return 0;
}
