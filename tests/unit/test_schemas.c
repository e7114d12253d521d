/* The CSV schemas are written once, as column tables (profile/report_columns.c,
 * timeline/timeline_csv.c); the user documentation must list the same columns in the same
 * order. For each schema: the header line the writer produces stands in the document, and the
 * first table after it names exactly those columns, one row each, in order. For the summary also
 * the JSON example names every row field.
 * Usage: test_schemas DOCS_DIR (docs/output.md and docs/boot-analysis.md). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "report.h"
#include "timeline_csv.h"

static char *slurp(const char *dir, const char *name)
{
	char path[512], *text = NULL;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	CHECK(f != NULL, "cannot open %s", path);
	if (!f)
		return NULL;
	CHECK(getdelim(&text, &cap, '\0', f) > 0, "cannot read %s", path);
	fclose(f);
	return text;
}

/* Checks doc (named what) against the header line built from names[0..n-1]. */
static void check_doc(const char *what, const char *doc, const char *const *names, int n)
{
	char header[512] = "", line_start[520];
	const char *at, *p;
	int row = 0;

	for (int i = 0; i < n; i++)
		snprintf(header + strlen(header), sizeof(header) - strlen(header), "%s%s", i ? "," : "", names[i]);
	snprintf(line_start, sizeof(line_start), "\n%s\n", header);
	at = strstr(doc, line_start);
	CHECK(at != NULL, "%s: no line \"%s\" (the header the writer writes)", what, header);
	if (!at)
		return;
	/* The first table after the header line: its column-name rows "| `name` | ...". */
	p = strstr(at, "\n| column");
	CHECK(p != NULL, "%s: no column table after the header line", what);
	if (!p)
		return;
	p = strchr(p + 1, '\n'); /* the end of the "column" row */
	while (p && !strncmp(p, "\n|", 2)) {
		const char *line = p + 1;

		p = strchr(line, '\n');
		if (line[1] == '-') /* the |---| line */
			continue;
		const char *open = strchr(line, '`'), *close = open ? strchr(open + 1, '`') : NULL;

		CHECK(open && close && (!p || close < p), "%s: table row without a `column`: %.40s", what, line);
		if (!open || !close)
			return;
		CHECK(row < n && (size_t)(close - open - 1) == strlen(names[row]) &&
			      !strncmp(open + 1, names[row], strlen(names[row])),
		      "%s: table row %d is `%.*s`, the writer's column %d is %s", what, row + 1,
		      (int)(close - open - 1), open + 1, row + 1, row < n ? names[row] : "(none)");
		row++;
	}
	CHECK(row == n, "%s: the table lists %d columns, the writer has %d", what, row, n);
}

int main(int argc, char **argv)
{
	const char *names[64] = { 0 };
	char *output, *boot, key[64];

	if (argc != 2) {
		fprintf(stderr, "usage: test_schemas DOCS_DIR\n");
		return 2;
	}
	output = slurp(argv[1], "output.md");
	boot = slurp(argv[1], "boot-analysis.md");
	if (output) {
		for (int c = 0; c < report_ncolumns; c++)
			names[c] = report_columns[c].name;
		check_doc("docs/output.md", output, names, report_ncolumns);
		for (int c = 0; c < report_ncolumns; c++) {
			if (report_columns[c].per_report)
				continue;
			snprintf(key, sizeof(key), "\"%s\":", report_columns[c].name);
			CHECK(strstr(output, key) != NULL, "docs/output.md: the JSON example lacks %s", key);
		}
	}
	if (boot)
		check_doc("docs/boot-analysis.md", boot, tl_columns, TL_NCOLUMNS);
	free(output);
	free(boot);
	return test_result("test_schemas");
}
