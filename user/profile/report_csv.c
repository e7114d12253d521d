/* CSV writer (RFC 4180: CRLF, header, quoting only where needed), one column per entry of
 * report_columns[]. Columns: docs/output.md. */
#include "csv.h"
#include "report.h"

int report_csv_header(FILE *f)
{
	const char *names[report_ncolumns];

	for (int c = 0; c < report_ncolumns; c++)
		names[c] = report_columns[c].name;
	csv_write_header(f, names, report_ncolumns);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

int report_csv_rows(FILE *f, const struct exit_table *t, const struct report *r)
{
	char buf[REPORT_VALUE_MAX];

	for (size_t i = 0; i < t->n; i++) {
		for (int c = 0; c < report_ncolumns; c++) {
			if (c)
				fputc(',', f);
			csv_write_value(f, report_columns[c].value(r, &t->rows[i], buf, sizeof(buf)), buf);
		}
		fputs("\r\n", f);
	}
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
