/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lineage through the fork-time parent (pt_parent_orig): what `proctrail
 * lineage` and proctraild's lineage command walk, and the "ancestors" member
 * that watch --ancestors and a subscribe request with ancestors add to events.
 * Shared by proctrail and proctraild.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_foreach_lineage(const struct pt_monitor *m, const struct pt_proc *p, pt_proc_fn fn,
			void *data)
{
	unsigned depth = 0;
	int r;

	if (!m || !p)
		return -EINVAL;
	/* bounded: a corrupt chain must not loop forever */
	while ((p = pt_parent_orig(m, p)) && depth++ < CLI_LINEAGE_MAX)
		if ((r = fn(p, data)))
			return r;
	return 0;
}

bool cli_event_has_ancestors(const struct pt_event *ev)
{
	return ev->proc && !ev->thread &&
		(ev->type == PT_EV_FORK || ev->type == PT_EV_EXEC || ev->type == PT_EV_EXIT);
}

char *cli_json_splice(char *obj, size_t *len, const char *name, const char *json)
{
	size_t nlen = strlen(name), jlen = strlen(json);
	char *n;

	if (*len < 2 || obj[*len - 1] != '}') {
		errno = EINVAL;
		return NULL;
	}
	n = realloc(obj, *len + nlen + jlen + 5);
	if (!n)
		return NULL;
	/* ...} -> ...,"name":json} (an empty object gets no comma) */
	n[*len - 1] = 0;
	*len -= 1;
	if (*len > 1) {
		n[(*len)++] = ',';
	}
	n[(*len)++] = '"';
	memcpy(n + *len, name, nlen);
	*len += nlen;
	n[(*len)++] = '"';
	n[(*len)++] = ':';
	memcpy(n + *len, json, jlen);
	*len += jlen;
	n[(*len)++] = '}';
	n[*len] = 0;
	return n;
}

char *cli_json_event_ancestors(const struct pt_monitor *m, const struct pt_event *ev, unsigned n,
			       const char *given, size_t *len)
{
	size_t l = 0;
	char *s = pt_json_event(ev, &l), *a = NULL, *out;

	if (!s || !n || !cli_event_has_ancestors(ev) || (!given && !m))
		goto done;
	if (!given && !(a = pt_json_ancestors(m, ev->proc, n))) {
		free(s);
		return NULL;
	}
	out = cli_json_splice(s, &l, "ancestors", given ? given : a);
	free(a);
	if (!out) {
		free(s);
		return NULL;
	}
	s = out;
done:
	if (s && len)
		*len = l;
	return s;
}
