/* SPDX-License-Identifier: MIT */
/*
 * tun: TUN queues for VNets. The device is made by the first TUNSETIFF on /dev/net/tun while
 * the calling thread sits in the VNet's namespace; IFF_MULTI_QUEUE lets later opens with the
 * same name attach more queues (see Documentation/networking/tuntap.rst).
 */
#include "dp/tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dp/netns.h"

struct tun_open_arg {
	const char *name;
	int fd;
	bool vnet_hdr;
};

static int tun_open_here(void *arg)
{
	struct tun_open_arg *a = arg;
	struct ifreq ifr;
	int r;

	if (strlen(a->name) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	a->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (a->fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE | (a->vnet_hdr ? IFF_VNET_HDR : 0);
	strncpy(ifr.ifr_name, a->name, IFNAMSIZ - 1);
	if (ioctl(a->fd, TUNSETIFF, &ifr) < 0) {
		r = -errno;
		close(a->fd);
		a->fd = -1;
		return r;
	}
	if (a->vnet_hdr) {
		int len = TUN_VNET_HDR_LEN;

		/*
		 * The reader takes partial checksums and TCP super-packets (TSO), so the VNet's
		 * stack hands over 64 KiB per read rather than one segment.
		 */
		if (ioctl(a->fd, TUNSETVNETHDRSZ, &len) < 0 ||
		    ioctl(a->fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) < 0) {
			r = -errno;
			close(a->fd);
			a->fd = -1;
			return r;
		}
	}
	return 0;
}

static int tun_open(int nsfd, const char *name, bool vnet_hdr)
{
	struct tun_open_arg a = { .name = name, .fd = -1, .vnet_hdr = vnet_hdr };
	int r = nsfd >= 0 ? netns_run_in(nsfd, tun_open_here, &a) : tun_open_here(&a);

	return r < 0 ? r : a.fd;
}

int tun_open_queue(int nsfd, const char *name)
{
	return tun_open(nsfd, name, false);
}

int tun_open_queue_vnet(int nsfd, const char *name)
{
	return tun_open(nsfd, name, true);
}

ssize_t tun_read(int fd, void *pkt, size_t len)
{
	ssize_t n = read(fd, pkt, len);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	return n;
}

ssize_t tun_write(int fd, const void *pkt, size_t len)
{
	ssize_t n = write(fd, pkt, len);

	return n < 0 ? -errno : n;
}
