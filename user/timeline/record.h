/* `exitprof record --boot`: start a VMM, profile its VM from its first VM-entry until it exits,
 * and write the boot timeline CSV (timeline_csv.h). */
#ifndef EXITPROF_RECORD_H
#define EXITPROF_RECORD_H

#include <stdint.h>

/* The options of `exitprof record`. */
struct record_args {
	int boot;
	const char *output, *console, *summary_csv;
	uint64_t bin_ns;
	double duration_s;
	int verbose;
	char **cmd; /* the VMM command: the words after --, in argv */
};

/* Parses record's command line (argv[0] is "record") into *a; flags as for subcommand_parse()
 * (cli.h). Returns 0, or CLI_USAGE after the one error line. */
int record_parse_args(int argc, char **argv, struct record_args *a, unsigned flags);

/* The `exitprof record` subcommand: argv[0] is "record". */
int exitprof_record_main(int argc, char **argv);

#endif
