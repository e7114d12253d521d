/* The arithmetic of `exitprof compare --three-way --vm PID`: the three independent counters of
 * one VM's exits side by side over one window, bucket by bucket (KVM's buckets,
 * compare_stats.h):
 *   PATCH  the patched kernel's counters (the CPUID leaves, read by the query VM, global mode);
 *   BPF    exitprof's tracepoint counts of the VM;
 *   KVM    KVM's own statistics of the VM (debugfs).
 *
 * One window: S0 P1 K1 S1 ........ S2 K2 P2 S3 (S: BPF snapshots, P: the leaves' reads, K: the
 * KVM statistics' reads), so one BPF bracket serves both comparisons of compare_cpuid.h and
 * compare_stats.h, which are computed here unchanged.
 *
 * The leaves count every VM (kvm.exit_stats=1), the query VM's own reads included. The VM's
 * share of them is
 *   PATCH(VM) = leaves' count - the query VM's own exits in the leaves' window,
 * where the latter is the bracket compare_cpuid.h computes in per-VM mode (exact for the CPUIDs
 * and the HLT the query VM controls; an interrupt or page fault of it during a read may fall on
 * either side). That holds only when no third VM exited between S0 and S3; otherwise the VM's
 * share cannot be told and the PATCH column is left empty (the global comparison still runs).
 *
 * A row agrees when KVM's count lies in BPF's bracket (compare_stats.h's rule) and the range of
 * PATCH(VM) meets it; it is "equal" when all three are one and the same number. */
#ifndef EXITPROF_COMPARE_THREE_H
#define EXITPROF_COMPARE_THREE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "compare_cpuid.h"
#include "compare_stats.h"

struct three_input {
	struct cmp_input cmp; /* snapshots with target_tgid = the VM; its mode is set here */
	struct ks_input ks;   /* the same S0..S3, folded for the VM (ks_snap_from_table) */
};

enum three_verdict {
	THREE_EQUAL,	     /* PATCH == BPF == KVM, each one number */
	THREE_AGREE,	     /* each inside BPF's bracket */
	THREE_KVM_DIFFERS,   /* KVM outside BPF's bracket */
	THREE_PATCH_DIFFERS, /* PATCH(VM) outside it */
	THREE_BOTH_DIFFER,
	THREE_SHOWN, /* fewer than two counters to compare: shown only */
};

struct three_row {
	const char *stat, *reason; /* KVM's statistic; the exit reason ("all" for exits) or NULL */
	bool kvm_compared;	   /* KVM's row was compared with BPF (compare_stats.h) */
	uint64_t kvm;
	uint64_t bpf_lo, bpf_hi;
	bool patch_known; /* PATCH(VM) could be told */
	uint64_t patch_lo, patch_hi;
	enum three_verdict verdict;
	const char *note;
};

struct three_result {
	struct cmp_result global; /* the leaves against BPF on every VM (compare_cpuid.h) */
	struct cmp_result own;	  /* the same leaves, BPF of the query VM alone: its own share */
	struct ks_result ks;	  /* KVM's statistics against BPF of the VM (compare_stats.h) */
	struct three_row rows[KS_ROW__MAX];
	uint64_t third;		     /* exits of every other VM between S0 and S3 */
	unsigned equal, agree, differ; /* three-way rows */
};

/* Computes all three comparisons. Returns 0 when the leaves' counts agree with BPF's for every
 * reason, KVM's statistics agree with BPF, and every three-way row agrees; 1 otherwise. The
 * leaves' times against BPF's are computed and shown, not judged: this is a comparison of counts
 * (plain `exitprof compare` judges the times, with its tolerance). */
int three_compute(const struct three_input *in, struct three_result *out);

/* The three-way table, then the leaves' per-reason table (all: every reason's row). */
void three_print(FILE *f, const struct three_input *in, const struct three_result *r, bool all);

const char *three_verdict_str(enum three_verdict v);

#endif
