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
