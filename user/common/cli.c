// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* See cli.h. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void cli_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_usage_error(const struct argp_state *state, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", state->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(CLI_USAGE);
}

int subcommand_parse(const struct argp *argp, const char *prog, int argc, char **argv, void *input)
{
	argp_err_exit_status = CLI_USAGE;
	if (argc < 1)
		return CLI_USAGE; /* argv[0] is always the subcommand's own word */
	/* argp names the program after argv[0]: make errors read "exitprof NAME: ...". argv itself
	 * is parsed in place: the parsed options may point into it (record keeps the VMM command). */
	argv[0] = (char *)prog;
	return argp_parse(argp, argc, argv, 0, NULL, input) ? CLI_USAGE : 0;
}
