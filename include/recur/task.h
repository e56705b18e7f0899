/* The other shapes of sequence problems, on bidirectional (or forward-only)
 * recurrent stacks:
 *   many-to-many  sequence labelling: a tag per word (recur_tagger_*)
 *   cloze         fill masked characters from both sides (recur_cloze_*)
 *   many-to-one   classification: one label per text (recur_classifier_*)
 * The models are ordinary recur models (recur_model_load / recur_model_save)
 * whose config has a task other than RECUR_TASK_LM. */
#ifndef RECUR_TASK_H
#define RECUR_TASK_H

#include "recur/api.h"

#include <stddef.h>
#include <stdint.h>

#include "recur/error.h"
#include "recur/model.h"
#include "recur/train.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Characters a char-level task vocabulary reserves (private-use code points,
 * UTF-8): the cloze mask and the stand-in for characters unseen in training. */
#define RECUR_TASK_MASK_CHAR "\xee\x80\x80"    /* U+E000 */
#define RECUR_TASK_UNKNOWN_CHAR "\xee\x80\x81" /* U+E001 */

typedef struct recur_task_train_config {
    /* The update, as the language-model trainer makes it (recur/train.h):
     * batch is sequences per batch (fewer when they are long), lr_decay
     * multiplies the learning rate after every epoch, seed also orders the
     * batches and draws the cloze masks; seq, the schedule's other fields
     * and loss_scale are not used. */
    recur_train_config train;
    int epochs;
    float mask_rate;  /* cloze: share of characters masked per sequence */
    int max_span;     /* cloze: masked runs are 1..max_span characters */
    int log_every;    /* progress every this many steps (0: once per epoch) */
} recur_task_train_config;

/* epochs 5, batch 32, Adam 2e-3, decay 1, clip 5, mask 0.15 in runs of up to 3. */
RECUR_API void recur_task_train_config_default(recur_task_train_config *tc);

typedef struct recur_task_progress {
    int epoch, epochs;
    int64_t step;         /* updates so far */
    int batch, batches;   /* 1-based batch within the epoch, batches per epoch */
    double loss;          /* mean nats per target over this epoch so far */
    double seconds;       /* since training started */
    int epoch_end;
} recur_task_progress;
typedef void (*recur_task_progress_fn)(void *ctx, const recur_task_progress *p);

/* ---- Sequence labelling ------------------------------------------------ */

typedef enum recur_tagset {
    RECUR_TAGSET_FULL = 0,  /* the tags as written */
    RECUR_TAGSET_UNIVERSAL  /* Brown tags mapped to the 12 universal tags */
} recur_tagset;

/* "full", "universal". */
RECUR_API const char *recur_tagset_name(recur_tagset tagset);
RECUR_API recur_status recur_tagset_parse(const char *name, recur_tagset *tagset, recur_error *err);

/* Maps a Brown corpus tag ("nn-tl", "ppss+bem", "vbd*", ",") to one of the
 * 12 universal tags (NOUN VERB ADJ ADV PRON DET ADP NUM CONJ PRT . X). */
RECUR_API const char *recur_brown_universal(const char *tag);

typedef struct recur_tagged_corpus recur_tagged_corpus;

/* Reads word/TAG files: one sentence per line, tokens separated by white
 * space, each split at its last '/'. Blank lines are skipped. A token
 * without '/', or with an empty word or tag, is an error naming the file
 * and line. With holdout_every N > 1, every N-th file (the N-th, 2N-th, ...
 * in the order given) goes to *test, the rest to *train; with N <= 1 all go
 * to *train and *test is NULL. */
RECUR_API recur_status recur_tagged_read(const char *const *paths, int n_paths, recur_tagset tagset, int holdout_every,
                                         recur_tagged_corpus **train, recur_tagged_corpus **test, recur_error *err);
RECUR_API void recur_tagged_free(recur_tagged_corpus *c);
RECUR_API int recur_tagged_sentences(const recur_tagged_corpus *c);
RECUR_API size_t recur_tagged_tokens(const recur_tagged_corpus *c);

typedef struct recur_tagger_options {
    recur_config model;   /* cell, layers, hidden, embed, bidirectional, dropout */
    int min_count;        /* words seen fewer times are <unk> (they teach the unknown-word path) */
    int features;         /* 1: lowercase word, suffixes of 1-3 characters and word shape */
    int feature_embed;    /* width of the feature embeddings */
} recur_tagger_options;

RECUR_API void recur_tagger_options_default(recur_tagger_options *o);

RECUR_API recur_status recur_tagger_train(const recur_tagged_corpus *train, const recur_tagger_options *opt,
                                          const recur_task_train_config *tc, recur_task_progress_fn progress, void *ctx,
                                          recur_model **out, recur_error *err);

typedef struct recur_tag_eval {
    size_t tokens, correct;
    size_t unknown, unknown_correct; /* words outside the model's vocabulary */
    double accuracy, unknown_accuracy;
} recur_tag_eval;

RECUR_API recur_status recur_tagger_evaluate(const recur_model *m, const recur_tagged_corpus *test, recur_tag_eval *out,
                                             recur_error *err);
/* Tags n words; tags[i] receives a label id (recur_model_labels names it)
 * and, when probs is not NULL, probs[i * labels + j] the probability of
 * label j for word i. */
RECUR_API recur_status recur_tagger_tag(const recur_model *m, const char *const *words, int n, int *tags, float *probs,
                                        recur_error *err);

/* ---- Classification ---------------------------------------------------- */

typedef struct recur_labelled recur_labelled;

/* Reads "label TAB text" lines (UTF-8). A line without a tab, or with an
 * empty label or text, or a label with white space, is an error naming the
 * file and line. */
RECUR_API recur_status recur_labelled_read(const char *path, recur_labelled **out, recur_error *err);
RECUR_API void recur_labelled_free(recur_labelled *d);
RECUR_API int recur_labelled_count(const recur_labelled *d);
/* Moves every holdout_every-th line (the N-th, 2N-th, ...) into *test,
 * whose rows share d's text: free *test no later than d. */
RECUR_API recur_status recur_labelled_split(recur_labelled *d, int holdout_every, recur_labelled **test, recur_error *err);

/* A classifier reads at most this many characters of a text. */
#define RECUR_CLASSIFY_MAX_CHARS 200

typedef struct recur_classifier_options {
    recur_config model;   /* cell, layers, hidden, embed, bidirectional, dropout, pool */
} recur_classifier_options;

RECUR_API void recur_classifier_options_default(recur_classifier_options *o);

RECUR_API recur_status recur_classifier_train(const recur_labelled *train, const recur_classifier_options *opt,
                                              const recur_task_train_config *tc, recur_task_progress_fn progress, void *ctx,
                                              recur_model **out, recur_error *err);
/* Accuracy on labelled data (labels the model does not know count as wrong). */
RECUR_API recur_status recur_classifier_evaluate(const recur_model *m, const recur_labelled *test, double *accuracy,
                                                 size_t *count, recur_error *err);
/* The probabilities of every label for one text (probs has one slot per label). */
RECUR_API recur_status recur_classify_text(const recur_model *m, const char *text, size_t len, float *probs,
                                           recur_error *err);

/* ---- Cloze ------------------------------------------------------------- */

typedef struct recur_cloze_options {
    recur_config model;
    int chunk;            /* the text is cut into pieces of this many characters, at most 512 */
} recur_cloze_options;

RECUR_API void recur_cloze_options_default(recur_cloze_options *o);

/* Trains a char model to predict masked characters of text from both sides
 * (from the left only when model.bidirectional is 0). */
RECUR_API recur_status recur_cloze_train(const char *text, size_t len, const recur_cloze_options *opt,
                                         const recur_task_train_config *tc, recur_task_progress_fn progress, void *ctx,
                                         recur_model **out, recur_error *err);

typedef struct recur_cloze_eval {
    size_t masked, correct;
    double bits_per_char;  /* over masked characters */
    double accuracy;
} recur_cloze_eval;

/* Masks text as training does (rate, runs of 1..3, fixed seed) and scores
 * the model's predictions at the masked characters. */
RECUR_API recur_status recur_cloze_evaluate(const recur_model *m, const char *text, size_t len, int chunk, float mask_rate,
                                            uint64_t seed, recur_cloze_eval *out, recur_error *err);

typedef struct recur_fill_candidate {
    char text[64];        /* UTF-8 filling of the blank */
    double prob;          /* product of the per-character probabilities */
} recur_fill_candidate;

typedef struct recur_fill_blank {
    size_t offset;        /* byte offset of the blank in the input */
    int length;           /* characters ('_' count) */
    recur_fill_candidate cand[16];
    int n_cand;
} recur_fill_blank;

/* Finds every run of '_' in text (each one character per '_'), predicts all
 * of them at once from both sides and lists the top_k (<= 16) most probable
 * fillings of each blank, best first. *blanks is malloc'd. A text without a
 * blank is an error that says so. */
RECUR_API recur_status recur_cloze_fill(const recur_model *m, const char *text, size_t len, int top_k,
                                        recur_fill_blank **blanks, int *n_blanks, recur_error *err);

#ifdef __cplusplus
}
#endif
#endif
