/*
 * impair_esp: which forwarded frames are ESP packets (RFC 4303, raw protocol 50 or in UDP port
 * 4500, RFC 3948) and which of those repeat an (SPI, sequence number) already forwarded in the
 * same direction: exactly the packets the receiver's anti-replay check must drop (RFC 4303
 * 3.4.3), whatever the loss, duplication or reordering decisions were; and which came after
 * a higher sequence number of their SPI (reordered: the window must accept them).
 */
#ifndef VNETGW_TESTS_IMPAIR_ESP_H
#define VNETGW_TESTS_IMPAIR_ESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct impair_esp {
	uint64_t *slots; /* open addressing of (spi << 32 | seq) + 1; 0 = empty */
	size_t cap, used;
	uint64_t esp;	   /* ESP packets forwarded */
	uint64_t esp_dup;  /* of which the (SPI, seq) had been forwarded before */
	uint64_t esp_late; /* not a repeat, but after a higher seq of its SPI: reordered */
	struct {
		uint32_t spi, top;
	} spis[16]; /* the highest seq forwarded per SPI (the first 16 SPIs seen) */
	unsigned int n_spis;
	uint64_t untracked; /* the table was full: not checked */
};

/* cap entries (a power of two). -ENOMEM. */
int impair_esp_init(struct impair_esp *t, size_t cap);
void impair_esp_free(struct impair_esp *t);
/*
 * A frame as the AF_PACKET socket gives it with PACKET_VNET_HDR (virtio_net_hdr, Ethernet,
 * IPv4): counts it if it is ESP. Returns true for ESP.
 */
bool impair_esp_note(struct impair_esp *t, const uint8_t *frame, size_t len);

#endif
