/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup parsers: a process's cgroup names are chosen by whoever may
 * create cgroups (root, a runtime, a delegated user), so /proc/PID/cgroup is
 * untrusted. The first input byte picks pt_cgroup_parse() (the whole file) or
 * pt_cgroup_attr_path() (one path); the rest is the input, not NUL-terminated.
 */
#include <errno.h>
#include <string.h>

#include "container.h"
#include "fuzz.h"

static void check_attr(const struct pt_cgroup_attr *a, size_t len)
{
	FUZZ_CHECK(memchr(a->id, '\0', sizeof(a->id)) != NULL);
	FUZZ_CHECK(memchr(a->pod_uid, '\0', sizeof(a->pod_uid)) != NULL);
	FUZZ_CHECK(memchr(a->ns, '\0', sizeof(a->ns)) != NULL);
	FUZZ_CHECK(a->nouter <= PT_CTR_NEST_MAX);
	for (unsigned i = 0; i < a->nouter; i++)
		FUZZ_CHECK(memchr(a->outer[i], '\0', sizeof(a->outer[i])) != NULL);
	FUZZ_CHECK(a->dir_len <= len);
	FUZZ_CHECK((unsigned)a->runtime < PT_RT_COUNT);
	if (a->runtime == PT_RT_NONE)
		FUZZ_CHECK(a->id[0] == '\0' && a->nouter == 0);
	else
		FUZZ_CHECK(a->id[0] != '\0' && pt_runtime_name(a->runtime) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data + 1;
	size_t len;

	if (size < 1)
		return 0;
	len = size - 1;
	if (data[0] & 1) {
		struct pt_cgroup_attr a;
		int r = pt_cgroup_attr_path(buf, len, &a);

		FUZZ_CHECK(r == 0 || r == 1 || r == -EINVAL);
		check_attr(&a, len);
		FUZZ_CHECK((r == 1) == (a.runtime != PT_RT_NONE));
		/* the container's own cgroup names the same container */
		if (r == 1 && a.dir_len > 0) {
			struct pt_cgroup_attr b;

			FUZZ_CHECK(pt_cgroup_attr_path(buf, a.dir_len, &b) == 1);
			FUZZ_CHECK(strcmp(a.id, b.id) == 0 && a.runtime == b.runtime);
		}
	} else {
		struct pt_cgroup_info ci;
		int r = pt_cgroup_parse(buf, len, &ci);

		FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOMEM);
		if (r == 0) {
			FUZZ_CHECK(ci.path != NULL && strlen(ci.path) <= len);
			check_attr(&ci.a, strlen(ci.path));
		}
		pt_cgroup_info_free(&ci);
	}
	return 0;
}
