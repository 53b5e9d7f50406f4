/* SPDX-License-Identifier: MIT */
/*
 * cookie: the responder's COOKIE values (RFC 7296 2.6), computed without keeping any state per
 * request: Cookie = <VersionIDofSecret> | HMAC-SHA-256(<secret>, Ni | IPi | SPIi). The secret
 * is replaced every IKE_COOKIE_ROTATE_S; cookies made with the previous one are still accepted
 * (2.6: "the responder should change the value of <secret> periodically ... and accept cookies
 * computed from the previous secret"), anything older is refused. Internal to src/ike.
 */
#ifndef VNETGW_IKE_COOKIE_H
#define VNETGW_IKE_COOKIE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/buf.h"

#define IKE_COOKIE_SECRET_LEN 32
#define IKE_COOKIE_LEN	      33 /* version byte + HMAC-SHA-256 */
#define IKE_COOKIE_ROTATE_S   60

struct ike_cookie_key {
	uint8_t key[IKE_COOKIE_SECRET_LEN];
	uint8_t version;
	bool valid;
};

struct ike_cookie_secrets {
	struct ike_cookie_key cur, prev;
	uint64_t rotate_at; /* clock_now_ns() from which cur becomes prev */
	uint64_t rotations;
};

/* A fresh secret (no previous one) valid from now. 0 or -EIO (no randomness). */
int ike_cookie_init(struct ike_cookie_secrets *s, uint64_t now);
void ike_cookie_wipe(struct ike_cookie_secrets *s);
/*
 * Rotate if due at now. After two periods without a call, both secrets are new: a cookie may
 * never outlive two periods. 0 or -EIO (the old secret is then kept).
 */
int ike_cookie_rotate(struct ike_cookie_secrets *s, uint64_t now);
/* The cookie for this request with the current secret: IKE_COOKIE_LEN bytes into out. */
int ike_cookie_make(const struct ike_cookie_secrets *s, const struct buf *ni, const struct addr *ip,
		    uint64_t spi_i, uint8_t out[IKE_COOKIE_LEN]);
/* Whether cookie is ours for this request, made with the current or the previous secret. */
bool ike_cookie_check(const struct ike_cookie_secrets *s, const struct buf *cookie,
		      const struct buf *ni, const struct addr *ip, uint64_t spi_i);

#endif
