/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory per cached container: N Kubernetes containers (containerd CRI, in
 * burstable pods), each with its bundle in a fixture state tree, interned
 * and enriched into one cache. Prints the cache's memory (pt_ctr_cache_mem)
 * and the bytes per container.
 *   tests/bench/ctr-mem [N]        (default 1000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/fixture.h"
#include "container.h"

#define TASKS "/run/containerd/io.containerd.runtime.v2.task/k8s.io/"

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	struct pt_ctr_cache_opts o = {0};
	struct pt_cgroup_attr a;
	struct pt_ctr_cache *cc;
	char *root = fx_root_new(), rel[512], text[2048], cg[512];
	size_t empty, total, strings = 0;
	int fails = 0;

	if (!root || n <= 0)
		return 1;
	o.root = root;
	cc = pt_ctr_cache_new(&o);
	if (!cc)
		return 1;
	empty = pt_ctr_cache_mem(cc);
	for (int i = 0; i < n; i++) {
		struct pt_container *c;

		memset(&a, 0, sizeof(a));
		a.runtime = PT_RT_CONTAINERD;
		a.qos = PT_QOS_BURSTABLE;
		snprintf(a.id, sizeof(a.id), "%08x%056x", 0x5eed0000u + (unsigned)i, i);
		snprintf(a.pod_uid, sizeof(a.pod_uid), "%08x-1c2d-4e5f-9a0b-%012x", (unsigned)i / 3,
			 i);
		strcpy(a.ns, "k8s.io");
		snprintf(cg, sizeof(cg),
			 "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod%s.slice/"
			 "cri-containerd-%s.scope",
			 a.pod_uid, a.id);
		a.dir_len = strlen(cg);
		snprintf(rel, sizeof(rel), TASKS "%s/config.json", a.id);
		snprintf(text, sizeof(text),
			 "{\"ociVersion\":\"1.1.0\",\"annotations\":{"
			 "\"io.kubernetes.cri.container-type\":\"container\","
			 "\"io.kubernetes.cri.container-name\":\"worker-%d\","
			 "\"io.kubernetes.cri.image-name\":\"registry.example.com/team/"
			 "worker:1.%d.0\","
			 "\"io.kubernetes.cri.sandbox-name\":\"worker-7d9f8c6b5-%05d\","
			 "\"io.kubernetes.cri.sandbox-namespace\":\"production\","
			 "\"io.kubernetes.cri.sandbox-uid\":\"%s\"}}",
			 i % 4, i % 20, i / 3, a.pod_uid);
		if (fx_put(root, rel, text, strlen(text)) < 0)
			return 1;
		c = pt_ctr_intern(cc, pt_ctr_new(&a, cg), 1000000 + i);
		if (!c)
			return 1;
		fails += c->why != PT_WHY_NONE || !c->name;
		strings += strlen(c->id) + strlen(c->cgroup) + strlen(c->name) + strlen(c->image) +
			strlen(c->image_repo) + strlen(c->image_tag) + strlen(c->pod_name) +
			strlen(c->pod_ns) + strlen(c->pod_uid) + strlen(c->ns) +
			strlen(c->state_file) + 11;
		pt_ctr_unref(c);
	}
	total = pt_ctr_cache_mem(cc);
	printf("containers: %u (not enriched: %d)\n", pt_ctr_cache_count(cc), fails);
	printf("sizeof(struct pt_container): %zu\n", sizeof(struct pt_container));
	printf("string bytes per container: %zu\n", strings / (size_t)n);
	printf("cache memory: %zu bytes (empty %zu)\n", total, empty);
	printf("bytes per container: %zu\n", (total - empty) / (size_t)n);
	pt_ctr_cache_free(cc);
	fx_root_free(root);
	return fails != 0;
}
