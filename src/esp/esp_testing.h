/* SPDX-License-Identifier: MIT */
/*
 * Test-only entry points into src/esp, for known-answer vectors and edge cases that the real
 * entry points cannot reach without sending 2^32 packets. The daemon never includes this file.
 */
#ifndef VNETGW_ESP_ESP_TESTING_H
#define VNETGW_ESP_ESP_TESTING_H

#include "esp/esp.h"

/* Outbound: make seq the last sequence number sent (the next packet carries seq + 1). */
void esp_sa_test_set_seq(struct esp_sa *sa, uint64_t seq);
/* Inbound: record seq as received, as if a packet had carried it. */
void esp_sa_test_mark_received(struct esp_sa *sa, uint64_t seq);

/*
 * esp_encap with the next header and the IV chosen by the caller (iv of the SA's IV length),
 * as published vectors fix them. The inner packet is not checked for an IP version. Same
 * results as esp_encap.
 */
int esp_encap_test(struct esp_sa *sa, struct buf *b, uint8_t next_header, const uint8_t *iv,
		   struct esp_result *res);

/*
 * The cryptographic half of decapsulation alone: the ESP packet in b is authenticated with
 * the full sequence number seq and decrypted; b is left holding the plaintext including the
 * ESP trailer (payload, padding, pad length, next header). No window, counters or checks of
 * the trailer. 0 or -EBADMSG.
 */
int esp_open_test(struct esp_sa *sa, struct buf *b, uint64_t seq);

#endif
