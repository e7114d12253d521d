/* `exitprof compare`: see compare_run.h, compare_cpuid.h and docs/compare-cpuid.md.
 *
 * Order of events (the window accounting in compare_cpuid.c relies on it):
 *   query VM created, leaves probed (exit 2 if absent), BPF attached to every VM,
 *   S0, read 1, S1, wait --duration, S2, read 2, S3, BPF detached, compare, print.
 * The test hook COMPARE_LATE_ATTACH_ENV (compare_run.h) attaches BPF after read 1 (+100 ms).
 */
#include "compare_run.h"

#include "args.h"
#include "cli.h"
#include "clock.h"
#include "compare_cpuid.h"
#include "compare_stats_run.h"
#include "compare_three.h"
#include "cpuid_query.h"
#include "kvm_stats.h"
#include "number.h"
#include "preflight.h"
#include "reasons.h"
#include "session.h"
#include "signals.h"
#include "target.h"
#include "tsc.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define EXIT_PARAM LEAF_MODE_PARAM
#define DEFAULT_DURATION_S 1.0
#define LATE_ATTACH_DELAY_MS 100

/* Tolerance of patch cycles (at the TSC rate) against BPF's exit->entry ns (docs/compare-cpuid.md):
 * relative, for the TSC rate's uncertainty; per exit, the run time of one kvm_exit plus one
 * kvm_entry BPF program, measured by the kernel during this very comparison (BPF_ENABLE_STATS),
 * because BPF reads its clock inside those programs and the patch reads the TSC after them. */
#define TOL_REL 0.02
/* An exit whose program allocates (first exit of a BPF key; first of a vCPU thread: task storage)
 * runs far longer than the average: allowed up to this many average runs. */
#define TOL_NEW_KEY_RUNS 10

/* Everything one run holds; released by run_close() on every path. */
struct run {
	struct cpuid_query q;
	bool q_open;
	struct session s;
	bool s_open;
	int sfd;
	struct kvm_stats_vm kv; /* --three-way: the VM's KVM statistics */
};

/* The one error line, and the status of "no comparison possible". */
#define cannot(...) (cli_error("exitprof", __VA_ARGS__), CLI_CANNOT)

/* ---- options ---- */

static const char compare_doc[] =
	"exitprof compare -- the patched kernel's exit counters against BPF's counts\n\n"
	"Compares the patched KVM's own counters (its CPUID leaves, read by a tiny VM of our own) "
	"with BPF's counts over --duration (default 1 s), per exit reason: counts must be equal, "
	"times within a tolerance. Every VM is compared (--all, the default), or with --vm PID also "
	"that VM's exits are shown. `exitprof --compare-cpuid` is the same command. Needs root, "
	"/dev/kvm and kernel-patch/; docs/compare-cpuid.md.\n"
	"With --kvm-stats --vm PID, KVM's own per-vCPU statistics of that VM (exits, io_exits, "
	"halt_exits, ...; read from debugfs as kvm_stat does) are compared with BPF's counts instead: no "
	"kernel-patch/ needed; the VM must still run when the window ends.\n"
	"With --three-way --vm PID, all three counters of that VM side by side over one window, in "
	"KVM's buckets: the leaves' global counts less the query VM's own exits, BPF's counts, KVM's "
	"statistics (needs kvm.exit_stats=1, and no other VM exiting in the window for the patch's "
	"column); docs/kvm-stats.md.\n"
	"Exit status: 0 the counts agree, 1 they differ, 2 no comparison possible (also a bad "
	"command line).\n\n"
	"Examples:\n"
	"  exitprof compare --duration 5\n"
	"  exitprof compare --vm $(pgrep -f qemu-system | head -1)\n"
	"  exitprof compare --kvm-stats --vm $(pgrep -f qemu-system | head -1) --duration 10\n"
	"  exitprof compare --three-way --vm $(pgrep -f qemu-system | head -1) --duration 10\n";

static const struct argp_option compare_options[] = {
	{ "duration", 'd', "SECONDS", 0, "Length of the window (default 1)", 0 },
	{ "vm", 'p', "PID", 0, "Also count the exits of the VM whose VMM process is PID", 0 },
	{ "all", 'a', NULL, 0, "Every VM (the default: the leaves' global counts cover them all)", 0 },
	{ "verbose", 'v', NULL, 0, "Every reason's row, and libbpf's messages", 0 },
	{ "kvm-stats", 'k', NULL, 0, "Compare KVM's own statistics of the VM (--vm PID) with BPF instead", 0 },
	{ "three-way", 't', NULL, 0, "The patch's counters, BPF's and KVM's statistics of the VM (--vm PID) side by side", 0 },
	{ 0 },
};

static error_t compare_parse(int key, char *arg, struct argp_state *state)
{
	struct compare_args *a = state->input;

	switch (key) {
	case 'd':
		if (number_parse_positive(arg, ARGS_SECONDS_MAX, &a->duration_s))
			return cli_usage_error(state, ARGS_BAD_DURATION, arg);
		break;
	case 'p':
		if (args_parse_pid(arg, &a->vm_pid))
			return cli_usage_error(state, ARGS_BAD_VM, arg);
		break;
	case 'a':
		a->all = true;
		break;
	case 'v':
		a->verbose = true;
		break;
	case 'k':
		a->kvm_stats = true;
		break;
	case 't':
		a->three_way = true;
		break;
	case ARGP_KEY_ARG:
		return cli_usage_error(state, "unexpected argument '%s': options only, see exitprof compare --help", arg);
	case ARGP_KEY_END:
		if (a->vm_pid && a->all)
			return cli_usage_error(state, "--vm and --all both given: choose one");
		if (a->kvm_stats && !a->vm_pid)
			return cli_usage_error(state, "--kvm-stats compares one VM: give --vm PID");
		if (a->three_way && !a->vm_pid)
			return cli_usage_error(state, "--three-way compares one VM: give --vm PID");
		if (a->three_way && a->kvm_stats)
			return cli_usage_error(state, "--three-way already shows KVM's statistics: drop --kvm-stats");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static void run_close(struct run *r)
{
	if (r->s_open)
		session_close(&r->s);
	r->s_open = false;
	if (r->q_open)
		cpuid_query_close(&r->q);
	r->q_open = false;
	if (r->sfd >= 0)
		close(r->sfd);
	r->sfd = -1;
}

/* The isa of the query VM's own exits as BPF saw them (after one query run), 0 if none. */
static unsigned isa_from_bpf(struct run *r)
{
	struct exit_table t;
	unsigned isa = 0;

	if (session_read(&r->s, &t))
		return 0;
	for (size_t i = 0; i < t.n && !isa; i++)
		if (t.rows[i].key.tgid == (uint32_t)getpid())
			isa = t.rows[i].key.isa;
	exit_table_free(&t);
	return isa == EXIT_ISA_SVM || isa == EXIT_ISA_VMX ? isa : 0;
}

/* One BPF snapshot, folded for the leaves' comparison (out) and, if ks, for KVM's buckets of
 * the VM vm_pid. */
static int snap(struct run *r, unsigned isa, int vm_pid, struct cmp_snap *out, struct ks_snap *ks)
{
	struct exit_table t;

	if (session_read(&r->s, &t)) {
		fprintf(stderr, "exitprof: cannot read the BPF maps (%s)\n", strerror(errno));
		return -1;
	}
	cmp_snap_from_table(out, &t, isa, (uint32_t)getpid(), (uint32_t)vm_pid);
	if (ks)
		ks_snap_from_table(ks, &t, (uint32_t)vm_pid, isa);
	exit_table_free(&t);
	return 0;
}

/* --three-way: KVM's statistics of the VM now (K1 or K2), which need the VM alive. */
static int kvm_read(struct run *r, int vm_pid, struct kvm_stat_values *k)
{
	char err[512];

	if (!target_alive(vm_pid))
		return cannot("VM pid %d exited before the window closed, and KVM's statistics went with it: end the window while it runs (a shorter --duration, or Ctrl-C)",
			      vm_pid);
	if (kvm_stats_read(&r->kv, k, err, sizeof(err)))
		return cannot("%s", err);
	return 0;
}

/* One whole-table read in one run of the query VM, CPUID reason second (cmp_requests). */
static int query_read(struct run *r, unsigned isa, struct leaf_report *rep, size_t *cpuid_pos)
{
	static struct leaf_request req[LEAF_REQUESTS_MAX];
	static struct leaf_regs batch[LEAF_REQUESTS_MAX], ans[LEAF_REQUESTS_MAX];
	size_t n = cmp_requests(isa, req, cpuid_pos);

	if (cpuid_query_batch(&r->q, req, batch, n))
		return cannot("the query VM failed while reading the leaves (%s)", r->q.err);
	cmp_answers_in_table_order(isa, batch, n, ans);
	if (leaf_report_decode(isa, ans, n, rep) != LEAVES_PRESENT)
		return cannot("%s", "the exitprof CPUID leaves stopped answering (was kvm.exit_stats set to 0 meanwhile?): nothing to compare");
	return 0;
}

/* Waits up to seconds; SIGINT/SIGTERM end the window early (the comparison still runs). */
static void wait_window(struct run *r, double seconds)
{
	double end = clock_now_s() + seconds;

	for (;;) {
		double left = end - clock_now_s();
		struct pollfd pfd = { r->sfd, POLLIN, 0 };

		if (left <= 0)
			return;
		if (poll(&pfd, 1, (int)(left * 1000.0) + 1) > 0) {
			struct signalfd_siginfo si;

			if (read(r->sfd, &si, sizeof(si)) > 0) {
				fprintf(stderr, "exitprof: signal: ending the window early\n");
				return;
			}
		}
	}
}

static int open_session(struct run *r, const struct compare_args *a, const struct tp_avail *tp)
{
	char err[512];
	struct session_cfg cfg = {
		.tgid = 0, /* every VM: global counts need them, and the query VM is one of them */
		.vcpu = EXITPROF_VCPU_ANY,
		.tp = *tp,
		.verbose = a->verbose,
		.bpf_stats = true, /* the programs' run time is the per-exit time tolerance */
	};

	if (session_open(&r->s, &cfg, err, sizeof(err)))
		return cannot("%s", err);
	r->s_open = true;
	return 0;
}

/* Average run time of the kvm_exit and kvm_entry programs (ns) while the session ran. */
static int prog_cost(const struct run *r, double *exit_ns, double *entry_ns)
{
	struct prog_cost c[8];
	int n = session_prog_costs(&r->s, c, 8);

	*exit_ns = *entry_ns = -1;
	for (int i = 0; i < n; i++) {
		double avg = c[i].run_cnt ? (double)c[i].run_time_ns / (double)c[i].run_cnt : 0;

		if (!strcmp(c[i].event, "kvm_exit"))
			*exit_ns = avg;
		else if (!strcmp(c[i].event, "kvm_entry"))
			*entry_ns = avg;
	}
	return *exit_ns >= 0 && *entry_ns >= 0 ? 0 : -1;
}

static void print_header(const struct compare_args *a, unsigned isa, int param, enum cmp_mode mode,
			 bool inferred, const struct tsc_freq *tsc, double window_s, size_t n,
			 double exit_ns, double entry_ns)
{
	printf("compare-cpuid: %s; kvm.exit_stats=%s%s\n", exit_isa_name(isa),
	       param >= 0 ? (param == 1 ? "1" : "2") : "unreadable",
	       mode == CMP_MODE_GLOBAL ? " (global): the leaves count every VM; compared with BPF on every VM"
				       : " (per-VM): the leaves count only the reading VM; compared with the query VM's own exits");
	if (inferred)
		printf("compare-cpuid: mode inferred from the counts (%s was unreadable)\n", EXIT_PARAM);
	if (mode == CMP_MODE_PER_VM)
		printf("compare-cpuid: per-VM mode hides other VMs from the leaves; for a host-wide comparison: echo 1 > %s\n",
		       EXIT_PARAM);
	printf("compare-cpuid: window %.3f s between two reads of %zu leaves each by the query VM (pid %d; its own exits are in column OWN)\n",
	       window_s, n, (int)getpid());
	printf("compare-cpuid: TSC %.3f MHz from %s (%s); own calibration against CLOCK_MONOTONIC_RAW: %.3f MHz (%+.3f%%)\n",
	       tsc->khz / 1e3, tsc_source_str(tsc->source), tsc->detail, tsc->calibrated_khz / 1e3,
	       tsc->khz > 0 ? (tsc->calibrated_khz - tsc->khz) / tsc->khz * 100 : 0.0);
	printf("compare-cpuid: counts must be equal (BPF a..b: exits during a read, either side of it); times within %.0f%% + %.1f us per exit (the measured run time of one kvm_exit + one kvm_entry BPF program: %.1f + %.1f us) + %d times that per BPF key created in the window\n",
	       TOL_REL * 100, (exit_ns + entry_ns) / 1e3, exit_ns / 1e3, entry_ns / 1e3, TOL_NEW_KEY_RUNS);
	if (a->late_attach)
		printf("compare-cpuid: TEST HOOK " COMPARE_LATE_ATTACH_ENV "=1: BPF attached after read 1, so the counts must differ\n");
}

static void print_three_header(int vm_pid, const struct kvm_stats_vm *kv, const char *release,
			       const struct cmp_snap *s3)
{
	char comm[64];

	target_comm(vm_pid, comm, sizeof(comm));
	printf("compare-three: VM pid %d (%s), %d vCPUs; kernel %s\n", vm_pid, comm, kv->nvcpus, release);
	printf("compare-three: PATCH = the leaves' count less the query VM's own exits; BPF = exitprof's count of the VM (BPF_LO..BPF_HI of 4 snapshots); KVM = KVM's statistics (debugfs %s)\n",
	       kv->dir[0]);
	if (s3->drops)
		printf("compare-three: BPF dropped %llu exits (map full): counts cannot agree\n",
		       (unsigned long long)s3->drops);
}

static void print_verdict(const struct cmp_result *res, int rc)
{
	if (rc == 0)
		printf("compare-cpuid: AGREE: %u rows (the total and every reason the leaves answer) equal, %u of them exactly; times within tolerance\n",
		       res->compared, res->exact);
	else
		printf("compare-cpuid: DIFFER: %u of %u rows with different counts, %u with times out of tolerance\n",
		       res->count_bad, res->compared, res->time_bad);
}

int compare_parse_args(int argc, char **argv, struct compare_args *a, unsigned flags)
{
	static const struct argp argp = { compare_options, compare_parse, NULL, compare_doc, 0, 0, 0 };

	*a = (struct compare_args){ 0 };
	return subcommand_parse(&argp, "exitprof compare", argc, argv, a, flags);
}

int compare_main(int argc, char **argv)
{
	struct compare_args args;
	const struct compare_args *a = &args;
	const char *hook = getenv(COMPARE_LATE_ATTACH_ENV);
	static struct leaf_report read[2];
	static struct cmp_snap s[4];
	static struct cmp_result res, alt;
	static struct ks_snap ks[4];
	static struct kvm_stat_values k[2];
	static struct three_result three;
	struct run r = { .sfd = -1 };
	struct tp_avail tp = { 0 };
	struct tsc_freq tsc;
	int param, rc = CLI_CANNOT;
	unsigned isa;
	enum cmp_mode mode;
	bool inferred = false, ambiguous = false;
	double t1, t2, exit_ns, entry_ns;
	size_t cpuid_pos = 0;
	/* --three-way: also folded for KVM's buckets, and KVM's statistics read at K1 and K2. */
	struct ks_snap *k0 = NULL, *k1 = NULL, *k2 = NULL, *k3 = NULL;

	if (compare_parse_args(argc, argv, &args, 0))
		return CLI_USAGE;
	args.late_attach = hook && !strcmp(hook, "1");
	if (args.kvm_stats)
		return compare_stats_main(args.vm_pid, args.duration_s > 0 ? args.duration_s : DEFAULT_DURATION_S,
					  args.verbose);
	r.sfd = signals_fd(false);

	/* The kernel first: without the leaves nothing else matters (and no privileges needed). */
	if (cpuid_query_open(&r.q))
		return cannot("cannot create the query VM (%s): needs /dev/kvm (KVM loaded, access to it)", r.q.err);
	r.q_open = true;
	param = leaf_mode_param();
	switch (cpuid_query_probe(&r.q, NULL)) {
	case LEAVES_PRESENT:
		break;
	case LEAVES_ABSENT:
		run_close(&r);
		if (param == 0)
			return cannot("%s", "the exitprof CPUID leaves are switched off (kvm.exit_stats=0): nothing to compare; turn them on: echo 1 > " EXIT_PARAM);
		if (a->three_way) /* two of the three counters are still there */
			return cannot("%s", "the exitprof CPUID leaves are not implemented by this kernel (KVM without kernel-patch/): no PATCH column; BPF against KVM's statistics alone: exitprof compare --kvm-stats --vm PID");
		return cannot("%s", "the exitprof CPUID leaves are not implemented by this kernel (KVM without kernel-patch/): nothing to compare");
	case LEAVES_ERROR:
		rc = cannot("the query VM failed (%s)", r.q.err);
		run_close(&r);
		return rc;
	}
	if (preflight_run(&(struct preflight_req){ .vm_pid = a->vm_pid }, &tp)) {
		run_close(&r);
		return CLI_CANNOT;
	}
	if (r.sfd < 0) {
		run_close(&r);
		return cannot("cannot set up signal handling (%s)", strerror(errno));
	}
	if (a->three_way) {
		char err[512];

		if (param != 1) {
			run_close(&r);
			return cannot("--three-way needs the leaves' global counts, kvm.exit_stats=1 (it is %d: per-VM leaves count only the reading VM, not VM pid %d): echo 1 > " EXIT_PARAM,
				      param, a->vm_pid);
		}
		if (kvm_stats_open(&r.kv, a->vm_pid, err, sizeof(err))) {
			run_close(&r);
			return cannot("%s", err);
		}
		k0 = &ks[0], k1 = &ks[1], k2 = &ks[2], k3 = &ks[3];
	}
	if (tsc_freq(&tsc)) {
		run_close(&r);
		return cannot("%s", "cannot tell the TSC frequency (no kernel value, calibration failed): cycles cannot be turned into time");
	}
	isa = preflight_host_isa();
	if (!a->late_attach || !isa) {
		if ((rc = open_session(&r, a, &tp)))
			goto out;
	}
	if (!isa) {
		struct leaf_regs regs;

		/* One run of the query VM, and the isa its exits carry. */
		if (cpuid_query_one(&r.q, 0, 0, &regs) || !(isa = isa_from_bpf(&r))) {
			rc = cannot("%s", "cannot tell VMX from SVM (no svm/vmx flag in /proc/cpuinfo, no kvm_exit seen)");
			goto out;
		}
		if (a->late_attach) { /* the hook wants BPF attached after read 1 */
			session_close(&r.s);
			r.s_open = false;
		}
	}
	rc = CLI_CANNOT;
	if (r.s_open && snap(&r, isa, a->vm_pid, &s[0], k0))
		goto out;
	if ((rc = query_read(&r, isa, &read[0], &cpuid_pos)))
		goto out;
	if (a->three_way && (rc = kvm_read(&r, a->vm_pid, &k[0])))
		goto out;
	t1 = clock_now_s();
	if (a->late_attach && !r.s_open) {
		nanosleep(&(struct timespec){ 0, LATE_ATTACH_DELAY_MS * 1000000L }, NULL);
		if ((rc = open_session(&r, a, &tp)))
			goto out;
		if (snap(&r, isa, a->vm_pid, &s[0], k0)) {
			rc = CLI_CANNOT;
			goto out;
		}
		s[1] = s[0];
		ks[1] = ks[0];
	} else if (snap(&r, isa, a->vm_pid, &s[1], k1)) {
		rc = CLI_CANNOT;
		goto out;
	}
	/* For scripts (the lab): exits from now on are inside the window. */
	fprintf(stderr, "exitprof: compare-cpuid: window open for %.3f s\n",
		a->duration_s > 0 ? a->duration_s : DEFAULT_DURATION_S);
	wait_window(&r, a->duration_s > 0 ? a->duration_s : DEFAULT_DURATION_S);
	rc = CLI_CANNOT;
	if (snap(&r, isa, a->vm_pid, &s[2], k2))
		goto out;
	t2 = clock_now_s();
	if (a->three_way && (rc = kvm_read(&r, a->vm_pid, &k[1])))
		goto out;
	if ((rc = query_read(&r, isa, &read[1], &cpuid_pos)))
		goto out;
	rc = CLI_CANNOT;
	if (snap(&r, isa, a->vm_pid, &s[3], k3))
		goto out;
	if (prog_cost(&r, &exit_ns, &entry_ns)) {
		rc = cannot("%s", "no run-time statistics of the BPF programs (BPF_ENABLE_STATS): cannot bound the times");
		goto out;
	}
	session_close(&r.s);
	r.s_open = false;

	/* Compare in the mode the parameter names; if unreadable, in both and infer it. */
	mode = param == 1 ? CMP_MODE_GLOBAL : param == 2 ? CMP_MODE_PER_VM : CMP_MODE_UNKNOWN;
	{
		struct cmp_input in = {
			.isa = isa, .mode = mode, .read = { &read[0], &read[1] },
			.snap = { &s[0], &s[1], &s[2], &s[3] }, .tsc_khz = tsc.khz,
			.tol = { TOL_REL, exit_ns + entry_ns, TOL_NEW_KEY_RUNS * (exit_ns + entry_ns) },
		};

		in.cpuid_pos = cpuid_pos; /* the batch order query_read() used */

		if (a->three_way) {
			struct three_input in3 = { .cmp = in, .ks = { .isa = isa, .k = { &k[0], &k[1] },
								     .snap = { k0, k1, k2, k3 } } };
			char release[65];

			running_kernel(&in3.ks.kernel_major, &in3.ks.kernel_minor, release, sizeof(release));
			rc = three_compute(&in3, &three);
			print_header(a, isa, param, mode, inferred, &tsc, t2 - t1, read[0].cpuid_calls, exit_ns,
				     entry_ns);
			print_three_header(a->vm_pid, &r.kv, release, &s[3]);
			three_print(stdout, &in3, &three, a->verbose);
			printf("compare-three: %s\n", rc == 0 ? "AGREE" : "DIFFER");
			goto out;
		}
		if (mode == CMP_MODE_UNKNOWN) {
			in.mode = CMP_MODE_GLOBAL;
			cmp_compute(&in, &alt);
			in.mode = CMP_MODE_PER_VM;
			cmp_compute(&in, &res);
			in.mode = mode = cmp_infer_mode(&alt, &res, &ambiguous);
			inferred = true;
		}
		rc = cmp_compute(&in, &res);
		print_header(a, isa, param, mode, inferred, &tsc, t2 - t1, read[0].cpuid_calls, exit_ns,
			     entry_ns);
		if (ambiguous)
			printf("compare-cpuid: no other VM exited in the window: global and per-VM readings are the same here\n");
		if (a->vm_pid)
			printf("compare-cpuid: VM pid %d: %llu exits in the window (between the reads)%s\n", a->vm_pid,
			       (unsigned long long)(s[2].target - s[1].target),
			       mode == CMP_MODE_PER_VM ? "; not in the leaves' per-VM counts" : "");
		if (s[3].drops)
			printf("compare-cpuid: BPF dropped %llu exits (map full): counts cannot agree\n",
			       (unsigned long long)s[3].drops);
		cmp_print(stdout, &in, &res, a->verbose);
		print_verdict(&res, rc);
	}
out:
	run_close(&r);
	return cli_flush_stdout("exitprof", "the comparison", rc, CLI_CANNOT);
}
