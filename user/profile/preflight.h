/* Checks of the system before anything is loaded: output files, the VM named, privileges,
 * tracefs + KVM tracepoints, BTF. Each failing check gives one line (cause and fix). Every command
 * runs them through preflight_run(); the single checks are for the tests. */
#ifndef EXITPROF_PREFLIGHT_H
#define EXITPROF_PREFLIGHT_H

#include <stdbool.h>
#include <stddef.h>

/* Which kind of tracepoint programs to load (session.c decides what `auto` gets). */
enum tp_request { TP_REQUEST_AUTO, TP_REQUEST_BTF, TP_REQUEST_CLASSIC };
#define TP_REQUEST_ENV "EXITPROF_TRACEPOINTS"
/* The size of the BPF side's per-thread state array (a power of two; threads whose entry another
 * thread owns fall back to task storage): a tuning and test knob, docs/profiler.md. */
#define THREAD_SLOTS_ENV "EXITPROF_THREAD_SLOTS"
#define THREAD_SLOTS_MAX 65536u

struct tp_avail {
	bool userspace_exit; /* kvm:kvm_userspace_exit: user-space time */
	bool vcpu_wakeup;    /* kvm:kvm_vcpu_wakeup: halted time */
	bool split_events;   /* raw_syscalls:sys_enter/sys_exit, sched:sched_switch/sched_wakeup: --time-split */
	enum tp_request request; /* from EXITPROF_TRACEPOINTS */
	unsigned thread_slots;	 /* from EXITPROF_THREAD_SLOTS, else EXITPROF_THREAD_SLOTS */
};

#define PREFLIGHT_OUTPUTS 4 /* the most output files a command has (profile: CSV, JSON, timeline, metrics) */

/* What a command will touch, for preflight_run(). */
struct preflight_req {
	struct {
		const char *opt;  /* the option that names it, for the error line; NULL ends the list */
		const char *path; /* NULL: not asked for; "-": stdout */
	} outputs[PREFLIGHT_OUTPUTS];
	int vm_pid; /* the VM the command names (--vm); 0: none */
};

/* The one sequence of checks every command runs before it loads anything, what the user can fix
 * in the command line first: the outputs can be written, the VM is a KVM process, then
 * privileges, tracefs and KVM's tracepoints (fills tp), BTF. Stops at the first that fails, with
 * its line "exitprof: CAUSE: FIX" on stderr, and returns -1; 0 when all pass. */
int preflight_run(const struct preflight_req *req, struct tp_avail *tp);

/* Root, or CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN on kernels before 5.8) in the effective set. */
int preflight_privileges(char *err, size_t errlen);

/* The tracefs directory libbpf will use (it prefers /sys/kernel/debug/tracing when that exists,
 * else /sys/kernel/tracing), into dir. When neither is mounted, mounts tracefs at
 * /sys/kernel/tracing (root) and says so on stderr; -1 with a cause-and-fix line if that fails. */
int preflight_tracefs_dir(char *dir, size_t len, char *err, size_t errlen);

/* The value of EXITPROF_TRACEPOINTS: NULL or "" = auto, btf, classic. -1 and one line in err
 * for anything else. */
int preflight_tp_request(const char *value, enum tp_request *out, char *err, size_t errlen);

/* The value of EXITPROF_THREAD_SLOTS: NULL or "" = the default (EXITPROF_THREAD_SLOTS), else a
 * power of two from 1 to THREAD_SLOTS_MAX. -1 and one line in err for anything else. */
int preflight_thread_slots(const char *value, unsigned *out, char *err, size_t errlen);

/* EXITPROF_TRACEPOINTS and EXITPROF_THREAD_SLOTS must be valid; tracefs (mounted if need be), kvm:kvm_exit and
 * kvm:kvm_entry must exist; reports which optional ones do. */
int preflight_tracepoints(struct tp_avail *avail, char *err, size_t errlen);

/* Kernel BTF (/sys/kernel/btf/vmlinux), needed for CO-RE and task storage. */
int preflight_btf(char *err, size_t errlen);

/* An output path ("-" = stdout) can be created or overwritten, without creating it yet. */
int preflight_output(const char *opt, const char *path, char *err, size_t errlen);

/* EXIT_ISA_SVM or EXIT_ISA_VMX from this host's CPU flags (/proc/cpuinfo), 0 if neither. */
unsigned preflight_host_isa(void);

#endif
