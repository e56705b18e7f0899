/* Word level, as the Penn Treebank reader of TensorFlow's ptb tutorial: a
 * line's tokens are its whitespace-separated words followed by "<eos>". Every
 * line gets one "<eos>", a final line without a newline included, and a blank
 * line is just "<eos>". The vocabulary is sorted by descending count, ties in
 * ascending byte order. */
#include "core/error.h"
#include "text/unknown_tracker.h"
#include "text/vocab_internal.h"

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct word_scanner {
    const char *text;
    size_t len;
    size_t pos;
    size_t line;    /* 1-based line of pos */
    int ended;      /* the "<eos>" of a final unterminated line has been given */
} word_scanner;

typedef struct word_token {
    const char *str;
    size_t len;
    size_t line;    /* 1-based line the token belongs to */
} word_token;

static void scanner_init(word_scanner *sc, const char *text, size_t len)
{
    sc->text = text;
    sc->len = len;
    sc->pos = 0;
    sc->line = 1;
    sc->ended = 0;
}

/* Gives the next token; returns 0 when the text is exhausted. */
static int next_token(word_scanner *sc, word_token *tok)
{
    const char *s = sc->text;
    while (sc->pos < sc->len && s[sc->pos] != '\n' && recur_is_word_space((unsigned char)s[sc->pos]))
        sc->pos++;
    tok->line = sc->line;
    if (sc->pos == sc->len) {
        if (sc->len == 0 || s[sc->len - 1] == '\n' || sc->ended)
            return 0;
        sc->ended = 1;
        tok->str = RECUR_EOS_TOKEN;
        tok->len = sizeof RECUR_EOS_TOKEN - 1;
        return 1;
    }
    if (s[sc->pos] == '\n') {
        sc->pos++;
        sc->line++;
        tok->str = RECUR_EOS_TOKEN;
        tok->len = sizeof RECUR_EOS_TOKEN - 1;
        return 1;
    }
    size_t start = sc->pos;
    while (sc->pos < sc->len && !recur_is_word_space((unsigned char)s[sc->pos]))
        sc->pos++;
    tok->str = s + start;
    tok->len = sc->pos - start;
    return 1;
}

static int is_token(const recur_strmap *words, int64_t id, const char *token, size_t len)
{
    return words->key_lens[id] == len && memcmp(words->keys[id], token, len) == 0;
}

#define IS_UNK(words, id) is_token(words, id, RECUR_UNK_TOKEN, sizeof RECUR_UNK_TOKEN - 1)

/* "<eos>" ends every line and "<unk>" is what the dropped words become:
 * they are kept whatever their count. */
static int is_special(const recur_strmap *words, int64_t id)
{
    return is_token(words, id, RECUR_EOS_TOKEN, sizeof RECUR_EOS_TOKEN - 1) || IS_UNK(words, id);
}

/* Counts every token of the text into words (ids in order of first
 * appearance) and *counts (indexed by those ids, *cap of them allocated). */
static recur_status count_words(const char *text, size_t len, recur_strmap *words, int64_t **counts, size_t *cap,
                                size_t *tokens, recur_error *err)
{
    word_scanner sc;
    word_token tok;
    scanner_init(&sc, text, len);
    *tokens = 0;
    while (next_token(&sc, &tok)) {
        int64_t id = recur_strmap_intern(words, tok.str, tok.len, NULL);
        if (id < 0)
            return recur_fail_nomem(err, "the word counts");
        if ((size_t)id >= *cap) {
            size_t bigger_cap = *cap ? *cap * 2 : 1024;
            int64_t *bigger = realloc(*counts, bigger_cap * sizeof *bigger);
            if (!bigger)
                return recur_fail_nomem(err, "the word counts");
            memset(bigger + *cap, 0, (bigger_cap - *cap) * sizeof *bigger);
            *counts = bigger;
            *cap = bigger_cap;
        }
        (*counts)[id]++;
        (*tokens)++;
    }
    return RECUR_OK;
}

/* Marks the words the options leave out, walking order[0..n) (every word,
 * most frequent first): their count becomes -1 (out of the next ranking)
 * and is added to *dropped_tokens. *unk is "<unk>"'s id, or -1. */
static recur_status drop_words(const recur_strmap *words, int64_t *counts, const int64_t *order, size_t n,
                               const recur_vocab_options *o, int64_t *unk, size_t *dropped_types,
                               size_t *dropped_tokens, recur_error *err)
{
    size_t kept = 0, specials = 0;
    *unk = -1;
    for (size_t i = 0; i < n; i++) {
        int64_t id = order[i];
        if (IS_UNK(words, id))
            *unk = id;
        if (is_special(words, id)) {
            specials++;
        } else if (o->min_count > 1 && counts[id] < o->min_count) {
            (*dropped_types)++;
            *dropped_tokens += (size_t)counts[id];
            counts[id] = -1;
        } else {
            kept++;
        }
    }
    if (o->max_vocab <= 0)
        return RECUR_OK;
    /* Room for the words once "<eos>" and "<unk>" (kept, or to be added) are counted. */
    size_t want_unk = *unk < 0 && (o->add_unk || *dropped_types > 0 || specials + kept > (size_t)o->max_vocab);
    if ((size_t)o->max_vocab <= specials + want_unk)
        return recur_fail(err, RECUR_E_ARG,
                          "a vocabulary of at most %d tokens has no room for a word besides \"" RECUR_EOS_TOKEN
                          "\" and \"" RECUR_UNK_TOKEN "\"",
                          o->max_vocab);
    size_t room = (size_t)o->max_vocab - specials - want_unk, taken = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t id = order[i];
        if (is_special(words, id) || counts[id] < 0)
            continue;
        if (taken < room) {
            taken++;
        } else {
            (*dropped_types)++;
            *dropped_tokens += (size_t)counts[id];
            counts[id] = -1;
        }
    }
    return RECUR_OK;
}

recur_status recur_word_vocab_build(const char *text, size_t len, const recur_vocab_options *o,
                                    recur_vocab **out, recur_vocab_stats *stats, recur_error *err)
{
    recur_strmap words;
    recur_strmap_init(&words);
    int64_t *counts = NULL, *order = NULL, unk = -1;
    size_t cap = 0, n = 0, tokens = 0, types = 0, dropped_types = 0, dropped_tokens = 0;
    recur_vocab *v = NULL;
    int added_unk = 0;

    recur_status rc = count_words(text, len, &words, &counts, &cap, &tokens, err);
    if (rc)
        goto done;
    types = words.count;
    /* Every word in the vocabulary's order (ranking them once here is what
     * max_vocab's cut goes by), then the ones kept, ranked again once
     * "<unk>" holds the dropped words' count. */
    if (!(order = recur_strmap_rank(&words, counts, 0, 0, &n))) {
        rc = recur_fail_nomem(err, "the word order");
        goto done;
    }
    if ((rc = drop_words(&words, counts, order, n, o, &unk, &dropped_types, &dropped_tokens, err)) != RECUR_OK)
        goto done;
    if (unk < 0 && (o->add_unk || dropped_types)) {
        /* The text is non-empty, so the counts have room for one more id
         * unless the last word filled them. */
        if ((unk = recur_strmap_intern(&words, RECUR_UNK_TOKEN, sizeof RECUR_UNK_TOKEN - 1, NULL)) < 0) {
            rc = recur_fail_nomem(err, "the word counts");
            goto done;
        }
        if ((size_t)unk >= cap) {
            int64_t *bigger = realloc(counts, (cap + 1) * sizeof *bigger);
            if (!bigger) {
                rc = recur_fail_nomem(err, "the word counts");
                goto done;
            }
            counts = bigger;
            cap++;
        }
        counts[unk] = 0;
        added_unk = 1;
    }
    if (unk >= 0)
        counts[unk] += (int64_t)dropped_tokens;
    free(order);
    if (!(order = recur_strmap_rank(&words, counts, 0, 0, &n))) {
        rc = recur_fail_nomem(err, "the word order");
        goto done;
    }

    v = recur_vocab_new(RECUR_LEVEL_WORD);
    if (!v) {
        rc = recur_fail_nomem(err, "a vocabulary");
        goto done;
    }
    for (size_t i = 0; i < n && rc == RECUR_OK; i++)
        rc = recur_vocab_append(v, words.keys[order[i]], words.key_lens[order[i]], 0, err);
    if (rc == RECUR_OK && stats) {
        stats->tokens = tokens;
        stats->types = types;
        stats->dropped_types = dropped_types;
        stats->dropped_tokens = dropped_tokens;
        stats->added_unk = added_unk;
    }

done:
    if (rc == RECUR_OK) {
        *out = v;
    } else {
        recur_vocab_free(v);
    }
    free(order);
    free(counts);
    recur_strmap_free(&words);
    return rc;
}

recur_status recur_word_encode(const recur_vocab *v, const char *text, size_t len, recur_unknown unknown,
                               int32_t **ids, size_t *count, recur_encode_stats *stats, recur_error *err)
{
    word_scanner sc;
    word_token tok;
    size_t n = 0;
    scanner_init(&sc, text, len);
    while (next_token(&sc, &tok))
        n++;

    if (n > SIZE_MAX / sizeof(int32_t))
        return recur_fail(err, RECUR_E_NOMEM, "%zu tokens are too many to encode", n);
    int32_t *buf = malloc((n ? n : 1) * sizeof *buf);
    if (!buf)
        return recur_fail_nomem(err, "the token ids");
    unknown_tracker unk;
    unknown_tracker_init(&unk, stats);
    recur_status rc = RECUR_OK;
    size_t i = 0, unk_total = 0;
    scanner_init(&sc, text, len);
    while (next_token(&sc, &tok)) {
        int id = recur_vocab_find(v, tok.str, tok.len);
        if (id < 0) {
            /* The scanner's "<eos>" is always in a built vocabulary; a token
             * string outside the text is only that, so its offset is the text's end. */
            uintptr_t at = (uintptr_t)tok.str, start = (uintptr_t)text;
            size_t offset = at >= start && at < start + len ? (size_t)(at - start) : len;
            if ((rc = unknown_tracker_add(&unk, tok.str, tok.len, 0, offset, tok.line, err)) != RECUR_OK)
                break;
            id = v->unk;
        }
        unk_total += id >= 0 && id == v->unk;
        if (id >= 0)
            buf[i++] = id;
    }
    recur_encode_stats *st = unk.stats;
    if (rc == RECUR_OK && v->unk < 0 && unk.occurrences && unknown == RECUR_UNKNOWN_ERROR) {
        const recur_unknown_token *first = &st->examples[0];
        char counted[96] = "";
        if (unk.occurrences > 1)
            snprintf(counted, sizeof counted, " (%zu words of the text, %zu distinct, are not)", unk.occurrences,
                     st->unknown_types);
        rc = recur_fail(err, RECUR_E_FORMAT,
                        "word \"%s\" on line %zu is not in the vocabulary, which has no \"" RECUR_UNK_TOKEN
                        "\" to stand for unknown words%s",
                        first->text, first->line, counted);
    }
    st->tokens = n;
    st->unk_mapped = v->unk >= 0 ? unk.occurrences : 0;
    st->unk_total = unk_total;
    st->skipped = rc == RECUR_OK && v->unk < 0 ? unk.occurrences : 0;
    unknown_tracker_free(&unk);
    if (rc != RECUR_OK) {
        free(buf);
        return rc;
    }
    *ids = buf;
    *count = i;
    return RECUR_OK;
}
