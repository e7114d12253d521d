/* Which ISA this host's KVM runs on: VMX (kvm_intel) or SVM (kvm_amd), decided by the vendor
 * module that actually initialized, never by /sys/module/kvm_* being there (a built-in
 * module's directory exists even when its init refused the CPU). */
#ifndef EXITPROF_HOST_ISA_H
#define EXITPROF_HOST_ISA_H

#include <stddef.h>

/* The decision, from the text of /proc/modules (NULL or "" when unreadable or empty) and the
 * CPU's 12-character vendor string:
 * - a loaded kvm_intel or kvm_amd module decides: a module whose init fails is unloaded again,
 *   so a listed one registered /dev/kvm (both listed: 0, impossible on a sane host);
 * - otherwise the vendor modules are built in (or not there): only the one for this CPU's vendor
 *   can have initialized (kvm_amd refuses any CPU that is not AMD or Hygon, kvm_intel needs VMX),
 *   so GenuineIntel, CentaurHauls and "  Shanghai  " give VMX, AuthenticAMD and HygonGenuine SVM.
 * Returns EXIT_ISA_VMX, EXIT_ISA_SVM, or 0 if neither rule applies. */
unsigned host_isa_decide(const char *proc_modules, const char *vendor);

/* host_isa_decide() on this machine (/proc/modules, the CPUID instruction's vendor). When why is
 * not NULL it gets a short account of the decision, e.g. "CPU GenuineIntel, kvm_intel built in". */
unsigned host_kvm_isa(char *why, size_t len);

#endif
