/* word/TAG files (the Brown corpus's format) and the mapping of Brown tags
 * to the 12 universal part-of-speech tags. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/names.h"
#include "task/tagdata.h"
#include "text/word_space.h"

/* Our own reading of the Brown tag manual onto the universal tagset of
 * Petrov, Das and McDonald (2012): headline/title/cited suffixes (-hl, -tl,
 * -nc) are dropped, a contraction ("ppss+bem") takes its first part, a
 * foreign word (fw-) is X, and '*' marks negation. */
const char *recur_brown_universal(const char *tag)
{
    char base[32];
    size_t n = strcspn(tag, "+");
    if (strncmp(tag, "fw-", 3) == 0)
        return "X";
    if (n >= sizeof base)
        n = sizeof base - 1;
    memcpy(base, tag, n);
    base[n] = '\0';
    for (;;) { /* strip -hl, -tl, -nc (in any number and order) */
        size_t k = strlen(base);
        if (k > 3 && base[k - 3] == '-' &&
            (strcmp(base + k - 2, "hl") == 0 || strcmp(base + k - 2, "tl") == 0 || strcmp(base + k - 2, "nc") == 0))
            base[k - 3] = '\0';
        else
            break;
    }
    if (strcmp(base, "*") == 0)
        return "ADV"; /* not, n't */
    size_t k = strlen(base);
    if (k > 1 && base[k - 1] == '*')
        base[--k] = '\0';
    int letters = 0;
    for (size_t i = 0; i < k; i++)
        letters += base[i] >= 'a' && base[i] <= 'z';
    if (!letters)
        return ".";
    static const struct { const char *prefix; const char *tag; int exact; } map[] = {
        {"pp", "PRON", 0},  {"wp", "PRON", 0},  {"pn", "NOUN", 0}, {"nn", "NOUN", 0},  {"np", "NOUN", 0},
        {"nr", "NOUN", 0},  {"vb", "VERB", 0},  {"be", "VERB", 0}, {"do", "VERB", 0},  {"hv", "VERB", 0},
        {"md", "VERB", 0},  {"jj", "ADJ", 0},   {"od", "ADJ", 0},  {"cd", "NUM", 0},   {"rb", "ADV", 0},
        {"rn", "ADV", 0},   {"ql", "ADV", 0},   {"wql", "ADV", 0}, {"wrb", "ADV", 0},  {"rp", "PRT", 0},
        {"to", "PRT", 1},   {"in", "ADP", 1},   {"cc", "CONJ", 1}, {"cs", "CONJ", 1},  {"at", "DET", 1},
        {"ap", "DET", 0},   {"ab", "DET", 0},   {"dt", "DET", 0},  {"wdt", "DET", 0},  {"ex", "DET", 1},
        {"uh", "X", 1},     {"nil", "X", 1},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        size_t p = strlen(map[i].prefix);
        if (map[i].exact ? strcmp(base, map[i].prefix) == 0 || (strncmp(base, map[i].prefix, p) == 0 && base[p] == '$')
                         : strncmp(base, map[i].prefix, p) == 0)
            return map[i].tag;
    }
    return "X";
}

static recur_status push_token(recur_tagged_corpus *c, const char *word, const char *tag, recur_error *err)
{
    if (c->n_tokens == c->cap_tokens) {
        size_t cap = c->cap_tokens ? 2 * c->cap_tokens : 4096;
        const char **w = realloc(c->words, cap * sizeof *w);
        if (w)
            c->words = w;
        const char **t = w ? realloc(c->tags, cap * sizeof *t) : NULL;
        if (!t)
            return recur_fail_nomem(err, "the tagged tokens");
        c->tags = t;
        c->cap_tokens = cap;
    }
    c->words[c->n_tokens] = word;
    c->tags[c->n_tokens] = tag;
    c->n_tokens++;
    return RECUR_OK;
}

static recur_status end_sentence(recur_tagged_corpus *c, recur_error *err)
{
    if (c->n_sent + 2 > c->cap_sent) {
        int cap = c->cap_sent ? 2 * c->cap_sent : 1024;
        size_t *s = realloc(c->sent_start, (size_t)cap * sizeof *s);
        if (!s)
            return recur_fail_nomem(err, "the sentences");
        c->sent_start = s;
        c->cap_sent = cap;
    }
    if (c->n_sent == 0)
        c->sent_start[0] = 0;
    c->sent_start[++c->n_sent] = c->n_tokens;
    return RECUR_OK;
}


/* Parses one file's text in place: NULs end the words and tags. */
static recur_status parse_file(recur_tagged_corpus *c, const char *path, char *text, size_t len, recur_tagset tagset,
                               recur_error *err)
{
    size_t line = 0;
    for (size_t pos = 0; pos < len; line++) {
        char *eol = memchr(text + pos, '\n', len - pos);
        size_t end = eol ? (size_t)(eol - text) : len;
        if (eol)
            *eol = '\0';
        size_t before = c->n_tokens;
        for (size_t i = pos; i < end;) {
            while (i < end && recur_is_word_space((unsigned char)text[i]))
                i++;
            if (i == end)
                break;
            size_t start = i;
            while (i < end && !recur_is_word_space((unsigned char)text[i]))
                i++;
            char *tok = text + start;
            size_t tlen = i - start;
            char *slash = NULL;
            for (size_t k = tlen; k-- > 0 && !slash;)
                if (tok[k] == '/')
                    slash = tok + k;
            if (!slash || slash == tok || slash == tok + tlen - 1)
                return recur_fail(err, RECUR_E_FORMAT, "%s:%zu: token '%.*s' is not word/TAG", path, line + 1,
                                  (int)(tlen > 60 ? 60 : tlen), tok);
            *slash = '\0';
            if (i < end)
                text[i++] = '\0';
            const char *tag = slash + 1;
            if (tagset == RECUR_TAGSET_UNIVERSAL)
                tag = recur_brown_universal(tag);
            recur_status st = push_token(c, tok, tag, err);
            if (st)
                return st;
        }
        if (c->n_tokens > before) {
            recur_status st = end_sentence(c, err);
            if (st)
                return st;
        }
        pos = end + 1;
    }
    return RECUR_OK;
}

static recur_status corpus_new(recur_tagged_corpus **out, int n_files, recur_error *err)
{
    recur_tagged_corpus *c = calloc(1, sizeof *c);
    if (c)
        c->bufs = calloc((size_t)(n_files > 0 ? n_files : 1), sizeof *c->bufs);
    if (!c || !c->bufs) {
        free(c);
        return recur_fail_nomem(err, "a tagged corpus");
    }
    *out = c;
    return RECUR_OK;
}

recur_status recur_tagged_read(const char *const *paths, int n_paths, recur_tagset tagset, int holdout_every,
                               recur_tagged_corpus **train, recur_tagged_corpus **test, recur_error *err)
{
    *train = NULL;
    if (test)
        *test = NULL;
    if (n_paths < 1)
        return recur_fail(err, RECUR_E_ARG, "no tagged files given");
    int split = holdout_every > 1 && test;
    recur_tagged_corpus *tr = NULL, *te = NULL;
    recur_status st = corpus_new(&tr, n_paths, err);
    if (!st && split)
        st = corpus_new(&te, n_paths, err);
    for (int i = 0; i < n_paths && !st; i++) {
        recur_tagged_corpus *c = split && i % holdout_every == holdout_every - 1 ? te : tr;
        char *text = NULL;
        size_t len = 0;
        st = recur_read_file(paths[i], &text, &len, err);
        if (st)
            break;
        c->bufs[c->n_bufs++] = text;
        if (memchr(text, '\0', len))
            st = recur_fail(err, RECUR_E_FORMAT, "%s: contains a NUL byte (binary data?)", paths[i]);
        else if ((st = recur_utf8_validate(text, len, err)))
            recur_error_prefix(err, "%s", paths[i]);
        else
            st = parse_file(c, paths[i], text, len, tagset, err);
    }
    if (!st && tr->n_sent == 0)
        st = recur_fail(err, RECUR_E_FORMAT, "%s%s: no tagged sentences", paths[0], n_paths > 1 ? " ..." : "");
    if (!st && te && te->n_sent == 0)
        st = recur_fail(err, RECUR_E_FORMAT, "the held-out files have no tagged sentences");
    if (st) {
        recur_tagged_free(tr);
        recur_tagged_free(te);
        return st;
    }
    *train = tr;
    if (test)
        *test = te;
    return RECUR_OK;
}

void recur_tagged_free(recur_tagged_corpus *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n_bufs; i++)
        free(c->bufs[i]);
    free(c->bufs);
    free(c->words);
    free(c->tags);
    free(c->sent_start);
    free(c);
}

int recur_tagged_sentences(const recur_tagged_corpus *c) { return c->n_sent; }
size_t recur_tagged_tokens(const recur_tagged_corpus *c) { return c->n_tokens; }

RECUR_ENUM_NAMES(recur_tagset, recur_tagset_name, recur_tagset_parse, "tagset", "full", "universal")
