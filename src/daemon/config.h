/* SPDX-License-Identifier: MIT */
/*
 * config: the configuration file of issue 3 — public IP, VNets and connections as JSON — read
 * into the gateway's desired state. Example (all members; optional ones marked):
 *
 *   { "publicIp": "192.0.2.1",
 *     "vnets": [ { "name": "vnet1", "addressSpace": ["10.1.0.0/16"],
 *                  "gatewaySubnet": "10.1.255.0/27" } ],
 *     "connections": [ { "name": "site1", "vnet": "vnet1", "peer": "198.51.100.2",
 *                        "sharedKey": "...", "remotePrefixes": ["192.168.1.0/24"],
 *                        "initiate": true,              (optional, default true)
 *                        "sku": "Standard",             (optional: Basic|Standard|HighPerformance)
 *                        "dpdTimeoutSeconds": 45,       (optional, 9..3600)
 *                        "ipsecPolicy": {               (optional; all eight members)
 *                          "ikeEncryption": "AES256", "ikeIntegrity": "SHA384",
 *                          "dhGroup": "ECP384", "ipsecEncryption": "GCMAES256",
 *                          "ipsecIntegrity": "GCMAES256", "pfsGroup": "ECP384",
 *                          "saLifeTimeSeconds": 27000, "saDataSizeKilobytes": 102400000 } } ] }
 */
#ifndef VNETGW_DAEMON_CONFIG_H
#define VNETGW_DAEMON_CONFIG_H

#include <stddef.h>

#include "daemon/desired.h"
#include "ike/engine.h"

/*
 * Parse a document into out (shared keys owned by out: gw_desired_clear). 0, or -EINVAL with
 * err saying which field is wrong and why; out is then empty.
 */
int gw_config_parse(const char *text, size_t len, struct gw_desired *out, char *err,
		    size_t errlen);
/* The same from a file (at most 64 KiB); err starts with the path. */
int gw_config_load(const char *path, struct gw_desired *out, char *err, size_t errlen);

#endif
