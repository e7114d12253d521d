/* Microbenchmark of the per-exit arithmetic exitprof's BPF program runs (bpf/exitprof_agg.h),
 * compiled for the host CPU: kvm_exit (with the thread's slot cache) + kvm_userspace_exit +
 * kvm_entry + the value update, with no map look-ups, helpers or tracepoint overhead. It bounds the logic's own share of the cost;
 * the real per-event cost is what `exitprof --bpf-stats` reports (see README.md).
 * Usage: agg_bench [ITERATIONS] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "exitprof_agg.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 20000000;
	static struct exit_val vals[64]; /* a few keys, as a VM's reasons would be */
	struct vcpu_state s;
	struct exit_key key = { 1, 0, EXIT_ISA_SVM, 0x72 };
	uint64_t t = 1000, sink = 0;
	double t0, t1;

	memset(&s, 0, sizeof(s));
	t0 = now_ns();
	for (long i = 0; i < iters; i++) {
		struct ep_sample o;

		uint32_t slot;

		key.reason = (uint32_t)(i & 63);
		slot = ep_cache_get(&s, &key);
		if (!slot) { /* the BPF program looks the slot up in exit_slots here */
			slot = key.reason + 1;
			ep_cache_put(&s, &key, slot);
		}
		vals[slot - 1].count++;
		ep_on_exit(&s, t, &key, slot, ep_bin(t, 1000, EXITPROF_DEFAULT_BIN_NS), 1);
		if ((i & 7) == 0)
			ep_on_userspace_exit(&s, t + 300);
		t += 700 + (uint64_t)(i & 1023);
		if (ep_on_entry(&s, t, &o))
			ep_val_add_sample(&vals[s.slot - 1], &o);
	}
	t1 = now_ns();
	for (int k = 0; k < 64; k++)
		sink += vals[k].timed;
	printf("agg_bench: %ld exits, %.2f ns per exit (logic only, no maps), checksum %llu\n", iters,
	       (t1 - t0) / (double)iters, (unsigned long long)sink);
	return sink == (uint64_t)iters ? 0 : 1;
}
