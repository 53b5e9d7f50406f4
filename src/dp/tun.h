/* SPDX-License-Identifier: MIT */
/*
 * tun: a VNet's gateway interface. The TUN device is created inside the VNet's namespace (so
 * the tenant's routes and addresses live there) while its file descriptors serve the data-plane
 * threads in the gateway's. Packets are raw IP (IFF_NO_PI); multi-queue so that each worker
 * thread can own a queue.
 */
#ifndef VNETGW_DP_TUN_H
#define VNETGW_DP_TUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Create (or attach a further queue to) TUN interface name in namespace nsfd (-1: the caller's).
 * Returns a non-blocking, close-on-exec fd for one queue, or a negative errno.
 */
int tun_open_queue(int nsfd, const char *name);

/*
 * The same with a struct virtio_net_hdr (TUN_VNET_HDR_LEN bytes, host byte order) in front of
 * every packet read or written, and checksum and TCP segmentation offloads on: a read or a
 * write may then be one TCP super-packet (GSO) for many segments, or leave a checksum partial.
 */
#define TUN_VNET_HDR_LEN 10
int tun_open_queue_vnet(int nsfd, const char *name);

/* One packet: 0 bytes read means none was waiting (-EAGAIN is mapped to 0 for the loop). */
ssize_t tun_read(int fd, void *pkt, size_t len);
ssize_t tun_write(int fd, const void *pkt, size_t len);

#endif
