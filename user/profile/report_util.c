/* Small formatting helpers shared by the writers. */
#include <stdio.h>
#include "report.h"
#include "reasons.h"

void report_fmt_ns(uint64_t ns, char *buf, size_t len)
{
	static const struct { double div; const char *unit; } units[] = {
		{ 1e9, "s" }, { 1e6, "ms" }, { 1e3, "us" },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if ((double)ns >= units[i].div) {
			double v = (double)ns / units[i].div;
			snprintf(buf, len, v >= 100 ? "%.0f%s" : v >= 10 ? "%.1f%s" : "%.2f%s", v, units[i].unit);
			return;
		}
	}
	snprintf(buf, len, "%lluns", (unsigned long long)ns);
}
