/* SPDX-License-Identifier: MIT */
/*
 * msg: IKEv2 messages (RFC 7296 3.1-3.2, 3.14; RFC 5282 for AES-GCM). Parsing frames a datagram
 * into its header and payload chain (each payload a bounded view, validated by pld.c), decrypts
 * and parses the SK payload's inner chain; writing emits a whole message with next-payload
 * chaining and lengths patched. The SK payload's protection is in sk.h.
 *
 * Errors. Every parse returns 0, -EBADMSG or -EPROTO and fills a struct ike_parse_err:
 *   -EBADMSG  garbage that was not authenticated: a malformed datagram, or an SK payload whose
 *             framing or ICV is wrong. Drop it, count it, answer nothing (err.notify is 0).
 *   -EPROTO   refused with a notification to send, in err.notify (and err.data):
 *             INVALID_MAJOR_VERSION (2.5; hdr is filled to answer it),
 *             UNSUPPORTED_CRITICAL_PAYLOAD (2.5; data = the payload type), and INVALID_SYNTAX
 *             for a malformed inner chain whose ICV was good (3.10.1: only then may it be
 *             answered).
 * So the caller answers exactly on -EPROTO (and only if the message was a request).
 */
#ifndef VNETGW_IKE_MSG_H
#define VNETGW_IKE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/pld.h"
#include "lib/buf.h"
#include "lib/secret.h"

#define IKE_HDR_LEN	 28
#define IKE_PLD_HDR_LEN	 4
#define IKE_PLD_CRITICAL 0x80
/*
 * Local bound on payloads per message (outer plus inner); more is refused as malformed. Room
 * for a MOBIKE peer listing many ADDITIONAL_IP*_ADDRESS notifies in IKE_AUTH.
 */
#define IKE_MSG_MAX_PLDS 96

enum ike_exchange {
	IKE_EXCH_SA_INIT = 34,
	IKE_EXCH_AUTH = 35,
	IKE_EXCH_CREATE_CHILD_SA = 36,
	IKE_EXCH_INFORMATIONAL = 37,
};

/* Header flags (3.1). */
#define IKE_FLAG_I 0x08 /* sent by the original initiator of the IKE SA */
#define IKE_FLAG_V 0x10 /* a higher version could be spoken (never set by us) */
#define IKE_FLAG_R 0x20 /* a response */

#define IKE_MAJOR_VERSION 2
#define IKE_VERSION	  ((IKE_MAJOR_VERSION << 4) | 0)

struct ike_hdr {
	uint64_t spi_i, spi_r;
	uint8_t next;	 /* type of the first payload */
	uint8_t version; /* major << 4 | minor */
	uint8_t exchange;
	uint8_t flags;
	uint32_t msgid;
	uint32_t length; /* the whole message, header included */
};

struct ike_pld {
	uint8_t type;
	bool critical;
	bool inner;	 /* from inside the SK payload: integrity-protected */
	size_t off;	 /* offset of the generic header in the chain's buffer (raw or plaintext) */
	struct buf body; /* the bytes after the generic header */
};

struct ike_msg {
	struct ike_hdr hdr;
	struct buf raw; /* the whole message; not owned */
	uint8_t n_plds;
	struct ike_pld plds[IKE_MSG_MAX_PLDS]; /* in order: outer ones, then the decrypted inner */
	/* The SK payload, which 3.14 makes the last outer payload. */
	bool has_sk;
	bool decrypted;
	uint8_t sk_next; /* its Next Payload: the type of the first inner payload */
	size_t sk_off;	 /* offset of its generic header in raw */
	struct buf sk_body;
	/* The first unknown payload marked critical (2.5), outer or inner. */
	bool crit_unknown;
	uint8_t crit_type;
};

struct ike_parse_err {
	uint16_t notify; /* the notification to answer with; 0 = answer nothing */
	uint8_t data[1]; /* its notification data (UNSUPPORTED_CRITICAL_PAYLOAD: the type) */
	uint8_t data_len;
	const char *why; /* static text for the log line */
	size_t off;	 /* where in the message (or plaintext) it was found */
};

/*
 * Parse the header only (enough to find the IKE SA by SPI). 0; -EBADMSG when shorter than a
 * header, the length field differs from the datagram's, the initiator's SPI is zero or the major
 * version is below 2 (IKEv1); -EPROTO (INVALID_MAJOR_VERSION) when it is above 2.
 */
int ike_msg_parse_hdr(const struct buf *dgram, struct ike_hdr *hdr, struct ike_parse_err *err);

/*
 * Parse a whole datagram (UDP payload, without the non-ESP marker of port 4500): header, then the
 * payload chain; every known payload is validated. An SK payload is framed but not decrypted.
 * m keeps views into dgram, which must outlive it.
 */
int ike_msg_parse(struct ike_msg *m, const struct buf *dgram, struct ike_parse_err *err);

/*
 * Parse a decrypted inner chain (first = the SK payload's Next Payload) and append its payloads
 * to m, marked inner. What ike_msg_decrypt calls once the ICV is good; exposed for the fuzzer.
 */
int ike_msg_parse_inner(struct ike_msg *m, uint8_t first, const struct buf *plain,
			struct ike_parse_err *err);

/*
 * Payload lookup. When m carries an SK payload only the inner payloads are visible (nothing
 * before decryption), otherwise the outer ones. Returns the first payload of type after prev
 * (NULL: from the start), or NULL.
 */
const struct ike_pld *ike_msg_find(const struct ike_msg *m, uint8_t type,
				   const struct ike_pld *prev);
/* The first visible notify of a type, parsed into out. True if found. */
bool ike_msg_find_notify(const struct ike_msg *m, uint16_t type, struct ike_pld_notify *out);

/* ---- writing -------------------------------------------------------------------------------- */

struct ike_sk;

struct ike_msg_writer {
	struct buf *out;
	size_t start;	/* position of the IKE header in out */
	size_t np_pos;	/* the Next Payload byte the next payload's type goes into */
	size_t pld_pos; /* generic header of the open payload */
	bool pld_open;
	struct ike_sk *sk; /* set between ike_msg_write_sk_begin (sk.h) and the end */
	size_t sk_pos;	   /* generic header of the SK payload */
	size_t plain_pos;  /* first byte of the inner payloads */
	int err;	   /* the first error: every later call does nothing and returns it */
};

/* Start a message at out's tail; hdr.next and hdr.length are filled in as payloads come. */
void ike_msg_write_begin(struct ike_msg_writer *w, struct buf *out, const struct ike_hdr *hdr);
/* Open a payload of type (its generic header); the body is appended to w->out; then close it. */
int ike_msg_write_pld_begin(struct ike_msg_writer *w, uint8_t type, bool critical);
int ike_msg_write_pld_end(struct ike_msg_writer *w);
/* Finish: pad, encrypt and add the ICV if SK is open, patch the message length. */
int ike_msg_write_end(struct ike_msg_writer *w);

/* One payload each: begin, pld.c's builder, end. */
int ike_msg_add_sa(struct ike_msg_writer *w, const struct ike_pld_sa *sa);
int ike_msg_add_ke(struct ike_msg_writer *w, const struct ike_pld_ke *ke);
int ike_msg_add_nonce(struct ike_msg_writer *w, const struct ike_pld_nonce *n);
/* type: IKE_PLD_IDI or IKE_PLD_IDR */
int ike_msg_add_id(struct ike_msg_writer *w, uint8_t type, const struct ike_pld_id *id);
int ike_msg_add_auth(struct ike_msg_writer *w, const struct ike_pld_auth *auth);
/* type: IKE_PLD_TSI or IKE_PLD_TSR */
int ike_msg_add_ts(struct ike_msg_writer *w, uint8_t type, const struct ike_pld_ts *ts);
int ike_msg_add_notify(struct ike_msg_writer *w, const struct ike_pld_notify *n);
int ike_msg_add_delete(struct ike_msg_writer *w, uint8_t proto, const uint32_t *spis,
		       uint16_t n_spi);
/* Vendor ID, CERT, CERTREQ, CP, EAP, or any type, written as the given bytes. */
int ike_msg_add_opaque(struct ike_msg_writer *w, uint8_t type, const void *data, size_t len);

/* Names for log lines; "?" for unknown values. */
const char *ike_exchange_name(uint8_t exchange);

#endif
