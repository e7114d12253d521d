// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "subcommand.h"

int subcommand_parse(const struct argp *argp, const char *prog, int argc, char **argv, void *input)
{
	argp_err_exit_status = 2; /* bad command line: 2, as for exitprof itself */
	if (argc < 1)
		return 2; /* argv[0] is always the subcommand's own word */
	/* argp names the program after argv[0]: make errors read "exitprof NAME: ...". argv itself
	 * is parsed in place: the parsed options may point into it (record keeps the VMM command). */
	argv[0] = (char *)prog;
	return argp_parse(argp, argc, argv, 0, NULL, input) ? 2 : 0;
}
