/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The BPF tier's proc connector side channel (bpf-connector.c). */
#ifndef PT_BPF_CONNECTOR_H
#define PT_BPF_CONNECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pt_nl_msg;

struct pt_cn_side {
	int fd; /* -1 when closed */
	uint32_t mask; /* PT_PROC_EVENT_* subscribed to */
	bool listening; /* a LISTEN was sent: IGNORE before close */
	uint32_t drops; /* the socket's drop counter when last read */
	uint64_t malformed;
};

void pt_cn_side_init(struct pt_cn_side *c);
/* Subscribe to the events of mask (PT_PROC_EVENT_*) with the 6.6+ filter.
 * 0, or -errno with the reason in why. */
int pt_cn_side_open(struct pt_cn_side *c, uint32_t mask, char *why, size_t len);
void pt_cn_side_close(struct pt_cn_side *c);
/* Hand every waiting message to fn(arg, msg, kind) (enum pt_nl_kind); adds
 * what the kernel dropped to *lost. Returns datagrams read or -errno. */
int pt_cn_side_read(struct pt_cn_side *c, void (*fn)(void *, struct pt_nl_msg *, int), void *arg,
		    uint64_t *lost);

#endif
