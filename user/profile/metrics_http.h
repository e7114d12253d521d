/* `exitprof --metrics [ADDR:]PORT`: serves the latest metrics text (metrics.h) at /metrics over
 * HTTP with libmicrohttpd, from its own thread. The profiler's loop renders the text and hands it
 * over with metrics_http_update(); a scrape gets the last one handed over. */
#ifndef EXITPROF_METRICS_HTTP_H
#define EXITPROF_METRICS_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct metrics_http;

/* Listens on addr:port (network order). NULL with one line (cause: fix) in err if it cannot, or
 * if this exitprof was built without libmicrohttpd. */
struct metrics_http *metrics_http_start(uint32_t addr, uint16_t port, char *err, size_t errlen);

/* Replaces the served text with a copy of text[0..len). 0, or -1 (ENOMEM: the old text stays). */
int metrics_http_update(struct metrics_http *h, const char *text, size_t len);

/* Scrapes answered so far. */
unsigned long metrics_http_scrapes(const struct metrics_http *h);

/* Stops the server and frees it; NULL is fine. */
void metrics_http_stop(struct metrics_http *h);

#endif
