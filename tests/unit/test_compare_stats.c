/* compare_stats.c: KVM statistics against BPF snapshots, on recorded values. Rows of one VM are
 * folded by reason code from user/guest/reasons.c; brackets, the 6.4 rule for `exits`, the halt
 * time tolerance, rows not compared, and a damaged count that must be caught. */
#include <string.h>
#include "check.h"
#include "ks_fixture.h"
#include "reasons.h"

static uint32_t code(unsigned isa, const char *name)
{
	uint32_t c = 0;

	CHECK(exit_reason_lookup(isa, name, &c) == 0, "reason %s", name);
	return c;
}

/* A table: the VM (tgid 100) with io/hlt/cpuid exits, and another VM (200) that must not count. */
static void table(struct exit_table *t, unsigned isa, uint64_t io, uint64_t hlt, uint64_t cpuid, uint64_t halt_ns)
{
	uint32_t cpuid_code;

	exit_table_init(t);
	ks_add_exits(t, 100, isa, code(isa, isa == EXIT_ISA_SVM ? "io" : "IO_INSTRUCTION"), io, 0);
	ks_add_exits(t, 100, isa, code(isa, isa == EXIT_ISA_SVM ? "hlt" : "HLT"), hlt, halt_ns);
	cpuid_code = code(isa, isa == EXIT_ISA_SVM ? "cpuid" : "CPUID");
	ks_add_exits(t, 100, isa, cpuid_code, cpuid, 0);
	ks_add_exits(t, 200, isa, cpuid_code, 1000, 0);
}

static void kvm(struct kvm_stat_values *k, uint64_t exits, uint64_t io, uint64_t hlt, uint64_t halt_ns)
{
	memset(k, 0, sizeof(*k));
	for (int i = 0; i < KVM_STAT__MAX; i++)
		k->present[i] = true;
	k->v[KVM_STAT_EXITS] = exits;
	k->v[KVM_STAT_IO_EXITS] = io;
	k->v[KVM_STAT_HALT_EXITS] = hlt;
	k->v[KVM_STAT_HALT_WAIT_NS] = halt_ns;
}

static void one_isa(unsigned isa)
{
	struct exit_table t0, t2;
	struct ks_snap s[4];
	struct kvm_stat_values k[2];
	struct ks_result r;
	struct ks_input in = ks_input_of(isa, k, s);

	/* Quiet at both reads: S0 == S1, S2 == S3: an exact comparison. */
	table(&t0, isa, 0, 0, 0, 0);
	table(&t2, isa, 50, 2, 400, 1000000);
	ks_quiet_snaps(s, &t0, &t2, 100, 0);
	CHECK(s[2].isa == isa && s[2].v[KS_ROW_EXITS] == 452 && s[2].v[KS_ROW_IO] == 50 && s[2].v[KS_ROW_HALT] == 2,
	      "folded: isa %u exits %llu io %llu hlt %llu (the other VM left out)", s[2].isa,
	      (unsigned long long)s[2].v[KS_ROW_EXITS], (unsigned long long)s[2].v[KS_ROW_IO],
	      (unsigned long long)s[2].v[KS_ROW_HALT]);
	kvm(&k[0], 10, 1, 0, 0);
	kvm(&k[1], 462, 51, 2, 990000);
	CHECK(ks_compute(&in, &r) == 0, "equal counts agree");
	CHECK(r.rows[KS_ROW_EXITS].verdict == KS_AGREE && r.rows[KS_ROW_IO].verdict == KS_AGREE &&
		      r.rows[KS_ROW_HALT].verdict == KS_AGREE && r.rows[KS_ROW_HALT_NS].verdict == KS_AGREE,
	      "rows agree");
	CHECK(r.rows[KS_ROW_MMIO].verdict == KS_NOT_COMPARED, "mmio_exits not compared");
	CHECK(r.exact == 6 && r.compared == 7, "exact %u of %u compared", r.exact, r.compared);
	CHECK(!strcmp(r.rows[KS_ROW_IO].reason, isa == EXIT_ISA_SVM ? "io" : "IO_INSTRUCTION"), "io row's reason");

	/* One io exit more in KVM than BPF saw: caught. */
	k[1].v[KVM_STAT_IO_EXITS]++;
	CHECK(ks_compute(&in, &r) == 1 && r.rows[KS_ROW_IO].verdict == KS_DIFFERS && r.differ == 1, "io +1 differs");
	k[1].v[KVM_STAT_IO_EXITS]--;

	/* A busy VM: exits during the reads widen the bracket, a count inside it agrees. */
	s[3].v[KS_ROW_EXITS] += 5;
	k[1].v[KVM_STAT_EXITS] += 3;
	CHECK(ks_compute(&in, &r) == 0 && r.rows[KS_ROW_EXITS].lo == 452 && r.rows[KS_ROW_EXITS].hi == 457,
	      "inside the bracket agrees");
	k[1].v[KVM_STAT_EXITS] += 3;
	CHECK(ks_compute(&in, &r) == 1 && r.rows[KS_ROW_EXITS].verdict == KS_DIFFERS, "beyond the bracket differs");

	/* Before 6.4, `exits` may fall short of BPF (fastpath), never exceed it. */
	in.kernel_minor = 1;
	k[1].v[KVM_STAT_EXITS] = 10 + 400;
	CHECK(ks_compute(&in, &r) == 0 && r.rows[KS_ROW_EXITS].verdict == KS_AGREE, "6.1: fewer exits agree");
	k[1].v[KVM_STAT_EXITS] = 10 + 458;
	CHECK(ks_compute(&in, &r) == 1, "6.1: more exits than BPF differ");
	in.kernel_minor = 12;
	k[1].v[KVM_STAT_EXITS] = 462;
	s[3] = s[2];

	/* Halt time: 2% + 50 us per HLT. 1,000,000 ns in BPF, 2 HLTs: 880,000 .. 1,120,000 agree. */
	k[1].v[KVM_STAT_HALT_WAIT_NS] = 881000;
	CHECK(ks_compute(&in, &r) == 0, "halt time inside the tolerance");
	k[1].v[KVM_STAT_HALT_WAIT_NS] = 870000;
	CHECK(ks_compute(&in, &r) == 1 && r.rows[KS_ROW_HALT_NS].verdict == KS_DIFFERS, "halt time outside");
	k[1].v[KVM_STAT_HALT_WAIT_NS] = 990000;

	/* A kernel without a statistic: that row is not compared, the others still are. */
	k[0].present[KVM_STAT_HALT_POLL_FAIL_NS] = false;
	CHECK(ks_compute(&in, &r) == 0 && r.rows[KS_ROW_HALT_NS].verdict == KS_NOT_COMPARED && r.compared == 6,
	      "absent statistic not compared");
}

int main(void)
{
	one_isa(EXIT_ISA_SVM);
	one_isa(EXIT_ISA_VMX);
	return test_result("test_compare_stats");
}
