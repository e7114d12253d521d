/* Names of VM-exit reasons: Intel VMX basic exit reasons and AMD SVM exit codes.
 *
 * One table per ISA, written once here and shared by exitprof (host) and
 * exitprof-cpuid (static guest tool), so it uses libc only.
 *
 * VMX: every basic exit reason of the Intel SDM Vol. 3, Appendix C (0..85, with the
 *      gaps 35, 38, 42, 71, 82, 83 the SDM leaves undefined). The code is the basic
 *      exit reason (bits 15:0); callers mask the flags off themselves.
 * SVM: every exit code of the AMD APM Vol. 2, Appendix C, Table C-1, low 32 bits.
 *      The VMGEXIT sub-codes 0x8000xxxx that the kernel's tracepoint knows are GHCB
 *      software exit codes, not exit codes: the hardware (and kvm_exit) reports them
 *      as 0x403 "vmgexit", so they are NOT in the table (see docs/guest-reader.md).
 *
 * Names are the Linux kernel's kvm_exit tracepoint names (6.18) where it has one,
 * and a name in the same style where the SDM/APM defines a code the kernel does
 * not name. Unknown codes are never given a name: they print as UNKNOWN(0x...).
 */
#ifndef EXITPROF_REASONS_H
#define EXITPROF_REASONS_H

#include <stddef.h>
#include <stdint.h>

#include "exit_isa.h" /* EXIT_ISA_VMX, EXIT_ISA_SVM: the kvm_exit tracepoint's isa field */

/* Longest string exit_reason_format() writes, with its NUL ("UNKNOWN(0xffffffff)"
 * is 20 bytes; the longest name is shorter). */
#define EXIT_REASON_NAME_MAX 32

/* The name of a defined code, or NULL if the SDM/APM does not define it
 * (or isa is neither EXIT_ISA_VMX nor EXIT_ISA_SVM). */
const char *exit_reason_name(unsigned isa, uint32_t code);

/* Writes the name, or "UNKNOWN(0x%x)" for an undefined code, into buf
 * (always NUL-terminated when len > 0, truncated if len is too small). */
void exit_reason_format(unsigned isa, uint32_t code, char *buf, size_t len);

/* Iteration over every defined code of an ISA, in ascending code order:
 * for (size_t i = 0; i < exit_reason_count(isa); i++) exit_reason_code_at(isa, i);
 * exit_reason_count() is 0 for an unknown isa; exit_reason_code_at() returns
 * UINT32_MAX for i out of range (check i against the count instead). */
size_t exit_reason_count(unsigned isa);
uint32_t exit_reason_code_at(unsigned isa, size_t i);

/* Looks a code up by its exact name (as exit_reason_name() returns it).
 * Returns 0 and sets *code on success, -1 if no code of that ISA has the name. */
int exit_reason_lookup(unsigned isa, const char *name, uint32_t *code);

/* "VMX", "SVM", or NULL for an unknown isa. */
const char *exit_isa_name(unsigned isa);

/* The same, but "unknown" for an unknown isa: the word every output writes. */
const char *exit_isa_text(unsigned isa);

/* The ISA a CPU of this 12-character CPUID vendor string virtualizes with: AuthenticAMD and
 * HygonGenuine -> EXIT_ISA_SVM; GenuineIntel, CentaurHauls and "  Shanghai  " -> EXIT_ISA_VMX;
 * 0 for any other vendor. */
unsigned exit_isa_of_vendor(const char *vendor);

#endif
