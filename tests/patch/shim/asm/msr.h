/* User-space stand-in for <asm/msr.h>, enough for arch/x86/kvm/exit_stats.h: rdtsc() reads
 * shim_tsc, a clock that a test that calls the hooks defines and moves. Why: see
 * linux/types.h here. */
#ifndef EXITPROF_SHIM_ASM_MSR_H
#define EXITPROF_SHIM_ASM_MSR_H

#include <linux/types.h>

extern u64 shim_tsc;

static inline u64 rdtsc(void)
{
	return shim_tsc;
}

#endif
