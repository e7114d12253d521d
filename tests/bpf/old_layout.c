/* An older kernel's tracepoint layouts, for the CO-RE test: kvm_exit without isa and vcpu_id
 * (as before they were added), fields in other places than on 6.x. */
struct trace_entry { unsigned short type; unsigned char flags; unsigned char preempt_count; int pid; };
struct trace_event_raw_kvm_exit { struct trace_entry ent; unsigned long guest_rip; unsigned int exit_reason; char __data[0]; };
struct trace_event_raw_kvm_entry { struct trace_entry ent; unsigned int vcpu_id; char __data[0]; };
struct trace_event_raw_kvm_userspace_exit { struct trace_entry ent; unsigned int reason; int errno; char __data[0]; };
struct trace_event_raw_kvm_vcpu_wakeup { struct trace_entry ent; unsigned long long ns; _Bool waited; _Bool valid; char __data[0]; };
struct trace_event_raw_kvm_exit a; struct trace_event_raw_kvm_entry b; struct trace_event_raw_kvm_userspace_exit c; struct trace_event_raw_kvm_vcpu_wakeup d;
