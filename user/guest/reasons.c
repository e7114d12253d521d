/* Tables of VMX basic exit reasons and SVM exit codes (see reasons.h). */
#include "reasons.h"

#include <stdio.h>
#include <string.h>

struct reason {
	uint32_t code;
	const char *name;
};

/* Intel SDM Vol. 3, Appendix C, Table C-1. Undefined: 35, 38, 42, 71, 82, 83.
 * Upper-case names are the kernel's (VMX_EXIT_REASONS in uapi/asm/vmx.h, 6.18);
 * those marked "sdm" are SDM codes the kernel does not name, in the same style. */
static const struct reason vmx_reasons[] = {
	{ 0, "EXCEPTION_NMI" },
	{ 1, "EXTERNAL_INTERRUPT" },
	{ 2, "TRIPLE_FAULT" },
	{ 3, "INIT_SIGNAL" },
	{ 4, "SIPI_SIGNAL" },
	{ 5, "IO_SMI" },		/* sdm */
	{ 6, "OTHER_SMI" },		/* sdm */
	{ 7, "INTERRUPT_WINDOW" },
	{ 8, "NMI_WINDOW" },
	{ 9, "TASK_SWITCH" },
	{ 10, "CPUID" },
	{ 11, "GETSEC" },		/* sdm */
	{ 12, "HLT" },
	{ 13, "INVD" },
	{ 14, "INVLPG" },
	{ 15, "RDPMC" },
	{ 16, "RDTSC" },
	{ 17, "RSM" },			/* sdm */
	{ 18, "VMCALL" },
	{ 19, "VMCLEAR" },
	{ 20, "VMLAUNCH" },
	{ 21, "VMPTRLD" },
	{ 22, "VMPTRST" },
	{ 23, "VMREAD" },
	{ 24, "VMRESUME" },
	{ 25, "VMWRITE" },
	{ 26, "VMOFF" },
	{ 27, "VMON" },
	{ 28, "CR_ACCESS" },
	{ 29, "DR_ACCESS" },
	{ 30, "IO_INSTRUCTION" },
	{ 31, "MSR_READ" },
	{ 32, "MSR_WRITE" },
	{ 33, "INVALID_STATE" },
	{ 34, "MSR_LOAD_FAIL" },
	{ 36, "MWAIT_INSTRUCTION" },
	{ 37, "MONITOR_TRAP_FLAG" },
	{ 39, "MONITOR_INSTRUCTION" },
	{ 40, "PAUSE_INSTRUCTION" },
	{ 41, "MCE_DURING_VMENTRY" },
	{ 43, "TPR_BELOW_THRESHOLD" },
	{ 44, "APIC_ACCESS" },
	{ 45, "EOI_INDUCED" },
	{ 46, "GDTR_IDTR" },
	{ 47, "LDTR_TR" },
	{ 48, "EPT_VIOLATION" },
	{ 49, "EPT_MISCONFIG" },
	{ 50, "INVEPT" },
	{ 51, "RDTSCP" },
	{ 52, "PREEMPTION_TIMER" },
	{ 53, "INVVPID" },
	{ 54, "WBINVD" },
	{ 55, "XSETBV" },
	{ 56, "APIC_WRITE" },
	{ 57, "RDRAND" },
	{ 58, "INVPCID" },
	{ 59, "VMFUNC" },
	{ 60, "ENCLS" },
	{ 61, "RDSEED" },
	{ 62, "PML_FULL" },
	{ 63, "XSAVES" },
	{ 64, "XRSTORS" },
	{ 65, "PCONFIG" },		/* sdm */
	{ 66, "SPP_EVENT" },		/* sdm: SPP-related event */
	{ 67, "UMWAIT" },
	{ 68, "TPAUSE" },
	{ 69, "LOADIWKEY" },		/* sdm */
	{ 70, "ENCLV" },		/* sdm */
	{ 72, "ENQCMD_PASID_FAIL" },	/* sdm: ENQCMD PASID translation failure */
	{ 73, "ENQCMDS_PASID_FAIL" },	/* sdm: ENQCMDS PASID translation failure */
	{ 74, "BUS_LOCK" },
	{ 75, "NOTIFY" },
	{ 76, "SEAMCALL" },		/* sdm (the kernel defines it, unnamed in 6.18's list) */
	{ 77, "TDCALL" },
	{ 78, "RDMSRLIST" },		/* sdm */
	{ 79, "WRMSRLIST" },		/* sdm */
	{ 80, "URDMSR" },		/* sdm */
	{ 81, "UWRMSR" },		/* sdm */
	{ 84, "MSR_READ_IMM" },
	{ 85, "MSR_WRITE_IMM" },
};

/* AMD APM Vol. 2, Appendix C, Table C-1 (low 32 bits of EXITCODE).
 * Lower-case names are the kernel's (SVM_EXIT_REASONS in uapi/asm/svm.h, 6.18);
 * the CR/DR registers and exception vectors it leaves out, and the codes marked
 * "apm", are named here in the same style. Undefined: 0xa7..0x3ff,
 * 0x404..0x406, 0x408..0xfffffffb. */
static const struct reason svm_reasons[] = {
	{ 0x000, "read_cr0" }, { 0x001, "read_cr1" }, { 0x002, "read_cr2" }, { 0x003, "read_cr3" },
	{ 0x004, "read_cr4" }, { 0x005, "read_cr5" }, { 0x006, "read_cr6" }, { 0x007, "read_cr7" },
	{ 0x008, "read_cr8" }, { 0x009, "read_cr9" }, { 0x00a, "read_cr10" }, { 0x00b, "read_cr11" },
	{ 0x00c, "read_cr12" }, { 0x00d, "read_cr13" }, { 0x00e, "read_cr14" }, { 0x00f, "read_cr15" },
	{ 0x010, "write_cr0" }, { 0x011, "write_cr1" }, { 0x012, "write_cr2" }, { 0x013, "write_cr3" },
	{ 0x014, "write_cr4" }, { 0x015, "write_cr5" }, { 0x016, "write_cr6" }, { 0x017, "write_cr7" },
	{ 0x018, "write_cr8" }, { 0x019, "write_cr9" }, { 0x01a, "write_cr10" }, { 0x01b, "write_cr11" },
	{ 0x01c, "write_cr12" }, { 0x01d, "write_cr13" }, { 0x01e, "write_cr14" }, { 0x01f, "write_cr15" },
	{ 0x020, "read_dr0" }, { 0x021, "read_dr1" }, { 0x022, "read_dr2" }, { 0x023, "read_dr3" },
	{ 0x024, "read_dr4" }, { 0x025, "read_dr5" }, { 0x026, "read_dr6" }, { 0x027, "read_dr7" },
	{ 0x028, "read_dr8" }, { 0x029, "read_dr9" }, { 0x02a, "read_dr10" }, { 0x02b, "read_dr11" },
	{ 0x02c, "read_dr12" }, { 0x02d, "read_dr13" }, { 0x02e, "read_dr14" }, { 0x02f, "read_dr15" },
	{ 0x030, "write_dr0" }, { 0x031, "write_dr1" }, { 0x032, "write_dr2" }, { 0x033, "write_dr3" },
	{ 0x034, "write_dr4" }, { 0x035, "write_dr5" }, { 0x036, "write_dr6" }, { 0x037, "write_dr7" },
	{ 0x038, "write_dr8" }, { 0x039, "write_dr9" }, { 0x03a, "write_dr10" }, { 0x03b, "write_dr11" },
	{ 0x03c, "write_dr12" }, { 0x03d, "write_dr13" }, { 0x03e, "write_dr14" }, { 0x03f, "write_dr15" },
	{ 0x040, "DE excp" }, { 0x041, "DB excp" }, { 0x042, "excp2" }, { 0x043, "BP excp" },
	{ 0x044, "OF excp" }, { 0x045, "BR excp" }, { 0x046, "UD excp" }, { 0x047, "NM excp" },
	{ 0x048, "DF excp" }, { 0x049, "excp9" }, { 0x04a, "TS excp" }, { 0x04b, "NP excp" },
	{ 0x04c, "SS excp" }, { 0x04d, "GP excp" }, { 0x04e, "PF excp" }, { 0x04f, "excp15" },
	{ 0x050, "MF excp" }, { 0x051, "AC excp" }, { 0x052, "MC excp" }, { 0x053, "XF excp" },
	{ 0x054, "excp20" }, { 0x055, "CP excp" }, { 0x056, "excp22" }, { 0x057, "excp23" },
	{ 0x058, "excp24" }, { 0x059, "excp25" }, { 0x05a, "excp26" }, { 0x05b, "excp27" },
	{ 0x05c, "HV excp" }, { 0x05d, "VC excp" }, { 0x05e, "SX excp" }, { 0x05f, "excp31" },
	{ 0x060, "interrupt" },
	{ 0x061, "nmi" },
	{ 0x062, "smi" },
	{ 0x063, "init" },
	{ 0x064, "vintr" },
	{ 0x065, "cr0_sel_write" },
	{ 0x066, "read_idtr" },
	{ 0x067, "read_gdtr" },
	{ 0x068, "read_ldtr" },
	{ 0x069, "read_rt" },
	{ 0x06a, "write_idtr" },
	{ 0x06b, "write_gdtr" },
	{ 0x06c, "write_ldtr" },
	{ 0x06d, "write_rt" },
	{ 0x06e, "rdtsc" },
	{ 0x06f, "rdpmc" },
	{ 0x070, "pushf" },
	{ 0x071, "popf" },
	{ 0x072, "cpuid" },
	{ 0x073, "rsm" },
	{ 0x074, "iret" },
	{ 0x075, "swint" },
	{ 0x076, "invd" },
	{ 0x077, "pause" },
	{ 0x078, "hlt" },
	{ 0x079, "invlpg" },
	{ 0x07a, "invlpga" },
	{ 0x07b, "io" },
	{ 0x07c, "msr" },
	{ 0x07d, "task_switch" },
	{ 0x07e, "ferr_freeze" },
	{ 0x07f, "shutdown" },
	{ 0x080, "vmrun" },
	{ 0x081, "hypercall" },
	{ 0x082, "vmload" },
	{ 0x083, "vmsave" },
	{ 0x084, "stgi" },
	{ 0x085, "clgi" },
	{ 0x086, "skinit" },
	{ 0x087, "rdtscp" },
	{ 0x088, "icebp" },
	{ 0x089, "wbinvd" },
	{ 0x08a, "monitor" },
	{ 0x08b, "mwait" },
	{ 0x08c, "mwait_cond" },		/* apm: MWAIT_CONDITIONAL */
	{ 0x08d, "xsetbv" },
	{ 0x08e, "rdpru" },			/* apm */
	{ 0x08f, "write_efer_trap" },
	{ 0x090, "write_cr0_trap" },
	{ 0x091, "write_cr1_trap" },
	{ 0x092, "write_cr2_trap" },
	{ 0x093, "write_cr3_trap" },
	{ 0x094, "write_cr4_trap" },
	{ 0x095, "write_cr5_trap" },
	{ 0x096, "write_cr6_trap" },
	{ 0x097, "write_cr7_trap" },
	{ 0x098, "write_cr8_trap" },
	{ 0x099, "write_cr9_trap" },
	{ 0x09a, "write_cr10_trap" },
	{ 0x09b, "write_cr11_trap" },
	{ 0x09c, "write_cr12_trap" },
	{ 0x09d, "write_cr13_trap" },
	{ 0x09e, "write_cr14_trap" },
	{ 0x09f, "write_cr15_trap" },
	{ 0x0a0, "invlpgb" },			/* apm */
	{ 0x0a1, "invlpgb_illegal" },		/* apm */
	{ 0x0a2, "invpcid" },
	{ 0x0a3, "mcommit" },			/* apm */
	{ 0x0a4, "tlbsync" },			/* apm */
	{ 0x0a5, "buslock" },
	{ 0x0a6, "idle-halt" },
	{ 0x400, "npf" },
	{ 0x401, "avic_incomplete_ipi" },
	{ 0x402, "avic_unaccelerated_access" },
	{ 0x403, "vmgexit" },
	{ 0x407, "pml_full" },			/* apm: page-modification log full (kernel name from the AMD PML series) */
	/* VMRUN failures: EXITCODE is a negative 64-bit value; low 32 bits here. */
	{ 0xfffffffc, "invalid_pmc" },		/* apm: VMEXIT_INVALID_PMC (-4) */
	{ 0xfffffffd, "idle_required" },	/* apm: VMEXIT_IDLE_REQUIRED (-3) */
	{ 0xfffffffe, "busy" },			/* apm: VMEXIT_BUSY (-2) */
	{ 0xffffffff, "invalid_guest_state" },	/* VMEXIT_INVALID (-1) */
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct reason *table(unsigned isa, size_t *len)
{
	switch (isa) {
	case EXIT_ISA_VMX:
		*len = ARRAY_LEN(vmx_reasons);
		return vmx_reasons;
	case EXIT_ISA_SVM:
		*len = ARRAY_LEN(svm_reasons);
		return svm_reasons;
	default:
		*len = 0;
		return NULL;
	}
}

const char *exit_reason_name(unsigned isa, uint32_t code)
{
	size_t len;
	const struct reason *t = table(isa, &len);
	size_t lo = 0, hi = len;

	/* Binary search: tables are sorted by code (checked by the unit test). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t[mid].code == code)
			return t[mid].name;
		if (t[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void exit_reason_format(unsigned isa, uint32_t code, char *buf, size_t len)
{
	const char *name = exit_reason_name(isa, code);

	if (len == 0)
		return;
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "UNKNOWN(0x%x)", code);
}

size_t exit_reason_count(unsigned isa)
{
	size_t len;

	table(isa, &len);
	return len;
}

uint32_t exit_reason_code_at(unsigned isa, size_t i)
{
	size_t len;
	const struct reason *t = table(isa, &len);

	return i < len ? t[i].code : UINT32_MAX;
}

int exit_reason_lookup(unsigned isa, const char *name, uint32_t *code)
{
	size_t len;
	const struct reason *t = table(isa, &len);

	for (size_t i = 0; i < len; i++) {
		if (strcmp(t[i].name, name) == 0) {
			*code = t[i].code;
			return 0;
		}
	}
	return -1;
}

const char *exit_isa_name(unsigned isa)
{
	switch (isa) {
	case EXIT_ISA_VMX:
		return "VMX";
	case EXIT_ISA_SVM:
		return "SVM";
	default:
		return NULL;
	}
}

const char *exit_isa_text(unsigned isa)
{
	const char *name = exit_isa_name(isa);

	return name ? name : "unknown";
}

unsigned exit_isa_of_vendor(const char *vendor)
{
	if (!strcmp(vendor, "AuthenticAMD") || !strcmp(vendor, "HygonGenuine"))
		return EXIT_ISA_SVM;
	if (!strcmp(vendor, "GenuineIntel") || !strcmp(vendor, "CentaurHauls") ||
	    !strcmp(vendor, "  Shanghai  "))
		return EXIT_ISA_VMX;
	return 0;
}
