/* log2 latency histograms (the layout of struct exit_val.hist): merging and percentiles. */
#ifndef EXITPROF_HIST_H
#define EXITPROF_HIST_H

#include <stdint.h>
#include "exitprof.h"

/* Lowest and highest ns a slot holds: slot 0 = [0, 1], slot i = [2^i, 2^(i+1) - 1];
 * the last slot is open-ended (hi = UINT64_MAX). */
uint64_t hist_slot_lo(unsigned slot);
uint64_t hist_slot_hi(unsigned slot);

/* Which slot a duration falls in (same function the BPF program uses). */
unsigned hist_slot_of(uint64_t ns);

/* dst += src, slot by slot. */
void hist_add(__u64 dst[EXITPROF_HIST_SLOTS], const __u64 src[EXITPROF_HIST_SLOTS]);

/*
 * Estimate of the p-th percentile (0 < p <= 100, nearest-rank definition: the value at rank
 * ceil(p/100 * n) of the sorted samples) from a histogram of n samples with known min and max.
 * Linear interpolation inside the slot that holds that rank, clamped to [min, max]; so the
 * estimate lies in the same slot as the true value (within a factor of 2 of it); the first
 * rank gives min and the last gives max exactly. Returns 0 for an empty histogram.
 */
uint64_t hist_percentile(const __u64 hist[EXITPROF_HIST_SLOTS], double p, uint64_t min_ns,
			 uint64_t max_ns);

#endif
