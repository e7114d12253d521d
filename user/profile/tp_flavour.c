/* See tp_flavour.h. */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "exit_isa.h"
#include "host_isa.h"
#include "tp_flavour.h"

const char *tp_flavour_name(enum tp_flavour f)
{
	return f == TP_FLAVOUR_BTF ? "btf" : "classic";
}

/* 1 if btf has a struct `name` with a member `member`. */
static int has_member(const struct btf *btf, const char *name, const char *member)
{
	__s32 id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);
	const struct btf_type *t;
	const struct btf_member *m;

	if (id < 0)
		return 0;
	t = btf__type_by_id(btf, (__u32)id);
	m = btf_members(t);
	for (unsigned i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), member))
			return 1;
	return 0;
}

int tp_btf_usable(char *why, size_t len)
{
	char isa_why[128];
	unsigned isa = host_kvm_isa(isa_why, sizeof(isa_why));
	const char *st = isa == EXIT_ISA_VMX ? "vcpu_vmx" : "vcpu_svm";
	const char *member = isa == EXIT_ISA_VMX ? "exit_reason" : "vmcb";
	const char *module = isa == EXIT_ISA_VMX ? "kvm_intel" : "kvm_amd";
	struct btf *vmlinux, *mod;
	int found;

	if (isa != EXIT_ISA_VMX && isa != EXIT_ISA_SVM) {
		snprintf(why, len, "cannot tell whether kvm_intel or kvm_amd runs KVM (%s)", isa_why);
		return 0;
	}
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		snprintf(why, len, "no kernel BTF (%s)", strerror(errno));
		return 0;
	}
	found = has_member(vmlinux, st, member);
	if (!found) {
		mod = btf__load_module_btf(module, vmlinux); /* /sys/kernel/btf/<module> */
		found = mod && has_member(mod, st, member);
		btf__free(mod);
	}
	btf__free(vmlinux);
	if (!found)
		snprintf(why, len, "the kernel's BTF (vmlinux, %s) has no struct %s.%s", module, st, member);
	return found;
}

int tp_btf_cast_usable(void)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int found;

	if (!vmlinux)
		return 0;
	found = btf__find_by_name_kind(vmlinux, "bpf_rdonly_cast", BTF_KIND_FUNC) >= 0;
	btf__free(vmlinux);
	return found;
}
