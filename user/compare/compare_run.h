/* `exitprof --compare-cpuid`: the patched kernel's counters (CPUID leaves read by a query VM of
 * our own) against exitprof's BPF counts over the same window. docs/compare-cpuid.md. */
#ifndef EXITPROF_COMPARE_RUN_H
#define EXITPROF_COMPARE_RUN_H

#include "args.h"

/* Exit status: 0 the counts agree, 1 they do not, 2 no comparison possible (kernel without the
 * leaves or with them off, no /dev/kvm, not root, no tracepoints/BTF). */
/* sfd: a signalfd for SIGINT/SIGTERM (they end the window early), or -1 (then 2 is returned). */
int compare_cpuid_main(const struct args *a, int sfd);

#endif
