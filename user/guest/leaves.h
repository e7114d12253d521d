/* Decoding of the exitprof CPUID leaves 0x4FFFFFFF..0x4FFFFFFC (docs/leaves.md).
 *
 * libc only: shared by the static guest reader (exitprof-cpuid, real cpuid
 * instruction) and the host side (cpuid_query, cpuid run inside a micro-VM).
 * Both plug their way of executing CPUID in as a leaf_cpuid_fn, which is also
 * the seam the unit tests use to feed recorded register values.
 */
#ifndef EXITPROF_LEAVES_H
#define EXITPROF_LEAVES_H

#include <stddef.h>
#include <stdint.h>

#define LEAF_TOTAL	  0x4FFFFFFFu /* total exits and cycles */
#define LEAF_TOTAL_CYCLES 0x4FFFFFFEu /* same values as LEAF_TOTAL */
#define LEAF_REASON_COUNT 0x4FFFFFFDu /* ecx = reason: its count (and cycles) */
#define LEAF_REASON_CYCLES 0x4FFFFFFCu /* ecx = reason: its cycles (and count) */

#define LEAF_EDX_VALID	   0x80000000u /* edx bit 31 of every valid answer */
#define LEAF_EDX_UNDEFINED 0xFFFFFFFFu /* edx of a reason the SDM/APM does not define */

/* Reason code no ISA defines (VMX reasons are 16 bits; the APM stops at -4):
 * a patched kernel must answer it with the "undefined" pattern. */
#define LEAF_PROBE_UNDEFINED_REASON 0xFFFFFFFBu

struct leaf_regs {
	uint32_t eax, ebx, ecx, edx;
};

struct leaf_value {
	uint64_t count;	 /* eax = bits 31:0, edx bits 30:0 = bits 62:32 */
	uint64_t cycles; /* ebx = bits 63:32, ecx = bits 31:0 */
};

/* What one answer means, told apart by the registers alone (docs/leaves.md). */
enum leaf_status {
	LEAF_VALID,	  /* edx bit 31 set, edx != 0xFFFFFFFF: count/cycles decoded */
	LEAF_UNDEFINED,	  /* 0, 0, 0, 0xFFFFFFFF: reason not defined by the SDM/APM */
	LEAF_NOT_HANDLED, /* 0, 0, 0, 0: defined, but this KVM has no handler for it */
	LEAF_FOREIGN,	  /* anything else: not a contract answer (kernel without the leaves) */
};

/* Decodes one answer; *out is filled (zero unless LEAF_VALID). */
enum leaf_status leaf_decode(const struct leaf_regs *r, struct leaf_value *out);

/* The inverse for a valid answer: what the patched KVM returns. count must be
 * below 0x7FFFFFFF00000000 (above, edx would read as 0xFFFFFFFF = undefined). Used by tests and by anyone simulating the kernel side. */
void leaf_encode(uint64_t count, uint64_t cycles, struct leaf_regs *r);

/* hi:lo join of two 32-bit halves. */
static inline uint64_t leaf_join(uint32_t hi, uint32_t lo)
{
	return ((uint64_t)hi << 32) | lo;
}

/* The host owner's switch (docs/leaves.md): 0 off, 1 all VMs, 2 per VM. */
#define LEAF_MODE_PARAM "/sys/module/kvm/parameters/exit_stats"

/* kvm.exit_stats as LEAF_MODE_PARAM reads on this host: 0, 1, 2, or -1 if the file is absent
 * (a kernel without the patch) or unreadable. */
int leaf_mode_param(void);

/* Short words for a status: "valid", "undefined by SDM/APM", "not handled by KVM",
 * "not a leaf answer". */
const char *leaf_status_str(enum leaf_status s);

/* Executes CPUID(leaf, subleaf) somewhere (guest instruction, micro-VM, recorded
 * values). Returns 0 on success, -1 if it could not run (errno-style detail is
 * the callee's business; it should have printed nothing). */
typedef int (*leaf_cpuid_fn)(void *ctx, uint32_t leaf, uint32_t subleaf, struct leaf_regs *out);

enum leaf_support {
	LEAVES_PRESENT, /* the kernel under us answers by the contract */
	LEAVES_ABSENT,	/* unpatched kernel, or kvm.exit_stats=0 */
	LEAVES_ERROR,	/* the cpuid function itself failed */
};

/* Decides whether the kernel implements the leaves, with two CPUIDs (so two
 * exits): LEAF_TOTAL must be LEAF_VALID, and LEAF_REASON_COUNT with
 * LEAF_PROBE_UNDEFINED_REASON must be exactly LEAF_UNDEFINED. An unpatched KVM
 * answers zeros (AMD guest vendor, or a leaf within the hypervisor range) or
 * the highest basic leaf's data (Intel guest vendor), which fail these tests.
 * If total is not NULL it receives the total read by the probe. */
enum leaf_support leaf_probe(leaf_cpuid_fn fn, void *ctx, struct leaf_value *total);

/* One row per reason the SDM/APM defines, for a whole-table read. */
struct leaf_row {
	uint32_t reason;
	enum leaf_status status;
	struct leaf_value value;
};

#define LEAF_REPORT_MAX 256 /* >= exit_reason_count() of every ISA (unit-tested) */

struct leaf_report {
	unsigned isa;		 /* EXIT_ISA_VMX / EXIT_ISA_SVM */
	struct leaf_value total; /* read first */
	size_t nrows;
	struct leaf_row rows[LEAF_REPORT_MAX];
	uint64_t cpuid_calls; /* CPUIDs this read executed, i.e. exits it caused */
};

/* A whole-table read is 1 + exit_reason_count(isa) CPUIDs: LEAF_TOTAL first,
 * then LEAF_REASON_COUNT for every defined reason in exit_reason_code_at() order.
 * Every CPUID is itself an exit, counted in the answers that follow it (and in
 * its own answer, docs/leaves.md), so the CPUID row grows by one per query. */
struct leaf_request {
	uint32_t leaf, subleaf;
};
#define LEAF_REQUESTS_MAX (1 + LEAF_REPORT_MAX)

/* Fills req (room for LEAF_REQUESTS_MAX) with the CPUIDs of a whole-table read;
 * returns how many (0 for an unknown isa). */
size_t leaf_report_requests(unsigned isa, struct leaf_request *req);

/* Decodes the n answers to leaf_report_requests(isa) into rep.
 * Returns LEAVES_PRESENT, or LEAVES_ABSENT if the total is not a valid answer or
 * a reason's answer is LEAF_FOREIGN (rows up to that one are kept). */
enum leaf_support leaf_report_decode(unsigned isa, const struct leaf_regs *answers, size_t n,
				     struct leaf_report *rep);

/* The whole-table read through fn, one CPUID at a time. LEAVES_ERROR if fn failed. */
enum leaf_support leaf_read_report(leaf_cpuid_fn fn, void *ctx, unsigned isa,
				   struct leaf_report *rep);

#endif
