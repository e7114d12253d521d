/*
 * The contract of docs/leaves.md as a checker of single answers, for leafsweep: each CPUID
 * answer of the four exitprof leaves, in the order the guest executed them, is checked against
 * what the contract says it must be. It uses the project's own SDM/APM tables (user/guest/
 * reasons.c) and register decoding (user/guest/leaves.c), never the kernel patch's code.
 *
 * What is checked, for kvm.exit_stats = 1 or 2 (docs/leaves.md, "Registers", "Reasons that are
 * not valid"):
 *   - 0x4FFFFFFF and 0x4FFFFFFE, any ecx: a valid answer; one sequence of totals over both
 *     leaves in which the count grows by at least the CPUIDs and chunk exits in between (the
 *     CPUID's own exit is counted in its answer) and the cycles never shrink; the count is at
 *     least the CPUIDs and chunk exits of this VM so far;
 *   - 0x4FFFFFFD and 0x4FFFFFFC, ecx not defined by the SDM (VMX) / APM (SVM) of the host's
 *     ISA: exactly 0, 0, 0, 0xFFFFFFFF;
 *   - defined ecx: exactly 0, 0, 0, 0 (not handled) or a valid answer, the same of the two for
 *     every query of that reason on both leaves; the ones the contract fixes: SVM 0x407 and
 *     0xFFFFFFFC..0xFFFFFFFE not handled, SVM 0xFFFFFFFF and VMX 33 and 34 handled, CPUID
 *     handled (it is what the guest executes); given KVM's handler table (sweep_set_handled),
 *     every other one valid exactly when the table has it; a valid count and cycles never
 *     shrink;
 *   - CPUID's and port I/O's counts: in mode 2 (per VM, a fresh VM) exactly the CPUIDs this VM
 *     executed up to and including this one, and the chunk-done OUTs before it; in mode 1
 *     (all VMs) at least those.
 * For kvm.exit_stats = 0: each query of an exitprof leaf is followed by the same ecx on
 * 0x4FFFFFF0, a leaf nobody answers specially, and both answers must be equal (the leaves
 * "behave exactly as on an unpatched kernel").
 */
#ifndef EXITPROF_LEAFSWEEP_CHECK_H
#define EXITPROF_LEAFSWEEP_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "leaves.h"
#include "reasons.h"

#define SWEEP_REF_LEAF 0x4FFFFFF0u /* mode 0: the reference every leaf must answer like */
#define SWEEP_NLEAVES 4		   /* 0x4FFFFFFF - i */
#define SWEEP_MAX_VIOLATIONS 8	   /* kept with their registers; all are counted */

struct sweep_violation {
	uint32_t leaf, ecx;
	struct leaf_regs regs;
	char why[120];
};

struct sweep_leaf_stats {
	uint64_t checked, valid, undefined, not_handled;
};

struct sweep {
	unsigned isa; /* EXIT_ISA_VMX / EXIT_ISA_SVM: whose reasons are defined */
	int mode;     /* kvm.exit_stats the answers were given under: 0, 1 or 2 */
	uint32_t cpuid_reason, io_reason;
	uint64_t cpuids;     /* CPUIDs the VM executed before the answer being checked */
	uint64_t chunk_exits; /* chunk-done OUTs (port I/O exits) before it */
	int have_total;
	struct leaf_value total; /* the last total answer */
	uint64_t total_own;	 /* CPUIDs and chunk exits up to that answer */
	/* Per reason the ISA defines, in exit_reason_code_at() order. */
	size_t nreasons;
	uint32_t code[LEAF_REPORT_MAX];
	enum leaf_status status[LEAF_REPORT_MAX]; /* first answer; LEAF_FOREIGN: none yet */
	int have_table;				  /* sweep_set_handled() was called */
	unsigned char in_table[LEAF_REPORT_MAX];  /* KVM's handler table has the reason */
	struct leaf_value last[LEAF_REPORT_MAX];
	struct sweep_leaf_stats leaf[SWEEP_NLEAVES];
	uint64_t checked, violations;
	struct sweep_violation first[SWEEP_MAX_VIOLATIONS];
};

/* Returns 0, or -1 if isa is unknown or lacks the CPUID or port I/O reason. */
int sweep_init(struct sweep *s, unsigned isa, int mode);

/* The exit codes KVM's handler table has for s->isa (lab/run: tests/patch/handler-tables --list
 * of the kernel's source and config). Without it, a defined reason's answer need only be the
 * same every time; with it, it must be valid exactly for the table's codes (besides the ones the
 * contract fixes). Returns the number of codes that are not defined reasons (0 expected). */
size_t sweep_set_handled(struct sweep *s, const uint32_t *codes, size_t n);

/* Mode 1 or 2: one answer to CPUID(leaf, ecx), leaf one of the four, in execution order. */
void sweep_check(struct sweep *s, uint32_t leaf, uint32_t ecx, const struct leaf_regs *r);

/* Mode 0: an exitprof leaf's answer and the answer of SWEEP_REF_LEAF with the same ecx right
 * after it (two CPUIDs). */
void sweep_check_off(struct sweep *s, uint32_t leaf, uint32_t ecx, const struct leaf_regs *r,
		     const struct leaf_regs *ref);

/* The guest's chunk-done OUT, between two answers. */
static inline void sweep_chunk_exit(struct sweep *s)
{
	s->chunk_exits++;
}

/* Defined reasons whose first answer was valid / not handled. */
size_t sweep_count_status(const struct sweep *s, enum leaf_status st);

#endif
