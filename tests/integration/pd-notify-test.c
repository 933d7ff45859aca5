/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd_notify in a process of its own, for tests/integration/daemon-notify.sh:
 *   pd-notify-test STATUS   sends "READY=1\nSTATUS=<STATUS>" to $NOTIFY_SOCKET
 */
#include <stdio.h>

#include "daemon.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s STATUS\n", argv[0]);
		return 2;
	}
	pd_notify("READY=1\nSTATUS=%s", argv[1]);
	return 0;
}
