/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Container attribution from cgroup paths, /proc/PID/cgroup files and
 * mountinfo. Fixtures written for proctrail from the runtimes' documented
 * naming (docker, containerd, CRI-O, podman, kubelet, lxc, machined, garden,
 * ECS) and what real hosts show; every disagreement choice of
 * man/proctrail.1 (CONTAINERS) has a test here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "container.h"

#define ID_A "4f1b2c3d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f801"
#define ID_B "9e8d7c6b5a4938271605f4e3d2c1b0a99e8d7c6b5a4938271605f4e3d2c1b0a9"
#define ID_C "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
#define POD_D "6b1e0c52-8f3a-4d27-9c61-0e5f7a2b9d34"
#define POD_U "6b1e0c52_8f3a_4d27_9c61_0e5f7a2b9d34"
#define STATIC_POD "c3a9f1e27b5d4086a1e3c5f7092b4d6e"

static struct pt_cgroup_attr at;

static int attr(const char *path)
{
	return pt_cgroup_attr_path(path, strlen(path), &at);
}

/* path names a container of runtime rt with id */
static void expect(const char *path, enum pt_runtime rt, const char *id)
{
	int r = attr(path);

	cr_assert_eq(r, 1, "%s: %d", path, r);
	cr_expect_eq(at.runtime, rt, "%s: runtime %s", path, pt_runtime_name(at.runtime));
	cr_expect_str_eq(at.id, id, "%s", path);
	cr_expect_leq(at.dir_len, strlen(path));
}

static void expect_none(const char *path)
{
	int r = attr(path);

	cr_expect_eq(r, 0, "%s: %d (id %s)", path, r, at.id);
	cr_expect_eq(at.runtime, PT_RT_NONE);
	cr_expect_str_eq(at.id, "");
}

Test(cgroup, names)
{
	cr_expect_null(pt_runtime_name(PT_RT_NONE));
	cr_expect_str_eq(pt_runtime_name(PT_RT_CRIO), "cri-o");
	cr_expect_str_eq(pt_runtime_name(PT_RT_NSPAWN), "systemd-nspawn");
	cr_expect_str_eq(pt_runtime_name(PT_RT_UNKNOWN), "unknown");
	cr_expect_null(pt_runtime_name(PT_RT_COUNT));
	cr_expect_null(pt_qos_name(PT_QOS_NONE));
	cr_expect_str_eq(pt_qos_name(PT_QOS_GUARANTEED), "guaranteed");
	cr_expect_str_eq(pt_qos_name(PT_QOS_BURSTABLE), "burstable");
	cr_expect_str_eq(pt_qos_name(PT_QOS_BESTEFFORT), "besteffort");
}

Test(cgroup, systemd_scopes)
{
	expect("/system.slice/docker-" ID_A ".scope", PT_RT_DOCKER, ID_A);
	cr_expect_eq(at.dir_len, strlen("/system.slice/docker-" ID_A ".scope"));
	expect("/system.slice/nerdctl-" ID_A ".scope", PT_RT_CONTAINERD, ID_A);
	expect("/system.slice/runc-" ID_A ".scope", PT_RT_RUNC, ID_A);
	expect("/system.slice/containerd-" ID_A ".scope", PT_RT_CONTAINERD, ID_A);
	expect("/machine.slice/libpod-" ID_A ".scope", PT_RT_PODMAN, ID_A);
	/* rootless podman under the user's manager */
	expect("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID_B ".scope",
	       PT_RT_PODMAN, ID_B);
	/* podman --cgroups=split inside a service */
	expect("/system.slice/app.service/libpod-payload-" ID_C, PT_RT_PODMAN, ID_C);
	/* a short id with a runtime prefix */
	expect("/system.slice/docker-0123456789abcdef.scope", PT_RT_DOCKER, "0123456789abcdef");
}

Test(cgroup, podman_container_child)
{
	const char *p = "/machine.slice/libpod-" ID_A ".scope/container";

	expect(p, PT_RT_PODMAN, ID_A);
	cr_expect_eq(at.dir_len, strlen(p) - strlen("/container"));
}

Test(cgroup, cgroupfs_ids)
{
	expect("/docker/" ID_A, PT_RT_DOCKER, ID_A);
	expect("/actions_job/" ID_B, PT_RT_DOCKER, ID_B);
	expect("/ecs/1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a0b/" ID_C, PT_RT_ECS, ID_C);
	/* bare 64 hex with no telling parent: a container of unknown runtime */
	expect("/" ID_A, PT_RT_UNKNOWN, ID_A);
	/* docker with a .scope or another non-unit suffix */
	expect("/docker/" ID_A ".scope", PT_RT_DOCKER, ID_A);
}

Test(cgroup, bare_hex_needs_64)
{
	/* 63 and 65 digits are damaged ids, not containers */
	expect_none("/docker/"
		    "4f1b2c3d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80");
	expect_none("/kubepods/besteffort/pod" POD_D "/" ID_A "0");
	expect_none("/docker/4f1b2c3d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8zz");
}

Test(cgroup, prefixed_id_lengths)
{
	char path[400];

	/* 12..128 hex digits behind a runtime prefix */
	expect("/system.slice/crio-0123456789ab.scope", PT_RT_CRIO, "0123456789ab");
	expect_none("/system.slice/crio-0123456789a.scope");
	snprintf(path, sizeof(path), "/system.slice/libpod-%s%s.scope", ID_A, ID_B);
	expect(path, PT_RT_PODMAN, ID_A ID_B);
	snprintf(path, sizeof(path), "/system.slice/libpod-%s%s0.scope", ID_A, ID_B);
	expect_none(path);
	expect_none("/system.slice/docker-" ID_A "g.scope");
}

Test(cgroup, kubepods_cgroupfs)
{
	expect("/kubepods/burstable/pod" POD_D "/" ID_A, PT_RT_CONTAINERD, ID_A);
	cr_expect_str_eq(at.pod_uid, POD_D);
	cr_expect_eq(at.qos, PT_QOS_BURSTABLE);
	cr_expect_str_eq(at.ns, "k8s.io");
	expect("/kubepods/besteffort/pod" POD_D "/crio-" ID_B, PT_RT_CRIO, ID_B);
	cr_expect_eq(at.qos, PT_QOS_BESTEFFORT);
	/* guaranteed pods have no QoS level */
	expect("/kubepods/pod" POD_D "/" ID_C, PT_RT_CONTAINERD, ID_C);
	cr_expect_eq(at.qos, PT_QOS_GUARANTEED);
	cr_expect_str_eq(at.pod_uid, POD_D);
}

Test(cgroup, kubepods_systemd)
{
	expect("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_U
	       ".slice/cri-containerd-" ID_A ".scope",
	       PT_RT_CONTAINERD, ID_A);
	cr_expect_str_eq(at.pod_uid, POD_D); /* underscores -> dashes */
	cr_expect_eq(at.qos, PT_QOS_BESTEFFORT);
	expect("/kubepods.slice/kubepods-pod" POD_U ".slice/crio-" ID_B ".scope", PT_RT_CRIO, ID_B);
	cr_expect_eq(at.qos, PT_QOS_GUARANTEED);
	expect("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_U
	       ".slice/docker-" ID_C ".scope",
	       PT_RT_DOCKER, ID_C);
	cr_expect_eq(at.qos, PT_QOS_BURSTABLE);
}

Test(cgroup, static_pod_uid)
{
	expect("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" STATIC_POD
	       ".slice/cri-containerd-" ID_A ".scope",
	       PT_RT_CONTAINERD, ID_A);
	cr_expect_str_eq(at.pod_uid, STATIC_POD);
	expect("/kubepods/besteffort/pod" STATIC_POD "/" ID_B, PT_RT_CONTAINERD, ID_B);
	cr_expect_str_eq(at.pod_uid, STATIC_POD);
}

Test(cgroup, colon_form)
{
	const char *p = "/system.slice/containerd.service/kubepods-burstable-pod" POD_U
			".slice:cri-containerd:" ID_A;

	expect(p, PT_RT_CONTAINERD, ID_A);
	cr_expect_str_eq(at.pod_uid, POD_D);
	cr_expect_eq(at.qos, PT_QOS_BURSTABLE);
	cr_expect_eq(at.dir_len, strlen(p));
	expect("/kubepods-pod" POD_U ".slice:crio:" ID_B, PT_RT_CRIO, ID_B);
	cr_expect_eq(at.qos, PT_QOS_GUARANTEED);
	/* the id is after the last ':' */
	expect("/x:y:docker:" ID_C, PT_RT_DOCKER, ID_C);
}

Test(cgroup, kind_and_nested_roots)
{
	/* kind node: a docker container running a kubelet with the systemd driver */
	const char *p = "/system.slice/docker-" ID_A ".scope/kubelet.slice/kubelet-kubepods.slice/"
			"kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod" POD_U
			".slice/cri-containerd-" ID_B ".scope";

	expect(p, PT_RT_CONTAINERD, ID_B);
	cr_expect_eq(at.nouter, 1);
	cr_expect_str_eq(at.outer[0], ID_A);
	cr_expect_str_eq(at.pod_uid, POD_D);
	cr_expect_eq(at.qos, PT_QOS_BESTEFFORT);
	/* kind with the cgroupfs driver */
	expect("/docker/" ID_A "/kubelet/kubepods/burstable/pod" POD_D "/" ID_B, PT_RT_CONTAINERD,
	       ID_B);
	cr_expect_eq(at.nouter, 1);
	cr_expect_eq(at.qos, PT_QOS_BURSTABLE);
	expect("/kubepods/kubepods/besteffort/pod" POD_D "/" ID_C, PT_RT_CONTAINERD, ID_C);
	cr_expect_eq(at.qos, PT_QOS_BESTEFFORT);
	cr_expect_eq(at.nouter, 0);
	/* dockershim's cgroup root */
	expect("/docker/pod" POD_D "/" ID_C, PT_RT_DOCKER, ID_C);
	cr_expect_str_eq(at.pod_uid, POD_D);
}

Test(cgroup, nested_innermost)
{
	/* docker-in-docker: the innermost id, outer ones outermost first */
	expect("/docker/" ID_A "/docker/" ID_B "/docker/" ID_C, PT_RT_DOCKER, ID_C);
	cr_expect_eq(at.nouter, 2);
	cr_expect_str_eq(at.outer[0], ID_A);
	cr_expect_str_eq(at.outer[1], ID_B);
	/* minikube: docker node, docker pods with the systemd driver */
	expect("/system.slice/docker-" ID_A ".scope/kubepods.slice/kubepods-burstable.slice/"
	       "kubepods-burstable-pod" POD_U ".slice/docker-" ID_B ".scope",
	       PT_RT_DOCKER, ID_B);
	cr_expect_str_eq(at.outer[0], ID_A);
	cr_expect_str_eq(at.pod_uid, POD_D);
}

Test(cgroup, sub_cgroups_belong)
{
	const char *p = "/system.slice/docker-" ID_A ".scope/init.scope";

	/* systemd inside the container, and the kind node's own services */
	expect(p, PT_RT_DOCKER, ID_A);
	cr_expect_eq(at.dir_len, strlen(p) - strlen("/init.scope"));
	expect("/system.slice/docker-" ID_A ".scope/system.slice/kubelet.service", PT_RT_DOCKER,
	       ID_A);
	expect("/docker/" ID_A "/not_hex", PT_RT_DOCKER, ID_A);
	expect("/kubepods/besteffort/pod" POD_D "/" ID_B "/kube-proxy", PT_RT_CONTAINERD, ID_B);
	cr_expect_str_eq(at.pod_uid, POD_D);
}

Test(cgroup, relative_v2_paths)
{
	expect("/../docker-" ID_A ".scope", PT_RT_DOCKER, ID_A);
	cr_expect_eq(at.dir_len, strlen("/../docker-" ID_A ".scope"));
	expect("/../../kubepods-besteffort-pod" POD_U ".slice/cri-containerd-" ID_B ".scope",
	       PT_RT_CONTAINERD, ID_B);
	cr_expect_str_eq(at.pod_uid, POD_D);
	cr_expect_eq(at.qos, PT_QOS_BESTEFFORT);
	expect_none("/../../init.scope");
	expect_none("/../..");
	expect_none("/../../user.slice/user-1000.slice/session-4.scope");
	/* the namespace rule needs the real root */
	expect_none("/../default/web");
}

Test(cgroup, containerd_namespaces)
{
	expect("/default/web", PT_RT_CONTAINERD, "web");
	cr_expect_str_eq(at.ns, "default");
	expect("/k8s.io/" ID_A, PT_RT_CONTAINERD, ID_A);
	cr_expect_str_eq(at.ns, "k8s.io");
	expect("/moby-test/redis.cache_1", PT_RT_CONTAINERD, "redis.cache_1");
	/* units, reserved roots, non-identifiers, long names */
	expect_none("/default/web.service");
	expect_none("/default/web.slice");
	expect_none("/default/web.scope");
	expect_none("/default/web.mount");
	expect_none("/default/.hidden");
	expect_none("/default/a b");
	expect_none("/default/web/sub"); /* only /<ns>/<name> */
	/* but a 64-hex id names its container below its own cgroup too */
	expect("/k8s.io/" ID_A "/sub", PT_RT_CONTAINERD, ID_A);
	cr_expect_str_eq(at.ns, "k8s.io");
	cr_expect_eq(at.dir_len, strlen("/k8s.io/" ID_A));
	expect_none("/system.slice/cron.service");
	expect_none("/user.slice/user-1000.slice");
	expect_none("/burstable/pod123");
	expect_none("/podruntime/docker");
	expect_none("/libpod_parent/conmon");
	expect_none("/path/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
		    "z");
}

Test(cgroup, crio_without_scope)
{
	/* taken with either driver (cadvisor refuses it under systemd's) */
	expect("/kubepods/pod" POD_D "/crio-" ID_A, PT_RT_CRIO, ID_A);
	cr_expect_eq(at.qos, PT_QOS_GUARANTEED);
}

Test(cgroup, conmon_is_not_a_container)
{
	expect_none("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_U
		    ".slice/crio-conmon-" ID_A ".scope");
	expect_none("/machine.slice/libpod-conmon-" ID_A ".scope");
	expect_none("/libpod_parent/conmon");
}

Test(cgroup, host_negatives)
{
	expect_none("/");
	expect_none("/init.scope");
	expect_none("/user.slice");
	expect_none("/system.slice");
	expect_none("/machine.slice");
	expect_none("/user.slice/user-1000.slice/session-7.scope");
	expect_none("/user.slice/user-1000.slice/user@1000.service/app.slice/"
		    "app-gnome-firefox-2231.scope");
	expect_none("/user.slice/user-1000.slice/user@1000.service/app.slice/"
		    "apps-org.gnome.Terminal.slice/"
		    "vte-spawn-5a0c7e31-92d4-4b6f-8e1a-3c5d7f9b2e46.scope");
	expect_none("/system.slice/docker.service");
	expect_none("/system.slice/containerd.service");
	expect_none("/system.slice/kubelet.service");
	expect_none("/system.slice/var-lib-docker-overlay2-" ID_A "-merged.mount");
	expect_none("/system.slice/run-containerd-io.containerd.runtime.v2.task-k8s.io-" ID_A
		    "-rootfs.mount");
	expect_none("/system.slice/docker-" ID_A ".mount");
	expect_none("/system.slice/system-systemd\\x2dcoredump.slice");
	expect_none("/kubepods");
	expect_none("/kubepods/besteffort");
	expect_none("/kubepods/besteffort/pod" POD_D); /* the pod's own cgroup */
	expect_none("/opt/" ID_A "x"); /* a long non-hex leaf is no namespace name */
}

Test(cgroup, lxc)
{
	expect("/lxc/web", PT_RT_LXC, "web");
	expect("/lxc.payload/web", PT_RT_LXC, "web");
	expect("/lxc.payload.web/system.slice/cron.service", PT_RT_LXC, "web");
	cr_expect_eq(at.dir_len, strlen("/lxc.payload.web"));
	/* lxd project containers: <project>_<name> kept whole */
	expect("/lxc.payload.shop_db", PT_RT_LXC, "shop_db");
	/* the monitor runs on the host side */
	expect_none("/lxc.monitor.web");
	expect_none("/lxc.monitor.web/system.slice/cron.service");
	expect_none("/lxc.monitor/web");
}

Test(cgroup, machined)
{
	expect("/machine.slice/machine-build\\x2dbox.scope", PT_RT_NSPAWN, "build-box");
	expect("/machine.slice/machine-build\\x2dbox.scope/payload/system.slice/cron.service",
	       PT_RT_NSPAWN, "build-box");
	cr_expect_eq(at.dir_len, strlen("/machine.slice/machine-build\\x2dbox.scope"));
	expect("/machine.slice/machine-lxc\\x2d4121\\x2dweb.scope/libvirt", PT_RT_LIBVIRT_LXC,
	       "4121-web");
	expect("/machine/web.libvirt-lxc", PT_RT_LIBVIRT_LXC, "web");
	/* virtual machines share the slice */
	expect_none("/machine.slice/machine-qemu\\x2d3\\x2dwin11.scope/libvirt/vcpu0");
	expect_none("/machine/win11.libvirt-qemu");
}

Test(cgroup, garden_ecs_buildkit_bpm)
{
	expect("/garden/0d9c1a2b-3e4f-4a5b-6c7d-8e9f", PT_RT_GARDEN,
	       "0d9c1a2b-3e4f-4a5b-6c7d-8e9f");
	expect("/system.slice/garden.service/garden/0d9c1a2b-3e4f-4a5b-6c7d-8e9f", PT_RT_GARDEN,
	       "0d9c1a2b-3e4f-4a5b-6c7d-8e9f");
	expect_none("/garden/0d9c1a2b-3e4f-4a5b-6c7d-8e9");
	expect_none("/garden/0d9c1a2b-3e4f-4a5b-6c7d-8e9g");
	expect("/ecs/7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d/7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d-1234567890",
	       PT_RT_ECS, "7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d-1234567890");
	expect_none("/ecs/7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d");
	expect("/docker/buildkit/k3j9x2m8q7w1v5z0p4n6b8c2d", PT_RT_BUILDKIT,
	       "k3j9x2m8q7w1v5z0p4n6b8c2d");
	expect("/system.slice/bpm-web.scope", PT_RT_BPM, "web");
}

Test(cgroup, uuid_container_under_pod)
{
	expect("/kubepods/besteffort/pod" POD_D "/5a0c7e31-92d4-4b6f-8e1a-3c5d7f9b2e46",
	       PT_RT_UNKNOWN, "5a0c7e31-92d4-4b6f-8e1a-3c5d7f9b2e46");
	expect_none("/other/5a0c7e31-92d4-4b6f-8e1a-3c5d7f9b2e46/x");
	/* right below a pod at the root: the UUID rule, not containerd's namespace
	 * rule, with or without a cgroup below */
	expect("/pod" POD_D "/5a0c7e31-92d4-4b6f-8e1a-3c5d7f9b2e46", PT_RT_UNKNOWN,
	       "5a0c7e31-92d4-4b6f-8e1a-3c5d7f9b2e46");
	cr_expect_str_eq(at.ns, "");
	expect("/pod" POD_D "/5a0c7e31-92d4-4b6f-8e1a-3c5d7f9b2e46/x", PT_RT_UNKNOWN,
	       "5a0c7e31-92d4-4b6f-8e1a-3c5d7f9b2e46");
}

Test(cgroup, malformed)
{
	char nul[] = "/docker/\0abc";

	cr_expect_eq(attr(""), -EINVAL);
	cr_expect_eq(attr("docker/" ID_A), -EINVAL);
	cr_expect_eq(attr("/docker//" ID_A), -EINVAL);
	cr_expect_eq(attr("/garden/0d9c1a2b-3e4f-4a5b-6c7d-8e9f/"), -EINVAL);
	cr_expect_eq(pt_cgroup_attr_path(nul, sizeof(nul) - 1, &at), -EINVAL);
	cr_expect_eq(at.runtime, PT_RT_NONE);
	/* the length given bounds the read: the id is cut short */
	cr_expect_eq(pt_cgroup_attr_path("/docker/" ID_A, 8 + 63, &at), 0);
}

/* ---- whole files ---- */

static struct pt_cgroup_info ci;

static int parse(const char *buf)
{
	pt_cgroup_info_free(&ci);
	return pt_cgroup_parse(buf, strlen(buf), &ci);
}

static void fini(void)
{
	pt_cgroup_info_free(&ci);
}

TestSuite(cgroup_file, .fini = fini);

Test(cgroup_file, v2)
{
	cr_assert_eq(parse("0::/system.slice/docker-" ID_A ".scope\n"), 0);
	cr_expect_str_eq(ci.a.id, ID_A);
	cr_expect_str_eq(ci.path, "/system.slice/docker-" ID_A ".scope");
	cr_expect(ci.v2);
	cr_expect_not(ci.ns_root);
}

/* buf names container id on the line whose path is path (a v2 line when v2) */
static void expect_file(const char *buf, const char *id, const char *path, bool v2)
{
	cr_assert_eq(parse(buf), 0, "%s", buf);
	cr_expect_str_eq(ci.a.id, id, "%s", buf);
	cr_expect_str_eq(ci.path, path, "%s", buf);
	cr_expect_eq(ci.v2, v2, "%s", buf);
	cr_expect_not(ci.ns_root);
}

Test(cgroup_file, v1)
{
	expect_file("12:pids:/docker/" ID_A "\n11:memory:/docker/" ID_A
		    "\n1:name=systemd:/docker/" ID_A "\n",
		    ID_A, "/docker/" ID_A, false);
	cr_expect_eq(ci.a.runtime, PT_RT_DOCKER);
}

Test(cgroup_file, hybrid)
{
	/* this host's shape: v1 controllers and name=systemd, cgroup2 at unified */
	expect_file("13:misc:/\n12:cpuset:/docker/" ID_A "\n1:name=systemd:/docker/" ID_A
		    "\n0::/\n",
		    ID_A, "/docker/" ID_A, false);
	/* disagreement 5: every line is read, so the v1 lines name it */
	expect_file("4:devices:/docker/" ID_A "\n1:name=systemd:/docker/" ID_A
		    "\n0::/system.slice/containerd.service\n",
		    ID_A, "/docker/" ID_A, false);
}

Test(cgroup_file, namespace_rule_needs_every_hierarchy)
{
	/* a tool's per-job cgroup in one v1 controller is no containerd container */
	cr_assert_eq(parse("4:memory:/jobs/7c1d9e3f5a2b4c6d8e0f1a3b5c7d9e1f\n1:name=systemd:/\n"
			   "0::/\n"),
		     0);
	cr_expect_eq(ci.a.runtime, PT_RT_NONE);
	/* runc's cgroupfs driver puts the container in every hierarchy */
	expect_file("4:memory:/default/web\n1:name=systemd:/default/web\n0::/\n", "web",
		    "/default/web", false);
	expect_file("0::/default/web\n", "web", "/default/web", true);
	cr_expect_str_eq(ci.a.ns, "default");
}

Test(cgroup_file, order_v2_first)
{
	/* v2 first when it names a container, then name=systemd, then the rest */
	cr_assert_eq(parse("3:cpu:/docker/" ID_C "\n1:name=systemd:/docker/" ID_B
			   "\n0::/docker/" ID_A "\n"),
		     0);
	cr_expect_str_eq(ci.a.id, ID_A);
	cr_expect(ci.v2);
	cr_assert_eq(parse("3:cpu:/docker/" ID_C "\n1:name=systemd:/docker/" ID_B "\n0::/\n"), 0);
	cr_expect_str_eq(ci.a.id, ID_B);
	cr_assert_eq(parse("3:cpu:/docker/" ID_C "\n2:pids:/docker/" ID_B "\n0::/\n"), 0);
	cr_expect_str_eq(ci.a.id, ID_C); /* the first of the others */
}

Test(cgroup_file, host_and_path_choice)
{
	cr_assert_eq(parse("2:cpu:/user.slice\n1:name=systemd:/user.slice/user-1000.slice/"
			   "session-2.scope\n0::/user.slice/user-1000.slice/session-2.scope\n"),
		     0);
	cr_expect_eq(ci.a.runtime, PT_RT_NONE);
	cr_expect_str_eq(ci.path, "/user.slice/user-1000.slice/session-2.scope");
	cr_expect(ci.v2);
	cr_assert_eq(parse("2:cpu:/\n1:name=systemd:/init.scope\n0::/\n"), 0);
	cr_expect_str_eq(ci.path, "/init.scope"); /* name=systemd when v2 is "/" */
	cr_assert_eq(parse("2:cpu:/a\n1:cpuset:/b\n"), 0);
	cr_expect_str_eq(ci.path, "/a");
}

Test(cgroup_file, private_namespace)
{
	cr_assert_eq(parse("0::/\n"), 0);
	cr_expect(ci.ns_root);
	cr_expect_eq(ci.a.runtime, PT_RT_NONE);
	cr_assert_eq(parse("12:pids:/\n1:name=systemd:/\n0::/\n"), 0);
	cr_expect(ci.ns_root);
}

Test(cgroup_file, tolerated_and_rejected_lines)
{
	cr_assert_eq(parse("  1:name=systemd:/docker/" ID_A "  \n"), 0);
	cr_expect_str_eq(ci.a.id, ID_A);
	cr_expect_eq(parse(""), -EINVAL);
	cr_expect_eq(parse("\n\n"), -EINVAL);
	cr_expect_eq(parse("pids:/docker/" ID_A "\n"), -EINVAL);
	cr_expect_eq(parse("a:pids:/docker/" ID_A "\n"), -EINVAL);
	cr_expect_eq(parse("1:pids:docker\n"), -EINVAL);
	cr_expect_eq(parse("12345678901:pids:/x\n"), -EINVAL);
	/* a bad line among good ones is skipped */
	cr_assert_eq(parse("x\n1:name=systemd:/docker/" ID_A "\n"), 0);
	cr_expect_str_eq(ci.a.id, ID_A);
}

Test(cgroup_file, embedded_nul)
{
	char buf[] = "0::/docker/" ID_A "\0\n1:name=systemd:/\n";

	pt_cgroup_info_free(&ci);
	cr_expect_eq(pt_cgroup_parse(buf, sizeof(buf) - 1, &ci), -EINVAL);
	cr_expect_null(ci.path);
}

Test(cgroup_file, unterminated_read_bounded)
{
	/* no NUL after len: parse exactly len bytes */
	char buf[64];

	memset(buf, 'x', sizeof(buf));
	memcpy(buf, "0::/init.scope", 14);
	pt_cgroup_info_free(&ci);
	cr_assert_eq(pt_cgroup_parse(buf, 14, &ci), 0);
	cr_expect_str_eq(ci.path, "/init.scope");
}

/* ---- mountinfo ---- */

static int mi(const char *buf)
{
	return pt_mountinfo_attr(buf, strlen(buf), &at);
}

/* the mountinfo buf names container id of runtime rt */
static void expect_mi(const char *buf, enum pt_runtime rt, const char *id)
{
	cr_assert_eq(mi(buf), 1, "%s", buf);
	cr_expect_str_eq(at.id, id, "%s", buf);
	cr_expect_eq(at.runtime, rt, "%s: %s", buf, pt_runtime_name(at.runtime));
	cr_expect_eq(at.dir_len, 0);
}

#define MI_CG2 "31 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw\n"

Test(mountinfo, docker_hostname)
{
	expect_mi("25 1 0:30 / / rw,relatime - overlay overlay rw\n" MI_CG2
		  "40 25 8:2 /var/lib/docker/containers/" ID_A "/resolv.conf /etc/resolv.conf "
		  "rw,relatime - ext4 /dev/sda2 rw\n"
		  "41 25 8:2 /var/lib/docker/containers/" ID_A "/hostname /etc/hostname "
		  "rw,relatime - ext4 /dev/sda2 rw\n",
		  PT_RT_DOCKER, ID_A);
}

Test(mountinfo, last_containers_id)
{
	/* docker inside a volume of another docker: the last /containers/<id> */
	cr_assert_eq(mi("41 25 8:2 /docker/volumes/node/_data/lib/docker/containers/" ID_B
			"/hostname /etc/hostname rw - ext4 /dev/sda2 rw\n"),
		     1);
	cr_expect_str_eq(at.id, ID_B);
	cr_assert_eq(mi("41 25 8:2 /x/containers/" ID_A "/y/containers/" ID_B
			"/hosts /etc/hosts rw - ext4 /dev/sda2 rw\n"),
		     1);
	cr_expect_str_eq(at.id, ID_B);
}

Test(mountinfo, sandbox_not_taken)
{
	cr_expect_eq(mi("50 40 8:1 /var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/" ID_A
			"/hostname /etc/hostname rw - ext4 /dev/sda1 rw\n"),
		     0);
	cr_expect_str_eq(at.id, "");
}

Test(mountinfo, cgroup_root_field)
{
	expect_mi("60 50 0:27 /kubepods.slice/kubepods-besteffort.slice/"
		  "kubepods-besteffort-pod" POD_U ".slice/crio-" ID_C
		  ".scope /sys/fs/cgroup/systemd ro,nosuid master:9 - cgroup cgroup "
		  "rw,name=systemd\n"
		  "61 50 8:1 /var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/" ID_A
		  "/hostname /etc/hostname rw - ext4 /dev/sda1 rw\n",
		  PT_RT_CRIO, ID_C);
	cr_expect_str_eq(at.pod_uid, POD_D);
	cr_expect_eq(at.qos, PT_QOS_BESTEFFORT);
	expect_mi("62 50 0:27 /system.slice/containerd.service/kubepods-pod" POD_U
		  ".slice:cri-containerd:" ID_B " /sys/fs/cgroup/pids ro - cgroup cgroup rw,pids\n",
		  PT_RT_CONTAINERD, ID_B);
	/* a root that is not a cgroup file system is not a cgroup path */
	cr_expect_eq(mi("63 50 0:27 /docker-" ID_A ".scope /mnt rw - ext4 /dev/sda1 rw\n"), 0);
}

Test(mountinfo, namespace_rule_in_cgroup_roots)
{
	cr_expect_eq(mi("64 50 0:27 /default/web /sys/fs/cgroup/memory ro - cgroup cgroup "
			"rw,memory\n"),
		     0);
	expect_mi("65 50 0:27 /default/web /sys/fs/cgroup/systemd ro - cgroup cgroup "
		  "rw,xattr,name=systemd\n",
		  PT_RT_CONTAINERD, "web");
	expect_mi("66 50 0:27 /default/web /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n",
		  PT_RT_CONTAINERD, "web");
}

Test(mountinfo, containers_storage)
{
	expect_mi("70 60 0:44 /containers/overlay-containers/" ID_A
		  "/userdata/.containerenv /run/.containerenv ro - tmpfs tmpfs rw\n",
		  PT_RT_PODMAN, ID_A);
	/* cri-o: the sandbox's files first, the container's own secrets last */
	expect_mi("71 60 0:25 /containers/storage/overlay-containers/" ID_A
		  "/userdata/hostname /etc/hostname rw - tmpfs tmpfs rw\n"
		  "72 60 0:25 /containers/storage/overlay-containers/" ID_B
		  "/userdata/run/secrets /run/secrets rw - tmpfs tmpfs rw\n",
		  PT_RT_UNKNOWN, ID_B);
	/* without userdata/ it is not a container's state */
	cr_expect_eq(mi("73 60 0:25 /containers/storage/overlay-containers/" ID_A
			"/x /etc/hostname rw - tmpfs tmpfs rw\n"),
		     0);
}

Test(mountinfo, octal_escapes)
{
	/* the mount point is unescaped before it is compared */
	cr_assert_eq(mi("41 25 8:2 /var/lib/docker/containers/" ID_A
			"/hostname /etc/hostname rw - ext4 /dev/sda2 rw\n"
			"42 25 8:2 /home/a\\040b /mnt/a\\040b rw - ext4 /dev/sda2 rw\n"),
		     1);
	cr_expect_eq(mi("41 25 8:2 /var/lib/docker/containers/" ID_A
			"/hostname /etc/host\\156ame rw - ext4 /dev/sda2 rw\n"),
		     1);
	/* a bind onto another path is not the container's hostname */
	cr_expect_eq(mi("41 25 8:2 /var/lib/docker/containers/" ID_A
			"/hostname /etc/hostname\\040x rw - ext4 /dev/sda2 rw\n"),
		     0);
	/* an escaped NUL ends nothing early: the line is skipped */
	cr_expect_eq(mi("41 25 8:2 /var/lib/docker/containers/" ID_A
			"/hostname\\000 /etc/hostname rw - ext4 /dev/sda2 rw\n"),
		     0);
}

Test(mountinfo, malformed)
{
	char nul[] = "41 25 8:2 / /\0 rw - ext4 x rw\n";

	cr_expect_eq(mi(""), 0);
	cr_expect_eq(mi("41 25\n"), 0);
	cr_expect_eq(mi("41 25 8:2 /var/lib/docker/containers/" ID_A
			"/hostname /etc/hostname rw ext4 /dev/sda2 rw\n"),
		     0); /* no "-" separator */
	cr_expect_eq(pt_mountinfo_attr(nul, sizeof(nul) - 1, &at), -EINVAL);
}
