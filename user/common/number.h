/* The one number syntax of every exitprof option: plain decimal only (digits, a decimal point,
 * an exponent), no sign, no hex, no "inf"/"nan", nothing after the number. So `--bin 0x10` is
 * an error everywhere, never 16 somewhere. 0 on success, -1 otherwise (*out untouched). */
#ifndef EXITPROF_NUMBER_H
#define EXITPROF_NUMBER_H

#include <stdint.h>

/* > 0, finite, <= max. */
int number_parse_positive(const char *s, double max, double *out);

/* 0..max, decimal digits only. */
int number_parse_uint(const char *s, int64_t max, int64_t *out);

/* A width in milliseconds, min_ms..max_ms, as whole nanoseconds (rounded). */
int number_parse_ms_as_ns(const char *s, double min_ms, double max_ms, uint64_t *ns);

#endif
