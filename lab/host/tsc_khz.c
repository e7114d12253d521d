/* tsc-khz: this host's TSC frequency in kHz on stdout, for the lab's tsc_early_khz=.
 *
 * Under QEMU's software emulation the guest's TSC ticks at the host's TSC rate, so L1 must be
 * told that rate. /proc/cpuinfo's "cpu MHz" is the current core clock on hosts that scale their
 * frequency, not the TSC's: the kernel's own TSC value (user/tsc.h) is used instead, and our
 * calibration against CLOCK_MONOTONIC_RAW is printed beside it on stderr. Exit 1 if neither
 * gives a value, or if they differ by more than 2% (a wrong kernel value would make every
 * cycles-to-time conversion in the lab wrong).
 */
#include <math.h>
#include <stdio.h>
#include "tsc.h"

int main(void)
{
	struct tsc_freq f;

	if (tsc_freq(&f)) {
		fprintf(stderr, "tsc-khz: no TSC frequency (no kernel value, calibration failed): pass one with EXITPROF_LAB_TSC_KHZ\n");
		return 1;
	}
	fprintf(stderr, "tsc-khz: %.0f kHz from %s (%s); own calibration %.0f kHz\n", f.khz, tsc_source_str(f.source),
		f.detail, f.calibrated_khz);
	if (f.calibrated_khz > 0 && fabs(f.khz - f.calibrated_khz) > 0.02 * f.khz) {
		fprintf(stderr, "tsc-khz: the kernel's %.0f kHz and the measured %.0f kHz differ by more than 2%%: pass the right one with EXITPROF_LAB_TSC_KHZ\n",
			f.khz, f.calibrated_khz);
		return 1;
	}
	printf("%.0f\n", f.khz);
	return 0;
}
