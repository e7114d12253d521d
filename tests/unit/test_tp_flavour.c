/* tp_btf_decide(): whether the tp_btf programs, and their bpf_rdonly_cast() kvm_exit program,
 * can run, decided on hand-built BTF standing for vmlinux's and the vendor module's. */
#include <bpf/btf.h>
#include <string.h>
#include "check.h"
#include "exit_isa.h"
#include "tp_flavour.h"

/* A BTF (split on base where base is given) with struct st { int member; } if st, and the
 * kfunc bpf_rdonly_cast() if kfunc. */
static struct btf *make_btf(struct btf *base, const char *st, const char *member, int kfunc)
{
	struct btf *btf = base ? btf__new_empty_split(base) : btf__new_empty();
	int int_id;

	if (!btf)
		return NULL;
	int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	if (st) {
		btf__add_struct(btf, st, 4);
		btf__add_field(btf, member, int_id, 0, 0);
	}
	if (kfunc)
		btf__add_func(btf, "bpf_rdonly_cast", BTF_FUNC_GLOBAL, btf__add_func_proto(btf, int_id));
	return btf;
}

/* The vendor module's BTF, as btf__load_module_btf() would find it: which module was asked for,
 * and what it holds (mod_st NULL: no BTF for the module at all). */
static char asked[32];
static const char *mod_st, *mod_member;

static struct btf *load_module(const char *module, struct btf *vmlinux)
{
	snprintf(asked, sizeof(asked), "%s", module);
	return mod_st ? make_btf(vmlinux, mod_st, mod_member, 0) : NULL;
}

static struct tp_btf_support decide(const char *st, const char *member, int kfunc, unsigned isa, char *why,
				    size_t len)
{
	struct btf *vmlinux = make_btf(NULL, st, member, kfunc);
	struct tp_btf_support sup;

	asked[0] = '\0';
	why[0] = '\0';
	CHECK_C(vmlinux != NULL);
	sup = tp_btf_decide(vmlinux, isa, load_module, why, len);
	btf__free(vmlinux);
	return sup;
}

int main(void)
{
	struct tp_btf_support sup;
	char why[256];

	/* vmlinux has both (a kernel with kvm_intel built in, >= 6.2): the module is not looked at. */
	mod_st = NULL;
	sup = decide("vcpu_vmx", "exit_reason", 1, EXIT_ISA_VMX, why, sizeof(why));
	CHECK_C(sup.usable && sup.cast && !asked[0] && !why[0]);
	sup = decide("vcpu_svm", "vmcb", 1, EXIT_ISA_SVM, why, sizeof(why));
	CHECK_C(sup.usable && sup.cast && !asked[0]);
	/* Before 6.2: no kfunc, the helper-call program. */
	sup = decide("vcpu_vmx", "exit_reason", 0, EXIT_ISA_VMX, why, sizeof(why));
	CHECK_C(sup.usable && !sup.cast);

	/* The struct in the vendor module's BTF only (KVM built as modules): the module is asked. */
	mod_st = "vcpu_vmx", mod_member = "exit_reason";
	sup = decide(NULL, NULL, 1, EXIT_ISA_VMX, why, sizeof(why));
	CHECK_C(sup.usable && sup.cast && !strcmp(asked, "kvm_intel"));
	mod_st = "vcpu_svm", mod_member = "vmcb";
	sup = decide(NULL, NULL, 0, EXIT_ISA_SVM, why, sizeof(why));
	CHECK_C(sup.usable && !sup.cast && !strcmp(asked, "kvm_amd"));

	/* The other vendor's struct, or the struct without the member: not usable, and then no cast
	 * either, whatever vmlinux holds; why names what is missing. */
	mod_st = "vcpu_vmx", mod_member = "exit_reason";
	sup = decide(NULL, NULL, 1, EXIT_ISA_SVM, why, sizeof(why));
	CHECK_C(!sup.usable && !sup.cast && !strcmp(asked, "kvm_amd"));
	CHECK(!strcmp(why, "the kernel's BTF (vmlinux, kvm_amd) has no struct vcpu_svm.vmcb"), "why: %s", why);
	mod_st = NULL;
	sup = decide("vcpu_vmx", "vcpu", 1, EXIT_ISA_VMX, why, sizeof(why));
	CHECK_C(!sup.usable && !sup.cast && !strcmp(asked, "kvm_intel"));
	CHECK(!strcmp(why, "the kernel's BTF (vmlinux, kvm_intel) has no struct vcpu_vmx.exit_reason"), "why: %s",
	      why);
	return test_result("test_tp_flavour");
}
