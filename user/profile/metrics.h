/* The profile as Prometheus metrics (text exposition format 0.0.4), for fleets: served over HTTP
 * (`--metrics ADDR:PORT`, metrics_http.c) or written to a file for node_exporter's textfile
 * collector (`--metrics-file FILE`). Pure: takes an in-memory table, so tests can check it and
 * `promtool check metrics` can lint it. Metric names and labels: docs/metrics.md.
 *
 * Cardinality is bounded by the BPF map (at most one series set per map key, EXITPROF_MAX_KEYS)
 * and, by default, the vcpu label is left out (vCPUs summed); per_vcpu keeps it.
 */
#ifndef EXITPROF_METRICS_H
#define EXITPROF_METRICS_H

#include <stdbool.h>
#include <stdio.h>
#include "exit_table.h"

struct metrics_prog_cost {
	const char *name;
	unsigned long long runs, run_ns;
};

struct metrics_input {
	const struct exit_table *t;		/* per-vCPU rows, cumulative since the start */
	bool per_vcpu;				/* keep the vcpu label */
	void (*vm_name)(int pid, char *buf, size_t len); /* the vm_name label; NULL = none */
	const struct metrics_prog_cost *costs;	/* BPF program costs (--bpf-stats), or NULL */
	int ncosts;
};

/* Writes the exposition. Returns 0, or -1 (errno) on a write or allocation error. */
int metrics_write(FILE *f, const struct metrics_input *in);

/* Writes the exposition to path atomically: path.tmp, then rename(2) over path, so a reader
 * (node_exporter) never sees half a file. Returns 0, or -1 with errno. */
int metrics_write_file(const char *path, const struct metrics_input *in);

#endif
