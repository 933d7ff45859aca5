/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON output of the proctrail command: one object per line, for programs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int put_line(FILE *f, char *s, size_t len)
{
	if (!s)
		return -errno;
	fwrite(s, 1, len, f);
	fputc('\n', f);
	free(s);
	return 0;
}

/* Reasons are ASCII text from the library; escape what JSON requires. */
static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void json_begin(struct cli_out *o)
{
	o->first = true;
	if (o->view == CLI_VIEW_PROBE)
		fprintf(o->f, "{\"version\":\"%s\",\"schema\":%d,\"tiers\":[", pt_version(),
			PT_JSON_SCHEMA_VERSION);
}

static int json_proc(struct cli_out *o, const struct pt_proc *p)
{
	size_t len = 0;
	char *s = o->cols ? pt_json_fields(o->cols, o->ncols, o->m, p, NULL, &len)
			  : pt_json_proc(p, &len);

	return put_line(o->f, s, len);
}

static int json_event(struct cli_out *o, const struct pt_event *ev)
{
	size_t len = 0;
	char *s = o->cols && ev->type != PT_EV_LOST
		? pt_json_fields(o->cols, o->ncols, o->m, NULL, ev, &len)
		: cli_json_event_ancestors(o->m, ev, o->ancestors, o->ancestors_given, &len);

	return put_line(o->f, s, len);
}

static int json_show(struct cli_out *o, const struct pt_proc *p)
{
	return json_proc(o, p);
}

static int json_tree(struct cli_out *o, const struct pt_proc *root)
{
	size_t len;
	char *s = pt_json_tree(o->m, root, PT_SEL_ALIVE, &len);

	if (!s)
		return -errno;
	fwrite(s, 1, len, o->f);
	fputc('\n', o->f);
	free(s);
	return 0;
}

static void json_tier(struct cli_out *o, enum pt_tier t, bool runs, const char *why,
		      const struct pt_event_gaps *g)
{
	bool first = true;

	fprintf(o->f, "%s{\"tier\":\"%s\",\"available\":%s,\"reason\":", o->first ? "" : ",",
		pt_tier_name(t), runs ? "true" : "false");
	put_string(o->f, why);
	if (o->privs) {
		struct cli_fidelity fid;

		cli_privs_tier(o->privs, t, &fid);
		fprintf(o->f, ",\"fidelity\":\"%s\",\"fidelity_detail\":", cli_fid_name(fid.level));
		put_string(o->f, fid.detail);
		fputs(",\"raise\":", o->f);
		if (fid.raise[0])
			put_string(o->f, fid.raise);
		else
			fputs("null", o->f);
	}
	/* the event types it cannot deliver, each with why */
	fputs(",\"missing_events\":{", o->f);
	for (unsigned e = 0; g && e < PT_EV_COUNT; e++) {
		if (!(g->missing & PT_EVMASK(e)))
			continue;
		fprintf(o->f, "%s\"%s\":", first ? "" : ",", pt_event_name((enum pt_event_type)e));
		put_string(o->f, g->why[e] ? g->why[e] : "?");
		first = false;
	}
	fputs("}}", o->f);
	o->first = false;
}

/* probe: "capabilities", "full_fidelity" and, when capabilities would give it, the command */
static void put_privs(FILE *f, const struct cli_privs *p)
{
	fputs(",\"capabilities\":[", f);
	for (size_t i = 0; i < cli_privs_ncaps(); i++) {
		const char *name, *tiers, *buys;
		bool held = cli_privs_cap(p, i, &name, &tiers, &buys);

		fprintf(f,
			"%s{\"name\":\"%s\",\"held\":%s,\"tiers\":\"%s\",\"buys\":", i ? "," : "",
			name, held ? "true" : "false", tiers);
		put_string(f, buys);
		fputc('}', f);
	}
	fprintf(f, "],\"full_fidelity\":%s,\"setcap\":", p->full ? "true" : "false");
	if (p->fixable)
		put_string(f, p->setcap);
	else
		fputs("null", f);
	fputs(",\"unit\":", f);
	if (p->fixable)
		put_string(f, p->unit);
	else
		fputs("null", f);
	fprintf(f, ",\"build_tree\":%s", p->build_tree ? "true" : "false");
}

static void json_end(struct cli_out *o, enum pt_tier best)
{
	if (o->view != CLI_VIEW_PROBE)
		return;
	fputs("],\"auto\":", o->f);
	if (best == PT_TIER_NONE)
		fputs("null", o->f);
	else
		fprintf(o->f, "\"%s\"", pt_tier_name(best));
	if (o->privs)
		put_privs(o->f, o->privs);
	fputs("}\n", o->f);
}

const struct cli_fmt cli_fmt_json = {
	.name = "json",
	.begin = json_begin,
	.proc = json_proc,
	.event = json_event,
	.show = json_show,
	.tree = json_tree,
	.tier = json_tier,
	.end = json_end,
};
