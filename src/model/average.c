/* Weight averaging: one model whose every parameter is the mean of the same
 * parameter in several checkpoints of one architecture, for example the
 * models kept at the last epochs of a run. Averaging the points an SGD run
 * visits near its end lands nearer the middle of the basin they circle
 * (Polyak & Juditsky 1992; Izmailov et al. 2018, "Averaging Weights Leads
 * to Wider Optima"), which often predicts held-out text better than any one
 * of them. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/model_internal.h"
#include "recur/text.h"
#include "text/vocab_internal.h"

/* Model k must have model 0's tensors (names and shapes, in order) and its
 * vocabularies, or the mean of its parameters means nothing. */
static recur_status check_same_layout(const recur_model *a, const recur_model *b, int k, recur_error *err)
{
    if (a->n_tensors != b->n_tensors || a->n_params != b->n_params)
        return recur_fail(err, RECUR_E_ARG,
                          "model %d has %d tensors (%zu parameters), model 1 has %d (%zu): only models of one "
                          "architecture can be averaged",
                          k + 1, b->n_tensors, b->n_params, a->n_tensors, a->n_params);
    for (int i = 0; i < a->n_tensors; i++) {
        const model_tensor *x = &a->tensors[i], *y = &b->tensors[i];
        if (strcmp(x->name, y->name) != 0 || x->shape[0] != y->shape[0] || x->shape[1] != y->shape[1])
            return recur_fail(err, RECUR_E_ARG,
                              "model %d's tensor %d is %s [%lld, %lld] where model 1 has %s [%lld, %lld]: only models "
                              "of one architecture can be averaged",
                              k + 1, i + 1, y->name, (long long)y->shape[0], (long long)y->shape[1], x->name,
                              (long long)x->shape[0], (long long)x->shape[1]);
    }
    const struct {
        const recur_vocab *x, *y;
        const char *what;
    } vocabs[] = {{a->vocab, b->vocab, "vocabulary"}, {a->labels, b->labels, "labels"},
                  {a->features, b->features, "features"}};
    for (size_t v = 0; v < sizeof vocabs / sizeof vocabs[0]; v++) {
        int i = recur_vocab_first_difference(vocabs[v].x, vocabs[v].y);
        if (i >= 0)
            return recur_fail(err, RECUR_E_ARG,
                              "model %d's %s differs from model 1's at entry %d: averaged models need one %s", k + 1,
                              vocabs[v].what, i, vocabs[v].what);
    }
    return RECUR_OK;
}

recur_status recur_model_average(const recur_model *const *models, int n_models, recur_model **out, recur_error *err)
{
    if (!models || n_models < 1 || !out)
        return recur_fail(err, RECUR_E_ARG, "averaging needs at least one model and an output (got %d models)",
                          n_models);
    for (int k = 1; k < n_models; k++) {
        recur_status st = check_same_layout(models[0], models[k], k, err);
        if (st)
            return st;
    }
    recur_model *avg = NULL;
    recur_status st = recur_model_clone(models[0], &avg, err);
    if (st)
        return st;
    /* Summed in double, so that the mean of many checkpoints loses nothing
     * to the order of the sum. The tied decoder aliases the embedding's
     * floats, which the block holds once. */
    const double scale = 1.0 / n_models;
    for (size_t i = 0; i < avg->n_params; i++) {
        double sum = 0.0;
        for (int k = 0; k < n_models; k++)
            sum += models[k]->params[i];
        avg->params[i] = (float)(sum * scale);
    }
    *out = avg;
    return RECUR_OK;
}
