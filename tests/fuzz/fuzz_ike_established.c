/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for what an authenticated peer can send (issue 14: every tenant's device is
 * a potential attacker, and it holds the keys of its own IKE SA): the exchange handlers behind
 * exchange.c's dispatch. Two engines establish an IKE SA over an in-memory network (x25519, no
 * PFS, so that it takes well under a millisecond); then the peer's side sends the fuzzed
 * payloads inside SK on that SA, through ike_engine_input as the daemon calls it.
 *
 * Input: byte 0 selects what is sent: bits 0-1 the exchange (IKE_AUTH, CREATE_CHILD_SA,
 * INFORMATIONAL, CREATE_CHILD_SA), bit 2 a response to a request the gateway has just sent (bits
 * 3-4: a CREATE_CHILD_SA, a child rekey, an IKE rekey, a liveness check) instead of a request,
 * bit 5 from the original initiator's side instead. The rest is payloads, each
 * [type][length 16-bit][body]; what is left when a length runs past the end is the last body.
 * Every datagram the gateway sends must itself parse; then the clock runs past every timer so
 * every path to teardown runs and everything is freed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"
#include "ike/msg.h"
#include "ike/sa.h"
#include "ike/sk.h"
#include "lib/clock.h"
#include "lib/log.h"

#define QMAX 16

struct pkt {
	int to;
	struct ike_endpoint ep;
	uint8_t data[4096];
	size_t len;
};

static struct pkt q[QMAX];
static unsigned int nq;
static struct ike_engine *eng[2];

static void queue(int to, const struct ike_endpoint *ep, const uint8_t *data, size_t len)
{
	struct ike_parse_err err;
	struct ike_msg m;
	struct buf b;

	buf_init_read(&b, data, len);
	if (ike_msg_parse(&m, &b, &err))
		abort(); /* we never emit what we would refuse */
	if (nq == QMAX || len > sizeof(q[0].data))
		return;
	q[nq].to = to;
	q[nq].ep = *ep;
	memcpy(q[nq].data, data, len);
	q[nq].len = len;
	nq++;
}

static void send0(void *ctx, const struct ike_endpoint *ep, const uint8_t *d, size_t n)
{
	queue(1, ep, d, n);
}

static void send1(void *ctx, const struct ike_endpoint *ep, const uint8_t *d, size_t n)
{
	queue(0, ep, d, n);
}

static int install(void *ctx, const struct ike_child_sa *c)
{
	return 0;
}

static int outbound(void *ctx, const struct ike_child_sa *c)
{
	return 0;
}

/* Deliver what is in flight, as the other side receives it (addresses swapped). */
static void run(void)
{
	for (int rounds = 0; nq && rounds < 64; rounds++) {
		struct pkt p = q[0];
		struct ike_endpoint ep = {.local = p.ep.peer,
					  .peer = p.ep.local,
					  .local_port = p.ep.peer_port,
					  .peer_port = p.ep.local_port};

		memmove(&q[0], &q[1], (nq - 1) * sizeof(q[0]));
		nq--;
		ike_engine_input(eng[p.to], &ep, p.data, p.len);
	}
}

static int configure(int i, struct secret *psk)
{
	struct ike_conn_config c;

	ike_conn_config_default(&c);
	strcpy(c.name, "fuzz");
	addr_parse(&c.local, i ? "203.0.113.2" : "198.51.100.1", NULL, 0);
	addr_parse(&c.peer, i ? "198.51.100.1" : "203.0.113.2", NULL, 0);
	c.psk = psk;
	c.initiate = i == 0;
	c.policy.ike.propose.n = 1;
	c.policy.esp.propose.n = 1;
	if (ike_suite_parse(&c.policy.ike.propose.s[0], IKE_PROTO_IKE,
			    "aes128gcm16-prfsha256-x25519") ||
	    ike_suite_parse(&c.policy.esp.propose.s[0], IKE_PROTO_ESP, "aes128gcm16"))
		abort();
	return ike_engine_conn_set(eng[i], &c);
}

/* The payloads of the input into the open SK payload. */
static void add_payloads(struct ike_msg_writer *w, const uint8_t *p, size_t n)
{
	while (n >= 3) {
		uint8_t type = p[0];
		size_t len = (size_t)p[1] << 8 | p[2];

		p += 3;
		n -= 3;
		if (len > n)
			len = n;
		ike_msg_add_opaque(w, type, p, len);
		p += len;
		n -= len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t exchanges[4] = {IKE_EXCH_AUTH, IKE_EXCH_CREATE_CHILD_SA,
					     IKE_EXCH_INFORMATIONAL, IKE_EXCH_CREATE_CHILD_SA};
	const struct ike_engine_ops ops[2] = {
		{.send = send0, .child_install = install, .child_outbound = outbound},
		{.send = send1, .child_install = install, .child_outbound = outbound},
	};
	struct ike_conn_info info;
	struct secret *psk;
	struct ike_sa *from;
	struct ike_hdr h = {.version = IKE_VERSION};
	struct ike_msg_writer w;
	struct ike_endpoint ep;
	static uint8_t mem[8192];
	struct buf b;
	bool response, from_initiator;
	int sender;

	if (size < 1)
		return 0;
	log_set_level(LOG_LVL_ERR);
	clock_fake_install(1000 * CLOCK_NS_PER_SEC);
	nq = 0;
	psk = secret_dup("fuzz-psk", 8);
	eng[0] = ike_engine_new(&ops[0]);
	eng[1] = ike_engine_new(&ops[1]);
	if (!psk || !eng[0] || !eng[1] || configure(1, psk) || configure(0, psk))
		abort();
	run();
	if (ike_engine_conn_info(eng[0], "fuzz", &info) || !info.established)
		abort(); /* the fixture itself must work */
	response = data[0] & 4;
	from_initiator = data[0] & 32;
	/* The gateway is side 1 (the responder); the attacker sends as side 0, or the reverse. */
	sender = from_initiator ? 0 : 1;
	if (response) {
		/* Make the receiver ask something, and answer it with the fuzzed payloads. */
		static int (*const ask[4])(struct ike_engine *, const char *) = {
			ike_engine_conn_create_child, ike_engine_conn_rekey_ike,
			ike_engine_conn_check_liveness, ike_engine_conn_create_child};

		ask[(data[0] >> 3) & 3](eng[1 - sender], "fuzz");
		nq = 0; /* the real answer never comes */
	}
	from = eng[sender]->sas;
	while (from && from->state != IKE_SA_STATE_ESTABLISHED)
		from = from->next;
	if (!from || !from->sk_out)
		abort();
	h.spi_i = from->spi_i;
	h.spi_r = from->spi_r;
	h.exchange = exchanges[data[0] & 3];
	h.flags = (uint8_t)((from->initiator ? IKE_FLAG_I : 0) | (response ? IKE_FLAG_R : 0));
	if (response) {
		struct ike_sa *to = ike_sa_by_our_spi(eng[1 - sender],
						      from->initiator ? from->spi_r : from->spi_i);

		h.msgid = to ? to->req.msgid : 0;
	} else {
		h.msgid = from->req_msgid_next;
	}
	buf_init_write(&b, mem, sizeof(mem));
	ike_msg_write_begin(&w, &b, &h);
	if (ike_msg_write_sk_begin(&w, from->sk_out))
		abort();
	add_payloads(&w, data + 1, size - 1);
	if (ike_msg_write_end(&w) == 0) {
		ep = (struct ike_endpoint){.local = from->ep.peer,
					   .peer = from->ep.local,
					   .local_port = from->ep.peer_port,
					   .peer_port = from->ep.local_port};
		ike_engine_input(eng[1 - sender], &ep, buf_data(&b), buf_left(&b));
	}
	run();
	for (int i = 0; i < 8; i++) {
		clock_fake_advance(60 * CLOCK_NS_PER_SEC);
		ike_engine_run_timers(eng[0]);
		ike_engine_run_timers(eng[1]);
		run();
	}
	ike_engine_free(eng[0]);
	ike_engine_free(eng[1]);
	secret_free(psk);
	clock_fake_remove();
	return 0;
}
