/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Process keys and references. A key names one process across pid reuse and
 * reboots: BOOT_ID:START:PID (the kernel's boot id, the start ticks of stat
 * field 22, the pid). A reference is what a query names: a pid, pid@TIME or a
 * key. The strings parsed here come from users and from socket clients:
 * every byte is checked, nothing is trusted.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

int pt_key_fmt(char *buf, size_t len, const char *boot_id, uint64_t start, pid_t pid)
{
	int n;

	if (!boot_id || !boot_id[0] || !start || pid <= 0)
		return -ENODATA;
	n = snprintf(buf, len, "%s:%" PRIu64 ":%d", boot_id, start, (int)pid);
	if (n < 0)
		return -EINVAL;
	return (size_t)n < len ? n : -ERANGE;
}

int pt_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 8-4-4-4-12 hex digits at s (exactly PT_BOOT_ID_LEN bytes), lowercased. */
static bool uuid_at(const char *s, char out[PT_BOOT_ID_LEN + 1])
{
	for (int i = 0; i < PT_BOOT_ID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : pt_hexval(s[i]) < 0)
			return false;
		out[i] = dash ? '-' : "0123456789abcdef"[pt_hexval(s[i])];
	}
	out[PT_BOOT_ID_LEN] = '\0';
	return true;
}

int pt_parse_boot_id(const char *buf, size_t len, char out[PT_BOOT_ID_LEN + 1])
{
	if (len < PT_BOOT_ID_LEN || (len > PT_BOOT_ID_LEN + 1) ||
	    (len == PT_BOOT_ID_LEN + 1 && buf[PT_BOOT_ID_LEN] != '\n'))
		return -EINVAL;
	return uuid_at(buf, out) ? 0 : -EINVAL;
}

PT_EXPORT int pt_proc_key(const struct pt_proc *p, char *buf, size_t len)
{
	if (!p || (!buf && len))
		return -EINVAL;
	if (!pt_proc_has(p, PT_F_START))
		return -ENODATA;
	return pt_key_fmt(buf, len, p->boot_id, p->start, p->pid);
}

PT_EXPORT int pt_proc_parent_key(const struct pt_proc *p, char *buf, size_t len)
{
	if (!p || (!buf && len))
		return -EINVAL;
	if (p->pkey == PT_PKEY_NONE)
		return -ENOENT;
	if (p->pkey != PT_PKEY_BOUND)
		return -ENODATA;
	return pt_key_fmt(buf, len, p->boot_id, p->pkey_start, p->pkey_pid);
}

/* ---- parsing references ---- */

static void why_set(char *why, size_t len, const char *msg)
{
	if (why && len)
		snprintf(why, len, "%s", msg);
}

/* 1 to max digits of a decimal number at *s, up to max_value; advances *s. */
static bool digits(const char **s, unsigned max, uint64_t max_value, uint64_t *v)
{
	const char *p = *s;
	uint64_t x = 0;
	unsigned n = 0;

	for (; *p >= '0' && *p <= '9'; p++, n++) {
		unsigned d = (unsigned)(*p - '0');

		if (n >= max || x > (max_value - d) / 10)
			return false;
		x = x * 10 + d;
	}
	if (!n)
		return false;
	*s = p;
	*v = x;
	return true;
}

/* .FRACTION (1 to 9 digits) as microseconds, when there is one. */
static bool fraction(const char **s, int64_t *us)
{
	const char *p = *s;
	int64_t scale = 100000;
	unsigned n = 0;

	*us = 0;
	if (*p != '.')
		return true;
	for (p++; *p >= '0' && *p <= '9'; p++, n++) {
		if (n >= 9)
			return false;
		*us += (*p - '0') * scale;
		scale /= 10;
	}
	*s = p;
	return n > 0;
}

/* The latest time accepted: 9999-12-31T23:59:59Z. */
#define MAX_EPOCH_S 253402300799LL

static bool parse_seconds(const char *s, int64_t *us)
{
	uint64_t sec;
	int64_t frac;

	if (!digits(&s, 12, MAX_EPOCH_S, &sec) || !fraction(&s, &frac) || *s)
		return false;
	*us = (int64_t)sec * 1000000 + frac;
	return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static unsigned month_days(uint64_t y, uint64_t m)
{
	static const unsigned char days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return days[m - 1] + (m == 2 && leap);
}

/* N digits exactly, at most max, then sep (when sep is not 0). */
static bool field(const char **s, unsigned n, uint64_t max, char sep, uint64_t *v)
{
	const char *p = *s;

	if (!digits(&p, n, max, v) || p - *s != (ptrdiff_t)n)
		return false;
	if (sep && *p++ != sep)
		return false;
	*s = p;
	return true;
}

/* YYYY-MM-DDTHH:MM:SS[.F](Z|+HH:MM|-HH:MM), from 1970 on. */
static bool parse_rfc3339(const char *s, int64_t *us)
{
	uint64_t y, mo, d, h, mi, sec, zh = 0, zm = 0;
	int64_t frac, t;
	int zsign = 0;

	if (!field(&s, 4, 9999, '-', &y) || !field(&s, 2, 12, '-', &mo) || !field(&s, 2, 31, 0, &d))
		return false;
	if (*s != 'T' && *s != 't' && *s != ' ')
		return false;
	s++;
	if (!field(&s, 2, 23, ':', &h) || !field(&s, 2, 59, ':', &mi) || !field(&s, 2, 60, 0, &sec))
		return false;
	if (!fraction(&s, &frac))
		return false;
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		zsign = *s++ == '+' ? 1 : -1;
		if (!field(&s, 2, 23, ':', &zh) || !field(&s, 2, 59, 0, &zm))
			return false;
	} else {
		return false; /* a local time without a zone is ambiguous */
	}
	if (*s || y < 1970 || mo < 1 || d < 1 || d > month_days(y, mo))
		return false;
	t = days_from_civil((int64_t)y, (unsigned)mo, (unsigned)d) * 86400 +
		(int64_t)(h * 3600 + mi * 60 + sec) - zsign * (int64_t)(zh * 3600 + zm * 60);
	if (t < 0)
		return false;
	*us = t * 1000000 + frac;
	return true;
}

bool pt_parse_rfc3339(const char *s, int64_t *us)
{
	return parse_rfc3339(s, us);
}

static bool parse_time(const char *s, int64_t *us)
{
	int64_t ago;

	if (s[0] == '-') {
		if (!parse_seconds(s + 1, &ago) || ago > 1000000000LL * 1000000)
			return false;
		*us = pt_now_us() - ago;
		return true;
	}
	if (strlen(s) > 10 && s[4] == '-')
		return parse_rfc3339(s, us);
	return parse_seconds(s, us);
}

static bool parse_pid_at(const char **s, pid_t *pid)
{
	uint64_t v;

	if (!digits(s, 10, INT_MAX, &v) || !v)
		return false;
	*pid = (pid_t)v;
	return true;
}

static int parse_key(const char *s, struct pt_ref *out, char *why, size_t len)
{
	static const char msg[] =
		"a key is BOOT_ID:START:PID (a boot id of 8-4-4-4-12 hex digits, the start "
		"ticks and the pid in decimal)";
	uint64_t start;

	if (strnlen(s, PT_BOOT_ID_LEN + 1) < PT_BOOT_ID_LEN + 1 || !uuid_at(s, out->boot_id) ||
	    s[PT_BOOT_ID_LEN] != ':') {
		why_set(why, len, msg);
		return -EINVAL;
	}
	s += PT_BOOT_ID_LEN + 1;
	if (!digits(&s, 20, UINT64_MAX, &start) || !start || *s++ != ':' ||
	    !parse_pid_at(&s, &out->pid) || *s) {
		why_set(why, len, msg);
		return -EINVAL;
	}
	out->kind = PT_REF_KEY;
	out->start = start;
	return 0;
}

PT_EXPORT int pt_ref_parse(const char *s, struct pt_ref *out, char *why, size_t len)
{
	struct pt_ref r = {0};
	const char *at;
	int ret;

	if (!s || !out) {
		why_set(why, len, "nothing to parse");
		return -EINVAL;
	}
	if (!*s) {
		why_set(why, len, "empty: expected a pid, pid@TIME or a key");
		return -EINVAL;
	}
	at = strchr(s, '@');
	if (!at && strchr(s, ':')) {
		ret = parse_key(s, &r, why, len);
		if (ret < 0)
			return ret;
		*out = r;
		return 0;
	}
	if (!parse_pid_at(&s, &r.pid) || (at ? s != at : *s != '\0')) {
		why_set(why, len,
			"expected a PID (a decimal number from 1 to 2147483647), PID@TIME or a "
			"KEY");
		return -EINVAL;
	}
	r.kind = PT_REF_PID;
	if (at) {
		if (!parse_time(at + 1, &r.at_us)) {
			why_set(why, len,
				"TIME is seconds since the epoch (1764662400.5), RFC 3339 with a "
				"zone (2026-12-02T07:00:00Z, from 1970 to 9999) or -SECS before "
				"now");
			return -EINVAL;
		}
		r.kind = PT_REF_PID_AT;
	}
	*out = r;
	return 0;
}
