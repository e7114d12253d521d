/* Unit test of the kernel patch's reason tables and CPUID leaf encoding.
 *
 * Compiles arch/x86/kvm/exit_stats_leaf.c exactly as the series (kernel-patch/)
 * creates it, against tests/patch/shim/linux/, and checks it against
 * docs/leaves.md. This is how the VMX side is tested here: no Intel VMX exists
 * on this machine or in the lab, so the VMX slot mapping, "defined" table and
 * undefined/not-handled/valid logic are only ever exercised by this test (and
 * by test_exit_stats_handlers against KVM's real handler tables).
 *
 * ecx is 32 bits, so "every ecx" is sampled: exhaustively near both ends of the
 * range and around every power of two and every leaf number, plus 2,000,000
 * pseudo-random values (fixed seed, printed).
 *
 * The guest picks ecx, so every index derived from it must go through
 * array_index_nospec() (Spectre v1). shim/nospec.c logs the calls; the slot,
 * classify and read checks below require the clamp, with the right bound, on each
 * lookup. The slot mapping is the header's inline kvm_exit_stats_slot(), the one
 * the exit hooks use too (their own test: test_exit_stats_hooks.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "exit_stats.h"
#include "linux/nospec.h"
#include "samples.h"

static const unsigned isas[] = { KVM_EXIT_STATS_ISA_VMX, KVM_EXIT_STATS_ISA_SVM };

/* --- slot mapping --------------------------------------------------------- */

struct slot_owner {
	unsigned isa;
	uint32_t owner[KVM_EXIT_STATS_NR_SLOTS];
	int used[KVM_EXIT_STATS_NR_SLOTS];
};

static int expected_slot(unsigned isa, uint32_t code)
{
	if (code < 0x100)
		return (int)code;
	if (isa != KVM_EXIT_STATS_ISA_SVM)
		return 0x105; /* "other" */
	if (code >= 0x400 && code <= 0x403)
		return 0x100 + (int)(code - 0x400);
	if (code == 0xffffffffu)
		return 0x104;
	return 0x105;
}

static void check_slot(uint32_t code, void *arg)
{
	struct slot_owner *o = arg;
	unsigned long calls = shim_nospec_calls;
	int slot = kvm_exit_stats_slot(o->isa, code);

	CHECK(slot == expected_slot(o->isa, code), "isa %u code 0x%x: slot %d, want %d",
	      o->isa, code, slot, expected_slot(o->isa, code));
	CHECK(slot >= 0 && slot < KVM_EXIT_STATS_NR_SLOTS, "isa %u code 0x%x: slot %d out of range",
	      o->isa, code, slot);
	/* Every code without a slot of its own shares "other". */
	if (slot == KVM_EXIT_STATS_SLOT_OTHER || slot < 0 || slot >= KVM_EXIT_STATS_NR_SLOTS)
		return;
	/* A slot computed from the code is clamped to its range (VMEXIT_INVALID's is a constant). */
	if (slot < 0x100)
		CHECK(shim_nospec_calls == calls + 1 && shim_nospec_last.index == code &&
			      shim_nospec_last.size == 0x100,
		      "isa %u code 0x%x: slot not clamped to 0..0xff (%lu calls, last %lu of %lu)",
		      o->isa, code, shim_nospec_calls - calls, shim_nospec_last.index,
		      shim_nospec_last.size);
	else if (slot < 0x104)
		CHECK(shim_nospec_calls == calls + 1 && shim_nospec_last.index == code - 0x400 &&
			      shim_nospec_last.size == 4,
		      "isa %u code 0x%x: slot not clamped to 0x400..0x403 (%lu calls, last %lu of %lu)",
		      o->isa, code, shim_nospec_calls - calls, shim_nospec_last.index,
		      shim_nospec_last.size);
	CHECK(!o->used[slot] || o->owner[slot] == code, "isa %u: slot %d shared by 0x%x and 0x%x",
	      o->isa, slot, o->owner[slot], code);
	o->used[slot] = 1;
	o->owner[slot] = code;
}

static void test_slots(void)
{
	for (size_t i = 0; i < sizeof(isas) / sizeof(isas[0]); i++) {
		struct slot_owner o = { .isa = isas[i] };

		for_each_sample(check_slot, &o);
	}
	CHECK(KVM_EXIT_STATS_SLOT_OTHER == 0x105 && KVM_EXIT_STATS_NR_SLOTS == 0x106,
	      "slot count %d, other %d", KVM_EXIT_STATS_NR_SLOTS, KVM_EXIT_STATS_SLOT_OTHER);
}

/* The stand-in itself: in range gives the index, anything else 0, as in the kernel. */
static void test_nospec_standin(void)
{
	CHECK_C(array_index_nospec(5u, 0x100) == 5u);
	CHECK_C(array_index_nospec(0xffu, 0x100) == 0xffu);
	CHECK_C(array_index_nospec(0x100u, 0x100) == 0);
	CHECK_C(array_index_nospec(0xffffffffu, 0x100) == 0);
	CHECK_C(array_index_nospec(KVM_EXIT_STATS_ALL_SLOTS, KVM_EXIT_STATS_NR_SLOTS) == 0);
	CHECK_C(array_index_nospec(KVM_EXIT_STATS_NR_SLOTS - 1, KVM_EXIT_STATS_NR_SLOTS) ==
		KVM_EXIT_STATS_NR_SLOTS - 1);
}

/* --- undefined / not handled / valid -------------------------------------- */

/* A handler table stand-in: about half the codes, scattered. */
static bool fake_handled(uint32_t reason)
{
	return ((reason * 2654435761u) >> 31) != 0;
}

static bool always_handled(uint32_t reason)
{
	(void)reason;
	return true;
}

static unsigned handled_calls[KVM_EXIT_STATS_NR_SLOTS];
static unsigned current_isa;

static bool recording_handled(uint32_t reason)
{
	int slot = kvm_exit_stats_slot(current_isa, reason);

	CHECK(kvm_exit_stats_reason_defined(current_isa, reason),
	      "isa %u: handler table asked about undefined code 0x%x", current_isa, reason);
	CHECK(slot != KVM_EXIT_STATS_SLOT_OTHER, "isa %u: asked about slotless 0x%x", current_isa,
	      reason);
	if (slot >= 0 && slot < KVM_EXIT_STATS_SLOT_OTHER)
		handled_calls[slot]++;
	return fake_handled(reason);
}

struct classify_arg {
	unsigned isa;
	bool handled[KVM_EXIT_STATS_NR_SLOTS];
	unsigned long n[3];
};

static void check_classify(uint32_t code, void *arg)
{
	struct classify_arg *a = arg;
	int slot = kvm_exit_stats_slot(a->isa, code);
	unsigned long calls = shim_nospec_calls;
	enum kvm_exit_stats_answer got = kvm_exit_stats_classify(a->isa, a->handled, code);
	enum kvm_exit_stats_answer want;

	/* The handled_slots[] lookup uses a clamped slot. */
	if (kvm_exit_stats_reason_defined(a->isa, code) && slot != KVM_EXIT_STATS_SLOT_OTHER)
		CHECK(shim_nospec_calls > calls && shim_nospec_last.index == (unsigned long)slot &&
			      shim_nospec_last.size == KVM_EXIT_STATS_NR_SLOTS,
		      "isa %u code 0x%x: handled_slots[%d] not clamped to %d slots", a->isa, code,
		      slot, KVM_EXIT_STATS_NR_SLOTS);

	if (!kvm_exit_stats_reason_defined(a->isa, code))
		want = KVM_EXIT_STATS_UNDEFINED;
	else if (kvm_exit_stats_slot(a->isa, code) == KVM_EXIT_STATS_SLOT_OTHER ||
		 !fake_handled(code))
		want = KVM_EXIT_STATS_UNHANDLED;
	else
		want = KVM_EXIT_STATS_VALID;
	CHECK(got == want, "isa %u code 0x%x: answer %d, want %d", a->isa, code, got, want);
	if (got <= KVM_EXIT_STATS_VALID)
		a->n[got]++;
}

static void test_classify(void)
{
	for (size_t i = 0; i < sizeof(isas) / sizeof(isas[0]); i++) {
		struct classify_arg a = { .isa = isas[i] };

		current_isa = isas[i];
		memset(handled_calls, 0, sizeof(handled_calls));
		kvm_exit_stats_build_handled(a.isa, recording_handled, a.handled);
		for (int s = 0; s < KVM_EXIT_STATS_NR_SLOTS; s++)
			CHECK(handled_calls[s] <= 1, "isa %u slot %d asked %u times", a.isa, s,
			      handled_calls[s]);
		CHECK(!a.handled[KVM_EXIT_STATS_SLOT_OTHER], "isa %u: the other slot reads as handled",
		      a.isa);
		/* Even a vendor that says yes to everything: "other" is never handled. */
		{
			bool all[KVM_EXIT_STATS_NR_SLOTS];

			kvm_exit_stats_build_handled(a.isa, always_handled, all);
			CHECK(!all[KVM_EXIT_STATS_SLOT_OTHER], "isa %u: other handled", a.isa);
			if (a.isa == KVM_EXIT_STATS_ISA_SVM)
				CHECK(kvm_exit_stats_classify(a.isa, all, 0x407) ==
						      KVM_EXIT_STATS_UNHANDLED &&
					      kvm_exit_stats_classify(a.isa, all, 0xfffffffc) ==
						      KVM_EXIT_STATS_UNHANDLED,
				      "SVM: slotless defined codes must read as not handled");
		}
		for_each_sample(check_classify, &a);
		/* Each class must actually occur, or the checks above prove little. */
		for (int k = 0; k < 3; k++)
			CHECK(a.n[k] > 0, "isa %u: no sample in class %d", a.isa, k);
		printf("isa %u: undefined %lu, not handled %lu, valid %lu samples\n", a.isa,
		       a.n[0], a.n[1], a.n[2]);
	}

	/* Unknown ISA (no vendor registered): nothing is defined. */
	bool none[KVM_EXIT_STATS_NR_SLOTS] = { 0 };
	CHECK(kvm_exit_stats_classify(0, none, 10) == KVM_EXIT_STATS_UNDEFINED, "isa 0");
	CHECK(!kvm_exit_stats_reason_defined(3, 0x72), "isa 3");
}

/* Facts from the SDM/APM, stated independently of the patch's table. */
static void test_known_codes(void)
{
	static const uint32_t vmx_def[] = { 0, 10, 12, 30, 33, 34, 36, 37, 39, 41, 43, 48, 70,
					    72, 77, 81, 84, 85 };
	static const uint32_t vmx_undef[] = { 35, 38, 42, 71, 82, 83, 86, 0xff, 0x100, 0xffff,
					      0x8000000a, 0x80000021, 0xffffffff };
	static const uint32_t svm_def[] = { 0x00, 0x0f, 0x3f, 0x40, 0x5f, 0x60, 0x72, 0x78,
					    0x7b, 0x8c, 0x9f, 0xa6, 0x400, 0x403, 0x407,
					    0xfffffffc, 0xffffffff };
	static const uint32_t svm_undef[] = { 0xa7, 0xff, 0x100, 0x3ff, 0x404, 0x406, 0x408,
					      0x80000001, 0x8000fffd, 0xf0000000, 0xfffffffb };

	for (size_t i = 0; i < sizeof(vmx_def) / sizeof(vmx_def[0]); i++)
		CHECK(kvm_exit_stats_reason_defined(KVM_EXIT_STATS_ISA_VMX, vmx_def[i]),
		      "VMX %u should be defined", vmx_def[i]);
	for (size_t i = 0; i < sizeof(vmx_undef) / sizeof(vmx_undef[0]); i++)
		CHECK(!kvm_exit_stats_reason_defined(KVM_EXIT_STATS_ISA_VMX, vmx_undef[i]),
		      "VMX 0x%x should be undefined", vmx_undef[i]);
	for (size_t i = 0; i < sizeof(svm_def) / sizeof(svm_def[0]); i++)
		CHECK(kvm_exit_stats_reason_defined(KVM_EXIT_STATS_ISA_SVM, svm_def[i]),
		      "SVM 0x%x should be defined", svm_def[i]);
	for (size_t i = 0; i < sizeof(svm_undef) / sizeof(svm_undef[0]); i++)
		CHECK(!kvm_exit_stats_reason_defined(KVM_EXIT_STATS_ISA_SVM, svm_undef[i]),
		      "SVM 0x%x should be undefined", svm_undef[i]);
}

/* --- register encoding ---------------------------------------------------- */

static void check_regs(uint64_t count, uint64_t cycles)
{
	struct kvm_exit_stats_regs r;

	kvm_exit_stats_fill_regs(KVM_EXIT_STATS_VALID, count, cycles, &r);
	CHECK(r.eax == (uint32_t)count, "count %" PRIx64 ": eax %x", count, r.eax);
	CHECK(r.ebx == (uint32_t)(cycles >> 32), "cycles %" PRIx64 ": ebx %x", cycles, r.ebx);
	CHECK(r.ecx == (uint32_t)cycles, "cycles %" PRIx64 ": ecx %x", cycles, r.ecx);
	CHECK(r.edx == (0x80000000u | (uint32_t)((count >> 32) & 0x7fffffff)),
	      "count %" PRIx64 ": edx %x", count, r.edx);
	/* A decoder tells the classes apart by edx alone. */
	CHECK(r.edx & 0x80000000u, "valid edx %x lacks bit 31", r.edx);
	if (count < (UINT64_C(0x7fffffff) << 32))
		CHECK(r.edx != 0xffffffffu, "count %" PRIx64 " reads as undefined", count);
	/* Decoding gives back count (bits 62:0) and cycles. */
	CHECK((((uint64_t)(r.edx & 0x7fffffff) << 32) | r.eax) == (count & ~(UINT64_C(1) << 63)),
	      "count %" PRIx64 " does not round-trip", count);
	CHECK((((uint64_t)r.ebx << 32) | r.ecx) == cycles, "cycles %" PRIx64 " round-trip", cycles);
}

static void test_regs(void)
{
	static const uint64_t edge[] = { 0, 1, 0xffffffffu, UINT64_C(0x100000000),
					 UINT64_C(0x123456789abcdef0), UINT64_C(0x7fffffffffffffff),
					 UINT64_MAX };
	struct kvm_exit_stats_regs r;
	uint32_t seed = 12345;

	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		for (size_t j = 0; j < sizeof(edge) / sizeof(edge[0]); j++)
			check_regs(edge[i], edge[j]);
	for (int i = 0; i < 100000; i++) {
		uint64_t a = (uint64_t)xorshift32(&seed) << 32 | xorshift32(&seed);
		uint64_t b = (uint64_t)xorshift32(&seed) << 32 | xorshift32(&seed);

		check_regs(a, b);
	}

	memset(&r, 0x5a, sizeof(r));
	kvm_exit_stats_fill_regs(KVM_EXIT_STATS_UNDEFINED, 7, 9, &r);
	CHECK(r.eax == 0 && r.ebx == 0 && r.ecx == 0 && r.edx == 0xffffffffu,
	      "undefined: %x %x %x %x", r.eax, r.ebx, r.ecx, r.edx);
	memset(&r, 0x5a, sizeof(r));
	kvm_exit_stats_fill_regs(KVM_EXIT_STATS_UNHANDLED, 7, 9, &r);
	CHECK(r.eax == 0 && r.ebx == 0 && r.ecx == 0 && r.edx == 0,
	      "not handled: %x %x %x %x", r.eax, r.ebx, r.ecx, r.edx);
	kvm_exit_stats_fill_regs(KVM_EXIT_STATS_VALID, 0, 0, &r);
	CHECK(r.eax == 0 && r.ebx == 0 && r.ecx == 0 && r.edx == 0x80000000u,
	      "valid zero: %x %x %x %x", r.eax, r.ebx, r.ecx, r.edx);
}

/* --- reading one set of counters ------------------------------------------ */

/* The totals are not kept: kvm_exit_stats_read() sums every slot, "other" included; a
 * single slot (the guest's choice) is read through array_index_nospec(). */
static void test_read(void)
{
	static struct kvm_exit_stats s;
	uint64_t want_count = 0, want_cycles = 0, count, cycles;
	uint32_t seed = 777;

	for (int i = 0; i < KVM_EXIT_STATS_NR_SLOTS; i++) {
		s.count[i] = xorshift32(&seed);
		s.cycles[i] = (uint64_t)xorshift32(&seed) << 20;
		want_count += s.count[i];
		want_cycles += s.cycles[i];
	}
	count = 5;
	cycles = 7;
	kvm_exit_stats_read(&s, KVM_EXIT_STATS_ALL_SLOTS, &count, &cycles);
	CHECK(count == want_count + 5 && cycles == want_cycles + 7,
	      "totals %" PRIu64 "/%" PRIu64 ", want %" PRIu64 "/%" PRIu64 " (added to 5/7)", count,
	      cycles, want_count + 5, want_cycles + 7);
	/* Only "other" counted: the totals see it, as they saw the old unslotted exits. */
	memset(&s, 0, sizeof(s));
	s.count[KVM_EXIT_STATS_SLOT_OTHER] = 3;
	s.cycles[KVM_EXIT_STATS_SLOT_OTHER] = 99;
	count = cycles = 0;
	kvm_exit_stats_read(&s, KVM_EXIT_STATS_ALL_SLOTS, &count, &cycles);
	CHECK(count == 3 && cycles == 99, "other not in the totals: %" PRIu64 "/%" PRIu64, count,
	      cycles);
	for (int i = 0; i < KVM_EXIT_STATS_NR_SLOTS; i++) {
		unsigned long calls = shim_nospec_calls;

		s.count[i] = 1000 + (uint64_t)i;
		s.cycles[i] = 5000 + (uint64_t)i;
		count = 1;
		cycles = 2;
		kvm_exit_stats_read(&s, i, &count, &cycles);
		CHECK(count == 1001 + (uint64_t)i && cycles == 5002 + (uint64_t)i,
		      "slot %d: %" PRIu64 "/%" PRIu64, i, count, cycles);
		CHECK(shim_nospec_calls == calls + 1 && shim_nospec_last.index == (unsigned long)i &&
			      shim_nospec_last.size == KVM_EXIT_STATS_NR_SLOTS,
		      "slot %d: read not clamped to %d slots", i, KVM_EXIT_STATS_NR_SLOTS);
	}
}

/* --- leaf numbers --------------------------------------------------------- */

static void test_leaves(void)
{
	for (uint32_t leaf = 0x4fffff00u; leaf <= 0x500000ffu; leaf++) {
		bool ours = leaf >= 0x4ffffffcu && leaf <= 0x4fffffffu;
		bool total = leaf == 0x4fffffffu || leaf == 0x4ffffffeu;

		CHECK(kvm_exit_stats_is_leaf(leaf) == ours, "leaf 0x%x", leaf);
		if (ours)
			CHECK(kvm_exit_stats_leaf_is_total(leaf) == total, "leaf 0x%x total", leaf);
	}
	CHECK(!kvm_exit_stats_is_leaf(0) && !kvm_exit_stats_is_leaf(0xffffffffu) &&
	      !kvm_exit_stats_is_leaf(0x40000000u), "other leaves");
}

int main(void)
{
	test_nospec_standin();
	test_slots();
	test_classify();
	test_known_codes();
	test_regs();
	test_read();
	test_leaves();
	return test_result("exit_stats_leaf");
}
