/* `exitprof compare` (alias `exitprof --compare-cpuid`): the patched kernel's counters (CPUID
 * leaves read by a query VM of our own) against exitprof's BPF counts over the same window.
 * docs/compare-cpuid.md. */
#ifndef EXITPROF_COMPARE_RUN_H
#define EXITPROF_COMPARE_RUN_H

/* argv[0] is "compare". Exit status (cli.h): 0 the counts agree, 1 they do not, 2 no comparison
 * possible (kernel without the leaves or with them off, no /dev/kvm, not root, no
 * tracepoints/BTF, a bad command line). */
int compare_main(int argc, char **argv);

/* The test hook: set to 1, BPF is attached only after the first read, so BPF misses exits the
 * patch counts and the comparison must fail (exit 1). Not an option: no user wants it. */
#define COMPARE_LATE_ATTACH_ENV "EXITPROF_TEST_LATE_ATTACH"

#endif
