/* Hostile sizes: files and settings whose sizes are huge, overflow 64-bit
 * products or are zero must be refused with a message that says what is
 * wrong, before anything of that size is allocated. Also the regression tests
 * for crashes the fuzzers found (docs/robustness.md). */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/safetensors.h"
#include "model/checkpoint.h"
#include "recur.h"
#include "test.h"
#include "w2v/vocab.h"

/* u64 header length, the header, then data_len zero bytes. */
static unsigned char *make_file(const char *header, size_t data_len, size_t *size)
{
    size_t hlen = strlen(header);
    *size = 8 + hlen + data_len;
    unsigned char *b = calloc(1, *size);
    if (!b) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (int k = 0; k < 8; k++)
        b[k] = (unsigned char)((uint64_t)hlen >> (8 * k));
    memcpy(b + 8, header, hlen);
    return b;
}

/* Parses a header + zero data as a checkpoint; returns the status and the
 * message in err. */
static recur_status load_checkpoint(const char *header, size_t data_len, recur_error *err)
{
    size_t size;
    unsigned char *bytes = make_file(header, data_len, &size);
    st_file *f = NULL;
    recur_status st = st_parse(bytes, size, &f, err);
    free(bytes);
    if (st)
        return st;
    recur_model *m = NULL;
    st = checkpoint_load_parsed(f, &m, err);
    recur_model_free(m);
    st_free(f);
    return st;
}

#define META(config, vocab) "\"__metadata__\":{\"recur.config\":\"" config "\",\"recur.vocab\":\"" vocab "\"}"
#define LSTM_CONFIG(layers, hidden, vocab)                                                                      \
    "{\\\"level\\\":\\\"char\\\",\\\"cell\\\":\\\"lstm\\\",\\\"layers\\\":" #layers ",\\\"hidden\\\":" #hidden \
    ",\\\"embed\\\":" #hidden ",\\\"vocab_size\\\":" #vocab ",\\\"tied\\\":false}"

static void expect(recur_status st, const recur_error *err, recur_status want, const char *text)
{
    CHECK_MSG(st == want, "status %d, want %d (%s)", (int)st, (int)want, err->msg);
    CHECK_MSG(strstr(err->msg, text) != NULL, "message '%s' lacks '%s'", err->msg, text);
}

/* A config that needs gigabytes of parameters, in a file of 16 data bytes:
 * refused from the sizes alone (the old loader allocated the parameter block
 * first and only then found the tensors missing). */
static void test_config_larger_than_file(void)
{
    recur_error err = {0};
    const char *h = "{" META(LSTM_CONFIG(4, 16384, 2), "[\\\"a\\\",\\\"b\\\"]")
                    ",\"encoder.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";
    recur_status st = load_checkpoint(h, 16, &err);
    expect(st, &err, RECUR_E_FORMAT, "more than the 16 bytes of tensor data can hold");

    /* The largest sizes the config allows overflow no product: "too large". */
    h = "{" META(LSTM_CONFIG(64, 65536, 16777216), "[]") "}";
    st = load_checkpoint(h, 0, &err);
    expect(st, &err, RECUR_E_FORMAT, "model too large");

    /* Beyond the allowed sizes. */
    h = "{" META(LSTM_CONFIG(1, 4294967296, 2), "[]") "}";
    st = load_checkpoint(h, 0, &err);
    CHECK_MSG(st == RECUR_E_FORMAT, "hidden 2^32: %s", err.msg);
    h = "{" META(LSTM_CONFIG(1, 4, 16777217), "[]") "}";
    st = load_checkpoint(h, 0, &err);
    expect(st, &err, RECUR_E_FORMAT, "16777216");
}

/* A vocabulary count that disagrees with the token list, and a huge one. */
static void test_vocab_sizes(void)
{
    recur_error err = {0};
    /* 1 layer of 1 unit over 3 tokens: 3*1 + 3*1 + 3 + 4*1*(1+1+2) = 25 floats. */
    const char *h = "{" META(LSTM_CONFIG(1, 1, 3), "[\\\"a\\\",\\\"b\\\"]") ",\"pad\":{\"dtype\":\"F32\",\"shape\":[25],"
                    "\"data_offsets\":[0,100]}}";
    recur_status st = load_checkpoint(h, 100, &err);
    expect(st, &err, RECUR_E_FORMAT, "recur.vocab has 2 tokens but recur.config says vocab_size 3");
}

/* Zero-length tensors: allowed by the format, refused where the model needs
 * data. */
static void test_zero_length(void)
{
    recur_error err = {0};
    const char *h = "{" META(LSTM_CONFIG(1, 1, 2), "[\\\"a\\\",\\\"b\\\"]")
                    ",\"encoder.weight\":{\"dtype\":\"F32\",\"shape\":[0,1],\"data_offsets\":[0,0]},"
                    "\"pad\":{\"dtype\":\"F32\",\"shape\":[22],\"data_offsets\":[0,88]}}";
    recur_status st = load_checkpoint(h, 88, &err);
    expect(st, &err, RECUR_E_FORMAT, "tensor 'encoder.weight' should have shape [2, 1]");

    /* A zero dimension next to dimensions whose product overflows is empty,
     * not an overflow, and takes no bytes. */
    size_t size;
    unsigned char *bytes = make_file(
        "{\"z\":{\"dtype\":\"F64\",\"shape\":[4294967296,0,4294967296],\"data_offsets\":[0,0]}}", 0, &size);
    st_file *f = NULL;
    st = st_parse(bytes, size, &f, &err);
    CHECK_MSG(st == RECUR_OK, "%s", err.msg);
    if (f) {
        CHECK(f->count == 1 && st_tensor_numel(&f->tensors[0]) == 0);
        float dummy;
        CHECK(st_tensor_to_f32(f, &f->tensors[0], &dummy, 0, &err) == RECUR_OK);
    }
    st_free(f);
    free(bytes);

    /* An empty file and a file of 8 zero bytes (an empty header). */
    st = st_parse((const unsigned char *)"", 0, &f, &err);
    expect(st, &err, RECUR_E_FORMAT, "too short");
    static const unsigned char zeros[8] = {0};
    st = st_parse(zeros, 8, &f, &err);
    expect(st, &err, RECUR_E_FORMAT, "JSON");
}

/* A header length of 2^64 - 1 and one just past the file. */
static void test_header_lengths(void)
{
    recur_error err = {0};
    unsigned char b[16];
    memset(b, 0xff, 8);
    memcpy(b + 8, "{}      ", 8);
    st_file *f = NULL;
    recur_status st = st_parse(b, sizeof b, &f, &err);
    expect(st, &err, RECUR_E_FORMAT, "exceeds the limit");
    memset(b, 0, 8);
    b[0] = 9;
    st = st_parse(b, sizeof b, &f, &err);
    expect(st, &err, RECUR_E_FORMAT, "runs past the end of the file");
}

/* Training settings whose product or size is out of range. */
static void test_training_sizes(void)
{
    recur_error err = {0};
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.batch = 100000;
    tc.seq = 100000;
    expect(recur_train_config_check(&tc, &err), &err, RECUR_E_ARG, "too large");
    tc.batch = 0;
    tc.seq = 1;
    expect(recur_train_config_check(&tc, &err), &err, RECUR_E_ARG, "--batch");

    recur_config cfg;
    recur_config_default(&cfg);
    cfg.layers = 64;
    cfg.hidden = 65536;
    cfg.vocab_size = 1 << 24;
    recur_vocab *v = NULL;
    CHECK(recur_vocab_build("ab", 2, RECUR_LEVEL_CHAR, &v, &err) == RECUR_OK);
    recur_model *m = NULL;
    expect(recur_model_create(&cfg, v, 1, &m, &err), &err, RECUR_E_ARG, "model too large");
    CHECK(m == NULL);
    recur_vocab_free(v);
}

/* word2vec headers that promise more rows than the bytes hold. */
static void test_w2v_headers(void)
{
    recur_error err = {0};
    recur_w2v_vectors *v = NULL;
    const char *big = "2147483647 2147483647\nw 1\n";
    expect(recur_w2v_parse(big, strlen(big), "big", RECUR_W2V_AUTO, 0, &v, &err), &err, RECUR_E_FORMAT,
           "more than 26 bytes hold");
    CHECK(v == NULL);
    const char *huge = "99999999999999999999 1\n";
    expect(recur_w2v_parse(huge, strlen(huge), "huge", RECUR_W2V_TEXT, 0, &v, &err), &err, RECUR_E_FORMAT,
           "too large");
    const char *zero = "0 5\n";
    expect(recur_w2v_parse(zero, strlen(zero), "zero", RECUR_W2V_TEXT, 0, &v, &err), &err, RECUR_E_FORMAT,
           "0 words");
    /* Binary rows cut short. */
    const char bin[] = "2 4\na \x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\nb \x01\x02";
    expect(recur_w2v_parse(bin, sizeof bin - 1, "bin", RECUR_W2V_BINARY, 0, &v, &err), &err, RECUR_E_FORMAT,
           "record 2");
}

/* Found by fuzz_word_corpus: a text of only blanks made w2v_vocab_build read
 * through a NULL count array (recur w2v train died with SIGSEGV). */
static void test_w2v_blank_text(void)
{
    recur_error err = {0};
    const char *inputs[] = {"   ", " \t\r\v\f", ""};
    for (int i = 0; i < 3; i++) {
        w2v_vocab v;
        int32_t *ids = NULL;
        size_t n = 0;
        recur_status st = w2v_vocab_build(inputs[i], strlen(inputs[i]), 1, &v, &ids, &n, &err);
        expect(st, &err, RECUR_E_FORMAT, "no words");
        CHECK(ids == NULL && n == 0);
    }
}

int main(void)
{
    test_config_larger_than_file();
    test_vocab_sizes();
    test_zero_length();
    test_header_lengths();
    test_training_sizes();
    test_w2v_headers();
    test_w2v_blank_text();
    return test_report();
}
