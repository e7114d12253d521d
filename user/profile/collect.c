/* See collect.h. Keys are walked with bpf_map_get_next_key while BPF keeps adding: a key added
 * during the walk may be missed this time and is read on the next one; values are read whole. */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "collect.h"

void collect_sum_percpu(const struct exit_val *percpu, int ncpus, struct exit_val *out)
{
	memset(out, 0, sizeof(*out));
	for (int c = 0; c < ncpus; c++)
		exit_val_merge(out, &percpu[c]);
}

static int collect_stats(int stats_fd, int ncpus, uint64_t stats[EXITPROF_STAT__MAX])
{
	uint64_t *vals = calloc(ncpus, sizeof(*vals));

	if (!vals)
		return -1;
	for (uint32_t i = 0; i < EXITPROF_STAT__MAX; i++) {
		stats[i] = 0;
		if (bpf_map_lookup_elem(stats_fd, &i, vals) == 0)
			for (int c = 0; c < ncpus; c++)
				stats[i] += vals[c];
	}
	free(vals);
	return 0;
}

int collect_exits(int slots_fd, int exits_fd, int stats_fd, int ncpus, struct exit_table *t)
{
	struct exit_key key, next, *prev = NULL;
	struct exit_val *percpu, sum;
	uint64_t exits = 0, timed = 0;
	int err = 0;

	exit_table_init(t);
	percpu = calloc(ncpus, sizeof(*percpu));
	if (!percpu)
		return -1;
	while (bpf_map_get_next_key(slots_fd, prev, &next) == 0) {
		__u32 slot, idx;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(slots_fd, &key, &slot) != 0 || slot == 0)
			continue; /* deleted meanwhile (exitprof never deletes; be safe) */
		idx = slot - 1;
		if (bpf_map_lookup_elem(exits_fd, &idx, percpu) != 0)
			continue;
		collect_sum_percpu(percpu, ncpus, &sum);
		exits += sum.count;
		timed += sum.timed;
		if (exit_table_merge(t, &key, &sum)) {
			err = -1;
			break;
		}
	}
	free(percpu);
	if (!err)
		err = collect_stats(stats_fd, ncpus, t->stats);
	if (!err) {
		t->stats[EXITPROF_STAT_EXITS] = exits + t->stats[EXITPROF_STAT_DROP_KEYS];
		t->stats[EXITPROF_STAT_TIMED] = timed;
	}
	return err;
}

int collect_timeline(int tl_fd, int ncpus, collect_cell_fn cb, void *ctx)
{
	struct tl_key key, next, *prev = NULL;
	struct tl_val *percpu = calloc(ncpus, sizeof(*percpu));
	int ret = 0;

	if (!percpu)
		return -1;
	while (bpf_map_get_next_key(tl_fd, prev, &next) == 0) {
		struct tl_val sum = { 0, 0 };

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(tl_fd, &key, percpu) != 0)
			continue;
		for (int c = 0; c < ncpus; c++) {
			sum.count += percpu[c].count;
			sum.total_ns += percpu[c].total_ns;
		}
		ret = cb(&key, &sum, ctx);
		if (ret)
			break;
	}
	free(percpu);
	return ret;
}
