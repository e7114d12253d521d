/* exitprof's command lines, parsed in-process as the command parses them: `exitprof record`,
 * `plot` and `compare` by their own parsers, anything else by the profiler's (args_parse()).
 * argp runs with ARGP_NO_EXIT, so --help, --usage and argp's own errors return instead of ending
 * the run (run with -close_fd_mask=3: the help texts and error lines go nowhere).
 * Input: the words after "exitprof", each ended by a NUL byte (the last one's is optional). */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "compare_run.h"
#include "fuzz.h"
#include "plot.h"
#include "record.h"

#define MAX_WORDS 64

/* What a good parse promises its command. */
static void check_args(const struct args *a)
{
	FUZZ_ASSERT(!a->vm_pid != !a->all);
	FUZZ_ASSERT(a->vm_pid >= 0 && a->interval_s >= 0 && a->duration_s >= 0);
	FUZZ_ASSERT(!a->timeline || a->vm_pid);
	FUZZ_ASSERT(!a->bin_ns || a->timeline);
	FUZZ_ASSERT(!a->metrics || a->metrics_port);
	FUZZ_ASSERT(a->max_keys <= ARGS_MAX_KEYS_MAX);
}

/* The error line is one line, unless it quotes a word that holds a line end itself. */
static int one_line(const char *err, int argc, char **words)
{
	for (int i = 0; i < argc; i++)
		if (strchr(words[i], '\n'))
			return 1;
	return !strchr(err, '\n');
}

static int parse(int argc, char **argv, char **words)
{
	if (argc > 1 && !strcmp(argv[1], "record")) {
		struct record_args a;
		int rc = record_parse_args(argc - 1, argv + 1, &a, ARGP_NO_EXIT);

		FUZZ_ASSERT(rc || (a.boot && a.output && a.cmd && a.cmd[0] && a.bin_ns));
		return rc;
	}
	if (argc > 1 && !strcmp(argv[1], "plot")) {
		struct plot_args a;
		int rc = plot_parse_args(argc - 1, argv + 1, &a, ARGP_NO_EXIT);

		FUZZ_ASSERT(rc || (a.csv && (a.output || a.script) && a.top >= 1 && a.top <= 64 && a.bin_ms >= 0));
		return rc;
	}
	if (argc > 1 && !strcmp(argv[1], "compare")) {
		struct compare_args a;
		int rc = compare_parse_args(argc - 1, argv + 1, &a, ARGP_NO_EXIT);

		FUZZ_ASSERT(rc || (!(a.vm_pid && a.all) && (!a.kvm_stats || a.vm_pid) && a.duration_s >= 0));
		return rc;
	}
	struct args a;
	char err[ARGS_ERR_MAX];
	int rc = args_parse(argc, argv, &a, err, sizeof(err), true);

	if (rc == 0)
		check_args(&a);
	else
		FUZZ_ASSERT(rc == CLI_USAGE && err[0] && one_line(err, argc, words));
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Each word is a separate allocation, so reading past one is caught; argv[] keeps the
	 * pointers the parsers may replace (argv[0]) or keep. */
	char *words[MAX_WORDS + 1], *argv[MAX_WORDS + 2];
	int argc = 0;
	char *name = program_invocation_name, *short_name = program_invocation_short_name;

	words[argc++] = strdup("exitprof");
	for (size_t i = 0; i < size && argc < MAX_WORDS;) {
		const uint8_t *end = memchr(data + i, 0, size - i);
		size_t n = end ? (size_t)(end - (data + i)) : size - i;

		words[argc++] = strndup((const char *)data + i, n);
		i += n + 1;
	}
	for (int i = 0; i < argc; i++) {
		FUZZ_ASSERT(words[i] != NULL);
		argv[i] = words[i];
	}
	argv[argc] = NULL;
	int rc = parse(argc, argv, words);
	FUZZ_ASSERT(rc == 0 || rc == CLI_USAGE);
	/* argp's --program-name points the program's name into argv, which ends here. */
	program_invocation_name = name;
	program_invocation_short_name = short_name;
	for (int i = 0; i < argc; i++)
		free(words[i]);
	return 0;
}
