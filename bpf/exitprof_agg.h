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
static __always_inline void ep_on_exit(struct vcpu_state *s, __u64 now, const struct exit_key *key,
				       __u32 slot, __u32 bin, __u32 binned)
{
	s->exit_ts = now;
	s->user_ts = 0;
	s->user_ns = 0;
	s->halt_ns = 0;
	s->key = *key;
	s->slot = slot;
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
	user = s->user_ns;
	if (s->user_ts && now > s->user_ts)
		user += now - s->user_ts;
	halt = s->halt_ns;
	/* Keep the split consistent with the total whatever the event order was. */
	if (halt > total)
		halt = total;
	if (user > total - halt)
		user = total - halt;
	out->total_ns = total;
	out->user_ns = user;
	out->halt_ns = halt;
	s->exit_ts = 0;
	s->user_ts = 0;
	return 1;
}

#endif /* EXITPROF_AGG_H */
