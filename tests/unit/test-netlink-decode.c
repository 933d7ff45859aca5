/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Proc connector decoding and sequence tracking, on canned messages. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <linux/connector.h>
#include <linux/netlink.h>

#include <criterion/criterion.h>

#include "linux/cn_proc_compat.h"
#include "netlink-decode.h"

#define EV_LEN ((uint16_t)sizeof(struct pt_proc_event))
#define MSG_LEN (NLMSG_HDRLEN + sizeof(struct cn_msg) + sizeof(struct pt_proc_event))

struct canned {
	uint64_t align;
	unsigned char buf[512];
	size_t len;
};

/* A message as the kernel sends it: NLMSG_DONE, cn_msg, a full proc_event. */
static void build(struct canned *c, const struct pt_proc_event *ev, uint16_t evlen, uint32_t seq,
		  uint32_t ack)
{
	struct nlmsghdr nlh = {0};
	struct cn_msg cn = {0};

	memset(c, 0, sizeof(*c));
	nlh.nlmsg_len = NLMSG_HDRLEN + sizeof(cn) + evlen;
	nlh.nlmsg_type = NLMSG_DONE;
	cn.id.idx = PT_CN_IDX_PROC;
	cn.id.val = PT_CN_VAL_PROC;
	cn.seq = seq;
	cn.ack = ack;
	cn.len = evlen;
	memcpy(c->buf, &nlh, sizeof(nlh));
	memcpy(c->buf + NLMSG_HDRLEN, &cn, sizeof(cn));
	memcpy(c->buf + NLMSG_HDRLEN + sizeof(cn), ev, evlen < EV_LEN ? evlen : EV_LEN);
	c->len = NLMSG_ALIGN(nlh.nlmsg_len);
}

static struct pt_proc_event event(uint32_t what)
{
	struct pt_proc_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.what = what;
	ev.cpu = 1;
	ev.timestamp_ns = UINT64_C(123456789012);
	return ev;
}

/* what the core makes of u.exit.status, a wait(2) status */
static int exited_with(const struct pt_raw *raw)
{
	return (raw->u.exit.status & 0x7f) == 0 ? (raw->u.exit.status >> 8) & 0xff : -1;
}

static int decode_ev(const struct pt_proc_event *ev, struct pt_nl_msg *msg)
{
	struct canned c;

	build(&c, ev, EV_LEN, 77, 0);
	return pt_nl_decode(c.buf, c.len, msg);
}

static struct pt_proc_event fork_event(pid_t ppid, pid_t ptgid, pid_t cpid, pid_t ctgid)
{
	struct pt_proc_event ev = event(PT_PROC_EVENT_FORK);

	ev.event_data.fork.parent_pid = ppid;
	ev.event_data.fork.parent_tgid = ptgid;
	ev.event_data.fork.child_pid = cpid;
	ev.event_data.fork.child_tgid = ctgid;
	return ev;
}

static struct pt_proc_event exit_event(pid_t pid, pid_t tgid, uint32_t code, uint32_t sig,
				       pid_t ppid, pid_t ptgid)
{
	struct pt_proc_event ev = event(PT_PROC_EVENT_EXIT);

	ev.event_data.exit.process_pid = pid;
	ev.event_data.exit.process_tgid = tgid;
	ev.event_data.exit.exit_code = code;
	ev.event_data.exit.exit_signal = sig;
	ev.event_data.exit.parent_pid = ppid;
	ev.event_data.exit.parent_tgid = ptgid;
	return ev;
}

Test(decode, fork_of_a_process)
{
	struct pt_proc_event ev = fork_event(100, 100, 200, 200);
	struct pt_nl_msg msg;

	cr_assert_eq(decode_ev(&ev, &msg), PT_NL_EVENT);
	cr_assert_eq(msg.raw.type, PT_EV_FORK);
	cr_assert_eq(msg.raw.pid, 200);
	cr_assert_eq(msg.raw.tid, 200);
	cr_assert_eq(msg.raw.ppid, 100);
	cr_assert_eq(msg.raw.ptid, 100);
	cr_assert_eq(msg.raw.info, NULL);
	cr_assert_eq(msg.raw.start, 0);
	cr_assert_eq(msg.raw.time_us, 0);
	cr_assert_eq(msg.what, PT_PROC_EVENT_FORK);
	cr_assert_eq(msg.cpu, 1);
	cr_assert_eq(msg.seq, 77);
	cr_assert_eq(msg.timestamp_ns, UINT64_C(123456789012));
	cr_assert_eq(msg.len, MSG_LEN);
}

Test(decode, fork_of_a_thread)
{
	/* a thread's parent fields are the process's real parent */
	struct pt_proc_event ev = fork_event(1, 1, 201, 200);
	struct pt_nl_msg msg;

	cr_assert_eq(decode_ev(&ev, &msg), PT_NL_EVENT);
	cr_assert_eq(msg.raw.type, PT_EV_FORK);
	cr_assert_eq(msg.raw.pid, 200);
	cr_assert_eq(msg.raw.tid, 201);
	cr_assert_eq(msg.raw.ppid, 1);
}

Test(decode, exec)
{
	struct pt_proc_event ev = event(PT_PROC_EVENT_EXEC);
	struct pt_nl_msg msg;

	ev.event_data.exec.process_pid = 300;
	ev.event_data.exec.process_tgid = 300;
	cr_assert_eq(decode_ev(&ev, &msg), PT_NL_EVENT);
	cr_assert_eq(msg.raw.type, PT_EV_EXEC);
	cr_assert_eq(msg.raw.pid, 300);
	cr_assert_eq(msg.raw.tid, 300);
	cr_assert_eq(msg.raw.info, NULL);
}

Test(decode, exit_status_3)
{
	struct pt_proc_event ev = exit_event(400, 400, 0x300, 17, 100, 100);
	struct pt_nl_msg msg;

	cr_assert_eq(decode_ev(&ev, &msg), PT_NL_EVENT);
	cr_assert_eq(msg.raw.type, PT_EV_EXIT);
	cr_assert_eq(msg.raw.pid, 400);
	cr_assert_eq(msg.raw.tid, 400);
	cr_assert_eq(msg.raw.ppid, 100);
	cr_assert_eq(msg.raw.ptid, 100);
	cr_assert_eq(msg.raw.u.exit.status, 0x300, "passed on wait-encoded");
	cr_assert_eq(exited_with(&msg.raw), 3);
	cr_assert_eq(msg.raw.u.exit.signal, 0);
	cr_assert_not(msg.raw.u.exit.core);
}

Test(decode, exit_status_0_and_255)
{
	struct pt_proc_event ev = exit_event(400, 400, 0, 17, 100, 100);
	struct pt_nl_msg msg;

	cr_assert_eq(decode_ev(&ev, &msg), PT_NL_EVENT);
	cr_assert_eq(msg.raw.u.exit.status, 0);
	cr_assert_eq(exited_with(&msg.raw), 0);
	cr_assert_eq(msg.raw.u.exit.signal, 0);
	ev = exit_event(400, 400, 0xff00, 17, 100, 100);
	cr_assert_eq(decode_ev(&ev, &msg), PT_NL_EVENT);
	cr_assert_eq(exited_with(&msg.raw), 255);
}

Test(decode, exit_sigkill)
{
	struct pt_proc_event ev = exit_event(401, 401, 0x9, 17, 100, 100);
	struct pt_nl_msg msg;

	cr_assert_eq(decode_ev(&ev, &msg), PT_NL_EVENT);
	cr_assert_eq(msg.raw.u.exit.status, 0x9);
	cr_assert_eq(exited_with(&msg.raw), -1);
	cr_assert_eq(msg.raw.u.exit.signal, 9);
	cr_assert_not(msg.raw.u.exit.core);
}

Test(decode, exit_core_dumped)
{
	struct pt_proc_event ev = exit_event(402, 402, 0x80 | 11, 17, 100, 100);
	struct pt_nl_msg msg;

	cr_assert_eq(decode_ev(&ev, &msg), PT_NL_EVENT);
	cr_assert_eq(msg.raw.u.exit.status, 0x8b);
	cr_assert_eq(exited_with(&msg.raw), -1);
	cr_assert_eq(msg.raw.u.exit.signal, 11);
	cr_assert(msg.raw.u.exit.core);
}

Test(decode, exit_of_a_thread)
{
	struct pt_proc_event ev = exit_event(201, 200, 0, (uint32_t)-1, 0, 0);
	struct pt_nl_msg msg;

	cr_assert_eq(decode_ev(&ev, &msg), PT_NL_EVENT);
	cr_assert_eq(msg.raw.type, PT_EV_EXIT);
	cr_assert_eq(msg.raw.pid, 200);
	cr_assert_eq(msg.raw.tid, 201);
	cr_assert_eq(msg.raw.ppid, 0);
	cr_assert_eq(msg.raw.u.exit.status, 0);
	cr_assert_eq(msg.raw.u.exit.signal, 0);
}

Test(decode, exit_of_kernels_before_4_18)
{
	/* no parent fields: the event is 8 bytes shorter and still valid */
	struct pt_proc_event ev = exit_event(400, 400, 0x300, 17, 100, 100);
	struct pt_nl_msg msg;
	struct canned c;

	build(&c, &ev, PT_PROC_EVENT_HDRLEN + 16, 5, 0);
	cr_assert_eq(pt_nl_decode(c.buf, c.len, &msg), PT_NL_EVENT);
	cr_assert_eq(exited_with(&msg.raw), 3);
	cr_assert_eq(msg.raw.ppid, 0);
	build(&c, &ev, PT_PROC_EVENT_HDRLEN + 15, 5, 0);
	cr_assert_eq(pt_nl_decode(c.buf, c.len, &msg), -EINVAL);
}

Test(decode, uid_and_gid)
{
	struct pt_proc_event ev = event(PT_PROC_EVENT_UID);
	struct pt_nl_msg msg;

	ev.event_data.id.process_pid = 500;
	ev.event_data.id.process_tgid = 500;
	ev.event_data.id.r = 1000;
	ev.event_data.id.e = 0;
	cr_assert_eq(decode_ev(&ev, &msg), PT_NL_EVENT);
	cr_assert_eq(msg.raw.type, PT_EV_UID);
	cr_assert_eq(msg.raw.pid, 500);
	cr_assert_eq(msg.raw.u.id.r, 1000);
	cr_assert_eq(msg.raw.u.id.e, 0);

	ev.what = PT_PROC_EVENT_GID;
	ev.event_data.id.r = 100;
	ev.event_data.id.e = 65534;
	cr_assert_eq(decode_ev(&ev, &msg), PT_NL_EVENT);
	cr_assert_eq(msg.raw.type, PT_EV_GID);
	cr_assert_eq(msg.raw.u.id.r, 100);
	cr_assert_eq(msg.raw.u.id.e, 65534);
}

Test(decode, sid)
{
	struct pt_proc_event ev = event(PT_PROC_EVENT_SID);
	struct pt_nl_msg msg;

	ev.event_data.sid.process_pid = 600;
	ev.event_data.sid.process_tgid = 600;
	cr_assert_eq(decode_ev(&ev, &msg), PT_NL_EVENT);
	cr_assert_eq(msg.raw.type, PT_EV_SID);
	cr_assert_eq(msg.raw.pid, 600);
	cr_assert_eq(msg.raw.tid, 600);
}

Test(decode, ptrace_attach_and_detach)
{
	struct pt_proc_event ev = event(PT_PROC_EVENT_PTRACE);
	struct pt_nl_msg msg;

	ev.event_data.ptrace.process_pid = 701;
	ev.event_data.ptrace.process_tgid = 700;
	ev.event_data.ptrace.tracer_pid = 801;
	ev.event_data.ptrace.tracer_tgid = 800;
	cr_assert_eq(decode_ev(&ev, &msg), PT_NL_EVENT);
	cr_assert_eq(msg.raw.type, PT_EV_PTRACE);
	cr_assert_eq(msg.raw.pid, 700);
	cr_assert_eq(msg.raw.tid, 701);
	cr_assert_eq(msg.raw.u.tracer.pid, 800);
	cr_assert_eq(msg.raw.u.tracer.tid, 801);

	ev.event_data.ptrace.tracer_pid = 0;
	ev.event_data.ptrace.tracer_tgid = 0;
	cr_assert_eq(decode_ev(&ev, &msg), PT_NL_EVENT);
	cr_assert_eq(msg.raw.u.tracer.pid, 0);
	cr_assert_eq(msg.raw.u.tracer.tid, 0);
}

Test(decode, comm)
{
	struct pt_proc_event ev = event(PT_PROC_EVENT_COMM);
	struct pt_nl_msg msg;

	ev.event_data.comm.process_pid = 900;
	ev.event_data.comm.process_tgid = 900;
	memcpy(ev.event_data.comm.comm, "bash\0garbage!!!!", 16);
	cr_assert_eq(decode_ev(&ev, &msg), PT_NL_EVENT);
	cr_assert_eq(msg.raw.type, PT_EV_COMM);
	cr_assert_str_eq(msg.raw.u.comm, "bash");
	cr_assert_eq(msg.raw.u.comm[5], '\0', "bytes after the NUL are not copied");
}

Test(decode, comm_not_nul_terminated)
{
	struct pt_proc_event ev = event(PT_PROC_EVENT_COMM);
	struct pt_nl_msg msg;

	ev.event_data.comm.process_pid = 900;
	ev.event_data.comm.process_tgid = 900;
	memcpy(ev.event_data.comm.comm, "abcdefghijklmnop", 16);
	cr_assert_eq(decode_ev(&ev, &msg), PT_NL_EVENT);
	cr_assert_str_eq(msg.raw.u.comm, "abcdefghijklmno");
}

Test(decode, coredump)
{
	struct pt_proc_event ev = event(PT_PROC_EVENT_COREDUMP);
	struct pt_nl_msg msg;
	struct canned c;

	ev.event_data.coredump.process_pid = 1000;
	ev.event_data.coredump.process_tgid = 1000;
	ev.event_data.coredump.parent_pid = 99;
	ev.event_data.coredump.parent_tgid = 98;
	cr_assert_eq(decode_ev(&ev, &msg), PT_NL_EVENT);
	cr_assert_eq(msg.raw.type, PT_EV_COREDUMP);
	cr_assert_eq(msg.raw.pid, 1000);
	cr_assert_eq(msg.raw.ppid, 98);
	cr_assert_eq(msg.raw.ptid, 99);

	/* before 4.18: pid and tgid only */
	build(&c, &ev, PT_PROC_EVENT_HDRLEN + 8, 1, 0);
	cr_assert_eq(pt_nl_decode(c.buf, c.len, &msg), PT_NL_EVENT);
	cr_assert_eq(msg.raw.pid, 1000);
	cr_assert_eq(msg.raw.ppid, 0);
}

Test(decode, ack)
{
	struct pt_proc_event ev = event(PT_PROC_EVENT_NONE);
	struct pt_nl_msg msg;
	struct canned c;

	ev.event_data.ack.err = 0;
	build(&c, &ev, EV_LEN, 42, 0xdeadbeef + 1);
	cr_assert_eq(pt_nl_decode(c.buf, c.len, &msg), PT_NL_ACK);
	cr_assert_eq(msg.ack, 0xdeadbeef + 1);
	cr_assert_eq(msg.seq, 42);
	cr_assert_eq(msg.ack_err, 0);

	ev.event_data.ack.err = EINVAL;
	ev.cpu = UINT32_MAX; /* what older kernels send in an ACK */
	build(&c, &ev, EV_LEN, 7, 8);
	cr_assert_eq(pt_nl_decode(c.buf, c.len, &msg), PT_NL_ACK);
	cr_assert_eq(msg.ack_err, EINVAL);
	cr_assert_eq(msg.cpu, UINT32_MAX);
}

Test(decode, unknown_what_is_ignored)
{
	static const uint32_t unknown[] = {
		0x400, 0x8, 0x10000, PT_PROC_EVENT_NONZERO_EXIT, 0x80000001, 0xffffffff};
	struct pt_nl_msg msg;
	size_t i;

	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		struct pt_proc_event ev = event(unknown[i]);

		cr_assert_eq(decode_ev(&ev, &msg), PT_NL_IGNORED, "what %#x", unknown[i]);
		cr_assert_eq(msg.what, unknown[i]);
		cr_assert_eq(msg.seq, 77, "the seq of an ignored event still counts");
		cr_assert_eq(msg.cpu, 1);
		cr_assert_eq(msg.len, MSG_LEN);
	}
}

Test(decode, min_len)
{
	cr_assert_eq(pt_nl_event_min_len(PT_PROC_EVENT_NONE), 4);
	cr_assert_eq(pt_nl_event_min_len(PT_PROC_EVENT_FORK), 16);
	cr_assert_eq(pt_nl_event_min_len(PT_PROC_EVENT_EXEC), 8);
	cr_assert_eq(pt_nl_event_min_len(PT_PROC_EVENT_UID), 16);
	cr_assert_eq(pt_nl_event_min_len(PT_PROC_EVENT_GID), 16);
	cr_assert_eq(pt_nl_event_min_len(PT_PROC_EVENT_SID), 8);
	cr_assert_eq(pt_nl_event_min_len(PT_PROC_EVENT_PTRACE), 16);
	cr_assert_eq(pt_nl_event_min_len(PT_PROC_EVENT_COMM), 24);
	cr_assert_eq(pt_nl_event_min_len(PT_PROC_EVENT_COREDUMP), 8);
	cr_assert_eq(pt_nl_event_min_len(PT_PROC_EVENT_EXIT), 16);
	cr_assert_eq(pt_nl_event_min_len(0x400), 0);
	cr_assert_eq(sizeof(struct pt_proc_event), 40, "the kernel's struct proc_event");
	cr_assert_eq(MSG_LEN, 76);
}

Test(decode, larger_future_event_is_accepted)
{
	struct pt_proc_event ev = fork_event(1, 1, 2, 2);
	struct pt_nl_msg msg;
	struct canned c;

	build(&c, &ev, EV_LEN + 24, 3, 0);
	cr_assert_eq(pt_nl_decode(c.buf, c.len, &msg), PT_NL_EVENT);
	cr_assert_eq(msg.raw.pid, 2);
	cr_assert_eq(msg.len, MSG_LEN + 24);
}

Test(decode, two_messages_in_one_datagram)
{
	struct pt_proc_event a = fork_event(1, 1, 2, 2), b = exit_event(2, 2, 0x100, 17, 1, 1);
	struct canned c1, c2;
	unsigned char buf[2 * MSG_LEN];
	struct pt_nl_msg msg;

	build(&c1, &a, EV_LEN, 1, 0);
	build(&c2, &b, EV_LEN, 2, 0);
	memcpy(buf, c1.buf, c1.len);
	memcpy(buf + c1.len, c2.buf, c2.len);
	cr_assert_eq(pt_nl_decode(buf, sizeof(buf), &msg), PT_NL_EVENT);
	cr_assert_eq(msg.raw.type, PT_EV_FORK);
	cr_assert_eq(msg.len, MSG_LEN);
	cr_assert_eq(pt_nl_decode(buf + msg.len, sizeof(buf) - msg.len, &msg), PT_NL_EVENT);
	cr_assert_eq(msg.raw.type, PT_EV_EXIT);
	cr_assert_eq(exited_with(&msg.raw), 1);
}

Test(decode, unaligned_buffer)
{
	struct pt_proc_event ev = fork_event(1, 1, 2, 2);
	unsigned char buf[MSG_LEN + 1];
	struct pt_nl_msg msg;
	struct canned c;

	build(&c, &ev, EV_LEN, 1, 0);
	memcpy(buf + 1, c.buf, MSG_LEN);
	cr_assert_eq(pt_nl_decode(buf + 1, MSG_LEN, &msg), PT_NL_EVENT);
	cr_assert_eq(msg.raw.pid, 2);
}

static struct pt_proc_event valid_event_of(uint32_t what)
{
	struct pt_proc_event ev = event(what);

	/* valid pids wherever an event keeps them: the first four fields */
	ev.event_data.fork.parent_pid = 10;
	ev.event_data.fork.parent_tgid = 10;
	ev.event_data.fork.child_pid = 10;
	ev.event_data.fork.child_tgid = 10;
	return ev;
}

static const uint32_t all_whats[] = {
	PT_PROC_EVENT_NONE,	PT_PROC_EVENT_FORK, PT_PROC_EVENT_EXEC,	  PT_PROC_EVENT_UID,
	PT_PROC_EVENT_GID,	PT_PROC_EVENT_SID,  PT_PROC_EVENT_PTRACE, PT_PROC_EVENT_COMM,
	PT_PROC_EVENT_COREDUMP, PT_PROC_EVENT_EXIT,
};

Test(decode, every_truncation_is_rejected)
{
	size_t i, cut;

	for (i = 0; i < sizeof(all_whats) / sizeof(all_whats[0]); i++) {
		struct pt_proc_event ev = valid_event_of(all_whats[i]);
		size_t need = NLMSG_HDRLEN + sizeof(struct cn_msg) + PT_PROC_EVENT_HDRLEN +
			pt_nl_event_min_len(all_whats[i]);
		struct pt_nl_msg msg;
		struct canned c;

		build(&c, &ev, EV_LEN, 1, 0);
		cr_assert_geq(pt_nl_decode(c.buf, c.len, &msg), 0, "what %#x", all_whats[i]);
		for (cut = 0; cut < MSG_LEN; cut++) {
			unsigned char *copy = malloc(cut ? cut : 1);
			struct nlmsghdr nlh;

			/* the datagram is short but the header claims the full length */
			memcpy(copy, c.buf, cut);
			cr_assert_eq(pt_nl_decode(copy, cut, &msg), -EINVAL, "what %#x cut %zu",
				     all_whats[i], cut);
			free(copy);

			/* the header agrees with the short datagram, cn_msg.len does not */
			if (cut < NLMSG_HDRLEN)
				continue;
			memcpy(&nlh, c.buf, sizeof(nlh));
			nlh.nlmsg_len = (uint32_t)cut;
			memcpy(c.buf, &nlh, sizeof(nlh));
			cr_assert_eq(pt_nl_decode(c.buf, cut, &msg), -EINVAL, "what %#x cut %zu",
				     all_whats[i], cut);

			/* all three lengths agree: valid exactly when the event's data fits */
			if (cut >= NLMSG_HDRLEN + sizeof(struct cn_msg)) {
				uint16_t evlen =
					(uint16_t)(cut - NLMSG_HDRLEN - sizeof(struct cn_msg));
				struct canned t;

				build(&t, &ev, evlen, 1, 0);
				cr_assert_eq(pt_nl_decode(t.buf, cut, &msg) >= 0, cut >= need,
					     "what %#x cut %zu", all_whats[i], cut);
			}
			build(&c, &ev, EV_LEN, 1, 0);
		}
	}
}

Test(decode, oversized_lengths_are_rejected)
{
	struct pt_proc_event ev = fork_event(1, 1, 2, 2);
	struct pt_nl_msg msg;
	struct nlmsghdr nlh;
	struct cn_msg cn;
	struct canned c;

	build(&c, &ev, EV_LEN, 1, 0);
	memcpy(&nlh, c.buf, sizeof(nlh));
	nlh.nlmsg_len = MSG_LEN + 4;
	memcpy(c.buf, &nlh, sizeof(nlh));
	cr_assert_eq(pt_nl_decode(c.buf, MSG_LEN, &msg), -EINVAL, "nlmsg_len beyond the data");
	nlh.nlmsg_len = UINT32_MAX;
	memcpy(c.buf, &nlh, sizeof(nlh));
	cr_assert_eq(pt_nl_decode(c.buf, MSG_LEN, &msg), -EINVAL);
	nlh.nlmsg_len = 8;
	memcpy(c.buf, &nlh, sizeof(nlh));
	cr_assert_eq(pt_nl_decode(c.buf, MSG_LEN, &msg), -EINVAL, "nlmsg_len below its header");

	build(&c, &ev, EV_LEN, 1, 0);
	memcpy(&cn, c.buf + NLMSG_HDRLEN, sizeof(cn));
	cn.len = EV_LEN + 1;
	memcpy(c.buf + NLMSG_HDRLEN, &cn, sizeof(cn));
	cr_assert_eq(pt_nl_decode(c.buf, c.len, &msg), -EINVAL, "cn_msg.len beyond the payload");
	cn.len = UINT16_MAX;
	memcpy(c.buf + NLMSG_HDRLEN, &cn, sizeof(cn));
	cr_assert_eq(pt_nl_decode(c.buf, c.len, &msg), -EINVAL);
	cn.len = 15;
	memcpy(c.buf + NLMSG_HDRLEN, &cn, sizeof(cn));
	cr_assert_eq(pt_nl_decode(c.buf, c.len, &msg), -EINVAL, "shorter than what/cpu/timestamp");
}

Test(decode, foreign_messages_are_rejected)
{
	struct pt_proc_event ev = fork_event(1, 1, 2, 2);
	struct pt_nl_msg msg;
	struct nlmsghdr nlh;
	struct cn_msg cn;
	struct canned c;

	cr_assert_eq(pt_nl_decode(NULL, 0, &msg), -EINVAL);
	cr_assert_eq(pt_nl_decode(NULL, MSG_LEN, &msg), -EINVAL);

	build(&c, &ev, EV_LEN, 1, 0);
	memcpy(&nlh, c.buf, sizeof(nlh));
	nlh.nlmsg_type = NLMSG_ERROR;
	memcpy(c.buf, &nlh, sizeof(nlh));
	cr_assert_eq(pt_nl_decode(c.buf, c.len, &msg), -EINVAL, "not NLMSG_DONE");

	build(&c, &ev, EV_LEN, 1, 0);
	memcpy(&cn, c.buf + NLMSG_HDRLEN, sizeof(cn));
	cn.id.idx = 3; /* another connector user */
	memcpy(c.buf + NLMSG_HDRLEN, &cn, sizeof(cn));
	cr_assert_eq(pt_nl_decode(c.buf, c.len, &msg), -EINVAL);
}

Test(decode, impossible_pids_are_rejected)
{
	struct pt_proc_event ev = fork_event(1, 1, 0, 0);
	struct pt_nl_msg msg;

	cr_assert_eq(decode_ev(&ev, &msg), -EINVAL, "pid 0");
	ev = fork_event(1, 1, -5, 5);
	cr_assert_eq(decode_ev(&ev, &msg), -EINVAL, "negative pid");
	cr_assert_eq(msg.raw.type, 0, "nothing half-decoded is left");
	cr_assert_eq(msg.raw.pid, 0);
	ev = exit_event(3, -3, 0, 17, 1, 1);
	cr_assert_eq(decode_ev(&ev, &msg), -EINVAL, "negative tgid");
}

/* xorshift: deterministic garbage */
static uint32_t rnd(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

Test(decode, garbage_never_crashes)
{
	uint32_t state = 0x12345678;
	unsigned char buf[160];
	struct pt_nl_msg msg;
	int i, r, accepted = 0;
	size_t len, j;

	for (i = 0; i < 200000; i++) {
		len = rnd(&state) % sizeof(buf);
		for (j = 0; j < len; j++)
			buf[j] = (unsigned char)rnd(&state);
		if (i % 2) {
			/* plausible headers, so the deeper checks are reached */
			struct nlmsghdr nlh = {.nlmsg_len = (uint32_t)len,
					       .nlmsg_type = NLMSG_DONE};
			struct cn_msg cn = {.id = {PT_CN_IDX_PROC, PT_CN_VAL_PROC}};

			cn.len = (uint16_t)(rnd(&state) % 64);
			if (len >= NLMSG_HDRLEN + sizeof(cn)) {
				memcpy(buf, &nlh, sizeof(nlh));
				memcpy(buf + NLMSG_HDRLEN, &cn, sizeof(cn));
			}
		}
		r = pt_nl_decode(buf, len, &msg);
		cr_assert(r == -EINVAL || r == PT_NL_IGNORED || r == PT_NL_EVENT || r == PT_NL_ACK);
		if (r >= 0) {
			accepted++;
			cr_assert_gt(msg.len, 0);
			cr_assert_leq(msg.len, len);
		}
		if (r == PT_NL_EVENT) {
			if (msg.raw.type == PT_EV_EXIT)
				cr_assert_geq(msg.raw.u.exit.status, 0,
					      "-1 means unknown to the core");
			cr_assert_gt(msg.raw.pid, 0);
			cr_assert_gt(msg.raw.tid, 0);
			cr_assert_lt(msg.raw.type, PT_EV_COUNT);
		}
	}
	cr_assert_gt(accepted, 0, "the plausible half reaches the decoder");
}

Test(seq, first_sight_counts_zero)
{
	struct pt_nl_seq s;

	pt_nl_seq_init(&s);
	cr_assert_eq(pt_nl_seq_gap(&s, 0, 1000), 0);
	cr_assert_eq(pt_nl_seq_gap(&s, 0, 1001), 0);
	cr_assert_eq(pt_nl_seq_gap(&s, 0, 1002), 0);
	pt_nl_seq_free(&s);
}

Test(seq, gaps_are_counted)
{
	struct pt_nl_seq s;

	pt_nl_seq_init(&s);
	cr_assert_eq(pt_nl_seq_gap(&s, 0, 10), 0);
	cr_assert_eq(pt_nl_seq_gap(&s, 0, 14), 3);
	cr_assert_eq(pt_nl_seq_gap(&s, 0, 15), 0);
	cr_assert_eq(pt_nl_seq_gap(&s, 0, 115), 99);
	pt_nl_seq_free(&s);
}

Test(seq, cpus_are_independent)
{
	struct pt_nl_seq s;

	pt_nl_seq_init(&s);
	cr_assert_eq(pt_nl_seq_gap(&s, 0, 10), 0);
	cr_assert_eq(pt_nl_seq_gap(&s, 1, 500), 0, "first sight of cpu 1");
	cr_assert_eq(pt_nl_seq_gap(&s, 0, 11), 0);
	cr_assert_eq(pt_nl_seq_gap(&s, 1, 502), 1);
	cr_assert_eq(pt_nl_seq_gap(&s, 0, 13), 1);
	cr_assert_eq(pt_nl_seq_gap(&s, 1000, 7), 0, "a high cpu number grows the table");
	cr_assert_eq(pt_nl_seq_gap(&s, 1000, 9), 1);
	cr_assert_eq(pt_nl_seq_gap(&s, 1, 503), 0, "growing kept the others");
	pt_nl_seq_free(&s);
}

Test(seq, wraps)
{
	struct pt_nl_seq s;

	pt_nl_seq_init(&s);
	cr_assert_eq(pt_nl_seq_gap(&s, 3, 0xfffffffe), 0);
	cr_assert_eq(pt_nl_seq_gap(&s, 3, 0xffffffff), 0);
	cr_assert_eq(pt_nl_seq_gap(&s, 3, 0), 0);
	cr_assert_eq(pt_nl_seq_gap(&s, 3, 2), 1);
	cr_assert_eq(pt_nl_seq_gap(&s, 3, 0xfffffff0), 0, "a step backwards restarts the count");
	cr_assert_eq(pt_nl_seq_gap(&s, 3, 5), 20, "gap across the wrap");
	pt_nl_seq_free(&s);
}

Test(seq, duplicates_and_backwards_count_zero)
{
	struct pt_nl_seq s;

	pt_nl_seq_init(&s);
	cr_assert_eq(pt_nl_seq_gap(&s, 0, 100), 0);
	cr_assert_eq(pt_nl_seq_gap(&s, 0, 100), 0);
	cr_assert_eq(pt_nl_seq_gap(&s, 0, 50), 0);
	cr_assert_eq(pt_nl_seq_gap(&s, 0, 52), 1, "counting resumes from the new position");
	pt_nl_seq_free(&s);
}

Test(seq, untracked_cpus_count_zero)
{
	struct pt_nl_seq s;

	pt_nl_seq_init(&s);
	cr_assert_eq(pt_nl_seq_gap(&s, UINT32_MAX, 1), 0, "ACKs of older kernels");
	cr_assert_eq(pt_nl_seq_gap(&s, UINT32_MAX, 10), 0);
	cr_assert_eq(pt_nl_seq_gap(&s, PT_NL_SEQ_MAX_CPU, 1), 0);
	cr_assert_eq(pt_nl_seq_gap(&s, PT_NL_SEQ_MAX_CPU, 10), 0);
	cr_assert_eq(s.ncpu, 0, "nothing allocated for them");
	pt_nl_seq_free(&s);
	pt_nl_seq_free(&s);
}

/* ---- how exec readers share the EXECs: the predicate and its socket filter ---- */

static const uint32_t share_cpus[] = {0, 1,  2,	 3,   4,   5,	6,    7,    8,
				      9, 63, 64, 255, 256, 257, 1000, 65535};

/* Whether a datagram sent to a socket carrying filter f reaches it. */
static bool passes(int fd[2], const struct canned *c)
{
	unsigned char got[sizeof(c->buf)];

	cr_assert_eq(send(fd[0], c->buf, c->len, 0), (ssize_t)c->len, "send: %m");
	return recv(fd[1], got, sizeof(got), MSG_DONTWAIT) == (ssize_t)c->len;
}

static void check_filter(const struct pt_nl_share *sh)
{
	struct sock_filter f[PT_NL_SHARE_FILTER_MAX];
	struct sock_fprog prog = {.filter = f};
	struct pt_proc_event ev;
	struct canned c;
	int fd[2];

	prog.len = (unsigned short)pt_nl_share_filter(sh, f);
	cr_assert(prog.len > 0 && prog.len <= PT_NL_SHARE_FILTER_MAX);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, fd), 0, "socketpair: %m");
	cr_assert_eq(setsockopt(fd[1], SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)), 0,
		     "the kernel rejects the filter of reader %u of %u (own %d, others %u): %m",
		     sh->idx, sh->n, sh->own, sh->others);
	for (size_t i = 0; i < PT_ARRAY_SIZE(share_cpus); i++) {
		ev = event(PT_PROC_EVENT_EXEC);
		ev.cpu = share_cpus[i];
		build(&c, &ev, EV_LEN, 1, 0);
		cr_assert_eq(passes(fd, &c), pt_nl_share_takes(sh, share_cpus[i]),
			     "reader %u of %u (own %d, others %u), EXEC of CPU %u: the filter "
			     "and pt_nl_share_takes() disagree",
			     sh->idx, sh->n, sh->own, sh->others, share_cpus[i]);
		/* whatever is not an EXEC passes, from any CPU */
		ev = event(PT_PROC_EVENT_FORK);
		ev.cpu = share_cpus[i];
		build(&c, &ev, EV_LEN, 1, 0);
		cr_assert(passes(fd, &c), "a FORK of CPU %u was filtered out", share_cpus[i]);
	}
	ev = event(PT_PROC_EVENT_EXEC);
	build(&c, &ev, 2, 1, 0);
	c.len = NLMSG_HDRLEN + sizeof(struct cn_msg) + 2;
	cr_assert(passes(fd, &c), "a message too short to hold a CPU was filtered out");
	close(fd[0]);
	close(fd[1]);
}

Test(share, the_socket_filter_passes_what_the_predicate_says)
{
	static const int owns[] = {-1, 0, 1, 5, 256};

	for (unsigned n = 1; n <= 9; n++)
		for (unsigned idx = 0; idx < n; idx++)
			for (unsigned others = 0; others < n && others <= PT_NL_SHARE_OTHERS_MAX;
			     others++)
				for (size_t o = 0; o < PT_ARRAY_SIZE(owns); o++) {
					struct pt_nl_share sh = {n, idx, others, owns[o]};

					check_filter(&sh);
				}
}

/* One reader pinned to each of CPUs 0..n-1: each CPU's EXECs go to the reader on
 * that CPU and to `others` readers on other CPUs; other CPUs' to `others` readers. */
Test(share, each_exec_goes_to_its_cpus_reader_and_to_others_elsewhere)
{
	for (unsigned n = 2; n <= 8; n++) {
		unsigned others = n - 1 < 2 ? n - 1 : 2;

		for (uint32_t cpu = 0; cpu < 3 * n; cpu++) {
			unsigned own = 0, elsewhere = 0;

			for (unsigned idx = 0; idx < n; idx++) {
				struct pt_nl_share sh = {n, idx, others, (int)idx};

				if (!pt_nl_share_takes(&sh, cpu))
					continue;
				if (idx == cpu)
					own++;
				else
					elsewhere++;
			}
			cr_assert_eq(own, cpu < n ? 1u : 0u, "n %u CPU %u: own reader", n, cpu);
			cr_assert_eq(elsewhere, others, "n %u CPU %u: readers on other CPUs", n,
				     cpu);
		}
	}
}

/* The event socket's batching: long with a buffer that holds it (the default
 * 32M, read back as 64M), short with one capped by net.core.rmem_max (212992,
 * read back doubled) or a small --rcvbuf, and never 0 (a timerfd of 0 is off). */
Test(batch, the_delay_follows_the_receive_buffer)
{
	cr_assert_eq(pt_nl_batch_delay_ns(64L << 20), 25000000L);
	cr_assert_eq(pt_nl_batch_delay_ns(4L << 20), 25000000L);
	cr_assert_eq(pt_nl_batch_delay_ns((4L << 20) - 1), 10000000L);
	cr_assert_eq(pt_nl_batch_delay_ns(2 * 212992L), 10000000L);
	cr_assert_eq(pt_nl_batch_delay_ns(2 * 4096L), 10000000L);
	cr_assert_eq(pt_nl_batch_delay_ns(-1), 10000000L, "no reading: short");
}
