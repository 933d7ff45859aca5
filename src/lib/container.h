/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Containers: which container a process is in, from its cgroup paths (and, in
 * a private cgroup namespace, its mountinfo), and what the runtime's on-disk
 * state says about that container (name, image, pod).
 *
 *   cgroup.c     pt_cgroup_parse(), pt_cgroup_attr_path(), pt_mountinfo_attr():
 *                pure parsers of untrusted text, no I/O
 *   container.c  struct pt_container, the cache (pt_ctr_cache_*), enrichment
 *                from docker's config.v2.json and OCI bundles' config.json
 *   cgroup-id.c  cgroup id (the v2 directory's inode, what BPF reports) <-> path
 *
 * Every shape the parsers know is listed in man/proctrail.1 (CONTAINERS).
 * All of it runs on the monitor's thread: nothing here locks.
 */
#ifndef PT_CONTAINER_H
#define PT_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proctrail/proctrail.h"

/* The runtime that made a container (container.runtime). Names: pt_runtime_name(). */
enum pt_runtime {
	PT_RT_NONE = 0, /* not a container (the host) */
	PT_RT_DOCKER, /* "docker" */
	PT_RT_CONTAINERD, /* "containerd": CRI, plain namespaces, nerdctl */
	PT_RT_CRIO, /* "cri-o" */
	PT_RT_PODMAN, /* "podman": rootful, rootless, --cgroups=split */
	PT_RT_LXC, /* "lxc": lxc and lxd */
	PT_RT_NSPAWN, /* "systemd-nspawn": machine.slice/machine-NAME.scope */
	PT_RT_LIBVIRT_LXC, /* "libvirt-lxc" */
	PT_RT_GARDEN, /* "garden" (Cloud Foundry) */
	PT_RT_ECS, /* "ecs": ECS and Fargate */
	PT_RT_BUILDKIT, /* "buildkit" */
	PT_RT_BPM, /* "bpm" (Cloud Foundry) */
	PT_RT_RUNC, /* "runc": runc's default systemd unit runc-ID.scope */
	PT_RT_UNKNOWN, /* "unknown": a container whose runtime the path does not tell */
	PT_RT_COUNT,
};
const char *pt_runtime_name(enum pt_runtime rt); /* NULL for PT_RT_NONE */

/* Kubernetes QoS class of the pod (k8s.pod.qos). */
enum pt_qos {
	PT_QOS_NONE = 0, /* not a pod, or not told */
	PT_QOS_GUARANTEED, /* "guaranteed" */
	PT_QOS_BURSTABLE, /* "burstable" */
	PT_QOS_BESTEFFORT, /* "besteffort" */
};
const char *pt_qos_name(enum pt_qos q); /* NULL for PT_QOS_NONE */

#define PT_CTR_ID_MAX 128 /* longest id kept; longer components are not ids */
#define PT_CTR_NEST_MAX 4 /* outer containers kept for nested ones */
/* 8-4-4-4-12 with dashes, or 32 hex (static pods); under a kubepods root the
 * kubelet's pod<UID> is taken as written, up to 40 characters (cgroup.c) */
#define PT_POD_UID_MAX 40

/* What a cgroup path (or a mountinfo file) says about the container. */
struct pt_cgroup_attr {
	enum pt_runtime runtime; /* PT_RT_NONE: not in a container */
	char id[PT_CTR_ID_MAX + 1]; /* the innermost container's id; "" when none */
	char pod_uid[PT_POD_UID_MAX + 1]; /* normalised to dashes; 32 hex stays; "" none */
	enum pt_qos qos;
	unsigned nouter; /* nested containers (docker-in-docker, kind): outer ids, */
	char outer[PT_CTR_NEST_MAX][PT_CTR_ID_MAX + 1]; /* outermost first */
	/* The container's own cgroup: the first dir_len bytes of the path given
	 * (a process in a sub-cgroup of it has a longer path); 0 for mountinfo. */
	size_t dir_len;
	/* containerd namespace (/NS/ID, or "k8s.io" for CRI) when the path tells */
	char ns[64];
};

/*
 * One cgroup path, as /proc/PID/cgroup shows it after the second ':' (it may
 * be relative to the reader's cgroup namespace: /../docker-ID.scope).
 * Returns 1 and fills a when the path names a container, 0 when it does not
 * (a cleared), -EINVAL when malformed (an embedded NUL, not starting with '/',
 * an empty component: "//" or a trailing '/'). Reads exactly len bytes.
 */
int pt_cgroup_attr_path(const char *path, size_t len, struct pt_cgroup_attr *a);

/* /proc/PID/cgroup, v1, v2 or hybrid. */
struct pt_cgroup_info {
	/* malloc'd: proc.cgroup. The line the container was found on; else the
	 * v2 line when it is not "/"; else name=systemd's; else the first line's. */
	char *path;
	struct pt_cgroup_attr a; /* a.runtime == PT_RT_NONE: no container */
	bool v2; /* path is the "0::" line's */
	/* Every line's path is "/": the process is at the root of the reader's
	 * view, seen from inside a private cgroup namespace, or in the root
	 * cgroup. The caller consults mountinfo (pt_mountinfo_attr) when the
	 * process's cgroup namespace is not the reader's. */
	bool ns_root;
};
/* 0, -EINVAL (malformed: no line with a path), -ENOMEM. out->path is the caller's. */
int pt_cgroup_parse(const char *buf, size_t len, struct pt_cgroup_info *out);
void pt_cgroup_info_free(struct pt_cgroup_info *ci);

/*
 * /proc/PID/mountinfo of a process in a private cgroup namespace: the
 * container from the cgroup mount's root field, the .../containers/ID/hostname
 * (or resolv.conf, hosts) bind mount source, or .../overlay-containers/ID/userdata/.
 * The pod sandbox's hostname (sandboxes/ID/hostname) is not the workload
 * container and is not taken. 1 and a filled (dir_len 0), 0 none, -EINVAL.
 */
int pt_mountinfo_attr(const char *buf, size_t len, struct pt_cgroup_attr *a);

/* Falco's container.id: the first 12 characters of an id, "host" on the host. */
#define PT_CTR_SHORT_ID 12

/*
 * A container. Reference counted: the cache holds one while the container is
 * listed; each process record attributed to it holds one (exited records
 * too, for their retention), so what a record points to never dangles.
 * Strings are NULL when absent; what enrichment could not read says why.
 */
struct pt_container {
	unsigned refs;
	unsigned live; /* live processes attributed to it (pt_ctr_live) */
	int64_t first_us, idle_us; /* first seen; when live last fell to 0 (0: busy) */
	enum pt_runtime runtime;
	char *id; /* full id as the cgroup path names it */
	enum pt_qos qos;
	char *pod_uid; /* dashes */
	char *cgroup; /* the container's own cgroup path; NULL from mountinfo */
	uint64_t cgroup_id; /* of that directory; 0 unknown */
	char **outer; /* outer ids, outermost first */
	unsigned nouter;
	char *ns; /* containerd namespace */
	/* enrichment: from the runtime's state, once per container */
	uint8_t why; /* enum pt_why: PT_WHY_NONE when read; PT_WHY_NOT_FOUND: no state */
	char *name; /* container.name (docker: without the leading '/') */
	char *image; /* container.image: as the user gave it, e.g. nginx:1.25 */
	char *image_repo; /* container.image.repository: nginx, docker.io/library/nginx */
	char *image_tag; /* container.image.tag */
	char *image_id; /* container.image.id: sha256:... */
	char *pod_name, *pod_ns; /* k8s.pod.name, k8s.ns.name */
	int64_t created_us; /* container.start_ts; 0 unknown */
	bool privileged; /* container.privileged (docker's HostConfig, OCI caps) */
	const char *state_file; /* the file enrichment read (static or owned, see container.c) */
};

/* A container not in any cache (refs 1), from an attribution: what the
 * procfs reader, the BPF tier and the importer hand the core. NULL: ENOMEM. */
struct pt_container *pt_ctr_new(const struct pt_cgroup_attr *a, const char *cgroup_path);
struct pt_container *pt_ctr_ref(struct pt_container *c);
void pt_ctr_unref(struct pt_container *c); /* NULL is fine */
size_t pt_ctr_mem(const struct pt_container *c); /* bytes it holds, itself included */

struct pt_ctr_cache_opts {
	/* prepended to every runtime state path (/var/lib/docker...); "" or NULL:
	 * the real root. Tests point it at a fixture tree. */
	const char *root;
	bool no_enrich; /* an imported table: the host's state is not the records' */
	int64_t linger_us; /* an entry stays this long after its last process; default 30 s */
};
struct pt_ctr_cache;
struct pt_ctr_cache *pt_ctr_cache_new(const struct pt_ctr_cache_opts *o);
void pt_ctr_cache_free(struct pt_ctr_cache *cc); /* drops the cache's references */
/*
 * The cached container with c's id, taking over the caller's reference to c:
 * the cached entry (c dropped) when the id is listed, else c itself, listed
 * and enriched from the runtime's state (once). Returns a reference the
 * caller owns. A listed entry gains what c knows that it lacks (an
 * attribution from mountinfo learns the cgroup later).
 */
struct pt_container *pt_ctr_intern(struct pt_ctr_cache *cc, struct pt_container *c, int64_t now_us);
/* A live process joined (+1) or left (-1) c. */
void pt_ctr_live(struct pt_container *c, int delta, int64_t now_us);
/* Unlist entries idle for longer than linger (their records keep them). */
void pt_ctr_cache_expire(struct pt_ctr_cache *cc, int64_t now_us);
/* Listed containers, in first-seen order, until fn returns non-zero. */
int pt_ctr_cache_foreach(const struct pt_ctr_cache *cc,
			 int (*fn)(const struct pt_container *c, void *data), void *data);
unsigned pt_ctr_cache_count(const struct pt_ctr_cache *cc);
size_t pt_ctr_cache_mem(const struct pt_ctr_cache *cc);

/*
 * Enrichment, exposed for tests: read c's runtime state under root. Fills the
 * name, image... and c->why. docker: ROOT/var/lib/docker/containers/ID/config.v2.json;
 * containerd: ROOT/run/containerd/io.containerd.runtime.v2.task/NS/ID/config.json;
 * cri-o and podman: .../overlay-containers/ID/userdata/config.json (rootless
 * podman under the owner's home). 0 when read, -ENOENT (why NOT_FOUND), -errno.
 */
int pt_ctr_enrich(struct pt_container *c, const char *root, uid_t owner);
/* Parsers of those files, for tests and the fuzzer: 0 or -EINVAL. */
int pt_ctr_parse_docker(struct pt_container *c, const char *buf, size_t len);
int pt_ctr_parse_oci(struct pt_container *c, const char *buf, size_t len);
/* containers/storage's containers.json (podman's names and images): what c lacks,
 * from the entry of c's id (none: 0). 0 or -EINVAL. */
int pt_ctr_parse_storage(struct pt_container *c, const char *buf, size_t len);
/* Split an image reference into repository and tag (nginx:1.25@sha256:.. ->
 * nginx, 1.25); either may be "" when absent. 0, -EINVAL, -ENOMEM. */
int pt_image_split(const char *image, char **repo, char **tag);

/* ---- cgroup ids (cgroup-id.c) ---- */
struct pt_cgid;
/* The cgroup v2 mount under sys_root ("" or NULL: /): /sys/fs/cgroup when it
 * is cgroup2, else /sys/fs/cgroup/unified. -ENOENT when there is none. */
int pt_cgid_open(struct pt_cgid **out, const char *sys_root);
void pt_cgid_close(struct pt_cgid *g);
/* The path (as /proc/PID/cgroup's 0:: line writes it) of cgroup id: on a
 * miss, opens the id as a file handle (root), else rescans the hierarchy, at
 * most once per 10 ms. A pointer into g, valid until the next call. NULL
 * with errno ENOENT when unknown. */
const char *pt_cgid_path(struct pt_cgid *g, uint64_t id);
/* The id of a v2 path ("/system.slice/x.scope"): 0 and *id, or -errno. */
int pt_cgid_of_path(struct pt_cgid *g, const char *path, uint64_t *id);
/* The v2 hierarchy is /sys/fs/cgroup/unified beside v1 ones: a process's
 * container may show on its v1 lines only, its v2 path being "/". */
bool pt_cgid_hybrid(const struct pt_cgid *g);
#define PT_CGID_RESCAN_US 10000 /* at most one walk per 10 ms */
#define PT_CGID_MAX_ENTRIES 65536 /* cgroups mapped at most... */
#define PT_CGID_MAX_BYTES (8u << 20) /* ...and bytes of their paths */
struct pt_cgid_stats {
	unsigned entries; /* cgroups mapped by the last walk */
	unsigned unmapped; /* cgroups the last walk left out (limits, too deep) */
	uint64_t scans; /* walks */
	uint64_t misses; /* lookups that found no path */
	uint64_t handles; /* misses of the table answered by open_by_handle_at() */
	size_t mem; /* bytes held */
};
void pt_cgid_stats(const struct pt_cgid *g, struct pt_cgid_stats *st);
/* For tests: pt_cgid_path() at a given CLOCK_MONOTONIC time, and other limits. */
const char *pt_cgid_path_at(struct pt_cgid *g, uint64_t id, int64_t now_us);
void pt_cgid_limits(struct pt_cgid *g, unsigned max_entries, size_t max_bytes);

#endif
