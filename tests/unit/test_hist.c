/* Histogram slots and percentile estimates against brute force on known samples. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "exitprof_agg.h"
#include "hist.h"

/* floor(log2(v)) the slow, obvious way, capped like the BPF side. */
static unsigned slot_brute(uint64_t v)
{
	unsigned r = 0;

	while (v > 1) {
		v >>= 1;
		r++;
	}
	return r < EXITPROF_HIST_SLOTS ? r : EXITPROF_HIST_SLOTS - 1;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rng(void) /* xorshift64: fixed seed, same samples every run */
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void test_slots(void)
{
	for (uint64_t v = 0; v < 100000; v++)
		CHECK(ep_log2_slot(v) == slot_brute(v), "slot(%llu) = %u, want %u", (unsigned long long)v,
		      ep_log2_slot(v), slot_brute(v));
	for (unsigned b = 0; b < 64; b++) {
		uint64_t p = 1ull << b;
		uint64_t vals[3] = { p - 1, p, p + 1 };
		for (int i = 0; i < 3; i++)
			CHECK(ep_log2_slot(vals[i]) == slot_brute(vals[i]), "slot(2^%u%+d)", b, i - 1);
	}
	CHECK(ep_log2_slot(UINT64_MAX) == EXITPROF_HIST_SLOTS - 1, "UINT64_MAX goes to the last slot");
	for (unsigned s = 0; s < EXITPROF_HIST_SLOTS; s++) {
		CHECK(hist_slot_of(hist_slot_lo(s)) == s, "lo of slot %u is in slot %u", s, hist_slot_of(hist_slot_lo(s)));
		CHECK(hist_slot_of(hist_slot_hi(s)) == s, "hi of slot %u is in slot %u", s, hist_slot_of(hist_slot_hi(s)));
		if (s + 1 < EXITPROF_HIST_SLOTS)
			CHECK(hist_slot_hi(s) + 1 == hist_slot_lo(s + 1), "slots %u and %u touch", s, s + 1);
	}
}

/* Nearest-rank percentile of sorted samples: the value at rank ceil(p/100*n). */
static uint64_t percentile_brute(const uint64_t *sorted, size_t n, double p)
{
	size_t rank = 0;

	while ((double)rank < p / 100.0 * (double)n) /* smallest rank >= p/100*n, without libm */
		rank++;
	if (rank < 1)
		rank = 1;
	return sorted[rank - 1];
}

static void check_set(const char *name, uint64_t *samples, size_t n)
{
	static const double ps[] = { 1, 10, 25, 50, 75, 90, 99, 99.9, 100 };
	__u64 hist[EXITPROF_HIST_SLOTS] = { 0 };
	uint64_t min = UINT64_MAX, max = 0;

	for (size_t i = 0; i < n; i++) {
		hist[ep_log2_slot(samples[i])]++;
		if (samples[i] < min)
			min = samples[i];
		if (samples[i] > max)
			max = samples[i];
	}
	qsort(samples, n, sizeof(*samples), cmp_u64);
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		uint64_t want = percentile_brute(samples, n, ps[i]);
		uint64_t got = hist_percentile(hist, ps[i], min, max);
		CHECK(hist_slot_of(got) == hist_slot_of(want), "%s p%g: estimate %llu not in the slot of %llu", name,
		      ps[i], (unsigned long long)got, (unsigned long long)want);
		CHECK(got >= min && got <= max, "%s p%g: %llu outside [min, max]", name, ps[i], (unsigned long long)got);
	}
	CHECK(hist_percentile(hist, 100, min, max) == max, "%s: p100 is max", name);
	CHECK(hist_percentile(hist, 0.000001, min, max) == min, "%s: the first rank is min", name);
}

static void test_percentiles(void)
{
	uint64_t s[5000];
	__u64 empty[EXITPROF_HIST_SLOTS] = { 0 };

	CHECK(hist_percentile(empty, 50, 0, 0) == 0, "empty histogram gives 0");

	s[0] = 1234;
	check_set("one sample", s, 1);

	for (size_t i = 0; i < 100; i++)
		s[i] = 777;
	check_set("constant", s, 100);

	for (size_t i = 0; i < 100; i++) /* 99 fast exits and one slow one: p99 fast, p100 slow */
		s[i] = i == 42 ? 5000000 : 900 + i;
	check_set("one outlier", s, 100);

	for (size_t i = 0; i < 5000; i++) /* log-uniform, 1 ns .. ~1 s */
		s[i] = 1 + (rng() >> (34 + rng() % 30));
	check_set("log-uniform", s, 5000);

	for (size_t i = 0; i < 1000; i++) /* bimodal: ~2 us in-kernel exits, ~1 ms halts */
		s[i] = (i % 10 == 0) ? 1000000 + rng() % 500000 : 2000 + rng() % 800;
	check_set("bimodal", s, 1000);

	/* p50 of 1..100 is 50 (rank 50), which lies in slot 5 [32, 63]: the estimate must too. */
	for (size_t i = 0; i < 100; i++)
		s[i] = i + 1;
	check_set("1..100", s, 100);
}

static void test_hist_add(void)
{
	__u64 a[EXITPROF_HIST_SLOTS], b[EXITPROF_HIST_SLOTS];

	for (unsigned i = 0; i < EXITPROF_HIST_SLOTS; i++) {
		a[i] = i;
		b[i] = 1000 + i;
	}
	hist_add(a, b);
	for (unsigned i = 0; i < EXITPROF_HIST_SLOTS; i++)
		CHECK(a[i] == 1000 + 2 * i, "hist_add slot %u", i);
}

int main(void)
{
	test_slots();
	test_percentiles();
	test_hist_add();
	return test_result("test_hist");
}
