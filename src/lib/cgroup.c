/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container attribution from cgroup paths and mountinfo: placeholder of the
 * contract, replaced by the parser (wt-cgroup). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "internal.h"

const char *pt_runtime_name(enum pt_runtime rt)
{
	(void)rt;
	return NULL;
}

const char *pt_qos_name(enum pt_qos q)
{
	(void)q;
	return NULL;
}

int pt_cgroup_attr_path(const char *path, size_t len, struct pt_cgroup_attr *a)
{
	(void)path;
	(void)len;
	memset(a, 0, sizeof(*a));
	return -ENOSYS;
}

int pt_cgroup_parse(const char *buf, size_t len, struct pt_cgroup_info *out)
{
	(void)buf;
	(void)len;
	memset(out, 0, sizeof(*out));
	return -ENOSYS;
}

void pt_cgroup_info_free(struct pt_cgroup_info *ci)
{
	free(ci->path);
	ci->path = NULL;
}

int pt_mountinfo_attr(const char *buf, size_t len, struct pt_cgroup_attr *a)
{
	(void)buf;
	(void)len;
	memset(a, 0, sizeof(*a));
	return -ENOSYS;
}
