/* The subcommands of `recur`, one file each (cli/cmd_NAME.c). Each returns the
 * process exit status: 0 success, 1 failure, 2 bad usage. */
#ifndef RECUR_CLI_COMMANDS_H
#define RECUR_CLI_COMMANDS_H

int cmd_train(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_w2v(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_gradflow(int argc, char **argv);

#endif
