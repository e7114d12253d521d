// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* See cli.h. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_flush_stdout(const char *prog, const char *what, int rc, int fail_rc)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return rc;
	cli_error(prog, "cannot write %s (%s): check where stdout goes", what, strerror(errno));
	return fail_rc;
}

error_t cli_usage_error(const struct argp_state *state, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", state->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EINVAL;
}

/* argp's built-in options, beside a parser's own. Not its hidden --HANG[=SECS], a debugging aid
 * that sleeps (an hour by default, also for the prefix --H): left out here, it is refused as an
 * unknown option before argp sees it. */
static const struct argp_option builtin_options[] = {
	{ "help", '?', NULL, 0, NULL, 0 },
	{ "usage", 0, NULL, 0, NULL, 0 },
	{ "version", 'V', NULL, 0, NULL, 0 },
	{ "program-name", 0, "NAME", 0, NULL, 0 },
	{ 0 },
};

static int table_end(const struct argp_option *o)
{
	return !o->name && !o->key && !o->doc && !o->group;
}

/* The option a long name (without "--", up to '=' or len) names: exact, else a unique prefix.
 * *needs_arg: it takes a separate argument when no '=' follows. NULL if none or ambiguous. */
static const struct argp_option *long_option(const struct argp_option *const tables[2], const char *name,
					     size_t len, int *needs_arg)
{
	const struct argp_option *found = NULL, *found_arg = NULL;
	int matches = 0;

	for (int t = 0; t < 2; t++) {
		const struct argp_option *arg_holder = NULL; /* aliases take the argument of the option before */

		for (const struct argp_option *o = tables[t]; !table_end(o); o++) {
			if (!(o->flags & OPTION_ALIAS))
				arg_holder = o;
			if (!o->name || (o->flags & OPTION_DOC) || strncmp(o->name, name, len))
				continue;
			if (strlen(o->name) == len) {
				*needs_arg = arg_holder->arg && !(arg_holder->flags & OPTION_ARG_OPTIONAL);
				return o;
			}
			if (!found || found != o)
				matches++;
			found = o;
			found_arg = arg_holder;
		}
	}
	if (matches != 1)
		return NULL;
	*needs_arg = found_arg->arg && !(found_arg->flags & OPTION_ARG_OPTIONAL);
	return found;
}

/* The option a short key names; *needs_arg as for long_option(). */
static const struct argp_option *short_option(const struct argp_option *const tables[2], char key, int *needs_arg)
{
	for (int t = 0; t < 2; t++) {
		const struct argp_option *arg_holder = NULL;

		for (const struct argp_option *o = tables[t]; !table_end(o); o++) {
			if (!(o->flags & OPTION_ALIAS))
				arg_holder = o;
			if (o->key == key && !(o->flags & OPTION_DOC) && key > ' ' && key < 0x7f) {
				*needs_arg = arg_holder->arg && !(arg_holder->flags & OPTION_ARG_OPTIONAL);
				return o;
			}
		}
	}
	return NULL;
}

const char *cli_unknown_option(const struct argp *argp, int argc, char **argv)
{
	static const struct argp_option none[] = { { 0 } };
	const struct argp_option *const tables[2] = { argp->options ? argp->options : none, builtin_options };
	int needs_arg;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--"))
			return NULL;
		if (a[0] != '-' || !a[1])
			continue; /* an argument ("-" alone is one too) */
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);

			if (!long_option(tables, a + 2, len, &needs_arg))
				return a;
			if (needs_arg && !eq)
				i++; /* its argument */
			continue;
		}
		for (const char *c = a + 1; *c; c++) {
			if (!short_option(tables, *c, &needs_arg))
				return a;
			if (needs_arg) {
				if (!c[1])
					i++; /* "-d 5": the next word */
				break;	 /* "-d5": the rest of this word */
			}
		}
	}
	return NULL;
}

int subcommand_parse(const struct argp *argp, const char *prog, int argc, char **argv, void *input,
		     unsigned flags)
{
	argp_err_exit_status = CLI_USAGE;
	if (argc < 1)
		return CLI_USAGE; /* argv[0] is always the subcommand's own word */
	/* argp names the program after argv[0]: make errors read "exitprof NAME: ...". argv itself
	 * is parsed in place: the parsed options may point into it (record keeps the VMM command). */
	argv[0] = (char *)prog;
	const char *unknown = cli_unknown_option(argp, argc, argv);
	if (unknown) {
		cli_error(prog, "'%s' is not an option: see %s --help", unknown, prog);
		return CLI_USAGE;
	}
	return argp_parse(argp, argc, argv, flags, NULL, input) ? CLI_USAGE : 0;
}
