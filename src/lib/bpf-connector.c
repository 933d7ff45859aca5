/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The BPF tier's side channel: a proc connector socket subscribed (Linux
 * 6.6+ event filter) to uid, gid, sid, ptrace and coredump events only.
 *
 * Why not BPF: these events have no tracepoint, and fentry/kprobe on the
 * connector's hooks (proc_id_connector & co) are not available everywhere
 * (this kernel refuses fentry with EPERM and has no kprobes). The proc
 * connector reports them at the kernel call sites the netlink tier relies on,
 * so both tiers give the same events. With the filter, fork, exec and exit
 * never reach this socket: process storms cost it nothing. Without the filter
 * (before 6.6) the socket would receive every event, so it is not used.
 *
 * Plain socket calls, no libmnl: the BPF tier does not depend on it.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <linux/connector.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "linux/cn_proc_compat.h"
#include "netlink-decode.h"
#include "bpf-connector.h"

#define ACK_MS 250
#define RCVBUF (1u << 20)

static int send_op(int fd, uint32_t op, uint32_t mask, uint32_t cookie)
{
	/* nlmsghdr, cn_msg, proc_input back to back: cn_msg ends in a flexible
	 * array, so no struct can hold the three (clang -Wgnu-variable-sized-...) */
	union {
		uint8_t b[NLMSG_HDRLEN + sizeof(struct cn_msg) + sizeof(struct pt_proc_input)];
		struct nlmsghdr align;
	} m;
	struct nlmsghdr *nlh = (struct nlmsghdr *)m.b;
	struct cn_msg *cn = (struct cn_msg *)(m.b + NLMSG_HDRLEN);
	struct pt_proc_input in = {.mcast_op = op, .event_type = mask};
	struct sockaddr_nl to = {.nl_family = AF_NETLINK};

	_Static_assert(sizeof(struct nlmsghdr) == NLMSG_HDRLEN, "nlmsghdr is aligned");
	memset(&m, 0, sizeof(m));
	nlh->nlmsg_len = sizeof(m.b);
	nlh->nlmsg_type = NLMSG_DONE;
	cn->id.idx = PT_CN_IDX_PROC;
	cn->id.val = PT_CN_VAL_PROC;
	cn->seq = cookie;
	cn->ack = cookie;
	cn->len = sizeof(in);
	memcpy(m.b + NLMSG_HDRLEN + sizeof(*cn), &in, sizeof(in));
	if (sendto(fd, m.b, sizeof(m.b), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct ack_wait {
	uint32_t cookie;
	bool acked;
	uint32_t err;
};

static void ack_fn(void *arg, struct pt_nl_msg *msg, int kind)
{
	struct ack_wait *w = arg;

	if (kind == PT_NL_ACK && msg->ack == w->cookie + 1) {
		w->acked = true;
		w->err = msg->ack_err;
	}
}

/* Each message of what is waiting to fn; 0, or -errno (-EAGAIN: nothing left). */
static int read_some(struct pt_cn_side *c, void (*fn)(void *, struct pt_nl_msg *, int), void *arg)
{
	char buf[8192] __attribute__((aligned(8)));
	struct sockaddr_nl from;
	socklen_t flen = sizeof(from);
	struct pt_nl_msg msg;
	size_t off = 0;
	ssize_t n;

	n = recvfrom(c->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&from,
		     &flen);
	if (n < 0)
		return -errno;
	/* only the kernel (port 0) sends proc events */
	if (flen < sizeof(from) || from.nl_pid != 0 || (size_t)n > sizeof(buf))
		return 0;
	while (off < (size_t)n) {
		int kind = pt_nl_decode(buf + off, (size_t)n - off, &msg);

		if (kind < 0) {
			c->malformed++;
			break;
		}
		fn(arg, &msg, kind);
		off += msg.len;
	}
	return 0;
}

static int wait_ack(struct pt_cn_side *c, uint32_t cookie)
{
	struct ack_wait w = {.cookie = cookie};
	int64_t end = mono_ms() + ACK_MS;
	struct pollfd pfd = {.fd = c->fd, .events = POLLIN};

	while (!w.acked) {
		int64_t left = end - mono_ms();
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
		r = read_some(c, ack_fn, &w);
		if (r < 0 && r != -EAGAIN && r != -EINTR && r != -ENOBUFS)
			return r;
	}
	return w.err ? -(int)w.err : 0;
}

static uint32_t new_cookie(void)
{
	uint32_t v;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v))
		v = (uint32_t)mono_ms() ^ ((uint32_t)getpid() << 16);
	return v;
}

void pt_cn_side_init(struct pt_cn_side *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

int pt_cn_side_open(struct pt_cn_side *c, uint32_t mask, char *why, size_t len)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = PT_CN_IDX_PROC};
	int r = pt_procfs_cn_proc(), rcv = RCVBUF;
	uint32_t cookie;

	pt_cn_side_init(c);
	if (r == -ENOENT || r == 0) {
		snprintf(why, len, "kernel built without %s",
			 r ? "CONFIG_CONNECTOR" : "CONFIG_PROC_EVENTS");
		return -ENOENT;
	}
	c->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
	if (c->fd < 0) {
		r = -errno;
		snprintf(why, len, "proc connector socket: %s", strerror(-r));
		return r;
	}
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		snprintf(why, len, "proc connector: bind: %s%s", strerror(-r),
			 r != -EPERM ? ""
				 : pt_kernel_at_least(6, 6)
				 ? " (needs CAP_NET_ADMIN: this kernel lets no "
				   "unprivileged user listen, as Linux >= 6.6 may)"
				 : " (CAP_NET_ADMIN is needed before Linux 6.6)");
		goto fail;
	}
	setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	/* A LISTEN for every event is ACKed, and only by 6.6+ in its new form:
	 * that tells the filter exists and the kernel hears us. The narrower
	 * LISTEN then replaces this socket's filter (and gets no ACK). */
	cookie = new_cookie();
	r = send_op(c->fd, PT_PROC_CN_MCAST_LISTEN, PT_PROC_EVENT_ALL, cookie);
	if (r == 0)
		c->listening = true;
	if (r == 0)
		r = wait_ack(c, cookie);
	if (r == -ETIMEDOUT) {
		snprintf(why, len,
			 "proc connector: no reply to a filtered subscription (Linux < 6.6, or "
			 "not the initial user or PID namespace)");
		goto fail;
	}
	if (r < 0) {
		snprintf(why, len, "proc connector: subscribing: %s%s", strerror(-r),
			 r == -ECONNREFUSED ? " (not the initial network namespace)" : "");
		goto fail;
	}
	r = send_op(c->fd, PT_PROC_CN_MCAST_LISTEN, mask, new_cookie());
	if (r < 0) {
		snprintf(why, len, "proc connector: subscribing: %s", strerror(-r));
		goto fail;
	}
	c->mask = mask;
	return 0;
fail:
	pt_cn_side_close(c);
	return r;
}

void pt_cn_side_close(struct pt_cn_side *c)
{
	if (c->fd < 0)
		return;
	/* the kernel's listener count is not decremented on close */
	if (c->listening)
		send_op(c->fd, PT_PROC_CN_MCAST_IGNORE, 0, new_cookie());
	close(c->fd);
	c->fd = -1;
	c->listening = false;
}

static uint32_t drops(const struct pt_cn_side *c)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	if (getsockopt(c->fd, SOL_SOCKET, SO_MEMINFO, mem, &len) < 0 ||
	    len <= SK_MEMINFO_DROPS * sizeof(mem[0]))
		return 0;
	return mem[SK_MEMINFO_DROPS];
}

int pt_cn_side_read(struct pt_cn_side *c, void (*fn)(void *, struct pt_nl_msg *, int), void *arg,
		    uint64_t *lost)
{
	int n = 0, r;

	if (c->fd < 0)
		return 0;
	for (;;) {
		r = read_some(c, fn, arg);
		if (r == -EAGAIN || r == -EINTR)
			return n;
		if (r == -ENOBUFS) {
			/* the socket stays usable; the kernel counted what it dropped */
			uint32_t d = drops(c);

			*lost += d > c->drops ? d - c->drops : 1;
			c->drops = d;
			continue;
		}
		if (r < 0)
			return r;
		n++;
	}
}
