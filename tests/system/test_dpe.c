/* SPDX-License-Identifier: MIT */
/*
 * System tests for src/dp/dp (root): two data planes, "gateway A" and "gateway B", each with
 * its public address in its own namespace, joined by a veth; VNets (namespace and TUN made by
 * the dp) with a workload namespace attached by veth; SA pairs installed by hand with the same
 * keys on both sides, as IKE would. Real pings and TCP through real ESP.
 *
 *   wa1 ── a1 [vgw0]                                          [vgw0] b1 ── wb1
 *   10.1.0.10     dp A ── ga:pub 192.0.2.1 ═══ gb:pub 192.0.2.2 ── dp B     10.2.0.10
 *   wa2 ── a2 [vgw0]                                          [vgw0] b2 ── wb2
 *
 * a1/a2 both hold 10.1.0.0/16 and b1/b2 both 10.2.0.0/16 (overlapping tenants); connection n
 * joins an with bn. Namespaces are vgt-<pid>-<role>, removed at the end even on failure.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dp/dp.h"
#include "dp/netns.h"
#include "esp/esp.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/secret.h"
#include "support/pkt.h"

static const char *const roles[] = {"ga", "gb", "wa1", "wb1", "wa2", "wb2", "a1", "b1", "a2", "b2"};

static struct {
	char pfx[32];
	struct dp *a, *b;
	int nsfd_ga, nsfd_gb;
} F;

static void ns_name(char *out, size_t len, const char *role)
{
	snprintf(out, len, "%s-%s", F.pfx, role);
}

/* Run a shell command (printf-style); its exit status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	r = system(cmd);
	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

#define SH_OK(...) cr_assert_eq(sh(__VA_ARGS__), 0, "command failed")

static void cleanup(void)
{
	char ns[64];
	size_t i;

	dp_free(F.a);
	dp_free(F.b);
	F.a = F.b = NULL;
	if (F.nsfd_ga > 0)
		close(F.nsfd_ga);
	if (F.nsfd_gb > 0)
		close(F.nsfd_gb);
	F.nsfd_ga = F.nsfd_gb = -1;
	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		ns_name(ns, sizeof(ns), roles[i]);
		netns_delete(ns);
	}
}

static struct addr A(const char *s) {
	struct addr a;

	cr_assert_eq(addr_parse(&a, s, NULL, 0), 0, "%s", s);
	return a;
}

static struct prefix
P(const char *s) {
	struct prefix p;

	cr_assert_eq(prefix_parse(&p, s, 0, NULL, 0), 0, "%s", s);
	return p;
}

static struct dp *
gateway(const char *role, const char *ip, int *nsfd)
{
	char ns[64];
	struct dp_config cfg = {.public_addr = A(ip)};
	struct dp *dp;
	int r;

	ns_name(ns, sizeof(ns), role);
	*nsfd = netns_open(ns);
	cr_assert_geq(*nsfd, 0);
	cfg.public_nsfd = *nsfd;
	r = dp_new(&dp, &cfg);
	cr_assert_eq(r, 0, "dp_new %s: %s", ip, strerror(-r));
	return dp;
}

static void setup(void)
{
	log_set_level(LOG_LVL_WARN);
	snprintf(F.pfx, sizeof(F.pfx), "vgt-%d", (int)getpid());
	F.nsfd_ga = F.nsfd_gb = -1;
	cleanup();
	SH_OK("ip netns add %s-ga && ip netns add %s-gb", F.pfx, F.pfx);
	SH_OK("ip link add pub netns %s-ga type veth peer name pub netns %s-gb", F.pfx, F.pfx);
	SH_OK("ip -n %s-ga addr add 192.0.2.1/24 dev pub && ip -n %s-ga link set pub up && "
	      "ip -n %s-ga link set lo up",
	      F.pfx, F.pfx, F.pfx);
	SH_OK("ip -n %s-gb addr add 192.0.2.2/24 dev pub && ip -n %s-gb link set pub up && "
	      "ip -n %s-gb link set lo up",
	      F.pfx, F.pfx, F.pfx);
	F.a = gateway("ga", "192.0.2.1", &F.nsfd_ga);
	F.b = gateway("gb", "192.0.2.2", &F.nsfd_gb);
}

TestSuite(dpe, .init = setup, .fini = cleanup, .timeout = 60);

/* A VNet on dp with id n and a workload namespace attached: role vnet, workload at host. */
static void vnet_with_workload(struct dp *dp, uint32_t n, const char *vnet, const char *work,
			       const char *gw, const char *lan, const char *host, const char *via)
{
	char ns[64];
	struct dp_vnet_params vp = {.id = n, .netns = ns, .tun = "vgw0", .gateway = P(gw)};
	int r;

	ns_name(ns, sizeof(ns), vnet);
	r = dp_vnet_add(dp, &vp);
	cr_assert_eq(r, 0, "dp_vnet_add %s: %s", ns, strerror(-r));
	SH_OK("ip netns add %s-%s && ip -n %s-%s link set lo up", F.pfx, work, F.pfx, work);
	SH_OK("ip link add lan netns %s-%s type veth peer name eth0 netns %s-%s", F.pfx, vnet,
	      F.pfx, work);
	SH_OK("ip -n %s-%s addr add %s dev lan && ip -n %s-%s link set lan up", F.pfx, vnet, lan,
	      F.pfx, vnet);
	SH_OK("ip -n %s-%s addr add %s dev eth0 && ip -n %s-%s link set eth0 up && "
	      "ip -n %s-%s route add default via %s",
	      F.pfx, work, host, F.pfx, work, F.pfx, work, via);
}

static const uint8_t key_ab[36] = {0xab, 1,  2,	 3,  4,	 5,  6,	 7,  8,	   9,	 10,   11,
				   12,	 13, 14, 15, 16, 17, 18, 19, 20,   21,	 22,   23,
				   24,	 25, 26, 27, 28, 29, 30, 31, 0xa0, 0xa1, 0xa2, 0xa3};
static const uint8_t key_ba[36] = {0xba, 9,  8,	 7,  6,	 5,  4,	 3,  2,	   1,	 0,    1,
				   2,	 3,  4,	 5,  6,	 7,  8,	 9,  10,   11,	 12,   13,
				   14,	 15, 16, 17, 18, 19, 20, 21, 0xb0, 0xb1, 0xb2, 0xb3};

static uint32_t spi_ab(uint32_t n)
{
	return 0x1000 + n;
}
static uint32_t spi_ba(uint32_t n)
{
	return 0x2000 + n;
}

/* One SA on dp for connection n: AES-256-GCM with key k, as IKE would derive it. */
static int install(struct dp *dp, uint32_t n, uint32_t spi, enum esp_dir dir, const uint8_t *k,
		   enum dp_encap encap)
{
	struct secret *key = secret_dup(k, 36);
	struct dp_sa_params p = {
		.conn_id = n,
		.esp = {.spi = spi, .dir = dir, .enc = ESP_ENC_AES_GCM_16, .enc_key = key},
		.encap = encap,
		.peer_port = 4500,
	};
	int r = dp_sa_install(dp, &p);

	secret_free(key);
	return r;
}

static void install_pair(uint32_t n, enum dp_encap encap)
{
	cr_assert_eq(install(F.a, n, spi_ab(n), ESP_DIR_OUT, key_ab, encap), 0);
	cr_assert_eq(install(F.b, n, spi_ab(n), ESP_DIR_IN, key_ab, encap), 0);
	cr_assert_eq(install(F.b, n, spi_ba(n), ESP_DIR_OUT, key_ba, encap), 0);
	cr_assert_eq(install(F.a, n, spi_ba(n), ESP_DIR_IN, key_ba, encap), 0);
}

/*
 * Tenant n: VNet an (10.1.0.0/16, workload wan 10.1.0.10) on A and bn (10.2.0.0/16, wbn
 * 10.2.0.10) on B, connection n between them with extra prefixes for B's side, SAs installed.
 */
static void tenant(uint32_t n, enum dp_encap encap, const char *extra_b_prefix)
{
	char va[8], vb[8], wa[8], wb[8];
	struct prefix pa[] = {P("10.1.0.0/16")}, pb[] = {P("10.2.0.0/16"), P("10.4.0.0/16")};
	struct dp_conn_params ca = {.id = n,
				    .vnet_id = n,
				    .peer = A("192.0.2.2"),
				    .prefixes = pb,
				    .n_prefixes = extra_b_prefix ? 2 : 1};
	struct dp_conn_params cb = {
		.id = n, .vnet_id = n, .peer = A("192.0.2.1"), .prefixes = pa, .n_prefixes = 1};

	if (extra_b_prefix)
		pb[1] = P(extra_b_prefix);
	snprintf(va, sizeof(va), "a%u", n);
	snprintf(vb, sizeof(vb), "b%u", n);
	snprintf(wa, sizeof(wa), "wa%u", n);
	snprintf(wb, sizeof(wb), "wb%u", n);
	vnet_with_workload(F.a, n, va, wa, "10.1.255.4/29", "10.1.0.1/24", "10.1.0.10/24",
			   "10.1.0.1");
	vnet_with_workload(F.b, n, vb, wb, "10.2.255.4/29", "10.2.0.1/24", "10.2.0.10/24",
			   "10.2.0.1");
	cr_assert_eq(dp_conn_add(F.a, &ca), 0);
	cr_assert_eq(dp_conn_add(F.b, &cb), 0);
	install_pair(n, encap);
}

/* True if `ping` from role to dst gets an answer. */
static bool ping(const char *role, const char *dst)
{
	return sh("ip netns exec %s-%s ping -q -c 3 -i 0.2 -W 1 %s >/dev/null 2>&1", F.pfx, role,
		  dst) == 0;
}

static struct dp_conn_stats conn_stats(struct dp *dp, uint32_t n)
{
	struct dp_conn_stats s;

	cr_assert_eq(dp_conn_stats(dp, n, &s), 0);
	return s;
}

static struct dp_stats dp_all(struct dp *dp)
{
	struct dp_stats s;

	cr_assert_eq(dp_stats(dp, &s), 0);
	return s;
}

/* ---- captures: an AF_PACKET socket on a workload's eth0 ------------------------------------- */

struct cap_arg {
	int fd;
};

static int cap_open_here(void *arg)
{
	struct cap_arg *c = arg;
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP)};

	sll.sll_ifindex = (int)if_nametoindex("eth0");
	c->fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_IP));
	if (c->fd < 0 || sll.sll_ifindex == 0)
		return -errno;
	return bind(c->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ? -errno : 0;
}

static int cap_open(const char *role)
{
	char ns[64];
	struct cap_arg c = {.fd = -1};
	int nsfd;

	ns_name(ns, sizeof(ns), role);
	nsfd = netns_open(ns);
	cr_assert_geq(nsfd, 0);
	cr_assert_eq(netns_run_in(nsfd, cap_open_here, &c), 0);
	close(nsfd);
	return c.fd;
}

/* Drain the capture; count ICMP echo requests to dst (dotted quad). */
static int cap_echo_requests(int fd, const char *dst)
{
	uint8_t pkt[2048], want[4];
	struct pkt_ip4 ip;
	ssize_t n;
	int count = 0;

	inet_pton(AF_INET, dst, want);
	while ((n = recv(fd, pkt, sizeof(pkt), 0)) > 0)
		if (pkt_ip4_parse(pkt, (size_t)n, &ip) == 0 && ip.proto == 1 && ip.icmp_type == 8 &&
		    memcmp(ip.dst, want, 4) == 0)
			count++;
	return count;
}

/*
 * Echo requests to dst seen by the capture until at least want have come (or 5 s pass): what
 * the data plane hands to the TUN still crosses the VNet's kernel before it reaches the
 * workload's eth0. The count, which may be more than want.
 */
static int cap_wait_echo_requests(int fd, const char *dst, int want)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int got = cap_echo_requests(fd, dst);

	for (int i = 0; i < 100 && got < want; i++) {
		poll(&p, 1, 50);
		got += cap_echo_requests(fd, dst);
	}
	return got;
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void ping_both_ways(enum dp_encap encap)
{
	struct dp_conn_stats a, b;
	struct dp_sa_info info;
	struct dp_stats sb;

	tenant(1, encap, NULL);
	cr_assert(ping("wa1", "10.2.0.10"), "A's workload reaches B's through the tunnel");
	cr_assert(ping("wb1", "10.1.0.10"), "and back");
	a = conn_stats(F.a, 1);
	b = conn_stats(F.b, 1);
	/* Each ping: 3 requests and 3 replies; each side sent and received at least 6. */
	cr_assert_geq(a.packets_out, 6, "A sent %lu", (unsigned long)a.packets_out);
	cr_assert_geq(a.packets_in, 6);
	cr_assert_geq(b.packets_out, 6);
	cr_assert_geq(b.packets_in, 6);
	cr_assert_geq(a.bytes_out, 6 * 84, "inner bytes of 6 pings");
	sb = dp_all(F.b);
	if (encap == DP_ENCAP_UDP) {
		cr_assert_geq(sb.rx_esp_udp, 6);
		cr_assert_eq(sb.rx_esp_raw, 0, "UDP encapsulation: no raw ESP");
	} else {
		cr_assert_geq(sb.rx_esp_raw, 6);
		cr_assert_eq(sb.rx_esp_udp, 0, "raw ESP: nothing on 4500");
	}
	cr_assert_eq(dp_sa_info(F.b, 1, spi_ab(1), ESP_DIR_IN, &info), 0);
	cr_assert_gt(info.last_used_ns, 0, "the inbound SA's last use is known (DPD)");
	cr_assert_geq(info.seq, 6);
	cr_assert_eq(info.conn_id, 1);
	cr_assert_eq(dp_sa_info(F.a, 1, spi_ab(1), ESP_DIR_OUT, &info), 0);
	cr_assert_geq(info.ctr.packets, 6);
	cr_assert_eq(dp_sa_info(F.a, 1, 0x9999, ESP_DIR_OUT, &info), -ENOENT);
}

Test(dpe, raw_esp_ping_both_ways)
{
	ping_both_ways(DP_ENCAP_RAW);
}

Test(dpe, udp_encapsulated_ping_both_ways)
{
	ping_both_ways(DP_ENCAP_UDP);
}

Test(dpe, packet_to_no_connection_is_dropped_and_counted)
{
	struct dp_vnet_stats before, after;
	struct dp_conn_stats b0, b1;
	int cap;

	tenant(1, DP_ENCAP_RAW, NULL);
	cap = cap_open("wb1");
	/* The VNet sends all of 10/8 to the gateway; the site has only 10.2/16. */
	SH_OK("ip -n %s-a1 route add 10.0.0.0/8 dev vgw0", F.pfx);
	cr_assert_eq(dp_vnet_stats(F.a, 1, &before), 0);
	b0 = conn_stats(F.b, 1);
	cr_assert(!ping("wa1", "10.9.0.10"), "nothing answers for a prefix no site has");
	cr_assert_eq(dp_vnet_stats(F.a, 1, &after), 0);
	cr_assert_geq(after.drops[DP_DROP_NO_ROUTE] - before.drops[DP_DROP_NO_ROUTE], 3,
		      "three echo requests dropped as no-route");
	b1 = conn_stats(F.b, 1);
	cr_assert_eq(b1.packets_in, b0.packets_in, "nothing reached B");
	/*
	 * The tunnel itself still works. B's workload answered, so its requests were in the capture
	 * first, after anything sent before them: with them there, none toward 10.9.0.10 came.
	 */
	cr_assert(ping("wa1", "10.2.0.10"));
	cr_assert_eq(cap_echo_requests(cap, "10.9.0.10"), 0, "nothing toward 10.9.0.10 reached B");
	close(cap);
}

/* An ESP packet of connection 1 (A -> B) built here with the same key, sent from ga to B's 4500. */
static size_t forge(uint8_t *mem, size_t cap, uint32_t spi, uint64_t seq_before, uint8_t **start)
{
	static const uint8_t src[4] = {10, 1, 0, 10}, dst[4] = {10, 2, 0, 10};
	struct secret *key = secret_dup(key_ab, 36);
	struct esp_sa_params p = {
		.spi = spi, .dir = ESP_DIR_OUT, .enc = ESP_ENC_AES_GCM_16, .enc_key = key};
	struct esp_result res;
	struct esp_sa *sa;
	struct buf b, inner;
	uint8_t tmp[128];

	cr_assert_eq(esp_sa_new(&sa, &p), 0);
	/* Advance the sender to seq_before by encapsulating throwaway packets. */
	for (uint64_t i = 0; i < seq_before; i++) {
		buf_init_write(&inner, tmp + 32, sizeof(tmp) - 64);
		pkt_icmp4_echo(&inner, src, dst, 1, 1, 8);
		buf_init_room(&b, tmp, sizeof(tmp), 32, buf_left(&inner));
		cr_assert_eq(esp_encap(sa, &b, NULL, &res), 0);
	}
	buf_init_write(&inner, mem + 64, cap - 128);
	cr_assert_eq(pkt_icmp4_echo(&inner, src, dst, 0x4242, 1, 16), 0);
	cr_assert_eq(buf_init_room(&b, mem, cap, 64, buf_left(&inner)), 0);
	cr_assert_eq(esp_encap(sa, &b, NULL, &res), 0);
	esp_sa_free(sa);
	secret_free(key);
	*start = buf_data_mut(&b);
	return buf_left(&b);
}

struct udp_arg {
	int fd;
	uint16_t port;
};

static int udp_open_here(void *arg)
{
	struct udp_arg *u = arg;
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(u->port)};

	inet_pton(AF_INET, "192.0.2.1", &sin.sin_addr);
	u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (u->fd < 0)
		return -errno;
	return bind(u->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ? -errno : 0;
}

/* A UDP socket in ga on 192.0.2.1:port (not A's ports), to play a peer by hand. */
static int udp_in_ga(uint16_t port)
{
	struct udp_arg u = {.fd = -1, .port = port};

	cr_assert_eq(netns_run_in(F.nsfd_ga, udp_open_here, &u), 0);
	return u.fd;
}

static void send_to_b(int fd, uint16_t port, const void *p, size_t n)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};

	inet_pton(AF_INET, "192.0.2.2", &to.sin_addr);
	cr_assert_eq(sendto(fd, p, n, 0, (struct sockaddr *)&to, sizeof(to)), (ssize_t)n);
}

/* Poll get() until it exceeds floor or 2 s pass; the last value. */
static uint64_t wait_above(uint64_t (*get)(void), uint64_t floor)
{
	uint64_t v = get();

	for (int i = 0; i < 200 && v <= floor; i++) {
		usleep(10000);
		v = get();
	}
	return v;
}

static uint64_t b_in(void)
{
	return conn_stats(F.b, 1).packets_in;
}
static uint64_t b_replays(void)
{
	return conn_stats(F.b, 1).esp_drops[ESP_DROP_REPLAY];
}
static uint64_t b_no_sa(void)
{
	return dp_all(F.b).esp_in.drops[ESP_DROP_NO_SA];
}
static uint64_t b_icv(void)
{
	return conn_stats(F.b, 1).esp_drops[ESP_DROP_ICV];
}

Test(dpe, wrong_spi_replay_and_forgery_are_counted)
{
	uint8_t mem[512], *pkt;
	size_t n;
	int fd, cap;

	tenant(1, DP_ENCAP_UDP, NULL);
	cap = cap_open("wb1");
	fd = udp_in_ga(40000);
	n = forge(mem, sizeof(mem), spi_ab(1), 0, &pkt);
	send_to_b(fd, 4500, pkt, n);
	cr_assert_eq(wait_above(b_in, 0), 1, "the hand-made packet is delivered once");
	cr_assert_eq(cap_wait_echo_requests(cap, "10.2.0.10", 1), 1, "and reaches B's workload");

	send_to_b(fd, 4500, pkt, n);
	cr_assert_eq(wait_above(b_replays, 0), 1, "the same packet again is a replay");
	cr_assert_eq(b_in(), 1);

	n = forge(mem, sizeof(mem), 0x7777, 5, &pkt);
	send_to_b(fd, 4500, pkt, n);
	cr_assert_geq(wait_above(b_no_sa, 0), 1, "an unknown SPI is counted");

	/* The right SPI, a fresh sequence number, one bit of ciphertext flipped: ICV. */
	n = forge(mem, sizeof(mem), spi_ab(1), 9, &pkt);
	pkt[20] ^= 1;
	send_to_b(fd, 4500, pkt, n);
	cr_assert_eq(wait_above(b_icv, 0), 1, "a forged packet fails its ICV");
	cr_assert_eq(b_in(), 1);
	/*
	 * Then a good one (a fresh sequence number): once it is at the workload, anything of the
	 * above that got through would be in the capture before it.
	 */
	n = forge(mem, sizeof(mem), spi_ab(1), 10, &pkt);
	send_to_b(fd, 4500, pkt, n);
	cr_assert_eq(wait_above(b_in, 1), 2, "a good packet after them is delivered");
	cr_assert_eq(cap_wait_echo_requests(cap, "10.2.0.10", 1), 1,
		     "only the good packet reached the workload, none of the bad ones");
	close(fd);
	close(cap);
}

/*
 * Issue 14: the peer picks our outbound SPIs and they are visible on the wire, so another
 * tenant's peer may pick the same value. Each SA is found through its connection only: the other
 * connection's removals and queries never reach it.
 */
Test(dpe, an_sa_is_found_through_its_connection_only)
{
	struct dp_sa_info info;

	tenant(1, DP_ENCAP_RAW, NULL);
	tenant(2, DP_ENCAP_RAW, NULL);
	cr_assert(ping("wa1", "10.2.0.10"), "tenant 1's tunnel works");
	/* Connection 2's peer chose connection 1's outbound SPI for connection 2's new SA. */
	cr_assert_eq(install(F.a, 2, spi_ab(1), ESP_DIR_OUT, key_ab, DP_ENCAP_RAW), 0);
	cr_assert_eq(dp_sa_info(F.a, 2, spi_ab(1), ESP_DIR_OUT, &info), 0);
	cr_assert_eq(info.conn_id, 2);
	/* ... and deletes it: connection 1's SA with the same SPI stays. */
	cr_assert_eq(dp_sa_remove(F.a, 2, spi_ab(1), ESP_DIR_OUT), 0);
	cr_assert_eq(dp_sa_info(F.a, 1, spi_ab(1), ESP_DIR_OUT, &info), 0, "tenant 1's SA stays");
	cr_assert_eq(info.conn_id, 1);
	cr_assert_eq(dp_sa_remove(F.a, 2, spi_ab(1), ESP_DIR_OUT), -ENOENT,
		     "connection 2 has no such SA any more");
	/* Inbound SPIs are ours, but a connection cannot remove another's either. */
	cr_assert_eq(dp_sa_remove(F.b, 2, spi_ab(1), ESP_DIR_IN), -ENOENT);
	cr_assert_eq(dp_sa_info(F.b, 2, spi_ab(1), ESP_DIR_IN, &info), -ENOENT);
	cr_assert_eq(dp_sa_info(F.b, 1, spi_ab(1), ESP_DIR_IN, &info), 0);
	cr_assert(ping("wa1", "10.2.0.10"), "tenant 1's traffic still flows");
}

/* True if the VNet namespace of role has a kernel route to exactly prefix through vgw0. */
static bool kernel_route(const char *role, const char *prefix)
{
	return sh("ip -n %s-%s route show %s dev vgw0 | grep -q .", F.pfx, role, prefix) == 0;
}

/*
 * BGP's best routes through a connection (dp_conn_routes): they carry traffic, their replies'
 * sources are allowed, a site's own prefix beats a learned route to it, withdrawing them takes
 * the kernel route and the traffic away, and a second connection's learned route is its own.
 */
Test(dpe, learned_routes_carry_traffic_and_go_when_withdrawn)
{
	struct prefix learned[] = {P("10.9.0.0/24"), P("10.2.0.0/16"), P("10.9.0.0/24")};
	struct dp_vnet_stats before, after;

	tenant(1, DP_ENCAP_RAW, NULL);
	/* Behind B's site: 10.9.0.10 on its workload, reached from B's VNet through the LAN. */
	SH_OK("ip -n %s-wb1 addr add 10.9.0.10/32 dev eth0", F.pfx);
	SH_OK("ip -n %s-b1 route add 10.9.0.10/32 via 10.2.0.10 dev lan", F.pfx);
	cr_assert(!ping("wa1", "10.9.0.10"), "no route to 10.9.0.0/24 before it is learned");
	cr_assert(!kernel_route("a1", "10.9.0.0/24"));

	/* Learned (a duplicate counts once; 10.2.0.0/16 is also the site's own prefix). */
	cr_assert_eq(dp_conn_routes(F.a, 1, learned, 3), 0);
	cr_assert(kernel_route("a1", "10.9.0.0/24"), "the learned route is in the VNet's kernel");
	cr_assert(ping("wa1", "10.9.0.10"), "a learned route carries traffic, and its replies "
					    "(source 10.9.0.10) are allowed in");
	cr_assert(ping("wa1", "10.2.0.10"));

	/* Withdrawn: the route goes, the site's own 10.2.0.0/16 stays. */
	cr_assert_eq(dp_conn_routes(F.a, 1, NULL, 0), 0);
	cr_assert(!kernel_route("a1", "10.9.0.0/24"), "the withdrawn route left the kernel");
	cr_assert(kernel_route("a1", "10.2.0.0/16"), "the site's own prefix stays routed");
	cr_assert(ping("wa1", "10.2.0.10"));
	/* A hand-made kernel route cannot bring it back: the data plane has no route. */
	SH_OK("ip -n %s-a1 route add 10.9.0.0/24 dev vgw0", F.pfx);
	cr_assert_eq(dp_vnet_stats(F.a, 1, &before), 0);
	cr_assert(!ping("wa1", "10.9.0.10"), "withdrawn: no traffic");
	cr_assert_eq(dp_vnet_stats(F.a, 1, &after), 0);
	cr_assert_geq(after.drops[DP_DROP_NO_ROUTE] - before.drops[DP_DROP_NO_ROUTE], 3);
	SH_OK("ip -n %s-a1 route del 10.9.0.0/24 dev vgw0", F.pfx);

	/* Learned again, then the connection removed: its learned route goes with it. */
	cr_assert_eq(dp_conn_routes(F.a, 1, learned, 1), 0);
	cr_assert(ping("wa1", "10.9.0.10"));
	cr_assert_eq(dp_conn_routes(F.a, 7, learned, 1), -ENOENT, "no connection 7");
	cr_assert_eq(dp_conn_remove(F.a, 1), 0);
	cr_assert(!kernel_route("a1", "10.9.0.0/24"), "removed with its connection");
}

Test(dpe, removing_the_sa_stops_traffic)
{
	struct dp_conn_stats before, after;

	tenant(1, DP_ENCAP_RAW, NULL);
	cr_assert(ping("wa1", "10.2.0.10"));
	cr_assert_eq(dp_sa_remove(F.a, 1, spi_ab(1), ESP_DIR_OUT), 0);
	cr_assert_eq(dp_sa_remove(F.a, 1, spi_ab(1), ESP_DIR_OUT), -ENOENT);
	before = conn_stats(F.a, 1);
	cr_assert(!ping("wa1", "10.2.0.10"), "no outbound SA: no traffic");
	after = conn_stats(F.a, 1);
	cr_assert_geq(after.drops[DP_DROP_NO_SA] - before.drops[DP_DROP_NO_SA], 3);
	cr_assert_eq(after.packets_out, before.packets_out);

	/*
	 * A new pair, as a rekey makes (the old SPI's window has seen these sequence numbers):
	 * traffic flows again. Then the inbound one removed on B: A's packets find no SA.
	 */
	cr_assert_eq(install(F.b, 1, 0x3001, ESP_DIR_IN, key_ab, DP_ENCAP_RAW), 0);
	cr_assert_eq(install(F.a, 1, 0x3001, ESP_DIR_OUT, key_ab, DP_ENCAP_RAW), 0);
	cr_assert(ping("wa1", "10.2.0.10"), "reinstalled, traffic flows again");
	cr_assert_eq(dp_sa_remove(F.b, 1, 0x3001, ESP_DIR_IN), 0);
	cr_assert(!ping("wa1", "10.2.0.10"));
	cr_assert_geq(dp_all(F.b).esp_in.drops[ESP_DROP_NO_SA], 3);

	/* A connection removed takes its SAs and routes along; its VNet can then go. */
	cr_assert_eq(dp_vnet_remove(F.a, 1), -EBUSY);
	cr_assert_eq(dp_conn_remove(F.a, 1), 0);
	cr_assert_eq(dp_sa_info(F.a, 1, spi_ba(1), ESP_DIR_IN, &(struct dp_sa_info){0}), -ENOENT);
	cr_assert_neq(sh("ip -n %s-a1 route show | grep -q 10.2.0.0/16", F.pfx), 0);
	cr_assert_eq(dp_vnet_remove(F.a, 1), 0);
	char ns[64];
	ns_name(ns, sizeof(ns), "a1");
	cr_assert(!netns_exists(ns), "the VNet's namespace is gone with it");
}

Test(dpe, overlapping_vnets_do_not_cross)
{
	struct dp_conn_stats a2_before, a2_after, b2_before;
	int cap1, cap2;

	/* Tenant 2's site also has 10.4.0.0/16: a prefix only VNet a2 routes. */
	tenant(1, DP_ENCAP_UDP, NULL);
	tenant(2, DP_ENCAP_UDP, "10.4.0.0/16");
	cap1 = cap_open("wb1");
	cap2 = cap_open("wb2");

	cr_assert(ping("wa1", "10.2.0.10"));
	cr_assert_geq(cap_echo_requests(cap1, "10.2.0.10"), 3, "tenant 1's pings reach wb1");
	cr_assert_eq(cap_echo_requests(cap2, "10.2.0.10"), 0, "never wb2 (same address)");
	cr_assert(ping("wa2", "10.2.0.10"));
	cr_assert_geq(cap_echo_requests(cap2, "10.2.0.10"), 3, "tenant 2's pings reach wb2");
	cr_assert_eq(cap_echo_requests(cap1, "10.2.0.10"), 0, "never wb1");

	/* From VNet a1 towards tenant 2's extra prefix: a1's table has no such route. */
	SH_OK("ip -n %s-a1 route add 10.0.0.0/8 dev vgw0", F.pfx);
	SH_OK("ip -n %s-b2 addr add 10.4.0.1/24 dev lan && ip -n %s-wb2 addr add 10.4.0.10/24 "
	      "dev eth0",
	      F.pfx, F.pfx);
	cr_assert(ping("wa2", "10.4.0.10"), "tenant 2 reaches its own 10.4/16");
	cr_assert_geq(cap_echo_requests(cap2, "10.4.0.10"), 3);
	a2_before = conn_stats(F.a, 2);
	b2_before = conn_stats(F.b, 2);
	cr_assert(!ping("wa1", "10.4.0.10"), "tenant 1 cannot reach tenant 2's prefix");
	cr_assert_eq(cap_echo_requests(cap2, "10.4.0.10"), 0);
	a2_after = conn_stats(F.a, 2);
	cr_assert_eq(a2_after.packets_out, a2_before.packets_out, "nothing used tenant 2's SA");
	cr_assert_eq(conn_stats(F.b, 2).packets_in, b2_before.packets_in);
	close(cap1);
	close(cap2);
}

/* The MSS option of the first TCP SYN (with or without ACK) in the capture, or 0. */
static uint16_t cap_syn_mss(int fd, bool ack)
{
	uint8_t pkt[2048], vihl, proto, flags, doff, kind, len;
	uint16_t mss;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t n;

	while (poll(&p, 1, 1000) == 1 && (n = recv(fd, pkt, sizeof(pkt), 0)) > 0) {
		struct buf b;
		size_t tcp, opt;

		buf_init_read(&b, pkt, (size_t)n);
		if (buf_peek_u8(&b, 0, &vihl) < 0 || buf_peek_u8(&b, 9, &proto) < 0 || proto != 6)
			continue;
		tcp = (vihl & 0xfu) * 4;
		if (buf_peek_u8(&b, tcp + 13, &flags) < 0 || !(flags & 0x02) ||
		    !!(flags & 0x10) != ack || buf_peek_u8(&b, tcp + 12, &doff) < 0)
			continue;
		for (opt = tcp + 20; opt < tcp + (doff >> 4) * 4u;) {
			if (buf_peek_u8(&b, opt, &kind) < 0 || kind == 0)
				break;
			if (kind == 1) {
				opt++;
				continue;
			}
			if (buf_peek_u8(&b, opt + 1, &len) < 0 || len < 2)
				break;
			if (kind == 2 && buf_peek_be16(&b, opt + 2, &mss) == 0)
				return mss;
			opt += len;
		}
	}
	return 0;
}

struct tcp_arg {
	int fd;
	const char *ip;
	bool listen;
};

static int tcp_here(void *arg)
{
	struct tcp_arg *t = arg;
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(5001)};
	struct timeval tv = {.tv_sec = 3};

	inet_pton(AF_INET, t->ip, &sin.sin_addr);
	t->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (t->fd < 0)
		return -errno;
	setsockopt(t->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (t->listen)
		return bind(t->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(t->fd, 4) < 0
			       ? -errno
			       : 0;
	return connect(t->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ? -errno : 0;
}

static int tcp_in(const char *role, const char *ip, bool listen)
{
	char ns[64];
	struct tcp_arg t = {.fd = -1, .ip = ip, .listen = listen};
	int nsfd, r;

	ns_name(ns, sizeof(ns), role);
	nsfd = netns_open(ns);
	cr_assert_geq(nsfd, 0);
	r = netns_run_in(nsfd, tcp_here, &t);
	close(nsfd);
	cr_assert_eq(r, 0, "tcp %s %s: %s", listen ? "listen" : "connect", ip, strerror(-r));
	return t.fd;
}

Test(dpe, tcp_mss_is_clamped_both_ways)
{
	int cap_b, cap_a, srv, cli;

	tenant(1, DP_ENCAP_RAW, NULL);
	cap_b = cap_open("wb1");
	cap_a = cap_open("wa1");
	srv = tcp_in("wb1", "10.2.0.10", true);
	/* Both hosts sit on 1500-byte veths: each announces an MSS of 1460. */
	cli = tcp_in("wa1", "10.2.0.10", false);
	cr_assert_eq(write(cli, "x", 1), 1, "the handshake completed: checksums still right");
	cr_assert_eq(cap_syn_mss(cap_b, false), 1350, "the SYN arrives clamped to 1350");
	cr_assert_eq(cap_syn_mss(cap_a, true), 1350, "the SYN-ACK comes back clamped too");
	close(cli);
	close(srv);
	close(cap_a);
	close(cap_b);
}

Test(dpe, ike_datagrams_go_to_the_control_plane)
{
	static const uint8_t ike[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 0, 0, 0, 0x21};
	uint8_t with_marker[4 + sizeof(ike)] = {0}, in[64];
	struct pollfd p = {.fd = dp_upcall_fd(F.b), .events = POLLIN};
	struct dp_upcall *u = malloc(sizeof(*u));
	int fd = udp_in_ga(40500);

	cr_assert_not_null(u);
	memcpy(with_marker + 4, ike, sizeof(ike));
	cr_assert_eq(dp_upcall_next(F.b, u), -EAGAIN);
	send_to_b(fd, 500, ike, sizeof(ike));
	send_to_b(fd, 4500, with_marker, sizeof(with_marker));
	send_to_b(fd, 4500, "\xff", 1); /* a NAT-T keepalive: counted, not an upcall */

	for (int got = 0; got < 2;) {
		cr_assert_eq(poll(&p, 1, 2000), 1, "the upcall fd wakes the control plane");
		if (dp_upcall_next(F.b, u) < 0)
			continue;
		cr_assert_eq(u->kind, DP_UPCALL_IKE);
		cr_assert_eq(u->natt, got == 1, "first from 500, then from 4500");
		cr_assert_eq(u->len, sizeof(ike), "the marker is stripped");
		cr_assert_arr_eq(u->data, ike, sizeof(ike));
		cr_assert(addr_equal(&u->peer,
				     &(struct addr){.family = AF_INET, .bytes = {192, 0, 2, 1}}));
		cr_assert_eq(u->peer_port, 40500);
		got++;
	}
	cr_assert_eq(dp_upcall_next(F.b, u), -EAGAIN);
	cr_assert_eq(poll(&p, 1, 100), 0, "the fd is quiet once the queue is empty");
	cr_assert_eq(dp_all(F.b).rx_keepalive, 1);
	cr_assert_eq(dp_all(F.b).rx_ike, 2);

	/* Answers go out from 4500 with the marker, and from 500 without. */
	struct addr peer = A("192.0.2.1");
	cr_assert_eq(dp_ike_send(F.b, &peer, 40500, true, ike, sizeof(ike)), (int)sizeof(ike));
	cr_assert_eq(recv(fd, in, sizeof(in), 0), (ssize_t)sizeof(with_marker));
	cr_assert_arr_eq(in, with_marker, sizeof(with_marker));
	cr_assert_eq(dp_ike_send(F.b, &peer, 40500, false, ike, sizeof(ike)), (int)sizeof(ike));
	cr_assert_eq(recv(fd, in, sizeof(in), 0), (ssize_t)sizeof(ike));
	cr_assert_arr_eq(in, ike, sizeof(ike));
	close(fd);
	free(u);
}

/* RFC 7296 2.21.4: ESP for an SPI nobody holds is reported, at most 10 a second. */
Test(dpe, unknown_esp_spi_goes_to_the_control_plane_rate_limited)
{
	/* SPI 0x5eed0001, sequence 1, then bytes that would be IV and ciphertext. */
	uint8_t esp[64] = {0x5e, 0xed, 0x00, 0x01, 0, 0, 0, 1};
	struct pollfd p = {.fd = dp_upcall_fd(F.b), .events = POLLIN};
	struct dp_upcall *u = malloc(sizeof(*u));
	int fd = udp_in_ga(40501), got = 0;

	cr_assert_not_null(u);
	for (int i = 0; i < 50; i++)
		send_to_b(fd, 4500, esp, sizeof(esp));
	/* Wait until all 50 were dropped, then drain. */
	for (int i = 0; i < 200 && dp_all(F.b).esp_in.drops[ESP_DROP_NO_SA] < 50; i++)
		poll(NULL, 0, 10);
	cr_assert_eq(dp_all(F.b).esp_in.drops[ESP_DROP_NO_SA], 50, "every packet counted");
	while (poll(&p, 1, 200) == 1 && dp_upcall_next(F.b, u) == 0) {
		cr_assert_eq(u->kind, DP_UPCALL_ESP_NO_SA);
		cr_assert_eq(u->spi, 0x5eed0001u);
		cr_assert(u->natt);
		cr_assert(addr_equal(&u->peer,
				     &(struct addr){.family = AF_INET, .bytes = {192, 0, 2, 1}}));
		cr_assert_eq(u->peer_port, 40501);
		got++;
	}
	/* 50 packets sent within well under 2 s: one or two windows of 10. */
	cr_assert(got >= 1 && got <= 2 * DP_NO_SA_UPCALLS_PER_S, "%d upcalls for 50 packets", got);
	close(fd);
	free(u);
}

Test(dpe, connection_rate_is_enforced_per_direction)
{
	struct prefix site = P("10.2.0.0/16");
	struct dp_conn_params ca = {.id = 1,
				    .vnet_id = 1,
				    .peer = A("192.0.2.2"),
				    .prefixes = &site,
				    .n_prefixes = 1,
				    .rate_bps = 1000000};
	struct dp_conn_stats a, b;
	uint64_t t0, secs_x1000;

	tenant(1, DP_ENCAP_UDP, NULL);
	/*
	 * 1 Mbit/s towards the site: a burst of 300 x 1.3 kB (390 kB) is more than the bucket
	 * holds (64 KiB); the rest waits in the shaper's queue and leaves at the rate.
	 */
	cr_assert_eq(dp_conn_update(F.a, &ca), 0);
	t0 = clock_now_ns();
	sh("ip netns exec %s-wa1 ping -q -f -c 300 -s 1300 -W 1 10.2.0.10 >/dev/null 2>&1", F.pfx);
	secs_x1000 = (clock_now_ns() - t0) / 1000000;
	a = conn_stats(F.a, 1);
	b = conn_stats(F.b, 1);
	cr_assert_gt(a.shaped_out, 0, "part of the burst waited for its tokens");
	cr_assert_leq(a.bytes_out, 65536 + 125000 * secs_x1000 / 1000 + 1328,
		      "%llu bytes out in %llu ms: more than the bucket and 1 Mbit/s allow",
		      (unsigned long long)a.bytes_out, (unsigned long long)secs_x1000);
	cr_assert_eq(b.drops[DP_DROP_RATE_IN], 0, "B's connection is not limited");
	cr_assert_eq(b.drops[DP_DROP_RATE_OUT], 0);
	cr_assert_eq(b.shaped_in + b.shaped_out, 0);
	/* A's own bucket for the replies (the other direction) holds only what got through. */
	cr_assert_leq(a.bytes_in, a.bytes_out);

	/* Unlimited again: the same burst goes through whole. */
	ca.rate_bps = 0;
	cr_assert_eq(dp_conn_update(F.a, &ca), 0);
	a = conn_stats(F.a, 1);
	cr_assert(ping("wa1", "10.2.0.10"));
	cr_assert_eq(conn_stats(F.a, 1).drops[DP_DROP_RATE_OUT], a.drops[DP_DROP_RATE_OUT]);
	cr_assert_eq(conn_stats(F.a, 1).shaped_out, a.shaped_out, "nothing waits any more");
}

/* Byte i of the test stream: position-dependent, so a lost, doubled or moved byte shows. */
static uint8_t stream_byte(size_t i)
{
	return (uint8_t)(i * 131 + i / 977);
}

static void bulk(enum dp_encap encap)
{
	const size_t total = 8u << 20;
	static uint8_t chunk[65536];
	struct dp_vnet_stats va, vb;
	size_t sent = 0, got = 0, i;
	int srv, cli, con;

	tenant(1, encap, NULL);
	srv = tcp_in("wb1", "10.2.0.10", true);
	cli = tcp_in("wa1", "10.2.0.10", false);
	con = accept(srv, NULL, NULL);
	cr_assert_geq(con, 0);
	while (got < total) {
		struct pollfd p[2] = {{.fd = cli, .events = sent < total ? POLLOUT : 0},
				      {.fd = con, .events = POLLIN}};
		cr_assert_gt(poll(p, 2, 5000), 0, "stalled at %zu of %zu bytes", got, total);
		if (p[0].revents & POLLOUT) {
			size_t n = total - sent < sizeof(chunk) ? total - sent : sizeof(chunk);
			for (i = 0; i < n; i++)
				chunk[i] = stream_byte(sent + i);
			ssize_t w = send(cli, chunk, n, MSG_DONTWAIT);
			cr_assert(w > 0 || errno == EAGAIN);
			if (w > 0)
				sent += (size_t)w;
		}
		if (p[1].revents & POLLIN) {
			uint8_t in[65536];
			ssize_t r = recv(con, in, sizeof(in), MSG_DONTWAIT);
			cr_assert_gt(r, 0);
			for (i = 0; i < (size_t)r; i++)
				cr_assert_eq(in[i], stream_byte(got + i), "byte %zu", got + i);
			got += (size_t)r;
		}
	}
	cr_assert_eq(dp_vnet_stats(F.a, 1, &va), 0);
	cr_assert_lt(va.reads_from_tun, va.packets_from_tun,
		     "the sender's stack handed over TSO packets (%lu reads for %lu packets)",
		     (unsigned long)va.reads_from_tun, (unsigned long)va.packets_from_tun);
	cr_assert_eq(dp_vnet_stats(F.b, 1, &vb), 0);
	cr_assert_lt(vb.writes_to_tun, vb.packets_to_tun,
		     "segments were coalesced (%lu writes for %lu packets)",
		     (unsigned long)vb.writes_to_tun, (unsigned long)vb.packets_to_tun);
	close(con);
	close(cli);
	close(srv);
}

Test(dpe, bulk_tcp_in_udp_arrives_intact_through_coalesced_writes)
{
	bulk(DP_ENCAP_UDP);
}

Test(dpe, bulk_tcp_in_raw_esp_arrives_intact_through_coalesced_writes)
{
	bulk(DP_ENCAP_RAW);
}

Test(dpe, lifetime_events_and_spi_allocation)
{
	struct dp_upcall *u = malloc(sizeof(*u));
	struct pollfd p = {.fd = dp_upcall_fd(F.b), .events = POLLIN};
	struct secret *key = secret_dup(key_ab, 36);
	struct dp_sa_params in = {
		.conn_id = 1,
		.esp = {.dir = ESP_DIR_IN,
			.enc = ESP_ENC_AES_GCM_16,
			.enc_key = key,
			.life = {.soft_packets = 2, .hard_packets = 4}},
	};
	uint32_t spi, spi2;
	bool soft = false, hard = false;

	cr_assert_not_null(u);
	tenant(1, DP_ENCAP_UDP, NULL);
	/* B reserves its inbound SPI as a responder would, then installs the SA under it. */
	cr_assert_eq(dp_spi_alloc(F.b, &spi), 0);
	cr_assert_eq(dp_spi_alloc(F.b, &spi2), 0);
	cr_assert_geq(spi, 256);
	cr_assert_neq(spi, spi2, "SPIs are unique");
	cr_assert_eq(dp_sa_remove(F.b, 0, spi2, ESP_DIR_IN), 0, "a reservation can be released");
	in.esp.spi = spi;
	cr_assert_eq(dp_sa_install(F.b, &in), 0);
	cr_assert_eq(dp_sa_install(F.b, &in), -EEXIST, "one SA per SPI");
	cr_assert_eq(install(F.a, 1, spi, ESP_DIR_OUT, key_ab, DP_ENCAP_UDP), 0);
	secret_free(key);

	/* Five pings: soft at 2 packets, hard at 4; the fifth finds the SA dead. */
	sh("ip netns exec %s-wa1 ping -q -c 5 -i 0.2 -W 1 10.2.0.10 >/dev/null 2>&1", F.pfx);
	while (!(soft && hard) && poll(&p, 1, 2000) == 1) {
		while (dp_upcall_next(F.b, u) == 0) {
			if (u->kind != DP_UPCALL_SA_LIFE)
				continue;
			cr_assert_eq(u->spi, spi);
			cr_assert_eq(u->dir, ESP_DIR_IN);
			cr_assert_eq(u->conn_id, 1);
			soft |= u->life == ESP_LIFE_SOFT;
			hard |= u->life == ESP_LIFE_HARD;
		}
	}
	cr_assert(soft, "a soft lifetime event reached the control plane (time to rekey)");
	cr_assert(hard, "and a hard one");
	cr_assert_geq(conn_stats(F.b, 1).esp_drops[ESP_DROP_LIFETIME], 1);
	free(u);
}

Test(dpe, ipv6_inside_the_tunnel)
{
	struct prefix pa[] = {P("10.1.0.0/16"), P("fd00:1::/32")};
	struct prefix pb[] = {P("10.2.0.0/16"), P("fd00:2::/32")};
	struct dp_conn_params ca = {
		.id = 7, .vnet_id = 7, .peer = A("192.0.2.2"), .prefixes = pb, .n_prefixes = 2};
	struct dp_conn_params cb = {
		.id = 7, .vnet_id = 7, .peer = A("192.0.2.1"), .prefixes = pa, .n_prefixes = 2};
	struct dp_vnet_params va = {.id = 7,
				    .tun = "vgw0",
				    .gateway = P("10.1.255.4/29"),
				    .gateway6 = P("fd00:1:ffff::4/64")};
	struct dp_vnet_params vb = {.id = 7,
				    .tun = "vgw0",
				    .gateway = P("10.2.255.4/29"),
				    .gateway6 = P("fd00:2:ffff::4/64")};
	char na[64], nb[64];

	ns_name(na, sizeof(na), "a1");
	ns_name(nb, sizeof(nb), "b1");
	va.netns = na;
	vb.netns = nb;
	cr_assert_eq(dp_vnet_add(F.a, &va), 0);
	cr_assert_eq(dp_vnet_add(F.b, &vb), 0);
	cr_assert_eq(dp_conn_add(F.a, &ca), 0);
	cr_assert_eq(dp_conn_add(F.b, &cb), 0);
	cr_assert_eq(install(F.a, 7, 0x1007, ESP_DIR_OUT, key_ab, DP_ENCAP_UDP), 0);
	cr_assert_eq(install(F.b, 7, 0x1007, ESP_DIR_IN, key_ab, DP_ENCAP_UDP), 0);
	cr_assert_eq(install(F.b, 7, 0x2007, ESP_DIR_OUT, key_ba, DP_ENCAP_UDP), 0);
	cr_assert_eq(install(F.a, 7, 0x2007, ESP_DIR_IN, key_ba, DP_ENCAP_UDP), 0);
	cr_assert_eq(sh("ip -n %s -6 route show | grep -q 'fd00:2::/32 dev vgw0'", na), 0,
		     "the site's IPv6 prefix is routed through the TUN");
	/* The VNet's gateway address pings the site's (IPv6 inside IPv4 ESP). */
	cr_assert_eq(sh("ip netns exec %s ping -q -6 -c 3 -i 0.2 -W 2 fd00:2:ffff::4 >/dev/null "
			"2>&1",
			na),
		     0, "IPv6 through the tunnel");
	cr_assert_geq(conn_stats(F.b, 7).packets_in, 3);

	/* The update withdraws the IPv6 prefix: route and table entry go. */
	ca.n_prefixes = 1;
	cr_assert_eq(dp_conn_update(F.a, &ca), 0);
	cr_assert_neq(sh("ip -n %s -6 route show | grep -q 'fd00:2::/32'", na), 0);
	cr_assert_neq(
		sh("ip netns exec %s ping -q -6 -c 1 -W 1 fd00:2:ffff::4 >/dev/null 2>&1", na), 0);
}
