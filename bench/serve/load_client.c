/* The client side of the serve load benchmark (bench/serve/load.py
 * --client): C clients streaming completions from recur serve over
 * loopback, all in one thread on epoll, so that 64 streams cost the client
 * a few percent of a core and the server is what is measured. (A Python
 * client reading a server-sent event per token spends a core on 20,000
 * events a second, half of this machine.)
 *
 * Each client loops for the given seconds: connect, POST /v1/completions
 * with "stream": true, read the chunked body's events up to "data: [DONE]",
 * close. It counts the characters of each event's "text" (a char model:
 * one token a character) and prints one JSON object: requests, tokens,
 * tokens/s, median and 99th percentile of the time to the first token and of
 * the time per token after it, errors.
 *
 *   load_client PORT CLIENTS SECONDS MAX_TOKENS */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { HEAD, CHUNK_SIZE, CHUNK_DATA, CHUNK_END };

typedef struct client {
    int id, fd, sent, requests_made;
    char request[512];
    int request_len;
    int state;           /* HEAD, then the chunked body */
    char head[4096];
    int head_len;
    long chunk_left;     /* bytes of the current chunk still to come */
    char line[32];       /* a chunk-size line */
    int line_len;
    char *event;         /* the body's bytes since the last event's end */
    size_t event_len, event_cap;
    double t_start, t_first, t_last;
    long tokens;
    int done;            /* saw [DONE] */
} client;

typedef struct results {
    double *ttft, *per_token;
    size_t n, cap;
    long tokens, errors;
} results;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* The characters of the JSON string value that follows "text": in an
 * event: escapes count one, UTF-8 continuation bytes none. */
static long text_chars(const char *ev, size_t len)
{
    static const char key[] = "\"text\":\"";
    const char *p = memmem(ev, len, key, sizeof key - 1);
    if (!p)
        return 0;
    const char *end = ev + len;
    long n = 0;
    for (p += sizeof key - 1; p < end && *p != '"'; p++) {
        if (*p == '\\') {
            p++;
            if (p < end && *p == 'u')
                p += 4;
            n++;
        } else if (((unsigned char)*p & 0xC0) != 0x80) {
            n++;
        }
    }
    return n;
}

static void record(results *r, const client *c, int ok)
{
    if (!ok || c->tokens == 0) {
        r->errors++;
        return;
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 1024;
        r->ttft = realloc(r->ttft, r->cap * sizeof *r->ttft);
        r->per_token = realloc(r->per_token, r->cap * sizeof *r->per_token);
        if (!r->ttft || !r->per_token)
            die("realloc");
    }
    r->ttft[r->n] = c->t_first - c->t_start;
    r->per_token[r->n] = c->tokens > 1 ? (c->t_last - c->t_first) / (double)(c->tokens - 1) : 0.0;
    r->n++;
    r->tokens += c->tokens;
}

static void start(client *c, int ep, int port, int max_tokens)
{
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0)
        die("socket");
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS)
        die("connect");
    char body[256];
    int blen = snprintf(body, sizeof body,
                        "{\"prompt\":\"ROMEO:\",\"max_tokens\":%d,\"stream\":true,\"seed\":%d,\"temperature\":0.9}",
                        max_tokens, 1000 * c->id + c->requests_made);
    c->request_len = snprintf(c->request, sizeof c->request,
                              "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                              "Connection: close\r\nContent-Length: %d\r\n\r\n%s",
                              blen, body);
    c->requests_made++;
    c->sent = 0;
    c->state = HEAD;
    c->head_len = c->line_len = 0;
    c->event_len = 0;
    c->tokens = 0;
    c->done = 0;
    c->t_start = now();
    struct epoll_event e = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e) < 0)
        die("epoll_ctl");
}

/* The body's bytes: appended to the event buffer, and every complete event
 * ("...\n\n") read and dropped. */
static void body_bytes(client *c, const char *p, size_t n)
{
    if (c->event_len + n > c->event_cap) {
        c->event_cap = 2 * (c->event_len + n);
        c->event = realloc(c->event, c->event_cap);
        if (!c->event)
            die("realloc");
    }
    memcpy(c->event + c->event_len, p, n);
    c->event_len += n;
    size_t at = 0;
    for (;;) {
        char *end = memmem(c->event + at, c->event_len - at, "\n\n", 2);
        if (!end)
            break;
        size_t len = (size_t)(end - (c->event + at));
        const char *ev = c->event + at;
        if (len >= 12 && memcmp(ev, "data: [DONE]", 12) == 0) {
            c->done = 1;
        } else {
            long k = text_chars(ev, len);
            if (k) {
                double t = now();
                if (!c->tokens)
                    c->t_first = t;
                c->t_last = t;
                c->tokens += k;
            }
        }
        at += len + 2;
    }
    memmove(c->event, c->event + at, c->event_len - at);
    c->event_len -= at;
}

/* The body as it comes: chunk-size lines, chunk data (passed on to
 * body_bytes), the CRLF after each chunk. */
static void chunked_bytes(client *c, const char *p, size_t n)
{
    while (n) {
        if (c->state == CHUNK_SIZE) {
            char ch = *p++;
            n--;
            if (ch == '\n') {
                c->line[c->line_len] = 0;
                c->chunk_left = strtol(c->line, NULL, 16);
                c->line_len = 0;
                c->state = c->chunk_left ? CHUNK_DATA : CHUNK_END;
            } else if (ch != '\r' && c->line_len < (int)sizeof c->line - 1) {
                c->line[c->line_len++] = ch;
            }
        } else if (c->state == CHUNK_DATA) {
            size_t take = n < (size_t)c->chunk_left ? n : (size_t)c->chunk_left;
            body_bytes(c, p, take);
            p += take;
            n -= take;
            if ((c->chunk_left -= (long)take) == 0)
                c->state = CHUNK_END;
        } else { /* the CRLF after a chunk, or the trailer */
            if (*p == '\n')
                c->state = CHUNK_SIZE;
            p++;
            n--;
        }
    }
}

/* Returns 1 when the response has ended (closed, or an error). */
static int readable(client *c, int *ok)
{
    char buf[65536];
    for (;;) {
        ssize_t got = recv(c->fd, buf, sizeof buf, 0);
        if (got == 0) {
            *ok = c->done;
            return 1;
        }
        if (got < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            *ok = 0;
            return 1;
        }
        const char *p = buf;
        size_t n = (size_t)got;
        if (c->state == HEAD) {
            size_t room = sizeof c->head - 1 - (size_t)c->head_len, take = n < room ? n : room;
            memcpy(c->head + c->head_len, p, take);
            c->head_len += (int)take;
            c->head[c->head_len] = 0;
            char *end = strstr(c->head, "\r\n\r\n");
            if (!end) {
                if (take == room) {
                    *ok = 0;
                    return 1;
                }
                continue;
            }
            if (strncmp(c->head, "HTTP/1.1 200", 12) != 0 || !strcasestr(c->head, "transfer-encoding: chunked")) {
                *ok = 0;
                return 1;
            }
            size_t used = (size_t)(end + 4 - c->head) - ((size_t)c->head_len - take);
            p += used;
            n -= used;
            c->state = CHUNK_SIZE;
        }
        chunked_bytes(c, p, n);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(double *xs, size_t n, double p)
{
    if (!n)
        return -1.0;
    qsort(xs, n, sizeof *xs, cmp_double);
    size_t k = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
    return xs[k < n ? k : n - 1];
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: load_client PORT CLIENTS SECONDS MAX_TOKENS\n");
        return 2;
    }
    int port = atoi(argv[1]), nclients = atoi(argv[2]), max_tokens = atoi(argv[4]);
    double seconds = atof(argv[3]);
    if (port <= 0 || nclients <= 0 || seconds <= 0 || max_tokens <= 0) {
        fprintf(stderr, "load_client: PORT, CLIENTS, SECONDS and MAX_TOKENS must be positive\n");
        return 2;
    }
    int ep = epoll_create1(0);
    if (ep < 0)
        die("epoll_create1");
    client *cs = calloc((size_t)nclients, sizeof *cs);
    if (!cs)
        die("calloc");
    results r = {0};
    double t0 = now(), deadline = t0 + seconds;
    for (int i = 0; i < nclients; i++) {
        cs[i].id = i;
        start(&cs[i], ep, port, max_tokens);
    }
    int running = nclients;
    struct epoll_event evs[256];
    while (running) {
        int n = epoll_wait(ep, evs, 256, 1000);
        if (n < 0 && errno != EINTR)
            die("epoll_wait");
        for (int i = 0; i < n; i++) {
            client *c = evs[i].data.ptr;
            int ended = 0, ok = 0;
            if (c->sent < c->request_len && (evs[i].events & EPOLLOUT)) {
                ssize_t w = send(c->fd, c->request + c->sent, (size_t)(c->request_len - c->sent), MSG_NOSIGNAL);
                if (w > 0)
                    c->sent += (int)w;
                else if (w < 0 && errno != EAGAIN)
                    ended = 1;
                if (c->sent == c->request_len) {
                    struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
                    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
                }
            }
            if (!ended && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                ended = readable(c, &ok);
            if (!ended)
                continue;
            epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
            close(c->fd);
            record(&r, c, ok);
            if (now() < deadline)
                start(c, ep, port, max_tokens);
            else
                running--;
        }
    }
    double wall = now() - t0;
    double ttft_med = percentile(r.ttft, r.n, 50), ttft_p99 = percentile(r.ttft, r.n, 99);
    double tok_med = percentile(r.per_token, r.n, 50), tok_p99 = percentile(r.per_token, r.n, 99);
    printf("{\"clients\":%d,\"seconds\":%.2f,\"requests\":%zu,\"requests_per_s\":%.2f,\"tokens\":%ld,"
           "\"tokens_per_s\":%.1f,\"ttft_median_ms\":%.2f,\"ttft_p99_ms\":%.2f,\"token_latency_median_ms\":%.3f,"
           "\"token_latency_p99_ms\":%.3f,\"errors\":%ld}\n",
           nclients, wall, r.n, (double)r.n / wall, r.tokens, (double)r.tokens / wall, 1000 * ttft_med,
           1000 * ttft_p99, 1000 * tok_med, 1000 * tok_p99, r.errors);
    for (int i = 0; i < nclients; i++)
        free(cs[i].event);
    free(cs);
    free(r.ttft);
    free(r.per_token);
    close(ep);
    return 0;
}
