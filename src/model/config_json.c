/* The model configuration as the JSON object stored in a checkpoint's
 * "recur.config" metadata. Only level, cell, layers, embed, hidden,
 * vocab_size and tied are required; the rest default (task "lm",
 * unidirectional, no labels, no features, mean pooling). */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "model/model_internal.h"

void model_config_to_json(const recur_config *c, recur_strbuf *out)
{
    recur_strbuf_printf(out,
                        "{\"level\":\"%s\",\"cell\":\"%s\",\"layers\":%d,\"embed\":%d,\"hidden\":%d,"
                        "\"vocab_size\":%d,\"tied\":%s,\"peephole\":%s,\"bidirectional\":%s,"
                        "\"dropout\":%.9g,\"init_scale\":%.9g,\"forget_bias\":%.9g",
                        recur_level_name(c->level), recur_cell_name(c->cell), c->layers,
                        c->embed ? c->embed : c->hidden, c->hidden, c->vocab_size, c->tied ? "true" : "false",
                        c->peephole ? "true" : "false", c->bidirectional ? "true" : "false", (double)c->dropout,
                        (double)c->init_scale, (double)c->forget_bias);
    if (c->norm != RECUR_NORM_NONE)
        recur_strbuf_printf(out, ",\"norm\":\"%s\",\"norm_steps\":%d", recur_norm_name(c->norm), c->norm_steps);
    /* Task fields only where they say something: a language model's config
     * reads as it always did. */
    if (c->task != RECUR_TASK_LM) {
        recur_strbuf_printf(out, ",\"task\":\"%s\",\"labels\":%d", recur_task_name(c->task), c->labels);
        if (c->task == RECUR_TASK_CLASSIFY)
            recur_strbuf_printf(out, ",\"pool\":\"%s\"", recur_pool_name(c->pool));
        if (c->feature_size > 0)
            recur_strbuf_printf(out, ",\"feature_size\":%d,\"feature_embed\":%d", c->feature_size,
                                c->feature_embed);
    }
    recur_strbuf_puts(out, "}");
}

static recur_status get_int(const json_value *o, const char *key, int required, int *out, recur_error *err)
{
    const json_value *v = json_get(o, key);
    if (!v) {
        if (required)
            return recur_fail(err, RECUR_E_FORMAT, "recur.config lacks \"%s\"", key);
        return RECUR_OK;
    }
    int64_t x;
    if (json_as_int64(v, &x) != 0 || x < 0 || x > (1 << 30))
        return recur_fail(err, RECUR_E_FORMAT, "recur.config \"%s\" must be a non-negative integer", key);
    *out = (int)x;
    return RECUR_OK;
}

static recur_status get_bool(const json_value *o, const char *key, int required, int *out, recur_error *err)
{
    const json_value *v = json_get(o, key);
    if (!v) {
        if (required)
            return recur_fail(err, RECUR_E_FORMAT, "recur.config lacks \"%s\"", key);
        return RECUR_OK;
    }
    if (v->type != JSON_BOOL)
        return recur_fail(err, RECUR_E_FORMAT, "recur.config \"%s\" must be true or false", key);
    *out = v->boolean;
    return RECUR_OK;
}

static recur_status get_float(const json_value *o, const char *key, float *out, recur_error *err)
{
    const json_value *v = json_get(o, key);
    if (!v)
        return RECUR_OK;
    if (v->type != JSON_NUMBER || !isfinite(v->number))
        return recur_fail(err, RECUR_E_FORMAT, "recur.config \"%s\" must be a number", key);
    *out = (float)v->number;
    return RECUR_OK;
}

/* A value that parsed but is out of range is a fault of the file. */
static recur_status as_format_error(recur_error *err)
{
    if (err) {
        recur_error_prefix(err, "recur.config");
        err->status = RECUR_E_FORMAT;
    }
    return RECUR_E_FORMAT;
}

recur_status model_config_from_json(const json_value *o, recur_config *c, recur_error *err)
{
    if (!o || o->type != JSON_OBJECT)
        return recur_fail(err, RECUR_E_FORMAT, "recur.config is not a JSON object");
    memset(c, 0, sizeof *c);
    const char *level = json_get_string(o, "level");
    if (!level)
        return recur_fail(err, RECUR_E_FORMAT, "recur.config lacks \"level\" (\"char\" or \"word\")");
    if (recur_level_parse(level, &c->level, err))
        return recur_fail(err, RECUR_E_FORMAT, "recur.config level '%s' is not \"char\" or \"word\"", level);
    const char *cell = json_get_string(o, "cell");
    if (!cell)
        return recur_fail(err, RECUR_E_FORMAT, "recur.config lacks \"cell\"");
    recur_status st = recur_cell_parse(cell, &c->cell, err);
    if (st)
        return as_format_error(err);
    if ((st = get_int(o, "layers", 1, &c->layers, err)) || (st = get_int(o, "embed", 1, &c->embed, err)) ||
        (st = get_int(o, "hidden", 1, &c->hidden, err)) || (st = get_int(o, "vocab_size", 1, &c->vocab_size, err)) ||
        (st = get_bool(o, "tied", 1, &c->tied, err)) || (st = get_bool(o, "peephole", 0, &c->peephole, err)) ||
        (st = get_bool(o, "bidirectional", 0, &c->bidirectional, err)) ||
        (st = get_int(o, "labels", 0, &c->labels, err)) || (st = get_int(o, "feature_size", 0, &c->feature_size, err)) ||
        (st = get_int(o, "feature_embed", 0, &c->feature_embed, err)) ||
        (st = get_float(o, "dropout", &c->dropout, err)) || (st = get_float(o, "init_scale", &c->init_scale, err)) ||
        (st = get_float(o, "forget_bias", &c->forget_bias, err)))
        return st;
    const char *norm = json_get_string(o, "norm");
    if (norm && recur_norm_parse(norm, &c->norm, err))
        return as_format_error(err);
    if (!norm && json_get(o, "norm"))
        return recur_fail(err, RECUR_E_FORMAT, "recur.config \"norm\" must be a string");
    if ((st = get_int(o, "norm_steps", 0, &c->norm_steps, err)))
        return st;
    const char *task = json_get_string(o, "task");
    if (task && recur_task_parse(task, &c->task, err))
        return as_format_error(err);
    if (!task && json_get(o, "task"))
        return recur_fail(err, RECUR_E_FORMAT, "recur.config \"task\" must be a string");
    const char *pool = json_get_string(o, "pool");
    c->pool = RECUR_POOL_MEAN;
    if (pool && recur_pool_parse(pool, &c->pool, err))
        return recur_fail(err, RECUR_E_FORMAT, "recur.config pool '%s' is not \"mean\" or \"last\"", pool);
    if (c->embed == 0)
        return recur_fail(err, RECUR_E_FORMAT, "recur.config \"embed\" must be positive");
    st = model_config_check(c, err);
    if (st)
        return as_format_error(err);
    return RECUR_OK;
}
