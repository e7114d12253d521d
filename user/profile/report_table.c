/* The human-readable table: one block per VM (or per vCPU), rows sorted, time split columns. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hist.h"
#include "reasons.h"
#include "report.h"

static void print_block_header(FILE *f, const struct exit_table *t, size_t first, const struct report *r,
			       bool per_vcpu)
{
	const struct exit_key *k = &t->rows[first].key;
	uint64_t n = exit_table_count(t, k->tgid, per_vcpu ? k->vcpu_id : EXITPROF_VCPU_ANY);
	char comm[64] = "?";

	if (r->comm)
		r->comm((int)k->tgid, comm, sizeof(comm));
	fprintf(f, "\nVM pid %u (%s)", k->tgid, comm);
	if (per_vcpu) {
		if (k->vcpu_id == EXITPROF_VCPU_UNKNOWN)
			fprintf(f, " vCPU ?");
		else
			fprintf(f, " vCPU %u", k->vcpu_id);
	}
	fprintf(f, ", %s: %llu exits in %.2f s (%.0f/s)%s\n", exit_isa_text(k->isa), (unsigned long long)n,
		r->window_s, r->window_s > 0 ? (double)n / r->window_s : 0.0,
		!strcmp(r->kind, "interval") ? " [interval; MAX since start]" : "");
	fprintf(f, "%-26s %10s %7s %9s %9s %9s %9s %9s %9s %9s %9s", "REASON", "COUNT", "%EXITS", "TOTAL",
		"AVG", "P50", "P99", "MAX", "KERNEL", "VMM", "HALTED");
	if (r->time_split) /* VMM = EXIT-PATH + VMM-USER + ENTRY-PATH; RUNQ overlaps the rest */
		fprintf(f, " %10s %9s %10s %9s", "EXIT-PATH", "VMM-USER", "ENTRY-PATH", "RUNQ");
	fputc('\n', f);
}

/* A sum of the timed exits, or "-" when none was timed. */
static void fmt_timed(const struct exit_val *v, uint64_t ns, char *buf, size_t len)
{
	if (v->timed)
		report_fmt_ns(ns, buf, len);
	else
		snprintf(buf, len, "-");
}

static void print_row(FILE *f, const struct exit_row *row, uint64_t block_count, bool split)
{
	char name[EXIT_REASON_NAME_MAX], tot[16], avg[16], p50[16], p99[16], max[16], kern[16], user[16], halt[16];
	const struct exit_val *v = &row->val;

	exit_reason_format(row->key.isa, row->key.reason, name, sizeof(name));
	if (v->timed) {
		report_fmt_ns(v->total_ns, tot, sizeof(tot));
		report_fmt_ns(exit_row_avg_ns(row), avg, sizeof(avg));
		report_fmt_ns(hist_percentile(v->hist, 50, v->min_ns, v->max_ns), p50, sizeof(p50));
		report_fmt_ns(hist_percentile(v->hist, 99, v->min_ns, v->max_ns), p99, sizeof(p99));
		report_fmt_ns(v->max_ns, max, sizeof(max));
		report_fmt_ns(exit_row_kernel_ns(row), kern, sizeof(kern));
		report_fmt_ns(v->user_ns, user, sizeof(user));
		report_fmt_ns(v->halt_ns, halt, sizeof(halt));
	} else {
		/* Counted but no entry seen yet: no time to show. */
		strcpy(tot, "-"); strcpy(avg, "-"); strcpy(p50, "-"); strcpy(p99, "-");
		strcpy(max, "-"); strcpy(kern, "-"); strcpy(user, "-"); strcpy(halt, "-");
	}
	fprintf(f, "%-26s %10llu %6.2f%% %9s %9s %9s %9s %9s %9s %9s %9s", name, (unsigned long long)v->count,
		block_count ? 100.0 * (double)v->count / (double)block_count : 0.0, tot, avg, p50, p99, max, kern,
		user, halt);
	if (split) {
		char xp[16], vmm[16], en[16], rq[16];

		fmt_timed(v, v->exit_path_ns, xp, sizeof(xp));
		fmt_timed(v, v->vmm_ns, vmm, sizeof(vmm));
		fmt_timed(v, v->entry_path_ns, en, sizeof(en));
		fmt_timed(v, v->runq_ns, rq, sizeof(rq));
		fprintf(f, " %10s %9s %10s %9s", xp, vmm, en, rq);
	}
	fputc('\n', f);
}

static void print_drops(FILE *f, const uint64_t *st)
{
	if (st[EXITPROF_STAT_DROP_KEYS])
		fprintf(f, "WARNING: %llu exits not counted: the exits map was full (too many VM/vCPU/reason keys; raise --max-keys)\n",
			(unsigned long long)st[EXITPROF_STAT_DROP_KEYS]);
	if (st[EXITPROF_STAT_DROP_STATE])
		fprintf(f, "WARNING: %llu exits counted but not timed: no per-thread state (task storage)\n",
			(unsigned long long)st[EXITPROF_STAT_DROP_STATE]);
	if (st[EXITPROF_STAT_DROP_TIMELINE] || st[EXITPROF_STAT_DROP_VMS])
		fprintf(f, "WARNING: %llu exits not in the timeline: its map was full\n",
			(unsigned long long)(st[EXITPROF_STAT_DROP_TIMELINE] + st[EXITPROF_STAT_DROP_VMS]));
}

int report_table(FILE *f, const struct exit_table *t, const struct report *r, bool per_vcpu, enum exit_sort sort)
{
	struct exit_table g;
	int err = per_vcpu ? exit_table_copy(&g, t) : exit_table_group_vcpus(&g, t);

	if (err) {
		errno = ENOMEM;
		return -1;
	}
	exit_table_sort(&g, sort);
	fprintf(f, "\n=== exitprof %s: %.2f s%s ===\n", r->kind, r->time_s,
		!strcmp(r->kind, "interval") ? " since start" : " profiled");
	if (!g.n)
		fprintf(f, "no VM exits seen%s\n", g.stats[EXITPROF_STAT_EXITS] ? "" : " (is the VM running?)");
	for (size_t i = 0; i < g.n;) {
		size_t j = i;
		const struct exit_key *k = &g.rows[i].key;
		uint64_t block = exit_table_count(&g, k->tgid, per_vcpu ? k->vcpu_id : EXITPROF_VCPU_ANY);

		print_block_header(f, &g, i, r, per_vcpu);
		while (j < g.n && g.rows[j].key.tgid == k->tgid && g.rows[j].key.vcpu_id == k->vcpu_id)
			print_row(f, &g.rows[j++], block, r->time_split);
		i = j;
	}
	print_drops(f, g.stats);
	exit_table_free(&g);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1; /* errno: the failed write's */
}
