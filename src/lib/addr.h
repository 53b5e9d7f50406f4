/* SPDX-License-Identifier: MIT */
/*
 * addr: IPv4 and IPv6 addresses and prefixes. Parsing refuses anything ambiguous (leading zeros,
 * octal, zone indexes, whitespace) and says exactly what is wrong; printing follows RFC 5952.
 * Addresses are values: compare them with addr_compare/addr_equal, never memcmp.
 */
#ifndef VNETGW_LIB_ADDR_H
#define VNETGW_LIB_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * bytes holds the address in network order: IPv4 in bytes[0..3] with bytes[4..15] zero (every
 * function here keeps them zero), IPv6 in all 16. family is AF_INET or AF_INET6.
 */
struct addr {
	uint8_t bytes[16];
	int family;
};

/*
 * An address and a length in bits (0..32 or 0..128). The address may have host bits set (an
 * interface address such as 10.1.0.1/16) unless it came from a strict parse or prefix_mask.
 */
struct prefix {
	struct addr addr;
	unsigned int len;
};

/* Room for any address / prefix printed with a NUL, and for any parse error message. */
#define ADDR_STR_MAX   46
#define PREFIX_STR_MAX (ADDR_STR_MAX + 4)
#define ADDR_ERR_MAX   160

/* Build an address from raw network-order bytes. */
void addr_set_v4(struct addr *a, const uint8_t bytes[4]);
void addr_set_v6(struct addr *a, const uint8_t bytes[16]);
/* 32 or 128: the number of bits of a's family (0 if the family is neither). */
unsigned int addr_bits(const struct addr *a);

/*
 * Parse dotted-quad IPv4 ("192.0.2.1") or IPv6 text (RFC 4291 2.2, including "::" and a trailing
 * dotted quad). Returns 0 or -EINVAL; on error, if err is not NULL, a message of at most errlen
 * bytes (ADDR_ERR_MAX is always enough) says what is wrong, quoting the input. a is written only
 * on success.
 */
int addr_parse(struct addr *a, const char *s, char *err, size_t errlen);

/*
 * Print a into buf (ADDR_STR_MAX bytes is always enough; a smaller buffer gets a truncated,
 * NUL-terminated string) and return buf, so it can be an argument to log_*(). IPv6 is in RFC
 * 5952 canonical form (lowercase, no leading zeros, the longest run of two or more zero groups
 * as "::", "::ffff:192.0.2.1" for IPv4-mapped addresses).
 */
const char *addr_print(const struct addr *a, char *buf, size_t len);

enum prefix_parse_flags {
	/* Refuse an address with bits set past the length ("host bits set: ..."). */
	PREFIX_PARSE_STRICT = 1u << 0,
	/* Accept a bare address as a host prefix (/32 or /128) instead of demanding "/len". */
	PREFIX_PARSE_BARE = 1u << 1,
};

/*
 * Parse "address/len" (decimal len, no leading zeros, at most 32 for IPv4 and 128 for IPv6).
 * Without PREFIX_PARSE_STRICT host bits are kept as written (use prefix_mask for the network).
 * Returns 0 or -EINVAL with a message as addr_parse; p is written only on success.
 */
int prefix_parse(struct prefix *p, const char *s, unsigned int flags, char *err, size_t errlen);
/* "address/len", PREFIX_STR_MAX bytes always enough; returns buf. */
const char *prefix_print(const struct prefix *p, char *buf, size_t len);

/* Total orders: IPv4 before IPv6, then by address bytes (then, for prefixes, shorter first). */
int addr_compare(const struct addr *a, const struct addr *b);
bool addr_equal(const struct addr *a, const struct addr *b);
int prefix_compare(const struct prefix *a, const struct prefix *b);
bool prefix_equal(const struct prefix *a, const struct prefix *b);

/* Bit i of a counted from the most significant (i < addr_bits(a)): what a trie branches on. */
bool addr_bit(const struct addr *a, unsigned int i);
/* Clear every bit of a from bit len on (len >= addr_bits(a) changes nothing). */
void addr_mask(struct addr *a, unsigned int len);
/* Clear p's host bits; prefix_has_host_bits says whether any are set. */
void prefix_mask(struct prefix *p);
bool prefix_has_host_bits(const struct prefix *p);
/* Fill p with the host prefix of a (/32 or /128). */
void prefix_from_addr(struct prefix *p, const struct addr *a);

/*
 * Containment under p's length (p's own host bits are ignored). Different families never
 * contain or overlap each other; an IPv4-mapped IPv6 address is IPv6 here.
 */
bool prefix_contains_addr(const struct prefix *p, const struct addr *a);
bool prefix_contains_prefix(const struct prefix *outer, const struct prefix *inner);
bool prefix_overlaps(const struct prefix *a, const struct prefix *b);

/* ::ffff:a.b.c.d (RFC 4291 2.5.5.2); addr_unmap turns one into IPv4 and leaves others as they are.
 */
bool addr_is_v4_mapped(const struct addr *a);
void addr_unmap(struct addr *a);

/*
 * sockaddr conversion. addr_to_sockaddr fills ss (zeroed first) with a and port (host order) and
 * returns its length; addr_from_sockaddr reads sa of salen bytes (port may be NULL) and returns
 * 0, -EAFNOSUPPORT for another family or -EINVAL if salen is too short.
 */
socklen_t addr_to_sockaddr(const struct addr *a, uint16_t port, struct sockaddr_storage *ss);
int addr_from_sockaddr(struct addr *a, uint16_t *port, const struct sockaddr *sa, socklen_t salen);

/*
 * What kind of address this is, from the IANA special-purpose registries (RFC 6890 and its
 * updates). ADDR_CLASS_PUBLIC is globally routable unicast: what the on-premises device must
 * have (SPEC 2.10). Documentation ranges are a class of their own so a lab may allow them.
 */
enum addr_class {
	ADDR_CLASS_PUBLIC,
	ADDR_CLASS_UNSPECIFIED,	  /* 0.0.0.0, :: */
	ADDR_CLASS_LOOPBACK,	  /* 127/8, ::1 */
	ADDR_CLASS_MULTICAST,	  /* 224/4, ff00::/8 */
	ADDR_CLASS_BROADCAST,	  /* 255.255.255.255 */
	ADDR_CLASS_LINK_LOCAL,	  /* 169.254/16, fe80::/10 */
	ADDR_CLASS_PRIVATE,	  /* RFC 1918, fc00::/7 (RFC 4193) */
	ADDR_CLASS_SHARED,	  /* 100.64/10 carrier-grade NAT (RFC 6598) */
	ADDR_CLASS_DOCUMENTATION, /* 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32 */
	ADDR_CLASS_RESERVED,	  /* everything else not globally routable: 0/8, 240/4, 198.18/15,
				     192.0.0/24, 64:ff9b:1::/48, 2001::/23, ::ffff:0:0/96, ... */
};

enum addr_class addr_classify(const struct addr *a);
const char *addr_class_name(enum addr_class c);
bool addr_is_public_unicast(const struct addr *a);
bool addr_is_unspecified(const struct addr *a);
bool addr_is_loopback(const struct addr *a);
bool addr_is_multicast(const struct addr *a);
bool addr_is_link_local(const struct addr *a);
bool addr_is_private(const struct addr *a);

#endif
