/* SPDX-License-Identifier: MIT */
/*
 * ts: traffic selectors (RFC 7296 2.9, 3.13). vnetgw is route-based (SPEC §3): it proposes and
 * allows any-to-any (0.0.0.0/0 and ::/0, all protocols and ports); a peer that proposes narrower
 * selectors within what the connection allows gets exactly those (the responder narrows to the
 * intersection). Which packets go into a tunnel is decided by routes, not by selectors.
 */
#ifndef VNETGW_IKE_TS_H
#define VNETGW_IKE_TS_H

#include <stdbool.h>
#include <stddef.h>

#include "ike/pld.h"

/* Selectors covering every IPv4 and/or IPv6 address, protocol and port. */
void ike_ts_any(struct ike_pld_ts *out, bool v4, bool v6);

/*
 * The responder's narrowing: every non-empty intersection of a proposed selector with an
 * allowed one, in the proposed order (duplicates removed). 0, or -ENOENT when nothing is left
 * (answer TS_UNACCEPTABLE).
 */
int ike_ts_narrow(const struct ike_pld_ts *proposed, const struct ike_pld_ts *allowed,
		  struct ike_pld_ts *out);

/* The initiator's check: every selector of reply lies inside some selector we proposed. */
bool ike_ts_within(const struct ike_pld_ts *reply, const struct ike_pld_ts *proposed);

/* "10.1.0.0/16", "10.1.0.5-10.1.0.9", "0.0.0.0/0[tcp/443]" ..., comma-separated. */
void ike_ts_format(const struct ike_pld_ts *ts, char *out, size_t len);

#endif
