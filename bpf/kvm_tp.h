/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The few kernel types exitprof.bpf.c reads, written by hand instead of a generated vmlinux.h.
 * Why: the build must not depend on the build machine's kernel (a container or CI runner may have
 * no /sys/kernel/btf/vmlinux, and this host runs 6.18 while the lab runs 6.12). With
 * preserve_access_index every field access below is a CO-RE relocation that libbpf resolves
 * against the *running* kernel's BTF at load time, by struct and field name; so only the names
 * matter here, not offsets or completeness. Optional fields are read only behind
 * bpf_core_field_exists(), so a kernel without them still loads the program.
 *
 * The structs are the ones the kernel generates for each TRACE_EVENT (trace_event_raw_<event>,
 * include/trace/events/kvm.h and arch/x86/kvm/trace.h); field types as in Linux 6.1 - 6.18.
 */
#ifndef EXITPROF_KVM_TP_H
#define EXITPROF_KVM_TP_H

#include <linux/types.h>

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct trace_entry {
	unsigned short type;
	unsigned char flags;
	unsigned char preempt_count;
	int pid;
};

/* kvm:kvm_exit. isa and vcpu_id are optional (older kernels lack vcpu_id); later kernels add
 * fields (requests on 6.18) that CO-RE simply ignores. */
struct trace_event_raw_kvm_exit {
	struct trace_entry ent;
	unsigned int exit_reason;
	unsigned long guest_rip;
	__u32 isa;
	__u64 info1;
	__u64 info2;
	__u32 intr_info;
	__u32 error_code;
	unsigned int vcpu_id;
};

/* kvm:kvm_entry */
struct trace_event_raw_kvm_entry {
	struct trace_entry ent;
	unsigned int vcpu_id;
	unsigned long rip;
};

/* kvm:kvm_userspace_exit: KVM_RUN is about to return to user space. */
struct trace_event_raw_kvm_userspace_exit {
	struct trace_entry ent;
	__u32 reason;
	int errno;
};

/* kvm:kvm_vcpu_wakeup: a halted vCPU woke up; ns = halt length (polling + blocked). */
struct trace_event_raw_kvm_vcpu_wakeup {
	struct trace_entry ent;
	__u64 ns;
	_Bool waited;
	_Bool valid;
};

#pragma clang attribute pop

#endif /* EXITPROF_KVM_TP_H */
