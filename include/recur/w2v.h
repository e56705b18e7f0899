/* word2vec: skip-gram and CBOW word embeddings trained with negative
 * sampling, noise-contrastive estimation or hierarchical softmax; the
 * word2vec text and binary vector formats; analogy, similarity and
 * nearest-neighbour evaluation; and a 2-D t-SNE map written as SVG. */
#ifndef RECUR_W2V_H
#define RECUR_W2V_H

#include "recur/api.h"

#include <stddef.h>
#include <stdint.h>

#include "recur/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Training ---------------------------------------------------------- */

/* Reported about twice a second from one training thread. */
typedef struct recur_w2v_progress {
    int64_t words_done;     /* corpus words read so far, all threads and epochs */
    int64_t words_total;    /* iter x words in the vocabulary-filtered corpus */
    double alpha;           /* current learning rate */
    double elapsed_s;
    double words_per_sec_per_thread;
    double eta_s;
} recur_w2v_progress;

typedef void (*recur_w2v_progress_fn)(const recur_w2v_progress *p, void *user);

/* The defaults (recur_w2v_options_default) are word2vec.c's. */
typedef struct recur_w2v_options {
    int cbow;           /* 0: skip-gram (default), 1: CBOW (mean of the context) */
    int size;           /* vector dimension, 100 */
    int window;         /* maximum context distance, 5; each position draws 1..window */
    int negative;       /* negative samples per pair, 5 (0: none) */
    int nce;            /* noise samples for the NCE loss, 0; > 0 replaces negative sampling */
    int hs;             /* 1: also train a hierarchical softmax over a Huffman tree */
    double sample;      /* sub-sampling threshold, 1e-3 (0: keep every word) */
    int min_count;      /* words seen fewer times are dropped, 5 */
    double alpha;       /* starting learning rate; 0 picks 0.025 (skip-gram) or 0.05 (CBOW) */
    int iter;           /* epochs, 5 */
    int threads;        /* training threads (lock-free updates), 1 */
    uint64_t seed;      /* thread i's generator is seeded from (seed, i); 1 */
    int max_sentence;   /* words per sentence, 1000 (as word2vec.c) */
    int plain;          /* 1: the straightforward reference implementation (scalar loops,
                         * a 1e8-entry noise table and a sigmoid table, as word2vec.c), for
                         * measuring what the tuned kernels gain */
    recur_w2v_progress_fn progress; /* may be NULL */
    void *progress_user;
} recur_w2v_options;

RECUR_API void recur_w2v_options_default(recur_w2v_options *o);

typedef struct recur_w2v_stats {
    int64_t vocab_size;     /* words kept (with "</s>") */
    int64_t corpus_words;   /* tokens in the text, before min-count */
    int64_t train_words;    /* tokens whose word is in the vocabulary (with "</s>") */
    int64_t words_done;     /* words read during training, all epochs */
    double seconds;         /* training time (vocabulary building excluded) */
    double words_per_sec_per_thread;
} recur_w2v_stats;

/* Word vectors: count rows of dim floats, and their words in row order. */
typedef struct recur_w2v_vectors {
    int count;
    int dim;
    char **words;
    float *data; /* count x dim, row-major */
} recur_w2v_vectors;

/* Trains on a text of whitespace-separated words; each line end is the
 * sentence marker "</s>" (row 0 of the result, as word2vec.c). Rows follow
 * descending frequency. stats may be NULL. */
RECUR_API recur_status recur_w2v_train(const char *text, size_t len, const recur_w2v_options *o,
                                       recur_w2v_vectors **out, recur_w2v_stats *stats, recur_error *err);
RECUR_API recur_status recur_w2v_train_file(const char *path, const recur_w2v_options *o,
                                            recur_w2v_vectors **out, recur_w2v_stats *stats, recur_error *err);

/* ---- Vector files ------------------------------------------------------ */

typedef enum recur_w2v_format {
    RECUR_W2V_AUTO = 0,  /* load: tell binary from text by the first record */
    RECUR_W2V_TEXT = 1,  /* "count dim\n" then "word v1 v2 ...\n" */
    RECUR_W2V_BINARY = 2 /* "count dim\n" then "word " + dim little-endian float32 + "\n" */
} recur_w2v_format;

/* Writes atomically (no partial file on failure). Text floats are printed
 * with 9 significant digits, so a text file also reads back bit-exactly. */
RECUR_API recur_status recur_w2v_save(const recur_w2v_vectors *v, const char *path, recur_w2v_format fmt,
                                      recur_error *err);
/* Reads the first `limit` rows (0: all). */
RECUR_API recur_status recur_w2v_load(const char *path, recur_w2v_format fmt, int limit,
                                      recur_w2v_vectors **out, recur_error *err);
/* The same from bytes in memory (name is used in error messages). */
RECUR_API recur_status recur_w2v_parse(const char *data, size_t len, const char *name, recur_w2v_format fmt,
                                       int limit, recur_w2v_vectors **out, recur_error *err);
RECUR_API void recur_w2v_vectors_free(recur_w2v_vectors *v);

/* ---- Lookup and evaluation --------------------------------------------- */

/* Unit-length copies of the first `top` rows (0: all) with a word lookup.
 * With fold_case, lookups ignore ASCII case (as word2vec.c's
 * compute-accuracy) and the most frequent spelling wins. */
typedef struct recur_w2v_index recur_w2v_index;

RECUR_API recur_status recur_w2v_index_create(const recur_w2v_vectors *v, int top, int fold_case,
                                              recur_w2v_index **out, recur_error *err);
RECUR_API void recur_w2v_index_free(recur_w2v_index *ix);
RECUR_API int recur_w2v_index_size(const recur_w2v_index *ix);
RECUR_API int recur_w2v_index_dim(const recur_w2v_index *ix);
RECUR_API int recur_w2v_index_find(const recur_w2v_index *ix, const char *word);
RECUR_API const char *recur_w2v_index_word(const recur_w2v_index *ix, int id);
RECUR_API const float *recur_w2v_index_unit(const recur_w2v_index *ix, int id);

/* The k rows with the highest cosine to query (any length, not zero),
 * skipping the ids in exclude; best first. Returns how many were found. */
RECUR_API int recur_w2v_nearest(const recur_w2v_index *ix, const float *query, const int *exclude,
                                int nexclude, int k, int *ids, float *cosines);

typedef struct recur_w2v_section {
    char name[64];
    int semantic;   /* 1 unless the name starts with "gram" */
    int questions;  /* lines in the section */
    int seen;       /* questions whose four words are all in the index */
    int correct;
} recur_w2v_section;

typedef struct recur_w2v_analogy_result {
    int nsections;
    recur_w2v_section *sections;
    int questions, seen, correct;
    int sem_seen, sem_correct, syn_seen, syn_correct;
} recur_w2v_analogy_result;

/* Scores questions-words.txt style text (": section" lines, then
 * "a b c d" lines): a question is right when the nearest word to
 * b - a + c, other than a, b and c, is d. */
RECUR_API recur_status recur_w2v_analogy(const recur_w2v_index *ix, const char *text, size_t len,
                                         const char *name, recur_w2v_analogy_result *res, recur_error *err);
RECUR_API void recur_w2v_analogy_result_free(recur_w2v_analogy_result *res);

typedef struct recur_w2v_similarity_result {
    int pairs;       /* scored pairs in the file */
    int found;       /* pairs with both words in the index */
    double spearman; /* rank correlation over the found pairs (NaN if under 2) */
} recur_w2v_similarity_result;

/* Scores "word1<TAB>word2<TAB>score" lines (lines starting with '#' are
 * skipped; spaces also separate) by the Spearman correlation between the
 * human scores and the cosines, ties given their average rank. */
RECUR_API recur_status recur_w2v_similarity(const recur_w2v_index *ix, const char *text, size_t len,
                                            const char *name, recur_w2v_similarity_result *res,
                                            recur_error *err);
/* Spearman's rho of two samples (average ranks for ties). */
RECUR_API double recur_spearman(const double *x, const double *y, int n);

/* ---- Maps -------------------------------------------------------------- */

typedef struct recur_tsne_options {
    double perplexity;    /* 30 (capped at (n - 1) / 3) */
    int iterations;       /* 1000 */
    double learning_rate; /* 200 */
    uint64_t seed;        /* 1 */
} recur_tsne_options;

RECUR_API void recur_tsne_options_default(recur_tsne_options *o);
/* Exact t-SNE (van der Maaten and Hinton 2008) of n points of dim floats
 * (row-major) into y (n x 2). O(n^2) time and memory: n is limited to 5000. */
RECUR_API recur_status recur_tsne(const float *x, int n, int dim, const recur_tsne_options *o, float *y,
                                  recur_error *err);

/* Writes an SVG with a dot and a label for each of the n points of y
 * (n x 2), and a line for each pair of point indices. */
RECUR_API recur_status recur_w2v_map_svg(const char *path, const char *const *labels, const float *y, int n,
                                         const int *pairs, int npairs, const char *title, recur_error *err);

#ifdef __cplusplus
}
#endif
#endif
