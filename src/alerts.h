/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The alert flow's shared part (watch, replay, proctraild): a rule set opened
 * from the paths the user gave (--rules, the `rules` key), its diagnostics as
 * one line each, and its one-line summary. Rules themselves: rules.h.
 */
#ifndef PT_ALERTS_H
#define PT_ALERTS_H

#include <stddef.h>

#include "rules.h"

/* One diagnostic, "FILE:LINE:COL: error: MSG (rule: NAME)", no newline. */
typedef void (*alerts_diag_fn)(enum rules_level level, const char *line, void *data);

/*
 * Load every path in order, then compile. Each diagnostic goes to fn (when
 * not NULL), errors and warnings alike, once. 0 with *out set; -EINVAL when an
 * error was recorded (nothing is kept); -ENOMEM. host: the alerts' "hostname"
 * (NULL: gethostname()).
 */
int alerts_rules_open(struct rules **out, const char *const *paths, size_t n, const char *host,
		      alerts_diag_fn fn, void *data);

/* Format one diagnostic as alerts_diag_fn receives it. */
void alerts_diag_line(const struct rules_diag *d, char *buf, size_t len);

/* "N loaded, S skipped (...), D disabled" for a compiled set. */
void alerts_rules_summary(const struct rules *rs, char *buf, size_t len);

#endif
