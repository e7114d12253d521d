/* A simulated kernel for the leaf tests: answers CPUID as the patched KVM does
 * per docs/leaves.md (or as an unpatched one), counting every CPUID as an exit
 * the way the real one would, and recording how often it was asked. */
#ifndef EXITPROF_TEST_SIM_KERNEL_H
#define EXITPROF_TEST_SIM_KERNEL_H

#include "leaves.h"
#include "reasons.h"

#define SIM_CPUID_CYCLES 700 /* cycles the simulation books per CPUID exit */

struct sim_fixed {
	uint32_t reason;
	uint64_t count, cycles;
};

struct sim {
	int patched;
	struct leaf_regs unpatched;  /* answer of every exitprof leaf when !patched */
	unsigned isa;		     /* whose reasons are defined (the host's ISA) */
	uint32_t vendor[3];	     /* leaf 0 ebx, edx, ecx ("AuthenticAMD" if zero) */
	uint64_t exits;		     /* total, grows by one per CPUID like a real kernel */
	uint64_t cpuid_exits;	     /* exits of the CPUID reason */
	uint32_t not_handled_reason; /* a defined reason the simulated KVM lacks */
	const struct sim_fixed *fixed; /* other reasons with fixed counts */
	size_t nfixed;
	int fail_after; /* fail the n-th call (-1: never) */
	int calls;
};

static inline uint32_t sim_cpuid_reason(unsigned isa)
{
	return isa == EXIT_ISA_VMX ? 10 : 0x72;
}

static inline uint64_t sim_fixed_total(const struct sim *s, int cycles)
{
	uint64_t t = 0;

	for (size_t i = 0; i < s->nfixed; i++)
		t += cycles ? s->fixed[i].cycles : s->fixed[i].count;
	return t;
}

static inline int sim_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf, struct leaf_regs *out)
{
	struct sim *s = ctx;

	if (s->fail_after >= 0 && s->calls >= s->fail_after)
		return -1;
	s->calls++;
	/* The CPUID exit that reads a leaf is already counted in its answer. */
	s->exits++;
	s->cpuid_exits++;
	if (leaf == 0) {
		*out = s->vendor[0] ? (struct leaf_regs){ 0x10, s->vendor[0], s->vendor[2], s->vendor[1] }
				    : (struct leaf_regs){ 0x10, 0x68747541, 0x444d4163, 0x69746e65 };
		return 0;
	}
	if ((leaf & 0xfffffffc) != 0x4ffffffc) {
		*out = (struct leaf_regs){ 0, 0, 0, 0 };
		return 0;
	}
	if (!s->patched) {
		*out = s->unpatched;
		return 0;
	}
	if (leaf == LEAF_TOTAL || leaf == LEAF_TOTAL_CYCLES) {
		leaf_encode(s->exits + sim_fixed_total(s, 0),
			    s->cpuid_exits * SIM_CPUID_CYCLES + sim_fixed_total(s, 1), out);
		return 0;
	}
	if (!exit_reason_name(s->isa, subleaf)) {
		*out = (struct leaf_regs){ 0, 0, 0, LEAF_EDX_UNDEFINED };
		return 0;
	}
	if (subleaf == s->not_handled_reason) {
		*out = (struct leaf_regs){ 0, 0, 0, 0 };
		return 0;
	}
	if (subleaf == sim_cpuid_reason(s->isa)) {
		leaf_encode(s->cpuid_exits, s->cpuid_exits * SIM_CPUID_CYCLES, out);
		return 0;
	}
	for (size_t i = 0; i < s->nfixed; i++) {
		if (s->fixed[i].reason == subleaf) {
			leaf_encode(s->fixed[i].count, s->fixed[i].cycles, out);
			return 0;
		}
	}
	leaf_encode(0, 0, out);
	return 0;
}

#endif
