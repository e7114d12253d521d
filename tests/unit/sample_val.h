/* Test helper: an exit_val built from known exit->entry samples with ep_val_add_sample() and
 * ep_val_add_split(), the functions the BPF program uses; user and halt parts are fixed fractions
 * of each sample, the user part split 1:2:rest into exit path, VMM and entry path, and a run-queue
 * wait of an eighth. */
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
		uint64_t user = samples[i] / user_div;
		struct ep_sample s = { .total_ns = samples[i], .user_ns = user, .halt_ns = samples[i] / halt_div,
				       .exit_path_ns = user / 4, .vmm_ns = user / 2,
				       .entry_path_ns = user - user / 4 - user / 2, .runq_ns = samples[i] / 8 };

		ep_val_add_sample(&v, &s);
		ep_val_add_split(&v, &s);
	}
	return v;
}

#endif
