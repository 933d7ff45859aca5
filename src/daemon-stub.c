/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TEMPORARY, wt-server only: the smallest daemon.h functions so that proctraild
 * builds before wt-service's daemon-conf.c, daemon-caps.c and daemon-notify.c
 * are merged. Delete this file at that merge. It is not a config parser: any
 * key is refused.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

void pd_conf_init(struct pd_conf *c)
{
	*c = (struct pd_conf){
		.tier = PT_TIER_AUTO,
		.events = PT_EVMASK_ALL,
		.retention_ms = 10 * 60 * 1000,
		.mem_max = 256u << 20,
		.args_max = 128u << 10,
		.exec_history = 4,
		.realtime = -1,
		.readers = -1,
		.poll_interval_ms = 100,
		.rcvbuf = 32u << 20,
		.ring_size = 8u << 20,
		.socket_path = strdup(PD_SOCKET_PATH),
		.socket_group = strdup("proctrail"),
		.socket_mode = 0660,
		.state_dir = strdup(PD_STATE_DIR),
		.max_clients = 256,
		.max_request = 64u << 10,
		.client_idle_ms = 5 * 60 * 1000,
		.subscriber_queue = 4u << 20,
		.reply_max = 256u << 20,
		.log_level = PT_LOG_NOTICE,
	};
}

void pd_conf_free(struct pd_conf *c)
{
	free(c->socket_path);
	free(c->socket_group);
	free(c->state_dir);
	free(c->user);
	c->socket_path = c->socket_group = c->state_dir = c->user = NULL;
}

int pd_conf_parse(struct pd_conf *c, const char *text, size_t len, const char *name, char *err,
		  size_t errlen)
{
	unsigned line = 1;
	size_t i = 0;

	(void)c;
	while (i < len) {
		while (i < len && (text[i] == ' ' || text[i] == '\t'))
			i++;
		if (i < len && text[i] != '\n' && text[i] != '#') {
			snprintf(err, errlen, "%s:%u: keys need daemon-conf.c (not merged)", name,
				 line);
			return -EINVAL;
		}
		while (i < len && text[i] != '\n')
			i++;
		i++;
		line++;
	}
	return 0;
}

int pd_conf_load(struct pd_conf *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char buf[65536];
	size_t n;

	if (!f) {
		int r = -errno;

		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return pd_conf_parse(c, buf, n, path, err, errlen);
}

unsigned pd_conf_restart_keys(const struct pd_conf *running, const struct pd_conf *next, char *buf,
			      size_t len)
{
	(void)running;
	(void)next;
	if (len)
		buf[0] = '\0';
	return 0;
}

int pd_caps_drop(const struct pd_conf *c, enum pt_tier tier, pt_log_fn log, void *data)
{
	(void)c;
	(void)tier;
	log(PT_LOG_NOTICE, "capabilities: none dropped (daemon-caps.c not merged)", data);
	return 0;
}

void pd_notify(const char *fmt, ...)
{
	(void)fmt;
}
