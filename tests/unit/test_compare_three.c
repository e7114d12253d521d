/* compare_three.c: the patch's leaves, BPF and KVM's statistics of one VM side by side, on a
 * simulated window. A small simulator lists VM exits (VM, reason, exit time, entry time) of the
 * query VM, of the profiled VM and of a third VM, and derives from that one list what each
 * counter would report:
 *   the leaves at the instant each position of a read is answered (docs/leaves.md: an exit is
 *   counted when it happens, its cycles at the next entry; every VM: kvm.exit_stats=1; a TSC of
 *   1 GHz, so cycles == ns);
 *   BPF's snapshots S0..S3 (counts at the exit, times at the entry);
 *   KVM's statistics of the profiled VM at K1 and K2 (its buckets: compare_stats.h).
 * The window is S0 P1 K1 S1 ... S2 K2 P2 S3, as `exitprof compare --three-way` reads it. Each
 * case states what the window holds and perturbs one thing; the verdicts are not recorded
 * constants. */
#include <string.h>

#include "check.h"
#include "compare_three.h"
#include "reasons.h"

#define ISA EXIT_ISA_SVM
#define OWN 100
#define VM 200
#define THIRD 300
#define NEVER UINT64_MAX
#define S0 1000
#define READ1 1100
#define K1 4000
#define S1 4100
#define S2 9000
#define K2 9100
#define READ2 9200
#define S3 14000

struct ev {
	uint64_t x, y;
	uint32_t tgid, reason;
	bool patch_misses; /* the simulated patch loses this exit */
};

static struct {
	struct ev ev[4096];
	size_t n;
	uint64_t read_at[2][LEAF_REQUESTS_MAX];
	size_t nreq;
	struct leaf_request req[LEAF_REQUESTS_MAX];
	int64_t kvm_io_extra; /* added to KVM's io_exits at K2 */
	uint64_t io_cycles_extra; /* the patch's cycles of each io exit are this much longer */
} sim;

static uint32_t code(const char *name)
{
	uint32_t c = 0;

	CHECK(exit_reason_lookup(ISA, name, &c) == 0, "reason %s", name);
	return c;
}

static struct ev *add(uint32_t tgid, const char *reason, uint64_t x, uint64_t y)
{
	struct ev *e = &sim.ev[sim.n < 4095 ? sim.n++ : sim.n];

	*e = (struct ev){ x, y, tgid, code(reason), false };
	return e;
}

/* One read of the query VM from t: a CPUID per request, 10 ns apart, 5 ns each, then a HLT
 * that the next read's first entry closes (the last one stays open). */
static size_t query_read(int which, uint64_t t, size_t prev_hlt)
{
	if (prev_hlt != SIZE_MAX)
		sim.ev[prev_hlt].y = t;
	for (size_t p = 0; p < sim.nreq; p++) {
		uint64_t x = t + 10 * p;

		add(OWN, "cpuid", x, x + 5);
		sim.read_at[which][p] = x + 1;
	}
	add(OWN, "hlt", t + 10 * sim.nreq, NEVER);
	return sim.n - 1;
}

/* Resets the simulation to the two reads of the query VM, and nothing else. */
static void sim_reset(void)
{
	size_t pos, hlt;

	memset(&sim, 0, sizeof(sim));
	sim.nreq = cmp_requests(ISA, sim.req, &pos);
	hlt = query_read(0, READ1, SIZE_MAX);
	query_read(1, READ2, hlt);
}

/* The profiled VM's run: n exits of a reason, 20 ns apart from t, 8 ns each. */
static void burst(uint32_t tgid, const char *reason, uint64_t t, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		add(tgid, reason, t + 20 * i, t + 20 * i + 8);
}

static void leaves(int which, struct leaf_report *rep)
{
	struct leaf_regs batch[LEAF_REQUESTS_MAX], ans[LEAF_REQUESTS_MAX];

	for (size_t p = 0; p < sim.nreq; p++) {
		uint64_t t = sim.read_at[which][p], count = 0, cycles = 0;

		for (size_t i = 0; i < sim.n; i++) {
			const struct ev *e = &sim.ev[i];

			if (e->patch_misses || (p > 0 && e->reason != sim.req[p].subleaf))
				continue;
			count += e->x <= t;
			if (e->y <= t)
				cycles += e->y - e->x + (e->reason == code("io") ? sim.io_cycles_extra : 0);
		}
		leaf_encode(count, cycles, &batch[p]);
	}
	cmp_answers_in_table_order(ISA, batch, sim.nreq, ans);
	CHECK(leaf_report_decode(ISA, ans, sim.nreq, rep) == LEAVES_PRESENT, "simulated answers decode");
}

static void bpf(uint64_t t, struct cmp_snap *c, struct ks_snap *k)
{
	struct exit_table tab;

	exit_table_init(&tab);
	for (size_t i = 0; i < sim.n; i++) {
		const struct ev *e = &sim.ev[i];
		struct exit_key key = { e->tgid, 0, ISA, e->reason };
		struct exit_val v;

		if (e->x > t)
			continue;
		memset(&v, 0, sizeof(v));
		v.count = 1;
		if (e->y <= t) {
			v.timed = 1;
			v.total_ns = v.min_ns = v.max_ns = e->y - e->x;
			if (e->reason == code("hlt"))
				v.halt_ns = e->y - e->x;
		}
		CHECK(exit_table_merge(&tab, &key, &v) == 0, "merge");
	}
	cmp_snap_from_table(c, &tab, ISA, OWN, VM);
	ks_snap_from_table(k, &tab, VM, ISA);
	exit_table_free(&tab);
}

static void kvm(uint64_t t, struct kvm_stat_values *k, bool k2)
{
	memset(k, 0, sizeof(*k));
	for (int i = 0; i < KVM_STAT__MAX; i++)
		k->present[i] = true;
	for (size_t i = 0; i < sim.n; i++) {
		const struct ev *e = &sim.ev[i];

		if (e->tgid != VM || e->x > t)
			continue;
		k->v[KVM_STAT_EXITS]++;
		k->v[KVM_STAT_IO_EXITS] += e->reason == code("io");
		k->v[KVM_STAT_IRQ_EXITS] += e->reason == code("interrupt");
		k->v[KVM_STAT_IRQ_WINDOW_EXITS] += e->reason == code("vintr");
		k->v[KVM_STAT_HALT_EXITS] += e->reason == code("hlt");
		if (e->reason == code("hlt") && e->y <= t)
			k->v[KVM_STAT_HALT_WAIT_NS] += e->y - e->x;
	}
	if (k2)
		k->v[KVM_STAT_IO_EXITS] += (uint64_t)sim.kvm_io_extra;
}

static struct three_result res;

static int run(void)
{
	static struct leaf_report rd[2];
	static struct cmp_snap c[4];
	static struct ks_snap k[4];
	static struct kvm_stat_values kv[2];
	const uint64_t at[4] = { S0, S1, S2, S3 };
	size_t pos;
	struct three_input in = {
		.cmp = { .isa = ISA, .read = { &rd[0], &rd[1] }, .snap = { &c[0], &c[1], &c[2], &c[3] },
			 .tsc_khz = 1e6, .tol = { 0.02, 50, 500 } },
		.ks = { .isa = ISA, .kernel_major = 6, .kernel_minor = 12, .k = { &kv[0], &kv[1] },
			.snap = { &k[0], &k[1], &k[2], &k[3] } },
	};

	cmp_requests(ISA, sim.req, &pos);
	in.cmp.cpuid_pos = pos;
	leaves(0, &rd[0]);
	leaves(1, &rd[1]);
	for (int i = 0; i < 4; i++)
		bpf(at[i], &c[i], &k[i]);
	kvm(K1, &kv[0], false);
	kvm(K2, &kv[1], true);
	return three_compute(&in, &res);
}

static const struct three_row *row(enum ks_row_id id)
{
	return &res.rows[id];
}

/* The profiled VM's run between S1 and S2: every count of the window is known exactly. */
static void vm_run(void)
{
	burst(VM, "io", 5000, 50);
	burst(VM, "cpuid", 6100, 30);
	burst(VM, "interrupt", 6800, 4);
	burst(VM, "npf", 7000, 10);
	add(VM, "hlt", 7300, 7800);
	add(VM, "hlt", 7900, 8400);
}

int main(void)
{
	size_t first;

	/* Quiet at every read: the three counters are one number in every bucket with a reason. */
	sim_reset();
	vm_run();
	CHECK(run() == 0, "a quiet window agrees (global: %u count, %u time rows differ; KVM: %u differ; three-way: %u)",
	      res.global.count_bad, res.global.time_bad, res.ks.differ, res.differ);
	CHECK(row(KS_ROW_EXITS)->verdict == THREE_EQUAL && row(KS_ROW_EXITS)->kvm == 96 &&
		      row(KS_ROW_EXITS)->patch_lo == 96,
	      "exits: all three 96 (kvm %llu, patch %llu..%llu, %s)", (unsigned long long)row(KS_ROW_EXITS)->kvm,
	      (unsigned long long)row(KS_ROW_EXITS)->patch_lo, (unsigned long long)row(KS_ROW_EXITS)->patch_hi,
	      three_verdict_str(row(KS_ROW_EXITS)->verdict));
	CHECK(row(KS_ROW_IO)->verdict == THREE_EQUAL && row(KS_ROW_IO)->patch_lo == 50, "io: all three 50");
	CHECK(row(KS_ROW_HALT)->verdict == THREE_EQUAL && row(KS_ROW_HALT)->kvm == 2, "hlt: all three 2");
	CHECK(row(KS_ROW_IRQ)->verdict == THREE_EQUAL && row(KS_ROW_IRQ_WINDOW)->verdict == THREE_EQUAL,
	      "interrupt 4 and vintr 0 equal");
	CHECK(row(KS_ROW_HALT_NS)->verdict == THREE_AGREE && !row(KS_ROW_HALT_NS)->patch_known,
	      "halted time: KVM against BPF only");
	CHECK(row(KS_ROW_MMIO)->verdict == THREE_SHOWN, "mmio_exits shown only");
	CHECK(res.equal == 6 && res.agree == 1 && res.differ == 0 && res.third == 0, "6 equal, 1 agrees: %u %u %u",
	      res.equal, res.agree, res.differ);

	/* An io exit of the VM during read 1, before K1: in KVM's window or not, in the leaves'
	 * window or not, by when it came. The bracket holds both: agree, not equal. */
	add(VM, "io", READ1 + 10 * 40 + 3, READ1 + 10 * 40 + 6);
	CHECK(run() == 0 && row(KS_ROW_IO)->verdict == THREE_AGREE && row(KS_ROW_IO)->bpf_lo == 50 &&
		      row(KS_ROW_IO)->bpf_hi == 51 && row(KS_ROW_IO)->kvm == 50,
	      "io during read 1: in the bracket 50..51 (%s)", three_verdict_str(row(KS_ROW_IO)->verdict));

	/* The patch loses one of the VM's io exits: the leaves' column differs, KVM's does not. */
	sim_reset();
	first = sim.n;
	vm_run();
	sim.ev[first + 2].patch_misses = true;
	CHECK(sim.ev[first + 2].reason == code("io") && sim.ev[first + 2].tgid == VM, "picked an io exit of the VM");
	CHECK(run() == 1 && row(KS_ROW_IO)->verdict == THREE_PATCH_DIFFERS && res.global.count_bad > 0,
	      "a lost io exit in the patch: PATCH-DIFFERS (%s)", three_verdict_str(row(KS_ROW_IO)->verdict));

	/* KVM counts one io exit more than happened: KVM's column differs. */
	sim_reset();
	vm_run();
	sim.kvm_io_extra = 1;
	CHECK(run() == 1 && row(KS_ROW_IO)->verdict == THREE_KVM_DIFFERS && res.ks.differ == 1,
	      "io +1 in KVM: KVM-DIFFERS (%s)", three_verdict_str(row(KS_ROW_IO)->verdict));

	/* The patch's io exits each 100 ns longer than BPF's (a pause between the two clocks):
	 * the leaves' time row differs, and is shown; the counts, which this command judges, agree. */
	sim_reset();
	vm_run();
	sim.io_cycles_extra = 100;
	CHECK(run() == 0 && res.global.time_bad == 1 && res.global.count_bad == 0 && res.differ == 0,
	      "a time difference only: status 0 (time_bad %u)", res.global.time_bad);

	/* A third VM exits in the window: the leaves (global) still agree with BPF, but the VM's
	 * share of them cannot be told, so the PATCH column is empty and KVM is compared alone. */
	sim_reset();
	vm_run();
	burst(THIRD, "cpuid", 5500, 7);
	CHECK(run() == 0 && res.third == 7 && !row(KS_ROW_IO)->patch_known && row(KS_ROW_IO)->verdict == THREE_AGREE &&
		      res.equal == 0,
	      "a third VM: %llu of its exits, io %s", (unsigned long long)res.third,
	      three_verdict_str(row(KS_ROW_IO)->verdict));

	/* An interrupt of the query VM during read 1: its own share is 0..1 there, so the VM's
	 * share of the leaves' interrupt count is a range: agree, not equal. */
	sim_reset();
	vm_run();
	add(OWN, "interrupt", READ1 + 10 * 3 + 7, READ1 + 10 * 3 + 9);
	CHECK(run() == 0 && row(KS_ROW_IRQ)->verdict == THREE_AGREE &&
		      row(KS_ROW_IRQ)->patch_hi == row(KS_ROW_IRQ)->patch_lo + 1 && row(KS_ROW_IO)->verdict == THREE_EQUAL,
	      "an own interrupt during a read: interrupt %s, patch %llu..%llu", three_verdict_str(row(KS_ROW_IRQ)->verdict),
	      (unsigned long long)row(KS_ROW_IRQ)->patch_lo, (unsigned long long)row(KS_ROW_IRQ)->patch_hi);
	return test_result("test_compare_three");
}
