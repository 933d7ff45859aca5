/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rules: Falco's rule files on the process stream (proctrail(1), RULES).
 * The contract between the parts:
 *   src/lib/cond.c   the condition language (pt_cond_*, in the library)
 *   src/rules*.c     this: YAML loading (libyaml), lists, macros, append and
 *                    override, exceptions, required_engine_version; compiling
 *                    each rule; matching execs; Falco's %field output; the
 *                    alert line; `proctrail rules check` (cli-rules.c)
 *   watch, replay, proctraild: call rules_eval() from the event callback (the
 *                    monitor's thread, never the netlink reader's), and push
 *                    each alert's line where event lines go: stdout, socket
 *                    subscribers, sinks.
 *
 * The alert line (one JSON object, no newline) is Falco's JSON output with
 * proctrail's event name and the process key added:
 *   {"event":"alert","time":"2026-12-03T08:01:02.123456000Z","rule":"...",
 *    "priority":"Warning","source":"syscall","tags":["..."],
 *    "output":"08:01:02.123456000: Warning ...","output_fields":{...},
 *    "hostname":"...","key":"BOOT:START:PID","pid":4242}
 * Its strings are valid UTF-8 (bytes that are not are replaced by U+FFFD).
 */
#ifndef PT_RULES_H
#define PT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proctrail/proctrail.h"

/* The Falco rules engine version whose language this implements: files that
 * require a later one are refused. */
#define RULES_ENGINE_VERSION "0.57.0"

struct rules; /* a rule set: opaque */

struct rules *rules_new(void); /* NULL with errno */
void rules_free(struct rules *rs);
/* The "hostname" of alerts; default gethostname(). */
int rules_set_hostname(struct rules *rs, const char *host);

/*
 * Load a rules file, or every *.yaml and *.yml file of a directory in name
 * order, after what is loaded already (a later file may append to or override
 * an earlier one's items). Problems are recorded as diagnostics. 0; -EINVAL
 * when an error was recorded; -errno when the path cannot be read (also
 * recorded).
 */
int rules_load(struct rules *rs, const char *path);
/* Load YAML text held in memory, named name in diagnostics (tests, fuzzing). */
int rules_load_string(struct rules *rs, const char *name, const char *yaml, size_t len);
/*
 * After the last load: expand lists and macros, compile every rule. A rule
 * that needs a field or an event type proctrail lacks is skipped with one
 * warning naming it. 0; -EINVAL when an error was recorded. Evaluating before
 * this matches nothing.
 */
int rules_compile(struct rules *rs);

enum rules_level {
	RULES_ERROR, /* the file or item is wrong: `rules check` fails */
	RULES_WARNING, /* loaded, but something is off or skipped */
};

struct rules_diag {
	enum rules_level level;
	const char *file; /* as given to rules_load() */
	unsigned line, col; /* 1-based; 0 when unknown */
	const char *item; /* "rule: NAME", "macro: NAME", "list: NAME" or NULL */
	const char *msg; /* one line */
};
size_t rules_ndiag(const struct rules *rs);
const struct rules_diag *rules_diag(const struct rules *rs, size_t i);

/* The rules, in load order, for `rules check` and status. */
enum rules_state {
	RULES_LOADED, /* compiled: it is evaluated on every exec */
	RULES_DISABLED, /* enabled: false */
	RULES_SKIPPED, /* needs what proctrail lacks: why says what */
	RULES_BROKEN, /* an error (syntax, unknown macro...): why says what */
};
struct rules_info {
	const char *name;
	const char *file;
	unsigned line;
	const char *priority; /* Falco's spelling: "Warning", "Critical"... */
	enum rules_state state;
	const char *why; /* RULES_SKIPPED, RULES_BROKEN: "needs fd.name"; else NULL */
};
size_t rules_count(const struct rules *rs);
int rules_info(const struct rules *rs, size_t i, struct rules_info *out);
size_t rules_loaded(const struct rules *rs); /* how many are RULES_LOADED */

/* One alert, valid during the callback only. */
struct rules_alert {
	int64_t time_us; /* the event's */
	const char *rule;
	const char *priority;
	const char *const *tags;
	size_t ntags;
	const char *output; /* the rendered output line, as Falco's "output" */
	const char *json; /* the whole alert line (see above), no newline */
	size_t json_len;
	const struct pt_event *ev; /* the exec that matched */
};
typedef void (*rules_alert_fn)(const struct rules_alert *a, void *data);

/*
 * Evaluate every loaded rule on an event, with the fields as they are now (call
 * it from the event callback: for an exec that is exec time) and the
 * ancestors m's table holds. Only exec events are matched (Falco's
 * spawned_process); others return 0 at once. fn is called once per matching
 * rule, in load order. Returns the number of alerts.
 */
unsigned rules_eval(struct rules *rs, const struct pt_monitor *m, const struct pt_event *ev,
		    rules_alert_fn fn, void *data);

struct rules_stats {
	uint64_t evaluated; /* exec events evaluated */
	uint64_t alerts;
	uint64_t eval_ns; /* CPU time in rules_eval(), thread clock */
};
void rules_get_stats(const struct rules *rs, struct rules_stats *out);

/* `proctrail rules check FILE...` (cli-rules.c): the subcommand's main. */
int cmd_rules(int argc, char **argv);

#endif
