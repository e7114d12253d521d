/* See metrics.h. */
#include "metrics.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reasons.h"

/* A label value, escaped as the exposition format wants (backslash, quote, newline). */
static void put_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*s, f);
	}
}

/* The labels of one row: vm, vm_name, vcpu (per_vcpu only), isa, reason. */
static void put_labels(FILE *f, const struct metrics_input *in, const struct exit_row *r)
{
	char name[64] = "", reason[EXIT_REASON_NAME_MAX];

	fprintf(f, "vm=\"%u\"", r->key.tgid);
	if (in->vm_name) {
		in->vm_name((int)r->key.tgid, name, sizeof(name));
		fputs(",vm_name=\"", f);
		put_value(f, name);
		fputc('"', f);
	}
	if (in->per_vcpu)
		fprintf(f, ",vcpu=\"%u\"", r->key.vcpu_id);
	exit_reason_format(r->key.isa, r->key.reason, reason, sizeof(reason));
	fprintf(f, ",isa=\"%s\",reason=\"", exit_isa_text(r->key.isa));
	put_value(f, reason);
	fputc('"', f);
}

/* ns as seconds, exactly: "S.NNNNNNNNN". */
static void put_seconds(FILE *f, uint64_t ns)
{
	fprintf(f, "%llu.%09llu", (unsigned long long)(ns / 1000000000ull), (unsigned long long)(ns % 1000000000ull));
}

static void header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One counter family over every row: value(row) per series, a count or (seconds) ns as seconds. */
static void counter_family(FILE *f, const struct metrics_input *in, const struct exit_table *g, const char *name,
			   const char *help, uint64_t (*value)(const struct exit_row *r), bool seconds)
{
	header(f, name, "counter", help);
	for (size_t i = 0; i < g->n; i++) {
		fprintf(f, "%s{", name);
		put_labels(f, in, &g->rows[i]);
		fputs("} ", f);
		if (seconds)
			put_seconds(f, value(&g->rows[i]));
		else
			fprintf(f, "%llu", (unsigned long long)value(&g->rows[i]));
		fputc('\n', f);
	}
}

static uint64_t v_exits(const struct exit_row *r) { return r->val.count; }
static uint64_t v_kernel_ns(const struct exit_row *r) { return exit_row_kernel_ns(r); }
static uint64_t v_vmm_ns(const struct exit_row *r) { return r->val.user_ns; }
static uint64_t v_halted_ns(const struct exit_row *r) { return r->val.halt_ns; }

/* The exit->entry histogram: slot i of the log2 histogram holds [2^i, 2^(i+1)-1] ns (slot 0:
 * 0 and 1 ns), so its cumulative count is exact at le = (2^(i+1)-1) ns; the last slot also
 * holds everything longer, so it ends at +Inf. */
static void histogram_family(FILE *f, const struct metrics_input *in, const struct exit_table *g)
{
	const char *name = "exitprof_exit_duration_seconds";

	header(f, name, "histogram", "Time from a VM exit to the vCPU's next VM entry, of the exits whose entry was seen");
	for (size_t i = 0; i < g->n; i++) {
		const struct exit_row *r = &g->rows[i];
		uint64_t cum = 0;

		for (int s = 0; s < EXITPROF_HIST_SLOTS; s++) {
			cum += r->val.hist[s];
			fprintf(f, "%s_bucket{", name);
			put_labels(f, in, r);
			if (s == EXITPROF_HIST_SLOTS - 1) {
				fputs(",le=\"+Inf", f);
			} else {
				fputs(",le=\"", f);
				put_seconds(f, (2ull << s) - 1);
			}
			fprintf(f, "\"} %llu\n", (unsigned long long)cum);
		}
		fprintf(f, "%s_sum{", name);
		put_labels(f, in, r);
		fputs("} ", f);
		put_seconds(f, r->val.total_ns);
		fputc('\n', f);
		fprintf(f, "%s_count{", name);
		put_labels(f, in, r);
		fprintf(f, "} %llu\n", (unsigned long long)r->val.timed);
	}
}

int metrics_write(FILE *f, const struct metrics_input *in)
{
	static const struct {
		int stat;
		const char *map;
	} drops[] = {
		{ EXITPROF_STAT_DROP_KEYS, "exits" },
		{ EXITPROF_STAT_DROP_STATE, "vcpu_state" },
		{ EXITPROF_STAT_DROP_TIMELINE, "timeline" },
		{ EXITPROF_STAT_DROP_VMS, "vm_start" },
	};
	struct exit_table g;

	if (in->per_vcpu ? exit_table_copy(&g, in->t) : exit_table_group_vcpus(&g, in->t)) {
		errno = ENOMEM;
		return -1;
	}
	counter_family(f, in, &g, "exitprof_exits_total", "VM exits, per VM and exit reason", v_exits, false);
	histogram_family(f, in, &g);
	counter_family(f, in, &g, "exitprof_exit_kernel_seconds_total",
		       "Of the exit-to-entry time: in the kernel (neither the VMM in user space nor halted)", v_kernel_ns,
		       true);
	counter_family(f, in, &g, "exitprof_exit_vmm_seconds_total",
		       "Of the exit-to-entry time: from KVM_RUN's return to user space to the vCPU's re-entry", v_vmm_ns,
		       true);
	counter_family(f, in, &g, "exitprof_exit_halted_seconds_total",
		       "Of the exit-to-entry time: the vCPU halted in kvm_vcpu_halt() (polling and blocked)", v_halted_ns,
		       true);
	exit_table_free(&g);
	header(f, "exitprof_dropped_exits_total", "counter",
	       "Exits BPF could not record because a map was full (map: which)");
	for (size_t i = 0; i < sizeof(drops) / sizeof(drops[0]); i++)
		fprintf(f, "exitprof_dropped_exits_total{map=\"%s\"} %llu\n", drops[i].map,
			(unsigned long long)in->t->stats[drops[i].stat]);
	if (in->costs && in->ncosts > 0) {
		header(f, "exitprof_bpf_program_runs_total", "counter", "Runs of each exitprof BPF program (--bpf-stats)");
		for (int i = 0; i < in->ncosts; i++)
			fprintf(f, "exitprof_bpf_program_runs_total{program=\"%s\"} %llu\n", in->costs[i].name,
				in->costs[i].runs);
		header(f, "exitprof_bpf_program_run_seconds_total", "counter",
		       "Time the kernel measured in each exitprof BPF program (--bpf-stats)");
		for (int i = 0; i < in->ncosts; i++) {
			fprintf(f, "exitprof_bpf_program_run_seconds_total{program=\"%s\"} ", in->costs[i].name);
			put_seconds(f, in->costs[i].run_ns);
			fputc('\n', f);
		}
	}
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

int metrics_write_file(const char *path, const struct metrics_input *in)
{
	size_t n = strlen(path) + 5;
	char *tmp = malloc(n);
	FILE *f;
	int rc, saved;

	if (!tmp) {
		errno = ENOMEM;
		return -1;
	}
	snprintf(tmp, n, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		saved = errno;
		free(tmp);
		errno = saved;
		return -1;
	}
	rc = metrics_write(f, in);
	saved = errno;
	if (fclose(f) && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (rc == 0 && rename(tmp, path)) {
		rc = -1;
		saved = errno;
	}
	if (rc)
		unlink(tmp);
	free(tmp);
	errno = saved;
	return rc;
}
