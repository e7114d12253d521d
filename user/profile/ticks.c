/* See ticks.h. */
#include "ticks.h"

#include "args.h"

void ticks_init(struct ticks *k, double t_start, double interval_s, bool http, bool file)
{
	*k = (struct ticks){
		.next = { [TICK_INTERVAL] = interval_s > 0 ? t_start + interval_s : 0,
			  [TICK_HTTP] = http ? t_start : 0,
			  [TICK_FILE] = file ? t_start : 0 },
		.period = { [TICK_INTERVAL] = interval_s,
			    [TICK_HTTP] = TICKS_HTTP_REFRESH_S,
			    [TICK_FILE] = interval_s > 0 ? interval_s : ARGS_METRICS_FILE_PERIOD_S },
	};
}

unsigned ticks_due(const struct ticks *k, double t)
{
	unsigned due = 0;

	for (int i = 0; i < TICK__MAX; i++)
		if (k->next[i] && t >= k->next[i])
			due |= TICK_BIT(i);
	return due;
}

void ticks_advance(struct ticks *k, unsigned due, double t)
{
	for (int i = 0; i < TICK__MAX; i++) {
		if (!(due & TICK_BIT(i)))
			continue;
		if (k->period[i] <= 0) {
			k->next[i] = 0;
			continue;
		}
		while (k->next[i] && k->next[i] <= t)
			k->next[i] += k->period[i];
	}
}

double ticks_wake(const struct ticks *k, double wake)
{
	for (int i = 0; i < TICK__MAX; i++)
		if (k->next[i] && k->next[i] < wake)
			wake = k->next[i];
	return wake;
}
