/* SPDX-License-Identifier: MIT */
/*
 * lpm: longest-prefix match over a path-compressed binary trie per family, after WireGuard's
 * allowedips.c. Each node holds a prefix (key, len); its children extend it and differ at bit
 * len. Nodes without a value are branch points and always have two children, so the trie has
 * fewer than 2n nodes and a lookup visits at most one node per distinct prefix length on its path.
 * Keys are kept as two host-order 64-bit words so a node test is two XOR-and-mask operations.
 */
#include "lib/lpm.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

struct lpm_node {
	struct lpm_node *child[2];
	struct lpm_node *parent;
	uint64_t key[2];  /* the prefix, masked to len, most significant bit first */
	uint64_t mask[2]; /* len leading one bits */
	void *value;	  /* NULL: a branch point, not a stored prefix */
	unsigned int len;
};

struct lpm {
	struct lpm_node *root[2]; /* IPv4, IPv6 */
	size_t count;
};

static uint64_t lpm_load_be64(const uint8_t *b)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static void lpm_store_be64(uint8_t *b, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		b[i] = (uint8_t)v;
		v >>= 8;
	}
}

static void lpm_mask_of(unsigned int len, uint64_t m[2])
{
	m[0] = len == 0 ? 0 : len >= 64 ? UINT64_MAX : UINT64_MAX << (64 - len);
	m[1] = len <= 64 ? 0 : len >= 128 ? UINT64_MAX : UINT64_MAX << (128 - len);
}

/* An address as key words; IPv4 takes the top 32 bits of key[0] (bytes[4..] are ignored). */
static void lpm_key_of(const struct addr *a, uint64_t k[2])
{
	k[0] = lpm_load_be64(a->bytes);
	k[1] = lpm_load_be64(a->bytes + 8);
	if (a->family == AF_INET) {
		k[0] &= 0xffffffff00000000ull;
		k[1] = 0;
	}
}

static unsigned int lpm_bit(const uint64_t k[2], unsigned int i)
{
	return (unsigned int)(k[i >> 6] >> (63 - (i & 63))) & 1;
}

/* Number of leading bits a and b share, at most limit. */
static unsigned int lpm_common(const uint64_t a[2], const uint64_t b[2], unsigned int limit)
{
	uint64_t x = a[0] ^ b[0];
	unsigned int n;

	if (x)
		n = (unsigned int)__builtin_clzll(x);
	else if ((x = a[1] ^ b[1]))
		n = 64 + (unsigned int)__builtin_clzll(x);
	else
		n = 128;
	return n < limit ? n : limit;
}

static bool lpm_node_matches(const struct lpm_node *n, const uint64_t k[2])
{
	return (((k[0] ^ n->key[0]) & n->mask[0]) | ((k[1] ^ n->key[1]) & n->mask[1])) == 0;
}

/* Root index and bit count of p's family, or -EINVAL if p is not a valid prefix. */
static int lpm_family(const struct prefix *p, unsigned int *bits)
{
	*bits = addr_bits(&p->addr);
	if (*bits == 0 || p->len > *bits)
		return -EINVAL;
	return p->addr.family == AF_INET6;
}

/* p's key masked to its length. */
static void lpm_prefix_key(const struct prefix *p, uint64_t k[2])
{
	uint64_t m[2];

	lpm_key_of(&p->addr, k);
	lpm_mask_of(p->len, m);
	k[0] &= m[0];
	k[1] &= m[1];
}

static struct lpm_node *lpm_node_new(const uint64_t k[2], unsigned int len, void *value)
{
	struct lpm_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	lpm_mask_of(len, n->mask);
	n->key[0] = k[0] & n->mask[0];
	n->key[1] = k[1] & n->mask[1];
	n->len = len;
	n->value = value;
	return n;
}

/* Where the pointer to n lives: its parent's child slot, or the family's root. */
static struct lpm_node **lpm_slot_of(struct lpm *t, int f, struct lpm_node *n)
{
	if (!n->parent)
		return &t->root[f];
	return &n->parent->child[n->parent->child[1] == n];
}

struct lpm *lpm_new(void)
{
	return calloc(1, sizeof(struct lpm));
}

static void lpm_free_nodes(struct lpm_node *n)
{
	if (!n)
		return;
	lpm_free_nodes(n->child[0]);
	lpm_free_nodes(n->child[1]);
	free(n);
}

void lpm_free(struct lpm *t)
{
	if (!t)
		return;
	lpm_free_nodes(t->root[0]);
	lpm_free_nodes(t->root[1]);
	free(t);
}

int lpm_insert(struct lpm *t, const struct prefix *p, void *value, void **old)
{
	struct lpm_node **slot, *parent = NULL, *n, *nn, *mid;
	unsigned int bits, len = p->len, c;
	uint64_t k[2];
	int f = lpm_family(p, &bits);

	if (f < 0 || !value)
		return -EINVAL;
	lpm_prefix_key(p, k);
	slot = &t->root[f];
	for (;;) {
		n = *slot;
		if (!n)
			break;
		c = lpm_common(n->key, k, n->len < len ? n->len : len);
		if (c == n->len && n->len == len) {
			/* The prefix has a node already, as a stored prefix or a branch point. */
			if (old)
				*old = n->value;
			if (!n->value)
				t->count++;
			n->value = value;
			return 0;
		}
		if (c < n->len)
			break;
		parent = n;
		slot = &n->child[lpm_bit(k, n->len)];
	}

	nn = lpm_node_new(k, len, value);
	if (!nn)
		return -ENOMEM;
	if (!n) {
		/* An empty slot: the new node is a leaf. */
		nn->parent = parent;
		*slot = nn;
	} else if (c == len) {
		/* The new prefix contains n: it goes between parent and n. */
		nn->child[lpm_bit(n->key, len)] = n;
		nn->parent = parent;
		n->parent = nn;
		*slot = nn;
	} else {
		/* They part at bit c: a branch point at c takes both. */
		mid = lpm_node_new(k, c, NULL);
		if (!mid) {
			free(nn);
			return -ENOMEM;
		}
		mid->child[lpm_bit(k, c)] = nn;
		mid->child[lpm_bit(n->key, c)] = n;
		mid->parent = parent;
		nn->parent = mid;
		n->parent = mid;
		*slot = mid;
	}
	t->count++;
	if (old)
		*old = NULL;
	return 0;
}

/* The node for exactly p (stored prefix or branch point), or NULL. */
static struct lpm_node *lpm_find(const struct lpm *t, const struct prefix *p, int f)
{
	struct lpm_node *n = t->root[f];
	uint64_t k[2];

	lpm_prefix_key(p, k);
	while (n && n->len <= p->len) {
		if (lpm_common(n->key, k, n->len) < n->len)
			return NULL;
		if (n->len == p->len)
			return n;
		n = n->child[lpm_bit(k, n->len)];
	}
	return NULL;
}

void *lpm_get(const struct lpm *t, const struct prefix *p)
{
	unsigned int bits;
	int f = lpm_family(p, &bits);
	struct lpm_node *n;

	if (f < 0)
		return NULL;
	n = lpm_find(t, p, f);
	return n ? n->value : NULL;
}

/* Unlink n, which has at most one child, putting that child in its place. */
static void lpm_splice(struct lpm *t, int f, struct lpm_node *n)
{
	struct lpm_node *c = n->child[0] ? n->child[0] : n->child[1];

	*lpm_slot_of(t, f, n) = c;
	if (c)
		c->parent = n->parent;
	free(n);
}

int lpm_remove(struct lpm *t, const struct prefix *p, void **old)
{
	struct lpm_node *n, *parent;
	unsigned int bits;
	int f = lpm_family(p, &bits);

	if (f < 0)
		return -EINVAL;
	n = lpm_find(t, p, f);
	if (!n || !n->value)
		return -ENOENT;
	if (old)
		*old = n->value;
	n->value = NULL;
	t->count--;
	/* Keep the invariant: a node without a value has two children. */
	if (n->child[0] && n->child[1])
		return 0;
	parent = n->parent;
	lpm_splice(t, f, n);
	if (parent && !parent->value && !(parent->child[0] && parent->child[1]))
		lpm_splice(t, f, parent);
	return 0;
}

void *lpm_lookup_prefix(const struct lpm *t, const struct addr *a, struct prefix *match)
{
	const struct lpm_node *n, *best = NULL;
	unsigned int bits = addr_bits(a);
	uint64_t k[2];

	if (bits == 0)
		return NULL;
	lpm_key_of(a, k);
	n = t->root[a->family == AF_INET6];
	while (n && lpm_node_matches(n, k)) {
		if (n->value)
			best = n;
		if (n->len >= bits)
			break;
		n = n->child[lpm_bit(k, n->len)];
	}
	if (!best)
		return NULL;
	if (match) {
		uint8_t b[16];

		lpm_store_be64(b, best->key[0]);
		lpm_store_be64(b + 8, best->key[1]);
		if (a->family == AF_INET)
			addr_set_v4(&match->addr, b);
		else
			addr_set_v6(&match->addr, b);
		match->len = best->len;
	}
	return best->value;
}

void *lpm_lookup(const struct lpm *t, const struct addr *a)
{
	return lpm_lookup_prefix(t, a, NULL);
}

size_t lpm_count(const struct lpm *t)
{
	return t->count;
}

/* Pre-order (node, then the 0 side, then the 1 side) is prefix_compare order. */
static int lpm_walk_nodes(const struct lpm_node *n, int family,
			  int (*fn)(const struct prefix *p, void *value, void *arg), void *arg)
{
	int r;

	if (!n)
		return 0;
	if (n->value) {
		struct prefix p;
		uint8_t b[16];

		lpm_store_be64(b, n->key[0]);
		lpm_store_be64(b + 8, n->key[1]);
		if (family == AF_INET)
			addr_set_v4(&p.addr, b);
		else
			addr_set_v6(&p.addr, b);
		p.len = n->len;
		r = fn(&p, n->value, arg);
		if (r)
			return r;
	}
	r = lpm_walk_nodes(n->child[0], family, fn, arg);
	if (r)
		return r;
	return lpm_walk_nodes(n->child[1], family, fn, arg);
}

int lpm_walk(const struct lpm *t, int (*fn)(const struct prefix *p, void *value, void *arg),
	     void *arg)
{
	int r = lpm_walk_nodes(t->root[0], AF_INET, fn, arg);

	if (r)
		return r;
	return lpm_walk_nodes(t->root[1], AF_INET6, fn, arg);
}
