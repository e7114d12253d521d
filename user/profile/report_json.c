/* JSON lines writer: one object per report, on one line, so a reader can stream it
 * (jq, or json.loads per line). Schema: docs/output.md. */
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

/* A row's fields are the report columns that are the row's, in their order, then the histogram. */
static void json_row(FILE *f, const struct report *r, const struct exit_row *row)
{
	char buf[REPORT_VALUE_MAX];
	int first = 1;

	fputc('{', f);
	for (int c = 0; c < report_ncolumns; c++) {
		if (report_columns[c].per_report)
			continue;
		fprintf(f, "%s\"%s\":", first ? "" : ",", report_columns[c].name);
		first = 0;
		switch (report_columns[c].value(r, row, buf, sizeof(buf))) {
		case CSV_EMPTY:
			fputs("null", f);
			break;
		case CSV_NUMBER:
			fputs(buf, f);
			break;
		case CSV_TEXT:
			json_str(f, buf);
			break;
		}
	}
	fputs(",\"hist_log2_ns\":[", f);
	for (unsigned s = 0; s < EXITPROF_HIST_SLOTS; s++)
		fprintf(f, "%s%llu", s ? "," : "", (unsigned long long)row->val.hist[s]);
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
		json_row(f, r, &t->rows[i]);
	}
	fputs("]}\n", f);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
