/* The VMM's console as `exitprof record --console` keeps it: console_feed() splits the bytes into
 * lines with their arrival times, console_write_csv() writes the CSV t_ms,line, and the CSV
 * reader every exitprof CSV goes through (csv_read_record()) must read each line back.
 * Input: the console bytes. The first byte, if any, sets how they arrive: in reads of 1 to 64
 * bytes (low 6 bits), 1 ms apart. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "csv.h"
#include "fuzz.h"

#define T0_NS 1000000000ull /* bin 0: the first read arrives 1 s later */

/* Reads the CSV back: a header, then one record per line, the text as written (up to
 * CSV_FIELD_MAX - 1 bytes: the reader truncates) and a t_ms that is a number. */
static void check_round_trip(const struct console *c, const char *csv, size_t len)
{
	char fields[2][CSV_FIELD_MAX], *end;
	int lines = 0;
	FILE *f = fmemopen((void *)csv, len, "r");

	FUZZ_ASSERT(f != NULL);
	FUZZ_ASSERT(csv_read_record(f, fields, 2, 1, &lines) == 2);
	FUZZ_ASSERT(!strcmp(fields[0], "t_ms") && !strcmp(fields[1], "line"));
	for (size_t i = 0; i < c->n; i++) {
		FUZZ_ASSERT(csv_read_record(f, fields, 2, 1, &lines) == 2);
		FUZZ_ASSERT(!strncmp(fields[1], c->lines[i].text, CSV_FIELD_MAX - 1));
		strtod(fields[0], &end);
		FUZZ_ASSERT(end != fields[0] && *end == '\0');
	}
	FUZZ_ASSERT(csv_read_record(f, fields, 2, 1, &lines) == 0);
	FUZZ_ASSERT((size_t)lines == c->n + 1);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct console c = { .fd = -1 };
	size_t chunk = size ? (size_t)(data[0] & 63) + 1 : 1, lines = 0;
	int open_line = 0; /* bytes other than CR since the last LF */
	uint64_t now = T0_NS;
	char *csv = NULL;
	size_t len = 0;
	FILE *f;

	if (size) {
		data++;
		size--;
	}
	for (size_t i = 0; i < size; i += chunk, now += 1000000) {
		size_t n = size - i < chunk ? size - i : chunk;

		console_feed(&c, (const char *)data + i, n, now);
	}
	console_end(&c);
	/* Every LF ends a line; bytes after the last LF make one more, unless they are only CRs. */
	for (size_t i = 0; i < size; i++) {
		lines += data[i] == '\n';
		open_line = data[i] == '\n' ? 0 : open_line || data[i] != '\r';
	}
	FUZZ_ASSERT(c.n == lines + (size_t)open_line);
	for (size_t i = 0; i < c.n; i++)
		FUZZ_ASSERT(strlen(c.lines[i].text) <= sizeof(c.part) && !strpbrk(c.lines[i].text, "\r\n"));

	f = open_memstream(&csv, &len);
	FUZZ_ASSERT(f != NULL);
	console_write_csv(&c, f, T0_NS);
	FUZZ_ASSERT(fclose(f) == 0);
	check_round_trip(&c, csv, len);
	free(csv);
	console_free(&c);
	return 0;
}
