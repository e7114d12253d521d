/* KVM's own statistics (binary stats, KVM_GET_STATS_FD, Linux 5.14+): a third counter of exits,
 * independent of the BPF tracepoint counts and of the patch's rdtsc counters.
 *
 * KVM counts exits in buckets, not by hardware exit reason. In Linux 6.12 (arch/x86/kvm):
 *   exits            every VM-exit, fastpath re-entries included (vcpu_enter_guest(), x86.c;
 *                    fastpath exits reach it only since 6.4): one per kvm:kvm_exit event;
 *   io_exits         the vendor's I/O intercept (svm.c io_interception, vmx.c handle_io);
 *   irq_exits        external-interrupt exits (intr_interception, handle_external_interrupt);
 *   irq_window_exits, nmi_window_exits: the interrupt/NMI-window exits;
 *   halt_exits       every __kvm_emulate_halt() (HLT exits, and emulated HLTs);
 *   mmio_exits       MMIO handed to user space (x86.c), not an exit reason of its own;
 *   halt_wait_ns     time blocked in kvm_vcpu_halt() after polling (kvm_main.c).
 *
 * The stats of another process's vCPUs are read through its vCPU fds (/proc/PID/fd links to
 * "anon_inode:kvm-vcpu:N"), duplicated with pidfd_getfd (Linux 5.6+, ptrace access: root).
 */
#ifndef EXITPROF_KVM_STATS_H
#define EXITPROF_KVM_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kvm_stat_id {
	KVM_STAT_EXITS,
	KVM_STAT_IO_EXITS,
	KVM_STAT_MMIO_EXITS,
	KVM_STAT_HALT_EXITS,
	KVM_STAT_IRQ_EXITS,
	KVM_STAT_IRQ_WINDOW_EXITS,
	KVM_STAT_NMI_WINDOW_EXITS,
	KVM_STAT_SIGNAL_EXITS,
	KVM_STAT_REQUEST_IRQ_EXITS,
	KVM_STAT_HALT_WAIT_NS,
	KVM_STAT__MAX
};

/* KVM's name of each statistic ("exits", "io_exits", ...). */
extern const char *const kvm_stat_names[KVM_STAT__MAX];

struct kvm_stat_values {
	uint64_t v[KVM_STAT__MAX];     /* summed over the vCPUs read; halt_wait in ns */
	bool present[KVM_STAT__MAX];   /* the kernel has this statistic */
};

/* Adds the known statistics of one stats file image (header, descriptors and data, as read
 * from offset 0 of a stats fd) into *out. Strict: every offset and size is checked against len;
 * -1 with a one-line cause in err on any inconsistency. */
int kvm_stats_parse(const uint8_t *buf, size_t len, struct kvm_stat_values *out, char *err, size_t errlen);

/* Reads the whole stats file of fd and parses it into *out (added). */
int kvm_stats_read_fd(int stats_fd, struct kvm_stat_values *out, char *err, size_t errlen);

/* Zeroes *out, then sums the statistics of every vCPU of process pid; *nvcpus gets how many. */
int kvm_stats_of_vm(int pid, struct kvm_stat_values *out, int *nvcpus, char *err, size_t errlen);

#endif
