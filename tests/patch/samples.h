/* The ecx values the patch tests try: a 32-bit range cannot be run through
 * whole, so: exhaustively near both ends and around every power of two and the
 * leaf numbers, plus NR_RANDOM values from a fixed-seed xorshift. */
#ifndef EXITPROF_TEST_PATCH_SAMPLES_H
#define EXITPROF_TEST_PATCH_SAMPLES_H

#include <stdint.h>

#define NR_RANDOM 2000000u

static uint32_t xorshift32(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Calls fn(code) for every sampled ecx value (duplicates are harmless). */
static void for_each_sample(void (*fn)(uint32_t code, void *arg), void *arg)
{
	uint32_t seed = 0x2545f491u, i;
	int bit;

	for (i = 0; i <= 0x1100; i++)
		fn(i, arg);
	for (i = 0xfffff000u; i != 0; i++)
		fn(i, arg);
	for (bit = 0; bit < 32; bit++)
		for (i = 0; i < 5; i++)
			fn((UINT32_C(1) << bit) + i - 2, arg);
	for (i = 0x4ffffff0u; i <= 0x50000010u; i++)
		fn(i, arg);
	for (i = 0; i < NR_RANDOM; i++)
		fn(xorshift32(&seed), arg);
}

#endif
