/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `proctrail rules check [--json] [-q] PATH...` (proctrail(1), RULES): load
 * rules files and directories in order, compile them, and say for each rule
 * whether it is loaded, disabled, skipped (and what it needs) or broken, then
 * every diagnostic as FILE:LINE:COL. Exit 0 without errors, 1 with, 2 on a
 * usage error. Names, reasons and messages quote the files: they are escaped
 * for the terminal, or written as JSON strings.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rules-int.h"

#define RC_OK 0
#define RC_ERRORS 1
#define RC_USAGE 2

static void usage(FILE *f)
{
	fprintf(f,
		"usage: proctrail rules check [--json] [-q] PATH...\n"
		"  load Falco rules files (a directory: its *.yaml and *.yml files in name\n"
		"  order), say which rules load, which are skipped and why, and every error\n"
		"  --json     one JSON object per rule and diagnostic, then a summary\n"
		"  -q         only skipped and broken rules and the diagnostics\n"
		"See proctrail(1), RULES.\n");
}

struct counts {
	size_t state[4];
	size_t errors, warnings;
};

static void json_str(FILE *f, const char *s)
{
	struct rules_sb b = {0};

	if (!s) {
		fputs("null", f);
		return;
	}
	rules_sb_json(&b, s, strlen(s));
	if (!b.oom && b.p)
		fwrite(b.p, 1, b.len, f);
	else
		fputs("null", f);
	rules_sb_free(&b);
}

static void print_rule(FILE *f, const struct rules_info *ri, bool json)
{
	if (json) {
		fputs("{\"type\":\"rule\",\"rule\":", f);
		json_str(f, ri->name);
		fprintf(f, ",\"state\":\"%s\",\"file\":", rules_state_name(ri->state));
		json_str(f, ri->file);
		fprintf(f, ",\"line\":%u,\"priority\":", ri->line);
		json_str(f, ri->priority);
		fputs(",\"why\":", f);
		json_str(f, ri->why);
		fputs("}\n", f);
		return;
	}
	fprintf(f, "%-8s ", rules_state_name(ri->state));
	cli_escape_str(f, ri->name);
	fputs(" (", f);
	cli_escape_str(f, ri->file);
	fprintf(f, ":%u)", ri->line);
	if (ri->why) {
		fputs(": ", f);
		cli_escape_str(f, ri->why);
	}
	fputc('\n', f);
}

/* "rule 'NAME': " before a message about an item, unless it starts so already. */
static void print_item(FILE *f, const char *item, const char *msg)
{
	const char *sep = item ? strstr(item, ": ") : NULL;
	char *pre;

	if (!sep)
		return;
	if (asprintf(&pre, "%.*s '%s'", (int)(sep - item), item, sep + 2) < 0)
		return;
	if (strncmp(msg, pre, strlen(pre)) != 0) {
		cli_escape_str(f, pre);
		fputs(": ", f);
	}
	free(pre);
}

static void print_diag(FILE *f, const struct rules_diag *d, bool json)
{
	const char *level = d->level == RULES_ERROR ? "error" : "warning";

	if (json) {
		fprintf(f, "{\"type\":\"diagnostic\",\"level\":\"%s\",\"file\":", level);
		json_str(f, d->file);
		fprintf(f, ",\"line\":%u,\"col\":%u,\"item\":", d->line, d->col);
		json_str(f, d->item);
		fputs(",\"msg\":", f);
		json_str(f, d->msg);
		fputs("}\n", f);
		return;
	}
	cli_escape_str(f, d->file);
	if (d->line)
		fprintf(f, ":%u:%u", d->line, d->col);
	fprintf(f, ": %s: ", level);
	print_item(f, d->item, d->msg);
	cli_escape_str(f, d->msg);
	fputc('\n', f);
}

static void print_summary(FILE *f, const struct counts *c, size_t n, bool json)
{
	if (json) {
		fprintf(f,
			"{\"type\":\"summary\",\"rules\":%zu,\"loaded\":%zu,\"disabled\":%zu,"
			"\"skipped\":%zu,\"broken\":%zu,\"errors\":%zu,\"warnings\":%zu}\n",
			n, c->state[RULES_LOADED], c->state[RULES_DISABLED],
			c->state[RULES_SKIPPED], c->state[RULES_BROKEN], c->errors, c->warnings);
		return;
	}
	fprintf(f,
		"%zu rules: %zu loaded, %zu disabled, %zu skipped, %zu broken; %zu errors, %zu "
		"warnings\n",
		n, c->state[RULES_LOADED], c->state[RULES_DISABLED], c->state[RULES_SKIPPED],
		c->state[RULES_BROKEN], c->errors, c->warnings);
}

static int check(char **paths, int n, bool json, bool quiet)
{
	struct counts c = {{0}, 0, 0};
	struct rules *rs = rules_new();
	struct rules_info ri;
	int r = 0;

	if (!rs) {
		fprintf(stderr, "proctrail: rules: %s\n", strerror(errno));
		return RC_ERRORS;
	}
	for (int i = 0; i < n && r != -ENOMEM; i++) {
		int r1 = rules_load(rs, paths[i]);

		if (r1 == -ENOMEM)
			r = r1;
	}
	if (r == 0)
		r = rules_compile(rs);
	if (r == -ENOMEM || (r < 0 && r != -EINVAL && !rules_ndiag(rs))) {
		fprintf(stderr, "proctrail: rules: %s\n", strerror(-r));
		rules_free(rs);
		return RC_ERRORS;
	}
	for (size_t i = 0; i < rules_count(rs); i++) {
		if (rules_info(rs, i, &ri) < 0)
			continue;
		c.state[ri.state]++;
		if (!quiet || ri.state == RULES_SKIPPED || ri.state == RULES_BROKEN)
			print_rule(stdout, &ri, json);
	}
	for (size_t i = 0; i < rules_ndiag(rs); i++) {
		const struct rules_diag *d = rules_diag(rs, i);

		if (d->level == RULES_ERROR)
			c.errors++;
		else
			c.warnings++;
		print_diag(stdout, d, json);
	}
	if (!quiet)
		print_summary(stdout, &c, rules_count(rs), json);
	rules_free(rs);
	if (fflush(stdout) != 0)
		return RC_ERRORS;
	return c.errors ? RC_ERRORS : RC_OK;
}

int cmd_rules(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool json = false, quiet = false;
	int c;

	/* its one subcommand, then the options of rules check */
	if (cli_list_opts)
		printf("check\n");
	cli_list_longopts(longopts);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return RC_OK;
	}
	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		fprintf(stderr, "proctrail: rules: %s (the command is: rules check PATH...)\n",
			argc < 2 ? "no subcommand" : "unknown subcommand");
		return RC_USAGE;
	}
	argc--;
	argv++;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":jqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return RC_OK;
		default:
			fprintf(stderr, "proctrail: rules check: %s option '%s'\n",
				c == ':' ? "a value is missing for" : "unknown", argv[optind - 1]);
			return RC_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "proctrail: rules check needs at least one file or directory\n");
		return RC_USAGE;
	}
	return check(argv + optind, argc - optind, json, quiet);
}
