/* argp definition of exitprof's command line, plus strict validation of every value. */
#include <argp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "args.h"
#include "cli.h"
#include "number.h"

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
	"  exitprof compare --duration 5               # BPF against the patched KVM's counters\n"
	"                                              # (see exitprof compare --help)\n"
	"  exitprof --all --metrics 9477               # Prometheus metrics on 127.0.0.1:9477/metrics\n"
	"\n"
	"OPTIONS:\v"
	"Columns: count, % of the exits in the same table, total/avg/p50/p99/max of exit->entry "
	"time (p50/p99 from a log2 histogram: within a factor of 2), and the time split: KERNEL, "
	"VMM (from kvm_userspace_exit to the next entry: the VMM and the kernel's way out to it and back "
	"in; --time-split tells them apart), HALTED (kvm_vcpu_wakeup). With "
	"--interval each table covers that interval, except MAX, which is since the start.\n"
	"Exit status: 0 success (also when the VM exits mid-run), 1 the system is not ready "
	"(privileges, pid, tracepoints, BTF, output file, BPF load), 2 bad command line.\n"
	"CSV/JSON columns: docs/output.md; metrics: docs/metrics.md.";

enum { OPT_CSV = 0x100, OPT_JSON, OPT_BPF_STATS, OPT_TIMELINE, OPT_BIN, OPT_METRICS, OPT_METRICS_FILE, OPT_MAX_KEYS,
       OPT_TIME_SPLIT };

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
	  "(columns: docs/boot-analysis.md). For a boot: exitprof record", 0 },
	{ "bin", OPT_BIN, "MS", 0, "Bin width of --timeline in milliseconds (default 10)", 0 },
	{ "metrics", OPT_METRICS, "[ADDR:]PORT", 0,
	  "Serve Prometheus metrics at http://ADDR:PORT/metrics (ADDR default 127.0.0.1)", 0 },
	{ "metrics-file", OPT_METRICS_FILE, "FILE", 0,
	  "Write Prometheus metrics to FILE (atomically; every --interval, else every 10 s, and at the end)", 0 },
	{ "max-keys", OPT_MAX_KEYS, "N", 0, "Size of the in-kernel table: N (VM, vCPU, reason) rows (default 4096, "
	  "fewer on hosts with very many CPUs); exits of rows beyond it are counted as dropped and reported", 0 },
	{ "time-split", OPT_TIME_SPLIT, NULL, 0,
	  "Split the VMM column where the vCPU thread's KVM_RUN ioctl returns and is called again: "
	  "EXIT-PATH (kernel), VMM-USER (the VMM's own time), ENTRY-PATH (kernel); and RUNQ, the time "
	  "the vCPU thread waited runnable for a CPU. Costs a BPF run on every system call, context "
	  "switch and wakeup of the host while it runs", 0 },
	{ "verbose", 'v', NULL, 0, "Print libbpf's messages (e.g. the verifier log)", 0 },
	{ "bpf-stats", OPT_BPF_STATS, NULL, 0,
	  "At the end, print each BPF program's run count and average run time as the kernel "
	  "measured it (BPF_ENABLE_STATS while running: two extra clock reads per run)", 0 },
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

int args_parse_pid(const char *s, int *pid)
{
	int64_t n;

	if (number_parse_uint(s, 0x7fffffff, &n) || n == 0)
		return -1;
	*pid = (int)n;
	return 0;
}

int args_parse_bin(const char *s, uint64_t *bin_ns)
{
	return number_parse_ms_as_ns(s, ARGS_BIN_MS_MIN, ARGS_BIN_MS_MAX, bin_ns);
}

int args_parse_listen(const char *s, uint32_t *addr, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	unsigned b[4];
	int64_t p;
	char tail;

	*addr = htonl(0x7f000001); /* 127.0.0.1: metrics stay on the host unless asked */
	if (colon) {
		char host[32];

		if ((size_t)(colon - s) >= sizeof(host))
			return -1;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		if (sscanf(host, "%u.%u.%u.%u%c", &b[0], &b[1], &b[2], &b[3], &tail) != 4 || b[0] > 255 || b[1] > 255 ||
		    b[2] > 255 || b[3] > 255)
			return -1;
		*addr = htonl(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
		s = colon + 1;
	}
	if (number_parse_uint(s, 65535, &p) || p == 0)
		return -1;
	*port = (uint16_t)p;
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
		if (args_parse_pid(arg, &a->vm_pid))
			return fail(ps, ARGS_BAD_VM, arg);
		break;
	case 'a':
		a->all = true;
		break;
	case 'c':
		if (number_parse_uint(arg, EXITPROF_VCPU_ANY - 1, &n))
			return fail(ps, "--vcpu '%s' is not a vCPU number: give a vcpu_id like 0, 1, 2", arg);
		a->vcpu = n;
		break;
	case 'V':
		a->per_vcpu = true;
		break;
	case 'i':
		if (number_parse_positive(arg, ARGS_SECONDS_MAX, &a->interval_s))
			return fail(ps, "--interval '%s' is not a positive number of seconds: use e.g. --interval 1 or 0.5", arg);
		break;
	case 'd':
		if (number_parse_positive(arg, ARGS_SECONDS_MAX, &a->duration_s))
			return fail(ps, ARGS_BAD_DURATION, arg);
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
	case OPT_BIN:
		if (args_parse_bin(arg, &a->bin_ns))
			return fail(ps, "--bin '%s' is not a bin width: " ARGS_BIN_FIX, arg);
		break;
	case OPT_METRICS:
		if (args_parse_listen(arg, &a->metrics_addr, &a->metrics_port))
			return fail(ps, "--metrics '%s' is not [ADDR:]PORT: give e.g. --metrics 9477 or --metrics 0.0.0.0:9477", arg);
		a->metrics = arg;
		break;
	case OPT_METRICS_FILE:
		if (!*arg || !strcmp(arg, "-"))
			return fail(ps, "--metrics-file needs a file name: give a path (it is replaced atomically)");
		a->metrics_file = arg;
		break;
	case OPT_MAX_KEYS:
		if (number_parse_uint(arg, ARGS_MAX_KEYS_MAX, &n) || n == 0)
			return fail(ps, "--max-keys '%s' is not a table size: give a number of rows from 1 to %u, e.g. --max-keys 8192",
				    arg, ARGS_MAX_KEYS_MAX);
		a->max_keys = (uint32_t)n;
		break;
	case 'v':
		a->verbose = true;
		break;
	case OPT_BPF_STATS:
		a->bpf_stats = true;
		break;
	case OPT_TIME_SPLIT:
		a->time_split = true;
		break;
	case ARGP_KEY_ARG:
		return fail(ps, "unexpected argument '%s': options only, see exitprof --help", arg);
	case ARGP_KEY_END:
		if (!a->vm_pid && !a->all)
			return fail(ps, "no target: give --vm PID (one VM) or --all (every VM)");
		if (a->vm_pid && a->all)
			return fail(ps, "--vm and --all both given: choose one");
		if (a->timeline && !a->vm_pid)
			return fail(ps, "--timeline needs one VM's time axis: add --vm PID, or for a boot use exitprof record --boot");
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
	const char *unknown;
	error_t e;

	memset(a, 0, sizeof(*a));
	a->vcpu = -1;
	a->sort = SORT_COUNT;
	err[0] = '\0';
	argp_err_exit_status = CLI_USAGE;
	unknown = cli_unknown_option(&argp, argc, argv);
	if (unknown) {
		snprintf(err, errlen, "'%s' is not an option: see exitprof --help", unknown);
		return CLI_USAGE;
	}
	e = argp_parse(&argp, argc, argv, flags, NULL, &ps);
	if (e) {
		if (!err[0])
			snprintf(err, errlen, "invalid command line: see exitprof --help");
		return CLI_USAGE;
	}
	return 0;
}
