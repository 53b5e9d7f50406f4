/*
 * impair_esp: ESP packets among the forwarded frames, and the repeats of an (SPI, sequence
 * number) pair, so a lab test can compare them with the receiver's replay drops (RFC 4303 3.4.3).
 */
#include "tools/impair/impair_esp.h"

#include <errno.h>
#include <linux/virtio_net.h>
#include <stdlib.h>
#include <string.h>

#define ETH_HLEN_ 14
#define NATT_PORT 4500
#define PROTO_ESP 50
#define PROTO_UDP 17

int impair_esp_init(struct impair_esp *t, size_t cap)
{
	memset(t, 0, sizeof(*t));
	t->slots = calloc(cap, sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	t->cap = cap;
	return 0;
}

void impair_esp_free(struct impair_esp *t)
{
	free(t->slots);
	t->slots = NULL;
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* True if key was there already; inserts it otherwise. */
static bool seen(struct impair_esp *t, uint64_t key)
{
	uint64_t v = key + 1, h = key * 0x9E3779B97F4A7C15ull;

	if (t->used * 4 >= t->cap * 3) {
		t->untracked++;
		return false;
	}
	for (size_t i = (size_t)(h >> 20) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		if (t->slots[i] == v)
			return true;
		if (!t->slots[i]) {
			t->slots[i] = v;
			t->used++;
			return false;
		}
	}
}

static void note_order(struct impair_esp *t, uint32_t spi, uint32_t seq)
{
	for (unsigned int i = 0; i < t->n_spis; i++) {
		if (t->spis[i].spi != spi)
			continue;
		if (seq < t->spis[i].top)
			t->esp_late++;
		else
			t->spis[i].top = seq;
		return;
	}
	if (t->n_spis < sizeof(t->spis) / sizeof(t->spis[0])) {
		t->spis[t->n_spis].spi = spi;
		t->spis[t->n_spis++].top = seq;
	}
}

bool impair_esp_note(struct impair_esp *t, const uint8_t *frame, size_t len)
{
	size_t off = sizeof(struct virtio_net_hdr), ihl;
	const uint8_t *ip, *esp;
	size_t left;

	if (len < off + ETH_HLEN_ + 20)
		return false;
	if (frame[off + 12] != 0x08 || frame[off + 13] != 0x00) /* IPv4 only */
		return false;
	ip = frame + off + ETH_HLEN_;
	left = len - off - ETH_HLEN_;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if ((ip[0] >> 4) != 4 || ihl < 20 || left < ihl)
		return false;
	if ((ip[6] & 0x3f) || ip[7]) /* a later fragment (or MF set): not a whole packet */
		return false;
	esp = ip + ihl;
	left -= ihl;
	if (ip[9] == PROTO_UDP) {
		if (left < 8 + 8 || (((esp[0] << 8 | esp[1]) != NATT_PORT) &&
				     ((esp[2] << 8 | esp[3]) != NATT_PORT)))
			return false;
		esp += 8;
		left -= 8;
		/* RFC 3948 2.2: a zero "SPI" is the non-ESP marker of IKE. */
		if (be32_at(esp) == 0)
			return false;
	} else if (ip[9] != PROTO_ESP || left < 8) {
		return false;
	}
	t->esp++;
	if (seen(t, (uint64_t)be32_at(esp) << 32 | be32_at(esp + 4)))
		t->esp_dup++;
	else
		note_order(t, be32_at(esp), be32_at(esp + 4));
	return true;
}
