/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proctraild: one monitor, its table kept between commands, served on a UNIX
 * socket (proctraild(8), PROTOCOL 1). It runs in the foreground and logs one
 * line per message to stderr, as a service under systemd does.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon-serve.h"

#define PD_CONFIG_PATH SYSCONFDIR "/proctrail/proctrail.conf"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

static const char *prog = "proctraild";
static int log_level = PT_LOG_NOTICE;
static int verbose; /* -v: levels above the configured one */
static bool journal; /* stderr is journald's: the level goes first, as <N> */

static const char *const level_names[] = {
	[PT_LOG_ERR] = "error", [PT_LOG_WARNING] = "warning", [PT_LOG_NOTICE] = "notice",
	[PT_LOG_INFO] = "info", [PT_LOG_DEBUG] = "debug",
};

static int effective_level(void)
{
	int l = log_level + verbose;

	return l > PT_LOG_DEBUG ? PT_LOG_DEBUG : l;
}

/* One line per message; "<N>" first lets journald keep the level (sd-daemon(3)). */
static void log_line(int level, const char *msg)
{
	if (level > effective_level())
		return;
	if (level < PT_LOG_ERR || level > PT_LOG_DEBUG)
		level = PT_LOG_ERR;
	if (journal)
		fprintf(stderr, "<%d>", level);
	fprintf(stderr, "%s: %s: ", prog, level_names[level]);
	for (const char *p = msg; *p; p++)
		fputc(*p == '\n' ? ' ' : *p, stderr);
	fputc('\n', stderr);
}

void pd_log(int level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (level > effective_level())
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_line(level, buf);
}

static void lib_log(int level, const char *msg, void *data)
{
	(void)data;
	log_line(level, msg);
}

/* ---- options ---- */

struct opts {
	const char *config; /* --config */
	bool config_set;
	const char *socket, *state_dir, *tier; /* override the file */
	bool check;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [OPTIONS]\n"
		"The proctrail daemon: one monitor, its process table served on a UNIX socket.\n"
		"\n"
		"  -c, --config=FILE     configuration file (default %s;\n"
		"                        a missing default file means the defaults)\n"
		"  -s, --socket=PATH     socket path (default %s)\n"
		"      --state-dir=DIR   state directory (default %s)\n"
		"  -t, --tier=T          auto, bpf, netlink, inotify, poll or none\n"
		"      --check-config    validate the configuration, print one line, exit\n"
		"  -v, --verbose         log more (info, then debug)\n"
		"  -h, --help            this help\n"
		"  -V, --version         the version\n"
		"\n"
		"Signals: SIGHUP reloads the configuration, SIGTERM and SIGINT stop.\n"
		"See proctraild(8) and proctrail.conf(5).\n",
		prog, PD_CONFIG_PATH, PD_SOCKET_PATH, PD_STATE_DIR);
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	enum { O_STATE_DIR = 256, O_CHECK };
	static const struct option lo[] = {
		{"config", required_argument, NULL, 'c'},
		{"socket", required_argument, NULL, 's'},
		{"state-dir", required_argument, NULL, O_STATE_DIR},
		{"tier", required_argument, NULL, 't'},
		{"check-config", no_argument, NULL, O_CHECK},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	int ch;

	o->config = PD_CONFIG_PATH;
	while ((ch = getopt_long(argc, argv, "c:s:t:vhV", lo, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			o->config_set = true;
			break;
		case 's':
			o->socket = optarg;
			break;
		case O_STATE_DIR:
			o->state_dir = optarg;
			break;
		case 't':
			o->tier = optarg;
			break;
		case O_CHECK:
			o->check = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		case 'V':
			printf("proctraild %s (protocol %d, JSON schema %d)\n", pt_version(),
			       PD_PROTOCOL_VERSION, pt_json_schema_version());
			exit(EXIT_OK);
		default:
			usage(stderr);
			exit(EXIT_USAGE);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		usage(stderr);
		exit(EXIT_USAGE);
	}
}

static int set_str(char **dst, const char *v)
{
	char *n = strdup(v);

	if (!n)
		return -ENOMEM;
	free(*dst);
	*dst = n;
	return 0;
}

/* The defaults, the file, then the command line. 0, or -errno with err set. */
static int load_conf(const struct opts *o, struct pd_conf *c, char *err, size_t errlen)
{
	struct stat st;
	int r;

	pd_conf_init(c);
	if (!o->config_set && stat(o->config, &st) < 0 && errno == ENOENT) {
		/* no file where a package would put one: the defaults */
	} else {
		r = pd_conf_load(c, o->config, err, errlen);
		if (r < 0) {
			if (!err[0])
				snprintf(err, errlen, "%s: %s", o->config, strerror(-r));
			return r;
		}
	}
	if (o->tier && pt_tier_from_name(o->tier, &c->tier) < 0) {
		snprintf(err, errlen, "--tier: unknown tier '%s'", o->tier);
		return -EINVAL;
	}
	if ((o->socket && (r = set_str(&c->socket_path, o->socket)) < 0) ||
	    (o->state_dir && (r = set_str(&c->state_dir, o->state_dir)) < 0)) {
		snprintf(err, errlen, "%s", strerror(-r));
		return r;
	}
	return 0;
}

/* ---- reload ---- */

struct daemon {
	struct opts o;
	struct pd_conf conf;
};

/* The keys that need a restart keep what runs; strings are copied. */
static int keep_running(const struct pd_conf *run, struct pd_conf *next)
{
	next->tier = run->tier;
	next->events = run->events;
	next->args_max = run->args_max;
	next->exec_history = run->exec_history;
	next->realtime = run->realtime;
	next->readers = run->readers;
	next->poll_interval_ms = run->poll_interval_ms;
	next->rcvbuf = run->rcvbuf;
	next->ring_size = run->ring_size;
	next->socket_mode = run->socket_mode;
	if (set_str(&next->socket_path, run->socket_path ? run->socket_path : "") < 0 ||
	    set_str(&next->socket_group, run->socket_group ? run->socket_group : "") < 0 ||
	    set_str(&next->state_dir, run->state_dir ? run->state_dir : "") < 0)
		return -ENOMEM;
	free(next->user);
	next->user = run->user ? strdup(run->user) : NULL;
	if (run->user && !next->user)
		return -ENOMEM;
	return 0;
}

static int on_reload(const struct pd_conf *running, struct pd_conf *next, void *data)
{
	struct daemon *d = data;
	char err[512] = "", keys[512];
	int r = load_conf(&d->o, next, err, sizeof(err));

	if (r < 0) {
		pd_log(PT_LOG_ERR, "reload failed, the configuration is unchanged: %s", err);
		pd_conf_free(next);
		return r;
	}
	if (pd_conf_restart_keys(running, next, keys, sizeof(keys)))
		pd_log(PT_LOG_WARNING, "reload: a restart is needed to apply %s", keys);
	r = keep_running(running, next);
	if (r < 0) {
		pd_conf_free(next);
		return r;
	}
	log_level = next->log_level;
	return 0;
}

/* ---- main ---- */

static int open_monitor(const struct pd_conf *c, struct pt_monitor **m)
{
	struct pt_options o;
	int r;

	pt_options_init(&o);
	o.tier = c->tier;
	o.events = c->events;
	o.retention_ms = c->retention_ms;
	o.mem_max = c->mem_max;
	o.args_max = c->args_max;
	o.exec_history = c->exec_history;
	o.realtime = c->realtime;
	o.readers = c->readers;
	o.poll_interval_ms = c->poll_interval_ms;
	o.rcvbuf = c->rcvbuf;
	o.ring_size = c->ring_size;
	o.log = lib_log;
	/* the daemon's log filters: a reload may change the level */
	o.log_level = PT_LOG_DEBUG;
	r = pt_monitor_open(m, &o);
	if (r < 0)
		pd_log(PT_LOG_ERR, "cannot open the monitor (tier %s): %s", pt_tier_name(c->tier),
		       strerror(-r));
	return r;
}

int main(int argc, char **argv)
{
	struct daemon d = {0};
	struct pd_hooks hooks = {.reload = on_reload, .data = &d};
	struct pd_server *s = NULL;
	struct pt_monitor *m = NULL;
	struct pt_status st;
	char err[512] = "";
	int r, rc = EXIT_FAIL;

	journal = getenv("JOURNAL_STREAM") != NULL;
	setvbuf(stderr, NULL, _IOLBF, 0);
	parse_opts(argc, argv, &d.o);
	r = load_conf(&d.o, &d.conf, err, sizeof(err));
	if (d.o.check) {
		if (r < 0)
			printf("%s: %s\n", prog, err);
		else
			printf("%s: configuration OK (%s)\n", prog,
			       d.o.config_set || access(d.o.config, F_OK) == 0 ? d.o.config
									       : "defaults");
		pd_conf_free(&d.conf);
		return r < 0 ? EXIT_FAIL : EXIT_OK;
	}
	if (r < 0) {
		pd_log(PT_LOG_ERR, "%s", err);
		goto out;
	}
	log_level = d.conf.log_level;
	if (d.conf.state_dir && *d.conf.state_dir && mkdir(d.conf.state_dir, 0755) < 0 &&
	    errno != EEXIST)
		pd_log(PT_LOG_WARNING, "cannot make the state directory %s: %s", d.conf.state_dir,
		       strerror(errno));
	/*
	 * Capabilities belong to each thread: the first drop (and the user
	 * switch) comes before the monitor starts its readers, keeping what
	 * opening any tier needs; the second narrows this thread to the tier
	 * that opened. The socket is bound first, while it may still chown.
	 */
	if (pd_server_new(&s, &d.conf, NULL, &hooks) < 0 || pd_server_listen(s) < 0)
		goto out;
	if (pd_caps_drop(&d.conf, PT_TIER_AUTO, lib_log, NULL) < 0)
		goto out;
	if (open_monitor(&d.conf, &m) < 0)
		goto out;
	r = pd_server_attach(s, m);
	if (r < 0) {
		pd_log(PT_LOG_ERR, "cannot serve the monitor: %s", strerror(-r));
		goto out;
	}
	if (pd_caps_drop(&d.conf, pt_monitor_tier(m), lib_log, NULL) < 0)
		goto out;
	pt_monitor_status(m, &st);
	pd_log(PT_LOG_NOTICE,
	       "ready: tier %s, %llu processes, retention %lld ms, memory_max %zu, socket %s",
	       pt_tier_name(pt_monitor_tier(m)), (unsigned long long)st.alive,
	       (long long)d.conf.retention_ms, d.conf.mem_max, d.conf.socket_path);
	pd_notify("READY=1\nSTATUS=tier %s, %llu processes", pt_tier_name(pt_monitor_tier(m)),
		  (unsigned long long)st.alive);
	r = pd_server_run(s);
	pd_notify("STOPPING=1");
	rc = r < 0 ? EXIT_FAIL : EXIT_OK;
out:
	pd_server_free(s);
	pt_monitor_close(m);
	pd_conf_free(&d.conf);
	if (rc == EXIT_OK)
		pd_log(PT_LOG_NOTICE, "stopped");
	return rc;
}
