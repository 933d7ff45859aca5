/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The JSON-lines file sink (sink.h). PLACEHOLDER: its owner replaces this file. */
#include <errno.h>

#include "sink.h"

static int file_open(void **state, const struct pt_sink_conf *c, const struct pt_sink_env *env,
		     char *err, size_t errlen)
{
	(void)state, (void)c, (void)env, (void)err, (void)errlen;
	return -ENOSYS;
}

const struct pt_sink_ops pt_sink_file_ops = {.type = PT_SINK_FILE, .open = file_open};
