/* `exitprof record --boot`: start a VMM, profile its VM from its first VM-entry until it exits,
 * and write the boot timeline CSV (timeline_csv.h). Also the timeline writer that
 * `exitprof --vm PID --timeline FILE` uses for a VM that is already running. */
#ifndef EXITPROF_RECORD_H
#define EXITPROF_RECORD_H

#include <stdint.h>
#include <stdio.h>

struct session;

/* The `exitprof record` subcommand: argv[0] is "record". */
int exitprof_record_main(int argc, char **argv);

/* Reads the session's timeline bins of VM tgid into a CSV at path ("-" = stdout). Prints one
 * line to stderr and returns -1 on failure; warns when the BPF side dropped cells.
 * *t0_ns receives the VM's bin-0 start (CLOCK_MONOTONIC), 0 if the VM never entered. */
int record_write_timeline(struct session *s, uint32_t tgid, uint64_t bin_ns, const char *path,
			  uint64_t *t0_ns);

#endif
