/* SPDX-License-Identifier: MIT */
/*
 * sk: the Encrypted and Authenticated payload (RFC 7296 3.14) with AES-CBC or 3DES-CBC and an
 * HMAC (encrypt-then-MAC, the ICV over the whole message up to the ICV) or with AES-GCM-16
 * (RFC 5282: 8-byte explicit IV, 4-byte salt from the key material, AAD = IKE header through the
 * SK payload's generic header). One struct ike_sk protects one direction.
 */
#ifndef VNETGW_IKE_SK_H
#define VNETGW_IKE_SK_H

#include <stddef.h>
#include <stdint.h>

#include "ike/msg.h"
#include "lib/secret.h"

struct ike_sk;

/*
 * One direction's SK protection (SK_ei/SK_ai or SK_er/SK_ar). encr: IKE_ENCR_AES_CBC (keybits
 * 128/192/256, integ an HMAC), IKE_ENCR_3DES (keybits 0) or IKE_ENCR_AES_GCM_16 (integ NONE,
 * sk_a NULL, sk_e = key | 4-byte salt). The keys are copied into the contexts. 0, -ENOTSUP
 * (algorithm), -EINVAL (key lengths, integrity with AEAD), -ENOMEM.
 */
int ike_sk_new(struct ike_sk **out, uint16_t encr, uint16_t keybits, uint16_t integ,
	       const struct secret *sk_e, const struct secret *sk_a);
/* Wipes the keys; NULL-safe. */
void ike_sk_free(struct ike_sk *sk);
/* The most the SK payload adds around its contents: generic header, IV, padding, ICV. */
size_t ike_sk_overhead(const struct ike_sk *sk);

/*
 * Open the SK payload in a message being written (it must be the last outer payload, 3.14):
 * payloads written after it are encrypted with sk by ike_msg_write_end. sk is borrowed until
 * then; it is not const because GCM's explicit IV is a per-key counter.
 */
int ike_msg_write_sk_begin(struct ike_msg_writer *w, struct ike_sk *sk);
/* Called by ike_msg_write_end when SK is open: pad, patch lengths, encrypt, append the ICV. */
int ike_sk_seal(struct ike_msg_writer *w);

/*
 * Verify and decrypt m's SK payload with sk, writing the plaintext into plain (a writer with
 * room for the ciphertext, which must outlive m), then parse the inner chain into m.
 * -EBADMSG (err.notify 0) when the framing or the ICV is wrong: nothing is answered, it may be
 * forged. Past the ICV, -EPROTO with INVALID_SYNTAX for a bad pad length, otherwise as
 * ike_msg_parse_inner.
 */
int ike_msg_decrypt(struct ike_msg *m, const struct ike_sk *sk, struct buf *plain,
		    struct ike_parse_err *err);

#endif
