/* SPDX-License-Identifier: MIT */
/*
 * vnetgwd: the gateway daemon. With --data-dir it opens the store (migrating it), serves the
 * management API (docs/api.md) on TCP and on the operator's Unix socket, and runs the gateway —
 * data plane and IKEv2 engine — for what the store holds, kept in step by the reconciler
 * (daemon/service.h), the API on a thread of its own. It exits cleanly on SIGTERM or SIGINT.
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
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/desired.h"
#include "daemon/memwipe.h"
#include "daemon/notify.h"
#include "daemon/reconcile.h"
#include "daemon/service.h"
#include "lib/log.h"
#include "lib/secret.h"
#include "lib/version.h"
#include "mgmt/api/api.h"
#include "mgmt/api/http.h"
#include "mgmt/auth.h"
#include "mgmt/ids.h"
#include "mgmt/model/model.h"
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
	const char *store_url; /* NULL: SQLite in the data directory */
	const char *listen;
	const char *admin_token_file;
	const char *log_level;
	bool allow_core_dumps;
	struct http_limits limits;
	const char *log_format;
	unsigned int conn_events;
	unsigned int max_vnets, max_conns; /* --max-gateways, --max-connections (0: defaults) */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: vnetgwd --data-dir DIR [--store URL] [--api-listen ADDR:PORT] [--admin-token-file F]\n"
		"               [--netns-prefix P] [--status-file F] [--keylog-dir D] [--no-rate-limit]\n"
		"               [--log-level err|warn|info|debug] [--allow-core-dumps]\n"
		"               [--api-max-conns N] [--api-max-conns-per-source N]\n"
		"               [--api-head-timeout S] [--api-request-timeout S]\n"
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
		"  --store URL         the store: sqlite:PATH, or etcd://HOST:PORT[,HOST:PORT...][/ROOT]\n"
		"                      for an etcd v3 cluster that several vnetgwd nodes share (its\n"
		"                      HTTP/JSON gateway; keys under ROOT/v1/, ROOT default /vnetgw;\n"
		"                      docs/store.md); default sqlite:DIR/vnetgw.db\n"
		"  --netns-prefix P    VNet namespaces are named P<key> (default vnet-; <key> is from\n"
		"                      the VNet's name and a hash of its id, the whole at most 32\n"
		"                      characters, so P is at most 20)\n"
		"  --status-file F     write connection status and counters to F (JSON, every second)\n"
		"  --log-level L       the least severe lines logged (default info)\n"
		"  --log-format F      text (default; journald's own form when stderr is the journal)\n"
		"                      or json: one object a line with time, level, Azure category,\n"
		"                      operationName, resourceId and message\n"
		"  --max-gateways N, --max-connections N\n"
		"                      the VPN gateways and connections this process runs (default\n"
		"                      %u and %u; the API refuses more with GatewayCapacityReached)\n"
		"  --connection-events N\n"
		"                      recent events kept per connection for its tenant (default %u,\n"
		"                      at most %u)\n"
		"  --keylog-dir D      DEBUG ONLY: write every IKE and ESP key for Wireshark into D\n"
		"  --allow-core-dumps  DEBUG ONLY: let the process dump core (off by default: a core\n"
		"                      holds the keys of the running tunnels)\n"
		"  --api-max-conns N   TCP connections the API takes at once (default 1024); when all\n"
		"                      are taken, the one waiting longest for a request makes room\n"
		"  --api-max-conns-per-source N\n"
		"                      TCP connections from one address (default 64)\n"
		"  --api-head-timeout S, --api-request-timeout S\n"
		"                      a request's head must arrive within S seconds of its start\n"
		"                      (default 10), the whole request within S (default 30)\n"
		"  --no-rate-limit     BENCHMARKS ONLY: do not hold connections to their SKU rates\n"
		"  --ike-limits children=N,ike-sas=N,creates-burst=N,creates-per-min=N\n"
		"                      what one connection's peer may make the gateway hold: CHILD_SAs\n"
		"                      carrying traffic (default %u), IKE SAs (%u), CREATE_CHILD_SA\n"
		"                      requests in a burst (%u) and a minute (%u); any may be left out\n"
		"  --debug-lifetimes IKE_S,CHILD_S[,JITTER_PCT]\n"
		"                      TESTS ONLY: every connection's IKE SA lives IKE_S seconds and\n"
		"                      its CHILD_SAs CHILD_S (rekeyed at 90 %% minus up to JITTER_PCT,\n"
		"                      default 5)\n",
		GW_VNETS_DEFAULT, GW_CONNS_DEFAULT, EVLOG_DEFAULT_PER_CONN, EVLOG_PER_CONN_MAX, IKE_CHILDREN_PER_CONN, IKE_SAS_PER_CONN, IKE_PEER_CREATES_BURST,
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

/* A decimal count in [min, max] for a flag. */
static int parse_count(const char *s, unsigned min, unsigned max, const char *flag, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "vnetgwd: %s wants a number from %u to %u, not '%s'\n", flag, min,
			max, s);
		return -EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	unsigned n;

	static const struct option longopts[] = {
		{"data-dir", required_argument, NULL, 'd'},
		{"store", required_argument, NULL, 'D'},
		{"api-listen", required_argument, NULL, 'l'},
		{"admin-token-file", required_argument, NULL, 't'},
		{"log-level", required_argument, NULL, 'v'},
		{"log-format", required_argument, NULL, 'f'},
		{"connection-events", required_argument, NULL, 'E'},
		{"max-gateways", required_argument, NULL, 'G'},
		{"max-connections", required_argument, NULL, 'N'},
		{"netns-prefix", required_argument, NULL, 'n'},
		{"status-file", required_argument, NULL, 's'},
		{"keylog-dir", required_argument, NULL, 'k'},
		{"no-rate-limit", no_argument, NULL, 'u'},
		{"debug-lifetimes", required_argument, NULL, 'L'},
		{"allow-core-dumps", no_argument, NULL, 'C'},
		{"api-max-conns", required_argument, NULL, 'M'},
		{"api-max-conns-per-source", required_argument, NULL, 'S'},
		{"api-head-timeout", required_argument, NULL, 'H'},
		{"api-request-timeout", required_argument, NULL, 'R'},
		{"ike-limits", required_argument, NULL, 'I'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->listen = DEFAULT_LISTEN;
	http_limits_default(&o->limits);
	o->debug_jitter_pct = -1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->data_dir = optarg;
			break;
		case 'D':
			o->store_url = optarg;
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
		case 'G':
		case 'N': {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);

			if (*optarg < '0' || *optarg > '9' || *end || n < 1 || n > GW_LIMIT_MAX) {
				fprintf(stderr, "vnetgwd: --%s wants 1-%u, not '%s'\n",
					c == 'G' ? "max-gateways" : "max-connections", GW_LIMIT_MAX,
					optarg);
				return -EINVAL;
			}
			if (c == 'G')
				o->max_vnets = (unsigned int)n;
			else
				o->max_conns = (unsigned int)n;
			break;
		}
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
		case 'C':
			o->allow_core_dumps = true;
			break;
		case 'M':
			if (parse_count(optarg, 1, 100000, "--api-max-conns", &o->limits.max_conns))
				return -EINVAL;
			break;
		case 'S':
			if (parse_count(optarg, 1, 100000, "--api-max-conns-per-source",
					&o->limits.max_per_source))
				return -EINVAL;
			break;
		case 'H':
			if (parse_count(optarg, 1, 3600, "--api-head-timeout", &n))
				return -EINVAL;
			o->limits.head_timeout_ms = n * 1000;
			break;
		case 'R':
			if (parse_count(optarg, 1, 3600, "--api-request-timeout", &n))
				return -EINVAL;
			o->limits.request_timeout_ms = n * 1000;
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

/*
 * The data directory holds the store (every shared key), the admin token and the admin socket:
 * it is ours and nobody else's. Created 0700; one that exists is made 0700 (and said so), or
 * refused when it is not a directory of our own.
 */
static int data_dir_prepare(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		log_err("Gateway", "cannot create the data directory %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (lstat(dir, &st) != 0) {
		log_err("Gateway", "cannot read the data directory %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_err("Gateway", "the data directory %s is not a directory (a symbolic link is "
				   "refused too): give vnetgwd a directory of its own",
			dir);
		return -ENOTDIR;
	}
	if (st.st_uid != geteuid()) {
		log_err("Gateway", "the data directory %s belongs to uid %u, not to vnetgwd's uid %u: "
				   "it holds every tenant's shared keys, so vnetgwd uses only a "
				   "directory of its own",
			dir, (unsigned)st.st_uid, (unsigned)geteuid());
		return -EPERM;
	}
	if ((st.st_mode & 07777) != 0700) {
		if (chmod(dir, 0700) != 0) {
			log_err("Gateway", "the data directory %s is mode %04o and cannot be made "
					   "0700 (%s): refusing to keep shared keys where others can "
					   "look",
				dir, (unsigned)(st.st_mode & 07777), strerror(errno));
			return -EPERM;
		}
		log_warn("Gateway", "the data directory %s was mode %04o: made 0700 (it holds every "
				    "tenant's shared keys)",
			 dir, (unsigned)(st.st_mode & 07777));
	}
	return 0;
}

/* SPEC §5: a file descriptor per API connection, beside the data plane's: the soft limit up to
 * the hard one, and the API's connection caps within what it leaves. */
static void raise_nofile(struct http_limits *lim)
{
	struct rlimit rl;
	rlim_t want, reserve = 512; /* the data plane, the store, namespaces, TUNs */

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 1048576 ? 1048576 : rl.rlim_max;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)lim->max_conns + lim->max_local_conns + reserve > rl.rlim_cur) {
		unsigned n = rl.rlim_cur > reserve + lim->max_local_conns + 16
				     ? (unsigned)(rl.rlim_cur - reserve - lim->max_local_conns)
				     : 16;

		log_warn("Mgmt", "RLIMIT_NOFILE is %llu: the API takes %u connections, not %u",
			 (unsigned long long)rl.rlim_cur, n, lim->max_conns);
		lim->max_conns = n;
	}
	log_info("Mgmt", "file descriptors: up to %llu; the API takes %u TCP connections (%u per "
			 "address) and %u on the admin socket",
		 (unsigned long long)rl.rlim_cur, lim->max_conns, lim->max_per_source,
		 lim->max_local_conns);
}

struct mgmt_plane {
	struct store *store_api; /* the API thread's connection */
	struct store *store_ctl; /* the control loop's (reconcile) */
	struct api_server *api;
	struct service *svc;
};

/* The store's watch (its own thread): another node committed a change. */
static void on_store_changed(void *arg, const char *id)
{
	struct mgmt_plane *mp = arg;

	service_changed(mp->svc, id);
	if (!id[0] || strcmp(id, STORE_SETTINGS_ID) == 0)
		api_server_settings_changed(mp->api);
}

/* The management plane: the store in the data directory, the gateway on the control loop and
 * the API (TCP and Unix socket) on its own thread. */
static int mgmt_start(struct options *o, struct event_base *base, struct mgmt_plane *mp)
{
	char host[256], path[4096], url[4200], hash[AUTH_HASH_HEX_LEN + 1], node[MGMT_UUID_LEN + 1] = "";
	uint16_t port;
	int r, t, total = 0;

	if (parse_listen(o->listen, host, sizeof(host), &port) != 0) {
		log_err("Mgmt", "--api-listen wants ADDR:PORT, not '%s'", o->listen);
		return -EINVAL;
	}
	r = data_dir_prepare(o->data_dir);
	if (r)
		return r;
	r = o->admin_token_file ? read_token_hash(o->admin_token_file, hash)
				: admin_token(o->data_dir, hash);
	if (r) {
		log_err("Mgmt", "cannot read the admin token from %s: %s",
			o->admin_token_file ? o->admin_token_file : "the data directory",
			strerror(-r));
		return r;
	}
	if (o->store_url)
		snprintf(url, sizeof(url), "%s", o->store_url);
	else
		snprintf(url, sizeof(url), "sqlite:%s/vnetgw.db", o->data_dir);
	if (store_open_url(url, &mp->store_api) != 0 || store_open_url(url, &mp->store_ctl) != 0) {
		log_err("Mgmt", "cannot open the store %s", url);
		r = -EIO;
		goto out;
	}
	/* One node name for both handles: the watch leaves out what this process committed (its
	 * API tells the service itself). */
	if (mgmt_uuid_new(node) == 0) {
		store_set_node(mp->store_api, node);
		store_set_node(mp->store_ctl, node);
	}
	/* The store is the source of truth: everything the API acknowledged is back. */
	for (t = 0; t < MODEL__COUNT; t++) {
		int n = t == MODEL_SUBNET ? 0 : store_count_type(mp->store_ctl, (enum model_type)t);

		if (n > 0) {
			log_info("Mgmt", "store: %d %s(s)", n,
				 model_type_label((enum model_type)t));
			total += n;
		}
	}
	log_info("Mgmt", "store %s (%s): schema %d, %d resource(s) loaded", url,
		 store_backend(mp->store_ctl), store_schema_version(mp->store_ctl), total);
	/* The gateway first, from what the store holds; then every committed change reaches it. */
	r = service_new(&mp->svc, base, mp->store_ctl,
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
				.max_vnets = o->max_vnets,
				.max_conns = o->max_conns,
			});
	if (r)
		goto out;
	raise_nofile(&o->limits);
	r = -ENOMEM;
	mp->api = api_server_new(&(struct api_config){
		.mgmt = {.store = mp->store_api,
			 .changed = service_changed,
			 .reset = service_reset,
			 .hook_arg = mp->svc,
			 /* The gateway's tables: refused past them, never accepted and not run. */
			 .cap_vgws = o->max_vnets ? o->max_vnets : GW_VNETS_DEFAULT,
			 .cap_conns = o->max_conns ? o->max_conns : GW_CONNS_DEFAULT,
			 .cap_prefixes = GW_PREFIXES_MAX},
		.admin_hash_hex = hash,
		.limits = &o->limits,
		.conn_status = service_conn_status,
		.conn_events = service_conn_events_api,
		.bgp_view = service_bgp_view,
		.metrics = service_metrics,
		.ready = service_ready,
		.conn_status_arg = mp->svc});
	if (!mp->api)
		goto out;
	r = api_server_listen_tcp(mp->api, host, port);
	if (r) {
		log_err("Mgmt", "cannot listen on %s: %s", o->listen, strerror(-r));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/admin.sock", o->data_dir);
	r = api_server_listen_unix(mp->api, path);
	if (r) {
		log_err("Mgmt", "cannot listen on %s: %s", path, strerror(-r));
		goto out;
	}
	r = api_server_start(mp->api);
	if (r) {
		log_err("Mgmt", "cannot start the API thread: %s", strerror(-r));
		goto out;
	}
	/* Other nodes' commits reach the reconciler and the API as this node's own do (etcd). */
	r = store_watch_start(mp->store_ctl, on_store_changed, mp);
	if (r == 0)
		log_info("Mgmt", "store: watching for other nodes' changes (node %s)", node);
	else if (r == -EOPNOTSUPP)
		r = 0;
	else
		goto out;
	log_info("Mgmt", "API listening on %s port %u, admin socket %s (on its own thread)", host,
		 (unsigned)api_server_port(mp->api), path);
out:
	secret_wipe(hash, sizeof(hash));
	return r;
}

int main(int argc, char **argv)
{
	struct event_base *base = NULL;
	struct event *ev_term = NULL, *ev_int = NULL;
	struct mgmt_plane mp = {0};
	struct options o;
	enum log_level lvl;
	enum log_format fmt;
	int r = 1;

	/* Before any library allocates: what held a secret is wiped when freed. */
	if (memwipe_install() != 0) {
		fprintf(stderr, "vnetgwd: cannot install the wiping allocator\n");
		return 1;
	}
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
	/* A core file (or a debugger of the same user) would read every running tunnel's keys
	 * and the store's pages: off, unless a developer asks. */
	if (o.allow_core_dumps)
		log_warn("Gateway", "core dumps are allowed (--allow-core-dumps): a core holds the "
				    "running tunnels' keys");
	else if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		log_warn("Gateway", "cannot turn core dumps off: %s", strerror(errno));
	else
		log_info("Gateway", "core dumps are off (--allow-core-dumps to debug)");
	signal(SIGPIPE, SIG_IGN);
	/* The store and the status hold what is nobody else's business: keep files private. */
	umask(077);
	base = event_base_new();
	if (!base)
		goto out;
	if (mgmt_start(&o, base, &mp) != 0)
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
	/* The watch and the API thread first: nothing calls into the service once they are gone. */
	if (mp.store_ctl)
		store_watch_stop(mp.store_ctl);
	api_server_free(mp.api);
	service_free(mp.svc);
	if (base)
		event_base_free(base);
	store_close(mp.store_api);
	store_close(mp.store_ctl);
	log_info("Gateway", "stopped");
	return r;
}
