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

/*
 * Dead peer detection. Azure's dpdTimeoutSeconds (9..3600, default 45) names only the time after
 * which an unresponsive peer is declared dead; strongSwan's dpd_delay is the silence after
 * which a liveness check is sent, and for IKEv2 its retransmission schedule, not dpd_timeout
 * (IKEv1 only), decides death. Here both follow from the one setting T = dpd_timeout_s:
 *   - interval D = T / IKE_DPD_INTERVAL_DIV (15 s for 45 s; 3 s for 9 s): when nothing
 *     authenticated came from the peer for D (no IKE message passing its ICV and no ESP packet
 *     accepted on any of its children), an empty INFORMATIONAL request goes out; traffic never
 *     causes a check (RFC 7296 2.4: only silence does);
 *   - the check is retransmitted 2, 4, 8 ... s after each send, without the usual five-try
 *     limit, and the peer is declared dead when T has passed since the last thing it sent
 *     (at least T - D after the check, if a jump of the clock skipped ahead): its SAs are
 *     removed without Delete and the status becomes NotConnected, "peer not responding to
 *     liveness checks (DPD)". Any other request of ours outstanding on a silent SA counts as
 *     the check and is held to the same deadline.
 * So a peer that vanishes right after its last packet is declared dead T later (±1 timer tick).
 */
#define IKE_DPD_INTERVAL_DIV 3

/*
 * Re-initiation of a connection that initiates, after its IKE SA failed (DPD, no answer, a
 * refused IKE_SA_INIT or IKE_AUTH, a Delete from the peer): the n-th retry (n = 0, 1, ...)
 * waits min(IKE_RETRY_BASE_MS * 2^n, IKE_RETRY_MAX_MS) scaled by a random factor in
 * [3/4, 1] (jitter, so that many connections do not retry in step); back to n = 0 once
 * Connected. Status meanwhile: Connecting, with the reason of the last failure.
 */
#define IKE_RETRY_BASE_MS 1000
#define IKE_RETRY_MAX_MS  30000

/*
 * Connected means an IKE SA established with at least one CHILD_SA installed. An IKE SA left
 * without one (the peer deleted the only child, its hard lifetime passed, a new one failed)
 * shows Connecting, "IKE SA up, no CHILD_SA (why)"; a connection that initiates creates a new
 * child on that IKE SA (RFC 7296 1.3.1) after IKE_CHILD_RETRY_BASE_MS, the n-th failed attempt
 * waiting min(IKE_CHILD_RETRY_BASE_MS * 2^n, IKE_CHILD_RETRY_MAX_MS) before the next; a
 * responder-only one waits for the peer to create one. Connected again once a child is in.
 */
#define IKE_CHILD_RETRY_BASE_MS 2000
#define IKE_CHILD_RETRY_MAX_MS	60000

/*
 * What one connection's peer may make us hold (every tenant picks its device and its key, so
 * every tenant's device is a potential attacker of what all tenants share: the data plane's SA
 * table, the engine's time and memory):
 *   children_per_conn   CHILD_SAs that carry traffic (not being replaced) per connection; a
 *                       rekey adds one while the old one goes, so a connection never holds more
 *                       than twice this in all. Beyond: NO_ADDITIONAL_SAS (RFC 7296 1.3).
 *   ike_sas_per_conn    established IKE SAs per connection (rekey overlap and collisions
 *                       included); a superseded one waits IKE_REDUNDANT_GRACE_S at most for the
 *                       peer's Delete. Beyond: NO_ADDITIONAL_SAS.
 *   peer_creates_burst, peer_creates_per_min
 *                       the peer's CREATE_CHILD_SA requests (each a key exchange), a token
 *                       bucket per connection. Beyond: TEMPORARY_FAILURE (2.25: retry later).
 * Every refusal is logged (rate-limited) and counted per connection (ike_conn_info.refused).
 */
struct ike_engine_limits {
	unsigned int children_per_conn;
	unsigned int ike_sas_per_conn;
	unsigned int peer_creates_burst;
	unsigned int peer_creates_per_min;
};
#define IKE_CHILDREN_PER_CONN	  4
#define IKE_SAS_PER_CONN	  4
#define IKE_PEER_CREATES_BURST	  10
#define IKE_PEER_CREATES_PER_MIN  10
/* The most CHILD_SAs (inbound SAs in the data plane) one connection can hold. */
#define IKE_CHILDREN_HARD(limits) (2 * (limits)->children_per_conn)

/* What the engine refused a connection's peer, by reason (per connection). */
struct ike_conn_refusals {
	uint64_t children;	/* CREATE_CHILD_SA past children_per_conn */
	uint64_t ike_sas;	/* IKE_AUTH or IKE rekey past ike_sas_per_conn */
	uint64_t rate;		/* CREATE_CHILD_SA past the peer's token bucket */
	uint64_t unauthenticated; /* IKE_SA_INIT refused (no proposal, ...): never a status change */
	uint64_t spi_clash;	/* a CHILD_SA whose outbound SPI another child of it already has */
};

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
	/*
	 * Dead peer detection (RFC 7296 2.4), IKE_DPD_* below: when nothing authenticated came
	 * from the peer (IKE or ESP on any child) for a third of this, a liveness check goes out;
	 * when this much time passes without anything, the peer is dead. 9..3600 s (the
	 * configuration checks); 0 turns DPD off.
	 */
	uint32_t dpd_timeout_s;
	bool initiate;	 /* start the IKE SA ourselves (and again after failures, with back-off) */
	bool no_respond; /* initiator only: an IKE_SA_INIT from the peer is dropped, unanswered */
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
	/*
	 * Optional (DPD): clock_now_ns() of the last ESP packet accepted on the child with inbound
	 * SPI spi_in, 0 when none or unknown. Asked only when DPD is about to act, so the data
	 * plane keeps a plain per-SA timestamp and nothing is pushed per packet.
	 */
	uint64_t (*child_last_rx)(void *ctx, const char *conn, uint32_t spi_in);
};

/* Counters of what was dropped without an answer (pre-authentication garbage, SPEC §1). */
struct ike_engine_stats {
	uint64_t malformed;    /* did not parse */
	uint64_t unknown_peer; /* IKE_SA_INIT from an address with no connection */
	uint64_t unknown_spi;  /* no IKE SA with these SPIs */
	uint64_t bad_icv;      /* SK payload did not verify */
	uint64_t bad_msgid;    /* outside the window */
	/*
	 * Half-open flood handling (RFC 7296 2.6). Each IKE_SA_INIT request refused here left no
	 * state behind; cookies_sent counts every COOKIE answer whatever its reason.
	 */
	uint64_t cookie_invalid;    /* carried a COOKIE not ours, or from an expired secret */
	uint64_t source_limited;    /* no valid COOKIE, its address at the per-source limit */
	uint64_t source_blocked;    /* valid COOKIE, but its address's half-open SAs all verified */
	uint64_t source_evicted;    /* an unverified half-open SA replaced by a verified request */
	uint64_t half_open_cap;	    /* dropped: the global cap of half-open SAs reached */
	uint64_t half_open_expired; /* half-open SAs removed by their 30 s timeout */
	uint64_t cookie_rotations;  /* cookie secrets replaced */
	uint64_t retransmits_answered;
	uint64_t cookies_sent;
	uint64_t invalid_spi_sent; /* INVALID_SPI notifies about unknown ESP SPIs (2.21.4) */
	uint64_t dpd_checks;	   /* liveness checks started by DPD */
	uint64_t dpd_dead;	   /* peers declared dead */
	uint64_t retries;	   /* re-initiations after a failure */
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

/*
 * Start an IKE SA with its first CHILD_SA now (a no-op while one exists). Also cancels a
 * pending back-off and lifts the hold that ike_engine_conn_delete_ike put on re-initiation.
 */
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
/* An operator's Delete: the connection is not re-initiated until ike_engine_conn_initiate. */
int ike_engine_conn_delete_ike(struct ike_engine *e, const char *name);
/* CREATE_CHILD_SA rekeying the child whose inbound SPI is spi_in / the IKE SA (2.8, 2.18). */
int ike_engine_conn_rekey_child(struct ike_engine *e, const char *name, uint32_t spi_in);
int ike_engine_conn_rekey_ike(struct ike_engine *e, const char *name);

/*
 * The data plane's lifetime event for connection conn's SA with this SPI and direction: soft
 * starts a rekey of its child, hard deletes the child (RFC 4301 4.4.2.1). Looked up through the
 * connection: outbound SPIs are the peer's choice, not unique across connections. -ENOENT when
 * no child of conn has it.
 */
int ike_engine_sa_life(struct ike_engine *e, const char *conn, uint32_t spi, enum esp_dir dir,
		       enum esp_life life);

/*
 * One received IKE message (UDP payload; on port 4500 without the non-ESP marker) with the
 * addresses and ports it came on.
 */
void ike_engine_input(struct ike_engine *e, const struct ike_endpoint *ep, const uint8_t *data,
		      size_t len);
/*
 * ESP arrived for an inbound SPI we do not know (the data plane dropped it), from ep->peer
 * (RFC 7296 2.21.4, a peer that lost our SAs or we lost its). From a configured peer: with an
 * established IKE SA, an INVALID_SPI notify about spi goes out in an INFORMATIONAL request (at
 * a bounded rate: at most one per IKE SA per second); without one, a connection that initiates
 * starts now instead of waiting for its back-off, and an IKE_SA_INIT of ours waiting for its
 * next retransmission is sent again now (when its last send is a second old). Anyone else: ignored.
 */
void ike_engine_esp_unknown_spi(struct ike_engine *e, const struct ike_endpoint *ep, uint32_t spi);
/* Monotonic time of the next timer, UINT64_MAX when none. */
uint64_t ike_engine_next_deadline(const struct ike_engine *e);
/*
 * Run every timer due at clock_now_ns(). Our requests are retransmitted 2, 4, 8, 16 and 32 s
 * after each send (RFC 7296 2.1's exponential back-off); 64 s after the last try the IKE SA is
 * dropped ("peer not responding"); liveness checks follow the DPD budget instead (above). A
 * half-open responder SA lives 30 s. Re-initiation back-off timers run here too.
 */
void ike_engine_run_timers(struct ike_engine *e);

/* The limits above (defaults IKE_*_PER_CONN ...); a zero member keeps its default. */
void ike_engine_set_limits(struct ike_engine *e, const struct ike_engine_limits *l);
const struct ike_engine_limits *ike_engine_limits(const struct ike_engine *e);

/*
 * Half-open IKE SAs from which on an IKE_SA_INIT must carry our COOKIE (RFC 7296 2.6).
 * Default 10; 0 demands a cookie always.
 */
void ike_engine_set_cookie_threshold(struct ike_engine *e, unsigned int n);

/*
 * Bounds on half-open responder IKE SAs (IKE_SA_INIT answered, IKE_AUTH not yet), strongSwan's
 * block_threshold and init_limit_half_open. per_source (default 5): from one address at most
 * that many; beyond, a request without a valid COOKIE is asked for one (so a spoofer of a
 * peer's address cannot lock the peer out), and a request with one replaces the address's
 * oldest SA that was not cookie-verified, or is dropped if all were. max (default
 * IKE_HALF_OPEN_MAX): beyond, every request is dropped. Each half-open SA holds at most
 * IKE_HALF_OPEN_SA_BYTES of heap, so they hold at most max * IKE_HALF_OPEN_SA_BYTES in all.
 */
#define IKE_HALF_OPEN_PER_SOURCE 5
#define IKE_HALF_OPEN_MAX	 512
#define IKE_HALF_OPEN_SA_BYTES	 (16 * 1024)
void ike_engine_set_half_open_limits(struct ike_engine *e, unsigned int per_source,
				     unsigned int max);
/* Half-open responder IKE SAs now. */
unsigned int ike_engine_half_open(const struct ike_engine *e);
/*
 * Whether an IKE_SA_INIT must carry a COOKIE now: from the moment the half-open count reaches
 * the threshold until it has stayed below it for IKE_COOKIE_CALMDOWN_S (strongSwan's calm-down:
 * an initiator retrying under attack is not answered with and without cookies in turn).
 */
#define IKE_COOKIE_CALMDOWN_S 10
bool ike_engine_cookies_required(const struct ike_engine *e);
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

/*
 * Tests only: the inbound SPI of every child the engine makes comes from fn while it is set
 * (a test-only peer that plays an attacker picks its SPIs as it likes). NULL: random again.
 */
void ike_engine_set_spi_source(struct ike_engine *e, int (*fn)(void *ctx, uint32_t *spi),
			       void *ctx);

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
	struct ike_conn_refusals refused;
	uint64_t retry_at;	/* clock_now_ns() of the next re-initiation, 0 when none */
	unsigned int n_retries; /* re-initiations since the last Connected */
	uint32_t child_spi_in[8], child_spi_out[8];
	unsigned int requests_pending; /* ours queued or outstanding on the current IKE SA */
};
int ike_engine_conn_info(const struct ike_engine *e, const char *name, struct ike_conn_info *out);

#endif
