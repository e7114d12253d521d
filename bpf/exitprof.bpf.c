// SPDX-License-Identifier: GPL-2.0
/*
 * exitprof: in-kernel aggregation of KVM VM exits, per (VM, vCPU, ISA, exit reason).
 * kvm:kvm_exit counts the exit and opens it in the vCPU thread's task storage; kvm:kvm_entry
 * closes it and adds its exit -> entry time (split into kernel / user space / halted, see
 * exitprof_agg.h) to the same key. No per-event ring buffer: user space reads the maps.
 * All four tracepoints fire on the vCPU thread itself, so the thread's task storage is touched by
 * one thread only and needs no lock.
 */
#include <linux/types.h>
#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
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

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, EXITPROF_MAX_KEYS);
	__type(key, struct exit_key);
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
	__uint(max_entries, EXITPROF_MAX_VMS);
	__type(key, __u32);
	__type(value, __u64);
} vm_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EXITPROF_STAT__MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* Freed by the kernel when the thread exits: no stale entries, no size bound to pick. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct vcpu_state);
} vcpu_states SEC(".maps");

/* Zero values to create map entries from (too big for the 512-byte BPF stack next to others). */
static const struct exit_val zero_exit_val;
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

/* t0 of a VM for the timeline: the first kvm_entry/kvm_exit seen for this tgid. */
static __always_inline __u64 *vm_t0(__u32 tgid, __u64 now)
{
	return lookup_or_create(&vm_start, &tgid, &now, EXITPROF_STAT_DROP_VMS);
}

static __always_inline bool tgid_wanted(__u32 tgid)
{
	return targ_tgid == 0 || tgid == targ_tgid;
}

SEC("tp/kvm/kvm_exit")
int handle_kvm_exit(struct trace_event_raw_kvm_exit *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct exit_key key = {};
	struct vcpu_state *s;
	struct exit_val *v;
	__u32 bin = 0, binned = 0;
	__u64 now;

	if (!tgid_wanted(tgid))
		return 0;
	key.vcpu_id = bpf_core_field_exists(ctx->vcpu_id) ? ctx->vcpu_id : EXITPROF_VCPU_UNKNOWN;
	if (targ_vcpu != EXITPROF_VCPU_ANY && key.vcpu_id != targ_vcpu)
		return 0;
	key.tgid = tgid;
	key.isa = bpf_core_field_exists(ctx->isa) ? ctx->isa : EXIT_ISA_UNKNOWN;
	key.reason = ctx->exit_reason;
	if (key.isa == EXIT_ISA_VMX)
		key.reason &= 0xffff; /* basic exit reason; flag bits dropped */
	now = bpf_ktime_get_ns();

	stat_inc(EXITPROF_STAT_EXITS);
	v = lookup_or_create(&exits, &key, &zero_exit_val, EXITPROF_STAT_DROP_KEYS);
	if (v)
		v->count++;

	if (timeline) {
		__u64 *t0 = vm_t0(tgid, now);

		if (t0) {
			struct tl_key tk = {
				.tgid = tgid, .vcpu_id = key.vcpu_id, .isa = key.isa, .reason = key.reason,
			};
			struct tl_val *tv;

			bin = ep_bin(now, *t0, bin_ns);
			tk.bin = bin;
			tv = lookup_or_create(&timeline_bins, &tk, &zero_tl_val, EXITPROF_STAT_DROP_TIMELINE);
			if (tv) {
				tv->count++;
				binned = 1;
			}
		} else {
			stat_inc(EXITPROF_STAT_DROP_TIMELINE);
		}
	}

	s = bpf_task_storage_get(&vcpu_states, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s) {
		stat_inc(EXITPROF_STAT_DROP_STATE);
		return 0;
	}
	ep_on_exit(s, now, &key, bin, binned);
	return 0;
}

SEC("tp/kvm/kvm_entry")
int handle_kvm_entry(struct trace_event_raw_kvm_entry *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct ep_sample sample;
	struct vcpu_state *s;
	struct exit_val *v;
	__u64 now;

	if (!tgid_wanted(tgid))
		return 0;
	now = bpf_ktime_get_ns();
	if (timeline)
		vm_t0(tgid, now); /* the VM's first entry starts its timeline */

	s = bpf_task_storage_get(&vcpu_states, bpf_get_current_task_btf(), 0, 0);
	if (!s || !ep_on_entry(s, now, &sample))
		return 0;

	stat_inc(EXITPROF_STAT_TIMED);
	v = bpf_map_lookup_elem(&exits, &s->key);
	if (v)
		ep_val_add_sample(v, &sample);
	if (timeline && s->binned) {
		struct tl_key tk = {
			.tgid = s->key.tgid, .bin = s->bin, .vcpu_id = s->key.vcpu_id,
			.isa = s->key.isa, .reason = s->key.reason,
		};
		struct tl_val *tv = bpf_map_lookup_elem(&timeline_bins, &tk);

		if (tv)
			tv->total_ns += sample.total_ns;
	}
	return 0;
}

/* Optional (user space turns autoload off if the tracepoint is missing): user-space time. */
SEC("tp/kvm/kvm_userspace_exit")
int handle_kvm_userspace_exit(struct trace_event_raw_kvm_userspace_exit *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct vcpu_state *s;

	(void)ctx;
	if (!tgid_wanted(tgid))
		return 0;
	s = bpf_task_storage_get(&vcpu_states, bpf_get_current_task_btf(), 0, 0);
	if (s)
		ep_on_userspace_exit(s, bpf_ktime_get_ns());
	return 0;
}

/* Optional: halted time, as measured by kvm_vcpu_halt() itself. */
SEC("tp/kvm/kvm_vcpu_wakeup")
int handle_kvm_vcpu_wakeup(struct trace_event_raw_kvm_vcpu_wakeup *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct vcpu_state *s;

	if (!tgid_wanted(tgid))
		return 0;
	s = bpf_task_storage_get(&vcpu_states, bpf_get_current_task_btf(), 0, 0);
	if (s)
		ep_on_wakeup(s, bpf_ktime_get_ns(), ctx->ns);
	return 0;
}
