/* Test of user/compare/cpuid_query.c on the real /dev/kvm (skips with 77 if absent):
 * batches of CPUIDs with VMM-chosen eax/ecx come back with the registers of the
 * query VM's CPUID table, in order; and the exitprof leaves are detected as
 * absent on this machine's kernel (which has no exitprof patch), both with the
 * host's vendor and with the vendor switched to the other one. */
#include "cpuid_query.h"
#include "reasons.h"

#include "check.h"

#include <stdlib.h>
#include <string.h>

static const struct kvm_cpuid_entry2 *find(const struct kvm_cpuid2 *t, uint32_t f, uint32_t idx)
{
	for (uint32_t i = 0; i < t->nent; i++)
		if (t->entries[i].function == f && t->entries[i].index == idx)
			return &t->entries[i];
	return NULL;
}

/* Leaves whose registers KVM returns exactly as in the table it was given
 * (no per-vCPU runtime adjustment): vendor, hypervisor signature, extended
 * maximum, and the subleaf-indexed cache descriptors (AMD 0x8000001d, Intel 4). */
static int static_leaf(const struct kvm_cpuid_entry2 *e)
{
	return e->function == 0 || e->function == 0x40000000 || e->function == 0x80000000 ||
	       e->function == 0x8000001d || e->function == 4;
}

static void test_batch_matches_table(void)
{
	static struct cpuid_query q;
	struct kvm_cpuid2 *t;
	struct leaf_request req[64];
	struct leaf_regs out[64];
	size_t n = 0, subleaf_checks = 0;

	CHECK(cpuid_query_open(&q) == 0, "open: %s", q.err);
	if (q.vm.nvcpus != 1)
		return;
	t = microvm_supported_cpuid(&q.vm);
	CHECK(t != NULL, "supported cpuid: %s", q.vm.err);
	if (!t)
		goto out;
	/* Requests in reverse table order, so order mistakes cannot line up. */
	for (uint32_t i = t->nent; i-- > 0 && n < 64;) {
		if (static_leaf(&t->entries[i])) {
			req[n++] = (struct leaf_request){ t->entries[i].function, t->entries[i].index };
			subleaf_checks += t->entries[i].index != 0;
		}
	}
	CHECK(n >= 3, "only %zu static leaves in the table", n);
	CHECK(cpuid_query_batch(&q, req, out, n) == 0, "batch: %s", q.err);
	for (size_t i = 0; i < n; i++) {
		const struct kvm_cpuid_entry2 *e = find(t, req[i].leaf, req[i].subleaf);
		CHECK(e && out[i].eax == e->eax && out[i].ebx == e->ebx && out[i].ecx == e->ecx &&
			      out[i].edx == e->edx,
		      "leaf 0x%x.%u: got %08x %08x %08x %08x", req[i].leaf, req[i].subleaf, out[i].eax,
		      out[i].ebx, out[i].ecx, out[i].edx);
	}
	printf("batch: %zu leaves matched the table (%zu with subleaf > 0)\n", n, subleaf_checks);
	CHECK(q.runs == 1 && q.cpuids == n, "counters runs %llu cpuids %llu",
	      (unsigned long long)q.runs, (unsigned long long)q.cpuids);

	/* One at a time (the leaf_cpuid_fn path) gives the same answer. */
	struct leaf_regs one;
	CHECK(cpuid_query_one(&q, req[0].leaf, req[0].subleaf, &one) == 0 &&
		      memcmp(&one, &out[0], sizeof(one)) == 0,
	      "single query differs");
	CHECK(q.runs == 2 && q.cpuids == n + 1, "counters after single");
	CHECK(cpuid_query_batch(&q, req, out, CPUID_QUERY_BATCH_MAX + 1) == -1, "oversized batch");
	free(t);
out:
	cpuid_query_close(&q);
}

/* This kernel has no exitprof patch: the probe and the whole-table read must say
 * so, whatever vendor the query VM claims (KVM answers out-of-range leaves with
 * zeros for AMD guests and the highest basic leaf for Intel guests). */
static void test_absent(int swap_vendor)
{
	static struct cpuid_query q;
	static struct leaf_report rep;
	struct leaf_regs raw;

	CHECK(cpuid_query_open(&q) == 0, "open: %s", q.err);
	if (q.vm.nvcpus != 1)
		return;
	if (swap_vendor) {
		struct kvm_cpuid2 *t = microvm_supported_cpuid(&q.vm);
		struct kvm_cpuid_entry2 *e = t ? (struct kvm_cpuid_entry2 *)find(t, 0, 0) : NULL;
		CHECK(e != NULL, "no leaf 0");
		if (e) {
			int amd = e->ebx == 0x68747541; /* "Auth" */
			/* "GenuineIntel" / "AuthenticAMD" in ebx, edx, ecx order */
			e->ebx = amd ? 0x756e6547 : 0x68747541;
			e->edx = amd ? 0x49656e69 : 0x69746e65;
			e->ecx = amd ? 0x6c65746e : 0x444d4163;
			/* Make the highest basic leaf 0xd, whose subleaf 0 is not all zero,
			 * so an Intel guest gets real data back for an out-of-range leaf. */
			if (amd && find(t, 0xd, 0))
				e->eax = 0xd;
			CHECK(microvm_set_cpuid(&q.vm, t) == 0, "set cpuid: %s", q.vm.err);
		}
		free(t);
	}
	CHECK(cpuid_query_one(&q, LEAF_TOTAL, 0, &raw) == 0, "raw: %s", q.err);
	printf("%s vendor: CPUID 0x4fffffff = %08x %08x %08x %08x\n", swap_vendor ? "swapped" : "host",
	       raw.eax, raw.ebx, raw.ecx, raw.edx);
	CHECK(cpuid_query_probe(&q, NULL) == LEAVES_ABSENT, "probe did not say absent");
	CHECK(cpuid_query_report(&q, EXIT_ISA_SVM, &rep) == LEAVES_ABSENT, "report SVM not absent");
	CHECK(cpuid_query_report(&q, EXIT_ISA_VMX, &rep) == LEAVES_ABSENT, "report VMX not absent");
	CHECK(cpuid_query_report(&q, 9, &rep) == LEAVES_ERROR, "bad isa");
	cpuid_query_close(&q);
}

int main(void)
{
	if (kvm_missing())
		return TEST_SKIP;
	test_batch_matches_table();
	test_absent(0);
	test_absent(1);
	return test_result("cpuid_query");
}
