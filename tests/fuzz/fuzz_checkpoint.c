/* libFuzzer target: the safetensors reader and the checkpoint loader on
 * arbitrary bytes. Whatever the bytes say, parsing must fail cleanly or
 * produce a model whose every tensor converts to float32. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "io/safetensors.h"
#include "model/checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    recur_error err;
    st_file *f = NULL;
    if (st_parse(data, size, &f, &err) != RECUR_OK)
        return 0;
    /* Every tensor the reader accepted lies inside the data section, so
     * converting it reads only bytes the file holds. */
    for (size_t i = 0; i < f->count; i++) {
        const st_tensor *t = &f->tensors[i];
        uint64_t n = st_tensor_numel(t);
        if (n > (1u << 20))
            continue;
        float *dst = malloc(n ? n * sizeof *dst : 1);
        if (dst)
            (void)st_tensor_to_f32(f, t, dst, (size_t)n, &err);
        free(dst);
    }
    (void)st_metadata(f, "recur.config");
    recur_model *m = NULL;
    if (checkpoint_load_parsed(f, &m, &err) == RECUR_OK)
        recur_model_free(m);
    st_free(f);
    return 0;
}
