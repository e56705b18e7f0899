/* The preset table. The ptb-* rows are ptb_word_lm.py's SmallConfig,
 * MediumConfig and LargeConfig field for field. */
#include "presets.h"

#include "data_path.h"

#include <stdio.h>
#include <string.h>

static const train_preset presets[] = {
    /* name, about,
     * init_scale, lr, max_grad_norm, layers, num_steps, hidden, max_epoch, max_max_epoch, keep_prob, lr_decay,
     * batch, tied */
    {"ptb-small", "Zaremba et al. 2014 small: 2 x 200 LSTM, no dropout, 13 epochs (test ppl 114.5 published)",
     0.1f, 1.0f, 5.0f, 2, 20, 200, 4, 13, 1.0f, 0.5f, 20, 0},
    {"ptb-medium", "Zaremba et al. 2014 medium: 2 x 650 LSTM, dropout 0.5, 39 epochs (82.7 published)",
     0.05f, 1.0f, 5.0f, 2, 35, 650, 6, 39, 0.5f, 0.8f, 20, 0},
    {"ptb-large", "Zaremba et al. 2014 large: 2 x 1500 LSTM, dropout 0.65, 55 epochs (78.4 published)",
     0.04f, 1.0f, 10.0f, 2, 35, 1500, 14, 55, 0.35f, (float)(1.0 / 1.15), 20, 0},
    /* ptb-small's size and cost with what was learnt after 2014: the decoder
     * shares the embedding matrix (Press & Wolf 2017; Inan et al. 2017),
     * which removes 2M of the 4.65M parameters and regularises the output
     * layer, and dropout on the embedding, between the layers and before the
     * decoder (Zaremba's non-recurrent dropout, lighter than medium's) curbs
     * the overfitting that ends ptb-small's training at train ppl ~40 vs
     * valid ~120. Dropout slows learning, so the full rate lasts 6 epochs
     * instead of 4. Same layers, width, batch, window and epochs: the same
     * time per epoch. */
    {"ptb-small-tied", "ptb-small with tied embedding/decoder and dropout 0.25: 2 x 200 LSTM, 2.65M parameters",
     0.1f, 1.0f, 5.0f, 2, 20, 200, 6, 13, 0.75f, 0.5f, 20, 1},
};

const train_preset *preset_find(const char *name)
{
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
        if (strcmp(presets[i].name, name) == 0)
            return &presets[i];
    return NULL;
}

const train_preset *preset_at(size_t i) { return i < sizeof presets / sizeof presets[0] ? &presets[i] : NULL; }

void preset_names(char *buf, size_t size)
{
    size_t used = 0;
    if (size)
        buf[0] = '\0';
    for (size_t i = 0; i < sizeof presets / sizeof presets[0] && used < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", presets[i].name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

int preset_data_path(const char *relative, char *out, size_t size) { return cli_data_path(relative, out, size); }
