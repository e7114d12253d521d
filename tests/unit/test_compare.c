/* --compare-cpuid's arithmetic (user/compare/compare_cpuid.c) on simulated timelines.
 *
 * A small simulator produces what the kernel would: a list of VM exits (VM, reason, exit time,
 * entry time) of the query VM and of another, busy VM; the patch's answers at the instants the
 * query VM reads each leaf, computed from the contract (docs/leaves.md: an exit is counted when
 * it happens, its cycles at the next entry; TSC at 1 GHz, so cycles == ns); and BPF's four
 * snapshots S0..S3 (counts at kvm_exit, time at kvm_entry, nothing before BPF attached).
 * The expected verdicts are not recorded constants: each case states what the window contains
 * and perturbs one thing (late attach, a lost exit, the wrong mode, a wrong TSC rate).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "compare_cpuid.h"
#include "reasons.h"
#include "tsc.h"

#define ISA EXIT_ISA_SVM
#define OWN 100
#define OTHER 200
#define CPUID 0x72
#define HLT 0x78
#define INTR 0x60
#define NOT_HANDLED_REASON 0x7d /* task_switch: answered "not handled" by the simulated KVM */
#define UNDEFINED_CODE 0x1234	/* no APM code: only in the total */
#define NEVER UINT64_MAX

struct ev {
	uint64_t x, y; /* exit, next entry (NEVER = not yet) */
	uint32_t tgid, reason;
	uint32_t offset; /* the patch's interval is this much shorter (its clock reads come after
			    BPF's programs); larger for the first exit BPF sees of a key */
};

struct sim {
	struct ev ev[20000];
	size_t n;
	/* per read: the instant each position is read (its CPUID exit + 1) */
	uint64_t read_at[2][LEAF_REQUESTS_MAX];
	uint64_t s[4];	 /* snapshot instants */
	uint64_t attach; /* BPF attached */
	uint64_t lost_x; /* an exit BPF missed (0 = none) */
	bool per_vm;	 /* the patch answers the query VM's own exits only */
	double cycles_scale; /* patch TSC runs this much faster than ns (1 = exact) */
};

static void add(struct sim *s, uint32_t tgid, uint32_t reason, uint64_t x, uint64_t y)
{
	if (s->n < sizeof(s->ev) / sizeof(s->ev[0]))
		s->ev[s->n++] = (struct ev){ x, y, tgid, reason, 0 };
}

/* One whole-table read of the query VM starting at t: its first entry closes the previous HLT
 * (prev_hlt), then n CPUIDs (40..44 ns each, 100 ns apart), an interrupt exit after position 5
 * if noisy, and a HLT. Returns the HLT's index in ev[]. */
static size_t sim_read(struct sim *s, int which, uint64_t t, size_t prev_hlt, size_t n, bool noisy)
{
	if (prev_hlt != SIZE_MAX)
		s->ev[prev_hlt].y = t;
	for (size_t j = 0; j < n; j++) {
		uint64_t x = t + 10 + 100 * j + (j > n / 2 ? 4000 : 0);

		/* 40..44 ns, and one CPUID preempted for 4 us, as under load */
		add(s, OWN, CPUID, x, x + (j == n / 2 ? 4000 : 40 + j % 5));
		if (which >= 0)
			s->read_at[which][j] = x + 1;
		if (noisy && j == 5)
			add(s, OWN, INTR, x + 50, x + 70);
	}
	add(s, OWN, HLT, t + 4010 + 100 * n, NEVER);
	return s->n - 1;
}

static int patch_slot_counts(const struct sim *s, const struct ev *e)
{
	return !s->per_vm || e->tgid == OWN;
}

/* The patch's answer for one reason, or the total, read at instant t. */
static void patch_value(const struct sim *s, bool total, uint32_t reason, uint64_t t, struct leaf_regs *r)
{
	uint64_t count = 0, cycles = 0;

	if (!total && reason == NOT_HANDLED_REASON) {
		*r = (struct leaf_regs){ 0, 0, 0, 0 };
		return;
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct ev *e = &s->ev[i];

		if (!patch_slot_counts(s, e) || (!total && e->reason != reason))
			continue;
		if (e->x <= t)
			count++;
		if (e->y <= t)
			cycles += (uint64_t)((double)(e->y - e->x - e->offset) * s->cycles_scale + 0.5);
	}
	leaf_encode(count, cycles, r);
}

/* A read in exitprof's batch order (cmp_requests: CPUID second, or the table order). */
static bool table_order;

static void patch_report(const struct sim *s, int which, struct leaf_report *rep)
{
	struct leaf_request req[LEAF_REQUESTS_MAX];
	struct leaf_regs batch[LEAF_REQUESTS_MAX], ans[LEAF_REQUESTS_MAX];
	size_t pos, n = table_order ? leaf_report_requests(ISA, req) : cmp_requests(ISA, req, &pos);

	for (size_t p = 0; p < n; p++)
		patch_value(s, p == 0, req[p].subleaf, s->read_at[which][p], &batch[p]);
	if (table_order)
		memcpy(ans, batch, n * sizeof(*ans));
	else
		cmp_answers_in_table_order(ISA, batch, n, ans);
	CHECK(leaf_report_decode(ISA, ans, n, rep) == LEAVES_PRESENT, "simulated answers decode");
}

static void bpf_snap(const struct sim *s, uint64_t t, struct cmp_snap *out)
{
	struct exit_table tab;

	exit_table_init(&tab);
	for (size_t i = 0; i < s->n; i++) {
		const struct ev *e = &s->ev[i];
		struct exit_key k = { e->tgid, 0, ISA, e->reason };
		struct exit_val v;

		if (e->x < s->attach || e->x > t || e->x == s->lost_x)
			continue; /* BPF creates a key at the exit it first sees */
		memset(&v, 0, sizeof(v));
		v.count = e->x <= t;
		if (e->y <= t) {
			v.timed = 1;
			v.total_ns = v.min_ns = v.max_ns = e->y - e->x;
		}
		CHECK(exit_table_merge(&tab, &k, &v) == 0, "merge");
	}
	cmp_snap_from_table(out, &tab, ISA, OWN, OTHER);
	exit_table_free(&tab);
}

/* The other VM: an exit every 37 ns over [from, to), 20 ns each, reasons in turn (CPUID and
 * HLT too, so those rows are not only the query VM's). */
static void sim_busy(struct sim *s, uint64_t from, uint64_t to)
{
	static const uint32_t mix[] = { 0x400, 0x7b, CPUID, 0x7c, INTR, HLT, UNDEFINED_CODE };
	size_t k = 0;

	for (uint64_t x = from; x < to; x += 37, k++)
		add(s, OTHER, mix[k % 7], x, x + 20);
}

struct scenario {
	bool busy, noisy, late, per_vm;
	bool busy_between; /* the other VM exits only between the reads: exact brackets */
	bool clock_offset; /* patch intervals 5 ns shorter, 50 ns for a key's first BPF-seen exit */
	uint64_t lost_other_exit; /* lose the k-th other-VM exit of the window (0 = none) */
	double cycles_scale;
};

/* Builds the timeline: probe, attach, S0, read 1, S1, 100 us, S2, read 2, S3. */
static void build(struct sim *s, const struct scenario *sc)
{
	size_t n = 1 + exit_reason_count(ISA), hlt;
	uint64_t t1 = 8000, t1_end = t1 + 4010 + 100 * n, t2, t2_end;

	memset(s, 0, sizeof(*s));
	s->per_vm = sc->per_vm;
	s->cycles_scale = sc->cycles_scale > 0 ? sc->cycles_scale : 1;
	hlt = sim_read(s, -1, 100, SIZE_MAX, 2, false); /* the probe: 2 CPUIDs, before BPF */
	s->attach = 6000;
	s->s[0] = 7000;
	hlt = sim_read(s, 0, t1, hlt, n, sc->noisy);
	s->s[1] = t1_end + 1000;
	if (sc->late)
		s->attach = s->s[0] = s->s[1];
	s->s[2] = s->s[1] + 100000;
	t2 = s->s[2] + 1000;
	t2_end = t2 + 4010 + 100 * n;
	sim_read(s, 1, t2, hlt, n, sc->noisy);
	s->s[3] = t2_end + 1000;
	if (sc->busy)
		sim_busy(s, 0, s->s[3] + 5000);
	if (sc->busy_between)
		sim_busy(s, s->s[1] + 100, s->s[2] - 100);
	if (sc->clock_offset) {
		for (size_t i = 0; i < s->n; i++) {
			struct ev *e = &s->ev[i];
			bool first = e->x >= s->attach;

			for (size_t j = 0; j < s->n && first; j++)
				if (s->ev[j].tgid == e->tgid && s->ev[j].reason == e->reason &&
				    s->ev[j].x >= s->attach && s->ev[j].x < e->x)
					first = false;
			e->offset = first ? 50 : 5;
		}
	}
	if (sc->lost_other_exit) {
		uint64_t k = 0;

		for (size_t i = 0; i < s->n; i++)
			if (s->ev[i].tgid == OTHER && s->ev[i].x > s->s[1] && ++k == sc->lost_other_exit)
				s->lost_x = s->ev[i].x;
	}
}

static struct sim sim;
static struct leaf_report rd[2];
static struct cmp_snap sn[4];
static struct cmp_result res;

static struct cmp_tolerance tol = { 0.05, 0, 0 };

static int run(const struct scenario *sc, enum cmp_mode mode)
{
	struct cmp_input in = {
		.isa = ISA, .mode = mode, .read = { &rd[0], &rd[1] }, .snap = { &sn[0], &sn[1], &sn[2], &sn[3] },
		.tsc_khz = 1e6, .tol = tol, .cpuid_pos = table_order ? 0 : 1,
	};

	build(&sim, sc);
	patch_report(&sim, 0, &rd[0]);
	patch_report(&sim, 1, &rd[1]);
	for (int i = 0; i < 4; i++)
		bpf_snap(&sim, sim.s[i], &sn[i]);
	return cmp_compute(&in, &res);
}

static const struct cmp_row *row_of(uint32_t reason)
{
	for (size_t i = 0; i < res.nrows; i++)
		if (res.rows[i].reason == reason)
			return &res.rows[i];
	return NULL;
}

static void test_reason_index(void)
{
	for (size_t i = 0; i < exit_reason_count(ISA); i++)
		CHECK(cmp_reason_index(ISA, exit_reason_code_at(ISA, i)) == i, "index of reason #%zu", i);
	CHECK(cmp_reason_index(ISA, UNDEFINED_CODE) == CMP_OTHER_REASON, "undefined code -> other");
	CHECK(cmp_reason_index(EXIT_ISA_VMX, 10) == 10, "VMX CPUID is basic reason 10, index 10");
}

static void test_batch_order(void)
{
	struct leaf_request std[LEAF_REQUESTS_MAX], ours[LEAF_REQUESTS_MAX];
	struct leaf_regs batch[LEAF_REQUESTS_MAX], back[LEAF_REQUESTS_MAX];
	size_t pos, n = leaf_report_requests(ISA, std);

	CHECK(cmp_requests(ISA, ours, &pos) == n && pos == 1, "same size, CPUID second");
	CHECK(ours[0].leaf == LEAF_TOTAL && ours[1].subleaf == CPUID, "total, then cpuid");
	for (size_t i = 0; i < n; i++)
		batch[i] = (struct leaf_regs){ ours[i].leaf, ours[i].subleaf, (uint32_t)i, 0 };
	cmp_answers_in_table_order(ISA, batch, n, back);
	for (size_t i = 0; i < n; i++)
		CHECK(back[i].eax == std[i].leaf && back[i].ebx == std[i].subleaf, "answer %zu back in place", i);
}

/* With the table order (CPUID read late in the batch), the own CPUID time is only bracketed
 * by p x the longest CPUID: still agrees, but loosely; exitprof's order makes it tight. */
static void test_table_order_bracket(void)
{
	struct scenario sc = { 0 };
	const struct cmp_row *c;
	double w;

	run(&sc, CMP_MODE_GLOBAL);
	c = row_of(CPUID);
	w = c->bpf_ns_hi - c->bpf_ns_lo;
	CHECK(c->verdict == CMP_AGREE && w > 0 && w <= 2 * 4000, "exitprof order: cpuid time within 2 x the longest (%.0f)", w);
	table_order = true;
	CHECK(run(&sc, CMP_MODE_GLOBAL) == 0, "table order agrees too");
	c = row_of(CPUID);
	CHECK(c->bpf_ns_hi - c->bpf_ns_lo > 2 * w, "but its time bracket is wide (%.0f)", c->bpf_ns_hi - c->bpf_ns_lo);
	table_order = false;
}

static void test_quiet_is_exact(void)
{
	struct scenario sc = { 0 };
	size_t n = 1 + exit_reason_count(ISA);
	const struct cmp_row *c, *h;

	CHECK(run(&sc, CMP_MODE_GLOBAL) == 0, "quiet window agrees (%u counts, %u times differ)", res.count_bad,
	      res.time_bad);
	CHECK(res.exact == res.compared, "quiet: every row exact (%u of %u)", res.exact, res.compared);
	c = row_of(CPUID);
	h = row_of(HLT);
	/* The window holds exactly one read's CPUIDs and read 1's HLT, for every reason's window. */
	CHECK(c && c->patch_count == n && c->bpf_lo == n && c->own == n, "cpuid row: patch %llu, want %zu",
	      c ? (unsigned long long)c->patch_count : 0ull, n);
	CHECK(h && h->patch_count == 1 && h->bpf_lo == 1, "hlt row: read 1's HLT only");
	CHECK(res.total.patch_count == n + 1 && res.total.bpf_lo == n + 1 && res.total.bpf_hi == n + 1,
	      "total = n + 1 (%llu)", (unsigned long long)res.total.patch_count);
	/* Read 1's HLT lasts the whole gap between the reads: its time is in the window too. */
	CHECK(h && h->patch_ns > 100000 && h->bpf_ns_lo == h->patch_ns, "hlt time %.0f vs %.0f", h ? h->patch_ns : 0,
	      h ? h->bpf_ns_lo : 0);
	CHECK(row_of(NOT_HANDLED_REASON)->verdict == CMP_NOT_COMPARED, "not-handled reason is not compared");
}

static void test_busy_and_noisy_agree(void)
{
	struct scenario sc = { .busy = true, .noisy = true };
	const struct cmp_row *io;

	CHECK(run(&sc, CMP_MODE_GLOBAL) == 0, "busy other VM + own interrupts agree (%u counts, %u times differ)",
	      res.count_bad, res.time_bad);
	io = row_of(0x7b);
	CHECK(io && io->bpf_lo >= 100000 / 37 / 7 && io->bpf_lo < io->bpf_hi, "io: the busy VM's exits, bracketed (%llu..%llu)",
	      io ? (unsigned long long)io->bpf_lo : 0ull, io ? (unsigned long long)io->bpf_hi : 0ull);
	CHECK(res.other.bpf_hi > 0 && res.total.diff == 0, "undefined codes only in the total, which agrees");
	CHECK(row_of(INTR)->bpf_hi - row_of(INTR)->bpf_lo >= 2, "own interrupts during the reads widen intr");
}

static void test_late_attach_differs(void)
{
	struct scenario sc = { .late = true };
	const struct cmp_row *c;

	CHECK(run(&sc, CMP_MODE_GLOBAL) == 1, "late attach must differ");
	c = row_of(CPUID);
	CHECK(c && c->verdict == CMP_COUNT_DIFFERS && c->diff > 0, "cpuid row differs (diff %lld)",
	      c ? (long long)c->diff : 0ll);
	sc.busy = true;
	CHECK(run(&sc, CMP_MODE_GLOBAL) == 1 && res.total.verdict == CMP_COUNT_DIFFERS, "late attach, busy: differs");
}

/* A lost exit is seen when the brackets are exact (no other VM exiting during the reads);
 * otherwise only when it pushes the patch's count out of the bracket: the bracket's width is
 * the comparison's resolution, and the output shows it. */
static void test_lost_exit_differs(void)
{
	struct scenario sc = { .busy_between = true, .lost_other_exit = 500 };

	CHECK(run(&sc, CMP_MODE_GLOBAL) == 1 && res.total.diff == 1, "one exit lost by BPF: total diff %lld",
	      (long long)res.total.diff);
	sc.lost_other_exit = 0;
	CHECK(run(&sc, CMP_MODE_GLOBAL) == 0 && res.exact == res.compared, "same without the loss: exact, agrees");
}

static void test_modes(void)
{
	struct scenario pervm = { .busy = true, .per_vm = true }, global = { .busy = true };
	static struct cmp_result g, p;
	bool amb;

	CHECK(run(&pervm, CMP_MODE_PER_VM) == 0, "per-VM answers vs own exits agree");
	p = res;
	CHECK(run(&pervm, CMP_MODE_GLOBAL) == 1, "per-VM answers vs every VM differ");
	g = res;
	CHECK(cmp_infer_mode(&g, &p, &amb) == CMP_MODE_PER_VM && !amb, "inferred per-VM");
	CHECK(run(&global, CMP_MODE_PER_VM) == 1, "global answers vs own exits differ");
	p = res;
	CHECK(run(&global, CMP_MODE_GLOBAL) == 0, "global answers vs every VM agree");
	g = res;
	CHECK(cmp_infer_mode(&g, &p, &amb) == CMP_MODE_GLOBAL && !amb, "inferred global");
	global.busy = false;
	run(&global, CMP_MODE_GLOBAL);
	g = res;
	run(&global, CMP_MODE_PER_VM);
	CHECK(cmp_infer_mode(&g, &res, &amb) == CMP_MODE_PER_VM && amb, "quiet: ambiguous");
}

static void test_time_tolerance(void)
{
	struct scenario sc = { .busy = true, .cycles_scale = 1.02 };

	CHECK(run(&sc, CMP_MODE_GLOBAL) == 0, "TSC 2%% off: within 5%%");
	sc.cycles_scale = 1.10;
	CHECK(run(&sc, CMP_MODE_GLOBAL) == 1 && res.count_bad == 0 && res.time_bad > 0,
	      "TSC 10%% off: counts agree, times differ (%u)", res.time_bad);
	CHECK(row_of(HLT)->verdict == CMP_TIME_DIFFERS, "hlt (long) time differs");
}

/* The per-exit clock offset and the allowance for a key's first (allocating) exit. */
static void test_clock_offset(void)
{
	struct scenario sc = { .busy = true, .noisy = true, .clock_offset = true };

	tol = (struct cmp_tolerance){ 0, 6, 60 };
	CHECK(run(&sc, CMP_MODE_GLOBAL) == 0, "offsets within 6 ns/exit + 60 ns/new key (%u times differ)",
	      res.time_bad);
	CHECK(row_of(HLT)->new_keys == 1, "read 1's HLT is the query VM's first HLT BPF sees");
	sc.busy = sc.noisy = false; /* HLT and CPUID rows: the query VM's exits only */
	tol = (struct cmp_tolerance){ 0, 6, 60 };
	CHECK(run(&sc, CMP_MODE_GLOBAL) == 0, "quiet, same tolerance: agrees");
	tol = (struct cmp_tolerance){ 0, 6, 0 };
	CHECK(run(&sc, CMP_MODE_GLOBAL) == 1 && row_of(HLT)->verdict == CMP_TIME_DIFFERS,
	      "without the new-key allowance the HLT row (1 exit, 50 ns short) differs");
	tol = (struct cmp_tolerance){ 0, 4, 60 };
	/* The total's own times are exact (read at position 0): 176 x 5 + 2 x 50 ns short. */
	CHECK(run(&sc, CMP_MODE_GLOBAL) == 1 && res.total.verdict == CMP_TIME_DIFFERS,
	      "per-exit allowance below the offset: the total differs");
	tol = (struct cmp_tolerance){ 0.05, 0, 0 };
}

static void test_tsc_klog(void)
{
	static const char log[] =
		"<6>[    0.000000] tsc: Fast TSC calibration using PIT\n"
		"<6>[    0.000000] tsc: Detected 2596.126 MHz processor\n"
		"<6>[    0.000000] tsc: Detected 2596.000 MHz TSC\n"
		"<6>[    1.234567] tsc: Refined TSC clocksource calibration: 2595.998 MHz\n";
	char line[128];
	int refined;
	double khz;

	khz = tsc_parse_klog(log, sizeof(log) - 1, &refined, line, sizeof(line));
	CHECK(refined && khz > 2595997.9 && khz < 2595998.1, "refined wins: %f", khz);
	CHECK(strcmp(line, "tsc: Refined TSC clocksource calibration: 2595.998 MHz") == 0, "line '%s'", line);
	khz = tsc_parse_klog(log, (size_t)(strstr(log, "<6>[    1.") - log), &refined, line,
			     sizeof(line)); /* without the refined line */
	CHECK(!refined && khz > 2595999.9 && khz < 2596000.1, "last detected: %f", khz);
	khz = tsc_parse_klog("tsc: Detected garbage MHz\n", 26, &refined, NULL, 0);
	CHECK(khz == 0, "no number, no value");
	CHECK(tsc_cycles_to_ns(2596000, 2596000) == 1e6, "1 ms of cycles");
}

int main(void)
{
	test_reason_index();
	test_batch_order();
	test_table_order_bracket();
	test_quiet_is_exact();
	test_busy_and_noisy_agree();
	test_late_attach_differs();
	test_lost_exit_differs();
	test_modes();
	test_time_tolerance();
	test_clock_offset();
	test_tsc_klog();
	return test_result("test_compare");
}
