/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the library promises callers across versions: struct pt_options and
 * struct pt_status are read and written at the caller's size, as the kernel's
 * copy_struct_from_user() does, and the versions a caller can ask for.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define END_OF(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))
#define OPT_END(member) END_OF(struct pt_options, member)
#define OPT_SIZE_MAX 4096

/* Where each member of struct pt_options ends, in order: a member is the caller's
 * only when it lies wholly inside the caller's size. Append a row with each member. */
static const size_t opt_ends[] = {
	OPT_END(size),
	OPT_END(tier),
	OPT_END(proc_root),
	OPT_END(events),
	OPT_END(threads),
	OPT_END(retention_ms),
	OPT_END(mem_max),
	OPT_END(args_max),
	OPT_END(exec_history),
	OPT_END(realtime),
	OPT_END(poll_interval_ms),
	OPT_END(rcvbuf),
	OPT_END(ring_size),
	OPT_END(watch_dirs),
	OPT_END(log),
	OPT_END(log_data),
	OPT_END(log_level),
	OPT_END(readers),
	OPT_END(flags),
	OPT_END(runtime_root),
	OPT_END(container_linger_ms),
};

/* a member added without its row leaves the struct longer than the last row says */
_Static_assert(sizeof(struct pt_options) - OPT_END(container_linger_ms) <
		       _Alignof(struct pt_options),
	       "opt_ends misses a member of struct pt_options");
_Static_assert(PT_EV_COUNT <= PT_EV_MAX, "pt_status.events has no room for the event types");

/* The bytes of the members that lie wholly within size. */
static size_t opt_fit(size_t size)
{
	size_t fit = 0;

	for (size_t i = 0; i < PT_ARRAY_SIZE(opt_ends) && opt_ends[i] <= size; i++)
		fit = opt_ends[i];
	return fit;
}

static void opt_defaults(struct pt_options *o)
{
	memset(o, 0, sizeof(*o));
	o->size = sizeof(*o);
	o->tier = PT_TIER_AUTO;
	o->proc_root = PT_PROC_ROOT;
	o->events = PT_EVMASK_ALL;
	o->retention_ms = 60000;
	o->mem_max = 64u << 20;
	o->args_max = 128u << 10;
	o->exec_history = 4;
	o->realtime = -1;
	o->poll_interval_ms = 100;
	o->rcvbuf = 32u << 20;
	o->ring_size = 8u << 20;
	o->log_level = PT_LOG_NOTICE;
	o->readers = -1;
	o->container_linger_ms = 30000;
}

PT_EXPORT void pt_options_init_size(struct pt_options *o, size_t size)
{
	struct pt_options def;

	if (!o || size < sizeof(o->size))
		return;
	/* the caller's struct may be smaller than ours: never touch past size */
	memset(o, 0, size);
	opt_defaults(&def);
	memcpy(o, &def, opt_fit(size));
	o->size = size;
}

int pt_options_import(struct pt_options *dst, const struct pt_options *src)
{
	const unsigned char *tail;

	opt_defaults(dst);
	if (!src)
		return 0;
	if (src->size < PT_OPTIONS_SIZE_VER0)
		return -EINVAL;
	/* as the kernel does: a size this large is not a struct but garbage */
	if (src->size > OPT_SIZE_MAX)
		return -E2BIG;
	/* a newer caller: what this library does not know must be left at zero */
	tail = (const unsigned char *)src;
	for (size_t i = sizeof(*dst); i < src->size; i++)
		if (tail[i])
			return -E2BIG;
	memcpy(dst, src, opt_fit(src->size));
	dst->size = sizeof(*dst);
	return 0;
}

void pt_status_export(struct pt_status *dst, size_t size, const struct pt_status *src)
{
	if (size > sizeof(*src)) {
		memset((char *)dst + sizeof(*src), 0, size - sizeof(*src));
		size = sizeof(*src);
	}
	memcpy(dst, src, size);
}

PT_EXPORT int pt_json_schema_version(void)
{
	return PT_JSON_SCHEMA_VERSION;
}
