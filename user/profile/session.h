/* The BPF side of one exitprof run: open, configure, load, attach, read, detach.
 * Every path out of a session ends in session_close(), which detaches everything. */
#ifndef EXITPROF_SESSION_H
#define EXITPROF_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "exit_table.h"
#include "preflight.h"

struct exitprof_bpf;

struct session_cfg {
	uint32_t tgid;		  /* 0 = every VM */
	uint32_t vcpu;		  /* EXITPROF_VCPU_ANY = every vCPU */
	struct tp_avail tp;	  /* optional tracepoints present (from preflight) */
	bool timeline;		  /* fill the timeline map (issue 6) */
	uint64_t bin_ns;	  /* timeline bin width; 0 = default */
	uint32_t timeline_keys;	  /* timeline map size; 0 = default */
	bool verbose;		  /* libbpf messages to stderr */
	bool bpf_stats;		  /* kernel-measured run time of each program (BPF_ENABLE_STATS) */
};

struct session {
	struct exitprof_bpf *obj;
	int ncpus;
	uint32_t max_keys;	/* size the exits map got */
	bool attached;
	int stats_fd;		/* BPF_ENABLE_STATS handle, -1 = off */
};

/* Run statistics of one program, measured by the kernel (bpf_stats). */
struct prog_cost {
	const char *name;
	uint64_t run_cnt;
	uint64_t run_time_ns;
	uint64_t recursion_misses; /* runs skipped because another BPF program ran on that CPU */
};

/* Opens, loads and attaches. On failure: -1, one line in err, and nothing left loaded. */
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

/* Map fds for other readers (timeline.h), -1 if not open. */
int session_timeline_fd(const struct session *s);
int session_vm_start_fd(const struct session *s);

/* The size of the exits map for ncpus CPUs: EXITPROF_MAX_KEYS, lowered so that the per-CPU
 * values stay within 64 MiB of kernel memory (at least 256 keys). */
uint32_t session_max_keys(int ncpus);

#endif
