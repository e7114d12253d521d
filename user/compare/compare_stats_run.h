/* `exitprof compare --kvm-stats --vm PID`: KVM's own statistics of one VM (debugfs, as kvm_stat
 * reads them: kvm_stats.h) against exitprof's BPF counts over the same window (compare_stats.h).
 * Works on a patched kernel or not. */
#ifndef EXITPROF_COMPARE_STATS_RUN_H
#define EXITPROF_COMPARE_STATS_RUN_H

#include <stdbool.h>
#include <stddef.h>

/* Exit status (cli.h): 0 every compared statistic agrees, 1 one differs, 2 no comparison
 * possible (not root, no such VM, no debugfs statistics, no tracepoints/BTF, the VM exited in
 * the window). duration_s: the window; SIGINT/SIGTERM end it early. */
int compare_stats_main(int vm_pid, double duration_s, bool verbose);

/* The running kernel's major.minor (0.0 when unknown, which ks_compute treats as before 6.4) and
 * its release string ("unknown" when uname fails). */
void running_kernel(int *major, int *minor, char *release, size_t len);

#endif
