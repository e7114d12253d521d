/* user/profile/ticks.c: when a profiling run reads the BPF maps. A simulated run steps from
 * pass to pass as profile_cmd.c's loop does (each pass wakes at the earliest tick, or after the
 * VM poll) and counts the reads, one per pass with anything due: an --interval report and a
 * metrics refresh that fall at one instant take one read between them, and nothing is due again
 * at the instant just served. */
#include "check.h"
#include "args.h"
#include "ticks.h"

#define T0 100.0	/* the run's start (0 is "never" to a tick) */
#define POLL_S 0.2	/* the loop's VM poll, as in profile_cmd.c */

struct run {
	unsigned reads, both; /* passes with a read; of those, the report with a metrics tick */
	unsigned n[TICK__MAX];
};

/* The passes of a run from T0 to T0 + secs (the end itself left to the final read). */
static struct run simulate(struct ticks *k, double secs)
{
	struct run r = { 0 };
	double t = T0;

	while (t < T0 + secs) {
		unsigned due = ticks_due(k, t);

		if (due)
			r.reads++;
		for (int i = 0; i < TICK__MAX; i++)
			r.n[i] += !!(due & TICK_BIT(i));
		if ((due & TICK_BIT(TICK_INTERVAL)) && (due & (TICK_BIT(TICK_HTTP) | TICK_BIT(TICK_FILE))))
			r.both++;
		ticks_advance(k, due, t);
		CHECK(ticks_due(k, t) == 0, "t=%.3f: something still due after the pass served it", t - T0);
		t = ticks_wake(k, t + POLL_S);
	}
	return r;
}

int main(void)
{
	struct ticks k;
	struct run r;

	/* --interval 1 --metrics: the HTTP numbers from the start, then each second with the report. */
	ticks_init(&k, T0, 1.0, true, false);
	r = simulate(&k, 10.0 + POLL_S / 2);
	CHECK(r.n[TICK_INTERVAL] == 10 && r.n[TICK_HTTP] == 11 && r.n[TICK_FILE] == 0,
	      "--interval 1 --metrics over 10 s: %u reports, %u refreshes, %u file writes", r.n[TICK_INTERVAL],
	      r.n[TICK_HTTP], r.n[TICK_FILE]);
	CHECK(r.both == 10 && r.reads == 11, "each report shares its read with a refresh: %u reads, %u shared", r.reads,
	      r.both);

	/* --interval 2 --metrics-file: the file every interval, with the report. */
	ticks_init(&k, T0, 2.0, false, true);
	r = simulate(&k, 10.0 + POLL_S / 2);
	CHECK(r.n[TICK_INTERVAL] == 5 && r.n[TICK_FILE] == 6 && r.both == 5 && r.reads == 6,
	      "--interval 2 --metrics-file: %u reports, %u writes, %u reads", r.n[TICK_INTERVAL], r.n[TICK_FILE], r.reads);

	/* --interval 0.5 with both metrics: reports at the half seconds read alone. */
	ticks_init(&k, T0, 0.5, true, true);
	r = simulate(&k, 4.0 + POLL_S / 2);
	CHECK(r.n[TICK_INTERVAL] == 8 && r.n[TICK_HTTP] == 5 && r.n[TICK_FILE] == 9 && r.reads == 9 && r.both == 8,
	      "--interval 0.5 --metrics --metrics-file: %u/%u/%u, %u reads", r.n[TICK_INTERVAL], r.n[TICK_HTTP],
	      r.n[TICK_FILE], r.reads);

	/* The metrics file alone: every ARGS_METRICS_FILE_PERIOD_S. */
	ticks_init(&k, T0, 0, false, true);
	r = simulate(&k, 3 * ARGS_METRICS_FILE_PERIOD_S + POLL_S / 2);
	CHECK(r.n[TICK_FILE] == 4 && r.reads == 4 && r.n[TICK_INTERVAL] == 0, "--metrics-file alone: %u writes",
	      r.n[TICK_FILE]);

	/* Nothing asked: never a read, the wake left as it was. */
	ticks_init(&k, T0, 0, false, false);
	CHECK(ticks_due(&k, T0 + 1e6) == 0 && ticks_wake(&k, T0 + 0.2) == T0 + 0.2, "no ticks: no read");

	/* A late pass: one read, and the next time past it by whole periods, no catching up. */
	ticks_init(&k, T0, 1.0, true, false);
	CHECK(ticks_due(&k, T0 + 3.5) == (TICK_BIT(TICK_INTERVAL) | TICK_BIT(TICK_HTTP)), "late: both due");
	ticks_advance(&k, ticks_due(&k, T0 + 3.5), T0 + 3.5);
	CHECK(k.next[TICK_INTERVAL] == T0 + 4.0 && k.next[TICK_HTTP] == T0 + 4.0 && ticks_wake(&k, T0 + 9) == T0 + 4.0,
	      "late: next at +%.2f/+%.2f", k.next[TICK_INTERVAL] - T0, k.next[TICK_HTTP] - T0);

	/* The file stopped after a write error stays stopped; the others go on. */
	ticks_init(&k, T0, 1.0, false, true);
	k.next[TICK_FILE] = 0;
	ticks_advance(&k, TICK_BIT(TICK_FILE), T0);
	r = simulate(&k, 5.0 + POLL_S / 2);
	CHECK(r.n[TICK_FILE] == 0 && r.n[TICK_INTERVAL] == 5 && k.next[TICK_FILE] == 0,
	      "stopped file: %u writes, %u reports", r.n[TICK_FILE], r.n[TICK_INTERVAL]);

	return test_result("test_ticks");
}
