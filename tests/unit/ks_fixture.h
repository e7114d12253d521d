/* Test helpers of compare --kvm-stats (compare_stats.h), for test_compare_stats.c and
 * test_kvm_buckets.c: a VM's exits put in a BPF table, the four BPF snapshots of a window whose
 * VM is quiet at both KVM reads, and the comparison's input over them. */
#ifndef EXITPROF_TEST_KS_FIXTURE_H
#define EXITPROF_TEST_KS_FIXTURE_H

#include <stdint.h>

#include "compare_stats.h"

/* count exits of reason code by VM tgid, halt_ns of them halted, merged into t. */
static inline void ks_add_exits(struct exit_table *t, uint32_t tgid, unsigned isa, uint32_t code, uint64_t count,
				uint64_t halt_ns)
{
	struct exit_key k = { 0 };
	struct exit_val v = { 0 };

	k.tgid = tgid;
	k.isa = isa;
	k.reason = code;
	v.count = count;
	v.halt_ns = halt_ns;
	exit_table_merge(t, &k, &v);
}

/* S0..S3 of a VM quiet at both reads, so the comparison is exact: S0 == S1 from before's rows of
 * tgid, S2 == S3 from after's (isa as ks_snap_from_table takes it). Frees both tables. */
static inline void ks_quiet_snaps(struct ks_snap s[4], struct exit_table *before, struct exit_table *after,
				  uint32_t tgid, unsigned isa)
{
	ks_snap_from_table(&s[0], before, tgid, isa);
	exit_table_free(before);
	s[1] = s[0];
	ks_snap_from_table(&s[2], after, tgid, isa);
	exit_table_free(after);
	s[3] = s[2];
}

/* The comparison of KVM's reads k[0], k[1] with the snapshots s[0..3], on a 6.12 kernel. */
static inline struct ks_input ks_input_of(unsigned isa, const struct kvm_stat_values k[2], const struct ks_snap s[4])
{
	struct ks_input in = { .isa = isa, .kernel_major = 6, .kernel_minor = 12,
			       .k = { &k[0], &k[1] }, .snap = { &s[0], &s[1], &s[2], &s[3] } };

	return in;
}

#endif
