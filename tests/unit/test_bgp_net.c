/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/bgp/net: two speakers in one libevent loop over real TCP on loopback
 * (127.0.0.1 and 127.0.0.2, one high port), with the real clock: the session comes up, a route
 * crosses, a NOTIFICATION written before a close reaches the peer, and a peer that goes away
 * is seen at once. Every wait is on a condition with a deadline.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bgp/net.h"
#include "lib/clock.h"
#include "lib/log.h"

struct side {
	struct bgp_speaker *sp;
	struct bgp_net *net;
	struct bgp_speaker_config cfg;
	unsigned int routes;
};

static struct event_base *base;
static struct side S[2];
static uint16_t port;

static void on_route(void *ctx, const struct bgp_route_change *ch)
{
	struct side *s = ctx;

	s->routes += ch->add ? 1 : -1u;
}

static void side_new(struct side *s, const char *addr, uint32_t asn, uint32_t id)
{
	struct bgp_net_config nc = {0};
	struct bgp_speaker_ops ops = {.ctx = s, .route = on_route};

	bgp_speaker_config_default(&s->cfg);
	s->cfg.asn = asn;
	s->cfg.router_id = id;
	s->cfg.port = port;
	s->cfg.allow_reserved_peer_asn = asn != BGP_DEFAULT_ASN;
	cr_assert_eq(addr_parse(&s->cfg.local, addr, NULL, 0), 0);
	nc.local = s->cfg.local;
	cr_assert_eq(bgp_net_new(&s->net, base, &nc), 0);
	bgp_net_ops(s->net, &ops);
	cr_assert_eq(bgp_speaker_new(&s->sp, &s->cfg, &ops), 0);
	bgp_net_attach(s->net, s->sp);
	cr_assert_eq(bgp_net_listen(s->net, &s->cfg.local, port), 0, "port %u", port);
}

static void setup(void)
{
	signal(SIGPIPE, SIG_IGN);
	log_set_level(LOG_LVL_ERR);
	base = event_base_new();
	port = (uint16_t)(20000 + getpid() % 20000);
	memset(S, 0, sizeof(S));
}

static void teardown(void)
{
	for (int i = 0; i < 2; i++) {
		bgp_speaker_free(S[i].sp);
		if (S[i].net)
			bgp_net_attach(S[i].net, NULL);
	}
	for (int i = 0; i < 2; i++)
		bgp_net_free(S[i].net);
	event_base_free(base);
}

TestSuite(bgp_net, .init = setup, .fini = teardown);

static enum bgp_state state(int i, const char *peer)
{
	struct bgp_peer_status st;

	cr_assert_eq(bgp_speaker_peer_status(S[i].sp, peer, &st), 0);
	return st.state;
}

/* Run the loop until cond() or deadline_ms pass; true if cond() held. */
static bool run_until(bool (*cond)(void), uint64_t deadline_ms)
{
	uint64_t end = clock_now_ns() + deadline_ms * CLOCK_NS_PER_MS;
	struct timeval tv = {0, 20000};

	while (!cond()) {
		if (clock_now_ns() > end)
			return false;
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	return true;
}

static bool both_up(void)
{
	return state(0, "site") == BGP_STATE_ESTABLISHED && state(1, "gw") == BGP_STATE_ESTABLISHED;
}

/*
 * The UPDATE crossed and was judged: a loopback next hop (127.0.0.1) is refused by the import
 * policy (RFC 4271 6.3), which counts it.
 */
static bool route_at_site(void)
{
	struct bgp_peer_status st;

	return bgp_speaker_peer_status(S[1].sp, "gw", &st) == 0 && st.routes_refused == 1;
}

static bool site_down(void)
{
	return state(1, "gw") != BGP_STATE_ESTABLISHED;
}

static void peer(int i, const char *name, const char *addr, uint32_t asn, bool passive)
{
	struct bgp_peer_config pc;

	bgp_peer_config_default(&pc);
	snprintf(pc.name, sizeof(pc.name), "%s", name);
	cr_assert_eq(addr_parse(&pc.addr, addr, NULL, 0), 0);
	pc.asn = asn;
	pc.passive = passive;
	cr_assert_eq(bgp_speaker_peer_add(S[i].sp, &pc), 0);
	bgp_net_kick(S[i].net);
}

Test(bgp_net, session_over_loopback_tcp)
{
	struct bgp_local_prefix lp = {.vnet = true};
	struct bgp_peer_status st;

	side_new(&S[0], "127.0.0.1", 65515, 1);
	side_new(&S[1], "127.0.0.2", 65001, 2);
	peer(1, "gw", "127.0.0.1", 65515, true);
	peer(0, "site", "127.0.0.2", 65001, false);
	cr_assert(run_until(both_up, 5000), "no session in 5 s");
	cr_assert_eq(bgp_net_conn_count(S[0].net), 1);
	cr_assert_eq(prefix_parse(&lp.prefix, "10.1.0.0/16", 0, NULL, 0), 0);
	cr_assert_eq(bgp_speaker_set_local_prefixes(S[0].sp, &lp, 1), 0);
	bgp_net_kick(S[0].net);
	cr_assert(run_until(route_at_site, 5000), "the route did not cross");
	/* A reset: the gateway's Cease is written before its close, and the site reads it. */
	cr_assert_eq(bgp_speaker_peer_remove(S[0].sp, "site"), 0);
	cr_assert(run_until(site_down, 5000));
	cr_assert_eq(bgp_speaker_peer_status(S[1].sp, "gw", &st), 0);
	cr_assert_str_eq(st.last_error, "received Cease/Peer De-configured");
	cr_assert_eq(S[1].routes, 0);
}

/* A speaker that goes away ends its sessions with a Cease the peer reads. */
Test(bgp_net, speaker_going_away_is_seen)
{
	struct bgp_peer_status st;

	side_new(&S[0], "127.0.0.1", 65515, 1);
	side_new(&S[1], "127.0.0.2", 65001, 2);
	peer(1, "gw", "127.0.0.1", 65515, true);
	peer(0, "site", "127.0.0.2", 65001, false);
	cr_assert(run_until(both_up, 5000));
	bgp_speaker_free(S[0].sp);
	S[0].sp = NULL;
	bgp_net_attach(S[0].net, NULL);
	cr_assert(run_until(site_down, 5000));
	cr_assert_eq(bgp_speaker_peer_status(S[1].sp, "gw", &st), 0);
	cr_assert_str_eq(st.last_error, "received Cease/Peer De-configured");
}

/* ---- a closing connection ends with a FIN, not a RST --------------------------------------- */

static int raw_fd = -1;
static uint8_t raw_in[256];
static size_t raw_len;
static int raw_end; /* 1: EOF, -errno: error */

static bool raw_accepted(void)
{
	return bgp_net_conn_count(S[0].net) == 1;
}

static bool raw_done(void)
{
	for (;;) {
		uint8_t tmp[512];
		ssize_t n = recv(raw_fd, tmp, sizeof(tmp), 0);

		if (n > 0) {
			size_t take = (size_t)n < sizeof(raw_in) - raw_len ? (size_t)n
									   : sizeof(raw_in) - raw_len;
			memcpy(raw_in + raw_len, tmp, take);
			raw_len += take;
			continue;
		}
		if (n == 0)
			raw_end = 1;
		else if (errno != EAGAIN)
			raw_end = -errno;
		return raw_end != 0;
	}
}

/*
 * A peer that sends a bad header and then keeps writing: the NOTIFICATION goes out, and the
 * close is our FIN after it (input drained), not a RST that unread input would cause and that
 * can destroy the NOTIFICATION in flight.
 */
Test(bgp_net, a_closing_connection_ends_with_a_fin_after_its_notification)
{
	struct sockaddr_in me = {.sin_family = AF_INET}, gw = {.sin_family = AF_INET};
	static uint8_t junk[256 * 1024];
	size_t sent = 0;

	side_new(&S[0], "127.0.0.1", 65515, 1);
	peer(0, "site", "127.0.0.2", 65001, true);
	raw_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	cr_assert_geq(raw_fd, 0);
	inet_pton(AF_INET, "127.0.0.2", &me.sin_addr);
	inet_pton(AF_INET, "127.0.0.1", &gw.sin_addr);
	gw.sin_port = htons(port);
	cr_assert_eq(bind(raw_fd, (struct sockaddr *)&me, sizeof(me)), 0);
	cr_assert(connect(raw_fd, (struct sockaddr *)&gw, sizeof(gw)) == 0 || errno == EINPROGRESS);
	cr_assert(run_until(raw_accepted, 5000), "the speaker did not accept");
	/* A header whose marker is not all ones (RFC 4271 6.1: 1/1), then 256 KB more. */
	memset(junk, 0, 19);
	junk[16] = 0;
	junk[17] = 19;
	junk[18] = 4;
	memset(junk + 19, 0xab, sizeof(junk) - 19);
	while (sent < sizeof(junk)) {
		ssize_t n = send(raw_fd, junk + sent, sizeof(junk) - sent, MSG_NOSIGNAL);

		if (n <= 0)
			break;
		sent += (size_t)n;
	}
	cr_assert_gt(sent, 19);
	cr_assert(run_until(raw_done, 8000), "the connection did not end");
	cr_assert_eq(raw_end, 1, "the connection ended with %s, not a FIN",
		     raw_end < 0 ? strerror(-raw_end) : "?");
	/* Our OPEN (sent on accept) first, then the NOTIFICATION. */
	size_t at = 0, notif = SIZE_MAX;

	while (at + 19 <= raw_len) {
		size_t len = (size_t)raw_in[at + 16] << 8 | raw_in[at + 17];

		if (raw_in[at + 18] == 3)
			notif = at;
		if (len < 19)
			break;
		at += len;
	}
	cr_assert_neq(notif, SIZE_MAX, "no NOTIFICATION in the %zu bytes that came", raw_len);
	cr_assert_geq(raw_len, notif + 21);
	cr_assert_eq(raw_in[notif + 19], 1, "Message Header Error");
	cr_assert_eq(raw_in[notif + 20], 1, "Connection Not Synchronized");
	close(raw_fd);
	raw_fd = -1;
}
