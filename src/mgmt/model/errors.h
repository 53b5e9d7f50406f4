/* SPDX-License-Identifier: MIT */
/*
 * errors: the stable error codes of the management API. Each row is one code: its enum constant,
 * the `error.code` string clients match on, the HTTP status, and what it means. Codes are part of
 * the API contract (docs/api.md): never rename one, only add. Rule numbers are SPEC §2's.
 */
#ifndef VNETGW_MGMT_MODEL_ERRORS_H
#define VNETGW_MGMT_MODEL_ERRORS_H

#include <stdbool.h>

/* X(constant, "code", status) -- the comment above each row documents the code. */
#define MGMT_ERROR_TABLE(X)                                                                         \
	/* No error. */                                                                             \
	X(MGMT_OK, "OK", 200)                                                                       \
	/* --- request framing -------------------------------------------------------------- */    \
	/* The body is not JSON (the message gives line, column and byte position). */              \
	X(MGMT_E_INVALID_REQUEST_CONTENT, "InvalidRequestContent", 400)                             \
	/* A JSON value has the wrong type (object, string, number, boolean, array). */             \
	X(MGMT_E_INVALID_REQUEST_FORMAT, "InvalidRequestFormat", 400)                               \
	/* The query lacks api-version. */                                                          \
	X(MGMT_E_MISSING_API_VERSION, "MissingApiVersionParameter", 400)                            \
	/* api-version is not 2018-11-01. */                                                        \
	X(MGMT_E_INVALID_API_VERSION, "InvalidApiVersionParameter", 400)                            \
	/* No bearer token, or one that is unknown (or a tenant token on an admin path). */         \
	X(MGMT_E_AUTHENTICATION_FAILED, "AuthenticationFailed", 401)                                \
	/* The subscription does not exist or the token does not reach it (the same answer). */     \
	X(MGMT_E_SUBSCRIPTION_NOT_FOUND, "SubscriptionNotFound", 404)                               \
	/* The resource does not exist. */                                                          \
	X(MGMT_E_RESOURCE_NOT_FOUND, "ResourceNotFound", 404)                                       \
	/* A child resource (subnet) was addressed under a parent that does not exist. */           \
	X(MGMT_E_PARENT_NOT_FOUND, "ParentResourceNotFound", 404)                                   \
	/* The path names no endpoint. */                                                           \
	X(MGMT_E_PATH_NOT_FOUND, "PathNotFound", 404)                                               \
	/* The endpoint exists but not with this method. */                                         \
	X(MGMT_E_METHOD_NOT_ALLOWED, "MethodNotAllowed", 405)                                       \
	/* If-Match did not match the current etag, or If-None-Match: * met an existing one. */     \
	X(MGMT_E_PRECONDITION_FAILED, "PreconditionFailed", 412)                                    \
	/* The body is larger than the API accepts (1 MiB). */                                      \
	X(MGMT_E_TOO_LARGE, "RequestEntityTooLarge", 413)                                           \
	/* The endpoint exists in the API but this build does not serve it yet. */                  \
	X(MGMT_E_NOT_IMPLEMENTED, "NotImplemented", 501)                                            \
	/* Something failed on our side (the store); nothing was written. */                        \
	X(MGMT_E_INTERNAL, "InternalServerError", 500)                                              \
	/* --- field classes ---------------------------------------------------------------- */    \
	/* A resource name is not 1-80 of letters, digits, _-.() or ends with '.'. */               \
	X(MGMT_E_INVALID_NAME, "InvalidResourceName", 400)                                          \
	/* A resource group name is not 1-90 of letters, digits, _-.() or ends with '.'. */         \
	X(MGMT_E_INVALID_RG_NAME, "InvalidResourceGroupName", 400)                                  \
	/* The body's name (or id) differs from the one in the path. */                             \
	X(MGMT_E_NAME_MISMATCH, "ResourceNameMismatch", 400)                                        \
	/* location is not 1-80 of lower-case letters and digits. */                                \
	X(MGMT_E_INVALID_LOCATION, "InvalidLocation", 400)                                          \
	/* tags: more than 50, a name over 512 or with <>%&\?/, a value over 256 or not a string.   \
	 */                                                                                         \
	X(MGMT_E_INVALID_TAGS, "InvalidTags", 400)                                                  \
	/* Not a valid IP address (or not of the family required there). */                         \
	X(MGMT_E_INVALID_IP, "InvalidIpAddress", 400)                                               \
	/* Not a valid address prefix a.b.c.d/n or x::/n, or host bits set after the length. */     \
	X(MGMT_E_INVALID_PREFIX, "InvalidAddressPrefix", 400)                                       \
	/* An AS number outside 1-4294967294. */                                                    \
	X(MGMT_E_INVALID_ASN, "InvalidAsn", 400)                                                    \
	/* An AS number reserved by the platform or by the IANA (RFC 5398, RFC 6996 edges...). */   \
	X(MGMT_E_RESERVED_ASN, "ReservedAsn", 400)                                                  \
	/* A value outside its enumeration (allocation method, connection type, ...). */            \
	X(MGMT_E_INVALID_ENUM, "InvalidEnumValue", 400)                                             \
	/* A number outside its range, or a string over its length. */                              \
	X(MGMT_E_INVALID_VALUE, "InvalidPropertyValue", 400)                                        \
	/* A property the resource needs is missing. */                                             \
	X(MGMT_E_MISSING_PROPERTY, "MissingRequiredProperty", 400)                                  \
	/* A list holds more items than allowed (prefixes, subnets, ipConfigurations). */           \
	X(MGMT_E_LIMIT_EXCEEDED, "LimitExceeded", 400)                                              \
	/* A resource id is malformed, of the wrong type, or in another subscription. */            \
	X(MGMT_E_INVALID_REFERENCE, "InvalidResourceReference", 400)                                \
	/* A resource id is well formed but names nothing in this subscription. */                  \
	X(MGMT_E_LINKED_NOT_FOUND, "LinkedResourceNotFound", 400)                                   \
	/* sharedKey is not 1-128 printable ASCII characters. */                                    \
	X(MGMT_E_INVALID_SHARED_KEY, "InvalidSharedKey", 400)                                       \
	/* --- virtual networks -----------------------------------------------------------------   \
	 */                                                                                         \
	/* Two prefixes of a VNet's address space overlap. */                                       \
	X(MGMT_E_ADDRESS_SPACE_OVERLAP, "AddressSpaceOverlap", 400)                                 \
	/* A subnet's prefix is not inside the VNet's address space. */                             \
	X(MGMT_E_SUBNET_NOT_IN_SPACE, "SubnetNotInAddressSpace", 400)                               \
	/* Two subnets of a VNet overlap. */                                                        \
	X(MGMT_E_SUBNETS_OVERLAP, "SubnetsOverlap", 400)                                            \
	/* Two subnets of a VNet have the same name. */                                             \
	X(MGMT_E_DUPLICATE_SUBNET, "DuplicateSubnetName", 400)                                      \
	/* --- SPEC §2 rules ------------------------------------------------------------------ */ \
	/* Rule 1: gatewayType other than Vpn (ExpressRoute is not offered). */                     \
	X(MGMT_E_GATEWAY_TYPE, "GatewayTypeNotSupported", 400)                                      \
	/* Rule 2: vpnType other than RouteBased. */                                                \
	X(MGMT_E_VPN_TYPE, "VpnTypeNotSupported", 400)                                              \
	/* Rule 2: usePolicyBasedTrafficSelectors: true on a connection. */                         \
	X(MGMT_E_POLICY_BASED_TS, "PolicyBasedTrafficSelectorsNotSupported", 400)                   \
	/* Rule 3: sku.name not Basic/Standard/HighPerformance, or sku.tier differs from name. */   \
	X(MGMT_E_GATEWAY_SKU, "GatewaySkuNotSupported", 400)                                        \
	/* Rule 4: the VNet already has its VPN gateway (one per VNet). */                          \
	X(MGMT_E_VNET_GATEWAY_LIMIT, "VirtualNetworkGatewayLimitReached", 409)                      \
	/* Rule 4: the subnet a gateway uses is not the VNet's subnet named exactly GatewaySubnet.  \
	 */                                                                                         \
	X(MGMT_E_GATEWAY_SUBNET_REQUIRED, "GatewaySubnetRequired", 400)                             \
	/* Rule 4: GatewaySubnet is smaller than /29 (or not IPv4). */                              \
	X(MGMT_E_GATEWAY_SUBNET_TOO_SMALL, "GatewaySubnetTooSmall", 400)                            \
	/* Rule 5: enableBgp on a Basic gateway or on a connection of one. */                       \
	X(MGMT_E_BGP_ON_BASIC, "BgpNotSupportedOnBasicSku", 400)                                    \
	/* Rule 5 (corollary): enableBgp on a connection whose gateway has BGP off. */              \
	X(MGMT_E_BGP_NOT_ON_GATEWAY, "BgpNotEnabledOnGateway", 400)                                 \
	/* Rule 5 (corollary): enableBgp on a connection whose local gateway has no bgpSettings.    \
	 */                                                                                         \
	X(MGMT_E_BGP_SETTINGS_MISSING, "LocalGatewayBgpSettingsMissing", 400)                       \
	/* Rule 6: activeActive on a SKU other than HighPerformance. */                             \
	X(MGMT_E_ACTIVE_ACTIVE_SKU, "ActiveActiveNotSupportedOnSku", 400)                           \
	/* Rule 6: activeActive needs exactly two ipConfigurations with two public IPs; otherwise   \
	 * one. */                                                                                  \
	X(MGMT_E_IP_CONFIGURATIONS, "InvalidIpConfigurationCount", 400)                             \
	/* Rule 6: a public IP is already used by another gateway (or twice by this one). */        \
	X(MGMT_E_PUBLIC_IP_IN_USE, "PublicIpAddressInUse", 409)                                     \
	/* Rule 8: the deployment-wide IPsec tunnel limit of the gateway's SKU is reached. */       \
	X(MGMT_E_TUNNEL_LIMIT, "TunnelLimitReached", 409)                                           \
	/* Rule 9: the deployment already has a connection to this remote IP. */                    \
	X(MGMT_E_REMOTE_IP_IN_USE, "RemoteIpAddressInUse", 409)                                     \
	/* Rule 9: the deployment already has a local network gateway with this IP. */              \
	X(MGMT_E_LOCAL_GATEWAY_IP_IN_USE, "LocalGatewayIpAddressInUse", 409)                        \
	/* Rule 10: gatewayIpAddress is not a public address (private, loopback, CGNAT, ...). */    \
	X(MGMT_E_GATEWAY_IP_NOT_PUBLIC, "GatewayIpAddressNotPublic", 400)                           \
	/* Rule 11: more than one ipsecPolicies entry. */                                           \
	X(MGMT_E_IPSEC_POLICY_COUNT, "TooManyIpsecPolicies", 400)                                   \
	/* Rule 11: an ipsecPolicies entry lacks one of its eight fields. */                        \
	X(MGMT_E_IPSEC_POLICY_INCOMPLETE, "IpsecPolicyIncomplete", 400)                             \
	/* Rule 11: a custom policy on a Basic gateway. */                                          \
	X(MGMT_E_IPSEC_POLICY_ON_BASIC, "IpsecPolicyNotSupportedOnBasicSku", 400)                   \
	/* Rule 11: GCM IPsec encryption without the same GCM integrity value, or the reverse. */   \
	X(MGMT_E_IPSEC_POLICY_GCM, "IpsecPolicyGcmMismatch", 400)                                   \
	/* Rule 11: saLifeTimeSeconds under 300 or saDataSizeKilobytes under 1024. */               \
	X(MGMT_E_IPSEC_POLICY_LIFETIME, "IpsecPolicyLifetimeTooShort", 400)                         \
	/* Rule 11: DES, MD5, DHGroup1 or PFS1: broken algorithms, refused. */                      \
	X(MGMT_E_IPSEC_POLICY_WEAK, "IpsecPolicyWeakAlgorithm", 400)                                \
	/* Rule 11: a value outside Azure Stack's list for that field. */                           \
	X(MGMT_E_IPSEC_POLICY_VALUE, "IpsecPolicyInvalidValue", 400)                                \
	/* Rule 12: the resource is referenced by a virtual network gateway. */                     \
	X(MGMT_E_IN_USE_BY_GATEWAY, "InUseByVirtualNetworkGateway", 409)                            \
	/* Rule 12: the resource is referenced by a connection. */                                  \
	X(MGMT_E_IN_USE_BY_CONNECTION, "InUseByConnection", 409)                                    \
	/* --- other resources --------------------------------------------------------------- */   \
	/* connectionType other than IPsec (Vnet2Vnet, ExpressRoute, VPNClient are not offered).    \
	 */                                                                                         \
	X(MGMT_E_CONNECTION_TYPE, "ConnectionTypeNotSupported", 400)                                \
	/* The operator has set no public IP pool: there is no shared public IP yet (SPEC §1). */  \
	X(MGMT_E_POOL_EXHAUSTED, "PublicIpPoolExhausted", 409)                                      \
	/* DELETE of a subscription that still holds resources. */                                  \
	X(MGMT_E_SUBSCRIPTION_NOT_EMPTY, "SubscriptionNotEmpty", 409)                               \
	/* --- abuse limits and quotas (issue 15) -------------------------------------------- */   \
	/* The request head is not HTTP/1.x as RFC 9112 has it (a bad line, field or length). */     \
	X(MGMT_E_BAD_REQUEST, "BadRequest", 400)                                                    \
	/* The head (or the body) did not arrive within the request deadline. */                    \
	X(MGMT_E_REQUEST_TIMEOUT, "RequestTimeout", 408)                                            \
	/* A body without Content-Length (chunked): its size must be known before it is read. */    \
	X(MGMT_E_LENGTH_REQUIRED, "LengthRequired", 411)                                            \
	/* The request line is longer than the API reads. */                                        \
	X(MGMT_E_URI_TOO_LONG, "RequestUriTooLong", 414)                                            \
	/* An Expect other than 100-continue. */                                                    \
	X(MGMT_E_EXPECTATION_FAILED, "ExpectationFailed", 417)                                      \
	/* A header line, the header section or the number of fields is over the API's limit. */    \
	X(MGMT_E_HEADERS_TOO_LARGE, "RequestHeaderFieldsTooLarge", 431)                             \
	/* The token's request rate is over the operator's apiRateLimit (Retry-After says when). */ \
	X(MGMT_E_TOO_MANY_REQUESTS, "TooManyRequests", 429)                                         \
	/* The API is receiving as many bodies as it holds memory for (Retry-After: 1). */          \
	X(MGMT_E_SERVER_BUSY, "ServerBusy", 503)                                                    \
	/* HTTP/2 or another version than 1.0/1.1. */                                               \
	X(MGMT_E_HTTP_VERSION, "HttpVersionNotSupported", 505)                                      \
	/* The subscription has as many VPN gateways as its quota allows (the operator's           \
	 * quotas.maxVirtualNetworkGatewaysPerSubscription). */                                     \
	X(MGMT_E_VGW_QUOTA, "VirtualNetworkGatewayQuotaExceeded", 409)                              \
	/* The subscription has as many connections as its quota allows                            \
	 * (quotas.maxVirtualNetworkGatewayConnectionsPerSubscription). */                          \
	X(MGMT_E_CONN_QUOTA, "ConnectionQuotaExceeded", 409)                                        \
	/* The gateway process runs at most so many VPN gateways or connections (its tables):      \
	 * refused here rather than accepted and not run. */                                        \
	X(MGMT_E_CAPACITY, "GatewayCapacityReached", 409)                                           \
	/* A shared key shorter than the operator's minSharedKeyLength (default 8). */              \
	X(MGMT_E_SHARED_KEY_TOO_SHORT, "SharedKeyTooShort", 400)                                    \
	/* A token id that the subscription does not have (revoke). */                              \
	X(MGMT_E_TOKEN_NOT_FOUND, "TokenNotFound", 404)                                             \
	/* The store (etcd) did not answer within its deadline; nothing was changed (Retry-After). \
	 */                                                                                         \
	X(MGMT_E_STORE_UNAVAILABLE, "StoreUnavailable", 503)                                        \
	/* Other nodes' writes kept changing what the request read, each of its tries; nothing was  \
	 * changed (Retry-After). */                                                                \
	X(MGMT_E_STORE_CONFLICT, "ConcurrentUpdateConflict", 409)                                   \
	/* --- live state (issues 12, 20) ------------------------------------------------------ */ \
	/* The gateway that would answer is not running (no public IP yet, not reconciled, ...). */ \
	X(MGMT_E_GATEWAY_NOT_RUNNING, "GatewayNotRunning", 409)                                     \
	/* The process has nothing to answer with yet (no gateway, no figures). */                  \
	X(MGMT_E_SERVICE_UNAVAILABLE, "ServiceUnavailable", 503)

#define MGMT_ERROR_ENUM(c, s, h) c,
enum mgmt_err_code { MGMT_ERROR_TABLE(MGMT_ERROR_ENUM) MGMT_ERR__COUNT };
#undef MGMT_ERROR_ENUM

/* An error as the API answers it: code, a sentence for a person, and the JSON path at fault. */
struct mgmt_error {
	enum mgmt_err_code code;
	char message[320];
	char target[160];
};

const char *mgmt_err_name(enum mgmt_err_code code);
int mgmt_err_status(enum mgmt_err_code code);
/* Fills err (if not NULL) and returns -EINVAL, so validators can `return mgmt_fail(...)`. */
int mgmt_fail(struct mgmt_error *err, enum mgmt_err_code code, const char *target, const char *fmt,
	      ...) __attribute__((format(printf, 4, 5)));
void mgmt_error_clear(struct mgmt_error *err);

#endif
