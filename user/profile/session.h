/* The BPF side of one exitprof run: open, configure, load, attach, read, detach.
 * Every path out of a session ends in session_close(), which detaches everything. */
#ifndef EXITPROF_SESSION_H
#define EXITPROF_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "collect.h"
#include "exit_table.h"
#include "preflight.h"
#include "tp_flavour.h"

struct exitprof_bpf;

struct session_cfg {
	uint32_t tgid;		  /* 0 = every VM */
	uint32_t vcpu;		  /* EXITPROF_VCPU_ANY = every vCPU */
	struct tp_avail tp;	  /* optional tracepoints present (from preflight) */
	bool timeline;		  /* fill the timeline map */
	uint64_t bin_ns;	  /* timeline bin width; 0 = default */
	uint32_t timeline_keys;	  /* timeline map size; 0 = default */
	uint32_t max_keys;	  /* exits map size; 0 = default (session_max_keys) */
	bool verbose;		  /* libbpf messages to stderr */
	bool bpf_stats;		  /* kernel-measured run time of each program (BPF_ENABLE_STATS) */
	bool time_split;	  /* split the user-space round trip, time run-queue waits */
};

struct session {
	struct exitprof_bpf *obj;
	int ncpus;
	uint32_t max_keys;	/* size the exits map got */
	enum tp_flavour flavour; /* which programs were loaded */
	bool exit_cast;		 /* tp_btf's kvm_exit program is handle_kvm_exit_cast */
	bool attached;
	int stats_fd;		/* BPF_ENABLE_STATS handle, -1 = off */
};

/* Run statistics of one program, measured by the kernel (bpf_stats). */
struct prog_cost {
	const char *name;
	const char *event; /* the tracepoint it runs on: kvm_exit, kvm_entry, ... */
	uint64_t run_cnt;
	uint64_t run_time_ns;
	uint64_t recursion_misses; /* runs skipped because another BPF program ran on that CPU */
};

/* Opens, loads and attaches: the tp_btf programs where tp_btf_probe() and the kernel accept them,
 * else the classic ones (EXITPROF_TRACEPOINTS forces one: tp_flavour.h). On failure: -1, one
 * line in err, and nothing left loaded. */
int session_open(struct session *s, const struct session_cfg *cfg, char *err, size_t errlen);

/* Snapshot of the exits and stats maps. */
int session_read(struct session *s, struct exit_table *t);

/* Calls cb for the tgid of every key in the exits map (keys only: cheap; repeats possible). */
void session_for_each_tgid(struct session *s, void (*cb)(int tgid));

/* Detaches the programs (maps stay readable until session_close). */
void session_detach(struct session *s);

/* Detaches and frees everything; safe to call twice or on a failed open. */
void session_close(struct session *s);

/* Fills up to n entries (one per loaded program); returns how many, or -1 if stats are off. */
int session_prog_costs(const struct session *s, struct prog_cost *out, int n);

/*
 * The timeline (session_cfg.timeline): exits per (VM, time bin, vCPU, ISA, reason).
 * Bin k of a VM covers [t0 + k*bin_ns, t0 + (k+1)*bin_ns), t0 = the VM's first kvm_entry seen
 * (or its first kvm_exit, when exitprof attached while it ran): ep_bin() in exitprof_agg.h.
 * A cell's count is the exits that began in the bin; its total_ns their exit->next-entry time
 * (added when the entry came). The map holds session_cfg.timeline_keys cells (default 65536,
 * 20-byte key + 16 bytes per CPU each); cells that did not fit are counted in
 * stats[EXITPROF_STAT_DROP_TIMELINE] (and [EXITPROF_STAT_DROP_VMS] when more than
 * EXITPROF_MAX_VMS VMs were seen), never lost silently.
 */
/* Calls cb once per cell, per-CPU values summed, unsorted: see collect_timeline(). */
int session_timeline_cells(struct session *s, collect_cell_fn cb, void *ctx);

/* t0 of a VM (bin 0 start, CLOCK_MONOTONIC ns). Returns 0, or -1 if the VM was never seen. */
int session_vm_start(struct session *s, uint32_t tgid, uint64_t *t0_ns);

/* The size of the exits map for ncpus CPUs: EXITPROF_MAX_KEYS, lowered so that the per-CPU
 * values stay within 64 MiB of kernel memory (at least 256 keys). */
uint32_t session_max_keys(int ncpus);

#endif
