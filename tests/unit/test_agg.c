/* The per-exit logic the BPF program runs (bpf/exitprof_agg.h), driven with event sequences:
 * exit/entry timing, the kernel/VMM/halted split, abandoned exits, timeline bins, the slot
 * cache, and a randomized run checked against an independent reference computed from the same
 * events. */
#include <stdint.h>
#include <string.h>
#include "check.h"
#include "exitprof_agg.h"

static const struct exit_key K = { 100, 0, EXIT_ISA_SVM, 0x72 };

static void run_exit(struct vcpu_state *s, uint64_t t_exit)
{
	ep_on_exit(s, t_exit, &K, 1, 0, 1);
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
		struct ep_sample s = { samples[i], samples[i] / 4, samples[i] / 2 };
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
		struct ep_sample s = { samples[i], 0, 0 };
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

		ep_on_exit(s, t_exit, &K, 1, 0, 1);
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
	return test_result("test_agg");
}
