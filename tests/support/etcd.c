/* SPDX-License-Identifier: MIT */
/*
 * tests/support/etcd: one etcd member as a child process of the test, on 127.0.0.1 with ports
 * the kernel just handed out (a lost race for one is another try), its data and log in the
 * test's directory; readiness is its /health answering {"health":"true"} (a leader elected).
 */
#include "support/etcd.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static uint16_t free_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	uint16_t port = 0;

	if (fd < 0)
		return 0;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static size_t sink(char *p, size_t size, size_t n, void *arg)
{
	char *buf = arg;
	size_t have = strlen(buf), add = size * n;

	if (have + add < 256) {
		memcpy(buf + have, p, add);
		buf[have + add] = '\0';
	}
	return size * n;
}

static int healthy(const struct etcd_proc *p)
{
	char url[128], body[256] = "";
	CURL *c = curl_easy_init();
	long status = 0;
	int ok;

	if (!c)
		return 0;
	snprintf(url, sizeof(url), "http://%s/health", p->member);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 1000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	ok = curl_easy_perform(c) == CURLE_OK;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	return ok && status == 200 && strstr(body, "\"true\"") != NULL;
}

int etcd_proc_wait_healthy(struct etcd_proc *p, long deadline_ms)
{
	long end = mono_ms() + deadline_ms;

	while (mono_ms() < end) {
		int status;

		if (p->pid > 0 && waitpid(p->pid, &status, WNOHANG) == p->pid) {
			p->pid = 0;
			snprintf(p->why, sizeof(p->why),
				 "etcd exited (status 0x%x) before it was "
				 "healthy; see %s",
				 status, p->log);
			return -ECHILD;
		}
		if (healthy(p))
			return 0;
		nap_ms(20);
	}
	snprintf(p->why, sizeof(p->why), "etcd on %s was not healthy within %ld ms; see %s",
		 p->member, deadline_ms, p->log);
	return -ETIMEDOUT;
}

static int spawn(struct etcd_proc *p)
{
	char client[64], peer[64], cluster[96];

	snprintf(client, sizeof(client), "http://127.0.0.1:%u", p->client_port);
	snprintf(peer, sizeof(peer), "http://127.0.0.1:%u", p->peer_port);
	snprintf(cluster, sizeof(cluster), "t=%s", peer);
	snprintf(p->member, sizeof(p->member), "127.0.0.1:%u", p->client_port);
	snprintf(p->url, sizeof(p->url), "etcd://%s", p->member);
	p->pid = fork();
	if (p->pid < 0)
		return -errno;
	if (p->pid == 0) {
		int fd = open(p->log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		/* Should the test die, its etcd goes with it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("etcd", "etcd", "--name", "t", "--data-dir", p->dir, "--listen-client-urls",
		       client, "--advertise-client-urls", client, "--listen-peer-urls", peer,
		       "--initial-advertise-peer-urls", peer, "--initial-cluster", cluster,
		       "--initial-cluster-state", "new", "--logger", "zap", "--log-level", "warn",
		       (char *)NULL);
		_exit(127);
	}
	return 0;
}

int etcd_proc_start(struct etcd_proc *p, const char *dir)
{
	int r = -EIO;

	memset(p, 0, sizeof(*p));
	snprintf(p->dir, sizeof(p->dir), "%s/etcd", dir);
	snprintf(p->log, sizeof(p->log), "%s/etcd.log", dir);
	if (access("/usr/bin/etcd", X_OK) != 0) {
		snprintf(p->why, sizeof(p->why),
			 "no /usr/bin/etcd: run scripts/install-deps "
			 "(etcd-server)");
		return -ENOENT;
	}
	for (int i = 0; i < 5; i++) {
		p->client_port = free_port();
		p->peer_port = free_port();
		if (!p->client_port || !p->peer_port || p->client_port == p->peer_port)
			continue;
		r = spawn(p);
		if (r)
			return r;
		r = etcd_proc_wait_healthy(p, ETCD_PROC_DEADLINE_MS);
		if (r == 0)
			return 0;
		/* Lost a port race (etcd exited): fresh ports. */
		etcd_proc_stop(p);
		if (r != -ECHILD)
			return r;
	}
	return r;
}

int etcd_proc_restart(struct etcd_proc *p)
{
	int r;

	etcd_proc_stop(p);
	r = spawn(p);
	return r ? r : etcd_proc_wait_healthy(p, ETCD_PROC_DEADLINE_MS);
}

void etcd_proc_stop(struct etcd_proc *p)
{
	long end;

	if (!p || p->pid <= 0)
		return;
	kill(p->pid, SIGCONT);
	kill(p->pid, SIGTERM);
	end = mono_ms() + 10000;
	while (mono_ms() < end) {
		if (waitpid(p->pid, NULL, WNOHANG) == p->pid) {
			p->pid = 0;
			return;
		}
		nap_ms(10);
	}
	kill(p->pid, SIGKILL);
	waitpid(p->pid, NULL, 0);
	p->pid = 0;
}

int etcd_proc_pause(struct etcd_proc *p)
{
	return p->pid > 0 && kill(p->pid, SIGSTOP) == 0 ? 0 : -ESRCH;
}

int etcd_proc_resume(struct etcd_proc *p)
{
	return p->pid > 0 && kill(p->pid, SIGCONT) == 0 ? 0 : -ESRCH;
}
