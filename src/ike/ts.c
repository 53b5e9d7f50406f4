/* SPDX-License-Identifier: MIT */
/*
 * ts: selector arithmetic on address ranges, ports and protocols (RFC 7296 2.9: the responder
 * may narrow to a subset; 3.13.1: ranges are inclusive start..end, protocol 0 is any, ports
 * 0..65535 are any). Addresses compare as big-endian byte strings.
 */
#include "ike/ts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static size_t ts_alen(const struct ike_ts *t)
{
	return t->type == IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;
}

void ike_ts_any(struct ike_pld_ts *out, bool v4, bool v6)
{
	memset(out, 0, sizeof(*out));
	if (v4) {
		struct ike_ts *t = &out->ts[out->n_ts++];

		t->type = IKE_TS_IPV4_ADDR_RANGE;
		t->end_port = 65535;
		memset(t->end, 0xff, 4);
	}
	if (v6) {
		struct ike_ts *t = &out->ts[out->n_ts++];

		t->type = IKE_TS_IPV6_ADDR_RANGE;
		t->end_port = 65535;
		memset(t->end, 0xff, 16);
	}
}

static const uint8_t *max_addr(const uint8_t *a, const uint8_t *b, size_t n)
{
	return memcmp(a, b, n) >= 0 ? a : b;
}

static const uint8_t *min_addr(const uint8_t *a, const uint8_t *b, size_t n)
{
	return memcmp(a, b, n) <= 0 ? a : b;
}

/* a ∩ b into out; false when empty or of different families or protocols. */
static bool ts_intersect(const struct ike_ts *a, const struct ike_ts *b, struct ike_ts *out)
{
	size_t n = ts_alen(a);

	if (a->type != b->type)
		return false;
	if (a->ip_proto && b->ip_proto && a->ip_proto != b->ip_proto)
		return false;
	memset(out, 0, sizeof(*out));
	out->type = a->type;
	out->ip_proto = a->ip_proto ? a->ip_proto : b->ip_proto;
	out->start_port = a->start_port > b->start_port ? a->start_port : b->start_port;
	out->end_port = a->end_port < b->end_port ? a->end_port : b->end_port;
	memcpy(out->start, max_addr(a->start, b->start, n), n);
	memcpy(out->end, min_addr(a->end, b->end, n), n);
	return out->start_port <= out->end_port && memcmp(out->start, out->end, n) <= 0;
}

static bool ts_equal(const struct ike_ts *a, const struct ike_ts *b)
{
	size_t n = ts_alen(a);

	return a->type == b->type && a->ip_proto == b->ip_proto &&
	       a->start_port == b->start_port && a->end_port == b->end_port &&
	       memcmp(a->start, b->start, n) == 0 && memcmp(a->end, b->end, n) == 0;
}

int ike_ts_narrow(const struct ike_pld_ts *proposed, const struct ike_pld_ts *allowed,
		  struct ike_pld_ts *out)
{
	memset(out, 0, sizeof(*out));
	for (uint8_t i = 0; i < proposed->n_ts; i++) {
		for (uint8_t j = 0; j < allowed->n_ts; j++) {
			struct ike_ts x;
			bool dup = false;

			if (!ts_intersect(&proposed->ts[i], &allowed->ts[j], &x))
				continue;
			for (uint8_t k = 0; k < out->n_ts; k++)
				dup |= ts_equal(&out->ts[k], &x);
			if (!dup && out->n_ts < IKE_TS_MAX)
				out->ts[out->n_ts++] = x;
		}
	}
	return out->n_ts ? 0 : -ENOENT;
}

static bool ts_inside(const struct ike_ts *in, const struct ike_ts *outer)
{
	struct ike_ts x;

	return ts_intersect(in, outer, &x) && ts_equal(&x, in);
}

bool ike_ts_within(const struct ike_pld_ts *reply, const struct ike_pld_ts *proposed)
{
	if (reply->n_ts == 0)
		return false;
	for (uint8_t i = 0; i < reply->n_ts; i++) {
		bool ok = false;

		for (uint8_t j = 0; j < proposed->n_ts && !ok; j++)
			ok = ts_inside(&reply->ts[i], &proposed->ts[j]);
		if (!ok)
			return false;
	}
	return true;
}

/* The prefix length if start..end is exactly one prefix, else -1. */
static int ts_prefix_len(const struct ike_ts *t)
{
	size_t nbits = ts_alen(t) * 8, i;
	int len = -1;

	for (i = 0; i < nbits; i++) {
		int sb = t->start[i / 8] >> (7 - i % 8) & 1, eb = t->end[i / 8] >> (7 - i % 8) & 1;

		if (len < 0) {
			if (sb == eb)
				continue;
			len = (int)i;
		}
		/* Past the common part: start must be all zeros and end all ones. */
		if (sb != 0 || eb != 1)
			return -1;
	}
	return len < 0 ? (int)nbits : len;
}

void ike_ts_format(const struct ike_pld_ts *ts, char *out, size_t len)
{
	size_t pos = 0;

	if (!len)
		return;
	out[0] = 0;
	for (uint8_t i = 0; i < ts->n_ts && pos < len; i++) {
		const struct ike_ts *t = &ts->ts[i];
		int af = t->type == IKE_TS_IPV4_ADDR_RANGE ? AF_INET : AF_INET6;
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
		int plen = ts_prefix_len(t), n;

		inet_ntop(af, t->start, a, sizeof(a));
		inet_ntop(af, t->end, b, sizeof(b));
		if (plen >= 0)
			n = snprintf(out + pos, len - pos, "%s%s/%d", i ? ", " : "", a, plen);
		else
			n = snprintf(out + pos, len - pos, "%s%s-%s", i ? ", " : "", a, b);
		if (n < 0)
			return;
		pos += (size_t)n;
		if (pos < len && (t->ip_proto || t->start_port || t->end_port != 65535)) {
			n = snprintf(out + pos, len - pos, "[%u/%u-%u]", t->ip_proto, t->start_port,
				     t->end_port);
			if (n > 0)
				pos += (size_t)n;
		}
	}
}
