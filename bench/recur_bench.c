/* Throughput benchmarks for recur, the counterpart of the PyTorch reference
 * scripts: training tokens/s for a char model (or PTB words/s), batch-1
 * sampling chars/s, and the machine's practical sgemm peak. Prints one JSON
 * object on stdout.
 *
 *   recur_bench train  --data FILE [--level char|word] [--cell lstm] [--layers 2] [--hidden 128]
 *                      [--batch 50] [--seq 50] [--optimizer adam|sgd] [--steps 20] [--threads N]
 *   recur_bench sample --data FILE [--cell lstm] [--layers 2] [--hidden 512] [--length 2000]
 *                      [--weights f32|f16|i8]
 *   recur_bench streams --data FILE [--cell lstm] [--layers 2] [--hidden 512] [--length 2000] [--streams 16]
 *                      [--weights f32|f16|i8]
 *       (S independent samples stepped together on recur_streams, each drawn
 *       by its own picker: aggregate chars/s, S x length / seconds)
 *   recur_bench sgemm  [--n 2048] [--reps 10] [--threads N]
 *   recur_bench fma    [--threads N]
 *       (the FMA peak: GFMA/s of independent float multiply-adds, what bounds
 *       the many-stream sampler once the weights are read once for all)
 *   recur_bench read   [--bytes N] [--reps 15] [--threads N]
 *       (a STREAM-like read: GB/s summing a buffer of N bytes, by default
 *       the f32 weights a 2x512 char LSTM's sampler reads per character, so
 *       from the cache level those weights live in; median of reps)
 *   recur_bench fidelity --model MODEL --data FILE [--length 20000]
 *       (what the sampler's f16 and i8 weights cost in accuracy: the text's
 *       cross-entropy under each format, and the mean KL divergence of each
 *       format's next-token distribution from the f32 one)
 *
 * FLOPs of a training step are counted as 3x the forward matrix products
 * (forward, and the two products of backward): per token and layer
 * 2*G*H*(I + H), plus 2*H*V for the decoder. That is "gflops_model". When
 * layer 0 reads its tokens through the projected embedding table (a char
 * model: model/network.h, net_uses_tokens), its input products run over the
 * V table rows once per window instead of over every token; "gflops" counts
 * the products actually run, and is the one to set against the sgemm peak. */
#define _POSIX_C_SOURCE 200809L
#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/gemm.h"
#include "model/network.h"
#include "recur.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU seconds of the whole process (all threads): on a machine others
 * load, chars per CPU second of a one-thread run moves much less than the
 * wall-clock figure. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

typedef struct args {
    const char *mode, *data, *level, *cell, *optimizer, *weights, *model;
    int layers, hidden, batch, seq, steps, warmup, threads, length, n, reps, streams;
    long bytes;
} args;

static const char *flag_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "recur_bench: %s needs a value\n", argv[*i]);
        exit(2);
    }
    return argv[++*i];
}

static void parse(args *a, int argc, char **argv)
{
    *a = (args){"train", NULL, "char", "lstm", "adam", "f32", NULL, 2, 128, 50, 50, 20, 5, 0, 2000, 2048, 10, 16, 0};
    if (argc > 1)
        a->mode = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *f = argv[i];
        if (!strcmp(f, "--data")) a->data = flag_value(argc, argv, &i);
        else if (!strcmp(f, "--level")) a->level = flag_value(argc, argv, &i);
        else if (!strcmp(f, "--cell")) a->cell = flag_value(argc, argv, &i);
        else if (!strcmp(f, "--optimizer")) a->optimizer = flag_value(argc, argv, &i);
        else if (!strcmp(f, "--weights")) a->weights = flag_value(argc, argv, &i);
        else if (!strcmp(f, "--model")) a->model = flag_value(argc, argv, &i);
        else if (!strcmp(f, "--layers")) a->layers = atoi(flag_value(argc, argv, &i));
        else if (!strcmp(f, "--hidden")) a->hidden = atoi(flag_value(argc, argv, &i));
        else if (!strcmp(f, "--batch")) a->batch = atoi(flag_value(argc, argv, &i));
        else if (!strcmp(f, "--seq")) a->seq = atoi(flag_value(argc, argv, &i));
        else if (!strcmp(f, "--steps")) a->steps = atoi(flag_value(argc, argv, &i));
        else if (!strcmp(f, "--warmup")) a->warmup = atoi(flag_value(argc, argv, &i));
        else if (!strcmp(f, "--threads")) a->threads = atoi(flag_value(argc, argv, &i));
        else if (!strcmp(f, "--length")) a->length = atoi(flag_value(argc, argv, &i));
        else if (!strcmp(f, "--n")) a->n = atoi(flag_value(argc, argv, &i));
        else if (!strcmp(f, "--reps")) a->reps = atoi(flag_value(argc, argv, &i));
        else if (!strcmp(f, "--streams")) a->streams = atoi(flag_value(argc, argv, &i));
        else if (!strcmp(f, "--bytes")) a->bytes = atol(flag_value(argc, argv, &i));
        else {
            fprintf(stderr, "recur_bench: unknown flag %s\n", f);
            exit(2);
        }
    }
}

static void die(const recur_error *err)
{
    fprintf(stderr, "recur_bench: %s\n", err->msg);
    exit(1);
}

static recur_model *make_model(const args *a, int32_t **ids, size_t *n)
{
    recur_error err = {0};
    char *text = NULL;
    size_t len = 0;
    recur_vocab *vocab = NULL;
    recur_level level = strcmp(a->level, "word") == 0 ? RECUR_LEVEL_WORD : RECUR_LEVEL_CHAR;
    if (!a->data) {
        fprintf(stderr, "recur_bench: --data FILE is required\n");
        exit(2);
    }
    if (recur_read_file(a->data, &text, &len, &err) || recur_vocab_build(text, len, level, &vocab, &err) ||
        recur_vocab_encode(vocab, text, len, ids, n, &err))
        die(&err);
    free(text);
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.layers = a->layers;
    cfg.hidden = a->hidden;
    if (recur_cell_parse(a->cell, &cfg.cell, &err))
        die(&err);
    recur_model *m;
    if (recur_model_create(&cfg, vocab, 1, &m, &err))
        die(&err);
    return m;
}

/* Forward matrix-product FLOPs per token. */
static double forward_flops_per_token(const recur_config *c)
{
    int G = rnn_gate_count(c->cell);
    double f = 0;
    for (int l = 0; l < c->layers; l++)
        f += 2.0 * G * c->hidden * ((l ? c->hidden : c->embed) + c->hidden);
    return f + 2.0 * c->hidden * c->vocab_size;
}

static void bench_train(const args *a)
{
    recur_error err = {0};
    int32_t *ids;
    size_t n;
    recur_model *m = make_model(a, &ids, &n);
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.batch = a->batch;
    tc.seq = a->seq;
    if (!strcmp(a->optimizer, "sgd")) {
        tc.optimizer = RECUR_OPT_SGD;
        tc.lr = 1.0f;
        tc.loss_scale = RECUR_LOSS_SUM_STEPS;
    }
    recur_trainer *t;
    if (recur_trainer_create(m, &tc, ids, n, &t, &err))
        die(&err);
    recur_step_info info;
    for (int i = 0; i < a->warmup; i++)
        recur_trainer_step(t, &info, &err);
    double t0 = now();
    for (int i = 0; i < a->steps; i++)
        recur_trainer_step(t, &info, &err);
    double dt = now() - t0;
    const recur_config *c = recur_model_config(m);
    double tokens = (double)a->batch * a->seq * a->steps;
    double model_flops = 3.0 * forward_flops_per_token(c) * tokens, run_flops = model_flops;
    if (net_uses_tokens(m, a->seq, a->batch, 1)) {
        double first_input = 2.0 * rnn_gate_count(c->cell) * c->hidden * c->embed; /* per row of the window */
        run_flops -= 3.0 * first_input * tokens;
        run_flops += 3.0 * first_input * c->vocab_size * a->steps;
    }
    double gflops = run_flops / dt * 1e-9, gflops_model = model_flops / dt * 1e-9;
    char blas[128];
    recur_blas_describe(blas, sizeof blas);
    printf("{\"mode\":\"train\",\"cell\":\"%s\",\"layers\":%d,\"hidden\":%d,\"vocab\":%d,\"batch\":%d,\"seq\":%d,"
           "\"optimizer\":\"%s\",\"steps\":%d,\"seconds\":%.4f,\"ms_per_step\":%.3f,\"tokens_per_s\":%.1f,"
           "\"gflops\":%.2f,\"gflops_model\":%.2f,\"last_loss\":%.5f,\"threads\":%d,\"blas\":\"%s\",\"peak_rss_mb\":%.1f}\n",
           recur_cell_name(c->cell), c->layers, c->hidden, c->vocab_size, a->batch, a->seq, a->optimizer, a->steps,
           dt, 1e3 * dt / a->steps, tokens / dt, gflops, gflops_model, info.loss, a->threads, blas, peak_rss_mb());
    recur_trainer_free(t);
    recur_model_free(m);
    free(ids);
}

/* The weights one sampler step reads: every layer's recurrent rows (layer
 * 0's input side is a table row), the upper layers' input rows, and the
 * decoder, at the format's bytes a weight (int8: and a float scale a row). */
static double sampler_bytes_per_char(const recur_config *c, recur_sample_weights w)
{
    const double G = c->cell == RECUR_CELL_LSTM ? 4 : c->cell == RECUR_CELL_GRU ? 3 : 1, H = c->hidden;
    const double size = w == RECUR_WEIGHTS_F16 ? 2 : w == RECUR_WEIGHTS_I8 ? 1 : 4;
    double weights = 0, rows = 0;
    for (int l = 0; l < c->layers; l++) {
        weights += G * H * (H + (l ? H : 0));
        rows += G * H;
    }
    weights += (double)c->vocab_size * H;
    rows += c->vocab_size;
    return weights * size + (w == RECUR_WEIGHTS_I8 ? 4 * rows : 0) + 4 * G * H;
}

static void bench_sample(const args *a)
{
    recur_error err = {0};
    int32_t *ids;
    size_t n;
    recur_model *m = make_model(a, &ids, &n);
    recur_sampler *s;
    recur_sample_weights w = strcmp(a->weights, "f16") == 0  ? RECUR_WEIGHTS_F16
                             : strcmp(a->weights, "i8") == 0 ? RECUR_WEIGHTS_I8
                                                             : RECUR_WEIGHTS_F32;
    if (recur_sampler_create_with(m, 1, w, &s, &err))
        die(&err);
    int32_t id = ids[0];
    for (int i = 0; i < 20; i++) { /* warm-up */
        recur_sampler_feed(s, id, &err);
        id = recur_sampler_pick(s, RECUR_SAMPLE_WEIGHTED, 1.0f, 0);
    }
    double t0 = now();
    for (int i = 0; i < a->length; i++) {
        recur_sampler_feed(s, id, &err);
        id = recur_sampler_pick(s, RECUR_SAMPLE_WEIGHTED, 1.0f, 0);
    }
    double dt = now() - t0, bytes = sampler_bytes_per_char(recur_model_config(m), w);
    printf("{\"mode\":\"sample\",\"cell\":\"%s\",\"layers\":%d,\"hidden\":%d,\"weights\":\"%s\",\"chars\":%d,"
           "\"seconds\":%.4f,\"chars_per_s\":%.1f,\"bytes_per_char\":%.0f,\"weights_gb_per_s\":%.2f,"
           "\"threads\":%d,\"peak_rss_mb\":%.1f}\n",
           a->cell, a->layers, a->hidden, a->weights, a->length, dt, a->length / dt, bytes, bytes * a->length / dt * 1e-9,
           a->threads, peak_rss_mb());
    recur_sampler_free(s);
    recur_model_free(m);
    free(ids);
}

static void bench_streams(const args *a)
{
    recur_error err = {0};
    int32_t *ids;
    size_t n;
    recur_model *m = make_model(a, &ids, &n);
    const int S = a->streams > 0 ? a->streams : 1, V = recur_model_config(m)->vocab_size;
    recur_sample_weights w = strcmp(a->weights, "f16") == 0  ? RECUR_WEIGHTS_F16
                             : strcmp(a->weights, "i8") == 0 ? RECUR_WEIGHTS_I8
                                                             : RECUR_WEIGHTS_F32;
    recur_streams *st;
    if (recur_streams_create(m, S, w, &st, &err))
        die(&err);
    recur_picker **pick = calloc((size_t)S, sizeof *pick);
    int *slots = malloc((size_t)S * sizeof *slots);
    int32_t *next = malloc((size_t)S * sizeof *next);
    if (!pick || !slots || !next) {
        fprintf(stderr, "recur_bench: out of memory\n");
        exit(1);
    }
    recur_sample_settings set;
    recur_sample_settings_default(&set);
    for (int i = 0; i < S; i++) {
        set.seed = 1 + (uint64_t)i;
        if (recur_picker_create(&set, V, -1, &pick[i], &err))
            die(&err);
        slots[i] = i;
        next[i] = ids[(size_t)i % n];
    }
    double t0 = 0, c0 = 0;
    for (int t = -20; t < a->length; t++) { /* 20 steps of warm-up */
        if (t == 0) {
            t0 = now();
            c0 = cpu_now();
        }
        if (recur_streams_feed(st, S, slots, next, &err))
            die(&err);
        for (int i = 0; i < S; i++) {
            next[i] = recur_picker_pick(pick[i], recur_streams_logits(st, i));
            recur_picker_accept(pick[i], next[i]);
        }
    }
    double dt = now() - t0, cpu = cpu_now() - c0, chars = (double)S * a->length;
    printf("{\"mode\":\"streams\",\"cell\":\"%s\",\"layers\":%d,\"hidden\":%d,\"weights\":\"%s\",\"streams\":%d,"
           "\"steps\":%d,\"seconds\":%.4f,\"chars_per_s\":%.1f,\"chars_per_s_per_stream\":%.1f,"
           "\"chars_per_cpu_s\":%.1f,\"threads\":%d,\"peak_rss_mb\":%.1f}\n",
           a->cell, a->layers, a->hidden, a->weights, S, a->length, dt, chars / dt, a->length / dt, chars / cpu,
           a->threads, peak_rss_mb());
    for (int i = 0; i < S; i++)
        recur_picker_free(pick[i]);
    free(pick);
    free(slots);
    free(next);
    recur_streams_free(st);
    recur_model_free(m);
    free(ids);
}

/* log-softmax of z (n values) into out. */
static void log_softmax(const float *z, int n, double *out)
{
    double top = z[0], sum = 0;
    for (int v = 1; v < n; v++)
        top = z[v] > top ? z[v] : top;
    for (int v = 0; v < n; v++)
        sum += exp(z[v] - top);
    double lse = top + log(sum);
    for (int v = 0; v < n; v++)
        out[v] = z[v] - lse;
}

static void bench_fidelity(const args *a)
{
    static const recur_sample_weights formats[] = {RECUR_WEIGHTS_F32, RECUR_WEIGHTS_F16, RECUR_WEIGHTS_I8};
    static const char *names[] = {"f32", "f16", "i8"};
    enum { F = 3 };
    recur_error err = {0};
    recur_model *m;
    char *text = NULL;
    size_t len = 0, n = 0;
    int32_t *ids = NULL;
    if (!a->model || !a->data) {
        fprintf(stderr, "recur_bench: fidelity needs --model and --data\n");
        exit(2);
    }
    if (recur_model_load(a->model, &m, &err) || recur_read_file(a->data, &text, &len, &err) ||
        recur_vocab_encode(recur_model_vocab(m), text, len, &ids, &n, &err))
        die(&err);
    int V = recur_vocab_size(recur_model_vocab(m));
    recur_sampler *s[F];
    for (int f = 0; f < F; f++)
        if (recur_sampler_create_with(m, 1, formats[f], &s[f], &err))
            die(&err);
    double *lp[F], nll[F] = {0}, kl[F] = {0};
    long agree[F] = {0};
    for (int f = 0; f < F; f++)
        lp[f] = malloc((size_t)V * sizeof *lp[f]);
    size_t steps = n - 1 < (size_t)a->length ? n - 1 : (size_t)a->length;
    for (size_t t = 0; t < steps; t++) {
        int best[F];
        for (int f = 0; f < F; f++) {
            if (recur_sampler_feed(s[f], ids[t], &err))
                die(&err);
            log_softmax(recur_sampler_logits(s[f]), V, lp[f]);
            nll[f] -= lp[f][ids[t + 1]];
            best[f] = 0;
            for (int v = 1; v < V; v++)
                best[f] = lp[f][v] > lp[f][best[f]] ? v : best[f];
            agree[f] += best[f] == best[0];
            for (int v = 0; v < V; v++)
                kl[f] += exp(lp[0][v]) * (lp[0][v] - lp[f][v]);
        }
    }
    printf("{\"mode\":\"fidelity\",\"model\":\"%s\",\"chars\":%zu", a->model, steps);
    for (int f = 0; f < F; f++)
        printf(",\"%s\":{\"nats_per_token\":%.6f,\"kl_from_f32\":%.3g,\"argmax_agrees\":%.5f}", names[f],
               nll[f] / (double)steps, kl[f] / (double)steps, (double)agree[f] / (double)steps);
    printf("}\n");
    for (int f = 0; f < F; f++) {
        recur_sampler_free(s[f]);
        free(lp[f]);
    }
    free(ids);
    free(text);
    recur_model_free(m);
}

static void bench_sgemm(const args *a)
{
    size_t nn = (size_t)a->n * a->n;
    float *x = malloc(nn * sizeof *x), *y = malloc(nn * sizeof *y), *z = malloc(nn * sizeof *z);
    if (!x || !y || !z)
        exit(1);
    for (size_t k = 0; k < nn; k++) {
        x[k] = (float)((k * 7) % 13) * 0.01f;
        y[k] = (float)((k * 5) % 11) * 0.01f;
    }
    recur_sgemm(0, 0, a->n, a->n, a->n, 1.0f, x, a->n, y, a->n, 0.0f, z, a->n);
    double best = 1e30;
    for (int r = 0; r < a->reps; r++) {
        double t0 = now();
        recur_sgemm(0, 0, a->n, a->n, a->n, 1.0f, x, a->n, y, a->n, 0.0f, z, a->n);
        double dt = now() - t0;
        best = dt < best ? dt : best;
    }
    char blas[128];
    recur_blas_describe(blas, sizeof blas);
    printf("{\"mode\":\"sgemm\",\"n\":%d,\"gflops\":%.2f,\"threads\":%d,\"blas\":\"%s\"}\n", a->n,
           2.0 * a->n * (double)nn / best * 1e-9, a->threads, blas);
    free(x);
    free(y);
    free(z);
}

/* Independent multiply-add chains, n steps each, in vector registers:
 * enough to cover the FMA latency on two units (8 or more), few enough to
 * stay in the registers beside the two constants (16 of AVX-512's 32, 12
 * of AVX2's 16). Written with intrinsics: from plain loops GCC swapped the
 * loops and ran one chain at a time through memory (half the rate on Zen
 * 3). Returns the lanes' sum, so nothing is optimised away; *fmas: the
 * multiply-adds done. */
#if defined(__AVX512F__)
#define FMA_VECS 16
typedef __m512 fma_vec;
#define FMA_SET1 _mm512_set1_ps
#define FMA_FMADD _mm512_fmadd_ps
#define FMA_LANES 16
#elif defined(__AVX2__) && defined(__FMA__)
#define FMA_VECS 12
typedef __m256 fma_vec;
#define FMA_SET1 _mm256_set1_ps
#define FMA_FMADD _mm256_fmadd_ps
#define FMA_LANES 8
#endif
static float fma_chains(long n, float b, float c, double *fmas)
{
#ifdef FMA_VECS
    fma_vec a[FMA_VECS];
    const fma_vec vb = FMA_SET1(b), vc = FMA_SET1(c);
    _Pragma("GCC unroll 16") for (int k = 0; k < FMA_VECS; k++) a[k] = FMA_SET1((float)k * 1e-3f);
    for (long i = 0; i < n; i++)
        _Pragma("GCC unroll 16") for (int k = 0; k < FMA_VECS; k++) a[k] = FMA_FMADD(a[k], vb, vc);
    float lanes[FMA_LANES], s = 0;
    for (int k = 0; k < FMA_VECS; k++) {
        memcpy(lanes, &a[k], sizeof lanes);
        for (int l = 0; l < FMA_LANES; l++)
            s += lanes[l];
    }
    *fmas = (double)n * FMA_VECS * FMA_LANES;
    return s;
#else
    float a[64];
    for (int k = 0; k < 64; k++)
        a[k] = (float)k * 1e-3f;
    for (long i = 0; i < n; i++)
        for (int k = 0; k < 64; k++)
            a[k] = fmaf(a[k], b, c);
    float s = 0;
    for (int k = 0; k < 64; k++)
        s += a[k];
    *fmas = (double)n * 64;
    return s;
#endif
}

static void bench_fma(const args *a)
{
    int threads = a->threads;
#ifdef _OPENMP
    if (threads <= 0)
        threads = omp_get_max_threads();
#endif
    threads = threads > 0 ? threads : 1;
    const long n = 2000000; /* 2 M steps of every chain */
    volatile float sink = 0;
    double fmas = 0;
    double t0 = now();
#ifdef _OPENMP
#pragma omp parallel num_threads(threads) reduction(+ : fmas)
#endif
    {
        double done;
        float r = fma_chains(n, 0.999f, 1e-6f, &done);
        fmas += done;
#ifdef _OPENMP
#pragma omp critical
#endif
        sink += r;
    }
    double dt = now() - t0;
    printf("{\"mode\":\"fma\",\"gfma_per_s\":%.2f,\"threads\":%d}\n", fmas / dt * 1e-9, threads);
}

/* Sums 64-bit words (the compiler vectorises the loop: one load an add). */
static uint64_t read_sum(const uint64_t *p, size_t n)
{
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return s;
}

static void bench_read(const args *a)
{
    /* default: sampler_bytes_per_char of an f32 LSTM 2x512 with 65 characters */
    const size_t bytes = a->bytes > 0 ? (size_t)a->bytes : 12724224;
    const size_t words = bytes / sizeof(uint64_t);
    int threads = a->threads;
#ifdef _OPENMP
    if (threads <= 0)
        threads = omp_get_max_threads();
#endif
    threads = threads > 0 ? threads : 1;
    const int reps = a->reps > 0 ? a->reps : 15;
    uint64_t *buf = malloc(words * sizeof *buf);
    double *secs = malloc((size_t)reps * sizeof *secs);
    if (!buf || !secs)
        exit(1);
    for (size_t i = 0; i < words; i++)
        buf[i] = i;
    /* passes per timing: at least 256 MB read */
    const int passes = (int)(268435456 / (words * sizeof *buf)) + 1;
    volatile uint64_t sink = 0;
    for (int r = -1; r < reps; r++) { /* one warm-up */
        double t0 = now();
#ifdef _OPENMP
#pragma omp parallel num_threads(threads) reduction(+ : sink)
#endif
        {
            int id = 0, nt = 1;
#ifdef _OPENMP
            id = omp_get_thread_num();
            nt = omp_get_num_threads();
#endif
            size_t lo = words * (size_t)id / (size_t)nt, hi = words * (size_t)(id + 1) / (size_t)nt;
            for (int k = 0; k < passes; k++)
                sink += read_sum(buf + lo, hi - lo);
        }
        if (r >= 0)
            secs[r] = now() - t0;
    }
    for (int i = 1; i < reps; i++) /* insertion sort for the median */
        for (int j = i; j > 0 && secs[j] < secs[j - 1]; j--) {
            double t = secs[j];
            secs[j] = secs[j - 1];
            secs[j - 1] = t;
        }
    printf("{\"mode\":\"read\",\"bytes\":%zu,\"gb_per_s\":%.2f,\"threads\":%d,\"reps\":%d}\n", bytes,
           (double)(words * sizeof *buf) * passes / secs[reps / 2] * 1e-9, threads, reps);
    free(buf);
    free(secs);
}

int main(int argc, char **argv)
{
    args a;
    parse(&a, argc, argv);
    recur_set_threads(a.threads);
    recur_pin_threads(); /* as the recur command does for train and sample */
    if (!strcmp(a.mode, "train"))
        bench_train(&a);
    else if (!strcmp(a.mode, "sample"))
        bench_sample(&a);
    else if (!strcmp(a.mode, "streams"))
        bench_streams(&a);
    else if (!strcmp(a.mode, "sgemm"))
        bench_sgemm(&a);
    else if (!strcmp(a.mode, "fidelity"))
        bench_fidelity(&a);
    else if (!strcmp(a.mode, "read"))
        bench_read(&a);
    else if (!strcmp(a.mode, "fma"))
        bench_fma(&a);
    else {
        fprintf(stderr, "recur_bench: mode must be train, sample, streams, sgemm, read, fma or fidelity\n");
        return 2;
    }
    return 0;
}
