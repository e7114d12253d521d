/* RFC 4180 CSV, the one writer and reader every exitprof CSV goes through: CRLF line ends on
 * write, LF or CRLF on read, a field quoted only if it holds a comma, quote, CR or LF. */
#ifndef EXITPROF_CSV_H
#define EXITPROF_CSV_H

#include <stdio.h>
#include <string.h>

#define CSV_FIELD_MAX 64 /* longest field the reader accepts, with its NUL */

/* Writes one field with RFC 4180 quoting (no separator). */
void csv_write_field(FILE *f, const char *s);

/* Reads one record (quoted fields may hold , " CR LF) into at most nmax fields; extra fields
 * are counted but not stored. A field longer than CSV_FIELD_MAX - 1 is cut if truncate, else
 * the record is malformed. Returns the number of fields, 0 at end of file, -1 if malformed.
 * *lines is advanced by the physical lines read. */
int csv_read_record(FILE *f, char (*fields)[CSV_FIELD_MAX], int nmax, int truncate, int *lines);

/* What one value of a column is, for writers that build CSV (and JSON) from one column table. */
enum csv_value {
	CSV_EMPTY,  /* not applicable: an empty field (JSON null) */
	CSV_NUMBER, /* written as it is */
	CSV_TEXT,   /* quoted where RFC 4180 needs it (JSON: always a string) */
};

/* Writes one value of that kind (no separator). */
void csv_write_value(FILE *f, enum csv_value kind, const char *text);

/* Writes the header line "names[0],names[1],...\r\n". */
void csv_write_header(FILE *f, const char *const *names, int n);

/* printf arguments for "%.*s%s" that keep an error line quoting a field on one line: the field
 * up to its first line end (a quoted field may hold one), then "..." if it was cut there. */
#define CSV_FIELD_ONE_LINE(s) (int)strcspn((s), "\r\n"), (s), (s)[strcspn((s), "\r\n")] ? "..." : ""

/* Readers go by header name: idx[i] = the position of names[i] among the header's nf fields.
 * Returns 0, or -1 with *missing = the first name the header lacks. */
int csv_find_columns(char (*header)[CSV_FIELD_MAX], int nf, const char *const *names, int n, int *idx,
		     const char **missing);

#endif
