/* Which set of exitprof's BPF programs a session loads (bpf/exitprof.bpf.c): the BTF-typed raw
 * tracepoint programs (tp_btf/, no trace record built per event) where the running kernel has
 * what they read, else the classic tracepoint programs (tp/). EXITPROF_TRACEPOINTS=btf|classic
 * forces one (preflight.h). */
#ifndef EXITPROF_TP_FLAVOUR_H
#define EXITPROF_TP_FLAVOUR_H

#include <stddef.h>

enum tp_flavour { TP_FLAVOUR_BTF, TP_FLAVOUR_CLASSIC };

/* "btf" or "classic". */
const char *tp_flavour_name(enum tp_flavour f);

struct btf;

/* What the kernel's BTF offers the tp_btf programs. */
struct tp_btf_support {
	/* 1 if they can read the exit reason here: the kernel's BTF (vmlinux, else the vendor
	 * module's) has the vCPU struct of the ISA this host's KVM runs (struct vcpu_vmx with
	 * exit_reason for kvm_intel, struct vcpu_svm with vmcb for kvm_amd; bpf/kvm_tp.h). */
	int usable;
	/* 1 if usable and vmlinux's BTF has the kfunc bpf_rdonly_cast() (Linux >= 6.2), with which
	 * the tp_btf kvm_exit program reads the exit reason with plain loads instead of helper calls. */
	int cast;
};

/* Both answers from one load of the kernel's BTF (vmlinux, and the vendor module's only where
 * vmlinux lacks the vCPU struct). Where not usable, the reason is in why. */
struct tp_btf_support tp_btf_probe(char *why, size_t len);

/* tp_btf_probe()'s decision on BTF already loaded, for isa (EXIT_ISA_VMX or EXIT_ISA_SVM):
 * vmlinux's, and, only where it lacks the vCPU struct, the vendor module's from
 * load_module(module name, vmlinux) (NULL: none; freed here). For the unit tests. */
struct tp_btf_support tp_btf_decide(struct btf *vmlinux, unsigned isa,
				    struct btf *(*load_module)(const char *module, struct btf *vmlinux), char *why,
				    size_t len);

#endif
