/* Comma-separated flag values ("--cell rnn_tanh,lstm,gru"). */
#ifndef RECUR_CLI_SPLIT_COMMAS_H
#define RECUR_CLI_SPLIT_COMMAS_H

/* Splits s in place at every comma into items (empty items kept); returns
 * the count, or -1 when there are more than max items. */
int split_commas(char *s, const char **items, int max);

#endif
