/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup id <-> path over a fixture tree: a temporary directory stands in for
 * the cgroup2 mount (cgroup.controllers marks it), its inode numbers for the
 * kernfs ids.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "container.h"
#include "internal.h"
#include "fixture.h"

#define CRI "cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope"
#define POD                                         \
	"/kubepods.slice/kubepods-burstable.slice/" \
	"kubepods-burstable-pod1234abcd_5678_90ab_cdef_1234567890ab.slice"
#define DOCKER           \
	"/system.slice/" \
	"docker-fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210.scope"

static char *root; /* the sys root */
static char mnt[PATH_MAX]; /* the stand-in mount */
static struct pt_cgid *g;

static void fx_mkdirs(const char *rel)
{
	char p[2 * PATH_MAX];

	snprintf(p, sizeof(p), "%s%s", mnt, rel);
	for (char *s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	cr_assert(mkdir(p, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", p, strerror(errno));
}

static void fx_file(const char *rel)
{
	char p[2 * PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s%s", mnt, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert(fd >= 0, "%s: %s", p, strerror(errno));
	close(fd);
}

static uint64_t ino(const char *rel)
{
	char p[2 * PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s%s", mnt, rel);
	cr_assert(stat(p, &st) == 0, "%s: %s", p, strerror(errno));
	return st.st_ino;
}

/* A sys root whose v2 mount is sys/fs/cgroup (pure v2) or .../unified (hybrid). */
static void make_root(bool hybrid)
{
	root = fx_root_new();
	cr_assert_not_null(root);
	snprintf(mnt, sizeof(mnt), "%s/sys/fs/cgroup%s", root, hybrid ? "/unified" : "");
	fx_mkdirs("");
	fx_file("/cgroup.controllers");
	fx_file("/cgroup.procs");
	fx_mkdirs(POD "/" CRI);
	fx_file(POD "/" CRI "/cgroup.procs");
	fx_mkdirs(DOCKER);
	fx_mkdirs("/user.slice/user-1000.slice/session-3.scope");
}

static void fini(void)
{
	pt_cgid_close(g);
	g = NULL;
	fx_root_free(root);
	root = NULL;
}

TestSuite(cgroup_id, .fini = fini);

/* The end of a test: everything freed, and LeakSanitizer finds nothing
 * (Criterion ignores failures in .fini). */
static void done(void)
{
	fini();
	cr_assert_eq(fx_leaks(), 0);
}

Test(cgroup_id, pure_v2_paths_as_proc_writes_them)
{
	make_root(false);
	cr_assert_eq(pt_cgid_open(&g, root), 0);
	cr_assert_not(pt_cgid_hybrid(g));
	cr_assert_str_eq(pt_cgid_path(g, ino("")), "/");
	cr_assert_str_eq(pt_cgid_path(g, ino(POD "/" CRI)), POD "/" CRI);
	cr_assert_str_eq(pt_cgid_path(g, ino(POD)), POD);
	cr_assert_str_eq(pt_cgid_path(g, ino(DOCKER)), DOCKER);
	cr_assert_str_eq(pt_cgid_path(g, ino("/user.slice/user-1000.slice")),
			 "/user.slice/user-1000.slice");
	done();
}

Test(cgroup_id, hybrid_mount_is_unified)
{
	make_root(true);
	cr_assert_eq(pt_cgid_open(&g, root), 0);
	cr_assert(pt_cgid_hybrid(g));
	cr_assert_str_eq(pt_cgid_path(g, ino(DOCKER)), DOCKER);
	cr_assert_str_eq(pt_cgid_path(g, ino("")), "/");
	done();
}

Test(cgroup_id, no_v2_mount)
{
	root = fx_root_new();
	snprintf(mnt, sizeof(mnt), "%s/sys/fs/cgroup", root);
	fx_mkdirs("/unified");
	fx_mkdirs("/memory"); /* v1 only: no cgroup.controllers anywhere */
	cr_assert_eq(pt_cgid_open(&g, root), -ENOENT);
	cr_assert_null(g);
	done();
}

Test(cgroup_id, files_are_not_cgroups)
{
	uint64_t id;

	make_root(false);
	cr_assert_eq(pt_cgid_open(&g, root), 0);
	errno = 0;
	cr_assert_null(pt_cgid_path(g, ino("/cgroup.procs")));
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(pt_cgid_of_path(g, "/cgroup.procs", &id), -ENOTDIR);
	done();
}

Test(cgroup_id, of_path)
{
	uint64_t id = 0;

	make_root(false);
	cr_assert_eq(pt_cgid_open(&g, root), 0);
	cr_assert_eq(pt_cgid_of_path(g, POD "/" CRI, &id), 0);
	cr_assert_eq(id, ino(POD "/" CRI));
	cr_assert_eq(pt_cgid_of_path(g, "/", &id), 0);
	cr_assert_eq(id, ino(""));
	cr_assert_eq(pt_cgid_of_path(g, "/system.slice/nope.scope", &id), -ENOENT);
	/* nothing outside the mount, nothing relative */
	cr_assert_eq(pt_cgid_of_path(g, "/..", &id), -EINVAL);
	cr_assert_eq(pt_cgid_of_path(g, "/system.slice/../..", &id), -EINVAL);
	cr_assert_eq(pt_cgid_of_path(g, "/./system.slice", &id), -EINVAL);
	cr_assert_eq(pt_cgid_of_path(g, "system.slice", &id), -EINVAL);
	cr_assert_eq(pt_cgid_of_path(g, "", &id), -EINVAL);
	cr_assert_eq(pt_cgid_of_path(g, "/system.slice//x", &id), -EINVAL);
	cr_assert_eq(pt_cgid_of_path(g, "/system.slice/", &id), -EINVAL);
	done();
}

/* A miss walks again, but not twice within PT_CGID_RESCAN_US. */
Test(cgroup_id, rescan_on_miss_rate_limited)
{
	struct pt_cgid_stats st;
	int64_t t = pt_mono_us() + 1000000000; /* after the walk of open */
	uint64_t scans, id;

	make_root(false);
	cr_assert_eq(pt_cgid_open(&g, root), 0);
	cr_assert_null(pt_cgid_path_at(g, 1ull << 62, t)); /* walks at t */
	pt_cgid_stats(g, &st);
	scans = st.scans;
	cr_assert_eq(scans, 2, "open, then the miss");

	fx_mkdirs("/system.slice/new.service");
	id = ino("/system.slice/new.service");
	cr_assert_null(pt_cgid_path_at(g, id, t + PT_CGID_RESCAN_US - 1));
	pt_cgid_stats(g, &st);
	cr_assert_eq(st.scans, scans, "no walk within the interval");
	cr_assert_str_eq(pt_cgid_path_at(g, id, t + PT_CGID_RESCAN_US),
			 "/system.slice/new.service");
	pt_cgid_stats(g, &st);
	cr_assert_eq(st.scans, scans + 1);
	/* a hit walks never */
	cr_assert_str_eq(pt_cgid_path_at(g, id, t + PT_CGID_RESCAN_US + 1),
			 "/system.slice/new.service");
	pt_cgid_stats(g, &st);
	cr_assert_eq(st.scans, scans + 1);
	cr_assert_eq(st.misses, 2);
	done();
}

/* A removed cgroup leaves the table at the next walk. */
Test(cgroup_id, removed_cgroup_goes)
{
	char p[2 * PATH_MAX];
	int64_t t = pt_mono_us() + 1000000000;
	uint64_t id;

	make_root(false);
	fx_mkdirs("/system.slice/gone.service");
	id = ino("/system.slice/gone.service");
	cr_assert_eq(pt_cgid_open(&g, root), 0);
	cr_assert_str_eq(pt_cgid_path(g, id), "/system.slice/gone.service");
	snprintf(p, sizeof(p), "%s/system.slice/gone.service", mnt);
	cr_assert_eq(rmdir(p), 0);
	cr_assert_null(pt_cgid_path_at(g, 1ull << 62, t));
	cr_assert_null(pt_cgid_path_at(g, id, t + 1));
}

static unsigned count_dirs(void)
{
	/* "", kubepods.slice, burstable, pod, cri, system.slice, docker,
	 * user.slice, user-1000.slice, session-3.scope */
	return 10;
	done();
}

/* Over the limits, the rest is counted, not mapped. */
Test(cgroup_id, bounded)
{
	struct pt_cgid_stats st;
	unsigned mapped = 0;
	const char *dirs[] = {"", POD "/" CRI, POD, DOCKER, "/system.slice", "/user.slice"};

	make_root(false);
	cr_assert_eq(pt_cgid_open(&g, root), 0);
	pt_cgid_stats(g, &st);
	cr_assert_eq(st.entries, count_dirs());
	cr_assert_eq(st.unmapped, 0);
	cr_assert_gt(st.mem, sizeof(uint64_t) * st.entries);

	pt_cgid_limits(g, 4, PT_CGID_MAX_BYTES);
	cr_assert_null(pt_cgid_path_at(g, 1ull << 62, pt_mono_us() + 1000000000));
	pt_cgid_stats(g, &st);
	cr_assert_eq(st.entries, 4);
	cr_assert_eq(st.unmapped, count_dirs() - 4);
	for (unsigned i = 0; i < PT_ARRAY_SIZE(dirs); i++)
		mapped += pt_cgid_path_at(g, ino(dirs[i]), pt_mono_us() + 1000000001) != NULL;
	cr_assert_leq(mapped, 4);
	cr_assert_geq(mapped, 1, "the root comes first");

	/* bytes: the root's "/" and nothing longer than 40 bytes in total */
	pt_cgid_limits(g, PT_CGID_MAX_ENTRIES, 40);
	cr_assert_null(pt_cgid_path_at(g, 1ull << 62, pt_mono_us() + 2000000000));
	pt_cgid_stats(g, &st);
	cr_assert_gt(st.unmapped, 0);
	cr_assert_eq(st.entries + st.unmapped, count_dirs());
	cr_assert_null(pt_cgid_path_at(g, ino(POD "/" CRI), pt_mono_us() + 2000000001));
	done();
}

Test(cgroup_id, too_deep_is_unmapped)
{
	struct pt_cgid_stats st;
	char rel[PATH_MAX] = "";

	make_root(false);
	for (unsigned i = 0; i < 40; i++)
		strcat(rel, "/d");
	fx_mkdirs(rel);
	cr_assert_eq(pt_cgid_open(&g, root), 0);
	pt_cgid_stats(g, &st);
	cr_assert_eq(st.entries, count_dirs() + 32);
	cr_assert_eq(st.unmapped, 1, "the first directory too deep; what is below is not walked");
	rel[2 * 32] = '\0';
	cr_assert_str_eq(pt_cgid_path(g, ino(rel)), rel);
	done();
}
