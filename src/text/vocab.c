/* Vocabulary storage, lookups, and loading a vocabulary from a token list. */
#include "core/error.h"
#include "core/names.h"
#include "text/utf8.h"
#include "text/vocab_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

recur_vocab *recur_vocab_new(recur_level level)
{
    recur_vocab *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->level = level;
    v->unk = -1;
    v->eos = -1;
    recur_strmap_init(&v->map);
    if (level == RECUR_LEVEL_CHAR) {
        v->pages = calloc(RECUR_CP_PAGES, sizeof *v->pages);
        if (!v->pages) {
            free(v);
            return NULL;
        }
    }
    return v;
}

void recur_vocab_free(recur_vocab *v)
{
    if (!v)
        return;
    if (v->pages) {
        for (size_t i = 0; i < RECUR_CP_PAGES; i++)
            free(v->pages[i]);
        free(v->pages);
    }
    recur_strmap_free(&v->map);
    free(v);
}

/* Through the token list, as a checkpoint stores it: the copy is the
 * vocabulary a saved and reloaded model would have. */
recur_status recur_vocab_copy(const recur_vocab *v, recur_vocab **out, recur_error *err)
{
    *out = NULL;
    if (!v)
        return RECUR_OK;
    int n = recur_vocab_size(v);
    const char **tokens = malloc((size_t)n * sizeof *tokens);
    if (!tokens)
        return recur_fail_nomem(err, "a copy of the vocabulary");
    for (int i = 0; i < n; i++)
        tokens[i] = recur_vocab_token(v, i);
    recur_status st = recur_vocab_from_tokens(tokens, n, recur_vocab_level(v), out, err);
    free(tokens);
    return st;
}

recur_status recur_vocab_append(recur_vocab *v, const char *token, size_t len, uint32_t cp,
                                recur_error *err)
{
    if (v->map.count >= (size_t)INT_MAX)
        return recur_fail(err, RECUR_E_ARG, "vocabulary too large (over %d tokens)", INT_MAX);
    int inserted = 0;
    int64_t id = recur_strmap_intern(&v->map, token, len, &inserted);
    if (id < 0)
        return recur_fail_nomem(err, "a vocabulary entry");
    if (!inserted)
        return recur_fail(err, RECUR_E_FORMAT, "duplicate token \"%.*s\" (ids %lld and %zu)",
                          (int)(len > 64 ? 64 : len), token, (long long)id, v->map.count);
    if (v->level == RECUR_LEVEL_CHAR) {
        size_t page = cp >> RECUR_CP_PAGE_BITS;
        if (!v->pages[page]) {
            v->pages[page] = malloc(RECUR_CP_PAGE_SIZE * sizeof **v->pages);
            if (!v->pages[page])
                return recur_fail_nomem(err, "a code point table page");
            for (size_t i = 0; i < RECUR_CP_PAGE_SIZE; i++)
                v->pages[page][i] = -1;
        }
        v->pages[page][cp & (RECUR_CP_PAGE_SIZE - 1)] = (int32_t)id;
    } else {
        if (len == sizeof RECUR_UNK_TOKEN - 1 && memcmp(token, RECUR_UNK_TOKEN, len) == 0)
            v->unk = (int)id;
        if (len == sizeof RECUR_EOS_TOKEN - 1 && memcmp(token, RECUR_EOS_TOKEN, len) == 0)
            v->eos = (int)id;
    }
    return RECUR_OK;
}

int recur_vocab_char_id(const recur_vocab *v, uint32_t cp)
{
    if (!v || !v->pages || cp > 0x10FFFF)
        return -1;
    const int32_t *page = v->pages[cp >> RECUR_CP_PAGE_BITS];
    return page ? page[cp & (RECUR_CP_PAGE_SIZE - 1)] : -1;
}

int recur_vocab_size(const recur_vocab *v) { return v ? (int)v->map.count : 0; }

recur_level recur_vocab_level(const recur_vocab *v) { return v ? v->level : RECUR_LEVEL_CHAR; }

const char *recur_vocab_token(const recur_vocab *v, int id)
{
    if (!v || id < 0 || (size_t)id >= v->map.count)
        return NULL;
    return v->map.keys[id];
}

int recur_vocab_first_difference(const recur_vocab *a, const recur_vocab *b)
{
    int na = recur_vocab_size(a), nb = recur_vocab_size(b), n = na < nb ? na : nb;
    if (recur_vocab_level(a) != recur_vocab_level(b))
        return 0;
    for (int i = 0; i < n; i++)
        if (strcmp(a->map.keys[i], b->map.keys[i]) != 0)
            return i;
    return na == nb ? -1 : n;
}

int recur_vocab_find(const recur_vocab *v, const char *token, size_t len)
{
    if (!v || !token)
        return -1;
    return (int)recur_strmap_find(&v->map, token, len);
}

int recur_vocab_unk(const recur_vocab *v) { return v ? v->unk : -1; }

/* Checks one token of a stored vocabulary; index is its position (its id). */
static recur_status check_token(const char *token, int index, recur_level level, uint32_t *cp,
                                recur_error *err)
{
    if (!token)
        return recur_fail(err, RECUR_E_ARG, "token %d is missing (NULL)", index);
    size_t len = strlen(token);
    if (len == 0)
        return recur_fail(err, RECUR_E_FORMAT, "token %d is an empty string", index);
    recur_status rc = recur_utf8_validate(token, len, err);
    if (rc != RECUR_OK)
        return recur_error_prefix(err, "token %d", index);
    *cp = 0;
    if (level == RECUR_LEVEL_CHAR) {
        size_t pos = 0;
        recur_utf8_decode((const unsigned char *)token, len, &pos, cp);
        if (pos != len)
            return recur_fail(err, RECUR_E_FORMAT,
                              "token %d (\"%.*s\") is not exactly one character", index,
                              (int)(len > 64 ? 64 : len), token);
    } else {
        for (size_t i = 0; i < len; i++)
            if (recur_is_word_space((unsigned char)token[i]))
                return recur_fail(err, RECUR_E_FORMAT,
                                  "token %d (\"%.*s\") contains white space, so it cannot be a word",
                                  index, (int)(len > 64 ? 64 : len), token);
    }
    return RECUR_OK;
}

recur_status recur_vocab_from_tokens(const char *const *tokens, int count, recur_level level,
                                     recur_vocab **out, recur_error *err)
{
    if (!out)
        return recur_fail(err, RECUR_E_ARG, "recur_vocab_from_tokens: out is required");
    *out = NULL;
    if (level != RECUR_LEVEL_CHAR && level != RECUR_LEVEL_WORD)
        return recur_fail(err, RECUR_E_ARG, "unknown vocabulary level %d", (int)level);
    if (count < 1)
        return recur_fail(err, RECUR_E_FORMAT, "a vocabulary needs at least one token (got %d)",
                          count);
    if (!tokens)
        return recur_fail(err, RECUR_E_ARG, "recur_vocab_from_tokens: tokens is NULL");
    recur_vocab *v = recur_vocab_new(level);
    if (!v)
        return recur_fail_nomem(err, "a vocabulary");
    for (int i = 0; i < count; i++) {
        uint32_t cp;
        recur_status rc = check_token(tokens[i], i, level, &cp, err);
        if (rc == RECUR_OK)
            rc = recur_vocab_append(v, tokens[i], strlen(tokens[i]), cp, err);
        if (rc != RECUR_OK) {
            recur_vocab_free(v);
            return rc;
        }
    }
    *out = v;
    return RECUR_OK;
}

void recur_vocab_options_default(recur_vocab_options *o, recur_level level)
{
    memset(o, 0, sizeof *o);
    o->level = level;
    o->add_unk = level == RECUR_LEVEL_WORD;
}

recur_status recur_vocab_build_with(const char *text, size_t len, const recur_vocab_options *o, recur_vocab **out,
                                    recur_vocab_stats *stats, recur_error *err)
{
    if (!out || !o)
        return recur_fail(err, RECUR_E_ARG, "recur_vocab_build_with: options and out are required");
    *out = NULL;
    if (stats)
        memset(stats, 0, sizeof *stats);
    if (o->level != RECUR_LEVEL_CHAR && o->level != RECUR_LEVEL_WORD)
        return recur_fail(err, RECUR_E_ARG, "unknown vocabulary level %d", (int)o->level);
    if (o->min_count < 0 || o->max_vocab < 0)
        return recur_fail(err, RECUR_E_ARG, "min_count and max_vocab must not be negative (got %d and %d)",
                          o->min_count, o->max_vocab);
    /* A character vocabulary has no "<unk>" for the characters a cut would drop. */
    if (o->level == RECUR_LEVEL_CHAR && (o->min_count > 1 || o->max_vocab > 0))
        return recur_fail(err, RECUR_E_ARG,
                          "a minimum count and a maximum size apply to word vocabularies only (a character "
                          "vocabulary has no \"<unk>\" for the characters they would drop)");
    if (!text || len == 0)
        return recur_fail(err, RECUR_E_FORMAT, "cannot build a vocabulary from an empty text");
    /* The char level decodes (and so checks) every character itself; the
     * word level looks only at white space, so check the UTF-8 first. */
    if (o->level == RECUR_LEVEL_WORD) {
        recur_status rc = recur_utf8_validate(text, len, err);
        if (rc != RECUR_OK)
            return rc;
    }
    /* Tokens are stored as C strings, so a NUL would cut one short. */
    const char *nul = memchr(text, '\0', len);
    if (nul)
        return recur_fail(err, RECUR_E_FORMAT,
                          "the text contains a NUL byte at byte offset %zu (binary data?)",
                          (size_t)(nul - text));
    if (o->level == RECUR_LEVEL_CHAR)
        return recur_char_vocab_build(text, len, out, stats, err);
    return recur_word_vocab_build(text, len, o, out, stats, err);
}

recur_status recur_vocab_build(const char *text, size_t len, recur_level level, recur_vocab **out,
                               recur_error *err)
{
    /* Exactly the text's tokens, as TensorFlow's ptb reader.py: no cut and no added "<unk>". */
    recur_vocab_options o = {level, 0, 0, 0};
    if (!out)
        return recur_fail(err, RECUR_E_ARG, "recur_vocab_build: out is required");
    return recur_vocab_build_with(text, len, &o, out, NULL, err);
}

recur_status recur_vocab_encode_with(const recur_vocab *v, const char *text, size_t len, recur_unknown unknown,
                                     int32_t **ids, size_t *count, recur_encode_stats *stats, recur_error *err)
{
    recur_encode_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!v || !ids || !count)
        return recur_fail(err, RECUR_E_ARG, "recur_vocab_encode: vocab, ids and count are required");
    *ids = NULL;
    *count = 0;
    if (!text && len > 0)
        return recur_fail(err, RECUR_E_ARG, "recur_vocab_encode: text is NULL");
    if (unknown != RECUR_UNKNOWN_ERROR && unknown != RECUR_UNKNOWN_SKIP)
        return recur_fail(err, RECUR_E_ARG, "unknown-token policy %d is neither error nor skip", (int)unknown);
    if (v->level == RECUR_LEVEL_CHAR) /* checks UTF-8 as it decodes */
        return recur_char_encode(v, text, len, unknown, ids, count, stats, err);
    recur_status rc = recur_utf8_validate(text, len, err);
    if (rc != RECUR_OK)
        return rc;
    return recur_word_encode(v, text, len, unknown, ids, count, stats, err);
}

recur_status recur_vocab_encode(const recur_vocab *v, const char *text, size_t len, int32_t **ids,
                                size_t *count, recur_error *err)
{
    return recur_vocab_encode_with(v, text, len, RECUR_UNKNOWN_ERROR, ids, count, NULL, err);
}

RECUR_ENUM_NAMES(recur_unknown, recur_unknown_name, recur_unknown_parse, "unknown-token policy", "error", "skip")
RECUR_ENUM_NAMES(recur_level, recur_level_name, recur_level_parse, "level", "char", "word")
