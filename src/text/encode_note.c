/* The sentence that tells a user what encoding mapped to <unk> or skipped,
 * with the first few such tokens: the one wording of recur train, recur eval,
 * recur sample and every other command that encodes a text. */
#include <stdarg.h>
#include <stdio.h>

#include "recur/text.h"

static double percent(size_t part, size_t whole) { return whole ? 100.0 * (double)part / (double)whole : 0.0; }

/* snprintf at out + *used, keeping *used the length the whole text needs. */
static void put(char *out, size_t size, size_t *used, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void put(char *out, size_t size, size_t *used, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(*used < size ? out + *used : NULL, *used < size ? size - *used : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used += (size_t)n;
}

size_t recur_encode_stats_note(const recur_encode_stats *st, const recur_vocab *vocab, const char *what, char *out,
                               size_t size)
{
    size_t used = 0;
    if (size)
        out[0] = '\0';
    if (!st->unk_mapped && !st->skipped)
        return 0;
    const int word = recur_vocab_level(vocab) == RECUR_LEVEL_WORD;
    if (st->unk_mapped)
        put(out, size, &used, "%s: %zu of %zu %s (%.2f%%) are not in the model's vocabulary and became <unk>", what,
            st->unk_mapped, st->tokens, word ? "words" : "tokens", percent(st->unk_mapped, st->tokens));
    else
        put(out, size, &used, "%s: %zu of %zu %s (%.2f%%) are not in the model's vocabulary and were skipped", what,
            st->skipped, st->tokens, word ? "words" : "characters", percent(st->skipped, st->tokens));
    put(out, size, &used, ", %zu distinct: ", st->unknown_types);
    for (int i = 0; i < st->n_examples && i < 5; i++) {
        const recur_unknown_token *e = &st->examples[i];
        const char *sep = i ? ", " : "";
        if (word)
            put(out, size, &used, "%s\"%s\" x %zu", sep, e->text, e->count);
        else if (e->cp >= 0x20)
            put(out, size, &used, "%s'%s' U+%04X x %zu", sep, e->text, (unsigned)e->cp, e->count);
        else /* control characters by number only */
            put(out, size, &used, "%sU+%04X x %zu", sep, (unsigned)e->cp, e->count);
    }
    if (st->unknown_types > 5 && st->n_examples > 5)
        put(out, size, &used, ", ...");
    if (st->unk_total > st->unk_mapped)
        put(out, size, &used, "; with the text's own <unk>, %.2f%% of the tokens are <unk>",
            percent(st->unk_total, st->tokens));
    return used;
}
