/* When a profiling run reads the BPF maps: for the --interval report, for the numbers the --metrics
 * HTTP server hands out, and for the --metrics-file. Each has its next time and its period; the
 * run reads the maps once for everything due at one instant, so a report and a metrics refresh
 * that fall together are two views of one read. Pure, on times in seconds, so the unit tests
 * drive it without BPF. */
#ifndef EXITPROF_TICKS_H
#define EXITPROF_TICKS_H

#include <stdbool.h>

#define TICKS_HTTP_REFRESH_S 1.0 /* how old a scrape's numbers can be */

enum tick_id { TICK_INTERVAL, TICK_HTTP, TICK_FILE, TICK__MAX };
#define TICK_BIT(id) (1u << (id))

struct ticks {
	double next[TICK__MAX];	  /* when it is next due; 0: never (not asked for, or stopped) */
	double period[TICK__MAX]; /* > 0 for each one that has a next time */
};

/* A run started at t_start (> 0): the report every interval_s (0: none) from t_start + interval_s;
 * the HTTP server's numbers (http) and the metrics file (file) from t_start on, the file every
 * interval_s, or every ARGS_METRICS_FILE_PERIOD_S without --interval. */
void ticks_init(struct ticks *k, double t_start, double interval_s, bool http, bool file);

/* The ticks due at t, TICK_BIT(id) each: one read of the maps serves them all; 0: no read. */
unsigned ticks_due(const struct ticks *k, double t);

/* Moves each tick of due that still has a next time past t, by whole periods. */
void ticks_advance(struct ticks *k, unsigned due, double t);

/* The earliest of wake and every tick's next time. */
double ticks_wake(const struct ticks *k, double wake);

#endif
