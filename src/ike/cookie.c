/* SPDX-License-Identifier: MIT */
/*
 * cookie: stateless COOKIE values for IKE_SA_INIT (RFC 7296 2.6) from a secret that rotates, the
 * previous one still accepted. Nothing here is kept per request: a cookie is recomputed from the
 * request that carries it and compared in constant time.
 */
#include "ike/cookie.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include <openssl/crypto.h>

#include "crypto/prf.h"
#include "crypto/rand.h"
#include "lib/clock.h"
#include "lib/secret.h"

static uint64_t period_ns(void)
{
	return (uint64_t)IKE_COOKIE_ROTATE_S * CLOCK_NS_PER_SEC;
}

int ike_cookie_init(struct ike_cookie_secrets *s, uint64_t now)
{
	uint8_t v;

	memset(s, 0, sizeof(*s));
	if (crypto_rand(s->cur.key, sizeof(s->cur.key)) || crypto_rand(&v, 1))
		return -EIO;
	s->cur.version = v;
	s->cur.valid = true;
	s->rotate_at = now + period_ns();
	return 0;
}

void ike_cookie_wipe(struct ike_cookie_secrets *s)
{
	secret_wipe(s, sizeof(*s));
}

static int rotate_once(struct ike_cookie_secrets *s)
{
	struct ike_cookie_key next = {.version = (uint8_t)(s->cur.version + 1), .valid = true};

	if (crypto_rand(next.key, sizeof(next.key)))
		return -EIO;
	s->prev = s->cur;
	s->cur = next;
	secret_wipe(&next, sizeof(next));
	s->rotations++;
	return 0;
}

int ike_cookie_rotate(struct ike_cookie_secrets *s, uint64_t now)
{
	for (int i = 0; now >= s->rotate_at; i++) {
		if (i == 2) {
			/* Both secrets are new now; the next period starts from here. */
			s->rotate_at = now + period_ns();
			break;
		}
		if (rotate_once(s))
			return -EIO;
		s->rotate_at += period_ns();
	}
	return 0;
}

static int compute(const struct ike_cookie_key *k, const struct buf *ni, const struct addr *ip,
		   uint64_t spi_i, uint8_t out[IKE_COOKIE_LEN])
{
	uint8_t spi[8];
	struct iovec iov[3] = {
		{.iov_base = (void *)(uintptr_t)buf_data(ni), .iov_len = buf_left(ni)},
		{.iov_base = (void *)(uintptr_t)ip->bytes,
		 .iov_len = ip->family == AF_INET ? 4 : 16},
		{.iov_base = spi, .iov_len = sizeof(spi)},
	};

	for (int i = 0; i < 8; i++)
		spi[i] = (uint8_t)(spi_i >> (56 - 8 * i));
	out[0] = k->version;
	return crypto_prf(CRYPTO_PRF_HMAC_SHA2_256, k->key, sizeof(k->key), iov, 3, out + 1);
}

int ike_cookie_make(const struct ike_cookie_secrets *s, const struct buf *ni, const struct addr *ip,
		    uint64_t spi_i, uint8_t out[IKE_COOKIE_LEN])
{
	return compute(&s->cur, ni, ip, spi_i, out);
}

bool ike_cookie_check(const struct ike_cookie_secrets *s, const struct buf *cookie,
		      const struct buf *ni, const struct addr *ip, uint64_t spi_i)
{
	const struct ike_cookie_key *k;
	uint8_t want[IKE_COOKIE_LEN], version;
	const uint8_t *got;
	bool ok;

	if (buf_left(cookie) != IKE_COOKIE_LEN || buf_peek_u8(cookie, 0, &version))
		return false;
	got = buf_peek(cookie, IKE_COOKIE_LEN);
	/* The version byte picks the secret; anything but the current or previous is refused. */
	if (version == s->cur.version)
		k = &s->cur;
	else if (s->prev.valid && version == s->prev.version)
		k = &s->prev;
	else
		return false;
	if (!got || compute(k, ni, ip, spi_i, want))
		return false;
	ok = CRYPTO_memcmp(want, got, IKE_COOKIE_LEN) == 0;
	secret_wipe(want, sizeof(want));
	return ok;
}
