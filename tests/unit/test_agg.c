/* The per-exit logic the BPF program runs (bpf/exitprof_agg.h), driven with event sequences:
 * exit/entry timing, the kernel/VMM/halted split, abandoned exits, timeline bins, the slot
 * cache, and a randomized run checked against an independent reference computed from the same
 * events; with time_split the phases of the user-space round trip and the run-queue wait, and a
 * randomized run whose reference is the phase lengths the generator picked. */
#include <stdint.h>
#include <string.h>
#include "check.h"
#include "exitprof_agg.h"

static const struct exit_key K = { 100, 0, EXIT_ISA_SVM, 0x72 };

static void run_exit(struct vcpu_state *s, uint64_t t_exit)
{
	ep_on_exit(s, t_exit, 1);
	ep_on_exit_timeline(s, &K, 0, 1);
}

static void test_plain(void)
{
	struct vcpu_state s = { 0 };
	struct ep_sample o;

	CHECK(ep_on_entry(&s, 50, &o) == 0, "an entry without an exit closes nothing (first KVM_RUN)");
	run_exit(&s, 1000);
	CHECK(ep_on_entry(&s, 1750, &o) == 1, "entry closes the exit");
	CHECK(o.total_ns == 750 && o.user_ns == 0 && o.halt_ns == 0, "plain: 750/0/0, got %llu/%llu/%llu",
	      (unsigned long long)o.total_ns, (unsigned long long)o.user_ns, (unsigned long long)o.halt_ns);
	CHECK(ep_on_entry(&s, 2000, &o) == 0, "a second entry closes nothing");
}

static void test_user(void)
{
	struct vcpu_state s = { 0 };
	struct ep_sample o;

	run_exit(&s, 1000);
	ep_on_userspace_exit(&s, 1200);
	ep_on_userspace_exit(&s, 1500); /* KVM_RUN returned again (-EINTR): first return counts */
	CHECK(ep_on_entry(&s, 3000, &o) == 1, "closed");
	CHECK(o.total_ns == 2000 && o.user_ns == 1800 && o.halt_ns == 0, "user: 2000/1800/0, got %llu/%llu/%llu",
	      (unsigned long long)o.total_ns, (unsigned long long)o.user_ns, (unsigned long long)o.halt_ns);

	/* userspace_exit without an open exit (before the first entry) is ignored */
	struct vcpu_state s2 = { 0 };
	ep_on_userspace_exit(&s2, 10);
	CHECK(s2.user_ts == 0, "no window without an exit");
}

static void test_halt(void)
{
	struct vcpu_state s = { 0 };
	struct ep_sample o;

	run_exit(&s, 1000);
	ep_on_wakeup(&s, 9000, 7000); /* halted 2000..9000 */
	CHECK(ep_on_entry(&s, 9500, &o) == 1, "closed");
	CHECK(o.total_ns == 8500 && o.halt_ns == 7000 && o.user_ns == 0, "halt: 8500/0/7000, got %llu/%llu/%llu",
	      (unsigned long long)o.total_ns, (unsigned long long)o.user_ns, (unsigned long long)o.halt_ns);

	/* VMM first, then back into KVM_RUN where the vCPU halts: the user window ends where the
	 * halt begins. exit 0, user 100..400, kernel 400..500, halt 500..2500, entry 2600. */
	run_exit(&s, 0 + 10000);
	ep_on_userspace_exit(&s, 10100);
	ep_on_wakeup(&s, 12500, 2000);
	CHECK(ep_on_entry(&s, 12600, &o) == 1, "closed");
	CHECK(o.total_ns == 2600 && o.user_ns == 400 && o.halt_ns == 2000,
	      "user+halt: 2600/400/2000, got %llu/%llu/%llu", (unsigned long long)o.total_ns,
	      (unsigned long long)o.user_ns, (unsigned long long)o.halt_ns);

	/* A halt reported longer than the exit itself is clamped to the exit. */
	run_exit(&s, 20000);
	ep_on_wakeup(&s, 20500, 99999);
	CHECK(ep_on_entry(&s, 21000, &o) == 1 && o.halt_ns == 500 && o.total_ns == 1000,
	      "clamped halt: %llu of %llu", (unsigned long long)o.halt_ns, (unsigned long long)o.total_ns);

	/* wakeup with no exit open changes nothing */
	struct vcpu_state s2 = { 0 };
	ep_on_wakeup(&s2, 100, 50);
	CHECK(s2.halt_ns == 0, "no halt without an exit");
}

static void test_abandoned(void)
{
	struct vcpu_state s = { 0 };
	struct ep_sample o;

	run_exit(&s, 1000);
	ep_on_userspace_exit(&s, 1100);
	run_exit(&s, 5000); /* entry never came for the first: a new exit replaces it */
	CHECK(ep_on_entry(&s, 5300, &o) == 1 && o.total_ns == 300 && o.user_ns == 0,
	      "only the second exit is timed, with its own split");
}

static void test_val(void)
{
	struct exit_val v;
	static const uint64_t samples[] = { 500, 20, 70000, 20, 3, 1000000000ull };
	uint64_t sum = 0;

	memset(&v, 0, sizeof(v));
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		struct ep_sample s = { .total_ns = samples[i], .user_ns = samples[i] / 4, .halt_ns = samples[i] / 2 };
		ep_val_add_sample(&v, &s);
		sum += samples[i];
	}
	CHECK(v.timed == 6 && v.total_ns == sum, "timed %llu total %llu", (unsigned long long)v.timed,
	      (unsigned long long)v.total_ns);
	CHECK(v.min_ns == 3 && v.max_ns == 1000000000ull, "min %llu max %llu", (unsigned long long)v.min_ns,
	      (unsigned long long)v.max_ns);
	CHECK(v.hist[4] == 2 && v.hist[1] == 1 && v.hist[8] == 1 && v.hist[16] == 1 && v.hist[29] == 1,
	      "histogram slots");
	CHECK(v.count == 0, "ep_val_add_sample does not count exits (kvm_exit does)");
}

/* The last slot holds everything from 2^39 ns up: the clamp the BPF program's 64-bit bound
 * (ep_hist_index) keeps, and every index stays inside the array. */
static void test_last_slot(void)
{
	static const uint64_t samples[] = { 1ull << 38, (1ull << 39) - 1, 1ull << 39, 1ull << 40, UINT64_MAX };
	struct exit_val v;

	memset(&v, 0, sizeof(v));
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		struct ep_sample s = { .total_ns = samples[i] };
		ep_val_add_sample(&v, &s);
	}
	CHECK(v.hist[38] == 2 && v.hist[EXITPROF_HIST_SLOTS - 1] == 3, "slot 38: %llu, last slot: %llu",
	      (unsigned long long)v.hist[38], (unsigned long long)v.hist[EXITPROF_HIST_SLOTS - 1]);
	for (uint32_t slot = 0; slot < 70; slot++) {
		uint64_t i = ep_hist_index(slot);
		CHECK(i == (slot < EXITPROF_HIST_SLOTS ? slot : EXITPROF_HIST_SLOTS - 1), "ep_hist_index(%u) = %llu",
		      slot, (unsigned long long)i);
	}
	CHECK(ep_hist_index(UINT32_MAX) == EXITPROF_HIST_SLOTS - 1, "ep_hist_index(UINT32_MAX)");
}

static void test_bins(void)
{
	const uint64_t t0 = 1000000, bin = 10000000;

	CHECK(ep_bin(t0, t0, bin) == 0, "t0 is bin 0");
	CHECK(ep_bin(t0 + bin - 1, t0, bin) == 0, "last ns of bin 0");
	CHECK(ep_bin(t0 + bin, t0, bin) == 1, "first ns of bin 1");
	CHECK(ep_bin(t0 + 25 * bin + 3, t0, bin) == 25, "bin 25");
	CHECK(ep_bin(t0 - 5, t0, bin) == 0, "before t0 (other vCPU's clock) is bin 0");
	CHECK(ep_bin(t0 + 5, t0, 0) == 0, "bin width 0 does not divide by zero");
	CHECK(ep_bin(UINT64_MAX, 0, 1) == 0xFFFFFFFFu, "saturates");
}

/* Random events on 4 vCPU threads; the reference recomputes each exit's split from the event
 * times directly (user = [first userspace_exit, halt start or entry), halt = wakeup ns). */
static uint64_t rs = 88172645463325252ull;
static uint64_t rnd(uint64_t n)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs % n;
}

static void test_random(void)
{
	struct vcpu_state st[4];
	struct exit_val agg, ref;
	uint64_t now = 1000;

	memset(st, 0, sizeof(st));
	memset(&agg, 0, sizeof(agg));
	memset(&ref, 0, sizeof(ref));
	for (int iter = 0; iter < 20000; iter++) {
		struct vcpu_state *s = &st[rnd(4)];
		uint64_t t_exit = now, t = now, user = 0, halt = 0, total;
		int in_user = 0;
		uint64_t user_start = 0;
		struct ep_sample o;

		ep_on_exit(s, t_exit, 1);
		ep_on_exit_timeline(s, &K, 0, 1);
		agg.count++;
		ref.count++;
		int steps = (int)rnd(4);
		for (int k = 0; k < steps; k++) {
			t += 1 + rnd(5000);
			if (rnd(2)) {
				ep_on_userspace_exit(s, t);
				if (!in_user) {
					in_user = 1;
					user_start = t;
				}
			} else {
				uint64_t h = rnd(t - t_exit); /* halt inside the exit */
				ep_on_wakeup(s, t, h);
				if (in_user) {
					user += (t - h > user_start) ? (t - h) - user_start : 0;
					in_user = 0;
				}
				halt += h;
			}
		}
		t += 1 + rnd(3000);
		if (rnd(10) == 0) { /* entry never comes: abandoned, counted but not timed */
			now = t;
			continue;
		}
		if (in_user)
			user += t - user_start;
		total = t - t_exit;
		if (halt > total)
			halt = total;
		if (user > total - halt)
			user = total - halt;
		CHECK(ep_on_entry(s, t, &o) == 1, "iteration %d closes its exit", iter);
		CHECK(o.total_ns == total && o.user_ns == user && o.halt_ns == halt,
		      "iteration %d: got %llu/%llu/%llu want %llu/%llu/%llu", iter, (unsigned long long)o.total_ns,
		      (unsigned long long)o.user_ns, (unsigned long long)o.halt_ns, (unsigned long long)total,
		      (unsigned long long)user, (unsigned long long)halt);
		ep_val_add_sample(&agg, &o);
		ref.timed++;
		ref.total_ns += total;
		ref.user_ns += user;
		ref.halt_ns += halt;
		now = t;
		if (failures > 10)
			return;
	}
	CHECK(agg.count == ref.count && agg.timed == ref.timed && agg.total_ns == ref.total_ns &&
	      agg.user_ns == ref.user_ns && agg.halt_ns == ref.halt_ns, "aggregate equals the reference");
	uint64_t hsum = 0;
	for (unsigned i = 0; i < EXITPROF_HIST_SLOTS; i++)
		hsum += agg.hist[i];
	CHECK(hsum == agg.timed, "histogram holds every timed exit");
}

/* The slot cache: a key's slot comes back for that key only; a key sharing the entry replaces
 * it (and the replaced key reads as uncached, never as the other key's slot); the all-zero key
 * does not match an empty entry (slot 0 = not cached). Checked against a plain list of the
 * keys put, over many random keys. */
static void test_slot_cache(void)
{
	struct vcpu_state s;
	struct exit_key keys[300];
	uint32_t slot_of_key[300];
	int n = 0;

	memset(&s, 0, sizeof(s));
	struct exit_key zero = { 0, 0, 0, 0 };
	CHECK(ep_cache_get(&s, &zero) == 0, "an empty cache has no slot for the all-zero key");
	for (int i = 0; i < 300; i++) {
		keys[i] = (struct exit_key){ 100, (uint32_t)rnd(3), rnd(2) ? EXIT_ISA_SVM : EXIT_ISA_VMX,
					     (uint32_t)rnd(i < 150 ? 8 : 0x500) };
		slot_of_key[i] = (uint32_t)i + 1;
		ep_cache_put(&s, &keys[i], slot_of_key[i]);
		n++;
		CHECK(ep_cache_get(&s, &keys[i]) == slot_of_key[i], "key %d reads back its slot", i);
		CHECK(ep_cache_index(&keys[i]) < EXITPROF_SLOT_CACHE, "index in range");
		/* Every earlier key: either its own (latest) slot, or not cached. */
		for (int j = 0; j < i; j++) {
			uint32_t got = ep_cache_get(&s, &keys[j]), want = 0;

			for (int k = i; k >= 0; k--)
				if (!memcmp(&keys[k], &keys[j], sizeof(keys[j]))) {
					want = slot_of_key[k];
					break;
				}
			CHECK(got == 0 || got == want, "key %d: slot %u, latest put %u", j, got, want);
		}
		if (failures)
			return;
	}
	/* The same reason on another vCPU or ISA is another key. */
	struct exit_key a = { 100, 0, EXIT_ISA_SVM, 0x72 }, b = { 100, 1, EXIT_ISA_SVM, 0x72 };
	memset(&s, 0, sizeof(s));
	ep_cache_put(&s, &a, 7);
	CHECK(ep_cache_get(&s, &b) == 0, "vCPU 1's cpuid is not vCPU 0's");
	b = (struct exit_key){ 100, 0, EXIT_ISA_VMX, 0x72 };
	CHECK(ep_cache_get(&s, &b) == 0, "VMX 0x72 is not SVM 0x72");
	CHECK(n == 300, "all keys tried");
}

/* ep_bounded: indexes below n pass, everything else is n - 1. */
static void test_bounded(void)
{
	for (uint32_t i = 0; i < 40; i++)
		CHECK(ep_bounded(i, 16) == (i < 16 ? i : 15), "ep_bounded(%u, 16)", i);
	CHECK(ep_bounded(UINT32_MAX, 16) == 15, "ep_bounded(UINT32_MAX, 16)");
}

/* --- time_split --- */

/* An exit with the split on, as the BPF program runs it: ep_on_exit + ep_split_on_exit. */
static void split_exit(struct vcpu_state *s, uint64_t t)
{
	ep_on_exit(s, t, 1);
	ep_on_exit_timeline(s, &K, 0, 1);
	ep_split_on_exit(s);
}

static void split_uexit(struct vcpu_state *s, uint64_t t)
{
	ep_on_userspace_exit(s, t);
	ep_split_on_userspace_exit(s, t);
}

/* One round trip: KVM_RUN about to return at `out`, returned at `ret`, called again at `call`. */
static void trip(struct vcpu_state *s, uint64_t out, uint64_t ret, uint64_t call)
{
	split_uexit(s, out);
	ep_split_on_sys_exit(s, ret);
	ep_split_on_sys_enter_run(s, call);
}

static void split_wakeup(struct vcpu_state *s, uint64_t t, uint64_t halt)
{
	ep_split_on_wakeup(s, t, halt);
	ep_on_wakeup(s, t, halt);
}

static int split_entry(struct vcpu_state *s, uint64_t t, struct ep_sample *o)
{
	memset(o, 0, sizeof(*o));
	if (!ep_on_entry(s, t, o))
		return 0;
	ep_split_on_entry(s, t, o);
	return 1;
}

#define SPLIT_IS(o, xp, vm, en, rq)                                                                        \
	CHECK((o).exit_path_ns == (xp) && (o).vmm_ns == (vm) && (o).entry_path_ns == (en) && (o).runq_ns == (rq), \
	      "%s:%d: exit path/VMM/entry path/runq %llu/%llu/%llu/%llu, want %llu/%llu/%llu/%llu", __func__,    \
	      __LINE__, (unsigned long long)(o).exit_path_ns, (unsigned long long)(o).vmm_ns,                     \
	      (unsigned long long)(o).entry_path_ns, (unsigned long long)(o).runq_ns, (unsigned long long)(xp),   \
	      (unsigned long long)(vm), (unsigned long long)(en), (unsigned long long)(rq))

static void test_split_round_trip(void)
{
	struct vcpu_state s = { 0 };
	struct ep_sample o;

	/* exit 1000, KVM_RUN about to return 1200, returned 1300, called again 1800, entry 2000 */
	split_exit(&s, 1000);
	split_uexit(&s, 1200);
	ep_split_on_sys_exit(&s, 1300);
	ep_split_on_sys_exit(&s, 1400); /* the VMM's own ioctl (say KVM_GET_REGS): still VMM time */
	ep_split_on_sys_enter_run(&s, 1800);
	CHECK(split_entry(&s, 2000, &o) == 1 && o.total_ns == 1000 && o.user_ns == 800, "closed: %llu/%llu",
	      (unsigned long long)o.total_ns, (unsigned long long)o.user_ns);
	SPLIT_IS(o, 100, 500, 200, 0);

	/* No round trip: every part 0, and the events of one (a stray sys_exit) change nothing. */
	split_exit(&s, 3000);
	ep_split_on_sys_exit(&s, 3100);
	ep_split_on_sys_enter_run(&s, 3200);
	CHECK(split_entry(&s, 3500, &o) == 1 && o.user_ns == 0, "in-kernel exit");
	SPLIT_IS(o, 0, 0, 0, 0);

	/* Events before any exit (the first KVM_RUN) open nothing. */
	struct vcpu_state s2 = { 0 };
	ep_split_on_userspace_exit(&s2, 10);
	ep_split_on_sys_exit(&s2, 20);
	ep_split_on_sys_enter_run(&s2, 30);
	ep_runq_wait(&s2, 40);
	CHECK(s2.phase == EP_PHASE_NONE && s2.runq_ts == 0, "no exit, no phase, no wait");
}

/* KVM_RUN returns a second time before the guest runs (a signal came): the kernel time of that
 * short KVM_RUN is the entry path's, its return the exit path's, and so on. */
static void test_split_reentry(void)
{
	struct vcpu_state s = { 0 };
	struct ep_sample o;

	split_exit(&s, 1000);
	trip(&s, 1200, 1300, 1500);
	split_uexit(&s, 1600); /* -EINTR */
	ep_split_on_sys_exit(&s, 1650);
	ep_split_on_sys_enter_run(&s, 1900);
	CHECK(split_entry(&s, 2000, &o) == 1 && o.user_ns == 800, "user %llu", (unsigned long long)o.user_ns);
	SPLIT_IS(o, 100 + 50, 200 + 250, 100 + 100, 0);
}

/* The VMM re-enters KVM_RUN and the vCPU halts: the entry path ends where the halt begins, and
 * the kernel time after the halt is kernel time (as in ep_on_wakeup). */
static void test_split_halt(void)
{
	struct vcpu_state s = { 0 };
	struct ep_sample o;

	split_exit(&s, 10000);
	trip(&s, 10100, 10150, 10300);
	split_wakeup(&s, 12400, 2000); /* halted 10400..12400 */
	CHECK(split_entry(&s, 12600, &o) == 1 && o.user_ns == 300 && o.halt_ns == 2000, "user %llu halt %llu",
	      (unsigned long long)o.user_ns, (unsigned long long)o.halt_ns);
	SPLIT_IS(o, 50, 150, 100, 0);

	/* Halted first (kernel), then a return to the VMM: only the round trip after the halt. */
	split_exit(&s, 20000);
	split_wakeup(&s, 23000, 2500); /* halted 20500..23000 */
	trip(&s, 23100, 23200, 23600);
	CHECK(split_entry(&s, 23700, &o) == 1 && o.user_ns == 600, "user %llu", (unsigned long long)o.user_ns);
	SPLIT_IS(o, 100, 400, 100, 0);
}

/* Without the raw_syscalls events (say a 32-bit VMM's compat ioctl): the whole round trip stays
 * in the exit path, and still adds up. */
static void test_split_no_syscalls(void)
{
	struct vcpu_state s = { 0 };
	struct ep_sample o;

	split_exit(&s, 1000);
	split_uexit(&s, 1200);
	CHECK(split_entry(&s, 2000, &o) == 1, "closed");
	SPLIT_IS(o, 800, 0, 0, 0);
}

/* Run-queue waits: preempted (switched out while runnable) and woken, each until switched in;
 * a second wait before running does not restart the clock; a wait open at the entry (a lost
 * switch-in) is dropped, not carried into the next exit. */
static void test_runq(void)
{
	struct vcpu_state s = { 0 };
	struct ep_sample o;

	split_exit(&s, 1000);
	ep_runq_wait(&s, 1100); /* preempted in the kernel's handling */
	ep_runq_wait(&s, 1150);
	ep_runq_run(&s, 1400);
	split_uexit(&s, 1450);
	ep_split_on_sys_exit(&s, 1460);
	ep_runq_wait(&s, 1500); /* woken in the VMM (after a blocking read) */
	ep_runq_run(&s, 1700);
	ep_runq_run(&s, 1750); /* switched in again without a wait: nothing */
	ep_split_on_sys_enter_run(&s, 1900);
	CHECK(split_entry(&s, 2000, &o) == 1, "closed");
	SPLIT_IS(o, 10, 440, 100, 300 + 200);

	split_exit(&s, 3000);
	ep_runq_wait(&s, 3100);
	CHECK(split_entry(&s, 3500, &o) == 1, "closed");
	SPLIT_IS(o, 0, 0, 0, 0);
	split_exit(&s, 4000);
	ep_runq_run(&s, 4200);
	CHECK(split_entry(&s, 4500, &o) == 1 && o.runq_ns == 0, "the last exit's open wait is not this one's");
}

/* Clocks out of order: the phases never add up to more than user_ns, nor less. */
static void test_split_clamp(void)
{
	struct vcpu_state s = { 0 };
	struct ep_sample o;

	split_exit(&s, 1000);
	trip(&s, 1200, 1300, 1250); /* the call read on another CPU, 50 ns behind */
	CHECK(split_entry(&s, 1500, &o) == 1 && o.user_ns == 300, "user %llu", (unsigned long long)o.user_ns);
	CHECK(o.exit_path_ns + o.vmm_ns + o.entry_path_ns == o.user_ns, "adds up: %llu+%llu+%llu != %llu",
	      (unsigned long long)o.exit_path_ns, (unsigned long long)o.vmm_ns, (unsigned long long)o.entry_path_ns,
	      (unsigned long long)o.user_ns);
	SPLIT_IS(o, 100, 0, 200, 0);

	/* A halt reported longer than the round trip: user 0, every phase 0. */
	split_exit(&s, 2000);
	trip(&s, 2100, 2200, 2300);
	split_wakeup(&s, 2400, 5000);
	CHECK(split_entry(&s, 2500, &o) == 1 && o.user_ns == 0 && o.halt_ns == 400, "user %llu halt %llu",
	      (unsigned long long)o.user_ns, (unsigned long long)o.halt_ns);
	SPLIT_IS(o, 0, 0, 0, 0);
}

/* Random exits built from round trips whose phase lengths the generator picks itself: the
 * reference is the sum of those lengths, not a replay of the state machine. Each exit: kernel
 * handling, then 0-3 round trips (way out, VMM with its own syscalls, way in, and after the way
 * in either the entry, a signal's return, or a halt, after which the exit may go on), with
 * run-queue waits dropped in anywhere. */
static void test_split_random(void)
{
	struct vcpu_state st[3];
	struct exit_val agg, ref;
	uint64_t now = 5000;

	memset(st, 0, sizeof(st));
	memset(&agg, 0, sizeof(agg));
	memset(&ref, 0, sizeof(ref));
	for (int iter = 0; iter < 20000 && !failures; iter++) {
		struct vcpu_state *s = &st[rnd(3)];
		uint64_t t = now, t_exit = now, want[4] = { 0 }, wait_from = 0, user = 0;
		struct ep_sample o;
		int in_trip = 0;

/* Time passes by d; a run-queue wait may start or end inside it. */
#define ADVANCE(d)                                                                                          \
	do {                                                                                                \
		uint64_t d_ = (d);                                                                          \
		if (!wait_from && rnd(4) == 0) {                                                            \
			wait_from = t + rnd(d_ + 1);                                                        \
			ep_runq_wait(s, wait_from);                                                         \
			if (rnd(2))                                                                         \
				ep_runq_wait(s, wait_from + rnd(d_ + 1 - (wait_from - t)));                 \
		}                                                                                           \
		t += d_;                                                                                    \
		if (wait_from && rnd(2)) {                                                                  \
			want[3] += t - wait_from;                                                           \
			ep_runq_run(s, t);                                                                  \
			wait_from = 0;                                                                      \
		}                                                                                           \
	} while (0)

		split_exit(s, t_exit);
		ADVANCE(1 + rnd(3000)); /* kernel handling */
		for (int trips = (int)rnd(4); trips > 0; trips--) {
			uint64_t d;

			split_uexit(s, t);
			d = 1 + rnd(2000);
			ADVANCE(d);
			want[0] += d;
			ep_split_on_sys_exit(s, t);
			d = 1 + rnd(20000);
			for (int k = (int)rnd(3); k > 0; k--)
				ep_split_on_sys_exit(s, t + rnd(d)); /* the VMM's own syscalls */
			ADVANCE(d);
			want[1] += d;
			ep_split_on_sys_enter_run(s, t);
			d = 1 + rnd(2000);
			ADVANCE(d);
			want[2] += d;
			in_trip = 1;
			if (rnd(3) == 0) { /* halts: the trip ends at the halt's start */
				uint64_t h = 1 + rnd(50000);

				ADVANCE(h);
				split_wakeup(s, t, h);
				in_trip = 0;
				ADVANCE(1 + rnd(500)); /* kernel after the halt */
			} else if (trips > 1) {
				in_trip = 0; /* the next trip's kvm_userspace_exit continues from here */
			}
		}
		(void)in_trip;
		if (wait_from) { /* switched in before the entry */
			want[3] += t - wait_from;
			ep_runq_run(s, t);
			wait_from = 0;
		}
		if (rnd(10) == 0) { /* entry never comes */
			now = t + 1;
			continue;
		}
		ADVANCE(0);
		user = want[0] + want[1] + want[2];
		CHECK(split_entry(s, t, &o) == 1, "iteration %d closes", iter);
		CHECK(o.total_ns == t - t_exit && o.user_ns == user, "iteration %d: total %llu user %llu, want %llu %llu",
		      iter, (unsigned long long)o.total_ns, (unsigned long long)o.user_ns,
		      (unsigned long long)(t - t_exit), (unsigned long long)user);
		SPLIT_IS(o, want[0], want[1], want[2], want[3]);
		ep_val_add_sample(&agg, &o);
		ep_val_add_split(&agg, &o);
		ref.user_ns += user;
		ref.exit_path_ns += want[0];
		ref.vmm_ns += want[1];
		ref.entry_path_ns += want[2];
		ref.runq_ns += want[3];
		now = t + 1;
#undef ADVANCE
	}
	CHECK(agg.user_ns == ref.user_ns && agg.exit_path_ns == ref.exit_path_ns && agg.vmm_ns == ref.vmm_ns &&
		      agg.entry_path_ns == ref.entry_path_ns && agg.runq_ns == ref.runq_ns,
	      "aggregate equals the reference");
	CHECK(agg.exit_path_ns + agg.vmm_ns + agg.entry_path_ns == agg.user_ns, "the phases add up to user_ns");
	CHECK(ref.exit_path_ns && ref.vmm_ns && ref.entry_path_ns && ref.runq_ns, "every part was exercised");
}

int main(void)
{
	test_plain();
	test_user();
	test_halt();
	test_abandoned();
	test_val();
	test_last_slot();
	test_bins();
	test_random();
	test_slot_cache();
	test_bounded();
	test_split_round_trip();
	test_split_reentry();
	test_split_halt();
	test_split_no_syscalls();
	test_runq();
	test_split_clamp();
	test_split_random();
	return test_result("test_agg");
}
