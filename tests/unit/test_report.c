/* The writers on known in-memory data, read back: CSV with the project's RFC 4180 reader, JSON
 * lines with Python's json module (an independent parser), the table by its text.
 * Every expected value is computed here from the same table the writers got. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "sample_val.h"
#include "hist.h"
#include "reasons.h"
#include "report.h"
#include "csv.h"

#define NCOLS 22

static void add(struct exit_table *t, uint32_t tgid, uint32_t vcpu, uint32_t isa, uint32_t reason, uint64_t count,
		const uint64_t *samples, size_t n)
{
	struct exit_key k = { tgid, vcpu, isa, reason };
	struct exit_val v = sample_val(count, samples, n, 3, 7);

	CHECK(exit_table_merge(t, &k, &v) == 0, "merge");
}

static void build(struct exit_table *t)
{
	static const uint64_t cpuid[] = { 30000, 41000, 39000, 52000 }, io[] = { 120000, 9000000 };

	exit_table_init(t);
	add(t, 4242, 0, EXIT_ISA_SVM, 0x72, 4, cpuid, 4);
	add(t, 4242, 1, EXIT_ISA_SVM, 0x7b, 3, io, 2);	      /* one io exit not timed yet */
	add(t, 4242, 1, EXIT_ISA_SVM, 0x12345, 1, NULL, 0);    /* undefined code, never timed */
	add(t, 77, EXITPROF_VCPU_UNKNOWN, EXIT_ISA_VMX, 10, 2, cpuid, 2); /* old kernel: no vcpu_id */
	t->stats[EXITPROF_STAT_EXITS] = 10;
	t->stats[EXITPROF_STAT_TIMED] = 8;
	t->stats[EXITPROF_STAT_DROP_KEYS] = 5;
}

static void expect_u64(const char *field, int valid, uint64_t v, const char *what, size_t row)
{
	char buf[32] = "";

	if (valid)
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	CHECK(!strcmp(field, buf), "row %zu %s: '%s', want '%s'", row, what, field, buf);
}

/* split: as with --time-split (the split columns filled), else without (empty). */
static void test_csv(const struct exit_table *t, bool split)
{
	char fields[NCOLS + 2][CSV_FIELD_MAX], name[EXIT_REASON_NAME_MAX];
	struct report r = { "total", 12.3456, 12.3456, NULL, split };
	char *buf = NULL;
	size_t len = 0;
	int lines = 0, nf;
	FILE *f = open_memstream(&buf, &len);

	CHECK(report_csv_header(f) == 0 && report_csv_rows(f, t, &r) == 0, "CSV written");
	fclose(f);
	CHECK(strstr(buf, "\r\n") != NULL, "CRLF line ends (RFC 4180)");

	f = fmemopen(buf, len, "r");
	nf = csv_read_record(f, fields, NCOLS + 2, 0, &lines);
	CHECK(nf == NCOLS, "header has %d columns, want %d", nf, NCOLS);
	/* A reader goes by header name: the columns docs/output.md promises, wherever they are. */
	static const char *const names[NCOLS] = { "time_s", "kind", "tgid", "vcpu", "isa", "reason",
		"reason_name", "count", "timed", "total_ns", "kernel_ns", "user_ns", "halt_ns", "min_ns",
		"avg_ns", "p50_ns", "p99_ns", "max_ns", "exit_path_ns", "vmm_ns", "entry_path_ns", "runq_ns" };
	const char *missing = NULL;
	int col[NCOLS];
	CHECK(csv_find_columns(fields, nf, names, NCOLS, col, &missing) == 0, "header lacks %s", missing);
	if (missing)
		return;

	for (size_t i = 0; i < t->n; i++) {
		const struct exit_row *row = &t->rows[i];
		const struct exit_val *v = &row->val;
		int timed = v->timed > 0;

		nf = csv_read_record(f, fields, NCOLS + 2, 0, &lines);
		CHECK(nf == NCOLS, "row %zu has %d columns", i, nf);
		if (nf != NCOLS)
			break;
		CHECK(!strcmp(fields[col[0]], "12.346") && !strcmp(fields[col[1]], "total"), "row %zu time/kind", i);
		expect_u64(fields[col[2]], 1, row->key.tgid, "tgid", i);
		expect_u64(fields[col[3]], row->key.vcpu_id != EXITPROF_VCPU_UNKNOWN, row->key.vcpu_id, "vcpu", i);
		CHECK(!strcmp(fields[col[4]], exit_isa_name(row->key.isa)), "row %zu isa %s", i, fields[col[4]]);
		expect_u64(fields[col[5]], 1, row->key.reason, "reason", i);
		exit_reason_format(row->key.isa, row->key.reason, name, sizeof(name));
		CHECK(!strcmp(fields[col[6]], name), "row %zu name '%s' want '%s'", i, fields[col[6]], name);
		expect_u64(fields[col[7]], 1, v->count, "count", i);
		expect_u64(fields[col[8]], 1, v->timed, "timed", i);
		expect_u64(fields[col[9]], 1, v->total_ns, "total_ns", i);
		expect_u64(fields[col[10]], 1, v->total_ns - v->user_ns - v->halt_ns, "kernel_ns", i);
		expect_u64(fields[col[11]], 1, v->user_ns, "user_ns", i);
		expect_u64(fields[col[12]], 1, v->halt_ns, "halt_ns", i);
		expect_u64(fields[col[13]], timed, v->min_ns, "min_ns", i);
		expect_u64(fields[col[14]], timed, timed ? v->total_ns / v->timed : 0, "avg_ns", i);
		expect_u64(fields[col[15]], timed, hist_percentile(v->hist, 50, v->min_ns, v->max_ns), "p50_ns", i);
		expect_u64(fields[col[16]], timed, hist_percentile(v->hist, 99, v->min_ns, v->max_ns), "p99_ns", i);
		expect_u64(fields[col[17]], timed, v->max_ns, "max_ns", i);
		expect_u64(fields[col[18]], split, v->exit_path_ns, "exit_path_ns", i);
		expect_u64(fields[col[19]], split, v->vmm_ns, "vmm_ns", i);
		expect_u64(fields[col[20]], split, v->entry_path_ns, "entry_path_ns", i);
		expect_u64(fields[col[21]], split, v->runq_ns, "runq_ns", i);
		CHECK(v->exit_path_ns + v->vmm_ns + v->entry_path_ns == v->user_ns && (!timed || v->vmm_ns),
		      "row %zu: the test data's split adds up to user_ns", i);
	}
	CHECK(csv_read_record(f, fields, NCOLS + 2, 0, &lines) == 0, "nothing after the rows");
	fclose(f);
	free(buf);
}

/* Python re-emits each row as "tgid vcpu reason_name count total_ns p99_ns max_ns" plus the
 * report fields, which we compare with what we know we wrote. */
static void test_json(const struct exit_table *t)
{
	char path[] = "/tmp/exitprof-test-json-XXXXXX", cmd[512], line[512];
	/* The interval as with --time-split, the total without: vmm_ns a number, then null. */
	struct report r1 = { "interval", 1.5, 1.5, NULL, true }, r2 = { "total", 2.0, 2.0, NULL, false };
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	CHECK(f != NULL, "temp file");
	if (!f)
		return;
	CHECK(report_json(f, t, &r1) == 0 && report_json(f, t, &r2) == 0, "JSON written");
	fclose(f);
	if (system("python3 -c 'import json' 2>/dev/null") != 0) {
		fprintf(stderr, "SKIP json parse-back: python3 missing\n");
		unlink(path);
		return;
	}
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys\n"
		 "for l in open(sys.argv[1]):\n"
		 " o=json.loads(l)\n"
		 " print(\"R\",o[\"kind\"],o[\"time_s\"],o[\"exits\"],o[\"timed\"],o[\"dropped\"][\"keys\"],len(o[\"rows\"]))\n"
		 " for x in o[\"rows\"]: print(x[\"tgid\"],x[\"vcpu\"],x[\"reason\"],x[\"reason_name\"],x[\"count\"],x[\"total_ns\"],x[\"p99_ns\"],x[\"max_ns\"],sum(x[\"hist_log2_ns\"]),len(x[\"hist_log2_ns\"]),x[\"vmm_ns\"])\n"
		 "' %s",
		 path);
	FILE *p = popen(cmd, "r");
	CHECK(p != NULL, "python3 runs");
	for (int rep = 0; rep < 2 && p; rep++) {
		char want[512];
		snprintf(want, sizeof(want), "R %s %s 10 8 5 %zu\n", rep ? "total" : "interval", rep ? "2.0" : "1.5", t->n);
		CHECK(fgets(line, sizeof(line), p) && !strcmp(line, want), "report line '%s' want '%s'", line, want);
		for (size_t i = 0; i < t->n; i++) {
			const struct exit_row *row = &t->rows[i];
			const struct exit_val *v = &row->val;
			char name[EXIT_REASON_NAME_MAX], vcpu[16], p99[24], max[24], vmm[24];

			exit_reason_format(row->key.isa, row->key.reason, name, sizeof(name));
			snprintf(vcpu, sizeof(vcpu), row->key.vcpu_id == EXITPROF_VCPU_UNKNOWN ? "None" : "%u", row->key.vcpu_id);
			snprintf(p99, sizeof(p99), v->timed ? "%llu" : "None",
				 (unsigned long long)hist_percentile(v->hist, 99, v->min_ns, v->max_ns));
			snprintf(max, sizeof(max), v->timed ? "%llu" : "None", (unsigned long long)v->max_ns);
			snprintf(vmm, sizeof(vmm), rep ? "None" : "%llu", (unsigned long long)v->vmm_ns);
			snprintf(want, sizeof(want), "%u %s %u %s %llu %llu %s %s %llu %d %s\n", row->key.tgid, vcpu,
				 row->key.reason, name, (unsigned long long)v->count, (unsigned long long)v->total_ns, p99,
				 max, (unsigned long long)v->timed, EXITPROF_HIST_SLOTS, vmm);
			CHECK(fgets(line, sizeof(line), p) && !strcmp(line, want), "row '%s' want '%s'", line, want);
		}
	}
	CHECK(p && pclose(p) == 0, "python3 parsed every line");
	unlink(path);
}

static void test_table(const struct exit_table *t)
{
	struct report r = { "total", 2.0, 2.0, NULL, false };
	char *buf = NULL, want[128];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK(report_table(f, t, &r, false, SORT_COUNT) == 0, "table written");
	fclose(f);
	/* VM 4242 has 8 exits: cpuid 4 = 50.00%, io 3 = 37.50%, the unknown one 12.50%. */
	CHECK(strstr(buf, "VM pid 4242") && strstr(buf, "8 exits"), "VM 4242 block:\n%s", buf);
	snprintf(want, sizeof(want), "%-26s %10u %6.2f%%", "cpuid", 4, 50.0);
	CHECK(strstr(buf, want) != NULL, "cpuid row '%s' in:\n%s", want, buf);
	snprintf(want, sizeof(want), "%-26s %10u %6.2f%%", "io", 3, 37.5);
	CHECK(strstr(buf, want) != NULL, "io row '%s'", want);
	CHECK(strstr(buf, "UNKNOWN(0x12345)") != NULL, "undefined code printed as UNKNOWN(0x...)");
	CHECK(strstr(buf, "5 exits not counted") != NULL, "drops reported");
	CHECK(strstr(buf, "cpuid") < strstr(buf, "io "), "sorted by count");
	free(buf);

	buf = NULL;
	f = open_memstream(&buf, &len);
	CHECK(report_table(f, t, &r, true, SORT_COUNT) == 0, "per-vCPU table written");
	fclose(f);
	CHECK(strstr(buf, "VM pid 4242 (?) vCPU 0") && strstr(buf, "VM pid 4242 (?) vCPU 1") &&
	      strstr(buf, "VM pid 77 (?) vCPU ?"), "one block per vCPU:\n%s", buf);
	CHECK(!strstr(buf, "VMM-USER"), "no split columns without --time-split");
	free(buf);

	/* --time-split: four more columns; vCPU 1's io row ends in its split, its unknown row in "-". */
	buf = NULL;
	f = open_memstream(&buf, &len);
	r.time_split = true;
	CHECK(report_table(f, t, &r, true, SORT_COUNT) == 0, "split table written");
	fclose(f);
	CHECK(strstr(buf, " EXIT-PATH  VMM-USER ENTRY-PATH      RUNQ\n") != NULL, "split header in:\n%s", buf);
	for (size_t i = 0; i < t->n; i++) {
		const struct exit_val *v = &t->rows[i].val;
		char xp[16], vm[16], en[16], rq[16], tail[80], name[EXIT_REASON_NAME_MAX], *at;

		if (t->rows[i].key.tgid != 4242 || t->rows[i].key.vcpu_id != 1)
			continue;
		report_fmt_ns(v->exit_path_ns, xp, sizeof(xp));
		report_fmt_ns(v->vmm_ns, vm, sizeof(vm));
		report_fmt_ns(v->entry_path_ns, en, sizeof(en));
		report_fmt_ns(v->runq_ns, rq, sizeof(rq));
		if (v->timed)
			snprintf(tail, sizeof(tail), " %10s %9s %10s %9s\n", xp, vm, en, rq);
		else
			snprintf(tail, sizeof(tail), " %10s %9s %10s %9s\n", "-", "-", "-", "-");
		exit_reason_format(t->rows[i].key.isa, t->rows[i].key.reason, name, sizeof(name));
		at = strstr(buf, name);
		CHECK(at && strchr(at, '\n') && !strncmp(strchr(at, '\n') + 1 - strlen(tail), tail, strlen(tail)),
		      "row %s ends in '%s':\n%s", name, tail, buf);
	}
	free(buf);

	char s[16];
	report_fmt_ns(999, s, sizeof(s));
	CHECK(!strcmp(s, "999ns"), "%s", s);
	report_fmt_ns(1500, s, sizeof(s));
	CHECK(!strcmp(s, "1.50us"), "%s", s);
	report_fmt_ns(41250000, s, sizeof(s));
	CHECK(!strcmp(s, "41.2ms") || !strcmp(s, "41.3ms"), "%s", s);
	report_fmt_ns(123456789012ull, s, sizeof(s));
	CHECK(!strcmp(s, "123s"), "%s", s);
}

int main(void)
{
	struct exit_table t;

	build(&t);
	test_csv(&t, false);
	test_csv(&t, true);
	test_json(&t);
	test_table(&t);
	exit_table_free(&t);
	return test_result("test_report");
}
