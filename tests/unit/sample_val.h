/* Test helper: an exit_val built from known exit->entry samples with ep_val_add_sample(), the
 * function the BPF program uses; user and halt parts are fixed fractions of each sample. */
#ifndef EXITPROF_TEST_SAMPLE_VAL_H
#define EXITPROF_TEST_SAMPLE_VAL_H

#include <stdint.h>
#include <string.h>
#include "exitprof_agg.h"

static inline struct exit_val sample_val(uint64_t count, const uint64_t *samples, size_t n, uint64_t user_div,
					 uint64_t halt_div)
{
	struct exit_val v;

	memset(&v, 0, sizeof(v));
	v.count = count;
	for (size_t i = 0; i < n; i++) {
		struct ep_sample s = { samples[i], samples[i] / user_div, samples[i] / halt_div };
		ep_val_add_sample(&v, &s);
	}
	return v;
}

#endif
