/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Option parsing shared by exitprof's subcommands (record, plot). */
#ifndef EXITPROF_SUBCOMMAND_H
#define EXITPROF_SUBCOMMAND_H

#include <argp.h>

/*
 * argp_parse() for "exitprof NAME ...": argv[0] is the subcommand's own word, errors read
 * "exitprof NAME: ...", and a bad command line exits 2, as for exitprof itself.
 * argv is parsed in place (argv[0] is replaced) and must outlive what was parsed into input.
 * Returns 0, or 2 when argp returned an error.
 */
int subcommand_parse(const struct argp *argp, const char *prog, int argc, char **argv, void *input);

#endif
