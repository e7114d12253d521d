/* Reading the BPF maps into user-space tables: per-CPU values summed, stats summed. */
#ifndef EXITPROF_COLLECT_H
#define EXITPROF_COLLECT_H

#include "exit_table.h"

/* Reads every key of the `exit_slots` map (fd) with its values in the `exits` array (fd), and
 * the `stats` map (fd), into t (initialised here); stats[EXITPROF_STAT_EXITS] and [..._TIMED],
 * which the BPF side does not count, are derived from the rows (exitprof.h).
 * ncpus = libbpf_num_possible_cpus(). Returns 0, or -1 with errno set. */
int collect_exits(int slots_fd, int exits_fd, int stats_fd, int ncpus, struct exit_table *t);

/* Sums one per-CPU array of values (as bpf_map_lookup_elem returns them) into one. */
void collect_sum_percpu(const struct exit_val *percpu, int ncpus, struct exit_val *out);

/* Calls cb once per cell of the timeline map (fd) with the per-CPU values summed, in map order
 * (unsorted); stops with cb's non-zero return value. Returns 0, cb's value, or -1 with errno. */
typedef int (*collect_cell_fn)(const struct tl_key *key, const struct tl_val *val, void *ctx);
int collect_timeline(int tl_fd, int ncpus, collect_cell_fn cb, void *ctx);

#endif
