/*
 * Reader of the BPF timeline (issue 6): exits per (VM, time bin, vCPU, ISA, reason).
 * How to get one:
 *   struct session_cfg cfg = { ..., .timeline = true, .bin_ns = 10000000 };  // session.h
 *   session_open(&s, &cfg, err, sizeof(err));   ...run...   session_detach(&s);
 *   timeline_read(session_timeline_fd(&s), s.ncpus, cb, ctx);
 *   timeline_vm_start(session_vm_start_fd(&s), tgid, &t0);   // CLOCK_MONOTONIC ns of bin 0
 * Bin k of a VM covers [t0 + k*bin_ns, t0 + (k+1)*bin_ns), t0 = the VM's first kvm_entry seen
 * (or its first kvm_exit, when exitprof attached while it ran). A cell's count is the exits that
 * began in the bin; its total_ns their exit->next-entry time (added when the entry came).
 * Memory: the map holds session_cfg.timeline_keys cells (default 65536, 20-byte key + 16 bytes
 * per CPU each); cells that did not fit are counted in stats[EXITPROF_STAT_DROP_TIMELINE]
 * (and [EXITPROF_STAT_DROP_VMS] when more than EXITPROF_MAX_VMS VMs were seen), never lost silently.
 */
#ifndef EXITPROF_TIMELINE_H
#define EXITPROF_TIMELINE_H

#include <stdint.h>
#include "exitprof.h"

/* Calls cb once per cell with the per-CPU values summed, in map order (unsorted); stops with
 * cb's non-zero return value. Returns 0, cb's value, or -1 with errno set. */
int timeline_read(int tl_fd, int ncpus, int (*cb)(const struct tl_key *key, const struct tl_val *val, void *ctx),
		  void *ctx);

/* t0 of a VM (bin 0 start, CLOCK_MONOTONIC ns). Returns 0, or -1 if the VM was never seen. */
int timeline_vm_start(int vm_start_fd, uint32_t tgid, uint64_t *t0_ns);

#endif
