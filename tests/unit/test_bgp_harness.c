/* SPDX-License-Identifier: MIT */
/* BGP session test harness: speakers on socket pairs with a fake clock (see the header). */
#include "test_bgp_harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bgp/msg.h"
#include "bgp/update.h"
#include "lib/log.h"
#include "support/hex.h"

struct bgp_harness BH;
static FILE *bh_logf;
static char bh_logpath[64];

static uint64_t bh_now(void *ctx)
{
	return BH.now;
}

static void bh_push(enum bh_ev_kind kind, int link, int sp, uint32_t conn)
{
	cr_assert_lt(BH.n_q, BH_EVENTS, "harness event queue full");
	BH.q[BH.n_q++] = (struct bh_event){kind, link, sp, conn};
}

/* The link whose accept is under way: the speaker sends its OPEN before accept returns. */
static int bh_accepting = -1;

static struct bh_end *end_of(int sp, uint32_t conn, int *link)
{
	if (bh_accepting >= 0) {
		struct bh_end *e = &BH.l[bh_accepting].e[1];

		if (e->sp == sp && !e->accepted && e->fd >= 0) {
			e->conn = conn;
			e->accepted = true;
		}
	}
	for (int k = 0; k < BH.n_links; k++)
		for (int e = 0; e < 2; e++)
			if (BH.l[k].e[e].sp == sp && BH.l[k].e[e].conn == conn &&
			    BH.l[k].e[e].accepted && BH.l[k].e[e].fd >= 0) {
				if (link)
					*link = k;
				return &BH.l[k].e[e];
			}
	return NULL;
}

static int op_connect(void *ctx, uint32_t conn, const struct addr *local, const struct addr *remote,
		      uint16_t port)
{
	int i = (int)(intptr_t)ctx, j, fds[2];
	struct bh_link *l;

	BH.s[i].connects++;
	if (BH.s[i].hang)
		return 0;
	for (j = 0; j < BH.n; j++)
		if (j != i && addr_equal(&BH.s[j].cfg.local, remote) && !BH.s[j].unreachable)
			break;
	if (j == BH.n) {
		bh_push(BH_EV_FAILED, -1, i, conn);
		return 0;
	}
	cr_assert_lt(BH.n_links, BH_LINKS);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
	l = &BH.l[BH.n_links];
	memset(l, 0, sizeof(*l));
	l->e[0] = (struct bh_end){.sp = i, .conn = conn, .fd = fds[0], .accepted = true};
	l->e[1] = (struct bh_end){.sp = j, .fd = fds[1]};
	bh_push(BH_EV_ACCEPT, BH.n_links, j, 0);
	bh_push(BH_EV_CONNECTED, BH.n_links, i, conn);
	BH.n_links++;
	return 0;
}

static void record_sent(int i, uint32_t conn, const uint8_t *data, size_t len)
{
	struct bh_speaker *s = &BH.s[i];
	struct bh_sent *r;
	struct buf b;
	struct bgp_hdr h;
	struct bgp_error err;

	buf_init_read(&b, data, len);
	cr_assert_eq(bgp_msg_parse_header(&b, &h, &err), 0, "speaker %d sent a bad header", i);
	cr_assert_eq(h.len, len, "speaker %d sent %zu bytes for a %u-byte message", i, len, h.len);
	if (s->n_sent == BH_SENT)
		return;
	r = &s->sent[s->n_sent++];
	memset(r, 0, sizeof(*r));
	r->conn = conn;
	r->type = h.type;
	if (h.type == BGP_MSG_NOTIFICATION) {
		buf_get_u8(&b, &r->code);
		buf_get_u8(&b, &r->subcode);
		r->data_len =
			(uint8_t)(buf_left(&b) < sizeof(r->data) ? buf_left(&b) : sizeof(r->data));
		buf_get_bytes(&b, r->data, r->data_len);
	}
}

static int op_send(void *ctx, uint32_t conn, const uint8_t *data, size_t len)
{
	int i = (int)(intptr_t)ctx;
	struct bh_end *e = end_of(i, conn, NULL);
	size_t off = 0;

	record_sent(i, conn, data, len);
	if (!e)
		return -ENOTCONN;
	while (off < len) {
		ssize_t n = send(e->fd, data + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EAGAIN) {
			/* The pair's buffer is full: a test moving this much is broken. */
			cr_assert_fail("socket pair full (speaker %d, conn %u)", i, conn);
		}
		if (n < 0)
			return -errno;
		off += (size_t)n;
	}
	return 0;
}

static void op_close(void *ctx, uint32_t conn)
{
	int i = (int)(intptr_t)ctx;
	struct bh_end *e = end_of(i, conn, NULL);

	if (!e)
		return;
	close(e->fd);
	e->fd = -1;
}

static void op_route(void *ctx, const struct bgp_route_change *ch)
{
	struct bh_speaker *s = &BH.s[(intptr_t)ctx];
	void *old = NULL;

	if (ch->add) {
		struct bh_route *r = calloc(1, sizeof(*r));

		r->prefix = ch->prefix;
		r->nexthop = ch->nexthop;
		snprintf(r->peer, sizeof(r->peer), "%s", ch->peer);
		cr_assert_eq(lpm_insert(s->fib, &ch->prefix, r, &old), 0);
		s->route_adds++;
	} else {
		cr_assert_eq(lpm_remove(s->fib, &ch->prefix, &old), 0,
			     "withdraw of a route never added");
		s->route_dels++;
	}
	free(old);
}

static void op_peer_state(void *ctx, const char *peer, enum bgp_state old, enum bgp_state st,
			  const char *reason)
{
	struct bh_speaker *s = &BH.s[(intptr_t)ctx];
	size_t len = strlen(s->transitions);

	snprintf(s->transitions + len, sizeof(s->transitions) - len, "%s:%s>%s;", peer,
		 bgp_state_name(old), bgp_state_name(st));
}

void bh_setup(void)
{
	memset(&BH, 0, sizeof(BH));
	BH.now = 1000 * 1000000000ull;
	BH.hold = -1;
	snprintf(bh_logpath, sizeof(bh_logpath), "/tmp/bgp-harness-%d.log", (int)getpid());
	bh_logf = fopen(bh_logpath, "w+");
	log_set_output(bh_logf);
	log_set_level(LOG_LVL_DEBUG);
}

static int free_route(const struct prefix *p, void *value, void *arg)
{
	free(value);
	return 0;
}

void bh_teardown(void)
{
	for (int i = 0; i < BH.n; i++) {
		bgp_speaker_free(BH.s[i].sp);
		lpm_walk(BH.s[i].fib, free_route, NULL);
		lpm_free(BH.s[i].fib);
	}
	for (int k = 0; k < BH.n_links; k++) {
		for (int e = 0; e < 2; e++)
			if (BH.l[k].e[e].fd >= 0)
				close(BH.l[k].e[e].fd);
		free(BH.l[k].raw);
	}
	log_set_output(NULL);
	if (bh_logf)
		fclose(bh_logf);
	bh_logf = NULL;
	/* BH_KEEP_LOG=1 keeps the log of a failing test to read. */
	if (!getenv("BH_KEEP_LOG"))
		unlink(bh_logpath);
}

struct addr bh_addr(const char *s)
{
	struct addr a;

	cr_assert_eq(addr_parse(&a, s, NULL, 0), 0, "%s", s);
	return a;
}

struct prefix bh_prefix(const char *s)
{
	struct prefix p;

	cr_assert_eq(prefix_parse(&p, s, 0, NULL, 0), 0, "%s", s);
	return p;
}

int bh_speaker(const char *addr, uint32_t asn, uint32_t router_id)
{
	struct bgp_speaker_ops ops = {.connect = op_connect,
				      .send = op_send,
				      .close = op_close,
				      .route = op_route,
				      .peer_state = op_peer_state,
				      .now = bh_now};
	int i = BH.n++;
	struct bh_speaker *s = &BH.s[i];

	cr_assert_leq(BH.n, BH_SPEAKERS);
	bgp_speaker_config_default(&s->cfg);
	s->cfg.asn = asn;
	s->cfg.router_id = router_id;
	s->cfg.local = bh_addr(addr);
	if (BH.hold >= 0)
		s->cfg.hold_time_s = (uint16_t)BH.hold;
	if (BH.local6)
		s->cfg.local6 = bh_addr(BH.local6);
	/* The site speakers peer with 65515, which only a gateway refuses. */
	s->cfg.allow_reserved_peer_asn = asn != BGP_DEFAULT_ASN;
	ops.ctx = (void *)(intptr_t)i;
	s->fib = lpm_new();
	cr_assert_eq(bgp_speaker_new(&s->sp, &s->cfg, &ops), 0);
	return i;
}

struct bgp_peer_config bh_peer_config(const char *name, const char *addr, uint32_t asn)
{
	struct bgp_peer_config pc;

	bgp_peer_config_default(&pc);
	snprintf(pc.name, sizeof(pc.name), "%s", name);
	pc.addr = bh_addr(addr);
	pc.asn = asn;
	return pc;
}

void bh_peer_add(int i, const struct bgp_peer_config *pc)
{
	int r = bgp_speaker_peer_add(BH.s[i].sp, pc);

	cr_assert_eq(r, 0, "peer %s on speaker %d: %d", pc->name, i, r);
}

static bool run_events(void)
{
	bool moved = BH.n_q > 0;

	/* Events may queue more; take them in order. */
	for (int k = 0; k < BH.n_q; k++) {
		struct bh_event ev = BH.q[k];
		struct bh_link *l = ev.link >= 0 ? &BH.l[ev.link] : NULL;

		switch (ev.kind) {
		case BH_EV_ACCEPT: {
			uint32_t conn;
			int r;
			const struct addr *from = &BH.s[l->e[0].sp].cfg.local;

			if (l->e[1].fd < 0)
				break;
			bh_accepting = ev.link;
			r = bgp_speaker_accept(BH.s[ev.sp].sp, &BH.s[ev.sp].cfg.local, from, &conn);
			bh_accepting = -1;
			if (r == 0) {
				l->e[1].conn = conn;
				l->e[1].accepted = true;
			} else {
				close(l->e[1].fd);
				l->e[1].fd = -1;
			}
			break;
		}
		case BH_EV_CONNECTED:
			if (l->e[0].fd >= 0)
				bgp_speaker_connected(BH.s[ev.sp].sp, ev.conn);
			break;
		case BH_EV_FAILED:
			bgp_speaker_closed(BH.s[ev.sp].sp, ev.conn);
			break;
		}
	}
	BH.n_q = 0;
	return moved;
}

/* Read what is waiting at end e of link k and hand it to its owner. */
static bool deliver(int k, int ei)
{
	struct bh_link *l = &BH.l[k];
	struct bh_end *e = &l->e[ei];
	uint8_t data[65536];
	size_t want = BH.chunk ? BH.chunk : sizeof(data);
	ssize_t n;

	if (e->fd < 0 || !e->accepted || l->frozen)
		return false;
	n = read(e->fd, data, want);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return false;
	if (n <= 0) {
		/* EOF, or a reset (the other end closed with our bytes unread): closed. */
		close(e->fd);
		e->fd = -1;
		if (e->sp >= 0)
			bgp_speaker_closed(BH.s[e->sp].sp, e->conn);
		return true;
	}
	if (e->sp >= 0) {
		bgp_speaker_input(BH.s[e->sp].sp, e->conn, data, (size_t)n);
	} else {
		size_t off = 0;

		while (off < (size_t)n) {
			size_t used;

			bgp_stream_push(l->raw, data + off, (size_t)n - off, &used);
			cr_assert_gt(used, 0, "raw stream full: read it");
			off += used;
		}
	}
	return true;
}

void bh_run(void)
{
	for (int round = 0; round < 100000; round++) {
		bool moved = run_events();

		for (int k = 0; k < BH.n_links; k++)
			for (int e = 0; e < 2; e++)
				if (BH.l[k].e[e].sp >= 0)
					moved |= deliver(k, e);
		if (!moved)
			return;
	}
	cr_assert_fail("bh_run: still moving after 100000 rounds");
}

void bh_advance(uint64_t ms)
{
	const uint64_t step = 100;

	while (ms) {
		uint64_t d = ms < step ? ms : step;

		BH.now += d * 1000000ull;
		ms -= d;
		for (int i = 0; i < BH.n; i++)
			bgp_speaker_run_timers(BH.s[i].sp);
		bh_run();
	}
}

enum bgp_state bh_state(int i, const char *peer)
{
	struct bgp_peer_status st;

	cr_assert_eq(bgp_speaker_peer_status(BH.s[i].sp, peer, &st), 0, "no peer %s", peer);
	return st.state;
}

struct bgp_peer_status bh_status(int i, const char *peer)
{
	struct bgp_peer_status st;

	cr_assert_eq(bgp_speaker_peer_status(BH.s[i].sp, peer, &st), 0, "no peer %s", peer);
	return st;
}

bool bh_wait_state(int i, const char *peer, enum bgp_state st, uint64_t max_ms)
{
	bh_run();
	for (uint64_t t = 0; t <= max_ms; t += 100) {
		if (bh_state(i, peer) == st)
			return true;
		bh_advance(100);
	}
	return bh_state(i, peer) == st;
}

size_t bh_sent_type(int i, uint8_t type)
{
	size_t n = 0;

	for (size_t k = 0; k < BH.s[i].n_sent; k++)
		n += BH.s[i].sent[k].type == type;
	return n;
}

size_t bh_sent_notif(int i, uint8_t code, uint8_t subcode)
{
	size_t n = 0;

	for (size_t k = 0; k < BH.s[i].n_sent; k++)
		n += BH.s[i].sent[k].type == BGP_MSG_NOTIFICATION && BH.s[i].sent[k].code == code &&
		     BH.s[i].sent[k].subcode == subcode;
	return n;
}

const struct bh_route *bh_fib(int i, const char *prefix)
{
	struct prefix p = bh_prefix(prefix);

	return lpm_get(BH.s[i].fib, &p);
}

size_t bh_fib_count(int i)
{
	return lpm_count(BH.s[i].fib);
}

int bh_links_up(void)
{
	int n = 0;

	for (int k = 0; k < BH.n_links; k++)
		n += BH.l[k].e[0].fd >= 0 && BH.l[k].e[1].fd >= 0;
	return n;
}

void bh_freeze(int link)
{
	BH.l[link].frozen = true;
}

int bh_raw_connect(int i, const char *from)
{
	int fds[2], k;
	struct bh_link *l;
	struct addr a = bh_addr(from);
	uint32_t conn;
	int r;

	cr_assert_lt(BH.n_links, BH_LINKS);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
	k = BH.n_links++;
	l = &BH.l[k];
	memset(l, 0, sizeof(*l));
	l->raw = calloc(1, sizeof(*l->raw));
	bgp_stream_init(l->raw);
	l->e[0] = (struct bh_end){.sp = -1, .fd = fds[0], .accepted = true};
	l->e[1] = (struct bh_end){.sp = i, .fd = fds[1]};
	bh_accepting = k;
	r = bgp_speaker_accept(BH.s[i].sp, &BH.s[i].cfg.local, &a, &conn);
	bh_accepting = -1;
	if (r) {
		close(fds[1]);
		l->e[1].fd = -1;
		return -1;
	}
	l->e[1].conn = conn;
	l->e[1].accepted = true;
	bh_run();
	return k;
}

void bh_raw_send(int link, const void *data, size_t len)
{
	cr_assert_eq(send(BH.l[link].e[0].fd, data, len, MSG_NOSIGNAL), (ssize_t)len);
	bh_run();
}

void bh_raw_send_hex(int link, const char *hex)
{
	size_t len;
	uint8_t *p = hex_decode(hex, &len);

	bh_raw_send(link, p, len);
	free(p);
}

static void raw_read(int link)
{
	struct bh_link *l = &BH.l[link];
	uint8_t data[65536];
	ssize_t n;

	while (l->e[0].fd >= 0 && (n = read(l->e[0].fd, data, sizeof(data))) > 0) {
		size_t off = 0;

		while (off < (size_t)n) {
			size_t used;

			bgp_stream_push(l->raw, data + off, (size_t)n - off, &used);
			cr_assert_gt(used, 0, "raw stream full: read it");
			off += used;
		}
	}
}

bool bh_raw_next(int link, uint8_t *type, uint8_t *buf, size_t *len)
{
	struct bgp_error err;
	struct buf msg;
	struct bgp_hdr h;
	struct buf b;

	bh_run();
	raw_read(link);
	if (bgp_stream_next(BH.l[link].raw, &msg, &err) != 1)
		return false;
	b = msg;
	cr_assert_eq(bgp_msg_parse_header(&b, &h, &err), 0);
	*type = h.type;
	if (buf && len) {
		*len = buf_left(&msg);
		buf_get_bytes(&msg, buf, *len);
	}
	return true;
}

bool bh_raw_closed(int link)
{
	struct bh_link *l = &BH.l[link];
	uint8_t c;

	bh_run();
	raw_read(link);
	if (l->e[0].fd < 0)
		return true;
	return read(l->e[0].fd, &c, 1) == 0;
}

void bh_open_msg(struct buf *w, uint32_t asn, uint16_t hold, uint32_t id)
{
	struct bgp_open o = {.version = 4,
			     .my_as = asn > 65535 ? BGP_AS_TRANS : (uint16_t)asn,
			     .hold_time = hold,
			     .bgp_id = id,
			     .cap_mp_ipv4 = true,
			     .cap_mp_ipv6 = true,
			     .cap_refresh = true,
			     .cap_as4 = true,
			     .as4 = asn};

	cr_assert_eq(bgp_msg_build_open(w, &o), 0);
}

bool bh_log_has(const char *needle)
{
	char line[2048];
	bool found = false;

	fflush(bh_logf);
	rewind(bh_logf);
	while (!found && fgets(line, sizeof(line), bh_logf))
		found = strstr(line, needle) != NULL;
	fseek(bh_logf, 0, SEEK_END);
	return found;
}

int bh_raw_establish(int i, const char *peer_name, const char *from, uint32_t asn, uint32_t id)
{
	struct bgp_open o = {.version = 4,
			     .my_as = asn > 65535 ? BGP_AS_TRANS : (uint16_t)asn,
			     .hold_time = 90,
			     .bgp_id = id,
			     .cap_mp_ipv4 = true,
			     .cap_mp_ipv6 = true,
			     .cap_refresh = true,
			     .cap_as4 = true,
			     .as4 = asn};

	return bh_raw_establish_open(i, peer_name, from, &o);
}

int bh_raw_establish_open(int i, const char *peer_name, const char *from, const struct bgp_open *o)
{
	uint8_t mem[BGP_MAX_MSG], type;
	struct buf w;
	int k = bh_raw_connect(i, from);

	cr_assert_geq(k, 0, "speaker %d refused the raw connection from %s", i, from);
	cr_assert(bh_raw_next(k, &type, NULL, NULL) && type == BGP_MSG_OPEN);
	buf_init_write(&w, mem, sizeof(mem));
	cr_assert_eq(bgp_msg_build_open(&w, o), 0);
	bgp_msg_build_keepalive(&w);
	bh_raw_send(k, buf_data(&w), buf_left(&w));
	cr_assert(bh_raw_next(k, &type, NULL, NULL) && type == BGP_MSG_KEEPALIVE);
	cr_assert_eq(bh_state(i, peer_name), BGP_STATE_ESTABLISHED);
	return k;
}

void bh_raw_announce(int link, const char *const *prefixes, size_t n, const uint32_t *as,
		     size_t n_as, const char *nexthop)
{
	struct bgp_as_seg seg = {BGP_ASSEG_SEQUENCE, (uint8_t)n_as};
	struct bgp_attrs a = {
		.have = BGP_HAVE(BGP_ATTR_ORIGIN) | BGP_HAVE(BGP_ATTR_AS_PATH) |
			BGP_HAVE(BGP_ATTR_NEXT_HOP),
		.origin = BGP_ORIGIN_IGP,
		.aspath = {&seg, as, n_as ? 1 : 0, (uint16_t)n_as},
		.nexthop = bh_addr(nexthop),
	};
	struct prefix *list = calloc(n, sizeof(*list));
	size_t done = 0;

	for (size_t k = 0; k < n; k++)
		list[k] = bh_prefix(prefixes[k]);
	while (done < n) {
		struct bgp_update_out u = {.afi = list[0].addr.family == AF_INET6 ? BGP_AFI_IPV6
										  : BGP_AFI_IPV4,
					   .as4 = true,
					   .attrs = &a,
					   .nlri = list + done,
					   .n_nlri = n - done};
		uint8_t mem[BGP_MAX_MSG];
		struct buf w;
		size_t wd, nl;

		buf_init_write(&w, mem, sizeof(mem));
		cr_assert_eq(bgp_update_build(&w, &u, &wd, &nl), 0);
		bh_raw_send(link, buf_data(&w), buf_left(&w));
		done += nl;
	}
	free(list);
}

void bh_raw_withdraw(int link, const char *prefix)
{
	struct prefix p = bh_prefix(prefix);
	struct bgp_update_out u = {.afi = p.addr.family == AF_INET6 ? BGP_AFI_IPV6 : BGP_AFI_IPV4,
				   .as4 = true,
				   .withdrawn = &p,
				   .n_withdrawn = 1};
	uint8_t mem[BGP_MAX_MSG];
	struct buf w;
	size_t wd, nl;

	buf_init_write(&w, mem, sizeof(mem));
	cr_assert_eq(bgp_update_build(&w, &u, &wd, &nl), 0);
	bh_raw_send(link, buf_data(&w), buf_left(&w));
}

size_t bh_raw_drain(int link, uint8_t type)
{
	uint8_t t;
	size_t n = 0;

	while (bh_raw_next(link, &t, NULL, NULL))
		n += t == type;
	return n;
}

void bh_local(int i, const char *const *prefixes, size_t n, size_t n_vnet)
{
	struct bgp_local_prefix *lp = calloc(n ? n : 1, sizeof(*lp));

	for (size_t k = 0; k < n; k++) {
		lp[k].prefix = bh_prefix(prefixes[k]);
		lp[k].vnet = k < n_vnet;
	}
	cr_assert_eq(bgp_speaker_set_local_prefixes(BH.s[i].sp, lp, n), 0);
	free(lp);
	bh_run();
}
