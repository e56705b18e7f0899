/* Data-parallel figures (built with -DRECUR_USE_MPI=ON; run under mpirun):
 *
 *   dist_bench train --data FILE [--level char|word] [--cell lstm] [--layers 2] [--hidden 512]
 *                    [--batch 50] [--seq 50] [--optimizer adam|sgd] [--dropout P] [--steps 10]
 *                    [--warmup 2] [--threads N] [--allreduce block|layers]
 *       tokens/s of the whole run (all ranks' streams), seconds per step, and
 *       the seconds per step each rank spends inside the gradient's
 *       all-reduce and the bytes it sums (with layers: the time inside
 *       starting and waiting for the slices, the rest overlapping backward);
 *   dist_bench allreduce [--max-mb 64] [--reps 20]
 *       the time of one all-reduce of 4 B .. max-mb MB of floats on the
 *       transport mpirun chose (run with --mca btl tcp,self for TCP), from
 *       which bench/distributed/scaling_model.py fits latency and bandwidth.
 *
 * Rank 0 prints one JSON object per measurement on stdout. The timing is a
 * recur_comm that wraps the MPI one: the trainer does not know it is timed. */
#define _POSIX_C_SOURCE 200809L
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "recur.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A communicator that counts what passes through the inner one. */
typedef struct timed_comm {
    recur_comm base;
    recur_comm *inner;
    double allreduce_s, allreduce_bytes;
} timed_comm;

static recur_status timed_allreduce(recur_comm *c, void *data, size_t count, recur_dtype type, recur_reduce_op op,
                                    recur_error *err)
{
    timed_comm *t = c->ctx;
    double t0 = now();
    recur_status st = t->inner->allreduce(t->inner, data, count, type, op, err);
    t->allreduce_s += now() - t0;
    t->allreduce_bytes += (double)count * (type == RECUR_DT_F32 ? 4 : 8);
    return st;
}

static recur_status timed_start(recur_comm *c, void *data, size_t count, recur_dtype type, recur_reduce_op op,
                                void **req, recur_error *err)
{
    timed_comm *t = c->ctx;
    double t0 = now();
    recur_status st = t->inner->allreduce_start(t->inner, data, count, type, op, req, err);
    t->allreduce_s += now() - t0;
    t->allreduce_bytes += (double)count * (type == RECUR_DT_F32 ? 4 : 8);
    return st;
}

static recur_status timed_wait(recur_comm *c, void *req, recur_error *err)
{
    timed_comm *t = c->ctx;
    double t0 = now();
    recur_status st = t->inner->allreduce_wait(t->inner, req, err);
    t->allreduce_s += now() - t0;
    return st;
}

static recur_status timed_broadcast(recur_comm *c, void *data, size_t bytes, int root, recur_error *err)
{
    timed_comm *t = c->ctx;
    return t->inner->broadcast(t->inner, data, bytes, root, err);
}

static recur_status timed_gather(recur_comm *c, const void *send, size_t bytes, void *recv, const size_t *counts,
                                 int root, recur_error *err)
{
    timed_comm *t = c->ctx;
    return t->inner->gather(t->inner, send, bytes, recv, counts, root, err);
}

static void timed_abort(recur_comm *c, int code)
{
    timed_comm *t = c->ctx;
    t->inner->abort(t->inner, code);
}

static void timed_wrap(timed_comm *t, recur_comm *inner)
{
    memset(t, 0, sizeof *t);
    t->inner = inner;
    t->base.rank = inner->rank;
    t->base.size = inner->size;
    t->base.ctx = t;
    t->base.allreduce = timed_allreduce;
    t->base.broadcast = timed_broadcast;
    t->base.gather = timed_gather;
    t->base.abort = timed_abort;
    if (inner->allreduce_start) {
        t->base.allreduce_start = timed_start;
        t->base.allreduce_wait = timed_wait;
    }
}

static void die(const recur_error *err)
{
    fprintf(stderr, "dist_bench: %s\n", err->msg);
    MPI_Abort(MPI_COMM_WORLD, 1);
}

typedef struct args {
    const char *mode, *data, *level, *cell, *optimizer, *allreduce;
    int layers, hidden, batch, seq, steps, warmup, threads, reps, max_mb;
    double dropout;
} args;

static void parse(int argc, char **argv, args *a)
{
    *a = (args){argc > 1 ? argv[1] : "", NULL, "char", "lstm", "adam", "block", 2, 512, 50, 50, 10, 2, 1, 20, 64, 0.0};
    for (int i = 2; i < argc; i++) {
        const char *f = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "dist_bench: %s needs a value\n", f);
            exit(2);
        }
        i++;
        if (!strcmp(f, "--data")) a->data = v;
        else if (!strcmp(f, "--level")) a->level = v;
        else if (!strcmp(f, "--cell")) a->cell = v;
        else if (!strcmp(f, "--optimizer")) a->optimizer = v;
        else if (!strcmp(f, "--allreduce")) a->allreduce = v;
        else if (!strcmp(f, "--layers")) a->layers = atoi(v);
        else if (!strcmp(f, "--hidden")) a->hidden = atoi(v);
        else if (!strcmp(f, "--batch")) a->batch = atoi(v);
        else if (!strcmp(f, "--seq")) a->seq = atoi(v);
        else if (!strcmp(f, "--steps")) a->steps = atoi(v);
        else if (!strcmp(f, "--warmup")) a->warmup = atoi(v);
        else if (!strcmp(f, "--threads")) a->threads = atoi(v);
        else if (!strcmp(f, "--reps")) a->reps = atoi(v);
        else if (!strcmp(f, "--max-mb")) a->max_mb = atoi(v);
        else if (!strcmp(f, "--dropout")) a->dropout = atof(v);
        else {
            fprintf(stderr, "dist_bench: unknown flag %s\n", f);
            exit(2);
        }
    }
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static int bench_train(const args *a, recur_comm *mpi)
{
    recur_error err = {0};
    char *text = NULL;
    size_t len = 0, n = 0;
    int32_t *ids = NULL;
    recur_vocab *vocab = NULL;
    recur_level level = strcmp(a->level, "word") == 0 ? RECUR_LEVEL_WORD : RECUR_LEVEL_CHAR;
    if (!a->data) {
        fprintf(stderr, "dist_bench: --data FILE is required\n");
        return 2;
    }
    if (recur_read_file(a->data, &text, &len, &err) || recur_vocab_build(text, len, level, &vocab, &err) ||
        recur_vocab_encode(vocab, text, len, &ids, &n, &err))
        die(&err);
    free(text);
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.level = level;
    cfg.layers = a->layers;
    cfg.hidden = a->hidden;
    cfg.dropout = (float)a->dropout;
    if (recur_cell_parse(a->cell, &cfg.cell, &err))
        die(&err);
    recur_model *m = NULL;
    if (recur_model_create(&cfg, vocab, 1, &m, &err))
        die(&err);
    recur_set_threads(a->threads);
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.batch = a->batch;
    tc.seq = a->seq;
    if (!strcmp(a->optimizer, "sgd")) {
        tc.optimizer = RECUR_OPT_SGD;
        tc.lr = 1.0f;
        tc.loss_scale = RECUR_LOSS_SUM_STEPS;
    }
    timed_comm timed;
    timed_wrap(&timed, mpi);
    recur_trainer *t = NULL;
    if (recur_trainer_create_comm(m, &tc, ids, n, &timed.base, &t, &err))
        die(&err);
    int by_layers = strcmp(a->allreduce, "layers") == 0;
    recur_trainer_set_grad_sum(t, by_layers ? RECUR_GRAD_SUM_LAYERS : RECUR_GRAD_SUM_BLOCK);
    recur_step_info info;
    double loss_first = 0;
    for (int s = 0; s < a->warmup; s++)
        if (recur_trainer_step(t, &info, &err))
            die(&err);
    double *step_s = malloc((size_t)a->steps * sizeof *step_s);
    double ar_s = 0, ar_bytes = 0;
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = now();
    for (int s = 0; s < a->steps; s++) {
        double ar0 = timed.allreduce_s, b0 = timed.allreduce_bytes, s0 = now();
        if (recur_trainer_step(t, &info, &err))
            die(&err);
        step_s[s] = now() - s0;
        ar_s += timed.allreduce_s - ar0;
        ar_bytes += timed.allreduce_bytes - b0;
        if (s == 0)
            loss_first = info.loss;
    }
    double total = now() - t0;
    /* The slowest rank's wait and the quickest's: the quickest waits in the
     * all-reduce for the others too; the slowest's is the transfer alone. */
    double ar_each = ar_s / a->steps, ar_max = ar_each, ar_min = ar_each;
    MPI_Allreduce(MPI_IN_PLACE, &ar_max, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    MPI_Allreduce(MPI_IN_PLACE, &ar_min, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
    double med = median(step_s, a->steps);
    if (mpi->rank == 0)
        printf("{\"mode\":\"train\",\"allreduce\":\"%s\",\"ranks\":%d,\"threads\":%d,\"cell\":\"%s\","
               "\"layers\":%d,\"hidden\":%d,\"vocab\":%d,"
               "\"batch\":%d,\"seq\":%d,\"optimizer\":\"%s\",\"dropout\":%g,\"params\":%zu,\"steps\":%d,"
               "\"tokens_per_s\":%.1f,\"step_s_median\":%.5f,\"allreduce_s_per_step_max\":%.5f,"
               "\"allreduce_s_per_step_min\":%.5f,\"allreduce_bytes_per_step\":%.0f,\"loss_first\":%.6f,"
               "\"loss_last\":%.6f}\n",
               a->allreduce, mpi->size, a->threads, a->cell, a->layers, a->hidden,
               recur_vocab_size(recur_model_vocab(m)),
               a->batch, a->seq, a->optimizer, a->dropout, recur_model_param_count(m), a->steps,
               (double)a->batch * a->seq * a->steps / total, med, ar_max, ar_min, ar_bytes / a->steps, loss_first,
               info.loss);
    free(step_s);
    recur_trainer_free(t);
    recur_model_free(m);
    free(ids);
    return 0;
}

static int bench_allreduce(const args *a, recur_comm *c)
{
    size_t max = (size_t)a->max_mb << 20;
    float *buf = calloc(max / sizeof(float), sizeof(float));
    double *times = malloc((size_t)a->reps * sizeof *times);
    recur_error err = {0};
    if (!buf || !times) {
        fprintf(stderr, "dist_bench: out of memory\n");
        return 1;
    }
    for (size_t bytes = 4; bytes <= max; bytes *= 4) {
        size_t count = bytes / sizeof(float);
        for (int r = -2; r < a->reps; r++) { /* two rounds to warm up */
            MPI_Barrier(MPI_COMM_WORLD);
            double t0 = now();
            if (c->allreduce(c, buf, count, RECUR_DT_F32, RECUR_REDUCE_SUM, &err))
                die(&err);
            double dt = now() - t0;
            /* The slowest rank's time is the operation's. */
            MPI_Allreduce(MPI_IN_PLACE, &dt, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
            if (r >= 0)
                times[r] = dt;
        }
        if (c->rank == 0)
            printf("{\"mode\":\"allreduce\",\"ranks\":%d,\"bytes\":%zu,\"reps\":%d,\"seconds_median\":%.7f}\n", c->size,
                   bytes, a->reps, median(times, a->reps));
    }
    free(buf);
    free(times);
    return 0;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    args a;
    parse(argc, argv, &a);
    recur_comm *c = NULL;
    recur_error err = {0};
    if (recur_comm_mpi(MPI_COMM_WORLD, &c, &err))
        die(&err);
    int rc = !strcmp(a.mode, "train") ? bench_train(&a, c) : !strcmp(a.mode, "allreduce") ? bench_allreduce(&a, c) : 2;
    if (rc == 2 && c->rank == 0)
        fprintf(stderr, "usage: dist_bench train|allreduce [flags] (see bench/distributed/dist_bench.c)\n");
    recur_comm_free(c);
    MPI_Finalize();
    return rc;
}
