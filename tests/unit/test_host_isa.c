/* host_isa_decide(): which vendor module runs KVM, from /proc/modules and the CPU vendor. */
#include "check.h"
#include "exit_isa.h"
#include "host_isa.h"

#define INTEL_LINE "kvm_intel 409600 0 - Live 0x0000000000000000\n"
#define AMD_LINE "kvm_amd 200704 0 - Live 0x0000000000000000\n"
#define KVM_LINE "kvm 1396736 1 kvm_intel, Live 0x0000000000000000\n"

int main(void)
{
	/* Built-in vendor modules (the lab's kernel, under Bochs): /sys/module/kvm_amd exists there
	 * on an Intel CPU too, and /proc/modules lists neither, so the vendor decides. */
	CHECK_C(host_isa_decide(NULL, "GenuineIntel") == EXIT_ISA_VMX);
	CHECK_C(host_isa_decide("", "GenuineIntel") == EXIT_ISA_VMX);
	CHECK_C(host_isa_decide("", "AuthenticAMD") == EXIT_ISA_SVM);
	CHECK_C(host_isa_decide("", "HygonGenuine") == EXIT_ISA_SVM);
	CHECK_C(host_isa_decide("", "CentaurHauls") == EXIT_ISA_VMX);
	CHECK_C(host_isa_decide("", "  Shanghai  ") == EXIT_ISA_VMX);
	CHECK_C(host_isa_decide("", "KVMKVMKVM") == 0);
	CHECK_C(host_isa_decide("", "") == 0);
	CHECK_C(host_isa_decide(NULL, NULL) == 0);
	/* A loaded module decides over the vendor (a module whose init failed is not listed). */
	CHECK_C(host_isa_decide(KVM_LINE INTEL_LINE, "GenuineIntel") == EXIT_ISA_VMX);
	CHECK_C(host_isa_decide(INTEL_LINE KVM_LINE, "") == EXIT_ISA_VMX);
	CHECK_C(host_isa_decide("xt_nat 16384 0 - Live 0x0\n" AMD_LINE KVM_LINE, "GenuineIntel") == EXIT_ISA_SVM);
	CHECK_C(host_isa_decide(INTEL_LINE AMD_LINE, "GenuineIntel") == 0);
	/* Whole names only: kvm_intel_foo or a prefix of kvm_amd is no vendor module. */
	CHECK_C(host_isa_decide("kvm_intel_foo 1 0 - Live 0x0\n", "AuthenticAMD") == EXIT_ISA_SVM);
	CHECK_C(host_isa_decide("kvm_am 1 0 - Live 0x0\n", "GenuineIntel") == EXIT_ISA_VMX);
	/* No trailing newline on the last line. */
	CHECK_C(host_isa_decide("kvm 1 1 - Live 0x0\nkvm_amd 1 0 - Live 0x0", "") == EXIT_ISA_SVM);
	if (failures)
		return 1;
	printf("host_isa: all checks passed\n");
	return 0;
}
