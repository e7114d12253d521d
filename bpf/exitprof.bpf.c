// SPDX-License-Identifier: GPL-2.0
/*
 * exitprof: in-kernel aggregation of KVM VM exits, per (VM, vCPU, ISA, exit reason).
 * kvm:kvm_exit counts the exit and opens it in the vCPU thread's state; kvm:kvm_entry
 * closes it and adds its exit -> entry time (split into kernel / user space / halted, see
 * exitprof_agg.h) to the same key. No per-event ring buffer: user space reads the maps.
 * A thread's state is its entry of the thread_slots array (indexed by its thread id, tagged
 * with its pid_tgid: an array look-up the verifier inlines, and bpf_get_current_pid_tgid(), 10
 * instructions), or, when another thread owns that entry, its task storage (a helper call of
 * about 150 instructions in the lab: docs/profiler.md).
 * The kvm and raw_syscalls tracepoints fire on the vCPU thread itself, so the thread's state
 * is touched by that thread only and needs no lock. The sched ones (time_split) also
 * touch a thread that is not running: the one switched in, or woken, both under its run queue's
 * lock, which the thread itself must take before it runs again.
 *
 * Two sets of programs, one loaded (user space picks, session.c):
 * - tp_btf/ (BTF-typed raw tracepoints): the kernel calls the program with the tracepoint's own
 *   arguments. Nothing else runs: no trace record is built, and on VMX none of the VMCS reads
 *   that building kvm_exit's record takes. Needs the vendor module's BTF (the exit reason is read
 *   from the vCPU, kvm_tp.h): with plain loads where the kernel has bpf_rdonly_cast() (6.2+,
 *   handle_kvm_exit_cast), else with bpf_probe_read_kernel() calls (handle_kvm_exit_btf).
 * - tp/ (classic tracepoints): the kernel first builds the event's record and the program reads
 *   it. Works wherever the tracepoints have BTF-described records: the fallback.
 * Both call the same on_exit()/on_entry() below.
 *
 * With time_split (off by default; its programs are loaded only then) the user-space round trip
 * is split at the vCPU thread's raw_syscalls:sys_exit/sys_enter of the KVM_RUN ioctl (both
 * flavours), and the scheduler's sched_switch/sched_wakeup time the run-queue waits (tp_btf in
 * both flavours: the classic records name tasks by pid, and task storage needs the task). The
 * syscall programs run for every system call on the host and the sched programs for every
 * switch and wakeup: they test the syscall number, or look the task's storage up, and stop
 * there for anything but a vCPU thread with an exit in flight.
 */
#include <linux/types.h>
#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "kvm_tp.h"
#include "exitprof.h"
#include "exitprof_agg.h"

#ifndef EEXIST
#define EEXIST 17
#endif

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 targ_tgid = 0;
const volatile __u32 targ_vcpu = EXITPROF_VCPU_ANY;
const volatile bool timeline = false;
const volatile __u64 bin_ns = EXITPROF_DEFAULT_BIN_NS;
const volatile __u32 nr_slots = EXITPROF_MAX_KEYS;
const volatile bool time_split = false;
const volatile __u32 thread_slot_mask = EXITPROF_THREAD_SLOTS - 1;
/* timeline || time_split, set by user space: the kvm_exit and kvm_entry programs test this one
 * flag and, when it is false, run a copy of their code with both features compiled out, so the
 * default path pays for neither (a test of a flag costs a load even where the verifier knows it). */
const volatile bool hot_extras = false;

/* x86_64's ioctl(2) and KVM_RUN (_IO(KVMIO, 0x80)); a 32-bit VMM's compat ioctl is not seen. */
#define EP_NR_IOCTL 16
#define EP_KVM_RUN 0xAE80u

/* Slots handed out so far (slot = index + 1). */
__u32 slots_used = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EXITPROF_MAX_KEYS); /* user space sets nr_slots */
	__type(key, struct exit_key);
	__type(value, __u32);
} exit_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EXITPROF_MAX_KEYS); /* user space sets nr_slots */
	__type(key, __u32);
	__type(value, struct exit_val);
} exits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, EXITPROF_MAX_TIMELINE_KEYS); /* user space sets 1 when timeline is off */
	__type(key, struct tl_key);
	__type(value, struct tl_val);
} timeline_bins SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EXITPROF_MAX_VMS); /* user space sets 1 when timeline is off */
	__type(key, __u32);
	__type(value, __u64);
} vm_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EXITPROF_STAT__MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EXITPROF_THREAD_SLOTS); /* user space sets thread_slot_mask + 1 */
	__type(key, __u32);
	__type(value, struct thread_slot);
} thread_slots SEC(".maps");

/* The fallback: freed by the kernel when the thread exits, no size bound. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct vcpu_state);
} vcpu_states SEC(".maps");

/* Zero values to create map entries from (too big for the 512-byte BPF stack next to others). */
static const struct tl_val zero_tl_val;

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&stats, &idx);

	if (c)
		(*c)++;
}

/* Look a key up, creating it zeroed if absent. NULL (and one drop counted) when the map is full. */
static __always_inline void *lookup_or_create(void *map, const void *key, const void *zero, __u32 drop_stat)
{
	void *v = bpf_map_lookup_elem(map, key);
	long err;

	if (v)
		return v;
	err = bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	if (err && err != -EEXIST) {
		stat_inc(drop_stat);
		return NULL;
	}
	v = bpf_map_lookup_elem(map, key);
	if (!v)
		stat_inc(drop_stat);
	return v;
}

/* The slot of a key, given one the first time it is seen; 0 (and one drop counted) when every
 * slot is taken. Two CPUs adding the same key at once both take a slot; the loser's stays
 * unused. */
static __always_inline __u32 slot_of(const struct exit_key *key)
{
	__u32 *p = bpf_map_lookup_elem(&exit_slots, key);
	__u32 slot;
	long err;

	if (p)
		return *p;
	if (slots_used >= nr_slots) /* checked first, so the counter cannot wrap */
		goto full;
	slot = __sync_fetch_and_add(&slots_used, 1) + 1;
	if (slot > nr_slots)
		goto full;
	err = bpf_map_update_elem(&exit_slots, key, &slot, BPF_NOEXIST);
	if (!err)
		return slot;
	p = err == -EEXIST ? bpf_map_lookup_elem(&exit_slots, key) : NULL;
	if (p)
		return *p;
full:
	stat_inc(EXITPROF_STAT_DROP_KEYS);
	return 0;
}

static __always_inline struct exit_val *slot_val(__u32 slot)
{
	__u32 idx = slot - 1;

	return slot ? bpf_map_lookup_elem(&exits, &idx) : NULL;
}

/* t0 of a VM for the timeline: the first kvm_entry/kvm_exit seen for this tgid. */
static __always_inline __u64 *vm_t0(__u32 tgid, __u64 now)
{
	return lookup_or_create(&vm_start, &tgid, &now, EXITPROF_STAT_DROP_VMS);
}

static __always_inline bool tgid_wanted(__u32 tgid)
{
	return targ_tgid == 0 || tgid == targ_tgid;
}

/* Counts one exit in the timeline; returns 1 if it was binned, its bin in *bin. */
static __always_inline __u32 timeline_exit(struct vcpu_state *s, const struct exit_key *key, __u64 now,
					   __u32 *bin)
{
	struct tl_key tk = { .tgid = key->tgid, .vcpu_id = key->vcpu_id, .isa = key->isa, .reason = key->reason };
	struct tl_val *tv;
	__u64 t0 = s ? s->t0 : 0;

	if (!t0) {
		__u64 *p = vm_t0(key->tgid, now);

		if (!p) {
			stat_inc(EXITPROF_STAT_DROP_TIMELINE);
			return 0;
		}
		t0 = *p;
		if (s)
			s->t0 = t0;
	}
	*bin = ep_bin(now, t0, bin_ns);
	tk.bin = *bin;
	tv = lookup_or_create(&timeline_bins, &tk, &zero_tl_val, EXITPROF_STAT_DROP_TIMELINE);
	if (!tv)
		return 0;
	tv->count++;
	return 1;
}

/* The entry of thread_slots for the thread pid_tgid, whoever owns it. */
static __always_inline struct thread_slot *thread_slot_of(__u64 pid_tgid)
{
	__u32 i = (__u32)pid_tgid & thread_slot_mask;

	return bpf_map_lookup_elem(&thread_slots, &i);
}

/* The state of a thread (pid_tgid, task; task NULL: the current one): the entry of thread_slots
 * it owns, else its task storage. create: claim a free entry, or create the task storage. An
 * entry stays its owner's until the owner exits (handle_sched_process_exit zeroes and frees
 * it), so a thread that claims an entry starts clean and a later thread with the same ids
 * inherits nothing. A thread's state moves only at an exit (which opens a fresh exit anyway):
 * from task storage into its entry, once the entry's owner has ended and freed it. */
static __always_inline struct vcpu_state *state_of(__u64 pid_tgid, struct task_struct *task, bool create)
{
	struct thread_slot *t = thread_slot_of(pid_tgid);

	if (t) {
		if (t->owner == pid_tgid)
			return &t->s;
		if (create && !t->owner && !__sync_val_compare_and_swap(&t->owner, 0, pid_tgid))
			return &t->s;
	}
	/* The task is looked up only here: a helper call the fast path does not pay. */
	return bpf_task_storage_get(&vcpu_states, task ? task : bpf_get_current_task_btf(), 0,
				    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

/* The current thread's state if it has one (no creation). */
static __always_inline struct vcpu_state *current_state(void)
{
	return state_of(bpf_get_current_pid_tgid(), NULL, false);
}

/* The pid_tgid of a task, as bpf_get_current_pid_tgid() gives it for the current one. */
static __always_inline __u64 task_pid_tgid(const struct task_struct *task)
{
	return (__u64)task->tgid << 32 | (__u32)task->pid;
}

/* extras: a constant at each call; false compiles the timeline and the split out. */
static __always_inline void on_exit(__u32 vcpu_id, __u32 isa, __u32 reason, const bool extras)
{
	struct exit_key key = { .vcpu_id = vcpu_id, .isa = isa, .reason = reason };
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct vcpu_state *s;
	struct exit_val *v;
	__u32 slot, bin = 0, binned = 0;
	__u64 now;

	key.tgid = pid_tgid >> 32;
	if (!tgid_wanted(key.tgid))
		return;
	if (targ_vcpu != EXITPROF_VCPU_ANY && vcpu_id != targ_vcpu)
		return;
	s = state_of(pid_tgid, NULL, true);
	if (isa == EXIT_ISA_VMX)
		key.reason &= 0xffff; /* basic exit reason; flag bits dropped */

	slot = s ? ep_cache_get(s, &key) : 0;
	if (!slot) {
		slot = slot_of(&key);
		if (s && slot)
			ep_cache_put(s, &key, slot);
	}
	v = slot_val(slot);
	if (v)
		v->count++;
	/* The exit's clock starts after the lookups above (a hash lookup when the key is not the
	 * thread's cached one), so the time is KVM's, not this program's: as close to the patch's
	 * own TSC read, right after the tracepoint, as the program can get. */
	now = bpf_ktime_get_ns();
	if (extras && timeline)
		binned = timeline_exit(s, &key, now, &bin);
	if (!s) {
		stat_inc(EXITPROF_STAT_DROP_STATE);
		return;
	}
	ep_on_exit(s, now, slot);
	if (extras && timeline)
		ep_on_exit_timeline(s, &key, bin, binned);
	if (extras && time_split)
		ep_split_on_exit(s);
}

/* No filter here or on the two events below: only on_exit opens an exit, and only for a thread
 * the filter lets through; the others never have one in flight. */
static __always_inline void on_entry(const bool extras)
{
	struct ep_sample sample;
	struct vcpu_state *s;
	struct exit_val *v;
	__u64 now = bpf_ktime_get_ns();
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	s = state_of(pid_tgid, NULL, false);
	if (!s) {
		/* The thread's first entry: it starts the VM's timeline if nothing did yet. */
		if (extras && timeline && tgid_wanted(pid_tgid >> 32))
			vm_t0(pid_tgid >> 32, now);
		return;
	}
	if (!ep_on_entry(s, now, &sample))
		return;
	if (extras && time_split)
		ep_split_on_entry(s, now, &sample);
	v = slot_val(s->slot);
	if (v) {
		ep_val_add_sample(v, &sample);
		if (extras && time_split)
			ep_val_add_split(v, &sample);
	}
	if (extras && timeline && s->binned) {
		struct tl_key tk = {
			.tgid = s->key.tgid, .bin = s->bin, .vcpu_id = s->key.vcpu_id,
			.isa = s->key.isa, .reason = s->key.reason,
		};
		struct tl_val *tv = bpf_map_lookup_elem(&timeline_bins, &tk);

		if (tv)
			tv->total_ns += sample.total_ns;
	}
}

static __always_inline void on_userspace_exit(void)
{
	struct vcpu_state *s = current_state();
	__u64 now;

	if (!s)
		return;
	now = bpf_ktime_get_ns();
	ep_on_userspace_exit(s, now);
	if (time_split)
		ep_split_on_userspace_exit(s, now);
}

static __always_inline void on_wakeup(__u64 halt_ns)
{
	struct vcpu_state *s = current_state();
	__u64 now;

	if (!s)
		return;
	now = bpf_ktime_get_ns();
	if (time_split)
		ep_split_on_wakeup(s, now, halt_ns);
	ep_on_wakeup(s, now, halt_ns);
}

/* time_split: a system call returns (id) or is made (id, its second argument: ioctl's request). */
static __always_inline void on_sys_exit(long id)
{
	struct vcpu_state *s;

	if (id != EP_NR_IOCTL)
		return;
	s = current_state();
	if (s && s->exit_ts)
		ep_split_on_sys_exit(s, bpf_ktime_get_ns());
}

static __always_inline void on_sys_enter(long id, unsigned long arg1)
{
	struct vcpu_state *s;

	if (id != EP_NR_IOCTL || (__u32)arg1 != EP_KVM_RUN)
		return;
	s = current_state();
	if (s && s->exit_ts)
		ep_split_on_sys_enter_run(s, bpf_ktime_get_ns());
}

/* --- tp_btf/: the tracepoints' own arguments --- */

/* What get_exit_info() puts in kvm_exit's record: vmx->exit_reason.full on VMX,
 * svm->vmcb->control.exit_code on SVM. A vendor struct missing from the kernel's BTF makes its
 * branch dead code (bpf_core_type_exists() is a constant); user space loads these programs only
 * when the running vendor's struct is there (session.c). */
static __always_inline __u32 btf_exit_reason(struct kvm_vcpu *vcpu, __u32 isa)
{
	if (isa == EXIT_ISA_VMX && bpf_core_type_exists(struct vcpu_vmx)) {
		struct vcpu_vmx *vmx = (void *)((char *)vcpu - bpf_core_field_offset(struct vcpu_vmx, vcpu));

		return BPF_CORE_READ(vmx, exit_reason.full);
	}
	if (isa == EXIT_ISA_SVM && bpf_core_type_exists(struct vcpu_svm)) {
		struct vcpu_svm *svm = (void *)((char *)vcpu - bpf_core_field_offset(struct vcpu_svm, vcpu));

		return BPF_CORE_READ(svm, vmcb, control.exit_code);
	}
	return 0xffffffffu;
}

/* Linux >= 6.2; weak, so that the object still opens where it is missing (handle_kvm_exit_cast is
 * then not loaded, session.c). */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

/* The kernel word at p, read with one plain load that the JIT guards with an exception-table
 * entry (no helper call). bpf_rdonly_cast() takes only a vmlinux type, and the vendor structs
 * live in the vendor module's BTF when KVM is a module; so p is cast to a vmlinux struct that
 * holds an unsigned long at offset 0, and the vendor struct supplies only CO-RE offsets. */
static __always_inline __u64 cast_word(const void *p)
{
	const struct rb_node *w = bpf_rdonly_cast(p, bpf_core_type_id_kernel(struct rb_node));

	return w->__rb_parent_color;
}

/* btf_exit_reason() with plain loads instead of bpf_probe_read_kernel() calls. The exit reasons
 * are 32-bit and x86 is little-endian: the low half of the word is the reason. */
static __always_inline __u32 cast_exit_reason(struct kvm_vcpu *vcpu, __u32 isa)
{
	if (isa == EXIT_ISA_VMX && bpf_core_type_exists(struct vcpu_vmx)) {
		const char *vmx = (const char *)vcpu - bpf_core_field_offset(struct vcpu_vmx, vcpu);

		return (__u32)cast_word(vmx + bpf_core_field_offset(struct vcpu_vmx, exit_reason.full));
	}
	if (isa == EXIT_ISA_SVM && bpf_core_type_exists(struct vcpu_svm)) {
		const char *svm = (const char *)vcpu - bpf_core_field_offset(struct vcpu_svm, vcpu);
		__u64 vmcb = cast_word(svm + bpf_core_field_offset(struct vcpu_svm, vmcb));

		return (__u32)cast_word((const char *)vmcb + bpf_core_field_offset(struct vmcb, control.exit_code));
	}
	return 0xffffffffu;
}

/* Some kernels (6.12 stable, 6.13) type every raw tracepoint pointer argument as maybe-NULL, so
 * the verifier refuses a dereference without this test. */
static __always_inline void btf_exit(struct kvm_vcpu *vcpu, __u32 isa, const bool cast)
{
	__u32 vcpu_id, reason;

	if (!vcpu)
		return;
	vcpu_id = vcpu->vcpu_id;
	reason = cast ? cast_exit_reason(vcpu, isa) : btf_exit_reason(vcpu, isa);
	if (hot_extras)
		on_exit(vcpu_id, isa, reason, true);
	else
		on_exit(vcpu_id, isa, reason, false);
}

/* Where the kernel has bpf_rdonly_cast(): the one session.c prefers. */
SEC("tp_btf/kvm_exit")
int BPF_PROG(handle_kvm_exit_cast, struct kvm_vcpu *vcpu, __u32 isa)
{
	btf_exit(vcpu, isa, true);
	return 0;
}

/* Elsewhere (Linux 6.1): the exit reason through bpf_probe_read_kernel(). */
SEC("tp_btf/kvm_exit")
int BPF_PROG(handle_kvm_exit_btf, struct kvm_vcpu *vcpu, __u32 isa)
{
	btf_exit(vcpu, isa, false);
	return 0;
}

/* kvm_entry(vcpu) on 6.1, kvm_entry(vcpu, force_immediate_exit) on 6.12: no argument is read. */
SEC("tp_btf/kvm_entry")
int BPF_PROG(handle_kvm_entry_btf)
{
	if (hot_extras)
		on_entry(true);
	else
		on_entry(false);
	return 0;
}

/* Optional (user space turns autoload off if the tracepoint is missing): user-space time. */
SEC("tp_btf/kvm_userspace_exit")
int BPF_PROG(handle_kvm_userspace_exit_btf)
{
	on_userspace_exit();
	return 0;
}

/* Optional: halted time, as measured by kvm_vcpu_halt() itself: kvm_vcpu_wakeup(ns, waited, valid). */
SEC("tp_btf/kvm_vcpu_wakeup")
int BPF_PROG(handle_kvm_vcpu_wakeup_btf, __u64 ns)
{
	on_wakeup(ns);
	return 0;
}

/* time_split: the KVM_RUN ioctl's return and call. The registers may be NULL to the verifier
 * (as kvm_exit's vCPU). */
SEC("tp_btf/sys_exit")
int BPF_PROG(handle_sys_exit_btf, struct pt_regs *regs, long ret)
{
	if (regs)
		on_sys_exit(regs->orig_ax);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(handle_sys_enter_btf, struct pt_regs *regs, long id)
{
	if (regs)
		on_sys_enter(id, regs->si);
	return 0;
}

/* time_split, in both flavours: the run-queue waits of vCPU threads with an exit in flight.
 * sched_switch(preempt, prev, next, prev_state): prev leaves the CPU still runnable when it was
 * preempted or its state is TASK_RUNNING (0); next starts running. */
SEC("tp_btf/sched_switch")
int BPF_PROG(handle_sched_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	struct vcpu_state *out = NULL, *in = NULL;
	__u64 now;

	if (prev && (preempt || prev_state == 0))
		out = state_of(task_pid_tgid(prev), prev, false);
	if (next)
		in = state_of(task_pid_tgid(next), next, false);
	if ((!out || !out->exit_ts) && (!in || !in->runq_ts))
		return 0;
	now = bpf_ktime_get_ns();
	if (out)
		ep_runq_wait(out, now);
	if (in)
		ep_runq_run(in, now);
	return 0;
}

/* sched_wakeup(p): p is runnable; it waits unless it still runs (woken before it slept). A new
 * thread (sched_wakeup_new) has no exit in flight, so that event is not watched. */
SEC("tp_btf/sched_wakeup")
int BPF_PROG(handle_sched_wakeup_btf, struct task_struct *p)
{
	struct vcpu_state *s;

	if (!p)
		return 0;
	s = state_of(task_pid_tgid(p), p, false);
	if (s && s->exit_ts && !p->on_cpu)
		ep_runq_wait(s, bpf_ktime_get_ns());
	return 0;
}

/* Both flavours: a thread that exits gives back the entry of thread_slots it owns, zeroed before
 * it is freed (a thread that claims it next starts clean). sched_process_exit runs in the exiting
 * thread, the only one that uses that entry. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_sched_process_exit, struct task_struct *p)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct thread_slot *t = thread_slot_of(pid_tgid);

	if (t && t->owner == pid_tgid) {
		__builtin_memset(&t->s, 0, sizeof(t->s));
		__sync_val_compare_and_swap(&t->owner, pid_tgid, 0);
	}
	return 0;
}

/* --- tp/: the classic tracepoints' records --- */

SEC("tp/kvm/kvm_exit")
int handle_kvm_exit(struct trace_event_raw_kvm_exit *ctx)
{
	__u32 vcpu_id = bpf_core_field_exists(ctx->vcpu_id) ? ctx->vcpu_id : EXITPROF_VCPU_UNKNOWN;
	__u32 isa = bpf_core_field_exists(ctx->isa) ? ctx->isa : EXIT_ISA_UNKNOWN;

	if (hot_extras)
		on_exit(vcpu_id, isa, ctx->exit_reason, true);
	else
		on_exit(vcpu_id, isa, ctx->exit_reason, false);
	return 0;
}

SEC("tp/kvm/kvm_entry")
int handle_kvm_entry(struct trace_event_raw_kvm_entry *ctx)
{
	(void)ctx;
	if (hot_extras)
		on_entry(true);
	else
		on_entry(false);
	return 0;
}

SEC("tp/kvm/kvm_userspace_exit")
int handle_kvm_userspace_exit(struct trace_event_raw_kvm_userspace_exit *ctx)
{
	(void)ctx;
	on_userspace_exit();
	return 0;
}

SEC("tp/kvm/kvm_vcpu_wakeup")
int handle_kvm_vcpu_wakeup(struct trace_event_raw_kvm_vcpu_wakeup *ctx)
{
	on_wakeup(ctx->ns);
	return 0;
}

SEC("tp/raw_syscalls/sys_exit")
int handle_sys_exit(struct trace_event_raw_sys_exit *ctx)
{
	on_sys_exit(ctx->id);
	return 0;
}

SEC("tp/raw_syscalls/sys_enter")
int handle_sys_enter(struct trace_event_raw_sys_enter *ctx)
{
	on_sys_enter(ctx->id, ctx->args[1]);
	return 0;
}
