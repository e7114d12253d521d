/* CLOCK_MONOTONIC, the clock of every deadline and of the BPF side's bpf_ktime_get_ns(). */
#ifndef EXITPROF_CLOCK_H
#define EXITPROF_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline double clock_now_s(void)
{
	return (double)clock_now_ns() / 1e9;
}

#endif
