/*
 * ikeflood: a burst of IKE_SA_INIT requests (RFC 7296 1.2) from spoofed source addresses, for the
 * half-open flood lab test (issue 4 item 5). Each request has a random SPIi and nonce, one valid
 * proposal (AES-256 / SHA-384 / ECP-384, vnetgwd's default) and a real ECP-384 public value, so
 * that a responder which accepts it does the full DH work. Raw IPv4 (IP_HDRINCL) lets us write
 * any source address; it runs only inside a lab's network namespace (/run/netns/vgt-*), and
 * the lab's routes keep the replies there. Two more kinds for issue 14's attacks: --weak, one
 * proposal nobody accepts (DES / SHA-1 / MODP-1024), as a spoofer of a site's address sends
 * it; --junk N, N random bytes (after the non-ESP marker on port 4500) that no IKE parser
 * takes, at full rate for --seconds.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#define SOURCES_MAX 8
#define ECP384_LEN  96 /* x | y (RFC 5903 7) */

struct source {
	uint32_t net, mask; /* host order */
	uint64_t sent;
	char text[40];
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ikeflood --dst IP [--dport N] (--count N | --seconds S) --src A.B.C.D/LEN "
		"[--src ...] [--seed N] [--weak | --junk BYTES]\n"
		"  Sends N IKE_SA_INIT requests (or for S seconds) to IP (port 500 by default) at\n"
		"  full speed, from source addresses drawn in turn from each --src prefix (a /32 is\n"
		"  that address), random within it. --weak: the only proposal is DES / SHA-1 /\n"
		"  MODP-1024; --junk: BYTES random bytes instead of IKE (the non-ESP marker first on\n"
		"  port 4500). Prints what it sent: one 'ikeflood: src=...' line per prefix and a\n"
		"  summary 'ikeflood: sent=N errors=N seconds=S rate=R/s'.\n");
}

/* xorshift64*: reproducible from --seed. */
static uint64_t rng_state;
static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_prefix(const char *s, struct source *out)
{
	char a[32];
	const char *slash = strchr(s, '/');
	unsigned long len = 32;
	struct in_addr in;

	if (slash) {
		char *end;

		if ((size_t)(slash - s) >= sizeof(a))
			return -EINVAL;
		memcpy(a, s, (size_t)(slash - s));
		a[slash - s] = 0;
		len = strtoul(slash + 1, &end, 10);
		if (*end || len > 32 || len < 8)
			return -EINVAL;
	} else {
		snprintf(a, sizeof(a), "%s", s);
	}
	if (inet_pton(AF_INET, a, &in) != 1)
		return -EINVAL;
	out->mask = len == 32 ? 0xffffffffu : ~(0xffffffffu >> len);
	out->net = ntohl(in.s_addr) & out->mask;
	snprintf(out->text, sizeof(out->text), "%s/%lu", a, len);
	return 0;
}

/* A random host of the prefix (not its network or broadcast address unless it is a /31-32). */
static uint32_t source_pick(const struct source *s)
{
	uint32_t host;

	if (s->mask >= 0xfffffffeu)
		return s->net | (uint32_t)(rng_next() & ~s->mask);
	do
		host = (uint32_t)rng_next() & ~s->mask;
	while (host == 0 || host == ~s->mask);
	return s->net | host;
}

/*
 * Spoofed packets belong inside a lab: run only in a network namespace that is one of the lab's
 * (/run/netns/vgt-*, tests/lab/lib/netns.sh), whatever the routes say.
 */
static bool in_lab_netns(void)
{
	struct stat self, ns;
	struct dirent *d;
	bool found = false;
	DIR *dir;

	if (stat("/proc/self/ns/net", &self) || !(dir = opendir("/run/netns")))
		return false;
	while (!found && (d = readdir(dir))) {
		char path[300];

		if (strncmp(d->d_name, "vgt-", 4) != 0)
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", d->d_name);
		found = stat(path, &ns) == 0 && ns.st_ino == self.st_ino &&
			ns.st_dev == self.st_dev;
	}
	closedir(dir);
	return found;
}

/* One ECP-384 public value as IKE carries it: x | y, without the 0x04 point prefix. */
static int ecp384_public(uint8_t out[ECP384_LEN])
{
	EVP_PKEY *k = EVP_EC_gen("P-384");
	uint8_t pt[1 + ECP384_LEN];
	size_t len = 0;
	int r = -EIO;

	if (k &&
	    EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof(pt),
					    &len) &&
	    len == sizeof(pt) && pt[0] == 0x04) {
		memcpy(out, pt + 1, ECP384_LEN);
		r = 0;
	}
	EVP_PKEY_free(k);
	return r;
}

static void be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, (uint16_t)(v >> 16));
	be16(p + 2, (uint16_t)v);
}

static void be64(uint8_t *p, uint64_t v)
{
	be32(p, (uint32_t)(v >> 32));
	be32(p + 4, (uint32_t)v);
}

/* A transform substructure (3.3.2); attr_keylen 0 for none. Returns its length. */
static size_t transform(uint8_t *p, bool last, uint8_t type, uint16_t id, uint16_t attr_keylen)
{
	size_t len = 8 + (attr_keylen ? 4 : 0);

	p[0] = last ? 0 : 3;
	p[1] = 0;
	be16(p + 2, (uint16_t)len);
	p[4] = type;
	p[5] = 0;
	be16(p + 6, id);
	if (attr_keylen) {
		be16(p + 8, 0x800e); /* Key Length, TV format */
		be16(p + 10, attr_keylen);
	}
	return len;
}

/*
 * The IKE message: header, SA (one proposal), KE (ECP-384), Nonce (32 bytes). spi and nonce
 * are patched per request at *spi_off and *nonce_off. weak: DES / SHA-1 / MODP-1024 instead
 * (a KE of 128 bytes of the public value's, which nobody gets to compute with). Returns the
 * length.
 */
static size_t ike_template(uint8_t *m, const uint8_t pub[ECP384_LEN], bool weak, size_t *spi_off,
			   size_t *nonce_off)
{
	size_t n = 28, sa, prop, ke_len = weak ? 128 : ECP384_LEN;

	/* SA payload (33), next KE (34). */
	sa = n;
	m[n] = 34;
	m[n + 1] = 0;
	n += 4;
	prop = n;
	m[n] = 0; /* last proposal */
	m[n + 1] = 0;
	m[n + 4] = 1; /* proposal number */
	m[n + 5] = 1; /* IKE */
	m[n + 6] = 0; /* SPI size */
	m[n + 7] = 4; /* transforms */
	n += 8;
	if (weak) {
		n += transform(m + n, false, 1, 2, 0); /* ENCR_DES */
		n += transform(m + n, false, 2, 2, 0); /* PRF_HMAC_SHA1 */
		n += transform(m + n, false, 3, 2, 0); /* AUTH_HMAC_SHA1_96 */
		n += transform(m + n, true, 4, 2, 0);  /* MODP-1024 */
	} else {
		n += transform(m + n, false, 1, 12, 256); /* ENCR_AES_CBC 256 */
		n += transform(m + n, false, 2, 7, 0);	  /* PRF_HMAC_SHA2_384 */
		n += transform(m + n, false, 3, 13, 0);	  /* AUTH_HMAC_SHA2_384_192 */
		n += transform(m + n, true, 4, 20, 0);	  /* ECP-384 */
	}
	be16(m + prop + 2, (uint16_t)(n - prop));
	be16(m + sa + 2, (uint16_t)(n - sa));
	/* KE (34), next Nonce (40). */
	m[n] = 40;
	m[n + 1] = 0;
	be16(m + n + 2, (uint16_t)(8 + ke_len));
	be16(m + n + 4, weak ? 2 : 20);
	be16(m + n + 6, 0);
	memcpy(m + n + 8, pub, ECP384_LEN);
	if (weak)
		memcpy(m + n + 8 + ECP384_LEN, pub, ke_len - ECP384_LEN);
	n += 8 + ke_len;
	/* Nonce (40), last. */
	m[n] = 0;
	m[n + 1] = 0;
	be16(m + n + 2, 4 + 32);
	*nonce_off = n + 4;
	n += 4 + 32;
	/* Header (3.1). */
	*spi_off = 0;
	be64(m + 8, 0);
	m[16] = 33; /* first payload: SA */
	m[17] = 0x20;
	m[18] = 34;   /* IKE_SA_INIT */
	m[19] = 0x08; /* Initiator */
	be32(m + 20, 0);
	be32(m + 24, (uint32_t)n);
	return n;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"dst", required_argument, NULL, 'd'},
		{"dport", required_argument, NULL, 'p'},
		{"count", required_argument, NULL, 'n'},
		{"src", required_argument, NULL, 's'},
		{"seed", required_argument, NULL, 'S'},
		{"seconds", required_argument, NULL, 'T'},
		{"weak", no_argument, NULL, 'w'},
		{"junk", required_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct source src[SOURCES_MAX];
	unsigned int n_src = 0;
	struct in_addr dst = {0};
	unsigned long count = 0, dport = 500, junk = 0;
	double seconds = 0;
	uint64_t seed = 0, errors = 0, sent = 0;
	bool have_seed = false, have_dst = false, weak = false;
	uint8_t pkt[1500], pub[ECP384_LEN];
	size_t ike_len, spi_off, nonce_off, tot;
	struct sockaddr_in to = {.sin_family = AF_INET};
	double t0, dt;
	int c, fd, one = 1;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (inet_pton(AF_INET, optarg, &dst) != 1)
				goto usage;
			have_dst = true;
			break;
		case 'p':
			dport = strtoul(optarg, NULL, 10);
			if (dport == 0 || dport > 65535)
				goto usage;
			break;
		case 'n':
			count = strtoul(optarg, NULL, 10);
			break;
		case 's':
			if (n_src == SOURCES_MAX || parse_prefix(optarg, &src[n_src])) {
				fprintf(stderr, "ikeflood: --src %s: expected A.B.C.D/8..32\n",
					optarg);
				goto usage;
			}
			src[n_src++].sent = 0;
			break;
		case 'S':
			seed = strtoull(optarg, NULL, 0);
			have_seed = true;
			break;
		case 'T':
			seconds = strtod(optarg, NULL);
			if (seconds <= 0)
				goto usage;
			break;
		case 'w':
			weak = true;
			break;
		case 'j':
			junk = strtoul(optarg, NULL, 10);
			if (junk < 8 || junk > 1400)
				goto usage;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto usage;
		}
	}
	if (!have_dst || (!count && seconds <= 0) || !n_src || optind != argc || (weak && junk))
		goto usage;
	if (!count)
		count = ~0ul; /* until --seconds pass */
	if (!in_lab_netns()) {
		fprintf(stderr, "ikeflood: refusing to run outside a lab network namespace "
				"(ip netns exec vgt-...)\n");
		return 1;
	}
	if (!have_seed && getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)time(NULL) ^ (uint64_t)getpid();
	rng_state = seed ? seed : 1;
	if (ecp384_public(pub)) {
		fprintf(stderr, "ikeflood: cannot make an ECP-384 key\n");
		return 1;
	}
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0) {
		fprintf(stderr, "ikeflood: raw socket: %s\n", strerror(errno));
		return 1;
	}
	memset(pkt, 0, sizeof(pkt));
	ike_len = ike_template(pkt + 28, pub, weak, &spi_off, &nonce_off);
	if (junk) {
		ike_len = junk;
		spi_off = nonce_off = 0;
	}
	tot = 28 + ike_len;
	to.sin_addr = dst;
	printf("ikeflood: seed=%" PRIu64 " dst=%s:%lu count=%lu bytes=%zu\n", seed, inet_ntoa(dst),
	       dport, count, tot);
	fflush(stdout);
	t0 = now_s();
	for (unsigned long i = 0; i < count; i++) {
		struct source *s = &src[i % n_src];
		uint8_t *ip = pkt, *udp = pkt + 20, *ike = pkt + 28;
		uint32_t saddr = source_pick(s), sum;
		uint64_t spi = rng_next() | 1;

		if (seconds > 0 && (i & 1023) == 0 && now_s() - t0 >= seconds)
			break;
		if (junk) {
			for (size_t k = 0; k + 8 <= junk; k += 8)
				be64(ike + k, rng_next());
			if (dport == 4500)
				memset(ike, 0, 4); /* the non-ESP marker: to the IKE side */
		} else {
			be64(ike + spi_off, spi);
			for (int k = 0; k < 32; k += 8)
				be64(ike + nonce_off + k, rng_next());
		}
		/* IPv4 header (RFC 791): the kernel fills in the ID and checksum. */
		ip[0] = 0x45;
		ip[1] = 0;
		be16(ip + 2, (uint16_t)tot);
		be16(ip + 4, 0);
		be16(ip + 6, 0x4000); /* DF */
		ip[8] = 64;
		ip[9] = IPPROTO_UDP;
		be16(ip + 10, 0);
		be32(ip + 12, saddr);
		memcpy(ip + 16, &dst.s_addr, 4);
		/* UDP from port 500, with its checksum over the pseudo-header (RFC 768). */
		be16(udp, 500);
		be16(udp + 2, (uint16_t)dport);
		be16(udp + 4, (uint16_t)(8 + ike_len));
		be16(udp + 6, 0);
		sum = csum_add(0, ip + 12, 8);
		sum += IPPROTO_UDP + (uint32_t)(8 + ike_len);
		sum = csum_add(sum, udp, 8 + ike_len);
		be16(udp + 6, csum_fold(sum) ? csum_fold(sum) : 0xffff);
		if (sendto(fd, pkt, tot, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)tot) {
			if (errno == ENOBUFS || errno == EAGAIN) {
				i--; /* the device queue is full: wait for it, do not lose the
					request */
				usleep(100);
				continue;
			}
			errors++;
			continue;
		}
		s->sent++;
		sent++;
	}
	dt = now_s() - t0;
	for (unsigned int i = 0; i < n_src; i++)
		printf("ikeflood: src=%s sent=%" PRIu64 "\n", src[i].text, src[i].sent);
	printf("ikeflood: sent=%" PRIu64 " errors=%" PRIu64 " seconds=%.3f rate=%.0f/s\n", sent,
	       errors, dt, dt > 0 ? (double)sent / dt : 0.0);
	close(fd);
	return errors ? 1 : 0;
usage:
	usage(stderr);
	return 2;
}
