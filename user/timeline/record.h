/* `exitprof record --boot`: start a VMM, profile its VM from its first VM-entry until it exits,
 * and write the boot timeline CSV (timeline_csv.h). */
#ifndef EXITPROF_RECORD_H
#define EXITPROF_RECORD_H

/* The `exitprof record` subcommand: argv[0] is "record". */
int exitprof_record_main(int argc, char **argv);

#endif
