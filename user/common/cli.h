/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The conventions every exitprof command follows: its exit statuses, its one error line, and
 * argp for the subcommands (`exitprof NAME ...`). */
#ifndef EXITPROF_CLI_H
#define EXITPROF_CLI_H

#include <argp.h>

/* Exit statuses, the same table for every command (each --help repeats its line):
 *   profile, record, plot:  0 done (also when the VM exits mid-run), 1 not done: the system is
 *                           not ready (privileges, pid, tracepoints, BTF, BPF load) or an
 *                           output failed, 2 bad command line
 *   compare:                0 the counts agree, 1 they differ, 2 no comparison possible (a bad
 *                           command line included) */
enum cli_status {
	CLI_OK = 0,
	CLI_FAILED = 1,	  /* profile/record/plot: not done; compare: the counts differ */
	CLI_USAGE = 2,	  /* bad command line */
	CLI_CANNOT = 2,	  /* compare: nothing to compare */
};

/* The one error line: "PROG: CAUSE: FIX" on stderr, e.g.
 * cli_error("exitprof", "--vm '%s' is not a process id: give the VMM's pid", arg). */
void cli_error(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* At a command's end: flushes stdout and returns rc, or, if its output could not be written,
 * fail_rc after the one error line ("cannot write WHAT ..."). */
int cli_flush_stdout(const char *prog, const char *what, int rc, int fail_rc);

/* For a subcommand's argp parser: the error line "exitprof NAME: CAUSE: FIX" (one line: no "Try
 * --help" after it); returns EINVAL for the parser to return, so that argp_parse() fails and the
 * command exits CLI_USAGE. Returning instead of exiting lets a test call the parser in-process. */
error_t cli_usage_error(const struct argp_state *state, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The first argument of argv[1..argc-1] (up to a "--") that is no option of argp, or NULL.
 * argp's own message for it would take two lines; callers give the one error line instead.
 * Matches as argp does: long options exactly or by a unique prefix (also --help, --usage,
 * --version), short options in clusters, and an option's argument is skipped. */
const char *cli_unknown_option(const struct argp *argp, int argc, char **argv);

/*
 * argp_parse() for "exitprof NAME ...": argv[0] is the subcommand's own word, errors read
 * "exitprof NAME: ...", and a bad command line exits CLI_USAGE, as for exitprof itself (an
 * unknown option with the one error line).
 * argv is parsed in place (argv[0] is replaced) and must outlive what was parsed into input.
 * flags go to argp_parse(): the commands pass 0; a test passes ARGP_NO_EXIT, so that --help,
 * --usage, --version and argp's own errors print and return instead of exiting.
 * Returns 0, or CLI_USAGE when argp returned an error.
 */
int subcommand_parse(const struct argp *argp, const char *prog, int argc, char **argv, void *input,
		     unsigned flags);

#endif
