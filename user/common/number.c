/* See number.h. */
#include "number.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int number_parse_positive(const char *s, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s || !strchr("0123456789.", s[0]) || s[strspn(s, "0123456789.eE+-")] != '\0')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

int number_parse_uint(const char *s, int64_t max, int64_t *out)
{
	int64_t v = 0;

	if (!s || !*s)
		return -1;
	for (const char *p = s; *p; p++) {
		int digit = *p - '0';

		if (*p < '0' || *p > '9')
			return -1;
		/* v * 10 + digit > max, checked before it is computed: near INT64_MAX it would overflow. */
		if (digit > max || v > (max - digit) / 10)
			return -1;
		v = v * 10 + digit;
	}
	*out = v;
	return 0;
}

int number_parse_ms_as_ns(const char *s, double min_ms, double max_ms, uint64_t *ns)
{
	double ms;

	if (number_parse_positive(s, max_ms, &ms) || ms < min_ms)
		return -1;
	*ns = (uint64_t)(ms * 1e6 + 0.5);
	return 0;
}
