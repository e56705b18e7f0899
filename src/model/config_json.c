/* The model configuration as the JSON object stored in a checkpoint's
 * "recur.config" metadata. Only level, cell, layers, embed, hidden,
 * vocab_size and tied are required; the rest default. */
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
                        "\"vocab_size\":%d,\"tied\":%s,\"peephole\":%s,\"bidirectional\":false,"
                        "\"dropout\":%.9g,\"init_scale\":%.9g,\"forget_bias\":%.9g}",
                        c->level == RECUR_LEVEL_WORD ? "word" : "char", recur_cell_name(c->cell), c->layers,
                        c->embed ? c->embed : c->hidden, c->hidden, c->vocab_size, c->tied ? "true" : "false",
                        c->peephole ? "true" : "false", (double)c->dropout, (double)c->init_scale,
                        (double)c->forget_bias);
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
    if (strcmp(level, "char") == 0)
        c->level = RECUR_LEVEL_CHAR;
    else if (strcmp(level, "word") == 0)
        c->level = RECUR_LEVEL_WORD;
    else
        return recur_fail(err, RECUR_E_FORMAT, "recur.config level '%s' is not \"char\" or \"word\"", level);
    const char *cell = json_get_string(o, "cell");
    if (!cell)
        return recur_fail(err, RECUR_E_FORMAT, "recur.config lacks \"cell\"");
    recur_status st = recur_cell_parse(cell, &c->cell, err);
    if (st)
        return as_format_error(err);
    int bidirectional = 0;
    if ((st = get_int(o, "layers", 1, &c->layers, err)) || (st = get_int(o, "embed", 1, &c->embed, err)) ||
        (st = get_int(o, "hidden", 1, &c->hidden, err)) || (st = get_int(o, "vocab_size", 1, &c->vocab_size, err)) ||
        (st = get_bool(o, "tied", 1, &c->tied, err)) || (st = get_bool(o, "peephole", 0, &c->peephole, err)) ||
        (st = get_bool(o, "bidirectional", 0, &bidirectional, err)) ||
        (st = get_float(o, "dropout", &c->dropout, err)) || (st = get_float(o, "init_scale", &c->init_scale, err)) ||
        (st = get_float(o, "forget_bias", &c->forget_bias, err)))
        return st;
    if (bidirectional)
        return recur_fail(err, RECUR_E_FORMAT, "bidirectional models are not supported by this version of recur");
    if (c->embed == 0)
        return recur_fail(err, RECUR_E_FORMAT, "recur.config \"embed\" must be positive");
    st = model_config_check(c, err);
    if (st)
        return as_format_error(err);
    return RECUR_OK;
}
