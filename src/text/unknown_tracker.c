/* The distinct unknown tokens of a text, counted as encoding meets them. */
#include "text/unknown_tracker.h"

#include <string.h>

#include "core/error.h"

void unknown_tracker_init(unknown_tracker *t, recur_encode_stats *stats)
{
    memset(t, 0, sizeof *t);
    t->stats = stats ? stats : &t->own;
    memset(t->stats, 0, sizeof *t->stats);
    recur_strmap_init(&t->seen);
}

/* Copies at most 64 bytes of token into out, cut on a character boundary,
 * with "..." after a cut. */
static void copy_token(char out[68], const char *token, size_t len)
{
    size_t shown = len;
    if (shown > 64) {
        shown = 64;
        while (shown > 0 && ((unsigned char)token[shown] & 0xC0) == 0x80)
            shown--;
    }
    memcpy(out, token, shown);
    if (shown < len)
        memcpy(out + shown, "...", 4);
    else
        out[shown] = '\0';
}

recur_status unknown_tracker_add(unknown_tracker *t, const char *token, size_t len, uint32_t cp, size_t offset,
                                 size_t line, recur_error *err)
{
    int inserted = 0;
    int64_t id = recur_strmap_intern(&t->seen, token, len, &inserted);
    if (id < 0)
        return recur_fail_nomem(err, "the list of unknown tokens");
    recur_encode_stats *s = t->stats;
    t->occurrences++;
    s->unknown_types = t->seen.count;
    if (id >= RECUR_UNKNOWN_EXAMPLES)
        return RECUR_OK;
    recur_unknown_token *ex = &s->examples[id];
    if (inserted) {
        copy_token(ex->text, token, len);
        ex->cp = cp;
        ex->offset = offset;
        ex->line = line;
        s->n_examples = (int)id + 1;
    }
    ex->count++;
    return RECUR_OK;
}

void unknown_tracker_free(unknown_tracker *t) { recur_strmap_free(&t->seen); }
