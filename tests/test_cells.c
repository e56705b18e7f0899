/* Known answers for one step of each cell: the layer code against a direct
 * double-precision transcription of the equations (PyTorch's nn.RNN, nn.LSTM
 * with optional Graves peepholes, nn.GRU), on small fixed weights, inputs and
 * a non-zero initial state. */
#include <math.h>
#include <string.h>

#include "nn/recurrent.h"
#include "test.h"

enum { I = 2, H = 3, B = 2, GMAX = 4 };

static double sig(double x) { return 1.0 / (1.0 + exp(-x)); }

/* Deterministic, varied values in [-1, 1]. */
static float val(int k) { return (float)sin(1.7 * k + 0.3); }

static void check_cell(recur_cell cell, int peephole)
{
    const int G = rnn_gate_count(cell), GH = G * H;
    float w_ih[GMAX * H * I], w_hh[GMAX * H * H], b_ih[GMAX * H], b_hh[GMAX * H], peep[3 * H];
    for (int k = 0; k < GH * I; k++)
        w_ih[k] = val(k);
    for (int k = 0; k < GH * H; k++)
        w_hh[k] = 0.8f * val(100 + k);
    for (int k = 0; k < GH; k++) {
        b_ih[k] = 0.5f * val(200 + k);
        b_hh[k] = 0.5f * val(300 + k);
    }
    for (int k = 0; k < 3 * H; k++)
        peep[k] = val(400 + k);
    float x[B * I], hs[2 * B * H], cs[2 * B * H], gates[B * GMAX * H], aux[B * H], step[B * GMAX * H];
    for (int k = 0; k < B * I; k++)
        x[k] = val(500 + k);
    for (int k = 0; k < B * H; k++) {
        hs[k] = 0.7f * val(600 + k);
        cs[k] = val(700 + k);
    }
    rnn_shape s = {1, B, I, H, cell, peephole};
    rnn_weights w = {w_ih, w_hh, b_ih, b_hh, peephole ? peep : NULL};
    rnn_cache cache = {hs, cell == RECUR_CELL_LSTM ? cs : NULL, gates, aux, step, NULL};
    rnn_forward(&s, &w, x, &cache);
    double worst = 0;
    for (int b = 0; b < B; b++) {
        const float *xb = x + b * I, *hb = hs + b * H, *cb = cs + b * H;
        double gi[GMAX * H], gh[GMAX * H];
        for (int r = 0; r < GH; r++) {
            gi[r] = b_ih[r];
            gh[r] = b_hh[r];
            for (int k = 0; k < I; k++)
                gi[r] += (double)w_ih[r * I + k] * xb[k];
            for (int k = 0; k < H; k++)
                gh[r] += (double)w_hh[r * H + k] * hb[k];
        }
        for (int j = 0; j < H; j++) {
            double h_new, c_new = 0;
            if (cell == RECUR_CELL_LSTM) {
                double pi = peephole ? peep[j] * cb[j] : 0, pf = peephole ? peep[H + j] * cb[j] : 0;
                double i = sig(gi[j] + gh[j] + pi), f = sig(gi[H + j] + gh[H + j] + pf);
                double g = tanh(gi[2 * H + j] + gh[2 * H + j]);
                c_new = f * cb[j] + i * g;
                double o = sig(gi[3 * H + j] + gh[3 * H + j] + (peephole ? peep[2 * H + j] * c_new : 0));
                h_new = o * tanh(c_new);
                worst = fmax(worst, fabs(c_new - cs[B * H + b * H + j]));
            } else if (cell == RECUR_CELL_GRU) {
                double r = sig(gi[j] + gh[j]), z = sig(gi[H + j] + gh[H + j]);
                double n = tanh(gi[2 * H + j] + r * gh[2 * H + j]);
                h_new = (1 - z) * n + z * hb[j];
            } else {
                double a = gi[j] + gh[j];
                h_new = cell == RECUR_CELL_RNN_RELU ? fmax(a, 0.0) : tanh(a);
            }
            worst = fmax(worst, fabs(h_new - hs[B * H + b * H + j]));
        }
    }
    CHECK_MSG(worst < 1e-6, "%s%s: one step differs from the equations by %g", recur_cell_name(cell),
              peephole ? " with peepholes" : "", worst);
}

int main(void)
{
    check_cell(RECUR_CELL_RNN_TANH, 0);
    check_cell(RECUR_CELL_RNN_RELU, 0);
    check_cell(RECUR_CELL_LSTM, 0);
    check_cell(RECUR_CELL_LSTM, 1);
    check_cell(RECUR_CELL_GRU, 0);
    return test_report();
}
