/* The one test of what separates words, for every reader of words (the word
 * vocabulary, tagging and classification data, word2vec). */
#ifndef RECUR_TEXT_WORD_SPACE_H
#define RECUR_TEXT_WORD_SPACE_H

/* ASCII space, tab, CR, VT, FF; the newline ends a line and so a word too. */
static inline int recur_is_word_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\n';
}

#endif
