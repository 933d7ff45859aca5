/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sink options of `proctrail watch` and `proctrail replay` (cli-sink.c):
 * each --output, --sqlite and --pg adds a sink with a copy of the defaults the
 * other options build, whatever their order; --db-* build one PostgreSQL
 * conninfo. The command pushes each event line (with its '\n') to every sink.
 */
#ifndef PT_CLI_SINK_H
#define PT_CLI_SINK_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "sink.h"

enum {
	CLI_SINK_OPT = 0x1000,
	CLI_SINK_OUTPUT = CLI_SINK_OPT,
	CLI_SINK_SQLITE,
	CLI_SINK_PG,
	CLI_SINK_DB_HOST,
	CLI_SINK_DB_PORT,
	CLI_SINK_DB_NAME,
	CLI_SINK_DB_USER,
	CLI_SINK_DB_PASSWORD,
	CLI_SINK_DB_PASSWORD_FILE,
	CLI_SINK_BATCH,
	CLI_SINK_FLUSH,
	CLI_SINK_QUEUE,
	CLI_SINK_MAX_SIZE,
	CLI_SINK_MAX_BACKUPS,
	CLI_SINK_MAX_AGE,
	CLI_SINK_COMPRESS,
	CLI_SINK_FSYNC,
	CLI_SINK_RETENTION,
	CLI_SINK_DB_MAX_SIZE,
	CLI_SINK_NO_SCHEMA,
	CLI_SINK_SPOOL_DIR,
	CLI_SINK_SPOOL_MAX,
	CLI_SINK_PG_WRITE,
	CLI_SINK_HOST_NAME,
	CLI_SINK_FILTER,
	CLI_SINK_OPT_END,
};

/* The long options, for a command's option table. */
#define CLI_SINK_LONGOPTS                                                                 \
	{"output", required_argument, NULL, CLI_SINK_OUTPUT},                             \
		{"sqlite", required_argument, NULL, CLI_SINK_SQLITE},                     \
		{"pg", required_argument, NULL, CLI_SINK_PG},                             \
		{"db-host", required_argument, NULL, CLI_SINK_DB_HOST},                   \
		{"db-port", required_argument, NULL, CLI_SINK_DB_PORT},                   \
		{"db-name", required_argument, NULL, CLI_SINK_DB_NAME},                   \
		{"db-user", required_argument, NULL, CLI_SINK_DB_USER},                   \
		{"db-password", optional_argument, NULL, CLI_SINK_DB_PASSWORD},           \
		{"db-password-file", required_argument, NULL, CLI_SINK_DB_PASSWORD_FILE}, \
		{"batch-size", required_argument, NULL, CLI_SINK_BATCH},                  \
		{"flush-interval", required_argument, NULL, CLI_SINK_FLUSH},              \
		{"sink-queue", required_argument, NULL, CLI_SINK_QUEUE},                  \
		{"output-max-size-mb", required_argument, NULL, CLI_SINK_MAX_SIZE},       \
		{"output-max-backups", required_argument, NULL, CLI_SINK_MAX_BACKUPS},    \
		{"output-max-age", required_argument, NULL, CLI_SINK_MAX_AGE},            \
		{"output-compress", no_argument, NULL, CLI_SINK_COMPRESS},                \
		{"output-fsync", required_argument, NULL, CLI_SINK_FSYNC},                \
		{"db-retention", required_argument, NULL, CLI_SINK_RETENTION},            \
		{"db-max-size", required_argument, NULL, CLI_SINK_DB_MAX_SIZE},           \
		{"no-create-schema", no_argument, NULL, CLI_SINK_NO_SCHEMA},              \
		{"spool-dir", required_argument, NULL, CLI_SINK_SPOOL_DIR},               \
		{"spool-max", required_argument, NULL, CLI_SINK_SPOOL_MAX},               \
		{"pg-write", required_argument, NULL, CLI_SINK_PG_WRITE},                 \
		{"host-name", required_argument, NULL, CLI_SINK_HOST_NAME},               \
	{                                                                                 \
		"sink-filter", required_argument, NULL, CLI_SINK_FILTER                   \
	}

#define CLI_SINK_USAGE                                                                    \
	"       [--output=FILE] [--sqlite=PATH] [--pg=CONNINFO] (each repeatable)\n"      \
	"       [--db-host=H] [--db-port=P] [--db-name=N] [--db-user=U]\n"                \
	"       [--db-password-file=F] [--batch-size=N] [--flush-interval=SECS]\n"        \
	"       [--sink-queue=BYTES] [--output-max-size-mb=N] [--output-max-backups=N]\n" \
	"       [--output-max-age=DURATION] [--output-compress]\n"                        \
	"       [--output-fsync=no|batch|DURATION] [--db-retention=DURATION]\n"           \
	"       [--db-max-size=BYTES] [--no-create-schema] [--spool-dir=DIR]\n"           \
	"       [--spool-max=BYTES] [--pg-write=copy|insert] [--host-name=NAME]\n"        \
	"       [--sink-filter=CONDITION]\n"

struct cli_sinks;

struct cli_sinks *cli_sinks_new(void);
void cli_sinks_free(struct cli_sinks *cs);
/* One option of CLI_SINK_LONGOPTS: 0, or -EINVAL with one line in err. */
int cli_sinks_option(struct cli_sinks *cs, int c, const char *arg, char *err, size_t errlen);
/* After the options: the targets the options ask for (0: no sink). */
unsigned cli_sinks_count(const struct cli_sinks *cs);
/* --host-name, or NULL when not given (cs may be NULL): the sinks' host
 * column and the rules' evt.hostname. */
const char *cli_sinks_host(const struct cli_sinks *cs);
/* Open every sink: 0, or -errno with one line in err naming the option. */
int cli_sinks_open(struct cli_sinks *cs, pt_log_fn log, void *logdata, char *err, size_t errlen);
/*
 * --sink-filter (NULL: none): the one filter of every sink. cli_sinks_want()
 * says whether an event goes to the sinks, and counts those that do not in
 * each sink's "filtered". Alert lines are not events: they always go.
 */
const struct cli_filter *cli_sinks_filter(const struct cli_sinks *cs);
struct cli_filter_ev;
bool cli_sinks_want(struct cli_sinks *cs, struct cli_filter_ev *fe);
/* One event line to every sink; wait: for room (replay), else drop and count. */
void cli_sinks_push(struct cli_sinks *cs, const char *line, size_t len, bool wait);
void cli_sinks_reopen(struct cli_sinks *cs);
/* Drain (up to drain_ms, -1: no limit, until *cancel) and close every sink. */
void cli_sinks_close(struct cli_sinks *cs, int drain_ms, const volatile sig_atomic_t *cancel);
/* After close: events the sinks dropped (all of them), and the summary. */
uint64_t cli_sinks_dropped(const struct cli_sinks *cs);
void cli_sinks_summary_text(const struct cli_sinks *cs, FILE *f, const char *prog);
void cli_sinks_summary_json(const struct cli_sinks *cs, FILE *f);

/* Helpers, for tests: a libpq conninfo value quoted; a duration; a size. */
char *cli_conninfo_quote(const char *v);
int cli_parse_duration_ms(const char *s, int64_t *ms);
int cli_parse_bytes(const char *s, uint64_t *v);

#endif
