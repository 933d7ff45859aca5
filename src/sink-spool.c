/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SQL layer's spool (sink-db.h). PLACEHOLDER: its owner replaces this file. */
#include <errno.h>

#include "sink-db.h"

int pt_spool_open(struct pt_spool **out, const char *dir, uint64_t max_bytes, char *err,
		  size_t errlen)
{
	(void)out, (void)dir, (void)max_bytes, (void)err, (void)errlen;
	return -ENOSYS;
}

void pt_spool_close(struct pt_spool *s)
{
	(void)s;
}

int pt_spool_append(struct pt_spool *s, int64_t session, uint64_t seq,
		    const struct pt_outq_rec *recs, size_t n)
{
	(void)s, (void)session, (void)seq, (void)recs, (void)n;
	return -ENOSYS;
}

int pt_spool_peek(struct pt_spool *s, int64_t *session, uint64_t *seq,
		  const struct pt_outq_rec **recs, size_t *n)
{
	(void)s, (void)session, (void)seq, (void)recs, (void)n;
	return 1;
}

int pt_spool_pop(struct pt_spool *s)
{
	(void)s;
	return 0;
}

uint64_t pt_spool_batches(const struct pt_spool *s)
{
	(void)s;
	return 0;
}

uint64_t pt_spool_records(const struct pt_spool *s)
{
	(void)s;
	return 0;
}

uint64_t pt_spool_bytes(const struct pt_spool *s)
{
	(void)s;
	return 0;
}
