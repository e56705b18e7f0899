/* Beam search: K hypotheses advanced together on 2K streams (the live
 * beams in one half, their successors forked into the other). Each step
 * ranks the extensions of every live beam by the sum of the model's
 * log-probabilities (temperature 1, no penalties: the search looks for the
 * likeliest text, not a varied one); an extension that completes a stop
 * string is finished, the best K others live on. The search ends after
 * max_tokens steps or once K hypotheses have finished; the answer is the
 * finished or live hypothesis of the highest log-probability per token
 * (length normalisation: otherwise the shortest would always win). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sample/generate_internal.h"
#include "sample/text_join.h"

typedef struct node {
    int32_t parent; /* index of the previous node, -1 at the prime */
    int32_t token;
} node;

typedef struct hyp {
    int32_t node;   /* last token's node, -1 before any */
    int len;        /* tokens generated */
    double score;   /* sum of their log-probabilities */
    int need_space; /* the join state after its text */
    size_t tail;    /* bytes of its text's tail kept for the stop check */
} hyp;

typedef struct cand {
    double score;
    int beam;
    int32_t token;
} cand;

typedef struct beam_run {
    const recur_sample_settings *s;
    const recur_generate_options *o;
    const recur_vocab *v;
    int K, V;
    size_t keep;     /* tail bytes a hypothesis keeps: longest stop - 1 */
    recur_streams *st;
    node *nodes;
    size_t n_nodes, cap_nodes;
    hyp *live, *next; /* [K] each */
    char *tails, *next_tails; /* [K][keep] each */
    int n_live;
    hyp *fin;        /* finished by a stop: [K] */
    int n_fin;
    cand *cands;     /* [K * m] */
    double *lp;      /* [V] */
    int32_t *top;    /* [m] */
    char *buf;       /* a tail and one token's text */
    size_t cap_buf;
    int *slots;      /* [K]: the successors' streams */
    int32_t *ids;    /* [K]: and their tokens */
} beam_run;

static int add_node(beam_run *r, int32_t parent, int32_t token, int32_t *out)
{
    if (r->n_nodes == r->cap_nodes) {
        size_t n = r->cap_nodes ? 2 * r->cap_nodes : 256;
        node *p = realloc(r->nodes, n * sizeof *p);
        if (!p)
            return 0;
        r->nodes = p;
        r->cap_nodes = n;
    }
    r->nodes[r->n_nodes] = (node){parent, token};
    *out = (int32_t)r->n_nodes++;
    return 1;
}

/* log-softmax of z into lp */
static void log_probs(const float *z, int V, double *lp)
{
    double zmax = z[0], sum = 0.0;
    for (int j = 1; j < V; j++)
        zmax = z[j] > zmax ? z[j] : zmax;
    for (int j = 0; j < V; j++)
        sum += exp((double)z[j] - zmax);
    double lse = zmax + log(sum);
    for (int j = 0; j < V; j++)
        lp[j] = (double)z[j] - lse;
}

/* The m most likely ids of lp, best first (ties: lower id first). */
static void top_ids(const double *lp, int V, int m, int32_t *top)
{
    int n = 0;
    for (int j = 0; j < V; j++) {
        if (n == m && !(lp[j] > lp[top[m - 1]]))
            continue;
        int k = n < m ? n++ : m - 1;
        while (k > 0 && lp[j] > lp[top[k - 1]]) {
            top[k] = top[k - 1];
            k--;
        }
        top[k] = j;
    }
}

static int by_score(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    if (x->beam != y->beam)
        return x->beam - y->beam;
    return (x->token > y->token) - (x->token < y->token);
}

/* Whether extending hypothesis h (tail `tail`) by id completes a stop
 * string; fills *nh with the extension's join state and, when it lives
 * on, its tail (into new_tail). */
static int extend(beam_run *r, const hyp *h, const char *tail, int32_t id, hyp *nh, char *new_tail, int *ok)
{
    text_join j;
    text_join_init(&j, r->v);
    j.need_space = h->need_space;
    const char *sep, *tok;
    text_join_next(&j, id, &sep, &tok);
    size_t ls = strlen(sep), lt = strlen(tok), n = h->tail + ls + lt;
    *ok = 1;
    if (n + 1 > r->cap_buf) {
        char *b = realloc(r->buf, n + 1);
        if (!b)
            return *ok = 0;
        r->buf = b;
        r->cap_buf = n + 1;
    }
    memcpy(r->buf, tail, h->tail);
    memcpy(r->buf + h->tail, sep, ls);
    memcpy(r->buf + h->tail + ls, tok, lt);
    nh->need_space = j.need_space;
    /* a stop that ends in the new text (none ended in the tail) */
    for (int i = 0; i < r->o->n_stop; i++) {
        size_t L = strlen(r->o->stop[i]);
        for (size_t k = 0; k + L <= n; k++)
            if (k + L > h->tail && memcmp(r->buf + k, r->o->stop[i], L) == 0)
                return 1;
    }
    nh->tail = n < r->keep ? n : r->keep;
    if (new_tail)
        memcpy(new_tail, r->buf + n - nh->tail, nh->tail);
    return 0;
}

static void run_free(beam_run *r)
{
    recur_streams_free(r->st);
    free(r->nodes);
    free(r->live);
    free(r->next);
    free(r->tails);
    free(r->next_tails);
    free(r->fin);
    free(r->cands);
    free(r->lp);
    free(r->top);
    free(r->buf);
    free(r->slots);
    free(r->ids);
}

/* One step: the successors of the live beams, fed into the other half. */
static recur_status step(beam_run *r, int half, int last, recur_error *err)
{
    const int K = r->K, V = r->V, m = V < 2 * K ? V : 2 * K;
    int nc = 0;
    for (int b = 0; b < r->n_live; b++) {
        log_probs(recur_streams_logits(r->st, half * K + b), V, r->lp);
        top_ids(r->lp, V, m, r->top);
        for (int i = 0; i < m; i++)
            r->cands[nc++] = (cand){r->live[b].score + r->lp[r->top[i]], b, r->top[i]};
    }
    qsort(r->cands, (size_t)nc, sizeof *r->cands, by_score);
    int n_next = 0;
    int *slot = r->slots;
    int32_t *ids = r->ids;
    for (int c = 0; c < nc && n_next < K && r->n_fin < K; c++) {
        const cand *cd = &r->cands[c];
        const hyp *h = &r->live[cd->beam];
        hyp nh = *h;
        int ok;
        int stopped = extend(r, h, r->tails + (size_t)cd->beam * r->keep, cd->token, &nh,
                             r->next_tails + (size_t)n_next * r->keep, &ok);
        if (!ok || !add_node(r, h->node, cd->token, &nh.node))
            return recur_fail_nomem(err, "the beam search");
        nh.len = h->len + 1;
        nh.score = cd->score;
        if (stopped) {
            r->fin[r->n_fin++] = nh;
            continue;
        }
        r->next[n_next] = nh;
        slot[n_next] = (half ^ 1) * K + n_next;
        ids[n_next] = cd->token;
        recur_streams_copy(r->st, half * K + cd->beam, slot[n_next]);
        n_next++;
    }
    hyp *t = r->live;
    r->live = r->next;
    r->next = t;
    char *tt = r->tails;
    r->tails = r->next_tails;
    r->next_tails = tt;
    r->n_live = n_next;
    if (last || n_next == 0 || r->n_fin >= K)
        return RECUR_OK;
    return recur_streams_feed(r->st, n_next, slot, ids, err);
}

/* The best hypothesis by log-probability per token; *stopped says whether
 * it ended with a stop string. */
static const hyp *best(const beam_run *r, int *stopped)
{
    const hyp *b = NULL;
    *stopped = 0;
    for (int pass = 0; pass < 2; pass++) {
        const hyp *set = pass ? r->live : r->fin;
        int n = pass ? r->n_live : r->n_fin;
        for (int i = 0; i < n; i++) {
            const hyp *h = &set[i];
            double norm = h->len ? h->score / h->len : 0.0;
            if (!b || norm > (b->len ? b->score / b->len : 0.0)) {
                b = h;
                *stopped = !pass;
            }
        }
    }
    return b;
}

/* Delivers hypothesis h's text through a recur_text_out (which cuts it at
 * the stop it ends with). */
static recur_status deliver(beam_run *r, const hyp *h, int stopped, const int32_t *prime, size_t n_prime,
                            recur_text_fn fn, void *user, recur_error *err)
{
    int32_t *ids = malloc((size_t)(h && h->len ? h->len : 1) * sizeof *ids);
    recur_text_out *t = NULL;
    recur_status st = ids ? recur_text_out_create(r->v, r->o->stop, r->o->n_stop, &t, err)
                          : recur_fail_nomem(err, "the beam search");
    if (st) {
        free(ids);
        return st;
    }
    int n = h ? h->len : 0;
    for (int32_t k = h ? h->node : -1, i = n - 1; k >= 0; k = r->nodes[k].parent, i--)
        ids[i] = r->nodes[k].token;
    for (size_t i = 0; i < n_prime; i++)
        recur_text_out_seen(t, prime[i]);
    recur_finish why = stopped ? RECUR_FINISH_STOP : RECUR_FINISH_LENGTH;
    const char *piece;
    size_t len;
    int caller = 0;
    for (int i = 0; i < n && !caller; i++) {
        int stop = recur_text_out_push(t, ids[i], &piece, &len);
        if (len)
            caller = fn(user, 0, piece, len, 0, why) != 0;
        if (stop)
            break;
    }
    if (!stopped && !caller) {
        recur_text_out_flush(t, &piece, &len);
        if (len)
            fn(user, 0, piece, len, 0, why);
    }
    fn(user, 0, "", 0, 1, why);
    recur_text_out_free(t);
    free(ids);
    return RECUR_OK;
}

recur_status beam_generate(const recur_model *m, const recur_sample_settings *s, const recur_generate_options *o,
                           const int32_t *prime, size_t n_prime, recur_text_fn fn, void *user, recur_error *err)
{
    beam_run r;
    memset(&r, 0, sizeof r);
    r.s = s;
    r.o = o;
    r.v = recur_model_vocab(m);
    r.K = s->beam;
    r.V = recur_vocab_size(r.v);
    for (int i = 0; i < o->n_stop; i++) {
        size_t L = strlen(o->stop[i]);
        r.keep = L - 1 > r.keep ? L - 1 : r.keep;
    }
    const int K = r.K, m_top = r.V < 2 * K ? r.V : 2 * K;
    recur_status st = recur_streams_create(m, 2 * K, o->weights, &r.st, err);
    if (st)
        return st;
    r.live = calloc((size_t)K, sizeof *r.live);
    r.next = calloc((size_t)K, sizeof *r.next);
    r.fin = calloc((size_t)K, sizeof *r.fin);
    r.tails = malloc((size_t)K * (r.keep + 1));
    r.next_tails = malloc((size_t)K * (r.keep + 1));
    r.cands = malloc((size_t)K * m_top * sizeof *r.cands);
    r.lp = malloc((size_t)r.V * sizeof *r.lp);
    r.top = malloc((size_t)m_top * sizeof *r.top);
    r.slots = malloc((size_t)K * sizeof *r.slots);
    r.ids = malloc((size_t)K * sizeof *r.ids);
    if (!r.live || !r.next || !r.fin || !r.tails || !r.next_tails || !r.cands || !r.lp || !r.top || !r.slots ||
        !r.ids)
        st = recur_fail_nomem(err, "the beam search");
    const int slot0 = 0;
    for (size_t i = 0; !st && i < n_prime; i++)
        st = recur_streams_feed(r.st, 1, &slot0, &prime[i], err);
    if (!st) {
        /* the join state after the prime: a word model's first word gets its space */
        text_join j;
        text_join_init(&j, r.v);
        const char *sep, *tok;
        for (size_t i = 0; i < n_prime; i++)
            text_join_next(&j, prime[i], &sep, &tok);
        r.live[0] = (hyp){-1, 0, 0.0, j.need_space, 0};
        r.n_live = 1;
    }
    for (int t = 0, half = 0; !st && t < o->max_tokens && r.n_live > 0 && r.n_fin < K; t++, half ^= 1)
        st = step(&r, half, t == o->max_tokens - 1, err);
    if (!st) {
        int stopped;
        const hyp *h = best(&r, &stopped);
        st = deliver(&r, h, stopped, prime, n_prime, fn, user, err);
    }
    run_free(&r);
    return st;
}
