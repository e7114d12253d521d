/* The CPUID leaves' answers as exitprof-cpuid decodes them: the whole reader
 * (exitprof_cpuid_main(), built without its main()) with its CPUID seam answering from the input,
 * and the decoder's contract on every answer (leaf_decode(), leaf_encode()).
 * Input: the reader's arguments as one line of words separated by spaces, then a LF, then the
 * answers in the order the reader asks: 16 bytes each, eax ebx ecx edx (little-endian). When
 * the answers run out, CPUID fails (as only a test's seam can). */
#define _GNU_SOURCE
#include <string.h>

#include "fuzz.h"
#include "leaves.h"

#define MAX_WORDS 64

int exitprof_cpuid_main(int argc, char **argv, leaf_cpuid_fn fn, void *ctx, FILE *out, FILE *err);

struct answers {
	const uint8_t *p;
	size_t n, next;
};

/* The contract (docs/leaves.md): what decodes as valid encodes back to the same registers;
 * anything else decodes to zeros. */
static void check_decode(const struct leaf_regs *r)
{
	struct leaf_value v;
	struct leaf_regs back;
	enum leaf_status s = leaf_decode(r, &v);

	if (s == LEAF_VALID) {
		FUZZ_ASSERT(v.count < 0x7FFFFFFF00000000ull); /* leaf_encode()'s domain */
		leaf_encode(v.count, v.cycles, &back);
		FUZZ_ASSERT(!memcmp(&back, r, sizeof(back)));
	} else {
		FUZZ_ASSERT(v.count == 0 && v.cycles == 0);
		FUZZ_ASSERT(s == LEAF_UNDEFINED || s == LEAF_NOT_HANDLED || s == LEAF_FOREIGN);
	}
	FUZZ_ASSERT(leaf_status_str(s)[0] != '?');
}

static int answer(void *ctx, uint32_t leaf, uint32_t subleaf, struct leaf_regs *out)
{
	struct answers *a = ctx;

	(void)leaf;
	(void)subleaf;
	if (a->n - a->next < 16)
		return -1;
	memcpy(out, a->p + a->next, 16); /* x86: little-endian, as the registers are stored */
	a->next += 16;
	check_decode(out);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *lf = memchr(data, '\n', size);
	size_t line_len = lf ? (size_t)(lf - data) : size;
	struct answers a = { lf ? lf + 1 : data + size, lf ? size - line_len - 1 : 0, 0 };
	char *line = strndup((const char *)data, line_len), *words[MAX_WORDS + 1], *argv[MAX_WORDS + 1];
	int argc = 0;

	FUZZ_ASSERT(line != NULL);
	words[argc++] = strdup("exitprof-cpuid");
	for (char *save, *t = strtok_r(line, " ", &save); t && argc < MAX_WORDS; t = strtok_r(NULL, " ", &save))
		words[argc++] = strdup(t);
	for (int i = 0; i < argc; i++) {
		FUZZ_ASSERT(words[i] != NULL);
		argv[i] = words[i];
	}
	argv[argc] = NULL;
	int rc = exitprof_cpuid_main(argc, argv, answer, &a, fuzz_devnull(), fuzz_devnull());
	FUZZ_ASSERT(rc == 0 || rc == 1 || rc == 2);
	for (int i = 0; i < argc; i++)
		free(words[i]);
	free(line);
	return 0;
}
