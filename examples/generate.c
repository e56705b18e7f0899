/* README's library example: load a character model and print 200
 * characters sampled from it.
 *
 *   cc generate.c $(pkg-config --cflags --libs recur) -o generate
 *   ./generate shakespeare.safetensors
 */
#include <stdio.h>

#include <recur.h>

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "shakespeare.safetensors";
    recur_error err;
    recur_model *m;
    if (recur_model_load(path, &m, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    const recur_vocab *v = recur_model_vocab(m);
    recur_sampler *s;
    if (recur_sampler_create(m, 42, &s, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        recur_model_free(m);
        return 1;
    }
    int32_t id = recur_vocab_find(v, "\n", 1); /* prime with a newline */
    for (int i = 0; i < 200; i++) {
        if (recur_sampler_feed(s, id < 0 ? 0 : id, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            break;
        }
        id = recur_sampler_pick(s, RECUR_SAMPLE_WEIGHTED, 0.8f, 0);
        fputs(recur_vocab_token(v, id), stdout);
    }
    putchar('\n');
    recur_sampler_free(s);
    recur_model_free(m);
    return 0;
}
