/* SPDX-License-Identifier: MIT */
/*
 * memwipe: the heap of the libraries that carry the management plane's secrets -- jansson
 * (request and answer JSON: shared keys, tokens), libevent (the HTTP buffers they travel in)
 * and SQLite (its pages and bound values) -- wiped when freed, so a shared key or a token
 * outlives its request in no freed memory (and no core file) of vnetgwd.
 */
#ifndef VNETGW_DAEMON_MEMWIPE_H
#define VNETGW_DAEMON_MEMWIPE_H

/* Installs the wiping allocator in the three libraries. Call first thing in main, before any
 * of them is used. 0, or -EBUSY if one was already in use. */
int memwipe_install(void);

#endif
