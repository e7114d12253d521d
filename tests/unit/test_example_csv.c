/* The example timeline kept under docs/examples/ (a real Debian boot in the lab; how it was made
 * is in docs/boot-analysis.md) against today's code:
 *  - the reader (tl_read_csv) parses every row of it;
 *  - the writer (tl_write_csv), given what was read, writes the file again byte for byte: a
 *    change of the CSV (columns or their order, number format, names, quoting, line ends, empty
 *    bins) breaks this test until the example is recorded again;
 *  - `exitprof plot`'s loader takes it with its phase marks, and its totals are the reader's.
 * Usage: test_example_csv TIMELINE.csv MARKS.csv */
#define _GNU_SOURCE
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "reasons.h"
#include "timeline_csv.h"

#include "check.h"

/* What the reader handed over, before the bin width is known. */
struct rows {
	struct tl_csv_row *v;
	size_t n, cap;
	uint64_t count;
};

static int keep_row(const struct tl_csv_row *row, void *ctx)
{
	struct rows *r = ctx;

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 1024;
		void *v = realloc(r->v, cap * sizeof(*r->v));
		if (!v)
			return 1;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = *row;
	r->count += row->count;
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	char *text = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "r");
	ssize_t n;

	CHECK(f != NULL, "cannot open %s", path);
	if (!f)
		return NULL;
	n = getdelim(&text, &cap, '\0', f);
	fclose(f);
	CHECK(n > 0, "cannot read %s", path);
	*len = n > 0 ? (size_t)n : 0;
	return text;
}

/* The ISA number whose word the writer writes (exit_isa_text), or -1. */
static int isa_of_text(const char *text)
{
	static const unsigned isas[] = { EXIT_ISA_VMX, EXIT_ISA_SVM, 0 };

	for (size_t i = 0; i < sizeof(isas) / sizeof(isas[0]); i++)
		if (!strcmp(exit_isa_text(isas[i]), text))
			return (int)isas[i];
	return -1;
}

/* Line number (from 1) and text of the first line where a and b differ. */
static void first_difference(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, line = 1, start = 0;

	while (i < alen && i < blen && a[i] == b[i]) {
		if (a[i] == '\n') {
			line++;
			start = i + 1;
		}
		i++;
	}
	fprintf(stderr, "  first difference on line %zu:\n  file:    %.*s\n  written: %.*s\n", line,
		(int)strcspn(a + start, "\r\n"), a + start, (int)strcspn(b + start, "\r\n"), b + start);
}

int main(int argc, char **argv)
{
	struct rows r = { 0 };
	struct tl_table t;
	struct plot_data d;
	char err[256] = "", *text, *again = NULL;
	size_t len = 0, again_len = 0;
	double bin_ms = 0, last_t = 0;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: test_example_csv TIMELINE.csv MARKS.csv\n");
		return 2;
	}
	text = slurp(argv[1], &len);
	if (!text)
		return 1;
	CHECK(len > strlen(tl_csv_header()) && !strncmp(text, tl_csv_header(), strlen(tl_csv_header())) &&
		      !strncmp(text + strlen(tl_csv_header()), "\r\n", 2),
	      "%s does not start with the writer's header line %s", argv[1], tl_csv_header());

	/* The reader. */
	f = fmemopen(text, len, "r");
	CHECK(tl_read_csv(f, keep_row, &r, err, sizeof(err)) == 0, "%s: %s", argv[1], err);
	fclose(f);
	CHECK(r.n > 0 && r.count > 0, "%s: no exits read", argv[1]);

	/* The bin width: the spacing of the bins (every bin has a row). */
	for (size_t i = 1; i < r.n; i++) {
		double w = r.v[i].t_ms - r.v[i - 1].t_ms;
		CHECK(w >= 0, "%s: t_ms goes back at data row %zu", argv[1], i + 1);
		if (w > 0 && (bin_ms == 0 || w < bin_ms))
			bin_ms = w;
	}
	CHECK(bin_ms > 0, "%s: fewer than two bins", argv[1]);
	if (r.n)
		last_t = r.v[r.n - 1].t_ms;

	/* The writer, from what was read: the same bytes. */
	tl_table_init(&t, (uint64_t)llround(bin_ms * 1e6));
	for (size_t i = 0; i < r.n; i++) {
		const struct tl_csv_row *row = &r.v[i];
		int isa = row->has_cell ? isa_of_text(row->isa) : 0;
		struct tl_record rec = { .bin = (uint64_t)llround(row->t_ms / bin_ms), .vcpu = row->vcpu,
					 .reason = row->reason, .count = row->count, .time_ns = row->time_ns };

		CHECK(isa >= 0, "%s: data row %zu: isa \"%s\" is none the writer writes", argv[1], i + 1, row->isa);
		CHECK(!row->has_cell || row->count > 0, "%s: data row %zu: a cell without exits", argv[1], i + 1);
		rec.isa = isa < 0 ? 0 : (uint32_t)isa;
		if (row->has_cell)
			CHECK_C(tl_table_add(&t, &rec) == 0);
	}
	f = open_memstream(&again, &again_len);
	CHECK_C(f && tl_write_csv(f, &t) == 0);
	fclose(f);
	CHECK(again_len == len && !memcmp(again, text, len),
	      "%s is not what today's writer writes for the same cells (%zu bytes against %zu): record the example again (docs/boot-analysis.md)",
	      argv[1], len, again_len);
	if (again_len != len || memcmp(again, text, len))
		first_difference(text, len, again, again_len);

	/* `exitprof plot`'s loader, with the marks. */
	f = fmemopen(text, len, "r");
	CHECK(plot_load_csv(f, &d, err, sizeof(err)) == 0, "plot: %s: %s", argv[1], err);
	fclose(f);
	CHECK(d.total == r.count, "plot: %" PRIu64 " exits, the reader %" PRIu64, d.total, r.count);
	CHECK(d.nbins == (size_t)llround(last_t / bin_ms) + 1 && d.bin_ms == bin_ms,
	      "plot: %zu bins of %g ms, the reader's %g ms up to %g ms", d.nbins, d.bin_ms, bin_ms, last_t);
	f = fopen(argv[2], "r");
	CHECK(f != NULL, "cannot open %s", argv[2]);
	if (f) {
		CHECK(plot_load_marks(f, &d, err, sizeof(err)) == 0, "plot: %s: %s", argv[2], err);
		fclose(f);
		CHECK(d.nmarks > 0, "%s: no marks", argv[2]);
		for (size_t i = 0; i < d.nmarks; i++)
			CHECK(d.marks[i].t_ms >= 0 && d.marks[i].t_ms <= last_t + bin_ms,
			      "%s: mark '%s' at %g ms lies outside the timeline (0 to %g ms)", argv[2],
			      d.marks[i].label, d.marks[i].t_ms, last_t + bin_ms);
	}
	printf("%s: %zu rows, %" PRIu64 " exits in %zu bins of %g ms, %zu marks\n", argv[1], r.n, r.count,
	       d.nbins, bin_ms, d.nmarks);

	plot_data_free(&d);
	tl_table_free(&t);
	free(again);
	free(text);
	free(r.v);
	return test_result("test_example_csv");
}
