/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sink runner (sink.h). PLACEHOLDER: the runner's owner replaces this file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sink.h"

void pt_sink_conf_init(struct pt_sink_conf *c)
{
	memset(c, 0, sizeof(*c));
}

void pt_sink_conf_free(struct pt_sink_conf *c)
{
	(void)c;
}

int pt_sink_conf_copy(struct pt_sink_conf *dst, const struct pt_sink_conf *src,
		      enum pt_sink_type type, const char *target)
{
	(void)dst, (void)src, (void)type, (void)target;
	return -ENOSYS;
}

const char *pt_sink_type_name(enum pt_sink_type t)
{
	static const char *const names[] = {"file", "sqlite", "pg"};

	return (unsigned)t < PT_SINK_TYPES ? names[t] : "?";
}

const char *pt_sink_state_name(enum pt_sink_state s)
{
	(void)s;
	return "?";
}

int pt_sink_open(struct pt_sink **out, const struct pt_sink_conf *c, pt_log_fn log, void *logdata,
		 char *err, size_t errlen)
{
	(void)out, (void)c, (void)log, (void)logdata, (void)err, (void)errlen;
	return -ENOSYS;
}

int pt_sink_push(struct pt_sink *s, const char *line, size_t len)
{
	(void)s, (void)line, (void)len;
	return -ENOSYS;
}

void pt_sink_reopen(struct pt_sink *s)
{
	(void)s;
}

void pt_sink_status(struct pt_sink *s, struct pt_sink_status *st)
{
	(void)s;
	memset(st, 0, sizeof(*st));
}

char *pt_sink_status_json(struct pt_sink *s, size_t *len)
{
	(void)s, (void)len;
	return NULL;
}

void pt_sink_close(struct pt_sink *s, int drain_ms, struct pt_sink_status *st)
{
	(void)s, (void)drain_ms, (void)st;
}
