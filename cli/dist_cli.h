/* recur train across processes: MPI is started when an MPI launcher
 * (mpirun, mpiexec, srun) started this process, and only then; a build
 * without MPI, or a plain run, trains alone. */
#ifndef RECUR_CLI_DIST_CLI_H
#define RECUR_CLI_DIST_CLI_H

#include "recur.h"

typedef struct cli_dist {
    recur_comm *comm; /* NULL when training alone */
    int rank, size;
    int local_size;   /* ranks on this node */
    int started;      /* this process called MPI_Init */
    int settled;      /* the ranks have agreed once: from then on every failure is agreed where it happens */
} cli_dist;

/* Returns non-zero (after a message) when MPI was asked for and failed. */
int cli_dist_begin(cli_dist *d, const char *cmd, int *argc, char ***argv);
void cli_dist_end(cli_dist *d);
/* Collective: whether flag is non-zero on any rank (flag itself alone). */
int cli_dist_any(cli_dist *d, int flag);
/* Collective: a failure of any rank stops all. rc is this rank's exit code
 * (0: it succeeded); returns the code every rank should exit with, after a
 * message on the ranks that did not fail themselves. */
int cli_dist_agree(cli_dist *d, const char *cmd, int rc);
/* At the end of the command: a rank that failed before the ranks first
 * agreed (cli_dist_agree) meets the others' first agreement here. */
int cli_dist_settle(cli_dist *d, const char *cmd, int rc);
/* Threads per rank when --threads is not given: the cores shared out among
 * the ranks on this node (all cores alone). */
int cli_dist_default_threads(const cli_dist *d);
/* "MPI (Open MPI v4.1.4 ...)" or "no MPI", for recur --version. */
const char *cli_dist_build(void);

#endif
