/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SQL layer (sink-db.h). PLACEHOLDER: its owner replaces this file. */
#include <errno.h>

#include "sink-db.h"

int pt_db_open(const struct pt_db_backend *be, void **state, const struct pt_sink_conf *c,
	       const struct pt_sink_env *env, char *err, size_t errlen)
{
	(void)be, (void)state, (void)c, (void)env, (void)err, (void)errlen;
	return -ENOSYS;
}

int pt_db_write(void *state, const struct pt_outq_rec *recs, size_t n)
{
	(void)state, (void)recs, (void)n;
	return -ENOSYS;
}

int pt_db_flush(void *state)
{
	(void)state;
	return 0;
}

int pt_db_reopen(void *state)
{
	(void)state;
	return 0;
}

int pt_db_tick(void *state, int64_t now_ms)
{
	(void)state, (void)now_ms;
	return 0;
}

void pt_db_close(void *state)
{
	(void)state;
}

void pt_db_status(void *state, struct pt_sink_status *st)
{
	(void)state, (void)st;
}
