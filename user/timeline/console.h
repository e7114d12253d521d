/* The VMM's console during `exitprof record`: its stdout, echoed to ours and kept line by line
 * with the time each line arrived, written as CSV t_ms,line. */
#ifndef EXITPROF_CONSOLE_H
#define EXITPROF_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct console {
	int fd;          /* read end of the VMM's stdout, -1 when closed */
	char part[4096]; /* the line being assembled */
	size_t plen;
	uint64_t part_ns; /* arrival of its first byte */
	struct cline { uint64_t ns; char *text; } *lines;
	size_t n, cap;
};

/* Reads what is there (fd non-blocking), echoes it to our stdout, splits it into lines; closes
 * the fd (fd = -1) at its end. */
void console_read(struct console *c);

/* The splitting alone, on bytes that arrived at now (CLOCK_MONOTONIC ns): each line (without its
 * CR and LF, cut at sizeof(part) bytes) is kept with the arrival of its first byte. */
void console_feed(struct console *c, const char *buf, size_t n, uint64_t now);

/* At the end of the output: keeps a last line that had no line end. */
void console_end(struct console *c);

/* The CSV below, written to f (errors: the caller checks f). */
void console_write_csv(const struct console *c, FILE *f, uint64_t t0);

/* CSV "t_ms,line": ms since t0 (CLOCK_MONOTONIC ns; negative: before it). Returns 0, or -1 with
 * errno set. */
int console_write(const struct console *c, const char *path, uint64_t t0);

void console_free(struct console *c);

#endif
