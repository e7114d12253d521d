/* See tsc.h. */
#include "tsc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <time.h>

#define SYSLOG_ACTION_READ_ALL 3
#define SYSLOG_ACTION_SIZE_BUFFER 10

/* Plausible TSC rates: 100 MHz .. 100 GHz (anything else is a parse or calibration error). */
#define TSC_KHZ_MIN 1e5
#define TSC_KHZ_MAX 1e8

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

const char *tsc_source_str(enum tsc_source s)
{
	switch (s) {
	case TSC_SRC_SYSFS:
		return "sysfs tsc_freq_khz";
	case TSC_SRC_KLOG_REFINED:
		return "kernel log, refined calibration";
	case TSC_SRC_KLOG_DETECTED:
		return "kernel log, boot detection";
	case TSC_SRC_CALIBRATED:
		return "own calibration against CLOCK_MONOTONIC_RAW";
	}
	return "?";
}

/* "X.YYY MHz" at p (after the prefix) -> kHz, 0 if not a number. */
static double mhz_at(const char *p)
{
	char *end;
	double mhz = strtod(p, &end);

	if (end == p || strncmp(end, " MHz", 4) != 0)
		return 0;
	return mhz * 1000.0;
}

double tsc_parse_klog(const char *log, size_t len, int *refined, char *line, size_t linelen)
{
	static const char refined_tag[] = "tsc: Refined TSC clocksource calibration: ";
	static const char detected_tag[] = "tsc: Detected ";
	double ref = 0, det = 0;
	const char *ref_line = NULL, *det_line = NULL, *end = log + len;

	for (const char *p = log; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *eol = nl ? nl : end;
		size_t n = (size_t)(eol - p);
		char buf[256];
		const char *hit;

		if (n >= sizeof(buf))
			n = sizeof(buf) - 1;
		memcpy(buf, p, n);
		buf[n] = '\0';
		if ((hit = strstr(buf, refined_tag)) && mhz_at(hit + sizeof(refined_tag) - 1) > 0) {
			ref = mhz_at(hit + sizeof(refined_tag) - 1);
			ref_line = p + (hit - buf);
		} else if ((hit = strstr(buf, detected_tag)) && mhz_at(hit + sizeof(detected_tag) - 1) > 0) {
			det = mhz_at(hit + sizeof(detected_tag) - 1);
			det_line = p + (hit - buf);
		}
		p = eol + 1;
	}
	*refined = ref > 0;
	if (line && linelen) {
		const char *src = ref > 0 ? ref_line : det_line;

		line[0] = '\0';
		if (src) {
			const char *nl = memchr(src, '\n', (size_t)(end - src));
			size_t n = nl ? (size_t)(nl - src) : (size_t)(end - src);

			snprintf(line, linelen, "%.*s", (int)n, src);
		}
	}
	return ref > 0 ? ref : det;
}

double tsc_calibrate_khz(unsigned ms)
{
	struct timespec a, b;
	uint64_t t0, t1;
	double ns;

	/* Two reads of each clock; the sleep is long enough that their skew does not matter
	 * (about 1 us against 100 ms: 10 ppm). */
	clock_gettime(CLOCK_MONOTONIC_RAW, &a);
	t0 = rdtsc();
	nanosleep(&(struct timespec){ ms / 1000, (long)(ms % 1000) * 1000000L }, NULL);
	t1 = rdtsc();
	clock_gettime(CLOCK_MONOTONIC_RAW, &b);
	ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	if (ns <= 0 || t1 <= t0)
		return 0;
	ns = (double)(t1 - t0) * 1e6 / ns;
	return ns >= TSC_KHZ_MIN && ns <= TSC_KHZ_MAX ? ns : 0;
}

static double sysfs_khz(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/cpu0/tsc_freq_khz", "r");
	double v = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%lf", &v) != 1)
		v = 0;
	fclose(f);
	return v >= TSC_KHZ_MIN && v <= TSC_KHZ_MAX ? v : 0;
}

static double klog_khz(int *refined, char *line, size_t linelen)
{
	int size = klogctl(SYSLOG_ACTION_SIZE_BUFFER, NULL, 0);
	char *buf;
	double v = 0;
	int n;

	if (size <= 0)
		return 0;
	buf = malloc((size_t)size);
	if (!buf)
		return 0;
	n = klogctl(SYSLOG_ACTION_READ_ALL, buf, size);
	if (n > 0)
		v = tsc_parse_klog(buf, (size_t)n, refined, line, linelen);
	free(buf);
	return v >= TSC_KHZ_MIN && v <= TSC_KHZ_MAX ? v : 0;
}

int tsc_freq(struct tsc_freq *f)
{
	int refined = 0;

	memset(f, 0, sizeof(*f));
	f->calibrated_khz = tsc_calibrate_khz(100);
	if ((f->khz = sysfs_khz()) > 0) {
		f->source = TSC_SRC_SYSFS;
		snprintf(f->detail, sizeof(f->detail), "/sys/devices/system/cpu/cpu0/tsc_freq_khz");
	} else if ((f->khz = klog_khz(&refined, f->detail, sizeof(f->detail))) > 0) {
		f->source = refined ? TSC_SRC_KLOG_REFINED : TSC_SRC_KLOG_DETECTED;
	} else if ((f->khz = f->calibrated_khz) > 0) {
		f->source = TSC_SRC_CALIBRATED;
		snprintf(f->detail, sizeof(f->detail), "rdtsc over 100 ms of CLOCK_MONOTONIC_RAW");
	}
	return f->khz > 0 ? 0 : -1;
}
