/* Word level, as the Penn Treebank reader of TensorFlow's ptb tutorial: a
 * line's tokens are its whitespace-separated words followed by "<eos>". Every
 * line gets one "<eos>", a final line without a newline included, and a blank
 * line is just "<eos>". The vocabulary is sorted by descending count, ties in
 * ascending byte order. */
#include "core/error.h"
#include "text/vocab_internal.h"

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

typedef struct word_count {
    const char *str;
    size_t len;
    size_t count;
} word_count;

/* Descending count, then ascending byte order (a shorter prefix first). */
static int compare_counts(const void *pa, const void *pb)
{
    const word_count *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->str, b->str, n);
    if (c != 0)
        return c;
    return (a->len > b->len) - (a->len < b->len);
}

recur_status recur_word_vocab_build(const char *text, size_t len, recur_vocab **out,
                                    recur_error *err)
{
    recur_strmap words;
    recur_strmap_init(&words);
    size_t *counts = NULL, counts_cap = 0;
    word_count *order = NULL;
    recur_vocab *v = NULL;
    recur_status rc = RECUR_OK;

    word_scanner sc;
    word_token tok;
    scanner_init(&sc, text, len);
    while (next_token(&sc, &tok)) {
        int64_t id = recur_strmap_intern(&words, tok.str, tok.len, NULL);
        if (id < 0) {
            rc = recur_fail_nomem(err, "the word counts");
            goto done;
        }
        if ((size_t)id >= counts_cap) {
            size_t cap = counts_cap ? counts_cap * 2 : 1024;
            size_t *bigger = realloc(counts, cap * sizeof *counts);
            if (!bigger) {
                rc = recur_fail_nomem(err, "the word counts");
                goto done;
            }
            memset(bigger + counts_cap, 0, (cap - counts_cap) * sizeof *bigger);
            counts = bigger;
            counts_cap = cap;
        }
        counts[id]++;
    }

    /* The text is non-empty, so there is at least one "<eos>". */
    order = malloc(words.count * sizeof *order);
    if (!order) {
        rc = recur_fail_nomem(err, "the word order");
        goto done;
    }
    for (size_t i = 0; i < words.count; i++)
        order[i] = (word_count){words.keys[i], words.key_lens[i], counts[i]};
    qsort(order, words.count, sizeof *order, compare_counts);

    v = recur_vocab_new(RECUR_LEVEL_WORD);
    if (!v) {
        rc = recur_fail_nomem(err, "a vocabulary");
        goto done;
    }
    for (size_t i = 0; i < words.count && rc == RECUR_OK; i++)
        rc = recur_vocab_append(v, order[i].str, order[i].len, 0, err);

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

recur_status recur_word_encode(const recur_vocab *v, const char *text, size_t len, int32_t **ids,
                               size_t *count, recur_error *err)
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
    size_t i = 0;
    scanner_init(&sc, text, len);
    while (next_token(&sc, &tok)) {
        int id = recur_vocab_find(v, tok.str, tok.len);
        if (id < 0)
            id = v->unk;
        if (id < 0) {
            free(buf);
            /* Quote at most 64 bytes of a word, cut on a character boundary. */
            size_t shown = tok.len;
            if (shown > 64) {
                shown = 64;
                while (shown > 0 && ((unsigned char)tok.str[shown] & 0xC0) == 0x80)
                    shown--;
            }
            return recur_fail(err, RECUR_E_FORMAT,
                              "word \"%.*s\"%s on line %zu is not in the vocabulary, which has no "
                              "\"" RECUR_UNK_TOKEN "\" to stand for unknown words",
                              (int)shown, tok.str, shown < tok.len ? "..." : "", tok.line);
        }
        buf[i++] = id;
    }
    *ids = buf;
    *count = i;
    return RECUR_OK;
}
