/* The BPF object loads into this kernel and attaches to the real kvm tracepoints, in every
 * configuration exitprof uses (all VMs, one VM, one vCPU, timeline on), and its maps read back
 * empty-but-valid. Needs root, KVM and BTF: exits 77 (skip) without them; tracefs is mounted
 * when missing, as exitprof does.
 * This host never fires kvm_exit (PVM), so this proves load + attach, not counting. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "preflight.h"
#include "session.h"


static int cells;
static int count_cell(const struct tl_key *k, const struct tl_val *v, void *ctx)
{
	(void)k; (void)v; (void)ctx;
	cells++;
	return 0;
}

static void one(const char *what, struct session_cfg cfg)
{
	struct session s;
	struct exit_table t;
	char err[512];

	if (session_open(&s, &cfg, err, sizeof(err))) {
		CHECK(0, "%s: %s", what, err);
		return;
	}
	CHECK(s.attached, "%s: attached", what);
	CHECK(s.max_keys >= 256, "%s: exits map has %u keys", what, s.max_keys);
	CHECK(session_read(&s, &t) == 0, "%s: maps readable", what);
	for (int i = 0; i < EXITPROF_STAT__MAX; i++)
		CHECK(t.stats[i] == 0, "%s: stat %d is %llu on a host where kvm_exit never fires", what, i,
		      (unsigned long long)t.stats[i]);
	exit_table_free(&t);
	cells = 0;
	CHECK(session_timeline_cells(&s, count_cell, NULL) == 0 && cells == 0,
	      "%s: timeline readable", what);
	session_close(&s);
	CHECK(s.obj == NULL && !s.attached, "%s: closed", what);
	session_close(&s); /* twice is harmless */
	printf("ok: %s\n", what);
}

int main(void)
{
	char err[512];
	struct tp_avail tp;

	if (geteuid() != 0) {
		fprintf(stderr, "SKIP: needs root\n");
		return TEST_SKIP;
	}
	/* As root, tracefs is exitprof's to provide (it mounts it when missing): a failure here is a
	 * failure, not a missing prerequisite. KVM not loaded or no BTF are the host's. */
	char dir[128];
	if (preflight_tracefs_dir(dir, sizeof(dir), err, sizeof(err))) {
		CHECK(0, "tracefs: %s", err);
		return test_result("test_bpf_load");
	}
	if (preflight_tracepoints(&tp, err, sizeof(err)) || preflight_btf(err, sizeof(err))) {
		fprintf(stderr, "SKIP: %s\n", err);
		return TEST_SKIP;
	}
	CHECK(tp.userspace_exit && tp.vcpu_wakeup, "kvm_userspace_exit and kvm_vcpu_wakeup exist on this kernel");

	one("all VMs", (struct session_cfg){ .vcpu = EXITPROF_VCPU_ANY, .tp = tp });
	one("one VM", (struct session_cfg){ .tgid = (uint32_t)getpid(), .vcpu = EXITPROF_VCPU_ANY, .tp = tp });
	one("one vCPU", (struct session_cfg){ .tgid = (uint32_t)getpid(), .vcpu = 0, .tp = tp });
	one("timeline", (struct session_cfg){ .vcpu = EXITPROF_VCPU_ANY, .tp = tp, .timeline = true,
					       .bin_ns = 1000000, .timeline_keys = 1024 });
	one("no optional tracepoints", (struct session_cfg){ .vcpu = EXITPROF_VCPU_ANY });
	return test_result("test_bpf_load");
}
