/* SPDX-License-Identifier: MIT */
/*
 * netns: named network namespaces, made as iproute2 makes them: an empty file at
 * /run/netns/NAME with the thread's new namespace bind-mounted onto it (so it outlives the
 * thread), /run/netns itself a shared mount so `ip netns exec` in other mount namespaces sees it.
 */
#include "dp/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dp/nl.h"
#include "lib/log.h"

static int netns_path(const char *name, char *path, size_t len)
{
	size_t n = strlen(name);

	if (n == 0 || n > NETNS_NAME_MAX || strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return -EINVAL;
	snprintf(path, len, "%s/%s", NETNS_RUN_DIR, name);
	return 0;
}

/* As iproute2 does: make /run/netns a shared bind mount of itself, once. */
static int netns_prepare_dir(void)
{
	if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return -errno;
	/* Not a mount point yet. */
	if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
		return -errno;
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
		return -errno;
	return 0;
}

bool netns_exists(const char *name)
{
	char path[128];
	struct stat st;

	return netns_path(name, path, sizeof(path)) == 0 && stat(path, &st) == 0;
}

int netns_open(const char *name)
{
	char path[128];
	int fd, r = netns_path(name, path, sizeof(path));

	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int netns_run_in(int nsfd, int (*fn)(void *arg), void *arg)
{
	int self, r, back;

	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		r = -errno;
		close(self);
		return r;
	}
	r = fn(arg);
	back = setns(self, CLONE_NEWNET);
	close(self);
	if (back < 0) {
		/* The thread would keep working in a tenant's namespace: never continue. */
		log_err("Gateway", "cannot return to the gateway's network namespace: %s",
			strerror(errno));
		return -errno;
	}
	return r;
}

/* A new namespace's loopback is down; services in the VNet expect it up. */
static int netns_lo_up(int nsfd)
{
	struct nl *nl;
	int r, lo;

	r = nl_open(&nl, nsfd);
	if (r < 0)
		return r;
	lo = nl_link_index(nl, "lo");
	r = lo < 0 ? lo : nl_link_set(nl, lo, true, 0);
	nl_close(nl);
	return r;
}

int netns_create(const char *name)
{
	char path[128], self_path[64];
	int r, fd, self = -1, nsfd = -1;

	r = netns_path(name, path, sizeof(path));
	if (r < 0)
		return r;
	r = netns_prepare_dir();
	if (r < 0) {
		log_err("Gateway", "netns %s: cannot prepare %s: %s", name, NETNS_RUN_DIR,
			strerror(-r));
		return r;
	}
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);

	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		r = -errno;
		goto fail;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		r = -errno;
		goto fail;
	}
	snprintf(self_path, sizeof(self_path), "/proc/self/task/%ld/ns/net", (long)syscall(SYS_gettid));
	r = mount(self_path, path, "none", MS_BIND, NULL) < 0 ? -errno : 0;
	if (setns(self, CLONE_NEWNET) < 0) {
		log_err("Gateway", "netns %s: cannot return to the gateway's namespace: %s", name,
			strerror(errno));
		r = r ? r : -errno;
	}
	if (r < 0)
		goto fail;
	close(self);
	self = -1;

	nsfd = netns_open(name);
	if (nsfd < 0) {
		r = nsfd;
		goto fail;
	}
	r = netns_lo_up(nsfd);
	close(nsfd);
	if (r < 0)
		goto fail;
	log_info("Gateway", "netns %s created", name);
	return 0;
fail:
	if (self >= 0)
		close(self);
	umount2(path, MNT_DETACH);
	unlink(path);
	log_err("Gateway", "netns %s: creation failed: %s", name, strerror(-r));
	return r;
}

int netns_delete(const char *name)
{
	char path[128];
	int r = netns_path(name, path, sizeof(path));

	if (r < 0)
		return r;
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return -errno;
	if (unlink(path) < 0)
		return -errno;
	log_info("Gateway", "netns %s deleted", name);
	return 0;
}
