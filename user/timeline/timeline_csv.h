/* The boot timeline as a table of time bins, and its CSV form.
 *
 * A timeline record is one (bin, vcpu, isa, reason) cell: how many exits of that reason
 * started in that bin on that vCPU, and the exit->entry time they took. The BPF side hands
 * them over per CPU and unordered; this file merges them, sorts them, and
 * writes/reads the CSV that `exitprof record` produces and `exitprof plot` consumes.
 *
 * The CSV: RFC 4180 (common/csv.h), the columns of tl_columns[] below; what each one means is
 * in docs/boot-analysis.md, which test_schemas keeps equal to tl_columns[].
 *
 * Rows are sorted by t_ms, vcpu, isa, reason. Only cells with exits get a row, EXCEPT that
 * every bin from 0 to the last one appears at least once: a bin in which no vCPU exited
 * gets one row "t_ms,,,,,0,0" (empty = missing, read as NA/NaN by R and pandas) so that the
 * time axis has no holes and sums over count/time_ns stay exact.
 */
#ifndef EXITPROF_TIMELINE_CSV_H
#define EXITPROF_TIMELINE_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "csv.h"

/* The columns, written once: header, writer, reader and the check of docs/boot-analysis.md
 * (tests/unit/test_schemas.c) use these names; readers find them by name. */
enum tl_column { TL_T_MS, TL_VCPU, TL_ISA, TL_REASON, TL_REASON_NAME, TL_COUNT, TL_TIME_NS, TL_NCOLUMNS };
extern const char *const tl_columns[TL_NCOLUMNS];

/* The header line, without its line end: "t_ms,vcpu,...". */
const char *tl_csv_header(void);

struct tl_record {
	uint64_t bin;     /* (exit time - first VM-entry) / bin_ns */
	uint32_t vcpu;
	uint32_t isa;     /* EXIT_ISA_VMX, EXIT_ISA_SVM, or 0 if unknown */
	uint32_t reason;
	uint64_t count;
	uint64_t time_ns;
};

struct tl_table {
	struct tl_record *rows;
	size_t n, cap;
	uint64_t bin_ns;  /* bin width; > 0 */
	int sorted;       /* rows sorted by key and free of duplicate keys */
};

/* An empty table with the given bin width (> 0). */
void tl_table_init(struct tl_table *t, uint64_t bin_ns);
void tl_table_free(struct tl_table *t);

/* Appends a record; records with the same key are summed by tl_table_merge().
 * Records with count == 0 and time_ns == 0 are ignored. Returns 0, or -1 on ENOMEM. */
int tl_table_add(struct tl_table *t, const struct tl_record *r);

/* Sorts by (bin, vcpu, isa, reason) and sums records with equal keys. */
void tl_table_merge(struct tl_table *t);

/* Writes t_ms of a bin into buf (see schema). */
void tl_format_t_ms(uint64_t bin, uint64_t bin_ns, char *buf, size_t len);

/* Merges t, then writes the header and all rows (with empty-bin rows). Returns 0, or -1
 * with errno set on a write error (the caller names the file). */
int tl_write_csv(FILE *f, struct tl_table *t);

/* One parsed CSV data row, for readers (plot, tests). Empty-bin rows have has_cell = 0. */
struct tl_csv_row {
	double t_ms;
	int has_cell;
	uint32_t vcpu, reason;
	char isa[CSV_FIELD_MAX];
	char reason_name[CSV_FIELD_MAX];
	uint64_t count, time_ns;
};

/* Reads a CSV written by tl_write_csv (LF or CRLF line ends, quoted fields; columns found by
 * their header names, in any order, other columns ignored).
 * Calls row_cb for each data row; stops with its non-zero return. Returns 0 on success,
 * the callback's value, or -1 with a one-line reason in err (header mismatch, bad field:
 * "line N: ..."). */
int tl_read_csv(FILE *f, int (*row_cb)(const struct tl_csv_row *row, void *ctx), void *ctx,
		char *err, size_t errlen);

#endif
