/* SPDX-License-Identifier: MIT */
/*
 * ikepeer: a test-only program that runs the IKE engine on real UDP sockets 500/4500 (with the
 * non-ESP marker on 4500, RFC 3948 2.2) for one connection, so a lab script can pit it against
 * strongSwan. No data plane: installed and removed CHILD_SAs and status changes are printed to
 * stdout, one line each; engine logs go to stderr.
 *
 *   ikepeer --local IP --peer IP --psk SECRET [--ike SUITE] [--esp SUITE] [--initiate]
 *           [--keylog DIR] [--seconds N] [--create-child] [--liveness]
 *           [--child-spi HEX [--delete-created]] [--children N] [--rekey-ike N] [--no-deletes]
 *           [--liveness-rtt N [--interval-ms M]]
 *
 * --create-child: once connected, one CREATE_CHILD_SA; --liveness: then an empty INFORMATIONAL.
 * --liveness-rtt N: once connected, N empty INFORMATIONAL requests one after another, M ms
 * apart (default 20), each timed from its send to its answer's arrival; prints
 * "LIVENESS n=.. timeouts=.. p50=..us p99=..us max=..us" and exits (a check unanswered for 2 s
 * is a timeout; the engine retransmits it as it would any request).
 * The rest plays a tenant's hostile device against a shared gateway (issue 14), with this
 * engine's own limits lifted:
 *   --child-spi HEX     the created child's inbound SPI is HEX (the gateway's outbound SPI
 *                       toward us: e.g. another tenant's, seen on the wire); --delete-created
 *                       then deletes that child;
 *   --children N        N more CREATE_CHILD_SA, one after the other;
 *   --rekey-ike N       N IKE SA rekeys, one after the other;
 *   --no-deletes        none of our INFORMATIONAL requests leaves (a rekeyed SA is never
 *                       deleted, a deleted child never said so).
 * Each action prints "ACTION <what> rc=N"; "DONE" once every action asked for was taken.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp/sock.h"
#include "esp/esp.h"
#include "ike/engine.h"
#include "lib/clock.h"
#include "lib/log.h"

static volatile sig_atomic_t stop;
static unsigned int n_installed;
static bool connected, no_deletes;
static struct sock_set socks;
static uint32_t forced_spi, created_spi;
static unsigned int dropped_informational;

static int fixed_spi(void *ctx, uint32_t *spi)
{
	(void)ctx;
	*spi = forced_spi;
	return 0;
}

/* --liveness-rtt: the check in flight, and the answers' times. */
#define RTT_TIMEOUT_NS (2 * CLOCK_NS_PER_SEC)
static struct {
	unsigned int want, got, timeouts;
	bool waiting;
	uint64_t sent_ns, next_ns;
	uint64_t *us;
} rtt;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void on_send(void *ctx, const struct ike_endpoint *ep, const uint8_t *data, size_t len)
{
	struct sockaddr_storage ss;
	uint8_t pkt[4 + 8192];
	enum sock_kind kind = SOCK_KIND_IKE;
	size_t off = 0;

	if (len > 8192)
		return;
	/* RFC 7296 3.1: byte 18 the exchange type, 19 the flags (0x20: a response). */
	if (no_deletes && len > 20 && data[18] == 37 && !(data[19] & 0x20)) {
		dropped_informational++;
		fprintf(stderr, "ikepeer: INFORMATIONAL request dropped (--no-deletes), %u so far\n",
			dropped_informational);
		return;
	}
	if (ep->local_port == IKE_NATT_PORT) {
		kind = SOCK_KIND_NATT;
		memset(pkt, 0, 4); /* the non-ESP marker */
		off = 4;
	}
	memcpy(pkt + off, data, len);
	addr_to_sockaddr(&ep->peer, ep->peer_port, &ss);
	if (sock_send(&socks, kind, (struct sockaddr *)&ss, pkt, off + len) < 0)
		fprintf(stderr, "ikepeer: send failed: %s\n", strerror(errno));
}

static int on_install(void *ctx, const struct ike_child_sa *c)
{
	struct esp_sa_params p;

	printf("CHILD installed spi_in=%08x spi_out=%08x encr=%u bits=%u integ=%u esn=%d udp=%d "
	       "ports=%u/%u esp_params=%s enc_out_len=%zu\n",
	       c->spi_in, c->spi_out, c->encr, c->encr_bits, c->integ, c->esn, c->udp_encap,
	       c->ep.local_port, c->ep.peer_port,
	       ike_child_sa_esp_params(c, ESP_DIR_OUT, &p) == 0 ? "ok" : "unsupported",
	       c->enc_out ? c->enc_out->len : 0);
	if (forced_spi && c->spi_in == forced_spi)
		created_spi = c->spi_in;
	n_installed++;
	fflush(stdout);
	return 0;
}

static void on_remove(void *ctx, const char *conn, uint32_t spi_in, uint32_t spi_out)
{
	printf("CHILD removed spi_in=%08x spi_out=%08x\n", spi_in, spi_out);
	fflush(stdout);
}

static void on_status(void *ctx, const char *conn, enum ike_conn_status st, const char *reason)
{
	printf("STATUS %s %s\n", ike_conn_status_name(st), reason);
	connected = st == IKE_CONN_CONNECTED;
	fflush(stdout);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void rtt_report(void)
{
	unsigned int n = rtt.got;

	if (!n) {
		printf("LIVENESS n=0 timeouts=%u\n", rtt.timeouts);
		return;
	}
	qsort(rtt.us, n, sizeof(*rtt.us), cmp_u64);
	printf("LIVENESS n=%u timeouts=%u p50=%lluus p99=%lluus max=%lluus\n", n, rtt.timeouts,
	       (unsigned long long)rtt.us[n / 2],
	       (unsigned long long)rtt.us[(n * 99 + 99) / 100 - 1],
	       (unsigned long long)rtt.us[n - 1]);
	fflush(stdout);
}

static int recv_one(struct ike_engine *e, const struct ike_conn_config *cfg, enum sock_kind kind)
{
	uint8_t mem[8192];
	struct sock_msg m = {.data = mem, .len = sizeof(mem), .kind = kind};
	struct ike_endpoint ep;
	struct buf b;
	int n = sock_recv_batch(&socks, kind, &m, 1);

	if (n <= 0)
		return n;
	ep.local = cfg->local;
	ep.local_port = kind == SOCK_KIND_NATT ? IKE_NATT_PORT : IKE_PORT;
	if (addr_from_sockaddr(&ep.peer, &ep.peer_port, (struct sockaddr *)&m.peer, sizeof(m.peer)))
		return 1;
	if (rtt.waiting) {
		uint8_t xchg = 0, flags = 0;
		size_t off = kind == SOCK_KIND_NATT ? 4 : 0;

		/* RFC 7296 3.1: exchange type at octet 18, flags at 19 (0x20: a response). */
		buf_init_read(&b, mem, m.len);
		if (buf_peek_u8(&b, off + 18, &xchg) == 0 && buf_peek_u8(&b, off + 19, &flags) == 0 &&
		    xchg == 37 && (flags & 0x20)) {
			rtt.us[rtt.got++] = (clock_now_ns() - rtt.sent_ns) / 1000;
			rtt.waiting = false;
		}
	}
	if (kind == SOCK_KIND_NATT) {
		buf_init_read(&b, mem, m.len);
		if (esp_udp_classify(&b) != ESP_UDP_IKE)
			return 1; /* ESP or keepalive: no data plane here */
		ike_engine_input(e, &ep, mem + 4, m.len - 4);
	} else {
		ike_engine_input(e, &ep, mem, m.len);
	}
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"local", required_argument, NULL, 'l'},
		{"peer", required_argument, NULL, 'p'},
		{"psk", required_argument, NULL, 'k'},
		{"ike", required_argument, NULL, 'i'},
		{"esp", required_argument, NULL, 'e'},
		{"initiate", no_argument, NULL, 'I'},
		{"keylog", required_argument, NULL, 'K'},
		{"seconds", required_argument, NULL, 's'},
		{"create-child", no_argument, NULL, 'C'},
		{"liveness", no_argument, NULL, 'L'},
		{"liveness-rtt", required_argument, NULL, 'R'},
		{"interval-ms", required_argument, NULL, 'M'},
		{"child-spi", required_argument, NULL, 'S'},
		{"delete-created", no_argument, NULL, 'D'},
		{"children", required_argument, NULL, 'n'},
		{"rekey-ike", required_argument, NULL, 'r'},
		{"no-deletes", no_argument, NULL, 'N'},
		{NULL, 0, NULL, 0},
	};
	struct ike_engine_ops ops = {
		.send = on_send,
		.child_install = on_install,
		.child_remove = on_remove,
		.status = on_status,
	};
	struct ike_conn_config cfg;
	struct sockaddr_storage ss;
	struct secret *psk = NULL;
	struct ike_engine *e;
	const char *keylog = NULL;
	uint64_t end;
	long seconds = 30;
	bool want_child = false, want_liveness = false, delete_created = false, done = false;
	uint64_t interval_ns = 20 * CLOCK_NS_PER_MS;
	unsigned int need = 1; /* children to wait for before the liveness check */
	unsigned long more_children = 0, rekeys = 0;
	int c;

	ike_conn_config_default(&cfg);
	cfg.initiate = false;
	snprintf(cfg.name, sizeof(cfg.name), "ikepeer");
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
		case 'p':
			if (addr_parse(c == 'l' ? &cfg.local : &cfg.peer, optarg, NULL, 0)) {
				fprintf(stderr, "ikepeer: bad address %s\n", optarg);
				return 2;
			}
			break;
		case 'k':
			psk = secret_dup(optarg, strlen(optarg));
			break;
		case 'i':
			cfg.policy.ike.propose.n = 1;
			if (ike_suite_parse(&cfg.policy.ike.propose.s[0], IKE_PROTO_IKE, optarg)) {
				fprintf(stderr, "ikepeer: bad IKE proposal %s\n", optarg);
				return 2;
			}
			break;
		case 'e':
			cfg.policy.esp.propose.n = 1;
			if (ike_suite_parse(&cfg.policy.esp.propose.s[0], IKE_PROTO_ESP, optarg)) {
				fprintf(stderr, "ikepeer: bad ESP proposal %s\n", optarg);
				return 2;
			}
			break;
		case 'I':
			cfg.initiate = true;
			break;
		case 'K':
			keylog = optarg;
			break;
		case 's':
			seconds = strtol(optarg, NULL, 10);
			break;
		case 'C':
			want_child = true;
			break;
		case 'L':
			want_liveness = true;
			break;
		case 'R':
			rtt.want = (unsigned int)strtoul(optarg, NULL, 10);
			rtt.us = calloc(rtt.want + 1, sizeof(*rtt.us));
			break;
		case 'M':
			interval_ns = strtoull(optarg, NULL, 10) * CLOCK_NS_PER_MS;
			break;
		case 'S':
			forced_spi = (uint32_t)strtoul(optarg, NULL, 16);
			want_child = true;
			break;
		case 'D':
			delete_created = true;
			break;
		case 'n':
			more_children = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rekeys = strtoul(optarg, NULL, 10);
			break;
		case 'N':
			no_deletes = true;
			break;
		default:
			return 2;
		}
	}
	if (!psk || !cfg.local.family || !cfg.peer.family) {
		fprintf(stderr, "usage: ikepeer --local IP --peer IP --psk SECRET [--ike SUITE] "
				"[--esp SUITE] [--initiate] [--keylog DIR] [--seconds N]\n");
		return 2;
	}
	cfg.psk = psk;
	log_set_level(LOG_LVL_DEBUG);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	addr_to_sockaddr(&cfg.local, 0, &ss);
	if (sock_set_open(&socks, (struct sockaddr *)&ss, 0, 0)) {
		fprintf(stderr, "ikepeer: cannot open sockets\n");
		return 1;
	}
	e = ike_engine_new(&ops);
	if (!e)
		return 1;
	{
		/* A hostile device asks for whatever it likes: none of our own limits. */
		struct ike_engine_limits unlimited = {.children_per_conn = 100000,
						      .ike_sas_per_conn = 100000,
						      .peer_creates_burst = 100000,
						      .peer_creates_per_min = 100000};

		ike_engine_set_limits(e, &unlimited);
	}
	if (keylog)
		ike_engine_set_keylog(e, keylog);
	if (ike_engine_conn_set(e, &cfg)) {
		fprintf(stderr, "ikepeer: bad connection config\n");
		return 1;
	}
	printf("READY\n");
	fflush(stdout);
	end = clock_now_ns() + (uint64_t)seconds * CLOCK_NS_PER_SEC;
	while (!stop && clock_now_ns() < end) {
		struct pollfd p[2] = {
			{.fd = socks.fd[SOCK_KIND_IKE], .events = POLLIN},
			{.fd = socks.fd[SOCK_KIND_NATT], .events = POLLIN},
		};
		uint64_t now = clock_now_ns(), next = ike_engine_next_deadline(e);
		int timeout = 200;

		if (next != UINT64_MAX)
			timeout = next <= now ? 0 : (int)((next - now) / CLOCK_NS_PER_MS) + 1;
		if (timeout > 200)
			timeout = 200;
		if (rtt.want && timeout > 5)
			timeout = 5; /* the next check is due soon: the answer wakes poll anyway */
		if (poll(p, 2, timeout) > 0) {
			while (recv_one(e, &cfg, SOCK_KIND_IKE) > 0)
				;
			while (recv_one(e, &cfg, SOCK_KIND_NATT) > 0)
				;
		}
		ike_engine_run_timers(e);
		{
			struct ike_conn_info info;
			bool idle = ike_engine_conn_info(e, cfg.name, &info) == 0 &&
				    info.established && info.requests_pending == 0;

			if (forced_spi && want_child && connected && idle)
				ike_engine_set_spi_source(e, fixed_spi, NULL);
			if (created_spi) {
				ike_engine_set_spi_source(e, NULL, NULL);
				if (delete_created) {
					delete_created = false;
					printf("ACTION delete-child spi_in=%08x rc=%d\n", created_spi,
					       ike_engine_conn_delete_child(e, cfg.name,
									    created_spi));
					fflush(stdout);
				}
			}
			if (!want_child && !delete_created && idle && more_children) {
				more_children--;
				printf("ACTION create-child rc=%d\n",
				       ike_engine_conn_create_child(e, cfg.name));
				fflush(stdout);
				continue;
			}
			if (!want_child && !delete_created && idle && !more_children && rekeys) {
				rekeys--;
				printf("ACTION rekey-ike rc=%d\n",
				       ike_engine_conn_rekey_ike(e, cfg.name));
				fflush(stdout);
				continue;
			}
			if (!done && !want_child && !delete_created && !more_children && !rekeys &&
			    !want_liveness && idle && connected) {
				done = true;
				printf("DONE\n");
				fflush(stdout);
			}
		}
		if (connected && want_child && n_installed == 1) {
			want_child = false;
			need = 2;
			printf("ACTION create-child rc=%d\n", ike_engine_conn_create_child(e, cfg.name));
			fflush(stdout);
		} else if (connected && want_liveness && !want_child && n_installed >= need) {
			want_liveness = false;
			printf("ACTION liveness rc=%d\n",
			       ike_engine_conn_check_liveness(e, cfg.name));
			fflush(stdout);
		}
		now = clock_now_ns();
		if (rtt.want && rtt.waiting && now - rtt.sent_ns > RTT_TIMEOUT_NS) {
			rtt.timeouts++;
			rtt.waiting = false;
			rtt.next_ns = now + interval_ns;
		}
		if (rtt.want && connected && n_installed && !rtt.waiting && now >= rtt.next_ns &&
		    rtt.got + rtt.timeouts < rtt.want) {
			rtt.sent_ns = clock_now_ns();
			/* One request at a time: the engine refuses while one is outstanding. */
			if (ike_engine_conn_check_liveness(e, cfg.name) == 0) {
				rtt.waiting = true;
				rtt.next_ns = rtt.sent_ns + interval_ns;
			}
		}
		if (rtt.want && rtt.got + rtt.timeouts >= rtt.want)
			break;
	}
	if (rtt.want)
		rtt_report();
	ike_engine_conn_remove(e, cfg.name);
	ike_engine_free(e);
	sock_set_close(&socks);
	secret_free(psk);
	return 0;
}
