/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Containers: enrichment from fixture state trees of every runtime (written
 * here from the formats' documentation), what could not be read and why, image
 * references, and the cache (one entry per id, enrichment once, linger, order,
 * memory), with records' references outliving the cache's.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "fixture.h"
#include "internal.h"

#define ID_A "3f4c2a1b9d8e7f60123456789abcdef0123456789abcdef0123456789abcdef0"
#define ID_B "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define ID_C "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define IMG_ID "7e4d58f0e5f8a1c2b3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f607182930"
#define POD_UID "6c1f2b8e-3a4d-4e5f-9a0b-1c2d3e4f5a6b"
/* 2026-11-30T10:00:00Z */
#define T_CREATED 1796032800LL

static char *root;

static void setup(void)
{
	root = fx_root_new();
	cr_assert_not_null(root);
}

static void teardown(void)
{
	fx_root_free(root);
	cr_assert_eq(fx_leaks(), 0);
}

TestSuite(container, .init = setup, .fini = teardown);

static void put(const char *rel, const char *text)
{
	cr_assert_eq(fx_put(root, rel, text, strlen(text)), 0, "%s", rel);
}

#define putf(fmt, arg, text)                            \
	do {                                            \
		char rel_[512];                         \
		snprintf(rel_, sizeof(rel_), fmt, arg); \
		put(rel_, text);                        \
	} while (0)

static struct pt_container *ctr(enum pt_runtime rt, const char *id, const char *ns,
				const char *cgroup)
{
	struct pt_cgroup_attr a;
	struct pt_container *c;

	memset(&a, 0, sizeof(a));
	a.runtime = rt;
	snprintf(a.id, sizeof(a.id), "%s", id);
	if (ns)
		snprintf(a.ns, sizeof(a.ns), "%s", ns);
	a.dir_len = cgroup ? strlen(cgroup) : 0;
	c = pt_ctr_new(&a, cgroup);
	cr_assert_not_null(c);
	cr_assert_eq(c->refs, 1);
	cr_assert_eq(c->why, PT_WHY_NOT_READ);
	return c;
}

static void assert_str(const char *got, const char *want)
{
	if (!want)
		cr_assert_null(got, "want NULL, got \"%s\"", got);
	else
		cr_assert(got && !strcmp(got, want), "want \"%s\", got \"%s\"", want,
			  got ? got : "(null)");
}

/* What enrichment should have found; NULL: absent. */
struct meta {
	const char *name, *image, *repo, *tag, *image_id, *pod, *ns, *uid;
};

static void assert_meta(const struct pt_container *c, const struct meta *m)
{
	cr_assert_eq(c->why, PT_WHY_NONE, "why %d", c->why);
	assert_str(c->name, m->name);
	assert_str(c->image, m->image);
	assert_str(c->image_repo, m->repo);
	assert_str(c->image_tag, m->tag);
	assert_str(c->image_id, m->image_id);
	assert_str(c->pod_name, m->pod);
	assert_str(c->pod_ns, m->ns);
	assert_str(c->pod_uid, m->uid);
}

static struct pt_ctr_cache *cache(int64_t linger_us, bool no_enrich);

/* ---- docker ---- */

static const char docker_cfg[] =
	"{\"StreamConfig\":{},\"State\":{\"Running\":true,\"Pid\":4242},"
	"\"ID\":\"" ID_A "\",\"Created\":\"2026-11-30T10:00:00.123456789Z\","
	"\"Path\":\"nginx\",\"Args\":[\"-g\",\"daemon off;\"],"
	"\"Config\":{\"Hostname\":\"3f4c2a1b9d8e\",\"Image\":\"registry.example.com:5000/team/"
	"nginx:1.25\","
	"\"Labels\":{\"maintainer\":\"someone\"}},"
	"\"Image\":\"sha256:" IMG_ID "\",\"Name\":\"/web\",\"Driver\":\"overlay2\"}";

Test(container, docker)
{
	struct pt_container *c =
		ctr(PT_RT_DOCKER, ID_A, NULL, "/system.slice/docker-" ID_A ".scope");

	putf("/var/lib/docker/containers/%s/config.v2.json", ID_A, docker_cfg);
	putf("/var/lib/docker/containers/%s/hostconfig.json", ID_A,
	     "{\"Binds\":null,\"Privileged\":true,\"NetworkMode\":\"default\"}");
	cr_assert_eq(pt_ctr_enrich(c, root, (uid_t)-1), 0);
	assert_meta(c,
		    &(struct meta){"web", "registry.example.com:5000/team/nginx:1.25",
				   "registry.example.com:5000/team/nginx", "1.25",
				   "sha256:" IMG_ID});
	cr_assert_eq(c->created_us, T_CREATED * 1000000 + 123456);
	cr_assert(c->privileged);
	assert_str(c->state_file, "/var/lib/docker/containers/" ID_A "/config.v2.json");
	assert_str(c->cgroup, "/system.slice/docker-" ID_A ".scope");
	pt_ctr_unref(c);
}

/* a dockershim pod: the pod from the kubelet's labels, the container's Kubernetes name */
Test(container, docker_dockershim_pod)
{
	struct pt_container *c = ctr(PT_RT_DOCKER, ID_B, NULL, NULL);

	putf("/var/lib/docker/containers/%s/config.v2.json", ID_B,
	     "{\"ID\":\"" ID_B "\",\"Name\":\"/k8s_app_web-0_shop_" POD_UID "_0\","
	     "\"Image\":\"sha256:" IMG_ID "\",\"Created\":\"2026-11-30T10:00:00Z\","
	     "\"Config\":{\"Image\":\"docker.io/library/nginx@sha256:" IMG_ID "\",\"Labels\":{"
	     "\"io.kubernetes.pod.name\":\"web-0\",\"io.kubernetes.pod.namespace\":\"shop\","
	     "\"io.kubernetes.pod.uid\":\"" POD_UID
	     "\",\"io.kubernetes.container.name\":\"app\"}}}");
	cr_assert_eq(pt_ctr_enrich(c, root, (uid_t)-1), 0);
	assert_meta(c,
		    &(struct meta){"app", "docker.io/library/nginx@sha256:" IMG_ID,
				   "docker.io/library/nginx", NULL, "sha256:" IMG_ID, "web-0",
				   "shop", POD_UID});
	cr_assert_eq(c->created_us, T_CREATED * 1000000);
	cr_assert_not(c->privileged); /* no hostconfig.json */
	pt_ctr_unref(c);
}

/* ---- containerd ---- */

#define TASKS_REL "/containerd/io.containerd.runtime.v2.task"
#define TASKS "/run" TASKS_REL

static const char cri_bundle[] =
	"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"/pause\"],\"capabilities\":{"
	"\"bounding\":[\"CAP_CHOWN\",\"CAP_NET_BIND_SERVICE\",\"CAP_KILL\"]}},"
	"\"root\":{\"path\":\"rootfs\"},\"annotations\":{"
	"\"io.kubernetes.cri.container-type\":\"container\","
	"\"io.kubernetes.cri.container-name\":\"api\","
	"\"io.kubernetes.cri.image-name\":\"ghcr.io/acme/api:v2.3.1\","
	"\"io.kubernetes.cri.sandbox-id\":\"" ID_B "\","
	"\"io.kubernetes.cri.sandbox-name\":\"api-7d9f8-xk2p\","
	"\"io.kubernetes.cri.sandbox-namespace\":\"prod\","
	"\"io.kubernetes.cri.sandbox-uid\":\"" POD_UID "\"}}";

Test(container, containerd_cri)
{
	struct pt_container *c = ctr(PT_RT_CONTAINERD, ID_A, "k8s.io", NULL);
	struct timespec ts[2] = {{T_CREATED, 0}, {T_CREATED, 500000000}};
	char path[1024];

	putf(TASKS "/k8s.io/%s/config.json", ID_A, cri_bundle);
	snprintf(path, sizeof(path), "%s" TASKS "/k8s.io/%s/config.json", root, ID_A);
	cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
	cr_assert_eq(pt_ctr_enrich(c, root, (uid_t)-1), 0);
	assert_meta(c,
		    &(struct meta){"api", "ghcr.io/acme/api:v2.3.1", "ghcr.io/acme/api", "v2.3.1",
				   NULL /* not in a bundle */, "api-7d9f8-xk2p", "prod", POD_UID});
	/* no creation time in a CRI bundle: the bundle's, written when the task was */
	cr_assert_eq(c->created_us, T_CREATED * 1000000 + 500000);
	cr_assert_not(c->privileged);
	assert_str(c->state_file, TASKS "/k8s.io/" ID_A "/config.json");
	pt_ctr_unref(c);
}

Test(container, containerd_cri_sandbox_privileged)
{
	struct pt_container *c = ctr(PT_RT_CONTAINERD, ID_B, "k8s.io", NULL);

	putf(TASKS "/k8s.io/%s/config.json", ID_B,
	     "{\"process\":{\"capabilities\":{\"bounding\":[\"CAP_SYS_ADMIN\",\"CAP_SYS_MODULE\","
	     "\"CAP_SYS_RAWIO\",\"CAP_SYS_BOOT\",\"CAP_MAC_ADMIN\",\"CAP_KILL\"]}},"
	     "\"annotations\":{\"io.kubernetes.cri.container-type\":\"sandbox\","
	     "\"io.kubernetes.cri.podsandbox.image-name\":\"registry.k8s.io/pause:3.9\","
	     "\"io.kubernetes.cri.sandbox-name\":\"api-7d9f8-xk2p\","
	     "\"io.kubernetes.cri.sandbox-namespace\":\"prod\"}}");
	cr_assert_eq(pt_ctr_enrich(c, root, (uid_t)-1), 0);
	assert_str(c->name, "POD");
	assert_str(c->image_repo, "registry.k8s.io/pause");
	assert_str(c->image_tag, "3.9");
	assert_str(c->pod_name, "api-7d9f8-xk2p");
	cr_assert(c->privileged);
	pt_ctr_unref(c);
}

/* a plain namespace the attribution did not name: found among the known ones */
Test(container, containerd_plain_namespace)
{
	struct pt_container *c = ctr(PT_RT_CONTAINERD, "redis-1", NULL, "/default/redis-1");

	put(TASKS "/default/redis-1/config.json",
	    "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"redis-server\"]}}");
	cr_assert_eq(pt_ctr_enrich(c, root, (uid_t)-1), 0);
	cr_assert_eq(c->why, PT_WHY_NONE);
	assert_str(c->ns, "default");
	assert_str(c->name, NULL);
	cr_assert_gt(c->created_us, 0);
	pt_ctr_unref(c);
}

/* nerdctl in a namespace of its own: found by listing the task directory */
Test(container, nerdctl)
{
	struct pt_container *c = ctr(PT_RT_CONTAINERD, ID_C, NULL, NULL);

	put(TASKS "/k8s.io/.keep", "");
	putf(TASKS "/builds/%s/config.json", ID_C,
	     "{\"annotations\":{\"nerdctl/name\":\"cache\",\"nerdctl/namespace\":\"builds\","
	     "\"nerdctl/hostname\":\"0123456789ab\",\"nerdctl/networks\":\"[\\\"bridge\\\"]\"}}");
	cr_assert_eq(pt_ctr_enrich(c, root, (uid_t)-1), 0);
	assert_str(c->name, "cache");
	assert_str(c->ns, "builds");
	pt_ctr_unref(c);
}

/* ---- cri-o ---- */

Test(container, crio)
{
	struct pt_container *c = ctr(PT_RT_CRIO, ID_A, NULL, NULL);

	putf("/run/containers/storage/overlay-containers/%s/userdata/config.json", ID_A,
	     "{\"ociVersion\":\"1.0.2-dev\",\"annotations\":{"
	     "\"io.container.manager\":\"cri-o\","
	     "\"io.kubernetes.cri-o.ContainerType\":\"container\","
	     "\"io.kubernetes.cri-o.ContainerName\":\"k8s_cache_redis-0_data_" POD_UID "_1\","
	     "\"io.kubernetes.cri-o.Created\":\"2026-11-30T11:00:00.5+01:00\","
	     "\"io.kubernetes.cri-o.ImageName\":\"quay.io/acme/redis:7-alpine\","
	     "\"io.kubernetes.cri-o.ImageRef\":\"" IMG_ID "\","
	     "\"io.kubernetes.cri-o.SandboxID\":\"" ID_B "\","
	     "\"io.kubernetes.container.name\":\"cache\","
	     "\"io.kubernetes.pod.name\":\"redis-0\",\"io.kubernetes.pod.namespace\":\"data\","
	     "\"io.kubernetes.pod.uid\":\"" POD_UID "\"}}");
	cr_assert_eq(pt_ctr_enrich(c, root, (uid_t)-1), 0);
	cr_assert_eq(c->runtime, PT_RT_CRIO);
	assert_meta(c,
		    &(struct meta){"cache", "quay.io/acme/redis:7-alpine", "quay.io/acme/redis",
				   "7-alpine", "sha256:" IMG_ID, "redis-0", "data", POD_UID});
	cr_assert_eq(c->created_us, T_CREATED * 1000000 + 500000);
	pt_ctr_unref(c);
}

/* ---- podman ---- */

#define PODMAN_BUNDLE                                                                              \
	"{\"annotations\":{\"io.container.manager\":\"libpod\","                                   \
	"\"io.kubernetes.cri-o.Created\":\"2026-11-30T10:00:00Z\",\"io.kubernetes.cri-o.TTY\":"    \
	"\"false\","                                                                               \
	"\"io.podman.annotations.autoremove\":\"FALSE\",\"io.podman.annotations.init\":\"FALSE\"," \
	"\"io.podman.annotations.privileged\":\"TRUE\"}}"

static const char podman_list[] =
	"[{\"id\":\"" ID_B "\",\"names\":[\"other\"],\"image\":\"" IMG_ID "\"},"
	"{\"id\":\"" ID_A "\",\"names\":[\"db\"],\"image\":\"" IMG_ID "\","
	"\"layer\":\"" ID_C
	"\",\"metadata\":\"{\\\"image-name\\\":\\\"docker.io/library/postgres:16\\\","
	"\\\"image-id\\\":\\\"" IMG_ID
	"\\\",\\\"name\\\":\\\"db\\\",\\\"created-at\\\":1796032800}\","
	"\"created\":\"2026-11-30T10:00:00Z\"}]";

Test(container, podman_rootful)
{
	struct pt_container *c =
		ctr(PT_RT_PODMAN, ID_A, NULL, "/machine.slice/libpod-" ID_A ".scope");

	putf("/var/lib/containers/storage/overlay-containers/%s/userdata/config.json", ID_A,
	     PODMAN_BUNDLE);
	put("/var/lib/containers/storage/overlay-containers/containers.json", podman_list);
	cr_assert_eq(pt_ctr_enrich(c, root, (uid_t)-1), 0);
	cr_assert_eq(c->runtime, PT_RT_PODMAN);
	assert_meta(c,
		    &(struct meta){"db", "docker.io/library/postgres:16",
				   "docker.io/library/postgres", "16", "sha256:" IMG_ID});
	cr_assert_eq(c->created_us, T_CREATED * 1000000);
	cr_assert(c->privileged);
	pt_ctr_unref(c);
}

/* a bundle only in the run root, and no storage list: what the bundle says */
Test(container, podman_runroot_without_list)
{
	struct pt_container *c = ctr(PT_RT_PODMAN, ID_A, NULL, NULL);

	putf("/run/containers/storage/overlay-containers/%s/userdata/config.json", ID_A,
	     PODMAN_BUNDLE);
	cr_assert_eq(pt_ctr_enrich(c, root, (uid_t)-1), 0);
	cr_assert_eq(c->why, PT_WHY_NONE);
	assert_str(c->name, NULL);
	cr_assert(c->privileged);
	pt_ctr_unref(c);
}

/* A rootless container's owner: a user with a home the fixture can hold. */
static bool rootless_user(uid_t *uid, char *home, size_t len)
{
	struct passwd *pw = getpwnam("nobody");

	if (!pw || !pw->pw_uid || !pw->pw_dir || pw->pw_dir[0] != '/' || !strcmp(pw->pw_dir, "/"))
		return false;
	*uid = pw->pw_uid;
	snprintf(home, len, "%s", pw->pw_dir);
	return true;
}

Test(container, podman_rootless_home)
{
	char home[256], rel[1024], cg[256];
	struct pt_container *c;
	uid_t uid;

	if (!rootless_user(&uid, home, sizeof(home)))
		cr_skip_test("no user 'nobody' with a home directory");
	snprintf(cg, sizeof(cg),
		 "/user.slice/user-%u.slice/user@%u.service/user.slice/libpod-%s.scope",
		 (unsigned)uid, (unsigned)uid, ID_A);
	/* the owner is found from the cgroup, as pt_ctr_intern does */
	c = ctr(PT_RT_PODMAN, ID_A, NULL, cg);
	snprintf(rel, sizeof(rel),
		 "%s/.local/share/containers/storage/overlay-containers/%s/userdata/config.json",
		 home, ID_A);
	put(rel, PODMAN_BUNDLE);
	snprintf(rel, sizeof(rel),
		 "%s/.local/share/containers/storage/overlay-containers/containers.json", home);
	put(rel, podman_list);
	cr_assert_eq(pt_ctr_enrich(c, root, uid), 0);
	assert_str(c->name, "db");
	assert_str(c->image_tag, "16");
	cr_assert(c->state_file && strstr(c->state_file, "/.local/share/containers/"));
	pt_ctr_unref(c);

	/* the user's directories are the user's: a symlink there is not followed */
	snprintf(rel, sizeof(rel), "%s/.local/share/containers/storage/overlay-containers/%s", home,
		 ID_B);
	put("/elsewhere/" ID_B "/userdata/config.json", PODMAN_BUNDLE);
	{
		char link[1024], target[1024];

		snprintf(link, sizeof(link), "%s%s", root, rel);
		snprintf(target, sizeof(target), "%s/elsewhere/%s", root, ID_B);
		cr_assert_eq(symlink(target, link), 0);
	}
	c = ctr(PT_RT_PODMAN, ID_B, NULL, NULL);
	cr_assert_lt(pt_ctr_enrich(c, root, uid), 0);
	cr_assert_neq(c->why, PT_WHY_NONE);
	cr_assert_not(c->privileged);
	pt_ctr_unref(c);
}

/* /run/user/UID/containers: a --rm container, listed in volatile-containers.json */
Test(container, podman_rootless_runroot)
{
	char rel[1024], uidbuf[32];
	struct pt_container *c = ctr(PT_RT_PODMAN, ID_A, NULL, NULL);
	uid_t uid = 4000; /* no passwd entry needed: the run root is by uid */

	snprintf(uidbuf, sizeof(uidbuf), "%u", (unsigned)uid);
	snprintf(rel, sizeof(rel),
		 "/run/user/%s/containers/overlay-containers/%s/userdata/config.json", uidbuf,
		 ID_A);
	put(rel, PODMAN_BUNDLE);
	putf("/run/user/%s/containers/overlay-containers/volatile-containers.json", uidbuf,
	     podman_list);
	cr_assert_eq(pt_ctr_enrich(c, root, uid), 0);
	assert_str(c->name, "db");
	assert_str(c->image, "docker.io/library/postgres:16");
	pt_ctr_unref(c);
	/* the same tree is not looked at for another user */
	c = ctr(PT_RT_PODMAN, ID_A, NULL, NULL);
	cr_assert_eq(pt_ctr_enrich(c, root, 4001), -ENOENT);
	cr_assert_eq(c->why, PT_WHY_NOT_FOUND);
	pt_ctr_unref(c);
	/* nor the system's for a user's container, whatever its cgroup names */
	putf("/var/lib/containers/storage/overlay-containers/%s/userdata/config.json", ID_B,
	     PODMAN_BUNDLE);
	c = ctr(PT_RT_PODMAN, ID_B, NULL, NULL);
	cr_assert_eq(pt_ctr_enrich(c, root, uid), -ENOENT);
	cr_assert_not(c->privileged);
	pt_ctr_unref(c);
	c = ctr(PT_RT_PODMAN, ID_B, NULL, NULL);
	cr_assert_eq(pt_ctr_enrich(c, root, (uid_t)-1), 0); /* the system's own */
	cr_assert(c->privileged);
	pt_ctr_unref(c);
}

/* rootless docker: the daemon's data under the owner's home */
Test(container, docker_rootless)
{
	char home[256], rel[1024];
	struct pt_container *c;
	uid_t uid;

	if (!rootless_user(&uid, home, sizeof(home)))
		cr_skip_test("no user 'nobody' with a home directory");
	snprintf(rel, sizeof(rel), "%s/.local/share/docker/containers/%s/config.v2.json", home,
		 ID_A);
	put(rel, docker_cfg);
	c = ctr(PT_RT_DOCKER, ID_A, NULL, NULL);
	cr_assert_eq(pt_ctr_enrich(c, root, (uid_t)-1), -ENOENT); /* nobody's: not looked at */
	pt_ctr_unref(c);
	c = ctr(PT_RT_DOCKER, ID_A, NULL, NULL);
	cr_assert_eq(pt_ctr_enrich(c, root, uid), 0);
	assert_str(c->name, "web");
	pt_ctr_unref(c);
}

/* rootless containerd (nerdctl): its /run/containerd is /run/user/UID/containerd, and
 * the cache finds the owner in the cgroup path */
Test(container, containerd_rootless_via_cache)
{
	const char *cg = "/user.slice/user-4000.slice/user@4000.service/app.slice/"
			 "nerdctl-" ID_C ".scope";
	struct pt_ctr_cache *cc = cache(0, false);
	struct pt_container *c;

	put("/run/user/4000" TASKS_REL "/default/" ID_C "/config.json",
	    "{\"annotations\":{\"nerdctl/name\":\"mine\",\"nerdctl/namespace\":\"default\"}}");
	c = pt_ctr_intern(cc, ctr(PT_RT_CONTAINERD, ID_C, NULL, cg), 1);
	cr_assert_eq(c->why, PT_WHY_NONE);
	assert_str(c->name, "mine");
	assert_str(c->ns, "default");
	pt_ctr_unref(c);
	/* the same id under another user's cgroup is not the one in user 4000's state */
	c = pt_ctr_intern(cc,
			  ctr(PT_RT_CONTAINERD, ID_A, NULL,
			      "/user.slice/user-4001.slice/"
			      "user@4001.service/x.scope"),
			  2);
	cr_assert_eq(c->why, PT_WHY_NOT_FOUND);
	pt_ctr_unref(c);
	pt_ctr_cache_free(cc);
}

/* a runtime the cgroup did not tell: every runtime's state is looked at */
Test(container, unknown_runtime)
{
	struct pt_container *c = ctr(PT_RT_UNKNOWN, ID_A, NULL, NULL);

	putf("/var/lib/docker/containers/%s/config.v2.json", ID_A, docker_cfg);
	cr_assert_eq(pt_ctr_enrich(c, root, (uid_t)-1), 0);
	cr_assert_eq(c->runtime, PT_RT_DOCKER);
	assert_str(c->name, "web");
	pt_ctr_unref(c);
}

/* ---- what could not be read ---- */

Test(container, not_found)
{
	enum pt_runtime rts[] = {PT_RT_DOCKER, PT_RT_CONTAINERD, PT_RT_CRIO,
				 PT_RT_PODMAN, PT_RT_UNKNOWN,	 PT_RT_LXC};

	for (size_t i = 0; i < sizeof(rts) / sizeof(rts[0]); i++) {
		struct pt_container *c = ctr(rts[i], ID_A, NULL, NULL);

		cr_assert_eq(pt_ctr_enrich(c, root, (uid_t)-1), -ENOENT, "runtime %d", rts[i]);
		cr_assert_eq(c->why, PT_WHY_NOT_FOUND);
		assert_str(c->name, NULL);
		pt_ctr_unref(c);
	}
}

/* an id that is not one path component never reaches a path */
Test(container, id_not_a_name)
{
	const char *ids[] = {"..", ".", "../../etc"};

	put("/var/lib/docker/containers/config.v2.json", docker_cfg);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct pt_container *c = ctr(PT_RT_DOCKER, ids[i], NULL, NULL);

		cr_assert_eq(pt_ctr_enrich(c, root, (uid_t)-1), -ENOENT);
		cr_assert_eq(c->why, PT_WHY_NOT_FOUND);
		assert_str(c->name, NULL);
		pt_ctr_unref(c);
	}
}

static void assert_error(enum pt_runtime rt, const char *rel, const char *text)
{
	struct pt_container *c = ctr(rt, ID_A, rt == PT_RT_CONTAINERD ? "k8s.io" : NULL, NULL);

	put(rel, text);
	cr_assert_lt(pt_ctr_enrich(c, root, (uid_t)-1), 0, "%s", text);
	cr_assert_eq(c->why, PT_WHY_ERROR, "%s: why %d", text, c->why);
	cr_assert_not_null(c->state_file);
	pt_ctr_unref(c);
}

Test(container, malformed)
{
	static const struct {
		bool oci;
		const char *text;
	} cases[] = {
		{false, "{\"Name\":\"/web\""},
		{false, "[]"},
		{false, "{\"Name\":5}"},
		{false, "{\"Config\":\"nginx\"}"},
		{false, "{\"Config\":{\"Labels\":[]}}"},
		{false, "{\"Config\":{\"Labels\":{\"io.kubernetes.pod.name\":1}}}"},
		{false, "{\"Name\":\"a\\u0000b\"}"}, /* no NUL inside a name */
		{false, ""},
		{true, "{\"annotations\":[]}"},
		{true, "{\"annotations\":{\"nerdctl/name\":true}}"},
		{true, "{\"process\":{\"capabilities\":{\"bounding\":\"all\"}}}"},
		{true, "\"config\""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_error(cases[i].oci ? PT_RT_CONTAINERD : PT_RT_DOCKER,
			     cases[i].oci ? TASKS "/k8s.io/" ID_A "/config.json"
					  : "/var/lib/docker/containers/" ID_A "/config.v2.json",
			     cases[i].text);
}

/* A symlink where the state file should be is not followed; neither is a FIFO
 * opened blocking, nor a file beyond the bound read. */
Test(container, hostile_files)
{
	char path[1024], target[1024];
	struct pt_container *c;
	char *big;

	snprintf(target, sizeof(target), "%s/secret.json", root);
	put("/secret.json", docker_cfg);
	snprintf(path, sizeof(path), "%s/var/lib/docker/containers/%s", root, ID_A);
	put("/var/lib/docker/containers/" ID_A "/hostconfig.json", "{}");
	strcat(path, "/config.v2.json");
	cr_assert_eq(symlink(target, path), 0);
	c = ctr(PT_RT_DOCKER, ID_A, NULL, NULL);
	cr_assert_lt(pt_ctr_enrich(c, root, (uid_t)-1), 0);
	cr_assert_eq(c->why, PT_WHY_ERROR);
	assert_str(c->name, NULL);
	pt_ctr_unref(c);

	/* a directory below the state directory: a symlink there is not followed either */
	snprintf(path, sizeof(path), "%s/var/lib/docker/containers/%s", root, ID_B);
	snprintf(target, sizeof(target), "%s/var/lib/docker/containers/%s", root, ID_A);
	cr_assert_eq(symlink(target, path), 0);
	c = ctr(PT_RT_DOCKER, ID_B, NULL, NULL);
	cr_assert_lt(pt_ctr_enrich(c, root, (uid_t)-1), 0);
	assert_str(c->name, NULL);
	pt_ctr_unref(c);

	snprintf(path, sizeof(path), "%s" TASKS "/k8s.io/%s", root, ID_A);
	put(TASKS "/k8s.io/" ID_A "/rootfs/.keep", "");
	strcat(path, "/config.json");
	cr_assert_eq(mkfifo(path, 0600), 0);
	c = ctr(PT_RT_CONTAINERD, ID_A, "k8s.io", NULL);
	cr_assert_lt(pt_ctr_enrich(c, root, (uid_t)-1), 0);
	cr_assert_eq(c->why, PT_WHY_ERROR);
	pt_ctr_unref(c);

	big = malloc((2u << 20) + 1);
	cr_assert_not_null(big);
	memset(big, ' ', 2u << 20);
	memcpy(big, "{\"annotations\":{}}", 18);
	big[2u << 20] = '\0';
	putf("/run/containers/storage/overlay-containers/%s/userdata/config.json", ID_A, big);
	free(big);
	c = ctr(PT_RT_CRIO, ID_A, NULL, NULL);
	cr_assert_eq(pt_ctr_enrich(c, root, (uid_t)-1), -EFBIG);
	cr_assert_eq(c->why, PT_WHY_ERROR);
	pt_ctr_unref(c);
}

/* 0 when a file of mode 000 gives PT_WHY_PERM, run as whoever we are */
static int perm_check(void)
{
	struct pt_container *c = ctr(PT_RT_DOCKER, ID_A, NULL, NULL);
	int r = pt_ctr_enrich(c, root, (uid_t)-1);
	int ok = r == -EACCES && c->why == PT_WHY_PERM && !c->name;

	pt_ctr_unref(c);
	return ok ? 0 : 1;
}

Test(container, permission)
{
	char path[1024];
	pid_t pid;
	int st;

	putf("/var/lib/docker/containers/%s/config.v2.json", ID_A, docker_cfg);
	snprintf(path, sizeof(path), "%s/var/lib/docker/containers/%s/config.v2.json", root, ID_A);
	cr_assert_eq(chmod(path, 0), 0);
	if (geteuid() != 0) {
		cr_assert_eq(perm_check(), 0);
		return;
	}
	/* root reads anything: the check runs as nobody */
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(setgid(65534) || setuid(65534) ? 2 : perm_check());
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

/* ---- image references ---- */

Test(container, image_split)
{
	static const char *const cases[][3] = {
		{"nginx", "nginx", ""},
		{"nginx:1.25", "nginx", "1.25"},
		{"library/nginx:1.25-alpine", "library/nginx", "1.25-alpine"},
		{"docker.io/library/nginx:latest", "docker.io/library/nginx", "latest"},
		{"localhost:5000/app", "localhost:5000/app", ""},
		{"localhost:5000/app:v1", "localhost:5000/app", "v1"},
		{"[::1]:5000/team/app:v1", "[::1]:5000/team/app", "v1"},
		{"registry.example.com:443/a/b/c:1.0@sha256:" IMG_ID,
		 "registry.example.com:443/a/b/c", "1.0"},
		{"nginx@sha256:" IMG_ID, "nginx", ""},
		{"sha256:" IMG_ID, "", ""},
		{"", "", ""},
	};
	char *repo, *tag;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(pt_image_split(cases[i][0], &repo, &tag), 0);
		cr_assert_str_eq(repo, cases[i][1], "%s", cases[i][0]);
		cr_assert_str_eq(tag, cases[i][2], "%s", cases[i][0]);
		free(repo);
		free(tag);
	}
	cr_assert_eq(pt_image_split(NULL, &repo, &tag), -EINVAL);
}

/* ---- the cache ---- */

static struct pt_ctr_cache *cache(int64_t linger_us, bool no_enrich)
{
	struct pt_ctr_cache_opts o = {.root = root, .linger_us = linger_us, .no_enrich = no_enrich};
	struct pt_ctr_cache *cc = pt_ctr_cache_new(&o);

	cr_assert_not_null(cc);
	return cc;
}

Test(container, intern_once)
{
	struct pt_ctr_cache *cc = cache(0, false);
	struct pt_container *a, *b, *rec;
	char path[1024];

	putf("/var/lib/docker/containers/%s/config.v2.json", ID_A, docker_cfg);
	/* first seen from mountinfo: no cgroup */
	a = pt_ctr_intern(cc, ctr(PT_RT_DOCKER, ID_A, NULL, NULL), 1000);
	cr_assert_eq(a->why, PT_WHY_NONE);
	assert_str(a->name, "web");
	assert_str(a->cgroup, NULL);
	cr_assert_eq(a->first_us, 1000);
	cr_assert_eq(a->refs, 2); /* the caller's and the cache's */
	cr_assert_eq(pt_ctr_cache_count(cc), 1);

	/* the state changes and goes: the entry was read once and stays as read */
	snprintf(path, sizeof(path), "%s/var/lib/docker/containers/%s/config.v2.json", root, ID_A);
	cr_assert_eq(unlink(path), 0);
	b = pt_ctr_intern(cc, ctr(PT_RT_DOCKER, ID_A, NULL, "/system.slice/docker-" ID_A ".scope"),
			  2000);
	cr_assert_eq(a, b);
	cr_assert_eq(b->why, PT_WHY_NONE);
	assert_str(b->name, "web");
	/* what the new attribution knew and the entry lacked */
	assert_str(b->cgroup, "/system.slice/docker-" ID_A ".scope");
	cr_assert_eq(b->first_us, 1000);
	cr_assert_eq(pt_ctr_cache_count(cc), 1);
	cr_assert_eq(a->refs, 3);
	pt_ctr_unref(b);

	/* interning what is already listed hands it back */
	rec = pt_ctr_intern(cc, pt_ctr_ref(a), 3000);
	cr_assert_eq(rec, a);
	cr_assert_eq(a->refs, 3);
	pt_ctr_unref(rec);

	/* no state at all: NOT_FOUND, once as well */
	b = pt_ctr_intern(cc, ctr(PT_RT_DOCKER, ID_B, NULL, NULL), 4000);
	cr_assert_eq(b->why, PT_WHY_NOT_FOUND);
	putf("/var/lib/docker/containers/%s/config.v2.json", ID_B, docker_cfg);
	rec = pt_ctr_intern(cc, ctr(PT_RT_DOCKER, ID_B, NULL, NULL), 5000);
	cr_assert_eq(rec, b);
	cr_assert_eq(rec->why, PT_WHY_NOT_FOUND);
	pt_ctr_unref(rec);
	pt_ctr_unref(b);

	/* the cache goes first: the record's reference keeps the container */
	pt_ctr_cache_free(cc);
	cr_assert_eq(a->refs, 1);
	assert_str(a->name, "web");
	pt_ctr_unref(a);
}

Test(container, no_enrich)
{
	struct pt_ctr_cache *cc = cache(0, true);
	struct pt_container *a;

	putf("/var/lib/docker/containers/%s/config.v2.json", ID_A, docker_cfg);
	a = pt_ctr_intern(cc, ctr(PT_RT_DOCKER, ID_A, NULL, NULL), 1);
	cr_assert_eq(a->why, PT_WHY_NOT_READ);
	assert_str(a->name, NULL);
	pt_ctr_unref(a);
	pt_ctr_cache_free(cc);
}

static int count_fn(const struct pt_container *c, void *data)
{
	(void)c;
	++*(unsigned *)data;
	return 0;
}

Test(container, linger)
{
	const int64_t s = 1000000, linger = 30 * s;
	struct pt_ctr_cache *cc = cache(0, true); /* 0: the default, 30 s */
	struct pt_container *rec, *idle;
	unsigned n = 0;

	rec = pt_ctr_intern(cc, ctr(PT_RT_DOCKER, ID_A, NULL, NULL), 100 * s);
	pt_ctr_live(rec, +1, 100 * s);
	pt_ctr_live(rec, +1, 101 * s);
	cr_assert_eq(rec->live, 2);
	cr_assert_eq(rec->idle_us, 0);
	/* interned without a process: lingers from its first sight */
	idle = pt_ctr_intern(cc, ctr(PT_RT_DOCKER, ID_B, NULL, NULL), 100 * s);
	pt_ctr_unref(idle);

	pt_ctr_cache_expire(cc, 100 * s + linger - 1);
	cr_assert_eq(pt_ctr_cache_count(cc), 2);
	pt_ctr_cache_expire(cc, 100 * s + linger); /* ID_B: freed, nobody else held it */
	cr_assert_eq(pt_ctr_cache_count(cc), 1);

	pt_ctr_live(rec, -1, 200 * s);
	pt_ctr_cache_expire(cc, 300 * s); /* one process left: busy however long */
	cr_assert_eq(pt_ctr_cache_count(cc), 1);
	pt_ctr_live(rec, -1, 400 * s);
	cr_assert_eq(rec->idle_us, 400 * s);
	pt_ctr_cache_expire(cc, 400 * s + linger - 1);
	cr_assert_eq(pt_ctr_cache_count(cc), 1);
	/* a process joins while it lingers: busy again */
	pt_ctr_live(rec, +1, 410 * s);
	pt_ctr_cache_expire(cc, 500 * s);
	cr_assert_eq(pt_ctr_cache_count(cc), 1);
	pt_ctr_live(rec, -1, 500 * s);
	pt_ctr_live(rec, -1, 500 * s); /* more exits than joins: stays at 0 */
	cr_assert_eq(rec->live, 0);
	pt_ctr_cache_expire(cc, 500 * s + linger);
	cr_assert_eq(pt_ctr_cache_count(cc), 0);
	pt_ctr_cache_foreach(cc, count_fn, &n);
	cr_assert_eq(n, 0);
	/* unlisted, the record's reference still holds it (ASan: no use after free) */
	cr_assert_eq(rec->refs, 1);
	assert_str(rec->id, ID_A);

	/* seen again after it went: a new entry, the old one stays the record's */
	idle = pt_ctr_intern(cc, ctr(PT_RT_DOCKER, ID_A, NULL, NULL), 600 * s);
	cr_assert_neq(idle, rec);
	cr_assert_eq(idle->first_us, 600 * s);
	pt_ctr_unref(idle);
	pt_ctr_unref(rec);
	pt_ctr_cache_free(cc);
}

struct collect {
	const char *ids[8];
	unsigned n, stop;
};

static int collect_fn(const struct pt_container *c, void *data)
{
	struct collect *col = data;

	col->ids[col->n++] = c->id;
	return col->n == col->stop ? 7 : 0;
}

Test(container, foreach_order_and_mem)
{
	const char *ids[] = {ID_C, ID_A, "redis-1", ID_B};
	struct pt_ctr_cache *cc = cache(1, false);
	struct collect col = {.stop = 0};
	size_t empty = pt_ctr_cache_mem(cc), one = 0, m;
	struct pt_container *c;

	putf(TASKS "/k8s.io/%s/config.json", ID_A, cri_bundle);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		c = pt_ctr_intern(cc, ctr(PT_RT_CONTAINERD, ids[i], NULL, NULL), (int64_t)(10 - i));
		if (i == 0)
			one = pt_ctr_cache_mem(cc);
		pt_ctr_unref(c);
	}
	cr_assert_eq(pt_ctr_cache_foreach(cc, collect_fn, &col), 0);
	cr_assert_eq(col.n, 4);
	for (size_t i = 0; i < 4; i++)
		cr_assert_str_eq(col.ids[i], ids[i]); /* first-seen order, not time or id order */
	col.n = 0;
	col.stop = 2;
	cr_assert_eq(pt_ctr_cache_foreach(cc, collect_fn, &col), 7);
	cr_assert_eq(col.n, 2);

	/* memory: the entries and every string they hold */
	cr_assert_gt(one, empty + sizeof(struct pt_container) + strlen(ID_C));
	m = pt_ctr_cache_mem(cc);
	c = pt_ctr_intern(cc, ctr(PT_RT_CONTAINERD, ID_A, NULL, NULL), 20);
	assert_str(c->name, "api");
	cr_assert_geq(pt_ctr_mem(c),
		      sizeof(struct pt_container) + strlen(ID_A) + strlen("api") +
			      strlen("ghcr.io/acme/api:v2.3.1") + strlen(POD_UID));
	cr_assert_eq(pt_ctr_cache_mem(cc), m);
	pt_ctr_unref(c);
	pt_ctr_cache_expire(cc, 100);
	cr_assert_eq(pt_ctr_cache_count(cc), 0);
	cr_assert_eq(pt_ctr_cache_mem(cc), empty);
	pt_ctr_cache_free(cc);
	pt_ctr_unref(NULL);
}

/* many entries: the table grows and every id is still found once */
Test(container, many)
{
	struct pt_ctr_cache *cc = cache(1, true);
	struct pt_container *first[300];
	char id[32];

	for (int i = 0; i < 300; i++) {
		snprintf(id, sizeof(id), "ctr-%d", i);
		first[i] = pt_ctr_intern(cc, ctr(PT_RT_CONTAINERD, id, "default", NULL), 1);
	}
	cr_assert_eq(pt_ctr_cache_count(cc), 300);
	for (int i = 299; i >= 0; i--) {
		struct pt_container *c;

		snprintf(id, sizeof(id), "ctr-%d", i);
		c = pt_ctr_intern(cc, ctr(PT_RT_CONTAINERD, id, "default", NULL), 2);
		cr_assert_eq(c, first[i]);
		pt_ctr_unref(c);
		pt_ctr_unref(first[i]);
	}
	cr_assert_eq(pt_ctr_cache_count(cc), 300);
	pt_ctr_cache_free(cc);
}

Test(container, new_copies_the_attribution)
{
	struct pt_cgroup_attr a;
	struct pt_container *c;
	const char *path =
		"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod6c1f.slice/"
		"cri-containerd-" ID_A ".scope/sub";

	memset(&a, 0, sizeof(a));
	a.runtime = PT_RT_CONTAINERD;
	snprintf(a.id, sizeof(a.id), "%s", ID_A);
	snprintf(a.pod_uid, sizeof(a.pod_uid), "%s", POD_UID);
	snprintf(a.ns, sizeof(a.ns), "k8s.io");
	a.qos = PT_QOS_BURSTABLE;
	a.nouter = 2;
	snprintf(a.outer[0], sizeof(a.outer[0]), "%s", ID_C);
	snprintf(a.outer[1], sizeof(a.outer[1]), "%s", ID_B);
	a.dir_len = strlen(path) - strlen("/sub");
	c = pt_ctr_new(&a, path);
	cr_assert_not_null(c);
	assert_str(c->id, ID_A);
	assert_str(c->pod_uid, POD_UID);
	assert_str(c->ns, "k8s.io");
	cr_assert_eq(c->qos, PT_QOS_BURSTABLE);
	cr_assert_eq(c->nouter, 2);
	assert_str(c->outer[0], ID_C);
	assert_str(c->outer[1], ID_B);
	cr_assert_eq(strlen(c->cgroup), a.dir_len);
	cr_assert_eq(c->live, 0);
	pt_ctr_unref(c);

	a.id[0] = '\0';
	cr_assert_null(pt_ctr_new(&a, NULL));
}
