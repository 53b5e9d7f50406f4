/* SPDX-License-Identifier: MIT */
/*
 * engine: the IKEv2 control plane for every connection of the process (RFC 7296). It owns the
 * connections and their IKE and child SAs, demultiplexes incoming IKE datagrams (by SPI; a new
 * IKE_SA_INIT by the peer's IP, SPEC §1: one connection per remote IP) and runs the timers.
 * It talks to the outside only through an ops table of callbacks carrying plain data: send a
 * datagram, install or remove a CHILD_SA in the data plane, report a connection's status. It
 * owns no socket and no clock: time is clock_now_ns(), datagrams come in through
 * ike_engine_input() and the caller sleeps until ike_engine_next_deadline().
 */
#ifndef VNETGW_IKE_ENGINE_H
#define VNETGW_IKE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp/esp.h"
#include "ike/pld.h"
#include "ike/proposal.h"
#include "lib/addr.h"
#include "lib/secret.h"

#define IKE_PORT      500
#define IKE_NATT_PORT 4500

/* SPEC §3 defaults. */
#define IKE_DEFAULT_IKE_LIFETIME_S    28800
#define IKE_DEFAULT_CHILD_LIFETIME_S  27000
#define IKE_DEFAULT_CHILD_LIFETIME_KB 102400000ull
#define IKE_DEFAULT_DPD_TIMEOUT_S     45
#define IKE_DEFAULT_REKEY_MARGIN_PCT  10
#define IKE_DEFAULT_REKEY_JITTER_PCT  5
/*
 * How long the peer has to delete an SA it created that lost a rekey collision (RFC 7296
 * 2.8.1/2.8.2) before we drop it ourselves: a peer that saw our Delete of the old IKE SA before
 * our answer to its rekey (strongSwan: "peer did not notice IKE_SA rekey collision") never
 * completes, nor deletes, its own.
 */
#define IKE_REDUNDANT_GRACE_S 10

/* Where a datagram goes or came from. Ports in host order. */
struct ike_endpoint {
	struct addr local, peer;
	uint16_t local_port, peer_port;
};

struct ike_conn_config {
	char name[64];
	struct addr local,
		peer; /* the public addresses; also the IDs (ID_IPV4_ADDR/ID_IPV6_ADDR) */
	const struct secret *psk; /* copied by ike_engine_conn_set */
	struct ike_policy policy;
	struct ike_pld_ts ts_local, ts_remote; /* what the connection allows (default any-to-any) */
	uint32_t ike_lifetime_s, child_lifetime_s;
	uint64_t child_lifetime_kb;
	uint32_t dpd_timeout_s;
	bool initiate; /* start the IKE SA ourselves; otherwise wait for the peer */
	/*
	 * Rekeying (RFC 7296 2.8): an SA is rekeyed rekey_margin_pct before the end of its
	 * lifetime, earlier by a random 0 to rekey_jitter_pct of it so that the two sides rarely
	 * collide (defaults 10 and 5: between 85 % and 90 % of the lifetime).
	 */
	uint8_t rekey_margin_pct, rekey_jitter_pct;
};

/* SPEC §3 defaults: default policy, any-to-any selectors, lifetimes, DPD 45 s, initiate. */
void ike_conn_config_default(struct ike_conn_config *c);

enum ike_conn_status {
	IKE_CONN_NOT_CONNECTED,
	IKE_CONN_CONNECTING,
	IKE_CONN_CONNECTED,
};
const char *ike_conn_status_name(enum ike_conn_status s);

/*
 * A CHILD_SA for the data plane, both directions. Keys are borrowed for the call only (copy
 * them, e.g. with esp_sa_new through ike_child_sa_esp_params). ESP is UDP-encapsulated (RFC
 * 3948) on the endpoint's ports when udp_encap, raw IP protocol 50 otherwise.
 */
struct ike_child_sa {
	const char *conn;
	uint32_t spi_in, spi_out;
	uint16_t encr, encr_bits, integ; /* IKE transform IDs (pld.h) */
	bool esn;
	const struct secret *enc_in, *integ_in, *enc_out, *integ_out; /* NULL when absent */
	struct ike_endpoint ep;
	bool udp_encap;
	uint64_t lifetime_s, lifetime_bytes;
	const struct ike_pld_ts *ts_local, *ts_remote;
	/*
	 * child_install: also install the outbound SA and make it the connection's current one.
	 * False for the responder of a rekey, which keeps sending on the old SA until the initiator
	 * deletes it (child_outbound follows then).
	 */
	bool outbound;
};

/*
 * One direction as esp.h takes it (keys borrowed from c). 0, or -ENOTSUP for a transform the
 * data plane lacks. The hard byte limit is the lifetime; the soft one (rekey) 90 % of it.
 * Without ESN the 32-bit sequence number must not wrap (RFC 4303 3.3.3): the soft packet limit
 * asks for a rekey at IKE_CHILD_SOFT_PACKETS, 2^29 packets before the last one (about 9 minutes
 * at a million packets a second), the hard one is the last sequence number. With ESN the
 * counter is 64 bits and no packet limit is set.
 */
#define IKE_CHILD_SOFT_PACKETS (UINT32_MAX - (1u << 29))
#define IKE_CHILD_HARD_PACKETS UINT32_MAX
int ike_child_sa_esp_params(const struct ike_child_sa *c, enum esp_dir dir,
			    struct esp_sa_params *out);

struct ike_engine_ops {
	void *ctx;
	/* Send one IKE message. On port 4500 the sender adds the non-ESP marker (RFC 3948 2.2). */
	void (*send)(void *ctx, const struct ike_endpoint *ep, const uint8_t *data, size_t len);
	/* 0, or a negative errno: the child is then deleted again. */
	int (*child_install)(void *ctx, const struct ike_child_sa *c);
	/* Install c's outbound SA (keys as for child_install) as the current one. */
	int (*child_outbound)(void *ctx, const struct ike_child_sa *c);
	void (*child_remove)(void *ctx, const char *conn, uint32_t spi_in, uint32_t spi_out);
	void (*status)(void *ctx, const char *conn, enum ike_conn_status st, const char *reason);
};

/* Counters of what was dropped without an answer (pre-authentication garbage, SPEC §1). */
struct ike_engine_stats {
	uint64_t malformed;    /* did not parse */
	uint64_t unknown_peer; /* IKE_SA_INIT from an address with no connection */
	uint64_t unknown_spi;  /* no IKE SA with these SPIs */
	uint64_t bad_icv;      /* SK payload did not verify */
	uint64_t bad_msgid;    /* outside the window */
	uint64_t retransmits_answered;
	uint64_t cookies_sent;
	/* Rekeys completed (as either side) and collisions resolved (2.8.1, 2.8.2). */
	uint64_t child_rekeys, ike_rekeys, rekey_collisions;
};

struct ike_engine;

/* ops is copied. NULL when out of memory. */
struct ike_engine *ike_engine_new(const struct ike_engine_ops *ops);
/* Removes every child from the data plane (child_remove), no messages sent; NULL-safe. */
void ike_engine_free(struct ike_engine *e);

/*
 * Add a connection, or update the one with that name (its SAs keep running with their
 * negotiated parameters; new ones use the new config). -EEXIST when another connection has the
 * same peer address, -EINVAL for a config without name, PSK or addresses.
 */
int ike_engine_conn_set(struct ike_engine *e, const struct ike_conn_config *c);
/* Delete its SAs (a Delete is sent, not awaited) and forget it. -ENOENT. */
int ike_engine_conn_remove(struct ike_engine *e, const char *name);

/* Start an IKE SA with its first CHILD_SA now (a no-op while one exists). */
int ike_engine_conn_initiate(struct ike_engine *e, const char *name);
/*
 * Requests on the established IKE SA. Each returns 0 when the request is sent, -ENOENT (no such
 * connection or child), -ENOTCONN (no established IKE SA) or -EBUSY while another request of
 * ours is outstanding (window size 1, RFC 7296 2.3; a Delete of the IKE SA instead waits for it).
 *
 * CREATE_CHILD_SA for another child (PFS when the policy's first ESP suite has a DH group).
 */
int ike_engine_conn_create_child(struct ike_engine *e, const char *name);
/* An empty INFORMATIONAL request (liveness check, RFC 7296 1.4). */
int ike_engine_conn_check_liveness(struct ike_engine *e, const char *name);
/* INFORMATIONAL with a Delete of the child whose inbound SPI is spi_in / of the IKE SA. */
int ike_engine_conn_delete_child(struct ike_engine *e, const char *name, uint32_t spi_in);
int ike_engine_conn_delete_ike(struct ike_engine *e, const char *name);
/* CREATE_CHILD_SA rekeying the child whose inbound SPI is spi_in / the IKE SA (2.8, 2.18). */
int ike_engine_conn_rekey_child(struct ike_engine *e, const char *name, uint32_t spi_in);
int ike_engine_conn_rekey_ike(struct ike_engine *e, const char *name);

/*
 * The data plane's lifetime event for the SA with this SPI and direction: soft starts a rekey
 * of its child, hard deletes the child (RFC 4301 4.4.2.1). -ENOENT when no child has it.
 */
int ike_engine_sa_life(struct ike_engine *e, uint32_t spi, enum esp_dir dir, enum esp_life life);

/*
 * One received IKE message (UDP payload; on port 4500 without the non-ESP marker) with the
 * addresses and ports it came on.
 */
void ike_engine_input(struct ike_engine *e, const struct ike_endpoint *ep, const uint8_t *data,
		      size_t len);
/* Monotonic time of the next timer, UINT64_MAX when none. */
uint64_t ike_engine_next_deadline(const struct ike_engine *e);
/*
 * Run every timer due at clock_now_ns(). Our requests are retransmitted 2, 4, 8, 16 and 32 s
 * after each send (RFC 7296 2.1's exponential back-off); 64 s after the last try the IKE SA is
 * dropped ("peer not responding"). A half-open responder SA lives 30 s.
 */
void ike_engine_run_timers(struct ike_engine *e);

/*
 * Half-open IKE SAs from which on an IKE_SA_INIT must carry our COOKIE (RFC 7296 2.6).
 * Default 10; 0 demands a cookie always.
 */
void ike_engine_set_cookie_threshold(struct ike_engine *e, unsigned int n);
/*
 * Debug key log (off by default): append Wireshark's ikev2_decryption_table and esp_sa lines
 * into files of those names in directory dir (NULL: off). Never enable in production.
 */
void ike_engine_set_keylog(struct ike_engine *e, const char *dir);

const struct ike_engine_stats *ike_engine_stats(const struct ike_engine *e);

/*
 * Tests only: every nonce the engine draws (IKE_SA_INIT, CREATE_CHILD_SA) comes from fn, so that
 * a test can order the nonces of colliding rekeys (RFC 7296 2.8.1). NULL: the CSPRNG again.
 */
void ike_engine_set_nonce_source(struct ike_engine *e,
				 int (*fn)(void *ctx, uint8_t *out, size_t len), void *ctx);

/* What a connection's current IKE SA looks like (for status pages and tests). */
struct ike_conn_info {
	enum ike_conn_status status;
	char reason[128];
	unsigned int n_ike_sas;
	bool established;
	uint64_t spi_i, spi_r;
	bool initiator;
	bool nat_detected;
	struct ike_endpoint ep;
	unsigned int n_children;
	uint32_t child_spi_in[8], child_spi_out[8];
};
int ike_engine_conn_info(const struct ike_engine *e, const char *name, struct ike_conn_info *out);

#endif
