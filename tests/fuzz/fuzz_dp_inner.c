/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: what the data plane reads in tenant packets, through the entry points dp's
 * workers call: a TUN read (virtio header, then a packet or a TSO super-packet: gso_count,
 * gso_csum_finish, gso_segment), inner_addrs and inner_clamp_mss on each result, and
 * decrypted packets offered to the TUN coalescer (gro_offer, written to /dev/null). Nothing
 * may be read or written outside the buffers.
 */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "dp/gro.h"
#include "dp/gso.h"
#include "dp/inner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inner(struct buf *b)
{
	struct addr src, dst;

	inner_addrs(b, &src, &dst);
	inner_clamp_mss(b, INNER_MSS_V4, INNER_MSS_V6);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t mem[64 + 65536 + 64], seg[4096], halves[2][65536];
	static int devnull = -1;
	struct gso_hdr h;
	struct buf b, out, p[2];
	struct gro g = {0};
	size_t cut;
	int count, k;

	if (size > 65536)
		return 0;
	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

	/* As a TUN read. */
	memcpy(mem + 64, data, size);
	buf_init_room(&b, mem, 64 + size, 64, size);
	if (gso_hdr_get(&b, &h) == 0 && (count = gso_count(&b, &h)) > 0) {
		if (count == 1 && gso_csum_finish(&b, &h) == 0)
			inner(&b);
		for (k = 0; count > 1 && k < count && k < 64; k++) {
			buf_init_write(&out, seg, sizeof(seg));
			if (gso_segment(&b, &h, (unsigned)k, &out) == 0)
				inner(&out);
		}
	}

	/* As two decrypted packets in a row: the input split where its first byte says. */
	cut = size ? data[0] % (size + 1) : 0;
	memcpy(halves[0], data, cut);
	memcpy(halves[1], data + cut, size - cut);
	buf_init_room(&p[0], halves[0], cut, 0, cut);
	buf_init_room(&p[1], halves[1], size - cut, 0, size - cut);
	for (k = 0; k < 2; k++) {
		inner(&p[k]);
		if (!gro_offer(&g, devnull, &g, &p[k])) {
			gro_write(&g);
			gro_reset(&g);
		}
	}
	gro_write(&g);
	gro_reset(&g);
	return 0;
}
