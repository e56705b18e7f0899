/* libFuzzer target: the body of POST /v1/completions, as recur serve parses
 * and checks it (serve/request.c). Any input must either be refused with a
 * field and a message, or give a request within the limits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    serve_limits lim;
    serve_limits_default(&lim);
    serve_completion_req req;
    serve_bad bad;
    if (serve_completion_parse((const char *)data, size, &lim, &req, &bad) != 0) {
        if (!memchr(bad.message, 0, sizeof bad.message) || !bad.message[0])
            abort(); /* every refusal says why */
        return 0;
    }
    if (req.max_tokens < 1 || req.max_tokens > lim.max_tokens || req.n < 1 || req.n > lim.max_n ||
        req.n_stop < 0 || req.n_stop > SERVE_MAX_STOP || strlen(req.prompt) != req.prompt_len)
        abort();
    for (int i = 0; i < req.n_stop; i++)
        if (!req.stop[i][0] || strlen(req.stop[i]) > SERVE_MAX_STOP_BYTES)
            abort();
    if (recur_sample_settings_check(&req.settings, NULL) != RECUR_OK)
        abort();
    serve_completion_req_free(&req);
    return 0;
}
