/* SPDX-License-Identifier: MIT */
/*
 * BGP session test harness, in the style of tests/exchange: up to four speakers in one process,
 * joined by socket pairs (a connect from one speaker to another's address becomes a pair whose
 * other end that speaker accepts), a fake clock shared through ops->now, a record of what each
 * speaker sent (message types, NOTIFICATION codes), of its peers' state changes and of the
 * routes it would install (its FIB). A test can also play a peer itself on a raw link, writing
 * hand-made bytes and reading the speaker's answers, and can freeze a link (a dead tunnel:
 * nothing passes, nothing closes). Log lines go to a file.
 */
#ifndef VNETGW_TESTS_BGP_HARNESS_H
#define VNETGW_TESTS_BGP_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp/speaker.h"
#include "bgp/stream.h"
#include "lib/lpm.h"

#define BH_SPEAKERS 4
#define BH_LINKS    64
#define BH_EVENTS   256
#define BH_SENT	    8192

struct bh_end {
	int sp; /* speaker index, -1: the test (raw link) */
	uint32_t conn;
	int fd;
	bool accepted;
};

struct bh_link {
	struct bh_end e[2]; /* e[0] connected, e[1] accepted */
	bool frozen;
	struct bgp_stream *raw; /* what the speaker sent to the test on a raw link */
};

struct bh_sent {
	uint32_t conn;
	uint8_t type, code, subcode;
	uint8_t data[8]; /* a NOTIFICATION's first data bytes */
	uint8_t data_len;
};

struct bh_route {
	struct prefix prefix;
	struct addr nexthop;
	char peer[BGP_NAME_MAX];
};

struct bh_speaker {
	struct bgp_speaker *sp;
	struct bgp_speaker_config cfg;
	bool unreachable; /* connects to it fail */
	bool hang;	  /* its connects neither succeed nor fail */
	unsigned int connects;
	struct bh_sent sent[BH_SENT];
	size_t n_sent;
	char transitions[8192]; /* "peer:Old>New;" for every state change reported */
	struct lpm *fib;	/* prefix -> struct bh_route (what the daemon would install) */
	size_t route_adds, route_dels;
};

enum bh_ev_kind { BH_EV_ACCEPT, BH_EV_CONNECTED, BH_EV_FAILED };

struct bh_event {
	enum bh_ev_kind kind;
	int link, sp;
	uint32_t conn;
};

struct bgp_harness {
	struct bh_speaker s[BH_SPEAKERS];
	int n;
	struct bh_link l[BH_LINKS];
	int n_links;
	struct bh_event q[BH_EVENTS];
	int n_q;
	uint64_t now;
	size_t chunk;	    /* bytes read per delivery (0: as much as there is) */
	int hold;	    /* hold time of the next bh_speaker (-1: the default) */
	const char *local6; /* IPv6 next hop of the next bh_speaker (NULL: none) */
};

extern struct bgp_harness BH;

void bh_setup(void);
void bh_teardown(void);

/* A speaker at addr (its BGP address) with asn and router id; returns its index. */
int bh_speaker(const char *addr, uint32_t asn, uint32_t router_id);
/* The default peer config for name/addr/asn (weight 0, active). */
struct bgp_peer_config bh_peer_config(const char *name, const char *addr, uint32_t asn);
void bh_peer_add(int i, const struct bgp_peer_config *pc);

/* Deliver queued connection events and bytes until nothing moves (bounded). */
void bh_run(void);
/* Advance the fake clock by ms in steps of 100 ms, running the timers and bh_run each step. */
void bh_advance(uint64_t ms);
/* Advance until speaker i's peer is in state st, at most max_ms; true if it got there. */
bool bh_wait_state(int i, const char *peer, enum bgp_state st, uint64_t max_ms);

enum bgp_state bh_state(int i, const char *peer);
struct bgp_peer_status bh_status(int i, const char *peer);
/* How many messages of type speaker i sent; NOTIFICATIONs of code/subcode. */
size_t bh_sent_type(int i, uint8_t type);
size_t bh_sent_notif(int i, uint8_t code, uint8_t subcode);
/* The route speaker i would install for prefix s, or NULL. */
const struct bh_route *bh_fib(int i, const char *prefix);
size_t bh_fib_count(int i);
/* Links still open at both ends. */
int bh_links_up(void);
void bh_freeze(int link);

/* A raw link: the test connects to speaker i from address from. Link index, or -1 refused. */
int bh_raw_connect(int i, const char *from);
void bh_raw_send_hex(int link, const char *hex);
void bh_raw_send(int link, const void *data, size_t len);
/* The next whole message speaker i sent on the raw link: its type and bytes (into buf). */
bool bh_raw_next(int link, uint8_t *type, uint8_t *buf, size_t *len);
/* Whether the speaker closed its end (EOF on ours, after everything was read). */
bool bh_raw_closed(int link);

/* Test inputs. */
struct prefix bh_prefix(const char *s);
struct addr bh_addr(const char *s);
/* An OPEN from AS asn (4-octet capability too), hold, id, as a whole message into w. */
void bh_open_msg(struct buf *w, uint32_t asn, uint16_t hold, uint32_t id);
/* Grep the log file. */
bool bh_log_has(const char *needle);

#endif

/*
 * A raw peer through OpenConfirm to Established with speaker i, whose peer peer_name is
 * configured for from/asn: the speaker's OPEN is read, ours (hold 90) and a KEEPALIVE sent,
 * the speaker's KEEPALIVE read. Returns the link.
 */
int bh_raw_establish(int i, const char *peer_name, const char *from, uint32_t asn, uint32_t id);
/* An UPDATE from the raw peer: prefixes (IPv4 or IPv6, one family) with a 4-octet AS path. */
void bh_raw_announce(int link, const char *const *prefixes, size_t n, const uint32_t *as,
		     size_t n_as, const char *nexthop);
void bh_raw_withdraw(int link, const char *prefix);
/* Drain what the speaker sent on the raw link; how many messages of type were among them. */
size_t bh_raw_drain(int link, uint8_t type);
/* As bh_raw_establish with an OPEN the caller built (e.g. without the 4-octet capability). */
int bh_raw_establish_open(int i, const char *peer_name, const char *from, const struct bgp_open *o);
/* Set speaker i's local prefixes from strings; vnet for the first n_vnet. */
void bh_local(int i, const char *const *prefixes, size_t n, size_t n_vnet);
