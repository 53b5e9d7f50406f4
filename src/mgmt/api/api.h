/* SPDX-License-Identifier: MIT */
/*
 * api: the management REST API (docs/api.md) on libevent's evhttp -- ARM paths for the tenants'
 * resources, the operator's /admin endpoints -- over TCP with bearer tokens, and over a Unix
 * socket where the operator needs no token.
 */
#ifndef VNETGW_MGMT_API_API_H
#define VNETGW_MGMT_API_API_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct store;
struct api_server;

#define API_MAX_BODY (1024 * 1024)

struct api_config {
	struct store *store;	    /* borrowed; outlives the server */
	const char *admin_hash_hex; /* SHA-256 of the admin token, hex */
	size_t max_body;	    /* 0: API_MAX_BODY */
};

struct api_server *api_server_new(struct event_base *base, const struct api_config *cfg);
/* Listens on addr:port (port 0 picks one; api_server_port tells which). 0 or -errno. */
int api_server_listen_tcp(struct api_server *srv, const char *addr, uint16_t port);
uint16_t api_server_port(const struct api_server *srv);
/* The admin API without a token, on a Unix socket created mode 0600 at path. 0 or -errno. */
int api_server_listen_unix(struct api_server *srv, const char *path);
/* Stops listening (and removes the Unix socket); NULL-safe. */
void api_server_free(struct api_server *srv);

#endif
