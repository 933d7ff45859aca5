/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CLI's side of proctraild's protocol (cli-client.c): requests, replies, lines. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../src/cli.h"

static int parse(const char *line, struct cli_reply *rep)
{
	char why[256] = "";

	return cli_reply_parse(line, strlen(line), rep, why, sizeof(why));
}

Test(reply, done_and_count)
{
	struct cli_reply rep;

	cr_assert_eq(parse("{\"done\":\"ps\",\"count\":42}", &rep), 0);
	cr_expect_eq(rep.kind, CLI_REPLY_DONE);
	cr_expect_str_eq(rep.done, "ps");
	cr_expect_eq(rep.count, 42);
	cr_assert_eq(parse("{\"done\":\"subscribe\",\"count\":7,\"lost\":3,\"id\":\"x\"}", &rep),
		     0);
	cr_expect_eq(rep.count, 7);
	cr_expect_eq(rep.lost, 3);
}

Test(reply, error_code_and_message)
{
	struct cli_reply rep;

	cr_assert_eq(parse("{\"error\":{\"code\":\"not_found\",\"message\":\"no process 4242\"},"
			   "\"id\":1}",
			   &rep),
		     0);
	cr_expect_eq(rep.kind, CLI_REPLY_ERROR);
	cr_expect_str_eq(rep.err.code, "not_found");
	cr_expect_str_eq(rep.err.message, "no process 4242");
}

Test(reply, records_are_left_to_the_importer)
{
	struct cli_reply rep;

	cr_assert_eq(parse("{\"pid\":1,\"comm\":\"init\"}", &rep), 0);
	cr_expect_eq(rep.kind, CLI_REPLY_RECORD);
	/* not even parsed: a record's bytes are the importer's to judge */
	cr_assert_eq(parse("{\"event\":\"exec\",garbage", &rep), 0);
	cr_expect_eq(rep.kind, CLI_REPLY_RECORD);
	cr_assert_eq(parse("{\"subscribed\":{\"events\":[\"exec\"],\"queue\":4096}}", &rep), 0);
	cr_expect_eq(rep.kind, CLI_REPLY_SUBSCRIBED);
}

Test(reply, malformed_final_lines)
{
	static const char *const bad[] = {
		"",
		"[1]",
		"not json",
		"{\"done\":\"ps\"}",
		"{\"done\":\"ps\",\"count\":-1}",
		"{\"done\":1,\"count\":1}",
		"{\"done\":\"ps\",\"count\":1",
		"{\"error\":{\"message\":\"no code\"}}",
		"{\"error\":\"not_found\"}",
	};
	struct cli_reply rep;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(parse(bad[i], &rep), -EBADMSG, "'%s' accepted", bad[i]);
}

Test(request, members_in_order_and_escaped)
{
	struct cli_req r;
	char *line;

	cr_assert_eq(cli_req_begin(&r, "show"), 0);
	cli_req_str(&r, "key", "a\"b\\c\n\x01\xff\xc3\xa9");
	cli_req_num(&r, "pid", 4242);
	cli_req_num(&r, "seconds", 0.5);
	cli_req_raw(&r, "events", "[\"exec\"]");
	line = cli_req_end(&r);
	cr_assert_not_null(line);
	cr_expect_str_eq(line,
			 "{\"cmd\":\"show\",\"key\":\"a\\\"b\\\\c\\u000a\\u0001\\u00ff\xc3\xa9\","
			 "\"pid\":4242,\"seconds\":0.5,\"events\":[\"exec\"]}\n");
	cr_expect_eq(r.len, strlen(line));
	free(line);
}

Test(socket, default_and_overrides)
{
	unsetenv("PROCTRAIL_SOCKET");
	cr_expect_str_eq(cli_socket_path(NULL), "/run/proctrail/proctraild.sock");
	setenv("PROCTRAIL_SOCKET", "", 1);
	cr_expect_str_eq(cli_socket_path(NULL), "/run/proctrail/proctraild.sock");
	setenv("PROCTRAIL_SOCKET", "/tmp/x.sock", 1);
	cr_expect_str_eq(cli_socket_path(NULL), "/tmp/x.sock");
	cr_expect_str_eq(cli_socket_path("/opt.sock"), "/opt.sock");
}

/* A listening socket at a temporary path: the server end of one connection. */
static int serve(char *path, size_t len, int *lfd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	snprintf(path, len, "/tmp/pt-cli-client-%d.sock", getpid());
	unlink(path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	*lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_geq(*lfd, 0);
	cr_assert_eq(bind(*lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(*lfd, 4), 0);
	return 0;
}

Test(conn, lines_across_reads_and_the_end)
{
	struct cli_conn *c;
	char path[108], *line;
	int lfd, sfd;

	serve(path, sizeof(path), &lfd);
	cr_assert_eq(cli_conn_open(path, 2000, &c), 0);
	sfd = accept(lfd, NULL, NULL);
	cr_assert_geq(sfd, 0);
	cr_assert_eq(cli_conn_send(c, "{\"cmd\":\"ps\"}\n", 13), 0);
	{
		char buf[64];

		cr_expect_eq(read(sfd, buf, sizeof(buf)), 13);
	}
	cr_assert_eq(write(sfd, "a\nbc", 4), 4);
	cr_expect_eq(cli_conn_line(c, true, &line), 1);
	cr_expect_str_eq(line, "a");
	/* half a line: not yet */
	cr_expect_eq(cli_conn_line(c, false, &line), -EAGAIN);
	cr_assert_eq(write(sfd, "d\n\n", 3), 3);
	cr_expect_eq(cli_conn_line(c, true, &line), 3);
	cr_expect_str_eq(line, "bcd");
	cr_expect_eq(cli_conn_line(c, true, &line), 0);
	cr_assert_eq(write(sfd, "partial", 7), 7);
	close(sfd);
	cr_expect_eq(cli_conn_line(c, true, &line), -ECONNRESET);
	cli_conn_close(c);
	close(lfd);
	unlink(path);
}

Test(conn, a_long_line_grows_the_buffer)
{
	size_t n = 3u << 20;
	char *big = malloc(n + 1), path[108], *line;
	struct cli_conn *c;
	int lfd, sfd;
	pid_t pid;

	cr_assert_not_null(big);
	memset(big, 'x', n);
	big[n] = '\n';
	serve(path, sizeof(path), &lfd);
	cr_assert_eq(cli_conn_open(path, 2000, &c), 0);
	sfd = accept(lfd, NULL, NULL);
	pid = fork();
	if (pid == 0) {
		_exit(write(sfd, big, n + 1) == (ssize_t)n + 1 ? 0 : 1);
	}
	cr_expect_eq(cli_conn_line(c, true, &line), (ssize_t)n);
	cr_expect_eq(line[0], 'x');
	cr_expect_eq(line[n - 1], 'x');
	close(sfd);
	cli_conn_close(c);
	close(lfd);
	unlink(path);
	free(big);
}

Test(conn, silence_times_out)
{
	struct cli_conn *c;
	char path[108], *line;
	int lfd;

	serve(path, sizeof(path), &lfd);
	cr_assert_eq(cli_conn_open(path, 50, &c), 0);
	cr_expect_eq(cli_conn_line(c, true, &line), -ETIMEDOUT);
	cli_conn_close(c);
	close(lfd);
	unlink(path);
}

Test(conn, nothing_listening)
{
	struct cli_conn *c;
	char path[108], longer[200];
	int fd;

	cr_expect_eq(cli_conn_open("/nonexistent/proctraild.sock", 100, &c), -ENOENT);
	/* a socket file that nobody listens on */
	serve(path, sizeof(path), &fd);
	close(fd);
	cr_expect_eq(cli_conn_open(path, 100, &c), -ECONNREFUSED);
	unlink(path);
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = 0;
	cr_expect_eq(cli_conn_open(longer, 100, &c), -ENAMETOOLONG);
}
