/* recur serve: flags, loading, signals and an orderly shutdown. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "commands.h"
#include "http.h"
#include "scheduler.h"
#include "serve.h"

#define CMD "recur serve"

/* "dir/name.safetensors" -> "name": the id clients name the model by. */
static char *model_id(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    const char *dot = strrchr(base, '.');
    if (dot && dot != base)
        n = (size_t)(dot - base);
    char *id = malloc(n + 1);
    if (id) {
        memcpy(id, base, n);
        id[n] = 0;
    }
    return id;
}

int cmd_serve(int argc, char **argv)
{
    const char *model_path = NULL, *vectors_path = NULL, *host = "127.0.0.1", *api_key = NULL;
    const char *weights_name = "f32";
    int port = 8080, threads = 0, vectors_top = 0, max_body_kb = 1024, flush_ms = 10;
    serve_limits lim;
    serve_limits_default(&lim);
    const cli_flag flags[] = {
        {"--model", CLI_STRING, &model_path, 0, 0, "language model to serve (.safetensors)", NULL},
        {"--vectors", CLI_STRING, &vectors_path, 0, 0, "word vectors (word2vec text or binary) for the vector endpoints", NULL},
        {"--host", CLI_STRING, &host, 0, 0, "address to listen on (default 127.0.0.1: this machine only)", NULL},
        {"--port", CLI_INT, &port, 0, 65535, "port (default 8080; 0: any free port, printed at the start)", NULL},
        {"--threads", CLI_INT, &threads, 1, 1024, "compute threads for the batched steps (default: all cores)", NULL},
        {"--api-key", CLI_STRING, &api_key, 0, 0,
         "require 'Authorization: Bearer KEY' on /v1/ (default: the RECUR_API_KEY variable, else none)", NULL},
        {"--weights", CLI_STRING, &weights_name, 0, 0, "f32 (default, the same text as recur sample), f16 or i8", NULL},
        {"--slots", CLI_INT, &lim.slots, 1, 1024, "completions generated together, one batched step (default 64)", NULL},
        {"--queue", CLI_INT, &lim.queue, 0, 100000, "requests that may wait for a slot; more get 503 (default 256)", NULL},
        {"--max-tokens", CLI_INT, &lim.max_tokens, 1, 1000000, "largest max_tokens a request may ask (default 4096)", NULL},
        {"--max-n", CLI_INT, &lim.max_n, 1, 1024, "largest n, completions per request (default 8)", NULL},
        {"--max-body-kb", CLI_INT, &max_body_kb, 1, 1 << 20, "largest request body in KiB; more gets 413 (default 1024)", NULL},
        {"--timeout", CLI_DOUBLE, &lim.request_seconds, 0.1, 86400, "seconds a request may take, queue included (default 300)", NULL},
        {"--idle-timeout", CLI_INT, &lim.idle_seconds, 1, 3600, "seconds before a silent connection is closed (default 15)", NULL},
        {"--max-connections", CLI_INT, &lim.max_connections, 1, 100000, "open connections at most (default 512)", NULL},
        {"--flush-ms", CLI_INT, &flush_ms, 0, 1000,
         "a streamed reply's text is sent at most this often after its first piece (default 10; 0: every token)", NULL},
        {"--vectors-top", CLI_INT, &vectors_top, 0, 100000000, "load only the first N vectors (default 0: all)", NULL},
    };
    cli_spec spec = {CMD, "--model MODEL [--vectors VECTORS] [--host 127.0.0.1] [--port 8080] [options]",
                     "Serves a language model over HTTP in OpenAI's shapes (GET /health, GET /v1/models,\n"
                     "POST /v1/completions with stream: true for server-sent events) and, with --vectors,\n"
                     "word vectors (POST /v1/embeddings, /v1/vectors/nearest, /v1/vectors/analogy,\n"
                     "GET /v1/vectors/map). A page at / has a playground and a word-vector explorer.\n"
                     "Every active completion advances in one batched step per token. It listens on\n"
                     "127.0.0.1 unless --host says otherwise; SIGINT or SIGTERM stops it (docs/serve.md).",
                     flags, (int)(sizeof flags / sizeof flags[0]), 0, 0};
    int npos;
    int rc = cli_parse(&spec, argc, argv, NULL, &npos);
    if (rc)
        return rc == CLI_HELP ? 0 : 2;
    if (!model_path)
        return cli_error(CMD, "--model MODEL is required (see --help)"), 2;
    recur_sample_weights weights;
    recur_error werr = {0};
    if (recur_sample_weights_parse(weights_name, &weights, &werr))
        return cli_bad_choice(CMD, "--weights", werr.msg), 2;
    if (!api_key) {
        const char *env = getenv("RECUR_API_KEY");
        api_key = env && *env ? env : NULL;
    }
    if (api_key && !*api_key)
        return cli_error(CMD, "--api-key must not be empty"), 2;
    lim.max_body = (size_t)max_body_kb * 1024;
    if (lim.max_n > lim.slots)
        lim.max_n = lim.slots;

    /* SIGINT and SIGTERM are taken by sigwait below: blocked before any
     * thread starts, so every thread inherits the mask. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    recur_set_threads(threads);
    serve_app app;
    memset(&app, 0, sizeof app);
    app.limits = lim;
    app.api_key = api_key;
    app.model_path = model_path;
    app.started = (long long)time(NULL);
    pthread_mutex_init(&app.map.lock, NULL);
    recur_error err = {0};
    recur_model *model = NULL;
    char *name = NULL, *vname = NULL;
    serve_http *http = NULL;
    rc = 1;
    if (recur_model_load(model_path, &model, &err) != RECUR_OK) {
        cli_error(CMD, "%s", err.msg);
        goto done;
    }
    if (recur_model_config(model)->task != RECUR_TASK_LM) {
        cli_error(CMD, "%s is a %s model; recur serve serves language models", model_path,
                  recur_task_name(recur_model_config(model)->task));
        goto done;
    }
    app.model = model;
    name = model_id(model_path);
    app.model_name = name ? name : "model";
    if (vectors_path) {
        if (recur_w2v_load(vectors_path, RECUR_W2V_AUTO, vectors_top, &app.vectors, &err) != RECUR_OK ||
            recur_w2v_index_create(app.vectors, 0, 0, &app.index, &err) != RECUR_OK) {
            cli_error(CMD, "%s", err.msg);
            goto done;
        }
        vname = model_id(vectors_path);
        app.vectors_name = vname ? vname : "vectors";
    }
    if (serve_scheduler_create(model, lim.slots, lim.queue, (recur_sample_weights)weights, flush_ms, &app.sched, &err) !=
        RECUR_OK) {
        cli_error(CMD, "%s", err.msg);
        goto done;
    }
    if (serve_http_start(&app, host, port, &http, &err) != RECUR_OK) {
        cli_error(CMD, "%s", err.msg);
        goto done;
    }
    fprintf(stderr, "%s: %s on http://%s%s%s:%d/ (%d slots%s%s)\n", CMD, app.model_name, strchr(host, ':') ? "[" : "",
            host, strchr(host, ':') ? "]" : "", serve_http_port(http), lim.slots, app.vectors ? ", vectors " : "",
            app.vectors ? app.vectors_name : "");
    fflush(stderr);

    int sig = 0;
    sigwait(&stop_signals, &sig);
    fprintf(stderr, "%s: %s: stopping\n", CMD, sig == SIGINT ? "SIGINT" : "SIGTERM");
    /* Stop accepting, end the streams (their clients get what was made and
     * [DONE]), then close the connections and wait for their threads. */
    atomic_store(&app.stopping, 1);
    serve_http_quiesce(http);
    serve_scheduler_stop(app.sched);
    /* Closing the connections now could cut a stream between its last
     * event and the end of its body: wait (up to 5 s, for slow readers)
     * until every streamed response has been sent to its end. */
    for (int waited = 0; atomic_load(&app.streams_open) > 0 && waited < 500; waited++)
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    serve_http_stop(http);
    http = NULL;
    serve_sched_stats st;
    serve_scheduler_stats(app.sched, &st);
    fprintf(stderr, "%s: served %llu requests, %llu tokens\n", CMD, (unsigned long long)st.jobs_done,
            (unsigned long long)st.tokens);
    rc = 0;
done:
    serve_http_stop(http);
    serve_scheduler_free(app.sched);
    recur_w2v_index_free(app.index);
    recur_w2v_vectors_free(app.vectors);
    free(app.map.json);
    pthread_mutex_destroy(&app.map.lock);
    free(name);
    free(vname);
    recur_model_free(model);
    return rc;
}
