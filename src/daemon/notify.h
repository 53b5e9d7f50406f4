/* SPDX-License-Identifier: MIT */
/*
 * notify: the service manager's readiness protocol (systemd's sd_notify, without libsystemd):
 * a datagram such as "READY=1" to the Unix socket named by $NOTIFY_SOCKET (an '@' first: the
 * abstract namespace). Without $NOTIFY_SOCKET it does nothing, so vnetgwd runs the same by
 * hand, under systemd's Type=notify (packaging/vnetgwd.service) or anything that speaks it.
 */
#ifndef VNETGW_DAEMON_NOTIFY_H
#define VNETGW_DAEMON_NOTIFY_H

/* Send state (e.g. "READY=1", "STOPPING=1", "STATUS=..."). 0, 1 when there is nobody to tell,
 * or a negative errno. */
int notify_send(const char *state);

#endif
