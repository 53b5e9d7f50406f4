/* SPDX-License-Identifier: MIT */
/*
 * API test harness: the daemon under test as a child process we own by PID, a minimal HTTP/1.1
 * client (one request per connection, Connection: close) over TCP or the admin Unix socket, and
 * the few tenant fixtures every API test builds on.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/harness.h"

static uint16_t free_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	uint16_t port;

	cr_assert_geq(fd, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void daemon_dir(struct daemon *d)
{
	if (d->dir[0])
		return;
	snprintf(d->dir, sizeof(d->dir), "/tmp/vnetgw-api-XXXXXX");
	cr_assert_not_null(mkdtemp(d->dir));
	snprintf(d->data, sizeof(d->data), "%s/data", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/daemon.log", d->dir);
}

bool store_is_etcd(void)
{
	const char *v = getenv("VNETGW_TEST_STORE");

	return v && strcmp(v, "etcd") == 0;
}

void daemon_start_node(struct daemon *d, const struct daemon *other)
{
	cr_assert(other->etcd && other->etcd_proc.pid > 0, "the other node is not on etcd");
	d->store_url = other->etcd_proc.url;
	daemon_start(d);
}

void daemon_start(struct daemon *d)
{
	const char *build = getenv("VNETGW_BUILD");
	char bin[256], listen[64], tokpath[200];
	int i;

	daemon_dir(d);
	if (store_is_etcd() && !d->store_url)
		d->etcd = true;
	if (d->etcd && !d->store_url && d->etcd_proc.pid <= 0) {
		if (d->etcd_proc.client_port)
			cr_assert_eq(etcd_proc_restart(&d->etcd_proc), 0, "%s", d->etcd_proc.why);
		else
			cr_assert_eq(etcd_proc_start(&d->etcd_proc, d->dir), 0, "%s",
				     d->etcd_proc.why);
	}
	snprintf(bin, sizeof(bin), "%s/vnetgwd", build ? build : "build");
	cr_assert_eq(access(bin, X_OK), 0, "no daemon at %s (set VNETGW_BUILD)", bin);
	for (i = 0; i < 5; i++) {
		d->port = free_port();
		snprintf(listen, sizeof(listen), "127.0.0.1:%u", d->port);
		d->pid = fork();
		cr_assert_geq(d->pid, 0);
		if (d->pid == 0) {
			int fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0600);

			/* Should the test process die mid-test, its daemon goes with it. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (d->nofile) {
				struct rlimit rl = {d->nofile, d->nofile};

				setrlimit(RLIMIT_NOFILE, &rl);
			}

			if (fd >= 0) {
				dup2(fd, 2);
				dup2(fd, 1);
			}
			{
				const char *argv[40] = {bin,	       "--data-dir", d->data,
							"--api-listen", listen,	      "--log-level",
							"info"};
				int n = 7;

				if (d->admin_token_file) {
					argv[n++] = "--admin-token-file";
					argv[n++] = d->admin_token_file;
				}
				if (d->store_url || d->etcd) {
					argv[n++] = "--store";
					argv[n++] = d->store_url ? d->store_url : d->etcd_proc.url;
				}
				for (int k = 0; d->args && d->args[k] && n < 38; k++)
					argv[n++] = d->args[k];
				argv[n] = NULL;
				execv(bin, (char *const *)argv);
			}
			_exit(127);
		}
		/* Poll for readiness: the daemon answers once store and listeners are up. */
		for (int t = 0; t < 200; t++) {
			struct http_resp r;
			int status;

			if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
				d->pid = 0;
				break; /* lost the port race or failed: retry */
			}
			if (http_do(d, "GET", "/", NULL, NULL, NULL, &r) == 0) {
				http_resp_free(&r);
				goto up;
			}
			sleep_ms(50);
		}
		if (d->pid > 0) {
			kill(d->pid, SIGKILL);
			waitpid(d->pid, NULL, 0);
			d->pid = 0;
		}
	}
	cr_assert_fail("vnetgwd did not come up; see %s", d->log);
up:
	if (d->admin_token_file)
		snprintf(tokpath, sizeof(tokpath), "%s", d->admin_token_file);
	else
		snprintf(tokpath, sizeof(tokpath), "%s/admin.token", d->data);
	{
		FILE *f = fopen(tokpath, "r");

		cr_assert_not_null(f);
		cr_assert_not_null(fgets(d->admin_token, sizeof(d->admin_token), f));
		d->admin_token[strcspn(d->admin_token, "\r\n")] = '\0';
		fclose(f);
	}
}

void daemon_stop(struct daemon *d)
{
	int status = 0, t;

	if (d->pid <= 0)
		return;
	cr_assert_eq(kill(d->pid, SIGTERM), 0);
	for (t = 0; t < 200; t++) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid)
			break;
		sleep_ms(25);
	}
	if (t == 200) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
		d->pid = 0;
		cr_assert_fail("vnetgwd did not exit within 5 s of SIGTERM");
	}
	d->pid = 0;
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "vnetgwd exited with status 0x%x on SIGTERM", status);
}

void daemon_kill9(struct daemon *d)
{
	if (d->pid <= 0)
		return;
	kill(d->pid, SIGKILL);
	waitpid(d->pid, NULL, 0);
	d->pid = 0;
}

void daemon_cleanup(struct daemon *d)
{
	char cmd[200];

	/* A clean SIGTERM exit, so a sanitizer's report (leaks at exit) fails the test. */
	if (d->pid > 0) {
		int status = 0, t;

		kill(d->pid, SIGTERM);
		for (t = 0; t < 200 && waitpid(d->pid, &status, WNOHANG) != d->pid; t++)
			sleep_ms(25);
		if (t == 200) {
			daemon_kill9(d);
			cr_expect_fail("vnetgwd did not exit within 5 s of SIGTERM");
		} else {
			d->pid = 0;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
				char *log = daemon_log_read(d);
				size_t n = strlen(log);

				cr_expect_fail("vnetgwd exited with status 0x%x; log tail:\n%s",
					       status, log + (n > 3000 ? n - 3000 : 0));
				free(log);
			}
		}
	}
	etcd_proc_stop(&d->etcd_proc);
	if (d->dir[0] && strncmp(d->dir, "/tmp/vnetgw-api-", 16) == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cleanup of %s failed\n", d->dir);
	}
	d->dir[0] = '\0';
}

char *daemon_log_read(const struct daemon *d)
{
	FILE *f = fopen(d->log, "r");
	char *buf = NULL;
	size_t n = 0;

	if (!f)
		return strdup("");
	if (getdelim(&buf, &n, '\0', f) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(f);
	return buf;
}

static int exchange(int fd, const char *method, const char *path, const char *token,
		    const char *body, const char *headers, struct http_resp *out)
{
	struct timeval tv = {20, 0};
	char *req = NULL, *resp = NULL, *hdr_end;
	size_t cap = 0, len = 0, blen = body ? strlen(body) : 0;
	int n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	n = asprintf(&req,
		     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s%s%s"
		     "Content-Type: application/json\r\nContent-Length: %zu\r\n%s\r\n",
		     method, path, token ? "Authorization: Bearer " : "", token ? token : "",
		     token ? "\r\n" : "", blen, headers ? headers : "");
	if (n < 0)
		return -ENOMEM;
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n ||
	    (blen && send(fd, body, blen, MSG_NOSIGNAL) != (ssize_t)blen)) {
		free(req);
		return -EIO;
	}
	free(req);
	for (;;) {
		ssize_t got;

		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 16384;
			resp = realloc(resp, cap + 1);
		}
		got = recv(fd, resp + len, cap - len, 0);
		if (got < 0) {
			free(resp);
			return -EIO;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	if (!resp || len < 12) {
		free(resp);
		return -EIO;
	}
	resp[len] = '\0';
	hdr_end = strstr(resp, "\r\n\r\n");
	if (!hdr_end || sscanf(resp, "HTTP/1.%*d %d", &out->status) != 1) {
		free(resp);
		return -EPROTO;
	}
	*hdr_end = '\0';
	out->headers = strdup(resp);
	out->len = len - (size_t)(hdr_end + 4 - resp);
	out->body = malloc(out->len + 1);
	memcpy(out->body, hdr_end + 4, out->len);
	out->body[out->len] = '\0';
	out->json = out->len ? json_loadb(out->body, out->len, 0, NULL) : NULL;
	free(resp);
	return 0;
}

int http_do(const struct daemon *d, const char *method, const char *path, const char *token,
	    const char *body, const char *headers, struct http_resp *out)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(d->port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0), r;

	memset(out, 0, sizeof(*out));
	if (fd < 0)
		return -errno;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		return -ECONNREFUSED;
	}
	r = exchange(fd, method, path, token, body, headers, out);
	close(fd);
	return r;
}

int http_unix(const struct daemon *d, const char *method, const char *path, const char *body,
	      struct http_resp *out)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), r;

	memset(out, 0, sizeof(*out));
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/admin.sock", d->data);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		close(fd);
		return -ECONNREFUSED;
	}
	r = exchange(fd, method, path, NULL, body, NULL, out);
	close(fd);
	return r;
}

int http_connect(const struct daemon *d, const char *src)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(d->port)};
	struct sockaddr_in from = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (src) {
		inet_pton(AF_INET, src, &from.sin_addr);
		if (bind(fd, (struct sockaddr *)&from, sizeof(from)) != 0) {
			int e = errno;

			close(fd);
			return -e;
		}
	}
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

int http_send(int fd, const char *text, size_t len)
{
	while (len) {
		ssize_t n = send(fd, text, len, MSG_NOSIGNAL);

		if (n < 0)
			return -errno;
		text += n;
		len -= (size_t)n;
	}
	return 0;
}

/* recv with a deadline: bytes, 0 at EOF, -ETIMEDOUT or -errno. */
static ssize_t recv_until(int fd, char *p, size_t n, long deadline)
{
	long left = deadline - now_ms();
	struct timeval tv;
	ssize_t got;

	if (left <= 0)
		return -ETIMEDOUT;
	tv.tv_sec = left / 1000;
	tv.tv_usec = (left % 1000) * 1000;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	got = recv(fd, p, n, 0);
	if (got < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
	return got;
}

int http_read_answer(int fd, int timeout_ms, struct http_resp *out, long *ms)
{
	long t0 = now_ms(), deadline = t0 + timeout_ms;
	size_t cap = 1 << 16, len = 0, clen = 0;
	char *buf = malloc(cap + 1), *end = NULL, *cl;
	int rc = -EPROTO;

	memset(out, 0, sizeof(*out));
	for (;;) {
		ssize_t n;

		if (end && len >= (size_t)(end + 4 - buf) + clen)
			break;
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
		}
		n = recv_until(fd, buf + len, cap - len, deadline);
		if (n < 0) {
			rc = (int)n;
			goto out;
		}
		if (n == 0) {
			rc = -ECONNRESET;
			if (!end)
				goto out;
			break;
		}
		len += (size_t)n;
		buf[len] = '\0';
		if (!end && (end = strstr(buf, "\r\n\r\n"))) {
			/* Interim 1xx answers are skipped: the final one is wanted. */
			if (strncmp(buf, "HTTP/1.1 1", 10) == 0) {
				sscanf(buf, "HTTP/1.1 %d", &out->interim);
				memmove(buf, end + 4, len - (size_t)(end + 4 - buf));
				len -= (size_t)(end + 4 - buf);
				buf[len] = '\0';
				end = NULL;
				continue;
			}
			cl = strcasestr(buf, "\r\nContent-Length:");
			clen = cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0;
		}
	}
	buf[len] = '\0';
	if (!end || sscanf(buf, "HTTP/1.%*d %d", &out->status) != 1)
		goto out;
	*end = '\0';
	out->headers = strdup(buf);
	out->len = clen;
	out->body = malloc(clen + 1);
	memcpy(out->body, end + 4, clen);
	out->body[clen] = '\0';
	out->json = clen ? json_loadb(out->body, clen, 0, NULL) : NULL;
	rc = 0;
out:
	if (ms)
		*ms = now_ms() - t0;
	free(buf);
	return rc;
}

bool http_closed_within(int fd, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	char sink[4096];

	for (;;) {
		ssize_t n = recv_until(fd, sink, sizeof(sink), deadline);

		if (n == 0 || (n < 0 && n != -ETIMEDOUT))
			return true;
		if (n == -ETIMEDOUT)
			return false;
	}
}

void http_resp_free(struct http_resp *r)
{
	free(r->headers);
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

const char *http_header(struct http_resp *r, const char *name, char *buf, size_t n)
{
	const char *p = r->headers;
	size_t nl = strlen(name);

	while (p && (p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1, *e;

			while (*v == ' ')
				v++;
			e = strstr(v, "\r\n");
			snprintf(buf, n, "%.*s", (int)(e ? (size_t)(e - v) : strlen(v)), v);
			return buf;
		}
	}
	return NULL;
}

const char *http_error_code(const struct http_resp *r)
{
	const char *c =
		json_string_value(json_object_get(json_object_get(r->json, "error"), "code"));

	return c ? c : "";
}

void tenant_new(struct daemon *d, const char *name, char *sub, char *token)
{
	struct http_resp r;
	char body[128];

	snprintf(body, sizeof(body), "{\"displayName\":\"%s\"}", name);
	cr_assert_eq(http_unix(d, "POST", "/admin/subscriptions", body, &r), 0);
	cr_assert_eq(r.status, 201, "%s", r.body);
	strcpy(sub, json_string_value(json_object_get(r.json, "subscriptionId")));
	strcpy(token, json_string_value(json_object_get(r.json, "token")));
	http_resp_free(&r);
}

void settings_patch(struct daemon *d, const char *json)
{
	struct http_resp r;

	cr_assert_eq(http_unix(d, "PATCH", "/admin/settings", json, &r), 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	http_resp_free(&r);
}

void arm_path(char *out, size_t n, const char *sub, const char *type_and_name, const char *suffix)
{
	snprintf(out, n,
		 "/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Network/%s%s"
		 "?api-version=2018-11-01",
		 sub, type_and_name, suffix ? suffix : "");
}

static void put_ok(struct daemon *d, const char *sub, const char *token, const char *tn,
		   const char *body)
{
	struct http_resp r;
	char path[512];

	arm_path(path, sizeof(path), sub, tn, NULL);
	cr_assert_eq(http_do(d, "PUT", path, token, body, NULL, &r), 0);
	cr_assert(r.status == 201 || r.status == 200, "PUT %s: %d %s", tn, r.status, r.body);
	http_resp_free(&r);
}

void topo_build(struct daemon *d, const char *sub, const char *token, const char *sku,
		const char *lgw_ip)
{
	char body[2048];

	put_ok(d, sub, token, "virtualNetworks/v1",
	       "{\"location\":\"local\",\"properties\":{\"addressSpace\":{\"addressPrefixes\":"
	       "[\"10.0.0.0/16\"]},\"subnets\":[{\"name\":\"GatewaySubnet\",\"properties\":"
	       "{\"addressPrefix\":\"10.0.255.0/27\"}}]}}");
	put_ok(d, sub, token, "publicIPAddresses/p1", "{}");
	put_ok(d, sub, token, "publicIPAddresses/p2", "{}");
	snprintf(body, sizeof(body),
		 "{\"properties\":{\"gatewayType\":\"Vpn\",\"vpnType\":\"RouteBased\","
		 "\"sku\":{\"name\":\"%s\",\"tier\":\"%s\"},\"ipConfigurations\":[{\"name\":"
		 "\"default\",\"properties\":{\"subnet\":{\"id\":\"" ARM_ID_PREFIX
		 "virtualNetworks/v1/subnets/"
		 "GatewaySubnet\"},\"publicIPAddress\":{\"id\":\"" ARM_ID_PREFIX
		 "publicIPAddresses/p1\"}}}]}}",
		 sku, sku, sub, sub);
	put_ok(d, sub, token, "virtualNetworkGateways/g1", body);
	snprintf(body, sizeof(body),
		 "{\"properties\":{\"gatewayIpAddress\":\"%s\",\"localNetworkAddressSpace\":"
		 "{\"addressPrefixes\":[\"192.168.0.0/24\"]}}}",
		 lgw_ip);
	put_ok(d, sub, token, "localNetworkGateways/l1", body);
}

int conn_put(struct daemon *d, const char *sub, const char *token, const char *name,
	     const char *lgw, const char *shared_key, struct http_resp *out)
{
	char body[2048], path[512], tn[128];

	snprintf(body, sizeof(body),
		 "{\"properties\":{\"connectionType\":\"IPsec\",\"sharedKey\":\"%s\","
		 "\"virtualNetworkGateway1\":{\"id\":\"" ARM_ID_PREFIX
		 "virtualNetworkGateways/g1\"},\"localNetworkGateway2\":{\"id\":\"" ARM_ID_PREFIX
		 "localNetworkGateways/%s\"}}}",
		 shared_key, sub, sub, lgw);
	snprintf(tn, sizeof(tn), "connections/%s", name);
	arm_path(path, sizeof(path), sub, tn, NULL);
	cr_assert_eq(http_do(d, "PUT", path, token, body, NULL, out), 0);
	return out->status;
}
