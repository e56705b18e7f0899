/* Writing the trainer's metrics logs; see metrics_log.h. */
#include "viz/metrics_log.h"

#include <math.h>

/* v formatted with fmt, or "null" when v is NaN or infinite. */
static void json_number(char *buf, size_t size, const char *fmt, double v)
{
    if (isfinite(v))
        snprintf(buf, size, fmt, v);
    else
        snprintf(buf, size, "null");
}

void metrics_log_train_row(FILE *f, int64_t step, int epoch, double lr, double loss, double grad_norm, int clipped,
                           int skipped, double tokens_per_s, double elapsed_s)
{
    char loss_s[64], norm_s[64];
    json_number(loss_s, sizeof loss_s, "%.7g", loss);
    json_number(norm_s, sizeof norm_s, "%.6g", grad_norm);
    fprintf(f,
            "{\"step\":%lld,\"epoch\":%d,\"lr\":%.6g,\"train_loss\":%s,\"grad_norm\":%s,\"clipped\":%d,"
            "\"skipped\":%d,\"tokens_per_s\":%.1f,\"elapsed_s\":%.3f}\n",
            (long long)step, epoch, lr, loss_s, norm_s, clipped, skipped, tokens_per_s, elapsed_s);
    fflush(f);
}

void metrics_log_val_row(FILE *f, int64_t step, int epoch, double elapsed_s, double val_loss, size_t tokens,
                         int batch)
{
    fprintf(f, "{\"step\":%lld,\"epoch\":%d,\"elapsed_s\":%.3f,\"val_loss\":%.6f,\"val_tokens\":%zu,\"val_batch\":%d}\n",
            (long long)step, epoch, elapsed_s, val_loss, tokens, batch);
    fflush(f);
}

void metrics_log_epoch_row(FILE *f, int epoch, int64_t step, double lr, double train_ppl, double valid_ppl,
                           double words_per_s, double train_s, double elapsed_s)
{
    char train_s_ppl[64], valid_s[64];
    json_number(train_s_ppl, sizeof train_s_ppl, "%.6f", train_ppl);
    json_number(valid_s, sizeof valid_s, "%.6f", valid_ppl);
    fprintf(f,
            "{\"epoch_end\":%d,\"step\":%lld,\"learning_rate\":%.6g,\"train_ppl\":%s,\"valid_ppl\":%s,"
            "\"words_per_s\":%.1f,\"train_s\":%.3f,\"elapsed_s\":%.3f}\n",
            epoch, (long long)step, lr, train_s_ppl, valid_s, words_per_s, train_s, elapsed_s);
    fflush(f);
}

void metrics_log_test_row(FILE *f, double ppl, size_t tokens, double seconds, double ppl_batched,
                          size_t tokens_batched, double seconds_batched, int batch, int seq, double elapsed_s)
{
    fprintf(f,
            "{\"test_ppl\":%.6f,\"test_tokens\":%zu,\"test_s\":%.3f,\"test_ppl_batched\":%.6f,"
            "\"test_tokens_batched\":%zu,\"test_batched_s\":%.3f,\"test_batch\":%d,\"test_seq\":%d,"
            "\"elapsed_s\":%.3f}\n",
            ppl, tokens, seconds, ppl_batched, tokens_batched, seconds_batched, batch, seq, elapsed_s);
    fflush(f);
}

void metrics_log_settings_row(FILE *f, const char *settings, int64_t steps_done, double wall_s)
{
    fprintf(f, "{\"settings\":%s,\"steps_done\":%lld,\"wall_s\":%.3f}\n", settings, (long long)steps_done, wall_s);
    fflush(f);
}
