/* The patch's answers for KVM's real exit handler tables (fed by tests/patch/handler-tables
 * as "isa code" lines on stdin): every code KVM handles must be defined by the SDM/APM
 * table of the patch, have a counter slot, and read as valid; every sampled code that
 * reads as valid must be one KVM handles; and the codes the guest-side tools and the
 * selftest rely on (CPUID, I/O, HLT, ...) must be among them. */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "exit_stats.h"
#include "samples.h"

#define MAX_CODES 512

static uint32_t codes[3][MAX_CODES];
static size_t ncodes[3];
static unsigned current_isa;

static bool in_table(unsigned isa, uint32_t code)
{
	for (size_t i = 0; i < ncodes[isa]; i++)
		if (codes[isa][i] == code)
			return true;
	return false;
}

static bool table_handled(uint32_t reason)
{
	return in_table(current_isa, reason);
}

struct arg {
	unsigned isa;
	const bool *handled;
	unsigned long valid;
};

static void check_sample(uint32_t code, void *p)
{
	struct arg *a = p;

	if (kvm_exit_stats_classify(a->isa, a->handled, code) != KVM_EXIT_STATS_VALID)
		return;
	a->valid++;
	CHECK(in_table(a->isa, code), "isa %u code 0x%x reads as valid but KVM has no handler",
	      a->isa, code);
}

int main(void)
{
	/* Reasons the selftest and exitprof-cpuid expect to be valid. */
	static const uint32_t must[3][5] = {
		[KVM_EXIT_STATS_ISA_VMX] = { 1, 10, 12, 30, 48 },	/* intr, cpuid, hlt, io, ept */
		[KVM_EXIT_STATS_ISA_SVM] = { 0x60, 0x72, 0x78, 0x7b, 0x400 },
	};
	unsigned isa;
	unsigned long code;

	while (scanf("%u %lu", &isa, &code) == 2) {
		CHECK(isa == KVM_EXIT_STATS_ISA_VMX || isa == KVM_EXIT_STATS_ISA_SVM, "isa %u", isa);
		if ((isa != 1 && isa != 2) || ncodes[isa] == MAX_CODES)
			return 1;
		codes[isa][ncodes[isa]++] = (uint32_t)code;
	}
	for (isa = 1; isa <= 2; isa++) {
		bool handled[KVM_EXIT_STATS_NR_SLOTS];
		struct arg a = { .isa = isa, .handled = handled };
		unsigned long unhandled = 0;

		CHECK(ncodes[isa] > 20, "isa %u: only %zu handled codes read", isa, ncodes[isa]);
		current_isa = isa;
		kvm_exit_stats_build_handled(isa, table_handled, handled);
		for (size_t i = 0; i < ncodes[isa]; i++) {
			uint32_t c = codes[isa][i];

			CHECK(kvm_exit_stats_reason_defined(isa, c),
			      "isa %u: KVM handles 0x%x, which the patch calls undefined", isa, c);
			CHECK(kvm_exit_stats_slot(isa, c) != KVM_EXIT_STATS_SLOT_OTHER,
			      "isa %u: KVM handles 0x%x, which has no counter slot", isa, c);
			CHECK(kvm_exit_stats_classify(isa, handled, c) == KVM_EXIT_STATS_VALID,
			      "isa %u: handled 0x%x does not read as valid", isa, c);
		}
		for (size_t i = 0; i < 5; i++)
			CHECK(in_table(isa, must[isa][i]), "isa %u: KVM does not handle 0x%x", isa,
			      must[isa][i]);
		for_each_sample(check_sample, &a);
		for (uint32_t c = 0; c < 0x100; c++)
			unhandled += kvm_exit_stats_classify(isa, handled, c) ==
				     KVM_EXIT_STATS_UNHANDLED;
		printf("%s: %zu handled codes read as valid; %lu sampled codes read as valid; "
		       "%lu defined codes below 0x100 read as not handled\n",
		       isa == 1 ? "VMX" : "SVM", ncodes[isa], a.valid, unhandled);
	}
	return test_result("test_exit_stats_handlers");
}
