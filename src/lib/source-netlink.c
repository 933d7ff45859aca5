/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The netlink tier: the proc connector (NETLINK_CONNECTOR, CN_IDX_PROC).
 *
 * Two kinds of socket. The event socket subscribes to every event and is read
 * by the core's thread in dispatch(): the kernel's receive queue is the bounded
 * queue between kernel and core, and the kernel counts its overruns. Each exec
 * socket subscribes to EXEC only (Linux >= 6.6; to everything before) and is
 * read by a reader thread that does one job: on each EXEC it reads the new
 * image's argv, exe, stat and status from /proc before the process can exit (a
 * static binary lives ~0.1 ms). It hands what it read to the core's thread
 * through a single-producer single-consumer ring, keyed by the message's
 * (cpu, seq), which every socket's copy of one event shares.
 *
 * Why two: measured on 2 vCPUs, one real-time reader of every event cost about
 * twice extrace's CPU, mostly in context switches for FORK and EXIT. Woken for
 * EXEC only, with the core's thread woken at most every batch_ns, the
 * reader reads argv for >= 99.9% of short-lived processes.
 *
 * How many readers. With SCHED_FIFO (CAP_SYS_NICE), one reader preempts the
 * exec'd process wherever it runs. Without it, a reader on another CPU may be
 * busy with another process, and one on the process's own CPU may wait behind
 * it until it has exited. So by default, when SCHED_FIFO is not permitted,
 * there is one reader pinned to each CPU (up to READERS_AUTO_MAX), and a
 * classic BPF filter on each exec socket gives each EXEC to two readers: the
 * one on its CPU and one on another (pt_nl_share in netlink-decode.h), and
 * whichever runs first reads it. Measured on 2 vCPUs as nobody with
 * CAP_NET_ADMIN, with four static short-lived processes in flight: argv of
 * 95-96% with the other CPU's reader alone, 99.4-99.7% with both, at the same
 * CPU; with one in flight, 99.2-100% and 99.9-100%, at a quarter more CPU.
 * When two readers get one EXEC, the first to claim its (cpu, seq) in a table
 * of per-CPU atomics reads it; a claim is one compare-and-swap, so no reader
 * ever waits for another.
 *
 * Events are passed through faithfully and in order. In particular, when a
 * non-leader thread calls exec the kernel sends EXIT tgid/tgid (the old
 * leader) and then EXEC tgid/tgid; the core keeps such a leader EXIT pending
 * while other threads are known and cancels it on the EXEC (monitor.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#if HAVE_LIBMNL

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>

#include <libmnl/libmnl.h>
#include <linux/connector.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "linux/cn_proc_compat.h"
#include "netlink-decode.h"

#define RING_LEN 65536u /* exec details between a reader and core; a power of 2 */
#define PENDING_MAX 256 /* exec details that arrived out of order */
#define EXEC_READS_MAX 64 /* execs between a reader's first and second step */
#define DISPATCH_BUDGET 4096 /* datagrams per dispatch call */
#define RECV_BATCH 32 /* datagrams per recvmmsg */
#define RECV_SLOT 1024 /* bytes per datagram; proc connector messages are 76 */
#define ACK_TIMEOUT_MS 250
#define READER_TIMEOUT_MS 100 /* how often a blocked reader looks at the stop flag */
#define EXEC_WAIT_NS 50000000 /* longest the core waits for the readers' details */
#define READERS_AUTO_MAX 8 /* pinned readers by default, one per CPU up to this */
#define READERS_MAX 64
#define FILTER_OTHERS 1 /* readers on other CPUs that get each EXEC; see pt_nl_share */
#define RT_PRIORITY 10
#define SHORT_SLICE_NS 100000 /* the reader's slice when not real-time (EEVDF, 6.12+) */
#define DEFAULT_RCVBUF (32u << 20)

static const char reason_overrun[] = "netlink receive buffer overrun";
static const char reason_gap[] = "proc connector sequence gap";

struct exec_info {
	uint32_t cpu, seq; /* of the EXEC message */
	struct pt_proc *info;
};

/* The new image of an exec'd process, read in two steps (procfs-exec.c). */
struct exec_read {
	uint32_t cpu, seq; /* of the EXEC message */
	struct pt_exec_read r;
};

struct recv_batch {
	struct mmsghdr mm[RECV_BATCH];
	struct iovec iov[RECV_BATCH];
	struct sockaddr_nl addr[RECV_BATCH];
	char buf[RECV_BATCH][RECV_SLOT] __attribute__((aligned(8)));
};

struct nl_sock {
	struct mnl_socket *nl;
	int fd;
	bool taken; /* a LISTEN was taken: IGNORE is owed */
};

struct nl_source;

/* One reader thread: its exec socket, its reads in progress, its ring. */
struct nl_reader {
	struct nl_source *s;
	unsigned idx;
	int cpu; /* pinned to; -1: anywhere */
	int own; /* the CPU whose EXECs it takes as the reader on that CPU; -1: none */
	struct nl_sock ex;
	pthread_t thread;
	bool thread_started;
	bool running; /* past the handshake: ACKs are no longer looked at */
	atomic_bool dead; /* stopped on an error: the core no longer waits for it */
	struct recv_batch *batch;
	char *argbuf;
	int64_t boot_off_ns;
	atomic_ullong *last; /* per CPU: 1 << 32 | the last seq this reader handled */
	struct exec_read reads[EXEC_READS_MAX];
	bool skip[EXEC_READS_MAX]; /* claimed by another reader: progress only */
	unsigned nreads;
	atomic_ullong overruns;
	atomic_int error; /* the reader's fatal errno */

	/* ring: written by the reader, read by the core's thread */
	struct exec_info *ring;
	atomic_uint head, tail;
};

struct nl_source {
	struct pt_monitor *m; /* NULL when probing */
	const struct pt_procfs *fs;
	long clk_tck;
	size_t args_max;
	bool legacy; /* Linux < 6.6: the 4-byte subscription, no filtering */

	struct nl_sock ev; /* every event; read by dispatch() */
	int epfd; /* what the core polls: ev (one-shot) and tfd */
	int tfd; /* re-arms ev batch_ns after a dispatch that found events */
	long batch_ns; /* pt_nl_batch_delay_ns() of ev's receive buffer */

	/* handshake: an ACK carries the request's cn_msg.ack + 1 */
	uint32_t cookie[2];
	unsigned ncookies;
	bool acked;
	uint32_t ack_err;

	/* core's thread */
	struct recv_batch *batch;
	char *argbuf; /* args_max + 1 bytes */
	int64_t boot_off_ns; /* CLOCK_BOOTTIME - CLOCK_MONOTONIC */
	struct pt_nl_seq seq;
	bool meminfo_ok;
	uint32_t drops_raw; /* SK_MEMINFO_DROPS at the last read */
	uint64_t drops; /* socket drops reported */
	uint64_t gaps; /* sequence numbers skipped, all CPUs */
	uint64_t gaps_reported; /* of which reported as not explained by drops */
	struct exec_info pending[PENDING_MAX];
	unsigned npending;
	uint64_t unknown, late_reads, ex_overruns_seen;

	/* the readers */
	struct nl_reader *rd;
	unsigned nreaders;
	bool filtered; /* each reader gets the EXECs of some CPUs only */
	bool short_slice; /* readers ask for SHORT_SLICE_NS at their start */
	int slice_err; /* what came of it, reported through started */
	sem_t started;
	atomic_bool stop;
	uint32_t ex_ncpu; /* CPUs tracked in claim and each reader's last */
	atomic_ullong *claim; /* per CPU: 1 << 32 | the last seq a reader took */
};

/* ---- clocks ---- */

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t boot_offset(void)
{
	return clock_ns(CLOCK_BOOTTIME) - clock_ns(CLOCK_MONOTONIC);
}

/* A CLOCK_MONOTONIC timestamp in the ticks of stat field 22 (start time). */
static uint64_t mono_ns_to_ticks(const struct nl_source *s, int64_t boot_off, uint64_t mono_ns)
{
	int64_t ns = (int64_t)mono_ns + boot_off;

	if (ns < 0)
		return 0;
	if (1000000000 % s->clk_tck == 0)
		return (uint64_t)ns / (uint64_t)(1000000000 / s->clk_tck);
	return (uint64_t)((unsigned __int128)ns * (uint64_t)s->clk_tck / 1000000000u);
}

static void free_info(struct pt_proc *p)
{
	if (p) {
		pt_proc_clear(p);
		free(p);
	}
}

/* ---- receiving ---- */

/*
 * Receive up to RECV_BATCH datagrams. Returns how many, or -errno. recvmmsg
 * rather than mnl_socket_recvfrom(): one syscall for a burst, and the sender's
 * address, which mnl_socket_recvfrom() hides (a process with CAP_NET_ADMIN
 * could otherwise unicast fake events to our port).
 */
static int recv_batch(int fd, struct recv_batch *b, int flags)
{
	int i, n;

	for (i = 0; i < RECV_BATCH; i++) {
		b->iov[i] = (struct iovec){.iov_base = b->buf[i], .iov_len = RECV_SLOT};
		b->mm[i].msg_hdr = (struct msghdr){
			.msg_name = &b->addr[i],
			.msg_namelen = sizeof(b->addr[i]),
			.msg_iov = &b->iov[i],
			.msg_iovlen = 1,
		};
	}
	n = recvmmsg(fd, b->mm, RECV_BATCH, flags, NULL);
	return n < 0 ? -errno : n;
}

typedef void (*msg_fn)(void *ctx, struct pt_nl_msg *msg, int kind);

/*
 * Hand each message of datagram i to fn. Only the kernel (port 0) may send
 * proc events; anything else is skipped. Returns -EINVAL when the datagram
 * was truncated or held a malformed message (the messages before it count).
 */
static int walk_datagram(void *ctx, struct recv_batch *b, int i, msg_fn fn)
{
	const struct msghdr *mh = &b->mm[i].msg_hdr;
	const char *buf = b->buf[i];
	size_t len = b->mm[i].msg_len, off = 0;
	struct pt_nl_msg msg;
	int kind;

	if (mh->msg_namelen < sizeof(b->addr[i]) || b->addr[i].nl_pid != 0)
		return 0;
	if (mh->msg_flags & MSG_TRUNC)
		return -EINVAL;
	while (off < len) {
		kind = pt_nl_decode(buf + off, len - off, &msg);
		if (kind < 0)
			return -EINVAL;
		fn(ctx, &msg, kind);
		off += msg.len;
	}
	return 0;
}

static void check_ack(struct nl_source *s, const struct pt_nl_msg *msg)
{
	unsigned i;

	for (i = 0; i < s->ncookies; i++) {
		if (msg->ack == s->cookie[i] + 1) {
			s->acked = true;
			s->ack_err = msg->ack_err;
		}
	}
}

/* ---- the reader threads: exec socket -> /proc -> ring ---- */

static bool push_info(struct nl_reader *r, const struct exec_info *e)
{
	unsigned t = atomic_load_explicit(&r->tail, memory_order_relaxed);
	const struct timespec nap = {.tv_nsec = 200 * 1000};

	/* When the core falls this far behind, wait: the exec socket then
	 * overruns and the core reads those execs itself, late. */
	while (t - atomic_load_explicit(&r->head, memory_order_acquire) >= RING_LEN) {
		if (atomic_load_explicit(&r->s->stop, memory_order_relaxed))
			return false;
		nanosleep(&nap, NULL);
	}
	r->ring[t & (RING_LEN - 1)] = *e;
	atomic_store_explicit(&r->tail, t + 1, memory_order_release);
	return true;
}

static bool ring_peek(struct nl_reader *r, struct exec_info **e)
{
	unsigned h = atomic_load_explicit(&r->head, memory_order_relaxed);

	if (h == atomic_load_explicit(&r->tail, memory_order_acquire))
		return false;
	*e = &r->ring[h & (RING_LEN - 1)];
	return true;
}

static void ring_drop(struct nl_reader *r)
{
	atomic_fetch_add_explicit(&r->head, 1, memory_order_release);
}

static void publish_progress(struct nl_reader *r, uint32_t cpu, uint32_t seq)
{
	if (cpu < r->s->ex_ncpu)
		atomic_store_explicit(&r->last[cpu], (UINT64_C(1) << 32) | seq,
				      memory_order_release);
}

/*
 * Whether this reader reads the EXEC (cpu, seq): the first reader to claim it
 * does. Readers see one CPU's messages in the order that CPU sent them, so a
 * claim never goes back. One compare-and-swap: no reader waits for another.
 */
static bool claim(struct nl_reader *r, uint32_t cpu, uint32_t seq)
{
	struct nl_source *s = r->s;
	unsigned long long cur, want = (UINT64_C(1) << 32) | seq;

	/* beyond the table: rare enough to let two readers read it */
	if (s->nreaders == 1 || cpu >= s->ex_ncpu)
		return true;
	cur = atomic_load_explicit(&s->claim[cpu], memory_order_relaxed);
	do {
		if ((cur >> 32) && (int32_t)(seq - (uint32_t)cur) <= 0)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(
		&s->claim[cpu], &cur, want, memory_order_relaxed, memory_order_relaxed));
	return true;
}

/* Second step of the oldest exec read, which then goes to the core. */
static void finish_one(struct nl_reader *r)
{
	struct exec_read *x = &r->reads[0];
	struct exec_info e = {.cpu = x->cpu, .seq = x->seq};

	if (!r->skip[0]) {
		e.info = pt_procfs_exec_finish(&x->r);
		if (!push_info(r, &e))
			free_info(e.info);
	}
	/* in order: this and every earlier message of its CPU are handled */
	publish_progress(r, x->cpu, x->seq);
	r->nreads--;
	memmove(&r->reads[0], &r->reads[1], r->nreads * sizeof(r->reads[0]));
	memmove(&r->skip[0], &r->skip[1], r->nreads * sizeof(r->skip[0]));
}

static void ex_msg(void *ctx, struct pt_nl_msg *msg, int kind)
{
	struct nl_reader *r = ctx;
	struct nl_source *s = r->s;
	struct exec_read *x;
	bool mine;

	if (kind == PT_NL_ACK) {
		if (!r->running)
			check_ack(s, msg);
		return;
	}
	if (!s->m)
		return;
	if (kind != PT_NL_EVENT || msg->raw.type != PT_EV_EXEC) {
		/* only before Linux 6.6, which cannot filter */
		if (!r->nreads)
			publish_progress(r, msg->cpu, msg->seq);
		return;
	}
	mine = claim(r, msg->cpu, msg->seq);
	if (!mine && !r->nreads) {
		publish_progress(r, msg->cpu, msg->seq);
		return;
	}
	if (r->nreads == EXEC_READS_MAX)
		finish_one(r);
	x = &r->reads[r->nreads];
	r->skip[r->nreads++] = !mine;
	x->cpu = msg->cpu;
	x->seq = msg->seq;
	if (!mine)
		return;
	x->r.exec_ticks = mono_ns_to_ticks(s, r->boot_off_ns, msg->timestamp_ns);
	pt_procfs_exec_begin(s->fs, r->argbuf, s->args_max, msg->raw.pid, &x->r);
}

static int ex_receive(struct nl_reader *r, int flags)
{
	int i, n = recv_batch(r->ex.fd, r->batch, flags);

	if (n <= 0)
		return n;
	r->boot_off_ns = boot_offset();
	for (i = 0; i < n; i++)
		walk_datagram(r, r->batch, i, ex_msg);
	return n;
}

/* struct sched_attr (include/uapi/linux/sched/types.h), which glibc lacks */
struct slice_attr {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
	uint32_t sched_util_min, sched_util_max;
};

/*
 * Without real-time priority, the reader asks the fair scheduler (EEVDF,
 * Linux >= 6.12) for a short slice: its deadline then comes early and its
 * wakeup preempts the exec'd process instead of waiting behind it. No
 * privilege needed, and no more CPU: measured on 2 vCPUs, argv for 72% of
 * one-at-a-time static processes became 97%. Older kernels ignore it.
 */
static int set_short_slice(void)
{
	struct slice_attr a = {.size = sizeof(a)};

	if (syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0) < 0)
		return errno;
	a.size = sizeof(a);
	a.sched_flags = 0;
	a.sched_runtime = SHORT_SLICE_NS;
	if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
		return errno;
	return 0;
}

/*
 * Between the two steps of one exec the reader looks for new EXECs, so that
 * the first step of every exec waiting in the socket comes before the second
 * step of any: when execs come in bursts, argv is read for all of them before
 * the slower stat and status of the first.
 */
static void *reader_main(void *arg)
{
	struct nl_reader *r = arg;
	struct nl_source *s = r->s;
	int n;

	if (s->short_slice && r->idx == 0)
		s->slice_err = set_short_slice();
	else if (s->short_slice)
		set_short_slice();
	sem_post(&s->started);
	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		n = ex_receive(r, r->nreads ? MSG_DONTWAIT : MSG_WAITFORONE);
		if (n == -ENOBUFS) {
			/* the event socket has these events; the core reads them late */
			atomic_fetch_add_explicit(&r->overruns, 1, memory_order_relaxed);
		} else if (n < 0 && n != -EAGAIN && n != -EINTR) {
			atomic_store(&r->error, -n);
			break;
		}
		if (r->nreads)
			finish_one(r);
	}
	while (r->nreads)
		finish_one(r);
	atomic_store(&r->dead, true);
	return NULL;
}

/* ---- the core's thread: event socket -> pt_core_raw() ---- */

_Static_assert(FILTER_OTHERS <= PT_NL_SHARE_OTHERS_MAX, "the filter has room for so many");

/* How reader i shares the EXECs with the others (pt_nl_share_takes()). */
static struct pt_nl_share reader_share(const struct nl_source *s, unsigned i)
{
	return (struct pt_nl_share){
		.n = s->nreaders,
		.idx = i,
		.others = s->nreaders - 1 < FILTER_OTHERS ? s->nreaders - 1 : FILTER_OTHERS,
		.own = s->rd[i].own,
	};
}

/* Whether reader i gets the EXECs of cpu (its socket's filter, install_filter()). */
static bool reader_takes(const struct nl_source *s, unsigned i, uint32_t cpu)
{
	struct pt_nl_share sh;

	if (!s->filtered)
		return true;
	sh = reader_share(s, i);
	return pt_nl_share_takes(&sh, cpu);
}

static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* Whether every live reader that gets (cpu, seq) has handled it: its details,
 * if read, are in a ring. */
static bool ex_passed(struct nl_source *s, uint32_t cpu, uint32_t seq)
{
	if (cpu >= s->ex_ncpu)
		return false;
	for (unsigned i = 0; i < s->nreaders; i++) {
		struct nl_reader *r = &s->rd[i];
		uint64_t last;

		if (!reader_takes(s, i, cpu) || !r->thread_started ||
		    atomic_load_explicit(&r->dead, memory_order_acquire))
			continue;
		last = atomic_load_explicit(&r->last[cpu], memory_order_acquire);
		if (!(last >> 32) || seq_after(seq, (uint32_t)last))
			return false;
	}
	return true;
}

static void pending_put(struct nl_source *s, const struct exec_info *e)
{
	if (s->npending == PENDING_MAX) {
		/* the oldest: its event was lost on the event socket */
		free_info(s->pending[0].info);
		memmove(&s->pending[0], &s->pending[1], (PENDING_MAX - 1) * sizeof(s->pending[0]));
		s->npending--;
	}
	s->pending[s->npending++] = *e;
}

/* Take the details for (cpu, seq) from the details that came out of order;
 * drop those of the same CPU that the event stream has passed (lost events). */
static bool pending_take(struct nl_source *s, uint32_t cpu, uint32_t seq, struct pt_proc **info)
{
	bool found = false;
	unsigned i = 0;

	while (i < s->npending) {
		struct exec_info *e = &s->pending[i];

		if (e->cpu != cpu || seq_after(e->seq, seq)) {
			i++;
			continue;
		}
		if (e->seq == seq) {
			*info = e->info;
			found = true;
		} else {
			free_info(e->info);
		}
		memmove(e, e + 1, (s->npending - i - 1) * sizeof(*e));
		s->npending--;
	}
	return found;
}

/*
 * Look at the head of each ring: the details of (cpu, seq) are normally at
 * the head of one. Details of the same CPU from before seq are of events the
 * event socket lost: dropped. With dig, also move what stands before them to
 * the pending list: the readers have passed seq, so it is there if anywhere.
 */
static bool rings_take(struct nl_source *s, uint32_t cpu, uint32_t seq, bool dig,
		       struct pt_proc **info)
{
	struct exec_info *e;

	for (unsigned i = 0; i < s->nreaders; i++) {
		struct nl_reader *r = &s->rd[i];

		while (ring_peek(r, &e)) {
			if (e->cpu == cpu && e->seq == seq) {
				*info = e->info;
				ring_drop(r);
				return true;
			}
			if (e->cpu == cpu && seq_after(seq, e->seq))
				free_info(e->info);
			else if (dig)
				pending_put(s, e);
			else
				break;
			ring_drop(r);
		}
	}
	return false;
}

/*
 * The readers' details of an EXEC. The readers are normally ahead of the
 * core; when they are not, wait for them, unless they have already passed
 * this message (their copies were dropped) or stopped. Then the core reads
 * /proc itself: late, so mostly what a zombie leaves.
 */
static struct pt_proc *take_info(struct nl_source *s, const struct pt_nl_msg *msg)
{
	const struct timespec nap = {.tv_nsec = 50 * 1000};
	struct pt_exec_read late = {0};
	struct pt_proc *info;
	int64_t deadline = 0, now;
	bool passed;

	for (;;) {
		if (pending_take(s, msg->cpu, msg->seq, &info))
			return info;
		/* before the rings: what a reader handled is in its ring by then */
		passed = ex_passed(s, msg->cpu, msg->seq);
		if (rings_take(s, msg->cpu, msg->seq, passed, &info))
			return info;
		if (passed)
			break;
		now = clock_ns(CLOCK_MONOTONIC);
		if (!deadline)
			deadline = now + EXEC_WAIT_NS;
		else if (now >= deadline)
			break;
		nanosleep(&nap, NULL);
	}
	s->late_reads++;
	late.exec_ticks = mono_ns_to_ticks(s, s->boot_off_ns, msg->timestamp_ns);
	pt_procfs_exec_begin(s->fs, s->argbuf, s->args_max, msg->raw.pid, &late);
	return pt_procfs_exec_finish(&late);
}

static bool read_drops(struct nl_source *s, uint32_t *drops)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	if (!s->meminfo_ok)
		return false;
	if (getsockopt(s->ev.fd, SOL_SOCKET, SO_MEMINFO, mem, &len) < 0 ||
	    len <= SK_MEMINFO_DROPS * sizeof(mem[0])) {
		s->meminfo_ok = false;
		return false;
	}
	*drops = mem[SK_MEMINFO_DROPS];
	return true;
}

static void emit_lost(struct nl_source *s, uint64_t count, const char *reason)
{
	struct pt_raw raw = {.type = PT_EV_LOST};

	raw.u.lost.count = count;
	raw.u.lost.reason = reason;
	pt_core_raw(s->m, &raw);
}

/*
 * Authority: the kernel's own drop counter (SO_MEMINFO SK_MEMINFO_DROPS). Every
 * message the kernel failed to queue on the event socket is counted there, and
 * each such message is also a gap in its CPU's cn_msg.seq, so counting both
 * would count each loss twice. Gaps only add what the drop counter cannot
 * explain (messages the kernel failed to allocate, or a kernel without
 * SO_MEMINFO): when gaps exceed drops, the excess is reported. A gap is seen
 * only after a later message of the same CPU was queued, which is after the
 * drop was counted, so reading the counter when a gap appears keeps the two in
 * step. Drops not yet visible as gaps can hide an unexplained gap; they never
 * make one loss count twice. The gaps are exact only because we subscribe to
 * every event: a filtered subscription would see gaps for what it filtered.
 */
static void account_loss(struct nl_source *s, bool gap)
{
	uint32_t now;

	if (read_drops(s, &now) && now != s->drops_raw) {
		uint32_t delta = now - s->drops_raw; /* sk_drops is 32 bits and wraps */

		s->drops_raw = now;
		s->drops += delta;
		emit_lost(s, delta, reason_overrun);
	}
	if (gap && s->gaps > s->drops + s->gaps_reported) {
		uint64_t excess = s->gaps - s->drops - s->gaps_reported;

		s->gaps_reported += excess;
		emit_lost(s, excess, reason_gap);
	}
}

static void ev_msg(void *ctx, struct pt_nl_msg *msg, int kind)
{
	struct nl_source *s = ctx;
	struct pt_raw *raw = &msg->raw;
	uint32_t gap = pt_nl_seq_gap(&s->seq, msg->cpu, msg->seq);

	if (gap) {
		s->gaps += gap;
		account_loss(s, true);
	}
	if (kind == PT_NL_IGNORED)
		s->unknown++;
	if (kind != PT_NL_EVENT)
		return;
	raw->time_us = pt_mono_ns_to_us(s->m, msg->timestamp_ns);
	if (raw->type == PT_EV_FORK) {
		/* the timestamp is ~0.5 us after the child's start: +-1 tick */
		raw->start = mono_ns_to_ticks(s, s->boot_off_ns, msg->timestamp_ns);
	} else if (raw->type == PT_EV_EXEC) {
		raw->info = take_info(s, msg);
		if (raw->info && pt_proc_has(raw->info, PT_F_START))
			raw->start = raw->info->start;
	}
	pt_core_raw(s->m, raw);
}

/* ---- subscription ---- */

static int send_op(struct nl_sock *ns, uint32_t op, bool legacy, uint32_t mask, uint32_t cookie)
{
	union {
		struct nlmsghdr nlh;
		char buf[NLMSG_HDRLEN + sizeof(struct cn_msg) + sizeof(struct pt_proc_input) + 8];
	} u;
	struct pt_proc_input in = {.mcast_op = op, .event_type = mask};
	struct nlmsghdr *nlh;
	struct cn_msg *cn;
	size_t len = legacy ? sizeof(op) : sizeof(in);

	memset(&u, 0, sizeof(u));
	nlh = mnl_nlmsg_put_header(u.buf);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_pid = mnl_socket_get_portid(ns->nl);
	cn = mnl_nlmsg_put_extra_header(nlh, sizeof(*cn));
	cn->id.idx = PT_CN_IDX_PROC;
	cn->id.val = PT_CN_VAL_PROC;
	cn->seq = cookie;
	cn->ack = cookie;
	cn->len = (__u16)len;
	memcpy(mnl_nlmsg_put_extra_header(nlh, len), legacy ? (void *)&op : (void *)&in, len);
	if (mnl_socket_sendto(ns->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

static uint32_t new_cookie(void)
{
	uint32_t c;

	if (getrandom(&c, sizeof(c), GRND_NONBLOCK) != sizeof(c))
		c = (uint32_t)clock_ns(CLOCK_MONOTONIC) ^ ((uint32_t)getpid() << 16);
	return c;
}

/* Wait up to ms for the ACK of one of our requests on the exec socket,
 * handling what else arrives as the reader would. */
static int wait_ack(struct nl_reader *r, int ms)
{
	struct nl_source *s = r->s;
	int64_t deadline = clock_ns(CLOCK_MONOTONIC) + (int64_t)ms * 1000000;
	struct pollfd pfd = {.fd = r->ex.fd, .events = POLLIN};
	int64_t left;
	int n;

	while (!s->acked) {
		left = deadline - clock_ns(CLOCK_MONOTONIC);
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, (int)((left + 999999) / 1000000));
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n <= 0)
			continue;
		n = ex_receive(r, MSG_DONTWAIT);
		if (n < 0 && n != -EAGAIN && n != -EINTR && n != -ENOBUFS)
			return n;
	}
	return s->ack_err ? -(int)s->ack_err : 0;
}

/*
 * Subscribe the first exec socket to every event, which is ACKed: the 6.6
 * form first, then the legacy one. This tells which kernel we have and that
 * the kernel listens to us (no ACK: another user or PID namespace).
 */
static int subscribe(struct nl_reader *rd, char *why, size_t len)
{
	struct nl_source *s = rd->s;
	int r;

	s->legacy = false;
	s->cookie[0] = new_cookie();
	s->cookie[1] = s->cookie[0] ^ 0x5bd1e995u;
	s->ncookies = 1;
	r = send_op(&rd->ex, PT_PROC_CN_MCAST_LISTEN, false, PT_PROC_EVENT_ALL, s->cookie[0]);
	if (r == -ECONNREFUSED) {
		snprintf(why, len, "not in the initial network namespace");
		return r;
	}
	if (r < 0) {
		snprintf(why, len, "subscribing: %s", strerror(-r));
		return r;
	}
	r = wait_ack(rd, ACK_TIMEOUT_MS);
	if (r == -ETIMEDOUT) {
		s->legacy = true;
		s->ncookies = 2;
		r = send_op(&rd->ex, PT_PROC_CN_MCAST_LISTEN, true, 0, s->cookie[1]);
		if (r == 0)
			r = wait_ack(rd, ACK_TIMEOUT_MS);
	}
	rd->ex.taken = s->acked;
	if (r == -ETIMEDOUT)
		snprintf(why, len,
			 "no reply: non-initial user or PID namespace, "
			 "or proc events disabled");
	else if (r < 0)
		snprintf(why, len, "subscribing: %s", strerror(-r));
	return r;
}

/*
 * The kernel does not decrement its listener count on close(): send IGNORE.
 * Kernels before 6.6 decrement on every legacy IGNORE, whether a LISTEN was
 * taken or not, so that form goes only where a LISTEN was taken; they ignore
 * the 6.6 form, which 6.6+ handles with per-socket state: always safe.
 */
static void unsubscribe(struct nl_source *s, struct nl_sock *ns)
{
	if (ns->nl)
		send_op(ns, PT_PROC_CN_MCAST_IGNORE, s->legacy && ns->taken, 0, new_cookie());
	ns->taken = false;
}

/* What explains that the tier cannot run, before any socket is made. */
static int check_connector(char *why, size_t len)
{
	int r = pt_procfs_cn_proc();

	if (r == -ENOENT) {
		snprintf(why, len, "kernel built without CONFIG_CONNECTOR");
		return r;
	}
	if (r == 0) {
		snprintf(why, len, "kernel built without CONFIG_PROC_EVENTS");
		return -ENOENT;
	}
	return 0; /* listed, or no /proc: let the socket tell */
}

static int sock_open(struct nl_sock *ns, char *why, size_t len)
{
	int r;

	ns->nl = mnl_socket_open(NETLINK_CONNECTOR);
	if (!ns->nl) {
		r = -errno;
		snprintf(why, len, "netlink connector socket: %s", strerror(-r));
		return r;
	}
	ns->fd = mnl_socket_get_fd(ns->nl);
	fcntl(ns->fd, F_SETFD, FD_CLOEXEC);
	return 0;
}

static int sock_bind(struct nl_sock *ns, char *why, size_t len)
{
	int r;

	if (mnl_socket_bind(ns->nl, PT_CN_IDX_PROC, MNL_SOCKET_AUTOPID) == 0)
		return 0;
	r = -errno;
	if (r == -EPERM)
		snprintf(why, len, "needs CAP_NET_ADMIN %s",
			 pt_kernel_at_least(6, 6) ? "(this kernel lets no unprivileged user "
						    "listen, as Linux >= 6.6 may)"
						  : "on Linux < 6.6");
	else
		snprintf(why, len, "bind: %s", strerror(-r));
	return r;
}

static void sock_close(struct nl_sock *ns)
{
	if (ns->nl)
		mnl_socket_close(ns->nl);
	ns->nl = NULL;
	ns->fd = -1;
}

static int nl_probe(const struct pt_options *o, char *why, size_t len)
{
	struct nl_source s = {.ev.fd = -1};
	struct nl_reader rd = {.s = &s, .ex.fd = -1};
	int r;

	r = check_connector(why, len);
	if (r < 0)
		return r;
	rd.batch = malloc(sizeof(*rd.batch));
	if (!rd.batch) {
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	r = sock_open(&rd.ex, why, len);
	if (r == 0)
		r = sock_bind(&rd.ex, why, len);
	if (r < 0)
		goto out;
	r = subscribe(&rd, why, len);
	unsubscribe(&s, &rd.ex);
	if (r == 0)
		snprintf(why, len, "proc connector, %s",
			 s.legacy ? "legacy subscription (Linux < 6.6)"
				  : "subscription with event filtering (Linux >= 6.6)");
out:
	sock_close(&rd.ex);
	free(rd.batch);
	return r;
}

/* ---- batching ---- */

/*
 * Waking the core's thread for every event costs a context switch
 * per event. The core polls an epoll fd holding the event socket (one-shot)
 * and a timer: a dispatch that found events leaves the socket disarmed and
 * sets the timer, so while events flow the core wakes every batch_ns
 * (pt_nl_batch_delay_ns(): 25 ms with the default receive buffer) and takes
 * what gathered in the kernel's queue; a dispatch that found nothing (or left
 * some for later) re-arms the socket, so an idle monitor sleeps until the next
 * event. Events reach the core at most batch_ns late; the reader thread is not
 * delayed.
 */
static void arm_socket(struct nl_source *s)
{
	struct epoll_event e = {.events = EPOLLIN | EPOLLONESHOT, .data.u32 = 0};

	epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->ev.fd, &e);
}

static void arm_timer(struct nl_source *s)
{
	struct itimerspec it = {.it_value.tv_nsec = s->batch_ns};

	if (timerfd_settime(s->tfd, 0, &it, NULL) < 0)
		arm_socket(s);
}

static int setup_batching(struct nl_source *s, char *why, size_t len)
{
	struct epoll_event e = {.events = EPOLLIN, .data.u32 = 1};
	int r;

	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->epfd < 0 || s->tfd < 0 || epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->tfd, &e) < 0)
		goto fail;
	e = (struct epoll_event){.events = EPOLLIN | EPOLLONESHOT, .data.u32 = 0};
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->ev.fd, &e) < 0)
		goto fail;
	return 0;
fail:
	r = -errno;
	snprintf(why, len, "epoll/timerfd: %s", strerror(-r));
	return r;
}

/* ---- open / dispatch / close ---- */

/* The buffer the kernel granted, as SO_RCVBUF reads it back; -1 if unknown. */
static int set_rcvbuf(struct pt_monitor *m, struct nl_sock *ns, const char *name, size_t want)
{
	int v = want > INT32_MAX / 2 ? INT32_MAX / 2 : (int)want;
	socklen_t sl = sizeof(v);
	const char *how = "SO_RCVBUFFORCE";

	if (setsockopt(ns->fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0) {
		how = "SO_RCVBUF, capped by net.core.rmem_max";
		setsockopt(ns->fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	}
	if (getsockopt(ns->fd, SOL_SOCKET, SO_RCVBUF, &v, &sl) < 0)
		return -1;
	if (name)
		pt_log(m, PT_LOG_INFO, "netlink: %s socket receive buffer %d bytes (%s)", name, v,
		       how);
	return v;
}

/* ---- the readers ---- */

/* Reader r's socket filter when there are several (pt_nl_share_filter()). */
static int install_filter(struct nl_source *s, struct nl_reader *r)
{
	struct pt_nl_share sh = reader_share(s, r->idx);
	struct sock_filter f[PT_NL_SHARE_FILTER_MAX];
	struct sock_fprog prog = {.filter = f};

	prog.len = (unsigned short)pt_nl_share_filter(&sh, f);
	if (setsockopt(r->ex.fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		return -errno;
	return 0;
}

static int reader_alloc(struct nl_source *s, struct nl_reader *r)
{
	r->s = s;
	r->ex.fd = -1;
	r->batch = malloc(sizeof(*r->batch));
	r->argbuf = malloc(s->args_max + 1);
	r->last = calloc(s->ex_ncpu, sizeof(*r->last));
	r->ring = calloc(RING_LEN, sizeof(*r->ring));
	if (!r->batch || !r->argbuf || !r->last || !r->ring)
		return -ENOMEM;
	r->boot_off_ns = boot_offset();
	return 0;
}

static void reader_free(struct nl_source *s, struct nl_reader *r)
{
	struct exec_info *e;

	while (r->nreads) {
		r->nreads--;
		if (!r->skip[r->nreads])
			free_info(pt_procfs_exec_finish(&r->reads[r->nreads].r));
	}
	unsubscribe(s, &r->ex);
	sock_close(&r->ex);
	if (r->ring) {
		while (ring_peek(r, &e)) {
			free_info(e->info);
			ring_drop(r);
		}
	}
	free(r->ring);
	free(r->argbuf);
	free(r->batch);
	free(r->last);
}

/*
 * A reader's socket: the first one is subscribed to everything and waits for
 * the ACK (subscribe()), then narrowed to EXEC; the others subscribe to EXEC
 * directly, their filter in place first.
 */
static int reader_socket(struct pt_monitor *m, struct nl_source *s, struct nl_reader *r,
			 size_t rcvbuf, char *why, size_t len)
{
	struct timeval tv = {.tv_usec = READER_TIMEOUT_MS * 1000};
	int err = sock_open(&r->ex, why, len);

	if (err < 0)
		return err;
	set_rcvbuf(m, &r->ex, r->idx == 0 ? "exec" : NULL, rcvbuf);
	setsockopt(r->ex.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (s->filtered && (err = install_filter(s, r)) < 0) {
		snprintf(why, len, "exec socket filter: %s", strerror(-err));
		return err;
	}
	err = sock_bind(&r->ex, why, len);
	if (err == 0 && r->idx == 0)
		err = subscribe(r, why, len);
	if (err == 0 && (r->idx > 0 || !s->legacy)) {
		err = send_op(&r->ex, PT_PROC_CN_MCAST_LISTEN, s->legacy, PT_PROC_EVENT_EXEC, 0);
		if (r->idx > 0)
			r->ex.taken = err == 0;
		if (err < 0)
			snprintf(why, len, "subscribing: %s", strerror(-err));
	}
	return err;
}

static void *fifo_probe(void *arg)
{
	return arg;
}

/* Whether this process may start a SCHED_FIFO thread: 0 or the errno. */
static int fifo_permitted(void)
{
	struct sched_param sp = {.sched_priority = RT_PRIORITY};
	pthread_attr_t attr;
	pthread_t t;
	int r;

	if (pthread_attr_init(&attr))
		return ENOMEM;
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
	pthread_attr_setschedparam(&attr, &sp);
	r = pthread_create(&t, &attr, fifo_probe, NULL);
	pthread_attr_destroy(&attr);
	if (r == 0)
		pthread_join(t, NULL);
	return r;
}

/*
 * How many readers and where: SCHED_FIFO when asked or permitted; with it
 * one reader by default, without it one per usable CPU (READERS_AUTO_MAX at
 * most), pinned. --readers=1 (or 0) is one reader anywhere; N > 1 is N
 * pinned readers, real-time or not.
 */
static int plan_readers(struct pt_monitor *m, struct nl_source *s, int *cpus, bool *fifo, char *why,
			size_t len)
{
	const struct pt_options *o = pt_core_options(m);
	int err = EPERM;
	unsigned n, want;

	*fifo = false;
	if (o->realtime != 0) {
		err = fifo_permitted();
		if (err && o->realtime > 0) {
			snprintf(why, len,
				 "SCHED_FIFO for the exec reader: %s "
				 "(needs CAP_SYS_NICE or RLIMIT_RTPRIO)",
				 strerror(err));
			return -err;
		}
		*fifo = err == 0;
	}
	n = pt_usable_cpus(cpus, READERS_MAX);
	if (o->readers > 1)
		want = (unsigned)o->readers;
	else if (o->readers == 0 || o->readers == 1 || *fifo)
		want = 1;
	else
		want = n < READERS_AUTO_MAX ? n : READERS_AUTO_MAX;
	if (want > READERS_MAX)
		want = READERS_MAX;
	if (want <= 1 || n <= 1) {
		want = 1;
		cpus[0] = -1;
	} else {
		for (unsigned i = want; i-- > 0;)
			cpus[i] = cpus[i % n];
	}
	s->nreaders = want;
	s->filtered = want > 1;
	s->short_slice = !*fifo;
	s->slice_err = 0;
	pt_log(m, PT_LOG_DEBUG, "netlink: SCHED_FIFO %s", *fifo ? "permitted" : strerror(err));
	return 0;
}

static int spawn_reader(struct nl_reader *r, bool fifo)
{
	struct sched_param sp = {.sched_priority = RT_PRIORITY};
	pthread_attr_t attr;
	sigset_t all, old;
	int err;

	if (pthread_attr_init(&attr))
		return ENOMEM;
	if (fifo) {
		pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
		pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
		pthread_attr_setschedparam(&attr, &sp);
	}
	if (r->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(r->cpu, &set);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	}
	/* signals are for the caller's thread, not for the readers */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&r->thread, &attr, reader_main, r);
	if (err == EINVAL && r->cpu >= 0) {
		/* its CPU went offline since: run it anywhere */
		r->cpu = -1;
		pthread_attr_destroy(&attr);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return spawn_reader(r, fifo);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (err)
		return err;
	r->thread_started = true;
	pthread_setname_np(r->thread, "proctrail-nl");
	sem_wait(&r->s->started);
	return 0;
}

static int start_readers(struct pt_monitor *m, struct nl_source *s, bool fifo, char *why,
			 size_t len)
{
	int err;

	for (unsigned i = 0; i < s->nreaders; i++) {
		s->rd[i].running = true;
		err = spawn_reader(&s->rd[i], fifo);
		if (err) {
			snprintf(why, len, "reader thread: %s", strerror(err));
			return -err;
		}
	}
	if (fifo)
		pt_log(m, PT_LOG_INFO, "netlink: %u exec reader%s at SCHED_FIFO priority %d%s",
		       s->nreaders, s->nreaders > 1 ? "s" : "", RT_PRIORITY,
		       s->nreaders > 1 ? ", one per CPU" : "");
	else
		pt_log(m, PT_LOG_INFO,
		       "netlink: %u exec reader%s at normal priority (%s)%s, slice %s", s->nreaders,
		       s->nreaders > 1 ? "s" : "",
		       pt_core_options(m)->realtime == 0 ? "realtime off"
							 : "SCHED_FIFO not permitted",
		       s->nreaders > 1 ? ", one per CPU" : "",
		       s->slice_err ? strerror(s->slice_err) : "0.1 ms");
	return 0;
}

/*
 * Wake the readers from recvmmsg with a datagram from our own port, which they
 * skip (they take only the kernel's). Sending to a port needs CAP_NET_ADMIN;
 * without it a reader notices the stop flag within READER_TIMEOUT_MS.
 */
static void stop_readers(struct nl_source *s)
{
	struct nlmsghdr nlh = {.nlmsg_len = NLMSG_HDRLEN, .nlmsg_type = NLMSG_NOOP};

	atomic_store(&s->stop, true);
	for (unsigned i = 0; i < s->nreaders; i++) {
		struct nl_reader *r = &s->rd[i];
		struct sockaddr_nl self = {.nl_family = AF_NETLINK};

		if (!r->thread_started || !r->ex.nl)
			continue;
		self.nl_pid = mnl_socket_get_portid(r->ex.nl);
		sendto(r->ex.fd, &nlh, sizeof(nlh), MSG_DONTWAIT, (struct sockaddr *)&self,
		       sizeof(self));
	}
	for (unsigned i = 0; i < s->nreaders; i++) {
		if (s->rd[i].thread_started)
			pthread_join(s->rd[i].thread, NULL);
		s->rd[i].thread_started = false;
	}
}

static void nl_free(struct nl_source *s)
{
	stop_readers(s);
	for (unsigned i = 0; s->rd && i < s->nreaders; i++)
		reader_free(s, &s->rd[i]);
	unsubscribe(s, &s->ev);
	sock_close(&s->ev);
	while (s->npending)
		free_info(s->pending[--s->npending].info);
	free(s->rd);
	free(s->argbuf);
	free(s->batch);
	free(s->claim);
	sem_destroy(&s->started);
	pt_nl_seq_free(&s->seq);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->tfd >= 0)
		close(s->tfd);
	free(s);
}

static int alloc_state(struct pt_monitor *m, struct nl_source *s, const int *cpus, char *why,
		       size_t len)
{
	const struct pt_options *o = pt_core_options(m);
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	int err = 0;

	s->fs = pt_core_procfs(m);
	s->clk_tck = s->fs->clk_tck > 0 ? s->fs->clk_tck : 100;
	s->args_max = s->fs->args_max ? s->fs->args_max : o->args_max;
	if (s->args_max < 2)
		s->args_max = 2;
	/* CPU numbers beyond this are not tracked: their execs may wait EXEC_WAIT_NS */
	s->ex_ncpu = ncpu > 256 && ncpu < PT_NL_SEQ_MAX_CPU ? (uint32_t)ncpu : 256;
	s->argbuf = malloc(s->args_max + 1);
	s->batch = malloc(sizeof(*s->batch));
	s->claim = calloc(s->ex_ncpu, sizeof(*s->claim));
	s->rd = calloc(s->nreaders, sizeof(*s->rd));
	if (!s->argbuf || !s->batch || !s->claim || !s->rd)
		err = -ENOMEM;
	for (unsigned i = 0; err == 0 && i < s->nreaders; i++) {
		s->rd[i].idx = i;
		s->rd[i].cpu = cpus[i];
		/* the first reader pinned to a CPU is that CPU's own */
		s->rd[i].own = cpus[i];
		for (unsigned j = 0; j < i && s->rd[i].own >= 0; j++)
			if (cpus[j] == cpus[i])
				s->rd[i].own = -1;
		err = reader_alloc(s, &s->rd[i]);
	}
	if (err < 0) {
		snprintf(why, len, "out of memory");
		return err;
	}
	s->boot_off_ns = boot_offset();
	return 0;
}

/*
 * Order: the exec sockets are subscribed (the first one's ACK awaited) before
 * the event socket, so that the readers have every EXEC the event socket will
 * carry; all before the core's /proc snapshot, which follows open(). A LISTEN
 * is handled inside sendto(), so a socket listens once it returns.
 */
static int open_sockets(struct pt_monitor *m, struct nl_source *s, char *why, size_t len)
{
	size_t rcvbuf = pt_core_options(m)->rcvbuf;
	int r;

	if (!rcvbuf)
		rcvbuf = DEFAULT_RCVBUF;
	r = check_connector(why, len);
	for (unsigned i = 0; r == 0 && i < s->nreaders; i++)
		r = reader_socket(m, s, &s->rd[i], rcvbuf, why, len);
	if (r == 0)
		r = sock_open(&s->ev, why, len);
	if (r < 0)
		return r;
	s->batch_ns = pt_nl_batch_delay_ns(set_rcvbuf(m, &s->ev, "event", rcvbuf));
	pt_log(m, PT_LOG_INFO, "netlink: while events flow, the core takes them every %ld ms",
	       s->batch_ns / 1000000);
	r = sock_bind(&s->ev, why, len);
	if (r == 0) {
		r = send_op(&s->ev, PT_PROC_CN_MCAST_LISTEN, s->legacy, PT_PROC_EVENT_ALL, 0);
		s->ev.taken = r == 0;
		if (r < 0)
			snprintf(why, len, "subscribing: %s", strerror(-r));
	}
	return r;
}

static int nl_open(struct pt_monitor *m, void **priv, char *why, size_t len)
{
	struct nl_source *s = calloc(1, sizeof(*s));
	int cpus[READERS_MAX];
	bool fifo = false;
	int r;

	if (!s) {
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	s->m = m;
	s->ev.fd = s->epfd = s->tfd = -1;
	s->meminfo_ok = true;
	pt_nl_seq_init(&s->seq);
	sem_init(&s->started, 0, 0);
	r = plan_readers(m, s, cpus, &fifo, why, len);
	if (r == 0)
		r = alloc_state(m, s, cpus, why, len);
	if (r == 0)
		r = open_sockets(m, s, why, len);
	if (r == 0)
		r = setup_batching(s, why, len);
	if (r == 0)
		r = start_readers(m, s, fifo, why, len);
	if (r < 0) {
		nl_free(s);
		return r;
	}
	pt_log(m, PT_LOG_INFO, "netlink: subscribed to proc events (%s)",
	       s->legacy ? "legacy, Linux < 6.6" : "with filtering, Linux >= 6.6");
	*priv = s;
	return 0;
}

static int nl_fd(void *priv)
{
	struct nl_source *s = priv;

	return s->epfd;
}

static void log_counters(struct pt_monitor *m, struct nl_source *s)
{
	uint64_t ov = 0;

	for (unsigned i = 0; i < s->nreaders; i++)
		ov += atomic_load_explicit(&s->rd[i].overruns, memory_order_relaxed);

	if (ov != s->ex_overruns_seen) {
		pt_log(m, PT_LOG_DEBUG,
		       "netlink: exec socket overran %llu times; %llu execs read late so far",
		       (unsigned long long)(ov - s->ex_overruns_seen),
		       (unsigned long long)s->late_reads);
		s->ex_overruns_seen = ov;
	}
}

/* Handles up to DISPATCH_BUDGET datagrams per call, leaving the rest for the next. */
static int nl_dispatch(struct pt_monitor *m, void *priv)
{
	struct nl_source *s = priv;
	uint64_t unknown = s->unknown, expirations;
	struct epoll_event evs[2];
	int handled = 0, i, n, err;

	/* consume the readiness: disarms the one-shot socket */
	epoll_wait(s->epfd, evs, PT_ARRAY_SIZE(evs), 0);
	if (read(s->tfd, &expirations, sizeof(expirations)) < 0) {
		/* EAGAIN: the timer had not fired */
	}
	while (handled < DISPATCH_BUDGET) {
		n = recv_batch(s->ev.fd, s->batch, MSG_DONTWAIT);
		if (n == -EAGAIN)
			break;
		if (n == -EINTR)
			continue;
		if (n == -ENOBUFS) {
			/* the kernel dropped; the socket stays usable */
			account_loss(s, false);
			handled++;
			continue;
		}
		if (n < 0) {
			arm_socket(s);
			pt_log(m, PT_LOG_ERR, "netlink: receive: %s", strerror(-n));
			return n;
		}
		s->boot_off_ns = boot_offset();
		for (i = 0; i < n; i++) {
			if (walk_datagram(s, s->batch, i, ev_msg) < 0)
				pt_core_malformed(m);
		}
		handled += n;
	}
	if (handled == 0 || handled >= DISPATCH_BUDGET)
		arm_socket(s);
	else
		arm_timer(s);
	if (s->unknown != unknown)
		pt_log(m, PT_LOG_DEBUG, "netlink: %llu events of unknown type ignored",
		       (unsigned long long)(s->unknown - unknown));
	log_counters(m, s);
	for (unsigned j = 0; j < s->nreaders; j++) {
		struct nl_reader *r = &s->rd[j];

		err = atomic_load(&r->error);
		if (err && r->thread_started) {
			pt_log(m, PT_LOG_WARNING, "netlink: exec reader %u stopped (%s); %s", j,
			       strerror(err),
			       s->nreaders > 1 ? "the others read its execs late"
					       : "reading /proc late");
			pthread_join(r->thread, NULL);
			r->thread_started = false;
		}
	}
	return handled;
}

static void nl_close(struct pt_monitor *m, void *priv)
{
	struct nl_source *s = priv;

	if (!s)
		return;
	pt_log(m, PT_LOG_DEBUG,
	       "netlink: %llu events dropped by the kernel, %llu sequence gaps (%llu not explained "
	       "by drops), %llu execs read late",
	       (unsigned long long)s->drops, (unsigned long long)s->gaps,
	       (unsigned long long)s->gaps_reported, (unsigned long long)s->late_reads);
	nl_free(s);
}

static void nl_gaps(const struct pt_options *o, void *priv, struct pt_event_gaps *g)
{
	g->missing |= PT_EVMASK(PT_EV_EXEC_FAILED);
	g->why[PT_EV_EXEC_FAILED] = "the proc connector sends nothing when an exec fails";
}

const struct pt_source_ops pt_source_netlink = {
	.name = "netlink",
	.tier = PT_TIER_NETLINK,
	.probe = nl_probe,
	.open = nl_open,
	.fd = nl_fd,
	.dispatch = nl_dispatch,
	.close = nl_close,
	.gaps = nl_gaps,
};

#else /* !HAVE_LIBMNL */

static const char not_built[] = "not built (configured without libmnl)";

static int nl_probe(const struct pt_options *o, char *why, size_t len)
{
	snprintf(why, len, "%s", not_built);
	return -ENOSYS;
}

static int nl_open(struct pt_monitor *m, void **priv, char *why, size_t len)
{
	snprintf(why, len, "%s", not_built);
	return -ENOSYS;
}

static void nl_close(struct pt_monitor *m, void *priv)
{
}

const struct pt_source_ops pt_source_netlink = {
	.name = "netlink",
	.tier = PT_TIER_NETLINK,
	.probe = nl_probe,
	.open = nl_open,
	.close = nl_close,
};

#endif
