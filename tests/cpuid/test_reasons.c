/* Unit test of user/guest/reasons.c: the tables against the kernel's own kvm_exit symbol
 * lists (a copy of 6.18's tracepoint format, the fixture given as argv[1]), plus
 * the structural properties every caller relies on. */
#include "reasons.h"

#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Parses one symbol value as the tracepoint writes it: "10", "0x072",
 * "0x040 + 13", "-1". */
static uint32_t parse_value(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 0);

	while (*end == ' ')
		end++;
	if (*end == '+')
		v += strtoll(end + 1, &end, 0);
	return (uint32_t)v;
}

/* Checks every { value, "name" } pair of the __print_symbolic() list starting at
 * p (up to the list's closing parenthesis) against our table. Returns the
 * number of pairs checked. */
static int check_symbols(unsigned isa, const char *p)
{
	int n = 0;

	while (*p && *p != ')') {
		const char *open = strchr(p, '{');
		const char *close_paren = strchr(p, ')');
		char name[64];
		const char *q1, *q2;
		uint32_t code;

		if (!open || (close_paren && close_paren < open))
			break;
		code = parse_value(open + 1);
		q1 = strchr(open, '"');
		q2 = q1 ? strchr(q1 + 1, '"') : NULL;
		if (!q2 || (size_t)(q2 - q1 - 1) >= sizeof(name)) {
			CHECK(0, "malformed symbol list near: %.40s", open);
			return n;
		}
		memcpy(name, q1 + 1, (size_t)(q2 - q1 - 1));
		name[q2 - q1 - 1] = '\0';
		p = strchr(q2, '}') + 1;
		n++;

		/* The GHCB software exit codes (0x8000xxxx) that share the kernel's list
		 * are not SVM exit codes: kvm_exit reports them as 0x403 vmgexit. */
		if (isa == EXIT_ISA_SVM && (code & 0xffff0000u) == 0x80000000u) {
			CHECK(exit_reason_name(isa, code) == NULL,
			      "GHCB sub-code 0x%x must not be an exit code", code);
			continue;
		}
		const char *ours = exit_reason_name(isa, code);
		CHECK(ours != NULL, "%s code 0x%x (%s) named by the kernel is missing",
		      exit_isa_name(isa), code, name);
		if (ours)
			CHECK(strcmp(ours, name) == 0, "%s code 0x%x: kernel \"%s\", ours \"%s\"",
			      exit_isa_name(isa), code, name, ours);
	}
	return n;
}

static void check_against_kernel(const char *fixture)
{
	char *text = read_file(fixture);
	const char *vmx, *svm;
	int nvmx, nsvm;

	CHECK(text != NULL, "cannot read fixture %s", fixture);
	if (!text)
		return;
	vmx = strstr(text, "__print_symbolic(REC->exit_reason & 0xffff,");
	svm = strstr(text, "__print_symbolic(REC->exit_reason,");
	CHECK(vmx && svm, "fixture has no VMX/SVM symbol lists");
	if (vmx && svm) {
		nvmx = check_symbols(EXIT_ISA_VMX, strchr(vmx, ','));
		nsvm = check_symbols(EXIT_ISA_SVM, strchr(svm, ','));
		/* Guards against a parser that silently stops early. */
		CHECK(nvmx == 65, "parsed %d VMX symbols from the fixture, expected 65", nvmx);
		CHECK(nsvm == 110, "parsed %d SVM symbols from the fixture, expected 110", nsvm);
		printf("kernel lists: %d VMX and %d SVM symbols checked\n", nvmx, nsvm);
	}
	free(text);
}

static void check_structure(unsigned isa)
{
	size_t n = exit_reason_count(isa);

	CHECK(n > 0, "%s table empty", exit_isa_name(isa));
	for (size_t i = 0; i < n; i++) {
		uint32_t code = exit_reason_code_at(isa, i);
		const char *name = exit_reason_name(isa, code);
		uint32_t back;
		char buf[EXIT_REASON_NAME_MAX];

		if (i > 0)
			CHECK(exit_reason_code_at(isa, i - 1) < code,
			      "%s table not strictly ascending at index %zu", exit_isa_name(isa), i);
		CHECK(name && *name, "%s code 0x%x has no name", exit_isa_name(isa), code);
		if (!name)
			continue;
		CHECK(strlen(name) < EXIT_REASON_NAME_MAX, "name too long: %s", name);
		CHECK(strncmp(name, "UNKNOWN", 7) != 0, "name looks like an unknown code: %s", name);
		/* Names are unique, so lookup by name gives back the same code. */
		CHECK(exit_reason_lookup(isa, name, &back) == 0 && back == code,
		      "%s lookup of \"%s\" did not return 0x%x", exit_isa_name(isa), name, code);
		exit_reason_format(isa, code, buf, sizeof(buf));
		CHECK(strcmp(buf, name) == 0, "format of 0x%x gave %s", code, buf);
	}
}

static void check_undefined(unsigned isa, uint32_t code)
{
	char buf[EXIT_REASON_NAME_MAX], want[EXIT_REASON_NAME_MAX];

	CHECK(exit_reason_name(isa, code) == NULL, "%s 0x%x should be undefined, got %s",
	      exit_isa_name(isa), code, exit_reason_name(isa, code));
	exit_reason_format(isa, code, buf, sizeof(buf));
	snprintf(want, sizeof(want), "UNKNOWN(0x%x)", code);
	CHECK(strcmp(buf, want) == 0, "format of undefined 0x%x gave %s", code, buf);
}

static void check_defined(unsigned isa, uint32_t code, const char *name)
{
	const char *ours = exit_reason_name(isa, code);

	CHECK(ours && strcmp(ours, name) == 0, "%s 0x%x: want %s, got %s", exit_isa_name(isa),
	      code, name, ours ? ours : "(null)");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s kvm_exit_format.txt\n", argv[0]);
		return 2;
	}
	check_against_kernel(argv[1]);
	check_structure(EXIT_ISA_VMX);
	check_structure(EXIT_ISA_SVM);

	/* SDM gaps and codes past the last defined reason. */
	{
		static const uint32_t gaps[] = { 35, 38, 42, 71, 82, 83, 86, 0xffff, 0x80000000u,
						 0x8000000a };
		for (size_t i = 0; i < sizeof(gaps) / sizeof(gaps[0]); i++)
			check_undefined(EXIT_ISA_VMX, gaps[i]);
	}
	/* Every SDM code 0..85 outside the gaps is defined. */
	for (uint32_t c = 0; c <= 85; c++) {
		int gap = c == 35 || c == 38 || c == 42 || c == 71 || c == 82 || c == 83;
		CHECK(gap == (exit_reason_name(EXIT_ISA_VMX, c) == NULL),
		      "VMX %u: defined=%d expected %d", c, !gap, gap ? 0 : 1);
	}
	/* APM: every CR/DR read/write and all 32 exception vectors are exit codes. */
	for (uint32_t c = 0; c < 0x60; c++)
		CHECK(exit_reason_name(EXIT_ISA_SVM, c) != NULL, "SVM 0x%x undefined", c);
	for (uint32_t c = 0x60; c <= 0xa6; c++)
		CHECK(exit_reason_name(EXIT_ISA_SVM, c) != NULL, "SVM 0x%x undefined", c);
	check_defined(EXIT_ISA_SVM, 0x05f, "excp31");
	check_defined(EXIT_ISA_SVM, 0x042, "excp2");
	check_defined(EXIT_ISA_SVM, 0x08c, "mwait_cond");
	check_defined(EXIT_ISA_SVM, 0xfffffffe, "busy");
	check_defined(EXIT_ISA_VMX, 78, "RDMSRLIST");
	{
		static const uint32_t gaps[] = { 0xa7, 0x100, 0x200, 0x3ff, 0x404, 0x405, 0x406,
						 0x408, 0x80000001u, 0x8000fffd, 0xfffffffb };
		for (size_t i = 0; i < sizeof(gaps) / sizeof(gaps[0]); i++)
			check_undefined(EXIT_ISA_SVM, gaps[i]);
	}

	/* Unknown ISA: nothing is defined, nothing iterates. */
	CHECK(exit_reason_name(0, 10) == NULL && exit_reason_name(3, 10) == NULL, "isa 0/3");
	CHECK(exit_reason_count(0) == 0 && exit_isa_name(7) == NULL, "isa 0/7 count/name");
	CHECK(exit_reason_code_at(EXIT_ISA_VMX, exit_reason_count(EXIT_ISA_VMX)) == UINT32_MAX,
	      "code_at out of range");
	/* Truncation keeps a terminated string. */
	{
		char small[5];
		exit_reason_format(EXIT_ISA_SVM, 0x999, small, sizeof(small));
		CHECK(strcmp(small, "UNKN") == 0, "truncated format gave %s", small);
	}

	printf("VMX: %zu reasons, SVM: %zu codes\n", exit_reason_count(EXIT_ISA_VMX),
	       exit_reason_count(EXIT_ISA_SVM));
	return test_result("reasons");
}
