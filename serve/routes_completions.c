/* GET /, GET /health, GET /v1/models and POST /v1/completions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "request.h"
#include "routes.h"
#include "scheduler.h"

/* How often a waiting request looks at its client and its clock. */
#define WAIT_MS 100

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

serve_result route_page(serve_call *c)
{
    struct MHD_Response *r = MHD_create_response_from_buffer((size_t)serve_page_html_len, (void *)serve_page_html,
                                                             MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
    /* The page loads nothing from anywhere: its script and style are inline,
     * and it talks only to the server it came from. */
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                            "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    serve_result rc = MHD_queue_response(c->conn, 200, r);
    MHD_destroy_response(r);
    return rc;
}

serve_result route_health(serve_call *c)
{
    serve_app *app = c->app;
    serve_sched_stats st;
    serve_scheduler_stats(app->sched, &st);
    recur_strbuf b;
    recur_strbuf_init(&b);
    recur_strbuf_puts(&b, "{\"status\":\"ok\",\"model\":");
    recur_strbuf_json_string(&b, app->model_name, strlen(app->model_name));
    recur_strbuf_printf(&b,
                        ",\"vectors\":%s,\"active\":%d,\"queued\":%d,\"slots\":%d,\"queue\":%d,"
                        "\"requests_done\":%llu,\"tokens_generated\":%llu,\"steps\":%llu,\"key_required\":%s}",
                        app->vectors ? "true" : "false", st.active, st.queued, st.slots, st.queue_capacity,
                        (unsigned long long)st.jobs_done, (unsigned long long)st.tokens,
                        (unsigned long long)st.steps, app->api_key ? "true" : "false");
    serve_result rc = serve_reply_json(c->conn, 200, &b);
    recur_strbuf_free(&b);
    return rc;
}

serve_result route_models(serve_call *c)
{
    serve_app *app = c->app;
    const recur_config *cfg = recur_model_config(app->model);
    recur_strbuf b;
    recur_strbuf_init(&b);
    recur_strbuf_puts(&b, "{\"object\":\"list\",\"data\":[{\"id\":");
    recur_strbuf_json_string(&b, app->model_name, strlen(app->model_name));
    recur_strbuf_printf(&b,
                        ",\"object\":\"model\",\"created\":%lld,\"owned_by\":\"recur\",\"recur\":{\"kind\":\"language_"
                        "model\",\"level\":\"%s\",\"cell\":\"%s\",\"layers\":%d,\"hidden\":%d,\"embed\":%d,"
                        "\"vocab_size\":%d,\"parameters\":%zu}}",
                        app->started, recur_level_name(cfg->level), recur_cell_name(cfg->cell),
                        cfg->layers, cfg->hidden, cfg->embed ? cfg->embed : cfg->hidden,
                        recur_vocab_size(recur_model_vocab(app->model)), recur_model_param_count(app->model));
    if (app->vectors) {
        recur_strbuf_puts(&b, ",{\"id\":");
        recur_strbuf_json_string(&b, app->vectors_name, strlen(app->vectors_name));
        recur_strbuf_printf(&b,
                            ",\"object\":\"model\",\"created\":%lld,\"owned_by\":\"recur\",\"recur\":{\"kind\":"
                            "\"word_vectors\",\"words\":%d,\"dim\":%d}}",
                            app->started, app->vectors->count, app->vectors->dim);
    }
    recur_strbuf_puts(&b, "]}");
    serve_result rc = serve_reply_json(c->conn, 200, &b);
    recur_strbuf_free(&b);
    return rc;
}

/* ---- completions ---- */

/* What a request's completions have produced, for the one-piece answer. */
typedef struct gathered {
    int n;
    recur_strbuf *text;
    serve_finish *finish;
    int *tokens;
} gathered;

static void gather(void *user, int index, const char *text, size_t len, serve_finish finish, int tokens)
{
    gathered *g = user;
    recur_strbuf_append(&g->text[index], text, len);
    if (finish)
        g->finish[index] = finish;
    g->tokens[index] = tokens;
}

/* OpenAI's finish reasons, and recur's two for a completion cut short. */
static const char *finish_name(const serve_app *app, serve_finish f, const char *cut_reason)
{
    switch (f) {
    case SERVE_FINISH_LENGTH: return "length";
    case SERVE_FINISH_STOP: return "stop";
    case SERVE_FINISH_CANCELLED: return cut_reason ? cut_reason : app->stopping ? "shutdown" : "cancelled";
    default: return "error";
    }
}

static void completion_head(recur_strbuf *b, const serve_app *app, unsigned long long id, long long created)
{
    recur_strbuf_printf(b, "{\"id\":\"cmpl-%llu\",\"object\":\"text_completion\",\"created\":%lld,\"model\":", id,
                        created);
    recur_strbuf_json_string(b, app->model_name, strlen(app->model_name));
}

static serve_result answer_whole(serve_call *c, serve_job *job, int n, size_t prompt_tokens, unsigned long long id,
                                 double deadline)
{
    serve_app *app = c->app;
    gathered g = {n, calloc((size_t)n, sizeof *g.text), calloc((size_t)n, sizeof *g.finish),
                  calloc((size_t)n, sizeof *g.tokens)};
    serve_result rc = MHD_NO;
    if (!g.text || !g.finish || !g.tokens) {
        serve_job_release(job);
        rc = serve_reply_error(c->conn, 500, NULL, "out of memory");
        goto done;
    }
    const char *cut = NULL;
    while (!serve_job_take(job, WAIT_MS, gather, &g)) {
        if (serve_client_gone(c->conn)) {
            /* Nobody to answer: the job ends at the next step, the connection closes. */
            serve_job_release(job);
            goto done;
        }
        if (!cut && now_seconds() > deadline) {
            cut = "time_limit";
            serve_job_cancel(job);
        } else if (!cut && app->stopping) {
            cut = "shutdown";
        }
    }
    serve_job_release(job);
    recur_strbuf b;
    recur_strbuf_init(&b);
    completion_head(&b, app, id, (long long)time(NULL));
    recur_strbuf_puts(&b, ",\"choices\":[");
    long long completion_tokens = 0;
    int failed = 0;
    for (int i = 0; i < n; i++) {
        failed |= g.finish[i] == SERVE_FINISH_ERROR || g.text[i].oom;
        recur_strbuf_puts(&b, i ? ",{\"text\":" : "{\"text\":");
        recur_strbuf_json_string(&b, g.text[i].data ? g.text[i].data : "", g.text[i].len);
        recur_strbuf_printf(&b, ",\"index\":%d,\"logprobs\":null,\"finish_reason\":\"%s\"}", i,
                            finish_name(app, g.finish[i], cut));
        completion_tokens += g.tokens[i];
    }
    recur_strbuf_printf(&b, "],\"usage\":{\"prompt_tokens\":%zu,\"completion_tokens\":%lld,\"total_tokens\":%lld}}",
                        prompt_tokens, completion_tokens, (long long)prompt_tokens + completion_tokens);
    if (failed)
        rc = serve_reply_error(c->conn, 500, NULL, "generation failed (out of memory or a non-finite state)");
    else
        rc = serve_reply_json(c->conn, 200, &b);
    recur_strbuf_free(&b);
done:
    for (int i = 0; g.text && i < n; i++)
        recur_strbuf_free(&g.text[i]);
    free(g.text);
    free(g.finish);
    free(g.tokens);
    return rc;
}

/* A streamed completion: server-sent events, one per batch of new text. */
typedef struct stream_ctx {
    serve_app *app;
    struct MHD_Connection *conn;
    serve_job *job;
    unsigned long long id;
    long long created;
    double deadline;
    const char *cut;        /* why the job was cut short, if it was */
    recur_strbuf out;       /* bytes not yet handed to the connection */
    size_t off;
    int ended;              /* [DONE] is in out */
} stream_ctx;

static void stream_news(void *user, int index, const char *text, size_t len, serve_finish finish, int tokens)
{
    stream_ctx *s = user;
    if (finish == SERVE_FINISH_ERROR) {
        recur_strbuf_puts(&s->out, "data: ");
        serve_error_json(&s->out, 500, NULL, "generation failed (out of memory or a non-finite state)");
        recur_strbuf_puts(&s->out, "\n\n");
        return;
    }
    recur_strbuf_puts(&s->out, "data: ");
    completion_head(&s->out, s->app, s->id, s->created);
    recur_strbuf_puts(&s->out, ",\"choices\":[{\"text\":");
    recur_strbuf_json_string(&s->out, text, len);
    recur_strbuf_printf(&s->out, ",\"index\":%d,\"logprobs\":null,\"finish_reason\":", index);
    if (finish)
        recur_strbuf_printf(&s->out, "\"%s\"", finish_name(s->app, finish, s->cut));
    else
        recur_strbuf_puts(&s->out, "null");
    recur_strbuf_puts(&s->out, "}]}\n\n");
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    stream_ctx *s = cls;
    for (;;) {
        if (s->out.oom)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (s->off < s->out.len) {
            size_t n = s->out.len - s->off < max ? s->out.len - s->off : max;
            memcpy(buf, s->out.data + s->off, n);
            s->off += n;
            return (ssize_t)n;
        }
        recur_strbuf_clear(&s->out);
        s->off = 0;
        if (s->ended)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (serve_job_take(s->job, WAIT_MS, stream_news, s)) {
            recur_strbuf_puts(&s->out, "data: [DONE]\n\n");
            s->ended = 1;
            continue;
        }
        if (s->out.len)
            continue;
        if (serve_client_gone(s->conn)) {
            serve_job_cancel(s->job);
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (!s->cut && now_seconds() > s->deadline) {
            s->cut = "time_limit";
            serve_job_cancel(s->job);
        } else if (!s->cut && s->app->stopping) {
            s->cut = "shutdown";
        }
    }
}

/* Called once the connection is done with the response (its last chunk
 * written, or the connection closed). */
static void stream_free(void *cls)
{
    stream_ctx *s = cls;
    atomic_fetch_sub(&s->app->streams_open, 1);
    serve_job_release(s->job);
    recur_strbuf_free(&s->out);
    free(s);
}

static serve_result answer_stream(serve_call *c, serve_job *job, unsigned long long id, double deadline)
{
    stream_ctx *s = calloc(1, sizeof *s);
    if (!s) {
        serve_job_release(job);
        return serve_reply_error(c->conn, 500, NULL, "out of memory");
    }
    s->app = c->app;
    s->conn = c->conn;
    s->job = job;
    s->id = id;
    s->created = (long long)time(NULL);
    s->deadline = deadline;
    recur_strbuf_init(&s->out);
    atomic_fetch_add(&s->app->streams_open, 1); /* stream_free takes it back, on every path */
    struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, stream_read, s,
                                                               stream_free);
    if (!r) {
        stream_free(s);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(r, "X-Accel-Buffering", "no");
    serve_result rc = MHD_queue_response(c->conn, 200, r);
    MHD_destroy_response(r);
    return rc;
}

/* The prompt as tokens: "" starts from a newline (char models) or "<eos>"
 * (word models), as `recur sample` does. */
static int encode_prompt(const serve_app *app, const serve_completion_req *req, int32_t **ids, size_t *n,
                         serve_bad *bad)
{
    const recur_vocab *v = recur_model_vocab(app->model);
    *ids = NULL;
    *n = 0;
    if (req->prompt_len == 0) {
        int start = recur_vocab_level(v) == RECUR_LEVEL_WORD ? recur_vocab_find(v, "<eos>", 5)
                                                             : recur_vocab_find(v, "\n", 1);
        *ids = malloc(sizeof **ids);
        if (!*ids) {
            serve_bad_set(bad, "", "out of memory");
            return -1;
        }
        (*ids)[0] = start >= 0 ? start : 0;
        return 0;
    }
    recur_error err = {0};
    if (recur_vocab_encode(v, req->prompt, req->prompt_len, ids, n, &err) != RECUR_OK) {
        serve_bad_set(bad, "prompt", "prompt: %s", err.msg);
        return -1;
    }
    /* As recur_generate: a word model's encoding ends every line with
     * "<eos>", but a prompt that does not end with a newline is a sentence
     * to continue. */
    int32_t eos = recur_vocab_level(v) == RECUR_LEVEL_WORD ? recur_vocab_find(v, "<eos>", 5) : -1;
    if (*n > 0 && eos >= 0 && (*ids)[*n - 1] == eos && req->prompt[req->prompt_len - 1] != '\n')
        (*n)--;
    if (*n == 0 || *n > app->limits.max_prompt) {
        serve_bad_set(bad, "prompt", "the prompt has %zu tokens; it must have 1 to %zu", *n, app->limits.max_prompt);
        free(*ids);
        *ids = NULL;
        return -1;
    }
    return 0;
}

serve_result route_completions(serve_call *c)
{
    serve_app *app = c->app;
    double deadline = now_seconds() + app->limits.request_seconds;
    serve_completion_req req;
    serve_bad bad;
    if (serve_completion_parse(c->body.data, c->body.len, &app->limits, &req, &bad))
        return serve_reply_error(c->conn, 400, bad.param, "%s", bad.message);
    if (req.n > app->limits.slots) {
        serve_completion_req_free(&req);
        return serve_reply_error(c->conn, 400, "n", "n must be at most %d (the server's slots)", app->limits.slots);
    }
    int32_t *ids;
    size_t n_ids;
    if (encode_prompt(app, &req, &ids, &n_ids, &bad)) {
        serve_completion_req_free(&req);
        return serve_reply_error(c->conn, 400, bad.param, "%s", bad.message);
    }
    unsigned long long id = atomic_fetch_add(&app->next_id, 1) + 1;
    if (!req.seed_given)
        req.settings.seed = (uint64_t)time(NULL) * 1000003u + id * 7919u; /* differs per request */
    serve_job_spec spec = {ids, n_ids ? n_ids : 1, req.n, req.max_tokens, (const char *const *)req.stop,
                           req.n_stop, req.settings};
    serve_job *job = NULL;
    recur_error err = {0};
    serve_submit_result sr = serve_job_submit(app->sched, &spec, &job, &err);
    int n = req.n, stream = req.stream;
    free(ids);
    serve_completion_req_free(&req);
    switch (sr) {
    case SERVE_SUBMITTED:
        break;
    case SERVE_QUEUE_FULL:
        return serve_reply_error(c->conn, 503, NULL, "the server is busy (%d requests queued); retry shortly",
                                 app->limits.queue);
    case SERVE_STOPPING:
        return serve_reply_error(c->conn, 503, NULL, "the server is shutting down");
    default:
        return serve_reply_error(c->conn, 500, NULL, "%s", err.msg);
    }
    if (stream)
        return answer_stream(c, job, id, deadline);
    return answer_whole(c, job, n, n_ids, id, deadline);
}
