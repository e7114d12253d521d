/* User-space stand-in for <linux/nospec.h> (see types.h here for why).
 * array_index_nospec(index, size) gives what the kernel's gives: index when it is below size,
 * else 0, computed without a branch by the kernel's generic array_index_mask_nospec() formula
 * (the speculation barrier itself only matters in the kernel). Each call is also logged in
 * shim_nospec_last / shim_nospec_calls, so that the tests can check that the kernel file
 * clamps a lookup, and with which bound: a clamp removed from exit_stats_leaf.c fails them. */
#ifndef EXITPROF_SHIM_LINUX_NOSPEC_H
#define EXITPROF_SHIM_LINUX_NOSPEC_H

struct shim_nospec_call {
	unsigned long index, size;
};

extern struct shim_nospec_call shim_nospec_last;
extern unsigned long shim_nospec_calls;

unsigned long shim_array_index_nospec(unsigned long index, unsigned long size);

/* Like the kernel's: the result has the index's type (an int -1 becomes 0, as there). */
#define array_index_nospec(index, size)                                                    \
	((__typeof__(index))shim_array_index_nospec((unsigned long)(index), (unsigned long)(size)))

#endif
