/* Unit test of lab/guests/leafsweep_check.c, the leaf sweep's checker of docs/leaves.md: a
 * simulated kernel that answers by the contract passes a sweep of every answer kind, and each
 * way of breaking the contract, injected into one answer, is caught. */
#include "leafsweep_check.h"

#include "check.h"

#include <string.h>

/* Faults the simulated kernel can make in its answers. */
enum fault {
	F_NONE,
	F_UNDEFINED_AS_UNHANDLED, /* 0, 0, 0, 0 for a reason the SDM/APM does not define */
	F_DEFINED_AS_UNDEFINED,	  /* edx 0xffffffff for a defined reason */
	F_SLOTLESS_VALID,	  /* SVM 0x407 answered valid */
	F_CPUID_OFF_BY_ONE,	  /* CPUID's count without the exit that reads it */
	F_IO_PLUS_ONE,		  /* one port I/O exit more than the guest made */
	F_TOTAL_STUCK,		  /* the total does not count the reading CPUID */
	F_TOTAL_CYCLES_BACK,	  /* the total's cycles go back */
	F_FLIP_HANDLED,		  /* a reason answered valid once, not handled later */
	F_FOREIGN,		  /* a garbage answer (nonzero eax, edx 0) */
	F_TOTAL_INVALID,	  /* the total answered "not handled" */
	F_OFF_DIFFERS,		  /* mode 0: a leaf answers unlike 0x4FFFFFF0 */
};

struct sim {
	unsigned isa;
	int mode;
	uint64_t cpuids, ios, noise; /* noise: exits of other kinds (NPF, interrupts, other VMs) */
	enum fault fault;
	uint32_t fault_at; /* the ecx (reason leaves) the fault hits; any ecx for the totals */
	int faulted;
};

/* Which defined reasons the simulated KVM handles: all but every seventh, and what the
 * contract fixes. */
static int sim_handled(const struct sim *s, uint32_t reason)
{
	if (s->isa == EXIT_ISA_SVM && (reason == 0x407 || (reason >= 0xfffffffc && reason <= 0xfffffffe)))
		return 0;
	return reason == 0x72 || reason == 10 || reason == 33 || reason == 34 || reason == 0xffffffff ||
	       reason % 7 != 3;
}

static int hit(struct sim *s, enum fault f, uint32_t ecx)
{
	if (s->fault != f || s->faulted || ecx != s->fault_at)
		return 0;
	s->faulted = 1;
	return 1;
}

static void answer(struct sim *s, uint32_t leaf, uint32_t ecx, struct leaf_regs *r)
{
	uint32_t cpuid = s->isa == EXIT_ISA_VMX ? 10 : 0x72, io = s->isa == EXIT_ISA_VMX ? 30 : 0x7b;
	uint64_t total = s->cpuids + s->ios + s->noise;

	s->cpuids++;
	s->noise += s->mode == 1 ? 3 : s->cpuids % 5 == 0; /* other VMs in mode 1 */
	total = s->cpuids + s->ios + s->noise;
	memset(r, 0, sizeof(*r));
	if (s->mode == 0) {
		r->eax = 0x10; /* whatever an unpatched KVM answers, the same for every such leaf */
		if (leaf != SWEEP_REF_LEAF && hit(s, F_OFF_DIFFERS, ecx))
			r->eax = 0x11;
		return;
	}
	if (leaf == LEAF_TOTAL || leaf == LEAF_TOTAL_CYCLES) {
		if (hit(s, F_TOTAL_INVALID, ecx))
			return;
		if (hit(s, F_TOTAL_STUCK, ecx))
			total--;
		leaf_encode(total, hit(s, F_TOTAL_CYCLES_BACK, ecx) ? 5 : total * 1000, r);
		return;
	}
	if (!exit_reason_name(s->isa, ecx)) {
		if (!hit(s, F_UNDEFINED_AS_UNHANDLED, ecx))
			r->edx = LEAF_EDX_UNDEFINED;
		return;
	}
	if (hit(s, F_DEFINED_AS_UNDEFINED, ecx)) {
		r->edx = LEAF_EDX_UNDEFINED;
		return;
	}
	if (hit(s, F_FOREIGN, ecx)) {
		r->eax = 1;
		return;
	}
	if (hit(s, F_SLOTLESS_VALID, ecx)) {
		leaf_encode(0, 0, r);
		return;
	}
	if (!sim_handled(s, ecx) || (s->fault == F_FLIP_HANDLED && s->faulted && ecx == s->fault_at))
		return;
	hit(s, F_FLIP_HANDLED, ecx); /* valid the first time, not handled after */
	if (ecx == cpuid) /* mode 1: other VMs' CPUIDs too */
		leaf_encode(s->cpuids + (s->mode == 1 ? s->noise : 0) - hit(s, F_CPUID_OFF_BY_ONE, ecx),
			    s->cpuids * 700, r);
	else if (ecx == io)
		leaf_encode(s->ios + hit(s, F_IO_PLUS_ONE, ecx), s->ios * 9000, r);
	else
		leaf_encode(ecx % 11, ecx % 13 * 100, r);
}

/* A sweep like leafsweep's: per leaf, ecx over every defined reason of both ISAs and their
 * neighbours and a few far values, in chunks of 64 with a port I/O exit after each. Returns the
 * checker's violation count; *checked gets its count of checked answers. */
static uint64_t run_table(unsigned isa, int mode, enum fault f, uint32_t fault_at, uint64_t *checked,
			  const uint32_t *table, size_t ntable)
{
	static const uint32_t far[] = { 0x100, 0x3ff, 0x404, 0x7fffffff, 0x80000000u, 0x80000072u,
					0x1000a, 0xfffffffb, 0xfffffffc, 0xffffffff };
	static const unsigned isas[] = { EXIT_ISA_VMX, EXIT_ISA_SVM };
	struct sim sim = { .isa = isa, .mode = mode, .fault = f, .fault_at = fault_at };
	static struct sweep s;
	uint64_t n = 0, want = 0;

	CHECK(sweep_init(&s, isa, mode) == 0, "sweep_init");
	if (table)
		CHECK(sweep_set_handled(&s, table, ntable) == 0, "table codes all defined");
	for (uint32_t leaf = LEAF_TOTAL; leaf >= LEAF_REASON_CYCLES; leaf--) {
		for (int pass = 0; pass < 2; pass++) {
			for (unsigned k = 0; k < 2 + 1; k++) {
				size_t count = k < 2 ? exit_reason_count(isas[k]) : sizeof(far) / sizeof(far[0]);

				for (size_t i = 0; i < count; i++) {
					for (int d = -1; d <= 1; d++) {
						uint32_t ecx = (k < 2 ? exit_reason_code_at(isas[k], i) : far[i]) + (uint32_t)d;
						struct leaf_regs r, ref;

						answer(&sim, leaf, ecx, &r);
						if (mode == 0) {
							answer(&sim, SWEEP_REF_LEAF, ecx, &ref);
							sweep_check_off(&s, leaf, ecx, &r, &ref);
						} else {
							sweep_check(&s, leaf, ecx, &r);
						}
						want++;
						if (++n % 64 == 0) {
							sim.ios++;
							sweep_chunk_exit(&s);
						}
					}
				}
			}
		}
	}
	CHECK(s.checked == want, "checked %llu of %llu answers", (unsigned long long)s.checked,
	      (unsigned long long)want);
	CHECK(f == F_NONE || sim.faulted, "fault %d at 0x%x never injected", f, fault_at);
	*checked = s.checked;
	return s.violations;
}

static uint64_t run(unsigned isa, int mode, enum fault f, uint32_t fault_at, uint64_t *checked)
{
	return run_table(isa, mode, f, fault_at, checked, NULL, 0);
}

#define NONE LEAF_PROBE_UNDEFINED_REASON /* no code of either ISA */

/* KVM's handler table as the simulated kernel has it, then with one code added or taken away
 * (the contract's fixed codes aside, which the table does not decide). */
static void test_table(unsigned isa, uint32_t add, uint32_t drop)
{
	static uint32_t table[LEAF_REPORT_MAX];
	struct sim sim = { .isa = isa };
	uint64_t checked, v;
	size_t n = 0;

	for (size_t i = 0; i < exit_reason_count(isa); i++) {
		uint32_t c = exit_reason_code_at(isa, i);

		if ((sim_handled(&sim, c) || c == add) && c != drop)
			table[n++] = c;
	}
	v = run_table(isa, 2, F_NONE, 0, &checked, table, n);
	CHECK(add != NONE || drop != NONE ? v >= 1 : v == 0, "%s table +0x%x -0x%x: %llu violations", exit_isa_text(isa),
	      add, drop, (unsigned long long)v);
}

static void expect(unsigned isa, int mode, enum fault f, uint32_t at, int caught)
{
	uint64_t checked, v = run(isa, mode, f, at, &checked);

	CHECK(caught ? v >= 1 : v == 0, "%s mode %d fault %d at 0x%x: %llu violations in %llu answers",
	      exit_isa_text(isa), mode, f, at, (unsigned long long)v, (unsigned long long)checked);
}

int main(void)
{
	for (int mode = 0; mode <= 2; mode++) {
		expect(EXIT_ISA_SVM, mode, F_NONE, 0, 0);
		expect(EXIT_ISA_VMX, mode, F_NONE, 0, 0);
	}
	for (int mode = 1; mode <= 2; mode++) {
		expect(EXIT_ISA_SVM, mode, F_UNDEFINED_AS_UNHANDLED, 0xa7, 1);
		expect(EXIT_ISA_SVM, mode, F_UNDEFINED_AS_UNHANDLED, 0x404, 1);
		expect(EXIT_ISA_VMX, mode, F_UNDEFINED_AS_UNHANDLED, 35, 1);
		expect(EXIT_ISA_VMX, mode, F_UNDEFINED_AS_UNHANDLED, 0x400, 1); /* SVM's NPF, not VMX's */
		expect(EXIT_ISA_SVM, mode, F_DEFINED_AS_UNDEFINED, 0xa6, 1);
		expect(EXIT_ISA_VMX, mode, F_DEFINED_AS_UNDEFINED, 85, 1);
		expect(EXIT_ISA_SVM, mode, F_SLOTLESS_VALID, 0x407, 1);
		expect(EXIT_ISA_SVM, mode, F_SLOTLESS_VALID, 0xfffffffe, 1);
		/* Mode 1 adds other VMs' CPUIDs, so only mode 2 can tell one missing. */
		expect(EXIT_ISA_VMX, mode, F_CPUID_OFF_BY_ONE, 10, mode == 2);
		expect(EXIT_ISA_SVM, mode, F_CPUID_OFF_BY_ONE, 0x72, mode == 2);
		expect(EXIT_ISA_SVM, mode, F_FLIP_HANDLED, 0x6e, 1);
		expect(EXIT_ISA_VMX, mode, F_FOREIGN, 16, 1);
		expect(EXIT_ISA_SVM, mode, F_TOTAL_INVALID, 0x100, 1);
		expect(EXIT_ISA_SVM, mode, F_TOTAL_CYCLES_BACK, 0x80000000u, 1);
	}
	/* Mode 2: port I/O exactly the guest's chunk exits (mode 1 wants only at least those). */
	expect(EXIT_ISA_SVM, 2, F_IO_PLUS_ONE, 0x7b, 1);
	expect(EXIT_ISA_VMX, 2, F_IO_PLUS_ONE, 30, 1);
	/* Mode 2: the total has exactly the noise, the CPUIDs and the I/O exits; one less is caught. */
	expect(EXIT_ISA_VMX, 2, F_TOTAL_STUCK, 0xffffffff, 1);
	expect(EXIT_ISA_SVM, 0, F_OFF_DIFFERS, 0x72, 1);
	expect(EXIT_ISA_VMX, 0, F_OFF_DIFFERS, 0xffffffff, 1);
	test_table(EXIT_ISA_SVM, NONE, NONE);
	test_table(EXIT_ISA_VMX, NONE, NONE);
	test_table(EXIT_ISA_SVM, 0x401, NONE); /* 0x401 % 7 == 3: the simulated KVM lacks it */
	test_table(EXIT_ISA_VMX, 17, NONE);
	test_table(EXIT_ISA_SVM, NONE, 0x6e);
	test_table(EXIT_ISA_VMX, NONE, 0);
	return test_result("leafsweep_check");
}
