/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rules (rules.h). PLACEHOLDER (contract only): the loader lands with wt-rules.
 */
#include <errno.h>
#include <stdlib.h>

#include "rules.h"

struct rules {
	int unused;
};

struct rules *rules_new(void)
{
	return calloc(1, sizeof(struct rules));
}

void rules_free(struct rules *rs)
{
	free(rs);
}

int rules_set_hostname(struct rules *rs, const char *host)
{
	(void)rs;
	(void)host;
	return 0;
}

int rules_load(struct rules *rs, const char *path)
{
	(void)rs;
	(void)path;
	return -ENOSYS;
}

int rules_load_string(struct rules *rs, const char *name, const char *yaml, size_t len)
{
	(void)rs;
	(void)name;
	(void)yaml;
	(void)len;
	return -ENOSYS;
}

int rules_compile(struct rules *rs)
{
	(void)rs;
	return -ENOSYS;
}

size_t rules_ndiag(const struct rules *rs)
{
	(void)rs;
	return 0;
}

const struct rules_diag *rules_diag(const struct rules *rs, size_t i)
{
	(void)rs;
	(void)i;
	return NULL;
}

size_t rules_count(const struct rules *rs)
{
	(void)rs;
	return 0;
}

int rules_info(const struct rules *rs, size_t i, struct rules_info *out)
{
	(void)rs;
	(void)i;
	(void)out;
	return -ENOENT;
}

size_t rules_loaded(const struct rules *rs)
{
	(void)rs;
	return 0;
}

unsigned rules_eval(struct rules *rs, const struct pt_monitor *m, const struct pt_event *ev,
		    rules_alert_fn fn, void *data)
{
	(void)rs;
	(void)m;
	(void)ev;
	(void)fn;
	(void)data;
	return 0;
}

void rules_get_stats(const struct rules *rs, struct rules_stats *out)
{
	(void)rs;
	*out = (struct rules_stats){0};
}

int cmd_rules(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 2;
}
