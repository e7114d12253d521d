/* Command-line options of `exitprof` and their validation (no privileges needed: unit-tested). */
#ifndef EXITPROF_ARGS_H
#define EXITPROF_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "exit_table.h"

struct args {
	int vm_pid;	     /* --vm PID; 0 with --all */
	bool all;	     /* --all */
	int64_t vcpu;	     /* --vcpu N; -1 = every vCPU */
	bool per_vcpu;	     /* --per-vcpu */
	double interval_s;   /* --interval S; 0 = only the final summary */
	double duration_s;   /* --duration S; 0 = until Ctrl-C / SIGTERM / the VM exits */
	enum exit_sort sort; /* --sort */
	const char *csv;     /* --csv FILE, "-" = stdout, NULL = none */
	const char *json;    /* --json FILE, "-" = stdout, NULL = none */
	bool verbose;	     /* --verbose: libbpf's log on stderr */
	bool bpf_stats;	     /* --bpf-stats: kernel-measured cost of each BPF program, at the end */
	const char *timeline; /* --timeline FILE: the VM's exit timeline CSV (user/timeline/record.c), NULL = none */
	uint64_t bin_ns;     /* --bin MS of the timeline, in ns; 0 = default (10 ms) */
	const char *metrics; /* --metrics [ADDR:]PORT: serve Prometheus metrics over HTTP, NULL = no */
	uint32_t metrics_addr; /* its IPv4 address, network order (default 127.0.0.1) */
	uint16_t metrics_port;
	const char *metrics_file; /* --metrics-file FILE: the same, written atomically, NULL = no */
	uint32_t max_keys;   /* --max-keys N: size of the exits map; 0 = default (session_max_keys) */
	bool time_split;     /* --time-split: exit path / VMM / entry path / run-queue wait */
};

/* --max-keys bounds: one key is one (VM, vCPU, ISA, reason) row. */
#define ARGS_MAX_KEYS_MAX (1u << 20)

/* How often --metrics-file is rewritten when no --interval is given. */
#define ARGS_METRICS_FILE_PERIOD_S 10.0

/* "[ADDR:]PORT" (ADDR an IPv4 address, default 127.0.0.1; PORT 1..65535) -> network-order address
 * and port. 0, or -1. */
int args_parse_listen(const char *s, uint32_t *addr, uint16_t *port);

#define ARGS_ERR_MAX 256

/*
 * Parses argv into *a. Returns 0 on success; on a bad value or combination, returns 2 and writes
 * one line (cause and fix, no trailing newline) into err. argp's own handling of --help,
 * --usage, --version and unknown options prints and exits (status 0 or 2) unless no_exit, in
 * which case unknown options also return 2 (with err set).
 */
int args_parse(int argc, char **argv, struct args *a, char *err, size_t errlen, bool no_exit);

/* Options every command that takes them parses and words alike (exitprof, record, compare). */
#define ARGS_SECONDS_MAX 1e7 /* --interval, --duration: number_parse_positive() up to this */
#define ARGS_BAD_DURATION "--duration '%s' is not a positive number of seconds: use e.g. --duration 10"
#define ARGS_BAD_VM "--vm '%s' is not a process id: give the VMM's pid, e.g. --vm $(pgrep -f qemu-system)"
int args_parse_pid(const char *s, int *pid); /* 1..INT_MAX, decimal */

/* The timeline's bin width, --bin MS of exitprof and of exitprof record (number.h syntax). */
#define ARGS_BIN_MS_MIN 0.001
#define ARGS_BIN_MS_MAX 3600e3
#define ARGS_BIN_FIX "give milliseconds from 0.001 to 3600000, e.g. --bin 10"
int args_parse_bin(const char *s, uint64_t *bin_ns);

#endif
