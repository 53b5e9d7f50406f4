/* SPDX-License-Identifier: MIT */
/*
 * reconcile: what the store says the gateway should run (SPEC §1: the store is the source of
 * truth). Read through the store's and the model's read APIs only; every name handed to the
 * gateway is a key derived from a resource id (readable part and a hash), so two tenants' "v1"
 * never meet, and the id stays beside it for status reporting.
 */
#include "daemon/reconcile.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bgp/speaker.h"
#include "ike/engine.h"
#include "lib/hmap.h"
#include "lib/log.h"
#include "mgmt/model/model.h"
#include "mgmt/store/store.h"

#define PAGE 1000

void reconcile_key(const char *id, size_t max, char *out, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a: stable across runs and builds */
	const char *name = strrchr(id, '/');
	char readable[GW_NAME_MAX];
	size_t room, k = 0;

	for (const char *p = id; *p; p++)
		h = (h ^ (uint8_t)tolower((unsigned char)*p)) * 16777619u;
	name = name ? name + 1 : id;
	if (max > GW_NAME_MAX - 1)
		max = GW_NAME_MAX - 1;
	room = max > 9 ? max - 9 : 0;
	for (; name[k] && k < room; k++) {
		unsigned char c = (unsigned char)tolower((unsigned char)name[k]);

		readable[k] = (char)(isalnum(c) ? c : '-');
	}
	readable[k] = '\0';
	if (k)
		snprintf(out, n, "%s-%08x", readable, h);
	else
		snprintf(out, n, "%08x", h);
}

void reconcile_vnet_key(const char *vnet_id, const char *netns_prefix, char *out, size_t n)
{
	size_t pl = strlen(netns_prefix);

	reconcile_key(vnet_id, pl < RECONCILE_NETNS_MAX - 9 ? RECONCILE_NETNS_MAX - pl : 9, out, n);
}

void reconcile_conn_key(const char *conn_id, char *out, size_t n)
{
	reconcile_key(conn_id, RECONCILE_CONN_KEY_MAX, out, n);
}

/* properties.key of a resource (borrowed), or NULL. */
static json_t *prop(json_t *doc, const char *key)
{
	return json_object_get(json_object_get(doc, "properties"), key);
}

static const char *str(json_t *v)
{
	const char *s = json_string_value(v);

	return s ? s : "";
}

/* Every resource of type t in the deployment, page by page, as one new array. */
static json_t *list_all(struct store *s, json_t *subs, enum model_type t)
{
	json_t *all = json_array(), *sub;
	size_t i;

	json_array_foreach(subs, i, sub)
	{
		char after[MODEL_ID_MAX] = "";
		bool more = true;

		while (more) {
			json_t *page = NULL;

			if (store_list(s, t, str(json_object_get(sub, "subscriptionId")), NULL,
				       after[0] ? after : NULL, PAGE, &page, &more) != 0) {
				json_decref(all);
				return NULL;
			}
			if (json_array_size(page))
				snprintf(after, sizeof(after), "%s",
					 str(json_object_get(
						 json_array_get(page, json_array_size(page) - 1),
						 "id")));
			else
				more = false;
			json_array_extend(all, page);
			json_decref(page);
		}
	}
	return all;
}

/* Why a resource is not run, for its log line and its status. */
struct why {
	char text[RECONCILE_WHY_MAX];
};

static int why_set(struct why *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int why_set(struct why *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->text, sizeof(w->text), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The resource ref is left out of the desired state: said in the log and to the reporter. */
static void skipped(const struct reconcile_report *rep, const char *ref, const struct why *w)
{
	log_err("Gateway", "%s: not run: %s", ref, w->text);
	if (rep && rep->skipped)
		rep->skipped(rep->arg, ref, w->text);
}

static int parse_prefixes(json_t *arr, struct prefix *out, unsigned int *n, const char *what,
			  struct why *w)
{
	char e[ADDR_ERR_MAX];
	json_t *v;
	size_t i;

	*n = 0;
	json_array_foreach(arr, i, v)
	{
		/* The API refuses more (GatewayCapacityReached): a store from before does not
		 * run half-routed. */
		if (*n >= GW_PREFIXES_MAX)
			return why_set(w, "more than %d %s (the gateway's limit)", GW_PREFIXES_MAX,
				       what);
		if (prefix_parse(&out[*n], str(v), 0, e, sizeof(e)) < 0)
			return why_set(w, "%s: %s", what, e);
		prefix_mask(&out[*n]);
		(*n)++;
	}
	return 0;
}

/*
 * SPEC §6: the gateway's BGP AS and peering address (the first instance's: the model computed
 * them from the GatewaySubnet, "a,b" for active-active).
 */
static int gateway_bgp(json_t *vgw, struct gw_vnet *v, struct why *w)
{
	json_t *bs = prop(vgw, "bgpSettings");
	char first[64], e[ADDR_ERR_MAX];
	json_int_t asn = json_integer_value(json_object_get(bs, "asn"));

	snprintf(first, sizeof(first), "%s", str(json_object_get(bs, "bgpPeeringAddress")));
	first[strcspn(first, ",")] = '\0';
	if (addr_parse(&v->bgp_addr, first, e, sizeof(e)) < 0)
		return why_set(w, "bgpSettings.bgpPeeringAddress: %s", e);
	v->bgp = true;
	v->bgp_asn = asn > 0 && asn <= UINT32_MAX ? (uint32_t)asn : BGP_DEFAULT_ASN;
	return 0;
}

/* The VNet a gateway sits in (its first ipConfiguration's subnet), as a gw_vnet. */
static int vnet_of_gateway(struct store *s, json_t *vgw, const char *netns_prefix,
			   struct gw_vnet *v, struct why *w)
{
	json_t *cfg =
		json_object_get(json_array_get(prop(vgw, "ipConfigurations"), 0), "properties");
	const char *gid = str(json_object_get(vgw, "id"));
	struct model_id mid;
	char vid[MODEL_ID_MAX], e[ADDR_ERR_MAX];
	json_t *vnet, *gs;
	int r = -EINVAL;

	if (model_id_parse(str(json_object_get(json_object_get(cfg, "subnet"), "id")), &mid) != 0)
		return why_set(w, "no subnet in its ipConfigurations");
	mid.type = MODEL_VNET;
	mid.child[0] = '\0';
	model_id_format(&mid, vid, sizeof(vid));
	vnet = store_get(s, vid);
	if (!vnet)
		return why_set(w, "its virtual network %s is not in the store", vid);
	memset(v, 0, sizeof(*v));
	/* The stored spelling of the id: the one the API reports and the status file keys by. */
	snprintf(v->ref, sizeof(v->ref), "%s", str(json_object_get(vnet, "id")));
	snprintf(v->gw_ref, sizeof(v->gw_ref), "%s", gid);
	reconcile_vnet_key(v->ref, netns_prefix, v->name, sizeof(v->name));
	/* SPEC §2 rule 4: the subnet named exactly GatewaySubnet addresses the gateway. */
	gs = model_vnet_subnet(vnet, "GatewaySubnet", NULL);
	if (!gs ||
	    prefix_parse(&v->gateway_subnet, str(prop(gs, "addressPrefix")), 0, e, sizeof(e)) < 0) {
		why_set(w, "its virtual network has no usable GatewaySubnet");
		goto out;
	}
	prefix_mask(&v->gateway_subnet);
	r = parse_prefixes(json_object_get(prop(vnet, "addressSpace"), "addressPrefixes"),
			   v->address_space, &v->n_address_space, "address-space prefixes", w);
	if (r == 0 && json_is_true(prop(vgw, "enableBgp")))
		r = gateway_bgp(vgw, v, w);
out:
	json_decref(vnet);
	return r;
}

/* The gateways read so far: which VNet each one serves and at what rate. */
struct gw_seen {
	char id[MODEL_ID_MAX];
	char vnet[GW_NAME_MAX];
	bool bgp;
	uint64_t rate_bps;
	bool custom_ok; /* not Basic (rule 11) */
};

static const struct gw_seen *seen_find(const struct gw_seen *seen, unsigned int n, const char *id)
{
	for (unsigned int i = 0; i < n; i++)
		if (strcasecmp(seen[i].id, id) == 0)
			return &seen[i];
	return NULL;
}

static int conn_policy(json_t *pol, struct gw_conn *c, struct why *w)
{
	struct ike_custom_policy p;
	const char *why = "";
	json_int_t life_s, life_kb;

	model_ipsec_policy_custom(pol, &p, &life_s, &life_kb);
	/* The API's policy in the engine's terms: the engine's one idea of a policy. */
	if (!p.ike_encryption || !p.ike_integrity || !p.dh_group || !p.ipsec_encryption ||
	    !p.ipsec_integrity || !p.pfs_group || life_s <= 0 || life_kb <= 0 ||
	    ike_policy_custom(&c->policy, &p, &why) < 0)
		return why_set(w, "its IPsec policy cannot be run: %s",
			       why[0] ? why : "a field is missing");
	c->custom_policy = true;
	c->child_lifetime_s = life_s > UINT32_MAX ? UINT32_MAX : (uint32_t)life_s;
	c->child_lifetime_kb = (uint64_t)life_kb;
	return 0;
}

/* SPEC §6: the site's BGP speaker (the local network gateway's bgpSettings) for c. */
static int conn_bgp(json_t *conn, json_t *lgw, struct gw_conn *c, struct why *w)
{
	json_t *bs = prop(lgw, "bgpSettings");
	json_int_t asn = json_integer_value(json_object_get(bs, "asn"));
	json_int_t weight = json_integer_value(prop(conn, "routingWeight"));
	char e[ADDR_ERR_MAX];

	if (!bs || addr_parse(&c->bgp_peer, str(json_object_get(bs, "bgpPeeringAddress")), e,
			      sizeof(e)) < 0)
		return why_set(w, "its local network gateway's bgpSettings: %s", bs ? e : "missing");
	if (asn <= 0 || asn > UINT32_MAX)
		return why_set(w, "its local network gateway's ASN %lld cannot be used",
			       (long long)asn);
	c->bgp = true;
	c->bgp_asn = (uint32_t)asn;
	c->routing_weight = weight > 0 && weight <= UINT32_MAX ? (uint32_t)weight : 0;
	return 0;
}

static int conn_build(struct store *s, json_t *conn, const struct gw_seen *seen,
		      unsigned int n_seen, struct gw_conn *c, struct why *w)
{
	const char *id = str(json_object_get(conn, "id")), *mode;
	const struct gw_seen *g;
	json_t *lgw = NULL, *pol;
	char e[ADDR_ERR_MAX], *key = NULL;
	json_int_t dpd;
	int r = -EINVAL;

	memset(c, 0, sizeof(*c));
	snprintf(c->ref, sizeof(c->ref), "%s", id);
	reconcile_conn_key(id, c->name, sizeof(c->name));
	g = seen_find(seen, n_seen,
		      str(json_object_get(prop(conn, "virtualNetworkGateway1"), "id")));
	if (!g)
		return why_set(w, "its VPN gateway is not running (see its reason in the log)");
	snprintf(c->vnet, sizeof(c->vnet), "%s", g->vnet);
	snprintf(c->gw_ref, sizeof(c->gw_ref), "%s", g->id);
	lgw = store_get(s, str(json_object_get(prop(conn, "localNetworkGateway2"), "id")));
	if (!lgw)
		return why_set(w, "its local network gateway is not in the store");
	if (addr_parse(&c->peer, str(prop(lgw, "gatewayIpAddress")), e, sizeof(e)) < 0) {
		why_set(w, "its local network gateway's address: %s", e);
		goto out;
	}
	r = parse_prefixes(
		json_object_get(prop(lgw, "localNetworkAddressSpace"), "addressPrefixes"),
		c->remote, &c->n_remote, "site prefixes", w);
	if (r)
		goto out;
	r = store_shared_key_get(s, id, &key);
	if (r) {
		why_set(w, "no shared key in the store");
		goto out;
	}
	c->psk = secret_dup(key, strlen(key));
	secret_wipe(key, strlen(key));
	free(key);
	r = -ENOMEM;
	if (!c->psk)
		goto out;
	ike_policy_default(&c->policy);
	c->child_lifetime_s = IKE_DEFAULT_CHILD_LIFETIME_S;
	c->child_lifetime_kb = IKE_DEFAULT_CHILD_LIFETIME_KB;
	pol = json_array_get(prop(conn, "ipsecPolicies"), 0);
	r = pol ? conn_policy(pol, c, w) : 0;
	if (r)
		goto out;
	dpd = json_integer_value(prop(conn, "dpdTimeoutSeconds"));
	c->dpd_timeout_s = dpd >= 9 && dpd <= 3600 ? (uint32_t)dpd : IKE_DEFAULT_DPD_TIMEOUT_S;
	/* connectionMode: Default starts the tunnel and answers the peer; ResponderOnly waits. */
	mode = str(prop(conn, "connectionMode"));
	c->initiate = strcasecmp(mode, "ResponderOnly") != 0;
	c->no_respond = strcasecmp(mode, "InitiatorOnly") == 0;
	c->rate_bps = g->rate_bps;
	r = g->bgp && json_is_true(prop(conn, "enableBgp")) ? conn_bgp(conn, lgw, c, w) : 0;
out:
	if (r) {
		if (!w->text[0])
			why_set(w, "%s", strerror(-r));
		secret_free(c->psk);
		c->psk = NULL;
	}
	json_decref(lgw);
	return r;
}

/* A connection the pass has taken, in two tables: by key and by peer (one lookup each). */
struct rc_seen_conn {
	struct hmap_node name_node, peer_node;
	char name[GW_NAME_MAX];
	struct addr peer;
};

static bool seen_conn_clash(const struct hmap *names, const struct hmap *peers,
			    const struct rc_seen_conn *me)
{
	uint64_t h = hmap_hash(names, me->name, strlen(me->name));

	for (struct hmap_node *n = hmap_first(names, h); n; n = hmap_next(n, h))
		if (strcmp(hmap_entry(n, struct rc_seen_conn, name_node)->name, me->name) == 0)
			return true;
	h = hmap_hash(peers, me->peer.bytes, 16);
	for (struct hmap_node *n = hmap_first(peers, h); n; n = hmap_next(n, h))
		if (addr_equal(&hmap_entry(n, struct rc_seen_conn, peer_node)->peer, &me->peer))
			return true;
	return false;
}

static bool vnet_key_taken(const struct gw_desired *d, const struct gw_vnet *v)
{
	const struct gw_vnet *o = gw_desired_vnet(d, v->name);

	return o && strcasecmp(o->ref, v->ref) != 0;
}

static int build(struct store *s, const char *netns_prefix, struct gw_desired *d,
		 const struct reconcile_report *rep)
{
	json_t *settings, *subs = NULL, *vgws = NULL, *conns = NULL, *v;
	struct gw_seen *seen = NULL;
	unsigned int n_seen = 0;
	char ip[64];
	size_t i;
	int r = -EIO;

	unsigned int max_vnets = d->max_vnets ? d->max_vnets : GW_VNETS_DEFAULT;
	unsigned int max_conns = d->max_conns ? d->max_conns : GW_CONNS_DEFAULT;
	struct rc_seen_conn *sc = NULL;
	struct hmap names = {0}, peers = {0};

	memset(d, 0, sizeof(*d));
	d->max_vnets = max_vnets;
	d->max_conns = max_conns;
	settings = store_settings_get(s);
	if (!settings)
		return -EIO;
	if (model_settings_public_ip(settings, ip, sizeof(ip)) == 0 &&
	    addr_parse(&d->public_ip, ip, NULL, 0) < 0)
		memset(&d->public_ip, 0, sizeof(d->public_ip));
	json_decref(settings);
	if (store_sub_list(s, &subs) != 0)
		goto out;
	vgws = list_all(s, subs, MODEL_VGW);
	conns = list_all(s, subs, MODEL_CONN);
	seen = calloc(json_array_size(vgws) + 1, sizeof(*seen));
	sc = calloc(json_array_size(conns) + 1, sizeof(*sc));
	if (!vgws || !conns || !seen || !sc || hmap_init(&names) < 0 || hmap_init(&peers) < 0)
		goto out;
	json_array_foreach(vgws, i, v)
	{
		struct gw_vnet gv_new, *gv = &gv_new;
		const char *sku = str(json_object_get(prop(v, "sku"), "name"));
		struct why w = {""};

		/* The API refuses more (GatewayCapacityReached); a store from before is told. */
		if (d->n_vnets >= max_vnets) {
			why_set(&w, "the gateway runs at most %u VPN gateways", max_vnets);
			skipped(rep, str(json_object_get(v, "id")), &w);
			continue;
		}
		if (vnet_of_gateway(s, v, netns_prefix, gv, &w) != 0) {
			skipped(rep, str(json_object_get(v, "id")), &w);
			continue;
		}
		if (vnet_key_taken(d, gv)) {
			why_set(&w, "its VNet's key %s is taken by %s", gv->name,
				gw_desired_vnet(d, gv->name)->ref);
			skipped(rep, str(json_object_get(v, "id")), &w);
			continue;
		}
		/* Rule 4 allows one VPN gateway per VNet; a second one would be a store fault. */
		if (!gw_desired_vnet(d, gv->name) && gw_desired_add_vnet(d, gv) < 0)
			goto out;
		snprintf(seen[n_seen].id, sizeof(seen[n_seen].id), "%s",
			 str(json_object_get(v, "id")));
		snprintf(seen[n_seen].vnet, sizeof(seen[n_seen].vnet), "%.*s", GW_NAME_MAX - 1,
			 gv->name);
		seen[n_seen].rate_bps = gw_sku_rate_bps(sku);
		seen[n_seen].bgp = gv->bgp;
		n_seen++;
	}
	json_array_foreach(conns, i, v)
	{
		struct gw_conn c_new, *c = &c_new;
		struct rc_seen_conn *me = &sc[i];
		struct why w = {""};

		if (d->n_conns >= max_conns) {
			why_set(&w, "the gateway runs at most %u connections", max_conns);
			skipped(rep, str(json_object_get(v, "id")), &w);
			continue;
		}
		if (conn_build(s, v, seen, n_seen, c, &w) != 0) {
			skipped(rep, str(json_object_get(v, "id")), &w);
			continue;
		}
		snprintf(me->name, sizeof(me->name), "%.*s", GW_NAME_MAX - 1, c->name);
		me->peer = c->peer;
		if (seen_conn_clash(&names, &peers, me)) {
			/* Rule 9 holds in the store; a key collision is the only way here. */
			why_set(&w, "its key or peer clashes with another connection's");
			skipped(rep, c->ref, &w);
			secret_free(c->psk);
			c->psk = NULL;
			continue;
		}
		if (gw_desired_add_conn(d, c) < 0) {
			secret_free(c->psk);
			goto out;
		}
		hmap_insert(&names, &me->name_node, hmap_hash(&names, me->name, strlen(me->name)));
		hmap_insert(&peers, &me->peer_node, hmap_hash(&peers, me->peer.bytes, 16));
	}
	r = 0;
out:
	if (r)
		gw_desired_clear(d);
	hmap_fini(&names);
	hmap_fini(&peers);
	free(sc);
	free(seen);
	json_decref(subs);
	json_decref(vgws);
	json_decref(conns);
	return r;
}

int reconcile_build(struct store *s, const char *netns_prefix, struct gw_desired *d,
		    const struct reconcile_report *rep)
{
	/* One snapshot of the store, whose first failure sticks: a pass that lost the store half
	 * way (etcd went away) must not read what it could not get as "deleted". */
	int r = store_begin_read(s);

	if (r)
		return r;
	r = build(s, netns_prefix, d, rep);
	if (!r && store_error(s)) {
		r = store_error(s);
		gw_desired_clear(d);
	}
	store_rollback(s);
	return r;
}
