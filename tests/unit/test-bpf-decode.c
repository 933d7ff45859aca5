/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Decoding of BPF ring buffer records, built by hand: no kernel needed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "container.h"
#include "internal.h"
#include "fixture.h"
#include "../../bpf/proctrail-event.h"

struct rec {
	struct pt_bpf_event e;
	char tail[1024];
};

static struct pt_raw raw;
static struct pt_bpf_meta meta;

static void raw_free(void)
{
	pt_bpf_raw_free(&raw);
}

TestSuite(bpf_decode, .fini = raw_free);

static void base(struct rec *r, uint32_t type, uint32_t pid, uint32_t tid)
{
	memset(r, 0, sizeof(*r));
	r->e.type = type;
	r->e.pid = pid;
	r->e.tid = tid;
	r->e.old_tid = tid;
	r->e.ppid = 100;
	r->e.ptid = 101;
	r->e.start = 123456;
	r->e.time_ns = 5000000000ull;
	r->e.cgroup_id = 4242;
	r->e.uid = 1000;
	r->e.euid = 0;
	r->e.gid = 1001;
	r->e.egid = 1002;
	for (unsigned i = 0; i < PT_BPF_NS_COUNT; i++)
		r->e.ns[i] = 4026531830u + i;
	memcpy(r->e.comm, "worker", 7);
}

/* An exec record with a path area and argv; returns its length. */
static size_t exec_rec(struct rec *r, uint32_t flags, const char *path, size_t plen, unsigned depth,
		       const char *argv, size_t alen)
{
	base(r, PT_BPF_EXEC, 700, 700);
	r->e.flags = flags;
	r->e.path_len = plen;
	r->e.path_depth = depth;
	r->e.argv_len = alen;
	r->e.argv_full = alen;
	memcpy(r->tail, path, plen);
	memcpy(r->tail + plen, argv, alen);
	return sizeof(r->e) + plen + alen;
}

static int decode(const struct rec *r, size_t len)
{
	return pt_bpf_decode(r, len, &raw, &meta);
}

Test(bpf_decode, fork_of_a_process)
{
	struct rec r;

	base(&r, PT_BPF_FORK, 500, 500);
	cr_assert_eq(decode(&r, sizeof(r.e)), 0);
	cr_assert_eq(raw.type, PT_EV_FORK);
	cr_assert_eq(raw.pid, 500);
	cr_assert_eq(raw.tid, 500);
	cr_assert_eq(raw.ppid, 100);
	cr_assert_eq(raw.ptid, 101);
	cr_assert_eq(raw.start, 123456);
	cr_assert_eq(raw.time_us, 0, "converted by the source");
	cr_assert_eq(meta.time_ns, 5000000000ull);
	cr_assert_eq(meta.cgroup_id, 4242);
	cr_assert_not_null(raw.info);
	cr_assert_eq(raw.info->pid, 500);
	cr_assert_eq(raw.info->ppid, 100);
	cr_assert_eq(raw.info->start, 123456);
	cr_assert_str_eq(raw.info->comm, "worker");
	cr_assert_eq(raw.info->uid, 1000);
	cr_assert_eq(raw.info->euid, 0);
	cr_assert_eq(raw.info->gid, 1001);
	cr_assert_eq(raw.info->egid, 1002);
	cr_assert_eq(raw.info->ns[PT_NS_CGROUP], 4026531830u + PT_BPF_NS_CGROUP);
	cr_assert_eq(raw.info->ns[PT_NS_MNT], 4026531830u + PT_BPF_NS_MNT);
	cr_assert_eq(raw.info->ns[PT_NS_PID], 4026531830u + PT_BPF_NS_PID);
	cr_assert_eq(raw.info->ns[PT_NS_NET], 4026531830u + PT_BPF_NS_NET);
	cr_assert_eq(raw.info->ns[PT_NS_UTS], 4026531830u + PT_BPF_NS_UTS);
	cr_assert_eq(raw.info->src[PT_F_CREDS], PT_SRC_BPF);
	cr_assert_eq(raw.info->src[PT_F_NS], PT_SRC_BPF);
	cr_assert_eq(raw.info->src[PT_F_START], PT_SRC_BPF);
	cr_assert_eq(raw.info->src[PT_F_COMM], PT_SRC_BPF);
	cr_assert_eq(raw.info->src[PT_F_EXE], PT_SRC_NONE, "a fork has no exe of its own");
	cr_assert_eq(raw.info->src[PT_F_CWD], PT_SRC_NONE, "left for the core");
	cr_assert_eq(raw.info->tier, PT_TIER_BPF);
}

Test(bpf_decode, session_and_loginuid_when_read)
{
	struct rec r;

	base(&r, PT_BPF_EXEC, 700, 700);
	r.e.known = PT_BPF_K_SESSION | PT_BPF_K_LOGINUID;
	r.e.sid = 650;
	r.e.pgid = 690;
	r.e.tty_nr = 34816;
	r.e.loginuid = 1000;
	cr_assert_eq(decode(&r, sizeof(r.e)), 0);
	cr_assert_eq(raw.info->sid, 650);
	cr_assert_eq(raw.info->pgid, 690);
	cr_assert_eq(raw.info->tty_nr, 34816);
	cr_assert_eq(raw.info->loginuid, 1000);
	cr_assert_eq(raw.info->src[PT_F_SID], PT_SRC_BPF);
	cr_assert_eq(raw.info->src[PT_F_PGID], PT_SRC_BPF);
	cr_assert_eq(raw.info->src[PT_F_TTY], PT_SRC_BPF);
	cr_assert_eq(raw.info->src[PT_F_LOGINUID], PT_SRC_BPF);
	raw_free();

	/* a process fork carries them too; no terminal is tty 0, known */
	base(&r, PT_BPF_FORK, 500, 500);
	r.e.known = PT_BPF_K_SESSION;
	r.e.sid = 1;
	r.e.pgid = 500;
	r.e.loginuid = (uint32_t)-1;
	cr_assert_eq(decode(&r, sizeof(r.e)), 0);
	cr_assert_eq(raw.info->sid, 1);
	cr_assert_eq(raw.info->pgid, 500);
	cr_assert_eq(raw.info->tty_nr, 0);
	cr_assert_eq(raw.info->src[PT_F_TTY], PT_SRC_BPF);
	cr_assert_eq(raw.info->src[PT_F_LOGINUID], PT_SRC_NONE, "kernel without audit");
}

/* The capability sets of real_cred, read in kernel at fork and exec. */
Test(bpf_decode, caps_when_read)
{
	struct rec r;

	base(&r, PT_BPF_EXEC, 700, 700);
	r.e.known = PT_BPF_K_CAPS;
	r.e.cap_prm = 0x1ffffffffffull;
	r.e.cap_eff = 1u << 21;
	r.e.cap_inh = 4;
	cr_assert_eq(decode(&r, sizeof(r.e)), 0);
	cr_assert_eq(raw.info->src[PT_F_CAPS], PT_SRC_BPF);
	cr_assert_eq(raw.info->cap_prm, 0x1ffffffffffull);
	cr_assert_eq(raw.info->cap_eff, 1u << 21);
	cr_assert_eq(raw.info->cap_inh, 4);
	raw_free();

	/* not flagged (a big-endian kernel): left for the core to read */
	base(&r, PT_BPF_FORK, 500, 500);
	r.e.cap_prm = 1;
	cr_assert_eq(decode(&r, sizeof(r.e)), 0);
	cr_assert_eq(raw.info->src[PT_F_CAPS], PT_SRC_NONE);
}

Test(bpf_decode, session_unknown_when_not_read)
{
	struct rec r;

	base(&r, PT_BPF_EXEC, 700, 700);
	r.e.sid = 650; /* not flagged: not to be trusted */
	cr_assert_eq(decode(&r, sizeof(r.e)), 0);
	cr_assert_eq(raw.info->src[PT_F_SID], PT_SRC_NONE);
	cr_assert_eq(raw.info->src[PT_F_PGID], PT_SRC_NONE);
	cr_assert_eq(raw.info->src[PT_F_TTY], PT_SRC_NONE);
	cr_assert_eq(raw.info->src[PT_F_LOGINUID], PT_SRC_NONE);
}

Test(bpf_decode, nspid_when_read)
{
	static const struct {
		uint32_t type, known, vpid, vpgid;
		bool want;
	} cases[] = {
		/* pid 1 of a namespace whose process group is led from outside */
		{PT_BPF_FORK, PT_BPF_K_NSPID, 1, 0, true},
		{PT_BPF_EXEC, PT_BPF_K_NSPID | PT_BPF_K_SESSION, 7, 3, true},
		/* not read (an older program), or no number: unknown */
		{PT_BPF_EXEC, 0, 7, 3, false},
		{PT_BPF_EXEC, PT_BPF_K_NSPID, 0, 0, false},
		/* an exit carries none */
		{PT_BPF_EXIT, PT_BPF_K_NSPID, 7, 3, false},
	};
	struct rec r;

	for (unsigned i = 0; i < PT_ARRAY_SIZE(cases); i++) {
		base(&r, cases[i].type, 500, 500);
		r.e.known = cases[i].known;
		r.e.pgid = 690;
		r.e.vpid = cases[i].vpid;
		r.e.vpgid = cases[i].vpgid;
		cr_assert_eq(decode(&r, sizeof(r.e)), 0, "case %u", i);
		cr_assert_eq(raw.info->src[PT_F_NSPID], cases[i].want ? PT_SRC_BPF : PT_SRC_NONE,
			     "case %u", i);
		if (cases[i].want) {
			cr_assert_eq(raw.info->vpid, (pid_t)cases[i].vpid, "case %u", i);
			cr_assert_eq(raw.info->vpgid, (pid_t)cases[i].vpgid, "case %u", i);
		}
		if (cases[i].known & PT_BPF_K_SESSION)
			cr_assert_eq(raw.info->pgid, 690, "the initial namespace's stays apart");
		if (cases[i].type != PT_BPF_EXIT) {
			cr_assert_eq(raw.info->cgroup_id, 4242);
			cr_assert_eq(raw.info->src[PT_F_CGROUP], PT_SRC_NONE, "the resolver's");
			cr_assert_eq(raw.info->src[PT_F_CONTAINER], PT_SRC_NONE);
		}
		raw_free();
	}
}

/* The record layout is shared with the programs: the new members sit where
 * the reserved ones were, the size is unchanged. */
Test(bpf_decode, nspid_layout)
{
	cr_assert_eq(offsetof(struct pt_bpf_event, vpid), offsetof(struct pt_bpf_event, err) + 4);
	cr_assert_eq(offsetof(struct pt_bpf_event, vpgid), 204);
	/* the capability sets were appended after it */
	cr_assert_eq(offsetof(struct pt_bpf_event, cap_prm), 208);
	cr_assert_eq(sizeof(struct pt_bpf_event), 232);
}

#define CID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define KPOD                                        \
	"/kubepods.slice/kubepods-burstable.slice/" \
	"kubepods-burstable-pod1234abcd_5678_90ab_cdef_1234567890ab.slice"

static struct pt_proc *exec_info(void)
{
	struct rec r;

	base(&r, PT_BPF_EXEC, 700, 700);
	cr_assert_eq(decode(&r, sizeof(r.e)), 0);
	return raw.info;
}

Test(bpf_decode, attribute_container)
{
	struct pt_proc *p = exec_info();

	cr_assert_eq(pt_bpf_attribute(p, KPOD "/cri-containerd-" CID ".scope", false), 0);
	cr_assert_str_eq(p->cgroup, KPOD "/cri-containerd-" CID ".scope");
	cr_assert_eq(p->src[PT_F_CGROUP], PT_SRC_BPF);
	cr_assert_eq(p->src[PT_F_CONTAINER], PT_SRC_BPF);
	cr_assert_not_null(p->ctr);
	cr_assert_str_eq(p->ctr->id, CID);
	cr_assert_eq(p->ctr->runtime, PT_RT_CONTAINERD);
	cr_assert_str_eq(p->ctr->pod_uid, "1234abcd-5678-90ab-cdef-1234567890ab");
	cr_assert_eq(p->ctr->qos, PT_QOS_BURSTABLE);
	cr_assert_eq(p->ctr->cgroup_id, 4242, "the process is in the container's own cgroup");
	cr_assert_eq(p->cgroup_id, 4242);
	raw_free();
	cr_assert_eq(fx_leaks(), 0);
}

/* A hybrid host's v2 path that names a container is as good as a v2 host's. */
Test(bpf_decode, attribute_container_on_hybrid)
{
	struct pt_proc *p = exec_info();

	cr_assert_eq(pt_bpf_attribute(p, "/system.slice/docker-" CID ".scope/init", true), 0);
	cr_assert_eq(p->src[PT_F_CONTAINER], PT_SRC_BPF);
	cr_assert_not_null(p->ctr);
	cr_assert_str_eq(p->ctr->id, CID);
	cr_assert_eq(p->ctr->runtime, PT_RT_DOCKER);
	cr_assert_eq(p->ctr->cgroup_id, 0, "a sub-cgroup's id is not the container's");
	cr_assert_str_eq(p->cgroup, "/system.slice/docker-" CID ".scope/init");
	raw_free();
	cr_assert_eq(fx_leaks(), 0);
}

Test(bpf_decode, attribute_host)
{
	struct pt_proc *p = exec_info();

	cr_assert_eq(pt_bpf_attribute(p, "/user.slice/user-1000.slice/session-3.scope", false), 0);
	cr_assert_str_eq(p->cgroup, "/user.slice/user-1000.slice/session-3.scope");
	cr_assert_eq(p->src[PT_F_CGROUP], PT_SRC_BPF);
	cr_assert_eq(p->src[PT_F_CONTAINER], PT_SRC_BPF, "the host is an attribution");
	cr_assert_null(p->ctr);
	raw_free();

	p = exec_info();
	cr_assert_eq(pt_bpf_attribute(p, "/", false), 0);
	cr_assert_str_eq(p->cgroup, "/");
	cr_assert_eq(p->src[PT_F_CONTAINER], PT_SRC_BPF);
	cr_assert_null(p->ctr);
	raw_free();
	cr_assert_eq(fx_leaks(), 0);
}

/* Hybrid: "/" or a service on v2 says nothing about the v1 lines: /proc decides. */
Test(bpf_decode, attribute_left_to_proc_on_hybrid)
{
	const char *paths[] = {"/", "/system.slice/docker.service", "/user.slice"};

	for (unsigned i = 0; i < PT_ARRAY_SIZE(paths); i++) {
		struct pt_proc *p = exec_info();

		cr_assert_eq(pt_bpf_attribute(p, paths[i], true), 0);
		cr_assert_null(p->cgroup, "%s", paths[i]);
		cr_assert_eq(p->src[PT_F_CGROUP], PT_SRC_NONE, "%s", paths[i]);
		cr_assert_eq(p->src[PT_F_CONTAINER], PT_SRC_NONE, "%s", paths[i]);
		cr_assert_null(p->ctr);
		cr_assert_eq(p->cgroup_id, 4242, "the id stays");
		raw_free();
	}
	raw_free();
	cr_assert_eq(fx_leaks(), 0);
}

/* An id no walk resolved: nothing known but the id. */
Test(bpf_decode, attribute_unresolved)
{
	struct pt_proc *p = exec_info();

	cr_assert_eq(pt_bpf_attribute(p, NULL, false), 0);
	cr_assert_null(p->cgroup);
	cr_assert_eq(p->src[PT_F_CGROUP], PT_SRC_NONE);
	cr_assert_eq(p->src[PT_F_CONTAINER], PT_SRC_NONE);
	cr_assert_eq(p->cgroup_id, 4242);
	raw_free();
	cr_assert_eq(fx_leaks(), 0);
}

Test(bpf_decode, fork_of_a_thread)
{
	struct rec r;

	base(&r, PT_BPF_FORK, 500, 503);
	r.e.flags = PT_BPF_F_THREAD;
	cr_assert_eq(decode(&r, sizeof(r.e)), 0);
	cr_assert_eq(raw.type, PT_EV_FORK);
	cr_assert_eq(raw.pid, 500);
	cr_assert_eq(raw.tid, 503);
	cr_assert_null(raw.info);
}

Test(bpf_decode, comm_without_nul_is_cut)
{
	struct rec r;

	base(&r, PT_BPF_FORK, 500, 500);
	memset(r.e.comm, 'x', sizeof(r.e.comm));
	cr_assert_eq(decode(&r, sizeof(r.e)), 0);
	cr_assert_eq(strlen(raw.info->comm), PT_COMM_LEN - 1);
}

Test(bpf_decode, exec_with_walked_path_and_argv)
{
	static const char path[] = "true\0bin\0usr";
	static const char argv[] = "true\0-x\0TAG-17";
	struct rec r;
	size_t len = exec_rec(&r, PT_BPF_F_EXE_WALK, path, sizeof(path), 3, argv, sizeof(argv));

	cr_assert_eq(decode(&r, len), 0);
	cr_assert_eq(raw.type, PT_EV_EXEC);
	cr_assert_eq(raw.pid, 700);
	cr_assert_eq(raw.tid, 700);
	cr_assert_not_null(raw.info);
	cr_assert_str_eq(raw.info->exe, "/usr/bin/true");
	cr_assert_eq(raw.info->src[PT_F_EXE], PT_SRC_BPF);
	cr_assert_eq(raw.info->args_len, sizeof(argv));
	cr_assert_eq(memcmp(raw.info->args, argv, sizeof(argv)), 0);
	cr_assert_eq(raw.info->argc, 3);
	cr_assert_not(raw.info->args_truncated);
	cr_assert_eq(raw.info->src[PT_F_ARGV], PT_SRC_BPF);
	cr_assert_eq(raw.info->src[PT_F_CREDS], PT_SRC_BPF);
	cr_assert_eq(raw.info->euid, 0);
}

Test(bpf_decode, exec_single_component_path)
{
	struct rec r;
	size_t len = exec_rec(&r, PT_BPF_F_EXE_WALK, "init", 5, 1, "init", 5);

	cr_assert_eq(decode(&r, len), 0);
	cr_assert_str_eq(raw.info->exe, "/init");
}

Test(bpf_decode, exec_truncated_argv_gets_its_nul)
{
	static const char argv[] = {'a', 'b', 0, 'c', 'd'}; /* cut inside "cd..." */
	struct rec r;
	size_t len = exec_rec(&r, PT_BPF_F_EXE_WALK | PT_BPF_F_ARGV_TRUNC, "x", 2, 1, argv,
			      sizeof(argv));

	r.e.argv_full = 100000;
	cr_assert_eq(decode(&r, len), 0);
	cr_assert(raw.info->args_truncated);
	cr_assert_eq(raw.info->args_len, sizeof(argv) + 1);
	cr_assert_eq(raw.info->args[sizeof(argv)], '\0');
	cr_assert_str_eq(raw.info->args + 3, "cd");
	cr_assert_eq(raw.info->argc, 2);
	cr_assert(meta.flags & PT_BPF_F_ARGV_TRUNC);
}

Test(bpf_decode, exec_of_an_unlinked_file)
{
	struct rec r;
	size_t len =
		exec_rec(&r, PT_BPF_F_EXE_WALK | PT_BPF_F_EXE_DELETED, "a.out\0tmp", 10, 2, "a", 2);

	cr_assert_eq(decode(&r, len), 0);
	cr_assert_str_eq(raw.info->exe, "/tmp/a.out (deleted)");
}

Test(bpf_decode, exec_of_a_memfd_named_with_a_slash)
{
	struct rec r;
	size_t len =
		exec_rec(&r, PT_BPF_F_EXE_WALK | PT_BPF_F_EXE_DELETED, "memfd:a/b", 10, 1, "m", 2);

	cr_assert_eq(decode(&r, len), 0, "an exec is never dropped for its name");
	cr_assert_str_eq(raw.info->exe, "/memfd:a/b (deleted)");
}

Test(bpf_decode, exec_filename_fallback_is_marked)
{
	struct rec r;
	size_t len = exec_rec(&r, PT_BPF_F_EXE_FILENAME | PT_BPF_F_EXE_CUT, "./deep/prog", 12, 0,
			      "prog", 5);

	cr_assert_eq(decode(&r, len), 0);
	cr_assert_str_eq(raw.info->exe, "./deep/prog");
	cr_assert_eq(raw.info->src[PT_F_EXE], PT_SRC_EVENT, "not a resolved path");
	cr_assert(meta.flags & PT_BPF_F_EXE_FILENAME);
	cr_assert(meta.flags & PT_BPF_F_EXE_CUT);
}

Test(bpf_decode, exec_without_exe_or_argv)
{
	struct rec r;
	size_t len = exec_rec(&r, PT_BPF_F_ARGV_FAULT, "", 0, 0, "", 0);

	cr_assert_eq(decode(&r, len), 0);
	cr_assert_null(raw.info->exe);
	cr_assert_eq(raw.info->src[PT_F_EXE], PT_SRC_NONE);
	cr_assert_null(raw.info->args);
	cr_assert_eq(raw.info->src[PT_F_ARGV], PT_SRC_NONE, "left for /proc");
	cr_assert(meta.flags & PT_BPF_F_ARGV_FAULT);
}

Test(bpf_decode, exec_by_a_thread)
{
	struct rec r;
	size_t len =
		exec_rec(&r, PT_BPF_F_EXE_WALK | PT_BPF_F_THREAD_EXEC, "sh\0bin", 7, 2, "sh", 3);

	r.e.old_tid = 705;
	cr_assert_eq(decode(&r, len), 0);
	cr_assert_eq(raw.pid, 700);
	cr_assert_eq(raw.tid, 705, "the thread that called exec");
	cr_assert_eq(meta.old_tid, 705);
	cr_assert(meta.flags & PT_BPF_F_THREAD_EXEC);
	cr_assert_str_eq(raw.info->exe, "/bin/sh");
}

Test(bpf_decode, exit_with_code)
{
	struct rec r;

	base(&r, PT_BPF_EXIT, 800, 800);
	r.e.exit_code = 3 << 8;
	cr_assert_eq(decode(&r, sizeof(r.e)), 0);
	cr_assert_eq(raw.type, PT_EV_EXIT);
	cr_assert_eq(raw.pid, 800);
	cr_assert_eq(raw.tid, 800);
	cr_assert_eq(raw.u.exit.status, 0x300);
	cr_assert_eq(raw.u.exit.signal, 0);
	cr_assert_not(raw.u.exit.core);
	cr_assert_eq(raw.ppid, 100);
	cr_assert_not_null(raw.info);
	cr_assert_str_eq(raw.info->comm, "worker");
	cr_assert_eq(raw.info->start, 123456);
}

Test(bpf_decode, exit_by_signal)
{
	struct rec r;

	base(&r, PT_BPF_EXIT, 800, 800);
	r.e.exit_code = 9;
	cr_assert_eq(decode(&r, sizeof(r.e)), 0);
	cr_assert_eq(raw.u.exit.status, 9);
	cr_assert_eq(raw.u.exit.signal, 9);
	cr_assert_not(raw.u.exit.core);
}

Test(bpf_decode, exit_with_core_dump)
{
	struct rec r;

	base(&r, PT_BPF_EXIT, 800, 800);
	r.e.exit_code = 0x80 | 11;
	cr_assert_eq(decode(&r, sizeof(r.e)), 0);
	cr_assert_eq(raw.u.exit.signal, 11);
	cr_assert(raw.u.exit.core);
}

Test(bpf_decode, process_exit_by_its_last_thread)
{
	struct rec r;

	base(&r, PT_BPF_EXIT, 800, 804);
	cr_assert_eq(decode(&r, sizeof(r.e)), 0);
	cr_assert_eq(raw.tid, 800, "tid == pid: the process is over");
	cr_assert_eq(meta.tid, 804);
}

Test(bpf_decode, thread_exit)
{
	struct rec r;

	base(&r, PT_BPF_EXIT, 800, 804);
	r.e.flags = PT_BPF_F_THREAD;
	cr_assert_eq(decode(&r, sizeof(r.e)), 0);
	cr_assert_eq(raw.pid, 800);
	cr_assert_eq(raw.tid, 804);
	cr_assert_null(raw.info);
}

Test(bpf_decode, leader_exit_before_its_threads_is_dropped)
{
	struct rec r;

	base(&r, PT_BPF_EXIT, 800, 800);
	r.e.flags = PT_BPF_F_THREAD;
	cr_assert_eq(decode(&r, sizeof(r.e)), 1);
	cr_assert_null(raw.info);
}

Test(bpf_decode, short_records_are_rejected)
{
	struct rec r;

	base(&r, PT_BPF_FORK, 500, 500);
	cr_assert_eq(decode(&r, 0), -EINVAL);
	cr_assert_eq(decode(&r, sizeof(r.e) - 1), -EINVAL);
	cr_assert_eq(pt_bpf_decode(NULL, 100, &raw, &meta), -EINVAL);
	cr_assert_null(raw.info);
}

Test(bpf_decode, lengths_past_the_end_are_rejected)
{
	struct rec r;
	size_t len = exec_rec(&r, PT_BPF_F_EXE_WALK, "a", 2, 1, "b", 2);

	cr_assert_eq(decode(&r, len - 1), -EINVAL);
	r.e.argv_len = 0xffffffffu;
	cr_assert_eq(decode(&r, len), -EINVAL);
	r.e.argv_len = 2;
	r.e.path_len = 0xffffffffu;
	cr_assert_eq(decode(&r, len), -EINVAL);
	cr_assert_null(raw.info);
}

Test(bpf_decode, malformed_records_are_rejected)
{
	struct rec r;
	size_t len;

	base(&r, 99, 500, 500);
	cr_assert_eq(decode(&r, sizeof(r.e)), -EINVAL, "unknown type");

	base(&r, PT_BPF_FORK, 500, 500);
	r.e.argv_len = 1;
	cr_assert_eq(decode(&r, sizeof(r.e) + 1), -EINVAL, "tail on a fork");

	base(&r, PT_BPF_FORK, 500, 501);
	cr_assert_eq(decode(&r, sizeof(r.e)), -EINVAL, "process fork with tid != pid");

	len = exec_rec(&r, PT_BPF_F_EXE_WALK, "a\0b", 4, 3, "x", 2);
	cr_assert_eq(decode(&r, len), -EINVAL, "depth larger than the names");
	len = exec_rec(&r, PT_BPF_F_EXE_WALK, "a\0b", 4, 1, "x", 2);
	cr_assert_eq(decode(&r, len), -EINVAL, "depth smaller than the names");
	len = exec_rec(&r, PT_BPF_F_EXE_WALK, "a\0\0b", 5, 3, "x", 2);
	cr_assert_eq(decode(&r, len), -EINVAL, "empty name");
	len = exec_rec(&r, PT_BPF_F_EXE_WALK, "ab", 2, 1, "x", 2);
	cr_assert_eq(decode(&r, len), -EINVAL, "name without NUL");
	len = exec_rec(&r, PT_BPF_F_EXE_WALK, "ab", 3, 0, "x", 2);
	cr_assert_eq(decode(&r, len), -EINVAL, "depth 0");
	len = exec_rec(&r, PT_BPF_F_EXE_FILENAME, "ab", 2, 0, "x", 2);
	cr_assert_eq(decode(&r, len), -EINVAL, "filename without NUL");
	len = exec_rec(&r, PT_BPF_F_EXE_FILENAME, "a\0b", 4, 0, "x", 2);
	cr_assert_eq(decode(&r, len), -EINVAL, "bytes after the filename");
	len = exec_rec(&r, 0, "ab", 3, 0, "x", 2);
	cr_assert_eq(decode(&r, len), -EINVAL, "path without a kind");
	cr_assert_null(raw.info);
}

Test(bpf_decode, lost_reports_the_delta)
{
	uint64_t total = 0, cpus[2] = {3, 4};
	struct pt_raw l;

	cr_assert(pt_bpf_lost(&total, cpus, 2, &l));
	cr_assert_eq(l.type, PT_EV_LOST);
	cr_assert_eq(l.u.lost.count, 7);
	cr_assert_not(l.u.lost.estimated);
	cr_assert_str_eq(l.u.lost.reason, "bpf ring buffer full");
	cr_assert_eq(total, 7);

	cr_assert_not(pt_bpf_lost(&total, cpus, 2, &l), "nothing new");
	cpus[0] = 5;
	cr_assert(pt_bpf_lost(&total, cpus, 2, &l));
	cr_assert_eq(l.u.lost.count, 2);
	cr_assert_eq(total, 9);

	cpus[0] = cpus[1] = 0;
	cr_assert_not(pt_bpf_lost(&total, cpus, 2, &l), "a reset is a new baseline");
	cr_assert_eq(total, 0);
	cpus[1] = 1;
	cr_assert(pt_bpf_lost(&total, cpus, 2, &l));
	cr_assert_eq(l.u.lost.count, 1);
}

Test(bpf_decode, a_process_exits_once)
{
	struct pt_bpf_exits x;

	memset(&x, 0, sizeof(x));
	cr_assert_not(pt_bpf_exit_seen(&x, 42, 1000));
	cr_assert(pt_bpf_exit_seen(&x, 42, 1000));
	cr_assert_not(pt_bpf_exit_seen(&x, 42, 2000), "the pid reused");
	for (uint32_t i = 0; i < PT_BPF_EXITS_KEPT; i++)
		cr_assert_not(pt_bpf_exit_seen(&x, 1000 + i, 5));
	cr_assert_not(pt_bpf_exit_seen(&x, 42, 1000), "forgotten after PT_BPF_EXITS_KEPT");
}

Test(bpf_decode, verifier_reason_is_its_last_complaint)
{
	static const char log[] =
		"libbpf: prog 'btf_exec': BPF program load failed: Permission denied\n"
		"libbpf: prog 'btf_exec': -- BEGIN PROG LOAD LOG --\n"
		"0: R1=ctx() R10=fp0\n"
		"; int BPF_PROG(btf_exec, struct task_struct *p)\n"
		"12: (79) r1 = *(u64 *)(r0 +0)\n"
		"R0 invalid mem access 'scalar'\n"
		"processed 13 insns (limit 1000000) max_states_per_insn 0 total_states 1\n"
		"-- END PROG LOAD LOG --\n"
		"libbpf: prog 'btf_exec': failed to load: -13\n"
		"libbpf: failed to load object 'proctrail_bpf'\n";
	char why[128];

	pt_bpf_log_reason(log, why, sizeof(why));
	cr_assert_str_eq(why, "R0 invalid mem access 'scalar'");
	pt_bpf_log_reason(log, why, 8);
	cr_assert_str_eq(why, "R0 inva");
}

Test(bpf_decode, other_failures_give_the_last_line)
{
	char why[128];

	pt_bpf_log_reason("libbpf: map 'events': failed to create: Invalid argument(-22)\n"
			  "libbpf: failed to load object 'proctrail_bpf'\n",
			  why, sizeof(why));
	cr_assert_str_eq(why, "map 'events': failed to create: Invalid argument(-22)");
	pt_bpf_log_reason("libbpf: failed to parse target BTF: -2\n"
			  "libbpf: failed to perform CO-RE relocations: -2\n"
			  "libbpf: failed to load object 'proctrail_bpf'\n"
			  "libbpf: failed to load BPF skeleton 'proctrail_bpf': -2\n",
			  why, sizeof(why));
	cr_assert_str_eq(why, "failed to parse target BTF: -2");
	pt_bpf_log_reason("libbpf: failed to load object 'x'\n", why, sizeof(why));
	cr_assert_str_eq(why, "failed to load object 'x'", "better than nothing");
	pt_bpf_log_reason("", why, sizeof(why));
	cr_assert_str_eq(why, "");
	pt_bpf_log_reason(NULL, why, sizeof(why));
	cr_assert_str_eq(why, "");
}

/* ---- the connector's events and failed execs ---- */

Test(bpf_decode, uid_change)
{
	struct rec r;

	base(&r, PT_BPF_UID, 600, 601);
	r.e.uid = 65534;
	r.e.euid = 0;
	cr_assert_eq(decode(&r, sizeof(r.e)), 0);
	cr_assert_eq(raw.type, PT_EV_UID);
	cr_assert_eq(raw.pid, 600);
	cr_assert_eq(raw.tid, 601, "the thread whose credentials changed");
	cr_assert_eq(raw.u.id.r, 65534);
	cr_assert_eq(raw.u.id.e, 0);
	cr_assert_null(raw.info);
}

Test(bpf_decode, gid_change)
{
	struct rec r;

	base(&r, PT_BPF_GID, 600, 600);
	cr_assert_eq(decode(&r, sizeof(r.e)), 0);
	cr_assert_eq(raw.type, PT_EV_GID);
	cr_assert_eq(raw.u.id.r, 1001);
	cr_assert_eq(raw.u.id.e, 1002);
}

Test(bpf_decode, sid_and_coredump)
{
	struct rec r;

	base(&r, PT_BPF_SID, 600, 600);
	cr_assert_eq(decode(&r, sizeof(r.e)), 0);
	cr_assert_eq(raw.type, PT_EV_SID);
	cr_assert_eq(raw.pid, 600);
	base(&r, PT_BPF_COREDUMP, 600, 600);
	cr_assert_eq(decode(&r, sizeof(r.e)), 0);
	cr_assert_eq(raw.type, PT_EV_COREDUMP);
	cr_assert_eq(raw.ppid, 100);
	cr_assert_eq(raw.ptid, 101);
}

Test(bpf_decode, rename_gives_the_new_name)
{
	struct rec r;

	base(&r, PT_BPF_COMM, 600, 602);
	memcpy(r.e.comm, "renamed", 8);
	cr_assert_eq(decode(&r, sizeof(r.e)), 0);
	cr_assert_eq(raw.type, PT_EV_COMM);
	cr_assert_eq(raw.tid, 602);
	cr_assert_str_eq(raw.u.comm, "renamed");
	/* 16 bytes without a NUL are cut to 15, as the netlink tier cuts them */
	memset(r.e.comm, 'y', sizeof(r.e.comm));
	cr_assert_eq(decode(&r, sizeof(r.e)), 0);
	cr_assert_eq(strnlen(raw.u.comm, PT_COMM_LEN), PT_COMM_LEN - 1);
}

Test(bpf_decode, ptrace_attach_and_detach)
{
	struct rec r;

	base(&r, PT_BPF_PTRACE, 600, 600);
	r.e.tracer_pid = 700;
	r.e.tracer_tid = 701;
	cr_assert_eq(decode(&r, sizeof(r.e)), 0);
	cr_assert_eq(raw.type, PT_EV_PTRACE);
	cr_assert_eq(raw.u.tracer.pid, 700);
	cr_assert_eq(raw.u.tracer.tid, 701);
	r.e.tracer_pid = r.e.tracer_tid = 0;
	cr_assert_eq(decode(&r, sizeof(r.e)), 0);
	cr_assert_eq(raw.u.tracer.pid, 0, "detach");
}

Test(bpf_decode, header_only_records_carry_no_tail)
{
	static const unsigned types[] = {PT_BPF_UID,  PT_BPF_GID,    PT_BPF_SID,
					 PT_BPF_COMM, PT_BPF_PTRACE, PT_BPF_COREDUMP};
	struct rec r;

	for (size_t i = 0; i < PT_ARRAY_SIZE(types); i++) {
		base(&r, types[i], 600, 600);
		r.e.path_len = 4;
		cr_assert_eq(decode(&r, sizeof(r.e) + 4), -EINVAL, "type %u", types[i]);
	}
	base(&r, PT_BPF_UID, 0, 0);
	cr_assert_eq(decode(&r, sizeof(r.e)), -EINVAL, "pid 0");
}

/* An exec_failed record: path (with its NUL) then argv. */
static size_t failed_rec(struct rec *r, int err, const char *path, size_t plen, const char *argv,
			 size_t alen)
{
	base(r, PT_BPF_EXEC_FAILED, 800, 801);
	r->e.err = err;
	r->e.path_len = plen;
	r->e.argv_len = alen;
	r->e.argv_full = alen;
	memcpy(r->tail, path, plen);
	memcpy(r->tail + plen, argv, alen);
	return sizeof(r->e) + plen + alen;
}

Test(bpf_decode, exec_failed_with_path_and_argv)
{
	static const char path[] = "/no/such";
	static const char argv[] = "such\0-x\0\xff\xfe";
	struct rec r;
	size_t len = failed_rec(&r, ENOENT, path, sizeof(path), argv, sizeof(argv) - 1);

	cr_assert_eq(decode(&r, len), 0);
	cr_assert_eq(raw.type, PT_EV_EXEC_FAILED);
	cr_assert_eq(raw.pid, 800);
	cr_assert_eq(raw.tid, 801);
	cr_assert_eq(raw.u.failed.err, ENOENT);
	cr_assert_str_eq(raw.u.failed.path, "/no/such");
	cr_assert_eq(raw.u.failed.argc, 3);
	cr_assert_eq(raw.u.failed.args_len, sizeof(argv), "a NUL added after the cut");
	cr_assert_eq(memcmp(raw.u.failed.args, argv, sizeof(argv)), 0);
	cr_assert_not(raw.u.failed.args_truncated);
	cr_assert_not(raw.u.failed.execveat);
	/* the caller's identity */
	cr_assert_not_null(raw.info);
	cr_assert_str_eq(raw.info->comm, "worker");
	cr_assert_eq(raw.info->uid, 1000);
	cr_assert_eq(raw.info->euid, 0);
	cr_assert_eq(raw.info->ppid, 100);
	cr_assert_eq(raw.info->src[PT_F_CREDS], PT_SRC_BPF);
	cr_assert_eq(raw.info->src[PT_F_ARGV], PT_SRC_NONE,
		     "the caller's argv is not the one asked for");
}

Test(bpf_decode, exec_failed_flags)
{
	static const char path[] = "";
	struct rec r;
	size_t len = failed_rec(&r, E2BIG, path, 1, "a\0", 2);

	r.e.flags = PT_BPF_F_ARGV_TRUNC | PT_BPF_F_EXECVEAT;
	cr_assert_eq(decode(&r, len), 0);
	cr_assert_eq(raw.u.failed.err, E2BIG);
	cr_assert_str_eq(raw.u.failed.path, "", "execveat(fd, \"\", AT_EMPTY_PATH)");
	cr_assert(raw.u.failed.args_truncated);
	cr_assert(raw.u.failed.execveat);
}

Test(bpf_decode, exec_failed_unknown_parts)
{
	struct rec r;
	size_t len = failed_rec(&r, EACCES, "", 0, "", 0);

	/* the path faulted, argv was empty (execve(path, NULL, ...)) */
	r.e.flags = PT_BPF_F_PATH_FAULT;
	cr_assert_eq(decode(&r, len), 0);
	cr_assert_null(raw.u.failed.path);
	cr_assert_not_null(raw.u.failed.args);
	cr_assert_eq(raw.u.failed.args_len, 0);
	cr_assert_eq(raw.u.failed.argc, 0);
	pt_bpf_raw_free(&raw);
	/* argv faulted: unknown, not empty */
	r.e.flags = PT_BPF_F_ARGV_FAULT;
	cr_assert_eq(decode(&r, len), 0);
	cr_assert_null(raw.u.failed.args);
}

Test(bpf_decode, exec_failed_malformed)
{
	struct rec r;
	size_t len;

	len = failed_rec(&r, 0, "/x", 3, "", 0);
	cr_assert_eq(decode(&r, len), -EINVAL, "no errno");
	len = failed_rec(&r, 5000, "/x", 3, "", 0);
	cr_assert_eq(decode(&r, len), -EINVAL, "not an errno");
	len = failed_rec(&r, ENOENT, "/x", 2, "", 0);
	cr_assert_eq(decode(&r, len), -EINVAL, "path without its NUL");
	len = failed_rec(&r, ENOENT, "/x\0y", 5, "", 0);
	cr_assert_eq(decode(&r, len), -EINVAL, "a NUL inside the path");
	len = failed_rec(&r, ENOENT, "/x", 3, "a", 1);
	cr_assert_eq(decode(&r, len - 1), -EINVAL, "argv past the end");
	cr_assert_null(raw.u.failed.path, "nothing left allocated");
}
