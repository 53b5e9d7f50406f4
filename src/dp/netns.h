/* SPDX-License-Identifier: MIT */
/*
 * netns: the network namespaces that are VNets' routing domains (SPEC §1). They are created the
 * way iproute2 creates them (a bind mount at /run/netns/NAME), so `ip netns exec NAME` works on
 * them and workloads attach with veth pairs from outside.
 */
#ifndef VNETGW_DP_NETNS_H
#define VNETGW_DP_NETNS_H

#include <stdbool.h>

#define NETNS_RUN_DIR "/run/netns"
/* Linux interface and iproute2 namespace names: keep under IFNAMSIZ-ish lengths for logs. */
#define NETNS_NAME_MAX 64

/* Create namespace name (-EEXIST if it exists). Its loopback is brought up. */
int netns_create(const char *name);
/* Unmount and remove namespace name; -ENOENT if it does not exist. */
int netns_delete(const char *name);
bool netns_exists(const char *name);
/* An fd for setns(2) on namespace name (caller closes), or a negative errno. */
int netns_open(const char *name);

/*
 * Run fn(arg) with the calling thread inside the namespace nsfd, then switch back. Sockets
 * created by fn stay bound to that namespace after the switch back (how TUN fds and netlink
 * sockets of a VNet are made). Returns fn's result, or a negative errno if switching failed.
 */
int netns_run_in(int nsfd, int (*fn)(void *arg), void *arg);

#endif
