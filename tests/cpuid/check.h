/* CHECK() for the tests in this directory: report and count, keep going. */
#ifndef EXITPROF_TEST_CHECK_H
#define EXITPROF_TEST_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                        \
			fputc('\n', stderr);                                 \
			failures++;                                          \
		}                                                            \
	} while (0)

/* ctest's SKIP_RETURN_CODE for tests whose hardware or privilege is absent. */
#define TEST_SKIP 77

#endif
