/* See kvm_stats.h. */
#include "kvm_stats.h"

#include <dirent.h>
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>


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
	[KVM_STAT_HALT_POLL_SUCCESS_NS] = "halt_poll_success_ns",
	[KVM_STAT_HALT_POLL_FAIL_NS] = "halt_poll_fail_ns",
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

#define DEBUGFS "/sys/kernel/debug"

/* debugfs at /sys/kernel/debug, mounted if it is not (as exitprof does with tracefs). */
static int debugfs_ready(char *err, size_t errlen)
{
	if (access(DEBUGFS "/kvm", F_OK) == 0)
		return 0;
	if (mount("nodev", DEBUGFS, "debugfs", 0, NULL) == 0) {
		fprintf(stderr, "exitprof: debugfs was not mounted: mounted it at %s\n", DEBUGFS);
		if (access(DEBUGFS "/kvm", F_OK) == 0)
			return 0;
		snprintf(err, errlen, "no %s/kvm in debugfs: load KVM (modprobe kvm_intel or kvm_amd)", DEBUGFS);
		return -1;
	}
	snprintf(err, errlen, "debugfs is not mounted and mounting it at %s failed (%s): as root, mount -t debugfs nodev %s",
		 DEBUGFS, strerror(errno), DEBUGFS);
	return -1;
}

static int count_vcpus(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += !strncmp(de->d_name, "vcpu", 4);
	closedir(d);
	return n;
}

int kvm_stats_open_dir(struct kvm_stats_vm *vm, const char *dir, char *err, size_t errlen)
{
	if (vm->nvms == KVM_STATS_MAX_VMS) {
		snprintf(err, errlen, "more than %d VMs in one process: not supported", KVM_STATS_MAX_VMS);
		return -1;
	}
	if (access(dir, R_OK | X_OK) != 0) {
		snprintf(err, errlen, "cannot read %s (%s): run as root", dir, strerror(errno));
		return -1;
	}
	snprintf(vm->dir[vm->nvms++], sizeof(vm->dir[0]), "%s", dir);
	vm->nvcpus += count_vcpus(dir);
	return 0;
}

int kvm_stats_open(struct kvm_stats_vm *vm, int pid, char *err, size_t errlen)
{
	char path[64], link[128], dir[96];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	memset(vm, 0, sizeof(*vm));
	vm->pid = pid;
	if (debugfs_ready(err, errlen))
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d) {
		snprintf(err, errlen, "cannot list %s (%s): is pid %d running, are we root?", path, strerror(errno), pid);
		return -1;
	}
	while (rc == 0 && (de = readdir(d))) {
		char fdpath[sizeof(path) + sizeof(de->d_name) + 2];
		ssize_t n;

		snprintf(fdpath, sizeof(fdpath), "%s/%s", path, de->d_name);
		n = readlink(fdpath, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, "anon_inode:kvm-vm"))
			continue;
		snprintf(dir, sizeof(dir), DEBUGFS "/kvm/%d-%.16s", pid, de->d_name);
		rc = kvm_stats_open_dir(vm, dir, err, errlen);
	}
	closedir(d);
	if (rc == 0 && vm->nvms == 0) {
		snprintf(err, errlen, "pid %d holds no KVM VM (anon_inode:kvm-vm): give the VMM's pid", pid);
		rc = -1;
	}
	return rc;
}

/* One statistic file: a decimal u64. 1 read, 0 absent, -1 error (err set). */
static int read_stat_file(const char *path, uint64_t *v, char *err, size_t errlen)
{
	char buf[64], *end;
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f && errno == ENOENT)
		return 0;
	if (!f) {
		snprintf(err, errlen, "cannot read %s (%s): this kernel does not let debugfs show KVM's statistics",
			 path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read %s (%s): this kernel does not let debugfs show KVM's statistics",
			 path, strerror(errno));
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[n] = '\0';
	errno = 0;
	*v = strtoull(buf, &end, 10);
	if (end == buf || errno || (*end != '\n' && *end != '\0') || buf[0] == '-') {
		snprintf(err, errlen, "%s holds '%.20s', not a count: a kernel this reader does not understand", path, buf);
		return -1;
	}
	return 1;
}

int kvm_stats_read(const struct kvm_stats_vm *vm, struct kvm_stat_values *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < vm->nvms; i++)
		for (int s = 0; s < KVM_STAT__MAX; s++) {
			char path[160];
			uint64_t v;
			int r;

			snprintf(path, sizeof(path), "%s/%s", vm->dir[i], kvm_stat_names[s]);
			r = read_stat_file(path, &v, err, errlen);
			if (r < 0)
				return -1;
			if (r == 1) {
				out->v[s] += v;
				out->present[s] = true;
			}
		}
	return 0;
}

int kvm_stats_of_vm(int pid, struct kvm_stat_values *out, int *nvcpus, char *err, size_t errlen)
{
	struct kvm_stats_vm vm;
	int rc = kvm_stats_open(&vm, pid, err, errlen);

	*nvcpus = rc == 0 ? vm.nvcpus : 0;
	if (rc == 0)
		rc = kvm_stats_read(&vm, out, err, errlen);
	return rc;
}
