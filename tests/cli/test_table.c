/* SPDX-License-Identifier: MIT */
/*
 * `-o table` rendering from canned ARM answers, against golden text: the column set per resource
 * type (az's: Name, ResourceGroup, Location, ..., ProvisioningState), widths from the widest cell
 * in code points, two spaces between columns, no trailing blanks, booleans as True/False, lists
 * joined, control bytes from the server replaced.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define B "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Network"

static void output_case(const char *cmd, const char *fmt, const char *answer, const char *golden)
{
	const struct fake_reply replies[] = {{200, NULL, answer, NULL, 0}};
	char server[96];
	const char *env[] = {server, "VNETGW_SUBSCRIPTION=sub1", "VNETGW_TOKEN=t", NULL};
	struct fake_server s;
	struct run_result r;

	fake_start_tcp(&s, replies, 1);
	snprintf(server, sizeof(server), "VNETGW_SERVER=%s", s.url);
	run_cli(&r, env, cmd, (const char *const[]){"-o", fmt, NULL});
	fake_stop(&s);
	cr_expect_eq(r.code, 0, "%s: %s", cmd, r.err);
	cr_expect_str_eq(r.out, golden, "%s: got\n%s\nwant\n%s", cmd, r.out, golden);
	run_result_clear(&r);
}

static void table_case(const char *cmd, const char *answer, const char *golden)
{
	output_case(cmd, "table", answer, golden);
}

/* clang-format off */
Test(table, vnet_list)
{
	table_case("vnet list",
		"{\"value\":["
		"{\"id\":\"" B "/virtualNetworks/vnet1\",\"name\":\"vnet1\",\"location\":\"local\","
		"\"properties\":{\"addressSpace\":{\"addressPrefixes\":[\"10.1.0.0/16\",\"10.2.0.0/16\"]},"
		"\"subnets\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"provisioningState\":\"Succeeded\"}},"
		"{\"id\":\"/subscriptions/sub1/resourceGroups/other-rg/providers/Microsoft.Network/"
		"virtualNetworks/v2\",\"name\":\"v2\",\"location\":\"east\",\"properties\":{"
		"\"addressSpace\":{\"addressPrefixes\":[\"192.168.0.0/24\"]},"
		"\"provisioningState\":\"Updating\"}}]}",
		"Name   ResourceGroup  Location  AddressPrefixes           Subnets  ProvisioningState\n"
		"-----  -------------  --------  ------------------------  -------  -----------------\n"
		"vnet1  rg1            local     10.1.0.0/16, 10.2.0.0/16  2        Succeeded\n"
		"v2     other-rg       east      192.168.0.0/24            0        Updating\n");
}

Test(table, empty_list_is_header_only)
{
	table_case("vnet list", "{\"value\":[]}",
		"Name  ResourceGroup  Location  AddressPrefixes  Subnets  ProvisioningState\n"
		"----  -------------  --------  ---------------  -------  -----------------\n");
}

Test(table, gateway_show_one_row_booleans)
{
	table_case("vnet-gateway show -g rg1 -n gw1",
		"{\"id\":\"" B "/virtualNetworkGateways/gw1\",\"name\":\"gw1\",\"location\":\"local\","
		"\"properties\":{\"gatewayType\":\"Vpn\",\"vpnType\":\"RouteBased\",\"sku\":{\"name\":"
		"\"Standard\",\"tier\":\"Standard\"},\"activeActive\":false,\"enableBgp\":true,"
		"\"provisioningState\":\"Succeeded\"}}",
		"Name  ResourceGroup  Location  GatewayType  VpnType     Sku       ActiveActive  EnableBgp  ProvisioningState\n"
		"----  -------------  --------  -----------  ----------  --------  ------------  ---------  -----------------\n"
		"gw1   rg1            local     Vpn          RouteBased  Standard  False         True       Succeeded\n");
}

Test(table, local_gateway_list_blank_cells)
{
	table_case("local-gateway list -g rg1",
		"{\"value\":["
		"{\"id\":\"" B "/localNetworkGateways/site1\",\"name\":\"site1\",\"location\":\"local\","
		"\"properties\":{\"gatewayIpAddress\":\"198.51.100.7\",\"localNetworkAddressSpace\":"
		"{\"addressPrefixes\":[\"192.168.0.0/24\"]},\"bgpSettings\":{\"asn\":65050},"
		"\"provisioningState\":\"Succeeded\"}},"
		"{\"id\":\"" B "/localNetworkGateways/site-two\",\"name\":\"site-two\",\"location\":"
		"\"local\",\"properties\":{\"gatewayIpAddress\":\"203.0.113.9\","
		"\"localNetworkAddressSpace\":{\"addressPrefixes\":[]},\"provisioningState\":\"Failed\"}}]}",
		"Name      ResourceGroup  Location  GatewayIpAddress  AddressPrefixes  Asn    ProvisioningState\n"
		"--------  -------------  --------  ----------------  ---------------  -----  -----------------\n"
		"site1     rg1            local     198.51.100.7      192.168.0.0/24   65050  Succeeded\n"
		"site-two  rg1            local     203.0.113.9                               Failed\n");
}

Test(table, connection_list_status_and_counters)
{
	table_case("vpn-connection list -g rg1",
		"{\"value\":[{\"id\":\"" B "/connections/conn1\",\"name\":\"conn1\",\"location\":"
		"\"local\",\"properties\":{\"connectionType\":\"IPsec\",\"connectionStatus\":"
		"\"Connected\",\"localNetworkGateway2\":{\"id\":\"" B "/localNetworkGateways/site1\"},"
		"\"enableBgp\":false,\"routingWeight\":10,\"ingressBytesTransferred\":123456789012,"
		"\"egressBytesTransferred\":42,\"provisioningState\":\"Succeeded\","
		"\"connectionMode\":\"Default\",\"connectionStatusChangedUtcTime\":"
		"\"2026-11-27T09:00:00Z\",\"connectionStatusReason\":\"IKE_SA and CHILD_SA up\"}}]}",
		"Name   ResourceGroup  Location  ConnectionType  ConnectionMode  ConnectionStatus  StatusChanged         LocalGateway  EnableBgp  RoutingWeight  IngressBytes  EgressBytes  ProvisioningState  StatusReason\n"
		"-----  -------------  --------  --------------  --------------  ----------------  --------------------  ------------  ---------  -------------  ------------  -----------  -----------------  ----------------------\n"
		"conn1  rg1            local     IPsec           Default         Connected         2026-11-27T09:00:00Z  site1         False      10             123456789012  42           Succeeded          IKE_SA and CHILD_SA up\n");
}

Test(table, public_ip_utf8_width_and_control_bytes)
{
	table_case("public-ip list",
		"{\"value\":["
		"{\"id\":\"" B "/publicIPAddresses/r\\u00e9seau\",\"name\":\"r\\u00e9seau\",\"location\":"
		"\"local\",\"properties\":{\"publicIPAllocationMethod\":\"Dynamic\",\"ipAddress\":"
		"\"203.0.113.4\",\"provisioningState\":\"Succeeded\"}},"
		"{\"name\":\"evil\\u001b[31m\",\"location\":\"local\",\"properties\":{"
		"\"publicIPAllocationMethod\":\"Static\"}}]}",
		"Name       ResourceGroup  Location  AllocationMethod  IpAddress    ProvisioningState\n"
		"---------  -------------  --------  ----------------  -----------  -----------------\n"
		"r\xc3\xa9seau     rg1            local     Dynamic           203.0.113.4  Succeeded\n"
		"evil?[31m                 local     Static\n");
}

Test(table, ipsec_policies)
{
	table_case("vpn-connection ipsec-policy list -g rg1 --connection-name conn1",
		"{\"name\":\"conn1\",\"properties\":{\"ipsecPolicies\":[{\"saLifeTimeSeconds\":27000,"
		"\"saDataSizeKilobytes\":102400000,\"ipsecEncryption\":\"GCMAES256\","
		"\"ipsecIntegrity\":\"GCMAES256\",\"ikeEncryption\":\"AES256\",\"ikeIntegrity\":"
		"\"SHA384\",\"dhGroup\":\"ECP384\",\"pfsGroup\":\"ECP384\"}]}}",
		"IkeEncryption  IkeIntegrity  DhGroup  IpsecEncryption  IpsecIntegrity  PfsGroup  SaLifeTimeSeconds  SaDataSizeKilobytes\n"
		"-------------  ------------  -------  ---------------  --------------  --------  -----------------  -------------------\n"
		"AES256         SHA384        ECP384   GCMAES256        GCMAES256       ECP384    27000              102400000\n");
}

Test(table, learned_routes)
{
	table_case("vnet-gateway list-learned-routes -g rg1 -n gw1",
		"{\"value\":[{\"localAddress\":\"10.1.255.30\",\"network\":\"192.168.0.0/24\","
		"\"nextHop\":\"192.168.0.1\",\"sourcePeer\":\"192.168.0.1\",\"origin\":\"EBgp\","
		"\"asPath\":\"65050\",\"weight\":32768}]}",
		"Network         NextHop      Origin  SourcePeer   AsPath  Weight\n"
		"--------------  -----------  ------  -----------  ------  ------\n"
		"192.168.0.0/24  192.168.0.1  EBgp    192.168.0.1  65050   32768\n");
}

Test(table, bgp_peer_status)
{
	table_case("vnet-gateway list-bgp-peer-status -g rg1 -n gw1",
		"{\"value\":[{\"localAddress\":\"10.1.255.30\",\"neighbor\":\"192.168.0.1\","
		"\"asn\":65050,\"state\":\"Connected\",\"connectedDuration\":\"00:10:00\","
		"\"routesReceived\":3,\"messagesSent\":12,\"messagesReceived\":11}]}",
		"Neighbor     Asn    State      ConnectedDuration  RoutesReceived  MessagesSent  MessagesReceived\n"
		"-----------  -----  ---------  -----------------  --------------  ------------  ----------------\n"
		"192.168.0.1  65050  Connected  00:10:00           3               12            11\n");
}

Test(table, admin_settings_key_values)
{
	table_case("admin settings show",
		"{\"publicIpPool\":[\"203.0.113.0/28\",\"198.51.100.0/29\"],\"tunnelLimits\":"
		"{\"Basic\":20,\"Standard\":20,\"HighPerformance\":10},\"allowPrivateGatewayIps\":false,"
		"\"quotas\":{\"maxVirtualNetworkGatewaysPerSubscription\":5},\"minSharedKeyLength\":8,"
		"\"apiRateLimit\":{\"requestsPerSecond\":20,\"burst\":100}}",
		"PublicIpPool                     TunnelLimits                               AllowPrivateGatewayIps  Quotas                                      MinSharedKeyLength  ApiRateLimit\n"
		"-------------------------------  -----------------------------------------  ----------------------  ------------------------------------------  ------------------  -------------------------------\n"
		"203.0.113.0/28, 198.51.100.0/29  Basic=20, Standard=20, HighPerformance=10  False                   maxVirtualNetworkGatewaysPerSubscription=5  8                   requestsPerSecond=20, burst=100\n");
}

Test(table, subscriptions)
{
	table_case("admin subscription list",
		"{\"value\":[{\"subscriptionId\":\"6f1c\",\"displayName\":\"contoso\",\"state\":"
		"\"Enabled\"},{\"subscriptionId\":\"77aa-01\",\"displayName\":\"fabrikam\",\"state\":"
		"\"Disabled\"}]}",
		"SubscriptionId  DisplayName  State\n"
		"--------------  -----------  --------\n"
		"6f1c            contoso      Enabled\n"
		"77aa-01         fabrikam     Disabled\n");
}
/* -o tsv: the same cells for scripts, tab-separated, no header, empty cells kept. */
Test(table, tsv)
{
	output_case("local-gateway list -g rg1", "tsv",
		"{\"value\":["
		"{\"id\":\"" B "/localNetworkGateways/site1\",\"name\":\"site1\",\"location\":\"local\","
		"\"properties\":{\"gatewayIpAddress\":\"198.51.100.7\",\"localNetworkAddressSpace\":"
		"{\"addressPrefixes\":[\"192.168.0.0/24\"]},\"provisioningState\":\"Succeeded\"}},"
		"{\"name\":\"tab\\there\",\"properties\":{\"bgpSettings\":{\"asn\":65050}}}]}",
		"site1\trg1\tlocal\t198.51.100.7\t192.168.0.0/24\t\tSucceeded\n"
		"tab?here\t\t\t\t\t65050\t\n");
}

Test(table, none_prints_nothing)
{
	output_case("vnet show -g rg1 -n vnet1", "none", "{\"name\":\"vnet1\"}", "");
}
/* clang-format on */
