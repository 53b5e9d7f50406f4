/* SPDX-License-Identifier: MIT */
/*
 * sock: the gateway's public sockets on one public IP: UDP 500 (IKE), UDP 4500 (IKE after NAT-T
 * port floating and ESP-in-UDP, RFC 3948) and a raw IP protocol 50 socket (ESP). No kernel
 * IPsec is involved: ESP is ours, so the UDP 4500 socket is a plain UDP socket and the caller
 * demultiplexes with the non-ESP marker.
 */
#ifndef VNETGW_DP_SOCK_H
#define VNETGW_DP_SOCK_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

enum sock_kind {
	SOCK_KIND_IKE,  /* UDP 500 */
	SOCK_KIND_NATT, /* UDP 4500 */
	SOCK_KIND_ESP,  /* raw IP protocol 50 */
	SOCK_KIND_COUNT,
};

struct sock_set {
	int family;
	int fd[SOCK_KIND_COUNT];
	struct sockaddr_storage local; /* the public address, port 0 */
	uint16_t port_ike, port_natt;  /* 500 and 4500 unless a test chose others */
};

/*
 * Open and bind the three sockets on local (an AF_INET or AF_INET6 address; its port is
 * ignored) with the given ports (0: the standard 500/4500). Non-blocking, close-on-exec.
 * On failure nothing stays open and the error names what failed in the log.
 */
int sock_set_open(struct sock_set *s, const struct sockaddr *local, uint16_t port_ike,
		  uint16_t port_natt);
void sock_set_close(struct sock_set *s);

/* One received datagram: where from, which of our sockets, and its bytes in the caller's array. */
struct sock_msg {
	struct sockaddr_storage peer;
	enum sock_kind kind;
	uint8_t *data;
	size_t len; /* in: capacity of data; out: bytes received */
};

/*
 * Receive up to n datagrams from socket kind without blocking (recvmmsg). Returns how many were
 * received (0: none waiting), or a negative errno. For SOCK_KIND_ESP on IPv4 the kernel delivers
 * the outer IP header in front of the ESP packet; the ESP layer validates and strips it.
 */
int sock_recv_batch(const struct sock_set *s, enum sock_kind kind, struct sock_msg *msgs, int n);

/* Send one datagram from socket kind to peer (for ESP, the port in peer is ignored). */
ssize_t sock_send(const struct sock_set *s, enum sock_kind kind, const struct sockaddr *peer,
		  const void *data, size_t len);

#endif
