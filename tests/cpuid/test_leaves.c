/* Unit test of user/guest/leaves.c: decoding of recorded and hand-built register values,
 * and the probe / whole-table read through a replaying cpuid function (the seam). */
#include "leaves.h"
#include "reasons.h"

#include "check.h"
#include "sim_kernel.h"

#include <stdio.h>
#include <string.h>

static enum leaf_status decode4(uint32_t a, uint32_t b, uint32_t c, uint32_t d, struct leaf_value *v)
{
	struct leaf_regs r = { a, b, c, d };
	return leaf_decode(&r, v);
}

static void test_decode(void)
{
	struct leaf_value v;

	/* Hand-computed valid answer: count 0x1_2345_6789, cycles 0xDEADBEEF_00000001. */
	CHECK(decode4(0x23456789, 0xDEADBEEF, 0x00000001, 0x80000001, &v) == LEAF_VALID, "valid");
	CHECK(v.count == 0x123456789ull && v.cycles == 0xDEADBEEF00000001ull,
	      "hi/lo join: count %llx cycles %llx", (unsigned long long)v.count,
	      (unsigned long long)v.cycles);
	/* Zero exits, zero cycles: still valid thanks to bit 31. */
	CHECK(decode4(0, 0, 0, 0x80000000, &v) == LEAF_VALID && v.count == 0 && v.cycles == 0,
	      "zero valid");
	/* Largest distinguishable count: edx 0xFFFFFFFE (0xFFFFFFFF means undefined). */
	CHECK(decode4(0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFE, &v) == LEAF_VALID &&
		      v.count == 0x7FFFFFFEFFFFFFFFull && v.cycles == UINT64_MAX,
	      "max valid");
	CHECK(decode4(0, 0, 0, 0xFFFFFFFF, &v) == LEAF_UNDEFINED && v.count == 0, "undefined");
	CHECK(decode4(0, 0, 0, 0, &v) == LEAF_NOT_HANDLED, "not handled");
	/* Recorded on this machine (a KVM guest on an AMD host, unpatched kernel):
	 * `cpuid -1 -r -l 0x4fffffff` -> all zero. For a reason leaf this alone looks
	 * like "not handled"; the probe (below) is what rejects it. */
	CHECK(decode4(0, 0, 0, 0, &v) == LEAF_NOT_HANDLED, "recorded zeros");
	/* Recorded here: `cpuid -1 -r -l 0xd -s 0` = 7, 0x340, 0x340, 0: what an unpatched
	 * KVM returns for an out-of-range leaf with an Intel guest vendor (the highest
	 * basic leaf's data) looks like this: edx 0 but data elsewhere. */
	CHECK(decode4(0x7, 0x340, 0x340, 0, &v) == LEAF_FOREIGN, "basic-leaf data");
	CHECK(decode4(1, 0, 0, 0xFFFFFFFF, &v) == LEAF_FOREIGN, "undefined with data");
	CHECK(decode4(5, 6, 7, 0x7FFFFFFF, &v) == LEAF_FOREIGN, "bit 31 clear");

	/* encode/decode round trip over edge values. */
	static const uint64_t counts[] = { 0, 1, 0xFFFFFFFF, 0x100000000ull, 0x7FFFFFFEFFFFFFFFull };
	static const uint64_t cycles[] = { 0, 1, 0xFFFFFFFF, 0x100000000ull, UINT64_MAX };
	for (size_t i = 0; i < 5; i++) {
		for (size_t j = 0; j < 5; j++) {
			struct leaf_regs r;
			leaf_encode(counts[i], cycles[j], &r);
			CHECK(leaf_decode(&r, &v) == LEAF_VALID && v.count == counts[i] &&
				      v.cycles == cycles[j],
			      "round trip %zu,%zu", i, j);
			CHECK(r.edx & LEAF_EDX_VALID, "encode sets bit 31");
		}
	}
	CHECK(leaf_join(0x12345678, 0x9abcdef0) == 0x123456789abcdef0ull, "join");
	CHECK(strcmp(leaf_status_str(LEAF_UNDEFINED), "undefined by SDM/APM") == 0 &&
		      strcmp(leaf_status_str(LEAF_NOT_HANDLED), "not handled by KVM") == 0,
	      "status words");
}

static void test_probe_and_report(unsigned isa)
{
	struct sim s = { .patched = 1, .isa = isa, .fail_after = -1,
			 .not_handled_reason = isa == EXIT_ISA_VMX ? 11 /* GETSEC */ : 0x8e /* rdpru */ };
	static struct leaf_report rep;
	struct leaf_value total;
	uint32_t cpuid_reason = sim_cpuid_reason(isa);
	size_t n = exit_reason_count(isa);

	CHECK(n <= LEAF_REPORT_MAX, "LEAF_REPORT_MAX %d too small for %zu", LEAF_REPORT_MAX, n);
	CHECK(leaf_probe(sim_cpuid, &s, &total) == LEAVES_PRESENT, "probe patched");
	CHECK(total.count == 1 && s.calls == 2, "probe: total %llu after %d calls",
	      (unsigned long long)total.count, s.calls);

	s.calls = 0;
	CHECK(leaf_read_report(sim_cpuid, &s, isa, &rep) == LEAVES_PRESENT, "report");
	CHECK(rep.nrows == n && rep.cpuid_calls == n + 1 && (uint64_t)s.calls == n + 1,
	      "rows %zu calls %llu (want %zu)", rep.nrows, (unsigned long long)rep.cpuid_calls, n + 1);
	CHECK(rep.total.count == 3, "total after probe = %llu", (unsigned long long)rep.total.count);
	for (size_t i = 0; i < rep.nrows; i++) {
		const struct leaf_row *row = &rep.rows[i];
		CHECK(row->reason == exit_reason_code_at(isa, i), "row order");
		if (row->reason == s.not_handled_reason)
			CHECK(row->status == LEAF_NOT_HANDLED, "not handled row");
		else
			CHECK(row->status == LEAF_VALID, "row 0x%x status %d", row->reason, row->status);
		if (row->reason == cpuid_reason)
			/* 2 probe + 1 total + (i + 1) reason queries, all counted. */
			CHECK(row->value.count == 3 + i + 1 && row->value.cycles == (3 + i + 1) * SIM_CPUID_CYCLES,
			      "cpuid row count %llu", (unsigned long long)row->value.count);
	}

	/* Unpatched kernels: all zero (AMD vendor, recorded here) and basic-leaf data. */
	struct sim z = { .patched = 0, .isa = isa, .fail_after = -1 };
	CHECK(leaf_probe(sim_cpuid, &z, NULL) == LEAVES_ABSENT && z.calls == 1, "probe zeros");
	CHECK(leaf_read_report(sim_cpuid, &z, isa, &rep) == LEAVES_ABSENT, "report zeros");
	z.unpatched = (struct leaf_regs){ 0x7, 0x340, 0x340, 0 };
	CHECK(leaf_probe(sim_cpuid, &z, NULL) == LEAVES_ABSENT, "probe basic leaf");
	/* A kernel that answers the total validly but not the undefined probe. */
	z.unpatched = (struct leaf_regs){ 1, 0, 0, 0x80000000 };
	CHECK(leaf_probe(sim_cpuid, &z, NULL) == LEAVES_ABSENT, "probe half contract");

	/* The cpuid function failing is an error, not an absent kernel. */
	struct sim f = { .patched = 1, .isa = isa, .fail_after = 0 };
	CHECK(leaf_probe(sim_cpuid, &f, NULL) == LEAVES_ERROR, "probe error");
	f.fail_after = 5;
	f.calls = 0;
	CHECK(leaf_read_report(sim_cpuid, &f, isa, &rep) == LEAVES_ERROR && rep.nrows == 4,
	      "report error after %zu rows", rep.nrows);
}

int main(void)
{
	test_decode();
	test_probe_and_report(EXIT_ISA_VMX);
	test_probe_and_report(EXIT_ISA_SVM);
	return test_result("leaves");
}
