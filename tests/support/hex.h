/* SPDX-License-Identifier: MIT */
/* Test support: hex strings (as printed in RFCs, spaces and newlines allowed) to bytes. */
#ifndef VNETGW_TESTS_HEX_H
#define VNETGW_TESTS_HEX_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode hex into a new allocation (caller frees) and set *len. Whitespace, ':' and '\n' are
 * skipped. Aborts the test process on malformed input: vectors are part of the test source.
 */
uint8_t *hex_decode(const char *hex, size_t *len);
/* Lower-case hex of n bytes into a new string (caller frees). */
char *hex_encode(const uint8_t *p, size_t n);

#endif
