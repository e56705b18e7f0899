/* Token ids to text (see text_join.h). */
#include "sample/text_join.h"

void text_join_init(text_join *j, const recur_vocab *v)
{
    j->v = v;
    j->word = recur_vocab_level(v) == RECUR_LEVEL_WORD;
    j->eos = j->word ? recur_vocab_find(v, "<eos>", 5) : -1;
    j->need_space = 0;
}

void text_join_next(text_join *j, int32_t id, const char **sep, const char **tok)
{
    *sep = "";
    if (!j->word) {
        *tok = recur_vocab_token(j->v, id);
        return;
    }
    if (id == j->eos) {
        *tok = "\n";
        j->need_space = 0;
        return;
    }
    *sep = j->need_space ? " " : "";
    *tok = recur_vocab_token(j->v, id);
    j->need_space = 1;
}
