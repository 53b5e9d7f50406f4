/* SPDX-License-Identifier: MIT */
/*
 * dpgw (build/bench/dp): TEST-ONLY. One data plane (src/dp) with one VNet, one connection and
 * one hand-keyed AES-256-GCM SA pair, for benchmarks while vnetgwd cannot negotiate tunnels
 * yet. Keys come from the command line: never use this outside a lab.
 *
 *   dp --public IP [--public-netns NS] --netns NAME --tun IF --gw ADDR/LEN --peer IP --remote PREFIX[,PREFIX]
 *      --spi-out N --key-out HEX72 --spi-in N --key-in HEX72 [--encap udp|raw] [--rate BPS] [--workers 1|2]
 *
 * Runs until SIGINT/SIGTERM, then prints the connection's counters and exits.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp/dp.h"
#include "dp/netns.h"
#include "lib/log.h"
#include "lib/secret.h"
#include "support/hex.h"

struct opts {
	const char *public_ip, *public_netns, *netns, *tun, *gw, *peer, *remote, *key_out, *key_in;
	uint32_t spi_out, spi_in;
	enum dp_encap encap;
	uint64_t rate;
	unsigned workers;
};

static void usage(void)
{
	fprintf(stderr, "usage: dp --public IP [--public-netns NS] --netns NAME --tun IF --gw ADDR/LEN --peer IP "
			"--remote PREFIX[,PREFIX...] --spi-out N --key-out HEX --spi-in N "
			"--key-in HEX [--encap udp|raw] [--rate BPS] [--workers 1|2]\n"
			"TEST-ONLY: a data plane with hand-made keys (36-byte AES-256-GCM keys "
			"with salt, in hex).\n");
	exit(2);
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "public", required_argument, NULL, 'p' },
		{ "public-netns", required_argument, NULL, 'N' }, { "netns", required_argument, NULL, 'n' },
		{ "tun", required_argument, NULL, 't' },    { "gw", required_argument, NULL, 'g' },
		{ "peer", required_argument, NULL, 'P' },   { "remote", required_argument, NULL, 'r' },
		{ "spi-out", required_argument, NULL, 'o' }, { "key-out", required_argument, NULL, 'O' },
		{ "spi-in", required_argument, NULL, 'i' }, { "key-in", required_argument, NULL, 'I' },
		{ "workers", required_argument, NULL, 'w' },
		{ "encap", required_argument, NULL, 'e' },  { "rate", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ .encap = DP_ENCAP_UDP };
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'p': o->public_ip = optarg; break;
		case 'N': o->public_netns = optarg; break;
		case 'n': o->netns = optarg; break;
		case 't': o->tun = optarg; break;
		case 'g': o->gw = optarg; break;
		case 'P': o->peer = optarg; break;
		case 'r': o->remote = optarg; break;
		case 'o': o->spi_out = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'O': o->key_out = optarg; break;
		case 'i': o->spi_in = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'I': o->key_in = optarg; break;
		case 'e': o->encap = strcmp(optarg, "raw") == 0 ? DP_ENCAP_RAW : DP_ENCAP_UDP; break;
		case 'R': o->rate = strtoull(optarg, NULL, 0); break;
		case 'w': o->workers = (unsigned)strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (!o->public_ip || !o->netns || !o->tun || !o->gw || !o->peer || !o->remote ||
	    !o->key_out || !o->key_in || !o->spi_out || !o->spi_in)
		usage();
	return 0;
}

static int install(struct dp *dp, uint32_t spi, enum esp_dir dir, const char *hex,
		   enum dp_encap encap)
{
	size_t n = 0;
	uint8_t *raw = hex_decode(hex, &n);
	struct secret *key = raw ? secret_dup(raw, n) : NULL;
	struct dp_sa_params p = {
		.conn_id = 1,
		.esp = { .spi = spi, .dir = dir, .enc = ESP_ENC_AES_GCM_16, .enc_key = key },
		.encap = encap,
		.peer_port = 4500,
	};
	int r = key && n == 36 ? dp_sa_install(dp, &p) : -EINVAL;

	secret_free(key);
	free(raw);
	return r;
}

int main(int argc, char **argv)
{
	struct prefix remote[16];
	struct dp_config cfg = { .public_nsfd = -1 };
	struct dp_vnet_params vp = { .id = 1 };
	struct dp_conn_params cp = { .id = 1, .vnet_id = 1, .prefixes = remote };
	struct dp_conn_stats st;
	struct dp *dp = NULL;
	char err[ADDR_ERR_MAX], *list, *tok, *save = NULL;
	struct opts o;
	sigset_t sigs;
	int r = 1, sig;

	parse(argc, argv, &o);
	if (addr_parse(&cfg.public_addr, o.public_ip, err, sizeof(err)) < 0 ||
	    addr_parse(&cp.peer, o.peer, err, sizeof(err)) < 0 ||
	    prefix_parse(&vp.gateway, o.gw, 0, err, sizeof(err)) < 0) {
		fprintf(stderr, "dp: %s\n", err);
		return 2;
	}
	list = strdup(o.remote);
	for (tok = strtok_r(list, ",", &save); tok && cp.n_prefixes < 16;
	     tok = strtok_r(NULL, ",", &save)) {
		if (prefix_parse(&remote[cp.n_prefixes++], tok, 0, err, sizeof(err)) < 0) {
			fprintf(stderr, "dp: %s\n", err);
			return 2;
		}
	}
	free(list);
	cp.rate_bps = o.rate;
	cfg.workers = o.workers;
	/*
	 * The public sockets go into the gateway's namespace while this process stays in the
	 * host's mount namespace, so the VNet namespace it creates is visible to `ip netns`.
	 */
	if (o.public_netns && (cfg.public_nsfd = netns_open(o.public_netns)) < 0) {
		fprintf(stderr, "dp: namespace %s: %s\n", o.public_netns, strerror(-cfg.public_nsfd));
		return 2;
	}
	vp.netns = o.netns;
	vp.tun = o.tun;

	/* Signals are taken synchronously; dp's worker blocks them all. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	if ((r = dp_new(&dp, &cfg)) < 0 || (r = dp_vnet_add(dp, &vp)) < 0 ||
	    (r = dp_conn_add(dp, &cp)) < 0 ||
	    (r = install(dp, o.spi_in, ESP_DIR_IN, o.key_in, o.encap)) < 0 ||
	    (r = install(dp, o.spi_out, ESP_DIR_OUT, o.key_out, o.encap)) < 0) {
		fprintf(stderr, "dp: setup failed: %s\n", strerror(-r));
		dp_free(dp);
		return 1;
	}
	fprintf(stderr, "dp: ready (TEST-ONLY manual keys)\n");
	sigwait(&sigs, &sig);
	if (dp_conn_stats(dp, 1, &st) == 0) {
		fprintf(stderr, "dp: in %lu pkts %lu bytes, out %lu pkts %lu bytes; drops:",
			(unsigned long)st.packets_in, (unsigned long)st.bytes_in,
			(unsigned long)st.packets_out, (unsigned long)st.bytes_out);
		for (int d = 0; d < DP_DROP__COUNT; d++)
			if (st.drops[d])
				fprintf(stderr, " %s=%lu", dp_drop_name(d), (unsigned long)st.drops[d]);
		for (int d = 0; d < ESP_DROP__COUNT; d++)
			if (st.esp_drops[d])
				fprintf(stderr, " esp-%s=%lu", esp_drop_name(d),
					(unsigned long)st.esp_drops[d]);
		fprintf(stderr, "\n");
	}
	dp_free(dp);
	return 0;
}
