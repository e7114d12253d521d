/* Output writers: the human table, CSV and JSON lines. They take in-memory tables only (no BPF),
 * so tests can feed them known data and parse the result back. Columns: docs/output.md. */
#ifndef EXITPROF_REPORT_H
#define EXITPROF_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "csv.h"
#include "exit_table.h"

/* One report: a window of the profile. */
struct report {
	const char *kind; /* "interval" (deltas since the previous report) or "total" */
	double time_s;	  /* seconds since profiling started, at the end of the window */
	double window_s;  /* length of the window in seconds */
	/* Names VMs in the table; NULL = pid only. */
	void (*comm)(int pid, char *buf, size_t len);
	bool time_split; /* the split columns were measured (--time-split); else they are empty */
};

/* One column of the summary's CSV rows and JSON row objects (report_columns.c). value() writes
 * the row's value into buf (at least REPORT_VALUE_MAX bytes) and says what it is. */
struct report_column {
	const char *name;
	bool per_report; /* the report's, not the row's: a CSV column, but once per JSON object */
	enum csv_value (*value)(const struct report *r, const struct exit_row *row, char *buf, size_t len);
};
#define REPORT_VALUE_MAX 48

extern const struct report_column report_columns[];
extern const int report_ncolumns;

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
