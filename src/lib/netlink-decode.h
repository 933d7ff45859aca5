/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Proc connector messages -> struct pt_raw; pure functions, shared with the unit tests. */
#ifndef PT_NETLINK_DECODE_H
#define PT_NETLINK_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include <linux/filter.h>

#include "internal.h"

enum pt_nl_kind {
	PT_NL_IGNORED = 0, /* well-formed, nothing for the core (unknown what) */
	PT_NL_EVENT, /* msg.raw holds the event */
	PT_NL_ACK, /* an ACK of a subscription request (what 0) */
};

struct pt_nl_msg {
	/* PT_NL_EVENT: type, pid/tid, ppid/ptid and u filled; time_us and start are left
	 * 0 for the source, which converts timestamp_ns with the monitor's clocks. */
	struct pt_raw raw;
	uint32_t what; /* proc_event.what, as sent */
	uint32_t cpu; /* sending CPU; UINT32_MAX in ACKs of older kernels */
	uint64_t timestamp_ns; /* CLOCK_MONOTONIC */
	uint32_t seq; /* cn_msg.seq: the sending CPU's event counter */
	uint32_t ack; /* cn_msg.ack: in an ACK, the request's ack + 1 */
	uint32_t ack_err; /* in an ACK: 0 or the kernel's positive errno */
	size_t len; /* bytes of this message, aligned: where the next one starts */
};

/*
 * Decode one netlink message (nlmsghdr + cn_msg + proc_event) of at most len bytes.
 * Returns an enum pt_nl_kind, or -EINVAL for a short or malformed message (then
 * msg->len is not usable and the rest of the datagram must be dropped).
 */
int pt_nl_decode(const void *buf, size_t len, struct pt_nl_msg *msg);

/* Bytes of event_data a message of type what must carry; 0 if what is unknown. */
size_t pt_nl_event_min_len(uint32_t what);

/*
 * Per-CPU sequence tracker. The kernel numbers every proc connector message per
 * CPU (cn_msg.seq), so with a subscription to ALL events a gap on a CPU is a
 * message that did not reach this socket.
 */
#define PT_NL_SEQ_MAX_CPU 65536u

struct pt_nl_seq_cpu {
	uint32_t last;
	bool seen;
};

struct pt_nl_seq {
	struct pt_nl_seq_cpu *cpu;
	uint32_t ncpu; /* entries allocated */
};

void pt_nl_seq_init(struct pt_nl_seq *s);
void pt_nl_seq_free(struct pt_nl_seq *s);
/*
 * Record message seq from cpu; return how many numbers were skipped since that
 * CPU's previous message. The first message of a CPU counts 0, the counter wraps
 * at 2^32, and a step backwards (which the kernel never sends) restarts the CPU's
 * count at 0. CPUs that cannot be tracked (UINT32_MAX, >= PT_NL_SEQ_MAX_CPU, out of
 * memory) count 0.
 */
uint32_t pt_nl_seq_gap(struct pt_nl_seq *s, uint32_t cpu, uint32_t seq);

/*
 * How several exec readers share the EXECs. Reader idx of n gets the EXECs of
 * CPU own (the CPU it is pinned to, when it is the first reader pinned there;
 * -1: none) and of every CPU c with c mod n in idx+1 .. idx+others (mod n), so
 * each CPU's EXECs go to `others` readers whichever CPUs they run on, and to
 * the reader on that CPU when there is one.
 */
#define PT_NL_SHARE_OTHERS_MAX 4
#define PT_NL_SHARE_FILTER_MAX (16 + PT_NL_SHARE_OTHERS_MAX)

struct pt_nl_share {
	unsigned n, idx, others; /* others < n, at most PT_NL_SHARE_OTHERS_MAX */
	int own;
};

/* Whether the reader gets the EXECs of cpu. */
bool pt_nl_share_takes(const struct pt_nl_share *sh, uint32_t cpu);

/*
 * The classic BPF socket filter that passes a proc connector message when it
 * is not an EXEC (ACKs, other events, anything short) or when
 * pt_nl_share_takes() says so for its proc_event.cpu. Writes at most
 * PT_NL_SHARE_FILTER_MAX instructions to f and returns how many.
 */
unsigned pt_nl_share_filter(const struct pt_nl_share *sh, struct sock_filter *f);

/*
 * How long the core's thread lets events gather in the event socket while they
 * flow, in ns, given its receive buffer as SO_RCVBUF reads it back (twice what
 * was asked for): each wakeup of the core and its writer costs about 0.1 ms on
 * 2 vCPUs, whatever it carries. PT_NL_BATCH_LONG_NS from
 * PT_NL_BATCH_LONG_MIN_RCVBUF up (the default 32M: about 60,000 messages),
 * PT_NL_BATCH_SHORT_NS below, where a buffer that net.core.rmem_max capped
 * (about 400 messages) must not fill between two wakeups of a fork storm.
 */
#define PT_NL_BATCH_SHORT_NS 10000000L
#define PT_NL_BATCH_LONG_NS 25000000L
#define PT_NL_BATCH_LONG_MIN_RCVBUF (4L << 20)
long pt_nl_batch_delay_ns(long rcvbuf);

#endif
