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
