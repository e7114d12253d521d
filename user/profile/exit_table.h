/* The profile as user space holds it: one row per (tgid, vcpu, isa, reason) with the per-CPU
 * values already summed. Grouping, interval deltas and sorting work on this, so the report
 * writers and the tests never touch BPF maps. */
#ifndef EXITPROF_EXIT_TABLE_H
#define EXITPROF_EXIT_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include "exitprof.h"

struct exit_row {
	struct exit_key key; /* vcpu_id = EXITPROF_VCPU_ANY once grouped over vCPUs */
	struct exit_val val; /* min_ns valid only if val.timed > 0 */
};

struct exit_table {
	struct exit_row *rows;
	size_t n, cap;
	uint64_t stats[EXITPROF_STAT__MAX]; /* summed stats map */
};

enum exit_sort { SORT_COUNT, SORT_TIME, SORT_AVG, SORT_MAX };

void exit_table_init(struct exit_table *t);
void exit_table_free(struct exit_table *t);
/* Deep copy; returns 0 or -1 (ENOMEM). */
int exit_table_copy(struct exit_table *dst, const struct exit_table *src);

/* Merge one value into the row of `key` (created if new): sums, min of mins, max of maxes.
 * Used for summing per-CPU values and for grouping. Returns 0 or -1 (ENOMEM). */
int exit_table_merge(struct exit_table *t, const struct exit_key *key, const struct exit_val *v);
/* Same as exit_table_merge for one struct exit_val holding only some CPUs' part. */
void exit_val_merge(struct exit_val *dst, const struct exit_val *src);

/* A new table with vCPUs folded together (vcpu_id = EXITPROF_VCPU_ANY). */
int exit_table_group_vcpus(struct exit_table *dst, const struct exit_table *src);

/* dst = cur - prev for the additive fields (counts, times, histogram); min/max are taken from cur
 * (the kernel keeps one min/max per key for the whole run). Rows with no new exits and no new
 * timed exits are left out. Stats are differenced too. */
int exit_table_delta(struct exit_table *dst, const struct exit_table *cur, const struct exit_table *prev);

/* Sort by tgid, then vcpu, then the key (descending; ties by isa, reason ascending). */
void exit_table_sort(struct exit_table *t, enum exit_sort by);

/* Sum of count over rows of one tgid (+ vcpu, unless vcpu == EXITPROF_VCPU_ANY and the rows
 * are per vCPU: then over all). Used for "% of exits". */
uint64_t exit_table_count(const struct exit_table *t, uint32_t tgid, uint32_t vcpu);

/* Averages and the kernel part of the split; 0 when nothing was timed. */
uint64_t exit_row_avg_ns(const struct exit_row *r);
uint64_t exit_row_kernel_ns(const struct exit_row *r);

#endif
