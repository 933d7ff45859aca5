/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fake /proc trees for unit tests, built in a temporary directory. */
#ifndef PT_TEST_FIXTURE_H
#define PT_TEST_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct fx_proc {
	pid_t pid, ppid;
	const char *comm; /* written raw into stat's (comm) and comm; may hold ) ( \n */
	char state; /* 'S' if 0; 'Z' makes a zombie: empty cmdline, no exe/cwd */
	uint64_t start; /* stat field 22 */
	uid_t uid, euid;
	gid_t gid, egid;
	pid_t sid, pgid;
	int tty_nr;
	const char *cmdline; /* NUL-separated; NULL = empty file */
	size_t cmdline_len; /* bytes of cmdline (including the final NUL) */
	const char *exe; /* target of the exe symlink; NULL = no link */
	const char *cwd; /* target of the cwd symlink; NULL = no link */
	const char *cgroup; /* content of cgroup; NULL = "0::/\n" */
	unsigned nthreads; /* 0 = 1; tids pid, pid+1000000, ... under task/ */
	uint64_t mnt_ns; /* ns/mnt -> "mnt:[N]"; 0 = no ns dir */
	const char *loginuid; /* content of loginuid; NULL = no file (no CONFIG_AUDIT) */
};

/* Create an empty proc root under $TMPDIR; returns malloc'd path or NULL. */
char *fx_root_new(void);
/* Write PID/{stat,status,comm,cmdline,cgroup,exe,cwd,task/,ns/}. 0 or -errno. */
int fx_add_proc(const char *root, const struct fx_proc *p);
/* fx_add_proc with the usual rest: exe /usr/bin/x, cwd /, its own session and
 * process group; cmdline NULL means comm as the only argument. */
int fx_add_simple(const char *root, pid_t pid, pid_t ppid, const char *comm, uint64_t start,
		  const char *cmdline, size_t cmdline_len);
/* Write or replace one file under PID/ (name may contain a '/'). */
int fx_write(const char *root, pid_t pid, const char *name, const void *data, size_t len);
/* Write or replace ROOT/REL (rel starts with '/'), creating its directories:
 * the fixture state trees of container runtimes. */
int fx_put(const char *root, const char *rel, const void *data, size_t len);
/* Remove one file under PID/, or the whole PID directory when name is NULL. */
int fx_remove(const char *root, pid_t pid, const char *name);
/* Set the proc root's loadavg / sys/kernel/ns_last_pid "last pid" values. */
int fx_set_last_pid(const char *root, pid_t last);
/* Write sys/kernel/random/boot_id (content as given, e.g. "UUID\n"). */
int fx_set_boot_id(const char *root, const char *content);
/* rm -rf the tree and free the path. */
void fx_root_free(char *root);

/*
 * Leaks found by LeakSanitizer right now, 0 in a build without it. Criterion
 * ignores a worker's exit status (LeakSanitizer's report) and failures in
 * .fini, so tests assert this themselves.
 */
int fx_leaks(void);

#endif
