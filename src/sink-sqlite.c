/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SQLite backend (sink-db.h). PLACEHOLDER: its owner replaces this file. */
#include "sink-db.h"

static int sqlite_open(void **state, const struct pt_sink_conf *c, const struct pt_sink_env *env,
		       char *err, size_t errlen)
{
	return pt_db_open(&pt_db_sqlite, state, c, env, err, errlen);
}

const struct pt_db_backend pt_db_sqlite = {.name = "sqlite"};

const struct pt_sink_ops pt_sink_sqlite_ops = {
	.type = PT_SINK_SQLITE,
	.open = sqlite_open,
	.write = pt_db_write,
	.flush = pt_db_flush,
	.reopen = pt_db_reopen,
	.tick = pt_db_tick,
	.close = pt_db_close,
	.status = pt_db_status,
};
