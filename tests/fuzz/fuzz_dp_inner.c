/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: what the data plane reads in a tenant packet after decryption (or from a TUN):
 * inner_addrs and inner_clamp_mss, the same entry points dp's workers call, on a writable copy
 * with headroom as the workers' buffers have. The clamp must never touch bytes outside the packet.
 */
#include <stdint.h>
#include <string.h>

#include "dp/inner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t mem[64 + 65536 + 64];
	struct addr src, dst;
	struct buf b;

	if (size > 65536)
		return 0;
	memset(mem, 0xa5, sizeof(mem));
	memcpy(mem + 64, data, size);
	buf_init_room(&b, mem, 64 + size, 64, size);
	inner_addrs(&b, &src, &dst);
	inner_clamp_mss(&b, INNER_MSS_V4, INNER_MSS_V6);
	/* The headroom in front is never written. */
	for (size_t i = 0; i < 64; i++)
		if (mem[i] != 0xa5)
			__builtin_trap();
	return 0;
}
