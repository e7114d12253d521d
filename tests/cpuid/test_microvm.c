/* Test of user/microvm/microvm.c on the real /dev/kvm (skips with 77 if it is absent or not
 * accessible): micro-guests doing K CPUIDs, an OUT and a HLT come back to user
 * space with exactly those exits, in real mode, on two vCPUs and in long mode. */
#include "microvm.h"

#include "check.h"

#include <cpuid.h>
#include <stdlib.h>
#include <string.h>

#define PORT 0x00e9
#define K 100

/* Real-mode guest: K x cpuid(leaf 0), out value to PORT, hlt. */
static void build_guest(struct microvm_code *c, uint8_t value)
{
	size_t loop;

	mvc_mov_esi(c, K);
	loop = mvc_label(c);
	mvc_mov_eax(c, 0);
	mvc_mov_ecx(c, 0);
	mvc_cpuid(c);
	mvc_dec_esi_jnz(c, loop);
	mvc_mov_eax(c, value);
	mvc_out_al(c, PORT);
	mvc_hlt(c);
}

/* Runs vCPU i and checks the exit sequence OUT(PORT, value) then HLT, and that
 * the guest's last CPUID(0) returned this machine's vendor string. */
static void expect_out_hlt(struct microvm *vm, int i, uint8_t value, const char *what)
{
	struct kvm_run *run = vm->vcpu[i].run;
	struct kvm_regs regs;
	unsigned a, b, c, d;
	int r;

	r = microvm_run(vm, i);
	CHECK(r == 0, "%s: run: %s", what, vm->err);
	if (r)
		return;
	CHECK(run->exit_reason == KVM_EXIT_IO, "%s: first exit %s, want IO", what,
	      microvm_exit_name(run->exit_reason));
	if (run->exit_reason == KVM_EXIT_IO) {
		CHECK(run->io.direction == KVM_EXIT_IO_OUT && run->io.port == PORT &&
			      run->io.size == 1 && run->io.count == 1,
		      "%s: io dir %u port 0x%x size %u count %u", what, run->io.direction, run->io.port,
		      run->io.size, run->io.count);
		CHECK(microvm_io_value(&vm->vcpu[i]) == value, "%s: out value 0x%x want 0x%x", what,
		      microvm_io_value(&vm->vcpu[i]), value);
	}
	r = microvm_run(vm, i);
	CHECK(r == 0 && run->exit_reason == KVM_EXIT_HLT, "%s: second exit %s, want HLT", what,
	      microvm_exit_name(run->exit_reason));

	CHECK(microvm_get_regs(vm, i, &regs) == 0, "%s: get regs: %s", what, vm->err);
	CHECK((uint32_t)regs.rsi == 0, "%s: loop counter esi = %llu, want 0 (all %d CPUIDs ran)",
	      what, (unsigned long long)regs.rsi, K);
	__cpuid(0, a, b, c, d);
	/* ebx and ecx hold 8 of the 12 vendor bytes; the OUT's port load clobbered dx. */
	CHECK((uint32_t)regs.rbx == b && (uint32_t)regs.rcx == c,
	      "%s: guest CPUID(0) vendor differs from the host's", what);
	(void)a;
	(void)d;
}

static void test_real_mode_two_vcpus(void)
{
	struct microvm vm;
	struct microvm_code g0 = { .len = 0 }, g1 = { .len = 0 };

	CHECK(microvm_create(&vm, 0, 2) == 0, "create: %s", vm.err);
	if (vm.nvcpus != 2)
		return;
	build_guest(&g0, 0x5a);
	build_guest(&g1, 0xa5);
	CHECK(!g0.overflow && !g1.overflow, "code overflow");
	CHECK(microvm_set_supported_cpuid(&vm) == 0, "cpuid: %s", vm.err);
	CHECK(microvm_load(&vm, 0x1000, g0.buf, g0.len) == 0, "load: %s", vm.err);
	CHECK(microvm_load(&vm, 0x2000, g1.buf, g1.len) == 0, "load: %s", vm.err);
	CHECK(microvm_vcpu_start(&vm, 0, MICROVM_REAL, 0x1000, 0x8000) == 0, "start0: %s", vm.err);
	CHECK(microvm_vcpu_start(&vm, 1, MICROVM_REAL, 0x2000, 0x9000) == 0, "start1: %s", vm.err);
	expect_out_hlt(&vm, 1, 0xa5, "real mode vCPU 1");
	expect_out_hlt(&vm, 0, 0x5a, "real mode vCPU 0");

	/* Re-running from the start after set_regs repeats the same exits. */
	CHECK(microvm_vcpu_start(&vm, 0, MICROVM_REAL, 0x1000, 0x8000) == 0, "restart: %s", vm.err);
	expect_out_hlt(&vm, 0, 0x5a, "real mode vCPU 0 again");

	/* Misuse gives an error message, not a crash. */
	CHECK(microvm_run(&vm, 2) == -1 && strstr(vm.err, "vCPU 2"), "bad vCPU: %s", vm.err);
	CHECK(microvm_load(&vm, vm.mem_size - 1, g0.buf, 2) == -1, "load past the end");
	microvm_destroy(&vm);
}

static void test_long_mode(void)
{
	struct microvm vm;
	/* 64-bit: xor eax,eax; xor ecx,ecx; cpuid; mov esi,0 (loop done);
	 * mov al,0x64; mov dx,PORT; out dx,al; hlt */
	static const uint8_t code[] = { 0x31, 0xc0, 0x31, 0xc9, 0x0f, 0xa2, 0xbe, 0, 0, 0, 0,
					0xb0, 0x64, 0x66, 0xba, PORT & 0xff, PORT >> 8, 0xee, 0xf4 };

	CHECK(microvm_create(&vm, 0, 1) == 0, "create: %s", vm.err);
	if (vm.nvcpus != 1)
		return;
	CHECK(microvm_set_supported_cpuid(&vm) == 0, "cpuid: %s", vm.err);
	CHECK(microvm_load(&vm, 0x10000, code, sizeof(code)) == 0, "load: %s", vm.err);
	CHECK(microvm_vcpu_start(&vm, 0, MICROVM_LONG, 0x10000, 0x20000) == 0, "start: %s", vm.err);
	expect_out_hlt(&vm, 0, 0x64, "long mode");
	microvm_destroy(&vm);
}

static void test_bad_device(void)
{
	struct microvm vm;

	setenv("EXITPROF_KVM_DEV", "/nonexistent/kvm", 1);
	CHECK(microvm_create(&vm, 0, 1) == -1 && strstr(vm.err, "/nonexistent/kvm"),
	      "missing device: %s", vm.err);
	unsetenv("EXITPROF_KVM_DEV");
	microvm_destroy(&vm);
	CHECK(microvm_create(&vm, 0, MICROVM_MAX_VCPUS + 1) == -1, "too many vCPUs accepted");
	microvm_destroy(&vm);
}

int main(void)
{
	if (kvm_missing())
		return TEST_SKIP;
	test_bad_device();
	test_real_mode_two_vcpus();
	test_long_mode();
	return test_result("microvm");
}
