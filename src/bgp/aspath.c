/* SPDX-License-Identifier: MIT */
/*
 * aspath: AS paths as UPDATE carries them (RFC 4271 4.3, 5.1.2; RFC 6793 3, 4.2.3): segments of
 * 2- or 4-octet ASNs parsed with RFC 7606 7.2's idea of malformed, written back (with AS_TRANS
 * for a 2-octet peer), the AS_PATH/AS4_PATH merge, and the path length of the decision process.
 */
#include "bgp/aspath.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bgp/msg.h"

unsigned int bgp_aspath_count(const struct bgp_aspath *a)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < a->n_segs; i++) {
		switch (a->segs[i].type) {
		case BGP_ASSEG_SEQUENCE:
			n += a->segs[i].n;
			break;
		case BGP_ASSEG_SET:
			n += 1;
			break;
		default:
			break; /* RFC 5065 5.3: confederation segments do not count */
		}
	}
	return n;
}

bool bgp_aspath_contains(const struct bgp_aspath *a, uint32_t asn)
{
	for (unsigned int i = 0; i < a->n_as; i++)
		if (a->as[i] == asn)
			return true;
	return false;
}

uint32_t bgp_aspath_first(const struct bgp_aspath *a)
{
	if (a->n_segs == 0 || a->segs[0].type != BGP_ASSEG_SEQUENCE)
		return 0;
	return a->as[0];
}

const char *bgp_aspath_print(const struct bgp_aspath *a, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int k = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (unsigned int i = 0; i < a->n_segs && off < len; i++) {
		bool set =
			a->segs[i].type == BGP_ASSEG_SET || a->segs[i].type == BGP_ASSEG_CONFED_SET;
		int n;

		n = snprintf(buf + off, len - off, "%s%s", i ? " " : "", set ? "{" : "");
		off += n > 0 ? (size_t)n : 0;
		for (unsigned int j = 0; j < a->segs[i].n && off < len; j++, k++) {
			n = snprintf(buf + off, len - off, "%s%" PRIu32, j ? (set ? "," : " ") : "",
				     a->as[k]);
			off += n > 0 ? (size_t)n : 0;
		}
		if (set && off < len) {
			n = snprintf(buf + off, len - off, "}");
			off += n > 0 ? (size_t)n : 0;
		}
	}
	return buf;
}

/*
 * Segments of 2- or 4-octet ASNs into segs/as (RFC 4271 4.3, RFC 6793 3). Malformed (RFC 7606
 * 7.2): an unknown segment type, an empty segment, a segment overrunning the attribute, a single
 * octet left over; and AS 0 (RFC 7607 2).
 */
int bgp_aspath_parse(struct buf *v, bool four, struct bgp_as_seg *segs, uint32_t *as,
		     struct bgp_aspath *out, const char **why)
{
	uint16_t n_segs = 0, n_as = 0;
	size_t w = four ? 4 : 2;

	while (buf_left(v)) {
		uint8_t type, n;

		if (buf_get_u8(v, &type) || buf_get_u8(v, &n)) {
			*why = "segment header truncated";
			return -EBADMSG;
		}
		if (type < BGP_ASSEG_SET || type > BGP_ASSEG_CONFED_SET) {
			*why = "unknown segment type";
			return -EBADMSG;
		}
		if (n == 0) {
			*why = "empty segment";
			return -EBADMSG;
		}
		if ((size_t)n * w > buf_left(v)) {
			*why = "segment overruns the attribute";
			return -EBADMSG;
		}
		if (n_segs >= BGP_ASPATH_MAX_SEGS || (size_t)n_as + n > BGP_ASPATH_MAX_AS) {
			*why = "path too long";
			return -EBADMSG;
		}
		for (unsigned int i = 0; i < n; i++) {
			uint16_t a16;
			uint32_t a32;

			if (four) {
				buf_get_be32(v, &a32);
			} else {
				buf_get_be16(v, &a16);
				a32 = a16;
			}
			if (a32 == 0) {
				*why = "AS 0 in the path";
				return -EBADMSG;
			}
			as[n_as++] = a32;
		}
		segs[n_segs].type = type;
		segs[n_segs].n = n;
		n_segs++;
	}
	out->segs = segs;
	out->as = as;
	out->n_segs = n_segs;
	out->n_as = n_as;
	return 0;
}

bool bgp_aspath_has_confed(const struct bgp_aspath *a)
{
	for (unsigned int i = 0; i < a->n_segs; i++)
		if (a->segs[i].type == BGP_ASSEG_CONFED_SEQUENCE ||
		    a->segs[i].type == BGP_ASSEG_CONFED_SET)
			return true;
	return false;
}

int bgp_aspath_merge4(struct bgp_aspath *path, struct bgp_as_seg *seg_mem, uint32_t *as_mem,
		      const struct bgp_aspath *as4)
{
	unsigned int n = bgp_aspath_count(path), n4 = bgp_aspath_count(as4);
	unsigned int keep, taken = 0, segs = 0, as = 0;

	if (n < n4)
		return -EINVAL;
	keep = n - n4;
	/* The leading part of AS_PATH that AS4_PATH does not cover, counted as 9.1.2.2 (a). */
	while (segs < path->n_segs && taken < keep) {
		struct bgp_as_seg *s = &seg_mem[segs];
		unsigned int take = s->n;

		if (s->type == BGP_ASSEG_SEQUENCE) {
			if (take > keep - taken)
				take = keep - taken;
			taken += take;
			s->n = (uint8_t)take;
		} else if (s->type == BGP_ASSEG_SET) {
			taken += 1;
		}
		as += take;
		segs++;
	}
	if (segs + as4->n_segs > BGP_ASPATH_MAX_SEGS || as + as4->n_as > BGP_ASPATH_MAX_AS)
		return -E2BIG;
	memcpy(&seg_mem[segs], as4->segs, as4->n_segs * sizeof(seg_mem[0]));
	memcpy(&as_mem[as], as4->as, as4->n_as * sizeof(as_mem[0]));
	path->segs = seg_mem;
	path->as = as_mem;
	path->n_segs = (uint16_t)(segs + as4->n_segs);
	path->n_as = (uint16_t)(as + as4->n_as);
	return 0;
}

bool bgp_aspath_needs_as4(const struct bgp_aspath *a)
{
	for (unsigned int i = 0; i < a->n_as; i++)
		if (a->as[i] > UINT16_MAX)
			return true;
	return false;
}

static bool seg_confed(const struct bgp_as_seg *s)
{
	return s->type == BGP_ASSEG_CONFED_SEQUENCE || s->type == BGP_ASSEG_CONFED_SET;
}

size_t bgp_aspath_wire_len(const struct bgp_aspath *a, bool four, bool no_confed)
{
	size_t len = 0;

	for (unsigned int i = 0; i < a->n_segs; i++)
		if (!(no_confed && seg_confed(&a->segs[i])))
			len += 2 + (size_t)a->segs[i].n * (four ? 4 : 2);
	return len;
}

int bgp_aspath_put(struct buf *w, const struct bgp_aspath *a, bool four, bool no_confed)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < a->n_segs; i++) {
		bool skip = no_confed && seg_confed(&a->segs[i]);

		if (!skip && (buf_put_u8(w, a->segs[i].type) || buf_put_u8(w, a->segs[i].n)))
			return -ENOSPC;
		for (unsigned int j = 0; j < a->segs[i].n; j++, k++) {
			uint32_t as = a->as[k];
			int r;

			if (skip)
				continue;
			r = four ? buf_put_be32(w, as)
				 : buf_put_be16(w, as > UINT16_MAX ? BGP_AS_TRANS : (uint16_t)as);
			if (r)
				return -ENOSPC;
		}
	}
	return 0;
}
