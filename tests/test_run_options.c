/* The run's option table and setter (recur/run.h), the saved-option log a
 * resume merges, and the plateau schedule of the trainer. */
#include <string.h>

#include "recur.h"
#include "test.h"
#include "train/run_internal.h"

static void test_table(void)
{
    int n = 0;
    const recur_run_option *t = recur_run_option_table(&n);
    CHECK(n > 40);
    for (int i = 0; i < n; i++) {
        CHECK_MSG(recur_run_option_find(t[i].name) == &t[i], "%s", t[i].name);
        for (int k = i + 1; k < n; k++)
            CHECK_MSG(strcmp(t[i].name, t[k].name) != 0, "%s twice", t[i].name);
        /* Every option but a switch shows a placeholder, never VALUE. */
        CHECK_MSG((t[i].type == RECUR_OPTION_FLAG) == (t[i].placeholder == NULL), "%s", t[i].name);
        CHECK_MSG(!t[i].placeholder || strcmp(t[i].placeholder, "VALUE") != 0, "%s", t[i].name);
        CHECK(t[i].help && t[i].help[0]);
    }
    CHECK(recur_run_option_find("--eval-batch") == recur_run_option_find("eval-batch"));
    CHECK(recur_run_option_find("bogus") == NULL);
}

static void test_set_get(void)
{
    recur_run_options o;
    recur_run_options_init(&o);
    recur_error err = {0};
    char buf[64];
    CHECK(recur_run_options_get(&o, "hidden", buf, sizeof buf, &err) == RECUR_OK && strcmp(buf, "128") == 0);
    CHECK(recur_run_options_get(&o, "lr", buf, sizeof buf, &err) == RECUR_OK && strcmp(buf, "0.002") == 0);
    CHECK(recur_run_options_get(&o, "cell", buf, sizeof buf, &err) == RECUR_OK && strcmp(buf, "lstm") == 0);
    CHECK(recur_run_options_set(&o, "hidden", "512", &err) == RECUR_OK && o.model.hidden == 512);
    CHECK(recur_run_options_set(&o, "dropout", "0.1", &err) == RECUR_OK);
    CHECK(recur_run_options_get(&o, "dropout", buf, sizeof buf, &err) == RECUR_OK && strcmp(buf, "0.1") == 0);
    CHECK(recur_run_options_set(&o, "lr-schedule", "plateau", &err) == RECUR_OK &&
          o.train.schedule == RECUR_LR_PLATEAU);
    CHECK(recur_run_options_set(&o, "cell", "gru", &err) == RECUR_OK && o.model.cell == RECUR_CELL_GRU);
    CHECK(recur_run_options_set(&o, "data", "a.txt", &err) == RECUR_OK && strcmp(o.data, "a.txt") == 0);
    CHECK(recur_run_options_set(&o, "tied", "1", &err) == RECUR_OK && o.model.tied == 1);
    /* Errors name the option as the caller spelt it. */
    CHECK(recur_run_options_set(&o, "--hidden", "0", &err) == RECUR_E_ARG);
    CHECK_MSG(strcmp(err.msg, "--hidden must be between 1 and 65536, got 0") == 0, "%s", err.msg);
    CHECK(recur_run_options_set(&o, "hidden", "x", &err) == RECUR_E_ARG);
    CHECK_MSG(strcmp(err.msg, "hidden expects an integer, got 'x'") == 0, "%s", err.msg);
    CHECK(recur_run_options_set(&o, "level", "byte", &err) == RECUR_E_ARG);
    CHECK_MSG(strcmp(err.msg, "level must be char or word, got 'byte'") == 0, "%s", err.msg);
    CHECK(recur_run_options_set(&o, "nope", "1", &err) == RECUR_E_ARG);
    CHECK(o.model.hidden == 512); /* a failed set changes nothing */
    /* The plateau schedule divides by 4 unless told. */
    CHECK_CLOSE(run_lr_decay(&o), 0.25, 1e-7);
    CHECK(recur_run_options_set(&o, "lr-decay", "0.5", &err) == RECUR_OK);
    CHECK_CLOSE(run_lr_decay(&o), 0.5, 1e-7);
    recur_run_options_free(&o);
}

/* A preset goes first whatever the order; options given win over it. */
static void test_preset_order(void)
{
    recur_error err = {0};
    for (int order = 0; order < 2; order++) {
        recur_run_options o;
        recur_run_options_init(&o);
        if (order == 0) {
            CHECK(recur_run_options_set(&o, "hidden", "24", &err) == RECUR_OK);
            CHECK(recur_run_options_set(&o, "preset", "ptb-small", &err) == RECUR_OK);
        } else {
            CHECK(recur_run_options_set(&o, "preset", "ptb-small", &err) == RECUR_OK);
            CHECK(recur_run_options_set(&o, "hidden", "24", &err) == RECUR_OK);
        }
        CHECK(o.model.hidden == 24);
        CHECK(o.model.level == RECUR_LEVEL_WORD && o.train.optimizer == RECUR_OPT_SGD && o.train.seq == 20);
        CHECK_CLOSE(o.train.lr, 1.0, 1e-7);
        CHECK(o.epochs == 13 && o.preset && strcmp(o.preset, "ptb-small") == 0);
        CHECK(recur_run_options_set(&o, "preset", "ptb-huge", &err) == RECUR_E_ARG);
        CHECK(strstr(err.msg, "unknown preset 'ptb-huge'") != NULL);
        CHECK(o.model.hidden == 24 && o.epochs == 13); /* unchanged by the bad one */
        recur_run_options_free(&o);
    }
}

/* The option table's choices and the enums' name/parse pairs spell every value alike. */
static void test_enum_names(void)
{
    recur_error err = {0};
    recur_run_options o;
    recur_run_options_init(&o);
    for (int v = RECUR_OPT_SGD; v <= RECUR_OPT_RMSPROP; v++) {
        recur_optimizer back;
        CHECK(recur_run_options_set(&o, "optimizer", recur_optimizer_name((recur_optimizer)v), &err) == RECUR_OK);
        CHECK((int)o.train.optimizer == v);
        CHECK(recur_optimizer_parse(recur_optimizer_name((recur_optimizer)v), &back, &err) == RECUR_OK && (int)back == v);
    }
    for (int v = RECUR_LR_CONSTANT; v <= RECUR_LR_LINEAR; v++) {
        recur_schedule back;
        CHECK(recur_run_options_set(&o, "lr-schedule", recur_schedule_name((recur_schedule)v), &err) == RECUR_OK);
        CHECK((int)o.train.schedule == v);
        CHECK(recur_schedule_parse(recur_schedule_name((recur_schedule)v), &back, &err) == RECUR_OK && (int)back == v);
    }
    for (int v = RECUR_LOSS_MEAN; v <= RECUR_LOSS_SUM_STEPS; v++) {
        CHECK(recur_run_options_set(&o, "loss-scale", recur_loss_scale_name((recur_loss_scale)v), &err) == RECUR_OK);
        CHECK((int)o.train.loss_scale == v);
    }
    for (int v = RECUR_GRAD_SUM_BLOCK; v <= RECUR_GRAD_SUM_LAYERS; v++) {
        CHECK(recur_run_options_set(&o, "allreduce", recur_grad_sum_name((recur_grad_sum)v), &err) == RECUR_OK);
        CHECK(o.allreduce == v);
    }
    recur_schedule s;
    CHECK(recur_schedule_parse("cosin", &s, &err) == RECUR_E_ARG && strstr(err.msg, "cosine"));
    CHECK(strcmp(recur_optimizer_name((recur_optimizer)9), "?") == 0);
    recur_run_options_free(&o);
}

/* ptb-2h: the budget, its cosine decay and AWD-LSTM's dropouts; --minutes given wins. */
static void test_preset_2h(void)
{
    recur_error err = {0};
    recur_run_options o;
    recur_run_options_init(&o);
    CHECK(recur_run_options_set(&o, "preset", "ptb-2h", &err) == RECUR_OK);
    CHECK(o.model.hidden == 650 && o.model.tied == 1 && o.model.level == RECUR_LEVEL_WORD && o.train.seq == 35);
    CHECK_CLOSE(o.model.dropout, 0.4, 1e-6);
    CHECK(o.train.schedule == RECUR_LR_COSINE && o.epochs == 0 && o.train.warmup_steps == 200);
    CHECK_CLOSE(o.minutes, 120.0, 1e-12);
    CHECK(o.train.locked_dropout == 1);
    CHECK_CLOSE(o.train.embed_dropout, 0.1, 1e-7);
    CHECK_CLOSE(o.train.weight_drop, 0.2, 1e-7);
    CHECK(recur_run_options_set(&o, "minutes", "30", &err) == RECUR_OK);
    CHECK(recur_run_options_set(&o, "weight-drop", "0", &err) == RECUR_OK);
    CHECK_CLOSE(o.minutes, 30.0, 1e-12);
    CHECK(o.train.weight_drop == 0.0f && o.train.locked_dropout == 1);
    CHECK(recur_run_options_check(&o, &err) == RECUR_E_ARG && strstr(err.msg, "--out")); /* nothing else is wrong */
    recur_run_options_free(&o);
}

/* A resume puts the saved options first: the ones given now win. */
static void test_merge_saved(void)
{
    recur_run_options o;
    recur_run_options_init(&o);
    recur_error err = {0};
    CHECK(recur_run_options_set(&o, "out", "m.safetensors", &err) == RECUR_OK);
    CHECK(recur_run_options_set(&o, "steps", "20", &err) == RECUR_OK);
    const char saved[] = "--data\x1f" "a.txt\x1f--hidden\x1f" "64\x1f--steps\x1f" "10\x1f--quiet\x1f--out\x1fm.safetensors\x1f";
    CHECK(run_options_merge_saved(&o, saved, &err) == RECUR_OK);
    CHECK(o.model.hidden == 64 && o.steps == 20 && o.quiet == 1 && o.resume == 1);
    CHECK(o.data && strcmp(o.data, "a.txt") == 0);
    /* The merged log is what the next state saves: it rebuilds the same options. */
    recur_run_options copy;
    CHECK(run_options_copy(&copy, &o, &err) == RECUR_OK);
    CHECK(copy.model.hidden == 64 && copy.steps == 20 && strcmp(copy.data, "a.txt") == 0);
    recur_run_options_free(&copy);
    CHECK(run_options_merge_saved(&o, "--bogus\x1f", &err) != RECUR_OK);
    recur_run_options_free(&o);
}

/* RECUR_LR_PLATEAU: a validation no better than the best lowers the rate. */
static void test_plateau(void)
{
    const char text[] = "abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabc";
    recur_error err = {0};
    recur_vocab *v = NULL;
    recur_model *m = NULL;
    recur_trainer *t = NULL;
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.hidden = 4;
    cfg.layers = 1;
    CHECK(recur_vocab_build(text, strlen(text), RECUR_LEVEL_CHAR, &v, &err) == RECUR_OK);
    CHECK(recur_model_create(&cfg, v, 1, &m, &err) == RECUR_OK);
    int32_t *ids = NULL;
    size_t n = 0;
    CHECK(recur_vocab_encode(recur_model_vocab(m), text, strlen(text), &ids, &n, &err) == RECUR_OK);
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.batch = 2;
    tc.seq = 4;
    tc.lr = 1.0f;
    tc.schedule = RECUR_LR_PLATEAU;
    tc.lr_decay = 0.25f;
    CHECK(recur_trainer_create(m, &tc, ids, n, &t, &err) == RECUR_OK);
    CHECK_CLOSE(recur_trainer_lr(t), 1.0, 1e-12);
    CHECK(recur_trainer_observe_validation(t, 2.0) == 0); /* the first: the best */
    CHECK(recur_trainer_observe_validation(t, 1.5) == 0); /* better */
    CHECK(recur_trainer_observe_validation(t, 1.5) == 1); /* no better: / 4 */
    CHECK_CLOSE(recur_trainer_lr(t), 0.25, 1e-12);
    CHECK(recur_trainer_observe_validation(t, 1.7) == 1);
    CHECK_CLOSE(recur_trainer_lr(t), 0.0625, 1e-12);
    CHECK(recur_trainer_observe_validation(t, 1.0) == 0);
    recur_step_info info;
    CHECK(recur_trainer_step(t, &info, &err) == RECUR_OK);
    CHECK_CLOSE(info.lr, 0.0625, 1e-12);
    /* Other schedules ignore validations. */
    recur_trainer *c = NULL;
    tc.schedule = RECUR_LR_CONSTANT;
    CHECK(recur_trainer_create(m, &tc, ids, n, &c, &err) == RECUR_OK);
    CHECK(recur_trainer_observe_validation(c, 5.0) == 0 && recur_trainer_observe_validation(c, 6.0) == 0);
    CHECK_CLOSE(recur_trainer_lr(c), 1.0, 1e-12);
    /* A cancel flag set before a step stops it with nothing done. */
    volatile sig_atomic_t stop = 1;
    recur_trainer_set_cancel(c, &stop);
    CHECK(recur_trainer_step(c, &info, &err) == RECUR_E_INTERRUPTED);
    CHECK(recur_trainer_step_count(c) == 0);
    recur_trainer_free(c);
    recur_trainer_free(t);
    free(ids);
    recur_model_free(m);
}

int main(void)
{
    test_table();
    test_set_get();
    test_preset_order();
    test_preset_2h();
    test_enum_names();
    test_merge_saved();
    test_plateau();
    return test_report();
}
