/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The `isa` field of kvm:kvm_exit (arch/x86/kvm/trace.h: KVM_ISA_VMX / KVM_ISA_SVM), written once
 * for the BPF program, the profiler and the static guest reader: no includes, no types. */
#ifndef EXITPROF_EXIT_ISA_H
#define EXITPROF_EXIT_ISA_H

#define EXIT_ISA_UNKNOWN 0 /* a kernel whose kvm_exit has no isa field */
#define EXIT_ISA_VMX 1
#define EXIT_ISA_SVM 2

#endif
