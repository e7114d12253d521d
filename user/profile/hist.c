/* log2 histogram math; see hist.h. */
#include <math.h>
#include "hist.h"
#include "exitprof_agg.h"

uint64_t hist_slot_lo(unsigned slot)
{
	return slot == 0 ? 0 : 1ull << slot;
}

uint64_t hist_slot_hi(unsigned slot)
{
	if (slot + 1 >= EXITPROF_HIST_SLOTS)
		return UINT64_MAX;
	return (2ull << slot) - 1;
}

unsigned hist_slot_of(uint64_t ns)
{
	return ep_log2_slot(ns);
}

void hist_add(__u64 dst[EXITPROF_HIST_SLOTS], const __u64 src[EXITPROF_HIST_SLOTS])
{
	for (unsigned i = 0; i < EXITPROF_HIST_SLOTS; i++)
		dst[i] += src[i];
}

uint64_t hist_percentile(const __u64 hist[EXITPROF_HIST_SLOTS], double p, uint64_t min_ns,
			 uint64_t max_ns)
{
	uint64_t n = 0, rank, before = 0;

	for (unsigned i = 0; i < EXITPROF_HIST_SLOTS; i++)
		n += hist[i];
	if (n == 0)
		return 0;
	if (p <= 0)
		return min_ns;
	if (p >= 100)
		return max_ns;
	rank = (uint64_t)ceil(p / 100.0 * (double)n);
	if (rank <= 1)
		return min_ns;
	if (rank >= n)
		return max_ns;
	for (unsigned i = 0; i < EXITPROF_HIST_SLOTS; i++) {
		if (hist[i] == 0 || before + hist[i] < rank) {
			before += hist[i];
			continue;
		}
		/* The rank-th sample is in slot i: interpolate within the part of the slot that
		 * can hold samples, [max(lo, min), min(hi, max)]. */
		uint64_t lo = hist_slot_lo(i), hi = hist_slot_hi(i);
		if (lo < min_ns)
			lo = min_ns;
		if (hi > max_ns)
			hi = max_ns;
		if (hi <= lo)
			return lo;
		/* position of the rank inside the slot, 0..1 (rank 1 of 1 -> lo) */
		double frac = hist[i] > 1 ? (double)(rank - before - 1) / (double)(hist[i] - 1) : 0.0;
		return lo + (uint64_t)(frac * (double)(hi - lo));
	}
	return max_ns; /* not reached: ranks never exceed n */
}
