/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sink options of watch and replay (src/cli-sink.c): every target gets the
 * defaults the other options build, whatever their order; --db-* make one
 * quoted conninfo; passwords on the command line are refused; values parse
 * with their ranges. The sinks' ops are fakes that record what they were given.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/cli-sink.h"

static struct pt_sink_conf seen[8];
static unsigned nseen;

static int rec_open(void **state, const struct pt_sink_conf *c, const struct pt_sink_env *env,
		    char *err, size_t errlen)
{
	(void)env;
	if (strstr(c->target, "/missing/")) {
		snprintf(err, errlen, "--output %s: No such file or directory", c->target);
		return -ENOENT;
	}
	cr_assert_lt(nseen, 8);
	cr_assert_eq(pt_sink_conf_copy(&seen[nseen], c, c->type, c->target), 0);
	nseen++;
	*state = NULL;
	return 0;
}

static int rec_write(void *state, const struct pt_outq_rec *recs, size_t n)
{
	(void)state, (void)recs, (void)n;
	return 0;
}

static void rec_close(void *state)
{
	(void)state;
}

const struct pt_sink_ops pt_sink_file_ops = {
	.type = PT_SINK_FILE, .open = rec_open, .write = rec_write, .close = rec_close};
const struct pt_sink_ops pt_sink_sqlite_ops = {
	.type = PT_SINK_SQLITE, .open = rec_open, .write = rec_write, .close = rec_close};
const struct pt_sink_ops pt_sink_pg_ops = {
	.type = PT_SINK_PG, .open = rec_open, .write = rec_write, .close = rec_close};

static void reset(void)
{
	for (unsigned i = 0; i < nseen; i++)
		pt_sink_conf_free(&seen[i]);
	nseen = 0;
}

static void opt(struct cli_sinks *cs, int c, const char *v)
{
	char err[256];

	cr_assert_eq(cli_sinks_option(cs, c, v, err, sizeof(err)), 0, "%s", err);
}

static void bad_opt(int c, const char *v, const char *says)
{
	struct cli_sinks *cs = cli_sinks_new();
	char err[256] = "";

	cr_assert_eq(cli_sinks_option(cs, c, v, err, sizeof(err)), -EINVAL, "%s accepted", v);
	cr_assert_not_null(strstr(err, says), "'%s' does not say '%s'", err, says);
	cr_assert_null(strchr(err, '\n'));
	cli_sinks_free(cs);
}

Test(cli_sink, every_target_gets_the_defaults_whatever_the_order)
{
	struct cli_sinks *cs = cli_sinks_new();
	char err[256];

	reset();
	opt(cs, CLI_SINK_OUTPUT, "/tmp/a.jsonl");
	opt(cs, CLI_SINK_BATCH, "7");
	opt(cs, CLI_SINK_SQLITE, "/tmp/h.db");
	opt(cs, CLI_SINK_FLUSH, "0.25");
	opt(cs, CLI_SINK_PG, "host=db");
	opt(cs, CLI_SINK_OUTPUT, "/tmp/b.jsonl");
	opt(cs, CLI_SINK_MAX_AGE, "1d");
	opt(cs, CLI_SINK_FSYNC, "500ms");
	opt(cs, CLI_SINK_NO_SCHEMA, NULL);
	opt(cs, CLI_SINK_PG_WRITE, "insert");
	opt(cs, CLI_SINK_SPOOL_DIR, "/var/spool/pt");
	opt(cs, CLI_SINK_HOST_NAME, "web-3");
	cr_assert_eq(cli_sinks_count(cs), 4);
	cr_assert_eq(cli_sinks_open(cs, NULL, NULL, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(nseen, 4);
	cr_assert_str_eq(seen[0].target, "/tmp/a.jsonl");
	cr_assert_eq(seen[1].type, PT_SINK_SQLITE);
	cr_assert_eq(seen[2].type, PT_SINK_PG);
	cr_assert_str_eq(seen[3].target, "/tmp/b.jsonl");
	for (unsigned i = 0; i < 4; i++) {
		cr_assert_eq(seen[i].batch_size, 7);
		cr_assert_eq(seen[i].flush_ms, 250);
		cr_assert_eq(seen[i].max_age_ms, 86400000);
		cr_assert_eq(seen[i].fsync, PT_FSYNC_INTERVAL);
		cr_assert_eq(seen[i].fsync_interval_ms, 500);
		cr_assert(!seen[i].create_schema);
		cr_assert(!seen[i].pg_copy);
		cr_assert_str_eq(seen[i].spool_dir, "/var/spool/pt");
		cr_assert_str_eq(seen[i].host, "web-3");
	}
	cli_sinks_close(cs, -1, NULL);
	cr_assert_eq(cli_sinks_dropped(cs), 0);
	cli_sinks_free(cs);
	reset();
}

Test(cli_sink, db_conveniences_make_one_quoted_conninfo)
{
	struct cli_sinks *cs = cli_sinks_new();
	char err[256];

	reset();
	setenv("HOME", "/home/u", 1);
	unsetenv("XDG_STATE_HOME");
	opt(cs, CLI_SINK_DB_NAME, "my db's");
	opt(cs, CLI_SINK_DB_USER, "a\\b");
	opt(cs, CLI_SINK_DB_PASSWORD_FILE, "/run/pw");
	cr_assert_eq(cli_sinks_count(cs), 1);
	cr_assert_eq(cli_sinks_open(cs, NULL, NULL, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(nseen, 1);
	cr_assert_eq(seen[0].type, PT_SINK_PG);
	cr_assert_str_eq(seen[0].target,
			 "host='localhost' port='5432' dbname='my db\\'s' user='a\\\\b'");
	cr_assert_str_eq(seen[0].password_file, "/run/pw");
	cr_assert_str_eq(seen[0].spool_dir, "/home/u/.local/state/proctrail/spool");
	cli_sinks_free(cs);
	reset();

	/* a password file with a --pg applies to it, and adds no second sink */
	cs = cli_sinks_new();
	opt(cs, CLI_SINK_DB_PASSWORD_FILE, "/run/pw");
	opt(cs, CLI_SINK_PG, "postgresql://w@db/x");
	cr_assert_eq(cli_sinks_count(cs), 1);
	cli_sinks_free(cs);
	/* nothing: no sink */
	cs = cli_sinks_new();
	opt(cs, CLI_SINK_BATCH, "5");
	cr_assert_eq(cli_sinks_count(cs), 0);
	cli_sinks_free(cs);
}

Test(cli_sink, passwords_on_the_command_line_are_refused)
{
	bad_opt(CLI_SINK_DB_PASSWORD, "hunter2", "--db-password-file");
	bad_opt(CLI_SINK_DB_PASSWORD, "", "--db-password is refused");
	bad_opt(CLI_SINK_PG, "host=db password=hunter2", "--pg: a password");
	bad_opt(CLI_SINK_PG, "postgresql://u:hunter2@db/x", "--pg: a password");
}

Test(cli_sink, values_and_ranges)
{
	int64_t ms;
	uint64_t b;

	bad_opt(CLI_SINK_BATCH, "0", "1 to 100000");
	bad_opt(CLI_SINK_BATCH, "100001", "--batch-size");
	bad_opt(CLI_SINK_FLUSH, "0", "--flush-interval");
	bad_opt(CLI_SINK_FLUSH, "1e9", "--flush-interval");
	bad_opt(CLI_SINK_QUEUE, "1K", "--sink-queue");
	bad_opt(CLI_SINK_QUEUE, "2G", "--sink-queue");
	bad_opt(CLI_SINK_MAX_AGE, "-1d", "--output-max-age");
	bad_opt(CLI_SINK_FSYNC, "always", "--output-fsync");
	bad_opt(CLI_SINK_PG_WRITE, "csv", "--pg-write");
	bad_opt(CLI_SINK_DB_PORT, "65536", "--db-port");
	bad_opt(CLI_SINK_OUTPUT, "", "--output needs a value");
	bad_opt(CLI_SINK_SPOOL_MAX, "lots", "--spool-max");
	/* --host-name takes what proctraild's host_name takes */
	bad_opt(CLI_SINK_HOST_NAME, "a/b", "--host-name");
	bad_opt(CLI_SINK_HOST_NAME, "-web", "--host-name");
	bad_opt(CLI_SINK_HOST_NAME, "web\x1b[2J", "--host-name");
	{
		struct cli_sinks *cs = cli_sinks_new();
		char err[512] = "", name[255];

		memset(name, 'h', 254);
		name[254] = '\0';
		cr_assert_eq(cli_sinks_option(cs, CLI_SINK_HOST_NAME, name, err, sizeof(err)),
			     -EINVAL, "254 bytes is too long for a host name");
		name[253] = '\0';
		cr_assert_null(cli_sinks_host(cs),
			       "no --host-name: the host's name, from the rules");
		cr_assert_eq(cli_sinks_option(cs, CLI_SINK_HOST_NAME, name, err, sizeof(err)), 0,
			     "%s", err);
		cr_assert_eq(cli_sinks_option(cs, CLI_SINK_HOST_NAME, "web-03.example_1", err,
					      sizeof(err)),
			     0, "%s", err);
		cr_assert_str_eq(cli_sinks_host(cs), "web-03.example_1");
		cli_sinks_free(cs);
	}
	cr_assert_eq(cli_parse_duration_ms("1.5s", &ms), 0);
	cr_assert_eq(ms, 1500);
	cr_assert_eq(cli_parse_duration_ms("90", &ms), 0);
	cr_assert_eq(ms, 90000);
	cr_assert_eq(cli_parse_duration_ms("2w", &ms), 0);
	cr_assert_eq(ms, 2 * 604800000ll);
	cr_assert_eq(cli_parse_duration_ms("0.1ms", &ms), -EINVAL);
	cr_assert_eq(cli_parse_duration_ms("5 s", &ms), -EINVAL);
	cr_assert_eq(cli_parse_duration_ms("nan", &ms), -EINVAL);
	cr_assert_eq(cli_parse_bytes("64K", &b), 0);
	cr_assert_eq(b, 65536);
	cr_assert_eq(cli_parse_bytes("2GiB", &b), 0);
	cr_assert_eq(b, 2ull << 30);
	cr_assert_eq(cli_parse_bytes("1T", &b), 0);
	cr_assert_eq(b, 1ull << 40);
	cr_assert_eq(cli_parse_bytes("99999999999T", &b), -EINVAL);
	cr_assert_eq(cli_parse_bytes("1X", &b), -EINVAL);
}

Test(cli_sink, a_sink_that_cannot_open_is_one_line_naming_the_option)
{
	struct cli_sinks *cs = cli_sinks_new();
	char err[256];

	reset();
	opt(cs, CLI_SINK_SQLITE, "/tmp/ok.db");
	opt(cs, CLI_SINK_OUTPUT, "/missing/x\n.jsonl");
	cr_assert_eq(cli_sinks_open(cs, NULL, NULL, err, sizeof(err)), -ENOENT);
	cr_assert_eq(strncmp(err, "--output /missing/x", 19), 0, "%s", err);
	cr_assert_null(strchr(err, '\n'));
	cli_sinks_free(cs);
	reset();
}

Test(cli_sink, conninfo_quote)
{
	char *q = cli_conninfo_quote("it's a \\ test");

	cr_assert_str_eq(q, "'it\\'s a \\\\ test'");
	free(q);
	q = cli_conninfo_quote("");
	cr_assert_str_eq(q, "''");
	free(q);
}
