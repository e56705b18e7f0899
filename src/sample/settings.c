/* The sampling settings: defaults (today's `recur sample`), their checks,
 * and the names of the modes and of the weight formats. */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/names.h"
#include "recur/generate.h"

void recur_sample_settings_default(recur_sample_settings *s)
{
    memset(s, 0, sizeof *s);
    s->mode = RECUR_SAMPLE_WEIGHTED;
    s->temperature = 1.0f;
    s->top_k = 0;
    s->top_p = 1.0f;
    s->min_p = 0.0f;
    s->repeat_penalty = 1.0f;
    s->repeat_last_n = 64;
    s->presence_penalty = 0.0f;
    s->frequency_penalty = 0.0f;
    s->beam = 4;
    s->seed = 1;
}

recur_status recur_sample_settings_check(const recur_sample_settings *s, recur_error *err)
{
    if ((int)s->mode < RECUR_SAMPLE_ARGMAX || (int)s->mode > RECUR_SAMPLE_BEAM)
        return recur_fail(err, RECUR_E_ARG, "sampling mode %d is not argmax, weighted, space or beam", (int)s->mode);
    if (!(s->temperature > 0.0f) || !isfinite(s->temperature))
        return recur_fail(err, RECUR_E_ARG, "temperature must be a finite number above 0, got %g",
                          (double)s->temperature);
    if (s->top_k < 0)
        return recur_fail(err, RECUR_E_ARG, "top_k must be 0 (off) or more, got %d", s->top_k);
    if (!(s->top_p > 0.0f && s->top_p <= 1.0f))
        return recur_fail(err, RECUR_E_ARG, "top_p must be in (0, 1] (1: off), got %g", (double)s->top_p);
    if (!(s->min_p >= 0.0f && s->min_p < 1.0f))
        return recur_fail(err, RECUR_E_ARG, "min_p must be in [0, 1) (0: off), got %g", (double)s->min_p);
    if (!(s->repeat_penalty > 0.0f) || !isfinite(s->repeat_penalty))
        return recur_fail(err, RECUR_E_ARG, "repeat_penalty must be a finite number above 0 (1: off), got %g",
                          (double)s->repeat_penalty);
    if (s->repeat_last_n < 0 || s->repeat_last_n > RECUR_REPEAT_LAST_N_MAX)
        return recur_fail(err, RECUR_E_ARG, "repeat_last_n must be 0 (off) to %d tokens, got %d",
                          RECUR_REPEAT_LAST_N_MAX, s->repeat_last_n);
    if (!isfinite(s->presence_penalty))
        return recur_fail(err, RECUR_E_ARG, "presence_penalty must be finite, got %g", (double)s->presence_penalty);
    if (!isfinite(s->frequency_penalty))
        return recur_fail(err, RECUR_E_ARG, "frequency_penalty must be finite, got %g",
                          (double)s->frequency_penalty);
    if (s->beam < 1 || s->beam > RECUR_BEAM_MAX)
        return recur_fail(err, RECUR_E_ARG, "beam must be 1 to %d, got %d", RECUR_BEAM_MAX, s->beam);
    return RECUR_OK;
}

static const struct {
    const char *name, *number;
    recur_sample_mode mode;
} modes[] = {{"argmax", "0", RECUR_SAMPLE_ARGMAX},
             {"weighted", "1", RECUR_SAMPLE_WEIGHTED},
             {"space", "2", RECUR_SAMPLE_SPACE},
             {"beam", NULL, RECUR_SAMPLE_BEAM}};

const char *recur_sample_mode_name(recur_sample_mode mode)
{
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (modes[i].mode == mode)
            return modes[i].name;
    return "unknown";
}

recur_status recur_sample_mode_parse(const char *name, recur_sample_mode *mode, recur_error *err)
{
    for (size_t i = 0; name && i < sizeof modes / sizeof modes[0]; i++)
        if (strcmp(name, modes[i].name) == 0 || (modes[i].number && strcmp(name, modes[i].number) == 0)) {
            *mode = modes[i].mode;
            return RECUR_OK;
        }
    return recur_fail(err, RECUR_E_ARG, "sampling mode must be argmax, weighted, space or beam (or 0, 1, 2), got '%s'",
                      name ? name : "(none)");
}

RECUR_ENUM_NAMES(recur_sample_weights, recur_sample_weights_name, recur_sample_weights_parse, "weights", "f32", "f16", "i8")
