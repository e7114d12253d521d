/* What every harness here shares: libFuzzer's entry point, and a check that stops the run the
 * way a crash does, so that a broken invariant is found, reported and kept like one. */
#ifndef EXITPROF_FUZZ_H
#define EXITPROF_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                     \
	do {                                                                                  \
		if (!(cond)) {                                                                \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                              \
		}                                                                             \
	} while (0)

/* A reader's error message: ended within its buffer, not empty, one line. */
#define FUZZ_ASSERT_ERROR_LINE(err) FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) && err[0] && !strchr(err, '\n'))

/* The input as a file to read (fmemopen() of 0 bytes fails: the empty file is /dev/null). */
static inline FILE *fuzz_file(const uint8_t *data, size_t size)
{
	FILE *f = size ? fmemopen((void *)data, size, "r") : fopen("/dev/null", "r");

	FUZZ_ASSERT(f != NULL);
	return f;
}

/* A sink for output the harness does not look at (formatted all the same). */
static inline FILE *fuzz_devnull(void)
{
	static FILE *f;

	if (!f)
		f = fopen("/dev/null", "w");
	FUZZ_ASSERT(f != NULL);
	return f;
}

#endif
