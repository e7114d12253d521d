/* The timeline CSV (`exitprof record -o`, `exitprof --timeline`) as `exitprof plot` reads it:
 * tl_read_csv() through plot_load_csv(), then what plot does with what it loaded (--bin, --top,
 * the gnuplot script).
 * Input: the CSV. If it holds a NUL byte, the bytes after it give plot's options: 8 bytes of
 * --bin (a double, ms; used only if its parser would accept it) and 1 byte of --top (1..64). */
#define _GNU_SOURCE
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "plot.h"

/* Every exit is counted once: in the total, in its series' total and in one bin of its series.
 * (Sums wrap at 2^64 alike on every side, so equality holds for any counts.) */
static void check_sums(const struct plot_data *d)
{
	uint64_t series = 0;

	for (size_t s = 0; s < d->nseries; s++) {
		uint64_t bins = 0;

		for (size_t b = 0; b < d->nbins; b++)
			bins += d->series[s].counts[b];
		FUZZ_ASSERT(bins == d->series[s].total);
		series += d->series[s].total;
	}
	FUZZ_ASSERT(series == d->total);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t csv_len = nul ? (size_t)(nul - data) : size, opt_len = nul ? size - csv_len - 1 : 0;
	double bin_ms = 0;
	size_t top = 8;
	struct plot_data d;
	char err[256];
	FILE *f;

	if (opt_len >= sizeof(bin_ms)) {
		memcpy(&bin_ms, nul + 1, sizeof(bin_ms));
		if (!isfinite(bin_ms) || bin_ms <= 0) /* number_parse_positive() refuses it */
			bin_ms = 0;
	}
	if (opt_len > sizeof(bin_ms))
		top = 1 + nul[1 + sizeof(bin_ms)] % 64;

	f = fuzz_file(data, csv_len);
	if (plot_load_csv(f, &d, err, sizeof(err)) != 0) {
		FUZZ_ASSERT_ERROR_LINE(err);
	} else {
		FUZZ_ASSERT(d.nbins > 0 && d.bin_ms > 0);
		check_sums(&d);
		if (plot_widen_to(&d, bin_ms, err, sizeof(err)) != 0) {
			FUZZ_ASSERT_ERROR_LINE(err);
		} else {
			FUZZ_ASSERT(d.nbins > 0);
			check_sums(&d);
			plot_fold_series(&d, top);
			check_sums(&d);
			FUZZ_ASSERT(plot_write_script(fuzz_devnull(), &d, "boot.svg", "fuzz") == 0);
		}
	}
	plot_data_free(&d);
	fclose(f);
	return 0;
}
