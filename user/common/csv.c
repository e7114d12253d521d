/* See csv.h. */
#include <string.h>

#include "csv.h"

void csv_write_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

int csv_read_record(FILE *f, char (*fields)[CSV_FIELD_MAX], int nmax, int truncate, int *lines)
{
	int nf = 0, c, quoted = 0, any = 0;
	size_t len = 0;

	for (int i = 0; i < nmax; i++)
		fields[i][0] = '\0';
	for (;;) {
		c = getc(f);
		if (c == EOF) {
			if (quoted)
				return -1;
			if (!any)
				return 0;
			break;
		}
		any = 1;
		if (quoted) {
			if (c == '"') {
				int d = getc(f);
				if (d != '"') {
					quoted = 0;
					if (d != EOF)
						ungetc(d, f);
					continue;
				}
			}
			if (c == '\n')
				(*lines)++;
		} else if (c == '"' && len == 0) {
			quoted = 1;
			continue;
		} else if (c == ',') {
			nf++;
			len = 0;
			continue;
		} else if (c == '\r') {
			continue;
		} else if (c == '\n') {
			(*lines)++;
			break;
		}
		if (nf < nmax) {
			if (len + 1 >= CSV_FIELD_MAX) {
				if (!truncate)
					return -1;
				continue;
			}
			fields[nf][len++] = (char)c;
			fields[nf][len] = '\0';
		}
	}
	return nf + 1;
}

void csv_write_value(FILE *f, enum csv_value kind, const char *text)
{
	if (kind == CSV_TEXT)
		csv_write_field(f, text);
	else if (kind == CSV_NUMBER)
		fputs(text, f);
}

void csv_write_header(FILE *f, const char *const *names, int n)
{
	for (int i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		csv_write_field(f, names[i]);
	}
	fputs("\r\n", f);
}

int csv_find_columns(char (*header)[CSV_FIELD_MAX], int nf, const char *const *names, int n, int *idx,
		     const char **missing)
{
	for (int i = 0; i < n; i++) {
		idx[i] = -1;
		for (int j = 0; j < nf && idx[i] < 0; j++)
			if (!strcmp(header[j], names[i]))
				idx[i] = j;
		if (idx[i] < 0) {
			*missing = names[i];
			return -1;
		}
	}
	return 0;
}
