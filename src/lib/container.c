/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container cache and its enrichment: placeholder of the contract,
 * replaced by wt-ctr. */
#include <errno.h>
#include <stdlib.h>

#include "container.h"
#include "internal.h"

struct pt_container *pt_ctr_ref(struct pt_container *c)
{
	c->refs++;
	return c;
}

void pt_ctr_unref(struct pt_container *c)
{
	if (c && !--c->refs)
		free(c);
}

/* placeholder until wt-ctr: a bare container, no cache */
struct pt_container *pt_ctr_new(const struct pt_cgroup_attr *a, const char *cgroup_path)
{
	struct pt_container *c = calloc(1, sizeof(*c));

	(void)cgroup_path;
	if (!c)
		return NULL;
	c->refs = 1;
	c->runtime = a->runtime;
	return c;
}
