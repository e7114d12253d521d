/* User-space stand-in for <linux/percpu.h>, enough for arch/x86/kvm/exit_stats.h: a per-CPU
 * allocation is an array with one element per CPU, and "this CPU" is shim_this_cpu, which a
 * test that calls the hooks defines and sets (a vCPU thread that migrates between an exit and
 * its entry is a change of shim_this_cpu in between). Why: see types.h here. */
#ifndef EXITPROF_SHIM_LINUX_PERCPU_H
#define EXITPROF_SHIM_LINUX_PERCPU_H

#define __percpu

extern unsigned int shim_this_cpu;

#define this_cpu_ptr(ptr) (&(ptr)[shim_this_cpu])
#define per_cpu_ptr(ptr, cpu) (&(ptr)[(cpu)])

#endif
