/* Unit tests of `exitprof plot`'s data side: pivoting a timeline CSV per reason, folding small
 * reasons into "other", the bin width, the gnuplot script's data block (its stacked columns and
 * cumulative column must add up to the CSV's counts), and, if gnuplot is installed, a real SVG. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plot.h"
#include "reasons.h"
#include "timeline_csv.h"

#include "check.h"


#define NBINS 50
#define BIN_NS 2000000ull /* 2 ms */

/* A synthetic boot: reason r has (bin % (r+2)) exits in each bin, on two vCPUs, bins 20..24
 * empty. want[r] are the totals, computed while generating. */
static const uint32_t reasons[] = { 0x400, 0x7b, 0x60, 0x72, 0x64, 0x7c, 0x78, 0x6e, 0x79, 0x65 };
#define NREASONS (sizeof(reasons) / sizeof(reasons[0]))

static char *make_csv(uint64_t want[NREASONS], uint64_t *total)
{
	struct tl_table t;
	char *buf = NULL;
	size_t len = 0;

	tl_table_init(&t, BIN_NS);
	*total = 0;
	for (size_t r = 0; r < NREASONS; r++) {
		want[r] = 0;
		for (uint64_t b = 0; b < NBINS; b++) {
			if (b >= 20 && b < 25)
				continue;
			for (uint32_t v = 0; v < 2; v++) {
				struct tl_record rec = { b, v, EXIT_ISA_SVM, reasons[r], b % (r + 2), 7 };
				tl_table_add(&t, &rec);
				want[r] += rec.count;
			}
		}
		*total += want[r];
	}
	FILE *f = open_memstream(&buf, &len);
	CHECK_C(tl_write_csv(f, &t) == 0);
	fclose(f);
	tl_table_free(&t);
	return buf;
}

static void test_pivot_and_script(void)
{
	uint64_t want[NREASONS], total;
	char err[256] = "", name[EXIT_REASON_NAME_MAX];
	struct plot_data d;
	char *csv = make_csv(want, &total);
	FILE *f = fmemopen(csv, strlen(csv), "r");

	CHECK_C(plot_load_csv(f, &d, err, sizeof(err)) == 0);
	fclose(f);
	CHECK_C(d.nbins == NBINS);       /* empty bins kept */
	CHECK_C(d.bin_ms == BIN_NS / 1e6);
	CHECK_C(d.total == total);
	CHECK_C(d.nseries == NREASONS);
	for (size_t s = 1; s < d.nseries; s++)
		CHECK_C(d.series[s - 1].total >= d.series[s].total);
	for (size_t r = 0; r < NREASONS; r++) {
		exit_reason_format(EXIT_ISA_SVM, reasons[r], name, sizeof(name));
		int found = 0;
		for (size_t s = 0; s < d.nseries; s++)
			if (!strcmp(d.series[s].name, name))
				{
				found = 1;
				CHECK_C(d.series[s].total == want[r]);
			}
		CHECK_C(found);
	}

	/* --bin refused, the bins untouched: not a multiple, or longer than the whole timeline (1e300
	 * ms: no size_t holds that factor). */
	CHECK_C(plot_widen_to(&d, 1.5 * (BIN_NS / 1e6), err, sizeof(err)) == -1 && strstr(err, "not a multiple"));
	CHECK_C(plot_widen_to(&d, (NBINS + 1) * (BIN_NS / 1e6), err, sizeof(err)) == -1 && strstr(err, "longer than"));
	CHECK_C(plot_widen_to(&d, 1e300, err, sizeof(err)) == -1 && strstr(err, "longer than"));
	CHECK_C(d.nbins == NBINS);

	/* Widen by 3: ceil(50 / 3) bins, 3x the width, first bin starts where it did, totals kept. */
	uint64_t before0 = d.series[0].counts[0] + d.series[0].counts[1] + d.series[0].counts[2];
	CHECK_C(plot_widen(&d, 3) == 0);
	CHECK_C(d.nbins == (NBINS + 2) / 3);
	CHECK_C(d.bin_ms == 3 * (BIN_NS / 1e6));
	CHECK_C(d.t_ms[1] == 3 * (BIN_NS / 1e6));
	CHECK_C(d.series[0].counts[0] == before0);
	for (size_t s = 0; s < d.nseries; s++) {
		uint64_t t = 0;
		for (size_t b = 0; b < d.nbins; b++)
			t += d.series[s].counts[b];
		CHECK_C(t == d.series[s].total);
	}
	CHECK_C(plot_widen(&d, 0) == -1);

	/* Fold to 3 + other: totals are preserved. */
	CHECK_C(plot_fold_series(&d, 3) == 0);
	CHECK_C(d.nseries == 4);
	uint64_t sum = 0;
	for (size_t s = 0; s < d.nseries; s++)
		sum += d.series[s].total;
	CHECK_C(sum == total);
	CHECK_C(strncmp(d.series[3].name, "other", 5) == 0);

	/* The script's data block: the last stacked column is the bin's rate, and the last column
	 * at each bin's end is the running total; at the end it must equal the CSV's total. */
	char *script = NULL;
	size_t slen = 0;
	FILE *sf = open_memstream(&script, &slen);
	CHECK_C(plot_write_script(sf, &d, "out.svg", "t") == 0);
	fclose(sf);
	CHECK_C(strstr(script, "set terminal svg") != NULL);
	CHECK_C(strstr(script, "set output 'out.svg'") != NULL);
	char *data = strstr(script, "$data << EOD\n");
	CHECK_C(data != NULL);
	if (data) {
		char *line = strchr(data, '\n') + 1; /* the column comment */
		line = strchr(line, '\n') + 1;
		double rate_sum = 0, last_cum = -1;
		size_t rows = 0;
		while (strncmp(line, "EOD", 3)) {
			double v[16];
			int n = 0;
			char *p = line, *end;
			while (n < 16 && *p != '\n') {
				v[n++] = strtod(p, &end);
				p = end;
			}
			CHECK_C(n == (int)d.nseries + 3);
			if (rows % 2 == 0)
				rate_sum += v[n - 2];
			last_cum = v[n - 1];
			rows++;
			line = strchr(line, '\n') + 1;
		}
		CHECK_C(rows == 2 * ((NBINS + 2) / 3));
		CHECK_C(last_cum == (double)total);
		/* exits/s * bin seconds, summed over bins == the exits */
		double back = rate_sum * (3 * BIN_NS / 1e9);
		CHECK_C(back > total - 0.5 && back < total + 0.5);
	}
	CHECK_C(plot_write_script(stdout, &d, "out.pdf", "t") == -1);
	free(script);
	plot_data_free(&d);
	free(csv);
}

static void test_marks(void)
{
	struct plot_data d;
	char err[128] = "";
	const char *ok = "t_ms,label\r\n12.5,\"init, marker\"\r\n-3,before\r\n";
	const char *bad = "time,label\n1,a\n";
	const char *reordered = "label,t_ms,source\nkernel,40,console\n"; /* found by name */

	memset(&d, 0, sizeof(d));
	FILE *f = fmemopen((void *)ok, strlen(ok), "r");
	CHECK_C(plot_load_marks(f, &d, err, sizeof(err)) == 0);
	fclose(f);
	CHECK_C(d.nmarks == 2 && d.marks[0].t_ms == 12.5 && !strcmp(d.marks[0].label, "init, marker"));
	plot_data_free(&d);
	f = fmemopen((void *)reordered, strlen(reordered), "r");
	CHECK_C(plot_load_marks(f, &d, err, sizeof(err)) == 0);
	fclose(f);
	CHECK_C(d.nmarks == 1 && d.marks[0].t_ms == 40 && !strcmp(d.marks[0].label, "kernel"));
	plot_data_free(&d);
	f = fmemopen((void *)bad, strlen(bad), "r");
	CHECK_C(plot_load_marks(f, &d, err, sizeof(err)) == -1 && strstr(err, "t_ms"));
	fclose(f);
	plot_data_free(&d);
}

static void test_empty(void)
{
	struct plot_data d;
	char err[128] = "";
	char only_header[128];
	FILE *f;

	snprintf(only_header, sizeof(only_header), "%s\r\n", tl_csv_header());
	f = fmemopen(only_header, strlen(only_header), "r");
	CHECK_C(plot_load_csv(f, &d, err, sizeof(err)) == -1 && strstr(err, "no data"));
	fclose(f);
	plot_data_free(&d);

	/* Bins without a single exit: a timeline with no series at all. */
	char no_exits[256];
	snprintf(no_exits, sizeof(no_exits), "%s\r\n0,,,,,0,0\r\n10,,,,,0,0\r\n", tl_csv_header());
	f = fmemopen(no_exits, strlen(no_exits), "r");
	CHECK(plot_load_csv(f, &d, err, sizeof(err)) == 0, "%s", err);
	CHECK_C(d.nbins == 2 && d.nseries == 0 && d.total == 0 && d.bin_ms == 10);
	fclose(f);
	plot_data_free(&d);
}

/* Both ISAs in one file: every name gets its ISA, whole even when both fields are as long as
 * the CSV reader keeps (CSV_FIELD_MAX - 1 bytes each). */
static void test_mixed_isa_names(void)
{
	char isa[CSV_FIELD_MAX], reason[CSV_FIELD_MAX], want[2 * CSV_FIELD_MAX], csv[512];
	char err[128] = "";
	struct plot_data d;
	FILE *f;

	memset(isa, 'i', sizeof(isa) - 1);
	isa[sizeof(isa) - 1] = '\0';
	memset(reason, 'r', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	snprintf(csv, sizeof(csv), "%s\r\n0,0,vmx,1,EXTERNAL_INTERRUPT,3,0\r\n0,0,%s,2,%s,5,0\r\n",
		 tl_csv_header(), isa, reason);
	f = fmemopen(csv, strlen(csv), "r");
	CHECK(plot_load_csv(f, &d, err, sizeof(err)) == 0, "%s", err);
	fclose(f);
	CHECK_C(d.nseries == 2 && d.total == 8);
	snprintf(want, sizeof(want), "%s %s", isa, reason);
	CHECK(d.nseries == 2 && !strcmp(d.series[0].name, want), "got \"%s\"", d.nseries ? d.series[0].name : "");
	CHECK_C(d.nseries == 2 && !strcmp(d.series[1].name, "vmx EXTERNAL_INTERRUPT"));
	plot_data_free(&d);
}

/* The whole command with gnuplot, when it is there: a non-trivial SVG naming the top reason. */
static void test_render(void)
{
	uint64_t want[NREASONS], total;
	char dir[] = "/tmp/test_plot-XXXXXX", csvp[64], svgp[64], name[EXIT_REASON_NAME_MAX];
	struct stat st;

	if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
		printf("test_plot: gnuplot missing: render test skipped\n");
		return;
	}
	CHECK_C(mkdtemp(dir) != NULL);
	snprintf(csvp, sizeof(csvp), "%s/b.csv", dir);
	snprintf(svgp, sizeof(svgp), "%s/b.svg", dir);
	char *csv = make_csv(want, &total);
	FILE *f = fopen(csvp, "w");
	fputs(csv, f);
	fclose(f);
	char *argv[] = { "plot", csvp, "-o", svgp, NULL };
	CHECK_C(exitprof_plot_main(4, argv) == 0);
	CHECK_C(stat(svgp, &st) == 0 && st.st_size > 10000);
	/* the largest reason (last in the table: most exits) appears in the legend */
	exit_reason_format(EXIT_ISA_SVM, reasons[NREASONS - 1], name, sizeof(name));
	char *svg = malloc(st.st_size + 1);
	f = fopen(svgp, "r");
	size_t n = fread(svg, 1, st.st_size, f);
	svg[n] = '\0';
	fclose(f);
	CHECK_C(strstr(svg, "<svg") && strstr(svg, name));
	free(svg);
	free(csv);
	unlink(csvp);
	unlink(svgp);
	rmdir(dir);
}

int main(void)
{
	test_pivot_and_script();
	test_marks();
	test_empty();
	test_mixed_isa_names();
	test_render();
	return test_result("test_plot");
}
