/* `exitprof plot`: timeline CSV -> gnuplot script -> SVG/PNG (see plot.h). */
#define _GNU_SOURCE
#include "plot.h"

#include <argp.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "number.h"
#include "timeline_csv.h"

#define PLOT_DEFAULT_TOP 8
#define PLOT_DEFAULT_BIN_MS 10.0 /* only when the file has a single bin to measure it from */
#define PLOT_MARK_FIELDS 16 /* columns a marks CSV may have (t_ms and label found by name) */
#define PLOT_MAX_BINS 500 /* more bins than pixels per bin: the image aliases; widen to fit */

/* ---- loading ---- */

struct load_ctx {
	struct plot_data *d;
	size_t cap_bins;
	char first_isa[CSV_FIELD_MAX];
	int mixed_isa;
	int unordered;
	int nomem;
	/* Rows are kept by (isa, name) until we know whether the ISA prefix is needed. */
	struct {
		char isa[CSV_FIELD_MAX];
		char name[CSV_FIELD_MAX];
	} *keys;
	size_t nkeys;
};

static int find_series(struct load_ctx *c, const char *isa, const char *name)
{
	for (size_t i = 0; i < c->nkeys; i++)
		if (!strcmp(c->keys[i].isa, isa) && !strcmp(c->keys[i].name, name))
			return (int)i;
	return -1;
}

static int add_series(struct load_ctx *c, const char *isa, const char *name)
{
	struct plot_data *d = c->d;
	void *k = realloc(c->keys, (c->nkeys + 1) * sizeof(*c->keys));
	if (!k)
		return -1;
	c->keys = k;
	void *s = realloc(d->series, (d->nseries + 1) * sizeof(*d->series));
	if (!s)
		return -1;
	d->series = s;
	struct plot_series *ps = &d->series[d->nseries];
	memset(ps, 0, sizeof(*ps));
	ps->counts = calloc(c->cap_bins ? c->cap_bins : 1, sizeof(uint64_t));
	if (!ps->counts)
		return -1;
	memcpy(c->keys[c->nkeys].isa, isa, CSV_FIELD_MAX);
	memcpy(c->keys[c->nkeys].name, name, CSV_FIELD_MAX);
	c->nkeys++;
	return (int)d->nseries++;
}

static int grow_bins(struct load_ctx *c)
{
	struct plot_data *d = c->d;
	size_t cap = c->cap_bins ? c->cap_bins * 2 : 1024;
	double *t = realloc(d->t_ms, cap * sizeof(*t));
	if (!t)
		return -1;
	d->t_ms = t;
	for (size_t i = 0; i < d->nseries; i++) {
		uint64_t *n = realloc(d->series[i].counts, cap * sizeof(*n));
		if (!n)
			return -1;
		memset(n + c->cap_bins, 0, (cap - c->cap_bins) * sizeof(*n));
		d->series[i].counts = n;
	}
	c->cap_bins = cap;
	return 0;
}

static int load_row(const struct tl_csv_row *row, void *ctx)
{
	struct load_ctx *c = ctx;
	struct plot_data *d = c->d;

	if (!d->nbins || row->t_ms != d->t_ms[d->nbins - 1]) {
		if (d->nbins && row->t_ms < d->t_ms[d->nbins - 1]) {
			c->unordered = 1;
			return 1;
		}
		if (d->nbins == c->cap_bins && grow_bins(c))
			goto nomem;
		d->t_ms[d->nbins++] = row->t_ms;
	}
	if (!row->has_cell)
		return 0;
	if (!c->first_isa[0])
		memcpy(c->first_isa, row->isa, CSV_FIELD_MAX);
	else if (strcmp(c->first_isa, row->isa))
		c->mixed_isa = 1;
	int i = find_series(c, row->isa, row->reason_name);
	if (i < 0 && (i = add_series(c, row->isa, row->reason_name)) < 0)
		goto nomem;
	d->series[i].counts[d->nbins - 1] += row->count;
	d->series[i].total += row->count;
	d->total += row->count;
	return 0;
nomem:
	c->nomem = 1;
	return 1;
}

static int cmp_total_desc(const void *pa, const void *pb)
{
	const struct plot_series *a = pa, *b = pb;
	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	return strcmp(a->name, b->name);
}

int plot_load_csv(FILE *f, struct plot_data *d, char *err, size_t errlen)
{
	struct load_ctx c = { .d = d };
	int rc;

	memset(d, 0, sizeof(*d));
	rc = tl_read_csv(f, load_row, &c, err, errlen);
	if (rc > 0) {
		snprintf(err, errlen, "%s", c.nomem ? "out of memory" : "t_ms is not in ascending order");
		rc = -1;
	}
	if (rc == 0 && !d->nbins) {
		snprintf(err, errlen, "no data rows (an empty timeline: did the VM ever enter?)");
		rc = -1;
	}
	if (rc == 0) {
		for (size_t i = 0; i < d->nseries; i++)
			snprintf(d->series[i].name, sizeof(d->series[i].name), c.mixed_isa ? "%s %s" : "%.0s%s",
				 c.keys[i].isa, c.keys[i].name);
		if (d->nseries) /* no exit in any bin: no series, and d->series is NULL */
			qsort(d->series, d->nseries, sizeof(*d->series), cmp_total_desc);
		/* Every bin has a row (empty bins included), so neighbours are one bin apart. */
		d->bin_ms = 0;
		for (size_t i = 1; i < d->nbins; i++) {
			double w = d->t_ms[i] - d->t_ms[i - 1];
			if (w > 0 && (d->bin_ms == 0 || w < d->bin_ms))
				d->bin_ms = w;
		}
		if (d->bin_ms == 0)
			d->bin_ms = PLOT_DEFAULT_BIN_MS;
	}
	free(c.keys);
	return rc;
}

int plot_load_marks(FILE *f, struct plot_data *d, char *err, size_t errlen)
{
	static const char *const names[] = { "t_ms", "label" };
	char fields[PLOT_MARK_FIELDS][CSV_FIELD_MAX];
	int lines = 0, nf, header_nf, col[2];
	const char *missing;

	header_nf = csv_read_record(f, fields, PLOT_MARK_FIELDS, 1, &lines);
	if (header_nf < 2 || header_nf > PLOT_MARK_FIELDS ||
	    csv_find_columns(fields, header_nf, names, 2, col, &missing)) {
		snprintf(err, errlen, "line 1: marks need a header with columns t_ms and label");
		return -1;
	}
	for (;;) {
		int line = lines + 1;
		char *end;
		nf = csv_read_record(f, fields, PLOT_MARK_FIELDS, 1, &lines);
		if (nf == 0)
			return 0;
		if (nf != header_nf) {
			snprintf(err, errlen, "line %d: expected %d fields, as the header", line, header_nf);
			return -1;
		}
		const char *t_ms = fields[col[0]], *label = fields[col[1]];
		double t = strtod(t_ms, &end);
		if (end == t_ms || *end) {
			snprintf(err, errlen, "line %d: bad t_ms \"%.*s%s\"", line, CSV_FIELD_ONE_LINE(t_ms));
			return -1;
		}
		void *m = realloc(d->marks, (d->nmarks + 1) * sizeof(*d->marks));
		if (!m) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		d->marks = m;
		d->marks[d->nmarks].t_ms = t;
		memcpy(d->marks[d->nmarks].label, label, sizeof(d->marks[0].label));
		d->marks[d->nmarks].label[sizeof(d->marks[0].label) - 1] = '\0';
		d->nmarks++;
	}
}

int plot_fold_series(struct plot_data *d, size_t keep)
{
	if (d->nseries <= keep + 1)
		return 0; /* folding one series into "other" would only rename it */
	struct plot_series *other = &d->series[keep];
	for (size_t i = keep + 1; i < d->nseries; i++) {
		for (size_t b = 0; b < d->nbins; b++)
			other->counts[b] += d->series[i].counts[b];
		other->total += d->series[i].total;
		free(d->series[i].counts);
	}
	snprintf(other->name, sizeof(other->name), "other (%zu reasons)", d->nseries - keep);
	d->nseries = keep + 1;
	return 0;
}

int plot_widen(struct plot_data *d, size_t k)
{
	if (k == 0)
		return -1;
	if (k == 1)
		return 0;
	size_t n = (d->nbins + k - 1) / k;
	for (size_t s = 0; s < d->nseries; s++) {
		uint64_t *c = d->series[s].counts;
		for (size_t b = 0; b < n; b++) {
			uint64_t sum = 0;
			for (size_t i = b * k; i < (b + 1) * k && i < d->nbins; i++)
				sum += c[i];
			c[b] = sum;
		}
	}
	for (size_t b = 0; b < n; b++)
		d->t_ms[b] = d->t_ms[b * k];
	d->nbins = n;
	d->bin_ms *= (double)k;
	return 0;
}

int plot_widen_to(struct plot_data *d, double bin_ms, char *err, size_t errlen)
{
	size_t k = (d->nbins + PLOT_MAX_BINS - 1) / PLOT_MAX_BINS;

	if (bin_ms > 0) {
		double ratio = bin_ms / d->bin_ms;

		/* Checked before k is made of it: a ratio beyond size_t has no integer value. */
		if (ratio > (double)d->nbins + 0.5) {
			snprintf(err, errlen, "--bin %g is longer than the whole timeline (%zu bins of %g ms): give at most %g",
				 bin_ms, d->nbins, d->bin_ms, (double)d->nbins * d->bin_ms);
			return -1;
		}
		k = (size_t)(ratio + 0.5);
		if (k < 1 || ratio - (double)k > 1e-6 || (double)k - ratio > 1e-6) {
			snprintf(err, errlen, "--bin %g is not a multiple of the CSV's %g ms bins", bin_ms, d->bin_ms);
			return -1;
		}
	}
	return plot_widen(d, k);
}

void plot_data_free(struct plot_data *d)
{
	for (size_t i = 0; i < d->nseries; i++)
		free(d->series[i].counts);
	free(d->series);
	free(d->t_ms);
	free(d->marks);
	memset(d, 0, sizeof(*d));
}

/* ---- the gnuplot script ---- */

/* A gnuplot single-quoted string: only ' needs escaping (as ''). */
static void gp_string(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		if (*s != '\n' && *s != '\r')
			fputc(*s, f);
	}
	fputc('\'', f);
}

static const char *const palette[] = { "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
				       "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac" };

static const char *ext_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	return dot && !strchr(dot, '/') ? dot + 1 : "";
}

int plot_write_script(FILE *f, const struct plot_data *d, const char *output, const char *title)
{
	const char *ext = ext_of(output);
	const size_t np = sizeof(palette) / sizeof(palette[0]);
	double per_s = 1000.0 / d->bin_ms; /* count per bin -> exits per second */

	if (!strcasecmp(ext, "svg"))
		fputs("set terminal svg size 1280,680 dynamic noenhanced font 'sans,12' background '#ffffff'\n", f);
	else if (!strcasecmp(ext, "png"))
		fputs("set terminal pngcairo size 1280,680 noenhanced font 'sans,11' background '#ffffff'\n", f);
	else
		return -1;
	fputs("set output ", f);
	gp_string(f, output);
	fputs("\nset title ", f);
	gp_string(f, title);
	fprintf(f, "\nset xlabel 'time since the VM''s first VM-entry (ms)'\n"
		   "set ylabel 'exits/s, stacked by reason (%g ms bins)'\n"
		   "set y2label 'cumulative exits'\n"
		   "set ytics nomirror\nset y2tics\nset format y '%%.1s%%c'\nset format y2 '%%.1s%%c'\n"
		   "set yrange [0:*]\nset y2range [0:*]\nset xrange [%g:%g]\n"
		   "set grid xtics ytics lc rgb '#dddddd'\n"
		   "set key outside right top vertical box opaque\n"
		   "set style fill solid 0.9 noborder\n",
		d->bin_ms, d->t_ms[0], d->t_ms[d->nbins - 1] + d->bin_ms);
	for (size_t i = 0; i < d->nmarks; i++) {
		fprintf(f, "set arrow from %.6f, graph 0 to %.6f, graph 1 nohead dashtype 2 lc rgb '#555555' front\n",
			d->marks[i].t_ms, d->marks[i].t_ms);
		fprintf(f, "set label %zu ", i + 1);
		gp_string(f, d->marks[i].label);
		fprintf(f, " at %.6f, graph 0.98 rotate by 90 right offset -0.6,0 front font ',9' tc rgb '#333333'\n",
			d->marks[i].t_ms);
	}

	/* Data: each bin twice (its start and its end), so areas are steps, not ramps. Columns:
	 * 1 t_ms, 2 zero, 3.. stacked rate after series 1..n, last: cumulative exits. */
	fputs("$data << EOD\n# t_ms 0", f);
	for (size_t s = 0; s < d->nseries; s++)
		fprintf(f, " +%s", d->series[s].name);
	fputs(" cumulative\n", f);
	uint64_t cum = 0;
	for (size_t b = 0; b < d->nbins; b++) {
		uint64_t in_bin = 0;
		for (size_t s = 0; s < d->nseries; s++)
			in_bin += d->series[s].counts[b];
		for (int edge = 0; edge < 2; edge++) {
			double stack = 0;
			fprintf(f, "%.6f 0", d->t_ms[b] + edge * d->bin_ms);
			for (size_t s = 0; s < d->nseries; s++) {
				stack += (double)d->series[s].counts[b] * per_s;
				fprintf(f, " %.17g", stack);
			}
			fprintf(f, " %" PRIu64 "\n", cum + (edge ? in_bin : 0));
		}
		cum += in_bin;
	}
	fputs("EOD\n", f);

	fputs("plot ", f);
	for (size_t s = 0; s < d->nseries; s++) {
		char title_s[PLOT_SERIES_NAME_MAX + sizeof(": 18446744073709551615")];
		snprintf(title_s, sizeof(title_s), "%s: %" PRIu64, d->series[s].name, d->series[s].total);
		fprintf(f, "$data using 1:%zu:%zu with filledcurves lc rgb '%s' title ", s + 2, s + 3,
			palette[s % np]);
		gp_string(f, title_s);
		fputs(", \\\n     ", f);
	}
	fprintf(f, "$data using 1:%zu axes x1y2 with lines lw 2 lc rgb '#000000' title 'cumulative: %" PRIu64 "'\n",
		d->nseries + 3, d->total);
	return ferror(f) ? -1 : 0;
}

/* ---- the subcommand ---- */

static const char plot_doc[] =
	"exitprof plot -- draw a boot timeline CSV with gnuplot\n\n"
	"Draws exits/s stacked by exit reason (the --top reasons, the rest as \"other\") and the "
	"cumulative exit count on the right axis. The image format follows the -o extension: .svg "
	"or .png. Needs gnuplot (Debian: gnuplot-nox, installed by scripts/setup).\n\n"
	"Examples:\n"
	"  exitprof plot boot.csv -o boot.svg\n"
	"  exitprof plot boot.csv -o boot.png --marks phases.csv --title 'L2 boot, npt=1'\n"
	"  exitprof plot boot.csv --script boot.gp     # write the gnuplot script only\n";

static const struct argp_option plot_options[] = {
	{ "output", 'o', "FILE", 0, "Image to write: FILE.svg or FILE.png", 0 },
	{ "marks", 'm', "CSV", 0, "Vertical marks: a CSV with header t_ms,label (e.g. boot phases)", 0 },
	{ "title", 't', "TEXT", 0, "Plot title (default: the CSV's name and its totals)", 0 },
	{ "top", 'n', "N", 0, "Reasons drawn on their own (default 8); the rest are \"other\"", 0 },
	{ "bin", 'B', "MS", 0, "Bin width drawn: a multiple of the CSV's (default: the CSV's, widened "
			       "so that at most 500 bins are drawn)", 0 },
	{ "script", 's', "FILE", 0, "Also write the gnuplot script to FILE; without -o, only that", 0 },
	{ 0 },
};

static error_t plot_parse(int key, char *arg, struct argp_state *state)
{
	struct plot_args *a = state->input;
	int64_t top;

	switch (key) {
	case 'o': a->output = arg; break;
	case 'm': a->marks = arg; break;
	case 't': a->title = arg; break;
	case 's': a->script = arg; break;
	case 'n':
		if (number_parse_uint(arg, 64, &top) || top < 1)
			return cli_usage_error(state, "--top '%s' is not a number of reasons: give a whole number from 1 to 64", arg);
		a->top = (long)top;
		break;
	case 'B':
		if (number_parse_positive(arg, DBL_MAX, &a->bin_ms))
			return cli_usage_error(state, "--bin '%s' is not a bin width: give milliseconds > 0, a multiple of the CSV's", arg);
		break;
	case ARGP_KEY_ARG:
		if (a->csv)
			return cli_usage_error(state, "two CSV files ('%s' and '%s'): give one", a->csv, arg);
		a->csv = arg;
		break;
	case ARGP_KEY_END:
		if (!a->csv)
			return cli_usage_error(state, "missing the timeline CSV: give the file exitprof record wrote");
		if (!a->output && !a->script)
			return cli_usage_error(state, "missing the output: add -o FILE.svg, -o FILE.png or --script FILE");
		if (a->output && strcasecmp(ext_of(a->output), "svg") && strcasecmp(ext_of(a->output), "png"))
			return cli_usage_error(state, "-o %s is not an image name: the name must end in .svg or .png", a->output);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* Runs gnuplot on the script file; returns 0 if it succeeded and wrote a non-empty image. */
static int run_gnuplot(const char *script, const char *output)
{
	struct stat st;
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		fprintf(stderr, "exitprof plot: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		_exit(errno == ENOENT ? 127 : 126);
	}
	if (waitpid(pid, &status, 0) < 0) {
		fprintf(stderr, "exitprof plot: waitpid: %s\n", strerror(errno));
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		fprintf(stderr, "exitprof plot: gnuplot not found: install it (scripts/setup: gnuplot-nox)\n");
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "exitprof plot: gnuplot failed (see its message above)\n");
		return -1;
	}
	if (stat(output, &st) || st.st_size == 0) {
		fprintf(stderr, "exitprof plot: gnuplot wrote no %s\n", output);
		return -1;
	}
	return 0;
}

int plot_parse_args(int argc, char **argv, struct plot_args *a, unsigned flags)
{
	static const struct argp argp = { plot_options, plot_parse, "CSV", plot_doc, 0, 0, 0 };

	*a = (struct plot_args){ .top = PLOT_DEFAULT_TOP };
	return subcommand_parse(&argp, "exitprof plot", argc, argv, a, flags);
}

int exitprof_plot_main(int argc, char **argv)
{
	struct plot_args a;
	struct plot_data d;
	char err[256], title[512], tmp[] = "/tmp/exitprof-plot-XXXXXX";
	const char *script;
	int rc = CLI_FAILED, fd = -1;
	FILE *f;

	if (plot_parse_args(argc, argv, &a, 0))
		return CLI_USAGE;

	f = fopen(a.csv, "r");
	if (!f) {
		fprintf(stderr, "exitprof plot: cannot read %s: %s\n", a.csv, strerror(errno));
		return CLI_FAILED;
	}
	if (plot_load_csv(f, &d, err, sizeof(err))) {
		fprintf(stderr, "exitprof plot: %s: %s\n", a.csv, err);
		fclose(f);
		plot_data_free(&d);
		return CLI_FAILED;
	}
	fclose(f);
	if (a.marks) {
		f = fopen(a.marks, "r");
		if (!f) {
			fprintf(stderr, "exitprof plot: cannot read --marks %s: %s\n", a.marks, strerror(errno));
			goto out;
		}
		int bad = plot_load_marks(f, &d, err, sizeof(err));
		fclose(f);
		if (bad) {
			fprintf(stderr, "exitprof plot: --marks %s: %s\n", a.marks, err);
			goto out;
		}
	}
	if (plot_widen_to(&d, a.bin_ms, err, sizeof(err))) {
		fprintf(stderr, "exitprof plot: %s\n", err);
		goto out;
	}
	plot_fold_series(&d, (size_t)a.top);
	if (!a.title) {
		const char *base = strrchr(a.csv, '/');
		snprintf(title, sizeof(title), "%s: %" PRIu64 " exits in %.0f ms", base ? base + 1 : a.csv,
			 d.total, d.nbins * d.bin_ms);
		a.title = title;
	}

	if (a.script) {
		script = a.script;
		f = fopen(script, "w");
	} else {
		script = tmp;
		fd = mkstemp(tmp);
		f = fd < 0 ? NULL : fdopen(fd, "w");
	}
	if (!f) {
		fprintf(stderr, "exitprof plot: cannot write the script %s: %s\n", script, strerror(errno));
		goto out;
	}
	/* Without -o (script only), the script still needs a target: name it after the script. */
	char deflt[4096];
	const char *output = a.output;
	if (!output) {
		snprintf(deflt, sizeof(deflt), "%s.svg", script);
		output = deflt;
	}
	if (plot_write_script(f, &d, output, a.title) || fclose(f)) {
		fprintf(stderr, "exitprof plot: cannot write the script %s: %s\n", script, strerror(errno));
		goto out;
	}
	if (!a.output || !run_gnuplot(script, output))
		rc = 0;
	if (rc == 0 && a.output)
		fprintf(stderr, "exitprof plot: wrote %s (%" PRIu64 " exits, %zu bins of %g ms)\n", output, d.total,
			d.nbins, d.bin_ms);
out:
	if (fd >= 0)
		unlink(tmp);
	plot_data_free(&d);
	return rc;
}
