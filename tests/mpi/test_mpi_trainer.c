/* Data-parallel training equals the single-process run. Run under mpirun
 * with any number of ranks: every rank also trains the single-process
 * reference itself (the same model, configuration and data, no
 * communicator), then the two are compared step by step, and the state
 * files each writes must resume the other. Each case runs with the gradient
 * summed in one block and slice by slice during backward. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/model_internal.h"
#include "recur.h"
#include "train/trainer_internal.h"
#include "test.h"

/* A word vocabulary "w0" .. "w{V-1}". */
static recur_vocab *numbered_vocab(int V)
{
    char names[512][16];
    const char *tokens[512];
    for (int i = 0; i < V; i++) {
        snprintf(names[i], sizeof names[i], "w%d", i);
        tokens[i] = names[i];
    }
    recur_vocab *v = NULL;
    recur_error err = {0};
    CHECK_MSG(recur_vocab_from_tokens(tokens, V, RECUR_LEVEL_WORD, &v, &err) == RECUR_OK, "%s", err.msg);
    return v;
}

static recur_model *make_model(recur_cell cell, int V, float dropout)
{
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.level = RECUR_LEVEL_WORD;
    cfg.cell = cell;
    cfg.layers = 2;
    cfg.hidden = 24;
    cfg.embed = 16;
    cfg.dropout = dropout;
    recur_vocab *v = numbered_vocab(V);
    recur_model *m = NULL;
    recur_error err = {0};
    if (v && recur_model_create(&cfg, v, 7, &m, &err) != RECUR_OK) {
        CHECK_MSG(0, "%s", err.msg);
        recur_vocab_free(v);
    }
    return m;
}

/* A text with something to learn: a noisy cycle over the vocabulary. */
static int32_t *make_text(size_t n, int V)
{
    int32_t *ids = malloc(n * sizeof *ids);
    uint64_t x = 12345;
    int32_t cur = 0;
    for (size_t k = 0; k < n; k++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        cur = (x >> 60) < 3 ? (int32_t)((x >> 33) % (uint64_t)V) : (cur * 7 + 3) % V;
        ids[k] = cur;
    }
    return ids;
}

static double max_weight_diff(const recur_model *a, const recur_model *b)
{
    double d = 0.0;
    for (size_t k = 0; k < a->n_params; k++) {
        double e = fabs((double)a->params[k] - (double)b->params[k]);
        d = e > d ? e : d;
    }
    return d;
}

/* The MPI communicator, counting the nonblocking slices started through it. */
typedef struct counting_comm {
    recur_comm base;
    recur_comm *inner;
    long starts;
    double floats; /* of gradient (float) sums */
} counting_comm;

static recur_comm *inner_of(recur_comm *c) { return ((counting_comm *)c->ctx)->inner; }

static recur_status count_allreduce(recur_comm *c, void *data, size_t count, recur_dtype type, recur_reduce_op op,
                                    recur_error *err)
{
    if (type == RECUR_DT_F32)
        ((counting_comm *)c->ctx)->floats += (double)count;
    return inner_of(c)->allreduce(inner_of(c), data, count, type, op, err);
}

static recur_status count_start(recur_comm *c, void *data, size_t count, recur_dtype type, recur_reduce_op op,
                                void **req, recur_error *err)
{
    ((counting_comm *)c->ctx)->starts++;
    ((counting_comm *)c->ctx)->floats += (double)count;
    return inner_of(c)->allreduce_start(inner_of(c), data, count, type, op, req, err);
}

static recur_status count_wait(recur_comm *c, void *req, recur_error *err)
{
    return inner_of(c)->allreduce_wait(inner_of(c), req, err);
}

static recur_status count_broadcast(recur_comm *c, void *data, size_t bytes, int root, recur_error *err)
{
    return inner_of(c)->broadcast(inner_of(c), data, bytes, root, err);
}

static recur_status count_gather(recur_comm *c, const void *send, size_t bytes, void *recv, const size_t *counts,
                                 int root, recur_error *err)
{
    return inner_of(c)->gather(inner_of(c), send, bytes, recv, counts, root, err);
}

static void count_abort(recur_comm *c, int code) { inner_of(c)->abort(inner_of(c), code); }

static void counting_wrap(counting_comm *w, recur_comm *inner)
{
    *w = (counting_comm){.inner = inner};
    w->base = (recur_comm){inner->rank, inner->size, w, count_allreduce, count_broadcast, count_gather,
                           count_abort, NULL, count_start, count_wait};
}

typedef struct run_case {
    const char *name;
    recur_cell cell;
    float dropout;
    recur_optimizer opt;
    recur_grad_sum sum;
    int V; /* vocabulary; a large one makes plain SGD send only the window's embedding rows */
} run_case;

/* Relative loss difference allowed at each step, and absolute weight
 * difference at the end: the gradient is the same sum in another order,
 * whose float rounding (about 1e-7 relative) the training then carries. */
static const double LOSS_TOL = 2e-5, WEIGHT_TOL = 2e-4;

static void compare_runs(recur_comm *mpi, const run_case *rc, int steps, const char *dir)
{
    counting_comm counted;
    counting_wrap(&counted, mpi);
    recur_comm *comm = &counted.base;
    const int V = rc->V;
    const size_t n = 12000;
    /* The text uses 30 words whatever the vocabulary: a large one's other
     * rows are never read. */
    int32_t *ids = make_text(n, 30);
    recur_model *alone = make_model(rc->cell, V, rc->dropout), *shared = make_model(rc->cell, V, rc->dropout);
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.batch = 7; /* 7 streams: 4 + 3 on two ranks, 3 + 2 + 2 on three */
    tc.seq = 10;
    tc.optimizer = rc->opt;
    tc.lr = rc->opt == RECUR_OPT_SGD ? 0.5f : 0.01f;
    tc.clip = 0.6f;  /* clips some steps: the global norm decides */
    tc.seed = 42;
    recur_trainer *ta = NULL, *ts = NULL;
    recur_error err = {0};
    if (!ids || !alone || !shared)
        goto done;
    CHECK_MSG(recur_trainer_create(alone, &tc, ids, n, &ta, &err) == RECUR_OK, "%s", err.msg);
    CHECK_MSG(recur_trainer_create_comm(shared, &tc, ids, n, comm, &ts, &err) == RECUR_OK, "%s", err.msg);
    if (!ta || !ts)
        goto done;
    recur_trainer_set_grad_sum(ts, rc->sum);
    int sparse = ts->sparse.seen != NULL;
    CHECK_MSG(sparse == (rc->opt == RECUR_OPT_SGD && V > 100), "%s: sparse rows %s", rc->name, sparse ? "on" : "off");
    double worst = 0.0, worst_norm = 0.0;
    int clipped = 0, mismatched_steps = 0;
    char shared_state[512], alone_state[512];
    snprintf(shared_state, sizeof shared_state, "%s/mpi-%s-%d.state", dir, rc->name, comm->size);
    snprintf(alone_state, sizeof alone_state, "%s/mpi-%s-%d-rank%d.state", dir, rc->name, comm->size, comm->rank);
    double last_loss = 0.0;
    for (int s = 0; s < steps; s++) {
        recur_step_info a, b;
        if (recur_trainer_step(ta, &a, &err) || recur_trainer_step(ts, &b, &err)) {
            CHECK_MSG(0, "step %d: %s", s, err.msg);
            break;
        }
        double rel = fabs(a.loss - b.loss) / fabs(a.loss);
        double rel_norm = fabs(a.grad_norm - b.grad_norm) / fabs(a.grad_norm);
        worst = rel > worst ? rel : worst;
        worst_norm = rel_norm > worst_norm ? rel_norm : worst_norm;
        mismatched_steps += rel > LOSS_TOL || a.clipped != b.clipped || a.skipped != b.skipped;
        clipped += b.clipped;
        last_loss = b.loss;
        if (s == steps / 2) {
            /* Both runs' states, to resume each on the other's ranks below. */
            CHECK_MSG(recur_trainer_save_state(ts, shared_state, "{\"who\":\"ranks\"}", &err) == RECUR_OK, "%s",
                      err.msg);
            CHECK_MSG(recur_trainer_save_state(ta, alone_state, NULL, &err) == RECUR_OK, "%s", err.msg);
        }
    }
    /* Layers mode sums the decoder, each layer and the embedding (with
     * layer 0 when it reads tokens) on its own: at least layers + 1 slices. */
    long min_starts = comm->size > 1 && rc->sum == RECUR_GRAD_SUM_LAYERS ? 3L * steps : 0;
    CHECK_MSG(rc->sum == RECUR_GRAD_SUM_LAYERS ? counted.starts >= min_starts : counted.starts == 0,
              "%s: %ld slices started in %d steps", rc->name, counted.starts, steps);
    /* The whole block a step, or less by the embedding rows no stream read. */
    double per_step = counted.floats / steps, block = (double)shared->n_params;
    if (comm->size > 1)
        CHECK_MSG(sparse ? per_step < block - (V / 2) * 16 : per_step == block, "%s: %.0f of %.0f floats summed a step",
                  rc->name, per_step, block);
    double wdiff = max_weight_diff(alone, shared);
    if (comm->rank == 0)
        printf("%-16s %d ranks, %d steps: loss differs by at most %.1e (relative), grad norm %.1e, weights %.1e "
               "(absolute); %d steps clipped; last loss %.4f; %.0f of %zu floats summed a step\n",
               rc->name, comm->size, steps, worst, worst_norm, wdiff, clipped, last_loss, counted.floats / steps,
               shared->n_params);
    CHECK_MSG(mismatched_steps == 0, "%s: %d steps differ (worst %.3g)", rc->name, mismatched_steps, worst);
    CHECK_MSG(wdiff <= WEIGHT_TOL, "%s: final weights differ by %.3g", rc->name, wdiff);
    CHECK_MSG(clipped > 0 && clipped < steps, "%s: %d of %d steps clipped", rc->name, clipped, steps);
    CHECK(last_loss < log((double)V) - 1.0); /* it learnt something (it starts near log V) */

    /* The ranks' state resumes alone and the lone state on the ranks: both
     * reach the reference's final weights. */
    int rest = steps - (steps / 2 + 1);
    for (int way = 0; way < 2; way++) {
        recur_model *m = make_model(rc->cell, V, rc->dropout);
        recur_trainer *t = NULL;
        char *extra = NULL;
        recur_comm *on = way == 0 ? NULL : comm;
        const char *from = way == 0 ? shared_state : alone_state;
        if (!m || recur_trainer_create_comm(m, &tc, ids, n, on, &t, &err) ||
            recur_trainer_load_state(t, from, &extra, &err)) {
            CHECK_MSG(0, "%s: resume from %s: %s", rc->name, from, err.msg);
        } else {
            CHECK(way == 0 ? extra && strcmp(extra, "{\"who\":\"ranks\"}") == 0 : extra == NULL);
            CHECK(recur_trainer_step_count(t) == steps / 2 + 1);
            if (on)
                recur_trainer_set_grad_sum(t, rc->sum);
            recur_step_info info;
            for (int s = 0; s < rest; s++)
                CHECK(recur_trainer_step(t, &info, &err) == RECUR_OK);
            double d = max_weight_diff(alone, m);
            CHECK_MSG(d <= WEIGHT_TOL, "%s: resumed %s: final weights differ by %.3g", rc->name,
                      way == 0 ? "alone" : "on the ranks", d);
        }
        free(extra);
        recur_trainer_free(t);
        recur_model_free(m);
    }
    MPI_Barrier(MPI_COMM_WORLD); /* every rank has read the shared state */
    remove(alone_state);
    if (comm->rank == 0)
        remove(shared_state);
done:
    recur_trainer_free(ta);
    recur_trainer_free(ts);
    recur_model_free(alone);
    recur_model_free(shared);
    free(ids);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    recur_set_threads(1);
    recur_comm *comm = NULL;
    recur_error err = {0};
    if (recur_comm_mpi(MPI_COMM_WORLD, &comm, &err) != RECUR_OK) {
        fprintf(stderr, "%s\n", err.msg);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    int steps = argc > 1 ? atoi(argv[1]) : 300;
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    const run_case cases[] = {
        {"lstm", RECUR_CELL_LSTM, 0.0f, RECUR_OPT_ADAM, RECUR_GRAD_SUM_BLOCK, 30},
        {"gru", RECUR_CELL_GRU, 0.0f, RECUR_OPT_ADAM, RECUR_GRAD_SUM_BLOCK, 30},
        {"lstm-dropout", RECUR_CELL_LSTM, 0.3f, RECUR_OPT_ADAM, RECUR_GRAD_SUM_BLOCK, 30},
        {"gru-dropout", RECUR_CELL_GRU, 0.3f, RECUR_OPT_ADAM, RECUR_GRAD_SUM_BLOCK, 30},
        {"lstm-sgd", RECUR_CELL_LSTM, 0.2f, RECUR_OPT_SGD, RECUR_GRAD_SUM_BLOCK, 30},
        /* 400 words, 30 of them used: SGD sums the rows the window read only. */
        {"lstm-sgd-sparse", RECUR_CELL_LSTM, 0.2f, RECUR_OPT_SGD, RECUR_GRAD_SUM_BLOCK, 400},
        /* Slice by slice: layer 0 reading tokens, and reading embedding rows. */
        {"lstm-layers", RECUR_CELL_LSTM, 0.0f, RECUR_OPT_ADAM, RECUR_GRAD_SUM_LAYERS, 30},
        {"gru-drop-layers", RECUR_CELL_GRU, 0.3f, RECUR_OPT_ADAM, RECUR_GRAD_SUM_LAYERS, 30},
        {"sgd-sparse-layers", RECUR_CELL_LSTM, 0.2f, RECUR_OPT_SGD, RECUR_GRAD_SUM_LAYERS, 400},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        compare_runs(comm, &cases[k], steps, dir);
    recur_comm_free(comm);
    int failed = test_failed_count;
    MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int rc = test_report();
    MPI_Finalize();
    return failed ? 1 : rc;
}
