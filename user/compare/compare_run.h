/* `exitprof compare` (alias `exitprof --compare-cpuid`): the patched kernel's counters (CPUID
 * leaves read by a query VM of our own) against exitprof's BPF counts over the same window.
 * docs/compare-cpuid.md. */
#ifndef EXITPROF_COMPARE_RUN_H
#define EXITPROF_COMPARE_RUN_H

#include <stdbool.h>

/* The options of `exitprof compare`. */
struct compare_args {
	int vm_pid;	   /* --vm PID: also that VM's exits in the window; 0 = --all (the default) */
	bool all;
	double duration_s; /* 0 = the default window */
	bool verbose;
	bool late_attach;  /* COMPARE_LATE_ATTACH_ENV=1 (below) */
	bool kvm_stats;	   /* --kvm-stats: KVM's own statistics instead of the patch's leaves */
	bool three_way;	   /* --three-way: the leaves, BPF and KVM's statistics of --vm PID */
};

/* Parses compare's command line (argv[0] is "compare") into *a (late_attach is the caller's);
 * flags as for subcommand_parse() (cli.h). Returns 0, or CLI_USAGE after the one error line. */
int compare_parse_args(int argc, char **argv, struct compare_args *a, unsigned flags);

/* argv[0] is "compare". Exit status (cli.h): 0 the counts agree, 1 they do not, 2 no comparison
 * possible (kernel without the leaves or with them off, no /dev/kvm, not root, no
 * tracepoints/BTF, a bad command line). */
int compare_main(int argc, char **argv);

/* The test hook: set to 1, BPF is attached only after the first read, so BPF misses exits the
 * patch counts and the comparison must fail (exit 1). Not an option: no user wants it. */
#define COMPARE_LATE_ATTACH_ENV "EXITPROF_TEST_LATE_ATTACH"

#endif
