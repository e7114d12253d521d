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

struct tp_btf_support tp_btf_decide(struct btf *vmlinux, unsigned isa,
				    struct btf *(*load_module)(const char *module, struct btf *vmlinux), char *why,
				    size_t len)
{
	const char *st = isa == EXIT_ISA_VMX ? "vcpu_vmx" : "vcpu_svm";
	const char *member = isa == EXIT_ISA_VMX ? "exit_reason" : "vmcb";
	const char *module = isa == EXIT_ISA_VMX ? "kvm_intel" : "kvm_amd";
	struct tp_btf_support sup = { 0 };
	struct btf *mod;

	sup.usable = has_member(vmlinux, st, member);
	if (!sup.usable) {
		mod = load_module(module, vmlinux); /* /sys/kernel/btf/<module> */
		sup.usable = mod && has_member(mod, st, member);
		btf__free(mod);
	}
	if (!sup.usable) {
		snprintf(why, len, "the kernel's BTF (vmlinux, %s) has no struct %s.%s", module, st, member);
		return sup;
	}
	sup.cast = btf__find_by_name_kind(vmlinux, "bpf_rdonly_cast", BTF_KIND_FUNC) >= 0;
	return sup;
}

struct tp_btf_support tp_btf_probe(char *why, size_t len)
{
	char isa_why[128];
	unsigned isa = host_kvm_isa(isa_why, sizeof(isa_why));
	struct tp_btf_support sup = { 0 };
	struct btf *vmlinux;

	if (isa != EXIT_ISA_VMX && isa != EXIT_ISA_SVM) {
		snprintf(why, len, "cannot tell whether kvm_intel or kvm_amd runs KVM (%s)", isa_why);
		return sup;
	}
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		snprintf(why, len, "no kernel BTF (%s)", strerror(errno));
		return sup;
	}
	sup = tp_btf_decide(vmlinux, isa, btf__load_module_btf, why, len);
	btf__free(vmlinux);
	return sup;
}
