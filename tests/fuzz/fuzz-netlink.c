/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The proc connector decoder over one datagram, walked the way the netlink
 * source walks it: message after message until the end or a malformed one.
 * The kernel is trusted less than it seems: a datagram on a NETLINK_CONNECTOR
 * socket can also come from another local sender.
 */
#include <string.h>

#include "fuzz.h"
#include "netlink-decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_nl_seq seq;
	size_t off = 0;
	unsigned n = 0;

	pt_nl_seq_init(&seq);
	while (off < size && n++ < 4096) {
		struct pt_nl_msg msg;
		int r = pt_nl_decode(data + off, size - off, &msg);

		if (r < 0)
			break;
		FUZZ_CHECK(msg.len > 0 && msg.len <= size - off);
		if (r == PT_NL_EVENT) {
			FUZZ_CHECK(msg.raw.type < PT_EV_COUNT);
			FUZZ_CHECK(msg.raw.info == NULL);
			if (msg.raw.type == PT_EV_COMM)
				FUZZ_CHECK(memchr(msg.raw.u.comm, '\0', PT_COMM_LEN) != NULL);
			pt_nl_seq_gap(&seq, msg.cpu, msg.seq);
		}
		off += msg.len;
	}
	pt_nl_seq_free(&seq);
	return 0;
}
