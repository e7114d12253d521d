/* The marks of `exitprof plot --marks` (CSV t_ms,label: boot phases, made from the arrival times
 * of the guest's console lines): plot_load_marks(), then the gnuplot script that draws them.
 * Input: the marks CSV. The timeline they are drawn on is a fixed one bin, written by the
 * timeline's own writer. */
#define _GNU_SOURCE
#include <string.h>

#include "fuzz.h"
#include "plot.h"
#include "reasons.h"
#include "timeline_csv.h"

/* One bin of 10 ms with 3 CPUID exits, loaded as plot loads any timeline. */
static void load_timeline(struct plot_data *d)
{
	struct tl_record r = { .bin = 0, .vcpu = 0, .isa = EXIT_ISA_SVM, .reason = 0x72, .count = 3, .time_ns = 300 };
	struct tl_table t;
	char *buf = NULL, err[256];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	FUZZ_ASSERT(f != NULL);
	tl_table_init(&t, 10000000);
	FUZZ_ASSERT(tl_table_add(&t, &r) == 0);
	FUZZ_ASSERT(tl_write_csv(f, &t) == 0);
	fclose(f);
	tl_table_free(&t);
	f = fmemopen(buf, len, "r");
	FUZZ_ASSERT(f != NULL);
	FUZZ_ASSERT(plot_load_csv(f, d, err, sizeof(err)) == 0);
	fclose(f);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plot_data d;
	char err[256];
	FILE *f;

	load_timeline(&d);
	f = fuzz_file(data, size);
	if (plot_load_marks(f, &d, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < d.nmarks; i++)
			FUZZ_ASSERT(memchr(d.marks[i].label, '\0', sizeof(d.marks[i].label)));
		FUZZ_ASSERT(plot_write_script(fuzz_devnull(), &d, "boot.svg", "fuzz") == 0);
	} else {
		FUZZ_ASSERT_ERROR_LINE(err);
	}
	fclose(f);
	plot_data_free(&d);
	return 0;
}
