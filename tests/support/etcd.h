/* SPDX-License-Identifier: MIT */
/*
 * A real etcd for a test: started by the test on loopback with its own data directory (under
 * the test's temporary directory) and its own free client and peer ports, waited for by polling
 * its /health endpoint against a deadline, and stopped by its PID. No Criterion here (the fuzz
 * replayers link tests/support too): functions return 0 or -errno and say why in p->why.
 */
#ifndef VNETGW_TESTS_SUPPORT_ETCD_H
#define VNETGW_TESTS_SUPPORT_ETCD_H

#include <stdint.h>
#include <sys/types.h>

#define ETCD_PROC_DEADLINE_MS 30000

struct etcd_proc {
	pid_t pid;
	char dir[256]; /* its data directory */
	char log[300];
	uint16_t client_port, peer_port;
	char member[64]; /* "127.0.0.1:PORT" */
	char url[128];	 /* "etcd://127.0.0.1:PORT" */
	char why[512];
};

/* Starts etcd with its data in DIR/etcd and its log in DIR/etcd.log; healthy before it returns
 * (at most ETCD_PROC_DEADLINE_MS). */
int etcd_proc_start(struct etcd_proc *p, const char *dir);
/* The same member again (same ports, same data) after etcd_proc_stop. */
int etcd_proc_restart(struct etcd_proc *p);
/* SIGTERM to its PID, reaped (SIGKILL after 10 s). NULL-safe and idempotent. */
void etcd_proc_stop(struct etcd_proc *p);
/* SIGSTOP / SIGCONT: a member that holds connections and answers nothing. */
int etcd_proc_pause(struct etcd_proc *p);
int etcd_proc_resume(struct etcd_proc *p);
/* Polls /health until it says true: 0, or -ETIMEDOUT after deadline_ms. */
int etcd_proc_wait_healthy(struct etcd_proc *p, long deadline_ms);

#endif
