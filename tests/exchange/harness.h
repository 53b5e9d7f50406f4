/* SPDX-License-Identifier: MIT */
/*
 * Exchange test harness: two IKE engines (side 0 "gw" at 198.51.100.1, side 1 "site" at
 * 203.0.113.2) joined by a fake network, a queue of datagrams in flight that a test delivers
 * one by one, drops, duplicates or reorders; the fake clock; and a record of what each side's
 * data plane was told (children installed and removed, with copies of their keys) and of the
 * connection statuses it reported. Log lines go to a file the test can search.
 */
#ifndef VNETGW_TESTS_EXCHANGE_HARNESS_H
#define VNETGW_TESTS_EXCHANGE_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/engine.h"
#include "ike/msg.h"

#define H_MAX_PKTS     64
#define H_MAX_CHILDREN 32
#define H_PKT_MAX      4096
#define H_MAX_OPS      128
#define H_MAX_NONCES   8

struct h_pkt {
	int from;		/* 0 or 1 */
	struct ike_endpoint ep; /* as the sender addressed it */
	uint8_t data[H_PKT_MAX];
	size_t len;
};

struct h_child {
	struct ike_child_sa sa; /* keys below; pointers into this record */
	struct ike_pld_ts ts_local, ts_remote;
	struct secret *enc_in, *integ_in, *enc_out, *integ_out;
	bool removed;
	uint64_t last_rx_ns; /* what the data plane reports for DPD (child_last_rx), 0: never */
};

/* What the data plane was told, in order (make before break is checked on these). */
enum h_op_kind {
	H_OP_INSTALL_IN,  /* child_install: the inbound SA */
	H_OP_INSTALL_OUT, /* child_install with outbound, or child_outbound: now current */
	H_OP_REMOVE,	  /* child_remove */
};

struct h_op {
	enum h_op_kind kind;
	uint32_t spi_in, spi_out;
};

struct h_side {
	struct ike_engine *e;
	struct h_op ops[H_MAX_OPS];
	unsigned int n_ops;
	uint32_t out_spi; /* the current outbound SA's SPI (0: none) */
	/*
	 * Make-before-break violations seen so far: an outbound SA made current before the other
	 * side had its inbound SA, an inbound SA removed while the other side still sent on it,
	 * or the current outbound SA removed with no successor. mbb_why says the first.
	 */
	unsigned int mbb_violations;
	char mbb_why[160];
	/* Test nonces: the first byte of the next nonces this side draws (then random). */
	uint8_t nonce_first[H_MAX_NONCES];
	unsigned int n_nonce_first, nonces_drawn;
	struct ike_conn_config cfg;
	struct secret *psk;
	struct h_child children[H_MAX_CHILDREN];
	unsigned int n_children, n_removed;
	enum ike_conn_status status;
	char reason[128];
	unsigned int n_status;
	int install_result;	      /* what child_install returns (0 = accept) */
	unsigned int n_last_rx_asked; /* child_last_rx calls */
};

struct harness {
	struct h_side s[2];
	struct h_pkt q[H_MAX_PKTS];
	unsigned int n;
	/* A NAT in front of side 0: its source ports are seen as port + nat_offset. */
	uint16_t nat_offset;
	unsigned int sent[2]; /* datagrams each side sent, ever */
};

extern struct harness H;

/* Fresh harness: fake clock, log capture, two engines with default configs (not started). */
void h_setup(void);
/*
 * h_setup with DPD off on both sides: for suites that jump the fake clock over long silences
 * (rekeying), where the liveness checks DPD would start after a third of its timeout would take
 * the request window the test counts on.
 */
void h_setup_without_dpd(void);
void h_teardown(void);
/* Side i crashes and comes back: its engine is freed (children removed) and a new one made. */
void h_restart(int i);
/* Apply s[i].cfg (after a test changed it) to engine i. */
int h_configure(int i);
/* Configure both sides and let side 0 initiate. */
void h_start(void);
/* h_start, run to quiet, and both sides Connected (the reason printed if not). */
void h_establish(void);

/* Deliver the queued datagram at index idx (removing it); the receiving engine processes it. */
void h_deliver_at(unsigned int idx);
/* Deliver the oldest; false when the queue is empty. */
bool h_deliver(void);
/* Deliver until nothing is in flight (bounded); returns how many were delivered. */
unsigned int h_run(void);
/* Remove the queued datagram at idx without delivering it. */
void h_drop(unsigned int idx);
/* Queue a copy of the datagram at idx again (a duplicate). */
void h_duplicate(unsigned int idx);
/* Advance the fake clock by ms and run both engines' due timers. */
void h_advance_ms(uint64_t ms);

/* Header of a queued datagram / whether its plaintext carries a notify of that type. */
struct ike_hdr h_hdr(unsigned int idx);
bool h_has_notify(unsigned int idx, uint16_t type);

/*
 * Looking inside SK payloads: side 0 writes the debug key log (Wireshark's format) into a
 * scratch directory and h_inner_notify decrypts a queued message with the keys found there, as
 * tshark would. True if the (decrypted) message carries a notify of type.
 */
void h_keylog_enable(void);
bool h_inner_notify(unsigned int idx, uint16_t type);
/* The plaintext of the queued datagram idx (key log), into *m (valid until the next call). */
void h_decrypt(unsigned int idx, struct ike_msg *m);
/*
 * Queue a message as side `from` would send it on the IKE SA of header h's SPIs (the key log's
 * keys for the direction h's I flag says): add() writes the payloads inside SK. For tests that
 * play a peer doing what our engine never does.
 */
void h_forge(int from, const struct ike_hdr *h, void (*add)(struct ike_msg_writer *w, void *arg),
	     void *arg);

/* The live child of side i with inbound SPI spi, or NULL. */
struct h_child *h_child_find(int i, uint32_t spi_in);
/* ESP arrived now on every live child of side i (what its data plane reports to DPD). */
void h_esp_received(int i);
/* Number of installed and not removed children on side i. */
unsigned int h_children_live(int i);
/* Assert that side 0's child c0 and side 1's child c1 are the two ends of one SA. */
void h_assert_child_pair(const struct h_child *c0, const struct h_child *c1);
/* Send one packet through c0's outbound SA and open it with c1's inbound one (real ESP). */
void h_assert_esp_works(const struct h_child *c0, const struct h_child *c1);

/* Side i's next nonces start with these bytes, in order (2.8.1 ordering in collision tests). */
void h_nonces(int i, const uint8_t *first, unsigned int n);
/* The index in side i's op log of the first op of kind for a child with that inbound SPI, or -1. */
int h_op_index(int i, enum h_op_kind kind, uint32_t spi_in);
/* Count of log lines containing needle. */
unsigned int h_log_count(const char *needle);

/* Whether the captured log contains needle. */
bool h_log_contains(const char *needle);

#endif
