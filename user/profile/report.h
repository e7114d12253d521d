/* Output writers: the human table, CSV and JSON lines. They take in-memory tables only (no BPF),
 * so tests can feed them known data and parse the result back. Columns: docs/output.md. */
#ifndef EXITPROF_REPORT_H
#define EXITPROF_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "exit_table.h"

/* One report: a window of the profile. */
struct report {
	const char *kind; /* "interval" (deltas since the previous report) or "total" */
	double time_s;	  /* seconds since profiling started, at the end of the window */
	double window_s;  /* length of the window in seconds */
	/* Names VMs in the table; NULL = pid only. */
	void (*comm)(int pid, char *buf, size_t len);
};

#define REPORT_CSV_HEADER \
	"time_s,kind,tgid,vcpu,isa,reason,reason_name,count,timed,total_ns,kernel_ns,user_ns,halt_ns," \
	"min_ns,avg_ns,p50_ns,p99_ns,max_ns"

/* The table, one block per VM (per vCPU with per_vcpu). t must be per-vCPU rows (as collected);
 * grouping and sorting happen here. Returns 0 or -1 (ENOMEM). */
int report_table(FILE *f, const struct exit_table *t, const struct report *r, bool per_vcpu,
		 enum exit_sort sort);

/* CSV (RFC 4180, CRLF line ends): header once, then one row per (tgid, vcpu, isa, reason) of t
 * per report. Return 0, or -1 on a write error. */
int report_csv_header(FILE *f);
int report_csv_rows(FILE *f, const struct exit_table *t, const struct report *r);

/* JSON lines: one JSON object (one line) per report. Returns 0, or -1 on a write error. */
int report_json(FILE *f, const struct exit_table *t, const struct report *r);

/* "850ns", "12.3us", "4.56ms", "1.23s" (3 significant digits). */
void report_fmt_ns(uint64_t ns, char *buf, size_t len);

#endif
