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
	bool compare_cpuid;  /* --compare-cpuid: patch counters vs BPF (user/compare/compare_run.c) */
	bool late_attach;    /* --late-attach: test hook of --compare-cpuid */
	const char *timeline; /* --timeline FILE: the VM's exit timeline CSV (user/timeline/record.c), NULL = none */
	uint64_t bin_ns;     /* --bin MS of the timeline, in ns; 0 = default (10 ms) */
};

#define ARGS_ERR_MAX 256

/*
 * Parses argv into *a. Returns 0 on success; on a bad value or combination, returns 2 and writes
 * one line (cause and fix, no trailing newline) into err. argp's own handling of --help,
 * --usage, --version and unknown options prints and exits (status 0 or 2) unless no_exit, in
 * which case unknown options also return 2 (with err set).
 */
int args_parse(int argc, char **argv, struct args *a, char *err, size_t errlen, bool no_exit);

/* Strict number parsers used by args_parse (exported for tests). 0 on success, -1 otherwise. */
int args_parse_seconds(const char *s, double *out); /* > 0, finite, <= 1e7, decimal */
int args_parse_uint(const char *s, int64_t max, int64_t *out); /* 0..max, decimal digits only */

#endif
