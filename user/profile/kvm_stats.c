/* See kvm_stats.h. */
#include "kvm_stats.h"

#include <dirent.h>
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

const char *const kvm_stat_names[KVM_STAT__MAX] = {
	[KVM_STAT_EXITS] = "exits",
	[KVM_STAT_IO_EXITS] = "io_exits",
	[KVM_STAT_MMIO_EXITS] = "mmio_exits",
	[KVM_STAT_HALT_EXITS] = "halt_exits",
	[KVM_STAT_IRQ_EXITS] = "irq_exits",
	[KVM_STAT_IRQ_WINDOW_EXITS] = "irq_window_exits",
	[KVM_STAT_NMI_WINDOW_EXITS] = "nmi_window_exits",
	[KVM_STAT_SIGNAL_EXITS] = "signal_exits",
	[KVM_STAT_REQUEST_IRQ_EXITS] = "request_irq_exits",
	[KVM_STAT_HALT_WAIT_NS] = "halt_wait_ns",
};

/* The largest stats file we accept: today's kernels have about 60 vCPU statistics. */
#define STATS_MAX_BYTES (1u << 20)

static int bad(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "malformed KVM stats data (%s): a kernel this reader does not understand", what);
	return -1;
}

static int find_stat(const char *name)
{
	for (int i = 0; i < KVM_STAT__MAX; i++)
		if (!strcmp(name, kvm_stat_names[i]))
			return i;
	return -1;
}

int kvm_stats_parse(const uint8_t *buf, size_t len, struct kvm_stat_values *out, char *err, size_t errlen)
{
	struct kvm_stats_header h;
	size_t desc_size;

	if (len < sizeof(h))
		return bad(err, errlen, "shorter than its header");
	memcpy(&h, buf, sizeof(h));
	if (h.name_size == 0 || h.name_size > 4096)
		return bad(err, errlen, "name size");
	desc_size = sizeof(struct kvm_stats_desc) + h.name_size;
	if (h.desc_offset > len || h.num_desc > (len - h.desc_offset) / desc_size)
		return bad(err, errlen, "descriptors beyond the end");
	if (h.data_offset > len)
		return bad(err, errlen, "data beyond the end");
	for (uint32_t i = 0; i < h.num_desc; i++) {
		const uint8_t *p = buf + h.desc_offset + (size_t)i * desc_size;
		struct kvm_stats_desc d;
		const char *name = (const char *)p + sizeof(d);
		uint32_t type;
		uint64_t v;
		int id;

		memcpy(&d, p, sizeof(d));
		if (!memchr(name, '\0', h.name_size))
			return bad(err, errlen, "unterminated name");
		if ((uint64_t)d.offset + (uint64_t)d.size * 8 > len - h.data_offset)
			return bad(err, errlen, "a value beyond the end");
		id = find_stat(name);
		if (id < 0)
			continue;
		type = d.flags & KVM_STATS_TYPE_MASK;
		if (d.size != 1 || (type != KVM_STATS_TYPE_CUMULATIVE && type != KVM_STATS_TYPE_INSTANT))
			return bad(err, errlen, "a counter that is not one cumulative value");
		memcpy(&v, buf + h.data_offset + d.offset, sizeof(v));
		/* halt_wait_ns is in seconds x 10^-9; keep ns whatever exponent the kernel uses. */
		if ((d.flags & KVM_STATS_UNIT_MASK) == KVM_STATS_UNIT_SECONDS) {
			if ((d.flags & KVM_STATS_BASE_MASK) != KVM_STATS_BASE_POW10 || d.exponent > 0 || d.exponent < -9)
				return bad(err, errlen, "a time unit other than 10^-9..10^0 s");
			for (int e = d.exponent; e > -9; e--)
				v *= 10;
		}
		out->v[id] += v;
		out->present[id] = true;
	}
	return 0;
}

int kvm_stats_read_fd(int fd, struct kvm_stat_values *out, char *err, size_t errlen)
{
	size_t cap = 4096, len = 0;
	uint8_t *buf = malloc(cap);
	int rc;

	if (!buf) {
		snprintf(err, errlen, "out of memory reading KVM stats");
		return -1;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			uint8_t *nb = cap < STATS_MAX_BYTES ? realloc(buf, cap * 2) : NULL;

			if (!nb) {
				free(buf);
				return bad(err, errlen, "larger than 1 MiB");
			}
			buf = nb;
			cap *= 2;
		}
		n = pread(fd, buf + len, cap - len, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "cannot read KVM stats (%s)", strerror(errno));
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	rc = kvm_stats_parse(buf, len, out, err, errlen);
	free(buf);
	return rc;
}

int kvm_stats_of_vm(int pid, struct kvm_stat_values *out, int *nvcpus, char *err, size_t errlen)
{
	char path[64], link[128];
	struct dirent *de;
	DIR *d;
	int pidfd, rc = 0;

	memset(out, 0, sizeof(*out));
	*nvcpus = 0;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		snprintf(err, errlen, "cannot open pid %d (%s): is the VM still running?", pid, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d) {
		snprintf(err, errlen, "cannot list %s (%s): run as root", path, strerror(errno));
		close(pidfd);
		return -1;
	}
	while (rc == 0 && (de = readdir(d))) {
		char fdpath[sizeof(path) + sizeof(de->d_name) + 2];
		int fd, sfd;
		ssize_t n;

		snprintf(fdpath, sizeof(fdpath), "%s/%s", path, de->d_name);
		n = readlink(fdpath, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (strncmp(link, "anon_inode:kvm-vcpu:", 20))
			continue;
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, atoi(de->d_name), 0);
		if (fd < 0) {
			snprintf(err, errlen, "cannot get vCPU fd %s of pid %d (%s): run as root (ptrace access)",
				 de->d_name, pid, strerror(errno));
			rc = -1;
			break;
		}
		sfd = ioctl(fd, KVM_GET_STATS_FD, NULL);
		close(fd);
		if (sfd < 0) {
			snprintf(err, errlen, "KVM_GET_STATS_FD failed (%s): KVM's binary statistics need Linux 5.14 or later",
				 strerror(errno));
			rc = -1;
			break;
		}
		rc = kvm_stats_read_fd(sfd, out, err, errlen);
		close(sfd);
		if (rc == 0)
			(*nvcpus)++;
	}
	closedir(d);
	close(pidfd);
	if (rc == 0 && *nvcpus == 0) {
		snprintf(err, errlen, "pid %d has no KVM vCPU fds (anon_inode:kvm-vcpu): is it a VMM with vCPUs?", pid);
		rc = -1;
	}
	return rc;
}
