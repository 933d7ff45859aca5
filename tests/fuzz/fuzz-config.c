/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proctrail.conf(5) parser (pd_conf_parse) on any bytes: 0 or -EINVAL, a
 * message of one printable line naming the file and a line on error, the
 * configuration untouched by a failed parse, and every value in its range
 * after a good one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "fuzz.h"

static bool printable_line(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pd_conf c, def;
	char err[256], small[10], keys[512];
	int r;

	pd_conf_init(&c);
	pd_conf_init(&def);
	memset(err, 'x', sizeof(err));
	r = pd_conf_parse(&c, (const char *)data, size, "fuzz.conf", err, sizeof(err));
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOMEM);
	FUZZ_CHECK(memchr(err, '\0', sizeof(err)));
	FUZZ_CHECK(printable_line(err));
	if (r == 0) {
		FUZZ_CHECK(!err[0]);
		FUZZ_CHECK(c.max_clients >= 1 && c.max_clients <= 65536);
		FUZZ_CHECK(c.retention_ms >= 0);
		FUZZ_CHECK(c.socket_mode <= 0777);
		FUZZ_CHECK(c.readers >= -1 && c.readers <= 64);
		FUZZ_CHECK(c.realtime >= -1 && c.realtime <= 1);
		FUZZ_CHECK(c.socket_path && c.socket_path[0] == '/');
		FUZZ_CHECK(c.state_dir && c.state_dir[0] == '/');
		FUZZ_CHECK(!c.user || c.user[0]);
		FUZZ_CHECK((c.events & ~PT_EVMASK_ALL) == 0);
		FUZZ_CHECK((unsigned)c.tier < PT_TIER_COUNT);
		/* the sinks: in range, targets absolute (pg aside), none alone */
		FUZZ_CHECK(c.sink.batch_size >= 1 && c.sink.batch_size <= 100000);
		FUZZ_CHECK(c.sink.flush_ms >= 1 && c.sink.flush_ms <= 3600000);
		FUZZ_CHECK(c.sink.queue >= PT_OUTQ_MIN && c.sink.queue <= PT_OUTQ_MAX);
		FUZZ_CHECK(c.sink.file_mode <= 0777);
		FUZZ_CHECK(!c.sink.host || c.sink.host[0]);
		FUZZ_CHECK(!c.sink.spool_dir || c.sink.spool_dir[0] == '/');
		FUZZ_CHECK(!c.sink.password_file || c.sink.password_file[0] == '/');
		FUZZ_CHECK(!(c.sqlite_none && c.n_sqlites));
		for (size_t i = 0; i < c.n_outputs; i++)
			FUZZ_CHECK(c.outputs[i][0] == '/');
		for (size_t i = 0; i < c.n_sqlites; i++)
			FUZZ_CHECK(c.sqlites[i][0] == '/');
		for (size_t i = 0; i < c.n_pgs; i++)
			FUZZ_CHECK(c.pgs[i][0]);
		{
			struct pt_sink_conf *v;
			size_t n;

			if (pd_conf_sinks(&c, false, &v, &n) == 0) {
				FUZZ_CHECK(n ==
					   c.n_outputs + c.n_sqlites + c.n_pgs +
						   (!c.sqlite_none && !c.n_sqlites));
				for (size_t i = 0; i < n; i++)
					pt_sink_conf_free(&v[i]);
				free(v);
			}
		}
	} else if (r == -EINVAL) {
		FUZZ_CHECK(strncmp(err, "fuzz.conf:", 10) == 0);
		/* nothing applied */
		FUZZ_CHECK(pd_conf_restart_keys(&def, &c, keys, sizeof(keys)) == 0);
		FUZZ_CHECK(c.retention_ms == def.retention_ms && c.max_clients == def.max_clients);
	}
	pd_conf_restart_keys(&def, &c, keys, sizeof(keys));
	FUZZ_CHECK(memchr(keys, '\0', sizeof(keys)));
	/* a small message buffer is cut, never overrun */
	r = pd_conf_parse(&def, (const char *)data, size, "fuzz.conf", small, sizeof(small));
	FUZZ_CHECK(r == 0 || strlen(small) < sizeof(small));
	pd_conf_free(&c);
	pd_conf_free(&def);
	return 0;
}
