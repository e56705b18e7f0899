/* The step loop of a window, shared among threads by what each can do.
 *
 * The streams of a window are independent through the whole recurrence, so
 * they are cut into groups, and each group's steps into blocks; a task is
 * one block of one group and needs only the block before it in the same
 * group. Threads take groups as they are free and keep the one they have,
 * block after block, while no faster thread waits for work (then they hand
 * it over at the end of a block). With two groups a thread and a few blocks
 * a group, a thread whose core is shared with another busy process does
 * fewer tasks instead of holding the others back: measured on 2 cores with
 * one competing process, fixed equal halves of the streams trained no
 * faster on 2 threads than on 1.
 *
 * Each stream's numbers are the same whichever thread runs which task and
 * with which neighbours: each row of the step's products is summed in one
 * order however many rows a call has, and the cells work stream by stream. */
#ifndef RECUR_NN_STEP_TASKS_H
#define RECUR_NN_STEP_TASKS_H

/* Runs steps [t0, t1) of streams [b0, b1), in the direction of the pass. */
typedef void (*rnn_task_fn)(void *ctx, int b0, int b1, int t0, int t1);

/* Runs every task of a window of T steps and B streams, each block of a
 * group after the one before it: blocks in increasing time, or with
 * reverse in decreasing time (backward). On the OpenMP team when parallel
 * is set and the team has more than one thread; otherwise one call
 * fn(ctx, 0, B, 0, T). */
void rnn_run_step_tasks(int B, int T, int reverse, int parallel, rnn_task_fn fn, void *ctx);

#endif
