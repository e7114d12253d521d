/* `exitprof plot`: turns a timeline CSV (timeline_csv.h) into a gnuplot script and runs gnuplot
 * to draw it: exits/s stacked by reason, the cumulative total on the second y axis, and optional
 * vertical marks (boot phases). gnuplot draws; this file only prepares data and the script. */
#ifndef EXITPROF_PLOT_H
#define EXITPROF_PLOT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "csv.h"

/* A series' name: "<reason_name>", or "<ISA> <reason_name>" (two CSV fields, a space, the NUL). */
#define PLOT_SERIES_NAME_MAX (2 * CSV_FIELD_MAX)

/* One stacked series: a reason (or "other"), its count per bin. */
struct plot_series {
	char name[PLOT_SERIES_NAME_MAX];
	uint64_t total;
	uint64_t *counts; /* [nbins] */
};

struct plot_mark {
	double t_ms;
	char label[64];
};

/* The timeline pivoted to one row per bin and one column per reason. */
struct plot_data {
	double *t_ms;     /* [nbins] start of each bin, ascending */
	size_t nbins;
	double bin_ms;    /* bin width, from the spacing of the bins */
	struct plot_series *series; /* sorted by total, largest first */
	size_t nseries;
	uint64_t total;
	struct plot_mark *marks;
	size_t nmarks;
};

/* Reads a timeline CSV (sums over vCPUs; names are "<reason_name>", or "<ISA> <reason_name>"
 * when the file holds both ISAs). Returns 0, or -1 with a reason in err. */
int plot_load_csv(FILE *f, struct plot_data *d, char *err, size_t errlen);

/* Reads marks: a CSV with the columns t_ms and label (found by header name). */
int plot_load_marks(FILE *f, struct plot_data *d, char *err, size_t errlen);

/* Keeps the top `keep` series and folds the rest into one named "other". */
int plot_fold_series(struct plot_data *d, size_t keep);

/* Merges every k neighbouring bins into one (k >= 1; the last may be partial). */
int plot_widen(struct plot_data *d, size_t k);

/* Widens to the bin width drawn: bin_ms, a multiple of the CSV's up to the whole timeline; 0 =
 * the CSV's, widened so that at most PLOT_MAX_BINS (plot.c) are drawn. Returns 0, or -1 with the
 * reason in err (bin_ms is not such a multiple). */
int plot_widen_to(struct plot_data *d, double bin_ms, char *err, size_t errlen);

void plot_data_free(struct plot_data *d);

/* Writes the gnuplot script that draws d into `output` (terminal from its extension: .svg, or
 * .png). Returns 0, or -1 if the extension is neither. */
int plot_write_script(FILE *f, const struct plot_data *d, const char *output, const char *title);

/* The options of `exitprof plot`. */
struct plot_args {
	const char *csv, *output, *script, *marks, *title;
	long top;
	double bin_ms; /* --bin; 0 = the CSV's (plot_widen_to()) */
};

/* Parses plot's command line (argv[0] is "plot") into *a; flags as for subcommand_parse() (cli.h).
 * Returns 0, or CLI_USAGE after the one error line. */
int plot_parse_args(int argc, char **argv, struct plot_args *a, unsigned flags);

/* The `exitprof plot` subcommand: argv[0] is "plot". */
int exitprof_plot_main(int argc, char **argv);

#endif
