/* The summary's columns, written once: the CSV header and rows, the JSON row fields and the
 * check of docs/output.md (tests/unit/test_schemas.c) all walk this table. A new column is one
 * line here (and its row in docs/output.md, which the test demands). */
#include <stdio.h>

#include "hist.h"
#include "reasons.h"
#include "report.h"

#define U64(buf, len, v) (snprintf(buf, len, "%llu", (unsigned long long)(v)), CSV_NUMBER)
#define TIMED_U64(row, buf, len, v) ((row)->val.timed > 0 ? U64(buf, len, v) : CSV_EMPTY)

static enum csv_value time_s(const struct report *r, const struct exit_row *row, char *buf, size_t len)
{
	(void)row;
	snprintf(buf, len, "%.3f", r->time_s);
	return CSV_NUMBER;
}

static enum csv_value kind(const struct report *r, const struct exit_row *row, char *buf, size_t len)
{
	(void)row;
	snprintf(buf, len, "%s", r->kind);
	return CSV_TEXT;
}

static enum csv_value tgid(const struct report *r, const struct exit_row *row, char *buf, size_t len)
{
	(void)r;
	return U64(buf, len, row->key.tgid);
}

static enum csv_value vcpu(const struct report *r, const struct exit_row *row, char *buf, size_t len)
{
	(void)r;
	return row->key.vcpu_id == EXITPROF_VCPU_UNKNOWN ? CSV_EMPTY : U64(buf, len, row->key.vcpu_id);
}

static enum csv_value isa(const struct report *r, const struct exit_row *row, char *buf, size_t len)
{
	(void)r;
	snprintf(buf, len, "%s", exit_isa_text(row->key.isa));
	return CSV_TEXT;
}

static enum csv_value reason(const struct report *r, const struct exit_row *row, char *buf, size_t len)
{
	(void)r;
	return U64(buf, len, row->key.reason);
}

static enum csv_value reason_name(const struct report *r, const struct exit_row *row, char *buf, size_t len)
{
	(void)r;
	exit_reason_format(row->key.isa, row->key.reason, buf, len);
	return CSV_TEXT;
}

/* The exact sums and counts of a row. */
#define ROW_U64(fn, expr)                                                                             \
	static enum csv_value fn(const struct report *r, const struct exit_row *row, char *buf,     \
				 size_t len)                                                          \
	{                                                                                             \
		(void)r;                                                                              \
		return U64(buf, len, expr);                                                           \
	}
/* Times of single exits: empty (not applicable) when no exit of the row was timed. */
#define TIMED(fn, expr)                                                                               \
	static enum csv_value fn(const struct report *r, const struct exit_row *row, char *buf,     \
				 size_t len)                                                          \
	{                                                                                             \
		(void)r;                                                                              \
		return TIMED_U64(row, buf, len, expr);                                                \
	}

ROW_U64(count, row->val.count)
ROW_U64(timed, row->val.timed)
ROW_U64(total_ns, row->val.total_ns)
ROW_U64(kernel_ns, exit_row_kernel_ns(row))
ROW_U64(user_ns, row->val.user_ns)
ROW_U64(halt_ns, row->val.halt_ns)
TIMED(min_ns, row->val.min_ns)
TIMED(avg_ns, exit_row_avg_ns(row))
TIMED(p50_ns, hist_percentile(row->val.hist, 50, row->val.min_ns, row->val.max_ns))
TIMED(p99_ns, hist_percentile(row->val.hist, 99, row->val.min_ns, row->val.max_ns))
TIMED(max_ns, row->val.max_ns)

/* --time-split's sums: empty (not measured) without it. */
#define SPLIT(fn, expr)                                                                               \
	static enum csv_value fn(const struct report *r, const struct exit_row *row, char *buf,     \
				 size_t len)                                                          \
	{                                                                                             \
		return r->time_split ? U64(buf, len, expr) : CSV_EMPTY;                               \
	}

SPLIT(exit_path_ns, row->val.exit_path_ns)
SPLIT(vmm_ns, row->val.vmm_ns)
SPLIT(entry_path_ns, row->val.entry_path_ns)
SPLIT(runq_ns, row->val.runq_ns)

const struct report_column report_columns[] = {
	{ "time_s", true, time_s },
	{ "kind", true, kind },
	{ "tgid", false, tgid },
	{ "vcpu", false, vcpu },
	{ "isa", false, isa },
	{ "reason", false, reason },
	{ "reason_name", false, reason_name },
	{ "count", false, count },
	{ "timed", false, timed },
	{ "total_ns", false, total_ns },
	{ "kernel_ns", false, kernel_ns },
	{ "user_ns", false, user_ns },
	{ "halt_ns", false, halt_ns },
	{ "min_ns", false, min_ns },
	{ "avg_ns", false, avg_ns },
	{ "p50_ns", false, p50_ns },
	{ "p99_ns", false, p99_ns },
	{ "max_ns", false, max_ns },
	{ "exit_path_ns", false, exit_path_ns },
	{ "vmm_ns", false, vmm_ns },
	{ "entry_path_ns", false, entry_path_ns },
	{ "runq_ns", false, runq_ns },
};
const int report_ncolumns = (int)(sizeof(report_columns) / sizeof(report_columns[0]));
