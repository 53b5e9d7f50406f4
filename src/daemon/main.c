/* SPDX-License-Identifier: MIT */
/*
 * vnetgwd: the gateway daemon. With --data-dir it opens the store (migrating it), serves the
 * management API (docs/api.md) on TCP and on the operator's Unix socket, and runs the gateway —
 * data plane and IKEv2 engine — for what the store holds, kept in step by the reconciler
 * (daemon/service.h). It exits cleanly on SIGTERM or SIGINT.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/notify.h"
#include "daemon/reconcile.h"
#include "daemon/service.h"
#include "lib/log.h"
#include "lib/secret.h"
#include "mgmt/api/api.h"
#include "mgmt/auth.h"
#include "mgmt/ids.h"
#include "mgmt/model/model.h"
#include "mgmt/ops.h"
#include "lib/version.h"
#include "mgmt/store/store.h"

#define DEFAULT_LISTEN "127.0.0.1:8480"

struct options {
	const char *netns_prefix;
	const char *status_file;
	const char *keylog_dir;
	bool unshaped;
	uint32_t debug_ike_s, debug_child_s;
	int debug_jitter_pct;
	struct ike_engine_limits ike_limits; /* 0 members: the engine's defaults */
	const char *data_dir;
	const char *listen;
	const char *admin_token_file;
	const char *log_level;
	const char *log_format;
	unsigned int conn_events;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: vnetgwd --data-dir DIR [--api-listen ADDR:PORT] [--admin-token-file F]\n"
		"               [--netns-prefix P] [--status-file F] [--keylog-dir D] [--no-rate-limit]\n"
		"               [--log-level err|warn|info|debug] [--log-format text|json]\n"
		"               [--connection-events N] [--ike-limits LIMITS]\n"
		"       vnetgwd --help | --version\n"
		"The site-to-site VPN gateway daemon.\n"
		"  --data-dir DIR      serve the management API on ADDR:PORT (default " DEFAULT_LISTEN ")\n"
		"                      and, for the operator, on DIR/admin.sock, and run the gateway\n"
		"                      for the resources in the store (DIR/vnetgw.db) on the shared\n"
		"                      public IP (the first address of the publicIpPool setting); the\n"
		"                      admin token is DIR/admin.token (created at first start) unless\n"
		"                      --admin-token-file names one\n"
		"  --netns-prefix P    VNet namespaces are named P<key> (default vnet-; <key> is from\n"
		"                      the VNet's name and a hash of its id, the whole at most 32\n"
		"                      characters, so P is at most 20)\n"
		"  --status-file F     write connection status and counters to F (JSON, every second)\n"
		"  --log-level L       the least severe lines logged (default info)\n"
		"  --log-format F      text (default; journald's own form when stderr is the journal)\n"
		"                      or json: one object a line with time, level, Azure category,\n"
		"                      operationName, resourceId and message\n"
		"  --connection-events N\n"
		"                      recent events kept per connection for its tenant (default %u,\n"
		"                      at most %u)\n"
		"  --keylog-dir D      DEBUG ONLY: write every IKE and ESP key for Wireshark into D\n"
		"  --no-rate-limit     BENCHMARKS ONLY: do not hold connections to their SKU rates\n"
		"  --ike-limits children=N,ike-sas=N,creates-burst=N,creates-per-min=N\n"
		"                      what one connection's peer may make the gateway hold: CHILD_SAs\n"
		"                      carrying traffic (default %u), IKE SAs (%u), CREATE_CHILD_SA\n"
		"                      requests in a burst (%u) and a minute (%u); any may be left out\n"
		"  --debug-lifetimes IKE_S,CHILD_S[,JITTER_PCT]\n"
		"                      TESTS ONLY: every connection's IKE SA lives IKE_S seconds and\n"
		"                      its CHILD_SAs CHILD_S (rekeyed at 90 %% minus up to JITTER_PCT,\n"
		"                      default 5)\n",
		EVLOG_DEFAULT_PER_CONN, EVLOG_PER_CONN_MAX, IKE_CHILDREN_PER_CONN, IKE_SAS_PER_CONN, IKE_PEER_CREATES_BURST,
		IKE_PEER_CREATES_PER_MIN);
}

/* "children=4,ike-sas=4,..." for --ike-limits (ike/engine.h). */
static int parse_ike_limits(const char *s, struct ike_engine_limits *l)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{"children", offsetof(struct ike_engine_limits, children_per_conn)},
		{"ike-sas", offsetof(struct ike_engine_limits, ike_sas_per_conn)},
		{"creates-burst", offsetof(struct ike_engine_limits, peer_creates_burst)},
		{"creates-per-min", offsetof(struct ike_engine_limits, peer_creates_per_min)},
	};
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '='), *end;
		unsigned long v;
		size_t k;

		if (!eq)
			goto bad;
		*eq = '\0';
		v = strtoul(eq + 1, &end, 10);
		if (*end || eq[1] == '\0' || v == 0 || v > 1000000)
			goto bad;
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (strcmp(item, keys[k].key) == 0)
				break;
		if (k == sizeof(keys) / sizeof(keys[0]))
			goto bad;
		*(unsigned int *)((char *)l + keys[k].off) = (unsigned int)v;
	}
	return 0;
bad:
	fprintf(stderr, "vnetgwd: --ike-limits wants children=N,ike-sas=N,creates-burst=N,"
			"creates-per-min=N (each 1..1000000, any of them), not '%s'\n",
		s);
	return -EINVAL;
}

/* "1.2.3.4:80", "[::1]:80" or "host:80" into host and port. */
static int parse_listen(const char *s, char *host, size_t n, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	char *end;
	long p;
	size_t hl;

	if (!colon)
		return -EINVAL;
	p = strtol(colon + 1, &end, 10);
	if (*end || colon[1] == '\0' || p < 0 || p > 65535)
		return -EINVAL;
	hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		s++;
		hl -= 2;
	}
	if (hl == 0 || hl >= n)
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = '\0';
	*port = (uint16_t)p;
	return 0;
}

/* Reads the first line of path (the token) and hashes it. */
static int read_token_hash(const char *path, char *hash)
{
	char buf[600];
	FILE *f = fopen(path, "r");
	size_t len;
	int r = -EINVAL;

	if (!f)
		return -errno;
	if (fgets(buf, sizeof(buf), f)) {
		len = strcspn(buf, "\r\n");
		buf[len] = '\0';
		if (len >= 16 && len <= 512)
			r = auth_token_hash(buf, hash);
	}
	secret_wipe(buf, sizeof(buf));
	fclose(f);
	return r;
}

/* DIR/admin.token: read it, or create it (0600, written and synced before use). */
static int admin_token(const char *dir, char *hash)
{
	char path[4096], token[MGMT_TOKEN_LEN + 2];
	int fd, r;

	snprintf(path, sizeof(path), "%s/admin.token", dir);
	r = read_token_hash(path, hash);
	if (r != -ENOENT)
		return r;
	if (mgmt_token_new(token) != 0)
		return -EIO;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	strcat(token, "\n");
	r = write(fd, token, strlen(token)) == (ssize_t)strlen(token) && fsync(fd) == 0 ? 0 : -EIO;
	close(fd);
	token[MGMT_TOKEN_LEN] = '\0';
	if (!r)
		r = auth_token_hash(token, hash);
	secret_wipe(token, sizeof(token));
	if (!r)
		log_info("Mgmt", "admin token created in %s", path);
	return r;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	log_info("Gateway", "signal %d: shutting down", (int)sig);
	event_base_loopexit(arg, NULL);
}

/* "IKE_S,CHILD_S[,JITTER_PCT]" for --debug-lifetimes. */
static int parse_debug_lifetimes(const char *s, struct options *o)
{
	unsigned int ike, child, jitter;
	int n = sscanf(s, "%u,%u,%u", &ike, &child, &jitter);

	if (n < 2 || ike < 5 || child < 5 || (n == 3 && jitter > 50)) {
		fprintf(stderr, "vnetgwd: --debug-lifetimes wants IKE_S,CHILD_S[,JITTER_PCT] "
				"(seconds >= 5, jitter 0-50), not '%s'\n",
			s);
		return -EINVAL;
	}
	o->debug_ike_s = ike;
	o->debug_child_s = child;
	o->debug_jitter_pct = n == 3 ? (int)jitter : -1;
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"data-dir", required_argument, NULL, 'd'},
		{"api-listen", required_argument, NULL, 'l'},
		{"admin-token-file", required_argument, NULL, 't'},
		{"log-level", required_argument, NULL, 'v'},
		{"log-format", required_argument, NULL, 'f'},
		{"connection-events", required_argument, NULL, 'E'},
		{"netns-prefix", required_argument, NULL, 'n'},
		{"status-file", required_argument, NULL, 's'},
		{"keylog-dir", required_argument, NULL, 'k'},
		{"no-rate-limit", no_argument, NULL, 'u'},
		{"debug-lifetimes", required_argument, NULL, 'L'},
		{"ike-limits", required_argument, NULL, 'I'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->listen = DEFAULT_LISTEN;
	o->debug_jitter_pct = -1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->data_dir = optarg;
			break;
		case 'l':
			o->listen = optarg;
			break;
		case 't':
			o->admin_token_file = optarg;
			break;
		case 'v':
			o->log_level = optarg;
			break;
		case 'f':
			o->log_format = optarg;
			break;
		case 'E': {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);

			if (*optarg < '0' || *optarg > '9' || *end || n < 1 || n > EVLOG_PER_CONN_MAX) {
				fprintf(stderr, "vnetgwd: --connection-events wants 1-%u, not '%s'\n",
					EVLOG_PER_CONN_MAX, optarg);
				return -EINVAL;
			}
			o->conn_events = (unsigned int)n;
			break;
		}
		case 'n':
			o->netns_prefix = optarg;
			break;
		case 's':
			o->status_file = optarg;
			break;
		case 'k':
			o->keylog_dir = optarg;
			break;
		case 'u':
			o->unshaped = true;
			break;
		case 'L':
			if (parse_debug_lifetimes(optarg, o))
				return -EINVAL;
			break;
		case 'I':
			if (parse_ike_limits(optarg, &o->ike_limits))
				return -EINVAL;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("vnetgwd %s\n", VNETGW_VERSION);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc || !o->data_dir) {
		usage(stderr);
		return -EINVAL;
	}
	if (o->netns_prefix && strlen(o->netns_prefix) > RECONCILE_PREFIX_MAX) {
		fprintf(stderr, "vnetgwd: --netns-prefix '%s' is longer than %d characters (namespace "
				"names are at most %d)\n",
			o->netns_prefix, RECONCILE_PREFIX_MAX, RECONCILE_NETNS_MAX);
		return -EINVAL;
	}
	return 0;
}

/* The management plane: the store in the data directory and the API on TCP and Unix socket. */
static int mgmt_start(const struct options *o, struct event_base *base, struct store **store,
		      struct api_server **api, struct service **svc)
{
	char host[256], path[4096], hash[AUTH_HASH_HEX_LEN + 1];
	uint16_t port;
	int r, t, total = 0;

	if (parse_listen(o->listen, host, sizeof(host), &port) != 0) {
		log_err("Mgmt", "--api-listen wants ADDR:PORT, not '%s'", o->listen);
		return -EINVAL;
	}
	if (mkdir(o->data_dir, 0700) != 0 && errno != EEXIST) {
		r = -errno;
		log_err("Gateway", "cannot create data directory %s: %s", o->data_dir,
			strerror(errno));
		return r;
	}
	r = o->admin_token_file ? read_token_hash(o->admin_token_file, hash)
				: admin_token(o->data_dir, hash);
	if (r) {
		log_err("Mgmt", "cannot read the admin token from %s: %s",
			o->admin_token_file ? o->admin_token_file : "the data directory",
			strerror(-r));
		return r;
	}
	snprintf(path, sizeof(path), "%s/vnetgw.db", o->data_dir);
	if (store_open(path, store) != 0) {
		log_err("Mgmt", "cannot open the store %s", path);
		r = -EIO;
		goto out;
	}
	/* The store is the source of truth: everything the API acknowledged is back. */
	for (t = 0; t < MODEL__COUNT; t++) {
		int n = t == MODEL_SUBNET ? 0 : store_count_type(*store, (enum model_type)t);

		if (n > 0) {
			log_info("Mgmt", "store: %d %s(s)", n,
				 model_type_label((enum model_type)t));
			total += n;
		}
	}
	log_info("Mgmt", "store %s: schema %d, %d resource(s) loaded", path,
		 store_schema_version(*store), total);
	/* The gateway first, from what the store holds; then every committed change reaches it. */
	r = service_new(svc, base, *store,
			&(struct service_options){
				.netns_prefix = o->netns_prefix,
				.keylog_dir = o->keylog_dir,
				.status_path = o->status_file,
				.unshaped = o->unshaped,
				.debug_ike_lifetime_s = o->debug_ike_s,
				.debug_child_lifetime_s = o->debug_child_s,
				.debug_jitter_pct = o->debug_jitter_pct,
				.ike_limits = o->ike_limits,
				.conn_events = o->conn_events,
			});
	if (r)
		goto out;
	mgmt_ops_set_change_hook(service_changed, *svc);
	r = -ENOMEM;
	*api = api_server_new(base, &(struct api_config){.store = *store,
							  .admin_hash_hex = hash,
							  .conn_status = service_conn_status,
							  .conn_status_arg = *svc});
	if (!*api)
		goto out;
	r = -EADDRINUSE;
	if (api_server_listen_tcp(*api, host, port) != 0) {
		log_err("Mgmt", "cannot listen on %s", o->listen);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/admin.sock", o->data_dir);
	if (api_server_listen_unix(*api, path) != 0) {
		log_err("Mgmt", "cannot listen on %s: %s", path, strerror(errno));
		goto out;
	}
	log_info("Mgmt", "API listening on %s port %u, admin socket %s", host,
		 (unsigned)api_server_port(*api), path);
	r = 0;
out:
	secret_wipe(hash, sizeof(hash));
	return r;
}

int main(int argc, char **argv)
{
	struct event_base *base = NULL;
	struct event *ev_term = NULL, *ev_int = NULL;
	struct api_server *api = NULL;
	struct service *svc = NULL;
	struct store *store = NULL;
	struct options o;
	enum log_level lvl;
	enum log_format fmt;
	int r = 1;

	if (parse_args(argc, argv, &o) != 0)
		return 2;
	if (o.log_level) {
		if (log_level_parse(o.log_level, &lvl) != 0) {
			fprintf(stderr, "vnetgwd: unknown log level '%s'\n", o.log_level);
			return 2;
		}
		log_set_level(lvl);
	}
	/* text by default: journald's form when stderr is the journal (log_format_parse). */
	if (log_format_parse(o.log_format ? o.log_format : "text", &fmt) != 0) {
		fprintf(stderr, "vnetgwd: --log-format wants text or json, not '%s'\n", o.log_format);
		return 2;
	}
	log_set_format(fmt);
	signal(SIGPIPE, SIG_IGN);
	/* The store and the status hold what is nobody else's business: keep files private. */
	umask(077);
	base = event_base_new();
	if (!base)
		goto out;
	if (mgmt_start(&o, base, &store, &api, &svc) != 0)
		goto out;
	ev_term = evsignal_new(base, SIGTERM, on_signal, base);
	ev_int = evsignal_new(base, SIGINT, on_signal, base);
	if (!ev_term || !ev_int || event_add(ev_term, NULL) || event_add(ev_int, NULL))
		goto out;
	/* The store is open, the API and admin socket listen, the gateway runs: ready. */
	r = notify_send("READY=1\nSTATUS=serving the API and the gateway");
	if (r < 0)
		log_warn("Gateway", "cannot tell the service manager we are ready: %s",
			 strerror(-r));
	r = 1;
	event_base_dispatch(base);
	notify_send("STOPPING=1");
	r = 0;
out:
	if (ev_term)
		event_free(ev_term);
	if (ev_int)
		event_free(ev_int);
	api_server_free(api);
	mgmt_ops_set_change_hook(NULL, NULL);
	service_free(svc);
	if (base)
		event_base_free(base);
	store_close(store);
	log_info("Gateway", "stopped");
	return r;
}
