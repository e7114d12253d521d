/* Unit test of the kernel patch's exit and entry hooks: the inline kvm_exit_stats_vmexit(),
 * kvm_exit_stats_vmentry() and kvm_exit_stats_cpuid() of arch/x86/kvm/exit_stats.h, exactly
 * as the series (kernel-patch/) creates the header, compiled against tests/patch/shim/.
 *
 * The shim makes the kernel's machinery plain data the test drives: the two static keys are
 * flags (set here as the parameter's setter sets them: kvm_exit_stats_on for modes 1 and 2,
 * kvm_exit_stats_global for mode 1), rdtsc() reads shim_tsc, and this_cpu_ptr() picks element
 * shim_this_cpu of the per-CPU array, so that a vCPU thread can move between CPUs from an exit
 * to its entry.
 *
 * What the contract (docs/leaves.md) needs of the hooks, each checked below:
 *   - an exit is counted once, in one set of counters: the vCPU's in per-VM mode (2), the
 *     exit CPU's in global mode (1), none with 0; its cycles (entry TSC - exit TSC, never
 *     negative) go to the set of the mode that counted the exit, in global mode the entry
 *     CPU's (a per-CPU set has one writer), even if the mode changed in between;
 *   - the slot is kvm_exit_stats_slot()'s, codes without a slot of their own go to "other",
 *     and the totals (the sum of all slots, kvm_exit_stats_read()) count every exit;
 *   - the CPUID wrapper calls into kvm.ko only with the feature on and for one of the four
 *     leaves.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "exit_stats.h"
#include "samples.h"

#define NR_CPUS 4

/* What the kernel defines in kvm.ko, and the shim's clock and CPU. */
struct static_key_true kvm_exit_stats_on = { true };
struct static_key_false kvm_exit_stats_global = { false };
struct kvm_exit_stats __percpu *kvm_exit_stats_percpu;
u64 shim_tsc;
unsigned int shim_this_cpu;

static struct kvm_exit_stats cpus[NR_CPUS];

static unsigned long cpuid_calls;
static uint32_t cpuid_last_leaf;

/* kvm.ko's out-of-line part of the CPUID hook: only records that it was called. */
bool __kvm_exit_stats_cpuid(struct kvm_vcpu *vcpu, u32 *eax, u32 *ebx, u32 *ecx, u32 *edx)
{
	(void)vcpu;
	(void)ebx;
	(void)ecx;
	(void)edx;
	cpuid_calls++;
	cpuid_last_leaf = *eax;
	return true;
}

/* The parameter's setter, as far as the hooks can see it. */
static void set_mode(unsigned mode)
{
	kvm_exit_stats_on.enabled = mode != KVM_EXIT_STATS_OFF;
	kvm_exit_stats_global.enabled = mode == KVM_EXIT_STATS_GLOBAL;
}

static void reset(struct kvm_vcpu_exit_stats *vs)
{
	memset(vs, 0, sizeof(*vs));
	memset(cpus, 0, sizeof(cpus));
	shim_tsc = 1000;
	shim_this_cpu = 0;
}

static void totals(const struct kvm_exit_stats *s, uint64_t *count, uint64_t *cycles)
{
	*count = 0;
	*cycles = 0;
	kvm_exit_stats_read(s, KVM_EXIT_STATS_ALL_SLOTS, count, cycles);
}

/* Every counter of @s is zero. */
static bool untouched(const struct kvm_exit_stats *s)
{
	static const struct kvm_exit_stats zero;

	return !memcmp(s, &zero, sizeof(zero));
}

static bool cpus_untouched(void)
{
	for (int c = 0; c < NR_CPUS; c++)
		if (!untouched(&cpus[c]))
			return false;
	return true;
}

/* One exit of @reason on CPU @exit_cpu at TSC 1000, its entry on @entry_cpu @len later. */
static void round_trip(struct kvm_vcpu_exit_stats *vs, unsigned isa, uint32_t reason,
		       unsigned exit_cpu, unsigned entry_cpu, uint64_t len)
{
	shim_this_cpu = exit_cpu;
	shim_tsc = 1000;
	kvm_exit_stats_vmexit(vs, isa, reason);
	shim_this_cpu = entry_cpu;
	shim_tsc = 1000 + len;
	kvm_exit_stats_vmentry(vs);
}

/* --- per-VM mode: the vCPU's counters, nothing else ------------------------ */

static void test_per_vm(void)
{
	static struct kvm_vcpu_exit_stats vs;
	uint64_t n, c;

	reset(&vs);
	set_mode(KVM_EXIT_STATS_PER_VM);
	shim_tsc = 5000;
	kvm_exit_stats_vmexit(&vs, KVM_EXIT_STATS_ISA_SVM, 0x72);
	CHECK(vs.stats.count[0x72] == 1 && vs.stats.cycles[0x72] == 0,
	      "per-VM exit: count %" PRIu64 " cycles %" PRIu64, vs.stats.count[0x72],
	      vs.stats.cycles[0x72]);
	CHECK(vs.exit_mode == KVM_EXIT_STATS_PER_VM && vs.exit_slot == 0x72 && vs.exit_tsc == 5000,
	      "pending exit: mode %u slot %d tsc %" PRIu64, vs.exit_mode, vs.exit_slot, vs.exit_tsc);
	shim_this_cpu = 2; /* moved: per-VM counters do not care */
	shim_tsc = 5300;
	kvm_exit_stats_vmentry(&vs);
	CHECK(vs.stats.count[0x72] == 1 && vs.stats.cycles[0x72] == 300,
	      "per-VM entry: count %" PRIu64 " cycles %" PRIu64, vs.stats.count[0x72],
	      vs.stats.cycles[0x72]);
	CHECK(vs.exit_mode == KVM_EXIT_STATS_OFF, "entry left the exit pending (mode %u)",
	      vs.exit_mode);
	CHECK(cpus_untouched(), "per-VM mode wrote per-CPU counters");
	totals(&vs.stats, &n, &c);
	CHECK(n == 1 && c == 300, "per-VM totals %" PRIu64 "/%" PRIu64, n, c);

	/* A second entry without an exit (e.g. after an exit that was not counted) adds nothing. */
	shim_tsc = 9000;
	kvm_exit_stats_vmentry(&vs);
	totals(&vs.stats, &n, &c);
	CHECK(n == 1 && c == 300, "entry without exit changed totals: %" PRIu64 "/%" PRIu64, n, c);
}

/* --- global mode: this CPU's counters, cycles on the entry CPU ------------- */

static void test_global(void)
{
	static struct kvm_vcpu_exit_stats vs;
	uint64_t n, c;

	reset(&vs);
	set_mode(KVM_EXIT_STATS_GLOBAL);
	round_trip(&vs, KVM_EXIT_STATS_ISA_VMX, 10, 1, 1, 250);
	CHECK(cpus[1].count[10] == 1 && cpus[1].cycles[10] == 250,
	      "global, same CPU: count %" PRIu64 " cycles %" PRIu64, cpus[1].count[10],
	      cpus[1].cycles[10]);
	CHECK(untouched(&vs.stats), "global mode wrote the vCPU's counters");

	/* Moved from CPU 1 to CPU 3 between exit and entry: the count stays with the exit's
	 * CPU, the cycles go to the entry's, the only CPU that writes its own counters. */
	round_trip(&vs, KVM_EXIT_STATS_ISA_VMX, 30, 1, 3, 700);
	CHECK(cpus[1].count[30] == 1 && cpus[1].cycles[30] == 0 && cpus[3].count[30] == 0 &&
		      cpus[3].cycles[30] == 700,
	      "migrated: exit CPU %" PRIu64 "/%" PRIu64 ", entry CPU %" PRIu64 "/%" PRIu64,
	      cpus[1].count[30], cpus[1].cycles[30], cpus[3].count[30], cpus[3].cycles[30]);
	CHECK(untouched(&cpus[0]) && untouched(&cpus[2]), "global mode wrote an idle CPU's counters");
	/* Summed over all CPUs, as the leaves read global mode: both exits, all their cycles. */
	n = c = 0;
	for (int cpu = 0; cpu < NR_CPUS; cpu++)
		kvm_exit_stats_read(per_cpu_ptr(kvm_exit_stats_percpu, cpu), KVM_EXIT_STATS_ALL_SLOTS,
				    &n, &c);
	CHECK(n == 2 && c == 950, "global totals %" PRIu64 "/%" PRIu64 ", want 2/950", n, c);
}

/* --- off, and switches between an exit and its entry ----------------------- */

static void test_switches(void)
{
	static struct kvm_vcpu_exit_stats vs;
	uint64_t n, c;

	/* Off: nothing counted, nothing pending. */
	reset(&vs);
	set_mode(KVM_EXIT_STATS_OFF);
	round_trip(&vs, KVM_EXIT_STATS_ISA_SVM, 0x72, 0, 0, 100);
	CHECK(untouched(&vs.stats) && cpus_untouched() && vs.exit_mode == KVM_EXIT_STATS_OFF,
	      "exit_stats=0 counted something");

	/* Counted per VM, switched to global before the entry: the cycles follow the count. */
	reset(&vs);
	set_mode(KVM_EXIT_STATS_PER_VM);
	kvm_exit_stats_vmexit(&vs, KVM_EXIT_STATS_ISA_SVM, 0x7b);
	set_mode(KVM_EXIT_STATS_GLOBAL);
	shim_tsc = 1400;
	kvm_exit_stats_vmentry(&vs);
	CHECK(vs.stats.count[0x7b] == 1 && vs.stats.cycles[0x7b] == 400 && cpus_untouched(),
	      "per-VM exit, global entry: vCPU %" PRIu64 "/%" PRIu64, vs.stats.count[0x7b],
	      vs.stats.cycles[0x7b]);

	/* Counted globally, switched off before the entry: the cycles still arrive. */
	reset(&vs);
	set_mode(KVM_EXIT_STATS_GLOBAL);
	shim_this_cpu = 2;
	kvm_exit_stats_vmexit(&vs, KVM_EXIT_STATS_ISA_SVM, 0x78);
	set_mode(KVM_EXIT_STATS_OFF);
	shim_tsc = 1050;
	kvm_exit_stats_vmentry(&vs);
	CHECK(cpus[2].count[0x78] == 1 && cpus[2].cycles[0x78] == 50 && untouched(&vs.stats),
	      "global exit, entry after off: CPU %" PRIu64 "/%" PRIu64, cpus[2].count[0x78],
	      cpus[2].cycles[0x78]);

	/* Counted globally, switched to per-VM: the cycles go to the entry CPU, not the vCPU. */
	reset(&vs);
	set_mode(KVM_EXIT_STATS_GLOBAL);
	kvm_exit_stats_vmexit(&vs, KVM_EXIT_STATS_ISA_SVM, 0x400);
	set_mode(KVM_EXIT_STATS_PER_VM);
	shim_this_cpu = 1;
	shim_tsc = 1020;
	kvm_exit_stats_vmentry(&vs);
	CHECK(cpus[0].count[0x100] == 1 && cpus[1].cycles[0x100] == 20 && untouched(&vs.stats),
	      "global exit, per-VM entry: exit CPU count %" PRIu64 ", entry CPU cycles %" PRIu64,
	      cpus[0].count[0x100], cpus[1].cycles[0x100]);

	/* Each mode's counters grow only while it is on: 3 exits per VM, 2 global, 1 off. */
	reset(&vs);
	set_mode(KVM_EXIT_STATS_PER_VM);
	for (int i = 0; i < 3; i++)
		round_trip(&vs, KVM_EXIT_STATS_ISA_VMX, 12, 0, 0, 10);
	set_mode(KVM_EXIT_STATS_GLOBAL);
	for (int i = 0; i < 2; i++)
		round_trip(&vs, KVM_EXIT_STATS_ISA_VMX, 12, 1, 1, 10);
	set_mode(KVM_EXIT_STATS_OFF);
	round_trip(&vs, KVM_EXIT_STATS_ISA_VMX, 12, 1, 1, 10);
	totals(&vs.stats, &n, &c);
	CHECK(n == 3 && c == 30, "per-VM counters after 3 per-VM exits: %" PRIu64 "/%" PRIu64, n, c);
	totals(&cpus[1], &n, &c);
	CHECK(n == 2 && c == 20, "global counters after 2 global exits: %" PRIu64 "/%" PRIu64, n, c);

	/* The TSC may be behind on the entry CPU: never negative cycles. */
	reset(&vs);
	set_mode(KVM_EXIT_STATS_PER_VM);
	shim_tsc = 8000;
	kvm_exit_stats_vmexit(&vs, KVM_EXIT_STATS_ISA_VMX, 1);
	shim_tsc = 7990;
	kvm_exit_stats_vmentry(&vs);
	CHECK(vs.stats.count[1] == 1 && vs.stats.cycles[1] == 0,
	      "TSC behind: cycles %" PRIu64 " (want 0)", vs.stats.cycles[1]);
}

/* --- every sampled code: its slot, or "other"; the totals see all ----------
 * Each exit must add to its own slot; that the totals, summed over all slots at the end,
 * equal the number of exits and their cycles shows that no exit wrote a second slot. */

struct sample_arg {
	unsigned isa;
	bool global;
	struct kvm_vcpu_exit_stats *vs;
	unsigned long n, other;
	uint64_t cycles;
};

static void check_code(uint32_t code, void *p)
{
	struct sample_arg *a = p;
	int slot = kvm_exit_stats_slot(a->isa, code);
	unsigned cpu = a->n % NR_CPUS;
	struct kvm_exit_stats *s = a->global ? &cpus[cpu] : &a->vs->stats;
	uint64_t len = 1 + (code & 0xff);
	uint64_t count, cycles;

	if (slot < 0 || slot >= KVM_EXIT_STATS_NR_SLOTS) {
		CHECK(0, "isa %u code 0x%x: slot %d", a->isa, code, slot);
		return;
	}
	count = s->count[slot];
	cycles = s->cycles[slot];
	round_trip(a->vs, a->isa, code, cpu, cpu, len);
	CHECK(s->count[slot] == count + 1 && s->cycles[slot] == cycles + len,
	      "isa %u code 0x%x: slot %d not the one counted", a->isa, code, slot);
	a->n++;
	a->cycles += len;
	a->other += slot == KVM_EXIT_STATS_SLOT_OTHER;
}

static void test_samples(void)
{
	static struct kvm_vcpu_exit_stats vs;
	static const unsigned isas[] = { KVM_EXIT_STATS_ISA_VMX, KVM_EXIT_STATS_ISA_SVM };

	for (size_t i = 0; i < 2; i++) {
		for (int global = 0; global <= 1; global++) {
			struct sample_arg a = { .isa = isas[i], .global = global, .vs = &vs };
			uint64_t n = 0, c = 0;

			reset(&vs);
			set_mode(global ? KVM_EXIT_STATS_GLOBAL : KVM_EXIT_STATS_PER_VM);
			for_each_sample(check_code, &a);
			CHECK(a.other > 0 && a.other < a.n, "isa %u: %lu of %lu in other", a.isa,
			      a.other, a.n);
			/* Nothing went to the other mode's counters. */
			if (global) {
				CHECK(untouched(&vs.stats), "isa %u global: vCPU counters written",
				      a.isa);
				for (int cpu = 0; cpu < NR_CPUS; cpu++)
					kvm_exit_stats_read(&cpus[cpu], KVM_EXIT_STATS_ALL_SLOTS, &n,
							    &c);
			} else {
				CHECK(cpus_untouched(), "isa %u per-VM: CPU counters written", a.isa);
				kvm_exit_stats_read(&vs.stats, KVM_EXIT_STATS_ALL_SLOTS, &n, &c);
			}
			CHECK(n == a.n && c == a.cycles,
			      "isa %u mode %d: totals %" PRIu64 "/%" PRIu64 " after %lu exits of %" PRIu64
			      " cycles", a.isa, global ? 1 : 2, n, c, a.n, a.cycles);
			printf("isa %u, %s: %lu exits, %lu in the other slot\n", a.isa,
			       global ? "global" : "per-VM", a.n, a.other);
		}
	}
}

/* --- the CPUID wrapper: a call only for the four leaves, only when on ------ */

static void test_cpuid_wrapper(void)
{
	u32 eax, ebx = 0, ecx = 0, edx = 0;

	for (int on = 0; on <= 1; on++) {
		set_mode(on ? KVM_EXIT_STATS_PER_VM : KVM_EXIT_STATS_OFF);
		for (uint32_t leaf = 0x4ffffff0u; leaf <= 0x5000000fu; leaf++) {
			bool ours = leaf >= 0x4ffffffcu && leaf <= 0x4fffffffu;
			unsigned long calls = cpuid_calls;
			bool r;

			eax = leaf;
			r = kvm_exit_stats_cpuid(NULL, &eax, &ebx, &ecx, &edx);
			CHECK(cpuid_calls == calls + (on && ours) && r == (on && ours),
			      "exit_stats=%d leaf 0x%x: %lu calls, returned %d", on ? 2 : 0, leaf,
			      cpuid_calls - calls, r);
			if (on && ours)
				CHECK(cpuid_last_leaf == leaf, "leaf 0x%x passed as 0x%x", leaf,
				      cpuid_last_leaf);
		}
		for (uint32_t leaf = 0; leaf < 0x100; leaf++) {
			unsigned long calls = cpuid_calls;

			eax = leaf;
			CHECK(!kvm_exit_stats_cpuid(NULL, &eax, &ebx, &ecx, &edx) &&
				      cpuid_calls == calls,
			      "leaf 0x%x called into kvm.ko", leaf);
		}
	}
}

int main(void)
{
	kvm_exit_stats_percpu = cpus;
	test_per_vm();
	test_global();
	test_switches();
	test_samples();
	test_cpuid_wrapper();
	return test_result("exit_stats_hooks");
}
