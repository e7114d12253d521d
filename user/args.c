/* argp definition of exitprof's command line, plus strict validation of every value. */
#include <argp.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "args.h"

const char *argp_program_version = "exitprof 0.1.0";
const char *argp_program_bug_address = "the exitprof issue tracker";

static const char doc[] =
	"exitprof: which KVM VM exits a VM takes, how many, and how long each kind takes.\n"
	"\n"
	"Counts every kvm:kvm_exit and times it to the next kvm:kvm_entry of the same vCPU, in the "
	"kernel (BPF, per-CPU maps, no per-event buffer), and splits that time into kernel, user "
	"space (the VMM) and halted. Needs root (or CAP_BPF + CAP_PERFMON), kernel BTF and tracefs (mounted if missing).\n"
	"\n"
	"EXAMPLES:\n"
	"  exitprof --vm 1234               # VM 1234 until Ctrl-C, then the table\n"
	"  exitprof --all --duration 10     # every VM on the host, for 10 s\n"
	"  exitprof --vm 1234 --interval 1  # a table every second, total at the end\n"
	"  exitprof --vm 1234 --vcpu 0 --sort time\n"
	"  exitprof --vm 1234 --per-vcpu    # one table per vCPU\n"
	"  exitprof --all -d 5 --csv out.csv --json -  # CSV file, JSON lines on stdout\n"
	"  exitprof --vm 1234 -d 30 --timeline t.csv   # also exits per 10 ms bin, as CSV\n"
	"  exitprof record --boot -o boot.csv -- qemu-system-x86_64 -enable-kvm ...  # a whole boot\n"
	"  exitprof plot boot.csv -o boot.svg          # draw a timeline (see exitprof record/plot --help)\n"
	"\n"
	"OPTIONS:\v"
	"Columns: count, % of the exits in the same table, total/avg/p50/p99/max of exit->entry "
	"time (p50/p99 from a log2 histogram: within a factor of 2), and the time split: KERNEL, "
	"VMM (user space, from kvm_userspace_exit to the next entry), HALTED (kvm_vcpu_wakeup). With "
	"--interval each table covers that interval, except MAX, which is since the start.\n"
	"Exit status: 0 success (also when the VM exits mid-run), 1 the system is not ready "
	"(privileges, pid, tracepoints, BTF, output file, BPF load), 2 bad command line.\n"
	"CSV/JSON columns: docs/output.md.";

enum { OPT_CSV = 0x100, OPT_JSON, OPT_BPF_STATS, OPT_COMPARE_CPUID, OPT_LATE_ATTACH, OPT_TIMELINE, OPT_BIN };

static const struct argp_option options[] = {
	{ "vm", 'p', "PID", 0, "Profile the VM whose VMM process is PID (e.g. QEMU's pid)", 0 },
	{ "all", 'a', NULL, 0, "Profile every VM on the host", 0 },
	{ "vcpu", 'c', "N", 0, "Only vCPU N (the kvm_exit vcpu_id, 0-based)", 0 },
	{ "per-vcpu", 'V', NULL, 0, "One table per vCPU instead of one per VM", 0 },
	{ "interval", 'i', "SECONDS", 0, "Print a table every SECONDS (decimals allowed)", 0 },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS (default: Ctrl-C, SIGTERM, or the VM exits)", 0 },
	{ "sort", 's', "KEY", 0, "Sort rows by count (default), time, avg or max", 0 },
	{ "csv", OPT_CSV, "FILE", 0, "Also write CSV to FILE ('-' = stdout)", 0 },
	{ "json", OPT_JSON, "FILE", 0, "Also write JSON lines to FILE ('-' = stdout)", 0 },
	{ "timeline", OPT_TIMELINE, "FILE", 0, "With --vm: also write the VM's exits in time bins as CSV "
	  "(t_ms,vcpu,isa,reason,reason_name,count,time_ns; docs/boot-analysis.md). For a boot: exitprof record", 0 },
	{ "bin", OPT_BIN, "MS", 0, "Bin width of --timeline in milliseconds (default 10)", 0 },
	{ "verbose", 'v', NULL, 0, "Print libbpf's messages (e.g. the verifier log)", 0 },
	{ "bpf-stats", OPT_BPF_STATS, NULL, 0,
	  "At the end, print each BPF program's run count and average run time as the kernel "
	  "measured it (BPF_ENABLE_STATS while running: two extra clock reads per run)", 0 },
	{ "compare-cpuid", OPT_COMPARE_CPUID, NULL, 0,
	  "Instead of profiling: compare the patched kernel's exit counters (its CPUID leaves, read "
	  "by a tiny VM of our own) with BPF's counts over --duration (default 1 s); --all is the "
	  "default. Exit 0 agree, 1 differ, 2 cannot compare. docs/compare-cpuid.md", 0 },
	{ "late-attach", OPT_LATE_ATTACH, NULL, OPTION_HIDDEN, "Test hook of --compare-cpuid: attach BPF late, so counts differ", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show this help", 0 },
	{ 0 },
};

struct parse_state {
	struct args *a;
	char *err;
	size_t errlen;
};

static int fail(struct parse_state *ps, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ps->err, ps->errlen, fmt, ap);
	va_end(ap);
	return EINVAL;
}

int args_parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	/* Plain decimal only: no sign, hex, "inf" or "nan", and nothing after the number. */
	if (!s || !*s || !strchr("0123456789.", s[0]) || s[strspn(s, "0123456789.eE+-")] != '\0')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > 1e7)
		return -1;
	*out = v;
	return 0;
}

int args_parse_uint(const char *s, int64_t max, int64_t *out)
{
	int64_t v = 0;

	if (!s || !*s)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_state *ps = state->input;
	struct args *a = ps->a;
	int64_t n;

	switch (key) {
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case 'p':
		if (args_parse_uint(arg, 0x7fffffff, &n) || n == 0)
			return fail(ps, "--vm '%s' is not a process id: give the VMM's pid, e.g. --vm $(pgrep -f qemu-system)", arg);
		a->vm_pid = (int)n;
		break;
	case 'a':
		a->all = true;
		break;
	case 'c':
		if (args_parse_uint(arg, EXITPROF_VCPU_ANY - 1, &n))
			return fail(ps, "--vcpu '%s' is not a vCPU number: give a vcpu_id like 0, 1, 2", arg);
		a->vcpu = n;
		break;
	case 'V':
		a->per_vcpu = true;
		break;
	case 'i':
		if (args_parse_seconds(arg, &a->interval_s))
			return fail(ps, "--interval '%s' is not a positive number of seconds: use e.g. --interval 1 or 0.5", arg);
		break;
	case 'd':
		if (args_parse_seconds(arg, &a->duration_s))
			return fail(ps, "--duration '%s' is not a positive number of seconds: use e.g. --duration 10", arg);
		break;
	case 's':
		if (!strcmp(arg, "count"))
			a->sort = SORT_COUNT;
		else if (!strcmp(arg, "time"))
			a->sort = SORT_TIME;
		else if (!strcmp(arg, "avg"))
			a->sort = SORT_AVG;
		else if (!strcmp(arg, "max"))
			a->sort = SORT_MAX;
		else
			return fail(ps, "--sort '%s' is not a sort key: use count, time, avg or max", arg);
		break;
	case OPT_CSV:
		if (!*arg)
			return fail(ps, "--csv needs a file name: give a path or '-' for stdout");
		a->csv = arg;
		break;
	case OPT_JSON:
		if (!*arg)
			return fail(ps, "--json needs a file name: give a path or '-' for stdout");
		a->json = arg;
		break;
	case OPT_TIMELINE:
		if (!*arg)
			return fail(ps, "--timeline needs a file name: give a path or '-' for stdout");
		a->timeline = arg;
		break;
	case OPT_BIN: {
		double ms;
		if (args_parse_seconds(arg, &ms) || ms < 0.001 || ms > 3600e3)
			return fail(ps, "--bin '%s' is not a bin width: give milliseconds from 0.001 to 3600000, e.g. --bin 10", arg);
		a->bin_ns = (uint64_t)(ms * 1e6 + 0.5);
		break;
	}
	case 'v':
		a->verbose = true;
		break;
	case OPT_BPF_STATS:
		a->bpf_stats = true;
		break;
	case OPT_COMPARE_CPUID:
		a->compare_cpuid = true;
		break;
	case OPT_LATE_ATTACH:
		a->late_attach = true;
		break;
	case ARGP_KEY_ARG:
		return fail(ps, "unexpected argument '%s': options only, see exitprof --help", arg);
	case ARGP_KEY_END:
		if (a->late_attach && !a->compare_cpuid)
			return fail(ps, "--late-attach is a test hook of --compare-cpuid: add --compare-cpuid");
		if (a->compare_cpuid && (a->interval_s > 0 || a->csv || a->json || a->per_vcpu || a->vcpu >= 0 || a->bpf_stats))
			return fail(ps, "--compare-cpuid takes only --duration, --vm/--all and --verbose: drop the other options");
		if (a->compare_cpuid && !a->vm_pid)
			a->all = true; /* the leaves' global counts cover every VM */
		if (!a->vm_pid && !a->all)
			return fail(ps, "no target: give --vm PID (one VM) or --all (every VM)");
		if (a->vm_pid && a->all)
			return fail(ps, "--vm and --all both given: choose one");
		if (a->timeline && !a->vm_pid)
			return fail(ps, "--timeline needs --vm PID (one VM's time axis); for a boot use exitprof record --boot");
		if (a->bin_ns && !a->timeline)
			return fail(ps, "--bin sets the --timeline bin width: add --timeline FILE");
		if (a->csv && a->json && !strcmp(a->csv, "-") && !strcmp(a->json, "-"))
			return fail(ps, "--csv - and --json - both write to stdout: send one of them to a file");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp = { options, parse_opt, NULL, doc, NULL, NULL, NULL };

int args_parse(int argc, char **argv, struct args *a, char *err, size_t errlen, bool no_exit)
{
	struct parse_state ps = { a, err, errlen };
	int flags = no_exit ? (ARGP_NO_EXIT | ARGP_NO_ERRS) : 0;
	error_t e;

	memset(a, 0, sizeof(*a));
	a->vcpu = -1;
	a->sort = SORT_COUNT;
	err[0] = '\0';
	argp_err_exit_status = 2;
	e = argp_parse(&argp, argc, argv, flags, NULL, &ps);
	if (e) {
		if (!err[0])
			snprintf(err, errlen, "invalid command line: see exitprof --help");
		return 2;
	}
	return 0;
}
