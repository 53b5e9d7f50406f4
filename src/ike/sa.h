/* SPDX-License-Identifier: MIT */
/*
 * sa: the IKE SA and its child SAs, shared by the engine, the exchanges (init.c, auth.c,
 * child.c, info.c, rekey_ike.c), exchange.c that dispatches their messages, rekey.c and
 * timers.c. Internal to src/ike: the outside uses engine.h. One enum of states for the SA and
 * one for a child; every transition goes through ike_sa_set_state() / ike_child_set_state(),
 * which log "old -> new (why)". Message-ID windows are of size 1 (RFC 7296 2.3): one request of
 * ours outstanding (exchange.h queues the rest), and the response to the peer's last request
 * cached for its retransmissions (2.1).
 */
#ifndef VNETGW_IKE_SA_H
#define VNETGW_IKE_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/dh.h"
#include "crypto/prf.h"
#include "ike/cookie.h"
#include "ike/engine.h"
#include "ike/exchange.h"
#include "ike/msg.h"
#include "ike/proposal.h"
#include "lib/buf.h"
#include "lib/hmap.h"
#include "lib/log.h"
#include "lib/secret.h"

#define IKE_NONCE_LEN  32
#define IKE_MSG_BUF    4096
#define IKE_COOKIE_MAX 64

enum ike_sa_state {
	IKE_SA_STATE_NEW,	  /* created, nothing sent */
	IKE_SA_STATE_INIT_SENT,	  /* initiator: IKE_SA_INIT request out */
	IKE_SA_STATE_INIT_DONE,	  /* responder: IKE_SA_INIT answered, waiting for IKE_AUTH */
	IKE_SA_STATE_AUTH_SENT,	  /* initiator: IKE_AUTH request out */
	IKE_SA_STATE_ESTABLISHED, /* authenticated both ways */
	IKE_SA_STATE_REKEYED,  /* replaced by a rekey (2.18): no children, waits for the Delete */
	IKE_SA_STATE_DELETING, /* our Delete (or error notify) is out, waiting for its answer */
	IKE_SA_STATE_DEAD,     /* done; freed by the engine after the current event */
};
const char *ike_sa_state_name(enum ike_sa_state s);

enum ike_child_state {
	IKE_CHILD_ACTIVE,   /* carries traffic */
	IKE_CHILD_REKEYING, /* our CREATE_CHILD_SA with REKEY_SA for it is out */
	IKE_CHILD_REKEYED, /* replaced; its inbound SA accepts until the old one is deleted (2.8) */
	IKE_CHILD_REDUNDANT, /* the loser of a rekey collision (2.8.1), deleted by its creator */
	IKE_CHILD_DELETING,  /* our Delete for it is out */
};
const char *ike_child_state_name(enum ike_child_state s);

struct ike_child {
	struct ike_child *next;
	struct ike_sa *sa;	     /* the IKE SA it lives on (changes when an IKE rekey moves it) */
	struct hmap_node by_spi_in; /* in the engine's children, while installed */
	uint32_t spi_in, spi_out; /* host order */
	struct ike_suite suite;	  /* ESP */
	struct ike_pld_ts ts_local, ts_remote;
	bool installed;	 /* its inbound SA is in the data plane */
	bool out_active; /* its outbound SA was made the connection's current one */
	bool out_held;	 /* held_* below wait for ike_sa_child_activate */
	enum ike_child_state state;
	/* The rekey that made it: the child it replaces and who started that exchange. */
	uint32_t replaces_spi_in;
	bool we_created;
	/* The lower nonce of the exchange that created it (2.8.1 compares the lowest of four). */
	uint8_t nonce_lo[IKE_NONCE_MAX];
	size_t nonce_lo_len;
	/*
	 * Rekey responder: the outbound keys, held until the initiator deletes the old child and
	 * so has the new inbound SA for certain (make before break); NULL once installed.
	 */
	struct secret *held_enc_out, *held_integ_out;
	uint64_t soft_ns, hard_ns; /* time lifetime: rekey at soft, delete at hard */
	const char *soft_why;	   /* what brought soft_ns forward (static text), NULL: time */
	unsigned int rekey_tries;
};

/* A child being negotiated by our CREATE_CHILD_SA / IKE_AUTH request. */
struct ike_child_pending {
	uint32_t spi_in;
	struct hmap_node reserved; /* spi_in in the engine's reserved SPIs, while non-zero */
	uint8_t nonce[IKE_NONCE_LEN];
	struct crypto_dh *dh;
	struct ike_pld_ts tsi, tsr;
	uint64_t ike_spi; /* IKE_TASK_REKEY_IKE: our SPI of the new IKE SA */
};

struct ike_conn;
struct ike_engine;
struct ike_keys;
struct ike_sk;

struct ike_sa {
	struct ike_sa *next;	   /* every SA of the engine */
	struct ike_sa *conn_next; /* the SAs of its connection */
	struct ike_sa *dead_next; /* on the engine's list of SAs to free (reap) */
	struct hmap_node by_spi;  /* in the engine's SAs by our SPI */
	struct ike_engine *eng;
	struct ike_conn *conn;
	enum ike_sa_state state;
	bool initiator;		/* the original initiator (RFC 7296 2.2: the I flag) */
	/*
	 * The peer answered at its address: a message on this SA decrypted with its keys, which
	 * only who received our IKE_SA_INIT response can make (return routability, like a
	 * COOKIE). Until then a responder's SA is anyone's, and its end changes nothing.
	 */
	bool peer_verified;
	uint64_t spi_i, spi_r;	/* host order */
	struct ike_endpoint ep; /* where our messages go */
	bool nat_local, nat_remote;
	struct ike_chosen chosen; /* the IKE suite */
	struct crypto_dh *dh;
	uint8_t nonce[IKE_NONCE_LEN]; /* ours */
	uint8_t peer_nonce[IKE_NONCE_MAX];
	size_t peer_nonce_len;
	struct ike_keys *keys; /* sa_keys.c */
	struct ike_sk *sk_in, *sk_out;
	uint8_t *init_req, *init_resp; /* the IKE_SA_INIT messages AUTH signs (2.15) */
	size_t init_req_len, init_resp_len;
	uint8_t cookie[IKE_COOKIE_MAX];
	size_t cookie_len;
	bool cookie_verified; /* responder: the IKE_SA_INIT carried our valid COOKIE (2.6) */
	unsigned int init_attempts;

	/* Our requests (2.3): next Message ID, the one outstanding (its task), those queued. */
	uint32_t req_msgid_next;
	struct {
		enum ike_task_kind kind; /* IKE_TASK_NONE: the window is free */
		uint32_t arg;
		const char *why;
		uint32_t msgid;
		uint8_t *pkt;
		size_t len;
		unsigned int tries;
		uint64_t deadline;
	} req;
	struct ike_task tasks[IKE_TASKS_MAX];
	unsigned int n_tasks;
	unsigned int dispatching; /* ike_exchange_enter depth: queued tasks start at the leave */
	struct ike_child_pending pend;
	unsigned int child_ke_retries; /* INVALID_KE_PAYLOAD retries of the current child */

	/* The peer's requests: the Message ID expected next and the last response, cached. */
	uint32_t resp_msgid_next;
	uint8_t *resp_pkt;
	size_t resp_len;
	bool resp_valid;

	struct ike_child *children;
	uint64_t half_open_deadline;
	uint64_t lifetime_deadline; /* soft: rekey (rekey.c) */
	uint64_t hard_deadline;	    /* the IKE SA's lifetime: deleted if not rekeyed by then */
	/* IKE rekey (2.18): the exchange's lower nonce, and the peer's new SA we answered (2.8.2).
	 */
	uint8_t nonce_lo[IKE_NONCE_MAX];
	size_t nonce_lo_len;
	struct ike_sa *peer_rekey; /* the SA the peer's rekey of this one made; NULL */
	unsigned int rekey_tries;
	const char *rekey_why; /* why our current rekey (child or IKE) started: static text */
	uint64_t last_rx_ns;   /* the last authenticated message from the peer, or ESP on a child */
	uint64_t dpd_deadline; /* when DPD looks again (ESTABLISHED only), 0 when off */
	uint64_t dpd_check_ns; /* when the current silence's check started, 0 when none */
	uint64_t dpd_dead_ns;  /* then: the peer is dead at this time unless something arrives */
	uint64_t invalid_spi_ns; /* the last INVALID_SPI notify we sent (rate limit, 2.21.4) */
	/* Established but left without a CHILD_SA (timers.c): when we create one next (0: not
	 * scheduled), how many attempts since the last child was installed. */
	bool no_child;
	uint64_t child_retry_deadline;
	unsigned int child_retry_n;
};

struct ike_conn {
	struct ike_conn *next;
	struct hmap_node by_name, by_peer; /* in the engine's connections */
	struct ike_sa *sas;		   /* its IKE SAs (sa->conn_next) */
	struct ike_conn_config cfg;	   /* cfg.psk points at psk */
	struct secret *psk;
	enum ike_conn_status status;
	char reason[128];
	/* Re-initiation after failures (timers.c): when, how many since Connected, and whether an
	 * operator's Delete holds it back. */
	uint64_t retry_deadline;
	unsigned int retry_n;
	bool retry_hold;
	bool retrying; /* the engine is starting a scheduled re-initiation */
	/* The peer's CREATE_CHILD_SA requests: a token bucket (engine.h's limits). */
	uint64_t create_tokens_milli, create_refill_ns;
	struct ike_conn_refusals refused;
	struct log_ratelimit rl_refused;
};

struct ike_engine {
	struct ike_engine_ops ops;
	struct ike_engine_limits limits;
	struct ike_conn *conns;
	struct ike_sa *sas;
	/*
	 * Lookups in O(1), whatever the number of tenants (issue 14): connections by name and by
	 * peer address, SAs by our SPI, installed children and reserved SPIs by inbound SPI.
	 */
	struct hmap conns_by_name, conns_by_peer, sas_by_spi, children_by_spi, spis_reserved;
	struct ike_sa *dead; /* SAs that reached DEAD, freed by reap() after the event */
	unsigned int half_open; /* responder SAs in INIT_DONE */
	struct ike_engine_stats stats;
	unsigned int cookie_threshold;
	unsigned int half_open_per_source, half_open_max;
	uint64_t cookies_until; /* cookies required until then (calm-down), 0: not since start */
	struct ike_cookie_secrets cookies;
	char *keylog_dir;
	struct log_ratelimit rl_drop;	     /* log lines about dropped datagrams */
	struct log_ratelimit rl_invalid_spi; /* INVALID_IKE_SPI answers (2.21.4) */
	int (*nonce_fn)(void *ctx, uint8_t *out, size_t len); /* tests only (engine.h) */
	void *nonce_ctx;
	int (*spi_fn)(void *ctx, uint32_t *spi); /* tests only (engine.h) */
	void *spi_ctx;
};

/* ---- sa.c --------------------------------------------------------------------------------- */

struct ike_sa *ike_sa_new(struct ike_engine *e, struct ike_conn *conn, bool initiator,
			  const struct ike_endpoint *ep);
/* Unlink happens in the engine's reaper; this frees (children must be removed first). */
void ike_sa_free(struct ike_sa *sa);
void ike_sa_set_state(struct ike_sa *sa, enum ike_sa_state st, const char *why);
/* A random non-zero SPI not used by any SA / child of the engine. */
int ike_sa_new_spi(struct ike_engine *e, uint64_t *out);
int ike_child_new_spi(struct ike_engine *e, uint32_t *out);
uint64_t ike_sa_our_spi(const struct ike_sa *sa);
/* A fresh nonce: the CSPRNG, or the test hook when one is set. */
int ike_nonce_new(struct ike_engine *e, uint8_t *out, size_t len);
/* The peer's nonce and ours, as Ni and Nr by role. */
void ike_sa_nonces(const struct ike_sa *sa, struct buf *ni, struct buf *nr);

/* The connection's status, reported through ops->status when it changes. */
void ike_conn_set_status(struct ike_conn *c, struct ike_engine *e, enum ike_conn_status st,
			 const char *reason);
/* Tear down: remove children from the data plane, report, state DEAD. */
void ike_sa_fail(struct ike_sa *sa, const char *reason);

/* Children. */
void ike_child_free(struct ike_child *c); /* NULL-safe; wipes held keys */
void ike_child_set_state(struct ike_sa *sa, struct ike_child *c, enum ike_child_state st,
			 const char *why);
struct ike_child *ike_sa_child_by_spi_in(struct ike_sa *sa, uint32_t spi_in);
struct ike_child *ike_sa_child_by_spi_out(struct ike_sa *sa, uint32_t spi_out);
/*
 * Hand a negotiated child with its keys to the data plane and keep it. Its outbound SA becomes
 * the current one unless c->held (a rekey responder's: then the outbound keys are kept until
 * ike_sa_child_activate). 0 or negative errno.
 */
int ike_sa_child_install(struct ike_sa *sa, struct ike_child *c, bool outbound,
			 const struct secret *enc_in, const struct secret *integ_in,
			 const struct secret *enc_out, const struct secret *integ_out);
/* Make a held child's outbound SA the current one (rekey responder, 2.8). */
void ike_sa_child_activate(struct ike_sa *sa, struct ike_child *c);
/*
 * Remove from the data plane and forget. A child that replaced c (a rekey we answered) gets its
 * outbound SA first, so the connection never lacks one (make before break).
 */
void ike_sa_child_remove(struct ike_sa *sa, struct ike_child *c, const char *why);
void ike_sa_children_remove(struct ike_sa *sa, const char *why);

/* Building and sending. */
struct ike_out {
	uint8_t mem[IKE_MSG_BUF];
	struct buf b;
	struct ike_msg_writer w;
};
/* Header from the SA; encrypted unless IKE_SA_INIT. */
int ike_sa_out_begin(struct ike_sa *sa, struct ike_out *o, uint8_t exchange, bool response,
		     uint32_t msgid);
/* Finish, keep a copy for retransmission, send, arm the retransmission timer; t is what it is. */
int ike_sa_send_request(struct ike_sa *sa, struct ike_out *o, const struct ike_task *t);
/* Finish, cache for the peer's retransmissions (2.1), send. */
int ike_sa_send_response(struct ike_sa *sa, struct ike_out *o);
void ike_sa_send_raw(struct ike_sa *sa, const uint8_t *p, size_t len);
/* Answer the request m with a single notify (an error that keeps the IKE SA, 1.3, 2.21). */
void ike_sa_respond_notify(struct ike_sa *sa, const struct ike_msg *m, uint16_t type,
			   const void *data, size_t len);
/* The next Message ID for a request of ours; -EBUSY while one is outstanding. */
int ike_sa_request_begin(struct ike_sa *sa, struct ike_out *o, uint8_t exchange);

/* Payload helpers: parse the first visible payload of type into out. 0, -ENOENT, -EBADMSG. */
int ike_msg_get_sa(const struct ike_msg *m, struct ike_pld_sa *out);
int ike_msg_get_ke(const struct ike_msg *m, struct ike_pld_ke *out);
int ike_msg_get_nonce(const struct ike_msg *m, struct ike_pld_nonce *out);
int ike_msg_get_id(const struct ike_msg *m, uint8_t type, struct ike_pld_id *out);
int ike_msg_get_auth(const struct ike_msg *m, struct ike_pld_auth *out);
int ike_msg_get_ts(const struct ike_msg *m, uint8_t type, struct ike_pld_ts *out);
/* ESP SPIs travel as 4 bytes in network order (SA proposals, 3.3.1). */
void ike_spi_to_bytes(uint32_t spi, uint8_t out[4]);
uint32_t ike_spi_from_bytes(const uint8_t b[4]);
/* A KE payload with dh's group and public value. */
int ike_msg_add_ke_dh(struct ike_msg_writer *w, const struct crypto_dh *dh);
/*
 * A notify about no SA with len bytes of data (data may be NULL when len is 0: the view then
 * points at a static empty string, never at NULL, which buf's pointer arithmetic must not see).
 */
void ike_notify_init(struct ike_pld_notify *n, uint16_t type, const void *data, size_t len);
/* The first error notify (type < 16384), 0 when none. */
uint16_t ike_msg_error_notify(const struct ike_msg *m, struct ike_pld_notify *out);

/* log prefix helper: "conn=NAME peer=ADDR" */
#define IKE_LOG_FMT "conn=%s peer=%s"
const char *ike_sa_peer_str(const struct ike_sa *sa, char *buf, size_t len);

/* ---- sa_keys.c (the only file that sees keys.h) -------------------------------------------- */

/* SKEYSEED and SK_* from gir, nonces and SPIs; sets sk_in/sk_out; writes the key log. */
int ike_sa_keys_derive(struct ike_sa *sa, const struct secret *gir);
void ike_sa_keys_free(struct ike_sa *sa);
/*
 * The PSK AUTH value (2.15) sent by the initiator (initiator_side) or the responder; id_body
 * is that side's ID payload body. out has CRYPTO_PRF_MAX_LEN bytes.
 */
int ike_sa_psk_auth(struct ike_sa *sa, bool initiator_side, const struct buf *id_body, uint8_t *out,
		    size_t *outlen);
/*
 * Child keys (2.17) and install: we_initiated says which of KEYMAT's halves is ours to send
 * with; gir NULL without PFS; ni/nr the exchange's nonces.
 */
int ike_sa_child_derive_install(struct ike_sa *sa, struct ike_child *c, bool we_initiated,
				bool outbound, const struct secret *gir, const struct buf *ni,
				const struct buf *nr);
/*
 * The keys of a new IKE SA made by rekeying old (2.18): SKEYSEED from old's SK_d with g^ir and
 * the exchange's nonces, the SPIs and suite already in sa. ni/nr as the exchange had them.
 */
int ike_sa_keys_derive_rekey(struct ike_sa *sa, const struct ike_sa *old, const struct secret *gir,
			     const struct buf *ni, const struct buf *nr);

/* ---- limits (engine.c; engine.h says what they bound) ----------------------------------------- */

/* Lookups (engine.c). */
struct ike_conn *ike_conn_find(const struct ike_engine *e, const char *name);
struct ike_conn *ike_conn_find_peer(const struct ike_engine *e, const struct addr *peer);
/* The SA whose SPI of ours is spi, NULL when none. */
struct ike_sa *ike_sa_by_our_spi(const struct ike_engine *e, uint64_t spi);
/* Indexes kept by sa.c and child.c as SAs, children and reservations come and go. */
void ike_engine_index_sa(struct ike_engine *e, struct ike_sa *sa);
void ike_engine_unindex_sa(struct ike_engine *e, struct ike_sa *sa);
void ike_engine_index_child(struct ike_engine *e, struct ike_child *c);
void ike_engine_unindex_child(struct ike_engine *e, struct ike_child *c);
void ike_engine_reserve_spi(struct ike_engine *e, struct ike_child_pending *p);
void ike_engine_release_spi(struct ike_engine *e, struct ike_child_pending *p);
bool ike_engine_spi_in_used(const struct ike_engine *e, uint32_t spi);

/* The connection's IKE SAs that count against ike_sas_per_conn (established, replaced, closing). */
unsigned int ike_conn_ike_sas(const struct ike_engine *e, const struct ike_conn *c);
/* Its CHILD_SAs: those that carry traffic (ACTIVE, REKEYING) and all of them. */
void ike_conn_children(const struct ike_engine *e, const struct ike_conn *c, unsigned int *live,
		       unsigned int *all);
/* One more CREATE_CHILD_SA request of the peer: true when its bucket allows it (a token taken). */
bool ike_conn_peer_create_allow(struct ike_conn *c, const struct ike_engine *e);
/*
 * Whether another child of the connection already sends with spi_out: the peer picks our
 * outbound SPIs, so it must not be able to make two of ours share one (issue 14).
 */
bool ike_conn_spi_out_used(const struct ike_engine *e, const struct ike_conn *c, uint32_t spi_out);
/* A refusal of the peer: counted in *counter and logged at a bounded rate. */
void ike_conn_refused(struct ike_conn *c, uint64_t *counter, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- shared by the exchanges --------------------------------------------------------------- */

/* The proposal and selectors of a new child (IKE_AUTH and CREATE_CHILD_SA), child.c. */
int ike_child_pending_prepare(struct ike_sa *sa, uint16_t group);
void ike_child_pending_clear(struct ike_sa *sa);
/*
 * The one way to delete a child of ours (info.c): it is DELETING from now (not rekeyed, not
 * used for anything new) and a Delete is queued; removed at once when none can be sent.
 */
void ike_child_delete(struct ike_sa *sa, struct ike_child *c, const char *why);
/* RFC 7296 2.4: INITIAL_CONTACT: every other IKE SA of this connection is stale (info.c). */
void ike_info_initial_contact(struct ike_sa *sa);
/* 2.4: whether our IKE_AUTH on sa carries INITIAL_CONTACT (no other IKE SA with the peer). */
bool ike_auth_first_contact(const struct ike_sa *sa);

#endif
