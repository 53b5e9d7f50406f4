/* SPDX-License-Identifier: MIT */
/*
 * rekey: lifetimes, rekey triggers and what a finished rekey does (RFC 7296 2.8, 2.8.1, 2.8.2,
 * 2.25). Internal to src/ike; the exchanges themselves are child.c and rekey_ike.c.
 */
#ifndef VNETGW_IKE_REKEY_H
#define VNETGW_IKE_REKEY_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

struct ike_child;
struct ike_engine;
struct ike_sa;

/* The lower of two nonces in 2.8.1's order (octet by octet, a prefix is lower). */
int ike_nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* Record the lower of an exchange's two nonces into out (IKE_NONCE_MAX bytes). */
void ike_nonce_lo(const struct buf *ni, const struct buf *nr, uint8_t *out, size_t *len);
/* A child's soft and hard deadlines from now (with jitter, see rekey.c). */
void ike_rekey_child_arm(struct ike_sa *sa, struct ike_child *c);
/* The IKE SA's soft and hard deadlines from now. */
void ike_rekey_ike_arm(struct ike_sa *sa);
/* The earliest rekey/lifetime deadline of sa and its children; 0 when none. */
uint64_t ike_rekey_next(const struct ike_sa *sa);
/* Act on what is due at now: rekeys queued at soft deadlines, deletes at hard ones. */
void ike_rekey_run(struct ike_sa *sa, uint64_t now);
/*
 * Our rekey of a child completed with new child n (installed inbound only): resolve a collision
 * with the peer's rekey of the same child, make the survivor's outbound current and delete the
 * old child or our redundant one.
 */
void ike_rekey_child_done(struct ike_sa *sa, struct ike_child *n);
/* Our rekey of the child with inbound SPI old_spi was refused by the peer with notify err. */
void ike_rekey_child_refused(struct ike_sa *sa, uint32_t old_spi, uint16_t err);
/* The peer deletes sa while our rekey of it is out (2.25.2): its new SA takes the children. */
void ike_rekey_ike_deleted(struct ike_sa *sa);
/* An SA is being freed: forget references to it. */
void ike_rekey_forget(struct ike_engine *e, const struct ike_sa *gone);

#endif
