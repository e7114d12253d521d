/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The per-exit logic of exitprof, as pure functions on plain structs, compiled twice: into the
 * BPF program (exitprof.bpf.c wraps them with map look-ups) and into the unit tests
 * (tests/unit/test_agg.c drives them with event sequences). That way the state machine and the
 * arithmetic that run in the kernel are tested on this host, where kvm_exit never fires.
 *
 * Events of one vCPU thread, in order: kvm_exit, then any of kvm_userspace_exit (KVM_RUN returned
 * to the VMM) and kvm_vcpu_wakeup (a halt ended, carrying its length), then kvm_entry.
 * Time split of one exit (exit -> entry):
 *   user  = from the first return to user space to the re-entry into the kernel, measured up to
 *           the next kvm_entry or to the start of a halt, whichever comes first (the short
 *           KVM_RUN re-entry path is counted as user time: no tracepoint marks it);
 *   halt  = the ns that kvm:kvm_vcpu_wakeup reports (halt-polling + blocked), clamped to the exit;
 *   kernel = total - user - halt.
 *
 * With time_split, two more kinds of event of the same thread come in, and two of the scheduler:
 * sys_exit of the KVM_RUN ioctl (raw_syscalls:sys_exit, syscall ioctl), sys_enter of the next
 * KVM_RUN call (raw_syscalls:sys_enter, ioctl with request KVM_RUN), and the thread becoming
 * runnable without running (sched_wakeup; sched_switch away from it while it is still runnable)
 * and running again (sched_switch to it). user is then split into three phases that partition it:
 *   exit path  = kvm_userspace_exit -> sys_exit of KVM_RUN (the kernel's way out of the ioctl);
 *   VMM        = sys_exit of KVM_RUN -> sys_enter of the next KVM_RUN (the VMM's own time, with
 *                whatever other system calls it makes);
 *   entry path = sys_enter of KVM_RUN -> kvm_entry, or the start of a halt (the kernel's way back
 *                in). A KVM_RUN that returns again without entering the guest (a signal) goes
 *                back to the exit path; its time in the kernel stays in the entry path.
 * and runq = the exit's time runnable but not running, wherever it fell (it overlaps the others).
 */
#ifndef EXITPROF_AGG_H
#define EXITPROF_AGG_H

#include "exitprof.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* Histogram slot of a duration: floor(log2(ns)), 0 for 0 and 1, capped at the last slot.
 * Branchy binary search instead of a loop: the BPF verifier likes it and it is exact. */
static __always_inline __u32 ep_log2_slot(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xFFFFFFFFull) << 5; v >>= shift; r |= shift;
	shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (__u32)(v >> 1);
	return r < EXITPROF_HIST_SLOTS ? r : EXITPROF_HIST_SLOTS - 1;
}

/* One finished exit, produced at kvm_entry. */
struct ep_sample {
	__u64 total_ns;
	__u64 user_ns;
	__u64 halt_ns;
	/* time_split only (ep_split_on_entry): user_ns in its three phases, and the run-queue wait */
	__u64 exit_path_ns;
	__u64 vmm_ns;
	__u64 entry_path_ns;
	__u64 runq_ns;
};

/* An index i < n, bounded so that every verifier tracks it. The compiler knows a __u32 fits in
 * 32 bits and bounds it with a 32-bit compare (`if w1 < 40`), whose bound the verifier of Linux
 * 6.1 does not carry over to the 64-bit register used in the pointer arithmetic ("math between
 * map_value pointer and register with unbounded min value"). The empty asm hides the value's
 * origin, so the compare must be a 64-bit one on that register. */
static __always_inline __u64 ep_bounded(__u32 i, __u32 n)
{
	__u64 v = i;

	asm volatile("" : "+r"(v));
	return v < n ? v : n - 1;
}

/* The histogram index of a slot (the last slot for anything beyond). */
static __always_inline __u64 ep_hist_index(__u32 slot)
{
	return ep_bounded(slot, EXITPROF_HIST_SLOTS);
}

/* Add one finished exit to a per-CPU value. min_ns is only meaningful once timed > 0. */
static __always_inline void ep_val_add_sample(struct exit_val *v, const struct ep_sample *s)
{
	__u64 slot = ep_hist_index(ep_log2_slot(s->total_ns));

	if (v->timed == 0 || s->total_ns < v->min_ns)
		v->min_ns = s->total_ns;
	if (s->total_ns > v->max_ns)
		v->max_ns = s->total_ns;
	v->timed++;
	v->total_ns += s->total_ns;
	v->user_ns += s->user_ns;
	v->halt_ns += s->halt_ns;
	v->hist[slot]++;
}

/* Timeline bin of an exit at `now` for a VM whose t0 is `t0`; saturates instead of wrapping. */
static __always_inline __u32 ep_bin(__u64 now, __u64 t0, __u64 bin_ns)
{
	__u64 bin;

	if (now <= t0 || bin_ns == 0)
		return 0;
	bin = (now - t0) / bin_ns;
	return bin > 0xFFFFFFFFull ? 0xFFFFFFFFu : (__u32)bin;
}

/* kvm_exit: open an exit. A previous exit still open (its entry never came, e.g. the thread
 * left KVM_RUN for good and came back much later) is abandoned: it was counted, not timed.
 * slot: where the exit was counted (0 = nowhere), for the entry to add its time to. */
static __always_inline void ep_on_exit(struct vcpu_state *s, __u64 now, __u32 slot)
{
	s->exit_ts = now;
	s->user_ts = 0;
	s->user_ns = 0;
	s->halt_ns = 0;
	s->slot = slot;
}

/* kvm_exit with the timeline on: where the exit was binned, for the entry to add its time to
 * the same bin (binned 0: it was not). */
static __always_inline void ep_on_exit_timeline(struct vcpu_state *s, const struct exit_key *key, __u32 bin,
						__u32 binned)
{
	s->key = *key;
	s->bin = bin;
	s->binned = binned;
}

/* The slot cache entry a key maps to (multiplicative hash of isa and reason). */
static __always_inline __u64 ep_cache_index(const struct exit_key *key)
{
	__u32 h = (key->reason ^ (key->isa << 24) ^ key->vcpu_id) * 2654435761u;

	return ep_bounded(h >> (32 - EXITPROF_SLOT_CACHE_BITS), EXITPROF_SLOT_CACHE);
}

/* The cached slot of a key of this thread, 0 if not cached. */
static __always_inline __u32 ep_cache_get(const struct vcpu_state *s, const struct exit_key *key)
{
	const struct slot_cache_ent *e = &s->cache[ep_cache_index(key)];

	if (e->reason == key->reason && e->vcpu_id == key->vcpu_id && e->isa == key->isa)
		return e->slot;
	return 0;
}

/* Remembers a key's slot (replacing whatever key shared its cache entry). */
static __always_inline void ep_cache_put(struct vcpu_state *s, const struct exit_key *key, __u32 slot)
{
	struct slot_cache_ent *e = &s->cache[ep_cache_index(key)];

	e->vcpu_id = key->vcpu_id;
	e->isa = key->isa;
	e->reason = key->reason;
	e->slot = slot;
}

/* kvm_userspace_exit: KVM_RUN returned to the VMM. Only the first return opens the window. */
static __always_inline void ep_on_userspace_exit(struct vcpu_state *s, __u64 now)
{
	if (s->exit_ts && !s->user_ts)
		s->user_ts = now;
}

/* kvm_vcpu_wakeup: a halt of `halt_ns` just ended at `now`. An open user-space window ended
 * when the halt began (the VMM had re-entered KVM_RUN), so it is closed there. */
static __always_inline void ep_on_wakeup(struct vcpu_state *s, __u64 now, __u64 halt_ns)
{
	__u64 halt_start;

	if (!s->exit_ts)
		return;
	if (now < s->exit_ts)
		return;
	if (halt_ns > now - s->exit_ts) /* a halt cannot predate the exit */
		halt_ns = now - s->exit_ts;
	halt_start = now - halt_ns;
	if (s->user_ts) {
		if (halt_start > s->user_ts)
			s->user_ns += halt_start - s->user_ts;
		s->user_ts = 0;
	}
	s->halt_ns += halt_ns;
}

/* kvm_entry: close the open exit, if any. Returns 1 and fills *out when an exit was closed. */
static __always_inline int ep_on_entry(struct vcpu_state *s, __u64 now, struct ep_sample *out)
{
	__u64 total, user, halt;

	if (!s->exit_ts)
		return 0;
	total = now > s->exit_ts ? now - s->exit_ts : 0;
	out->total_ns = total;
	s->exit_ts = 0;
	/* Most exits never leave the kernel nor halt: nothing to split. */
	if (!(s->user_ts | s->user_ns | s->halt_ns)) {
		out->user_ns = 0;
		out->halt_ns = 0;
		return 1;
	}
	user = s->user_ns;
	if (s->user_ts && now > s->user_ts)
		user += now - s->user_ts;
	halt = s->halt_ns;
	/* Keep the split consistent with the total whatever the event order was. */
	if (halt > total)
		halt = total;
	if (user > total - halt)
		user = total - halt;
	out->user_ns = user;
	out->halt_ns = halt;
	s->user_ts = 0;
	return 1;
}

/* --- time_split: the phases of the user-space round trip, and the run-queue wait --- */

enum ep_phase {
	EP_PHASE_NONE = 0,   /* no round trip open: kernel handling, or halted */
	EP_PHASE_EXIT_PATH,  /* kvm_userspace_exit seen, the KVM_RUN ioctl has not returned yet */
	EP_PHASE_VMM,	     /* KVM_RUN returned to the VMM */
	EP_PHASE_ENTRY_PATH, /* the VMM called KVM_RUN again, the guest not entered yet */
};
#define EP_PHASES 3 /* phase_ns[phase - 1] */

/* kvm_exit: a fresh split for the new exit (whatever the abandoned one left). */
static __always_inline void ep_split_on_exit(struct vcpu_state *s)
{
	s->phase = EP_PHASE_NONE;
	s->phase_ts = 0;
	s->phase_ns[0] = 0;
	s->phase_ns[1] = 0;
	s->phase_ns[2] = 0;
	s->runq_ts = 0;
	s->runq_ns = 0;
}

/* Closes the open phase at `now` (nothing for a clock that went backwards) and opens `next`. */
static __always_inline void ep_phase_to(struct vcpu_state *s, __u64 now, __u32 next)
{
	if (s->phase != EP_PHASE_NONE && now > s->phase_ts)
		s->phase_ns[ep_bounded(s->phase - 1, EP_PHASES)] += now - s->phase_ts;
	s->phase = next;
	s->phase_ts = now;
}

/* kvm_userspace_exit: the way out starts (again, if KVM_RUN was re-entered without an entry). */
static __always_inline void ep_split_on_userspace_exit(struct vcpu_state *s, __u64 now)
{
	if (s->exit_ts && (s->phase == EP_PHASE_NONE || s->phase == EP_PHASE_ENTRY_PATH))
		ep_phase_to(s, now, EP_PHASE_EXIT_PATH);
}

/* sys_exit of an ioctl: on the way out, it is KVM_RUN's (nothing else runs on the thread in
 * between); in the VMM's time it is one of the VMM's own calls, which stay VMM time. */
static __always_inline void ep_split_on_sys_exit(struct vcpu_state *s, __u64 now)
{
	if (s->exit_ts && s->phase == EP_PHASE_EXIT_PATH)
		ep_phase_to(s, now, EP_PHASE_VMM);
}

/* sys_enter of ioctl(KVM_RUN): the way back in starts. */
static __always_inline void ep_split_on_sys_enter_run(struct vcpu_state *s, __u64 now)
{
	if (s->exit_ts && (s->phase == EP_PHASE_VMM || s->phase == EP_PHASE_EXIT_PATH))
		ep_phase_to(s, now, EP_PHASE_ENTRY_PATH);
}

/* kvm_vcpu_wakeup: as ep_on_wakeup, the open round trip ended where the halt began. */
static __always_inline void ep_split_on_wakeup(struct vcpu_state *s, __u64 now, __u64 halt_ns)
{
	if (!s->exit_ts || now < s->exit_ts || s->phase == EP_PHASE_NONE)
		return;
	if (halt_ns > now - s->exit_ts)
		halt_ns = now - s->exit_ts;
	ep_phase_to(s, now - halt_ns, EP_PHASE_NONE);
}

/* The thread became runnable but does not run (woken; or switched away while runnable). The
 * earliest such moment counts: a second one before it runs changes nothing. */
static __always_inline void ep_runq_wait(struct vcpu_state *s, __u64 now)
{
	if (s->exit_ts && !s->runq_ts)
		s->runq_ts = now;
}

/* The thread was switched in: its wait, if any, ends. */
static __always_inline void ep_runq_run(struct vcpu_state *s, __u64 now)
{
	if (s->runq_ts && s->exit_ts && now > s->runq_ts)
		s->runq_ns += now - s->runq_ts;
	s->runq_ts = 0;
}

/* Takes up to `over` off *part; returns what is still to be taken. */
static __always_inline __u64 ep_take(__u64 *part, __u64 over)
{
	__u64 t = *part < over ? *part : over;

	*part -= t;
	return over - t;
}

/* kvm_entry, after ep_on_entry() filled *out: the split of out->user_ns and the run-queue wait.
 * The phases add up to user_ns exactly: they partition the same window, and where an odd event
 * order (clocks of two CPUs) made them longer, the excess is taken off the entry path first,
 * then the VMM, then the exit path. */
static __always_inline void ep_split_on_entry(struct vcpu_state *s, __u64 now, struct ep_sample *out)
{
	__u64 exit_path, vmm, entry_path, over, sum;

	ep_phase_to(s, now, EP_PHASE_NONE);
	exit_path = s->phase_ns[0];
	vmm = s->phase_ns[1];
	entry_path = s->phase_ns[2];
	sum = exit_path + vmm + entry_path;
	if (sum > out->user_ns) {
		over = sum - out->user_ns;
		over = ep_take(&entry_path, over);
		over = ep_take(&vmm, over);
		ep_take(&exit_path, over);
	} else if (sum < out->user_ns) {
		/* Time the phases missed (a clock read out of order): the entry path's. */
		entry_path += out->user_ns - sum;
	}
	out->exit_path_ns = exit_path;
	out->vmm_ns = vmm;
	out->entry_path_ns = entry_path;
	out->runq_ns = s->runq_ns < out->total_ns ? s->runq_ns : out->total_ns;
	s->runq_ts = 0;
}

/* The split of one finished exit, added to a per-CPU value (time_split only). */
static __always_inline void ep_val_add_split(struct exit_val *v, const struct ep_sample *s)
{
	v->exit_path_ns += s->exit_path_ns;
	v->vmm_ns += s->vmm_ns;
	v->entry_path_ns += s->entry_path_ns;
	v->runq_ns += s->runq_ns;
}

#endif /* EXITPROF_AGG_H */
