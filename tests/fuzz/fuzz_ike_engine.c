/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the IKE engine's entry point for untrusted datagrams, ike_engine_input,
 * as the daemon calls it. The first byte selects the side:
 *   0: a responder with a connection for the sender's address receives the rest (IKE_SA_INIT
 *      handling: proposals, KE, NAT detection, COOKIE and INVALID_KE answers, SPI demux);
 *   1: an initiator that has just sent its IKE_SA_INIT receives the rest as the answer, with the
 *      first 8 bytes overwritten by its SPIi so the SA is found (COOKIE and INVALID_KE retries,
 *      proposal checks, key exchange, NAT detection, the IKE_AUTH request that follows).
 * The rest of the byte after the mode sets the cookie threshold (bit 1: always demand one).
 * Every datagram the engine sends must itself parse; the clock then runs past every timer so
 * retransmission and teardown paths run and everything is freed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"
#include "ike/msg.h"
#include "lib/clock.h"
#include "lib/log.h"

static uint64_t first_spi_i;

static void on_send(void *ctx, const struct ike_endpoint *ep, const uint8_t *data, size_t len)
{
	struct ike_parse_err err;
	struct ike_msg m;
	struct buf b;

	buf_init_read(&b, data, len);
	if (ike_msg_parse(&m, &b, &err))
		abort(); /* we never emit what we would refuse */
	if (!first_spi_i)
		first_spi_i = m.hdr.spi_i;
}

static int on_install(void *ctx, const struct ike_child_sa *c)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ike_engine_ops ops = {.send = on_send, .child_install = on_install};
	struct ike_conn_config cfg;
	struct ike_endpoint ep = {.local_port = IKE_PORT, .peer_port = IKE_PORT};
	struct secret *psk;
	struct ike_engine *e;
	uint8_t *copy;
	bool initiator;

	if (size < 1)
		return 0;
	log_set_level(LOG_LVL_ERR);
	clock_fake_install(1000 * CLOCK_NS_PER_SEC);
	initiator = data[0] & 1;
	first_spi_i = 0;
	e = ike_engine_new(&ops);
	psk = secret_dup("fuzz", 4);
	if (!e || !psk)
		abort();
	ike_engine_set_cookie_threshold(e, data[0] & 2 ? 0 : 10);
	ike_conn_config_default(&cfg);
	strcpy(cfg.name, "fuzz");
	addr_parse(&cfg.local, "203.0.113.2", NULL, 0);
	addr_parse(&cfg.peer, "198.51.100.1", NULL, 0);
	cfg.psk = psk;
	cfg.initiate = initiator;
	if (ike_engine_conn_set(e, &cfg))
		abort();
	ep.local = cfg.local;
	ep.peer = cfg.peer;
	copy = malloc(size);
	if (!copy)
		abort();
	memcpy(copy, data + 1, size - 1);
	if (initiator && size - 1 >= 8)
		for (int i = 0; i < 8; i++)
			copy[i] = (uint8_t)(first_spi_i >> (56 - 8 * i));
	ike_engine_input(e, &ep, copy, size - 1);
	for (int i = 0; i < 8; i++) {
		clock_fake_advance(60 * CLOCK_NS_PER_SEC);
		ike_engine_run_timers(e);
	}
	ike_engine_free(e);
	secret_free(psk);
	free(copy);
	clock_fake_remove();
	return 0;
}
