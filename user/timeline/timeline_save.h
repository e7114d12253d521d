/* The timeline out of a session's BPF maps into a CSV file (schema: timeline_csv.h). Used by
 * `exitprof record` and by `exitprof --vm PID --timeline FILE` for a VM that already runs. */
#ifndef EXITPROF_TIMELINE_SAVE_H
#define EXITPROF_TIMELINE_SAVE_H

#include <stdint.h>

struct session;

/* Reads the session's timeline cells of VM tgid into a CSV at path ("-" = stdout). Prints one
 * line to stderr and returns -1 on failure; warns when the BPF side dropped cells.
 * *t0_ns receives the VM's bin-0 start (CLOCK_MONOTONIC), 0 if the VM never entered. */
int timeline_save(struct session *s, uint32_t tgid, uint64_t bin_ns, const char *path, uint64_t *t0_ns);

#endif
