/* The subcommands of `recur`, one file each (cli/cmd_NAME.c). Each returns the
 * process exit status: 0 success, 1 failure, 2 bad usage. */
#ifndef RECUR_CLI_COMMANDS_H
#define RECUR_CLI_COMMANDS_H

int cmd_train(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_average(int argc, char **argv);
int cmd_w2v(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_gradflow(int argc, char **argv);
int cmd_tag(int argc, char **argv);
int cmd_fill(int argc, char **argv);
int cmd_classify(int argc, char **argv);
/* serve/cmd_serve.c (serve/no_server.c without libmicrohttpd) */
int cmd_serve(int argc, char **argv);
/* recur train --task cloze (cli/cmd_train_task.c): returns 1 and sets *rc when it
 * handled the command; removes "--task lm" from argv and returns 0 otherwise. */
int cmd_train_task(int *argc, char **argv, int *rc);

#endif
