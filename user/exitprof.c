// SPDX-License-Identifier: GPL-2.0
/* exitprof: profile KVM VM exits. The command only dispatches: `record` and `plot` are
 * subcommands of the timeline (timeline/), `compare` of the comparison with the patched kernel
 * (compare/), everything else is the profiler's own command line (profile/). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compare_run.h"
#include "plot.h"
#include "profile_cmd.h"
#include "record.h"

/* `exitprof [OPTIONS] --compare-cpuid [OPTIONS]` is the first spelling of `exitprof compare`,
 * kept for scripts. Its hidden test hook --late-attach is the environment variable now; the
 * old spelling still sets it until lab/l1/checks/40-compare-cpuid.sh sets the variable. */
static int compare_alias(int argc, char **argv)
{
	char **cargv = calloc((size_t)argc + 1, sizeof(*cargv));
	int n = 0;

	if (!cargv)
		return CLI_CANNOT;
	cargv[n++] = "compare";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--compare-cpuid"))
			continue;
		if (!strcmp(argv[i], "--late-attach")) {
			setenv(COMPARE_LATE_ATTACH_ENV, "1", 1);
			continue;
		}
		cargv[n++] = argv[i];
	}
	int rc = compare_main(n, cargv);

	free(cargv);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "record"))
		return exitprof_record_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "plot"))
		return exitprof_plot_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "compare"))
		return compare_main(argc - 1, argv + 1);
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--compare-cpuid"))
			return compare_alias(argc, argv);
	return profile_main(argc, argv);
}
