/* The libmicrohttpd daemon, request bodies, the API key and routing. */
#include "http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/error.h"
#include "routes.h"

struct serve_http {
    struct MHD_Daemon *daemon;
    int port;
};

typedef struct route {
    const char *method; /* GET also answers HEAD */
    const char *path;
    serve_result (*run)(serve_call *c);
    int needs_key;      /* the page and /health stay open; the API takes the key */
} route;

static const route routes[] = {
    {"GET", "/", route_page, 0},
    {"GET", "/index.html", route_page, 0},
    {"GET", "/health", route_health, 0},
    {"GET", "/v1/models", route_models, 1},
    {"POST", "/v1/completions", route_completions, 1},
    {"POST", "/v1/embeddings", route_embeddings, 1},
    {"POST", "/v1/vectors/nearest", route_vectors_nearest, 1},
    {"POST", "/v1/vectors/analogy", route_vectors_analogy, 1},
    {"GET", "/v1/vectors/map", route_vectors_map, 1},
};

/* The route for the path, and whether the method is one it takes. */
static const route *find_route(const char *path, const char *method, int *method_ok)
{
    const route *found = NULL;
    *method_ok = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (strcmp(routes[i].path, path) != 0)
            continue;
        found = &routes[i];
        if (strcmp(routes[i].method, method) == 0 ||
            (strcmp(routes[i].method, "GET") == 0 && strcmp(method, "HEAD") == 0)) {
            *method_ok = 1;
            return found;
        }
    }
    return found;
}

/* Compares in time that does not depend on where the strings differ. */
static int same_secret(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = (unsigned char)(la != lb);
    for (size_t i = 0; i < lb; i++)
        diff |= (unsigned char)(a[i % (la ? la : 1)] ^ b[i]);
    return diff == 0 && la == lb;
}

static int key_ok(const serve_app *app, struct MHD_Connection *conn)
{
    if (!app->api_key)
        return 1;
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!auth || strncmp(auth, "Bearer ", 7) != 0)
        return 0;
    return same_secret(auth + 7, app->api_key);
}

/* The checks that need only the headers; answers and returns 1 when one fails. */
static int refuse_early(serve_call *c, serve_result *rc)
{
    int method_ok;
    const route *r = find_route(c->url, c->method, &method_ok);
    if (!r) {
        *rc = serve_reply_error(c->conn, 404, NULL, "no such endpoint: %s %.200s", c->method, c->url);
        return 1;
    }
    if (!method_ok) {
        *rc = serve_reply_error(c->conn, 405, NULL, "%.200s takes %s, not %s", c->url, r->method, c->method);
        return 1;
    }
    if (r->needs_key && !key_ok(c->app, c->conn)) {
        *rc = serve_reply_error(c->conn, 401, NULL,
                                "this server needs an API key: send the header 'Authorization: Bearer KEY'");
        return 1;
    }
    const char *cl = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        char *end;
        unsigned long long n = strtoull(cl, &end, 10);
        if (end != cl && n > c->app->limits.max_body) {
            *rc = serve_reply_error(c->conn, 413, NULL, "the body has %llu bytes; the limit is %zu", n,
                                    c->app->limits.max_body);
            return 1;
        }
    }
    return 0;
}

static serve_result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                               const char *version, const char *upload_data, size_t *upload_data_size,
                               void **con_cls)
{
    serve_app *app = cls;
    serve_call *c = *con_cls;
    if (!c) {
        /* First call: the headers only. */
        c = calloc(1, sizeof *c);
        if (!c)
            return MHD_NO;
        c->app = app;
        c->conn = conn;
        c->method = method;
        c->url = url;
        recur_strbuf_init(&c->body);
        *con_cls = c;
        serve_result rc;
        if (refuse_early(c, &rc)) {
            c->answered = 1;
            return rc;
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* A body without a Content-Length (chunked) is counted as it comes. */
        if (!c->answered && !c->too_large) {
            if (c->body.len + *upload_data_size > app->limits.max_body)
                c->too_large = 1;
            else
                recur_strbuf_append(&c->body, upload_data, *upload_data_size);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (c->answered)
        return MHD_YES;
    c->answered = 1;
    if (c->too_large)
        return serve_reply_error(conn, 413, NULL, "the body is over the limit of %zu bytes", app->limits.max_body);
    if (c->body.oom)
        return serve_reply_error(conn, 500, NULL, "out of memory for the request body");
    if (!c->body.data)
        recur_strbuf_append(&c->body, "", 0);
    int method_ok;
    const route *r = find_route(url, method, &method_ok);
    return r->run(c);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    serve_call *c = *con_cls;
    if (!c)
        return;
    recur_strbuf_free(&c->body);
    free(c);
    *con_cls = NULL;
}

int serve_client_gone(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!info)
        return 1;
    struct pollfd p = {.fd = info->connect_fd, .events = POLLIN};
    if (poll(&p, 1, 0) < 0)
        return 0;
    if (p.revents & (POLLERR | POLLHUP | POLLNVAL))
        return 1;
    if (p.revents & POLLIN) {
        /* Readable: either more bytes (a pipelined request: not gone) or the end. */
        char byte;
        ssize_t got = recv(info->connect_fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        return got == 0;
    }
    return 0;
}

recur_status serve_http_start(serve_app *app, const char *host, int port, serve_http **out, recur_error *err)
{
    *out = NULL;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    /* MHD_USE_AUTO: poll or epoll rather than select, which fails past 1024 descriptors. */
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_AUTO;
    if (strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        flags |= MHD_USE_IPv6;
    } else {
        return recur_fail(err, RECUR_E_ARG, "--host '%s' is not a numeric IPv4 or IPv6 address", host);
    }
    serve_http *h = calloc(1, sizeof *h);
    if (!h)
        return recur_fail(err, RECUR_E_NOMEM, "out of memory");
    h->daemon = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, on_request, app, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)app->limits.idle_seconds, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)app->limits.max_connections, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
        MHD_OPTION_THREAD_STACK_SIZE, (size_t)512 * 1024, MHD_OPTION_NOTIFY_COMPLETED, on_completed, app,
        MHD_OPTION_END);
    if (!h->daemon) {
        free(h);
        return recur_fail(err, RECUR_E_IO, "cannot listen on %s port %d (in use, or not an address of this machine)",
                          host, port);
    }
    const union MHD_DaemonInfo *li = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_LISTEN_FD);
    struct sockaddr_storage bound;
    socklen_t blen = sizeof bound;
    h->port = port;
    if (li && getsockname(li->listen_fd, (struct sockaddr *)&bound, &blen) == 0)
        h->port = bound.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
                                              : ntohs(((struct sockaddr_in *)&bound)->sin_port);
    *out = h;
    return RECUR_OK;
}

int serve_http_port(const serve_http *h)
{
    return h->port;
}

void serve_http_quiesce(serve_http *h)
{
    if (!h)
        return;
    MHD_socket fd = MHD_quiesce_daemon(h->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
}

void serve_http_stop(serve_http *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->daemon);
    free(h);
}
