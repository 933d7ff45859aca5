/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sd_notify(3): READY=1, RELOADING=1, STOPPING=1 and STATUS=... to systemd
 * when proctraild runs as a Type=notify service. sd_notify() does nothing
 * when NOTIFY_SOCKET is unset, so a daemon started by hand pays nothing.
 */
#include <stdarg.h>
#include <stdio.h>

#if HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "daemon.h"

#if HAVE_LIBSYSTEMD

void pd_notify(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* a cut STATUS= is still useful; a cut READY=1 cannot happen */
	if (n < 0)
		return;
	sd_notify(0, msg);
}

#else

void pd_notify(const char *fmt, ...)
{
}

#endif
