/* Unit test of the guest reader (user/guest/exitprof-cpuid.c, built without its main())
 * driven through its cpuid seam by the simulated kernel: table and CSV contents,
 * --reason/--all/--isa, vendor detection, and the exit-2 line of a kernel without
 * the leaves. Expected values are computed from the simulation's own counters. */
#include "leaves.h"
#include "reasons.h"

#include "check.h"
#include "sim_kernel.h"

#include <stdlib.h>
#include <string.h>

int exitprof_cpuid_main(int argc, char **argv, leaf_cpuid_fn fn, void *ctx, FILE *out, FILE *err);

struct result {
	int rc;
	char *out, *err;
	size_t out_len, err_len;
};

static struct result run(struct sim *s, const char *args)
{
	char buf[512], *argv[32];
	int argc = 0;
	struct result r = { 0 };
	FILE *out = open_memstream(&r.out, &r.out_len);
	FILE *err = open_memstream(&r.err, &r.err_len);

	snprintf(buf, sizeof(buf), "exitprof-cpuid %s", args);
	for (char *t = strtok(buf, " "); t && argc < 31; t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	r.rc = exitprof_cpuid_main(argc, argv, sim_cpuid, s, out, err);
	fclose(out);
	fclose(err);
	return r;
}

static void done(struct result *r)
{
	free(r->out);
	free(r->err);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The CSV line of a reason ("<code>,"), or NULL. */
static const char *csv_line(const char *csv, uint32_t code)
{
	char key[16];
	const char *p = csv;

	snprintf(key, sizeof(key), "%u,", code);
	while (p && *p) {
		if (!strncmp(p, key, strlen(key)))
			return p;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return NULL;
}

static const struct sim_fixed svm_fixed[] = {
	{ 0x078, 5, 50000 }, /* hlt */
	{ 0x400, 4, 4000 },  /* npf */
};

static struct sim patched_svm(void)
{
	return (struct sim){ .patched = 1, .isa = EXIT_ISA_SVM, .fail_after = -1,
			     .not_handled_reason = 0x08e, .fixed = svm_fixed, .nfixed = 2 };
}

static void test_table_default(void)
{
	struct sim s = patched_svm();
	struct result r = run(&s, "");
	char want[128];

	CHECK(r.rc == 0 && r.err_len == 0, "rc %d err %s", r.rc, r.err);
	CHECK(strstr(r.out, "SVM exit reasons (CPU vendor AuthenticAMD)") != NULL, "header:\n%s", r.out);
	/* Rows: only nonzero counts: cpuid, hlt, npf. */
	CHECK(strstr(r.out, "\n0x072      cpuid ") && strstr(r.out, "\n0x078      hlt ") &&
		      strstr(r.out, "\n0x400      npf "),
	      "rows missing:\n%s", r.out);
	CHECK(!strstr(r.out, "rdpru") && !strstr(r.out, "\n0x07b"), "zero rows shown:\n%s", r.out);
	snprintf(want, sizeof(want), "3 of %zu reasons shown", exit_reason_count(EXIT_ISA_SVM));
	CHECK(strstr(r.out, want) != NULL, "footer count:\n%s", r.out);
	snprintf(want, sizeof(want), "This read executed %d CPUIDs", s.calls);
	CHECK(strstr(r.out, want) != NULL, "footer CPUIDs (%d):\n%s", s.calls, r.out);
	/* vendor 1 + probe 2 + total 1 + one per reason */
	CHECK(s.calls == 4 + (int)exit_reason_count(EXIT_ISA_SVM), "calls %d", s.calls);
	done(&r);
}

static void test_csv_all(void)
{
	struct sim s = patched_svm();
	struct result r = run(&s, "--csv --all");
	size_t n = exit_reason_count(EXIT_ISA_SVM), i_cpuid = 0;
	char want[128];
	const char *l;

	CHECK(r.rc == 0, "rc %d: %s", r.rc, r.err);
	CHECK(count_lines(r.out) == 2 + n, "%zu lines, want %zu", count_lines(r.out), 2 + n);
	CHECK(!strncmp(r.out, "reason,name,status,count,cycles\n", 32), "header");
	/* Total read after vendor + probe: 4 CPUID exits plus the fixed reasons. */
	snprintf(want, sizeof(want), "\ntotal,total,valid,%llu,%llu\n",
		 (unsigned long long)(4 + sim_fixed_total(&s, 0)),
		 (unsigned long long)(4 * SIM_CPUID_CYCLES + sim_fixed_total(&s, 1)));
	CHECK(strstr(r.out, want) != NULL, "total row, want %s in\n%.200s", want + 1, r.out);
	CHECK((l = csv_line(r.out, 0x78)) && !strncmp(l, "120,hlt,valid,5,50000\n", 22), "hlt row");
	CHECK((l = csv_line(r.out, 0x8e)) && !strncmp(l, "142,rdpru,not handled by KVM,,\n", 31),
	      "not handled row: %.40s", l ? l : "(none)");
	CHECK((l = csv_line(r.out, 0x7b)) && !strncmp(l, "123,io,valid,0,0\n", 17), "zero row");
	while (exit_reason_code_at(EXIT_ISA_SVM, i_cpuid) != 0x72)
		i_cpuid++;
	snprintf(want, sizeof(want), "114,cpuid,valid,%zu,%zu\n", 4 + i_cpuid + 1,
		 (4 + i_cpuid + 1) * SIM_CPUID_CYCLES);
	CHECK((l = csv_line(r.out, 0x72)) && !strncmp(l, want, strlen(want)), "cpuid row, want %s", want);
	/* Every row's name is the table's. */
	for (size_t i = 0; i < n; i++) {
		uint32_t code = exit_reason_code_at(EXIT_ISA_SVM, i);
		snprintf(want, sizeof(want), "%u,%s,", code, exit_reason_name(EXIT_ISA_SVM, code));
		CHECK((l = csv_line(r.out, code)) && !strncmp(l, want, strlen(want)), "row %s", want);
	}
	done(&r);
}

static void test_reason_args(void)
{
	struct sim s = patched_svm();
	struct result r = run(&s, "--csv --reason 0x404 --reason hlt --reason 120 --reason 0x7b");

	CHECK(r.rc == 0, "rc %d: %s", r.rc, r.err);
	CHECK(count_lines(r.out) == 2 + 4, "lines %zu:\n%s", count_lines(r.out), r.out);
	CHECK(strstr(r.out, "\n1028,UNKNOWN(0x404),undefined by SDM/APM,,\n") != NULL, "0x404:\n%s",
	      r.out);
	CHECK(strstr(r.out, "\n120,hlt,valid,5,50000\n120,hlt,valid,5,50000\n") != NULL, "hlt twice");
	CHECK(strstr(r.out, "\n123,io,valid,0,0\n") != NULL, "asked zero row is shown");
	/* vendor + probe 2 + total + 4 reasons */
	CHECK(s.calls == 8, "calls %d", s.calls);
	done(&r);

	s = patched_svm();
	r = run(&s, "--reason EPT_VIOLATION");
	CHECK(r.rc == 1 && strstr(r.err, "not a number or a SVM reason name") && count_lines(r.err) == 1,
	      "VMX name on SVM: %s", r.err);
	done(&r);
}

static void test_isa_choice(void)
{
	/* An Intel guest vendor selects VMX numbering. */
	struct sim s = { .patched = 1, .isa = EXIT_ISA_VMX, .fail_after = -1,
			 .vendor = { 0x756e6547, 0x49656e69, 0x6c65746e } };
	struct result r = run(&s, "--reason EPT_VIOLATION --reason 10");

	CHECK(r.rc == 0 && strstr(r.out, "VMX exit reasons (CPU vendor GenuineIntel)") &&
		      strstr(r.out, "\n48         EPT_VIOLATION ") && strstr(r.out, "\n10         CPUID "),
	      "VMX table:\n%s%s", r.out, r.err);
	done(&r);

	/* --isa overrides the vendor and costs no vendor CPUID. */
	s = patched_svm();
	r = run(&s, "--isa svm --reason cpuid --csv");
	CHECK(r.rc == 0 && strstr(r.out, "\n114,cpuid,valid,4,") && s.calls == 4,
	      "override: calls %d\n%s", s.calls, r.out);
	done(&r);

	s = patched_svm();
	s.vendor[0] = 0x61656c41; /* "Alea" ... not a vendor we know */
	s.vendor[1] = 0x61656c41;
	s.vendor[2] = 0x61656c41;
	r = run(&s, "");
	CHECK(r.rc == 1 && strstr(r.err, "say --isa vmx or --isa svm") && count_lines(r.err) == 1,
	      "unknown vendor: %s", r.err);
	done(&r);
}

static void test_absent_and_errors(void)
{
	static const struct leaf_regs answers[] = {
		{ 0, 0, 0, 0 },		      /* recorded on this machine: unpatched, AMD vendor */
		{ 0x7, 0x240, 0x340, 0 },     /* recorded: unpatched, Intel vendor, basic leaf 0xd */
		{ 1, 0, 0, 0x80000000 },      /* total valid, but undefined reason not answered */
	};
	for (size_t i = 0; i < 3; i++) {
		struct sim s = { .patched = 0, .unpatched = answers[i], .isa = EXIT_ISA_SVM,
				 .fail_after = -1 };
		struct result r = run(&s, "--all");
		CHECK(r.rc == 2 && r.out_len == 0 && count_lines(r.err) == 1 &&
			      strstr(r.err, "does not implement the exitprof CPUID leaves"),
		      "absent %zu: rc %d out %s err %s", i, r.rc, r.out, r.err);
		done(&r);
	}
	struct sim f = patched_svm();
	f.fail_after = 3;
	struct result r = run(&f, "");
	CHECK(r.rc == 1 && strstr(r.err, "CPUID failed"), "cpuid failure: %d %s", r.rc, r.err);
	done(&r);

	static const char *bad[] = { "--isa arm", "--bogus", "extra", "--reason", "--reason -1",
				     "--reason 0x100000000" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sim s = patched_svm();
		r = run(&s, bad[i]);
		CHECK(r.rc == 1 && count_lines(r.err) == 1 && r.out_len == 0, "'%s': rc %d err %s",
		      bad[i], r.rc, r.err);
		done(&r);
	}
	struct sim h = patched_svm();
	r = run(&h, "--help");
	CHECK(r.rc == 0 && strstr(r.out, "Usage: exitprof-cpuid") && h.calls == 0, "help");
	done(&r);
	/* -h ends the call inside a cluster of short options; the next call reads its own command
	 * line, not the rest of that cluster. */
	r = run(&h, "-hZ");
	CHECK(r.rc == 0 && strstr(r.out, "Usage: exitprof-cpuid"), "-hZ: help");
	done(&r);
	struct sim g = patched_svm();
	r = run(&g, "--csv");
	CHECK(r.rc == 0 && r.err_len == 0, "--csv after -hZ: rc %d err %s", r.rc, r.err);
	done(&r);
}

/* Every row of --list-reasons names a code of reasons.c, every code of the ISAs asked for is
 * there once, and the list runs no CPUID (it is for scripts on any host). */
static void test_list_reasons(void)
{
	static const struct { const char *args; unsigned isa; } cases[] = {
		{ "--list-reasons", 0 }, { "--list-reasons --isa svm", EXIT_ISA_SVM },
		{ "--isa vmx --list-reasons", EXIT_ISA_VMX },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct sim s = patched_svm();
		struct result r = run(&s, cases[c].args);
		size_t want = 1, rows = 0;
		char *save = NULL;

		for (unsigned isa = EXIT_ISA_VMX; isa <= EXIT_ISA_SVM; isa++)
			if (!cases[c].isa || cases[c].isa == isa)
				want += exit_reason_count(isa);
		CHECK(r.rc == 0 && s.calls == 0 && count_lines(r.out) == want, "'%s': rc %d, %d CPUIDs, %zu lines, want %zu",
		      cases[c].args, r.rc, s.calls, count_lines(r.out), want);
		CHECK(!strncmp(r.out, "isa,reason,name\n", 16), "'%s': header", cases[c].args);
		for (char *line = strtok_r(r.out + 16, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char isa_word[8], name[EXIT_REASON_NAME_MAX];
			unsigned code, isa;
			uint32_t looked_up;

			rows++;
			CHECK(sscanf(line, "%7[A-Z],%u,%31[^\n]", isa_word, &code, name) == 3, "row '%s'", line);
			isa = !strcmp(isa_word, "SVM") ? EXIT_ISA_SVM : !strcmp(isa_word, "VMX") ? EXIT_ISA_VMX : 0;
			CHECK(isa && (!cases[c].isa || isa == cases[c].isa), "row '%s': isa", line);
			CHECK(exit_reason_lookup(isa, name, &looked_up) == 0 && looked_up == code,
			      "row '%s': not the code reasons.c gives %s", line, name);
		}
		CHECK(rows + 1 == want, "'%s': %zu rows", cases[c].args, rows);
		done(&r);
	}
}

int main(void)
{
	test_list_reasons();
	test_table_default();
	test_csv_all();
	test_reason_args();
	test_isa_choice();
	test_absent_and_errors();
	return test_result("reader");
}
