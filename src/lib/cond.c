/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Conditions: Falco's filter language over the field registry.
 * PLACEHOLDER (contract only): the parser and evaluator land with wt-cond.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

PT_EXPORT int pt_cond_parse(const char *text, unsigned flags, pt_cond_macro_fn macro, void *data,
			    struct pt_cond **out, struct pt_cond_error *err)
{
	(void)text;
	(void)flags;
	(void)macro;
	(void)data;
	*out = NULL;
	if (err) {
		snprintf(err->msg, sizeof(err->msg), "conditions are not built yet");
		err->pos = -1;
	}
	return -ENOSYS;
}

PT_EXPORT void pt_cond_free(struct pt_cond *c)
{
	(void)c;
}

PT_EXPORT const char *pt_cond_missing(const struct pt_cond *c, unsigned i)
{
	(void)c;
	(void)i;
	return NULL;
}

PT_EXPORT unsigned pt_cond_evmask(const struct pt_cond *c)
{
	(void)c;
	return PT_EVMASK_ALL;
}

PT_EXPORT char *pt_cond_text(const struct pt_cond *c)
{
	(void)c;
	errno = ENOSYS;
	return NULL;
}

PT_EXPORT struct pt_cond_ctx *pt_cond_ctx_new(void)
{
	errno = ENOSYS;
	return NULL;
}

PT_EXPORT void pt_cond_ctx_free(struct pt_cond_ctx *x)
{
	(void)x;
}

PT_EXPORT void pt_cond_ctx_set(struct pt_cond_ctx *x, const struct pt_monitor *m,
			       const struct pt_proc *p, const struct pt_event *ev)
{
	(void)x;
	(void)m;
	(void)p;
	(void)ev;
}

PT_EXPORT bool pt_cond_eval(const struct pt_cond *c, struct pt_cond_ctx *x)
{
	(void)c;
	(void)x;
	return false;
}

PT_EXPORT bool pt_cond_match(const struct pt_cond *c, const struct pt_monitor *m,
			     const struct pt_proc *p, const struct pt_event *ev)
{
	(void)c;
	(void)m;
	(void)p;
	(void)ev;
	return false;
}
