/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proctraild: one monitor, its table kept between commands, served on a UNIX
 * socket (proctraild(8), PROTOCOL 1). It runs in the foreground and logs one
 * line per message to stderr, as a service under systemd does.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alerts.h"
#include "daemon-serve.h"
#include "sink.h"

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

/*
 * One line per message; "<N>" first lets journald keep the level (sd-daemon(3)).
 * The sinks log from their threads: a line is written whole, under stderr's lock.
 */
static void log_line(int level, const char *msg)
{
	if (level > effective_level())
		return;
	if (level < PT_LOG_ERR || level > PT_LOG_DEBUG)
		level = PT_LOG_ERR;
	flockfile(stderr);
	if (journal)
		fprintf(stderr, "<%d>", level);
	fprintf(stderr, "%s: %s: ", prog, level_names[level]);
	for (const char *p = msg; *p; p++)
		fputc(*p == '\n' ? ' ' : *p, stderr);
	fputc('\n', stderr);
	funlockfile(stderr);
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
	const char *runtime_root;
	bool check;
	bool no_db; /* --no-db: no SQL sink, whatever the file says */
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
		"      --runtime-root=DIR  prefix of the container runtimes' state paths\n"
		"                        (runtime_root in proctrail.conf)\n"
		"      --no-db           no SQL sink (sqlite, pg): the history database\n"
		"                        is not written; output files still are\n"
		"      --check-config    validate the configuration, print one line, exit\n"
		"  -v, --verbose         log more (info, then debug)\n"
		"  -h, --help            this help\n"
		"  -V, --version         the version\n"
		"\n"
		"Signals: SIGHUP reloads the configuration and the rules, and reopens the sinks'\n"
		"files; "
		"SIGTERM and SIGINT stop.\n"
		"See proctraild(8) and proctrail.conf(5).\n",
		prog, PD_CONFIG_PATH, PD_SOCKET_PATH, PD_STATE_DIR);
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	enum { O_STATE_DIR = 256, O_CHECK, O_NO_DB, O_RUNTIME_ROOT, O_LISTOPTS };
	static const struct option lo[] = {
		{"config", required_argument, NULL, 'c'},
		{"socket", required_argument, NULL, 's'},
		{"state-dir", required_argument, NULL, O_STATE_DIR},
		{"tier", required_argument, NULL, 't'},
		{"check-config", no_argument, NULL, O_CHECK},
		{"no-db", no_argument, NULL, O_NO_DB},
		{"runtime-root", required_argument, NULL, O_RUNTIME_ROOT},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		/* not in --help: for the completion scripts (contrib/completion) */
		{"list-options", no_argument, NULL, O_LISTOPTS},
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
		case O_NO_DB:
			o->no_db = true;
			break;
		case O_RUNTIME_ROOT:
			o->runtime_root = optarg;
			break;
		case O_LISTOPTS:
			/* --NAME, or --NAME= when it needs a value: one a line */
			for (const struct option *l = lo; l->name; l++)
				if (l->val != O_LISTOPTS)
					printf("--%s%s\n", l->name,
					       l->has_arg == required_argument ? "=" : "");
			exit(fflush(stdout) == EOF ? EXIT_FAIL : EXIT_OK);
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
	    (o->state_dir && (r = set_str(&c->state_dir, o->state_dir)) < 0) ||
	    (o->runtime_root && (r = set_str(&c->runtime_root, o->runtime_root)) < 0)) {
		snprintf(err, errlen, "%s", strerror(-r));
		return r;
	}
	return 0;
}

/* ---- reload ---- */

struct daemon {
	struct opts o;
	struct pd_conf conf;
	struct pd_server *s; /* once it serves: SIGHUP gives it the new rules */
};

/* ---- rules ---- */

static void rules_diag_log(enum rules_level level, const char *line, void *data)
{
	(void)data;
	pd_log(level == RULES_ERROR ? PT_LOG_ERR : PT_LOG_WARNING, "rules: %s", line);
}

/* The `rules` files of c, compiled: 0 with *out (NULL when there are none), or
 * -errno after each error was logged. */
static int load_rules(const struct pd_conf *c, struct rules **out)
{
	char sum[256];
	int r;

	*out = NULL;
	if (!c->n_rules)
		return 0;
	r = alerts_rules_open(out, (const char *const *)c->rules, c->n_rules, c->sink.host,
			      rules_diag_log, NULL);
	if (r == -ENOMEM)
		pd_log(PT_LOG_ERR, "rules: %s", strerror(-r));
	if (r < 0)
		return r;
	alerts_rules_summary(*out, sum, sizeof(sum));
	pd_log(PT_LOG_NOTICE, "rules: %s", sum);
	return 0;
}

/* sink_filter, the one sink key a reload applies (checked when the file was read) */
static void reload_sink_filter(struct daemon *d, const struct pd_conf *running,
			       const struct pd_conf *next)
{
	const char *was = running->sink.filter, *now = next->sink.filter;
	struct cli_filter *filter = NULL;
	char err[512];
	int r;

	if ((!was && !now) || (was && now && strcmp(was, now) == 0))
		return;
	if (now && (r = cli_filter_parse(now, &filter, err, sizeof(err))) < 0) {
		pd_log(PT_LOG_ERR, "reload: sink_filter: %s; the running one stays",
		       r == -EINVAL ? err : strerror(-r));
		return;
	}
	pd_server_set_sink_filter(d->s, filter);
	pd_log(PT_LOG_NOTICE, "reload: sink_filter is now %s", now ? now : "empty: every event");
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
	/* the rules files are read again, changed or not; a set that does not
	 * load leaves the running one in place */
	if (d->s) {
		struct rules *rs;

		if (load_rules(next, &rs) < 0)
			pd_log(PT_LOG_ERR,
			       "reload: the rules do not load (the errors are above); "
			       "the running rules stay");
		else
			pd_server_set_rules(d->s, rs);
		reload_sink_filter(d, running, next);
	}
	r = pd_conf_keep_running(running, next);
	if (r < 0) {
		pd_conf_free(next);
		return r;
	}
	log_level = next->log_level;
	return 0;
}

/* ---- sinks ---- */

/*
 * The state directory holds the default history.db (and the spool): made
 * 0750 when missing, and given to the configured user, who writes it once
 * the daemon has switched (under systemd, StateDirectory= makes it).
 */
static void state_dir(const struct pd_conf *c)
{
	struct passwd pw, *res = NULL;
	char buf[16384];
	struct stat st;

	if (!c->state_dir || !*c->state_dir)
		return;
	if (mkdir(c->state_dir, 0750) < 0 && errno != EEXIST) {
		pd_log(PT_LOG_WARNING, "cannot make the state directory %s: %s", c->state_dir,
		       strerror(errno));
		return;
	}
	if (!c->user || !*c->user || getpwnam_r(c->user, &pw, buf, sizeof(buf), &res) != 0 ||
	    !res || stat(c->state_dir, &st) < 0 || st.st_uid == pw.pw_uid)
		return; /* a user that does not exist: pd_caps_drop says so */
	if (st.st_uid != 0 || geteuid() != 0) {
		pd_log(PT_LOG_WARNING, "state directory %s belongs to uid %u, not to user %s",
		       c->state_dir, (unsigned)st.st_uid, c->user);
		return;
	}
	if (chown(c->state_dir, pw.pw_uid, pw.pw_gid) < 0)
		pd_log(PT_LOG_WARNING, "cannot give the state directory %s to user %s: %s",
		       c->state_dir, c->user, strerror(errno));
	else
		pd_log(PT_LOG_NOTICE, "state directory %s given to user %s", c->state_dir, c->user);
}

/*
 * Open every sink the configuration names, on this thread (after the
 * capability drop, so that the sinks' threads hold no more than the
 * monitor's). A sink that cannot open stops the start; a database that is
 * down is not an error (it connects later, spooling meanwhile).
 */
static int open_sinks(const struct daemon *d, struct pd_server *s)
{
	struct pt_sink_conf *confs = NULL;
	struct pt_sink **sinks = NULL;
	struct cli_filter *filter = NULL;
	size_t n = 0, k = 0;
	char err[512];
	int r;

	r = pd_conf_sinks(&d->conf, d->o.no_db, &confs, &n);
	if (r < 0) {
		pd_log(PT_LOG_ERR, "cannot set up the sinks: %s", strerror(-r));
		return r;
	}
	if (n && !(sinks = calloc(n, sizeof(*sinks)))) {
		r = -ENOMEM;
		pd_log(PT_LOG_ERR, "cannot set up the sinks: %s", strerror(-r));
		goto out;
	}
	/* history.db, its journal and the output files: 0640 at most */
	umask(umask(0027) | 0027);
	for (; k < n; k++) {
		err[0] = '\0';
		r = pt_sink_open(&sinks[k], &confs[k], lib_log, NULL, err, sizeof(err));
		if (r < 0) {
			const char *why = err[0] ? err : strerror(-r);
			char *shown = pt_sink_target_shown(confs[k].type, confs[k].target);

			/* the runner says "--output PATH: why", a sink "PATH: why": the
			 * daemon names the key and the target once */
			if (shown && strncmp(why, "--", 2) == 0 && strchr(why, ' ') &&
			    strncmp(strchr(why, ' ') + 1, shown, strlen(shown)) == 0)
				why = strchr(why, ' ') + 1;
			if (shown && strncmp(why, shown, strlen(shown)) == 0 &&
			    strncmp(why + strlen(shown), ": ", 2) == 0)
				why += strlen(shown) + 2;
			pd_log(PT_LOG_ERR, "cannot open the sink %s = %s: %s",
			       pd_conf_sink_key(confs[k].type), shown ? shown : "?", why);
			free(shown);
			break;
		}
		pd_log(PT_LOG_NOTICE, "sink %s: open", pd_conf_sink_key(confs[k].type));
	}
	if (r < 0) {
		while (k)
			pt_sink_close(sinks[--k], 0, NULL);
		free(sinks);
		goto out;
	}
	if (!n)
		pd_log(PT_LOG_NOTICE, "no sink: the history is not recorded%s",
		       d->o.no_db ? " (--no-db)" : "");
	/* checked when the configuration was read: only memory can fail here */
	if (n && d->conf.sink.filter &&
	    (r = cli_filter_parse(d->conf.sink.filter, &filter, err, sizeof(err))) < 0) {
		pd_log(PT_LOG_ERR, "sink_filter: %s", r == -EINVAL ? err : strerror(-r));
		while (k)
			pt_sink_close(sinks[--k], 0, NULL);
		free(sinks);
		goto out;
	}
	pd_server_set_sinks(s, sinks, n, filter);
	r = 0;
out:
	for (size_t i = 0; i < n; i++)
		pt_sink_conf_free(&confs[i]);
	free(confs);
	return r;
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
	o.runtime_root = c->runtime_root;
	o.container_linger_ms = c->container_linger_ms;
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
	struct rules *rs = NULL;
	struct pt_status st;
	char err[512] = "";
	int r, rc = EXIT_FAIL;

	journal = getenv("JOURNAL_STREAM") != NULL;
	setvbuf(stderr, NULL, _IOLBF, 0);
	parse_opts(argc, argv, &d.o);
	r = load_conf(&d.o, &d.conf, err, sizeof(err));
	if (d.o.check) {
		if (r < 0) {
			printf("%s: %s\n", prog, err);
		} else if ((r = load_rules(&d.conf, &rs)) < 0) {
			printf("%s: the rules do not load: %s\n", prog,
			       r == -EINVAL ? "the errors are above" : strerror(-r));
		} else {
			printf("%s: configuration OK (%s)", prog,
			       d.o.config_set || access(d.o.config, F_OK) == 0 ? d.o.config
									       : "defaults");
			if (rs)
				printf(", %zu rules loaded", rules_loaded(rs));
			putchar('\n');
		}
		rules_free(rs);
		pd_conf_free(&d.conf);
		return r < 0 ? EXIT_FAIL : EXIT_OK;
	}
	if (r < 0) {
		pd_log(PT_LOG_ERR, "%s", err);
		goto out;
	}
	log_level = d.conf.log_level;
	state_dir(&d.conf);
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
	if (open_sinks(&d, s) < 0)
		goto out;
	/* after the user switch: a file the reload could not read fails now */
	if (load_rules(&d.conf, &rs) < 0)
		goto out;
	pd_server_set_rules(s, rs);
	d.s = s;
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
