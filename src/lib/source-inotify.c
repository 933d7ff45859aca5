/* placeholder: being written */
#include <errno.h>
#include <stdio.h>
#include "internal.h"

static int probe(const struct pt_options *o, char *why, size_t len)
{
	snprintf(why, len, "not implemented yet");
	return -ENOSYS;
}

const struct pt_source_ops pt_source_inotify = {
	.name = "inotify",
	.probe = probe,
};
