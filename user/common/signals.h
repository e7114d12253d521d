/* Signals as events: blocked, and read from a signalfd beside the other fds a command polls. */
#ifndef EXITPROF_SIGNALS_H
#define EXITPROF_SIGNALS_H

#include <stdbool.h>

/* Blocks SIGINT and SIGTERM (and SIGCHLD with child) and returns a non-blocking signalfd for
 * them; SIGPIPE is ignored, so a closed stdout is a write error to report, not a silent death.
 * -1 with errno on failure. A child that exec()s must unblock them first (signals_unblock). */
int signals_fd(bool child);

/* Clears the signal mask (in a forked child, before exec). */
void signals_unblock(void);

#endif
