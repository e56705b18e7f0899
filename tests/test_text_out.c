/* Token ids to text: stop strings found across token boundaries and never
 * shown, the held-back tail released when no stop follows, words joined by
 * single spaces with <eos> as a new line. */
#include <stdlib.h>
#include <string.h>

#include "recur.h"
#include "test.h"

/* Pushes the characters of `push` one token each through a text output
 * with the given stops; returns the text shown (static) and whether a stop
 * ended it. */
static const char *run(const recur_vocab *v, const char *const *stop, int n_stop, const char *const *tokens, int n,
                       int *stopped, int *stopped_at)
{
    static char shown[256];
    size_t used = 0;
    recur_text_out *t = NULL;
    recur_error err = {0};
    CHECK(recur_text_out_create(v, stop, n_stop, &t, &err) == RECUR_OK);
    *stopped = 0;
    *stopped_at = -1;
    for (int i = 0; i < n && t; i++) {
        const char *piece;
        size_t len;
        int32_t id = recur_vocab_find(v, tokens[i], strlen(tokens[i]));
        CHECK(id >= 0);
        int s = recur_text_out_push(t, id, &piece, &len);
        memcpy(shown + used, piece, len);
        used += len;
        if (s) {
            *stopped = 1;
            *stopped_at = i;
            break;
        }
    }
    if (t && !*stopped) {
        const char *piece;
        size_t len;
        recur_text_out_flush(t, &piece, &len);
        memcpy(shown + used, piece, len);
        used += len;
    }
    shown[used] = '\0';
    recur_text_out_free(t);
    return shown;
}

static void check_chars(void)
{
    recur_error err = {0};
    const char *text = "abcd xyz\n하늘";
    recur_vocab *v = NULL;
    CHECK(recur_vocab_build(text, strlen(text), RECUR_LEVEL_CHAR, &v, &err) == RECUR_OK);
    int stopped, at;
    const char *abcdx[] = {"a", "b", "c", " ", "d", "x"};
    const char *s1[] = {"bc d"};
    CHECK(strcmp(run(v, s1, 1, abcdx, 6, &stopped, &at), "a") == 0 && stopped && at == 4);
    /* a false start is released once it cannot be a stop */
    const char *s2[] = {"abd"};
    CHECK(strcmp(run(v, s2, 1, abcdx, 6, &stopped, &at), "abc dx") == 0 && !stopped);
    /* overlapping: "aab" in a, a, a, b */
    const char *aaab[] = {"a", "a", "a", "b", "c"};
    const char *s3[] = {"aab"};
    CHECK(strcmp(run(v, s3, 1, aaab, 5, &stopped, &at), "a") == 0 && stopped && at == 3);
    /* the earliest stop wins, whichever is listed first */
    const char *xyz[] = {"a", "x", "y", "z"};
    const char *s4[] = {"yz", "xyz"};
    CHECK(strcmp(run(v, s4, 2, xyz, 4, &stopped, &at), "a") == 0 && stopped);
    /* a stop of one token, and a new line */
    const char *s5[] = {"\n"};
    const char *line[] = {"a", "b", "\n", "c"};
    CHECK(strcmp(run(v, s5, 1, line, 4, &stopped, &at), "ab") == 0 && stopped && at == 2);
    /* multi-byte characters: a stop of two Korean syllables over two tokens */
    const char *ko[] = {"a", "하", "늘", "b"};
    const char *s6[] = {"하늘"};
    CHECK(strcmp(run(v, s6, 1, ko, 4, &stopped, &at), "a") == 0 && stopped && at == 2);
    /* a held tail that never completes is shown at the end */
    const char *tail[] = {"x", "a", "b"};
    const char *s7[] = {"abc"};
    CHECK(strcmp(run(v, s7, 1, tail, 3, &stopped, &at), "xab") == 0 && !stopped);
    /* no stops: everything as it comes */
    CHECK(strcmp(run(v, NULL, 0, abcdx, 6, &stopped, &at), "abc dx") == 0 && !stopped);
    /* bad stops */
    recur_text_out *t = NULL;
    const char *empty[] = {"ab", ""};
    CHECK(recur_text_out_create(v, empty, 2, &t, &err) == RECUR_E_ARG && strstr(err.msg, "stop string 2") && !t);
    CHECK(recur_text_out_create(v, NULL, 1, &t, &err) == RECUR_E_ARG && !t);
    /* after a stop, nothing more */
    CHECK(recur_text_out_create(v, s5, 1, &t, &err) == RECUR_OK);
    const char *piece;
    size_t len;
    CHECK(recur_text_out_push(t, recur_vocab_find(v, "\n", 1), &piece, &len) == 1 && len == 0);
    CHECK(recur_text_out_push(t, recur_vocab_find(v, "a", 1), &piece, &len) == 1 && len == 0);
    recur_text_out_free(t);
    recur_vocab_free(v);
}

static void check_words(void)
{
    recur_error err = {0};
    const char *tokens[] = {"the", "company", "said", "<eos>", "filed"};
    recur_vocab *v = NULL;
    CHECK(recur_vocab_from_tokens(tokens, 5, RECUR_LEVEL_WORD, &v, &err) == RECUR_OK);
    recur_text_out *t = NULL;
    CHECK(recur_text_out_create(v, NULL, 0, &t, &err) == RECUR_OK);
    /* after the prime "the company said", the first word needs its space */
    recur_text_out_seen(t, recur_vocab_find(v, "the", 3));
    recur_text_out_seen(t, recur_vocab_find(v, "company", 7));
    recur_text_out_seen(t, recur_vocab_find(v, "said", 4));
    const char *seq[] = {"filed", "<eos>", "the", "company", "<eos>"};
    char shown[128] = "the company said";
    for (int i = 0; i < 5; i++) {
        const char *piece;
        size_t len;
        recur_text_out_push(t, recur_vocab_find(v, seq[i], strlen(seq[i])), &piece, &len);
        strncat(shown, piece, len);
    }
    CHECK_MSG(strcmp(shown, "the company said filed\nthe company\n") == 0, "words joined as '%s'", shown);
    recur_text_out_free(t);
    /* a stop across words and their space */
    int stopped, at;
    const char *words[] = {"the", "company", "said", "filed"};
    const char *stop[] = {"company sa"};
    CHECK(strcmp(run(v, stop, 1, words, 4, &stopped, &at), "the ") == 0 && stopped && at == 2);
    /* <eos> is a new line: a "\n" stop ends the sample there */
    const char *lines[] = {"the", "<eos>", "said"};
    const char *nl[] = {"\n"};
    CHECK(strcmp(run(v, nl, 1, lines, 3, &stopped, &at), "the") == 0 && stopped && at == 1);
    recur_vocab_free(v);
}

int main(void)
{
    check_chars();
    check_words();
    return test_report();
}
