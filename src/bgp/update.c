/* SPDX-License-Identifier: MIT */
/*
 * update: parse and build UPDATE messages (RFC 4271 4.3, 5, 6.3; RFC 4760 3-5; RFC 6793 4;
 * RFC 1997), with RFC 7606's revised error handling: each attribute error is classified as
 * attribute-discard, treat-as-withdraw or session reset (the strongest found wins, 7606 3(f)),
 * so that one bad attribute costs the routes of one message and not the whole session.
 */
#include "bgp/update.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* ---- NLRI (4.3, RFC 4760 5) ------------------------------------------------------------- */

int bgp_nlri_get(struct buf *b, uint16_t afi, struct prefix *p)
{
	unsigned int max = afi == BGP_AFI_IPV6 ? 128 : 32;
	uint8_t len, bytes[16] = {0};
	struct buf save = *b;

	if (!buf_left(b))
		return -ENOENT;
	buf_get_u8(b, &len);
	if (len > max || buf_get_bytes(b, bytes, (len + 7u) / 8u)) {
		*b = save;
		return -EBADMSG;
	}
	memset(p, 0, sizeof(*p));
	if (afi == BGP_AFI_IPV6)
		addr_set_v6(&p->addr, bytes);
	else
		addr_set_v4(&p->addr, bytes);
	p->len = len;
	/* 4.3: trailing bits past the length are irrelevant. */
	prefix_mask(p);
	return 0;
}

size_t bgp_nlri_size(const struct prefix *p)
{
	return 1 + (p->len + 7u) / 8u;
}

int bgp_nlri_put(struct buf *w, const struct prefix *p)
{
	uint8_t mem[17];
	struct buf t;

	if (p->len > addr_bits(&p->addr))
		return -EINVAL;
	buf_init_write(&t, mem, sizeof(mem));
	buf_put_u8(&t, (uint8_t)p->len);
	buf_put_bytes(&t, p->addr.bytes, (p->len + 7u) / 8u);
	/* One put, so a prefix that does not fit leaves nothing behind. */
	return buf_put_buf(w, &t);
}

/* An NLRI field is valid when every prefix in it parses. */
static bool nlri_valid(const struct buf *field, uint16_t afi)
{
	struct buf b = *field;
	struct prefix p;
	int r;

	while ((r = bgp_nlri_get(&b, afi, &p)) == 0)
		;
	return r == -ENOENT;
}

/* ---- attribute parsing -------------------------------------------------------------------- */

struct upd_parse {
	const struct bgp_parse_ctx *ctx;
	struct bgp_update *u;
	struct bgp_error *err;
	uint32_t seen[8]; /* attribute types met, for duplicates (7606 3(g)) */
	struct buf other; /* writer over u->other_mem */
	bool have_as4_path, have_as4_aggr;
	struct bgp_aspath as4_path;
	uint32_t as4_aggr_as;
	struct addr as4_aggr_addr;
};

static void upd_note(struct bgp_update *u, enum bgp_action a, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record an error handled without a reset; the strongest action wins (7606 3(f)). */
static void upd_note(struct bgp_update *u, enum bgp_action a, const char *fmt, ...)
{
	va_list ap;

	if (a == BGP_ACT_ATTR_DISCARD)
		u->n_discarded++;
	if (a <= u->action)
		return;
	u->action = a;
	va_start(ap, fmt);
	vsnprintf(u->why, sizeof(u->why), fmt, ap);
	va_end(ap);
}

/* A session reset for attribute raw (its header and value are the NOTIFICATION's data). */
static int upd_reset(struct upd_parse *p, uint8_t subcode, const struct buf *raw, const char *why)
{
	bgp_error_set(p->err, BGP_ERR_UPDATE, subcode, "%s", why);
	if (raw)
		bgp_error_data(p->err, raw);
	return -EBADMSG;
}

/* Whether flags match the attribute's Optional and Transitive bits (7606 3(c)). */
static bool flags_ok(uint8_t flags, uint8_t want)
{
	return (flags & (BGP_AF_OPTIONAL | BGP_AF_TRANSITIVE)) == want;
}

#define WELL_KNOWN   BGP_AF_TRANSITIVE
#define OPT_TRANS    (BGP_AF_OPTIONAL | BGP_AF_TRANSITIVE)
#define OPT_NONTRANS BGP_AF_OPTIONAL

static int attr_mp_reach(struct upd_parse *p, const struct buf *raw, struct buf *v)
{
	struct bgp_update *u = p->u;
	uint8_t nhlen, res;
	struct buf nh;

	/* RFC 7606 7.11: without a consistent next hop the NLRI cannot be located: reset. */
	if (buf_get_be16(v, &u->mp_reach_afi) || buf_get_u8(v, &u->mp_reach_safi) ||
	    buf_get_u8(v, &nhlen) || buf_get_sub(v, nhlen, &nh) || buf_get_u8(v, &res))
		return upd_reset(p, BGP_ERR_UPD_OPTIONAL, raw, "MP_REACH_NLRI truncated");
	u->mp_reach = true;
	u->mp_reach_known = u->mp_reach_safi == BGP_SAFI_UNICAST &&
			    (u->mp_reach_afi == BGP_AFI_IPV4 || u->mp_reach_afi == BGP_AFI_IPV6);
	if (!u->mp_reach_known)
		return 0; /* RFC 4760 7: an AFI/SAFI we did not negotiate is ignored */
	if (u->mp_reach_afi == BGP_AFI_IPV4) {
		uint8_t a[4];

		if (nhlen != 4)
			return upd_reset(p, BGP_ERR_UPD_OPTIONAL, raw,
					 "MP_REACH_NLRI IPv4 next hop length is not 4");
		buf_get_bytes(&nh, a, 4);
		addr_set_v4(&u->mp_nexthop, a);
	} else {
		uint8_t a[16];

		/* RFC 2545 3: a global address, optionally followed by a link-local one. */
		if (nhlen != 16 && nhlen != 32)
			return upd_reset(p, BGP_ERR_UPD_OPTIONAL, raw,
					 "MP_REACH_NLRI IPv6 next hop length is not 16 or 32");
		buf_get_bytes(&nh, a, 16);
		addr_set_v6(&u->mp_nexthop, a);
		if (nhlen == 32) {
			buf_get_bytes(&nh, a, 16);
			addr_set_v6(&u->mp_nexthop_ll, a);
		}
	}
	u->mp_reach_nlri = *v;
	/* RFC 7606 5.3: an NLRI that does not parse cannot be withdrawn either: reset. */
	if (!nlri_valid(v, u->mp_reach_afi))
		return upd_reset(p, BGP_ERR_UPD_OPTIONAL, raw, "MP_REACH_NLRI prefix malformed");
	return 0;
}

static int attr_mp_unreach(struct upd_parse *p, const struct buf *raw, struct buf *v)
{
	struct bgp_update *u = p->u;

	if (buf_get_be16(v, &u->mp_unreach_afi) || buf_get_u8(v, &u->mp_unreach_safi))
		return upd_reset(p, BGP_ERR_UPD_OPTIONAL, raw, "MP_UNREACH_NLRI truncated");
	u->mp_unreach = true;
	u->mp_unreach_known =
		u->mp_unreach_safi == BGP_SAFI_UNICAST &&
		(u->mp_unreach_afi == BGP_AFI_IPV4 || u->mp_unreach_afi == BGP_AFI_IPV6);
	if (!u->mp_unreach_known)
		return 0;
	u->mp_unreach_nlri = *v;
	if (!nlri_valid(v, u->mp_unreach_afi))
		return upd_reset(p, BGP_ERR_UPD_OPTIONAL, raw, "MP_UNREACH_NLRI prefix malformed");
	return 0;
}

static void get_addr4(struct buf *v, struct addr *a)
{
	uint8_t b[4];

	buf_get_bytes(v, b, 4);
	addr_set_v4(a, b);
}

/* Keep an unknown optional transitive attribute for passing on, Partial set (4.3, 5). */
static void attr_keep_other(struct upd_parse *p, uint8_t flags, uint8_t type, const struct buf *v)
{
	size_t len = buf_left(v);
	struct buf w = p->other;

	flags |= BGP_AF_PARTIAL;
	flags = len > 255 ? (flags | BGP_AF_EXTLEN) : (flags & ~BGP_AF_EXTLEN);
	if (buf_put_u8(&w, flags) || buf_put_u8(&w, type) ||
	    (len > 255 ? buf_put_be16(&w, (uint16_t)len) : buf_put_u8(&w, (uint8_t)len)) ||
	    buf_put_buf(&w, v)) {
		upd_note(p->u, BGP_ACT_ATTR_DISCARD, "no room to keep attribute %u", type);
		return;
	}
	p->other = w;
}

/*
 * One attribute: flags, type, value v (raw: the whole attribute, for NOTIFICATION data).
 * 0 (errors noted in u) or -EBADMSG for a session reset.
 */
static int attr_parse(struct upd_parse *p, uint8_t flags, uint8_t type, const struct buf *raw,
		      struct buf *v)
{
	struct bgp_update *u = p->u;
	struct bgp_attrs *a = &u->attrs;
	size_t len = buf_left(v);
	const char *why = NULL;
	uint16_t a16;

	switch (type) {
	case BGP_ATTR_ORIGIN:
		/* 7606 7.1 */
		if (!flags_ok(flags, WELL_KNOWN) || len != 1) {
			upd_note(u, BGP_ACT_TREAT_AS_WITHDRAW, "ORIGIN flags or length");
			return 0;
		}
		buf_get_u8(v, &a->origin);
		if (a->origin > BGP_ORIGIN_INCOMPLETE) {
			upd_note(u, BGP_ACT_TREAT_AS_WITHDRAW, "ORIGIN value %u", a->origin);
			return 0;
		}
		a->have |= BGP_HAVE(type);
		return 0;
	case BGP_ATTR_AS_PATH:
		/* 7606 7.2 */
		if (!flags_ok(flags, WELL_KNOWN)) {
			upd_note(u, BGP_ACT_TREAT_AS_WITHDRAW, "AS_PATH flags");
			return 0;
		}
		if (bgp_aspath_parse(v, p->ctx->as4, u->seg_mem, u->as_mem, &a->aspath, &why)) {
			upd_note(u, BGP_ACT_TREAT_AS_WITHDRAW, "AS_PATH malformed: %s", why);
			memset(&a->aspath, 0, sizeof(a->aspath));
			return 0;
		}
		if (p->ctx->ebgp && bgp_aspath_has_confed(&a->aspath)) {
			upd_note(u, BGP_ACT_TREAT_AS_WITHDRAW,
				 "AS_PATH confederation segment from "
				 "an external peer");
			return 0;
		}
		a->have |= BGP_HAVE(type);
		return 0;
	case BGP_ATTR_NEXT_HOP:
		/* 7606 7.3 */
		if (!flags_ok(flags, WELL_KNOWN) || len != 4) {
			upd_note(u, BGP_ACT_TREAT_AS_WITHDRAW, "NEXT_HOP flags or length");
			return 0;
		}
		get_addr4(v, &u->nexthop4);
		a->have |= BGP_HAVE(type);
		return 0;
	case BGP_ATTR_MED:
		/* 7606 7.4 */
		if (!flags_ok(flags, OPT_NONTRANS) || len != 4) {
			upd_note(u, BGP_ACT_TREAT_AS_WITHDRAW, "MULTI_EXIT_DISC flags or length");
			return 0;
		}
		buf_get_be32(v, &a->med);
		a->have |= BGP_HAVE(type);
		return 0;
	case BGP_ATTR_LOCAL_PREF:
		/* 7606 7.5: from an external peer it is discarded, whatever it holds. */
		if (p->ctx->ebgp) {
			upd_note(u, BGP_ACT_ATTR_DISCARD, "LOCAL_PREF from an external peer");
			return 0;
		}
		if (!flags_ok(flags, WELL_KNOWN) || len != 4) {
			upd_note(u, BGP_ACT_TREAT_AS_WITHDRAW, "LOCAL_PREF flags or length");
			return 0;
		}
		buf_get_be32(v, &a->local_pref);
		a->have |= BGP_HAVE(type);
		return 0;
	case BGP_ATTR_ATOMIC_AGGREGATE:
		/* 7606 7.6 (flags: 3(c)) */
		if (!flags_ok(flags, WELL_KNOWN)) {
			upd_note(u, BGP_ACT_TREAT_AS_WITHDRAW, "ATOMIC_AGGREGATE flags");
			return 0;
		}
		if (len != 0) {
			upd_note(u, BGP_ACT_ATTR_DISCARD, "ATOMIC_AGGREGATE length %zu", len);
			return 0;
		}
		a->have |= BGP_HAVE(type);
		return 0;
	case BGP_ATTR_AGGREGATOR:
		/* 7606 7.7; RFC 6793 3: 4-octet AS between NEW speakers; RFC 7607: not AS 0 */
		if (!flags_ok(flags, OPT_TRANS)) {
			upd_note(u, BGP_ACT_TREAT_AS_WITHDRAW, "AGGREGATOR flags");
			return 0;
		}
		if (len != (p->ctx->as4 ? 8u : 6u)) {
			upd_note(u, BGP_ACT_ATTR_DISCARD, "AGGREGATOR length %zu", len);
			return 0;
		}
		if (p->ctx->as4) {
			buf_get_be32(v, &a->aggr_as);
		} else {
			buf_get_be16(v, &a16);
			a->aggr_as = a16;
		}
		get_addr4(v, &a->aggr_addr);
		if (a->aggr_as == 0) {
			upd_note(u, BGP_ACT_ATTR_DISCARD, "AGGREGATOR AS 0");
			return 0;
		}
		a->have |= BGP_HAVE(type);
		return 0;
	case BGP_ATTR_COMMUNITIES:
		/* 7606 7.8 */
		if (!flags_ok(flags, OPT_TRANS) || len == 0 || len % 4 || len / 4 > BGP_COMM_MAX) {
			upd_note(u, BGP_ACT_TREAT_AS_WITHDRAW, "COMMUNITIES flags or length");
			return 0;
		}
		for (size_t i = 0; i < len / 4; i++)
			buf_get_be32(v, &u->comm_mem[i]);
		a->communities = u->comm_mem;
		a->n_communities = (uint16_t)(len / 4);
		a->have |= BGP_HAVE(type);
		return 0;
	case BGP_ATTR_ORIGINATOR_ID:
	case BGP_ATTR_CLUSTER_LIST:
		/* 7606 7.9, 7.10: route reflection is internal; we have no internal peers. */
		upd_note(u, BGP_ACT_ATTR_DISCARD, "route reflection attribute %u", type);
		return 0;
	case BGP_ATTR_MP_REACH:
	case BGP_ATTR_MP_UNREACH: {
		int r = type == BGP_ATTR_MP_REACH ? attr_mp_reach(p, raw, v)
						  : attr_mp_unreach(p, raw, v);

		/* Flags in conflict (7606 3(c)): the NLRI is still located, and withdrawn. */
		if (r == 0 && !flags_ok(flags, OPT_NONTRANS))
			upd_note(u, BGP_ACT_TREAT_AS_WITHDRAW, "%s flags",
				 type == BGP_ATTR_MP_REACH ? "MP_REACH_NLRI" : "MP_UNREACH_NLRI");
		return r;
	}
	case BGP_ATTR_AS4_PATH:
		/* RFC 6793 4.2.2 and 6: discarded between NEW speakers and when malformed. */
		if (p->ctx->as4) {
			upd_note(u, BGP_ACT_ATTR_DISCARD, "AS4_PATH from a 4-octet speaker");
			return 0;
		}
		if (!flags_ok(flags, OPT_TRANS) ||
		    bgp_aspath_parse(v, true, u->seg4_mem, u->as4_mem, &p->as4_path, &why) ||
		    bgp_aspath_has_confed(&p->as4_path)) {
			upd_note(u, BGP_ACT_ATTR_DISCARD, "AS4_PATH malformed: %s",
				 why ? why : "flags or confederation segment");
			return 0;
		}
		p->have_as4_path = true;
		return 0;
	case BGP_ATTR_AS4_AGGREGATOR:
		if (p->ctx->as4) {
			upd_note(u, BGP_ACT_ATTR_DISCARD, "AS4_AGGREGATOR from a 4-octet speaker");
			return 0;
		}
		if (!flags_ok(flags, OPT_TRANS) || len != 8) {
			upd_note(u, BGP_ACT_ATTR_DISCARD, "AS4_AGGREGATOR flags or length");
			return 0;
		}
		buf_get_be32(v, &p->as4_aggr_as);
		get_addr4(v, &p->as4_aggr_addr);
		if (p->as4_aggr_as == 0) {
			upd_note(u, BGP_ACT_ATTR_DISCARD, "AS4_AGGREGATOR AS 0");
			return 0;
		}
		p->have_as4_aggr = true;
		return 0;
	default:
		/* 6.3: a well-known attribute we do not know ends the session. */
		if (!(flags & BGP_AF_OPTIONAL))
			return upd_reset(p, BGP_ERR_UPD_UNKNOWN_WK, raw,
					 "unrecognized well-known attribute");
		if (flags & BGP_AF_TRANSITIVE)
			attr_keep_other(p, flags, type, v);
		else
			u->n_ignored++; /* 5: quietly ignored, not passed on */
		return 0;
	}
}

/*
 * RFC 6793 4.2.3: a 2-octet speaker's AS_PATH holds AS_TRANS for 4-octet ASNs; AS4_PATH has the
 * real ones for the part of the path it covers. The result is the leading part of AS_PATH not
 * covered by AS4_PATH, followed by AS4_PATH.
 */
static void as4_merge(struct upd_parse *p)
{
	struct bgp_update *u = p->u;
	struct bgp_attrs *a = &u->attrs;
	bool aggr_trans = (a->have & BGP_HAVE(BGP_ATTR_AGGREGATOR)) && a->aggr_as == BGP_AS_TRANS;

	if ((a->have & BGP_HAVE(BGP_ATTR_AGGREGATOR)) && !aggr_trans) {
		/* The aggregation was done by a 2-octet speaker: AS4_* are stale. */
		if (p->have_as4_path || p->have_as4_aggr)
			upd_note(u, BGP_ACT_ATTR_DISCARD,
				 "AS4 attributes behind a 2-octet "
				 "AGGREGATOR");
		return;
	}
	if (p->have_as4_aggr && aggr_trans) {
		a->aggr_as = p->as4_aggr_as;
		a->aggr_addr = p->as4_aggr_addr;
	}
	if (!p->have_as4_path || !(a->have & BGP_HAVE(BGP_ATTR_AS_PATH)))
		return;
	switch (bgp_aspath_merge4(&a->aspath, u->seg_mem, u->as_mem, &p->as4_path)) {
	case -EINVAL:
		upd_note(u, BGP_ACT_ATTR_DISCARD, "AS4_PATH longer than AS_PATH");
		break;
	case -E2BIG:
		upd_note(u, BGP_ACT_ATTR_DISCARD, "merged AS path too long");
		break;
	}
}

static bool bit_test_set(uint32_t *bits, uint8_t t)
{
	bool was = bits[t / 32] & (1u << (t % 32));

	bits[t / 32] |= 1u << (t % 32);
	return was;
}

static int attrs_parse(struct upd_parse *p, struct buf *attrs)
{
	struct bgp_update *u = p->u;

	while (buf_left(attrs)) {
		struct buf start = *attrs, raw, v;
		uint8_t flags, type, l8;
		uint16_t len;
		int r;

		/*
		 * RFC 7606 4: fewer than 3 (4 with Extended Length) octets left, or a length past
		 * the end: treat-as-withdraw, the NLRI located by the Total Attribute Length.
		 */
		if (buf_get_u8(attrs, &flags) || buf_get_u8(attrs, &type)) {
			upd_note(u, BGP_ACT_TREAT_AS_WITHDRAW, "attribute header truncated");
			return 0;
		}
		if (flags & BGP_AF_EXTLEN) {
			if (buf_get_be16(attrs, &len)) {
				upd_note(u, BGP_ACT_TREAT_AS_WITHDRAW,
					 "attribute header truncated");
				return 0;
			}
		} else {
			if (buf_get_u8(attrs, &l8)) {
				upd_note(u, BGP_ACT_TREAT_AS_WITHDRAW,
					 "attribute header truncated");
				return 0;
			}
			len = l8;
		}
		if (buf_get_sub(attrs, len, &v)) {
			upd_note(u, BGP_ACT_TREAT_AS_WITHDRAW,
				 "attribute %u length %u overruns the attributes", type, len);
			return 0;
		}
		buf_slice(&start, buf_head_pos(&start), buf_head_pos(attrs), &raw);
		if (bit_test_set(p->seen, type)) {
			/* 7606 3(g): a second MP attribute resets; any other repeat is dropped. */
			if (type == BGP_ATTR_MP_REACH || type == BGP_ATTR_MP_UNREACH)
				return upd_reset(p, BGP_ERR_UPD_ATTR_LIST, NULL,
						 "MP_REACH_NLRI or MP_UNREACH_NLRI repeated");
			upd_note(u, BGP_ACT_ATTR_DISCARD, "attribute %u repeated", type);
			continue;
		}
		r = attr_parse(p, flags, type, &raw, &v);
		if (r)
			return r;
	}
	return 0;
}

int bgp_update_parse(struct buf *body, const struct bgp_parse_ctx *ctx, struct bgp_update *u,
		     struct bgp_error *err)
{
	struct upd_parse p = {.ctx = ctx, .u = u, .err = err};
	struct bgp_attrs *a = &u->attrs;
	uint16_t wlen, alen;
	struct buf attrs;
	bool announces;
	int r;

	/* Everything but the storage, which is overwritten as it is used. */
	memset(u, 0, offsetof(struct bgp_update, seg_mem));
	buf_init_write(&p.other, u->other_mem, sizeof(u->other_mem));
	err->action = BGP_ACT_NONE;
	/* 6.3: lengths that do not fit the message: Malformed Attribute List. */
	if (buf_get_be16(body, &wlen) || buf_get_sub(body, wlen, &u->withdrawn))
		return bgp_error_set(err, BGP_ERR_UPDATE, BGP_ERR_UPD_ATTR_LIST,
				     "withdrawn routes length %u past the message", wlen);
	if (buf_get_be16(body, &alen) || buf_get_sub(body, alen, &attrs))
		return bgp_error_set(err, BGP_ERR_UPDATE, BGP_ERR_UPD_ATTR_LIST,
				     "path attribute length %u past the message", alen);
	buf_get_sub(body, buf_left(body), &u->nlri);
	/* RFC 7606 5.3: an NLRI field that does not parse: reset (Invalid Network Field). */
	if (!nlri_valid(&u->withdrawn, BGP_AFI_IPV4))
		return bgp_error_set(err, BGP_ERR_UPDATE, BGP_ERR_UPD_NETWORK,
				     "withdrawn routes field malformed");
	if (!nlri_valid(&u->nlri, BGP_AFI_IPV4))
		return bgp_error_set(err, BGP_ERR_UPDATE, BGP_ERR_UPD_NETWORK,
				     "NLRI field malformed");
	r = attrs_parse(&p, &attrs);
	if (r)
		return r;
	a->other = u->other_mem;
	a->other_len = (uint16_t)buf_left(&p.other);
	if (!ctx->as4)
		as4_merge(&p);

	announces = buf_left(&u->nlri) || (u->mp_reach && buf_left(&u->mp_reach_nlri));
	if (announces) {
		/*
		 * 7606 3(d): a missing well-known mandatory attribute is treat-as-withdraw.
		 * NEXT_HOP is mandatory only with IPv4 NLRI in the NLRI field (RFC 4760 3).
		 */
		if (!(a->have & BGP_HAVE(BGP_ATTR_ORIGIN)))
			upd_note(u, BGP_ACT_TREAT_AS_WITHDRAW, "ORIGIN missing");
		if (!(a->have & BGP_HAVE(BGP_ATTR_AS_PATH)))
			upd_note(u, BGP_ACT_TREAT_AS_WITHDRAW, "AS_PATH missing");
		if (buf_left(&u->nlri) && !(a->have & BGP_HAVE(BGP_ATTR_NEXT_HOP)))
			upd_note(u, BGP_ACT_TREAT_AS_WITHDRAW, "NEXT_HOP missing");
	}
	/* RFC 4271 6.3, 7606 7.2: an external peer's path starts with its own AS. */
	if (ctx->ebgp && ctx->peer_as && (a->have & BGP_HAVE(BGP_ATTR_AS_PATH)) &&
	    bgp_aspath_first(&a->aspath) != ctx->peer_as)
		upd_note(u, BGP_ACT_TREAT_AS_WITHDRAW,
			 "AS_PATH does not start with the peer's AS %u", ctx->peer_as);
	return 0;
}

/* ---- building ------------------------------------------------------------------------------- */

static int put_attr_hdr(struct buf *w, uint8_t flags, uint8_t type, size_t len)
{
	if (len > UINT16_MAX)
		return -ENOSPC;
	if (len > 255)
		return buf_put_u8(w, flags | BGP_AF_EXTLEN) || buf_put_u8(w, type) ||
				       buf_put_be16(w, (uint16_t)len)
			       ? -ENOSPC
			       : 0;
	return buf_put_u8(w, flags & ~BGP_AF_EXTLEN) || buf_put_u8(w, type) ||
			       buf_put_u8(w, (uint8_t)len)
		       ? -ENOSPC
		       : 0;
}

/* AS_PATH, or AS4_PATH (RFC 6793 3): the header, then the segments (aspath.c). */
static int put_aspath(struct buf *w, uint8_t type, const struct bgp_aspath *a, bool four)
{
	bool as4_path = type == BGP_ATTR_AS4_PATH;

	if (put_attr_hdr(w, as4_path ? OPT_TRANS : WELL_KNOWN, type,
			 bgp_aspath_wire_len(a, four, as4_path)))
		return -ENOSPC;
	return bgp_aspath_put(w, a, four, as4_path);
}

static int put_addr4(struct buf *w, const struct addr *a)
{
	return buf_put_bytes(w, a->bytes, 4);
}

/* Every attribute but the MP ones, in type order (RFC 4271 5). */
static int put_attrs(struct buf *w, const struct bgp_attrs *a, bool v4_nexthop, bool as4)
{
	bool need4 = !as4 && bgp_aspath_needs_as4(&a->aspath);
	bool have_aggr = a->have & BGP_HAVE(BGP_ATTR_AGGREGATOR);
	bool aggr4 = !as4 && have_aggr && a->aggr_as > UINT16_MAX;

	if (put_attr_hdr(w, WELL_KNOWN, BGP_ATTR_ORIGIN, 1) || buf_put_u8(w, a->origin))
		return -ENOSPC;
	if (put_aspath(w, BGP_ATTR_AS_PATH, &a->aspath, as4))
		return -ENOSPC;
	if (v4_nexthop &&
	    (put_attr_hdr(w, WELL_KNOWN, BGP_ATTR_NEXT_HOP, 4) || put_addr4(w, &a->nexthop)))
		return -ENOSPC;
	if ((a->have & BGP_HAVE(BGP_ATTR_MED)) &&
	    (put_attr_hdr(w, OPT_NONTRANS, BGP_ATTR_MED, 4) || buf_put_be32(w, a->med)))
		return -ENOSPC;
	if ((a->have & BGP_HAVE(BGP_ATTR_LOCAL_PREF)) &&
	    (put_attr_hdr(w, WELL_KNOWN, BGP_ATTR_LOCAL_PREF, 4) || buf_put_be32(w, a->local_pref)))
		return -ENOSPC;
	if ((a->have & BGP_HAVE(BGP_ATTR_ATOMIC_AGGREGATE)) &&
	    put_attr_hdr(w, WELL_KNOWN, BGP_ATTR_ATOMIC_AGGREGATE, 0))
		return -ENOSPC;
	if (have_aggr) {
		int r = put_attr_hdr(w, OPT_TRANS, BGP_ATTR_AGGREGATOR, as4 ? 8 : 6);

		if (r ||
		    (as4 ? buf_put_be32(w, a->aggr_as)
			 : buf_put_be16(w, aggr4 ? BGP_AS_TRANS : (uint16_t)a->aggr_as)) ||
		    put_addr4(w, &a->aggr_addr))
			return -ENOSPC;
	}
	if (a->have & BGP_HAVE(BGP_ATTR_COMMUNITIES)) {
		if (put_attr_hdr(w, OPT_TRANS, BGP_ATTR_COMMUNITIES, 4u * a->n_communities))
			return -ENOSPC;
		for (unsigned int i = 0; i < a->n_communities; i++)
			if (buf_put_be32(w, a->communities[i]))
				return -ENOSPC;
	}
	/* RFC 6793 4.2.2: a 2-octet peer gets the real path in AS4_PATH / AS4_AGGREGATOR. */
	if (need4 && put_aspath(w, BGP_ATTR_AS4_PATH, &a->aspath, true))
		return -ENOSPC;
	if (aggr4 && (put_attr_hdr(w, OPT_TRANS, BGP_ATTR_AS4_AGGREGATOR, 8) ||
		      buf_put_be32(w, a->aggr_as) || put_addr4(w, &a->aggr_addr)))
		return -ENOSPC;
	if (a->other_len && buf_put_bytes(w, a->other, a->other_len))
		return -ENOSPC;
	return 0;
}

/* Room left in the message that started at start. */
static size_t msg_room(const struct buf *w, size_t start)
{
	return BGP_MAX_MSG - (buf_tail_pos(w) - start);
}

/* Put prefixes from list while each fits in the message, keeping reserve bytes free. */
static size_t put_prefixes(struct buf *w, size_t start, const struct prefix *list, size_t n,
			   size_t reserve)
{
	size_t i;

	for (i = 0; i < n; i++) {
		size_t sz = bgp_nlri_size(&list[i]);

		if (sz + reserve > msg_room(w, start) || bgp_nlri_put(w, &list[i]))
			break;
	}
	return i;
}

int bgp_update_build(struct buf *w, const struct bgp_update_out *u, size_t *n_wd, size_t *n_nlri)
{
	uint8_t mem[BGP_MAX_MSG];
	bool v6 = u->afi == BGP_AFI_IPV6;
	size_t start, wpos, apos, mp, attrs_len = 0, first_nlri = 0, reach_fixed = 0;
	struct buf aw;
	int r;

	*n_wd = *n_nlri = 0;
	if (u->afi != BGP_AFI_IPV4 && u->afi != BGP_AFI_IPV6)
		return -EINVAL;
	if (buf_tailroom(w) < BGP_MAX_MSG)
		return -ENOSPC;
	buf_init_write(&aw, mem, sizeof(mem));
	if (u->n_nlri) {
		if (!u->attrs || u->attrs->nexthop.family != (v6 ? AF_INET6 : AF_INET))
			return -EINVAL;
		if ((r = put_attrs(&aw, u->attrs, !v6, u->as4)))
			return r;
		attrs_len = buf_left(&aw);
		first_nlri = bgp_nlri_size(&u->nlri[0]);
		/* MP_REACH_NLRI: header (4), AFI, SAFI, next hop length, next hop, reserved. */
		reach_fixed = v6 ? 4 + 5 + 16 : 0;
	}
	if ((r = bgp_msg_begin(w, BGP_MSG_UPDATE, &start)))
		return r;
	wpos = buf_tail_pos(w);
	if (buf_put_be16(w, 0))
		return -ENOSPC;
	if (!v6 && u->n_withdrawn) {
		size_t reserve = 2 + (u->n_nlri ? attrs_len + first_nlri : 0);

		*n_wd = put_prefixes(w, start, u->withdrawn, u->n_withdrawn, reserve);
		buf_set_be16(w, wpos, (uint16_t)(buf_tail_pos(w) - wpos - 2));
	}
	apos = buf_tail_pos(w);
	if (buf_put_be16(w, 0))
		return -ENOSPC;
	if (v6 && u->n_withdrawn) {
		size_t reserve = u->n_nlri ? reach_fixed + attrs_len + first_nlri : 0;

		/* MP_UNREACH_NLRI (RFC 4760 4), first of the attributes (RFC 7606 5.1). */
		if (4 + 3 + bgp_nlri_size(&u->withdrawn[0]) + reserve <= msg_room(w, start)) {
			mp = buf_tail_pos(w);
			if (buf_put_u8(w, OPT_NONTRANS | BGP_AF_EXTLEN) ||
			    buf_put_u8(w, BGP_ATTR_MP_UNREACH) || buf_put_be16(w, 0) ||
			    buf_put_be16(w, BGP_AFI_IPV6) || buf_put_u8(w, BGP_SAFI_UNICAST))
				return -ENOSPC;
			*n_wd = put_prefixes(w, start, u->withdrawn, u->n_withdrawn, reserve);
			buf_set_be16(w, mp + 2, (uint16_t)(buf_tail_pos(w) - mp - 4));
		}
	}
	if (u->n_nlri && reach_fixed + attrs_len + first_nlri <= msg_room(w, start)) {
		if (v6) {
			mp = buf_tail_pos(w);
			if (buf_put_u8(w, OPT_NONTRANS | BGP_AF_EXTLEN) ||
			    buf_put_u8(w, BGP_ATTR_MP_REACH) || buf_put_be16(w, 0) ||
			    buf_put_be16(w, BGP_AFI_IPV6) || buf_put_u8(w, BGP_SAFI_UNICAST) ||
			    buf_put_u8(w, 16) || buf_put_bytes(w, u->attrs->nexthop.bytes, 16) ||
			    buf_put_u8(w, 0))
				return -ENOSPC;
			*n_nlri = put_prefixes(w, start, u->nlri, u->n_nlri, attrs_len);
			buf_set_be16(w, mp + 2, (uint16_t)(buf_tail_pos(w) - mp - 4));
			if (buf_put_buf(w, &aw))
				return -ENOSPC;
			buf_set_be16(w, apos, (uint16_t)(buf_tail_pos(w) - apos - 2));
		} else {
			if (buf_put_buf(w, &aw))
				return -ENOSPC;
			buf_set_be16(w, apos, (uint16_t)(buf_tail_pos(w) - apos - 2));
			*n_nlri = put_prefixes(w, start, u->nlri, u->n_nlri, 0);
		}
	} else {
		buf_set_be16(w, apos, (uint16_t)(buf_tail_pos(w) - apos - 2));
	}
	if ((u->n_nlri || u->n_withdrawn) && *n_nlri == 0 && *n_wd == 0)
		return -ENOSPC;
	return bgp_msg_end(w, start);
}
