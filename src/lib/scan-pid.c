/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pid arithmetic. The kernel's "last pid" counter, read at each scan, says
 * which pids were handed out since the previous one: the window (previous
 * counter, counter]. Pids in the window that we never saw, as a process or as
 * a thread, are what we missed. A full scan lists all of /proc and reads the
 * counter after the listing, so every listed pid is inside. A fast scan reads
 * the counter first and then only the pids above the previous one; what it
 * finds past the counter belongs to the next window (carry).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "scan-priv.h"

static pid_t wrap_base(pid_t to)
{
	return to >= RESERVED_PIDS ? RESERVED_PIDS : 1;
}

uint64_t pt_pid_span(pid_t from, pid_t to, pid_t pid_max)
{
	uint64_t n = 0;
	pid_t base = wrap_base(to);

	if (to >= from)
		return (uint64_t)(to - from);
	if (pid_max - 1 > from)
		n += (uint64_t)(pid_max - 1 - from);
	if (to >= base)
		n += (uint64_t)(to - base + 1);
	return n;
}

bool pt_pid_in_window(pid_t pid, pid_t lo, pid_t hi)
{
	if (hi >= lo)
		return pid > lo && pid <= hi;
	return pid > lo || (pid >= wrap_base(hi) && pid <= hi);
}

/* A pid handed out in the window before this one: counted as missed then. */
static bool late(const struct ctx *c, pid_t pid)
{
	const struct pt_scanner *s = c->s;

	return c->win && s->have_prev_lo && pt_pid_in_window(pid, s->prev_lo, c->win_lo);
}

/* Whether a pid counts against the window: it was handed out and we know of
 * it (read, or unreadable); one that went before we could read it is a miss.
 * Carried pids were counted already. */
void pt_scan_count_seen(struct ctx *c, pid_t pid, int r, bool in_win)
{
	if (pt_scan_is_gone(r) || pt_scan_in_list(c->s->carry, c->s->ncarry, pid))
		return;
	if (in_win || (r == 0 && late(c, pid)))
		c->seen++;
}

/* After the listing, a pid was handed out since the previous scan read the
 * counter, unless the counter went round. */
bool pt_scan_fresh_pid(const struct ctx *c, pid_t pid, bool past_counter)
{
	if (!c->win ||
	    pt_pid_span(c->win_lo, c->win_hi, c->s->pid_max) > (uint64_t)c->s->pid_max / 2)
		return false;
	return past_counter || pt_pid_in_window(pid, c->win_lo, c->win_hi);
}

void pt_scan_account(struct ctx *c)
{
	struct pt_scanner *s = c->s;
	uint64_t missed;

	if (c->win) {
		s->acc_alloc += pt_pid_span(c->win_lo, c->win_hi, s->pid_max);
		/* what the previous scan read past its counter is in this window */
		s->acc_seen += c->seen + s->ncarry;
	}
	if (c->kind == PT_SCAN_SYNTH && !c->full)
		return;
	if (c->kind == PT_SCAN_SYNTH && s->acc_alloc > s->acc_seen) {
		missed = s->acc_alloc - s->acc_seen;
		s->st.missed_est += missed;
		s->hooks.missed(c->m, missed, "pids handed out between scans that no scan saw");
	}
	s->acc_alloc = s->acc_seen = 0;
}
