/* See metrics_http.h. */
#include "metrics_http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef EXITPROF_HAVE_MICROHTTPD
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>

struct metrics_http {
	struct MHD_Daemon *d;
	pthread_mutex_t lock;
	char *text;
	size_t len;
	unsigned long scrapes;
};

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload, size_t *upload_len, void **state)
{
	struct metrics_http *h = cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	unsigned status = MHD_HTTP_OK;
	char *body;
	size_t len;

	(void)version, (void)upload, (void)upload_len, (void)state;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		body = strdup("only GET /metrics\n");
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (strcmp(url, "/metrics")) {
		body = strdup("exitprof serves /metrics\n");
		status = MHD_HTTP_NOT_FOUND;
	} else {
		pthread_mutex_lock(&h->lock);
		body = malloc(h->len + 1);
		if (body) {
			memcpy(body, h->text ? h->text : "", h->len);
			body[h->len] = '\0';
		}
		h->scrapes++;
		pthread_mutex_unlock(&h->lock);
	}
	if (!body)
		return MHD_NO;
	len = strlen(body);
	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

struct metrics_http *metrics_http_start(uint32_t addr, uint16_t port, char *err, size_t errlen)
{
	struct metrics_http *h = calloc(1, sizeof(*h));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = addr };
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, ip, sizeof(ip));
	if (!h) {
		snprintf(err, errlen, "out of memory starting the metrics server: free some memory");
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, port, NULL, NULL, answer, h,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT, 16u,
				MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!h->d) {
		snprintf(err, errlen, "cannot serve metrics on %s:%u (%s): choose a free port with --metrics", ip, port,
			 errno ? strerror(errno) : "libmicrohttpd failed");
		pthread_mutex_destroy(&h->lock);
		free(h);
		return NULL;
	}
	return h;
}

int metrics_http_update(struct metrics_http *h, const char *text, size_t len)
{
	char *copy = malloc(len + 1);

	if (!copy) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	pthread_mutex_lock(&h->lock);
	free(h->text);
	h->text = copy;
	h->len = len;
	pthread_mutex_unlock(&h->lock);
	return 0;
}

unsigned long metrics_http_scrapes(const struct metrics_http *h)
{
	unsigned long n;

	pthread_mutex_lock((pthread_mutex_t *)&h->lock);
	n = h->scrapes;
	pthread_mutex_unlock((pthread_mutex_t *)&h->lock);
	return n;
}

void metrics_http_stop(struct metrics_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	pthread_mutex_destroy(&h->lock);
	free(h->text);
	free(h);
}

#else /* built without libmicrohttpd (e.g. the static build for initramfs) */

struct metrics_http {
	int unused;
};

struct metrics_http *metrics_http_start(uint32_t addr, uint16_t port, char *err, size_t errlen)
{
	(void)addr, (void)port;
	snprintf(err, errlen, "this exitprof was built without its HTTP server (libmicrohttpd): use --metrics-file, or a build with libmicrohttpd-dev");
	return NULL;
}

int metrics_http_update(struct metrics_http *h, const char *text, size_t len)
{
	(void)h, (void)text, (void)len;
	return 0;
}

unsigned long metrics_http_scrapes(const struct metrics_http *h)
{
	(void)h;
	return 0;
}

void metrics_http_stop(struct metrics_http *h)
{
	(void)h;
}
#endif
