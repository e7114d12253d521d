/* User-space stand-in for <linux/types.h>, enough for arch/x86/kvm/exit_stats*.
 * Why: the series keeps its reason tables and leaf encoding free of kernel state
 * so that this test can compile the kernel's own file unchanged. */
#ifndef EXITPROF_SHIM_LINUX_TYPES_H
#define EXITPROF_SHIM_LINUX_TYPES_H

#include <stdbool.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#endif
