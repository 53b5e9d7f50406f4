/* SPDX-License-Identifier: MIT */
/*
 * The mapping from a command line to its API request (method, path, query, body), for every
 * command, checked as data through `--dry-run` with no server: each row is a command line and
 * the request docs/api.md says it must make. In the expected JSON ' stands for ", $B for the
 * resource group's ARM base path and $Q for the api-version query.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define B "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Network"
#define S "/subscriptions/sub1/providers/Microsoft.Network"

struct row {
	const char *cmd;
	const char *want;
};

static const char *const env[] = {"VNETGW_SUBSCRIPTION=sub1", NULL};

/* ' -> ", $B -> the base path, $Q -> the api-version query. */
static char *expand(const char *t)
{
	size_t cap = strlen(t) * 4 + 256, o = 0;
	char *out = malloc(cap);

	cr_assert_not_null(out);
	for (; *t; t++) {
		const char *rep = NULL;

		if (*t == '\'')
			rep = "\"";
		else if (t[0] == '$' && t[1] == 'B')
			rep = B;
		else if (t[0] == '$' && t[1] == 'Q')
			rep = "'query':{'api-version':'2018-11-01'}";
		if (!rep) {
			out[o++] = *t;
			continue;
		}
		if (*t == '$')
			t++;
		for (; *rep; rep++)
			out[o++] = *rep == '\'' ? '"' : *rep;
	}
	out[o] = '\0';
	return out;
}

static void check_rows(const struct row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct run_result r;
		char *want_text = expand(rows[i].want), *got_s, *want_s;
		json_error_t jerr;
		json_t *want = json_loads(want_text, 0, &jerr), *got;

		cr_assert_not_null(want, "row %zu: bad expected JSON: %s: %s", i, jerr.text,
				   want_text);
		run_cli(&r, env, rows[i].cmd, (const char *const[]){"--dry-run", NULL});
		cr_expect_eq(r.code, 0, "row %zu (%s): exit %d: %s", i, rows[i].cmd, r.code, r.err);
		got = json_loads(r.out, 0, &jerr);
		cr_expect_not_null(got, "row %zu (%s): not JSON: %s", i, rows[i].cmd, r.out);
		got_s = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
		want_s = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS);
		cr_expect(json_equal(got, want), "row %zu (%s):\n got  %s\n want %s", i,
			  rows[i].cmd, got_s ? got_s : "(null)", want_s);
		free(got_s);
		free(want_s);
		json_decref(got);
		json_decref(want);
		free(want_text);
		run_result_clear(&r);
	}
}

#define CHECK(rows) check_rows(rows, sizeof(rows) / sizeof(rows[0]))

Test(request, vnet)
{
	static const struct row rows[] = {
		/* 0: az's defaults: 10.0.0.0/16, location "local", no subnet, no tags */
		{"vnet create -g rg1 -n vnet1",
		 "{'method':'PUT','path':'$B/virtualNetworks/vnet1',$Q,'body':{'location':'local',"
		 "'properties':{'addressSpace':{'addressPrefixes':['10.0.0.0/16']}}}}"},
		/* 1: everything */
		{"vnet create -g rg1 -n vnet1 -l east --address-prefixes 10.1.0.0/16 10.2.0.0/16 "
		 "--subnet-name GatewaySubnet --subnet-prefix 10.1.255.0/27 --tags env=test owner",
		 "{'method':'PUT','path':'$B/virtualNetworks/vnet1',$Q,'body':{'location':'east',"
		 "'tags':{'env':'test','owner':''},'properties':{'addressSpace':{'addressPrefixes':"
		 "['10.1.0.0/16','10.2.0.0/16']},'subnets':[{'name':'GatewaySubnet','properties':"
		 "{'addressPrefix':'10.1.255.0/27'}}]}}}"},
		/* 2: a subnet name alone takes az's default prefix; --flag=value; repeated list */
		{"vnet create --resource-group=rg1 --name=vnet1 --subnet-name=apps "
		 "--address-prefixes 10.0.0.0/16 --address-prefixes=10.9.0.0/16",
		 "{'method':'PUT','path':'$B/virtualNetworks/vnet1',$Q,'body':{'location':'local',"
		 "'properties':{'addressSpace':{'addressPrefixes':['10.0.0.0/16','10.9.0.0/16']},"
		 "'subnets':[{'name':'apps','properties':{'addressPrefix':'10.0.0.0/24'}}]}}}"},
		/* 3: --subnet-prefixes is az's newer spelling */
		{"vnet create -g rg1 -n vnet1 --subnet-prefixes 10.0.8.0/24",
		 "{'method':'PUT','path':'$B/virtualNetworks/vnet1',$Q,'body':{'location':'local',"
		 "'properties':{'addressSpace':{'addressPrefixes':['10.0.0.0/16']},"
		 "'subnets':[{'name':'default','properties':{'addressPrefix':'10.0.8.0/24'}}]}}}"},
		{"vnet show -g rg1 -n vnet1",
		 "{'method':'GET','path':'$B/virtualNetworks/vnet1',$Q}"},
		{"vnet list -g rg1", "{'method':'GET','path':'$B/virtualNetworks',$Q}"},
		/* 6: without -g: the whole subscription */
		{"vnet list", "{'method':'GET','path':'" S "/virtualNetworks',$Q}"},
		{"vnet delete -g rg1 -n vnet1",
		 "{'method':'DELETE','path':'$B/virtualNetworks/vnet1',$Q}"},
		/* 8: --subscription wins over the environment */
		{"vnet show -g rg1 -n vnet1 --subscription sub2",
		 "{'method':'GET','path':'/subscriptions/sub2/resourceGroups/rg1/providers/"
		 "Microsoft.Network/virtualNetworks/vnet1',$Q}"},
		/* 9: path segments are percent-encoded */
		{"vnet show -g rg(1) -n a%b/c",
		 "{'method':'GET','path':'/subscriptions/sub1/resourceGroups/rg(1)/providers/"
		 "Microsoft.Network/virtualNetworks/a%25b%2Fc',$Q}"},
	};
	CHECK(rows);
}

Test(request, subnet)
{
	static const struct row rows[] = {
		{"vnet subnet create -g rg1 --vnet-name vnet1 -n GatewaySubnet --address-prefix "
		 "10.1.255.0/27",
		 "{'method':'PUT','path':'$B/virtualNetworks/vnet1/subnets/GatewaySubnet',$Q,"
		 "'body':{'properties':{'addressPrefix':'10.1.255.0/27'}}}"},
		{"vnet subnet create -g rg1 --vnet-name vnet1 -n apps --address-prefixes "
		 "10.1.0.0/24",
		 "{'method':'PUT','path':'$B/virtualNetworks/vnet1/subnets/apps',$Q,"
		 "'body':{'properties':{'addressPrefix':'10.1.0.0/24'}}}"},
		{"vnet subnet show -g rg1 --vnet-name vnet1 -n apps",
		 "{'method':'GET','path':'$B/virtualNetworks/vnet1/subnets/apps',$Q}"},
		{"vnet subnet list -g rg1 --vnet-name vnet1",
		 "{'method':'GET','path':'$B/virtualNetworks/vnet1/subnets',$Q}"},
		{"vnet subnet delete -g rg1 --vnet-name vnet1 -n apps",
		 "{'method':'DELETE','path':'$B/virtualNetworks/vnet1/subnets/apps',$Q}"},
	};
	CHECK(rows);
}

Test(request, public_ip)
{
	static const struct row rows[] = {
		{"public-ip create -g rg1 -n pip1",
		 "{'method':'PUT','path':'$B/publicIPAddresses/pip1',$Q,'body':{'location':'local',"
		 "'properties':{'publicIPAllocationMethod':'Dynamic'}}}"},
		{"public-ip create -g rg1 -n pip1 --allocation-method Static -l west --tags a=1",
		 "{'method':'PUT','path':'$B/publicIPAddresses/pip1',$Q,'body':{'location':'west',"
		 "'tags':{'a':'1'},'properties':{'publicIPAllocationMethod':'Static'}}}"},
		{"public-ip show -g rg1 -n pip1",
		 "{'method':'GET','path':'$B/publicIPAddresses/pip1',$Q}"},
		{"public-ip list -g rg1", "{'method':'GET','path':'$B/publicIPAddresses',$Q}"},
		{"public-ip list", "{'method':'GET','path':'" S "/publicIPAddresses',$Q}"},
		{"public-ip delete -g rg1 -n pip1",
		 "{'method':'DELETE','path':'$B/publicIPAddresses/pip1',$Q}"},
	};
	CHECK(rows);
}

#define IPCFG(i, subnet, pip)                                                                      \
	"{'name':'vnetGatewayConfig" #i "','properties':{'privateIPAllocationMethod':'Dynamic',"   \
	"'subnet':{'id':'" subnet "'},'publicIPAddress':{'id':'" pip "'}}}"

#define NET "/subscriptions/sub1/resourceGroups/net/providers/Microsoft.Network"

/* clang-format off */
Test(request, vnet_gateway)
{
	static const struct row rows[] = {
		/* 0: names resolve to ids in the same group; az's defaults */
		{ "vnet-gateway create -g rg1 -n gw1 --vnet vnet1 --public-ip-addresses pip1",
		  "{'method':'PUT','path':'$B/virtualNetworkGateways/gw1',$Q,'body':{"
		    "'location':'local','properties':{'ipConfigurations':["
		      IPCFG(0, B "/virtualNetworks/vnet1/subnets/GatewaySubnet",
			    B "/publicIPAddresses/pip1") "],"
		    "'gatewayType':'Vpn','vpnType':'RouteBased','sku':{'name':'Basic','tier':'Basic'},"
		    "'enableBgp':false,'activeActive':false}}}" },
		/* 1: full ids are taken as they are; two public IPs make it active-active; BGP
		 * settings turn BGP on */
		{ "vnet-gateway create -g rg1 -n gw1 --vnet " NET "/virtualNetworks/v9 "
		  "--public-ip-addresses pip1 " NET "/publicIPAddresses/pip2 --sku HighPerformance "
		  "--asn 65010 --bgp-peering-address 10.1.255.30 --peer-weight 5 --gateway-type Vpn "
		  "--vpn-type RouteBased -l east",
		  "{'method':'PUT','path':'$B/virtualNetworkGateways/gw1',$Q,'body':{"
		    "'location':'east','properties':{'ipConfigurations':["
		      IPCFG(0, NET "/virtualNetworks/v9/subnets/GatewaySubnet",
			    B "/publicIPAddresses/pip1") ","
		      IPCFG(1, NET "/virtualNetworks/v9/subnets/GatewaySubnet",
			    NET "/publicIPAddresses/pip2") "],"
		    "'gatewayType':'Vpn','vpnType':'RouteBased',"
		    "'sku':{'name':'HighPerformance','tier':'HighPerformance'},"
		    "'enableBgp':true,'activeActive':true,"
		    "'bgpSettings':{'asn':65010,'bgpPeeringAddress':'10.1.255.30','peerWeight':5}}}}" },
		/* 2: what the API must refuse (rules 1-3) still goes to it: the CLI stays thin
		 * and the API's message explains */
		{ "vnet-gateway create -g rg1 -n gw1 --vnet vnet1 --public-ip-addresses pip1 "
		  "--gateway-type ExpressRoute --vpn-type PolicyBased --sku UltraPerformance",
		  "{'method':'PUT','path':'$B/virtualNetworkGateways/gw1',$Q,'body':{"
		    "'location':'local','properties':{'ipConfigurations':["
		      IPCFG(0, B "/virtualNetworks/vnet1/subnets/GatewaySubnet",
			    B "/publicIPAddresses/pip1") "],"
		    "'gatewayType':'ExpressRoute','vpnType':'PolicyBased',"
		    "'sku':{'name':'UltraPerformance','tier':'UltraPerformance'},"
		    "'enableBgp':false,'activeActive':false}}}" },
		/* 3: a subnet id is used as it is */
		{ "vnet-gateway create -g rg1 -n gw1 --vnet " NET "/virtualNetworks/v9/subnets/GatewaySubnet "
		  "--public-ip-addresses pip1",
		  "{'method':'PUT','path':'$B/virtualNetworkGateways/gw1',$Q,'body':{"
		    "'location':'local','properties':{'ipConfigurations':["
		      IPCFG(0, NET "/virtualNetworks/v9/subnets/GatewaySubnet",
			    B "/publicIPAddresses/pip1") "],"
		    "'gatewayType':'Vpn','vpnType':'RouteBased','sku':{'name':'Basic','tier':'Basic'},"
		    "'enableBgp':false,'activeActive':false}}}" },
		/* update starts with a GET (the PUT is checked end to end) */
		{ "vnet-gateway update -g rg1 -n gw1 --sku Standard",
		  "{'method':'GET','path':'$B/virtualNetworkGateways/gw1',$Q}" },
		{ "vnet-gateway show -g rg1 -n gw1",
		  "{'method':'GET','path':'$B/virtualNetworkGateways/gw1',$Q}" },
		{ "vnet-gateway list -g rg1", "{'method':'GET','path':'$B/virtualNetworkGateways',$Q}" },
		{ "vnet-gateway list", "{'method':'GET','path':'" S "/virtualNetworkGateways',$Q}" },
		{ "vnet-gateway delete -g rg1 -n gw1",
		  "{'method':'DELETE','path':'$B/virtualNetworkGateways/gw1',$Q}" },
		{ "vnet-gateway reset -g rg1 -n gw1",
		  "{'method':'POST','path':'$B/virtualNetworkGateways/gw1/reset',$Q}" },
		{ "vnet-gateway list-learned-routes -g rg1 -n gw1",
		  "{'method':'POST','path':'$B/virtualNetworkGateways/gw1/getLearnedRoutes',$Q}" },
		{ "vnet-gateway list-bgp-peer-status -g rg1 -n gw1",
		  "{'method':'POST','path':'$B/virtualNetworkGateways/gw1/getBgpPeerStatus',$Q}" },
		{ "vnet-gateway list-bgp-peer-status -g rg1 -n gw1 --peer 10.2.255.30",
		  "{'method':'POST','path':'$B/virtualNetworkGateways/gw1/getBgpPeerStatus',"
		  "'query':{'api-version':'2018-11-01','peer':'10.2.255.30'}}" },
		{ "vnet-gateway list-advertised-routes -g rg1 -n gw1 --peer 10.2.255.30",
		  "{'method':'POST','path':'$B/virtualNetworkGateways/gw1/getAdvertisedRoutes',"
		  "'query':{'api-version':'2018-11-01','peer':'10.2.255.30'}}" },
	};
	CHECK(rows);
}
/* clang-format on */

Test(request, local_gateway)
{
	static const struct row rows[] = {
		{"local-gateway create -g rg1 -n site1 --gateway-ip-address 198.51.100.7 "
		 "--local-address-prefixes 192.168.0.0/24 192.168.1.0/24 --asn 65050 "
		 "--bgp-peering-address 192.168.0.1 --peer-weight 0",
		 "{'method':'PUT','path':'$B/localNetworkGateways/site1',$Q,'body':{'location':"
		 "'local','properties':{'localNetworkAddressSpace':{'addressPrefixes':"
		 "['192.168.0.0/24','192.168.1.0/24']},'gatewayIpAddress':'198.51.100.7',"
		 "'bgpSettings':{'asn':65050,'bgpPeeringAddress':'192.168.0.1','peerWeight':0}}}}"},
		/* 1: BGP-only site: an empty address space, as az sends it */
		{"local-gateway create -g rg1 -n site1 --gateway-ip-address 198.51.100.7",
		 "{'method':'PUT','path':'$B/localNetworkGateways/site1',$Q,'body':{'location':"
		 "'local','properties':{'localNetworkAddressSpace':{'addressPrefixes':[]},"
		 "'gatewayIpAddress':'198.51.100.7'}}}"},
		/* 2: update starts with a GET (the PUT is checked end to end) */
		{"local-gateway update -g rg1 -n site1 --local-address-prefixes 10.0.0.0/8",
		 "{'method':'GET','path':'$B/localNetworkGateways/site1',$Q}"},
		{"local-gateway show -g rg1 -n site1",
		 "{'method':'GET','path':'$B/localNetworkGateways/site1',$Q}"},
		{"local-gateway list -g rg1",
		 "{'method':'GET','path':'$B/localNetworkGateways',$Q}"},
		{"local-gateway list", "{'method':'GET','path':'" S "/localNetworkGateways',$Q}"},
		{"local-gateway delete -g rg1 -n site1",
		 "{'method':'DELETE','path':'$B/localNetworkGateways/site1',$Q}"},
	};
	CHECK(rows);
}

Test(request, vpn_connection)
{
	static const struct row rows[] = {
		{"vpn-connection create -g rg1 -n conn1 --vnet-gateway1 gw1 --local-gateway2 site1 "
		 "--shared-key abc123 --enable-bgp --routing-weight 3 --connection-mode "
		 "ResponderOnly "
		 "--dpd-timeout 60",
		 "{'method':'PUT','path':'$B/connections/conn1',$Q,'body':{'location':'local',"
		 "'properties':{'connectionType':'IPsec','virtualNetworkGateway1':{'id':"
		 "'$B/virtualNetworkGateways/gw1'},'localNetworkGateway2':{'id':"
		 "'$B/localNetworkGateways/site1'},'sharedKey':'abc123','enableBgp':true,"
		 "'routingWeight':3,'connectionMode':'ResponderOnly',"
		 "'dpdTimeoutSeconds':60}}}"},
		/* 1: --enable-bgp false; az's routing weight 10; no key: the API generates one */
		{"vpn-connection create -g rg1 -n conn1 --vnet-gateway1 gw1 --local-gateway2 "
		 "/subscriptions/sub1/resourceGroups/x/providers/Microsoft.Network/"
		 "localNetworkGateways/s2 --enable-bgp false",
		 "{'method':'PUT','path':'$B/connections/conn1',$Q,'body':{'location':'local',"
		 "'properties':{'connectionType':'IPsec','virtualNetworkGateway1':{'id':"
		 "'$B/virtualNetworkGateways/gw1'},'localNetworkGateway2':{'id':'/subscriptions/"
		 "sub1/resourceGroups/x/providers/Microsoft.Network/localNetworkGateways/s2'},"
		 "'enableBgp':false,'routingWeight':10}}}"},
		{"vpn-connection update -g rg1 -n conn1 --routing-weight 20",
		 "{'method':'GET','path':'$B/connections/conn1',$Q}"},
		{"vpn-connection show -g rg1 -n conn1",
		 "{'method':'GET','path':'$B/connections/conn1',$Q}"},
		{"vpn-connection list -g rg1", "{'method':'GET','path':'$B/connections',$Q}"},
		{"vpn-connection list", "{'method':'GET','path':'" S "/connections',$Q}"},
		{"vpn-connection delete -g rg1 -n conn1",
		 "{'method':'DELETE','path':'$B/connections/conn1',$Q}"},
		{"vpn-connection show-device-config-script -g rg1 -n conn1",
		 "{'method':'POST','path':'$B/connections/conn1/vpndeviceconfigurationscript',$Q,"
		 "'body':{'vendor':'strongSwan'}}"},
		{"vpn-connection show-device-config-script -g rg1 -n conn1 --vendor Cisco "
		 "--device-family ISR --firmware-version 15",
		 "{'method':'POST','path':'$B/connections/conn1/vpndeviceconfigurationscript',$Q,"
		 "'body':{'vendor':'Cisco','deviceFamily':'ISR','firmwareVersion':'15'}}"},
		{"vpn-connection shared-key show -g rg1 --connection-name conn1",
		 "{'method':'GET','path':'$B/connections/conn1/sharedkey',$Q}"},
		{"vpn-connection shared-key update -g rg1 --connection-name conn1 --value n3w",
		 "{'method':'PUT','path':'$B/connections/conn1/"
		 "sharedkey',$Q,'body':{'value':'n3w'}}"},
		{"vpn-connection shared-key reset -g rg1 --connection-name conn1 --key-length 64",
		 "{'method':'POST','path':'$B/connections/conn1/sharedkey/reset',$Q,"
		 "'body':{'keyLength':64}}"},
		/* 11-13: the policy commands read the connection first (the PUT: end to end) */
		{"vpn-connection ipsec-policy add -g rg1 --connection-name conn1 --ike-encryption "
		 "AES256 --ike-integrity SHA384 --dh-group ECP384 --ipsec-encryption GCMAES256 "
		 "--ipsec-integrity GCMAES256 --pfs-group ECP384 --sa-lifetime 27000 --sa-max-size "
		 "102400000",
		 "{'method':'GET','path':'$B/connections/conn1',$Q}"},
		{"vpn-connection ipsec-policy list -g rg1 --connection-name conn1",
		 "{'method':'GET','path':'$B/connections/conn1',$Q}"},
		{"vpn-connection ipsec-policy clear -g rg1 --connection-name conn1",
		 "{'method':'GET','path':'$B/connections/conn1',$Q}"},
	};
	CHECK(rows);
}

Test(request, admin)
{
	static const struct row rows[] = {
		{"admin subscription create --display-name contoso",
		 "{'method':'POST','path':'/admin/subscriptions','query':{},'admin':true,"
		 "'body':{'displayName':'contoso'}}"},
		{"admin subscription list",
		 "{'method':'GET','path':'/admin/subscriptions','query':{},'admin':true}"},
		{"admin subscription delete --subscription-id 6f1c-7a",
		 "{'method':'DELETE','path':'/admin/subscriptions/"
		 "6f1c-7a','query':{},'admin':true}"},
		{"admin token create --subscription-id 6f1c-7a",
		 "{'method':'POST','path':'/admin/subscriptions/6f1c-7a/tokens','query':{},"
		 "'admin':true}"},
		{"admin token create --subscription-id 6f1c-7a --label ci",
		 "{'method':'POST','path':'/admin/subscriptions/6f1c-7a/tokens','query':{},"
		 "'admin':true,'body':{'label':'ci'}}"},
		{"admin token list --subscription-id 6f1c-7a",
		 "{'method':'GET','path':'/admin/subscriptions/6f1c-7a/tokens','query':{},"
		 "'admin':true}"},
		{"admin token revoke --subscription-id 6f1c-7a --token-id 0b9e-11",
		 "{'method':'DELETE','path':'/admin/subscriptions/6f1c-7a/tokens/0b9e-11','query':{},"
		 "'admin':true}"},
		{"admin settings show",
		 "{'method':'GET','path':'/admin/settings','query':{},'admin':true}"},
		{"admin settings update --public-ip-pool 203.0.113.0/28 198.51.100.0/29 "
		 "--tunnel-limits Basic=30 HighPerformance=12",
		 "{'method':'PATCH','path':'/admin/settings','query':{},'admin':true,'body':"
		 "{'publicIpPool':['203.0.113.0/28','198.51.100.0/29'],'tunnelLimits':"
		 "{'Basic':30,'HighPerformance':12}}}"},
		{"admin settings update --allow-private-gateway-ips",
		 "{'method':'PATCH','path':'/admin/settings','query':{},'admin':true,'body':"
		 "{'allowPrivateGatewayIps':true}}"},
		{"admin settings update --allow-private-gateway-ips false",
		 "{'method':'PATCH','path':'/admin/settings','query':{},'admin':true,'body':"
		 "{'allowPrivateGatewayIps':false}}"},
		{"admin settings update --tunnel-limits Standard=0",
		 "{'method':'PATCH','path':'/admin/settings','query':{},'admin':true,'body':"
		 "{'tunnelLimits':{'Standard':0}}}"},
		{"admin settings update --max-gateways-per-subscription 2 "
		 "--max-connections-per-subscription 3 --min-shared-key-length 12 "
		 "--api-rate-limit 5 --api-rate-burst 10",
		 "{'method':'PATCH','path':'/admin/settings','query':{},'admin':true,'body':"
		 "{'quotas':{'maxVirtualNetworkGatewaysPerSubscription':2,"
		 "'maxVirtualNetworkGatewayConnectionsPerSubscription':3},'minSharedKeyLength':12,"
		 "'apiRateLimit':{'requestsPerSecond':5,'burst':10}}}"},
	};
	CHECK(rows);
}

/* --public-ip-pool "" (one empty word) empties the pool, as --tags "" clears tags. */
Test(request, empty_pool)
{
	struct run_result r;
	json_t *got;

	run_cli(&r, env, "admin settings update",
		(const char *const[]){"--public-ip-pool", "", "--dry-run", NULL});
	cr_assert_eq(r.code, 0, "%s", r.err);
	got = json_loads(r.out, 0, NULL);
	cr_assert_not_null(got, "%s", r.out);
	cr_expect(json_is_array(json_object_get(json_object_get(got, "body"), "publicIpPool")));
	cr_expect_eq(json_array_size(json_object_get(json_object_get(got, "body"), "publicIpPool")),
		     0, "%s", r.out);
	json_decref(got);
	run_result_clear(&r);
}

/* A name with a space (one argv word) is encoded, not split. */
Test(request, name_with_space)
{
	struct run_result r;

	run_cli(&r, env, "vnet show -g rg1 --dry-run",
		(const char *const[]){"-n", "my vnet", NULL});
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert(strstr(r.out, "\"path\": \"" B "/virtualNetworks/my%20vnet\""), "%s", r.out);
	run_result_clear(&r);
}
