/* `exitprof [--vm PID | --all] ...`: the profiler's own command (options in args.h). */
#ifndef EXITPROF_PROFILE_CMD_H
#define EXITPROF_PROFILE_CMD_H

/* argv[0] is the program's name. */
int profile_main(int argc, char **argv);

#endif
