/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The alert flow's shared part (alerts.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alerts.h"

void alerts_diag_line(const struct rules_diag *d, char *buf, size_t len)
{
	const char *lvl = d->level == RULES_ERROR ? "error" : "warning";
	const char *file = d->file ? d->file : "?", *name;
	int n;

	if (d->line && d->col)
		n = snprintf(buf, len, "%s:%u:%u: %s: %s", file, d->line, d->col, lvl,
			     d->msg ? d->msg : "?");
	else if (d->line)
		n = snprintf(buf, len, "%s:%u: %s: %s", file, d->line, lvl, d->msg ? d->msg : "?");
	else
		n = snprintf(buf, len, "%s: %s: %s", file, lvl, d->msg ? d->msg : "?");
	/* the item, unless the message names it already ("rule 'x' skipped") */
	name = d->item ? strstr(d->item, ": ") : NULL;
	if (d->item && (!name || !d->msg || !strstr(d->msg, name + 2)) && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " (%s)", d->item);
}

/* What failed without a diagnostic of its own (a placeholder, a bug): never silent. */
static void told(struct rules *rs, size_t before, int r, const char *what, alerts_diag_fn fn,
		 void *data)
{
	char line[1024];

	for (size_t i = before; i < rules_ndiag(rs); i++) {
		const struct rules_diag *d = rules_diag(rs, i);

		if (d && d->level == RULES_ERROR)
			return;
	}
	snprintf(line, sizeof(line), "%s: error: %s", what, strerror(-r));
	if (fn)
		fn(RULES_ERROR, line, data);
}

int alerts_rules_open(struct rules **out, const char *const *paths, size_t n, const char *host,
		      alerts_diag_fn fn, void *data)
{
	struct rules *rs;
	bool failed = false;
	char line[1024];
	int r = 0;

	*out = NULL;
	rs = rules_new();
	if (!rs)
		return -ENOMEM;
	if (host && rules_set_hostname(rs, host) < 0) {
		rules_free(rs);
		return -ENOMEM;
	}
	/* every file, so that all their errors are told at once */
	for (size_t i = 0; i < n; i++) {
		size_t before = rules_ndiag(rs);

		r = rules_load(rs, paths[i]);
		if (r == -ENOMEM)
			goto out;
		if (r < 0) {
			failed = true;
			told(rs, before, r, paths[i], fn, data);
		}
	}
	if (!failed) {
		size_t before = rules_ndiag(rs);

		r = rules_compile(rs);
		if (r == -ENOMEM)
			goto out;
		if (r < 0) {
			failed = true;
			told(rs, before, r, "rules", fn, data);
		}
	}
	for (size_t i = 0; i < rules_ndiag(rs); i++) {
		const struct rules_diag *d = rules_diag(rs, i);

		if (!d)
			continue;
		failed |= d->level == RULES_ERROR;
		if (!fn)
			continue;
		alerts_diag_line(d, line, sizeof(line));
		fn(d->level, line, data);
	}
	r = failed ? -EINVAL : 0;
out:
	if (r < 0)
		rules_free(rs);
	else
		*out = rs;
	return r;
}

void alerts_rules_summary(const struct rules *rs, char *buf, size_t len)
{
	size_t n = rules_count(rs), counts[RULES_BROKEN + 1] = {0};

	for (size_t i = 0; i < n; i++) {
		struct rules_info info;

		if (rules_info(rs, i, &info) == 0 && info.state <= RULES_BROKEN)
			counts[info.state]++;
	}
	snprintf(buf, len,
		 "%zu loaded, %zu skipped (fields or events proctrail lacks), %zu disabled",
		 counts[RULES_LOADED], counts[RULES_SKIPPED], counts[RULES_DISABLED]);
	if (counts[RULES_BROKEN])
		snprintf(buf + strlen(buf), len - strlen(buf), ", %zu broken",
			 counts[RULES_BROKEN]);
}
