/* CSV writer (RFC 4180: CRLF, header, quoting only where needed). Columns: docs/output.md. */
#include <string.h>
#include "hist.h"
#include "reasons.h"
#include "report.h"
#include "csv.h"

int report_csv_header(FILE *f)
{
	fputs(REPORT_CSV_HEADER "\r\n", f);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

/* A number column that is empty (NA) when nothing was timed. */
static void opt_u64(FILE *f, int valid, uint64_t v)
{
	fputc(',', f);
	if (valid)
		fprintf(f, "%llu", (unsigned long long)v);
}

int report_csv_rows(FILE *f, const struct exit_table *t, const struct report *r)
{
	char name[EXIT_REASON_NAME_MAX];

	for (size_t i = 0; i < t->n; i++) {
		const struct exit_row *row = &t->rows[i];
		const struct exit_val *v = &row->val;
		int timed = v->timed > 0;

		fprintf(f, "%.3f,", r->time_s);
		csv_write_field(f, r->kind);
		fprintf(f, ",%u,", row->key.tgid);
		if (row->key.vcpu_id != EXITPROF_VCPU_UNKNOWN)
			fprintf(f, "%u", row->key.vcpu_id);
		fprintf(f, ",%s,%u,", exit_isa_text(row->key.isa), row->key.reason);
		exit_reason_format(row->key.isa, row->key.reason, name, sizeof(name));
		csv_write_field(f, name);
		fprintf(f, ",%llu,%llu", (unsigned long long)v->count, (unsigned long long)v->timed);
		fprintf(f, ",%llu,%llu,%llu,%llu", (unsigned long long)v->total_ns,
			(unsigned long long)exit_row_kernel_ns(row), (unsigned long long)v->user_ns,
			(unsigned long long)v->halt_ns);
		opt_u64(f, timed, v->min_ns);
		opt_u64(f, timed, exit_row_avg_ns(row));
		opt_u64(f, timed, hist_percentile(v->hist, 50, v->min_ns, v->max_ns));
		opt_u64(f, timed, hist_percentile(v->hist, 99, v->min_ns, v->max_ns));
		opt_u64(f, timed, v->max_ns);
		fputs("\r\n", f);
	}
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
