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
 * Two sets: the records the kernel builds for each TRACE_EVENT (trace_event_raw_<event>,
 * include/trace/events/kvm.h and arch/x86/kvm/trace.h), read by the classic tracepoint programs;
 * and the vCPU structs the BTF-typed (tp_btf) programs read instead, since there the kernel
 * hands over its own arguments, not a record: kvm_exit(struct kvm_vcpu *vcpu, u32 isa), and the
 * exit reason is what the vendor code's get_exit_info() would put in the record. The vendor
 * structs live in kvm_intel's / kvm_amd's BTF when those are modules; libbpf searches the
 * modules' BTF too. Field types as in Linux 6.1 - 6.18.
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

/* raw_syscalls:sys_enter and sys_exit (include/trace/events/syscalls.h), time_split only */
struct trace_event_raw_sys_enter {
	struct trace_entry ent;
	long id;
	unsigned long args[6];
};

struct trace_event_raw_sys_exit {
	struct trace_entry ent;
	long id;
	long ret;
};

/* arch/x86/include/asm/ptrace.h: the tp_btf flavour of sys_enter/sys_exit gets the registers;
 * the syscall number is orig_ax, the second argument si. */
struct pt_regs {
	unsigned long si;
	unsigned long orig_ax;
};

/* include/linux/sched.h: on_cpu = the task runs on a CPU now (or is being switched out). */
struct task_struct {
	int on_cpu;
	int pid;
	int tgid;
};

/* include/linux/kvm_host.h */
struct kvm_vcpu {
	int vcpu_id;
};

/* arch/x86/kvm/vmx/vmx.h: to_vmx(vcpu); the trace's exit_reason is exit_reason.full */
union vmx_exit_reason {
	__u32 full;
};

struct vcpu_vmx {
	struct kvm_vcpu vcpu;
	union vmx_exit_reason exit_reason;
};

/* arch/x86/include/asm/svm.h, arch/x86/kvm/svm/svm.h: to_svm(vcpu); the trace's exit_reason
 * is svm->vmcb->control.exit_code */
struct vmcb_control_area {
	__u32 exit_code;
};

struct vmcb {
	struct vmcb_control_area control;
};

struct vcpu_svm {
	struct kvm_vcpu vcpu;
	struct vmcb *vmcb;
};

/* include/linux/rbtree_types.h: any vmlinux struct with an unsigned long at offset 0 would do;
 * the cast programs read kernel words through it (exitprof.bpf.c, cast_word). */
struct rb_node {
	unsigned long __rb_parent_color;
};

#pragma clang attribute pop

#endif /* EXITPROF_KVM_TP_H */
