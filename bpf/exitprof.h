/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Types shared by exitprof.bpf.c (kernel side) and user/ (the exitprof command and its tests).
 * Every map the BPF program fills is described here, so a user-space reader needs nothing else.
 *
 * Maps (names as in the skeleton, obj->maps.<name>):
 *   exit_slots BPF_MAP_TYPE_HASH        struct exit_key -> __u32 slot (1-based index into exits)
 *   exits     BPF_MAP_TYPE_PERCPU_ARRAY slot - 1 -> struct exit_val (one per CPU; sum them). A
 *             key gets its slot once; each vCPU thread caches its keys' slots (vcpu_state), so
 *             the hot path is an array index, not a hash lookup. Slots no key names (two CPUs
 *             raced to add the same key) stay zero.
 *   timeline  BPF_MAP_TYPE_PERCPU_HASH  struct tl_key   -> struct tl_val   (only when `timeline`)
 *   vm_start  BPF_MAP_TYPE_HASH         __u32 tgid       -> __u64 t0 (bpf_ktime_get_ns, CLOCK_MONOTONIC)
 *   stats     BPF_MAP_TYPE_PERCPU_ARRAY __u32 (enum exitprof_stat) -> __u64 (sum over CPUs); the
 *             BPF side only counts drops, user space derives EXITS and TIMED from exits
 *   thread_slots BPF_MAP_TYPE_ARRAY tid & thread_slot_mask -> struct thread_slot: per vCPU
 *             thread, the exit in flight (struct vcpu_state), in the entry the thread owns (the
 *             first thread of that index to exit claims it for good)
 *   vcpu_states BPF_MAP_TYPE_TASK_STORAGE: the same state for a thread whose entry of
 *             thread_slots another thread owns
 *
 * Read-only globals (obj->rodata->..., set between open and load):
 *   targ_tgid  0 = every VM, else only this process (the VMM's pid)
 *   targ_vcpu  EXITPROF_VCPU_ANY = every vCPU, else only this vcpu_id
 *   timeline   true = fill the timeline map
 *   bin_ns     timeline bin width in ns (default EXITPROF_DEFAULT_BIN_NS)
 *   nr_slots   the size of the exits array (and of exit_slots)
 *   thread_slot_mask  the size of thread_slots - 1 (a power of two)
 *   time_split true = split user_ns further and measure run-queue waits (the optional
 *              raw_syscalls and sched programs are loaded only then)
 */
#ifndef EXITPROF_H
#define EXITPROF_H

#include <linux/types.h>

/* log2 latency histogram: slot 0 holds 0..1 ns, slot i (i >= 1) holds [2^i, 2^(i+1)) ns, and the
 * last slot also everything above (2^39 ns ~ 9 minutes: a vCPU halted longer than that). */
#define EXITPROF_HIST_SLOTS 40

/* vcpu_id when the kernel's kvm_exit has no vcpu_id field (kernels before 5.14). */
#define EXITPROF_VCPU_UNKNOWN 0xffffffffu
/* targ_vcpu value meaning "every vCPU". */
#define EXITPROF_VCPU_ANY 0xffffffffu

#include "exit_isa.h" /* EXIT_ISA_UNKNOWN, EXIT_ISA_VMX, EXIT_ISA_SVM */

#define EXITPROF_DEFAULT_BIN_NS 10000000ull /* 10 ms */

/* Default map sizes; user space may lower/raise them with bpf_map__set_max_entries(). */
#define EXITPROF_MAX_KEYS 4096	       /* (tgid, vcpu, isa, reason) combinations */
#define EXITPROF_MAX_TIMELINE_KEYS 65536 /* (tgid, bin, vcpu, isa, reason) combinations */
#define EXITPROF_MAX_VMS 1024

/* Per vCPU thread, the slots of its last keys: a direct-mapped cache of 2^BITS entries. */
#define EXITPROF_THREAD_SLOTS 4096 /* default size of thread_slots, a power of two */

#define EXITPROF_SLOT_CACHE_BITS 4
#define EXITPROF_SLOT_CACHE (1u << EXITPROF_SLOT_CACHE_BITS)

/* One aggregation key. reason: on VMX the basic exit reason (bits 15:0 of exit_reason; the
 * flag bits such as FAILED_VMENTRY are dropped), on SVM the exit code as the tracepoint gives it. */
struct exit_key {
	__u32 tgid;
	__u32 vcpu_id;
	__u32 isa;
	__u32 reason;
};

/*
 * Per CPU, per key. `count` is added at kvm_exit (so an exit whose entry is never seen still
 * counts); everything else is added at the next kvm_entry of the same vCPU thread, possibly on
 * another CPU. So count and timed may differ, and min_ns is valid only where timed > 0.
 * total_ns = kernel + user_ns + halt_ns; kernel time is what remains (see exitprof_agg.h).
 */
struct exit_val {
	__u64 count;	/* exits */
	__u64 timed;	/* exits whose next VM-entry was seen: the samples behind the times */
	__u64 total_ns; /* sum of exit -> next entry */
	__u64 user_ns;	/* part of total_ns spent outside KVM_RUN (the VMM, user space) */
	__u64 halt_ns;	/* part of total_ns the vCPU was halted in kvm_vcpu_halt() (poll + block) */
	__u64 min_ns;
	__u64 max_ns;
	__u64 hist[EXITPROF_HIST_SLOTS]; /* of exit -> next entry, ns */
	/* Only with time_split (else 0): user_ns split where the vCPU thread's KVM_RUN ioctl
	 * returns and is called again (exitprof_agg.h), and the run-queue wait of the exit. */
	__u64 exit_path_ns;  /* kvm_userspace_exit -> sys_exit of KVM_RUN */
	__u64 vmm_ns;	     /* sys_exit of KVM_RUN -> sys_enter of the next KVM_RUN */
	__u64 entry_path_ns; /* sys_enter of KVM_RUN -> kvm_entry (or the start of a halt) */
	__u64 runq_ns;	     /* of total_ns, runnable but not running (overlaps the parts above) */
};

/* Timeline: per VM, bin = (exit time - the VM's t0) / bin_ns, where t0 = the first
 * kvm_entry (or kvm_exit, if attached mid-run) seen for that tgid (vm_start map). */
struct tl_key {
	__u32 tgid;
	__u32 bin;
	__u32 vcpu_id;
	__u32 isa;
	__u32 reason;
};

struct tl_val {
	__u64 count;	/* exits that happened in this bin (added at kvm_exit) */
	__u64 total_ns; /* their exit -> next entry time (added at that entry) */
};

/* Global counters (stats map). Drops mean a map was full: what was lost is counted, not hidden.
 * EXITS and TIMED are not counted by the BPF programs (one map update less per event): user
 * space fills them in from the exits map (collect.c). */
enum exitprof_stat {
	EXITPROF_STAT_EXITS = 0,     /* kvm_exit events that passed the filters: sum of count + DROP_KEYS */
	EXITPROF_STAT_TIMED,	     /* kvm_entry events that closed a counted exit: sum of timed */
	EXITPROF_STAT_DROP_KEYS,     /* exits not counted: exits map full */
	EXITPROF_STAT_DROP_TIMELINE, /* exits not binned: timeline map full */
	EXITPROF_STAT_DROP_VMS,	     /* exits not binned: vm_start map full */
	EXITPROF_STAT_DROP_STATE,    /* exits counted but not timed: no per-thread state */
	EXITPROF_STAT__MAX,
};

/* One entry of a thread's slot cache: (vcpu_id, isa, reason) -> slot; slot 0 = empty. The
 * thread's tgid is the same for every key it makes. */
struct slot_cache_ent {
	__u32 vcpu_id;
	__u32 isa;
	__u32 reason;
	__u32 slot;
};

/* Per vCPU thread: the exit in flight between kvm_exit and the next kvm_entry, and what the
 * thread looked up once and keeps (its process, its keys' slots, its VM's timeline t0). A thread
 * of a VM the filter leaves out gets a state too (its tgid, to be left out cheaply), but never
 * an exit in flight. */
struct vcpu_state {
	__u64 exit_ts;	/* ktime ns of the kvm_exit, 0 = no exit in flight */
	__u64 user_ts;	/* start of the open user-space window (kvm_userspace_exit), 0 = none */
	__u64 user_ns;	/* closed user-space time of this exit */
	__u64 halt_ns;	/* halted time of this exit */
	struct exit_key key;
	__u32 bin;	/* timeline bin of the exit */
	__u32 binned;	/* 1 if the exit was counted in the timeline */
	__u32 slot;	/* the exit's slot in exits, 0 = not counted (exits map full) */
	__u32 pad0;
	__u64 t0;	/* the VM's timeline t0 (vm_start), 0 = not looked up yet */
	struct slot_cache_ent cache[EXITPROF_SLOT_CACHE];
	/* time_split only: the user-space round trip in phases (enum ep_phase, exitprof_agg.h) */
	__u64 phase_ts;		 /* start of the open phase */
	__u64 phase_ns[3];	 /* closed time of each phase: exit path, VMM, entry path */
	__u32 phase;		 /* the open phase, EP_PHASE_NONE = none */
	__u32 pad;
	__u64 runq_ts;		 /* runnable but not running since then, 0 = not waiting */
	__u64 runq_ns;		 /* closed run-queue wait of this exit */
};

/* An entry of thread_slots: the state of the thread that owns it. */
struct thread_slot {
	__u64 owner; /* the owner's pid_tgid (tgid << 32 | tid), 0 = free */
	struct vcpu_state s;
};

#endif /* EXITPROF_H */
