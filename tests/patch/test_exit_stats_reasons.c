/* The kernel patch's "defined by the SDM/APM" set (arch/x86/kvm/exit_stats_leaf.c,
 * as the series creates it) must equal exitprof's own table (user/guest/reasons.c):
 * a code the guest reader names must never get "undefined" from the kernel, and
 * the kernel must never report a code the tools cannot name. */
#include <stdio.h>

#include "check.h"
#include "exit_stats.h"
#include "reasons.h"
#include "samples.h"

static unsigned long compared;

static void compare(uint32_t code, void *arg)
{
	unsigned isa = *(const unsigned *)arg;
	bool kernel = kvm_exit_stats_reason_defined(isa, code);
	bool user = exit_reason_name(isa, code) != NULL;

	CHECK(kernel == user, "%s code 0x%x: kernel patch says %s, user/guest/reasons.c says %s",
	      exit_isa_name(isa), code, kernel ? "defined" : "undefined",
	      user ? "defined" : "undefined");
	compared++;
}

int main(void)
{
	static const unsigned isas[] = { EXIT_ISA_VMX, EXIT_ISA_SVM };

	/* The patch and user/guest/reasons.h must agree on what isa 1 and 2 mean. */
	CHECK(KVM_EXIT_STATS_ISA_VMX == EXIT_ISA_VMX && KVM_EXIT_STATS_ISA_SVM == EXIT_ISA_SVM,
	      "ISA numbers differ");
	for (size_t i = 0; i < sizeof(isas) / sizeof(isas[0]); i++) {
		unsigned isa = isas[i];
		size_t n = exit_reason_count(isa);

		/* Every code the user table defines, and its neighbours. */
		for (size_t j = 0; j < n; j++) {
			uint32_t code = exit_reason_code_at(isa, j);

			compare(code, &isa);
			compare(code + 1, &isa);
			compare(code - 1, &isa);
		}
		for_each_sample(compare, &isa);
		printf("%s: %zu defined codes in user/guest/reasons.c\n", exit_isa_name(isa), n);
	}
	printf("compared %lu codes\n", compared);
	return test_result("test_exit_stats_reasons");
}
