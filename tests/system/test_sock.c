/* SPDX-License-Identifier: MIT */
/*
 * System tests for src/dp/sock: the three public sockets bound in a test namespace (vgt-<pid>-sock,
 * on its loopback), datagrams received in batches with their sources, raw ESP with its IPv4 header.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dp/netns.h"
#include "dp/sock.h"

static char ns[64];

static void setup(void)
{
	snprintf(ns, sizeof(ns), "vgt-%d-sock", (int)getpid());
	netns_delete(ns);
	cr_assert_eq(netns_create(ns), 0);
}

static void teardown(void)
{
	netns_delete(ns);
}

TestSuite(sock, .init = setup, .fini = teardown);

static int wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 2000);
}

static int scenario(void *arg)
{
	struct sockaddr_in lo = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in to = lo, from = lo;
	struct sock_set s;
	uint8_t bufs[4][256];
	struct sock_msg m[4];
	int cli, raw, i, n;
	uint8_t esp[16] = { 0, 0, 0x12, 0x34, 0, 0, 0, 1 };

	(void)arg;
	cr_assert_eq(sock_set_open(&s, (struct sockaddr *)&lo, 0, 0), 0);
	cr_assert_eq(s.port_ike, 500);
	cr_assert_eq(s.port_natt, 4500);
	/* A second gateway cannot take the same public ports. */
	struct sock_set dup;
	cr_assert_eq(sock_set_open(&dup, (struct sockaddr *)&lo, 0, 0), -EADDRINUSE);

	cli = socket(AF_INET, SOCK_DGRAM, 0);
	from.sin_port = htons(40500);
	cr_assert_eq(bind(cli, (struct sockaddr *)&from, sizeof(from)), 0);
	to.sin_port = htons(4500);
	for (i = 0; i < 3; i++) {
		uint8_t d[2] = { 0xff, (uint8_t)i };
		cr_assert_eq(sendto(cli, d, 1 + (i > 0), 0, (struct sockaddr *)&to, sizeof(to)),
			     1 + (i > 0));
	}
	cr_assert_eq(wait_readable(s.fd[SOCK_KIND_NATT]), 1);
	for (i = 0; i < 4; i++)
		m[i] = (struct sock_msg){ .data = bufs[i], .len = sizeof(bufs[i]) };
	n = sock_recv_batch(&s, SOCK_KIND_NATT, m, 4);
	cr_assert_eq(n, 3, "one batch holds all three datagrams");
	cr_assert_eq(m[0].len, 1);
	cr_assert_eq(m[0].data[0], 0xff, "a NAT-T keepalive byte");
	cr_assert_eq(m[2].len, 2);
	cr_assert_eq(m[2].data[1], 2);
	cr_assert_eq(((struct sockaddr_in *)&m[0].peer)->sin_port, htons(40500));
	cr_assert_eq(sock_recv_batch(&s, SOCK_KIND_NATT, m, 4), 0, "nothing more waiting");

	/* Answer from port 4500 back to the client. */
	cr_assert_eq(sock_send(&s, SOCK_KIND_NATT, (struct sockaddr *)&m[0].peer, "ok", 2), 2);
	cr_assert_eq(recv(cli, bufs[0], sizeof(bufs[0]), 0), 2);

	/* Raw ESP: the IPv4 raw socket delivers the outer header in front of the ESP bytes. */
	raw = socket(AF_INET, SOCK_RAW, IPPROTO_ESP);
	cr_assert_geq(raw, 0);
	cr_assert_eq(sendto(raw, esp, sizeof(esp), 0, (struct sockaddr *)&lo, sizeof(lo)), 16);
	cr_assert_eq(wait_readable(s.fd[SOCK_KIND_ESP]), 1);
	m[0].len = sizeof(bufs[0]);
	cr_assert_geq(sock_recv_batch(&s, SOCK_KIND_ESP, m, 1), 1);
	cr_assert_eq(m[0].len, 20 + 16);
	cr_assert_eq(m[0].data[0], 0x45);
	cr_assert_eq(m[0].data[9], IPPROTO_ESP);
	cr_assert_arr_eq(m[0].data + 20, esp, 16);
	close(raw);
	close(cli);
	sock_set_close(&s);
	return 0;
}

Test(sock, bind_receive_send)
{
	int nsfd = netns_open(ns);

	cr_assert_geq(nsfd, 0);
	cr_assert_eq(netns_run_in(nsfd, scenario, NULL), 0);
	close(nsfd);
}

Test(sock, refuses_other_families)
{
	struct sockaddr sa = { .sa_family = AF_UNIX };
	struct sock_set s;

	cr_assert_eq(sock_set_open(&s, &sa, 0, 0), -EAFNOSUPPORT);
}
