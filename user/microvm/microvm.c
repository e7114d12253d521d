/* microvm: a tiny /dev/kvm harness for micro-guests (see microvm.h). */
#include "microvm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static int fail(struct microvm *vm, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vm->err, sizeof(vm->err), fmt, ap);
	va_end(ap);
	return -1;
}

static int check_vcpu(struct microvm *vm, int i)
{
	if (i < 0 || i >= vm->nvcpus)
		return fail(vm, "vCPU %d does not exist (VM has %d)", i, vm->nvcpus);
	return 0;
}

void microvm_destroy(struct microvm *vm)
{
	for (int i = 0; i < vm->nvcpus; i++) {
		if (vm->vcpu[i].run && vm->vcpu[i].run != MAP_FAILED)
			munmap(vm->vcpu[i].run, vm->vcpu[i].run_size);
		if (vm->vcpu[i].fd >= 0)
			close(vm->vcpu[i].fd);
		vm->vcpu[i].run = NULL;
		vm->vcpu[i].fd = -1;
	}
	vm->nvcpus = 0;
	if (vm->mem)
		munmap(vm->mem, vm->mem_size);
	vm->mem = NULL;
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->vm_fd = vm->kvm_fd = -1;
}

int microvm_create(struct microvm *vm, size_t mem_size, int nvcpus)
{
	const char *dev = getenv("EXITPROF_KVM_DEV");
	struct kvm_userspace_memory_region region;
	int run_size;

	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = -1;
	if (!dev || !*dev)
		dev = "/dev/kvm";
	if (mem_size == 0)
		mem_size = MICROVM_DEFAULT_MEM;
	if (nvcpus < 1 || nvcpus > MICROVM_MAX_VCPUS)
		return fail(vm, "vCPU count %d out of range 1..%d", nvcpus, MICROVM_MAX_VCPUS);
	if (mem_size % 4096 || mem_size < 2 * MICROVM_LM_RESERVED || mem_size > (1u << 30))
		return fail(vm, "memory size %zu: need a multiple of 4 KiB, 128 KiB..1 GiB", mem_size);

	vm->kvm_fd = open(dev, O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return fail(vm, "%s: %s", dev, strerror(errno));
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		fail(vm, "%s: unexpected KVM API version", dev);
		goto err;
	}
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		fail(vm, "KVM_CREATE_VM: %s", strerror(errno));
		goto err;
	}
	/* Needed by VMX without unrestricted guest to emulate real mode; KVMs that
	 * do not need it may refuse it, which is harmless. */
	(void)ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000ul);

	vm->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		fail(vm, "mmap of %zu bytes of guest memory: %s", mem_size, strerror(errno));
		goto err;
	}
	vm->mem_size = mem_size;
	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = mem_size,
		.userspace_addr = (uintptr_t)vm->mem,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		fail(vm, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		goto err;
	}

	run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (int)sizeof(struct kvm_run)) {
		fail(vm, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		goto err;
	}
	for (int i = 0; i < nvcpus; i++) {
		struct microvm_vcpu *v = &vm->vcpu[i];

		v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)i);
		vm->nvcpus = i + 1; /* so destroy() releases this one too */
		v->run = NULL;
		if (v->fd < 0) {
			fail(vm, "KVM_CREATE_VCPU %d: %s", i, strerror(errno));
			goto err;
		}
		v->run_size = (size_t)run_size;
		v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED) {
			v->run = NULL;
			fail(vm, "mmap of vCPU %d run page: %s", i, strerror(errno));
			goto err;
		}
	}
	return 0;
err:
	{
		char saved[sizeof(vm->err)];

		memcpy(saved, vm->err, sizeof(saved));
		microvm_destroy(vm);
		memcpy(vm->err, saved, sizeof(saved));
	}
	return -1;
}

int microvm_load(struct microvm *vm, uint64_t gpa, const void *code, size_t len)
{
	if (gpa > vm->mem_size || len > vm->mem_size - gpa)
		return fail(vm, "code of %zu bytes at 0x%llx does not fit in %zu bytes of memory", len,
			    (unsigned long long)gpa, vm->mem_size);
	memcpy(vm->mem + gpa, code, len);
	return 0;
}

struct kvm_cpuid2 *microvm_supported_cpuid(struct microvm *vm)
{
	int n = 64;
	struct kvm_cpuid2 *cpuid = NULL;

	/* The table size is not known in advance: grow until KVM stops saying E2BIG. */
	for (;;) {
		free(cpuid);
		cpuid = calloc(1, sizeof(*cpuid) + (size_t)n * sizeof(cpuid->entries[0]));
		if (!cpuid) {
			fail(vm, "out of memory");
			return NULL;
		}
		cpuid->nent = (uint32_t)n;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			return cpuid;
		if (errno != E2BIG || n >= 4096) {
			fail(vm, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
			free(cpuid);
			return NULL;
		}
		n *= 2;
	}
}

int microvm_set_cpuid(struct microvm *vm, const struct kvm_cpuid2 *cpuid)
{
	for (int i = 0; i < vm->nvcpus; i++) {
		if (ioctl(vm->vcpu[i].fd, KVM_SET_CPUID2, cpuid) < 0)
			return fail(vm, "KVM_SET_CPUID2 on vCPU %d: %s", i, strerror(errno));
	}
	return 0;
}

int microvm_set_supported_cpuid(struct microvm *vm)
{
	struct kvm_cpuid2 *cpuid = microvm_supported_cpuid(vm);
	int r;

	if (!cpuid)
		return -1;
	r = microvm_set_cpuid(vm, cpuid);
	free(cpuid);
	return r;
}

/* Long-mode tables at the top of memory: PML4, PDPT, PD (2 MiB pages, up to 1 GiB)
 * and a GDT with a 64-bit code and a data segment. */
static uint64_t lm_base(const struct microvm *vm)
{
	return vm->mem_size - MICROVM_LM_RESERVED;
}

static void lm_build_tables(struct microvm *vm)
{
	uint64_t base = lm_base(vm);
	uint64_t *pml4 = (uint64_t *)(vm->mem + base);
	uint64_t *pdpt = (uint64_t *)(vm->mem + base + 0x1000);
	uint64_t *pd = (uint64_t *)(vm->mem + base + 0x2000);
	uint64_t *gdt = (uint64_t *)(vm->mem + base + 0x3000);

	memset(vm->mem + base, 0, 0x4000);
	pml4[0] = (base + 0x1000) | 0x3; /* present, writable */
	pdpt[0] = (base + 0x2000) | 0x3;
	for (uint64_t i = 0; i < vm->mem_size >> 21 || i == 0; i++)
		pd[i] = (i << 21) | 0x83; /* present, writable, 2 MiB page */
	gdt[1] = 0x00af9a000000ffffull; /* 0x08: 64-bit code, DPL 0 */
	gdt[2] = 0x00cf92000000ffffull; /* 0x10: data */
}

static void set_seg(struct kvm_segment *s, uint16_t sel, uint8_t type, int code64)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = 0;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code64 ? 1 : 0;
	s->db = code64 ? 0 : 1;
}

int microvm_vcpu_start(struct microvm *vm, int i, enum microvm_mode mode, uint64_t entry,
		       uint64_t stack)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (check_vcpu(vm, i))
		return -1;
	if (ioctl(vm->vcpu[i].fd, KVM_GET_SREGS, &sregs) < 0)
		return fail(vm, "KVM_GET_SREGS: %s", strerror(errno));

	if (mode == MICROVM_REAL) {
		struct kvm_segment *segs[] = { &sregs.cs, &sregs.ds, &sregs.es,
					       &sregs.fs, &sregs.gs, &sregs.ss };
		for (size_t s = 0; s < sizeof(segs) / sizeof(segs[0]); s++) {
			segs[s]->base = 0;
			segs[s]->selector = 0;
		}
		if (entry > 0xffff)
			return fail(vm, "real-mode entry 0x%llx above 64 KiB", (unsigned long long)entry);
	} else {
		uint64_t base = lm_base(vm);

		if (entry >= base)
			return fail(vm, "long-mode entry 0x%llx inside the page tables at 0x%llx",
				    (unsigned long long)entry, (unsigned long long)base);
		lm_build_tables(vm);
		set_seg(&sregs.cs, 0x08, 11, 1);
		set_seg(&sregs.ds, 0x10, 3, 0);
		sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
		sregs.gdt.base = base + 0x3000;
		sregs.gdt.limit = 3 * 8 - 1;
		sregs.cr3 = base;
		sregs.cr4 = 0x20;		   /* PAE */
		sregs.cr0 = 0x80000001u | 0x10u;   /* PG, PE, ET */
		sregs.efer = 0x500;		   /* LME, LMA */
	}
	if (ioctl(vm->vcpu[i].fd, KVM_SET_SREGS, &sregs) < 0)
		return fail(vm, "KVM_SET_SREGS (%s mode) on vCPU %d: %s%s",
			    mode == MICROVM_REAL ? "real" : "long", i, strerror(errno),
			    mode == MICROVM_LONG ? " (long mode needs microvm_set_supported_cpuid first)" : "");

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;
	regs.rip = entry;
	regs.rsp = stack;
	if (ioctl(vm->vcpu[i].fd, KVM_SET_REGS, &regs) < 0)
		return fail(vm, "KVM_SET_REGS on vCPU %d: %s", i, strerror(errno));
	return 0;
}

int microvm_run(struct microvm *vm, int i)
{
	if (check_vcpu(vm, i))
		return -1;
	while (ioctl(vm->vcpu[i].fd, KVM_RUN, 0) < 0) {
		if (errno != EINTR && errno != EAGAIN)
			return fail(vm, "KVM_RUN on vCPU %d: %s", i, strerror(errno));
	}
	return 0;
}

int microvm_run_until_not_io(struct microvm *vm, int i, int ignore_port)
{
	for (;;) {
		struct kvm_run *run;

		if (microvm_run(vm, i))
			return -1;
		run = vm->vcpu[i].run;
		if (run->exit_reason != KVM_EXIT_IO || (int)run->io.port != ignore_port)
			return (int)run->exit_reason;
	}
}

int microvm_get_regs(struct microvm *vm, int i, struct kvm_regs *regs)
{
	if (check_vcpu(vm, i))
		return -1;
	if (ioctl(vm->vcpu[i].fd, KVM_GET_REGS, regs) < 0)
		return fail(vm, "KVM_GET_REGS on vCPU %d: %s", i, strerror(errno));
	return 0;
}

int microvm_set_regs(struct microvm *vm, int i, const struct kvm_regs *regs)
{
	if (check_vcpu(vm, i))
		return -1;
	if (ioctl(vm->vcpu[i].fd, KVM_SET_REGS, regs) < 0)
		return fail(vm, "KVM_SET_REGS on vCPU %d: %s", i, strerror(errno));
	return 0;
}

uint32_t microvm_io_value(const struct microvm_vcpu *v)
{
	const uint8_t *data = (const uint8_t *)v->run + v->run->io.data_offset;
	uint32_t value = 0;
	size_t size = v->run->io.size;

	if (size > sizeof(value))
		size = sizeof(value);
	memcpy(&value, data, size); /* x86 is little-endian: low bytes first */
	return value;
}

const char *microvm_exit_name(uint32_t r)
{
	switch (r) {
	case KVM_EXIT_UNKNOWN: return "UNKNOWN";
	case KVM_EXIT_EXCEPTION: return "EXCEPTION";
	case KVM_EXIT_IO: return "IO";
	case KVM_EXIT_HYPERCALL: return "HYPERCALL";
	case KVM_EXIT_DEBUG: return "DEBUG";
	case KVM_EXIT_HLT: return "HLT";
	case KVM_EXIT_MMIO: return "MMIO";
	case KVM_EXIT_IRQ_WINDOW_OPEN: return "IRQ_WINDOW_OPEN";
	case KVM_EXIT_SHUTDOWN: return "SHUTDOWN";
	case KVM_EXIT_FAIL_ENTRY: return "FAIL_ENTRY";
	case KVM_EXIT_INTR: return "INTR";
	case KVM_EXIT_INTERNAL_ERROR: return "INTERNAL_ERROR";
	case KVM_EXIT_SYSTEM_EVENT: return "SYSTEM_EVENT";
	case KVM_EXIT_X86_RDMSR: return "X86_RDMSR";
	case KVM_EXIT_X86_WRMSR: return "X86_WRMSR";
	default: return "OTHER";
	}
}

/* ---- real-mode code emitters ---- */

static void emit(struct microvm_code *c, const uint8_t *bytes, size_t n)
{
	if (c->overflow || n > sizeof(c->buf) - c->len) {
		c->overflow = 1;
		return;
	}
	memcpy(c->buf + c->len, bytes, n);
	c->len += n;
}

static void emit_op_imm32(struct microvm_code *c, uint8_t op, uint32_t imm)
{
	uint8_t b[6] = { 0x66, op, (uint8_t)imm, (uint8_t)(imm >> 8), (uint8_t)(imm >> 16),
			 (uint8_t)(imm >> 24) };
	emit(c, b, sizeof(b));
}

void mvc_mov_eax(struct microvm_code *c, uint32_t imm) { emit_op_imm32(c, 0xb8, imm); }
void mvc_mov_ecx(struct microvm_code *c, uint32_t imm) { emit_op_imm32(c, 0xb9, imm); }
void mvc_mov_edx(struct microvm_code *c, uint32_t imm) { emit_op_imm32(c, 0xba, imm); }
void mvc_mov_esi(struct microvm_code *c, uint32_t imm) { emit_op_imm32(c, 0xbe, imm); }

void mvc_cpuid(struct microvm_code *c) { emit(c, (const uint8_t[]){ 0x0f, 0xa2 }, 2); }
void mvc_rdmsr(struct microvm_code *c) { emit(c, (const uint8_t[]){ 0x0f, 0x32 }, 2); }
void mvc_wrmsr(struct microvm_code *c) { emit(c, (const uint8_t[]){ 0x0f, 0x30 }, 2); }
void mvc_hlt(struct microvm_code *c) { emit(c, (const uint8_t[]){ 0xf4 }, 1); }

void mvc_out_al(struct microvm_code *c, uint16_t port)
{
	/* mov dx, imm16; out dx, al */
	emit(c, (const uint8_t[]){ 0xba, (uint8_t)port, (uint8_t)(port >> 8), 0xee }, 4);
}

void mvc_out_eax(struct microvm_code *c, uint16_t port)
{
	/* mov dx, imm16; out dx, eax */
	emit(c, (const uint8_t[]){ 0xba, (uint8_t)port, (uint8_t)(port >> 8), 0x66, 0xef }, 5);
}

size_t mvc_label(const struct microvm_code *c) { return c->len; }

/* rel16 from the end of an instruction of length n starting at c->len. */
static void emit_rel16(struct microvm_code *c, const uint8_t *op, size_t oplen, size_t label)
{
	uint8_t b[4];
	uint16_t rel = (uint16_t)(label - (c->len + oplen + 2));

	memcpy(b, op, oplen);
	b[oplen] = (uint8_t)rel;
	b[oplen + 1] = (uint8_t)(rel >> 8);
	emit(c, b, oplen + 2);
}

void mvc_dec_esi_jnz(struct microvm_code *c, size_t label)
{
	emit(c, (const uint8_t[]){ 0x66, 0x4e }, 2); /* dec esi */
	emit_rel16(c, (const uint8_t[]){ 0x0f, 0x85 }, 2, label); /* jnz rel16 */
}

void mvc_jmp(struct microvm_code *c, size_t label)
{
	emit_rel16(c, (const uint8_t[]){ 0xe9 }, 1, label);
}
