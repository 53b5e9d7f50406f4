/* SPDX-License-Identifier: MIT */
/*
 * import: an UPDATE into the peer's Adj-RIB-In (RFC 4271 9.1, 9.1.1). Withdrawals first, then
 * each announced prefix through the import policy (policy.c): a refused route also withdraws the
 * peer's earlier route to the prefix (the announcement replaces it). RFC 7606 treat-as-withdraw
 * makes every NLRI of the message a withdrawal. The prefix limit (SPEC 6, default 4000) counts
 * the prefixes accepted from the peer; one more ends the session with Cease/Maximum Number of
 * Prefixes Reached (RFC 4486 4).
 */
#include "bgp/speaker_impl.h"

#include <errno.h>
#include <stdlib.h>

static bool afi_on(const struct bgp_session *s, uint16_t afi)
{
	return afi == BGP_AFI_IPV4 ? s->afi4 : afi == BGP_AFI_IPV6 ? s->afi6 : false;
}

static unsigned int withdraw_field(struct bgp_peer *p, const struct buf *field, uint16_t afi)
{
	struct buf b = *field;
	struct prefix pfx;
	unsigned int n = 0;

	while (bgp_nlri_get(&b, afi, &pfx) == 0)
		n += bgp_rib_withdraw(p->sp->rib, &p->rib, &pfx) == 0;
	return n;
}

static uint32_t max_prefixes(const struct bgp_peer *p)
{
	return p->cfg.max_prefixes ? p->cfg.max_prefixes : BGP_DEFAULT_MAX_PREFIXES;
}

static int stop_max_prefix(struct bgp_peer *p, uint16_t afi, struct bgp_error *stop)
{
	struct buf w;

	bgp_error_set(stop, BGP_ERR_CEASE, BGP_CEASE_MAX_PREFIX, "more than %u prefixes received",
		      max_prefixes(p));
	buf_init_write(&w, stop->data, sizeof(stop->data));
	bgp_msg_max_prefix_data(&w, afi, BGP_SAFI_UNICAST, max_prefixes(p));
	stop->data_len = (uint16_t)buf_left(&w);
	bgp_peer_log(p, LOG_LVL_WARN, "maximum number of prefixes (%u) reached: ending the session",
		     max_prefixes(p));
	return -ENOSPC;
}

struct import_stats {
	unsigned int added, refused;
	const char *why;
};

/* Announce every prefix of field with attrs a (its next hop set for afi). */
static int announce_field(struct bgp_peer *p, const struct buf *field, uint16_t afi,
			  const struct bgp_attrs *a, struct import_stats *st,
			  struct bgp_error *stop)
{
	struct bgp_speaker *sp = p->sp;
	struct bgp_path *path = NULL;
	struct buf b = *field;
	struct prefix pfx;
	int r = 0;

	while (bgp_nlri_get(&b, afi, &pfx) == 0) {
		const char *why = NULL;

		if (!bgp_policy_import_ok(p, &pfx, a, &why)) {
			bgp_rib_withdraw(sp->rib, &p->rib, &pfx);
			p->routes_refused++;
			st->refused++;
			st->why = why;
			continue;
		}
		if (!bgp_rib_peer_has(&p->rib, &pfx) &&
		    bgp_rib_peer_count(&p->rib) >= max_prefixes(p)) {
			r = stop_max_prefix(p, afi, stop);
			break;
		}
		if (!path && !(path = bgp_path_get(sp->paths, a))) {
			bgp_peer_log(p, LOG_LVL_ERR, "out of memory for a path");
			r = bgp_error_set(stop, BGP_ERR_CEASE, BGP_CEASE_OUT_OF_RESOURCES,
					  "out of memory");
			break;
		}
		if (bgp_rib_announce(sp->rib, &p->rib, &pfx, path)) {
			r = bgp_error_set(stop, BGP_ERR_CEASE, BGP_CEASE_OUT_OF_RESOURCES,
					  "out of memory");
			break;
		}
		st->added++;
	}
	bgp_path_unref(sp->paths, path);
	return r;
}

int bgp_import_update(struct bgp_session *s, struct bgp_update *u, struct bgp_error *stop)
{
	struct bgp_peer *p = s->peer;
	struct import_stats st = {0};
	unsigned int withdrawn = 0;
	struct bgp_attrs a;
	int r = 0;

	if (u->action == BGP_ACT_TREAT_AS_WITHDRAW) {
		/* RFC 7606 2: every NLRI of the message is withdrawn; the session stays. */
		p->updates_withdrawn++;
		withdrawn += withdraw_field(p, &u->withdrawn, BGP_AFI_IPV4);
		withdrawn += withdraw_field(p, &u->nlri, BGP_AFI_IPV4);
		if (u->mp_unreach_known)
			withdrawn += withdraw_field(p, &u->mp_unreach_nlri, u->mp_unreach_afi);
		if (u->mp_reach_known)
			withdrawn += withdraw_field(p, &u->mp_reach_nlri, u->mp_reach_afi);
		bgp_peer_log(p, LOG_LVL_WARN,
			     "UPDATE treated as withdraw (RFC 7606): %s; %u routes "
			     "withdrawn",
			     u->why, withdrawn);
		return 0;
	}
	if (u->action == BGP_ACT_ATTR_DISCARD)
		bgp_peer_log(p, LOG_LVL_INFO, "UPDATE: %u attributes discarded (RFC 7606): %s",
			     u->n_discarded, u->why);
	if (s->afi4)
		withdraw_field(p, &u->withdrawn, BGP_AFI_IPV4);
	if (u->mp_unreach_known && afi_on(s, u->mp_unreach_afi))
		withdraw_field(p, &u->mp_unreach_nlri, u->mp_unreach_afi);
	a = u->attrs;
	if (buf_left(&u->nlri) && s->afi4) {
		a.nexthop = u->nexthop4;
		r = announce_field(p, &u->nlri, BGP_AFI_IPV4, &a, &st, stop);
	}
	if (r == 0 && u->mp_reach_known && afi_on(s, u->mp_reach_afi)) {
		a.nexthop = u->mp_nexthop;
		r = announce_field(p, &u->mp_reach_nlri, u->mp_reach_afi, &a, &st, stop);
	} else if (u->mp_reach && !u->mp_reach_known) {
		bgp_peer_log(p, LOG_LVL_INFO, "MP_REACH_NLRI for AFI %u SAFI %u ignored",
			     u->mp_reach_afi, u->mp_reach_safi);
	}
	if (st.refused)
		bgp_peer_log(p, LOG_LVL_INFO, "%u routes refused by policy (last: %s)", st.refused,
			     st.why);
	return r;
}

struct recheck {
	struct bgp_peer *p;
	struct prefix *list;
	size_t n, cap;
};

static int recheck_collect(const struct bgp_route *rt, void *arg)
{
	struct recheck *rc = arg;
	const char *why;

	if (bgp_policy_import_ok(rc->p, &rt->prefix, &rt->path->a, &why))
		return 0;
	if (rc->n == rc->cap) {
		size_t cap = rc->cap ? 2 * rc->cap : 16;
		struct prefix *np = realloc(rc->list, cap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		rc->list = np;
		rc->cap = cap;
	}
	rc->list[rc->n++] = rt->prefix;
	return 0;
}

void bgp_import_recheck(struct bgp_peer *p)
{
	struct recheck rc = {.p = p};

	bgp_rib_peer_walk(&p->rib, recheck_collect, &rc);
	for (size_t i = 0; i < rc.n; i++) {
		bgp_rib_withdraw(p->sp->rib, &p->rib, &rc.list[i]);
		p->routes_refused++;
	}
	if (rc.n)
		bgp_peer_log(p, LOG_LVL_INFO,
			     "%zu routes withdrawn: the local prefixes now refuse "
			     "them",
			     rc.n);
	free(rc.list);
}
