/* Timeline bins: merge, and the CSV writer/reader (schema in timeline_csv.h). */
#include "timeline_csv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

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

int tl_write_csv(FILE *f, struct tl_table *t)
{
	char t_ms[48], name[EXIT_REASON_NAME_MAX];
	uint64_t next_bin = 0; /* first bin not yet written */

	tl_table_merge(t);
	fputs(TL_CSV_HEADER "\r\n", f);
	for (size_t i = 0; i < t->n; i++) {
		const struct tl_record *r = &t->rows[i];
		/* Bins with no exit at all between the previous row and this one. */
		for (; next_bin < r->bin; next_bin++) {
			tl_format_t_ms(next_bin, t->bin_ns, t_ms, sizeof(t_ms));
			fprintf(f, "%s,,,,,0,0\r\n", t_ms);
		}
		next_bin = r->bin + 1;
		tl_format_t_ms(r->bin, t->bin_ns, t_ms, sizeof(t_ms));
		exit_reason_format(r->isa, r->reason, name, sizeof(name));
		fprintf(f, "%s,%" PRIu32 ",%s,%" PRIu32 ",", t_ms, r->vcpu, exit_isa_text(r->isa), r->reason);
		csv_write_field(f, name);
		fprintf(f, ",%" PRIu64 ",%" PRIu64 "\r\n", r->count, r->time_ns);
	}
	if (fflush(f) || ferror(f)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* ---- reader ---- */

#define TL_NFIELDS 7

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

int tl_read_csv(FILE *f, int (*row_cb)(const struct tl_csv_row *row, void *ctx), void *ctx,
		char *err, size_t errlen)
{
	char fields[TL_NFIELDS][CSV_FIELD_MAX];
	int lines = 0, nf, rc;
	static const char *const names[TL_NFIELDS] = { "t_ms", "vcpu", "isa", "reason",
						       "reason_name", "count", "time_ns" };

	nf = csv_read_record(f, fields, TL_NFIELDS, 0, &lines);
	for (int i = 0; i < TL_NFIELDS; i++) {
		if (nf != TL_NFIELDS || strcmp(fields[i], names[i])) {
			snprintf(err, errlen, "line 1: header is not \"%s\"", TL_CSV_HEADER);
			return -1;
		}
	}
	for (;;) {
		struct tl_csv_row row;
		uint64_t v;
		char *end;
		int line = lines + 1; /* physical line the record starts on */

		nf = csv_read_record(f, fields, TL_NFIELDS, 0, &lines);
		if (nf == 0)
			break;

		memset(&row, 0, sizeof(row));
		if (nf != TL_NFIELDS) {
			snprintf(err, errlen, "line %d: expected %d fields", line, TL_NFIELDS);
			return -1;
		}
		row.t_ms = strtod(fields[0], &end);
		if (end == fields[0] || *end || row.t_ms < 0) {
			snprintf(err, errlen, "line %d: bad t_ms \"%s\"", line, fields[0]);
			return -1;
		}
		row.has_cell = fields[1][0] != '\0';
		if (row.has_cell) {
			if (parse_u64(fields[1], &v) || v > UINT32_MAX) {
				snprintf(err, errlen, "line %d: bad vcpu \"%s\"", line, fields[1]);
				return -1;
			}
			row.vcpu = (uint32_t)v;
			if (parse_u64(fields[3], &v) || v > UINT32_MAX) {
				snprintf(err, errlen, "line %d: bad reason \"%s\"", line, fields[3]);
				return -1;
			}
			row.reason = (uint32_t)v;
			memcpy(row.isa, fields[2], sizeof(row.isa));
			memcpy(row.reason_name, fields[4], sizeof(row.reason_name));
		}
		if (parse_u64(fields[5], &row.count) || parse_u64(fields[6], &row.time_ns)) {
			snprintf(err, errlen, "line %d: bad count/time_ns", line);
			return -1;
		}
		rc = row_cb(&row, ctx);
		if (rc)
			return rc;
	}
	return 0;
}
