/*
 * impair: a layer-2 bridge between two interfaces with loss, duplication, reordering and delay,
 * configured per direction, for lab tests on kernels without netem. Runs in its own namespace
 * between two veths: AF_PACKET sockets (ETH_P_ALL, promiscuous, ignoring their own output) read
 * each side, impair_core decides each frame's fate, a timerfd releases delayed frames.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "tools/impair/impair_core.h"
#include "tools/impair/impair_esp.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/*
 * With PACKET_VNET_HDR each frame carries a virtio_net_hdr: offloaded checksums and GSO frames
 * from a veth cross the bridge as they are, instead of leaving with a half-done checksum.
 */
#define FRAME_MAX (sizeof(struct virtio_net_hdr) + 65536)

enum impair_side { IMPAIR_SIDE_A, IMPAIR_SIDE_B, IMPAIR_SIDE_COUNT };

static const char *const dir_names[IMPAIR_SIDE_COUNT] = {"ab", "ba"};

struct impair_port {
	const char *ifname;
	int fd;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: impair -a IFACE -b IFACE [--seed N] [--queue N] [--ab SPEC] [--ba SPEC] "
		   "[--both SPEC]\n"
		   "  Bridges IFACE a and b at layer 2 (AF_PACKET), impairing each direction:\n"
		   "  --ab applies to frames from a to b, --ba from b to a, --both to both (given "
		   "first).\n"
		   "  SPEC: comma-separated key=value: loss=PCT dup=PCT reorder=PCT delay=MS "
		   "jitter=MS\n"
		   "        hold=MS (how long a frame held for reordering waits for a follower; "
		   "default 20)\n"
		   "  --seed N   PRNG seed (default: random; printed at start, reproduces the "
		   "decisions)\n"
		   "  --queue N  frames queued per direction at most (default 1024); beyond: "
		   "dropped, counted\n"
		   "  Counters: one line per direction on stdout on SIGUSR1 ('impair: stats ...') "
		   "and at exit\n"
		   "  on SIGTERM/SIGINT ('impair: final ...').\n");
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int port_open(struct impair_port *p)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	struct packet_mreq mr = {.mr_type = PACKET_MR_PROMISC};
	int one = 1, rcvbuf = 8 << 20;
	unsigned idx = if_nametoindex(p->ifname);

	if (!idx) {
		fprintf(stderr, "impair: no interface '%s'\n", p->ifname);
		return -ENOENT;
	}
	/* Protocol 0 until bound: the socket sees no frame from any other interface meanwhile. */
	p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		goto fail;
	sll.sll_ifindex = (int)idx;
	mr.mr_ifindex = (int)idx;
	/* Room for bursts while the other side's sends run; overflow shows up as rx_drops. */
	if (setsockopt(p->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (setsockopt(p->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0 ||
	    setsockopt(p->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0 ||
	    setsockopt(p->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0 ||
	    bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "impair: %s: %s\n", p->ifname, strerror(errno));
	return -errno;
}

/* The kernel's drops on a port's socket (reset by each read): frames the tool never saw. */
static void port_collect_drops(const struct impair_port *p, struct impair_dir *d)
{
	struct tpacket_stats st;
	socklen_t len = sizeof(st);

	if (getsockopt(p->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
		impair_dir_counters(d)->rx_drops += st.tp_drops;
}

/* ESP packets forwarded each way, and repeats of an (SPI, seq) already forwarded. */
static struct impair_esp esp_seen[IMPAIR_SIDE_COUNT];

static void counters_print(struct impair_dir *const dirs[], const struct impair_port ports[],
			   const char *what)
{
	char line[512];

	for (int i = 0; i < IMPAIR_SIDE_COUNT; i++) {
		port_collect_drops(&ports[i], dirs[i]);
		impair_counters_format(impair_dir_counters(dirs[i]), dir_names[i], line,
				       sizeof(line));
		printf("impair: %s %s esp=%" PRIu64 " esp_dup=%" PRIu64 " esp_late=%" PRIu64
		       " esp_untracked=%" PRIu64 "\n",
		       what, line, esp_seen[i].esp, esp_seen[i].esp_dup, esp_seen[i].esp_late,
		       esp_seen[i].untracked);
	}
	fflush(stdout);
}

/* Send everything due now on direction d out of port out; es notes the ESP among it. */
static void dir_flush(struct impair_dir *d, const struct impair_port *out, struct impair_esp *es,
		      uint64_t t)
{
	const void *frame;
	size_t len;

	while (impair_dir_pop(d, t, &frame, &len) == 0) {
		if (send(out->fd, frame, len, MSG_DONTWAIT) != (ssize_t)len)
			impair_dir_counters(d)->send_errors++;
		else
			impair_esp_note(es, frame, len);
	}
}

static int timer_arm(int tfd, uint64_t when)
{
	struct itimerspec its = {0};

	if (when != IMPAIR_NEVER) {
		/* 0 would disarm: a due time of 0 is in the past anyway, fire at once. */
		if (!when)
			when = 1;
		its.it_value.tv_sec = (time_t)(when / 1000000000ull);
		its.it_value.tv_nsec = (long)(when % 1000000000ull);
	}
	return timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end || *s == '-' ? -EINVAL : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"seed", required_argument, NULL, 's'},
		{"queue", required_argument, NULL, 'q'},
		{"ab", required_argument, NULL, 'A'},
		{"ba", required_argument, NULL, 'B'},
		{"both", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct impair_params params[IMPAIR_SIDE_COUNT] = {{.hold_ns = 20000000},
							  {.hold_ns = 20000000}};
	struct impair_port ports[IMPAIR_SIDE_COUNT] = {{NULL, -1}, {NULL, -1}};
	struct impair_dir *dirs[IMPAIR_SIDE_COUNT] = {NULL, NULL};
	const char *specs[IMPAIR_SIDE_COUNT] = {NULL, NULL}, *both = NULL;
	uint64_t seed = 0, queue = 1024;
	bool have_seed = false, running = false;
	static uint8_t rx[FRAME_MAX];
	int c, rc = 2, sfd = -1, tfd = -1;
	sigset_t mask;
	char err[160];

	while ((c = getopt_long(argc, argv, "a:b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			ports[IMPAIR_SIDE_A].ifname = optarg;
			break;
		case 'b':
			ports[IMPAIR_SIDE_B].ifname = optarg;
			break;
		case 's':
			if (parse_u64(optarg, &seed)) {
				fprintf(stderr, "impair: --seed %s: expected an unsigned integer\n",
					optarg);
				goto usage;
			}
			have_seed = true;
			break;
		case 'q':
			if (parse_u64(optarg, &queue) || queue < 2 || queue > 1000000) {
				fprintf(stderr, "impair: --queue %s: expected 2..1000000\n",
					optarg);
				goto usage;
			}
			break;
		case 'A':
			specs[IMPAIR_SIDE_A] = optarg;
			break;
		case 'B':
			specs[IMPAIR_SIDE_B] = optarg;
			break;
		case 'C':
			both = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto usage;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "impair: unexpected argument '%s'\n", argv[optind]);
		goto usage;
	}
	if (!ports[IMPAIR_SIDE_A].ifname || !ports[IMPAIR_SIDE_B].ifname) {
		fprintf(stderr, "impair: both -a and -b are required\n");
		goto usage;
	}
	if (!strcmp(ports[IMPAIR_SIDE_A].ifname, ports[IMPAIR_SIDE_B].ifname)) {
		fprintf(stderr, "impair: -a and -b name the same interface\n");
		goto usage;
	}
	for (int i = 0; i < IMPAIR_SIDE_COUNT; i++) {
		const char *const *list[2] = {&both, &specs[i]};

		for (int k = 0; k < 2; k++) {
			if (*list[k] &&
			    impair_params_parse(&params[i], *list[k], err, sizeof(err))) {
				fprintf(stderr, "impair: --%s: %s\n", k ? dir_names[i] : "both",
					err);
				goto usage;
			}
		}
	}
	if (!have_seed && getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = now_ns() ^ (uint64_t)getpid();

	rc = 1;
	for (int i = 0; i < IMPAIR_SIDE_COUNT; i++) {
		/* Each direction its own stream: one side's traffic never shifts the other's draws.
		 */
		dirs[i] =
			impair_dir_new(&params[i], seed + (uint64_t)i, (unsigned)queue, FRAME_MAX);
		if (!dirs[i]) {
			fprintf(stderr, "impair: cannot allocate a queue of %" PRIu64 " frames\n",
				queue);
			goto out;
		}
		if (port_open(&ports[i]))
			goto out;
		if (impair_esp_init(&esp_seen[i], 1u << 21)) {
			fprintf(stderr, "impair: cannot allocate the ESP table\n");
			goto out;
		}
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sfd < 0 || tfd < 0) {
		fprintf(stderr, "impair: signalfd/timerfd: %s\n", strerror(errno));
		goto out;
	}
	for (int i = 0; i < IMPAIR_SIDE_COUNT; i++) {
		const struct impair_params *p = &params[i];

		printf("impair: dir=%s from=%s to=%s loss=%.4f dup=%.4f reorder=%.4f delay_ms=%.3f "
		       "jitter_ms=%.3f hold_ms=%.3f\n",
		       dir_names[i], ports[i].ifname, ports[!i].ifname, p->loss_ppm / 1e4,
		       p->dup_ppm / 1e4, p->reorder_ppm / 1e4, p->delay_ns / 1e6,
		       p->jitter_ns / 1e6, p->hold_ns / 1e6);
	}
	running = true;
	printf("impair: ready seed=%" PRIu64 " queue=%" PRIu64 "\n", seed, queue);
	fflush(stdout);

	for (;;) {
		struct pollfd pfd[4] = {
			{.fd = ports[IMPAIR_SIDE_A].fd, .events = POLLIN},
			{.fd = ports[IMPAIR_SIDE_B].fd, .events = POLLIN},
			{.fd = tfd, .events = POLLIN},
			{.fd = sfd, .events = POLLIN},
		};
		uint64_t next = IMPAIR_NEVER, t;

		if (poll(pfd, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "impair: poll: %s\n", strerror(errno));
			goto out;
		}
		if (pfd[3].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGUSR1) {
					counters_print(dirs, ports, "stats");
				} else {
					rc = 0;
					goto out;
				}
			}
		}
		if (pfd[2].revents & POLLIN) {
			uint64_t ticks;

			if (read(tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
				fprintf(stderr, "impair: timerfd: %s\n", strerror(errno));
		}
		for (int i = 0; i < IMPAIR_SIDE_COUNT; i++) {
			/* A bounded batch per wakeup, so one busy side cannot starve the other. */
			for (int n = 0; n < 64 && (pfd[i].revents & POLLIN); n++) {
				ssize_t len = recv(ports[i].fd, rx, sizeof(rx), MSG_TRUNC);

				if (len < 0)
					break;
				impair_dir_submit(dirs[i], rx, (size_t)len, now_ns());
			}
		}
		t = now_ns();
		for (int i = 0; i < IMPAIR_SIDE_COUNT; i++) {
			uint64_t n;

			dir_flush(dirs[i], &ports[!i], &esp_seen[i], t);
			n = impair_dir_next_ns(dirs[i]);
			if (n < next)
				next = n;
		}
		if (timer_arm(tfd, next) < 0) {
			fprintf(stderr, "impair: timerfd_settime: %s\n", strerror(errno));
			goto out;
		}
	}
out:
	if (running)
		counters_print(dirs, ports, "final");
	for (int i = 0; i < IMPAIR_SIDE_COUNT; i++) {
		if (ports[i].fd >= 0)
			close(ports[i].fd);
		impair_dir_free(dirs[i]);
		impair_esp_free(&esp_seen[i]);
	}
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	return rc;
usage:
	fprintf(stderr, "usage: impair -a IFACE -b IFACE [--seed N] [--queue N] [--ab SPEC] "
			"[--ba SPEC] [--both SPEC]; impair --help explains\n");
	return 2;
}
