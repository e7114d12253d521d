// SPDX-License-Identifier: GPL-2.0
/* exitprof: profile KVM VM exits. The command only dispatches: `record` and `plot` are
 * subcommands (timeline/), everything else is the profiler's own command line (profile/). */
#include <string.h>

#include "plot.h"
#include "profile_cmd.h"
#include "record.h"

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "record"))
		return exitprof_record_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "plot"))
		return exitprof_plot_main(argc - 1, argv + 1);
	return profile_main(argc, argv);
}
