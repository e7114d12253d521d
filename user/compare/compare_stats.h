/* The arithmetic of `exitprof compare --kvm-stats`: KVM's own per-vCPU statistics of one VM
 * (kvm_stats.h) against BPF's per-reason counts of the same VM over the same window. Pure
 * functions on recorded values, so the unit tests drive them without a kernel.
 *
 * Window: the KVM statistics are read twice (K1, K2). BPF cannot be read at those instants, so
 * four BPF snapshots bracket them, as in compare_cpuid.h:
 *
 *   S0  K1  S1 ........ S2  K2  S3
 *
 * Exits between S1 and S2 are surely in the window, exits outside S0..S3 surely not: a KVM
 * count agrees when (S2 - S1) <= K2 - K1 <= (S3 - S0). A VM idle during both reads (e.g. not yet
 * started at K1 and exited at K2) makes the bracket one number: an exact comparison.
 *
 * What each KVM statistic is compared with, from the 6.12 source (kvm_stats.h):
 *   exits            every BPF exit of the VM (equal since 6.4; before, fastpath exits that
 *                    re-enter the guest are not counted, so KVM <= BPF);
 *   io_exits         the I/O reason, irq_exits the external-interrupt reason,
 *   irq_window_exits the interrupt-window reason, nmi_window_exits NMI window (VMX) or IRET
 *                    (SVM, where KVM opens the NMI window by intercepting IRET),
 *   halt_exits       the HLT reason: each equal;
 *   halt_wait_ns + halt_poll_success_ns + halt_poll_fail_ns: BPF's halted time, within 2% plus
 *                    50 us per HLT exit (a halt that returns without polling or blocking is in
 *                    BPF's time only, and BPF clamps a halt to its exit);
 *   mmio_exits, signal_exits, request_irq_exits: exits to user space with no exit reason of
 *                    their own: shown, not compared.
 */
#ifndef EXITPROF_COMPARE_STATS_H
#define EXITPROF_COMPARE_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "exit_table.h"
#include "kvm_stats.h"

/* The rows of the comparison, in print order. */
enum ks_row_id {
	KS_ROW_EXITS,
	KS_ROW_IO,
	KS_ROW_IRQ,
	KS_ROW_IRQ_WINDOW,
	KS_ROW_NMI_WINDOW,
	KS_ROW_HALT,
	KS_ROW_HALT_NS,
	KS_ROW_MMIO,
	KS_ROW_SIGNAL,
	KS_ROW_REQUEST_IRQ,
	KS_ROW__MAX
};

/* One BPF snapshot of the VM, folded into the rows (counts; KS_ROW_HALT_NS: ns). */
struct ks_snap {
	uint64_t v[KS_ROW__MAX];
	unsigned isa;	 /* of the VM's exits seen so far, 0 if none */
	uint64_t drops; /* exits BPF could not count (a map was full) */
};

/* Folds the rows of tgid in a BPF table into *s (zeroed first). isa: the ISA whose reason
 * codes to use when the table has none of the VM's exits yet (0: take it from the rows). */
void ks_snap_from_table(struct ks_snap *s, const struct exit_table *t, uint32_t tgid, unsigned isa);

enum ks_verdict { KS_AGREE, KS_DIFFERS, KS_NOT_COMPARED };

struct ks_row {
	const char *stat;   /* KVM's name; "halt_wait+poll_ns" for the time row */
	const char *reason; /* the exit reason it is compared with, "all", or NULL */
	uint64_t kvm;	    /* K2 - K1 */
	uint64_t lo, hi;    /* BPF's bracket */
	bool kvm_present;   /* this kernel has the statistic */
	enum ks_verdict verdict;
	const char *note; /* why the rule is what it is, when it is not plain equality */
};

struct ks_input {
	unsigned isa;
	int kernel_major, kernel_minor; /* of the running kernel: the exits rule changed in 6.4 */
	const struct kvm_stat_values *k[2];
	const struct ks_snap *snap[4];
};

struct ks_result {
	struct ks_row rows[KS_ROW__MAX];
	unsigned compared, differ, exact;
};

/* Compares; returns 0 when every compared row agrees, 1 otherwise (exitprof's exit status). */
int ks_compute(const struct ks_input *in, struct ks_result *out);

void ks_print(FILE *f, const struct ks_input *in, const struct ks_result *r);

#endif
