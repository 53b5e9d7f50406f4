/* SPDX-License-Identifier: MIT */
/*
 * harness: runs the vnetgw binary under test and plays a fake API server for it (see harness.h).
 * The server is deliberately simple: one request per connection, as the CLI sends them.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define RUN_TIMEOUT_MS 20000

static char *cli_path(void)
{
	const char *build = getenv("VNETGW_BUILD");
	char *p = NULL;

	cr_assert(asprintf(&p, "%s/vnetgw", build && *build ? build : "build") > 0);
	return p;
}

struct sink {
	char *data;
	size_t len, cap;
};

static void sink_read(int fd, struct sink *s, bool *open)
{
	char tmp[65536];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n <= 0) {
		*open = false;
		return;
	}
	if (s->len + (size_t)n + 1 > s->cap) {
		while (s->len + (size_t)n + 1 > s->cap)
			s->cap = s->cap ? s->cap * 2 : 65536;
		s->data = realloc(s->data, s->cap);
		cr_assert_not_null(s->data);
	}
	memcpy(s->data + s->len, tmp, (size_t)n);
	s->len += (size_t)n;
	s->data[s->len] = '\0';
}

void run_cli(struct run_result *r, const char *const *env, const char *cmdline,
	     const char *const *extra)
{
	char *path = cli_path(), *words = strdup(cmdline), *save = NULL, *w;
	char *argv[128];
	char *const empty_env[] = {NULL};
	int out[2], err[2], status, argc = 0;
	struct sink so = {0}, se = {0};
	bool out_open = true, err_open = true;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	argv[argc++] = path;
	for (w = strtok_r(words, " ", &save); w && argc < 120; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	for (; extra && *extra && argc < 127; extra++)
		argv[argc++] = (char *)*extra;
	argv[argc] = NULL;

	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(err, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		execve(path, argv, env ? (char *const *)env : empty_env);
		fprintf(stderr, "cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	while (out_open || err_open) {
		struct pollfd pfd[2] = {{out_open ? out[0] : -1, POLLIN, 0},
					{err_open ? err[0] : -1, POLLIN, 0}};
		int n = poll(pfd, 2, RUN_TIMEOUT_MS);

		if (n == 0) {
			kill(pid, SIGKILL);
			cr_assert_fail("vnetgw %s: no exit within %d ms", cmdline, RUN_TIMEOUT_MS);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (pfd[0].revents)
			sink_read(out[0], &so, &out_open);
		if (pfd[1].revents)
			sink_read(err[0], &se, &err_open);
	}
	close(out[0]);
	close(err[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	r->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r->out = so.data ? so.data : strdup("");
	r->err = se.data ? se.data : strdup("");
	cr_assert_neq(r->code, 127, "cannot run %s: %s", path, r->err);
	free(words);
	free(path);
}

void run_result_clear(struct run_result *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

/* ---- the fake server ----------------------------------------------------------------------- */

/* Reads one request: the header section, then Content-Length bytes of body. */
static int read_request(int fd, struct fake_req *rq)
{
	char buf[65536];
	size_t len = 0, head_len, body_len = 0;
	char *end = NULL, *cl, *line_end;

	while (!end) {
		ssize_t n;

		if (len + 1 >= sizeof(buf))
			return -1;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	head_len = (size_t)(end - buf) + 4;
	line_end = strstr(buf, "\r\n");
	if (sscanf(buf, "%15s %2047s", rq->method, rq->target) != 2)
		return -1;
	snprintf(rq->headers, sizeof(rq->headers), "%.*s",
		 (int)(head_len - 2 - (size_t)(line_end + 2 - buf)), line_end + 2);
	for (cl = rq->headers; cl && *cl; cl = strstr(cl, "\r\n") ? strstr(cl, "\r\n") + 2 : NULL)
		if (strncasecmp(cl, "Content-Length:", 15) == 0)
			body_len = strtoul(cl + 15, NULL, 10);
	if (body_len > sizeof(buf) - 1 - head_len || body_len >= sizeof(rq->body))
		return -1;
	while (len < head_len + body_len) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);

		if (n <= 0)
			return -1;
		len += (size_t)n;
	}
	memcpy(rq->body, buf + head_len, body_len);
	rq->body[body_len] = '\0';
	return 0;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void send_reply(int fd, const struct fake_reply *rp)
{
	char head[1024];
	const char *body = rp->body ? rp->body : "";

	if (rp->raw) {
		write_all(fd, rp->raw, rp->raw_len ? rp->raw_len : strlen(rp->raw));
		return;
	}
	snprintf(head, sizeof(head),
		 "HTTP/1.1 %d Whatever\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\n%s\r\n",
		 rp->status, strlen(body), rp->headers ? rp->headers : "");
	write_all(fd, head, strlen(head));
	write_all(fd, body, strlen(body));
}

static void *serve(void *arg)
{
	struct fake_server *s = arg;
	size_t i;

	for (i = 0; i < s->nreplies; i++) {
		int fd = accept(s->lfd, NULL, NULL);
		struct fake_req *rq = &s->reqs[s->nreqs];

		if (fd < 0)
			break;
		memset(rq, 0, sizeof(*rq));
		if (read_request(fd, rq) == 0) {
			s->nreqs++;
			send_reply(fd, &s->replies[i]);
		}
		/* The whole request was read, so closing sends FIN, not a reset. */
		shutdown(fd, SHUT_WR);
		close(fd);
		if (s->nreqs == FAKE_MAX_REQS)
			break;
	}
	return NULL;
}

void fake_start_tcp(struct fake_server *s, const struct fake_reply *replies, size_t n)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t slen = sizeof(sin);

	memset(s, 0, sizeof(*s));
	s->replies = replies;
	s->nreplies = n;
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(s->lfd, 0);
	cr_assert_eq(bind(s->lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(listen(s->lfd, 8), 0);
	cr_assert_eq(getsockname(s->lfd, (struct sockaddr *)&sin, &slen), 0);
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%u", ntohs(sin.sin_port));
	cr_assert_eq(pthread_create(&s->thread, NULL, serve, s), 0);
}

void fake_start_unix(struct fake_server *s, const struct fake_reply *replies, size_t n)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	static unsigned int seq;

	memset(s, 0, sizeof(*s));
	s->replies = replies;
	s->nreplies = n;
	snprintf(s->sock_path, sizeof(s->sock_path), "/tmp/vnetgw-cli-test-%d-%u.sock", getpid(),
		 seq++);
	unlink(s->sock_path);
	strcpy(sun.sun_path, s->sock_path);
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(s->lfd, 0);
	cr_assert_eq(bind(s->lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	cr_assert_eq(listen(s->lfd, 8), 0);
	cr_assert_eq(pthread_create(&s->thread, NULL, serve, s), 0);
}

void fake_stop(struct fake_server *s)
{
	/* A listening socket shut down wakes a blocked accept(2) with an error. */
	shutdown(s->lfd, SHUT_RDWR);
	pthread_join(s->thread, NULL);
	close(s->lfd);
	if (s->sock_path[0])
		unlink(s->sock_path);
}

char *fake_header(const struct fake_req *r, const char *name)
{
	size_t nlen = strlen(name);
	const char *p = r->headers;

	while (p && *p) {
		const char *eol = strstr(p, "\r\n");

		if (strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
			const char *v = p + nlen + 1;

			while (*v == ' ')
				v++;
			return strndup(v, eol ? (size_t)(eol - v) : strlen(v));
		}
		p = eol ? eol + 2 : NULL;
	}
	return NULL;
}

void cli_env_for(struct cli_env *e, const struct fake_server *s)
{
	snprintf(e->server, sizeof(e->server), "VNETGW_SERVER=%s", s->url);
	e->vars[0] = e->server;
	e->vars[1] = "VNETGW_SUBSCRIPTION=sub1";
	e->vars[2] = "VNETGW_TOKEN=tok-123";
	e->vars[3] = NULL;
}

void expect_json_eq(const char *got_text, const char *want_text, const char *what)
{
	json_t *got = json_loads(got_text, 0, NULL), *want = json_loads(want_text, 0, NULL);

	cr_assert_not_null(want, "%s: bad expectation %s", what, want_text);
	cr_expect_not_null(got, "%s: not JSON: %s", what, got_text);
	cr_expect(json_equal(got, want), "%s:\n got  %s\n want %s", what, got_text, want_text);
	json_decref(got);
	json_decref(want);
}
