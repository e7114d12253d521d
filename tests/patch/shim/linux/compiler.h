/* User-space stand-in for <linux/compiler.h> (see types.h here for why): what
 * arch/x86/kvm/exit_stats* use of it. READ_ONCE()/WRITE_ONCE() are volatile accesses, as in
 * the kernel; __always_inline is the kernel's (there it comes from compiler_types.h) and glibc's. */
#ifndef EXITPROF_SHIM_LINUX_COMPILER_H
#define EXITPROF_SHIM_LINUX_COMPILER_H

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#ifndef __always_inline /* glibc's <sys/cdefs.h> has the same one */
#define __always_inline __inline __attribute__ ((__always_inline__))
#endif
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val) (*(volatile __typeof__(x) *)&(x) = (val))

#endif
