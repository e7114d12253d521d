/* microvm: a tiny /dev/kvm harness for micro-guests (in the spirit of the kernel's
 * KVM selftests, as a small C library).
 *
 * One VM, one memory slot at guest-physical 0, up to MICROVM_MAX_VCPUS vCPUs, no
 * in-kernel irqchip (so HLT and port I/O come back to user space as KVM_EXIT_HLT
 * and KVM_EXIT_IO). Guest code is a byte array copied into guest memory; vCPUs
 * start in real mode (flat 16-bit, CS base 0) or, on request, in 64-bit long
 * mode with identity-mapped 2 MiB pages.
 *
 * Works on a plain KVM (kvm_amd / kvm_intel, e.g. L1 of the lab) and on this
 * machine's PVM /dev/kvm (which runs guests through KVM's emulator).
 *
 * Every function returning int returns 0 on success and -1 on failure, with a
 * one-line cause in vm->err (the caller prints it).
 */
#ifndef EXITPROF_MICROVM_H
#define EXITPROF_MICROVM_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#define MICROVM_MAX_VCPUS 16
#define MICROVM_DEFAULT_MEM (4u << 20) /* 4 MiB: code, stacks, page tables */
/* Where long mode puts its page tables and GDT: the top 64 KiB of memory;
 * guest code must stay below vm->mem_size - MICROVM_LM_RESERVED. */
#define MICROVM_LM_RESERVED (64u << 10)

struct microvm_vcpu {
	int fd;
	struct kvm_run *run; /* KVM's shared run page: read exit details from here */
	size_t run_size;
};

struct microvm {
	int kvm_fd;
	int vm_fd;
	uint8_t *mem; /* guest-physical 0 .. mem_size-1, mapped here */
	size_t mem_size;
	int nvcpus;
	struct microvm_vcpu vcpu[MICROVM_MAX_VCPUS];
	char err[256];
};

enum microvm_mode {
	MICROVM_REAL, /* 16-bit real mode, all segments base 0 */
	MICROVM_LONG, /* 64-bit, CPL 0, identity map of all memory (needs CPUID with LM) */
};

/* Opens /dev/kvm (or the path in $EXITPROF_KVM_DEV), creates the VM, one slot of
 * mem_size bytes (0 = MICROVM_DEFAULT_MEM) and nvcpus vCPUs. On failure vm->err
 * says why (e.g. "/dev/kvm: No such file or directory") and everything created so
 * far is released; microvm_destroy() is still safe to call. */
int microvm_create(struct microvm *vm, size_t mem_size, int nvcpus);
void microvm_destroy(struct microvm *vm);

/* Copies code into guest memory at gpa. */
int microvm_load(struct microvm *vm, uint64_t gpa, const void *code, size_t len);

/* Gives every vCPU the host's KVM_GET_SUPPORTED_CPUID table (needed for long
 * mode). Without it, vCPUs have an empty CPUID table. */
int microvm_set_supported_cpuid(struct microvm *vm);

/* The two halves of it, for callers that edit the table (e.g. the vendor) in
 * between: a malloc'ed KVM_GET_SUPPORTED_CPUID table (NULL on error; free() it),
 * and KVM_SET_CPUID2 of a table on every vCPU (before their first run). */
struct kvm_cpuid2 *microvm_supported_cpuid(struct microvm *vm);
int microvm_set_cpuid(struct microvm *vm, const struct kvm_cpuid2 *cpuid);

/* Puts vCPU i in mode with rip = entry and rsp = stack (0 = no stack set). */
int microvm_vcpu_start(struct microvm *vm, int i, enum microvm_mode mode, uint64_t entry,
		       uint64_t stack);

/* One KVM_RUN; returns 0 and leaves the exit in vm->vcpu[i].run (exit_reason
 * KVM_EXIT_IO, KVM_EXIT_HLT, ...). EINTR is retried. */
int microvm_run(struct microvm *vm, int i);

/* Runs until an exit other than KVM_EXIT_IO on port ignore_port (pass -1 to stop
 * at every exit); returns the KVM exit reason, or -1 on error. */
int microvm_run_until_not_io(struct microvm *vm, int i, int ignore_port);

int microvm_get_regs(struct microvm *vm, int i, struct kvm_regs *regs);
int microvm_set_regs(struct microvm *vm, int i, const struct kvm_regs *regs);

/* For a KVM_EXIT_IO exit: the first element's value (size 1, 2 or 4 bytes). */
uint32_t microvm_io_value(const struct microvm_vcpu *v);

/* "IO", "HLT", "MMIO", "SHUTDOWN", ... or "UNKNOWN" (for messages). */
const char *microvm_exit_name(uint32_t kvm_exit_reason);

/* ---- Real-mode code emitters: build micro-guests without an assembler. ----
 * All 32-bit operations carry the operand-size prefix, so they assemble for
 * 16-bit real mode (MICROVM_REAL). Labels are byte offsets in the buffer. */
struct microvm_code {
	uint8_t buf[4096];
	size_t len;
	int overflow; /* set if an emit did not fit; the code must not be used */
};

void mvc_mov_eax(struct microvm_code *c, uint32_t imm);	  /* mov eax, imm32 */
void mvc_mov_ecx(struct microvm_code *c, uint32_t imm);	  /* mov ecx, imm32 */
void mvc_mov_edx(struct microvm_code *c, uint32_t imm);	  /* mov edx, imm32 */
void mvc_mov_esi(struct microvm_code *c, uint32_t imm);	  /* mov esi, imm32 */
void mvc_cpuid(struct microvm_code *c);			  /* cpuid */
void mvc_out_al(struct microvm_code *c, uint16_t port);	  /* mov dx, port; out dx, al */
void mvc_out_eax(struct microvm_code *c, uint16_t port);  /* mov dx, port; out dx, eax */
void mvc_rdmsr(struct microvm_code *c);			  /* rdmsr (ecx = msr) */
void mvc_wrmsr(struct microvm_code *c);			  /* wrmsr (ecx, edx:eax) */
void mvc_hlt(struct microvm_code *c);			  /* hlt */
size_t mvc_label(const struct microvm_code *c);		  /* current offset */
void mvc_dec_esi_jnz(struct microvm_code *c, size_t label); /* dec esi; jnz label (near) */
void mvc_jmp(struct microvm_code *c, size_t label);	  /* jmp label (near) */

#endif
