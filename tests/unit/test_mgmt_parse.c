/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the request-body rules of src/mgmt/model (model_parse_request, the entry the API
 * and the fuzzer call): one numbered row per rule of SPEC §2 that needs only the body, and per
 * field class of each resource, with the error code and target each refusal must carry. Row 0 of
 * each resource is the valid body the others vary.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "mgmt/model/model.h"

#define B     "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/"
#define GWSUB B "virtualNetworks/v1/subnets/GatewaySubnet"
#define IPC(pip)                                                                                   \
	"{\"properties\":{\"subnet\":{\"id\":\"" GWSUB "\"},\"publicIPAddress\":{\"id\":\"" B      \
	"publicIPAddresses/" pip "\"}}}"
#define GW(props) "{\"properties\":{\"gatewayType\":\"Vpn\",\"vpnType\":\"RouteBased\"," props "}}"
#define GW_STD(extra)                                                                              \
	GW("\"sku\":{\"name\":\"Standard\",\"tier\":\"Standard\"},\"ipConfigurations\":[" IPC(     \
		"p1") "]" extra)
#define CONN(extra)                                                                                \
	"{\"properties\":{\"connectionType\":\"IPsec\",\"virtualNetworkGateway1\":{\"id\":\"" B    \
	"virtualNetworkGateways/g1\"},\"localNetworkGateway2\":{\"id\":\"" B                       \
	"localNetworkGateways/l1\"},\"sharedKey\":\"abc123\"" extra "}}"
#define POLICY(enc, integ, ike, ikei, dh, pfs, secs, kb)                                           \
	",\"ipsecPolicies\":[{\"saLifeTimeSeconds\":" secs ",\"saDataSizeKilobytes\":" kb          \
	",\"ipsecEncryption\":\"" enc "\",\"ipsecIntegrity\":\"" integ                             \
	"\",\"ikeEncryption\":\"" ike "\",\"ikeIntegrity\":\"" ikei "\",\"dhGroup\":\"" dh         \
	"\",\"pfsGroup\":\"" pfs "\"}]"
#define K16  "0123456789abcdef"
#define K128 K16 K16 K16 K16 K16 K16 K16 K16
#define GOOD_POLICY                                                                                \
	POLICY("GCMAES256", "GCMAES256", "AES256", "SHA384", "ECP384", "ECP384", "27000",          \
	       "102400000")

struct row {
	enum model_type type;
	const char *name;
	const char *body;
	enum mgmt_err_code code;
	const char *target; /* NULL: not checked */
};

static const struct row rows[] = {
	/* --- framing --- */
	/* 0 */ {MODEL_VNET, "v1", "{", MGMT_E_INVALID_REQUEST_CONTENT, ""},
	/* 1 */ {MODEL_VNET, "v1", "[]", MGMT_E_INVALID_REQUEST_FORMAT, ""},
	/* 2 */ {MODEL_VNET, "v1", "{\"a\":1,\"a\":2}", MGMT_E_INVALID_REQUEST_CONTENT, ""},
	/* 3 */ {MODEL_VNET, "bad/name", "{}", MGMT_E_INVALID_NAME, "name"},
	/* 4 */ {MODEL_VNET, "v1", "{\"name\":\"v2\"}", MGMT_E_NAME_MISMATCH, "name"},
	/* 5 */
	{MODEL_VNET, "v1",
	 "{\"location\":\"no-dash\",\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"10.0."
	 "0.0/16\"]}}}",
	 MGMT_E_INVALID_LOCATION, "location"},
	/* 6 */
	{MODEL_VNET, "v1",
	 "{\"tags\":{\"a\":2},\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/"
	 "16\"]}}}",
	 MGMT_E_INVALID_TAGS, "tags"},
	/* 7 */
	{MODEL_VNET, "v1", "{\"properties\":[]}", MGMT_E_INVALID_REQUEST_FORMAT, "properties"},
	/* --- virtual networks --- */
	/* 8 */
	{MODEL_VNET, "v1",
	 "{\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/"
	 "16\"]},\"subnets\":[{\"name\":\"GatewaySubnet\",\"properties\":{\"addressPrefix\":\"10.0."
	 "255.0/27\"}}]}}",
	 MGMT_OK, NULL},
	/* 9 */
	{MODEL_VNET, "v1", "{\"properties\":{}}", MGMT_E_MISSING_PROPERTY,
	 "properties.addressSpace"},
	/* 10 */
	{MODEL_VNET, "v1", "{\"properties\":{\"addressSpace\":{\"addressPrefixes\":[]}}}",
	 MGMT_E_MISSING_PROPERTY, "properties.addressSpace.addressPrefixes"},
	/* 11 */
	{MODEL_VNET, "v1",
	 "{\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.1/16\"]}}}",
	 MGMT_E_INVALID_PREFIX, "properties.addressSpace.addressPrefixes[0]"},
	/* 12 */
	{MODEL_VNET, "v1",
	 "{\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/16\",\"10.0.1.0/"
	 "24\"]}}}",
	 MGMT_E_ADDRESS_SPACE_OVERLAP, "properties.addressSpace.addressPrefixes[1]"},
	/* 13 */
	{MODEL_VNET, "v1",
	 "{\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/"
	 "16\"]},\"subnets\":[{\"name\":\"a\",\"properties\":{\"addressPrefix\":\"10.1.0.0/"
	 "24\"}}]}}",
	 MGMT_E_SUBNET_NOT_IN_SPACE, "properties.subnets[0].properties.addressPrefix"},
	/* 14 */
	{MODEL_VNET, "v1",
	 "{\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/"
	 "16\"]},\"subnets\":[{\"name\":\"a\",\"properties\":{\"addressPrefix\":\"10.0.0.0/"
	 "24\"}},{\"name\":\"b\",\"properties\":{\"addressPrefix\":\"10.0.0.128/25\"}}]}}",
	 MGMT_E_SUBNETS_OVERLAP, "properties.subnets[1].properties.addressPrefix"},
	/* 15 */
	{MODEL_VNET, "v1",
	 "{\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/"
	 "16\"]},\"subnets\":[{\"name\":\"a\",\"properties\":{\"addressPrefix\":\"10.0.0.0/"
	 "24\"}},{\"name\":\"A\",\"properties\":{\"addressPrefix\":\"10.0.1.0/24\"}}]}}",
	 MGMT_E_DUPLICATE_SUBNET, "properties.subnets[1].name"},
	/* 16 */
	{MODEL_VNET, "v1",
	 "{\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/"
	 "16\"]},\"subnets\":[{\"name\":\"a "
	 "b\",\"properties\":{\"addressPrefix\":\"10.0.0.0/24\"}}]}}",
	 MGMT_E_INVALID_NAME, "properties.subnets[0].name"},
	/* 17 */
	{MODEL_VNET, "v1",
	 "{\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"fd00::/48\",\"10.0.0.0/"
	 "16\"]}}}",
	 MGMT_OK, NULL},
	/* 18 */
	{MODEL_SUBNET, "s1", "{\"properties\":{\"addressPrefix\":\"10.0.0.0/33\"}}",
	 MGMT_E_INVALID_PREFIX, "properties.addressPrefix"},
	/* 19 */
	{MODEL_SUBNET, "s1", "{\"properties\":{}}", MGMT_E_MISSING_PROPERTY,
	 "properties.addressPrefix"},
	/* --- public IPs --- */
	/* 20 */
	{MODEL_PIP, "p1", "{\"properties\":{\"publicIPAllocationMethod\":\"Static\"}}", MGMT_OK,
	 NULL},
	/* 21 */
	{MODEL_PIP, "p1", "{\"properties\":{\"publicIPAllocationMethod\":\"Sometimes\"}}",
	 MGMT_E_INVALID_ENUM, "properties.publicIPAllocationMethod"},
	/* 22 */
	{MODEL_PIP, "p1", "{\"properties\":{\"publicIPAddressVersion\":\"IPv6\"}}",
	 MGMT_E_INVALID_ENUM, "properties.publicIPAddressVersion"},
	/* 23 */
	{MODEL_PIP, "p1", "{\"properties\":{\"idleTimeoutInMinutes\":3}}", MGMT_E_INVALID_VALUE,
	 "properties.idleTimeoutInMinutes"},
	/* --- gateways: rules 1, 2, 3, 5, 6 --- */
	/* 24 */ {MODEL_VGW, "g1", GW_STD(""), MGMT_OK, NULL},
	/* 25 rule 1 */
	{MODEL_VGW, "g1",
	 "{\"properties\":{\"gatewayType\":\"ExpressRoute\",\"sku\":{\"name\":\"Standard\"}}}",
	 MGMT_E_GATEWAY_TYPE, "properties.gatewayType"},
	/* 26 rule 2 */
	{MODEL_VGW, "g1",
	 "{\"properties\":{\"gatewayType\":\"Vpn\",\"vpnType\":\"PolicyBased\",\"sku\":{\"name\":"
	 "\"Basic\"}}}",
	 MGMT_E_VPN_TYPE, "properties.vpnType"},
	/* 27 rule 3 */
	{MODEL_VGW, "g1", GW("\"sku\":{\"name\":\"UltraPerformance\"}"), MGMT_E_GATEWAY_SKU,
	 "properties.sku.name"},
	/* 28 rule 3 */
	{MODEL_VGW, "g1", GW("\"sku\":{\"name\":\"VpnGw1\"}"), MGMT_E_GATEWAY_SKU,
	 "properties.sku.name"},
	/* 29 rule 3 */
	{MODEL_VGW, "g1", GW("\"sku\":{\"name\":\"Standard\",\"tier\":\"Basic\"}"),
	 MGMT_E_GATEWAY_SKU, "properties.sku.tier"},
	/* 30 rule 5 */
	{MODEL_VGW, "g1",
	 GW("\"sku\":{\"name\":\"Basic\"},\"enableBgp\":true,\"ipConfigurations\":[" IPC("p1") "]"),
	 MGMT_E_BGP_ON_BASIC, "properties.enableBgp"},
	/* 31 rule 6 */
	{MODEL_VGW, "g1",
	 GW("\"sku\":{\"name\":\"Standard\"},\"activeActive\":true,\"ipConfigurations\":[" IPC(
		 "p1") "," IPC("p2") "]"),
	 MGMT_E_ACTIVE_ACTIVE_SKU, "properties.activeActive"},
	/* 32 rule 6 */
	{MODEL_VGW, "g1",
	 GW("\"sku\":{\"name\":\"HighPerformance\"},\"activeActive\":true,\"ipConfigurations\":"
	    "[" IPC("p1") "]"),
	 MGMT_E_IP_CONFIGURATIONS, "properties.ipConfigurations"},
	/* 33 rule 6 */
	{MODEL_VGW, "g1",
	 GW("\"sku\":{\"name\":\"HighPerformance\"},\"activeActive\":true,\"ipConfigurations\":"
	    "[" IPC("p1") "," IPC("p1") "]"),
	 MGMT_E_IP_CONFIGURATIONS, "properties.ipConfigurations[1].properties.publicIPAddress"},
	/* 34 rule 6 */
	{MODEL_VGW, "g1",
	 GW("\"sku\":{\"name\":\"HighPerformance\"},\"activeActive\":true,\"ipConfigurations\":"
	    "[" IPC("p1") "," IPC("p2") "]"),
	 MGMT_OK, NULL},
	/* 35 */
	{MODEL_VGW, "g1",
	 GW("\"sku\":{\"name\":\"Standard\"},\"ipConfigurations\":[" IPC("p1") "," IPC("p2") "]"),
	 MGMT_E_IP_CONFIGURATIONS, "properties.ipConfigurations"},
	/* 36 */
	{MODEL_VGW, "g1", GW_STD(",\"bgpSettings\":{\"asn\":23456}"), MGMT_E_RESERVED_ASN,
	 "properties.bgpSettings.asn"},
	/* 37 */
	{MODEL_VGW, "g1", GW_STD(",\"bgpSettings\":{\"asn\":65010,\"peerWeight\":101}"),
	 MGMT_E_INVALID_VALUE, "properties.bgpSettings.peerWeight"},
	/* 38 */
	{MODEL_VGW, "g1",
	 GW("\"sku\":{\"name\":\"Standard\"},\"ipConfigurations\":[{\"properties\":{\"subnet\":{"
	    "\"id\":\"" B "virtualNetworks/v1\"},\"publicIPAddress\":{\"id\":\"" B
	    "publicIPAddresses/p1\"}}}]"),
	 MGMT_E_INVALID_REFERENCE, "properties.ipConfigurations[0].properties.subnet.id"},
	/* 39 */
	{MODEL_VGW, "g1", GW("\"ipConfigurations\":[]"), MGMT_E_MISSING_PROPERTY, "properties.sku"},
	/* 40 */
	{MODEL_VGW, "g1", GW_STD(",\"enableBgp\":\"yes\""), MGMT_E_INVALID_REQUEST_FORMAT,
	 "properties.enableBgp"},
	/* --- local network gateways: rule 10 (syntax), BGP --- */
	/* 41 */
	{MODEL_LGW, "l1",
	 "{\"properties\":{\"gatewayIpAddress\":\"198.51.100.7\",\"localNetworkAddressSpace\":{"
	 "\"addressPrefixes\":[\"192.168.0.0/16\"]}}}",
	 MGMT_OK, NULL},
	/* 42 */
	{MODEL_LGW, "l1",
	 "{\"properties\":{\"gatewayIpAddress\":\"198.51.100\",\"localNetworkAddressSpace\":{"
	 "\"addressPrefixes\":[\"192.168.0.0/16\"]}}}",
	 MGMT_E_INVALID_IP, "properties.gatewayIpAddress"},
	/* 43 */
	{MODEL_LGW, "l1",
	 "{\"properties\":{\"gatewayIpAddress\":\"2001:db8::1\",\"localNetworkAddressSpace\":{"
	 "\"addressPrefixes\":[\"192.168.0.0/16\"]}}}",
	 MGMT_E_INVALID_IP, "properties.gatewayIpAddress"},
	/* 44 */
	{MODEL_LGW, "l1", "{\"properties\":{\"gatewayIpAddress\":\"198.51.100.7\"}}",
	 MGMT_E_MISSING_PROPERTY, "properties.localNetworkAddressSpace.addressPrefixes"},
	/* 45 */
	{MODEL_LGW, "l1",
	 "{\"properties\":{\"gatewayIpAddress\":\"198.51.100.7\",\"bgpSettings\":{\"asn\":65050,"
	 "\"bgpPeeringAddress\":\"10.9.9.9\"}}}",
	 MGMT_OK, NULL},
	/* 46 */
	{MODEL_LGW, "l1",
	 "{\"properties\":{\"gatewayIpAddress\":\"198.51.100.7\",\"bgpSettings\":{\"asn\":65515,"
	 "\"bgpPeeringAddress\":\"10.9.9.9\"}}}",
	 MGMT_E_RESERVED_ASN, "properties.bgpSettings.asn"},
	/* 47 */
	{MODEL_LGW, "l1",
	 "{\"properties\":{\"gatewayIpAddress\":\"198.51.100.7\",\"bgpSettings\":{\"asn\":65050}}}",
	 MGMT_E_MISSING_PROPERTY, "properties.bgpSettings.bgpPeeringAddress"},
	/* 48 */
	{MODEL_LGW, "l1",
	 "{\"properties\":{\"gatewayIpAddress\":\"198.51.100.7\",\"bgpSettings\":{\"asn\":65050,"
	 "\"bgpPeeringAddress\":\"x\"}}}",
	 MGMT_E_INVALID_IP, "properties.bgpSettings.bgpPeeringAddress"},
	/* 49 */
	{MODEL_LGW, "l1",
	 "{\"properties\":{\"gatewayIpAddress\":\"198.51.100.7\",\"localNetworkAddressSpace\":{"
	 "\"addressPrefixes\":[\"192.168.0.1/16\"]}}}",
	 MGMT_E_INVALID_PREFIX, "properties.localNetworkAddressSpace.addressPrefixes[0]"},
	/* 50 */
	{MODEL_LGW, "l1",
	 "{\"properties\":{\"gatewayIpAddress\":\"198.51.100.7\",\"bgpSettings\":{\"asn\":0,"
	 "\"bgpPeeringAddress\":\"10.9.9.9\"}}}",
	 MGMT_E_INVALID_ASN, "properties.bgpSettings.asn"},
	/* --- connections: rules 2, 11; types, keys, DPD --- */
	/* 51 */ {MODEL_CONN, "c1", CONN(""), MGMT_OK, NULL},
	/* 52 */
	{MODEL_CONN, "c1", "{\"properties\":{\"connectionType\":\"Vnet2Vnet\"}}",
	 MGMT_E_CONNECTION_TYPE, "properties.connectionType"},
	/* 53 rule 2 */
	{MODEL_CONN, "c1", CONN(",\"usePolicyBasedTrafficSelectors\":true"), MGMT_E_POLICY_BASED_TS,
	 "properties.usePolicyBasedTrafficSelectors"},
	/* 54 */
	{MODEL_CONN, "c1", CONN(",\"dpdTimeoutSeconds\":8"), MGMT_E_INVALID_VALUE,
	 "properties.dpdTimeoutSeconds"},
	/* 55 */
	{MODEL_CONN, "c1", CONN(",\"dpdTimeoutSeconds\":3601"), MGMT_E_INVALID_VALUE,
	 "properties.dpdTimeoutSeconds"},
	/* 56 */
	{MODEL_CONN, "c1", CONN(",\"routingWeight\":-1"), MGMT_E_INVALID_VALUE,
	 "properties.routingWeight"},
	/* 57 */
	{MODEL_CONN, "c1",
	 "{\"properties\":{\"connectionType\":\"IPsec\",\"virtualNetworkGateway1\":{\"id\":\"" B
	 "virtualNetworkGateways/g1\"},\"localNetworkGateway2\":{\"id\":\"" B
	 "localNetworkGateways/l1\"},\"sharedKey\":\"\"}}",
	 MGMT_E_INVALID_SHARED_KEY, "properties.sharedKey"},
	/* 58 */
	{MODEL_CONN, "c1",
	 "{\"properties\":{\"connectionType\":\"IPsec\",\"virtualNetworkGateway1\":{\"id\":\"" B
	 "virtualNetworkGateways/g1\"},\"localNetworkGateway2\":{\"id\":\"" B
	 "localNetworkGateways/l1\"},\"sharedKey\":\"tab\\there\"}}",
	 MGMT_E_INVALID_SHARED_KEY, "properties.sharedKey"},
	/* 59 */
	{MODEL_CONN, "c1",
	 "{\"properties\":{\"connectionType\":\"IPsec\",\"virtualNetworkGateway1\":{\"id\":\"" B
	 "localNetworkGateways/l1\"},\"localNetworkGateway2\":{\"id\":\"" B
	 "localNetworkGateways/l1\"}}}",
	 MGMT_E_INVALID_REFERENCE, "properties.virtualNetworkGateway1.id"},
	/* 60 rule 11 */ {MODEL_CONN, "c1", CONN(GOOD_POLICY), MGMT_OK, NULL},
	/* 61 rule 11 */
	{MODEL_CONN, "c1", CONN(",\"ipsecPolicies\":[{},{}]"), MGMT_E_IPSEC_POLICY_COUNT,
	 "properties.ipsecPolicies"},
	/* 62 rule 11 */
	{MODEL_CONN, "c1",
	 CONN(",\"ipsecPolicies\":[{\"saLifeTimeSeconds\":3600,\"saDataSizeKilobytes\":102400,"
	      "\"ipsecEncryption\":\"AES256\",\"ipsecIntegrity\":\"SHA256\",\"ikeEncryption\":"
	      "\"AES256\",\"ikeIntegrity\":\"SHA256\",\"dhGroup\":\"ECP256\"}]"),
	 MGMT_E_IPSEC_POLICY_INCOMPLETE, "properties.ipsecPolicies[0].pfsGroup"},
	/* 63 rule 11 */
	{MODEL_CONN, "c1",
	 CONN(POLICY("GCMAES256", "SHA256", "AES256", "SHA384", "ECP384", "ECP384", "27000",
		     "102400")),
	 MGMT_E_IPSEC_POLICY_GCM, "properties.ipsecPolicies[0].ipsecIntegrity"},
	/* 64 rule 11 */
	{MODEL_CONN, "c1",
	 CONN(POLICY("AES256", "GCMAES256", "AES256", "SHA384", "ECP384", "ECP384", "27000",
		     "102400")),
	 MGMT_E_IPSEC_POLICY_GCM, "properties.ipsecPolicies[0].ipsecIntegrity"},
	/* 65 rule 11 */
	{MODEL_CONN, "c1",
	 CONN(POLICY("GCMAES128", "GCMAES256", "AES256", "SHA384", "ECP384", "ECP384", "27000",
		     "102400")),
	 MGMT_E_IPSEC_POLICY_GCM, "properties.ipsecPolicies[0].ipsecIntegrity"},
	/* 66 rule 11 */
	{MODEL_CONN, "c1",
	 CONN(POLICY("AES256", "SHA256", "AES256", "SHA384", "ECP384", "ECP384", "299", "102400")),
	 MGMT_E_IPSEC_POLICY_LIFETIME, "properties.ipsecPolicies[0].saLifeTimeSeconds"},
	/* 67 rule 11 */
	{MODEL_CONN, "c1",
	 CONN(POLICY("AES256", "SHA256", "AES256", "SHA384", "ECP384", "ECP384", "300", "1023")),
	 MGMT_E_IPSEC_POLICY_LIFETIME, "properties.ipsecPolicies[0].saDataSizeKilobytes"},
	/* 68 rule 11 */
	{MODEL_CONN, "c1",
	 CONN(POLICY("AES256", "SHA256", "AES256", "SHA384", "ECP384", "ECP384", "300", "1024")),
	 MGMT_OK, NULL},
	/* 69 rule 11 */
	{MODEL_CONN, "c1",
	 CONN(POLICY("DES", "SHA256", "AES256", "SHA384", "ECP384", "ECP384", "300", "1024")),
	 MGMT_E_IPSEC_POLICY_WEAK, "properties.ipsecPolicies[0].ipsecEncryption"},
	/* 70 rule 11 */
	{MODEL_CONN, "c1",
	 CONN(POLICY("AES256", "MD5", "AES256", "SHA384", "ECP384", "ECP384", "300", "1024")),
	 MGMT_E_IPSEC_POLICY_WEAK, "properties.ipsecPolicies[0].ipsecIntegrity"},
	/* 71 rule 11 */
	{MODEL_CONN, "c1",
	 CONN(POLICY("AES256", "SHA256", "DES", "SHA384", "ECP384", "ECP384", "300", "1024")),
	 MGMT_E_IPSEC_POLICY_WEAK, "properties.ipsecPolicies[0].ikeEncryption"},
	/* 72 rule 11 */
	{MODEL_CONN, "c1",
	 CONN(POLICY("AES256", "SHA256", "AES256", "MD5", "ECP384", "ECP384", "300", "1024")),
	 MGMT_E_IPSEC_POLICY_WEAK, "properties.ipsecPolicies[0].ikeIntegrity"},
	/* 73 rule 11 */
	{MODEL_CONN, "c1",
	 CONN(POLICY("AES256", "SHA256", "AES256", "SHA384", "DHGroup1", "ECP384", "300", "1024")),
	 MGMT_E_IPSEC_POLICY_WEAK, "properties.ipsecPolicies[0].dhGroup"},
	/* 74 rule 11 */
	{MODEL_CONN, "c1",
	 CONN(POLICY("AES256", "SHA256", "AES256", "SHA384", "ECP384", "PFS1", "300", "1024")),
	 MGMT_E_IPSEC_POLICY_WEAK, "properties.ipsecPolicies[0].pfsGroup"},
	/* 75 rule 11 */
	{MODEL_CONN, "c1",
	 CONN(POLICY("AES256", "SHA1", "AES256", "SHA384", "ECP384", "ECP384", "300", "1024")),
	 MGMT_E_IPSEC_POLICY_VALUE, "properties.ipsecPolicies[0].ipsecIntegrity"},
	/* 76 rule 11 */
	{MODEL_CONN, "c1",
	 CONN(POLICY("AES256", "SHA256", "AES256", "SHA384", "ECP521", "ECP384", "300", "1024")),
	 MGMT_E_IPSEC_POLICY_VALUE, "properties.ipsecPolicies[0].dhGroup"},
	/* 77 rule 11 */
	{MODEL_CONN, "c1",
	 CONN(POLICY("None", "SHA256", "DES3", "SHA1", "DHGroup2", "PFSMM", "300", "1024")),
	 MGMT_OK, NULL},
	/* 78 rule 11 */
	{MODEL_CONN, "c1",
	 CONN(POLICY("aes256", "sha256", "gcmaes128", "sha256", "dhgroup14", "pfs2048", "300",
		     "1024")),
	 MGMT_OK, NULL},
	/* 79 */
	{MODEL_CONN, "c1",
	 CONN(",\"ipsecPolicies\":[{\"saLifeTimeSeconds\":\"300\",\"saDataSizeKilobytes\":1024,"
	      "\"ipsecEncryption\":\"AES256\",\"ipsecIntegrity\":\"SHA256\",\"ikeEncryption\":"
	      "\"AES256\",\"ikeIntegrity\":\"SHA256\",\"dhGroup\":\"ECP256\",\"pfsGroup\":\"None\"}"
	      "]"),
	 MGMT_E_INVALID_REQUEST_FORMAT, "properties.ipsecPolicies[0].saLifeTimeSeconds"},
	/* 80: the shared key is 1 to 128 characters (the config file's rule, now the API's) */
	{MODEL_CONN, "c1",
	 "{\"properties\":{\"connectionType\":\"IPsec\",\"virtualNetworkGateway1\":{\"id\":\"" B
	 "virtualNetworkGateways/g1\"},\"localNetworkGateway2\":{\"id\":\"" B
	 "localNetworkGateways/l1\"},\"sharedKey\":\"" K128 "\"}}",
	 MGMT_OK, NULL},
	/* 81 */
	{MODEL_CONN, "c1",
	 "{\"properties\":{\"connectionType\":\"IPsec\",\"virtualNetworkGateway1\":{\"id\":\"" B
	 "virtualNetworkGateways/g1\"},\"localNetworkGateway2\":{\"id\":\"" B
	 "localNetworkGateways/l1\"},\"sharedKey\":\"" K128 "x\"}}",
	 MGMT_E_INVALID_SHARED_KEY, "properties.sharedKey"},
};

Test(mgmt_parse, rows)
{
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct mgmt_error err = {0};
		struct model_parsed p;
		int r = model_parse_request(rows[i].type, rows[i].name, rows[i].body,
					    strlen(rows[i].body), &p, &err);

		if (rows[i].code == MGMT_OK) {
			cr_expect_eq(r, 0, "row %zu: refused with %s (%s): %s", i,
				     mgmt_err_name(err.code), err.target, err.message);
			cr_expect_not_null(p.res, "row %zu", i);
		} else {
			cr_expect_neq(r, 0, "row %zu: accepted", i);
			cr_expect_null(p.res, "row %zu", i);
			cr_expect_eq(err.code, rows[i].code, "row %zu: want %s, got %s (%s)", i,
				     mgmt_err_name(rows[i].code), mgmt_err_name(err.code),
				     err.message);
			if (rows[i].target)
				cr_expect_str_eq(err.target, rows[i].target, "row %zu", i);
			cr_expect_gt(strlen(err.message), 20, "row %zu: message too terse", i);
		}
		model_parsed_clear(&p);
	}
}

Test(mgmt_parse, list_limits)
{
	struct mgmt_error err = {0};
	struct model_parsed p;
	char body[8192], *o = body;
	int i;

	o += sprintf(o, "{\"properties\":{\"addressSpace\":{\"addressPrefixes\":[");
	for (i = 0; i < 65; i++)
		o += sprintf(o, "%s\"10.%d.0.0/16\"", i ? "," : "", i);
	sprintf(o, "]}}}");
	cr_assert_neq(model_parse_request(MODEL_VNET, "v1", body, strlen(body), &p, &err), 0);
	cr_expect_eq(err.code, MGMT_E_LIMIT_EXCEEDED, "%s", mgmt_err_name(err.code));
	cr_expect_str_eq(err.target, "properties.addressSpace.addressPrefixes");
	/* 64 is allowed */
	o = body;
	o += sprintf(o, "{\"properties\":{\"addressSpace\":{\"addressPrefixes\":[");
	for (i = 0; i < 64; i++)
		o += sprintf(o, "%s\"10.%d.0.0/16\"", i ? "," : "", i);
	sprintf(o, "]}}}");
	cr_expect_eq(model_parse_request(MODEL_VNET, "v1", body, strlen(body), &p, &err), 0, "%s",
		     err.message);
	model_parsed_clear(&p);
}

Test(mgmt_parse, malformed_json_names_position)
{
	struct mgmt_error err = {0};
	struct model_parsed p;
	const char *body = "{\"properties\":\n  {\"x\": tru}}";

	cr_assert_neq(model_parse_request(MODEL_VNET, "v1", body, strlen(body), &p, &err), 0);
	cr_expect_eq(err.code, MGMT_E_INVALID_REQUEST_CONTENT);
	cr_expect(strstr(err.message, "line 2") != NULL, "%s", err.message);
	cr_expect(strstr(err.message, "position") != NULL, "%s", err.message);
}

Test(mgmt_parse, shared_key_leaves_the_body)
{
	struct mgmt_error err = {0};
	struct model_parsed p;
	const char *body = CONN("");
	char *dump;

	cr_assert_eq(model_parse_request(MODEL_CONN, "c1", body, strlen(body), &p, &err), 0);
	cr_expect_str_eq(p.shared_key, "abc123");
	dump = json_dumps(p.res, 0);
	cr_expect_null(strstr(dump, "abc123"));
	cr_expect_null(strstr(dump, "sharedKey"));
	free(dump);
	model_parsed_clear(&p);
}

Test(mgmt_parse, canonical_values_and_defaults)
{
	struct mgmt_error err = {0};
	struct model_parsed p;
	const char *body = CONN(POLICY("aes256", "sha256", "gcmaes128", "sha256", "dhgroup14",
				       "pfs2048", "300", "1024"));
	json_t *props, *pol;

	cr_assert_eq(model_parse_request(MODEL_CONN, "c1", body, strlen(body), &p, &err), 0);
	props = json_object_get(p.res, "properties");
	pol = json_array_get(json_object_get(props, "ipsecPolicies"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(pol, "ipsecEncryption")), "AES256");
	cr_expect_str_eq(json_string_value(json_object_get(pol, "dhGroup")), "DHGroup14");
	cr_expect_eq(json_integer_value(json_object_get(props, "dpdTimeoutSeconds")), 45);
	cr_expect_str_eq(json_string_value(json_object_get(p.res, "location")), "local");
	model_parsed_clear(&p);
}
