/* The user-space array_index_nospec() of shim/linux/nospec.h. */
#include <limits.h>

#include "linux/nospec.h"

struct shim_nospec_call shim_nospec_last;
unsigned long shim_nospec_calls;

unsigned long shim_array_index_nospec(unsigned long index, unsigned long size)
{
	/* include/linux/nospec.h, generic array_index_mask_nospec(): ~0UL if index < size. */
	unsigned long mask = ~(long)(index | (size - 1UL - index)) >> (sizeof(long) * CHAR_BIT - 1);

	shim_nospec_last.index = index;
	shim_nospec_last.size = size;
	shim_nospec_calls++;
	return index & mask;
}
