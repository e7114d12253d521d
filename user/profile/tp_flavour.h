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

/* 1 if the tp_btf programs can read the exit reason here: the kernel's BTF (vmlinux, else the
 * vendor module's) has the vCPU struct of the ISA this host's KVM runs (struct vcpu_vmx with
 * exit_reason for kvm_intel, struct vcpu_svm with vmcb for kvm_amd; bpf/kvm_tp.h). 0 and the
 * reason in why otherwise. */
int tp_btf_usable(char *why, size_t len);

/* 1 if the kernel's BTF has the kfunc bpf_rdonly_cast() (Linux >= 6.2), with which the tp_btf
 * kvm_exit program reads the exit reason with plain loads instead of helper calls. */
int tp_btf_cast_usable(void);

#endif
