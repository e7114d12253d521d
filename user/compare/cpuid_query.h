/* cpuid_query: executes CPUIDs with VMM-chosen (eax, ecx) inside a tiny VM of its
 * own (user/microvm), so the host can read the patched KVM's exitprof leaves
 * (docs/leaves.md). This is how `exitprof --compare-cpuid` reads the kernel's
 * counters.
 *
 * The query VM: one vCPU in real mode, KVM_GET_SUPPORTED_CPUID as its CPUID table,
 * and a fixed guest program that executes a batch of CPUIDs from a request table
 * in guest memory, stores the four registers of each, and halts:
 *
 *   exits caused by one batch of n CPUIDs = n CPUID exits + 1 HLT exit
 *                                           + the VM's first-touch page faults
 *                                             (NPF / EPT_VIOLATION, first batch only)
 *                                           + any external interrupts meanwhile.
 *
 * The CPUID and HLT exits are exact and are also kept in the counters below, so a
 * caller can subtract them; the other two are not controlled by the guest.
 * Under the patch's per-VM mode (kvm.exit_stats=2, its default) the query VM sees
 * only its own exits; the host's view of every VM needs global mode (1).
 */
#ifndef EXITPROF_CPUID_QUERY_H
#define EXITPROF_CPUID_QUERY_H

#include "leaves.h"
#include "microvm.h"

#include <stddef.h>
#include <stdint.h>

/* Requests one guest run can take (the tables must fit in the first 64 KiB). */
#define CPUID_QUERY_BATCH_MAX 1000

struct cpuid_query {
	struct microvm vm;
	uint64_t runs;	 /* guest runs = HLT exits caused */
	uint64_t cpuids; /* CPUIDs executed = CPUID exits caused */
	char err[256];	 /* one-line cause when a function returns -1 / LEAVES_ERROR */
};

/* Creates the query VM. -1 with q->err on failure (e.g. no /dev/kvm). */
int cpuid_query_open(struct cpuid_query *q);
void cpuid_query_close(struct cpuid_query *q);

/* Executes req[0..n-1] in order in one guest run; answers in out[0..n-1]. */
int cpuid_query_batch(struct cpuid_query *q, const struct leaf_request *req,
		      struct leaf_regs *out, size_t n);

/* A leaf_cpuid_fn (ctx = struct cpuid_query *): one CPUID per guest run. */
int cpuid_query_one(void *ctx, uint32_t leaf, uint32_t subleaf, struct leaf_regs *out);

/* leaf_probe() through the query VM. */
enum leaf_support cpuid_query_probe(struct cpuid_query *q, struct leaf_value *total);

/* The total and every defined reason of isa in ONE guest run (1 + reasons
 * CPUID exits and 1 HLT exit): LEAVES_PRESENT, LEAVES_ABSENT (kernel without
 * the leaves, or kvm.exit_stats=0), or LEAVES_ERROR (q->err says why). */
enum leaf_support cpuid_query_report(struct cpuid_query *q, unsigned isa, struct leaf_report *rep);

#endif
