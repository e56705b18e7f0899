/* The HTTP side: a libmicrohttpd daemon with a thread per connection (a
 * streamed completion's thread waits for its text, so waiting never holds
 * up another client), request bodies read up to the limit, the key checked,
 * and each request routed to one handler. */
#ifndef RECUR_SERVE_HTTP_H
#define RECUR_SERVE_HTTP_H

#include "core/strbuf.h"
#include "reply.h"
#include "serve.h"

/* One request as a handler sees it. */
typedef struct serve_call {
    serve_app *app;
    struct MHD_Connection *conn;
    const char *method;
    const char *url;
    recur_strbuf body;      /* the whole body (POST), NUL-terminated */
    int answered;           /* a response was queued before the body was read */
    int too_large;
} serve_call;

typedef struct serve_http serve_http;

/* Listens on host:port (port 0: any free port; serve_http_port says which). */
recur_status serve_http_start(serve_app *app, const char *host, int port, serve_http **out, recur_error *err);
int serve_http_port(const serve_http *h);
/* Stops accepting connections; requests in flight go on. */
void serve_http_quiesce(serve_http *h);
/* Closes every connection (waiting for their threads) and frees. */
void serve_http_stop(serve_http *h);

/* 1 if the client closed its side or the connection broke. */
int serve_client_gone(struct MHD_Connection *conn);

#endif
