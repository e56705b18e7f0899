/* A completion request, parsed and checked before anything is generated.
 * No HTTP here: the parser takes the body's bytes, so it is fuzzed alone
 * (tests/fuzz/fuzz_serve_request.c). */
#ifndef RECUR_SERVE_REQUEST_H
#define RECUR_SERVE_REQUEST_H

#include <stddef.h>

#include "recur.h"
#include "serve.h"

#define SERVE_MAX_STOP 4        /* OpenAI's limit */
#define SERVE_MAX_STOP_BYTES 64

/* Why a request is refused: the field at fault (OpenAI's "param"; empty when
 * the body as a whole is wrong) and one line for the client. */
typedef struct serve_bad {
    char param[32];
    char message[256];
} serve_bad;

typedef struct serve_completion_req {
    char *prompt;            /* UTF-8 (checked by the JSON parser), NUL-terminated */
    size_t prompt_len;
    int max_tokens;
    int n;
    int stream;
    int n_stop;
    char *stop[SERVE_MAX_STOP];
    int seed_given;          /* 0: the server picks a seed */
    recur_sample_settings settings;
} serve_completion_req;

/* 0 and *out filled (free with serve_completion_req_free), or -1 with *bad
 * set. Unknown fields are refused (a misspelt "temprature" would otherwise
 * be silently ignored); OpenAI fields recur does not implement are accepted
 * only at their neutral values (echo false, logprobs null, best_of 1, ...). */
int serve_completion_parse(const char *body, size_t len, const serve_limits *lim, serve_completion_req *out,
                           serve_bad *bad);
void serve_completion_req_free(serve_completion_req *r);

/* Shared helpers for the other JSON endpoints. */
void serve_bad_set(serve_bad *bad, const char *param, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
