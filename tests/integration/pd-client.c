/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd-client: a test client of proctraild's socket, for what socat cannot do
 * reliably.
 *   pd-client SOCK many N LINE      N connections at once, LINE on each, every
 *                                   reply read to its final line; prints
 *                                   "done D error E busy B failed F"
 *   pd-client SOCK stall LINE       send LINE, read nothing until SIGUSR1, then
 *                                   copy everything to stdout until EOF
 *   pd-client SOCK raw [-s] [SECS]  stdin's bytes to the socket while reading
 *                                   replies to stdout, until EOF, an error or
 *                                   SECS (default 10) of silence; -s: shut the
 *                                   write side after the input
 * Exit status: 0, 1 on a failed check, 2 on usage errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int dial(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

struct conn {
	int fd;
	char *buf;
	size_t len, cap;
	int state; /* 0 reading, 1 done, 2 error, 3 busy, 4 failed */
};

/* A final line in what was read: done, error (busy apart). */
static int final_state(const struct conn *c)
{
	const char *p = c->buf, *end = c->buf + c->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			break;
		if (strncmp(p, "{\"done\":", 8) == 0)
			return 1;
		if (strncmp(p, "{\"error\":", 9) == 0)
			return memmem(p, (size_t)(nl - p), "\"busy\"", 6) ? 3 : 2;
		p = nl + 1;
	}
	return 0;
}

static int many(const char *path, int n, const char *line)
{
	struct conn *c = calloc((size_t)n, sizeof(*c));
	struct pollfd *pf = calloc((size_t)n, sizeof(*pf));
	int counts[5] = {0}, left = n;
	size_t ll = strlen(line);

	if (!c || !pf)
		return 1;
	for (int i = 0; i < n; i++) {
		c[i].fd = dial(path);
		if (c[i].fd < 0) {
			c[i].state = 4;
			left--;
			continue;
		}
	}
	/* every connection is open before the first request goes */
	for (int i = 0; i < n; i++)
		if (c[i].fd >= 0 &&
		    (write_all(c[i].fd, line, ll) < 0 || write_all(c[i].fd, "\n", 1) < 0)) {
			/* refused (busy) connections may be closed already: read what came */
			continue;
		}
	while (left > 0) {
		int k = 0, r;

		for (int i = 0; i < n; i++)
			if (c[i].state == 0)
				pf[k++] = (struct pollfd){.fd = c[i].fd, .events = POLLIN};
		r = poll(pf, (nfds_t)k, 30000);
		if (r <= 0)
			break;
		for (int j = 0; j < k; j++) {
			struct conn *x = NULL;
			ssize_t got;

			if (!pf[j].revents)
				continue;
			for (int i = 0; i < n; i++)
				if (c[i].fd == pf[j].fd && c[i].state == 0)
					x = &c[i];
			if (!x)
				continue;
			if (x->cap - x->len < 65536) {
				x->cap = x->cap ? x->cap * 2 : 1 << 20;
				x->buf = realloc(x->buf, x->cap);
				if (!x->buf)
					return 1;
			}
			got = read(x->fd, x->buf + x->len, x->cap - x->len);
			if (got > 0)
				x->len += (size_t)got;
			x->state = final_state(x);
			if (!x->state && got <= 0)
				x->state = 4;
			if (x->state)
				left--;
		}
	}
	for (int i = 0; i < n; i++) {
		counts[c[i].state]++;
		if (c[i].fd >= 0)
			close(c[i].fd);
		free(c[i].buf);
	}
	printf("done %d error %d busy %d failed %d\n", counts[1], counts[2], counts[3],
	       counts[4] + counts[0]);
	free(c);
	free(pf);
	return 0;
}

static volatile sig_atomic_t go;
static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static int copy_out(int fd, int silence_s)
{
	char buf[65536];

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;
		int r = poll(&p, 1, silence_s * 1000);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			return 1;
		fflush(stdout);
	}
}

static int stall(const char *path, const char *line)
{
	struct sigaction sa = {.sa_handler = on_usr1};
	int fd, rcv = 4096;

	sigaction(SIGUSR1, &sa, NULL);
	fd = dial(path);
	if (fd < 0)
		return 1;
	/* a small receive buffer: the daemon's queue for us fills sooner */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (write_all(fd, line, strlen(line)) < 0 || write_all(fd, "\n", 1) < 0)
		return 1;
	fprintf(stderr, "stalled\n");
	while (!go)
		pause();
	return copy_out(fd, 30);
}

static int raw(const char *path, bool shut, int silence_s)
{
	size_t cap = 1 << 20, len = 0, off = 0;
	char *in = malloc(cap), buf[65536];
	int fd;

	if (!in)
		return 1;
	for (;;) {
		ssize_t n;

		if (cap - len < 65536) {
			cap *= 2;
			in = realloc(in, cap);
			if (!in)
				return 1;
		}
		n = read(0, in + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	fd = dial(path);
	if (fd < 0)
		return 1;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (!len && shut)
		shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN | (off < len ? POLLOUT : 0)};
		int r = poll(&p, 1, silence_s * 1000);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (p.revents & POLLIN) {
			ssize_t n = read(fd, buf, sizeof(buf));

			if (n <= 0)
				break;
			fwrite(buf, 1, (size_t)n, stdout);
			fflush(stdout);
		}
		if (off < len && (p.revents & POLLOUT)) {
			ssize_t n = send(fd, in + off, len - off, MSG_NOSIGNAL);

			if (n < 0 && errno != EAGAIN) {
				/* the daemon closed: keep reading what it said */
				off = len;
				continue;
			}
			if (n > 0)
				off += (size_t)n;
			if (off == len && shut)
				shutdown(fd, SHUT_WR);
		} else if (p.revents & (POLLHUP | POLLERR) && !(p.revents & POLLIN)) {
			break;
		}
	}
	close(fd);
	free(in);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[2], "many") == 0)
		return many(argv[1], atoi(argv[3]), argv[4]);
	if (argc == 4 && strcmp(argv[2], "stall") == 0)
		return stall(argv[1], argv[3]);
	if (argc >= 3 && strcmp(argv[2], "raw") == 0) {
		bool shut = argc >= 4 && strcmp(argv[3], "-s") == 0;
		int secs = argc > 3 + shut ? atoi(argv[3 + shut]) : 10;

		return raw(argv[1], shut, secs > 0 ? secs : 10);
	}
	fprintf(stderr, "usage: %s SOCK many N LINE | stall LINE | raw [-s] [SECS]\n", argv[0]);
	return 2;
}
