/* Timeline bins: merge, and the CSV writer/reader (schema in timeline_csv.h). */
#include "timeline_csv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "number.h"
#include "reasons.h"

void tl_table_init(struct tl_table *t, uint64_t bin_ns)
{
	memset(t, 0, sizeof(*t));
	t->bin_ns = bin_ns ? bin_ns : 1;
	t->sorted = 1;
}

void tl_table_free(struct tl_table *t)
{
	free(t->rows);
	t->rows = NULL;
	t->n = t->cap = 0;
}

int tl_table_add(struct tl_table *t, const struct tl_record *r)
{
	if (!r->count && !r->time_ns)
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct tl_record *rows = realloc(t->rows, cap * sizeof(*rows));
		if (!rows)
			return -1;
		t->rows = rows;
		t->cap = cap;
	}
	t->rows[t->n++] = *r;
	t->sorted = 0;
	return 0;
}

static int cmp_key(const void *pa, const void *pb)
{
	const struct tl_record *a = pa, *b = pb;
	if (a->bin != b->bin)
		return a->bin < b->bin ? -1 : 1;
	if (a->vcpu != b->vcpu)
		return a->vcpu < b->vcpu ? -1 : 1;
	if (a->isa != b->isa)
		return a->isa < b->isa ? -1 : 1;
	if (a->reason != b->reason)
		return a->reason < b->reason ? -1 : 1;
	return 0;
}

void tl_table_merge(struct tl_table *t)
{
	size_t out = 0;

	if (t->sorted)
		return;
	if (t->n)
		qsort(t->rows, t->n, sizeof(*t->rows), cmp_key);
	for (size_t i = 0; i < t->n; i++) {
		if (out && cmp_key(&t->rows[out - 1], &t->rows[i]) == 0) {
			t->rows[out - 1].count += t->rows[i].count;
			t->rows[out - 1].time_ns += t->rows[i].time_ns;
		} else {
			t->rows[out++] = t->rows[i];
		}
	}
	t->n = out;
	t->sorted = 1;
}

void tl_format_t_ms(uint64_t bin, uint64_t bin_ns, char *buf, size_t len)
{
	/* Exact decimal: ns = bin * bin_ns may exceed 64 bits only after ~584 years. */
	uint64_t ns = bin * bin_ns;
	if (bin_ns % 1000000 == 0)
		snprintf(buf, len, "%" PRIu64, ns / 1000000);
	else
		snprintf(buf, len, "%" PRIu64 ".%06" PRIu64, ns / 1000000, ns % 1000000);
}

const char *const tl_columns[TL_NCOLUMNS] = { "t_ms", "vcpu", "isa", "reason", "reason_name", "count", "time_ns" };

const char *tl_csv_header(void)
{
	static char header[128];

	if (!header[0])
		for (int c = 0; c < TL_NCOLUMNS; c++)
			snprintf(header + strlen(header), sizeof(header) - strlen(header), "%s%s", c ? "," : "",
				 tl_columns[c]);
	return header;
}

/* Column c of a record; cell = 0 for the row of a bin in which nothing exited. */
static enum csv_value tl_value(int c, const struct tl_record *r, int cell, uint64_t bin_ns, char *buf, size_t len)
{
	switch (c) {
	case TL_T_MS:
		tl_format_t_ms(r->bin, bin_ns, buf, len);
		return CSV_NUMBER;
	case TL_VCPU:
		snprintf(buf, len, "%" PRIu32, r->vcpu);
		return cell ? CSV_NUMBER : CSV_EMPTY;
	case TL_ISA:
		snprintf(buf, len, "%s", exit_isa_text(r->isa));
		return cell ? CSV_TEXT : CSV_EMPTY;
	case TL_REASON:
		snprintf(buf, len, "%" PRIu32, r->reason);
		return cell ? CSV_NUMBER : CSV_EMPTY;
	case TL_REASON_NAME:
		exit_reason_format(r->isa, r->reason, buf, len);
		return cell ? CSV_TEXT : CSV_EMPTY;
	case TL_COUNT:
		snprintf(buf, len, "%" PRIu64, r->count);
		return CSV_NUMBER;
	case TL_TIME_NS:
		snprintf(buf, len, "%" PRIu64, r->time_ns);
		return CSV_NUMBER;
	}
	return CSV_EMPTY;
}

static void tl_write_row(FILE *f, const struct tl_record *r, int cell, uint64_t bin_ns)
{
	char buf[48];

	for (int c = 0; c < TL_NCOLUMNS; c++) {
		if (c)
			fputc(',', f);
		csv_write_value(f, tl_value(c, r, cell, bin_ns, buf, sizeof(buf)), buf);
	}
	fputs("\r\n", f);
}

int tl_write_csv(FILE *f, struct tl_table *t)
{
	uint64_t next_bin = 0; /* first bin not yet written */

	tl_table_merge(t);
	csv_write_header(f, tl_columns, TL_NCOLUMNS);
	for (size_t i = 0; i < t->n; i++) {
		const struct tl_record *r = &t->rows[i];

		/* Bins with no exit at all between the previous row and this one. */
		for (; next_bin < r->bin; next_bin++)
			tl_write_row(f, &(struct tl_record){ .bin = next_bin }, 0, t->bin_ns);
		next_bin = r->bin + 1;
		tl_write_row(f, r, 1, t->bin_ns);
	}
	if (fflush(f) || ferror(f)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* ---- reader ---- */

#define TL_MAX_FIELDS 32 /* columns a reader accepts: the known ones, in any order, and others */

static int parse_u64(const char *s, uint64_t *v)
{
	int64_t n;

	if (number_parse_uint(s, INT64_MAX, &n))
		return -1;
	*v = (uint64_t)n;
	return 0;
}

int tl_read_csv(FILE *f, int (*row_cb)(const struct tl_csv_row *row, void *ctx), void *ctx,
		char *err, size_t errlen)
{
	char fields[TL_MAX_FIELDS][CSV_FIELD_MAX];
	int lines = 0, nf, header_nf, rc, col[TL_NCOLUMNS];
	const char *missing;

	header_nf = csv_read_record(f, fields, TL_MAX_FIELDS, 0, &lines);
	if (header_nf > TL_MAX_FIELDS || csv_find_columns(fields, header_nf < 0 ? 0 : header_nf, tl_columns,
							  TL_NCOLUMNS, col, &missing)) {
		snprintf(err, errlen, "line 1: the header has no column \"%s\" (a timeline has %s)",
			 header_nf > TL_MAX_FIELDS ? "..." : missing, tl_csv_header());
		return -1;
	}
	for (;;) {
		struct tl_csv_row row;
		uint64_t v;
		char *end;
		int line = lines + 1; /* physical line the record starts on */
		const char *t_ms = fields[col[TL_T_MS]], *vcpu = fields[col[TL_VCPU]],
			   *reason = fields[col[TL_REASON]];

		nf = csv_read_record(f, fields, TL_MAX_FIELDS, 0, &lines);
		if (nf == 0)
			break;

		memset(&row, 0, sizeof(row));
		if (nf != header_nf) {
			snprintf(err, errlen, "line %d: expected %d fields", line, header_nf);
			return -1;
		}
		row.t_ms = strtod(t_ms, &end);
		if (end == t_ms || *end || row.t_ms < 0) {
			snprintf(err, errlen, "line %d: bad t_ms \"%.*s%s\"", line, CSV_FIELD_ONE_LINE(t_ms));
			return -1;
		}
		row.has_cell = vcpu[0] != '\0';
		if (row.has_cell) {
			if (parse_u64(vcpu, &v) || v > UINT32_MAX) {
				snprintf(err, errlen, "line %d: bad vcpu \"%.*s%s\"", line, CSV_FIELD_ONE_LINE(vcpu));
				return -1;
			}
			row.vcpu = (uint32_t)v;
			if (parse_u64(reason, &v) || v > UINT32_MAX) {
				snprintf(err, errlen, "line %d: bad reason \"%.*s%s\"", line, CSV_FIELD_ONE_LINE(reason));
				return -1;
			}
			row.reason = (uint32_t)v;
			memcpy(row.isa, fields[col[TL_ISA]], sizeof(row.isa));
			memcpy(row.reason_name, fields[col[TL_REASON_NAME]], sizeof(row.reason_name));
		}
		if (parse_u64(fields[col[TL_COUNT]], &row.count) || parse_u64(fields[col[TL_TIME_NS]], &row.time_ns)) {
			snprintf(err, errlen, "line %d: bad count/time_ns", line);
			return -1;
		}
		rc = row_cb(&row, ctx);
		if (rc)
			return rc;
	}
	return 0;
}
