/* The TSC frequency of this host, to turn the patched kernel's cycle counters into time.
 *
 * Sources, in the order tsc_freq() tries them for the value it uses:
 *   1. /sys/devices/system/cpu/cpu0/tsc_freq_khz (not in mainline; some distribution kernels);
 *   2. the kernel log (klogctl, root): the last "tsc: Refined TSC clocksource calibration: X MHz",
 *      else "tsc: Detected X MHz processor" / "tsc: Detected X MHz TSC";
 *   3. our own calibration: rdtsc against CLOCK_MONOTONIC_RAW over about 100 ms.
 * The calibration is always done too, so the output can show both and a wrong kernel value
 * (e.g. a tsc_early_khz= guess) is visible.
 */
#ifndef EXITPROF_TSC_H
#define EXITPROF_TSC_H

#include <stddef.h>
#include <stdint.h>

enum tsc_source { TSC_SRC_SYSFS, TSC_SRC_KLOG_REFINED, TSC_SRC_KLOG_DETECTED, TSC_SRC_CALIBRATED };

struct tsc_freq {
	double khz;		/* the value to use */
	enum tsc_source source; /* where it came from */
	double calibrated_khz;	/* own measurement against CLOCK_MONOTONIC_RAW, 0 if it failed */
	char detail[128];	/* e.g. the kernel log line the value came from */
};

/* Fills *f; returns 0, or -1 if no source gave a plausible value (then f->khz is 0). */
int tsc_freq(struct tsc_freq *f);

/* Finds the TSC frequency in a kernel log text (pure: unit-tested). The last "Refined" line
 * wins over any "Detected" line. Returns the kHz (0 if none) and sets *refined; the line's
 * message part is copied into line (if not NULL). */
double tsc_parse_klog(const char *log, size_t len, int *refined, char *line, size_t linelen);

/* rdtsc against CLOCK_MONOTONIC_RAW over about ms milliseconds; 0 on failure. */
double tsc_calibrate_khz(unsigned ms);

/* "sysfs tsc_freq_khz", "kernel log (refined calibration)", ... */
const char *tsc_source_str(enum tsc_source s);

/* cycles -> ns at khz (0 if khz is not positive). */
static inline double tsc_cycles_to_ns(uint64_t cycles, double khz)
{
	return khz > 0 ? (double)cycles * 1e6 / khz : 0;
}

#endif
