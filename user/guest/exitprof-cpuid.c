/* exitprof-cpuid: reads the patched KVM's exit counters from inside a guest,
 * through the CPUID leaves 0x4FFFFFFF..0x4FFFFFFC (docs/leaves.md), and prints the
 * totals and a per-reason table. Static, libc only; builds alone:
 *
 *   cc -static -O2 -Ibpf user/guest/exitprof-cpuid.c user/guest/leaves.c user/guest/reasons.c -o exitprof-cpuid
 *
 * Exit status: 0 read, 1 bad usage, 2 the kernel under this guest does not
 * implement the leaves (unpatched KVM, kvm.exit_stats=0, or no KVM at all).
 * See docs/guest-reader.md.
 */
#include "leaves.h"
#include "reasons.h"

#include <cpuid.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REASON_ARGS 32

struct options {
	unsigned isa; /* 0 = from the CPU vendor */
	int csv;
	int all;
	int list_reasons;
	size_t nreasons;
	uint32_t reasons[MAX_REASON_ARGS];
};

static const char usage_text[] =
	"Usage: exitprof-cpuid [--isa vmx|svm] [--all] [--csv] [--reason N]...\n"
	"       exitprof-cpuid --list-reasons [--isa vmx|svm]\n"
	"Reads the VM-exit counters of the patched KVM under this guest through the\n"
	"exitprof CPUID leaves and prints the totals and one row per exit reason.\n"
	"\n"
	"  --isa vmx|svm  the host's exit-reason numbering (default: from this guest's\n"
	"                 CPU vendor: AuthenticAMD/HygonGenuine -> svm, GenuineIntel,\n"
	"                 CentaurHauls, \"  Shanghai  \" -> vmx)\n"
	"  --reason N     only reason N (decimal, 0x hex, or a name such as cpuid or\n"
	"                 EPT_VIOLATION); repeatable; shown even when its count is 0\n"
	"  --all          also rows with zero count and reasons KVM does not handle\n"
	"  --csv          CSV on stdout: reason,name,status,count,cycles\n"
	"  --list-reasons  the exit-reason table exitprof uses, as CSV isa,reason,name\n"
	"                 (both ISAs unless --isa; no CPUID executed): for scripts\n"
	"  -h, --help     this text\n"
	"\n"
	"Status column: valid; \"not handled by KVM\" (the SDM/APM defines the reason,\n"
	"this KVM has no handler for it); \"undefined by SDM/APM\" (the kernel says the\n"
	"code is not an exit reason).\n"
	"Every CPUID this tool executes is itself one VM exit and is counted.\n"
	"Exit status: 0 ok, 1 bad usage, 2 the kernel does not implement the leaves.\n"
	"\n"
	"Examples:\n"
	"  exitprof-cpuid                     # reasons that happened, with totals\n"
	"  exitprof-cpuid --reason cpuid      # one reason (SVM code 0x72 / VMX 10)\n"
	"  exitprof-cpuid --isa vmx --all --csv > exits.csv\n";

/* Counts the CPUIDs we execute, so the output can say how many exits we caused. */
struct counted_cpuid {
	leaf_cpuid_fn fn;
	void *ctx;
	uint64_t calls;
};

static int counted(void *ctx, uint32_t leaf, uint32_t subleaf, struct leaf_regs *out)
{
	struct counted_cpuid *c = ctx;

	c->calls++;
	return c->fn(c->ctx, leaf, subleaf, out);
}

static int parse_reason(unsigned isa, const char *arg, uint32_t *code)
{
	char *end;
	unsigned long long v;

	if (exit_reason_lookup(isa, arg, code) == 0)
		return 0;
	v = strtoull(arg, &end, 0);
	if (end == arg || *end || v > UINT32_MAX || arg[0] == '-')
		return -1;
	*code = (uint32_t)v;
	return 0;
}

/* The host ISA from the guest's vendor string (the hypervisor passes the host's
 * vendor through); 0 if the vendor is not one we know. */
static unsigned isa_from_vendor(leaf_cpuid_fn fn, void *ctx, char vendor[13])
{
	struct leaf_regs r;

	memset(vendor, 0, 13);
	if (fn(ctx, 0, 0, &r) != 0)
		return 0;
	memcpy(vendor, &r.ebx, 4);
	memcpy(vendor + 4, &r.edx, 4);
	memcpy(vendor + 8, &r.ecx, 4);
	return exit_isa_of_vendor(vendor);
}

static void format_reason(unsigned isa, uint32_t code, char *buf, size_t len)
{
	/* SVM codes read best in hex (as the APM and the tracepoint print them). */
	if (isa == EXIT_ISA_SVM)
		snprintf(buf, len, "0x%03" PRIx32, code);
	else
		snprintf(buf, len, "%" PRIu32, code);
}

static void print_row(FILE *out, const struct options *o, const struct leaf_row *row)
{
	char name[EXIT_REASON_NAME_MAX], reason[16];

	exit_reason_format(o->isa, row->reason, name, sizeof(name));
	if (o->csv) {
		fprintf(out, "%" PRIu32 ",%s,%s,", row->reason, name, leaf_status_str(row->status));
		if (row->status == LEAF_VALID)
			fprintf(out, "%" PRIu64 ",%" PRIu64 "\n", row->value.count, row->value.cycles);
		else
			fprintf(out, ",\n");
		return;
	}
	format_reason(o->isa, row->reason, reason, sizeof(reason));
	if (row->status == LEAF_VALID)
		fprintf(out, "%-10s %-26s %20" PRIu64 " %22" PRIu64 " %14" PRIu64 "\n", reason, name,
			row->value.count, row->value.cycles,
			row->value.count ? row->value.cycles / row->value.count : 0);
	else
		fprintf(out, "%-10s %-26s %20s %22s %14s  %s\n", reason, name, "-", "-", "-",
			leaf_status_str(row->status));
}

static int shown(const struct options *o, const struct leaf_row *row)
{
	if (o->nreasons || o->all)
		return 1;
	return row->status == LEAF_VALID && row->value.count > 0;
}

static int absent(FILE *err, const struct leaf_regs *r)
{
	fprintf(err,
		"exitprof-cpuid: the kernel under this guest does not implement the exitprof CPUID "
		"leaves (CPUID 0x4fffffff = %08" PRIx32 " %08" PRIx32 " %08" PRIx32 " %08" PRIx32
		"): run on a KVM host with the exitprof patch and kvm.exit_stats=1 or 2\n",
		r->eax, r->ebx, r->ecx, r->edx);
	return 2;
}

/* Only a test's cpuid function can fail; the instruction cannot. */
static int cpuid_failed(FILE *err)
{
	fprintf(err, "exitprof-cpuid: CPUID failed\n");
	return 1;
}

/* The reason table of isa (0: both), CSV isa,reason,name: the codes scripts must not restate. */
static int list_reasons(FILE *out, unsigned isa)
{
	static const unsigned isas[] = { EXIT_ISA_VMX, EXIT_ISA_SVM };

	fputs("isa,reason,name\n", out);
	for (size_t k = 0; k < sizeof(isas) / sizeof(isas[0]); k++) {
		if (isa && isa != isas[k])
			continue;
		for (size_t i = 0; i < exit_reason_count(isas[k]); i++) {
			uint32_t code = exit_reason_code_at(isas[k], i);

			fprintf(out, "%s,%" PRIu32 ",%s\n", exit_isa_name(isas[k]), code,
				exit_reason_name(isas[k], code));
		}
	}
	return 0;
}

/* The whole program, with CPUID and the output streams passed in: the seam the
 * tests (tests/cpuid/test_reader.c) drive with recorded or simulated answers. */
int exitprof_cpuid_main(int argc, char **argv, leaf_cpuid_fn raw_fn, void *raw_ctx, FILE *out,
			FILE *err);

int exitprof_cpuid_main(int argc, char **argv, leaf_cpuid_fn raw_fn, void *raw_ctx, FILE *out,
			FILE *err)
{
	static const struct option longopts[] = {
		{ "isa", required_argument, NULL, 'i' }, { "reason", required_argument, NULL, 'r' },
		{ "all", no_argument, NULL, 'a' },	 { "csv", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },	 { "list-reasons", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct counted_cpuid cc = { raw_fn, raw_ctx, 0 };
	struct options o = { 0 };
	const char *reason_args[MAX_REASON_ARGS];
	static struct leaf_report rep;
	struct leaf_regs r = { 0, 0, 0, 0 };
	char vendor[13] = "";
	int opt;

	/* Callable more than once (tests): 0, not 1, also forgets the place inside a cluster of short
	 * options where the last call stopped (glibc and musl reinitialise getopt on 0). */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			if (!strcmp(optarg, "vmx"))
				o.isa = EXIT_ISA_VMX;
			else if (!strcmp(optarg, "svm"))
				o.isa = EXIT_ISA_SVM;
			else {
				fprintf(err, "exitprof-cpuid: --isa %s: use vmx (Intel host) or svm (AMD host)\n",
					optarg);
				return 1;
			}
			break;
		case 'r':
			if (o.nreasons == MAX_REASON_ARGS) {
				fprintf(err, "exitprof-cpuid: more than %d --reason options\n", MAX_REASON_ARGS);
				return 1;
			}
			reason_args[o.nreasons++] = optarg;
			break;
		case 'a':
			o.all = 1;
			break;
		case 'c':
			o.csv = 1;
			break;
		case 'l':
			o.list_reasons = 1;
			break;
		case 'h':
			fputs(usage_text, out);
			return 0;
		default:
			fprintf(err, "exitprof-cpuid: unknown or incomplete option '%s' (see --help)\n",
				argv[optind - 1]);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(err, "exitprof-cpuid: unexpected argument '%s' (see --help)\n", argv[optind]);
		return 1;
	}
	if (o.list_reasons)
		return list_reasons(out, o.isa);
	if (!o.isa) {
		o.isa = isa_from_vendor(counted, &cc, vendor);
		if (!o.isa) {
			fprintf(err, "exitprof-cpuid: CPU vendor '%s' unknown: say --isa vmx or --isa svm\n",
				vendor);
			return 1;
		}
	}
	/* Reason names depend on the ISA, so they are parsed once it is known. */
	for (size_t i = 0; i < o.nreasons; i++) {
		if (parse_reason(o.isa, reason_args[i], &o.reasons[i])) {
			fprintf(err, "exitprof-cpuid: --reason %s: not a number or a %s reason name\n",
				reason_args[i], exit_isa_name(o.isa));
			return 1;
		}
	}

	switch (leaf_probe(counted, &cc, NULL)) {
	case LEAVES_PRESENT:
		break;
	case LEAVES_ABSENT:
		if (counted(&cc, LEAF_TOTAL, 0, &r) != 0)
			memset(&r, 0, sizeof(r));
		return absent(err, &r);
	case LEAVES_ERROR:
		return cpuid_failed(err);
	}

	if (o.nreasons) {
		/* Only the asked reasons: the total, then one CPUID each. */
		memset(&rep, 0, sizeof(rep));
		if (counted(&cc, LEAF_TOTAL, 0, &r))
			return cpuid_failed(err);
		if (leaf_decode(&r, &rep.total) != LEAF_VALID)
			return absent(err, &r);
		for (size_t i = 0; i < o.nreasons; i++) {
			struct leaf_row *row = &rep.rows[rep.nrows++];

			row->reason = o.reasons[i];
			if (counted(&cc, LEAF_REASON_COUNT, row->reason, &r))
				return cpuid_failed(err);
			row->status = leaf_decode(&r, &row->value);
			if (row->status == LEAF_FOREIGN)
				return absent(err, &r);
		}
	} else {
		enum leaf_support s = leaf_read_report(counted, &cc, o.isa, &rep);

		if (s == LEAVES_ERROR)
			return cpuid_failed(err);
		if (s == LEAVES_ABSENT)
			return absent(err, &r); /* changed under us since the probe */
	}

	if (o.csv) {
		fprintf(out, "reason,name,status,count,cycles\n");
		fprintf(out, "total,total,valid,%" PRIu64 ",%" PRIu64 "\n", rep.total.count,
			rep.total.cycles);
	} else {
		fprintf(out, "%s exit reasons%s%s%s; counters of the KVM under this guest (TSC cycles of its host)\n",
			exit_isa_name(o.isa), vendor[0] ? " (CPU vendor " : "", vendor,
			vendor[0] ? ")" : "");
		fprintf(out, "total exits: %" PRIu64 "   total cycles: %" PRIu64 "\n\n", rep.total.count,
			rep.total.cycles);
		fprintf(out, "%-10s %-26s %20s %22s %14s\n", "reason", "name", "count", "cycles",
			"cycles/exit");
	}
	size_t nshown = 0, nnot_handled = 0, nundefined = 0;
	for (size_t i = 0; i < rep.nrows; i++) {
		nnot_handled += rep.rows[i].status == LEAF_NOT_HANDLED;
		nundefined += rep.rows[i].status == LEAF_UNDEFINED;
		if (shown(&o, &rep.rows[i])) {
			print_row(out, &o, &rep.rows[i]);
			nshown++;
		}
	}
	if (!o.csv) {
		fprintf(out, "\n%zu of %zu reasons shown%s", nshown, rep.nrows,
			o.all || o.nreasons ? "" : " (zero counts hidden; --all shows every reason)");
		if (nnot_handled || nundefined)
			fprintf(out, "; %zu not handled by KVM, %zu undefined by SDM/APM", nnot_handled,
				nundefined);
		fprintf(out, ".\nThis read executed %" PRIu64 " CPUIDs, i.e. caused %" PRIu64
			     " CPUID exits; each is counted in the answers read after it.\n",
			cc.calls, cc.calls);
	}
	return 0;
}

#ifndef EXITPROF_CPUID_NO_MAIN
static int real_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, struct leaf_regs *out)
{
	unsigned a, b, c, d;

	(void)ctx;
	__cpuid_count(leaf, subleaf, a, b, c, d);
	*out = (struct leaf_regs){ a, b, c, d };
	return 0;
}

int main(int argc, char **argv)
{
	return exitprof_cpuid_main(argc, argv, real_cpuid, NULL, stdout, stderr);
}
#endif
