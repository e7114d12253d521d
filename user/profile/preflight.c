/* See preflight.h. */
#include <errno.h>
#include <libgen.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "preflight.h"
#include "cli.h"
#include "exit_isa.h"
#include "exitprof.h"
#include "number.h"
#include "target.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static int has_cap(const struct __user_cap_data_struct d[2], int cap)
{
	return (d[cap / 32].effective >> (cap % 32)) & 1;
}

int preflight_privileges(char *err, size_t errlen)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { 0 };

	if (geteuid() == 0)
		return 0;
	/* glibc has no capget wrapper; libcap is not worth a dependency for one call. */
	if (syscall(SYS_capget, &h, d) == 0 &&
	    ((has_cap(d, CAP_BPF) && has_cap(d, CAP_PERFMON)) || has_cap(d, CAP_SYS_ADMIN)))
		return 0;
	snprintf(err, errlen, "not root and no CAP_BPF+CAP_PERFMON: loading BPF needs privileges, run it with sudo");
	return -1;
}

#define TRACEFS_DEBUGFS "/sys/kernel/debug/tracing"
#define TRACEFS_MOUNTPOINT "/sys/kernel/tracing"

static int has_events(const char *dir)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/events", dir);
	return access(path, F_OK) == 0;
}

int preflight_tracefs_dir(char *dir, size_t len, char *err, size_t errlen)
{
	/* Same rule as libbpf 1.x (tracefs_path()), so we check what it will open: the debugfs path
	 * whenever it exists (debugfs mounted: tracefs is automounted there), else the tracefs one. */
	if (access(TRACEFS_DEBUGFS, F_OK) == 0) {
		snprintf(dir, len, "%s", TRACEFS_DEBUGFS);
		if (has_events(dir))
			return 0;
		snprintf(err, errlen, "%s has no events/ (debugfs mounted, tracefs not): mount -t tracefs nodev %s", dir,
			 dir);
		return -1;
	}
	snprintf(dir, len, "%s", TRACEFS_MOUNTPOINT);
	if (has_events(dir))
		return 0;
	/* A fresh host often has tracefs unmounted; perf mounts it in that case, and so do we. */
	if (mount("nodev", TRACEFS_MOUNTPOINT, "tracefs", 0, NULL) == 0 && has_events(dir)) {
		fprintf(stderr, "exitprof: tracefs was not mounted: mounted it at %s\n", TRACEFS_MOUNTPOINT);
		return 0;
	}
	snprintf(err, errlen, "tracefs is not mounted and mounting it at %s failed (%s): as root, mount -t tracefs nodev %s",
		 TRACEFS_MOUNTPOINT, strerror(errno), TRACEFS_MOUNTPOINT);
	return -1;
}

static int system_event_exists(const char *dir, const char *system, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/events/%s/%s/id", dir, system, name);
	return access(path, R_OK) == 0;
}

static int event_exists(const char *dir, const char *name)
{
	return system_event_exists(dir, "kvm", name);
}

int preflight_tp_request(const char *value, enum tp_request *out, char *err, size_t errlen)
{
	if (!value || !*value)
		*out = TP_REQUEST_AUTO;
	else if (!strcmp(value, "btf"))
		*out = TP_REQUEST_BTF;
	else if (!strcmp(value, "classic"))
		*out = TP_REQUEST_CLASSIC;
	else {
		snprintf(err, errlen, "%s=%s is not a kind of tracepoint: use btf or classic, or unset it (automatic)",
			 TP_REQUEST_ENV, value);
		return -1;
	}
	return 0;
}

int preflight_thread_slots(const char *value, unsigned *out, char *err, size_t errlen)
{
	int64_t n;

	if (!value || !*value) {
		*out = EXITPROF_THREAD_SLOTS;
		return 0;
	}
	if (number_parse_uint(value, THREAD_SLOTS_MAX, &n) || n == 0 || (n & (n - 1))) {
		snprintf(err, errlen, "%s=%s is not a power of two from 1 to %u: fix it, or unset it (%u)", THREAD_SLOTS_ENV,
			 value, THREAD_SLOTS_MAX, EXITPROF_THREAD_SLOTS);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

int preflight_tracepoints(struct tp_avail *avail, char *err, size_t errlen)
{
	char dir[128];

	if (preflight_tp_request(getenv(TP_REQUEST_ENV), &avail->request, err, errlen))
		return -1;
	if (preflight_thread_slots(getenv(THREAD_SLOTS_ENV), &avail->thread_slots, err, errlen))
		return -1;
	if (preflight_tracefs_dir(dir, sizeof(dir), err, errlen))
		return -1;
	if (!event_exists(dir, "kvm_exit") || !event_exists(dir, "kvm_entry")) {
		snprintf(err, errlen,
			 "no kvm:kvm_exit/kvm:kvm_entry tracepoints in %s/events/kvm: load KVM (modprobe kvm_intel or kvm_amd)", dir);
		return -1;
	}
	avail->userspace_exit = event_exists(dir, "kvm_userspace_exit");
	avail->vcpu_wakeup = event_exists(dir, "kvm_vcpu_wakeup");
	avail->split_events = system_event_exists(dir, "raw_syscalls", "sys_enter") &&
			      system_event_exists(dir, "raw_syscalls", "sys_exit") &&
			      system_event_exists(dir, "sched", "sched_switch") &&
			      system_event_exists(dir, "sched", "sched_wakeup");
	return 0;
}

int preflight_btf(char *err, size_t errlen)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK) == 0)
		return 0;
	snprintf(err, errlen,
		 "kernel BTF missing (/sys/kernel/btf/vmlinux): exitprof needs a kernel built with CONFIG_DEBUG_INFO_BTF=y");
	return -1;
}

int preflight_output(const char *opt, const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *copy, *dir;
	int ok;

	if (!path || !strcmp(path, "-"))
		return 0;
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s %s is a directory: give a file name", opt, path);
			return -1;
		}
		if (access(path, W_OK) != 0) {
			snprintf(err, errlen, "%s %s is not writable (%s): choose another path", opt, path, strerror(errno));
			return -1;
		}
		return 0;
	}
	copy = strdup(path);
	if (!copy) {
		snprintf(err, errlen, "%s %s cannot be checked (out of memory): free some memory", opt, path);
		return -1;
	}
	dir = dirname(copy);
	ok = access(dir, W_OK | X_OK) == 0;
	if (!ok)
		snprintf(err, errlen, "%s %s cannot be created (%s: %s): choose a writable directory", opt, path, dir,
			 strerror(errno));
	free(copy);
	return ok ? 0 : -1;
}

int preflight_run(const struct preflight_req *req, struct tp_avail *tp)
{
	char err[512];
	int failed = 0;

	for (size_t i = 0; i < PREFLIGHT_OUTPUTS && req->outputs[i].opt && !failed; i++)
		failed = preflight_output(req->outputs[i].opt, req->outputs[i].path, err, sizeof(err));
	if (!failed)
		failed = (req->vm_pid && target_check(req->vm_pid, err, sizeof(err))) ||
			 preflight_privileges(err, sizeof(err)) || preflight_tracepoints(tp, err, sizeof(err)) ||
			 preflight_btf(err, sizeof(err));
	if (failed)
		cli_error("exitprof", "%s", err);
	return failed ? -1 : 0;
}

unsigned preflight_host_isa(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	unsigned isa = 0;

	if (!f)
		return 0;
	while (!isa && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5) != 0)
			continue;
		if (strstr(line, " svm"))
			isa = EXIT_ISA_SVM;
		else if (strstr(line, " vmx"))
			isa = EXIT_ISA_VMX;
		break;
	}
	fclose(f);
	return isa;
}
