/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The runtimes' state files (container.c): docker's config.v2.json, an OCI
 * bundle's config.json, containers/storage's containers.json. Rootless
 * podman's belong to the user. Whatever the bytes: 0 or -EINVAL (-ENOMEM), no
 * crash, no leak; every string kept is NUL-terminated, an image's repository
 * and tag are its own parts, and an image id is sha256:HEX.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "fuzz.h"
#include "internal.h"

static struct pt_container *fresh(void)
{
	struct pt_cgroup_attr a;
	struct pt_container *c;

	memset(&a, 0, sizeof(a));
	a.runtime = PT_RT_UNKNOWN;
	/* the id the seeds' containers.json lists */
	strcpy(a.id, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	c = pt_ctr_new(&a, NULL);
	FUZZ_CHECK(c);
	return c;
}

static void check(struct pt_container *c, int r)
{
	const char *s[] = {c->name,	c->image,  c->image_repo, c->image_tag, c->image_id,
			   c->pod_name, c->pod_ns, c->pod_uid,	  c->ns};

	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOMEM);
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		FUZZ_CHECK(!s[i] || s[i][0]); /* absent is NULL, never "" */
	if (c->image) {
		size_t n = c->image_repo ? strlen(c->image_repo) : 0;

		FUZZ_CHECK(!c->image_repo || !strncmp(c->image, c->image_repo, n));
		FUZZ_CHECK(!c->image_tag || strstr(c->image + n, c->image_tag));
	} else {
		FUZZ_CHECK(!c->image_repo && !c->image_tag);
	}
	if (c->image_id)
		FUZZ_CHECK(strlen(c->image_id) == 71 && !strncmp(c->image_id, "sha256:", 7));
	FUZZ_CHECK(c->created_us >= 0);
	FUZZ_CHECK(pt_ctr_mem(c) >= sizeof(*c));
	pt_ctr_unref(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct pt_container *c;
	char *s, *repo, *tag;

	c = fresh();
	check(c, pt_ctr_parse_docker(c, buf, size));
	c = fresh();
	check(c, pt_ctr_parse_oci(c, buf, size));
	c = fresh();
	check(c, pt_ctr_parse_storage(c, buf, size));
	/* the same file twice: what is there is replaced, nothing leaks */
	c = fresh();
	pt_ctr_parse_oci(c, buf, size);
	check(c, pt_ctr_parse_docker(c, buf, size));

	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	FUZZ_CHECK(pt_image_split(s, &repo, &tag) == 0);
	FUZZ_CHECK(strlen(repo) + strlen(tag) <= strlen(s));
	FUZZ_CHECK(!strncmp(s, repo, strlen(repo)));
	free(repo);
	free(tag);
	free(s);
	return 0;
}
