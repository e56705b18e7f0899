/* recur serve: a language model (and optionally word vectors) behind an
 * HTTP API in OpenAI's shapes, and a web page.
 *
 * The pieces, one file each:
 *   cmd_serve.c          flags, loading, signals, shutdown
 *   http.c               the libmicrohttpd daemon: bodies, limits, the key, routing
 *   reply.c              JSON responses and OpenAI's error shape
 *   request.c            parsing and checking a completion request (no HTTP, fuzzed)
 *   scheduler.c          one generation thread stepping every active request together
 *   routes_completions.c /health, /v1/models, /v1/completions (plain and streamed)
 *   routes_vectors.c     /v1/embeddings and the word-vector endpoints
 *   page/index.html      the page at /, compiled into the binary
 */
#ifndef RECUR_SERVE_H
#define RECUR_SERVE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "recur.h"

typedef struct serve_scheduler serve_scheduler;

/* What one client may ask of the server; every one has a flag. */
typedef struct serve_limits {
    int max_tokens;          /* largest max_tokens a request may ask for */
    int default_max_tokens;  /* when a request names none (OpenAI's default is 16) */
    int max_n;               /* largest n (completions per request) */
    size_t max_body;         /* bytes of a request body */
    size_t max_prompt;       /* tokens of a prompt */
    double request_seconds;  /* wall time of one request, queue wait included */
    int idle_seconds;        /* an idle connection (or one that sends too slowly) is closed */
    int slots;               /* completions generated at once */
    int queue;               /* requests waiting for slots; one more is answered 503 */
    int max_connections;
    int map_max;             /* largest "top" of the word map */
} serve_limits;

void serve_limits_default(serve_limits *l);

/* The 2-D map of the top words, computed once per size and kept. */
typedef struct serve_map_cache {
    pthread_mutex_t lock;
    int top;        /* words in the cached map; 0: none yet */
    char *json;     /* the response body */
} serve_map_cache;

typedef struct serve_app {
    const recur_model *model;
    const char *model_name;        /* the id /v1/models reports */
    const char *model_path;
    recur_w2v_vectors *vectors;    /* NULL without --vectors */
    recur_w2v_index *index;
    const char *vectors_name;
    const char *api_key;           /* NULL: no key */
    serve_limits limits;
    serve_scheduler *sched;
    serve_map_cache map;
    atomic_int stopping;           /* set on SIGINT/SIGTERM: streams end */
    atomic_int streams_open;       /* streamed responses not yet sent to their end */
    atomic_ullong next_id;         /* request ids, and seeds of requests that name none */
    long long started;             /* unix time */
} serve_app;

#endif
