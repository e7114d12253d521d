/* user/profile/metrics.c against a known table: every family and series, the histogram's
 * cumulative buckets and exact le bounds, _count = the +Inf bucket, the vcpu label only with
 * per_vcpu, label escaping, drops, program costs, the atomic file write, and Prometheus's own
 * linter (promtool check metrics) when it is installed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "metrics.h"
#include "reasons.h"

static void name_of(int pid, char *buf, size_t len)
{
	snprintf(buf, len, pid == 100 ? "web\"1\\" : "db");
}

static char *render(const struct metrics_input *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK(f && metrics_write(f, in) == 0, "metrics_write");
	fclose(f);
	return buf;
}

static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p += n)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return 1;
	return 0;
}

int main(void)
{
	struct exit_table t;
	struct exit_key k = { .tgid = 100, .vcpu_id = 0, .isa = EXIT_ISA_SVM };
	struct exit_val v = { 0 };
	uint32_t io;
	char *text, path[] = "/tmp/test_metrics.XXXXXX";

	exit_table_init(&t);
	exit_reason_lookup(EXIT_ISA_SVM, "io", &io);
	k.reason = io;
	/* vCPU 0: 3 io exits, timed 3: 1 ns (slot 0), 5 ns (slot 2), 2000 ns (slot 10). */
	v.count = 3;
	v.timed = 3;
	v.total_ns = 2006;
	v.user_ns = 1000;
	v.halt_ns = 500;
	v.hist[0] = 1;
	v.hist[2] = 1;
	v.hist[10] = 1;
	exit_table_merge(&t, &k, &v);
	/* vCPU 1: 2 io exits, one of them timed (100 ns, slot 6). */
	k.vcpu_id = 1;
	memset(&v, 0, sizeof(v));
	v.count = 2;
	v.timed = 1;
	v.total_ns = 100;
	v.hist[6] = 1;
	exit_table_merge(&t, &k, &v);
	/* Another VM, a code no table defines. */
	k = (struct exit_key){ .tgid = 200, .vcpu_id = 0, .isa = EXIT_ISA_SVM, .reason = 0xfffffff0 };
	memset(&v, 0, sizeof(v));
	v.count = 7;
	exit_table_merge(&t, &k, &v);
	t.stats[EXITPROF_STAT_DROP_KEYS] = 4;

	struct metrics_prog_cost costs[] = { { "handle_kvm_exit", 12, 3400 } };
	struct metrics_input in = { &t, false, name_of, costs, 1 };
	text = render(&in);
	CHECK(has_line(text, "exitprof_exits_total{vm=\"100\",vm_name=\"web\\\"1\\\\\",isa=\"SVM\",reason=\"io\"} 5"),
	      "VM 100's io exits, vCPUs summed, name escaped:\n%s", text);
	CHECK(has_line(text, "exitprof_exits_total{vm=\"200\",vm_name=\"db\",isa=\"SVM\",reason=\"UNKNOWN(0xfffffff0)\"} 7"),
	      "undefined code named as the table does");
	CHECK(!strstr(text, "vcpu=\""), "no vcpu label by default");
	CHECK(has_line(text, "exitprof_exit_duration_seconds_bucket{vm=\"100\",vm_name=\"web\\\"1\\\\\",isa=\"SVM\",reason=\"io\",le=\"0.000000001\"} 1"),
	      "le of slot 0 is 1 ns, holding the 1 ns exit");
	CHECK(has_line(text, "exitprof_exit_duration_seconds_bucket{vm=\"100\",vm_name=\"web\\\"1\\\\\",isa=\"SVM\",reason=\"io\",le=\"0.000000007\"} 2"),
	      "le of slot 2 is 7 ns (5 ns is in [4, 7])");
	CHECK(has_line(text, "exitprof_exit_duration_seconds_bucket{vm=\"100\",vm_name=\"web\\\"1\\\\\",isa=\"SVM\",reason=\"io\",le=\"0.000000127\"} 3"),
	      "le of slot 6 is 127 ns: the 100 ns exit of vCPU 1 summed in");
	CHECK(has_line(text, "exitprof_exit_duration_seconds_bucket{vm=\"100\",vm_name=\"web\\\"1\\\\\",isa=\"SVM\",reason=\"io\",le=\"+Inf\"} 4"),
	      "+Inf holds all 4 timed exits");
	CHECK(has_line(text, "exitprof_exit_duration_seconds_count{vm=\"100\",vm_name=\"web\\\"1\\\\\",isa=\"SVM\",reason=\"io\"} 4"),
	      "_count = timed = the +Inf bucket");
	CHECK(has_line(text, "exitprof_exit_duration_seconds_sum{vm=\"100\",vm_name=\"web\\\"1\\\\\",isa=\"SVM\",reason=\"io\"} 0.000002106"),
	      "_sum in seconds");
	CHECK(has_line(text, "exitprof_exit_vmm_seconds_total{vm=\"100\",vm_name=\"web\\\"1\\\\\",isa=\"SVM\",reason=\"io\"} 0.000001000"),
	      "VMM time in seconds");
	CHECK(has_line(text, "exitprof_exit_kernel_seconds_total{vm=\"100\",vm_name=\"web\\\"1\\\\\",isa=\"SVM\",reason=\"io\"} 0.000000606"),
	      "kernel = total - vmm - halted");
	CHECK(has_line(text, "exitprof_dropped_exits_total{map=\"exits\"} 4"), "drops of the exits map");
	CHECK(has_line(text, "exitprof_bpf_program_run_seconds_total{program=\"handle_kvm_exit\"} 0.000003400"),
	      "program cost");
	free(text);

	in.per_vcpu = true;
	text = render(&in);
	CHECK(has_line(text, "exitprof_exits_total{vm=\"100\",vm_name=\"web\\\"1\\\\\",vcpu=\"1\",isa=\"SVM\",reason=\"io\"} 2"),
	      "per_vcpu: vCPU 1's own series");
	free(text);

	/* The file: written whole and renamed over, no .tmp left; an unwritable place fails. */
	int fd = mkstemp(path);
	close(fd);
	in.per_vcpu = false;
	CHECK(metrics_write_file(path, &in) == 0, "metrics_write_file: %s", strerror(errno));
	char tmp[64], cmd[160];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	CHECK(access(tmp, F_OK) != 0, "no %s left", tmp);
	snprintf(cmd, sizeof(cmd), "grep -q '^exitprof_exits_total{vm=\"200\"' %s", path);
	CHECK(system(cmd) == 0, "the file has the series");
	CHECK(metrics_write_file("/nonexistent/dir/m.prom", &in) == -1 && errno == ENOENT, "unwritable: ENOENT");
	if (system("command -v promtool >/dev/null") == 0) {
		snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", path);
		CHECK(system(cmd) == 0, "promtool check metrics is clean");
	} else {
		fprintf(stderr, "note: promtool not installed: lint not run\n");
	}
	unlink(path);
	exit_table_free(&t);
	return test_result("test_metrics");
}
