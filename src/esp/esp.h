/* SPDX-License-Identifier: MIT */
/*
 * esp: IPsec ESP (RFC 4303) in tunnel mode for the userspace data plane. An esp_sa holds one
 * direction of a child SA: algorithms, prepared crypto contexts (keys copied in and wiped on
 * free), the sequence counter or the anti-replay window, lifetime limits and counters.
 *
 * Packets are transformed in place in a caller buffer (struct buf) with headroom and tailroom:
 * esp_encap turns an inner IPv4/IPv6 packet into an ESP packet (the socket adds the outer IP
 * or UDP header), esp_decap_* turn a received ESP packet back into the inner packet. Nothing
 * here allocates, logs or locks per packet: every drop has a reason, counted in the SA and in
 * caller-owned counters (one set per worker thread). An SA is used by one thread at a time.
 */
#ifndef VNETGW_ESP_ESP_H
#define VNETGW_ESP_ESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/secret.h"

struct esp_sad;

enum esp_dir {
	ESP_DIR_IN,
	ESP_DIR_OUT,
};

enum esp_enc {
	ESP_ENC_NULL,	    /* RFC 2410, only together with an integrity algorithm */
	ESP_ENC_AES_GCM_16, /* RFC 4106: key of 16, 24 or 32 bytes followed by a 4-byte salt */
	ESP_ENC_AES_CBC,    /* RFC 3602: key of 16, 24 or 32 bytes */
	ESP_ENC_3DES_CBC,   /* RFC 2451: key of 24 bytes */
};

enum esp_integ {
	ESP_INTEG_NONE,		     /* only with AES-GCM, which authenticates itself */
	ESP_INTEG_HMAC_SHA1_96,	     /* RFC 2404: key 20 bytes */
	ESP_INTEG_HMAC_SHA2_256_128, /* RFC 4868: key 32 bytes */
};

/* Every reason a packet is not delivered. Counted per SA and globally; names in esp_drop_name. */
enum esp_drop {
	ESP_DROP_NONE,		  /* delivered */
	ESP_DROP_TRUNCATED,	  /* shorter than SPI, sequence, IV, trailer and ICV */
	ESP_DROP_BAD_LENGTH,	  /* ciphertext not a whole number of cipher blocks */
	ESP_DROP_BAD_OUTER,	  /* raw form: the outer IPv4 header is not a whole ESP datagram */
	ESP_DROP_NOT_ESP,	  /* UDP form: a non-ESP marker, keepalive or runt (RFC 3948 2) */
	ESP_DROP_NO_SA,		  /* no inbound SA has this SPI */
	ESP_DROP_REPLAY,	  /* seen before, or older than the window (RFC 4303 3.4.3) */
	ESP_DROP_ICV,		  /* integrity check failed (RFC 4303 3.4.4) */
	ESP_DROP_BAD_PADDING,	  /* pad length too long or padding not 1, 2, 3... (RFC 4303 2.4) */
	ESP_DROP_BAD_NEXT_HEADER, /* not 4/41, or not matching the inner packet's version */
	ESP_DROP_DUMMY,		  /* next header 59: a dummy packet (RFC 4303 2.6), discarded */
	ESP_DROP_BAD_INNER,	  /* inner packet not IPv4/IPv6 or its length inconsistent */
	ESP_DROP_LIFETIME,	  /* the SA reached its hard byte or packet limit */
	ESP_DROP_SEQ_EXHAUSTED,	  /* outbound: the sequence counter would wrap (RFC 4303 3.3.3) */
	ESP_DROP_NO_ROOM,	  /* outbound: not enough headroom or tailroom in the buffer */
	ESP_DROP_CRYPTO,	  /* the crypto library failed */
	ESP_DROP_INVALID,	  /* caller error: wrong direction, read-only buffer */
	ESP_DROP__COUNT,
};

const char *esp_drop_name(enum esp_drop d);

/* Packets and inner bytes that went through, and drops by reason. */
struct esp_counters {
	uint64_t packets;
	uint64_t bytes;
	uint64_t drops[ESP_DROP__COUNT];
};

/* Lifetime limits (RFC 4301 4.4.2.1); 0 means no limit. Bytes count inner packets. */
struct esp_lifetime {
	uint64_t soft_bytes, hard_bytes;
	uint64_t soft_packets, hard_packets;
};

enum esp_life {
	ESP_LIFE_OK,
	ESP_LIFE_SOFT, /* time to rekey (the IKE layer starts CREATE_CHILD_SA) */
	ESP_LIFE_HARD, /* no more packets: the SA must be deleted */
};

struct esp_sa_params {
	uint32_t spi;
	enum esp_dir dir;
	enum esp_enc enc;
	enum esp_integ integ;
	const struct secret *enc_key;	/* copied; NULL for ESP_ENC_NULL */
	const struct secret *integ_key; /* copied; NULL for ESP_INTEG_NONE */
	bool esn;			/* extended sequence numbers (RFC 4303 2.2.1) */
	struct esp_lifetime life;
};

struct esp_sa;

/*
 * A new SA with its cipher and HMAC contexts prepared. 0, -EINVAL (combination or key length
 * not allowed: GCM with an integrity algorithm, NULL without one, SPI below 256 on input),
 * -EIO (crypto library) or -ENOMEM.
 */
int esp_sa_new(struct esp_sa **out, const struct esp_sa_params *p);
/* Wipes keys and contexts; NULL-safe. */
void esp_sa_free(struct esp_sa *sa);

uint32_t esp_sa_spi(const struct esp_sa *sa);
enum esp_dir esp_sa_dir(const struct esp_sa *sa);
const struct esp_counters *esp_sa_counters(const struct esp_sa *sa);
/* Outbound: the last sequence number sent. Inbound: the highest one accepted. */
uint64_t esp_sa_seq(const struct esp_sa *sa);
enum esp_life esp_sa_life(const struct esp_sa *sa);

/*
 * What the SA's user keeps with it, unseen by ESP: the data plane puts an inbound SA's
 * connection and times here, so that the SPI table (esp/sad.h) is the one table by SPI.
 */
struct esp_sa_tag {
	void *owner;
	uint64_t installed_ns, last_ns;
};
struct esp_sa_tag *esp_sa_tag(struct esp_sa *sa);

/* Room esp_encap needs in front of and behind the inner packet, for this SA and at most. */
size_t esp_sa_headroom(const struct esp_sa *sa);
size_t esp_sa_tailroom(const struct esp_sa *sa);
#define ESP_HEADROOM_MAX (8 + 16)      /* SPI, sequence, IV */
#define ESP_TAILROOM_MAX (15 + 2 + 16) /* padding, pad length and next header, ICV */

/* What happened to one packet. */
struct esp_result {
	struct esp_sa *sa;  /* the SA that handled it; NULL if none (unknown SPI) */
	enum esp_drop drop; /* ESP_DROP_NONE when delivered */
	uint64_t seq;	    /* full sequence number, once known */
	/*
	 * ESP_LIFE_SOFT or ESP_LIFE_HARD when this packet moved the SA into that state (reported
	 * once per state and SA), else ESP_LIFE_OK.
	 */
	enum esp_life life_event;
};

/*
 * Encapsulate the inner IPv4/IPv6 packet held in b (esp_sa_headroom in front of it,
 * esp_sa_tailroom behind) into an ESP packet, in place: SPI, sequence, IV, encrypted inner
 * packet and trailer, ICV. 0, or a negative errno with res->drop set and b unchanged:
 * -EINVAL (not an inner IP packet, inbound SA), -ENOSPC (room), -ERANGE (sequence exhausted,
 * lifetime); or -EIO (crypto library failure; b's contents are then undefined and the sequence
 * number is used up). global may be NULL.
 */
int esp_encap(struct esp_sa *sa, struct buf *b, struct esp_counters *global,
	      struct esp_result *res);

/*
 * Decapsulate the ESP packet in b (starting at the SPI), in place: on success b holds exactly
 * the inner packet (the ESP header, IV, trailer, ICV and any TFC padding are gone). On failure
 * b's contents are undefined (within its bounds) and res->drop says why: -EBADMSG (malformed:
 * length, ICV, padding, inner packet, outer header), -ENOENT (SPI), -EPROTO (replay, dummy,
 * next header, not ESP), -ERANGE (lifetime), -EIO (crypto), -EINVAL (read-only b). res is
 * always filled in; global may be NULL.
 */
int esp_decap(struct esp_sad *sad, struct buf *b, struct esp_counters *global,
	      struct esp_result *res);
/*
 * The same for what an IPv4 raw socket (IPPROTO_ESP) delivers: the outer IPv4 header is
 * checked (a whole, unfragmented protocol-50 datagram) and stripped first.
 */
int esp_decap_raw(struct esp_sad *sad, struct buf *b, struct esp_counters *global,
		  struct esp_result *res);
/*
 * The same for a UDP payload received on port 4500 (RFC 3948), which must be ESP (see
 * esp_udp_classify; anything else is dropped as ESP_DROP_NOT_ESP).
 */
int esp_decap_udp(struct esp_sad *sad, struct buf *b, struct esp_counters *global,
		  struct esp_result *res);

enum esp_udp_kind {
	ESP_UDP_ESP,	   /* an ESP packet: esp_decap_udp */
	ESP_UDP_IKE,	   /* starts with the 4-byte non-ESP marker: strip it, hand to IKE */
	ESP_UDP_KEEPALIVE, /* a single 0xff byte: NAT-keepalive (RFC 3948 2.3), ignore */
	ESP_UDP_RUNT,	   /* too short to be any of them */
};

/* What a UDP payload on port 4500 is (RFC 3948 2.2, 2.3). */
enum esp_udp_kind esp_udp_classify(const struct buf *payload);

#endif
