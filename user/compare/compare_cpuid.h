/* The arithmetic of `exitprof --compare-cpuid`: the patched kernel's counters (two whole-table
 * reads through the query VM, user/compare/cpuid_query.h) against BPF's counts over the same window.
 * Pure functions on recorded values, so the unit tests drive them without a kernel.
 *
 * The window of a reason is (read 1's CPUID of that reason, read 2's CPUID of that reason]:
 * exits are counted when they happen, and the CPUID that reads a leaf is already in its own
 * answer (docs/leaves.md). BPF cannot be snapshotted at those instants, so four BPF snapshots
 * bracket the two reads:
 *
 *   S0  read 1  S1 ........ S2  read 2  S3
 *
 * Exits between S1 and S2 are surely inside the window, exits outside S0..S3 surely not, and
 * exits during a read may fall on either side of the instant the reason was read. For the
 * query VM's own exits during the reads the side is known where the guest controls them:
 * of the 2n CPUID exits of the two reads (n per read), exactly n are inside every reason's
 * window; of the two HLT exits, read 1's is inside and read 2's is not. So:
 *
 *   bpf_lo = others(S2-S1) + own(S2-S1) + own CPUID/HLT of the reads known to be inside
 *   bpf_hi = others(S3-S0) + own(S2-S1) + own CPUID/HLT inside + own other exits during reads
 *
 * and the counts agree when bpf_lo <= patch <= bpf_hi. With no other VM exiting during the
 * reads (a quiet host, or per-VM mode) and no interrupt or page fault of the query VM during
 * them, bpf_lo == bpf_hi: an exact comparison. docs/compare-cpuid.md has the derivation.
 */
#ifndef EXITPROF_COMPARE_CPUID_H
#define EXITPROF_COMPARE_CPUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "exit_table.h"
#include "leaves.h"

/* Bucket of exit codes the ISA's table does not define (they reach the patch's total only). */
#define CMP_OTHER_REASON LEAF_REPORT_MAX
#define CMP_BUCKETS (LEAF_REPORT_MAX + 1)

/* What the patch's leaves report (kvm.exit_stats). */
enum cmp_mode {
	CMP_MODE_UNKNOWN = -1, /* parameter unreadable: decided by behaviour (cmp_infer_mode) */
	CMP_MODE_GLOBAL = 1,   /* every VM: compare with BPF on every VM */
	CMP_MODE_PER_VM = 2,   /* the reading VM only: compare with the query VM's own exits */
};

struct cmp_bucket {
	uint64_t count;	 /* exits (BPF: counted at kvm_exit) */
	uint64_t ns;	 /* their exit->entry time (BPF: added at kvm_entry) */
	uint64_t max_ns; /* longest single exit->entry so far */
	uint64_t keys;	 /* BPF map keys (VM, vCPU, reason) folded in: new ones mean allocations */
};

/* One BPF snapshot, folded per reason of the ISA; the query VM's own exits apart. */
struct cmp_snap {
	struct cmp_bucket own[CMP_BUCKETS];    /* tgid == the comparing process */
	struct cmp_bucket others[CMP_BUCKETS]; /* every other VM */
	uint64_t target;		       /* --vm PID: that VM's exits, all reasons */
	uint64_t drops;			       /* BPF exits not counted (map full) */
};

/* The query VM's batch for one read: the total first, then the CPUID reason, then every other
 * defined reason in table order. With the CPUID reason at position 1, the query VM's own CPUID
 * times in that row's window are read 1's CPUIDs but its first, plus read 2's first: known to
 * within one exit (see bucket_window). Returns n (0 for an unknown isa); *cpuid_pos = 1. */
size_t cmp_requests(unsigned isa, struct leaf_request *req, size_t *cpuid_pos);

/* Puts answers to cmp_requests() back into leaf_report_requests() order (for
 * leaf_report_decode): out[i] = the answer to the i-th request of the table order. */
void cmp_answers_in_table_order(unsigned isa, const struct leaf_regs *batch, size_t n,
				struct leaf_regs *out);

/* Index of a code in exit_reason_code_at(isa, .) order, or CMP_OTHER_REASON. */
size_t cmp_reason_index(unsigned isa, uint32_t code);

/* Folds a BPF table (rows of any tgid) into *s: rows of own_tgid into own[], others into
 * others[]; target_tgid (0 = none) is summed into s->target. Rows of another ISA go to others'
 * CMP_OTHER_REASON bucket (they cannot be in the leaves). */
void cmp_snap_from_table(struct cmp_snap *s, const struct exit_table *t, unsigned isa,
			 uint32_t own_tgid, uint32_t target_tgid);

struct cmp_tolerance {
	double rel;		/* relative: the TSC rate's uncertainty, e.g. 0.02 */
	double abs_ns_per_exit; /* absolute, per exit: the two clocks are read at different
				   instructions of the same exit path, BPF's programs in between
				   (compare_run.c uses their measured average run time) */
	double ns_per_new_key;	/* absolute, per BPF key first seen in the window: that exit's
				   program allocated (hash entry, the vCPU thread's task storage)
				   and ran far longer than the average */
};

struct cmp_input {
	unsigned isa;
	enum cmp_mode mode; /* GLOBAL or PER_VM (resolve UNKNOWN first) */
	const struct leaf_report *read[2];
	const struct cmp_snap *snap[4]; /* S0 .. S3 */
	size_t cpuid_pos;		/* position of the CPUID reason in the batch, 0 = table
					   order (1 + its index); cmp_requests() gives 1 */
	double tsc_khz;
	struct cmp_tolerance tol;
};

enum cmp_verdict {
	CMP_AGREE,
	CMP_COUNT_DIFFERS,
	CMP_TIME_DIFFERS,
	CMP_NOT_COMPARED, /* the patch does not answer this reason (not handled by KVM) */
};

struct cmp_row {
	bool total;
	uint32_t reason;	/* unless total / other */
	enum leaf_status status; /* of the patch's answers */
	uint64_t patch_count;	/* read 2 - read 1 */
	uint64_t patch_cycles;
	double patch_ns;	/* patch_cycles at tsc_khz */
	uint64_t bpf_lo, bpf_hi; /* BPF's count of the window */
	uint64_t own;		/* of bpf_lo: the query VM's own exits */
	double bpf_ns_lo, bpf_ns_hi;
	uint64_t new_keys;	/* BPF keys of this row first seen during S0..S3 */
	int64_t diff;		/* patch - the nearest of bpf_lo/bpf_hi; 0 inside */
	double time_diff;	/* (patch_ns - mid of the BPF time) / mid, 0 if mid is 0 */
	enum cmp_verdict verdict;
};

struct cmp_result {
	struct cmp_row total;
	size_t nrows;
	struct cmp_row rows[LEAF_REPORT_MAX]; /* every defined reason, table order */
	struct cmp_row other;		       /* BPF exits with undefined codes (patch: total only) */
	unsigned count_bad, time_bad;	       /* rows that differ (total included) */
	unsigned exact;			       /* compared rows whose BPF bracket is one number */
	unsigned compared;		       /* rows compared (total included) */
};

/* Compares; returns 0 when every compared row agrees, 1 otherwise (exitprof's exit status). */
int cmp_compute(const struct cmp_input *in, struct cmp_result *out);

/* Decides the mode from the results of both comparisons when kvm.exit_stats was unreadable:
 * GLOBAL if only the every-VM comparison agrees, PER_VM if only the own one does; if both
 * agree (no other VM exited), PER_VM (the narrower claim) and *ambiguous = true. */
enum cmp_mode cmp_infer_mode(const struct cmp_result *global, const struct cmp_result *per_vm,
			     bool *ambiguous);

/* The table: one row per reason with exits on either side, the total first. all: every row. */
void cmp_print(FILE *f, const struct cmp_input *in, const struct cmp_result *r, bool all);

const char *cmp_verdict_str(enum cmp_verdict v);

/* "lo" when lo == hi, else "lo..hi": a BPF bracket as the tables print it. */
void cmp_fmt_bracket(char *buf, size_t len, uint64_t lo, uint64_t hi);

#endif
