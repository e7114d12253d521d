/* See console.h. */
#define _GNU_SOURCE
#include "console.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "csv.h"

static void console_push(struct console *c)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		void *p = realloc(c->lines, cap * sizeof(*c->lines));
		if (!p)
			return; /* the log is a convenience: keep profiling */
		c->lines = p;
		c->cap = cap;
	}
	c->lines[c->n].ns = c->part_ns;
	c->lines[c->n].text = strndup(c->part, c->plen);
	if (c->lines[c->n].text)
		c->n++;
	c->plen = 0;
}

void console_feed(struct console *c, const char *buf, size_t n, uint64_t now)
{
	for (size_t i = 0; i < n; i++) {
		if (c->plen == 0)
			c->part_ns = now;
		if (buf[i] == '\n') {
			console_push(c);
		} else if (buf[i] != '\r' && c->plen < sizeof(c->part)) {
			c->part[c->plen++] = buf[i];
		}
	}
}

void console_end(struct console *c)
{
	if (c->plen)
		console_push(c);
}

/* Reads what is there, echoes it to our stdout, and splits it into lines. */
void console_read(struct console *c)
{
	char buf[4096];
	ssize_t n = read(c->fd, buf, sizeof(buf));

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			console_end(c);
			close(c->fd);
			c->fd = -1;
		}
		return;
	}
	uint64_t now = clock_now_ns();
	fwrite(buf, 1, (size_t)n, stdout);
	fflush(stdout);
	console_feed(c, buf, (size_t)n, now);
}

/* CSV "t_ms,line": ms since bin 0 (negative: before the VM's first entry; since the VMM started
 * if it never entered). */
void console_write_csv(const struct console *c, FILE *f, uint64_t t0)
{
	fputs("t_ms,line\r\n", f);
	for (size_t i = 0; i < c->n; i++) {
		fprintf(f, "%.3f,", ((double)c->lines[i].ns - (double)t0) / 1e6);
		csv_write_field(f, c->lines[i].text);
		fputs("\r\n", f);
	}
}

int console_write(const struct console *c, const char *path, uint64_t t0)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	console_write_csv(c, f, t0);
	return fclose(f);
}

void console_free(struct console *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->lines[i].text);
	free(c->lines);
	if (c->fd >= 0)
		close(c->fd);
}
