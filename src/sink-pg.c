/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The PostgreSQL backend (sink-db.h). PLACEHOLDER: its owner replaces this file. */
#include <errno.h>
#include <stdio.h>

#include "sink-db.h"

static int pg_open(void **state, const struct pt_sink_conf *c, const struct pt_sink_env *env,
		   char *err, size_t errlen)
{
	(void)state, (void)c, (void)env;
	snprintf(err, errlen, "the PostgreSQL sink is not built yet");
	return -ENOTSUP;
}

const struct pt_db_backend pt_db_pg = {.name = "pg"};

const struct pt_sink_ops pt_sink_pg_ops = {
	.type = PT_SINK_PG,
	.open = pg_open,
	.write = pt_db_write,
	.flush = pt_db_flush,
	.reopen = pt_db_reopen,
	.tick = pt_db_tick,
	.close = pt_db_close,
	.status = pt_db_status,
};
