/* SPDX-License-Identifier: MIT */
/*
 * apiflood: a test-only load generator for vnetgwd's management API (issue 15), on loopback.
 *
 *   apiflood slow   --port P --conns N [--sources K] [--mode head|body] [--interval-ms M]
 *                   [--seconds S]
 *       N connections from K loopback source addresses (127.1.x.y) that trickle one byte every
 *       M ms: of a request head (head, slowloris) or of the body of an unauthenticated 1 MB PUT
 *       (body). A connection the server closes is opened again 200 ms later.
 *   apiflood upload --port P --conns N --size BYTES [--token T] [--rate BYTES_PER_S]
 *                   [--seconds S]
 *       N connections, each a PUT of a BYTES body (sent at --rate per connection, unlimited
 *       by default) again and again, with the token or without.
 *   apiflood probe  --port P [--token T] [--path PATH] [--unix SOCK] --count N
 *                   [--interval-ms M]
 *       N GETs of PATH over TCP with the token (and, with --unix, N GETs of /admin/settings
 *       on the admin socket), one at a time, each on a new connection; prints
 *       "probe tcp n=.. failed=.. p50=..ms p99=..ms max=..ms" (and "probe unix ...").
 *   apiflood storm  --port P --token T --sub SUB --clients C --seconds S
 *       C clients PUT virtual networks storm-<c> in resource group storm as fast as they are
 *       answered; prints how many answers of which status.
 * slow and upload print a line of counters each second on stderr and end after --seconds (or
 * on SIGTERM) with a summary on stdout. Nothing here judges: the lab does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct opts {
	const char *mode, *token, *path, *unix_path, *sub;
	int port, conns, sources, interval_ms, seconds, count, clients;
	long size, rate;
	bool body;
};

/* ---- slow and upload: many non-blocking connections on one epoll -------------------------- */

enum cstate { C_IDLE, C_CONNECTING, C_SENDING, C_READING };

struct conn {
	int fd;
	enum cstate st;
	struct sockaddr_in src;
	char head[768];
	size_t head_len, head_off;
	long body_len, body_off;
	long next_ms; /* when to send the next piece, or reconnect */
	char in[512];
	size_t in_len;
};

struct counters {
	long opened, closed, connect_err, answers[6], sent_bytes;
};

static void conn_close(int ep, struct conn *c, struct counters *k, long reconnect_at)
{
	if (c->fd >= 0) {
		epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		k->closed++;
	}
	c->fd = -1;
	c->st = C_IDLE;
	c->next_ms = reconnect_at;
}

static void conn_open(int ep, struct conn *c, int port, struct counters *k)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT};
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		k->connect_err++;
		c->next_ms = now_ms() + 200;
		return;
	}
	setsockopt(c->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(c->fd, (struct sockaddr *)&c->src, sizeof(c->src)) != 0) {
		k->connect_err++;
		close(c->fd);
		c->fd = -1;
		c->next_ms = now_ms() + 200;
		return;
	}
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd, (struct sockaddr *)&to, sizeof(to)) != 0 && errno != EINPROGRESS) {
		k->connect_err++;
		close(c->fd);
		c->fd = -1;
		c->next_ms = now_ms() + 200;
		return;
	}
	ev.data.ptr = c;
	epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
	c->st = C_CONNECTING;
	c->head_off = 0;
	c->body_off = 0;
	c->in_len = 0;
	c->next_ms = 0;
	k->opened++;
}

/* What may be sent now: slow connections one byte per interval, uploads at their rate. */
static size_t allowance(const struct opts *o, struct conn *c, long now)
{
	if (c->next_ms > now)
		return 0;
	if (!strcmp(o->mode, "slow")) {
		c->next_ms = now + o->interval_ms;
		return 1;
	}
	if (o->rate <= 0)
		return 1 << 16;
	/* rate bytes a second in 50 ms slices */
	c->next_ms = now + 50;
	return (size_t)(o->rate / 20 > 0 ? o->rate / 20 : 1);
}

static void conn_send(const struct opts *o, int ep, struct conn *c, struct counters *k)
{
	static char zeros[1 << 16];
	long now = now_ms();
	size_t room = allowance(o, c, now);

	while (room && !stop) {
		const char *p;
		size_t n;
		ssize_t w;

		if (c->head_off < c->head_len) {
			p = c->head + c->head_off;
			n = c->head_len - c->head_off;
		} else if (c->body_off < c->body_len) {
			p = zeros;
			n = (size_t)(c->body_len - c->body_off);
			if (n > sizeof(zeros))
				n = sizeof(zeros);
		} else {
			c->st = C_READING; /* all sent: the answer is next */
			return;
		}
		if (n > room)
			n = room;
		w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno != EAGAIN)
				conn_close(ep, c, k, now + 200);
			return;
		}
		k->sent_bytes += w;
		room -= (size_t)w;
		if (c->head_off < c->head_len)
			c->head_off += (size_t)w;
		else
			c->body_off += w;
	}
}

static void conn_read(int ep, struct conn *c, struct counters *k)
{
	for (;;) {
		char buf[4096];
		ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			conn_close(ep, c, k, now_ms() + 200);
			return;
		}
		if (c->in_len < 12) {
			size_t m = (size_t)n < sizeof(c->in) - c->in_len
					   ? (size_t)n
					   : sizeof(c->in) - c->in_len;

			memcpy(c->in + c->in_len, buf, m);
			c->in_len += m;
			if (c->in_len >= 12 && !strncmp(c->in, "HTTP/1.1 ", 9) && c->in[9] >= '1' &&
			    c->in[9] <= '5') {
				if (c->in[9] == '1') {
					c->in_len = 0; /* 100 Continue: wait for the real one */
				} else {
					k->answers[c->in[9] - '0']++;
				}
			}
		}
	}
}

static void fill_head(const struct opts *o, struct conn *c, long port)
{
	if (!strcmp(o->mode, "slow") && !o->body) {
		/* A head that never ends: 1 byte at a time, a field after another. */
		c->head_len =
			(size_t)snprintf(c->head, sizeof(c->head),
					 "GET /admin/settings HTTP/1.1\r\nHost: 127.0.0.1:%ld\r\n"
					 "X-Slow-1: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
					 "X-Slow-2: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
					 "X-Slow-3: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
					 port);
		c->body_len = 0;
		return;
	}
	c->body_len = !strcmp(o->mode, "slow") ? 1000000 : o->size;
	c->head_len =
		(size_t)snprintf(c->head, sizeof(c->head),
				 "PUT %s HTTP/1.1\r\nHost: 127.0.0.1:%ld\r\n%s%s%s"
				 "Content-Type: application/json\r\nContent-Length: %ld\r\n\r\n",
				 o->path ? o->path : "/admin/settings", port,
				 o->token ? "Authorization: Bearer " : "", o->token ? o->token : "",
				 o->token ? "\r\n" : "", c->body_len);
}

static int run_many(const struct opts *o)
{
	struct counters k = {0};
	struct conn *cs = calloc((size_t)o->conns, sizeof(*cs));
	struct epoll_event evs[256];
	long t0 = now_ms(), last = t0, end = t0 + (long)o->seconds * 1000;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	int sources = o->sources > 0 ? o->sources : 1;
	struct rlimit rl;

	/* A file descriptor per connection. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (!cs || ep < 0)
		return 1;
	for (int i = 0; i < o->conns; i++) {
		struct conn *c = &cs[i];
		int s = i % sources;

		c->fd = -1;
		c->src.sin_family = AF_INET;
		/* 127.1.0.1, 127.1.0.2, ... (uploads: 127.2.x.y) */
		c->src.sin_addr.s_addr = htonl(
			(!strcmp(o->mode, "slow") ? 0x7f010000u : 0x7f020000u) | (uint32_t)(s + 1));
		fill_head(o, c, o->port);
		/* Spread the opening over the first second. */
		c->next_ms = t0 + (long)i * 1000 / o->conns;
	}
	while (!stop && now_ms() < end) {
		long now = now_ms();
		int n = epoll_wait(ep, evs, 256, 20);

		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (c->fd < 0)
				continue;
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				conn_read(ep, c, &k);
			if (c->fd >= 0 && c->st == C_CONNECTING && (evs[i].events & EPOLLOUT)) {
				struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};

				c->st = C_SENDING;
				/* Writable is level-triggered: watched only while there is room to
				 * fill (uploads), not for trickles. */
				if (strcmp(o->mode, "slow") != 0 && o->rate <= 0)
					ev.events |= EPOLLOUT;
				epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
			}
			if (c->fd >= 0 && c->st == C_SENDING && (evs[i].events & EPOLLOUT))
				conn_send(o, ep, c, &k);
		}
		now = now_ms();
		for (int i = 0; i < o->conns; i++) {
			struct conn *c = &cs[i];

			if (c->st == C_IDLE && c->next_ms <= now)
				conn_open(ep, c, o->port, &k);
			else if (c->st == C_SENDING && c->next_ms <= now)
				conn_send(o, ep, c, &k);
			else if (c->st == C_READING && !strcmp(o->mode, "upload") &&
				 c->in_len >= 12) {
				/* Answered: the next upload on a new connection. */
				conn_close(ep, c, &k, now);
			}
		}
		if (now - last >= 1000) {
			int open = 0;

			for (int i = 0; i < o->conns; i++)
				open += cs[i].fd >= 0;
			last = now;
			fprintf(stderr,
				"apiflood %s: t=%lds open=%d opened=%ld closed=%ld connect_err=%ld "
				"2xx=%ld 4xx=%ld 5xx=%ld sent=%ldMB\n",
				o->mode, (now - t0) / 1000, open, k.opened, k.closed, k.connect_err,
				k.answers[2], k.answers[4], k.answers[5], k.sent_bytes >> 20);
		}
	}
	printf("apiflood %s: %d connections for %lds: opened=%ld closed_by_server_or_us=%ld "
	       "connect_err=%ld answers 2xx=%ld 4xx=%ld 5xx=%ld sent=%ldMB\n",
	       o->mode, o->conns, (now_ms() - t0) / 1000, k.opened, k.closed, k.connect_err,
	       k.answers[2], k.answers[4], k.answers[5], k.sent_bytes >> 20);
	for (int i = 0; i < o->conns; i++)
		if (cs[i].fd >= 0)
			close(cs[i].fd);
	free(cs);
	close(ep);
	return 0;
}

/* ---- probe and storm: blocking, one request per connection --------------------------------- */

static int connect_tcp(int port, int timeout_ms)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_unix(const char *path, int timeout_ms)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One request, the whole answer read (to Connection: close): its status, or -1. */
static int exchange(int fd, const char *req, size_t len)
{
	char buf[8192];
	size_t got = 0;
	int status = -1;

	if (send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len)
		return -1;
	for (;;) {
		ssize_t n = recv(fd, buf + (got < 16 ? got : 0),
				 got < 16 ? sizeof(buf) - got : sizeof(buf), 0);

		if (n <= 0)
			break;
		if (got < 16 && got + (size_t)n >= 12)
			sscanf(buf, "HTTP/1.1 %d", &status);
		got += (size_t)n;
	}
	return status;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, long *ms, int n, int failed)
{
	if (n == 0) {
		printf("probe %s n=0 failed=%d\n", what, failed);
		return;
	}
	qsort(ms, (size_t)n, sizeof(*ms), cmp_long);
	printf("probe %s n=%d failed=%d p50=%ldms p99=%ldms max=%ldms\n", what, n, failed,
	       ms[n / 2], ms[(n * 99 + 99) / 100 - 1], ms[n - 1]);
}

static int run_probe(const struct opts *o)
{
	long *tcp = calloc((size_t)o->count, sizeof(long)),
	     *uni = calloc((size_t)o->count, sizeof(long));
	int nt = 0, nu = 0, ft = 0, fu = 0;
	char req[1024];
	int len;

	for (int i = 0; i < o->count && !stop; i++) {
		long t0 = now_ms();
		int fd = connect_tcp(o->port, 5000), st = -1;

		len = snprintf(
			req, sizeof(req),
			"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s%s%s\r\n",
			o->path ? o->path : "/admin/settings",
			o->token ? "Authorization: Bearer " : "", o->token ? o->token : "",
			o->token ? "\r\n" : "");
		if (fd >= 0) {
			st = exchange(fd, req, (size_t)len);
			close(fd);
		}
		if (st == 200)
			tcp[nt++] = now_ms() - t0;
		else
			ft++;
		if (o->unix_path) {
			t0 = now_ms();
			fd = connect_unix(o->unix_path, 5000);
			st = -1;
			len = snprintf(req, sizeof(req),
				       "GET /admin/settings HTTP/1.1\r\nHost: localhost\r\n"
				       "Connection: close\r\n\r\n");
			if (fd >= 0) {
				st = exchange(fd, req, (size_t)len);
				close(fd);
			}
			if (st == 200)
				uni[nu++] = now_ms() - t0;
			else
				fu++;
		}
		if (o->interval_ms)
			usleep((useconds_t)o->interval_ms * 1000);
	}
	report("tcp", tcp, nt, ft);
	if (o->unix_path)
		report("unix", uni, nu, fu);
	free(tcp);
	free(uni);
	return 0;
}

struct storm_client {
	const struct opts *o;
	int id;
	long end_ms;
	long status[6], failed;
};

static void *storm_thread(void *arg)
{
	struct storm_client *sc = arg;
	const struct opts *o = sc->o;
	char req[2048], body[512];
	int blen, len;

	blen = snprintf(body, sizeof(body),
			"{\"location\":\"local\",\"properties\":{\"addressSpace\":{"
			"\"addressPrefixes\":[\"10.%d.0.0/16\"]},\"subnets\":[{\"name\":\"s1\","
			"\"properties\":{\"addressPrefix\":\"10.%d.1.0/24\"}}]}}",
			100 + sc->id % 100, 100 + sc->id % 100);
	len = snprintf(
		req, sizeof(req),
		"PUT /subscriptions/%s/resourceGroups/storm/providers/Microsoft.Network/"
		"virtualNetworks/storm-%d?api-version=2018-11-01 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		"Connection: close\r\nAuthorization: Bearer %s\r\n"
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		o->sub, sc->id, o->token, blen, body);
	while (!stop && now_ms() < sc->end_ms) {
		int fd = connect_tcp(o->port, 10000), st = -1;

		if (fd >= 0) {
			st = exchange(fd, req, (size_t)len);
			close(fd);
		}
		if (st >= 100 && st < 600) {
			sc->status[st / 100]++;
		} else {
			sc->failed++;
			usleep(10 * 1000); /* as a client would, not a tight loop */
		}
	}
	return NULL;
}

static int run_storm(const struct opts *o)
{
	struct storm_client *sc = calloc((size_t)o->clients, sizeof(*sc));
	pthread_t *t = calloc((size_t)o->clients, sizeof(*t));
	long t0 = now_ms(), tot[6] = {0}, failed = 0;

	for (int i = 0; i < o->clients; i++) {
		sc[i] = (struct storm_client){.o = o, .id = i, .end_ms = t0 + o->seconds * 1000L};
		pthread_create(&t[i], NULL, storm_thread, &sc[i]);
	}
	for (int i = 0; i < o->clients; i++) {
		pthread_join(t[i], NULL);
		for (int s = 0; s < 6; s++)
			tot[s] += sc[i].status[s];
		failed += sc[i].failed;
	}
	printf("apiflood storm: %d clients for %lds: 2xx=%ld 4xx=%ld 5xx=%ld failed=%ld "
	       "(%.0f answers/s)\n",
	       o->clients, (now_ms() - t0) / 1000, tot[2], tot[4], tot[5], failed,
	       (double)(tot[2] + tot[4] + tot[5]) * 1000.0 / (double)(now_ms() - t0 + 1));
	free(sc);
	free(t);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: apiflood slow|upload|probe|storm --port P [options] (see the "
			"comment at the top of tests/tools/apiflood/apiflood.c)\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"port", required_argument, NULL, 'p'},
		{"conns", required_argument, NULL, 'n'},
		{"sources", required_argument, NULL, 's'},
		{"mode", required_argument, NULL, 'm'},
		{"interval-ms", required_argument, NULL, 'i'},
		{"seconds", required_argument, NULL, 'S'},
		{"size", required_argument, NULL, 'z'},
		{"token", required_argument, NULL, 't'},
		{"rate", required_argument, NULL, 'r'},
		{"path", required_argument, NULL, 'P'},
		{"unix", required_argument, NULL, 'u'},
		{"count", required_argument, NULL, 'c'},
		{"sub", required_argument, NULL, 'b'},
		{"clients", required_argument, NULL, 'C'},
		{NULL, 0, NULL, 0},
	};
	struct opts o = {
		.interval_ms = 1000, .seconds = 10, .count = 20, .clients = 50, .sources = 1};
	int c;

	if (argc < 2) {
		usage();
		return 2;
	}
	o.mode = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.port = atoi(optarg);
			break;
		case 'n':
			o.conns = atoi(optarg);
			break;
		case 's':
			o.sources = atoi(optarg);
			break;
		case 'm':
			o.body = !strcmp(optarg, "body");
			break;
		case 'i':
			o.interval_ms = atoi(optarg);
			break;
		case 'S':
			o.seconds = atoi(optarg);
			break;
		case 'z':
			o.size = atol(optarg);
			break;
		case 't':
			o.token = optarg;
			break;
		case 'r':
			o.rate = atol(optarg);
			break;
		case 'P':
			o.path = optarg;
			break;
		case 'u':
			o.unix_path = optarg;
			break;
		case 'c':
			o.count = atoi(optarg);
			break;
		case 'b':
			o.sub = optarg;
			break;
		case 'C':
			o.clients = atoi(optarg);
			break;
		default:
			usage();
			return 2;
		}
	}
	if (o.port <= 0) {
		usage();
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (!strcmp(o.mode, "slow") || !strcmp(o.mode, "upload"))
		return o.conns > 0 ? run_many(&o) : 2;
	if (!strcmp(o.mode, "probe"))
		return run_probe(&o);
	if (!strcmp(o.mode, "storm"))
		return o.token && o.sub ? run_storm(&o) : 2;
	usage();
	return 2;
}
