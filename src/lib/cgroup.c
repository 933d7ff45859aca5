/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Container attribution from cgroup paths and mountinfo: pure parsers of text
 * a process (or a delegated cgroup owner) controls. No I/O, no allocation but
 * pt_cgroup_info.path; every scan is bounded by the length given.
 *
 * A path is walked from the root, one component at a time. Each component may
 * name a Kubernetes QoS level, a pod, or a container; a container found below
 * another makes the first one an outer container (docker-in-docker, kind).
 * Components below the innermost container are its sub-cgroups. The shapes
 * are listed, with an example each, in man/proctrail.1 (CONTAINERS); the
 * comments below say why each rule is as strict or as loose as it is.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "internal.h"

static const char *const runtime_names[PT_RT_COUNT] = {
	[PT_RT_DOCKER] = "docker",
	[PT_RT_CONTAINERD] = "containerd",
	[PT_RT_CRIO] = "cri-o",
	[PT_RT_PODMAN] = "podman",
	[PT_RT_LXC] = "lxc",
	[PT_RT_NSPAWN] = "systemd-nspawn",
	[PT_RT_LIBVIRT_LXC] = "libvirt-lxc",
	[PT_RT_GARDEN] = "garden",
	[PT_RT_ECS] = "ecs",
	[PT_RT_BUILDKIT] = "buildkit",
	[PT_RT_BPM] = "bpm",
	[PT_RT_RUNC] = "runc",
	[PT_RT_UNKNOWN] = "unknown",
};

const char *pt_runtime_name(enum pt_runtime rt)
{
	if ((unsigned)rt >= PT_RT_COUNT)
		return NULL;
	return runtime_names[rt];
}

const char *pt_qos_name(enum pt_qos q)
{
	switch (q) {
	case PT_QOS_GUARANTEED:
		return "guaranteed";
	case PT_QOS_BURSTABLE:
		return "burstable";
	case PT_QOS_BESTEFFORT:
		return "besteffort";
	default:
		return NULL;
	}
}

/* ---- small string tests over (pointer, length) ---- */

#define ID_MIN 12 /* the shortest hex id a runtime prefix makes an id */

static bool eq(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n == l && memcmp(s, lit, l) == 0;
}

static bool starts(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n >= l && memcmp(s, lit, l) == 0;
}

static bool ends(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n >= l && memcmp(s + n - l, lit, l) == 0;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* lit (lower case) occurs in s, ignoring case */
static bool has_ci(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	for (size_t i = 0; i + l <= n; i++) {
		size_t k = 0;

		while (k < l && lower(s[i + k]) == lit[k])
			k++;
		if (k == l)
			return true;
	}
	return false;
}

static bool eq_ci(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && has_ci(s, n, lit);
}

/* Runtimes write ids in lower-case hex. */
static bool is_hex(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool is_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Hex groups of the given lengths separated by sep: 8-4-4-4-12 is a UUID. */
static bool is_groups(const char *s, size_t n, const unsigned *g, unsigned ng, char sep)
{
	size_t off = 0;

	for (unsigned i = 0; i < ng; i++) {
		if (i > 0) {
			if (off >= n || s[off] != sep)
				return false;
			off++;
		}
		if (off + g[i] > n || !is_hex(s + off, g[i]))
			return false;
		off += g[i];
	}
	return off == n;
}

static const unsigned uuid_groups[] = {8, 4, 4, 4, 12};
static const unsigned garden_groups[] = {8, 4, 4, 4, 4};

static bool is_uuid(const char *s, size_t n, char sep)
{
	return is_groups(s, n, uuid_groups, 5, sep);
}

/* A systemd unit suffix that is not a container's: .service, .mount ... */
static bool unit_suffix(const char *s, size_t n)
{
	static const char *const units[] = {".service",	  ".socket", ".device", ".mount",
					    ".automount", ".swap",   ".target", ".path",
					    ".timer",	  ".slice"};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (ends(s, n, units[i]))
			return true;
	return false;
}

/*
 * The id part of a leaf: "ID", "ID.scope", or "ID.anything" (seen in tests:
 * .aaaa, .stuff) but never a unit type other than .scope (.mount units embed
 * ids in their names). Returns the length of ID, 0 when refused.
 */
static size_t strip_suffix(const char *s, size_t n)
{
	const char *dot = memchr(s, '.', n);

	if (!dot)
		return n;
	if (unit_suffix(s, n))
		return 0;
	return (size_t)(dot - s);
}

/*
 * A Kubernetes pod UID: 8-4-4-4-12 hex with '-' (cgroupfs) or '_' (systemd
 * driver) between the groups, normalised to dashes; or 32 hex (static and
 * mirror pods: the config hash), kept.
 */
static bool loose_uid(const char *s, size_t n)
{
	if (n == 0 || n > PT_POD_UID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_hex(s + i, 1) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

static bool pod_uid(const char *s, size_t n, bool loose, char out[PT_POD_UID_MAX + 1])
{
	if (n == 32 && is_hex(s, n)) {
		memcpy(out, s, n);
		out[n] = '\0';
		return true;
	}
	/* under a kubepods root the kubelet's name is taken as written */
	if (!(n == 36 && (is_uuid(s, n, '-') || is_uuid(s, n, '_'))) && !(loose && loose_uid(s, n)))
		return false;
	for (size_t i = 0; i < n; i++)
		out[i] = s[i] == '_' ? '-' : s[i];
	out[n] = '\0';
	return true;
}

/*
 * A pod's cgroup: "pod<uid>" (cgroupfs, also with .slice in some fixtures) or
 * "<parent>-pod<uid>.slice" (systemd: kubepods-burstable-pod<uid>.slice).
 * Only a well-formed UID counts, so "podcast" or "pod123" is not a pod.
 */
static bool pod_dir(const char *s, size_t n, bool loose, char out[PT_POD_UID_MAX + 1])
{
	const char *p = s;
	size_t m = n;

	if (ends(s, n, ".slice"))
		m -= 6;
	if (!starts(p, m, "pod")) {
		const char *q = NULL;

		/* the last "-pod" of a systemd slice name */
		for (size_t i = 0; i + 4 <= m; i++)
			if (memcmp(s + i, "-pod", 4) == 0)
				q = s + i + 1;
		if (!q)
			return false;
		m -= (size_t)(q - s);
		p = q;
	}
	p += 3;
	m -= 3;
	if (m > 0 && *p == '_') { /* kubelet's ToSystemd of "pod-<uid>" */
		p++;
		m--;
	}
	return pod_uid(p, m, loose, out);
}

/* The QoS level a component names, for components under a kubepods root. */
static enum pt_qos qos_of(const char *s, size_t n)
{
	if (eq_ci(s, n, "besteffort") || has_ci(s, n, "-besteffort.slice") ||
	    has_ci(s, n, "-besteffort-pod") || eq_ci(s, n, "besteffort.slice"))
		return PT_QOS_BESTEFFORT;
	if (eq_ci(s, n, "burstable") || has_ci(s, n, "-burstable.slice") ||
	    has_ci(s, n, "-burstable-pod") || eq_ci(s, n, "burstable.slice"))
		return PT_QOS_BURSTABLE;
	return PT_QOS_NONE;
}

/* kubepods, kubepods.slice, kubelet-kubepods.slice, kubepods-burstable.slice... */
static bool kubepods_root(const char *s, size_t n)
{
	return starts(s, n, "kubepods") || has_ci(s, n, "-kubepods");
}

/* ---- the walk ---- */

struct walk {
	const char *path;
	size_t len;
	bool absolute; /* no ".." component: the ns rule needs a real root */
	bool last; /* the component is the path's last */
	bool ns_rule; /* the namespace rule may apply (see attr_path) */
	unsigned depth; /* components seen (".." excluded) */
	const char *prev, *prev2; /* the two components above this one */
	size_t prev_n, prev2_n;
	bool k8s; /* below a kubepods root */
	bool docker_dir, ecs_dir, actions_dir; /* a /docker, /ecs, /actions_job above */
	enum pt_qos qos; /* pending: for the next container */
	char pod[PT_POD_UID_MAX + 1];
	unsigned nfound;
	struct pt_cgroup_attr *a;
};

struct hit {
	enum pt_runtime rt;
	char id[PT_CTR_ID_MAX + 1];
	char ns[64];
};

static bool hit_set(struct hit *h, enum pt_runtime rt, const char *id, size_t n)
{
	if (n == 0 || n > PT_CTR_ID_MAX)
		return false;
	h->rt = rt;
	memcpy(h->id, id, n);
	h->id[n] = '\0';
	return true;
}

/* "<prefix>-<hex id>[.scope]": the runtimes' systemd units and cgroupfs names. */
static const struct {
	const char *prefix;
	enum pt_runtime rt;
} prefixes[] = {
	/* longest first: cri-containerd- before containerd-, libpod-payload- before libpod- */
	{"cri-containerd-", PT_RT_CONTAINERD},
	{"libpod-payload-", PT_RT_PODMAN},
	{"containerd-", PT_RT_CONTAINERD},
	{"nerdctl-", PT_RT_CONTAINERD},
	{"docker-", PT_RT_DOCKER},
	{"libpod-", PT_RT_PODMAN},
	{"crio-", PT_RT_CRIO},
	{"runc-", PT_RT_RUNC},
};

static bool prefixed(const char *s, size_t n, struct hit *h)
{
	/* conmon, the runtime's monitor, has a scope of its own next to the container's */
	if (starts(s, n, "crio-conmon-") || starts(s, n, "libpod-conmon-"))
		return false;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i].prefix), idn;

		if (!starts(s, n, prefixes[i].prefix))
			continue;
		idn = strip_suffix(s + pl, n - pl);
		if (idn < ID_MIN || idn > PT_CTR_ID_MAX || !is_hex(s + pl, idn))
			return false;
		if (prefixes[i].rt == PT_RT_CONTAINERD && i == 0)
			strcpy(h->ns, "k8s.io");
		return hit_set(h, prefixes[i].rt, s + pl, idn);
	}
	return false;
}

/*
 * "<slice>:<prefix>:<id>": runc given a systemd-style cgroupsPath without the
 * systemd driver makes a directory with colons in its name. The id is after
 * the last ':'; the part before the first names the pod.
 */
static bool colon_form(struct walk *w, const char *s, size_t n, struct hit *h)
{
	const char *last = NULL, *prev = NULL, *tail, *first = memchr(s, ':', n);
	size_t tn;

	for (const char *p = s; p < s + n; p++)
		if (*p == ':') {
			prev = last;
			last = p;
		}
	if (!last)
		return false;
	tail = last + 1;
	tn = (size_t)(s + n - tail);
	if (!w->pod[0])
		pod_dir(s, (size_t)(first - s), w->k8s || kubepods_root(s, (size_t)(first - s)),
			w->pod);
	if (w->qos == PT_QOS_NONE)
		w->qos = qos_of(s, (size_t)(first - s));
	if (tn >= ID_MIN && tn <= PT_CTR_ID_MAX && is_hex(tail, tn)) {
		const char *mid = prev ? prev + 1 : s;
		size_t mn = (size_t)(last - mid);
		enum pt_runtime rt = PT_RT_UNKNOWN;

		if (eq(mid, mn, "cri-containerd") || eq(mid, mn, "containerd")) {
			rt = PT_RT_CONTAINERD;
			strcpy(h->ns, "k8s.io");
		} else if (eq(mid, mn, "crio")) {
			rt = PT_RT_CRIO;
		} else if (eq(mid, mn, "docker")) {
			rt = PT_RT_DOCKER;
		} else if (eq(mid, mn, "libpod")) {
			rt = PT_RT_PODMAN;
		}
		return hit_set(h, rt, tail, tn);
	}
	/* "slice:cri-containerd-ID.extra": a unit-style name after the colon */
	return prefixed(tail, tn, h);
}

/* "\x2d" -> "-", as systemd escapes unit names; NUL and '/' stay escaped. */
static size_t unescape_unit(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < cap; i++) {
		unsigned v = 0;
		bool ok = i + 3 < n && s[i] == '\\' && s[i + 1] == 'x';

		for (size_t k = 2; ok && k < 4; k++) {
			char c = lower(s[i + k]);

			if (c >= '0' && c <= '9')
				v = v * 16 + (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v = v * 16 + (unsigned)(c - 'a' + 10);
			else
				ok = false;
		}
		if (ok && v != 0 && v != '/') {
			out[o++] = (char)v;
			i += 3;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return o;
}

/*
 * machined's scopes: machine.slice/machine-<escaped name>.scope. systemd-nspawn
 * containers keep their name; libvirt's are "lxc-<domid>-<name>" (containers)
 * or "qemu-<domid>-<name>" (virtual machines: not containers).
 */
static bool machine_scope(const char *s, size_t n, struct hit *h)
{
	char name[PT_CTR_ID_MAX + 1];
	size_t m;

	if (!starts(s, n, "machine-") || !ends(s, n, ".scope") || n <= 14)
		return false;
	m = unescape_unit(s + 8, n - 14, name, sizeof(name));
	if (m == 0 || starts(name, m, "qemu-"))
		return false;
	if (starts(name, m, "lxc-"))
		return hit_set(h, PT_RT_LIBVIRT_LXC, name + 4, m - 4);
	return hit_set(h, PT_RT_NSPAWN, name, m);
}

/* containerd's identifier rule: alphanumerics joined by single '.', '_' or '-' */
static bool identifier(const char *s, size_t n)
{
	bool sep = true;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			sep = false;
		} else if (c == '.' || c == '_' || c == '-') {
			if (sep)
				return false;
			sep = true;
		} else {
			return false;
		}
	}
	return !sep;
}

/* Top-level directories that are something else than a containerd namespace. */
static bool reserved_ns(const char *s, size_t n)
{
	static const char *const names[] = {
		"docker",	 "kubepods",	"kubelet",  "kuberuntime", "podruntime",
		"ecs",		 "garden",	"lxc",	    "lxc.payload", "machine",
		"libpod_parent", "actions_job", "user",	    "system",	   "init",
		"besteffort",	 "burstable",	"buildkit", "containerd",  "crio",
		"podman",	 "systemd",	"pod"};

	if (unit_suffix(s, n) || ends(s, n, ".scope") || starts(s, n, "lxc.monitor"))
		return true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (eq(s, n, names[i]))
			return true;
	return false;
}

/* The longest name the namespace rule takes, 64-hex ids (nerdctl) apart: longer
 * leaves in that place are damaged runtime ids in the test suites we compare
 * with, and human container names are short. */
#define NS_NAME_MAX 48

/*
 * Does component s (of depth w->depth, below w->prev) name a container?
 */
static bool container_of(struct walk *w, const char *s, size_t n, struct hit *h)
{
	const char *p = w->prev, *pp = w->prev2;
	size_t pn = w->prev_n, ppn = w->prev2_n, idn;
	bool hex_id;

	memset(h, 0, sizeof(*h));
	if (memchr(s, ':', n))
		return colon_form(w, s, n, h);
	if (prefixed(s, n, h))
		return true;
	/* bpm (Cloud Foundry): bpm-<job>[.scope] */
	if (starts(s, n, "bpm-") && !unit_suffix(s, n)) {
		idn = ends(s, n, ".scope") ? n - 10 : n - 4;
		return identifier(s + 4, idn) && hit_set(h, PT_RT_BPM, s + 4, idn);
	}
	/* lxc and lxd: /lxc/<name>, /lxc.payload/<name>, /lxc.payload.<name>;
	 * lxd's project containers are lxc.payload.<project>_<name>. The monitor
	 * (lxc.monitor.<name>) runs on the host side: not the container. */
	if (starts(s, n, "lxc.payload.") && n > 12)
		return hit_set(h, PT_RT_LXC, s + 12, n - 12);
	if (p && (eq(p, pn, "lxc") || eq(p, pn, "lxc.payload")) && !starts(s, n, "lxc.monitor"))
		return hit_set(h, PT_RT_LXC, s, n);
	if (p && eq(p, pn, "machine.slice") && machine_scope(s, n, h))
		return true;
	/* libvirt without systemd: /machine/<name>.libvirt-lxc (…libvirt-qemu is a VM) */
	if (ends(s, n, ".libvirt-lxc") && n > 12)
		return hit_set(h, PT_RT_LIBVIRT_LXC, s, n - 12);
	/* garden: /garden/<8-4-4-4-4 hex> (or a whole UUID), also below garden.service */
	if (p && eq(p, pn, "garden"))
		return (is_groups(s, n, garden_groups, 5, '-') || is_uuid(s, n, '-')) &&
			hit_set(h, PT_RT_GARDEN, s, n);
	/* buildkit's OCI worker under docker: /docker/buildkit/<id> */
	if (p && pp && eq(p, pn, "buildkit") && eq(pp, ppn, "docker"))
		return identifier(s, n) && hit_set(h, PT_RT_BUILDKIT, s, n);
	/* Fargate 1.4: /ecs/<task>/<32 hex>-<digits> */
	if (w->ecs_dir && n > 33 && is_hex(s, 32) && s[32] == '-' && is_digits(s + 33, n - 33))
		return hit_set(h, PT_RT_ECS, s, n);
	/*
	 * The namespace rule: /<ns>/<name>, exactly two levels from the real
	 * root, and not right below a pod (the UUID rule below names those). A
	 * 64-hex name is a container wherever it is, so the cgroups below it
	 * are its own: they name it as its own cgroup does.
	 */
	hex_id = n == 64 && is_hex(s, n);
	if (w->ns_rule && (w->last || hex_id) && w->absolute && w->depth == 2 && w->nfound == 0 &&
	    !w->pod[0] && !reserved_ns(p, pn) && identifier(p, pn) && pn < sizeof(h->ns) &&
	    !unit_suffix(s, n) && !ends(s, n, ".scope") && identifier(s, n) &&
	    (n <= NS_NAME_MAX || hex_id)) {
		memcpy(h->ns, p, pn);
		h->ns[pn] = '\0';
		return hit_set(h, PT_RT_CONTAINERD, s, n);
	}
	/* a bare 64-hex id (cgroupfs drivers), with .scope or another non-unit suffix */
	idn = strip_suffix(s, n);
	if (idn == 64 && is_hex(s, idn)) {
		enum pt_runtime rt = PT_RT_UNKNOWN;

		if (w->docker_dir || w->actions_dir)
			rt = PT_RT_DOCKER;
		else if (w->k8s || w->pod[0])
			rt = PT_RT_CONTAINERD; /* dockershim is gone since Kubernetes 1.24 */
		else if (w->ecs_dir)
			rt = PT_RT_ECS;
		if (rt == PT_RT_CONTAINERD)
			strcpy(h->ns, "k8s.io");
		return hit_set(h, rt, s, idn);
	}
	/* a UUID-named container right under a pod (agents accept it there only) */
	if (w->pod[0] && p && pod_dir(p, pn, w->k8s, (char[PT_POD_UID_MAX + 1]){0}) &&
	    is_uuid(s, n, '-'))
		return hit_set(h, PT_RT_UNKNOWN, s, n);
	return false;
}

static void found(struct walk *w, struct hit *h, size_t end)
{
	struct pt_cgroup_attr *a = w->a;

	if (w->nfound > 0) {
		/* the one found before becomes an outer container */
		if (a->nouter < PT_CTR_NEST_MAX) {
			memcpy(a->outer[a->nouter], a->id, sizeof(a->id));
			a->nouter++;
		}
	}
	w->nfound++;
	a->runtime = h->rt;
	memcpy(a->id, h->id, sizeof(a->id));
	memcpy(a->ns, h->ns, sizeof(a->ns));
	memcpy(a->pod_uid, w->pod, sizeof(a->pod_uid));
	a->qos = PT_QOS_NONE;
	if (w->pod[0])
		a->qos = w->qos != PT_QOS_NONE ? w->qos : PT_QOS_GUARANTEED;
	a->dir_len = end;
	/* what is below belongs to this container until another one is found */
	w->pod[0] = '\0';
	w->qos = PT_QOS_NONE;
	w->k8s = false;
	w->docker_dir = w->ecs_dir = w->actions_dir = false;
}

/*
 * ns_rule: the containerd namespace rule (/NS/NAME) may apply. A runtime puts
 * a container in every hierarchy, name=systemd's and the v2 one included;
 * tools that make /TOOL/JOB cgroups in a single v1 controller (a memory
 * cgroup per job) do not, and must not look like containers.
 */
static int attr_path(const char *path, size_t len, struct pt_cgroup_attr *a, bool ns_rule)
{
	struct walk w = {.path = path, .len = len, .absolute = true, .ns_rule = ns_rule, .a = a};
	size_t i = 1;

	memset(a, 0, sizeof(*a));
	if (!path || len == 0 || path[0] != '/' || memchr(path, '\0', len))
		return -EINVAL;
	if (len > 1 && path[len - 1] == '/') /* the kernel never writes one */
		return -EINVAL;
	while (i < len) {
		const char *s = path + i, *slash = memchr(s, '/', len - i);
		size_t n = slash ? (size_t)(slash - s) : len - i;
		struct hit h;

		if (n == 0) /* "//" or a trailing '/': the kernel never writes one */
			goto malformed;
		i += n + 1;
		w.last = i >= len;
		if (eq(s, n, "..") || eq(s, n, ".")) {
			w.absolute = false;
			continue;
		}
		w.depth++;
		if (kubepods_root(s, n))
			w.k8s = true;
		if (w.k8s && w.qos == PT_QOS_NONE)
			w.qos = qos_of(s, n);
		if (!memchr(s, ':', n) && pod_dir(s, n, w.k8s, w.pod)) {
			if (w.qos == PT_QOS_NONE)
				w.qos = qos_of(s, n);
		} else if (container_of(&w, s, n, &h)) {
			found(&w, &h, (size_t)(s - path) + n);
		}
		if (eq(s, n, "docker"))
			w.docker_dir = true;
		else if (eq(s, n, "ecs"))
			w.ecs_dir = true;
		else if (eq(s, n, "actions_job"))
			w.actions_dir = true;
		w.prev2 = w.prev;
		w.prev2_n = w.prev_n;
		w.prev = s;
		w.prev_n = n;
	}
	return w.nfound > 0;
malformed:
	memset(a, 0, sizeof(*a));
	return -EINVAL;
}

int pt_cgroup_attr_path(const char *path, size_t len, struct pt_cgroup_attr *a)
{
	return attr_path(path, len, a, true);
}

/* ---- /proc/PID/cgroup ---- */

struct line {
	const char *path;
	size_t n; /* blanks at the end left out */
	bool v2, systemd;
};

/* "ID:CONTROLLERS:PATH", blanks around tolerated; false when malformed. */
static bool split_line(const char *s, size_t n, struct line *l)
{
	const char *c1, *c2;

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	c1 = memchr(s, ':', n);
	if (!c1 || c1 == s || c1 - s > 10 || !is_digits(s, (size_t)(c1 - s)))
		return false;
	c2 = memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - s));
	if (!c2 || c2 + 1 >= s + n || c2[1] != '/')
		return false;
	l->path = c2 + 1;
	l->n = n - (size_t)(l->path - s);
	l->v2 = c1 - s == 1 && s[0] == '0' && c2 == c1 + 1;
	l->systemd = eq(c1 + 1, (size_t)(c2 - c1 - 1), "name=systemd");
	return true;
}

/* how early a line is looked at: the v2 line, then name=systemd, then the rest */
static int rank(const struct line *l)
{
	return l->v2 ? 0 : l->systemd ? 1 : 2;
}

int pt_cgroup_parse(const char *buf, size_t len, struct pt_cgroup_info *out)
{
	struct line best = {0}, v2 = {0}, sd = {0}, first = {0};
	const char *p = buf, *end = buf + len;
	bool any = false, all_root = true, have_best = false;
	struct pt_cgroup_attr a;
	const struct line *sel;

	memset(out, 0, sizeof(*out));
	if (!buf || memchr(buf, '\0', len))
		return -EINVAL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		struct line l;

		if (split_line(p, (size_t)(eol - p), &l)) {
			if (!any)
				first = l;
			any = true;
			if (l.v2 && !v2.path)
				v2 = l;
			if (l.systemd && !sd.path)
				sd = l;
			if (!eq(l.path, l.n, "/"))
				all_root = false;
			if ((!have_best || rank(&l) < rank(&best)) &&
			    attr_path(l.path, l.n, &a, l.v2 || l.systemd) == 1) {
				best = l;
				out->a = a;
				have_best = true;
			}
		}
		p = eol + 1;
	}
	if (!any)
		return -EINVAL;
	if (have_best)
		sel = &best;
	else if (v2.path && !eq(v2.path, v2.n, "/"))
		sel = &v2;
	else if (sd.path)
		sel = &sd;
	else
		sel = &first;
	out->path = strndup(sel->path, sel->n);
	if (!out->path) {
		memset(out, 0, sizeof(*out));
		return -ENOMEM;
	}
	out->v2 = sel->v2;
	out->ns_root = all_root;
	return 0;
}

void pt_cgroup_info_free(struct pt_cgroup_info *ci)
{
	if (!ci)
		return;
	free(ci->path);
	ci->path = NULL;
}

/* ---- /proc/PID/mountinfo ---- */

#define MI_PATH_MAX 4096

/* opt is one of the comma-separated options in s */
static bool has_opt(const char *s, size_t n, const char *opt)
{
	size_t l = strlen(opt);

	for (size_t i = 0; i + l <= n; i++)
		if ((i == 0 || s[i - 1] == ',') && memcmp(s + i, opt, l) == 0 &&
		    (i + l == n || s[i + l] == ',' || s[i + l] == ' '))
			return true;
	return false;
}

/* One space-separated field of a mountinfo line, with \ooo escapes undone. */
static bool mi_field(const char **p, const char *end, char *out, size_t cap, size_t *outn)
{
	const char *s = *p;
	size_t o = 0;

	while (s < end && *s == ' ')
		s++;
	if (s >= end)
		return false;
	while (s < end && *s != ' ') {
		char c = *s;

		if (c == '\\' && end - s >= 4 && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			c = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		}
		if (out) {
			if (o + 1 >= cap)
				return false;
			out[o] = c;
		}
		o++;
		s++;
	}
	if (out)
		out[o] = '\0';
	if (outn)
		*outn = o;
	*p = s;
	return true;
}

/*
 * "/<...>/containers/<hex id>/<file>": the last such id of a bind source
 * (docker's hostname, hosts and resolv.conf; a docker inside a volume shows
 * several /containers/ levels); or "/<driver>-containers/<id>/userdata/..."
 * (containers/storage: podman and cri-o). The CRI sandbox's
 * ".../sandboxes/<id>/hostname" is the pause container's, never taken.
 */
static bool bind_source(const char *root, size_t n, const char *mnt, size_t mn, struct hit *h)
{
	const char *id = NULL;
	size_t idn = 0;
	bool storage = false;

	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i < n; i++) {
		const char *s, *slash;
		size_t sn;
		bool st;

		if (root[i] != '/')
			continue;
		/* component starting at i+1 */
		s = root + i + 1;
		slash = memchr(s, '/', n - i - 1);
		sn = slash ? (size_t)(slash - s) : n - i - 1;
		st = ends(s, sn, "-containers") && sn > 11;
		if (!slash || (!eq(s, sn, "containers") && !st))
			continue;
		{
			const char *c = slash + 1, *cs = memchr(c, '/', (size_t)(root + n - c));
			size_t cn = cs ? (size_t)(cs - c) : 0;

			if (!cs || cn < ID_MIN || cn > PT_CTR_ID_MAX || !is_hex(c, cn))
				continue;
			if (st && !starts(cs + 1, (size_t)(root + n - cs - 1), "userdata/"))
				continue;
			id = c;
			idn = cn;
			storage = st;
		}
	}
	if (!id)
		return false;
	if (storage)
		h->rt = eq(mnt, mn, "/run/.containerenv") ? PT_RT_PODMAN : PT_RT_UNKNOWN;
	else if (has_ci(root, n, "/docker/") || starts(root, n, "/var/lib/docker") ||
		 starts(root, n, "/docker"))
		h->rt = PT_RT_DOCKER;
	else if (has_ci(root, n, "io.containerd."))
		h->rt = PT_RT_CONTAINERD;
	else
		h->rt = PT_RT_UNKNOWN;
	return hit_set(h, h->rt, id, idn);
}

static bool bind_target(const char *m, size_t n)
{
	return eq(m, n, "/etc/hostname") || eq(m, n, "/etc/hosts") ||
		eq(m, n, "/etc/resolv.conf") || eq(m, n, "/run/.containerenv") ||
		starts(m, n, "/run/secrets") || eq(m, n, "/dev/termination-log") ||
		starts(m, n, "/var/run/secrets");
}

int pt_mountinfo_attr(const char *buf, size_t len, struct pt_cgroup_attr *a)
{
	char root[MI_PATH_MAX], mnt[MI_PATH_MAX];
	const char *p = buf, *end = buf + len;
	struct pt_cgroup_attr cg;
	bool have_cg = false, have_bind = false;
	struct hit bind = {0};

	memset(a, 0, sizeof(*a));
	if (!buf || memchr(buf, '\0', len))
		return -EINVAL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *q = p;
		char fstype[32];
		size_t rn, mn, fn;
		bool sep = false;
		struct hit h;

		p = eol + 1;
		/* mount id, parent id, major:minor, root, mount point, options */
		if (!mi_field(&q, eol, NULL, 0, NULL) || !mi_field(&q, eol, NULL, 0, NULL) ||
		    !mi_field(&q, eol, NULL, 0, NULL) ||
		    !mi_field(&q, eol, root, sizeof(root), &rn) ||
		    !mi_field(&q, eol, mnt, sizeof(mnt), &mn) || !mi_field(&q, eol, NULL, 0, NULL))
			continue;
		/* optional fields up to "-", then the file system type */
		for (unsigned k = 0; k < 64 && !sep; k++) {
			const char *f = q;
			size_t l;

			if (!mi_field(&q, eol, NULL, 0, &l))
				break;
			while (*f == ' ')
				f++;
			sep = l == 1 && *f == '-';
		}
		if (!sep || !mi_field(&q, eol, fstype, sizeof(fstype), &fn))
			continue;
		if (memchr(root, '\0', rn) || memchr(mnt, '\0', mn))
			continue; /* an escaped NUL */
		if (!have_cg && (eq(fstype, fn, "cgroup") || eq(fstype, fn, "cgroup2"))) {
			/* the namespace rule for the hierarchies every runtime uses (attr_path) */
			bool all = eq(fstype, fn, "cgroup2");

			if (!all && mi_field(&q, eol, NULL, 0, NULL)) { /* the source */
				while (q < eol && *q == ' ')
					q++;
				all = has_opt(q, (size_t)(eol - q), "name=systemd");
			}
			have_cg = attr_path(root, rn, &cg, all) == 1;
			continue;
		}
		if (bind_target(mnt, mn) && bind_source(root, rn, mnt, mn, &h)) {
			/* the last one: cri-o mounts the sandbox's files before the container's */
			bind = h;
			have_bind = true;
		}
	}
	if (have_cg) {
		*a = cg;
		a->dir_len = 0;
		return 1;
	}
	if (!have_bind)
		return 0;
	a->runtime = bind.rt;
	memcpy(a->id, bind.id, sizeof(a->id));
	return 1;
}
