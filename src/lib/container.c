/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Containers: their lifetime (reference counts), the cache the monitor keeps
 * of them (a hash by full id, a list in first-seen order, Tracee's delayed
 * deletion), and their enrichment from the runtimes' on-disk state:
 *
 *   docker      ROOT/var/lib/docker/containers/ID/config.v2.json (+ hostconfig.json)
 *   containerd  ROOT/run/containerd/io.containerd.runtime.v2.task/NS/ID/config.json
 *   cri-o       ROOT/run/containers/storage/overlay-containers/ID/userdata/config.json
 *               (then /var/lib/containers/storage/...)
 *   podman      ROOT/var/lib/containers/storage/overlay-containers/ID/userdata/config.json,
 *               /run/containers/storage/...; rootless: HOME/.local/share/containers/storage/...
 *               and /run/user/UID/containers/...; name and image from the storage's
 *               containers.json (volatile-containers.json for --rm containers)
 *
 * rootless containers (a cgroup under user@UID.service): only the owner's
 * HOME/.local/share/docker, HOME/.local/share/containers/storage and
 * /run/user/UID/{containerd,containers}, never the system's.
 *
 * Every file is untrusted (rootless runtimes' belong to the user): the size
 * read is bounded, the components below the runtime's state directory (below
 * HOME or /run/user/UID for a rootless one) are opened with O_NOFOLLOW (a
 * symlink there is an error), only regular files are read, and every member's
 * type is checked. Strings are kept as the file has them; the writers escape them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <malloc.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "internal.h"

/* The largest state file read: OCI specs are a few KiB, docker's config.v2.json
 * tens of KiB. containers.json lists every container of a storage. */
#define STATE_MAX (1u << 20)
#define STORAGE_MAX (8u << 20)
/* containerd namespaces tried from the directory listing, when the attribution
 * does not name one */
#define NS_LIST_MAX 64
#define LINGER_DEFAULT_US (30 * 1000000LL)

/* A container with what only this file sees. c first: the public pointer is the node's. */
struct ctr_node {
	struct pt_container c;
	struct pt_ctr_cache *cc; /* the cache listing it; NULL when not listed */
	struct ctr_node *hnext; /* hash chain */
	struct ctr_node *prev, *next; /* first-seen order */
	uint32_t hash;
	bool enriched;
	char *state_path; /* c.state_file */
};

struct pt_ctr_cache {
	char *root;
	bool no_enrich;
	int64_t linger_us;
	struct ctr_node **buckets;
	size_t nbuckets; /* a power of 2 */
	unsigned count;
	struct ctr_node *head, *tail;
};

static struct ctr_node *node_of(const struct pt_container *c)
{
	return (struct ctr_node *)c;
}

static uint32_t hash_id(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* ---- lifetime ---- */

struct pt_container *pt_ctr_new(const struct pt_cgroup_attr *a, const char *cgroup_path)
{
	struct ctr_node *n;
	struct pt_container *c;

	if (!a->id[0] || a->nouter > PT_CTR_NEST_MAX) {
		errno = EINVAL;
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	c = &n->c;
	c->refs = 1;
	c->runtime = a->runtime;
	c->qos = a->qos;
	c->why = PT_WHY_NOT_READ;
	c->id = strndup(a->id, sizeof(a->id) - 1);
	if (!c->id)
		goto fail;
	if (a->pod_uid[0] && !(c->pod_uid = strndup(a->pod_uid, sizeof(a->pod_uid) - 1)))
		goto fail;
	if (a->ns[0] && !(c->ns = strndup(a->ns, sizeof(a->ns) - 1)))
		goto fail;
	if (cgroup_path && a->dir_len && !(c->cgroup = strndup(cgroup_path, a->dir_len)))
		goto fail;
	if (a->nouter) {
		c->outer = calloc(a->nouter, sizeof(*c->outer));
		if (!c->outer)
			goto fail;
		for (unsigned i = 0; i < a->nouter; i++, c->nouter++)
			if (!(c->outer[i] = strndup(a->outer[i], sizeof(a->outer[i]) - 1)))
				goto fail;
	}
	n->hash = hash_id(c->id);
	return c;
fail:
	pt_ctr_unref(c);
	errno = ENOMEM;
	return NULL;
}

struct pt_container *pt_ctr_ref(struct pt_container *c)
{
	c->refs++;
	return c;
}

static void meta_clear(struct pt_container *c)
{
	free(c->name);
	free(c->image);
	free(c->image_repo);
	free(c->image_tag);
	free(c->image_id);
	free(c->pod_name);
	free(c->pod_ns);
	c->name = c->image = c->image_repo = c->image_tag = c->image_id = NULL;
	c->pod_name = c->pod_ns = NULL;
}

void pt_ctr_unref(struct pt_container *c)
{
	struct ctr_node *n = node_of(c);

	if (!c || --c->refs)
		return;
	free(c->id);
	free(c->pod_uid);
	free(c->cgroup);
	for (unsigned i = 0; i < c->nouter; i++)
		free(c->outer[i]);
	free(c->outer);
	free(c->ns);
	meta_clear(c);
	free(n->state_path);
	free(n);
}

static size_t str_mem(const char *s)
{
	return s ? malloc_usable_size((void *)s) : 0;
}

size_t pt_ctr_mem(const struct pt_container *c)
{
	const struct ctr_node *n = node_of(c);
	size_t m = malloc_usable_size((void *)n);
	const char *const s[] = {c->id,	      c->pod_uid,  c->cgroup,	  c->ns,
				 c->name,     c->image,	   c->image_repo, c->image_tag,
				 c->image_id, c->pod_name, c->pod_ns,	  n->state_path};

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		m += str_mem(s[i]);
	if (c->outer)
		m += malloc_usable_size(c->outer);
	for (unsigned i = 0; i < c->nouter; i++)
		m += str_mem(c->outer[i]);
	return m;
}

/* ---- image references ---- */

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* An image id: sha256:HEX64, or HEX64 as containers/storage writes it. */
static bool is_image_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 71 && !strncmp(s, "sha256:", 7))
		return is_hex(s + 7, 64);
	return n == 64 && is_hex(s, 64);
}

/*
 * [REGISTRY[:PORT]/]REPO[:TAG][@DIGEST]: the tag is after the last ':' that
 * follows the last '/' (a ':' in the registry host is a port), the digest after
 * the first '@'. An image given by its id (sha256:HEX) has neither.
 */
int pt_image_split(const char *image, char **repo, char **tag)
{
	const char *at, *slash, *colon;
	size_t n;

	*repo = *tag = NULL;
	if (!image)
		return -EINVAL;
	at = strchr(image, '@');
	n = at ? (size_t)(at - image) : strlen(image);
	if (!at && is_image_id(image))
		n = 0;
	slash = memrchr(image, '/', n);
	colon = memrchr(slash ? slash : image, ':', n - (size_t)(slash ? slash - image : 0));
	*repo = strndup(image, colon ? (size_t)(colon - image) : n);
	*tag = colon ? strndup(colon + 1, n - (size_t)(colon + 1 - image)) : strdup("");
	if (!*repo || !*tag) {
		free(*repo);
		free(*tag);
		*repo = *tag = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* ---- parsers ---- */

/* Replace *dst with a copy of s ("" and NULL clear it). */
static int set_str(char **dst, const char *s)
{
	char *v = NULL;

	if (s && *s && !(v = strdup(s)))
		return -ENOMEM;
	free(*dst);
	*dst = v;
	return 0;
}

/* Member key of o when of type: 1 and *out, 0 absent or null, -EINVAL another type. */
static int get_member(json_t *o, const char *key, json_type type, json_t **out)
{
	json_t *j = json_object_get(o, key);

	*out = NULL;
	if (!j || json_is_null(j))
		return 0;
	if (json_typeof(j) != type)
		return -EINVAL;
	*out = j;
	return 1;
}

static int get_string(json_t *o, const char *key, const char **out)
{
	json_t *j;
	int r = get_member(o, key, JSON_STRING, &j);

	*out = j ? json_string_value(j) : NULL;
	return r;
}

/* The first of keys that o has as a non-empty string: 1, 0 none, -EINVAL. */
static int first_string(json_t *o, const char *const *keys, const char **out)
{
	int r;

	*out = NULL;
	if (!o)
		return 0;
	for (; *keys; keys++) {
		r = get_string(o, *keys, out);
		if (r < 0)
			return r;
		if (r > 0 && **out)
			return 1;
	}
	*out = NULL;
	return 0;
}

/* Set *dst from the first of keys in o, unless *dst is known already (keep)
 * or nothing names it. */
static int take(json_t *o, const char *const *keys, char **dst, bool keep)
{
	const char *v;
	int r;

	if (keep && *dst)
		return 0;
	r = first_string(o, keys, &v);
	return r > 0 ? set_str(dst, v) : r;
}

static int set_image(struct pt_container *c, const char *image)
{
	char *repo, *tag;
	int r;

	if ((r = set_str(&c->image, image)) < 0)
		return r;
	free(c->image_repo);
	free(c->image_tag);
	c->image_repo = c->image_tag = NULL;
	if (!c->image || (r = pt_image_split(c->image, &repo, &tag)) < 0)
		return r;
	c->image_repo = *repo ? repo : (free(repo), NULL);
	c->image_tag = *tag ? tag : (free(tag), NULL);
	return 0;
}

/* An image id as sha256:HEX whether the file wrote the algorithm or not. */
static int set_image_id(struct pt_container *c, const char *id)
{
	char buf[80];

	if (!id || !is_image_id(id))
		return 0;
	snprintf(buf, sizeof(buf), "%s%s", strchr(id, ':') ? "" : "sha256:", id);
	return set_str(&c->image_id, buf);
}

static void set_created(struct pt_container *c, const char *s)
{
	int64_t us;

	if (s && pt_parse_rfc3339(s, &us) && us > 0)
		c->created_us = us;
}

static json_t *load(const char *buf, size_t len, json_type type)
{
	json_error_t err;
	json_t *j = json_loadb(buf, len, 0, &err);

	if (j && json_typeof(j) != type) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* Falco's "privileged" for a bundle: a bounding set holding what only a
 * privileged container gets (the defaults of every runtime hold none of these). */
static int oci_privileged(json_t *spec, bool *priv)
{
	static const char *const caps[] = {"CAP_SYS_ADMIN", "CAP_SYS_MODULE", "CAP_SYS_RAWIO",
					   "CAP_SYS_BOOT", "CAP_MAC_ADMIN"};
	json_t *proc, *cs = NULL, *b, *v;
	unsigned have = 0;
	size_t i;

	if (get_member(spec, "process", JSON_OBJECT, &proc) < 0 ||
	    (proc && get_member(proc, "capabilities", JSON_OBJECT, &cs) < 0))
		return -EINVAL;
	if (!proc || !cs)
		return 0;
	b = json_object_get(cs, "bounding");
	if (!b || json_is_null(b))
		return 0;
	if (!json_is_array(b))
		return -EINVAL;
	json_array_foreach(b, i, v)
	{
		if (!json_is_string(v))
			return -EINVAL;
		for (size_t k = 0; k < sizeof(caps) / sizeof(caps[0]); k++)
			if (!strcmp(json_string_value(v), caps[k]))
				have |= 1u << k;
	}
	if (have == (1u << (sizeof(caps) / sizeof(caps[0]))) - 1)
		*priv = true;
	return 0;
}

static int docker_labels(struct pt_container *c, json_t *labels)
{
	static const char *const pod[] = {"io.kubernetes.pod.name", NULL};
	static const char *const ns[] = {"io.kubernetes.pod.namespace", NULL};
	static const char *const uid[] = {"io.kubernetes.pod.uid", NULL};
	static const char *const name[] = {"io.kubernetes.container.name", NULL};
	int r;

	if ((r = take(labels, pod, &c->pod_name, false)) < 0 ||
	    (r = take(labels, ns, &c->pod_ns, false)) < 0 ||
	    (r = take(labels, uid, &c->pod_uid, true)) < 0)
		return r;
	/* a dockershim pod's container: its Kubernetes name, as CRI runtimes give it */
	return take(labels, name, &c->name, false);
}

int pt_ctr_parse_docker(struct pt_container *c, const char *buf, size_t len)
{
	json_t *j = load(buf, len, JSON_OBJECT), *cfg, *labels;
	const char *name, *image, *id, *created;
	int r = -EINVAL;

	if (!j)
		return -EINVAL;
	if (get_string(j, "Name", &name) < 0 || get_string(j, "Image", &id) < 0 ||
	    get_string(j, "Created", &created) < 0 ||
	    get_member(j, "Config", JSON_OBJECT, &cfg) < 0)
		goto out;
	image = NULL;
	labels = NULL;
	if (cfg &&
	    (get_string(cfg, "Image", &image) < 0 ||
	     get_member(cfg, "Labels", JSON_OBJECT, &labels) < 0))
		goto out;
	if (name && *name == '/')
		name++;
	if ((r = set_str(&c->name, name)) < 0 || (image && (r = set_image(c, image)) < 0) ||
	    (r = set_image_id(c, id)) < 0)
		goto out;
	set_created(c, created);
	r = labels ? docker_labels(c, labels) : 0;
out:
	json_decref(j);
	return r;
}

/* docker's hostconfig.json: only Privileged. */
static int parse_hostconfig(struct pt_container *c, const char *buf, size_t len)
{
	json_t *j = load(buf, len, JSON_OBJECT), *p;
	int r = 0;

	if (!j)
		return -EINVAL;
	p = json_object_get(j, "Privileged");
	if (json_is_boolean(p))
		c->privileged = json_is_true(p);
	else if (p && !json_is_null(p))
		r = -EINVAL;
	json_decref(j);
	return r;
}

/* The annotations of an OCI spec as containerd (CRI, nerdctl), cri-o and podman write them. */
static int oci_annotations(struct pt_container *c, json_t *a)
{
	static const char *const name[] = {"io.kubernetes.cri.container-name",
					   "io.kubernetes.container.name", "nerdctl/name", NULL};
	static const char *const image[] = {"io.kubernetes.cri.image-name",
					    "io.kubernetes.cri-o.ImageName", NULL};
	static const char *const sb_image[] = {"io.kubernetes.cri.podsandbox.image-name", NULL};
	static const char *const image_id[] = {"io.kubernetes.cri-o.ImageRef",
					       "io.kubernetes.cri-o.Image", NULL};
	static const char *const pod[] = {"io.kubernetes.cri.sandbox-name",
					  "io.kubernetes.pod.name", "io.kubernetes.cri-o.KubeName",
					  NULL};
	static const char *const ns[] = {"io.kubernetes.cri.sandbox-namespace",
					 "io.kubernetes.pod.namespace",
					 "io.kubernetes.cri-o.Namespace", NULL};
	static const char *const uid[] = {"io.kubernetes.cri.sandbox-uid", "io.kubernetes.pod.uid",
					  NULL};
	static const char *const type[] = {"io.kubernetes.cri.container-type",
					   "io.kubernetes.cri-o.ContainerType", NULL};
	static const char *const nsname[] = {"nerdctl/namespace", NULL};
	const char *v, *t, *mgr, *img;
	json_t *val;
	const char *key;
	int r;

	json_object_foreach(a, key, val)
	{
		if (!json_is_string(val))
			return -EINVAL; /* the spec: values MUST be strings */
	}
	if ((r = take(a, name, &c->name, false)) < 0 ||
	    (r = take(a, pod, &c->pod_name, false)) < 0 ||
	    (r = take(a, ns, &c->pod_ns, false)) < 0 || (r = take(a, uid, &c->pod_uid, true)) < 0 ||
	    (r = take(a, nsname, &c->ns, true)) < 0)
		return r;
	first_string(a, type, &t);
	if (t && !strcmp(t, "sandbox")) {
		/* the pause container: named as dockershim named it */
		if (!c->name && (r = set_str(&c->name, "POD")) < 0)
			return r;
		first_string(a, sb_image, &img);
	} else {
		first_string(a, image, &img);
	}
	/* cri-o's Image is the image as the user asked for it, or its id */
	if (!img && get_string(a, "io.kubernetes.cri-o.Image", &v) > 0 && *v && !is_image_id(v))
		img = v;
	if (img && (r = set_image(c, img)) < 0)
		return r;
	for (const char *const *k = image_id; *k && !c->image_id; k++)
		if (get_string(a, *k, &v) > 0 && (r = set_image_id(c, v)) < 0)
			return r;
	get_string(a, "io.kubernetes.cri-o.Created", &v);
	set_created(c, v);
	if (get_string(a, "io.podman.annotations.privileged", &v) > 0 && !strcasecmp(v, "true"))
		c->privileged = true;
	/* cri-o and podman share a storage and cgroup names: the manager says which */
	get_string(a, "io.container.manager", &mgr);
	if (mgr &&
	    (c->runtime == PT_RT_UNKNOWN || c->runtime == PT_RT_CRIO ||
	     c->runtime == PT_RT_PODMAN)) {
		if (!strcmp(mgr, "libpod"))
			c->runtime = PT_RT_PODMAN;
		else if (!strcmp(mgr, "cri-o"))
			c->runtime = PT_RT_CRIO;
	}
	return 0;
}

int pt_ctr_parse_oci(struct pt_container *c, const char *buf, size_t len)
{
	json_t *j = load(buf, len, JSON_OBJECT), *a;
	int r;

	if (!j)
		return -EINVAL;
	r = get_member(j, "annotations", JSON_OBJECT, &a);
	if (r >= 0 && a)
		r = oci_annotations(c, a);
	if (r >= 0)
		r = oci_privileged(j, &c->privileged);
	json_decref(j);
	return r < 0 ? r : 0;
}

/* containers/storage's metadata string of one container, as podman writes it. */
static int storage_metadata(struct pt_container *c, const char *meta)
{
	json_t *j = load(meta, strlen(meta), JSON_OBJECT), *t;
	const char *v;
	int r = 0;

	if (!j)
		return -EINVAL;
	if (!c->name && get_string(j, "name", &v) > 0)
		r = set_str(&c->name, v);
	if (r >= 0 && !c->image && get_string(j, "image-name", &v) > 0)
		r = set_image(c, v);
	if (r >= 0 && !c->image_id && get_string(j, "image-id", &v) > 0)
		r = set_image_id(c, v);
	t = json_object_get(j, "created-at");
	if (r >= 0 && !c->created_us && json_is_integer(t) && json_integer_value(t) > 0 &&
	    json_integer_value(t) < 253402300800LL)
		c->created_us = json_integer_value(t) * 1000000;
	json_decref(j);
	return r;
}

/*
 * containers/storage's containers.json: [{"id","names":[...],"image","metadata":"{...}"}].
 * What c lacks, from c's entry: 0 (also when c is not listed), -EINVAL.
 */
int pt_ctr_parse_storage(struct pt_container *c, const char *buf, size_t len)
{
	json_t *j = load(buf, len, JSON_ARRAY), *e, *names;
	const char *id, *v;
	size_t i;
	int r = 0;

	if (!j)
		return -EINVAL;
	json_array_foreach(j, i, e)
	{
		if (!json_is_object(e) || get_string(e, "id", &id) < 0) {
			r = -EINVAL;
			break;
		}
		if (!id || strcmp(id, c->id))
			continue;
		names = json_object_get(e, "names");
		if (!c->name && json_is_array(names) && json_is_string(json_array_get(names, 0)))
			r = set_str(&c->name, json_string_value(json_array_get(names, 0)));
		if (r >= 0 && get_string(e, "metadata", &v) > 0)
			r = storage_metadata(c, v);
		if (r >= 0 && !c->image_id && get_string(e, "image", &v) > 0)
			r = set_image_id(c, v);
		break;
	}
	json_decref(j);
	return r;
}

/* ---- reading state files ---- */

struct state {
	const char *root; /* "" or a prefix */
	char *buf;
	size_t len;
	int64_t mtime_us;
	char path[PATH_MAX]; /* the last file read, as the host names it */
	uid_t owner; /* of a rootless container; -1 unknown */
	bool home_looked;
	char *home; /* the owner's */
};

/*
 * Read BASE/REL under the root prefix: BASE is the runtime's state directory
 * (the administrator's: a symlink there is followed); every component of REL
 * is opened with O_NOFOLLOW, and the last must be a regular file of at most
 * max bytes. 0 and st->buf (malloc'd, NUL-terminated), or -errno: -ENOENT
 * when any part is missing.
 */
static int read_state(struct state *st, const char *base, const char *rel, size_t max)
{
	char dir[PATH_MAX], comp[NAME_MAX + 1];
	struct stat sb;
	const char *p = rel, *slash;
	int fd, next, r;
	ssize_t n;

	st->buf = NULL;
	st->len = 0;
	if ((size_t)snprintf(dir, sizeof(dir), "%s%s", st->root, base) >= sizeof(dir) ||
	    (size_t)snprintf(st->path, sizeof(st->path), "%s/%s", base, rel) >= sizeof(st->path))
		return -ENAMETOOLONG;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOTDIR ? -ENOENT : -errno;
	for (;;) {
		slash = strchr(p, '/');
		n = slash ? slash - p : (ssize_t)strlen(p);
		if (n == 0 || n > NAME_MAX) {
			close(fd);
			return -EINVAL;
		}
		memcpy(comp, p, (size_t)n);
		comp[n] = '\0';
		next = openat(fd, comp,
			      O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
				      (slash ? O_DIRECTORY : O_NONBLOCK));
		r = -errno;
		close(fd);
		if (next < 0)
			return r == -ENOTDIR ? -ENOENT : r;
		fd = next;
		if (!slash)
			break;
		p = slash + 1;
	}
	if (fstat(fd, &sb) < 0)
		r = -errno;
	else if (!S_ISREG(sb.st_mode))
		r = -EINVAL;
	else if ((size_t)sb.st_size > max)
		r = -EFBIG;
	else
		r = 0;
	if (r < 0) {
		close(fd);
		return r;
	}
	st->mtime_us = (int64_t)sb.st_mtim.tv_sec * 1000000 + sb.st_mtim.tv_nsec / 1000;
	st->buf = malloc((size_t)sb.st_size + 1);
	if (!st->buf) {
		close(fd);
		return -ENOMEM;
	}
	/* the size was checked; a file growing meanwhile is cut at the bound */
	while (st->len <= (size_t)sb.st_size) {
		n = read(fd, st->buf + st->len, (size_t)sb.st_size + 1 - st->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		st->len += (size_t)n;
	}
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r < 0 || st->len > (size_t)sb.st_size) {
		free(st->buf);
		st->buf = NULL;
		return r < 0 ? r : -EFBIG;
	}
	st->buf[st->len] = '\0';
	return 0;
}

/* A state directory name from an attribution: one path component. */
static bool safe_name(const char *s)
{
	return s && *s && strcmp(s, ".") && strcmp(s, "..") && !strchr(s, '/') &&
		strlen(s) <= NAME_MAX;
}

/*
 * Where a runtime keeps its state: base, the administrator's directory (a
 * symlink there is followed), then sub, walked like the file's own path
 * without following a symlink (a rootless runtime's directories belong to
 * the user). base NULL: not a candidate.
 */
struct cand {
	const char *base, *sub;
};

/* Try SUB/rel below each candidate in order: the index of the first found (st
 * filled), else the first error other than -ENOENT, else -ENOENT. */
static int read_first(struct state *st, const struct cand *cs, unsigned n, const char *rel,
		      size_t max)
{
	char path[PATH_MAX];
	int r, err = -ENOENT;

	for (unsigned i = 0; i < n; i++) {
		if (!cs[i].base)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s%s%s", cs[i].sub ? cs[i].sub : "",
				     cs[i].sub ? "/" : "", rel) >= sizeof(path))
			r = -ENAMETOOLONG;
		else
			r = read_state(st, cs[i].base, path, max);
		if (r == 0)
			return (int)i;
		if (r != -ENOENT && err == -ENOENT)
			err = r;
	}
	return err;
}

static int remember(struct pt_container *c, const struct state *st)
{
	struct ctr_node *n = node_of(c);
	char *p = strdup(st->path);

	if (!p)
		return -ENOMEM;
	free(n->state_path);
	n->state_path = p;
	c->state_file = p;
	return 0;
}

static char *home_of(uid_t uid)
{
	struct passwd pw, *res = NULL;
	long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
	char *buf, *home = NULL;

	if (sz < 1024)
		sz = 16384;
	buf = malloc((size_t)sz);
	if (!buf)
		return NULL;
	if (getpwuid_r(uid, &pw, buf, (size_t)sz, &res) == 0 && res && res->pw_dir &&
	    res->pw_dir[0] == '/')
		home = strdup(res->pw_dir);
	free(buf);
	return home;
}

/* A container under a user's systemd instance is that user's: its state is in
 * the user's directories, never the system's (whatever its cgroup is named). */
static bool rootless(const struct state *st)
{
	return st->owner != (uid_t)-1 && st->owner != 0;
}

/* The owner's home, looked up once: NULL when unknown. */
static const char *home(struct state *st)
{
	if (!rootless(st))
		return NULL;
	if (!st->home_looked) {
		st->home = home_of(st->owner);
		st->home_looked = true;
	}
	return st->home;
}

/* The owner's runtime directory, /run/user/UID, in buf. */
static const char *run_user(const struct state *st, char *buf, size_t len)
{
	if (!rootless(st))
		return NULL;
	snprintf(buf, len, "/run/user/%u", (unsigned)st->owner);
	return buf;
}

static int enrich_docker(struct pt_container *c, struct state *st)
{
	const struct cand cs = rootless(st)
		? (struct cand){home(st), ".local/share/docker/containers"}
		: (struct cand){"/var/lib/docker/containers", NULL};
	char rel[NAME_MAX + 32];
	int r;

	snprintf(rel, sizeof(rel), "%s/config.v2.json", c->id);
	if ((r = read_first(st, &cs, 1, rel, STATE_MAX)) < 0)
		return r;
	r = remember(c, st);
	if (r == 0)
		r = pt_ctr_parse_docker(c, st->buf, st->len);
	free(st->buf);
	if (r < 0)
		return r;
	/* Privileged is in the host config; without it the rest stands */
	snprintf(rel, sizeof(rel), "%s/hostconfig.json", c->id);
	if (read_first(st, &cs, 1, rel, STATE_MAX) >= 0) {
		parse_hostconfig(c, st->buf, st->len);
		free(st->buf);
	}
	return 0;
}

static int parse_bundle(struct pt_container *c, struct state *st)
{
	int r = remember(c, st);

	if (r == 0)
		r = pt_ctr_parse_oci(c, st->buf, st->len);
	free(st->buf);
	st->buf = NULL;
	/* a bundle is written when its task is created: the container's start */
	if (r == 0 && !c->created_us)
		c->created_us = st->mtime_us;
	return r;
}

#define TASK_DIR "containerd/io.containerd.runtime.v2.task"

/* /run/containerd's tasks, or a rootless containerd's: rootlesskit binds
 * $XDG_RUNTIME_DIR/containerd on its /run/containerd. user holds /run/user/UID. */
static struct cand task_dir(const struct state *st, char *user, size_t len)
{
	if (rootless(st))
		return (struct cand){run_user(st, user, len), TASK_DIR};
	return (struct cand){"/run/" TASK_DIR, NULL};
}

static int try_ns(struct pt_container *c, struct state *st, const char *ns)
{
	char rel[2 * NAME_MAX + 16], user[64];
	struct cand cs = task_dir(st, user, sizeof(user));
	int r;

	if (!safe_name(ns))
		return -ENOENT;
	snprintf(rel, sizeof(rel), "%s/%s/config.json", ns, c->id);
	r = read_first(st, &cs, 1, rel, STATE_MAX);
	if (r < 0)
		return r;
	r = 0;
	if (!c->ns && set_str(&c->ns, ns) < 0) {
		free(st->buf);
		return -ENOMEM;
	}
	return parse_bundle(c, st);
}

/* The namespaces dir lists, but those of skip: the first found, -ENOENT. */
static int try_listed(struct pt_container *c, struct state *st, const char *dir,
		      const char *const *skip, size_t nskip)
{
	struct dirent *de;
	unsigned seen = 0;
	int r = -ENOENT;
	DIR *d = opendir(dir);

	if (!d)
		return -ENOENT;
	while (r == -ENOENT && (de = readdir(d)) && seen++ < NS_LIST_MAX) {
		bool tried = de->d_name[0] == '.';

		for (size_t i = 0; i < nskip; i++)
			tried |= !strcmp(de->d_name, skip[i]);
		if (!tried)
			r = try_ns(c, st, de->d_name);
	}
	closedir(d);
	return r;
}

static int enrich_containerd(struct pt_container *c, struct state *st)
{
	static const char *const known[] = {"k8s.io", "moby", "default"};
	char dir[PATH_MAX], user[64];
	struct cand cs;
	int r;

	if (c->ns)
		return try_ns(c, st, c->ns);
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		r = try_ns(c, st, known[i]);
		if (r != -ENOENT)
			return r;
	}
	/* namespaces of nerdctl and others: whatever the task directory lists */
	cs = task_dir(st, user, sizeof(user));
	if (!cs.base ||
	    (size_t)snprintf(dir, sizeof(dir), "%s%s%s%s", st->root, cs.base, cs.sub ? "/" : "",
			     cs.sub ? cs.sub : "") >= sizeof(dir))
		return -ENOENT;
	return try_listed(c, st, dir, known, sizeof(known) / sizeof(known[0]));
}

/* The uid a rootless container runs under, from its cgroup
 * (.../user-UID.slice/user@UID.service/...): -1 when it does not say. */
static uid_t cgroup_owner(const struct pt_container *c)
{
	const char *p = c->cgroup ? strstr(c->cgroup, "/user@") : NULL;
	char *end;
	unsigned long v;

	if (!p || p[6] < '0' || p[6] > '9')
		return (uid_t)-1;
	errno = 0;
	v = strtoul(p + 6, &end, 10);
	if (errno || v >= (uid_t)-1 || strncmp(end, ".service", 8))
		return (uid_t)-1;
	return (uid_t)v;
}

#define STORAGE "/var/lib/containers/storage/overlay-containers"
#define RUNROOT "/run/containers/storage/overlay-containers"

/* What the lists of a podman storage (graph root) and its run root say of c. */
static void podman_lists(struct pt_container *c, struct state *st, const struct cand *graph,
			 const struct cand *run)
{
	struct state s2 = {.root = st->root};

	if (read_first(&s2, graph, 1, "containers.json", STORAGE_MAX) >= 0) {
		pt_ctr_parse_storage(c, s2.buf, s2.len);
		free(s2.buf);
	}
	if ((!c->name || !c->image) &&
	    read_first(&s2, run, 1, "volatile-containers.json", STORAGE_MAX) >= 0) {
		pt_ctr_parse_storage(c, s2.buf, s2.len);
		free(s2.buf);
	}
}

/* cri-o's and podman's: a bundle (ID/userdata/config.json) in a run root or a storage */
static int enrich_storage(struct pt_container *c, struct state *st)
{
	char rel[NAME_MAX + 32], user[64];
	struct cand cs[2] = {{RUNROOT, NULL}, {STORAGE, NULL}};
	int r;

	if (rootless(st)) {
		if (c->runtime == PT_RT_CRIO)
			return -ENOENT; /* cri-o is the system's */
		cs[0] = (struct cand){home(st),
				      ".local/share/containers/storage/overlay-containers"};
		cs[1] = (struct cand){run_user(st, user, sizeof(user)),
				      "containers/overlay-containers"};
	} else if (c->runtime == PT_RT_PODMAN) {
		cs[0] = (struct cand){STORAGE, NULL};
		cs[1] = (struct cand){RUNROOT, NULL};
	}
	snprintf(rel, sizeof(rel), "%s/userdata/config.json", c->id);
	r = read_first(st, cs, 2, rel, STATE_MAX);
	if (r >= 0)
		r = parse_bundle(c, st);
	/* podman's name and image are in the storage's lists, not in the bundle */
	if (r == 0 && c->runtime == PT_RT_PODMAN && (!c->name || !c->image)) {
		if (!rootless(st)) {
			cs[0] = (struct cand){STORAGE, NULL};
			cs[1] = (struct cand){RUNROOT, NULL};
		}
		podman_lists(c, st, &cs[0], &cs[1]);
	}
	return r;
}

static enum pt_why why_of(int err)
{
	switch (err) {
	case 0:
		return PT_WHY_NONE;
	case -ENOENT:
		return PT_WHY_NOT_FOUND;
	case -EACCES:
	case -EPERM:
		return PT_WHY_PERM;
	default:
		return PT_WHY_ERROR;
	}
}

int pt_ctr_enrich(struct pt_container *c, const char *root, uid_t owner)
{
	struct state st = {.root = root ? root : "", .owner = owner};
	enum pt_runtime rt = c->runtime, found = PT_RT_UNKNOWN;
	int r = -ENOENT;

	node_of(c)->enriched = true;
	if (!safe_name(c->id)) {
		c->why = PT_WHY_NOT_FOUND;
		return -ENOENT;
	}
	if (rt == PT_RT_DOCKER || rt == PT_RT_UNKNOWN) {
		r = enrich_docker(c, &st);
		found = PT_RT_DOCKER;
	}
	if (r == -ENOENT && (rt == PT_RT_CONTAINERD || rt == PT_RT_UNKNOWN)) {
		r = enrich_containerd(c, &st);
		found = PT_RT_CONTAINERD;
	}
	if (r == -ENOENT && (rt == PT_RT_CRIO || rt == PT_RT_PODMAN || rt == PT_RT_UNKNOWN)) {
		r = enrich_storage(c, &st);
		found = c->runtime; /* the bundle's io.container.manager, if any */
	}
	/* the runtime the state was found with, when the cgroup did not tell */
	if (r == 0 && c->runtime == PT_RT_UNKNOWN)
		c->runtime = found;
	free(st.home);
	c->why = why_of(r);
	return r;
}

/* ---- the cache ---- */

struct pt_ctr_cache *pt_ctr_cache_new(const struct pt_ctr_cache_opts *o)
{
	struct pt_ctr_cache *cc = calloc(1, sizeof(*cc));

	if (!cc)
		return NULL;
	cc->root = strdup(o && o->root ? o->root : "");
	cc->nbuckets = 64;
	cc->buckets = calloc(cc->nbuckets, sizeof(*cc->buckets));
	if (!cc->root || !cc->buckets) {
		free(cc->root);
		free(cc->buckets);
		free(cc);
		return NULL;
	}
	cc->no_enrich = o && o->no_enrich;
	cc->linger_us = o && o->linger_us ? o->linger_us : LINGER_DEFAULT_US;
	return cc;
}

static struct ctr_node *lookup(const struct pt_ctr_cache *cc, const char *id, uint32_t h)
{
	for (struct ctr_node *n = cc->buckets[h & (cc->nbuckets - 1)]; n; n = n->hnext)
		if (n->hash == h && !strcmp(n->c.id, id))
			return n;
	return NULL;
}

static void grow(struct pt_ctr_cache *cc)
{
	size_t nb = cc->nbuckets * 2;
	struct ctr_node **b = calloc(nb, sizeof(*b));

	if (!b)
		return; /* longer chains, still correct */
	for (struct ctr_node *n = cc->head; n; n = n->next) {
		n->hnext = b[n->hash & (nb - 1)];
		b[n->hash & (nb - 1)] = n;
	}
	free(cc->buckets);
	cc->buckets = b;
	cc->nbuckets = nb;
}

static void list(struct pt_ctr_cache *cc, struct ctr_node *n)
{
	struct ctr_node **b;

	if (cc->count >= cc->nbuckets)
		grow(cc);
	b = &cc->buckets[n->hash & (cc->nbuckets - 1)];
	n->hnext = *b;
	*b = n;
	n->prev = cc->tail;
	n->next = NULL;
	if (cc->tail)
		cc->tail->next = n;
	else
		cc->head = n;
	cc->tail = n;
	n->cc = cc;
	cc->count++;
	pt_ctr_ref(&n->c);
}

static void unlist(struct pt_ctr_cache *cc, struct ctr_node *n)
{
	struct ctr_node **pp = &cc->buckets[n->hash & (cc->nbuckets - 1)];

	while (*pp != n)
		pp = &(*pp)->hnext;
	*pp = n->hnext;
	if (n->prev)
		n->prev->next = n->next;
	else
		cc->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		cc->tail = n->prev;
	n->hnext = n->prev = n->next = NULL;
	n->cc = NULL;
	cc->count--;
	pt_ctr_unref(&n->c);
}

void pt_ctr_cache_free(struct pt_ctr_cache *cc)
{
	if (!cc)
		return;
	while (cc->head)
		unlist(cc, cc->head);
	free(cc->buckets);
	free(cc->root);
	free(cc);
}

static void move_str(char **dst, char **src)
{
	if (!*dst && *src) {
		*dst = *src;
		*src = NULL;
	}
}

/* What a new attribution knows that the listed entry lacks (e from
 * mountinfo learns its cgroup; a sub-cgroup's path is not the container's). */
static void merge(struct pt_container *e, struct pt_container *c)
{
	move_str(&e->cgroup, &c->cgroup);
	move_str(&e->pod_uid, &c->pod_uid);
	move_str(&e->ns, &c->ns);
	if (!e->cgroup_id)
		e->cgroup_id = c->cgroup_id;
	if (e->qos == PT_QOS_NONE)
		e->qos = c->qos;
	if (e->runtime == PT_RT_UNKNOWN || e->runtime == PT_RT_NONE)
		e->runtime = c->runtime;
	if (!e->nouter && c->nouter) {
		e->outer = c->outer;
		e->nouter = c->nouter;
		c->outer = NULL;
		c->nouter = 0;
	}
}

struct pt_container *pt_ctr_intern(struct pt_ctr_cache *cc, struct pt_container *c, int64_t now_us)
{
	struct ctr_node *n, *e;

	if (!c)
		return NULL;
	n = node_of(c);
	if (n->cc == cc)
		return c;
	e = lookup(cc, c->id, n->hash);
	if (e) {
		merge(&e->c, c);
		pt_ctr_unref(c);
		return pt_ctr_ref(&e->c);
	}
	if (n->cc)
		return c; /* another cache's: not ours to list */
	if (!c->first_us)
		c->first_us = now_us;
	if (!c->live && !c->idle_us)
		c->idle_us = now_us ? now_us : 1;
	list(cc, n);
	if (!cc->no_enrich && !n->enriched)
		pt_ctr_enrich(c, cc->root, cgroup_owner(c));
	return c;
}

void pt_ctr_live(struct pt_container *c, int delta, int64_t now_us)
{
	if (!c)
		return;
	if (delta < 0 && c->live < (unsigned)-delta)
		c->live = 0;
	else
		c->live += (unsigned)delta;
	c->idle_us = c->live ? 0 : (now_us ? now_us : 1);
}

void pt_ctr_cache_expire(struct pt_ctr_cache *cc, int64_t now_us)
{
	struct ctr_node *n = cc->head, *next;

	for (; n; n = next) {
		next = n->next;
		if (!n->c.live && n->c.idle_us && now_us - n->c.idle_us >= cc->linger_us)
			unlist(cc, n);
	}
}

int pt_ctr_cache_foreach(const struct pt_ctr_cache *cc,
			 int (*fn)(const struct pt_container *c, void *data), void *data)
{
	int r;

	for (const struct ctr_node *n = cc->head; n; n = n->next)
		if ((r = fn(&n->c, data)))
			return r;
	return 0;
}

unsigned pt_ctr_cache_count(const struct pt_ctr_cache *cc)
{
	return cc->count;
}

size_t pt_ctr_cache_mem(const struct pt_ctr_cache *cc)
{
	size_t m = sizeof(*cc) + cc->nbuckets * sizeof(*cc->buckets) + strlen(cc->root) + 1;

	for (const struct ctr_node *n = cc->head; n; n = n->next)
		m += pt_ctr_mem(&n->c);
	return m;
}
