/* See compare_stats_run.h. Order of events (compare_stats.h):
 *   the VM's debugfs directories found, BPF attached to the VM, S0, K1, S1, window, S2, K2, S3,
 *   BPF detached, compare, print. */
#include "compare_stats_run.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "compare_stats.h"
#include "kvm_stats.h"
#include "preflight.h"
#include "reasons.h"
#include "session.h"
#include "signals.h"
#include "target.h"

#define cannot(...) (cli_error("exitprof", __VA_ARGS__), CLI_CANNOT)
#define VM_POLL_MS 100

/* Everything one run holds; released by run_close() on every path. */
struct stats_run {
	struct kvm_stats_vm kv;
	struct session s;
	bool s_open;
	int sfd;
};

static void run_close(struct stats_run *r)
{
	if (r->s_open)
		session_close(&r->s);
	r->s_open = false;
	if (r->sfd >= 0)
		close(r->sfd);
	r->sfd = -1;
}

static int snap(struct stats_run *r, int pid, unsigned isa, struct ks_snap *out)
{
	struct exit_table t;

	if (session_read(&r->s, &t))
		return cannot("cannot read the BPF maps (%s): is the BPF object still loaded?", strerror(errno));
	ks_snap_from_table(out, &t, (uint32_t)pid, isa);
	exit_table_free(&t);
	return 0;
}

/* Waits up to seconds, or until the VM exits or a signal comes. */
static const char *wait_window(struct stats_run *r, int pid, double seconds)
{
	double end = clock_now_s() + seconds;

	for (;;) {
		double left = end - clock_now_s();
		struct pollfd pfd = { r->sfd, POLLIN, 0 };

		if (left <= 0)
			return "the duration";
		if (!target_alive(pid))
			return "the VM's exit";
		if (poll(&pfd, 1, left * 1000.0 < VM_POLL_MS ? (int)(left * 1000.0) + 1 : VM_POLL_MS) > 0) {
			struct signalfd_siginfo si;

			if (read(r->sfd, &si, sizeof(si)) > 0)
				return "a signal";
		}
	}
}

void running_kernel(int *major, int *minor, char *release, size_t len)
{
	struct utsname u;

	*major = *minor = 0;
	if (uname(&u) == 0 && sscanf(u.release, "%d.%d", major, minor) == 2) {
		snprintf(release, len, "%s", u.release);
		return;
	}
	*major = *minor = 0;
	snprintf(release, len, "unknown");
}

int compare_stats_main(int pid, double duration_s, bool verbose)
{
	struct stats_run r = { .sfd = -1 };
	struct tp_avail tp = { 0 };
	struct kvm_stat_values k[2];
	struct ks_snap s[4];
	struct ks_result res;
	char err[512], comm[64], release[65];
	const char *ended;
	unsigned isa;
	int rc = CLI_CANNOT, major = 0, minor = 0;
	double t1, t2;

	if (preflight_run(&(struct preflight_req){ .vm_pid = pid }, &tp))
		return CLI_CANNOT;
	r.sfd = signals_fd(false);
	if (r.sfd < 0)
		return cannot("cannot set up signal handling (%s): out of file descriptors?", strerror(errno));
	if (kvm_stats_open(&r.kv, pid, err, sizeof(err))) {
		run_close(&r);
		return cannot("%s", err);
	}
	struct session_cfg cfg = { .tgid = (uint32_t)pid, .vcpu = EXITPROF_VCPU_ANY, .tp = tp, .verbose = verbose };
	if (session_open(&r.s, &cfg, err, sizeof(err))) {
		run_close(&r);
		return cannot("%s", err);
	}
	r.s_open = true;
	isa = preflight_host_isa(); /* 0: the VM's own exits tell */
	if ((rc = snap(&r, pid, isa, &s[0])))
		goto out;
	if (kvm_stats_read(&r.kv, &k[0], err, sizeof(err))) {
		rc = cannot("%s", err);
		goto out;
	}
	if ((rc = snap(&r, pid, isa, &s[1])))
		goto out;
	t1 = clock_now_s();
	/* For scripts (the lab): exits from now on are inside the window. */
	fprintf(stderr, "exitprof: compare --kvm-stats: window open for %.3f s on VM pid %d (%d vCPUs)\n", duration_s,
		pid, r.kv.nvcpus);
	ended = wait_window(&r, pid, duration_s);
	/* KVM's statistics of a VM go with it: K2 needs the VM alive. (vCPUs created in the window
	 * are in K2 only, which is right: all their exits are the window's.) */
	if (!target_alive(pid)) {
		rc = cannot("VM pid %d exited before the window closed, and KVM's statistics went with it: end the window while it runs (a shorter --duration, or Ctrl-C)",
			    pid);
		goto out;
	}
	if ((rc = snap(&r, pid, isa, &s[2])))
		goto out;
	t2 = clock_now_s();
	if (kvm_stats_read(&r.kv, &k[1], err, sizeof(err))) {
		rc = cannot("%s", err);
		goto out;
	}
	if ((rc = snap(&r, pid, isa, &s[3])))
		goto out;
	session_close(&r.s);
	r.s_open = false;
	if (!isa)
		isa = s[3].isa;
	running_kernel(&major, &minor, release, sizeof(release));

	struct ks_input in = {
		.isa = isa, .kernel_major = major, .kernel_minor = minor,
		.k = { &k[0], &k[1] }, .snap = { &s[0], &s[1], &s[2], &s[3] },
	};
	rc = ks_compute(&in, &res);
	target_comm(pid, comm, sizeof(comm));
	printf("compare-kvm-stats: VM pid %d (%s), %d vCPUs, window %.3f s (ended by %s); kernel %s\n", pid, comm,
	       r.kv.nvcpus, t2 - t1, ended, release);
	printf("compare-kvm-stats: KVM's statistics (debugfs %s, K2-K1) against BPF's counts of the VM, bracketed by 4 BPF snapshots (BPF_LO..BPF_HI)\n",
	       r.kv.dir[0]);
	ks_print(stdout, &in, &res);
	printf("compare-kvm-stats: %s\n", rc == 0 ? "AGREE" : "DIFFER");
out:
	run_close(&r);
	return cli_flush_stdout("exitprof", "the comparison", rc, CLI_CANNOT);
}
