/* SPDX-License-Identifier: MIT */
/*
 * nl: the few rtnetlink requests the gateway makes (RFC 3549; rtnetlink(7)): interface up/MTU,
 * moving an interface into a VNet's namespace, addresses, and routes to site prefixes through a
 * VNet's TUN. A handle is bound to one namespace for its life.
 */
#ifndef VNETGW_DP_NL_H
#define VNETGW_DP_NL_H

#include <stdbool.h>
#include <stdint.h>

struct nl;

/* A handle on namespace nsfd (-1: the caller's). 0 or a negative errno. */
int nl_open(struct nl **out, int nsfd);
void nl_close(struct nl *nl);

/* Interface index of ifname in the handle's namespace, or a negative errno (-ENODEV). */
int nl_link_index(struct nl *nl, const char *ifname);
/* Set the link up or down, and its MTU when mtu != 0. */
int nl_link_set(struct nl *nl, int ifindex, bool up, uint32_t mtu);
/* Set the link's transmit queue length (packets queued towards a TUN reader). */
int nl_link_set_txqlen(struct nl *nl, int ifindex, uint32_t qlen);
/* Move the link into the namespace target_nsfd (it disappears from the handle's). */
int nl_link_move(struct nl *nl, int ifindex, int target_nsfd);

/* family AF_INET/AF_INET6, addr 4 or 16 bytes in network order, plen the prefix length. */
int nl_addr_add(struct nl *nl, int ifindex, int family, const void *addr, uint8_t plen);
/* Route dst/plen through ifindex in the main table (created or replaced). */
int nl_route_replace(struct nl *nl, int family, const void *dst, uint8_t plen, int ifindex);
/* -ESRCH when there was no such route. */
int nl_route_del(struct nl *nl, int family, const void *dst, uint8_t plen, int ifindex);

#endif
