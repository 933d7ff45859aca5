/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The BPF tier's ring buffer records. The BPF program writes them, but the
 * path and argv bytes inside are the exec'ing process's, and the lengths come
 * from reads that can fail half way.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "container.h"
#include "internal.h"
#include "../../bpf/proctrail-event.h"

/* The input as a cgroup path the id resolved to: its names are whoever made
 * the cgroup's. */
static void attribute(const uint8_t *data, size_t size)
{
	char *path = malloc(size + 1);
	struct pt_proc p;

	if (!path)
		return;
	memcpy(path, data, size);
	path[size] = '\0';
	pt_proc_init(&p);
	p.cgroup_id = 1;
	if (pt_bpf_attribute(&p, path, size && (data[size - 1] & 1)) == 0) {
		FUZZ_CHECK(!pt_proc_has(&p, PT_F_CGROUP) || strcmp(p.cgroup, path) == 0);
		FUZZ_CHECK(pt_proc_has(&p, PT_F_CONTAINER) || !p.ctr);
		FUZZ_CHECK(!p.ctr || (p.ctr->id && p.ctr->id[0]));
	}
	pt_proc_clear(&p);
	free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_raw raw;
	struct pt_bpf_meta meta;

	if (size && data[0] == '/')
		attribute(data, size);
	if (pt_bpf_decode(data, size, &raw, &meta) != 0)
		return 0;
	if (raw.info) {
		struct pt_proc *p = raw.info;

		FUZZ_CHECK(memchr(p->comm, '\0', sizeof(p->comm)) != NULL);
		if (p->args) {
			FUZZ_CHECK(p->args_len > 0 && p->args[p->args_len - 1] == '\0');
			FUZZ_CHECK(pt_args_count(p->args, p->args_len) == p->argc);
		}
		FUZZ_CHECK(p->exe == NULL || p->exe[0] == '/' || p->exe[0] != '\0');
		FUZZ_CHECK(!pt_proc_has(p, PT_F_NSPID) || p->vpid != 0);
	}
	if (raw.type == PT_EV_EXEC_FAILED && raw.u.failed.args) {
		FUZZ_CHECK(raw.u.failed.args_len == 0 ||
			   raw.u.failed.args[raw.u.failed.args_len - 1] == '\0');
		FUZZ_CHECK(pt_args_count(raw.u.failed.args, raw.u.failed.args_len) ==
			   raw.u.failed.argc);
	}
	pt_bpf_raw_free(&raw);
	return 0;
}
