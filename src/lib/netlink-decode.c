/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Proc connector message decoding and per-CPU sequence tracking (no I/O). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include "linux/cn_proc_compat.h"
#include "netlink-decode.h"

#define CN_HDRLEN sizeof(struct cn_msg)

size_t pt_nl_event_min_len(uint32_t what)
{
	struct pt_proc_event *e = NULL;

	switch (what) {
	case PT_PROC_EVENT_NONE:
		return sizeof(e->event_data.ack);
	case PT_PROC_EVENT_FORK:
		return sizeof(e->event_data.fork);
	case PT_PROC_EVENT_EXEC:
		return sizeof(e->event_data.exec);
	case PT_PROC_EVENT_UID:
	case PT_PROC_EVENT_GID:
		return sizeof(e->event_data.id);
	case PT_PROC_EVENT_SID:
		return sizeof(e->event_data.sid);
	case PT_PROC_EVENT_PTRACE:
		return sizeof(e->event_data.ptrace);
	case PT_PROC_EVENT_COMM:
		return sizeof(e->event_data.comm);
	case PT_PROC_EVENT_COREDUMP:
		/* the parent fields were added in 4.18 */
		return 2 * sizeof(__kernel_pid_t);
	case PT_PROC_EVENT_EXIT:
		return 2 * sizeof(__kernel_pid_t) + 2 * sizeof(__u32);
	default:
		return 0;
	}
}

static int subject(struct pt_raw *raw, __kernel_pid_t pid, __kernel_pid_t tgid)
{
	if (pid <= 0 || tgid <= 0)
		return -EINVAL;
	raw->pid = tgid;
	raw->tid = pid;
	return 0;
}

/*
 * exit_code is a wait(2) status (`exit 3` is 0x300, SIGKILL 0x9, 0x80 = core
 * dumped) and is passed on as one: u.exit.status stays wait-encoded, as the
 * core expects (-1 is kept for "unknown"); signal and core are decoded too.
 */
static void decode_exit_code(struct pt_raw *raw, uint32_t code)
{
	uint32_t sig = code & 0x7f;

	raw->u.exit.status = (int)(code & 0xffff);
	raw->u.exit.signal = 0;
	raw->u.exit.core = false;
	if (sig != 0 && sig != 0x7f) {
		raw->u.exit.signal = (int)sig;
		raw->u.exit.core = (code & 0x80) != 0;
	}
}

static int decode_event(const struct pt_proc_event *ev, struct pt_raw *raw)
{
	const __typeof__(ev->event_data) *d = &ev->event_data;

	switch (ev->what) {
	case PT_PROC_EVENT_FORK:
		/* For a thread (child_pid != child_tgid) the parent fields are the
		 * process's real_parent, not the thread that called clone(). */
		raw->type = PT_EV_FORK;
		raw->ppid = d->fork.parent_tgid;
		raw->ptid = d->fork.parent_pid;
		return subject(raw, d->fork.child_pid, d->fork.child_tgid);
	case PT_PROC_EVENT_EXEC:
		raw->type = PT_EV_EXEC;
		return subject(raw, d->exec.process_pid, d->exec.process_tgid);
	case PT_PROC_EVENT_UID:
	case PT_PROC_EVENT_GID:
		raw->type = ev->what == PT_PROC_EVENT_UID ? PT_EV_UID : PT_EV_GID;
		raw->u.id.r = d->id.r;
		raw->u.id.e = d->id.e;
		return subject(raw, d->id.process_pid, d->id.process_tgid);
	case PT_PROC_EVENT_SID:
		raw->type = PT_EV_SID;
		return subject(raw, d->sid.process_pid, d->sid.process_tgid);
	case PT_PROC_EVENT_PTRACE:
		raw->type = PT_EV_PTRACE;
		raw->u.tracer.pid = d->ptrace.tracer_tgid; /* 0 on detach */
		raw->u.tracer.tid = d->ptrace.tracer_pid;
		return subject(raw, d->ptrace.process_pid, d->ptrace.process_tgid);
	case PT_PROC_EVENT_COMM:
		/* comm[16] need not be NUL-terminated on the wire */
		raw->type = PT_EV_COMM;
		memcpy(raw->u.comm, d->comm.comm, strnlen(d->comm.comm, PT_COMM_LEN - 1));
		return subject(raw, d->comm.process_pid, d->comm.process_tgid);
	case PT_PROC_EVENT_COREDUMP:
		raw->type = PT_EV_COREDUMP;
		raw->ppid = d->coredump.parent_tgid;
		raw->ptid = d->coredump.parent_pid;
		return subject(raw, d->coredump.process_pid, d->coredump.process_tgid);
	case PT_PROC_EVENT_EXIT:
		/* A thread's exit has pid != tgid, exit_signal -1 and parents 0/0. */
		raw->type = PT_EV_EXIT;
		raw->ppid = d->exit.parent_tgid;
		raw->ptid = d->exit.parent_pid;
		decode_exit_code(raw, d->exit.exit_code);
		return subject(raw, d->exit.process_pid, d->exit.process_tgid);
	default:
		return -EINVAL;
	}
}

int pt_nl_decode(const void *buf, size_t len, struct pt_nl_msg *msg)
{
	const unsigned char *p = buf;
	struct nlmsghdr nlh;
	struct cn_msg cn;
	struct pt_proc_event ev;
	size_t payload, need;

	memset(msg, 0, sizeof(*msg));
	if (!buf || len < NLMSG_HDRLEN)
		return -EINVAL;
	memcpy(&nlh, p, sizeof(nlh));
	if (nlh.nlmsg_len < NLMSG_HDRLEN || nlh.nlmsg_len > len)
		return -EINVAL;
	/* the connector sends every message as a one-part NLMSG_DONE */
	if (nlh.nlmsg_type != NLMSG_DONE)
		return -EINVAL;
	payload = nlh.nlmsg_len - NLMSG_HDRLEN;
	if (payload < CN_HDRLEN)
		return -EINVAL;
	memcpy(&cn, p + NLMSG_HDRLEN, CN_HDRLEN);
	if (cn.id.idx != PT_CN_IDX_PROC || cn.id.val != PT_CN_VAL_PROC)
		return -EINVAL;
	if (cn.len > payload - CN_HDRLEN || cn.len < PT_PROC_EVENT_HDRLEN)
		return -EINVAL;

	memset(&ev, 0, sizeof(ev));
	memcpy(&ev, p + NLMSG_HDRLEN + CN_HDRLEN, cn.len < sizeof(ev) ? cn.len : sizeof(ev));
	msg->what = ev.what;
	msg->cpu = ev.cpu;
	msg->timestamp_ns = ev.timestamp_ns;
	msg->seq = cn.seq;
	msg->ack = cn.ack;
	msg->len = NLMSG_ALIGN(nlh.nlmsg_len) < len ? NLMSG_ALIGN(nlh.nlmsg_len) : len;

	need = pt_nl_event_min_len(ev.what);
	if (need == 0)
		return PT_NL_IGNORED;
	if (cn.len - PT_PROC_EVENT_HDRLEN < need)
		return -EINVAL;
	if (ev.what == PT_PROC_EVENT_NONE) {
		msg->ack_err = ev.event_data.ack.err;
		return PT_NL_ACK;
	}
	if (decode_event(&ev, &msg->raw) < 0) {
		memset(&msg->raw, 0, sizeof(msg->raw));
		return -EINVAL;
	}
	return PT_NL_EVENT;
}

void pt_nl_seq_init(struct pt_nl_seq *s)
{
	s->cpu = NULL;
	s->ncpu = 0;
}

void pt_nl_seq_free(struct pt_nl_seq *s)
{
	free(s->cpu);
	pt_nl_seq_init(s);
}

static bool seq_grow(struct pt_nl_seq *s, uint32_t cpu)
{
	uint32_t n = s->ncpu ? s->ncpu : 64;
	struct pt_nl_seq_cpu *c;

	while (n <= cpu)
		n *= 2;
	if (n > PT_NL_SEQ_MAX_CPU)
		n = PT_NL_SEQ_MAX_CPU;
	c = realloc(s->cpu, n * sizeof(*c));
	if (!c)
		return false;
	memset(c + s->ncpu, 0, (n - s->ncpu) * sizeof(*c));
	s->cpu = c;
	s->ncpu = n;
	return true;
}

uint32_t pt_nl_seq_gap(struct pt_nl_seq *s, uint32_t cpu, uint32_t seq)
{
	struct pt_nl_seq_cpu *c;
	uint32_t skipped;

	if (cpu >= PT_NL_SEQ_MAX_CPU)
		return 0;
	if (cpu >= s->ncpu && !seq_grow(s, cpu))
		return 0;
	c = &s->cpu[cpu];
	skipped = seq - c->last - 1; /* modulo 2^32 */
	if (!c->seen || skipped >= UINT32_C(0x80000000))
		skipped = 0;
	c->seen = true;
	c->last = seq;
	return skipped;
}

bool pt_nl_share_takes(const struct pt_nl_share *sh, uint32_t cpu)
{
	unsigned n = sh->n;

	if (sh->own >= 0 && cpu == (uint32_t)sh->own)
		return true;
	return (cpu % n + n - sh->idx - 1) % n < sh->others;
}

/*
 * Classic BPF loads words big-endian: proc_event.cpu is read byte by byte on
 * a little-endian host (CPUs up to 65535). Jumps are relative to the next
 * instruction; those to `accept` are patched once it is placed.
 */
unsigned pt_nl_share_filter(const struct pt_nl_share *sh, struct sock_filter *f)
{
	const uint32_t off_what = NLMSG_HDRLEN + sizeof(struct cn_msg);
	const uint32_t off_cpu = off_what + 4;
	unsigned to_accept[1 + PT_NL_SHARE_OTHERS_MAX]; /* taken when true */
	unsigned not_exec[2]; /* taken when false */
	unsigned k = 0, nt = 0, accept;

	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0);
	not_exec[0] = k;
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, off_cpu + 4, 0, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, off_what);
	not_exec[1] = k;
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(PT_PROC_EVENT_EXEC),
					      0, 0);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_ABS, off_cpu);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_MISC | BPF_TAX, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_ABS, off_cpu + 1);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 8);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_OR | BPF_X, 0);
#else
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, off_cpu);
#endif
	if (sh->own >= 0) {
		to_accept[nt++] = k;
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)sh->own,
						      0, 0);
	}
	f[k++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, sh->n);
	for (unsigned j = 1; j <= sh->others && j <= PT_NL_SHARE_OTHERS_MAX; j++) {
		to_accept[nt++] = k;
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						      (sh->idx + j) % sh->n, 0, 0);
	}
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	accept = k;
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffffffffu);
	for (unsigned j = 0; j < 2; j++)
		f[not_exec[j]].jf = (uint8_t)(accept - not_exec[j] - 1);
	for (unsigned j = 0; j < nt; j++)
		f[to_accept[j]].jt = (uint8_t)(accept - to_accept[j] - 1);
	return k;
}

long pt_nl_batch_delay_ns(long rcvbuf)
{
	return rcvbuf >= PT_NL_BATCH_LONG_MIN_RCVBUF ? PT_NL_BATCH_LONG_NS : PT_NL_BATCH_SHORT_NS;
}
