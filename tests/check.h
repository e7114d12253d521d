/* CHECK() for the tests in this directory: report and count, keep going. */
#ifndef EXITPROF_TEST_CHECK_H
#define EXITPROF_TEST_CHECK_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

/* CHECK with the condition itself as the message. */
#define CHECK_C(cond) CHECK(cond, "%s", #cond)

/* ctest's SKIP_RETURN_CODE for tests whose hardware or privilege is absent. */
#define TEST_SKIP 77

/* Returns 0 if /dev/kvm can be opened; otherwise says why and returns 1. */
static inline int kvm_missing(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("SKIP: /dev/kvm: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	return 0;
}

/* The last line of every test's main(). */
static inline int test_result(const char *name)
{
	if (failures)
		fprintf(stderr, "%s: %d check(s) failed\n", name, failures);
	else
		printf("%s: all checks passed\n", name);
	return failures ? 1 : 0;
}

#endif
