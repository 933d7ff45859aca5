/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pt_mountinfo_attr(): /proc/PID/mountinfo of a process in a private cgroup
 * namespace. Mount points and bind sources are paths the container's owner
 * chose, so every byte is untrusted. The input is the file, not NUL-terminated.
 */
#include <errno.h>
#include <string.h>

#include "container.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_cgroup_attr a;
	int r = pt_mountinfo_attr((const char *)data, size, &a);

	FUZZ_CHECK(r == 0 || r == 1 || r == -EINVAL);
	FUZZ_CHECK((r == 1) == (a.runtime != PT_RT_NONE));
	FUZZ_CHECK(memchr(a.id, '\0', sizeof(a.id)) != NULL);
	FUZZ_CHECK(memchr(a.pod_uid, '\0', sizeof(a.pod_uid)) != NULL);
	FUZZ_CHECK(a.dir_len == 0 && a.nouter <= PT_CTR_NEST_MAX);
	if (r == 1)
		FUZZ_CHECK(a.id[0] != '\0');
	return 0;
}
