/* SPDX-License-Identifier: MIT */
/*
 * System tests for src/dp against the real kernel (root): VNet namespaces, TUN queues inside
 * them, addresses and routes through our netlink client. Namespaces are named vgt-<pid>-* and
 * removed by each test.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dp/netns.h"
#include "dp/nl.h"
#include "dp/tun.h"
#include "support/pkt.h"

static char ns[64];

static void setup(void)
{
	snprintf(ns, sizeof(ns), "vgt-%d-dp", (int)getpid());
	netns_delete(ns);
}

static void teardown(void)
{
	netns_delete(ns);
}

/* True if `ip -n ns CMD` prints a line containing needle. */
static bool ip_shows(const char *cmd, const char *needle)
{
	char line[512], full[256];
	bool found = false;
	FILE *f;

	snprintf(full, sizeof(full), "ip -n %s %s 2>/dev/null", ns, cmd);
	f = popen(full, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f))
		found |= strstr(line, needle) != NULL;
	pclose(f);
	return found;
}

TestSuite(dp, .init = setup, .fini = teardown);

Test(dp, netns_lifecycle)
{
	cr_assert_eq(netns_create(ns), 0);
	cr_assert(netns_exists(ns));
	cr_assert_eq(netns_create(ns), -EEXIST);
	cr_assert(ip_shows("link show lo", "UP"), "loopback of a new VNet namespace is up");
	cr_assert_eq(netns_delete(ns), 0);
	cr_assert(!netns_exists(ns));
	cr_assert_eq(netns_delete(ns), -ENOENT);
}

Test(dp, netns_refuses_bad_names)
{
	cr_assert_eq(netns_create(""), -EINVAL);
	cr_assert_eq(netns_create("a/b"), -EINVAL);
	cr_assert_eq(netns_create(".."), -EINVAL);
	cr_assert_lt(netns_open("vgt-no-such-namespace-here"), 0);
}

/* Wait up to 2 s for one packet on fd. */
static ssize_t read_one(int fd, uint8_t *p, size_t n)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (poll(&pfd, 1, 2000) == 1) {
		ssize_t r = tun_read(fd, p, n);
		if (r != 0)
			return r;
	}
	return 0;
}

Test(dp, tun_address_route_and_echo)
{
	static const uint8_t gw[4] = { 10, 1, 255, 4 }, site[4] = { 192, 168, 7, 7 };
	static const uint8_t site_net[4] = { 192, 168, 0, 0 };
	uint8_t v6net[16], mem[256], in[2048];
	struct pkt_ip4 rep;
	struct nl *nl;
	struct buf b;
	int nsfd, fd, idx;
	ssize_t n;

	cr_assert_eq(netns_create(ns), 0);
	nsfd = netns_open(ns);
	cr_assert_geq(nsfd, 0);
	fd = tun_open_queue(nsfd, "vnet0");
	cr_assert_geq(fd, 0, "tun_open_queue: %s", strerror(-fd));
	cr_assert_eq(nl_open(&nl, nsfd), 0);
	idx = nl_link_index(nl, "vnet0");
	cr_assert_gt(idx, 0);
	cr_assert_eq(nl_link_set(nl, idx, true, 1400), 0);
	cr_assert_eq(nl_addr_add(nl, idx, AF_INET, gw, 29), 0);
	cr_assert_eq(nl_route_replace(nl, AF_INET, site_net, 16, idx), 0);
	inet_pton(AF_INET6, "fd00:2::", v6net);
	cr_assert_eq(nl_route_replace(nl, AF_INET6, v6net, 48, idx), 0);
	cr_assert(ip_shows("link show vnet0", "mtu 1400"));
	cr_assert(ip_shows("-4 addr show vnet0", "10.1.255.4/29"));
	cr_assert(ip_shows("-4 route show", "192.168.0.0/16 dev vnet0"));
	cr_assert(ip_shows("-6 route show", "fd00:2::/48 dev vnet0"));
	cr_assert_eq(nl_route_replace(nl, AF_INET, site_net, 33, idx), -EINVAL);

	/* A site host pings the gateway address: the VNet's stack answers through the TUN. */
	buf_init_write(&b, mem, sizeof(mem));
	cr_assert_eq(pkt_icmp4_echo(&b, site, gw, 0x1234, 7, 32), 0);
	cr_assert_eq(tun_write(fd, buf_data(&b), buf_left(&b)), (ssize_t)buf_left(&b));
	/* Skip what a new interface sends by itself (IPv6 router solicitations, MLD). */
	for (;;) {
		n = read_one(fd, in, sizeof(in));
		cr_assert_gt(n, 0, "no echo reply came out of the TUN");
		if (pkt_ip4_parse(in, (size_t)n, &rep) == 0 && rep.proto == 1)
			break;
	}
	cr_assert_eq(rep.icmp_type, 0);
	cr_assert_eq(rep.icmp_id, 0x1234);
	cr_assert_eq(rep.icmp_seq, 7);
	cr_assert_arr_eq(rep.src, gw, 4);
	cr_assert_arr_eq(rep.dst, site, 4);

	/* Withdrawn, the route is gone, and a second withdrawal says so. */
	cr_assert_eq(nl_route_del(nl, AF_INET, site_net, 16, idx), 0);
	cr_assert(!ip_shows("-4 route show", "192.168.0.0/16"));
	cr_assert_eq(nl_route_del(nl, AF_INET, site_net, 16, idx), -ESRCH);

	/* A second queue attaches to the same device. */
	int fd2 = tun_open_queue(nsfd, "vnet0");
	cr_assert_geq(fd2, 0);
	close(fd2);
	nl_close(nl);
	close(fd);
	close(nsfd);
}
