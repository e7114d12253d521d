/* JSON lines writer: one object per report, on one line, so a reader can stream it
 * (jq, or json.loads per line). Schema: docs/output.md. */
#include "hist.h"
#include "reasons.h"
#include "report.h"

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_opt_u64(FILE *f, const char *name, int valid, uint64_t v)
{
	if (valid)
		fprintf(f, ",\"%s\":%llu", name, (unsigned long long)v);
	else
		fprintf(f, ",\"%s\":null", name);
}

static void json_row(FILE *f, const struct exit_row *row)
{
	const struct exit_val *v = &row->val;
	char name[EXIT_REASON_NAME_MAX];
	int timed = v->timed > 0;

	fprintf(f, "{\"tgid\":%u,\"vcpu\":", row->key.tgid);
	if (row->key.vcpu_id == EXITPROF_VCPU_UNKNOWN)
		fputs("null", f);
	else
		fprintf(f, "%u", row->key.vcpu_id);
	fprintf(f, ",\"isa\":\"%s\",\"reason\":%u,\"reason_name\":", exit_isa_text(row->key.isa), row->key.reason);
	exit_reason_format(row->key.isa, row->key.reason, name, sizeof(name));
	json_str(f, name);
	fprintf(f, ",\"count\":%llu,\"timed\":%llu,\"total_ns\":%llu,\"kernel_ns\":%llu,\"user_ns\":%llu,\"halt_ns\":%llu",
		(unsigned long long)v->count, (unsigned long long)v->timed, (unsigned long long)v->total_ns,
		(unsigned long long)exit_row_kernel_ns(row), (unsigned long long)v->user_ns,
		(unsigned long long)v->halt_ns);
	json_opt_u64(f, "min_ns", timed, v->min_ns);
	json_opt_u64(f, "avg_ns", timed, exit_row_avg_ns(row));
	json_opt_u64(f, "p50_ns", timed, hist_percentile(v->hist, 50, v->min_ns, v->max_ns));
	json_opt_u64(f, "p99_ns", timed, hist_percentile(v->hist, 99, v->min_ns, v->max_ns));
	json_opt_u64(f, "max_ns", timed, v->max_ns);
	fputs(",\"hist_log2_ns\":[", f);
	for (unsigned s = 0; s < EXITPROF_HIST_SLOTS; s++)
		fprintf(f, "%s%llu", s ? "," : "", (unsigned long long)v->hist[s]);
	fputs("]}", f);
}

int report_json(FILE *f, const struct exit_table *t, const struct report *r)
{
	const uint64_t *st = t->stats;

	fputs("{\"kind\":", f);
	json_str(f, r->kind);
	fprintf(f, ",\"time_s\":%.3f,\"window_s\":%.3f,\"exits\":%llu,\"timed\":%llu", r->time_s, r->window_s,
		(unsigned long long)st[EXITPROF_STAT_EXITS], (unsigned long long)st[EXITPROF_STAT_TIMED]);
	fprintf(f, ",\"dropped\":{\"keys\":%llu,\"state\":%llu,\"timeline\":%llu,\"vms\":%llu}",
		(unsigned long long)st[EXITPROF_STAT_DROP_KEYS], (unsigned long long)st[EXITPROF_STAT_DROP_STATE],
		(unsigned long long)st[EXITPROF_STAT_DROP_TIMELINE], (unsigned long long)st[EXITPROF_STAT_DROP_VMS]);
	fputs(",\"rows\":[", f);
	for (size_t i = 0; i < t->n; i++) {
		if (i)
			fputc(',', f);
		json_row(f, &t->rows[i]);
	}
	fputs("]}\n", f);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
